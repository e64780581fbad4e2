/*
 * What the redactor's files share: the keys derived from the secret, the
 * keyed choice (PRF) every consistent operator is built on, value
 * normalisation, the pseudonym writers (surrogate.c, dateshift.c) and the
 * generated surrogate lists (surrogate_data.c).
 */
#ifndef ENCLAVE_REDACT_INT_H
#define ENCLAVE_REDACT_INT_H

#include "../../common_int.h"
#include "enclave/redact.h"

/* Keys derived from the secret, one per use, so no output reveals another's key. */
struct redact_keys {
	unsigned char hash[32];   /* hash operator: HMAC-SHA256 key */
	unsigned char enc[32];    /* encrypt: XChaCha20-Poly1305 key */
	unsigned char nonce[32];  /* encrypt: HMAC key of the synthetic nonce */
	unsigned char pseudo[32]; /* pseudonym: HMAC key of the surrogate choice */
	unsigned char date[32];   /* pseudonym of dates: HMAC key of the subject's offset */
};

/* Derive every key of `k` from the 32-byte secret (libsodium's crypto_kdf). */
int redact_keys_derive(struct redact_keys *k, const unsigned char *secret);

/*
 * out = HMAC-SHA256(key, domain || 0x00 || data[0..n)). `domain` separates
 * the uses of one key (a label name, "first", "last", ...).
 */
void redact_prf(unsigned char out[32], const unsigned char key[32], const char *domain,
                const void *data, size_t n);

/*
 * A deterministic byte stream from a 32-byte seed: draw bytes and numbers
 * below a bound. Same seed, same draws.
 */
struct redact_stream {
	unsigned char bytes[256];
	size_t pos;
};
void redact_stream_init(struct redact_stream *s, const unsigned char seed[32]);
/* A number in [0, bound) (bound >= 1). */
uint32_t redact_stream_below(struct redact_stream *s, uint32_t bound);

/*
 * The normalised form of a value of `label`, the input of every keyed
 * choice: identifiers (numbers, codes) keep only their letters and digits;
 * text (names, places, addresses, e-mail, dates) is case-folded with runs
 * of white space collapsed to one space and trimmed. Case folding covers
 * ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic capitals. Appends
 * to `out`. Returns 0 or a buf_* error.
 */
int redact_normalise(struct buf *out, int label, const char *v, size_t n);

/*
 * Write the pseudonym of value v[0..n) of `label` to `out` (surrogate.c).
 * `day_offset` is the subject's date shift (DATE_TIME). Returns 0, 1 when
 * the value has no pseudonym (an unparseable date: the caller writes the
 * tag), or a buf_* error.
 */
int surrogate_write(struct buf *out, const struct redact_keys *k, int label, const char *v,
                    size_t n, int day_offset);

/*
 * Write v[0..n) of `label` with its letters and digits redrawn from a keyed
 * stream, never equal to v when a redraw can differ: the fallback of
 * entity-swap for values that have no pseudonym or whose pseudonym is the
 * value itself (a time of day, a year, a month the date shift kept). A
 * DATE_TIME keeps its letters and punctuation, its time fields stay in
 * range (hours below 24, or 1 to 12 with am/pm; minutes and seconds below
 * 60) and a four-digit run keeps its first two digits. Returns 0, 1 when v
 * has nothing to redraw (nothing appended), or a buf_* error.
 */
int surrogate_redraw(struct buf *out, const struct redact_keys *k, int label, const char *v,
                     size_t n);

/*
 * Shift the date written in v[0..n) by `days`, keeping its format
 * (dateshift.c). Returns 0 with the shifted date appended; 1 when v is not
 * a date this reads (nothing appended); 2 when v is a year alone (the
 * caller keeps it); or a buf_* error.
 */
int dateshift_write(struct buf *out, const char *v, size_t n, int days);

/*
 * The month (0 for January) the word v[0..n) names as the date reader reads
 * names (its first three letters or more, any case), or -1 (dateshift.c).
 */
int dateshift_month_of(const char *v, size_t n);

/*
 * Month m written as the month name orig[0..olen) is: full or abbreviated
 * as it is, in its case style. Returns 0, 1 when orig names no month
 * (nothing appended), or a buf_* error.
 */
int dateshift_put_month(struct buf *out, int m, const char *orig, size_t olen);

/* The date offset of `subject` (NULL: ""), in -365..-1 days. */
int dateshift_offset(const unsigned char key[32], const char *subject);

/* Copy `src` (n bytes, ASCII letters) into out in the case style of model[0..mn). */
int surrogate_put_cased(struct buf *out, const char *src, const char *model, size_t mn);

/* The generated lists (surrogate_data.c). */
extern const char *const surrogate_first_male[];
extern const size_t surrogate_first_male_count;
extern const char *const surrogate_first_female[];
extern const size_t surrogate_first_female_count;
extern const char *const surrogate_last[];
extern const size_t surrogate_last_count;
extern const char *const surrogate_street_suffix[];
extern const size_t surrogate_street_suffix_count;
extern const char *const surrogate_city[];
extern const size_t surrogate_city_count;
extern const char *const surrogate_company[];
extern const size_t surrogate_company_count;

#endif
