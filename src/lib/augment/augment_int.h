/*
 * The augment module's private pieces: the egress guard (guard.c), the one
 * outbound HTTP client of Enclave (net.c), and the LLM client over it
 * (llm.c, config in llm_config.c).
 *
 * And what the deterministic augmenters share: a seeded random stream, spans
 * in code points with their byte offsets, the run (records committed in
 * groups, keys, lineage, the output hash: records.c), the synthetic
 * documents (synth_pii.c), the swap (entity_swap.c), EDA (eda.c) and
 * WordNet (wordnet.c).
 */
#ifndef ENCLAVE_AUGMENT_INT_H
#define ENCLAVE_AUGMENT_INT_H

#include <sys/socket.h>

/* libcurl is called through curl_dl (below): no type-checking macros over its names. */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>

#include "common_int.h"

/* ------------------------------------------------------------------ */
/* curl_dl.c: libcurl, loaded on first use                            */
/* ------------------------------------------------------------------ */

/*
 * The libcurl functions Enclave calls, through a table filled by dlopen the
 * first time a client is made (curl_dl.c says why). Files including this
 * header call them by their usual names: the macros at the bottom turn
 * `curl_easy_init()` into `(*curl_dl.curl_easy_init)()`, with libcurl's own
 * prototypes, so the compiler checks every call.
 */
#define CURL_DL_FUNCS(X)       \
	X(curl_easy_cleanup)   \
	X(curl_easy_getinfo)   \
	X(curl_easy_init)      \
	X(curl_easy_perform)   \
	X(curl_easy_reset)     \
	X(curl_easy_setopt)    \
	X(curl_easy_strerror)  \
	X(curl_free)           \
	X(curl_global_init)    \
	X(curl_slist_append)   \
	X(curl_slist_free_all) \
	X(curl_url)            \
	X(curl_url_cleanup)    \
	X(curl_url_get)        \
	X(curl_url_set)

struct curl_dl {
#define CURL_DL_FIELD(name) __typeof__(name) *name;
	CURL_DL_FUNCS(CURL_DL_FIELD)
#undef CURL_DL_FIELD
};

/* Filled once by curl_dl_load(), read-only after. */
extern struct curl_dl curl_dl;

/*
 * Load libcurl and run curl_global_init (once per process; later calls are
 * cheap). Returns 0, or ENCLAVE_EUNSUPPORTED "the LLM client is unavailable:
 * ..." every time when it cannot be loaded.
 */
int curl_dl_load(void);

#ifndef CURL_DL_NO_MACROS
#define curl_easy_cleanup (*curl_dl.curl_easy_cleanup)
/* curl.h's own function-like macro (a type check) would shadow the table. */
#undef curl_easy_getinfo
#define curl_easy_getinfo (*curl_dl.curl_easy_getinfo)
#define curl_easy_init (*curl_dl.curl_easy_init)
#define curl_easy_perform (*curl_dl.curl_easy_perform)
#define curl_easy_reset (*curl_dl.curl_easy_reset)
/* curl.h's own function-like macro (an arity check) would shadow the table. */
#undef curl_easy_setopt
#define curl_easy_setopt (*curl_dl.curl_easy_setopt)
#define curl_easy_strerror (*curl_dl.curl_easy_strerror)
#define curl_free (*curl_dl.curl_free)
#define curl_global_init (*curl_dl.curl_global_init)
#define curl_slist_append (*curl_dl.curl_slist_append)
#define curl_slist_free_all (*curl_dl.curl_slist_free_all)
#define curl_url (*curl_dl.curl_url)
#define curl_url_cleanup (*curl_dl.curl_url_cleanup)
#define curl_url_get (*curl_dl.curl_url_get)
#define curl_url_set (*curl_dl.curl_url_set)
#endif

/* ------------------------------------------------------------------ */
/* guard.c: the egress allowlist                                      */
/* ------------------------------------------------------------------ */

enum guard_kind { GUARD_V4, GUARD_V6, GUARD_NAME };

/* One allowlist entry: a network (address/prefix) or a host name, and a port. */
struct guard_entry {
	enum guard_kind kind;
	unsigned char addr[16]; /* network order; 4 bytes used for GUARD_V4 */
	int prefix;             /* bits that must match */
	int port;               /* 0: any port */
	char name[256];         /* GUARD_NAME: lower case */
};

struct guard {
	struct guard_entry *entries;
	size_t count;
};

/*
 * The allowlist: the `n` entries of `extra`, or when there are none,
 * loopback (127.0.0.0/8, ::1, the name "localhost", any port). Each entry is
 * "ADDR[/PREFIX][:PORT]",
 * "[V6ADDR][/PREFIX][:PORT]", "V6ADDR[/PREFIX]" or "NAME[:PORT]".
 * Returns 0 or ENCLAVE_EINVALID naming the bad entry.
 */
