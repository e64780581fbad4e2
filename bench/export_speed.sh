#!/bin/bash
# Export throughput: `enclave export` of a store of about a million blocks,
# timed with /usr/bin/time -v: wall and user time, MB/s of data written,
# records/s and blocks/s, peak RSS.
#
#   store     BENCH_EXPORT_FILES text files (default 200) of
#             BENCH_EXPORT_PARAS paragraphs each (default 5000): every
#             paragraph is a block, so 1,000,000 blocks by default, of
#             generated business prose (a seeded word list, about 100 bytes a
#             paragraph); ingested with --jobs 2 into a project on /dev/shm
#             when writable (else bench/out), once, and reused
#   redacted  with BENCH_EXPORT_CLEAN=1 (the default) `enclave clean --pii
#             --no-ner` first writes the redacted layers, so the export takes
#             its default path (the redacted text, with its redactions);
#             BENCH_EXPORT_CLEAN=0 exports the original text instead
#             (--allow-unredacted)
#   runs      jsonl by documents and by blocks, of the redacted layer (when
#             cleaned) and of the original one (--layer original --allow-pii),
#             and chunks when this build writes it (enclave export --help
#             lists it); each BENCH_RUNS times (default 3) into a fresh
#             folder, the best run (by wall time) reported, and the package
#             verified once with `enclave verify`
#   reference sqlite3 -json dumping the same block rows (the columns of a
#             jsonl block line) from the same store to a file on the same file
#             system, timed the same way in the same run; each enclave row
#             gives its MB/s (user) over sqlite3's
#
# Usage: bench/export_speed.sh ENCLAVE_BINARY
# Writes bench/out/export_speed.md and prints it.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: bench/export_speed.sh ENCLAVE_BINARY" >&2; exit 2; }
bench=$(cd "$(dirname "$0")" && pwd)
files="${BENCH_EXPORT_FILES:-200}"
paras="${BENCH_EXPORT_PARAS:-5000}"
runs="${BENCH_RUNS:-3}"
clean="${BENCH_EXPORT_CLEAN:-1}"
report="$bench/out/export_speed.md"

skip() { echo "skip: export_speed: $*"; exit 0; }
command -v python3 >/dev/null || skip "python3 not installed"
[ -x /usr/bin/time ] || skip "/usr/bin/time not installed (scripts/deps.sh bench)"
enclave=$(realpath "$1")
[ -x "$enclave" ] || { echo "export_speed: '$1' is not executable" >&2; exit 2; }

if [ -d /dev/shm ] && [ -w /dev/shm ]; then
	work=/dev/shm/enclave-export-bench
else
	work=$bench/out/export_speed
fi
mkdir -p "$work" "$bench/out"
# v2: with an e-mail address every 50 paragraphs, so the redacted layer has redactions.
corpus=$work/corpus-v2-$files-$paras
proj=$work/project-v2-$files-$paras-clean$clean

# ---------------------------------------------------------------- the store
if [ ! -f "$corpus/done" ]; then
	rm -rf "$corpus"
	python3 - "$corpus" "$files" "$paras" <<'EOF'
import os, random, sys
out, files, paras = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(6)
words = ("the of and to in a is that for it as was with be by on not he this are or his "
         "from at which but have an they you were her she there been one all we their has "
         "would when if so no will can more other its into than only time could new "
         "report contract invoice supplier meeting quarterly budget review approved "
         "shipment warehouse customer account payment schedule delivery policy audit "
         "office manager team project analysis revenue forecast risk compliance").split()
names = ["John Smith", "Maria Garcia", "Wei Zhang", "Aisha Khan", "Olga Petrova"]
os.makedirs(os.path.join(out, "docs"))
for f in range(files):
    with open(os.path.join(out, "docs", "doc%04d.txt" % f), "w") as fh:
        for p in range(paras):
            n = rng.randint(10, 22)
            s = " ".join(rng.choice(words) for _ in range(n))
            if p % 50 == 0:
                name = rng.choice(names)
                s += ", said %s (call 555-01%02d, write to %s@example.com)" % (
                    name, rng.randint(0, 99), name.split()[0].lower())
            # "The " first: a paragraph opening "From " would make the file an mbox.
            fh.write("The " + s + ".\n\n")
open(os.path.join(out, "done"), "w").write("ok\n")
EOF
fi
if [ ! -f "$proj/done" ]; then
	rm -rf "$proj"
	"$enclave" init "$proj" >/dev/null 2>&1
	echo "export_speed: ingesting $files files..." >&2
	/usr/bin/time -f '%e' -o "$work/ingest.time" "$enclave" -C "$proj" ingest -q --jobs 2 "$corpus/docs" ||
		{ echo "export_speed: the ingest failed (see $work)" >&2; exit 1; }
	if [ "$clean" = 1 ]; then
		echo "export_speed: clean --pii --no-ner..." >&2
		/usr/bin/time -f '%e' -o "$work/clean.time" "$enclave" -C "$proj" clean --pii --no-ner --jobs 2 >/dev/null 2>&1
	fi
	touch "$proj/done"
fi
blocks=$(sqlite3 "$proj/enclave.db" 'SELECT sum(block_count) FROM documents' 2>/dev/null ||
	python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT sum(block_count) FROM documents").fetchone()[0])' "$proj/enclave.db")
docs=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM documents WHERE status = \"ok\"").fetchone()[0])' "$proj/enclave.db")
# The runs: "name|export options".
runs_list=()
if [ "$clean" = 1 ]; then
	runs_list+=("jsonl documents, redacted|--format jsonl")
	runs_list+=("jsonl blocks, redacted|--format jsonl --unit blocks")
