/*
 * Generated records (schema version 4; columns in schema.c, the record API
 * in include/enclave/augment.h, the payload and lineage in docs/formats.md),
 * and what the deterministic augmenters read from the other stages: the ok
 * documents, a document's accepted NER annotation.
 *
 * Idempotence: every record has a unique key; an insert of a key already
 * there is skipped (INSERT OR IGNORE) and not counted, so a rerun after a
 * crash adds only what the crash lost. Each enclave_records_insert call is
 * one transaction with one augment.records event naming what it added.
 */
#include <string.h>

#include "store_int.h"
#include "../../util/utf8.h"

static const char *col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? s : "";
}

/* ------------------------------------------------------------------ */
/* Keys and checks                                                    */
/* ------------------------------------------------------------------ */

void enclave_record_key(char out[65], const char *kind, const char *source, const char *params,
                        int64_t index)
{
	struct buf b = BUF_INIT(1 << 20);
	int ok;

	ok = buf_puts(&b, "enclave-record/1") == 0 && buf_putc(&b, 0) == 0 &&
	     buf_puts(&b, kind ? kind : "") == 0 && buf_putc(&b, 0) == 0 &&
	     buf_puts(&b, source ? source : "") == 0 && buf_putc(&b, 0) == 0 &&
	     buf_puts(&b, params ? params : "") == 0 && buf_putc(&b, 0) == 0 &&
	     buf_printf(&b, "%lld", (long long)index) == 0 && buf_putc(&b, 0) == 0;
	/* Only an allocation failure (or parameters past 1 MiB) fails: no key then. */
	if (!ok || sha256_hex(out, b.ptr, b.len) < 0)
		memset(out, 0, 65);
	buf_release(&b);
}

static int kind_ok(const char *k)
{
	size_t n = k ? strlen(k) : 0;

	if (n == 0 || n > 32)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') || k[i] == '-'))
			return 0;
	return 1;
}

static int hex64_ok(const char *h)
{
	if (!h || strlen(h) != 64)
		return 0;
	for (size_t i = 0; i < 64; i++)
		if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
			return 0;
	return 1;
}

/* A JSON object's text, or NULL; ENCLAVE_EINVALID naming `what` otherwise. */
static int object_ok(const char *text, const char *what, size_t i)
{
	json_error_t je;
	json_t *v;

	if (!text)
		return 0;
	if (!(v = json_loads(text, JSON_REJECT_DUPLICATES, &je)) || !json_is_object(v)) {
		json_decref(v);
		return error_set(ENCLAVE_EINVALID, "record %zu: the %s is not a JSON object", i,
		                 what);
	}
	json_decref(v);
	return 0;
}

