/*
 * coco and yolo of an ingested scan: a PNG page (rendered here from a PDF
 * with MuPDF, then read by OCR at ingest) gets its page image in the
 * export, drawn from the source by page_png_render as the label server
 * draws it (page_png_renders), with the box annotation converted to its
 * pixels and the redacted e-mail address blacked out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <jansson.h>
#include <mupdf/fitz.h>

#include "../tools/mkpdf_lib.h"
#include "project_fixture.h"
#include "store/store_int.h"

/* Page 1 of PDF data as a PNG file at `dpi`. */
static void pdf_to_png(const unsigned char *pdf, size_t len, const char *path, float dpi)
{
	fz_context *ctx = fz_new_context(NULL, NULL, FZ_STORE_DEFAULT);
	fz_buffer *buf = NULL;
	fz_stream *st = NULL;
	fz_document *doc = NULL;
	fz_pixmap *pix = NULL;

	assert_non_null(ctx);
	fz_try(ctx)
	{
		fz_register_document_handlers(ctx);
		buf = fz_new_buffer_from_copied_data(ctx, pdf, len);
		st = fz_open_buffer(ctx, buf);
		doc = fz_open_document_with_stream(ctx, "application/pdf", st);
		pix = fz_new_pixmap_from_page_number(ctx, doc, 0, fz_scale(dpi / 72, dpi / 72),
		                                     fz_device_rgb(ctx), 0);
		fz_set_pixmap_resolution(ctx, pix, (int)dpi, (int)dpi);
		fz_save_pixmap_as_png(ctx, pix, path);
	}
	fz_always(ctx)
	{
		fz_drop_pixmap(ctx, pix);
		fz_drop_document(ctx, doc);
		fz_drop_stream(ctx, st);
		fz_drop_buffer(ctx, buf);
	}
	fz_catch(ctx) fail_msg("pdf_to_png: %s", fz_caught_message(ctx));
	fz_drop_context(ctx);
}

static int setup_scan(void **state)
{
	struct enclave_ingest_summary s;
	struct enclave_clean_summary cs;
	struct fixture *f;
	unsigned char *data;
	char path[192];
	size_t len;

	if (setup(state) < 0)
		return -1;
	f = *state;
	fixture_minutes_pdf(&data, &len);
	snprintf(path, sizeof(path), "%s/scan.png", f->dir);
	pdf_to_png(data, len, path, 200);
	free(data);
	fixture_ingest(f, path, &s);
	assert_int_equal(s.ok, 1);
	fixture_clean_emails(f, &cs);
	fixture_accepted_box(f, json_pack("{s:[s],s:[s]}", "ner", "PERSON", "boxes", "stamp"));
	return 0;
}

/* Does the manifest of `dir` list `name`? */
static int manifest_lists(const char *dir, const char *name)
{
	char path[256];
	json_t *m, *f;
	size_t i;
	int found = 0;

	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	assert_non_null(m = json_load_file(path, 0, NULL));
	json_array_foreach(json_object_get(m, "files"), i, f) found |=
	    !strcmp(json_string_value(json_object_get(f, "path")), name);
	json_decref(m);
	return found;
}

/* The first redacted span's box on page 1 (points); 0 when there is none. */
static int pii_box(struct fixture *f, double bb[4])
{
	struct store_spans spans = { 0 };
	json_t *boxes = NULL, *b;
	size_t i;
	int k, found = 0;

	assert_int_equal(store_spans_read(&spans, f->p->db, 1), 0);
	for (i = 0; i < spans.n && !found; i++) {
		if (spans.v[i].out_start < 0)
			continue;
		boxes = json_loads(spans.v[i].boxes, 0, NULL);
		b = json_array_get(boxes, 0);
		if (b && json_integer_value(json_object_get(b, "page")) == 1) {
			for (k = 0; k < 4; k++)
				bb[k] = json_number_value(
				    json_array_get(json_object_get(b, "bbox"), (size_t)k));
			found = 1;
		}
		json_decref(boxes);
	}
	store_spans_release(&spans);
	return found;
}

static void coco_of_scan(void **state)
{
	struct fixture *f = *state;
	struct enclave_export_options o = ENCLAVE_EXPORT_OPTIONS_INIT;
	struct enclave_export_summary s;
	char out[160], path[256];
	json_t *coco, *img, *ann, *bb;
	double pw, ph, pii[4];
	fz_context *ctx;
	fz_image *im;
	fz_pixmap *pix;
	int w, h;

	assert_int_equal(store_page_size(f->p->db, 1, 1, &pw, &ph), 0);
	o.format = "coco";
	o.dpi = 144;
	snprintf(out, sizeof(out), "%s/coco", f->dir);
	if (enclave_export(f->p, out, &o, &s) < 0)
		fail_msg("coco: %s", enclave_error_last());
	assert_true(manifest_lists(out, "images/00000001-p0001.png"));
	snprintf(path, sizeof(path), "%s/annotations.json", out);
	assert_non_null(coco = json_load_file(path, 0, NULL));
	assert_int_equal(json_array_size(json_object_get(coco, "images")), 1);
	assert_int_equal(json_array_size(json_object_get(coco, "annotations")), 1);
	img = json_array_get(json_object_get(coco, "images"), 0);
	ann = json_array_get(json_object_get(coco, "annotations"), 0);
	w = (int)json_integer_value(json_object_get(img, "width"));
	h = (int)json_integer_value(json_object_get(img, "height"));
	/* 144 dpi: about 2 pixels a point of the page. */
	assert_true(fabs(w - 2 * pw) <= 2 && fabs(h - 2 * ph) <= 2);
	bb = json_object_get(ann, "bbox");
	assert_true(fabs(json_number_value(json_array_get(bb, 0)) - 100.0 * w / pw) < 0.01);
	assert_true(fabs(json_number_value(json_array_get(bb, 1)) - 100.0 * h / ph) < 0.01);
	assert_true(fabs(json_number_value(json_array_get(bb, 2)) - 100.0 * w / pw) < 0.01);
	assert_true(fabs(json_number_value(json_array_get(bb, 3)) - 50.0 * h / ph) < 0.01);
	/* The PNG is what the record says, and the e-mail address is black. */
	ctx = fz_new_context(NULL, NULL, FZ_STORE_DEFAULT);
	snprintf(path, sizeof(path), "%s/images/00000001-p0001.png", out);
	im = fz_new_image_from_file(ctx, path);
	pix = fz_get_pixmap_from_image(ctx, im, NULL, NULL, NULL, NULL);
	assert_int_equal(pix->w, w);
	assert_int_equal(pix->h, h);
	assert_true(pii_box(f, pii)); /* OCR read the address, clean redacted it */
	{
		int x = (int)((pii[0] + pii[2]) / 2 * w / pw),
		    y = (int)((pii[1] + pii[3]) / 2 * h / ph);
		const unsigned char *px =
		    pix->samples + (size_t)y * (size_t)pix->stride + (size_t)x * (size_t)pix->n;
		assert_int_equal(px[0] | px[1] | px[2], 0);
	}
	fz_drop_pixmap(ctx, pix);
	fz_drop_image(ctx, im);
	fz_drop_context(ctx);
	json_decref(coco);
	/* yolo draws the same page. */
	o.format = "yolo";
	snprintf(out, sizeof(out), "%s/yolo", f->dir);
	if (enclave_export(f->p, out, &o, &s) < 0)
		fail_msg("yolo: %s", enclave_error_last());
	assert_true(manifest_lists(out, "images/00000001-p0001.png"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(coco_of_scan, setup_scan, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
