/*
 * The label stage's tables (schema version 3; see schema.c for the columns):
 * users, tasks, assignments, annotations, reviews, and the JSON views the
 * label server shows of documents. The SQL only: checks, hashing, audit
 * events and transactions are src/lib/label/'s.
 *
 * JSON here follows docs/api.md. A block's "id" is its seq (blocks have no
 * id of their own: their key is (document, seq)).
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* SQLite's text column as a C string, "" for NULL. */
static const char *col_text(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? s : "";
}

/* Bind text, NULL when `s` is NULL. */
static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* Step a statement that returns no rows; finalize it. */
static int step_done(sqlite3 *db, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st), error = 0;

	if (rc == SQLITE_CONSTRAINT)
		error = error_set(ENCLAVE_EEXISTS, "store: %s: %s", what, sqlite3_errmsg(db));
	else if (rc != SQLITE_DONE)
		error = store_error(db, what);
	sqlite3_finalize(st);
	return error;
}

/* A JSON value parsed from stored text (a stored result or setting); null when unparsable. */
static json_t *stored_json(const char *text)
{
	json_t *v = json_loads(text ? text : "null", JSON_DECODE_ANY, NULL);
	return v ? v : json_null();
}

/* Add `v` (a new reference, NULL is an allocation failure) to object `o` under `key`. */
static int put(json_t *o, const char *key, json_t *v)
{
	if (!v || json_object_set_new(o, key, v) < 0)
		return error_oom();
	return 0;
}

/* ------------------------------------------------------------------ */
/* Users                                                              */
/* ------------------------------------------------------------------ */

int store_user_insert(enclave_project *p, const char *name, const char *role, const char *hash,
                      int64_t *id)
{
	sqlite3_stmt *st;
	char when[32];
	int error;

	time_now_iso(when);
	if ((error = store_prepare(&st, p->db,
	                           "INSERT INTO users(name, role, hash, created_at)"
	                           " VALUES(?, ?, ?, ?)")) < 0)
		return error;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, role, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, when, -1, SQLITE_STATIC);
	if ((error = step_done(p->db, st, "add user")) == ENCLAVE_EEXISTS)
		return error_set(ENCLAVE_EEXISTS, "user '%s' already exists", name);
	if (!error && id)
		*id = sqlite3_last_insert_rowid(p->db);
	return error;
}

/* Run `sql` (binding `text` to 1 and `name` to 2) and find the id of user `name`. */
static int user_update(enclave_project *p, const char *sql, const char *text, const char *name,
                       int64_t *id)
{
	sqlite3_stmt *st;
	int error;

	if ((error = store_prepare(&st, p->db, sql)) < 0)
		return error;
	sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	if ((error = step_done(p->db, st, "update user")) < 0)
		return error;
	if (!sqlite3_changes(p->db))
		return error_set(ENCLAVE_ENOTFOUND, "no user '%s'", name);
	if ((error = store_prepare(&st, p->db, "SELECT id FROM users WHERE name = ?")) < 0)
		return error;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	else
		error = store_error(p->db, "read user");
	sqlite3_finalize(st);
	return error;
}

int store_user_set_hash(enclave_project *p, const char *name, const char *hash, int64_t *id)
{
	return user_update(p, "UPDATE users SET hash = ? WHERE name = ?", hash, name, id);
}

int store_user_disable(enclave_project *p, const char *name, int64_t *id)
{
	/* ?1 is unused here: user_update binds it for the hash of set_hash. */
	return user_update(p, "UPDATE users SET disabled = 1 WHERE ?1 IS NOT NULL AND name = ?2",
	                   "", name, id);
}

/* Fill `out` from SELECT id, name, role, disabled, created_at. */
static void user_from_row(struct enclave_label_user *out, sqlite3_stmt *st)
{
	memset(out, 0, sizeof(*out));
	out->id = sqlite3_column_int64(st, 0);
	snprintf(out->name, sizeof(out->name), "%s", col_text(st, 1));
	out->role = enclave_label_role_parse(col_text(st, 2));
	out->disabled = sqlite3_column_int(st, 3);
	snprintf(out->created, sizeof(out->created), "%s", col_text(st, 4));
}

int store_user_find(sqlite3 *db, const char *name, struct enclave_label_user *out, char **hash)
{
	sqlite3_stmt *st;
	int error, rc;

	*hash = NULL;
	if ((error = store_prepare(&st, db,
	                           "SELECT id, name, role, disabled, created_at, hash"
	                           " FROM users WHERE name = ?")) < 0)
		return error;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		user_from_row(out, st);
		if (!(*hash = strdup(col_text(st, 5))))
			error = error_oom();
	} else {
		error = rc == SQLITE_DONE ? ENCLAVE_ENOTFOUND : store_error(db, "read user");
	}
	sqlite3_finalize(st);
	return error;
}

