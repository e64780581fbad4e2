/*
 * Export internals: the seam between the export core (export.c: the
 * folder, the chain segment, the manifest, the audit event) and the writers
 * (one file per format, e.g. jsonl.c), which write data files into the folder
 * and register each one.
 */
#ifndef ENCLAVE_EXPORT_INT_H
#define ENCLAVE_EXPORT_INT_H

#include <stdio.h>

#include "../ingest/ingest_int.h"
#include "../store/store_int.h"

struct export_file {
	char *name; /* relative to the export folder */
	int64_t size;
	char sha256[65];
	int64_t records; /* data records in it, -1 when not a data file */
};

struct export_ctx {
	enclave_project *project;
	const char *dir; /* the export folder */
	const struct enclave_export_options *opts;
	struct export_file *files;
	size_t nfiles, files_cap;
	size_t documents; /* records written by the writer */
	/* The redaction guard (see export.h): */
	int64_t *unredacted; /* ok documents with no redacted layer, in id order */
	size_t nunredacted;
	size_t redacted_written, unredacted_written; /* records of each kind */
};

/* A writer fills ctx->dir with its files and calls export_file_done for each. */
struct export_writer {
	const char *format;
	int (*write)(struct export_ctx *ctx);
};

/* Open `name` in the export folder for writing (new file, 0644). */
int export_file_open(FILE **out, struct export_ctx *ctx, const char *name);

/*
 * Flush, fsync and close `f`, then hash the file `name` and register it in
 * the manifest with `records` data records (-1 for none). Closes f always.
 */
int export_file_done(struct export_ctx *ctx, FILE *f, const char *name, int64_t records);

/* Hash the finished file `name` and register it in the manifest list. */
int export_file_register(struct export_ctx *ctx, const char *name, int64_t records);

/*
 * The export's options as the manifest and the audit event record them, a
 * new object (NULL when out of memory).
 */
json_t *export_options_json(const struct export_ctx *ctx, const char *format);

/*
 * Write the package around the data files (package.c): audit.jsonl,
 * DATASHEET.md, pubkey (registered), then manifest.json and manifest.sig;
 * the manifest's SHA-256 into `sha`. `options` is borrowed.
 */
int package_write(struct export_ctx *ctx, const char *format, json_t *options, char sha[65]);

/*
 * The record of document `in` as the writers ship it, a new object: the
 * doc_json shape plus id, status, error, source, "text" and "redacted".
 * With a redacted layer, "text" is that layer, each block's text, offset
 * and length are its part of it, "redactions" lists the replacements
 * (label, start, end in code points of the redacted text), and what
 * clean --pii does not scan is withheld: title (null), metadata ({}), and
 * block attrs (table cells). Without one (allowed by the caller), the
 * original. *redacted tells which.
 */
int export_record(json_t **out, struct export_ctx *ctx, const struct enclave_doc_info *in,
                  int *redacted);

/* ---- tarzst.c: a package as read by verify, from a folder or an archive ---- */

struct pkg_member {
	char *path; /* relative, '/'-separated */
	int64_t size;
	char sha256[65];     /* "" when the member could not be hashed */
	const char *problem; /* NULL for a plain file with a safe name, else what is wrong */
};

struct pkg_read {
	struct pkg_member *m; /* sorted by path once read */
	size_t n, cap;
	struct buf manifest, sig, pubkey; /* the content of those files, when have_* */
	int have_manifest, have_sig, have_pubkey;
	FILE *audit; /* audit.jsonl, positioned at its start; NULL when absent */
	char *fatal; /* why the package could not be read to its end, NULL when it was */
};

/* Why `name` is not a safe relative member name, or NULL when it is. */
const char *pkg_name_problem(const char *name);

/*
 * Read the package folder `dir` or the archive `path` into `r` (always
 * release it). Problems of the package (links, unsafe names, damage,
 * limits) go into the members and r->fatal; the return value is 0, or
 * ENCLAVE_E* when the reading could not happen at all (no such package,
 * out of memory, a read error).
 */
int pkg_read_dir(struct pkg_read *r, const char *dir);
int pkg_read_archive(struct pkg_read *r, const char *path);
void pkg_read_release(struct pkg_read *r);

/*
 * Append `v` to `out` as compact JSON, byte for byte what
 * json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER) writes, faster
 * (jsonenc.c). Returns 0, or ENCLAVE_ELIMIT past out->max (out unchanged).
 */
int export_json_encode(struct buf *out, json_t *v);

/* The writers. */
int export_jsonl(struct export_ctx *ctx);

#endif
