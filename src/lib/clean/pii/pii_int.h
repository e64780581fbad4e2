/*
 * The PII scanner's private header: what scan.c, recognizers.c,
 * validators.c and context.c share, and the hook through which other
 * recognisers (the NER tagger, the clinical heuristics) join a scanner.
 *
 * How a scan works. Every rule recogniser is one or more patterns in a
 * table (recognizers.c). scan.c compiles all of them into one Hyperscan
 * database, so one pass over the text finds every candidate of every
 * pattern. Hyperscan reports each end offset at which a pattern matches;
 * with HS_FLAG_SOM_LEFTMOST it also gives the leftmost start, and the
 * callback keeps, per pattern and start, only the longest end (the last
 * one reported). Each candidate then goes through its pattern's check (a C
 * validator that may move its edges, change its score or reject it: Luhn,
 * mod 97, date ranges...), then context scoring (context.c: words near it
 * raise or lower the score), then the label filter and the minimum score.
 * Spans from extra recognisers go through the same context scoring, and
 * all spans through one overlap resolution.
 */
#ifndef ENCLAVE_PII_INT_H
#define ENCLAVE_PII_INT_H

#include <stddef.h>

#include "../../common_int.h"
#include "enclave/pii.h"

/* ------------------------------------------------------------ recognisers */

/* A candidate being checked: a check may move its edges and change its label or score. */
struct pii_match {
	size_t start, end;  /* byte offsets into the text, end exclusive */
	int label;          /* enum enclave_pii_label */
	float score;        /* starts at the pattern's score */
	const char *source; /* starts as the pattern's source */
};

/*
 * A check: the whole text (`len` bytes) and the candidate. Returns 1 to
 * keep it (as changed), 0 to drop it. Reads only inside [0, len).
 */
typedef int (*pii_check_fn)(struct pii_match *m, const char *text, size_t len);

/* Words near a span that change its score; all lowercase ASCII. */
struct pii_context {
	const char *const *words;    /* NULL-terminated: one near raises the score by `boost` */
	const char *const *negative; /* NULL-terminated or NULL: one near lowers it by `penalty` */
	float boost, penalty;
	unsigned short before, after;         /* bytes looked at for `words` */
	unsigned short neg_before, neg_after; /* bytes looked at for `negative` */
};

/*
 * Where a match that ends at `end` starts, found by walking back in C: for
 * the patterns compiled without start-of-match tracking (too large with it,
 * or cheaper without), whose starts a byte class finds.
 */
typedef size_t (*pii_start_fn)(const char *text, size_t end);

/* One pattern of the table. */
struct pii_pattern {
	const char *regex;  /* Hyperscan syntax (PCRE without back-references or look-around) */
	unsigned caseless;  /* 1: HS_FLAG_CASELESS */
	int label;          /* enum enclave_pii_label */
	float score;        /* base score before the check and context */
	const char *source; /* "rule:<name>", static */
	pii_check_fn check; /* NULL keeps every match */
	const struct pii_context *context; /* NULL: the label's (pii_label_context) */
	pii_start_fn start; /* NULL: Hyperscan finds the start (HS_FLAG_SOM_LEFTMOST) */
};

/* The table of every rule pattern (recognizers.c), and its length. */
extern const struct pii_pattern pii_patterns[];
extern const size_t pii_npatterns;

/* The Hyperscan flags `p` is compiled with. */
unsigned pii_flags(const struct pii_pattern *p);

/*
 * The recogniser table compiled and serialised at build time (pii_gendb),
 * and the length of the table it was made from.
 */
extern const unsigned char pii_db_blob[];
extern const size_t pii_db_size, pii_db_npatterns;

/* The context of `label` (its words and negative words), or NULL when it has none. */
const struct pii_context *pii_label_context(int label);

/*
 * `score` after the context of [start, end) in `text`: raised by
 * ctx->boost when one of its words is near, lowered by ctx->penalty when a
 * negative word is; clamped to [0, 1].
 */
float pii_context_score(const struct pii_context *ctx, const char *text, size_t len, size_t start,
                        size_t end, float score);

/* Is one of `words` near [start, end) (within `before` and `after` bytes)? */
int pii_context_near(const char *const *words, const char *text, size_t len, size_t start,
                     size_t end, size_t before, size_t after);

/* ------------------------------------------------------------ extra recognisers */

