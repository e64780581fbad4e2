/*
 * HTML through libxml2's HTML parser: the tree is walked in document order
 * and cut into blocks.
 *
 * Encoding: the bytes are turned into UTF-8 before libxml2 sees them, and
 * libxml2 is told to ignore the document's own declaration. A BOM wins; then
 * valid UTF-8 is taken as UTF-8 even when a <meta> says otherwise (a page
 * saved as UTF-8 under a stale ISO-8859-1 declaration is far more common
 * than Latin-1 text that happens to be valid UTF-8); then a declared charset
 * (<meta charset>, http-equiv Content-Type, <?xml encoding?>) is used, with
 * the ISO-8859-1 and ASCII labels read as Windows-1252 as browsers do; then
 * the encoding is detected (text_decode).
 *
 * Safety: HTML_PARSE_NONET and no entity substitution or DTD loading, so an
 * external entity (XXE) is never fetched: "&e;" stays text. libxml2 halts at
 * 256 nested elements and at a text node over 10 MB; both become
 * ENCLAVE_ELIMIT rather than a silently cut document. The walk uses the
 * tree's parent pointers, no recursion; our own stack of open blocks is
 * bounded by ENCLAVE_MAX_NESTING (elements deeper than that only add text).
 * libxml2 reports some errors (encoding, I/O) through its global handlers,
 * which print to stderr by default: they are this thread's own in
 * libxml2 2.9.14, so the parse swaps in a handler that records instead of
 * prints, and puts the caller's back afterwards.
 *
 * Blocks:
 *   - <title> is the document title (metadata). It also becomes a TITLE
 *     block, first, only when the body has no <h1>: otherwise the h1 says
 *     the same thing and repeating it would be noise.
 *   - <meta name=description|author|keywords> and <html lang> go to the
 *     metadata.
 *   - h1-h6 are headings; p, div, section, article, header, footer, nav,
 *     aside, main, blockquote, dt, dd, address, figure and the like are
 *     paragraphs; li is a list_item whose level counts the open ul/ol (an
 *     ol item's number goes in attrs {"ordered":true,"number":N}); pre is
 *     code, white space kept; figcaption and caption are captions.
 *   - A container inside an li (<li><p>..</p></li>) keeps the item's kind.
 *     Blocks inside a heading or a pre only add text to it.
 *   - Text is gathered with white space collapsed (no-break spaces too),
 *     <br> is "\n". Inline elements add their text to the enclosing block;
 *     text directly in body or a div, between blocks, is its own paragraph.
 *   - A table is one table block: rows from tr, cells from td/th wherever
 *     they sit (thead, tbody, tfoot), text "\t" between cells and "\n"
 *     between rows, and attrs {"rows":[[...]]}. Everything inside a cell,
 *     nested tables included, is flattened into the cell's text.
 *   - script, style, noscript, template, iframe, svg, canvas, select,
 *     audio, video, object and embed are dropped, as are elements with the
 *     hidden attribute or an inline style of display:none.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "ingest_int.h"
#include "xml_int.h"
#include "../../util/utf8.h"

/* Bytes scanned for a charset declaration. */
#define CHARSET_SCAN_BYTES 4096

/* ------------------------------------------------------------------ */
/* Elements                                                           */
/* ------------------------------------------------------------------ */

enum role {
	R_INLINE = 0, /* text flows into the enclosing block */
	R_SKIP,       /* dropped with everything inside */
	R_BLOCK,      /* a block of its own */
	R_LIST,       /* ul, ol: a block that nests list items */
	R_TABLE,
	R_BR,
	R_BREAK, /* hr: ends the block, holds nothing */
	R_TITLE,
	R_META,
	R_HEAD
};

struct element {
	const char *name;
	enum role role;
	enclave_block_kind kind;
	int level; /* heading level */
	int pre;   /* white space preserved */
};

