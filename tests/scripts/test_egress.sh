#!/bin/bash
# The egress guard seen from the CLI: `enclave llm list|check` against
# fakellm servers on loopback (tests/tools/fakellm.c). Nothing here points at
# an address outside 127.0.0.0/8.
#
#   - check of an ollama and an openai endpoint: models, digests, "served"
#   - a model the endpoint does not serve: exit 1, saying so
#   - 127.0.0.2 not in the allowlist: refused (exit 1, address and port named),
#     an egress.refused audit event, and the fakellm listening there saw no
#     connection
#   - connection refused, timeout, a model list that is not JSON: exit 1,
#     each with its reason
#   - a host name not in the allowlist is not even resolved: under strace,
#     no /etc/hosts read and no inet socket; the control (the same name
#     listed) reads /etc/hosts and connects
#   - http_proxy and friends pointing at a counting "proxy": never contacted
set -u
. "$(dirname "$0")/lib.sh"
need_env
setup_tmp egress

fakellm_start a --listen 127.0.0.1
fakellm_start b --listen 127.0.0.2 --port "$PORT_a"
fakellm_start slow --listen 127.0.0.1 --delay-ms 3000
fakellm_start bad --listen 127.0.0.1 --bad-models
fakellm_start proxy --listen 127.0.0.1
# A port with no listener: one fakellm started and stopped.
fakellm_start gone --listen 127.0.0.1
fakellm_kill gone

P=$T/project
expect_rc 0 "init" "$ENCLAVE" init "$P"
expect_rc 0 "llm list with no endpoint" "$ENCLAVE" -C "$P" llm list
assert_contains "$OUT" "no LLM endpoints configured" "llm list, empty"

cat >>"$P/enclave.yaml" <<EOF
llm:
  local:
    kind: ollama
    base_url: http://127.0.0.1:$PORT_a
    model: fake
  oa:
    kind: openai
    base_url: http://localhost:$PORT_a/v1
    model: tiny
  missing:
    kind: ollama
    base_url: http://127.0.0.1:$PORT_a
    model: llama9:400b
  far:
    kind: ollama
    base_url: http://127.0.0.2:$PORT_a
    model: fake
    allow: [127.0.0.1:$PORT_a]
  gone:
    kind: ollama
    base_url: http://127.0.0.1:$PORT_gone
    model: fake
    retries: 0
  slow:
    kind: openai
    base_url: http://127.0.0.1:$PORT_slow
    timeout: 0.5
    retries: 1
    backoff: 0.1
  bad:
    kind: ollama
    base_url: http://127.0.0.1:$PORT_bad
    model: fake
EOF

expect_rc 0 "llm list" "$ENCLAVE" -C "$P" llm list --json
assert_eq 7 "$(printf '%s\n' "$OUT" | grep -c '^{"name":')" "llm list --json: one line each"
assert_contains "$OUT" '"name":"far","kind":"ollama","base_url":"http://127.0.0.2:' "list far"
assert_contains "$OUT" "\"allow\":[\"127.0.0.1:$PORT_a\"]" "list far: its allowlist"

expect_rc 0 "check ollama" "$ENCLAVE" -C "$P" llm check local
assert_contains "$OUT" "fake:latest                      sha256:3f1b5c7e" "check local: digest"
assert_contains "$OUT" "model 'fake': served, digest sha256:3f1b5c7e" "check local: served"
expect_rc 0 "check openai --json" "$ENCLAVE" -C "$P" llm check oa --json
assert_contains "$OUT" '"served":true' "check oa: served"
assert_contains "$OUT" '{"name":"tiny","digest":null,"size":null}' "check oa: ids, no digest"

expect_rc 1 "check of a model not served" "$ENCLAVE" -C "$P" llm check missing
assert_contains "$ERR" "endpoint 'missing' does not serve the model 'llama9:400b'" "missing"
expect_rc 1 "check of an unknown endpoint" "$ENCLAVE" -C "$P" llm check nosuch
assert_contains "$ERR" "no endpoint 'nosuch'" "unknown endpoint"
expect_rc 2 "check without a name" "$ENCLAVE" -C "$P" llm check

