/*
 * Enclave: PII/PHI detection and redaction (the clean stage's pii/ folder).
 *
 * A scanner finds spans of personal data in UTF-8 text: rule recognisers
 * with validators (checksums, ranges, context words) and a sequence tagger
 * (NER) for names, organisations and places. A redactor rewrites the text
 * with one operator per label (tag, mask, remove, hash, encrypt,
 * pseudonym). Neither needs a project; the project-wide `clean --pii`
 * stores the spans and a redacted text layer per document.
 *
 * Offsets in this API are byte offsets into the UTF-8 text passed in; the
 * front ends convert them to code points (DESIGN.md: what users see).
 */
#ifndef ENCLAVE_PII_H
#define ENCLAVE_PII_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Labels; the names (enclave_pii_label_name) follow Presidio's where it has one. */
enum enclave_pii_label {
	ENCLAVE_PII_PERSON,
	ENCLAVE_PII_ORGANIZATION,
	ENCLAVE_PII_LOCATION, /* cities, places, facilities (Presidio: LOCATION/GPE) */
	ENCLAVE_PII_STREET_ADDRESS,
	ENCLAVE_PII_ZIP_CODE,
	ENCLAVE_PII_EMAIL_ADDRESS,
	ENCLAVE_PII_PHONE_NUMBER,
	ENCLAVE_PII_US_SSN,
	ENCLAVE_PII_US_ITIN,
	ENCLAVE_PII_CREDIT_CARD,
	ENCLAVE_PII_IBAN_CODE,
	ENCLAVE_PII_SWIFT_CODE,
	ENCLAVE_PII_ABA_ROUTING,
	ENCLAVE_PII_US_BANK_NUMBER,
	ENCLAVE_PII_IP_ADDRESS,
	ENCLAVE_PII_MAC_ADDRESS,
	ENCLAVE_PII_URL,
	ENCLAVE_PII_DOMAIN_NAME,
	ENCLAVE_PII_DATE_TIME,
	ENCLAVE_PII_AGE,
	ENCLAVE_PII_US_PASSPORT,
	ENCLAVE_PII_US_DRIVER_LICENSE,
	ENCLAVE_PII_MEDICAL_RECORD,
	ENCLAVE_PII_ACCOUNT_NUMBER,
	ENCLAVE_PII_HEALTH_PLAN,
	ENCLAVE_PII_UK_NHS,
	ENCLAVE_PII_UK_NINO,
	ENCLAVE_PII_GPS,
	ENCLAVE_PII_VIN,
	ENCLAVE_PII_SERIAL_NUMBER,
	ENCLAVE_PII_CRYPTO,
	ENCLAVE_PII_SECRET,
	ENCLAVE_PII_LABEL_COUNT
};

/* "PERSON", "EMAIL_ADDRESS", ...; NULL for an unknown value. */
const char *enclave_pii_label_name(int label);

/* The label named `name` (case-insensitive), or -1. */
int enclave_pii_label_parse(const char *name);

/* A set of labels: bit (1 << label). */
typedef uint64_t enclave_pii_labels;
#define ENCLAVE_PII_ALL ((((enclave_pii_labels)1) << ENCLAVE_PII_LABEL_COUNT) - 1)

/*
 * The labels of a preset: "hipaa" (Safe Harbor's 18 identifiers), "gdpr"
 * (personal data), "pci" (cardholder data), "all". Returns 0 or
 * ENCLAVE_EINVALID for an unknown name.
 */
int enclave_pii_preset(const char *name, enclave_pii_labels *out);

struct enclave_pii_span {
	size_t start, end;  /* byte offsets, end exclusive */
	int label;          /* enum enclave_pii_label */
	float score;        /* 0..1 */
	const char *source; /* static string naming the recogniser: "rule:EMAIL", "model:ner" */
};

/* A growable list of spans; zero-initialise, free with enclave_pii_spans_free. */
struct enclave_pii_spans {
	struct enclave_pii_span *v;
	size_t n, cap;
};

/* Append one span. Returns 0 or ENCLAVE_ENOMEM. */
int enclave_pii_spans_push(struct enclave_pii_spans *s, const struct enclave_pii_span *span);