static const struct element elements[] = {
	{ "address", R_BLOCK, ENCLAVE_BLOCK_PARAGRAPH, 0, 0 },
	{ "applet", R_SKIP, 0, 0, 0 },
	{ "article", R_BLOCK, ENCLAVE_BLOCK_PARAGRAPH, 0, 0 },
	{ "aside", R_BLOCK, ENCLAVE_BLOCK_PARAGRAPH, 0, 0 },
	{ "audio", R_SKIP, 0, 0, 0 },
	{ "blockquote", R_BLOCK, ENCLAVE_BLOCK_PARAGRAPH, 0, 0 },
	{ "body", R_BLOCK, ENCLAVE_BLOCK_PARAGRAPH, 0, 0 },
	{ "br", R_BR, 0, 0, 0 },
	{ "canvas", R_SKIP, 0, 0, 0 },
	{ "caption", R_BLOCK, ENCLAVE_BLOCK_CAPTION, 0, 0 },
	{ "center", R_BLOCK, ENCLAVE_BLOCK_PARAGRAPH, 0, 0 },
	{ "datalist", R_SKIP, 0, 0, 0 },
	{ "dd", R_BLOCK, ENCLAVE_BLOCK_PARAGRAPH, 0, 0 },
	{ "details", R_BLOCK, ENCLAVE_BLOCK_PARAGRAPH, 0, 0 },
	{ "dialog", R_BLOCK, ENCLAVE_BLOCK_PARAGRAPH, 0, 0 },
	{ "dir", R_LIST, ENCLAVE_BLOCK_LIST_ITEM, 0, 0 },
	{ "div", R_BLOCK, ENCLAVE_BLOCK_PARAGRAPH, 0, 0 },
	{ "dl", R_BLOCK, ENCLAVE_BLOCK_PARAGRAPH, 0, 0 },
	{ "dt", R_BLOCK, ENCLAVE_BLOCK_PARAGRAPH, 0, 0 },
	{ "embed", R_SKIP, 0, 0, 0 },
	{ "fieldset", R_BLOCK, ENCLAVE_BLOCK_PARAGRAPH, 0, 0 },
	{ "figcaption", R_BLOCK, ENCLAVE_BLOCK_CAPTION, 0, 0 },
	{ "figure", R_BLOCK, ENCLAVE_BLOCK_PARAGRAPH, 0, 0 },
	{ "footer", R_BLOCK, ENCLAVE_BLOCK_PARAGRAPH, 0, 0 },
	{ "form", R_BLOCK, ENCLAVE_BLOCK_PARAGRAPH, 0, 0 },
	{ "h1", R_BLOCK, ENCLAVE_BLOCK_HEADING, 1, 0 },
	{ "h2", R_BLOCK, ENCLAVE_BLOCK_HEADING, 2, 0 },
	{ "h3", R_BLOCK, ENCLAVE_BLOCK_HEADING, 3, 0 },
	{ "h4", R_BLOCK, ENCLAVE_BLOCK_HEADING, 4, 0 },
	{ "h5", R_BLOCK, ENCLAVE_BLOCK_HEADING, 5, 0 },
	{ "h6", R_BLOCK, ENCLAVE_BLOCK_HEADING, 6, 0 },
	{ "head", R_HEAD, 0, 0, 0 },
	{ "header", R_BLOCK, ENCLAVE_BLOCK_PARAGRAPH, 0, 0 },
	{ "hgroup", R_BLOCK, ENCLAVE_BLOCK_PARAGRAPH, 0, 0 },
	{ "hr", R_BREAK, 0, 0, 0 },
	{ "html", R_BLOCK, ENCLAVE_BLOCK_PARAGRAPH, 0, 0 },
	{ "iframe", R_SKIP, 0, 0, 0 },
	{ "legend", R_BLOCK, ENCLAVE_BLOCK_PARAGRAPH, 0, 0 },
	{ "li", R_BLOCK, ENCLAVE_BLOCK_LIST_ITEM, 0, 0 },
	{ "listing", R_BLOCK, ENCLAVE_BLOCK_CODE, 0, 1 },
	{ "main", R_BLOCK, ENCLAVE_BLOCK_PARAGRAPH, 0, 0 },
	{ "menu", R_LIST, ENCLAVE_BLOCK_LIST_ITEM, 0, 0 },
	{ "meta", R_META, 0, 0, 0 },
	{ "nav", R_BLOCK, ENCLAVE_BLOCK_PARAGRAPH, 0, 0 },
	{ "noframes", R_BLOCK, ENCLAVE_BLOCK_PARAGRAPH, 0, 0 },
	{ "noscript", R_SKIP, 0, 0, 0 },
	{ "object", R_SKIP, 0, 0, 0 },
	{ "ol", R_LIST, ENCLAVE_BLOCK_LIST_ITEM, 0, 0 },
	{ "p", R_BLOCK, ENCLAVE_BLOCK_PARAGRAPH, 0, 0 },
	{ "plaintext", R_BLOCK, ENCLAVE_BLOCK_CODE, 0, 1 },
	{ "pre", R_BLOCK, ENCLAVE_BLOCK_CODE, 0, 1 },
	{ "script", R_SKIP, 0, 0, 0 },
	{ "search", R_BLOCK, ENCLAVE_BLOCK_PARAGRAPH, 0, 0 },
	{ "section", R_BLOCK, ENCLAVE_BLOCK_PARAGRAPH, 0, 0 },
	{ "select", R_SKIP, 0, 0, 0 },
	{ "style", R_SKIP, 0, 0, 0 },
	{ "summary", R_BLOCK, ENCLAVE_BLOCK_PARAGRAPH, 0, 0 },
	{ "svg", R_SKIP, 0, 0, 0 },
	{ "table", R_TABLE, ENCLAVE_BLOCK_TABLE, 0, 0 },
	{ "tbody", R_BLOCK, ENCLAVE_BLOCK_PARAGRAPH, 0, 0 },
	{ "td", R_BLOCK, ENCLAVE_BLOCK_PARAGRAPH, 0, 0 },
	{ "template", R_SKIP, 0, 0, 0 },
	{ "tfoot", R_BLOCK, ENCLAVE_BLOCK_PARAGRAPH, 0, 0 },
	{ "th", R_BLOCK, ENCLAVE_BLOCK_PARAGRAPH, 0, 0 },
	{ "thead", R_BLOCK, ENCLAVE_BLOCK_PARAGRAPH, 0, 0 },
	{ "title", R_TITLE, 0, 0, 0 },
	{ "tr", R_BLOCK, ENCLAVE_BLOCK_PARAGRAPH, 0, 0 },
	{ "ul", R_LIST, ENCLAVE_BLOCK_LIST_ITEM, 0, 0 },
	{ "video", R_SKIP, 0, 0, 0 },
	{ "xmp", R_BLOCK, ENCLAVE_BLOCK_CODE, 0, 1 },
};