int guard_init(struct guard *g, char *const *extra, size_t n);

/* Parse one entry into `out`. Returns 0 or ENCLAVE_EINVALID. */
int guard_entry_parse(struct guard_entry *out, const char *spec);

void guard_release(struct guard *g);

/* Why something was refused: what the error message and the audit event name. */
struct guard_refusal {
	char address[280]; /* "127.0.0.2", "::1", or a host name */
	int port;
	const char *reason; /* static: "address not in the allowlist", ... */
};

/*
 * May the host of `url` (parsed by curl: the same parser that will connect)
 * be contacted? Literal addresses are checked against the address entries,
 * names against the name entries, before anything is resolved. Returns 0,
 * ENCLAVE_EDENIED (with *why filled and the message set) or
 * ENCLAVE_EINVALID (not an http(s) URL).
 */
int guard_check_url(const struct guard *g, CURLU *url, struct guard_refusal *why);

/*
 * May a socket connect to `sa` (a resolved address)? Only AF_INET and
 * AF_INET6 in an address entry with a matching port pass; an IPv4-mapped
 * IPv6 address is checked as IPv4. Returns 1 when allowed; when not, 0 with
 * *why filled (no message set: this runs inside curl's callback).
 */
int guard_check_sockaddr(const struct guard *g, const struct sockaddr *sa, socklen_t len,
                         struct guard_refusal *why);

/* ------------------------------------------------------------------ */
/* net.c: HTTP over libcurl, behind the guard                         */
/* ------------------------------------------------------------------ */

/* A connection (one curl easy handle, kept alive between requests) for one thread. */
struct net {
	CURL *easy;
	const struct guard *guard;    /* borrowed */
	struct guard_refusal refused; /* set by the socket callback */
	int was_refused;
	int opened; /* sockets the guard allowed in this request */
	char errbuf[CURL_ERROR_SIZE];
};

/* Receives the body of a streamed response; non-zero stops the transfer. */
typedef int (*net_data_cb)(const char *data, size_t len, void *payload);

struct net_request {
	const char *url;
	const char *body;       /* POST this (application/json) when not NULL; else GET */
	const char *bearer;     /* "Authorization: Bearer" token, or NULL */
	double timeout;         /* seconds, whole request */
	double connect_timeout; /* seconds */
	net_data_cb on_data;    /* stream a 2xx body here instead of collecting it */
	void *payload;
};

/* How a request failed, for the retry decision. */
enum net_failure {
	NET_OK = 0,
	NET_REFUSED, /* the guard said no (never retried) */
	NET_CONNECT, /* could not connect, connection dropped */
	NET_TIMEOUT, /* connect or total timeout */
	NET_LIMIT,   /* the reply passed ENCLAVE_MAX_LLM_REPLY_BYTES */
	NET_ABORTED, /* the data callback asked to stop */
	NET_OTHER
};

struct net_response {
	long status;        /* HTTP status, 0 when none came */
	struct buf body;    /* the body (non-2xx bodies too), capped */
	double retry_after; /* seconds from Retry-After, -1 when absent */
	char location[512]; /* Location of a 3xx, "" when none */
	enum net_failure failure;
	struct guard_refusal refused; /* with NET_REFUSED */
	size_t received;              /* body bytes received (streamed ones too) */
	int connected;                /* a connection was established (CURLINFO_CONNECT_TIME_T) */
};

/* Make `n` for `guard` (loading libcurl). Returns 0, ENCLAVE_ENOMEM or ENCLAVE_EUNSUPPORTED. */
int net_init(struct net *n, const struct guard *guard);
void net_release(struct net *n);

void net_response_init(struct net_response *r);
void net_response_release(struct net_response *r);

/*
 * One request. The URL's host passes guard_check_url first; the socket
 * callback checks every address curl connects to. No redirects are
 * followed: a 3xx is returned as it is (the caller refuses it). Returns 0
 * when an HTTP response came (whatever its status), or an error with
 * out->failure saying which: ENCLAVE_EDENIED (NET_REFUSED), ENCLAVE_EIO,
 * ENCLAVE_ELIMIT, ENCLAVE_EINVALID (a bad URL).
 */
int net_perform(struct net *n, const struct net_request *req, struct net_response *out);

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

/*
 * Append the spans of document `doc`'s accepted NER annotations to `out`,
 * as stored (code points of the original text; not prepared).
 */
int aug_annotation_spans(struct aug_spans *out, enclave_project *p, int64_t doc);

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
