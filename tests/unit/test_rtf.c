/*
 * Unit tests of the RTF parser (rtf.c): paragraphs and headings from the
 * stylesheet and \outlinelevel, lists with their numbers, tables with their
 * cells attrs, code pages (\ansicpg, \fcharset per font, Shift-JIS byte
 * pairs), \uN with \ucN skip counts and surrogates, \upr/\ud, skipped
 * destinations, info metadata, headers, footers and footnotes, and hostile
 * input (unbalanced braces, a huge \bin, deep nesting, huge parameters).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <enclave.h>
#include "ingest/ingest_int.h"
#include "doc_check.h"

/* Parse `rtf`; the result code in *rc. */
static struct enclave_doc *parse_rc(const char *rtf, int *rc)
{
	struct enclave_doc *doc;

	assert_int_equal(doc_new(&doc, "rtf"), 0);
	*rc = ingest_rtf(doc, (const unsigned char *)rtf, strlen(rtf));
	return doc;
}

/* Parse; assert success. */
static struct enclave_doc *parse(const char *rtf)
{
	int rc;
	struct enclave_doc *doc = parse_rc(rtf, &rc);

	if (rc)
		print_error("ingest_rtf: %d %s\n", rc, enclave_error_last());
	assert_int_equal(rc, 0);
	return doc;
}

static void test_structure(void **state)
{
	struct enclave_doc *doc = parse(
	    "{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Arial;}}{\\colortbl;\\red255;}"
	    "{\\stylesheet{\\s0 Normal;}{\\s1\\outlinelevel0 heading 1;}{\\s2 heading 2;}"
	    "{\\s3 Title;}{\\*\\cs10 Default Paragraph Font;}}"
	    "{\\info{\\title The Title}{\\author Ann}{\\subject Subj}"
	    "{\\creatim\\yr2020\\mo1\\dy2\\hr3\\min4}}"
	    "{\\header \\pard Page head\\par}{\\footer \\pard Page foot\\par}"
	    "\\pard\\s3 Big Title\\par\\pard\\s1 Chapter\\par\\pard\\s2 Section\\par"
	    "\\pard\\outlinelevel2 Deep\\par"
	    "\\pard Body with a note{\\super\\chftn{\\footnote \\pard Note text.}} and a"
	    "\\line break\\tab tab.\\par"
	    "{\\listtext 1.\\tab}\\pard\\ls1\\ilvl0 First\\par"
	    "{\\listtext 2.\\tab}\\pard\\ls1\\ilvl1 Second\\par"
	    "{\\pntext \\'b7\\tab}\\pard Bullet\\par"
	    "{\\*\\bkmkstart x}{\\field{\\*\\fldinst HYPERLINK \"http://x\"}{\\fldrslt Link}}\\par"
	    "{\\pict\\pngblip 89504e47}{\\*\\unknowndest secret}{\\object{\\*\\objdata 0102}"
	    "{\\result Res}}\\par}");

	(void)state;
	check_block(doc, 0, ENCLAVE_BLOCK_HEADER, 0, "Page head");
	check_block(doc, 1, ENCLAVE_BLOCK_FOOTER, 0, "Page foot");
	check_block(doc, 2, ENCLAVE_BLOCK_TITLE, 0, "Big Title");
	check_block(doc, 3, ENCLAVE_BLOCK_HEADING, 1, "Chapter");
	check_block(doc, 4, ENCLAVE_BLOCK_HEADING, 2, "Section");
	check_block(doc, 5, ENCLAVE_BLOCK_HEADING, 3, "Deep");
	check_block(doc, 6, ENCLAVE_BLOCK_PARAGRAPH, 0, "Body with a note and a\nbreak\ttab.");
	check_block(doc, 7, ENCLAVE_BLOCK_LIST_ITEM, 1, "First");
	assert_string_equal(doc->blocks[7].attrs, "{\"ordered\":true,\"number\":1}");
	check_block(doc, 8, ENCLAVE_BLOCK_LIST_ITEM, 2, "Second");
	check_block(doc, 9, ENCLAVE_BLOCK_LIST_ITEM, 1, "Bullet");
	assert_null(doc->blocks[9].attrs);
	check_block(doc, 10, ENCLAVE_BLOCK_PARAGRAPH, 0, "Link");
	check_block(doc, 11, ENCLAVE_BLOCK_PARAGRAPH, 0, "Res");
	check_block(doc, 12, ENCLAVE_BLOCK_PARAGRAPH, 0, "Note text.");
	assert_string_equal(doc->blocks[12].attrs, "{\"footnote\":true}");
	assert_int_equal(doc->nblocks, 13);
	assert_string_equal(doc->title, "The Title");
	assert_string_equal(json_string_value(json_object_get(doc->metadata, "author")), "Ann");
	assert_string_equal(json_string_value(json_object_get(doc->metadata, "subject")), "Subj");
	assert_string_equal(json_string_value(json_object_get(doc->metadata, "created")),
	                    "2020-01-02T03:04:00");
	enclave_doc_free(doc);
}

