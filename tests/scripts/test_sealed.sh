#!/bin/bash
# Sealed operation: "It opens no network connection" (docs/cli/enclave.md).
#
# The whole slice - init, ingest of the fixture corpus (text, UTF-16,
# latin-1, HTML, Markdown, PDFs, failing files), extract in text, markdown and
# json, ls, ls --json, show in three formats, show of a failed document,
# export, audit log, audit verify, audit export, audit verify --file (with
# and without --key), llm list, split, augment (entity-swap, eda,
# synthetic-pii; qa refused with no endpoint), check-contamination, export
# --records and verify - is run, checking each step's exit status:
#   (a) with the network removed: `unshare -n` (root) or `unshare -n -r`
#       (unprivileged user namespace); SKIP with a clear line when neither
#       works here;
#   (b) under `strace -f -e trace=connect,sendto,sendmsg,socket`, failing on
#       any connect/sendto/sendmsg to an address that is not loopback
#       (127.0.0.0/8, ::1), a unix socket or netlink, and printing the lines.
#   (c) `enclave llm list` (the LLM endpoints) with no endpoint configured,
#       and with one configured, under strace: no inet socket at all, not
#       even to loopback, and libcurl not even loaded (listing reads the
#       config, it contacts nothing); and `enclave augment --task qa` naming
#       an endpoint that is not configured: refused, with no inet socket and
#       no libcurl either.
set -u
. "$(dirname "$0")/lib.sh"
need_env
setup_tmp sealed

FIX=$T/fixtures
make_fixtures "$FIX"
# Beyond the shared corpus, what loads the most code: OCR (Tesseract, which
# links libcurl), an e-mail with an attachment (GMime), an archive
# (libarchive); both containers give one embedded document each.
FIXTURE_CHILDREN=0
mkdir -p "$FIX/more"
cat >"$FIX/more/note.eml" <<'EOM'
From: Ana Lima <ana@example.org>
To: Team <team@example.org>
Subject: Minutes attached
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

The minutes are attached.
--b1
Content-Type: text/plain; name="minutes.txt"
Content-Disposition: attachment; filename="minutes.txt"

Minutes of the sealed meeting.
--b1--
EOM
python3 - "$FIX/more/bundle.zip" <<'EOP' || fail "writing bundle.zip"
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("inside/readme.txt", "A file inside an archive.\n")
EOP
FIXTURE_OK=$((FIXTURE_OK + 2))
FIXTURE_CHILDREN=$((FIXTURE_CHILDREN + 2))
if [ -x "$TOOLS_DIR/mkscan" ]; then
	"$TOOLS_DIR/mkscan" mixed "$FIX/more/scan.pdf" "Typed page one." \
		"Scanned page two, read by OCR." || fail "mkscan"
	FIXTURE_OK=$((FIXTURE_OK + 1))
else
	note "SKIP the scanned PDF: $TOOLS_DIR/mkscan is missing"
fi

# The slice, as a script of its own so that unshare and strace can run it.
# Usage: slice.sh WORKDIR. Prints "STEP ok|FAIL ..." lines; exits 1 on any failure.
cat >"$T/slice.sh" <<'EOF'
#!/bin/bash
set -u
W=$1
E=$ENCLAVE
FIX=$FIXTURES
failures=0
mkdir -p "$W"

# step WHAT EXPECTED_STATUS CMD...: run CMD, output in $W/out and $W/err.
step() {
	local what=$1 want=$2 rc=0
	shift 2
	"$@" >"$W/out" 2>"$W/err" || rc=$?
	if [ "$rc" != "$want" ]; then
		echo "STEP FAIL: $what: expected exit $want, got $rc: $*"
		sed 's/^/    stderr: /' "$W/err" | head -20
		failures=$((failures + 1))
	elif grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$W/err"; then
		echo "STEP FAIL: $what: sanitizer report"
		sed 's/^/    stderr: /' "$W/err" | head -40
		failures=$((failures + 1))
	else
		echo "STEP ok: $what"
	fi
}

if [ "${EXPECT_NO_NET:-0}" = 1 ]; then
	ifaces=$(awk 'NR > 2 { sub(":", "", $1); print $1 }' /proc/net/dev | tr '\n' ' ')
	if [ "$ifaces" != "lo " ]; then
		echo "STEP FAIL: network namespace has interfaces other than lo: $ifaces"
		failures=$((failures + 1))
	fi
fi

