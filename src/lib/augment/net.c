/*
 * The one outbound HTTP client of Enclave, on libcurl, behind the egress
 * guard (guard.c). Nothing else in Enclave opens a connection to anything
 * but a listening socket of its own (enclave serve).
 *
 * What every request is made with, whatever the environment says:
 * - the URL's host passes guard_check_url first, and the very URL object it
 *   checked is handed to curl (CURLOPT_CURLU), so that no second parser can
 *   read the host differently;
 * - every socket curl opens goes through open_socket(), which asks
 *   guard_check_sockaddr and gives curl CURL_SOCKET_BAD on a refusal: no
 *   socket, no connect;
 * - http and https only (CURLOPT_PROTOCOLS_STR, also for redirects), and no
 *   redirects followed (a 3xx comes back to the caller, which refuses it);
 * - no proxy: CURLOPT_PROXY "" and CURLOPT_NOPROXY "*", so http_proxy,
 *   HTTPS_PROXY, ALL_PROXY and friends are ignored (a proxy cannot be
 *   configured: it would hide the final address from the guard);
 * - no .netrc, no cookie engine, no HSTS or alt-svc cache (curl's defaults,
 *   kept: none of them is switched on here);
 * - connect and total timeouts, and at most ENCLAVE_MAX_LLM_REPLY_BYTES of
 *   body, streamed bodies included.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "augment_int.h"

/*
 * curl's open-socket callback: the address curl is about to connect to.
 * Allowed: a socket like curl's default. Refused: CURL_SOCKET_BAD, and the
 * refusal kept in the net for the error message.
 */
static curl_socket_t open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *address)
{
	struct net *n = clientp;
	struct guard_refusal why;

	if (purpose != CURLSOCKTYPE_IPCXN ||
	    !guard_check_sockaddr(n->guard, &address->addr, address->addrlen, &why)) {
		if (purpose != CURLSOCKTYPE_IPCXN) {
			memset(&why, 0, sizeof(why));
			snprintf(why.address, sizeof(why.address), "(socket type %d)",
			         (int)purpose);
			why.reason = "not an outbound connection";
		}
		n->refused = why;
		n->was_refused = 1;
		return CURL_SOCKET_BAD;
	}
	n->opened++;
	return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

int net_init(struct net *n, const struct guard *guard)
{
	int error;

	memset(n, 0, sizeof(*n));
	if ((error = curl_dl_load()) < 0)
		return error;
	if (!(n->easy = curl_easy_init()))
		return error_oom();
	n->guard = guard;
	return 0;
}

void net_release(struct net *n)
{
	if (n->easy)
		curl_easy_cleanup(n->easy);
	n->easy = NULL;
}

void net_response_init(struct net_response *r)
{
	memset(r, 0, sizeof(*r));
	r->body.max = ENCLAVE_MAX_LLM_REPLY_BYTES;
	r->retry_after = -1;
}

void net_response_release(struct net_response *r)
{
	buf_release(&r->body);
}

/* The state of one transfer, seen by the write and header callbacks. */
struct transfer {
	const struct net_request *req;
	struct net_response *resp;
};

/* Body bytes: streamed to the caller (2xx with on_data) or collected, capped. */
static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct transfer *t = userdata;
	size_t len = size * nmemb;

	t->resp->received += len;
	if (t->resp->received > ENCLAVE_MAX_LLM_REPLY_BYTES) {
		t->resp->failure = NET_LIMIT;
		return 0;
	}
	if (t->req->on_data && t->resp->status >= 200 && t->resp->status < 300) {
		if (t->req->on_data(data, len, t->req->payload)) {
			t->resp->failure = NET_ABORTED;
			return 0;
		}
		return len;
	}
	if (buf_put(&t->resp->body, data, len) < 0) {
		t->resp->failure = NET_LIMIT;
		return 0;
	}
	return len;
}

/* Copy a header's value (after "Name:") without surrounding space into out. */
static void header_value(char *out, size_t size, const char *v, size_t len)
{
	while (len && (*v == ' ' || *v == '\t')) {
		v++;
		len--;
	}
	while (len && (v[len - 1] == '\r' || v[len - 1] == '\n' || v[len - 1] == ' '))
		len--;
	snprintf(out, size, "%.*s", (int)(len < size ? len : size - 1), v);
}

/* Header lines: the status of each response, Retry-After, Location. */
static size_t on_header(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct transfer *t = userdata;
	size_t len = size * nmemb;
	char tmp[64];

	if (len > 5 && !strncmp(data, "HTTP/", 5)) {
		const char *sp = memchr(data, ' ', len);
		t->resp->status = sp ? strtol(sp + 1, NULL, 10) : 0;
		t->resp->retry_after = -1;
		t->resp->location[0] = '\0';
	} else if (len > 12 && !strncasecmp(data, "Retry-After:", 12)) {
		char *end;
		double v;
		header_value(tmp, sizeof(tmp), data + 12, len - 12);
		v = strtod(tmp, &end);
		/* Seconds only; an HTTP date is treated as absent (backoff applies). */
		if (end != tmp && !*end && v >= 0)
			t->resp->retry_after = v;
	} else if (len > 9 && !strncasecmp(data, "Location:", 9)) {
		header_value(t->resp->location, sizeof(t->resp->location), data + 9, len - 9);
	}
	return len;
}

/* Seconds to curl's milliseconds, at least 1. */
static long to_ms(double s)
{
	return s <= 0 ? 1 : s > 86400 ? 86400000L : (long)(s * 1000.0 + 0.5);
}

