/*
 * The PDF parser (src/lib/ingest/pdf.c) on fixtures written in-process by
 * tests/tools/mkpdf_lib.h: text, pages and boxes, kinds from font sizes,
 * reading order of two columns, dehyphenation (compounds kept), passwords,
 * limits, corrupt and truncated files (errors, never crashes, nothing on
 * stderr), a broken page among good ones, rotated pages, running headers
 * and footers, tables from ruling lines and from aligned columns, captions,
 * concurrent extraction; and the layout helpers (right-to-left reordering,
 * presentation forms, running heads) on plain arrays.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include "../tools/mkpdf_lib.h"
#include "ingest/ingest_int.h"
#include "ingest/layout_int.h"
#include "doc_check.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                            */
/* ------------------------------------------------------------------ */

/* A fixture of `kind` with `argc` arguments; the caller frees it. Fails the test on error. */
static unsigned char *make(size_t *len, const char *kind, int argc, const char *const *argv)
{
	unsigned char *data;
	char err[256];

	if (mkpdf_build(&data, len, kind, argc, argv, err, sizeof(err)) < 0)
		fail_msg("mkpdf %s: %s", kind, err);
	return data;
}

/* Extract `data` through the public API with `password` (may be NULL). Returns the code. */
static int extract(enclave_doc **out, const unsigned char *data, size_t len, const char *password)
{
	struct enclave_extract_options opts = ENCLAVE_EXTRACT_OPTIONS_INIT;

	opts.password = password;
	return enclave_extract_buffer(out, data, len, "test.pdf", &opts);
}

/* Extract a fixture that must succeed. */
static enclave_doc *extract_ok(const char *kind, int argc, const char *const *argv)
{
	enclave_doc *doc = NULL;
	unsigned char *data;
	size_t len;
	int rc;

	data = make(&len, kind, argc, argv);
	rc = extract(&doc, data, len, NULL);
	free(data);
	if (rc < 0)
		fail_msg("extract %s: %s", kind, enclave_error_last());
	return doc;
}

/* The index of the first block whose text contains `needle`, or -1. */
static long find_block(const enclave_doc *doc, const char *needle)
{
	size_t i;

	for (i = 0; i < enclave_doc_block_count(doc); i++)
		if (strstr(enclave_doc_block(doc, i)->text, needle))
			return (long)i;
	return -1;
}

/* The block containing `needle`; fails the test when there is none. */
static const struct enclave_block *block_with(const enclave_doc *doc, const char *needle)
{
	long i = find_block(doc, needle);

	if (i < 0)
		fail_msg("no block contains '%s'", needle);
	return enclave_doc_block(doc, (size_t)i);
}

/* Assert that every block has a sane box on its page, top-left origin. */
static void assert_boxes_sane(const enclave_doc *doc)
{
	size_t i;

	for (i = 0; i < enclave_doc_block_count(doc); i++) {
		const struct enclave_block *b = enclave_doc_block(doc, i);
		const struct enclave_page *p;

		assert_true(b->page >= 1 && (size_t)b->page <= enclave_doc_page_count(doc));
		p = enclave_doc_page(doc, (size_t)b->page - 1);
		assert_true(b->has_bbox);
		assert_true(b->bbox.x0 >= 0 && b->bbox.x0 < b->bbox.x1 && b->bbox.x1 <= p->width);
		assert_true(b->bbox.y0 >= 0 && b->bbox.y0 < b->bbox.y1 && b->bbox.y1 <= p->height);
		assert_string_equal(b->method, "text");
		assert_true(b->confidence == 1.0);
		if (i)
			assert_true(b->page >= enclave_doc_block(doc, i - 1)->page);
	}
}

/* ------------------------------------------------------------------ */
/* Text, pages, boxes                                                 */
/* ------------------------------------------------------------------ */

static void test_simple(void **state)
{
	const char *args[] = { "Hello world from Enclave" };
	enclave_doc *doc = extract_ok("simple", 1, args);
	const struct enclave_page *page;
	const struct enclave_block *b;

	(void)state;
	assert_string_equal(enclave_doc_format(doc), "pdf");
	assert_int_equal(enclave_doc_page_count(doc), 1);
	page = enclave_doc_page(doc, 0);
	assert_int_equal(page->number, 1);
	assert_true(page->width == 612 && page->height == 792);
	assert_string_equal(page->method, "text");
	assert_int_equal(enclave_doc_block_count(doc), 1);
	b = enclave_doc_block(doc, 0);
	assert_string_equal(b->text, "Hello world from Enclave");
	assert_int_equal(b->kind, ENCLAVE_BLOCK_PARAGRAPH);
	assert_int_equal(b->page, 1);
	assert_int_equal(b->offset, 0);
	assert_int_equal(b->length, strlen("Hello world from Enclave"));
	/* Written at x = 72, baseline 84 pt from the top: a top-left origin box. */
	assert_true(b->bbox.x0 > 70 && b->bbox.x0 < 74);
	assert_true(b->bbox.y0 > 60 && b->bbox.y0 < 84);
	assert_true(b->bbox.y1 > 84 && b->bbox.y1 < 100);
	assert_boxes_sane(doc);
	assert_string_equal(meta(doc, "media_type"), "application/pdf");
	assert_non_null(meta(doc, "pdf_version"));
	assert_null(meta(doc, "pdf_repaired"));
	assert_null(enclave_doc_title(doc));
	enclave_doc_free(doc);
}

