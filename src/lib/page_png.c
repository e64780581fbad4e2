/* A page as PNG, rendered by MuPDF (page_png_int.h). */
#include <mupdf/fitz.h>
#include <stdlib.h>
#include <string.h>

#include "common_int.h"
#include "page_png_int.h"

int page_png_renders(const char *media)
{
	static const char *const types[] = { "application/pdf",
		                             "image/png",
		                             "image/jpeg",
		                             "image/tiff",
		                             "image/bmp",
		                             "image/gif",
		                             "image/x-portable-anymap",
		                             "image/jp2",
		                             "image/jpx",
		                             "image/jbig2",
		                             NULL };

	for (size_t i = 0; media && types[i]; i++)
		if (!strcmp(media, types[i]))
			return 1;
	return 0;
}

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

int page_png_render(struct page_png *out, const unsigned char *data, size_t size, const char *media,
                    int n, int dpi, double page_w, double page_h, const double *boxes,
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
		if (media) {
			float scale = (float)dpi / 72.0f;
			fz_rect r;
			fz_page *page;
			fz_register_document_handlers(ctx);
			stm = fz_open_memory(ctx, data, size);
			doc = fz_open_document_with_stream(ctx, media, stm);
			if (n < 1 || n > fz_count_pages(ctx, doc))
				fz_throw(ctx, FZ_ERROR_GENERIC, "no such page");
			page = fz_load_page(ctx, doc, n - 1);
			fz_try(ctx) r = fz_bound_page(ctx, page);
			fz_always(ctx) fz_drop_page(ctx, page);
			fz_catch(ctx) fz_rethrow(ctx);
			if ((double)(r.x1 - r.x0) * scale * (double)(r.y1 - r.y0) * scale >
			    ENCLAVE_MAX_PIXELS)
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
