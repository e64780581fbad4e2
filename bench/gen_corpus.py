#!/usr/bin/env python3
"""Generate a synthetic corpus of text, Markdown and HTML documents with
fake PII planted at known positions, and its answer key.

    gen_corpus.py OUT_DIR [--files N] [--seed S] [--kb K]
    gen_corpus.py --check ENCLAVE OUT_DIR [--sample N]

writes
    OUT_DIR/docs/doc-000001.txt | .md | .html ...   the documents (UTF-8)
    OUT_DIR/key.jsonl                               one line per document
    OUT_DIR/params.json                             how it was made

Same arguments, same bytes: everything comes from one seeded generator, so
anyone can regenerate the corpus instead of copying it.

Each document is a title, section headings, paragraphs, list items and (in
Markdown and HTML) a table, about K kilobytes in all, written in one of the
three formats in turn. The filler is bland business prose. The planted PII is
fake by construction:

    PERSON        first + last name from short built-in lists (some with
                  accents, apostrophes and hyphens)
    EMAIL         at example.com / example.org / example.net (RFC 2606)
    PHONE         US numbers in the fictional 555-0100..555-0199 range, in
                  several spellings; a few +44 20 7946 0xxx (Ofcom drama range)
    SSN           NNN-NN-NNNN in the issued format, from a seeded generator,
                  tied to no one

and some decoys that a PII scanner should leave alone (order numbers, dates,
ISBN-like and version strings) are listed too.

key.jsonl, one object per document:

    {"file": "docs/doc-000001.html", "format": "html", "bytes": 5120,
     "spans": [{"label": "EMAIL", "value": "ann.lee@example.com",
                "start": 812, "end": 831,            # in the file
                "text_start": 301, "text_end": 320}, # in the document text
               ...],
     "decoys": [{"label": "ORDER_NUMBER", "value": ..., same offsets}]}

Offsets are in Unicode code points, end exclusive. "start"/"end" index the
file's content (exact by construction). "text_start"/"text_end" index the
document text as Enclave defines it (doc.h): the blocks (title, headings,
paragraphs, list items without their marker, tables as tab-separated rows)
joined by a blank line. A parser that splits blocks differently shifts
those offsets, so a scorer should fall back to the value: --check reports
how often `enclave extract` text holds each value at its text offsets.
"""
import argparse
import json
import os
import random
import subprocess
import sys
import unicodedata

FIRST = ["Ann", "Bob", "Carla", "Dev", "Emeka", "Fatima", "Greta", "Hiro", "Ines", "José",
         "Kai", "Lena", "Marek", "Nadia", "Owen", "Priya", "Quentin", "Rosa", "Sven", "Zoë",
         "Łukasz", "Aoife", "Björn", "Chloé"]
LAST = ["Lee", "Okafor", "Novak", "Schmidt", "Tanaka", "García", "O'Brien", "Smith-Jones",
        "Kowalski", "Haddad", "Müller", "Brennan", "Costa", "Lindqvist", "Dubois", "Patel",
        "Nakamura", "Moreau", "Fischer", "Rossi"]
DOMAINS = ["example.com", "example.org", "example.net", "mail.example.com"]
WORDS = ("account agreement annual approval audit balance board budget client committee "
         "contract cost customer deadline delivery department document draft employee "
         "estimate figure forecast goal invoice item ledger meeting memo milestone note "
         "office order payment plan policy price process project proposal quarter record "
         "report request review revenue risk schedule service staff summary supplier "
         "support target team term update vendor").split()
VERBS = ("approved reviewed updated submitted discussed confirmed delayed noted requested "
         "signed prepared shared").split()
SECTIONS = ["Summary", "Background", "Contacts", "Staff records", "Next steps", "Budget",
            "Open questions", "Action items", "Appendix"]


def person(rng):
    return "%s %s" % (rng.choice(FIRST), rng.choice(LAST))


