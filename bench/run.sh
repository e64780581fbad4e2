#!/bin/bash
# Run the benches against an enclave binary: every bench/*.sh but this one,
# in name order, or only the NAMEs given (e.g. pdf_text ingest).
#
# Usage: bench/run.sh ENCLAVE_BINARY [NAME...]      (`make bench` runs them all)
#
# A bench whose data or reference tool is missing prints "skip: ..." and
# exits 0: the ones scored on the shared evaluation corpus
# ($(dirname repo)/shared/corpus, i.e. ../shared/corpus beside the
# repository, or $ENCLAVE_BENCH_CORPUS) skip without it; the synthetic ones
# run anywhere. Results go to bench/out/ (git-ignored); see bench/README.md.
set -u

[ $# -ge 1 ] || { echo "usage: bench/run.sh ENCLAVE_BINARY [NAME...]" >&2; exit 2; }
enclave=$1
shift
bench=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$bench")
[ -x "$enclave" ] || { echo "bench: '$enclave' is not executable (run make first)" >&2; exit 2; }

corpus="${ENCLAVE_BENCH_CORPUS:-$(dirname "$repo")/shared/corpus}"
[ -d "$corpus" ] || echo "skip: no evaluation corpus at $corpus: the benches scored on it are skipped"

if [ $# -eq 0 ]; then
	set --
	for s in "$bench"/*.sh; do
		name=$(basename "$s" .sh)
		[ "$name" = run ] || set -- "$@" "$name"
	done
fi

fail=0
for name in "$@"; do
	if [ ! -f "$bench/$name.sh" ]; then
		echo "bench: no bench/$name.sh" >&2
		fail=1
		continue
	fi
	echo "== bench: $name"
	bash "$bench/$name.sh" "$enclave" || { echo "bench: $name failed" >&2; fail=1; }
	echo
done
exit "$fail"
