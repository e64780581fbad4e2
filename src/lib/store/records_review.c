/*
 * Generated records as the label app reviews them (src/lib/label/records.c):
 * a page of records by kind, status and document with an offset, their
 * counts per kind and status, one record, and the two changes a review
 * makes inside the caller's transaction: a new status, and an edit (text,
 * payload, lineage). The table is schema 4's (records.c); nothing here
 * changes it. Queries are built and rows read by records.c's
 * store_records_prepare and store_records_each, as for the record API.
 */
#include <string.h>

#include "store_int.h"

static const char *col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? s : "";
}

/* The record API's filter of `q`'s kind, status and document (offset and limit apart). */
static struct enclave_records_filter query_filter(const struct store_records_query *q)
{
	struct enclave_records_filter f = { q->kind, q->status, q->document, 0, 0 };
	return f;
}

/*
 * Prepare head + the WHERE clause of `q` + tail on `db`, `q` bound; the next
 * parameter's index, or an ENCLAVE_E*.
 */
static int query_prepare(sqlite3_stmt **st, sqlite3 *db, const char *head,
                         const struct store_records_query *q, const char *tail)
{
	struct enclave_records_filter f = query_filter(q);
	return store_records_prepare(st, db, head, &f, 0, tail);
}

int store_records_page(sqlite3 *db, const struct store_records_query *q, enclave_record_cb cb,
                       void *payload)
{
	sqlite3_stmt *st;
	int i;

	if ((i = query_prepare(&st, db, STORE_RECORD_SELECT, q, " ORDER BY id LIMIT ? OFFSET ?")) <
	    0)
		return i;
	sqlite3_bind_int64(st, i, q->limit > 0 ? q->limit : -1);
	sqlite3_bind_int64(st, i + 1, q->offset > 0 ? q->offset : 0);
	return store_records_each(db, st, cb, payload);
}

int store_records_total(sqlite3 *db, const struct store_records_query *q, int64_t *n)
{
	struct enclave_records_filter f = query_filter(q);
	return store_records_count(db, &f, n);
}

int store_records_counts(sqlite3 *db, int64_t document,
                         int (*cb)(const char *kind, const char *status, int64_t n, void *payload),
                         void *payload)
{
	struct store_records_query q = { NULL, NULL, document, 0, 0 };
	sqlite3_stmt *st;
	int error = 0, rc;

	if ((rc = query_prepare(&st, db, "SELECT kind, status, count(*) FROM records", &q,
	                        " GROUP BY kind, status ORDER BY kind, status")) < 0)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((error = cb(col(st, 0), col(st, 1), sqlite3_column_int64(st, 2), payload)) != 0)
			break;
	if (!error && rc != SQLITE_DONE)
		error = store_error(db, "count records");
	sqlite3_finalize(st);
	return error;
}

int store_record_get(sqlite3 *db, int64_t id, enclave_record_cb cb, void *payload)
{
	sqlite3_stmt *st;
	int error, rc;

	if ((error = store_prepare(&st, db, STORE_RECORD_SELECT " WHERE id = ?")) < 0)
		return error;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		struct enclave_record r;
		store_record_row(&r, st);
		error = cb(&r, payload);
	} else if (rc == SQLITE_DONE) {
		error = error_set(ENCLAVE_ENOTFOUND, "no record %lld", (long long)id);
	} else {
		error = store_error(db, "read record");
	}
	sqlite3_finalize(st);
	return error;
}

/* Step the UPDATE `st` of record `id` and finalize it; ENCLAVE_ENOTFOUND when no row changed. */
static int update_one(sqlite3 *db, sqlite3_stmt *st, int64_t id)
{
	int error = 0;

	if (sqlite3_step(st) != SQLITE_DONE)
		error = store_error(db, "update record");
	else if (sqlite3_changes(db) == 0)
		error = error_set(ENCLAVE_ENOTFOUND, "no record %lld", (long long)id);
	sqlite3_finalize(st);
	return error;
}

int store_record_update(enclave_project *p, int64_t id, const char *text, const char *text_sha256,
                        const char *payload, const char *lineage)
{
	sqlite3_stmt *st;
	int error;

	if ((error = store_prepare(&st, p->db,
	                           "UPDATE records SET text = ?, text_sha256 = ?, payload = ?,"
	                           " lineage = ? WHERE id = ?")) < 0)
		return error;
	sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, text_sha256, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, payload, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, lineage, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, id);
	return update_one(p->db, st, id);
}

int store_record_status(enclave_project *p, int64_t id, const char *status)
{
	sqlite3_stmt *st;
	int error;

	if ((error = store_prepare(&st, p->db, "UPDATE records SET status = ? WHERE id = ?")) < 0)
		return error;
	sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	return update_one(p->db, st, id);
}
