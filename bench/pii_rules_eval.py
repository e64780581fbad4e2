#!/usr/bin/env python3
"""Quick accuracy check of the rule recognisers (`enclave scan --jsonl`) on
the shared PII corpora; a tuning aid, not the official evaluation.

    pii_rules_eval.py ENCLAVE [--corpus DIR] [--min-score S] [--exact] [--errors TYPE]

Sets (under DIR, default ../shared/corpus/pii beside the repository):

  presidio   presidio_research/synth_dataset_v2.json: Presidio's synthetic
             sentences. Scored types: CREDIT_CARD, PHONE_NUMBER,
             EMAIL_ADDRESS, IBAN_CODE, US_SSN, IP_ADDRESS, DOMAIN_NAME,
             DATE_TIME, ZIP_CODE, STREET_ADDRESS, AGE, US_DRIVER_LICENSE.
             Its DOMAIN_NAME spans are URLs ("https://www.x.se/"), so our URL
             spans count as DOMAIN_NAME.
  physionet  physionet_deid/dev.jsonl: nursing notes. Date and DateYear are
             scored as DATE_TIME, Phone as PHONE_NUMBER. The notes mark no
             times of day and no weekdays (neither is a date under HIPAA), so
             our spans from rule:time and rule:weekday are left out.

A predicted span is a true positive when it overlaps a gold span of its type
(--exact: when it has the same offsets); each gold span is matched once.
Offsets are code points on both sides. Prints per-type precision, recall, F1.
"""
import argparse
import json
import os
import subprocess
import sys
from collections import defaultdict

PRESIDIO_TYPES = ["CREDIT_CARD", "PHONE_NUMBER", "EMAIL_ADDRESS", "IBAN_CODE", "US_SSN",
                  "IP_ADDRESS", "DOMAIN_NAME", "DATE_TIME", "ZIP_CODE", "STREET_ADDRESS",
                  "AGE", "US_DRIVER_LICENSE"]
PHYSIONET_MAP = {"Date": "DATE_TIME", "DateYear": "DATE_TIME", "Phone": "PHONE_NUMBER"}


def scan(enclave, texts, min_score):
    """Spans of each text, by `enclave scan --jsonl`, in input order."""
    lines = "".join(json.dumps({"text": t}) + "\n" for t in texts)
    out = subprocess.run([enclave, "scan", "--jsonl", "--min-score", str(min_score)],
                         input=lines.encode(), capture_output=True, check=False)
    if out.returncode != 0:
        sys.exit("enclave scan failed: " + out.stderr.decode())
    return [json.loads(line)["spans"] for line in out.stdout.decode().splitlines()]


def score(gold, pred, exact, errors, texts, want_type):
    """gold, pred: per document lists of (start, end, type[, source]). Returns counts per type."""
    tp, fp, fn = defaultdict(int), defaultdict(int), defaultdict(int)
    for i, (g, p) in enumerate(zip(gold, pred)):
        used = set()
        for ps in p:
            hit = None
            for j, gs in enumerate(g):
                if j in used or gs[2] != ps[2]:
                    continue
                if (gs[0], gs[1]) == (ps[0], ps[1]) if exact else gs[0] < ps[1] and ps[0] < gs[1]:
                    hit = j
                    break
            if hit is None:
                fp[ps[2]] += 1
                if errors and ps[2] == want_type:
                    print("FP", ps[3], repr(ctx(texts[i], ps[0], ps[1])))
            else:
                used.add(hit)
                tp[ps[2]] += 1
        for j, gs in enumerate(g):
            if j not in used:
                fn[gs[2]] += 1
                if errors and gs[2] == want_type:
                    print("FN", repr(ctx(texts[i], gs[0], gs[1])))
    return tp, fp, fn


def ctx(text, s, e):
    return text[max(0, s - 40):s] + "[[" + text[s:e] + "]]" + text[e:e + 25]


def report(name, types, tp, fp, fn):
    print(f"\n{name}")
    print(f"  {'type':<20} {'gold':>5} {'pred':>5} {'P':>6} {'R':>6} {'F1':>6}")
    for t in types:
        p = tp[t] / (tp[t] + fp[t]) if tp[t] + fp[t] else 0.0
        r = tp[t] / (tp[t] + fn[t]) if tp[t] + fn[t] else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        print(f"  {t:<20} {tp[t] + fn[t]:>5} {tp[t] + fp[t]:>5} {p:>6.3f} {r:>6.3f} {f:>6.3f}")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("enclave")
    ap.add_argument("--corpus", default=os.path.join(os.path.dirname(os.path.dirname(here)),
                                                     "shared", "corpus", "pii"))
    ap.add_argument("--min-score", type=float, default=0.4)
    ap.add_argument("--exact", action="store_true")
    ap.add_argument("--errors", metavar="TYPE", help="print the false positives and negatives of TYPE")
    ap.add_argument("--set", choices=["presidio", "physionet", "both"], default="both")
    a = ap.parse_args()

    if a.set in ("presidio", "both"):
        path = os.path.join(a.corpus, "presidio_research", "synth_dataset_v2.json")
        if not os.path.exists(path):
            print(f"skip: no {path}")
        else:
            data = json.load(open(path))
            texts = [d["full_text"] for d in data]
            gold = [[(s["start_position"], s["end_position"], s["entity_type"])
                     for s in d["spans"] if s["entity_type"] in PRESIDIO_TYPES] for d in data]
            pred = []
            for spans in scan(a.enclave, texts, a.min_score):
                doc = []
                for s in spans:
                    label = "DOMAIN_NAME" if s["label"] == "URL" else s["label"]
                    if label in PRESIDIO_TYPES:
                        doc.append((s["start"], s["end"], label, s["source"]))
                pred.append(doc)
            report("presidio synth_dataset_v2 (%d sentences)" % len(texts), PRESIDIO_TYPES,
                   *score(gold, pred, a.exact, a.errors, texts, a.errors))

    if a.set in ("physionet", "both"):
        path = os.path.join(a.corpus, "physionet_deid", "dev.jsonl")
        if not os.path.exists(path):
            print(f"skip: no {path}")
        else:
            data = [json.loads(line) for line in open(path)]
            texts = [d["text"] for d in data]
            gold = [[(s["start"], s["end"], PHYSIONET_MAP[s["type"]])
                     for s in d["spans"] if s["type"] in PHYSIONET_MAP] for d in data]
            pred = []
            for spans in scan(a.enclave, texts, a.min_score):
                pred.append([(s["start"], s["end"], s["label"], s["source"]) for s in spans
                             if s["label"] in ("DATE_TIME", "PHONE_NUMBER") and
                             s["source"] not in ("rule:time", "rule:weekday")])
            report("physionet dev (%d notes)" % len(texts), ["DATE_TIME", "PHONE_NUMBER"],
                   *score(gold, pred, a.exact, a.errors, texts, a.errors))


if __name__ == "__main__":
    main()
