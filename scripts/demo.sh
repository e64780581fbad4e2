#!/bin/sh
# The main job on the sample corpus: a fresh project in build/demo, ingest
# examples/, list, show, clean --pii (spans and redacted layers), export the
# redacted dataset, split the project, multiply the NER data by entity
# swaps, export those records with their lineage, and verify the audit
# trail and the packages.
# Usage: scripts/demo.sh [ENCLAVE_BINARY]   (ENCLAVE_DEMO_DIR: where, default build/demo)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
enclave=$(cd "$(dirname "${1:-$top/build/enclave}")" && pwd)/$(basename "${1:-enclave}")
demo="${ENCLAVE_DEMO_DIR:-$top/build/demo}"

rm -rf "$demo"
mkdir -p "$demo"
say() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }

say "enclave init $demo/project"
"$enclave" init "$demo/project"
cd "$demo/project"

say "enclave ingest examples/"
status=0
"$enclave" ingest "$top/examples" || status=$?
[ "$status" -eq 0 ] || [ "$status" -eq 3 ] || exit "$status"

say "enclave ls"
"$enclave" ls

say "enclave show 1 --format markdown (first document)"
"$enclave" show 1 --format markdown | head -n 30

say "enclave extract --format markdown examples/referral.eml (an e-mail and its attachment)"
"$enclave" extract --format markdown "$top/examples/referral.eml"

say "enclave extract --format json examples/discharge-summary-scan.pdf (page 2 is a scan: OCR)"
"$enclave" extract --format json "$top/examples/discharge-summary-scan.pdf" | grep -E '"(number|method|confidence)"' | head -n 12

say "enclave clean --pii --operator 'PERSON=pseudonym,*=tag'"
status=0
"$enclave" clean --pii --operator 'PERSON=pseudonym,*=tag' || status=$?
[ "$status" -eq 0 ] || [ "$status" -eq 3 ] || exit "$status"

intake=$("$enclave" ls --json | grep 'intake-note.txt' | sed -E 's/^\{"id":([0-9]+),.*/\1/')
say "enclave show $intake --spans (the intake note's PII spans)"
"$enclave" show "$intake" --spans | head -n 20

say "enclave scan --preset hipaa examples/intake-note.txt (no project)"
"$enclave" scan --preset hipaa "$top/examples/intake-note.txt"

say "enclave redact --operator pseudonym examples/intake-note.txt (the project's secret; audited)"
"$enclave" redact --operator pseudonym --subject intake "$top/examples/intake-note.txt"

say "enclave export --format jsonl --split 80,20 $demo/export (the redacted text, a signed package)"
"$enclave" export --format jsonl --split 80,20 "$demo/export"
ls -l "$demo/export" >&2
sed -n '1,20p' "$demo/export/manifest.json" >&2

say "enclave split 80,20 --seed 1 (the project's split, kept for every later export and augment run)"
"$enclave" split 80,20 --seed 1

say "enclave augment --task entity-swap --n 2 (surrogates for the PII spans: more NER training text)"
"$enclave" augment --task entity-swap --n 2

say "enclave augment list (generated records start as proposals)"
"$enclave" augment list | head -n 8

say "enclave split check-contamination (records sharing 8-grams with the test split)"
"$enclave" split check-contamination

say "enclave export --records entity-swap --record-status all --format spacy --split project $demo/export-records"
"$enclave" export --records entity-swap --record-status all --format spacy --split project "$demo/export-records"
ls "$demo/export-records" >&2; head -c 400 "$demo/export-records/train.spacy.jsonl" >&2
printf '\n' >&2

say "enclave audit log"
"$enclave" audit log

say "enclave audit verify"
"$enclave" audit verify

say "enclave audit verify --file $demo/export/audit.jsonl"
"$enclave" audit verify --file "$demo/export/audit.jsonl" --key "$(cat key/ed25519.pub)"

say "enclave verify $demo/export --pubkey key/ed25519.pub (the package: hashes, signature, chain)"
"$enclave" verify "$demo/export" --pubkey "$(cat key/ed25519.pub)"

say "enclave verify $demo/export-records --pubkey key/ed25519.pub"
"$enclave" verify "$demo/export-records" --pubkey "$(cat key/ed25519.pub)"

printf '\ndemo done: project in %s, datasets in %s and %s\n' "$demo/project" "$demo/export" \
	"$demo/export-records" >&2
