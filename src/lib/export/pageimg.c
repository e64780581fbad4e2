/*
 * Page images for the coco and yolo writers: page `n` of a document as PNG,
 * rendered by MuPDF from the source PDF at a fixed dpi, or decoded from the
 * page image stored at ingest (a scan, kept at its own resolution), with
 * the page boxes of the document's redacted PII spans filled black before
 * the PNG is encoded, so a page image ships no more than the redacted text.
 * Each call has its own fz_context (MuPDF contexts are not shared across
 * threads). The caller learns the image's size in pixels and the scale
 * from page points to pixels, to convert annotation boxes.
 */
#include <mupdf/fitz.h>
#include <string.h>

#include "export_int.h"

/* MuPDF's messages go nowhere: the caller gets our error. */
static void quiet(void *user, const char *message)
{
	(void)user;
	(void)message;
}

/* Fill the boxes (points, top-left origin) black in `pix`, `sx`, `sy` pixels a point. */
static void black_out(fz_pixmap *pix, const double *boxes, size_t n, double sx, double sy)
{
	int w = pix->w, h = pix->h, comps = pix->n;
	size_t i;

	for (i = 0; i < n; i++) {
		int x0 = (int)(boxes[4 * i] * sx), y0 = (int)(boxes[4 * i + 1] * sy);
		int x1 = (int)(boxes[4 * i + 2] * sx + 0.999),
		    y1 = (int)(boxes[4 * i + 3] * sy + 0.999);
		int y;
		x0 = x0 < 0 ? 0 : x0;
		y0 = y0 < 0 ? 0 : y0;
		x1 = x1 > w ? w : x1;
		y1 = y1 > h ? h : y1;
		for (y = y0; y < y1 && x0 < x1; y++)
			memset(pix->samples + (size_t)y * (size_t)pix->stride +
			           (size_t)x0 * (size_t)comps,
			       0, (size_t)(x1 - x0) * (size_t)comps);
	}
}

int export_page_png(struct export_page_image *out, const unsigned char *data, size_t size,
                    int is_pdf, int n, double page_w, double page_h, int dpi, const double *boxes,
                    size_t nboxes)
{
	fz_context *ctx = fz_new_context(NULL, NULL, FZ_STORE_DEFAULT);
	fz_stream *stm = NULL;
	fz_document *doc = NULL;
	fz_buffer *buf = NULL, *png = NULL;
	fz_image *img = NULL;
	fz_pixmap *pix = NULL, *rgb = NULL;
	int error = 0;

	memset(out, 0, sizeof(*out));
	if (!ctx)
		return error_set(ENCLAVE_ENOMEM, "cannot start the renderer");
	fz_set_error_callback(ctx, quiet, NULL);
	fz_set_warning_callback(ctx, quiet, NULL);
	fz_var(stm);
	fz_var(doc);
	fz_var(buf);
	fz_var(png);
	fz_var(img);
	fz_var(pix);
	fz_var(rgb);
	fz_try(ctx)
	{
		if (is_pdf) {
			float scale = (float)dpi / 72.0f;
			fz_register_document_handlers(ctx);
			stm = fz_open_memory(ctx, data, size);
			doc = fz_open_document_with_stream(ctx, "application/pdf", stm);
			if (n < 1 || n > fz_count_pages(ctx, doc))
				fz_throw(ctx, FZ_ERROR_GENERIC, "no such page");
			if (page_w * scale * page_h * scale > ENCLAVE_MAX_PIXELS)
				fz_throw(ctx, FZ_ERROR_GENERIC, "page too large to render");
			pix = fz_new_pixmap_from_page_number(
			    ctx, doc, n - 1, fz_scale(scale, scale), fz_device_rgb(ctx), 0);
		} else {
			buf = fz_new_buffer_from_copied_data(ctx, data, size);
			img = fz_new_image_from_buffer(ctx, buf);
			if ((double)img->w * (double)img->h > ENCLAVE_MAX_PIXELS)
				fz_throw(ctx, FZ_ERROR_GENERIC, "page image too large");
			pix = fz_get_pixmap_from_image(ctx, img, NULL, NULL, NULL, NULL);
			if (pix->alpha || fz_colorspace_n(ctx, pix->colorspace) != 3) {
				rgb = fz_convert_pixmap(ctx, pix, fz_device_rgb(ctx), NULL, NULL,
				                        fz_default_color_params, 0);
				fz_drop_pixmap(ctx, pix);
				pix = rgb;
				rgb = NULL;
			}
		}
		out->width = pix->w;
		out->height = pix->h;
		out->sx = page_w > 0 ? (double)pix->w / page_w : 1.0;
		out->sy = page_h > 0 ? (double)pix->h / page_h : 1.0;
		black_out(pix, boxes, nboxes, out->sx, out->sy);
		png = fz_new_buffer_from_pixmap_as_png(ctx, pix, fz_default_color_params);
		{
			unsigned char *bytes;
			size_t blen = fz_buffer_storage(ctx, png, &bytes);
			if (!(out->png = malloc(blen ? blen : 1)))
				fz_throw(ctx, FZ_ERROR_GENERIC, "out of memory");
			memcpy(out->png, bytes, blen);
			out->len = blen;
		}
	}
	fz_always(ctx)
	{
		fz_drop_buffer(ctx, png);
		fz_drop_buffer(ctx, buf);
		fz_drop_pixmap(ctx, pix);
		fz_drop_pixmap(ctx, rgb);
		fz_drop_image(ctx, img);
		fz_drop_document(ctx, doc);
		fz_drop_stream(ctx, stm);
	}
	fz_catch(ctx) error =
	    error_set(ENCLAVE_EINVALID, "cannot render page %d: %s", n, fz_caught_message(ctx));
	fz_drop_context(ctx);
	return error;
}

