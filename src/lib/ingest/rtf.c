/*
 * RTF: text, paragraphs, headings, lists, tables and code pages of Rich Text
 * Format, by a tokenizer of our own (groups, control words with parameters,
 * control symbols, \'hh bytes, \binN data).
 *
 * Characters: 8-bit text and \'hh bytes are in the code page of the current
 * font (\fcharsetN or \cpgN in the font table), else of the document
 * (\ansicpgN, \mac, \pc, \pca; Windows-1252 by default). Bytes are gathered
 * and converted with iconv (text_convert) when the run ends, so that the two
 * bytes of a Shift-JIS or GBK character written as \'83\'65 stay together.
 * \uN is a UTF-16 unit (negative N is N + 65536; surrogate pairs are
 * joined, a lone surrogate is U+FFFD), followed by \ucN (default 1)
 * fallback characters that are skipped. \par and \sect end a paragraph,
 * \line is "\n", \tab "\t"; \~ \_ \emdash \endash \bullet and the quotes
 * are what they say; \- (optional hyphen) is nothing. Hidden text (\v) is
 * dropped.
 *
 * Destinations: groups starting with \* and a control word we do not know
 * are skipped, as are the font and color tables, the stylesheet (both read
 * for code pages and heading styles), pictures, object data, field
 * instructions (the field result is the text), bookmarks, list tables and
 * the rest of Word's bookkeeping. \info gives title, author, subject,
 * keywords, company and the creation time to the metadata. Headers and
 * footers become HEADER and FOOTER blocks where they appear (a repeat of the
 * same text is dropped): they are text of the document, and a consumer can
 * filter them by kind. Footnotes and annotations become paragraphs at the
 * end with attrs {"footnote":true} or {"comment":true}, as docx does.
 *
 * Paragraph kinds: a paragraph whose style (\sN) is a heading in the
 * stylesheet (\outlinelevelN there, or a name "heading N") or that has its
 * own \outlinelevelN is a HEADING of that level (1-6); the style named
 * "Title" gives a TITLE; one with \lsN / \ilvlN or a \listtext / \pntext
 * group is a LIST_ITEM (level \ilvl + 1; a number in \listtext makes it
 * ordered, attrs {"ordered":true,"number":N}).
 *
 * Tables: \intbl paragraphs are cell text; \cell ends a cell, \row a row;
 * rows in a row are a TABLE block (cells "\t", rows "\n") with attrs
 * {"rows":[[...]]}, like office.c's. Nested tables (\nestcell, \nestrow)
 * are flattened into the enclosing cell.
 *
 * Limits: group nesting past ENCLAVE_MAX_NESTING is ENCLAVE_ELIMIT; control
 * word parameters are clamped to +-RTF_MAX_PARAM, \ucN to RTF_MAX_UC, \binN
 * to the bytes left; fonts and styles beyond RTF_MAX_FONTS / RTF_MAX_STYLES
 * are ignored. Unbalanced braces are tolerated: a stray "}" is ignored, and
 * groups left open at the end are closed.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ingest_int.h"
#include "../../util/utf8.h"

/* Largest control word parameter kept (larger ones are clamped). */
#define RTF_MAX_PARAM 1000000000L

/* Largest \ucN skip count. */
#define RTF_MAX_UC 16

/* Fonts and styles remembered. */
#define RTF_MAX_FONTS 4096
#define RTF_MAX_STYLES 4096

/* Longest control word (the spec's 32 letters). */
#define RTF_MAX_WORD 32

/* Most table cells in one document. */
#define RTF_MAX_CELLS ((size_t)1000000)

const char *rtf_kind(const unsigned char *data, size_t len)
{
	return len >= 5 && !memcmp(data, "{\\rtf", 5) ? "rtf" : NULL;
}

/* ------------------------------------------------------------------ */
/* State                                                              */
/* ------------------------------------------------------------------ */

/* Where the text of a group goes. */
enum dest {
	D_BODY,
	D_SKIP,
	D_FONTTBL,
	D_STYLESHEET,
	D_INFO,     /* inside \info: text is dropped, fields below are read */
	D_META,     /* \title, \author ...: text into the meta buffer */
	D_HEADER,   /* \header*, text into the aside paragraph */
	D_FOOTER,   /* \footer* */
	D_FOOTNOTE, /* \footnote */
	D_COMMENT,  /* \annotation */
	D_LISTTEXT, /* \listtext, \pntext: the item's number or bullet */
};

/* The state a group opens with and "}" restores. */
struct group {
	enum dest dest;
	int uc;        /* \ucN */
	int font;      /* \fN, -1 for the default font */
	int style;     /* \sN */
	int outline;   /* \outlinelevelN, -1 none */
	int intbl;     /* \intbl, \itapN > 0 */
	int list;      /* \lsN or \ilvlN seen */
	int ilvl;      /* \ilvlN */
	int hidden;    /* \v */
	int upr_child; /* the first group inside \upr: skipped unless it is \ud */
	int upr;       /* this group is an \upr */
	int star;      /* \* seen, waiting for the control word */
	char meta[16]; /* D_META: the metadata key */
};

struct font {
	long num;
	char cs[24]; /* iconv name, "" for the document's */
};

