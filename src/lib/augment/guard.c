/*
 * The egress guard: which addresses and ports Enclave may connect to. It is
 * treated like authentication code: small, no cleverness, and every refusal
 * path tested (tests/unit/test_llm.c, tests/scripts/test_egress.sh).
 *
 * The allowlist holds address entries (an IPv4 or IPv6 network and a port,
 * or any port) and name entries (a host name and a port). An endpoint
 * without `allow:` gets loopback: 127.0.0.0/8, ::1 and the name "localhost",
 * any port. An endpoint with `allow:` gets exactly its entries (write
 * 127.0.0.0/8 among them to keep loopback). Two checks, both required, fail
 * closed:
 *
 * 1. Before a request, the URL's host (as curl's own URL parser reads it,
 *    and the parsed URL is what curl then uses): a literal address must be
 *    in an address entry with its port, a name must be a listed name with
 *    its port. A name not listed is refused here, so it is never resolved.
 *    A listed name only lets the name be resolved: see check 2.
 * 2. In curl's open-socket callback, for every address curl is about to
 *    connect to (each one a resolved name gives, each retry): the address
 *    and port must be in an address entry. Anything else (another family, a
 *    port not listed) gets no socket, so no packet leaves.
 *
 * So a name entry never widens where connections go: DNS that answers with
 * an address outside the list gets a refusal, not a connection.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "augment_int.h"

/* ------------------------------------------------------------------ */
/* Entries                                                            */
/* ------------------------------------------------------------------ */

/* "*" or 1..65535 into *port (0 for "*"). Returns 0 or -1. */
static int parse_port(const char *s, int *port)
{
	char *end;
	long v;

	if (!strcmp(s, "*")) {
		*port = 0;
		return 0;
	}
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 1 || v > 65535)
		return -1;
	*port = (int)v;
	return 0;
}

/* "0".."max" into *prefix. Returns 0 or -1. */
static int parse_prefix(const char *s, int max, int *prefix)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0 || v > max)
		return -1;
	*prefix = (int)v;
	return 0;
}

/* A host name: letters, digits, '-' and '.', not all digits and dots (no "10.1"). */
static int valid_name(const char *s)
{
	size_t n = strlen(s);
	int alpha = 0;

	if (!n || n > 253 || *s == '.' || *s == '-')
		return 0;
	for (; *s; s++) {
		if (isalpha((unsigned char)*s))
			alpha = 1;
		else if (!isdigit((unsigned char)*s) && *s != '-' && *s != '.')
			return 0;
	}
	return alpha;
}

int guard_entry_parse(struct guard_entry *out, const char *spec)
{
	char tmp[300], *host = tmp, *port = NULL, *prefix = NULL, *p;
	int bracket = 0;

	memset(out, 0, sizeof(*out));
	if (!spec || !*spec || strlen(spec) >= sizeof(tmp))
		goto bad;
	snprintf(tmp, sizeof(tmp), "%s", spec);
	if (*host == '[') {
		/* "[V6]" "[V6]/N" "[V6]:PORT" "[V6]/N:PORT" */
		if (!(p = strchr(host, ']')))
			goto bad;
		*p++ = '\0';
		host++;
		bracket = 1;
		if (*p == '/') {
			*p++ = '\0';
			prefix = p;
			p += strcspn(p, ":");
		}
		if (*p == ':') {
			*p++ = '\0';
			port = p;
		} else if (*p) {
			goto bad;
		}
	} else if ((p = strchr(host, ':')) && strchr(p + 1, ':')) {
		/* Two colons or more: a bare IPv6 address, no port. */
		if ((p = strchr(host, '/'))) {
			*p++ = '\0';
			prefix = p;
		}
	} else {
		if ((p = strrchr(host, ':'))) {
			*p++ = '\0';
			port = p;
		}
		if ((p = strchr(host, '/'))) {
			*p++ = '\0';
			prefix = p;
		}
	}
	if (port && parse_port(port, &out->port) < 0)
		goto bad;
	if (inet_pton(AF_INET, host, out->addr) == 1 && !bracket) {
		out->kind = GUARD_V4;
		out->prefix = 32;
		if (prefix && parse_prefix(prefix, 32, &out->prefix) < 0)
			goto bad;
		return 0;
	}
	if (inet_pton(AF_INET6, host, out->addr) == 1) {
		out->kind = GUARD_V6;
		out->prefix = 128;
		if (prefix && parse_prefix(prefix, 128, &out->prefix) < 0)
			goto bad;
		return 0;
	}
	if (bracket || prefix || !valid_name(host))
		goto bad;
	out->kind = GUARD_NAME;
	for (p = host; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	snprintf(out->name, sizeof(out->name), "%.255s", host);
	return 0;
bad:
	return error_set(
	    ENCLAVE_EINVALID,
	    "bad allowlist entry '%.200s': ADDR[/PREFIX][:PORT], [IPV6][/PREFIX][:PORT]"
	    " or NAME[:PORT]",
	    spec ? spec : "");
}

int guard_init(struct guard *g, char *const *extra, size_t n)
{
	static const char *const loopback[] = { "127.0.0.0/8", "::1", "localhost" };
	size_t nloop = n ? 0 : sizeof(loopback) / sizeof(loopback[0]), i;
	int error;

	memset(g, 0, sizeof(*g));
	if (n > ENCLAVE_MAX_LLM_ALLOW)
		return error_set(ENCLAVE_ELIMIT, "more than %d allowlist entries",
		                 ENCLAVE_MAX_LLM_ALLOW);
	if (!(g->entries = calloc(nloop + n, sizeof(*g->entries))))
		return error_oom();
	for (i = 0; i < nloop + n; i++) {
		error =
		    guard_entry_parse(&g->entries[i], i < nloop ? loopback[i] : extra[i - nloop]);
		if (error < 0) {
			guard_release(g);
			return error;
		}
		g->count++;
	}
	return 0;
}

void guard_release(struct guard *g)
{
	free(g->entries);
	g->entries = NULL;
	g->count = 0;
}

/* ------------------------------------------------------------------ */
/* Checks                                                             */
/* ------------------------------------------------------------------ */

/* Do the first `bits` bits of a and b agree? */
static int prefix_match(const unsigned char *a, const unsigned char *b, int bits)
{
	int whole = bits / 8, rest = bits % 8;

	if (memcmp(a, b, (size_t)whole))
		return 0;
	if (!rest)
		return 1;
	return ((a[whole] ^ b[whole]) & (0xff << (8 - rest)) & 0xff) == 0;
}

/* Is the address (4 or 16 bytes) with `port` in an address entry? */
static int addr_allowed(const struct guard *g, enum guard_kind kind, const unsigned char *addr,
                        int port)
{
	size_t i;

	for (i = 0; i < g->count; i++) {
		const struct guard_entry *e = &g->entries[i];
		if (e->kind == kind && (!e->port || e->port == port) &&
		    prefix_match(e->addr, addr, e->prefix))
			return 1;
	}
	return 0;
}

int guard_check_sockaddr(const struct guard *g, const struct sockaddr *sa, socklen_t len,
                         struct guard_refusal *why)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	memset(why, 0, sizeof(*why));
	if (sa && sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		why->port = ntohs(in->sin_port);
		inet_ntop(AF_INET, &in->sin_addr, why->address, sizeof(why->address));
		if (addr_allowed(g, GUARD_V4, (const unsigned char *)&in->sin_addr, why->port))
			return 1;
	} else if (sa && sa->sa_family == AF_INET6 &&
	           len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		const unsigned char *a = in6->sin6_addr.s6_addr;
		why->port = ntohs(in6->sin6_port);
		inet_ntop(AF_INET6, &in6->sin6_addr, why->address, sizeof(why->address));
		if (!memcmp(a, mapped, sizeof(mapped))) {
			/* ::ffff:a.b.c.d reaches a.b.c.d: judge it as that. */
			if (addr_allowed(g, GUARD_V4, a + 12, why->port))
				return 1;
		} else if (addr_allowed(g, GUARD_V6, a, why->port)) {
			return 1;
		}
	} else {
		snprintf(why->address, sizeof(why->address), "(address family %d)",
		         sa ? sa->sa_family : -1);
		why->reason = "not an IPv4 or IPv6 address";
		return 0;
	}
	why->reason = "address not in the allowlist";
	return 0;
}

