#!/bin/bash
# The label server under load: a project of BENCH_LABEL_DOCS (100,000)
# small generated text documents, ingested, with an ner task each; then wrk
# against the real `enclave serve` on loopback:
#   reads:  GET /api/tasks/next (the task in hand: the app's poll), one
#           annotator session, BENCH_READ_CONNS connections;
#   writes: POST /api/annotations (draft saves, each a transaction with its
#           audit event and signed checkpoint, synchronous=FULL), one
#           annotator per wrk thread, one connection each, the version
#           carried from reply to reply (bench/label_http_save.lua).
# Reports req/s and latency percentiles (p50, p99) from wrk --latency.
# Target (issue 5): >= 5,000 reads/s with p99 < 20 ms on 2 cores.
#
# Usage: bench/label_http.sh ENCLAVE_BINARY
# Env:   BENCH_LABEL_DOCS   documents (default 100000)
#        BENCH_DURATION     seconds per wrk run (default 15)
#        BENCH_READ_CONNS   connections of the read runs, one run each (default "8 32")
#        BENCH_THREADS      the server's --threads (default: its own default)
#        BENCH_WRITERS      annotators (wrk threads) of the write run (default 2)
#        BENCH_TMP          where the project is made (default bench/out/label_http;
#                           it is kept between runs and reused when complete)
# Writes bench/out/label_http.md and prints it.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: bench/label_http.sh ENCLAVE_BINARY" >&2; exit 2; }
bench=$(cd "$(dirname "$0")" && pwd)
docs="${BENCH_LABEL_DOCS:-100000}"
dur="${BENCH_DURATION:-15}"
rconns="${BENCH_READ_CONNS:-8 32}"
threads="${BENCH_THREADS:-}"
writers="${BENCH_WRITERS:-2}"
work="${BENCH_TMP:-$bench/out/label_http}"
report="$bench/out/label_http.md"
password="bench password 1"

skip() { echo "skip: label_http: $*"; exit 0; }
command -v wrk >/dev/null || skip "wrk not installed (scripts/deps.sh bench)"
command -v curl >/dev/null || skip "curl not installed"
command -v python3 >/dev/null || skip "python3 not installed"
enclave=$(realpath "$1")
[ -x "$enclave" ] || { echo "label_http: '$1' is not executable" >&2; exit 2; }
mkdir -p "$work" "$bench/out"
proj="$work/proj-$docs"

# ---- the project (made once, reused while complete)
if [ ! -f "$proj/.complete" ]; then
	rm -rf "$proj" "$work/in-$docs"
	echo "label_http: generating $docs documents" >&2
	python3 - "$work/in-$docs" "$docs" <<'EOP'
import os, random, sys
out, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(5)
names = ["Ana Lima", "Ben Okafor", "Chen Wei", "Dara Byrne", "Eva Novak", "Femi Ade"]
places = ["Lisbon", "Lagos", "Cork", "Brno", "Osaka", "Quito"]
for i in range(n):
    d = os.path.join(out, "%03d" % (i // 1000))
    if i % 1000 == 0:
        os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "doc%06d.txt" % i), "w") as f:
        f.write("Note %d. %s met %s in %s on %d May.\n\nThe board agreed the plan.\n" % (
            i, rnd.choice(names), rnd.choice(names), rnd.choice(places), 1 + i % 28))
EOP
	"$enclave" init "$proj" >/dev/null
	start=$(date +%s.%N)
	"$enclave" -C "$proj" ingest --jobs 2 "$work/in-$docs" >/dev/null 2>"$work/ingest.err" ||
		{ tail -5 "$work/ingest.err" >&2; exit 1; }
	echo "label_http: ingested in $(awk "BEGIN{printf \"%.1f\", $(date +%s.%N) - $start}") s" >&2
	for i in $(seq 1 "$writers"); do
		echo "$password" | "$enclave" -C "$proj" user add "w$i" --role annotator --password-stdin
	done
	echo "$password" | "$enclave" -C "$proj" user add reader --role annotator --password-stdin
	"$enclave" -C "$proj" label tasks --type ner --k 1 >&2
	touch "$proj/.complete"
