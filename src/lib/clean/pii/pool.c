/*
 * A pool of scanning threads: `jobs` scan states over one scanner, jobs - 1
 * of them on worker threads and one on the calling thread, which takes part
 * in every batch. A batch is an array of independent tasks (the windows of
 * a stream, JSON lines); pii_pool_run hands out their indexes one at a time
 * and returns when all are done, so results land in the caller's arrays in
 * input order whatever thread computed them. With jobs = 1 there is no
 * thread at all: the tasks run in order in the caller.
 *
 * Errors: a task's message is set on the thread that ran it; each task
 * records its code and message in its own result, and the caller sets it
 * again on its own thread (pii_pool_error).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "pii_int.h"

struct enclave_pii_pool {
	const enclave_pii_scanner *s;
	unsigned jobs;
	enclave_pii_state **states; /* one per job: states[0] is the caller's */
	pthread_t *threads;         /* jobs - 1 */
	unsigned nthreads;          /* started */
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	/* The batch in progress. */
	pii_task_fn fn;
	void *ctx;
	size_t n, next, finished;
	unsigned long long batch; /* counts batches: a worker waits for a new one */
	int stop;
};

/* Take the next task of the batch under the lock; n when none is left. */
static size_t take(enclave_pii_pool *p)
{
	return p->next < p->n ? p->next++ : p->n;
}

/* Run tasks of the current batch with `st` until none is left; the lock is held on entry and exit. */
static void drain(enclave_pii_pool *p, enclave_pii_state *st)
{
	size_t i;

	while ((i = take(p)) < p->n) {
		pii_task_fn fn = p->fn;
		void *ctx = p->ctx;

		pthread_mutex_unlock(&p->mu);
		fn(ctx, i, st);
		pthread_mutex_lock(&p->mu);
		if (++p->finished == p->n)
			pthread_cond_broadcast(&p->done);
	}
}

/* A worker: waits for batches and runs their tasks with its own state. */
static void *worker(void *arg)
{
	enclave_pii_pool *p = ((void **)arg)[0];
	enclave_pii_state *st = ((void **)arg)[1];
	unsigned long long seen = 0;

	free(arg);
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->stop && p->batch == seen)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->stop)
			break;
		seen = p->batch;
		drain(p, st);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

int enclave_pii_pool_new(enclave_pii_pool **out, const enclave_pii_scanner *s, unsigned jobs)
{
	enclave_pii_pool *p;
	int error = 0;

	*out = NULL;
	if (jobs < 1 || jobs > ENCLAVE_MAX_PII_JOBS)
		return error_set(ENCLAVE_EINVALID, "pii pool: %u jobs (from 1 to %d)", jobs,
		                 ENCLAVE_MAX_PII_JOBS);
	if (!(p = calloc(1, sizeof(*p))))
		return error_oom();
	p->s = s;
	p->jobs = jobs;
	if (pthread_mutex_init(&p->mu, NULL) != 0) {
		free(p);
		return error_oom();
	}
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	if (!(p->states = calloc(jobs, sizeof(*p->states))) ||
	    !(p->threads = calloc(jobs, sizeof(*p->threads)))) {
		error = error_oom();
		goto done;
	}
	for (unsigned i = 0; i < jobs; i++)
		if ((error = enclave_pii_state_new(&p->states[i], s)) < 0)
			goto done;
	for (unsigned i = 1; i < jobs; i++) {
		void **arg = malloc(2 * sizeof(*arg));
		if (!arg) {
			error = error_oom();
			goto done;
		}
		arg[0] = p;
		arg[1] = p->states[i];
		if (pthread_create(&p->threads[p->nthreads], NULL, worker, arg) != 0) {
			free(arg);
			error = error_set(ENCLAVE_ERROR, "pii pool: cannot start a thread");
			goto done;
		}
		p->nthreads++;
	}
done:
	if (error < 0) {
		enclave_pii_pool_free(p);
		return error;
	}
	*out = p;
	return 0;
}

void enclave_pii_pool_free(enclave_pii_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (unsigned i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	for (unsigned i = 0; p->states && i < p->jobs; i++)
		enclave_pii_state_free(p->states[i]);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->mu);
	free(p->states);
	free(p->threads);
	free(p);
}

unsigned enclave_pii_pool_jobs(const enclave_pii_pool *p)
{
	return p->jobs;
}

const enclave_pii_scanner *pii_pool_scanner(const enclave_pii_pool *p)
{
	return p->s;
}

void pii_pool_run(enclave_pii_pool *p, size_t n, pii_task_fn fn, void *ctx)
{
	if (n == 0)
		return;
	if (p->nthreads == 0 || n == 1) {
		for (size_t i = 0; i < n; i++)
			fn(ctx, i, p->states[0]);
		return;
	}
	pthread_mutex_lock(&p->mu);
	p->fn = fn;
	p->ctx = ctx;
	p->n = n;
	p->next = p->finished = 0;
	p->batch++;
	pthread_cond_broadcast(&p->work);
	drain(p, p->states[0]);
	while (p->finished < p->n)
		pthread_cond_wait(&p->done, &p->mu);
	p->n = p->next = p->finished = 0;
	pthread_mutex_unlock(&p->mu);
}

void pii_task_fail(struct pii_task_error *e, int code)
{
	const char *m = enclave_error_last();
	size_t n = strlen(m);

	if (n >= sizeof(e->message))
		n = sizeof(e->message) - 1;
	memcpy(e->message, m, n);
	e->message[n] = '\0';
	e->code = code;
}

int pii_task_error(const struct pii_task_error *e)
{
	return e->code < 0 ? error_set(e->code, "%s", e->message) : 0;
}

/* ------------------------------------------------------------ JSON Lines */

struct json_batch {
	const enclave_pii_scanner *s;
	struct enclave_pii_json_line *lines;
	const char *field;
};

/* One line of a JSON batch (a pii_task_fn). */
static void json_task(void *ctx, size_t i, enclave_pii_state *st)
{
	struct json_batch *b = ctx;
	struct enclave_pii_json_line *l = &b->lines[i];
	int rc;

	l->out = NULL;
	l->out_len = 0;
	l->error = 0;
	l->message[0] = '\0';
	if ((rc = enclave_pii_scan_json(&l->out, &l->out_len, b->s, st, l->line, l->len,
	                                b->field)) < 0) {
		struct pii_task_error e;
		pii_task_fail(&e, rc);
		l->error = rc;
		memcpy(l->message, e.message, sizeof(l->message));
	}
}

int enclave_pii_pool_scan_json(enclave_pii_pool *p, struct enclave_pii_json_line *lines, size_t n,
                               const char *field)
{
	struct json_batch b = { p->s, lines, field };

	pii_pool_run(p, n, json_task, &b);
	return 0;
}
