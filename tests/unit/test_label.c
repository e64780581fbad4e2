/*
 * Unit tests of the label model (src/lib/label/, src/lib/store/label.c) on
 * real projects: users (wrong password, unknown and disabled users answered
 * alike, the dummy hash costs what a real check costs), task assignment (k
 * distinct annotators, never the same task twice to one user, started tasks
 * first), annotation versions (a stale version is a conflict, no write after
 * submission), reviews, result checks against the schema, and the audit
 * events with the web user as actor.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "project_fixture.h"
#include "store/store_int.h"

/* Ingest `n` small text files into the fixture's project. */
static void add_documents(struct fixture *f, int n)
{
	char dir[128], path[192];
	int i;

	snprintf(dir, sizeof(dir), "%s/in", f->dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	for (i = 0; i < n; i++) {
		FILE *fp;
		snprintf(path, sizeof(path), "%s/doc%02d.txt", dir, i);
		assert_non_null(fp = fopen(path, "w"));
		fprintf(fp, "Document %d: Ana Lima met the board in Lisbon.\n", i);
		fclose(fp);
	}
	fixture_ingest(f, dir, NULL);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_users(void **state)
{
	struct fixture *f = *state;
	struct enclave_label_user u;
	double t0, known, unknown;
	int64_t id = 0;

	assert_int_equal(
	    enclave_label_user_add(f->p, "alice", ENCLAVE_ROLE_REVIEWER, "correct horse", &id), 0);
	assert_true(id > 0);
	assert_int_equal(
	    enclave_label_user_add(f->p, "alice", ENCLAVE_ROLE_ADMIN, "correct horse", NULL),
	    ENCLAVE_EEXISTS);
	assert_int_equal(
	    enclave_label_user_add(f->p, "bad name", ENCLAVE_ROLE_ADMIN, "long enough", NULL),
	    ENCLAVE_EINVALID);
	assert_int_equal(enclave_label_user_add(f->p, "bob", ENCLAVE_ROLE_ADMIN, "short", NULL),
	                 ENCLAVE_EINVALID);

	assert_int_equal(enclave_label_login(&u, f->p, "alice", "correct horse"), 0);
	assert_int_equal(u.id, id);
	assert_int_equal(u.role, ENCLAVE_ROLE_REVIEWER);
	assert_string_equal(u.name, "alice");

	t0 = now();
	assert_int_equal(enclave_label_login(&u, f->p, "alice", "wrong horse"), ENCLAVE_EDENIED);
	known = now() - t0;
	assert_string_equal(enclave_error_last(), "invalid username or password");
	t0 = now();
	assert_int_equal(enclave_label_login(&u, f->p, "mallory", "correct horse"),
	                 ENCLAVE_EDENIED);
	unknown = now() - t0;
	assert_string_equal(enclave_error_last(), "invalid username or password");
	/* The dummy hash is a real Argon2id check: not ten times faster than a real one. */
	assert_true(unknown * 10 > known);

	assert_int_equal(enclave_label_user_passwd(f->p, "alice", "battery staple"), 0);
	assert_int_equal(enclave_label_login(&u, f->p, "alice", "correct horse"), ENCLAVE_EDENIED);
	assert_int_equal(enclave_label_login(&u, f->p, "alice", "battery staple"), 0);
	assert_int_equal(enclave_label_user_passwd(f->p, "nobody", "battery staple"),
	                 ENCLAVE_ENOTFOUND);

	assert_int_equal(enclave_label_user_disable(f->p, "alice"), 0);
	assert_int_equal(enclave_label_login(&u, f->p, "alice", "battery staple"), ENCLAVE_EDENIED);
	assert_string_equal(enclave_error_last(), "invalid username or password");
	assert_int_equal(enclave_label_user_get(&u, f->p, id), 0);
	assert_true(u.disabled);
	assert_int_equal(enclave_label_user_disable(f->p, "nobody"), ENCLAVE_ENOTFOUND);
}

static void test_assignment(void **state)
{
	struct fixture *f = *state;
	struct enclave_label_user a, b, c;
	json_t *t1 = NULL, *t2 = NULL, *t3 = NULL, *t = NULL, *ann = NULL, *res;
	size_t created = 0;
	int64_t id1, id2, seen[8];
	int i, n = 0;

	add_documents(f, 3);
	a = fixture_user(f, "ann", ENCLAVE_ROLE_ANNOTATOR);
	b = fixture_user(f, "ben", ENCLAVE_ROLE_ANNOTATOR);
	c = fixture_user(f, "cy", ENCLAVE_ROLE_ANNOTATOR);
	assert_int_equal(enclave_label_tasks_create(f->p, "ner", 2, &created), 0);
	assert_int_equal(created, 3);
	assert_int_equal(enclave_label_tasks_create(f->p, "ner", 2, &created), 0);
	assert_int_equal(created, 0);
	assert_int_equal(enclave_label_tasks_create(f->p, "poem", 2, &created), ENCLAVE_EINVALID);

	/* Asking again gives the task in hand, not a new one. */
	assert_int_equal(enclave_label_task_next(&t1, f->p, &a, "ner"), 0);
	assert_int_equal(enclave_label_task_next(&t, f->p, &a, "ner"), 0);
	id1 = json_integer_value(json_object_get(t1, "id"));
	assert_int_equal(json_integer_value(json_object_get(t, "id")), id1);
	json_decref(t);
	/* b gets the task a started (so that items complete) ... */
	assert_int_equal(enclave_label_task_next(&t2, f->p, &b, "ner"), 0);
	assert_int_equal(json_integer_value(json_object_get(t2, "id")), id1);
	/* ... and c, the third, another one: k = 2 is full. */
	assert_int_equal(enclave_label_task_next(&t3, f->p, &c, "ner"), 0);
	assert_int_not_equal(json_integer_value(json_object_get(t3, "id")), id1);

	/* a submits and walks through the rest: never id1 again, never twice the same. */
	res = json_pack("{s:[]}", "spans");
	for (i = 0; i < 5; i++) {
		int j;
		assert_int_equal(enclave_label_task_next(&t, f->p, &a, NULL), 0);
		if (!t)
			break;
		id2 = json_integer_value(json_object_get(t, "id"));
		for (j = 0; j < n; j++)
			assert_int_not_equal(seen[j], id2);
		seen[n++] = id2;
		assert_int_equal(enclave_label_annotation_save(&ann, f->p, &a, id2, res, 1, -1), 0);
		assert_string_equal(json_string_value(json_object_get(ann, "status")), "submitted");
		json_decref(ann);
		json_decref(t);
	}
	assert_int_equal(n, 3); /* every task once, then none (204) */
	assert_int_equal(seen[0], id1);
	json_decref(res);
	json_decref(t1);
	json_decref(t2);
	json_decref(t3);
}

static void test_versions(void **state)
{
	struct fixture *f = *state;
	struct enclave_label_user a, b, r;
	json_t *t = NULL, *ann = NULL, *res, *bad;
	size_t created;
	int64_t task, id;

	add_documents(f, 1);
	a = fixture_user(f, "ann", ENCLAVE_ROLE_ANNOTATOR);
	b = fixture_user(f, "ben", ENCLAVE_ROLE_ANNOTATOR);
	r = fixture_user(f, "rev", ENCLAVE_ROLE_REVIEWER);
	assert_int_equal(enclave_label_tasks_create(f->p, "ner", 1, &created), 0);
	assert_int_equal(enclave_label_task_next(&t, f->p, &a, "ner"), 0);
	task = json_integer_value(json_object_get(t, "id"));
	json_decref(t);

	res = json_pack("{s:[{s:i,s:i,s:s}]}", "spans", "start", 12, "end", 20, "label", "PERSON");
	/* Not assigned to b. */
	assert_int_equal(enclave_label_annotation_save(&ann, f->p, &b, task, res, 0, -1),
	                 ENCLAVE_EDENIED);
	/* A version for a new one is stale. */
	assert_int_equal(enclave_label_annotation_save(&ann, f->p, &a, task, res, 0, 3),
	                 ENCLAVE_ECONFLICT);
	assert_int_equal(enclave_label_annotation_save(&ann, f->p, &a, task, res, 0, -1), 0);
	id = json_integer_value(json_object_get(ann, "id"));
	assert_int_equal(json_integer_value(json_object_get(ann, "version")), 1);
	json_decref(ann);
	assert_int_equal(enclave_label_annotation_save(&ann, f->p, &a, task, res, 0, 1), 0);
	assert_int_equal(json_integer_value(json_object_get(ann, "version")), 2);
	json_decref(ann);
	/* Another tab still at version 1: conflict; no version: conflict. */
	assert_int_equal(enclave_label_annotation_save(&ann, f->p, &a, task, res, 0, 1),
	                 ENCLAVE_ECONFLICT);
	assert_int_equal(enclave_label_annotation_save(&ann, f->p, &a, task, res, 0, -1),
	                 ENCLAVE_ECONFLICT);
	/* Results that do not fit: past the text, unknown label. */
	bad =
	    json_pack("{s:[{s:i,s:i,s:s}]}", "spans", "start", 12, "end", 9999, "label", "PERSON");
	assert_int_equal(enclave_label_annotation_save(&ann, f->p, &a, task, bad, 0, 2),
	                 ENCLAVE_EINVALID);
	json_decref(bad);
	bad = json_pack("{s:[{s:i,s:i,s:s}]}", "spans", "start", 1, "end", 4, "label", "WIZARD");
	assert_int_equal(enclave_label_annotation_save(&ann, f->p, &a, task, bad, 0, 2),
	                 ENCLAVE_EINVALID);
	json_decref(bad);
	/* Submit, then no more writes. */
	assert_int_equal(enclave_label_annotation_save(&ann, f->p, &a, task, res, 1, 2), 0);
	assert_int_equal(json_integer_value(json_object_get(ann, "version")), 3);
	json_decref(ann);
	assert_int_equal(enclave_label_annotation_save(&ann, f->p, &a, task, res, 0, 3),
	                 ENCLAVE_ECONFLICT);

	/* b may not read it, the reviewer may; the author may not review it. */
	assert_int_equal(enclave_label_annotation_get(&ann, f->p, &b, id), ENCLAVE_EDENIED);
	assert_int_equal(enclave_label_review_next(&ann, f->p, &r), 0);
	assert_int_equal(json_integer_value(json_object_get(ann, "id")), id);
	json_decref(ann);
	assert_int_equal(enclave_label_review(&ann, f->p, &r, id, "accept", res, NULL),
	                 ENCLAVE_EINVALID);
	assert_int_equal(enclave_label_review(&ann, f->p, &r, id, "reject", NULL, "too short"), 0);
	assert_string_equal(json_string_value(json_object_get(ann, "status")), "rejected");
	json_decref(ann);
	assert_int_equal(enclave_label_review(&ann, f->p, &r, id, "accept", NULL, NULL),
	                 ENCLAVE_ECONFLICT);
	assert_int_equal(enclave_label_review_next(&ann, f->p, &r), 0);
	assert_null(ann);
	json_decref(res);
}

/* Count audit events of `action` by `actor`. */
struct count {
	const char *action, *actor;
	int n;
};
static int count_cb(const struct enclave_audit_event *ev, void *payload)
{
	struct count *c = payload;
	if (!strcmp(ev->action, c->action) && !strcmp(ev->actor, c->actor))
		c->n++;
	return 0;
}

static void test_audit(void **state)
{
	struct fixture *f = *state;
	struct enclave_audit_report rep;
	struct enclave_label_user a;
	struct count c = { "label.annotation.save", "user:ann", 0 };
	json_t *t = NULL, *ann = NULL, *res;
	size_t created;

	add_documents(f, 1);
	a = fixture_user(f, "ann", ENCLAVE_ROLE_ANNOTATOR);
	assert_int_equal(enclave_label_tasks_create(f->p, "class", 0, &created), 0);
	assert_int_equal(enclave_label_task_next(&t, f->p, &a, "class"), 0);
	res = json_pack("{s:[s]}", "labels", "finance");
	assert_int_equal(enclave_label_annotation_save(&ann, f->p, &a,
	                                               json_integer_value(json_object_get(t, "id")),
	                                               res, 0, -1),
	                 0);
	assert_int_equal(enclave_audit_foreach(f->p, count_cb, &c), 0);
	assert_int_equal(c.n, 1);
	c.action = "label.task.assign";
	c.n = 0;
	assert_int_equal(enclave_audit_foreach(f->p, count_cb, &c), 0);
	assert_int_equal(c.n, 1);
	c.action = "label.user.add";
	c.actor = "tester";
	c.n = 0;
	assert_int_equal(enclave_audit_foreach(f->p, count_cb, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(enclave_audit_verify(f->p, &rep), 0);
	assert_true(rep.ok);
	json_decref(res);
	json_decref(ann);
	json_decref(t);
}

/* A reviewed NER annotation decides the document's proposals. */
static void test_proposals(void **state)
{
	struct fixture *f = *state;
	struct enclave_label_user a, r;
	struct store_span sp;
	struct store_spans l;
	json_t *t = NULL, *ann = NULL, *res;
	int64_t p1 = 0, p2 = 0;
	size_t created, i;
	int seen = 0;

	add_documents(f, 1);
	a = fixture_user(f, "ann", ENCLAVE_ROLE_ANNOTATOR);
	r = fixture_user(f, "rev", ENCLAVE_ROLE_REVIEWER);
	/* Two machine proposals on "Document 0: Ana Lima met the board in Lisbon." */
	memset(&sp, 0, sizeof(sp));
	sp.label = "PERSON", sp.source = "model:ner", sp.score = 0.9, sp.out_start = -1;
	sp.out_end = -1;
	sp.start = 12, sp.end = 20;
	assert_int_equal(store_begin(f->p), 0);
	assert_int_equal(store_span_add(f->p, 1, &sp, &p1), 0);
	sp.start = 38, sp.end = 44, sp.label = "ORG";
	assert_int_equal(store_span_add(f->p, 1, &sp, &p2), 0);
	assert_int_equal(store_commit(f->p), 0);

	assert_int_equal(enclave_label_tasks_create(f->p, "ner", 1, &created), 0);
	assert_int_equal(enclave_label_task_next(&t, f->p, &a, "ner"), 0);
	/* p1 accepted as it is, p2 (ORG) not listed, a new LOCATION span. */
	res = json_pack("{s:[{s:i,s:i,s:s,s:I},{s:i,s:i,s:s}]}", "spans", "start", 12, "end", 20,
	                "label", "PERSON", "from", (json_int_t)p1, "start", 38, "end", 44, "label",
	                "LOCATION");
	assert_int_equal(enclave_label_annotation_save(&ann, f->p, &a,
	                                               json_integer_value(json_object_get(t, "id")),
	                                               res, 1, -1),
	                 0);
	/* Submitting decides nothing yet. */
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_spans_read(&l, f->p->db, 1), 0);
	for (i = 0; i < l.n; i++)
		assert_int_equal(l.v[i].status, STORE_SPAN_PROPOSED);
	store_spans_release(&l);
	json_decref(t);
	t = ann;
	assert_int_equal(enclave_label_review(&ann, f->p, &r,
	                                      json_integer_value(json_object_get(t, "id")),
	                                      "accept", NULL, NULL),
	                 0);
	assert_int_equal(store_spans_read(&l, f->p->db, 1), 0);
	assert_int_equal(l.n, 3);
	for (i = 0; i < l.n; i++) {
		if (l.v[i].id == p1)
			assert_int_equal(l.v[i].status, STORE_SPAN_ACCEPTED), seen++;
		else if (l.v[i].id == p2)
			assert_int_equal(l.v[i].status, STORE_SPAN_REJECTED), seen++;
		else {
			assert_string_equal(l.v[i].label, "LOCATION");
			assert_string_equal(l.v[i].source, "user:ann");
			assert_int_equal(l.v[i].status, STORE_SPAN_ACCEPTED);
			seen++;
		}
	}
	assert_int_equal(seen, 3);
	store_spans_release(&l);
	json_decref(res);
	json_decref(ann);
	json_decref(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_users, setup, teardown),
		cmocka_unit_test_setup_teardown(test_assignment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_versions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proposals, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