int store_user_get(sqlite3 *db, int64_t id, struct enclave_label_user *out)
{
	sqlite3_stmt *st;
	int error, rc;

	if ((error = store_prepare(&st, db,
	                           "SELECT id, name, role, disabled, created_at"
	                           " FROM users WHERE id = ?")) < 0)
		return error;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		user_from_row(out, st);
	else if (rc == SQLITE_DONE)
		error = error_set(ENCLAVE_ENOTFOUND, "no user %lld", (long long)id);
	else
		error = store_error(db, "read user");
	sqlite3_finalize(st);
	return error;
}

int store_user_foreach(sqlite3 *db, enclave_label_user_cb cb, void *payload)
{
	struct enclave_label_user u;
	sqlite3_stmt *st;
	int error, rc;

	if ((error = store_prepare(&st, db,
	                           "SELECT id, name, role, disabled, created_at"
	                           " FROM users ORDER BY id")) < 0)
		return error;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		user_from_row(&u, st);
		if ((error = cb(&u, payload)) != 0)
			break;
	}
	if (!error && rc != SQLITE_DONE)
		error = store_error(db, "list users");
	sqlite3_finalize(st);
	return error;
}

/* ------------------------------------------------------------------ */
/* Tasks and assignments                                              */
/* ------------------------------------------------------------------ */

int store_task_get(sqlite3 *db, int64_t task, char type[8], int64_t *document, int64_t *block,
                   int *k)
{
	sqlite3_stmt *st;
	int error, rc;

	if ((error = store_prepare(&st, db,
	                           "SELECT type, document_id, ifnull(block_seq, -1), k"
	                           " FROM tasks WHERE id = ?")) < 0)
		return error;
	sqlite3_bind_int64(st, 1, task);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(type, 8, "%s", col_text(st, 0));
		*document = sqlite3_column_int64(st, 1);
		*block = sqlite3_column_int64(st, 2);
		*k = sqlite3_column_int(st, 3);
	} else if (rc == SQLITE_DONE) {
		error = error_set(ENCLAVE_ENOTFOUND, "no task %lld", (long long)task);
	} else {
		error = store_error(db, "read task");
	}
	sqlite3_finalize(st);
	return error;
}

int store_tasks_create(enclave_project *p, const char *type, int k, size_t *created)
{
	sqlite3_stmt *st;
	char when[32];
	int error;

	time_now_iso(when);
	if ((error = store_prepare(&st, p->db,
	                           "INSERT INTO tasks(document_id, type, k, created_at)"
	                           " SELECT d.id, ?1, ?2, ?3 FROM documents d"
	                           " WHERE d.status = 'ok' AND NOT EXISTS (SELECT 1 FROM tasks t"
	                           "  WHERE t.document_id = d.id AND t.type = ?1"
	                           "  AND t.block_seq IS NULL) ORDER BY d.id")) < 0)
		return error;
	sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, k);
	sqlite3_bind_text(st, 3, when, -1, SQLITE_STATIC);
	if ((error = step_done(p->db, st, "create tasks")) < 0)
		return error;
	*created = (size_t)sqlite3_changes(p->db);
	return 0;
}

/* Run a one-column integer query with user and (when not NULL) type bound; *out 0 when none. */
static int query_id(sqlite3 *db, const char *sql, int64_t user, const char *type, int64_t *out)
{
	sqlite3_stmt *st;
	int error, rc;

	*out = 0;
	if ((error = store_prepare(&st, db, sql)) < 0)
		return error;
	sqlite3_bind_int64(st, 1, user);
	if (type)
		sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		error = store_error(db, "find task");
	sqlite3_finalize(st);
	return error;
}

int store_task_current(sqlite3 *db, int64_t user, const char *type, int64_t *task)
{
	return query_id(db,
	                type
	                    ? "SELECT a.task_id FROM assignments a JOIN tasks t ON t.id = a.task_id"
	                      " WHERE a.user_id = ?1 AND a.status = 'assigned' AND t.type = ?2"
	                      " ORDER BY a.task_id LIMIT 1"
	                    : "SELECT task_id FROM assignments"
	                      " WHERE user_id = ?1 AND status = 'assigned'"
	                      " ORDER BY task_id LIMIT 1",
	                user, type, task);
}

int store_task_pick(sqlite3 *db, int64_t user, const char *type, int64_t *task)
{
	/* tasks_queue (status, type, assigned DESC, id) serves both orders. */
	return query_id(db,
	                type ? "SELECT t.id FROM tasks t WHERE t.status = 'open' AND t.type = ?2"
	                       " AND NOT EXISTS (SELECT 1 FROM assignments a"
	                       "  WHERE a.task_id = t.id AND a.user_id = ?1)"
	                       " ORDER BY t.assigned DESC, t.id LIMIT 1"
	                     : "SELECT t.id FROM tasks t WHERE t.status = 'open'"
	                       " AND NOT EXISTS (SELECT 1 FROM assignments a"
	                       "  WHERE a.task_id = t.id AND a.user_id = ?1)"
	                       " ORDER BY t.assigned DESC, t.id LIMIT 1",
	                user, type, task);
}

