#!/bin/bash
# Crash safety of `enclave ingest` (docs/cli/ingest.md: "Killing the command
# loses only the files not yet committed; running it again completes the
# batch").
#
# A corpus of ~100 files (text notes in subfolders, HTML pages, Markdown,
# multi-page PDFs from mkpdf, an empty file and binary junk) is ingested once
# into a reference project, timing the run. Then CRASH_ITERATIONS times
# (default 20) an ingest of the corpus is SIGKILLed after a random delay spread
# over that duration: even iterations into a fresh project, odd ones into one
# project that accumulates the interrupted runs. After every kill:
#   - sqlite3 PRAGMA integrity_check is "ok" and foreign_key_check is empty
#   - `enclave audit verify` exits 0
#   - no path appears twice in `enclave ls --json`
#   - every document has exactly one ingest audit event (same transaction)
#     and no event names a document that does not exist
#   - every source and text blob the store refers to exists and is whole
# At the end both projects are completed by running the same ingest again:
# every corpus file is present exactly once, with the same status, format,
# pages, blocks and source hash as in the reference project; audit verify and
# an export (verified with audit verify --file) pass; one more run finds every
# file already present. The seed is printed; CRASH_SEED=N replays it.
set -u
. "$(dirname "$0")/lib.sh"
need_env
setup_tmp crash

E=$ENCLAVE
crash_setup CRASH 20

# ---------------------------------------------------------------- corpus
CORPUS=$T/corpus
python3 - "$CORPUS" <<'EOF' || fail "writing the corpus"
import os, random, sys
root = sys.argv[1]
rnd = random.Random(7)
words = ("audit ledger budget report quarterly office regional committee archive "
         "contract supplier invoice policy review draft final memo summary annex "
         "schedule café naïve déjà").split()
def para(n):
    return " ".join(rnd.choice(words) for _ in range(n)).capitalize() + "."
for i in range(60):
    d = os.path.join(root, "notes", "batch%d" % (i % 4))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "note%03d.txt" % i), "w", encoding="utf-8") as f:
        f.write("Note %d\n\n" % i)
        f.write("\n\n".join(para(rnd.randint(20, 200)) for _ in range(rnd.randint(2, 30))) + "\n")
os.makedirs(os.path.join(root, "web"), exist_ok=True)
for i in range(20):
    with open(os.path.join(root, "web", "page%02d.html" % i), "w", encoding="utf-8") as f:
        f.write("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Page %d</title>"
                "<script>var x = %d;</script></head><body><h1>Page %d</h1>\n" % (i, i, i))
        for _ in range(rnd.randint(3, 40)):
            f.write("<p>%s</p>\n" % para(rnd.randint(10, 80)))
        f.write("<ul><li>one %d</li><li>two</li></ul></body></html>\n" % i)
os.makedirs(os.path.join(root, "docs"), exist_ok=True)
for i in range(10):
    with open(os.path.join(root, "docs", "doc%02d.md" % i), "w", encoding="utf-8") as f:
        f.write("# Document %d\n\n%s\n\n## Section\n\n- item %d\n- item b\n" % (i, para(50), i))
open(os.path.join(root, "empty.txt"), "w").close()
junk, h = b"", b"crash-junk"
import hashlib
while len(junk) < 3000:
    h = hashlib.sha256(h).digest()
    junk += h
open(os.path.join(root, "junk.bin"), "wb").write(b"\x00\x01" + junk)
EOF
if have_mkpdf; then
	mkdir -p "$CORPUS/pdf"
	for n in 5 10 20 30 40 60 80; do
		mkpdf pages "$CORPUS/pdf/pages$n.pdf" "$n"
	done
else
	note "SKIP PDFs in the crash corpus: $TOOLS_DIR/mkpdf is missing"
fi
NFILES=$(find "$CORPUS" -type f | wc -l)
note "corpus: $NFILES files"

# ---------------------------------------------------------------- helpers
now_ms() {
	echo $(( $(date +%s%N) / 1000000 ))
}

