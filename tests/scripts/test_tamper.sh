#!/bin/bash
# Tamper tests: the audit chain (src/lib/store/audit.c) must catch every
# change to a project's audit trail and to an exported chain file.
#
# A project gets a few ingested files (names with non-ASCII characters and a
# DEL byte, so the canonical JSON holds \u escapes) and an export. Then, each
# on its own COPY of the project:
#   database:  change a field of an event, delete a middle event, swap two
#              events' contents, cut the tail with and without its
#              checkpoints, append a forged event with a correct hash,
#              rehash the whole chain after an edit, break a checkpoint
#              signature, replace the public key, remove key/audit.head
#   export:    edit a field, delete a line, swap lines, cut the tail (events,
#              checkpoint, both, and with a rewritten checkpoint), change the
#              signature, swap the public key, --key with the right and a
#              foreign key
# and `enclave audit verify` must exit 1 naming the first broken event/line.
# Also: the secret key file is mode 0600, and the chain recomputed
# independently in python3 matches (jansson's canonical JSON: see CANON below).
set -u
. "$(dirname "$0")/lib.sh"
need_env
setup_tmp tamper

E=$ENCLAVE
P=$T/project
C=$T/corpus

# ---------------------------------------------------------------- the project
mkdir -p "$C"
printf 'First note.\n\nIt has two paragraphs.\n' >"$C/a-note.txt"
printf 'Caf\xc3\xa9 menu: cr\xc3\xa8me br\xc3\xbbl\xc3\xa9e.\n' >"$C/café ☕.txt"
printf 'Smile \xf0\x9f\x98\x80 please.\n' >"$C/smile 😀.txt"
printf 'A name with a DEL byte.\n' >"$C/del$(printf '\177')name.txt"
printf '# Title\n\nSome text.\n\n## Part\n\nMore text.\n' >"$C/doc.md"
printf '\000\001\002\003binary junk\000\000\377\376' >"$C/junk.bin"

expect_rc 0 "init" "$E" init "$P"
expect_rc 3 "ingest of the corpus (junk.bin fails)" "$E" -C "$P" ingest "$C"
expect_rc 0 "export" "$E" -C "$P" export --allow-unredacted "$T/export1"
expect_rc 0 "audit verify of the untouched project" "$E" -C "$P" audit verify
assert_match "$OUT" '^ok: [0-9]+ events, [0-9]+ checkpoints' "audit verify summary"

N=$(sqlite3 "$P/enclave.db" 'SELECT max(seq) FROM audit')
[ "$N" -ge 8 ] || fail "expected at least 8 audit events, got $N"
note "project has $N audit events"

# ---------------------------------------------------------------- key files
mode=$(stat -c %a "$P/key/ed25519.secret")
assert_eq 600 "$mode" "mode of key/ed25519.secret"
PUB=$(tr -d '\n' <"$P/key/ed25519.pub")
[[ "$PUB" =~ ^[0-9a-f]{64}$ ]] || fail "key/ed25519.pub is not 64 hex digits: $PUB"

# A second project: a foreign key.
expect_rc 0 "init of a second project" "$E" init "$T/other"
OTHER_PUB=$(tr -d '\n' <"$T/other/key/ed25519.pub")

# ---------------------------------------------------------------- helpers
# copy NAME: a copy of the project in $T/NAME (printed).
copy() {
	rm -rf "${T:?}/$1"
	cp -a "$P" "$T/$1" || fail "copy of the project"
	echo "$T/$1"
}

sql() {
	sqlite3 "$1/enclave.db" "$2" || fail "sqlite3 $2"
}

# verify_fails WHAT DIR ERE: `audit verify` on DIR must exit 1 with ERE in stderr.
verify_fails() {
	run "$E" -C "$2" audit verify
	if [ "$RC" != 1 ]; then
		printf 'FAIL: %s: audit verify should exit 1, got %s\n  stdout: %s\n  stderr: %s\n' \
			"$1" "$RC" "$OUT" "$ERR" >&2
		exit 1
	fi
	assert_match "$ERR" "$3" "$1: the message"
	note "ok: $1: $ERR"
}

