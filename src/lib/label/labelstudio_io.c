/*
 * Label Studio import and export over the store: labelstudio.c converts
 * between Label Studio's JSON and plain structs; this file maps those
 * structs to documents, tasks, users and annotations and back (see
 * include/enclave/label.h for what maps to what and what is lost).
 */
#include <string.h>

#include "label_int.h"
#include "ingest/ingest_int.h"
#include "label/labelstudio.h"
#include "../util/utf8.h"

/* ------------------------------------------------------------------ */
/* Export                                                             */
/* ------------------------------------------------------------------ */

struct export_state {
	sqlite3 *db;
	struct ls_task *v;
	size_t n, cap;
	int64_t last_task;
	char type[8];
};

/* Duplicate `s` (NULL: "") or fail with ENCLAVE_ENOMEM. */
static int dup(char **out, const char *s)
{
	if (!(*out = strdup(s ? s : "")))
		return error_oom();
	return 0;
}

/* Append one annotation of `type` (its stored result JSON) to task `t`. */
static int export_annotation(struct ls_task *t, const char *type, int64_t id, int64_t user,
                             const char *text)
{
	struct ls_annotation *a, *nv;
	json_t *r = json_loads(text ? text : "{}", 0, NULL), *items, *it;
	size_t i, n;
	int error = 0;

	if (!(nv = realloc(t->annotations, (t->nannotations + 1) * sizeof(*nv)))) {
		json_decref(r);
		return error_oom();
	}
	t->annotations = nv;
	a = &t->annotations[t->nannotations++];
	memset(a, 0, sizeof(*a));
	a->id = id;
	a->completed_by = user;
	items = json_object_get(r, !strcmp(type, "ner")     ? "spans"
	                           : !strcmp(type, "class") ? "labels"
	                           : !strcmp(type, "box")   ? "boxes"
	                                                    : "pairs");
	n = json_array_size(items);
	if (!strcmp(type, "ner") && n) {
		if (!(a->spans = calloc(n, sizeof(*a->spans))))
			error = error_oom();
		json_array_foreach(items, i, it)
		{
			if (error)
				break;
			a->spans[i].start =
			    (size_t)json_integer_value(json_object_get(it, "start"));
			a->spans[i].end = (size_t)json_integer_value(json_object_get(it, "end"));
			error = dup(&a->spans[i].label,
			            json_string_value(json_object_get(it, "label")));
			a->nspans = i + 1;
		}
	} else if (!strcmp(type, "class") && n) {
		if (!(a->choices = calloc(n, sizeof(*a->choices))))
			error = error_oom();
		json_array_foreach(items, i, it)
		{
			if (error)
				break;
			error = dup(&a->choices[i], json_string_value(it));
			a->nchoices = i + 1;
		}
	} else if (!strcmp(type, "box") && n && t->page_width > 0) {
		if (!(a->boxes = calloc(n, sizeof(*a->boxes))))
			error = error_oom();
		json_array_foreach(items, i, it)
		{
			json_t *bb = json_object_get(it, "bbox");
			struct ls_box *b;
			if (error)
				break;
			if (json_integer_value(json_object_get(it, "page")) != 1)
				continue; /* one image per Label Studio task: page 1 */
			b = &a->boxes[a->nboxes++];
			b->x0 = json_number_value(json_array_get(bb, 0));
			b->y0 = json_number_value(json_array_get(bb, 1));
			b->x1 = json_number_value(json_array_get(bb, 2));
			b->y1 = json_number_value(json_array_get(bb, 3));
			error = dup(&b->label, json_string_value(json_object_get(it, "label")));
		}
	} else if (!strcmp(type, "qa") && n) {
		if (!(a->texts = calloc(n, sizeof(*a->texts))))
			error = error_oom();
		json_array_foreach(items, i, it)
		{
			if (error)
				break;
			error = dup(&a->texts[i], json_string_value(json_object_get(it, "answer")));
			a->ntexts = i + 1;
		}
	}
	json_decref(r);
	return error;
}

