/*
 * The named-entity tagger inside the library: what the PII scanner, the
 * clinical heuristics and the trainer share. The public face (training,
 * loading, evaluation for the CLI) is include/enclave/ner.h.
 *
 * The tagger is a first-order structured perceptron over the tags O, B-/I-
 * PER, ORG and LOC, decoded with Viterbi under IOB2 constraints. Features
 * (hashed to 32 bits) come from the word, its neighbours, its shape, its
 * affixes and gazetteer membership; shapes are qualified by the case mode of
 * the sentence (mixed, all upper, all lower), so upper- and lower-case text
 * are tagged from the words and the gazetteers, not from capitals.
 *
 * THE MODEL FILE (version 1), all integers and floats little-endian:
 *
 *   offset  size        field
 *   0       8           magic "ENCLNER1"
 *   8       4   u32     version, 1
 *   12      4   u32     number of tags, 7 (O B-PER I-PER B-ORG I-ORG B-LOC I-LOC)
 *   16      4   u32     nfeat: feature rows
 *   20      4   u32     ngaz: gazetteer entries
 *   24      4   u32     info_len: bytes of the provenance text
 *   28      4   f32     scale: a weight is its int16 times scale
 *   32      4   f32     conf: margin scale of the confidence (score = 1 - exp(-margin / conf))
 *   36      224 f32     transitions [8][7]: from (start, then the 7 tags) to each tag
 *   260     info_len    provenance text (UTF-8, not NUL-terminated)
 *   ...     18 * nfeat  feature rows: u32 key (non-zero, strictly increasing), i16 weight[7]
 *   ...                 ngaz entries: u8 kind (enum ner_gaz), u8 len (1..NER_GAZ_MAX_BYTES),
 *                       len bytes (lower-cased as ner_fold does, words joined by one space)
 *   end                 nothing may follow the last entry
 *
 * The whole file is covered by its SHA-256, which ner_model_load checks
 * against the hash the caller expects (the default model's is compiled in).
 */
#ifndef ENCLAVE_NER_INT_H
#define ENCLAVE_NER_INT_H

#include <stdint.h>

#include "../../common_int.h"
#include "enclave/ner.h"
#include "enclave/pii.h"

#define NER_MAGIC "ENCLNER1"
#define NER_VERSION 1
#define NER_NTAGS 7
#define NER_HEADER_BYTES 260
#define NER_ROW_BYTES 18
#define NER_GAZ_MAX_BYTES 64 /* longest gazetteer entry (bytes, folded) */
#define NER_GAZ_MAX_WORDS 4  /* most words in a gazetteer entry */
#define NER_MAX_FEATURES 64  /* features of one token, at most (capped in ner_features) */
#define NER_MODEL_FILE "ner-en.model"

/* Tags: 0 is O; then B and I of each type, in the order of ner_types. */
enum { NER_O = 0 };
#define NER_TAG_TYPE(t) (((t)-1) / 2) /* 0 PER, 1 ORG, 2 LOC (t > 0) */
#define NER_TAG_IS_B(t) ((t) > 0 && ((t)-1) % 2 == 0)

/* The gazetteers, embedded in the model; the file names are models/gazetteers/<name>.txt. */
enum ner_gaz {
	NER_GAZ_FIRST_NAME,
	NER_GAZ_SURNAME,
	NER_GAZ_CITY,
	NER_GAZ_US_STATE,
	NER_GAZ_COUNTRY,
	NER_GAZ_ORG_SUFFIX,
	NER_GAZ_TITLE,
	NER_GAZ_MEDICAL, /* clinical abbreviations, section headers, drugs: words that are not names */
	NER_GAZ_RELATION, /* wife, son, HCP: the words before a relative's name */
	NER_GAZ_COUNT
};

/* "first_names", "surnames", ...: the file name without .txt; NULL when out of range. */
const char *ner_gaz_name(int kind);

struct ner_model;

/* A token: byte offsets into the text it came from. */
struct ner_tok {
	size_t start, end; /* byte offsets, end exclusive */
};

/*
 * Load the model file at `path`, refusing it unless its SHA-256 is
 * `expected_sha256_hex` (64 hex digits, either case). Returns 0,
 * ENCLAVE_ETAMPER on a hash mismatch (the message names the file and both
 * hashes), ENCLAVE_EINVALID for a malformed model, ENCLAVE_EIO or
 * ENCLAVE_ENOTFOUND when it cannot be read, ENCLAVE_ELIMIT when larger than
 * ENCLAVE_MAX_NER_MODEL_BYTES. The caller frees *out with ner_model_free.
 */
