/*
 * The label server: the libmicrohttpd daemon (internal polling thread and a
 * thread pool), one request's life (body collected with a cap, session,
 * CSRF, role, the route), the replies and the headers every reply carries,
 * the embedded web app, the listening address and TLS.
 *
 * Every response, API, static file or error, carries
 *   Content-Security-Policy: default-src 'self'; frame-ancestors 'none'
 *   X-Content-Type-Options: nosniff
 *   Referrer-Policy: no-referrer
 * and API responses Cache-Control: no-store. (Replies libmicrohttpd makes
 * on its own, to requests it cannot parse, are its own.)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "assets.h"
#include "server.h"

#define CSP "default-src 'self'; frame-ancestors 'none'"

/* ------------------------------------------------------------------ */
/* Replies                                                            */
/* ------------------------------------------------------------------ */

int reply_json(struct req *r, unsigned status, json_t *json)
{
	json_decref(r->json);
	r->status = status;
	r->json = json;
	return 0;
}

int reply_error(struct req *r, unsigned status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return reply_json(r, status, json_pack("{s:s}", "error", msg));
}

int reply_lib(struct req *r, int code)
{
	switch (code) {
	case ENCLAVE_ENOTFOUND: return reply_error(r, 404, "%s", enclave_error_last());
	case ENCLAVE_EINVALID: return reply_error(r, 400, "%s", enclave_error_last());
	case ENCLAVE_EEXISTS:
	case ENCLAVE_ECONFLICT: return reply_error(r, 409, "%s", enclave_error_last());
	case ENCLAVE_EDENIED: return reply_error(r, 403, "%s", enclave_error_last());
	case ENCLAVE_ELIMIT: return reply_error(r, 413, "%s", enclave_error_last());
	default:
		/* The details are for the operator, not the client. */
		fprintf(stderr, "enclave serve: %s %s: %s\n", r->method, r->url,
		        enclave_error_last());
		return reply_error(r, 500, "internal error");
	}
}

const char *req_arg(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

int64_t req_int(struct req *r, const char *name, int64_t def, int64_t max)
{
	const char *s = req_arg(r, name);
	char *end;
	long long v;

	if (!s || !*s)
		return def;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end || errno || v < 0 || v > max) {
		reply_error(r, 400, "'%s' is a number from 0 to %lld", name, (long long)max);
		return -1;
	}
	return v;
}

int req_json_type(struct req *r)
{
	const char *type = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Type");

	if (!type || strncasecmp(type, "application/json", 16) ||
	    (type[16] && type[16] != ';' && type[16] != ' ')) {
		reply_error(r, 415, "the body must be application/json");
		return -1;
	}
	return 0;
}

json_t *req_json(struct req *r)
{
	json_error_t err;
	json_t *v;

	if (req_json_type(r) < 0)
		return NULL;
	v = json_loadb(r->body.ptr ? r->body.ptr : "", r->body.len, JSON_REJECT_DUPLICATES, &err);
	if (!json_is_object(v)) {
		json_decref(v);
		reply_error(r, 400, "the body is not a JSON object: %s",
		            v ? "other value" : err.text);
		return NULL;
	}
	return v;
}

void req_lock(struct req *r)
{
	pthread_mutex_lock(&r->srv->write_lock);
}

/* Add the headers every response carries (and the API's). */
static void add_headers(struct MHD_Response *resp, int api)
{
	MHD_add_response_header(resp, "Content-Security-Policy", CSP);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	if (api)
		MHD_add_response_header(resp, "Cache-Control", "no-store");
}