int guard_check_url(const struct guard *g, CURLU *url, struct guard_refusal *why)
{
	char *scheme = NULL, *host = NULL, *port = NULL, *zone = NULL;
	unsigned char addr[16];
	char name[256];
	int error = 0, portnum;
	size_t i, n;

	memset(why, 0, sizeof(*why));
	if (curl_url_get(url, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") && strcmp(scheme, "https"))) {
		error = error_set(ENCLAVE_EINVALID, "only http and https URLs are allowed");
		goto done;
	}
	if (curl_url_get(url, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(url, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
		error = error_set(ENCLAVE_EINVALID, "the URL has no host");
		goto done;
	}
	portnum = atoi(port);
	why->port = portnum;
	snprintf(why->address, sizeof(why->address), "%s", host);
	if (curl_url_get(url, CURLUPART_ZONEID, &zone, 0) == CURLUE_OK && zone && *zone) {
		why->reason = "IPv6 zone ids are not allowed";
		goto refuse;
	}
	n = strlen(host);
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		snprintf(name, sizeof(name), "%.*s", (int)(n - 2), host + 1);
		snprintf(why->address, sizeof(why->address), "%s", name);
		if (inet_pton(AF_INET6, name, addr) != 1) {
			why->reason = "not an IPv6 address";
			goto refuse;
		}
		{
			struct sockaddr_in6 sa6;
			memset(&sa6, 0, sizeof(sa6));
			sa6.sin6_family = AF_INET6;
			sa6.sin6_port = htons((uint16_t)portnum);
			memcpy(&sa6.sin6_addr, addr, 16);
			if (guard_check_sockaddr(g, (struct sockaddr *)&sa6, sizeof(sa6), why))
				goto done;
		}
		goto refuse;
	}
	if (inet_pton(AF_INET, host, addr) == 1) {
		if (addr_allowed(g, GUARD_V4, addr, portnum))
			goto done;
		why->reason = "address not in the allowlist";
		goto refuse;
	}
	/* A name: listed (with its port), or refused before any lookup. */
	if (n >= sizeof(name)) {
		why->reason = "host name too long";
		goto refuse;
	}
	for (i = 0; i <= n; i++)
		name[i] = (char)tolower((unsigned char)host[i]);
	for (i = 0; i < g->count; i++) {
		const struct guard_entry *e = &g->entries[i];
		if (e->kind == GUARD_NAME && !strcmp(e->name, name) &&
		    (!e->port || e->port == portnum))
			goto done;
	}
	why->reason = "host name not in the allowlist (not resolved)";
refuse:
	error = error_set(ENCLAVE_EDENIED, "egress refused: %s port %d: %s", why->address,
	                  why->port, why->reason);
done:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(zone);
	return error;
}
