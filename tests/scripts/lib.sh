# Shared helpers for the system tests (tests/scripts/test_*.sh) and the CLI
# cases (tests/run_case.sh). Source it; it sets no shell options of its own.
#
# Environment (set by CTest, see tests/CMakeLists.txt):
#   ENCLAVE    the enclave binary
#   TOOLS_DIR  folder of the helper programs built from tests/tools/*.c (mkpdf)
#   SRC_DIR    the repository
#   TEST_TMP   scratch folder under the build tree
#
# Helpers:
#   fail MSG...                      print "FAIL: MSG" on stderr and exit 1
#   note MSG...                      print "# MSG" on stderr (progress, skips)
#   assert_eq EXPECTED ACTUAL WHAT   fail unless equal
#   assert_contains TEXT NEEDLE WHAT fail unless TEXT contains NEEDLE (fixed string)
#   assert_not_contains TEXT NEEDLE WHAT
#   assert_match TEXT ERE WHAT       fail unless a line of TEXT matches ERE
#   run CMD...                       run CMD; sets RC, OUT (stdout), ERR (stderr)
#   expect_rc N WHAT CMD...          run CMD and fail (with its output) unless it exits N
#   need_env                         check ENCLAVE and friends, default TEST_TMP;
#                                    python3 then runs $PYTHON (the real interpreter)
#   setup_tmp NAME                   T=$(mktemp -d under TEST_TMP), removed on exit
#   have_mkpdf                       true when $TOOLS_DIR/mkpdf exists
#   mkpdf ARGS...                    run $TOOLS_DIR/mkpdf, failing the test if it fails
#   make_fixtures DIR                write the small mixed corpus (see below)
#   json_field FILE KEY              print KEY of the JSON object in FILE (python3)
#   sanitizer_clean TEXT WHAT        fail when TEXT holds an ASan/UBSan/LSan report

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

note() {
	echo "# $*" >&2
}

assert_eq() {
	if [ "$1" != "$2" ]; then
		printf 'FAIL: %s\n  expected: %s\n  got:      %s\n' "$3" "$1" "$2" >&2
		exit 1
	fi
}

assert_contains() {
	case "$1" in
	*"$2"*) ;;
	*) printf 'FAIL: %s\n  expected to contain: %s\n  got: %s\n' "$3" "$2" "$1" >&2
	   exit 1 ;;
	esac
}

assert_not_contains() {
	case "$1" in
	*"$2"*) printf 'FAIL: %s\n  expected not to contain: %s\n  got: %s\n' "$3" "$2" "$1" >&2
	        exit 1 ;;
	esac
}

assert_match() {
	if ! printf '%s\n' "$1" | grep -Eq -- "$2"; then
		printf 'FAIL: %s\n  expected a line matching: %s\n  got: %s\n' "$3" "$2" "$1" >&2
		exit 1
	fi
}

sanitizer_clean() {
	if printf '%s\n' "$1" | grep -Eq 'ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error:'; then
		printf 'FAIL: %s: sanitizer report:\n%s\n' "$2" "$1" >&2
		exit 1
	fi
}

# run CMD...: RC, OUT and ERR hold the exit status, stdout and stderr.
run() {
	local o e
	o=$(mktemp "${T:-${TEST_TMP:-/tmp}}/run.out.XXXXXX")
	e=$(mktemp "${T:-${TEST_TMP:-/tmp}}/run.err.XXXXXX")
	RC=0
	"$@" >"$o" 2>"$e" || RC=$?
	OUT=$(cat "$o")
	ERR=$(cat "$e")
	rm -f "$o" "$e"
	sanitizer_clean "$ERR" "$*"
}

expect_rc() {
	local want=$1 what=$2
	shift 2
	run "$@"
	if [ "$RC" != "$want" ]; then
		printf 'FAIL: %s: expected exit %s, got %s\n  command: %s\n  stdout: %s\n  stderr: %s\n' \
			"$what" "$want" "$RC" "$*" "$OUT" "$ERR" >&2
		exit 1
	fi
}

