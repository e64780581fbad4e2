/*
 * Test PDF fixtures written with MuPDF's PDF writing API, shared by the
 * mkpdf tool (tests/tools/mkpdf.c) and the PDF unit test
 * (tests/unit/test_pdf.c). Header only: every function is static.
 *
 * Pages are US Letter (612 x 792 pt) unless said otherwise, text is set in
 * the base-14 Helvetica and Helvetica-Bold (WinAnsi encoding, so Latin-1
 * text and the bullet survive), one BT/ET text object per paragraph,
 * content streams compressed. The kinds:
 *
 *   simple TEXT        one page (more if TEXT is long) of 12 pt paragraphs,
 *                      one per line of TEXT (a newline separates them)
 *   report             two pages: a 24 pt bold title, 16 pt bold headings,
 *                      a 13 pt bold subheading, 11 pt paragraphs, three
 *                      bullet items, an 11 pt bold line ("Summary");
 *                      Info: Author "Enclave Tests", no Title
 *   columns            one page: a 20 pt title across the page, two columns
 *                      of three 11 pt paragraphs written to the content
 *                      stream interleaved (L1 R1 L2 R2 L3 R3) with their
 *                      gaps aligned, then a closing paragraph across the
 *                      page; Info: Title "Two Column Layout"
 *   encrypted PW [TEXT] like simple, encrypted with AES-256, user password
 *                      PW, owner password PW followed by "-owner"
 *   pages N            N pages, each with three numbered 11 pt paragraphs
 *                      ("Page 3, paragraph 2. ...")
 *   blank [N]          N pages (default 1) holding a drawn box and no text
 *                      (one page object listed N times in the page tree)
 *   hyphen             one page whose lines end in "auto-" / "mated" (to
 *                      join), "well-" / "Known" (to keep) and an en dash
 *   huge               one 20000 x 20000 pt page with one line of text
 */
#ifndef MKPDF_LIB_H
#define MKPDF_LIB_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mupdf/fitz.h>
#include <mupdf/pdf.h>

#define MKPDF_FN static __attribute__((unused))

#define MK_PAGE_W 612.0f
#define MK_PAGE_H 792.0f
#define MK_MARGIN 72.0f

/* A document being written. */
struct mk {
	fz_context *ctx;
	pdf_document *pdf;
	pdf_obj *resources; /* shared by every page: /Font << /F1 regular /F2 bold >> */
	pdf_obj *pages;     /* borrowed: the page tree root */
	pdf_obj *kids;      /* borrowed: its Kids array */
	fz_font *font[2];   /* regular and bold, for measuring */
	int npages;
	fz_buffer *content;  /* the page being written; NULL between pages */
	float width, height; /* of the current page */
	float y;             /* flow position: top of the next paragraph, from the page top */
};

/* ------------------------------------------------------------------ */
/* Pages and text                                                     */
/* ------------------------------------------------------------------ */

/* Start a page of w x h points. Throws on MuPDF errors. */
static void mk_begin_page(struct mk *m, float w, float h)
{
	m->content = fz_new_buffer(m->ctx, 1024);
	m->width = w;
	m->height = h;
	m->y = MK_MARGIN;
}

/*
 * Finish the current page and append it to the page tree directly (not
 * through pdf_insert_page, which walks the tree on every call and makes a
 * 20000-page fixture slow). Throws on MuPDF errors.
 */
static void mk_end_page(struct mk *m)
{
	pdf_obj *page = NULL;

	fz_var(page);
	fz_try(m->ctx)
	{
		page = pdf_add_page(m->ctx, m->pdf, fz_make_rect(0, 0, m->width, m->height), 0,
		                    m->resources, m->content);
		pdf_dict_put(m->ctx, page, PDF_NAME(Parent), m->pages);
		pdf_array_push(m->ctx, m->kids, page);
		m->npages++;
		pdf_dict_put_int(m->ctx, m->pages, PDF_NAME(Count), m->npages);
	}
	fz_always(m->ctx)
	{
		pdf_drop_obj(m->ctx, page);
		fz_drop_buffer(m->ctx, m->content);
		m->content = NULL;
	}
	fz_catch(m->ctx) fz_rethrow(m->ctx);
}

/* The WinAnsi byte for code point `c`, '?' when it has none. */
static int mk_winansi(int c)
{
	int b = c < 128 ? c : fz_windows_1252_from_unicode(c);

	return b > 0 && b < 256 ? b : '?';
}