static void test_latin1_text(void **state)
{
	const char *args[] = { "Caf\xc3\xa9 cr\xc3\xa8me, na\xc3\xafve \xe2\x80\x94 \xc2\xa3"
		               "5" };
	enclave_doc *doc = extract_ok("simple", 1, args);

	(void)state;
	assert_int_equal(enclave_doc_block_count(doc), 1);
	assert_string_equal(enclave_doc_block(doc, 0)->text,
	                    "Caf\xc3\xa9 cr\xc3\xa8me, na\xc3\xafve \xe2\x80\x94 \xc2\xa3"
	                    "5");
	enclave_doc_free(doc);
}

static void test_pages(void **state)
{
	const char *args[] = { "5" };
	enclave_doc *doc = extract_ok("pages", 1, args);
	char want[64];
	size_t i;

	(void)state;
	assert_int_equal(enclave_doc_page_count(doc), 5);
	assert_int_equal(enclave_doc_block_count(doc), 15);
	for (i = 0; i < 15; i++) {
		const struct enclave_block *b = enclave_doc_block(doc, i);
		snprintf(want, sizeof(want), "Page %zu, paragraph %zu. ", i / 3 + 1, i % 3 + 1);
		assert_true(!strncmp(b->text, want, strlen(want)));
		assert_int_equal(b->page, (int)(i / 3 + 1));
		assert_int_equal(b->kind, ENCLAVE_BLOCK_PARAGRAPH);
		/* Lines joined with a space, not a newline. */
		assert_null(strchr(b->text, '\n'));
	}
	for (i = 0; i < 5; i++)
		assert_string_equal(enclave_doc_page(doc, i)->method, "text");
	assert_boxes_sane(doc);
	enclave_doc_free(doc);
}

/* ------------------------------------------------------------------ */
/* Kinds                                                              */
/* ------------------------------------------------------------------ */

static void test_report_kinds(void **state)
{
	enclave_doc *doc = extract_ok("report", 0, NULL);
	const struct enclave_block *b;

	(void)state;
	assert_int_equal(enclave_doc_page_count(doc), 2);
	b = enclave_doc_block(doc, 0);
	assert_int_equal(b->kind, ENCLAVE_BLOCK_TITLE);
	assert_string_equal(b->text, "Annual Report on Data Handling");
	/* No Info title: the title block's text is the title. */
	assert_non_null(enclave_doc_title(doc));
	assert_string_equal(enclave_doc_title(doc), "Annual Report on Data Handling");

	b = block_with(doc, "Introduction");
	assert_int_equal(b->kind, ENCLAVE_BLOCK_HEADING);
	assert_int_equal(b->level, 1);
	assert_string_equal(b->text, "Introduction");
	b = block_with(doc, "Methods");
	assert_int_equal(b->kind, ENCLAVE_BLOCK_HEADING);
	assert_int_equal(b->level, 1);
	b = block_with(doc, "Sample collection");
	assert_int_equal(b->kind, ENCLAVE_BLOCK_HEADING);
	assert_int_equal(b->level, 2);
	b = block_with(doc, "Results");
	assert_int_equal(b->kind, ENCLAVE_BLOCK_HEADING);
	assert_int_equal(b->level, 1);
	assert_int_equal(b->page, 2);

	/* A bold line at body size: a heading below the sized ones. */
	b = block_with(doc, "Summary");
	assert_int_equal(b->kind, ENCLAVE_BLOCK_HEADING);
	assert_int_equal(b->level, 3);
	assert_true(find_block(doc, "too faint") < find_block(doc, "Summary"));

	b = block_with(doc, "This report describes");
	assert_int_equal(b->kind, ENCLAVE_BLOCK_PARAGRAPH);
	assert_string_equal(b->text,
	                    "This report describes how the records of the year were "
	                    "gathered, checked and prepared. It is written for the people who "
	                    "maintain the archive.");
	b = block_with(doc, "readable date");
	assert_int_equal(b->kind, ENCLAVE_BLOCK_LIST_ITEM);
	assert_int_equal(b->level, 1);
	/* The bullet glyph is layout: the kind keeps it, the text does not. */
	assert_string_equal(b->text, "Every record had a readable date.");
	assert_int_equal(block_with(doc, "named their author")->kind, ENCLAVE_BLOCK_LIST_ITEM);
	assert_int_equal(block_with(doc, "too faint")->kind, ENCLAVE_BLOCK_LIST_ITEM);

	/* Reading order follows the page: each heading before its text. */
	assert_true(find_block(doc, "Introduction") < find_block(doc, "Records are collected"));
	assert_true(find_block(doc, "Methods") < find_block(doc, "Sample collection"));
	assert_true(find_block(doc, "Sample collection") < find_block(doc, "Samples were drawn"));

	assert_string_equal(meta(doc, "author"), "Enclave Tests");
	assert_null(meta(doc, "title"));
	assert_boxes_sane(doc);
	enclave_doc_free(doc);
}

