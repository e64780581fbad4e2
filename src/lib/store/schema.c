/*
 * The store's schema and its forward migrations.
 *
 * PRAGMA user_version holds the schema version. Each migration takes the
 * store from version N-1 to N; opening a project runs the missing ones in a
 * single transaction, so a store is always at one known version. Never edit a
 * released migration: add the next one.
 *
 * Tables (version 1):
 *   meta         key/value: project_id, created_at, public_key
 *   sources      one row per distinct file content (sha256 unique)
 *   documents    one per ingested item: its source, status ok/failed, error,
 *                format, title, counts, text hash, metadata JSON; a failed read
 *                has no source (source_id NULL) and keeps the path
 *   pages        per document: number, size in points, method, confidence
 *   blocks       per document, in reading order (seq): kind, level, page, box,
 *                text, offset and length in code points of the document text
 *   texts        per document and layer ("original"): the text's blob hash
 *   audit        the hash chain (see audit.c)
 *   checkpoints  signed heads of the chain
 *
 * Version 2 (the PII stage, `clean --pii`):
 *   spans        per document: start and end in code points of the document
 *                text (end exclusive), label ("EMAIL_ADDRESS"), source
 *                ("rule:EMAIL", "model:ner", "user:alice"), score 0..1, status
 *                proposed/accepted/rejected, boxes (JSON array of
 *                {"page":N,"bbox":[x0,y0,x1,y1]}: where the span lies on the
 *                pages, in points, top-left origin), and out_start/out_end:
 *                the span's replacement in the document's current `redacted`
 *                layer, in code points (NULL when the span is not redacted
 *                there: rejected, or no redacted layer yet). One span per
 *                (document, start, end, label): a user's or a reviewed span
 *                holds its place against the machine's on a rerun.
 *   texts        gains the layers "redacted" (and later "clean") beside
 *                "original"; no change to the table itself.
 *
 * Version 3 (the label stage, `enclave serve`, src/lib/label/):
 *   users        web users: unique name, role annotator/reviewer/admin, the
 *                Argon2id hash (libsodium's crypto_pwhash_str string, which
 *                holds its salt and costs), disabled flag, creation time
 *   tasks        one per (document, type, block): type ner/class/box/qa,
 *                block_seq NULL for the whole document, k (how many distinct
 *                annotators), `assigned` (assignments made so far), status
 *                open (fewer than k assignments), assigned (k of them), done
 *                (k submissions)
 *   assignments  (task, user): assigned, or submitted once the user submitted;
 *                the primary key keeps a user from getting a task twice
 *   annotations  one per (task, user): status draft/submitted/accepted/
 *                rejected, version (1 on creation, +1 on every change; a
 *                write naming an older version is refused), result JSON
 *   reviews      a reviewer's decision accept/reject/correct on an
 *                annotation, with the corrected result and a comment
 *   meta         gains "label.schema" and "label.settings" (JSON objects)
 * Web sessions are not stored: they live in the server's memory.
 *
 * Version 4 (the augment stage, src/lib/augment/, store/records.c):
 *   records      generated items: kind ("entity-swap", "synthetic-pii",
 *                "eda", "qa", ...), key (unique: the hash of kind, source,
 *                parameters and index, so a rerun never doubles an item),
 *                the source document (NULL for synthetic items) and chunk
 *                (block seq or chunk index, NULL for the whole document),
 *                the SHA-256 of the source text, the text and its SHA-256,
 *                payload JSON (spans in code points, Q&A fields), lineage
 *                JSON (generator, version, seed, parameters, template hash,
 *                endpoint, model, digest), status proposed/accepted/rejected
 *                (docs/formats.md)
 *
 * Version 5 (the project split, `enclave split`, src/lib/export/split.c):
 *   splits       document -> split ("train", "validation", "test"): every
 *                document of a root's group holds the root's split; stratum
 *                is the root's stratum (its first accepted class label, or
 *                "" unstratified; NULL for a descendant), so that a later
 *                run continues each stratum's pattern where it stopped;
 *                assigned_at the time of the run that assigned it
 *   meta         gains "split.spec": {"parts":[80,10,10],"seed":N,
 *                "stratify":null|"class"}, the spec of the assignment
 */
#include "store_int.h"

