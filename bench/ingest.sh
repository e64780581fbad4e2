#!/bin/bash
# Ingest throughput: `enclave ingest --jobs N` into a fresh project, on a
# synthetic corpus from bench/gen_corpus.py (text, Markdown and HTML in
# turn, about 4 KB each, with planted fake PII), for N = 1 and 2:
# files/s, MB/s (input bytes), wall time, peak RSS. Needs no shared data.
#
# Usage: bench/ingest.sh ENCLAVE_BINARY
# Env:   BENCH_INGEST_FILES  documents in the corpus (default 2000)
#        BENCH_JOBS          the --jobs values (default "1 2")
#        BENCH_RUNS          timed runs per value (default 3)
#        BENCH_TMP           where the projects are made; default: bench/out/ingest
#                            and, when writable, /dev/shm (tmpfs). Each file is
#                            its own transaction, so on a disk the fsyncs bound
#                            the rate; on tmpfs the rate is extraction and
#                            SQLite work alone. Both rows are reported.
# The corpus is generated once into bench/out/corpus-<files>/ and reused.
# Writes bench/out/ingest.md and prints it.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: bench/ingest.sh ENCLAVE_BINARY" >&2; exit 2; }
bench=$(cd "$(dirname "$0")" && pwd)
files="${BENCH_INGEST_FILES:-2000}"
jobs_list="${BENCH_JOBS:-1 2}"
runs="${BENCH_RUNS:-3}"
out="$bench/out/ingest"
if [ -n "${BENCH_TMP:-}" ]; then
	places=$BENCH_TMP
else
	places=$out
	[ -d /dev/shm ] && [ -w /dev/shm ] && places="$places /dev/shm/enclave-bench.$$"
fi
report="$bench/out/ingest.md"

skip() { echo "skip: ingest: $*"; exit 0; }
command -v python3 >/dev/null || skip "python3 not installed"
[ -x /usr/bin/time ] || skip "/usr/bin/time not installed (scripts/deps.sh bench)"
enclave=$(realpath "$1")
[ -x "$enclave" ] || { echo "ingest: '$1' is not executable" >&2; exit 2; }
calc() { awk "BEGIN { printf \"%.6f\", $* }"; }

corpus="$bench/out/corpus-$files"
if [ ! -f "$corpus/params.json" ]; then
	rm -rf "$corpus"
	python3 "$bench/gen_corpus.py" "$corpus" --files "$files" >&2
fi
load=$(cut -d' ' -f1-3 /proc/loadavg)
bytes=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["bytes"])' \
	"$corpus/params.json")
rm -rf "$out"
mkdir -p "$out"

# For each place and --jobs value: one untimed run under /usr/bin/time for
# the peak RSS and the outcome of every file (--json), so that a timing never
# hides failed files; then the timed runs, each into a fresh project.
: >"$out/results.tsv"
n=0
for work in $places; do
	n=$((n + 1))
	mkdir -p "$work"
	proj="$work/project"
	fs=$(df -PT "$work" | awk 'NR == 2 { print $2 }')
	for j in $jobs_list; do
		tag="$n-jobs$j"
		rm -rf "$proj"
		"$enclave" init "$proj" >/dev/null 2>&1
		rc=0
		/usr/bin/time -f '%M %e' -o "$out/time_$tag.txt" \
			"$enclave" -C "$proj" ingest --jobs "$j" --json "$corpus/docs" \
			>"$out/items_$tag.jsonl" 2>"$out/stderr_$tag.txt" || rc=$?
		read -r rss _ <"$out/time_$tag.txt"
		ok=$(grep -c '"status": *"ok"' "$out/items_$tag.jsonl" || true)
		failed=$(grep -c '"status": *"failed"' "$out/items_$tag.jsonl" || true)

		if command -v hyperfine >/dev/null; then
			hyperfine --style none --runs "$runs" --export-json "$out/hyperfine_$tag.json" -i \
				--prepare "rm -rf '$proj' && '$enclave' init '$proj' >/dev/null 2>&1" \
				"'$enclave' -C '$proj' ingest --jobs $j --quiet '$corpus/docs'" \
				>/dev/null 2>>"$out/hyperfine.log"
			read -r mean sd < <(python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print("%.4f %.4f" % (r["mean"], r["stddev"] or 0.0))' "$out/hyperfine_$tag.json")
			method=hyperfine
		else
			sum=0
			for _ in $(seq "$runs"); do
				rm -rf "$proj"
				"$enclave" init "$proj" >/dev/null 2>&1
				/usr/bin/time -f '%e' -o "$out/t.txt" "$enclave" -C "$proj" ingest --jobs "$j" \
					--quiet "$corpus/docs" >/dev/null 2>&1 || true
				t=$(tail -n 1 "$out/t.txt")
				sum=$(calc "$sum + $t")
			done
			mean=$(calc "$sum / $runs")
			sd=-
			method=/usr/bin/time
		fi
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$fs" "$j" "$mean" "$sd" "$runs" "$rss" \
			"$ok" "$failed" "$rc" >>"$out/results.tsv"
	done
	rm -rf "$proj"
	[ "$work" = "$out" ] || rmdir "$work" 2>/dev/null || true
done

{
	echo "# Ingest throughput"
	echo
	echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "- enclave: $("$enclave" --version 2>&1 | head -n 1) ($enclave)"
	echo "- machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); load average before: $load"
	echo "- corpus: $files synthetic documents (text, Markdown, HTML in turn), $(calc "$bytes / 1000000" | xargs printf '%.1f') MB, bench/gen_corpus.py --files $files"
	echo "- timed with $method, $runs runs per row, each into a fresh project"
	echo
	echo "| project on | --jobs | wall time (s) | ± sd | files/s | MB/s | peak RSS (MB) | ok | failed | exit |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
	while IFS=$'\t' read -r fs j mean sd n rss ok failed rc; do
		printf '| %s | %s | %.2f | %s | %.0f | %.2f | %.1f | %s | %s | %s |\n' "$fs" "$j" "$mean" "$sd" \
			"$(calc "$files / $mean")" "$(calc "$bytes / 1000000 / $mean")" \
			"$(calc "$rss / 1024")" "$ok" "$failed" "$rc"
	done <"$out/results.tsv"
	echo
	echo "Speed-up of each --jobs over the first, per file system:"
	awk -F'\t' '{ if (!($1 in base)) base[$1] = $3; printf "- %s, --jobs %s: %.2fx\n", $1, $2, base[$1] / $3 }' \
		"$out/results.tsv"
} >"$report"
cat "$report"
