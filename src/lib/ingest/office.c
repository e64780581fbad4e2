/*
 * Office documents in ZIP containers: OOXML (docx, xlsx, pptx) and ODF (odt,
 * ods, odp). The ZIP is read from memory with libarchive, which streams the
 * entries in order: every part we need is looked up by name and read whole
 * into a capped buffer (OFFICE_MAX_ENTRY_BYTES each, OFFICE_MAX_TOTAL_BYTES
 * over one document, OFFICE_MAX_ENTRIES entries), so a ZIP bomb ends in
 * ENCLAVE_ELIMIT. Each XML part is parsed by libxml2 with XML_PARSE_NONET and
 * without XML_PARSE_NOENT or DTD loading: an external entity is never read
 * and its reference contributes no text. libxml2's own depth limit (256
 * without XML_PARSE_HUGE) bounds the tree, so the walks below recurse; their
 * depth is bounded by that limit. Nothing is printed: the parse swaps in
 * error handlers that record, as html.c does.
 *
 * Block order:
 *   - docx: headers (word/header*.xml, by name), the body (a paragraph with
 *     deleted tracked text is followed by a paragraph block of that text with
 *     attrs {"tracked":"deletion"}), footnotes, endnotes, comments, then
 *     footers (word/footer*.xml).
 *   - xlsx, ods: per sheet a HEADING (level 1, the sheet name) and a TABLE.
 *   - pptx, odp: one page per slide; its title is a HEADING level 1, other
 *     text paragraphs or list items, tables, then the speaker notes
 *     (attrs {"notes":true}).
 *   - odt: headings, paragraphs, list items, tables in order.
 */
#include <archive.h>
#include <archive_entry.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "ingest_int.h"
#include "xml_int.h"

/* Most ZIP entries looked through in one office file. */
#define OFFICE_MAX_ENTRIES 100000

/* Largest decompressed size of one ZIP entry read (bytes). */
#define OFFICE_MAX_ENTRY_BYTES ((size_t)256 << 20)

/* Largest decompressed size read over one office file, all entries (bytes). */
#define OFFICE_MAX_TOTAL_BYTES ((size_t)1 << 30)

/* Most spreadsheet cells (including padding of gaps) per document. */
#define OFFICE_MAX_CELLS ((size_t)1000000)

/* Largest repeat count expanded for one ODS row or cell. */
#define OFFICE_MAX_REPEAT 1000

/* ------------------------------------------------------------------ */
/* ZIP access                                                         */
/* ------------------------------------------------------------------ */

/* The ZIP being read and what has been decompressed from it so far. */
struct zip {
	const unsigned char *data;
	size_t len;
	size_t total;            /* bytes decompressed so far, against OFFICE_MAX_TOTAL_BYTES */
	struct enclave_doc *doc; /* charged with extract_take_bytes(); NULL: not charged */
};

/*
 * Open a libarchive reader over the ZIP in memory into *out.
 * Returns 0 or ENCLAVE_EINVALID / ENCLAVE_ENOMEM.
 */
static int zip_open(struct archive **out, const struct zip *z)
{
	struct archive *a = archive_read_new();

	if (!a)
		return error_oom();
	if (archive_read_support_format_zip(a) != ARCHIVE_OK ||
	    archive_read_open_memory(a, z->data, z->len) != ARCHIVE_OK) {
		archive_read_free(a);
		return error_set(ENCLAVE_EINVALID, "cannot open zip");
	}
	*out = a;
	return 0;
}

/*
 * Read the entry `name` into `out` (cleared first). Returns 0, 1 when there
 * is no such entry, ENCLAVE_ELIMIT past the entry, total or entry-count
 * limits, ENCLAVE_EENCRYPTED for an encrypted entry, or ENCLAVE_EINVALID.
 */
static int zip_read(struct zip *z, const char *name, struct buf *out)
{
	struct archive *a = NULL;
	struct archive_entry *e;
	char chunk[65536];
	size_t n = 0;
	int r, error;

	buf_clear(out);
	/* Every part read is a point where the file's time limit is checked. */
	if (z->doc && (error = extract_check_time(z->doc)) < 0)
		return error;
	if ((error = zip_open(&a, z)) < 0)
		return error;
	error = 1;
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *en = archive_entry_pathname(e);
		ssize_t got;

		if (++n > OFFICE_MAX_ENTRIES) {
			error = error_set(ENCLAVE_ELIMIT, "zip has more than %d entries",
			                  OFFICE_MAX_ENTRIES);
			break;
		}
		if (!en || strcmp(en, name))
			continue;
		if (archive_entry_is_encrypted(e)) {
			error = error_set(ENCLAVE_EENCRYPTED, "encrypted");
			break;
		}
		error = 0;
		while ((got = archive_read_data(a, chunk, sizeof(chunk))) > 0) {
			if (out->len + (size_t)got > OFFICE_MAX_ENTRY_BYTES) {
				error =
				    error_set(ENCLAVE_ELIMIT, "decompressed size over %zu bytes",
				              OFFICE_MAX_ENTRY_BYTES);
				break;
			}
			if (z->total + (size_t)got > OFFICE_MAX_TOTAL_BYTES) {
				error =
				    error_set(ENCLAVE_ELIMIT, "decompressed size over %zu bytes",
				              OFFICE_MAX_TOTAL_BYTES);
				break;
			}
			z->total += (size_t)got;
			if (z->doc && (error = extract_take_bytes(z->doc, (size_t)got)) < 0)
				break;
			if ((r = buf_put(out, chunk, (size_t)got)) < 0) {
				error = error_buf(r, "zip entry");
				break;
			}
		}
		if (!error && got < 0)
			error = error_set(ENCLAVE_EINVALID, "cannot read zip entry '%s'", name);
		break;
	}
	if (r != ARCHIVE_OK && r != ARCHIVE_EOF && error == 1) {
		/* libarchive's words quote no file bytes: safe to show. */
		const char *why = archive_error_string(a);
		error =
		    error_set(ENCLAVE_EINVALID, "truncated or damaged zip: '%s' not reached%s%s%s",
		              name, why ? " (" : "", why ? why : "", why ? ")" : "");
	}
	archive_read_free(a);
	return error;
}

/*
 * Append to `names` (a JSON array) the entry names starting with `prefix`
 * and ending with `suffix`, sorted. Returns 0 or ENCLAVE_E*.
 */
static int zip_list(struct zip *z, const char *prefix, const char *suffix, json_t *names)
{
	struct archive *a = NULL;
	struct archive_entry *e;
	size_t n = 0, plen = strlen(prefix), slen = strlen(suffix);
	int error;

	if ((error = zip_open(&a, z)) < 0)
		return error;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *en = archive_entry_pathname(e);
		size_t elen = en ? strlen(en) : 0;

		if (++n > OFFICE_MAX_ENTRIES) {
			error = error_set(ENCLAVE_ELIMIT, "zip has more than %d entries",
			                  OFFICE_MAX_ENTRIES);
			break;
		}
		if (en && elen >= plen + slen && !strncmp(en, prefix, plen) &&
		    !strcmp(en + elen - slen, suffix) &&
		    json_array_append_new(names, json_string(en))) {
			error = error_oom();
			break;
		}
	}
	archive_read_free(a);
	if (!error) {
		/* Insertion sort by name (a handful of headers or footers). */
		size_t i, j, count = json_array_size(names);
		for (i = 1; i < count; i++)
			for (j = i;
			     j > 0 && strcmp(json_string_value(json_array_get(names, j - 1)),
			                     json_string_value(json_array_get(names, j))) > 0;
			     j--) {
				json_t *t = json_incref(json_array_get(names, j));
				json_array_set(names, j, json_array_get(names, j - 1));
				json_array_set_new(names, j - 1, t);
			}
	}
	return error;
}

