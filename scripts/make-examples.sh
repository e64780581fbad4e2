#!/bin/sh
# Regenerate the generated parts of examples/ (the PDFs) with the project's own
# fixture maker. Usage: scripts/make-examples.sh BUILD_DIR_WITH_TESTS
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"${1:-$top/build-test}/tests/mkpdf" report "$top/examples/retention-policy.pdf"
"${1:-$top/build-test}/tests/mkscan" mixed "$top/examples/discharge-summary-scan.pdf" \
	"DISCHARGE SUMMARY - FICTIONAL SAMPLE DATA. Patient: Jane Q. Example, MRN 00-4471-2209. Admitted 2026-10-02, discharged 2026-10-05." \
	"Page 2 was scanned: Follow-up with Dr. Alan Placeholder in two weeks. Call (555) 014-7788 with questions."
