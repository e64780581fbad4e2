/*
 * Store internals: the project handle, the SQLite connection and its
 * transactions, the schema, the blob store and the audit chain. This folder
 * is the only place that speaks SQL.
 *
 * Transactions: every change goes through store_begin() ... store_commit().
 * Audit events appended inside (audit_append) are committed with the change
 * or not at all, and store_commit() adds a signed checkpoint of the chain's
 * head before it commits, so that every committed state ends signed.
 */
#ifndef ENCLAVE_STORE_INT_H
#define ENCLAVE_STORE_INT_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>

#include "../common_int.h"
#include "../crypto/crypto_int.h"

#define PROJECT_DB "enclave.db"
#define PROJECT_BLOBS "blobs"
#define PROJECT_KEY_DIR "key"
#define PROJECT_SECRET_KEY "key/ed25519.secret"
#define PROJECT_PUBLIC_KEY "key/ed25519.pub"
#define PROJECT_HEAD "key/audit.head"
#define PROJECT_PII_SECRET "key/pii.secret"
#define PROJECT_CONFIG "enclave.yaml"

struct enclave_project {
	char *path;           /* absolute project directory */
	char *actor;          /* recorded in every audit event */
	const char *actor_as; /* when set, recorded instead (a web user); borrowed */
	char project_id[37];  /* random UUID made at init */
	sqlite3 *db;
	int in_tx;         /* inside store_begin/commit */
	int64_t tx_events; /* audit events appended in this transaction */
	unsigned char pk[ED25519_PK_BYTES];
	unsigned char sk[ED25519_SK_BYTES];
	int have_sk;        /* the secret key could be read */
	int blobs_unsynced; /* blobs written since the last blob_sync (see blob.c) */
};

/* ---- store.c: connection and transactions ---- */

/* Open (creating when `create`) the database at `path` with our pragmas. */
int store_open_db(sqlite3 **out, const char *path, int create);

/* Map an SQLite failure on `db` to ENCLAVE_ESTORE with `what` and SQLite's message. */
int store_error(sqlite3 *db, const char *what);

/* Run SQL with no result rows. */
int store_exec(sqlite3 *db, const char *sql);

/* Prepare `sql`; on failure set the error. */
int store_prepare(sqlite3_stmt **out, sqlite3 *db, const char *sql);

/*
 * The ids of the rows `sql` (no parameters, one integer column) returns,
 * in a malloc'd array (*ids, *n; NULL and 0 when none). `what` names the
 * query in an error. Returns 0 or ENCLAVE_E*.
 */
int store_ids(sqlite3 *db, const char *sql, const char *what, int64_t **ids, size_t *n);

/* BEGIN IMMEDIATE; nested calls are an error. */
int store_begin(enclave_project *p);

/* Checkpoint the audit head if events were appended, then COMMIT. On failure rolls back. */
int store_commit(enclave_project *p);

/* ROLLBACK (when in a transaction); keeps the current error message. */
void store_rollback(enclave_project *p);

/* Read meta[key] into a malloc'd string (*out NULL when absent). */
int store_meta_get(char **out, sqlite3 *db, const char *key);
int store_meta_set(sqlite3 *db, const char *key, const char *value);

/* Path of a file inside the project: "<project>/<rel>", malloc'd; NULL on OOM. */
char *project_file(const enclave_project *p, const char *rel);

/* ---- schema.c ---- */

/* Bring the schema of `db` to the current version, in one transaction. */
int schema_migrate(sqlite3 *db);
int schema_version(sqlite3 *db, int *out);

/* ---- blob.c: content-addressed files under blobs/ab/cdef... ---- */

/*
 * Store bytes; `hex` receives their SHA-256. An existing blob is not
 * rewritten unless its content no longer matches its name. Not durable until
 * blob_sync(), which store_commit() calls (see blob.c).
 */
int blob_put(enclave_project *p, char hex[65], const void *data, size_t len);

/* Store bytes whose SHA-256 is already known. */
int blob_put_known(enclave_project *p, const char *hex, const void *data, size_t len);

