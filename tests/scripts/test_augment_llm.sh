#!/bin/bash
# The LLM tasks of `enclave augment` (docs/cli/augment.md) against fakellm
# servers on loopback (tests/tools/fakellm.c answers them deterministically
# from the prompt; its rules are at the top of that file). Nothing here
# points at an address outside 127.0.0.0/8.
#
#   - qa (ollama): every pair's evidence is context[start:end] (code points)
#     and supports the answer; a document saying fake:unsupported gives no
#     pair (rejected after the retries); fake:badonce passes on the retry;
#     lineage names the endpoint, model, digest and the template's hash,
#     whose text is in the blob store; a rerun makes nothing; the same
#     model name with another digest (fakellm --digest) makes them again
#   - instruct, summary (openai), paraphrase: the variant's spans cover
#     exactly the redaction tags; placeholder directives rejected
#   - suggest-labels: classes from the schema, entity offsets into the
#     document text the label app uses (original layer with --allow-pii)
#   - judge --min-score: the records scored below it are rejected, no other
#   - the PII guard: an unredacted document refused unless --allow-pii, and
#     then named in the augment.run event
#   - the project split: no source from its test split or from a document
#     ingested since it was made; without one, a warning
#   - errors: an endpoint not running, a model not served, an address not
#     in the allowlist (refused before any connection), a failing item
#     counted without stopping the run; a template with an unknown
#     placeholder; an edited template makes new items
set -u
. "$(dirname "$0")/lib.sh"
need_env
setup_tmp augment-llm

E=$ENCLAVE
fakellm_start a --listen 127.0.0.1
fakellm_start b --listen 127.0.0.2 --port "$PORT_a"
fakellm_start gone --listen 127.0.0.1
fakellm_kill gone

CORPUS=$T/corpus
mkdir -p "$CORPUS"
cat >"$CORPUS/budget.txt" <<'EOF'
The annual budget was approved by the Finance Committee on the second day. Write to maria@example.com for the minutes of the meeting.

The regional office will move to a new building next year. Call 212-555-0143 to book a visit. Greta Lindqvist leads the Relocation Office team.
EOF
cat >"$CORPUS/unsupported.txt" <<'EOF'
Invoices are paid within thirty days of receipt. Late payments carry a small fee. fake:unsupported
EOF
cat >"$CORPUS/once.txt" <<'EOF'
The archive keeps every signed contract for ten years. fake:badonce
EOF
cat >"$CORPUS/placeholders.txt" <<'EOF'
Send the signed copy to legal@example.org before noon fake:badplaceholders today.

Forward the reminder to desk@example.org quickly fake:dupplaceholder today.

The committee meets every Tuesday in the large hall.
EOF
P=$T/project
expect_rc 0 "init" "$E" init "$P"
expect_rc 0 "ingest" "$E" -C "$P" ingest -q "$CORPUS"
expect_rc 0 "clean" "$E" -C "$P" clean --pii --operator tag -q
cat >>"$P/enclave.yaml" <<EOF
llm:
  local:
    kind: ollama
    base_url: http://127.0.0.1:$PORT_a
    model: fake
    retries: 0
  oa:
    kind: openai
    base_url: http://127.0.0.1:$PORT_a/v1
    model: tiny
    retries: 0
  missing:
    kind: ollama
    base_url: http://127.0.0.1:$PORT_a
    model: llama9:400b
  down:
    kind: ollama
    base_url: http://127.0.0.1:$PORT_gone
    model: fake
    connect_timeout: 2
  far:
    kind: ollama
    base_url: http://127.0.0.2:$PORT_a
    model: fake
    allow: [127.0.0.1:$PORT_a]
EOF
DB=$P/enclave.db
q() { sqlite3 "$DB" "$1"; }
# jf JSON FIELD: a field of a JSON object given as text ("null" for null).
jf() {
	python3 -c 'import json,sys; v=json.loads(sys.argv[1])[sys.argv[2]]; print("null" if v is None else v)' "$1" "$2"
}

