#!/bin/bash
# The LLM tasks of `enclave augment` end to end against fakellm
# (tests/tools/fakellm.c) on loopback, which answers at once: the figures
# are Enclave's own cost per item (chunking, prompt rendering, the HTTP
# client, strict JSON and the checks, records committed in groups), not a
# model's. A corpus of 300 notes is ingested and cleaned; then qa with 1, 4
# and 16 requests in flight, a 4x larger qa run (memory must stay flat:
# peak RSS by /usr/bin/time), paraphrase and summary. Token counts are
# fakellm's (words), so tokens/s only shows the accounting works.
#
# Usage: bench/augment_llm.sh ENCLAVE_BINARY
# Env:   TOOLS_DIR  where fakellm is (default: the binary's folder/tests)
# Writes bench/out/augment_llm.md and prints it.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: bench/augment_llm.sh ENCLAVE_BINARY" >&2; exit 2; }
E=$(realpath "$1")
bench=$(cd "$(dirname "$0")" && pwd)
tools="${TOOLS_DIR:-$(dirname "$E")/tests}"
report="$bench/out/augment_llm.md"

skip() { echo "skip: augment_llm: $*"; exit 0; }
[ -x "$tools/fakellm" ] || skip "no fakellm in $tools (build with -DENCLAVE_BUILD_TESTS=ON)"
[ -x /usr/bin/time ] || skip "/usr/bin/time not installed (scripts/deps.sh bench)"
mkdir -p "$bench/out"
tmp=$(mktemp -d)
"$tools/fakellm" --listen 127.0.0.1 >"$tmp/port" 2>"$tmp/fake.err" &
fake=$!
trap 'kill $fake 2>/dev/null; rm -rf "$tmp"' EXIT
port=""
for _ in $(seq 100); do
	port=$(awk '/^port /{print $2}' "$tmp/port" 2>/dev/null)
	[ -n "$port" ] && break
	sleep 0.05
done
[ -n "$port" ] || { echo "fakellm did not start" >&2; exit 1; }

python3 - "$tmp/corpus" <<'PY'
import os, random, sys
root = sys.argv[1]
rnd = random.Random(3)
words = "ledger budget report office committee archive contract invoice policy memo".split()
os.makedirs(root)
for i in range(300):
    sents = []
    for _ in range(rnd.randint(4, 10)):
        s = " ".join(rnd.choice(words) for _ in range(rnd.randint(6, 16)))
        if rnd.random() < 0.2:
            s += " mail clerk%d@example.com" % rnd.randint(1, 99)
        sents.append(s.capitalize() + ".")
    with open(os.path.join(root, "n%03d.txt" % i), "w") as f:
        f.write(" ".join(sents) + "\n")
PY
P=$tmp/p
"$E" init "$P" 2>/dev/null
"$E" -C "$P" ingest -q "$tmp/corpus"
"$E" -C "$P" clean --pii --operator tag -q
printf 'llm:\n  fo:\n    kind: ollama\n    base_url: http://127.0.0.1:%s\n    model: fake\n    concurrency: 16\n  fa:\n    kind: openai\n    base_url: http://127.0.0.1:%s/v1\n    model: tiny\n    concurrency: 16\n' \
	"$port" "$port" >>"$P/enclave.yaml"

{
	echo "# augment LLM tasks against fakellm ($(date -u +%F), $(nproc) CPUs)"
	echo
	echo "| run | records | rejected | seconds | items/s | completion tokens/s | peak RSS |"
	echo "|---|---|---|---|---|---|---|"
} >"$report"
row() {
	local name=$1
	shift
	/usr/bin/time -f "%M" -o "$tmp/rss" "$E" -C "$P" augment "$@" --json >"$tmp/out.json" 2>/dev/null
	python3 - "$name" "$tmp/out.json" "$(cat "$tmp/rss")" >>"$report" <<'PY'
import json, sys
d = json.load(open(sys.argv[2]))
n = d["made"] + d["rejected"] + d["errors"]
print("| %s | %d | %d | %.2f | %.0f | %.0f | %.1f MB |" % (sys.argv[1], d["made"], d["rejected"],
      d["seconds"], n / d["seconds"], d["tokens_per_second"], int(sys.argv[3]) / 1024))
PY
}
QA=(--task qa --llm fo --chunk-by sentences --chunk-size 2)
row "qa, 1 in flight" "${QA[@]}" --n 4 --seed 1 --in-flight 1
row "qa, 4 in flight" "${QA[@]}" --n 4 --seed 2 --in-flight 4
row "qa, 16 in flight" "${QA[@]}" --n 4 --seed 3 --in-flight 16
row "qa x4 items, 16 in flight" "${QA[@]}" --n 16 --seed 4 --in-flight 16
row "paraphrase (openai), 16" --task paraphrase --llm fa --n 2 --in-flight 16
row "summary, 16" --task summary --llm fo --n 8 --chunk-by sentences --chunk-size 3 --in-flight 16
cat "$report"