# file_fails WHAT FILE ERE [ARGS...]: `audit verify --file` must exit 1 with ERE.
file_fails() {
	local what=$1 file=$2 re=$3
	shift 3
	run "$E" audit verify --file "$file" "$@"
	if [ "$RC" != 1 ]; then
		printf 'FAIL: %s: audit verify --file should exit 1, got %s\n  stdout: %s\n  stderr: %s\n' \
			"$what" "$RC" "$OUT" "$ERR" >&2
		exit 1
	fi
	assert_match "$ERR" "$re" "$what: the message"
	note "ok: $what: $ERR"
}

# The python side: jansson's canonical JSON, event hashes, file edits.
cat >"$T/chain.py" <<'EOF'
import hashlib, json, sqlite3, sys

ZERO = "0" * 64

def jstr(s):
    # jansson with JSON_ENSURE_ASCII: \uXXXX in UPPERCASE hex, surrogate
    # pairs above the BMP, DEL (0x7f) left as is; \b \f \n \r \t \" \\.
    out = ['"']
    for ch in s:
        c = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == '\\':
            out.append('\\\\')
        elif c < 0x20:
            out.append({8: '\\b', 12: '\\f', 10: '\\n', 13: '\\r', 9: '\\t'}.get(c, '\\u%04X' % c))
        elif c <= 0x7f:
            out.append(ch)
        elif c >= 0x10000:
            c -= 0x10000
            out.append('\\u%04X\\u%04X' % (0xD800 + (c >> 10), 0xDC00 + (c & 0x3FF)))
        else:
            out.append('\\u%04X' % c)
    out.append('"')
    return ''.join(out)

def canon(v):
    if isinstance(v, dict):
        keys = sorted(v, key=lambda k: k.encode('utf-8'))
        return '{' + ','.join(jstr(k) + ':' + canon(v[k]) for k in keys) + '}'
    if isinstance(v, list):
        return '[' + ','.join(canon(x) for x in v) + ']'
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if v is None:
        return 'null'
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return jstr(v)
    raise SystemExit('unexpected JSON value %r (reals are not allowed in events)' % (v,))

def pycanon(v):
    return json.dumps(v, sort_keys=True, separators=(',', ':'), ensure_ascii=True)

def h(prev, text):
    return hashlib.sha256((prev + text).encode('ascii')).hexdigest()

def event_from_row(r):
    seq, time, actor, action, subject, params, inputs, outputs, prev, hsh = r
    return {"action": action, "actor": actor, "inputs": json.loads(inputs),
            "outputs": json.loads(outputs), "params": json.loads(params),
            "prev_hash": prev, "seq": seq, "subject": subject, "time": time}, hsh

COLS = "seq, time, actor, action, subject, params, inputs, outputs, prev_hash, hash"

def cmd_check(path):
    """Recompute an exported chain; report python vs jansson canonical forms."""
    prev, n, py_ok, esc, raw_lines = ZERO, 0, 0, 0, 0
    bad = []
    for ln, line in enumerate(open(path, encoding='utf-8'), 1):
        o = json.loads(line)
        if 'checkpoint' in o:
            cp = o['checkpoint']
            if cp['seq'] != n or cp['hash'] != prev:
                bad.append('checkpoint does not sign the last event')
            continue
        hsh = o.pop('hash')
        if o['prev_hash'] != prev:
            bad.append('line %d: prev_hash does not link' % ln)
        text = canon(o)
        if h(o['prev_hash'], text) != hsh:
            bad.append('line %d (event %d): jansson-style canonical JSON does not hash to %s'
                       % (ln, o['seq'], hsh))
        # The line as exported is the canonical object with "hash" added.
        o2 = dict(o); o2['hash'] = hsh
        if canon(o2) == line.rstrip('\n'):
            raw_lines += 1
        if h(o['prev_hash'], pycanon(o)) == hsh:
            py_ok += 1
        if '\\u' in text or '\x7f' in text:
            esc += 1
        prev, n = hsh, n + 1
    print('events=%d jansson_style_ok=%d python_dumps_ok=%d with_escapes=%d lines_byte_equal=%d'
          % (n, n - len([b for b in bad if 'jansson-style' in b]), py_ok, esc, raw_lines))
    for b in bad:
        print('BAD ' + b)