P=$W/project
step "init" 0 "$E" init "$P"
step "ingest of the fixture corpus (some files fail: exit 3)" 3 "$E" -C "$P" ingest "$FIX"
want="ingested $((FIXTURE_OK + FIXTURE_FAILED)) files: $FIXTURE_OK ok, $FIXTURE_FAILED failed, 0 already present; $FIXTURE_CHILDREN embedded files, 0 failed"
if ! grep -qxF "$want" "$W/err"; then
	echo "STEP FAIL: the ingest summary is not '$want':"
	sed 's/^/    stderr: /' "$W/err"
	failures=$((failures + 1))
fi
for f in page.html readme.md notes/plain.txt notes/utf16.txt notes/latin1.txt not-a-pdf.pdf \
	pdf/report.pdf pdf/columns.pdf more/note.eml more/bundle.zip more/scan.pdf; do
	[ -e "$FIX/$f" ] || continue
	for fmt in text markdown json; do
		step "extract --format $fmt $f" 0 "$E" extract --format "$fmt" "$FIX/$f"
	done
done
if [ -e "$FIX/more/scan.pdf" ] && ! "$E" extract "$FIX/more/scan.pdf" 2>/dev/null | grep -q "read by OCR"; then
	echo "STEP FAIL: the scanned page of more/scan.pdf was not read by OCR"
	failures=$((failures + 1))
fi
"$E" extract --format markdown "$FIX/page.html" >"$W/page.md" 2>/dev/null
if grep -Eq 'SCRIPT-MUST-NOT-APPEAR|hidden-style-marker' "$W/page.md"; then
	echo "STEP FAIL: script or style text in the extracted page.html:"
	sed 's/^/    /' "$W/page.md"
	failures=$((failures + 1))
fi
if [ -e "$FIX/pdf/encrypted.pdf" ]; then
	step "extract of the encrypted PDF without a password" 1 "$E" extract "$FIX/pdf/encrypted.pdf"
	step "extract of the encrypted PDF with its password" 0 "$E" extract --password sesame \
		"$FIX/pdf/encrypted.pdf"
fi
step "extract of an empty file" 1 "$E" extract "$FIX/empty.txt"
step "ls" 0 "$E" -C "$P" ls
step "ls --json" 0 "$E" -C "$P" ls --json
cp "$W/out" "$W/ls.json"
ok_id=$(grep '"status":"ok"' "$W/ls.json" | head -n 1 | sed -E 's/^\{"id":([0-9]+),.*/\1/')
failed_id=$(grep '"status":"failed"' "$W/ls.json" | head -n 1 | sed -E 's/^\{"id":([0-9]+),.*/\1/')
if [ -n "$ok_id" ]; then
	for fmt in text markdown json; do
		step "show --format $fmt $ok_id" 0 "$E" -C "$P" show --format "$fmt" "$ok_id"
	done
else
	echo "STEP FAIL: no ok document in ls --json"
	failures=$((failures + 1))
fi
if [ -n "$failed_id" ]; then
	step "show of failed document $failed_id" 1 "$E" -C "$P" show "$failed_id"
else
	echo "STEP FAIL: no failed document in ls --json"
	failures=$((failures + 1))
fi
# PII: the tagger's model is read and hash-checked, the clinical recogniser
# runs (hipaa), redaction uses the project's secret: all with no network.
step "scan --preset hipaa" 0 "$E" scan --preset hipaa "$FIX/notes/plain.txt"
step "redact --operator tag (no project)" 0 "$E" redact "$FIX/notes/plain.txt"
step "clean --pii (tagger, clinical, pseudonyms)" 0 "$E" -C "$P" clean --pii --preset hipaa \
	--operator 'PERSON=pseudonym,*=tag'
step "redact --operator encrypt in the project" 0 "$E" -C "$P" redact --operator encrypt \
	"$FIX/notes/plain.txt"
cp "$W/out" "$W/encrypted.txt"
step "reveal in the project (audited)" 0 "$E" -C "$P" reveal "$W/encrypted.txt"
step "export (every document redacted)" 0 "$E" -C "$P" export "$W/export"
step "audit log" 0 "$E" -C "$P" audit log
step "audit log --json" 0 "$E" -C "$P" audit log --json
step "audit verify" 0 "$E" -C "$P" audit verify
step "audit export" 0 "$E" -C "$P" audit export "$W/chain.jsonl"
step "audit verify --file" 0 "$E" audit verify --file "$W/chain.jsonl"
step "audit verify --file --key" 0 "$E" audit verify --file "$W/chain.jsonl" \
	--key "$(cat "$P/key/ed25519.pub")"
