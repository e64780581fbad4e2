/*
 * EPUB (2 and 3): the OPF spine's XHTML chapters in reading order, each read
 * by the HTML parser, with the book's Dublin Core metadata.
 *
 * Reading: the ZIP is read from memory with libarchive in three passes:
 * META-INF/container.xml (the OPF's path; failing that, the first *.opf
 * member) and META-INF/encryption.xml; then the OPF; then every member the
 * spine names. XML is parsed by libxml2 with XML_PARSE_NONET and without
 * entity substitution or DTD loading, so an external entity is never read.
 * Every byte decompressed is charged to the file's budget
 * (extract_take_bytes); one member is read up to EPUB_MAX_MEMBER_BYTES.
 *
 * The OPF: manifest items (id -> href, media-type), the spine's itemrefs in
 * order (linear="no" items too: footnotes and the like are content), hrefs
 * resolved against the OPF's folder, percent-decoded, fragments dropped.
 * Items of media types other than XHTML/HTML in the spine are skipped.
 * dc:title is the title; dc:creator (all, joined by "; ") "author";
 * dc:language, dc:date, dc:publisher, dc:identifier, dc:description go to
 * the metadata of the same names.
 *
 * Chapters: each is parsed by ingest_html into a scratch document whose
 * blocks are copied in order. A chapter's <title> (which html.c turns into a
 * TITLE block when the chapter has no h1) is dropped when it repeats the
 * book's title or a heading of the chapter, else kept as a level-1 heading:
 * the book has one title. A
 * chapter that does not parse is skipped and counted ("chapters_failed"),
 * unless it spent the file's budgets.
 *
 * DRM: encryption.xml listing a spine member under any algorithm other than
 * the two font obfuscations (IDPF, Adobe) fails the book as encrypted. Font
 * obfuscation alone is not DRM and does not stop it.
 */
#include <archive.h>
#include <archive_entry.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "ingest_int.h"
#include "xml_int.h"

/* Largest member (container.xml, OPF, chapter) read, decompressed (bytes). */
#define EPUB_MAX_MEMBER_BYTES ((size_t)64 << 20)

/* Most ZIP entries looked through, and most spine items read. */
#define EPUB_MAX_ENTRIES 100000

/* ------------------------------------------------------------------ */
/* ZIP access                                                         */
/* ------------------------------------------------------------------ */

/* Open a ZIP reader over the bytes. Returns 0 or ENCLAVE_E*. */
static int zip_open(struct archive **out, const unsigned char *data, size_t len)
{
	struct archive *a = archive_read_new();

	*out = NULL;
	if (!a)
		return error_oom();
	if (archive_read_support_format_zip(a) != ARCHIVE_OK ||
	    archive_read_open_memory(a, data, len) != ARCHIVE_OK) {
		archive_read_free(a);
		return error_set(ENCLAVE_EINVALID, "cannot read the EPUB's zip");
	}
	*out = a;
	return 0;
}

/*
 * Read the current entry's data into `out` (cleared first), charging `doc`
 * (may be NULL: not charged). Returns 0, ENCLAVE_ELIMIT, ENCLAVE_EENCRYPTED
 * or ENCLAVE_EINVALID.
 */
static int entry_read(struct enclave_doc *doc, struct archive *a, struct archive_entry *e,
                      struct buf *out)
{
	char chunk[16384];
	la_ssize_t got;
	int error;

	buf_clear(out);
	if (archive_entry_is_data_encrypted(e))
		return error_set(ENCLAVE_EENCRYPTED, "encrypted");
	while ((got = archive_read_data(a, chunk, sizeof(chunk))) > 0) {
		if (doc && (error = extract_take_bytes(doc, (size_t)got)) < 0)
			return error;
		if (buf_put(out, chunk, (size_t)got) < 0)
			return error_set(ENCLAVE_ELIMIT, "an EPUB member larger than %zu bytes",
			                 EPUB_MAX_MEMBER_BYTES);
	}
	if (got < 0)
		return error_set(ENCLAVE_EINVALID, "cannot read EPUB member '%s'",
		                 archive_entry_pathname(e) ? archive_entry_pathname(e) : "?");
	return 0;
}