def cmd_edit(path, line_no, key, value):
    """Set field KEY of event line LINE_NO (1-based) to the JSON VALUE."""
    lines = open(path, encoding='utf-8').read().splitlines()
    o = json.loads(lines[line_no - 1])
    o[key] = json.loads(value)
    lines[line_no - 1] = json.dumps(o, sort_keys=True, separators=(',', ':'))
    open(path, 'w', encoding='utf-8').write('\n'.join(lines) + '\n')

def cmd_cpedit(path, key, value):
    """Set field KEY of the checkpoint line to the JSON VALUE."""
    lines = open(path, encoding='utf-8').read().splitlines()
    o = json.loads(lines[-1])
    o['checkpoint'][key] = json.loads(value)
    lines[-1] = json.dumps(o, sort_keys=True, separators=(',', ':'))
    open(path, 'w', encoding='utf-8').write('\n'.join(lines) + '\n')

def cmd_forge(db):
    """Append an event with a correct hash (and no checkpoint) to the store."""
    con = sqlite3.connect(db)
    r = con.execute('SELECT ' + COLS + ' FROM audit ORDER BY seq DESC LIMIT 1').fetchone()
    ev = {"action": "ingest.document", "actor": "mallory", "inputs": {"path": "/forged"},
          "outputs": {"document": 999, "status": "ok"}, "params": {}, "prev_hash": r[9],
          "seq": r[0] + 1, "subject": "document:999", "time": "2030-01-01T00:00:00.000Z"}
    hsh = h(r[9], canon(ev))
    con.execute('INSERT INTO audit(' + COLS + ') VALUES(?,?,?,?,?,?,?,?,?,?)',
                (ev['seq'], ev['time'], ev['actor'], ev['action'], ev['subject'],
                 canon(ev['params']), canon(ev['inputs']), canon(ev['outputs']), r[9], hsh))
    con.commit()
    print(ev['seq'])

def cmd_rehash(db):
    """Recompute every hash and prev_hash in the store (an attacker without the key)."""
    con = sqlite3.connect(db)
    prev = ZERO
    for r in con.execute('SELECT ' + COLS + ' FROM audit ORDER BY seq').fetchall():
        ev, _ = event_from_row(r)
        ev['prev_hash'] = prev
        hsh = h(prev, canon(ev))
        con.execute('UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?', (prev, hsh, r[0]))
        prev = hsh
    con.commit()

def cmd_dbcheck(db):
    """Recompute the store's chain with the jansson-style canonical form."""
    con = sqlite3.connect(db)
    prev, n = ZERO, 0
    for r in con.execute('SELECT ' + COLS + ' FROM audit ORDER BY seq').fetchall():
        ev, hsh = event_from_row(r)
        if ev['prev_hash'] != prev or h(prev, canon(ev)) != hsh:
            print('BAD event %d' % r[0])
        prev, n = hsh, n + 1
    print('events=%d' % n)

getattr(sys.modules[__name__], 'cmd_' + sys.argv[1])(*[int(a) if a.isdigit() else a
                                                       for a in sys.argv[2:]])
EOF
py() {
	python3 "$T/chain.py" "$@" || fail "python3 chain.py $*"
}

