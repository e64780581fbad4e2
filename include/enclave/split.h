/*
 * Enclave: the project split, persisted. `enclave split 80,10,10 --seed N`
 * assigns every document of the project to "train", "validation" or "test"
 * and stores the assignment (schema version 5, table splits), so that every
 * later export (`--split project`) and the augment stage see the same
 * split.
 *
 * The algorithm is the export's (src/lib/export/split.c): a group is a root
 * document and all its descendants (attachments, archive members), which
 * follow their root; the roots of a stratum (all, or those of one first
 * accepted class label with stratify "class") take the slots of a pattern
 * of the parts' proportions, shuffled for each round by (seed, stratum,
 * round). A project split of a store thus equals the export-time split
 * of the same spec over the same documents.
 *
 * Stability: a rerun with the same spec assigns only the documents that have
 * no split yet (ingested since), continuing each stratum's pattern, and never
 * moves an assigned document; a different spec is refused unless `reassign`
 * is set, which redoes the whole assignment. Each run is audited (split.set:
 * the spec, the counts, the SHA-256 of the whole assignment).
 *
 * The contamination guard: enclave_split_contamination checks generated
 * records (include/enclave/augment.h) against the test split's text by
 * hashed word n-grams (docs/cli/split.md).
 */
#ifndef ENCLAVE_SPLIT_H
#define ENCLAVE_SPLIT_H

#include "common.h"
#include "project.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ENCLAVE_SPLIT_OPTIONS_VERSION 1
struct enclave_split_options {
	unsigned version;
	unsigned parts[3]; /* percent: train, validation, test (2 or 3 non-zero, sum 100) */
	unsigned long long seed;
	const char *stratify; /* NULL, or "class": by the root's first accepted class label */
	int reassign;         /* redo the whole assignment (a changed spec needs it) */
};
#define ENCLAVE_SPLIT_OPTIONS_INIT                                     \
	{                                                              \
		ENCLAVE_SPLIT_OPTIONS_VERSION, { 0, 0, 0 }, 0, NULL, 0 \
	}

/* The project's split as stored (enclave_split_assign fills it too). */
struct enclave_split_summary {
	int have;          /* the project has a split */
	unsigned parts[3]; /* the spec */
	unsigned long long seed;
	char stratify[16];  /* "" or "class" */
	int64_t counts[3];  /* documents in train, validation, test */
	int64_t assigned;   /* documents assigned by this run (assign only) */
	int64_t unassigned; /* documents of the project without a split */
	char sha256[65];    /* of the assignment: "<id> <split>\n" by id */
};

/*
 * Assign the project's documents (see above). ENCLAVE_EINVALID for a bad
 * spec, or a spec other than the stored one without reassign. `summary` may
 * be NULL. Returns 0 or ENCLAVE_E*.
 */
int enclave_split_assign(enclave_project *project, const struct enclave_split_options *opts,
                         struct enclave_split_summary *summary);

/* The stored split's spec and counts (summary->have 0 when none). */
int enclave_split_show(enclave_project *project, struct enclave_split_summary *summary);

/*
 * The split of document `document_id`: *name "train", "validation" or
 * "test" (static strings), or NULL when the project has no split or the
 * document has none yet (ingested after the last `enclave split`; a
 * descendant of an assigned root gets its root's). Returns 0 or ENCLAVE_E*.
 */
int enclave_split_of(enclave_project *project, int64_t document_id, const char **name);

/* ------------------------------------------------------------ contamination */

#define ENCLAVE_CONTAMINATION_OPTIONS_VERSION 1
struct enclave_contamination_options {
	unsigned version;
	unsigned n;         /* words an n-gram (0: 8) */
	const char *kinds;  /* comma-separated record kinds; NULL: all */
	const char *status; /* record status: "accepted", "proposed", "rejected"; NULL: any */
	int original_layer; /* index the test documents' original text too (always the
	                        redacted layer when there is one, else the original) */
};
#define ENCLAVE_CONTAMINATION_OPTIONS_INIT                              \
	{                                                               \
		ENCLAVE_CONTAMINATION_OPTIONS_VERSION, 0, NULL, NULL, 1 \
	}

struct enclave_contamination_summary {
	int64_t test_documents; /* documents of the test split indexed */
	int64_t test_bytes;     /* their text, bytes */
	int64_t ngrams;         /* distinct n-gram hashes in the index */
	int64_t records;        /* records checked */
	int64_t record_bytes;   /* their checked text, bytes */
	int64_t flagged;        /* records sharing at least one n-gram */
	double seconds;         /* wall time of the check */
};

/* A flagged record: its id, kind, source document (0: none), shared n-grams. */
typedef int (*enclave_contamination_cb)(int64_t record_id, const char *kind, int64_t document_id,
                                        int64_t shared, void *payload);

/*
 * Check the records against the project split's test documents: a record is
 * flagged when its text (for qa also the question and the answer, for
 * instruct the instruction, input and response) shares a word n-gram with
 * a test document's text, words compared after case folding with
 * punctuation removed. `cb` (may be NULL) is called for each flagged record
 * in id order. ENCLAVE_ENOTFOUND when the project has no split with a test
 * part; ENCLAVE_ELIMIT past ENCLAVE_MAX_NGRAMS distinct n-grams.
 */
int enclave_split_contamination(enclave_project *project,
                                const struct enclave_contamination_options *opts,
                                enclave_contamination_cb cb, void *payload,
                                struct enclave_contamination_summary *summary);

#ifdef __cplusplus
}
#endif
#endif
