/*
 * The image reader (src/lib/ingest/ocr.c) on fixtures made in-process: a
 * PDF written by tests/tools/mkpdf_lib.h is rendered by MuPDF to grey
 * pixels, cropped to its text and encoded by Leptonica (PNG, multi-page
 * TIFF). Checks: words recognised, boxes and page sizes in points for the
 * resolution, upscaling of low-resolution images, OSD rotation (90, 180),
 * a single-line strip, two TIFF pages, magic bytes, a header over the pixel
 * limit, truncated files, nothing printed on stderr, and two threads at
 * once.
 *
 * Tesseract is slow under ASan: fixtures are a few lines of 12 pt text.
 * Run with OMP_THREAD_LIMIT=1 in the environment.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <leptonica/allheaders.h>

#include "../tools/mkpdf_lib.h"
#include "ingest/ocr_int.h"

static const char sentence[] = "The quick brown fox jumps over the lazy dog near the river bank";
static const char paragraph[] =
    "Records are collected from each site, checked against the schedule and stored with "
    "their provenance so that every later step can be traced back to the file it came "
    "from. Reviewers compare the totals every month and sign the summary before it is "
    "archived.";

/* ------------------------------------------------------------------ */
/* Fixtures                                                           */
/* ------------------------------------------------------------------ */

/*
 * `text` set as 12 pt paragraphs on a PDF page rendered at `dpi` to an 8-bit
 * grey Pix cropped to the text plus a margin, with its resolution set.
 */
static PIX *render(const char *text, int dpi)
{
	const char *args[1] = { text };
	unsigned char *pdf;
	size_t len;
	char err[256];
	fz_context *ctx;
	fz_document *doc = NULL;
	fz_stream *stm = NULL;
	fz_pixmap *pm = NULL;
	PIX *pix = NULL, *bin, *crop;
	BOX *box = NULL, *big;
	int x, y;

	if (mkpdf_build(&pdf, &len, "simple", 1, args, err, sizeof(err)) < 0)
		fail_msg("mkpdf: %s", err);
	assert_non_null(ctx = fz_new_context(NULL, NULL, FZ_STORE_DEFAULT));
	fz_try(ctx)
	{
		fz_register_document_handlers(ctx);
		stm = fz_open_memory(ctx, pdf, len);
		doc = fz_open_document_with_stream(ctx, "application/pdf", stm);
		pm = fz_new_pixmap_from_page_number(ctx, doc, 0, fz_scale(dpi / 72.0f, dpi / 72.0f),
		                                    fz_device_gray(ctx), 0);
	}
	fz_catch(ctx) fail_msg("render: %s", fz_caught_message(ctx));
	pix = pixCreate(pm->w, pm->h, 8);
	for (y = 0; y < pm->h; y++)
		for (x = 0; x < pm->w; x++)
			pixSetPixel(pix, x, y, pm->samples[(size_t)y * pm->stride + (size_t)x]);
	fz_drop_pixmap(ctx, pm);
	fz_drop_document(ctx, doc);
	fz_drop_stream(ctx, stm);
	fz_drop_context(ctx);
	free(pdf);
	bin = pixConvertTo1(pix, 128);
	assert_int_equal(pixClipToForeground(bin, NULL, &box), 0);
	big = boxAdjustSides(NULL, box, -dpi / 10, dpi / 10, -dpi / 10, dpi / 10);
	crop = pixClipRectangle(pix, big, NULL);
	pixSetResolution(crop, dpi, dpi);
	boxDestroy(&box);
	boxDestroy(&big);
	pixDestroy(&bin);
	pixDestroy(&pix);
	return crop;
}

/* `pix` as a PNG in a malloc'd buffer (Leptonica's allocator is malloc). */
static unsigned char *png_of(size_t *len, PIX *pix)
{
	l_uint8 *data = NULL;

	assert_int_equal(pixWriteMemPng(&data, len, pix, 0), 0);
	return data;
}

/* Extract `data` through the public API. Returns the code. */
static int extract(enclave_doc **out, const unsigned char *data, size_t len)
{
	struct enclave_extract_options opts = ENCLAVE_EXTRACT_OPTIONS_INIT;

	*out = NULL;
	return enclave_extract_buffer(out, data, len, "test.img", &opts);
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
	return buf_detach(&b, &i);
}

