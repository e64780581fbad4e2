#!/bin/bash
# run_case.sh DIR: run one data-driven CLI case (tests/cases/<name>/).
#
# CMake registers every folder under tests/cases as the test cases/<name>.
# A case folder holds:
#
#   cmd                 required. A bash script (often one line) run with
#                       `bash cmd` in a scratch copy of the case's input files;
#                       $ENCLAVE is the binary, and $TOOLS_DIR, $SRC_DIR,
#                       $CASE_DIR (this folder) and $PYTHON (python3) are set;
#                       TZ=UTC, LC_ALL=C.UTF-8. Its exit status is the case's.
#   expected            the exact stdout (compared byte for byte), or
#   expected.re         patterns (grep -E / bash =~ syntax), one a line: each
#                       must match a line of stdout, in order, each pattern a
#                       later line than the one before; other lines may come
#                       between. Patterns are unanchored: use ^ and $. Blank
#                       pattern lines are ignored.
#   expected_stderr     the exact stderr, or
#   expected_stderr.re  patterns for stderr, as expected.re
#   status              the expected exit status (default 0)
#   requires            optional: tools needed, one a line ("mkpdf",
#                       "python3", or "pii-scanner": a build whose `clean`
#                       scans); the case prints SKIP and passes when one
#                       is missing
#   anything else       input files, copied to the scratch folder
#
# Without expected/expected.re stdout is not checked (and likewise stderr),
# but a case must check at least one of them or its status. Whatever the
# files say, a sanitizer report (ASan, UBSan, LSan) on stderr fails the case.
# Use expected.re where the output holds times, hashes or absolute paths.
#
# To write a case: make the folder and cmd, run it by hand, inspect the
# output carefully against docs/cli/, then freeze it into expected (or
# patterns) and status. Run one: ctest -R cases/NAME --output-on-failure.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/scripts/lib.sh"
need_env

[ $# -eq 1 ] || fail "usage: run_case.sh CASE_DIR"
CASE_DIR=$(cd "$1" 2>/dev/null && pwd) || fail "no case folder '$1'"
NAME=$(basename "$CASE_DIR")
[ -f "$CASE_DIR/cmd" ] || fail "case $NAME: no cmd file"
if [ ! -e "$CASE_DIR/expected" ] && [ ! -e "$CASE_DIR/expected.re" ] &&
	[ ! -e "$CASE_DIR/expected_stderr" ] && [ ! -e "$CASE_DIR/expected_stderr.re" ] &&
	[ ! -e "$CASE_DIR/status" ]; then
	fail "case $NAME checks nothing: add expected, expected.re, expected_stderr(.re) or status"
fi

if [ -f "$CASE_DIR/requires" ]; then
	while read -r tool; do
		[ -n "$tool" ] || continue
		case "$tool" in
		mkpdf) have_mkpdf || { echo "SKIP case $NAME: $TOOLS_DIR/mkpdf is missing"; exit 0; } ;;
		*) command -v "$tool" >/dev/null 2>&1 ||
			{ echo "SKIP case $NAME: $tool is not installed"; exit 0; } ;;
		esac
	done <"$CASE_DIR/requires"
fi

setup_tmp "case-$NAME"
WORK=$T/work
mkdir -p "$WORK"
for f in "$CASE_DIR"/* "$CASE_DIR"/.[!.]*; do
	[ -e "$f" ] || continue
	case "$(basename "$f")" in
	cmd | expected | expected.re | expected_stderr | expected_stderr.re | status | requires) ;;
	*) cp -a "$f" "$WORK/" || fail "copying $f" ;;
	esac
done

want_status=0
[ -f "$CASE_DIR/status" ] && want_status=$(tr -d ' \n' <"$CASE_DIR/status")

rc=0
(cd "$WORK" && env ENCLAVE="$ENCLAVE" TOOLS_DIR="$TOOLS_DIR" SRC_DIR="${SRC_DIR:-}" \
	CASE_DIR="$CASE_DIR" PYTHON="$PYTHON" TZ=UTC LC_ALL=C.UTF-8 \
	bash "$CASE_DIR/cmd") >"$T/stdout" 2>"$T/stderr" || rc=$?

problems=0
report() {
	echo "FAIL: case $NAME: $*" >&2
	problems=$((problems + 1))
}

# match_patterns FILE PATTERNS: every pattern matches a line of FILE, in order.
match_patterns() {
	local file=$1 pats=$2 pat line n=0 found
	local -a lines
	mapfile -t lines <"$file"
	while IFS= read -r pat || [ -n "$pat" ]; do
		[ -n "$pat" ] || continue
		found=0
		while [ "$n" -lt "${#lines[@]}" ]; do
			line=${lines[$n]}
			n=$((n + 1))
			if [[ $line =~ $pat ]]; then
				found=1
				break
			fi
		done
		if [ "$found" = 0 ]; then
			echo "no line (after the previous match) matches: $pat"
			return 1
		fi
	done <"$pats"
	return 0
}

if [ "$rc" != "$want_status" ]; then
	report "exit status $rc, expected $want_status"
fi
if grep -Eq 'ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error:' "$T/stderr"; then
	report "sanitizer report on stderr"
fi
for stream in stdout stderr; do
	if [ "$stream" = stdout ]; then exact=expected; pats=expected.re; else exact=expected_stderr; pats=expected_stderr.re; fi
	if [ -f "$CASE_DIR/$exact" ]; then
		if ! cmp -s "$CASE_DIR/$exact" "$T/$stream"; then
			report "$stream differs from $exact:"
			diff -u "$CASE_DIR/$exact" "$T/$stream" | sed 's/^/    /' >&2
		fi
	fi
	if [ -f "$CASE_DIR/$pats" ]; then
		if ! why=$(match_patterns "$T/$stream" "$CASE_DIR/$pats"); then
			report "$stream does not match $pats: $why"
		fi
	fi
done

if [ "$problems" != 0 ]; then
	{
		echo "---- cmd ($CASE_DIR/cmd)"
		cat "$CASE_DIR/cmd"
		echo "---- stdout (exit status $rc)"
		cat "$T/stdout"
		echo "---- stderr"
		cat "$T/stderr"
		echo "----"
	} >&2
	exit 1
fi
echo "ok: case $NAME"
exit 0