static void test_columns_order(void **state)
{
	static const char *const order[] = {
		"A Page in Two Columns", "Left one.",  "Left two.",
		"Left three.",           "Right one.", "Right two.",
		"Right three.",          "Closing.",
	};
	enclave_doc *doc = extract_ok("columns", 0, NULL);
	size_t i;

	(void)state;
	assert_int_equal(enclave_doc_block_count(doc), 8);
	for (i = 0; i < 8; i++)
		if (strncmp(enclave_doc_block(doc, i)->text, order[i], strlen(order[i])))
			fail_msg("block %zu is '%s', expected '%s...'", i,
			         enclave_doc_block(doc, i)->text, order[i]);
	assert_int_equal(enclave_doc_block(doc, 0)->kind, ENCLAVE_BLOCK_TITLE);
	/* The Info title wins over the title block. */
	assert_string_equal(enclave_doc_title(doc), "Two Column Layout");
	assert_string_equal(meta(doc, "title"), "Two Column Layout");
	/* Left column boxes left of the right column's. */
	assert_true(block_with(doc, "Left two.")->bbox.x1 < block_with(doc, "Right two.")->bbox.x0);
	assert_boxes_sane(doc);
	enclave_doc_free(doc);
}

static void test_hyphens(void **state)
{
	enclave_doc *doc = extract_ok("hyphen", 0, NULL);

	(void)state;
	assert_int_equal(enclave_doc_block_count(doc), 2);
	assert_string_equal(enclave_doc_block(doc, 0)->text,
	                    "The records were read by an automated pipeline that never stops.");
	/* A capital after the hyphen: kept and joined. A dash is not a hyphen. */
	assert_string_equal(
	    enclave_doc_block(doc, 1)->text,
	    "Its design is well-Known to the team and to the\xe2\x80\x93 auditors.");
	enclave_doc_free(doc);
}

static void test_numbered_list(void **state)
{
	const char *args[] = { "Steps to follow, in this order:\n1. Open the archive.\n"
		               "2. Check every record.\na) Write the report.\n"
		               "2020. A year that started like any other." };
	enclave_doc *doc = extract_ok("simple", 1, args);

	(void)state;
	assert_int_equal(enclave_doc_block_count(doc), 5);
	assert_int_equal(enclave_doc_block(doc, 0)->kind, ENCLAVE_BLOCK_PARAGRAPH);
	assert_int_equal(enclave_doc_block(doc, 1)->kind, ENCLAVE_BLOCK_LIST_ITEM);
	/* Numbers carry meaning: they stay in the text. */
	assert_string_equal(enclave_doc_block(doc, 1)->text, "1. Open the archive.");
	assert_int_equal(enclave_doc_block(doc, 2)->kind, ENCLAVE_BLOCK_LIST_ITEM);
	assert_int_equal(enclave_doc_block(doc, 3)->kind, ENCLAVE_BLOCK_LIST_ITEM);
	assert_string_equal(enclave_doc_block(doc, 3)->text, "a) Write the report.");
	/* Four digits are a year, not an item number. */
	assert_int_equal(enclave_doc_block(doc, 4)->kind, ENCLAVE_BLOCK_PARAGRAPH);
	enclave_doc_free(doc);
}

/* ------------------------------------------------------------------ */
/* Passwords                                                          */
/* ------------------------------------------------------------------ */