def email(rng, name=None):
    first, last = (name or person(rng)).split(" ", 1)
    local = rng.choice(["%s.%s", "%s%s", "%s_%s"]) % (first, last)
    # Accents dropped (NFKD, then ASCII only), as mail systems usually spell them.
    folded = unicodedata.normalize("NFKD", local.lower().replace("ł", "l"))
    ascii_local = "".join(c for c in folded if c.isascii() and (c.isalnum() or c in "._"))
    return "%s@%s" % (ascii_local, rng.choice(DOMAINS))


def phone(rng):
    if rng.random() < 0.15:
        return "+44 20 7946 0%03d" % rng.randrange(1000)
    area, line = rng.randrange(201, 990), "01%02d" % rng.randrange(100)
    return rng.choice(["(%d) 555-%s", "%d-555-%s", "%d.555.%s", "+1 %d 555 %s"]) % (area, line)


def ssn(rng):
    area = rng.randrange(1, 900)
    while area == 666:
        area = rng.randrange(1, 900)
    return "%03d-%02d-%04d" % (area, rng.randrange(1, 100), rng.randrange(1, 10000))


def decoy(rng):
    kind = rng.choice(["ORDER_NUMBER", "DATE", "ISBN", "VERSION"])
    if kind == "ORDER_NUMBER":
        return kind, "PO-%04d-%05d" % (rng.randrange(2000, 2030), rng.randrange(100000))
    if kind == "DATE":
        return kind, "%04d-%02d-%02d" % (rng.randrange(2000, 2030), rng.randrange(1, 13),
                                         rng.randrange(1, 29))
    if kind == "ISBN":
        return kind, "978-%d-%03d-%05d-%d" % (rng.randrange(10), rng.randrange(1000),
                                             rng.randrange(100000), rng.randrange(10))
    return kind, "v%d.%d.%d" % (rng.randrange(10), rng.randrange(30), rng.randrange(100))


# A piece of text is a list of (string, label) parts: label None for filler,
# a PII label, or ("DECOY", kind) for a decoy.
def filler(rng, n):
    words = [rng.choice(WORDS) for _ in range(n)]
    words[0] = words[0].capitalize()
    return " ".join(words)


def sentence(rng):
    """One sentence as parts, with PII in about half of them."""
    r = rng.random()
    s = filler(rng, rng.randrange(5, 12))
    v = rng.choice(VERBS)
    if r < 0.14:
        n = person(rng)
        return [(s + ", " + v + " by ", None), (n, "PERSON"), (".", None)]
    if r < 0.26:
        n = person(rng)
        return [("Please contact ", None), (n, "PERSON"), (" at ", None), (email(rng, n), "EMAIL"),
                (" about the " + rng.choice(WORDS) + ".", None)]
    if r < 0.36:
        return [(s + "; call ", None), (phone(rng), "PHONE"), (" for details.", None)]
    if r < 0.44:
        n = person(rng)
        return [("Employee ", None), (n, "PERSON"), (" (SSN ", None), (ssn(rng), "SSN"),
                (") " + v + " the " + rng.choice(WORDS) + ".", None)]
    if r < 0.54:
        kind, val = decoy(rng)
        return [(s + " under reference ", None), (val, ("DECOY", kind)), (".", None)]
    return [(s + " " + v + ".", None)]


def paragraph(rng):
    parts = []
    for i in range(rng.randrange(2, 6)):
        if i:
            parts.append((" ", None))
        parts += sentence(rng)
    return parts


def list_item(rng):
    r = rng.random()
    if r < 0.3:
        n = person(rng)
        return [(n, "PERSON"), (", ", None), (email(rng, n), "EMAIL")]
    if r < 0.45:
        return [(rng.choice(WORDS).capitalize() + " line: ", None), (phone(rng), "PHONE")]
    return [(filler(rng, rng.randrange(3, 8)), None)]


def table(rng):
    """A table as rows of cells, each cell a parts list."""
    rows = [[[("Name", None)], [("Email", None)], [("Phone", None)], [("SSN", None)]]]
    for _ in range(rng.randrange(2, 5)):
        n = person(rng)
        rows.append([[(n, "PERSON")], [(email(rng, n), "EMAIL")], [(phone(rng), "PHONE")],
                     [(ssn(rng), "SSN")]])
    return rows