need_env() {
	[ -n "${ENCLAVE:-}" ] || fail "ENCLAVE is not set (run through ctest, or export ENCLAVE=path/to/enclave)"
	[ -x "$ENCLAVE" ] || fail "ENCLAVE=$ENCLAVE is not an executable"
	: "${TOOLS_DIR:=$(dirname "$ENCLAVE")/tests}"
	: "${TEST_TMP:=${TMPDIR:-/tmp}}"
	mkdir -p "$TEST_TMP" || fail "cannot create TEST_TMP=$TEST_TMP"
	command -v python3 >/dev/null || fail "python3 is needed (scripts/deps.sh test)"
	# The interpreter itself: wrappers such as pyenv's shims cost ~0.3 s a call.
	PYTHON=${PYTHON:-$(python3 -c 'import sys; print(sys.executable)')}
	[ -x "$PYTHON" ] || PYTHON=$(command -v python3)
	export ENCLAVE TOOLS_DIR TEST_TMP PYTHON
	export -f python3
}

python3() {
	"${PYTHON:-$(type -P python3)}" "$@"
}

# setup_tmp NAME: a fresh scratch folder in $T, removed when the script exits
# (after the fakellm servers fakellm_start started are killed).
setup_tmp() {
	T=$(mktemp -d "$TEST_TMP/$1.XXXXXX") || fail "mktemp under $TEST_TMP"
	T=$(cd "$T" && pwd -P)
	trap 'fakellm_stop_all; [ -n "${KEEP_TEST_TMP:-}" ] || rm -rf "$T"' EXIT
}

# fakellm_start NAME ARGS...: tests/tools/fakellm ARGS in the background (its
# output in $T/NAME.port and $T/NAME.err); waits for its port, then sets
# PORT_<NAME> and PID_<NAME>. Every server started so is killed at exit.
FAKELLM_PIDS=()
fakellm_start() {
	local name=$1 fake=$TOOLS_DIR/fakellm port=""
	shift
	[ -x "$fake" ] || fail "$fake is missing"
	"$fake" "$@" >"$T/$name.port" 2>"$T/$name.err" &
	FAKELLM_PIDS+=($!)
	eval "PID_$name=$!"
	for _ in $(seq 100); do
		port=$(awk '/^port /{print $2}' "$T/$name.port" 2>/dev/null)
		[ -n "$port" ] && break
		sleep 0.05
	done
	[ -n "$port" ] || fail "fakellm $name did not start: $(cat "$T/$name.err")"
	eval "PORT_$name=$port"
}

# fakellm_kill NAME [SIGNAL]: stop the server NAME and reap it.
fakellm_kill() {
	local pid
	eval "pid=\$PID_$1"
	kill "-${2:-TERM}" "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

fakellm_stop_all() {
	local p
	for p in "${FAKELLM_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	return 0
}

# fakellm_conns ADDR PORT: the connections a fakellm accepted so far (this query included).
fakellm_conns() {
	curl -s --noproxy '*' "http://$1:$2/fake/stats" | sed -E 's/.*"connections":([0-9]+).*/\1/'
}

have_mkpdf() {
	[ -x "${TOOLS_DIR:-}/mkpdf" ]
}

mkpdf() {
	"$TOOLS_DIR/mkpdf" "$@" || fail "mkpdf $* failed"
}

json_field() {
	python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))[sys.argv[2]]; print(v if not isinstance(v,(dict,list)) else json.dumps(v))' "$1" "$2"
}

