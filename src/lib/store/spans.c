/*
 * The PII tables: spans per document and the text layers clean --pii adds
 * (schema version 2; see schema.c for the columns).
 *
 * Offsets here are code points into the document text (its `original`
 * layer), as DESIGN.md stores them; the scanner and the redactor work in
 * bytes, and src/lib/clean/clean.c converts.
 *
 * A rerun replaces a document's machine proposals and nothing else: spans
 * from a user ("user:..." sources) and spans someone reviewed (accepted or
 * rejected) stay, and the unique place (document, start, end, label) keeps
 * a new machine span from doubling one of them (INSERT OR IGNORE).
 */
#include <string.h>

#include "store_int.h"

/* ------------------------------------------------------------------ */
/* Span lists                                                         */
/* ------------------------------------------------------------------ */

void store_spans_release(struct store_spans *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].label);
		free(l->v[i].source);
		free(l->v[i].boxes);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/*
 * Append a copy of `s` (strings duplicated) to `l`. Returns 0, ENCLAVE_ELIMIT
 * past ENCLAVE_MAX_SPANS_STORED, or ENCLAVE_ENOMEM.
 */
int store_spans_push(struct store_spans *l, const struct store_span *s)
{
	struct store_span *d;

	if (l->n >= ENCLAVE_MAX_SPANS_STORED)
		return error_set(ENCLAVE_ELIMIT, "more than %d spans in one document",
		                 ENCLAVE_MAX_SPANS_STORED);
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		if (!(d = realloc(l->v, ncap * sizeof(*d))))
			return error_oom();
		l->v = d;
		l->cap = ncap;
	}
	d = &l->v[l->n];
	*d = *s;
	d->label = strdup(s->label ? s->label : "");
	d->source = strdup(s->source ? s->source : "");
	d->boxes = strdup(s->boxes ? s->boxes : "[]");
	if (!d->label || !d->source || !d->boxes) {
		free(d->label);
		free(d->source);
		free(d->boxes);
		return error_oom();
	}
	l->n++;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Reading                                                            */
/* ------------------------------------------------------------------ */

#define SPAN_SELECT                                                                          \
	"SELECT id, start, \"end\", label, source, score, status, boxes, out_start, out_end" \
	" FROM spans WHERE document_id = ? ORDER BY start, \"end\" DESC, label"

int store_spans_read(struct store_spans *out, sqlite3 *db, int64_t doc_id)
{
	sqlite3_stmt *st;
	int error, rc;

	if ((error = store_prepare(&st, db, SPAN_SELECT)) < 0)
		return error;
	sqlite3_bind_int64(st, 1, doc_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_span s;
		const char *status = (const char *)sqlite3_column_text(st, 6);

		memset(&s, 0, sizeof(s));
		s.id = sqlite3_column_int64(st, 0);
		s.start = (size_t)sqlite3_column_int64(st, 1);
		s.end = (size_t)sqlite3_column_int64(st, 2);
		s.label = (char *)sqlite3_column_text(st, 3);
		s.source = (char *)sqlite3_column_text(st, 4);
		s.score = sqlite3_column_double(st, 5);
		s.status = store_span_status_parse(status ? status : "");
		s.boxes = (char *)sqlite3_column_text(st, 7);
		s.out_start =
		    sqlite3_column_type(st, 8) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 8);
		s.out_end =
		    sqlite3_column_type(st, 9) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 9);
		if ((error = store_spans_push(out, &s)) < 0)
			break;
	}
	if (!error && rc != SQLITE_DONE)
		error = store_error(db, "read spans");
	sqlite3_finalize(st);
	return error;
}

const char *store_span_status_name(enum store_span_status s)
{
	switch (s) {
	case STORE_SPAN_ACCEPTED: return "accepted";
	case STORE_SPAN_REJECTED: return "rejected";
	default: return "proposed";
	}
}

