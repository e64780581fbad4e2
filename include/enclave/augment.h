/*
 * Enclave: the augment stage's generated records, and the deterministic
 * augmenters that need no model (entity-swap, synthetic-pii, eda).
 *
 * A record is one generated item (an entity-swapped document, a synthetic
 * document with planted PII, an EDA variant; later QA pairs, instructions,
 * paraphrases, summaries from an LLM): its kind, the document (and chunk)
 * it came from with the hash of that source text, the text, a JSON payload
 * (spans with code point offsets, Q&A fields...), the lineage JSON (what
 * made it: generator, version, seed, parameters, template hash; endpoint,
 * model and digest when an LLM made it) and a review status that starts as
 * proposed. docs/formats.md describes the payload and the lineage.
 *
 * Every record has a unique key (enclave_record_key: the hash of kind,
 * source, canonical parameters and index), so a rerun of the same work
 * inserts nothing twice: enclave_records_insert skips the keys it has, and
 * a generator asks enclave_record_exists before spending work on an item.
 * Inserts are audited (augment.records, one event per call, in the same
 * transaction), so a crash loses only the uncommitted call.
 *
 * The LLM tasks (include/enclave/llm.h) reuse this record API.
 */
#ifndef ENCLAVE_AUGMENT_H
#define ENCLAVE_AUGMENT_H

#include "common.h"
#include "project.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ records */

/* A record to insert. Strings are borrowed. */
struct enclave_record_new {
	const char *kind;          /* "entity-swap", "qa", ...: [a-z0-9-], 1 to 32 bytes */
	const char *key;           /* 64 hex digits (enclave_record_key) */
	int64_t document_id;       /* 0: none (synthetic records) */
	int64_t chunk;             /* block seq or chunk index; -1: the whole document */
	const char *source_sha256; /* of the source text; NULL: none */
	const char *text;          /* the generated text, UTF-8 */
	const char *payload;       /* a JSON object; NULL: {} */
	const char *lineage;       /* a JSON object; NULL: {} */
};

/* A stored record, borrowed for the callback's duration. */
struct enclave_record {
	int64_t id;
	const char *kind;
	const char *key;
	int64_t document_id;       /* 0: none */
	int64_t chunk;             /* -1: the whole document */
	const char *source_sha256; /* "" when none */
	const char *text;
	const char *text_sha256;
	const char *payload; /* JSON object */
	const char *lineage; /* JSON object */
	const char *status;  /* "proposed", "accepted" or "rejected" */
	const char *created_at;
};

typedef int (*enclave_record_cb)(const struct enclave_record *record, void *payload);

/*
 * The idempotence key of an item: hex SHA-256 of "enclave-record/1", kind,
 * source (a hash or id, "" for none), params (canonical JSON of what
 * changes the output) and index, each followed by a NUL byte.
 */
void enclave_record_key(char out[65], const char *kind, const char *source, const char *params,
                        int64_t index);

/* Is there a record with `key`? *exists 0 or 1. */
int enclave_record_exists(enclave_project *project, const char *key, int *exists);

/*
 * Insert the records `v[0..n)` whose keys are not there yet, in one
 * transaction with one audit event "augment.records" (params kind and
 * count, outputs [{id, key, text_sha256}]) when any was inserted. *inserted
 * (may be NULL) receives how many were. ENCLAVE_EINVALID for a malformed
 * kind, key, text or JSON (nothing inserted).
 */
int enclave_records_insert(enclave_project *project, const struct enclave_record_new *v, size_t n,
                           size_t *inserted);

/* What enclave_records_list walks; NULL or 0 fields mean "any". */
struct enclave_records_filter {
	const char *kind;
	const char *status;
	int64_t document_id;
	int64_t after_id; /* ids greater than this */
	int64_t limit;    /* 0: no limit */
};

/* Call `cb` for each matching record in id order; a non-zero return stops and is returned. */
int enclave_records_list(enclave_project *project, const struct enclave_records_filter *filter,
                         enclave_record_cb cb, void *payload);

/* The number of matching records (after_id and limit ignored). */
int enclave_records_count(enclave_project *project, const struct enclave_records_filter *filter,
                          int64_t *out);