# make_fixtures DIR: a small mixed corpus. What each file should become:
#   notes/plain.txt     ok   text, ASCII, two paragraphs and a list
#   notes/utf16.txt     ok   text, UTF-16LE with BOM ("Café ... ☃")
#   notes/latin1.txt    ok   text, ISO-8859-1 (French, accents)
#   page.html           ok   html: title, headings, list, table; its <script>
#                            and <style> must not appear in the text
#   readme.md           ok   markdown
#   not-a-pdf.pdf       ok   text (a .pdf name, text content)
#   empty.txt           failed (empty)
#   junk.bin            failed (unsupported binary)
#   and, when $TOOLS_DIR/mkpdf exists:
#   pdf/simple.pdf      ok   pdf, one page
#   pdf/report.pdf      ok   pdf, two pages
#   pdf/columns.pdf     ok   pdf
#   pdf/truncated.pdf   failed (a report.pdf cut to 400 bytes)
#   pdf/encrypted.pdf   failed without --password (password "sesame")
# FIXTURE_OK and FIXTURE_FAILED are set to the expected counts.
make_fixtures() {
	local d=$1
	mkdir -p "$d/notes" || fail "mkdir $d"
	cat >"$d/notes/plain.txt" <<'EOF'
Meeting notes, 3 March

The committee agreed to publish the annual figures in April.
Budget lines stay as they are.

- follow up with finance
- book the large room
EOF
	# UTF-16LE with a BOM.
	python3 - "$d/notes/utf16.txt" <<'EOF' || fail "writing utf16.txt"
import sys
text = "Café notes from the naïve résumé review\n\nSnowman ☃ and the euro € sign\n"
open(sys.argv[1], "wb").write(b"\xff\xfe" + text.encode("utf-16-le"))
EOF
	# ISO-8859-1: enough text for the detector to be sure.
	python3 - "$d/notes/latin1.txt" <<'EOF' || fail "writing latin1.txt"
import sys
text = ("Le comité a approuvé le budget de l'année à venir. Les élèves étudièrent "
        "à l'école près de la forêt, où l'été fut très chaud.\n\n"
        "Crème brûlée, façade, garçon, déjà vu, naïveté.\n")
open(sys.argv[1], "wb").write(text.encode("latin-1"))
EOF
	cat >"$d/page.html" <<'EOF'
<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>Quarterly Report</title>
<style>body { color: red; } .hidden-style-marker { }</style>
<script>var trackingMarker = "SCRIPT-MUST-NOT-APPEAR";</script>
</head>
<body>
<h1>Quarterly Report</h1>
<p>Revenue grew in every region this quarter.</p>
<h2>Highlights</h2>
<ul>
<li>New office in Lyon</li>
<li>Two products launched</li>
</ul>
<table>
<tr><th>Region</th><th>Revenue</th></tr>
<tr><td>North</td><td>120</td></tr>
<tr><td>South</td><td>95</td></tr>
</table>
<script>document.write("SCRIPT-MUST-NOT-APPEAR");</script>
</body>
</html>
EOF
	cat >"$d/readme.md" <<'EOF'
# Project Handbook

Welcome to the **handbook**.

## Getting started

1. Read the guide
2. Ask questions

```
make test
```
EOF
	printf 'This file is called .pdf but it is plain text.\n\nIt must be ingested as text.\n' \
		>"$d/not-a-pdf.pdf"
	: >"$d/empty.txt"
	# Binary junk that libmagic calls "data": a SHA-256 stream after four bytes with NULs.
	python3 -c '
import hashlib, sys
out, h = b"", b"enclave-junk"
while len(out) < 2048:
    h = hashlib.sha256(h).digest()
    out += h
sys.stdout.buffer.write(b"\x00\x01\x02\x03" + out[4:2048])' >"$d/junk.bin" || fail "writing junk.bin"
	FIXTURE_OK=6
	FIXTURE_FAILED=2
	if have_mkpdf; then
		mkdir -p "$d/pdf"
		mkpdf simple "$d/pdf/simple.pdf" "A simple PDF for the fixture corpus."
		mkpdf report "$d/pdf/report.pdf"
		mkpdf columns "$d/pdf/columns.pdf"
		head -c 400 "$d/pdf/report.pdf" >"$d/pdf/truncated.pdf"
		mkpdf encrypted "$d/pdf/encrypted.pdf" sesame "Secret text"
		FIXTURE_OK=$((FIXTURE_OK + 3))
		FIXTURE_FAILED=$((FIXTURE_FAILED + 2))
	else
		note "SKIP PDF fixtures: $TOOLS_DIR/mkpdf is missing"
	fi
}