# ---------------------------------------------------------------- qa
expect_rc 0 "qa" "$E" -C "$P" augment --task qa --llm local --n 2 --seed 4 --json
QA_JSON=$OUT
note "qa: $OUT"
[ "$(jf "$OUT" made)" -ge 4 ] || fail "qa made too few records: $OUT"
[ "$(jf "$OUT" rejected)" -ge 2 ] || fail "qa: the unsupported document was not rejected: $OUT"
[ "$(jf "$OUT" retries)" -ge 1 ] || fail "qa: no retry counted: $OUT"
assert_contains "$ERR" "evidence does not occur" "qa: the first failure is reported"
python3 - "$DB" "$P" <<'PY' || fail "qa records"
import hashlib, json, os, re, sqlite3, sys
con = sqlite3.connect(sys.argv[1])
proj = sys.argv[2]
rows = con.execute("SELECT r.text, r.payload, r.lineage, d.path FROM records r"
                   " JOIN documents d ON d.id = r.document_id WHERE kind = 'qa'").fetchall()
tmpl = open(os.path.join(proj, "templates", "qa.md"), "rb").read()
tsha = hashlib.sha256(tmpl).hexdigest()
once = 0
for text, payload, lineage, path in rows:
    p, l = json.loads(payload), json.loads(lineage)
    ev = p["evidence"]
    assert p["context"][ev["start"]:ev["end"]] == ev["text"], (ev, p["context"])
    assert text == p["answer"]
    words = lambda s: set(re.findall(r"\w+", s.lower()))
    assert words(p["answer"]) <= words(ev["text"]), (p["answer"], ev["text"])
    assert "unsupported" not in path, "a pair from the unsupported document"
    once += "once" in path
    assert l["generator"] == "enclave-augment/qa" and l["endpoint"] == "local"
    assert l["kind"] == "ollama" and l["model"] == "fake"
    assert l["model_digest"].startswith("sha256:")
    assert l["template"] == {"name": "qa", "sha256": tsha}, l["template"]
    assert l["source"]["chunk_sha256"] == hashlib.sha256(p["context"].encode()).hexdigest()
    assert l["seed"] == 4 and l["sampling"]["temperature"] == 0.7
    assert l["tokens"]["prompt"] > 0 and l["tokens"]["completion"] > 0
    assert os.path.exists(os.path.join(proj, "blobs", tsha[:2], tsha[2:])), "template blob"
    # The redacted layer went out, not the addresses.
    assert "@example.com" not in p["context"]
assert once == 2, "fake:badonce: expected its 2 variants after a retry, got %d" % once
PY
expect_rc 0 "qa rerun" "$E" -C "$P" augment --task qa --llm local --n 2 --seed 4 --json
assert_eq 0 "$(jf "$OUT" made)" "qa rerun makes nothing"
assert_eq "$(($(jf "$QA_JSON" made)))" "$(jf "$OUT" skipped)" "qa rerun skips what was made"

# The same model name with another digest (an updated model) makes new items.
NEWDIGEST=sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
fakellm_start upd --listen 127.0.0.1 --digest "$NEWDIGEST"
sed -i "s|base_url: http://127.0.0.1:$PORT_a\$|base_url: http://127.0.0.1:$PORT_upd|" "$P/enclave.yaml"
expect_rc 0 "qa, model updated" "$E" -C "$P" augment --task qa --llm local --n 2 --seed 4 --json
sed -i "s|base_url: http://127.0.0.1:$PORT_upd\$|base_url: http://127.0.0.1:$PORT_a|" "$P/enclave.yaml"
assert_eq "$NEWDIGEST" "$(jf "$OUT" model_digest)" "the new digest is reported"
assert_eq 0 "$(jf "$OUT" skipped)" "a new digest skips nothing"
assert_eq "$(jf "$QA_JSON" made)" "$(jf "$OUT" made)" "a new digest makes the items again"
assert_eq "$(jf "$QA_JSON" made)" "$(q "SELECT count(*) FROM records WHERE kind = 'qa' AND
	json_extract(lineage, '$.model_digest') = '$NEWDIGEST'")" "their lineage names the new digest"