def document(rng, target_bytes):
    """A document as blocks: (kind, payload); payload parts, or rows for tables."""
    blocks = [("title", [(filler(rng, rng.randrange(2, 5)).title(), None)])]
    size = 0
    while size < target_bytes:
        blocks.append(("heading", [(rng.choice(SECTIONS), None)]))
        for _ in range(rng.randrange(1, 4)):
            p = paragraph(rng)
            blocks.append(("paragraph", p))
            size += sum(len(s) for s, _ in p)
        if rng.random() < 0.5:
            for _ in range(rng.randrange(2, 5)):
                it = list_item(rng)
                blocks.append(("item", it))
                size += sum(len(s) for s, _ in it)
        if rng.random() < 0.3:
            t = table(rng)
            blocks.append(("table", t))
            size += sum(len(s) for row in t for cell in row for s, _ in cell)
    return blocks


class Writer:
    """Accumulates a file's text and the document text, recording spans."""

    def __init__(self):
        self.file = []        # strings of the file
        self.file_len = 0     # in code points
        self.text_len = 0     # document text so far, in code points
        self.nblocks = 0
        self.spans, self.decoys = [], []

    def raw(self, s):
        """Markup: in the file only."""
        self.file.append(s)
        self.file_len += len(s)

    def begin_block(self):
        if self.nblocks:
            self.text_len += 2  # the "\n\n" between blocks
        self.nblocks += 1

    def parts(self, parts, escape=lambda s: s):
        """Content: in the file (escaped) and in the document text."""
        for s, label in parts:
            e = escape(s)
            if label:
                rec = {"label": label if isinstance(label, str) else label[1], "value": s,
                       "start": self.file_len, "end": self.file_len + len(e),
                       "text_start": self.text_len, "text_end": self.text_len + len(s)}
                (self.decoys if isinstance(label, tuple) else self.spans).append(rec)
            self.raw(e)
            self.text_len += len(s)

    def text_sep(self, s):
        """Text between cells or rows of one block: in both."""
        self.raw(s)
        self.text_len += len(s)


