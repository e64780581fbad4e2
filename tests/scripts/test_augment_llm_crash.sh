#!/bin/bash
# Resumable LLM augment runs (docs/cli/augment.md): `augment --task qa
# --llm ...` against a slow fakellm (--delay-ms, on loopback) is SIGKILLed
# at random points, AUGMENT_LLM_CRASH_ITERATIONS times (default 6), half of
# them on a project that accumulates interrupted runs. After every kill:
#   - PRAGMA integrity_check is "ok", `enclave audit verify` exits 0
#   - every record's key is named by an augment.records event, and no key
#     and no (document, chunk, variant) is doubled
# Then the run is completed, and the records (key, text hash, payload) are
# exactly those of an uninterrupted reference run; one more run makes
# nothing. AUGMENT_LLM_CRASH_SEED=N replays the delays.
set -u
. "$(dirname "$0")/lib.sh"
need_env
setup_tmp augment-llm-crash

E=$ENCLAVE
crash_setup AUGMENT_LLM_CRASH 6
fakellm_start fake --listen 127.0.0.1 --delay-ms 15
PORT=$PORT_fake

CORPUS=$T/corpus
python3 - "$CORPUS" <<'PY' || fail "writing the corpus"
import os, random, sys
root = sys.argv[1]
rnd = random.Random(11)
words = "ledger budget report office committee archive contract invoice policy memo".split()
os.makedirs(root)
for i in range(60):
    sents = []
    for _ in range(rnd.randint(3, 8)):
        s = " ".join(rnd.choice(words) for _ in range(rnd.randint(6, 16)))
        if rnd.random() < 0.3:
            s += " write to clerk%d@example.com" % rnd.randint(1, 99)
        sents.append(s.capitalize() + ".")
    with open(os.path.join(root, "note%02d.txt" % i), "w") as f:
        f.write(" ".join(sents) + "\n")
PY
BASE=$T/base
expect_rc 0 "init" "$E" init "$BASE"
expect_rc 0 "ingest" "$E" -C "$BASE" ingest -q "$CORPUS"
expect_rc 0 "clean" "$E" -C "$BASE" clean --pii --operator tag -q
printf 'llm:\n  slow:\n    kind: ollama\n    base_url: http://127.0.0.1:%s\n    model: fake\n' \
	"$PORT" >>"$BASE/enclave.yaml"
ARGS=(augment --task qa --llm slow --n 3 --seed 9 --in-flight 4 --chunk-by sentences --chunk-size 2)

cp -a "$BASE" "$T/ref"
t0=$(date +%s%N)
expect_rc 0 "reference run" "$E" -C "$T/ref" "${ARGS[@]}" --json
t1=$(date +%s%N)
FULL_MS=$(((t1 - t0) / 1000000))
[ "$FULL_MS" -ge 50 ] || FULL_MS=50
NREF=$(sqlite3 "$T/ref/enclave.db" "SELECT count(*) FROM records")
[ "$NREF" -ge 200 ] || fail "the reference made only $NREF records: $OUT"
note "reference: $NREF records in ${FULL_MS} ms: $OUT"

records() {
	sqlite3 "$1/enclave.db" "SELECT key, document_id, chunk, text_sha256, payload FROM records ORDER BY key"
}
records "$T/ref" >"$T/ref.records"

cat >"$T/check.py" <<'PY'
import json, sqlite3, sys
con = sqlite3.connect("file:%s/enclave.db?mode=ro" % sys.argv[1], uri=True)
bad = []
audited = set()
for (outputs,) in con.execute("SELECT outputs FROM audit WHERE action = 'augment.records'"):
    for r in json.loads(outputs)["records"]:
        audited.add(r["key"])
rows = con.execute("SELECT key, document_id, chunk, json_extract(lineage, '$.variant')"
                   " FROM records").fetchall()
for key, _, _, _ in rows:
    if key not in audited:
        bad.append("record %s has no augment.records event" % key[:12])
places = [(d, c, v) for _, d, c, v in rows]
if len(set(places)) != len(places):
    bad.append("a (document, chunk, variant) is doubled")
if len(set(k for k, _, _, _ in rows)) != len(rows):
    bad.append("a key is doubled")
for b in bad[:5]:
    print("INCONSISTENT: " + b, file=sys.stderr)
print(len(rows))
sys.exit(1 if bad else 0)
PY

SAME=$T/same
KILLED=0
for ((i = 0; i < ITER; i++)); do
	crash_round "$i" "augment qa" "${ARGS[@]}"
	note "iteration $i: $(basename "$PROJ"): $HOW: $CHECKED of $NREF records, checks ok"
done
[ "$KILLED" -ge 1 ] || note "no kill landed mid-run (all runs finished first)"

for proj in "$T/fresh" "$SAME"; do
	name=$(basename "$proj")
	expect_rc 0 "$name: completing run" "$E" -C "$proj" "${ARGS[@]}"
	crash_check "$proj" "$name after completion"
	assert_eq "$NREF" "$CHECKED" "$name: records after completion"
	records "$proj" >"$T/$name.records"
	cmp -s "$T/ref.records" "$T/$name.records" || fail "$name: the records differ from the reference's"
	expect_rc 0 "$name: rerun" "$E" -C "$proj" "${ARGS[@]}" --json
	assert_contains "$OUT" '"made":0' "$name: a finished run makes nothing"
	assert_contains "$OUT" "\"skipped\":$NREF" "$name: a finished run skips every item"
	note "$name: complete and identical to the reference"
done
note "augment LLM crash test passed ($KILLED kills mid-run)"
exit 0