/* Make every blob written so far durable (syncfs); a no-op when none is pending. */
int blob_sync(enclave_project *p);

/* The blob's path, malloc'd (NULL on OOM). */
char *blob_path(const enclave_project *p, const char *hex);

/* Read a blob into `out`, checking its hash (ENCLAVE_ETAMPER when it differs). */
int blob_get(struct buf *out, const enclave_project *p, const char *hex);

/* ---- audit.c ---- */

/*
 * Append an event inside the open transaction. `params`, `inputs` and
 * `outputs` are JSON objects (NULL for {}), borrowed. *seq (may be NULL)
 * receives the event's sequence number.
 */
int audit_append(enclave_project *p, const char *action, const char *subject, json_t *params,
                 json_t *inputs, json_t *outputs, int64_t *seq);

/* Insert a signed checkpoint of the current head (inside the transaction). */
int audit_checkpoint(enclave_project *p);

/* Write key/audit.head with the signed head (after a commit). */
int audit_write_head(enclave_project *p);

/* The head: last sequence and hash ("" and 0 when the chain is empty). */
int audit_head(enclave_project *p, int64_t *seq, char hash[65]);

/* What the checkpoint line of a verified chain file signs. */
struct audit_file_head {
	int64_t seq;
	char hash[65];
	char project[128];
	char public_key[129];
};

/*
 * enclave_audit_verify_file over an open stream (`path` names it in
 * messages); `head` (may be NULL) receives the checkpoint's fields when the
 * verification ran and found one. Returns as enclave_audit_verify_file.
 */
int audit_verify_stream(FILE *f, const char *path, const char *pubkey_hex,
                        struct enclave_audit_report *r, struct audit_file_head *head);

/* ---- stats.c ---- */

/*
 * The dataset statistics of an export's datasheet, a new object of arrays of
 * rows: sources (media_type, sources, bytes), documents (status, documents,
 * pages, blocks), languages, pii (label, status, spans, documents),
 * redaction (redacted 0/1, documents), labels (type, label, items,
 * annotations; accepted annotations) and annotations (type, status,
 * annotations), over the documents an export covers (ok, and failed when
 * `include_failed`). Returns 0 or ENCLAVE_E*.
 */
/* `lang` (may be NULL): only the documents of that language, as export --lang selects them. */
int store_dataset_stats(json_t **out, enclave_project *p, int include_failed, const char *lang);

/* ---- documents.c: the document tables ---- */

/*
 * Find the source with content `sha256`: *source_id and *document_id (its
 * first document, 0 if none) and that document's status into `status`.
 * Returns 0, or ENCLAVE_ENOTFOUND (no error message set).
 */
int store_source_find(enclave_project *p, const char *sha256, int64_t *source_id,
                      int64_t *document_id, char status[16]);

/* Find a failed document with no source (the file could not be read) at `path`. */
int store_unread_find(enclave_project *p, const char *path, int64_t *document_id);

/* Insert a source row. */
int store_source_insert(enclave_project *p, int64_t *out, const char *sha256, int64_t size,
                        const char *media_type, const char *path);

/*
 * Insert a document row with its pages and blocks. `source_id` 0 means none;
 * `doc` NULL (a failed document) means no pages and blocks; `error` is set
 * for failed documents; `text_sha256` may be NULL.
 */
int store_document_insert(enclave_project *p, int64_t *out, int64_t source_id, const char *path,
                          const char *format, const struct enclave_doc *doc, const char *error,
                          const char *text_sha256);

/*
 * Turn failed document `id` into an ok one holding `doc` (a retry that now
 * succeeds, e.g. with the right password): its row is updated and its pages
 * and blocks inserted. Its earlier failure stays in the audit trail.
 */
int store_document_complete(enclave_project *p, int64_t id, const struct enclave_doc *doc,
                            const char *text_sha256);

/* Make document `id` a child (attachment, archive member) of `parent_id`. */
int store_document_set_parent(enclave_project *p, int64_t id, int64_t parent_id);

