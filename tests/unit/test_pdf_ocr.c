/*
 * The OCR of PDF pages without a usable text layer (src/lib/ingest/
 * pdf_ocr.c) on scanned PDFs made in-process by tests/tools/mkscan_lib.h:
 * an image-only page is read (words, page and block method "ocr", boxes in
 * the page); a mixed document has method text on page 1 and ocr on page 2,
 * blocks in page order with consistent offsets; a garbage text layer (a
 * ToUnicode map into the private use area) is replaced by OCR, and dropped
 * with --ocr never; --ocr always reads a text page by OCR; a page with
 * /Rotate 90, a sideways scan and an upside-down one (OSD); a missing language fails clearly;
 * the model files are recorded; four pages on two threads give the same
 * text, in order, as one thread; a spent time limit stops the file.
 *
 * Tesseract is slow under ASan: fixtures are one or two short lines.
 * Run with OMP_THREAD_LIMIT=1 in the environment.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <time.h>

#include "../tools/mkscan_lib.h"
#include "ingest/ingest_int.h"
#include "doc_check.h"

static const char line1[] = "The quick brown fox jumps over the lazy dog";
static const char line2[] = "Records are checked against the schedule";
static const char paragraph[] =
    "Records are collected from each site, checked against the schedule and stored with "
    "their provenance so that every later step can be traced back to the file it came "
    "from. Reviewers compare the totals every month and sign the summary before it is "
    "archived.";

/* The PDF of mkscan `kind` with up to three arguments, extracted with `opts`. Returns the code. */
static int extract_kind(enclave_doc **out, const struct enclave_extract_options *opts,
                        const char *kind, int argc, const char *a0, const char *a1)
{
	char *argv[2] = { (char *)a0, (char *)a1 };
	unsigned char *pdf;
	size_t len;
	char err[256];
	int rc;

	if (mkscan_pdf(&pdf, &len, kind, argc, argv, err, sizeof(err)) < 0)
		fail_msg("mkscan %s: %s", kind, err);
	*out = NULL;
	rc = enclave_extract_buffer(out, pdf, len, "scan.pdf", opts);
	free(pdf);
	return rc;
}

/* The document text, lower-cased, in a malloc'd string. */
static char *lower_text(const enclave_doc *doc)
{
	struct buf b = BUF_INIT(1 << 20);
	size_t i;

	for (i = 0; i < enclave_doc_block_count(doc); i++) {
		buf_puts(&b, enclave_doc_block(doc, i)->text);
		buf_putc(&b, ' ');
	}
	for (i = 0; i < b.len; i++)
		b.ptr[i] = (char)tolower((unsigned char)b.ptr[i]);
	return b.ptr ? b.ptr : strdup("");
}

