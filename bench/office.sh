#!/bin/bash
# Office, e-mail, EPUB, RTF and archive files of the shared evaluation corpus
# (../shared/corpus/office, see its SOURCE.md): how many of each format
# `enclave extract` reads, and, on the docling subset whose accepted Markdown
# is known, the word-sequence similarity (bench/wordsim.py) of
# `enclave extract --format markdown` and of pandoc (the reference converter,
# for the formats it reads: docx, odt, epub, html, rtf) against it, in one run.
#
# Usage: bench/office.sh ENCLAVE_BINARY
# Env:   ENCLAVE_BENCH_CORPUS  the corpus folder (default ../shared/corpus)
# Writes bench/out/office.md and the outputs under bench/out/office/.
# Exits 0 with "skip: ..." when the corpus is missing.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: bench/office.sh ENCLAVE_BINARY" >&2; exit 2; }
bench=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$bench")
corpus="${ENCLAVE_BENCH_CORPUS:-$(dirname "$repo")/shared/corpus}"
set_dir="$corpus/office"
skip() { echo "skip: office: $*"; exit 0; }
[ -d "$set_dir" ] || skip "no corpus at $set_dir"
command -v python3 >/dev/null || skip "python3 not installed"
[ -x /usr/bin/time ] || skip "/usr/bin/time not installed (scripts/deps.sh bench)"
enclave=$(realpath "$1")
have_pandoc=0
command -v pandoc >/dev/null && have_pandoc=1

out="$bench/out/office"
rm -rf "$out"
mkdir -p "$out/enclave" "$out/pandoc"
list="$out/results.tsv"
printf 'file\tformat\tstatus\tseconds\tmax_rss_kb\terror\n' >"$list"

# Every document of the docling, unstructured and tika subsets (not the
# expected outputs, not the malformed set).
subsets=()
for d in docling unstructured tika; do [ -d "$set_dir/$d" ] && subsets+=("$set_dir/$d"); done
[ ${#subsets[@]} -gt 0 ] || skip "no docling, unstructured or tika subset in $set_dir"
find "${subsets[@]}" -type f ! -path '*/expected/*' ! -name '*.md' | sort >"$out/files"
n=0
while IFS= read -r f; do
	rel=${f#"$set_dir"/}
	key=$(echo "$rel" | tr '/' '_')
	ext=${f##*.}
	ext=$(echo "$ext" | tr 'A-Z' 'a-z')
	t0=$(date +%s.%N)
	status=ok
	if ! /usr/bin/time -f '%M' -o "$out/rss" timeout 120 "$enclave" extract --format markdown \
		"$f" >"$out/enclave/$key.md" 2>"$out/err"; then
		status=failed
	fi
	t1=$(date +%s.%N)
	err=$(head -c 300 "$out/err" | tr '\t\n' '  ')
	rss=$(tail -1 "$out/rss" 2>/dev/null || echo 0)
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$rel" "$ext" "$status" \
		"$(awk "BEGIN{printf \"%.3f\", $t1-$t0}")" "$rss" "$err" >>"$list"
	n=$((n + 1))
	if [ "$have_pandoc" = 1 ] && [[ "$rel" == docling/* ]]; then
		case "$ext" in
		docx | odt | epub | html | rtf)
			timeout 120 pandoc -t gfm "$f" -o "$out/pandoc/$key.md" 2>/dev/null || : ;;
		esac
	fi
done <"$out/files"

python3 - "$set_dir" "$out" "$bench" <<'PY' | tee "$bench/out/office.md"
import collections, csv, os, sys
sys.path.insert(0, sys.argv[3])
import wordsim
set_dir, out = sys.argv[1], sys.argv[2]
rows = list(csv.DictReader(open(os.path.join(out, "results.tsv")), delimiter="\t"))
by = collections.defaultdict(lambda: [0, 0])
for r in rows:
    by[r["format"]][0] += 1
    by[r["format"]][1] += r["status"] == "ok"
print("# office: which files `enclave extract` reads\n")
print("| format | files | read | failed |")
print("|---|---|---|---|")
for fmt in sorted(by):
    t, ok = by[fmt]
    print(f"| {fmt} | {t} | {ok} | {t - ok} |")
tot = sum(v[0] for v in by.values()); ok = sum(v[1] for v in by.values())
print(f"| **all** | {tot} | {ok} | {tot - ok} |")
rss = max(int(r["max_rss_kb"] or 0) for r in rows) if rows else 0
secs = sum(float(r["seconds"]) for r in rows)
print(f"\nTotal wall time {secs:.1f} s for {tot} files (one process each); "
      f"largest peak RSS {rss / 1024:.1f} MB.\n")
print("Failures:\n")
for r in rows:
    if r["status"] != "ok":
        print(f"- `{r['file']}`: {r['error'][:200]}")
# Scored subset: docling with expected Markdown.
print("\n# docling subset: similarity to docling's accepted Markdown\n")
print("seq = order-aware word-sequence similarity, bag = word-multiset F1 (bench/wordsim.py).\n")
print("| format | files | enclave seq | enclave bag | files pandoc reads | enclave seq / bag there | pandoc seq / bag |")
print("|---|---|---|---|---|---|---|")
res = collections.defaultdict(dict)  # format -> file -> {tool: (seq, bag)}
for r in rows:
    if not r["file"].startswith("docling/"):
        continue
    d, name = os.path.split(r["file"])
    exp = os.path.join(set_dir, d, "expected", name + ".md")
    if not os.path.exists(exp):
        exp = os.path.join(set_dir, d, "expected", os.path.splitext(name)[0] + ".md")
        if not os.path.exists(exp):
            continue
    ew = wordsim.words(wordsim.read_text(exp))
    key = r["file"].replace("/", "_")
    got = {}
    for tool in ("enclave", "pandoc"):
        p = os.path.join(out, tool, key + ".md")
        if tool == "enclave" and r["status"] != "ok":
            got[tool] = (0.0, 0.0)
        elif os.path.exists(p):
            aw = wordsim.words(wordsim.read_text(p))
            got[tool] = (wordsim.seq_ratio(ew, aw), wordsim.bag_f1(ew, aw))
    res[r["format"]][r["file"]] = got
def mean(v, i):
    return f"{sum(x[i] for x in v) / len(v):.3f}" if v else "-"
tot_e, tot_pe, tot_pp = [], [], []
for fmt in sorted(res):
    files = res[fmt]
    e = [g["enclave"] for g in files.values()]
    both = [g for g in files.values() if "pandoc" in g]
    pe = [g["enclave"] for g in both]; pp = [g["pandoc"] for g in both]
    tot_e += e; tot_pe += pe; tot_pp += pp
    print(f"| {fmt} | {len(e)} | {mean(e, 0)} | {mean(e, 1)} | {len(both)} | "
          f"{mean(pe, 0)} / {mean(pe, 1)} | {mean(pp, 0)} / {mean(pp, 1)} |")
print(f"| **all** | {len(tot_e)} | {mean(tot_e, 0)} | {mean(tot_e, 1)} | {len(tot_pp)} | "
      f"{mean(tot_pe, 0)} / {mean(tot_pe, 1)} | {mean(tot_pp, 0)} / {mean(tot_pp, 1)} |")
PY