expect_rc 0 "qa rerun, old digest" "$E" -C "$P" augment --task qa --llm local --n 2 --seed 4 --json
assert_eq 0 "$(jf "$OUT" made)" "the old digest's items are still there"

# ---------------------------------------------------------------- instruct, summary, paraphrase
expect_rc 0 "instruct (openai)" "$E" -C "$P" augment --task instruct --llm oa --json
[ "$(jf "$OUT" made)" -ge 3 ] || fail "instruct: $OUT"
assert_eq "null" "$(jf "$OUT" model_digest)" "openai reports no digest"
expect_rc 0 "summary" "$E" -C "$P" augment --task summary --llm oa --json --progress
[ "$(jf "$OUT" made)" -ge 3 ] || fail "summary: $OUT"
assert_contains "$ERR" "items/s" "--progress shows the rate"
assert_contains "$ERR" "tokens/s" "--progress shows tokens/s"
expect_rc 0 "paraphrase" "$E" -C "$P" augment --task paraphrase --llm local --json
note "paraphrase: $OUT"
assert_eq 2 "$(jf "$OUT" rejected)" "paraphrase: the two placeholder directives rejected"
python3 - "$DB" <<'PY' || fail "paraphrase records"
import json, sqlite3, sys
con = sqlite3.connect(sys.argv[1])
rows = con.execute("SELECT text, payload FROM records WHERE kind = 'paraphrase'").fetchall()
assert len(rows) >= 4, len(rows)
tagged = 0
for text, payload in rows:
    p = json.loads(payload)
    assert "fake:" not in p["source_text"] or "badonce" in p["source_text"] or "unsupported" in p["source_text"], p
    assert text != p["source_text"]
    assert text.lower() == p["source_text"].lower(), "one word changed in case only"
    for s in p["spans"]:
        assert text[s["start"]:s["end"]] == "[" + s["label"] + "]", (s, text)
        tagged += 1
    assert len(p["spans"]) == p["source_text"].count("[") - p["source_text"].count("[["), p
assert tagged >= 2, tagged
PY

# ---------------------------------------------------------------- suggest-labels
q "INSERT OR REPLACE INTO meta(key, value) VALUES('label.schema',
   '{\"ner\":[\"ORG\",\"PERSON\"],\"classes\":{\"name\":\"topic\",\"multi\":false,\"labels\":[\"finance\",\"legal\"]},\"boxes\":[],\"qa\":true}')"
expect_rc 1 "suggest-labels, original layer without --allow-pii" \
	"$E" -C "$P" augment --task suggest-labels --llm local --layer original
assert_contains "$ERR" "--allow-pii" "the original layer needs --allow-pii"
expect_rc 0 "suggest-labels" "$E" -C "$P" augment --task suggest-labels --llm local \
	--layer original --allow-pii --json
[ "$(jf "$OUT" made)" -ge 4 ] || fail "suggest-labels: $OUT"
python3 - "$DB" <<'PY' || fail "suggest-labels records"
import json, sqlite3, sys
con = sqlite3.connect(sys.argv[1])
ents = 0
for doc, chunk, text, payload in con.execute(
        "SELECT document_id, chunk, text, payload FROM records WHERE kind = 'suggest-labels'"):
    p = json.loads(payload)
    assert chunk is None and p["layer"] == "original", (chunk, p)
    assert p["classes"] == ["finance"], p
    assert p["dropped"] >= 1, "the entity not in the text is dropped"
    body = "\n\n".join(t for (t,) in con.execute(
        "SELECT text FROM blocks WHERE document_id = ? ORDER BY seq", (doc,)))
    for e in p["entities"]:
        assert body[e["start"]:e["end"]] == e["text"], (e, body)
        assert e["label"] == "ORG"
        ents += 1
    assert text.startswith("classes: finance; entities: ")
