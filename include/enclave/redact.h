/*
 * Enclave: redaction of PII spans, and the reverse of its one reversible
 * operator.
 *
 * A policy says, per label, which operator rewrites a span:
 *
 *   tag            "[PERSON]"; tag:numbered gives "[PERSON_1]", the same
 *                  number for the same value within one document
 *   mask[:C[:N]]   every letter and digit replaced by C (one character,
 *                  default '*'), the last N letters and digits kept;
 *                  spaces and punctuation stay ("****-****-****-1111")
 *   remove         the span is deleted
 *   hash           "[PERSON:3f9a1c2b4d5e6f70]": the first 16 hex digits
 *                  (64 bits) of HMAC-SHA256 over the label and the
 *                  normalised value, keyed from the secret
 *   encrypt        "[[enc:PERSON:<base64url>]]", XChaCha20-Poly1305 with a
 *                  key derived from the secret; enclave_reveal() undoes it
 *   pseudonym      a realistic surrogate of the same kind and format,
 *                  chosen by HMAC of the normalised value (so the same
 *                  across the corpus); dates are shifted by one offset per
 *                  subject
 *
 * A policy is written as a spec string: "pseudonym" (every label) or
 * "PERSON=pseudonym,CREDIT_CARD=mask:*:4,*=tag" (labels named by
 * enclave_pii_label_name, '*' for every label not named). Labels not given
 * and without '*' get `tag`.
 *
 * hash, encrypt and pseudonym need the 32-byte secret; the caller owns it
 * (a project keeps one in its key folder). Tokens and the derivations are
 * described in src/lib/clean/pii/redact.c and docs/cli/redact.md.
 *
 * A redactor holds only its policy and keys: it is never changed by a
 * call, so one redactor serves many threads at once. Whatever is per
 * document (the tag numbers) lives in one call.
 */
#ifndef ENCLAVE_REDACT_H
#define ENCLAVE_REDACT_H

#include "common.h"
#include "pii.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ENCLAVE_REDACT_KEY_BYTES 32

typedef enum {
	ENCLAVE_REDACT_TAG,
	ENCLAVE_REDACT_MASK,
	ENCLAVE_REDACT_REMOVE,
	ENCLAVE_REDACT_HASH,
	ENCLAVE_REDACT_ENCRYPT,
	ENCLAVE_REDACT_PSEUDONYM,
	ENCLAVE_REDACT_OP_COUNT
} enclave_redact_op;

/* One label's operator and its parameters. */
struct enclave_redact_rule {
	enclave_redact_op op;
	int numbered;       /* tag: "[PERSON_1]" instead of "[PERSON]" */
	uint32_t mask_char; /* mask: the code point written (default '*') */
	unsigned keep;      /* mask: letters and digits kept at the end */
};

/* The operator of every label (indexed by enum enclave_pii_label). */
struct enclave_redact_policy {
	struct enclave_redact_rule rules[ENCLAVE_PII_LABEL_COUNT];
};

/* "tag", "mask", ...; NULL for an unknown value. */
const char *enclave_redact_op_name(int op);

/*
 * Parse a spec string (see above) into `out`. Returns 0, or
 * ENCLAVE_EINVALID with a message naming the bad token ("unknown label
 * 'PERSN'", "unknown operator 'hsh'", "bad mask 'mask:**'"); `out` is
 * unchanged on error.
 */
int enclave_redact_policy_parse(struct enclave_redact_policy *out, const char *spec);

/*
 * The policy as its canonical spec string, every label named in label
 * order ("PERSON=tag,...") and parsed back to the same policy; malloc'd,
 * the caller frees it. Returns 0 or ENCLAVE_ENOMEM.
 */
int enclave_redact_policy_format(char **out, const struct enclave_redact_policy *policy);

/* 1 when an operator of `policy` among `labels` needs the secret, else 0. */
int enclave_redact_policy_needs_key(const struct enclave_redact_policy *policy,
                                    enclave_pii_labels labels);

typedef struct enclave_redactor enclave_redactor;

/*
 * A redactor for `policy`. `key` is the 32-byte secret, or NULL when the
 * policy needs none (ENCLAVE_EINVALID "operator 'hash' (PERSON) needs a
 * key" otherwise). The key is not kept: the redactor keeps keys derived
 * from it, and wipes them when freed. Returns 0 or ENCLAVE_E*.
 */
int enclave_redactor_new(enclave_redactor **out, const struct enclave_redact_policy *policy,
                         const unsigned char *key);

/* Free `r` (NULL does nothing). */
void enclave_redactor_free(enclave_redactor *r);

/* Where one span went. */
struct enclave_redacted_span {
	size_t start, end;         /* the span in the input text (bytes) */
	size_t out_start, out_end; /* its replacement in the output text (bytes) */
	int label;                 /* enum enclave_pii_label */
	float score;
	const char *source; /* as given in the input span */
};

/* One redacted document; zero-initialise, release with enclave_redacted_release. */
struct enclave_redacted {
	char *text; /* NUL-terminated UTF-8 */
	size_t len;
	struct enclave_redacted_span *spans; /* after overlaps were resolved, in text order */
	size_t nspans;
};

/*
 * Redact one document: `text` (`len` bytes of UTF-8) with its `spans`
 * (byte offsets on code point boundaries, in any order, overlapping or
 * not: they are resolved as enclave_pii_spans_resolve does, on a copy).
 * `subject` names whose dates these are: every date of one subject moves
 * by the same offset, so intervals survive; NULL is the empty subject (one
 * offset for every such document under one key).
 *
 * Fills *out (which must be zeroed or released) and returns 0; or
 * ENCLAVE_EINVALID for invalid UTF-8 or a span out of range or inside a
 * character, ENCLAVE_ELIMIT past ENCLAVE_MAX_TEXT_BYTES, ENCLAVE_ENOMEM;
 * on error *out is left empty.
 */
int enclave_redact(struct enclave_redacted *out, const enclave_redactor *r, const char *text,
                   size_t len, const struct enclave_pii_spans *spans, const char *subject);

/* Free what `r` holds and zero it. */
void enclave_redacted_release(struct enclave_redacted *r);

/*
 * Decrypt every "[[enc:LABEL:...]]" token of `text` (`len` bytes) with the
 * 32-byte secret `key`, into a malloc'd NUL-terminated *out of *out_len
 * bytes; *ntokens (may be NULL) gets the number of tokens revealed.
 * Returns 0; ENCLAVE_ETAMPER when a token does not decrypt (the wrong key,
 * or a token changed), ENCLAVE_EINVALID for a malformed token, each naming
 * the byte offset of the token; ENCLAVE_ENOMEM. On error *out is NULL.
 */
int enclave_reveal(char **out, size_t *out_len, size_t *ntokens, const char *text, size_t len,
                   const unsigned char *key);

/*
 * Parse a key written as 64 hex digits (white space around them ignored)
 * into `out`. Returns 0 or ENCLAVE_EINVALID.
 */
int enclave_redact_key_parse(unsigned char out[ENCLAVE_REDACT_KEY_BYTES], const char *hex,
                             size_t len);

/*
 * The redactor takes valid UTF-8 only. For text that is not: `*out` gets a
 * malloc'd copy of [text, text+len) with each byte that is not part of a
 * valid sequence replaced by U+FFFD, `*nbad` their number and `*first` the
 * offset of the first; valid text gives *out = NULL. Returns 0 or
 * ENCLAVE_ENOMEM.
 */
int enclave_redact_repair_utf8(char **out, size_t *out_len, size_t *nbad, size_t *first,
                               const char *text, size_t len);

#ifdef __cplusplus
}
#endif
#endif