static int record_check(const struct enclave_record_new *r, size_t i)
{
	int error;

	if (!kind_ok(r->kind))
		return error_set(ENCLAVE_EINVALID,
		                 "record %zu: kind '%.40s' is not [a-z0-9-]{1,32}", i,
		                 r->kind ? r->kind : "");
	if (!hex64_ok(r->key))
		return error_set(ENCLAVE_EINVALID, "record %zu: the key is not 64 hex digits", i);
	if (r->source_sha256 && !hex64_ok(r->source_sha256))
		return error_set(ENCLAVE_EINVALID,
		                 "record %zu: the source hash is not 64 hex digits", i);
	if (!r->text || strlen(r->text) > ENCLAVE_MAX_TEXT_BYTES)
		return error_set(ENCLAVE_EINVALID, "record %zu: no text, or longer than %zu bytes",
		                 i, ENCLAVE_MAX_TEXT_BYTES);
	if (!utf8_valid(r->text, strlen(r->text)))
		return error_set(ENCLAVE_EINVALID, "record %zu: the text is not UTF-8", i);
	if ((error = object_ok(r->payload, "payload", i)) < 0 ||
	    (error = object_ok(r->lineage, "lineage", i)) < 0)
		return error;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Writing                                                            */
/* ------------------------------------------------------------------ */

int enclave_record_exists(enclave_project *p, const char *key, int *exists)
{
	sqlite3_stmt *st;
	int error, rc;

	*exists = 0;
	if ((error = store_prepare(&st, p->db, "SELECT 1 FROM records WHERE key = ?")) < 0)
		return error;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*exists = 1;
	else if (rc != SQLITE_DONE)
		error = store_error(p->db, "read records");
	sqlite3_finalize(st);
	return error;
}

/* Insert r (inside the transaction); *id 0 when its key was already there. */
static int insert_one(enclave_project *p, const struct enclave_record_new *r, const char *text_sha,
                      const char *now, int64_t *id)
{
	sqlite3_stmt *st;
	int error;

	*id = 0;
	if ((error = store_prepare(&st, p->db,
	                           "INSERT OR IGNORE INTO records (kind, key, document_id, chunk,"
	                           " source_sha256, text, text_sha256, payload, lineage,"
	                           " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) < 0)
		return error;
	sqlite3_bind_text(st, 1, r->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->key, -1, SQLITE_STATIC);
	if (r->document_id > 0)
		sqlite3_bind_int64(st, 3, r->document_id);
	if (r->chunk >= 0)
		sqlite3_bind_int64(st, 4, r->chunk);
	if (r->source_sha256)
		sqlite3_bind_text(st, 5, r->source_sha256, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, r->text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, text_sha, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, r->payload ? r->payload : "{}", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, r->lineage ? r->lineage : "{}", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, now, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		error = store_error(p->db, "insert record");
	else if (sqlite3_changes(p->db) == 1)
		*id = sqlite3_last_insert_rowid(p->db);
	sqlite3_finalize(st);
	return error;
}

int enclave_records_insert(enclave_project *p, const struct enclave_record_new *v, size_t n,
                           size_t *inserted)
{
	json_t *params = NULL, *outputs = NULL, *list = NULL;
	char now[32], sha[65];
	size_t added = 0, i;
	int error = 0;

	if (inserted)
		*inserted = 0;
	for (i = 0; i < n; i++)
		if ((error = record_check(&v[i], i)) < 0)
			return error;
	if (n == 0)
		return 0;
	time_now_iso(now);
	if (!(list = json_array()))
		return error_oom();
	if ((error = store_begin(p)) < 0) {
		json_decref(list);
		return error;
	}
	for (i = 0; i < n && !error; i++) {
		int64_t id;
		if ((error = sha256_hex(sha, v[i].text, strlen(v[i].text))) < 0 ||
		    (error = insert_one(p, &v[i], sha, now, &id)) < 0)
			break;
		if (!id)
			continue;
		added++;
		if (json_array_append_new(list, json_pack("{s:I,s:s,s:s}", "id", (json_int_t)id,
		                                          "key", v[i].key, "text_sha256", sha)) < 0)
			error = error_oom();
	}
	if (!error && added) {
		params = json_pack("{s:s,s:I}", "kind", v[0].kind, "count", (json_int_t)added);
		outputs = json_pack("{s:O}", "records", list);
		if (!params || !outputs)
			error = error_oom();
		else
			error = audit_append(p, "augment.records", "", params, NULL, outputs, NULL);
	}
	json_decref(params);
	json_decref(outputs);
	json_decref(list);
	if (error < 0) {
		store_rollback(p);
		return error;
	}
	if ((error = store_commit(p)) < 0)
		return error;
	if (added && (error = audit_write_head(p)) < 0)
		return error;
	if (inserted)
		*inserted = added;
	return 0;
}

int enclave_record_set_status(enclave_project *p, int64_t id, const char *status)
{
	json_t *params = NULL;
	char subject[40];
	int error;

	if (!status || (strcmp(status, "proposed") && strcmp(status, "accepted") &&
	                strcmp(status, "rejected")))
		return error_set(ENCLAVE_EINVALID, "status '%.32s': proposed, accepted or rejected",
		                 status ? status : "");
	if ((error = store_begin(p)) < 0)
		return error;
	if ((error = store_record_status(p, id, status)) < 0)
		goto done;
	snprintf(subject, sizeof(subject), "record:%lld", (long long)id);
	if (!(params = json_pack("{s:s}", "status", status)))
		error = error_oom();
	else
		error = audit_append(p, "augment.record.status", subject, params, NULL, NULL, NULL);
done:
	json_decref(params);
	if (error < 0) {
		store_rollback(p);
		return error;
	}
	if ((error = store_commit(p)) < 0)
		return error;
	return audit_write_head(p);
}

/* ------------------------------------------------------------------ */
/* Reading                                                            */
/* ------------------------------------------------------------------ */

void store_record_row(struct enclave_record *r, sqlite3_stmt *st)
{
	r->id = sqlite3_column_int64(st, 0);
	r->kind = col(st, 1);
	r->key = col(st, 2);
	r->document_id = sqlite3_column_int64(st, 3);
	r->chunk = sqlite3_column_int64(st, 4);
	r->source_sha256 = col(st, 5);
	r->text = col(st, 6);
	r->text_sha256 = col(st, 7);
	r->payload = col(st, 8);
	r->lineage = col(st, 9);
	r->status = col(st, 10);
	r->created_at = col(st, 11);
}

/*
 * sql = head, the WHERE clause of `f` (ids past after_id when `paged`), then
 * tail; bind with bind_filter in the same order. Returns 0 or an ENCLAVE_E*.
 */
static int build_sql(struct buf *sql, const char *head, const struct enclave_records_filter *f,
                     int paged, const char *tail)
{
	int error = buf_puts(sql, head);

	if (!error)
		error = buf_puts(sql, " WHERE 1");
	if (!error && f && f->kind)
		error = buf_puts(sql, " AND kind = ?");
	if (!error && f && f->status)
		error = buf_puts(sql, " AND status = ?");
	if (!error && f && f->document_id > 0)
		error = buf_puts(sql, " AND document_id = ?");
	if (!error && paged && f && f->after_id > 0)
		error = buf_puts(sql, " AND id > ?");
	if (!error)
		error = buf_puts(sql, tail);
	if (!error && paged && f && f->limit > 0)
		error = buf_puts(sql, " LIMIT ?");
	return error < 0 ? error_buf(error, "records query") : 0;
}

static int bind_filter(sqlite3_stmt *st, const struct enclave_records_filter *f, int paged)
{
	int i = 1;

	if (!f)
		return i;
	if (f->kind)
		sqlite3_bind_text(st, i++, f->kind, -1, SQLITE_STATIC);
	if (f->status)
		sqlite3_bind_text(st, i++, f->status, -1, SQLITE_STATIC);
	if (f->document_id > 0)
		sqlite3_bind_int64(st, i++, f->document_id);
	if (paged && f->after_id > 0)
		sqlite3_bind_int64(st, i++, f->after_id);
	return i;
}

int store_records_prepare(sqlite3_stmt **st, sqlite3 *db, const char *head,
                          const struct enclave_records_filter *f, int paged, const char *tail)
{
	struct buf sql = BUF_INIT(1024);
	int error;

	*st = NULL;
	if ((error = build_sql(&sql, head, f, paged, tail)) == 0)
		error = store_prepare(st, db, buf_cstr(&sql));
	buf_release(&sql);
	return error < 0 ? error : bind_filter(*st, f, paged);
}

int store_records_each(sqlite3 *db, sqlite3_stmt *st, enclave_record_cb cb, void *payload)
{
	int error = 0, rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct enclave_record r;
		store_record_row(&r, st);
		if ((error = cb(&r, payload)) != 0)
			break;
	}
	if (!error && rc != SQLITE_DONE)
		error = store_error(db, "read records");
	sqlite3_finalize(st);
	return error;
}

int enclave_records_list(enclave_project *p, const struct enclave_records_filter *f,
                         enclave_record_cb cb, void *payload)
{
	sqlite3_stmt *st;
	int i;

	if ((i = store_records_prepare(&st, p->db, STORE_RECORD_SELECT, f, 1, " ORDER BY id")) < 0)
		return i;
	if (f && f->limit > 0)
		sqlite3_bind_int64(st, i, f->limit);
	return store_records_each(p->db, st, cb, payload);
}

int store_records_count(sqlite3 *db, const struct enclave_records_filter *f, int64_t *out)
{
	sqlite3_stmt *st;
	int error;

	*out = 0;
	if ((error = store_records_prepare(&st, db, "SELECT count(*) FROM records", f, 0, "")) < 0)
		return error;
	error = 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else
		error = store_error(db, "count records");
	sqlite3_finalize(st);
	return error;
}

int enclave_records_count(enclave_project *p, const struct enclave_records_filter *f, int64_t *out)
{
	return store_records_count(p->db, f, out);
}

/* ------------------------------------------------------------------ */
/* What the augmenters read                                           */
/* ------------------------------------------------------------------ */

int store_ok_documents(enclave_project *p, int64_t **ids, size_t *n)
{
	return store_ids(p->db, "SELECT id FROM documents WHERE status = 'ok' ORDER BY id",
	                 "list documents", ids, n);
}

int store_ner_accepted(sqlite3 *db, int64_t doc, char **result)
{
	sqlite3_stmt *st;
	int error, rc;

	*result = NULL;
	if ((error = store_prepare(&st, db,
	                           "SELECT a.result FROM annotations a JOIN tasks t"
	                           " ON t.id = a.task_id WHERE t.document_id = ? AND t.type = 'ner'"
	                           " AND t.block_seq IS NULL AND a.status = 'accepted'"
	                           " ORDER BY a.updated_at DESC, a.id DESC LIMIT 1")) < 0)
		return error;
	sqlite3_bind_int64(st, 1, doc);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (!(*result = strdup(col(st, 0))))
			error = error_oom();
	} else if (rc != SQLITE_DONE) {
		error = store_error(db, "read annotations");
	}
	sqlite3_finalize(st);
	return error;
}
