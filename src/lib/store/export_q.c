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

/* ------------------------------------------------------------------ */
/* The streaming record's reads (src/lib/export/record.c)             */
/* ------------------------------------------------------------------ */

struct store_export_q {
	sqlite3 *db;
	sqlite3_stmt *head, *pages, *blocks;
};

int store_export_q_new(struct store_export_q **out, sqlite3 *db)
{
	struct store_export_q *q = calloc(1, sizeof(*q));
	int error;

	*out = NULL;
	if (!q)
		return error_oom();
	q->db = db;
	/* The columns and orders of store_document_load (documents.c), which the tree path reads. */
	if ((error = store_prepare(
	         &q->head, db, "SELECT format, title, metadata FROM documents WHERE id = ?")) < 0 ||
	    (error = store_prepare(&q->pages, db,
	                           "SELECT width, height, method, confidence FROM pages"
	                           " WHERE document_id = ? ORDER BY number")) < 0 ||
	    (error = store_prepare(&q->blocks, db,
	                           "SELECT kind, level, page, x0, y0, x1, y1, text, method,"
	                           " confidence, attrs FROM blocks WHERE document_id = ?"
	                           " ORDER BY seq")) < 0) {
		store_export_q_free(q);
		return error;
	}
	*out = q;
	return 0;
}

void store_export_q_free(struct store_export_q *q)
{
	if (!q)
		return;
	sqlite3_finalize(q->head);
	sqlite3_finalize(q->pages);
	sqlite3_finalize(q->blocks);
	free(q);
}

int store_export_head(struct store_export_q *q, int64_t id, const char **format, const char **title,
                      const char **metadata)
{
	int rc;

	*format = *title = *metadata = NULL;
	sqlite3_reset(q->head);
	sqlite3_bind_int64(q->head, 1, id);
	rc = sqlite3_step(q->head);
	if (rc == SQLITE_DONE)
		return ENCLAVE_ENOTFOUND;
	if (rc != SQLITE_ROW)
		return store_error(q->db, "load document");
	*format = (const char *)sqlite3_column_text(q->head, 0);
	*title = (const char *)sqlite3_column_text(q->head, 1);
	*metadata = (const char *)sqlite3_column_text(q->head, 2);
	return 0;
}

int store_export_pages(struct store_export_q *q, int64_t id,
                       int (*cb)(void *payload, double width, double height, const char *method,
                                 double confidence),
                       void *payload)
{
	int error = 0, rc;

	sqlite3_reset(q->pages);
	sqlite3_bind_int64(q->pages, 1, id);
	while ((rc = sqlite3_step(q->pages)) == SQLITE_ROW)
		if ((error = cb(payload, sqlite3_column_double(q->pages, 0),
		                sqlite3_column_double(q->pages, 1),
		                (const char *)sqlite3_column_text(q->pages, 2),
		                sqlite3_column_double(q->pages, 3))) != 0)
			break;
	if (!error && rc != SQLITE_DONE)
		error = store_error(q->db, "load pages");
	sqlite3_reset(q->pages);
	return error;
}

int store_export_blocks(struct store_export_q *q, int64_t id,
                        int (*cb)(void *payload, const struct store_block_row *r), void *payload)
{
	sqlite3_stmt *st = q->blocks;
	struct store_block_row r;
	int error = 0, rc;

	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r.kind = (const char *)sqlite3_column_text(st, 0);
		r.level = sqlite3_column_int(st, 1);
		r.page = sqlite3_column_int(st, 2);
		r.has_bbox = sqlite3_column_type(st, 3) != SQLITE_NULL;
		if (r.has_bbox) {
			r.bbox[0] = sqlite3_column_double(st, 3);
			r.bbox[1] = sqlite3_column_double(st, 4);
			r.bbox[2] = sqlite3_column_double(st, 5);
			r.bbox[3] = sqlite3_column_double(st, 6);
		}
		r.text = (const char *)sqlite3_column_text(st, 7);
		r.text_len = (size_t)sqlite3_column_bytes(st, 7);
		r.method = (const char *)sqlite3_column_text(st, 8);
		r.confidence = sqlite3_column_double(st, 9);
		r.attrs = (const char *)sqlite3_column_text(st, 10);
		if ((error = cb(payload, &r)) != 0)
			break;
	}
	if (!error && rc != SQLITE_DONE)
		error = store_error(q->db, "load blocks");
	sqlite3_reset(st);
	return error;
}