/*
 * Review: set record `id`'s status ("proposed", "accepted", "rejected"),
 * audited as augment.record.status. ENCLAVE_ENOTFOUND when there is none.
 */
int enclave_record_set_status(enclave_project *project, int64_t id, const char *status);

/* ------------------------------------------------------------ the deterministic augmenters */

enum enclave_augment_task {
	ENCLAVE_AUGMENT_ENTITY_SWAP,
	ENCLAVE_AUGMENT_SYNTHETIC_PII,
	ENCLAVE_AUGMENT_EDA
};

/* "entity-swap", "synthetic-pii", "eda" -> the task, or -1. */
int enclave_augment_task_parse(const char *name);
const char *enclave_augment_task_name(int task);

/* Where entity-swap and eda find the spans of a document. */
enum enclave_augment_spans {
	ENCLAVE_AUGMENT_SPANS_AUTO,        /* accepted NER annotations, else PII spans */
	ENCLAVE_AUGMENT_SPANS_ANNOTATIONS, /* accepted NER annotations only */
	ENCLAVE_AUGMENT_SPANS_PII          /* PII spans only (not rejected ones) */
};

struct enclave_augment_options {
	unsigned version;
	int task;          /* enum enclave_augment_task */
	int64_t n;         /* variants per document (synthetic-pii: documents) */
	uint64_t seed;     /* everything random derives from it */
	int spans;         /* enum enclave_augment_spans */
	int accepted_only; /* PII spans: accepted ones only (else not rejected) */
	double alpha_sr, alpha_ri, alpha_rs, alpha_rd; /* eda: the EDA paper's alphas */
	const char *wordnet_dir;                       /* eda: NULL means /usr/share/wordnet */
};

#define ENCLAVE_AUGMENT_OPTIONS_VERSION 1
#define ENCLAVE_AUGMENT_OPTIONS_INIT                                                \
	{                                                                           \
		ENCLAVE_AUGMENT_OPTIONS_VERSION, ENCLAVE_AUGMENT_ENTITY_SWAP, 1, 1, \
		    ENCLAVE_AUGMENT_SPANS_AUTO, 0, 0.1, 0.1, 0.1, 0.1, NULL         \
	}

struct enclave_augment_summary {
	int64_t documents;      /* source documents read (synthetic-pii: 0) */
	int64_t made;           /* records inserted (or written) */
	int64_t skipped;        /* items already done in an earlier run */
	int64_t no_spans;       /* entity-swap: documents without any span, left alone */
	char output_sha256[65]; /* hash over the keys and text hashes of this run's items */
};

/*
 * Run a deterministic task over the project: records of kind `task name`,
 * status proposed, committed in groups (a kill loses only the group in
 * flight; a rerun skips what is there), then one augment.run event with the
 * task, the options, the counts and the output hash.
 */
int enclave_augment_run(enclave_project *project, const struct enclave_augment_options *opts,
                        struct enclave_augment_summary *summary);

/*
 * synthetic-pii without a project: write opts->n documents as JSON Lines
 * to `path` (atomically: a temporary file renamed), one
 * {"id","domain","text","spans":[{"start","end","label"}],"lineage"} a line.
 */
int enclave_augment_synth_write(const char *path, const struct enclave_augment_options *opts,
                                struct enclave_augment_summary *summary);

/* ------------------------------------------------------------ the LLM tasks */

/*
 * The tasks that ask an LLM endpoint (include/enclave/llm.h): "qa",
 * "instruct", "paraphrase", "summary", "suggest-labels", "judge". Records
 * of kind = the task; payload and lineage per docs/formats.md. 1 when
 * `name` is one of them.
 */
int enclave_augment_llm_task(const char *name);

struct enclave_augment_llm_summary;

/* Called after each group of items (from the calling thread). */
typedef void (*enclave_augment_progress_cb)(const struct enclave_augment_llm_summary *s,
                                            void *payload);