/* The element description of `node` (an element); inline when unknown. */
static const struct element *element_of(const xmlNode *node)
{
	static const struct element inline_element = { "", R_INLINE, 0, 0, 0 };
	const char *name = (const char *)node->name;
	size_t lo = 0, hi = sizeof(elements) / sizeof(elements[0]);

	if (!name)
		return &inline_element;
	/* libxml2's HTML parser lowercases names; the table is sorted. */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(name, elements[mid].name);
		if (c == 0)
			return &elements[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return &inline_element;
}

/* Is `node` an element named `name`? */
static int is_element(const xmlNode *node, const char *name)
{
	return node && node->type == XML_ELEMENT_NODE && node->name &&
	       !strcmp((const char *)node->name, name);
}

/* Does the element ask not to be shown (hidden, style display:none)? */
static int is_hidden(xmlNode *node)
{
	xmlChar *style;
	const char *p;
	int hidden = 0;

	if (xmlHasProp(node, (const xmlChar *)"hidden"))
		return 1;
	if (!(style = xmlGetProp(node, (const xmlChar *)"style")))
		return 0;
	for (p = (const char *)style; (p = strcasestr(p, "display")) != NULL; p += 7) {
		const char *q = p + 7;
		while (*q == ' ' || *q == '\t' || *q == '\n')
			q++;
		if (*q++ != ':')
			continue;
		while (*q == ' ' || *q == '\t' || *q == '\n')
			q++;
		if (!strncasecmp(q, "none", 4)) {
			hidden = 1;
			break;
		}
	}
	xmlFree(style);
	return hidden;
}

/*
 * The next node of a walk under `top` in document order, not entering
 * `node`'s children when `descend` is 0; NULL at the end.
 */
static xmlNode *walk_next(xmlNode *node, xmlNode *top, int descend)
{
	if (descend && node->children)
		return node->children;
	while (node && node != top && !node->next)
		node = node->parent;
	return node && node != top ? node->next : NULL;
}

/* Does the tree under `top` hold an element named `name`? */
static int has_element(xmlNode *top, const char *name)
{
	xmlNode *n;

	for (n = top; n; n = walk_next(n, top, 1))
		if (is_element(n, name))
			return 1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Text                                                               */
/* ------------------------------------------------------------------ */

/* HTML white space. */
static int is_html_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/*
 * Append `s` to `b` with white space (no-break spaces included) collapsed
 * to single spaces, none at the start of `b` or after a "\n". Returns 0 or
 * a BUF_E* code.
 */
static int put_collapsed(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int error;

	while (*p) {
		const unsigned char *run = p;
		int space = 0;

		while (*p && !is_html_space(*p) && !(p[0] == 0xc2 && p[1] == 0xa0))
			p++;
		if (p > run && (error = buf_put(b, run, (size_t)(p - run))) < 0)
			return error;
		while (*p && (is_html_space(*p) || (p[0] == 0xc2 && p[1] == 0xa0))) {
			p += *p == 0xc2 ? 2 : 1;
			space = 1;
		}
		if (space && b->len && b->ptr[b->len - 1] != ' ' && b->ptr[b->len - 1] != '\n' &&
		    (error = buf_putc(b, ' ')) < 0)
			return error;
	}
	return 0;
}

/* Append `s` verbatim but for CRLF and CR turned to LF. */
static int put_pre(struct buf *b, const char *s)
{
	int error;

	for (; *s; s++) {
		if (*s == '\r' && s[1] == '\n')
			continue;
		if ((error = buf_putc(b, *s == '\r' ? '\n' : *s)) < 0)
			return error;
	}
	return 0;
}

/* Drop trailing spaces of `b`. */
static void trim_spaces(struct buf *b)
{
	while (b->len && b->ptr[b->len - 1] == ' ')
		b->len--;
	if (b->ptr)
		b->ptr[b->len] = '\0';
}

/* Append one space unless `b` is empty or already ends with one. */
static int put_separator(struct buf *b)
{
	if (!b->len || b->ptr[b->len - 1] == ' ')
		return 0;
	return buf_putc(b, ' ');
}

/* ------------------------------------------------------------------ */
/* The walk                                                           */
/* ------------------------------------------------------------------ */

/* An open block element. */
struct frame {
	xmlNode *node;
	enclave_block_kind kind;
	int level;
	int pre;
	int list;     /* a ul/ol/menu/dir */
	long counter; /* ol: the next item's number; -1 for unordered */
	long number;  /* an ol item's number, -1 otherwise */
	int owner;    /* the frame whose kind the text takes (itself or an li) */
	int emitted;  /* this li has emitted a block (later ones carry no number) */
	int opaque;   /* a heading or pre: blocks inside only add text */
};

/* The table being gathered (only the outermost one is structured). */
struct table {
	xmlNode *node; /* the outermost table; NULL when not in one */
	int depth;     /* open tables, the outermost included */
	json_t *rows, *row;
	struct buf cell;
	int in_cell;
	xmlNode *caption; /* the open caption of the outermost table */
	size_t bytes;     /* the block text so far */
};

struct walk {
	struct enclave_doc *doc;
	struct buf text; /* the pending block text */
	struct frame frames[ENCLAVE_MAX_NESTING];
	int nframes;
	int lists; /* open list frames */
	struct table t;
	int depth; /* of the current node, the root being 1 */
};

/* Emit the pending text as a block of the innermost frame's kind. */
static int flush(struct walk *w)
{
	struct enclave_block tmpl;
	struct frame *f = NULL;
	char attrs[64];
	int error;

	if (!w->text.len)
		return 0;
	if (w->nframes)
		f = &w->frames[w->frames[w->nframes - 1].owner];
	tmpl =
	    doc_block_template(f ? f->kind : ENCLAVE_BLOCK_PARAGRAPH, f ? f->level : 0, "markup");
	if (tmpl.kind == ENCLAVE_BLOCK_LIST_ITEM && tmpl.level < 1)
		tmpl.level = 1;
	if (f && f->number >= 0 && !f->emitted) {
		snprintf(attrs, sizeof(attrs), "{\"ordered\":true,\"number\":%ld}", f->number);
		tmpl.attrs = attrs;
	}
	error = doc_add_block(w->doc, &tmpl, w->text.ptr, w->text.len);
	if (!error && f)
		f->emitted = 1;
	buf_clear(&w->text);
	return error;
}

/* The numeric value of attribute `name` of `node`, or `fallback`. */
static long int_prop(xmlNode *node, const char *name, long fallback)
{
	xmlChar *v = xmlGetProp(node, (const xmlChar *)name);
	char *end;
	long n;

	if (!v)
		return fallback;
	errno = 0;
	n = strtol((const char *)v, &end, 10);
	if (errno || end == (char *)v || n < -1000000000L || n > 1000000000L)
		n = fallback;
	xmlFree(v);
	return n;
}

/* Open a frame for block element `node`. */
static int push_frame(struct walk *w, xmlNode *node, const struct element *e)
{
	struct frame *f, *parent = w->nframes ? &w->frames[w->nframes - 1] : NULL;
	int error;

	if ((error = flush(w)) < 0)
		return error;
	f = &w->frames[w->nframes];
	memset(f, 0, sizeof(*f));
	f->node = node;
	f->kind = e->kind;
	f->level = e->level;
	f->pre = e->pre;
	f->opaque = e->pre || e->kind == ENCLAVE_BLOCK_HEADING;
	f->number = -1;
	f->counter = -1;
	f->owner = w->nframes;
	if (e->role == R_LIST) {
		f->list = 1;
		f->level = w->lists + 1;
		if (is_element(node, "ol"))
			f->counter = int_prop(node, "start", 1);
		w->lists++;
	} else if (e->kind == ENCLAVE_BLOCK_LIST_ITEM) {
		int i;
		f->level = w->lists > 0 ? w->lists : 1;
		for (i = w->nframes - 1; i >= 0; i--) {
			if (w->frames[i].list) {
				if (w->frames[i].counter >= 0) {
					f->number = int_prop(node, "value", w->frames[i].counter);
					w->frames[i].counter = f->number + 1;
				}
				break;
			}
		}
	} else if (e->kind == ENCLAVE_BLOCK_PARAGRAPH && parent &&
	           w->frames[parent->owner].kind == ENCLAVE_BLOCK_LIST_ITEM &&
	           !w->frames[parent->owner].list) {
		/* A container inside a list item: its text belongs to the item. */
		f->owner = parent->owner;
	}
	w->nframes++;
	return 0;
}

/* Close the innermost frame (which is `node`'s). */
static int pop_frame(struct walk *w)
{
	int error = flush(w);

	if (w->frames[w->nframes - 1].list)
		w->lists--;
	w->nframes--;
	return error;
}

/* ---- tables ---- */

/* End the open cell, adding it to the open row. */
static int cell_end(struct walk *w)
{
	struct table *t = &w->t;
	const char *s;
	size_t n;

	if (!t->in_cell)
		return 0;
	t->in_cell = 0;
	trim_spaces(&t->cell);
	s = t->cell.ptr ? t->cell.ptr : "";
	n = t->cell.len;
	while (n && *s == ' ')
		s++, n--;
	t->bytes += n + 1;
	if (t->bytes > ENCLAVE_MAX_BLOCK_BYTES) {
		buf_clear(&t->cell);
		return error_set(ENCLAVE_ELIMIT, "a table larger than %zu bytes",
		                 ENCLAVE_MAX_BLOCK_BYTES);
	}
	if (!t->row && (!(t->row = json_array()) || json_array_append_new(t->rows, t->row) < 0))
		return error_oom();
	if (json_array_append_new(t->row, json_stringn(s, n)) < 0)
		return error_oom();
	buf_clear(&t->cell);
	return 0;
}

/* Start a cell (and a row when none is open). */
static int cell_start(struct walk *w)
{
	int error;

	if ((error = cell_end(w)) < 0)
		return error;
	w->t.in_cell = 1;
	return 0;
}

/* End the open row. */
static int row_end(struct walk *w)
{
	int error = cell_end(w);

	w->t.row = NULL;
	return error;
}

/* Emit the gathered table as one block and leave table mode. */
static int table_end(struct walk *w)
{
	struct enclave_block tmpl = doc_block_template(ENCLAVE_BLOCK_TABLE, 0, "markup");
	struct table *t = &w->t;
	int error;

	if ((error = row_end(w)) == 0)
		error = doc_add_table(w->doc, &tmpl, t->rows);
	json_array_clear(t->rows);
	buf_clear(&t->cell);
	t->node = t->caption = NULL;
	t->row = NULL;
	t->in_cell = 0;
	t->depth = 0;
	t->bytes = 0;
	return error;
}

/* Entering `node` inside a table. Returns 1 to descend, 0 to skip, or ENCLAVE_E*. */
static int table_enter(struct walk *w, xmlNode *node, const struct element *e)
{
	struct table *t = &w->t;
	int error = 0, outer = t->depth == 1;

	switch (e->role) {
	case R_TABLE:
		t->depth++;
		if (t->in_cell)
			error = put_separator(&t->cell);
		break;
	case R_BR:
	case R_BREAK:
	case R_BLOCK:
	case R_LIST:
		if (outer && is_element(node, "tr")) {
			if ((error = row_end(w)) < 0)
				return error;
		} else if (outer && (is_element(node, "td") || is_element(node, "th"))) {
			if ((error = cell_start(w)) < 0)
				return error;
		} else if (outer && is_element(node, "caption") && !t->caption) {
			t->caption = node;
			if ((error = flush(w)) < 0)
				return error;
		} else if (t->in_cell) {
			error = put_separator(&t->cell);
		} else if (t->caption) {
			error = put_separator(&w->text);
		}
		break;
	default: break;
	}
	if (error < 0)
		return error_buf(error, "html table");
	return e->role == R_BR || e->role == R_BREAK ? 0 : 1;
}

/* Leaving `node` inside a table. */
static int table_leave(struct walk *w, xmlNode *node, const struct element *e)
{
	struct table *t = &w->t;
	int error = 0;

	if (node == t->node)
		return table_end(w);
	if (node == t->caption) {
		struct enclave_block tmpl = doc_block_template(ENCLAVE_BLOCK_CAPTION, 0, "markup");
		t->caption = NULL;
		error = doc_add_block(w->doc, &tmpl, w->text.ptr ? w->text.ptr : "", w->text.len);
		buf_clear(&w->text);
		return error;
	}
	if (e->role == R_TABLE)
		t->depth--;
	if (t->depth == 1 && (is_element(node, "td") || is_element(node, "th")))
		return cell_end(w);
	if (t->depth == 1 && is_element(node, "tr"))
		return row_end(w);
	if (t->in_cell && e->role != R_INLINE && (error = put_separator(&t->cell)) < 0)
		return error_buf(error, "html table");
	return 0;
}

/* Text inside a table. */
static int table_text(struct walk *w, const char *s)
{
	struct table *t = &w->t;
	const char *p;
	int error;

	if (t->caption)
		return put_collapsed(&w->text, s) < 0 ? error_buf(BUF_ETOOBIG, "html caption") : 0;
	if (!t->in_cell) {
		for (p = s; *p && is_html_space((unsigned char)*p); p++)
			;
		if (!*p)
			return 0;
		/* Stray text between cells: a cell of its own. */
		if ((error = cell_start(w)) < 0)
			return error;
	}
	if ((error = put_collapsed(&t->cell, s)) < 0)
		return error_buf(error, "html table cell");
	return 0;
}

/* ---- head ---- */

/* Gather the collapsed text under `node` into `b`. */
static int node_text(struct buf *b, xmlNode *node)
{
	xmlNode *n;
	int error;

	for (n = node; n; n = walk_next(n, node, 1))
		if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) && n->content &&
		    (error = put_collapsed(b, (const char *)n->content)) < 0)
			return error_buf(error, "html title");
	trim_spaces(b);
	return 0;
}