/* Assert that at least 80% of the words of `want` (4+ letters) are in `doc`'s text. */
static void assert_words(const enclave_doc *doc, const char *want)
{
	char *text = lower_text(doc), word[64];
	const char *p = want;
	int total = 0, found = 0;

	while (*p) {
		size_t n = 0;

		while (*p && !isalpha((unsigned char)*p))
			p++;
		while (isalpha((unsigned char)*p) && n < sizeof(word) - 1)
			word[n++] = (char)tolower((unsigned char)*p++);
		word[n] = '\0';
		if (n >= 4) {
			total++;
			found += strstr(text, word) != NULL;
		}
	}
	if (found * 5 < total * 4)
		fail_msg("%d of %d words found in '%s'", found, total, text);
	free(text);
}

/* Assert every block is OCR with a box inside its page and a confidence in (0, 1]. */
static void assert_blocks_sane(const enclave_doc *doc)
{
	size_t i;

	assert_true(enclave_doc_block_count(doc) > 0);
	for (i = 0; i < enclave_doc_block_count(doc); i++) {
		const struct enclave_block *b = enclave_doc_block(doc, i);
		const struct enclave_page *p = enclave_doc_page(doc, (size_t)b->page - 1);

		assert_string_equal(b->method, "ocr");
		assert_true(b->has_bbox);
		assert_true(b->bbox.x0 >= 0 && b->bbox.x0 < b->bbox.x1 &&
		            b->bbox.x1 <= p->width + 0.01);
		assert_true(b->bbox.y0 >= 0 && b->bbox.y0 < b->bbox.y1 &&
		            b->bbox.y1 <= p->height + 0.01);
		assert_true(b->confidence > 0 && b->confidence <= 1);
	}
}

/* Run extract on `data` with stderr captured; returns the code and asserts nothing was printed. */
static int extract_quiet(enclave_doc **out, const unsigned char *data, size_t len)
{
	char path[] = "/tmp/enclave-test-ocr-XXXXXX", said[512];
	int fd, saved, rc;
	ssize_t size;

	assert_true((fd = mkstemp(path)) >= 0);
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0 && dup2(fd, 2) == 2);
	rc = extract(out, data, len);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	size = pread(fd, said, sizeof(said) - 1, 0);
	close(fd);
	unlink(path);
	if (size != 0)
		fail_msg("printed on stderr: '%.*s'", (int)(size > 0 ? size : 0), said);
	return rc;
}

/* The CRC-32 of PNG chunks. */
static uint32_t crc32_of(const unsigned char *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		c ^= p[i];
		for (k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
	}
	return c ^ 0xffffffffu;
}

/* ------------------------------------------------------------------ */
/* Tests                                                              */
/* ------------------------------------------------------------------ */

static void test_image_kind(void **state)
{
	static const unsigned char bmp[30] = { 'B', 'M', 0, 0, 0, 0, 0, 0, 0, 0, 54, 0, 0, 0, 40 };
	static const unsigned char bm_text[30] = "BM is not a bitmap, just text";

	(void)state;
	assert_string_equal(image_kind((const unsigned char *)"\x89PNG\r\n\x1a\n\0", 9), "png");
	assert_string_equal(image_kind((const unsigned char *)"\xff\xd8\xff\xe0", 4), "jpeg");
	assert_string_equal(image_kind((const unsigned char *)"II*\0\x08\0\0\0", 8), "tiff");
	assert_string_equal(image_kind((const unsigned char *)"MM\0*\0\0\0\x08", 8), "tiff");
	assert_string_equal(image_kind((const unsigned char *)"GIF87a..", 8), "gif");
	assert_string_equal(image_kind((const unsigned char *)"GIF89a..", 8), "gif");
	assert_string_equal(image_kind((const unsigned char *)"RIFF\x10\0\0\0WEBPVP8 ", 16),
	                    "webp");
	assert_string_equal(image_kind(bmp, sizeof(bmp)), "bmp");
	assert_null(image_kind(bm_text, sizeof(bm_text)));
	assert_null(image_kind((const unsigned char *)"RIFF\x10\0\0\0WAVEfmt ", 16));
	assert_null(image_kind((const unsigned char *)"\x89PNG", 4));
	assert_null(image_kind((const unsigned char *)"%PDF-1.4", 8));
	assert_null(image_kind((const unsigned char *)"hello", 5));
	assert_null(image_kind((const unsigned char *)"", 0));
}