/* The ok documents whose language is NULL or "", by id (clean --lang). */
int store_documents_without_language(sqlite3 *db, int64_t **ids, size_t *n);

/* Document `id`'s metadata "language" string into *out (malloc'd; NULL when none). */
int store_document_meta_language(char **out, sqlite3 *db, int64_t id);

/* Set document `id`'s language to `code` and its metadata "language_source" to `source`. */
int store_document_set_language(enclave_project *p, int64_t id, const char *code,
                                const char *source);

/* enclave_store_load on connection `db` (a worker's own read-only one). */
int store_document_load(struct enclave_doc **out, sqlite3 *db, int64_t id);

/* Record that layer `layer` of document `id` is blob `blob`. */
int store_text_insert(enclave_project *p, int64_t id, const char *layer, const char *blob);

/* ---- spans.c: PII spans and the text layers clean --pii adds ---- */

enum store_span_status { STORE_SPAN_PROPOSED, STORE_SPAN_ACCEPTED, STORE_SPAN_REJECTED };

/* One span as stored; offsets in code points of the document text. */
struct store_span {
	int64_t id; /* 0 before it is stored */
	size_t start, end;
	char *label;  /* "EMAIL_ADDRESS" */
	char *source; /* "rule:EMAIL", "model:ner", "user:alice" */
	double score;
	enum store_span_status status;
	char *boxes;                /* JSON array text; NULL means "[]" */
	int64_t out_start, out_end; /* range in the redacted layer (code points), -1: none */
};

/* A list of spans owning their strings; zero-initialise, free with store_spans_release. */
struct store_spans {
	struct store_span *v;
	size_t n, cap;
};

int store_spans_push(struct store_spans *l, const struct store_span *s);
void store_spans_release(struct store_spans *l);

const char *store_span_status_name(enum store_span_status s);
enum store_span_status store_span_status_parse(const char *name); /* unknown: proposed */

/* Append the spans of `doc_id` to `out` in order of start (longer first), from `db`. */
int store_spans_read(struct store_spans *out, sqlite3 *db, int64_t doc_id);

/*
 * Inside a transaction: delete the machine proposals of `doc_id` (status
 * proposed, source not "user:"), clear every span's output range, and insert
 * `spans` (with their output ranges, when out_start >= 0) except where a
 * span with the same place (start, end, label) is still there. *inserted
 * (may be NULL) counts the rows added.
 */
int store_spans_replace(enclave_project *p, int64_t doc_id, const struct store_spans *spans,
                        size_t *inserted);

/* The number of spans of `doc_id`. */
int store_spans_count(enclave_project *p, int64_t doc_id, size_t *n);

/* Insert one span (a user's, or a test's); fails on a taken place. */
int store_span_add(enclave_project *p, int64_t doc_id, const struct store_span *s, int64_t *id);

/* Review: set span `span_id`'s status. ENCLAVE_ENOTFOUND when there is none. */
int store_span_set_status(enclave_project *p, int64_t span_id, enum store_span_status status);

/* Record the output ranges of `spans` (those with out_start >= 0), matched by place. */
int store_spans_set_output(enclave_project *p, int64_t doc_id, const struct store_spans *spans);

/* Forget every output range of `doc_id`'s spans. */
int store_spans_clear_output(enclave_project *p, int64_t doc_id);

/* The blob of layer `layer` of `doc_id` into `hex`; ENCLAVE_ENOTFOUND (no message) if none. */
int store_text_blob(sqlite3 *db, int64_t doc_id, const char *layer, char hex[65]);

/* Remove layer `layer` of `doc_id` (nothing when absent). */
int store_text_delete(enclave_project *p, int64_t doc_id, const char *layer);

/* The ok documents with no redacted layer, in id order: *ids malloc'd (NULL when none). */
int store_unredacted(enclave_project *p, int64_t **ids, size_t *n);

/* ---- label.c: the label stage's tables (schema 3) ---- */

