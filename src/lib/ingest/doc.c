/*
 * The document model: the builder the parsers fill, the public accessors,
 * and rendering to text, Markdown and JSON.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ingest_int.h"
#include "../../util/utf8.h"

static const char *const kind_names[ENCLAVE_BLOCK_KIND_COUNT] = {
	"title",  "heading", "paragraph", "list_item", "table",  "caption",
	"header", "footer",  "code",      "formula",   "figure",
};

static const char *const methods[] = { "text", "markup", "ocr", "none" };

const char *enclave_block_kind_name(enclave_block_kind kind)
{
	if ((int)kind < 0 || kind >= ENCLAVE_BLOCK_KIND_COUNT)
		return "paragraph";
	return kind_names[kind];
}

int enclave_block_kind_parse(const char *name)
{
	int i;

	for (i = 0; i < ENCLAVE_BLOCK_KIND_COUNT; i++)
		if (!strcmp(kind_names[i], name))
			return i;
	return -1;
}

const char *doc_method_intern(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (name && !strcmp(methods[i], name))
			return methods[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Building                                                           */
/* ------------------------------------------------------------------ */

int doc_new(struct enclave_doc **out, const char *format)
{
	struct enclave_doc *d;

	*out = NULL;
	if (!(d = calloc(1, sizeof(*d))) || !(d->format = strdup(format)) ||
	    !(d->metadata = json_object())) {
		enclave_doc_free(d);
		return error_oom();
	}
	*out = d;
	return 0;
}

int doc_set_title(struct enclave_doc *doc, const char *title)
{
	char *t = NULL;

	if (title && !(t = strdup(title)))
		return error_oom();
	free(doc->title);
	doc->title = t;
	return 0;
}

int doc_set_meta(struct enclave_doc *doc, const char *key, const char *value)
{
	json_t *v;

	if (!value || !*value)
		return 0;
	if (!utf8_valid(value, strlen(value)))
		return 0;
	if (!(v = json_string(value)) || json_object_set_new(doc->metadata, key, v) < 0)
		return error_oom();
	return 0;
}

int doc_add_page(struct enclave_doc *doc, double width, double height, const char *method,
                 double confidence)
{
	struct enclave_page *p;

	if (doc->npages >= ENCLAVE_MAX_PAGES)
		return error_set(ENCLAVE_ELIMIT, "more than %d pages", ENCLAVE_MAX_PAGES);
	if (doc->npages == doc->pages_cap) {
		size_t ncap = doc->pages_cap ? doc->pages_cap * 2 : 16;
		if (!(p = realloc(doc->pages, ncap * sizeof(*p))))
			return error_oom();
		doc->pages = p;
		doc->pages_cap = ncap;
	}
	p = &doc->pages[doc->npages++];
	p->number = (int)doc->npages;
	p->width = isfinite(width) ? width : 0;
	p->height = isfinite(height) ? height : 0;
	p->method = doc_method_intern(method) ? doc_method_intern(method) : "none";
	p->confidence = confidence;
	return p->number;
}

struct enclave_block doc_block_template(enclave_block_kind kind, int level, const char *method)
{
	struct enclave_block b;

	memset(&b, 0, sizeof(b));
	b.kind = kind;
	b.level = level;
	b.method = doc_method_intern(method) ? doc_method_intern(method) : "markup";
	b.confidence = 1.0;
	return b;
}

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Copy [s, s+len) to a new string with invalid UTF-8 and NULs replaced. */
static char *sanitise(const char *s, size_t len, size_t *out_len, size_t *out_cp)
{
	struct buf b = BUF_INIT(ENCLAVE_MAX_BLOCK_BYTES * 2);
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	size_t cp = 0;

	while (p < end) {
		uint32_t c;
		size_t n = utf8_decode(p, end, &c);
		char enc[4];
		size_t m;

		if (c == 0)
			c = 0xfffd;
		if (c < 0x80 && n == 1) {
			if (buf_putc(&b, (char)c) < 0)
				goto fail;
		} else {
			m = utf8_encode(c, enc);
			if (buf_put(&b, enc, m) < 0)
				goto fail;
		}
		p += n;
		cp++;
	}
	*out_cp = cp;
	return buf_detach(&b, out_len);
fail:
	buf_release(&b);
	return NULL;
}

