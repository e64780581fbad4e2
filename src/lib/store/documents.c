/*
 * The document tables: sources, documents, pages, blocks, texts. Writing
 * (for ingest, inside its transaction) and reading back (ls, show, export).
 */
#include <string.h>

#include "store_int.h"
#include "../ingest/ingest_int.h"

/* ------------------------------------------------------------------ */
/* Writing                                                            */
/* ------------------------------------------------------------------ */

int store_source_find(enclave_project *p, const char *sha256, int64_t *source_id,
                      int64_t *document_id, char status[16])
{
	sqlite3_stmt *st;
	int error, rc;

	*source_id = *document_id = 0;
	status[0] = '\0';
	if ((error = store_prepare(
	         &st, p->db,
	         "SELECT s.id, d.id, d.status FROM sources s"
	         " LEFT JOIN documents d ON d.source_id = s.id AND d.parent_id IS NULL"
	         " WHERE s.sha256 = ? ORDER BY d.id LIMIT 1")) < 0)
		return error;
	sqlite3_bind_text(st, 1, sha256, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*source_id = sqlite3_column_int64(st, 0);
		*document_id = sqlite3_column_int64(st, 1);
		if (sqlite3_column_text(st, 2))
			snprintf(status, 16, "%s", sqlite3_column_text(st, 2));
	} else if (rc == SQLITE_DONE) {
		error = ENCLAVE_ENOTFOUND;
	} else {
		error = store_error(p->db, "find source");
	}
	sqlite3_finalize(st);
	return error;
}

int store_unread_find(enclave_project *p, const char *path, int64_t *document_id)
{
	sqlite3_stmt *st;
	int error, rc;

	*document_id = 0;
	if ((error = store_prepare(&st, p->db,
	                           "SELECT id FROM documents WHERE path = ? AND source_id IS NULL"
	                           " AND status = 'failed' ORDER BY id LIMIT 1")) < 0)
		return error;
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*document_id = sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		error = ENCLAVE_ENOTFOUND;
	else
		error = store_error(p->db, "find document");
	sqlite3_finalize(st);
	return error;
}

