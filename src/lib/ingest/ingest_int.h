/*
 * Ingest internals: the document builder that every format parser fills,
 * the parsers' entry points, and type sniffing.
 *
 * A parser receives the whole file in memory and appends pages and blocks in
 * reading order through doc_add_page() and doc_add_block(). It never prints;
 * on failure it returns ENCLAVE_E* with a message that says why (the caller
 * prefixes the file name), and the partly filled document is discarded.
 */
#ifndef ENCLAVE_INGEST_INT_H
#define ENCLAVE_INGEST_INT_H

#include <jansson.h>

#include "../common_int.h"

struct enclave_doc {
	char *format; /* "pdf", "html", "text", "markdown" */
	char *title;  /* NULL when unknown */
	struct enclave_page *pages;
	size_t npages, pages_cap;
	struct enclave_block *blocks; /* text and attrs owned; method static */
	size_t nblocks, blocks_cap;
	size_t text_cp;    /* length of the document text in code points */
	size_t text_bytes; /* and in bytes */
	json_t *metadata;  /* object: encoding, producer, author, ... */
};

/* A new empty document of `format`. */
int doc_new(struct enclave_doc **out, const char *format);

/* Set the title (copied); NULL clears it. */
int doc_set_title(struct enclave_doc *doc, const char *title);

/* Set metadata[key] to a string value (copied); NULL or "" values are skipped. */
int doc_set_meta(struct enclave_doc *doc, const char *key, const char *value);

/*
 * Append a page. `method` is one of "text", "ocr", "none". Returns the new
 * page's 1-based number (> 0) or ENCLAVE_E* (ENCLAVE_ELIMIT past
 * ENCLAVE_MAX_PAGES).
 */
int doc_add_page(struct enclave_doc *doc, double width, double height, const char *method,
                 double confidence);

/*
 * Append a block in reading order. `tmpl` gives kind, level, page, bbox,
 * method, confidence and attrs (attrs copied when not NULL); its text,
 * offset and length are ignored: the text is `len` bytes at `text`, which
 * must be valid UTF-8 (invalid sequences become U+FFFD). Leading and trailing
 * white space is trimmed; a block left empty is dropped (returns 0).
 * Returns 0 or ENCLAVE_E* (ENCLAVE_ELIMIT past the block limits).
 */
int doc_add_block(struct enclave_doc *doc, const struct enclave_block *tmpl, const char *text,
                  size_t len);

/* A block template: kind, method "markup", confidence 1, no page, no box. */
struct enclave_block doc_block_template(enclave_block_kind kind, int level, const char *method);

/* Append the document text (blocks joined by "\n\n") to `out`. */
int doc_text(struct buf *out, const struct enclave_doc *doc);

/*
 * The JSON form of a document (format, title, metadata, pages, blocks), as
 * `extract --format json` prints it. A new reference, or NULL on OOM.
 */
json_t *doc_json(const struct enclave_doc *doc);

/* The interned method name for `name` ("text", "markup", "ocr", "none"), or NULL. */
const char *doc_method_intern(const char *name);

/*
 * Recognise a file's type from its content (the name is only a hint for
 * Markdown versus plain text). Sets *format to "pdf", "html", "markdown" or
 * "text" and *media_type to a static MIME type. Returns 0, or
 * ENCLAVE_EUNSUPPORTED / ENCLAVE_EEMPTY with a message naming the type found.
 */
int sniff_type(const char **format, const char **media_type, const unsigned char *data, size_t len,
               const char *name);

/*
 * enclave_extract_buffer, also giving the sniffed media type (static; NULL
 * when sniffing failed), which is known even when parsing then fails.
 */
int extract_buffer(struct enclave_doc **out, const char **media_type, const void *data, size_t len,
                   const char *name, const struct enclave_extract_options *opts);

/* The parsers, one per file of this folder. */
int ingest_text(struct enclave_doc *doc, const unsigned char *data, size_t len);
int ingest_markdown(struct enclave_doc *doc, const unsigned char *data, size_t len);
int ingest_html(struct enclave_doc *doc, const unsigned char *data, size_t len);
int ingest_pdf(struct enclave_doc *doc, const unsigned char *data, size_t len,
               const struct enclave_extract_options *opts);

/*
 * Office documents in ZIP containers (OOXML: docx, xlsx, pptx; ODF: odt,
 * ods, odp), in office.c. office_kind() looks inside a ZIP held in memory and
 * returns "docx", "xlsx", "pptx", "odt", "ods", "odp", or NULL when it is
 * none of these (then sniffing reports the ZIP as unsupported). ingest_office
 * parses `kind` into `doc`.
 */
const char *office_kind(const unsigned char *data, size_t len);
int ingest_office(struct enclave_doc *doc, const char *kind, const unsigned char *data, size_t len);

/*
 * Images (PNG, JPEG, TIFF: every page, BMP, GIF, WebP) read by OCR, in
 * ocr.c. image_kind() recognises the image formats by their magic bytes and
 * returns "png", "jpeg", "tiff", "bmp", "gif", "webp" or NULL.
 */
const char *image_kind(const unsigned char *data, size_t len);
int ingest_image(struct enclave_doc *doc, const unsigned char *data, size_t len,
                 const struct enclave_extract_options *opts);

/*
 * Decode text of unknown encoding to UTF-8 into `out`: a BOM (UTF-8,
 * UTF-16LE/BE, UTF-32) wins; valid UTF-8 is taken as is; otherwise the
 * encoding is detected (uchardet) and converted (iconv), falling back to
 * Windows-1252. `encoding` receives the name of what was found.
 * Used by the text, Markdown and HTML parsers. Returns 0 or ENCLAVE_E*.
 */
int text_decode(struct buf *out, char encoding[64], const unsigned char *data, size_t len);

/*
 * Convert [p, p+len) from iconv charset `from` to UTF-8, appended to `out`
 * (a sequence cut off at the very end becomes U+FFFD). Returns 0; 1 when
 * iconv does not know `from` or meets an invalid sequence (out unchanged);
 * or a BUF_E* code when out->max is reached.
 */
int text_convert(struct buf *out, const char *from, const unsigned char *p, size_t len);

#endif