step "audit verify --file of the export's audit.jsonl" 0 "$E" audit verify --file \
	"$W/export/audit.jsonl"
step "llm list (no endpoint configured)" 0 "$E" -C "$P" llm list
# The augment stage and the records' way out: a project split, the
# deterministic augmenters (WordNet read locally), an LLM task refused for
# want of an endpoint, records exported with their lineage, the package
# verified, the contamination check.
step "split 80,20" 0 "$E" -C "$P" split 80,20 --seed 5
step "augment --task entity-swap" 0 "$E" -C "$P" augment --task entity-swap --n 1
if [ -d /usr/share/wordnet ]; then
	step "augment --task eda" 0 "$E" -C "$P" augment --task eda --n 1
fi
step "augment --task synthetic-pii" 0 "$E" -C "$P" augment --task synthetic-pii --n 5
step "augment --task qa with no endpoint configured" 1 "$E" -C "$P" augment --task qa --llm local
if ! grep -q "no LLM endpoint 'local'" "$W/err"; then
	echo "STEP FAIL: augment --task qa without an endpoint does not say so:"
	sed 's/^/    stderr: /' "$W/err"
	failures=$((failures + 1))
fi
step "augment list --json" 0 "$E" -C "$P" augment list --json
step "split check-contamination" 0 "$E" -C "$P" split check-contamination
# EDA variants keep the spans, PII included, byte for byte: refused without --allow-pii.
step "export --records all (EDA records quote PII: refused)" 1 "$E" -C "$P" export --records all \
	--record-status all --split project "$W/export-refused"
if ! grep -q "quote text that is redacted" "$W/err"; then
	echo "STEP FAIL: the records export was not refused for quoting redacted text:"
	sed 's/^/    stderr: /' "$W/err"
	failures=$((failures + 1))
fi
# Swaps replace every value (a time or a month the date shift keeps is redrawn): no --allow-pii.
step "export --records entity-swap,synthetic-pii (project split)" 0 "$E" -C "$P" \
	export --records entity-swap,synthetic-pii --record-status all --split project \
	"$W/export-records"
step "verify of the records package" 0 "$E" verify "$W/export-records" \
	--pubkey "$(cat "$P/key/ed25519.pub")"
[ "$failures" = 0 ] || { echo "$failures step(s) failed"; exit 1; }
exit 0
EOF
export FIXTURES=$FIX FIXTURE_OK FIXTURE_FAILED FIXTURE_CHILDREN

status=0

# ---------------------------------------------------------------- (a) no network
UNSHARE=""
if command -v unshare >/dev/null 2>&1; then
	if unshare -n true 2>/dev/null; then
		UNSHARE="unshare -n"
	elif unshare -n -r true 2>/dev/null; then
		UNSHARE="unshare -n -r"
	fi
fi
if [ -z "$UNSHARE" ]; then
	echo "SKIP (a): cannot remove the network here (neither 'unshare -n' nor 'unshare -n -r'" \
		"works: no root and no unprivileged user namespaces); (b) still runs"
else
	note "(a) running the slice under '$UNSHARE'"
	if EXPECT_NO_NET=1 $UNSHARE bash "$T/slice.sh" "$T/a" >"$T/a.log" 2>&1; then
		note "(a) ok: the slice works without a network ($(grep -c '^STEP ok' "$T/a.log") steps)"
	else
		cat "$T/a.log" >&2
		echo "FAIL: (a) the slice failed without a network (steps above)" >&2
		status=1
	fi
fi

# ---------------------------------------------------------------- (b) strace
command -v strace >/dev/null 2>&1 || fail "strace is not installed (scripts/deps.sh test)"
if ! strace -f -o /dev/null true 2>"$T/strace-probe.err"; then
	echo "SKIP (b): strace cannot trace here: $(cat "$T/strace-probe.err")"
else
	note "(b) running the slice under strace"
	# LeakSanitizer cannot run under ptrace: leaks are checked by (a) and the other tests.
	if ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -e trace=connect,sendto,sendmsg,socket -o "$T/strace.log" \
		bash "$T/slice.sh" "$T/b" >"$T/b.log" 2>&1; then
		note "(b) ok: the slice works under strace ($(grep -c '^STEP ok' "$T/b.log") steps)"
	else
		cat "$T/b.log" >&2
		echo "FAIL: (b) the slice failed under strace (steps above)" >&2
		status=1
	fi
	python3 - "$T/strace.log" <<'PYEOF' || status=1