const char *epub_kind(const unsigned char *data, size_t len)
{
	struct archive *a = NULL;
	struct archive_entry *e;
	struct buf b = BUF_INIT(1 << 20);
	const char *kind = NULL;
	int n = 0, mimetype = 0, container = 0;

	/* OCF: the first member is "mimetype", stored, holding the media type. */
	if (len >= 58 && !memcmp(data, "PK\x03\x04", 4) &&
	    memmem(data + 30, len < 128 ? len - 30 : 98, "mimetypeapplication/epub+zip", 28))
		return "epub";
	/*
	 * Tolerated: a mimetype member elsewhere (zipped by hand), or none, as
	 * long as META-INF/container.xml names an OPF package.
	 */
	if (len < 4 || memcmp(data, "PK", 2) || zip_open(&a, data, len) < 0)
		return NULL;
	while (!kind && n++ < EPUB_MAX_ENTRIES && archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		if (!name)
			continue;
		if (!strcmp(name, "mimetype") && entry_read(NULL, a, e, &b) == 0)
			mimetype = b.len >= 20 && !memcmp(b.ptr, "application/epub+zip", 20);
		else if (!strcmp(name, "META-INF/container.xml") && entry_read(NULL, a, e, &b) == 0)
			container = memmem(b.ptr ? b.ptr : "", b.len,
			                   "application/oebps-package+xml", 29) != NULL;
		if (container && (mimetype || n > 1))
			kind = "epub";
	}
	if (!kind && container)
		kind = "epub";
	buf_release(&b);
	archive_read_free(a);
	return kind;
}

/* ------------------------------------------------------------------ */
/* XML                                                                */
/* ------------------------------------------------------------------ */

/* Parse XML safely (no network, no entities, no DTD). NULL when it is not XML. */
static xmlDocPtr xml_parse(const struct buf *b)
{
	struct xml_quiet q;
	xmlDocPtr x;

	if (b->len > (size_t)INT32_MAX)
		return NULL;
	xml_quiet_begin(&q);
	x = xmlReadMemory(b->ptr ? b->ptr : "", (int)b->len, NULL, NULL,
	                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
	                      XML_PARSE_RECOVER | XML_PARSE_COMPACT);
	xml_quiet_end(&q);
	return x;
}