# check.py DIR: print the documents (path status format pages blocks sha256,
# sorted, from `enclave ls --json` on stdin) and check the store's consistency.
cat >"$T/check.py" <<'EOF'
import collections, hashlib, json, os, sqlite3, sys
d = sys.argv[1]
bad, rows = [], []
for line in sys.stdin:
    if line.strip():
        doc = json.loads(line)
        for k in ("id", "path", "format", "status", "error", "pages", "blocks"):
            if k not in doc:
                bad.append("ls --json line without %r: %s" % (k, line))
        rows.append("%s\t%s\t%s\t%s\t%s\t%s" % (doc["path"], doc["status"], doc["format"],
                                                doc["pages"], doc["blocks"], doc["sha256"]))
con = sqlite3.connect("file:%s/enclave.db?mode=ro" % d, uri=True)
docs = {r[0] for r in con.execute("SELECT id FROM documents")}
ev = collections.Counter(r[0] for r in con.execute(
    "SELECT subject FROM audit WHERE action IN ('ingest.document', 'ingest.failed')"))
for i in docs:
    if ev["document:%d" % i] != 1:
        bad.append("document %d has %d ingest events" % (i, ev["document:%d" % i]))
for s in ev:
    if int(s.split(":")[1]) not in docs:
        bad.append("an ingest event names %s, which does not exist" % s)
def blob(h):
    p = os.path.join(d, "blobs", h[:2], h[2:])
    if not os.path.isfile(p):
        return "missing"
    if hashlib.sha256(open(p, "rb").read()).hexdigest() != h:
        return "corrupt"
    return None
for (h,) in con.execute("SELECT sha256 FROM sources"):
    if blob(h):
        bad.append("source blob %s is %s" % (h, blob(h)))
for (h,) in con.execute("SELECT blob FROM texts"):
    if blob(h):
        bad.append("text blob %s is %s" % (h, blob(h)))
for b in bad:
    print("INCONSISTENT: " + b, file=sys.stderr)
for r in sorted(rows):
    print(r)
sys.exit(1 if bad else 0)
EOF

# snapshot DIR: the documents of DIR, one a line (see check.py), into stdout.
snapshot() {
	"$E" -C "$1" ls --json >"$T/ls.json" || fail "ls --json in $1"
	python3 "$T/check.py" "$1" <"$T/ls.json" || fail "store consistency of $1 (see above)"
}

# check_project DIR WHAT: the invariants that must hold after any kill; leaves
# the snapshot in $T/snap.
check_project() {
	local dir=$1 what=$2 ic dups
	# integrity_check prints "ok"; foreign_key_check prints nothing when clean.
	ic=$(sqlite3 "$dir/enclave.db" 'PRAGMA integrity_check; PRAGMA foreign_key_check;' 2>&1)
	assert_eq ok "$ic" "$what: PRAGMA integrity_check and foreign_key_check"
	run "$E" -C "$dir" audit verify
	[ "$RC" = 0 ] || fail "$what: audit verify exited $RC: $ERR"
	"$E" -C "$dir" ls --json >"$T/ls.json" || fail "$what: ls --json"
	python3 "$T/check.py" "$dir" <"$T/ls.json" >"$T/snap" || fail "$what: store consistency (see above)"
	dups=$(cut -f1 "$T/snap" | sort | uniq -d)
	[ -z "$dups" ] || fail "$what: documents appear twice: $dups"
}

# ---------------------------------------------------------------- reference run
REF=$T/reference
expect_rc 0 "init of the reference project" "$E" init "$REF"
t0=$(now_ms)
run "$E" -C "$REF" ingest -q "$CORPUS"
t1=$(now_ms)
case "$RC" in
0 | 3) ;;
*) fail "reference ingest exited $RC: $ERR" ;;
esac
FULL_MS=$(( t1 - t0 ))
[ "$FULL_MS" -ge 50 ] || FULL_MS=50
snapshot "$REF" >"$T/ref.snap"
REF_OK=$(grep -c $'\tok\t' "$T/ref.snap")
REF_FAILED=$(grep -c $'\tfailed\t' "$T/ref.snap")
assert_eq "$NFILES" "$(wc -l <"$T/ref.snap")" "documents in the reference project"
[ "$REF_FAILED" -ge 2 ] || fail "the reference run should fail at least empty.txt and junk.bin"
note "reference ingest: ${FULL_MS} ms, $REF_OK ok, $REF_FAILED failed"
check_project "$REF" "reference project"