/* Width in points of the `n` bytes of UTF-8 at `s` in font `bold` at `size`. */
static float mk_measure(struct mk *m, int bold, float size, const char *s, size_t n)
{
	const char *end = s + n;
	float w = 0;
	int c;

	while (s < end) {
		s += fz_chartorune(&c, s);
		w += fz_advance_glyph(m->ctx, m->font[bold],
		                      fz_encode_character(m->ctx, m->font[bold], c), 0);
	}
	return w * size;
}

/* Append `n` bytes of UTF-8 at `s` to the content as a PDF string "(...)". */
static void mk_put_string(struct mk *m, const char *s, size_t n)
{
	const char *end = s + n;
	int c, b;

	fz_append_byte(m->ctx, m->content, '(');
	while (s < end) {
		s += fz_chartorune(&c, s);
		b = mk_winansi(c);
		if (b == '(' || b == ')' || b == '\\')
			fz_append_printf(m->ctx, m->content, "\\%c", b);
		else if (b < 32 || b > 126)
			fz_append_printf(m->ctx, m->content, "\\%c%c%c", '0' + (b >> 6),
			                 '0' + ((b >> 3) & 7), '0' + (b & 7));
		else
			fz_append_byte(m->ctx, m->content, b);
	}
	fz_append_byte(m->ctx, m->content, ')');
}

/*
 * Write `text` as one paragraph (one BT/ET object) at x, with its top at y
 * (from the page top), wrapped to `width` points; "\n" in the text forces a
 * line break. Lines are 1.25 x size apart. Returns the y below the last line.
 */
static float mk_para(struct mk *m, int bold, float size, float x, float y, float width,
                     const char *text)
{
	float leading = size * 1.25f, base = y + size;
	const char *p = text;
	int first = 1;

	fz_append_printf(m->ctx, m->content, "BT /F%d %g Tf %g TL %g %g Td\n", bold + 1, size,
	                 leading, x, m->height - base);
	while (*p) {
		const char *line = p, *brk = NULL, *q = p;

		/* Take words while they fit; at least one word per line. */
		while (*q && *q != '\n') {
			const char *w = q;
			while (*w == ' ')
				w++;
			while (*w && *w != ' ' && *w != '\n')
				w++;
			if (brk && mk_measure(m, bold, size, line, (size_t)(w - line)) > width)
				break;
			brk = q = w;
		}
		if (!brk)
			brk = q;
		if (!first)
			fz_append_string(m->ctx, m->content, "T* ");
		mk_put_string(m, line, (size_t)(brk - line));
		fz_append_string(m->ctx, m->content, " Tj\n");
		first = 0;
		base += leading;
		p = brk;
		while (*p == ' ')
			p++;
		if (*p == '\n')
			p++;
	}
	fz_append_string(m->ctx, m->content, "ET\n");
	return base - size;
}

/*
 * Write a paragraph in the page flow (left margin, full text width), then a
 * gap of `gap` points; starts a new Letter page first when the paragraph
 * would not fit above the bottom margin.
 */
static void mk_flow(struct mk *m, int bold, float size, const char *text, float gap)
{
	float width = m->width - 2 * MK_MARGIN;
	float need =
	    mk_measure(m, bold, size, text, strlen(text)) / width * size * 1.25f + size * 2.5f;

	if (m->y > MK_MARGIN && m->y + need > m->height - MK_MARGIN) {
		mk_end_page(m);
		mk_begin_page(m, MK_PAGE_W, MK_PAGE_H);
	}
	m->y = mk_para(m, bold, size, MK_MARGIN, m->y, width, text) + gap;
}

/* Set the Info dictionary's `key` to `value`. */
static void mk_info(struct mk *m, const char *key, const char *value)
{
	pdf_obj *trailer = pdf_trailer(m->ctx, m->pdf), *info;

	info = pdf_dict_get(m->ctx, trailer, PDF_NAME(Info));
	if (!info) {
		info = pdf_add_new_dict(m->ctx, m->pdf, 4);
		pdf_dict_put_drop(m->ctx, trailer, PDF_NAME(Info), info);
	}
	pdf_dict_puts_drop(m->ctx, info, key, pdf_new_text_string(m->ctx, value));
}

/* ------------------------------------------------------------------ */
/* The kinds                                                          */
/* ------------------------------------------------------------------ */