/*
 * An extra recogniser (the NER tagger, the clinical heuristics): appends
 * its spans over `text` (byte offsets, its own scores and source) to `out`.
 * `ctx` is its model or tables, shared read-only by every thread at once.
 * Returns 0 or a negative ENCLAVE_E* code with the message set.
 */
typedef int (*pii_extra_fn)(const void *ctx, const char *text, size_t len,
                            struct enclave_pii_spans *out);

/* Most extra recognisers one scanner holds. */
#define PII_MAX_EXTRAS 8

/*
 * Add an extra recogniser to `s`, before the scanner is shared (the scanner
 * is immutable once states or threads use it). Its spans are filtered by
 * the scanner's labels, scored through their label's context, and resolved
 * with the rule spans; those it scores under `min_score` itself are dropped
 * first (0 keeps all). Returns 0 or ENCLAVE_ELIMIT past PII_MAX_EXTRAS.
 */
int pii_scanner_add_extra(enclave_pii_scanner *s, pii_extra_fn fn, const void *ctx,
                          float min_score);

/*
 * Mark the other whole-word occurrences of the exact text of the PERSON,
 * ORGANIZATION, LOCATION and STREET_ADDRESS spans in out->v[first..]
 * (spans of `text`, sorted, resolved) that no span covers,
 * with the span's label and score ("rule:span_repeat"; propagate.c says
 * which strings), then resolve again. Returns 0 or ENCLAVE_ENOMEM.
 */
int pii_propagate_repeats(struct enclave_pii_spans *out, size_t first, const char *text,
                          size_t len);

/*
 * Mark the other whole-word occurrences of the words of the PERSON spans in
 * out->v[first..] (spans of `text`, sorted, resolved) as PERSON spans
 * ("rule:name_repeat"; propagate.c says which words and where), then
 * resolve again. Returns 0 or ENCLAVE_ENOMEM.
 */
int pii_propagate_names(struct enclave_pii_spans *out, size_t first, const char *text, size_t len);

/* ------------------------------------------------------------ the pool (pool.c) */

/*
 * One task of a batch: index `i`, scanned with `st` (the running thread's
 * own state). Tasks report errors in their own results (pii_task_fail).
 */
typedef void (*pii_task_fn)(void *ctx, size_t i, enclave_pii_state *st);

/*
 * Run tasks 0..n-1 of `fn` on the pool's threads and the caller's, and
 * return when all are done. Not reentrant: one batch at a time per pool.
 */
void pii_pool_run(enclave_pii_pool *p, size_t n, pii_task_fn fn, void *ctx);

/* The scanner the pool's states belong to. */
const enclave_pii_scanner *pii_pool_scanner(const enclave_pii_pool *p);

/* A task's error, carried from the thread that ran it to the caller. */
struct pii_task_error {
	int code; /* 0 or ENCLAVE_E* */
	char message[256];
};

/* Record `code` and this thread's message in `e`. */
void pii_task_fail(struct pii_task_error *e, int code);

/* Set the recorded error on the calling thread: returns its code, or 0 when there was none. */
int pii_task_error(const struct pii_task_error *e);

/*
 * Street addresses from their shape (address.c), a pii_extra_fn run beside
 * the tagger: house number and street ("41372 Merikivi 83"), or a whole block
 * over its place lines; labels STREET_ADDRESS, and ZIP_CODE and LOCATION
 * for the postal codes and places of a letter head; source
 * "rule:address_shape", byte offsets. `ctx` is unused. Returns 0 or
 * ENCLAVE_ENOMEM.
 */
int pii_address_scan(const void *ctx, const char *text, size_t len, struct enclave_pii_spans *out);

/* ------------------------------------------------------------ validators */