assert ents >= 2, ents
PY
run sqlite3 "$DB" "SELECT params FROM audit WHERE action = 'augment.run' AND subject = 'suggest-labels'"
assert_contains "$OUT" '"allow_pii":true' "the PII override is audited"
assert_contains "$OUT" '"layer":"original"' "the layer is audited"

# ---------------------------------------------------------------- judge
expect_rc 0 "judge" "$E" -C "$P" augment --task judge --llm local --kind qa --min-score 3 --json
note "judge: $OUT"
NQA=$(q "SELECT count(*) FROM records WHERE kind = 'qa'")
assert_eq "$NQA" "$(jf "$OUT" made)" "judge scores every qa record"
python3 - "$DB" "$(jf "$OUT" judged_rejected)" <<'PY' || fail "judge records"
import json, sqlite3, sys
con = sqlite3.connect(sys.argv[1])
status = dict(con.execute("SELECT id, status FROM records"))
low = 0
for (payload,) in con.execute("SELECT payload FROM records WHERE kind = 'judge'"):
    p = json.loads(payload)
    assert 1 <= p["score"] <= 5 and len(p["rubric_sha256"]) == 64
    want = "rejected" if p["score"] < 3 else "proposed"
    assert status[p["record_id"]] == want, (p, status[p["record_id"]])
    low += p["score"] < 3
assert low == int(sys.argv[2]), (low, sys.argv[2])
PY
n=$(q "SELECT count(*) FROM audit WHERE action = 'augment.record.status'")
assert_eq "$(jf "$OUT" judged_rejected)" "$n" "every status change is audited"

# ---------------------------------------------------------------- templates
echo "Summarise: {{text}} {{nonsense}}" >"$P/templates/summary.md"
expect_rc 1 "a template with an unknown placeholder" "$E" -C "$P" augment --task summary --llm oa
assert_contains "$ERR" "templates/summary.md:1" "the error names the file and line"
assert_contains "$ERR" "{{nonsense}}" "the error names the placeholder"
printf 'Be short.\n---\nSummary of:\n<<<CONTEXT\n{{text}}\nCONTEXT>>>\n' >"$P/templates/summary.md"
expect_rc 0 "an edited template" "$E" -C "$P" augment --task summary --llm oa --json
assert_eq 0 "$(jf "$OUT" skipped)" "an edited template makes new items"
[ "$(jf "$OUT" made)" -ge 3 ] || fail "edited summary: $OUT"
printf 'Judge {{kind}}:\n<<<CONTEXT\n{{item}}\nCONTEXT>>>\n' >"$T/strict.md"
expect_rc 0 "a template by path" "$E" -C "$P" augment --task judge --llm local --template "$T/strict.md" --limit 2 --json
assert_eq 2 "$(jf "$OUT" made)" "--limit and --template FILE"

# ---------------------------------------------------------------- errors
expect_rc 1 "model not served" "$E" -C "$P" augment --task qa --llm missing
assert_contains "$ERR" "'missing'" "names the endpoint"
assert_contains "$ERR" "does not serve model 'llama9:400b'" "says the model is not served"
expect_rc 1 "endpoint down" "$E" -C "$P" augment --task qa --llm down
assert_contains "$ERR" "LLM endpoint 'down' (http://127.0.0.1:$PORT_gone)" "names the endpoint and URL"
before=$(fakellm_conns 127.0.0.2 "$PORT_a")
expect_rc 1 "address not in the allowlist" "$E" -C "$P" augment --task qa --llm far
assert_contains "$ERR" "127.0.0.2" "the refusal names the address"
after=$(fakellm_conns 127.0.0.2 "$PORT_a")
assert_eq "$((before + 1))" "$after" "127.0.0.2 saw no connection from enclave"
[ "$(q "SELECT count(*) FROM audit WHERE action = 'egress.refused'")" -ge 1 ] || fail "no egress.refused event"
expect_rc 2 "no --llm" "$E" -C "$P" augment --task qa
expect_rc 1 "unknown endpoint" "$E" -C "$P" augment --task qa --llm nowhere
assert_contains "$ERR" "no LLM endpoint 'nowhere'" "unknown endpoint"

