/*
 * Unit tests of the HTML parser: block structure, the title rule, metadata,
 * tables, lists, encodings (declared, detected, BOM), and hostile input (a
 * nesting bomb, an external entity), and that libxml2 prints nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <libxml/globals.h>
#include <libxml/xmlerror.h>

#include <enclave.h>
#include "ingest/ingest_int.h"
#include "doc_check.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                            */
/* ------------------------------------------------------------------ */

/* Parse `len` bytes of HTML into a new document; the parser's result in *rc. */
static struct enclave_doc *parse_rc(const void *html, size_t len, int *rc)
{
	struct enclave_doc *doc;

	assert_int_equal(doc_new(&doc, "html"), 0);
	*rc = ingest_html(doc, html, len);
	return doc;
}

/* Parse the string `html`; assert success. */
static struct enclave_doc *parse(const char *html)
{
	int rc;
	struct enclave_doc *doc = parse_rc(html, strlen(html), &rc);

	if (rc)
		print_error("ingest_html: %d %s\n", rc, enclave_error_last());
	assert_int_equal(rc, 0);
	return doc;
}

/* Does any block of `doc` contain `needle`? */
static int doc_contains(const struct enclave_doc *doc, const char *needle)
{
	size_t i;

	for (i = 0; i < doc->nblocks; i++)
		if (strstr(doc->blocks[i].text, needle))
			return 1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Structure                                                          */
/* ------------------------------------------------------------------ */

/* Block kinds, metadata, and what is dropped, on a page with a bit of everything. */
static void test_structure(void **state)
{
	struct enclave_doc *doc =
	    parse("<!DOCTYPE html>\n"
	          "<html lang=\"en\"><head><title> My \n Page </title>\n"
	          "<meta name=\"description\" content=\"A  test page\">\n"
	          "<meta name=\"Author\" content=\"Jane Doe\">\n"
	          "<meta name=\"keywords\" content=\"a, b\">\n"
	          "<style>body { color: red }</style>\n"
	          "<script>var x = \"<p>not text</p>\";</script>\n"
	          "</head><body>\n"
	          "<header><nav><a href=\"/\">Home</a> | "
	          "<a href=\"/about\">About</a></nav></header>\n"
	          "<h1>Main <em>Title</em></h1>\n"
	          "Loose text in body\n"
	          "<p>First <b>bold</b>, <i>italic</i> and<br> a break.</p>\n"
	          "<div>div text <span>span</span><p>inner p</p>tail text</div>\n"
	          "<pre>  code   line 1\n    indented &lt;tag&gt;\n</pre>\n"
	          "<blockquote><p>Quoted text</p></blockquote>\n"
	          "<figure><img src=\"x.png\" alt=\"img\">"
	          "<figcaption>Figure caption</figcaption></figure>\n"
	          "<dl><dt>Term</dt><dd>Definition</dd></dl>\n"
	          "<noscript>enable js</noscript><template><p>tmpl</p></template>\n"
	          "<p hidden>hidden para</p>"
	          "<p style=\"color:red; display : none\">styled hidden</p>\n"
	          "<script>document.write('x')</script><style>p{}</style>\n"
	          "<h3>Sub <code>heading</code></h3>\n"
	          "<hr>\n"
	          "<footer>Footer text</footer>\n"
	          "</body></html>\n");

	(void)state;
	assert_string_equal(doc->title, "My Page");
	assert_string_equal(meta(doc, "description"), "A test page");
	assert_string_equal(meta(doc, "author"), "Jane Doe");
	assert_string_equal(meta(doc, "keywords"), "a, b");
	assert_string_equal(meta(doc, "language"), "en");
	assert_string_equal(meta(doc, "encoding"), "utf-8");
	assert_int_equal(doc->nblocks, 14);
	check_block(doc, 0, ENCLAVE_BLOCK_PARAGRAPH, 0, "Home | About");
	check_block(doc, 1, ENCLAVE_BLOCK_HEADING, 1, "Main Title");
	check_block(doc, 2, ENCLAVE_BLOCK_PARAGRAPH, 0, "Loose text in body");
	check_block(doc, 3, ENCLAVE_BLOCK_PARAGRAPH, 0, "First bold, italic and\na break.");
	check_block(doc, 4, ENCLAVE_BLOCK_PARAGRAPH, 0, "div text span");
	check_block(doc, 5, ENCLAVE_BLOCK_PARAGRAPH, 0, "inner p");
	check_block(doc, 6, ENCLAVE_BLOCK_PARAGRAPH, 0, "tail text");
	check_block(doc, 7, ENCLAVE_BLOCK_CODE, 0, "code   line 1\n    indented <tag>");
	check_block(doc, 8, ENCLAVE_BLOCK_PARAGRAPH, 0, "Quoted text");
	check_block(doc, 9, ENCLAVE_BLOCK_CAPTION, 0, "Figure caption");
	check_block(doc, 10, ENCLAVE_BLOCK_PARAGRAPH, 0, "Term");
	check_block(doc, 11, ENCLAVE_BLOCK_PARAGRAPH, 0, "Definition");
	check_block(doc, 12, ENCLAVE_BLOCK_HEADING, 3, "Sub heading");
	check_block(doc, 13, ENCLAVE_BLOCK_PARAGRAPH, 0, "Footer text");
	assert_string_equal(doc->blocks[0].method, "markup");
	assert_false(doc_contains(doc, "not text"));
	assert_false(doc_contains(doc, "color"));
	assert_false(doc_contains(doc, "hidden"));
	assert_false(doc_contains(doc, "tmpl"));
	assert_false(doc_contains(doc, "enable js"));
	enclave_doc_free(doc);
}

/* The title opens the document as a block only when there is no h1. */
static void test_title_block_only_without_h1(void **state)
{
	struct enclave_doc *doc = parse("<html><head><title>Page &amp; Co</title></head>"
	                                "<body><h2>Section</h2><p>Text</p></body></html>");

	(void)state;
	assert_string_equal(doc->title, "Page & Co");
	assert_int_equal(doc->nblocks, 3);
	check_block(doc, 0, ENCLAVE_BLOCK_TITLE, 0, "Page & Co");
	check_block(doc, 1, ENCLAVE_BLOCK_HEADING, 2, "Section");
	enclave_doc_free(doc);

	doc = parse("<title>Page</title><h1>Page</h1><p>Text</p>");
	assert_string_equal(doc->title, "Page");
	assert_int_equal(doc->nblocks, 2);
	check_block(doc, 0, ENCLAVE_BLOCK_HEADING, 1, "Page");
	enclave_doc_free(doc);
}

/* Entities decode; white space collapses; <br> is "\n". */
static void test_entities_and_white_space(void **state)
{
	struct enclave_doc *doc = parse("<p>  a&amp;b &lt;tag&gt; caf&eacute; &#8364;&#x263A;"
	                                "&nbsp;&nbsp;x \t\n y <b>bo</b><i>ld</i>"
	                                " <br>  next &unknown; </p>");

	(void)state;
	assert_int_equal(doc->nblocks, 1);
	check_block(doc, 0, ENCLAVE_BLOCK_PARAGRAPH, 0,
	            "a&b <tag> caf\xc3\xa9 \xe2\x82\xac\xe2\x98\xba x y bold\nnext &unknown;");
	enclave_doc_free(doc);
}

/* Nested lists: levels, ol numbers (start, value), paragraphs inside items. */
static void test_lists(void **state)
{
	struct enclave_doc *doc = parse("<ul>\n"
	                                "  <li>one</li>\n"
	                                "  <li>two\n"
	                                "    <ol start=\"3\"><li>three</li>"
	                                "<li value=\"7\">seven</li>"
	                                "<li>eight</li></ol>\n"
	                                "    after nested\n"
	                                "  </li>\n"
	                                "  <li><p>para in li</p><p>second para</p></li>\n"
	                                "</ul>\n"
	                                "<ol><li>first</li></ol>");

	(void)state;
	assert_int_equal(doc->nblocks, 9);
	check_block(doc, 0, ENCLAVE_BLOCK_LIST_ITEM, 1, "one");
	assert_null(doc->blocks[0].attrs);
	check_block(doc, 1, ENCLAVE_BLOCK_LIST_ITEM, 1, "two");
	check_block(doc, 2, ENCLAVE_BLOCK_LIST_ITEM, 2, "three");
	assert_string_equal(doc->blocks[2].attrs, "{\"ordered\":true,\"number\":3}");
	check_block(doc, 3, ENCLAVE_BLOCK_LIST_ITEM, 2, "seven");
	assert_string_equal(doc->blocks[3].attrs, "{\"ordered\":true,\"number\":7}");
	check_block(doc, 4, ENCLAVE_BLOCK_LIST_ITEM, 2, "eight");
	assert_string_equal(doc->blocks[4].attrs, "{\"ordered\":true,\"number\":8}");
	check_block(doc, 5, ENCLAVE_BLOCK_LIST_ITEM, 1, "after nested");
	check_block(doc, 6, ENCLAVE_BLOCK_LIST_ITEM, 1, "para in li");
	check_block(doc, 7, ENCLAVE_BLOCK_LIST_ITEM, 1, "second para");
	check_block(doc, 8, ENCLAVE_BLOCK_LIST_ITEM, 1, "first");
	assert_string_equal(doc->blocks[8].attrs, "{\"ordered\":true,\"number\":1}");
	enclave_doc_free(doc);
}

/* One table block with its caption, nested tables flattened into cells. */
static void test_tables(void **state)
{
	struct enclave_doc *doc =
	    parse("<p>before</p><table>\n"
	          "<caption>Table <b>cap</b></caption>\n"
	          "<thead><tr><th>Name</th><th>Age</th></tr></thead>\n"
	          "<tbody><tr><td>Alice\t Smith</td><td>30</td></tr>\n"
	          "<tr><td>Bob<br>Jr</td><td><table><tr><td>n1</td><td>n2</td></tr>"
	          "<tr><td>n3</td></tr></table></td></tr></tbody>\n"
	          "<tfoot><tr><td colspan=\"2\"><p>foot</p></td></tr></tfoot>\n"
	          "</table><p>after</p>");
	json_t *attrs, *rows;

	(void)state;
	assert_int_equal(doc->nblocks, 4);
	check_block(doc, 0, ENCLAVE_BLOCK_PARAGRAPH, 0, "before");
	check_block(doc, 1, ENCLAVE_BLOCK_CAPTION, 0, "Table cap");
	check_block(doc, 2, ENCLAVE_BLOCK_TABLE, 0,
	            "Name\tAge\nAlice Smith\t30\nBob Jr\tn1 n2 n3\nfoot");
	check_block(doc, 3, ENCLAVE_BLOCK_PARAGRAPH, 0, "after");
	attrs = json_loads(doc->blocks[2].attrs, 0, NULL);
	assert_non_null(attrs);
	rows = json_object_get(attrs, "rows");
	assert_int_equal(json_array_size(rows), 4);
	assert_int_equal(json_array_size(json_array_get(rows, 0)), 2);
	assert_string_equal(json_string_value(json_array_get(json_array_get(rows, 2), 1)),
	                    "n1 n2 n3");
	assert_int_equal(json_array_size(json_array_get(rows, 3)), 1);
	json_decref(attrs);
	enclave_doc_free(doc);
}

/* Offsets count code points. */
static void test_offsets(void **state)
{
	struct enclave_doc *doc = parse("<h1>Caf\xc3\xa9</h1><p>\xc3\xa9t\xc3\xa9</p><p>x</p>");

	(void)state;
	assert_int_equal(doc->nblocks, 3);
	assert_int_equal(doc->blocks[0].offset, 0);
	assert_int_equal(doc->blocks[0].length, 4);
	assert_int_equal(doc->blocks[1].offset, 6);
	assert_int_equal(doc->blocks[1].length, 3);
	assert_int_equal(doc->blocks[2].offset, 11);
	enclave_doc_free(doc);
}

/* ------------------------------------------------------------------ */
/* Encodings                                                          */
/* ------------------------------------------------------------------ */

/* A declared ISO-8859-1 is read (as Windows-1252). */
static void test_meta_charset_latin1(void **state)
{
	/* 0x80 is the euro sign in Windows-1252, which browsers use for ISO-8859-1. */
	struct enclave_doc *doc = parse("<html><head><meta charset=\"iso-8859-1\">"
	                                "<title>Caf\xe9</title></head>"
	                                "<body><h1>x</h1><p>na\xef"
	                                "ve \x80 5</p></body></html>");

	(void)state;
	assert_string_equal(meta(doc, "encoding"), "iso-8859-1");
	assert_string_equal(doc->title, "Caf\xc3\xa9");
	check_block(doc, 1, ENCLAVE_BLOCK_PARAGRAPH, 0, "na\xc3\xafve \xe2\x82\xac 5");
	enclave_doc_free(doc);
}

/* A charset in an http-equiv Content-Type is read. */
static void test_http_equiv_charset(void **state)
{
	/* "Привет мир" in Windows-1251. */
	struct enclave_doc *doc = parse("<html><head><meta http-equiv=\"Content-Type\" "
	                                "content=\"text/html; charset=windows-1251\"></head>"
	                                "<body><p>\xcf\xf0\xe8\xe2\xe5\xf2 \xec\xe8\xf0</p>"
	                                "</body></html>");

	(void)state;
	assert_string_equal(meta(doc, "encoding"), "windows-1251");
	check_block(doc, 0, ENCLAVE_BLOCK_PARAGRAPH, 0,
	            "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 \xd0\xbc\xd0\xb8\xd1\x80");
	enclave_doc_free(doc);
}

/* Valid UTF-8 wins over a declaration that says otherwise. */
static void test_valid_utf8_beats_stale_declaration(void **state)
{
	struct enclave_doc *doc = parse("<meta charset=\"iso-8859-1\"><p>caf\xc3\xa9</p>");

	(void)state;
	assert_string_equal(meta(doc, "encoding"), "utf-8");
	check_block(doc, 0, ENCLAVE_BLOCK_PARAGRAPH, 0, "caf\xc3\xa9");
	enclave_doc_free(doc);
}

/* Undeclared non-UTF-8 text is detected. */
static void test_undeclared_latin1_detected(void **state)
{
	struct enclave_doc *doc =
	    parse("<html><body><p>Le caf\xe9 \xe9tait na\xef"
	          "ve, le r\xe9sum\xe9 de la "
	          "soir\xe9"
	          "e "
	          "\xe9tait tr\xe8s \xe9l\xe9gant. Il a d\xe9j\xe0 \xe9t\xe9 r\xe9serv\xe9 \xe0 "
	          "l'h\xf4tel.</p></body></html>");

	(void)state;
	assert_non_null(strstr(doc->blocks[0].text, "Le caf\xc3\xa9 \xc3\xa9tait na\xc3\xafve"));
	assert_string_not_equal(meta(doc, "encoding"), "utf-8");
	enclave_doc_free(doc);
}

/* UTF-16 HTML behind a BOM. */
static void test_utf16_bom(void **state)
{
	static const char src[] = "<html><body><p>Hi caf\xe9</p></body></html>";
	unsigned char b[256];
	size_t n = 0, i;
	struct enclave_doc *doc;
	int rc;

	(void)state;
	b[n++] = 0xff, b[n++] = 0xfe;
	for (i = 0; src[i]; i++)
		b[n++] = (unsigned char)src[i], b[n++] = 0;
	doc = parse_rc(b, n, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(meta(doc, "encoding"), "utf-16le");
	check_block(doc, 0, ENCLAVE_BLOCK_PARAGRAPH, 0, "Hi caf\xc3\xa9");
	enclave_doc_free(doc);
}

/* ------------------------------------------------------------------ */
/* Hostile input                                                      */
/* ------------------------------------------------------------------ */

/* Build `depth` nested `tag` elements with text, parse, return the result code. */
static int parse_nested(const char *tag, size_t depth)
{
	size_t tl = strlen(tag), cap = depth * (tl + 2) + 64, n = 0, i;
	char *s = malloc(cap);
	struct enclave_doc *doc;
	int rc;

	assert_non_null(s);
	n += (size_t)snprintf(s, cap, "<html><body>");
	for (i = 0; i < depth; i++) {
		s[n++] = '<';
		memcpy(s + n, tag, tl);
		n += tl;
		s[n++] = '>';
	}
	memcpy(s + n, "deep", 4);
	n += 4;
	doc = parse_rc(s, n, &rc);
	if (rc == 0)
		assert_true(doc->nblocks > 0);
	enclave_doc_free(doc);
	free(s);
	return rc;
}

/* Deep nesting fails with ENCLAVE_ELIMIT, never a crash; shallow nesting parses. */
static void test_nesting_bomb(void **state)
{
	static const char *const tags[] = {
		"div", "table", "ul", "b", "blockquote", "pre", "span"
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		assert_int_equal(parse_nested(tags[i], 10000), ENCLAVE_ELIMIT);
		assert_non_null(strstr(enclave_error_last(), "nested deeper"));
	}
	/* Below libxml2's limit: parsed, its text kept. */
	assert_int_equal(parse_nested("div", 200), 0);
	/* Elements that close each other do not nest. */
	assert_int_equal(parse_nested("p", 10000), 0);
	assert_int_equal(parse_nested("li", 10000), 0);
}

/* An external entity is never loaded. */
static void test_xxe_not_loaded(void **state)
{
	static const char html[] = "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>"
	                           "<html><body><p>&e; ok</p>"
	                           "<p><!ENTITY f SYSTEM \"file:///etc/hostname\">&f;</p>"
	                           "</body></html>";
	struct enclave_doc *doc = parse(html);

	(void)state;
	assert_false(doc_contains(doc, "root:"));
	assert_true(doc_contains(doc, "&e; ok"));
	enclave_doc_free(doc);
}

/* A generic error handler to see whether ours is put back. */
static void caller_handler(void *ctx, const char *msg, ...)
{
	(void)ctx, (void)msg;
}

/* Nothing reaches stderr and the caller's libxml2 handlers come back. */
static void test_libxml2_prints_nothing(void **state)
{
	static const char bad[] = "<html><p><b>unclosed <i>x</b></p></div></span>&bogus; <x:y z>"
	                          "<table><td>a<tr>b</table></td><?pi?><![CDATA[c]]>\x01\x02"
	                          "<p \xff\xfe attr=>";
	char path[] = "/tmp/enclave-test-html-XXXXXX";
	int fd = mkstemp(path), saved = dup(2), rc;
	struct enclave_doc *doc;
	off_t size;

	(void)state;
	assert_true(fd >= 0 && saved >= 0);
	xmlSetGenericErrorFunc(NULL, caller_handler);
	fflush(stderr);
	dup2(fd, 2);
	doc = parse_rc(bad, sizeof(bad) - 1, &rc);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	size = lseek(fd, 0, SEEK_END);
	close(fd);
	unlink(path);
	assert_int_equal(rc, 0);
	assert_int_equal(size, 0);
	assert_true(xmlGenericError == caller_handler);
	assert_null(xmlStructuredError);
	xmlSetGenericErrorFunc(NULL, NULL);
	enclave_doc_free(doc);
}

/* One thread of test_threads: parse a page 50 times; returns NULL or a failure message. */
static void *parse_many(void *payload)
{
	static const char html[] = "<html><head><title>T</title></head><body><h1>H</h1>"
	                           "<p>caf\xe9 <b>unclosed <table><td>a<tr>b</div>&bogus;</p>";
	int i, rc;

	(void)payload;
	for (i = 0; i < 50; i++) {
		struct enclave_doc *doc;
		const char *bad = NULL;

		if (doc_new(&doc, "html") < 0)
			return "doc_new";
		rc = ingest_html(doc, (const unsigned char *)html, sizeof(html) - 1);
		if (rc || doc->nblocks != 3 || !doc->title || strcmp(doc->title, "T") ||
		    strcmp(doc->blocks[1].text, "caf\xc3\xa9 unclosed"))
			bad = "wrong result";
		enclave_doc_free(doc);
		if (bad)
			return (void *)bad;
	}
	return NULL;
}

/* Parses on several threads at once agree and do not interfere. */
static void test_threads(void **state)
{
	pthread_t t[6];
	void *res;
	size_t i;

	(void)state;
	for (i = 0; i < 6; i++)
		assert_int_equal(pthread_create(&t[i], NULL, parse_many, NULL), 0);
	for (i = 0; i < 6; i++) {
		assert_int_equal(pthread_join(t[i], &res), 0);
		if (res)
			print_error("thread %zu: %s\n", i, (const char *)res);
		assert_null(res);
	}
}

/* ------------------------------------------------------------------ */
/* The front door                                                     */
/* ------------------------------------------------------------------ */

/* The public entry point routes HTML here; a page without text is empty. */
static void test_extract_buffer(void **state)
{
	static const char html[] = "<!doctype html><html><head><title>T</title></head>"
	                           "<body><h1>Head</h1><p>Para</p></body></html>";
	static const char empty[] = "<html><head><script>x()</script></head><body> </body></html>";
	enclave_doc *doc;

	(void)state;
	assert_int_equal(enclave_extract_buffer(&doc, html, sizeof(html) - 1, "p.html", NULL), 0);
	assert_string_equal(enclave_doc_format(doc), "html");
	assert_string_equal(enclave_doc_title(doc), "T");
	assert_int_equal(enclave_doc_block_count(doc), 2);
	enclave_doc_free(doc);
	assert_int_equal(enclave_extract_buffer(&doc, empty, sizeof(empty) - 1, "e.html", NULL),
	                 ENCLAVE_EEMPTY);
	assert_null(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_title_block_only_without_h1),
		cmocka_unit_test(test_entities_and_white_space),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_meta_charset_latin1),
		cmocka_unit_test(test_http_equiv_charset),
		cmocka_unit_test(test_valid_utf8_beats_stale_declaration),
		cmocka_unit_test(test_undeclared_latin1_detected),
		cmocka_unit_test(test_utf16_bom),
		cmocka_unit_test(test_nesting_bomb),
		cmocka_unit_test(test_xxe_not_loaded),
		cmocka_unit_test(test_libxml2_prints_nothing),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_extract_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
