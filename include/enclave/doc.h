/*
 * Enclave: the document model. A document is a list of pages and a list of
 * blocks in reading order. Its text is the blocks' texts joined by a blank
 * line ("\n\n"); each block knows its offset and length in that text in
 * Unicode code points. Boxes are PDF points with a top-left origin.
 */
#ifndef ENCLAVE_DOC_H
#define ENCLAVE_DOC_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct enclave_doc enclave_doc;

typedef enum {
	ENCLAVE_BLOCK_TITLE = 0,
	ENCLAVE_BLOCK_HEADING,
	ENCLAVE_BLOCK_PARAGRAPH,
	ENCLAVE_BLOCK_LIST_ITEM,
	ENCLAVE_BLOCK_TABLE,
	ENCLAVE_BLOCK_CAPTION,
	ENCLAVE_BLOCK_HEADER,
	ENCLAVE_BLOCK_FOOTER,
	ENCLAVE_BLOCK_CODE,
	ENCLAVE_BLOCK_FORMULA,
	ENCLAVE_BLOCK_FIGURE,
	ENCLAVE_BLOCK_KIND_COUNT
} enclave_block_kind;

struct enclave_bbox {
	double x0, y0, x1, y1;
};

struct enclave_block {
	enclave_block_kind kind;
	int level;    /* heading level 1-6, list depth 1.., else 0 */
	int page;     /* 1-based page number, 0 when the format has none */
	int has_bbox; /* bbox is meaningful */
	struct enclave_bbox bbox;
	const char *text;   /* UTF-8, NUL-terminated; tables: tab-separated rows */
	size_t offset;      /* in the document text, in code points */
	size_t length;      /* in code points */
	const char *method; /* "text" (text layer), "markup", "ocr" */
	double confidence;  /* 0..1; 1 for text layers and markup */
	const char *attrs;  /* JSON object or NULL (e.g. table cells) */
};

struct enclave_page {
	int number;           /* 1-based */
	double width, height; /* points */
	const char *method;   /* "text", "ocr", "none" */
	double confidence;
};

typedef enum {
	ENCLAVE_FORMAT_TEXT = 0,
	ENCLAVE_FORMAT_MARKDOWN,
	ENCLAVE_FORMAT_JSON
} enclave_render_format;

/* Accessors. Borrowed pointers live as long as the document. */
const char *enclave_doc_format(const enclave_doc *doc); /* "pdf", "html", "docx", "eml", ... */
const char *enclave_doc_title(const enclave_doc *doc);  /* may be NULL */
size_t enclave_doc_page_count(const enclave_doc *doc);
const struct enclave_page *enclave_doc_page(const enclave_doc *doc, size_t i);
size_t enclave_doc_block_count(const enclave_doc *doc);
const struct enclave_block *enclave_doc_block(const enclave_doc *doc, size_t i);

/*
 * Child documents: the attachments of an e-mail, the members of an archive,
 * each extracted on its own (recursively, within the limits). A child that
 * could not be extracted has no document and says why.
 */
struct enclave_doc_child {
	const char *name;          /* member path or attachment file name (UTF-8) */
	const char *media_type;    /* sniffed media type; NULL when unknown */
	const enclave_doc *doc;    /* NULL when it failed */
	const char *error;         /* why it failed; NULL when doc is set */
	const unsigned char *data; /* its bytes */
	size_t size;
};
size_t enclave_doc_child_count(const enclave_doc *doc);
const struct enclave_doc_child *enclave_doc_child(const enclave_doc *doc, size_t i);

/* Block kind name ("paragraph") and back; -1 when unknown. */
const char *enclave_block_kind_name(enclave_block_kind kind);
int enclave_block_kind_parse(const char *name);

/*
 * Render `doc` as text, Markdown or JSON into a new NUL-terminated string.
 * The caller owns *out and frees it with free(). Returns 0 or ENCLAVE_E*.
 */
int enclave_doc_render(char **out, size_t *out_len, const enclave_doc *doc,
                       enclave_render_format format);

/* Free a document; NULL does nothing. */
void enclave_doc_free(enclave_doc *doc);

#ifdef __cplusplus
}
#endif
#endif