int store_task_assign(enclave_project *p, int64_t task, int64_t user)
{
	sqlite3_stmt *st;
	char when[32];
	int error;

	time_now_iso(when);
	if ((error = store_prepare(&st, p->db,
	                           "INSERT INTO assignments(task_id, user_id, assigned_at)"
	                           " VALUES(?, ?, ?)")) < 0)
		return error;
	sqlite3_bind_int64(st, 1, task);
	sqlite3_bind_int64(st, 2, user);
	sqlite3_bind_text(st, 3, when, -1, SQLITE_STATIC);
	if ((error = step_done(p->db, st, "assign task")) < 0)
		return error;
	if ((error = store_prepare(&st, p->db,
	                           "UPDATE tasks SET assigned = assigned + 1,"
	                           " status = CASE WHEN assigned + 1 >= k THEN 'assigned'"
	                           " ELSE status END WHERE id = ?")) < 0)
		return error;
	sqlite3_bind_int64(st, 1, task);
	return step_done(p->db, st, "assign task");
}

int store_assignment_get(sqlite3 *db, int64_t task, int64_t user, char status[16])
{
	sqlite3_stmt *st;
	int error, rc;

	if ((error = store_prepare(&st, db,
	                           "SELECT status FROM assignments"
	                           " WHERE task_id = ? AND user_id = ?")) < 0)
		return error;
	sqlite3_bind_int64(st, 1, task);
	sqlite3_bind_int64(st, 2, user);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(status, 16, "%s", col_text(st, 0));
	else
		error = rc == SQLITE_DONE ? ENCLAVE_ENOTFOUND : store_error(db, "read assignment");
	sqlite3_finalize(st);
	return error;
}

int store_assignment_submit(enclave_project *p, int64_t task, int64_t user)
{
	sqlite3_stmt *st;
	int error;

	if ((error = store_prepare(&st, p->db,
	                           "UPDATE assignments SET status = 'submitted'"
	                           " WHERE task_id = ? AND user_id = ?")) < 0)
		return error;
	sqlite3_bind_int64(st, 1, task);
	sqlite3_bind_int64(st, 2, user);
	if ((error = step_done(p->db, st, "submit assignment")) < 0)
		return error;
	if ((error = store_prepare(&st, p->db,
	                           "UPDATE tasks SET status = 'done' WHERE id = ?1 AND k <="
	                           " (SELECT count(*) FROM assignments"
	                           "  WHERE task_id = ?1 AND status = 'submitted')")) < 0)
		return error;
	sqlite3_bind_int64(st, 1, task);
	return step_done(p->db, st, "complete task");
}

/* The assignments of `task` (of `user` only when user > 0) as a JSON array. */
static int assignments_json(json_t **out, sqlite3 *db, int64_t task, int64_t user)
{
	sqlite3_stmt *st;
	json_t *arr = json_array();
	int error, rc;

	*out = NULL;
	if (!arr)
		return error_oom();
	if ((error = store_prepare(&st, db,
	                           "SELECT user_id, status, assigned_at FROM assignments"
	                           " WHERE task_id = ?1 AND (?2 = 0 OR user_id = ?2)"
	                           " ORDER BY assigned_at, user_id")) < 0) {
		json_decref(arr);
		return error;
	}
	sqlite3_bind_int64(st, 1, task);
	sqlite3_bind_int64(st, 2, user);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (json_array_append_new(arr, json_pack("{s:I,s:s,s:s}", "user",
		                                         (json_int_t)sqlite3_column_int64(st, 0),
		                                         "status", col_text(st, 1), "assigned",
		                                         col_text(st, 2))) < 0) {
			error = error_oom();
			break;
		}
	}
	if (!error && rc != SQLITE_DONE)
		error = store_error(db, "read assignments");
	sqlite3_finalize(st);
	if (error)
		json_decref(arr);
	else
		*out = arr;
	return error;
}

/* Fill `o` (a task object) from SELECT id, type, document_id, block_seq, status, k, assigned. */
static int task_fields(json_t *o, sqlite3_stmt *st)
{
	int error;

	if ((error = put(o, "id", json_integer(sqlite3_column_int64(st, 0)))) < 0 ||
	    (error = put(o, "type", json_string(col_text(st, 1)))) < 0 ||
	    (error = put(o, "document", json_integer(sqlite3_column_int64(st, 2)))) < 0 ||
	    (error = put(o, "block",
	                 sqlite3_column_type(st, 3) == SQLITE_NULL
	                     ? json_null()
	                     : json_integer(sqlite3_column_int64(st, 3)))) < 0 ||
	    (error = put(o, "status", json_string(col_text(st, 4)))) < 0 ||
	    (error = put(o, "k", json_integer(sqlite3_column_int(st, 5)))) < 0 ||
	    (error = put(o, "assigned", json_integer(sqlite3_column_int(st, 6)))) < 0)
		return error;
	return 0;
}

#define TASK_COLUMNS "id, type, document_id, block_seq, status, k, assigned"