/* Release the list's memory and zero it. */
void enclave_pii_spans_free(struct enclave_pii_spans *s);

/*
 * Resolve overlaps, so that no two spans overlap and every character any
 * span covered stays covered (nothing found is left in clear): spans of one
 * label become one span over both, with the better score and its
 * recogniser; of different labels, the better span (higher score, then
 * longer, then earlier) stands whole and the other keeps only the
 * characters it alone covers, as one piece or two. The result is sorted by
 * start. Returns 0, or ENCLAVE_ENOMEM (the list then still holds every
 * span, some perhaps overlapping).
 */
int enclave_pii_spans_resolve(struct enclave_pii_spans *s);

/* ------------------------------------------------------------ the scanner */

/*
 * A scanner: every rule recogniser's pattern compiled into one Hyperscan
 * database (one pass over the text for all of them), their validators and
 * context words. Built once, immutable afterwards, shared by any number of
 * threads; each thread scans with its own enclave_pii_state (the scratch
 * space a scan needs).
 */
typedef struct enclave_pii_scanner enclave_pii_scanner;

/* Per-thread scan state: a Hyperscan scratch and candidate buffers. */
typedef struct enclave_pii_state enclave_pii_state;

#define ENCLAVE_PII_SCAN_OPTIONS_VERSION 2

struct enclave_pii_scan_options {
	unsigned version;          /* ENCLAVE_PII_SCAN_OPTIONS_VERSION */
	enclave_pii_labels labels; /* what to report (0 means all) */
	float min_score;           /* spans scoring below are dropped (default 0.4) */
	/*
	 * HIPAA Safe Harbor's reading of DATE_TIME and AGE (the hipaa preset
	 * sets it): times of day and weekdays alone are not reported, and
	 * ages only over 89. Since version 2.
	 */
	int safe_harbor;
};

#define ENCLAVE_PII_SCAN_OPTIONS_INIT                                      \
	{                                                                  \
		ENCLAVE_PII_SCAN_OPTIONS_VERSION, ENCLAVE_PII_ALL, 0.4f, 0 \
	}

/*
 * Build a scanner (compiles the patterns: a few milliseconds; do it once).
 * `opts` may be NULL for the defaults. Returns 0, ENCLAVE_EINVALID for bad
 * options, ENCLAVE_ENOMEM, or ENCLAVE_ERROR when the patterns do not compile.
 */
int enclave_pii_scanner_new(enclave_pii_scanner **out, const struct enclave_pii_scan_options *opts);

/* Free a scanner (NULL does nothing); its states must be freed first. */
void enclave_pii_scanner_free(enclave_pii_scanner *s);

/* A scan state for one thread at a time. Returns 0 or ENCLAVE_ENOMEM. */
int enclave_pii_state_new(enclave_pii_state **out, const enclave_pii_scanner *s);

/* Free a state (NULL does nothing). */
void enclave_pii_state_free(enclave_pii_state *st);

/*
 * Scan `text` (`len` bytes of UTF-8; invalid bytes are opaque and never
 * part of a span's edges) and append its spans to `out`, sorted by start,
 * overlaps resolved (enclave_pii_spans_resolve), byte offsets. Spans
 * already in `out` take part in the resolution. `st` must come from `s`.
 * Returns 0, ENCLAVE_ENOMEM, or ENCLAVE_ELIMIT past
 * ENCLAVE_MAX_PII_SPANS spans in one call.
 */
int enclave_pii_scan(struct enclave_pii_spans *out, const enclave_pii_scanner *s,
                     enclave_pii_state *st, const char *text, size_t len);

/*
 * Code point offsets of spans: for each span of `spans` (byte offsets into
 * `text`, sorted by start as enclave_pii_scan leaves them), out[2i] and
 * out[2i+1] get its start and end in code points. An invalid byte counts
 * as one code point (as U+FFFD would). `out` has room for 2 * spans->n.
 */
void enclave_pii_spans_cp(size_t *out, const char *text, size_t len,
                          const struct enclave_pii_spans *spans);