static void test_png_paragraph(void **state)
{
	PIX *pix = render(paragraph, 300);
	const struct enclave_page *p;
	enclave_doc *doc;
	unsigned char *png;
	size_t len;
	int w = pixGetWidth(pix), h = pixGetHeight(pix);

	(void)state;
	png = png_of(&len, pix);
	pixDestroy(&pix);
	if (extract_quiet(&doc, png, len) < 0)
		fail_msg("extract: %s", enclave_error_last());
	free(png);
	assert_int_equal(enclave_doc_page_count(doc), 1);
	p = enclave_doc_page(doc, 0);
	assert_true(p->width > w * 72.0 / 300 - 0.01 && p->width < w * 72.0 / 300 + 0.01);
	assert_true(p->height > h * 72.0 / 300 - 0.01 && p->height < h * 72.0 / 300 + 0.01);
	assert_string_equal(p->method, "ocr");
	assert_true(p->confidence > 0.5);
	assert_words(doc, paragraph);
	assert_blocks_sane(doc);
	assert_string_equal(json_string_value(json_object_get(doc->metadata, "ocr_lang")), "eng");
	assert_non_null(strstr(json_string_value(json_object_get(doc->metadata, "ocr_engine")),
	                       "tesseract 5."));
	assert_non_null(strstr(json_string_value(json_object_get(doc->metadata, "ocr_model_path")),
	                       "eng.traineddata"));
	enclave_doc_free(doc);
}

/*
 * A 100 dpi RGBA image (as the UW-III line scans are) is upscaled before
 * OCR; the page size still uses 100 dpi.
 */
static void test_low_dpi(void **state)
{
	PIX *pix = render(sentence, 100), *rgba = pixConvertTo32(pix);
	enclave_doc *doc;
	unsigned char *png;
	size_t len;
	int w = pixGetWidth(pix);

	(void)state;
	pixSetSpp(rgba, 4);
	pixSetComponentArbitrary(rgba, L_ALPHA_CHANNEL, 255);
	pixSetResolution(rgba, 100, 100);
	png = png_of(&len, rgba);
	pixDestroy(&rgba);
	pixDestroy(&pix);
	if (extract_quiet(&doc, png, len) < 0)
		fail_msg("extract: %s", enclave_error_last());
	free(png);
	assert_true(enclave_doc_page(doc, 0)->width > w * 0.72 - 0.01 &&
	            enclave_doc_page(doc, 0)->width < w * 0.72 + 0.01);
	assert_words(doc, sentence);
	assert_blocks_sane(doc);
	enclave_doc_free(doc);
}

/* Turned images are put upright by OSD; boxes stay within the turned page. */
static void rotated(int quads)
{
	PIX *pix = render(paragraph, 300), *rot = pixRotateOrth(pix, quads);
	enclave_doc *doc;
	unsigned char *png;
	size_t len;

	pixSetResolution(rot, 300, 300);
	png = png_of(&len, rot);
	pixDestroy(&pix);
	pixDestroy(&rot);
	if (extract_quiet(&doc, png, len) < 0)
		fail_msg("extract: %s", enclave_error_last());
	free(png);
	assert_words(doc, paragraph);
	assert_blocks_sane(doc);
	enclave_doc_free(doc);
}

static void test_rotated_90(void **state)
{
	(void)state;
	rotated(1);
}

static void test_rotated_180(void **state)
{
	(void)state;
	rotated(2);
}

/* A one-line strip: read as a single line, one block. */
static void test_single_line(void **state)
{
	PIX *pix =
	    render("Invoice 2041 was paid in full on the first of March by bank transfer", 300);
	enclave_doc *doc;
	unsigned char *png;
	size_t len;

	(void)state;
	assert_true(pixGetWidth(pix) > 8 * pixGetHeight(pix));
	png = png_of(&len, pix);
	pixDestroy(&pix);
	if (extract_quiet(&doc, png, len) < 0)
		fail_msg("extract: %s", enclave_error_last());
	free(png);
	assert_int_equal(enclave_doc_block_count(doc), 1);
	assert_string_equal(enclave_doc_block(doc, 0)->text,
	                    "Invoice 2041 was paid in full on the first of March by bank transfer");
	assert_blocks_sane(doc);
	enclave_doc_free(doc);
}

