/*
 * Unit tests of the Markdown parser: every block construct, the inline
 * markup stripping, the title rule, front matter, offsets, and inputs built
 * to make a naive parser quadratic or deep.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <enclave.h>
#include "ingest/ingest_int.h"
#include "doc_check.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                            */
/* ------------------------------------------------------------------ */

/* Parse the string `md` into a new document; assert success. */
static struct enclave_doc *parse(const char *md)
{
	struct enclave_doc *doc;

	assert_int_equal(doc_new(&doc, "markdown"), 0);
	assert_int_equal(ingest_markdown(doc, (const unsigned char *)md, strlen(md)), 0);
	return doc;
}

/* The text of the only block of `md` (asserted to be one paragraph). Owned. */
static char *inline_text(const char *md)
{
	struct enclave_doc *doc = parse(md);
	char *s;

	assert_int_equal(doc->nblocks, 1);
	assert_int_equal(doc->blocks[0].kind, ENCLAVE_BLOCK_PARAGRAPH);
	s = strdup(doc->blocks[0].text);
	enclave_doc_free(doc);
	return s;
}

/* Assert that the paragraph `md` renders as `want`. */
static void check_inline(const char *md, const char *want)
{
	char *s = inline_text(md);

	if (strcmp(s, want))
		print_error("input:    '%s'\nwant:     '%s'\ngot:      '%s'\n", md, want, s);
	assert_string_equal(s, want);
	free(s);
}

/* ------------------------------------------------------------------ */
/* Blocks                                                             */
/* ------------------------------------------------------------------ */

/* ATX and setext headings, with their levels; non-headings stay text. */
static void test_headings(void **state)
{
	struct enclave_doc *doc = parse("# One\n"
	                                "## Two ##\n"
	                                "###### Six\n"
	                                "####### seven is text\n"
	                                "#hashtag is text\n"
	                                "\n"
	                                "Setext one\n"
	                                "===\n"
	                                "\n"
	                                "Setext\n"
	                                "two\n"
	                                "---\n");

	(void)state;
	assert_int_equal(doc->nblocks, 6);
	check_block(doc, 0, ENCLAVE_BLOCK_HEADING, 1, "One");
	check_block(doc, 1, ENCLAVE_BLOCK_HEADING, 2, "Two");
	check_block(doc, 2, ENCLAVE_BLOCK_HEADING, 6, "Six");
	check_block(doc, 3, ENCLAVE_BLOCK_PARAGRAPH, 0, "####### seven is text #hashtag is text");
	check_block(doc, 4, ENCLAVE_BLOCK_HEADING, 1, "Setext one");
	check_block(doc, 5, ENCLAVE_BLOCK_HEADING, 2, "Setext two");
	enclave_doc_free(doc);
}

/* A lone level-1 heading opening the document is the title; front matter wins. */
static void test_title_rule(void **state)
{
	struct enclave_doc *doc = parse("# The *Title*\n\nBody.\n\n## Sub\n");

	(void)state;
	assert_string_equal(doc->title, "The Title");
	check_block(doc, 0, ENCLAVE_BLOCK_HEADING, 1, "The Title");
	enclave_doc_free(doc);

	/* Two level-1 headings: neither is the title. */
	doc = parse("# A\n\n# B\n");
	assert_null(doc->title);
	enclave_doc_free(doc);

	/* A level-1 heading that does not open the document is not the title. */
	doc = parse("Intro.\n\n# A\n");
	assert_null(doc->title);
	enclave_doc_free(doc);

	/* Front matter names the title: it wins. */
	doc = parse("---\ntitle: 'From YAML'\nauthor: Jane Doe\ntags: [a, b]\n---\n# Heading\n");
	assert_string_equal(doc->title, "From YAML");
	assert_string_equal(meta(doc, "author"), "Jane Doe");
	assert_string_equal(meta(doc, "front_matter"),
	                    "title: 'From YAML'\nauthor: Jane Doe\ntags: [a, b]\n");
	assert_int_equal(doc->nblocks, 1);
	check_block(doc, 0, ENCLAVE_BLOCK_HEADING, 1, "Heading");
	enclave_doc_free(doc);
}

/* An unclosed front matter is not metadata. */
static void test_front_matter_unclosed_is_text(void **state)
{
	struct enclave_doc *doc = parse("---\nnot: closed\n");

	(void)state;
	assert_null(meta(doc, "front_matter"));
	assert_int_equal(doc->nblocks, 1);
	check_block(doc, 0, ENCLAVE_BLOCK_PARAGRAPH, 0, "not: closed");
	enclave_doc_free(doc);
}