const char *office_kind(const unsigned char *data, size_t len)
{
	struct archive *a = NULL;
	struct archive_entry *e;
	struct zip z = { data, len, 0, NULL };
	int content_types = 0, n = 0, r = ARCHIVE_OK;
	const char *ooxml = NULL, *kind = NULL, *declared = NULL;

	if (zip_open(&a, &z) < 0)
		return NULL;
	while (!kind && n++ < OFFICE_MAX_ENTRIES &&
	       (r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *en = archive_entry_pathname(e);
		char mt[128];
		ssize_t got;

		if (!en)
			continue;
		if (!strcmp(en, "[Content_Types].xml")) {
			/* What the package says its main part is, for a truncated one. */
			char ct[16384];
			content_types = 1;
			if (!archive_entry_is_encrypted(e) &&
			    (got = archive_read_data(a, ct, sizeof(ct) - 1)) > 0) {
				ct[got] = 0;
				declared = strstr(ct, "/word/document.xml")      ? "docx"
				           : strstr(ct, "/xl/workbook.xml")      ? "xlsx"
				           : strstr(ct, "/ppt/presentation.xml") ? "pptx"
				                                                 : NULL;
			}
		} else if (!strcmp(en, "word/document.xml"))
			ooxml = "docx";
		else if (!strcmp(en, "xl/workbook.xml"))
			ooxml = "xlsx";
		else if (!strcmp(en, "ppt/presentation.xml"))
			ooxml = "pptx";
		else if (!strcmp(en, "mimetype") && !archive_entry_is_encrypted(e) &&
		         (got = archive_read_data(a, mt, sizeof(mt) - 1)) > 0) {
			mt[got] = 0;
			if (!strncmp(mt, "application/vnd.oasis.opendocument.", 35)) {
				const char *t = mt + 35;
				if (!strcmp(t, "text"))
					kind = "odt";
				else if (!strcmp(t, "spreadsheet"))
					kind = "ods";
				else if (!strcmp(t, "presentation"))
					kind = "odp";
			}
		}
		if (content_types && ooxml)
			kind = ooxml;
	}
	/*
	 * Cut short before its main part (no central directory, a damaged
	 * entry): still the format its [Content_Types].xml declares, so that it
	 * fails as a damaged document rather than reads as a ZIP of XML parts.
	 */
	if (!kind && declared && r != ARCHIVE_EOF && r != ARCHIVE_OK)
		kind = declared;
	archive_read_free(a);
	return kind;
}

/* ------------------------------------------------------------------ */
/* XML                                                                */
/* ------------------------------------------------------------------ */

/*
 * Parse the XML in `b` into *out (the caller frees it with xmlFreeDoc).
 * `what` names the part in messages. Returns 0 or ENCLAVE_ELIMIT (too deep),
 * ENCLAVE_EINVALID, ENCLAVE_ENOMEM.
 */
static int xml_parse(xmlDoc **out, const struct buf *b, const char *what)
{
	struct xml_quiet rep;
	xmlDoc *x;

	*out = NULL;
	if (b->len > (size_t)INT32_MAX)
		return error_set(ENCLAVE_ELIMIT, "'%s' larger than %d bytes", what, (int)INT32_MAX);
	xml_quiet_begin(&rep);
	x = xmlReadMemory(b->ptr ? b->ptr : "", (int)b->len, NULL, NULL,
	                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
	                      XML_PARSE_COMPACT);
	xml_quiet_end(&rep);
	if (rep.no_memory) {
		xmlFreeDoc(x);
		return error_oom();
	}
	if (rep.too_deep) {
		xmlFreeDoc(x);
		return error_set(ENCLAVE_ELIMIT, "'%s' nested deeper than %d elements", what,
		                 ENCLAVE_MAX_NESTING);
	}
	if (!x || !xmlDocGetRootElement(x)) {
		xmlFreeDoc(x);
		return error_set(ENCLAVE_EINVALID, "cannot parse '%s'", what);
	}
	*out = x;
	return 0;
}

/*
 * Read and parse the part `name`. Returns 0 (*out set), 1 when the part is
 * absent (*out NULL), or ENCLAVE_E*.
 */
static int part_parse(xmlDoc **out, struct zip *z, const char *name)
{
	struct buf b = BUF_INIT(OFFICE_MAX_ENTRY_BYTES);
	int error;

	*out = NULL;
	if ((error = zip_read(z, name, &b)) == 0)
		error = xml_parse(out, &b, name);
	buf_release(&b);
	return error;
}

/* Whether `n` is an element with local name `name`. */
static int is(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

/* The first child element of `n` with local name `name`, or NULL. */
static xmlNode *child(const xmlNode *n, const char *name)
{
	xmlNode *c;

	for (c = n ? n->children : NULL; c; c = c->next)
		if (is(c, name))
			return c;
	return NULL;
}

/*
 * The value of attribute `name` of `n` in any namespace, into `out` (at most
 * size-1 bytes, NUL-terminated; "" when absent). Returns `out`.
 */
static const char *attr(const xmlNode *n, const char *name, char *out, size_t size)
{
	xmlAttr *a;

	out[0] = 0;
	for (a = n ? n->properties : NULL; a; a = a->next)
		if (!strcmp((const char *)a->name, name) && a->children &&
		    a->children->type == XML_TEXT_NODE && a->children->content) {
			snprintf(out, size, "%s", (const char *)a->children->content);
			break;
		}
	return out;
}

/*
 * The relationship id of `n` (an "id" attribute in a namespace, r:id) into
 * `out`, "" when absent. pptx's p:sldId also has a plain "id". Returns `out`.
 */
static const char *rel_id(const xmlNode *n, char *out, size_t size)
{
	xmlAttr *a;

	out[0] = 0;
	for (a = n ? n->properties : NULL; a; a = a->next)
		if (!strcmp((const char *)a->name, "id") && a->ns && a->children &&
		    a->children->type == XML_TEXT_NODE && a->children->content) {
			snprintf(out, size, "%s", (const char *)a->children->content);
			break;
		}
	return out;
}

/* Append the text of text and CDATA node `n` to `b`. Returns 0 or ENCLAVE_E*. */
static int put_text(struct buf *b, const xmlNode *n)
{
	int r;

	if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) && n->content &&
	    (r = buf_puts(b, (const char *)n->content)) < 0)
		return error_buf(r, "office text");
	return 0;
}

/* Append the character `c` to `b`. Returns 0 or ENCLAVE_E*. */
static int put_char(struct buf *b, char c)
{
	int r = buf_putc(b, c);

	return r < 0 ? error_buf(r, "office text") : 0;
}

/*
 * Append a block of `kind` and `level` on `page` with attrs (borrowed JSON
 * object or NULL) and the text in `b`. Returns 0 or ENCLAVE_E*.
 */
static int emit(struct enclave_doc *doc, enclave_block_kind kind, int level, int page,
                json_t *attrs, const struct buf *b)
{
	struct enclave_block t = doc_block_template(kind, level, "markup");
	char *js = NULL;
	int error;

	t.page = page;
	if (attrs && json_object_size(attrs) && !(js = json_dumps(attrs, JSON_COMPACT)))
		return error_oom();
	t.attrs = js;
	error = doc_add_block(doc, &t, b->ptr ? b->ptr : "", b->len);
	free(js);
	return error;
}

/* ------------------------------------------------------------------ */
/* Tables                                                             */
/* ------------------------------------------------------------------ */

/* A table being built: its text (rows '\n', cells '\t') and attrs rows. */
struct table {
	json_t *rows; /* array of arrays of strings */
	json_t *row;  /* the open row or NULL */
};

/* Start a row. Returns 0 or ENCLAVE_ENOMEM. */
static int table_row(struct table *t)
{
	if (!t->rows && !(t->rows = json_array()))
		return error_oom();
	if (!(t->row = json_array()) || json_array_append_new(t->rows, t->row))
		return error_oom();
	return 0;
}

/*
 * Add a cell with the text in `b` (white space collapsed to single spaces)
 * to the open row. `budget` counts cells over the document. Returns 0,
 * ENCLAVE_ELIMIT past OFFICE_MAX_CELLS, or ENCLAVE_ENOMEM.
 */
