/*
 * Dataset statistics for an export's DATASHEET.md (src/lib/export/package.c):
 * counts read from the store's tables, every list in a fixed order so that
 * the same store gives the same text.
 *
 * The documents counted are those an export covers: status 'ok', and
 * 'failed' too when the export includes failed documents.
 */
#include <ctype.h>
#include <string.h>

#include "store_int.h"

/* The WHERE clause selecting the exported documents of table alias d. */
#define SEL_OK "d.status = 'ok'"
#define SEL_ALL "d.status IN ('ok', 'failed')"

/*
 * Run `sql` (one statement; ?1 unused) and append each row to `out` as an
 * object whose keys are `keys` (NULL-terminated, one per column); integer
 * columns become integers, the rest strings ("" for NULL).
 */
static int rows(json_t *out, sqlite3 *db, const char *sql, const char *const *keys)
{
	sqlite3_stmt *st;
	int error, rc;

	if ((error = store_prepare(&st, db, sql)) < 0)
		return error;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *o = json_object();
		int i;
		for (i = 0; o && keys[i]; i++) {
			json_t *v;
			if (sqlite3_column_type(st, i) == SQLITE_INTEGER) {
				v = json_integer(sqlite3_column_int64(st, i));
			} else {
				const char *t = (const char *)sqlite3_column_text(st, i);
				v = json_string(t ? t : "");
			}
			if (!v || json_object_set_new(o, keys[i], v) < 0) {
				json_decref(o);
				o = NULL;
			}
		}
		if (!o || json_array_append_new(out, o) < 0) {
			sqlite3_finalize(st);
			return error_oom();
		}
	}
	if (rc != SQLITE_DONE)
		error = store_error(db, "read dataset statistics");
	sqlite3_finalize(st);
	return error;
}

/* Add `name`: an array of rows of `sql` (see rows()) to `o`. */
static int add_rows(json_t *o, sqlite3 *db, const char *name, const char *sql,
                    const char *const *keys)
{
	json_t *a = json_array();
	int error;

	if (!a || json_object_set_new(o, name, a) < 0)
		return error_oom();
	if ((error = rows(a, db, sql, keys)) < 0)
		return error;
	return 0;
}

int store_dataset_stats(json_t **out, enclave_project *p, int include_failed, const char *lang)
{
	static const char *const k_sources[] = { "media_type", "sources", "bytes", NULL };
	static const char *const k_status[] = { "status", "documents", "pages", "blocks", NULL };
	static const char *const k_lang[] = { "language", "documents", NULL };
	static const char *const k_pii[] = { "label", "status", "spans", "documents", NULL };
	static const char *const k_red[] = { "redacted", "documents", NULL };
	static const char *const k_labels[] = { "type", "label", "items", "annotations", NULL };
	static const char *const k_ann[] = { "type", "status", "annotations", NULL };
	struct buf sql = BUF_INIT(8192), selb = BUF_INIT(1024);
	const char *sel = include_failed ? SEL_ALL : SEL_OK;
	json_t *o = json_object();
	int error = 0;
	size_t i;

	*out = NULL;
	if (!o)
		return error_oom();
	if (lang) {
		/* Written into the SQL: letters, digits, '-' and '_' only. */
		for (i = 0; lang[i]; i++)
			if (!isalnum((unsigned char)lang[i]) && lang[i] != '-' && lang[i] != '_')
				break;
		if (lang[i] || !i || i > 15) {
			json_decref(o);
			return error_set(ENCLAVE_EINVALID,
			                 "invalid language '%.40s': an ISO 639 code such as de",
			                 lang);
		}
		if (buf_printf(
		        &selb,
		        "%s AND lower(coalesce(d.language, CASE WHEN json_valid(d.metadata)"
		        " THEN json_extract(d.metadata, '$.language') END, '')) = lower('%s')",
		        sel, lang) < 0) {
			json_decref(o);
			return error_oom();
		}
		sel = buf_cstr(&selb);
	}
#define QUERY(name, keys, ...)                                                    \
	do {                                                                      \
		buf_clear(&sql);                                                  \
		if (buf_printf(&sql, __VA_ARGS__) < 0) {                          \
			error = error_oom();                                      \
			goto done;                                                \
		}                                                                 \
		if ((error = add_rows(o, p->db, name, buf_cstr(&sql), keys)) < 0) \
			goto done;                                                \
	} while (0)
	QUERY("sources", k_sources,
	      "SELECT coalesce(s.media_type, 'unknown'), count(*), sum(s.size) FROM sources s"
	      " WHERE s.id IN (SELECT d.source_id FROM documents d WHERE %s)"
	      " GROUP BY 1 ORDER BY 1",
	      sel);
	QUERY("documents", k_status,
	      "SELECT d.status, count(*), sum(d.page_count), sum(d.block_count)"
	      " FROM documents d WHERE %s GROUP BY 1 ORDER BY 1",
	      sel);
	QUERY("languages", k_lang,
	      "SELECT coalesce(nullif(d.language, ''), 'und'), count(*) FROM documents d"
	      " WHERE %s GROUP BY 1 ORDER BY 2 DESC, 1",
	      sel);
	QUERY("pii", k_pii,
	      "SELECT sp.label, sp.status, count(*), count(DISTINCT sp.document_id)"
	      " FROM spans sp JOIN documents d ON d.id = sp.document_id WHERE %s"
	      " GROUP BY 1, 2 ORDER BY 1, 2",
	      sel);
	QUERY("redaction", k_red,
	      "SELECT EXISTS (SELECT 1 FROM texts t WHERE t.document_id = d.id"
	      " AND t.layer = 'redacted'), count(*) FROM documents d WHERE %s"
	      " GROUP BY 1 ORDER BY 1",
	      sel);
	/*
	 * Accepted annotations: a label per ner span, class label and box; a qa
	 * annotation counts its pairs under "(qa pair)".
	 */
	QUERY("labels", k_labels,
	      "SELECT t.type, CASE WHEN t.type = 'class' THEN j.value"
	      " WHEN t.type = 'qa' THEN '(qa pair)'"
	      " ELSE coalesce(json_extract(j.value, '$.label'), '') END,"
	      " count(*), count(DISTINCT a.id)"
	      " FROM annotations a JOIN tasks t ON t.id = a.task_id"
	      " JOIN documents d ON d.id = t.document_id,"
	      " json_each(CASE WHEN json_valid(a.result) THEN a.result ELSE '{}' END, CASE t.type "
	      "WHEN 'ner' THEN '$.spans'"
	      " WHEN 'class' THEN '$.labels' WHEN 'box' THEN '$.boxes' ELSE '$.pairs' END) j"
	      " WHERE a.status = 'accepted' AND %s"
	      " GROUP BY 1, 2 ORDER BY 1, 2",
	      sel);
	QUERY("annotations", k_ann,
	      "SELECT t.type, a.status, count(*) FROM annotations a"
	      " JOIN tasks t ON t.id = a.task_id JOIN documents d ON d.id = t.document_id"
	      " WHERE %s GROUP BY 1, 2 ORDER BY 1, 2",
	      sel);
#undef QUERY
	*out = o;
	o = NULL;
done:
	json_decref(o);
	buf_release(&sql);
	buf_release(&selb);
	return error;
}