enum store_span_status store_span_status_parse(const char *name)
{
	if (!strcmp(name, "accepted"))
		return STORE_SPAN_ACCEPTED;
	if (!strcmp(name, "rejected"))
		return STORE_SPAN_REJECTED;
	return STORE_SPAN_PROPOSED;
}

int store_text_blob(sqlite3 *db, int64_t doc_id, const char *layer, char hex[65])
{
	sqlite3_stmt *st;
	int error, rc;

	hex[0] = '\0';
	if ((error = store_prepare(
	         &st, db, "SELECT blob FROM texts WHERE document_id = ? AND layer = ?")) < 0)
		return error;
	sqlite3_bind_int64(st, 1, doc_id);
	sqlite3_bind_text(st, 2, layer, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 64)
		memcpy(hex, sqlite3_column_text(st, 0), 65);
	else if (rc == SQLITE_ROW)
		error = error_set(ENCLAVE_ETAMPER, "store: document %lld: a bad %s blob name",
		                  (long long)doc_id, layer);
	else if (rc == SQLITE_DONE)
		error = ENCLAVE_ENOTFOUND;
	else
		error = store_error(db, "read text layer");
	sqlite3_finalize(st);
	return error;
}

int store_text_delete(enclave_project *p, int64_t doc_id, const char *layer)
{
	sqlite3_stmt *st;
	int error;

	if ((error = store_prepare(&st, p->db,
	                           "DELETE FROM texts WHERE document_id = ? AND layer = ?")) < 0)
		return error;
	sqlite3_bind_int64(st, 1, doc_id);
	sqlite3_bind_text(st, 2, layer, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		error = store_error(p->db, "delete text layer");
	sqlite3_finalize(st);
	return error;
}

int store_unredacted(enclave_project *p, int64_t **ids, size_t *n)
{
	return store_ids(p->db,
	                 "SELECT d.id FROM documents d WHERE d.status = 'ok' AND NOT"
	                 " EXISTS (SELECT 1 FROM texts t WHERE t.document_id = d.id"
	                 " AND t.layer = 'redacted') ORDER BY d.id",
	                 "list unredacted documents", ids, n);
}

/* ------------------------------------------------------------------ */
/* Writing                                                            */
/* ------------------------------------------------------------------ */

/* Insert `s` for `doc_id` (OR IGNORE when `ignore`); *inserted: a row was added. */
static int insert_span(enclave_project *p, sqlite3_stmt *st, int64_t doc_id,
                       const struct store_span *s, const char *when, int *inserted)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	sqlite3_bind_int64(st, 1, doc_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)s->start);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)s->end);
	sqlite3_bind_text(st, 4, s->label, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, s->source, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 6, s->score);
	sqlite3_bind_text(st, 7, store_span_status_name(s->status), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, s->boxes ? s->boxes : "[]", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, when, -1, SQLITE_STATIC);
	if (s->out_start >= 0) {
		sqlite3_bind_int64(st, 10, s->out_start);
		sqlite3_bind_int64(st, 11, s->out_end);
	}
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_error(p->db, "insert span");
	*inserted = sqlite3_changes(p->db) == 1;
	return 0;
}