/* Paragraph lines join with a space; hard breaks stay "\n". */
static void test_paragraphs(void **state)
{
	struct enclave_doc *doc = parse("Line one\n"
	                                "  line two\n"
	                                "hard break  \n"
	                                "after break\\\n"
	                                "end\n"
	                                "\n"
	                                "\n"
	                                "Second.\n");

	(void)state;
	assert_int_equal(doc->nblocks, 2);
	check_block(doc, 0, ENCLAVE_BLOCK_PARAGRAPH, 0,
	            "Line one line two hard break\nafter break\nend");
	check_block(doc, 1, ENCLAVE_BLOCK_PARAGRAPH, 0, "Second.");
	assert_string_equal(doc->blocks[0].method, "markup");
	enclave_doc_free(doc);
}

/* List items: nesting, continuation, lazy lines, numbers in attrs. */
static void test_lists(void **state)
{
	struct enclave_doc *doc = parse("- one\n"
	                                "- two\n"
	                                "  continued\n"
	                                "lazy\n"
	                                "  - nested *a*\n"
	                                "    - deeper\n"
	                                "  - nested b\n"
	                                "\n"
	                                "    para of nested b\n"
	                                "- three\n"
	                                "\n"
	                                "Text\n"
	                                "\n"
	                                "3. third\n"
	                                "4) fourth\n"
	                                "+ plus\n");

	(void)state;
	assert_int_equal(doc->nblocks, 11);
	check_block(doc, 0, ENCLAVE_BLOCK_LIST_ITEM, 1, "one");
	check_block(doc, 1, ENCLAVE_BLOCK_LIST_ITEM, 1, "two continued lazy");
	check_block(doc, 2, ENCLAVE_BLOCK_LIST_ITEM, 2, "nested a");
	check_block(doc, 3, ENCLAVE_BLOCK_LIST_ITEM, 3, "deeper");
	check_block(doc, 4, ENCLAVE_BLOCK_LIST_ITEM, 2, "nested b");
	check_block(doc, 5, ENCLAVE_BLOCK_LIST_ITEM, 2, "para of nested b");
	check_block(doc, 6, ENCLAVE_BLOCK_LIST_ITEM, 1, "three");
	check_block(doc, 7, ENCLAVE_BLOCK_PARAGRAPH, 0, "Text");
	check_block(doc, 8, ENCLAVE_BLOCK_LIST_ITEM, 1, "third");
	assert_string_equal(doc->blocks[8].attrs, "{\"ordered\":true,\"number\":3}");
	check_block(doc, 9, ENCLAVE_BLOCK_LIST_ITEM, 1, "fourth");
	assert_string_equal(doc->blocks[9].attrs, "{\"ordered\":true,\"number\":4}");
	check_block(doc, 10, ENCLAVE_BLOCK_LIST_ITEM, 1, "plus");
	assert_null(doc->blocks[10].attrs);
	assert_null(doc->blocks[0].attrs);
	enclave_doc_free(doc);
}

/* Which markers may interrupt a paragraph; "* * *" is a break. */
static void test_list_interrupts(void **state)
{
	/* "2." cannot interrupt a paragraph, "1." can; "* * *" is a break, not an item. */
	struct enclave_doc *doc = parse("Year\n2. not an item\n1. item\n\n* * *\n\n-not an item\n");

	(void)state;
	assert_int_equal(doc->nblocks, 3);
	check_block(doc, 0, ENCLAVE_BLOCK_PARAGRAPH, 0, "Year 2. not an item");
	check_block(doc, 1, ENCLAVE_BLOCK_LIST_ITEM, 1, "item");
	check_block(doc, 2, ENCLAVE_BLOCK_PARAGRAPH, 0, "-not an item");
	enclave_doc_free(doc);
}

