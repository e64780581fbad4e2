/*
 * Page images for the coco and yolo writers: page `n` of a document as PNG,
 * decoded from the page image stored at ingest (a scan inside a PDF, kept
 * at its own resolution), or else rendered by MuPDF from the source at a
 * fixed dpi when it is a PDF or a scan MuPDF reads (an ingested PNG, JPEG,
 * TIFF...: the label server's rule, page_png_renders), with
 * the page boxes of the document's redacted PII spans filled black before
 * the PNG is encoded, so a page image ships no more than the redacted text.
 * The rendering is page_png_render (../page_png.c). The caller learns the
 * image's size in pixels and the scale from page points to pixels, to
 * convert annotation boxes.
 */
#include <string.h>

#include "export_int.h"
#include "../page_png_int.h"

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
	int error, from_source;

	memset(out, 0, sizeof(*out));
	if ((error = store_page_source(ctx->project->db, d->info->id, page, image, sha, media)) < 0)
		return error;
	from_source = !*image;
	if (from_source && (!*sha || !page_png_renders(media)))
		return ENCLAVE_ENOTFOUND; /* no image of this page: not exported */
	if ((error = blob_get(&data, ctx->project, from_source ? sha : image)) < 0)
		goto done;
	if (d->redacted && (error = pii_boxes(&boxes, &nboxes, ctx, d->info->id, page)) < 0)
		goto done;
	{
		struct page_png pp;
		error = page_png_render(&pp, (const unsigned char *)data.ptr, data.len,
		                        from_source ? media : NULL, page,
		                        ctx->opts->dpi ? (int)ctx->opts->dpi : 100, page_w, page_h,
		                        boxes, nboxes);
		if (error == 0) {
			out->png = pp.png;
			out->len = pp.len;
			out->width = pp.width;
			out->height = pp.height;
			out->sx = pp.sx;
			out->sy = pp.sy;
		}
	}
	out->blacked = nboxes;
done:
	free(boxes);
	buf_release(&data);
	return error;
}
