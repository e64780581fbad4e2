/*
 * Enclave: the named-entity tagger (PERSON, ORGANIZATION, LOCATION) of the
 * PII scanner: training from CoNLL/IOB files, loading a model with its
 * SHA-256 checked, tagging text, and scoring against a CoNLL file.
 *
 * A model is a file (format: src/lib/clean/pii/ner_int.h) that embeds its
 * gazetteers; the default one ships in models/ with its hash compiled in.
 */
#ifndef ENCLAVE_NER_H
#define ENCLAVE_NER_H

#include "common.h"
#include "pii.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A loaded model: read-only once loaded, so threads may share it. */
typedef struct ner_model enclave_ner_model;

/* Progress of training, one call per epoch. */
struct enclave_ner_epoch {
	int epoch;       /* 1.. */
	size_t mistakes; /* training sentences decoded wrongly this epoch */
	double dev_f1;   /* entity F1 on the dev set, -1 without one */
	double dev_p, dev_r;
	double seconds; /* since training started */
};
typedef void (*enclave_ner_epoch_cb)(const struct enclave_ner_epoch *e, void *payload);

struct enclave_ner_train_options {
	unsigned version;
	int epochs;                    /* passes over the data (default 8) */
	uint64_t seed;                 /* order and case augmentation (default 1) */
	const char *dev_path;          /* CoNLL file scored after each epoch, or NULL */
	const char *gazetteer_dir;     /* folder of first_names.txt, ... ; NULL: none */
	double augment;                /* share of sentences also seen upper/lower-cased (0.4) */
	double prune;                  /* drop rows whose largest |weight| is below this share of
	                               the largest in the model (default 0.02) */
	enclave_ner_epoch_cb progress; /* may be NULL */
	void *payload;
};
#define ENCLAVE_NER_TRAIN_OPTIONS_VERSION 1
#define ENCLAVE_NER_TRAIN_OPTIONS_INIT                                                     \
	{                                                                                  \
		ENCLAVE_NER_TRAIN_OPTIONS_VERSION, 8, 1, NULL, NULL, 0.4, 0.02, NULL, NULL \
	}

/* What training produced. */
struct enclave_ner_train_result {
	char sha256[65];          /* of the model file written */
	size_t bytes;             /* its size */
	size_t features;          /* feature rows kept */
	size_t sentences, tokens; /* training data read (before augmentation) */
};

/*
 * Train a model on the CoNLL/IOB files `train_paths[0..ntrain)` and write it
 * atomically to `model_path`, with its SHA-256 in `model_path`.sha256
 * (sha256sum's format). Deterministic for a given seed, files and options.
 * Returns 0, ENCLAVE_EINVALID (a malformed file: the message names
 * FILE:LINE; bad options), ENCLAVE_EEMPTY (no tokens), ENCLAVE_ELIMIT, or
 * ENCLAVE_EIO.
 */
int enclave_ner_train(struct enclave_ner_train_result *out, const char *model_path,
                      const char *const *train_paths, size_t ntrain,
                      const struct enclave_ner_train_options *opts);

/*
 * Load the model at `path`, refused (ENCLAVE_ETAMPER, naming the file and
 * both hashes) unless its SHA-256 is `sha256_hex`. Free with enclave_ner_free.
 */
int enclave_ner_load(enclave_ner_model **out, const char *path, const char *sha256_hex);

/*
 * Load the shipped model: $ENCLAVE_MODELS/ner-en.model, else the models/
 * folder compiled in (the source tree's, then PREFIX/share/enclave/models),
 * against the hash compiled in.
 */
int enclave_ner_load_default(enclave_ner_model **out);

void enclave_ner_free(enclave_ner_model *m);

/* The SHA-256 (64 hex digits) of the model file `m` was loaded from. */
const char *enclave_ner_sha256(const enclave_ner_model *m);

/*
 * Append the PERSON/ORGANIZATION/LOCATION spans of the UTF-8 text to `out`
 * (source "model:ner", score 0..1). Thread-safe on a shared model; memory
 * does not grow with `len`.
 */
int enclave_ner_tag(struct enclave_pii_spans *out, const enclave_ner_model *m, const char *text,
                    size_t len);

/* Exact-match entity counts (conlleval's): [0] PER, [1] ORG, [2] LOC, [3] all. */
struct enclave_ner_scores {
	size_t tp[4], fp[4], fn[4];
	size_t sentences, tokens;
};

/*
 * Tag the sentences of the CoNLL file at `path` (its own tokens) with `m`
 * and count the entities found against its tags into `out` (zeroed first).
 * Returns 0 or as the CoNLL reader (ENCLAVE_EINVALID naming FILE:LINE).
 */
int enclave_ner_evaluate(struct enclave_ner_scores *out, const enclave_ner_model *m,
                         const char *path);

#ifdef __cplusplus
}
#endif
#endif