/* Fenced and indented code, verbatim, with the info word in attrs. */
static void test_code_blocks(void **state)
{
	struct enclave_doc *doc = parse("```c\n"
	                                "int main(void)\n"
	                                "{\n"
	                                "    return *p_x; /* not _emphasis_ */\n"
	                                "}\n"
	                                "```\n"
	                                "~~~~\n"
	                                "~~~ still code\n"
	                                "~~~~\n"
	                                "\n"
	                                "    indented code\n"
	                                "\n"
	                                "      more\n"
	                                "\n"
	                                "Para\n"
	                                "    not code\n"
	                                "\n"
	                                "```\n"
	                                "unclosed to the end\n");

	(void)state;
	assert_int_equal(doc->nblocks, 5);
	check_block(doc, 0, ENCLAVE_BLOCK_CODE, 0,
	            "int main(void)\n{\n    return *p_x; /* not _emphasis_ */\n}");
	assert_string_equal(doc->blocks[0].attrs, "{\"language\":\"c\"}");
	check_block(doc, 1, ENCLAVE_BLOCK_CODE, 0, "~~~ still code");
	assert_null(doc->blocks[1].attrs);
	check_block(doc, 2, ENCLAVE_BLOCK_CODE, 0, "indented code\n\n  more");
	check_block(doc, 3, ENCLAVE_BLOCK_PARAGRAPH, 0, "Para not code");
	check_block(doc, 4, ENCLAVE_BLOCK_CODE, 0, "unclosed to the end");
	enclave_doc_free(doc);
}

/* A fence inside a list item is code, and the list goes on. */
static void test_fence_in_list(void **state)
{
	struct enclave_doc *doc = parse("- item\n"
	                                "  ```\n"
	                                "  code in item\n"
	                                "  ```\n"
	                                "- next\n");

	(void)state;
	assert_int_equal(doc->nblocks, 3);
	check_block(doc, 0, ENCLAVE_BLOCK_LIST_ITEM, 1, "item");
	check_block(doc, 1, ENCLAVE_BLOCK_CODE, 0, "code in item");
	check_block(doc, 2, ENCLAVE_BLOCK_LIST_ITEM, 1, "next");
	enclave_doc_free(doc);
}

/* Quotes lose their markers and their content is parsed as blocks. */
static void test_block_quotes(void **state)
{
	struct enclave_doc *doc = parse("> Quoted *text*\n"
	                                "> continues\n"
	                                "lazily\n"
	                                ">\n"
	                                "> > nested\n"
	                                "\n"
	                                "> # Quoted heading\n"
	                                "> - quoted item\n"
	                                "\n"
	                                "After.\n");

	(void)state;
	assert_int_equal(doc->nblocks, 5);
	check_block(doc, 0, ENCLAVE_BLOCK_PARAGRAPH, 0, "Quoted text continues lazily");
	check_block(doc, 1, ENCLAVE_BLOCK_PARAGRAPH, 0, "nested");
	check_block(doc, 2, ENCLAVE_BLOCK_HEADING, 1, "Quoted heading");
	check_block(doc, 3, ENCLAVE_BLOCK_LIST_ITEM, 1, "quoted item");
	check_block(doc, 4, ENCLAVE_BLOCK_PARAGRAPH, 0, "After.");
	/* A heading inside a quote is not the title. */
	assert_null(doc->title);
	enclave_doc_free(doc);
}

/* Pipe tables: text, attrs rows, escaped pipes, short and long rows. */
static void test_tables(void **state)
{
	struct enclave_doc *doc = parse("Before the table\n"
	                                "| Name | *Age* |\n"
	                                "|:-----|----:|\n"
	                                "| Alice | 30 |\n"
	                                "| Bob \\| Jr | `4` | extra |\n"
	                                "| only |\n"
	                                "\n"
	                                "a | b\n"
	                                "--|--\n"
	                                "1 | 2\n"
	                                "# Heading ends it\n");
	json_t *attrs, *rows;

	(void)state;
	assert_int_equal(doc->nblocks, 4);
	check_block(doc, 0, ENCLAVE_BLOCK_PARAGRAPH, 0, "Before the table");
	check_block(doc, 1, ENCLAVE_BLOCK_TABLE, 0, "Name\tAge\nAlice\t30\nBob | Jr\t4\nonly");
	attrs = json_loads(doc->blocks[1].attrs, 0, NULL);
	assert_non_null(attrs);
	rows = json_object_get(attrs, "rows");
	assert_int_equal(json_array_size(rows), 4);
	assert_string_equal(json_string_value(json_array_get(json_array_get(rows, 2), 0)),
	                    "Bob | Jr");
	assert_int_equal(json_array_size(json_array_get(rows, 2)), 2);
	assert_int_equal(json_array_size(json_array_get(rows, 3)), 2);
	assert_string_equal(json_string_value(json_array_get(json_array_get(rows, 3), 1)), "");
	json_decref(attrs);
	check_block(doc, 2, ENCLAVE_BLOCK_TABLE, 0, "a\tb\n1\t2");
	check_block(doc, 3, ENCLAVE_BLOCK_HEADING, 1, "Heading ends it");
	enclave_doc_free(doc);
}

