#!/bin/bash
# The progress bar goes to stderr on a terminal only: none when stderr is a
# file or a pipe, and a bar (with "done/total") under a pseudo-terminal.
set -u
. "$SRC_DIR/tests/scripts/lib.sh"
setup_tmp progress
command -v script >/dev/null || { echo "SKIP: no script(1) for a pseudo-terminal"; exit 0; }

mkdir -p "$T/in"
for i in $(seq 1 12); do printf 'Note %d.\n\nSecond paragraph.\n' "$i" >"$T/in/n$i.txt"; done
"$ENCLAVE" init "$T/p1" 2>/dev/null || fail "init"
"$ENCLAVE" -C "$T/p1" ingest "$T/in" >"$T/out" 2>"$T/err" || fail "ingest (no tty)"
grep -q $'\r' "$T/err" && fail "a progress bar was drawn on a non-terminal stderr"
grep -q "ingested 12 files: 12 ok" "$T/err" || fail "no summary on stderr: $(cat "$T/err")"
[ -s "$T/out" ] && fail "ingest printed on stdout without --json"

"$ENCLAVE" init "$T/p2" 2>/dev/null || fail "init"
script -qec "'$ENCLAVE' -C '$T/p2' ingest --jobs 1 '$T/in'" "$T/typescript" >/dev/null 2>&1 ||
	fail "ingest under a pseudo-terminal"
grep -q '\] [0-9]*/12 ' "$T/typescript" || fail "no progress bar on a terminal: $(cat -v "$T/typescript")"
grep -q "ingested 12 files: 12 ok" "$T/typescript" || fail "no summary under a terminal"
echo "progress: no bar on a pipe, a bar on a terminal"