/* Is `n` an element with local name `name` (any namespace)? */
static int is_el(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

/* The first element named `name` at or below `n` (depth-first), or NULL. */
static xmlNode *find_el(xmlNode *n, const char *name)
{
	for (; n; n = n->next) {
		xmlNode *f;
		if (is_el(n, name))
			return n;
		if (n->type == XML_ELEMENT_NODE && (f = find_el(n->children, name)))
			return f;
	}
	return NULL;
}

/* The attribute `name` of `n` as a new string (xmlFree), or NULL. */
static char *attr(xmlNode *n, const char *name)
{
	return (char *)xmlGetProp(n, (const xmlChar *)name);
}

/*
 * Resolve `href` (URL-encoded, relative to the folder `base`, "" for the
 * root) into the member path in `out`: the fragment dropped, %XX decoded,
 * "." and ".." folded (".." above the root stays at the root).
 * Returns 0 or ENCLAVE_E*.
 */
static int resolve(struct buf *out, const char *base, const char *href)
{
	struct buf raw = BUF_INIT(65536);
	const char *p;
	size_t i, start;
	int r = 0;

	buf_clear(out);
	if (*href != '/' && (r = buf_puts(&raw, base)) < 0)
		goto done;
	for (p = *href == '/' ? href + 1 : href; *p && *p != '#' && *p != '?'; p++) {
		char c = *p;
		if (c == '%' && p[1] && p[2] && strchr("0123456789abcdefABCDEF", p[1]) &&
		    strchr("0123456789abcdefABCDEF", p[2])) {
			char hex[3] = { p[1], p[2], 0 };
			c = (char)strtol(hex, NULL, 16);
			p += 2;
		}
		if ((r = buf_putc(&raw, c)) < 0)
			goto done;
	}
	/* Fold the segments. */
	p = buf_cstr(&raw);
	for (i = 0; i <= raw.len; i = start + 1) {
		size_t n;
		start = i;
		while (start < raw.len && p[start] != '/')
			start++;
		n = start - i;
		if (n == 0 || (n == 1 && p[i] == '.'))
			continue;
		if (n == 2 && p[i] == '.' && p[i + 1] == '.') {
			char *slash = out->len ? memrchr(out->ptr, '/', out->len) : NULL;
			buf_truncate(out, slash ? (size_t)(slash - out->ptr) : 0);
			continue;
		}
		if ((out->len && (r = buf_putc(out, '/')) < 0) || (r = buf_put(out, p + i, n)) < 0)
			goto done;
	}
done:
	buf_release(&raw);
	return r < 0 ? error_buf(r, "epub path") : 0;
}

/* ------------------------------------------------------------------ */
/* The book                                                           */
/* ------------------------------------------------------------------ */

/* One spine item to read. */
struct chapter {
	char *path; /* member path */
	struct buf data;
	int found;
};

/* What the first pass finds. */
struct book {
	struct enclave_doc *doc;
	const unsigned char *data;
	size_t len;
	struct buf opf_path; /* from container.xml, or the first *.opf */
	json_t *encrypted;   /* object: member paths under real (non-font) encryption */
	struct chapter *chapters;
	size_t nchapters;
};

/* Font obfuscation algorithms: not DRM. */
static int font_obfuscation(const char *alg)
{
	return alg && (!strcmp(alg, "http://www.idpf.org/2008/embedding") ||
	               !strcmp(alg, "http://ns.adobe.com/pdf/enc#RC"));
}

/* Note in b->encrypted the members encryption.xml lists under a real cipher. */
static int read_encryption(struct book *bk, const struct buf *xml)
{
	xmlDocPtr x = xml_parse(xml);
	xmlNode *n;
	int error = 0;

	if (!x)
		return 0;
	for (n = find_el(xmlDocGetRootElement(x), "EncryptedData"); n; n = n->next) {
		xmlNode *m = find_el(n->children, "EncryptionMethod");
		xmlNode *c = find_el(n->children, "CipherReference");
		char *alg = m ? attr(m, "Algorithm") : NULL, *uri = c ? attr(c, "URI") : NULL;
		struct buf path = BUF_INIT(65536);

		if (is_el(n, "EncryptedData") && uri && !font_obfuscation(alg) &&
		    (error = resolve(&path, "", uri)) == 0 &&
		    json_object_set_new(bk->encrypted, buf_cstr(&path), json_true()))
			error = error_oom();
		buf_release(&path);
		xmlFree(alg);
		xmlFree(uri);
		if (error)
			break;
	}
	xmlFreeDoc(x);
	return error;
}

/* Pass 1: container.xml (the OPF's path) and encryption.xml. */
static int read_container(struct book *bk)
{
	struct archive *a = NULL;
	struct archive_entry *e;
	struct buf b = BUF_INIT(EPUB_MAX_MEMBER_BYTES);
	char *first_opf = NULL;
	int error, n = 0, found = 0;

	if ((error = zip_open(&a, bk->data, bk->len)) < 0)
		return error;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK && n++ < EPUB_MAX_ENTRIES) {
		const char *name = archive_entry_pathname(e);
		size_t nl = name ? strlen(name) : 0;

		if (!name)
			continue;
		if (!first_opf && nl > 4 && !strcasecmp(name + nl - 4, ".opf") &&
		    !(first_opf = strdup(name))) {
			error = error_oom();
			break;
		}
		if (!strcmp(name, "META-INF/encryption.xml")) {
			if ((error = entry_read(bk->doc, a, e, &b)) < 0 ||
			    (error = read_encryption(bk, &b)) < 0)
				break;
		} else if (!found && !strcmp(name, "META-INF/container.xml")) {
			xmlDocPtr x;
			xmlNode *rf;
			if ((error = entry_read(bk->doc, a, e, &b)) < 0)
				break;
			if ((x = xml_parse(&b)) != NULL) {
				for (rf = find_el(xmlDocGetRootElement(x), "rootfile");
				     rf && !found; rf = rf->next) {
					char *full =
					    is_el(rf, "rootfile") ? attr(rf, "full-path") : NULL;
					if (full && *full) {
						error = resolve(&bk->opf_path, "", full);
						found = 1;
					}
					xmlFree(full);
				}
				xmlFreeDoc(x);
			}
			if (error < 0)
				break;
		}
	}
	if (!error && !found && first_opf)
		error = resolve(&bk->opf_path, "", first_opf);
	if (!error && !bk->opf_path.len)
		error = error_set(ENCLAVE_EINVALID,
		                  "not an EPUB: no package (META-INF/container.xml, *.opf)");
	free(first_opf);
	buf_release(&b);
	archive_read_free(a);
	return error;
}

