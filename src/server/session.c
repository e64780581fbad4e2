/*
 * Sessions and login throttling, in the server's memory (a restart logs
 * everyone out).
 *
 * A session token is 256 random bits (64 hex digits) sent in the cookie;
 * only its SHA-256 is kept, so a dump of the server's memory does not hold
 * usable tokens. Each session has its own CSRF token (256 bits). A session
 * ends after `idle` seconds without a request, or `absolute` seconds after
 * its login, whichever comes first. At most SERVER_MAX_SESSIONS live at once:
 * beyond that, logins fail (503) until some expire. New sessions take the
 * lowest free slot, and lookups scan only up to the highest slot ever used,
 * so a server with a team's few dozen sessions scans a few dozen.
 *
 * Throttling counts failed logins per key ("u:NAME", "a:ADDRESS") in a
 * window of SERVER_THROTTLE_WINDOW seconds from the first failure: after
 * SERVER_THROTTLE_FAILURES of them the key waits for the window's end.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server.h"

double server_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int sessions_init(struct sessions *s, double idle, double absolute)
{
	memset(s, 0, sizeof(*s));
	if (sodium_init() < 0)
		return -1;
	s->v = calloc(SERVER_MAX_SESSIONS, sizeof(*s->v));
	s->t = calloc(SERVER_THROTTLE_ENTRIES, sizeof(*s->t));
	if (!s->v || !s->t) {
		free(s->v);
		free(s->t);
		return -1;
	}
	s->cap = SERVER_MAX_SESSIONS;
	s->tcap = SERVER_THROTTLE_ENTRIES;
	s->idle = idle;
	s->absolute = absolute;
	pthread_mutex_init(&s->mu, NULL);
	return 0;
}

void sessions_release(struct sessions *s)
{
	if (s->v)
		sodium_memzero(s->v, s->cap * sizeof(*s->v));
	free(s->v);
	free(s->t);
	pthread_mutex_destroy(&s->mu);
	memset(s, 0, sizeof(*s));
}

/* 64 hex digits of 32 random bytes into `out`. */
static void random_hex(char out[65])
{
	unsigned char b[32];

	randombytes_buf(b, sizeof(b));
	sodium_bin2hex(out, 65, b, sizeof(b));
	sodium_memzero(b, sizeof(b));
}

/* 1 when `v` has outlived its idle or absolute limit at `now`. */
static int expired(const struct sessions *s, const struct session *v, double now)
{
	return now - v->last > s->idle || now - v->created > s->absolute;
}

int sessions_create(struct sessions *s, int64_t user, char token[65], char csrf[65])
{
	double now = server_now();
	size_t i;
	int rc = -1;

	random_hex(token);
	random_hex(csrf);
	pthread_mutex_lock(&s->mu);
	for (i = 0; i < s->cap; i++) {
		struct session *v = &s->v[i];
		if (v->used && !expired(s, v, now))
			continue;
		memset(v, 0, sizeof(*v));
		if (i >= s->top)
			s->top = i + 1;
		crypto_hash_sha256(v->key, (const unsigned char *)token, 64);
		memcpy(v->csrf, csrf, 65);
		v->user = user;
		v->created = v->last = now;
		v->used = 1;
		rc = 0;
		break;
	}
	pthread_mutex_unlock(&s->mu);
	return rc;
}

/* The slot of `token` (live or not), or NULL; called with the lock held. */
static struct session *find(struct sessions *s, const char *token)
{
	unsigned char key[32];
	size_t i;

	if (!token || strlen(token) != 64)
		return NULL;
	crypto_hash_sha256(key, (const unsigned char *)token, 64);
	for (i = 0; i < s->top; i++)
		if (s->v[i].used && !sodium_memcmp(s->v[i].key, key, sizeof(key)))
			return &s->v[i];
	return NULL;
}

int sessions_check(struct sessions *s, const char *token, int64_t *user, char csrf[65])
{
	double now = server_now();
	struct session *v;
	int rc = -1;

	pthread_mutex_lock(&s->mu);
	if ((v = find(s, token))) {
		if (expired(s, v, now)) {
			memset(v, 0, sizeof(*v));
		} else {
			v->last = now;
			*user = v->user;
			memcpy(csrf, v->csrf, 65);
			rc = 0;
		}
	}
	pthread_mutex_unlock(&s->mu);
	return rc;
}

void sessions_drop(struct sessions *s, const char *token)
{
	struct session *v;

	pthread_mutex_lock(&s->mu);
	if ((v = find(s, token)))
		memset(v, 0, sizeof(*v));
	pthread_mutex_unlock(&s->mu);
}

/*
 * The entry of `key`, made when `make` (reusing an expired one, or the
 * oldest when the table is full); NULL when none. Called with the lock held.
 */
static struct throttle *throttle_entry(struct sessions *s, const char *key, int make, double now)
{
	struct throttle *free_slot = NULL, *oldest = NULL;
	size_t i;

	for (i = 0; i < s->tcap; i++) {
		struct throttle *t = &s->t[i];
		if (t->key[0] && !strcmp(t->key, key))
			return t;
		if (!t->key[0] || now - t->start > SERVER_THROTTLE_WINDOW)
			free_slot = free_slot ? free_slot : t;
		else if (!oldest || t->start < oldest->start)
			oldest = t;
	}
	if (!make)
		return NULL;
	if (!(free_slot = free_slot ? free_slot : oldest))
		return NULL;
	memset(free_slot, 0, sizeof(*free_slot));
	snprintf(free_slot->key, sizeof(free_slot->key), "%s", key);
	free_slot->start = now;
	return free_slot;
}

int throttle_wait(struct sessions *s, const char *key)
{
	double now = server_now();
	struct throttle *t;
	int wait = 0;

	pthread_mutex_lock(&s->mu);
	t = throttle_entry(s, key, 0, now);
	if (t && t->failures >= SERVER_THROTTLE_FAILURES && now - t->start < SERVER_THROTTLE_WINDOW)
		wait = (int)(SERVER_THROTTLE_WINDOW - (now - t->start)) + 1;
	pthread_mutex_unlock(&s->mu);
	return wait;
}

void throttle_fail(struct sessions *s, const char *key)
{
	double now = server_now();
	struct throttle *t;

	pthread_mutex_lock(&s->mu);
	if (!(t = throttle_entry(s, key, 1, now))) {
		pthread_mutex_unlock(&s->mu);
		return;
	}
	if (now - t->start > SERVER_THROTTLE_WINDOW) {
		t->start = now;
		t->failures = 0;
	}
	t->failures++;
	pthread_mutex_unlock(&s->mu);
}

void throttle_reset(struct sessions *s, const char *key)
{
	struct throttle *t;

	pthread_mutex_lock(&s->mu);
	if ((t = throttle_entry(s, key, 0, server_now())))
		memset(t, 0, sizeof(*t));
	pthread_mutex_unlock(&s->mu);
}
