#!/bin/bash
# `enclave augment` from the command line (docs/cli/augment.md):
#   - synthetic-pii --out F works with no project; the same seed gives the
#     same file, another seed another one; every span points at a value of
#     its kind; `enclave scan` finds the planted values (recall floor 0.9:
#     a regression guard only, bench/synthetic_pii.sh measures it)
#   - usage errors exit 2, a missing WordNet exits 1 naming the path
#   - in a project: entity-swap from an accepted NER annotation (label
#     stage) rather than the PII spans; eda on Debian's real WordNet files
#     when wordnet-base is installed (spans byte-identical); list --json;
#     every run audited (augment.run), and the chain verifies
set -u
. "$(dirname "$0")/lib.sh"
need_env
setup_tmp augment-cli
E=$ENCLAVE
cd "$T" || fail "cd $T"

# ---- synthetic-pii without a project
expect_rc 0 "synthetic-pii --out" "$E" augment --task synthetic-pii --n 300 --seed 1 --out s1.jsonl
assert_contains "$ERR" "300 made" "summary on stderr"
[ -e enclave.db ] && fail "synthetic-pii --out made a project"
expect_rc 0 "same seed" "$E" augment --task synthetic-pii --n 300 --seed 1 --out s1b.jsonl
cmp -s s1.jsonl s1b.jsonl || fail "the same seed gave another file"
expect_rc 0 "other seed" "$E" augment --task synthetic-pii --n 300 --seed 2 --out s2.jsonl --json
assert_contains "$OUT" '"made":300' "--json summary"
cmp -s s1.jsonl s2.jsonl && fail "another seed gave the same file"

python3 - s1.jsonl <<'PY' || fail "synthetic spans do not point at values of their kind"
import json, re, sys
pat = {
    "US_SSN": r"\d{3}-\d{2}-\d{4}", "EMAIL_ADDRESS": r"[a-z._0-9]+@example\.(com|org|net)",
    "PHONE_NUMBER": r".*555.01\d\d", "IP_ADDRESS": r"(192\.0\.2|198\.51\.100|203\.0\.113)\.\d+",
    "URL": r"https://www\.[a-z]+\.example\.com/[a-z]+", "PERSON": r"\S+ \S+",
}
n = 0
for line in open(sys.argv[1]):
    d = json.loads(line)
    for s in d["spans"]:
        v = d["text"][s["start"]:s["end"]]
        if s["label"] in pat and not re.fullmatch(pat[s["label"]], v):
            sys.exit("%s %r" % (s["label"], v))
        n += 1
assert n > 1000, n
PY

# Recall of the scanner on the planted values (text, label, exact offsets).
"$E" scan --jsonl <s1.jsonl >scanned.jsonl 2>scan.err || fail "scan --jsonl: $(cat scan.err)"
RECALL=$(python3 - s1.jsonl scanned.jsonl <<'PY'
import json, sys
gold = [json.loads(l) for l in open(sys.argv[1])]
got = [json.loads(l) for l in open(sys.argv[2])]
hit = total = 0
for g, s in zip(gold, got):
    found = [(x["start"], x["end"]) for x in s["spans"]]
    for sp in g["spans"]:
        if sp["label"] in ("LOCATION", "ORGANIZATION"):
            continue  # names of places and firms from lists: the NER's job, not measured here
        total += 1
        # Found when a detected span overlaps the planted one.
        hit += any(a < sp["end"] and sp["start"] < b for a, b in found)
print("%.3f" % (hit / total))
PY
)
note "scan recall on 300 synthetic documents (overlap, without LOCATION/ORGANIZATION): $RECALL"
python3 -c "import sys; sys.exit(0 if float('$RECALL') >= 0.9 else 1)" ||
	fail "scan recall on synthetic PII fell to $RECALL (floor 0.9)"

# ---- usage errors and missing files
expect_rc 2 "no task" "$E" augment
expect_rc 2 "unknown task" "$E" augment --task nope
expect_rc 2 "bad n" "$E" augment --task synthetic-pii --n 0 --out x.jsonl
expect_rc 2 "bad alpha" "$E" augment --task eda --alpha-sr 2
expect_rc 2 "--out with entity-swap" "$E" augment --task entity-swap --out x.jsonl
expect_rc 1 "unwritable --out" "$E" augment --task synthetic-pii --n 2 --out "$T/no/such/dir/x.jsonl"
assert_contains "$ERR" "$T/no/such/dir/x.jsonl" "the error names the file"

