#!/bin/bash
# The breaker of the LLM tasks (docs/cli/augment.md, "When the endpoint goes
# away"): a qa run against a slow fakellm (--delay-ms, on loopback) whose
# server is SIGKILLed mid-run
#   - stops soon (well before it could have tried every remaining item),
#     exit 1, with a message naming the endpoint and its URL
#   - keeps the records it committed; its augment.run event has the counts,
#     not_sent and "stopped" (the reason)
#   - a rerun against the server restarted on the same port completes: the
#     records are then exactly those of an uninterrupted reference run, no
#     key and no (document, chunk, variant) doubled; one more run makes
#     nothing
set -u
. "$(dirname "$0")/lib.sh"
need_env
setup_tmp augment-llm-breaker

E=$ENCLAVE
# serve [PORT]: a slow fakellm (on PORT, or any), its port in PORT.
serve() {
	fakellm_start fake --listen 127.0.0.1 --port "${1:-0}" --delay-ms 40
	PORT=$PORT_fake
}
serve

CORPUS=$T/corpus
python3 - "$CORPUS" <<'PY' || fail "writing the corpus"
import os, random, sys
root = sys.argv[1]
rnd = random.Random(5)
words = "ledger budget report office committee archive contract invoice policy memo".split()
os.makedirs(root)
for i in range(40):
    sents = []
    for _ in range(rnd.randint(4, 8)):
        sents.append(" ".join(rnd.choice(words) for _ in range(rnd.randint(6, 14))).capitalize() + ".")
    with open(os.path.join(root, "note%02d.txt" % i), "w") as f:
        f.write(" ".join(sents) + "\n")
PY
BASE=$T/base
expect_rc 0 "init" "$E" init "$BASE"
expect_rc 0 "ingest" "$E" -C "$BASE" ingest -q "$CORPUS"
expect_rc 0 "clean" "$E" -C "$BASE" clean --pii --operator tag -q
printf 'llm:\n  slow:\n    kind: ollama\n    base_url: http://127.0.0.1:%s\n    model: fake\n    retries: 1\n    backoff: 0.2\n' \
	"$PORT" >>"$BASE/enclave.yaml"
ARGS=(augment --task qa --llm slow --n 2 --seed 3 --in-flight 4 --chunk-by sentences --chunk-size 2)
db() { sqlite3 "$1/enclave.db" "$2"; }

cp -a "$BASE" "$T/ref"
expect_rc 0 "reference run" "$E" -C "$T/ref" "${ARGS[@]}" --json
NREF=$(db "$T/ref" "SELECT count(*) FROM records")
ITEMS=$(json_field <(echo "$OUT") items)
[ "$NREF" -ge 150 ] || fail "the reference made only $NREF records: $OUT"
note "reference: $NREF records of $ITEMS items"

# The run, and the server killed once some groups are in.
P=$T/p
cp -a "$BASE" "$P"
"$E" -C "$P" "${ARGS[@]}" >"$T/run.out" 2>"$T/run.err" &
RUN=$!
for _ in $(seq 400); do
	n=$(db "$P" "SELECT count(*) FROM records" 2>/dev/null || echo 0)
	[ "${n:-0}" -ge 40 ] && break
	sleep 0.025
done
fakellm_kill fake KILL
t0=$(date +%s%N)
rc=0
wait "$RUN" || rc=$?
STOP_MS=$((($(date +%s%N) - t0) / 1000000))
ERR=$(cat "$T/run.err")
sanitizer_clean "$ERR" "the stopped run"
KEPT=$(db "$P" "SELECT count(*) FROM records")
note "stopped ${STOP_MS} ms after the kill with $KEPT of $NREF records: $ERR"
assert_eq 1 "$rc" "the run stops with exit 1"
assert_contains "$ERR" "could not reach LLM endpoint 'slow' (http://127.0.0.1:$PORT)" \
	"the message names the endpoint and its URL"
assert_contains "$ERR" "run it again to resume" "the message says how to go on"
[ "$KEPT" -ge 40 ] && [ "$KEPT" -lt "$NREF" ] || fail "kept $KEPT of $NREF records"
# Each item unreachable costs its retry (0.2 s backoff): trying every
# remaining one, 4 at a time, would take far longer than the breaker's 8.
[ "$STOP_MS" -lt 8000 ] || fail "the run took ${STOP_MS} ms to stop"
python3 - "$P/enclave.db" "$KEPT" <<'PY' || fail "the augment.run event of the stopped run"
import json, sqlite3, sys
con = sqlite3.connect(sys.argv[1])
(outputs,) = con.execute("SELECT outputs FROM audit WHERE action = 'augment.run'"
                         " ORDER BY seq DESC LIMIT 1").fetchone()
o = json.loads(outputs)
assert o["stopped"] and "could not reach LLM endpoint 'slow'" in o["stopped"], o
assert o["made"] == int(sys.argv[2]), (o["made"], sys.argv[2])
assert o["not_sent"] >= 1, o
assert o["errors"] >= 8, o
assert o["made"] + o["errors"] + o["not_sent"] + o["rejected"] <= o["items"], o
PY
expect_rc 0 "audit verify after the stop" "$E" -C "$P" audit verify

# Resumed against the server restarted on the same port.
serve "$PORT"
expect_rc 0 "rerun" "$E" -C "$P" "${ARGS[@]}" --json
assert_eq "$KEPT" "$(json_field <(echo "$OUT") skipped)" "the rerun skips what was kept"
assert_eq "$NREF" "$(db "$P" "SELECT count(*) FROM records")" "records after the rerun"
cmp -s <(db "$T/ref" "SELECT key, document_id, chunk, text_sha256 FROM records ORDER BY key") \
	<(db "$P" "SELECT key, document_id, chunk, text_sha256 FROM records ORDER BY key") ||
	fail "the records differ from the reference's"
assert_eq 0 "$(db "$P" "SELECT count(*) FROM (SELECT document_id, chunk,
	json_extract(lineage, '$.variant') v FROM records GROUP BY 1, 2, 3 HAVING count(*) > 1)")" \
	"no (document, chunk, variant) doubled"
expect_rc 0 "one more run" "$E" -C "$P" "${ARGS[@]}" --json
assert_contains "$OUT" '"made":0' "a finished run makes nothing"

expect_rc 2 "a bad --max-unreachable" "$E" -C "$P" "${ARGS[@]}" --max-unreachable -1
assert_contains "$ERR" "--max-unreachable is a number from 0" "the usage error names the option"
note "augment LLM breaker test passed"
exit 0
