/*
 * Unit tests of the augment stage on real projects: the generated-records
 * store (keys, insert-if-absent, list, count, status, audit events), and
 * the deterministic augmenters (entity-swap, synthetic-pii, eda with a
 * WordNet fixture written here).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "project_fixture.h"
#include "augment/augment_int.h"
#include "ingest/ingest_int.h"
#include "store/store_int.h"
#include "util/fs.h"
#include "util/utf8.h"

/* ------------------------------------------------------------ helpers */

/* Run one SQL query returning an integer. */
static int64_t sql_int(struct fixture *f, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	assert_int_equal(sqlite3_prepare_v2(f->p->db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

struct collected {
	int n;
	char texts[8][256];
	char status[8][16];
	int64_t ids[8];
};

static int collect(const struct enclave_record *r, void *payload)
{
	struct collected *c = payload;

	if (c->n < 8) {
		snprintf(c->texts[c->n], sizeof(c->texts[0]), "%s", r->text);
		snprintf(c->status[c->n], sizeof(c->status[0]), "%s", r->status);
		c->ids[c->n] = r->id;
	}
	c->n++;
	return 0;
}

/* Text of code points [start, end) of s, malloc'd. */
static char *cp_slice(const char *s, size_t start, size_t end)
{
	size_t len = strlen(s), b = 0, cp = 0, bs = 0;
	char *out;

	while (b < len && cp < end) {
		uint32_t c;
		if (cp == start)
			bs = b;
		b += utf8_decode((const unsigned char *)s + b, (const unsigned char *)s + len, &c);
		cp++;
	}
	assert_int_equal(cp, end);
	if (start == end)
		bs = b;
	out = malloc(b - bs + 1);
	memcpy(out, s + bs, b - bs);
	out[b - bs] = 0;
	return out;
}

/* Code point offset of the n-th (0-based) occurrence of needle in s. */
static size_t cp_find(const char *s, const char *needle, int nth)
{
	const char *p = s;

	for (;;) {
		p = strstr(p, needle);
		assert_non_null(p);
		if (nth-- == 0)
			return utf8_count(s, (size_t)(p - s));
		p++;
	}
}

/* Store a PII span [start, end) of `label` on document `doc`. */
static void add_span(struct fixture *f, int64_t doc, size_t start, size_t end, const char *label,
                     enum store_span_status status)
{
	struct store_span s;

	memset(&s, 0, sizeof(s));
	s.start = start, s.end = end, s.label = (char *)label, s.source = "user:tester";
	s.score = 1, s.status = status, s.out_start = -1, s.out_end = -1;
	assert_int_equal(store_begin(f->p), 0);
	assert_int_equal(store_span_add(f->p, doc, &s, NULL), 0);
	assert_int_equal(store_commit(f->p), 0);
}

/* Every record of `kind`, as JSON objects {text, payload} in id order (new reference). */
static int collect_json(const struct enclave_record *r, void *payload)
{
	json_t *a = payload;
	json_array_append_new(a, json_pack("{s:s,s:o,s:o,s:s}", "text", r->text, "payload",
	                                   json_loads(r->payload, 0, NULL), "lineage",
	                                   json_loads(r->lineage, 0, NULL), "sha", r->text_sha256));
	return 0;
}

static json_t *records_of(struct fixture *f, const char *kind)
{
	struct enclave_records_filter flt;
	json_t *a = json_array();

	memset(&flt, 0, sizeof(flt));
	flt.kind = kind;
	assert_int_equal(enclave_records_list(f->p, &flt, collect_json, a), 0);
	return a;
}

/* ------------------------------------------------------------ records */

static void record_keys(void **state)
{
	char a[65], b[65], c[65], d[65];

	(void)state;
	enclave_record_key(a, "eda", "src", "{\"seed\":1}", 0);
	enclave_record_key(b, "eda", "src", "{\"seed\":1}", 0);
	enclave_record_key(c, "eda", "src", "{\"seed\":1}", 1);
	enclave_record_key(d, "eda", "src", "{\"seed\":2}", 0);
	assert_int_equal(strlen(a), 64);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_string_not_equal(a, d);
	/* The NUL separators keep "ab"+"c" apart from "a"+"bc". */
	enclave_record_key(c, "eda", "ab", "c", 0);
	enclave_record_key(d, "eda", "a", "bc", 0);
	assert_string_not_equal(c, d);
}

static void records_insert_if_absent(void **state)
{
	struct fixture *f = *state;
	struct enclave_record_new r[3];
	struct enclave_records_filter flt = { 0 };
	struct collected got = { 0 };
	char keys[3][65];
	size_t inserted = 99;
	int64_t n = -1, events0 = sql_int(f, "SELECT count(*) FROM audit");
	int exists = -1;

	memset(r, 0, sizeof(r));
	for (int i = 0; i < 3; i++) {
		enclave_record_key(keys[i], "qa", "", "{}", i);
		r[i].kind = "qa";
		r[i].key = keys[i];
		r[i].chunk = -1;
		r[i].payload = "{\"answer\":\"yes\"}";
		r[i].lineage = "{\"generator\":\"test\"}";
	}
	r[0].text = "first";
	r[1].text = "second, caf\xc3\xa9";
	r[2].text = "third";
	assert_int_equal(enclave_record_exists(f->p, keys[0], &exists), 0);
	assert_int_equal(exists, 0);
	assert_int_equal(enclave_records_insert(f->p, r, 2, &inserted), 0);
	assert_int_equal(inserted, 2);
	assert_int_equal(enclave_record_exists(f->p, keys[0], &exists), 0);
	assert_int_equal(exists, 1);
	/* Again with a third: only the new one goes in, nothing doubles. */
	assert_int_equal(enclave_records_insert(f->p, r, 3, &inserted), 0);
	assert_int_equal(inserted, 1);
	assert_int_equal(enclave_records_count(f->p, NULL, &n), 0);
	assert_int_equal(n, 3);
	/* A third time: nothing added, no event. */
	int64_t events1 = sql_int(f, "SELECT count(*) FROM audit");
	assert_int_equal(enclave_records_insert(f->p, r, 3, &inserted), 0);
	assert_int_equal(inserted, 0);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM audit"), events1);
	assert_int_equal(events1 - events0, 2);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM audit WHERE action = 'augment.records'"),
	                 2);
	/* The events name what they added. */
	assert_int_equal(sql_int(f, "SELECT json_array_length(outputs, '$.records') FROM audit"
	                            " WHERE action = 'augment.records' ORDER BY seq LIMIT 1"),
	                 2);
	/* Listed in order, proposed, text and hash kept. */
	assert_int_equal(enclave_records_list(f->p, NULL, collect, &got), 0);
	assert_int_equal(got.n, 3);
	assert_string_equal(got.texts[1], "second, caf\xc3\xa9");
	assert_string_equal(got.status[0], "proposed");
	/* Status: audited, filtered on. */
	assert_int_equal(enclave_record_set_status(f->p, got.ids[1], "accepted"), 0);
	assert_int_equal(enclave_record_set_status(f->p, got.ids[1], "maybe"), ENCLAVE_EINVALID);
	assert_int_equal(enclave_record_set_status(f->p, 9999, "accepted"), ENCLAVE_ENOTFOUND);
	flt.status = "accepted";
	assert_int_equal(enclave_records_count(f->p, &flt, &n), 0);
	assert_int_equal(n, 1);
	memset(&got, 0, sizeof(got));
	flt.status = NULL;
	flt.kind = "qa";
	flt.after_id = got.ids[0];
	flt.limit = 2;
	assert_int_equal(enclave_records_list(f->p, &flt, collect, &got), 0);
	assert_int_equal(got.n, 2);
	flt.kind = "eda";
	assert_int_equal(enclave_records_count(f->p, &flt, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(
	    sql_int(f, "SELECT count(*) FROM audit WHERE action = 'augment.record.status'"), 1);
	struct enclave_audit_report rep;
	assert_int_equal(enclave_audit_verify(f->p, &rep), 0);
	assert_true(rep.ok);
}

static void records_refuse_malformed(void **state)
{
	struct fixture *f = *state;
	struct enclave_record_new r;
	char key[65];
	int64_t n = -1;

	enclave_record_key(key, "qa", "", "{}", 0);
	memset(&r, 0, sizeof(r));
	r.kind = "qa";
	r.key = key;
	r.text = "ok";
	r.chunk = -1;
	r.kind = "Bad Kind";
	assert_int_equal(enclave_records_insert(f->p, &r, 1, NULL), ENCLAVE_EINVALID);
	r.kind = "qa";
	r.key = "abc";
	assert_int_equal(enclave_records_insert(f->p, &r, 1, NULL), ENCLAVE_EINVALID);
	r.key = key;
	r.payload = "[1,2]";
	assert_int_equal(enclave_records_insert(f->p, &r, 1, NULL), ENCLAVE_EINVALID);
	assert_non_null(strstr(enclave_error_last(), "payload"));
	r.payload = NULL;
	r.lineage = "{bad";
	assert_int_equal(enclave_records_insert(f->p, &r, 1, NULL), ENCLAVE_EINVALID);
	r.lineage = NULL;
	r.text = "\xff\xfe";
	assert_int_equal(enclave_records_insert(f->p, &r, 1, NULL), ENCLAVE_EINVALID);
	assert_int_equal(enclave_records_count(f->p, NULL, &n), 0);
	assert_int_equal(n, 0);
}

/* ------------------------------------------------------------ synthetic-pii */

static int luhn_ok(const char *digits)
{
	size_t n = strlen(digits);
	unsigned sum = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned x = (unsigned)(digits[n - 1 - i] - '0');
		if (i % 2 == 1)
			x = x * 2 > 9 ? x * 2 - 9 : x * 2;
		sum += x;
	}
	return sum % 10 == 0;
}

static int iban_ok(const char *v)
{
	char s[64];
	size_t n = 0;
	unsigned mod = 0;

	for (const char *p = v; *p; p++)
		if (*p != ' ')
			s[n++] = *p;
	s[n] = 0;
	if (n < 15)
		return 0;
	/* Country and check digits to the end, letters as 10..35, mod 97 must be 1. */
	for (size_t k = 0; k < n; k++) {
		char c = s[(k + 4) % n];
		if (c >= 'A' && c <= 'Z')
			mod = (mod * 100 + (unsigned)(c - 'A' + 10)) % 97;
		else if (c >= '0' && c <= '9')
			mod = (mod * 10 + (unsigned)(c - '0')) % 97;
		else
			return 0;
	}
	return mod == 1;
}

/* Only the digits of v. */
static void digits_of(char *out, size_t cap, const char *v)
{
	size_t n = 0;

	for (; *v && n + 1 < cap; v++)
		if (*v >= '0' && *v <= '9')
			out[n++] = *v;
	out[n] = 0;
}

static void synth_spans_point_at_planted_values(void **state)
{
	int seen[16] = { 0 };
	const char *labels[] = { "PERSON",      "EMAIL_ADDRESS", "PHONE_NUMBER", "US_SSN",
		                 "CREDIT_CARD", "IBAN_CODE",     "DATE_TIME",    "STREET_ADDRESS",
		                 "LOCATION",    "ORGANIZATION",  "IP_ADDRESS",   "URL" };

	(void)state;
	for (int64_t i = 0; i < 300; i++) {
		struct aug_item a, b;
		const char *dom;
		size_t last_end = 0;

		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		a.text = (struct buf)BUF_INIT(1 << 20);
		b.text = (struct buf)BUF_INIT(1 << 20);
		assert_int_equal(aug_synth_document(&a, &dom, 1, i), 0);
		assert_int_equal(aug_synth_document(&b, &dom, 1, i), 0);
		/* Same seed and index, same document. */
		assert_string_equal(buf_cstr(&a.text), buf_cstr(&b.text));
		assert_true(a.spans.n >= 3);
		assert_true(utf8_valid(a.text.ptr, a.text.len));
		for (size_t k = 0; k < a.spans.n; k++) {
			const struct aug_span *sp = &a.spans.v[k];
			char *v = cp_slice(buf_cstr(&a.text), sp->start, sp->end), d[64];
			size_t nd;
			int known = 0;
			assert_true(sp->start >= last_end && sp->end > sp->start);
			last_end = sp->end;
			/* A value never bleeds into the template's text. */
			assert_true(v[0] != ' ' && v[strlen(v) - 1] != ' ');
			for (size_t l = 0; l < sizeof(labels) / sizeof(labels[0]); l++)
				if (!strcmp(labels[l], sp->label))
					seen[l]++, known = 1;
			assert_true(known);
			digits_of(d, sizeof(d), v);
			nd = strlen(d);
			if (!strcmp(sp->label, "US_SSN")) {
				int area = atoi(d) / 1000000;
				assert_int_equal(strlen(v), 11);
				assert_true(v[3] == '-' && v[6] == '-' && nd == 9);
				assert_true(area > 0 && area != 666 && area < 900);
				assert_true(strncmp(d + 3, "00", 2) && strncmp(d + 5, "0000", 4));
			} else if (!strcmp(sp->label, "CREDIT_CARD")) {
				assert_true(nd == 15 || nd == 16);
				assert_true(luhn_ok(d));
			} else if (!strcmp(sp->label, "IBAN_CODE")) {
				assert_true(iban_ok(v));
			} else if (!strcmp(sp->label, "EMAIL_ADDRESS")) {
				assert_non_null(strstr(v, "@example."));
			} else if (!strcmp(sp->label, "PHONE_NUMBER")) {
				assert_true(nd == 10 || nd == 11);
				assert_non_null(strstr(d, "55501"));
			} else if (!strcmp(sp->label, "PERSON")) {
				assert_non_null(strchr(v, ' '));
			}
			free(v);
		}
		buf_release(&a.text);
		buf_release(&b.text);
		aug_spans_release(&a.spans);
		aug_spans_release(&b.spans);
	}
	/* Every kind of value was planted in 300 documents. */
	for (size_t l = 0; l < sizeof(labels) / sizeof(labels[0]); l++)
		assert_true(seen[l] > 0);
}

static void synth_seeds_differ_and_file_round_trips(void **state)
{
	struct enclave_augment_options o = ENCLAVE_AUGMENT_OPTIONS_INIT;
	struct enclave_augment_summary s1, s2;
	char path[128], dir[64] = "/tmp/enclave-synth-XXXXXX";
	struct buf a = BUF_INIT(1 << 24), b = BUF_INIT(1 << 24);
	size_t lines = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s.jsonl", dir);
	o.task = ENCLAVE_AUGMENT_SYNTHETIC_PII;
	o.n = 50;
	o.seed = 1;
	assert_int_equal(enclave_augment_synth_write(path, &o, &s1), 0);
	assert_int_equal(s1.made, 50);
	assert_int_equal(fs_read_file(&a, path), 0);
	o.seed = 2;
	assert_int_equal(enclave_augment_synth_write(path, &o, &s2), 0);
	assert_int_equal(fs_read_file(&b, path), 0);
	assert_string_not_equal(s1.output_sha256, s2.output_sha256);
	assert_string_not_equal(buf_cstr(&a), buf_cstr(&b));
	/* Each line: a document whose spans point into its text. */
	for (const char *line = buf_cstr(&a); *line;) {
		const char *nl = strchr(line, '\n');
		json_t *j = json_loadb(line, (size_t)(nl - line), 0, NULL), *sp;
		size_t k;
		assert_non_null(j);
		const char *text = json_string_value(json_object_get(j, "text"));
		assert_non_null(text);
		assert_non_null(json_object_get(json_object_get(j, "lineage"), "template_sha256"));
		json_array_foreach(json_object_get(j, "spans"), k, sp)
		{
			size_t st = (size_t)json_integer_value(json_object_get(sp, "start"));
			size_t en = (size_t)json_integer_value(json_object_get(sp, "end"));
			assert_true(en > st && en <= utf8_count(text, strlen(text)));
		}
		json_decref(j);
		lines++;
		line = nl + 1;
	}
	assert_int_equal(lines, 50);
	/* A folder that does not exist: an error naming the file. */
	snprintf(path, sizeof(path), "%s/no/such/s.jsonl", dir);
	assert_int_equal(enclave_augment_synth_write(path, &o, &s1), ENCLAVE_EIO);
	assert_non_null(strstr(enclave_error_last(), path));
	buf_release(&a);
	buf_release(&b);
	assert_int_equal(fixture_remove_tree(dir), 0);
}

static void synth_into_project_resumes(void **state)
{
	struct fixture *f = *state;
	struct enclave_augment_options o = ENCLAVE_AUGMENT_OPTIONS_INIT;
	struct enclave_augment_summary s;
	char first[65];

	o.task = ENCLAVE_AUGMENT_SYNTHETIC_PII;
	o.n = 40;
	assert_int_equal(enclave_augment_run(f->p, &o, &s), 0);
	assert_int_equal(s.made, 40);
	memcpy(first, s.output_sha256, 65);
	/* Lose a few, as a kill would: the rerun makes exactly those. */
	assert_int_equal(store_exec(f->p->db, "DELETE FROM records WHERE id > 33"), 0);
	assert_int_equal(enclave_augment_run(f->p, &o, &s), 0);
	assert_int_equal(s.made, 7);
	assert_int_equal(s.skipped, 33);
	assert_string_equal(first, s.output_sha256);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM records"), 40);
	assert_int_equal(sql_int(f, "SELECT count(DISTINCT text_sha256) FROM records"), 40);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM audit WHERE action = 'augment.run'"), 2);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM records WHERE status = 'proposed'"
	                            " AND document_id IS NULL"),
	                 40);
}

/* ------------------------------------------------------------ entity-swap */

static void entity_swap_replaces_entities_only(void **state)
{
	struct fixture *f = *state;
	const char *text = "Café note: Ana Lima wrote to ana.lima@example.org on March 4, 2021."
	                   " Call Ana Lima at (212) 555-0147. José Núñez signed for Umbrella Corp.";
	const char *labels[] = { "PERSON",       "EMAIL_ADDRESS", "DATE_TIME",  "PERSON",
		                 "PHONE_NUMBER", "PERSON",        "FAC_UNKNOWN" };
	const char *values[] = { "Ana Lima",     "ana.lima@example.org", "March 4, 2021",
		                 "Ana Lima",     "(212) 555-0147",       "José Núñez",
		                 "Umbrella Corp" };
	struct enclave_augment_options o = ENCLAVE_AUGMENT_OPTIONS_INIT;
	struct enclave_augment_summary s;
	int64_t doc = fixture_add_text_doc(f, text, 0);
	size_t starts[7];
	json_t *recs, *again;

	for (int i = 0; i < 7; i++) {
		starts[i] = cp_find(text, values[i], i == 3 ? 1 : 0);
		add_span(f, doc, starts[i], starts[i] + utf8_count(values[i], strlen(values[i])),
		         labels[i], STORE_SPAN_PROPOSED);
	}
	/* A rejected span is not an entity. */
	add_span(f, doc, cp_find(text, "Call", 0), cp_find(text, "Call", 0) + 4, "PERSON",
	         STORE_SPAN_REJECTED);
	fixture_add_text_doc(f, "A document without any entity.", 0);
	o.task = ENCLAVE_AUGMENT_ENTITY_SWAP;
	o.n = 3;
	o.seed = 5;
	assert_int_equal(enclave_augment_run(f->p, &o, &s), 0);
	assert_int_equal(s.made, 3);
	assert_int_equal(s.documents, 2);
	assert_int_equal(s.no_spans, 1);
	recs = records_of(f, "entity-swap");
	assert_int_equal(json_array_size(recs), 3);
	for (size_t r = 0; r < 3; r++) {
		json_t *rec = json_array_get(recs, r);
		const char *out = json_string_value(json_object_get(rec, "text"));
		json_t *spans = json_object_get(json_object_get(rec, "payload"), "spans");
		char *v[7];
		size_t prev_in = 0, prev_out = 0;
		assert_int_equal(json_array_size(spans), 7);
		for (size_t k = 0; k < 7; k++) {
			json_t *sp = json_array_get(spans, k);
			size_t st = (size_t)json_integer_value(json_object_get(sp, "start"));
			size_t en = (size_t)json_integer_value(json_object_get(sp, "end"));
			assert_string_equal(json_string_value(json_object_get(sp, "label")),
			                    labels[k]);
			/* The text between entities is unchanged. */
			char *gap_out = cp_slice(out, prev_out, st);
			char *gap_in = cp_slice(text, prev_in, starts[k]);
			assert_string_equal(gap_out, gap_in);
			free(gap_out);
			free(gap_in);
			v[k] = cp_slice(out, st, en);
			prev_out = en;
			prev_in = starts[k] + utf8_count(values[k], strlen(values[k]));
		}
		char *tail_out = cp_slice(out, prev_out, utf8_count(out, strlen(out)));
		char *tail_in = cp_slice(text, prev_in, utf8_count(text, strlen(text)));
		assert_string_equal(tail_out, tail_in);
		free(tail_out);
		free(tail_in);
		/* The entities are surrogates of their kind; one value, one surrogate. */
		assert_string_not_equal(v[0], "Ana Lima");
		assert_string_equal(v[0], v[3]);
		assert_non_null(strstr(v[1], "@example.org"));
		assert_string_not_equal(v[1], values[1]);
		assert_string_not_equal(v[2], values[2]);
		assert_non_null(strstr(v[4], "555-01"));
		assert_string_not_equal(v[5], values[5]);
		/* An unknown label keeps its text (and its span). */
		assert_string_equal(v[6], "Umbrella Corp");
		for (int k = 0; k < 7; k++)
			free(v[k]);
		assert_string_equal(json_string_value(json_object_get(
		                        json_object_get(rec, "payload"), "spans_from")),
		                    "pii");
		assert_string_equal(json_string_value(json_object_get(
		                        json_object_get(rec, "lineage"), "generator")),
		                    "enclave/entity-swap");
	}
	/* Each variant has its own surrogates. */
	for (size_t a = 0; a < 3; a++)
		for (size_t b = a + 1; b < 3; b++)
			assert_string_not_equal(
			    json_string_value(json_object_get(json_array_get(recs, a), "text")),
			    json_string_value(json_object_get(json_array_get(recs, b), "text")));
	/* A rerun skips; made again from nothing, the same records (determinism by seed). */
	assert_int_equal(enclave_augment_run(f->p, &o, &s), 0);
	assert_int_equal(s.made, 0);
	assert_int_equal(s.skipped, 3);
	assert_int_equal(store_exec(f->p->db, "DELETE FROM records"), 0);
	assert_int_equal(enclave_augment_run(f->p, &o, &s), 0);
	assert_int_equal(s.made, 3);
	again = records_of(f, "entity-swap");
	for (size_t r = 0; r < 3; r++)
		assert_string_equal(
		    json_string_value(json_object_get(json_array_get(recs, r), "text")),
		    json_string_value(json_object_get(json_array_get(again, r), "text")));
	json_decref(again);
	/* Another seed, other surrogates. */
	assert_int_equal(store_exec(f->p->db, "DELETE FROM records"), 0);
	o.seed = 6;
	assert_int_equal(enclave_augment_run(f->p, &o, &s), 0);
	again = records_of(f, "entity-swap");
	assert_string_not_equal(
	    json_string_value(json_object_get(json_array_get(recs, 0), "text")),
	    json_string_value(json_object_get(json_array_get(again, 0), "text")));
	json_decref(again);
	/* --accepted: the spans are proposed, so there is nothing to swap; nor annotations. */
	o.accepted_only = 1;
	assert_int_equal(enclave_augment_run(f->p, &o, &s), 0);
	assert_int_equal(s.made, 0);
	assert_int_equal(s.no_spans, 2);
	o.accepted_only = 0;
	o.spans = ENCLAVE_AUGMENT_SPANS_ANNOTATIONS;
	assert_int_equal(enclave_augment_run(f->p, &o, &s), 0);
	assert_int_equal(s.made, 0);
	assert_int_equal(s.no_spans, 2);
	json_decref(recs);
}

/* The text of span k of a record's payload spans (code points into `text`). */
static char *span_text(const char *text, json_t *spans, size_t k)
{
	json_t *sp = json_array_get(spans, k);

	return cp_slice(text, (size_t)json_integer_value(json_object_get(sp, "start")),
	                (size_t)json_integer_value(json_object_get(sp, "end")));
}

/* Values the date shift keeps or cannot read are redrawn: no value of the source survives. */
static void entity_swap_redraws_kept_values(void **state)
{
	struct fixture *f = *state;
	const char *text = "Seen at 09:14:05 and again at 7:05 pm in 2026, then in March.";
	const char *values[] = { "09:14:05", "7:05 pm", "2026", "March" };
	struct enclave_augment_options o = ENCLAVE_AUGMENT_OPTIONS_INIT;
	struct enclave_augment_summary s;
	int64_t doc = fixture_add_text_doc(f, text, 0);
	json_t *recs;

	for (int i = 0; i < 4; i++) {
		size_t st = cp_find(text, values[i], 0);
		add_span(f, doc, st, st + strlen(values[i]), "DATE_TIME", STORE_SPAN_PROPOSED);
	}
	o.task = ENCLAVE_AUGMENT_ENTITY_SWAP;
	o.n = 8;
	o.seed = 3;
	assert_int_equal(enclave_augment_run(f->p, &o, &s), 0);
	assert_int_equal(s.made, 8);
	recs = records_of(f, "entity-swap");
	for (size_t r = 0; r < 8; r++) {
		json_t *rec = json_array_get(recs, r);
		const char *out = json_string_value(json_object_get(rec, "text"));
		json_t *spans = json_object_get(json_object_get(rec, "payload"), "spans");
		unsigned h, m, sec;
		char ampm[3];
		for (int i = 0; i < 4; i++)
			if (strstr(out, values[i]))
				fail_msg("variant %zu keeps '%s': %s", r, values[i], out);
		char *v0 = span_text(out, spans, 0), *v1 = span_text(out, spans, 1),
		     *v2 = span_text(out, spans, 2);
		/* A time stays a time: HH:MM:SS in range; h:MM with am/pm from 1 to 12; a year keeps its century. */
		assert_int_equal(strlen(v0), 8);
		assert_int_equal(sscanf(v0, "%2u:%2u:%2u", &h, &m, &sec), 3);
		assert_true(h < 24 && m < 60 && sec < 60);
		assert_int_equal(sscanf(v1, "%u:%2u %2s", &h, &m, ampm), 3);
		assert_true(h >= 1 && h <= 12 && m < 60);
		assert_string_equal(ampm, "pm");
		assert_int_equal(strlen(v2), 4);
		assert_memory_equal(v2, "20", 2);
		free(v0);
		free(v1);
		free(v2);
	}
	json_decref(recs);
}

/* ------------------------------------------------------------ eda and WordNet */

/* Write a tiny WordNet (noun and adj; no verb or adv files) under dir/wn. */
static void write_wordnet(const char *dir, char *wn, size_t cap)
{
	const char *header = "  1 This is a WordNet fixture written by test_augment.c  \n"
	                     "  2 in the format of wndb(5).  \n";
	const char *syn[][2] = { { "car", "auto 0 automobile 0 machine 0" },
		                 { "house", "home 0 dwelling 0 domicile 0" } };
	char path[256], line[256];
	long off[2];
	FILE *fp;

	snprintf(wn, cap, "%s/wn", dir);
	assert_int_equal(mkdir(wn, 0755), 0);
	snprintf(path, sizeof(path), "%s/data.noun", wn);
	assert_non_null(fp = fopen(path, "w"));
	fputs(header, fp);
	for (int i = 0; i < 2; i++) {
		off[i] = ftell(fp);
		fprintf(fp, "%08ld 06 n 04 %s 0 %s 000 | a gloss  \n", off[i], syn[i][0],
		        syn[i][1]);
	}
	fclose(fp);
	snprintf(path, sizeof(path), "%s/index.noun", wn);
	assert_non_null(fp = fopen(path, "w"));
	fputs(header, fp);
	/* "broken" (sorted first) points at an offset inside a line. */
	fprintf(fp, "broken n 1 0 1 0 %08ld  \n", off[0] + 3);
	for (int i = 0; i < 2; i++) {
		snprintf(line, sizeof(line), "%s n 1 1 @ 1 0 %08ld  \n", syn[i][0], off[i]);
		fputs(line, fp);
	}
	fclose(fp);
	/* An adjective file pair, with a marker on a word. */
	snprintf(path, sizeof(path), "%s/data.adj", wn);
	assert_non_null(fp = fopen(path, "w"));
	fprintf(fp, "%08d 00 a 02 red 0 crimson(a) 0 000 | a colour  \n", 0);
	fclose(fp);
	snprintf(path, sizeof(path), "%s/index.adj", wn);
	assert_non_null(fp = fopen(path, "w"));
	fprintf(fp, "red a 1 0 1 0 %08d  \n", 0);
	fclose(fp);
}

static void wordnet_lookup_and_errors(void **state)
{
	struct fixture *f = *state;
	struct wordnet *wn = NULL;
	struct wordnet_words w = { { 0 }, 0 };
	char dir[128];

	write_wordnet(f->dir, dir, sizeof(dir));
	assert_int_equal(wordnet_open(&wn, dir), 0);
	assert_int_equal(wordnet_synonyms(&w, wn, "car", 3), 0);
	assert_int_equal(w.n, 3);
	assert_string_equal(w.v[0], "auto");
	assert_string_equal(w.v[2], "machine");
	wordnet_words_release(&w);
	assert_int_equal(wordnet_synonyms(&w, wn, "red", 3), 0);
	assert_int_equal(w.n, 1);
	assert_string_equal(w.v[0], "crimson");
	wordnet_words_release(&w);
	assert_int_equal(wordnet_synonyms(&w, wn, "ca", 2), 0);
	assert_int_equal(w.n, 0);
	assert_int_equal(wordnet_synonyms(&w, wn, "zebra", 5), 0);
	assert_int_equal(w.n, 0);
	assert_int_equal(wordnet_synonyms(&w, wn, "broken", 6), ENCLAVE_EINVALID);
	wordnet_words_release(&w);
	wordnet_free(wn);
	/* No WordNet at all: the error names the file and the package. */
	assert_int_equal(wordnet_open(&wn, "/nonexistent/wordnet"), ENCLAVE_ENOTFOUND);
	assert_non_null(strstr(enclave_error_last(), "/nonexistent/wordnet/index.noun"));
	assert_non_null(strstr(enclave_error_last(), "wordnet-base"));
}

/* Run eda with the given alphas; check every record keeps the protected spans byte-identical. */
static json_t *eda_run(struct fixture *f, const char *wn, double sr, double ri, double rs,
                       double rd, const char *text, const char **prot, int nprot)
{
	struct enclave_augment_options o = ENCLAVE_AUGMENT_OPTIONS_INIT;
	struct enclave_augment_summary s;
	json_t *recs;

	assert_int_equal(store_exec(f->p->db, "DELETE FROM records"), 0);
	o.task = ENCLAVE_AUGMENT_EDA;
	o.n = 4;
	o.seed = 9;
	o.alpha_sr = sr, o.alpha_ri = ri, o.alpha_rs = rs, o.alpha_rd = rd;
	o.wordnet_dir = wn;
	assert_int_equal(enclave_augment_run(f->p, &o, &s), 0);
	assert_int_equal(s.made, 4);
	recs = records_of(f, "eda");
	for (size_t r = 0; r < json_array_size(recs); r++) {
		json_t *rec = json_array_get(recs, r);
		const char *out = json_string_value(json_object_get(rec, "text"));
		json_t *spans = json_object_get(json_object_get(rec, "payload"), "spans");
		assert_int_equal(json_array_size(spans), nprot);
		for (int k = 0; k < nprot; k++) {
			json_t *sp = json_array_get(spans, (size_t)k);
			char *v =
			    cp_slice(out, (size_t)json_integer_value(json_object_get(sp, "start")),
			             (size_t)json_integer_value(json_object_get(sp, "end")));
			assert_string_equal(v, prot[k]);
			free(v);
		}
	}
	(void)text;
	return recs;
}

static void eda_never_touches_spans(void **state)
{
	struct fixture *f = *state;
	const char *text = "The red car is parked by the house of Ana Lima in Lisbon.\n\n"
	                   "Another car drove past the house of José Núñez, slowly.";
	const char *prot[] = { "Ana Lima", "Lisbon", "José Núñez" };
	int64_t doc = fixture_add_text_doc(f, text, 0);
	char wn[128];
	json_t *recs;

	write_wordnet(f->dir, wn, sizeof(wn));
	for (int k = 0; k < 3; k++) {
		size_t st = cp_find(text, prot[k], 0);
		add_span(f, doc, st, st + utf8_count(prot[k], strlen(prot[k])),
		         k == 1 ? "LOCATION" : "PERSON", STORE_SPAN_ACCEPTED);
	}
	/* SR: a word with synonyms is replaced by one of them. */
	recs = eda_run(f, wn, 0.5, 0, 0, 0, text, prot, 3);
	for (size_t r = 0; r < 4; r++) {
		const char *out =
		    json_string_value(json_object_get(json_array_get(recs, r), "text"));
		json_t *pl = json_object_get(json_array_get(recs, r), "payload");
		assert_string_equal(json_string_value(json_object_get(pl, "op")), "sr");
		assert_true(json_integer_value(json_object_get(pl, "changes")) >= 1);
		assert_string_not_equal(out, text);
		assert_true(strstr(out, "auto") || strstr(out, "machine") || strstr(out, "home") ||
		            strstr(out, "dwelling") || strstr(out, "domicile") ||
		            strstr(out, "crimson"));
		/* The paragraph break stays. */
		assert_non_null(strstr(out, "\n\n"));
	}
	json_decref(recs);
	/* RI: longer texts with an inserted synonym. */
	recs = eda_run(f, wn, 0, 0.3, 0, 0, text, prot, 3);
	for (size_t r = 0; r < 4; r++)
		assert_true(strlen(json_string_value(
		                json_object_get(json_array_get(recs, r), "text"))) > strlen(text));
	json_decref(recs);
	/* RS: the same words in another order. */
	recs = eda_run(f, NULL, 0, 0, 0.3, 0, text, prot, 3);
	for (size_t r = 0; r < 4; r++) {
		const char *out =
		    json_string_value(json_object_get(json_array_get(recs, r), "text"));
		assert_int_equal(strlen(out), strlen(text));
		assert_string_not_equal(out, text);
	}
	json_decref(recs);
	/* RD: shorter texts; heavy deletion still keeps every span. */
	recs = eda_run(f, NULL, 0, 0, 0, 0.9, text, prot, 3);
	for (size_t r = 0; r < 4; r++)
		assert_true(strlen(json_string_value(
		                json_object_get(json_array_get(recs, r), "text"))) < strlen(text));
	json_decref(recs);
	/* All four in turn; the same seed gives the same texts. */
	json_t *a = eda_run(f, wn, 0.2, 0.2, 0.2, 0.2, text, prot, 3);
	json_t *b = eda_run(f, wn, 0.2, 0.2, 0.2, 0.2, text, prot, 3);
	const char *ops[] = { "sr", "ri", "rs", "rd" };
	for (size_t r = 0; r < 4; r++) {
		assert_string_equal(
		    json_string_value(json_object_get(json_array_get(a, r), "text")),
		    json_string_value(json_object_get(json_array_get(b, r), "text")));
		assert_string_equal(json_string_value(json_object_get(
		                        json_object_get(json_array_get(a, r), "payload"), "op")),
		                    ops[r]);
	}
	json_decref(a);
	json_decref(b);
}

static void eda_without_wordnet_names_the_path(void **state)
{
	struct fixture *f = *state;
	struct enclave_augment_options o = ENCLAVE_AUGMENT_OPTIONS_INIT;
	struct enclave_augment_summary s;

	fixture_add_text_doc(f, "Some words to change.", 0);
	o.task = ENCLAVE_AUGMENT_EDA;
	o.wordnet_dir = "/nonexistent/wn";
	assert_int_equal(enclave_augment_run(f->p, &o, &s), ENCLAVE_ENOTFOUND);
	assert_non_null(strstr(enclave_error_last(), "/nonexistent/wn/index.noun"));
	o.alpha_rs = 0.5;
	o.alpha_sr = o.alpha_ri = o.alpha_rd = 0;
	assert_int_equal(enclave_augment_run(f->p, &o, &s), 0);
	assert_int_equal(s.made, 1);
	o.alpha_rs = 0;
	assert_int_equal(enclave_augment_run(f->p, &o, &s), ENCLAVE_EINVALID);
}

/* The real WordNet of Debian's wordnet-base, when installed. */
static void wordnet_real_files(void **state)
{
	struct wordnet *wn = NULL;
	struct wordnet_words w = { { 0 }, 0 };
	int has_car = 0;

	(void)state;
	if (access("/usr/share/wordnet/index.noun", R_OK) != 0) {
		skip();
		return;
	}
	assert_int_equal(wordnet_open(&wn, NULL), 0);
	assert_int_equal(wordnet_synonyms(&w, wn, "automobile", 10), 0);
	for (size_t i = 0; i < w.n; i++)
		has_car |= !strcmp(w.v[i], "car");
	assert_true(has_car);
	wordnet_words_release(&w);
	assert_int_equal(wordnet_synonyms(&w, wn, "quick", 5), 0);
	assert_true(w.n > 3);
	wordnet_words_release(&w);
	wordnet_free(wn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(record_keys),
		cmocka_unit_test_setup_teardown(records_insert_if_absent, setup, teardown),
		cmocka_unit_test_setup_teardown(records_refuse_malformed, setup, teardown),
		cmocka_unit_test(synth_spans_point_at_planted_values),
		cmocka_unit_test(synth_seeds_differ_and_file_round_trips),
		cmocka_unit_test_setup_teardown(synth_into_project_resumes, setup, teardown),
		cmocka_unit_test_setup_teardown(entity_swap_replaces_entities_only, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(entity_swap_redraws_kept_values, setup, teardown),
		cmocka_unit_test_setup_teardown(wordnet_lookup_and_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(eda_never_touches_spans, setup, teardown),
		cmocka_unit_test_setup_teardown(eda_without_wordnet_names_the_path, setup,
		                                teardown),
		cmocka_unit_test(wordnet_real_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
