#!/bin/bash
# The export package (docs/formats/package.md) and `enclave verify`:
#   - a real project (ingest, clean --pii) exported as a folder and as a
#     tar.zst; both verify, with and without --pubkey, from a folder that
#     holds only the package and with an empty environment (no project);
#   - tampering, each on its own copy, in folder and archive form: a changed
#     byte in a data file, a missing file, an extra file, a changed
#     manifest, a broken signature, a wrong --pubkey, a forged package
#     (data changed, manifest re-hashed and re-signed with another key,
#     pubkey and audit checkpoint replaced: passes without --pubkey, which
#     only proves integrity, fails with the right key), a broken audit
#     chain; each must exit 1 and name the problem;
#   - archives made by hand: a member "../x", a symbolic link, a hard link,
#     a directory entry, a truncated archive, a file that is not an archive;
#   - determinism: two exports of two copies of one store are byte
#     identical, package and archive; two exports of one store have
#     identical data files;
#   - usage errors exit 2.
set -u
. "$(dirname "$0")/lib.sh"
need_env
setup_tmp package

E=$ENCLAVE
P=$T/project
C=$T/corpus

# ---------------------------------------------------------------- the project
mkdir -p "$C"
printf 'John Smith lives at 12 Main Street, Springfield.\n\nCall him on 555-123-4567.\n' >"$C/a.txt"
printf '# Caf\xc3\xa9 notes\n\nWrite to jane.doe@example.com about the menu.\n' >"$C/b.md"
printf 'Nothing personal here.\n\nJust two paragraphs.\n' >"$C/c.txt"
expect_rc 0 "init" "$E" init "$P"
expect_rc 0 "ingest" "$E" -C "$P" ingest -q "$C"
expect_rc 0 "clean --pii" "$E" -C "$P" clean --pii
# Accepted annotations, written into the store as the label server would
# (the table rows only: the datasheet reads them), for its label table.
sqlite3 "$P/enclave.db" "
INSERT INTO users (id, name, role, hash, created_at) VALUES (1, 'ann', 'annotator', 'x', 't');
INSERT INTO tasks (id, document_id, type, k, created_at) VALUES (1, 1, 'class', 1, 't'),
  (2, 1, 'ner', 1, 't'), (3, 2, 'class', 1, 't');
INSERT INTO annotations (task_id, user_id, status, version, result, updated_at) VALUES
  (1, 1, 'accepted', 1, '{\"labels\":[\"legal\"]}', 't'),
  (2, 1, 'accepted', 1, '{\"spans\":[{\"start\":0,\"end\":4,\"label\":\"PERSON\"},{\"start\":5,\"end\":10,\"label\":\"PERSON\"}]}', 't'),
  (3, 1, 'submitted', 1, '{\"labels\":[\"hr\"]}', 't');" || fail "sqlite3: annotations"
PUB=$(tr -d '\n' <"$P/key/ed25519.pub")
expect_rc 0 "init of another project (a foreign key)" "$E" init "$T/other"
OTHER_PUB=$(tr -d '\n' <"$T/other/key/ed25519.pub")

# Two copies of the store before any export: for the determinism check.
cp -a "$P" "$T/twin1" || fail "copy"
cp -a "$P" "$T/twin2" || fail "copy"

expect_rc 0 "export to a folder and an archive" "$E" -C "$P" export --archive "$T/pkg.tar.zst" "$T/pkg"
for f in data.jsonl audit.jsonl DATASHEET.md pubkey manifest.json manifest.sig; do
	[ -s "$T/pkg/$f" ] || fail "the package has no $f"