static const char *const migrations[] = {
	/* 1: the foundation */
	"CREATE TABLE meta ("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL);"
	"CREATE TABLE sources ("
	"  id INTEGER PRIMARY KEY,"
	"  sha256 TEXT NOT NULL UNIQUE,"
	"  size INTEGER NOT NULL,"
	"  media_type TEXT,"
	"  first_path TEXT NOT NULL,"
	"  imported_at TEXT NOT NULL,"
	"  imported_by TEXT NOT NULL,"
	"  custody TEXT NOT NULL DEFAULT '{}');"
	"CREATE TABLE documents ("
	"  id INTEGER PRIMARY KEY,"
	"  source_id INTEGER REFERENCES sources(id),"
	"  parent_id INTEGER REFERENCES documents(id),"
	"  path TEXT NOT NULL,"
	"  format TEXT,"
	"  title TEXT,"
	"  language TEXT,"
	"  status TEXT NOT NULL CHECK (status IN ('ok', 'failed', 'quarantined')),"
	"  error TEXT,"
	"  page_count INTEGER NOT NULL DEFAULT 0,"
	"  block_count INTEGER NOT NULL DEFAULT 0,"
	"  text_sha256 TEXT,"
	"  metadata TEXT NOT NULL DEFAULT '{}',"
	"  created_at TEXT NOT NULL);"
	"CREATE INDEX documents_source ON documents(source_id);"
	"CREATE INDEX documents_path ON documents(path);"
	"CREATE TABLE pages ("
	"  document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,"
	"  number INTEGER NOT NULL,"
	"  width REAL NOT NULL,"
	"  height REAL NOT NULL,"
	"  image_blob TEXT,"
	"  method TEXT NOT NULL,"
	"  confidence REAL NOT NULL,"
	"  PRIMARY KEY (document_id, number)) WITHOUT ROWID;"
	"CREATE TABLE blocks ("
	"  document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,"
	"  seq INTEGER NOT NULL,"
	"  page INTEGER,"
	"  kind TEXT NOT NULL,"
	"  level INTEGER NOT NULL DEFAULT 0,"
	"  x0 REAL, y0 REAL, x1 REAL, y1 REAL,"
	"  text TEXT NOT NULL,"
	"  offset INTEGER NOT NULL,"
	"  length INTEGER NOT NULL,"
	"  method TEXT NOT NULL,"
	"  confidence REAL NOT NULL,"
	"  attrs TEXT,"
	"  PRIMARY KEY (document_id, seq)) WITHOUT ROWID;"
	"CREATE TABLE texts ("
	"  document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,"
	"  layer TEXT NOT NULL,"
	"  blob TEXT NOT NULL,"
	"  PRIMARY KEY (document_id, layer)) WITHOUT ROWID;"
	"CREATE TABLE audit ("
	"  seq INTEGER PRIMARY KEY,"
	"  time TEXT NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  subject TEXT NOT NULL,"
	"  params TEXT NOT NULL,"
	"  inputs TEXT NOT NULL,"
	"  outputs TEXT NOT NULL,"
	"  prev_hash TEXT NOT NULL,"
	"  hash TEXT NOT NULL);"
	"CREATE TABLE checkpoints ("
	"  seq INTEGER PRIMARY KEY,"
	"  hash TEXT NOT NULL,"
	"  time TEXT NOT NULL,"
	"  signature TEXT NOT NULL);",
	/* 2: PII spans */
	"CREATE TABLE spans ("
	"  id INTEGER PRIMARY KEY,"
	"  document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,"
	"  start INTEGER NOT NULL,"
	"  \"end\" INTEGER NOT NULL,"
	"  label TEXT NOT NULL,"
	"  source TEXT NOT NULL,"
	"  score REAL NOT NULL,"
	"  status TEXT NOT NULL DEFAULT 'proposed'"
	"    CHECK (status IN ('proposed', 'accepted', 'rejected')),"
	"  boxes TEXT NOT NULL DEFAULT '[]',"
	"  out_start INTEGER,"
	"  out_end INTEGER,"
	"  created_at TEXT NOT NULL,"
	"  CHECK (start >= 0 AND \"end\" > start));"
	"CREATE UNIQUE INDEX spans_place ON spans(document_id, start, \"end\", label);",
	/* 3: the label stage */
	"CREATE TABLE users ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  role TEXT NOT NULL CHECK (role IN ('annotator', 'reviewer', 'admin')),"
	"  hash TEXT NOT NULL,"
	"  disabled INTEGER NOT NULL DEFAULT 0,"
	"  created_at TEXT NOT NULL);"
	"CREATE TABLE tasks ("
	"  id INTEGER PRIMARY KEY,"
	"  document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,"
	"  block_seq INTEGER,"
	"  type TEXT NOT NULL CHECK (type IN ('ner', 'class', 'box', 'qa')),"
	"  k INTEGER NOT NULL CHECK (k >= 1),"
	"  assigned INTEGER NOT NULL DEFAULT 0,"
	"  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'assigned', 'done')),"
	"  created_at TEXT NOT NULL);"
	"CREATE UNIQUE INDEX tasks_place ON tasks(document_id, type, ifnull(block_seq, -1));"
	"CREATE INDEX tasks_queue ON tasks(status, type, assigned DESC, id);"
	"CREATE TABLE assignments ("
	"  task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,"
	"  user_id INTEGER NOT NULL REFERENCES users(id),"
	"  status TEXT NOT NULL DEFAULT 'assigned' CHECK (status IN ('assigned', 'submitted')),"
	"  assigned_at TEXT NOT NULL,"
	"  PRIMARY KEY (task_id, user_id)) WITHOUT ROWID;"
	"CREATE INDEX assignments_user ON assignments(user_id, status, task_id);"
	"CREATE TABLE annotations ("
	"  id INTEGER PRIMARY KEY,"
	"  task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,"
	"  user_id INTEGER NOT NULL REFERENCES users(id),"
	"  status TEXT NOT NULL"
	"    CHECK (status IN ('draft', 'submitted', 'accepted', 'rejected')),"
	"  version INTEGER NOT NULL,"
	"  result TEXT NOT NULL,"
	"  updated_at TEXT NOT NULL,"
	"  UNIQUE (task_id, user_id));"
	"CREATE INDEX annotations_status ON annotations(status, id);"
	"CREATE TABLE reviews ("
	"  id INTEGER PRIMARY KEY,"
	"  annotation_id INTEGER NOT NULL REFERENCES annotations(id) ON DELETE CASCADE,"
	"  reviewer_id INTEGER NOT NULL REFERENCES users(id),"
	"  decision TEXT NOT NULL CHECK (decision IN ('accept', 'reject', 'correct')),"
	"  result TEXT,"
	"  comment TEXT,"
	"  created_at TEXT NOT NULL);"
	"CREATE INDEX reviews_annotation ON reviews(annotation_id);",
	/* 4: generated records (augment) */
	"CREATE TABLE records ("
	"  id INTEGER PRIMARY KEY,"
	"  kind TEXT NOT NULL,"
	"  key TEXT NOT NULL UNIQUE,"
	"  document_id INTEGER REFERENCES documents(id) ON DELETE SET NULL,"
	"  chunk INTEGER,"
	"  source_sha256 TEXT,"
	"  text TEXT NOT NULL,"
	"  text_sha256 TEXT NOT NULL,"
	"  payload TEXT NOT NULL DEFAULT '{}',"
	"  lineage TEXT NOT NULL DEFAULT '{}',"
	"  status TEXT NOT NULL DEFAULT 'proposed'"
	"    CHECK (status IN ('proposed', 'accepted', 'rejected')),"
	"  created_at TEXT NOT NULL);"
	"CREATE INDEX records_kind ON records(kind, status, id);"
	"CREATE INDEX records_document ON records(document_id);",
	/* 5: the project split */
	"CREATE TABLE splits ("
	"  document_id INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,"
	"  split TEXT NOT NULL CHECK (split IN ('train', 'validation', 'test')),"
	"  stratum TEXT,"
	"  assigned_at TEXT NOT NULL);"
	"CREATE INDEX splits_split ON splits(split, document_id);",
};