static int table_cell(struct table *t, const char *s, size_t len, size_t *budget)
{
	struct buf c = BUF_INIT(ENCLAVE_MAX_BLOCK_BYTES);
	size_t i;
	int space = 0, error = 0, r;

	if (++*budget > OFFICE_MAX_CELLS)
		return error_set(ENCLAVE_ELIMIT, "more than %zu table cells", OFFICE_MAX_CELLS);
	if (!t->row && (error = table_row(t)) < 0)
		return error;
	for (i = 0; i < len; i++) {
		char ch = s[i];
		if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
			space = c.len > 0;
			continue;
		}
		if ((space && (r = buf_putc(&c, ' ')) < 0) || (r = buf_putc(&c, ch)) < 0) {
			error = error_buf(r, "table cell");
			goto done;
		}
		space = 0;
	}
	if (json_array_append_new(t->row, json_string(c.ptr ? c.ptr : "")))
		error = error_oom();
done:
	buf_release(&c);
	return error;
}

/* Drop trailing empty cells of the open row, and the row when it is empty. */
static void table_row_end(struct table *t)
{
	size_t n;

	if (!t->row)
		return;
	while ((n = json_array_size(t->row)) > 0 &&
	       !*json_string_value(json_array_get(t->row, n - 1)))
		json_array_remove(t->row, n - 1);
	if (!json_array_size(t->row))
		json_array_remove(t->rows, json_array_size(t->rows) - 1);
	t->row = NULL;
}

/*
 * Emit the table as one TABLE block on `page` and release it. Returns 0 or
 * ENCLAVE_E*.
 */
static int table_emit(struct enclave_doc *doc, struct table *t, int page)
{
	struct enclave_block tmpl = doc_block_template(ENCLAVE_BLOCK_TABLE, 0, "markup");
	int error = 0;

	table_row_end(t);
	tmpl.page = page;
	if (t->rows)
		error = doc_add_table(doc, &tmpl, t->rows);
	json_decref(t->rows);
	t->rows = t->row = NULL;
	return error;
}

/* ------------------------------------------------------------------ */
/* Shared text gathering                                              */
/* ------------------------------------------------------------------ */

/*
 * Append the OOXML text under `n` to `b`: w:t / a:t / t contents, w:tab as a
 * tab, w:br / w:cr / a:br as a newline, a space after each paragraph. Deleted
 * text (w:delText) and field instructions are not text. Returns 0 or
 * ENCLAVE_E*.
 */
static int ooxml_text(struct buf *b, const xmlNode *n)
{
	const xmlNode *c;
	int error;

	for (c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (is(c, "t")) {
			const xmlNode *k;
			for (k = c->children; k; k = k->next)
				if ((error = put_text(b, k)) < 0)
					return error;
		} else if (is(c, "tab")) {
			if ((error = put_char(b, '\t')) < 0)
				return error;
		} else if (is(c, "br") || is(c, "cr")) {
			if ((error = put_char(b, '\n')) < 0)
				return error;
		} else if (is(c, "delText") || is(c, "instrText") || is(c, "rPh") || is(c, "del") ||
		           is(c, "Fallback")) {
			continue;
		} else {
			if ((error = ooxml_text(b, c)) < 0)
				return error;
			if ((is(c, "p") || is(c, "tc")) && (error = put_char(b, ' ')) < 0)
				return error;
		}
	}
	return 0;
}

/*
 * Append the ODF text under `n` to `b`: text nodes, text:s (text:c spaces,
 * capped), text:tab, text:line-break; a space after each paragraph; notes'
 * bodies and annotations are left out. Returns 0 or ENCLAVE_E*.
 */
