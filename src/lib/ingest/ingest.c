/*
 * Ingest into a project: walk the paths, extract files on a pool of worker
 * threads, and record each file, in order, with its children and its audit
 * events, committing files in groups.
 *
 * Pipeline: the main thread walks the paths into a sorted list of files.
 * Workers take files in order, read and hash them, skip contents the
 * project already holds (each worker has its own read-only connection and
 * its own OCR engine), and extract the rest into documents. The main thread
 * records results strictly in list order; at most WINDOW_PER_JOB * jobs
 * files are in flight, so memory is bounded by the window, not the corpus.
 * Files that are ready one after the other share a transaction (a group,
 * see the loop in enclave_ingest), so a batch of small files is not bound
 * by one fsync'd commit each. A kill at any moment loses at most the files
 * not yet committed, which were not reported either: each commit holds
 * whole files (source, document, pages, blocks, text blob reference,
 * children, audit events) and a signed checkpoint, and blobs are written
 * before the commit that refers to them and made durable with it (one syncfs
 * per commit, in store_commit; see blob.c).
 */
#include <dirent.h>
#include <errno.h>
#include <libxml/parser.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ingest_int.h"
#include "../clean/langid_int.h"
#include "../store/store_int.h"
#include "../../util/fs.h"
#include "../../util/utf8.h"

#define WINDOW_PER_JOB 4
/* A group commit holds at most this many files, and stays open at most this long. */
#define GROUP_MAX_FILES 64
#define GROUP_MAX_SECONDS 0.25

/* ------------------------------------------------------------------ */
/* Walking                                                            */
/* ------------------------------------------------------------------ */

struct path_list {
	char **v;
	size_t n, cap;
};

static int list_push(struct path_list *l, const char *path)
{
	char *copy;

	if (l->n >= ENCLAVE_MAX_WALK_FILES)
		return error_set(ENCLAVE_ELIMIT, "more than %d files to ingest",
		                 ENCLAVE_MAX_WALK_FILES);
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 64;
		char **v = realloc(l->v, ncap * sizeof(*v));
		if (!v)
			return error_oom();
		l->v = v;
		l->cap = ncap;
	}
	if (!(copy = strdup(path)))
		return error_oom();
	l->v[l->n++] = copy;
	return 0;
}

static void list_release(struct path_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Add the files under directory `dir` to `out`, recursively, in name order.
 * Hidden entries (".name") and the project's own directory are skipped;
 * symbolic links to directories are not followed (no loops).
 */
static int walk_dir(struct path_list *out, const char *dir, const char *skip, int depth)
{
	struct path_list names = { 0 };
	struct buf path = BUF_INIT(65536);
	struct dirent *e;
	DIR *d;
	size_t i;
	int error = 0;

	if (depth > ENCLAVE_MAX_WALK_DEPTH)
		return list_push(out, dir); /* recorded as a failure by the worker */
	if (!(d = opendir(dir)))
		return list_push(out, dir);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if ((error = list_push(&names, e->d_name)) < 0)
			break;
	}
	closedir(d);
	if (!error && names.n)
		qsort(names.v, names.n, sizeof(*names.v), cmp_names);
	for (i = 0; !error && i < names.n; i++) {
		struct stat st;
		buf_clear(&path);
		if (buf_printf(&path, "%s/%s", dir, names.v[i]) < 0) {
			error = error_set(ENCLAVE_ELIMIT, "path too long under '%s'", dir);
			break;
		}
		if (skip && !strcmp(buf_cstr(&path), skip))
			continue;
		if (lstat(buf_cstr(&path), &st) == 0 && S_ISDIR(st.st_mode))
			error = walk_dir(out, buf_cstr(&path), skip, depth + 1);
		else if (lstat(buf_cstr(&path), &st) == 0 && S_ISLNK(st.st_mode) &&
		         fs_is_dir(buf_cstr(&path)))
			continue;
		else
			error = list_push(out, buf_cstr(&path));
	}
	list_release(&names);
	buf_release(&path);
	return error;
}