/* A two-page TIFF gives two pages, each with its own text. */
static void test_tiff_pages(void **state)
{
	PIXA *pixa = pixaCreate(2);
	enclave_doc *doc;
	l_uint8 *tif = NULL;
	size_t len, i;
	int seen[3] = { 0 };

	(void)state;
	pixaAddPix(pixa, render("First page of the scanned letter", 300), L_INSERT);
	pixaAddPix(pixa, render("Second page with the signature", 300), L_INSERT);
	assert_int_equal(pixaWriteMemMultipageTiff(&tif, &len, pixa), 0);
	pixaDestroy(&pixa);
	if (extract_quiet(&doc, tif, len) < 0)
		fail_msg("extract: %s", enclave_error_last());
	free(tif);
	assert_int_equal(enclave_doc_page_count(doc), 2);
	for (i = 0; i < enclave_doc_block_count(doc); i++)
		seen[enclave_doc_block(doc, i)->page] = 1;
	assert_true(seen[1] && seen[2]);
	assert_non_null(strstr(enclave_doc_block(doc, 0)->text, "First"));
	assert_blocks_sane(doc);
	enclave_doc_free(doc);
}

/* A PNG header claiming 100000 x 100000 pixels fails on the limit without decoding. */
static void test_over_limit(void **state)
{
	unsigned char png[8 + 25 + 12 + 12];
	unsigned char *p = png;
	enclave_doc *doc;
	uint32_t crc;

	(void)state;
	memcpy(p, "\x89PNG\r\n\x1a\n", 8), p += 8;
	memcpy(p, "\0\0\0\x0dIHDR\0\x01\x86\xa0\0\x01\x86\xa0\x08\0\0\0\0", 21);
	crc = crc32_of(p + 4, 17), p += 21;
	*p++ = crc >> 24, *p++ = crc >> 16, *p++ = crc >> 8, *p++ = crc;
	/* An empty IDAT and IEND; the CRCs do not matter for the header. */
	memcpy(p, "\0\0\0\0IDAT\0\0\0\0\0\0\0\0IEND\xae\x42\x60\x82", 24);
	assert_int_equal(extract_quiet(&doc, png, sizeof(png)), ENCLAVE_ELIMIT);
	assert_null(doc);
	assert_non_null(strstr(enclave_error_last(), "limit"));
}

/* Truncated and garbled images fail cleanly and print nothing. */
static void test_truncated(void **state)
{
	PIX *pix = render(sentence, 150);
	PIXA *pixa = pixaCreate(1);
	enclave_doc *doc;
	unsigned char *png;
	l_uint8 *tif = NULL;
	size_t len, tlen;
	int rc;

	(void)state;
	png = png_of(&len, pix);
	pixaAddPix(pixa, pix, L_INSERT);
	assert_int_equal(pixaWriteMemMultipageTiff(&tif, &tlen, pixa), 0);
	pixaDestroy(&pixa);
	assert_true(extract_quiet(&doc, png, 40) < 0);
	assert_null(doc);
	rc = extract_quiet(&doc, png, len / 2);
	assert_true(rc < 0 || enclave_doc_page_count(doc) == 1);
	enclave_doc_free(doc);
	assert_true(extract_quiet(&doc, tif, 16) < 0);
	rc = extract_quiet(&doc, tif, tlen / 2);
	enclave_doc_free(doc);
	assert_true(extract_quiet(&doc, (const unsigned char *)"GIF89a\x01\0\x01\0", 10) < 0);
	assert_true(extract_quiet(&doc, (const unsigned char *)"\xff\xd8\xff\xe0\0\x10JFIF", 10) <
	            0);
	free(png);
	free(tif);
}

/* One thread's job: extract `png` and count the results without the expected words. */
struct job {
	const unsigned char *png;
	size_t len;
	int failures;
};

static void *run_job(void *arg)
{
	struct job *job = arg;
	enclave_doc *doc = NULL;
	struct enclave_extract_options opts = ENCLAVE_EXTRACT_OPTIONS_INIT;
	int i;

	for (i = 0; i < 2; i++) {
		if (enclave_extract_buffer(&doc, job->png, job->len, "t.png", &opts) < 0 ||
		    enclave_doc_block_count(doc) < 1 ||
		    !strstr(enclave_doc_block(doc, 0)->text, "provenance"))
			job->failures++;
		enclave_doc_free(doc);
		doc = NULL;
	}
	return NULL;
}