int store_task_json(json_t **out, sqlite3 *db, int64_t task, int64_t user)
{
	struct store_annotation a;
	sqlite3_stmt *st;
	json_t *o = json_object(), *arr = NULL;
	int error, rc;

	*out = NULL;
	memset(&a, 0, sizeof(a));
	if (!o)
		return error_oom();
	if ((error = store_prepare(&st, db, "SELECT " TASK_COLUMNS " FROM tasks WHERE id = ?")) < 0)
		goto done;
	sqlite3_bind_int64(st, 1, task);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		error = task_fields(o, st);
	else if (rc == SQLITE_DONE)
		error = error_set(ENCLAVE_ENOTFOUND, "no task %lld", (long long)task);
	else
		error = store_error(db, "read task");
	sqlite3_finalize(st);
	if (error < 0 || (error = assignments_json(&arr, db, task, user)) < 0)
		goto done;
	if (user) {
		error =
		    put(o, "assignment",
		        json_array_size(arr) ? json_incref(json_array_get(arr, 0)) : json_null());
		if (error < 0)
			goto done;
		error = store_annotation_get(db, 0, task, user, &a);
		if (error == ENCLAVE_ENOTFOUND) {
			error = put(o, "draft", json_null());
		} else if (error == 0) {
			error = put(o, "draft",
			            json_pack("{s:I,s:I,s:s,s:o}", "annotation", (json_int_t)a.id,
			                      "version", (json_int_t)a.version, "status", a.status,
			                      "result", stored_json(a.result)));
		}
	} else {
		error = put(o, "assignments", json_incref(arr));
	}
done:
	store_annotation_release(&a);
	json_decref(arr);
	if (error < 0)
		json_decref(o);
	else
		*out = o;
	return error;
}

int store_tasks_list_json(json_t **out, sqlite3 *db, const char *status, int64_t user,
                          int64_t offset, int64_t limit)
{
	sqlite3_stmt *st;
	json_t *arr = json_array(), *t;
	int error, rc;

	*out = NULL;
	if (!arr)
		return error_oom();
	if ((error = store_prepare(&st, db,
	                           "SELECT id FROM tasks t WHERE (?1 IS NULL OR t.status = ?1)"
	                           " AND (?2 = 0 OR EXISTS (SELECT 1 FROM assignments a"
	                           "  WHERE a.task_id = t.id AND a.user_id = ?2))"
	                           " ORDER BY id LIMIT ?4 OFFSET ?3")) < 0) {
		json_decref(arr);
		return error;
	}
	bind_text_or_null(st, 1, status);
	sqlite3_bind_int64(st, 2, user);
	sqlite3_bind_int64(st, 3, offset);
	sqlite3_bind_int64(st, 4, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((error = store_task_json(&t, db, sqlite3_column_int64(st, 0), 0)) < 0)
			break;
		if (json_array_append_new(arr, t) < 0) {
			error = error_oom();
			break;
		}
	}
	if (!error && rc != SQLITE_DONE)
		error = store_error(db, "list tasks");
	sqlite3_finalize(st);
	if (error < 0) {
		json_decref(arr);
		return error;
	}
	if (!(*out = json_pack("{s:o}", "tasks", arr)))
		return error_oom();
	return 0;
}

/* ------------------------------------------------------------------ */
/* Annotations and reviews                                            */
/* ------------------------------------------------------------------ */

void store_annotation_release(struct store_annotation *a)
{
	free(a->result);
	a->result = NULL;
}

int store_annotation_get(sqlite3 *db, int64_t id, int64_t task, int64_t user,
                         struct store_annotation *out)
{
	sqlite3_stmt *st;
	int error, rc;

	memset(out, 0, sizeof(*out));
	if ((error = store_prepare(&st, db,
	                           id ? "SELECT id, task_id, user_id, version, status, result,"
	                                " updated_at FROM annotations WHERE id = ?1"
	                              : "SELECT id, task_id, user_id, version, status, result,"
	                                " updated_at FROM annotations"
	                                " WHERE task_id = ?2 AND user_id = ?3")) < 0)
		return error;
	if (id)
		sqlite3_bind_int64(st, 1, id);
	else {
		sqlite3_bind_int64(st, 2, task);
		sqlite3_bind_int64(st, 3, user);
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->id = sqlite3_column_int64(st, 0);
		out->task = sqlite3_column_int64(st, 1);
		out->user = sqlite3_column_int64(st, 2);
		out->version = sqlite3_column_int64(st, 3);
		snprintf(out->status, sizeof(out->status), "%s", col_text(st, 4));
		if (!(out->result = strdup(col_text(st, 5))))
			error = error_oom();
		snprintf(out->updated, sizeof(out->updated), "%s", col_text(st, 6));
	} else {
		error = rc == SQLITE_DONE ? ENCLAVE_ENOTFOUND : store_error(db, "read annotation");
	}
	sqlite3_finalize(st);
	return error;
}

int store_annotation_insert(enclave_project *p, int64_t task, int64_t user, const char *status,
                            const char *result, int64_t *id)
{
	sqlite3_stmt *st;
	char when[32];
	int error;

	time_now_iso(when);
	if ((error = store_prepare(&st, p->db,
	                           "INSERT INTO annotations(task_id, user_id, status, version,"
	                           " result, updated_at) VALUES(?, ?, ?, 1, ?, ?)")) < 0)
		return error;
	sqlite3_bind_int64(st, 1, task);
	sqlite3_bind_int64(st, 2, user);
	sqlite3_bind_text(st, 3, status, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, result, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, when, -1, SQLITE_STATIC);
	if ((error = step_done(p->db, st, "save annotation")) < 0)
		return error;
	*id = sqlite3_last_insert_rowid(p->db);
	return 0;
}