struct style {
	long num;
	int level; /* heading level 1.., 0 none, -1 title */
	int set;   /* \outlinelevel given (wins over the name) */
};

struct rtf {
	struct enclave_doc *doc;
	const unsigned char *p, *end;
	struct group *stack;
	int depth;
	char ansi[24];      /* the document's code page as an iconv name */
	long deff;          /* \deffN */
	struct font *fonts; /* the font table */
	size_t nfonts;
	struct style *styles; /* the stylesheet */
	size_t nstyles;
	long def_font, def_style; /* the entry of the table being read */
	struct buf bytes;         /* 8-bit text not yet converted */
	char bytes_cs[24];        /* its code page */
	int bytes_dest;           /* and its destination */
	struct buf para;          /* the body paragraph being gathered (UTF-8) */
	struct buf aside;         /* the header/footer/note paragraph being gathered */
	struct buf name;          /* a style name or metadata value being gathered */
	struct buf listtext;      /* the number or bullet of the paragraph */
	int para_listtext;        /* the paragraph had a \listtext group */
	unsigned skip;            /* fallback characters still to skip after \uN */
	unsigned high;            /* a high surrogate waiting for its low half */
	json_t *rows;             /* the open table: array of rows, or NULL */
	json_t *row;              /* the open row */
	size_t cells;
	json_t *notes; /* footnotes and comments: [text, kind] pairs */
	char last_header[256], last_footer[256];
	long yr, mo, dy, hr, min;
	long cs_font; /* the font current_cs() last looked up, and its answer */
	const char *cs;
};

/* The group on top. */
static struct group *top(struct rtf *r)
{
	return &r->stack[r->depth];
}

/* ------------------------------------------------------------------ */
/* Code pages                                                         */
/* ------------------------------------------------------------------ */

/* The iconv name of Windows code page `cp` into `out`. */
static void cp_name(char out[24], long cp)
{
	switch (cp) {
	case 10000: snprintf(out, 24, "MACINTOSH"); break;
	case 65001: snprintf(out, 24, "UTF-8"); break;
	case 20866: snprintf(out, 24, "KOI8-R"); break;
	case 28591: snprintf(out, 24, "ISO-8859-1"); break;
	case 437:
	case 850:
	case 852:
	case 866:
	case 874:
	case 932:
	case 936:
	case 949:
	case 950: snprintf(out, 24, "CP%ld", cp); break;
	default:
		if (cp >= 1250 && cp <= 1258)
			snprintf(out, 24, "CP%ld", cp);
		else
			snprintf(out, 24, "CP1252");
	}
}

/* The code page of \fcharsetN, or 0 for "the document's". */
static long charset_cp(long cs)
{
	switch (cs) {
	case 77: return 10000;
	case 128: return 932;
	case 129: return 949;
	case 134: return 936;
	case 136: return 950;
	case 161: return 1253;
	case 162: return 1254;
	case 163: return 1258;
	case 177: return 1255;
	case 178: return 1256;
	case 186: return 1257;
	case 204: return 1251;
	case 222: return 874;
	case 238: return 1250;
	case 254: return 437;
	case 255: return 850;
	default: return 0; /* 0 ANSI, 1 default, 2 symbol: the document's */
	}
}

/* The font numbered `num`, or NULL. */
static struct font *font_find(struct rtf *r, long num)
{
	size_t i;

	for (i = 0; i < r->nfonts; i++)
		if (r->fonts[i].num == num)
			return &r->fonts[i];
	return NULL;
}

/* The iconv name for text in the current font (cached for the last font). */
static const char *current_cs(struct rtf *r)
{
	long f = top(r)->font >= 0 ? top(r)->font : r->deff;
	const struct font *ft;

	if (r->cs && r->cs_font == f)
		return r->cs;
	ft = font_find(r, f);
	r->cs_font = f;
	r->cs = ft && *ft->cs ? ft->cs : r->ansi;
	return r->cs;
}

/* ------------------------------------------------------------------ */
/* Output                                                             */
/* ------------------------------------------------------------------ */

/* The buffer text of destination `d` goes to, or NULL when it is dropped. */
static struct buf *dest_buf(struct rtf *r, enum dest d)
{
	switch (d) {
	case D_BODY: return &r->para;
	case D_HEADER:
	case D_FOOTER:
	case D_FOOTNOTE:
	case D_COMMENT: return &r->aside;
	case D_META:
	case D_STYLESHEET: return &r->name;
	case D_LISTTEXT: return &r->listtext;
	default: return NULL;
	}
}

/* Convert the pending 8-bit bytes into their destination. Returns 0 or ENCLAVE_E*. */
static int flush_bytes(struct rtf *r)
{
	struct buf *out;
	int rc;

	if (!r->bytes.len)
		return 0;
	out = dest_buf(r, (enum dest)r->bytes_dest);
	rc = out ? text_convert(out, r->bytes_cs, (const unsigned char *)r->bytes.ptr, r->bytes.len)
	         : 0;
	if (rc == 1) /* unknown code page or invalid bytes: Windows-1252, then Latin-1 */
		rc = text_convert(out, "CP1252", (const unsigned char *)r->bytes.ptr, r->bytes.len);
	if (rc == 1)
		rc = text_convert(out, "ISO-8859-1", (const unsigned char *)r->bytes.ptr,
		                  r->bytes.len);
	buf_clear(&r->bytes);
	if (rc < 0)
		return error_buf(rc, "rtf text");
	return 0;
}