# ================================================================ database
D=$(copy baseline)
expect_rc 0 "verify of an untouched copy" "$E" -C "$D" audit verify

D=$(copy actor)
sql "$D" "UPDATE audit SET actor = 'mallory' WHERE seq = 3"
verify_fails "actor of event 3 changed" "$D" 'event 3 was altered'

D=$(copy params)
sql "$D" "UPDATE audit SET params = '{\"extractor\":\"evil 6.6.6\",\"format\":\"text\"}' WHERE seq = 4"
verify_fails "params of event 4 changed" "$D" 'event 4 was altered'

D=$(copy outputs)
sql "$D" "UPDATE audit SET outputs = replace(outputs, '\"ok\"', '\"failed\"') WHERE seq = 5"
verify_fails "outputs of event 5 changed" "$D" 'event 5 was altered'

D=$(copy delete-middle)
sql "$D" "DELETE FROM audit WHERE seq = 4"
verify_fails "event 4 deleted" "$D" 'event 4 is missing'

D=$(copy swap)
sql "$D" "CREATE TEMP TABLE a3 AS SELECT * FROM audit WHERE seq = 3;
          CREATE TEMP TABLE a5 AS SELECT * FROM audit WHERE seq = 5;
          UPDATE audit SET (time, actor, action, subject, params, inputs, outputs, prev_hash, hash) =
            (SELECT time, actor, action, subject, params, inputs, outputs, prev_hash, hash FROM a5)
            WHERE seq = 3;
          UPDATE audit SET (time, actor, action, subject, params, inputs, outputs, prev_hash, hash) =
            (SELECT time, actor, action, subject, params, inputs, outputs, prev_hash, hash FROM a3)
            WHERE seq = 5;"
verify_fails "contents of events 3 and 5 swapped" "$D" 'event 3([^0-9]|$)'

D=$(copy cut-tail-and-checkpoints)
sql "$D" "DELETE FROM audit WHERE seq > $N - 2; DELETE FROM checkpoints WHERE seq > $N - 2"
verify_fails "last two events and their checkpoints deleted" "$D" 'truncated.*audit\.head.*event '"$N"

D=$(copy cut-last-event)
sql "$D" "DELETE FROM audit WHERE seq = $N"
verify_fails "last event deleted, its checkpoint kept" "$D" 'truncated: a checkpoint signs event '"$N"

D=$(copy forged)
F=$(py forge "$D/enclave.db")
assert_eq $((N + 1)) "$F" "sequence of the forged event"
verify_fails "forged event appended with a correct hash" "$D" "event $F\) is not signed"

D=$(copy rehash)
sql "$D" "UPDATE audit SET actor = 'mallory' WHERE seq = 3"
py rehash "$D/enclave.db"
assert_eq "events=$N" "$(py dbcheck "$D/enclave.db")" "the rehashed chain is consistent"
verify_fails "event 3 edited and the whole chain rehashed" "$D" 'checkpoint at event [0-9]+ does not match'

# Ingest commits files in groups, so checkpoints sit where groups ended:
# take the first one after the project's creation.
CP=$(sqlite3 "$P/enclave.db" 'SELECT min(seq) FROM checkpoints WHERE seq > 1')
D=$(copy bad-checkpoint)
sql "$D" "UPDATE checkpoints SET signature = substr(signature, 1, 10) ||
            (CASE substr(signature, 11, 1) WHEN '0' THEN '1' ELSE '0' END) ||
            substr(signature, 12) WHERE seq = $CP"
verify_fails "signature of checkpoint $CP changed" "$D" "checkpoint at event $CP has a bad signature"

D=$(copy replace-pub)
cp "$T/other/key/ed25519.pub" "$D/key/ed25519.pub"
verify_fails "key/ed25519.pub replaced" "$D" 'ed25519\.pub'

