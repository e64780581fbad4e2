/*
 * Scanned test PDFs (for tests/tools/mkscan.c): "scanned" test PDFs with MuPDF, whose pages are images of
 * text (the text set by mkpdf_lib.h in 12 pt Helvetica, rendered in grey at
 * 200 dpi and cropped to the text plus a margin; the page is the size of
 * the crop), for the OCR of PDF pages.
 *
 *   mkscan image OUT.pdf TEXT          one page holding only the image of TEXT
 *   mkscan mixed OUT.pdf TEXT1 TEXT2   page 1: TEXT1 as a text layer (one line
 *                                      a paragraph); page 2: the image of TEXT2
 *   mkscan garbage OUT.pdf TEXT        the image of TEXT under an invisible
 *                                      text layer (render mode 3) whose
 *                                      ToUnicode map sends every character
 *                                      to the private use area
 *   mkscan rotated OUT.pdf TEXT        /Rotate 90, the image turned so that
 *                                      the page displays upright
 *   mkscan sideways OUT.pdf TEXT       the image turned 90 degrees clockwise
 *   mkscan upsidedown OUT.pdf TEXT     the image turned 180 degrees (upright
 *                                      only after OSD)
 *   mkscan pages OUT.pdf N TEXT        N pages, each the image of "Page <i>. TEXT"
 *   mkscan images OUT.pdf IMG...       one page per image file (PNG, JPEG,
 *                                      ...), sized by its resolution
 *                                      (300 dpi when it states none)
 *
 * A newline in TEXT starts a new paragraph. Header only (every function
 * static), shared by the mkscan tool and the unit tests (test_pdf_ocr.c);
 * mkscan_build() writes the pages, mkscan_pdf() a whole PDF into memory.
 */
#ifndef MKSCAN_LIB_H
#define MKSCAN_LIB_H

#include "mkpdf_lib.h"

#define SCAN_DPI 200

/* An 8-bit grey pixmap of w x h (stride w) in malloc'd memory. */
struct grey {
	int w, h;
	unsigned char *px;
};

/* `text` set by mkpdf_lib.h, rendered at SCAN_DPI and cropped. Throws. */
static struct grey text_image(fz_context *ctx, const char *text)
{
	const char *args[1] = { text };
	unsigned char *pdf;
	size_t len;
	char err[256];
	fz_stream *stm = NULL;
	fz_document *doc = NULL;
	fz_pixmap *pm = NULL;
	struct grey g = { 0, 0, NULL };
	int x, y, x0, y0, x1, y1, m = SCAN_DPI / 8;

	if (mkpdf_build(&pdf, &len, "simple", 1, args, err, sizeof(err)) < 0)
		fz_throw(ctx, FZ_ERROR_GENERIC, "mkpdf: %s", err);
	fz_var(stm), fz_var(doc), fz_var(pm);
	fz_try(ctx)
	{
		stm = fz_open_memory(ctx, pdf, len);
		doc = fz_open_document_with_stream(ctx, "application/pdf", stm);
		pm = fz_new_pixmap_from_page_number(ctx, doc, 0,
		                                    fz_scale(SCAN_DPI / 72.0f, SCAN_DPI / 72.0f),
		                                    fz_device_gray(ctx), 0);
		x0 = pm->w, y0 = pm->h, x1 = y1 = -1;
		for (y = 0; y < pm->h; y++)
			for (x = 0; x < pm->w; x++)
				if (pm->samples[(size_t)y * pm->stride + (size_t)x] < 128) {
					x0 = x < x0 ? x : x0, x1 = x > x1 ? x : x1;
					y0 = y < y0 ? y : y0, y1 = y > y1 ? y : y1;
				}
		if (x1 < 0)
			fz_throw(ctx, FZ_ERROR_GENERIC, "no text to scan");
		x0 = x0 - m < 0 ? 0 : x0 - m, y0 = y0 - m < 0 ? 0 : y0 - m;
		x1 = x1 + m >= pm->w ? pm->w - 1 : x1 + m,
		y1 = y1 + m >= pm->h ? pm->h - 1 : y1 + m;
		g.w = x1 - x0 + 1, g.h = y1 - y0 + 1;
		if (!(g.px = malloc((size_t)g.w * (size_t)g.h)))
			fz_throw(ctx, FZ_ERROR_MEMORY, "out of memory");
		for (y = 0; y < g.h; y++)
			memcpy(g.px + (size_t)y * (size_t)g.w,
			       pm->samples + (size_t)(y + y0) * pm->stride + (size_t)x0,
			       (size_t)g.w);
	}
	fz_always(ctx)
	{
		fz_drop_pixmap(ctx, pm);
		fz_drop_document(ctx, doc);
		fz_drop_stream(ctx, stm);
		free(pdf);
	}
	fz_catch(ctx) fz_rethrow(ctx);
	return g;
}