static int export_cb(int64_t task, const char *type, int64_t document, int64_t annotation,
                     int64_t user, const char *result, void *payload)
{
	struct export_state *st = payload;
	struct buf text = BUF_INIT(ENCLAVE_MAX_TEXT_BYTES);
	struct ls_task *t;
	int error;

	if (task != st->last_task) {
		if (st->n == st->cap) {
			size_t nc = st->cap ? st->cap * 2 : 64;
			struct ls_task *nv = realloc(st->v, nc * sizeof(*nv));
			if (!nv)
				return error_oom();
			st->v = nv;
			st->cap = nc;
		}
		t = &st->v[st->n++];
		memset(t, 0, sizeof(*t));
		t->index = st->n - 1;
		t->id = task;
		st->last_task = task;
		snprintf(st->type, sizeof(st->type), "%s", type);
		if ((error = store_document_text(&text, st->db, document)) < 0 ||
		    (error = dup(&t->text, buf_cstr(&text))) < 0) {
			buf_release(&text);
			return error;
		}
		buf_release(&text);
		if (store_page_size(st->db, document, 1, &t->page_width, &t->page_height) < 0) {
			t->page_width = t->page_height = 0;
		} else {
			/* The page the boxes are on, as this server serves it (Label Studio's data.image). */
			char image[64];
			snprintf(image, sizeof(image), "/api/documents/%lld/pages/1/image",
			         (long long)document);
			if ((error = dup(&t->image, image)) < 0)
				return error;
		}
		enclave_error_clear();
	}
	t = &st->v[st->n - 1];
	return annotation ? export_annotation(t, st->type, annotation, user, result) : 0;
}

int enclave_label_labelstudio_export(char **out, size_t *len, enclave_project *p,
                                     const struct enclave_label_user *who)
{
	struct export_state st;
	struct label_actor a;
	char sha[65];
	size_t i;
	int error;

	*out = NULL;
	*len = 0;
	memset(&st, 0, sizeof(st));
	st.db = p->db;
	if ((error = store_label_export_rows(p->db, export_cb, &st)) == 0)
		error = ls_export(out, len, st.v, st.n, NULL);
	/*
	 * The original text leaves with this file, outside `enclave export`'s
	 * redaction guard: who took it, how many tasks, and its hash go into
	 * the chain before anyone gets it.
	 */
	if (error == 0 && (error = sha256_hex(sha, *out, *len)) == 0 &&
	    (error = label_begin(p, &a, who)) == 0) {
		json_t *params =
		    json_pack("{s:I,s:s}", "tasks", (json_int_t)st.n, "text", "original");
		json_t *outputs = json_pack("{s:s,s:I}", "sha256", sha, "bytes", (json_int_t)*len);
		error = params && outputs ? audit_append(p, "label.export.labelstudio", "", params,
		                                         NULL, outputs, NULL)
		                          : error_oom();
		json_decref(params);
		json_decref(outputs);
		error = label_end(p, error);
	}
	if (error < 0) {
		free(*out);
		*out = NULL;
		*len = 0;
	}
	for (i = 0; i < st.n; i++)
		ls_task_release(&st.v[i]);
	free(st.v);
	return error;
}

/* ------------------------------------------------------------------ */
/* Import                                                             */
/* ------------------------------------------------------------------ */

struct import_counts {
	size_t documents, annotations, tasks;
	json_t *errors; /* array of messages */
};

/* Record a per-task problem and go on. */
static int import_note(struct import_counts *c, size_t index, const char *what)
{
	char msg[600];

	snprintf(msg, sizeof(msg), "task %zu: %s", index, what);
	return json_array_append_new(c->errors, json_string(msg)) < 0 ? error_oom() : 0;
}

/*
 * The document holding `text`: found by the text's hash, or made (one
 * block; `*shift` receives the code points trimmed from its start, which
 * the imported offsets lose). *made tells which.
 */
