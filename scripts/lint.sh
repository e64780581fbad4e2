#!/bin/sh
# Lint: every C file is formatted as .clang-format says (clang-format 14).
# Usage: scripts/lint.sh [--fix]
set -eu
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "lint: clang-format is not installed (scripts/deps.sh test)" >&2; exit 1; }
files=$(git ls-files 'src/*.c' 'src/*.h' 'include/*.h' 'tests/*.c' 'tests/*.h' 'fuzz/*.c' 'fuzz/*.h' 2>/dev/null ||
	find src include tests fuzz -name '*.[ch]')
if [ "${1:-}" = --fix ]; then
	echo "$files" | xargs clang-format -i
	exit 0
fi
echo "$files" | xargs clang-format --dry-run -Werror
echo "lint: $(echo "$files" | wc -l) files formatted"
