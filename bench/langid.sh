#!/bin/bash
# Language identification (src/lib/clean/langid.c: libexttextcat) scored
# and timed:
#   - accuracy on texts of known language from the shared corpus
#     (../shared/corpus, see its SOURCE.md files): all of it is English
#     (MRPC sentences, WikiANN-en dev sentences, Presidio's synthetic texts,
#     the PhysioNet nursing notes, which are upper case); the share
#     identified "en", "und" and the most common wrong codes;
#   - accuracy by length on the twelve languages of the repository's own
#     fixtures (tests/cases/ingest-langid, written for the tests): windows of
#     64 to 512 bytes cut at word boundaries;
#   - speed: MB/s of identification alone on 1 KiB and 16 KiB texts (16 KiB
#     is the sample ingest reads of a long document), one thread;
#   - the languages ingest gives the corpus's office documents (no ground
#     truth: a distribution to look at).
# The corpus is read where it is and never copied into the repository.
#
# Usage: bench/langid.sh ENCLAVE_BINARY
# Env:   ENCLAVE_BENCH_CORPUS  the corpus folder (default ../shared/corpus)
#        TOOLS_DIR             where langid_lines is (default: the binary's folder/tests)
# Writes bench/out/langid.md. Exits 0 with "skip: ..." when the corpus is missing.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: bench/langid.sh ENCLAVE_BINARY" >&2; exit 2; }
bench=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$bench")
corpus="${ENCLAVE_BENCH_CORPUS:-$(dirname "$repo")/shared/corpus}"
skip() { echo "skip: langid: $*"; exit 0; }
[ -d "$corpus" ] || skip "no corpus at $corpus"
command -v python3 >/dev/null || skip "python3 not installed"
enclave=$(realpath "$1")
tool="${TOOLS_DIR:-$(dirname "$enclave")/tests}/langid_lines"
[ -x "$tool" ] || skip "no $tool (configure with -DENCLAVE_BUILD_TESTS=ON and build langid_lines)"

out="$bench/out/langid"
rm -rf "$out"
mkdir -p "$out"

# One text a line, "\n" escaped, per set.
python3 - "$corpus" "$repo/tests/cases/ingest-langid" "$out" <<'PY'
import json, os, re, sys
corpus, fixtures, out = sys.argv[1:4]
def put(name, texts):
    with open(os.path.join(out, name + ".txt"), "w", encoding="utf-8") as f:
        for t in texts:
            f.write(t.replace("\r", " ").replace("\n", "\\n") + "\n")
p = os.path.join(corpus, "dedup/mrpc/msr_paraphrase_train.txt")
if os.path.exists(p):
    rows = [l.rstrip("\n").split("\t") for l in open(p, encoding="utf-8-sig")][1:]
    put("en_mrpc", [r[3] for r in rows if len(r) >= 5][:3000])
p = os.path.join(corpus, "ner/wikiann_en/dev")
if os.path.exists(p):
    sents, cur = [], []
    for l in open(p, encoding="utf-8"):
        l = l.strip()
        if not l:
            if cur: sents.append(" ".join(cur)); cur = []
            continue
        tok = l.split("\t")[0].split(" ")[0]
        cur.append(tok[3:] if tok.startswith("en:") else tok)
    if cur: sents.append(" ".join(cur))
    put("en_wikiann", sents[:3000])
p = os.path.join(corpus, "pii/presidio_research/synth_dataset_v2.json")
if os.path.exists(p):
    put("en_presidio", [d["full_text"] for d in json.load(open(p, encoding="utf-8"))])
p = os.path.join(corpus, "pii/physionet_deid/dev.jsonl")
if os.path.exists(p):
    put("en_physionet", [json.loads(l)["text"] for l in open(p, encoding="utf-8") if l.strip()])
# Windows of the fixtures by length.
texts = {}
for n in sorted(os.listdir(fixtures)):
    if n.endswith(".txt") and len(n) == 6:
        texts[n[:2]] = open(os.path.join(fixtures, n), encoding="utf-8").read()
