#!/bin/bash
# OpenMP must be limited before libgomp loads: with OMP_THREAD_LIMIT unset,
# enclave re-executes itself once with it set to 1; a value the user set is
# kept and there is no re-exec.
set -u
command -v strace >/dev/null || { echo "SKIP: no strace"; exit 0; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
count() { grep -c 'execve(' "$log"; }

env -u OMP_THREAD_LIMIT ASAN_OPTIONS=detect_leaks=0 strace -f -v -s 200 -e trace=execve -o "$log" "$ENCLAVE" --version >/dev/null ||
	{ echo "FAIL: enclave --version"; exit 1; }
[ "$(count)" = 2 ] || { echo "FAIL: expected one re-exec when OMP_THREAD_LIMIT is unset"; cat "$log"; exit 1; }
grep -q 'OMP_THREAD_LIMIT=1' "$log" || { echo "FAIL: the re-exec does not set OMP_THREAD_LIMIT=1"; exit 1; }

OMP_THREAD_LIMIT=2 ASAN_OPTIONS=detect_leaks=0 strace -f -e trace=execve -o "$log" "$ENCLAVE" --version >/dev/null ||
	{ echo "FAIL: enclave --version"; exit 1; }
[ "$(count)" = 1 ] || { echo "FAIL: re-executed although OMP_THREAD_LIMIT was set"; cat "$log"; exit 1; }
echo "openmp: limited by one re-exec; a user's value is kept"