static void test_table(void **state)
{
	struct enclave_doc *doc =
	    parse("{\\rtf1 Before\\par\\trowd\\cellx1000\\cellx2000\\cellx3000"
	          "\\pard\\intbl Name\\cell Age\\cell\\cell\\row"
	          "\\trowd\\cellx1000\\cellx2000\\pard\\intbl Ann\\par  Lee\\cell 42\\cell\\row"
	          "\\pard After\\par}");

	(void)state;
	check_block(doc, 0, ENCLAVE_BLOCK_PARAGRAPH, 0, "Before");
	check_block(doc, 1, ENCLAVE_BLOCK_TABLE, 0, "Name\tAge\nAnn Lee\t42");
	assert_string_equal(doc->blocks[1].attrs,
	                    "{\"rows\":[[\"Name\",\"Age\"],[\"Ann Lee\",\"42\"]]}");
	check_block(doc, 2, ENCLAVE_BLOCK_PARAGRAPH, 0, "After");
	enclave_doc_free(doc);
}

static void test_code_pages(void **state)
{
	struct enclave_doc *doc;

	(void)state;
	/* The document's code page, and a font's own charset. */
	doc = parse("{\\rtf1\\ansi\\ansicpg1250\\deff0{\\fonttbl{\\f0 Arial;}{\\f1\\fcharset204 "
	            "Times;}{\\f2\\fcharset161 Greek;}}"
	            "\\'8aesk\\'e1 \\f1\\'cf\\'f0\\'e8\\'e2\\'e5\\'f2 \\f2\\'e1\\'e2\\par}");
	check_block(doc, 0, ENCLAVE_BLOCK_PARAGRAPH, 0,
	            "\xc5\xa0"
	            "esk\xc3\xa1 \xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 "
	            "\xce\xb1\xce\xb2");
	assert_string_equal(json_string_value(json_object_get(doc->metadata, "encoding")),
	                    "CP1250");
	enclave_doc_free(doc);
	/* Shift-JIS: a double-byte character written as two \'hh, or \'hh and a letter. */
	doc = parse("{\\rtf1\\ansi\\ansicpg932{\\fonttbl{\\f0\\fcharset128 Mincho;}}\\f0"
	            "\\'83\\'65\\'83X\\'83\\'67\\par}");
	check_block(doc, 0, ENCLAVE_BLOCK_PARAGRAPH, 0, "\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88");
	enclave_doc_free(doc);
	/* Default: Windows-1252 (0x80 is the euro sign). */
	doc = parse("{\\rtf1 \\'80 \\'93q\\'94\\par}");
	check_block(doc, 0, ENCLAVE_BLOCK_PARAGRAPH, 0, "\xe2\x82\xac \xe2\x80\x9cq\xe2\x80\x9d");
	enclave_doc_free(doc);
}

