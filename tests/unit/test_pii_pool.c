/*
 * Unit tests of the PII scanning pool (src/lib/clean/pii/pool.c) and of
 * streams scanned on it: a multi-window text with spans on every side of
 * every seam gives byte for byte the same report with 1, 2 and 3 jobs as
 * without a pool, each planted span exactly once; errors and callback stops
 * come back from the threads; JSON batches match line-by-line scans.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clean/pii/pii_int.h"

static enclave_pii_scanner *scanner;

static int setup(void **st)
{
	(void)st;
	return enclave_pii_scanner_new(&scanner, NULL);
}

static int teardown(void **st)
{
	(void)st;
	enclave_pii_scanner_free(scanner);
	return 0;
}

/* A report: every span a stream found, one line each, appended to a growing string. */
struct report {
	char *s;
	size_t n, cap;
	size_t seam_hits[64];  /* times "seamK@example.com" was reported */
	size_t calls, stop_at; /* stop_at: return 7 on that call (0: never) */
};

static int report_cb(const struct enclave_pii_found *f, void *payload)
{
	struct report *r = payload;
	char line[512];
	int k, n;

	r->calls++;
	if (r->stop_at && r->calls == r->stop_at)
		return 7;
	n = snprintf(line, sizeof(line), "%zu-%zu %zu-%zu %d %.3f %s %.*s\n", f->span.start,
	             f->span.end, f->cp_start, f->cp_end, f->span.label, (double)f->span.score,
	             f->span.source, (int)(f->text_len < 200 ? f->text_len : 200), f->text);
	assert_true(n > 0 && (size_t)n < sizeof(line));
	if (r->n + (size_t)n + 1 > r->cap) {
		r->cap = (r->cap + (size_t)n + 1) * 2;
		r->s = realloc(r->s, r->cap);
		assert_non_null(r->s);
	}
	memcpy(r->s + r->n, line, (size_t)n + 1);
	r->n += (size_t)n;
	if (f->text_len > 4 && sscanf(f->text, "seam%d@", &k) == 1 && k >= 0 && k < 64)
		r->seam_hits[k]++;
	return 0;
}

/* Put `s` at `at` in `big`. */
static void plant(char *big, size_t at, const char *s)
{
	memcpy(big + at, s, strlen(s));
}

/*
 * A text of 7.5 windows: two-byte filler (é) with PII every few hundred
 * bytes, one invalid byte, and e-mails seamK@example.com around each seam:
 * before the overlap, across the cut, across the window's end. *nseams gets
 * how many were planted.
 */
static char *make_text(size_t *len, int *nseams)
{
	size_t total = 7 * ENCLAVE_PII_CHUNK_BYTES + ENCLAVE_PII_CHUNK_BYTES / 2;
	char *big = malloc(total);
	int k = 0;

	assert_non_null(big);
	for (size_t i = 0; i + 1 < total; i += 2) {
		big[i] = (char)0xC3;
		big[i + 1] = (char)0xA9;
	}
	big[total - 1] = ' ';
	for (size_t at = 100; at + 200 < total; at += 4000) {
		plant(big, at, " call 212-555-0147 or ssn 219-09-9999 on 2021-03-04 ");
		plant(big, at + 60, " card 4111 1111 1111 1111 from 10.1.2.3 ");
	}
	big[5 * ENCLAVE_PII_CHUNK_BYTES + 12346] = (char)0xFF;
	for (size_t w = 1; w <= 7; w++) {
		size_t seam = w * ENCLAVE_PII_CHUNK_BYTES; /* window w starts here */
		size_t at[] = {
			seam - 40,                                 /* before the overlap */
			seam + ENCLAVE_PII_OVERLAP_BYTES / 2 - 8,  /* across the cut */
			seam + ENCLAVE_PII_OVERLAP_BYTES - 8,      /* across window w-1's end */
			seam + ENCLAVE_PII_OVERLAP_BYTES / 2 + 40, /* just after the cut */
		};
		for (size_t j = 0; j < sizeof(at) / sizeof(at[0]); j++) {
			char e[32];
			snprintf(e, sizeof(e), " seam%d@example.com ", k++);
			/* Even offsets keep the two-byte filler whole. */
			plant(big, at[j] & ~(size_t)1, e);
			if (strlen(e) % 2)
				big[(at[j] & ~(size_t)1) + strlen(e)] = ' ';
		}
	}
	*len = total;
	*nseams = k;
	return big;
}

