/*
 * mkpng: render page 1 of a PDF to a PNG with MuPDF, for OCR fixtures.
 * Usage: mkpng IN.pdf OUT.png [DPI]   (default 300 dpi)
 */
#include <stdio.h>
#include <stdlib.h>

#include <mupdf/fitz.h>

int main(int argc, char **argv)
{
	fz_context *ctx;
	fz_document *doc = NULL;
	fz_pixmap *pix = NULL;
	float dpi = argc > 3 ? (float)atof(argv[3]) : 300.0f;
	int rc = 0;

	if (argc < 3 || dpi < 10 || dpi > 1200) {
		fprintf(stderr, "usage: mkpng IN.pdf OUT.png [DPI]\n");
		return 2;
	}
	if (!(ctx = fz_new_context(NULL, NULL, FZ_STORE_DEFAULT)))
		return 1;
	fz_var(doc);
	fz_var(pix);
	fz_try(ctx)
	{
		fz_register_document_handlers(ctx);
		doc = fz_open_document(ctx, argv[1]);
		pix = fz_new_pixmap_from_page_number(ctx, doc, 0, fz_scale(dpi / 72, dpi / 72),
		                                     fz_device_rgb(ctx), 0);
		fz_set_pixmap_resolution(ctx, pix, (int)dpi, (int)dpi);
		fz_save_pixmap_as_png(ctx, pix, argv[2]);
	}
	fz_always(ctx)
	{
		fz_drop_pixmap(ctx, pix);
		fz_drop_document(ctx, doc);
	}
	fz_catch(ctx)
	{
		fprintf(stderr, "mkpng: %s\n", fz_caught_message(ctx));
		rc = 1;
	}
	fz_drop_context(ctx);
	return rc;
}