int net_perform(struct net *n, const struct net_request *req, struct net_response *out)
{
	struct curl_slist *headers = NULL, *h;
	struct transfer t = { req, out };
	struct buf auth = BUF_INIT(8192);
	CURLU *url = NULL;
	CURLcode rc;
	int error = 0;

	out->failure = NET_OTHER;
	if (!(url = curl_url()))
		return error_oom();
	if (curl_url_set(url, CURLUPART_URL, req->url, 0) != CURLUE_OK) {
		error = error_set(ENCLAVE_EINVALID, "bad URL '%.200s'", req->url);
		goto done;
	}
	if ((error = guard_check_url(n->guard, url, &out->refused)) < 0) {
		if (error == ENCLAVE_EDENIED)
			out->failure = NET_REFUSED;
		goto done;
	}
	if (!(h = curl_slist_append(headers, "Accept: application/json")))
		goto oom;
	headers = h;
	if (!(h = curl_slist_append(headers, "Expect:")))
		goto oom;
	headers = h;
	if (req->body) {
		if (!(h = curl_slist_append(headers, "Content-Type: application/json")))
			goto oom;
		headers = h;
	}
	if (req->bearer) {
		if (buf_printf(&auth, "Authorization: Bearer %s", req->bearer) < 0 ||
		    !(h = curl_slist_append(headers, buf_cstr(&auth))))
			goto oom;
		headers = h;
	}

	curl_easy_reset(n->easy);
	n->was_refused = 0;
	n->opened = 0;
	n->errbuf[0] = '\0';
	curl_easy_setopt(n->easy, CURLOPT_CURLU, url);
	curl_easy_setopt(n->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(n->easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(n->easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(n->easy, CURLOPT_PROXY, "");
	curl_easy_setopt(n->easy, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(n->easy, CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
	curl_easy_setopt(n->easy, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	curl_easy_setopt(n->easy, CURLOPT_OPENSOCKETDATA, n);
	curl_easy_setopt(n->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(n->easy, CURLOPT_CONNECTTIMEOUT_MS, to_ms(req->connect_timeout));
	curl_easy_setopt(n->easy, CURLOPT_TIMEOUT_MS, to_ms(req->timeout));
	curl_easy_setopt(n->easy, CURLOPT_ERRORBUFFER, n->errbuf);
	curl_easy_setopt(n->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(n->easy, CURLOPT_WRITEDATA, &t);
	curl_easy_setopt(n->easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(n->easy, CURLOPT_HEADERDATA, &t);
	curl_easy_setopt(n->easy, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(n->easy, CURLOPT_USERAGENT, "enclave/" ENCLAVE_VERSION);
	curl_easy_setopt(n->easy, CURLOPT_MAXFILESIZE_LARGE,
	                 (curl_off_t)ENCLAVE_MAX_LLM_REPLY_BYTES);
	if (req->body) {
		curl_easy_setopt(n->easy, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(n->easy, CURLOPT_POSTFIELDSIZE_LARGE,
		                 (curl_off_t)strlen(req->body));
	} else {
		curl_easy_setopt(n->easy, CURLOPT_HTTPGET, 1L);
	}

	out->failure = NET_OK;
	rc = curl_easy_perform(n->easy);
	if (rc == CURLE_OK)
		goto done;
	/*
	 * A refusal is the error when nothing the guard allowed was tried (with
	 * several addresses, one refused and one allowed that failed, the
	 * failure of the allowed one is what the user must see).
	 */
	if (n->was_refused && !n->opened) {
		out->failure = NET_REFUSED;
		out->refused = n->refused;
		error = error_set(ENCLAVE_EDENIED, "egress refused: %s port %d: %s",
		                  out->refused.address, out->refused.port, out->refused.reason);
	} else if (out->failure == NET_LIMIT || rc == CURLE_FILESIZE_EXCEEDED) {
		out->failure = NET_LIMIT;
		error = error_set(ENCLAVE_ELIMIT, "'%s': the reply is larger than %zu bytes",
		                  req->url, ENCLAVE_MAX_LLM_REPLY_BYTES);
	} else if (out->failure == NET_ABORTED) {
		error = error_set(ENCLAVE_ERROR, "'%s': stopped by the caller", req->url);
	} else {
		curl_off_t ct = 0;
		if (curl_easy_getinfo(n->easy, CURLINFO_CONNECT_TIME_T, &ct) == CURLE_OK)
			out->connected = ct > 0;
		out->failure = rc == CURLE_OPERATION_TIMEDOUT ? NET_TIMEOUT
		               : (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
		                  rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR ||
		                  rc == CURLE_GOT_NOTHING || rc == CURLE_PARTIAL_FILE)
		                   ? NET_CONNECT
		                   : NET_OTHER;
		error = error_set(ENCLAVE_EIO, "'%s': %s", req->url,
		                  n->errbuf[0] ? n->errbuf : curl_easy_strerror(rc));
	}
	goto done;
oom:
	error = error_oom();
done:
	/* The handle must not keep pointers to what is freed here. */
	if (n->easy) {
		curl_easy_setopt(n->easy, CURLOPT_CURLU, NULL);
		curl_easy_setopt(n->easy, CURLOPT_HTTPHEADER, NULL);
		curl_easy_setopt(n->easy, CURLOPT_POSTFIELDS, NULL);
	}
	curl_slist_free_all(headers);
	curl_url_cleanup(url);
	buf_release(&auth);
	return error;
}