/* Append the 8-bit byte `c` of the current code page. Returns 0 or ENCLAVE_E*. */
static int put_byte(struct rtf *r, unsigned char c)
{
	struct group *g = top(r);
	const char *cs;
	int rc;

	if (g->hidden || !dest_buf(r, g->dest))
		return 0;
	cs = current_cs(r);
	if (r->bytes.len && ((int)g->dest != r->bytes_dest || strcmp(cs, r->bytes_cs))) {
		if ((rc = flush_bytes(r)) < 0)
			return rc;
	}
	r->bytes_dest = (int)g->dest;
	snprintf(r->bytes_cs, sizeof(r->bytes_cs), "%s", cs);
	if ((rc = buf_putc(&r->bytes, (char)c)) < 0)
		return error_buf(rc, "rtf text");
	return 0;
}

/* Append UTF-8 `s` to the current destination. Returns 0 or ENCLAVE_E*. */
static int put_str(struct rtf *r, const char *s)
{
	struct group *g = top(r);
	struct buf *out = dest_buf(r, g->dest);
	int rc;

	if (g->hidden || !out)
		return 0;
	if ((rc = flush_bytes(r)) < 0)
		return rc;
	if ((rc = buf_puts(out, s)) < 0)
		return error_buf(rc, "rtf text");
	return 0;
}

/* Append the code point `cp` (U+FFFD for what is not one). Returns 0 or ENCLAVE_E*. */
static int put_cp(struct rtf *r, unsigned cp)
{
	char u[8];
	size_t n;

	if (cp == 0 || (cp < 0x20 && cp != '\t' && cp != '\n'))
		return 0;
	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;
	n = utf8_encode(cp, u);
	u[n] = '\0';
	return put_str(r, u);
}

/* Append block text `b` of `kind` with `attrs` (borrowed, may be NULL). */
static int emit(struct rtf *r, enclave_block_kind kind, int level, json_t *attrs, const char *text,
                size_t len)
{
	struct enclave_block t = doc_block_template(kind, level, "markup");
	char *js = NULL;
	int error;

	if (attrs && json_object_size(attrs) && !(js = json_dumps(attrs, JSON_COMPACT)))
		return error_oom();
	t.attrs = js;
	error = doc_add_block(r->doc, &t, text, len);
	free(js);
	return error;
}

/* Trim `s` of `n` bytes in place (collapse nothing); returns the new length. */
static size_t trim(const char **s, size_t n)
{
	while (n && isspace((unsigned char)**s))
		(*s)++, n--;
	while (n && isspace((unsigned char)(*s)[n - 1]))
		n--;
	return n;
}

/* Emit the open table as one TABLE block. Returns 0 or ENCLAVE_E*. */
static int table_flush(struct rtf *r)
{
	struct enclave_block tmpl = doc_block_template(ENCLAVE_BLOCK_TABLE, 0, "markup");
	int error;

	if (!r->rows)
		return 0;
	if (r->row && json_array_size(r->row) == 0)
		json_array_remove(r->rows, json_array_size(r->rows) - 1);
	r->row = NULL;
	error = doc_add_table(r->doc, &tmpl, r->rows);
	json_decref(r->rows);
	r->rows = r->row = NULL;
	return error;
}

/* End the cell: the paragraph's text, white space collapsed, into the open row. */
static int table_cell(struct rtf *r)
{
	struct buf c = BUF_INIT(ENCLAVE_MAX_BLOCK_BYTES);
	const char *s;
	size_t i, n;
	int space = 0, rc = 0, error = 0;

	if ((error = flush_bytes(r)) < 0)
		return error;
	if (++r->cells > RTF_MAX_CELLS)
		return error_set(ENCLAVE_ELIMIT, "more than %zu table cells", RTF_MAX_CELLS);
	if (!r->rows && !(r->rows = json_array()))
		return error_oom();
	if (!r->row && (!(r->row = json_array()) || json_array_append_new(r->rows, r->row)))
		return error_oom();
	s = buf_cstr(&r->para);
	n = r->para.len;
	for (i = 0; i < n; i++) {
		if (isspace((unsigned char)s[i])) {
			space = c.len > 0;
			continue;
		}
		if ((space && (rc = buf_putc(&c, ' ')) < 0) || (rc = buf_putc(&c, s[i])) < 0)
			break;
		space = 0;
	}
	if (rc < 0)
		error = error_buf(rc, "rtf table cell");
	else if (json_array_append_new(r->row, json_stringn(c.ptr ? c.ptr : "", c.len)))
		error = error_oom();
	buf_release(&c);
	buf_clear(&r->para);
	r->para_listtext = 0;
	buf_clear(&r->listtext);
	return error;
}

/* End the row. */
static int table_row(struct rtf *r)
{
	int error = 0;

	if (r->para.len && (error = table_cell(r)) < 0) /* text after the last \cell */
		return error;
	if (r->row && json_array_size(r->row)) {
		size_t n;
		/* Trailing empty cells are padding. */
		while ((n = json_array_size(r->row)) > 0 &&
		       !*json_string_value(json_array_get(r->row, n - 1)))
			json_array_remove(r->row, n - 1);
		if (!json_array_size(r->row))
			json_array_remove(r->rows, json_array_size(r->rows) - 1);
	}
	r->row = NULL;
	return 0;
}