/*
 * In JSON text `s`, turn every \u0000 escape into \ufffd, as block texts turn
 * NUL into U+FFFD: a NUL in attrs would make them unreadable for most JSON
 * readers (jansson included, by default). Escaped backslashes are skipped.
 */
static void attrs_drop_nul(char *s)
{
	for (; *s; s++) {
		if (*s != '\\')
			continue;
		if (s[1] == 'u' && !strncmp(s + 2, "0000", 4))
			memcpy(s + 2, "fffd", 4);
		if (s[1])
			s++;
	}
}

int doc_add_block(struct enclave_doc *doc, const struct enclave_block *tmpl, const char *text,
                  size_t len)
{
	struct enclave_block *b;
	char *copy, *attrs = NULL;
	size_t blen, bcp, sep;

	while (len && is_space((unsigned char)*text))
		text++, len--;
	while (len && is_space((unsigned char)text[len - 1]))
		len--;
	if (!len)
		return 0;
	if (len > ENCLAVE_MAX_BLOCK_BYTES)
		return error_set(ENCLAVE_ELIMIT, "a block longer than %zu bytes",
		                 ENCLAVE_MAX_BLOCK_BYTES);
	if (doc->nblocks >= ENCLAVE_MAX_BLOCKS)
		return error_set(ENCLAVE_ELIMIT, "more than %d blocks", ENCLAVE_MAX_BLOCKS);
	sep = doc->nblocks ? 2 : 0;
	if (doc->text_bytes + sep + len > ENCLAVE_MAX_TEXT_BYTES)
		return error_set(ENCLAVE_ELIMIT, "text longer than %zu bytes",
		                 ENCLAVE_MAX_TEXT_BYTES);
	if (doc->nblocks == doc->blocks_cap) {
		size_t ncap = doc->blocks_cap ? doc->blocks_cap * 2 : 64;
		if (!(b = realloc(doc->blocks, ncap * sizeof(*b))))
			return error_oom();
		doc->blocks = b;
		doc->blocks_cap = ncap;
	}
	if (!(copy = sanitise(text, len, &blen, &bcp)))
		return error_oom();
	if (tmpl->attrs && !(attrs = strdup(tmpl->attrs))) {
		free(copy);
		return error_oom();
	}
	if (attrs)
		attrs_drop_nul(attrs);
	b = &doc->blocks[doc->nblocks++];
	*b = *tmpl;
	if ((int)b->kind < 0 || b->kind >= ENCLAVE_BLOCK_KIND_COUNT)
		b->kind = ENCLAVE_BLOCK_PARAGRAPH;
	b->method = doc_method_intern(tmpl->method) ? doc_method_intern(tmpl->method) : "markup";
	b->text = copy;
	b->attrs = attrs;
	b->offset = doc->text_cp + sep;
	b->length = bcp;
	doc->text_cp += sep + bcp;
	doc->text_bytes += sep + blen;
	return 0;
}

int doc_text(struct buf *out, const struct enclave_doc *doc)
{
	size_t i;
	int error;

	for (i = 0; i < doc->nblocks; i++) {
		if (i && (error = buf_put(out, "\n\n", 2)) < 0)
			return error_buf(error, "document text");
		if ((error = buf_puts(out, doc->blocks[i].text)) < 0)
			return error_buf(error, "document text");
	}
	return 0;
}

int doc_add_child(struct enclave_doc *doc, const char *name, const void *data, size_t len)
{
	struct enclave_doc_child *c;
	unsigned char *copy;
	size_t nlen, ncp;
	char *nm;

	if (doc->ctx && doc->ctx->children >= ENCLAVE_MAX_CHILDREN)
		return error_set(ENCLAVE_ELIMIT, "more than %d embedded files",
		                 ENCLAVE_MAX_CHILDREN);
	if (doc->nchildren == doc->children_cap) {
		size_t ncap = doc->children_cap ? doc->children_cap * 2 : 8;
		struct enclave_doc_child *v = realloc(doc->children, ncap * sizeof(*v));
		if (!v)
			return error_oom();
		doc->children = v;
		doc->children_cap = ncap;
	}
	/* Names are bytes from the file: keep them valid UTF-8 and bounded. */
	nlen = name ? strnlen(name, 4096) : 0;
	if (!(nm = sanitise(name ? name : "", nlen, &nlen, &ncp)) && !(nm = strdup("")))
		return error_oom();
	if (!(copy = malloc(len ? len : 1))) {
		free(nm);
		return error_oom();
	}
	if (len)
		memcpy(copy, data, len);
	c = &doc->children[doc->nchildren];
	memset(c, 0, sizeof(*c));
	c->name = nm;
	c->data = copy;
	c->size = len;
	doc->nchildren++;
	if (doc->ctx)
		doc->ctx->children++;
	return 0;
}