/* Read the member `path` into `out` (one pass). Returns 0, 1 when absent, or ENCLAVE_E*. */
static int read_member(struct book *bk, const char *path, struct buf *out)
{
	struct archive *a = NULL;
	struct archive_entry *e;
	int error, n = 0;

	if ((error = zip_open(&a, bk->data, bk->len)) < 0)
		return error;
	error = 1;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK && n++ < EPUB_MAX_ENTRIES) {
		const char *name = archive_entry_pathname(e);
		if (name && !strcmp(name, path)) {
			error = entry_read(bk->doc, a, e, out);
			break;
		}
	}
	archive_read_free(a);
	return error;
}

/* The text of every element `name` below `meta`, joined by "; ", into the metadata `key`. */
static int dc_meta(struct enclave_doc *doc, xmlNode *meta, const char *name, const char *key)
{
	struct buf b = BUF_INIT(65536);
	xmlNode *n;
	int error = 0;

	for (n = meta ? meta->children : NULL; n; n = n->next) {
		xmlChar *t;
		if (!is_el(n, name) || !(t = xmlNodeGetContent(n)))
			continue;
		if (*t && ((b.len && buf_puts(&b, "; ") < 0) || buf_puts(&b, (const char *)t) < 0))
			error = error_set(ENCLAVE_ELIMIT, "epub metadata '%s' too long", name);
		xmlFree(t);
		if (error)
			break;
	}
	if (!error && b.len)
		error = !strcmp(key, "title") ? doc_set_title(doc, buf_cstr(&b))
		                              : doc_set_meta(doc, key, buf_cstr(&b));
	buf_release(&b);
	return error;
}

/*
 * Pass 2: the OPF. Sets the metadata and fills bk->chapters with the spine's
 * XHTML members in order. Returns 0 or ENCLAVE_E*.
 */