/* Stream `text` through a stream on `pool` (NULL: none) in pieces of `piece` bytes. */
static void run_stream(struct report *r, enclave_pii_pool *pool, const char *text, size_t len,
                       size_t piece, long long *bad)
{
	enclave_pii_stream *ps;

	memset(r, 0, sizeof(*r));
	assert_int_equal(enclave_pii_stream_new(&ps, scanner), 0);
	assert_int_equal(enclave_pii_stream_set_pool(ps, pool), 0);
	for (size_t off = 0; off < len;) {
		size_t n = len - off < piece ? len - off : piece;
		assert_int_equal(enclave_pii_stream_feed(ps, text + off, n, report_cb, r), 0);
		off += n;
	}
	assert_int_equal(enclave_pii_stream_end(ps, report_cb, r), 0);
	*bad = enclave_pii_stream_bad_utf8(ps);
	enclave_pii_stream_free(ps);
}

static void stream_jobs_identical(void **st)
{
	size_t len;
	int nseams;
	char *text = make_text(&len, &nseams);
	static struct report base, other;
	long long bad0, bad;
	static const unsigned jobs[] = { 1, 2, 3 };
	static const size_t pieces[] = { 65536, 77777, 3000000 };

	(void)st;
	run_stream(&base, NULL, text, len, 65536, &bad0);
	assert_int_equal(bad0, 5 * ENCLAVE_PII_CHUNK_BYTES + 12346);
	/* Exactly once: every seam e-mail, and the report is in order without repeats. */
	for (int k = 0; k < nseams; k++) {
		if (base.seam_hits[k] != 1)
			print_error("seam%d@example.com reported %zu times\n", k,
			            base.seam_hits[k]);
		assert_int_equal(base.seam_hits[k], 1);
	}
	assert_true(base.calls > 2 * (len / 4000));
	for (size_t j = 0; j < sizeof(jobs) / sizeof(jobs[0]); j++) {
		enclave_pii_pool *pool;

		assert_int_equal(enclave_pii_pool_new(&pool, scanner, jobs[j]), 0);
		assert_int_equal(enclave_pii_pool_jobs(pool), jobs[j]);
		run_stream(&other, pool, text, len, pieces[j], &bad);
		assert_int_equal(bad, bad0);
		assert_int_equal(other.n, base.n);
		assert_memory_equal(other.s, base.s, base.n);
		free(other.s);
		enclave_pii_pool_free(pool);
	}
	free(base.s);
	free(text);
}

static void stream_stops_and_reuse(void **st)
{
	size_t len;
	int nseams;
	char *text = make_text(&len, &nseams);
	static struct report r, again;
	enclave_pii_pool *pool, *foreign;
	enclave_pii_scanner *other;
	enclave_pii_stream *ps;
	long long bad;
	int rc = 0;

	(void)st;
	assert_int_equal(enclave_pii_pool_new(&pool, scanner, 2), 0);
	assert_int_equal(enclave_pii_stream_new(&ps, scanner), 0);
	assert_int_equal(enclave_pii_stream_set_pool(ps, pool), 0);
	/* A callback's nonzero return stops the stream and comes back. */
	memset(&r, 0, sizeof(r));
	r.stop_at = 500;
	for (size_t off = 0; off < len && rc == 0; off += 1 << 20)
		rc = enclave_pii_stream_feed(
		    ps, text + off, len - off < (1 << 20) ? len - off : 1 << 20, report_cb, &r);
	if (rc == 0)
		rc = enclave_pii_stream_end(ps, report_cb, &r);
	assert_int_equal(rc, 7);
	assert_int_equal(r.calls, 500);
	free(r.s);
	/* After a reset the same stream reports as a new one. */
	enclave_pii_stream_reset(ps);
	memset(&r, 0, sizeof(r));
	assert_int_equal(enclave_pii_stream_feed(ps, text, len, report_cb, &r), 0);
	assert_int_equal(enclave_pii_stream_end(ps, report_cb, &r), 0);
	run_stream(&again, NULL, text, len, len, &bad);
	assert_int_equal(r.n, again.n);
	assert_memory_equal(r.s, again.s, again.n);
	free(r.s);
	free(again.s);
	/* A pool of another scanner is refused. */
	assert_int_equal(enclave_pii_scanner_new(&other, NULL), 0);
	assert_int_equal(enclave_pii_pool_new(&foreign, other, 2), 0);
	assert_int_equal(enclave_pii_stream_set_pool(ps, foreign), ENCLAVE_EINVALID);
	enclave_pii_pool_free(foreign);
	enclave_pii_scanner_free(other);
	enclave_pii_stream_free(ps);
	enclave_pii_pool_free(pool);
	free(text);
}

/* streams_end's done callback: records each stream's result in order. */
static int done_cb(size_t i, int rc, void *payload)
{
	int *seen = payload;

	seen[i] = rc == 0 ? 1 : -1;
	return 0;
}