/* Send the reply in `r`. */
static enum MHD_Result send_reply(struct req *r, int api)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char *text = NULL;

	if (r->json) {
		text = json_dumps(r->json, JSON_COMPACT);
		if (!text)
			return MHD_NO;
		resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
		if (resp)
			MHD_add_response_header(resp, "Content-Type",
			                        "application/json; charset=utf-8");
	} else if (r->bytes) {
		resp = MHD_create_response_from_buffer(r->nbytes, r->bytes, MHD_RESPMEM_MUST_FREE);
		r->bytes = NULL;
		if (resp && r->type)
			MHD_add_response_header(resp, "Content-Type", r->type);
	} else {
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	}
	if (!resp)
		return MHD_NO;
	add_headers(resp, api);
	if (r->retry_after[0])
		MHD_add_response_header(resp, "Retry-After", r->retry_after);
	if (r->cookie[0])
		MHD_add_response_header(resp, "Set-Cookie", r->cookie);
	ret = MHD_queue_response(r->conn, r->status ? r->status : 500, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Routing                                                            */
/* ------------------------------------------------------------------ */

/* Match `path` against `pattern`; the ids of its "#" segments into args. */
static int match(const char *pattern, const char *path, int64_t *args)
{
	int n = 0;

	while (*pattern && *path) {
		if (*pattern == '#') {
			int64_t v = 0;
			int digits = 0;
			while (*path >= '0' && *path <= '9' && digits < 15) {
				v = v * 10 + (*path++ - '0');
				digits++;
			}
			if (!digits || (*path >= '0' && *path <= '9') || n >= 2)
				return 0;
			args[n++] = v;
			pattern++;
		} else if (*pattern++ != *path++) {
			return 0;
		}
	}
	return !*pattern && !*path;
}

static const struct route *const route_tables[] = { route_auth, route_documents, route_tasks,
	                                            route_admin, route_records };

/* This thread's project handle, opened on first use. */
static enclave_project *thread_project(struct server *srv)
{
	struct enclave_project_options o = ENCLAVE_PROJECT_OPTIONS_INIT;
	enclave_project *p = pthread_getspecific(srv->project_key);

	if (p)
		return p;
	o.actor = srv->opts.actor;
	if (enclave_project_open(&p, srv->opts.project_dir, &o) < 0) {
		fprintf(stderr, "enclave serve: cannot open the project: %s\n",
		        enclave_error_last());
		return NULL;
	}
	pthread_setspecific(srv->project_key, p);
	return p;
}

/* 1 for methods that change state (CSRF-checked). */
static int is_change(const char *method)
{
	return !strcmp(method, "POST") || !strcmp(method, "PUT") || !strcmp(method, "PATCH") ||
	       !strcmp(method, "DELETE");
}

/* Find the session of the request's cookie and its user; 0, or -1 (none, expired, disabled). */
static int load_session(struct req *r)
{
	const char *token =
	    MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, "enclave_session");
	int64_t uid;

	if (!token || sessions_check(&r->srv->sessions, token, &uid, r->csrf) < 0)
		return -1;
	snprintf(r->token, sizeof(r->token), "%s", token);
	if (enclave_label_user_get(&r->user, r->p, uid) < 0 || r->user.disabled) {
		sessions_drop(&r->srv->sessions, token);
		return -1;
	}
	r->has_user = 1;
	return 0;
}

/* The API: route, session, CSRF, role, handler. */
static void dispatch_api(struct req *r)
{
	const struct route *rt = NULL;
	int64_t args[2] = { 0, 0 };
	const char *path = r->url;
	size_t t;
	int path_known = 0, locked = 0;

	for (t = 0; t < sizeof(route_tables) / sizeof(route_tables[0]) && !rt; t++) {
		const struct route *x;
		for (x = route_tables[t]; x->pattern; x++) {
			if (!match(x->pattern, path, args))
				continue;
			path_known = 1;
			if (!strcmp(x->method, r->method)) {
				rt = x;
				break;
			}
		}
	}
	if (!rt) {
		reply_error(r, path_known ? 405 : 404,
		            path_known ? "method not allowed" : "not found");
		return;
	}
	if (r->too_big) {
		reply_error(r, 413, "the body is over %zu bytes", SERVER_MAX_BODY);
		return;
	}
	if (!(r->p = thread_project(r->srv))) {
		reply_error(r, 500, "internal error");
		return;
	}
	if (rt->role != ENCLAVE_ROLE_NONE) {
		const char *sent;
		if (load_session(r) < 0) {
			reply_error(r, 401, "no valid session");
			return;
		}
		sent = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-CSRF-Token");
		if (is_change(r->method) &&
		    (!sent || strlen(sent) != 64 || sodium_memcmp(sent, r->csrf, 64) != 0)) {
			reply_error(r, 403, "csrf");
			return;
		}
		if (r->user.role < rt->role) {
			reply_error(r, 403, "your role may not do this");
			return;
		}
	}
	if (rt->writes) {
		req_lock(r);
		locked = 1;
	}
	enclave_error_clear();
	rt->fn(r, args);
	if (locked)
		pthread_mutex_unlock(&r->srv->write_lock);
}

