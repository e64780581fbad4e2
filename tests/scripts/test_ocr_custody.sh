#!/bin/bash
# Chain of custody for models: ingesting through OCR records the SHA-256 of
# every model file used, in the document's event and the run's: the
# language's traineddata for an image; the orientation model too for a
# upsidedown scanned PDF (OSD ran); one traineddata per language with
# --lang eng+osd (osd.traineddata being the only other model installed).
set -u
. "$SRC_DIR/tests/scripts/lib.sh"
setup_tmp ocr-custody

"$TOOLS_DIR/mkpdf" simple "$T/a.pdf" "The quick brown fox jumps over the lazy dog" >/dev/null || fail "mkpdf"
"$TOOLS_DIR/mkpng" "$T/a.pdf" "$T/scan.png" 200 || fail "mkpng"
"$TOOLS_DIR/mkscan" upsidedown "$T/upsidedown.pdf" "Records are collected from each site and checked
against the schedule, then stored with their provenance so that every
later step can be traced back to the file it came from." || fail "mkscan upsidedown"
"$TOOLS_DIR/mkscan" image "$T/two.pdf" "Two languages read this scanned line" || fail "mkscan image"
"$ENCLAVE" init "$T/p" 2>/dev/null || fail "init"
"$ENCLAVE" -C "$T/p" ingest -q "$T/scan.png" || fail "ingest of a PNG"
"$ENCLAVE" -C "$T/p" show 1 | grep -qi "brown fox" || fail "the OCR text is not in the document: $("$ENCLAVE" -C "$T/p" show 1)"
"$ENCLAVE" -C "$T/p" ingest -q "$T/upsidedown.pdf" || fail "ingest of a upsidedown scanned PDF"
"$ENCLAVE" -C "$T/p" show 2 | grep -qi "provenance" || fail "the upsidedown scan was not read: $("$ENCLAVE" -C "$T/p" show 2)"
"$ENCLAVE" -C "$T/p" ingest -q --lang eng+osd "$T/two.pdf" || fail "ingest with --lang eng+osd"
"$ENCLAVE" -C "$T/p" audit log --json >"$T/log"
python3 - "$T/log" <<'PY' || fail "model hashes in the audit trail"
import hashlib, json, os, sys
events = [json.loads(l) for l in open(sys.argv[1])]
docs = [e for e in events if e["action"] == "ingest.document"]
runs = [e for e in events if e["action"] == "ingest.run"]
assert len(docs) == 3 and len(runs) == 3, (len(docs), len(runs))
# The PNG is a whole page: OSD may run on it too.
want = [None, {"eng.traineddata", "osd.traineddata"}, {"eng.traineddata", "osd.traineddata"}]
for doc, run, names in zip(docs, runs, want):
    for ev in (doc, run):
        models = ev["params"].get("models") or {}
        got = {os.path.basename(p) for p in models}
        assert got == names if names else "eng.traineddata" in got, f"{ev['action']}: models {sorted(got)}, want {names}"
        for path, sha in models.items():
            real = hashlib.sha256(open(path, "rb").read()).hexdigest()
            assert sha == real, f"{ev['action']}: {path}: recorded {sha}, file hashes to {real}"
    print(f"{doc['params'].get('path', '?')}: {sorted(got)}")
PY
"$ENCLAVE" -C "$T/p" show 3 --format json 2>/dev/null | python3 -c '
import json, sys
m = json.load(sys.stdin)["metadata"]
assert "ocr_eng_model_path" in m and "ocr_osd_model_path" in m and "ocr_model_path" not in m, m
' || fail "--lang eng+osd: one _model_path key per language"
"$ENCLAVE" -C "$T/p" audit verify >/dev/null || fail "audit verify"
echo "ocr custody: model hashes recorded and correct (one language, OSD, two languages)"