/* Copy the ASCII digits of [s, s+n) to `out` (cap bytes with the NUL); their count, 0 if too many. */
size_t pii_digits(char *out, size_t cap, const char *s, size_t n);
/* The Luhn checksum holds for the digits `d` (n of them). */
int pii_luhn(const char *d, size_t n);
/* Every digit is the same. */
int pii_all_same(const char *d, size_t n);
/* The digits are a payment card number of a known issuer, of one of its lengths. */
int pii_card_issuer(const char *d, size_t n);
/* 9 digits are a possible SSN (area not 000, 666, 9xx; group, serial not 0; not advertised). */
int pii_ssn_ok(const char *d);
/* 9 digits are an ITIN (9xx, group 50-65, 70-88, 90-92, 94-99). */
int pii_itin_ok(const char *d);
/* 9 digits are an ABA routing number (district prefix, 3-7-1 checksum). */
int pii_aba_ok(const char *d);
/* 10 digits are an NHS number (mod 11 check digit). */
int pii_nhs_ok(const char *d);
/* [s, s+n) (spaces allowed) is an IBAN: its country's length and mod 97. */
int pii_iban_ok(const char *s, size_t n);
/* The two letters at `cc` are an ISO 3166-1 country code (any case). */
int pii_country_ok(const char *cc);
/* A top-level domain that is also a word or a file extension ("no", "md"). */
int pii_tld_weak(const char *tld, size_t n);
/* The top-level domain (any case) is in PII_TLDS. */
int pii_tld_known(const char *tld, size_t n);
/* 17 characters are a VIN with a valid check digit (position 9). */
int pii_vin_ok(const char *s);
/* A Base58Check string of a 25-byte payload (Bitcoin P2PKH / P2SH). */
int pii_base58check_ok(const char *s, size_t n);
/* A bech32 or bech32m string with a valid checksum (BIP 173, 350). */
int pii_bech32_ok(const char *s, size_t n);
/* An IPv6 address in any of its textual forms. */
int pii_ipv6_ok(const char *s, size_t n);
/* Shannon entropy of the bytes, bits per byte. */
double pii_entropy(const char *s, size_t n);
/* y-m-d is a calendar date (y < 0: any year). */
int pii_date_ok(int y, int m, int d);
/* The number written by 4 ASCII digits. */
int pii_atoi4(const char *d);

/* The top-level domains the DOMAIN and EMAIL recognisers know, as a regex alternation. */
#define PII_TLDS                                                                                  \
	"international|photography|consulting|management|technology|university|education|"        \
	"institute|"                                                                              \
	"insurance|marketing|solutions|hospital|partners|services|software|ventures|academy|"     \
	"company|digital|finance|network|reviews|support|systems|website|agency|center|clinic|"   \
	"design|energy|events|expert|global|health|museum|online|school|social|studio|travel|"    \
	"cloud|"                                                                                  \
	"email|group|legal|media|money|press|space|store|today|tools|works|world|aero|asia|bank|" \
	"blog|care|club|coop|guru|info|jobs|life|link|live|mobi|name|news|page|shop|site|team|"   \
	"tech|"                                                                                   \
	"zone|app|biz|com|dev|edu|gov|int|law|mil|net|org|pro|tel|top|xyz|ac|ad|ae|af|ag|ai|al|"  \
	"am|"                                                                                     \
	"ao|aq|ar|as|at|au|aw|ax|az|ba|bb|bd|be|bf|bg|bh|bi|bj|bl|bm|bn|bo|bq|br|bs|bt|bv|bw|by|" \
	"bz|"                                                                                     \
	"ca|cc|cd|cf|cg|ch|ci|ck|cl|cm|cn|co|cr|cu|cv|cw|cx|cy|cz|de|dj|dk|dm|do|dz|ec|ee|eg|eh|" \
	"er|"                                                                                     \
	"es|et|eu|fi|fj|fk|fm|fo|fr|ga|gb|gd|ge|gf|gg|gh|gi|gl|gm|gn|gp|gq|gr|gs|gt|gu|gw|gy|hk|" \
	"hm|"                                                                                     \
	"hn|hr|ht|hu|id|ie|il|im|in|io|iq|ir|is|it|je|jm|jo|jp|ke|kg|kh|ki|km|kn|kp|kr|kw|ky|kz|" \
	"la|"                                                                                     \
	"lb|lc|li|lk|lr|ls|lt|lu|lv|ly|ma|mc|md|me|mf|mg|mh|mk|ml|mm|mn|mo|mp|mq|mr|ms|mt|mu|mv|" \
	"mw|"                                                                                     \
	"mx|my|mz|na|nc|ne|nf|ng|ni|nl|no|np|nr|nu|nz|om|pa|pe|pf|pg|ph|pk|pl|pm|pn|pr|ps|pt|pw|" \
	"py|"                                                                                     \
	"qa|re|ro|rs|ru|rw|sa|sb|sc|sd|se|sg|sh|si|sj|sk|sl|sm|sn|so|sr|ss|st|sv|sx|sy|sz|tc|td|" \
	"tf|"                                                                                     \
	"tg|th|tj|tk|tl|tm|tn|to|tr|tt|tv|tw|tz|ua|ug|uk|um|us|uy|uz|va|vc|ve|vg|vi|vn|vu|wf|ws|" \
	"xk|"                                                                                     \
	"ye|yt|za|zm|zw"

#endif