/* `g` turned a quarter clockwise (cw) or counter-clockwise; g's pixels are freed. */
static struct grey turn(fz_context *ctx, struct grey g, int cw)
{
	struct grey t = { g.h, g.w, malloc((size_t)g.w * (size_t)g.h) };
	int x, y;

	if (!t.px)
		fz_throw(ctx, FZ_ERROR_MEMORY, "out of memory");
	for (y = 0; y < g.h; y++)
		for (x = 0; x < g.w; x++) {
			/* cw: (x, y) -> (h-1-y, x); ccw: (x, y) -> (y, w-1-x) */
			size_t at = cw ? (size_t)x * (size_t)t.w + (size_t)(g.h - 1 - y)
			               : (size_t)(g.w - 1 - x) * (size_t)t.w + (size_t)y;
			t.px[at] = g.px[(size_t)y * (size_t)g.w + (size_t)x];
		}
	free(g.px);
	return t;
}

/* An fz_image of `g` (copied). Throws. */
static fz_image *grey_image(fz_context *ctx, struct grey g)
{
	fz_pixmap *pm = fz_new_pixmap(ctx, fz_device_gray(ctx), g.w, g.h, NULL, 0);
	fz_image *img = NULL;
	int y;

	for (y = 0; y < g.h; y++)
		memcpy(pm->samples + (size_t)y * pm->stride, g.px + (size_t)y * (size_t)g.w,
		       (size_t)g.w);
	fz_set_pixmap_resolution(ctx, pm, SCAN_DPI, SCAN_DPI);
	fz_try(ctx) img = fz_new_image_from_pixmap(ctx, pm, NULL);
	fz_always(ctx) fz_drop_pixmap(ctx, pm);
	fz_catch(ctx) fz_rethrow(ctx);
	return img;
}

/*
 * Append a page of w x h points (rotated `rotate` degrees) drawing `img`
 * over all of it, then `extra` content (may be NULL) with `font` as /F1
 * (may be NULL). Throws.
 */
static void image_page(fz_context *ctx, pdf_document *doc, fz_image *img, float w, float h,
                       int rotate, const char *extra, pdf_obj *font)
{
	pdf_obj *res = NULL, *page = NULL, *ref = NULL;
	fz_buffer *content = NULL;

	fz_var(res), fz_var(page), fz_var(ref), fz_var(content);
	fz_try(ctx)
	{
		ref = pdf_add_image(ctx, doc, img);
		res = pdf_new_dict(ctx, doc, 2);
		pdf_dict_putp_drop(ctx, res, "XObject/Im0", pdf_keep_obj(ctx, ref));
		if (font)
			pdf_dict_putp_drop(ctx, res, "Font/F1", pdf_keep_obj(ctx, font));
		content = fz_new_buffer(ctx, 256);
		fz_append_printf(ctx, content, "q %g 0 0 %g 0 0 cm /Im0 Do Q\n", w, h);
		if (extra)
			fz_append_string(ctx, content, extra);
		page = pdf_add_page(ctx, doc, fz_make_rect(0, 0, w, h), rotate, res, content);
		pdf_insert_page(ctx, doc, -1, page);
	}
	fz_always(ctx)
	{
		pdf_drop_obj(ctx, page);
		pdf_drop_obj(ctx, res);
		pdf_drop_obj(ctx, ref);
		fz_drop_buffer(ctx, content);
	}
	fz_catch(ctx) fz_rethrow(ctx);
}

/*
 * A page of the image of `text`, turned by `quads` (0; 1: clockwise; 2:
 * half a turn; 3: counter-clockwise) and /Rotate.
 */
static void scan_page(fz_context *ctx, pdf_document *doc, const char *text, int quads, int rotate,
                      const char *extra, pdf_obj *font)
{
	struct grey g = text_image(ctx, text);
	fz_image *img = NULL;

	fz_var(img), fz_var(g);
	fz_try(ctx)
	{
		if (quads == 2)
			g = turn(ctx, turn(ctx, g, 1), 1);
		else if (quads)
			g = turn(ctx, g, quads == 1);
		img = grey_image(ctx, g);
		image_page(ctx, doc, img, g.w * 72.0f / SCAN_DPI, g.h * 72.0f / SCAN_DPI, rotate,
		           extra, font);
	}
	fz_always(ctx)
	{
		fz_drop_image(ctx, img);
		free(g.px);
	}
	fz_catch(ctx) fz_rethrow(ctx);
}