static const char mk_filler[] =
    "Records are collected from each site, checked against the schedule and "
    "stored with their provenance so that every later step can be traced back "
    "to the file it came from.";

/* mk_flow() of the `n` bytes at `s` as a 12 pt paragraph. */
static void mk_flow_n(struct mk *m, const char *s, size_t n)
{
	char *para = fz_malloc(m->ctx, n + 1);

	memcpy(para, s, n);
	para[n] = '\0';
	fz_try(m->ctx) mk_flow(m, 0, 12, para, 8);
	fz_always(m->ctx) fz_free(m->ctx, para);
	fz_catch(m->ctx) fz_rethrow(m->ctx);
}

/* Pages of `text`, one paragraph per line. */
static void mk_kind_simple(struct mk *m, const char *text)
{
	const char *p = text;

	mk_begin_page(m, MK_PAGE_W, MK_PAGE_H);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		if (n)
			mk_flow_n(m, p, n);
		p += n + (nl != NULL);
	}
	mk_end_page(m);
}

/* A two-page report: title, headings, subheading, paragraphs, bullets. */
static void mk_kind_report(struct mk *m)
{
	mk_info(m, "Author", "Enclave Tests");
	mk_begin_page(m, MK_PAGE_W, MK_PAGE_H);
	mk_flow(m, 1, 24, "Annual Report on Data Handling", 18);
	mk_flow(m, 0, 11,
	        "This report describes how the records of the year were gathered, "
	        "checked and prepared. It is written for the people who maintain the archive.",
	        10);
	mk_flow(m, 1, 16, "Introduction", 8);
	mk_flow(m, 0, 11, mk_filler, 8);
	mk_flow(m, 0, 11,
	        "The second paragraph of the introduction explains the scope: only "
	        "digital records are covered, and paper records are left for a later review.",
	        12);
	mk_flow(m, 1, 16, "Methods", 8);
	mk_flow(m, 1, 13, "Sample collection", 6);
	mk_flow(m, 0, 11,
	        "Samples were drawn at random from every archive box, weighted by "
	        "the number of records each box holds.",
	        12);
	mk_end_page(m);

	mk_begin_page(m, MK_PAGE_W, MK_PAGE_H);
	mk_flow(m, 1, 16, "Results", 8);
	mk_flow(m, 0, 11,
	        "Most records were complete. The findings that matter most are "
	        "listed below.",
	        6);
	mk_flow(m, 0, 11, "\xe2\x80\xa2 Every record had a readable date.", 4);
	mk_flow(m, 0, 11, "\xe2\x80\xa2 Nine records in ten named their author.", 4);
	mk_flow(m, 0, 11, "\xe2\x80\xa2 A few scans were too faint to read.", 12);
	mk_flow(m, 1, 11, "Summary", 6);
	mk_flow(m, 0, 11, mk_filler, 8);
	mk_end_page(m);
}

/* A title, two interleaved columns with aligned gaps, a closing paragraph. */
static void mk_kind_columns(struct mk *m)
{
	static const char *const left[] = {
		"Left one. The first paragraph of the left column starts the story and "
		"keeps going for a few lines of text.",
		"Left two. The second paragraph of the left column continues the story "
		"for a few more lines of text.",
		"Left three. The third paragraph of the left column ends the story of the "
		"left side of the page.",
	};
	static const char *const right[] = {
		"Right one. The first paragraph of the right column starts a new story "
		"and keeps going for a few lines.",
		"Right two. The second paragraph of the right column continues that story "
		"for a few more lines of text.",
		"Right three. The third paragraph of the right column ends the story of the "
		"right side of the page.",
	};
	float col = (MK_PAGE_W - 2 * MK_MARGIN - 36) / 2, yl, yr;
	int i;

	mk_info(m, "Title", "Two Column Layout");
	mk_info(m, "Author", "Enclave Tests");
	mk_begin_page(m, MK_PAGE_W, MK_PAGE_H);
	mk_flow(m, 1, 20, "A Page in Two Columns", 16);
	yl = yr = m->y;
	for (i = 0; i < 3; i++) {
		float y = yl > yr ? yl : yr;
		yl = mk_para(m, 0, 11, MK_MARGIN, y, col, left[i]) + 10;
		yr = mk_para(m, 0, 11, MK_MARGIN + col + 36, y, col, right[i]) + 10;
	}
	m->y = (yl > yr ? yl : yr) + 8;
	mk_flow(m, 0, 11,
	        "Closing. This last paragraph runs across the whole width of the page, "
	        "below both columns, and is read after them.",
	        0);
	mk_end_page(m);
}