static int read_opf(struct book *bk)
{
	struct buf b = BUF_INIT(EPUB_MAX_MEMBER_BYTES), path = BUF_INIT(65536);
	struct buf base = BUF_INIT(65536);
	const char *slash = strrchr(buf_cstr(&bk->opf_path), '/');
	xmlDocPtr x = NULL;
	xmlNode *root, *meta, *manifest, *spine, *n;
	int error;

	if ((error = read_member(bk, buf_cstr(&bk->opf_path), &b)) != 0) {
		if (error == 1)
			error = error_set(ENCLAVE_EINVALID, "not an EPUB: no package '%s'",
			                  buf_cstr(&bk->opf_path));
		goto done;
	}
	if (slash && (error = buf_put(&base, bk->opf_path.ptr,
	                              (size_t)(slash - bk->opf_path.ptr) + 1)) < 0) {
		error = error_buf(error, "epub path");
		goto done;
	}
	if (!(x = xml_parse(&b)) || !(root = xmlDocGetRootElement(x))) {
		error = error_set(ENCLAVE_EINVALID, "cannot parse the EPUB package '%s'",
		                  buf_cstr(&bk->opf_path));
		goto done;
	}
	meta = find_el(root->children, "metadata");
	if ((error = dc_meta(bk->doc, meta, "title", "title")) < 0 ||
	    (error = dc_meta(bk->doc, meta, "creator", "author")) < 0 ||
	    (error = dc_meta(bk->doc, meta, "language", "language")) < 0 ||
	    (error = dc_meta(bk->doc, meta, "date", "date")) < 0 ||
	    (error = dc_meta(bk->doc, meta, "publisher", "publisher")) < 0 ||
	    (error = dc_meta(bk->doc, meta, "identifier", "identifier")) < 0 ||
	    (error = dc_meta(bk->doc, meta, "description", "description")) < 0)
		goto done;
	manifest = find_el(root->children, "manifest");
	spine = find_el(root->children, "spine");
	if (!manifest || !spine) {
		error = error_set(ENCLAVE_EINVALID, "EPUB package without a %s",
		                  manifest ? "spine" : "manifest");
		goto done;
	}
	for (n = spine->children; n; n = n->next) {
		char *idref, *id = NULL, *href = NULL, *mt = NULL;
		xmlNode *item;

		if (!is_el(n, "itemref") || !(idref = attr(n, "idref")))
			continue;
		for (item = manifest->children; item; item = item->next) {
			if (!is_el(item, "item") || !(id = attr(item, "id")))
				continue;
			if (!strcmp(id, idref))
				break;
			xmlFree(id);
			id = NULL;
		}
		if (item && id) {
			href = attr(item, "href");
			mt = attr(item, "media-type");
		}
		if (href && (!mt || !strcmp(mt, "application/xhtml+xml") ||
		             !strcmp(mt, "text/html") || !strcmp(mt, "text/x-oeb1-document"))) {
			struct chapter *v;
			if ((error = resolve(&path, buf_cstr(&base), href)) == 0 &&
			    bk->nchapters >= EPUB_MAX_ENTRIES)
				error = error_set(ENCLAVE_ELIMIT, "EPUB spine longer than %d",
				                  EPUB_MAX_ENTRIES);
			if (!error &&
			    !(v = realloc(bk->chapters, (bk->nchapters + 1) * sizeof(*v))))
				error = error_oom();
			if (!error) {
				bk->chapters = v;
				memset(&v[bk->nchapters], 0, sizeof(*v));
				v[bk->nchapters].data = (struct buf)BUF_INIT(EPUB_MAX_MEMBER_BYTES);
				if (!(v[bk->nchapters].path = strdup(buf_cstr(&path))))
					error = error_oom();
				else
					bk->nchapters++;
			}
		}
		xmlFree(idref);
		xmlFree(id);
		xmlFree(href);
		xmlFree(mt);
		if (error)
			goto done;
	}
done:
	xmlFreeDoc(x);
	buf_release(&b);
	buf_release(&path);
	buf_release(&base);
	return error;
}

/*
 * Pass 3: read every chapter's bytes (a member the spine names twice is
 * read into each). Fails as encrypted when one is under DRM.
 */
static int read_chapters(struct book *bk)
{
	struct archive *a = NULL;
	struct archive_entry *e;
	size_t i;
	int error, n = 0;

	for (i = 0; i < bk->nchapters; i++)
		if (json_object_get(bk->encrypted, bk->chapters[i].path))
			return error_set(ENCLAVE_EENCRYPTED,
			                 "encrypted: DRM (META-INF/encryption.xml)");
	if ((error = zip_open(&a, bk->data, bk->len)) < 0)
		return error;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK && n++ < EPUB_MAX_ENTRIES) {
		const char *name = archive_entry_pathname(e);
		struct chapter *first = NULL;

		if ((error = extract_check_time(bk->doc)) < 0)
			break;
		for (i = 0; name && i < bk->nchapters; i++) {
			struct chapter *c = &bk->chapters[i];
			if (c->found || strcmp(c->path, name))
				continue;
			if (!first) {
				error = entry_read(bk->doc, a, e, &c->data);
				if (error == ENCLAVE_EENCRYPTED)
					error = error_set(ENCLAVE_EENCRYPTED, "encrypted");
				first = c;
			} else if ((error = buf_put(&c->data, first->data.ptr, first->data.len)) <
			           0) {
				error = error_buf(error, "epub chapter");
			}
			if (error < 0)
				break;
			c->found = 1;
		}
		if (error < 0)
			break;
	}
	archive_read_free(a);
	return error;
}

