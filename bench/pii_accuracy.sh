#!/bin/bash
# PII/PHI accuracy: `enclave scan --jsonl` (and `enclave redact` when it
# exists) on the PII sets of the shared evaluation corpus
# (../shared/corpus/pii, see its SOURCE.md), scored by bench/pii_eval.py:
#
#   physionet  real ICU nursing notes with gold PHI spans: character- and
#              entity-level recall and precision (binary PHI), recall per
#              gold type, precision per recogniser; notes split by patient
#              into a tuning half (even patient_id) and a held-out half
#              (odd): the held-out figures are the honest ones
#   synth      Presidio's synthetic set: precision, recall and F1 per type,
#              exact and overlapping spans, with the label mapping of
#              pii_eval.py (TITLE and NRP are not produced)
#   demo       Presidio's demo text redacted with tags against its expected
#              output, tag by tag (skipped until `enclave redact` exists)
#
# docs/pii-accuracy.md describes the method and the figures measured.
#
# Usage: bench/pii_accuracy.sh ENCLAVE_BINARY
# Env:   ENCLAVE_BENCH_CORPUS  the corpus folder (default: ../shared/corpus)
# Writes bench/out/pii_accuracy.md and prints it. Exits 0 with "skip: ..."
# when the corpus, python3 or `enclave scan` is missing.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: bench/pii_accuracy.sh ENCLAVE_BINARY" >&2; exit 2; }
bench=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$bench")
corpus="${ENCLAVE_BENCH_CORPUS:-$(dirname "$repo")/shared/corpus}"

skip() { echo "skip: pii_accuracy: $*"; exit 0; }
[ -d "$corpus/pii" ] || skip "no corpus at $corpus/pii"
command -v python3 >/dev/null || skip "python3 not installed (scripts/deps.sh bench)"
enclave=$(realpath "$1")
[ -x "$enclave" ] || { echo "pii_accuracy: '$1' is not executable" >&2; exit 2; }
"$enclave" scan --help >/dev/null 2>&1 || skip "this enclave has no 'scan' command yet"

mkdir -p "$bench/out"
report="$bench/out/pii_accuracy.md"
python3 "$bench/pii_eval.py" --enclave "$enclave" --corpus "$corpus" >"$report"
cat "$report"