static void test_encrypted(void **state)
{
	const char *args[] = { "s3cret", "Only for the right reader." };
	enclave_doc *doc = NULL;
	unsigned char *data;
	size_t len;

	(void)state;
	data = make(&len, "encrypted", 2, args);

	assert_int_equal(extract(&doc, data, len, NULL), ENCLAVE_EENCRYPTED);
	assert_null(doc);
	assert_int_equal(enclave_error_last_code(), ENCLAVE_EENCRYPTED);
	assert_non_null(strstr(enclave_error_last(), "encrypted"));
	assert_non_null(strstr(enclave_error_last(), "password is needed"));
	assert_non_null(strstr(enclave_error_last(), "test.pdf"));

	assert_int_equal(extract(&doc, data, len, ""), ENCLAVE_EENCRYPTED);
	assert_non_null(strstr(enclave_error_last(), "password is needed"));

	assert_int_equal(extract(&doc, data, len, "wrong"), ENCLAVE_EENCRYPTED);
	assert_non_null(strstr(enclave_error_last(), "encrypted: wrong password"));

	assert_int_equal(extract(&doc, data, len, "s3cret"), 0);
	assert_int_equal(enclave_doc_block_count(doc), 1);
	assert_string_equal(enclave_doc_block(doc, 0)->text, "Only for the right reader.");
	enclave_doc_free(doc);

	/* The owner password opens it too. */
	assert_int_equal(extract(&doc, data, len, "s3cret-owner"), 0);
	enclave_doc_free(doc);
	free(data);
}

/* ------------------------------------------------------------------ */
/* Empty pages and limits                                             */
/* ------------------------------------------------------------------ */

static void test_no_text(void **state)
{
	const char *args[] = { "2" };
	struct enclave_extract_options opts = ENCLAVE_EXTRACT_OPTIONS_INIT;
	struct enclave_doc *doc;
	enclave_doc *out = NULL;
	unsigned char *data;
	size_t len;

	(void)state;
	data = make(&len, "blank", 1, args);
	/* The parser succeeds with pages and no blocks... */
	assert_int_equal(doc_new(&doc, "pdf"), 0);
	assert_int_equal(ingest_pdf(doc, data, len, &opts), 0);
	assert_int_equal(enclave_doc_page_count(doc), 2);
	assert_int_equal(enclave_doc_block_count(doc), 0);
	assert_string_equal(enclave_doc_page(doc, 0)->method, "none");
	assert_string_equal(enclave_doc_page(doc, 1)->method, "none");
	enclave_doc_free(doc);
	/* ...and extraction says there is no text. */
	assert_int_equal(extract(&out, data, len, NULL), ENCLAVE_EEMPTY);
	assert_non_null(strstr(enclave_error_last(), "no text found"));
	free(data);
}

static void test_huge_page(void **state)
{
	enclave_doc *doc = NULL;
	unsigned char *data;
	size_t len;

	(void)state;
	data = make(&len, "huge", 0, NULL);
	assert_int_equal(extract(&doc, data, len, NULL), ENCLAVE_ELIMIT);
	assert_non_null(strstr(enclave_error_last(), "page 1 is 20000 x 20000 points"));
	free(data);
}

static void test_too_many_pages(void **state)
{
	char n[16];
	const char *args[] = { n };
	enclave_doc *doc = NULL;
	unsigned char *data;
	size_t len;

	(void)state;
	snprintf(n, sizeof(n), "%d", ENCLAVE_MAX_PAGES + 1);
	data = make(&len, "blank", 1, args);
	assert_int_equal(extract(&doc, data, len, NULL), ENCLAVE_ELIMIT);
	assert_non_null(strstr(enclave_error_last(), "pages, more than"));
	free(data);
}

/* ------------------------------------------------------------------ */
/* Hostile files                                                      */
/* ------------------------------------------------------------------ */

/* Extract `data` expecting success or a clean error; returns the code. */
static int extract_any(const unsigned char *data, size_t len)
{
	enclave_doc *doc = NULL;
	int rc = extract(&doc, data, len, NULL);

	if (rc < 0) {
		assert_null(doc);
		assert_true(rc == ENCLAVE_EINVALID || rc == ENCLAVE_EEMPTY);
		assert_true(strlen(enclave_error_last()) > strlen("cannot extract 'test.pdf': "));
	} else {
		assert_boxes_sane(doc);
		enclave_doc_free(doc);
	}
	return rc;
}

static void test_garbage(void **state)
{
	static const char bad[] = "%PDF-1.7\nthis is not a pdf at all\n%%EOF\n";
	enclave_doc *doc = NULL;

	(void)state;
	assert_int_equal(extract(&doc, (const unsigned char *)bad, sizeof(bad) - 1, NULL),
	                 ENCLAVE_EINVALID);
	assert_non_null(strstr(enclave_error_last(), "cannot extract 'test.pdf': corrupt pdf: "));
	assert_int_equal(extract(&doc, (const unsigned char *)bad, 9, NULL), ENCLAVE_EINVALID);
	assert_non_null(strstr(enclave_error_last(), "corrupt pdf: "));
}