/* Two threads reading at once (own Tesseract handles, Leptonica quieted once). */
static void test_threads(void **state)
{
	PIX *pix = render(paragraph, 300);
	struct job jobs[2];
	pthread_t threads[2];
	unsigned char *png;
	size_t len;
	int i;

	(void)state;
	png = png_of(&len, pix);
	pixDestroy(&pix);
	for (i = 0; i < 2; i++) {
		jobs[i].png = png, jobs[i].len = len, jobs[i].failures = 0;
		assert_int_equal(pthread_create(&threads[i], NULL, run_job, &jobs[i]), 0);
	}
	for (i = 0; i < 2; i++) {
		pthread_join(threads[i], NULL);
		assert_int_equal(jobs[i].failures, 0);
	}
	free(png);
}

/* Language strings: names of letters, digits and '_' joined by '+'. */
static void test_lang_check(void **state)
{
	(void)state;
	assert_int_equal(ocr_lang_check("eng"), 0);
	assert_int_equal(ocr_lang_check("eng+deu+chi_sim"), 0);
	assert_int_equal(ocr_lang_check(""), ENCLAVE_EINVALID);
	assert_int_equal(ocr_lang_check("eng+"), ENCLAVE_EINVALID);
	assert_int_equal(ocr_lang_check("+eng"), ENCLAVE_EINVALID);
	assert_int_equal(ocr_lang_check("eng++deu"), ENCLAVE_EINVALID);
	assert_int_equal(ocr_lang_check("../../etc/x"), ENCLAVE_EINVALID);
	assert_int_equal(ocr_lang_check("eng deu"), ENCLAVE_EINVALID);
	assert_int_equal(ocr_lang_check("a123456789a123456789a123456789a123456789a123456789a1234567"
	                                "89a123456789"),
	                 ENCLAVE_EINVALID);
}

/*
 * A worker's engine serves several files and languages: the same results
 * as a call without one, the models recorded each time; a missing language
 * fails clearly and leaves the engine usable; --ocr never refuses images.
 */
static void test_engine_reuse(void **state)
{
	PIX *pix = render(sentence, 300);
	struct enclave_extract_options opts = ENCLAVE_EXTRACT_OPTIONS_INIT;
	struct ocr_engine *engine;
	struct extract_ctx ctx;
	enclave_doc *doc = NULL;
	const char *mt;
	unsigned char *png;
	size_t len;
	int i;

	(void)state;
	png = png_of(&len, pix);
	pixDestroy(&pix);
	assert_int_equal(ocr_engine_new(&engine), 0);
	for (i = 0; i < 4; i++) {
		opts.lang = i == 1 ? "eng+osd" : i == 2 ? "zzq" : "eng";
		extract_ctx_init(&ctx, &opts, engine);
		if (i == 2) {
			assert_int_equal(extract_with(&doc, &mt, png, len, "a.png", &ctx),
			                 ENCLAVE_EUNSUPPORTED);
			assert_non_null(strstr(enclave_error_last(),
			                       "cannot load tesseract language 'zzq': no "
			                       "zzq.traineddata in "));
			continue;
		}
		assert_int_equal(extract_with(&doc, &mt, png, len, "a.png", &ctx), 0);
		assert_words(doc, "quick brown fox jumps lazy dog");
		assert_non_null(json_object_get(doc->metadata,
		                                i == 1 ? "ocr_eng_model_path" : "ocr_model_path"));
		enclave_doc_free(doc);
		doc = NULL;
	}
	ocr_engine_free(engine);
	opts.lang = NULL;
	opts.ocr = ENCLAVE_OCR_NEVER;
	assert_int_equal(enclave_extract_buffer(&doc, png, len, "a.png", &opts),
	                 ENCLAVE_EUNSUPPORTED);
	assert_non_null(strstr(enclave_error_last(), "ocr is off"));
	free(png);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_image_kind),  cmocka_unit_test(test_png_paragraph),
		cmocka_unit_test(test_low_dpi),     cmocka_unit_test(test_rotated_90),
		cmocka_unit_test(test_rotated_180), cmocka_unit_test(test_single_line),
		cmocka_unit_test(test_tiff_pages),  cmocka_unit_test(test_over_limit),
		cmocka_unit_test(test_truncated),   cmocka_unit_test(test_threads),
		cmocka_unit_test(test_lang_check),  cmocka_unit_test(test_engine_reuse),
	};

	/* The tests call Leptonica through ocr_dl.h's table too: fill it first. */
	if (ocr_dl_load() < 0) {
		fprintf(stderr, "%s\n", enclave_error_last());
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