D=$(copy replace-pub-and-meta)
cp "$T/other/key/ed25519.pub" "$D/key/ed25519.pub"
sql "$D" "UPDATE meta SET value = '$OTHER_PUB' WHERE key = 'public_key'"
verify_fails "public key replaced in key/ and in the store" "$D" 'bad signature'

D=$(copy no-head-file)
rm -f "$D/key/audit.head"
verify_fails "key/audit.head removed" "$D" 'audit\.head'

# ================================================================ exported chain
X=$T/chain.jsonl
expect_rc 0 "audit export" "$E" -C "$P" audit export "$X"
L=$(wc -l <"$X")
assert_eq $((N + 1)) "$L" "lines of the exported chain (events + checkpoint)"
expect_rc 0 "verify --file of the export" "$E" audit verify --file "$X"
assert_match "$OUT" "^ok: $N events, signed head [0-9a-f]{16}\.\.\., key ${PUB:0:16}\$" \
	"verify --file summary"
expect_rc 0 "verify --file --key with the project's key" "$E" audit verify --file "$X" \
	--key "$(cat "$P/key/ed25519.pub")"
file_fails "verify --file --key with another project's key" "$X" \
	"line $L: the checkpoint's signature is not valid for the given key" --key "$OTHER_PUB"
run "$E" audit verify --file "$X" --key abc
[ "$RC" != 0 ] || fail "verify --file --key abc (malformed key) exited 0"
# The export folder's copy of the chain verifies too.
expect_rc 0 "verify --file of export1/audit.jsonl" "$E" audit verify --file "$T/export1/audit.jsonl"

# Independent recomputation in python3.
CHECK=$(py check "$X")
note "python recomputation: $CHECK"
assert_not_contains "$CHECK" "BAD" "python3 recomputation of the exported chain"
assert_match "$CHECK" "^events=$N jansson_style_ok=$N " "jansson-style canonical JSON matches every event"
assert_match "$CHECK" "lines_byte_equal=$N\$" "each exported line is byte-equal to its canonical form"
esc=$(sed -E 's/.*with_escapes=([0-9]+).*/\1/' <<<"$CHECK")
[ "$esc" -gt 0 ] || fail "no event holds a \\u escape: the canonical-JSON check tested nothing"
pyok=$(sed -E 's/.*python_dumps_ok=([0-9]+).*/\1/' <<<"$CHECK")
if [ "$pyok" = "$N" ]; then
	note "python's json.dumps(sort_keys, compact, ensure_ascii) matched jansson on every event"
else
	note "python's json.dumps matched $pyok of $N events: jansson writes \\u escapes in" \
		"uppercase hex and leaves DEL (0x7f) unescaped; python writes lowercase and escapes DEL"
fi
assert_eq "events=$N" "$(py dbcheck "$P/enclave.db")" "python3 recomputation of the store's chain"

# Independent check of the checkpoint signature with openssl, when present.
if command -v openssl >/dev/null 2>&1; then
	python3 - "$X" "$T/sig" <<'EOF' || fail "preparing the openssl check"
import json, sys
cp = json.loads(open(sys.argv[1]).read().splitlines()[-1])['checkpoint']
msg = "enclave-audit-checkpoint/1\n%s\n%d\n%s\n" % (cp['project'], cp['seq'], cp['hash'])
open(sys.argv[2] + '.msg', 'wb').write(msg.encode())
open(sys.argv[2] + '.bin', 'wb').write(bytes.fromhex(cp['signature']))
open(sys.argv[2] + '.der', 'wb').write(bytes.fromhex('302a300506032b6570032100' + cp['public_key']))
EOF
	if openssl pkeyutl -verify -pubin -keyform DER -inkey "$T/sig.der" -rawin \
		-in "$T/sig.msg" -sigfile "$T/sig.bin" >"$T/sig.out" 2>&1; then
		note "ok: openssl verifies the checkpoint signature independently"
	else
		fail "openssl does not verify the checkpoint's Ed25519 signature: $(cat "$T/sig.out")"
	fi
