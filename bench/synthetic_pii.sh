#!/bin/bash
# `enclave scan` on the documents `enclave augment --task synthetic-pii`
# makes (templates with planted PII of known positions): recall per planted
# label, and precision (detected spans overlapping no planted value), exact
# and overlapping. A regression view of the scanner on clean, well-formed
# values, not a measure of real-world accuracy (see pii_accuracy.sh).
#
# Usage: bench/synthetic_pii.sh ENCLAVE_BINARY [N] [SEED]   (default 2000 documents, seed 1)
# Writes bench/out/synthetic_pii.md and prints it.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: bench/synthetic_pii.sh ENCLAVE_BINARY [N] [SEED]" >&2; exit 2; }
E=$1
N=${2:-2000}
SEED=${3:-1}
bench=$(cd "$(dirname "$0")" && pwd)
out="$bench/out"
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$E" augment --task synthetic-pii --n "$N" --seed "$SEED" --out "$tmp/gold.jsonl" 2>/dev/null
t0=$(date +%s%N)
"$E" scan --jsonl <"$tmp/gold.jsonl" >"$tmp/scan.jsonl"
t1=$(date +%s%N)

python3 - "$tmp/gold.jsonl" "$tmp/scan.jsonl" "$N" "$SEED" "$(((t1 - t0) / 1000000))" >"$out/synthetic_pii.md" <<'PY'
import collections, json, sys
gold = [json.loads(l) for l in open(sys.argv[1])]
got = [json.loads(l) for l in open(sys.argv[2])]
n, seed, ms = sys.argv[3], sys.argv[4], sys.argv[5]
per = collections.defaultdict(lambda: [0, 0, 0, 0])  # total, overlap hit, exact hit, same label
fp = collections.Counter()
det_total = 0
for g, s in zip(gold, got):
    planted = g["spans"]
    for d in s["spans"]:
        det_total += 1
        if not any(p["start"] < d["end"] and d["start"] < p["end"] for p in planted):
            fp[d["label"]] += 1
    for p in planted:
        c = per[p["label"]]
        c[0] += 1
        ov = [d for d in s["spans"] if d["start"] < p["end"] and p["start"] < d["end"]]
        c[1] += bool(ov)
        c[2] += any(d["start"] == p["start"] and d["end"] == p["end"] for d in ov)
        c[3] += any(d["label"] == p["label"] for d in ov)
print("# enclave scan on synthetic PII\n")
print("%s documents from `enclave augment --task synthetic-pii --seed %s`; scan took %s ms.\n" % (n, seed, ms))
print("| planted label | values | recall (overlap) | recall (exact) | same label |")
print("|---|---:|---:|---:|---:|")
tot = [0, 0, 0, 0]
for label in sorted(per):
    c = per[label]
    tot = [a + b for a, b in zip(tot, c)]
    print("| %s | %d | %.3f | %.3f | %.3f |" % (label, c[0], c[1] / c[0], c[2] / c[0], c[3] / c[0]))
print("| **all** | %d | %.3f | %.3f | %.3f |" % (tot[0], tot[1] / tot[0], tot[2] / tot[0], tot[3] / tot[0]))
fps = sum(fp.values())
print("\nDetected spans: %d; overlapping no planted value: %d (precision %.3f)." %
      (det_total, fps, 1 - fps / det_total if det_total else 0))
if fp:
    print("False positives by label: " + ", ".join("%s %d" % kv for kv in fp.most_common()))
PY
cat "$out/synthetic_pii.md"