# ---------------------------------------------------------------- kill loop
FRESH=$T/fresh
SAME=$T/same
# Fresh projects are copies of one new project (quicker than init each time).
expect_rc 0 "init of the template project" "$E" init "$T/template"
cp -a "$T/template" "$SAME" || fail "copy of the template project"
MAX_MS=$(( FULL_MS * 12 / 10 ))
killed=0
finished=0
for ((i = 0; i < ITER; i++)); do
	if (( i % 2 == 0 )); then
		proj=$FRESH
		rm -rf "$FRESH"
		cp -a "$T/template" "$FRESH" || fail "copy of the template project"
	else
		proj=$SAME
	fi
	# The accumulating project has less left to do: shorten the range with it.
	range=$MAX_MS
	if [ "$proj" = "$SAME" ]; then
		left=$(( NFILES - $(sqlite3 "$SAME/enclave.db" 'SELECT count(*) FROM documents') ))
		range=$(( MAX_MS * (left > NFILES / 4 ? left : NFILES / 4) / NFILES ))
	fi
	delay=$(( (RANDOM * 32768 + RANDOM) % range ))
	kill_after "$delay" "$T/ingest.err" "$E" -C "$proj" ingest -q "$CORPUS"
	case "$rc" in
	137) killed=$((killed + 1)); how="killed after ${delay} ms" ;;
	0 | 3) finished=$((finished + 1)); how="finished before the kill at ${delay} ms" ;;
	*) fail "iteration $i: ingest exited $rc: $(cat "$T/ingest.err")" ;;
	esac
	sanitizer_clean "$(cat "$T/ingest.err")" "iteration $i ingest"
	check_project "$proj" "iteration $i ($(basename "$proj"), $how)"
	docs=$(wc -l <"$T/snap")
	note "iteration $i: $(basename "$proj"): $how: $docs documents, checks ok"
done
note "$killed ingests killed mid-run, $finished finished before the kill"

# ---------------------------------------------------------------- completion
for proj in "$FRESH" "$SAME"; do
	name=$(basename "$proj")
	run "$E" -C "$proj" ingest -q "$CORPUS"
	case "$RC" in
	0 | 3) ;;
	*) fail "$name: completing ingest exited $RC: $ERR" ;;
	esac
	check_project "$proj" "$name after completion"
	if ! diff -u "$T/ref.snap" "$T/snap" >"$T/diff"; then
		cat "$T/diff" >&2
		fail "$name: after completion the documents differ from the reference run (diff above)"
	fi
	ok=$(grep -c $'\tok\t' "$T/snap")
	failed=$(grep -c $'\tfailed\t' "$T/snap")
	assert_eq "$REF_OK/$REF_FAILED" "$ok/$failed" "$name: ok/failed documents vs the reference"
	# Each corpus file exactly once, by path.
	(cd "$CORPUS" && find "$PWD" -type f | sort) >"$T/files"
	cut -f1 "$T/snap" | sort >"$T/paths"
	if ! diff -u "$T/files" "$T/paths" >"$T/diff"; then
		cat "$T/diff" >&2
		fail "$name: the documents' paths are not the corpus files exactly once"
	fi
	# Once more: the good files are already present, the bad ones fail again
	# (exit 3, as any run with a failing input), and nothing is added.
	run "$E" -C "$proj" ingest --json "$CORPUS"
	assert_eq 3 "$RC" "$name: exit status of a run that finds everything present"
	dup=$(printf '%s\n' "$OUT" | grep -c '"status":"duplicate"')
	again=$(printf '%s\n' "$OUT" | grep -c '"status":"failed"')
	assert_eq "$REF_OK/$REF_FAILED" "$dup/$again" "$name: present/failed-again on the last run"
	snapshot "$proj" >"$T/snap2"
	cmp -s "$T/snap" "$T/snap2" || fail "$name: a run over present files changed the documents"
	expect_rc 0 "$name: export" "$E" -C "$proj" export --allow-unredacted "$T/export-$name"
	records=$(wc -l <"$T/export-$name/data.jsonl")
	assert_eq "$REF_OK" "$records" "$name: data.jsonl lines (ok documents)"
	expect_rc 0 "$name: audit verify --file of the export" "$E" audit verify --file \
		"$T/export-$name/audit.jsonl" --key "$(cat "$proj/key/ed25519.pub")"
	expect_rc 0 "$name: audit verify" "$E" -C "$proj" audit verify
	note "$name: complete and identical to the reference"
done

note "crash test passed ($killed kills mid-run)"
exit 0