/* The heading level of style `s` (0 none, -1 title). */
static int style_level(struct rtf *r, long s)
{
	size_t i;

	for (i = 0; i < r->nstyles; i++)
		if (r->styles[i].num == s)
			return r->styles[i].level;
	return 0;
}

/* End the body paragraph: a block of the kind its properties say. */
static int end_para(struct rtf *r)
{
	struct group *g = top(r);
	const char *s;
	size_t n;
	json_t *attrs = NULL;
	enclave_block_kind kind = ENCLAVE_BLOCK_PARAGRAPH;
	int level = 0, error;

	if ((error = flush_bytes(r)) < 0)
		return error;
	if (g->intbl && r->para.len) {
		/* A paragraph inside a cell: a line of the cell. */
		if ((error = buf_putc(&r->para, '\n')) < 0)
			return error_buf(error, "rtf text");
		return 0;
	}
	if (g->intbl)
		return 0;
	if ((error = table_flush(r)) < 0)
		return error;
	s = buf_cstr(&r->para);
	n = trim(&s, r->para.len);
	if (n) {
		int sl = style_level(r, g->style);
		if (g->outline >= 0) {
			kind = ENCLAVE_BLOCK_HEADING;
			level = g->outline + 1;
		} else if (sl > 0) {
			kind = ENCLAVE_BLOCK_HEADING;
			level = sl;
		} else if (sl < 0) {
			kind = ENCLAVE_BLOCK_TITLE;
		} else if (g->list || r->para_listtext) {
			const char *lt = buf_cstr(&r->listtext);
			kind = ENCLAVE_BLOCK_LIST_ITEM;
			level = g->ilvl + 1;
			while (*lt && isspace((unsigned char)*lt))
				lt++;
			if (isdigit((unsigned char)*lt) &&
			    !(attrs = json_pack("{s:b,s:I}", "ordered", 1, "number",
			                        (json_int_t)strtol(lt, NULL, 10))))
				return error_oom();
		}
		if (level > 6)
			level = 6;
		error = emit(r, kind, level, attrs, s, n);
		json_decref(attrs);
	}
	buf_clear(&r->para);
	buf_clear(&r->listtext);
	r->para_listtext = 0;
	return error;
}

/* End a header, footer or note paragraph (destination `d`). */
static int end_aside(struct rtf *r, enum dest d)
{
	const char *s;
	size_t n;
	int error;

	if ((error = flush_bytes(r)) < 0)
		return error;
	s = buf_cstr(&r->aside);
	n = trim(&s, r->aside.len);
	if (n && (d == D_HEADER || d == D_FOOTER)) {
		char *last = d == D_HEADER ? r->last_header : r->last_footer;
		if (n >= 255 || strncmp(last, s, n) || last[n]) {
			error = emit(r, d == D_HEADER ? ENCLAVE_BLOCK_HEADER : ENCLAVE_BLOCK_FOOTER,
			             0, NULL, s, n);
			snprintf(last, 256, "%.*s", (int)(n < 255 ? n : 255), s);
		}
	} else if (n) {
		json_t *pair = json_pack("[s%,s]", s, n, d == D_COMMENT ? "comment" : "footnote");
		if (!pair || json_array_append_new(r->notes, pair))
			error = error_oom();
	}
	buf_clear(&r->aside);
	return error;
}

/* ------------------------------------------------------------------ */
/* Control words                                                      */
/* ------------------------------------------------------------------ */

/* Destinations skipped whole (their text is not the document's). */
static const char *const skipped[] = { "colortbl",
	                               "pict",
	                               "objdata",
	                               "objclass",
	                               "objname",
	                               "fldinst",
	                               "bkmkstart",
	                               "bkmkend",
	                               "datafield",
	                               "themedata",
	                               "colorschememapping",
	                               "latentstyles",
	                               "datastore",
	                               "xmlnstbl",
	                               "rsidtbl",
	                               "generator",
	                               "listtable",
	                               "listoverridetable",
	                               "revtbl",
	                               "pgdsctbl",
	                               "filetbl",
	                               "nonshppict",
	                               "shpinst",
	                               "pn",
	                               "pntxta",
	                               "pntxtb",
	                               "pnseclvl",
	                               "xe",
	                               "tc",
	                               "template",
	                               "docvar",
	                               "userprops",
	                               "private",
	                               "nonesttables",
	                               "fchars",
	                               "lchars",
	                               "blipuid",
	                               "mmathPr",
	                               "wgrffmtfilter",
	                               "ftnsep",
	                               "ftnsepc",
	                               "aftnsep",
	                               "aftnsepc",
	                               "fldtype",
	                               "falt",
	                               "panose",
	                               "atnid",
	                               "atnauthor",
	                               "atndate",
	                               "atnref",
	                               "atnicn",
	                               "annotid",
	                               "protusertbl",
	                               "passwordhash",
	                               "bin",
	                               "sp",
	                               "sn",
	                               "sv",
	                               "oldcprops",
	                               "oldpprops",
	                               "oldsprops",
	                               "oldtprops",
	                               "listpicture",
	                               "htmltag",
	                               "mhtmltag",
	                               "factoidname",
	                               "keycode",
	                               "ud",
	                               NULL };

