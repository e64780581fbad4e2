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

#include <cmocka.h>
#include <jansson.h>

#include "project_fixture.h"
#include "store/store_int.h"

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
	assert_int_equal(
	    sql_int(f, "SELECT count(*) FROM audit WHERE action = 'augment.records'"), 2);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(record_keys),
		cmocka_unit_test_setup_teardown(records_insert_if_absent, setup, teardown),
		cmocka_unit_test_setup_teardown(records_refuse_malformed, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