struct enclave_augment_llm_options {
	unsigned version;
	const char *task;          /* one of the LLM tasks */
	const char *llm;           /* the endpoint's name under llm: in enclave.yaml */
	int64_t n;                 /* items a source (variants), 1 to ENCLAVE_MAX_AUGMENT_ITEMS */
	uint64_t seed;             /* sent to the model (seed + variant) and in the keys */
	int in_flight;             /* requests at once; 0: the endpoint's concurrency */
	const char *template_spec; /* NULL: templates/<task>.md; a name or a path */
	double temperature;        /* < 0: the task's default (0.7; judge 0) */
	int max_tokens;            /* 0: 1024 */
	const char *chunk_by;      /* as export's chunks; NULL: tokens (paraphrase: sentences) */
	unsigned chunk_size;       /* 0: export's default (paraphrase: 1 sentence) */
	unsigned chunk_overlap;
	int64_t limit;      /* sources (chunks, documents, records) at most; 0: all */
	int allow_pii;      /* send PII: the original layer, or documents not redacted; audited */
	const char *layer;  /* "redacted" (default) or "original" (needs allow_pii) */
	int attempts;       /* calls an item may take, retries included (1 to 10; 0: 3) */
	double min_support; /* qa: the answer's support by the evidence (< 0: 0.5) */
	int min_score;      /* judge: set records scoring below it to rejected (0: none) */
	const char *judge_kind; /* judge: records of this kind (NULL: every kind but judge) */
	enclave_augment_progress_cb progress;
	void *payload;
	int max_unreachable; /* stop after this many calls in a row cannot reach the
	                        endpoint (0: 8; < 0: never) */
};

#define ENCLAVE_AUGMENT_LLM_OPTIONS_VERSION 1
#define ENCLAVE_AUGMENT_LLM_OPTIONS_INIT                                                          \
	{                                                                                         \
		ENCLAVE_AUGMENT_LLM_OPTIONS_VERSION, NULL, NULL, 1, 1, 0, NULL, -1.0, 0, NULL, 0, \
		    0, 0, 0, NULL, 0, -1.0, 0, NULL, NULL, NULL, 0                                \
	}

struct enclave_augment_llm_summary {
	int64_t sources_total; /* documents (judge: records) the run goes through */
	int64_t sources_done;
	int64_t chunks;          /* source items read (chunks, documents or records) */
	int64_t excluded;        /* sources refused: in the test split, or without a split */
	int64_t unsplit;         /* of which documents the project split has not assigned yet */
	int split_guard;         /* 1: the project split kept its test split out; 0: no split */
	int64_t items;           /* items asked for: chunks x n */
	int64_t made;            /* records inserted */
	int64_t skipped;         /* items done in an earlier run */
	int64_t rejected;        /* replies that failed the checks on every attempt */
	int64_t retries;         /* calls made again after a failed check or invalid JSON */
	int64_t errors;          /* items whose request failed (HTTP, timeout, refused) */
	int64_t judged_rejected; /* judge: records set to rejected by min_score */
	int64_t prompt_tokens, completion_tokens; /* as the endpoint reported them */
	double seconds;                           /* wall time of the run so far */
	char model_digest[80];                    /* "" when the endpoint reports none */
	char template_sha256[65];
	char first_failure[256]; /* why the first rejected or failed item was, "" when none */
	int64_t not_sent;        /* items not sent once the breaker tripped */
	char stopped[512];       /* why the run stopped early (the breaker), "" when it did not */
};

/*
 * Run LLM task o->task against endpoint o->llm: check the endpoint serves
 * the model (an error naming the endpoint when not, or unreachable), then
 * for each source (chunks of the ok documents; suggest-labels: documents;
 * judge: records) and variant not done yet, a structured request, its
 * reply checked, records committed in groups (a kill loses at most the
 * group in flight; a rerun skips what is there), one augment.run event at
 * the end. Failed items are counted and do not stop the run, except when
 * o->max_unreachable calls in a row could not reach the endpoint: then the
 * run stops (summary->stopped), keeps what it made, writes its
 * augment.run event with the reason, and returns ENCLAVE_EIO naming the
 * endpoint.
 */
int enclave_augment_llm_run(enclave_project *project, const struct enclave_augment_llm_options *o,
                            struct enclave_augment_llm_summary *summary);

/*
 * Write the built-in prompt template of each LLM task that is missing as
 * DIR/templates/<task>.md (enclave init; a task run writes its own on
 * first use too).
 */
int enclave_augment_templates_init(const char *dir);

#ifdef __cplusplus
}
#endif
#endif