int store_annotation_update(enclave_project *p, int64_t id, const char *status, const char *result)
{
	sqlite3_stmt *st;
	char when[32];
	int error;

	time_now_iso(when);
	if ((error = store_prepare(&st, p->db,
	                           "UPDATE annotations SET status = ?, result = ifnull(?, result),"
	                           " version = version + 1, updated_at = ? WHERE id = ?")) < 0)
		return error;
	sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
	bind_text_or_null(st, 2, result);
	sqlite3_bind_text(st, 3, when, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, id);
	return step_done(p->db, st, "update annotation");
}

int store_annotation_json(json_t **out, sqlite3 *db, int64_t id)
{
	struct store_annotation a;
	int error;

	*out = NULL;
	if ((error = store_annotation_get(db, id, 0, 0, &a)) < 0) {
		if (error == ENCLAVE_ENOTFOUND)
			error_set(error, "no annotation %lld", (long long)id);
		return error;
	}
	*out =
	    json_pack("{s:I,s:I,s:I,s:s,s:I,s:o,s:s}", "id", (json_int_t)a.id, "task",
	              (json_int_t)a.task, "user", (json_int_t)a.user, "status", a.status, "version",
	              (json_int_t)a.version, "result", stored_json(a.result), "updated", a.updated);
	store_annotation_release(&a);
	return *out ? 0 : error_oom();
}

int store_review_next(sqlite3 *db, int64_t user, int64_t *id)
{
	return query_id(db,
	                "SELECT id FROM annotations WHERE status = 'submitted' AND user_id != ?1"
	                " ORDER BY id LIMIT 1",
	                user, NULL, id);
}

int store_review_insert(enclave_project *p, int64_t annotation, int64_t reviewer,
                        const char *decision, const char *result, const char *comment)
{
	sqlite3_stmt *st;
	char when[32];
	int error;

	time_now_iso(when);
	if ((error =
	         store_prepare(&st, p->db,
	                       "INSERT INTO reviews(annotation_id, reviewer_id, decision, result,"
	                       " comment, created_at) VALUES(?, ?, ?, ?, ?, ?)")) < 0)
		return error;
	sqlite3_bind_int64(st, 1, annotation);
	sqlite3_bind_int64(st, 2, reviewer);
	sqlite3_bind_text(st, 3, decision, -1, SQLITE_STATIC);
	bind_text_or_null(st, 4, result);
	bind_text_or_null(st, 5, comment);
	sqlite3_bind_text(st, 6, when, -1, SQLITE_STATIC);
	return step_done(p->db, st, "save review");
}

int store_progress_json(json_t **out, sqlite3 *db)
{
	sqlite3_stmt *st;
	json_t *arr = json_array();
	int error, rc;

	*out = NULL;
	if (!arr)
		return error_oom();
	if ((error = store_prepare(&st, db,
	                           "SELECT u.id, u.name, u.role,"
	                           " (SELECT count(*) FROM assignments a WHERE a.user_id = u.id),"
	                           " (SELECT count(*) FROM annotations n WHERE n.user_id = u.id "
	                           "AND n.status = 'draft'),"
	                           " (SELECT count(*) FROM annotations n WHERE n.user_id = u.id"
	                           "  AND n.status = 'submitted'),"
	                           " (SELECT count(*) FROM annotations n WHERE n.user_id = u.id"
	                           "  AND n.status = 'accepted'),"
	                           " (SELECT count(*) FROM annotations n WHERE n.user_id = u.id"
	                           "  AND n.status = 'rejected')"
	                           " FROM users u ORDER BY u.id")) < 0) {
		json_decref(arr);
		return error;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *o = json_pack("{s:I,s:s,s:s,s:I,s:I,s:I,s:I,s:I}", "user",
		                      (json_int_t)sqlite3_column_int64(st, 0), "name",
		                      col_text(st, 1), "role", col_text(st, 2), "assigned",
		                      (json_int_t)sqlite3_column_int64(st, 3), "drafts",
		                      (json_int_t)sqlite3_column_int64(st, 4), "submitted",
		                      (json_int_t)sqlite3_column_int64(st, 5), "accepted",
		                      (json_int_t)sqlite3_column_int64(st, 6), "rejected",
		                      (json_int_t)sqlite3_column_int64(st, 7));
		if (json_array_append_new(arr, o) < 0) {
			error = error_oom();
			break;
		}
	}
	if (!error && rc != SQLITE_DONE)
		error = store_error(db, "read progress");
	sqlite3_finalize(st);
	if (error < 0) {
		json_decref(arr);
		return error;
	}
	*out = json_pack("{s:o}", "users", arr);
	return *out ? 0 : error_oom();
}