static int odf_text(struct buf *b, const xmlNode *n)
{
	const xmlNode *c;
	char v[32];
	int error, i, count;

	for (c = n->children; c; c = c->next) {
		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			if ((error = put_text(b, c)) < 0)
				return error;
			continue;
		}
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (is(c, "s")) {
			count = atoi(attr(c, "c", v, sizeof(v)));
			count = count < 1 ? 1 : count > 1000 ? 1000 : count;
			for (i = 0; i < count; i++)
				if ((error = put_char(b, ' ')) < 0)
					return error;
		} else if (is(c, "tab")) {
			if ((error = put_char(b, '\t')) < 0)
				return error;
		} else if (is(c, "line-break")) {
			if ((error = put_char(b, '\n')) < 0)
				return error;
		} else if (is(c, "note-citation") || is(c, "note-body") || is(c, "annotation") ||
		           is(c, "tracked-changes")) {
			continue;
		} else {
			if ((error = odf_text(b, c)) < 0)
				return error;
			if ((is(c, "p") || is(c, "h")) && (error = put_char(b, ' ')) < 0)
				return error;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Metadata and relationships                                         */
/* ------------------------------------------------------------------ */

/*
 * Set the title, author and language from a core.xml / meta.xml part
 * (dc:title, dc:creator, meta:initial-creator, dc:language), looked for
 * anywhere in the tree.
 * Returns 0 or ENCLAVE_E*.
 */
static int read_meta(struct enclave_doc *doc, struct zip *z, const char *name)
{
	xmlDoc *x;
	xmlNode *n, *stack[ENCLAVE_MAX_NESTING];
	int sp = 0, error;

	if ((error = part_parse(&x, z, name)) != 0)
		return error == 1 || error == ENCLAVE_EINVALID ? 0
		                                               : error; /* metadata is optional */
	stack[sp++] = xmlDocGetRootElement(x);
	while (sp > 0 && !error) {
		n = stack[--sp];
		for (; n; n = n->next) {
			if (n->type != XML_ELEMENT_NODE)
				continue;
			if (is(n, "title") || is(n, "creator") || is(n, "initial-creator") ||
			    is(n, "language")) {
				struct buf b = BUF_INIT(ENCLAVE_MAX_FIELD_BYTES);
				const xmlNode *k;
				for (k = n->children; k && !error; k = k->next)
					error = put_text(&b, k);
				if (!error && b.len) {
					if (is(n, "title"))
						error = doc_set_title(doc, b.ptr);
					else if (is(n, "language"))
						error = json_object_get(doc->metadata, "language")
						            ? 0
						            : doc_set_meta(doc, "language", b.ptr);
					else if (!json_object_get(doc->metadata, "author"))
						error = doc_set_meta(doc, "author", b.ptr);
				}
				buf_release(&b);
			} else if (n->children && sp < ENCLAVE_MAX_NESTING) {
				stack[sp++] = n->children;
			}
		}
	}
	xmlFreeDoc(x);
	return error;
}

/*
 * Resolve `target` of a relationship of the part in directory `dir`
 * ("word/", "ppt/slides/") into `out` (size bytes): an absolute target
 * drops the leading '/', "../" climbs. Returns 0 or -1 when it does not fit.
 */
static int resolve(char *out, size_t size, const char *dir, const char *target)
{
	size_t dl;

	if (target[0] == '/') {
		target++;
		dir = "";
	}
	if (snprintf(out, size, "%s", dir) >= (int)size)
		return -1;
	dl = strlen(out);
	while (!strncmp(target, "../", 3)) {
		target += 3;
		if (dl > 0)
			dl--;
		while (dl > 0 && out[dl - 1] != '/')
			dl--;
	}
	while (!strncmp(target, "./", 2))
		target += 2;
	if (dl + strlen(target) + 1 > size)
		return -1;
	memcpy(out + dl, target, strlen(target) + 1);
	return 0;
}

/*
 * Read the relationships part `rels` into `map` (JSON object: Id -> resolved
 * target path; also "type:<Id>" -> Type), resolving targets from `dir`.
 * A missing part leaves `map` empty. Returns 0 or ENCLAVE_E*.
 */
static int read_rels(struct zip *z, const char *rels, const char *dir, json_t *map)
{
	xmlDoc *x;
	xmlNode *n;
	char id[256], target[1024], type[256], path[1280], key[300];
	int error;

	if ((error = part_parse(&x, z, rels)) != 0)
		return error == 1 ? 0 : error;
	for (n = xmlDocGetRootElement(x)->children; n && !error; n = n->next) {
		if (!is(n, "Relationship"))
			continue;
		attr(n, "Id", id, sizeof(id));
		attr(n, "Target", target, sizeof(target));
		attr(n, "Type", type, sizeof(type));
		if (!id[0] || !target[0] || resolve(path, sizeof(path), dir, target) < 0)
			continue;
		snprintf(key, sizeof(key), "type:%s", id);
		if (json_object_set_new(map, id, json_string(path)) ||
		    json_object_set_new(map, key, json_string(type)))
			error = error_oom();
	}
	xmlFreeDoc(x);
	return error;
}

/* ------------------------------------------------------------------ */
/* DOCX                                                               */
/* ------------------------------------------------------------------ */

/* What the DOCX walk knows: styles, numbering, list counters. */
struct docx {
	struct enclave_doc *doc;
	json_t *styles;    /* styleId -> heading level (0 title, 1-9), from styles.xml */
	json_t *numbering; /* "numId:ilvl" -> true when ordered, from numbering.xml */
	int counters[10];  /* per list level, of the last list seen */
	char last_num[32]; /* numId of the last list item */
	size_t cells;      /* table cells so far, against OFFICE_MAX_CELLS */
};

/*
 * Fill x->styles from word/styles.xml: a paragraph style whose id or name is
 * "Heading N" / "Title", or with w:outlineLvl, maps to a heading level.
 * Returns 0 or ENCLAVE_E*.
 */
static int docx_styles(struct docx *x, struct zip *z)
{
	xmlDoc *d;
	xmlNode *s;
	char id[128], name[128], v[32];
	int error, level;

	if ((error = part_parse(&d, z, "word/styles.xml")) != 0)
		return error == 1 || error == ENCLAVE_EINVALID ? 0 : error;
	for (s = xmlDocGetRootElement(d)->children; s && !error; s = s->next) {
		const xmlNode *ol;
		if (!is(s, "style"))
			continue;
		attr(s, "styleId", id, sizeof(id));
		attr(child(s, "name"), "val", name, sizeof(name));
		level = -1;
		if (!strcasecmp(id, "Title") || !strcasecmp(name, "Title"))
			level = 0;
		else if (!strncasecmp(id, "Heading", 7) && id[7] >= '1' && id[7] <= '9' && !id[8])
			level = id[7] - '0';
		else if (!strncasecmp(name, "heading ", 8) && name[8] >= '1' && name[8] <= '9' &&
		         !name[9])
			level = name[8] - '0';
		else if ((ol = child(child(s, "pPr"), "outlineLvl")) != NULL &&
		         atoi(attr(ol, "val", v, sizeof(v))) < 9)
			level = atoi(v) + 1;
		if (level >= 0 && id[0] && json_object_set_new(x->styles, id, json_integer(level)))
			error = error_oom();
	}
	xmlFreeDoc(d);
	return error;
}

/*
 * Fill x->numbering from word/numbering.xml: for each w:num and level, true
 * when the level's w:numFmt is not "bullet" (or "none"). Returns 0 or
 * ENCLAVE_E*.
 */
static int docx_numbering(struct docx *x, struct zip *z)
{
	xmlDoc *d;
	xmlNode *n, *root;
	char v[64], key[64], abs[64];
	int error;

	if ((error = part_parse(&d, z, "word/numbering.xml")) != 0)
		return error == 1 || error == ENCLAVE_EINVALID ? 0 : error;
	root = xmlDocGetRootElement(d);
	for (n = root->children; n && !error; n = n->next) {
		xmlNode *a, *l;
		if (!is(n, "num"))
			continue;
		attr(child(n, "abstractNumId"), "val", abs, sizeof(abs));
		for (a = root->children; a; a = a->next)
			if (is(a, "abstractNum") &&
			    !strcmp(attr(a, "abstractNumId", v, sizeof(v)), abs))
				break;
		for (l = a ? a->children : NULL; l && !error; l = l->next) {
			char ilvl[16], id[32];
			if (!is(l, "lvl"))
				continue;
			attr(child(l, "numFmt"), "val", v, sizeof(v));
			snprintf(key, sizeof(key), "%s:%s", attr(n, "numId", id, sizeof(id)),
			         attr(l, "ilvl", ilvl, sizeof(ilvl)));
			if (json_object_set_new(
			        x->numbering, key,
			        json_boolean(v[0] && strcmp(v, "bullet") && strcmp(v, "none"))))
				error = error_oom();
		}
	}
	xmlFreeDoc(d);
	return error;
}

/* The runs of one paragraph: its text, its deleted text, whether hidden. */
struct para {
	struct buf text;
	struct buf deleted;
	int hidden;
};

/*
 * Gather the runs under `n` (a w:p or an element holding runs) into `p`:
 * text of w:t, w:tab, w:br; w:delText into p->deleted; a w:vanish run sets
 * p->hidden. Returns 0 or ENCLAVE_E*.
 */
static int docx_runs(struct para *p, const xmlNode *n)
{
	const xmlNode *c, *k;
	int error;

	for (c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || is(c, "pPr") || is(c, "rPr"))
			continue;
		if (is(c, "t")) {
			for (k = c->children; k; k = k->next)
				if ((error = put_text(&p->text, k)) < 0)
					return error;
		} else if (is(c, "delText")) {
			for (k = c->children; k; k = k->next)
				if ((error = put_text(&p->deleted, k)) < 0)
					return error;
		} else if (is(c, "tab")) {
			if ((error = put_char(&p->text, '\t')) < 0)
				return error;
		} else if (is(c, "br") || is(c, "cr")) {
			if ((error = put_char(&p->text, '\n')) < 0)
				return error;
		} else if (is(c, "instrText") || is(c, "footnoteReference") || is(c, "tbl") ||
		           is(c, "Fallback")) {
			continue;
		} else {
			if (is(c, "r") && child(child(c, "rPr"), "vanish"))
				p->hidden = 1;
			if ((error = docx_runs(p, c)) < 0)
				return error;
			/* A text box's paragraphs inside a run stay apart. */
			if (is(c, "p") && (error = put_char(&p->text, ' ')) < 0)
				return error;
		}
	}
	return 0;
}

/*
 * Emit the paragraph `n` as a block of its kind (heading from its style or
 * outline level, list item from w:numPr, else `kind`), with `extra` attrs
 * (borrowed, may be NULL), then its deleted text as a tracked-deletion
 * paragraph. Returns 0 or ENCLAVE_E*.
 */
static int docx_para(struct docx *x, const xmlNode *n, enclave_block_kind kind, json_t *extra)
{
	struct para p = { BUF_INIT(ENCLAVE_MAX_BLOCK_BYTES), BUF_INIT(ENCLAVE_MAX_BLOCK_BYTES), 0 };
	xmlNode *ppr = child(n, "pPr"), *num, *ol;
	json_t *attrs = extra ? json_deep_copy(extra) : json_object(), *lv;
	char v[128];
	int error, level = 0;

	if (!attrs)
		return error_oom();
	if ((error = docx_runs(&p, n)) < 0)
		goto done;
	if (kind == ENCLAVE_BLOCK_PARAGRAPH) {
		if ((lv = json_object_get(x->styles,
		                          attr(child(ppr, "pStyle"), "val", v, sizeof(v)))))
			level = (int)json_integer_value(lv),
			kind = level ? ENCLAVE_BLOCK_HEADING : ENCLAVE_BLOCK_TITLE;
		if ((ol = child(ppr, "outlineLvl")) && atoi(attr(ol, "val", v, sizeof(v))) < 9)
			level = atoi(v) + 1, kind = ENCLAVE_BLOCK_HEADING;
		if (kind == ENCLAVE_BLOCK_HEADING && level > 6)
			level = 6;
		if (kind == ENCLAVE_BLOCK_PARAGRAPH && (num = child(ppr, "numPr"))) {
			char id[32], key[64];
			int ilvl = atoi(attr(child(num, "ilvl"), "val", v, sizeof(v)));
			attr(child(num, "numId"), "val", id, sizeof(id));
			ilvl = ilvl < 0 ? 0 : ilvl > 8 ? 8 : ilvl;
			if (strcmp(id, "0")) {
				kind = ENCLAVE_BLOCK_LIST_ITEM;
				level = ilvl + 1;
				if (strcmp(id, x->last_num)) {
					memset(x->counters, 0, sizeof(x->counters));
					snprintf(x->last_num, sizeof(x->last_num), "%s", id);
				}
				x->counters[ilvl]++;
				memset(x->counters + ilvl + 1, 0,
				       sizeof(x->counters) - (size_t)(ilvl + 1) * sizeof(int));
				snprintf(key, sizeof(key), "%s:%d", id, ilvl);
				if (json_is_true(json_object_get(x->numbering, key)) &&
				    (json_object_set_new(attrs, "ordered", json_true()) ||
				     json_object_set_new(attrs, "number",
				                         json_integer(x->counters[ilvl])))) {
					error = error_oom();
					goto done;
				}
			}
		}
	}
	if (p.hidden && json_object_set_new(attrs, "hidden", json_true())) {
		error = error_oom();
		goto done;
	}
	if ((error = emit(x->doc, kind, level, 0, attrs, &p.text)) < 0)
		goto done;
	if (p.deleted.len) {
		json_t *da = json_pack("{s:s}", "tracked", "deletion");
		if (!da) {
			error = error_oom();
			goto done;
		}
		error = emit(x->doc, ENCLAVE_BLOCK_PARAGRAPH, 0, 0, da, &p.deleted);
		json_decref(da);
	}
done:
	json_decref(attrs);
	buf_release(&p.text);
	buf_release(&p.deleted);
	return error;
}

/*
 * Emit the table `tbl` as one TABLE block: a cell's text is all the text
 * under it, nested tables flattened. Returns 0 or ENCLAVE_E*.
 */
static int docx_table(struct docx *x, const xmlNode *tbl)
{
	struct table t = { NULL, NULL };
	const xmlNode *tr, *tc;
	int error = 0;

	for (tr = tbl->children; tr && !error; tr = tr->next) {
		if (!is(tr, "tr"))
			continue;
		table_row_end(&t);
		if ((error = table_row(&t)) < 0)
			break;
		for (tc = tr->children; tc && !error; tc = tc->next) {
			struct buf b = BUF_INIT(ENCLAVE_MAX_BLOCK_BYTES);
			if (is(tc, "sdt"))
				tc = child(child(tc, "sdtContent"), "tc")
				         ? child(child(tc, "sdtContent"), "tc")
				         : tc;
			if (!is(tc, "tc"))
				continue;
			if (!(error = ooxml_text(&b, tc)))
				error = table_cell(&t, b.ptr ? b.ptr : "", b.len, &x->cells);
			buf_release(&b);
		}
	}
	if (!error)
		return table_emit(x->doc, &t, 0);
	json_decref(t.rows);
	return error;
}

/*
 * Walk the block-level children of `n` (body, header, note, comment, sdt
 * content): paragraphs as `kind`, tables. Returns 0 or ENCLAVE_E*.
 */
static int docx_blocks(struct docx *x, const xmlNode *n, enclave_block_kind kind, json_t *extra)
{
	const xmlNode *c;
	int error = 0;

	for (c = n->children; c && !error; c = c->next) {
		if (is(c, "p"))
			error = docx_para(x, c, kind, extra);
		else if (is(c, "tbl"))
			error = docx_table(x, c);
		else if (is(c, "sdt") || is(c, "sdtContent") || is(c, "customXml") ||
		         is(c, "ins") || is(c, "txbxContent"))
			error = docx_blocks(x, c, kind, extra);
	}
	return error;
}

/*
 * Emit the parts named word/<prefix>*.xml (headers or footers) as blocks of
 * `kind`. Returns 0 or ENCLAVE_E*.
 */
static int docx_parts(struct docx *x, struct zip *z, const char *prefix, enclave_block_kind kind)
{
	json_t *names = json_array(), *name;
	size_t i;
	int error;

	if (!names)
		return error_oom();
	if ((error = zip_list(z, prefix, ".xml", names)) < 0)
		goto done;
	json_array_foreach(names, i, name)
	{
		xmlDoc *d;
		if ((error = part_parse(&d, z, json_string_value(name))) < 0)
			break;
		if (error == 1) {
			error = 0;
			continue;
		}
		error = docx_blocks(x, xmlDocGetRootElement(d), kind, NULL);
		xmlFreeDoc(d);
		if (error < 0)
			break;
	}
done:
	json_decref(names);
	return error;
}

/*
 * Emit the notes or comments of part `name` (children `item` of the root):
 * each paragraph with `extra` attrs; comments also carry their author.
 * Separator notes (w:type set) are skipped. Returns 0 or ENCLAVE_E*.
 */
static int docx_notes(struct docx *x, struct zip *z, const char *name, const char *item,
                      json_t *extra)
{
	xmlDoc *d;
	xmlNode *n;
	char v[512];
	int error;

	if ((error = part_parse(&d, z, name)) != 0)
		return error == 1 ? 0 : error;
	for (n = xmlDocGetRootElement(d)->children; n && !error; n = n->next) {
		json_t *a;
		if (!is(n, item) || attr(n, "type", v, sizeof(v))[0])
			continue;
		if (!(a = json_deep_copy(extra))) {
			error = error_oom();
			break;
		}
		if (attr(n, "author", v, sizeof(v))[0] &&
		    json_object_set_new(a, "author", json_string(v)))
			error = error_oom();
		if (!error)
			error = docx_blocks(x, n, ENCLAVE_BLOCK_PARAGRAPH, a);
		json_decref(a);
	}
	xmlFreeDoc(d);
	return error;
}

/* Parse a DOCX into `doc`. Returns 0 or ENCLAVE_E*. */
static int ingest_docx(struct enclave_doc *doc, struct zip *z)
{
	struct docx x;
	xmlDoc *d = NULL;
	xmlNode *body;
	json_t *fn = json_pack("{s:s}", "note", "footnote"),
	       *en = json_pack("{s:s}", "note", "endnote");
	json_t *cm = json_pack("{s:b}", "comment", 1);
	int error;

	memset(&x, 0, sizeof(x));
	x.doc = doc;
	x.styles = json_object();
	x.numbering = json_object();
	if (!fn || !en || !cm || !x.styles || !x.numbering) {
		error = error_oom();
		goto done;
	}
	if ((error = read_meta(doc, z, "docProps/core.xml")) < 0 ||
	    (error = docx_styles(&x, z)) < 0 || (error = docx_numbering(&x, z)) < 0)
		goto done;
	if ((error = part_parse(&d, z, "word/document.xml")) != 0) {
		if (error == 1)
			error = error_set(ENCLAVE_EINVALID, "no word/document.xml");
		goto done;
	}
	if ((error = docx_parts(&x, z, "word/header", ENCLAVE_BLOCK_HEADER)) < 0)
		goto done;
	if ((body = child(xmlDocGetRootElement(d), "body")) &&
	    (error = docx_blocks(&x, body, ENCLAVE_BLOCK_PARAGRAPH, NULL)) < 0)
		goto done;
	if ((error = docx_notes(&x, z, "word/footnotes.xml", "footnote", fn)) < 0 ||
	    (error = docx_notes(&x, z, "word/endnotes.xml", "endnote", en)) < 0 ||
	    (error = docx_notes(&x, z, "word/comments.xml", "comment", cm)) < 0)
		goto done;
	error = docx_parts(&x, z, "word/footer", ENCLAVE_BLOCK_FOOTER);
done:
	xmlFreeDoc(d);
	json_decref(fn);
	json_decref(en);
	json_decref(cm);
	json_decref(x.styles);
	json_decref(x.numbering);
	return error;
}

/* ------------------------------------------------------------------ */
/* XLSX                                                               */
/* ------------------------------------------------------------------ */

/* What the XLSX walk knows. */
struct xlsx {
	json_t *strings; /* shared strings, array */
	json_t *dates;   /* cellXfs index -> true when a date format, array */
	int date1904;
	size_t cells;
};

/*
 * Read xl/sharedStrings.xml into x->strings (each si's text, rich runs
 * joined, phonetic runs left out). Returns 0 or ENCLAVE_E*.
 */
static int xlsx_strings(struct xlsx *x, struct zip *z)
{
	xmlDoc *d;
	xmlNode *si;
	int error;

	if ((error = part_parse(&d, z, "xl/sharedStrings.xml")) != 0)
		return error == 1 ? 0 : error;
	for (si = xmlDocGetRootElement(d)->children; si && !error; si = si->next) {
		struct buf b = BUF_INIT(ENCLAVE_MAX_BLOCK_BYTES);
		if (!is(si, "si"))
			continue;
		if (!(error = ooxml_text(&b, si)) &&
		    json_array_append_new(x->strings, json_string(b.ptr ? b.ptr : "")))
			error = error_oom();
		buf_release(&b);
	}
	xmlFreeDoc(d);
	return error;
}

/* Whether the number format code `code` shows a date (d, m or y outside quotes and brackets). */
static int is_date_code(const char *code)
{
	int quote = 0, bracket = 0;

	for (; *code; code++) {
		char c = *code;
		if (c == '"')
			quote = !quote;
		else if (quote)
			continue;
		else if (c == '\\' && code[1])
			code++;
		else if (c == '[')
			bracket = 1;
		else if (c == ']')
			bracket = 0;
		else if (!bracket && strchr("dDmMyY", c))
			return 1;
	}
	return 0;
}

/* Read xl/styles.xml into x->dates. Returns 0 or ENCLAVE_E*. */
static int xlsx_styles(struct xlsx *x, struct zip *z)
{
	xmlDoc *d;
	xmlNode *root, *n, *f;
	json_t *custom = json_object();
	char id[32], code[256];
	int error;

	if (!custom)
		return error_oom();
	if ((error = part_parse(&d, z, "xl/styles.xml")) != 0) {
		json_decref(custom);
		return error == 1 ? 0 : error;
	}
	root = xmlDocGetRootElement(d);
	for (f = child(child(root, "numFmts"), "numFmt"); f && !error; f = f->next)
		if (is(f, "numFmt") &&
		    json_object_set_new(
		        custom, attr(f, "numFmtId", id, sizeof(id)),
		        json_boolean(is_date_code(attr(f, "formatCode", code, sizeof(code))))))
			error = error_oom();
	for (n = child(root, "cellXfs"), n = n ? n->children : NULL; n && !error; n = n->next) {
		int nf;
		if (!is(n, "xf"))
			continue;
		nf = atoi(attr(n, "numFmtId", id, sizeof(id)));
		if (json_array_append_new(
		        x->dates, json_boolean((nf >= 14 && nf <= 22) || (nf >= 45 && nf <= 47) ||
		                               json_is_true(json_object_get(custom, id)))))
			error = error_oom();
	}
	xmlFreeDoc(d);
	json_decref(custom);
	return error;
}

/*
 * Write the serial date `serial` (1900 or 1904 system) as ISO 8601 into out:
 * "YYYY-MM-DD", with "THH:MM:SS" when it has a time. Returns 0, or -1 when
 * out of range (then the number is shown as written).
 */
static int iso_date(char out[32], double serial, int date1904)
{
	long long days, z, era, doe, yoe, y, doy, mp, d, m;
	double frac;
	long secs;

	if (!isfinite(serial) || serial < 0 || serial > 2958465.0)
		return -1;
	days = (long long)floor(serial);
	frac = serial - (double)days;
	/* Days since 1970-01-01. 1900: serial 25569 is 1970-01-01, and serials
	 * below 61 predate Excel's fictitious 1900-02-29. */
	if (date1904)
		days += 1462;
	else if (days < 61)
		days += 1;
	days -= 25569;
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	secs = lround(frac * 86400.0);
	if (secs > 0 && secs < 86400)
		snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d", (int)(y % 10000), (int)(m % 100),
		         (int)(d % 100), (int)(secs / 3600 % 24), (int)(secs / 60 % 60),
		         (int)(secs % 60));
	else
		snprintf(out, 32, "%04d-%02d-%02d", (int)(y % 10000), (int)(m % 100),
		         (int)(d % 100));
	return 0;
}