int ner_model_load(const char *path, const char *expected_sha256_hex, struct ner_model **out);

/*
 * Load the default model: $ENCLAVE_MODELS/ner-en.model when that variable is
 * set, else the first of ENCLAVE_MODELS_DIR (the source tree's models/) and
 * ENCLAVE_MODELS_INSTALL_DIR (PREFIX/share/enclave/models) that holds it,
 * checked against the hash compiled in from models/ner-en.model.sha256. Returns as
 * ner_model_load; ENCLAVE_ENOTFOUND names the places looked at.
 */
int ner_model_load_default(struct ner_model **out);

/*
 * Parse a model from memory (no hash check: for the loader and the fuzz
 * target). `data` must outlive nothing: the model copies what it keeps.
 * Returns 0 or ENCLAVE_EINVALID naming the first problem, with `name` in it.
 */
int ner_model_parse(struct ner_model **out, const unsigned char *data, size_t len,
                    const char *name);

/* Free a model; NULL does nothing. */
void ner_model_free(struct ner_model *m);

/* The SHA-256 (hex) of the file the model was loaded from; "" for a parsed one. */
const char *ner_model_sha256(const struct ner_model *m);

/* Number of feature rows and gazetteer entries (for reports). */
size_t ner_model_features(const struct ner_model *m);
size_t ner_model_gazetteer_entries(const struct ner_model *m);

/*
 * Append the PERSON, ORGANIZATION and LOCATION spans found in the UTF-8
 * text [text, text+len) to `out`, with source "model:ner" and a score in
 * 0..1 (from the Viterbi max-marginal margin of the span's weakest token).
 * The text is read sentence by sentence in windows of at most
 * ENCLAVE_NER_WINDOW_TOKENS tokens, so memory does not grow with `len`.
 * Thread-safe on a shared model. Returns 0, ENCLAVE_ENOMEM, or
 * ENCLAVE_ELIMIT past ENCLAVE_MAX_NER_SPANS spans; on error `out` keeps the
 * spans appended so far.
 */
int ner_tag(const struct ner_model *m, const char *text, size_t len, struct enclave_pii_spans *out);

/*
 * The PII scanner's pass over the tagger's spans out->v[first..]: drops a
 * leading "The "/"the " ("The Lending Club" -> "Lending Club"), and adds
 * ORGANIZATION spans (score 1, source "model:ner") for firms named after
 * partners, "Palmer, Fletcher and Hargrove" (one case throughout, two of
 * the three in the surname gazetteer). Not part of ner_tag, so the
 * tagger's own evaluation is unchanged. Returns 0 or ENCLAVE_ENOMEM.
 */
int ner_pii_postpass(const struct ner_model *m, const char *text, size_t len,
                     struct enclave_pii_spans *out, size_t first);

/*
 * Is `word` ([word, word+len), UTF-8, any case; several words joined by
 * single spaces for multi-word entries like "new york") in gazetteer
 * `kind`? Case-insensitive for ASCII and Latin-1 letters. Returns 1 or 0.
 */
int ner_gazetteer_has(const struct ner_model *m, enum ner_gaz kind, const char *word, size_t len);

/* ---------------------------------------------------------------- shared with the trainer */

/*
 * Split [text, text+len) from `*pos` into the tokens of one window: up to a
 * sentence end ('.', '!' or '?' token, or a line break) or `max` tokens.
 * Advances *pos past the window; returns the number of tokens (0 at the end).
 */
size_t ner_tokenize_window(struct ner_tok *toks, size_t max, const char *text, size_t len,
                           size_t *pos);

/* Per-token values computed once per window, combined into features. */
struct ner_tokinfo {
	uint32_t word;       /* hash of the folded word */
	uint32_t shape;      /* hash of the long shape, qualified by the case mode */
	uint32_t sshape;     /* hash of the short (run-collapsed) shape, qualified */
	uint32_t affix[7];   /* folded prefixes of 1..3 and suffixes of 1..4 bytes, 0 if absent */
	uint16_t gaz;        /* bits (1 << enum ner_gaz) of the folded word */
	uint32_t gaz_multi;  /* low 16 bits: starts a multi-word entry of kinds; high: inside one */
	uint8_t first_upper; /* begins with an upper-case letter */
};

