#!/bin/bash
# The LLM client's own overhead: requests/s of enclave_llm_chat_many
# (tests/tools/llmbench.c) against fakellm (tests/tools/fakellm.c) on
# loopback, which answers at once, so the figures are the client's and the
# test server's cost, no model's. Both APIs, streamed and not, 16 requests
# in flight (and 1, for reference); and memory: the peak RSS of 1,000 and
# of 10,000 requests (/usr/bin/time -v), which must be about the same.
# When wrk is installed, the same server under wrk (16 connections, POST
# /api/chat) gives the server's own ceiling.
#
# Usage: bench/llm_client.sh ENCLAVE_BINARY
# Env:   TOOLS_DIR      where llmbench and fakellm are (default: the binary's
#                       folder/tests: a build with -DENCLAVE_BUILD_TESTS=ON)
#        BENCH_LLM_N    requests per throughput run (default 5000)
# Writes bench/out/llm_client.md and prints it.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: bench/llm_client.sh ENCLAVE_BINARY" >&2; exit 2; }
bench=$(cd "$(dirname "$0")" && pwd)
tools="${TOOLS_DIR:-$(dirname "$(realpath "$1")")/tests}"
n="${BENCH_LLM_N:-5000}"
report="$bench/out/llm_client.md"

skip() { echo "skip: llm_client: $*"; exit 0; }
[ -x "$tools/llmbench" ] && [ -x "$tools/fakellm" ] ||
	skip "no llmbench/fakellm in $tools (build with -DENCLAVE_BUILD_TESTS=ON, or set TOOLS_DIR)"
[ -x /usr/bin/time ] || skip "/usr/bin/time not installed (scripts/deps.sh bench)"
mkdir -p "$bench/out"
tmp=$(mktemp -d)
"$tools/fakellm" --listen 127.0.0.1 >"$tmp/port" 2>"$tmp/fake.err" &
fake=$!
trap 'kill $fake 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do
	port=$(awk '/^port /{print $2}' "$tmp/port")
	[ -n "$port" ] && break
	sleep 0.05
done
[ -n "$port" ] || { echo "llm_client: fakellm did not start" >&2; exit 1; }
url="http://127.0.0.1:$port"

# rate KIND IN_FLIGHT [--stream]: requests/s of one run.
rate() {
	"$tools/llmbench" --url "$url" --kind "$1" --in-flight "$2" --n "$n" ${3:-} |
		awk '{ for (i = 1; i <= NF; i++) if ($i == "req_per_s") print $(i + 1) }'
}

# rss N: peak RSS (KiB) of N requests, ollama, 16 in flight.
rss() {
	/usr/bin/time -v "$tools/llmbench" --url "$url" --n "$1" --in-flight 16 \
		>/dev/null 2>"$tmp/time" || { cat "$tmp/time" >&2; exit 1; }
	awk -F': ' '/Maximum resident set size/ { print $2 }' "$tmp/time"
}

"$tools/llmbench" --url "$url" --n 200 --in-flight 16 >/dev/null # warm-up
{
	echo "# LLM client: requests/s against fakellm on loopback"
	echo
	echo "$(nproc) cores, $n requests a run, $(date -u +%Y-%m-%d)."
	echo
	echo "| API | reply | in flight | requests/s |"
	echo "|---|---|---|---|"
	for kind in ollama openai; do
		echo "| $kind | whole | 16 | $(rate $kind 16) |"
		echo "| $kind | streamed | 16 | $(rate $kind 16 --stream) |"
		echo "| $kind | whole | 1 | $(rate $kind 1) |"
	done
	echo
	r1=$(rss 1000)
	r2=$(rss 10000)
	echo "Peak RSS (ollama, 16 in flight): 1,000 requests $r1 KiB, 10,000 requests $r2 KiB."
	if command -v wrk >/dev/null; then
		cat >"$tmp/post.lua" <<'EOF'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"fake","messages":[{"role":"user","content":"request number 1 of the bench"}],"stream":false,"options":{}}'
EOF
		w=$(wrk -t2 -c16 -d5s -s "$tmp/post.lua" "$url/api/chat" | awk '/Requests\/sec/ { print $2 }')
		echo
		echo "The server's ceiling: wrk, 16 connections, POST /api/chat: $w requests/s."
	fi
} >"$report"
cat "$report"
