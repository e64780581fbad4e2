/*
 * The LLM client and its egress guard (src/lib/augment/), against real
 * fakellm servers (tests/tools/fakellm.c) on loopback, started per test
 * group: 127.0.0.1:P (the endpoint), 127.0.0.2:P (an address that must never
 * be reached) and 127.0.0.1:Q (a "proxy" that must never be reached). Each
 * fakellm counts the connections it accepted (GET /fake/stats), which is how
 * "refused before any connect" is proven. Nothing here points outside
 * 127.0.0.0/8.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "augment/augment_int.h"
#include "project_fixture.h"

/* ------------------------------------------------------------------ */
/* fakellm processes                                                  */
/* ------------------------------------------------------------------ */

struct server {
	pid_t pid;
	int port;
};

static struct server srv_a, srv_b, srv_proxy; /* 127.0.0.1:P, 127.0.0.2:P, 127.0.0.1:Q */

/* Start fakellm with `args` (NULL-terminated); its port from its first line. */
static int start_server(struct server *s, const char *const *args)
{
	const char *exe = getenv("FAKELLM");
	int fds[2];
	char line[64];
	FILE *f;
	const char *argv[16];
	int i;

	if (!exe || pipe(fds) < 0)
		return -1;
	argv[0] = exe;
	for (i = 0; args[i] && i < 14; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	if ((s->pid = fork()) == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execv(exe, (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	f = fdopen(fds[0], "r");
	if (!f || !fgets(line, sizeof(line), f) || sscanf(line, "port %d", &s->port) != 1) {
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

static void stop_server(struct server *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		waitpid(s->pid, NULL, 0);
	}
	s->pid = 0;
}

/* Connections the server at addr:port accepted so far (this query included), -1 on error. */
static long connections(const char *addr, int port)
{
	struct sockaddr_in sa;
	char req[] = "GET /fake/stats HTTP/1.0\r\n\r\n", buf[2048];
	const char *body;
	size_t got = 0;
	ssize_t n;
	long c = -1;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, addr, &sa.sin_addr);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    write(fd, req, sizeof(req) - 1) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while (got < sizeof(buf) - 1 && (n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fd);
	if ((body = strstr(buf, "\"connections\":")))
		c = strtol(body + 14, NULL, 10);
	return c;
}

static int group_setup(void **state)
{
	char port[16], redirect[64];

	(void)state;
	/* The guard tests call curl's URL parser before any client loads libcurl. */
	if (curl_dl_load() < 0)
		return -1;
	if (start_server(&srv_a, (const char *const[]){ "--listen", "127.0.0.1", NULL }) < 0)
		return -1;
	snprintf(port, sizeof(port), "%d", srv_a.port);
	/* The forbidden twin: the same port on 127.0.0.2. */
	if (start_server(
	        &srv_b, (const char *const[]){ "--listen", "127.0.0.2", "--port", port, NULL }) < 0)
		return -1;
	if (start_server(&srv_proxy, (const char *const[]){ "--listen", "127.0.0.1", NULL }) < 0)
		return -1;
	/* A restart of A, now redirecting to B. */
	stop_server(&srv_a);
	snprintf(redirect, sizeof(redirect), "http://127.0.0.2:%s", port);
	if (start_server(&srv_a, (const char *const[]){ "--listen", "127.0.0.1", "--port", port,
	                                                "--redirect-to", redirect, NULL }) < 0)
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	stop_server(&srv_a);
	stop_server(&srv_b);
	stop_server(&srv_proxy);
	return 0;
}

/* An endpoint on srv_a of `kind`, with `allow` entries (NULL-terminated, may be NULL). */
static void endpoint(struct enclave_llm_endpoint *ep, char *url, size_t urlsize,
                     enum enclave_llm_kind kind, const char *host)
{
	memset(ep, 0, sizeof(*ep));
	ep->version = ENCLAVE_LLM_ENDPOINT_VERSION;
	ep->name = "test";
	ep->kind = kind;
	snprintf(url, urlsize, "http://%s:%d", host, srv_a.port);
	ep->base_url = url;
	ep->model = kind == ENCLAVE_LLM_OLLAMA ? "fake:latest" : "fake";
	ep->timeout = 10;
	ep->connect_timeout = 5;
	ep->concurrency = 4;
	ep->retries = 3;
	ep->backoff = 0.01;
}

/* One user message, sent with `stream`; returns the code, reply in *out. */
static int ask(struct enclave_llm_reply *out, enclave_llm *llm, const char *text, int stream)
{
	struct enclave_llm_message m = { "user", text };
	struct enclave_llm_request req = ENCLAVE_LLM_REQUEST_INIT;

	req.messages = &m;
	req.nmessages = 1;
	req.stream = stream;
	return enclave_llm_chat(out, llm, &req);
}

/* ------------------------------------------------------------------ */
/* The guard alone                                                    */
/* ------------------------------------------------------------------ */

static void test_entry_parse(void **state)
{
	struct guard_entry e;
	static const char *const bad[] = {
		"",        "10.0.0.1:0", "10.0.0.1:65536", "10.0.0.1/33", "::1/129",
		"[::1",    "10.0.0",     "10.0.0.1:x",     "a b",         "[gpu1]:80",
		"gpu1/24", "-gpu",       "10.0.0.1/8/8",   "http://gpu1"
	};
	size_t i;

	(void)state;
	assert_int_equal(guard_entry_parse(&e, "10.1.0.0/16:11434"), 0);
	assert_int_equal(e.kind, GUARD_V4);
	assert_int_equal(e.prefix, 16);
	assert_int_equal(e.port, 11434);
	assert_int_equal(guard_entry_parse(&e, "[fd00::5]/64:8080"), 0);
	assert_int_equal(e.kind, GUARD_V6);
	assert_int_equal(e.prefix, 64);
	assert_int_equal(e.port, 8080);
	assert_int_equal(guard_entry_parse(&e, "fd00::5"), 0);
	assert_int_equal(e.prefix, 128);
	assert_int_equal(e.port, 0);
	assert_int_equal(guard_entry_parse(&e, "GPU1.Internal:*"), 0);
	assert_int_equal(e.kind, GUARD_NAME);
	assert_string_equal(e.name, "gpu1.internal");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(guard_entry_parse(&e, bad[i]), ENCLAVE_EINVALID);
		assert_non_null(strstr(enclave_error_last(), "bad allowlist entry"));
	}
}

static struct sockaddr_in v4(const char *a, int port)
{
	struct sockaddr_in sa;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, a, &sa.sin_addr);
	return sa;
}

static struct sockaddr_in6 v6(const char *a, int port)
{
	struct sockaddr_in6 sa;

	memset(&sa, 0, sizeof(sa));
	sa.sin6_family = AF_INET6;
	sa.sin6_port = htons((uint16_t)port);
	inet_pton(AF_INET6, a, &sa.sin6_addr);
	return sa;
}

#define ALLOWED(g, sa) guard_check_sockaddr((g), (struct sockaddr *)&(sa), sizeof(sa), &why)

static void test_sockaddr_checks(void **state)
{
	struct guard loop, g;
	struct guard_refusal why;
	char *entries[] = { "10.1.0.0/16:11434", "192.168.1.5:8080", "[fd00::]/8:80" };
	struct sockaddr_in a;
	struct sockaddr_in6 b;
	struct sockaddr_un u;

	(void)state;
	assert_int_equal(guard_init(&loop, NULL, 0), 0);
	assert_int_equal(guard_init(&g, entries, 3), 0);
	a = v4("127.0.0.1", 11434);
	assert_true(ALLOWED(&loop, a));
	a = v4("127.255.1.2", 1);
	assert_true(ALLOWED(&loop, a));
	a = v4("128.0.0.1", 80);
	assert_false(ALLOWED(&loop, a));
	assert_string_equal(why.address, "128.0.0.1");
	assert_int_equal(why.port, 80);
	a = v4("10.0.0.1", 11434);
	assert_false(ALLOWED(&loop, a));
	b = v6("::1", 443);
	assert_true(ALLOWED(&loop, b));
	b = v6("::2", 443);
	assert_false(ALLOWED(&loop, b));
	b = v6("::ffff:127.0.0.1", 80); /* mapped: judged as IPv4 */
	assert_true(ALLOWED(&loop, b));
	b = v6("::ffff:10.1.2.3", 11434);
	assert_false(ALLOWED(&loop, b));
	assert_true(ALLOWED(&g, b));
	/* The explicit list replaces loopback. */
	a = v4("127.0.0.1", 11434);
	assert_false(ALLOWED(&g, a));
	a = v4("10.1.255.255", 11434);
	assert_true(ALLOWED(&g, a));
	a = v4("10.1.255.255", 11435);
	assert_false(ALLOWED(&g, a));
	a = v4("10.2.0.1", 11434);
	assert_false(ALLOWED(&g, a));
	a = v4("192.168.1.5", 8080);
	assert_true(ALLOWED(&g, a));
	a = v4("192.168.1.6", 8080);
	assert_false(ALLOWED(&g, a));
	b = v6("fd12::1", 80);
	assert_true(ALLOWED(&g, b));
	b = v6("fe80::1", 80);
	assert_false(ALLOWED(&g, b));
	memset(&u, 0, sizeof(u));
	u.sun_family = AF_UNIX;
	assert_false(ALLOWED(&loop, u));
	assert_string_equal(why.reason, "not an IPv4 or IPv6 address");
	guard_release(&loop);
	guard_release(&g);
}

/* guard_check_url on `url`: 0 or the code. */
static int check_url(const struct guard *g, const char *url, struct guard_refusal *why)
{
	CURLU *u = curl_url();
	int rc;

	assert_int_equal(curl_url_set(u, CURLUPART_URL, url, 0), CURLUE_OK);
	rc = guard_check_url(g, u, why);
	curl_url_cleanup(u);
	return rc;
}

static void test_url_checks(void **state)
{
	struct guard loop, g;
	struct guard_refusal why;
	char *entries[] = { "gpu1.internal:11434", "10.0.0.5:8080" };

	(void)state;
	assert_int_equal(guard_init(&loop, NULL, 0), 0);
	assert_int_equal(guard_init(&g, entries, 2), 0);
	assert_int_equal(check_url(&loop, "http://127.0.0.1:11434/api/chat", &why), 0);
	assert_int_equal(check_url(&loop, "http://localhost:8080/v1/models", &why), 0);
	assert_int_equal(check_url(&loop, "https://LOCALHOST/", &why), 0);
	assert_int_equal(check_url(&loop, "http://[::1]:8080/", &why), 0);
	assert_int_equal(check_url(&loop, "http://example.org/", &why), ENCLAVE_EDENIED);
	assert_string_equal(why.address, "example.org");
	assert_int_equal(why.port, 80);
	assert_non_null(strstr(enclave_error_last(), "example.org port 80"));
	assert_non_null(strstr(enclave_error_last(), "not resolved"));
	assert_int_equal(check_url(&loop, "http://localhost.:80/", &why), ENCLAVE_EDENIED);
	assert_int_equal(check_url(&loop, "http://10.0.0.5:8080/", &why), ENCLAVE_EDENIED);
	assert_int_equal(check_url(&loop, "http://[::2]:80/", &why), ENCLAVE_EDENIED);
	assert_string_equal(why.address, "::2");
	assert_int_equal(check_url(&loop, "ftp://127.0.0.1/", &why), ENCLAVE_EINVALID);
	assert_int_equal(check_url(&g, "http://gpu1.internal:11434/api/tags", &why), 0);
	assert_int_equal(check_url(&g, "http://gpu1.internal:11435/", &why), ENCLAVE_EDENIED);
	assert_int_equal(check_url(&g, "http://gpu2.internal:11434/", &why), ENCLAVE_EDENIED);
	assert_int_equal(check_url(&g, "http://10.0.0.5:8080/", &why), 0);
	assert_int_equal(check_url(&g, "https://10.0.0.5/", &why), ENCLAVE_EDENIED);
	assert_int_equal(check_url(&g, "http://localhost:11434/", &why), ENCLAVE_EDENIED);
	assert_int_equal(check_url(&g, "http://127.0.0.1:8080/", &why), ENCLAVE_EDENIED);
	guard_release(&loop);
	guard_release(&g);
}

static void test_config(void **state)
{
	struct enclave_llm_config c;
	const struct enclave_llm_endpoint *ep;
	const char *ok = "pii:\n  preset: all\nllm:\n  local:\n    kind: ollama\n"
	                 "    base_url: http://127.0.0.1:11434/\n    model: llama3.1:8b\n"
	                 "  gpu:\n    kind: openai\n    base_url: http://gpu1.internal:8080/v1\n"
	                 "    timeout: 30\n    concurrency: 16\n    retries: 0\n"
	                 "    api_key_env: GPU_KEY\n    schema: json_schema\n"
	                 "    allow: [gpu1.internal:8080, 10.0.0.5/32:8080]\n";

	(void)state;
	assert_int_equal(enclave_llm_config_parse(&c, ok, strlen(ok), "enclave.yaml"), 0);
	assert_int_equal(c.count, 2);
	ep = enclave_llm_config_find(&c, "local");
	assert_non_null(ep);
	assert_int_equal(ep->kind, ENCLAVE_LLM_OLLAMA);
	assert_string_equal(ep->base_url, "http://127.0.0.1:11434");
	assert_string_equal(ep->model, "llama3.1:8b");
	assert_int_equal(ep->concurrency, 4);
	assert_int_equal(ep->nallow, 0);
	ep = enclave_llm_config_find(&c, "gpu");
	assert_int_equal(ep->kind, ENCLAVE_LLM_OPENAI);
	assert_int_equal(ep->concurrency, 16);
	assert_int_equal(ep->retries, 0);
	assert_true(ep->timeout == 30);
	assert_string_equal(ep->api_key_env, "GPU_KEY");
	assert_int_equal(ep->schema_mode, ENCLAVE_LLM_SCHEMA_JSON_SCHEMA);
	assert_int_equal(ep->nallow, 2);
	assert_string_equal(ep->allow[1], "10.0.0.5/32:8080");
	assert_null(enclave_llm_config_find(&c, "nope"));
	enclave_llm_config_release(&c);

#define BAD(text, want)                                                                      \
	do {                                                                                 \
		assert_int_equal(enclave_llm_config_parse(&c, text, strlen(text), "e.yaml"), \
		                 ENCLAVE_EINVALID);                                          \
		assert_non_null(strstr(enclave_error_last(), want));                         \
	} while (0)
	BAD("llm:\n  x:\n    kind: ollama\n    base_url: http://a\n    api_key: sk-123\n",
	    "e.yaml:5: keys do not go in the project file");
	BAD("llm:\n  x:\n    kind: vllm\n", "e.yaml:3: 'kind' takes ollama or openai");
	BAD("llm:\n  x:\n    kind: ollama\n", "e.yaml:2: llm endpoint 'x' needs 'base_url'");
	BAD("llm:\n  x:\n    kind: ollama\n    base_url: file:///etc/passwd\n",
	    "e.yaml:4: 'base_url' takes an http:// or https:// URL");
	BAD("llm:\n  x:\n    kind: ollama\n    base_url: http://a\n    allow: [10.0.0.1/40]\n",
	    "e.yaml:5: bad allowlist entry '10.0.0.1/40'");
	BAD("llm:\n  x:\n    kind: ollama\n    base_url: http://a\n    colour: red\n",
	    "e.yaml:5: unknown key 'colour' in llm endpoint 'x'");
	BAD("llm:\n  x:\n    kind: ollama\n    base_url: http://a\n    concurrency: 1.5\n",
	    "e.yaml:5: 'concurrency' takes a whole number");
	BAD("llm:\n  x:\n    kind: ollama\n    base_url: http://a\n    api_key_env: A-B\n",
	    "e.yaml:5: 'api_key_env' takes the name of an environment variable");
	BAD("llm:\n  x: {kind: ollama, base_url: 'http://a'}\n  x: {kind: ollama, base_url: "
	    "'http://a'}\n",
	    "e.yaml:3: endpoint 'x' given twice");
	BAD("llm:\n  x: &a {kind: ollama, base_url: 'http://a'}\n  y: *a\n",
	    "e.yaml:3: aliases are not allowed");
#undef BAD
	/* The clean config reads the same file and skips llm:. */
	{
		struct enclave_clean_config cc;
		assert_int_equal(enclave_clean_config_parse(&cc, ok, strlen(ok), "enclave.yaml"),
		                 0);
		enclave_clean_config_release(&cc);
	}
}

/* ------------------------------------------------------------------ */
/* Refusals, against running servers                                  */
/* ------------------------------------------------------------------ */

/* Count egress.refused events and keep the last one's params. */
struct refusals {
	int n;
	char params[1024];
};

static int count_refusals(const struct enclave_audit_event *e, void *payload)
{
	struct refusals *r = payload;

	if (!strcmp(e->action, "egress.refused")) {
		r->n++;
		snprintf(r->params, sizeof(r->params), "%s", e->params);
	}
	return 0;
}

static void test_refused_before_connect(void **state)
{
	struct fixture *f = *state;
	struct enclave_llm_endpoint ep;
	struct enclave_llm_reply r;
	struct refusals ref = { 0, "" };
	enclave_llm *llm;
	char url[64], entry[32], want[64];
	char *allow[1] = { entry };
	long before_b, after_b;

	snprintf(entry, sizeof(entry), "127.0.0.1:%d", srv_a.port);
	endpoint(&ep, url, sizeof(url), ENCLAVE_LLM_OLLAMA, "127.0.0.2");
	ep.allow = allow;
	ep.nallow = 1;
	assert_int_equal(enclave_llm_new(&llm, &ep, f->p), 0);
	before_b = connections("127.0.0.2", srv_b.port);
	assert_true(before_b >= 1);
	assert_int_equal(ask(&r, llm, "hello", 0), ENCLAVE_EDENIED);
	snprintf(want, sizeof(want), "egress refused: 127.0.0.2 port %d", srv_a.port);
	assert_non_null(strstr(enclave_error_last(), want));
	assert_int_equal(r.attempts, 1); /* never retried */
	after_b = connections("127.0.0.2", srv_b.port);
	assert_int_equal(after_b, before_b + 1); /* only the stats query itself */
	assert_int_equal(enclave_audit_foreach(f->p, count_refusals, &ref), 0);
	assert_int_equal(ref.n, 1);
	assert_non_null(strstr(ref.params, "\"address\":\"127.0.0.2\""));
	enclave_llm_reply_release(&r);
	enclave_llm_free(llm);

	/* The same endpoint allowed: it works, so the refusal above was the guard's. */
	endpoint(&ep, url, sizeof(url), ENCLAVE_LLM_OLLAMA, "127.0.0.1");
	ep.allow = allow;
	ep.nallow = 1;
	assert_int_equal(enclave_llm_new(&llm, &ep, f->p), 0);
	assert_int_equal(ask(&r, llm, "hello", 0), 0);
	assert_string_equal(r.content, "ECHO: HELLO");
	enclave_llm_reply_release(&r);
	enclave_llm_free(llm);
}

/* A listed name whose addresses are not listed: resolved, then refused at the socket. */
static void test_refused_at_socket(void **state)
{
	struct enclave_llm_endpoint ep;
	struct enclave_llm_reply r;
	enclave_llm *llm;
	char url[64], e1[32], e2[32];
	char *allow[2] = { e1, e2 };
	long before;

	(void)state;
	snprintf(e1, sizeof(e1), "localhost:%d", srv_a.port);
	snprintf(e2, sizeof(e2), "127.0.0.2:%d", srv_a.port);
	endpoint(&ep, url, sizeof(url), ENCLAVE_LLM_OPENAI, "localhost");
	ep.allow = allow;
	ep.nallow = 2;
	assert_int_equal(enclave_llm_new(&llm, &ep, NULL), 0);
	before = connections("127.0.0.1", srv_a.port);
	assert_int_equal(ask(&r, llm, "hello", 0), ENCLAVE_EDENIED);
	assert_non_null(strstr(enclave_error_last(), "address not in the allowlist"));
	assert_true(strstr(enclave_error_last(), "127.0.0.1 port") ||
	            strstr(enclave_error_last(), "::1 port"));
	assert_int_equal(connections("127.0.0.1", srv_a.port), before + 1);
	enclave_llm_reply_release(&r);
	enclave_llm_free(llm);
}

static void test_redirect_refused(void **state)
{
	struct fixture *f = *state;
	struct enclave_llm_endpoint ep;
	struct enclave_llm_reply r;
	struct refusals ref = { 0, "" };
	enclave_llm *llm;
	char url[64];
	long before_b;
	int kind;

	for (kind = ENCLAVE_LLM_OLLAMA; kind <= ENCLAVE_LLM_OPENAI; kind++) {
		endpoint(&ep, url, sizeof(url), (enum enclave_llm_kind)kind, "127.0.0.1");
		assert_int_equal(enclave_llm_new(&llm, &ep, f->p), 0);
		before_b = connections("127.0.0.2", srv_b.port);
		assert_int_equal(ask(&r, llm, "go elsewhere fake:redirect", 0), ENCLAVE_EDENIED);
		assert_non_null(
		    strstr(enclave_error_last(), "redirect (HTTP 307) to 'http://127.0.0.2:"));
		assert_int_equal(connections("127.0.0.2", srv_b.port), before_b + 1);
		enclave_llm_reply_release(&r);
		enclave_llm_free(llm);
	}
	assert_int_equal(enclave_audit_foreach(f->p, count_refusals, &ref), 0);
	assert_int_equal(ref.n, 2);
	assert_non_null(strstr(ref.params, "redirects are not followed"));
}

/* curl's own default honours the variables: the control that makes the next test mean something. */
static size_t discard(char *d, size_t s, size_t n, void *u)
{
	(void)d;
	(void)u;
	return s * n;
}

static void test_proxy_env_ignored(void **state)
{
	static const char *const vars[] = { "http_proxy",  "HTTP_PROXY", "https_proxy",
		                            "HTTPS_PROXY", "all_proxy",  "ALL_PROXY" };
	struct enclave_llm_endpoint ep;
	struct enclave_llm_reply r;
	enclave_llm *llm;
	char url[64], proxy[64];
	long before;
	size_t i;
	CURL *plain;

	(void)state;
	snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%d", srv_proxy.port);
	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		setenv(vars[i], proxy, 1);
	unsetenv("no_proxy");
	unsetenv("NO_PROXY");

	/* Control: a plain curl handle goes through the "proxy". */
	before = connections("127.0.0.1", srv_proxy.port);
	endpoint(&ep, url, sizeof(url), ENCLAVE_LLM_OLLAMA, "127.0.0.1");
	plain = curl_easy_init();
	curl_easy_setopt(plain, CURLOPT_URL, "http://127.0.0.1:9/api/tags");
	curl_easy_setopt(plain, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_perform(plain);
	curl_easy_cleanup(plain);
	assert_int_equal(connections("127.0.0.1", srv_proxy.port), before + 2);

	before = connections("127.0.0.1", srv_proxy.port);
	assert_int_equal(enclave_llm_new(&llm, &ep, NULL), 0);
	assert_int_equal(ask(&r, llm, "through no proxy", 0), 0);
	assert_string_equal(r.content, "ECHO: THROUGH NO PROXY");
	enclave_llm_reply_release(&r);
	assert_int_equal(ask(&r, llm, "streamed", 1), 0);
	enclave_llm_reply_release(&r);
	enclave_llm_free(llm);
	assert_int_equal(connections("127.0.0.1", srv_proxy.port), before + 1);
	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
}

/* ------------------------------------------------------------------ */
/* The client, both kinds                                             */
/* ------------------------------------------------------------------ */

struct deltas {
	char text[4096];
	int n;
};

static int on_delta(const char *text, size_t len, void *payload)
{
	struct deltas *d = payload;
	size_t have = strlen(d->text);

	snprintf(d->text + have, sizeof(d->text) - have, "%.*s", (int)len, text);
	d->n++;
	return 0;
}

static void chat_both_ways(enum enclave_llm_kind kind)
{
	struct enclave_llm_endpoint ep;
	struct enclave_llm_message msgs[2] = { { "system", "be brief" },
		                               { "user", "Tell me a story" } };
	struct enclave_llm_request req = ENCLAVE_LLM_REQUEST_INIT;
	struct enclave_llm_reply r;
	struct deltas d;
	enclave_llm *llm;
	char url[64];

	endpoint(&ep, url, sizeof(url), kind, "127.0.0.1");
	assert_int_equal(enclave_llm_new(&llm, &ep, NULL), 0);
	req.messages = msgs;
	req.nmessages = 2;
	req.temperature = 0.2;
	req.has_seed = 1;
	req.seed = 42;
	req.max_tokens = 64;
	assert_int_equal(enclave_llm_chat(&r, llm, &req), 0);
	assert_string_equal(r.content, "ECHO: TELL ME A STORY");
	assert_int_equal(r.prompt_tokens, 6);
	assert_int_equal(r.completion_tokens, 5);
	assert_string_equal(r.finish_reason, "stop");
	assert_string_equal(r.model, ep.model);
	assert_int_equal(r.attempts, 1);
	if (kind == ENCLAVE_LLM_OLLAMA)
		assert_true(r.eval_seconds > 0.0099 && r.eval_seconds < 0.0101);
	else
		assert_true(r.eval_seconds < 0);
	enclave_llm_reply_release(&r);

	memset(&d, 0, sizeof(d));
	req.stream = 1;
	req.on_delta = on_delta;
	req.payload = &d;
	assert_int_equal(enclave_llm_chat(&r, llm, &req), 0);
	assert_string_equal(r.content, "ECHO: TELL ME A STORY");
	assert_string_equal(d.text, r.content);
	assert_int_equal(d.n, 5);
	assert_int_equal(r.prompt_tokens, 6);
	assert_int_equal(r.completion_tokens, 5);
	enclave_llm_reply_release(&r);
	enclave_llm_free(llm);
}

static void test_chat_ollama(void **state)
{
	(void)state;
	chat_both_ways(ENCLAVE_LLM_OLLAMA);
}

static void test_chat_openai(void **state)
{
	(void)state;
	chat_both_ways(ENCLAVE_LLM_OPENAI);
}

static void test_models(void **state)
{
	struct enclave_llm_endpoint ep;
	struct enclave_llm_models m;
	enclave_llm *llm;
	char url[64];

	(void)state;
	endpoint(&ep, url, sizeof(url), ENCLAVE_LLM_OLLAMA, "localhost");
	assert_int_equal(enclave_llm_new(&llm, &ep, NULL), 0);
	assert_int_equal(enclave_llm_models_list(&m, llm), 0);
	assert_int_equal(m.count, 2);
	assert_string_equal(m.items[0].name, "fake:latest");
	assert_non_null(m.items[0].digest);
	assert_int_equal(strncmp(m.items[0].digest, "sha256:", 7), 0);
	assert_true(m.items[0].size > 0);
	enclave_llm_models_release(&m);
	enclave_llm_free(llm);

	endpoint(&ep, url, sizeof(url), ENCLAVE_LLM_OPENAI, "127.0.0.1");
	{
		char v1[80];
		snprintf(v1, sizeof(v1), "%s/v1", url); /* a base ending in /v1 works too */
		ep.base_url = v1;
		assert_int_equal(enclave_llm_new(&llm, &ep, NULL), 0);
		assert_int_equal(enclave_llm_models_list(&m, llm), 0);
		assert_int_equal(m.count, 2);
		assert_string_equal(m.items[1].name, "tiny");
		assert_null(m.items[1].digest);
		enclave_llm_models_release(&m);
		enclave_llm_free(llm);
	}
}

static const char schema[] = "{\"type\":\"object\",\"properties\":{\"question\":{\"type\":"
                             "\"string\"},\"score\":{\"type\":\"integer\"}},\"required\":["
                             "\"question\",\"score\"]}";

static void structured(enum enclave_llm_kind kind, enum enclave_llm_schema_mode mode)
{
	struct enclave_llm_endpoint ep;
	struct enclave_llm_message m = { "user", "make a quiz" };
	struct enclave_llm_request req = ENCLAVE_LLM_REQUEST_INIT;
	struct enclave_llm_reply r;
	enclave_llm *llm;
	char url[64], text[80], want[32];

	endpoint(&ep, url, sizeof(url), kind, "127.0.0.1");
	ep.schema_mode = mode;
	assert_int_equal(enclave_llm_new(&llm, &ep, NULL), 0);
	req.messages = &m;
	req.nmessages = 1;
	req.schema = schema;
	assert_int_equal(enclave_llm_chat_json(&r, llm, &req, 1), 0);
	assert_string_equal(r.content, "{\"question\":\"question of MAKE A QUIZ\",\"score\":11}");
	enclave_llm_reply_release(&r);

	/* Plain text once, then the object: the bounded retry gets it. */
	snprintf(text, sizeof(text), "make a quiz %d%d fake:notjsonx1", kind, mode);
	snprintf(want, sizeof(want), "\"score\":%zu}", strlen(text));
	m.content = text;
	assert_int_equal(enclave_llm_chat_json(&r, llm, &req, 3), 0);
	assert_int_equal(r.attempts, 2);
	assert_non_null(strstr(r.content, want));
	enclave_llm_reply_release(&r);

	snprintf(text, sizeof(text), "make a quiz %d%d fake:notjsonx9", kind, mode);
	assert_int_equal(enclave_llm_chat_json(&r, llm, &req, 2), ENCLAVE_EINVALID);
	assert_non_null(strstr(enclave_error_last(), "structured reply 2 of 2"));
	assert_non_null(strstr(enclave_error_last(), "not a JSON object"));
	enclave_llm_reply_release(&r);

	/* A schema the reply misses a required property of. */
	req.schema = "{\"type\":\"object\",\"properties\":{},\"required\":[\"answer\"]}";
	m.content = "make a quiz";
	assert_int_equal(enclave_llm_chat_json(&r, llm, &req, 1), ENCLAVE_EINVALID);
	assert_non_null(strstr(enclave_error_last(), "lacks the required 'answer'"));
	enclave_llm_reply_release(&r);
	enclave_llm_free(llm);
}

static void test_structured(void **state)
{
	(void)state;
	structured(ENCLAVE_LLM_OLLAMA, ENCLAVE_LLM_SCHEMA_RESPONSE_FORMAT);
	structured(ENCLAVE_LLM_OPENAI, ENCLAVE_LLM_SCHEMA_RESPONSE_FORMAT);
	structured(ENCLAVE_LLM_OPENAI, ENCLAVE_LLM_SCHEMA_JSON_SCHEMA);
}

/* ------------------------------------------------------------------ */
/* Failures                                                           */
/* ------------------------------------------------------------------ */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_retries(void **state)
{
	struct enclave_llm_endpoint ep;
	struct enclave_llm_reply r;
	enclave_llm *llm;
	char url[64], msg[64];
	double t0;
	int kind;

	(void)state;
	for (kind = ENCLAVE_LLM_OLLAMA; kind <= ENCLAVE_LLM_OPENAI; kind++) {
		endpoint(&ep, url, sizeof(url), (enum enclave_llm_kind)kind, "127.0.0.1");
		ep.backoff = 0.05;
		assert_int_equal(enclave_llm_new(&llm, &ep, NULL), 0);
		/* Two 500s, then an answer: third attempt, after 0.05 + 0.1 s of backoff. */
		snprintf(msg, sizeof(msg), "retry %d fake:500x2", kind);
		t0 = now();
		assert_int_equal(ask(&r, llm, msg, kind == ENCLAVE_LLM_OPENAI), 0);
		assert_int_equal(r.attempts, 3);
		assert_true(now() - t0 >= 0.15);
		enclave_llm_reply_release(&r);
		/* More 500s than retries: the error says so. */
		snprintf(msg, sizeof(msg), "always %d fake:500x9", kind);
		assert_int_equal(ask(&r, llm, msg, 0), ENCLAVE_ERROR);
		assert_int_equal(r.attempts, 4);
		assert_non_null(strstr(enclave_error_last(), "after 4 attempts"));
		assert_non_null(strstr(enclave_error_last(), "HTTP 500"));
		assert_non_null(strstr(enclave_error_last(), "fake internal error"));
		enclave_llm_reply_release(&r);
		/* 429 with Retry-After: 1 is waited for. */
		snprintf(msg, sizeof(msg), "busy %d fake:429x1", kind);
		t0 = now();
		assert_int_equal(ask(&r, llm, msg, 0), 0);
		assert_int_equal(r.attempts, 2);
		assert_true(now() - t0 >= 0.95);
		enclave_llm_reply_release(&r);
		enclave_llm_free(llm);
	}
}

static void test_timeout(void **state)
{
	struct enclave_llm_endpoint ep;
	struct enclave_llm_reply r;
	enclave_llm *llm;
	char url[64];
	double t0;

	(void)state;
	endpoint(&ep, url, sizeof(url), ENCLAVE_LLM_OPENAI, "127.0.0.1");
	ep.timeout = 0.3;
	ep.retries = 1;
	assert_int_equal(enclave_llm_new(&llm, &ep, NULL), 0);
	t0 = now();
	assert_int_equal(ask(&r, llm, "sleepy fake:slow=1500", 0), ENCLAVE_EIO);
	assert_true(now() - t0 < 1.4);
	assert_int_equal(r.attempts, 2);
	assert_non_null(strstr(enclave_error_last(), "timed out"));
	enclave_llm_reply_release(&r);
	enclave_llm_free(llm);
}

static void test_malformed(void **state)
{
	struct enclave_llm_endpoint ep;
	struct enclave_llm_reply r;
	enclave_llm *llm;
	char url[64];
	int kind;

	(void)state;
	for (kind = ENCLAVE_LLM_OLLAMA; kind <= ENCLAVE_LLM_OPENAI; kind++) {
		endpoint(&ep, url, sizeof(url), (enum enclave_llm_kind)kind, "127.0.0.1");
		assert_int_equal(enclave_llm_new(&llm, &ep, NULL), 0);
		assert_int_equal(ask(&r, llm, "x fake:badjson", 0), ENCLAVE_EINVALID);
		assert_non_null(strstr(enclave_error_last(), "malformed reply"));
		assert_int_equal(r.attempts, 1);
		assert_int_equal(ask(&r, llm, "one two three fake:badjson", 1), ENCLAVE_EINVALID);
		assert_non_null(strstr(enclave_error_last(), "malformed stream line"));
		assert_int_equal(ask(&r, llm, "one two three four fake:truncate", 1), ENCLAVE_EIO);
		assert_non_null(strstr(enclave_error_last(), "ended before its end marker"));
		assert_int_equal(ask(&r, llm, "one two three four fake:truncate", 0),
		                 ENCLAVE_EINVALID);
		assert_non_null(strstr(enclave_error_last(), "malformed reply"));
		enclave_llm_reply_release(&r);
		enclave_llm_free(llm);
	}
	/* Ollama: a model it does not serve is a 404 naming it. */
	endpoint(&ep, url, sizeof(url), ENCLAVE_LLM_OLLAMA, "127.0.0.1");
	ep.model = "llama9:400b";
	assert_int_equal(enclave_llm_new(&llm, &ep, NULL), 0);
	assert_int_equal(ask(&r, llm, "hi", 0), ENCLAVE_ENOTFOUND);
	assert_non_null(strstr(enclave_error_last(), "HTTP 404"));
	assert_non_null(strstr(enclave_error_last(), "model 'llama9:400b' not found"));
	enclave_llm_free(llm);
}

static void test_connection_refused(void **state)
{
	struct enclave_llm_endpoint ep;
	struct enclave_llm_reply r;
	enclave_llm *llm;
	char url[64];
	int fd, port;
	struct sockaddr_in sa = v4("127.0.0.1", 0);
	socklen_t len = sizeof(sa);

	(void)state;
	/* A port that was free a moment ago and has no listener. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	getsockname(fd, (struct sockaddr *)&sa, &len);
	port = ntohs(sa.sin_port);
	close(fd);
	endpoint(&ep, url, sizeof(url), ENCLAVE_LLM_OLLAMA, "127.0.0.1");
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	ep.retries = 1;
	assert_int_equal(enclave_llm_new(&llm, &ep, NULL), 0);
	assert_int_equal(ask(&r, llm, "anyone?", 0), ENCLAVE_EIO);
	assert_int_equal(r.attempts, 2);
	assert_non_null(strstr(enclave_error_last(), "after 2 attempts"));
	assert_non_null(strstr(enclave_error_last(), "onnect"));
	enclave_llm_free(llm);
}

static void test_api_key_env(void **state)
{
	struct enclave_llm_endpoint ep;
	enclave_llm *llm;
	char url[64];

	(void)state;
	endpoint(&ep, url, sizeof(url), ENCLAVE_LLM_OPENAI, "127.0.0.1");
	ep.api_key_env = "ENCLAVE_TEST_NO_SUCH_KEY";
	unsetenv("ENCLAVE_TEST_NO_SUCH_KEY");
	assert_int_equal(enclave_llm_new(&llm, &ep, NULL), ENCLAVE_EINVALID);
	assert_non_null(strstr(enclave_error_last(), "'ENCLAVE_TEST_NO_SUCH_KEY' (api_key_env)"));
	setenv("ENCLAVE_TEST_NO_SUCH_KEY", "sk-local", 1);
	assert_int_equal(enclave_llm_new(&llm, &ep, NULL), 0);
	enclave_llm_free(llm);
}

static void test_many(void **state)
{
	struct enclave_llm_endpoint ep;
	struct enclave_llm_message msgs[40];
	struct enclave_llm_request reqs[40];
	struct enclave_llm_job jobs[40];
	char texts[40][32], want[64];
	enclave_llm *llm;
	char url[64];
	int i;

	(void)state;
	endpoint(&ep, url, sizeof(url), ENCLAVE_LLM_OLLAMA, "127.0.0.1");
	assert_int_equal(enclave_llm_new(&llm, &ep, NULL), 0);
	for (i = 0; i < 40; i++) {
		struct enclave_llm_request init = ENCLAVE_LLM_REQUEST_INIT;
		snprintf(texts[i], sizeof(texts[i]), "item %d%s", i, i == 7 ? " fake:500x1" : "");
		msgs[i].role = "user";
		msgs[i].content = texts[i];
		reqs[i] = init;
		reqs[i].messages = &msgs[i];
		reqs[i].nmessages = 1;
		reqs[i].stream = i % 2;
		jobs[i].req = &reqs[i];
	}
	assert_int_equal(enclave_llm_chat_many(llm, jobs, 40, 8), 0);
	for (i = 0; i < 40; i++) {
		snprintf(want, sizeof(want), "ECHO: ITEM %d%s", i, i == 7 ? " FAKE:500X1" : "");
		assert_int_equal(jobs[i].error, 0);
		assert_string_equal(jobs[i].reply.content, want);
		assert_int_equal(jobs[i].reply.attempts, i == 7 ? 2 : 1);
	}
	enclave_llm_jobs_release(jobs, 40);
	enclave_llm_free(llm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entry_parse),
		cmocka_unit_test(test_sockaddr_checks),
		cmocka_unit_test(test_url_checks),
		cmocka_unit_test(test_config),
		cmocka_unit_test_setup_teardown(test_refused_before_connect, setup, teardown),
		cmocka_unit_test(test_refused_at_socket),
		cmocka_unit_test_setup_teardown(test_redirect_refused, setup, teardown),
		cmocka_unit_test(test_proxy_env_ignored),
		cmocka_unit_test(test_chat_ollama),
		cmocka_unit_test(test_chat_openai),
		cmocka_unit_test(test_models),
		cmocka_unit_test(test_structured),
		cmocka_unit_test(test_retries),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_connection_refused),
		cmocka_unit_test(test_api_key_env),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