static void test_unicode(void **state)
{
	struct enclave_doc *doc;

	(void)state;
	/* \uN with its fallback skipped, \uc2, negative N, a surrogate pair. */
	doc = parse("{\\rtf1 a\\u8364?b{\\uc2\\u8364xxc}\\u-10179?\\u-8704?d\\u-4?\\par}");
	check_block(doc, 0, ENCLAVE_BLOCK_PARAGRAPH, 0,
	            "a\xe2\x82\xac"
	            "b\xe2\x82\xac"
	            "c\xf0\x9f\x98\x80"
	            "d\xef\xbf\xbc");
	enclave_doc_free(doc);
	/* A lone high surrogate, a lone low one: U+FFFD; \u0 dropped. */
	doc = parse("{\\rtf1 x\\u55357?y\\u56832?z\\u0?\\par}");
	check_block(doc, 0, ENCLAVE_BLOCK_PARAGRAPH, 0, "x\xef\xbf\xbdy\xef\xbf\xbdz");
	enclave_doc_free(doc);
	/* The fallback skip ends at a group's end; a huge \uc is clamped. */
	doc = parse("{\\rtf1 {\\u233 }e{\\uc999999999\\u233 abcdefghijklmnopqrstuvwxyz}\\par}");
	check_block(doc, 0, ENCLAVE_BLOCK_PARAGRAPH, 0,
	            "\xc3\xa9"
	            "e\xc3\xa9qrstuvwxyz");
	enclave_doc_free(doc);
	/* \upr: the \ud copy is read, the ANSI one skipped. */
	doc = parse("{\\rtf1{\\upr{Ansi}{\\*\\ud{Uni\\u233 ?}}}\\par}");
	check_block(doc, 0, ENCLAVE_BLOCK_PARAGRAPH, 0, "Uni\xc3\xa9");
	enclave_doc_free(doc);
}

static void test_hostile(void **state)
{
	struct enclave_doc *doc;
	char *deep;
	int rc, i;

	(void)state;
	/* Unbalanced: groups left open are closed; text after the end is ignored. */
	doc = parse("{\\rtf1 {\\b bold {\\i open");
	check_block(doc, 0, ENCLAVE_BLOCK_PARAGRAPH, 0, "bold open");
	enclave_doc_free(doc);
	doc = parse("{\\rtf1 in}} out{\\par}");
	check_block(doc, 0, ENCLAVE_BLOCK_PARAGRAPH, 0, "in");
	assert_int_equal(doc->nblocks, 1);
	enclave_doc_free(doc);
	/* A huge \bin skips to the end, not beyond. */
	doc = parse_rc("{\\rtf1 text\\par \\bin99999999999999999999 abc}", &rc);
	assert_int_equal(rc, 0);
	check_block(doc, 0, ENCLAVE_BLOCK_PARAGRAPH, 0, "text");
	assert_int_equal(doc->nblocks, 1);
	enclave_doc_free(doc);
	/* Binary data inside a picture is never text. */
	doc = parse("{\\rtf1 {\\pict\\bin4 }}{}x} ok\\par}");
	check_block(doc, 0, ENCLAVE_BLOCK_PARAGRAPH, 0, "ok");
	enclave_doc_free(doc);
	/* Huge parameters are clamped. */
	doc = parse("{\\rtf1\\ansicpg99999999999999\\f-99999999999999999\\s999999999999999"
	            "\\outlinelevel-5\\ilvl99999999 x\\par}");
	check_block(doc, 0, ENCLAVE_BLOCK_PARAGRAPH, 0, "x");
	enclave_doc_free(doc);
	/* Deeper than ENCLAVE_MAX_NESTING groups: a limit, not a crash. */
	deep = calloc(1, 2 * ENCLAVE_MAX_NESTING + 64);
	assert_non_null(deep);
	memcpy(deep, "{\\rtf1 ", 7);
	for (i = 0; i < ENCLAVE_MAX_NESTING + 5; i++)
		deep[7 + i] = '{';
	memcpy(deep + 7 + i, "x}", 3);
	doc = parse_rc(deep, &rc);
	assert_int_equal(rc, ENCLAVE_ELIMIT);
	assert_non_null(strstr(enclave_error_last(), "nested deeper"));
	enclave_doc_free(doc);
	free(deep);
	/* Not RTF at all. */
	doc = parse_rc("plain", &rc);
	assert_int_equal(rc, ENCLAVE_EINVALID);
	enclave_doc_free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_structure),  cmocka_unit_test(test_table),
		cmocka_unit_test(test_code_pages), cmocka_unit_test(test_unicode),
		cmocka_unit_test(test_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
