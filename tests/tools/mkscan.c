/*
 * mkscan: write "scanned" test PDFs with MuPDF, for the OCR of PDF pages.
 *
 *   mkscan KIND OUT.pdf [ARGS...]
 *
 * The kinds (image, mixed, garbage, rotated, sideways, upsidedown, pages,
 * images) are
 * described in mkscan_lib.h.
 */
#include "mkscan_lib.h"

int main(int argc, char **argv)
{
	unsigned char *pdf;
	size_t len;
	char err[256];
	FILE *fp;

	if (argc < 3) {
		fprintf(stderr, "usage: mkscan KIND OUT.pdf ARGS... (see mkscan_lib.h)\n");
		return 2;
	}
	if (mkscan_pdf(&pdf, &len, argv[1], argc - 3, argv + 3, err, sizeof(err)) < 0) {
		fprintf(stderr, "mkscan: %s\n", err);
		return 1;
	}
	if (!(fp = fopen(argv[2], "wb")) || fwrite(pdf, 1, len, fp) != len || fclose(fp) != 0) {
		fprintf(stderr, "mkscan: cannot write '%s'\n", argv[2]);
		free(pdf);
		return 1;
	}
	free(pdf);
	return 0;
}