int store_label_results(sqlite3 *db, const char *type,
                        int (*cb)(int64_t task, int64_t user, const char *result, void *payload),
                        void *payload)
{
	sqlite3_stmt *st;
	int error, rc;

	if ((error = store_prepare(&st, db,
	                           "SELECT a.task_id, a.user_id, a.result FROM annotations a"
	                           " JOIN tasks t ON t.id = a.task_id"
	                           " WHERE t.type = ? AND a.status != 'draft'"
	                           " ORDER BY a.task_id, a.user_id")) < 0)
		return error;
	sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((error = cb(sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
		                col_text(st, 2), payload)) != 0)
			break;
	if (!error && rc != SQLITE_DONE && rc != SQLITE_ROW)
		error = store_error(db, "read annotations");
	sqlite3_finalize(st);
	return error;
}

/* ------------------------------------------------------------------ */
/* Documents                                                          */
/* ------------------------------------------------------------------ */

int store_document_text_length(sqlite3 *db, int64_t id, int64_t *len)
{
	sqlite3_stmt *st;
	int error;

	*len = 0;
	if ((error = store_prepare(&st, db,
	                           "SELECT ifnull(max(offset + length), 0) FROM blocks"
	                           " WHERE document_id = ?")) < 0)
		return error;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		*len = sqlite3_column_int64(st, 0);
	else
		error = store_error(db, "read blocks");
	sqlite3_finalize(st);
	return error;
}

int store_label_documents_json(json_t **out, sqlite3 *db, int64_t offset, int64_t limit,
                               const char *q)
{
	sqlite3_stmt *st;
	json_t *arr = json_array();
	int64_t total = 0;
	int error, rc;

	*out = NULL;
	if (!arr)
		return error_oom();
	/* instr, not LIKE: the query's % and _ are not wildcards. */
	/* Without a query, a plain count(*), which SQLite answers from the smallest index. */
	if ((error = store_prepare(&st, db,
	                           q ? "SELECT count(*) FROM documents"
	                               " WHERE instr(ifnull(title, ''), ?1) OR instr(path, ?1)"
	                             : "SELECT count(*) FROM documents")) < 0)
		goto fail;
	if (q)
		sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		total = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if ((error = store_prepare(&st, db,
	                           "SELECT id, ifnull(title, ''), ifnull(format, ''), page_count,"
	                           " block_count, status, path FROM documents WHERE ?1 IS NULL"
	                           " OR instr(ifnull(title, ''), ?1) OR instr(path, ?1)"
	                           " ORDER BY id LIMIT ?3 OFFSET ?2")) < 0)
		goto fail;
	bind_text_or_null(st, 1, q);
	sqlite3_bind_int64(st, 2, offset);
	sqlite3_bind_int64(st, 3, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *o = json_pack(
		    "{s:I,s:s,s:s,s:i,s:i,s:s,s:s}", "id", (json_int_t)sqlite3_column_int64(st, 0),
		    "title", col_text(st, 1), "format", col_text(st, 2), "pages",
		    sqlite3_column_int(st, 3), "blocks", sqlite3_column_int(st, 4), "status",
		    col_text(st, 5), "path", col_text(st, 6));
		if (json_array_append_new(arr, o) < 0) {
			error = error_oom();
			break;
		}
	}
	if (!error && rc != SQLITE_DONE)
		error = store_error(db, "list documents");
	sqlite3_finalize(st);
	if (error < 0)
		goto fail;
	*out = json_pack("{s:I,s:o}", "total", (json_int_t)total, "documents", arr);
	return *out ? 0 : error_oom();
fail:
	json_decref(arr);
	return error;
}

/* A block row (SELECT seq, kind, page, x0, y0, x1, y1, offset, length, text) as JSON. */
static json_t *block_json(sqlite3_stmt *st)
{
	json_t *bbox =
	    sqlite3_column_type(st, 3) == SQLITE_NULL
	        ? json_null()
	        : json_pack("[f,f,f,f]", sqlite3_column_double(st, 3), sqlite3_column_double(st, 4),
	                    sqlite3_column_double(st, 5), sqlite3_column_double(st, 6));
	int64_t off = sqlite3_column_int64(st, 7);

	return json_pack(
	    "{s:I,s:I,s:s,s:o,s:o,s:I,s:I,s:s}", "id", (json_int_t)sqlite3_column_int64(st, 0),
	    "seq", (json_int_t)sqlite3_column_int64(st, 0), "kind", col_text(st, 1), "page",
	    sqlite3_column_type(st, 2) == SQLITE_NULL ? json_null()
	                                              : json_integer(sqlite3_column_int64(st, 2)),
	    "bbox", bbox ? bbox : json_null(), "start", (json_int_t)off, "end",
	    (json_int_t)(off + sqlite3_column_int64(st, 8)), "text", col_text(st, 9));
}

#define BLOCK_SQL                                                                  \
	"SELECT seq, kind, page, x0, y0, x1, y1, offset, length, text FROM blocks" \
	" WHERE document_id = ?1 ORDER BY seq LIMIT ?3 OFFSET ?2"