else
	note "SKIP openssl check of the checkpoint signature: openssl is not installed"
fi

# xcopy NAME: a copy of the exported chain (printed).
xcopy() {
	cp "$X" "$T/$1.jsonl" || fail "copy of the chain"
	echo "$T/$1.jsonl"
}

F=$(xcopy edit-actor)
py edit "$F" 3 actor '"mallory"'
file_fails "exported event 3: actor changed" "$F" '^.*line 3: event 3 was altered'

F=$(xcopy edit-inputs)
py edit "$F" 4 inputs '{"path":"/elsewhere","sha256":"00","size":1}'
file_fails "exported event 4: inputs changed" "$F" 'line 4: event 4 was altered'

F=$(xcopy edit-hash)
py edit "$F" 5 hash "\"$(printf '%064d' 0)\""
file_fails "exported event 5: hash replaced" "$F" 'line 5: event 5 was altered'

F=$(xcopy delete-middle)
sed -i 4d "$F"
file_fails "exported line 4 deleted" "$F" 'line 4: event 4 is missing'

F=$(xcopy swap)
python3 - "$F" <<'EOF' || fail "swapping lines"
import sys
l = open(sys.argv[1]).read().splitlines()
l[2], l[4] = l[4], l[2]
open(sys.argv[1], 'w').write('\n'.join(l) + '\n')
EOF
file_fails "exported lines 3 and 5 swapped" "$F" 'line 3: event (3|5)([^0-9]|$)'

F=$(xcopy duplicate)
sed -i '3p' "$F"
file_fails "exported line 3 repeated" "$F" 'line 4: event 3 is out of order'

F=$(xcopy cut-last-event)
sed -i "$((L - 1))d" "$F"
file_fails "last exported event removed, checkpoint kept" "$F" \
	"the checkpoint signs event $N, but the chain ends at event $((N - 1))"

F=$(xcopy cut-checkpoint)
sed -i '$d' "$F"
file_fails "checkpoint line removed" "$F" 'no signed checkpoint'

F=$(xcopy cut-tail)
head -n $((L - 3)) "$X" >"$F"
file_fails "last two events and the checkpoint removed" "$F" 'no signed checkpoint'

F=$(xcopy cut-tail-fixed-checkpoint)
python3 - "$F" <<'EOF' || fail "cutting the tail"
import json, sys
l = open(sys.argv[1]).read().splitlines()
cp = json.loads(l[-1])
events = l[:-3]
last = json.loads(events[-1])
cp['checkpoint']['seq'] = last['seq']
cp['checkpoint']['hash'] = last['hash']
open(sys.argv[1], 'w').write('\n'.join(events + [json.dumps(cp)]) + '\n')
EOF
file_fails "tail cut and the checkpoint pointed at the new last event" "$F" \
	"signature is not valid"

F=$(xcopy bad-signature)
sig=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().splitlines()[-1])["checkpoint"]["signature"])' "$F")
flip=$([ "${sig:0:1}" = 0 ] && echo 1 || echo 0)
py cpedit "$F" signature "\"$flip${sig:1}\""
file_fails "checkpoint signature changed" "$F" "line $L: the checkpoint's signature is not valid"

F=$(xcopy foreign-key)
py cpedit "$F" public_key "\"$OTHER_PUB\""
file_fails "checkpoint public_key replaced" "$F" "line $L: the checkpoint's signature is not valid"

F=$(xcopy trailing-data)
echo '{"seq":999}' >>"$F"
file_fails "a line after the checkpoint" "$F" "line $((L + 1)): data after the checkpoint"

# Cutting the head of the file (project.init, which records the key, among it)
# must fail too: a chain file starts at event 1.
F=$(xcopy cut-head)
sed -i 1,2d "$F"
file_fails "first two lines removed" "$F" "line 1: the chain starts at event 3, not 1"

note "all tamper checks passed"
exit 0