/* Take the title from a <title> element, unless one is known already. */
static int take_title(struct walk *w, xmlNode *node)
{
	struct buf b = BUF_INIT(ENCLAVE_MAX_FIELD_BYTES);
	int error;

	if (w->doc->title)
		return 0;
	if ((error = node_text(&b, node)) == 0 && b.len)
		error = doc_set_title(w->doc, b.ptr);
	buf_release(&b);
	return error;
}

/* Take description, author and keywords from a <meta>. */
static int take_meta(struct walk *w, xmlNode *node)
{
	static const char *const keys[] = { "description", "author", "keywords" };
	xmlChar *name = xmlGetProp(node, (const xmlChar *)"name");
	xmlChar *content = NULL;
	size_t i;
	int error = 0;

	if (!name)
		return 0;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcasecmp((const char *)name, keys[i]))
			continue;
		if ((content = xmlGetProp(node, (const xmlChar *)"content")) != NULL) {
			struct buf b = BUF_INIT(ENCLAVE_MAX_FIELD_BYTES);
			if (put_collapsed(&b, (const char *)content) == 0) {
				trim_spaces(&b);
				error = doc_set_meta(w->doc, keys[i], b.ptr);
			}
			buf_release(&b);
		}
		break;
	}
	xmlFree(content);
	xmlFree(name);
	return error;
}

