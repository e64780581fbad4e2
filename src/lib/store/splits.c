/*
 * The project split's table (schema version 5): document -> split, the
 * root's stratum, and the spec in meta "split.spec". What the rows mean and
 * how they are assigned is src/lib/export/split.c's business; this file
 * only reads and writes them.
 */
#include <string.h>

#include "store_int.h"

int store_split_put(sqlite3_stmt **cache, enclave_project *p, int64_t doc, const char *split,
                    const char *stratum, const char *now)
{
	sqlite3_stmt *st;
	int error;

	if (!*cache &&
	    (error = store_prepare(cache, p->db,
	                           "INSERT INTO splits (document_id, split, stratum, assigned_at)"
	                           " VALUES (?, ?, ?, ?)")) < 0)
		return error;
	st = *cache;
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, doc);
	sqlite3_bind_text(st, 2, split, -1, SQLITE_STATIC);
	if (stratum)
		sqlite3_bind_text(st, 3, stratum, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
	error = sqlite3_step(st) == SQLITE_DONE ? 0 : store_error(p->db, "store a split");
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return error;
}

int store_split_clear(enclave_project *p)
{
	return store_exec(p->db, "DELETE FROM splits");
}

int store_split_each(sqlite3 *db,
                     int (*cb)(int64_t doc, const char *split, const char *stratum, void *payload),
                     void *payload)
{
	sqlite3_stmt *st;
	int error, rc;

	if ((error = store_prepare(&st, db,
	                           "SELECT document_id, split, stratum FROM splits"
	                           " ORDER BY document_id")) < 0)
		return error;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((error =
		         cb(sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
		            (const char *)sqlite3_column_text(st, 2), payload)) != 0)
			break;
	if (!error && rc != SQLITE_DONE)
		error = store_error(db, "read the splits");
	sqlite3_finalize(st);
	return error;
}

int store_split_get(sqlite3 *db, int64_t doc, char out[16])
{
	sqlite3_stmt *st;
	int error, rc;

	out[0] = '\0';
	if ((error = store_prepare(&st, db, "SELECT split FROM splits WHERE document_id = ?")) < 0)
		return error;
	sqlite3_bind_int64(st, 1, doc);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(out, 16, "%s", (const char *)sqlite3_column_text(st, 0));
	else if (rc == SQLITE_DONE)
		error = ENCLAVE_ENOTFOUND;
	else
		error = store_error(db, "read a split");
	sqlite3_finalize(st);
	return error;
}

int store_split_unassigned(sqlite3 *db, int64_t *n)
{
	sqlite3_stmt *st;
	int error;

	*n = 0;
	if ((error = store_prepare(&st, db,
	                           "SELECT count(*) FROM documents d WHERE NOT EXISTS"
	                           " (SELECT 1 FROM splits s WHERE s.document_id = d.id)")) < 0)
		return error;
	if (sqlite3_step(st) == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	else
		error = store_error(db, "count unassigned documents");
	sqlite3_finalize(st);
	return error;
}