int doc_add_failed_child(struct enclave_doc *doc, const char *name, const char *why)
{
	struct enclave_doc_child *c;
	struct buf msg = BUF_INIT(ENCLAVE_MAX_ERROR_BYTES);
	int error;

	if ((error = doc_add_child(doc, name, "", 0)) < 0)
		return error;
	c = &doc->children[doc->nchildren - 1];
	if (buf_printf(&msg, "cannot extract '%s': %s", c->name, why) < 0) {
		buf_clear(&msg);
		if (buf_printf(&msg, "cannot extract: %s", why) < 0)
			buf_clear(&msg);
	}
	c->error = strdup(msg.len ? buf_cstr(&msg) : why);
	buf_release(&msg);
	return c->error ? 0 : error_oom();
}

int doc_add_table(struct enclave_doc *doc, const struct enclave_block *tmpl, json_t *rows)
{
	struct enclave_block t = *tmpl;
	struct buf text = BUF_INIT(ENCLAVE_MAX_BLOCK_BYTES);
	json_t *o = NULL, *row;
	char *attrs = NULL;
	size_t i, j;
	int error = 0, r = 0;

	if (!json_array_size(rows))
		return 0;
	json_array_foreach(rows, i, row)
	{
		json_t *cell;
		if (i && (r = buf_putc(&text, '\n')) < 0)
			break;
		json_array_foreach(row, j, cell)
		{
			if ((j && (r = buf_putc(&text, '\t')) < 0) ||
			    (r = buf_put(&text, json_string_value(cell),
			                 json_string_length(cell))) < 0)
				break;
		}
		if (r < 0)
			break;
	}
	if (r < 0) {
		error = error_buf(r, "table");
		goto done;
	}
	if (!(o = json_pack("{s:O}", "rows", rows)) || !(attrs = json_dumps(o, JSON_COMPACT))) {
		error = error_oom();
		goto done;
	}
	if (strlen(attrs) > ENCLAVE_MAX_FIELD_BYTES) {
		error = error_set(ENCLAVE_ELIMIT, "a table larger than %zu bytes",
		                  ENCLAVE_MAX_FIELD_BYTES);
		goto done;
	}
	t.kind = ENCLAVE_BLOCK_TABLE;
	t.attrs = attrs;
	error = doc_add_block(doc, &t, text.ptr ? text.ptr : "", text.len);
done:
	free(attrs);
	json_decref(o);
	buf_release(&text);
	return error;
}

int doc_copy_blocks(struct enclave_doc *doc, const struct enclave_doc *from, int keep_layout)
{
	size_t i;
	int error;

	for (i = 0; i < from->nblocks; i++) {
		struct enclave_block t = from->blocks[i];

		if (!keep_layout)
			t.page = 0, t.has_bbox = 0;
		if ((error = doc_add_block(doc, &t, t.text, strlen(t.text))) < 0)
			return error;
	}
	return 0;
}

size_t enclave_doc_child_count(const enclave_doc *doc)
{
	return doc->nchildren;
}

const struct enclave_doc_child *enclave_doc_child(const enclave_doc *doc, size_t i)
{
	return i < doc->nchildren ? &doc->children[i] : NULL;
}