static void test_truncated(void **state)
{
	const char *args[] = { "3" };
	unsigned char *data;
	size_t len, cut;
	int failures = 0;

	(void)state;
	data = make(&len, "pages", 1, args);
	/* Every 1/40th and the last bytes: clean errors or what MuPDF can repair. */
	for (cut = 0; cut < 40; cut++)
		failures += extract_any(data, len * cut / 40) < 0;
	/* Without its xref table the file is rebuilt, and says so. */
	for (cut = 1; cut < 64; cut++) {
		enclave_doc *doc = NULL;
		extract_any(data, len - cut);
		if (cut >= 16 && extract(&doc, data, len - cut, NULL) == 0) {
			assert_non_null(meta(doc, "pdf_repaired"));
			assert_string_equal(meta(doc, "pdf_repaired"), "true");
			enclave_doc_free(doc);
		}
	}
	assert_true(failures > 0);
	/* Cut in the header: no objects at all. */
	assert_int_equal(extract_any(data, 200), ENCLAVE_EINVALID);
	assert_non_null(strstr(enclave_error_last(), "corrupt pdf: "));
	free(data);
}

static void test_corrupted_bytes(void **state)
{
	unsigned char *data, *copy;
	size_t len, i;
	uint32_t seed = 12345;
	int round;

	(void)state;
	data = make(&len, "report", 0, NULL);
	assert_non_null(copy = malloc(len));
	for (round = 0; round < 60; round++) {
		memcpy(copy, data, len);
		for (i = 0; i < 8; i++) {
			seed = seed * 1103515245u + 12345u;
			copy[16 + (seed >> 8) % (len - 16)] ^= (unsigned char)(seed >> 3) | 1;
		}
		extract_any(copy, len);
	}
	free(copy);
	free(data);
}

static void test_quiet_stderr(void **state)
{
	static const char bad[] = "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\nendobj\n"
	                          "trailer << /Root 1 0 R >>\n%%EOF\n";
	const char *args[] = { "pw", "secret text" };
	char path[] = "/tmp/enclave-test-pdf-XXXXXX";
	unsigned char *enc, *pages;
	size_t enc_len, pages_len;
	enclave_doc *doc = NULL;
	int fd, saved;
	off_t size;

	(void)state;
	enc = make(&enc_len, "encrypted", 2, args);
	pages = make(&pages_len, "report", 0, NULL);
	assert_true((fd = mkstemp(path)) >= 0);
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0 && dup2(fd, 2) == 2);
	extract(&doc, (const unsigned char *)bad, sizeof(bad) - 1, NULL);
	extract(&doc, enc, enc_len, NULL);
	extract(&doc, enc, enc_len, "nope");
	extract(&doc, pages, pages_len / 2, NULL);
	extract(&doc, pages, pages_len - 30, NULL);
	enclave_doc_free(doc);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	size = lseek(fd, 0, SEEK_END);
	close(fd);
	unlink(path);
	free(enc);
	free(pages);
	assert_int_equal(size, 0);
}

/* ------------------------------------------------------------------ */
/* Threads                                                            */
/* ------------------------------------------------------------------ */

struct job {
	const unsigned char *data;
	size_t len;
	int failures;
};

