#!/bin/bash
# `make demo`'s job (scripts/demo.sh) run by the test build: every step of
# the README's first command must keep working (ingest with OCR, clean
# --pii, scan, redact, export and verify, split, entity-swap records
# exported with their lineage and verified). A change that breaks a step
# (a refusal, a changed option) fails here rather than on a user's machine.
set -u
. "$(dirname "$0")/lib.sh"
need_env
setup_tmp demo

ERR=$T/demo.err
ENCLAVE_DEMO_DIR=$T/demo sh "$SRC_DIR/scripts/demo.sh" "$ENCLAVE" >"$T/demo.out" 2>"$ERR" ||
	fail "scripts/demo.sh failed (exit $?): $(tail -n 5 "$ERR")"
assert_contains "$(tail -n 3 "$ERR")" "demo done" "the demo ran to its end"
sanitizer_clean "$(cat "$ERR")" "scripts/demo.sh"
for pkg in export export-records; do
	[ -f "$T/demo/$pkg/manifest.json" ] || fail "no package in $T/demo/$pkg"
	expect_rc 0 "verify $pkg" "$ENCLAVE" verify "$T/demo/$pkg"
done
note "demo passed"