done
[ -z "$(ls -d "$T"/pkg.tar.zst.staging-* 2>/dev/null)" ] || fail "a staging folder was left"
assert_eq "$PUB" "$(tr -d '\n' <"$T/pkg/pubkey")" "pubkey is the project's public key"
grep -q '^| PERSON |' "$T/pkg/DATASHEET.md" || fail "DATASHEET.md has no PERSON row: $(cat "$T/pkg/DATASHEET.md")"
grep -q '^| clean.pii.run | 1 |' "$T/pkg/DATASHEET.md" || fail "DATASHEET.md lists no clean.pii.run step"
grep -q '^| class | legal | 1 | 1 |$' "$T/pkg/DATASHEET.md" || fail "DATASHEET.md: no accepted class label row"
grep -q '^| ner | PERSON | 2 | 1 |$' "$T/pkg/DATASHEET.md" || fail "DATASHEET.md: no accepted ner label row"
grep -q '^| class | hr ' "$T/pkg/DATASHEET.md" && fail "DATASHEET.md counts a submitted annotation as accepted"
grep -q '^| class | submitted | 1 |$' "$T/pkg/DATASHEET.md" || fail "DATASHEET.md: annotations by status"
grep -q '^None: the records form one set.$' "$T/pkg/DATASHEET.md" || fail "DATASHEET.md: no splits said"
# With splits, the datasheet gives the parts, the seed and each split's documents.
expect_rc 0 "export with a split" "$E" -C "$P" export --split 50,50 --seed 7 "$T/pkg-split"
grep -q '^50/50 by source document .*seed 7:$' "$T/pkg-split/DATASHEET.md" || fail "DATASHEET.md: split parts and seed: $(cat "$T/pkg-split/DATASHEET.md")"
grep -q '^| train | [0-9]* |$' "$T/pkg-split/DATASHEET.md" || fail "DATASHEET.md: no train row"
grep -q '^| test | [0-9]* |$' "$T/pkg-split/DATASHEET.md" || fail "DATASHEET.md: no test row"
expect_rc 0 "the split package verifies" "$E" verify "$T/pkg-split"

# The manifest, checked independently: every file's size and sha256, the
# signature with OpenSSL over the file's exact bytes.
python3 - "$T/pkg" <<'EOF' || fail "manifest contents"
import hashlib, json, os, sys
d = sys.argv[1]
raw = open(os.path.join(d, "manifest.json"), "rb").read()
m = json.loads(raw)
assert raw == (json.dumps(m, indent=2, sort_keys=True, ensure_ascii=True) + "\n").encode(), "not canonical"
names = sorted(f["path"] for f in m["files"])
assert names == sorted(set(os.listdir(d)) - {"manifest.json", "manifest.sig"}), names
for f in m["files"]:
    b = open(os.path.join(d, f["path"]), "rb").read()
    assert len(b) == f["size"] and hashlib.sha256(b).hexdigest() == f["sha256"], f["path"]
data = [f for f in m["files"] if f["path"] == "data.jsonl"][0]
assert data["records"] == 3 == m["documents"], data
assert m["models"]["ner"] and all(len(x) == 64 for x in m["models"]["ner"]), m["models"]
assert m["created_at"] == m["audit_head"]["time"]
assert m["options"]["format"] == "jsonl"
EOF
if command -v openssl >/dev/null; then
	# DER SubjectPublicKeyInfo of an Ed25519 key: a fixed 12-byte prefix, then the key.
	{ printf '302a300506032b6570032100' ; echo "$PUB"; } | tr -d '\n' | xxd -r -p >"$T/pub.der" 2>/dev/null ||
		python3 -c "import sys; open(sys.argv[1],'wb').write(bytes.fromhex('302a300506032b6570032100'+sys.argv[2]))" "$T/pub.der" "$PUB"
	tr -d '\n' <"$T/pkg/manifest.sig" | python3 -c "import sys; sys.stdout.buffer.write(bytes.fromhex(sys.stdin.read()))" >"$T/sig.bin"
	openssl pkeyutl -verify -pubin -inkey "$T/pub.der" -keyform DER -rawin -in "$T/pkg/manifest.json" \
		-sigfile "$T/sig.bin" >/dev/null 2>&1 || fail "OpenSSL does not accept manifest.sig"
	note "ok: OpenSSL verifies manifest.sig over manifest.json"
fi

# ---------------------------------------------------------------- verify: good packages
expect_rc 0 "verify the folder" "$E" verify "$T/pkg"
assert_match "$OUT" '^ok +signature .*integrity only, not origin' "without --pubkey: integrity only"
assert_match "$OUT" '^ok +audit +audit.jsonl: [0-9]+ events' "the audit line"
assert_match "$OUT" '^verified: ' "the verdict"
expect_rc 0 "verify the folder with --pubkey HEX" "$E" verify --pubkey "$PUB" "$T/pkg"
assert_match "$OUT" '^ok +signature .*by the given key' "with --pubkey"
expect_rc 0 "verify the folder with --pubkey FILE" "$E" verify --pubkey "$P/key/ed25519.pub" "$T/pkg"
expect_rc 0 "verify the archive" "$E" verify "$T/pkg.tar.zst"
assert_match "$OUT" '^ok +archive +read 6 members' "the archive line"
expect_rc 0 "verify --json" "$E" verify --json --pubkey "$PUB" "$T/pkg.tar.zst"
python3 -c "
import json, sys
r = json.loads(sys.argv[1])
assert r['ok'] is True and r['origin'] is True and r['problems'] == 0, r
assert {c['check'] for c in r['checks']} == {'archive', 'manifest', 'signature', 'file', 'audit'}, r
" "$OUT" || fail "verify --json: $OUT"

