/*
 * PDF through MuPDF 1.21: the text layer of born-digital PDFs, with pages,
 * boxes (top-left origin), reading order and block kinds.
 *
 * Threads: every call makes its own fz_context without locks and keeps no
 * global state, so calls on different threads share nothing. MuPDF never
 * prints: its error and warning callbacks swallow the messages, keeping the
 * last warning to enrich an error message.
 *
 * Two passes. Per page: MuPDF's structured text (ligatures expanded, white
 * space normalised, characters outside the media box dropped) is cut into
 * paragraphs. MuPDF's blocks are chained first where one is plainly the
 * wrapped continuation of the previous (producers that write one text
 * object per line), then their lines are merged into visual lines (same
 * baseline) and split where the font size, the weight, the line spacing, a
 * first-line indent or a bullet says a new paragraph starts. Lines are
 * joined with a space and hyphenated words rejoined. The page's paragraphs
 * are then put in reading order by a recursive XY cut that keeps columns
 * together. Per document: the body font size (the size of most characters
 * in long lines) decides the kinds: short blocks clearly larger than the
 * body are headings, their level the rank of their size, the largest near
 * the top of page 1 the title; short all-bold lines are headings one level
 * deeper; blocks starting with a bullet or a number are list items.
 *
 * Metadata: title, author, producer, creator, pdf_version, and pdf_repaired
 * ("true") when MuPDF had to rebuild a damaged file, whose text may be
 * incomplete. A damaged file with no text left fails as corrupt rather than
 * empty.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <mupdf/fitz.h>
#include <mupdf/pdf.h>

#include "ingest_int.h"
#include "layout_int.h"
#include "pdf_int.h"
#include "../../util/utf8.h"

/* A heading's font size is at least this times the body size. */
#define HEADING_RATIO 1.15f
/* Headings are short: at most these many characters and visual lines. */
#define HEADING_MAX_CHARS 200
#define HEADING_MAX_LINES 3
/* An all-bold single line this short, at body size, is a heading. */
#define BOLD_HEADING_MAX_CHARS 80
/* The title starts in this top fraction of page 1. */
#define TITLE_TOP 0.4f
/* The font size histogram counts characters in half-point bins up to 1024 pt. */
#define SIZE_BINS 2048
/* The narrowest empty vertical strip (points) that separates columns. */
#define GUTTER 3.0f
/* Boxes that overlap vertically by less than this (points) are still read one after the other. */
#define BAND_OVERLAP 2.0f
/*
 * The XY cut is quadratic in the blocks of a page: a (hostile) page with more
 * keeps MuPDF's order, and the recursion stops at this depth (then top to
 * bottom). Local rather than in limits.h since they bound work, not input.
 */
#define XYCUT_MAX_BLOCKS 5000
#define XYCUT_MAX_DEPTH 64
/* Code points kept from the start of a line, to recognise bullets and numbers. */
#define LEAD 6
/*
 * The body size is the size of most characters in lines at least this long,
 * so that tables and captions in a smaller font do not set it.
 */
#define LONG_LINE 32
/*
 * Ruling lines: a filled rectangle at most RULE_THICK points thick and at
 * least RULE_MIN long, or a stroked straight segment. At most MAX_RULES a
 * page are kept, so that finding grids (quadratic in them) stays cheap.
 */
#define RULE_THICK 3.0f
#define RULE_MIN 5.0f
#define MAX_RULES 1024
/* Rules closer than this (points) are one line; a rule reaches a crossing this close. */
#define RULE_SNAP 2.0f
/* At most this many cells a table. */
#define MAX_TABLE_CELLS 10000
/* Aligned-column tables: at least this many rows of at least two short cells. */
#define ALIGNED_MIN_ROWS 3
#define CELL_MAX_CHARS 60
/* Captions ("Table 2: ...") are at most this long (bytes). */
#define CAPTION_MAX_CHARS 600
/* Messages of unreadable pages kept in the metadata (the count is always kept). */
#define PDF_MAX_PAGE_ERRORS 20

/* One paragraph found on a page: a block to be. */
struct para {
	int page;        /* 1-based */
	fz_rect box;     /* top-left origin, relative to the page box */
	size_t off, len; /* its text in pdf_state.text */
	double size_sum; /* font size times characters, for the mean */
	size_t nchars;   /* characters, spaces excluded */
	int nlines;      /* visual lines */
	int bold;        /* every character bold */
	int horizontal;  /* every line left to right */
	int lead[LEAD];  /* its first code points, spaces collapsed, 0-padded */
	float first_x0;  /* left edge of its first line */
	enclave_block_kind kind;
	int level;
	int running; /* ENCLAVE_BLOCK_HEADER or _FOOTER from layout_running(), else 0 */
	int table;   /* a table: text rows '\n', cells '\t' */
	char *attrs; /* JSON attrs (a table's cells) or NULL; owned */
};

/* A ruling line: horizontal (y = at, x from a0 to a1) or vertical (x = at). */
struct rule {
	float a0, a1, at;
	int vertical;
};

/* One MuPDF line, scanned. */
struct seg {
	fz_stext_line *ln;
	fz_rect box;
	float base;     /* baseline y */
	float size;     /* mean font size */
	size_t nchars;  /* characters, spaces excluded */
	int bold;       /* every character bold */
	int horizontal; /* left to right, not rotated */
	int lead[LEAD];
	int last, before_last; /* last two characters that are not spaces */
};

/* A visual line: MuPDF lines that share a baseline, left to right. */
struct vline {
	size_t first, last; /* its segs, inclusive */
	fz_rect box;
	float base, size;
	size_t nchars;
	int bold, horizontal;
	int lead[LEAD];
	int last_cp, before_last;
};

/* Everything one call owns. */
struct pdf_state {
	fz_context *ctx;
	fz_document *doc;
	char warning[256]; /* MuPDF's last warning, "" when none */
	char *info_title;  /* Info /Title, trimmed; NULL when none */
	float page1_height;
	struct buf text; /* the paragraphs' text, back to back */
	struct para *paras;
	size_t npara, para_cap;
	struct seg *segs; /* scratch for the chained blocks being cut */
	struct vline *vlines;
	size_t line_cap;
	uint32_t *cps; /* one visual line's code points, then 5 x as many for layout_bidi_line */
	size_t cps_cap;
	struct rule *rules; /* the page's ruling lines, collected while its text is read */
	size_t nrules, rules_cap;
	fz_rect clip; /* the box of the page being read, in the space of its text */
	void (*fill_path)(fz_context *, fz_device *, const fz_path *, int, fz_matrix,
	                  fz_colorspace *, const float *, float, fz_color_params);
	void (*stroke_path)(fz_context *, fz_device *, const fz_path *, const fz_stroke_state *,
	                    fz_matrix, fz_colorspace *, const float *, float, fz_color_params);
	int page_errors;        /* pages MuPDF could not read, kept empty */
	json_t *errors;         /* their messages, for metadata pdf_page_errors; NULL when none */
	size_t hist[SIZE_BINS]; /* characters per font size */
	size_t hist_long[SIZE_BINS]; /* the same in lines of prose (LONG_LINE characters or more) */
	struct pdf_ocr *ocr;         /* pages read by OCR (pdf_ocr.c); NULL when none */
};

/* ------------------------------------------------------------------ */
/* MuPDF plumbing                                                     */
/* ------------------------------------------------------------------ */

/*
 * Make a MuPDF message safe to show: it may quote bytes of the file, so
 * anything but printable ASCII becomes '?'.
 */
static void clean_message(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
}

/* MuPDF's error callback: errors arrive through fz_catch, so drop the message. */
static void on_error(void *user, const char *message)
{
	(void)user, (void)message;
}

/* MuPDF's warning callback: keep the last warning (not the "repeated" notes). */
static void on_warning(void *user, const char *message)
{
	struct pdf_state *st = user;

	if (strncmp(message, "...", 3)) {
		snprintf(st->warning, sizeof(st->warning), "%s", message);
		clean_message(st->warning);
	}
}

/*
 * Turn the error caught by the enclosing fz_catch into ours: ENCLAVE_ENOMEM
 * or ENCLAVE_EINVALID "corrupt pdf: [page N: ]<message> (<last warning>)".
 * Call only inside fz_catch. Returns the code.
 */
static int mupdf_error(struct pdf_state *st, int page)
{
	char where[32] = "", msg[256];

	snprintf(msg, sizeof(msg), "%s", fz_caught_message(st->ctx));
	clean_message(msg);
	if (fz_caught(st->ctx) == FZ_ERROR_MEMORY)
		return error_set(ENCLAVE_ENOMEM, "pdf: out of memory");
	if (page > 0)
		snprintf(where, sizeof(where), "page %d: ", page);
	if (st->warning[0] && strcmp(st->warning, msg))
		return error_set(ENCLAVE_EINVALID, "corrupt pdf: %s%s (%s)", where, msg,
		                 st->warning);
	return error_set(ENCLAVE_EINVALID, "corrupt pdf: %s%s", where, msg);
}

/* Open the PDF in data[0, len) into st->doc. Returns 0 or ENCLAVE_E*. */
static int open_pdf(struct pdf_state *st, const unsigned char *data, size_t len)
{
	fz_context *ctx = st->ctx;
	fz_stream *stm = NULL;
	int error = 0;

	fz_var(stm);
	fz_try(ctx)
	{
		fz_register_document_handlers(ctx);
		stm = fz_open_memory(ctx, data, len);
		st->doc = fz_open_document_with_stream(ctx, "application/pdf", stm);
	}
	fz_always(ctx) fz_drop_stream(ctx, stm);
	fz_catch(ctx) error = mupdf_error(st, 0);
	return error;
}

/*
 * Unlock an encrypted document with `password` (NULL or "" for none).
 * Returns 0, or ENCLAVE_EENCRYPTED when a password is needed or wrong.
 */
static int unlock_pdf(struct pdf_state *st, const char *password)
{
	fz_context *ctx = st->ctx;
	int need = 0, ok = 0;

	fz_var(need);
	fz_var(ok);
	fz_try(ctx)
	{
		need = fz_needs_password(ctx, st->doc);
		if (need && password && *password)
			ok = fz_authenticate_password(ctx, st->doc, password);
	}
	fz_catch(ctx) return mupdf_error(st, 0);
	if (!need)
		return 0;
	if (!password || !*password)
		return error_set(ENCLAVE_EENCRYPTED,
		                 "encrypted: a password is needed (--password)");
	if (!ok)
		return error_set(ENCLAVE_EENCRYPTED, "encrypted: wrong password");
	return 0;
}

/* The value of metadata `key` as a new string (*out NULL when absent). Returns 0 or ENCLAVE_E*. */
static int lookup_meta(struct pdf_state *st, const char *key, char **out)
{
	fz_context *ctx = st->ctx;
	char small[256];
	int n = -1;

	*out = NULL;
	fz_var(n);
	fz_try(ctx) n = fz_lookup_metadata(ctx, st->doc, key, small, (int)sizeof(small));
	fz_catch(ctx) return mupdf_error(st, 0);
	if (n <= 1)
		return 0;
	if ((size_t)n > ENCLAVE_MAX_FIELD_BYTES)
		return 0;
	if (!(*out = malloc((size_t)n)))
		return error_oom();
	if ((size_t)n <= sizeof(small)) {
		memcpy(*out, small, (size_t)n);
		(*out)[n - 1] = '\0';
		return 0;
	}
	fz_try(ctx) fz_lookup_metadata(ctx, st->doc, key, *out, n);
	fz_catch(ctx)
	{
		free(*out);
		*out = NULL;
		return mupdf_error(st, 0);
	}
	(*out)[n - 1] = '\0';
	return 0;
}