/* A static file of the web app, or 404. */
static void dispatch_static(struct req *r)
{
	const struct asset *a;

	if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD")) {
		r->status = 405;
		r->type = "text/plain; charset=utf-8";
		r->bytes = (unsigned char *)strdup("method not allowed\n");
		r->nbytes = r->bytes ? strlen((char *)r->bytes) : 0;
		return;
	}
	if (!(a = asset_find(r->url))) {
		r->status = 404;
		r->type = "text/plain; charset=utf-8";
		r->bytes = (unsigned char *)strdup("not found\n");
		r->nbytes = r->bytes ? strlen((char *)r->bytes) : 0;
		return;
	}
	r->status = 200;
	r->type = a->type;
	if ((r->bytes = malloc(a->len ? a->len : 1)))
		memcpy(r->bytes, a->data, a->len);
	r->nbytes = a->len;
}

/* ------------------------------------------------------------------ */
/* libmicrohttpd callbacks                                            */
/* ------------------------------------------------------------------ */

/* The client's numeric address into r->client. */
static void client_address(struct req *r)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(r->client, sizeof(r->client), "unknown");
	if (sa)
		getnameinfo(sa,
		            sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
		                                      : sizeof(struct sockaddr_in),
		            r->client, sizeof(r->client), NULL, 0, NI_NUMERICHOST);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
	struct server *srv = cls;
	struct req *r = *con_cls;
	enum MHD_Result ret;
	int api;

	(void)version;
	if (!r) {
		const char *len =
		    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
		if (!(r = calloc(1, sizeof(*r))))
			return MHD_NO;
		r->srv = srv;
		r->conn = conn;
		r->method = method;
		r->url = url;
		r->body = (struct buf)BUF_INIT(SERVER_MAX_BODY);
		if (len && strtoull(len, NULL, 10) > SERVER_MAX_BODY)
			r->too_big = 1;
		*con_cls = r;
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (!r->too_big && buf_put(&r->body, upload_data, *upload_data_size) < 0)
			r->too_big = 1;
		*upload_data_size = 0;
		return MHD_YES;
	}
	client_address(r);
	api = !strncmp(url, "/api/", 5) || !strcmp(url, "/api");
	if (api)
		dispatch_api(r);
	else
		dispatch_static(r);
	ret = send_reply(r, api);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	struct req *r = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (!r)
		return;
	json_decref(r->json);
	free(r->bytes);
	buf_release(&r->body);
	sodium_memzero(r->token, sizeof(r->token));
	free(r);
	*con_cls = NULL;
}

static void free_project(void *p)
{
	enclave_project_free(p);
}

/* ------------------------------------------------------------------ */
/* Listening                                                          */
/* ------------------------------------------------------------------ */

/* Parse "ADDR:PORT" / "[ADDR]:PORT" into `ss`; 0 or -1. */
static int parse_listen(struct sockaddr_storage *ss, socklen_t *sslen, const char *s)
{
	char host[128];
	const char *colon;
	char *end;
	long port;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || close[1] != ':' || (size_t)(close - s - 1) >= sizeof(host))
			return -1;
		memcpy(host, s + 1, (size_t)(close - s - 1));
		host[close - s - 1] = '\0';
		colon = close + 1;
	} else {
		if (!(colon = strrchr(s, ':')) || (size_t)(colon - s) >= sizeof(host))
			return -1;
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
	}
	port = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || port < 0 || port > 65535)
		return -1;
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		((struct sockaddr_in *)ss)->sin_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
		*sslen = sizeof(struct sockaddr_in);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
		*sslen = sizeof(struct sockaddr_in6);
		return 0;
	}
	return -1;
}

/* 1 when `ss` is a loopback address (127.0.0.0/8, ::1). */
static int is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