/* Every word of `want` (space-separated, lower case) is in the document. */
static void assert_words(const enclave_doc *doc, const char *want)
{
	char *text = lower_text(doc), *w = strdup(want), *save = NULL, *tok;

	for (tok = strtok_r(w, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		if (!strstr(text, tok))
			fail_msg("word '%s' not found in: %s", tok, text);
	free(w);
	free(text);
}

/* Blocks of `method` on page `page`: each box inside the page, offsets consistent. */
static void assert_page_blocks(const enclave_doc *doc, int page, const char *method)
{
	const struct enclave_page *p = enclave_doc_page(doc, (size_t)page - 1);
	size_t i, n = 0;

	for (i = 0; i < enclave_doc_block_count(doc); i++) {
		const struct enclave_block *b = enclave_doc_block(doc, i);

		if (i > 0) {
			const struct enclave_block *a = enclave_doc_block(doc, i - 1);

			assert_true(a->page <= b->page);
			assert_int_equal(b->offset, a->offset + a->length + 2);
		} else {
			assert_int_equal(b->offset, 0);
		}
		if (b->page != page)
			continue;
		n++;
		assert_string_equal(b->method, method);
		assert_true(b->has_bbox);
		assert_true(b->bbox.x0 >= -1 && b->bbox.x0 < b->bbox.x1 &&
		            b->bbox.x1 <= p->width + 1);
		assert_true(b->bbox.y0 >= -1 && b->bbox.y0 < b->bbox.y1 &&
		            b->bbox.y1 <= p->height + 1);
		assert_true(b->confidence > 0 && b->confidence <= 1);
	}
	assert_true(n > 0);
}

/* ------------------------------------------------------------------ */
/* Tests                                                              */
/* ------------------------------------------------------------------ */

static void test_image_page(void **state)
{
	struct enclave_extract_options opts = ENCLAVE_EXTRACT_OPTIONS_INIT;
	enclave_doc *doc;
	const struct enclave_page *p;

	(void)state;
	assert_int_equal(extract_kind(&doc, &opts, "image", 1, line1, NULL), 0);
	assert_int_equal(enclave_doc_page_count(doc), 1);
	p = enclave_doc_page(doc, 0);
	assert_string_equal(p->method, "ocr");
	assert_true(p->confidence > 0.5 && p->confidence <= 1);
	assert_words(doc, "quick brown fox jumps lazy dog");
	assert_page_blocks(doc, 1, "ocr");
	/* The model files used, for the audit trail. */
	assert_non_null(meta(doc, "ocr_model_path"));
	assert_non_null(strstr(meta(doc, "ocr_model_path"), "eng.traineddata"));
	assert_string_equal(meta(doc, "ocr_lang"), "eng");
	enclave_doc_free(doc);
}

static void test_mixed(void **state)
{
	struct enclave_extract_options opts = ENCLAVE_EXTRACT_OPTIONS_INIT;
	enclave_doc *doc;

	(void)state;
	assert_int_equal(extract_kind(&doc, &opts, "mixed", 2, line2, line1), 0);
	assert_int_equal(enclave_doc_page_count(doc), 2);
	assert_string_equal(enclave_doc_page(doc, 0)->method, "text");
	assert_string_equal(enclave_doc_page(doc, 1)->method, "ocr");
	assert_page_blocks(doc, 1, "text");
	assert_page_blocks(doc, 2, "ocr");
	/* Page order although the text layer's blocks are added last. */
	assert_int_equal(enclave_doc_block(doc, 0)->page, 1);
	assert_non_null(strstr(enclave_doc_block(doc, 0)->text, "schedule"));
	assert_words(doc, "records schedule quick brown fox");
	enclave_doc_free(doc);

	/* --ocr never: the scanned page stays empty. */
	opts.ocr = ENCLAVE_OCR_NEVER;
	assert_int_equal(extract_kind(&doc, &opts, "mixed", 2, line2, line1), 0);
	assert_string_equal(enclave_doc_page(doc, 0)->method, "text");
	assert_string_equal(enclave_doc_page(doc, 1)->method, "none");
	assert_int_equal(enclave_doc_block_count(doc), 1);
	assert_null(meta(doc, "ocr_model_path"));
	enclave_doc_free(doc);

	/* --ocr always: the text page is read by OCR too. */
	opts.ocr = ENCLAVE_OCR_ALWAYS;
	assert_int_equal(extract_kind(&doc, &opts, "mixed", 2, line2, line1), 0);
	assert_string_equal(enclave_doc_page(doc, 0)->method, "ocr");
	assert_string_equal(enclave_doc_page(doc, 1)->method, "ocr");
	assert_page_blocks(doc, 1, "ocr");
	assert_words(doc, "records schedule quick brown fox");
	enclave_doc_free(doc);
}

static void test_garbage_layer(void **state)
{
	struct enclave_extract_options opts = ENCLAVE_EXTRACT_OPTIONS_INIT;
	enclave_doc *doc;
	size_t i;

	(void)state;
	assert_int_equal(extract_kind(&doc, &opts, "garbage", 1, line1, NULL), 0);
	assert_string_equal(enclave_doc_page(doc, 0)->method, "ocr");
	assert_page_blocks(doc, 1, "ocr");
	assert_words(doc, "quick brown fox");
	/* Nothing of the private-use text layer is left. */
	for (i = 0; i < enclave_doc_block_count(doc); i++)
		assert_null(strstr(enclave_doc_block(doc, i)->text, "\xee\x80"));
	enclave_doc_free(doc);

	/* --ocr never: the garbage is dropped, not passed on; nothing is left. */
	opts.ocr = ENCLAVE_OCR_NEVER;
	assert_int_equal(extract_kind(&doc, &opts, "garbage", 1, line1, NULL), ENCLAVE_EEMPTY);
	assert_null(doc);
}

static void test_rotate_attribute(void **state)
{
	struct enclave_extract_options opts = ENCLAVE_EXTRACT_OPTIONS_INIT;
	enclave_doc *doc;
	const struct enclave_page *p;

	(void)state;
	assert_int_equal(extract_kind(&doc, &opts, "rotated", 1, line1, NULL), 0);
	p = enclave_doc_page(doc, 0);
	/* /Rotate 90 on a tall media box: displayed wide. */
	assert_true(p->width > p->height);
	assert_words(doc, "quick brown fox jumps lazy dog");
	assert_page_blocks(doc, 1, "ocr");
	enclave_doc_free(doc);
}

static void test_sideways_osd(void **state)
{
	struct enclave_extract_options opts = ENCLAVE_EXTRACT_OPTIONS_INIT;
	enclave_doc *doc;
	const struct enclave_block *b;
	char text[256];

	(void)state;
	snprintf(text, sizeof(text), "%s\n%s\n%s", line1, line2, line1);
	assert_int_equal(extract_kind(&doc, &opts, "sideways", 1, text, NULL), 0);
	assert_words(doc, "quick brown fox jumps lazy dog records schedule");
	/* The boxes are in the sideways page: taller than wide. */
	b = enclave_doc_block(doc, 0);
	assert_true(b->bbox.y1 - b->bbox.y0 > b->bbox.x1 - b->bbox.x0);
	assert_page_blocks(doc, 1, "ocr");
	enclave_doc_free(doc);

	/* Upside down: read poorly as it comes, so OSD turns it; its model is recorded. */
	assert_int_equal(extract_kind(&doc, &opts, "upsidedown", 1, text, NULL), 0);
	assert_words(doc, "quick brown fox jumps lazy dog records schedule");
	assert_true(enclave_doc_page(doc, 0)->confidence > 0.7);
	assert_page_blocks(doc, 1, "ocr");
	assert_non_null(meta(doc, "ocr_osd_model_path"));
	assert_non_null(strstr(meta(doc, "ocr_osd_model_path"), "osd.traineddata"));
	enclave_doc_free(doc);
}

static void test_missing_lang(void **state)
{
	struct enclave_extract_options opts = ENCLAVE_EXTRACT_OPTIONS_INIT;
	enclave_doc *doc;

	(void)state;
	opts.lang = "eng+zzq";
	assert_int_equal(extract_kind(&doc, &opts, "image", 1, line1, NULL), ENCLAVE_EUNSUPPORTED);
	assert_null(doc);
	assert_non_null(strstr(enclave_error_last(),
	                       "cannot load tesseract language 'zzq': no zzq.traineddata in /"));
	opts.lang = "../eng";
	assert_int_equal(extract_kind(&doc, &opts, "image", 1, line1, NULL), ENCLAVE_EINVALID);
	assert_non_null(strstr(enclave_error_last(), "invalid ocr language"));
}

static void test_two_languages(void **state)
{
	struct enclave_extract_options opts = ENCLAVE_EXTRACT_OPTIONS_INIT;
	enclave_doc *doc;

	(void)state;
	/* osd.traineddata loads as a second language: the only other model installed. */
	opts.lang = "eng+osd";
	assert_int_equal(extract_kind(&doc, &opts, "image", 1, line1, NULL), 0);
	assert_words(doc, "quick brown fox");
	assert_string_equal(meta(doc, "ocr_lang"), "eng+osd");
	assert_null(meta(doc, "ocr_model_path"));
	assert_non_null(strstr(meta(doc, "ocr_eng_model_path"), "/eng.traineddata"));
	assert_non_null(strstr(meta(doc, "ocr_osd_model_path"), "/osd.traineddata"));
	enclave_doc_free(doc);
}

static void test_jobs(void **state)
{
	struct enclave_extract_options opts = ENCLAVE_EXTRACT_OPTIONS_INIT;
	enclave_doc *one, *two;
	size_t i;
	char want[32];

	(void)state;
	assert_int_equal(extract_kind(&one, &opts, "pages", 2, "4", "Quick brown fox"), 0);
	opts.jobs = 2;
	assert_int_equal(extract_kind(&two, &opts, "pages", 2, "4", "Quick brown fox"), 0);
	assert_int_equal(enclave_doc_page_count(two), 4);
	assert_int_equal(enclave_doc_block_count(one), enclave_doc_block_count(two));
	for (i = 0; i < enclave_doc_block_count(two); i++) {
		const struct enclave_block *a = enclave_doc_block(one, i),
		                           *b = enclave_doc_block(two, i);

		assert_string_equal(a->text, b->text);
		assert_int_equal(a->page, b->page);
		assert_int_equal(a->offset, b->offset);
	}
	for (i = 0; i < 4; i++) {
		assert_string_equal(enclave_doc_page(two, i)->method, "ocr");
		snprintf(want, sizeof(want), "page %zu", i + 1);
		assert_words(two, want);
	}
	assert_page_blocks(two, 3, "ocr");
	enclave_doc_free(one);
	enclave_doc_free(two);
}

static void test_time_limit(void **state)
{
	struct enclave_extract_options opts = ENCLAVE_EXTRACT_OPTIONS_INIT;
	enclave_doc *doc;

	(void)state;
	/*
	 * Eight pages take seconds; the limit stops the file. No wall-clock
	 * assertion here (a loaded machine would make it flaky): the error
	 * itself says the deadline was what stopped the file.
	 */
	opts.timeout = 0.5;
	opts.jobs = 2;
	assert_int_equal(extract_kind(&doc, &opts, "pages", 2, "8", paragraph), ENCLAVE_ELIMIT);
	assert_null(doc);
	assert_non_null(strstr(enclave_error_last(), "time limit of 0.5 s"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_image_page),    cmocka_unit_test(test_mixed),
		cmocka_unit_test(test_garbage_layer), cmocka_unit_test(test_rotate_attribute),
		cmocka_unit_test(test_sideways_osd),  cmocka_unit_test(test_missing_lang),
		cmocka_unit_test(test_two_languages), cmocka_unit_test(test_jobs),
		cmocka_unit_test(test_time_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
