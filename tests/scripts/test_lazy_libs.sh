#!/bin/bash
# The libraries only some formats need are not linked: GMime (e-mail),
# libgsf (OLE: doc, xls, ppt, msg), libmagic (naming an unsupported file),
# Tesseract and Leptonica (OCR) are loaded with dlopen on first use, so a
# start of the binary does not pay their mapping and relocations (nor those
# of what they bring: GObject, GIO, GPGME...). Checked here: the binary does
# not list them; extracting a PDF or a text file opens none of them; an
# e-mail opens GMime (not libgsf) and still reads, an OLE file libgsf (not
# GMime), an unsupported file libmagic, which still names it; and when a
# library cannot be loaded, the extraction fails with a message saying so
# while other formats still work.
set -u
command -v strace >/dev/null || { echo "SKIP: no strace"; exit 0; }
dir=$(mktemp -d)
log="$dir/log"
trap 'rm -rf "$dir"' EXIT
export ASAN_OPTIONS=detect_leaks=0
lazy='libgmime|libgsf|libgobject|libgio|libgpgme|libmagic|libtesseract|liblept'

# Not linked, directly or through another library.
if ldd "$ENCLAVE" | grep -E "$lazy"; then
	echo "FAIL: the binary links a library it should load on first use"
	exit 1
fi
# libcurl (the LLM client) too: loaded when a client is first made
# (src/lib/augment/curl_dl.c); `llm list` reads the config only.
if ldd "$ENCLAVE" | grep -E 'libcurl'; then
	echo "FAIL: the binary links libcurl"
	exit 1
fi

"$TOOLS_DIR/mkpdf" simple "$dir/a.pdf" "The quick brown fox jumps over the lazy dog." &&
	"$TOOLS_DIR/mkole" doc "$dir/a.doc" || { echo "FAIL: fixture"; exit 1; }
printf 'Plain text, nothing more.\n' >"$dir/a.txt"
printf 'From: Alice <alice@example.com>\nTo: bob@example.com\nSubject: Lunch\n\nSee you at noon.\n' >"$dir/a.eml"
head -c 4096 "$ENCLAVE" >"$dir/a.bin" # an ELF header: a type we do not read

# Run `enclave extract FILE` under strace; its text in $dir/out, messages in $dir/err.
traced() {
	strace -f -e trace=openat -o "$log" "$ENCLAVE" extract --format text "$1" >"$dir/out" 2>"$dir/err"
}
# The libraries of the pattern $1 that the last traced run opened (found, not ENOENT).
opened() { grep -E "$1" "$log" | grep -v ENOENT; }

for f in a.pdf:'quick brown' a.txt:'Plain text'; do
	traced "$dir/${f%%:*}" || { echo "FAIL: extract ${f%%:*}: $(cat "$dir/err")"; exit 1; }
	grep -q "${f#*:}" "$dir/out" || { echo "FAIL: text of ${f%%:*}"; cat "$dir/out"; exit 1; }
	if opened "$lazy"; then
		echo "FAIL: extracting ${f%%:*} opened a library it does not need"
		exit 1
	fi
done

traced "$dir/a.eml" || { echo "FAIL: extract a.eml: $(cat "$dir/err")"; exit 1; }
grep -q 'See you at noon' "$dir/out" || { echo "FAIL: e-mail body"; cat "$dir/out"; exit 1; }
opened 'libgmime-3.0.so.0' >/dev/null || { echo "FAIL: the e-mail did not load GMime"; exit 1; }
if opened 'libgsf|libmagic|libtesseract'; then echo "FAIL: the e-mail loaded more than GMime"; exit 1; fi

traced "$dir/a.doc" || { echo "FAIL: extract a.doc: $(cat "$dir/err")"; exit 1; }
grep -q 'Quarterly report' "$dir/out" || { echo "FAIL: doc text"; cat "$dir/out"; exit 1; }
opened 'libgsf-1.so.114' >/dev/null || { echo "FAIL: the doc did not load libgsf"; exit 1; }
if opened 'libgmime|libmagic|libtesseract'; then echo "FAIL: the doc loaded more than libgsf"; exit 1; fi

traced "$dir/a.bin" && { echo "FAIL: an ELF file extracted"; exit 1; }
grep -q 'unsupported type: ELF' "$dir/err" || { echo "FAIL: not named by libmagic: $(cat "$dir/err")"; exit 1; }
opened 'libmagic.so.1' >/dev/null || { echo "FAIL: naming the file did not load libmagic"; exit 1; }

# A library that cannot be loaded (a file that is not one, found first on
# LD_LIBRARY_PATH): its formats fail saying why, the others still work.
mkdir "$dir/bad"
for so in libgmime-3.0.so.0 libgsf-1.so.114 libmagic.so.1; do echo "not a library" >"$dir/bad/$so"; done
bad() { LD_LIBRARY_PATH="$dir/bad" "$ENCLAVE" extract --format text "$1" >"$dir/out" 2>"$dir/err"; }
bad "$dir/a.eml" && { echo "FAIL: a.eml extracted without GMime"; exit 1; }
grep -q "e-mail reading is unavailable: cannot load libgmime-3.0.so.0" "$dir/err" ||
	{ echo "FAIL: message without GMime: $(cat "$dir/err")"; exit 1; }
bad "$dir/a.doc" && { echo "FAIL: a.doc extracted without libgsf"; exit 1; }
grep -q "reading OLE files (doc, xls, ppt, msg) is unavailable: cannot load libgsf-1.so.114" "$dir/err" ||
	{ echo "FAIL: message without libgsf: $(cat "$dir/err")"; exit 1; }
bad "$dir/a.bin" && { echo "FAIL: a.bin extracted"; exit 1; }
grep -q "unsupported type: unknown binary data" "$dir/err" ||
	{ echo "FAIL: message without libmagic: $(cat "$dir/err")"; exit 1; }
bad "$dir/a.pdf" || { echo "FAIL: a PDF without the lazy libraries: $(cat "$dir/err")"; exit 1; }
grep -q 'quick brown' "$dir/out" || { echo "FAIL: PDF text without the lazy libraries"; exit 1; }
echo "lazy libraries: not linked, not opened by PDF or text, loaded by e-mail, OLE and unknown files"