fi
runs_list+=("jsonl documents, original|--format jsonl --layer original --allow-pii")
runs_list+=("jsonl blocks, original|--format jsonl --layer original --allow-pii --unit blocks")
help=$("$enclave" export --help 2>/dev/null || true)
have_chunks=0
if grep -q 'chunks' <<<"$help"; then
	have_chunks=1
	if [ "$clean" = 1 ]; then
		runs_list+=("chunks (tokens), redacted|--format chunks")
	else
		runs_list+=("chunks (tokens), original|--format chunks --layer original --allow-pii")
	fi
fi

# Best of `runs` of a command under /usr/bin/time -v: sets best (wall), best_user, best_rss.
timed() {
	local tag=$1 r wall user rss
	shift
	best=""
	for r in $(seq 1 "$runs"); do
		"$@"
		wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$work/time-$tag.txt")
		user=$(awk -F': ' '/User time/ { print $2 }' "$work/time-$tag.txt")
		rss=$(awk -F': ' '/Maximum resident/ { print $2 }' "$work/time-$tag.txt")
		if [ -z "$best" ] || awk "BEGIN { exit !($wall < $best) }"; then
			best=$wall best_user=$user best_rss=$rss
		fi
	done
}

# ---------------------------------------------------------------- the reference
# sqlite3 -json: the block rows with the columns of a jsonl block line, to a file.
ref_sql="SELECT document_id, seq, kind, level, text, \"offset\", length, method, confidence, page,"
ref_sql="$ref_sql x0, y0, x1, y1 FROM blocks ORDER BY document_id, seq"
ref_out=$work/ref.json
ref_row=""
if command -v sqlite3 >/dev/null; then
	ref_cmd() { /usr/bin/time -v -o "$work/time-ref.txt" sqlite3 -json "$proj/enclave.db" "$ref_sql" >"$ref_out"; }
	timed ref ref_cmd
	ref_bytes=$(stat -c %s "$ref_out")
	ref_mbu=$(awk -v b="$ref_bytes" -v u="$best_user" 'BEGIN { printf "%.1f", b / 1e6 / u }')
	ref_row=$(awk -v b="$ref_bytes" -v w="$best" -v u="$best_user" -v bl="$blocks" -v rss="$best_rss" -v v="$(sqlite3 --version | cut -d' ' -f1)" 'BEGIN {
		printf "| reference: sqlite3 %s -json, the block rows | %.1f | %.2f | %.2f | %.1f | %.1f | %.0f | %.0f | %.0f | 1.00 | - |\n",
			v, b / 1e6, w, u, b / 1e6 / w, b / 1e6 / u, bl / w, bl / w, rss / 1024
	}')
	rm -f "$ref_out"
fi

# ---------------------------------------------------------------- the runs
{
	echo "# Export speed"
	echo
	echo "Store: $docs documents, $blocks blocks ($files text files of $paras paragraphs), in $work"
	echo "($(df -PT "$work" | awk 'NR == 2 { print $2 }')); redacted layers: $([ "$clean" = 1 ] && echo "written by clean --pii --no-ner" || echo "none (BENCH_EXPORT_CLEAN=0)")."
	echo "$(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg). Best of $runs runs (by wall time)."
	echo
	echo "| run | data MB | wall s | user s | MB/s (wall) | MB/s (user) | records/s | blocks/s | peak RSS MB | vs sqlite3 (MB/s user) | verify |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
} >"$report"
[ -z "$ref_row" ] || echo "$ref_row" >>"$report"
for run in "${runs_list[@]}"; do
	name=${run%%|*}
	read -r -a args <<<"${run#*|}"
	out=$work/out-run
	export_cmd() {
		rm -rf "$out"
		/usr/bin/time -v -o "$work/time-run.txt" "$enclave" -C "$proj" export "${args[@]}" "$out" 2>"$work/export-run.err" >/dev/null ||
			{ echo "export_speed: enclave export ${args[*]} failed (see $work/export-run.err)" >&2; exit 1; }
	}
	timed run export_cmd
	bytes=$(python3 -c 'import json, sys; m = json.load(open(sys.argv[1])); print(sum(f["size"] for f in m["files"] if "records" in f))' "$out/manifest.json")
	records=$(python3 -c 'import json, sys; m = json.load(open(sys.argv[1])); print(sum(f["records"] for f in m["files"] if "records" in f))' "$out/manifest.json")
	vrc=0
	"$enclave" verify "$out" >/dev/null 2>&1 || vrc=$?
	awk -v f="$name" -v b="$bytes" -v w="$best" -v u="$best_user" -v r="$records" -v bl="$blocks" -v rss="$best_rss" -v v="$vrc" -v ref="${ref_mbu:-}" 'BEGIN {
		printf "| %s | %.1f | %.2f | %.2f | %.1f | %.1f | %.0f | %.0f | %.0f | %s | %s |\n",
			f, b / 1e6, w, u, b / 1e6 / w, b / 1e6 / u, r / w, bl / w, rss / 1024,
			ref == "" ? "-" : sprintf("%.2f", b / 1e6 / u / ref), v == 0 ? "ok" : "FAILED"
	}' >>"$report"
done
rm -rf "$work/out-run"
{
	[ "$have_chunks" = 1 ] || { echo; echo "chunks: not measured, this build does not write it (enclave export --help lists the formats)."; }
	echo
	echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg)."
	echo
	echo "MB/s counts the data files (the manifest's files with records); the wall time"
	echo "includes the package (audit.jsonl, DATASHEET.md, hashing every file, the signature)."
	echo "The reference writes the same block rows as sqlite3's JSON (no redaction, no package):"
	echo "its data MB is its output file; \"vs sqlite3\" is each row's MB/s (user) over its."
} >>"$report"
cat "$report"