/* The 0-based column of a cell reference ("AB12" -> 27), or -1. */
static long col_of(const char *ref)
{
	long c = 0;
	int n = 0;

	for (; *ref >= 'A' && *ref <= 'Z' && n < 4; ref++, n++)
		c = c * 26 + (*ref - 'A' + 1);
	return n ? c - 1 : -1;
}

/*
 * Put the shown value of cell `c` into `b`: shared, inline, boolean, error,
 * cached formula value, number as written or as a date. Returns 0 or ENCLAVE_E*.
 */
static int xlsx_value(struct xlsx *x, const xmlNode *c, struct buf *b)
{
	xmlNode *v = child(c, "v");
	char t[16], s[32], date[32];
	xmlChar *raw = v ? xmlNodeGetContent(v) : NULL;
	const char *val = raw ? (const char *)raw : "";
	int error = 0, r = 0;

	attr(c, "t", t, sizeof(t));
	if (!strcmp(t, "inlineStr")) {
		error = child(c, "is") ? ooxml_text(b, child(c, "is")) : 0;
	} else if (!strcmp(t, "s")) {
		json_t *str = json_array_get(x->strings, (size_t)strtoul(val, NULL, 10));
		if (str)
			r = buf_puts(b, json_string_value(str));
	} else if (!strcmp(t, "b")) {
		if (v)
			r = buf_puts(b, strcmp(val, "0") ? "TRUE" : "FALSE");
	} else if ((!t[0] || !strcmp(t, "n")) && v && *val &&
	           json_is_true(
	               json_array_get(x->dates, (size_t)atoi(attr(c, "s", s, sizeof(s))))) &&
	           iso_date(date, strtod(val, NULL), x->date1904) == 0) {
		r = buf_puts(b, date);
	} else {
		r = buf_puts(b, val);
	}
	xmlFree(raw);
	if (r < 0)
		error = error_buf(r, "cell");
	return error;
}