int store_source_insert(enclave_project *p, int64_t *out, const char *sha256, int64_t size,
                        const char *media_type, const char *path)
{
	sqlite3_stmt *st;
	char when[32];
	int error;

	if ((error = store_prepare(&st, p->db,
	                           "INSERT INTO sources(sha256, size, media_type, first_path,"
	                           " imported_at, imported_by) VALUES(?, ?, ?, ?, ?, ?)")) < 0)
		return error;
	time_now_iso(when);
	sqlite3_bind_text(st, 1, sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, size);
	sqlite3_bind_text(st, 3, media_type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, when, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, p->actor, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		error = store_error(p->db, "insert source");
	else
		*out = sqlite3_last_insert_rowid(p->db);
	sqlite3_finalize(st);
	return error;
}

/* Insert the pages and blocks of `doc` for document `id`. */
static int insert_content(enclave_project *p, int64_t id, const struct enclave_doc *doc)
{
	sqlite3_stmt *ps = NULL, *bs = NULL;
	size_t i;
	int error;

	if ((error = store_prepare(&ps, p->db,
	                           "INSERT INTO pages(document_id, number, width, height, method,"
	                           " confidence) VALUES(?, ?, ?, ?, ?, ?)")) < 0 ||
	    (error = store_prepare(&bs, p->db,
	                           "INSERT INTO blocks(document_id, seq, page, kind, level, x0, y0,"
	                           " x1, y1, text, offset, length, method, confidence, attrs)"
	                           " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) < 0)
		goto done;
	for (i = 0; i < doc->npages; i++) {
		const struct enclave_page *pg = &doc->pages[i];
		sqlite3_reset(ps);
		sqlite3_bind_int64(ps, 1, id);
		sqlite3_bind_int(ps, 2, pg->number);
		sqlite3_bind_double(ps, 3, pg->width);
		sqlite3_bind_double(ps, 4, pg->height);
		sqlite3_bind_text(ps, 5, pg->method, -1, SQLITE_STATIC);
		sqlite3_bind_double(ps, 6, pg->confidence);
		if (sqlite3_step(ps) != SQLITE_DONE) {
			error = store_error(p->db, "insert page");
			goto done;
		}
	}
	for (i = 0; i < doc->nblocks; i++) {
		const struct enclave_block *b = &doc->blocks[i];
		sqlite3_reset(bs);
		sqlite3_clear_bindings(bs);
		sqlite3_bind_int64(bs, 1, id);
		sqlite3_bind_int64(bs, 2, (sqlite3_int64)i);
		if (b->page)
			sqlite3_bind_int(bs, 3, b->page);
		sqlite3_bind_text(bs, 4, enclave_block_kind_name(b->kind), -1, SQLITE_STATIC);
		sqlite3_bind_int(bs, 5, b->level);
		if (b->has_bbox) {
			sqlite3_bind_double(bs, 6, b->bbox.x0);
			sqlite3_bind_double(bs, 7, b->bbox.y0);
			sqlite3_bind_double(bs, 8, b->bbox.x1);
			sqlite3_bind_double(bs, 9, b->bbox.y1);
		}
		sqlite3_bind_text(bs, 10, b->text, -1, SQLITE_STATIC);
		sqlite3_bind_int64(bs, 11, (sqlite3_int64)b->offset);
		sqlite3_bind_int64(bs, 12, (sqlite3_int64)b->length);
		sqlite3_bind_text(bs, 13, b->method, -1, SQLITE_STATIC);
		sqlite3_bind_double(bs, 14, b->confidence);
		if (b->attrs)
			sqlite3_bind_text(bs, 15, b->attrs, -1, SQLITE_STATIC);
		if (sqlite3_step(bs) != SQLITE_DONE) {
			error = store_error(p->db, "insert block");
			goto done;
		}
	}
done:
	sqlite3_finalize(ps);
	sqlite3_finalize(bs);
	return error;
}

int store_document_insert(enclave_project *p, int64_t *out, int64_t source_id, const char *path,
                          const char *format, const struct enclave_doc *doc, const char *error_text,
                          const char *text_sha256)
{
	sqlite3_stmt *st;
	char when[32], *meta = NULL;
	int error;

	if (doc && !(meta = json_dumps(doc->metadata, JSON_COMPACT | JSON_SORT_KEYS)))
		return error_oom();
	if ((error = store_prepare(
	         &st, p->db,
	         "INSERT INTO documents(source_id, path, format, title, status,"
	         " error, page_count, block_count, text_sha256, metadata,"
	         " created_at, language) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) < 0) {
		free(meta);
		return error;
	}
	time_now_iso(when);
	if (source_id)
		sqlite3_bind_int64(st, 1, source_id);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	if (format)
		sqlite3_bind_text(st, 3, format, -1, SQLITE_STATIC);
	if (doc && doc->title)
		sqlite3_bind_text(st, 4, doc->title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, error_text ? "failed" : "ok", -1, SQLITE_STATIC);
	if (error_text)
		sqlite3_bind_text(st, 6, error_text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, doc ? (sqlite3_int64)doc->npages : 0);
	sqlite3_bind_int64(st, 8, doc ? (sqlite3_int64)doc->nblocks : 0);
	if (text_sha256)
		sqlite3_bind_text(st, 9, text_sha256, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, meta ? meta : "{}", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, when, -1, SQLITE_STATIC);
	if (doc && doc->language[0])
		sqlite3_bind_text(st, 12, doc->language, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		error = store_error(p->db, "insert document");
	sqlite3_finalize(st);
	free(meta);
	if (error)
		return error;
	*out = sqlite3_last_insert_rowid(p->db);
	if (doc)
		error = insert_content(p, *out, doc);
	return error;
}

int store_document_complete(enclave_project *p, int64_t id, const struct enclave_doc *doc,
                            const char *text_sha256)
{
	sqlite3_stmt *st;
	char *meta;
	int error;

	if (!(meta = json_dumps(doc->metadata, JSON_COMPACT | JSON_SORT_KEYS)))
		return error_oom();
	if ((error = store_prepare(&st, p->db,
	                           "UPDATE documents SET format = ?, title = ?, status = 'ok',"
	                           " error = NULL, page_count = ?, block_count = ?,"
	                           " text_sha256 = ?, metadata = ?, language = ? WHERE id = ? AND "
	                           "status = 'failed'")) < 0) {
		free(meta);
		return error;
	}
	sqlite3_bind_text(st, 1, doc->format, -1, SQLITE_STATIC);
	if (doc->title)
		sqlite3_bind_text(st, 2, doc->title, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)doc->npages);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)doc->nblocks);
	sqlite3_bind_text(st, 5, text_sha256, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, meta, -1, SQLITE_STATIC);
	if (doc->language[0])
		sqlite3_bind_text(st, 7, doc->language, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, id);
	if (sqlite3_step(st) != SQLITE_DONE)
		error = store_error(p->db, "update document");
	else if (sqlite3_changes(p->db) != 1)
		error = error_set(ENCLAVE_ESTORE, "store: document %lld is not a failed document",
		                  (long long)id);
	sqlite3_finalize(st);
	free(meta);
	if (error)
		return error;
	return insert_content(p, id, doc);
}

int store_documents_without_language(sqlite3 *db, int64_t **ids, size_t *n)
{
	return store_ids(db,
	                 "SELECT id FROM documents WHERE status = 'ok'"
	                 " AND (language IS NULL OR language = '') ORDER BY id",
	                 "documents without a language", ids, n);
}

int store_document_meta_language(char **out, sqlite3 *db, int64_t id)
{
	sqlite3_stmt *st;
	int error = 0, rc;

	*out = NULL;
	if ((error = store_prepare(&st, db,
	                           "SELECT json_extract(metadata, '$.language') FROM documents"
	                           " WHERE id = ? AND json_valid(metadata)")) < 0)
		return error;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_TEXT) {
		if (!(*out = strdup((const char *)sqlite3_column_text(st, 0))))
			error = error_oom();
	} else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		error = store_error(db, "read document metadata");
	}
	sqlite3_finalize(st);
	return error;
}

int store_document_set_language(enclave_project *p, int64_t id, const char *code,
                                const char *source)
{
	sqlite3_stmt *st;
	int error = 0;

	if ((error = store_prepare(&st, p->db,
	                           "UPDATE documents SET language = ?, metadata ="
	                           " json_set(CASE WHEN json_valid(metadata) THEN metadata"
	                           " ELSE '{}' END, '$.language_source', ?) WHERE id = ?")) < 0)
		return error;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, id);
	if (sqlite3_step(st) != SQLITE_DONE)
		error = store_error(p->db, "set document language");
	sqlite3_finalize(st);
	return error;
}

int store_document_set_parent(enclave_project *p, int64_t id, int64_t parent_id)
{
	sqlite3_stmt *st;
	int error;

	if ((error = store_prepare(&st, p->db, "UPDATE documents SET parent_id = ? WHERE id = ?")) <
	    0)
		return error;
	sqlite3_bind_int64(st, 1, parent_id);
	sqlite3_bind_int64(st, 2, id);
	if (sqlite3_step(st) != SQLITE_DONE)
		error = store_error(p->db, "set document parent");
	sqlite3_finalize(st);
	return error;
}

int store_text_insert(enclave_project *p, int64_t id, const char *layer, const char *blob)
{
	sqlite3_stmt *st;
	int error;

	if ((error = store_prepare(&st, p->db,
	                           "INSERT OR REPLACE INTO texts(document_id, layer, blob)"
	                           " VALUES(?, ?, ?)")) < 0)
		return error;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, layer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, blob, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		error = store_error(p->db, "insert text");
	sqlite3_finalize(st);
	return error;
}

/* ------------------------------------------------------------------ */
/* Reading                                                            */
/* ------------------------------------------------------------------ */

#define INFO_SELECT                                                                            \
	"SELECT d.id, d.parent_id, d.path, s.sha256, s.size, s.media_type, d.format, d.title," \
	" d.status, d.error, d.page_count, d.block_count, d.text_sha256, d.created_at,"        \
	" d.metadata, nullif(d.language, ''), CASE WHEN json_valid(d.metadata) THEN"           \
	" json_extract(d.metadata, '$.language_source') END"                                   \
	" FROM documents d LEFT JOIN sources s ON s.id = d.source_id"

static void info_from_row(struct enclave_doc_info *in, sqlite3_stmt *st)
{
#define TXT(i) ((const char *)sqlite3_column_text(st, (i)))
	in->id = sqlite3_column_int64(st, 0);
	in->parent_id = sqlite3_column_int64(st, 1);
	in->path = TXT(2);
	in->sha256 = TXT(3);
	in->size = sqlite3_column_type(st, 4) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 4);
	in->media_type = TXT(5);
	in->format = TXT(6);
	in->title = TXT(7);
	in->status = TXT(8);
	in->error = TXT(9);
	in->pages = sqlite3_column_int(st, 10);
	in->blocks = sqlite3_column_int(st, 11);
	in->text_sha256 = TXT(12);
	in->created_at = TXT(13);
	in->metadata = TXT(14) ? TXT(14) : "{}";
	in->language = TXT(15);
	in->language_source =
	    in->language && sqlite3_column_type(st, 16) == SQLITE_TEXT ? TXT(16) : NULL;
#undef TXT
}

