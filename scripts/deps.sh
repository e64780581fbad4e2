#!/bin/sh
# Install the Debian 12 packages Enclave needs, and only the missing ones.
# Usage: scripts/deps.sh [build|test|bench|gen]...   (default: build)
# Runs apt-get update first only when something is missing; needs root or sudo.
set -eu

build_pkgs="cmake make gcc pkg-config
libmupdf-dev libmujs-dev libgumbo-dev libopenjp2-7-dev libjbig2dec0-dev libjpeg-dev
libfreetype-dev libharfbuzz-dev zlib1g-dev
libsqlite3-dev libsodium-dev libssl-dev libxml2-dev libjansson-dev libmagic-dev
libuchardet-dev libarchive-dev libtesseract-dev libleptonica-dev tesseract-ocr-eng tesseract-ocr-osd
libgmime-3.0-dev libgsf-1-dev libfribidi-dev libhyperscan-dev libyaml-dev libmicrohttpd-dev
libcurl4-openssl-dev libexttextcat-dev libexttextcat-data"
# wordnet-base: WordNet 3.0 files that `augment --task eda` reads (the unit test has its own fixture).
# chromium: the browser tests (tests/browser, playwright-core from npm); npm
# only when absent (a Node.js of another origin may bring its own).
# python3-nltk: a standard CoNLL reader for the export's CoNLL (tests/cases/export-conll-nltk).
test_pkgs="python3-nltk wordnet-base clang clang-format libcmocka-dev strace util-linux sqlite3 python3 procps openssl bzip2 zstd nodejs curl chromium time"
command -v npm >/dev/null 2>&1 || test_pkgs="$test_pkgs npm"
# gen: what regenerates committed sources (scripts/make_surrogates.py: Faker's lists;
# scripts/make_common_words.py: wamerican's word list).
gen_pkgs="python3 python3-fake-factory wamerican"
bench_pkgs="poppler-utils time hyperfine pandoc tesseract-ocr python3-fake-factory wrk curl"

want=""
[ $# -eq 0 ] && set -- build
for set in "$@"; do
	case "$set" in
	build) want="$want $build_pkgs" ;;
	test) want="$want $build_pkgs $test_pkgs" ;;
	bench) want="$want $build_pkgs $bench_pkgs" ;;
	gen) want="$want $gen_pkgs" ;;
	*) echo "deps.sh: unknown set '$set'" >&2; exit 2 ;;
	esac
done

missing=""
for p in $want; do
	case " $missing " in *" $p "*) continue ;; esac
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "deps.sh: installing:$missing" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