# ---- a project: entity-swap from an accepted NER annotation
P=$T/p
expect_rc 0 "init" "$E" init "$P"
mkdir in
printf 'Ana Lima met Peter Novak in Lisbon on Monday. The quick brown fox jumps over the lazy dog.\n' >in/a.txt
expect_rc 0 "ingest" "$E" -C "$P" ingest -q in
expect_rc 0 "clean" "$E" -C "$P" clean --pii -q
# An accepted annotation by a reviewer (written as the label stage stores it).
sqlite3 "$P/enclave.db" "
INSERT INTO users (name, role, hash, created_at) VALUES ('ann', 'annotator', 'x', '2026-01-01');
INSERT INTO tasks (document_id, type, k, status, created_at) VALUES (1, 'ner', 1, 'done', '2026-01-01');
INSERT INTO annotations (task_id, user_id, status, version, result, updated_at) VALUES (1, 1,
 'accepted', 1, '{\"spans\":[{\"start\":0,\"end\":8,\"label\":\"PER\"},{\"start\":13,\"end\":24,\"label\":\"PER\"},{\"start\":28,\"end\":34,\"label\":\"GPE\"}]}', '2026-01-01');" ||
	fail "writing the annotation"
expect_rc 0 "entity-swap" "$E" -C "$P" augment --task entity-swap --n 2 --seed 4
expect_rc 0 "list --json" "$E" -C "$P" augment list --json --kind entity-swap
printf '%s\n' "$OUT" >swaps.jsonl
python3 - swaps.jsonl <<'PY' || fail "entity-swap from the annotation"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert len(recs) == 2, len(recs)
src = "Ana Lima met Peter Novak in Lisbon on Monday. The quick brown fox jumps over the lazy dog."
for r in recs:
    p, t = r["payload"], r["text"]
    assert p["spans_from"] == "annotations", p
    assert [s["label"] for s in p["spans"]] == ["PER", "PER", "GPE"], p
    vals = [t[s["start"]:s["end"]] for s in p["spans"]]
    assert vals[0] != "Ana Lima" and vals[1] != "Peter Novak" and vals[2] != "Lisbon", vals
    # Non-entity text unchanged.
    assert t[p["spans"][0]["end"]:p["spans"][1]["start"]] == " met "
    assert t[p["spans"][2]["end"]:] == src[34:]
    assert r["status"] == "proposed" and r["lineage"]["generator"] == "enclave/entity-swap"
assert recs[0]["text"] != recs[1]["text"]
PY

# ---- eda: a missing WordNet, then the real one when installed
expect_rc 1 "eda without WordNet" "$E" -C "$P" augment --task eda --wordnet "$T/nowordnet"
assert_contains "$ERR" "$T/nowordnet/index.noun" "the error names the path"
expect_rc 0 "eda without SR and RI" "$E" -C "$P" augment --task eda --n 2 --alpha-sr 0 --alpha-ri 0 --wordnet "$T/nowordnet"
RUNS_WANT=2
if [ -r /usr/share/wordnet/index.noun ]; then
	expect_rc 0 "eda on the real WordNet" "$E" -C "$P" augment --task eda --n 4 --seed 2 --alpha-sr 0.3 --alpha-ri 0.3 --alpha-rs 0 --alpha-rd 0
	expect_rc 0 "list eda" "$E" -C "$P" augment list --json --kind eda
	printf '%s\n' "$OUT" >eda.jsonl
	python3 - eda.jsonl <<'PY' || fail "eda on the real WordNet"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
real = [r for r in recs if r["payload"]["op"] in ("sr", "ri")]
assert len(real) >= 4, len(recs)
for r in recs:
    vals = [r["text"][s["start"]:s["end"]] for s in r["payload"]["spans"]]
    assert vals == ["Ana Lima", "Peter Novak", "Lisbon"], vals
changed = [r for r in real if r["payload"]["changes"] > 0]
assert changed, "no synonym found in WordNet"
for r in changed:
    assert r["text"] != "Ana Lima met Peter Novak in Lisbon on Monday. The quick brown fox jumps over the lazy dog."
PY
	note "eda on /usr/share/wordnet: ok"
	RUNS_WANT=3
else
	note "SKIP eda on the real WordNet: /usr/share/wordnet/index.noun is missing (wordnet-base)"
fi

runs=$(sqlite3 "$P/enclave.db" "SELECT count(*) FROM audit WHERE action = 'augment.run'")
assert_eq "$RUNS_WANT" "$runs" "augment.run events (one per successful run; the failed one wrote none)"
expect_rc 0 "audit verify" "$E" -C "$P" audit verify
exit 0