/* `n` pages of three numbered paragraphs. */
static void mk_kind_pages(struct mk *m, int n)
{
	char para[512];
	int i, j;

	for (i = 1; i <= n; i++) {
		mk_begin_page(m, MK_PAGE_W, MK_PAGE_H);
		for (j = 1; j <= 3; j++) {
			snprintf(para, sizeof(para), "Page %d, paragraph %d. %s", i, j, mk_filler);
			mk_para(m, 0, 11, MK_MARGIN, m->y, MK_PAGE_W - 2 * MK_MARGIN, para);
			m->y += 80;
		}
		mk_end_page(m);
	}
}

/*
 * `n` pages with a stroked box and no text: one page object that the page
 * tree lists `n` times. MuPDF gives every new object its own xref slot by
 * growing the table one entry at a time, so 20000 distinct pages would take
 * minutes under ASan; the reader does not mind the sharing.
 */
static void mk_kind_blank(struct mk *m, int n)
{
	pdf_obj *page = NULL;
	int i;

	mk_begin_page(m, MK_PAGE_W, MK_PAGE_H);
	fz_append_string(m->ctx, m->content, "100 100 200 200 re S\n");
	fz_var(page);
	fz_try(m->ctx)
	{
		page = pdf_add_page(m->ctx, m->pdf, fz_make_rect(0, 0, m->width, m->height), 0,
		                    m->resources, m->content);
		pdf_dict_put(m->ctx, page, PDF_NAME(Parent), m->pages);
		for (i = 0; i < n; i++)
			pdf_array_push(m->ctx, m->kids, page);
		m->npages = n;
		pdf_dict_put_int(m->ctx, m->pages, PDF_NAME(Count), n);
	}
	fz_always(m->ctx)
	{
		pdf_drop_obj(m->ctx, page);
		fz_drop_buffer(m->ctx, m->content);
		m->content = NULL;
	}
	fz_catch(m->ctx) fz_rethrow(m->ctx);
}

/* Line-end hyphens to join and to keep. */
static void mk_kind_hyphen(struct mk *m)
{
	mk_begin_page(m, MK_PAGE_W, MK_PAGE_H);
	mk_flow(m, 0, 12,
	        "The records were read by an auto-\nmated pipeline that never "
	        "stops.",
	        12);
	mk_flow(m, 0, 12,
	        "Its design is well-\nKnown to the team and to the\xe2\x80\x93\n"
	        "auditors.",
	        0);
	mk_end_page(m);
}

/* Line-end hyphens of compounds to keep, and of split words to join. */
static void mk_kind_compound(struct mk *m)
{
	mk_begin_page(m, MK_PAGE_W, MK_PAGE_H);
	mk_flow(m, 0, 12,
	        "We answer questions in the open-\ndomain setting with a state-of-the-\nart "
	        "reader and a rule-\nbased filter.",
	        12);
	mk_flow(m, 0, 12, "The infor-\nmation was docu-\nmented by a well-\nknown team.", 0);
	mk_end_page(m);
}

/*
 * `n` pages, each with a running header "Enclave Quarterly Review" at the
 * top, a footer "Page i of n" at the bottom, and two body paragraphs that
 * differ from page to page.
 */
static void mk_kind_running(struct mk *m, int n)
{
	char text[512];
	int i;

	for (i = 1; i <= n; i++) {
		mk_begin_page(m, MK_PAGE_W, MK_PAGE_H);
		mk_para(m, 0, 9, MK_MARGIN, 30, 300, "Enclave Quarterly Review");
		snprintf(text, sizeof(text), "Page %d of %d", i, n);
		mk_para(m, 0, 9, MK_PAGE_W / 2 - 30, MK_PAGE_H - 40, 200, text);
		snprintf(text, sizeof(text), "Body %d. %s", i, mk_filler);
		mk_flow(m, 0, 11, text, 10);
		snprintf(text, sizeof(text), "Second body paragraph of page %d, which says little.",
		         i);
		mk_flow(m, 0, 11, text, 10);
		mk_end_page(m);
	}
}

/* The cells of the table kinds: a header row and three rows of values. */
static const char *const mk_cells[4][3] = {
	{ "Site", "Records", "Checked" },
	{ "North", "1200", "98%" },
	{ "South", "850", "91%" },
	{ "East", "430", "77%" },
};