void enclave_doc_free(enclave_doc *doc)
{
	size_t i;

	if (!doc)
		return;
	for (i = 0; i < doc->nchildren; i++) {
		struct enclave_doc_child *c = &doc->children[i];
		free((char *)c->name);
		free((char *)c->media_type);
		free((char *)c->error);
		free((unsigned char *)c->data);
		enclave_doc_free((enclave_doc *)c->doc);
	}
	free(doc->children);
	for (i = 0; i < doc->nblocks; i++) {
		free((char *)doc->blocks[i].text);
		free((char *)doc->blocks[i].attrs);
	}
	free(doc->blocks);
	free(doc->pages);
	free(doc->format);
	free(doc->title);
	json_decref(doc->metadata);
	free(doc);
}

/* ------------------------------------------------------------------ */
/* Accessors                                                          */
/* ------------------------------------------------------------------ */

const char *enclave_doc_format(const enclave_doc *doc)
{
	return doc->format;
}

const char *enclave_doc_title(const enclave_doc *doc)
{
	return doc->title;
}

size_t enclave_doc_page_count(const enclave_doc *doc)
{
	return doc->npages;
}

const struct enclave_page *enclave_doc_page(const enclave_doc *doc, size_t i)
{
	return i < doc->npages ? &doc->pages[i] : NULL;
}

size_t enclave_doc_block_count(const enclave_doc *doc)
{
	return doc->nblocks;
}

const struct enclave_block *enclave_doc_block(const enclave_doc *doc, size_t i)
{
	return i < doc->nblocks ? &doc->blocks[i] : NULL;
}

/* ------------------------------------------------------------------ */
/* Rendering                                                          */
/* ------------------------------------------------------------------ */

/* Append a table block (rows separated by '\n', cells by '\t') as a pipe table. */
static int render_md_table(struct buf *out, const char *text)
{
	const char *p = text, *eol;
	size_t row = 0, ncols = 0, i;
	int error = 0;

	while (*p && !error) {
		size_t cols = 1;
		const char *q;

		eol = strchr(p, '\n');
		if (!eol)
			eol = p + strlen(p);
		for (q = p; q < eol; q++)
			if (*q == '\t')
				cols++;
		if (row == 0)
			ncols = cols;
		error |= buf_puts(out, "|");
		for (q = p; q <= eol; q++) {
			if (q == eol || *q == '\t') {
				error |= buf_puts(out, " |");
				continue;
			}
			if (q == p || q[-1] == '\t')
				error |= buf_putc(out, ' ');
			if (*q == '|')
				error |= buf_puts(out, "\\|");
			else
				error |= buf_putc(out, *q);
		}
		for (i = cols; i < ncols; i++)
			error |= buf_puts(out, "  |");
		error |= buf_putc(out, '\n');
		if (row == 0) {
			error |= buf_puts(out, "|");
			for (i = 0; i < ncols; i++)
				error |= buf_puts(out, " --- |");
			error |= buf_putc(out, '\n');
		}
		row++;
		p = *eol ? eol + 1 : eol;
	}
	return error;
}

/* The item number of an ordered list item (attrs {"ordered":true,"number":N}), else 0. */
static json_int_t list_number(const struct enclave_block *b)
{
	json_t *a;
	json_int_t n = 0;

	if (!b->attrs || !(a = json_loads(b->attrs, JSON_ALLOW_NUL, NULL)))
		return 0;
	if (json_is_true(json_object_get(a, "ordered")) &&
	    json_is_integer(json_object_get(a, "number")))
		n = json_integer_value(json_object_get(a, "number"));
	json_decref(a);
	return n > 0 ? n : 0;
}