int store_spans_replace(enclave_project *p, int64_t doc_id, const struct store_spans *spans,
                        size_t *inserted)
{
	sqlite3_stmt *del = NULL, *ins = NULL;
	char when[32];
	size_t i;
	int error;

	if (inserted)
		*inserted = 0;
	if ((error = store_prepare(&del, p->db,
	                           "DELETE FROM spans WHERE document_id = ? AND status = 'proposed'"
	                           " AND source NOT LIKE 'user:%'")) < 0 ||
	    (error = store_prepare(&ins, p->db,
	                           "INSERT OR IGNORE INTO spans(document_id, start, \"end\", label,"
	                           " source, score, status, boxes, created_at, out_start, out_end)"
	                           " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) < 0)
		goto done;
	sqlite3_bind_int64(del, 1, doc_id);
	if (sqlite3_step(del) != SQLITE_DONE) {
		error = store_error(p->db, "delete spans");
		goto done;
	}
	/* The output ranges belong to a redacted layer that is being replaced. */
	if ((error = store_spans_clear_output(p, doc_id)) < 0)
		goto done;
	time_now_iso(when);
	for (i = 0; i < spans->n; i++) {
		int added = 0;
		if ((error = insert_span(p, ins, doc_id, &spans->v[i], when, &added)) < 0)
			goto done;
		if (inserted && added)
			(*inserted)++;
	}
done:
	sqlite3_finalize(del);
	sqlite3_finalize(ins);
	return error;
}

int store_span_add(enclave_project *p, int64_t doc_id, const struct store_span *s, int64_t *id)
{
	sqlite3_stmt *st;
	char when[32];
	int error, added = 0;

	if ((error = store_prepare(&st, p->db,
	                           "INSERT INTO spans(document_id, start, \"end\", label, source,"
	                           " score, status, boxes, created_at, out_start, out_end)"
	                           " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) < 0)
		return error;
	time_now_iso(when);
	error = insert_span(p, st, doc_id, s, when, &added);
	if (!error && id)
		*id = sqlite3_last_insert_rowid(p->db);
	sqlite3_finalize(st);
	return error;
}

int store_spans_count(enclave_project *p, int64_t doc_id, size_t *n)
{
	sqlite3_stmt *st;
	int error;

	*n = 0;
	if ((error =
	         store_prepare(&st, p->db, "SELECT count(*) FROM spans WHERE document_id = ?")) < 0)
		return error;
	sqlite3_bind_int64(st, 1, doc_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		*n = (size_t)sqlite3_column_int64(st, 0);
	else
		error = store_error(p->db, "count spans");
	sqlite3_finalize(st);
	return error;
}

int store_span_set_status(enclave_project *p, int64_t span_id, enum store_span_status status)
{
	sqlite3_stmt *st;
	int error;

	if ((error = store_prepare(&st, p->db, "UPDATE spans SET status = ? WHERE id = ?")) < 0)
		return error;
	sqlite3_bind_text(st, 1, store_span_status_name(status), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, span_id);
	if (sqlite3_step(st) != SQLITE_DONE)
		error = store_error(p->db, "update span");
	else if (sqlite3_changes(p->db) != 1)
		error = error_set(ENCLAVE_ENOTFOUND, "no span %lld", (long long)span_id);
	sqlite3_finalize(st);
	return error;
}

int store_spans_clear_output(enclave_project *p, int64_t doc_id)
{
	sqlite3_stmt *st;
	int error;

	if ((error = store_prepare(&st, p->db,
	                           "UPDATE spans SET out_start = NULL, out_end = NULL"
	                           " WHERE document_id = ? AND out_start IS NOT NULL")) < 0)
		return error;
	sqlite3_bind_int64(st, 1, doc_id);
	if (sqlite3_step(st) != SQLITE_DONE)
		error = store_error(p->db, "clear span outputs");
	sqlite3_finalize(st);
	return error;
}

int store_spans_set_output(enclave_project *p, int64_t doc_id, const struct store_spans *spans)
{
	sqlite3_stmt *st;
	size_t i;
	int error;

	if ((error = store_prepare(&st, p->db,
	                           "UPDATE spans SET out_start = ?, out_end = ?"
	                           " WHERE document_id = ? AND start = ? AND \"end\" = ?"
	                           " AND label = ?")) < 0)
		return error;
	for (i = 0; i < spans->n; i++) {
		const struct store_span *s = &spans->v[i];
		if (s->out_start < 0)
			continue;
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, s->out_start);
		sqlite3_bind_int64(st, 2, s->out_end);
		sqlite3_bind_int64(st, 3, doc_id);
		sqlite3_bind_int64(st, 4, (sqlite3_int64)s->start);
		sqlite3_bind_int64(st, 5, (sqlite3_int64)s->end);
		sqlite3_bind_text(st, 6, s->label, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			error = store_error(p->db, "set span output");
			break;
		}
	}
	sqlite3_finalize(st);
	return error;
}
