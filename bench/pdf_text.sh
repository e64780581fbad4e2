#!/bin/bash
# PDF text extraction: `enclave extract --format text` against poppler's
# `pdftotext`, on the born-digital PDFs of the shared evaluation corpus
# (../shared/corpus/pdf-text, see its SOURCE.md), in one run:
#
#   speed    the whole set extracted one file after another, per tool:
#            wall time (hyperfine: mean and deviation over BENCH_RUNS runs
#            after a warm-up; else /usr/bin/time), pages/s, peak RSS of the
#            largest single extraction, and the time ratio enclave/pdftotext;
#            then the longest document alone (start-up no longer dominates),
#            the smallest one-page file alone (start-up only), and the whole
#            set BENCH_COPIES times (default 10, each copy distinct) in one
#            batch: `enclave ingest --jobs 1` and `--jobs 2` into a fresh
#            project against pdftotext one and two at a time (hyperfine
#            only; BENCH_TMP=DIR holds the projects)
#   quality  word-sequence similarity of each tool's output against the
#            corpus's expected text (bench/wordsim.py), per file and on average
#
# Usage: bench/pdf_text.sh ENCLAVE_BINARY
# Env:   ENCLAVE_BENCH_CORPUS  the corpus folder (default: ../shared/corpus
#                              beside the repository)
#        BENCH_RUNS            timed runs per tool (default 5)
# Writes bench/out/pdf_text.md (and the outputs under bench/out/pdf_text/)
# and prints the report. Exits 0 with "skip: ..." when the corpus or a tool
# is missing (scripts/deps.sh bench installs the tools).
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: bench/pdf_text.sh ENCLAVE_BINARY" >&2; exit 2; }
bench=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$bench")
corpus="${ENCLAVE_BENCH_CORPUS:-$(dirname "$repo")/shared/corpus}"
set_dir="$corpus/pdf-text"
runs="${BENCH_RUNS:-5}"

skip() { echo "skip: pdf_text: $*"; exit 0; }
[ -d "$set_dir" ] || skip "no corpus at $set_dir"
for tool in pdftotext pdfinfo python3; do
	command -v "$tool" >/dev/null || skip "$tool not installed (scripts/deps.sh bench)"
done
[ -x /usr/bin/time ] || skip "/usr/bin/time not installed (scripts/deps.sh bench)"
enclave=$(realpath "$1")
[ -x "$enclave" ] || { echo "pdf_text: '$1' is not executable" >&2; exit 2; }

out="$bench/out/pdf_text"
rm -rf "$out"
mkdir -p "$out/enclave" "$out/pdftotext"
report="$bench/out/pdf_text.md"

# Floating-point arithmetic: calc EXPR (awk, always there; bc may not be).
calc() { awk "BEGIN { printf \"%.6f\", $* }"; }

# ------------------------------------------------------------------ the set
# Every PDF under pdf-text/<subset>/pdf/, with its expected text: the first of
# expected/<file>.txt (PDFBox, stream order), expected/<file>.md
# (unstructured), expected/<stem>.md (docling); and the alternative
# expected/<file>-sorted.txt (PDFBox, sorted by position) when there is one.
list="$out/files.txt"       # the PDFs, one a line
records="$out/records.tsv"  # id, pages, pdf, expected (or -), alternative (or -)
: >"$list"
: >"$records"
total_pages=0
nfiles=0
while IFS= read -r pdf; do
	sub=$(dirname "$(dirname "$pdf")")
	f=$(basename "$pdf")
	exp=-
	for cand in "$sub/expected/$f.txt" "$sub/expected/$f.md" "$sub/expected/${f%.pdf}.md"; do
		[ -f "$cand" ] && { exp=$cand; break; }
	done
	alt="$sub/expected/${f%.pdf}.pdf-sorted.txt"
	[ -f "$alt" ] || alt=-
	pages=$(pdfinfo "$pdf" 2>/dev/null | awk '/^Pages:/ { print $2 }')
	pages=${pages:-0}
	echo "$pdf" >>"$list"
	printf '%s\t%s\t%s\t%s\t%s\n' "$(basename "$sub")/$f" "$pages" "$pdf" "$exp" "$alt" >>"$records"
	total_pages=$((total_pages + pages))
	nfiles=$((nfiles + 1))
done < <(find "$set_dir" -path '*/pdf/*' -name '*.pdf' -type f | LC_ALL=C sort)
[ "$nfiles" -gt 0 ] || skip "no PDFs under $set_dir"

# ------------------------------------------------------------------ speed
load=$(cut -d' ' -f1-3 /proc/loadavg)
# One script per tool extracts the whole list; output is discarded by both.
cat >"$out/run_enclave.sh" <<EOF
while IFS= read -r f; do "$enclave" extract --format text "\$f" >/dev/null 2>&1 || true; done <"$list"
EOF
cat >"$out/run_pdftotext.sh" <<EOF
while IFS= read -r f; do pdftotext -q -enc UTF-8 "\$f" - >/dev/null 2>&1 || true; done <"$list"
EOF

