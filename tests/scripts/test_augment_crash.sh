#!/bin/bash
# Resumable augment runs (docs/cli/augment.md: "a killed run loses at most
# the group in flight; running it again completes the work with no record
# twice").
#
# A corpus of 300 notes with planted e-mail addresses, phone numbers and
# SSNs is ingested and cleaned (--pii) once. A copy runs `augment --task
# entity-swap --n 4` in full: the reference, timed. Then
# AUGMENT_CRASH_ITERATIONS times (default 6) a copy is run and SIGKILLed
# after a random delay spread over that duration, half of the iterations on
# a project that accumulates interrupted runs. After every kill:
#   - PRAGMA integrity_check is "ok", `enclave audit verify` exits 0
#   - every record's key is named by an augment.records event (committed
#     in the same transaction), and no key or (document, variant) is doubled
# Then the run is completed, and the records (key -> text hash, payload)
# are exactly the reference's. The seed is printed; AUGMENT_CRASH_SEED=N
# replays it.
set -u
. "$(dirname "$0")/lib.sh"
need_env
setup_tmp augment-crash

E=$ENCLAVE
crash_setup AUGMENT_CRASH 6

CORPUS=$T/corpus
python3 - "$CORPUS" <<'PY' || fail "writing the corpus"
import os, random, sys
root = sys.argv[1]
rnd = random.Random(5)
words = "ledger budget report office committee archive contract invoice policy memo".split()
names = ["Ana Lima", "John Carter", "Maria Rossi", "Peter Novak"]
os.makedirs(root)
for i in range(300):
    paras = []
    for _ in range(rnd.randint(2, 6)):
        p = " ".join(rnd.choice(words) for _ in range(rnd.randint(8, 30)))
        r = rnd.random()
        if r < 0.4:
            p += " Write to user%d@example.com for details." % rnd.randint(1, 999)
        elif r < 0.6:
            p += " SSN 078-%02d-%04d on file." % (rnd.randint(10, 99), rnd.randint(1000, 9999))
        else:
            p += " Call (212) 555-%04d today." % rnd.randint(1000, 9999)
        paras.append(p.capitalize() + ".")
    with open(os.path.join(root, "note%03d.txt" % i), "w") as f:
        f.write("\n\n".join(paras) + "\n")
PY

BASE=$T/base
expect_rc 0 "init" "$E" init "$BASE"
expect_rc 0 "ingest" "$E" -C "$BASE" ingest -q "$CORPUS"
expect_rc 0 "clean" "$E" -C "$BASE" clean --pii --operator tag -q
ARGS=(augment --task entity-swap --n 4 --seed 3)

cp -a "$BASE" "$T/ref"
t0=$(date +%s%N)
expect_rc 0 "reference run" "$E" -C "$T/ref" "${ARGS[@]}"
t1=$(date +%s%N)
FULL_MS=$(((t1 - t0) / 1000000))
[ "$FULL_MS" -ge 50 ] || FULL_MS=50
NREF=$(sqlite3 "$T/ref/enclave.db" "SELECT count(*) FROM records")
[ "$NREF" -ge 1000 ] || fail "the reference made only $NREF records"
note "reference: $NREF records in ${FULL_MS} ms"

# records DIR: one line per record, sorted: key, document, text hash, payload.
records() {
	sqlite3 "$1/enclave.db" "SELECT key, document_id, text_sha256, payload FROM records ORDER BY key"
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
rows = con.execute("SELECT key, document_id, json_extract(payload, '$.variant') FROM records").fetchall()
for key, doc, variant in rows:
    if key not in audited:
        bad.append("record %s has no augment.records event" % key[:12])
places = [(d, v) for _, d, v in rows]
if len(set(places)) != len(places):
    bad.append("a (document, variant) is doubled")
if len(set(k for k, _, _ in rows)) != len(rows):
    bad.append("a key is doubled")
for b in bad[:5]:
    print("INCONSISTENT: " + b, file=sys.stderr)
print(len(rows))
sys.exit(1 if bad else 0)
PY

SAME=$T/same
KILLED=0
for ((i = 0; i < ITER; i++)); do
	crash_round "$i" augment "${ARGS[@]}"
	COUNT=$CHECKED
	note "iteration $i: $(basename "$PROJ"): $HOW: $COUNT of $NREF records, checks ok"
done

for proj in "$T/fresh" "$SAME"; do
	name=$(basename "$proj")
	expect_rc 0 "$name: completing run" "$E" -C "$proj" "${ARGS[@]}"
	crash_check "$proj" "$name after completion"
	COUNT=$CHECKED
	assert_eq "$NREF" "$COUNT" "$name: records after completion"
	records "$proj" >"$T/$name.records"
	cmp -s "$T/ref.records" "$T/$name.records" || fail "$name: the records differ from the reference's"
	# One more run adds nothing.
	expect_rc 0 "$name: rerun" "$E" -C "$proj" "${ARGS[@]}" --json
	assert_contains "$OUT" '"made":0' "$name: a finished run makes nothing"
	assert_contains "$OUT" "\"skipped\":$NREF" "$name: a finished run skips every item"
	note "$name: complete and identical to the reference"
done
note "augment crash test passed ($KILLED kills mid-run)"
exit 0
