#!/bin/bash
# Crash safety of `enclave clean --pii` (docs/cli/clean.md: "killing the
# command loses only the uncommitted group, and running it again completes
# the work").
#
# A corpus of ~150 text notes with planted e-mail addresses, phone numbers
# and SSNs is ingested once; a copy of that project is cleaned in full
# (--operator tag) as the reference, timing the run. Then CLEAN_CRASH_ITERATIONS
# times (default 8) a copy of the ingested project is cleaned and SIGKILLed
# after a random delay spread over that duration, half of the iterations on
# a project that accumulates interrupted runs. After every kill:
#   - PRAGMA integrity_check is "ok" and foreign_key_check is empty
#   - `enclave audit verify` exits 0
#   - every redacted layer has a clean.pii.document event naming its blob
#     (same transaction), and the blob exists and hashes to its name
#   - no span has an output range without its document's redacted layer
# Then the run is completed: exit 0, every ok document has a redacted layer,
# and the exported data.jsonl is the reference's, line for line. The seed
# is printed; CLEAN_CRASH_SEED=N replays it.
set -u
. "$(dirname "$0")/lib.sh"
need_env
setup_tmp clean-crash

E=$ENCLAVE
crash_setup CLEAN_CRASH 8

CORPUS=$T/corpus
python3 - "$CORPUS" <<'EOF' || fail "writing the corpus"
import os, random, sys
root = sys.argv[1]
rnd = random.Random(11)
words = "ledger budget report office committee archive contract invoice policy memo".split()
os.makedirs(root)
for i in range(150):
    paras = []
    for _ in range(rnd.randint(3, 40)):
        p = " ".join(rnd.choice(words) for _ in range(rnd.randint(10, 60)))
        r = rnd.random()
        if r < 0.3:
            p += " Write to user%d@example.com for details." % rnd.randint(1, 999)
        elif r < 0.45:
            p += " SSN 078-%02d-%04d on file." % (rnd.randint(10, 99), rnd.randint(1000, 9999))
        elif r < 0.6:
            p += " Call (212) 555-%04d today." % rnd.randint(1000, 9999)
        paras.append(p.capitalize() + ".")
    with open(os.path.join(root, "note%03d.txt" % i), "w") as f:
        f.write("\n\n".join(paras) + "\n")
EOF

BASE=$T/base
expect_rc 0 "init" "$E" init "$BASE"
expect_rc 0 "ingest" "$E" -C "$BASE" ingest -q "$CORPUS"
NDOCS=$(sqlite3 "$BASE/enclave.db" "SELECT count(*) FROM documents WHERE status = 'ok'")

# The reference: a full clean, timed.
cp -a "$BASE" "$T/ref"
t0=$(date +%s%N)
expect_rc 0 "reference clean" "$E" -C "$T/ref" clean --pii --operator tag -q
t1=$(date +%s%N)
FULL_MS=$(((t1 - t0) / 1000000))
[ "$FULL_MS" -ge 50 ] || FULL_MS=50
expect_rc 0 "reference export" "$E" -C "$T/ref" export "$T/ref-export"
note "reference clean of $NDOCS documents: ${FULL_MS} ms"

# check.py DIR: the invariants after any kill; prints the redacted documents.
cat >"$T/check.py" <<'EOF'
import hashlib, json, os, sqlite3, sys
d = sys.argv[1]
con = sqlite3.connect("file:%s/enclave.db?mode=ro" % d, uri=True)
bad = []
layers = dict(con.execute("SELECT document_id, blob FROM texts WHERE layer = 'redacted'"))
events = {}
for subject, outputs in con.execute(
        "SELECT subject, outputs FROM audit WHERE action = 'clean.pii.document'"):
    events.setdefault(int(subject.split(":")[1]), []).append(json.loads(outputs))
for doc, blob in layers.items():
    if not any(e.get("redacted_sha256") == blob for e in events.get(doc, [])):
        bad.append("document %d: its redacted layer has no event" % doc)
    p = os.path.join(d, "blobs", blob[:2], blob[2:])
    if not os.path.isfile(p) or hashlib.sha256(open(p, "rb").read()).hexdigest() != blob:
        bad.append("document %d: redacted blob missing or cut" % doc)
for (doc,) in con.execute("SELECT DISTINCT document_id FROM spans WHERE out_start IS NOT NULL"):
    if doc not in layers:
        bad.append("document %d: spans with output ranges but no redacted layer" % doc)
for b in bad:
    print("INCONSISTENT: " + b, file=sys.stderr)
print(len(layers))
sys.exit(1 if bad else 0)
EOF

SAME=$T/same
KILLED=0
for ((i = 0; i < ITER; i++)); do
	crash_round "$i" clean clean --pii --operator tag -q
	REDACTED=$CHECKED
	note "iteration $i: $(basename "$PROJ"): $HOW: $REDACTED of $NDOCS redacted, checks ok"
done

for proj in "$T/fresh" "$SAME"; do
	name=$(basename "$proj")
	expect_rc 0 "$name: completing clean" "$E" -C "$proj" clean --pii --operator tag -q
	crash_check "$proj" "$name after completion"
	REDACTED=$CHECKED
	assert_eq "$NDOCS" "$REDACTED" "$name: redacted documents after completion"
	expect_rc 0 "$name: export" "$E" -C "$proj" export "$T/export-$name"
	# Same documents, same redacted texts, blocks and redactions as the reference.
	python3 - "$T/ref-export/data.jsonl" "$T/export-$name/data.jsonl" <<'EOF' ||
import json, sys
a, b = ([json.loads(l) for l in open(f)] for f in sys.argv[1:3])
key = lambda d: (d["text"], json.dumps(d["blocks"], sort_keys=True), d["redactions"])
sys.exit(0 if [key(d) for d in a] == [key(d) for d in b] else 1)
EOF
		fail "$name: the export differs from the reference's"
	note "$name: complete and identical to the reference"
done
note "clean crash test passed ($KILLED kills mid-run)"
exit 0
