#!/bin/bash
# OpenMP must be limited for Tesseract (its num_threads clauses fight our
# workers): `ingest`, whose worker threads run Tesseract, re-executes itself
# once with OMP_THREAD_LIMIT=1 when it is unset (libgomp reads it only when it
# loads); other commands do not pay a second start: `extract` limits its own
# thread in-process (OCR of an image starts no OpenMP thread); a value the
# user set is kept and there is no re-exec.
set -u
command -v strace >/dev/null || { echo "SKIP: no strace"; exit 0; }
dir=$(mktemp -d)
log="$dir/log"
trap 'rm -rf "$dir"' EXIT
count() { grep -c "$1" "$log"; }
export ASAN_OPTIONS=detect_leaks=0

env -u OMP_THREAD_LIMIT strace -f -v -s 200 -e trace=execve -o "$log" "$ENCLAVE" ingest --help >/dev/null ||
	{ echo "FAIL: enclave ingest --help"; exit 1; }
[ "$(count 'execve(')" = 2 ] || { echo "FAIL: expected one re-exec of ingest when OMP_THREAD_LIMIT is unset"; cat "$log"; exit 1; }
grep -q 'OMP_THREAD_LIMIT=1' "$log" || { echo "FAIL: the re-exec does not set OMP_THREAD_LIMIT=1"; exit 1; }

env -u OMP_THREAD_LIMIT strace -f -e trace=execve -o "$log" "$ENCLAVE" --version >/dev/null ||
	{ echo "FAIL: enclave --version"; exit 1; }
[ "$(count 'execve(')" = 1 ] || { echo "FAIL: --version re-executed"; cat "$log"; exit 1; }

OMP_THREAD_LIMIT=2 strace -f -e trace=execve -o "$log" "$ENCLAVE" ingest --help >/dev/null ||
	{ echo "FAIL: enclave ingest --help"; exit 1; }
[ "$(count 'execve(')" = 1 ] || { echo "FAIL: re-executed although OMP_THREAD_LIMIT was set"; cat "$log"; exit 1; }

# OCR in `extract`: one process, no thread started (OpenMP would start some).
"$TOOLS_DIR/mkpdf" simple "$dir/a.pdf" "The quick brown fox jumps over the lazy dog." &&
	"$TOOLS_DIR/mkpng" "$dir/a.pdf" "$dir/a.png" 150 || { echo "FAIL: fixture"; exit 1; }
env -u OMP_THREAD_LIMIT strace -f -e trace=execve,clone,clone3 -o "$log" \
	"$ENCLAVE" extract --format text "$dir/a.png" >"$dir/out.txt" 2>"$dir/err.txt" ||
	{ echo "FAIL: extract a.png: $(cat "$dir/err.txt")"; exit 1; }
grep -q 'quick brown' "$dir/out.txt" || { echo "FAIL: OCR text"; cat "$dir/out.txt"; exit 1; }
[ "$(count 'execve(')" = 1 ] || { echo "FAIL: extract re-executed"; cat "$log"; exit 1; }
[ "$(count 'clone')" = 0 ] || { echo "FAIL: extract started threads (OpenMP not limited)"; cat "$log"; exit 1; }
echo "openmp: ingest limited by one re-exec, extract in-process; a user's value is kept"