# On a machine with only the binary and the package: a fresh folder, an
# empty environment, no project anywhere above.
mkdir -p "$T/far/side"
cp "$E" "$T/far/side/enclave"
cp "$T/pkg.tar.zst" "$T/far/side/"
cp -r "$T/pkg" "$T/far/side/pkg"
(cd "$T/far/side" && env -i ./enclave verify --pubkey "$PUB" pkg.tar.zst >"$T/far.out" 2>&1) ||
	fail "verify of the archive alone: $(cat "$T/far.out")"
(cd "$T/far/side" && env -i ./enclave verify pkg >"$T/far.out" 2>&1) ||
	fail "verify of the folder alone: $(cat "$T/far.out")"
note "ok: verify with only the binary and the package"

# ---------------------------------------------------------------- tampering
# Each case edits a copy of the folder; check_fails runs verify on the folder
# and on an archive of it packed by tar(1) in the same order (plain names).
mkdir -p "$T/cases"
fresh() {
	rm -rf "${T:?}/cases/$1"
	cp -r "$T/pkg" "$T/cases/$1"
	echo "$T/cases/$1"
}
# pack DIR ARCHIVE: a tar.zst of DIR's files, like enclave's (no directory entries).
pack() {
	(cd "$1" && find . -type f -o -type l | sed 's|^\./||' | LC_ALL=C sort |
		tar --zstd -cf "$2" --no-recursion -T -) || fail "tar of $1"
}
# check_fails WHAT DIR ERE [ARGS...]: verify DIR and its archive; exit 1, ERE in stdout.
check_fails() {
	local what=$1 dir=$2 re=$3 form
	shift 3
	pack "$dir" "$dir.tar.zst"
	for form in "$dir" "$dir.tar.zst"; do
		run "$E" verify "$@" "$form"
		if [ "$RC" != 1 ]; then
			printf 'FAIL: %s (%s): verify should exit 1, got %s\n  stdout: %s\n  stderr: %s\n' \
				"$what" "$form" "$RC" "$OUT" "$ERR" >&2
			exit 1
		fi
		assert_match "$OUT" "$re" "$what ($form): the message"
		assert_match "$OUT" '^FAILED: [0-9]+ problems? in ' "$what ($form): the verdict"
		sanitizer_clean "$ERR" "$what"
	done
	note "ok: $what: $(printf '%s\n' "$OUT" | grep -m1 '^FAIL ')"
}

# A packed, untouched copy verifies: the hand-made archive is a fair control.
D=$(fresh control)
pack "$D" "$D.tar.zst"
expect_rc 0 "verify of tar(1)'s archive of the untouched package" "$E" verify "$D.tar.zst"

D=$(fresh byte)
python3 - "$D/data.jsonl" <<'EOF'
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read()); i = b.index(b"paragraphs"); b[i] ^= 0x01
open(p, "wb").write(bytes(b))
EOF
check_fails "a changed byte in data.jsonl" "$D" '^FAIL +file +data.jsonl: sha256 .* the content was changed'

D=$(fresh missing)
rm "$D/DATASHEET.md"
check_fails "a missing file" "$D" '^FAIL +missing +DATASHEET.md: listed in the manifest, not in the package'

D=$(fresh extra)
echo "smuggled" >"$D/notes.txt"
check_fails "an extra file" "$D" '^FAIL +extra +notes.txt: in the package, not in the manifest'

D=$(fresh extra-dir)
mkdir -p "$D/more" && echo "smuggled" >"$D/more/x.jsonl"
check_fails "an extra file in a subfolder" "$D" '^FAIL +extra +more/x.jsonl: in the package, not in the manifest'

D=$(fresh manifest)
sed -i 's/"documents": 3/"documents": 4/' "$D/manifest.json"
check_fails "a changed manifest" "$D" '^FAIL +signature +manifest.sig is not a valid signature of manifest.json'

D=$(fresh manifest-gone)
rm "$D/manifest.json"
check_fails "no manifest" "$D" '^FAIL +manifest +manifest.json is missing'

D=$(fresh manifest-junk)
echo '{"manifest_version": 1, "files": 3}' >"$D/manifest.json"
check_fails "a manifest that is not one" "$D" '^FAIL +manifest +manifest.json: not a package manifest'

D=$(fresh sig)
python3 - "$D/manifest.sig" <<'EOF'
import sys
p = sys.argv[1]; s = open(p).read(); c = "1" if s[10] != "1" else "2"
open(p, "w").write(s[:10] + c + s[11:])
EOF
check_fails "a broken signature" "$D" '^FAIL +signature +manifest.sig is not a valid signature'

