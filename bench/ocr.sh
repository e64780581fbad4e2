#!/bin/bash
# OCR: `enclave extract` / `enclave ingest` against the `tesseract` CLI on the
# scanned images of the shared evaluation corpus (../shared/corpus/ocr, see
# its SOURCE.md), in one run:
#
#   quality  character error rate (CER) on the UW-III text lines, for enclave
#            and for the CLI with its defaults and with --psm 7 (one line);
#            bag-of-words F1 on the SROIE receipts, enclave and CLI defaults
#            (bench/ocr_score.py says how: white space collapsed; tokens
#            split on white space, case kept, multiset intersection, micro
#            average); the docling rotated scans (image-only PDFs turned by
#            0/90/180/270 degrees): is the expected sentence found
#   speed    the receipts and the lines as one folder of page images:
#            `enclave ingest --jobs 1` and `--jobs 2` into a fresh project
#            (one Tesseract handle per worker, kept for every page) against
#            the CLI run once per image, one after another and two at a
#            time (xargs -P 2); wall time (best of BENCH_RUNS), pages/s, the
#            ratio to the CLI run one at a time, and peak RSS (/usr/bin/time
#            -v); then the receipts as one scanned PDF (made by mkscan when
#            it is found) through `enclave extract --jobs 1` and `--jobs 2`
#
# OMP_THREAD_LIMIT=1 for every tool (enclave sets it itself; Tesseract's
# OpenMP would otherwise take every core for each image).
#
# Usage: bench/ocr.sh ENCLAVE_BINARY
# Env:   ENCLAVE_BENCH_CORPUS  the corpus folder (default: ../shared/corpus)
#        BENCH_RUNS            timed runs per configuration (default 3)
#        MKSCAN                the mkscan fixture tool (default: looked for in
#                              build-test/tests and beside the binary)
# Writes bench/out/ocr.md and prints it. Exits 0 with "skip: ..." when the
# corpus or a tool is missing (scripts/deps.sh bench installs tesseract-ocr).
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: bench/ocr.sh ENCLAVE_BINARY" >&2; exit 2; }
bench=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$bench")
corpus="${ENCLAVE_BENCH_CORPUS:-$(dirname "$repo")/shared/corpus}"
set_dir="$corpus/ocr"
runs="${BENCH_RUNS:-3}"

skip() { echo "skip: ocr: $*"; exit 0; }
[ -d "$set_dir/uw3_lines" ] && [ -d "$set_dir/sroie_receipts" ] || skip "no corpus at $set_dir"
for tool in tesseract python3 xargs; do
	command -v "$tool" >/dev/null || skip "$tool not installed (scripts/deps.sh bench)"
done
[ -x /usr/bin/time ] || skip "/usr/bin/time not installed (scripts/deps.sh bench)"
enclave=$(realpath "$1")
[ -x "$enclave" ] || { echo "ocr: '$1' is not executable" >&2; exit 2; }
export OMP_THREAD_LIMIT=1

out="$bench/out/ocr"
rm -rf "$out"
mkdir -p "$out"/{lines,receipts}/{enclave,cli,cli7} "$out/pages" "$out/time"
report="$bench/out/ocr.md"
score="$bench/ocr_score.py"

