#!/bin/bash
# Retrain the shipped NER model, models/ner-en.model (+ .sha256), the way
# models/README.md describes: WikiANN train + WNUT-17 train from the shared
# corpus, plus PII-like sentences that scripts/make_ner_data.py writes at
# training time (into a temporary folder: they are not kept). The dev file
# (per-epoch F1 and the confidence scale) is WikiANN dev plus generated
# sentences of another seed.
#
# Usage: scripts/train_ner.sh ENCLAVE_BINARY [OUT_MODEL]
# Env:   ENCLAVE_BENCH_CORPUS  the corpus folder (default ../shared/corpus)
# Rebuild afterwards: the build compiles the model's hash in.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: scripts/train_ner.sh ENCLAVE_BINARY [OUT_MODEL]" >&2; exit 2; }
repo=$(cd "$(dirname "$0")/.." && pwd)
enclave=$(realpath "$1")
out="${2:-$repo/models/ner-en.model}"
corpus="${ENCLAVE_BENCH_CORPUS:-$(dirname "$repo")/shared/corpus}"
ner="$corpus/ner"
templates="$corpus/pii/presidio_research/generator/templates.txt"
top=$(mktemp -d)
trap 'rm -rf "$top"' EXIT
tmp="$top/generated" # the model's provenance names "generated/pii.conll": no random part
mkdir "$tmp"

/usr/bin/python3 "$repo/scripts/make_ner_data.py" --templates "$templates" --seed 20240917 \
	--templated 8000 --clinical 6000 "$tmp/pii.conll"
/usr/bin/python3 "$repo/scripts/make_ner_data.py" --templates "$templates" --seed 77 \
	--templated 1000 --clinical 1000 "$tmp/pii-dev.conll"
cat "$ner/wikiann_en/dev" - "$tmp/pii-dev.conll" <<<"" >"$tmp/dev.conll"
"$enclave" train ner --gazetteers "$repo/models/gazetteers" --dev "$tmp/dev.conll" \
	--out "$out" "$ner/wikiann_en/train" "$ner/wnut17/wnut17train.conll" "$tmp/pii.conll"
