/*
 * Unit tests of text_decode() (BOMs, UTF-8, BOM-less UTF-16, detection,
 * the Windows-1252 fallback, line ends, the size cap) and of the plain-text
 * parser (paragraphs, list items, code-point offsets).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <enclave.h>
#include "ingest/ingest_int.h"
#include "util/utf8.h"
#include "doc_check.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                            */
/* ------------------------------------------------------------------ */

/* Decode `len` bytes; assert success; return the decoded text (owned) and encoding. */
static char *decode(const void *data, size_t len, char encoding[64])
{
	struct buf out = BUF_INIT(1 << 20);
	size_t n;
	char *s;

	assert_int_equal(text_decode(&out, encoding, data, len), 0);
	assert_true(utf8_valid(out.ptr ? out.ptr : "", out.len));
	s = buf_detach(&out, &n);
	assert_non_null(s);
	return s;
}

/* Parse `len` bytes of plain text into a new document; assert success. */
static struct enclave_doc *parse(const void *data, size_t len)
{
	struct enclave_doc *doc;

	assert_int_equal(doc_new(&doc, "text"), 0);
	assert_int_equal(ingest_text(doc, data, len), 0);
	return doc;
}

/* Encode the ASCII/Latin-1 string `s` as UTF-16 (le or be) after an optional BOM. */
static size_t utf16(unsigned char *out, const char *s, int le, int bom)
{
	size_t n = 0;

	if (bom) {
		out[n++] = le ? 0xff : 0xfe;
		out[n++] = le ? 0xfe : 0xff;
	}
	for (; *s; s++) {
		out[n++] = le ? (unsigned char)*s : 0;
		out[n++] = le ? 0 : (unsigned char)*s;
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* Decoding                                                           */
/* ------------------------------------------------------------------ */

/* Valid UTF-8 passes through untouched and is named "utf-8". */
static void test_utf8_as_is(void **state)
{
	char enc[64];
	char *s = decode("caf\xc3\xa9 \xe2\x82\xac", 9, enc);

	(void)state;
	assert_string_equal(s, "caf\xc3\xa9 \xe2\x82\xac");
	assert_string_equal(enc, "utf-8");
	free(s);
}

/* A UTF-8 BOM is dropped. */
static void test_utf8_bom_stripped(void **state)
{
	char enc[64];
	char *s = decode("\xef\xbb\xbfhi", 5, enc);

	(void)state;
	assert_string_equal(s, "hi");
	assert_string_equal(enc, "utf-8");
	free(s);
}

/* UTF-16LE behind its BOM is converted, the BOM dropped. */
static void test_utf16le_bom(void **state)
{
	unsigned char b[64];
	size_t n = utf16(b, "caf\xe9 ok", 1, 1);
	char enc[64];
	char *s = decode(b, n, enc);

	(void)state;
	assert_string_equal(s, "caf\xc3\xa9 ok");
	assert_string_equal(enc, "utf-16le");
	free(s);
}

/* UTF-16BE behind its BOM is converted, the BOM dropped. */
static void test_utf16be_bom(void **state)
{
	unsigned char b[64];
	size_t n = utf16(b, "caf\xe9 ok", 0, 1);
	char enc[64];
	char *s = decode(b, n, enc);

	(void)state;
	assert_string_equal(s, "caf\xc3\xa9 ok");
	assert_string_equal(enc, "utf-16be");
	free(s);
}

/* UTF-16 of either byte order is recognised without a BOM. */
static void test_utf16_without_bom(void **state)
{
	unsigned char b[128];
	size_t n = utf16(b, "Hello world, no BOM here", 1, 0);
	char enc[64];
	char *s = decode(b, n, enc);

	(void)state;
	assert_string_equal(s, "Hello world, no BOM here");
	assert_string_equal(enc, "utf-16le");
	free(s);
	n = utf16(b, "Hello world, no BOM here", 0, 0);
	s = decode(b, n, enc);
	assert_string_equal(s, "Hello world, no BOM here");
	assert_string_equal(enc, "utf-16be");
	free(s);
}

/* UTF-32LE and UTF-32BE behind their BOMs, including a non-BMP character. */
static void test_utf32_bom(void **state)
{
	static const unsigned char le[] = { 0xff, 0xfe, 0, 0, 'h', 0, 0, 0, 0xe9, 0, 0, 0 };
	static const unsigned char be[] = { 0, 0, 0xfe, 0xff, 0, 0, 0, 'h', 0, 1, 0xf6, 0x00 };
	char enc[64];
	char *s = decode(le, sizeof(le), enc);

	(void)state;
	assert_string_equal(s, "h\xc3\xa9");
	assert_string_equal(enc, "utf-32le");
	free(s);
	s = decode(be, sizeof(be), enc);
	assert_string_equal(s, "h\xf0\x9f\x98\x80"); /* U+1F600 */
	assert_string_equal(enc, "utf-32be");
	free(s);
}

/* Latin-1 French prose is detected and decoded. */
static void test_latin1_detected(void **state)
{
	static const char in[] =
	    "Le caf\xe9 \xe9tait na\xef"
	    "ve, le r\xe9sum\xe9 de la soir\xe9"
	    "e "
	    "\xe9tait tr\xe8s "
	    "\xe9l\xe9gant. Il a d\xe9j\xe0 \xe9t\xe9 r\xe9serv\xe9 \xe0 l'h\xf4tel, o\xf9 la "
	    "f\xeate continuait.";
	static const char want[] =
	    "Le caf\xc3\xa9 \xc3\xa9tait na\xc3\xafve, le r\xc3\xa9sum\xc3\xa9 de la "
	    "soir\xc3\xa9"
	    "e \xc3\xa9tait tr\xc3\xa8s \xc3\xa9l\xc3\xa9gant. Il a "
	    "d\xc3\xa9j\xc3\xa0 \xc3\xa9t\xc3\xa9 r\xc3\xa9serv\xc3\xa9 \xc3\xa0 "
	    "l'h\xc3\xb4tel, o\xc3\xb9 la f\xc3\xaate continuait.";
	char enc[64];
	char *s = decode(in, sizeof(in) - 1, enc);

	(void)state;
	assert_string_equal(s, want);
	assert_true(!strcmp(enc, "iso-8859-1") || !strcmp(enc, "windows-1252"));
	free(s);
}

/* Windows-1252 curly quotes and dashes decode to their Unicode characters. */
static void test_cp1252_quotes(void **state)
{
	static const char in[] = "He said \x93hello\x94 \x96 it\x92s caf\xe9 na\xef"
	                         "ve "
	                         "r\xe9sum\xe9 time again and again, d\xe9j\xe0 vu.";
	char enc[64];
	char *s = decode(in, sizeof(in) - 1, enc);

	(void)state;
	assert_non_null(strstr(s, "\xe2\x80\x9chello\xe2\x80\x9d \xe2\x80\x93 it\xe2\x80\x99s "
	                          "caf\xc3\xa9"));
	assert_string_equal(enc, "windows-1252");
	free(s);
}

/* KOI8-R Russian is detected. */
static void test_koi8r_detected(void **state)
{
	/* "Привет, как дела? Это тестовый текст на русском языке." twice, in KOI8-R. */
	static const char in[] =
	    "\xf0\xd2\xc9\xd7\xc5\xd4, \xcb\xc1\xcb \xc4\xc5\xcc\xc1? \xfc\xd4\xcf "
	    "\xd4\xc5\xd3\xd4\xcf\xd7\xd9\xca \xd4\xc5\xcb\xd3\xd4 \xce\xc1 "
	    "\xd2\xd5\xd3\xd3\xcb\xcf\xcd \xd1\xda\xd9\xcb\xc5. "
	    "\xf0\xd2\xc9\xd7\xc5\xd4, \xcb\xc1\xcb \xc4\xc5\xcc\xc1? \xfc\xd4\xcf "
	    "\xd4\xc5\xd3\xd4\xcf\xd7\xd9\xca \xd4\xc5\xcb\xd3\xd4 \xce\xc1 "
	    "\xd2\xd5\xd3\xd3\xcb\xcf\xcd \xd1\xda\xd9\xcb\xc5.";
	char enc[64];
	char *s = decode(in, sizeof(in) - 1, enc);

	(void)state;
	assert_string_equal(enc, "koi8-r");
	assert_non_null(strstr(s, "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82")); /* Привет */
	free(s);
}

/* Shift-JIS Japanese is detected. */
static void test_shift_jis_detected(void **state)
{
	/* "日本語のテキストです。これはシフトJISでエンコードされたテストの文章です。"
	 * "東京は日本の首都です。" */
	static const char in[] =
	    "\x93\xfa\x96\x7b\x8c\xea\x82\xcc\x83\x65\x83\x4c\x83\x58\x83\x67\x82\xc5\x82\xb7"
	    "\x81\x42\x82\xb1\x82\xea\x82\xcd\x83\x56\x83\x74\x83\x67\x4a\x49\x53\x82\xc5\x83"
	    "\x47\x83\x93\x83\x52\x81\x5b\x83\x68\x82\xb3\x82\xea\x82\xbd\x83\x65\x83\x58\x83"
	    "\x67\x82\xcc\x95\xb6\x8f\xcd\x82\xc5\x82\xb7\x81\x42\x93\x8c\x8b\x9e\x82\xcd\x93"
	    "\xfa\x96\x7b\x82\xcc\x8e\xf1\x93\x73\x82\xc5\x82\xb7\x81\x42";
	char enc[64];
	char *s = decode(in, sizeof(in) - 1, enc);

	(void)state;
	assert_string_equal(enc, "shift_jis");
	assert_non_null(strstr(s, "\xe6\x9d\xb1\xe4\xba\xac")); /* 東京 */
	free(s);
}

/* Bytes no charset explains still decode (to valid UTF-8). */
static void test_fallback_never_fails(void **state)
{
	/* The five bytes Windows-1252 leaves undefined, and stray high bytes. */
	static const char in[] = "\x81\x8d\x8f\x90\x9d x\xff";
	char enc[64];
	char *s = decode(in, sizeof(in) - 1, enc);

	(void)state;
	assert_true(strlen(s) > 0);
	free(s);
}

/* CRLF and lone CR become LF. */
static void test_line_ends(void **state)
{
	char enc[64];
	char *s = decode("a\r\nb\rc\n\r\nd", 10, enc);

	(void)state;
	assert_string_equal(s, "a\nb\nc\n\nd");
	free(s);
}

/* Output past the buffer cap is ENCLAVE_ELIMIT and leaves the buffer as it was. */
static void test_decode_cap(void **state)
{
	struct buf out = BUF_INIT(4);
	char enc[64];
	unsigned char b[64];
	size_t n = utf16(b, "too long for four", 1, 1);

	(void)state;
	assert_int_equal(text_decode(&out, enc, (const unsigned char *)"0123456789", 10),
	                 ENCLAVE_ELIMIT);
	assert_int_equal(out.len, 0);
	assert_int_equal(text_decode(&out, enc, b, n), ENCLAVE_ELIMIT);
	assert_int_equal(out.len, 0);
	assert_int_equal(text_decode(&out, enc, (const unsigned char *)"abc", 3), 0);
	assert_string_equal(out.ptr, "abc");
	buf_release(&out);
}

/* ------------------------------------------------------------------ */
/* Blocks                                                             */
/* ------------------------------------------------------------------ */

/* Blank lines split paragraphs; line breaks inside one are kept. */
static void test_paragraphs_keep_lines(void **state)
{
	static const char in[] = "Roses are red\nViolets are blue  \n\n \t\n"
	                         "Second para\r\n\r\n\fThird";
	struct enclave_doc *doc = parse(in, sizeof(in) - 1);

	(void)state;
	assert_int_equal(doc->nblocks, 3);
	check_block(doc, 0, ENCLAVE_BLOCK_PARAGRAPH, 0, "Roses are red\nViolets are blue");
	check_block(doc, 1, ENCLAVE_BLOCK_PARAGRAPH, 0, "Second para");
	check_block(doc, 2, ENCLAVE_BLOCK_PARAGRAPH, 0, "Third");
	assert_string_equal(doc->blocks[0].method, "markup");
	assert_int_equal(doc->blocks[0].page, 0);
	assert_int_equal(doc->blocks[0].has_bbox, 0);
	assert_string_equal(meta(doc, "encoding"), "utf-8");
	enclave_doc_free(doc);
}

/* Bullets and numbers start list items, nested by indentation. */
static void test_list_items(void **state)
{
	static const char in[] = "Shopping:\n"
	                         "- milk\n"
	                         "* eggs\n"
	                         "  that wrap\n"
	                         "    - nested\n"
	                         "\xe2\x80\xa2 bullet\n"
	                         "\n"
	                         "1. first\n"
	                         "12) twelfth\n"
	                         "\n"
	                         "1.5 is a number, not an item\n";
	struct enclave_doc *doc = parse(in, sizeof(in) - 1);

	(void)state;
	assert_int_equal(doc->nblocks, 8);
	check_block(doc, 0, ENCLAVE_BLOCK_PARAGRAPH, 0, "Shopping:");
	check_block(doc, 1, ENCLAVE_BLOCK_LIST_ITEM, 1, "milk");
	check_block(doc, 2, ENCLAVE_BLOCK_LIST_ITEM, 1, "eggs\nthat wrap");
	check_block(doc, 3, ENCLAVE_BLOCK_LIST_ITEM, 2, "nested");
	check_block(doc, 4, ENCLAVE_BLOCK_LIST_ITEM, 1, "bullet");
	check_block(doc, 5, ENCLAVE_BLOCK_LIST_ITEM, 1, "first");
	assert_string_equal(doc->blocks[5].attrs, "{\"ordered\":true,\"number\":1}");
	check_block(doc, 6, ENCLAVE_BLOCK_LIST_ITEM, 1, "twelfth");
	assert_string_equal(doc->blocks[6].attrs, "{\"ordered\":true,\"number\":12}");
	assert_null(doc->blocks[1].attrs);
	check_block(doc, 7, ENCLAVE_BLOCK_PARAGRAPH, 0, "1.5 is a number, not an item");
	enclave_doc_free(doc);
}

/* Block offsets and lengths count code points, not bytes. */
static void test_offsets_in_code_points(void **state)
{
	/* "é" is one code point in two bytes; "😀" one in four. */
	static const char in[] = "caf\xc3\xa9\n\n\xf0\x9f\x98\x80 x\n\nnext";
	struct enclave_doc *doc = parse(in, sizeof(in) - 1);

	(void)state;
	assert_int_equal(doc->nblocks, 3);
	assert_int_equal(doc->blocks[0].offset, 0);
	assert_int_equal(doc->blocks[0].length, 4);
	assert_int_equal(doc->blocks[1].offset, 6);
	assert_int_equal(doc->blocks[1].length, 3);
	assert_int_equal(doc->blocks[2].offset, 11);
	assert_int_equal(doc->blocks[2].length, 4);
	enclave_doc_free(doc);
}

/* A Latin-1 file parses into blocks with its encoding recorded. */
static void test_latin1_document(void **state)
{
	static const char in[] = "Caf\xe9 cr\xe8me br\xfbl\xe9"
	                         "e et g\xe2teau \xe0 la "
	                         "fran\xe7"
	                         "aise,\ntr\xe8s d\xe9licieux pour le d\xe9jeuner."
	                         "\n\nFin.";
	struct enclave_doc *doc = parse(in, sizeof(in) - 1);

	(void)state;
	assert_int_equal(doc->nblocks, 2);
	assert_non_null(strstr(doc->blocks[0].text, "Caf\xc3\xa9 cr\xc3\xa8me"));
	assert_non_null(meta(doc, "encoding"));
	assert_string_not_equal(meta(doc, "encoding"), "utf-8");
	enclave_doc_free(doc);
}

/* Text with no blank line, longer than a block may be, goes on in further blocks. */
static void test_long_paragraph_split(void **state)
{
	size_t line = 11, nlines = ENCLAVE_MAX_BLOCK_BYTES / line + 1000, i, total = 0;
	size_t big = ENCLAVE_MAX_BLOCK_BYTES + 100;
	char *s = malloc(nlines * line > big ? nlines * line : big);
	struct enclave_doc *doc;

	(void)state;
	assert_non_null(s);
	for (i = 0; i < nlines; i++)
		memcpy(s + i * line, "0123456789\n", line);
	doc = parse(s, nlines * line);
	assert_int_equal(doc->nblocks, 2);
	for (i = 0; i < doc->nblocks; i++) {
		assert_true(strlen(doc->blocks[i].text) <= ENCLAVE_MAX_BLOCK_BYTES);
		total += strlen(doc->blocks[i].text) + 1;
	}
	assert_int_equal(total, nlines * line);
	enclave_doc_free(doc);

	/* One line longer than a block, a two-byte character across the cut. */
	memset(s, 'a', big);
	memcpy(s + ENCLAVE_MAX_BLOCK_BYTES - 1, "\xc3\xa9", 2);
	doc = parse(s, big);
	assert_int_equal(doc->nblocks, 2);
	assert_int_equal(doc->blocks[0].length + doc->blocks[1].length, big - 1);
	assert_string_equal(doc->blocks[1].text + strlen(doc->blocks[1].text) - 3, "aaa");
	assert_true(!strncmp(doc->blocks[1].text, "\xc3\xa9", 2));
	enclave_doc_free(doc);
	free(s);
}

/* Empty and blank input give no blocks and no error. */
static void test_blank_input(void **state)
{
	struct enclave_doc *doc = parse(" \n\t\n", 4);

	(void)state;
	assert_int_equal(doc->nblocks, 0);
	enclave_doc_free(doc);
	doc = parse("", 0);
	assert_int_equal(doc->nblocks, 0);
	enclave_doc_free(doc);
}

/* The public entry point routes plain text here. */
static void test_extract_buffer(void **state)
{
	static const char in[] = "Plain words\n\nand more";
	enclave_doc *doc;

	(void)state;
	assert_int_equal(enclave_extract_buffer(&doc, in, sizeof(in) - 1, "notes.txt", NULL), 0);
	assert_string_equal(enclave_doc_format(doc), "text");
	assert_int_equal(enclave_doc_block_count(doc), 2);
	assert_string_equal(enclave_doc_block(doc, 1)->text, "and more");
	enclave_doc_free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_as_is),
		cmocka_unit_test(test_utf8_bom_stripped),
		cmocka_unit_test(test_utf16le_bom),
		cmocka_unit_test(test_utf16be_bom),
		cmocka_unit_test(test_utf16_without_bom),
		cmocka_unit_test(test_utf32_bom),
		cmocka_unit_test(test_latin1_detected),
		cmocka_unit_test(test_cp1252_quotes),
		cmocka_unit_test(test_koi8r_detected),
		cmocka_unit_test(test_shift_jis_detected),
		cmocka_unit_test(test_fallback_never_fails),
		cmocka_unit_test(test_line_ends),
		cmocka_unit_test(test_decode_cap),
		cmocka_unit_test(test_paragraphs_keep_lines),
		cmocka_unit_test(test_list_items),
		cmocka_unit_test(test_offsets_in_code_points),
		cmocka_unit_test(test_latin1_document),
		cmocka_unit_test(test_long_paragraph_split),
		cmocka_unit_test(test_blank_input),
		cmocka_unit_test(test_extract_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
