#!/bin/bash
# Run every libFuzzer target briefly on a copy of its seed corpus, in a
# clang build of its own under $TOOLS_DIR/fuzz-brief (`make fuzz` is the
# long run). Fails on any crash, leak, sanitizer report or timeout the
# fuzzer finds; the input that did it is kept under
# $TOOLS_DIR/fuzz-brief/artifacts/ and named here. Skips (exit 0 with
# "skip:") only when clang is missing.
#
# The runs are reproducible: a fixed seed (ENCLAVE_FUZZ_BRIEF_SEED, default
# 1) and at most ENCLAVE_FUZZ_BRIEF_RUNS inputs (default 3000) per target,
# cut at ENCLAVE_FUZZ_BRIEF_SECONDS (default 10) on a slow machine, so a
# machine runs a prefix of the same sequence of inputs and the test cannot
# fail on one machine and pass on another by luck. Finding new bugs is the
# job of `make fuzz` (random seeds, minutes per target); what it finds is
# fixed and its input kept in the seed corpus.
#
# Env (set by tests/CMakeLists.txt): TOOLS_DIR, SRC_DIR, TEST_TMP.
set -u

command -v clang >/dev/null || { echo "skip: clang is not installed (scripts/deps.sh test)"; exit 0; }
secs="${ENCLAVE_FUZZ_BRIEF_SECONDS:-10}"
runs="${ENCLAVE_FUZZ_BRIEF_RUNS:-3000}"
seed="${ENCLAVE_FUZZ_BRIEF_SEED:-1}"
build="$TOOLS_DIR/fuzz-brief"
work="${TEST_TMP:-/tmp}/fuzz_brief.$$"
mkdir -p "$build/artifacts" "$work"
trap 'rm -rf "$work"' EXIT

CC=clang cmake -S "$SRC_DIR" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DENCLAVE_BUILD_FUZZERS=ON \
	-DENCLAVE_BUILD_TESTS=OFF >"$work/configure.log" 2>&1 ||
	{ cat "$work/configure.log"; echo "FAIL: cannot configure the fuzz build"; exit 1; }
cmake --build "$build" -j "$(nproc)" >"$work/build.log" 2>&1 ||
	{ tail -50 "$work/build.log"; echo "FAIL: cannot build the fuzz targets"; exit 1; }

# Full stacks on allocation: the suppressions in tests/lsan.supp match frames
# inside libraries built without frame pointers (glib, libgsf).
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:fast_unwind_on_malloc=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
fail=0
n=0
for src in "$SRC_DIR"/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	bin="$build/fuzz/$name"
	[ -x "$bin" ] || { echo "FAIL: $name was not built"; fail=1; continue; }
	corpus="$work/corpus/$name"
	mkdir -p "$corpus"
	cp -r "$SRC_DIR/fuzz/corpus/$name/." "$corpus/" 2>/dev/null
	dict=()
	[ -f "$SRC_DIR/fuzz/dict/$name.dict" ] && dict=(-dict="$SRC_DIR/fuzz/dict/$name.dict")
	if (cd "$work" && "$bin" -seed="$seed" -runs="$runs" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2560 \
		-print_final_stats=1 "${dict[@]}" -artifact_prefix="$build/artifacts/$name-" \
		"$corpus" >"$work/$name.log" 2>&1); then
		ran=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$name.log")
		echo "ok: $name ($ran runs, seed $seed)"
		n=$((n + 1))
	else
		tail -40 "$work/$name.log"
		echo "FAIL: $name found a failure; inputs in $build/artifacts/$name-*"
		fail=1
	fi
done
[ "$n" -gt 0 ] || { echo "FAIL: no fuzz target ran"; fail=1; }
exit "$fail"