/* Breaks, comments, script/style blocks and link definitions leave no text. */
static void test_dropped_blocks(void **state)
{
	struct enclave_doc *doc = parse("one\n"
	                                "\n"
	                                "***\n"
	                                "- - -\n"
	                                "<!-- a comment\n"
	                                "over lines -->\n"
	                                "<script>\n"
	                                "alert('x');\n"
	                                "</script>\n"
	                                "<style>p { color: red }</style>\n"
	                                "[ref]: http://example.com \"Title\"\n"
	                                "\n"
	                                "<div align=\"center\">kept <i>html</i> text</div>\n");

	(void)state;
	assert_int_equal(doc->nblocks, 2);
	check_block(doc, 0, ENCLAVE_BLOCK_PARAGRAPH, 0, "one");
	check_block(doc, 1, ENCLAVE_BLOCK_PARAGRAPH, 0, "kept html text");
	enclave_doc_free(doc);
}

/* ------------------------------------------------------------------ */
/* Inlines                                                            */
/* ------------------------------------------------------------------ */

/* Emphasis markers go by the delimiter rules; literal ones stay. */
static void test_inline_emphasis(void **state)
{
	(void)state;
	check_inline("*em* _em_ **strong** __strong__ ***both***", "em em strong strong both");
	check_inline("*foo**bar**baz*", "foobarbaz");
	check_inline("**foo*", "*foo");
	check_inline("*a **b** c*", "a b c");
	check_inline("snake_case_name and 2 * 3 * 4 and a*b",
	             "snake_case_name and 2 * 3 * 4 and a*b");
	check_inline("**unclosed and *half", "**unclosed and *half");
	check_inline("~~struck~~ and ~one~ and ~5 km", "struck and one and ~5 km");
	check_inline("_foo_bar_", "foo_bar");
	check_inline("intra*word*emphasis", "intrawordemphasis");
}

/* Code spans keep their content without the backticks. */
static void test_inline_code(void **state)
{
	(void)state;
	check_inline("use `printf(\"*x*\")` now", "use printf(\"*x*\") now");
	check_inline("`` a ` b ``", "a ` b");
	check_inline("``` unmatched ``", "``` unmatched ``");
	check_inline("`code\nspan`", "code span");
}

/* Links and images keep their text; brackets that are no links stay. */
static void test_inline_links(void **state)
{
	(void)state;
	check_inline("a [link](http://x.y \"title\") b", "a link b");
	check_inline("[**bold** link](<url with spaces>)", "bold link");
	check_inline("[a [b] c](u)", "a [b] c");
	check_inline("![alt *text*](img.png) and [![logo](l.png)](home)", "alt text and logo");
	check_inline("[ref link][ref] and [collapsed][]", "ref link and collapsed");
	check_inline("[shortcut] and [^1] and [ ] task", "[shortcut] and [^1] and [ ] task");
	check_inline("[not closed(x) and ](y)", "not closed(x) and");
	check_inline("\\[not a link\\](x)", "[not a link](x)");
	check_inline("f(a)[0] and [x](", "f(a)[0] and [x](");
}

/* Autolinks, inline HTML, entities and escapes. */
static void test_inline_html_and_entities(void **state)
{
	(void)state;
	check_inline("<http://auto.link/x?y=1> and <me@example.com>",
	             "http://auto.link/x?y=1 and me@example.com");
	check_inline("<span class=\"x\">tag</span> <!-- c --> gone", "tag gone");
	check_inline("a<br>b <br/> c", "a\nb\nc");
	check_inline("a < b > c and x <= y", "a < b > c and x <= y");
	check_inline("&amp; &copy; &#233; &#x263A; &nbsp;x &bogus; &#0;",
	             "& \xc2\xa9 \xc3\xa9 \xe2\x98\xba  x &bogus; \xef\xbf\xbd");
	check_inline("\\*lit\\* \\_lit\\_ \\\\ \\a", "*lit* _lit_ \\ \\a");
}

/* ------------------------------------------------------------------ */
/* Offsets, encodings, the front door                                 */
/* ------------------------------------------------------------------ */

/* Offsets count code points after the markup is gone. */
static void test_offsets(void **state)
{
	struct enclave_doc *doc = parse("# Caf\xc3\xa9\n\n*\xc3\xa9t\xc3\xa9*\n\n- x\n");

	(void)state;
	assert_int_equal(doc->nblocks, 3);
	assert_int_equal(doc->blocks[0].offset, 0);
	assert_int_equal(doc->blocks[0].length, 4);
	assert_int_equal(doc->blocks[1].offset, 6);
	assert_int_equal(doc->blocks[1].length, 3);
	assert_int_equal(doc->blocks[2].offset, 11);
	assert_int_equal(doc->blocks[2].length, 1);
	enclave_doc_free(doc);
}

