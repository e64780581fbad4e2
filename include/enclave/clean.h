/*
 * Enclave: the project-wide clean stage. Today: PII. `enclave_clean` with
 * `pii` set scans every ok document of the project, stores its spans (code
 * points into the document text, each with its boxes on the pages), and,
 * with an operator policy, writes a `redacted` text layer beside the
 * original, which stays. Export ships the redacted layer (see export.h).
 *
 * A rerun replaces each document's machine proposals but keeps spans from
 * users and spans someone reviewed (accepted or rejected); rejected spans
 * are never redacted, accepted and proposed ones are.
 *
 * The project config (enclave.yaml, `pii:` section) gives the defaults:
 * preset, entities, minimum score and the operator per label.
 */
#ifndef ENCLAVE_CLEAN_H
#define ENCLAVE_CLEAN_H

#include "common.h"
#include "pii.h"
#include "project.h"
#include "redact.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the project config ---- */

struct enclave_clean_config {
	char preset[16];             /* "all", "hipaa", "gdpr", "pci" (enclave_pii_preset) */
	enclave_pii_labels entities; /* when has_entities: the labels scanned instead */
	int has_entities;
	double min_score; /* spans scored under it are not kept */
	char *redact;     /* policy "PERSON=pseudonym,*=tag" (owned), or NULL: none */
	int has_redact;   /* the file has a redact mapping */
	int ner;          /* run the name tagger (default 1) */
	int clinical;     /* the clinical recogniser: 1, 0, or -1 for "with the hipaa preset" */
};

/*
 * The built-in defaults (those `enclave init` writes): preset all, min 0.4,
 * no redact, the tagger on, the clinical recogniser with the hipaa preset.
 */
void enclave_clean_config_defaults(struct enclave_clean_config *config);

/*
 * Parse config text; `name` (the file) starts error messages, which name the
 * line: "enclave.yaml:7: unknown label 'EMIAL'". Returns 0, ENCLAVE_EINVALID
 * or ENCLAVE_ELIMIT; release `out` with enclave_clean_config_release either way.
 */
int enclave_clean_config_parse(struct enclave_clean_config *out, const char *text, size_t len,
                               const char *name);

/* Read the project's enclave.yaml (a project without one has the defaults). */
int enclave_clean_config_load(struct enclave_clean_config *out, const enclave_project *project);

/* Free what `config` owns; it can be parsed into again. */
void enclave_clean_config_release(struct enclave_clean_config *config);

/* ---- the run ---- */

#define ENCLAVE_CLEAN_OPTIONS_VERSION 1
struct enclave_clean_options {
	unsigned version;
	int pii;              /* scan for PII: the one step so far, so it must be set */
	const char *preset;   /* NULL: the config's */
	const char *entities; /* labels joined by ',' instead of the preset's; NULL: the config's */
	double min_score;     /* < 0: the config's */
	const char *operators; /* policy: "tag", "PERSON=pseudonym,*=tag"; NULL: config's */
	int jobs;              /* threads; 0: one per core */
	int ner;               /* the name tagger: 1, 0, or -1 for the config's */
	int clinical;          /* the clinical recogniser: 1, 0, or -1 for the config's */
};
#define ENCLAVE_CLEAN_OPTIONS_INIT                                                  \
	{                                                                           \
		ENCLAVE_CLEAN_OPTIONS_VERSION, 0, NULL, NULL, -1.0, NULL, 0, -1, -1 \
	}

/* ---- languages (clean --lang) ---- */

struct enclave_clean_lang_summary {
	size_t documents;    /* ok documents that had no language */
	size_t metadata;     /* of which given their format's metadata language */
	size_t identified;   /* identified from their text */
	size_t undetermined; /* set to "und": too short or ambiguous */
};

/*
 * Fill the language of every ok document of `project` that has none: the
 * language its format's metadata named, else the one identified from its
 * text (libexttextcat, fingerprints from $ENCLAVE_LANGID_DATA or
 * /usr/share/libexttextcat), ISO 639-1 where one exists, else 639-3, "und"
 * when unknown. One clean.lang.document audit event per document and a
 * clean.lang.run event with the data files' SHA-256. Returns 0,
 * ENCLAVE_ENOTFOUND naming a missing data file, or another ENCLAVE_E*.
 */