/* Trim white space around `s` in place; returns s. */
static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

/*
 * Copy the document information (title, author, producer, creator) and the
 * PDF version to doc's metadata; keep the title in st->info_title.
 * Returns 0 or ENCLAVE_E*.
 */
static int read_metadata(struct pdf_state *st, struct enclave_doc *doc)
{
	static const char *const keys[][2] = {
		{ FZ_META_INFO_TITLE, "title" },       { FZ_META_INFO_AUTHOR, "author" },
		{ FZ_META_INFO_PRODUCER, "producer" }, { FZ_META_INFO_CREATOR, "creator" },
		{ FZ_META_FORMAT, "pdf_version" },
	};
	size_t i;
	int error = 0;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]) && !error; i++) {
		char *value, *v;

		if ((error = lookup_meta(st, keys[i][0], &value)) < 0 || !value)
			continue;
		v = trim(value);
		if (i == sizeof(keys) / sizeof(keys[0]) - 1 && !strncmp(v, "PDF ", 4))
			v += 4;
		error = doc_set_meta(doc, keys[i][1], v);
		if (!error && i == 0 && *v && !(st->info_title = strdup(v)))
			error = error_oom();
		free(value);
	}
	return error;
}

/* The number of pages into *out. Returns 0 or ENCLAVE_E*. */
static int count_pages(struct pdf_state *st, int *out)
{
	fz_context *ctx = st->ctx;
	int n = 0;

	fz_var(n);
	fz_try(ctx) n = fz_count_pages(ctx, st->doc);
	fz_catch(ctx) return mupdf_error(st, 0);
	*out = n;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Ruling lines                                                       */
/* ------------------------------------------------------------------ */

/*
 * Add the line with box (x0, y0)-(x1, y1) to st->rules when it is one: at
 * most RULE_THICK thick and RULE_MIN long, horizontal or vertical (a stroked
 * segment's ends, or a filled shape's box).
 */
static void add_rule(struct pdf_state *st, float x0, float y0, float x1, float y1)
{
	struct rule r;
	float w = fabsf(x1 - x0), h = fabsf(y1 - y0);

	if (st->nrules >= st->rules_cap)
		return;
	if (h <= RULE_THICK && w >= RULE_MIN) {
		r.vertical = 0;
		r.at = (y0 + y1) / 2;
		r.a0 = fminf(x0, x1);
		r.a1 = fmaxf(x0, x1);
	} else if (w <= RULE_THICK && h >= RULE_MIN) {
		r.vertical = 1;
		r.at = (x0 + x1) / 2;
		r.a0 = fminf(y0, y1);
		r.a1 = fmaxf(y0, y1);
	} else {
		return;
	}
	if (!isfinite(r.at) || !isfinite(r.a0) || !isfinite(r.a1))
		return;
	st->rules[st->nrules++] = r;
}

/* The state of a walk over one path: see collect_path(). */
struct walk {
	struct pdf_state *st;
	fz_matrix ctm;
	int stroke;         /* stroked: straight segments are rules; filled: thin shapes */
	fz_point start, at; /* the subpath's start and the current point, in device space */
	fz_rect sub;        /* a filled subpath's box so far */
};

/* End a filled subpath: its box is a rule when thin. */
static void walk_end_sub(struct walk *w)
{
	if (!w->stroke && !fz_is_empty_rect(w->sub))
		add_rule(w->st, w->sub.x0, w->sub.y0, w->sub.x1, w->sub.y1);
	w->sub = fz_empty_rect;
}

/* fz_path_walker callback. */
static void walk_moveto(fz_context *ctx, void *arg, float x, float y)
{
	struct walk *w = arg;

	(void)ctx;
	walk_end_sub(w);
	w->start = w->at = fz_transform_point_xy(x, y, w->ctm);
	w->sub = fz_make_rect(w->at.x, w->at.y, w->at.x, w->at.y);
}

/* fz_path_walker callback. */
static void walk_lineto(fz_context *ctx, void *arg, float x, float y)
{
	struct walk *w = arg;
	fz_point p = fz_transform_point_xy(x, y, w->ctm);

	(void)ctx;
	if (w->stroke)
		add_rule(w->st, w->at.x, w->at.y, p.x, p.y);
	else if (!fz_is_empty_rect(w->sub) || w->sub.x0 == w->sub.x1)
		w->sub = fz_include_point_in_rect(w->sub, p);
	w->at = p;
}

/* fz_path_walker callback: a curve is no rule, nor is a filled shape with one. */
static void walk_curveto(fz_context *ctx, void *arg, float x1, float y1, float x2, float y2,
                         float x3, float y3)
{
	struct walk *w = arg;

	(void)ctx, (void)x1, (void)y1, (void)x2, (void)y2;
	w->at = fz_transform_point_xy(x3, y3, w->ctm);
	w->sub = fz_empty_rect;
}

/* fz_path_walker callback. */
static void walk_closepath(fz_context *ctx, void *arg)
{
	struct walk *w = arg;

	(void)ctx;
	if (w->stroke)
		add_rule(w->st, w->at.x, w->at.y, w->start.x, w->start.y);
	w->at = w->start;
}

/* fz_path_walker callback: a stroked rectangle is four rules, a filled one a rule if thin. */
static void walk_rectto(fz_context *ctx, void *arg, float x0, float y0, float x1, float y1)
{
	struct walk *w = arg;
	fz_rect r = fz_transform_rect(
	    fz_make_rect(fminf(x0, x1), fminf(y0, y1), fmaxf(x0, x1), fmaxf(y0, y1)), w->ctm);

	(void)ctx;
	walk_end_sub(w);
	if (w->stroke) {
		add_rule(w->st, r.x0, r.y0, r.x1, r.y0);
		add_rule(w->st, r.x0, r.y1, r.x1, r.y1);
		add_rule(w->st, r.x0, r.y0, r.x0, r.y1);
		add_rule(w->st, r.x1, r.y0, r.x1, r.y1);
	} else {
		add_rule(w->st, r.x0, r.y0, r.x1, r.y1);
	}
	w->start = w->at = fz_make_point(r.x0, r.y0);
}

/*
 * Collect the ruling lines of `path` drawn with `ctm` into st->rules:
 * stroked straight segments, or filled shapes thin enough to be lines.
 */
static void collect_path(fz_context *ctx, struct pdf_state *st, const fz_path *path, fz_matrix ctm,
                         int stroke)
{
	static const fz_path_walker walker = { walk_moveto,    walk_lineto, walk_curveto,
		                               walk_closepath, NULL,        NULL,
		                               NULL,           walk_rectto };
	struct walk w;

	if (st->nrules >= st->rules_cap)
		return;
	memset(&w, 0, sizeof(w));
	w.st = st;
	w.ctm = ctm;
	w.stroke = stroke;
	w.sub = fz_empty_rect;
	fz_walk_path(ctx, path, &walker, &w);
	walk_end_sub(&w);
}

/* The structured-text device's fill_path, wrapped: rules first, then MuPDF's own if any. */
static void dev_fill_path(fz_context *ctx, fz_device *dev, const fz_path *path, int even_odd,
                          fz_matrix ctm, fz_colorspace *cs, const float *color, float alpha,
                          fz_color_params cp)
{
	struct pdf_state *st = fz_user_context(ctx);

	collect_path(ctx, st, path, ctm, 0);
	if (st->fill_path)
		st->fill_path(ctx, dev, path, even_odd, ctm, cs, color, alpha, cp);
}

/* The structured-text device's stroke_path, wrapped likewise. */
static void dev_stroke_path(fz_context *ctx, fz_device *dev, const fz_path *path,
                            const fz_stroke_state *stroke, fz_matrix ctm, fz_colorspace *cs,
                            const float *color, float alpha, fz_color_params cp)
{
	struct pdf_state *st = fz_user_context(ctx);

	collect_path(ctx, st, path, ctm, 1);
	if (st->stroke_path)
		st->stroke_path(ctx, dev, path, stroke, ctm, cs, color, alpha, cp);
}

/*
 * The structured text of `page` drawn with `ctm` (box `box`, in that
 * space) with `opts`, as fz_new_stext_page_from_page() makes it (with the
 * identity), with the device's path callbacks
 * wrapped to collect the ruling lines into st->rules in the same run.
 * Throws on MuPDF errors.
 */
static fz_stext_page *read_stext(struct pdf_state *st, fz_page *page, fz_rect box,
                                 const fz_stext_options *opts, fz_matrix ctm)
{
	fz_context *ctx = st->ctx;
	fz_stext_page *text = fz_new_stext_page(ctx, box);
	fz_device *dev = NULL;

	fz_var(dev);
	fz_try(ctx)
	{
		dev = fz_new_stext_device(ctx, text, opts);
		st->fill_path = dev->fill_path;
		st->stroke_path = dev->stroke_path;
		dev->fill_path = dev_fill_path;
		dev->stroke_path = dev_stroke_path;
		fz_run_page_contents(ctx, page, dev, ctm, NULL);
		fz_close_device(ctx, dev);
	}
	fz_always(ctx) fz_drop_device(ctx, dev);
	fz_catch(ctx)
	{
		fz_drop_stext_page(ctx, text);
		fz_rethrow(ctx);
	}
	return text;
}

/*
 * The turn (0, 90, 180 or 270 degrees) that makes most of the text of `sp`
 * run left to right: text that runs down the displayed page (a page with
 * /Rotate 90, a landscape table set sideways) needs 270.
 */
static int text_turn(const fz_stext_page *sp)
{
	static const int turns[4] = { 0, 270, 180, 90 };
	size_t count[4] = { 0, 0, 0, 0 }, total = 0;
	const fz_stext_block *b;
	const fz_stext_line *ln;
	const fz_stext_char *ch;
	int i, best = 0;

	for (b = sp->first_block; b; b = b->next) {
		if (b->type != FZ_STEXT_BLOCK_TEXT)
			continue;
		for (ln = b->u.t.first_line; ln; ln = ln->next) {
			size_t n = 0;
			int d = fabsf(ln->dir.x) >= fabsf(ln->dir.y) ? (ln->dir.x >= 0 ? 0 : 2)
			                                             : (ln->dir.y > 0 ? 1 : 3);
			for (ch = ln->first_char; ch; ch = ch->next)
				n += ch->c != ' ';
			count[d] += n;
			total += n;
		}
	}
	for (i = 1; i < 4; i++)
		if (count[i] > count[best])
			best = i;
	return count[best] * 2 > total ? turns[best] : 0;
}

/*
 * Load page `index` (0-based): its displayed box into *box and its
 * structured text into *out (the caller drops it), read turned by *turn so
 * that most of its text runs left to right (the identity for most pages; see
 * text_turn()). Returns 0, ENCLAVE_ELIMIT for a page larger than
 * ENCLAVE_MAX_PAGE_SIDE, or ENCLAVE_EINVALID.
 */
static int load_page(struct pdf_state *st, int index, fz_rect *box, fz_matrix *turn,
                     fz_stext_page **out)
{
	fz_context *ctx = st->ctx;
	fz_page *page = NULL;
	fz_stext_options opts;
	int too_big = 0, deg;

	/*
	 * Not FZ_STEXT_DEHYPHENATE: in 1.21 it drops every line-end hyphen
	 * ("Lucene-BM25" becomes "LuceneBM25") and merges the lines, losing the
	 * baselines that paragraph splitting needs; join_lines() does it instead.
	 * Not FZ_STEXT_MEDIABOX_CLIP: it bounds every glyph's outline, a third
	 * of MuPDF's time on text-heavy pages; off_page() drops the characters
	 * outside the page from their boxes instead.
	 */
	memset(&opts, 0, sizeof(opts));
	opts.flags = 0;
	*out = NULL;
	*turn = fz_identity;
	st->nrules = 0;
	fz_var(page);
	fz_var(too_big);
	fz_try(ctx)
	{
		page = fz_load_page(ctx, st->doc, index);
		*box = fz_bound_page(ctx, page);
		if (!(box->x1 - box->x0 <= ENCLAVE_MAX_PAGE_SIDE &&
		      box->y1 - box->y0 <= ENCLAVE_MAX_PAGE_SIDE))
			too_big = 1;
		else
			*out = read_stext(st, page, *box, &opts, fz_identity);
		if (*out && (deg = text_turn(*out)) != 0) {
			fz_drop_stext_page(ctx, *out);
			*out = NULL;
			st->nrules = 0;
			*turn = fz_rotate((float)deg);
			*out = read_stext(st, page, fz_transform_rect(*box, *turn), &opts, *turn);
		}
	}
	fz_always(ctx) fz_drop_page(ctx, page);
	fz_catch(ctx) return mupdf_error(st, index + 1);
	if (too_big)
		return error_set(
		    ENCLAVE_ELIMIT, "page %d is %.0f x %.0f points, over the %.0f-point limit",
		    index + 1, box->x1 - box->x0, box->y1 - box->y0, ENCLAVE_MAX_PAGE_SIDE);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Characters                                                         */
/* ------------------------------------------------------------------ */

/*
 * Does character `ch` lie wholly outside st->clip, the page box of the page
 * being read (text drawn off the page: hidden stamps, printer's marks)?
 */
static int off_page(const struct pdf_state *st, const fz_stext_char *ch)
{
	const fz_quad *q = &ch->quad;
	float x0 = fminf(fminf(q->ul.x, q->ur.x), fminf(q->ll.x, q->lr.x));
	float x1 = fmaxf(fmaxf(q->ul.x, q->ur.x), fmaxf(q->ll.x, q->lr.x));
	float y0 = fminf(fminf(q->ul.y, q->ur.y), fminf(q->ll.y, q->lr.y));
	float y1 = fmaxf(fmaxf(q->ul.y, q->ur.y), fmaxf(q->ll.y, q->lr.y));

	return x1 < st->clip.x0 || x0 > st->clip.x1 || y1 < st->clip.y0 || y0 > st->clip.y1;
}

/* Does line `ln` lie wholly inside st->clip (then none of its characters is off_page())? */
static int line_inside(const struct pdf_state *st, const fz_stext_line *ln)
{
	return ln->bbox.x0 >= st->clip.x0 && ln->bbox.x1 <= st->clip.x1 &&
	       ln->bbox.y0 >= st->clip.y0 && ln->bbox.y1 <= st->clip.y1;
}

/* What code point `c` from MuPDF becomes: ' ' for spaces, -1 to drop, else itself or U+FFFD. */
static int norm_cp(int c)
{
	if (c == ' ' || c == '\t' || c == 0xa0 || (c >= 0x2000 && c <= 0x200a) || c == 0x3000)
		return ' ';
	if (c < 0x20)
		return c == 0 ? -1 : ' ';
	if ((c >= 0x7f && c <= 0x9f) || (c >= 0x200b && c <= 0x200d) || c == 0xfeff)
		return -1;
	if ((c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0xfffd;
	return c;
}

/* Is `c` a letter (ASCII, Latin-1 and Latin Extended, Greek, Cyrillic)? */
static int is_letter(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= 0xc0 && c <= 0x24f && c != 0xd7 && c != 0xf7) || (c >= 0x370 && c <= 0x52f);
}

/* Is `c` a lowercase letter (ASCII, Latin-1, Greek, Cyrillic)? */
static int is_lower(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 0xdf && c <= 0xff && c != 0xf7) ||
	       (c >= 0x3b1 && c <= 0x3c9) || (c >= 0x430 && c <= 0x45f);
}

/* A hyphen that may end a line inside a word (not the dashes). */
static int is_hyphen(int c)
{
	return c == '-' || c == 0x2010;
}

/* Is `c` a bullet glyph (symbol fonts' private-use bullets included)? */
static int is_bullet(int c)
{
	static const int bullets[] = { 0x2022, 0x2023, 0x2043, 0x2219, 0x25aa, 0x25ab, 0x25a0,
		                       0x25a1, 0x25cf, 0x25cb, 0x25e6, 0x27a2, 0x2713, 0x2714,
		                       0x00b7, 0xf0b7, 0xf0a7, 0xf0d8, 0xf076 };
	size_t i;

	for (i = 0; i < sizeof(bullets) / sizeof(bullets[0]); i++)
		if (c == bullets[i])
			return 1;
	return 0;
}

/*
 * Does a line starting with the code points `lead` (spaces collapsed) start a
 * list item: a bullet, "-", "*" or an en dash then a space, "12." or "12)"
 * then a space, "a)" then a space, or "(a)" / "(12)" then a space?
 */
static int starts_list(const int *lead)
{
	int i = 0;

	if (is_bullet(lead[0]))
		return 1;
	if ((lead[0] == '-' || lead[0] == '*' || lead[0] == 0x2013) && lead[1] == ' ')
		return 1;
	if (lead[0] >= '0' && lead[0] <= '9') {
		while (i < 3 && lead[i] >= '0' && lead[i] <= '9')
			i++;
		return (lead[i] == '.' || lead[i] == ')') && lead[i + 1] == ' ';
	}
	if (lead[0] >= 'a' && lead[0] <= 'z' && lead[1] == ')' && lead[2] == ' ')
		return 1;
	if (lead[0] == '(') {
		i = 1;
		if (lead[1] >= 'a' && lead[1] <= 'z')
			i = 2;
		else
			while (i < 3 && lead[i] >= '0' && lead[i] <= '9')
				i++;
		return i > 1 && lead[i] == ')' && lead[i + 1] == ' ';
	}
	return 0;
}

/* Append code point `c` to st->text. Returns 0 or ENCLAVE_E*. */
static int put_cp(struct pdf_state *st, int c)
{
	char enc[4];
	int error;

	if ((error = buf_put(&st->text, enc, utf8_encode((uint32_t)c, enc))) < 0)
		return error_buf(error, "pdf text");
	return 0;
}

/* ------------------------------------------------------------------ */
/* Lines and paragraphs                                               */
/* ------------------------------------------------------------------ */

/* The font size of the first character of line `ln`, 0 when empty. */
static float first_size(const fz_stext_line *ln)
{
	return ln->first_char ? ln->first_char->size : 0;
}

/* Is line `ln` left to right, not rotated? */
static int line_horizontal(const fz_stext_line *ln)
{
	return ln->wmode == 0 && ln->dir.x > 0.95f && fabsf(ln->dir.y) < 0.05f;
}

/* The histogram bin of font size `size`: 0 for none, the last for 1023.5 pt and up. */
static int size_bin(float size)
{
	if (!(size > 0))
		return 0;
	if (size >= (SIZE_BINS - 1) / 2.0f)
		return SIZE_BINS - 1;
	return (int)(size * 2 + 0.5f);
}

/* Scan MuPDF line `ln` into *s and count its characters in st->hist. */
static void scan_line(struct pdf_state *st, fz_stext_line *ln, struct seg *s)
{
	fz_stext_char *ch;
	double sum = 0;
	int nlead = 0, space = 0, inside = line_inside(st, ln);

	memset(s, 0, sizeof(*s));
	s->ln = ln;
	s->box = ln->bbox;
	s->horizontal = line_horizontal(ln);
	s->base = ln->first_char ? ln->first_char->origin.y : ln->bbox.y1;
	s->bold = 1;
	for (ch = ln->first_char; ch; ch = ch->next) {
		int c = !inside && off_page(st, ch) ? -1 : norm_cp(ch->c);

		if (c < 0)
			continue;
		if (c == ' ') {
			space = nlead > 0;
			continue;
		}
		if (nlead < LEAD - 1 && space)
			s->lead[nlead++] = ' ';
		if (nlead < LEAD - 1)
			s->lead[nlead++] = c;
		space = 0;
		s->nchars++;
		sum += ch->size;
		if (!ch->font || !fz_font_is_bold(st->ctx, ch->font))
			s->bold = 0;
		st->hist[size_bin(ch->size)]++;
		s->before_last = s->last;
		s->last = c;
	}
	if (nlead < LEAD - 1 && space)
		s->lead[nlead] = ' ';
	s->size = s->nchars ? (float)(sum / (double)s->nchars) : 0;
	if (!s->nchars)
		s->bold = 0;
}

/*
 * Does seg `s` continue visual line `v`: about the same baseline (super- and
 * subscripts included), starting right of v's start, not far past its end?
 */
static int same_line(const struct vline *v, const struct seg *s)
{
	float hi = v->size > s->size ? v->size : s->size;

	return v->horizontal && s->horizontal && fabsf(s->base - v->base) < 0.6f * hi &&
	       s->box.x0 > v->box.x0 + 0.5f * hi && s->box.x0 - v->box.x1 < 3 * hi;
}

/* Geometry of chained MuPDF blocks, for paragraph splitting. */
struct block_geom {
	float left, right; /* of their horizontal lines */
	float step;        /* the smallest baseline step between lines of one style; 0 if none */
	int nsteps;
	float page_step; /* the page's usual line step; 0 if unknown */
};

/* Do the code points `lead` start with the ASCII `word` (at most LEAD - 1 long)? */
static int lead_is(const int *lead, const char *word)
{
	int i;

	for (i = 0; word[i] && i < LEAD; i++)
		if (lead[i] != word[i])
			return 0;
	return 1;
}

/*
 * Does visual line `l` start a new paragraph after `p` in blocks of geometry
 * `g`, the paragraph so far being `cur`? On a change of size or weight, a
 * bullet, a step back up, a gap clearly wider than the line spacing, a
 * first-line indent after a short line or a sentence end; in a list item
 * (whose wrapped lines hang indented), on a line starting left of its bullet.
 */
static int breaks_para(const struct vline *p, const struct vline *l, const struct block_geom *g,
                       const struct para *cur)
{
	float lo = p->size < l->size ? p->size : l->size;
	float hi = p->size < l->size ? l->size : p->size;
	float step, limit, indent;
	int ended = p->last_cp == '.' || p->last_cp == ':' || p->last_cp == ';' ||
	            p->last_cp == '!' || p->last_cp == '?';
	int is_short = p->box.x1 < g->right - 2 * lo;

	if (lo <= 0 || hi >= HEADING_RATIO * lo || p->bold != l->bold || is_bullet(l->lead[0]))
		return 1;
	/* A caption ("Table 1: ...") after a sentence. */
	if (ended &&
	    (lead_is(l->lead, "Table") || lead_is(l->lead, "Figur") || lead_is(l->lead, "Fig.")))
		return 1;
	/* "10." at the start of a wrapped line is usually not a list item. */
	if (starts_list(l->lead) && (ended || is_short))
		return 1;
	if (!p->horizontal || !l->horizontal)
		return 0;
	step = l->base - p->base;
	if (step < 0.3f * lo)
		return 1;
	limit = g->nsteps >= 2     ? 1.4f * g->step
	        : g->page_step > 0 ? 1.4f * g->page_step
	                           : 2.0f * hi;
	if (limit < 1.1f * hi)
		limit = 1.1f * hi;
	if (step > limit)
		return 1;
	if (starts_list(cur->lead))
		return l->box.x0 < cur->first_x0 + 0.5f * lo;
	indent = l->box.x0 - g->left;
	return indent >= 0.8f * lo && indent <= 8 * lo && (is_short || ended);
}

/* Make room for `n` segs and vlines. Returns 0 or ENCLAVE_ENOMEM. */
static int reserve_lines(struct pdf_state *st, size_t n)
{
	struct seg *s;
	struct vline *v;

	if (n <= st->line_cap)
		return 0;
	if (!(s = realloc(st->segs, n * sizeof(*s))))
		return error_oom();
	st->segs = s;
	if (!(v = realloc(st->vlines, n * sizeof(*v))))
		return error_oom();
	st->vlines = v;
	st->line_cap = n;
	return 0;
}

/* Start a new paragraph on `page` in st->paras. Returns 0 or ENCLAVE_E*. */
static int new_para(struct pdf_state *st, int page)
{
	struct para *p;

	if (st->npara >= ENCLAVE_MAX_BLOCKS)
		return error_set(ENCLAVE_ELIMIT, "more than %d blocks", ENCLAVE_MAX_BLOCKS);
	if (st->npara == st->para_cap) {
		size_t ncap = st->para_cap ? st->para_cap * 2 : 64;
		if (!(p = realloc(st->paras, ncap * sizeof(*p))))
			return error_oom();
		st->paras = p;
		st->para_cap = ncap;
	}
	p = &st->paras[st->npara++];
	memset(p, 0, sizeof(*p));
	p->page = page;
	p->off = st->text.len;
	p->box = fz_empty_rect;
	p->bold = 1;
	p->horizontal = 1;
	return 0;
}

/*
 * Common English words that begin compounds written with a hyphen
 * ("open-domain", "well-known", "state-of-the-art"): a line that ends in one
 * of them and a hyphen keeps the hyphen. Sorted for bsearch.
 */
static const char *const compound_first[] = {
	"all",  "cross", "data", "deep",  "end",  "few",  "fine",  "full", "half",  "hand",  "high",
	"long", "low",   "many", "multi", "non",  "off",  "one",   "open", "over",  "part",  "post",
	"real", "rule",  "run",  "same",  "self", "semi", "short", "side", "small", "state", "task",
	"time", "top",   "two",  "under", "user", "well", "wide",  "word", "zero",
};

/*
 * Words that end compounds written with a hyphen ("rule-based",
 * "domain-specific", "large-scale"): a line that starts with one of them
 * after a line-end hyphen keeps the hyphen. Sorted for bsearch.
 */
static const char *const compound_second[] = {
	"art",      "aware", "based", "bound",    "by",      "class",       "dependent", "domain",
	"driven",   "end",   "free",  "friendly", "grained", "independent", "known",     "led",
	"length",   "level", "like",  "made",     "of",      "off",         "on",        "only",
	"oriented", "out",   "range", "related",  "scale",   "size",        "specific",  "step",
	"style",    "term",  "the",   "time",     "to",      "trained",     "tuned",     "up",
	"way",      "wide",  "wise",  "world",
};

/* bsearch order of a word against a table entry. */
static int word_cmp(const void *key, const void *entry)
{
	return strcmp(key, *(const char *const *)entry);
}

/* Is the NUL-terminated lowercase `w` in the sorted table `t` of `n` words? */
static int in_words(const char *w, const char *const *t, size_t n)
{
	return bsearch(w, t, n, sizeof(*t), word_cmp) != NULL;
}

/*
 * Should the hyphen that ends a line be dropped, joining the word `left`
 * (its letters before the hyphen; lowercase ASCII, or "" when it held a
 * hyphen, a digit or more than 31 letters) to `right` (the next line's first
 * word likewise, its first letter known lowercase)? No for a compound: the
 * left word already hyphenated ("state-of-the-"), or a word from the lists
 * above on either side. Yes otherwise: "auto-" "mated" -> "automated".
 */
static int joins_hyphen(const char *left, const char *right)
{
	if (!*left)
		return 0;
	if (in_words(left, compound_first, sizeof(compound_first) / sizeof(compound_first[0])))
		return 0;
	if (*right &&
	    in_words(right, compound_second, sizeof(compound_second) / sizeof(compound_second[0])))
		return 0;
	return 1;
}

/*
 * The word that ends st->text before its last `n` bytes (a line-end
 * hyphen), back to the paragraph start `from`, into out[32] in lowercase;
 * "" when it holds anything but ASCII letters (another hyphen: a compound
 * already) or is too long to judge, when it is then joined.
 */
static void left_word(const struct pdf_state *st, size_t from, size_t n, char out[32])
{
	size_t end = st->text.len - n, i = end, k;

	while (i > from && st->text.ptr[i - 1] != ' ')
		i--;
	out[0] = '\0';
	if (end - i >= 32)
		return;
	for (k = 0; i + k < end; k++) {
		char c = st->text.ptr[i + k];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		else if (!(c >= 'a' && c <= 'z'))
			return (void)(out[0] = '\0');
		out[k] = c;
	}
	out[k] = '\0';
}

/* The first word of visual line `v` into out[32] as left_word() does, ending at a non-letter. */
static void right_word(const struct pdf_state *st, const struct vline *v, char out[32])
{
	fz_stext_char *ch;
	size_t k = 0;

	out[0] = '\0';
	for (ch = st->segs[v->first].ln->first_char; ch && k < 31; ch = ch->next) {
		int c = ch->c;
		if (c >= 'A' && c <= 'Z')
			c += 32;
		if (!(c >= 'a' && c <= 'z'))
			break;
		out[k++] = (char)c;
	}
	out[k] = '\0';
}

/* Make room for `n` code points and the bidi work space in st->cps. Returns 0 or ENCLAVE_ENOMEM. */
static int reserve_cps(struct pdf_state *st, size_t n)
{
	uint32_t *p;
	size_t cap = st->cps_cap ? st->cps_cap : 256;

	if (n <= st->cps_cap)
		return 0;
	while (cap < n)
		cap *= 2;
	if (!(p = realloc(st->cps, cap * 7 * sizeof(*p))))
		return error_oom();
	/* The glued flags live after the work space: move them to their new place. */
	if (st->cps_cap)
		memmove(p + 6 * cap, p + 6 * st->cps_cap, st->cps_cap);
	st->cps = p;
	st->cps_cap = cap;
	return 0;
}

/*
 * Append the code points of visual line `v` to st->text: spaces collapsed,
 * right-to-left runs put in logical order, ligatures and presentation forms
 * expanded. `space` asks for a space before the first character written.
 * Returns 0 or ENCLAVE_E*.
 */
static int put_line(struct pdf_state *st, const struct vline *v, int space)
{
	size_t i, n = 0, k, m;
	int error, out = 0;
	unsigned char *glued;

	for (i = v->first; i <= v->last; i++) {
		fz_stext_char *ch;
		int inside = line_inside(st, st->segs[i].ln);

		if (i > v->first)
			space = 1;
		for (ch = st->segs[i].ln->first_char; ch; ch = ch->next) {
			int c = !inside && off_page(st, ch) ? -1 : norm_cp(ch->c);

			if (c < 0 || c == 0xad)
				continue;
			if (c == ' ') {
				space |= out;
				continue;
			}
			if ((error = reserve_cps(st, n + 2)) < 0)
				return error;
			glued = (unsigned char *)(st->cps + 6 * st->cps_cap);
			if (space) {
				glued[n] = 0;
				st->cps[n++] = ' ';
			}
			/* MuPDF gives the second and later letters of a glyph no width. */
			glued[n] = out && !space && fabsf(ch->quad.lr.x - ch->quad.ll.x) < 0.01f &&
			           fabsf(ch->quad.lr.y - ch->quad.ll.y) < 0.01f;
			st->cps[n++] = (uint32_t)c;
			space = 0;
			out = 1;
		}
	}
	/* A leading space stays in front, whatever the direction. */
	k = n && st->cps[0] == ' ';
	glued = (unsigned char *)(st->cps + 6 * st->cps_cap);
	layout_bidi_line(st->cps + k, n - k, glued + k, st->cps + st->cps_cap);
	for (i = 0; i < n; i++) {
		uint32_t u[3];
		m = layout_unshape(st->cps[i], u);
		for (k = 0; k < m; k++)
			if ((error = put_cp(st, (int)u[k])) < 0)
				return error;
	}
	return 0;
}

/*
 * Append visual line `v` to the current paragraph: a space before it, or
 * nothing after a soft hyphen, or the hyphen of `prev` removed when it ends
 * in letter-hyphen, `v` starts with a lowercase letter and the two do not
 * look like a compound (joins_hyphen: "auto-" "mated" but "open-" "domain").
 * Returns 0 or ENCLAVE_E*.
 */
static int join_lines(struct pdf_state *st, const struct vline *prev, const struct vline *v)
{
	struct para *p = &st->paras[st->npara - 1];
	int error, space = 0;

	if (prev && st->text.len > p->off) {
		if (prev->last_cp == 0xad) {
			space = 0;
		} else if (is_hyphen(prev->last_cp) && is_letter(prev->before_last)) {
			size_t n = prev->last_cp == '-' ? 1 : 3; /* U+2010 is 3 bytes */
			char left[32], right[32];
			if (is_lower(v->lead[0]) && st->text.len - p->off > n &&
			    (n == 1
			         ? st->text.ptr[st->text.len - 1] == '-'
			         : !memcmp(st->text.ptr + st->text.len - 3, "\xe2\x80\x90", 3))) {
				left_word(st, p->off, n, left);
				right_word(st, v, right);
				if (joins_hyphen(left, right))
					buf_truncate(&st->text, st->text.len - n);
			}
		} else {
			space = 1;
		}
	}
	if ((error = put_line(st, v, space)) < 0)
		return error;
	p->box = fz_union_rect(p->box, v->box);
	p->size_sum += (double)v->size * (double)v->nchars;
	p->nchars += v->nchars;
	p->nlines++;
	p->bold &= v->bold;
	p->horizontal &= v->horizontal;
	if (p->nlines == 1) {
		memcpy(p->lead, v->lead, sizeof(p->lead));
		p->first_x0 = v->box.x0;
	}
	return 0;
}

/*
 * Close the current paragraph: its length, its box made relative to the
 * page box `pb` and clamped to it; an empty one is dropped.
 */
static void end_para(struct pdf_state *st, fz_rect pb)
{
	struct para *p = &st->paras[st->npara - 1];
	float w = pb.x1 - pb.x0, h = pb.y1 - pb.y0;

	p->len = st->text.len - p->off;
	if (!p->len || !p->nchars) {
		buf_truncate(&st->text, p->off);
		st->npara--;
		return;
	}
	p->box.x0 = fminf(fmaxf(p->box.x0 - pb.x0, 0), w);
	p->box.x1 = fminf(fmaxf(p->box.x1 - pb.x0, 0), w);
	p->box.y0 = fminf(fmaxf(p->box.y0 - pb.y0, 0), h);
	p->box.y1 = fminf(fmaxf(p->box.y1 - pb.y0, 0), h);
}

/*
 * Does text block `b` continue block `a` as more lines of one paragraph?
 * Some producers make every line its own text object, which MuPDF makes a
 * block. Yes when b's first line comes right below a's last line (within
 * three font sizes), starts within two sizes right of the left margin `left`
 * of the blocks chained so far (a hanging indent, not a paragraph indent),
 * and a's last line is long and reaches about as far right as b: a wrapped
 * line. Cells of a table column fail the last test.
 */
static int continues_block(const fz_stext_block *a, const fz_stext_block *b, float left)
{
	const fz_stext_line *x = a->u.t.last_line, *y = b->u.t.first_line;
	float size, step;

	if (b->type != FZ_STEXT_BLOCK_TEXT || !x || !y || !x->first_char || !y->first_char ||
	    !line_horizontal(x) || !line_horizontal(y))
		return 0;
	size = fmaxf(first_size(x), first_size(y));
	step = y->first_char->origin.y - x->first_char->origin.y;
	return size > 0 && step > 0.5f * size && step <= 3 * size && y->bbox.x0 < x->bbox.x1 &&
	       y->bbox.x1 > x->bbox.x0 && y->bbox.x0 <= left + 2 * size &&
	       y->bbox.x0 >= left - 8 * size && x->bbox.x1 - x->bbox.x0 >= 12 * size &&
	       x->bbox.x1 >= b->bbox.x1 - 2 * size;
}

/*
 * Cut the MuPDF text blocks from `first` up to `end` (exclusive) of page
 * `page` (page box `pb`) into paragraphs appended to st->paras.
 * Returns 0 or ENCLAVE_E*.
 */
static int collect_blocks(struct pdf_state *st, fz_stext_block *first, fz_stext_block *end,
                          int page, fz_rect pb, float page_step)
{
	struct block_geom g = { 0, 0, 0, 0, page_step };
	fz_stext_block *b;
	fz_stext_line *ln;
	size_t n = 0, ns = 0, nv = 0, i;
	int error, have_left = 0;

	for (b = first; b != end; b = b->next)
		for (ln = b->u.t.first_line; ln; ln = ln->next)
			n++;
	if ((error = reserve_lines(st, n)) < 0)
		return error;
	for (b = first; b != end; b = b->next) {
		for (ln = b->u.t.first_line; ln; ln = ln->next) {
			scan_line(st, ln, &st->segs[ns]);
			if (st->segs[ns].nchars)
				ns++;
		}
	}
	/* Visual lines. */
	for (i = 0; i < ns; i++) {
		struct seg *s = &st->segs[i];
		struct vline *v = nv ? &st->vlines[nv - 1] : NULL;

		if (v && same_line(v, s)) {
			v->last = i;
			v->box = fz_union_rect(v->box, s->box);
			v->size = (v->size * (float)v->nchars + s->size * (float)s->nchars) /
			          (float)(v->nchars + s->nchars);
			v->nchars += s->nchars;
			v->bold &= s->bold;
			if (s->last) {
				v->before_last = s->before_last ? s->before_last : v->last_cp;
				v->last_cp = s->last;
			}
			continue;
		}
		v = &st->vlines[nv++];
		v->first = v->last = i;
		v->box = s->box;
		v->base = s->base;
		v->size = s->size;
		v->nchars = s->nchars;
		v->bold = s->bold;
		v->horizontal = s->horizontal;
		memcpy(v->lead, s->lead, sizeof(v->lead));
		v->last_cp = s->last;
		v->before_last = s->before_last;
	}
	/* Block geometry. */
	for (i = 0; i < nv; i++) {
		struct vline *v = &st->vlines[i], *p = i ? &st->vlines[i - 1] : NULL;

		if (!v->horizontal)
			continue;
		if (!have_left || v->box.x0 < g.left)
			g.left = v->box.x0;
		if (!have_left || v->box.x1 > g.right)
			g.right = v->box.x1;
		have_left = 1;
		if (p && p->horizontal && p->bold == v->bold && p->size > 0 &&
		    fmaxf(p->size, v->size) < HEADING_RATIO * fminf(p->size, v->size)) {
			float step = v->base - p->base;
			if (step > 0.6f * fminf(p->size, v->size)) {
				if (!g.nsteps || step < g.step)
					g.step = step;
				g.nsteps++;
			}
		}
	}
	for (i = 0; i < nv; i++)
		if (st->vlines[i].horizontal && st->vlines[i].nchars >= LONG_LINE)
			st->hist_long[size_bin(st->vlines[i].size)] += st->vlines[i].nchars;
	/* Paragraphs. */
	for (i = 0; i < nv; i++) {
		struct vline *v = &st->vlines[i], *p = i ? &st->vlines[i - 1] : NULL;

		if (!p || breaks_para(p, v, &g, &st->paras[st->npara - 1])) {
			if (p)
				end_para(st, pb);
			if ((error = new_para(st, page)) < 0)
				return error;
			p = NULL;
		}
		if ((error = join_lines(st, p, v)) < 0)
			return error;
	}
	if (nv)
		end_para(st, pb);
	return 0;
}

/*
 * The page's usual baseline step: the median step between consecutive
 * horizontal lines (in MuPDF's order) of one font size that overlap
 * horizontally and lie 0.6 to 3 sizes apart, in half-point bins; 0 when
 * there are none. Used where a paragraph has too few lines to tell.
 */
static float page_step(const fz_stext_page *sp)
{
	size_t bins[512], total = 0, acc = 0;
	const fz_stext_line *prev = NULL, *ln;
	const fz_stext_block *b;
	int i;

	memset(bins, 0, sizeof(bins));
	for (b = sp->first_block; b; b = b->next) {
		if (b->type != FZ_STEXT_BLOCK_TEXT)
			continue;
		for (ln = b->u.t.first_line; ln; prev = ln, ln = ln->next) {
			float size, step;
			if (!prev || !prev->first_char || !ln->first_char ||
			    !line_horizontal(prev) || !line_horizontal(ln))
				continue;
			size = first_size(ln);
			step = ln->first_char->origin.y - prev->first_char->origin.y;
			/* Written so that NaNs fail every test. */
			if (!(size > 0 && fabsf(first_size(prev) - size) <= 0.1f * size &&
			      step > 0.6f * size && step <= 3 * size && step * 2 < 512 &&
			      ln->bbox.x0 < prev->bbox.x1 && ln->bbox.x1 > prev->bbox.x0))
				continue;
			bins[(int)(step * 2)]++;
			total++;
		}
	}
	for (i = 0; i < 512 && total; i++)
		if ((acc += bins[i]) * 2 >= total)
			return (float)i / 2 + 0.25f;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Reading order                                                      */
/* ------------------------------------------------------------------ */

/* qsort_r order: left edge, then top. */
static int by_left(const void *a, const void *b, void *arg)
{
	const struct para *p = arg;
	const fz_rect *x = &p[*(const size_t *)a].box, *y = &p[*(const size_t *)b].box;

	if (x->x0 != y->x0)
		return x->x0 < y->x0 ? -1 : 1;
	if (x->y0 != y->y0)
		return x->y0 < y->y0 ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/* qsort_r order: top edge, then left. */
static int by_top(const void *a, const void *b, void *arg)
{
	const struct para *p = arg;
	const fz_rect *x = &p[*(const size_t *)a].box, *y = &p[*(const size_t *)b].box;

	if (x->y0 != y->y0)
		return x->y0 < y->y0 ? -1 : 1;
	if (x->x0 != y->x0)
		return x->x0 < y->x0 ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/* A set of disjoint x intervals, [a, b) pairs. */
struct spans {
	float *v; /* 2 * n floats */
	size_t n;
};

/* Remove [a, b] from every interval of `s`, keeping pieces at least GUTTER wide. */
static void spans_cut(struct spans *s, float a, float b)
{
	size_t i, n = s->n, k = 0;
	float *tmp = s->v + 2 * n; /* room for n + 1 more intervals after the current ones */

	for (i = 0; i < n; i++) {
		float p = s->v[2 * i], q = s->v[2 * i + 1];
		if (q <= a || p >= b) {
			tmp[2 * k] = p, tmp[2 * k + 1] = q, k++;
			continue;
		}
		if (a - p >= GUTTER)
			tmp[2 * k] = p, tmp[2 * k + 1] = a, k++;
		if (q - b >= GUTTER)
			tmp[2 * k] = b, tmp[2 * k + 1] = q, k++;
	}
	memmove(s->v, tmp, 2 * k * sizeof(float));
	s->n = k;
}

/*
 * Put ids[0, n) (indexes into `p`) in reading order, in place: split into
 * columns at vertical gutters that cross the whole set, else into bands at
 * horizontal gaps; consecutive bands that share a gutter with text on both
 * sides of it form a region read column by column, so full-width blocks
 * (titles, figures, footers) separate column runs. Returns 0 or ENCLAVE_E*.
 */
static int xycut(struct para *p, size_t *ids, size_t n, int depth)
{
	size_t *band = NULL, nb = 0, i, j, k, start;
	struct spans f = { NULL, 0 }, g = { NULL, 0 };
	float right, bottom, x0, x1;
	int error = 0;

	if (n < 2)
		return 0;
	if (depth >= XYCUT_MAX_DEPTH) {
		qsort_r(ids, n, sizeof(*ids), by_top, p);
		return 0;
	}
	/* Columns across the whole set. */
	qsort_r(ids, n, sizeof(*ids), by_left, p);
	right = p[ids[0]].box.x1;
	for (i = 1, start = 0; i < n; i++) {
		if (p[ids[i]].box.x0 - right >= GUTTER) {
			if ((error = xycut(p, ids + start, i - start, depth + 1)) < 0)
				return error;
			start = i;
		}
		right = fmaxf(right, p[ids[i]].box.x1);
	}
	if (start > 0)
		return xycut(p, ids + start, n - start, depth + 1);

	/* Bands, top to bottom. */
	qsort_r(ids, n, sizeof(*ids), by_top, p);
	if (!(band = malloc((n + 1) * sizeof(*band))))
		return error_oom();
	band[nb++] = 0;
	bottom = p[ids[0]].box.y1;
	x0 = p[ids[0]].box.x0;
	x1 = p[ids[0]].box.x1;
	for (i = 1; i < n; i++) {
		const fz_rect *r = &p[ids[i]].box;
		if (r->y0 > bottom - BAND_OVERLAP)
			band[nb++] = i;
		bottom = fmaxf(bottom, r->y1);
		x0 = fminf(x0, r->x0);
		x1 = fmaxf(x1, r->x1);
	}
	band[nb] = n;
	if (nb == 1)
		goto done;
	if (!(f.v = malloc(4 * (n + 2) * sizeof(float))) ||
	    !(g.v = malloc(4 * (n + 2) * sizeof(float)))) {
		error = error_oom();
		goto done;
	}
	for (i = 0; i < nb && !error;) {
		float rmin, rmax;
		int sides = 0;

		/* The free x strips shared by bands i..j-1. */
		f.v[0] = x0, f.v[1] = x1, f.n = 1;
		for (k = band[i]; k < band[i + 1]; k++)
			spans_cut(&f, p[ids[k]].box.x0, p[ids[k]].box.x1);
		for (j = i + 1; j < nb && f.n; j++) {
			memcpy(g.v, f.v, 2 * f.n * sizeof(float));
			g.n = f.n;
			for (k = band[j]; k < band[j + 1] && g.n; k++)
				spans_cut(&g, p[ids[k]].box.x0, p[ids[k]].box.x1);
			if (!g.n)
				break;
			memcpy(f.v, g.v, 2 * g.n * sizeof(float));
			f.n = g.n;
		}
		if (j - i >= 2 && !(i == 0 && j == nb)) {
			rmin = x1, rmax = x0;
			for (k = band[i]; k < band[j]; k++) {
				rmin = fminf(rmin, p[ids[k]].box.x0);
				rmax = fmaxf(rmax, p[ids[k]].box.x1);
			}
			for (k = 0; k < f.n && !sides; k++)
				sides = rmin < f.v[2 * k] && rmax > f.v[2 * k + 1];
		}
		if (!sides)
			j = i + 1;
		error = xycut(p, ids + band[i], band[j] - band[i], depth + 1);
		i = j;
	}
done:
	free(band);
	free(f.v);
	free(g.v);
	return error;
}

/* Put the paragraphs of the page from paras[first] on in reading order. Returns 0 or ENCLAVE_E*. */
static int order_page(struct pdf_state *st, size_t first)
{
	size_t n = st->npara - first, i, *ids;
	struct para *tmp;
	int error;

	if (n < 2 || n > XYCUT_MAX_BLOCKS)
		return 0;
	if (!(ids = malloc(n * sizeof(*ids))))
		return error_oom();
	if (!(tmp = malloc(n * sizeof(*tmp)))) {
		free(ids);
		return error_oom();
	}
	for (i = 0; i < n; i++)
		ids[i] = first + i;
	if ((error = xycut(st->paras, ids, n, 0)) == 0) {
		for (i = 0; i < n; i++)
			tmp[i] = st->paras[ids[i]];
		memcpy(st->paras + first, tmp, n * sizeof(*tmp));
	}
	free(ids);
	free(tmp);
	return error;
}

/* ------------------------------------------------------------------ */
/* Tables                                                             */
/* ------------------------------------------------------------------ */

/* Union-find root of `i` in `up`, with path halving. */
static size_t uf_find(size_t *up, size_t i)
{
	while (up[i] != i)
		i = up[i] = up[up[i]];
	return i;
}

/* Do rules `h` (horizontal) and `v` (vertical) cross or touch? */
static int rules_cross(const struct rule *h, const struct rule *v)
{
	return v->at >= h->a0 - RULE_SNAP && v->at <= h->a1 + RULE_SNAP &&
	       h->at >= v->a0 - RULE_SNAP && h->at <= v->a1 + RULE_SNAP;
}

/* Do parallel rules `a` and `b` lie on one line and overlap or touch? */
static int rules_join(const struct rule *a, const struct rule *b)
{
	return a->vertical == b->vertical && fabsf(a->at - b->at) <= RULE_SNAP &&
	       a->a0 <= b->a1 + RULE_SNAP && b->a0 <= a->a1 + RULE_SNAP;
}

/* qsort order of floats. */
static int float_cmp(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return x < y ? -1 : x > y;
}

/*
 * The distinct positions of the rules of component `root` that are
 * `vertical` (or not), sorted, those within RULE_SNAP merged, into out[];
 * returns their count.
 */
static size_t grid_lines(const struct pdf_state *st, size_t *up, size_t root, int vertical,
                         float *out)
{
	size_t i, n = 0, k = 0;

	for (i = 0; i < st->nrules; i++)
		if (st->rules[i].vertical == vertical && uf_find(up, i) == root)
			out[n++] = st->rules[i].at;
	qsort(out, n, sizeof(*out), float_cmp);
	for (i = 0; i < n; i++)
		if (!k || out[i] - out[k - 1] > RULE_SNAP)
			out[k++] = out[i];
	return k;
}

/* The index of the band of `lines` (n sorted positions) holding `v`, or -1 outside them. */
static long band_of(const float *lines, size_t n, float v)
{
	size_t lo = 0, hi = n;

	if (n < 2 || v < lines[0] || v >= lines[n - 1])
		return -1;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (lines[mid] <= v)
			lo = mid;
		else
			hi = mid;
	}
	return (long)lo;
}

/* Is the centre of paragraph box `b` (page-relative) inside `t`? */
static int centre_in(fz_rect b, fz_rect t)
{
	float x = (b.x0 + b.x1) / 2, y = (b.y0 + b.y1) / 2;

	return x >= t.x0 && x <= t.x1 && y >= t.y0 && y <= t.y1;
}

/*
 * Append a table paragraph on `page` with box `box` (page-relative) whose
 * cells are `rows` (a JSON array of arrays of strings, borrowed): text rows
 * joined by '\n', cells by '\t', attrs {"rows": ...}. The paragraphs of the
 * page from st->paras[first] whose centre lies in the box are dropped first
 * (their text now is the table's). Returns 0 or ENCLAVE_E*.
 */
static int add_table(struct pdf_state *st, size_t first, int page, fz_rect box, json_t *rows)
{
	size_t i, j, k, nrows = json_array_size(rows), nchars = 0;
	json_t *attrs;
	struct para *p;
	int error;

	for (i = k = first; i < st->npara; i++) {
		if (!st->paras[i].table && centre_in(st->paras[i].box, box)) {
			free(st->paras[i].attrs);
			continue;
		}
		st->paras[k++] = st->paras[i];
	}
	st->npara = k;
	if ((error = new_para(st, page)) < 0)
		return error;
	p = &st->paras[st->npara - 1];
	for (i = 0; i < nrows && !error; i++) {
		json_t *row = json_array_get(rows, i);
		if (i)
			error = put_cp(st, '\n');
		for (j = 0; j < json_array_size(row) && !error; j++) {
			const char *cell = json_string_value(json_array_get(row, j));
			int r;
			if (j && (error = put_cp(st, '\t')) < 0)
				break;
			if ((r = buf_puts(&st->text, cell)) < 0)
				error = error_buf(r, "pdf text");
			for (; *cell; cell++)
				nchars += *cell != ' ';
		}
	}
	if (error)
		return error;
	if (!(attrs = json_pack("{s:O}", "rows", rows)))
		return error_oom();
	p->attrs = json_dumps(attrs, JSON_COMPACT);
	json_decref(attrs);
	if (!p->attrs)
		return error_oom();
	p->len = st->text.len - p->off;
	p->box = box;
	p->table = 1;
	p->nchars = nchars ? nchars : 1;
	p->nlines = (int)nrows;
	p->bold = 0;
	return 0;
}

/*
 * The text of the characters of `sp` inside the grid xs[nx] x ys[ny]
 * (device space) as a new JSON array of rows of cell strings (white space
 * collapsed; lines within a cell joined by a space; empty rows dropped), in
 * *out; NULL when no cell holds text. Returns 0 or ENCLAVE_E*.
 */
static int grid_cells(json_t **out, const struct pdf_state *st, fz_stext_page *sp, const float *xs,
                      size_t nx, const float *ys, size_t ny)
{
	size_t ncols = nx - 1, ncells = ncols * (ny - 1), i, j;
	struct buf *cells;
	fz_stext_line **last;
	unsigned char *wall; /* wall[r * nx + k]: a vertical rule at xs[k] crosses row r */
	fz_stext_block *b;
	json_t *rows = NULL;
	int error = 0, any = 0;

	*out = NULL;
	cells = calloc(ncells, sizeof(*cells));
	last = calloc(ncells, sizeof(*last));
	wall = calloc((ny - 1) * nx, 1);
	if (!cells || !last || !wall) {
		error = error_oom();
		goto done;
	}
	for (i = 0; i < ncells; i++)
		cells[i] = (struct buf)BUF_INIT(ENCLAVE_MAX_BLOCK_BYTES);
	/* Merged cells: no rule between two columns of a row, their text goes left. */
	for (i = 0; i < st->nrules; i++) {
		const struct rule *r = &st->rules[i];
		long k = band_of(xs, nx, r->at + RULE_SNAP), top, bottom;
		if (!r->vertical || k < 0 || r->at + RULE_SNAP - xs[k] > 2 * RULE_SNAP)
			continue;
		top = band_of(ys, ny, r->a0 + RULE_SNAP);
		bottom = band_of(ys, ny, r->a1 - RULE_SNAP);
		if (top < 0)
			top = 0;
		if (bottom < 0)
			bottom = (long)ny - 2;
		for (; top <= bottom; top++)
			wall[(size_t)top * nx + (size_t)k] = 1;
	}
	for (b = sp->first_block; b && !error; b = b->next) {
		fz_stext_line *ln;
		if (b->type != FZ_STEXT_BLOCK_TEXT)
			continue;
		for (ln = b->u.t.first_line; ln && !error; ln = ln->next) {
			fz_stext_char *ch;
			for (ch = ln->first_char; ch && !error; ch = ch->next) {
				float cx = (ch->quad.ul.x + ch->quad.lr.x) / 2;
				float cy = (ch->quad.ul.y + ch->quad.lr.y) / 2;
				long r = band_of(ys, ny, cy), c = band_of(xs, nx, cx);
				int cp = off_page(st, ch) ? -1 : norm_cp(ch->c);
				struct buf *cell;
				char enc[4];
				if (r < 0 || c < 0 || cp < 0 || cp == 0xad)
					continue;
				while (c > 0 && !wall[(size_t)r * nx + (size_t)c])
					c--;
				cell = &cells[(size_t)r * ncols + (size_t)c];
				if (last[(size_t)r * ncols + (size_t)c] != ln && cell->len &&
				    cell->ptr[cell->len - 1] != ' ')
					error = buf_putc(cell, ' ');
				last[(size_t)r * ncols + (size_t)c] = ln;
				if (error ||
				    (cp == ' ' && (!cell->len || cell->ptr[cell->len - 1] == ' ')))
					continue;
				error = buf_put(cell, enc, utf8_encode((uint32_t)cp, enc));
				any = 1;
			}
		}
	}
	if (error) {
		error = error_buf(error, "table cell");
		goto done;
	}
	if (!any)
		goto done;
	if (!(rows = json_array())) {
		error = error_oom();
		goto done;
	}
	for (i = 0; i + 1 < ny; i++) {
		json_t *row = json_array();
		int filled = 0;
		if (!row || json_array_append_new(rows, row)) {
			error = error_oom();
			goto done;
		}
		for (j = 0; j < ncols; j++) {
			struct buf *cell = &cells[i * ncols + j];
			while (cell->len && cell->ptr[cell->len - 1] == ' ')
				buf_truncate(cell, cell->len - 1);
			filled |= cell->len > 0;
			if (json_array_append_new(row, json_string(cell->len ? cell->ptr : ""))) {
				error = error_oom();
				goto done;
			}
		}
		if (!filled)
			json_array_remove(rows, json_array_size(rows) - 1);
	}
	*out = rows;
	rows = NULL;
done:
	for (i = 0; cells && i < ncells; i++)
		buf_release(&cells[i]);
	free(cells);
	free(last);
	free(wall);
	json_decref(rows);
	return error;
}

/*
 * Tables drawn with ruling lines on the page whose structured text is `sp`
 * (page box `pb`): the rules collected while reading it (st->rules) are
 * grouped into connected grids; a grid of at least two columns whose cells
 * hold text becomes a table paragraph replacing the paragraphs inside it.
 * Quadratic in the rules, which are at most MAX_RULES. Returns 0 or
 * ENCLAVE_E*.
 */
static int ruled_tables(struct pdf_state *st, fz_stext_page *sp, size_t first, int page, fz_rect pb)
{
	size_t n = st->nrules, i, j, *up = NULL, nx, ny;
	float *xs = NULL, *ys = NULL;
	int error = 0;

	if (n < 4)
		return 0;
	up = malloc(n * sizeof(*up));
	xs = malloc(n * sizeof(*xs));
	ys = malloc(n * sizeof(*ys));
	if (!up || !xs || !ys) {
		error = error_oom();
		goto done;
	}
	for (i = 0; i < n; i++)
		up[i] = i;
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++) {
			const struct rule *a = &st->rules[i], *b = &st->rules[j];
			int link = a->vertical == b->vertical ? rules_join(a, b)
			           : a->vertical              ? rules_cross(b, a)
			                                      : rules_cross(a, b);
			if (link)
				up[uf_find(up, i)] = uf_find(up, j);
		}
	for (i = 0; i < n && !error; i++) {
		json_t *rows = NULL;
		fz_rect box;

		if (uf_find(up, i) != i)
			continue;
		nx = grid_lines(st, up, i, 1, xs);
		ny = grid_lines(st, up, i, 0, ys);
		if (nx < 3 || ny < 2 || (nx - 1) * (ny - 1) > MAX_TABLE_CELLS)
			continue;
		if ((error = grid_cells(&rows, st, sp, xs, nx, ys, ny)) < 0 || !rows)
			continue;
		box = fz_make_rect(xs[0] - pb.x0, ys[0] - pb.y0, xs[nx - 1] - pb.x0,
		                   ys[ny - 1] - pb.y0);
		if (json_array_size(rows))
			error = add_table(st, first, page, box, rows);
		json_decref(rows);
	}
done:
	free(up);
	free(xs);
	free(ys);
	return error;
}

/* qsort_r order of paragraph indexes: vertical centre, then left edge. */
static int by_centre(const void *a, const void *b, void *arg)
{
	const struct para *p = arg;
	const fz_rect *x = &p[*(const size_t *)a].box, *y = &p[*(const size_t *)b].box;
	float cx = x->y0 + x->y1, cy = y->y0 + y->y1;

	if (cx != cy)
		return cx < cy ? -1 : 1;
	if (x->x0 != y->x0)
		return x->x0 < y->x0 ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/* Can paragraph `p` be a cell of an aligned-column table: one short horizontal line? */
static int cell_like(const struct para *p)
{
	return !p->table && p->nlines == 1 && p->horizontal && p->nchars <= CELL_MAX_CHARS;
}

/*
 * A table without rules: the first run of at least ALIGNED_MIN_ROWS
 * consecutive rows (paragraphs of the page from `first` on sharing a
 * vertical centre) of the same number (two or more) of cell_like()
 * paragraphs, each overlapping horizontally the same column of the row
 * above and no other, rows no more than two line heights apart, becomes a
 * table paragraph. O(n log n) in the page's paragraphs. Returns 1 when a
 * table was made, 0 when none, or ENCLAVE_E*.
 */
static int aligned_table(struct pdf_state *st, size_t first, int page)
{
	size_t n = st->npara - first, nc = 0, i, j, nrows = 0, *ids = NULL, *row = NULL;
	int error = 0, found = 0;

	if (n < 2 * ALIGNED_MIN_ROWS)
		return 0;
	ids = malloc(n * sizeof(*ids));
	row = malloc((n + 1) * sizeof(*row)); /* row starts in ids */
	if (!ids || !row) {
		error = error_oom();
		goto done;
	}
	for (i = first; i < st->npara; i++)
		if (cell_like(&st->paras[i]))
			ids[nc++] = i;
	qsort_r(ids, nc, sizeof(*ids), by_centre, st->paras);
	/* Rows: paragraphs whose vertical centre lies within the first one's box. */
	for (i = 0; i < nc; i = j) {
		const fz_rect *a = &st->paras[ids[i]].box;
		row[nrows++] = i;
		for (j = i + 1; j < nc; j++) {
			const fz_rect *b = &st->paras[ids[j]].box;
			float c = (b->y0 + b->y1) / 2;
			if (c < a->y0 || c > a->y1)
				break;
		}
		/* Cells left to right: the sort put equal centres by left edge, not all rows. */
		qsort_r(ids + i, j - i, sizeof(*ids), by_left, st->paras);
	}
	row[nrows] = nc;
	for (i = 0; i < nrows && !error;) {
		size_t k = row[i + 1] - row[i], r;
		fz_rect box = fz_empty_rect;
		json_t *rows;

		for (j = i + 1; k >= 2 && j < nrows && row[j + 1] - row[j] == k; j++) {
			const fz_rect *up0 = &st->paras[ids[row[j - 1]]].box;
			const fz_rect *lo0 = &st->paras[ids[row[j]]].box;
			float h = fmaxf(up0->y1 - up0->y0, lo0->y1 - lo0->y0);
			size_t c;
			int ok = lo0->y0 - up0->y1 <= 2 * h;
			for (c = 0; c < k && ok; c++) {
				const fz_rect *u = &st->paras[ids[row[j - 1] + c]].box;
				const fz_rect *l = &st->paras[ids[row[j] + c]].box;
				ok = l->x0 < u->x1 && l->x1 > u->x0;
				if (ok && c + 1 < k)
					ok = l->x1 < st->paras[ids[row[j - 1] + c + 1]].box.x0;
			}
			if (!ok)
				break;
		}
		if (k < 2 || j - i < ALIGNED_MIN_ROWS) {
			i++;
			continue;
		}
		if (!(rows = json_array())) {
			error = error_oom();
			break;
		}
		for (r = i; r < j && !error; r++) {
			json_t *cells = json_array();
			size_t c;
			if (!cells || json_array_append_new(rows, cells)) {
				error = error_oom();
				break;
			}
			for (c = 0; c < k; c++) {
				const struct para *p = &st->paras[ids[row[r] + c]];
				box = fz_union_rect(box, p->box);
				if (json_array_append_new(
				        cells, json_stringn(st->text.ptr + p->off, p->len))) {
					error = error_oom();
					break;
				}
			}
		}
		if (!error)
			error = add_table(st, first, page, box, rows);
		json_decref(rows);
		found = !error;
		break;
	}
done:
	free(ids);
	free(row);
	return error < 0 ? error : found;
}

/*
 * Tables without rules on the page whose paragraphs start at
 * st->paras[first]: aligned_table() until it finds no more (each table
 * found moves the paragraphs). Returns 0 or ENCLAVE_E*.
 */
static int aligned_tables(struct pdf_state *st, size_t first, int page)
{
	int found;

	while ((found = aligned_table(st, first, page)) > 0)
		;
	return found;
}

/* ------------------------------------------------------------------ */
/* Pages                                                              */
/* ------------------------------------------------------------------ */

/*
 * Page `index` (0-based) could not be read (the error is set): keep it as
 * an empty page (method "none") and its message for the metadata, so that
 * one broken page does not lose the others. Returns 0 or ENCLAVE_E*.
 */
static int broken_page(struct pdf_state *st, struct enclave_doc *doc, int index)
{
	int n;

	if (!st->errors && !(st->errors = json_array()))
		return error_oom();
	if (json_array_size(st->errors) < PDF_MAX_PAGE_ERRORS &&
	    json_array_append_new(st->errors, json_string(enclave_error_last())))
		return error_oom();
	st->page_errors++;
	n = doc_add_page(doc, 0, 0, "none", 0);
	return n < 0 ? n : 0;
}

/*
 * Map the boxes of the paragraphs from st->paras[first] on, relative to the
 * turned page box `tb`, back to the displayed page (box `box`) that `turn`
 * turned.
 */
static void unturn_boxes(struct pdf_state *st, size_t first, fz_rect box, fz_rect tb,
                         fz_matrix turn)
{
	fz_matrix back = fz_invert_matrix(turn);
	size_t i;

	for (i = first; i < st->npara; i++) {
		fz_rect r = fz_translate_rect(st->paras[i].box, tb.x0, tb.y0);
		r = fz_transform_rect(r, back);
		st->paras[i].box = fz_translate_rect(r, -box.x0, -box.y0);
	}
}

/*
 * Read page `index` (0-based): its paragraphs, in reading order, onto
 * st->paras, then the page into `doc` (method "text" when it has any).
 * Returns 0 or ENCLAVE_E*.
 */
static int read_page(struct pdf_state *st, struct enclave_doc *doc, int index)
{
	fz_stext_page *sp = NULL;
	fz_stext_block *b, *end, *last;
	fz_rect box = fz_empty_rect, tb;
	fz_matrix turn;
	size_t first = st->npara;
	float step;
	int error, n;

	if ((error = load_page(st, index, &box, &turn, &sp)) < 0)
		return error == ENCLAVE_EINVALID ? broken_page(st, doc, index) : error;
	/* OCR (pdf_ocr.c): a page without a usable text layer is taken there. */
	if ((error = pdf_ocr_page(&st->ocr, doc, st->ctx, st->doc, index, box, sp)) != 0) {
		fz_drop_stext_page(st->ctx, sp);
		return error < 0 ? error : 0;
	}
	tb = fz_transform_rect(box, turn); /* the page box where the text runs left to right */
	st->clip = tb;
	step = page_step(sp);
	for (b = sp->first_block; b && !error; b = end) {
		float left;

		end = b->next;
		if (b->type != FZ_STEXT_BLOCK_TEXT)
			continue;
		left = b->bbox.x0;
		for (last = b; end && continues_block(last, end, left); last = end, end = end->next)
			left = fminf(left, end->bbox.x0);
		error = collect_blocks(st, b, end, index + 1, tb, step);
	}
	if (!error)
		error = ruled_tables(st, sp, first, index + 1, tb);
	fz_drop_stext_page(st->ctx, sp);
	if (!error)
		error = aligned_tables(st, first, index + 1);
	if (!error)
		error = order_page(st, first);
	if (error)
		return error;
	if (!fz_is_identity(turn))
		unturn_boxes(st, first, box, tb, turn);
	if (index == 0)
		st->page1_height = box.y1 - box.y0;
	n = doc_add_page(doc, fmaxf(box.x1 - box.x0, 0), fmaxf(box.y1 - box.y0, 0),
	                 st->npara > first ? "text" : "none", 1.0);
	return n < 0 ? n : 0;
}

/* ------------------------------------------------------------------ */
/* Kinds and output                                                   */
/* ------------------------------------------------------------------ */

/* The mean font size of paragraph `p`. */
static float para_size(const struct para *p)
{
	return p->nchars ? (float)(p->size_sum / (double)p->nchars) : 0;
}

/*
 * Does paragraph `p` (text `s`) hold a letter: one of is_letter(), or any
 * character of the other scripts (Armenian to Ethiopic and beyond, CJK),
 * leaving out punctuation, symbols and private use.
 */
static int has_letter(const struct para *p, const char *s)
{
	const unsigned char *q = (const unsigned char *)s, *end = q + p->len;

	while (q < end) {
		uint32_t c;
		q += utf8_decode(q, end, &c);
		if (is_letter((int)c) || (c >= 0x530 && c < 0x2000) ||
		    (c >= 0x3040 && c < 0xe000) || (c >= 0xf900 && c < 0xfe00) ||
		    (c >= 0x10000 && c < 0xf0000))
			return 1;
	}
	return 0;
}

/*
 * Is `s` (`len` bytes) a caption: "Table", "Figure", "Fig." or "Chart"
 * (capitalised or in capitals), a space, a number ("3", "2.1", "IV", "A.1"),
 * then ':', '.', a dash or the end? At most CAPTION_MAX_CHARS bytes.
 */
static int is_caption(const char *s, size_t len)
{
	static const char *const words[] = { "Table ", "TABLE ", "Figure ", "FIGURE ",
		                             "Fig. ",  "FIG. ",  "Chart ",  "CHART " };
	const char *end = s + len, *p = NULL;
	size_t i, n;

	if (len > CAPTION_MAX_CHARS)
		return 0;
	for (i = 0; i < sizeof(words) / sizeof(words[0]) && !p; i++)
		if (len > (n = strlen(words[i])) && !memcmp(s, words[i], n))
			p = s + n;
	if (!p)
		return 0;
	if (p < end && *p >= 'A' && *p <= 'Z' && p + 1 < end &&
	    ((p[1] >= '0' && p[1] <= '9') || p[1] == '.'))
		p++; /* "A.1", "S3" */
	n = 0;
	while (p < end && ((*p >= '0' && *p <= '9') ||
	                   (*p == '.' && p + 1 < end && p[1] >= '0' && p[1] <= '9'))) {
		p++;
		n++;
	}
	while (!n && p < end && (*p == 'I' || *p == 'V' || *p == 'X')) {
		p++;
		if (p == end || !(*p == 'I' || *p == 'V' || *p == 'X'))
			n = 1;
	}
	if (!n)
		return 0;
	return p == end || *p == ':' || *p == '.' || *p == ' ' || *p == '-' ||
	       (end - p >= 3 && !memcmp(p, "\xe2\x80", 2));
}

/*
 * Set every paragraph's kind and level from the body size `body` (see the
 * top of the file). Returns the index of the title paragraph or -1.
 */
static long classify(struct pdf_state *st, float body)
{
	unsigned char is_heading_size[SIZE_BINS];
	int rank[SIZE_BINS], nsizes = 0, b;
	long title = -1;
	float best = 0;
	size_t i;

	memset(is_heading_size, 0, sizeof(is_heading_size));
	for (i = 0; i < st->npara; i++) {
		struct para *p = &st->paras[i];
		const char *s = st->text.ptr + p->off;
		float size = para_size(p);
		int last = (unsigned char)s[p->len - 1];

		p->kind = ENCLAVE_BLOCK_PARAGRAPH;
		p->level = 0;
		if (p->table) {
			p->kind = ENCLAVE_BLOCK_TABLE;
		} else if (p->running) {
			p->kind = (enclave_block_kind)p->running;
		} else if (is_caption(s, p->len)) {
			p->kind = ENCLAVE_BLOCK_CAPTION;
		} else if (!p->horizontal) {
			/* Rotated text: margin stamps, axis labels; never a heading. */
		} else if (is_bullet(p->lead[0])) {
			p->kind = ENCLAVE_BLOCK_LIST_ITEM;
			p->level = 1;
		} else if (size >= HEADING_RATIO * body && p->nchars <= HEADING_MAX_CHARS &&
		           p->nlines <= HEADING_MAX_LINES && p->nchars >= 2 && has_letter(p, s)) {
			p->kind = ENCLAVE_BLOCK_HEADING;
			if (p->page == 1 && p->box.y0 < TITLE_TOP * st->page1_height &&
			    size > best) {
				best = size;
				title = (long)i;
			}
		} else if (p->bold && p->nlines == 1 && p->nchars <= BOLD_HEADING_MAX_CHARS &&
		           size >= 0.95f * body && p->nchars >= 2 && last != '.' && last != ',' &&
		           last != ';' && has_letter(p, s)) {
			p->kind = ENCLAVE_BLOCK_HEADING;
			p->level = -1;
		} else if (starts_list(p->lead)) {
			p->kind = ENCLAVE_BLOCK_LIST_ITEM;
			p->level = 1;
		}
	}
	if (title >= 0)
		st->paras[title].kind = ENCLAVE_BLOCK_TITLE;
	for (i = 0; i < st->npara; i++)
		if (st->paras[i].kind == ENCLAVE_BLOCK_HEADING && st->paras[i].level == 0)
			is_heading_size[size_bin(para_size(&st->paras[i]))] = 1;
	for (b = SIZE_BINS - 1; b >= 0; b--) {
		rank[b] = nsizes;
		nsizes += is_heading_size[b];
	}
	for (i = 0; i < st->npara; i++) {
		struct para *p = &st->paras[i];
		int level;

		if (p->kind != ENCLAVE_BLOCK_HEADING)
			continue;
		level = p->level < 0 ? nsizes + 1 : rank[size_bin(para_size(p))] + 1;
		p->level = level > 6 ? 6 : level;
	}
	return title;
}

/*
 * Is Info title `t` a placeholder left by the producer: a file name or path
 * ("05-30197-CV0.wpd", "X:\\data\\pmm.vp"), "Microsoft Word - Document1",
 * "Untitled"? Then the title found on page 1 is better.
 */
static int junk_title(const char *t)
{
	static const char *const exts[] = {
		"doc",  "docx", "dot", "rtf", "odt",   "wpd", "txt", "tex",  "dvi", "ps",   "eps",
		"pdf",  "indd", "qxd", "qxp", "pages", "vp",  "xls", "xlsx", "ppt", "pptx", "htm",
		"html", "pub",  "pm",  "pm6", "fm",    "cdr", "ai",  "jpg",  "tif", "tiff", "png",
	};
	const char *dot = strrchr(t, '.');
	size_t i;

	if (!strncasecmp(t, "microsoft ", 10) && strstr(t, " - "))
		return 1;
	if (!strncasecmp(t, "untitled", 8) || strchr(t, '\\') || t[0] == '/')
		return 1;
	if (dot && !strchr(dot, ' '))
		for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
			if (!strcasecmp(dot + 1, exts[i]))
				return 1;
	return 0;
}

/* The bytes of list item text `s` to skip: a leading bullet glyph, "-", "*" or en dash. */
static size_t bullet_bytes(const struct para *p, const char *s)
{
	uint32_t c;

	if (!is_bullet(p->lead[0]) && p->lead[0] != '-' && p->lead[0] != '*' &&
	    p->lead[0] != 0x2013)
		return 0;
	return utf8_decode((const unsigned char *)s, (const unsigned char *)s + p->len, &c);
}

/*
 * Mark the running headers and footers among the paragraphs (para.running)
 * with layout_running(), pages heights from `doc`. Returns 0 or ENCLAVE_E*.
 */
static int find_running(struct pdf_state *st, const struct enclave_doc *doc)
{
	struct layout_item *items;
	size_t i;
	int error;

	if (doc->npages < 2)
		return 0;
	if (!(items = malloc(st->npara * sizeof(*items))))
		return error_oom();
	for (i = 0; i < st->npara; i++) {
		const struct para *p = &st->paras[i];
		items[i].page = p->page;
		items[i].y0 = p->box.y0;
		items[i].y1 = p->box.y1;
		items[i].page_height = (float)doc->pages[p->page - 1].height;
		items[i].text = st->text.ptr + p->off;
		items[i].len = p->len;
	}
	if ((error = layout_running(items, st->npara, (int)doc->npages)) == 0)
		for (i = 0; i < st->npara; i++)
			st->paras[i].running = items[i].mark;
	free(items);
	return error;
}

/*
 * Classify the paragraphs and add them to `doc`, boxes rounded to 0.01 pt.
 * The title is the Info title unless it is missing or junk_title(), then
 * the title block's text. Returns 0 or ENCLAVE_E*.
 */
static int emit(struct pdf_state *st, struct enclave_doc *doc)
{
	size_t i, most = 0;
	long title;
	int b, body = 0, error;
	int info = st->info_title && !junk_title(st->info_title);

	if (!st->npara)
		return info ? doc_set_title(doc, st->info_title) : 0;
	for (b = 1; b < SIZE_BINS; b++)
		if (st->hist_long[b] > most)
			most = st->hist_long[b], body = b;
	for (b = 1; b < SIZE_BINS && !most; b++)
		if (st->hist[b] > most)
			most = st->hist[b], body = b;
	if ((error = find_running(st, doc)) < 0)
		return error;
	title = classify(st, body ? (float)body / 2 : 10);
	if (info) {
		if ((error = doc_set_title(doc, st->info_title)) < 0)
			return error;
	} else if (title >= 0) {
		const struct para *p = &st->paras[title];
		char *t = strndup(st->text.ptr + p->off, p->len);
		if (!t)
			return error_oom();
		error = doc_set_title(doc, t);
		free(t);
		if (error < 0)
			return error;
	}
	for (i = 0; i < st->npara; i++) {
		const struct para *p = &st->paras[i];
		struct enclave_block tmpl = doc_block_template(p->kind, p->level, "text");
		const char *text = st->text.ptr + p->off;
		size_t skip = p->kind == ENCLAVE_BLOCK_LIST_ITEM ? bullet_bytes(p, text) : 0;

		tmpl.page = p->page;
		tmpl.attrs = p->attrs;
		tmpl.has_bbox = 1;
		tmpl.bbox.x0 = round(p->box.x0 * 100.0) / 100.0;
		tmpl.bbox.y0 = round(p->box.y0 * 100.0) / 100.0;
		tmpl.bbox.x1 = round(p->box.x1 * 100.0) / 100.0;
		tmpl.bbox.y1 = round(p->box.y1 * 100.0) / 100.0;
		if ((error = doc_add_block(doc, &tmpl, text + skip, p->len - skip)) < 0)
			return error;
	}
	return 0;
}

/*
 * Record the unreadable pages in doc's metadata: pdf_page_errors, an array
 * of "corrupt pdf: page N: why" messages (the first PDF_MAX_PAGE_ERRORS),
 * and pdf_page_error_count. Returns 0 or ENCLAVE_ENOMEM.
 */
static int page_errors_meta(struct pdf_state *st, struct enclave_doc *doc)
{
	char count[16];

	snprintf(count, sizeof(count), "%d", st->page_errors);
	if (json_object_set(doc->metadata, "pdf_page_errors", st->errors))
		return error_oom();
	return doc_set_meta(doc, "pdf_page_error_count", count);
}

/*
 * See ingest_int.h. Open, unlock, metadata, every page, then the blocks;
 * everything MuPDF allocated goes with the context at the end.
 */
int ingest_pdf(struct enclave_doc *doc, const unsigned char *data, size_t len,
               const struct enclave_extract_options *opts)
{
	struct pdf_state *st;
	pdf_document *pdf;
	int error, npages = 0, i;

	if (!(st = calloc(1, sizeof(*st))))
		return error_oom();
	st->text = (struct buf)BUF_INIT(ENCLAVE_MAX_TEXT_BYTES);
	if (!(st->rules = malloc(MAX_RULES * sizeof(*st->rules)))) {
		free(st);
		return error_oom();
	}
	st->rules_cap = MAX_RULES;
	if (!(st->ctx = fz_new_context(NULL, NULL, FZ_STORE_DEFAULT))) {
		free(st);
		return error_set(ENCLAVE_ENOMEM, "pdf: cannot start the reader");
	}
	fz_set_user_context(st->ctx, st);
	fz_set_error_callback(st->ctx, on_error, st);
	fz_set_warning_callback(st->ctx, on_warning, st);
	if ((error = open_pdf(st, data, len)) < 0 ||
	    (error = unlock_pdf(st, opts ? opts->password : NULL)) < 0 ||
	    (error = read_metadata(st, doc)) < 0 || (error = count_pages(st, &npages)) < 0)
		goto done;
	if (npages > ENCLAVE_MAX_PAGES) {
		error =
		    error_set(ENCLAVE_ELIMIT, "%d pages, more than %d", npages, ENCLAVE_MAX_PAGES);
		goto done;
	}
	for (i = 0; i < npages; i++)
		if ((error = extract_check_time(doc)) < 0 || (error = read_page(st, doc, i)) < 0)
			goto done;
	if (st->page_errors && st->page_errors == npages) {
		error =
		    error_set(ENCLAVE_EINVALID, "%s%s", npages > 1 ? "no page could be read: " : "",
		              json_string_value(json_array_get(st->errors, 0)));
		goto done;
	}
	if (st->page_errors && (error = page_errors_meta(st, doc)) < 0)
		goto done;
	pdf = pdf_specifics(st->ctx, st->doc);
	if (pdf && pdf_was_repaired(st->ctx, pdf)) {
		if ((error = doc_set_meta(doc, "pdf_repaired", "true")) < 0)
			goto done;
		if (!st->npara && !st->ocr) {
			error = error_set(
			    ENCLAVE_EINVALID, "corrupt pdf: no text could be recovered%s%s%s",
			    st->warning[0] ? " (" : "", st->warning, st->warning[0] ? ")" : "");
			goto done;
		}
	}
	error = emit(st, doc);
	if (!error)
		error = pdf_ocr_finish(st->ocr, doc);
done:
	pdf_ocr_free(st->ocr);
	fz_drop_document(st->ctx, st->doc);
	fz_drop_context(st->ctx);
	buf_release(&st->text);
	free(st->info_title);
	while (st->npara)
		free(st->paras[--st->npara].attrs);
	free(st->paras);
	free(st->segs);
	free(st->vlines);
	free(st->cps);
	free(st->rules);
	json_decref(st->errors);
	free(st);
	return error;
}
