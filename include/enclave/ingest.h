/*
 * Enclave: ingest. Extract one file into a document (no project needed), or
 * ingest files and folders into a project, one transaction per file, each
 * with its audit event. A file that cannot be read or parsed becomes a failed
 * document with the reason; the batch goes on.
 */
#ifndef ENCLAVE_INGEST_H
#define ENCLAVE_INGEST_H

#include "common.h"
#include "doc.h"
#include "project.h"

#ifdef __cplusplus
extern "C" {
#endif

/* When pages are read by OCR. */
typedef enum {
	ENCLAVE_OCR_AUTO = 0, /* images, and PDF pages with no usable text layer */
	ENCLAVE_OCR_ALWAYS,   /* every PDF page too, whatever its text layer */
	ENCLAVE_OCR_NEVER     /* never: images fail, scanned pages stay empty */
} enclave_ocr_mode;

#define ENCLAVE_EXTRACT_OPTIONS_VERSION 1
struct enclave_extract_options {
	unsigned version;
	const char *password; /* for encrypted PDFs; NULL for none */
	enclave_ocr_mode ocr;
	const char *lang; /* Tesseract languages, "eng" or "eng+deu"; NULL: "eng" */
	int dpi;          /* resolution PDF pages are rendered at for OCR; 0: 300 */
	double timeout;   /* seconds one file may take, children included; 0: the default */
	int jobs;         /* threads reading one PDF's pages by OCR; 0 or 1: the calling one */
};
#define ENCLAVE_EXTRACT_OPTIONS_INIT                                                   \
	{                                                                              \
		ENCLAVE_EXTRACT_OPTIONS_VERSION, NULL, ENCLAVE_OCR_AUTO, NULL, 0, 0, 0 \
	}

/* "auto", "always", "never" and back; -1 when unknown. */
const char *enclave_ocr_mode_name(enclave_ocr_mode mode);
int enclave_ocr_mode_parse(const char *name);

/*
 * Extract the file at `path`, its type sniffed from its content.
 * On failure the message names the file and the reason.
 */
int enclave_extract_file(enclave_doc **out, const char *path,
                         const struct enclave_extract_options *opts);

/* The same for bytes in memory; `name` is used in messages only. */
int enclave_extract_buffer(enclave_doc **out, const void *data, size_t len, const char *name,
                           const struct enclave_extract_options *opts);

/* What happened to one file of an ingest. */
typedef enum {
	ENCLAVE_INGEST_OK = 0,   /* a new document */
	ENCLAVE_INGEST_FAILED,   /* recorded as a failed document */
	ENCLAVE_INGEST_DUPLICATE /* same bytes already in the project */
} enclave_ingest_status;

struct enclave_ingest_item {
	const char *path;
	enclave_ingest_status status;
	int64_t document_id; /* new, failed or existing document */
	const char *error;   /* set when failed */
	size_t done, total;  /* progress: files handled so far, files found */
};

typedef void (*enclave_ingest_cb)(const struct enclave_ingest_item *item, void *payload);

#define ENCLAVE_INGEST_OPTIONS_VERSION 1
struct enclave_ingest_options {
	unsigned version;
	struct enclave_extract_options extract;
	int jobs; /* extraction threads; 0: one per core */
};
#define ENCLAVE_INGEST_OPTIONS_INIT                                             \
	{                                                                       \
		ENCLAVE_INGEST_OPTIONS_VERSION, ENCLAVE_EXTRACT_OPTIONS_INIT, 0 \
	}

struct enclave_ingest_summary {
	size_t files, ok, failed, duplicates;
	size_t children, children_failed; /* attachments and archive members, all levels */
};

/*
 * Ingest `paths` (files, or folders walked recursively, in name order).
 * `cb` (may be NULL) is called once per file, in order. Returns 0 when the
 * batch ran (read the summary for failures), or ENCLAVE_E* when it could not
 * (the store failed); files committed before the error stay committed.
 */
int enclave_ingest(enclave_project *project, const char *const *paths, size_t npaths,
                   const struct enclave_ingest_options *opts,
                   struct enclave_ingest_summary *summary, enclave_ingest_cb cb, void *payload);

#ifdef __cplusplus
}
#endif
#endif
