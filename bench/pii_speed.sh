#!/bin/bash
# PII scanning speed: `enclave scan` in three configurations (rules only;
# rules + the name tagger; --preset hipaa: every recogniser, the clinical one
# included), each with --jobs 1 and --jobs 2, against npm PII libraries over
# the same text, and enclave's memory at two input sizes.
#
#   corpora   synth: bench/gen_corpus.py documents (business prose with
#             planted fake PII: names, e-mails, phones, SSNs, decoys),
#             concatenated and repeated to BENCH_MB megabytes; clinical: the
#             notes of the shared corpus (pii/physionet_deid/dev.jsonl, only
#             when present), repeated likewise
#   enclave   `enclave scan MODE --jobs J FILE >/dev/null` for MODE in
#             "--no-ner" (rules), "" (rules + tagger), "--preset hipaa" (all)
#             and J in BENCH_JOBS: /usr/bin/time -v (wall, user CPU, peak
#             RSS) and hyperfine (BENCH_RUNS runs after a warm-up); MB/s =
#             bytes / hyperfine's mean (else /usr/bin/time's wall), and per
#             core = bytes / user seconds; the jobs' outputs are compared
#             (they must be identical)
#   npm       @redactpii/node (the maintained fork of redact-pii; 5 regex
#             recognisers) over the whole file, and openredaction (570-odd
#             patterns) over its first BENCH_OPENREDACTION_MB megabytes (it is
#             slow), line by line, timed inside node (bench/pii_npm.mjs);
#             installed with npm into bench/node_modules (git-ignored)
#   memory    peak RSS of `enclave scan` (each MODE, the largest J) on 10 MB
#             and BENCH_MEM_MB of the synth text: the scan streams its input,
#             so the two should match
#
# Usage: bench/pii_speed.sh ENCLAVE_BINARY
# Env:   BENCH_MB (default 20), BENCH_RUNS (default 3), BENCH_JOBS (default
#        "1 2"), BENCH_MEM_MB (default 100),
#        BENCH_OPENREDACTION_MB (default 1), ENCLAVE_BENCH_CORPUS (the corpus
#        folder; default ../shared/corpus beside the repository)
# Writes bench/out/pii_speed.md and prints it. A missing tool skips its part
# (python3 or /usr/bin/time: the whole bench) with "skip: ...".
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: bench/pii_speed.sh ENCLAVE_BINARY" >&2; exit 2; }
bench=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$bench")
corpus="${ENCLAVE_BENCH_CORPUS:-$(dirname "$repo")/shared/corpus}"
mb="${BENCH_MB:-20}"
jobs_list="${BENCH_JOBS:-1 2}"
mem_mb="${BENCH_MEM_MB:-100}"
runs="${BENCH_RUNS:-3}"
or_mb="${BENCH_OPENREDACTION_MB:-1}"

skip() { echo "skip: pii_speed: $*"; exit 0; }
command -v python3 >/dev/null || skip "python3 not installed"
[ -x /usr/bin/time ] || skip "/usr/bin/time not installed (scripts/deps.sh bench)"
enclave=$(realpath "$1")
[ -x "$enclave" ] || { echo "pii_speed: '$1' is not executable" >&2; exit 2; }

out="$bench/out/pii_speed"
rm -rf "$out"
mkdir -p "$out"
report="$bench/out/pii_speed.md"
calc() { awk "BEGIN { printf \"%.1f\", $* }"; }

# repeat SRC DST MB: SRC's content repeated until DST holds at least MB megabytes.
repeat() {
	local src=$1 dst=$2 want=$(($3 * 1000000))
	: >"$dst"
	while [ "$(stat -c %s "$dst")" -lt "$want" ]; do cat "$src" >>"$dst"; done
}

