/*
 * The augment module's private pieces: the egress guard (guard.c), the one
 * outbound HTTP client of Enclave (net.c), and the LLM client over it
 * (llm.c, config in llm_config.c).
 */
#ifndef ENCLAVE_AUGMENT_INT_H
#define ENCLAVE_AUGMENT_INT_H

#include <sys/socket.h>

#include <curl/curl.h>

#include "common_int.h"

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
};

/* Make `n` for `guard`. Returns 0 or ENCLAVE_ENOMEM. */
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

#endif
