#!/bin/bash
# Chain of custody for models: ingesting an image through OCR records the
# SHA-256 of the model file used, in the document's event and the run's.
set -u
. "$SRC_DIR/tests/scripts/lib.sh"
setup_tmp ocr-custody

"$TOOLS_DIR/mkpdf" simple "$T/a.pdf" "The quick brown fox jumps over the lazy dog" >/dev/null || fail "mkpdf"
"$TOOLS_DIR/mkpng" "$T/a.pdf" "$T/scan.png" 200 || fail "mkpng"
"$ENCLAVE" init "$T/p" 2>/dev/null || fail "init"
"$ENCLAVE" -C "$T/p" ingest -q "$T/scan.png" || fail "ingest of a PNG"
"$ENCLAVE" -C "$T/p" show 1 | grep -qi "brown fox" || fail "the OCR text is not in the document: $("$ENCLAVE" -C "$T/p" show 1)"
"$ENCLAVE" -C "$T/p" audit log --json >"$T/log"
python3 - "$T/log" <<'PY' || fail "model hashes in the audit trail"
import hashlib, json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
for action in ("ingest.document", "ingest.run"):
    ev = next(e for e in events if e["action"] == action)
    models = ev["params"].get("models") or {}
    assert models, f"{action}: no models recorded"
    for path, sha in models.items():
        want = hashlib.sha256(open(path, "rb").read()).hexdigest()
        assert sha == want, f"{action}: {path}: recorded {sha}, file hashes to {want}"
        print(f"{action}: {path} {sha[:16]}...")
PY
"$ENCLAVE" -C "$T/p" audit verify >/dev/null || fail "audit verify"
echo "ocr custody: model hashes recorded and correct"
