#!/usr/bin/env python3
"""Score OCR outputs for bench/ocr.sh.

  ocr_score.py lines OUTDIR GTDIR      character error rate on text lines:
      for each GTDIR/**/<id>.gt.txt, OUTDIR/<id>.txt; white space collapsed
      and trimmed on both sides; CER = total edit distance (Levenshtein,
      characters) / total ground-truth characters. Prints "cer N errors M chars"
      (N in percent) and the worst lines on stderr.
  ocr_score.py words OUTDIR BOXDIR     bag-of-words F1 on receipts: for each
      BOXDIR/<id>.csv (x1,y1,...,y4,transcript: the transcript after the 8th
      comma), OUTDIR/<id>.txt; tokens split on white space, case kept;
      multiset intersection; P, R, F1 micro-averaged over all receipts.
      Prints "f1 F precision P recall R".

A missing output counts as empty.
"""
import collections
import glob
import os
import sys


def norm(s):
    return " ".join(s.split())


def edit_distance(a, b):
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def lines(outdir, gtdir):
    errors = chars = 0
    worst = []
    for gt_path in sorted(glob.glob(os.path.join(gtdir, "**", "*.gt.txt"), recursive=True)):
        ident = os.path.basename(gt_path)[: -len(".gt.txt")]
        gt = norm(read(gt_path))
        out = norm(read(os.path.join(outdir, ident + ".txt")))
        e = edit_distance(gt, out)
        errors += e
        chars += len(gt)
        worst.append((e, ident, gt, out))
    worst.sort(reverse=True)
    for e, ident, gt, out in worst[:3]:
        if e:
            print(f"  {ident}: {e} errors\n    gt:  {gt}\n    out: {out}", file=sys.stderr)
    print(f"cer {100.0 * errors / max(chars, 1):.2f} errors {errors} chars {chars} lines {len(worst)}")


def words(outdir, boxdir):
    tp = n_out = n_gt = 0
    files = sorted(glob.glob(os.path.join(boxdir, "*.csv")))
    for csv in files:
        ident = os.path.basename(csv)[:-4]
        gt = []
        for row in read(csv).splitlines():
            parts = row.split(",", 8)
            if len(parts) == 9:
                gt += parts[8].split()
        out = read(os.path.join(outdir, ident + ".txt")).split()
        g, o = collections.Counter(gt), collections.Counter(out)
        tp += sum((g & o).values())
        n_gt += len(gt)
        n_out += len(out)
    p = tp / max(n_out, 1)
    r = tp / max(n_gt, 1)
    f1 = 2 * p * r / max(p + r, 1e-9)
    print(f"f1 {f1:.3f} precision {p:.3f} recall {r:.3f} receipts {len(files)}")


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("lines", "words"):
        sys.exit(__doc__)
    (lines if sys.argv[1] == "lines" else words)(sys.argv[2], sys.argv[3])
