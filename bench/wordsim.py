#!/usr/bin/env python3
"""Word-sequence similarity of extracted text against an expected text.

Both texts are normalised the same way: Unicode NFKC (so the ligature "ﬁ"
and "fi" are the same word, full-width digits are digits), case folded, then
cut into words: maximal runs of letters, digits and marks (regex \\w+), so
punctuation, Markdown syntax, table pipes and whitespace layout do not count.

Two scores, each between 0 and 1:

  seq  order-aware: difflib.SequenceMatcher(autojunk=False).ratio() on the
       word lists, i.e. 2*M/(len_a+len_b) where M is the number of words in
       the matching blocks found (close to the longest common subsequence).
       Reading order mistakes (columns interleaved, headers in the middle)
       lower it.
  bag  order-free: F1 of the word multisets (2*|A∩B|/(|A|+|B|)). Words
       missing or invented lower it; order does not.

seq well below bag means the right words in the wrong order.

Usage:
  wordsim.py EXPECTED ACTUAL          print "seq bag words_expected words_actual"
  wordsim.py --pairs PAIRS.tsv        a Markdown quality table (see below)

PAIRS.tsv has a header line and the columns
  file  pages  expected  expected_alt  tool1  tool2 ...
where expected/expected_alt are paths to reference texts (expected_alt may
be "-"), and each tool column holds the path of that tool's output, or
"!CODE" when the tool failed with exit status CODE (scored 0). The header
names the tools. A missing or empty output scores 0.
"""
import collections
import difflib
import math
import re
import sys
import unicodedata

WORD = re.compile(r"\w+")


def words(text):
    """The normalised word list of `text`."""
    return WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def read_text(path):
    """The text of `path` (UTF-8, BOM dropped, undecodable bytes replaced)."""
    with open(path, "rb") as f:
        return f.read().decode("utf-8-sig", errors="replace")


def seq_ratio(a, b):
    """Order-aware similarity of two word lists (1.0 for two empty lists)."""
    if not a and not b:
        return 1.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def bag_f1(a, b):
    """Order-free similarity: F1 of the two word multisets."""
    if not a and not b:
        return 1.0
    common = sum((collections.Counter(a) & collections.Counter(b)).values())
    return 2.0 * common / (len(a) + len(b))


def score(expected_words, path):
    """(seq, bag, n_words) of the output at `path` against expected words."""
    if path.startswith("!"):
        return 0.0, 0.0, 0
    try:
        got = words(read_text(path))
    except OSError:
        return 0.0, 0.0, 0
    return seq_ratio(expected_words, got), bag_f1(expected_words, got), len(got)


def mean(xs):
    return sum(xs) / len(xs) if xs else float("nan")


def fmt(x):
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else "%.3f" % x


def pairs_table(path):
    """Score every row of PAIRS.tsv; print the per-file and summary tables."""
    with open(path, encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    header, rows = rows[0], rows[1:]
    tools = header[4:]
    per_tool = {t: {"seq": [], "bag": [], "alt": [], "failed": 0} for t in tools}
    out = []
    cols = ["file", "pages", "words"]
    for t in tools:
        cols += ["%s seq" % t, "%s bag" % t]
    out.append("| " + " | ".join(cols) + " |")
    out.append("|" + "---|" * len(cols))
    for row in rows:
        name, pages, expected, alt = row[:4]
        exp = words(read_text(expected))
        exp_alt = words(read_text(alt)) if alt != "-" else None
        cells = [name, pages, str(len(exp))]
        for t, got_path in zip(tools, row[4:]):
            s, b, _ = score(exp, got_path)
            if got_path.startswith("!"):
                per_tool[t]["failed"] += 1
            per_tool[t]["seq"].append(s)
            per_tool[t]["bag"].append(b)
            if exp_alt is not None:
                per_tool[t]["alt"].append(score(exp_alt, got_path)[0])
            else:
                per_tool[t]["alt"].append(s)
            cells += [fmt(s) + (" (failed)" if got_path.startswith("!") else ""), fmt(b)]
        out.append("| " + " | ".join(cells) + " |")
    summary = ["| tool | files | failed | mean seq | mean bag | mean seq vs sorted reference | "
               "best-of-two seq |", "|---|---|---|---|---|---|---|"]
    for t in tools:
        d = per_tool[t]
        best = [max(x, y) for x, y in zip(d["seq"], d["alt"])]
        summary.append("| %s | %d | %d | %s | %s | %s | %s |" % (
            t, len(d["seq"]), d["failed"], fmt(mean(d["seq"])), fmt(mean(d["bag"])),
            fmt(mean(d["alt"])), fmt(mean(best))))
    return "\n".join(summary), "\n".join(out)


def main(argv):
    if len(argv) == 3 and argv[1] == "--pairs":
        summary, table = pairs_table(argv[2])
        print("### Quality summary\n")
        print(summary)
        print("\n### Quality per file\n")
        print(table)
        return 0
    if len(argv) == 3 and not argv[1].startswith("-"):
        exp = words(read_text(argv[1]))
        got = words(read_text(argv[2]))
        print("%.4f %.4f %d %d" % (seq_ratio(exp, got), bag_f1(exp, got), len(exp), len(got)))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