D=$(fresh sig-gone)
rm "$D/manifest.sig"
check_fails "no signature" "$D" '^FAIL +signature +manifest.sig is missing'

D=$(fresh wrongkey)
check_fails "a wrong --pubkey" "$D" '^FAIL +signature +manifest.sig is not a valid signature of manifest.json by the given key' --pubkey "$OTHER_PUB"

D=$(fresh audit)
python3 - "$D/audit.jsonl" <<'EOF'
import json, sys
p = sys.argv[1]; lines = open(p).read().splitlines()
e = json.loads(lines[1]); e["actor"] = e["actor"] + "x"
lines[1] = json.dumps(e, sort_keys=True, separators=(",", ":"))
open(p, "w").write("\n".join(lines) + "\n")
EOF
check_fails "a broken audit chain" "$D" '^FAIL +audit +audit.jsonl: line 2: event 2 was altered'
assert_match "$OUT" '^FAIL +file +audit.jsonl: ' "the broken chain's file check too"

D=$(fresh audit-cut)
python3 - "$D/audit.jsonl" <<'EOF'
import sys
p = sys.argv[1]; lines = open(p).read().splitlines()
open(p, "w").write("\n".join(lines[:-1]) + "\n")
EOF
check_fails "an audit chain without its checkpoint" "$D" '^FAIL +audit +audit.jsonl: .*no signed checkpoint'

# A forgery: the data changed, the manifest re-hashed and re-signed with
# another key, which replaces pubkey, the manifest's public_key and the
# audit checkpoint's key and signature. Everything is consistent, so
# without --pubkey it verifies (integrity only, as the report says); the
# right key catches it.
if command -v openssl >/dev/null; then
	D=$(fresh forged)
	openssl genpkey -algorithm ed25519 -out "$T/evil.pem" 2>/dev/null || fail "openssl genpkey"
	EVIL=$(openssl pkey -in "$T/evil.pem" -pubout -outform DER | tail -c 32 | od -An -tx1 | tr -d ' \n')
	python3 - "$D" "$T/evil.pem" "$EVIL" <<'EOF' || fail "forging"
import hashlib, json, os, subprocess, sys
d, pem, evil = sys.argv[1:4]
def sign(data):
    tmp = pem + ".msg"
    open(tmp, "wb").write(data)
    r = subprocess.run(["openssl", "pkeyutl", "-sign", "-inkey", pem, "-rawin", "-in", tmp],
                       capture_output=True, check=True)
    return r.stdout.hex()
p = os.path.join(d, "data.jsonl")
open(p, "ab").write(b'{"id":99,"text":"planted"}\n')
lines = open(os.path.join(d, "audit.jsonl")).read().splitlines()
cp = json.loads(lines[-1])["checkpoint"]
msg = "enclave-audit-checkpoint/1\n%s\n%d\n%s\n" % (cp["project"], cp["seq"], cp["hash"])
cp["public_key"] = evil; cp["signature"] = sign(msg.encode())
lines[-1] = json.dumps({"checkpoint": cp}, sort_keys=True, separators=(",", ":"))
open(os.path.join(d, "audit.jsonl"), "w").write("\n".join(lines) + "\n")
open(os.path.join(d, "pubkey"), "w").write(evil + "\n")
m = json.load(open(os.path.join(d, "manifest.json")))
for f in m["files"]:
    b = open(os.path.join(d, f["path"]), "rb").read()
    f["size"] = len(b); f["sha256"] = hashlib.sha256(b).hexdigest()
m["public_key"] = evil
raw = (json.dumps(m, indent=2, sort_keys=True) + "\n").encode()
open(os.path.join(d, "manifest.json"), "wb").write(raw)
open(os.path.join(d, "manifest.sig"), "w").write(sign(raw) + "\n")
EOF
	expect_rc 0 "the forgery without --pubkey (integrity only)" "$E" verify "$D"
	assert_match "$OUT" 'integrity only, not origin' "the forgery: the report says what it proves"
	check_fails "the forgery with the right --pubkey" "$D" \
		'^FAIL +signature +manifest.sig is not a valid signature of manifest.json by the given key .*the manifest names another key' \
		--pubkey "$PUB"
	assert_match "$OUT" '^FAIL +audit +audit.jsonl: .*signature is not valid for the given key' "the forgery: the chain's checkpoint"
fi