# A failing item is counted; the others are made.
echo "This note always fails on the server. fake:500x1000" >"$T/fail.txt"
echo "A quiet note about the garden and its many trees." >"$T/fine.txt"
expect_rc 0 "ingest more" "$E" -C "$P" ingest -q "$T/fail.txt" "$T/fine.txt"
expect_rc 1 "unredacted documents refused" "$E" -C "$P" augment --task summary --llm local
assert_contains "$ERR" "no redacted layer" "the PII guard explains"
expect_rc 0 "--allow-pii" "$E" -C "$P" augment --task summary --llm local --allow-pii --json
assert_eq 1 "$(jf "$OUT" errors)" "the failing item is an error"
[ "$(jf "$OUT" made)" -ge 4 ] || fail "the others are made: $OUT"
assert_contains "$ERR" "HTTP 500" "the failure is reported"
assert_contains "$ERR" "the project has no split" "without a project split the CLI warns"
run sqlite3 "$DB" "SELECT params FROM audit WHERE action = 'augment.run' ORDER BY seq DESC LIMIT 1"
assert_match "$OUT" '"unredacted_documents":\[[0-9]+,[0-9]+\]' "the unredacted documents are audited"

# The contamination guard's first half: with a project split, nothing is
# generated from a test-split document, nor from one ingested since.
expect_rc 0 "split" "$E" -C "$P" split 50,50 --seed 3
ntest=$(q "SELECT count(*) FROM splits WHERE split = 'test'")
[ "$ntest" -ge 1 ] || fail "the split put no document in test"
echo "A late note about the harbour cranes and their crews." >"$T/late.txt"
expect_rc 0 "ingest after the split" "$E" -C "$P" ingest -q "$T/late.txt"
expect_rc 0 "summary with a split" "$E" -C "$P" augment --task summary --llm local --allow-pii \
	--seed 77 --json
assert_eq True "$(jf "$OUT" split_guard)" "the split guard is on"
assert_eq 1 "$(jf "$OUT" unsplit)" "the late document has no split yet"
assert_eq "$((ntest + 1))" "$(jf "$OUT" excluded)" "test documents and the late one excluded"
[ "$(jf "$OUT" made)" -ge 1 ] || fail "train documents still give summaries: $OUT"
assert_eq 0 "$(q "SELECT count(*) FROM records r JOIN splits s ON s.document_id = r.document_id
	WHERE r.kind = 'summary' AND json_extract(r.lineage, '$.seed') = 77 AND s.split = 'test'")" \
	"no record made from a test-split document"
assert_eq 0 "$(q "SELECT count(*) FROM records r WHERE r.kind = 'summary' AND
	json_extract(r.lineage, '$.seed') = 77 AND r.document_id NOT IN (SELECT document_id FROM splits)")" \
	"no record made from an unassigned document"
run sqlite3 "$DB" "SELECT params FROM audit WHERE action = 'augment.run' ORDER BY seq DESC LIMIT 1"
assert_match "$OUT" '"split_sha256":"[0-9a-f]{64}"' "the run names the split it honoured"

expect_rc 0 "audit verify" "$E" -C "$P" audit verify
n=$(q "SELECT count(*) FROM audit WHERE action = 'augment.run'")
[ "$n" -ge 10 ] || fail "augment.run events: $n"
note "augment LLM tasks test passed"
exit 0