int store_label_blocks_json(json_t **out, sqlite3 *db, int64_t id, int64_t offset, int64_t limit)
{
	sqlite3_stmt *st;
	json_t *arr = json_array();
	int64_t total = -1;
	int error, rc;

	*out = NULL;
	if (!arr)
		return error_oom();
	if ((error = store_prepare(&st, db, "SELECT block_count FROM documents WHERE id = ?")) < 0)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		total = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (total < 0) {
		error = error_set(ENCLAVE_ENOTFOUND, "no document %lld", (long long)id);
		goto fail;
	}
	if ((error = store_prepare(&st, db, BLOCK_SQL)) < 0)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, offset);
	sqlite3_bind_int64(st, 3, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (json_array_append_new(arr, block_json(st)) < 0) {
			error = error_oom();
			break;
		}
	}
	if (!error && rc != SQLITE_DONE)
		error = store_error(db, "read blocks");
	sqlite3_finalize(st);
	if (error < 0)
		goto fail;
	*out = json_pack("{s:I,s:o}", "total", (json_int_t)total, "blocks", arr);
	return *out ? 0 : error_oom();
fail:
	json_decref(arr);
	return error;
}

/* The document text: every block's text, joined by a blank line, into `out`. */
int store_document_text(struct buf *out, sqlite3 *db, int64_t id)
{
	sqlite3_stmt *st;
	int error, rc, first = 1;

	if ((error = store_prepare(
	         &st, db, "SELECT text FROM blocks WHERE document_id = ? ORDER BY seq")) < 0)
		return error;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((!first && (error = buf_puts(out, "\n\n")) < 0) ||
		    (error = buf_puts(out, col_text(st, 0))) < 0) {
			error = error_buf(error, "document text");
			break;
		}
		first = 0;
	}
	if (!error && rc != SQLITE_DONE)
		error = store_error(db, "read blocks");
	sqlite3_finalize(st);
	return error;
}

/* The pages of document `id` as JSON, with their image URLs. */
static int pages_json(json_t **out, sqlite3 *db, int64_t id)
{
	struct buf url = BUF_INIT(128);
	sqlite3_stmt *st;
	json_t *arr = json_array();
	int error, rc;

	*out = NULL;
	if (!arr)
		return error_oom();
	if ((error = store_prepare(&st, db,
	                           "SELECT number, width, height FROM pages WHERE document_id = ?"
	                           " ORDER BY number")) < 0) {
		json_decref(arr);
		return error;
	}
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int n = sqlite3_column_int(st, 0);
		buf_clear(&url);
		buf_printf(&url, "/api/documents/%lld/pages/%d/image", (long long)id, n);
		if (json_array_append_new(arr, json_pack("{s:i,s:f,s:f,s:s}", "n", n, "width",
		                                         sqlite3_column_double(st, 1), "height",
		                                         sqlite3_column_double(st, 2), "image",
		                                         buf_cstr(&url))) < 0) {
			error = error_oom();
			break;
		}
	}
	if (!error && rc != SQLITE_DONE)
		error = store_error(db, "read pages");
	sqlite3_finalize(st);
	buf_release(&url);
	if (error < 0)
		json_decref(arr);
	else
		*out = arr;
	return error;
}

/* The PII/NER spans of document `id` as proposals. */
static int spans_json(json_t **out, sqlite3 *db, int64_t id)
{
	struct store_spans spans;
	json_t *arr = json_array();
	size_t i;
	int error;

	*out = NULL;
	memset(&spans, 0, sizeof(spans));
	if (!arr)
		return error_oom();
	if ((error = store_spans_read(&spans, db, id)) < 0)
		goto done;
	for (i = 0; i < spans.n; i++) {
		const struct store_span *s = &spans.v[i];
		if (json_array_append_new(
		        arr, json_pack("{s:I,s:I,s:I,s:s,s:s,s:f,s:s}", "id", (json_int_t)s->id,
		                       "start", (json_int_t)s->start, "end", (json_int_t)s->end,
		                       "label", s->label, "source", s->source, "score", s->score,
		                       "status", store_span_status_name(s->status))) < 0) {
			error = error_oom();
			goto done;
		}
	}
done:
	store_spans_release(&spans);
	if (error < 0)
		json_decref(arr);
	else
		*out = arr;
	return error;
}

int store_label_document_json(json_t **out, sqlite3 *db, int64_t id)
{
	struct buf text = BUF_INIT(ENCLAVE_MAX_TEXT_BYTES);
	json_t *o = NULL, *blocks = NULL, *pages = NULL, *spans = NULL;
	sqlite3_stmt *st;
	int error, rc;

	*out = NULL;
	if ((error = store_prepare(&st, db,
	                           "SELECT id, ifnull(title, ''), ifnull(format, ''),"
	                           " ifnull(language, ''), status, path FROM documents"
	                           " WHERE id = ?")) < 0)
		return error;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		o = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s}", "id", (json_int_t)id, "title",
		              col_text(st, 1), "format", col_text(st, 2), "language",
		              col_text(st, 3), "status", col_text(st, 4), "path", col_text(st, 5));
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return error_set(ENCLAVE_ENOTFOUND, "no document %lld", (long long)id);
	if (rc != SQLITE_ROW)
		return store_error(db, "read document");
	if (!o)
		return error_oom();
	if ((error = store_document_text(&text, db, id)) < 0 ||
	    (error = put(o, "text", json_stringn(text.len ? text.ptr : "", text.len))) < 0 ||
	    (error = store_label_blocks_json(&blocks, db, id, 0, 200)) < 0 ||
	    (error = put(o, "blocks", json_incref(json_object_get(blocks, "blocks")))) < 0 ||
	    (error = put(o, "blocks_total", json_incref(json_object_get(blocks, "total")))) < 0 ||
	    (error = pages_json(&pages, db, id)) < 0 ||
	    (error = put(o, "pages", json_incref(pages))) < 0 ||
	    (error = spans_json(&spans, db, id)) < 0 ||
	    (error = put(o, "spans", json_incref(spans))) < 0)
		goto done;