/* Run an info query (`id` < 0: all) and call `cb` for each row. */
static int info_query(enclave_project *p, int64_t id, enclave_doc_info_cb cb, void *payload)
{
	sqlite3_stmt *st;
	int error, rc, found = 0;

	if ((error = store_prepare(&st, p->db,
	                           id < 0 ? INFO_SELECT " ORDER BY d.id"
	                                  : INFO_SELECT " WHERE d.id = ?")) < 0)
		return error;
	if (id >= 0)
		sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct enclave_doc_info in;
		found = 1;
		info_from_row(&in, st);
		if ((error = cb(&in, payload)) != 0)
			break;
	}
	if (!error && rc != SQLITE_DONE)
		error = store_error(p->db, "list documents");
	sqlite3_finalize(st);
	if (!error && id >= 0 && !found)
		error = error_set(ENCLAVE_ENOTFOUND, "no document %lld", (long long)id);
	return error;
}

int enclave_store_list(enclave_project *p, enclave_doc_info_cb cb, void *payload)
{
	return info_query(p, -1, cb, payload);
}

int enclave_store_info(enclave_project *p, int64_t id, enclave_doc_info_cb cb, void *payload)
{
	return info_query(p, id < 0 ? 0 : id, cb, payload);
}

/* Read the document row's format, title and metadata into a new document. */
static int load_head(struct enclave_doc **out, sqlite3 *db, int64_t id)
{
	sqlite3_stmt *st;
	struct enclave_doc *doc = NULL;
	int error, rc;

	*out = NULL;
	if ((error = store_prepare(
	         &st, db, "SELECT format, title, metadata, language FROM documents WHERE id = ?")) <
	    0)
		return error;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *fmt = (const char *)sqlite3_column_text(st, 0);
		const char *title = (const char *)sqlite3_column_text(st, 1);
		const char *meta = (const char *)sqlite3_column_text(st, 2);
		const char *lang = (const char *)sqlite3_column_text(st, 3);
		if (!(error = doc_new(&doc, fmt ? fmt : "unknown")) &&
		    !(error = doc_set_title(doc, title)) && meta) {
			json_t *m = json_loads(meta, 0, NULL);
			if (json_is_object(m)) {
				json_decref(doc->metadata);
				doc->metadata = m;
			} else {
				json_decref(m);
			}
		}
		if (doc && lang)
			snprintf(doc->language, sizeof(doc->language), "%s", lang);
	} else if (rc == SQLITE_DONE) {
		error = error_set(ENCLAVE_ENOTFOUND, "no document %lld", (long long)id);
	} else {
		error = store_error(db, "load document");
	}
	sqlite3_finalize(st);
	if (error)
		enclave_doc_free(doc);
	else
		*out = doc;
	return error;
}

