#!/bin/bash
# The NER tagger on the shared corpus (../shared/corpus/ner, see its
# SOURCE.md): entity-level precision, recall and F1 per type and overall
# (exact-match spans, as conlleval counts them) on the WikiANN and WNUT-17
# dev sets, and the tagging speed: tokens/s on the dev sets' own tokens,
# MB/s through the tokeniser on raw text (one process, then two at once
# for the 2-core figure), and the peak memory of a 20 MB and a 5 MB text
# (flat: the tagger works window by window).
#
# Usage: bench/ner.sh ENCLAVE_BINARY
# Env:   ENCLAVE_BENCH_CORPUS  the corpus folder (default ../shared/corpus)
#        NER_BENCH_TRAIN=1     train a model first (WikiANN + WNUT-17 train, the
#                              shipped recipe) into bench/out/ner/, and score that
#                              one instead of the shipped models/ner-en.model
# Writes bench/out/ner.md. Exits 0 with "skip: ..." when the corpus is missing.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: bench/ner.sh ENCLAVE_BINARY" >&2; exit 2; }
bench=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$bench")
corpus="${ENCLAVE_BENCH_CORPUS:-$(dirname "$repo")/shared/corpus}"
ner="$corpus/ner"
skip() { echo "skip: ner: $*"; exit 0; }
[ -d "$ner" ] || skip "no corpus at $ner"
wikiann_dev="$ner/wikiann_en/dev"
wnut_dev="$ner/wnut17/emerging.dev.conll"
[ -f "$wikiann_dev" ] && [ -f "$wnut_dev" ] || skip "no WikiANN or WNUT-17 dev set in $ner"
command -v python3 >/dev/null || skip "python3 not installed"
[ -x /usr/bin/time ] || skip "/usr/bin/time not installed (scripts/deps.sh bench)"
enclave=$(realpath "$1")

out="$bench/out/ner"
rm -rf "$out"
mkdir -p "$out"
model="$repo/models/ner-en.model"
train_line="the shipped model ($model)"
if [ "${NER_BENCH_TRAIN:-0}" = 1 ]; then
	model="$out/ner-bench.model"
	t0=$(date +%s.%N)
	"$enclave" train ner --gazetteers "$repo/models/gazetteers" --dev "$wikiann_dev" \
		--out "$model" "$ner/wikiann_en/train" "$ner/wnut17/wnut17train.conll" \
		>"$out/train.out" 2>"$out/train.err"
	t1=$(date +%s.%N)
	train_line="a model trained here in $(python3 -c "print(f'{$t1 - $t0:.1f}')") s ($(cut -c1-16 "$out/train.out")...)"
	cat "$out/train.err"
fi

"$enclave" train ner --eval --model "$model" "$wikiann_dev" "$wnut_dev" \
	>"$out/scores.tsv" 2>"$out/eval.err"

# Raw text for the speed runs: the WikiANN dev sentences, one a line,
# repeated to about 20 MB (and a 5 MB cut for the memory check).
python3 - "$wikiann_dev" "$out/text20.txt" "$out/text5.txt" <<'PY'
import sys
sents, cur = [], []
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.rstrip("\n")
    if not line.strip():
        if cur:
            sents.append(" ".join(cur) + " .")
        cur = []
        continue
    tok = line.split("\t")[0]
    cur.append(tok[3:] if tok.startswith("en:") else tok)
if cur:
    sents.append(" ".join(cur) + " .")
text = "\n".join(sents) + "\n"
big = text * (20_000_000 // len(text) + 1)
open(sys.argv[2], "w", encoding="utf-8").write(big)
open(sys.argv[3], "w", encoding="utf-8").write(big[:5_000_000].rsplit("\n", 1)[0] + "\n")
PY

tag() { # tag FILE NAME: run --tag, keep stderr and the peak RSS
	/usr/bin/time -f '%M' -o "$out/$2.rss" "$enclave" train ner --tag --model "$model" "$1" \
		>"$out/$2.spans" 2>"$out/$2.err"
}
tag "$out/text20.txt" one
tag "$out/text5.txt" small
t0=$(date +%s.%N)
tag "$out/text20.txt" two_a &
tag "$out/text20.txt" two_b &
wait
t1=$(date +%s.%N)

python3 - "$out" "$t0" "$t1" "$train_line" "$model" >"$bench/out/ner.md" <<'PY'
import os, re, sys
out, t0, t1, train_line, model = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5]
rows = [l.rstrip("\n").split("\t") for l in open(f"{out}/scores.tsv")][1:]
names = {}
print("# NER: entity F1 on the dev sets, and speed\n")
print(f"Model: {train_line}; {os.path.getsize(model):,} bytes.\n")
print("Exact-match entities (conlleval); PER, ORG, LOC (WNUT-17: person; group and corporation as ORG; location; products and creative works left out).\n")
print("| dev set | type | tp | fp | fn | precision | recall | F1 |")
print("|---|---|---:|---:|---:|---:|---:|---:|")
for f, t, tp, fp, fn, p, r, f1 in rows:
    name = "WikiANN en dev" if "wikiann" in f else "WNUT-17 dev" if "wnut" in f else os.path.basename(f)
    bold = "**" if t == "ALL" else ""
    print(f"| {name} | {t} | {tp} | {fp} | {fn} | {p} | {r} | {bold}{f1}{bold} |")
speed = {}
for line in open(f"{out}/eval.err"):
    m = re.search(r": (\d+) sentences, (\d+) tokens in ([\d.]+) s of CPU \((\d+) tokens/s\)", line)
    if m:
        speed[line.split(":")[1].strip()] = int(m.group(4))
def tagline(name):
    s = open(f"{out}/{name}.err").read()
    m = re.search(r"tagged (\d+) bytes in ([\d.]+) s \(([\d.]+) MB/s\), ([\d.]+) s of CPU \(([\d.]+) MB/s\), (\d+) entities", s)
    rss = int(open(f"{out}/{name}.rss").read().split()[-1])
    return m, rss
one, rss20 = tagline("one")
small, rss5 = tagline("small")
a, _ = tagline("two_a")
b, _ = tagline("two_b")
both = (int(a.group(1)) + int(b.group(1))) / (t1 - t0) / 1e6
print("\n## Speed\n")
for f, v in speed.items():
    print(f"- {os.path.basename(os.path.dirname(f))}/{os.path.basename(f)}: {v:,} tokens/s (CPU time, the dev set's own tokens, features + Viterbi)")
print(f"- raw text, one process: {one.group(1)} bytes in {one.group(2)} s: **{one.group(3)} MB/s** wall, {one.group(5)} MB/s of CPU time, {one.group(6)} entities")
print(f"- raw text, two processes at once (2 cores): **{both:.2f} MB/s** together (wall, including loading and printing)")
print(f"- peak memory of the whole process: {rss5 / 1024:.1f} MB for 5 MB of text, {rss20 / 1024:.1f} MB for 20 MB (the text itself is read whole by the CLI; the tagger's own memory is one window)")
PY
cat "$bench/out/ner.md"