/* Extract job->data ten times, counting failures and wrong results. */
static void *run_job(void *arg)
{
	struct job *job = arg;
	int i;

	for (i = 0; i < 10; i++) {
		enclave_doc *doc = NULL;
		if (extract(&doc, job->data, job->len, NULL) < 0 ||
		    enclave_doc_block_count(doc) != 8 ||
		    strncmp(enclave_doc_block(doc, 1)->text, "Left one.", 9) ||
		    strncmp(enclave_doc_block(doc, 4)->text, "Right one.", 10))
			job->failures++;
		enclave_doc_free(doc);
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct job jobs[4];
	pthread_t threads[4];
	unsigned char *data;
	size_t len;
	int i;

	(void)state;
	data = make(&len, "columns", 0, NULL);
	for (i = 0; i < 4; i++) {
		jobs[i].data = data;
		jobs[i].len = len;
		jobs[i].failures = 0;
		assert_int_equal(pthread_create(&threads[i], NULL, run_job, &jobs[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(threads[i], NULL);
		assert_int_equal(jobs[i].failures, 0);
	}
	free(data);
}

/* ------------------------------------------------------------------ */
/* Layout                                                             */
/* ------------------------------------------------------------------ */

/* Hebrew letters, for the bidi tests. */
#define ALEF 0x5d0
#define BET 0x5d1
#define GIMEL 0x5d2
#define DALET 0x5d3
#define DAGESH 0x5bc

static void test_bidi_line(void **state)
{
	/* "ab " + Hebrew alef-bet-gimel as drawn (visual: gimel bet alef) + " cd". */
	uint32_t mixed[] = { 'a', 'b', ' ', GIMEL, BET, ALEF, ' ', 'c', 'd' };
	uint32_t mixed_want[] = { 'a', 'b', ' ', ALEF, BET, GIMEL, ' ', 'c', 'd' };
	/* A right-to-left line with a number: visual "dalet-gimel 12 bet-alef". */
	uint32_t num[] = { DALET, GIMEL, ' ', '1', '2', ' ', BET, ALEF };
	uint32_t num_want[] = { ALEF, BET, ' ', '1', '2', ' ', GIMEL, DALET };
	/* One glyph mapped to alef + dagesh keeps its order; the next letter moves. */
	uint32_t glyph[] = { BET, ALEF, DAGESH };
	unsigned char glued[] = { 0, 0, 1 };
	uint32_t glyph_want[] = { ALEF, DAGESH, BET };
	uint32_t latin[] = { 'a', 'b', 'c' };
	uint32_t scratch[5 * 16];

	(void)state;
	assert_int_equal(layout_bidi_line(mixed, 9, NULL, scratch), 1);
	assert_memory_equal(mixed, mixed_want, sizeof(mixed));
	assert_int_equal(layout_bidi_line(num, 8, NULL, scratch), 1);
	assert_memory_equal(num, num_want, sizeof(num));
	assert_int_equal(layout_bidi_line(glyph, 3, glued, scratch), 1);
	assert_memory_equal(glyph, glyph_want, sizeof(glyph));
	assert_int_equal(layout_bidi_line(latin, 3, NULL, scratch), 0);
	assert_true(latin[0] == 'a' && latin[2] == 'c');
}

static void test_unshape(void **state)
{
	uint32_t out[3];

	(void)state;
	assert_int_equal(layout_unshape(0xfb01, out), 2); /* fi ligature */
	assert_true(out[0] == 'f' && out[1] == 'i');
	assert_int_equal(layout_unshape(0xfb03, out), 3); /* ffi */
	assert_true(out[0] == 'f' && out[1] == 'f' && out[2] == 'i');
	assert_int_equal(layout_unshape(0xfefb, out), 2); /* lam-alef ligature */
	assert_true(out[0] == 0x644 && out[1] == 0x627);
	assert_int_equal(layout_unshape(0xfe8e, out), 1); /* alef, final form */
	assert_true(out[0] == 0x627);
	assert_int_equal(layout_unshape(0xfc60, out), 2); /* shadda-fatha: marks, no space */
	assert_true(out[0] == 0x64e && out[1] == 0x651);
	assert_int_equal(layout_unshape('a', out), 1);
	assert_true(out[0] == 'a');
	assert_int_equal(layout_unshape(0xfeff, out), 1);
	assert_true(out[0] == 0xfeff);
}

static void test_running_items(void **state)
{
	struct layout_item it[] = {
		{ 1, 20, 30, 800, "Annual Report", 13, -1 },
		{ 1, 100, 700, 800, "Body one", 8, -1 },
		{ 1, 760, 770, 800, "Page 1 of 3", 11, -1 },
		{ 2, 22, 31, 800, "Annual  Report", 14, -1 },
		{ 2, 100, 700, 800, "Body two", 8, -1 },
		{ 2, 761, 771, 800, "Page 2 of 3", 11, -1 },
		{ 3, 20, 30, 800, "Chapter 3", 9, -1 },
		{ 3, 100, 700, 800, "Body two", 8, -1 },
		{ 3, 760, 770, 800, "Page 3 of 3", 11, -1 },
	};

	(void)state;
	assert_int_equal(layout_running(it, 9, 3), 0);
	assert_int_equal(it[0].mark, ENCLAVE_BLOCK_HEADER);
	assert_int_equal(it[3].mark, ENCLAVE_BLOCK_HEADER); /* white space differs */
	assert_int_equal(it[2].mark, ENCLAVE_BLOCK_FOOTER); /* digits differ */
	assert_int_equal(it[5].mark, ENCLAVE_BLOCK_FOOTER);
	assert_int_equal(it[8].mark, ENCLAVE_BLOCK_FOOTER);
	assert_int_equal(it[6].mark, 0); /* once only */
	assert_int_equal(it[1].mark, 0);
	assert_int_equal(it[4].mark, 0); /* same text twice, but mid-page */
	assert_int_equal(it[7].mark, 0);
	/* One page: nothing runs. */
	assert_int_equal(layout_running(it, 3, 1), 0);
	assert_int_equal(it[0].mark, 0);
}

/* layout_mark_running() on a document built by hand, as an OCR'd scan would be. */
static void test_running_doc(void **state)
{
	struct enclave_doc *doc = NULL;
	struct enclave_block t = doc_block_template(ENCLAVE_BLOCK_PARAGRAPH, 0, "ocr");
	char text[64];
	int i;

	(void)state;
	assert_int_equal(doc_new(&doc, "tiff"), 0);
	for (i = 1; i <= 4; i++) {
		assert_true(doc_add_page(doc, 600, 800, "ocr", 0.9) == i);
		t.page = i;
		t.has_bbox = 1;
		t.bbox = (struct enclave_bbox){ 50, 20, 300, 40 };
		assert_int_equal(doc_add_block(doc, &t, "Minutes of the board", 20), 0);
		t.bbox = (struct enclave_bbox){ 50, 100, 550, 700 };
		snprintf(text, sizeof(text), "Item %d was discussed at length.", i);
		assert_int_equal(doc_add_block(doc, &t, text, strlen(text)), 0);
		t.bbox = (struct enclave_bbox){ 280, 760, 320, 780 };
		snprintf(text, sizeof(text), "- %d -", i);
		assert_int_equal(doc_add_block(doc, &t, text, strlen(text)), 0);
	}
	assert_int_equal(layout_mark_running(doc), 0);
	for (i = 0; i < 12; i++)
		assert_int_equal(doc->blocks[i].kind, i % 3 == 0   ? ENCLAVE_BLOCK_HEADER
		                                      : i % 3 == 1 ? ENCLAVE_BLOCK_PARAGRAPH
		                                                   : ENCLAVE_BLOCK_FOOTER);
	enclave_doc_free(doc);
}

/* ------------------------------------------------------------------ */
/* Compounds, running heads, tables, rotation, broken pages           */
/* ------------------------------------------------------------------ */

static void test_compound_hyphens(void **state)
{
	enclave_doc *doc = extract_ok("compound", 0, NULL);

	(void)state;
	assert_int_equal(enclave_doc_block_count(doc), 2);
	assert_string_equal(enclave_doc_block(doc, 0)->text,
	                    "We answer questions in the open-domain setting with a "
	                    "state-of-the-art reader and a rule-based filter.");
	assert_string_equal(enclave_doc_block(doc, 1)->text,
	                    "The information was documented by a well-known team.");
	enclave_doc_free(doc);
}

static void test_running_heads(void **state)
{
	const char *args[] = { "3" };
	enclave_doc *doc = extract_ok("running", 1, args);
	char *md = NULL, want[64];
	size_t i, len, headers = 0, footers = 0, paras = 0;

	(void)state;
	assert_int_equal(enclave_doc_page_count(doc), 3);
	for (i = 0; i < enclave_doc_block_count(doc); i++) {
		const struct enclave_block *b = enclave_doc_block(doc, i);
		if (b->kind == ENCLAVE_BLOCK_HEADER) {
			assert_string_equal(b->text, "Enclave Quarterly Review");
			headers++;
		} else if (b->kind == ENCLAVE_BLOCK_FOOTER) {
			snprintf(want, sizeof(want), "Page %d of 3", b->page);
			assert_string_equal(b->text, want);
			footers++;
		} else {
			assert_int_equal(b->kind, ENCLAVE_BLOCK_PARAGRAPH);
			paras++;
		}
	}
	assert_int_equal(headers, 3);
	assert_int_equal(footers, 3);
	assert_int_equal(paras, 6);
	assert_boxes_sane(doc);
	assert_int_equal(enclave_doc_render(&md, &len, doc, ENCLAVE_FORMAT_MARKDOWN), 0);
	assert_non_null(strstr(md, "<!-- header: Enclave Quarterly Review -->"));
	assert_non_null(strstr(md, "<!-- footer: Page 2 of 3 -->"));
	free(md);
	enclave_doc_free(doc);
}

/* Check the table of the ruled and aligned fixtures and the text around it. */
static void check_sites_table(enclave_doc *doc)
{
	const struct enclave_block *b = block_with(doc, "Checked");
	char *md = NULL;
	size_t len;
	json_t *attrs, *rows;

	assert_int_equal(b->kind, ENCLAVE_BLOCK_TABLE);
	assert_string_equal(b->text, "Site\tRecords\tChecked\nNorth\t1200\t98%\n"
	                             "South\t850\t91%\nEast\t430\t77%");
	assert_non_null(b->attrs);
	attrs = json_loads(b->attrs, 0, NULL);
	rows = json_object_get(attrs, "rows");
	assert_int_equal(json_array_size(rows), 4);
	assert_int_equal(json_array_size(json_array_get(rows, 2)), 3);
	assert_string_equal(json_string_value(json_array_get(json_array_get(rows, 2), 1)), "850");
	json_decref(attrs);
	/* The text around it comes before and after it, as paragraphs. */
	assert_true(find_block(doc, "shown in the table") < find_block(doc, "Checked"));
	assert_true(find_block(doc, "After the table") > find_block(doc, "Checked"));
	assert_int_equal(block_with(doc, "After the table")->kind, ENCLAVE_BLOCK_PARAGRAPH);
	assert_int_equal(enclave_doc_render(&md, &len, doc, ENCLAVE_FORMAT_MARKDOWN), 0);
	assert_non_null(strstr(md, "| Site | Records | Checked |\n| --- | --- | --- |\n"
	                           "| North | 1200 | 98% |\n"));
	free(md);
	assert_boxes_sane(doc);
}

static void test_ruled_table(void **state)
{
	enclave_doc *doc = extract_ok("ruled", 0, NULL);
	const struct enclave_block *cap;

	(void)state;
	check_sites_table(doc);
	cap = block_with(doc, "Table 1:");
	assert_int_equal(cap->kind, ENCLAVE_BLOCK_CAPTION);
	assert_string_equal(cap->text, "Table 1: Records per site");
	assert_int_equal(enclave_doc_block_count(doc), 4);
	enclave_doc_free(doc);
}

static void test_aligned_table(void **state)
{
	enclave_doc *doc = extract_ok("aligned", 0, NULL);

	(void)state;
	check_sites_table(doc);
	assert_int_equal(enclave_doc_block_count(doc), 3);
	enclave_doc_free(doc);
}

static void test_rotated_pages(void **state)
{
	static const char *const degs[] = { "0", "90", "180", "270" };
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		const char *args[] = { degs[i] };
		enclave_doc *doc = extract_ok("rotated", 1, args);
		const struct enclave_page *p = enclave_doc_page(doc, 0);
		const struct enclave_block *h, *b;

		/* The displayed page: Letter turned for 90 and 270. */
		assert_true(i % 2 ? p->width == 792 && p->height == 612
		                  : p->width == 612 && p->height == 792);
		/* Read in order, whatever the turn. */
		assert_int_equal(find_block(doc, "Rotated Page"), 0);
		assert_true(find_block(doc, "First paragraph") > 0);
		h = enclave_doc_block(doc, 0);
		b = block_with(doc, "First paragraph");
		assert_true(h->kind == ENCLAVE_BLOCK_TITLE || h->kind == ENCLAVE_BLOCK_HEADING);
		/* Boxes on the displayed page: the heading's near the page's turned top-left corner. */
		if (i == 0)
			assert_true(h->bbox.x0 < 80 && h->bbox.y0 < 100 && b->bbox.y0 > h->bbox.y1);
		else if (i == 1) /* top of the text now at the right, lines running down */
			assert_true(h->bbox.x1 > 700 && h->bbox.y0 < 80 && b->bbox.x1 < h->bbox.x0);
		else if (i == 2)
			assert_true(h->bbox.x1 > 530 && h->bbox.y1 > 700 &&
			            b->bbox.y1 < h->bbox.y0);
		else
			assert_true(h->bbox.x0 < 100 && h->bbox.y1 > 530 &&
			            b->bbox.x0 > h->bbox.x1);
		assert_boxes_sane(doc);
		enclave_doc_free(doc);
	}
}

static void test_broken_page(void **state)
{
	enclave_doc *doc = extract_ok("broken", 0, NULL);
	json_t *errors;

	(void)state;
	assert_int_equal(enclave_doc_page_count(doc), 3);
	assert_string_equal(enclave_doc_page(doc, 0)->method, "text");
	assert_string_equal(enclave_doc_page(doc, 1)->method, "none");
	assert_string_equal(enclave_doc_page(doc, 2)->method, "text");
	assert_int_equal(enclave_doc_block_count(doc), 2);
	assert_string_equal(enclave_doc_block(doc, 0)->text, "The first page survives.");
	assert_string_equal(enclave_doc_block(doc, 1)->text, "The last page survives too.");
	assert_int_equal(enclave_doc_block(doc, 1)->page, 3);
	errors = json_object_get(doc->metadata, "pdf_page_errors");
	assert_int_equal(json_array_size(errors), 1);
	assert_non_null(strstr(json_string_value(json_array_get(errors, 0)), "page 2"));
	assert_string_equal(meta(doc, "pdf_page_error_count"), "1");
	enclave_doc_free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_latin1_text),
		cmocka_unit_test(test_pages),
		cmocka_unit_test(test_report_kinds),
		cmocka_unit_test(test_columns_order),
		cmocka_unit_test(test_hyphens),
		cmocka_unit_test(test_numbered_list),
		cmocka_unit_test(test_encrypted),
		cmocka_unit_test(test_no_text),
		cmocka_unit_test(test_huge_page),
		cmocka_unit_test(test_too_many_pages),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_corrupted_bytes),
		cmocka_unit_test(test_quiet_stderr),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_bidi_line),
		cmocka_unit_test(test_unshape),
		cmocka_unit_test(test_running_items),
		cmocka_unit_test(test_running_doc),
		cmocka_unit_test(test_compound_hyphens),
		cmocka_unit_test(test_running_heads),
		cmocka_unit_test(test_ruled_table),
		cmocka_unit_test(test_aligned_table),
		cmocka_unit_test(test_rotated_pages),
		cmocka_unit_test(test_broken_page),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