/* A ToUnicode map sending the printable ASCII codes to U+E020..U+E07E. */
static const char garbage_cmap[] = "/CIDInit /ProcSet findresource begin\n"
                                   "12 dict begin\nbegincmap\n/CMapName /Garbage def\n"
                                   "1 begincodespacerange\n<00> <FF>\nendcodespacerange\n"
                                   "1 beginbfrange\n<20> <7E> <E020>\nendbfrange\n"
                                   "endcmap\nCMapName currentdict /CMap defineresource pop\n"
                                   "end\nend\n";

/* Helvetica as /F1, with a ToUnicode map to the private use area when `garbage`. */
static pdf_obj *helvetica(fz_context *ctx, pdf_document *doc, int garbage)
{
	pdf_obj *font = pdf_new_dict(ctx, doc, 5), *ref;
	fz_buffer *cmap = NULL;

	pdf_dict_put(ctx, font, PDF_NAME(Type), PDF_NAME(Font));
	pdf_dict_put(ctx, font, PDF_NAME(Subtype), PDF_NAME(Type1));
	pdf_dict_put_name(ctx, font, PDF_NAME(BaseFont), "Helvetica");
	pdf_dict_put(ctx, font, PDF_NAME(Encoding), PDF_NAME(WinAnsiEncoding));
	if (garbage) {
		fz_var(cmap);
		fz_try(ctx)
		{
			cmap = fz_new_buffer_from_shared_data(
			    ctx, (const unsigned char *)garbage_cmap, strlen(garbage_cmap));
			ref = pdf_add_stream(ctx, doc, cmap, NULL, 0);
			pdf_dict_put_drop(ctx, font, PDF_NAME(ToUnicode), ref);
		}
		fz_always(ctx) fz_drop_buffer(ctx, cmap);
		fz_catch(ctx)
		{
			pdf_drop_obj(ctx, font);
			fz_rethrow(ctx);
		}
	}
	ref = pdf_add_object(ctx, doc, font);
	pdf_drop_obj(ctx, font);
	return ref;
}

/* Text operators showing the paragraphs of `text` from (x, y) down, with render mode `mode`. */
static char *text_ops(fz_context *ctx, const char *text, float x, float y, int mode)
{
	fz_buffer *b = fz_new_buffer(ctx, 256);
	const char *p;
	unsigned char *data;
	char *out;
	size_t n;

	fz_append_printf(ctx, b, "BT %d Tr /F1 12 Tf 14 TL %g %g Td (", mode, x, y);
	for (p = text; *p; p++) {
		if (*p == '\n')
			fz_append_string(ctx, b, ") Tj T* (");
		else if (*p == '(' || *p == ')' || *p == '\\')
			fz_append_printf(ctx, b, "\\%c", *p);
		else
			fz_append_byte(ctx, b, *p);
	}
	fz_append_string(ctx, b, ") Tj ET\n");
	n = fz_buffer_storage(ctx, b, &data);
	out = malloc(n + 1);
	if (out) {
		memcpy(out, data, n);
		out[n] = 0;
	}
	fz_drop_buffer(ctx, b);
	if (!out)
		fz_throw(ctx, FZ_ERROR_MEMORY, "out of memory");
	return out;
}

/* A page for each image file. */
static void image_files(fz_context *ctx, pdf_document *doc, int n, char **paths)
{
	int i;

	for (i = 0; i < n; i++) {
		fz_image *img = fz_new_image_from_file(ctx, paths[i]);
		int xres = 0, yres = 0;

		fz_try(ctx)
		{
			fz_image_resolution(img, &xres, &yres);
			if (xres < 70 || xres == 96)
				xres = yres = 300; /* MuPDF says 96 when the file says nothing */
			image_page(ctx, doc, img, img->w * 72.0f / xres, img->h * 72.0f / yres, 0,
			           NULL, NULL);
		}
		fz_always(ctx) fz_drop_image(ctx, img);
		fz_catch(ctx) fz_rethrow(ctx);
	}
}

