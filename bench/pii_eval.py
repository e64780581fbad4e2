#!/usr/bin/env python3
"""Score `enclave scan` on the PII/PHI sets of the shared evaluation corpus.

Usage:
  pii_eval.py [--enclave PATH] [--corpus DIR] [--set physionet|synth|demo]...
              [--errors FILE] [--labels L1,L2]

ENCLAVE (env) or --enclave is the binary; the corpus is
$ENCLAVE_BENCH_CORPUS or ../shared/corpus beside the repository, and the sets
are read under its pii/ folder (see pii/SOURCE.md there). Every set runs
through one `enclave scan --jsonl --field text` process: one JSON object a
line in, the same object with `spans: [{start, end, label, score, text,
source}]` (code points, end exclusive) out. A Markdown report goes to stdout.
docs/pii-accuracy.md describes the method; the short version:

physionet (physionet_deid/dev.jsonl, real ICU nursing notes, gold PHI spans)
  Binary PHI: any label we emit counts as PHI, every gold type is PHI.
  * character level over non-white-space characters: recall = gold chars
    covered by a predicted span / gold chars; precision = predicted chars
    inside a gold span / predicted chars;
  * entity recall, strict: a gold span is found when every non-white-space
    character of it is covered by predicted spans (of any label, possibly
    several); "overlap": at least one of its characters is covered;
  * entity precision: a predicted span is a true positive when it shares at
    least one non-white-space character with a gold span;
  * per gold type: strict and overlap recall; per predicted source: how many
    spans, and the share that overlap gold (the precision of that source).
  Generalisation protocol: notes are split by patient: even patient_id is
  the tuning half, odd patient_id the held-out half. Recognisers are tuned on
  the tuning half only (--errors writes the tuning half's misses and false
  alarms, never the held-out half's); the held-out figures are the honest ones.

synth (presidio_research/synth_dataset_v2.json, template-generated)
  Gold types are mapped to our labels (MAPPING below: GPE -> LOCATION,
  DOMAIN_NAME also accepts URL, ...). TITLE and NRP have no label of ours:
  they are reported as "not produced" and left out of the headline micro
  average; a prediction overlapping one of them counts neither way.
  Per type precision/recall/F1, two matchings: exact (same start and end,
  white space trimmed, compatible label) and overlap (one shared character,
  compatible label). A predicted span whose label matches no gold span it
  touches is a false positive of its own label; predictions with labels the
  set never annotates (e.g. US_BANK_NUMBER) are counted in the "other labels"
  row and in the micro precision.

demo (presidio_demo/demo.txt and demo_anonymized.txt)
  `enclave redact --operator tag` on demo.txt (our [PERSON] read as
  <PERSON>), compared with the expected text tag by tag (<PERSON>,
  <LOCATION>, ...): the two outputs are aligned
  word by word (difflib) and each expected tag is matched when the same tag
  stands at the aligned place. Skipped when `enclave redact` is missing.
"""
import argparse
import collections
import difflib
import json
import os
import re
import subprocess
import sys
import tempfile

# Presidio synthetic gold type -> the labels of ours that match it.
MAPPING = {
    "PERSON": {"PERSON"},
    "STREET_ADDRESS": {"STREET_ADDRESS"},
    "GPE": {"LOCATION"},
    "ORGANIZATION": {"ORGANIZATION"},
    "CREDIT_CARD": {"CREDIT_CARD"},
    "DATE_TIME": {"DATE_TIME"},
    "PHONE_NUMBER": {"PHONE_NUMBER"},
    "AGE": {"AGE"},
    "EMAIL_ADDRESS": {"EMAIL_ADDRESS"},
    "ZIP_CODE": {"ZIP_CODE"},
    "DOMAIN_NAME": {"DOMAIN_NAME", "URL"},
    "IBAN_CODE": {"IBAN_CODE"},
    "US_SSN": {"US_SSN"},
    "IP_ADDRESS": {"IP_ADDRESS"},
    "US_DRIVER_LICENSE": {"US_DRIVER_LICENSE"},
}
NOT_PRODUCED = {"TITLE", "NRP"}


def fail(msg):
    print("pii_eval: " + msg, file=sys.stderr)
    sys.exit(1)


PHYSIONET_ARGS = os.environ.get("PII_PHYSIONET_ARGS", "--preset hipaa").split()


