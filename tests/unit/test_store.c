/*
 * Unit tests of the store: projects, blobs, the audit chain, transactions,
 * documents round-tripping through the tables.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_int.h"
#include "ingest/ingest_int.h"

#include "project_fixture.h"

static void init_makes_a_project(void **state)
{
	struct fixture *f = *state;
	struct enclave_project_options o = ENCLAVE_PROJECT_OPTIONS_INIT;
	char path[256], *found = NULL;
	struct stat st;

	snprintf(path, sizeof(path), "%s/key/ed25519.secret", f->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(enclave_project_init(f->dir, &o), ENCLAVE_EEXISTS);
	assert_non_null(strstr(enclave_error_last(), "already an enclave project"));

	/* Found from a subfolder, like git. */
	snprintf(path, sizeof(path), "%s/blobs", f->dir);
	assert_int_equal(enclave_project_discover(&found, path), 0);
	assert_string_equal(found, enclave_project_path(f->p));
	free(found);
	assert_int_equal(enclave_project_discover(&found, "/"), ENCLAVE_ENOTFOUND);
	{
		enclave_project *none = NULL;
		assert_int_equal(enclave_project_open(&none, "/tmp", &o), ENCLAVE_ENOTFOUND);
		assert_null(none);
	}
}

static void schema_is_current(void **state)
{
	struct fixture *f = *state;
	int v = -1;

	assert_int_equal(schema_version(f->p->db, &v), 0);
	assert_int_equal(v, enclave_project_schema_version());
	/* A store from a newer enclave is refused, not misread. */
	assert_int_equal(store_exec(f->p->db, "PRAGMA user_version = 999"), 0);
	assert_int_equal(schema_migrate(f->p->db), ENCLAVE_EUNSUPPORTED);
	assert_non_null(strstr(enclave_error_last(), "newer"));
	assert_int_equal(store_exec(f->p->db, "PRAGMA user_version = 1"), 0);
}

