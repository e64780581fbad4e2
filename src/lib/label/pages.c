/*
 * Page images for the label server: a PDF page rendered with MuPDF (its own
 * fz_context per call, as the ingest does, since contexts are not shared
 * across threads), or the page image stored at ingest (scans).
 */
#include <mupdf/fitz.h>
#include <string.h>

#include "label_int.h"

#define MIN_DPI 18
#define MAX_DPI 600

/* MuPDF's messages go nowhere: the caller gets our error. */
static void quiet(void *user, const char *message)
{
	(void)user;
	(void)message;
}

/* A raster image type MuPDF opens as a document of pages (a scan); not SVG. */
static int is_raster(const char *media)
{
	static const char *const types[] = { "image/png", "image/jpeg", "image/tiff",
		                             "image/bmp", "image/gif",  "image/x-portable-anymap",
		                             "image/jp2", "image/jpx",  "image/jbig2",
		                             NULL };

	for (size_t i = 0; types[i]; i++)
		if (!strcmp(media, types[i]))
			return 1;
	return 0;
}

/*
 * Render page `n` of the PDF or image (`media`: its media type, which
 * MuPDF's handlers are chosen by) in data[0, len) at `dpi` as PNG into *out
 * (malloc'd). Images are decoded and re-encoded, never served as they came.
 */
static int render_page(unsigned char **out, size_t *len, const unsigned char *data, size_t size,
                       const char *media, int n, int dpi)
{
	fz_context *ctx = fz_new_context(NULL, NULL, FZ_STORE_DEFAULT);
	fz_stream *stm = NULL;
	fz_document *doc = NULL;
	fz_pixmap *pix = NULL;
	fz_buffer *png = NULL;
	int error = 0;

	if (!ctx)
		return error_set(ENCLAVE_ENOMEM, "page image: cannot start the renderer");
	fz_set_error_callback(ctx, quiet, NULL);
	fz_set_warning_callback(ctx, quiet, NULL);
	fz_var(stm);
	fz_var(doc);
	fz_var(pix);
	fz_var(png);
	fz_try(ctx)
	{
		fz_rect r;
		float scale = (float)dpi / 72.0f;
		fz_register_document_handlers(ctx);
		stm = fz_open_memory(ctx, data, size);
		doc = fz_open_document_with_stream(ctx, media, stm);
		if (n < 1 || n > fz_count_pages(ctx, doc))
			fz_throw(ctx, FZ_ERROR_GENERIC, "no such page");
		{
			fz_page *page = fz_load_page(ctx, doc, n - 1);
			fz_try(ctx) r = fz_bound_page(ctx, page);
			fz_always(ctx) fz_drop_page(ctx, page);
			fz_catch(ctx) fz_rethrow(ctx);
		}
		if ((double)(r.x1 - r.x0) * scale * (double)(r.y1 - r.y0) * scale >
		    ENCLAVE_MAX_PIXELS)
			fz_throw(ctx, FZ_ERROR_GENERIC, "page too large to render");
		pix = fz_new_pixmap_from_page_number(ctx, doc, n - 1, fz_scale(scale, scale),
		                                     fz_device_rgb(ctx), 0);
		png = fz_new_buffer_from_pixmap_as_png(ctx, pix, fz_default_color_params);
		{
			unsigned char *bytes;
			size_t blen = fz_buffer_storage(ctx, png, &bytes);
			if (!(*out = malloc(blen ? blen : 1)))
				fz_throw(ctx, FZ_ERROR_GENERIC, "out of memory");
			memcpy(*out, bytes, blen);
			*len = blen;
		}
	}
	fz_always(ctx)
	{
		fz_drop_buffer(ctx, png);
		fz_drop_pixmap(ctx, pix);
		fz_drop_document(ctx, doc);
		fz_drop_stream(ctx, stm);
	}
	fz_catch(ctx) error = error_set(ENCLAVE_EINVALID, "page image: cannot render page %d: %s",
	                                n, fz_caught_message(ctx));
	fz_drop_context(ctx);
	return error;
}

int enclave_label_page_image(unsigned char **out, size_t *len, enclave_project *p, int64_t id,
                             int n, int dpi)
{
	struct buf data = BUF_INIT(ENCLAVE_MAX_FILE_BYTES);
	char image[65], sha[65], media[64];
	int error;

	*out = NULL;
	*len = 0;
	if (dpi < MIN_DPI || dpi > MAX_DPI)
		return error_set(ENCLAVE_EINVALID, "dpi is %d to %d", MIN_DPI, MAX_DPI);
	if ((error = store_page_source(p->db, id, n, image, sha, media)) < 0)
		return error;
	if (*image) {
		/* The stored image of a scan: served as it is. */
		if ((error = blob_get(&data, p, image)) < 0)
			goto done;
		*out = (unsigned char *)buf_detach(&data, len);
		return *out ? 0 : error_oom();
	}
	if (!*sha || (strcmp(media, "application/pdf") && !is_raster(media))) {
		error = error_set(ENCLAVE_ENOTFOUND, "document %lld has no image of page %d",
		                  (long long)id, n);
		goto done;
	}
	if ((error = blob_get(&data, p, sha)) < 0)
		goto done;
	error = render_page(out, len, (const unsigned char *)data.ptr, data.len, media, n, dpi);
done:
	buf_release(&data);
	return error;
}