static void streams_end_small(void **st)
{
	enum { N = 5 };
	size_t len;
	int nseams, seen[N] = { 0 };
	char *text = make_text(&len, &nseams);
	static struct report one[N], alone;
	enclave_pii_stream *ps[N];
	void *payloads[N];
	enclave_pii_pool *pool;
	long long bad;

	(void)st;
	assert_int_equal(enclave_pii_pool_new(&pool, scanner, 2), 0);
	for (size_t i = 0; i < N; i++) {
		/* Pieces of the text up to one byte under a window, cut anywhere. */
		size_t off = i * 700001, n = enclave_pii_stream_window() - 1 - i * 200000;
		memset(&one[i], 0, sizeof(one[i]));
		payloads[i] = &one[i];
		assert_int_equal(enclave_pii_stream_new(&ps[i], scanner), 0);
		assert_int_equal(enclave_pii_stream_feed(ps[i], text + off, n, report_cb, &one[i]),
		                 0);
		assert_int_equal(one[i].calls, 0);
	}
	assert_int_equal(enclave_pii_streams_end(pool, ps, N, report_cb, payloads, done_cb, seen),
	                 0);
	for (size_t i = 0; i < N; i++) {
		size_t off = i * 700001, n = enclave_pii_stream_window() - 1 - i * 200000;
		assert_int_equal(seen[i], 1);
		run_stream(&alone, NULL, text + off, n, n, &bad);
		assert_int_equal(bad, enclave_pii_stream_bad_utf8(ps[i]));
		assert_true(alone.calls > 0);
		assert_int_equal(one[i].n, alone.n);
		assert_memory_equal(one[i].s, alone.s, alone.n);
		free(alone.s);
		free(one[i].s);
	}
	/* A stream fed a whole window is refused before anything is reported. */
	enclave_pii_stream_reset(ps[1]);
	memset(&one[1], 0, sizeof(one[1]));
	assert_int_equal(
	    enclave_pii_stream_feed(ps[1], text, enclave_pii_stream_window(), report_cb, &one[1]),
	    0);
	assert_int_equal(enclave_pii_streams_end(pool, ps, 2, report_cb, payloads, done_cb, seen),
	                 ENCLAVE_EINVALID);
	free(one[1].s);
	for (size_t i = 0; i < N; i++)
		enclave_pii_stream_free(ps[i]);
	enclave_pii_pool_free(pool);
	free(text);
}

static void pool_bad_jobs(void **st)
{
	enclave_pii_pool *p = (enclave_pii_pool *)1;

	(void)st;
	assert_int_equal(enclave_pii_pool_new(&p, scanner, 0), ENCLAVE_EINVALID);
	assert_null(p);
	assert_int_equal(enclave_pii_pool_new(&p, scanner, ENCLAVE_MAX_PII_JOBS + 1),
	                 ENCLAVE_EINVALID);
	assert_non_null(strstr(enclave_error_last(), "jobs"));
}

static void json_batch(void **st)
{
	enum { N = 300 };
	static struct enclave_pii_json_line lines[N];
	static char text[N][128];
	enclave_pii_pool *pool;
	enclave_pii_state *state;

	(void)st;
	for (int i = 0; i < N; i++) {
		if (i % 50 == 7)
			snprintf(text[i], sizeof(text[i]), "{\"id\":%d,\"text\":%d}", i, i);
		else if (i % 50 == 8)
			snprintf(text[i], sizeof(text[i]), "{\"id\":%d", i);
		else
			snprintf(text[i], sizeof(text[i]),
			         "{\"id\":%d,\"text\":\"u%d@example.com 212-555-01%02d\"}", i, i,
			         i % 100);
		lines[i].line = text[i];
		lines[i].len = strlen(text[i]);
	}
	assert_int_equal(enclave_pii_pool_new(&pool, scanner, 3), 0);
	assert_int_equal(enclave_pii_state_new(&state, scanner), 0);
	assert_int_equal(enclave_pii_pool_scan_json(pool, lines, N, "text"), 0);
	for (int i = 0; i < N; i++) {
		char *one = NULL;
		size_t one_len = 0;
		int rc = enclave_pii_scan_json(&one, &one_len, scanner, state, text[i],
		                               strlen(text[i]), "text");

		assert_int_equal(lines[i].error, rc);
		if (rc < 0) {
			assert_null(lines[i].out);
			assert_string_equal(lines[i].message, enclave_error_last());
		} else {
			assert_int_equal(lines[i].out_len, one_len);
			assert_memory_equal(lines[i].out, one, one_len);
			assert_non_null(strstr(lines[i].out, "@example.com"));
		}
		free(one);
		free(lines[i].out);
	}
	enclave_pii_state_free(state);
	enclave_pii_pool_free(pool);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stream_jobs_identical),
		cmocka_unit_test(stream_stops_and_reuse),
		cmocka_unit_test(streams_end_small),
		cmocka_unit_test(pool_bad_jobs),
		cmocka_unit_test(json_batch),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