# speed.tsv: tool, mean seconds, standard deviation (or -), runs, method
: >"$out/speed.tsv"
if command -v hyperfine >/dev/null; then
	hyperfine --style none --warmup 1 --runs "$runs" --export-json "$out/speed.json" \
		-n enclave "bash $out/run_enclave.sh" -n pdftotext "bash $out/run_pdftotext.sh" \
		>/dev/null 2>>"$out/hyperfine.log"
	python3 - "$out/speed.json" >>"$out/speed.tsv" <<'EOF'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print("%s\t%.4f\t%.4f\t%d\thyperfine" % (r["command"], r["mean"], r["stddev"] or 0.0,
                                            len(r["times"])))
EOF
else
	for tool in enclave pdftotext; do
		sum=0
		for _ in $(seq "$runs"); do
			/usr/bin/time -f '%e' -o "$out/t.txt" bash "$out/run_$tool.sh" >/dev/null 2>&1
			t=$(tail -n 1 "$out/t.txt")
			sum=$(calc "$sum + $t")
		done
		printf '%s\t%.4f\t-\t%d\t/usr/bin/time\n' "$tool" "$(calc "$sum / $runs")" \
			"$runs" >>"$out/speed.tsv"
	done
fi

# Peak RSS: the largest resident set of any one extraction (KB).
for tool in enclave pdftotext; do
	/usr/bin/time -f '%M' -o "$out/rss_$tool.txt" bash "$out/run_$tool.sh" >/dev/null 2>&1
done

# The longest document alone (most pages), where parsing outweighs start-up.
# long.tsv: tool, mean seconds, sd, runs
IFS=$'\t' read -r long_id long_pages long_pdf _ < <(sort -t$'\t' -k2,2nr "$records" | head -n 1)
long_runs=$((runs * 2))
: >"$out/long.tsv"
if command -v hyperfine >/dev/null; then
	hyperfine --style none -N --warmup 1 --runs "$long_runs" --export-json "$out/long.json" \
		-n enclave "'$enclave' extract --format text '$long_pdf'" \
		-n pdftotext "pdftotext -q -enc UTF-8 '$long_pdf' -" >/dev/null 2>>"$out/hyperfine.log"
	python3 - "$out/long.json" >>"$out/long.tsv" <<'EOF2'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print("%s\t%.4f\t%.4f\t%d" % (r["command"], r["mean"], r["stddev"] or 0.0, len(r["times"])))
EOF2
else
	for tool in enclave pdftotext; do
		sum=0
		for _ in $(seq "$long_runs"); do
			if [ "$tool" = enclave ]; then
				/usr/bin/time -f '%e' -o "$out/t.txt" "$enclave" extract --format text \
					"$long_pdf" >/dev/null 2>&1 || true
			else
				/usr/bin/time -f '%e' -o "$out/t.txt" pdftotext -q -enc UTF-8 "$long_pdf" - \
					>/dev/null 2>&1 || true
			fi
			t=$(tail -n 1 "$out/t.txt")
			sum=$(calc "$sum + $t")
		done
		printf '%s\t%.4f\t-\t%d\n' "$tool" "$(calc "$sum / $long_runs")" "$long_runs" \
			>>"$out/long.tsv"
	done
fi

# Start-up: the smallest one-page file alone, where process start dominates.
# startup.tsv: tool, mean seconds, sd, runs
IFS=$'\t' read -r small_id _ small_pdf _ < <(awk -F'\t' '$2 == 1' "$records" |
	while IFS=$'\t' read -r id pages pdf rest; do
		printf '%s\t%s\t%s\t%s\n' "$(stat -c %s "$pdf")" "$id" "$pdf" "$pages"
	done | sort -n | head -n 1 | cut -f2- | awk -F'\t' '{ print $1 "\t" $3 "\t" $2 "\t-" }')
: >"$out/startup.tsv"
if command -v hyperfine >/dev/null && [ -n "${small_pdf:-}" ]; then
	hyperfine --style none -N --warmup 3 --runs $((runs * 6)) --export-json "$out/startup.json" \
		-n enclave "'$enclave' extract --format text '$small_pdf'" \
		-n pdftotext "pdftotext -q -enc UTF-8 '$small_pdf' -" >/dev/null 2>>"$out/hyperfine.log"
	python3 - "$out/startup.json" >>"$out/startup.tsv" <<'EOF3'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print("%s\t%.4f\t%.4f\t%d" % (r["command"], r["mean"], r["stddev"] or 0.0, len(r["times"])))