/*
 * Scan one line of JSON Lines: `line` must hold a JSON object whose member
 * `field` is a string; `*out` gets the object (members in their order) with
 * a member "spans" added (set when there was one): [{start, end, label,
 * score, text, source}], offsets in code points into the field. The caller
 * frees `*out` with free(). Returns 0, ENCLAVE_EINVALID (not JSON, not an
 * object, no such string field: the message says which), ENCLAVE_ELIMIT or
 * ENCLAVE_ENOMEM.
 */
int enclave_pii_scan_json(char **out, size_t *out_len, const enclave_pii_scanner *s,
                          enclave_pii_state *st, const char *line, size_t len, const char *field);

/* The longest line enclave_pii_scan_json takes (bytes). */
size_t enclave_pii_line_max(void);

/* ------------------------------------------------------------ streaming */

/*
 * A stream scans input of any size in bounded memory: it is fed the bytes
 * in pieces of any size, scans windows of ENCLAVE_PII_CHUNK_BYTES that
 * overlap by ENCLAVE_PII_OVERLAP_BYTES (so that a span cut by a window's
 * end is found whole in the next, with its context), and reports each span
 * once, in order, through a callback.
 */
typedef struct enclave_pii_stream enclave_pii_stream;

/* A span as a stream reports it. */
struct enclave_pii_found {
	struct enclave_pii_span span; /* byte offsets into the whole stream */
	size_t cp_start, cp_end;      /* code point offsets into the whole stream */
	const char *text;             /* the span's bytes, borrowed until the callback returns */
	size_t text_len;
};

/* Called for each span; a nonzero return stops the stream and is returned by it. */
typedef int (*enclave_pii_found_cb)(const struct enclave_pii_found *found, void *payload);

/* A stream over `s` (borrowed; it must outlive the stream). Returns 0 or ENCLAVE_ENOMEM. */
int enclave_pii_stream_new(enclave_pii_stream **out, const enclave_pii_scanner *s);

/* Free a stream (NULL does nothing). */
void enclave_pii_stream_free(enclave_pii_stream *st);

/* Forget the input so far: the stream starts over at offset 0. */
void enclave_pii_stream_reset(enclave_pii_stream *st);

/*
 * Feed `len` more bytes. Spans that can no longer change are reported
 * through `cb`. Returns 0, what `cb` returned, or an error of enclave_pii_scan.
 */
int enclave_pii_stream_feed(enclave_pii_stream *st, const char *data, size_t len,
                            enclave_pii_found_cb cb, void *payload);

/* The input is complete: report the remaining spans. Returns as _feed. */
int enclave_pii_stream_end(enclave_pii_stream *st, enclave_pii_found_cb cb, void *payload);

/*
 * The byte offset of the first invalid UTF-8 sequence fed so far, or -1
 * when all of it was valid (a sequence cut by the end of the input counts).
 */
long long enclave_pii_stream_bad_utf8(const enclave_pii_stream *st);

/* ------------------------------------------------------------ threads */

/*
 * A pool of `jobs` scan states over one scanner, jobs - 1 of them on their
 * own threads and one on the thread that calls the pool (which takes part
 * in every batch). It scans a stream's windows (enclave_pii_stream_set_pool)
 * or batches of JSON lines in parallel; results come back in input order,
 * the same as with one job. A pool is used by one thread at a time.
 */
typedef struct enclave_pii_pool enclave_pii_pool;

/*
 * A pool of `jobs` (1 to ENCLAVE_MAX_PII_JOBS; 1 starts no thread) over
 * `s` (borrowed; it must outlive the pool). Returns 0, ENCLAVE_EINVALID,
 * ENCLAVE_ENOMEM, or ENCLAVE_ERROR when a thread cannot start.
 */
int enclave_pii_pool_new(enclave_pii_pool **out, const enclave_pii_scanner *s, unsigned jobs);

/* Stop the threads and free the pool (NULL does nothing); its streams first. */
void enclave_pii_pool_free(enclave_pii_pool *p);

/* The pool's number of jobs. */
unsigned enclave_pii_pool_jobs(const enclave_pii_pool *p);

