#!/bin/sh
# Regenerate the generated parts of examples/ (the PDF) with the project's own
# fixture maker. Usage: scripts/make-examples.sh BUILD_DIR_WITH_TESTS
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"${1:-$top/build-test}/tests/mkpdf" report "$top/examples/retention-policy.pdf"
