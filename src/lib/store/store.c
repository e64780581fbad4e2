/*
 * The SQLite connection and transactions of a project.
 *
 * Pragmas: WAL journal (readers never block the writer), synchronous=FULL
 * (a committed transaction, and so its audit event, survives power loss),
 * foreign keys on, a busy timeout so that parallel readers and a writer wait
 * for each other instead of failing.
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

int store_error(sqlite3 *db, const char *what)
{
	return error_set(ENCLAVE_ESTORE, "store: %s: %s", what,
	                 db ? sqlite3_errmsg(db) : "cannot open");
}

int store_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		error_set(ENCLAVE_ESTORE, "store: %s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return ENCLAVE_ESTORE;
	}
	return 0;
}

int store_prepare(sqlite3_stmt **out, sqlite3 *db, const char *sql)
{
	if (sqlite3_prepare_v2(db, sql, -1, out, NULL) != SQLITE_OK) {
		*out = NULL;
		return store_error(db, "prepare");
	}
	return 0;
}

int store_ids(sqlite3 *db, const char *sql, const char *what, int64_t **ids, size_t *n)
{
	sqlite3_stmt *st;
	int64_t *v = NULL;
	size_t cap = 0;
	int error, rc;

	*ids = NULL;
	*n = 0;
	if ((error = store_prepare(&st, db, sql)) < 0)
		return error;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			int64_t *nv = realloc(v, ncap * sizeof(*nv));
			if (!nv) {
				error = error_oom();
				break;
			}
			v = nv;
			cap = ncap;
		}
		v[(*n)++] = sqlite3_column_int64(st, 0);
	}
	if (!error && rc != SQLITE_DONE)
		error = store_error(db, what);
	sqlite3_finalize(st);
	if (error) {
		free(v);
		*n = 0;
		return error;
	}
	*ids = v;
	return 0;
}

int store_open_db(sqlite3 **out, const char *path, int create)
{
	sqlite3 *db = NULL;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
	int error;

	*out = NULL;
	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		error = store_error(db, "open");
		sqlite3_close(db);
		return error;
	}
	sqlite3_busy_timeout(db, 30000);
	if ((error = store_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	                            "PRAGMA foreign_keys=ON; PRAGMA trusted_schema=OFF;")) < 0) {
		sqlite3_close(db);
		return error;
	}
	*out = db;
	return 0;
}

int store_begin(enclave_project *p)
{
	int error;

	if (p->in_tx)
		return error_set(ENCLAVE_ERROR, "store: nested transaction");
	if ((error = store_exec(p->db, "BEGIN IMMEDIATE")) < 0)
		return error;
	p->in_tx = 1;
	p->tx_events = 0;
	return 0;
}

int store_commit(enclave_project *p)
{
	int error;

	if (!p->in_tx)
		return error_set(ENCLAVE_ERROR, "store: commit outside a transaction");
	if (p->tx_events && (error = audit_checkpoint(p)) < 0)
		goto fail;
	/* The blobs this transaction names are on disk before it commits. */
	if ((error = blob_sync(p)) < 0)
		goto fail;
	if ((error = store_exec(p->db, "COMMIT")) < 0)
		goto fail;
	p->in_tx = 0;
	p->tx_events = 0;
	return 0;
fail:
	store_rollback(p);
	return error;
}

void store_rollback(enclave_project *p)
{
	if (p->in_tx) {
		/* Keep the message of the error that caused the rollback. */
		sqlite3_exec(p->db, "ROLLBACK", NULL, NULL, NULL);
		p->in_tx = 0;
		p->tx_events = 0;
	}
}

int store_meta_get(char **out, sqlite3 *db, const char *key)
{
	sqlite3_stmt *st;
	int error, rc;

	*out = NULL;
	if ((error = store_prepare(&st, db, "SELECT value FROM meta WHERE key = ?")) < 0)
		return error;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		if (v && !(*out = strdup(v)))
			error = error_oom();
	} else if (rc != SQLITE_DONE) {
		error = store_error(db, "read meta");
	}
	sqlite3_finalize(st);
	return error;
}

int store_meta_set(sqlite3 *db, const char *key, const char *value)
{
	sqlite3_stmt *st;
	int error;

	if ((error = store_prepare(&st, db,
	                           "INSERT INTO meta(key, value) VALUES(?, ?) "
	                           "ON CONFLICT(key) DO UPDATE SET value = excluded.value")) < 0)
		return error;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		error = store_error(db, "write meta");
	sqlite3_finalize(st);
	return error;
}

char *project_file(const enclave_project *p, const char *rel)
{
	struct buf b = BUF_INIT(65536);

	if (buf_printf(&b, "%s/%s", p->path, rel) < 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}