int enclave_clean_lang(enclave_project *project, struct enclave_clean_lang_summary *summary);

/* One document of a run, reported once its result is committed. */
struct enclave_clean_item {
	int64_t document_id;
	const char *path;
	int failed;         /* it could not be scanned (recorded, the run goes on) */
	const char *error;  /* why, when failed */
	size_t spans;       /* spans kept for it (machine, user and reviewed) */
	int redacted;       /* a redacted layer was written */
	size_t done, total; /* progress */
};

typedef void (*enclave_clean_cb)(const struct enclave_clean_item *item, void *payload);

struct enclave_clean_summary {
	size_t documents; /* ok documents of the project */
	size_t scanned;   /* of which scanned */
	size_t failed;    /* of which could not be scanned */
	size_t redacted;  /* documents given a redacted layer */
	size_t spans;     /* machine spans found (after min_score) */
	size_t per_label[ENCLAVE_PII_LABEL_COUNT];
};

/*
 * Run the clean stage over every ok document of `project`, on opts->jobs
 * threads, committing documents in groups with their audit events
 * (`clean.pii.document` per document, `clean.pii.failed` for one that could
 * not be scanned, `clean.pii.run` at the end). Returns 0 (some documents may
 * have failed: see summary->failed), ENCLAVE_EINVALID for bad options (an
 * unknown preset, label or operator), or another ENCLAVE_E* when the store
 * failed; what was committed before stays.
 */
int enclave_clean(enclave_project *project, const struct enclave_clean_options *opts,
                  struct enclave_clean_summary *summary, enclave_clean_cb cb, void *payload);

/* ---- reading spans back ---- */

/* One stored span. Borrowed for the callback's duration. */
struct enclave_span_info {
	int64_t id;
	size_t start, end;  /* code points into the document text, end exclusive */
	const char *text;   /* the span's text, from the original layer */
	const char *label;  /* "EMAIL_ADDRESS" */
	const char *source; /* "rule:EMAIL", "model:ner", "user:NAME" */
	double score;
	const char *status;         /* "proposed", "accepted", "rejected" */
	const char *boxes;          /* JSON array of {"page":N,"bbox":[x0,y0,x1,y1]} (points) */
	int64_t out_start, out_end; /* its replacement in the redacted layer; -1: none */
};

typedef int (*enclave_span_info_cb)(const struct enclave_span_info *span, void *payload);

/*
 * Call `cb` for each span of document `id`, in order of start. A non-zero
 * return from `cb` stops and is returned. ENCLAVE_ENOTFOUND: no document.
 */
int enclave_clean_spans(enclave_project *project, int64_t id, enclave_span_info_cb cb,
                        void *payload);

/* ---- redact and reveal of text outside the store, audited ---- */

/*
 * A redactor for `policy` keyed with the project's PII secret, so that its
 * hashes and pseudonyms are those `clean --pii` writes. Returns 0 or the
 * error; free with enclave_redactor_free.
 */
int enclave_project_redactor(enclave_project *project, const struct enclave_redact_policy *policy,
                             enclave_redactor **out);

/*
 * Record a redaction made with enclave_project_redactor (event
 * "pii.redact"): `name` of the input, the policy spec, the recogniser set
 * and the tagger's model hash (or NULL), the hashes of the text in and
 * out, and the spans per label. Returns 0 or the error.
 */
int enclave_project_record_redact(enclave_project *project, const char *name, const char *policy,
                                  const char *recognizers, const char *ner_sha256, const char *in,
                                  size_t in_len, const char *out, size_t out_len,
                                  const size_t per_label[ENCLAVE_PII_LABEL_COUNT]);

/*
 * enclave_reveal with the project's secret, recorded: "pii.reveal" (the
 * text's hash, the number of tokens opened) or, when a token does not
 * open, "pii.reveal.failed" with the reason. Nothing is returned unless the
 * event is committed. Returns 0 or the error (ETAMPER for a changed token
 * or another key).
 */
int enclave_project_reveal(enclave_project *project, char **out, size_t *out_len, size_t *ntokens,
                           const char *text, size_t len, const char *name);

#ifdef __cplusplus
}
#endif
#endif