/* Take the title and metadata from <head>, whose other content is dropped. */
static int take_head(struct walk *w, xmlNode *head)
{
	xmlNode *n;
	int error;

	for (n = head->children; n; n = n->next) {
		if (is_element(n, "title") && (error = take_title(w, n)) < 0)
			return error;
		if (is_element(n, "meta") && (error = take_meta(w, n)) < 0)
			return error;
	}
	return 0;
}

/* ---- enter and leave ---- */

/*
 * Entering `node`. Returns 1 to walk its children (leave() follows), 0 to
 * skip them (no leave()), or ENCLAVE_E*.
 */
static int enter(struct walk *w, xmlNode *node)
{
	const struct element *e;
	struct frame *top = w->nframes ? &w->frames[w->nframes - 1] : NULL;
	int error = 0;

	if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
		if (!node->content)
			return 0;
		if (w->t.node)
			return table_text(w, (const char *)node->content);
		if (top && w->frames[top->owner].pre)
			error = put_pre(&w->text, (const char *)node->content);
		else
			error = put_collapsed(&w->text, (const char *)node->content);
		return error < 0 ? error_buf(error, "html text") : 0;
	}
	if (node->type != XML_ELEMENT_NODE)
		return 0;
	e = element_of(node);
	switch (e->role) {
	case R_SKIP: return 0;
	case R_HEAD: return (error = take_head(w, node)) < 0 ? error : 0;
	case R_TITLE: return (error = take_title(w, node)) < 0 ? error : 0;
	case R_META: return (error = take_meta(w, node)) < 0 ? error : 0;
	default: break;
	}
	if (is_hidden(node))
		return 0;
	if (w->t.node)
		return table_enter(w, node, e);
	switch (e->role) {
	case R_BR:
		trim_spaces(&w->text);
		return (error = buf_putc(&w->text, '\n')) < 0 ? error_buf(error, "html text") : 0;
	case R_BREAK:
		if (top && top->opaque)
			return 0;
		return (error = flush(w)) < 0 ? error : 0;
	case R_TABLE:
		if (w->depth > ENCLAVE_MAX_NESTING || (top && top->opaque))
			return 1;
		if ((error = flush(w)) < 0)
			return error;
		w->t.node = node;
		w->t.depth = 1;
		return 1;
	case R_BLOCK:
	case R_LIST:
		if (w->nframes >= ENCLAVE_MAX_NESTING || (top && top->opaque))
			return 1;
		return (error = push_frame(w, node, e)) < 0 ? error : 1;
	default: return 1;
	}
}

