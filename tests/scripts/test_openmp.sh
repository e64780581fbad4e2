#!/bin/bash
# OpenMP must be limited for Tesseract (its num_threads clauses fight our
# workers). libgomp reads OMP_THREAD_LIMIT only when it loads, and it comes
# with Tesseract, which is loaded with dlopen on the first OCR: so the CLI
# sets OMP_THREAD_LIMIT=1 at start (a user's value is kept) and never
# re-executes itself. Checked here: no command re-executes; a run without
# OCR loads neither Tesseract nor libgomp; OCR through `extract` starts no
# thread (OpenMP would start some) and loads them; `ingest --jobs 1` of an
# image starts only its one worker thread.
set -u
command -v strace >/dev/null || { echo "SKIP: no strace"; exit 0; }
dir=$(mktemp -d)
log="$dir/log"
trap 'rm -rf "$dir"' EXIT
count() { grep -c "$1" "$log"; }
export ASAN_OPTIONS=detect_leaks=0

for cmd in "--version" "ingest --help" "extract --help"; do
	# shellcheck disable=SC2086
	env -u OMP_THREAD_LIMIT strace -f -e trace=execve -o "$log" "$ENCLAVE" $cmd >/dev/null ||
		{ echo "FAIL: enclave $cmd"; exit 1; }
	[ "$(count 'execve(')" = 1 ] || { echo "FAIL: enclave $cmd re-executed"; cat "$log"; exit 1; }
done

"$TOOLS_DIR/mkpdf" simple "$dir/a.pdf" "The quick brown fox jumps over the lazy dog." &&
	"$TOOLS_DIR/mkpng" "$dir/a.pdf" "$dir/a.png" 150 || { echo "FAIL: fixture"; exit 1; }

# No OCR: neither Tesseract nor libgomp is even opened.
env -u OMP_THREAD_LIMIT strace -f -e trace=openat -o "$log" \
	"$ENCLAVE" extract --format text "$dir/a.pdf" >/dev/null 2>&1 || { echo "FAIL: extract a.pdf"; exit 1; }
if grep -E 'libtesseract|libgomp|liblept' "$log" | grep -qv ENOENT; then
	echo "FAIL: a PDF with a text layer loaded the OCR libraries"
	grep -E 'libtesseract|libgomp|liblept' "$log"
	exit 1
fi

# OCR in `extract`: Tesseract loaded, one process, no thread started.
env -u OMP_THREAD_LIMIT strace -f -e trace=execve,clone,clone3,openat -o "$log" \
	"$ENCLAVE" extract --format text "$dir/a.png" >"$dir/out.txt" 2>"$dir/err.txt" ||
	{ echo "FAIL: extract a.png: $(cat "$dir/err.txt")"; exit 1; }
grep -q 'quick brown' "$dir/out.txt" || { echo "FAIL: OCR text"; cat "$dir/out.txt"; exit 1; }
grep 'libtesseract' "$log" | grep -qv ENOENT || { echo "FAIL: OCR did not load libtesseract"; exit 1; }
[ "$(count 'execve(')" = 1 ] || { echo "FAIL: extract re-executed"; cat "$log"; exit 1; }
[ "$(count 'clone')" = 0 ] || { echo "FAIL: extract started threads (OpenMP not limited)"; cat "$log"; exit 1; }

# `ingest --jobs 1`: one worker thread, and no OpenMP thread beside it.
"$ENCLAVE" init "$dir/p" >/dev/null 2>&1 || { echo "FAIL: init"; exit 1; }
env -u OMP_THREAD_LIMIT strace -f -e trace=execve,clone,clone3 -o "$log" \
	"$ENCLAVE" -C "$dir/p" ingest -q --jobs 1 "$dir/a.png" >/dev/null 2>&1 || { echo "FAIL: ingest a.png"; exit 1; }
[ "$(count 'execve(')" = 1 ] || { echo "FAIL: ingest re-executed"; cat "$log"; exit 1; }
[ "$(grep -c 'clone' "$log")" = 1 ] || { echo "FAIL: ingest --jobs 1 started more than its worker thread"; cat "$log"; exit 1; }
echo "openmp: limited at start without a re-exec; OCR libraries loaded only for OCR"
