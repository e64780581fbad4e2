/*
 * Enclave: export. Writes a dataset package from the project: the data files
 * of the chosen format, audit.jsonl, DATASHEET.md, pubkey, manifest.json
 * listing every file with its size and SHA-256, and manifest.sig, its
 * Ed25519 signature (docs/formats/package.md). The export is recorded in the
 * audit trail with the manifest's hash. A package verifies on its own
 * (enclave_export_verify), as a folder or as a tar.zst archive.
 *
 * Redaction guard: a document ships its `redacted` text layer (written by
 * `enclave clean --pii`), never its original text, unless the caller sets
 * allow_unredacted; without it, an export with any ok document lacking a
 * redacted layer is refused (ENCLAVE_EINVALID, naming how many and
 * which). The override, and the documents it let through, are recorded in
 * the export's audit event and in the manifest. layer "original" ships
 * every document's original text and needs allow_unredacted too.
 *
 * Selection, splits and the formats' options are described in
 * docs/cli/export.md; the writers stream the documents in id order.
 */
#ifndef ENCLAVE_EXPORT_H
#define ENCLAVE_EXPORT_H

#include "common.h"
#include "project.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ENCLAVE_EXPORT_OPTIONS_VERSION 4
struct enclave_export_options {
	unsigned version;
	const char *format;   /* one of enclave_export_formats(); "jsonl" */
	int include_failed;   /* also export failed documents (text empty) */
	int allow_unredacted; /* allow PII: ship original text (layer "original", or
	                         documents with no redacted layer); audited */
	/* Selection (version 3; NULL or 0 for the defaults): */
	const char *layer;       /* "redacted" (default) or "original" (needs allow_unredacted) */
	const char *annotations; /* "accepted" (default), "submitted" (and accepted), "all" */
	const char *lang;        /* only documents of this language */
	const char *status;      /* only documents of this status ("ok", "failed") */
	const char *label;       /* only documents with an annotation of this label */
	const char *unit;        /* jsonl and csv: "documents" (default) or "blocks" */
	/* Splits: parts in percent (2 or 3 non-zero: train, validation, test). */
	unsigned split[3];
	unsigned long long seed;
	const char *stratify; /* "class": stratify the splits by class label */
	/* chunks: */
	const char *chunk_by; /* "tokens" (default), "words", "sentences", "sections" */
	unsigned chunk_size;  /* units a chunk (0: 256 tokens/words, 5 sentences, 1 section) */
	unsigned chunk_overlap;
	/* chat: */
	const char *system_prompt; /* the system message; NULL: none */
	const char *chat_template; /* the user message of a document, "{text}" replaced */
	/* coco, yolo: */
	unsigned dpi; /* page images' resolution (0: 100) */
	/* Version 4: */
	int split_project; /* the project's stored split (enclave split; split.h), not split[] */
	/*
	 * Generated records (augment.h) instead of documents: NULL for documents;
	 * "all" (or "") for every kind the format takes, or "qa,instruct".
	 * Formats: jsonl, csv (every kind), chat and instruct (qa, instruct),
	 * spacy, hf-ner and conll (entity-swap, eda, synthetic-pii, paraphrase).
	 */
	const char *records;
	const char *record_status; /* "accepted" (default), "proposed", "rejected", "all" */
	unsigned ngram;            /* the contamination guard's n-gram length in words (0: 8) */
	int include_contaminated;  /* keep records overlapping the test split in train and
	                              validation (audited); default: left out */
};
#define ENCLAVE_EXPORT_OPTIONS_INIT                                                                \
	{                                                                                          \
		ENCLAVE_EXPORT_OPTIONS_VERSION, "jsonl", 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, \
		    { 0, 0, 0 }, 0, NULL, NULL, 0, 0, NULL, NULL, 0, 0, NULL, NULL, 0, 0           \
	}

struct enclave_export_summary {
	size_t documents;        /* records written */
	size_t redacted;         /* of which with their redacted text */
	size_t unredacted;       /* of which with their original text (allow_unredacted) */
	size_t files;            /* files listed in the manifest */
	size_t split_records[3]; /* records written to each split (all in [0] without splits) */
	size_t ner_dropped;      /* entity annotations dropped for overlapping a redaction */
	char manifest_sha256[65];
	/* Generated records (options.records): */
	size_t contaminated;      /* records sharing n-grams with the test split */
	size_t contaminated_kept; /* of which exported anyway (include_contaminated) */
	int split_project;        /* the split was the project's stored one */
	int nsplits;              /* parts of the split: 0 (none), 2 or 3 */
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

/*
 * Pack the export folder `dir` into one tar.zst file `archive_path` (which
 * must not exist): the regular files of the folder, sorted by path, with
 * mode 0644, mtime 0, owner 0:0 and no owner names, so that the same folder
 * gives the same archive byte for byte. A symbolic link or any other
 * non-regular file in the folder is refused (ENCLAVE_EINVALID).
 * Returns 0 or ENCLAVE_E*.
 */
int enclave_export_archive(const char *dir, const char *archive_path);

/* One check of a package verification, as the report prints it. */
struct enclave_verify_check {
	const char *check; /* "archive", "manifest", "signature", "file", "missing", "extra",
	                      "audit" */
	char *subject;     /* the file it is about, "" when none */
	int ok;
	char *message; /* what was checked, or what is wrong */
};

struct enclave_verify_report {
	int ok;          /* every check passed */
	int origin;      /* the signature was checked against a key the caller gave */
	char key_id[17]; /* first 16 hex digits of the key the signature was checked against */
	size_t files;    /* files the manifest lists */
	size_t problems; /* checks that failed */
	struct enclave_verify_check *checks;
	size_t nchecks;
};

/*
 * Verify the export package `package`: a folder, or a .tar.zst made by
 * enclave_export_archive (read through libarchive, nothing written but a
 * temporary copy of audit.jsonl). Checks manifest.json, its signature
 * (manifest.sig) against `pubkey_hex` (64 hex digits) when given, else
 * against the package's own pubkey (integrity only: report->origin is 0),
 * every listed file's size and SHA-256, missing and extra files, and the
 * audit chain in audit.jsonl (hashes, links, the checkpoint signed by the
 * same key, its head equal to the manifest's audit_head). Needs no project.
 * Returns 0 when the verification ran (read report->ok; release the report
 * with enclave_export_verify_release), or ENCLAVE_E* when it could not run
 * (the package cannot be opened, out of memory).
 */
int enclave_export_verify(struct enclave_verify_report *report, const char *package,
                          const char *pubkey_hex);

/* Free what a report holds (it may be zeroed or released already). */
void enclave_export_verify_release(struct enclave_verify_report *report);

#ifdef __cplusplus
}
#endif
#endif