/* Leaving element `node`, whose children have been walked. */
static int leave(struct walk *w, xmlNode *node)
{
	if (node->type != XML_ELEMENT_NODE)
		return 0;
	if (w->t.node)
		return table_leave(w, node, element_of(node));
	if (w->nframes && w->frames[w->nframes - 1].node == node)
		return pop_frame(w);
	return 0;
}

/* Walk the tree under `root`, filling the document. */
static int walk_tree(struct walk *w, xmlNode *root)
{
	xmlNode *node = root;
	int r;

	w->depth = 1;
	while (node) {
		if ((r = enter(w, node)) < 0)
			return r;
		if (r == 1 && node->children) {
			node = node->children;
			w->depth++;
			continue;
		}
		if (r == 1 && (r = leave(w, node)) < 0)
			return r;
		while (node != root && !node->next) {
			node = node->parent;
			w->depth--;
			if ((r = leave(w, node)) < 0)
				return r;
		}
		node = node == root ? NULL : node->next;
	}
	return flush(w);
}

/* ------------------------------------------------------------------ */
/* Encoding                                                           */
/* ------------------------------------------------------------------ */

/*
 * Find a declared charset in the head of the document: "charset=" (in a
 * <meta charset> or a Content-Type) or an XML declaration's encoding.
 * Copies it into `out` and returns 1, or returns 0.
 */
