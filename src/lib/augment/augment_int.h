/*
 * What the deterministic augmenters share: a seeded random stream, spans
 * in code points with their byte offsets, the run (records committed in
 * groups, keys, lineage, the output hash: records.c), the synthetic
 * documents (synth_pii.c), the swap (entity_swap.c), EDA (eda.c) and
 * WordNet (wordnet.c).
 */
#ifndef ENCLAVE_AUGMENT_INT_H
#define ENCLAVE_AUGMENT_INT_H

#include <jansson.h>

#include "../common_int.h"
#include "enclave/augment.h"

/* The generators' versions: a change in what a generator writes bumps its number. */
#define AUG_ENTITY_SWAP_VERSION 1
#define AUG_SYNTH_VERSION 1
#define AUG_EDA_VERSION 1

/* ------------------------------------------------------------ randomness */

/* splitmix64, seeded from SHA-256 of (domain, seed, a, b): same inputs, same draws. */
struct aug_rng {
	uint64_t s;
};
int aug_rng_init(struct aug_rng *r, const char *domain, uint64_t seed, int64_t a, int64_t b);
uint64_t aug_rng_next(struct aug_rng *r);
/* A number in [0, bound) (bound >= 1). */
uint32_t aug_rng_below(struct aug_rng *r, uint32_t bound);
/* A number in [0, 1). */
double aug_rng_unit(struct aug_rng *r);

/* ------------------------------------------------------------ spans */

/* A span: code points [start, end) of a text, its label, and (filled by aug_spans_bytes) bytes. */
struct aug_span {
	size_t start, end;   /* code points */
	size_t bstart, bend; /* bytes */
	char label[40];
};

struct aug_spans {
	struct aug_span *v;
	size_t n, cap;
};
int aug_spans_push(struct aug_spans *l, size_t start, size_t end, const char *label);
void aug_spans_release(struct aug_spans *l);

/*
 * Sort by start (longer first), drop spans past `ncp` code points, empty
 * ones, and those overlapping an earlier kept one; then fill the byte
 * offsets from text[0..len).
 */
void aug_spans_prepare(struct aug_spans *l, const char *text, size_t len);

/* The spans as a JSON array [{start,end,label}] (new reference, NULL on OOM). */
json_t *aug_spans_json(const struct aug_spans *l);

/*
 * The spans of project document `doc` (text[0..len)) per opts->spans:
 * accepted NER annotations, PII spans, or the first of those that has any.
 * *source is set to "annotations", "pii" or "none".
 */
int aug_document_spans(struct aug_spans *out, const char **source, enclave_project *p, int64_t doc,
                       const struct enclave_augment_options *o, const char *text, size_t len);

/* ------------------------------------------------------------ one generated item */

struct aug_item {
	struct buf text;
	struct aug_spans spans;
	json_t *extra; /* more payload fields (object), may be NULL */
};

/* ------------------------------------------------------------ WordNet (wordnet.c) */

struct wordnet;

/*
 * Read WordNet's index.* and data.* files (noun, verb, adj, adv) from `dir`
 * (NULL: /usr/share/wordnet, Debian's wordnet-base). A missing pair is
 * skipped; none at all is ENCLAVE_ENOTFOUND naming index.noun's path.
 */
int wordnet_open(struct wordnet **out, const char *dir);
void wordnet_free(struct wordnet *wn);

/* A WordNet of one part of speech (noun) from the contents of its two files (the fuzz target). */
int wordnet_new_mem(struct wordnet **out, const char *index, size_t ilen, const char *data,
                    size_t dlen);

/* Up to 64 synonyms of word w[0..n) (lower case), each a malloc'd string in out. */
struct wordnet_words {
	char *v[64];
	size_t n;
};
int wordnet_synonyms(struct wordnet_words *out, const struct wordnet *wn, const char *w, size_t n);
void wordnet_words_release(struct wordnet_words *w);

/* ------------------------------------------------------------ the generators */

/* Synthetic document `index` of `seed`: text, spans (code points) and its domain. */
int aug_synth_document(struct aug_item *out, const char **domain, uint64_t seed, int64_t index);

/* SHA-256 of the templates (lineage's template_sha256). */
void aug_synth_templates_sha256(char out[65]);

/* Variant `v` of text[0..len) with `spans` (prepared) swapped for surrogates. */
int aug_entity_swap(struct aug_item *out, const char *text, size_t len,
                    const struct aug_spans *spans, uint64_t seed, int64_t v);

/* Variant `v` of text[0..len) by EDA, the spans kept byte-identical. */
int aug_eda(struct aug_item *out, const char *text, size_t len, const struct aug_spans *spans,
            const struct wordnet *wn, const struct enclave_augment_options *o, int64_t doc,
            int64_t v);

#endif