def html_escape(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_text(w, blocks):
    prev = None
    for kind, payload in blocks:
        if prev == "item" and kind != "item":
            w.raw("\n")  # a blank line ends the list (else the next line continues the item)
        prev = kind
        if kind == "table":
            # Plain text has no tables: one paragraph per row, cells joined by ", ".
            for row in payload:
                w.begin_block()
                for i, cell in enumerate(row):
                    if i:
                        w.text_sep(", ")
                    w.parts(cell)
                w.raw("\n\n")
            continue
        w.begin_block()
        if kind == "item":
            w.raw("- ")
        w.parts(payload)
        w.raw("\n" if kind == "item" else "\n\n")


def write_markdown(w, blocks):
    prev = None
    for kind, payload in blocks:
        if prev == "item" and kind != "item":
            w.raw("\n")  # a blank line ends the list (else a lazy continuation)
        prev = kind
        w.begin_block()
        if kind == "table":
            for r, row in enumerate(payload):
                if r:
                    w.text_sep("\n")  # rows: "\n" in the text; the file adds the pipes
                w.raw("| ")
                for i, cell in enumerate(row):
                    if i:
                        w.raw(" | ")
                        w.text_len += 1  # cells: "\t" in the text
                    w.parts(cell)
                w.raw(" |")
                if r == 0:
                    w.raw("\n|" + "---|" * len(row))
            w.raw("\n\n")
            continue
        w.raw({"title": "# ", "heading": "## ", "item": "- "}.get(kind, ""))
        w.parts(payload)
        w.raw("\n" if kind == "item" else "\n\n")


def write_html(w, blocks):
    title = "".join(s for s, _ in blocks[0][1])
    w.raw('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>%s</title>\n'
          "</head>\n<body>\n" % html_escape(title))
    in_list = False
    for kind, payload in blocks:
        if in_list and kind != "item":
            w.raw("</ul>\n")
            in_list = False
        w.begin_block()
        if kind == "table":
            w.raw("<table>\n")
            for r, row in enumerate(payload):
                if r:
                    w.text_len += 1  # "\n" between rows in the text
                w.raw("<tr>")
                for i, cell in enumerate(row):
                    if i:
                        w.text_len += 1  # "\t" between cells
                    tag = "th" if r == 0 else "td"
                    w.raw("<%s>" % tag)
                    w.parts(cell, html_escape)
                    w.raw("</%s>" % tag)
                w.raw("</tr>\n")
            w.raw("</table>\n")
            continue
        if kind == "item" and not in_list:
            w.raw("<ul>\n")
            in_list = True
        tag = {"title": "h1", "heading": "h2", "item": "li"}.get(kind, "p")
        w.raw("<%s>" % tag)
        w.parts(payload, html_escape)
        w.raw("</%s>\n" % tag)
    if in_list:
        w.raw("</ul>\n")
    w.raw("</body>\n</html>\n")


FORMATS = [("txt", "text", write_text), ("md", "markdown", write_markdown),
           ("html", "html", write_html)]


def generate(out, files, seed, kb):
    rng = random.Random(seed)
    docs = os.path.join(out, "docs")
    os.makedirs(docs, exist_ok=True)
    total = 0
    with open(os.path.join(out, "key.jsonl"), "w", encoding="utf-8") as key:
        for i in range(1, files + 1):
            ext, fmt, write = FORMATS[(i - 1) % len(FORMATS)]
            blocks = document(rng, int(kb * 1024 * rng.uniform(0.5, 1.5)))
            w = Writer()
            write(w, blocks)
            data = "".join(w.file).encode("utf-8")
            name = "docs/doc-%06d.%s" % (i, ext)
            with open(os.path.join(out, name), "wb") as f:
                f.write(data)
            total += len(data)
            key.write(json.dumps({"file": name, "format": fmt, "bytes": len(data),
                                  "spans": w.spans, "decoys": w.decoys},
                                 ensure_ascii=False) + "\n")
    with open(os.path.join(out, "params.json"), "w") as f:
        json.dump({"generator": "bench/gen_corpus.py", "files": files, "seed": seed, "kb": kb,
                   "bytes": total}, f)
        f.write("\n")
    return total


def check(enclave, out, sample):
    """Extract up to `sample` documents; count values found at their text offsets."""
    with open(os.path.join(out, "key.jsonl"), encoding="utf-8") as f:
        recs = [json.loads(line) for line in f]
    step = max(1, len(recs) // sample) if sample else 1
    by_fmt = {}
    for rec in recs[::step][:sample or None]:
        p = subprocess.run([enclave, "extract", "--format", "text",
                            os.path.join(out, rec["file"])], capture_output=True)
        text = p.stdout.decode("utf-8", errors="replace")
        d = by_fmt.setdefault(rec["format"], [0, 0, 0, 0])  # docs, spans, at offset, anywhere
        d[0] += 1
        for s in rec["spans"]:
            d[1] += 1
            d[2] += text[s["text_start"]:s["text_end"]] == s["value"]
            d[3] += s["value"] in text
    print("| format | documents | spans | at text offsets | value present |")
    print("|---|---|---|---|---|")
    for fmt, (n, spans, at, anywhere) in sorted(by_fmt.items()):
        print("| %s | %d | %d | %d (%.1f%%) | %d (%.1f%%) |" % (
            fmt, n, spans, at, 100.0 * at / max(spans, 1), anywhere,
            100.0 * anywhere / max(spans, 1)))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", help="output folder")
    ap.add_argument("--files", type=int, default=2000, help="documents (default 2000)")
    ap.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    ap.add_argument("--kb", type=float, default=4.0, help="mean document size in KB (default 4)")
    ap.add_argument("--check", metavar="ENCLAVE",
                    help="instead of generating, compare `ENCLAVE extract` with the key")
    ap.add_argument("--sample", type=int, default=60, help="documents checked (default 60)")
    a = ap.parse_args()
    if a.check:
        return check(a.check, a.out, a.sample)
    total = generate(a.out, a.files, a.seed, a.kb)
    print("gen_corpus: %d documents, %.1f MB in %s" % (a.files, total / 1e6, a.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