with open(os.path.join(out, "windows.txt"), "w", encoding="utf-8") as f, \
     open(os.path.join(out, "windows.key"), "w") as k:
    for size in (64, 128, 256, 512):
        for code, t in texts.items():
            b = t.replace("\n", " ").encode("utf-8")
            pos = 0
            while pos + size <= len(b):
                w = b[pos:pos + size]
                # cut at word (or character) boundaries
                w = w.decode("utf-8", "ignore")
                if " " in w[size // 8:]:
                    w = w[:w.rindex(" ")]
                f.write(w + "\n"); k.write("%s\t%d\n" % (code, size))
                pos += size
# Speed: 12 languages' text repeated to 1 KiB and 16 KiB lines.
with open(os.path.join(out, "speed1k.txt"), "w", encoding="utf-8") as f1, \
     open(os.path.join(out, "speed16k.txt"), "w", encoding="utf-8") as f16:
    for rep in range(40):
        for code, t in texts.items():
            t = t.replace("\n", " ")
            big = (t * (16384 // len(t.encode()) + 2)).encode()
            f16.write(big[:16384].decode("utf-8", "ignore") + "\n")
            f1.write(big[rep * 7:rep * 7 + 1024].decode("utf-8", "ignore") + "\n")
PY

report="$bench/out/langid.md"
{
	echo "# Language identification (libexttextcat $(dpkg-query -W -f='${Version}' libexttextcat-data 2>/dev/null || echo '?'))"
	echo
	echo "## English sets of the shared corpus"
	echo
	echo "| set | texts | mean bytes | en | und | other (most common) |"
	echo "| --- | ---: | ---: | ---: | ---: | --- |"
	for set in en_mrpc en_wikiann en_presidio en_physionet; do
		[ -f "$out/$set.txt" ] || continue
		"$tool" <"$out/$set.txt" >"$out/$set.out" 2>/dev/null
		python3 - "$set" "$out/$set.out" <<'PY'
import collections, sys
name, path = sys.argv[1:3]
rows = [l.rstrip("\n").split("\t") for l in open(path)]
n = len(rows); c = collections.Counter(r[0] for r in rows)
mean = sum(int(r[1]) for r in rows) / max(n, 1)
other = ", ".join("%s %d" % kv for kv in c.most_common() if kv[0] not in ("en", "und"))[:120]
print("| %s | %d | %.0f | %.1f%% | %.1f%% | %s |" % (name[3:], n, mean, 100 * c["en"] / n,
      100 * c["und"] / n, other or "-"))
PY
	done
	echo
	echo "## Twelve languages by length (the repository's fixtures, cut in windows)"
	echo
	"$tool" <"$out/windows.txt" >"$out/windows.out" 2>/dev/null
	python3 - "$out/windows.key" "$out/windows.out" <<'PY'
import collections, sys
keys = [l.split() for l in open(sys.argv[1])]
got = [l.split("\t")[0] for l in open(sys.argv[2])]
by = collections.defaultdict(lambda: [0, 0, 0]); wrong = collections.Counter()
for (code, size), g in zip(keys, got):
    s = by[int(size)]; s[0] += 1; s[1] += g == code; s[2] += g == "und"
    if g not in (code, "und"): wrong[(code, g)] += 1
print("| window (bytes) | texts | right | und | wrong |")
print("| ---: | ---: | ---: | ---: | ---: |")
for size in sorted(by):
    n, r, u = by[size]
    print("| %d | %d | %.1f%% | %.1f%% | %.1f%% |" % (size, n, 100 * r / n, 100 * u / n, 100 * (n - r - u) / n))
print()
print("Wrong answers (truth -> given): " + (", ".join("%s->%s %d" % (a, b, k) for (a, b), k in wrong.most_common(12)) or "none"))
PY
	echo
	echo "## Speed (one thread, identification alone)"
	echo
	echo "| text | texts | MB | seconds | MB/s | texts/s |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: |"
	for s in speed1k speed16k; do
		"$tool" <"$out/$s.txt" >/dev/null 2>"$out/$s.err"
		read -r _ texts _ bytes _ secs <"$out/$s.err"
		python3 -c "import sys; t,b,s=int(sys.argv[2]),int(sys.argv[3]),float(sys.argv[4]); print('| %s | %d | %.1f | %.3f | %.1f | %.0f |' % (sys.argv[1], t, b/1e6, s, b/1e6/s, t/s))" "$s" "$texts" "$bytes" "$secs"
	done
	if [ -d "$corpus/office" ]; then
		echo
		echo "## Languages ingest gives the office documents (no ground truth)"
		echo
		rm -rf "$out/project"
		"$enclave" init "$out/project" >/dev/null 2>&1
		"$enclave" -C "$out/project" ingest -q "$corpus/office" >/dev/null 2>&1 || true
		"$enclave" -C "$out/project" ls --json | python3 -c '
import collections, json, sys
c = collections.Counter(); s = collections.Counter()
for l in sys.stdin:
    d = json.loads(l)
    if d["status"] == "ok":
        c[d["language"]] += 1; s[d["language_source"]] += 1
print("%d ok documents; source: %s" % (sum(c.values()), ", ".join("%s %d" % kv for kv in s.most_common())))
print()
print(", ".join("%s %d" % kv for kv in c.most_common()))'
	fi
} >"$report"
cat "$report"