static int declared_charset(char out[64], const unsigned char *data, size_t len)
{
	static const char *const keys[] = { "charset", "encoding" };
	size_t n = len < CHARSET_SCAN_BYTES ? len : CHARSET_SCAN_BYTES, k, i;

	for (k = 0; k < 2; k++) {
		size_t kl = strlen(keys[k]);
		for (i = 0; i + kl < n; i++) {
			size_t j = i + kl, m = 0;
			if (strncasecmp((const char *)data + i, keys[k], kl))
				continue;
			while (j < n && is_html_space(data[j]))
				j++;
			if (j >= n || data[j] != '=')
				continue;
			j++;
			while (j < n &&
			       (is_html_space(data[j]) || data[j] == '"' || data[j] == '\''))
				j++;
			while (j + m < n && m < 63 &&
			       ((data[j + m] >= 'a' && data[j + m] <= 'z') ||
			        (data[j + m] >= 'A' && data[j + m] <= 'Z') ||
			        (data[j + m] >= '0' && data[j + m] <= '9') || data[j + m] == '-' ||
			        data[j + m] == '_' || data[j + m] == '.' || data[j + m] == ':'))
				m++;
			if (!m)
				continue;
			memcpy(out, data + j, m);
			out[m] = '\0';
			return 1;
		}
	}
	return 0;
}

/*
 * Turn the document's bytes into UTF-8 (see the top of the file) and name
 * the encoding. Returns 0 or ENCLAVE_E*.
 */