/*
 * Emit sheet part `path` as a TABLE block: cells placed by their column
 * (gaps padded), empty rows dropped. Returns 0 or ENCLAVE_E*.
 */
static int xlsx_sheet(struct enclave_doc *doc, struct xlsx *x, struct zip *z, const char *path)
{
	struct table t = { NULL, NULL };
	xmlDoc *d;
	xmlNode *row, *c;
	int error;

	if ((error = part_parse(&d, z, path)) != 0)
		return error == 1 ? 0 : error;
	for (row = child(child(xmlDocGetRootElement(d), "sheetData"), "row"); row && !error;
	     row = row->next) {
		long col = 0, want;
		char ref[32];
		if (!is(row, "row"))
			continue;
		table_row_end(&t);
		if ((error = table_row(&t)) < 0)
			break;
		for (c = row->children; c && !error; c = c->next) {
			struct buf b = BUF_INIT(ENCLAVE_MAX_BLOCK_BYTES);
			if (!is(c, "c"))
				continue;
			want = col_of(attr(c, "r", ref, sizeof(ref)));
			while (!error && want > col) {
				error = table_cell(&t, "", 0, &x->cells);
				col++;
			}
			if (!error && !(error = xlsx_value(x, c, &b)))
				error = table_cell(&t, b.ptr ? b.ptr : "", b.len, &x->cells);
			col++;
			buf_release(&b);
		}
	}
	xmlFreeDoc(d);
	if (!error)
		return table_emit(doc, &t, 0);
	json_decref(t.rows);
	return error;
}

/* Parse an XLSX into `doc`. Returns 0 or ENCLAVE_E*. */
static int ingest_xlsx(struct enclave_doc *doc, struct zip *z)
{
	struct xlsx x = { json_array(), json_array(), 0, 0 };
	json_t *rels = json_object();
	xmlDoc *d = NULL;
	xmlNode *root, *s, *pr;
	char name[1024], id[256], v[16];
	int error;

	if (!x.strings || !x.dates || !rels) {
		error = error_oom();
		goto done;
	}
	if ((error = read_meta(doc, z, "docProps/core.xml")) < 0 ||
	    (error = xlsx_strings(&x, z)) < 0 || (error = xlsx_styles(&x, z)) < 0 ||
	    (error = read_rels(z, "xl/_rels/workbook.xml.rels", "xl/", rels)) < 0)
		goto done;
	if ((error = part_parse(&d, z, "xl/workbook.xml")) != 0) {
		if (error == 1)
			error = error_set(ENCLAVE_EINVALID, "no xl/workbook.xml");
		goto done;
	}
	root = xmlDocGetRootElement(d);
	if ((pr = child(root, "workbookPr")) &&
	    (!strcmp(attr(pr, "date1904", v, sizeof(v)), "1") || !strcmp(v, "true")))
		x.date1904 = 1;
	for (s = child(child(root, "sheets"), "sheet"); s && !error; s = s->next) {
		struct buf b = BUF_INIT(ENCLAVE_MAX_BLOCK_BYTES);
		json_t *path;
		if (!is(s, "sheet"))
			continue;
		attr(s, "name", name, sizeof(name));
		if (!(path = json_object_get(rels, rel_id(s, id, sizeof(id)))))
			continue;
		if ((error = buf_puts(&b, name)) < 0)
			error = error_buf(error, "sheet name");
		else if (!(error = emit(doc, ENCLAVE_BLOCK_HEADING, 1, 0, NULL, &b)))
			error = xlsx_sheet(doc, &x, z, json_string_value(path));
		buf_release(&b);
	}
done:
	xmlFreeDoc(d);
	json_decref(x.strings);
	json_decref(x.dates);
	json_decref(rels);
	return error;
}