import re, sys
allowed_families = {"AF_UNIX", "AF_LOCAL", "AF_NETLINK"}
bad, sockets, calls = [], {}, 0
for line in open(sys.argv[1], errors="replace"):
    m = re.search(r"\b(socket|connect|sendto|sendmsg)\((.*)", line)
    if not m:
        continue
    call, rest = m.group(1), m.group(2)
    if call == "socket":
        fam = rest.split(",")[0].strip()
        sockets[fam] = sockets.get(fam, 0) + 1
        continue
    calls += 1
    fm = re.search(r"sa_family=(\w+)", rest)
    if not fm:
        # sendto/sendmsg without an address go to an already connected socket
        # (its connect() is checked); a connect() we cannot decode is suspect.
        if call == "connect":
            bad.append(line.rstrip())
        continue
    fam = fm.group(1)
    if fam in allowed_families:
        continue
    if fam == "AF_INET":
        a = re.search(r'inet_addr\("([0-9.]+)"\)', rest)
        if a and a.group(1).startswith("127."):
            continue
    elif fam == "AF_INET6":
        a = re.search(r'inet_pton\(AF_INET6, "([^"]+)"', rest)
        if a and (a.group(1) == "::1" or a.group(1).startswith("::ffff:127.")):
            continue
    bad.append(line.rstrip())
print("# (b) sockets created: %s; connect/sendto/sendmsg calls: %d" %
      (", ".join("%s x%d" % kv for kv in sorted(sockets.items())) or "none", calls),
      file=sys.stderr)
if bad:
    print("FAIL: (b) network traffic to a non-loopback address:", file=sys.stderr)
    for b in bad:
        print("    " + b, file=sys.stderr)
    sys.exit(1)
PYEOF
fi

# ---------------------------------------------------------------- (c) llm list
if strace -f -o /dev/null true 2>/dev/null; then
	C=$T/c
	mkdir -p "$C"
	"$ENCLAVE" init "$C/project" >/dev/null 2>&1 || fail "(c) init"
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -e trace=socket,connect,openat -o "$C/trace" \
		"$ENCLAVE" -C "$C/project" augment --task qa --llm local >"$C/out" 2>"$C/err"
	rc=$?
	if [ "$rc" = 0 ] || ! grep -q "no LLM endpoint 'local'" "$C/err"; then
		echo "FAIL: (c) augment --task qa with no endpoint: exit $rc, $(cat "$C/err")" >&2
		status=1
	fi
	if grep -E 'AF_INET|libcurl' "$C/trace" >&2; then
		echo "FAIL: (c) augment --task qa with no endpoint made an inet socket or loaded libcurl" >&2
		status=1
	fi
	for config in none one; do
		if [ "$config" = one ]; then
			printf 'llm:\n  local:\n    kind: ollama\n    base_url: http://127.0.0.1:11434\n    model: m\n' \
				>>"$C/project/enclave.yaml"
		fi
		for json in "" --json; do
			ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
				strace -f -qq -e trace=socket,connect,openat -o "$C/trace" \
				"$ENCLAVE" -C "$C/project" llm list $json >"$C/out" 2>"$C/err" ||
				{ cat "$C/err" >&2; fail "(c) llm list $json ($config endpoint) failed"; }
			if grep -E 'AF_INET|libcurl' "$C/trace" >&2; then
				echo "FAIL: (c) llm list $json with $config endpoint made an inet socket" \
					"or loaded libcurl" >&2
				status=1
			fi
			if [ "$config$json" = none ] && ! grep -q "no LLM endpoints configured" "$C/out"; then
				echo "FAIL: (c) llm list: no 'no LLM endpoints' line" >&2
				status=1
			fi
		done
	done
	# Control: `llm check` does contact the endpoint (loopback here), and the trace shows it.
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -e trace=socket,connect,openat -o "$C/trace" \
		"$ENCLAVE" -C "$C/project" llm check local >/dev/null 2>&1
	grep -q 'AF_INET' "$C/trace" && grep -q 'libcurl' "$C/trace" ||
		{ echo "FAIL: (c) control: strace saw no inet socket or libcurl from llm check" >&2; status=1; }
	grep -q '"base_url":"http://127.0.0.1:11434"' "$C/out" ||
		{ echo "FAIL: (c) llm list --json does not list the endpoint" >&2; status=1; }
	note "(c) ok: llm list made no inet socket, with no endpoint and with one; nor did augment without one"
else
	echo "SKIP (c): strace cannot trace here"
fi

[ "$status" = 0 ] || exit 1
note "sealed test passed"
exit 0