/* An annotation row; `result` malloc'd (store_annotation_release). */
struct store_annotation {
	int64_t id, task, user, version;
	char status[16];
	char *result; /* JSON text */
	char updated[32];
};
void store_annotation_release(struct store_annotation *a);

/* A task's type, document, block (-1: none) and k. ENCLAVE_ENOTFOUND (message set). */
int store_task_get(sqlite3 *db, int64_t task, char type[8], int64_t *document, int64_t *block,
                   int *k);

int store_user_insert(enclave_project *p, const char *name, const char *role, const char *hash,
                      int64_t *id);
int store_user_set_hash(enclave_project *p, const char *name, const char *hash, int64_t *id);
int store_user_disable(enclave_project *p, const char *name, int64_t *id);
/* Find user `name`: *hash malloc'd. ENCLAVE_ENOTFOUND without a message. */
int store_user_find(sqlite3 *db, const char *name, struct enclave_label_user *out, char **hash);
int store_user_get(sqlite3 *db, int64_t id, struct enclave_label_user *out);
int store_user_foreach(sqlite3 *db, enclave_label_user_cb cb, void *payload);

int store_tasks_create(enclave_project *p, const char *type, int k, size_t *created);
/* The oldest task assigned to `user` and not submitted; *task 0 when none. */
int store_task_current(sqlite3 *db, int64_t user, const char *type, int64_t *task);
/* An open task `user` never had, started ones first; *task 0 when none. */
int store_task_pick(sqlite3 *db, int64_t user, const char *type, int64_t *task);
int store_task_assign(enclave_project *p, int64_t task, int64_t user);
/* The task as JSON, with `user`'s assignment and draft (user 0: all assignments). */
int store_task_json(json_t **out, sqlite3 *db, int64_t task, int64_t user);
int store_tasks_list_json(json_t **out, sqlite3 *db, const char *status, int64_t user,
                          int64_t offset, int64_t limit);

/* The assignment's status ("assigned"/"submitted"); ENCLAVE_ENOTFOUND without a message. */
int store_assignment_get(sqlite3 *db, int64_t task, int64_t user, char status[16]);
/* Mark it submitted; the task is done once k assignments are. */
int store_assignment_submit(enclave_project *p, int64_t task, int64_t user);

/* By id, or by (task, user) when id is 0. ENCLAVE_ENOTFOUND without a message. */
int store_annotation_get(sqlite3 *db, int64_t id, int64_t task, int64_t user,
                         struct store_annotation *out);
int store_annotation_insert(enclave_project *p, int64_t task, int64_t user, const char *status,
                            const char *result, int64_t *id);
/* Set status and (when not NULL) result; version + 1, updated now. */
int store_annotation_update(enclave_project *p, int64_t id, const char *status, const char *result);
int store_annotation_json(json_t **out, sqlite3 *db, int64_t id);
/* The oldest submitted annotation not by `user`; *id 0 when none. */
int store_review_next(sqlite3 *db, int64_t user, int64_t *id);
int store_review_insert(enclave_project *p, int64_t annotation, int64_t reviewer,
                        const char *decision, const char *result, const char *comment);
int store_progress_json(json_t **out, sqlite3 *db);

/*
 * Call `cb` with (task, user, result JSON text) for every annotation past
 * draft (submitted, accepted, rejected) of tasks of `type`, by task and
 * user. A non-zero return stops and is returned.
 */
int store_label_results(sqlite3 *db, const char *type,
                        int (*cb)(int64_t task, int64_t user, const char *result, void *payload),
                        void *payload);

/* The task of (document, type) for the whole document, made (for k annotators) if missing. */
int store_task_ensure(enclave_project *p, int64_t document, const char *type, int k, int64_t *task,
                      int *created);

/* Document `id`'s text (its blocks joined by blank lines) appended to `out`. */
int store_document_text(struct buf *out, sqlite3 *db, int64_t id);

/* The size of page `n` of document `id` in points; ENCLAVE_ENOTFOUND (no message) when none. */
int store_page_size(sqlite3 *db, int64_t id, int n, double *w, double *h);

