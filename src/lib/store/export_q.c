/*
 * The export's reads (src/lib/export/): a document's language, parent and
 * children, its annotations by status, and the entity labels in use. Each
 * reads a handful of rows for one document, so the export walks the corpus
 * in id order with constant memory.
 */
#include <string.h>

#include "store_int.h"

static const char *col_str(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? s : "";
}

int store_doc_lineage(sqlite3 *db, int64_t id, char lang[16], int64_t *parent, int *children)
{
	sqlite3_stmt *st;
	int error, rc;

	lang[0] = 0;
	*parent = 0;
	*children = 0;
	if ((error = store_prepare(
	         &st, db,
	         "SELECT coalesce(language, json_extract(metadata, '$.language'), ''),"
	         " ifnull(parent_id, 0),"
	         " EXISTS (SELECT 1 FROM documents c WHERE c.parent_id = d.id)"
	         " FROM documents d WHERE id = ?")) < 0)
		return error;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(lang, 16, "%s", col_str(st, 0));
		*parent = sqlite3_column_int64(st, 1);
		*children = sqlite3_column_int(st, 2);
	} else if (rc == SQLITE_DONE) {
		error = error_set(ENCLAVE_ENOTFOUND, "no document %lld", (long long)id);
	} else {
		error = store_error(db, "read document");
	}
	sqlite3_finalize(st);
	return error;
}

/* The status filter of `mode` (0 accepted, 1 submitted and accepted, 2 past draft). */
static const char *status_sql(int mode)
{
	if (mode == 0)
		return "a.status = 'accepted'";
	if (mode == 1)
		return "a.status IN ('submitted', 'accepted')";
	return "a.status != 'draft'";
}

int store_doc_annotations(sqlite3 *db, int64_t doc, int mode,
                          int (*cb)(const char *type, int64_t block, int64_t annotation,
                                    const char *status, const char *result, void *payload),
                          void *payload)
{
	struct buf sql = BUF_INIT(1024);
	sqlite3_stmt *st = NULL;
	int error, rc;

	if ((error = buf_printf(&sql,
	                        "SELECT t.type, ifnull(t.block_seq, -1), a.id, a.status, a.result"
	                        " FROM annotations a JOIN tasks t ON t.id = a.task_id"
	                        " WHERE t.document_id = ? AND %s"
	                        " ORDER BY t.type, ifnull(t.block_seq, -1),"
	                        " a.status = 'accepted' DESC, a.status = 'submitted' DESC,"
	                        " a.id DESC",
	                        status_sql(mode))) < 0 ||
	    (error = store_prepare(&st, db, buf_cstr(&sql))) < 0)
		goto done;
	sqlite3_bind_int64(st, 1, doc);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((error = cb(col_str(st, 0), sqlite3_column_int64(st, 1),
		                sqlite3_column_int64(st, 2), col_str(st, 3), col_str(st, 4),
		                payload)) != 0)
			break;
	if (!error && rc != SQLITE_DONE && rc != SQLITE_ROW)
		error = store_error(db, "read annotations");
done:
	sqlite3_finalize(st);
	buf_release(&sql);
	return error;
}

int store_result_labels(sqlite3 *db, const char *type, int mode,
                        int (*cb)(const char *label, void *payload), void *payload)
{
	struct buf sql = BUF_INIT(1024);
	sqlite3_stmt *st = NULL;
	int error, rc;

	if ((error = buf_printf(&sql,
	                        "SELECT DISTINCT json_extract(j.value, '$.label') AS l"
	                        " FROM annotations a JOIN tasks t ON t.id = a.task_id,"
	                        " json_each(a.result, ?) j"
	                        " WHERE t.type = ? AND %s AND json_valid(a.result)"
	                        " AND l IS NOT NULL ORDER BY l",
	                        status_sql(mode))) < 0 ||
	    (error = store_prepare(&st, db, buf_cstr(&sql))) < 0)
		goto done;
	sqlite3_bind_text(st, 1, strcmp(type, "box") ? "$.spans" : "$.boxes", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((error = cb(col_str(st, 0), payload)) != 0)
			break;
	if (!error && rc != SQLITE_DONE && rc != SQLITE_ROW)
		error = store_error(db, "read entity labels");
done:
	sqlite3_finalize(st);
	buf_release(&sql);
	return error;
}