/* Write the pages of `kind` with its `argc` arguments into `doc`. Throws. */
static __attribute__((unused)) void mkscan_build(fz_context *ctx, pdf_document *doc,
                                                 const char *kind, int argc, char **argv)
{
	pdf_obj *font = NULL;
	char *ops = NULL;
	int i, n;

	fz_var(font), fz_var(ops);
	fz_try(ctx)
	{
		if (!strcmp(kind, "image") && argc == 1) {
			scan_page(ctx, doc, argv[0], 0, 0, NULL, NULL);
		} else if (!strcmp(kind, "mixed") && argc == 2) {
			fz_buffer *c;
			pdf_obj *res, *page;

			font = helvetica(ctx, doc, 0);
			ops = text_ops(ctx, argv[0], 72, 720, 0);
			res = pdf_new_dict(ctx, doc, 1);
			pdf_dict_putp_drop(ctx, res, "Font/F1", pdf_keep_obj(ctx, font));
			c = fz_new_buffer_from_copied_data(ctx, (unsigned char *)ops, strlen(ops));
			page = pdf_add_page(ctx, doc, fz_make_rect(0, 0, 612, 792), 0, res, c);
			pdf_insert_page(ctx, doc, -1, page);
			pdf_drop_obj(ctx, page);
			pdf_drop_obj(ctx, res);
			fz_drop_buffer(ctx, c);
			scan_page(ctx, doc, argv[1], 0, 0, NULL, NULL);
		} else if (!strcmp(kind, "garbage") && argc == 1) {
			font = helvetica(ctx, doc, 1);
			ops = text_ops(ctx, argv[0], 10, 20, 3);
			scan_page(ctx, doc, argv[0], 0, 0, ops, font);
		} else if (!strcmp(kind, "rotated") && argc == 1) {
			scan_page(ctx, doc, argv[0], 3, 90, NULL, NULL);
		} else if (!strcmp(kind, "sideways") && argc == 1) {
			scan_page(ctx, doc, argv[0], 1, 0, NULL, NULL);
		} else if (!strcmp(kind, "upsidedown") && argc == 1) {
			scan_page(ctx, doc, argv[0], 2, 0, NULL, NULL);
		} else if (!strcmp(kind, "pages") && argc == 2 && (n = atoi(argv[0])) > 0) {
			for (i = 1; i <= n; i++) {
				size_t tn = strlen(argv[1]) + 32;
				char *t = malloc(tn);

				if (!t)
					fz_throw(ctx, FZ_ERROR_MEMORY, "out of memory");
				snprintf(t, tn, "Page %d. %s", i, argv[1]);
				fz_try(ctx) scan_page(ctx, doc, t, 0, 0, NULL, NULL);
				fz_always(ctx) free(t);
				fz_catch(ctx) fz_rethrow(ctx);
			}
		} else if (!strcmp(kind, "images") && argc >= 1) {
			image_files(ctx, doc, argc, argv);
		} else {
			fz_throw(ctx, FZ_ERROR_GENERIC, "unknown kind or wrong arguments: '%s'",
			         kind);
		}
	}
	fz_always(ctx)
	{
		pdf_drop_obj(ctx, font);
		free(ops);
	}
	fz_catch(ctx) fz_rethrow(ctx);
}

/*
 * The PDF of `kind` with its `argc` arguments in a new malloc'd buffer
 * (*out, *len). Returns 0, or -1 with the reason in err.
 */
static __attribute__((unused)) int mkscan_pdf(unsigned char **out, size_t *len, const char *kind,
                                              int argc, char **argv, char *err, size_t errlen)
{
	fz_context *ctx;
	pdf_document *doc = NULL;
	fz_buffer *buf = NULL;
	fz_output *output = NULL;
	pdf_write_options wopts = pdf_default_write_options;
	unsigned char *data;
	int rc = -1;

	*out = NULL, *len = 0;
	if (!(ctx = fz_new_context(NULL, NULL, FZ_STORE_DEFAULT))) {
		snprintf(err, errlen, "cannot create a MuPDF context");
		return -1;
	}
	fz_set_warning_callback(ctx, mk_quiet, NULL);
	fz_set_error_callback(ctx, mk_quiet, NULL);
	fz_var(doc), fz_var(buf), fz_var(output), fz_var(rc);
	fz_try(ctx)
	{
		fz_register_document_handlers(ctx);
		doc = pdf_create_document(ctx);
		mkscan_build(ctx, doc, kind, argc, argv);
		wopts.do_compress = 1;
		buf = fz_new_buffer(ctx, 8192);
		output = fz_new_output_with_buffer(ctx, buf);
		pdf_write_document(ctx, doc, output, &wopts);
		fz_close_output(ctx, output);
		*len = fz_buffer_storage(ctx, buf, &data);
		if (!(*out = malloc(*len ? *len : 1)))
			fz_throw(ctx, FZ_ERROR_MEMORY, "out of memory");
		memcpy(*out, data, *len);
		rc = 0;
	}
	fz_always(ctx)
	{
		fz_drop_output(ctx, output);
		fz_drop_buffer(ctx, buf);
		pdf_drop_document(ctx, doc);
	}
	fz_catch(ctx) snprintf(err, errlen, "%s", fz_caught_message(ctx));
	fz_drop_context(ctx);
	return rc;
}

#endif