# ls_summary PROJECT_DIR: print "ok=N failed=M docs=K dup_paths=D" from `enclave ls --json`.
ls_summary() {
	"$ENCLAVE" -C "$1" ls --json | python3 -c '
import json, sys, collections
docs = [json.loads(l) for l in sys.stdin if l.strip()]
c = collections.Counter(d["status"] for d in docs)
p = collections.Counter(d["path"] for d in docs)
print("ok=%d failed=%d docs=%d dup_paths=%d" % (c["ok"], c["failed"], len(docs),
      sum(1 for v in p.values() if v > 1)))'
}

# crash_setup PREFIX DEFAULT_ITER: ITER from ${PREFIX}_ITERATIONS (else
# DEFAULT_ITER), SEED from ${PREFIX}_SEED (else the clock), RANDOM seeded
# with it, and a note saying how to replay. For the SIGKILL tests.
crash_setup() {
	local iters="${1}_ITERATIONS" seed="${1}_SEED"
	ITER=${!iters:-$2}
	SEED=${!seed:-$(($(date +%s) % 32768))}
	RANDOM=$SEED
	note "seed $SEED ($1_SEED=$SEED replays the delays), $ITER iterations"
}

# kill_after MS ERRFILE CMD...: run CMD in the background (stdout dropped,
# stderr to ERRFILE), SIGKILL it after MS milliseconds; its exit status in
# $rc (137 when the kill came first).
kill_after() {
	local ms=$1 err=$2 pid
	shift 2
	"$@" >/dev/null 2>"$err" &
	pid=$!
	sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
	kill -KILL "$pid" 2>/dev/null
	rc=0
	{ wait "$pid"; } 2>/dev/null || rc=$?
}

# crash_check DIR WHAT: the store of project DIR after a kill: SQLite's
# integrity and foreign key checks, `audit verify`, then the test's own
# consistency check, python3 $T/check.py DIR, whose output goes to CHECKED.
crash_check() {
	local dir=$1 what=$2 ic
	ic=$(sqlite3 "$dir/enclave.db" 'PRAGMA integrity_check; PRAGMA foreign_key_check;' 2>&1)
	assert_eq ok "$ic" "$what: integrity_check and foreign_key_check"
	run "$E" -C "$dir" audit verify
	[ "$RC" = 0 ] || fail "$what: audit verify exited $RC: $ERR"
	CHECKED=$(python3 "$T/check.py" "$dir") || fail "$what: store consistency (see above)"
}

# crash_project I: the project round I runs on, in PROJ: even rounds a fresh
# copy of $BASE ($T/fresh), odd rounds $T/same, the one copy killed again
# and again (made on the first call).
crash_project() {
	if (($1 % 2 == 0)); then
		PROJ=$T/fresh
		rm -rf "$PROJ"
		cp -a "$BASE" "$PROJ"
	else
		PROJ=$T/same
	fi
	[ -d "$T/same" ] || cp -a "$BASE" "$T/same"
}

# crash_round I WHAT ARGS...: one round of a SIGKILL test: the round's
# project (crash_project), `$E -C PROJ ARGS...` killed after a random delay
# below 1.2 x FULL_MS (the test's measured run time), its exit checked (a
# kill or a finish; anything else fails, naming WHAT), no sanitizer report,
# then the store (crash_check). Sets HOW, counts kills in KILLED.
crash_round() {
	local i=$1 what=$2 delay
	shift 2
	crash_project "$i"
	delay=$(((RANDOM * 32768 + RANDOM) % (FULL_MS * 12 / 10)))
	kill_after "$delay" "$T/round.err" "$E" -C "$PROJ" "$@"
	case "$rc" in
	137) KILLED=$((${KILLED:-0} + 1)) HOW="killed after ${delay} ms" ;;
	0) HOW="finished before the kill at ${delay} ms" ;;
	*) fail "iteration $i: $what exited $rc: $(cat "$T/round.err")" ;;
	esac
	sanitizer_clean "$(cat "$T/round.err")" "iteration $i $what"
	crash_check "$PROJ" "iteration $i ($(basename "$PROJ"), $HOW)"
}