/* Push `path` made absolute (against the working directory) without resolving it. */
static int push_absolute(struct path_list *out, const char *path)
{
	struct buf b = BUF_INIT(65536);
	char *cwd;
	int error;

	if (path[0] == '/' || !(cwd = getcwd(NULL, 0)))
		return list_push(out, path);
	error = buf_printf(&b, "%s/%s", cwd, path) < 0 ? list_push(out, path)
	                                               : list_push(out, buf_cstr(&b));
	free(cwd);
	buf_release(&b);
	return error;
}

/* Expand the user's paths into files: absolute paths, folders walked. */
static int expand_paths(struct path_list *out, const char *const *paths, size_t n,
                        const char *project_dir)
{
	size_t i;
	int error = 0;

	for (i = 0; !error && i < n; i++) {
		char *abs = realpath(paths[i], NULL);
		if (!abs) {
			/* Fails with the reason later; recorded under an absolute path. */
			error = push_absolute(out, paths[i]);
			continue;
		}
		if (!strcmp(abs, project_dir)) {
			free(abs);
			continue;
		}
		if (fs_is_dir(abs))
			error = walk_dir(out, abs, project_dir, 0);
		else
			error = list_push(out, abs);
		free(abs);
	}
	return error;
}

/* ------------------------------------------------------------------ */
/* Work items                                                         */
/* ------------------------------------------------------------------ */

/* Children committed with one file: all levels. */
struct child_counts {
	size_t ok, failed;
};

struct item {
	const char *path; /* borrowed from the path list */
	int done;         /* the worker has finished with it */
	int readable;     /* bytes and sha256 are set */
	int known;        /* the project already holds these bytes */
	char sha256[65];
	int64_t size;
	struct buf data; /* the file's bytes until committed */
	const char *media_type;
	struct enclave_doc *doc; /* NULL when extraction failed */
	char *error;             /* why it failed */
	/* Set when recorded, reported when its group commits: */
	enclave_ingest_status status;
	int64_t doc_id;
	struct child_counts counts;
};