/*
 * Call `cb` for every task (by id) with its type and document, and for each
 * of its annotations past draft: its id, user and result (annotation 0 and
 * NULL result for a task without any).
 */
int store_label_export_rows(sqlite3 *db,
                            int (*cb)(int64_t task, const char *type, int64_t document,
                                      int64_t annotation, int64_t user, const char *result,
                                      void *payload),
                            void *payload);

/* Length in code points of document `id`'s text (its blocks joined by blank lines). */
int store_document_text_length(sqlite3 *db, int64_t id, int64_t *len);
int store_label_documents_json(json_t **out, sqlite3 *db, int64_t offset, int64_t limit,
                               const char *q);
int store_label_document_json(json_t **out, sqlite3 *db, int64_t id);
int store_label_blocks_json(json_t **out, sqlite3 *db, int64_t id, int64_t offset, int64_t limit);
/*
 * Page `n` of document `id`: its size, its stored image blob (*image "" when
 * none) and its source's sha256 and media type ("" when none).
 */
int store_page_source(sqlite3 *db, int64_t id, int n, char image[65], char sha256[65],
                      char media_type[64]);

/* ---- export_q.c: the export's reads ---- */

/*
 * Document `id`'s language ("" when unknown), parent (0: none) and whether
 * it has children. ENCLAVE_ENOTFOUND when there is no such document.
 */
int store_doc_lineage(sqlite3 *db, int64_t id, char lang[16], int64_t *parent, int *children);

/*
 * Call `cb` for each annotation of document `doc`'s tasks whose status fits
 * `mode` (0: accepted; 1: submitted or accepted; 2: any but draft), by type
 * and block (-1: the whole document), the best first: accepted, then
 * submitted, then the newest. A non-zero return stops and is returned.
 */
int store_doc_annotations(sqlite3 *db, int64_t doc, int mode,
                          int (*cb)(const char *type, int64_t block, int64_t annotation,
                                    const char *status, const char *result, void *payload),
                          void *payload);

/*
 * Call `cb` for each label of the annotations of `type` ("ner": entity
 * labels, "box": box labels) fitting `mode`, sorted.
 */
int store_result_labels(sqlite3 *db, const char *type, int mode,
                        int (*cb)(const char *label, void *payload), void *payload);

/*
 * The streaming export's reads of one document, the rows the tree path
 * loads (store_document_load), through statements prepared once per export.
 * What they hand out is borrowed until the next call on `q`.
 */
struct store_export_q;
int store_export_q_new(struct store_export_q **out, sqlite3 *db);
void store_export_q_free(struct store_export_q *q);

/* Document `id`'s format, title and metadata (each may be NULL); ENCLAVE_ENOTFOUND (no message). */
int store_export_head(struct store_export_q *q, int64_t id, const char **format, const char **title,
                      const char **metadata);

/* Each page of `id` in order; a non-zero return of `cb` stops and is returned. */
int store_export_pages(struct store_export_q *q, int64_t id,
                       int (*cb)(void *payload, double width, double height, const char *method,
                                 double confidence),
                       void *payload);

/* A block row as stored (text of text_len bytes, not cleaned up; may be NULL). */
struct store_block_row {
	const char *kind, *method, *text, *attrs;
	size_t text_len;
	int level, page, has_bbox;
	double bbox[4], confidence;
};

/* Each block of `id` by seq; a non-zero return of `cb` stops and is returned. */
int store_export_blocks(struct store_export_q *q, int64_t id,
                        int (*cb)(void *payload, const struct store_block_row *r), void *payload);
/* ---- records.c: generated records (schema 4) and what the augmenters read ---- */

/* The columns store_record_row reads, from records (a WHERE, ORDER BY may follow). */
#define STORE_RECORD_SELECT                                                                   \
	"SELECT id, kind, key, ifnull(document_id, 0), ifnull(chunk, -1),"                    \
	" ifnull(source_sha256, ''), text, text_sha256, payload, lineage, status, created_at" \
	" FROM records"