EOF3
fi

# Throughput: the whole set through `enclave ingest --jobs J` into a fresh
# project (extraction, layout, the store's commits) against pdftotext over
# the same files, one after another and two at a time (xargs -P 2). Projects
# go to BENCH_TMP (default: a folder under bench/out) since every document
# is committed with fsync. batch.tsv: name, mean seconds, sd, runs; peak RSS
# of each ingest run in rss_ingest<J>.txt (KB).
# The batch is the set BENCH_COPIES times (default 10), each copy made a
# distinct document by a comment line after its end (the project would skip
# identical bytes), so that start-up and the project's own cost weigh less.
copies="${BENCH_COPIES:-10}"
tmp="${BENCH_TMP:-$out}/pdf_ingest.$$"
mkdir -p "$tmp/files"
: >"$tmp/list"
i=0
for c in $(seq 1 "$copies"); do
	while IFS= read -r f; do
		i=$((i + 1))
		cp "$f" "$tmp/files/$i-$(basename "$f")"
		printf '\n%% copy %d\n' "$i" >>"$tmp/files/$i-$(basename "$f")"
		echo "$tmp/files/$i-$(basename "$f")" >>"$tmp/list"
	done <"$list"
done
batch_pages=$((total_pages * copies))
printf 'while IFS= read -r f; do pdftotext -q -enc UTF-8 "$f" /dev/null; done <%q\n' "$tmp/list" \
	>"$tmp/pdftotext1.sh"
: >"$out/batch.tsv"
if command -v hyperfine >/dev/null; then
	hyperfine --style none --warmup 1 --runs "$runs" --export-json "$out/batch.json" \
		--prepare "rm -rf '$tmp/p' && '$enclave' init '$tmp/p' >/dev/null" \
		-n "enclave ingest --jobs 1" "'$enclave' -C '$tmp/p' ingest -q --jobs 1 '$tmp/files'" \
		-n "enclave ingest --jobs 2" "'$enclave' -C '$tmp/p' ingest -q --jobs 2 '$tmp/files'" \
		-n "pdftotext, 1 job" "bash $tmp/pdftotext1.sh" \
		-n "pdftotext, 2 jobs" "xargs -P 2 -I{} pdftotext -q -enc UTF-8 {} /dev/null <'$tmp/list'" \
		>/dev/null 2>>"$out/hyperfine.log"
	python3 - "$out/batch.json" >>"$out/batch.tsv" <<'EOF4'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print("%s\t%.4f\t%.4f\t%d" % (r["command"], r["mean"], r["stddev"] or 0.0, len(r["times"])))
EOF4
fi
for j in 1 2; do
	rm -rf "$tmp/p" && "$enclave" init "$tmp/p" >/dev/null
	/usr/bin/time -f '%M' -o "$out/rss_ingest$j.txt" "$enclave" -C "$tmp/p" ingest -q --jobs "$j" \
		"$tmp/files" >/dev/null 2>&1 || true
done
rm -rf "$tmp"

# ------------------------------------------------------------------ quality
# One extraction per file and tool, kept for scoring. pairs.tsv (the input
# of wordsim.py --pairs) holds each output's path, or "!STATUS" when the tool
# failed; failures.txt the messages.
printf 'file\tpages\texpected\texpected_alt\tenclave\tpdftotext\n' >"$out/pairs.tsv"
: >"$out/failures.txt"
scored=0
while IFS=$'\t' read -r id pages pdf exp alt; do
	tab=$'\t'
	row="$id$tab$pages$tab$exp$tab$alt"
	for tool in enclave pdftotext; do
		dest="$out/$tool/$id.txt"
		mkdir -p "$(dirname "$dest")"
		rc=0
		if [ "$tool" = enclave ]; then
			"$enclave" extract --format text "$pdf" >"$dest" 2>"$out/err.txt" || rc=$?
		else
			pdftotext -q -enc UTF-8 "$pdf" "$dest" 2>"$out/err.txt" || rc=$?
		fi
		if [ "$rc" -ne 0 ]; then
			printf '%s\t%s\texit %d: %s\n' "$tool" "$id" "$rc" \
				"$(head -c 300 "$out/err.txt" | tr '\n' ' ')" >>"$out/failures.txt"
			row="$row$tab!$rc"
		else
			row="$row$tab$dest"
		fi
	done
	if [ "$exp" != - ]; then
		printf '%s\n' "$row" >>"$out/pairs.tsv"
		scored=$((scored + 1))
	fi
done <"$records"
rm -f "$out/err.txt"