/* One line of a JSON batch: `line` in, enclave_pii_scan_json's result out. */
struct enclave_pii_json_line {
	const char *line; /* in: the line (no newline), borrowed */
	size_t len;
	char *out; /* out: the object with its spans (free()), or NULL on error */
	size_t out_len;
	int error;         /* out: 0 or the ENCLAVE_E* code of enclave_pii_scan_json */
	char message[256]; /* out: the error message when `error` is set */
};

/*
 * enclave_pii_scan_json over lines[0..n) on the pool's threads; each line
 * gets its own result (a bad line does not stop the others). Returns 0.
 */
int enclave_pii_pool_scan_json(enclave_pii_pool *p, struct enclave_pii_json_line *lines, size_t n,
                               const char *field);

/*
 * Scan the stream's windows on the pool's threads (`p` borrowed, over the
 * stream's scanner; NULL goes back to one window at a time in the caller):
 * the stream then holds up to as many windows as the pool has jobs, and
 * reports exactly the spans, in the order, that it reports without a pool.
 * Call before feeding (or after a reset). Returns 0, ENCLAVE_EINVALID (a
 * pool of another scanner) or ENCLAVE_ENOMEM.
 */
int enclave_pii_stream_set_pool(enclave_pii_stream *st, enclave_pii_pool *p);

/* The bytes of a stream's window: a stream fed less reports nothing before its end. */
size_t enclave_pii_stream_window(void);

/* Called by enclave_pii_streams_end when stream `i` is done, with its result `rc`. */
typedef int (*enclave_pii_done_cb)(size_t i, int rc, void *payload);

/*
 * End several streams at once (many small inputs): streams[0..n), each fed
 * less than one window (enclave_pii_stream_window() bytes, so that none has
 * reported anything yet), are scanned together on
 * the pool's threads, then reported one after the other in order: stream
 * i's spans through `cb` with payloads[i], then `done`(i, rc) with its
 * result (what enclave_pii_stream_end would have returned: the spans are
 * the same). Returns 0, what `done` returned when nonzero (which stops),
 * or ENCLAVE_EINVALID (a stream fed a window or more, or over another
 * scanner) before anything is reported.
 */
int enclave_pii_streams_end(enclave_pii_pool *p, enclave_pii_stream *const *streams, size_t n,
                            enclave_pii_found_cb cb, void *const *payloads,
                            enclave_pii_done_cb done, void *done_payload);

/* ------------------------------------------------------------ models */

/* The NER tagger (include/enclave/ner.h). */
typedef struct ner_model enclave_ner_model;

/*
 * Add the tagger to `s` before the scanner is shared: its PERSON,
 * ORGANIZATION and LOCATION spans scoring at least `min_score` join the
 * rule spans (ENCLAVE_PII_NER_MIN_SCORE, or ENCLAVE_PII_NER_CLINICAL_MIN_SCORE
 * beside the clinical recogniser: on clinical notes the tagger's middling
 * scores are mostly wrong). `m` is borrowed and must outlive the scanner.
 * Returns 0, ENCLAVE_EINVALID or ENCLAVE_ELIMIT.
 */
int enclave_pii_scanner_add_ner(enclave_pii_scanner *s, const enclave_ner_model *m,
                                float min_score);
#define ENCLAVE_PII_NER_MIN_SCORE 0.0f
#define ENCLAVE_PII_NER_CLINICAL_MIN_SCORE 0.9f

/*
 * The clinical-note recogniser (names by title, credential and relation,
 * facilities and wards, pagers, ages over 89), asking the gazetteers of
 * `m` (may be NULL: then it works from context only). `m` is borrowed.
 * Returns 0 or ENCLAVE_ENOMEM.
 */
typedef struct enclave_pii_clinical enclave_pii_clinical;
int enclave_pii_clinical_new(enclave_pii_clinical **out, const enclave_ner_model *m);
void enclave_pii_clinical_free(enclave_pii_clinical *c);

/* Add it to `s` before sharing; `c` must outlive the scanner. */
int enclave_pii_scanner_add_clinical(enclave_pii_scanner *s, const enclave_pii_clinical *c);

#ifdef __cplusplus
}
#endif
#endif