/* Read a whole PEM file into a malloc'd string; NULL after a message. */
static char *read_pem(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT(1 << 20);
	char chunk[4096];
	size_t n;

	if (!f) {
		fprintf(stderr, "enclave serve: cannot open '%s': %s\n", path, strerror(errno));
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_put(&b, chunk, n) < 0) {
			fprintf(stderr, "enclave serve: '%s' is too large for a PEM file\n", path);
			fclose(f);
			buf_release(&b);
			return NULL;
		}
	fclose(f);
	if (!b.len || !strstr(buf_cstr(&b), "-----BEGIN ")) {
		fprintf(stderr, "enclave serve: '%s' is not a PEM file\n", path);
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

/* Idle timeout: the option, else the project setting, else 30 minutes. */
static int idle_timeout(const struct server_options *o)
{
	struct enclave_project_options po = ENCLAVE_PROJECT_OPTIONS_INIT;
	enclave_project *p = NULL;
	json_t *s = NULL;
	int v = 1800;

	if (o->idle_timeout > 0)
		return o->idle_timeout;
	po.actor = o->actor;
	if (enclave_project_open(&p, o->project_dir, &po) == 0 &&
	    enclave_label_settings_get(&s, p) == 0 &&
	    json_integer_value(json_object_get(s, "idle_timeout")) > 0)
		v = (int)json_integer_value(json_object_get(s, "idle_timeout"));
	json_decref(s);
	enclave_project_free(p);
	return v;
}

int server_run(const struct server_options *o)
{
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	struct server srv;
	struct MHD_Daemon *d = NULL;
	const union MHD_DaemonInfo *info;
	char *cert = NULL, *key = NULL, host[INET6_ADDRSTRLEN];
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads;
	sigset_t sigs;
	int sig, rc = 1;

	memset(&srv, 0, sizeof(srv));
	srv.opts = *o;
	if (parse_listen(&ss, &sslen, o->listen ? o->listen : "127.0.0.1:8484") < 0) {
		fprintf(stderr, "enclave serve: --listen '%s': give ADDR:PORT or [ADDR]:PORT\n",
		        o->listen);
		return 2;
	}
	srv.tls = o->tls_cert && o->tls_key;
	if (!srv.tls && !is_loopback(&ss)) {
		if (!o->insecure) {
			fprintf(stderr,
			        "enclave serve: refusing to listen on '%s' without TLS: give "
			        "--tls-cert and --tls-key (or --insecure to send passwords and "
			        "documents in clear)\n",
			        o->listen);
			return 2;
		}
		fprintf(stderr, "enclave serve: warning: listening beyond loopback without TLS "
		                "(--insecure): passwords, cookies and documents travel in clear\n");
	}
	if (srv.tls) {
		if (!(cert = read_pem(o->tls_cert)) || !(key = read_pem(o->tls_key)))
			goto done;
		flags |= MHD_USE_TLS;
	}
	if (sessions_init(&srv.sessions, idle_timeout(o), SERVER_ABSOLUTE_TIMEOUT) < 0) {
		fprintf(stderr, "enclave serve: out of memory\n");
		goto done;
	}
	pthread_key_create(&srv.project_key, free_project);
	pthread_mutex_init(&srv.write_lock, NULL);
	threads = o->threads > 0 ? (unsigned)o->threads : cores > 2 ? (unsigned)cores * 2 : 4;

	/* The pool threads inherit this mask: the signals come to sigwait below. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (srv.tls)
		d = MHD_start_daemon(
		    flags, 0, NULL, NULL, on_request, &srv, MHD_OPTION_SOCK_ADDR, &ss,
		    MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
		    &srv, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60, MHD_OPTION_CONNECTION_LIMIT,
		    (unsigned)1024, MHD_OPTION_HTTPS_MEM_CERT, cert, MHD_OPTION_HTTPS_MEM_KEY, key,
		    MHD_OPTION_END);
	else
		d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, &srv, MHD_OPTION_SOCK_ADDR,
		                     &ss, MHD_OPTION_THREAD_POOL_SIZE, threads,
		                     MHD_OPTION_NOTIFY_COMPLETED, on_completed, &srv,
		                     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
		                     MHD_OPTION_CONNECTION_LIMIT, (unsigned)1024, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr,
		        "enclave serve: cannot listen on '%s' (in use, or a bad TLS key "
		        "or certificate?)\n",
		        o->listen ? o->listen : "127.0.0.1:8484");
		goto done;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof(host));
	else
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof(host));
	fprintf(stderr, "enclave serve: listening on %s://%s%s%s:%u\n", srv.tls ? "https" : "http",
	        ss.ss_family == AF_INET6 ? "[" : "", host, ss.ss_family == AF_INET6 ? "]" : "",
	        info ? (unsigned)info->port : 0);
	fflush(stderr);
	sigwait(&sigs, &sig);
	fprintf(stderr, "enclave serve: stopping (%s)\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
	MHD_stop_daemon(d);
	rc = 0;
done:
	if (srv.sessions.v) {
		sessions_release(&srv.sessions);
		pthread_key_delete(srv.project_key);
		pthread_mutex_destroy(&srv.write_lock);
	}
	if (key) {
		sodium_memzero(key, strlen(key));
		free(key);
	}
	free(cert);
	return rc;
}