static void blobs_are_content_addressed(void **state)
{
	struct fixture *f = *state;
	struct buf out = BUF_INIT(1 << 20);
	char hex[65], *path;
	FILE *fp;

	assert_int_equal(blob_put(f->p, hex, "abc", 3), 0);
	assert_string_equal(hex,
	                    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(blob_put(f->p, hex, "abc", 3), 0); /* idempotent */
	assert_int_equal(blob_get(&out, f->p, hex), 0);
	assert_string_equal(buf_cstr(&out), "abc");
	buf_clear(&out);

	/* A changed blob is caught on read. */
	path = blob_path(f->p, hex);
	assert_non_null(strstr(path, "/blobs/ba/7816bf"));
	chmod(path, 0644);
	fp = fopen(path, "w");
	fputs("abd", fp);
	fclose(fp);
	assert_int_equal(blob_get(&out, f->p, hex), ENCLAVE_ETAMPER);
	free(path);
	buf_release(&out);
}

static void audit_appends_and_verifies(void **state)
{
	struct fixture *f = *state;
	struct enclave_audit_report r;
	json_t *params = json_pack("{s:s}", "k", "v");
	int64_t seq = 0;

	assert_int_equal(audit_append(f->p, "x", "y", NULL, NULL, NULL, NULL), ENCLAVE_ERROR);
	assert_int_equal(store_begin(f->p), 0);
	assert_int_equal(audit_append(f->p, "test.one", "thing:1", params, NULL, NULL, &seq), 0);
	assert_int_equal(seq, 2); /* after project.init */
	assert_int_equal(store_commit(f->p), 0);
	assert_int_equal(audit_write_head(f->p), 0);
	assert_int_equal(enclave_audit_verify(f->p, &r), 0);
	assert_true(r.ok);
	assert_int_equal(r.events, 2);
	assert_int_equal(r.checkpoints, 2);

	/* A rolled-back transaction leaves neither event nor checkpoint. */
	assert_int_equal(store_begin(f->p), 0);
	assert_int_equal(audit_append(f->p, "test.two", "", NULL, NULL, NULL, &seq), 0);
	store_rollback(f->p);
	assert_int_equal(enclave_audit_verify(f->p, &r), 0);
	assert_true(r.ok);
	assert_int_equal(r.events, 2);

	/* Changing a stored field breaks the chain at that event. */
	assert_int_equal(
	    store_exec(f->p->db, "UPDATE audit SET params = '{\"k\":\"w\"}' WHERE seq = 2"), 0);
	assert_int_equal(enclave_audit_verify(f->p, &r), 0);
	assert_false(r.ok);
	assert_int_equal(r.bad_seq, 2);
	assert_non_null(strstr(r.message, "event 2 was altered"));
	json_decref(params);
}

static void audit_detects_unsigned_head_and_truncation(void **state)
{
	struct fixture *f = *state;
	struct enclave_audit_report r;

	assert_int_equal(store_begin(f->p), 0);
	assert_int_equal(audit_append(f->p, "test.a", "", NULL, NULL, NULL, NULL), 0);
	assert_int_equal(store_commit(f->p), 0);
	assert_int_equal(audit_write_head(f->p), 0);
	/* Remove the checkpoint of the head: unsigned. */
	assert_int_equal(store_exec(f->p->db, "DELETE FROM checkpoints WHERE seq = 2"), 0);
	assert_int_equal(enclave_audit_verify(f->p, &r), 0);
	assert_false(r.ok);
	assert_non_null(strstr(r.message, "not signed"));
	/* Remove the head event too: the head file still names it. */
	assert_int_equal(store_exec(f->p->db, "DELETE FROM audit WHERE seq = 2"), 0);
	assert_int_equal(enclave_audit_verify(f->p, &r), 0);
	assert_false(r.ok);
	assert_non_null(strstr(r.message, "truncated"));
}

static void exported_chain_verifies_alone(void **state)
{
	struct fixture *f = *state;
	struct enclave_audit_report r;
	char path[128], pk[65], other[65];

	snprintf(path, sizeof(path), "%s/chain.jsonl", f->dir);
	assert_int_equal(enclave_audit_export(f->p, path), 0);
	assert_int_equal(enclave_audit_verify_file(path, NULL, &r), 0);
	assert_true(r.ok);
	assert_int_equal(r.events, 1);
	hex_encode(pk, f->p->pk, 32);
	assert_int_equal(enclave_audit_verify_file(path, pk, &r), 0);
	assert_true(r.ok);
	memcpy(other, pk, 65);
	other[0] = other[0] == 'a' ? 'b' : 'a';
	assert_int_equal(enclave_audit_verify_file(path, other, &r), 0);
	assert_false(r.ok);
	assert_int_equal(enclave_audit_verify_file(path, "zz", &r), ENCLAVE_EINVALID);
}

static void documents_round_trip(void **state)
{
	struct fixture *f = *state;
	struct enclave_doc *doc = NULL, *back = NULL;
	struct enclave_block t = doc_block_template(ENCLAVE_BLOCK_HEADING, 2, "text");
	int64_t src = 0, id = 0;
	char *a = NULL, *b = NULL;
	size_t la, lb;

	assert_int_equal(doc_new(&doc, "pdf"), 0);
	assert_int_equal(doc_set_title(doc, "T\xc3\xaftle"), 0);
	assert_int_equal(doc_add_page(doc, 612, 792, "text", 1.0), 1);
	t.page = 1;
	t.has_bbox = 1;
	t.bbox.x0 = 72, t.bbox.y0 = 40, t.bbox.x1 = 300, t.bbox.y1 = 60;
	assert_int_equal(doc_add_block(doc, &t, "  Caf\xc3\xa9 \xf0\x9f\x98\x80 ", 12), 0);
	t = doc_block_template(ENCLAVE_BLOCK_TABLE, 0, "text");
	t.attrs = "{\"rows\":[[\"a\",\"b\"]]}";
	assert_int_equal(doc_add_block(doc, &t, "a\tb", 3), 0);
	/* Offsets are code points: "Café 😀" is 6, then the blank line. */
	assert_int_equal(doc->blocks[0].length, 6);
	assert_int_equal(doc->blocks[1].offset, 8);

	assert_int_equal(store_begin(f->p), 0);
	assert_int_equal(store_source_insert(f->p, &src, "00", 1, "application/pdf", "/x.pdf"), 0);
	assert_int_equal(store_document_insert(f->p, &id, src, "/x.pdf", "pdf", doc, NULL, NULL),
	                 0);
	assert_int_equal(store_commit(f->p), 0);
	assert_int_equal(enclave_store_load(&back, f->p, id), 0);
	assert_int_equal(enclave_doc_render(&a, &la, doc, ENCLAVE_FORMAT_JSON), 0);
	assert_int_equal(enclave_doc_render(&b, &lb, back, ENCLAVE_FORMAT_JSON), 0);
	assert_string_equal(a, b);
	free(a);
	free(b);
	enclave_doc_free(doc);
	enclave_doc_free(back);
	assert_int_equal(enclave_store_load(&back, f->p, 999), ENCLAVE_ENOTFOUND);
}

static void migration_from_version_1(void **state)
{
	struct fixture *f = *state;
	struct enclave_project_options o = ENCLAVE_PROJECT_OPTIONS_INIT;
	struct store_spans l = { 0 };
	struct store_span s;
	int64_t id = fixture_add_text_doc(f, "kept across the upgrade", 0);
	int v = -1;

	/*
	 * A version-1 store: migration 1 is never edited, so dropping what
	 * versions 2 to 5 added and resetting user_version gives exactly one.
	 */
	assert_int_equal(store_exec(f->p->db,
	                            "DROP TABLE splits; DROP TABLE records; DROP TABLE reviews;"
	                            " DROP TABLE annotations; DROP TABLE assignments;"
	                            " DROP TABLE tasks;"
	                            " DROP TABLE users; DROP TABLE spans;"
	                            " PRAGMA user_version = 1"),
	                 0);
	enclave_project_free(f->p);
	f->p = NULL;
	assert_int_equal(enclave_project_open(&f->p, f->dir, &o), 0);
	assert_int_equal(schema_version(f->p->db, &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(v, enclave_project_schema_version());
	/* The document is still there, and spans can be stored for it. */
	memset(&s, 0, sizeof(s));
	s.start = 0, s.end = 4, s.label = "PERSON", s.source = "user:tester", s.score = 1;
	assert_int_equal(store_begin(f->p), 0);
	assert_int_equal(store_span_add(f->p, id, &s, NULL), 0);
	assert_int_equal(store_commit(f->p), 0);
	assert_int_equal(store_spans_read(&l, f->p->db, id), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].label, "PERSON");
	store_spans_release(&l);
	/* An empty span or a negative start is refused by the table. */
	s.end = 0;
	assert_int_equal(store_begin(f->p), 0);
	assert_int_equal(store_span_add(f->p, id, &s, NULL), ENCLAVE_ESTORE);
	store_rollback(f->p);
}

static void migration_from_version_4(void **state)
{
	struct fixture *f = *state;
	struct enclave_project_options o = ENCLAVE_PROJECT_OPTIONS_INIT;
	int64_t id = fixture_add_text_doc(f, "kept across the upgrade to the project split", 0);
	sqlite3_stmt *st;
	int v = -1;

	/* A version-4 store: what version 5 added dropped, user_version reset. */
	assert_int_equal(store_exec(f->p->db, "DROP TABLE splits; PRAGMA user_version = 4"), 0);
	assert_int_equal(store_exec(f->p->db, "INSERT INTO splits VALUES (1, 'train', '', 'x')"),
	                 ENCLAVE_ESTORE);
	enclave_project_free(f->p);
	f->p = NULL;
	assert_int_equal(enclave_project_open(&f->p, f->dir, &o), 0);
	assert_int_equal(schema_version(f->p->db, &v), 0);
	assert_int_equal(v, 5);
	/* The table is there, keyed by document, and checks the split's name. */
	assert_int_equal(
	    store_prepare(&st, f->p->db, "INSERT INTO splits VALUES (?, 'test', '', 'now')"), 0);
	sqlite3_bind_int64(st, 1, id);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	assert_int_equal(store_exec(f->p->db, "INSERT INTO splits VALUES (999, 'dev', '', 'now')"),
	                 ENCLAVE_ESTORE);
	assert_int_equal(
	    store_prepare(&st, f->p->db, "SELECT split FROM splits WHERE document_id = ?"), 0);
	sqlite3_bind_int64(st, 1, id);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "test");
	sqlite3_finalize(st);
}

static void spans_round_trip_and_rerun(void **state)
{
	struct fixture *f = *state;
	int64_t id = fixture_add_text_doc(f, "Mail bob@example.com or call 555-0100, Bob.", 0);
	struct store_spans run1 = { 0 }, run2 = { 0 }, back = { 0 };
	struct store_span s;
	int64_t user_id = 0;
	size_t inserted = 0, i;

	memset(&s, 0, sizeof(s));
	s.out_start = s.out_end = -1;
	s.start = 5, s.end = 20, s.label = "EMAIL_ADDRESS", s.source = "rule:EMAIL", s.score = 0.9;
	s.boxes = "[{\"page\":1,\"bbox\":[1,2,3,4]}]";
	assert_int_equal(store_spans_push(&run1, &s), 0);
	s.start = 29, s.end = 37, s.label = "PHONE_NUMBER", s.source = "rule:PHONE", s.score = 0.4;
	s.boxes = NULL;
	assert_int_equal(store_spans_push(&run1, &s), 0);
	s.start = 39, s.end = 42, s.label = "PERSON", s.source = "model:ner", s.score = 0.7;
	assert_int_equal(store_spans_push(&run1, &s), 0);

	assert_int_equal(store_begin(f->p), 0);
	assert_int_equal(store_spans_replace(f->p, id, &run1, &inserted), 0);
	assert_int_equal(inserted, 3);
	/* A user's span, and a review: the e-mail accepted, the phone rejected. */
	s.start = 0, s.end = 4, s.label = "PERSON", s.source = "user:tester", s.score = 1;
	assert_int_equal(store_span_add(f->p, id, &s, &user_id), 0);
	assert_int_equal(store_commit(f->p), 0);
	assert_int_equal(store_spans_read(&back, f->p->db, id), 0);
	assert_int_equal(back.n, 4);
	/* In order of start; every field as written. */
	assert_int_equal(back.v[0].id, user_id);
	assert_int_equal(back.v[1].start, 5);
	assert_int_equal(back.v[1].end, 20);
	assert_string_equal(back.v[1].label, "EMAIL_ADDRESS");
	assert_string_equal(back.v[1].source, "rule:EMAIL");
	assert_true(back.v[1].score > 0.89 && back.v[1].score < 0.91);
	assert_string_equal(back.v[1].boxes, "[{\"page\":1,\"bbox\":[1,2,3,4]}]");
	assert_string_equal(back.v[2].boxes, "[]");
	assert_int_equal(back.v[1].status, STORE_SPAN_PROPOSED);
	assert_int_equal(back.v[1].out_start, -1);
	assert_int_equal(store_begin(f->p), 0);
	assert_int_equal(store_span_set_status(f->p, back.v[1].id, STORE_SPAN_ACCEPTED), 0);
	assert_int_equal(store_span_set_status(f->p, back.v[2].id, STORE_SPAN_REJECTED), 0);
	assert_int_equal(store_span_set_status(f->p, 99999, STORE_SPAN_REJECTED),
	                 ENCLAVE_ENOTFOUND);
	assert_int_equal(store_commit(f->p), 0);
	store_spans_release(&back);

	/*
	 * A rerun finds the e-mail and the phone again, the person no more, and
	 * a new span: the machine's proposal for the person goes, the reviewed
	 * and the user's spans stay as they were (no doubles), the new one comes.
	 */
	for (i = 0; i < 2; i++)
		assert_int_equal(store_spans_push(&run2, &run1.v[i]), 0);
	s.start = 10, s.end = 20, s.label = "DOMAIN_NAME", s.source = "rule:DOMAIN", s.score = 0.5;
	assert_int_equal(store_spans_push(&run2, &s), 0);
	s.start = 0, s.end = 4, s.label = "PERSON", s.source = "model:ner", s.score = 0.8;
	assert_int_equal(store_spans_push(&run2, &s), 0);
	assert_int_equal(store_begin(f->p), 0);
	assert_int_equal(store_spans_replace(f->p, id, &run2, &inserted), 0);
	assert_int_equal(store_commit(f->p), 0);
	assert_int_equal(inserted, 1);
	assert_int_equal(store_spans_read(&back, f->p->db, id), 0);
	assert_int_equal(back.n, 4);
	assert_string_equal(back.v[0].source, "user:tester");
	assert_int_equal(back.v[1].status, STORE_SPAN_ACCEPTED);
	assert_string_equal(back.v[2].label, "DOMAIN_NAME");
	assert_int_equal(back.v[2].status, STORE_SPAN_PROPOSED);
	assert_string_equal(back.v[3].label, "PHONE_NUMBER");
	assert_int_equal(back.v[3].status, STORE_SPAN_REJECTED);

	/* Output ranges are set by place and cleared by the next replace. */
	back.v[1].out_start = 5, back.v[1].out_end = 20;
	assert_int_equal(store_begin(f->p), 0);
	assert_int_equal(store_spans_set_output(f->p, id, &back), 0);
	assert_int_equal(store_commit(f->p), 0);
	store_spans_release(&back);
	assert_int_equal(store_spans_read(&back, f->p->db, id), 0);
	assert_int_equal(back.v[1].out_start, 5);
	assert_int_equal(back.v[0].out_start, -1);
	store_spans_release(&back);
	assert_int_equal(store_begin(f->p), 0);
	assert_int_equal(store_spans_replace(f->p, id, &run2, NULL), 0);
	assert_int_equal(store_commit(f->p), 0);
	assert_int_equal(store_spans_read(&back, f->p->db, id), 0);
	assert_int_equal(back.v[1].out_start, -1);
	store_spans_release(&back);
	store_spans_release(&run1);
	store_spans_release(&run2);
}

static void text_layers_and_unredacted(void **state)
{
	struct fixture *f = *state;
	int64_t a = fixture_add_text_doc(f, "one", 0), b = fixture_add_text_doc(f, "two", 0),
	        *ids = NULL;
	char hex[65];
	size_t n = 0;

	assert_int_equal(store_text_blob(f->p->db, a, "original", hex), 0);
	assert_int_equal(strlen(hex), 64);
	assert_int_equal(store_text_blob(f->p->db, a, "redacted", hex), ENCLAVE_ENOTFOUND);
	assert_int_equal(store_unredacted(f->p, &ids, &n), 0);
	assert_int_equal(n, 2);
	free(ids);
	assert_int_equal(store_begin(f->p), 0);
	assert_int_equal(store_text_insert(f->p, a, "redacted", hex), 0);
	assert_int_equal(store_commit(f->p), 0);
	assert_int_equal(store_unredacted(f->p, &ids, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], b);
	free(ids);
	assert_int_equal(store_begin(f->p), 0);
	assert_int_equal(store_text_delete(f->p, a, "redacted"), 0);
	assert_int_equal(store_commit(f->p), 0);
	assert_int_equal(store_unredacted(f->p, &ids, &n), 0);
	assert_int_equal(n, 2);
	free(ids);
}

static void pii_secret_made_once(void **state)
{
	struct fixture *f = *state;
	unsigned char k1[32], k2[32], zero[32] = { 0 };
	char path[128];
	struct stat st;

	/* Made at init, mode 0600. */
	snprintf(path, sizeof(path), "%s/key/pii.secret", f->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(enclave_project_pii_secret(f->p, k1), 0);
	assert_memory_not_equal(k1, zero, 32);
	/* A project older than the secret gets one on first need, and keeps it. */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(enclave_project_pii_secret(f->p, k2), 0);
	assert_memory_not_equal(k1, k2, 32);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(enclave_project_pii_secret(f->p, k1), 0);
	assert_memory_equal(k1, k2, 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(init_makes_a_project, setup, teardown),
		cmocka_unit_test_setup_teardown(schema_is_current, setup, teardown),
		cmocka_unit_test_setup_teardown(blobs_are_content_addressed, setup, teardown),
		cmocka_unit_test_setup_teardown(audit_appends_and_verifies, setup, teardown),
		cmocka_unit_test_setup_teardown(audit_detects_unsigned_head_and_truncation, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(exported_chain_verifies_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(documents_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(migration_from_version_1, setup, teardown),
		cmocka_unit_test_setup_teardown(migration_from_version_4, setup, teardown),
		cmocka_unit_test_setup_teardown(spans_round_trip_and_rerun, setup, teardown),
		cmocka_unit_test_setup_teardown(text_layers_and_unredacted, setup, teardown),
		cmocka_unit_test_setup_teardown(pii_secret_made_once, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
