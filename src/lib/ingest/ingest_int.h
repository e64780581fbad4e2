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

struct extract_ctx;

struct enclave_doc {
	char *format; /* "pdf", "html", "docx", "eml", ... (see sniff_type) */
	char *title;  /* NULL when unknown */
	struct enclave_page *pages;
	size_t npages, pages_cap;
	struct enclave_block *blocks; /* text and attrs owned; method static */
	size_t nblocks, blocks_cap;
	size_t text_cp;                     /* length of the document text in code points */
	size_t text_bytes;                  /* and in bytes */
	json_t *metadata;                   /* object: encoding, producer, author, ... */
	struct enclave_doc_child *children; /* names, types, bytes, docs, errors: owned */
	size_t nchildren, children_cap;
	struct extract_ctx *ctx; /* borrowed while being extracted, then NULL */
	const char *name;        /* the file or member name, borrowed like ctx; may be NULL */
	char language[12];       /* documents.language, set by ingest (lang.c); "": none */
};

/*
 * What one extraction shares with every parser and every child document of
 * the file: the options, the worker's OCR engine, the limits' budgets. A
 * parser reaches it as doc->ctx (never NULL while a parser runs).
 */
struct ocr_engine;
struct extract_ctx {
	const struct enclave_extract_options *opts; /* never NULL */
	struct ocr_engine *ocr; /* the worker's Tesseract handles; NULL: one per file */
	int depth;              /* containers above the document being read: 0 for a file */
	size_t bytes;           /* decompressed so far, against ENCLAVE_MAX_DECOMPRESSED_BYTES */
	size_t children;        /* children so far, all levels, against ENCLAVE_MAX_CHILDREN */
	double deadline;        /* CLOCK_MONOTONIC seconds when the file must be done */
};

/*
 * Extract with `ctx` (a worker's: its OCR engine, the file's budgets); what
 * extract_buffer does with a context of its own. Children are extracted
 * recursively with the same context.
 */
int extract_with(struct enclave_doc **out, const char **media_type, const void *data, size_t len,
                 const char *name, struct extract_ctx *ctx);

/* A fresh context for one file: `opts` NULL for the defaults, `ocr` may be NULL. */
void extract_ctx_init(struct extract_ctx *ctx, const struct enclave_extract_options *opts,
                      struct ocr_engine *ocr);

/* The media type of a format name sniff_type() gives ("docx" -> "application/vnd..."). */
const char *format_media_type(const char *format);

/*
 * Take `n` more decompressed bytes from the file's budget. Returns 0, or
 * ENCLAVE_ELIMIT ("decompresses to more than N bytes") when it is spent.
 * Parsers that inflate or decode call it as they go.
 */
int extract_take_bytes(struct enclave_doc *doc, size_t n);

/* ENCLAVE_ELIMIT when the file's time is up, else 0. Parsers call it per page or entry. */
int extract_check_time(const struct enclave_doc *doc);

/*
 * Append a child document to `doc`: `len` bytes at `data` (copied) under
 * `name` (any bytes; stored as UTF-8). Counted against ENCLAVE_MAX_CHILDREN
 * (ENCLAVE_ELIMIT past it) but not extracted here: extract_with() does that
 * after the parser returns, one level deeper.
 */
int doc_add_child(struct enclave_doc *doc, const char *name, const void *data, size_t len);

/*
 * Append a child that failed before it could be extracted (an encrypted or
 * oversized archive member): no bytes, and the error "cannot extract
 * '<name>': <why>", which extract_with() keeps. Counted like doc_add_child.
 */
int doc_add_failed_child(struct enclave_doc *doc, const char *name, const char *why);

/*
 * Append copies of the blocks of `from` (a scratch document a part was
 * parsed into) to `doc`, in order. `keep_layout` 0 drops their pages and
 * boxes (a part without pages of its own, such as an e-mail body). Returns
 * 0 or ENCLAVE_E*.
 */
int doc_copy_blocks(struct enclave_doc *doc, const struct enclave_doc *from, int keep_layout);

/*
 * Append a TABLE block made of `rows` (a JSON array of arrays of strings,
 * borrowed): its text the rows joined by '\n', each row's cells by '\t', its
 * attrs {"rows": rows}; `tmpl` gives level, page, box, method and confidence
 * (its kind, text and attrs are ignored). An empty `rows` adds nothing.
 * Returns 0, ENCLAVE_ELIMIT for a table over ENCLAVE_MAX_FIELD_BYTES of
 * attrs, or ENCLAVE_E*.
 */
int doc_add_table(struct enclave_doc *doc, const struct enclave_block *tmpl, json_t *rows);

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
 * Markdown versus plain text). Sets *format to a format name of extract.c's
 * table ("pdf", "html", "markdown", "text", "png", "docx", "eml", "zip", ...)
 * and *media_type to its static MIME type. Returns 0, or
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

/* The parsers, one per file of this folder (or a few, for a family of formats). */
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
 * Tesseract handles kept by one worker thread for every file it reads (in
 * ocr.c): opened on first use, freed with the worker. NULL engines are
 * allowed everywhere (a handle is then made per file).
 */
int ocr_engine_new(struct ocr_engine **out);
void ocr_engine_free(struct ocr_engine *engine);

/*
 * E-mail (email.c, GMime): "eml" or "mbox" from email_kind(); headers and
 * bodies become blocks, attachments children.
 */
const char *email_kind(const unsigned char *data, size_t len);
int ingest_email(struct enclave_doc *doc, const char *kind, const unsigned char *data, size_t len);

/*
 * OLE compound files (ole.c, libgsf): "msg", "doc", "xls", "ppt" from
 * ole_kind(), or "ole" for one we cannot read (fails as unsupported).
 */
const char *ole_kind(const unsigned char *data, size_t len);
int ingest_ole(struct enclave_doc *doc, const char *kind, const unsigned char *data, size_t len);

/*
 * Archives (archive.c, libarchive): "zip", "tar", "gzip", "bzip2", "xz",
 * "7z" from archive_kind(); each member a child document.
 */
const char *archive_kind(const unsigned char *data, size_t len);
int ingest_archive(struct enclave_doc *doc, const char *kind, const unsigned char *data,
                   size_t len);

/* EPUB (epub.c): the spine's chapters in order. epub_kind() is "epub" or NULL. */
const char *epub_kind(const unsigned char *data, size_t len);
int ingest_epub(struct enclave_doc *doc, const unsigned char *data, size_t len);

/* RTF (rtf.c): rtf_kind() is "rtf" or NULL. */
const char *rtf_kind(const unsigned char *data, size_t len);
int ingest_rtf(struct enclave_doc *doc, const unsigned char *data, size_t len);

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