int enclave_store_load(enclave_doc **out, enclave_project *p, int64_t id)
{
	return store_document_load(out, p->db, id);
}

int store_document_load(struct enclave_doc **out, sqlite3 *db, int64_t id)
{
	struct enclave_doc *doc = NULL;
	sqlite3_stmt *st = NULL;
	int error, rc;

	*out = NULL;
	if ((error = load_head(&doc, db, id)) < 0)
		return error;
	if ((error = store_prepare(&st, db,
	                           "SELECT width, height, method, confidence FROM pages"
	                           " WHERE document_id = ? ORDER BY number")) < 0)
		goto done;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((error = doc_add_page(doc, sqlite3_column_double(st, 0),
		                          sqlite3_column_double(st, 1),
		                          (const char *)sqlite3_column_text(st, 2),
		                          sqlite3_column_double(st, 3))) < 0)
			goto done;
	}
	error = 0;
	if (rc != SQLITE_DONE) {
		error = store_error(db, "load pages");
		goto done;
	}
	sqlite3_finalize(st);
	if ((error = store_prepare(&st, db,
	                           "SELECT kind, level, page, x0, y0, x1, y1, text, method,"
	                           " confidence, attrs FROM blocks WHERE document_id = ?"
	                           " ORDER BY seq")) < 0)
		goto done;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int kind = enclave_block_kind_parse((const char *)sqlite3_column_text(st, 0));
		struct enclave_block t = doc_block_template(
		    kind < 0 ? ENCLAVE_BLOCK_PARAGRAPH : (enclave_block_kind)kind,
		    sqlite3_column_int(st, 1), (const char *)sqlite3_column_text(st, 8));
		const char *text = (const char *)sqlite3_column_text(st, 7);
		t.page = sqlite3_column_int(st, 2);
		if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
			t.has_bbox = 1;
			t.bbox.x0 = sqlite3_column_double(st, 3);
			t.bbox.y0 = sqlite3_column_double(st, 4);
			t.bbox.x1 = sqlite3_column_double(st, 5);
			t.bbox.y1 = sqlite3_column_double(st, 6);
		}
		t.confidence = sqlite3_column_double(st, 9);
		t.attrs = (const char *)sqlite3_column_text(st, 10);
		if ((error = doc_add_block(doc, &t, text ? text : "",
		                           (size_t)sqlite3_column_bytes(st, 7))) < 0)
			goto done;
	}
	if (rc != SQLITE_DONE)
		error = store_error(db, "load blocks");
done:
	sqlite3_finalize(st);
	if (error)
		enclave_doc_free(doc);
	else
		*out = doc;
	return error;
}