before=$(fakellm_conns 127.0.0.2 "$PORT_a")
expect_rc 1 "check of a refused address" "$ENCLAVE" -C "$P" llm check far
assert_contains "$ERR" "endpoint 'far': egress refused: 127.0.0.2 port $PORT_a: address not in the allowlist" "far"
after=$(fakellm_conns 127.0.0.2 "$PORT_a")
assert_eq $((before + 1)) "$after" "connections seen by 127.0.0.2 (only the stats queries)"
expect_rc 0 "audit log" "$ENCLAVE" -C "$P" audit log --json
assert_match "$OUT" '"action":"egress.refused".*"params":\{"address":"127.0.0.2",.*"subject":"llm:far"' "audit event"

expect_rc 1 "check of a closed port" "$ENCLAVE" -C "$P" llm check gone
assert_match "$ERR" "endpoint 'gone': .*(Connection refused|Failed to connect|onnect)" "gone"
t0=$(date +%s.%N)
expect_rc 1 "check of a slow endpoint" "$ENCLAVE" -C "$P" llm check slow
assert_contains "$ERR" "after 2 attempts" "slow: retried once"
assert_contains "$ERR" "timed out" "slow: timeout"
took=$(python3 -c "print(int(($(date +%s.%N) - $t0) * 1000))")
[ "$took" -lt 2900 ] || fail "the 0.5 s timeout took $took ms"
expect_rc 1 "check of a model list that is not JSON" "$ENCLAVE" -C "$P" llm check bad
assert_contains "$ERR" "endpoint 'bad': malformed model list" "bad"

# ---------------------------------------------------------------- proxies ignored
before=$(fakellm_conns 127.0.0.1 "$PORT_proxy")
for v in http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY; do
	export "$v=http://127.0.0.1:$PORT_proxy"
done
unset no_proxy NO_PROXY
expect_rc 0 "check with proxy variables set" "$ENCLAVE" -C "$P" llm check local
# Control: curl itself honours them (so the variables do point somewhere live).
curl -s -o /dev/null "http://127.0.0.1:$PORT_a/api/tags" || true
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY
after=$(fakellm_conns 127.0.0.1 "$PORT_proxy")
assert_eq $((before + 2)) "$after" "proxy connections (curl's control and the stats query, not enclave)"

# ---------------------------------------------------------------- names not resolved
if ! command -v strace >/dev/null 2>&1 || ! strace -f -o /dev/null true 2>/dev/null; then
	note "SKIP the resolution check: strace cannot trace here"
else
	# A name of /etc/hosts for a loopback address other than "localhost", so
	# the control resolves it from the file, never from DNS.
	name=$(awk '$1 ~ /^127\./ { for (i = 2; i <= NF; i++) if ($i != "localhost" && $i !~ /^#/) { print $i; exit } }' /etc/hosts)
	if [ -z "$name" ]; then
		note "SKIP the resolution check: /etc/hosts names no loopback host but localhost"
	else
		cat >>"$P/enclave.yaml" <<EOF
  unlisted:
    kind: ollama
    base_url: http://$name:$PORT_a
    model: fake
  listed:
    kind: ollama
    base_url: http://$name:$PORT_a
    model: fake
    allow: [$name:$PORT_a, 127.0.0.0/8]
EOF
		ASAN_OPTIONS=detect_leaks=0 strace -f -qq -e trace=openat,socket,connect \
			-o "$T/unlisted.trace" "$ENCLAVE" -C "$P" llm check unlisted \
			>"$T/unlisted.out" 2>"$T/unlisted.err" && fail "check unlisted succeeded"
		assert_contains "$(cat "$T/unlisted.err")" \
			"egress refused: $name port $PORT_a: host name not in the allowlist (not resolved)" "unlisted"
		if grep -Eq '/etc/hosts|/etc/resolv.conf|AF_INET' "$T/unlisted.trace"; then
			grep -E '/etc/hosts|/etc/resolv.conf|AF_INET' "$T/unlisted.trace" >&2
			fail "the unlisted name was looked up or a socket was made"
		fi
		ASAN_OPTIONS=detect_leaks=0 strace -f -qq -e trace=openat,socket,connect \
			-o "$T/listed.trace" "$ENCLAVE" -C "$P" llm check listed \
			>"$T/listed.out" 2>"$T/listed.err" ||
			fail "check listed failed: $(cat "$T/listed.err")"
		grep -q '/etc/hosts' "$T/listed.trace" ||
			fail "control: the listed name was resolved without reading /etc/hosts?"
		grep -Eq "connect\(.*htons\($PORT_a\)" "$T/listed.trace" ||
			fail "control: no connect to port $PORT_a seen by strace"
		note "resolution check: '$name' unlisted: no lookup, no socket; listed: resolved and connected"
	fi
fi
note "egress test passed"