def scan(enclave, records, extra=()):
    """Run `enclave scan --jsonl --field text [extra]` over [{id, text}]; return {id: spans}."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as inp:
        for r in records:
            inp.write(json.dumps({"id": r["id"], "text": r["text"]}, ensure_ascii=False) + "\n")
        inp.seek(0)
        proc = subprocess.run([enclave, "scan", "--jsonl", "--field", "text"] + list(extra), stdin=inp,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        fail("'%s scan --jsonl' exited %d: %s" % (enclave, proc.returncode,
                                                  proc.stderr.decode(errors="replace")[:500]))
    out = {}
    for line in proc.stdout.decode("utf-8").splitlines():
        if not line.strip():
            continue
        obj = json.loads(line)
        out[obj["id"]] = obj.get("spans", [])
    missing = [r["id"] for r in records if r["id"] not in out]
    if missing:
        fail("scan output lacks %d records (first: %r)" % (len(missing), missing[0]))
    return out


def pct(num, den):
    return "%.3f" % (num / den) if den else "n/a"


def f1(p, r):
    return 2 * p * r / (p + r) if p + r else 0.0


# ---------------------------------------------------------------- physionet

def nonws(text, start, end):
    return {i for i in range(start, min(end, len(text))) if not text[i].isspace()}


def physionet_half(notes, preds):
    """Score one half; returns a dict of counters."""
    s = collections.Counter()
    by_type = collections.defaultdict(collections.Counter)
    by_source = collections.defaultdict(collections.Counter)
    for n in notes:
        text = n["text"]
        gold_chars = set()
        gold_sets = []
        for g in n["spans"]:
            cs = nonws(text, g["start"], g["end"])
            gold_chars |= cs
            gold_sets.append((g, cs))
        pred_chars = set()
        for p in preds[n["id"]]:
            cs = nonws(text, p["start"], p["end"])
            pred_chars |= cs
            tp = bool(cs & gold_chars)
            s["pred"] += 1
            s["pred_tp"] += tp
            src = by_source[p.get("source", "?") + " " + p["label"]]
            src["n"] += 1
            src["tp"] += tp
        s["gold_chars"] += len(gold_chars)
        s["pred_chars"] += len(pred_chars)
        s["both_chars"] += len(gold_chars & pred_chars)
        for g, cs in gold_sets:
            t = by_type[g["type"]]
            t["n"] += 1
            s["gold"] += 1
            if cs and cs <= pred_chars:
                t["strict"] += 1
                s["strict"] += 1
            if cs & pred_chars:
                t["overlap"] += 1
                s["overlap"] += 1
    return s, by_type, by_source


def physionet(enclave, corpus, errors_path):
    path = os.path.join(corpus, "physionet_deid", "dev.jsonl")
    if not os.path.exists(path):
        print("skip: physionet: no %s\n" % path)
        return None
    notes = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            n = json.loads(line)
            n["id"] = "%d/%d" % (n["patient_id"], n["note_id"])
            notes.append(n)
    # Clinical notes are scanned as a HIPAA user would: the hipaa preset
    # (which adds the clinical recogniser).
    preds = scan(enclave, notes, PHYSIONET_ARGS)
    halves = [("tuning (even patient_id)", [n for n in notes if n["patient_id"] % 2 == 0]),
              ("held-out (odd patient_id)", [n for n in notes if n["patient_id"] % 2 == 1])]
    results = [(name, hn) + physionet_half(hn, preds) for name, hn in halves]

    print("## PhysioNet deid nursing notes: binary PHI\n")
    print("%d notes, %d patients; gold spans: %d tuning, %d held-out.\n" % (
        len(notes), len({n["patient_id"] for n in notes}),
        sum(len(n["spans"]) for n in halves[0][1]), sum(len(n["spans"]) for n in halves[1][1])))
    print("| half | notes | char recall | char precision | entity recall (strict) "
          "| entity recall (overlap) | entity precision | gold | predicted |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, hn, s, _, _ in results:
        print("| %s | %d | %s | %s | %s | %s | %s | %d | %d |" % (
            name, len(hn), pct(s["both_chars"], s["gold_chars"]),
            pct(s["both_chars"], s["pred_chars"]), pct(s["strict"], s["gold"]),
            pct(s["overlap"], s["gold"]), pct(s["pred_tp"], s["pred"]), s["gold"], s["pred"]))
    print("\nRecall per gold type (strict / overlap):\n")
    types = sorted({t for r in results for t in r[3]})
    print("| type | " + " | ".join(r[0] for r in results) + " |")
    print("|---|" + "---:|" * len(results))
    for t in types:
        cells = []
        for r in results:
            c = r[3][t]
            cells.append("%s / %s (n=%d)" % (pct(c["strict"], c["n"]), pct(c["overlap"], c["n"]),
                                             c["n"]))
        print("| %s | %s |" % (t, " | ".join(cells)))
    print("\nPredicted spans per source and label (share overlapping gold PHI):\n")
    print("| source label | " + " | ".join(r[0] for r in results) + " |")
    print("|---|" + "---:|" * len(results))
    for src in sorted({k for r in results for k in r[4]}):
        cells = []
        for r in results:
            c = r[4].get(src, collections.Counter())
            cells.append("%s of %d" % (pct(c["tp"], c["n"]), c["n"]) if c["n"] else "-")
        print("| %s | %s |" % (src, " | ".join(cells)))
    print()
    if errors_path:
        write_errors(errors_path, halves[0][1], preds)
    return results


def write_errors(path, notes, preds):
    """Misses and false alarms of the tuning half, with context, for tuning."""
    with open(path, "w", encoding="utf-8") as f:
        for n in notes:
            text = n["text"]
            pc = set()
            for p in preds[n["id"]]:
                pc |= nonws(text, p["start"], p["end"])
            gc = set()
            for g in n["spans"]:
                gc |= nonws(text, g["start"], g["end"])
            for g in n["spans"]:
                cs = nonws(text, g["start"], g["end"])
                if not cs <= pc:
                    f.write("FN %-17s %s\n" % (g["type"], ctx(text, g["start"], g["end"])))
            for p in preds[n["id"]]:
                if not nonws(text, p["start"], p["end"]) & gc:
                    f.write("FP %-17s %s\n" % (p["label"] + " " + p.get("source", ""),
                                               ctx(text, p["start"], p["end"])))


def ctx(text, start, end):
    s = "%s[[%s]]%s" % (text[max(0, start - 40):start], text[start:end], text[end:end + 25])
    return s.replace("\n", "\\n")


# ---------------------------------------------------------------- synthetic

def strip_span(text, start, end):
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def synth(enclave, corpus):
    path = os.path.join(corpus, "presidio_research", "synth_dataset_v2.json")
    if not os.path.exists(path):
        print("skip: synth: no %s\n" % path)
        return None
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    recs = [{"id": str(i), "text": d["full_text"], "gold": d["spans"]} for i, d in enumerate(data)]
    preds = scan(enclave, recs)
    ours = set().union(*MAPPING.values())
    # per type: tp_gold (recall), n_gold, tp_pred (precision), n_pred; for exact and overlap
    cnt = {m: collections.defaultdict(collections.Counter) for m in ("exact", "overlap")}
    for r in recs:
        text = r["text"]
        gold = []
        for g in r["gold"]:
            s, e = strip_span(text, g["start_position"], g["end_position"])
            gold.append((s, e, g["entity_type"]))
        pr = []
        for p in preds[r["id"]]:
            s, e = strip_span(text, p["start"], p["end"])
            pr.append((s, e, p["label"]))
        for mode in ("exact", "overlap"):
            def match(g, p):
                if mode == "exact":
                    return g[0] == p[0] and g[1] == p[1]
                return g[0] < p[1] and p[0] < g[1]
            c = cnt[mode]
            for g in gold:
                c[g[2]]["n_gold"] += 1
                if g[2] in MAPPING and any(p[2] in MAPPING[g[2]] and match(g, p) for p in pr):
                    c[g[2]]["tp_gold"] += 1
            for p in pr:
                hits = [g for g in gold if g[0] < p[1] and p[0] < g[1]]
                if any(g[2] in NOT_PRODUCED for g in hits) and not any(
                        g[2] in MAPPING and p[2] in MAPPING[g[2]] for g in hits):
                    continue  # on TITLE / NRP text: counted neither way
                # the type the prediction is credited to: the gold type it claims
                types = [t for t, labs in MAPPING.items() if p[2] in labs]
                key = types[0] if types else "other labels"
                for g in hits:
                    if g[2] in MAPPING and p[2] in MAPPING[g[2]]:
                        key = g[2]
                        break
                c[key]["n_pred"] += 1
                if any(g[2] in MAPPING and p[2] in MAPPING[g[2]] and match(g, p) for g in gold):
                    c[key]["tp_pred"] += 1
    print("## Presidio synthetic set (presidio-research synth_dataset_v2)\n")
    print("%d records, %d gold spans. Gold GPE is matched by LOCATION, DOMAIN_NAME by "
          "DOMAIN_NAME or URL; TITLE and NRP are not produced and left out of the micro "
          "average.\n" % (len(recs), sum(len(r["gold"]) for r in recs)))
    print("| type | gold | predicted | P exact | R exact | F1 exact | P overlap | R overlap "
          "| F1 overlap |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    keys = sorted(set(cnt["exact"]) | set(cnt["overlap"]),
                  key=lambda k: (k == "other labels", k in NOT_PRODUCED, k))
    micro = {m: collections.Counter() for m in cnt}
    for k in keys:
        row = [k]
        ng = cnt["exact"][k]["n_gold"]
        npred = cnt["exact"][k]["n_pred"]
        row += [str(ng), str(npred)]
        for mode in ("exact", "overlap"):
            c = cnt[mode][k]
            if k in NOT_PRODUCED:
                row += ["not produced", "-", "-"]
                continue
            p = c["tp_pred"] / c["n_pred"] if c["n_pred"] else 0.0
            rr = c["tp_gold"] / c["n_gold"] if c["n_gold"] else 0.0
            row += [pct(c["tp_pred"], c["n_pred"]), pct(c["tp_gold"], c["n_gold"]),
                    "%.3f" % f1(p, rr) if c["n_gold"] and c["n_pred"] else "n/a"]
            micro[mode].update(c)
        print("| " + " | ".join(row) + " |")
    res = {}
    row = ["**micro (excl. TITLE, NRP)**", str(micro["exact"]["n_gold"]),
           str(micro["exact"]["n_pred"])]
    for mode in ("exact", "overlap"):
        c = micro[mode]
        p = c["tp_pred"] / c["n_pred"] if c["n_pred"] else 0.0
        rr = c["tp_gold"] / c["n_gold"] if c["n_gold"] else 0.0
        res[mode] = (p, rr, f1(p, rr))
        row += ["**%.3f**" % p, "**%.3f**" % rr, "**%.3f**" % f1(p, rr)]
    print("| " + " | ".join(row) + " |\n")
    return res


# ---------------------------------------------------------------- demo

TAG = re.compile(r"<([A-Z_]+)>")


def demo(enclave, corpus):
    src = os.path.join(corpus, "presidio_demo", "demo.txt")
    want_path = os.path.join(corpus, "presidio_demo", "demo_anonymized.txt")
    if not os.path.exists(src) or not os.path.exists(want_path):
        print("skip: demo: no %s\n" % src)
        return None
    probe = subprocess.run([enclave, "redact", "--help"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    if probe.returncode != 0:
        print("skip: demo: this enclave has no `redact` command yet\n")
        return None
    # DESIGN.md's `--operator tag`; the redactor's policy spec (docs/redaction.md) as a fallback.
    for opts in (["--operator", "tag"], ["--policy", "tag"]):
        proc = subprocess.run([enclave, "redact"] + opts + [src], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
        if proc.returncode != 2:
            break
    if proc.returncode != 0:
        fail("'enclave redact' exited %d: %s" % (proc.returncode,
                                                 proc.stderr.decode(errors="replace")[:500]))
    # Our tag operator writes [PERSON]; Presidio's expected text has <PERSON>.
    got = re.sub(r"\[([A-Z_]+)\]", r"<\1>", proc.stdout.decode("utf-8"))
    with open(want_path, encoding="utf-8") as f:
        want = f.read()

    def words(s):
        return re.findall(r"<[A-Z_]+>|\w+|[^\w\s]", s)
    ww, gw = words(want), words(got)
    sm = difflib.SequenceMatcher(None, ww, gw, autojunk=False)
    c = collections.defaultdict(collections.Counter)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        for w in ww[i1:i2]:
            m = TAG.fullmatch(w)
            if m:
                c[m.group(1)]["want"] += 1
                c[m.group(1)]["ok"] += op == "equal"
        for w in gw[j1:j2]:
            m = TAG.fullmatch(w)
            if m:
                c[m.group(1)]["got"] += 1
    print("## Presidio demo: `enclave redact --operator tag`\n")
    print("| tag | expected | ours | matched in place |")
    print("|---|---:|---:|---:|")
    for t in sorted(c):
        print("| %s | %d | %d | %d |" % (t, c[t]["want"], c[t]["got"], c[t]["ok"]))
    print("\nWord-level similarity to the expected text: %.3f\n" % sm.ratio())
    return c


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--enclave", default=os.environ.get("ENCLAVE"))
    here = os.path.dirname(os.path.abspath(__file__))
    default_corpus = os.environ.get("ENCLAVE_BENCH_CORPUS") or os.path.join(
        os.path.dirname(os.path.dirname(here)), "shared", "corpus")
    ap.add_argument("--corpus", default=default_corpus)
    ap.add_argument("--set", action="append", choices=["physionet", "synth", "demo"])
    ap.add_argument("--errors", help="write the tuning half's misses and false alarms here")
    a = ap.parse_args()
    if not a.enclave:
        fail("no binary: pass --enclave PATH or set ENCLAVE")
    pii = os.path.join(a.corpus, "pii")
    if not os.path.isdir(pii):
        print("skip: pii: no corpus at %s" % pii)
        return
    sets = a.set or ["physionet", "synth", "demo"]
    print("# PII accuracy: %s\n" % os.path.basename(a.enclave))
    if "physionet" in sets:
        physionet(a.enclave, pii, a.errors)
    if "synth" in sets:
        synth(a.enclave, pii)
    if "demo" in sets:
        demo(a.enclave, pii)


if __name__ == "__main__":
    main()
