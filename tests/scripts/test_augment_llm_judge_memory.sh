#!/bin/bash
# `enclave augment --task judge` reads the records it judges a page at a
# time (docs/cli/augment.md), so its memory does not grow with their
# number: on a project holding 3000 records of 40 kB each (120 MB of
# text), judging two of them (--limit 2) may take at most 64 MB more peak
# memory (/usr/bin/time's maximum RSS) than a summary run of one chunk on
# the same project. Loading every record first took some 320 MB more. A
# fakellm on loopback answers.
set -u
. "$(dirname "$0")/lib.sh"
need_env
setup_tmp augment-llm-judge-memory

E=$ENCLAVE
[ -x /usr/bin/time ] || fail "/usr/bin/time is missing (scripts/deps.sh test: time)"
fakellm_start fake --listen 127.0.0.1
PORT=$PORT_fake

P=$T/p
mkdir -p "$T/c"
echo "A short note about the garden and its trees." >"$T/c/a.txt"
expect_rc 0 "init" "$E" init "$P"
expect_rc 0 "ingest" "$E" -C "$P" ingest -q "$T/c"
expect_rc 0 "clean" "$E" -C "$P" clean --pii --operator tag -q
printf 'llm:\n  local:\n    kind: ollama\n    base_url: http://127.0.0.1:%s\n    model: fake\n' \
	"$PORT" >>"$P/enclave.yaml"
python3 - "$P/enclave.db" <<'PY' || fail "inserting the records"
import hashlib, sqlite3, sys
con = sqlite3.connect(sys.argv[1])
doc = con.execute("SELECT min(id) FROM documents").fetchone()[0]
body = "word " * 8000
rows = []
for i in range(3000):
    t = body + str(i)
    sha = hashlib.sha256(t.encode()).hexdigest()
    rows.append(("summary", "%064x" % i, doc, sha, t, sha))
con.executemany("INSERT INTO records(kind, key, document_id, chunk, source_sha256, text,"
                " text_sha256, created_at) VALUES(?, ?, ?, NULL, ?, ?, ?,"
                " '2026-01-01T00:00:00Z')", rows)
con.commit()
PY

# peak KIB CMD...: the command's maximum resident set, in kB, in PEAK.
peak() {
	/usr/bin/time -f "maxrss %M" -o "$T/time" "$@" >"$T/out" 2>"$T/err" ||
		fail "$* exited non-zero: $(cat "$T/err")"
	sanitizer_clean "$(cat "$T/err")" "$*"
	PEAK=$(awk '/^maxrss /{print $2}' "$T/time")
}
peak "$E" -C "$P" augment --task summary --llm local --limit 1 --json
BASE_KB=$PEAK
peak "$E" -C "$P" augment --task judge --llm local --limit 2 --json
JUDGE_KB=$PEAK
assert_contains "$(cat "$T/out")" '"made":2' "judge --limit 2 judges two records"
note "peak RSS: summary of one chunk ${BASE_KB} kB, judge of 2 of 3000 records ${JUDGE_KB} kB"
[ $((JUDGE_KB - BASE_KB)) -le 65536 ] ||
	fail "judge took $(((JUDGE_KB - BASE_KB) / 1024)) MB more than the baseline: are the records streamed?"

# The pages follow each other: a run over all the records of a kind that
# comes after 3000 others judges each once, in order.
python3 - "$P/enclave.db" <<'PY' || fail "inserting the qa records"
import hashlib, sqlite3, sys
con = sqlite3.connect(sys.argv[1])
doc = con.execute("SELECT min(id) FROM documents").fetchone()[0]
for i in range(150):
    t = "answer number %d" % i
    sha = hashlib.sha256(t.encode()).hexdigest()
    con.execute("INSERT INTO records(kind, key, document_id, chunk, source_sha256, text,"
                " text_sha256, created_at) VALUES('qa', ?, ?, NULL, ?, ?, ?,"
                " '2026-01-01T00:00:00Z')", ("q%063x" % i, doc, sha, t, sha))
con.commit()
PY
expect_rc 0 "judge --kind qa" "$E" -C "$P" augment --task judge --llm local --kind qa --json
assert_contains "$OUT" '"made":150' "every qa record judged"
n=$(sqlite3 "$P/enclave.db" "SELECT count(DISTINCT json_extract(payload, '$.record_id'))
	FROM records WHERE kind = 'judge' AND json_extract(payload, '$.record_id') IN
	(SELECT id FROM records WHERE kind = 'qa')")
assert_eq 150 "$n" "each qa record judged once"
note "augment judge memory test passed"
exit 0