/*
 * A paragraph, the caption "Table 1: Records per site", a 3 x 4 table
 * drawn with stroked ruling lines (lines, not boxes), a closing paragraph.
 */
static void mk_kind_ruled(struct mk *m)
{
	float x[4] = { 72, 222, 372, 522 }, top, rowh = 22;
	int r, c;

	mk_begin_page(m, MK_PAGE_W, MK_PAGE_H);
	mk_flow(m, 0, 11, "The sites reported their records as shown in the table below.", 12);
	mk_flow(m, 0, 11, "Table 1: Records per site", 10);
	top = m->y;
	fz_append_string(m->ctx, m->content, "0.5 w\n");
	for (r = 0; r <= 4; r++)
		fz_append_printf(m->ctx, m->content, "%g %g m %g %g l S\n", x[0],
		                 m->height - (top + r * rowh), x[3], m->height - (top + r * rowh));
	for (c = 0; c < 4; c++)
		fz_append_printf(m->ctx, m->content, "%g %g m %g %g l S\n", x[c], m->height - top,
		                 x[c], m->height - (top + 4 * rowh));
	for (r = 0; r < 4; r++)
		for (c = 0; c < 3; c++)
			mk_para(m, r == 0, 10, x[c] + 6, top + r * rowh + 5, 130, mk_cells[r][c]);
	m->y = top + 4 * rowh + 16;
	mk_flow(m, 0, 11, "After the table the text goes on as usual, in one paragraph.", 0);
	mk_end_page(m);
}

/* A paragraph, the same table as ruled without any line (aligned columns), a paragraph. */
static void mk_kind_aligned(struct mk *m)
{
	float x[3] = { 72, 240, 400 }, top;
	int r, c;

	mk_begin_page(m, MK_PAGE_W, MK_PAGE_H);
	mk_flow(m, 0, 11, "The sites reported their records as shown in the table below.", 14);
	top = m->y;
	for (r = 0; r < 4; r++)
		for (c = 0; c < 3; c++)
			mk_para(m, r == 0, 10, x[c], top + r * 16, 150, mk_cells[r][c]);
	m->y = top + 4 * 16 + 14;
	mk_flow(m, 0, 11, "After the table the text goes on as usual, in one paragraph.", 0);
	mk_end_page(m);
}

/* One Letter page with /Rotate `deg`: a heading and two paragraphs. */
static void mk_kind_rotated(struct mk *m, int deg)
{
	mk_begin_page(m, MK_PAGE_W, MK_PAGE_H);
	mk_flow(m, 1, 16, "Rotated Page", 10);
	mk_flow(m, 0, 11,
	        "First paragraph of the rotated page. "
	        "It holds a sentence or two.",
	        10);
	mk_flow(m, 0, 11, "Second paragraph of the rotated page, read after the first.", 0);
	mk_end_page(m);
	pdf_dict_put_int(m->ctx, pdf_array_get(m->ctx, m->kids, 0), PDF_NAME(Rotate), deg);
}

/*
 * Three pages of text ("The first page survives.", ...) whose second page
 * is lost: the page tree lists in its place an intermediate node that
 * claims one page and has none, so that loading page 2 fails.
 */
static void mk_kind_broken(struct mk *m)
{
	static const char *const text[3] = { "The first page survives.", "The second page is lost.",
		                             "The last page survives too." };
	pdf_obj *node;
	int i;

	for (i = 0; i < 3; i++) {
		mk_begin_page(m, MK_PAGE_W, MK_PAGE_H);
		mk_flow(m, 0, 12, text[i], 0);
		mk_end_page(m);
	}
	node = pdf_add_new_dict(m->ctx, m->pdf, 3);
	pdf_dict_put(m->ctx, node, PDF_NAME(Type), PDF_NAME(Pages));
	pdf_dict_put_int(m->ctx, node, PDF_NAME(Count), 1);
	pdf_dict_put_array(m->ctx, node, PDF_NAME(Kids), 0);
	pdf_dict_put(m->ctx, node, PDF_NAME(Parent), m->pages);
	pdf_array_put_drop(m->ctx, m->kids, 1, node);
}

/* One 20000 x 20000 pt page. */
static void mk_kind_huge(struct mk *m)
{
	mk_begin_page(m, 20000, 20000);
	mk_flow(m, 0, 12, "A very large page.", 0);
	mk_end_page(m);
}