/* The page boxes of `doc`'s redacted spans on page `n`, as x0,y0,x1,y1 quads (malloc'd). */
static int pii_boxes(double **out, size_t *n, struct export_ctx *ctx, int64_t doc, int page)
{
	struct store_spans spans = { 0 };
	double *v = NULL;
	size_t i, k = 0, cap = 0;
	int error;

	*out = NULL;
	*n = 0;
	if ((error = store_spans_read(&spans, ctx->project->db, doc)) < 0)
		return error;
	for (i = 0; i < spans.n; i++) {
		json_t *boxes, *b;
		size_t j;
		if (spans.v[i].out_start < 0 || !spans.v[i].boxes)
			continue;
		boxes = json_loads(spans.v[i].boxes, 0, NULL);
		json_array_foreach(boxes, j, b)
		{
			const json_t *bb = json_object_get(b, "bbox");
			int q;
			if (json_integer_value(json_object_get(b, "page")) != page ||
			    json_array_size(bb) != 4)
				continue;
			if (k == cap) {
				double *nv;
				cap = cap ? 2 * cap : 8;
				if (!(nv = realloc(v, cap * 4 * sizeof(*nv)))) {
					json_decref(boxes);
					free(v);
					store_spans_release(&spans);
					return error_oom();
				}
				v = nv;
			}
			for (q = 0; q < 4; q++)
				v[4 * k + (size_t)q] =
				    json_number_value(json_array_get(bb, (size_t)q));
			k++;
		}
		json_decref(boxes);
	}
	store_spans_release(&spans);
	*out = v;
	*n = k;
	return 0;
}

int export_page_image(struct export_page_image *out, struct export_ctx *ctx,
                      const struct export_doc *d, int page, double page_w, double page_h)
{
	struct buf data = BUF_INIT(ENCLAVE_MAX_FILE_BYTES);
	char image[65], sha[65], media[64];
	double *boxes = NULL;
	size_t nboxes = 0;
	int error, is_pdf;

	memset(out, 0, sizeof(*out));
	if ((error = store_page_source(ctx->project->db, d->info->id, page, image, sha, media)) < 0)
		return error;
	is_pdf = !*image;
	if (is_pdf && (!*sha || strcmp(media, "application/pdf")))
		return ENCLAVE_ENOTFOUND; /* no image of this page: not exported */
	if ((error = blob_get(&data, ctx->project, is_pdf ? sha : image)) < 0)
		goto done;
	if (d->redacted && (error = pii_boxes(&boxes, &nboxes, ctx, d->info->id, page)) < 0)
		goto done;
	error =
	    export_page_png(out, (const unsigned char *)data.ptr, data.len, is_pdf, page, page_w,
	                    page_h, ctx->opts->dpi ? (int)ctx->opts->dpi : 100, boxes, nboxes);
	out->blacked = nboxes;
done:
	free(boxes);
	buf_release(&data);
	return error;
}
