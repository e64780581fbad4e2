/*
 * mkpdf: write a test PDF with MuPDF, for the test scripts.
 *
 *   mkpdf KIND OUT.pdf [ARGS...]
 *
 *   mkpdf simple OUT.pdf TEXT           one page of 12 pt text; a newline in
 *                                       TEXT starts a new paragraph
 *   mkpdf report OUT.pdf                two pages: title, headings,
 *                                       subheading, paragraphs, bullets,
 *                                       a bold body-size heading
 *   mkpdf columns OUT.pdf               title, two columns (read left then
 *                                       right), a closing full-width paragraph
 *   mkpdf encrypted OUT.pdf PASSWORD [TEXT]
 *                                       AES-256, user password PASSWORD,
 *                                       owner password PASSWORD-owner
 *   mkpdf pages OUT.pdf N               N pages of three numbered paragraphs
 *   mkpdf blank OUT.pdf [N]             N pages (default 1) without text
 *   mkpdf hyphen OUT.pdf                line-end hyphens to join and to keep
 *   mkpdf huge OUT.pdf                  one 20000 x 20000 pt page
 *
 * The exact content of each kind is described in mkpdf_lib.h. Exit status 0
 * on success, 1 on failure (with a message on stderr), 2 on bad usage.
 */
#include "mkpdf_lib.h"

static void usage(void)
{
	fputs("usage: mkpdf KIND OUT.pdf [ARGS...]\n"
	      "kinds: simple TEXT | report | columns | encrypted PASSWORD [TEXT] | pages N |\n"
	      "       blank [N] | hyphen | huge\n",
	      stderr);
}

int main(int argc, char **argv)
{
	char err[512];

	if (argc < 3) {
		usage();
		return 2;
	}
	if (mkpdf_file(argv[2], argv[1], argc - 3, (const char *const *)argv + 3, err,
	               sizeof(err)) < 0) {
		fprintf(stderr, "mkpdf: %s\n", err);
		return strstr(err, "unknown kind") || strstr(err, " takes ") ? 2 : 1;
	}
	return 0;
}