static int render_markdown(struct buf *out, const struct enclave_doc *doc)
{
	size_t i;
	int error = 0, j;

	for (i = 0; i < doc->nblocks && !error; i++) {
		const struct enclave_block *b = &doc->blocks[i];
		int level = b->level < 1 ? 1 : b->level > 6 ? 6 : b->level;

		/* A blank line between blocks, except inside a run of list items (a tight list). */
		if (i && !(b->kind == ENCLAVE_BLOCK_LIST_ITEM &&
		           doc->blocks[i - 1].kind == ENCLAVE_BLOCK_LIST_ITEM))
			error |= buf_puts(out, "\n");
		switch (b->kind) {
		case ENCLAVE_BLOCK_TITLE: error |= buf_printf(out, "# %s\n", b->text); break;
		case ENCLAVE_BLOCK_HEADING:
			for (j = 0; j < level; j++)
				error |= buf_putc(out, '#');
			error |= buf_printf(out, " %s\n", b->text);
			break;
		case ENCLAVE_BLOCK_LIST_ITEM: {
			json_int_t number = list_number(b);
			for (j = 1; j < b->level; j++)
				error |= buf_puts(out, number ? "   " : "  ");
			if (number)
				error |= buf_printf(out, "%lld. %s\n", (long long)number, b->text);
			else
				error |= buf_printf(out, "- %s\n", b->text);
			break;
		}
		case ENCLAVE_BLOCK_CODE: {
			const char *lang = NULL;
			json_t *a = b->attrs ? json_loads(b->attrs, JSON_ALLOW_NUL, NULL) : NULL;
			if (json_is_string(json_object_get(a, "language")))
				lang = json_string_value(json_object_get(a, "language"));
			error |= buf_printf(out, "```%s\n%s\n```\n",
			                    lang && !strchr(lang, '`') ? lang : "", b->text);
			json_decref(a);
			break;
		}
		case ENCLAVE_BLOCK_TABLE: error |= render_md_table(out, b->text); break;
		case ENCLAVE_BLOCK_CAPTION: error |= buf_printf(out, "*%s*\n", b->text); break;
		case ENCLAVE_BLOCK_HEADER:
		case ENCLAVE_BLOCK_FOOTER:
			error |= buf_printf(out, "<!-- %s: %s -->\n",
			                    enclave_block_kind_name(b->kind), b->text);
			break;
		default: error |= buf_printf(out, "%s\n", b->text);
		}
	}
	return error ? error_buf(error == BUF_ETOOBIG ? BUF_ETOOBIG : BUF_ENOMEM, "markdown") : 0;
}

json_t *doc_json(const struct enclave_doc *doc)
{
	json_t *root = json_object(), *pages = json_array(), *blocks = json_array();
	size_t i;
	int bad = !root || !pages || !blocks;

	if (bad)
		goto fail;
	bad |= json_object_set_new(root, "format", json_string(doc->format));
	bad |=
	    json_object_set_new(root, "title", doc->title ? json_string(doc->title) : json_null());
	bad |= json_object_set(root, "metadata", doc->metadata);
	if (doc->language[0])
		bad |= json_object_set_new(root, "language", json_string(doc->language));
	for (i = 0; i < doc->npages; i++) {
		const struct enclave_page *p = &doc->pages[i];
		bad |= json_array_append_new(
		    pages, json_pack("{s:i,s:f,s:f,s:s,s:f}", "number", p->number, "width",
		                     p->width, "height", p->height, "method", p->method,
		                     "confidence", p->confidence));
	}
	for (i = 0; i < doc->nblocks; i++) {
		const struct enclave_block *b = &doc->blocks[i];
		json_t *o =
		    json_pack("{s:I,s:s,s:i,s:s,s:I,s:I,s:s,s:f}", "seq", (json_int_t)i, "kind",
		              enclave_block_kind_name(b->kind), "level", b->level, "text", b->text,
		              "offset", (json_int_t)b->offset, "length", (json_int_t)b->length,
		              "method", b->method, "confidence", b->confidence);
		if (!o)
			goto fail;
		bad |=
		    json_object_set_new(o, "page", b->page ? json_integer(b->page) : json_null());
		if (b->has_bbox)
			bad |= json_object_set_new(
			    o, "bbox",
			    json_pack("[f,f,f,f]", b->bbox.x0, b->bbox.y0, b->bbox.x1, b->bbox.y1));
		else
			bad |= json_object_set_new(o, "bbox", json_null());
		if (b->attrs) {
			json_t *a = json_loads(b->attrs, JSON_ALLOW_NUL, NULL);
			if (a)
				bad |= json_object_set_new(o, "attrs", a);
		}
		bad |= json_array_append_new(blocks, o);
	}
	bad |= json_object_set_new(root, "pages", pages);
	pages = NULL;
	bad |= json_object_set_new(root, "blocks", blocks);
	blocks = NULL;
	if (doc->nchildren) {
		json_t *kids = json_array();
		bad |= json_object_set_new(root, "children", kids);
		for (i = 0; kids && i < doc->nchildren; i++) {
			const struct enclave_doc_child *c = &doc->children[i];
			json_t *o =
			    json_pack("{s:s,s:I}", "name", c->name, "size", (json_int_t)c->size);
			if (!o)
				goto fail;
			bad |= json_object_set_new(o, "media_type",
			                           c->media_type ? json_string(c->media_type)
			                                         : json_null());
			if (c->doc)
				bad |= json_object_set_new(o, "document", doc_json(c->doc));
			else
				bad |= json_object_set_new(
				    o, "error", json_string(c->error ? c->error : "not read"));
			bad |= json_array_append_new(kids, o);
		}
	}
	if (bad)
		goto fail;
	return root;
fail:
	json_decref(root);
	json_decref(pages);
	json_decref(blocks);
	return NULL;
}