static int to_utf8(struct buf *out, char encoding[64], const unsigned char *data, size_t len)
{
	static const char *const as_1252[] = { "iso-8859-1", "iso8859-1", "latin1",       "l1",
		                               "us-ascii",   "ascii",     "windows-1252", "cp1252",
		                               "x-cp1252",   "iso_8859-1" };
	int bom = (len >= 2 && (!memcmp(data, "\xff\xfe", 2) || !memcmp(data, "\xfe\xff", 2))) ||
	          (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3)) ||
	          (len >= 4 && !memcmp(data, "\0\0\xfe\xff", 4));
	char cs[64];
	size_t i;
	int error;

	if (!bom && !utf8_valid((const char *)data, len) && declared_charset(cs, data, len) &&
	    strncasecmp(cs, "utf-", 4) && strncasecmp(cs, "utf8", 4) && strncasecmp(cs, "ucs", 3)) {
		const char *use = cs;
		for (i = 0; i < sizeof(as_1252) / sizeof(as_1252[0]); i++)
			if (!strcasecmp(cs, as_1252[i]))
				use = "WINDOWS-1252";
		if ((error = text_convert(out, use, data, len)) < 0)
			return error_buf(error, "decoded html");
		if (error == 0) {
			for (i = 0; !error && cs[i]; i++)
				encoding[i] =
				    (char)(cs[i] >= 'A' && cs[i] <= 'Z' ? cs[i] + 32 : cs[i]);
			if (!error)
				encoding[i] = '\0';
			return error;
		}
	}
	return text_decode(out, encoding, data, len);
}

/* ------------------------------------------------------------------ */
/* Parsing                                                            */
/* ------------------------------------------------------------------ */

int ingest_html(struct enclave_doc *doc, const unsigned char *data, size_t len)
{
	struct buf utf8 = BUF_INIT(ENCLAVE_MAX_TEXT_BYTES);
	struct walk *w = NULL;
	struct xml_quiet rep;
	htmlParserCtxtPtr ctxt = NULL;
	htmlDocPtr hdoc = NULL;
	xmlNode *root;
	char encoding[64] = "";
	int error;

	if ((error = to_utf8(&utf8, encoding, data, len)) < 0)
		goto done;
	if ((error = doc_set_meta(doc, "encoding", encoding)) < 0)
		goto done;
	/* htmlCtxtReadMemory takes an int size (<limits.h> is our own limits.h here). */
	if (utf8.len > (size_t)INT32_MAX) {
		error = error_set(ENCLAVE_ELIMIT, "html larger than %d bytes", (int)INT32_MAX);
		goto done;
	}

	xml_quiet_begin(&rep);
	if ((ctxt = htmlNewParserCtxt()) != NULL)
		hdoc = htmlCtxtReadMemory(
		    ctxt, utf8.ptr ? utf8.ptr : "", (int)utf8.len, NULL, "UTF-8",
		    HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
		        HTML_PARSE_NONET | HTML_PARSE_NODEFDTD | HTML_PARSE_IGNORE_ENC |
		        HTML_PARSE_COMPACT);
	xml_quiet_end(&rep);
	if (!ctxt || rep.no_memory) {
		error = error_oom();
		goto done;
	}
	if (rep.too_deep) {
		error = error_set(ENCLAVE_ELIMIT, "html nested deeper than %d elements",
		                  ENCLAVE_MAX_NESTING);
		goto done;
	}
	if (rep.huge_text) {
		error = error_set(ENCLAVE_ELIMIT, "an html text run longer than 10 MB");
		goto done;
	}
	if (!hdoc || !(root = xmlDocGetRootElement(hdoc))) {
		error = error_set(ENCLAVE_EINVALID, "cannot parse html");
		goto done;
	}

	if (!(w = calloc(1, sizeof(*w))) || !(w->t.rows = json_array())) {
		error = error_oom();
		goto done;
	}
	w->doc = doc;
	w->text = (struct buf)BUF_INIT(ENCLAVE_MAX_BLOCK_BYTES);
	w->t.cell = (struct buf)BUF_INIT(ENCLAVE_MAX_BLOCK_BYTES);
	{
		xmlChar *lang = xmlGetProp(root, (const xmlChar *)"lang");
		error = doc_set_meta(doc, "language", (const char *)lang);
		xmlFree(lang);
		if (error < 0)
			goto done;
	}
	/* The title first, so that it can open the document when there is no h1. */
	{
		xmlNode *n;
		for (n = root->children; n; n = n->next)
			if (is_element(n, "head") && (error = take_head(w, n)) < 0)
				goto done;
	}
	if (doc->title && !has_element(root, "h1")) {
		struct enclave_block tmpl = doc_block_template(ENCLAVE_BLOCK_TITLE, 0, "markup");
		if ((error = doc_add_block(doc, &tmpl, doc->title, strlen(doc->title))) < 0)
			goto done;
	}
	error = walk_tree(w, root);
done:
	if (w) {
		buf_release(&w->text);
		buf_release(&w->t.cell);
		json_decref(w->t.rows);
		free(w);
	}
	if (hdoc)
		xmlFreeDoc(hdoc);
	if (ctxt)
		htmlFreeParserCtxt(ctxt);
	buf_release(&utf8);
	return error;
}
