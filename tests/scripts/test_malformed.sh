#!/bin/bash
# Hostile and broken files through `enclave extract`: each must end with
# exit 0 (extracted) or 1 (a clear failure), never a crash, a sanitizer
# report or a hang. Two sets:
#   - a small set made here, always run;
#   - every file of ../shared/corpus/office/malformed when that folder is
#     beside the repository (skipped cleanly when it is not).
set -u
. "$SRC_DIR/tests/scripts/lib.sh"
setup_tmp malformed

LIMIT=${MALFORMED_TIMEOUT:-120}
checked=0
bad=0

# Run one file; record anything that is not a clean success or failure.
check() {
	local f=$1 rc
	timeout "$LIMIT" "$ENCLAVE" extract --format json "$f" >"$T/out" 2>"$T/err"
	rc=$?
	checked=$((checked + 1))
	if [ $rc -eq 124 ]; then
		echo "HANG (> ${LIMIT}s): $f"
		bad=$((bad + 1))
	elif [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
		echo "CRASH (exit $rc): $f"
		head -20 "$T/err"
		bad=$((bad + 1))
	elif grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer' "$T/err"; then
		echo "SANITIZER: $f"
		head -30 "$T/err"
		bad=$((bad + 1))
	elif [ $rc -eq 1 ] && ! grep -q "'$f'" "$T/err"; then
		echo "UNCLEAR (the message does not name the file): $f: $(head -1 "$T/err")"
		bad=$((bad + 1))
	fi
}

# ---- the set made here
M="$T/made"
mkdir -p "$M"
: >"$M/zero-bytes.pdf"
printf '%%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%%%EOF\n' >"$M/no-pages.pdf"
printf '%%PDF-1.4\n%%\xe2\xe3\xcf\xd3\n1 0 obj << /Length 999999999 >> stream\nBT ET\nendstream endobj\nxref\n0 1\n0000000000 65535 f \ntrailer << /Size 1 >>\nstartxref 9\n%%%%EOF\n' >"$M/huge-length.pdf"
if [ -x "$TOOLS_DIR/mkpdf" ]; then
	"$TOOLS_DIR/mkpdf" report "$M/good.pdf" >/dev/null
	for n in 100 400 900; do head -c $n "$M/good.pdf" >"$M/truncated-$n.pdf"; done
	python3 - "$M/good.pdf" "$M" <<'PY'
import random, sys
data = bytearray(open(sys.argv[1], 'rb').read())
rng = random.Random(7)
for i in range(12):
    d = bytearray(data)
    for _ in range(20):
        d[rng.randrange(len(d))] = rng.randrange(256)
    open(f"{sys.argv[2]}/flipped-{i}.pdf", "wb").write(d)
PY
fi
python3 - "$M" <<'PY'
import sys
out = sys.argv[1]
open(f"{out}/deep-divs.html", "w").write("<html><body>" + "<div>" * 20000 + "deep" + "</div>" * 20000)
open(f"{out}/deep-lists.md", "w").write("".join("  " * i + "- item\n" for i in range(3000)))
open(f"{out}/xxe.html", "w").write('<?xml version="1.0"?><!DOCTYPE html [<!ENTITY e SYSTEM "file:///etc/passwd">]><html><body><p>&e;</p></body></html>')
open(f"{out}/nul-table.md", "wb").write(b"| a\0b | c |\n|---|---|\n| \0 | d |\n")
open(f"{out}/bad-utf8.txt", "wb").write(b"caf\xc3 \xff\xfe \xed\xa0\x80 ok\n" * 100)
open(f"{out}/lone-bom.txt", "wb").write(b"\xff\xfe")
open(f"{out}/odd-utf16.txt", "wb").write(b"\xff\xfeh\x00i\x00!")
open(f"{out}/ctrl.bin", "wb").write(bytes(range(32)) * 50)
open(f"{out}/long-line.txt", "w").write("x" * 3_000_000)
PY
for f in "$M"/*; do check "$f"; done
grep -q root: "$T/out" && { echo "FAIL: an external entity was resolved"; bad=$((bad + 1)); }
made=$checked

# ---- the shared corpus, when present
CORPUS="$SRC_DIR/../shared/corpus/office/malformed"
if [ -d "$CORPUS" ]; then
	while IFS= read -r -d '' f; do
		case "$f" in *.md|*.tsv|*.txt.expected|*/SOURCE*|*/MANIFEST*) continue ;; esac
		check "$f"
	done < <(find "$CORPUS" -type f -print0 | sort -z)
	echo "malformed: $made made here, $((checked - made)) from $CORPUS"
else
	echo "malformed: $made made here; SKIP the shared set ($CORPUS is absent)"
fi
[ $bad -eq 0 ] || { echo "FAIL: $bad of $checked files ended badly"; exit 1; }
echo "malformed: all $checked files ended with a clean success or failure"
