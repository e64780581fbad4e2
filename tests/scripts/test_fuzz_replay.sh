#!/bin/bash
# Replay every fuzz corpus (fuzz/corpus/<target>/, the seeds and the crash
# inputs kept as regression seeds) through its fuzz target, without
# libFuzzer, in the normal test build (ASan and UBSan with `make test`).
# Also fails when the targets drift apart: every fuzz/fuzz_*.c must be in
# fuzz_replay's table and have a non-empty corpus folder, and every corpus
# folder must belong to a target.
#
# Env (set by tests/CMakeLists.txt): TOOLS_DIR (fuzz_replay), SRC_DIR, TEST_TMP.
set -u

replay="$TOOLS_DIR/fuzz_replay"
corpora="$SRC_DIR/fuzz/corpus"
tmp="${TEST_TMP:-/tmp}/fuzz_replay.$$"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
# fuzz_audit_file writes its input to a temporary file in $TMPDIR.
export TMPDIR="$tmp"
# Sanitizer reports must fail the test, with a stack to read.
# Full stacks on allocation: the suppressions in tests/lsan.supp match frames
# inside libraries built without frame pointers (glib, libgsf).
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:fast_unwind_on_malloc=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

fail=0
bad() { echo "FAIL: $*" >&2; fail=1; }

[ -x "$replay" ] || { echo "FAIL: no $replay" >&2; exit 1; }
listed=$("$replay" --list) || { echo "FAIL: fuzz_replay --list" >&2; exit 1; }

# Every fuzz source is in the table and has seeds.
for src in "$SRC_DIR"/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	grep -qx "$name" <<<"$listed" || bad "$name: fuzz/$name.c is not in tests/tools/fuzz_replay.c's table"
	[ -n "$(ls -A "$corpora/$name" 2>/dev/null)" ] || bad "$name: no seeds in fuzz/corpus/$name/"
done
# Every table row and every corpus folder has its fuzz source.
for name in $listed $(ls "$corpora"); do
	[ -f "$SRC_DIR/fuzz/$name.c" ] || bad "$name: listed or has a corpus, but no fuzz/$name.c"
done

for name in $listed; do
	[ -d "$corpora/$name" ] || continue
	if ! out=$("$replay" "$name" "$corpora/$name" 2>"$tmp/stderr"); then
		bad "$name: replay failed"
		tail -n 60 "$tmp/stderr" >&2
		continue
	fi
	echo "$out"
done

[ "$fail" -eq 0 ] && echo "ok: every fuzz corpus replayed"
exit "$fail"