static int import_document(enclave_project *p, const char *text, long long ls_id, int64_t *doc,
                           size_t *shift, int *made)
{
	struct enclave_doc *d = NULL;
	struct enclave_block t = doc_block_template(ENCLAVE_BLOCK_PARAGRAPH, 0, "import");
	struct buf joined = BUF_INIT(ENCLAVE_MAX_TEXT_BYTES), path = BUF_INIT(256);
	char sha[65], text_sha[65], status[16];
	int64_t src = 0, first = 0;
	const char *at;
	int error;

	*made = 0;
	*shift = 0;
	if ((error = doc_new(&d, "text")) < 0 ||
	    (error = doc_add_block(d, &t, text, strlen(text))) < 0 ||
	    (error = doc_text(&joined, d)) < 0)
		goto done;
	if ((at = joined.len ? strstr(text, buf_cstr(&joined)) : text))
		*shift = utf8_count(text, (size_t)(at - text));
	if ((error = sha256_hex(sha, text, strlen(text))) < 0)
		goto done;
	error = store_source_find(p, sha, &src, &first, status);
	if (error == 0 && first) {
		*doc = first;
		goto done;
	}
	if (error < 0 && error != ENCLAVE_ENOTFOUND)
		goto done;
	buf_printf(&path, "labelstudio:task-%lld", ls_id);
	if ((error = blob_put_known(p, sha, text, strlen(text))) < 0 ||
	    (error = blob_put(p, text_sha, buf_cstr(&joined), joined.len)) < 0 ||
	    (!src && (error = store_source_insert(p, &src, sha, (int64_t)strlen(text), "text/plain",
	                                          buf_cstr(&path))) < 0) ||
	    (error = store_document_insert(p, doc, src, buf_cstr(&path), "text", d, NULL,
	                                   text_sha)) < 0 ||
	    (error = store_text_insert(p, *doc, "original", text_sha)) < 0)
		goto done;
	*made = 1;
done:
	if (error == ENCLAVE_ENOTFOUND)
		enclave_error_clear();
	enclave_doc_free(d);
	buf_release(&joined);
	buf_release(&path);
	return error;
}

/* The result of annotation `a` for `type` as our JSON, or NULL when it has none of it. */
static json_t *import_result(const struct ls_annotation *a, const char *type, size_t shift)
{
	json_t *arr = json_array();
	size_t i;

	if (!arr)
		return NULL;
	if (!strcmp(type, "ner"))
		for (i = 0; i < a->nspans; i++) {
			if (a->spans[i].start < shift)
				continue; /* inside the trimmed white space */
			json_array_append_new(
			    arr, json_pack("{s:I,s:I,s:s}", "start",
			                   (json_int_t)(a->spans[i].start - shift), "end",
			                   (json_int_t)(a->spans[i].end - shift), "label",
			                   a->spans[i].label));
		}
	else if (!strcmp(type, "class"))
		for (i = 0; i < a->nchoices; i++)
			json_array_append_new(arr, json_string(a->choices[i]));
	else if (!strcmp(type, "box"))
		for (i = 0; i < a->nboxes; i++)
			json_array_append_new(arr, json_pack("{s:i,s:[f,f,f,f],s:s}", "page", 1,
			                                     "bbox", a->boxes[i].x0, a->boxes[i].y0,
			                                     a->boxes[i].x1, a->boxes[i].y1,
			                                     "label", a->boxes[i].label));
	else
		for (i = 0; i < a->ntexts; i++)
			json_array_append_new(
			    arr, json_pack("{s:s,s:s}", "question", "", "answer", a->texts[i]));
	if (!json_array_size(arr)) {
		json_decref(arr);
		return NULL;
	}
	return json_pack("{s:o}",
	                 !strcmp(type, "ner")     ? "spans"
	                 : !strcmp(type, "class") ? "labels"
	                 : !strcmp(type, "box")   ? "boxes"
	                                          : "pairs",
	                 arr);
}

