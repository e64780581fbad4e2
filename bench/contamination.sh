#!/bin/bash
# The contamination guard's throughput: `enclave split check-contamination`
# (the test split's word 8-grams hashed into a set, then every record's
# text looked up) on a store of BENCH_CONTAM_FILES text files (default
# 2000) of BENCH_CONTAM_PARAS paragraphs (default 100, about 10 KB a file)
# of seeded business prose, split 80,10,10, with BENCH_CONTAM_RECORDS
# synthetic-pii records (default 50000). Reports MB/s over the text read
# (test documents + records), the n-grams held, and peak RSS; then the
# `export --records all --split project` of the same store, timed.
#
# Usage: bench/contamination.sh ENCLAVE_BINARY
# Writes bench/out/contamination.md and prints it.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: bench/contamination.sh ENCLAVE_BINARY" >&2; exit 2; }
bench=$(cd "$(dirname "$0")" && pwd)
files="${BENCH_CONTAM_FILES:-2000}"
paras="${BENCH_CONTAM_PARAS:-100}"
records="${BENCH_CONTAM_RECORDS:-50000}"
report="$bench/out/contamination.md"

skip() { echo "skip: contamination: $*"; exit 0; }
command -v python3 >/dev/null || skip "python3 not installed"
[ -x /usr/bin/time ] || skip "/usr/bin/time not installed (scripts/deps.sh bench)"
enclave=$(realpath "$1")
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
	work=/dev/shm/enclave-contam-bench
else
	work=$bench/out/contamination
fi
mkdir -p "$work" "$bench/out"
corpus=$work/corpus-$files-$paras
proj=$work/project-$files-$paras-$records

if [ ! -f "$corpus.done" ]; then
	rm -rf "$corpus"
	python3 - "$corpus" "$files" "$paras" <<'PY'
import os, random, sys
out, files, paras = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(7)
words = ("the of and to in a is that for it as was with be by on not this are or from at "
         "which but have an they were there been one all their has would when if so no will "
         "report contract invoice supplier meeting quarterly budget review approved shipment "
         "warehouse customer account payment schedule delivery policy audit northern harbour "
         "river town council order widget dock morning evening finance legal office").split()
os.makedirs(out)
for i in range(files):
    with open(os.path.join(out, "doc-%05d.txt" % i), "w") as f:
        for p in range(paras):
            f.write(" ".join(rng.choice(words) for _ in range(16)).capitalize() + ".\n\n")
open(out + ".done", "w").close()
PY
fi
if [ ! -f "$proj/done" ]; then
	rm -rf "$proj"
	"$enclave" init "$proj" >/dev/null 2>&1
	# exit 3 (partial) is fine: a bench corpus, not a test
	"$enclave" -C "$proj" ingest -q --jobs 2 "$corpus" >/dev/null 2>&1 || [ $? -eq 3 ]
	"$enclave" -C "$proj" split 80,10,10 --seed 1 >/dev/null
	"$enclave" -C "$proj" augment --task synthetic-pii --n "$records" --seed 1 >/dev/null 2>&1
	touch "$proj/done"
fi

/usr/bin/time -v -o "$work/check.time" "$enclave" -C "$proj" split check-contamination \
	--json --record-status all >"$work/check.jsonl" 2>/dev/null
summary=$(tail -1 "$work/check.jsonl")
rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/check.time")
rm -rf "$work/export"
/usr/bin/time -v -o "$work/export.time" "$enclave" -C "$proj" export --records all \
	--record-status all --split project --allow-pii "$work/export" 2>"$work/export.err"
ewall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/export.time")
erss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/export.time")
python3 - "$summary" "$rss" "$ewall" "$erss" "$(du -sb "$work/export" | cut -f1)" \
	"$(sed -n 's/.*\([0-9][0-9]*\) records sharing.*/\1/p' "$work/export.err")" >"$report" <<'PY'
import json, sys
s = json.loads(sys.argv[1])["summary"]
mb = (s["test_bytes"] + s["record_bytes"]) / 1e6
print("# Contamination guard\n")
print("| what | value |\n| --- | ---: |")
print("| test documents indexed | %d (%.1f MB) |" % (s["test_documents"], s["test_bytes"] / 1e6))
print("| distinct 8-grams in the set | %d |" % s["ngrams"])
print("| records checked | %d (%.1f MB) |" % (s["records"], s["record_bytes"] / 1e6))
print("| records flagged | %d |" % s["flagged"])
print("| check-contamination wall time | %.2f s |" % s["seconds"])
print("| throughput (test text + record text) | %.1f MB/s |" % (mb / s["seconds"]))
print("| check-contamination peak RSS | %.0f MB |" % (int(sys.argv[2]) / 1024))
print("| export --records all --split project (jsonl) | %s wall, %.0f MB peak RSS, %.1f MB written |"
      % (sys.argv[3], int(sys.argv[4]) / 1024, int(sys.argv[5]) / 1e6))
print("| records left out by the export's guard | %s |" % (sys.argv[6] or "0"))
PY
cat "$report"