/* Is `w` in the NULL-terminated list? */
static int in_list(const char *const *list, const char *w)
{
	for (; *list; list++)
		if (!strcmp(*list, w))
			return 1;
	return 0;
}

/* Remember font `num` (while reading the font table). */
static void font_define(struct rtf *r, long num)
{
	r->def_font = num;
	if (font_find(r, num) || r->nfonts >= RTF_MAX_FONTS)
		return;
	r->fonts[r->nfonts].num = num;
	r->fonts[r->nfonts].cs[0] = '\0';
	r->nfonts++;
}

/* The style being defined, added when missing, or NULL past the limit. */
static struct style *style_define(struct rtf *r, long num)
{
	size_t i;

	for (i = 0; i < r->nstyles; i++)
		if (r->styles[i].num == num)
			return &r->styles[i];
	if (r->nstyles >= RTF_MAX_STYLES)
		return NULL;
	r->styles[r->nstyles].num = num;
	r->styles[r->nstyles].level = 0;
	r->styles[r->nstyles].set = 0;
	return &r->styles[r->nstyles++];
}

/* A style name is complete (";"): "heading N" and "Title" give its level. */
static void style_named(struct rtf *r)
{
	struct style *st = r->def_style >= 0 ? style_define(r, r->def_style) : NULL;
	const char *s = buf_cstr(&r->name);
	size_t n;

	while (*s == ' ')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ';' || s[n - 1] == ' '))
		n--;
	if (st && !st->set) {
		if (n >= 9 && !strncasecmp(s, "heading ", 8) && isdigit((unsigned char)s[8]))
			st->level = s[8] - '0' > 0 ? s[8] - '0' : 0;
		else if (n == 5 && !strncasecmp(s, "title", 5))
			st->level = -1;
	}
	buf_clear(&r->name);
	r->def_style = -1;
}

/* Set metadata `key` from the gathered r->name (title: the title too). */
static int meta_done(struct rtf *r, const char *key)
{
	const char *s;
	size_t n;
	char *v;
	int error;

	if ((error = flush_bytes(r)) < 0)
		return error;
	s = buf_cstr(&r->name);
	n = trim(&s, r->name.len);
	if (!n || !(v = strndup(s, n))) {
		buf_clear(&r->name);
		return n ? error_oom() : 0;
	}
	error = doc_set_meta(r->doc, key, v);
	if (!error && !strcmp(key, "title"))
		error = doc_set_title(r->doc, v);
	free(v);
	buf_clear(&r->name);
	return error;
}

/* A character literal after the control symbol or in the text. */
static int literal(struct rtf *r, unsigned char c)
{
	int error;

	if (top(r)->upr_child) { /* the ANSI copy inside \upr starts with text */
		top(r)->upr_child = 0;
		top(r)->dest = D_SKIP;
		return 0;
	}
	if (r->skip) {
		r->skip--;
		return 0;
	}
	if (r->high) { /* a high surrogate not followed by its low half */
		r->high = 0;
		if ((error = put_cp(r, 0xfffd)) < 0)
			return error;
	}
	if (top(r)->dest == D_STYLESHEET && c == ';') {
		error = flush_bytes(r);
		if (!error)
			style_named(r);
		return error;
	}
	if (c == '\t')
		return put_str(r, "\t");
	if (c < 0x20)
		return 0;
	return put_byte(r, c);
}

/* \uN: one UTF-16 unit, then the \ucN fallback characters to skip. */
static int unicode(struct rtf *r, long param)
{
	unsigned v = (unsigned)(param < 0 ? param + 65536 : param) & 0xffff;
	int error = 0;

	if (r->skip)
		r->skip = 0; /* a \u inside the fallback of another: the fallback is over */
	if (v >= 0xdc00 && v <= 0xdfff && r->high) {
		error = put_cp(r, 0x10000 + ((r->high - 0xd800) << 10) + (v - 0xdc00));
		r->high = 0;
	} else {
		if (r->high && (error = put_cp(r, 0xfffd)) < 0)
			return error;
		r->high = 0;
		if (v >= 0xd800 && v <= 0xdbff)
			r->high = v;
		else
			error = put_cp(r, v);
	}
	r->skip = (unsigned)top(r)->uc;
	return error;
}

/* Control words that stand for a character: the word and its UTF-8. */
static const char *const symbols[][2] = {
	{ "line", "\n" },
	{ "tab", "\t" },
	{ "emdash", "\xe2\x80\x94" },
	{ "endash", "\xe2\x80\x93" },
	{ "bullet", "\xe2\x80\xa2" },
	{ "lquote", "\xe2\x80\x98" },
	{ "rquote", "\xe2\x80\x99" },
	{ "ldblquote", "\xe2\x80\x9c" },
	{ "rdblquote", "\xe2\x80\x9d" },
	{ "emspace", " " },
	{ "enspace", " " },
	{ "qmspace", " " },
	{ "nestcell", " " },
	{ "nestrow", " " },
};