/* The gazetteer part of a model (the trainer builds one before any model exists). */
struct ner_gazetteer;
int ner_gazetteer_new(struct ner_gazetteer **out);
/* Add `word` (folded here) to `kind`. Returns 0, ENCLAVE_EINVALID when too long or empty. */
int ner_gazetteer_add(struct ner_gazetteer *g, enum ner_gaz kind, const char *word, size_t len);
void ner_gazetteer_free(struct ner_gazetteer *g);
/* Number of distinct folded entries (multi-word prefixes included). */
size_t ner_gazetteer_count(const struct ner_gazetteer *g);
/* Bits of the kinds `word` (already folded) belongs to. */
unsigned ner_gazetteer_kinds(const struct ner_gazetteer *g, const char *folded, size_t len);
/* Serialise the entries (the model file's gazetteer section) into `out`. */
int ner_gazetteer_write(const struct ner_gazetteer *g, struct buf *out);
/* The gazetteer of a model (borrowed). */
const struct ner_gazetteer *ner_model_gazetteer(const struct ner_model *m);

/*
 * Fold [s, s+n) to lower case (ASCII and Latin-1) into `out` (n bytes room;
 * the length does not change). Upper-casing, the inverse, is ner_upper.
 */
void ner_fold(char *out, const char *s, size_t n);
void ner_upper(char *out, const char *s, size_t n);

/* Fill info[0..n) for the tokens of one window (case mode, shapes, gazetteers). */
void ner_token_info(struct ner_tokinfo *info, const struct ner_gazetteer *g, const char *text,
                    const struct ner_tok *toks, size_t n);

/* The feature keys of token i of the window. Returns how many (<= NER_MAX_FEATURES). */
size_t ner_features(uint32_t *keys, const struct ner_tokinfo *info, size_t n, size_t i);

/*
 * Viterbi under IOB2 constraints: emission[n][NER_NTAGS], trans[8][7] (row 0
 * the start). Writes the best tags to `tags`; when `conf` is not NULL also a
 * per-token margin (best path minus the best path through another tag at that
 * token). `work` holds 2 * n * NER_NTAGS floats and n * NER_NTAGS bytes.
 */
void ner_viterbi(uint8_t *tags, float *margin, const float *emission, size_t n,
                 const float trans[NER_NTAGS + 1][NER_NTAGS], float *work, uint8_t *back);

/* May tag `to` follow tag `from` (from = -1 for the start)? */
int ner_transition_ok(int from, int to);

/* The emission scores of a window with a loaded model: emission[n][NER_NTAGS]. */
void ner_model_emissions(float *emission, const struct ner_model *m, const struct ner_tokinfo *info,
                         size_t n);

/* The transition matrix of a loaded model (borrowed). */
const float (*ner_model_transitions(const struct ner_model *m))[NER_NTAGS];

/* ---------------------------------------------------------------- CoNLL files (conll.c) */

/* Sentences of a CoNLL/IOB file: tokens' bytes in one buffer, gold tags. */
struct ner_corpus {
	struct buf text;      /* token bytes, back to back */
	struct ner_tok *toks; /* offsets into text */
	uint8_t *tags;        /* one per token */
	size_t ntoks, cap;    /* tokens used, allocated */
	size_t *sents;        /* start token of each sentence; sents[nsents] == ntoks */
	size_t nsents, scap;  /* sentences, allocated (+1) */
};

/*
 * Read the CoNLL/IOB file at `path` and append its sentences to `c`
 * (zero-initialised before the first call). Accepted: `TOKEN<TAB>TAG`,
 * `TOKEN TAG`, CoNLL-2003's `TOKEN POS CHUNK TAG` (first and last column),
 * an `xx:` language prefix on every token (WikiANN, stripped), -DOCSTART-
 * lines, blank lines between sentences; tags O, B-/I- (IOB1 and IOB2) and
 * S-/E- with types PER/PERSON, ORG/ORGANIZATION/GROUP/CORPORATION,
 * LOC/LOCATION/GPE (any case); other types (MISC, product, ...) become O.
 * Returns 0, ENCLAVE_EINVALID naming `path:line` and the problem,
 * ENCLAVE_ELIMIT past ENCLAVE_MAX_CONLL_TOKENS, or an I/O error.
 */
int ner_corpus_read(struct ner_corpus *c, const char *path);

/* The same over a buffer; `name` is used in messages. */
int ner_corpus_parse(struct ner_corpus *c, const char *data, size_t len, const char *name);

/* Release the corpus and zero it. */
void ner_corpus_release(struct ner_corpus *c);

/* Append one token (copied) with its tag to the current sentence. */
int ner_corpus_push(struct ner_corpus *c, const char *tok, size_t len, int tag);

/* End the current sentence (nothing when it is empty). */
int ner_corpus_end_sentence(struct ner_corpus *c);

/* Count exact-match entities: gold and predicted tag sequences of one sentence. */
void ner_score_sentence(struct enclave_ner_scores *s, const uint8_t *gold, const uint8_t *pred,
                        size_t n);

#endif