/* ------------------------------------------------------------------ */
/* Entry points                                                       */
/* ------------------------------------------------------------------ */

/* A MuPDF message callback that drops the message. */
static void mk_quiet(void *user, const char *message)
{
	(void)user, (void)message;
}

/* The number of arguments `kind` takes: *min to *max; 0 when unknown. */
static int mk_kind_args(const char *kind, int *min, int *max)
{
	static const struct {
		const char *name;
		int min, max;
	} kinds[] = {
		{ "simple", 1, 1 },    { "report", 0, 0 }, { "columns", 0, 0 },
		{ "encrypted", 1, 2 }, { "pages", 1, 1 },  { "blank", 0, 1 },
		{ "hyphen", 0, 0 },    { "huge", 0, 0 },   { "compound", 0, 0 },
		{ "running", 1, 1 },   { "ruled", 0, 0 },  { "aligned", 0, 0 },
		{ "rotated", 1, 1 },   { "broken", 0, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (!strcmp(kinds[i].name, kind)) {
			*min = kinds[i].min;
			*max = kinds[i].max;
			return 1;
		}
	}
	return 0;
}

/* Build the document of `kind` into m->pdf and save it to `out`. Throws. */
static void mk_build(struct mk *m, const char *kind, int argc, const char *const *argv,
                     fz_output *out)
{
	pdf_write_options opts = pdf_default_write_options;
	pdf_obj *font;
	int n;

	m->pdf = pdf_create_document(m->ctx);
	m->pages = pdf_dict_getp(m->ctx, pdf_trailer(m->ctx, m->pdf), "Root/Pages");
	m->kids = pdf_dict_get(m->ctx, m->pages, PDF_NAME(Kids));
	m->font[0] = fz_new_base14_font(m->ctx, "Helvetica");
	m->font[1] = fz_new_base14_font(m->ctx, "Helvetica-Bold");
	m->resources = pdf_add_new_dict(m->ctx, m->pdf, 1);
	font = pdf_dict_put_dict(m->ctx, m->resources, PDF_NAME(Font), 2);
	pdf_dict_puts_drop(
	    m->ctx, font, "F1",
	    pdf_add_simple_font(m->ctx, m->pdf, m->font[0], PDF_SIMPLE_ENCODING_LATIN));
	pdf_dict_puts_drop(
	    m->ctx, font, "F2",
	    pdf_add_simple_font(m->ctx, m->pdf, m->font[1], PDF_SIMPLE_ENCODING_LATIN));

	if (!strcmp(kind, "simple")) {
		mk_kind_simple(m, argv[0]);
	} else if (!strcmp(kind, "report")) {
		mk_kind_report(m);
	} else if (!strcmp(kind, "columns")) {
		mk_kind_columns(m);
	} else if (!strcmp(kind, "encrypted")) {
		mk_kind_simple(m, argc > 1 ? argv[1] : "This text is protected by a password.");
		if (strlen(argv[0]) + sizeof("-owner") > sizeof(opts.opwd_utf8))
			fz_throw(m->ctx, FZ_ERROR_GENERIC, "password too long");
		opts.do_encrypt = PDF_ENCRYPT_AES_256;
		opts.permissions = -1;
		snprintf(opts.upwd_utf8, sizeof(opts.upwd_utf8), "%s", argv[0]);
		snprintf(opts.opwd_utf8, sizeof(opts.opwd_utf8), "%s-owner", argv[0]);
	} else if (!strcmp(kind, "pages") || !strcmp(kind, "blank")) {
		n = argc ? atoi(argv[0]) : 1;
		if (n < 1 || n > 1000000)
			fz_throw(m->ctx, FZ_ERROR_GENERIC, "bad page count '%s'", argv[0]);
		if (!strcmp(kind, "pages"))
			mk_kind_pages(m, n);
		else
			mk_kind_blank(m, n);
	} else if (!strcmp(kind, "hyphen")) {
		mk_kind_hyphen(m);
	} else if (!strcmp(kind, "huge")) {
		mk_kind_huge(m);
	} else if (!strcmp(kind, "compound")) {
		mk_kind_compound(m);
	} else if (!strcmp(kind, "running")) {
		n = atoi(argv[0]);
		if (n < 1 || n > 1000)
			fz_throw(m->ctx, FZ_ERROR_GENERIC, "bad page count '%s'", argv[0]);
		mk_kind_running(m, n);
	} else if (!strcmp(kind, "ruled")) {
		mk_kind_ruled(m);
	} else if (!strcmp(kind, "aligned")) {
		mk_kind_aligned(m);
	} else if (!strcmp(kind, "rotated")) {
		n = atoi(argv[0]);
		if (n % 90)
			fz_throw(m->ctx, FZ_ERROR_GENERIC, "bad rotation '%s'", argv[0]);
		mk_kind_rotated(m, n);
	} else if (!strcmp(kind, "broken")) {
		mk_kind_broken(m);
	} else {
		fz_throw(m->ctx, FZ_ERROR_GENERIC, "unknown kind '%s'", kind);
	}
	opts.do_compress = 1;
	pdf_write_document(m->ctx, m->pdf, out, &opts);
	fz_close_output(m->ctx, out);
}

/*
 * Write the PDF of `kind` with its `argc` arguments to a new malloc'd
 * buffer (*out, *len; the caller frees *out). Returns 0, or -1 with a reason
 * in err.
 */
MKPDF_FN int mkpdf_build(unsigned char **out, size_t *len, const char *kind, int argc,
                         const char *const *argv, char *err, size_t errlen)
{
	struct mk m;
	fz_buffer *buf = NULL;
	fz_output *output = NULL;
	unsigned char *data;
	int min, max, rc = -1;

	*out = NULL;
	*len = 0;
	if (!mk_kind_args(kind, &min, &max)) {
		snprintf(err, errlen, "unknown kind '%s'", kind);
		return -1;
	}
	if (argc < min || argc > max) {
		if (min == max)
			snprintf(err, errlen, "%s takes %d argument%s", kind, min,
			         min == 1 ? "" : "s");
		else
			snprintf(err, errlen, "%s takes %d to %d arguments", kind, min, max);
		return -1;
	}
	memset(&m, 0, sizeof(m));
	if (!(m.ctx = fz_new_context(NULL, NULL, FZ_STORE_DEFAULT))) {
		snprintf(err, errlen, "cannot create a MuPDF context");
		return -1;
	}
	/* Errors come back through err; MuPDF need not print them too. */
	fz_set_error_callback(m.ctx, mk_quiet, NULL);
	fz_var(buf);
	fz_var(output);
	fz_var(rc);
	fz_try(m.ctx)
	{
		buf = fz_new_buffer(m.ctx, 8192);
		output = fz_new_output_with_buffer(m.ctx, buf);
		mk_build(&m, kind, argc, argv, output);
		*len = fz_buffer_storage(m.ctx, buf, &data);
		if (!(*out = malloc(*len ? *len : 1)))
			fz_throw(m.ctx, FZ_ERROR_MEMORY, "out of memory");
		memcpy(*out, data, *len);
		rc = 0;
	}
	fz_always(m.ctx)
	{
		fz_drop_output(m.ctx, output);
		fz_drop_buffer(m.ctx, buf);
		fz_drop_buffer(m.ctx, m.content);
		fz_drop_font(m.ctx, m.font[0]);
		fz_drop_font(m.ctx, m.font[1]);
		pdf_drop_obj(m.ctx, m.resources);
		pdf_drop_document(m.ctx, m.pdf);
	}
	fz_catch(m.ctx)
	{
		snprintf(err, errlen, "%s", fz_caught_message(m.ctx));
		*len = 0;
	}
	fz_drop_context(m.ctx);
	return rc;
}

/* mkpdf_build() into the file at `path`. Returns 0, or -1 with a reason in err. */
MKPDF_FN int mkpdf_file(const char *path, const char *kind, int argc, const char *const *argv,
                        char *err, size_t errlen)
{
	unsigned char *data;
	size_t len;
	FILE *f;
	int rc = -1;

	if (mkpdf_build(&data, &len, kind, argc, argv, err, errlen) < 0)
		return -1;
	if (!(f = fopen(path, "wb"))) {
		snprintf(err, errlen, "cannot write '%s'", path);
		goto done;
	}
	if (fwrite(data, 1, len, f) != len) {
		snprintf(err, errlen, "cannot write '%s'", path);
		fclose(f);
		goto done;
	}
	if (fclose(f) != 0) {
		snprintf(err, errlen, "cannot write '%s'", path);
		goto done;
	}
	rc = 0;
done:
	free(data);
	return rc;
}

#endif