/*
 * Handle control word `w` with parameter `param` (`has_param` 0 when it has
 * none). Returns 0 or ENCLAVE_E*.
 */
static int control(struct rtf *r, const char *w, long param, int has_param)
{
	struct group *g = top(r);
	int starred = g->star, known = 1, error;
	size_t i;

	g->star = 0;
	if (!strcmp(w, "u") && has_param && g->dest != D_SKIP && !g->upr_child)
		return unicode(r, param); /* also ends the fallback of a \u before it */
	if (r->skip) {
		r->skip--;
		return 0;
	}
	if (g->upr_child) {
		/* Inside \upr: the first group is the ANSI copy, skipped; \ud is kept. */
		g->upr_child = 0;
		if (!strcmp(w, "ud"))
			return 0;
		g->dest = D_SKIP;
		return 0;
	}
	if (g->dest == D_SKIP)
		return 0;
	if (r->high) {
		r->high = 0;
		if ((error = put_cp(r, 0xfffd)) < 0)
			return error;
	}
	/* Destinations. */
	if (!strcmp(w, "fonttbl")) {
		g->dest = D_FONTTBL;
	} else if (!strcmp(w, "stylesheet")) {
		g->dest = D_STYLESHEET;
		r->def_style = 0;
	} else if (!strcmp(w, "info")) {
		g->dest = D_INFO;
	} else if (g->dest == D_INFO &&
	           (!strcmp(w, "title") || !strcmp(w, "author") || !strcmp(w, "subject") ||
	            !strcmp(w, "keywords") || !strcmp(w, "company") || !strcmp(w, "category") ||
	            !strcmp(w, "doccomm"))) {
		g->dest = D_META;
		snprintf(g->meta, sizeof(g->meta), "%s", !strcmp(w, "doccomm") ? "comments" : w);
		buf_clear(&r->name);
	} else if (g->dest == D_INFO && !strcmp(w, "creatim")) {
		snprintf(g->meta, sizeof(g->meta), "created");
		r->yr = r->mo = r->dy = r->hr = r->min = 0;
	} else if (!strncmp(w, "header", 6) && (!w[6] || (strchr("lrf", w[6]) && !w[7]))) {
		g->dest = D_HEADER; /* not \headeryN, a section property */
	} else if (!strncmp(w, "footer", 6) && (!w[6] || (strchr("lrf", w[6]) && !w[7]))) {
		g->dest = D_FOOTER;
	} else if (!strcmp(w, "footnote")) {
		g->dest = D_FOOTNOTE;
	} else if (!strcmp(w, "annotation")) {
		g->dest = D_COMMENT;
	} else if (!strcmp(w, "listtext") || !strcmp(w, "pntext")) {
		if (g->dest == D_BODY) {
			flush_bytes(r);
			g->dest = D_LISTTEXT;
			r->para_listtext = 1;
			buf_clear(&r->listtext);
		} else {
			g->dest = D_SKIP;
		}
	} else if (!strcmp(w, "upr")) {
		g->upr = 1;
	} else if (in_list(skipped, w)) {
		g->dest = D_SKIP;
	} else {
		known = 0;
	}
	if (known)
		return 0;
	if (starred) {
		g->dest = D_SKIP; /* \* and a destination we do not know */
		return 0;
	}
	/* Document and font properties. */
	if (!strcmp(w, "ansicpg") && has_param) {
		cp_name(r->ansi, param);
		r->cs = NULL;
	} else if (!strcmp(w, "mac")) {
		snprintf(r->ansi, sizeof(r->ansi), "MACINTOSH");
		r->cs = NULL;
	} else if (!strcmp(w, "pc") || !strcmp(w, "pca")) {
		snprintf(r->ansi, sizeof(r->ansi), "%s", w[2] ? "CP850" : "CP437");
		r->cs = NULL;
	} else if (!strcmp(w, "deff") && has_param) {
		r->deff = param;
		r->cs = NULL;
	} else if (!strcmp(w, "f") && has_param) {
		if (g->dest == D_FONTTBL)
			font_define(r, param);
		else
			g->font = param;
		r->cs = NULL;
	} else if ((!strcmp(w, "fcharset") || !strcmp(w, "cpg")) && g->dest == D_FONTTBL) {
		struct font *ft = font_find(r, r->def_font);
		long cp = w[1] == 'c' ? charset_cp(param) : param;
		if (ft && cp)
			cp_name(ft->cs, cp);
		r->cs = NULL;
	} else if (!strcmp(w, "plain")) {
		g->font = -1;
		g->hidden = 0;
	} else if (!strcmp(w, "pard")) {
		g->style = 0, g->outline = -1, g->intbl = 0, g->list = 0, g->ilvl = 0;
	} else if (!strcmp(w, "s") && has_param) {
		if (g->dest == D_STYLESHEET)
			r->def_style = param;
		else
			g->style = (int)param;
	} else if (!strcmp(w, "cs") || !strcmp(w, "ds") || !strcmp(w, "ts")) {
		if (g->dest == D_STYLESHEET)
			r->def_style = -1;
	} else if (!strcmp(w, "outlinelevel") && has_param) {
		if (g->dest == D_STYLESHEET) {
			struct style *st = r->def_style >= 0 ? style_define(r, r->def_style) : NULL;
			if (st) {
				st->level = param >= 0 && param < 9 ? (int)param + 1 : 0;
				st->set = 1;
			}
		} else {
			g->outline = param >= 0 && param < 9 ? (int)param : -1;
		}
	} else if (!strcmp(w, "intbl")) {
		g->intbl = 1;
	} else if (!strcmp(w, "itap") && has_param) {
		g->intbl = param > 0;
	} else if (!strcmp(w, "ls")) {
		g->list = !has_param || param > 0;
	} else if (!strcmp(w, "ilvl") && has_param) {
		g->ilvl = param >= 0 && param < 9 ? (int)param : 0;
	} else if (!strcmp(w, "v")) {
		flush_bytes(r);
		g->hidden = !has_param || param != 0;
	} else if (!strcmp(w, "uc") && has_param) {
		g->uc = param < 0 ? 0 : param > RTF_MAX_UC ? RTF_MAX_UC : (int)param;
	} else if (!strcmp(g->meta, "created") && has_param &&
	           (!strcmp(w, "yr") || !strcmp(w, "mo") || !strcmp(w, "dy") || !strcmp(w, "hr") ||
	            !strcmp(w, "min"))) {
		long v = param < 0 ? 0 : param > 9999 ? 9999 : param;
		*(w[0] == 'y'   ? &r->yr
		  : w[0] == 'd' ? &r->dy
		  : w[0] == 'h' ? &r->hr
		  : w[1] == 'o' ? &r->mo
		                : &r->min) = v;
	} else if (!strcmp(w, "par") || !strcmp(w, "sect") || !strcmp(w, "page")) {
		if (g->dest == D_BODY)
			return end_para(r);
		if (g->dest == D_HEADER || g->dest == D_FOOTER || g->dest == D_FOOTNOTE ||
		    g->dest == D_COMMENT)
			return end_aside(r, g->dest);
	} else if (!strcmp(w, "cell")) {
		if (g->dest == D_BODY)
			return table_cell(r);
		return put_str(r, "\t");
	} else if (!strcmp(w, "row")) {
		if (g->dest == D_BODY)
			return table_row(r);
		return put_str(r, "\n");
	} else {
		for (i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++)
			if (!strcmp(w, symbols[i][0]))
				return put_str(r, symbols[i][1]);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Groups                                                             */
/* ------------------------------------------------------------------ */

/* "{": a new group with the state of its parent. Returns 0 or ENCLAVE_ELIMIT. */
static int push(struct rtf *r)
{
	struct group *g;

	if (r->depth + 1 > ENCLAVE_MAX_NESTING)
		return error_set(ENCLAVE_ELIMIT, "rtf nested deeper than %d groups",
		                 ENCLAVE_MAX_NESTING);
	r->skip = 0;
	r->depth++;
	g = &r->stack[r->depth];
	*g = r->stack[r->depth - 1];
	g->upr_child = g->upr;
	g->upr = 0;
	g->star = 0;
	if (g->dest == D_STYLESHEET) {
		r->def_style = 0;
		buf_clear(&r->name);
	}
	return 0;
}

/* "}": close the group, finishing what its destination gathered. */
static int pop(struct rtf *r)
{
	struct group *g = top(r), *parent;
	int error;

	r->skip = 0;
	if ((error = flush_bytes(r)) < 0)
		return error;
	if (r->depth == 0)
		return 0;
	parent = &r->stack[r->depth - 1];
	if (g->dest == D_META && parent->dest != D_META)
		error = meta_done(r, g->meta);
	else if ((g->dest == D_HEADER || g->dest == D_FOOTER || g->dest == D_FOOTNOTE ||
	          g->dest == D_COMMENT) &&
	         parent->dest != g->dest)
		error = end_aside(r, g->dest);
	else if (g->dest == D_STYLESHEET && parent->dest == D_STYLESHEET && r->name.len)
		style_named(r);
	else if (!strcmp(g->meta, "created") && strcmp(parent->meta, "created") && r->yr) {
		char iso[32];
		snprintf(iso, sizeof(iso), "%04ld-%02ld-%02ldT%02ld:%02ld:00", r->yr, r->mo, r->dy,
		         r->hr, r->min);
		error = doc_set_meta(r->doc, "created", iso);
	}
	r->depth--;
	return error;
}

/* ------------------------------------------------------------------ */
/* The tokenizer                                                      */
/* ------------------------------------------------------------------ */

/* Read a control word at r->p (after the backslash) and handle it. */
static int word(struct rtf *r)
{
	char w[RTF_MAX_WORD + 1];
	size_t n = 0;
	long param = 0;
	int has_param = 0, neg = 0;

	while (r->p < r->end && isalpha(*r->p)) {
		if (n < RTF_MAX_WORD)
			w[n++] = (char)*r->p;
		r->p++;
	}
	w[n] = '\0';
	if (r->p + 1 < r->end && *r->p == '-' && isdigit(r->p[1]))
		neg = 1, r->p++;
	while (r->p < r->end && isdigit(*r->p)) {
		has_param = 1;
		if (param < RTF_MAX_PARAM)
			param = param * 10 + (*r->p - '0');
		r->p++;
	}
	if (param > RTF_MAX_PARAM)
		param = RTF_MAX_PARAM;
	if (neg)
		param = -param;
	if (r->p < r->end && *r->p == ' ')
		r->p++;
	if (!strcmp(w, "bin")) {
		/* N bytes of binary data: never text. */
		size_t left = (size_t)(r->end - r->p);
		size_t skip = has_param && param > 0 ? (size_t)param : 0;
		r->p += skip < left ? skip : left;
		if (r->skip)
			r->skip--;
		return 0;
	}
	return control(r, w, param, has_param);
}

/* A control symbol at r->p (after the backslash). */
static int symbol(struct rtf *r)
{
	unsigned char c = *r->p++;

	switch (c) {
	case '\'': {
		int hi, lo;
		if (r->end - r->p < 2 || !isxdigit(r->p[0]) || !isxdigit(r->p[1]))
			return 0;
		hi = isdigit(r->p[0]) ? r->p[0] - '0' : (tolower(r->p[0]) - 'a' + 10);
		lo = isdigit(r->p[1]) ? r->p[1] - '0' : (tolower(r->p[1]) - 'a' + 10);
		r->p += 2;
		if (r->skip) {
			r->skip--;
			return 0;
		}
		if (top(r)->dest == D_SKIP)
			return 0;
		return literal(r, (unsigned char)(hi * 16 + lo));
	}
	case '*': top(r)->star = 1; return 0;
	case '{':
	case '}':
	case '\\': return top(r)->dest == D_SKIP ? 0 : literal(r, c);
	case '~': return r->skip ? (r->skip--, 0) : put_str(r, " ");
	case '_': return r->skip ? (r->skip--, 0) : put_str(r, "-");
	case '\n':
	case '\r': return control(r, "par", 0, 0);
	default: return 0; /* \- \| \: and the unknown */
	}
}

int ingest_rtf(struct enclave_doc *doc, const unsigned char *data, size_t len)
{
	struct rtf *r = calloc(1, sizeof(*r));
	size_t i;
	int error = 0;

	if (!r)
		return error_oom();
	r->doc = doc;
	r->p = data, r->end = data + len;
	r->stack = calloc(ENCLAVE_MAX_NESTING + 1, sizeof(*r->stack));
	r->fonts = calloc(RTF_MAX_FONTS, sizeof(*r->fonts));
	r->styles = calloc(RTF_MAX_STYLES, sizeof(*r->styles));
	r->notes = json_array();
	if (!r->stack || !r->fonts || !r->styles || !r->notes) {
		error = error_oom();
		goto done;
	}
	r->stack[0].dest = D_BODY, r->stack[0].uc = 1, r->stack[0].font = -1;
	r->stack[0].outline = -1;
	snprintf(r->ansi, sizeof(r->ansi), "CP1252");
	r->def_font = r->def_style = -1;
	r->bytes = (struct buf)BUF_INIT(ENCLAVE_MAX_BLOCK_BYTES);
	r->para = (struct buf)BUF_INIT(ENCLAVE_MAX_BLOCK_BYTES);
	r->aside = (struct buf)BUF_INIT(ENCLAVE_MAX_BLOCK_BYTES);
	r->name = (struct buf)BUF_INIT(65536);
	r->listtext = (struct buf)BUF_INIT(4096);
	if (!rtf_kind(data, len)) {
		error = error_set(ENCLAVE_EINVALID, "not RTF (no {\\rtf)");
		goto done;
	}
	while (r->p < r->end && !error) {
		unsigned char c = *r->p;
		if (c == '{') {
			r->p++;
			error = push(r);
		} else if (c == '}') {
			r->p++;
			if ((error = pop(r)) == 0 && r->depth == 0)
				break; /* the document's group is closed: what follows is not RTF */
		} else if (c == '\\') {
			r->p++;
			if (r->p < r->end)
				error = isalpha(*r->p) ? word(r) : symbol(r);
		} else {
			r->p++;
			if (c != '\r' && c != '\n' && top(r)->dest != D_SKIP)
				error = literal(r, c);
		}
	}
	/* Groups left open at the end: closed. */
	while (!error && r->depth > 0)
		error = pop(r);
	if (!error && r->high)
		error = put_cp(r, 0xfffd);
	if (!error && (error = end_para(r)) == 0)
		error = table_flush(r);
	for (i = 0; !error && i < json_array_size(r->notes); i++) {
		json_t *pair = json_array_get(r->notes, i);
		const char *kind = json_string_value(json_array_get(pair, 1));
		json_t *attrs = json_pack("{s:b}", kind, 1);
		const char *t = json_string_value(json_array_get(pair, 0));
		if (!attrs)
			error = error_oom();
		else
			error = emit(r, ENCLAVE_BLOCK_PARAGRAPH, 0, attrs, t, strlen(t));
		json_decref(attrs);
	}
	if (!error)
		error = doc_set_meta(doc, "encoding", r->ansi);
done:
	buf_release(&r->bytes);
	buf_release(&r->para);
	buf_release(&r->aside);
	buf_release(&r->name);
	buf_release(&r->listtext);
	json_decref(r->rows);
	json_decref(r->notes);
	free(r->stack);
	free(r->fonts);
	free(r->styles);
	free(r);
	return error;
}