/* Markdown in UTF-16 goes through the decoder. */
static void test_utf16_markdown(void **state)
{
	static const char src[] = "# T\n\nx\xc3\xa9";
	unsigned char b[64];
	size_t n = 0, i;
	struct enclave_doc *doc;

	(void)state;
	b[n++] = 0xff, b[n++] = 0xfe;
	for (i = 0; src[i]; i++) {
		unsigned c = (unsigned char)src[i];
		if (c == 0xc3) {
			c = 0xc0 | ((unsigned char)src[++i] & 0x3f);
		}
		b[n++] = (unsigned char)c, b[n++] = 0;
	}
	assert_int_equal(doc_new(&doc, "markdown"), 0);
	assert_int_equal(ingest_markdown(doc, b, n), 0);
	assert_int_equal(doc->nblocks, 2);
	check_block(doc, 0, ENCLAVE_BLOCK_HEADING, 1, "T");
	check_block(doc, 1, ENCLAVE_BLOCK_PARAGRAPH, 0, "x\xc3\xa9");
	assert_string_equal(meta(doc, "encoding"), "utf-16le");
	enclave_doc_free(doc);
}

/* The public entry point routes .md files here. */
static void test_extract_buffer(void **state)
{
	static const char md[] = "# Notes\n\nSome *text*.\n";
	enclave_doc *doc;

	(void)state;
	assert_int_equal(enclave_extract_buffer(&doc, md, sizeof(md) - 1, "notes.md", NULL), 0);
	assert_string_equal(enclave_doc_format(doc), "markdown");
	assert_string_equal(enclave_doc_title(doc), "Notes");
	assert_int_equal(enclave_doc_block_count(doc), 2);
	assert_string_equal(enclave_doc_block(doc, 1)->text, "Some text.");
	enclave_doc_free(doc);
}

/* ------------------------------------------------------------------ */
/* Hostile input                                                      */
/* ------------------------------------------------------------------ */

/* Parse `len` bytes that must not take long (a quadratic parser would). */
static void parse_fast(const char *s, size_t len)
{
	struct enclave_doc *doc;
	clock_t t0 = clock();

	assert_int_equal(doc_new(&doc, "markdown"), 0);
	assert_int_equal(ingest_markdown(doc, (const unsigned char *)s, len), 0);
	enclave_doc_free(doc);
	/* Generous even under the sanitizers; quadratic would take minutes. */
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 20.0);
}

/* Inputs that make naive parsers quadratic or deep finish quickly. */
static void test_hostile(void **state)
{
	static const char *const units[] = { "[",  "*a",   "`x``", "<!--", "<a ", "[a](xx",
		                             "![", "&#x1", "<ab:", "_a_b", "\\",  "~~a" };
	size_t n = 400000, i, k, len;
	char *s = malloc(n * 6 + 64);

	(void)state;
	assert_non_null(s);
	for (k = 0; k < sizeof(units) / sizeof(units[0]); k++) {
		size_t u = strlen(units[k]);
		for (i = 0, len = 0; len + u < n; i++, len += u)
			memcpy(s + len, units[k], u);
		parse_fast(s, len);
	}
	/* 100000 quote markers, then 20000 lines each indented one column more. */
	memset(s, '>', 100000);
	memcpy(s + 100000, " x\n", 3);
	parse_fast(s, 100003);
	for (i = 0, len = 0; i < 20000 && len + (i % 2000) + 8 < n * 6; i++) {
		memset(s + len, ' ', i % 2000);
		len += i % 2000;
		memcpy(s + len, "- x\n", 4);
		len += 4;
	}
	parse_fast(s, len);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_headings),
		cmocka_unit_test(test_title_rule),
		cmocka_unit_test(test_front_matter_unclosed_is_text),
		cmocka_unit_test(test_paragraphs),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_list_interrupts),
		cmocka_unit_test(test_code_blocks),
		cmocka_unit_test(test_fence_in_list),
		cmocka_unit_test(test_block_quotes),
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_dropped_blocks),
		cmocka_unit_test(test_inline_emphasis),
		cmocka_unit_test(test_inline_code),
		cmocka_unit_test(test_inline_links),
		cmocka_unit_test(test_inline_html_and_entities),
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_utf16_markdown),
		cmocka_unit_test(test_extract_buffer),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