/* ------------------------------------------------------------------ */
/* PPTX                                                               */
/* ------------------------------------------------------------------ */

/* The placeholder type of shape `sp` ("title", "body", ...) into out, "" when none. */
static const char *ph_type(const xmlNode *sp, char *out, size_t size)
{
	const xmlNode *nv = child(sp, "nvSpPr");

	out[0] = 0;
	nv = child(child(nv, "nvPr"), "ph");
	if (nv && !attr(nv, "type", out, size)[0])
		snprintf(out, size, "body");
	return out;
}

/*
 * Emit the shapes under `n` (a spTree or group) on `page`: title placeholders
 * as HEADING 1, other text paragraphs (list items when a:pPr has lvl), tables.
 * `notes` attrs (borrowed or NULL) mark speaker notes, where only body
 * placeholders count. Returns 0 or ENCLAVE_E*.
 */
static int pptx_shapes(struct enclave_doc *doc, const xmlNode *n, int page, json_t *notes,
                       size_t *cells)
{
	const xmlNode *c, *p;
	char v[32];
	int error = 0;

	for (c = n->children; c && !error; c = c->next) {
		if (is(c, "grpSp")) {
			error = pptx_shapes(doc, c, page, notes, cells);
		} else if (is(c, "sp")) {
			const char *ph = ph_type(c, v, sizeof(v));
			int title = !strcmp(ph, "title") || !strcmp(ph, "ctrTitle");
			/*
			 * Footers, dates and headers typed on a slide are kept as
			 * footer/header blocks (their text may name a client or a
			 * person); slide numbers are not text.
			 */
			enclave_block_kind band = !strcmp(ph, "ftr") || !strcmp(ph, "dt")
			                              ? ENCLAVE_BLOCK_FOOTER
			                          : !strcmp(ph, "hdr") ? ENCLAVE_BLOCK_HEADER
			                                               : ENCLAVE_BLOCK_PARAGRAPH;
			if (notes && strcmp(ph, "body"))
				continue;
			if (!strcmp(ph, "sldNum"))
				continue;
			for (p = child(child(c, "txBody"), "p"); p && !error; p = p->next) {
				struct buf b = BUF_INIT(ENCLAVE_MAX_BLOCK_BYTES);
				const xmlNode *ppr = child(p, "pPr");
				char lvl[16];
				if (!is(p, "p"))
					continue;
				if (!(error = ooxml_text(&b, p))) {
					if (title)
						error = emit(doc, ENCLAVE_BLOCK_HEADING, 1, page,
						             NULL, &b);
					else if (band != ENCLAVE_BLOCK_PARAGRAPH)
						error = emit(doc, band, 0, page, NULL, &b);
					else if (!notes && attr(ppr, "lvl", lvl, sizeof(lvl))[0])
						error = emit(doc, ENCLAVE_BLOCK_LIST_ITEM,
						             atoi(lvl) + 1, page, NULL, &b);
					else
						error = emit(doc, ENCLAVE_BLOCK_PARAGRAPH, 0, page,
						             notes, &b);
				}
				buf_release(&b);
			}
		} else if (is(c, "graphicFrame") && !notes) {
			const xmlNode *tbl =
			                  child(child(child(c, "graphic"), "graphicData"), "tbl"),
			              *tr, *tc;
			struct table t = { NULL, NULL };
			for (tr = tbl ? tbl->children : NULL; tr && !error; tr = tr->next) {
				if (!is(tr, "tr"))
					continue;
				table_row_end(&t);
				if ((error = table_row(&t)) < 0)
					break;
				for (tc = tr->children; tc && !error; tc = tc->next) {
					struct buf b = BUF_INIT(ENCLAVE_MAX_BLOCK_BYTES);
					if (is(tc, "tc") && !(error = ooxml_text(&b, tc)))
						error = table_cell(&t, b.ptr ? b.ptr : "", b.len,
						                   cells);
					buf_release(&b);
				}
			}
			if (!error)
				error = table_emit(doc, &t, page);
			else
				json_decref(t.rows);
		}
	}
	return error;
}

/* Parse a PPTX into `doc`. Returns 0 or ENCLAVE_E*. */
static int ingest_pptx(struct enclave_doc *doc, struct zip *z)
{
	json_t *rels = json_object(), *notes = json_pack("{s:b}", "notes", 1);
	xmlDoc *d = NULL;
	xmlNode *root, *s, *sz;
	char id[256], v[32];
	double w = 720, h = 540;
	size_t cells = 0;
	int error;

	if (!rels || !notes) {
		error = error_oom();
		goto done;
	}
	if ((error = read_meta(doc, z, "docProps/core.xml")) < 0 ||
	    (error = read_rels(z, "ppt/_rels/presentation.xml.rels", "ppt/", rels)) < 0)
		goto done;
	if ((error = part_parse(&d, z, "ppt/presentation.xml")) != 0) {
		if (error == 1)
			error = error_set(ENCLAVE_EINVALID, "no ppt/presentation.xml");
		goto done;
	}
	root = xmlDocGetRootElement(d);
	if ((sz = child(root, "sldSz")) && atof(attr(sz, "cx", v, sizeof(v))) > 0 &&
	    atof(attr(sz, "cy", v, sizeof(v))) > 0) {
		w = atof(attr(sz, "cx", v, sizeof(v))) / 12700.0;
		h = atof(attr(sz, "cy", v, sizeof(v))) / 12700.0;
	}
	for (s = child(child(root, "sldIdLst"), "sldId"); s && !error; s = s->next) {
		json_t *path, *srels = NULL;
		xmlDoc *sd = NULL, *nd = NULL;
		const char *sp, *base;
		char relname[1400], dir[1024];
		const char *k;
		json_t *val;
		int page;
		if (!is(s, "sldId") || !(path = json_object_get(rels, rel_id(s, id, sizeof(id)))))
			continue;
		if ((page = doc_add_page(doc, w, h, "text", 1.0)) < 0) {
			error = page;
			break;
		}
		sp = json_string_value(path);
		if ((error = part_parse(&sd, z, sp)) != 0) {
			error = error == 1 ? 0 : error;
			continue;
		}
		error = pptx_shapes(doc,
		                    child(child(xmlDocGetRootElement(sd), "cSld"), "spTree")
		                        ? child(child(xmlDocGetRootElement(sd), "cSld"), "spTree")
		                        : xmlDocGetRootElement(sd),
		                    page, NULL, &cells);
		xmlFreeDoc(sd);
		/* Speaker notes, through the slide's relationships. */
		base = strrchr(sp, '/') ? strrchr(sp, '/') + 1 : sp;
		snprintf(dir, sizeof(dir), "%.*s", (int)(base - sp), sp);
		snprintf(relname, sizeof(relname), "%s_rels/%s.rels", dir, base);
		if (!error && !(srels = json_object()))
			error = error_oom();
		if (!error)
			error = read_rels(z, relname, dir, srels);
		json_object_foreach(srels, k, val)
		{
			const char *type;
			char key[300];
			if (error || !strncmp(k, "type:", 5))
				continue;
			snprintf(key, sizeof(key), "type:%s", k);
			type = json_string_value(json_object_get(srels, key));
			if (!type || !strstr(type, "/notesSlide"))
				continue;
			if ((error = part_parse(&nd, z, json_string_value(val))) != 0) {
				error = error == 1 ? 0 : error;
				continue;
			}
			if (child(child(xmlDocGetRootElement(nd), "cSld"), "spTree"))
				error = pptx_shapes(
				    doc, child(child(xmlDocGetRootElement(nd), "cSld"), "spTree"),
				    page, notes, &cells);
			xmlFreeDoc(nd);
			nd = NULL;
		}
		json_decref(srels);
	}
done:
	xmlFreeDoc(d);
	json_decref(rels);
	json_decref(notes);
	return error;
}