#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

int enclave_project_schema_version(void)
{
	return SCHEMA_VERSION;
}

int schema_version(sqlite3 *db, int *out)
{
	sqlite3_stmt *st;
	int error;

	if ((error = store_prepare(&st, db, "PRAGMA user_version")) < 0)
		return error;
	if (sqlite3_step(st) == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0);
	else
		error = store_error(db, "read schema version");
	sqlite3_finalize(st);
	return error;
}

int schema_migrate(sqlite3 *db)
{
	struct buf sql = BUF_INIT(64);
	int version = 0, error, v = 0;

	if ((error = schema_version(db, &version)) < 0)
		return error;
	if (version > SCHEMA_VERSION)
		return error_set(ENCLAVE_EUNSUPPORTED,
		                 "store: schema version %d is newer than this enclave (%d)",
		                 version, SCHEMA_VERSION);
	if (version == SCHEMA_VERSION)
		return 0;
	if ((error = store_exec(db, "BEGIN IMMEDIATE")) < 0)
		return error;
	/* Re-read inside the write lock: another process may have migrated. */
	if ((error = schema_version(db, &version)) < 0)
		goto fail;
	for (v = version; v < SCHEMA_VERSION; v++)
		if ((error = store_exec(db, migrations[v])) < 0)
			goto fail;
	buf_printf(&sql, "PRAGMA user_version = %d", SCHEMA_VERSION);
	if ((error = store_exec(db, buf_cstr(&sql))) < 0)
		goto fail;
	buf_release(&sql);
	return store_exec(db, "COMMIT");
fail:
	buf_release(&sql);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return error_prefix("store: migration to version %d failed", v + 1);
}
