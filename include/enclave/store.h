/*
 * Enclave: reading documents back from a project's store.
 */
#ifndef ENCLAVE_STORE_H
#define ENCLAVE_STORE_H

#include "common.h"
#include "doc.h"
#include "project.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One document as the store lists it. Borrowed for the callback's duration. */
struct enclave_doc_info {
	int64_t id;
	int64_t parent_id;      /* 0 when none */
	const char *path;       /* the path it was ingested from */
	const char *sha256;     /* of the source bytes; NULL if unreadable */
	int64_t size;           /* source size in bytes, -1 if unknown */
	const char *media_type; /* as sniffed from content */
	const char *format;     /* "pdf", "html", ...; NULL when failed early */
	const char *title;
	const char *status; /* "ok" or "failed" */
	const char *error;  /* NULL when ok */
	int pages;
	int blocks;
	const char *text_sha256; /* of the document text */
	const char *created_at;  /* UTC, ISO 8601 */
	const char *metadata;    /* JSON object */
	const char *language;    /* ISO 639-1 (else 639-3) code, "und"; NULL when not identified */
	const char *language_source; /* "metadata" or "langid"; NULL with no language */
};

typedef int (*enclave_doc_info_cb)(const struct enclave_doc_info *info, void *payload);

/*
 * Call `cb` for each document in id order. A non-zero return from `cb` stops
 * the walk and is returned. Returns 0 or ENCLAVE_E*.
 */
int enclave_store_list(enclave_project *project, enclave_doc_info_cb cb, void *payload);

/* Call `cb` once for document `id`; ENCLAVE_ENOTFOUND if there is none. */
int enclave_store_info(enclave_project *project, int64_t id, enclave_doc_info_cb cb, void *payload);

/* Load document `id` with its pages and blocks. The caller frees *out. */
int enclave_store_load(enclave_doc **out, enclave_project *project, int64_t id);

#ifdef __cplusplus
}
#endif
#endif