# ------------------------------------------------------------------ corpora
python3 "$bench/gen_corpus.py" "$out/gen" --files 300 --kb 32 --seed 11 >/dev/null
cat "$out"/gen/docs/* >"$out/synth.one"
repeat "$out/synth.one" "$out/synth.txt" "$mb"
sets="synth"
notes="$corpus/pii/physionet_deid/dev.jsonl"
if [ -f "$notes" ]; then
	python3 -c 'import json,sys
for line in open(sys.argv[1]): sys.stdout.write(json.loads(line)["text"] + "\n")' "$notes" >"$out/clinical.one"
	repeat "$out/clinical.one" "$out/clinical.txt" "$mb"
	sets="synth clinical"
else
	echo "skip: pii_speed: no $notes: the clinical set is left out"
fi

# time_v CMD...: run under /usr/bin/time -v; prints "wall user maxrss_kb".
time_v() {
	/usr/bin/time -v "$@" >/dev/null 2>"$out/time.log" || { cat "$out/time.log" >&2; return 1; }
	awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + p[i] }
		/User time/ { u = $2 } /Maximum resident/ { r = $2 } END { print w, u, r }' "$out/time.log"
}

modes=("--no-ner" "" "--preset hipaa")
mode_name() { case "$1" in --no-ner) echo "rules" ;; "") echo "rules+tagger" ;; *) echo "hipaa (all)" ;; esac; }
mode_key() { case "$1" in --no-ner) echo "rules" ;; "") echo "tagger" ;; *) echo "hipaa" ;; esac; }

{
	echo "# PII scanning speed"
	echo
	echo "$(date -u +%Y-%m-%d), $(nproc) cores, load average $(uptime | sed 's/.*load average: //') at the start;"
	echo "enclave: \`$enclave\`"
	echo
	echo "| set | tool | jobs | MB | wall s | MB/s | user s | MB/s a core | peak RSS MB | hyperfine mean s |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
} >"$report"

for set in $sets; do
	f="$out/$set.txt"
	bytes=$(stat -c %s "$f")
	size=$(calc "$bytes / 1e6")
	for mode in "${modes[@]}"; do
		key=$(mode_key "$mode")
		for j in $jobs_list; do
			# shellcheck disable=SC2086
			read -r wall user rss < <(time_v "$enclave" scan $mode --jobs "$j" "$f")
			hf="-"
			secs=$wall
			if command -v hyperfine >/dev/null; then
				hyperfine --style none -N --warmup 1 --runs "$runs" --export-json "$out/$set.json" \
					"$enclave scan $mode --jobs $j $f" >/dev/null 2>>"$out/hyperfine.log" &&
					hf=$(python3 -c 'import json,sys; print("%.3f" % json.load(open(sys.argv[1]))["results"][0]["mean"])' "$out/$set.json") &&
					secs=$hf
			fi
			# shellcheck disable=SC2086
			"$enclave" scan $mode --jobs "$j" "$f" >"$out/$set.$key.$j.out"
			same=""
			first="$out/$set.$key.$(echo "$jobs_list" | awk '{ print $1 }').out"
			cmp -s "$first" "$out/$set.$key.$j.out" || same=" OUTPUT DIFFERS FROM THE FIRST JOBS"
			echo "| $set | enclave $(mode_name "$mode") ($(wc -l <"$out/$set.$key.$j.out") spans$same) | $j | $size | $wall | $(calc "$bytes / 1e6 / $secs") | $user | $(calc "$bytes / 1e6 / $user") | $(calc "$rss / 1024") | $hf |" >>"$report"
			echo "$set enclave-$key-j$j $(calc "$bytes / 1e6 / $secs")" >>"$out/rates"
		done
		rm -f "$out/$set.$key".*.out
	done
done

# ------------------------------------------------------------------ npm
if command -v node >/dev/null && command -v npm >/dev/null; then
	if [ ! -d "$bench/node_modules/@redactpii/node" ] || [ ! -d "$bench/node_modules/openredaction" ]; then
		(cd "$bench" && npm install --no-save --no-audit --no-fund --no-package-lock --silent \
			@redactpii/node@1.0.17 openredaction@1.1.5 >"$out/npm.log" 2>&1) ||
			echo "skip: pii_speed: npm install failed (see $out/npm.log)"
	fi
	for set in $sets; do
		f="$out/$set.txt"
		if [ -d "$bench/node_modules/@redactpii/node" ]; then
			read -r _ rate bytes secs found < <(cd "$bench" && node pii_npm.mjs redactpii "$f")
			read -r wall user rss < <(cd "$bench" && time_v node pii_npm.mjs redactpii "$f")
			echo "| $set | @redactpii/node 1.0.17 ($found lines changed) | 1 | $(calc "$bytes / 1e6") | $secs (in node) | $rate | $user | $(calc "$bytes / 1e6 / $user") | $(calc "$rss / 1024") | - |" >>"$report"
			echo "$set redactpii $rate" >>"$out/rates"
		fi
		if [ -d "$bench/node_modules/openredaction" ]; then
			head -c "$((or_mb * 1000000))" "$f" >"$out/$set.small"
			read -r _ rate bytes secs found < <(cd "$bench" && node pii_npm.mjs openredaction "$out/$set.small" 2>/dev/null)
			echo "| $set (first $or_mb MB) | openredaction 1.1.5 ($found detections) | 1 | $(calc "$bytes / 1e6") | $secs (in node) | $rate | - | - | - | - |" >>"$report"
			echo "$set openredaction $rate" >>"$out/rates"
		fi
	done
else
	echo "skip: pii_speed: node or npm not installed: no npm comparison" | tee -a "$report"
fi

{
	echo
	echo "Ratios (enclave MB/s over the library's MB/s in node, same set):"
	echo
	awk '{ r[$1 " " $2] = $3; sets[$1] = 1 } END {
		for (s in sets) for (e in r) { split(e, p, " "); if (p[1] != s || p[2] !~ /^enclave-/) continue
			for (lib in r) { split(lib, q, " "); if (q[1] == s && q[2] !~ /^enclave-/ && r[lib] > 0)
				printf "- %s: %s / %s = %.1f\n", s, p[2], q[2], r[e] / r[lib] } } }' "$out/rates" | sort
} >>"$report"

# ------------------------------------------------------------------ memory
jmax=$(echo "$jobs_list" | tr ' ' '\n' | sort -n | tail -1)
head -c 10000000 "$out/synth.one" >"$out/m10.txt"
[ "$(stat -c %s "$out/m10.txt")" -ge 10000000 ] || repeat "$out/synth.one" "$out/m10.txt" 10
repeat "$out/synth.one" "$out/mbig.txt" "$mem_mb"
{
	echo
	echo "Memory (streamed input, --jobs $jmax, /usr/bin/time -v):"
	echo
	echo "| mode | input MB | wall s | MB/s | peak RSS MB |"
	echo "|---|---|---|---|---|"
} >>"$report"
for mode in "${modes[@]}"; do
	for m in m10 mbig; do
		b=$(stat -c %s "$out/$m.txt")
		# shellcheck disable=SC2086
		read -r w _ r < <(time_v "$enclave" scan $mode --jobs "$jmax" "$out/$m.txt")
		echo "| $(mode_name "$mode") | $(calc "$b / 1e6") | $w | $(calc "$b / 1e6 / $w") | $(calc "$r / 1024") |" >>"$report"
	done
done
rm -f "$out/mbig.txt" "$out/m10.txt" "$out"/*.one
echo >>"$report"
echo "Load average at the end: $(uptime | sed 's/.*load average: //')" >>"$report"

cat "$report"