# ---------------------------------------------------------------- hostile archives
# Made with python's tarfile around the good package's files, zstd(1) on top.
cat >"$T/mktar.py" <<'EOF'
import io, os, sys, tarfile
src, out, kind = sys.argv[1:4]
with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
    for n in sorted(os.listdir(src)):
        t.add(os.path.join(src, n), arcname=n)
    if kind == "traversal":
        data = b"owned\n"; ti = tarfile.TarInfo("../evil.txt"); ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
    elif kind == "absolute":
        data = b"owned\n"; ti = tarfile.TarInfo("/tmp/evil.txt"); ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
    elif kind == "symlink":
        ti = tarfile.TarInfo("link"); ti.type = tarfile.SYMTYPE; ti.linkname = "/etc/passwd"
        t.addfile(ti)
    elif kind == "hardlink":
        ti = tarfile.TarInfo("hard"); ti.type = tarfile.LNKTYPE; ti.linkname = "pubkey"
        t.addfile(ti)
    elif kind == "dir":
        ti = tarfile.TarInfo("sub"); ti.type = tarfile.DIRTYPE
        t.addfile(ti)
EOF
hostile() {
	local kind=$1 re=$2
	python3 "$T/mktar.py" "$T/pkg" "$T/h-$kind.tar" "$kind" || fail "mktar $kind"
	zstd -q -f --rm "$T/h-$kind.tar" -o "$T/h-$kind.tar.zst" || fail "zstd $kind"
	run "$E" verify "$T/h-$kind.tar.zst"
	[ "$RC" = 1 ] || fail "hostile archive $kind: verify should exit 1, got $RC: $OUT $ERR"
	assert_match "$OUT" "$re" "hostile archive $kind"
	sanitizer_clean "$ERR" "hostile archive $kind"
	note "ok: hostile archive $kind: $(printf '%s\n' "$OUT" | grep -m1 '^FAIL ')"
}
hostile traversal '^FAIL +extra +\.\./evil\.txt: a path with an empty, .\.. or .\.\.. component'
hostile absolute '^FAIL +extra +/tmp/evil\.txt: an absolute path'
hostile symlink '^FAIL +extra +link: a symbolic link'
hostile hardlink '^FAIL +extra +hard: a hard link'
hostile dir '^FAIL +extra +sub/?: a directory entry'
[ ! -e "$T/evil.txt" ] && [ ! -e /tmp/evil.txt ] || fail "verify wrote a member out"

head -c 1000 "$T/pkg.tar.zst" >"$T/cut.tar.zst"
run "$E" verify "$T/cut.tar.zst"
[ "$RC" = 1 ] || fail "a truncated archive: exit $RC"
assert_match "$OUT" '^FAIL +archive ' "a truncated archive"
printf 'not an archive at all\n' >"$T/junk.tar.zst"
run "$E" verify "$T/junk.tar.zst"
[ "$RC" = 1 ] || fail "junk: exit $RC"
assert_match "$OUT" '^FAIL +archive ' "a file that is not an archive"
note "ok: truncated and junk archives"

# ---------------------------------------------------------------- determinism
expect_rc 0 "export of twin 1" "$E" -C "$T/twin1" export --archive "$T/twin1.tar.zst" "$T/twin1.out"
expect_rc 0 "export of twin 2" "$E" -C "$T/twin2" export --archive "$T/twin2.tar.zst" "$T/twin2.out"
diff -r "$T/twin1.out" "$T/twin2.out" >/dev/null || fail "two exports of one store differ: $(diff -r "$T/twin1.out" "$T/twin2.out" | head -20)"
cmp "$T/twin1.tar.zst" "$T/twin2.tar.zst" || fail "two archives of one store differ"
cmp "$T/twin1.out/data.jsonl" "$T/pkg/data.jsonl" || fail "data.jsonl differs from the first export"
note "ok: the same store gives byte-identical packages and archives"
# A second export of the same project: the data files are the same, the
# chain has one more event (the first export's).
expect_rc 0 "a second export of the project" "$E" -C "$P" export "$T/again"
cmp "$T/again/data.jsonl" "$T/pkg/data.jsonl" || fail "a second export's data.jsonl differs"
expect_rc 0 "verify the second export" "$E" verify --pubkey "$PUB" "$T/again"

# ---------------------------------------------------------------- usage
expect_rc 2 "verify without a package" "$E" verify
expect_rc 2 "verify with a malformed --pubkey" "$E" verify --pubkey nothex "$T/pkg"
expect_rc 1 "verify of a package that does not exist" "$E" verify "$T/nope"
assert_match "$ERR" "cannot open '.*nope'" "no such package: the message"
expect_rc 2 "export --archive onto an existing file" "$E" -C "$P" export --archive "$T/pkg.tar.zst"
echo "package: all checks passed"