done:
	buf_release(&text);
	json_decref(blocks);
	json_decref(pages);
	json_decref(spans);
	if (error < 0)
		json_decref(o);
	else
		*out = o;
	return error;
}

int store_page_source(sqlite3 *db, int64_t id, int n, char image[65], char sha256[65],
                      char media_type[64])
{
	sqlite3_stmt *st;
	int error, rc;

	image[0] = sha256[0] = media_type[0] = '\0';
	if ((error = store_prepare(&st, db,
	                           "SELECT p.image_blob, s.sha256, s.media_type FROM pages p"
	                           " JOIN documents d ON d.id = p.document_id"
	                           " LEFT JOIN sources s ON s.id = d.source_id"
	                           " WHERE p.document_id = ? AND p.number = ?")) < 0)
		return error;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, n);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(image, 65, "%s", col_text(st, 0));
		snprintf(sha256, 65, "%s", col_text(st, 1));
		snprintf(media_type, 64, "%s", col_text(st, 2));
	} else if (rc == SQLITE_DONE) {
		error =
		    error_set(ENCLAVE_ENOTFOUND, "document %lld has no page %d", (long long)id, n);
	} else {
		error = store_error(db, "read page");
	}
	sqlite3_finalize(st);
	return error;
}

/* ------------------------------------------------------------------ */
/* Label Studio import and export                                     */
/* ------------------------------------------------------------------ */

int store_task_ensure(enclave_project *p, int64_t document, const char *type, int k, int64_t *task,
                      int *created)
{
	sqlite3_stmt *st;
	char when[32];
	int error, rc;

	*created = 0;
	time_now_iso(when);
	if ((error = store_prepare(&st, p->db,
	                           "INSERT OR IGNORE INTO tasks(document_id, type, k, created_at)"
	                           " VALUES(?, ?, ?, ?)")) < 0)
		return error;
	sqlite3_bind_int64(st, 1, document);
	sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, k);
	sqlite3_bind_text(st, 4, when, -1, SQLITE_STATIC);
	if ((error = step_done(p->db, st, "create task")) < 0)
		return error;
	*created = sqlite3_changes(p->db) > 0;
	if ((error = store_prepare(&st, p->db,
	                           "SELECT id FROM tasks WHERE document_id = ? AND type = ?"
	                           " AND block_seq IS NULL")) < 0)
		return error;
	sqlite3_bind_int64(st, 1, document);
	sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*task = sqlite3_column_int64(st, 0);
	else
		error = store_error(p->db, "read task");
	sqlite3_finalize(st);
	return error;
}

int store_page_size(sqlite3 *db, int64_t id, int n, double *w, double *h)
{
	sqlite3_stmt *st;
	int error, rc;

	if ((error = store_prepare(&st, db,
	                           "SELECT width, height FROM pages WHERE document_id = ?"
	                           " AND number = ?")) < 0)
		return error;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, n);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*w = sqlite3_column_double(st, 0);
		*h = sqlite3_column_double(st, 1);
	} else {
		error = rc == SQLITE_DONE ? ENCLAVE_ENOTFOUND : store_error(db, "read page");
	}
	sqlite3_finalize(st);
	return error;
}

int store_label_export_rows(sqlite3 *db,
                            int (*cb)(int64_t task, const char *type, int64_t document,
                                      int64_t annotation, int64_t user, const char *result,
                                      void *payload),
                            void *payload)
{
	sqlite3_stmt *st;
	int error, rc;

	if ((error = store_prepare(&st, db,
	                           "SELECT t.id, t.type, t.document_id, ifnull(a.id, 0),"
	                           " ifnull(a.user_id, 0), a.result FROM tasks t"
	                           " LEFT JOIN annotations a ON a.task_id = t.id"
	                           "  AND a.status != 'draft'"
	                           " ORDER BY t.id, a.id")) < 0)
		return error;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((error = cb(sqlite3_column_int64(st, 0), col_text(st, 1),
		                sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3),
		                sqlite3_column_int64(st, 4),
		                (const char *)sqlite3_column_text(st, 5), payload)) != 0)
			break;
	if (!error && rc != SQLITE_DONE && rc != SQLITE_ROW)
		error = store_error(db, "read tasks");
	sqlite3_finalize(st);
	return error;
}