/* The row of STORE_RECORD_SELECT that `st` is on, as a record borrowing its strings. */
void store_record_row(struct enclave_record *r, sqlite3_stmt *st);

/*
 * Prepare head, the WHERE clause of `f` (NULL: all; ids past after_id and a
 * LIMIT when `paged`), then tail on `db`, and bind `f` (not the LIMIT).
 * Returns the index of the next parameter to bind (1 or more), or an
 * ENCLAVE_E* with *st NULL.
 */
int store_records_prepare(sqlite3_stmt **st, sqlite3 *db, const char *head,
                          const struct enclave_records_filter *f, int paged, const char *tail);
/*
 * Call `cb` with each row of `st` (a STORE_RECORD_SELECT) and finalize it; a
 * non-zero return of `cb` stops and is returned.
 */
int store_records_each(sqlite3 *db, sqlite3_stmt *st, enclave_record_cb cb, void *payload);
/* The number of records matching `f` (NULL: all; after_id and limit ignored) into *out. */
int store_records_count(sqlite3 *db, const struct enclave_records_filter *f, int64_t *out);

/* The ok documents in id order: *ids malloc'd (NULL when none). */
int store_ok_documents(enclave_project *p, int64_t **ids, size_t *n);

/*
 * The result JSON text (malloc'd) of the latest accepted annotation of
 * document `doc`'s whole-document NER task; *result NULL when there is none.
 */
int store_ner_accepted(sqlite3 *db, int64_t doc, char **result);

/* ---- records_review.c: generated records as the label app reviews them ---- */

/* A page of records: NULL / 0 fields mean any; limit 0: no limit. */
struct store_records_query {
	const char *kind, *status;
	int64_t document;
	int64_t offset, limit;
};

/* Call `cb` for each record of the page `q` in id order; a non-zero return stops. */
int store_records_page(sqlite3 *db, const struct store_records_query *q, enclave_record_cb cb,
                       void *payload);
/* The number of records matching `q` (offset and limit ignored). */
int store_records_total(sqlite3 *db, const struct store_records_query *q, int64_t *n);
/* Call `cb` per (kind, status) with its count, of document `document` (0: all). */
int store_records_counts(sqlite3 *db, int64_t document,
                         int (*cb)(const char *kind, const char *status, int64_t n, void *payload),
                         void *payload);
/* Call `cb` with record `id`; ENCLAVE_ENOTFOUND (message set) when there is none. */
int store_record_get(sqlite3 *db, int64_t id, enclave_record_cb cb, void *payload);
/* Inside a transaction: replace record `id`'s text (and its hash), payload and lineage. */
int store_record_update(enclave_project *p, int64_t id, const char *text, const char *text_sha256,
                        const char *payload, const char *lineage);
/* Inside a transaction: set record `id`'s status (not audited here). */
int store_record_status(enclave_project *p, int64_t id, const char *status);

/* ---- project.c ---- */

/* Load the key pair of a project (the secret is optional: read-only use). */
int project_load_keys(enclave_project *p);

/* ---- splits.c: the project split's table (schema 5; src/lib/export/split.c) ---- */

/*
 * Insert document `doc`'s split (stratum NULL for a descendant) inside the
 * open transaction; *cache holds the prepared statement between calls (the
 * caller finalizes it).
 */
int store_split_put(sqlite3_stmt **cache, enclave_project *p, int64_t doc, const char *split,
                    const char *stratum, const char *now);
/* Delete every assignment (inside the open transaction). */
int store_split_clear(enclave_project *p);
/* Call `cb` for each assigned document in id order; a non-zero return stops and is returned. */
int store_split_each(sqlite3 *db,
                     int (*cb)(int64_t doc, const char *split, const char *stratum, void *payload),
                     void *payload);
/* Document `doc`'s split into out; ENCLAVE_ENOTFOUND (no message) when it has none. */
int store_split_get(sqlite3 *db, int64_t doc, char out[16]);
/* The documents without a split. */
int store_split_unassigned(sqlite3 *db, int64_t *n);

#endif
