/*
 * Enclave: export. Writes a dataset folder from the project: the data files
 * of the chosen format and manifest.json listing every file with its size and
 * SHA-256. The export is recorded in the audit trail with the manifest's hash.
 *
 * Redaction guard: a document ships its `redacted` text layer (written by
 * `enclave clean --pii`), never its original text, unless the caller sets
 * allow_unredacted; without it, an export with any ok document lacking a
 * redacted layer is refused (ENCLAVE_EINVALID, naming how many and
 * which). The override, and the documents it let through, are recorded in
 * the export's audit event and in the manifest.
 */
#ifndef ENCLAVE_EXPORT_H
#define ENCLAVE_EXPORT_H

#include "common.h"
#include "project.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ENCLAVE_EXPORT_OPTIONS_VERSION 2
struct enclave_export_options {
	unsigned version;
	const char *format;   /* "jsonl" */
	int include_failed;   /* also export failed documents (text empty) */
	int allow_unredacted; /* ship the original text of documents with no redacted layer */
};
#define ENCLAVE_EXPORT_OPTIONS_INIT                           \
	{                                                     \
		ENCLAVE_EXPORT_OPTIONS_VERSION, "jsonl", 0, 0 \
	}

struct enclave_export_summary {
	size_t documents;  /* records written */
	size_t redacted;   /* of which with their redacted text */
	size_t unredacted; /* of which with their original text (allow_unredacted) */
	size_t files;      /* files listed in the manifest */
	char manifest_sha256[65];
};

/* The formats this build can write, NULL-terminated. */
const char *const *enclave_export_formats(void);

/*
 * Export to `out_dir` (created; it must be missing or empty).
 * Returns 0 or ENCLAVE_E*.
 */
int enclave_export(enclave_project *project, const char *out_dir,
                   const struct enclave_export_options *opts,
                   struct enclave_export_summary *summary);

#ifdef __cplusplus
}
#endif
#endif