fi
ndocs=$("$enclave" -C "$proj" ls --json | wc -l)

# ---- the server
log="$work/serve.log"
"$enclave" -C "$proj" serve --listen 127.0.0.1:0 ${threads:+--threads "$threads"} 2>"$log" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
	grep -q "listening on" "$log" && break
	sleep 0.1
done
port=$(sed -n 's/.*listening on http:\/\/[^ ]*:\([0-9]*\)$/\1/p' "$log")
[ -n "$port" ] || { cat "$log" >&2; exit 1; }
base="http://127.0.0.1:$port"

# login NAME: prints "cookie|csrf"
login() {
	local hdr body
	hdr=$(mktemp)
	body=$(curl -s -D "$hdr" -H 'Content-Type: application/json' \
		-d "{\"username\":\"$1\",\"password\":\"$password\"}" "$base/api/login")
	printf '%s|%s\n' "$(sed -n 's/^Set-Cookie: \(enclave_session=[0-9a-f]*\);.*/\1/p' "$hdr")" \
		"$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["csrf"])' "$body")"
	rm -f "$hdr"
}

reader=$(login reader)
rcookie=${reader%%|*}
curl -sf -H "Cookie: $rcookie" "$base/api/tasks/next" >/dev/null
sessions=""
for i in $(seq 1 "$writers"); do
	s=$(login "w$i")
	# The task in hand and the version of its draft (0: none yet).
	task=$(curl -sf -H "Cookie: ${s%%|*}" "$base/api/tasks/next" |
		python3 -c 'import json,sys; t = json.load(sys.stdin)
print("%d|%d" % (t["id"], (t["draft"] or {"version": 0})["version"]))')
	sessions="$sessions${sessions:+;}$s|$task"
done

# wrk_run NAME ARGS...: run wrk, keep its output in $work/NAME.txt
wrk_run() {
	local name=$1
	shift
	wrk --latency "$@" >"$work/$name.txt"
	cat "$work/$name.txt" >&2
}
# field FILE: "req/s p50 p99 non2xx"
fields() {
	awk '/Requests\/sec/ { rps = $2 }
	     /^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 }
	     /Non-2xx/ { bad = $NF }
	     END { printf "%s %s %s %s\n", rps, p50, p99, bad ? bad : 0 }' "$1"
}

for c in $rconns; do
	wrk_run "reads-$c" -t2 -c"$c" -d"${dur}s" -H "Cookie: $rcookie" "$base/api/tasks/next"
done
LABEL_SESSIONS="$sessions" wrk_run writes -t"$writers" -c"$writers" -d"${dur}s" \
	-s "$bench/label_http_save.lua" "$base/api/annotations"

read -r wr wp50 wp99 wbad <<<"$(fields "$work/writes.txt")"
"$enclave" -C "$proj" audit verify >/dev/null || { echo "label_http: audit verify failed" >&2; exit 1; }
cores=$(nproc)
{
	echo "# Label server under wrk ($(date -u +%Y-%m-%d), $cores cores, $(uname -m))"
	echo
	echo "$ndocs documents and as many ner tasks in the store; \`enclave serve\` on"
	echo "loopback with ${threads:-its default} pool threads; wrk on the same machine (it shares"
	echo "the cores). ${dur} s per run."
	echo
	echo "| run | connections | req/s | p50 | p99 | non-2xx |"
	echo "|---|---|---|---|---|---|"
	for c in $rconns; do
		read -r rr rp50 rp99 rbad <<<"$(fields "$work/reads-$c.txt")"
		echo "| GET /api/tasks/next | $c | $rr | $rp50 | $rp99 | $rbad |"
	done
	echo "| POST /api/annotations (draft saves) | $writers | $wr | $wp50 | $wp99 | $wbad |"
	echo
	echo "Target: >= 5,000 reads/s with p99 < 20 ms on 2 cores. Every save is a"
	echo "transaction with its audit event and signed checkpoint, synchronous=FULL"
	echo "(one fsync of the WAL each), and the key/audit.head rewrite: the write rate"
	echo "is bound by the disk's fsync latency. \`audit verify\` passes afterwards."
} >"$report"
cat "$report"