# ---------------------------------------------------------------- quality
nlines=0
for f in "$set_dir"/uw3_lines/*/*.bin.png; do
	id=$(basename "$f" .bin.png)
	"$enclave" extract "$f" >"$out/lines/enclave/$id.txt" 2>/dev/null || true
	tesseract "$f" - 2>/dev/null >"$out/lines/cli/$id.txt" || true
	tesseract "$f" - --psm 7 2>/dev/null >"$out/lines/cli7/$id.txt" || true
	cp "$f" "$out/pages/line-$id.png"
	nlines=$((nlines + 1))
done
nreceipts=0
for f in "$set_dir"/sroie_receipts/img/*.jpg; do
	id=$(basename "$f" .jpg)
	"$enclave" extract "$f" >"$out/receipts/enclave/$id.txt" 2>/dev/null || true
	tesseract "$f" - 2>/dev/null >"$out/receipts/cli/$id.txt" || true
	cp "$f" "$out/pages/receipt-$id.jpg"
	nreceipts=$((nreceipts + 1))
done
cer_enclave=$(python3 "$score" lines "$out/lines/enclave" "$set_dir/uw3_lines" 2>"$out/lines/enclave.worst")
cer_cli=$(python3 "$score" lines "$out/lines/cli" "$set_dir/uw3_lines" 2>/dev/null)
cer_cli7=$(python3 "$score" lines "$out/lines/cli7" "$set_dir/uw3_lines" 2>/dev/null)
f1_enclave=$(python3 "$score" words "$out/receipts/enclave" "$set_dir/sroie_receipts/box")
f1_cli=$(python3 "$score" words "$out/receipts/cli" "$set_dir/sroie_receipts/box")

rotated=""
if [ -d "$set_dir/docling_rotated_scan" ]; then
	for f in "$set_dir"/docling_rotated_scan/*.pdf; do
		name=$(basename "$f" .pdf)
		got=$("$enclave" extract "$f" 2>/dev/null | tr -s ' \n' '  ' || true)
		want=$(tr -s ' \n' '  ' <"$set_dir/docling_rotated_scan/expected/$name.tesseract.md" | sed 's/ *$//')
		case "$got" in *"$want"*) rotated="$rotated $name:found" ;; *) rotated="$rotated $name:MISSED" ;; esac
	done
fi

# ---------------------------------------------------------------- speed
npages=$(find "$out/pages" -type f | wc -l)

# best_of NAME CMD...: run CMD $runs times (under /usr/bin/time -v), keep the
# best wall time in $best and the peak RSS (KB) of that run in $rss.
best_of() {
	local name=$1 i t
	shift
	best="" rss=""
	for i in $(seq "$runs"); do
		/usr/bin/time -v -o "$out/time/$name.$i" "$@" >/dev/null 2>&1 || true
		t=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, a, ":"); s = 0;
			for (k = 1; k <= n; k++) s = s * 60 + a[k]; print s }' "$out/time/$name.$i")
		if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$t
			rss=$(awk -F': ' '/Maximum resident/ { print $2 }' "$out/time/$name.$i")
		fi
	done
}

ingest_run() { # JOBS
	rm -rf "$out/project"
	"$enclave" init "$out/project" >/dev/null 2>&1
	"$enclave" -C "$out/project" ingest -q --jobs "$1" "$out/pages"
}
cli_each() { # PARALLEL
	find "$out/pages" -type f -print0 | sort -z |
		xargs -0 -n 1 -P "$1" sh -c 'tesseract "$0" - >/dev/null 2>&1'
}
export -f ingest_run cli_each
export enclave out

best_of ingest1 bash -c 'ingest_run 1'
t_in1=$best rss_in1=$rss
best_of ingest2 bash -c 'ingest_run 2'
t_in2=$best rss_in2=$rss
best_of cli1 bash -c 'cli_each 1'
t_cli1=$best rss_cli1=$rss
best_of cli2 bash -c 'cli_each 2'
t_cli2=$best

# The receipts as one scanned PDF, read page by page on 1 or 2 threads.
mkscan="${MKSCAN:-}"
for m in "$repo/build-test/tests/mkscan" "$(dirname "$enclave")/tests/mkscan"; do
	[ -n "$mkscan" ] || { [ -x "$m" ] && mkscan=$m; } || true
done
pdf_rows=""
if [ -n "$mkscan" ] && [ -x "$mkscan" ]; then
	"$mkscan" images "$out/receipts.pdf" "$set_dir"/sroie_receipts/img/*.jpg
	best_of pdf1 "$enclave" extract --jobs 1 "$out/receipts.pdf"
	t_pdf1=$best rss_pdf1=$rss
	best_of pdf2 "$enclave" extract --jobs 2 "$out/receipts.pdf"
	t_pdf2=$best rss_pdf2=$rss
	best_of pdfcli bash -c "for f in '$set_dir'/sroie_receipts/img/*.jpg; do tesseract \"\$f\" - >/dev/null 2>&1; done"
	t_pdfcli=$best
	pdf_rows=$(awk -v n="$nreceipts" -v a="$t_pdf1" -v b="$t_pdf2" -v c="$t_pdfcli" \
		-v ra="$rss_pdf1" -v rb="$rss_pdf2" 'BEGIN {
		printf "| enclave extract --jobs 1 (one %d-page scanned PDF) | %.2f | %.2f | %.2fx | %d MB |\n", n, a, n / a, c / a, ra / 1024
		printf "| enclave extract --jobs 2 (the same PDF) | %.2f | %.2f | %.2fx | %d MB |\n", b, n / b, c / b, rb / 1024
		printf "| tesseract CLI, the %d receipt images one after another | %.2f | %.2f | 1.00x | |\n", n, c, n / c }')
else
	pdf_rows="| (scanned PDF: skipped, mkscan not found; set MKSCAN) | | | | |"
fi

speed_rows=$(awk -v n="$npages" -v a="$t_in1" -v b="$t_in2" -v c="$t_cli1" -v d="$t_cli2" \
	-v ra="$rss_in1" -v rb="$rss_in2" -v rc="$rss_cli1" 'BEGIN {
	printf "| enclave ingest --jobs 1 | %.2f | %.2f | %.2fx | %d MB |\n", a, n / a, c / a, ra / 1024
	printf "| enclave ingest --jobs 2 | %.2f | %.2f | %.2fx | %d MB |\n", b, n / b, c / b, rb / 1024
	printf "| tesseract CLI, one image after another | %.2f | %.2f | 1.00x | %d MB |\n", c, n / c, rc / 1024
	printf "| tesseract CLI, two at a time (xargs -P 2) | %.2f | %.2f | %.2fx | |\n", d, n / d, c / d }')

field() { awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' <<<"$2"; }

cat >"$report" <<EOF
# OCR: enclave against the tesseract CLI

Corpus: \`$set_dir\` ($nlines UW-III lines, $nreceipts SROIE receipts).
$(tesseract --version 2>&1 | head -1); OMP_THREAD_LIMIT=1 for both; $(getconf _NPROCESSORS_ONLN) cores,
load average at the end $(cut -d' ' -f1-3 /proc/loadavg). Best of $runs runs.

## Quality

| set | metric | enclave | tesseract CLI (defaults) | tesseract CLI --psm 7 |
|---|---|---|---|---|
| UW-III lines | CER % (lower is better) | $(field cer "$cer_enclave") | $(field cer "$cer_cli") | $(field cer "$cer_cli7") |
| SROIE receipts | bag-of-words F1 | $(field f1 "$f1_enclave") | $(field f1 "$f1_cli") | |
| SROIE receipts | precision / recall | $(field precision "$f1_enclave") / $(field recall "$f1_enclave") | $(field precision "$f1_cli") / $(field recall "$f1_cli") | |

Character errors: enclave $(field errors "$cer_enclave"), CLI $(field errors "$cer_cli"), CLI --psm 7 $(field errors "$cer_cli7") of $(field chars "$cer_enclave") characters.
Docling rotated scans (expected sentence found):$rotated

## Speed ($npages page images: $nreceipts receipts and $nlines lines)

| run | wall s | pages/s | speed vs CLI one at a time | peak RSS |
|---|---|---|---|---|
$speed_rows
$pdf_rows
EOF
cat "$report"