# ------------------------------------------------------------------ report
{
	echo "# PDF text extraction: enclave vs pdftotext"
	echo
	echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "- enclave: $("$enclave" --version 2>&1 | head -n 1) ($enclave)"
	echo "- pdftotext: $(pdftotext -v 2>&1 | head -n 1)"
	echo "- machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); load average before: $load"
	echo "- corpus: $set_dir: $nfiles PDFs, $total_pages pages ($scored with expected text)"
	echo
	echo "### Speed (the whole set, one file after another, one process per file)"
	echo
	echo "| tool | wall time (s) | ± sd | runs | pages/s | files/s | peak RSS (MB) |"
	echo "|---|---|---|---|---|---|---|"
	while IFS=$'\t' read -r tool mean sd n method; do
		rss=$(tail -n 1 "$out/rss_$tool.txt")
		printf '| %s | %.3f | %s | %s | %.1f | %.1f | %.1f |\n' "$tool" "$mean" "$sd" "$n" \
			"$(calc "$total_pages / $mean")" "$(calc "$nfiles / $mean")" \
			"$(calc "$rss / 1024")"
	done <"$out/speed.tsv"
	e=$(awk -F'\t' '$1 == "enclave" { print $2 }' "$out/speed.tsv")
	p=$(awk -F'\t' '$1 == "pdftotext" { print $2 }' "$out/speed.tsv")
	echo
	printf 'Time ratio enclave / pdftotext: **%.2f** (above 1: enclave is slower). Timed with %s.\n' \
		"$(calc "$e / $p")" "$(cut -f5 "$out/speed.tsv" | head -n 1)"
	echo
	echo "### Speed on the longest document alone: $long_id, $long_pages pages"
	echo
	echo "| tool | wall time (s) | ± sd | runs | pages/s |"
	echo "|---|---|---|---|---|"
	while IFS=$'\t' read -r tool mean sd n; do
		printf '| %s | %.3f | %s | %s | %.1f |\n' "$tool" "$mean" "$sd" "$n" \
			"$(calc "$long_pages / $mean")"
	done <"$out/long.tsv"
	e=$(awk -F'\t' '$1 == "enclave" { print $2 }' "$out/long.tsv")
	p=$(awk -F'\t' '$1 == "pdftotext" { print $2 }' "$out/long.tsv")
	echo
	printf 'Time ratio enclave / pdftotext on it: **%.2f**.\n' "$(calc "$e / $p")"
	echo
	if [ -s "$out/startup.tsv" ]; then
		echo "### Start-up: $small_id alone (one page), one process"
		echo
		echo "| tool | wall time (ms) | ± sd | runs |"
		echo "|---|---|---|---|"
		while IFS=$'\t' read -r tool mean sd n; do
			printf '| %s | %.1f | %.1f | %s |\n' "$tool" "$(calc "$mean * 1000")" \
				"$(calc "$sd * 1000")" "$n"
		done <"$out/startup.tsv"
		e=$(awk -F'\t' '$1 == "enclave" { print $2 }' "$out/startup.tsv")
		p=$(awk -F'\t' '$1 == "pdftotext" { print $2 }' "$out/startup.tsv")
		echo
		printf 'Time ratio enclave / pdftotext: **%.2f**.\n' "$(calc "$e / $p")"
		echo
	fi
	if [ -s "$out/batch.tsv" ]; then
		echo "### Throughput: the whole set $copies times ($batch_pages pages, $i files) in one batch"
		echo
		echo "| run | wall time (s) | ± sd | runs | pages/s | x pdftotext (1 job) | peak RSS (MB) |"
		echo "|---|---|---|---|---|---|---|"
		p=$(awk -F'\t' '$1 == "pdftotext, 1 job" { print $2 }' "$out/batch.tsv")
		while IFS=$'\t' read -r name mean sd n; do
			rss=-
			case "$name" in
			*"--jobs 1") rss=$(awk '{ printf "%.1f", $1 / 1024 }' "$out/rss_ingest1.txt") ;;
			*"--jobs 2") rss=$(awk '{ printf "%.1f", $1 / 1024 }' "$out/rss_ingest2.txt") ;;
			esac
			printf '| %s | %.3f | %.3f | %s | %.1f | %.2f | %s |\n' "$name" "$mean" "$sd" "$n" \
				"$(calc "$batch_pages / $mean")" "$(calc "$p / $mean")" "$rss"
		done <"$out/batch.tsv"
		echo
		echo "Ingest includes everything a project does: hashing, the blob store, the"
		echo "store's commits (files ready together share one) and the audit chain."
		echo
	fi
	python3 "$bench/wordsim.py" --pairs "$out/pairs.tsv"
	echo
	if [ -s "$out/failures.txt" ]; then
		echo "### Failures"
		echo
		sed 's/^\([^\t]*\)\t\([^\t]*\)\t\(.*\)$/- \1, `\2`: \3/' "$out/failures.txt"
	else
		echo "No extraction failed."
	fi
} >"$report"
cat "$report"