struct pool {
	enclave_project *project;
	const struct enclave_extract_options *extract;
	struct item *items;
	size_t n;
	size_t next;      /* next item to hand out */
	size_t committed; /* items the main thread has finished */
	size_t window;
	const char
	    *langid_dir; /* the language fingerprints' folder, checked before the workers start */
	int stop;
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

/* Set item->error from the current error message. */
static void item_fail(struct item *it)
{
	const char *m = enclave_error_last();
	it->error = strdup(*m ? m : "unknown error");
}

/* Does the project already hold content `sha256` as an ok document? (read-only `db`) */
static int known_content(sqlite3 *db, const char *sha256)
{
	sqlite3_stmt *st;
	int found = 0;

	if (!db || sqlite3_prepare_v2(db,
	                              "SELECT 1 FROM sources s JOIN documents d"
	                              " ON d.source_id = s.id AND d.status = 'ok'"
	                              " AND d.parent_id IS NULL"
	                              " WHERE s.sha256 = ?",
	                              -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, sha256, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

/*
 * Read, hash and extract one file with the worker's OCR engine `ocr`, and
 * set the languages of what it extracted with the worker's identifier *lid
 * (loaded from `langid_dir` on first use). Never fails: failures land in the
 * item; a document whose language could not be set keeps none (clean --lang
 * fills it later).
 */
static void process(struct item *it, sqlite3 *db, const struct enclave_extract_options *opts,
                    struct ocr_engine *ocr, struct langid **lid, const char *langid_dir)
{
	struct extract_ctx ctx;
	struct stat st;

	it->data.max = ENCLAVE_MAX_FILE_BYTES;
	if (stat(it->path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		error_set(ENCLAVE_EUNSUPPORTED, "cannot read '%s': not a regular file", it->path);
		item_fail(it);
		return;
	}
	if (fs_read_file(&it->data, it->path) < 0) {
		if (errno == EFBIG) {
			/* Too big to hold: still identify it, then fail it. */
			if (sha256_file_hex(it->sha256, &it->size, it->path) == 0)
				it->readable = 1;
			error_set(ENCLAVE_ELIMIT, "cannot read '%s': larger than %zu bytes",
			          it->path, ENCLAVE_MAX_FILE_BYTES);
		} else if (errno == EISDIR) {
			error_set(ENCLAVE_ELIMIT, "cannot read '%s': folder nested deeper than %d",
			          it->path, ENCLAVE_MAX_WALK_DEPTH);
		} else {
			error_set(ENCLAVE_EIO, "cannot read '%s': %s", it->path, strerror(errno));
		}
		buf_release(&it->data);
		item_fail(it);
		return;
	}
	it->size = (int64_t)it->data.len;
	if (sha256_hex(it->sha256, it->data.ptr ? it->data.ptr : "", it->data.len) < 0) {
		item_fail(it);
		return;
	}
	it->readable = 1;
	if (known_content(db, it->sha256)) {
		it->known = 1;
		buf_release(&it->data);
		return;
	}
	/* The media type is recorded even when parsing fails. */
	extract_ctx_init(&ctx, opts, ocr);
	if (extract_with(&it->doc, &it->media_type, buf_cstr(&it->data), it->data.len, it->path,
	                 &ctx) < 0) {
		item_fail(it);
		return;
	}
	if (!*lid && langid_new(lid, langid_dir) < 0)
		*lid = NULL;
	if (*lid)
		langid_doc(*lid, it->doc);
}

static void *worker(void *arg)
{
	struct pool *pl = arg;
	sqlite3 *db = NULL;
	struct ocr_engine *ocr = NULL;
	struct langid *lid = NULL;
	char *path = project_file(pl->project, PROJECT_DB);

	/* Without an engine (no memory) each file opens its own handles. */
	if (ocr_engine_new(&ocr) < 0)
		ocr = NULL;
	if (path && sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
	                SQLITE_OK) {
		sqlite3_close(db);
		db = NULL;
	}
	if (db)
		sqlite3_busy_timeout(db, 30000);
	free(path);
	for (;;) {
		size_t i;
		pthread_mutex_lock(&pl->lock);
		while (!pl->stop && pl->next < pl->n && pl->next >= pl->committed + pl->window)
			pthread_cond_wait(&pl->cond, &pl->lock);
		if (pl->stop || pl->next >= pl->n) {
			pthread_mutex_unlock(&pl->lock);
			break;
		}
		i = pl->next++;
		pthread_mutex_unlock(&pl->lock);

		process(&pl->items[i], db, pl->extract, ocr, &lid, pl->langid_dir);

		pthread_mutex_lock(&pl->lock);
		pl->items[i].done = 1;
		pthread_cond_broadcast(&pl->cond);
		pthread_mutex_unlock(&pl->lock);
	}
	ocr_engine_free(ocr);
	langid_free(lid);
	sqlite3_close(db);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Committing                                                         */
/* ------------------------------------------------------------------ */

/*
 * A JSON string of `s`, which may not be UTF-8 (file names are bytes):
 * invalid sequences become U+FFFD. NULL on allocation failure.
 */
static json_t *json_text(const char *s)
{
	struct buf b = BUF_INIT(65536);
	const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);
	json_t *j;

	if (utf8_valid(s, strlen(s)))
		return json_string(s);
	while (p < end) {
		uint32_t cp;
		char enc[4];
		p += utf8_decode(p, end, &cp);
		if (buf_put(&b, enc, utf8_encode(cp, enc)) < 0)
			break;
	}
	j = json_string(buf_cstr(&b));
	buf_release(&b);
	return j;
}

static json_t *inputs_of(const struct item *it)
{
	if (it->readable)
		return json_pack("{s:o,s:s,s:I}", "path", json_text(it->path), "sha256", it->sha256,
		                 "size", (json_int_t)it->size);
	return json_pack("{s:o}", "path", json_text(it->path));
}

/*
 * Chain of custody for models: every metadata value of `doc` under a key
 * ending in "_model_path" (e.g. the OCR model) names a model file. Hash each
 * once per run into `models` (path -> SHA-256) and return a new object of
 * the ones this document used (empty when none), or NULL on failure.
 */
static json_t *note_models(json_t *models, const struct enclave_doc *doc)
{
	json_t *used = json_object(), *v;
	const char *key;
	size_t klen;

	if (!used)
		return NULL;
	json_object_foreach(doc->metadata, key, v)
	{
		const char *path = json_string_value(v), *known;
		char sha[65];

		klen = strlen(key);
		if (!path || klen < 11 || strcmp(key + klen - 11, "_model_path"))
			continue;
		if (!(known = json_string_value(json_object_get(models, path)))) {
			if (sha256_file_hex(sha, NULL, path) < 0)
				snprintf(sha, sizeof(sha), "unreadable");
			if (json_object_set_new(models, path, json_string(sha)) < 0)
				goto fail;
			known = json_string_value(json_object_get(models, path));
		}
		if (json_object_set_new(used, path, json_string(known)) < 0)
			goto fail;
	}
	return used;
fail:
	json_decref(used);
	return NULL;
}

/*
 * Record the children of `doc` (document `parent_id`, at `path`) inside the
 * open transaction, recursively: for each, its bytes as a source (blob
 * first), a document whose parent is `parent_id`, at "<path>!/<name>", its
 * text, and its own audit event. Returns 0 or ENCLAVE_E* (the store failed).
 */
static int commit_children(enclave_project *p, const struct enclave_doc *doc, int64_t parent_id,
                           const char *path, json_t *models, struct child_counts *counts)
{
	size_t i;
	int error = 0;

	for (i = 0; i < doc->nchildren && !error; i++) {
		const struct enclave_doc_child *c = &doc->children[i];
		struct buf cpath = BUF_INIT(65536), text = BUF_INIT(ENCLAVE_MAX_TEXT_BYTES);
		json_t *params = NULL, *inputs = NULL, *outputs = NULL, *used = NULL;
		int64_t source_id = 0, doc_id = 0, first = 0;
		char sha[65], text_sha[65], st[16], subject[48];
		const char *why = c->error ? c->error : "not read";
		const struct enclave_doc *cd = c->doc;
		int unread;

		if (buf_printf(&cpath, "%s!/%s", path, c->name) < 0) {
			buf_clear(&cpath);
			buf_printf(&cpath, "%.1000s!/...", path);
		}
		/*
		 * A child that failed inside its container (an encrypted or
		 * oversized member) has no bytes: no source, no hash.
		 */
		unread = !cd && c->error && !c->size;
		if (!unread && ((error = sha256_hex(sha, c->data, c->size)) < 0 ||
		                (error = blob_put_known(p, sha, c->data, c->size)) < 0))
			goto next;
		if (cd && (doc_text(&text, cd) < 0 ||
		           blob_put(p, text_sha, buf_cstr(&text), text.len) < 0)) {
			why = enclave_error_last();
			cd = NULL;
		}
		error = unread ? 0 : store_source_find(p, sha, &source_id, &first, st);
		if (error == ENCLAVE_ENOTFOUND)
			error = store_source_insert(p, &source_id, sha, (int64_t)c->size,
			                            c->media_type, buf_cstr(&cpath));
		if (error < 0)
			goto next;
		if ((error = store_document_insert(p, &doc_id, source_id, buf_cstr(&cpath),
		                                   cd ? cd->format : NULL, cd, cd ? NULL : why,
		                                   cd ? text_sha : NULL)) < 0 ||
		    (error = store_document_set_parent(p, doc_id, parent_id)) < 0 ||
		    (cd && (error = store_text_insert(p, doc_id, "original", text_sha)) < 0))
			goto next;
		params = json_pack("{s:s,s:I,s:o}", "extractor", "enclave " ENCLAVE_VERSION,
		                   "parent", (json_int_t)parent_id, "member", json_text(c->name));
		inputs = unread ? json_pack("{s:o}", "path", json_text(buf_cstr(&cpath)))
		                : json_pack("{s:o,s:s,s:I}", "path", json_text(buf_cstr(&cpath)),
		                            "sha256", sha, "size", (json_int_t)c->size);
		if (cd) {
			outputs =
			    json_pack("{s:I,s:s,s:s,s:I,s:I}", "document", (json_int_t)doc_id,
			              "status", "ok", "text_sha256", text_sha, "pages",
			              (json_int_t)cd->npages, "blocks", (json_int_t)cd->nblocks);
			if (outputs && cd->language[0])
				json_object_set_new(outputs, "language", json_string(cd->language));
			if (params)
				json_object_set_new(params, "format", json_string(cd->format));
			if (params && (used = note_models(models, cd)) && json_object_size(used))
				json_object_set(params, "models", used);
		} else {
			outputs = json_pack("{s:I,s:s,s:o}", "document", (json_int_t)doc_id,
			                    "status", "failed", "error", json_text(why));
		}
		if (!params || !inputs || !outputs || (cd && !used)) {
			error = error_oom();
			goto next;
		}
		snprintf(subject, sizeof(subject), "document:%lld", (long long)doc_id);
		if ((error = audit_append(p, cd ? "ingest.document" : "ingest.failed", subject,
		                          params, inputs, outputs, NULL)) < 0)
			goto next;
		if (cd)
			counts->ok++;
		else
			counts->failed++;
		if (cd)
			error = commit_children(p, cd, doc_id, buf_cstr(&cpath), models, counts);
	next:
		json_decref(params);
		json_decref(inputs);
		json_decref(outputs);
		json_decref(used);
		buf_release(&cpath);
		buf_release(&text);
	}
	return error;
}

/* Open the group's transaction unless it is open already. */
static int tx_open(enclave_project *p)
{
	return p->in_tx ? 0 : store_begin(p);
}

/*
 * Record one item in the group's transaction (opened here when needed; the
 * caller commits it). Sets *status and *doc_id. Returns 0, or ENCLAVE_E*
 * when the store failed (the caller rolls the group back and the batch
 * stops: nothing more can be recorded).
 */
static int commit_item(enclave_project *p, struct item *it, json_t *models,
                       enclave_ingest_status *status, int64_t *doc_id, struct child_counts *counts)
{
	struct buf text = BUF_INIT(ENCLAVE_MAX_TEXT_BYTES);
	json_t *params = NULL, *inputs = NULL, *outputs = NULL;
	int64_t source_id = 0, retry = 0;
	char found_status[16], text_sha[65], subject[48];
	int error = 0, have_source = 0;

	*doc_id = 0;
	if (it->readable) {
		error = store_source_find(p, it->sha256, &source_id, doc_id, found_status);
		if (error == 0 && !*doc_id) {
			/* Known only as an attachment or member: a document of its own now. */
			have_source = 1;
			error = ENCLAVE_ENOTFOUND;
		}
		if (error == 0 && (!strcmp(found_status, "ok") || !it->doc)) {
			/*
			 * Already there, or failed before and fails again: nothing
			 * changes and nothing is recorded, but a failure is still one.
			 */
			*status = strcmp(found_status, "ok") ? ENCLAVE_INGEST_FAILED
			                                     : ENCLAVE_INGEST_DUPLICATE;
			error = 0;
			goto done;
		}
		if (error == 0)
			retry = *doc_id; /* failed before, extracts now: complete it */
		else if (error != ENCLAVE_ENOTFOUND)
			goto done;
		error = 0;
		/* The source's bytes, when we hold them, go to the blob store first. */
		if (it->data.ptr &&
		    (error = blob_put_known(p, it->sha256, it->data.ptr, it->data.len)) < 0)
			goto done;
	} else if (store_unread_find(p, it->path, doc_id) == 0) {
		/* Unreadable before and still: already recorded, still a failure. */
		*status = ENCLAVE_INGEST_FAILED;
		goto done;
	}
	if (it->doc) {
		if ((error = doc_text(&text, it->doc)) < 0 ||
		    (error = blob_put(p, text_sha, buf_cstr(&text), text.len)) < 0) {
			/* Could not keep the text: record the document as failed. */
			item_fail(it);
			enclave_doc_free(it->doc);
			it->doc = NULL;
			error = 0;
			if (retry) {
				*status = ENCLAVE_INGEST_FAILED;
				goto done;
			}
		}
	}
	if (retry) {
		if ((error = tx_open(p)) < 0)
			goto done;
		if ((error = store_document_complete(p, retry, it->doc, text_sha)) < 0 ||
		    (error = store_text_insert(p, retry, "original", text_sha)) < 0)
			goto fail;
		params = json_pack("{s:s,s:s,s:b}", "format", it->doc->format, "extractor",
		                   "enclave " ENCLAVE_VERSION, "retry", 1);
		outputs =
		    json_pack("{s:I,s:s,s:s,s:I,s:I}", "document", (json_int_t)retry, "status",
		              "ok", "text_sha256", text_sha, "pages", (json_int_t)it->doc->npages,
		              "blocks", (json_int_t)it->doc->nblocks);
		*status = ENCLAVE_INGEST_OK;
		goto audit;
	}
	if ((error = tx_open(p)) < 0)
		goto done;
	if (it->readable && !have_source &&
	    (error = store_source_insert(p, &source_id, it->sha256, it->size, it->media_type,
	                                 it->path)) < 0)
		goto fail;
	if (it->doc) {
		if ((error = store_document_insert(p, doc_id, source_id, it->path, it->doc->format,
		                                   it->doc, NULL, text_sha)) < 0 ||
		    (error = store_text_insert(p, *doc_id, "original", text_sha)) < 0)
			goto fail;
		params = json_pack("{s:s,s:s}", "format", it->doc->format, "extractor",
		                   "enclave " ENCLAVE_VERSION);
		outputs =
		    json_pack("{s:I,s:s,s:s,s:I,s:I}", "document", (json_int_t)*doc_id, "status",
		              "ok", "text_sha256", text_sha, "pages", (json_int_t)it->doc->npages,
		              "blocks", (json_int_t)it->doc->nblocks);
		*status = ENCLAVE_INGEST_OK;
	} else {
		if ((error = store_document_insert(p, doc_id, source_id, it->path, NULL, NULL,
		                                   it->error ? it->error : "unknown error", NULL)) <
		    0)
			goto fail;
		params = json_pack("{s:s}", "extractor", "enclave " ENCLAVE_VERSION);
		outputs =
		    json_pack("{s:I,s:s,s:o}", "document", (json_int_t)*doc_id, "status", "failed",
		              "error", json_text(it->error ? it->error : "unknown error"));
		*status = ENCLAVE_INGEST_FAILED;
	}
audit:
	if (outputs && it->doc && it->doc->language[0])
		json_object_set_new(outputs, "language", json_string(it->doc->language));
	inputs = inputs_of(it);
	if (it->doc && params) {
		json_t *used = note_models(models, it->doc);
		if (!used ||
		    (json_object_size(used) && json_object_set(params, "models", used) < 0)) {
			json_decref(used);
			error = error_oom();
			goto fail;
		}
		json_decref(used);
	}
	if (!params || !inputs || !outputs) {
		error = error_oom();
		goto fail;
	}
	snprintf(subject, sizeof(subject), "document:%lld", (long long)*doc_id);
	if ((error = audit_append(p, it->doc ? "ingest.document" : "ingest.failed", subject, params,
	                          inputs, outputs, NULL)) < 0)
		goto fail;
	if (it->doc && (error = commit_children(p, it->doc, *doc_id, it->path, models, counts)) < 0)
		goto fail;
	goto done;
fail:
done:
	json_decref(params);
	json_decref(inputs);
	json_decref(outputs);
	buf_release(&text);
	return error;
}

/* Record the run itself: its options and its counts. */
static int commit_run(enclave_project *p, const char *const *paths, size_t npaths,
                      const struct enclave_ingest_options *opts, int jobs, json_t *models,
                      json_t *langid, const struct enclave_ingest_summary *s)
{
	json_t *params = NULL, *list = json_array(), *outputs = NULL;
	size_t i;
	int error;

	for (i = 0; list && i < npaths; i++)
		if (json_array_append_new(list, json_text(paths[i])) < 0)
			break;
	params = json_pack("{s:o,s:i,s:b,s:s,s:s,s:i,s:O}", "paths", list, "jobs", jobs, "password",
	                   opts->extract.password != NULL, "ocr",
	                   enclave_ocr_mode_name(opts->extract.ocr), "lang",
	                   opts->extract.lang ? opts->extract.lang : "eng", "dpi",
	                   opts->extract.dpi > 0 ? opts->extract.dpi : 300, "models", models);
	outputs = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "files", (json_int_t)s->files, "ok",
	                    (json_int_t)s->ok, "failed", (json_int_t)s->failed, "duplicates",
	                    (json_int_t)s->duplicates, "children", (json_int_t)s->children,
	                    "children_failed", (json_int_t)s->children_failed);
	if (params && langid && json_object_set(params, "langid", langid) < 0) {
		json_decref(params);
		params = NULL;
	}
	if (!params || !outputs) {
		error = error_oom();
		goto done;
	}
	if ((error = store_begin(p)) < 0)
		goto done;
	if ((error = audit_append(p, "ingest.run", "project", params, NULL, outputs, NULL)) < 0) {
		store_rollback(p);
		goto done;
	}
	error = store_commit(p);
done:
	json_decref(params);
	json_decref(outputs);
	return error;
}

int enclave_ingest(enclave_project *p, const char *const *paths, size_t npaths,
                   const struct enclave_ingest_options *opts,
                   struct enclave_ingest_summary *summary, enclave_ingest_cb cb, void *payload)
{
	static const struct enclave_ingest_options defaults = ENCLAVE_INGEST_OPTIONS_INIT;
	struct enclave_ingest_summary s = { 0, 0, 0, 0, 0, 0 };
	struct path_list files = { 0 };
	struct pool pl;
	pthread_t *threads = NULL;
	int jobs, started = 0, error = 0, t;
	time_t head_written = 0;
	json_t *models = json_object(), *langid = NULL;
	size_t i, first = 0; /* first file of the open group */
	double group_start;

	if (!opts)
		opts = &defaults;
	if (summary)
		memset(summary, 0, sizeof(*summary));
	if (!p->have_sk)
		return error_set(ENCLAVE_ENOTFOUND, "cannot change the project: its secret key is "
		                                    "unreadable");
	jobs = opts->jobs > 0 ? opts->jobs : (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (jobs < 1)
		jobs = 1;
	if (jobs > 64)
		jobs = 64;
	if (!models) {
		error = error_oom();
		goto done;
	}
	if ((error = expand_paths(&files, paths, npaths, p->path)) < 0)
		goto done;
	s.files = files.n;
	/*
	 * The language data, checked and hashed once for the run (its custody
	 * goes into ingest.run): missing data stops the run before any file.
	 */
	if (files.n && (error = langid_custody(&langid, langid_dir())) < 0)
		goto done;

	memset(&pl, 0, sizeof(pl));
	pl.project = p;
	pl.extract = &opts->extract;
	pl.n = files.n;
	pl.window = (size_t)jobs * WINDOW_PER_JOB;
	pl.langid_dir = langid_dir();
	if (files.n && !(pl.items = calloc(files.n, sizeof(*pl.items)))) {
		error = error_oom();
		goto done;
	}
	for (i = 0; i < files.n; i++)
		pl.items[i].path = files.v[i];
	/* libxml2 must be initialised once before threads use it. */
	xmlInitParser();
	pthread_mutex_init(&pl.lock, NULL);
	pthread_cond_init(&pl.cond, NULL);
	if (!(threads = calloc((size_t)jobs, sizeof(*threads)))) {
		error = error_oom();
		goto join;
	}
	for (t = 0; t < jobs; t++) {
		if (pthread_create(&threads[t], NULL, worker, &pl) != 0)
			break;
		started++;
	}
	if (!started) {
		error = error_set(ENCLAVE_ERROR, "cannot start worker threads");
		goto join;
	}

	group_start = time_monotonic();
	for (i = 0; i < files.n; i++) {
		struct item *it = &pl.items[i];
		int next_ready;
		size_t j;

		pthread_mutex_lock(&pl.lock);
		while (!it->done)
			pthread_cond_wait(&pl.cond, &pl.lock);
		pthread_mutex_unlock(&pl.lock);

		it->status = ENCLAVE_INGEST_FAILED;
		if (it->known) {
			char st[16];
			int64_t src;
			it->status = ENCLAVE_INGEST_DUPLICATE;
			store_source_find(p, it->sha256, &src, &it->doc_id, st);
		} else if ((error = commit_item(p, it, models, &it->status, &it->doc_id,
		                                &it->counts)) < 0) {
			store_rollback(p); /* the open group is lost, never reported */
			break;
		}
		/*
		 * Group commit: the open transaction takes the next files while
		 * they are ready, so that a fast batch pays one commit (and one
		 * signed checkpoint) per group rather than per file; it commits
		 * as soon as the next file is not ready, or the group is
		 * GROUP_MAX_FILES long or GROUP_MAX_SECONDS old. Only then are its
		 * files reported and counted: what was reported is committed.
		 */
		pthread_mutex_lock(&pl.lock);
		next_ready = i + 1 < files.n && pl.items[i + 1].done;
		pthread_mutex_unlock(&pl.lock);
		if (next_ready && i + 1 - first < GROUP_MAX_FILES &&
		    time_monotonic() - group_start < GROUP_MAX_SECONDS)
			continue;
		if (p->in_tx) {
			if ((error = store_commit(p)) < 0)
				break;
			/*
			 * Keep key/audit.head close behind the chain (at most a
			 * second), so a killed run leaves little unguarded
			 * against truncation.
			 */
			if (time(NULL) != head_written) {
				if ((error = audit_write_head(p)) < 0)
					break;
				head_written = time(NULL);
			}
		}
		for (j = first; j <= i; j++) {
			struct item *g = &pl.items[j];
			struct enclave_ingest_item report;

			s.children += g->counts.ok + g->counts.failed;
			s.children_failed += g->counts.failed;
			if (g->status == ENCLAVE_INGEST_OK)
				s.ok++;
			else if (g->status == ENCLAVE_INGEST_FAILED)
				s.failed++;
			else
				s.duplicates++;
			if (cb) {
				report.path = g->path;
				report.status = g->status;
				report.document_id = g->doc_id;
				report.error = g->error;
				report.done = j + 1;
				report.total = files.n;
				cb(&report, payload);
			}
			buf_release(&g->data);
			enclave_doc_free(g->doc);
			g->doc = NULL;
			free(g->error);
			g->error = NULL;
		}
		first = i + 1;
		group_start = time_monotonic();
		pthread_mutex_lock(&pl.lock);
		pl.committed = i + 1;
		pthread_cond_broadcast(&pl.cond);
		pthread_mutex_unlock(&pl.lock);
	}
join:
	pthread_mutex_lock(&pl.lock);
	pl.stop = 1;
	pthread_cond_broadcast(&pl.cond);
	pthread_mutex_unlock(&pl.lock);
	for (t = 0; t < started; t++)
		pthread_join(threads[t], NULL);
	free(threads);
	for (i = 0; i < pl.n; i++) {
		buf_release(&pl.items[i].data);
		enclave_doc_free(pl.items[i].doc);
		free(pl.items[i].error);
	}
	free(pl.items);
	pthread_mutex_destroy(&pl.lock);
	pthread_cond_destroy(&pl.cond);
	if (!error)
		error = commit_run(p, paths, npaths, opts, jobs, models, langid, &s);
	if (!error)
		error = audit_write_head(p);
done:
	json_decref(models);
	json_decref(langid);
	list_release(&files);
	if (summary)
		*summary = s;
	return error;
}