/*
 * Parse chapter `c` with the HTML parser and copy its blocks into the book.
 * Returns 0; 1 when the chapter failed on its own (skipped); ENCLAVE_E*
 * when the book must fail.
 */
static int add_chapter(struct book *bk, struct chapter *c)
{
	struct enclave_doc *ch = NULL;
	const char *title = bk->doc->title;
	size_t i;
	int error;

	if ((error = doc_new(&ch, "html")) < 0)
		return error;
	ch->ctx = bk->doc->ctx;
	error =
	    ingest_html(ch, (const unsigned char *)(c->data.ptr ? c->data.ptr : ""), c->data.len);
	if (error < 0) {
		if (error != ENCLAVE_ENOMEM &&
		    !(bk->doc->ctx && (extract_check_time(bk->doc) < 0 ||
		                       bk->doc->ctx->bytes >= ENCLAVE_MAX_DECOMPRESSED_BYTES)))
			error = 1;
		goto done;
	}
	for (i = 0; i < ch->nblocks; i++) {
		struct enclave_block t = ch->blocks[i];
		if (t.kind == ENCLAVE_BLOCK_TITLE) {
			size_t j;
			if (title && !strcasecmp(title, t.text))
				continue;
			for (j = 0; j < ch->nblocks; j++)
				if (ch->blocks[j].kind == ENCLAVE_BLOCK_HEADING &&
				    !strcasecmp(ch->blocks[j].text, t.text))
					break;
			if (j < ch->nblocks)
				continue;
			t.kind = ENCLAVE_BLOCK_HEADING;
			t.level = 1;
		}
		if ((error = doc_add_block(bk->doc, &t, t.text, strlen(t.text))) < 0)
			break;
	}
done:
	ch->ctx = NULL;
	enclave_doc_free(ch);
	return error;
}

int ingest_epub(struct enclave_doc *doc, const unsigned char *data, size_t len)
{
	struct book bk;
	size_t i, failed = 0, missing = 0;
	int error;

	memset(&bk, 0, sizeof(bk));
	bk.doc = doc, bk.data = data, bk.len = len;
	bk.opf_path = (struct buf)BUF_INIT(65536);
	if (!(bk.encrypted = json_object())) {
		error = error_oom();
		goto done;
	}
	if ((error = read_container(&bk)) < 0 || (error = read_opf(&bk)) < 0 ||
	    (error = read_chapters(&bk)) < 0)
		goto done;
	for (i = 0; i < bk.nchapters; i++) {
		if (!bk.chapters[i].found) {
			missing++;
			continue;
		}
		if ((error = add_chapter(&bk, &bk.chapters[i])) < 0)
			goto done;
		failed += error == 1;
		buf_release(&bk.chapters[i].data);
	}
	error = 0;
	if ((failed && json_object_set_new(doc->metadata, "chapters_failed",
	                                   json_integer((json_int_t)failed))) ||
	    (missing && json_object_set_new(doc->metadata, "chapters_missing",
	                                    json_integer((json_int_t)missing))) ||
	    json_object_set_new(doc->metadata, "chapters", json_integer((json_int_t)bk.nchapters)))
		error = error_oom();
	if (!error && !bk.nchapters)
		error = error_set(ENCLAVE_EEMPTY, "EPUB without chapters (an empty spine)");
done:
	for (i = 0; i < bk.nchapters; i++) {
		free(bk.chapters[i].path);
		buf_release(&bk.chapters[i].data);
	}
	free(bk.chapters);
	buf_release(&bk.opf_path);
	json_decref(bk.encrypted);
	return error;
}
