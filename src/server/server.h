/*
 * The label server: libmicrohttpd with a thread pool, sessions, the route
 * table, and the embedded web app. A thin front end: it includes only the
 * public headers of libenclave and translates requests and statuses.
 *
 * Threads: each pool thread opens its own enclave_project (its own SQLite
 * connection, WAL: readers run side by side); requests that may change the
 * project take the server's write lock, so that commits and the signed head
 * file (key/audit.head) are written in order.
 */
#ifndef ENCLAVE_SERVER_H
#define ENCLAVE_SERVER_H

#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>

#include "enclave.h"
#include "../util/buf.h"

#define SERVER_MAX_BODY ((size_t)4 << 20) /* request bodies past it: 413 */
#define SERVER_MAX_SESSIONS 10000
#define SERVER_ABSOLUTE_TIMEOUT (12 * 3600)
#define SERVER_THROTTLE_FAILURES 5
#define SERVER_THROTTLE_WINDOW 900 /* seconds */
#define SERVER_THROTTLE_ENTRIES 4096

struct server_options {
	const char *project_dir;
	const char *actor;
	const char *listen; /* "ADDR:PORT" or "[ADDR]:PORT"; NULL: 127.0.0.1:8484 */
	const char *tls_cert, *tls_key;
	int insecure;     /* allow plain HTTP beyond loopback */
	int idle_timeout; /* seconds; 0: the project setting */
	int threads;      /* pool size; 0: twice the cores, at least 4 */
};

/* ---- session.c ---- */

struct session {
	unsigned char key[32]; /* SHA-256 of the token: the token itself is not kept */
	char csrf[65];
	int64_t user;
	double created, last; /* CLOCK_MONOTONIC seconds */
	int used;
};

struct throttle {
	char key[96]; /* "u:NAME" or "a:ADDRESS" */
	int failures;
	double start; /* of the window */
};

struct sessions {
	pthread_mutex_t mu;
	struct session *v;
	size_t cap;
	size_t top; /* slots [top, cap) were never used: searches stop there */
	double idle, absolute;
	struct throttle *t;
	size_t tcap;
};

int sessions_init(struct sessions *s, double idle, double absolute);
void sessions_release(struct sessions *s);
/* A new session for `user`: its token (64 hex digits) and CSRF token. -1 when full. */
int sessions_create(struct sessions *s, int64_t user, char token[65], char csrf[65]);
/* The live session of `token` (its last use now): user and CSRF token. -1 when none or expired. */
int sessions_check(struct sessions *s, const char *token, int64_t *user, char csrf[65]);
void sessions_drop(struct sessions *s, const char *token);
/* Seconds until `key` may try again (0: now). */
int throttle_wait(struct sessions *s, const char *key);
void throttle_fail(struct sessions *s, const char *key);
void throttle_reset(struct sessions *s, const char *key);
double server_now(void);

/* ---- server.c: one request ---- */

struct server;

struct req {
	struct server *srv;
	struct MHD_Connection *conn;
	const char *method, *url;
	struct buf body;
	int too_big;
	enclave_project *p; /* this thread's */
	struct enclave_label_user user;
	int has_user;
	char csrf[65];
	char token[65];
	char client[64]; /* the client's address */
	/* The reply */
	unsigned status;
	json_t *json;         /* body as JSON, or */
	unsigned char *bytes; /* raw bytes (malloc'd) of type `type` */
	size_t nbytes;
	const char *type;
	char retry_after[16];
	char cookie[160];
};

struct server {
	struct server_options opts;
	struct sessions sessions;
	pthread_key_t project_key;
	pthread_mutex_t write_lock;
	int tls;
};

/* Reply with `status` and {"error": message}. Returns 0. */
int reply_error(struct req *r, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Reply with `status` and `json` (a new reference, taken). */
int reply_json(struct req *r, unsigned status, json_t *json);
/* Reply to a library failure: its code mapped to a status, its message as the error. */
int reply_lib(struct req *r, int code);
/* 0 when the request says its body is application/json; else -1 after a 415. */
int req_json_type(struct req *r);
/* The request body as a JSON object (400 / 415 replied when not: returns NULL). */
json_t *req_json(struct req *r);
/* A query argument, or NULL. */
const char *req_arg(struct req *r, const char *name);
/* A non-negative integer query argument in [0, max], `def` when absent; -1 after a 400. */
int64_t req_int(struct req *r, const char *name, int64_t def, int64_t max);
/* Take the write lock for the rest of the request. */
void req_lock(struct req *r);

/* ---- routes ---- */

typedef int (*route_fn)(struct req *r, const int64_t *args);

struct route {
	const char *method;
	const char *pattern;          /* "#" matches a decimal id */
	enum enclave_label_role role; /* lowest role; NONE: no session needed */
	int writes;                   /* takes the write lock */
	route_fn fn;
};

extern const struct route route_auth[], route_documents[], route_tasks[], route_admin[],
    route_records[];

/* ---- the command ---- */

/* Run the server until SIGINT or SIGTERM. Returns a CLI exit code; prints its messages. */
int server_run(const struct server_options *opts);

#endif