/* One imported task: its document, tasks and annotations, inside the transaction. */
static int import_task(enclave_project *p, const struct ls_task *t, int k, struct import_counts *c)
{
	static const char *const types[] = { "ner", "class", "box", "qa" };
	int64_t doc = 0, task, user, ann;
	size_t shift, i, j;
	char name[40], subject[48], hash[65];
	int made, created, error;

	if (!t->text)
		return import_note(c, t->index, "no text (image-only tasks are not imported)");
	if ((error = import_document(p, t->text, t->id, &doc, &shift, &made)) < 0)
		return import_note(c, t->index, enclave_error_last());
	if (made) {
		json_t *out = json_pack("{s:I}", "document", (json_int_t)doc);
		snprintf(subject, sizeof(subject), "document:%lld", (long long)doc);
		error = audit_append(p, "label.import.document", subject, NULL, NULL, out, NULL);
		json_decref(out);
		if (error < 0)
			return error;
		c->documents++;
	}
	for (j = 0; j < 4; j++) {
		task = 0;
		for (i = 0; i < t->nannotations; i++) {
			const struct ls_annotation *a = &t->annotations[i];
			json_t *r = import_result(a, types[j], shift), *params;
			char *text;
			if (!r)
				continue;
			if (!task) {
				if ((error = store_task_ensure(p, doc, types[j], k, &task,
				                               &created)) < 0) {
					json_decref(r);
					return error;
				}
				c->tasks += (size_t)created;
			}
			snprintf(name, sizeof(name), "ls-%lld", a->completed_by);
			text = json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS);
			json_decref(r);
			if (!text)
				return error_oom();
			if ((error = label_user_ensure_disabled(p, name, &user)) < 0 ||
			    (error = store_task_assign(p, task, user)) < 0 ||
			    (error = store_annotation_insert(p, task, user, "submitted", text,
			                                     &ann)) < 0 ||
			    (error = store_assignment_submit(p, task, user)) < 0 ||
			    (error = label_result_hash(hash, text)) < 0) {
				free(text);
				if (error != ENCLAVE_EEXISTS)
					return error;
				/* The same Label Studio user twice on one task: the first stays. */
				error = import_note(c, t->index,
				                    "a second annotation by one user skipped");
				if (error < 0)
					return error;
				break;
			}
			free(text);
			params = json_pack("{s:I,s:I}", "task", (json_int_t)task,
			                   "labelstudio_task", (json_int_t)t->id);
			snprintf(subject, sizeof(subject), "annotation:%lld", (long long)ann);
			{
				json_t *outputs = json_pack("{s:s}", "result", hash);
				error = audit_append(p, "label.annotation.import", subject, params,
				                     NULL, outputs, NULL);
				json_decref(outputs);
			}
			json_decref(params);
			if (error < 0)
				return error;
			c->annotations++;
		}
	}
	return 0;
}

int enclave_label_labelstudio_import(json_t **out, enclave_project *p,
                                     const struct enclave_label_user *who, const char *json,
                                     size_t len)
{
	struct import_counts c;
	struct ls_import imp;
	struct label_actor a;
	json_t *settings = NULL, *params = NULL;
	char sha[65];
	size_t i;
	int k = 1, error;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	if ((error = ls_import(&imp, json, len, NULL)) < 0)
		return error;
	if (!(c.errors = json_array())) {
		ls_import_release(&imp);
		return error_oom();
	}
	for (i = 0; i < imp.nerrors; i++)
		json_array_append_new(c.errors, json_string(imp.errors[i].message));
	if (enclave_label_settings_get(&settings, p) == 0 &&
	    json_integer_value(json_object_get(settings, "k")) > 0)
		k = (int)json_integer_value(json_object_get(settings, "k"));
	json_decref(settings);
	if ((error = sha256_hex(sha, json, len)) < 0 || (error = label_begin(p, &a, who)) < 0)
		goto done;
	for (i = 0; i < imp.ntasks && !error; i++)
		error = import_task(p, &imp.tasks[i], k, &c);
	if (!error &&
	    !(params = json_pack("{s:I,s:I,s:I,s:I}", "tasks", (json_int_t)imp.ntasks, "documents",
	                         (json_int_t)c.documents, "annotations", (json_int_t)c.annotations,
	                         "errors", (json_int_t)json_array_size(c.errors))))
		error = error_oom();
	if (!error) {
		json_t *inputs = json_pack("{s:s}", "sha256", sha);
		error = audit_append(p, "label.import.labelstudio", "", params, inputs, NULL, NULL);
		json_decref(inputs);
	}
	if ((error = label_end(p, error)) < 0)
		goto done;
	if (!(*out = json_pack("{s:I,s:I,s:I,s:O,s:I}", "documents", (json_int_t)c.documents,
	                       "annotations", (json_int_t)c.annotations, "tasks",
	                       (json_int_t)c.tasks, "errors", c.errors, "skipped_results",
	                       (json_int_t)imp.skipped_results)))
		error = error_oom();
done:
	json_decref(params);
	json_decref(c.errors);
	ls_import_release(&imp);
	return error;
}