/*
 * Text or Markdown of `doc` and then of its children, each under a line
 * naming it ("--- name ---" in text, a "## name" heading after a rule in
 * Markdown), a failed child with its reason. `path` is the chain of names
 * down to `doc` ("" for the file itself).
 */
static int render_tree(struct buf *out, const struct enclave_doc *doc, enclave_render_format format,
                       const char *path)
{
	size_t i;
	int error;

	if (format == ENCLAVE_FORMAT_TEXT) {
		if ((error = doc_text(out, doc)) < 0)
			return error;
		if (doc->nblocks && buf_putc(out, '\n') < 0)
			return error_buf(BUF_ENOMEM, "document text");
	} else if ((error = render_markdown(out, doc)) < 0) {
		return error;
	}
	for (i = 0; i < doc->nchildren; i++) {
		const struct enclave_doc_child *c = &doc->children[i];
		struct buf sub = BUF_INIT(65536);
		int r;

		r = buf_printf(&sub, "%s%s%s", path, *path ? " / " : "", c->name);
		if (r >= 0)
			r = format == ENCLAVE_FORMAT_TEXT
			        ? buf_printf(out, "%s--- %s%s%s ---\n", out->len ? "\n" : "",
			                     buf_cstr(&sub), c->doc ? "" : ": ",
			                     c->doc ? "" : (c->error ? c->error : "not read"))
			        : buf_printf(out, "%s---\n\n## %s\n%s%s%s", out->len ? "\n" : "",
			                     buf_cstr(&sub), c->doc ? "" : "\n*",
			                     c->doc ? "" : (c->error ? c->error : "not read"),
			                     c->doc ? "" : "*\n");
		if (r >= 0 && c->doc) {
			if (format == ENCLAVE_FORMAT_TEXT && buf_putc(out, '\n') < 0)
				r = BUF_ENOMEM;
			else if (format == ENCLAVE_FORMAT_MARKDOWN && buf_putc(out, '\n') < 0)
				r = BUF_ENOMEM;
			else
				r = render_tree(out, c->doc, format, buf_cstr(&sub));
		}
		buf_release(&sub);
		if (r < 0)
			return r <= BUF_ENOMEM ? error_buf(r, "document text") : r;
	}
	return 0;
}

int enclave_doc_render(char **out, size_t *out_len, const enclave_doc *doc,
                       enclave_render_format format)
{
	struct buf b = BUF_INIT(ENCLAVE_MAX_TEXT_BYTES * 2);
	int error = 0;

	*out = NULL;
	if (format == ENCLAVE_FORMAT_TEXT || format == ENCLAVE_FORMAT_MARKDOWN) {
		error = render_tree(&b, doc, format, "");
	} else if (format == ENCLAVE_FORMAT_JSON) {
		json_t *j = doc_json(doc);
		char *s;
		if (!j)
			return error_oom();
		s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		json_decref(j);
		if (!s)
			return error_oom();
		error = buf_puts(&b, s) < 0 || buf_putc(&b, '\n') < 0 ? error_oom() : 0;
		free(s);
	} else {
		return error_set(ENCLAVE_EINVALID, "unknown render format %d", (int)format);
	}
	if (error) {
		buf_release(&b);
		return error;
	}
	if (!(*out = buf_detach(&b, out_len)))
		return error_oom();
	return 0;
}