/* ------------------------------------------------------------------ */
/* ODF                                                                */
/* ------------------------------------------------------------------ */

/* What the ODF walk knows. */
struct odf {
	struct enclave_doc *doc;
	int sheets; /* ods: each table is a sheet with a heading */
	int page;   /* current odp slide, 0 outside */
	size_t cells;
};

/*
 * Emit table:table `tbl`: rows and cells with their repeats expanded up to
 * OFFICE_MAX_REPEAT, trailing empty cells and empty rows dropped.
 * Returns 0 or ENCLAVE_E*.
 */
static int odf_table(struct odf *o, const xmlNode *tbl)
{
	struct table t = { NULL, NULL };
	const xmlNode *stack[8];
	const xmlNode *r;
	char v[32];
	int sp = 0, error = 0;

	stack[sp++] = tbl->children;
	while (sp > 0 && !error) {
		r = stack[--sp];
		for (; r && !error; r = r->next) {
			long rep, i, j;
			if (is(r, "table-header-rows") || is(r, "table-rows") ||
			    is(r, "table-row-group")) {
				if (sp < 7) {
					stack[sp++] = r->next;
					stack[sp++] = r->children;
					break;
				}
				continue;
			}
			if (!is(r, "table-row"))
				continue;
			rep = atol(attr(r, "number-rows-repeated", v, sizeof(v)));
			rep = rep < 1 ? 1 : rep > OFFICE_MAX_REPEAT ? OFFICE_MAX_REPEAT : rep;
			for (i = 0; i < rep && !error; i++) {
				const xmlNode *c;
				long pending = 0; /* empty cells not yet added */
				table_row_end(&t);
				if ((error = table_row(&t)) < 0)
					break;
				for (c = r->children; c && !error; c = c->next) {
					struct buf b = BUF_INIT(ENCLAVE_MAX_BLOCK_BYTES);
					long crep;
					if (!is(c, "table-cell") && !is(c, "covered-table-cell"))
						continue;
					crep =
					    atol(attr(c, "number-columns-repeated", v, sizeof(v)));
					crep = crep < 1                   ? 1
					       : crep > OFFICE_MAX_REPEAT ? OFFICE_MAX_REPEAT
					                                  : crep;
					error = odf_text(&b, c);
					/* Empty cells are padding: they are added only
					 * when text follows, so trailing ones cost nothing. */
					if (!error && !b.len) {
						pending += crep;
						buf_release(&b);
						continue;
					}
					for (; pending > 0 && !error; pending--)
						error = table_cell(&t, "", 0, &o->cells);
					for (j = 0; j < crep && !error; j++)
						error = table_cell(&t, b.ptr ? b.ptr : "", b.len,
						                   &o->cells);
					buf_release(&b);
				}
				/* A repeated row that is empty stays empty: stop expanding. */
				if (t.row && json_array_size(t.row) == 0)
					break;
				if (t.row && i == 0 && rep > 1) {
					size_t k, n = json_array_size(t.row);
					int empty = 1;
					for (k = 0; k < n; k++)
						if (*json_string_value(json_array_get(t.row, k)))
							empty = 0;
					if (empty)
						break;
				}
			}
		}
	}
	if (!error)
		return table_emit(o->doc, &t, o->page);
	json_decref(t.rows);
	return error;
}

/*
 * Walk ODF body content under `n`: text:h, text:p, lists (depth `depth`),
 * tables, sections, frames, odp pages. Returns 0 or ENCLAVE_E*.
 */
static int odf_walk(struct odf *o, const xmlNode *n, int depth, int title)
{
	const xmlNode *c;
	char v[64];
	int error = 0;

	for (c = n->children; c && !error; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (is(c, "h") || is(c, "p")) {
			struct buf b = BUF_INIT(ENCLAVE_MAX_BLOCK_BYTES);
			enclave_block_kind kind = ENCLAVE_BLOCK_PARAGRAPH;
			int level = 0;
			if (title) {
				kind = ENCLAVE_BLOCK_HEADING, level = 1;
			} else if (is(c, "h")) {
				level = atoi(attr(c, "outline-level", v, sizeof(v)));
				level = level < 1 ? 1 : level > 6 ? 6 : level;
				kind = ENCLAVE_BLOCK_HEADING;
			} else if (depth > 0) {
				kind = ENCLAVE_BLOCK_LIST_ITEM, level = depth;
			}
			if (!(error = odf_text(&b, c)))
				error = emit(o->doc, kind, level, o->page, NULL, &b);
			buf_release(&b);
		} else if (is(c, "list")) {
			error = odf_walk(o, c, depth + 1, 0);
		} else if (is(c, "table")) {
			if (o->sheets) {
				struct buf b = BUF_INIT(ENCLAVE_MAX_BLOCK_BYTES);
				int r = buf_puts(&b, attr(c, "name", v, sizeof(v)));
				error = r < 0 ? error_buf(r, "sheet name")
				              : emit(o->doc, ENCLAVE_BLOCK_HEADING, 1, 0, NULL, &b);
				buf_release(&b);
			}
			if (!error)
				error = odf_table(o, c);
		} else if (is(c, "page")) {
			int page = doc_add_page(o->doc, 720, 540, "text", 1.0);
			if (page < 0)
				return page;
			o->page = page;
			error = odf_walk(o, c, 0, 0);
		} else if (is(c, "frame")) {
			error = odf_walk(o, c, 0, !strcmp(attr(c, "class", v, sizeof(v)), "title"));
		} else if (is(c, "notes")) {
			error = odf_walk(o, c, 0, 0);
		} else if (is(c, "tracked-changes") || is(c, "sequence-decls") || is(c, "forms") ||
		           is(c, "annotation")) {
			continue;
		} else {
			error = odf_walk(o, c, depth, title);
		}
	}
	return error;
}

/* Parse an ODF document into `doc`. Returns 0 or ENCLAVE_E*. */
static int ingest_odf(struct enclave_doc *doc, const char *kind, struct zip *z)
{
	struct buf m = BUF_INIT(OFFICE_MAX_ENTRY_BYTES);
	struct odf o = { doc, !strcmp(kind, "ods"), 0, 0 };
	xmlDoc *d = NULL;
	xmlNode *body;
	int error;

	/* An encrypted package lists encryption data for its parts in the manifest. */
	if ((error = zip_read(z, "META-INF/manifest.xml", &m)) < 0)
		goto done;
	if (!error && m.ptr && strstr(m.ptr, "encryption-data")) {
		error = error_set(ENCLAVE_EENCRYPTED, "encrypted");
		goto done;
	}
	if ((error = read_meta(doc, z, "meta.xml")) < 0)
		goto done;
	if ((error = part_parse(&d, z, "content.xml")) != 0) {
		if (error == 1)
			error = error_set(ENCLAVE_EINVALID, "no content.xml");
		goto done;
	}
	if ((body = child(xmlDocGetRootElement(d), "body")))
		error = odf_walk(&o, body, 0, 0);
done:
	xmlFreeDoc(d);
	buf_release(&m);
	return error;
}

/* ------------------------------------------------------------------ */
/* Entry point                                                        */
/* ------------------------------------------------------------------ */

int ingest_office(struct enclave_doc *doc, const char *kind, const unsigned char *data, size_t len)
{
	struct zip z = { data, len, 0, doc };

	if (!strcmp(kind, "docx"))
		return ingest_docx(doc, &z);
	if (!strcmp(kind, "xlsx"))
		return ingest_xlsx(doc, &z);
	if (!strcmp(kind, "pptx"))
		return ingest_pptx(doc, &z);
	if (!strcmp(kind, "odt") || !strcmp(kind, "ods") || !strcmp(kind, "odp"))
		return ingest_odf(doc, kind, &z);
	return error_set(ENCLAVE_EUNSUPPORTED, "%s support not built", kind);
}
