/*
 * Tasks, assignments, annotations and reviews; the label schema and the
 * project settings (JSON objects in the meta table); what the label server
 * shows of documents.
 *
 * A task is given to k distinct annotators: tasks/next hands a user the
 * oldest task they hold and have not submitted, or assigns them an open task
 * they never had, preferring those others started (so that items complete).
 * An annotation has one row per (task, user) with a version that every write
 * increments: a write naming another version than the stored one is a
 * conflict, so two tabs cannot silently overwrite each other.
 */
#include <string.h>

#include "label_int.h"

#define SCHEMA_KEY "label.schema"
#define SETTINGS_KEY "label.settings"
#define MAX_RESULT_ITEMS 100000 /* spans, boxes, pairs or labels in one result */
#define MAX_IDLE_TIMEOUT (12 * 3600)

static const char default_schema[] =
    "{\"ner\":[\"PERSON\",\"ORG\",\"LOCATION\",\"DATE\"],"
    "\"classes\":{\"name\":\"topic\",\"multi\":false,\"labels\":[]},"
    "\"boxes\":[],\"qa\":true}";
static const char default_settings[] = "{\"k\":1,\"idle_timeout\":1800}";

int enclave_label_type_valid(const char *type)
{
	return type && (!strcmp(type, "ner") || !strcmp(type, "class") || !strcmp(type, "box") ||
	                !strcmp(type, "qa"));
}

/* ------------------------------------------------------------------ */
/* Schema and settings                                                */
/* ------------------------------------------------------------------ */

/* Read meta[key] as a JSON object, `fallback` when absent. */
static int meta_json(json_t **out, sqlite3 *db, const char *key, const char *fallback)
{
	char *text = NULL;
	int error;

	*out = NULL;
	if ((error = store_meta_get(&text, db, key)) < 0)
		return error;
	*out = json_loads(text ? text : fallback, 0, NULL);
	free(text);
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return error_set(ENCLAVE_ETAMPER, "store: meta '%s' is not a JSON object", key);
	}
	return 0;
}

int enclave_label_schema_get(json_t **out, enclave_project *p)
{
	return meta_json(out, p->db, SCHEMA_KEY, default_schema);
}

int enclave_label_settings_get(json_t **out, enclave_project *p)
{
	return meta_json(out, p->db, SETTINGS_KEY, default_settings);
}

/* 1 when `v` is an array of at most MAX_RESULT_ITEMS non-empty strings. */
static int string_array(const json_t *v)
{
	size_t i;
	json_t *s;

	if (!json_is_array(v) || json_array_size(v) > MAX_RESULT_ITEMS)
		return 0;
	json_array_foreach(v, i, s) if (!json_is_string(s) || !json_string_length(s)) return 0;
	return 1;
}

/* 0 when `s` is a label schema (docs/api.md), else ENCLAVE_EINVALID naming the key. */
static int check_schema(const json_t *s)
{
	const char *key;
	json_t *v;

	if (!json_is_object(s))
		return error_set(ENCLAVE_EINVALID, "the label schema is a JSON object");
	json_object_foreach((json_t *)s, key, v)
	{
		int ok;
		if (!strcmp(key, "ner") || !strcmp(key, "boxes"))
			ok = string_array(v);
		else if (!strcmp(key, "qa"))
			ok = json_is_boolean(v);
		else if (!strcmp(key, "classes"))
			ok = json_is_object(v) && json_is_string(json_object_get(v, "name")) &&
			     json_is_boolean(json_object_get(v, "multi")) &&
			     string_array(json_object_get(v, "labels")) && json_object_size(v) == 3;
		else
			return error_set(ENCLAVE_EINVALID, "label schema: unknown key '%.64s'",
			                 key);
		if (!ok)
			return error_set(ENCLAVE_EINVALID, "label schema: bad value of '%s'", key);
	}
	return 0;
}

/* Store `value` under meta[key] and audit `action`, acting as `who`. */
static int meta_set_audited(enclave_project *p, const struct enclave_label_user *who,
                            const char *key, const char *action, const json_t *value)
{
	struct label_actor a;
	char hash[65];
	char *text = json_dumps(value, JSON_COMPACT | JSON_SORT_KEYS);
	json_t *outputs = NULL;
	int error;

	if (!text)
		return error_oom();
	if ((error = label_result_hash(hash, text)) < 0 || (error = label_begin(p, &a, who)) < 0) {
		free(text);
		return error;
	}
	error = store_meta_set(p->db, key, text);
	if (!error && !(outputs = json_pack("{s:s}", "sha256", hash)))
		error = error_oom();
	if (!error)
		error = audit_append(p, action, key, NULL, NULL, outputs, NULL);
	json_decref(outputs);
	free(text);
	return label_end(p, error);
}

int enclave_label_schema_set(enclave_project *p, const struct enclave_label_user *who,
                             const json_t *schema)
{
	int error;

	if ((error = check_schema(schema)) < 0)
		return error;
	return meta_set_audited(p, who, SCHEMA_KEY, "label.schema.set", schema);
}

int enclave_label_settings_set(enclave_project *p, const struct enclave_label_user *who,
                               const json_t *settings)
{
	const char *key;
	json_t *cur = NULL, *v;
	int error;

	if (!json_is_object(settings))
		return error_set(ENCLAVE_EINVALID, "settings are a JSON object");
	json_object_foreach((json_t *)settings, key, v)
	{
		json_int_t n = json_is_integer(v) ? json_integer_value(v) : -1;
		if (!strcmp(key, "k")) {
			if (n < 1 || n > 100)
				return error_set(ENCLAVE_EINVALID, "settings: k is 1 to 100");
		} else if (!strcmp(key, "idle_timeout")) {
			if (n < 10 || n > MAX_IDLE_TIMEOUT)
				return error_set(ENCLAVE_EINVALID,
				                 "settings: idle_timeout is 10 to %d seconds",
				                 MAX_IDLE_TIMEOUT);
		} else {
			return error_set(ENCLAVE_EINVALID, "settings: unknown key '%.64s'", key);
		}
	}
	if ((error = enclave_label_settings_get(&cur, p)) < 0)
		return error;
	if (json_object_update(cur, (json_t *)settings) < 0)
		error = error_oom();
	else
		error = meta_set_audited(p, who, SETTINGS_KEY, "label.settings.set", cur);
	json_decref(cur);
	return error;
}

/* ------------------------------------------------------------------ */
/* Results                                                            */
/* ------------------------------------------------------------------ */

/* 1 when `label` is in `allowed` (an array of strings); an empty list allows any label. */
static int label_allowed(const json_t *allowed, const char *label)
{
	size_t i;
	json_t *s;

	if (!json_array_size(allowed))
		return 1;
	json_array_foreach(allowed, i, s) if (!strcmp(json_string_value(s), label)) return 1;
	return 0;
}

/* An integer member in [lo, hi], else -1. */
static json_int_t int_member(const json_t *o, const char *key, json_int_t lo, json_int_t hi)
{
	json_t *v = json_object_get(o, key);
	json_int_t n;

	if (!json_is_integer(v))
		return -1;
	n = json_integer_value(v);
	return n < lo || n > hi ? -1 : n;
}

/* A range {start, end} of `o` within [0, len]: 0 or ENCLAVE_EINVALID naming `what`. */
static int check_range(const json_t *o, int64_t len, const char *what, size_t i)
{
	json_int_t s = int_member(o, "start", 0, len), e = int_member(o, "end", 0, len);

	if (s < 0 || e < 0 || e <= s)
		return error_set(ENCLAVE_EINVALID,
		                 "%s %zu: start and end are code points, 0 <= start < end <= %lld",
		                 what, i, (long long)len);
	return 0;
}

/* The array `key` of `result`, which must be an object with only that key. */
static const json_t *result_items(const json_t *result, const char *key, const char *type)
{
	const json_t *v = json_is_object(result) ? json_object_get(result, key) : NULL;

	if (!json_is_array(v) || json_object_size(result) != 1 ||
	    json_array_size(v) > MAX_RESULT_ITEMS) {
		error_set(ENCLAVE_EINVALID, "a %s result is {\"%s\": [...]}", type, key);
		return NULL;
	}
	return v;
}

int label_check_result(const json_t *result, const char *type, int64_t len, const json_t *schema)
{
	const json_t *items;
	json_t *it;
	size_t i;

	if (!strcmp(type, "ner")) {
		if (!(items = result_items(result, "spans", type)))
			return ENCLAVE_EINVALID;
		json_array_foreach(items, i, it)
		{
			const char *label = json_string_value(json_object_get(it, "label"));
			json_t *from = json_object_get(it, "from");
			if (!json_is_object(it) || check_range(it, len, "span", i) < 0)
				return ENCLAVE_EINVALID;
			if (!label || !*label ||
			    !label_allowed(json_object_get(schema, "ner"), label))
				return error_set(ENCLAVE_EINVALID,
				                 "span %zu: label not in the schema", i);
			if (from && !json_is_integer(from))
				return error_set(ENCLAVE_EINVALID, "span %zu: 'from' is a span id",
				                 i);
		}
	} else if (!strcmp(type, "class")) {
		const json_t *classes = json_object_get(schema, "classes");
		if (!(items = result_items(result, "labels", type)))
			return ENCLAVE_EINVALID;
		if (json_array_size(items) > 1 && !json_is_true(json_object_get(classes, "multi")))
			return error_set(ENCLAVE_EINVALID,
			                 "one label: the schema's classes are not multi");
		json_array_foreach(items, i, it)
		{
			if (!json_is_string(it) || !json_string_length(it) ||
			    !label_allowed(json_object_get(classes, "labels"),
			                   json_string_value(it)))
				return error_set(ENCLAVE_EINVALID, "label %zu: not in the schema",
				                 i);
		}
	} else if (!strcmp(type, "box")) {
		if (!(items = result_items(result, "boxes", type)))
			return ENCLAVE_EINVALID;
		json_array_foreach(items, i, it)
		{
			const json_t *bb = json_object_get(it, "bbox");
			const char *label = json_string_value(json_object_get(it, "label"));
			double c[4];
			size_t j;
			if (int_member(it, "page", 1, ENCLAVE_MAX_PAGES) < 0 ||
			    !json_is_array(bb) || json_array_size(bb) != 4)
				return error_set(ENCLAVE_EINVALID,
				                 "box %zu: page and bbox [x0,y0,x1,y1]", i);
			for (j = 0; j < 4; j++) {
				if (!json_is_number(json_array_get(bb, j)))
					return error_set(ENCLAVE_EINVALID,
					                 "box %zu: bbox holds numbers", i);
				c[j] = json_number_value(json_array_get(bb, j));
			}
			if (!(c[0] < c[2] && c[1] < c[3] && c[0] >= 0 && c[1] >= 0))
				return error_set(ENCLAVE_EINVALID, "box %zu: x0 < x1 and y0 < y1",
				                 i);
			if (!label || !*label ||
			    !label_allowed(json_object_get(schema, "boxes"), label))
				return error_set(ENCLAVE_EINVALID,
				                 "box %zu: label not in the schema", i);
		}
	} else {
		if (!(items = result_items(result, "pairs", type)))
			return ENCLAVE_EINVALID;
		json_array_foreach(items, i, it)
		{
			const json_t *ev = json_object_get(it, "evidence");
			if (!json_is_string(json_object_get(it, "question")) ||
			    !json_is_string(json_object_get(it, "answer")))
				return error_set(ENCLAVE_EINVALID, "pair %zu: question and answer",
				                 i);
			if (ev && !json_is_null(ev) &&
			    (!json_is_object(ev) || check_range(ev, len, "evidence", i) < 0))
				return ENCLAVE_EINVALID;
		}
	}
	return 0;
}

/* Check `result` against task `task` (its type, its document's text, the schema). */
static int check_task_result(enclave_project *p, int64_t task, const json_t *result)
{
	json_t *schema = NULL;
	char type[8];
	int64_t doc, block, len;
	int k, error;

	if ((error = store_task_get(p->db, task, type, &doc, &block, &k)) < 0 ||
	    (error = store_document_text_length(p->db, doc, &len)) < 0 ||
	    (error = enclave_label_schema_get(&schema, p)) < 0)
		return error;
	error = label_check_result(result, type, len, schema);
	json_decref(schema);
	return error;
}

/* ------------------------------------------------------------------ */
/* Tasks                                                              */
/* ------------------------------------------------------------------ */

/* Audit `action` on `kind`:`id` with params and a result's hash (NULL: none). */
static int audit_label(enclave_project *p, const char *action, const char *kind, int64_t id,
                       json_t *params, const char *result_text)
{
	char subject[48], hash[65];
	json_t *outputs = NULL;
	int error;

	snprintf(subject, sizeof(subject), "%s:%lld", kind, (long long)id);
	if (result_text) {
		if ((error = label_result_hash(hash, result_text)) < 0)
			return error;
		if (!(outputs = json_pack("{s:s}", "result", hash)))
			return error_oom();
	}
	error = audit_append(p, action, subject, params, NULL, outputs, NULL);
	json_decref(outputs);
	return error;
}

int enclave_label_tasks_create(enclave_project *p, const char *type, int k, size_t *created)
{
	struct label_actor a;
	json_t *settings = NULL, *params = NULL;
	int error;

	*created = 0;
	if (!enclave_label_type_valid(type))
		return error_set(ENCLAVE_EINVALID, "task type '%.32s': ner, class, box or qa",
		                 type ? type : "");
	if (k <= 0) {
		if ((error = enclave_label_settings_get(&settings, p)) < 0)
			return error;
		k = (int)json_integer_value(json_object_get(settings, "k"));
		json_decref(settings);
		if (k <= 0)
			k = 1;
	}
	if (k > 100)
		return error_set(ENCLAVE_EINVALID, "k is 1 to 100");
	if ((error = label_begin(p, &a, NULL)) < 0)
		return error;
	error = store_tasks_create(p, type, k, created);
	if (!error && !(params = json_pack("{s:s,s:i,s:I}", "type", type, "k", k, "created",
	                                   (json_int_t)*created)))
		error = error_oom();
	if (!error && *created)
		error = audit_append(p, "label.tasks.create", "", params, NULL, NULL, NULL);
	json_decref(params);
	return label_end(p, error);
}

int enclave_label_task_next(json_t **out, enclave_project *p, const struct enclave_label_user *who,
                            const char *type)
{
	struct label_actor a;
	int64_t task = 0;
	int error;

	*out = NULL;
	if (type && !enclave_label_type_valid(type))
		return error_set(ENCLAVE_EINVALID, "task type '%.32s': ner, class, box or qa",
		                 type);
	/* The common case, a task in hand, reads only. */
	if ((error = store_task_current(p->db, who->id, type, &task)) < 0)
		return error;
	if (!task) {
		if ((error = label_begin(p, &a, who)) < 0)
			return error;
		/* Again inside the write lock: another request of this user may have won. */
		if (!(error = store_task_current(p->db, who->id, type, &task)) && !task &&
		    !(error = store_task_pick(p->db, who->id, type, &task)) && task &&
		    !(error = store_task_assign(p, task, who->id)))
			error = audit_label(p, "label.task.assign", "task", task, NULL, NULL);
		if ((error = label_end(p, error)) < 0)
			return error;
	}
	return task ? store_task_json(out, p->db, task, who->id) : 0;
}

int enclave_label_task_current(json_t **out, enclave_project *p,
                               const struct enclave_label_user *who, const char *type)
{
	int64_t task = 0;
	int error;

	*out = NULL;
	if (type && !enclave_label_type_valid(type))
		return error_set(ENCLAVE_EINVALID, "task type '%.32s': ner, class, box or qa",
		                 type);
	if ((error = store_task_current(p->db, who->id, type, &task)) < 0 || !task)
		return error;
	return store_task_json(out, p->db, task, who->id);
}

int enclave_label_tasks_list(json_t **out, enclave_project *p, const char *status, int64_t user,
                             int64_t offset, int64_t limit)
{
	return store_tasks_list_json(out, p->db, status, user, offset, limit);
}

/* ------------------------------------------------------------------ */
/* Annotations and reviews                                            */
/* ------------------------------------------------------------------ */

int enclave_label_annotation_save(json_t **out, enclave_project *p,
                                  const struct enclave_label_user *who, int64_t task,
                                  const json_t *result, int submit, int64_t version)
{
	struct store_annotation cur;
	struct label_actor a;
	char astatus[16];
	char *text = NULL;
	json_t *params = NULL;
	int64_t id = 0;
	int error;

	*out = NULL;
	memset(&cur, 0, sizeof(cur));
	if ((error = store_assignment_get(p->db, task, who->id, astatus)) == ENCLAVE_ENOTFOUND)
		return error_set(ENCLAVE_EDENIED, "task %lld is not assigned to you",
		                 (long long)task);
	if (error < 0 || (error = check_task_result(p, task, result)) < 0)
		return error;
	if (!(text = json_dumps(result, JSON_COMPACT | JSON_SORT_KEYS)))
		return error_oom();
	if ((error = label_begin(p, &a, who)) < 0)
		goto done;
	error = store_annotation_get(p->db, 0, task, who->id, &cur);
	if (error == ENCLAVE_ENOTFOUND) {
		if (version >= 0)
			error =
			    error_set(ENCLAVE_ECONFLICT, "stale version %lld: no annotation yet",
			              (long long)version);
		else
			error = store_annotation_insert(p, task, who->id,
			                                submit ? "submitted" : "draft", text, &id);
	} else if (!error) {
		id = cur.id;
		if (strcmp(cur.status, "draft"))
			error = error_set(ENCLAVE_ECONFLICT, "annotation %lld is %s already",
			                  (long long)cur.id, cur.status);
		else if (version != cur.version)
			error = error_set(ENCLAVE_ECONFLICT,
			                  "stale version %lld: the current one is %lld",
			                  (long long)version, (long long)cur.version);
		else
			error = store_annotation_update(p, cur.id, submit ? "submitted" : "draft",
			                                text);
	}
	if (!error && submit)
		error = store_assignment_submit(p, task, who->id);
	if (!error && !(params = json_pack("{s:I}", "task", (json_int_t)task)))
		error = error_oom();
	if (!error)
		error = audit_label(p, submit ? "label.annotation.submit" : "label.annotation.save",
		                    "annotation", id, params, text);
	if ((error = label_end(p, error)) == 0)
		error = store_annotation_json(out, p->db, id);
done:
	store_annotation_release(&cur);
	json_decref(params);
	free(text);
	return error;
}

int enclave_label_annotation_get(json_t **out, enclave_project *p,
                                 const struct enclave_label_user *who, int64_t id)
{
	struct store_annotation a;
	int error;

	*out = NULL;
	if ((error = store_annotation_get(p->db, id, 0, 0, &a)) < 0)
		return error == ENCLAVE_ENOTFOUND
		           ? error_set(error, "no annotation %lld", (long long)id)
		           : error;
	if (a.user != who->id && who->role < ENCLAVE_ROLE_REVIEWER)
		error = error_set(ENCLAVE_EDENIED, "annotation %lld is not yours", (long long)id);
	store_annotation_release(&a);
	return error ? error : store_annotation_json(out, p->db, id);
}

int enclave_label_review_next(json_t **out, enclave_project *p,
                              const struct enclave_label_user *who)
{
	int64_t id;
	int error;

	*out = NULL;
	if ((error = store_review_next(p->db, who->id, &id)) < 0 || !id)
		return error;
	return store_annotation_json(out, p->db, id);
}

/*
 * A reviewed NER result decides the document's proposals (docs/api.md): a
 * proposal the result names in "from" with the same place and label is
 * accepted, every other proposal is rejected, and result spans that are
 * new (or edited proposals) are added as accepted spans of source
 * "user:<annotator>" (or accept the span already at their place). Counts
 * go into `params` for the review's audit event. Inside the transaction;
 * nothing for tasks of other types.
 */
static int apply_ner_review(enclave_project *p, int64_t task, int64_t annotator,
                            const char *result_text, json_t *params)
{
	struct store_spans spans;
	struct enclave_label_user u;
	char type[8], source[ENCLAVE_LABEL_NAME_MAX + 8];
	json_t *result = NULL, *items, *it;
	int64_t doc, block;
	size_t i, j, accepted = 0, rejected = 0, added = 0;
	int k, error;

	memset(&spans, 0, sizeof(spans));
	if ((error = store_task_get(p->db, task, type, &doc, &block, &k)) < 0 ||
	    strcmp(type, "ner"))
		return error;
	result = json_loads(result_text, 0, NULL);
	if ((error = store_user_get(p->db, annotator, &u)) < 0 ||
	    (error = store_spans_read(&spans, p->db, doc)) < 0)
		goto done;
	items = json_object_get(result, "spans");
	for (i = 0; i < spans.n; i++) {
		const struct store_span *sp = &spans.v[i];
		int keep = 0;
		if (sp->status != STORE_SPAN_PROPOSED)
			continue;
		json_array_foreach(items, j, it)
		{
			const char *label = json_string_value(json_object_get(it, "label"));
			if (json_integer_value(json_object_get(it, "from")) == sp->id &&
			    (size_t)json_integer_value(json_object_get(it, "start")) == sp->start &&
			    (size_t)json_integer_value(json_object_get(it, "end")) == sp->end &&
			    label && !strcmp(label, sp->label))
				keep = 1;
		}
		if ((error = store_span_set_status(
		         p, sp->id, keep ? STORE_SPAN_ACCEPTED : STORE_SPAN_REJECTED)) < 0)
			goto done;
		if (keep)
			accepted++;
		else
			rejected++;
	}
	snprintf(source, sizeof(source), "user:%s", u.name);
	json_array_foreach(items, j, it)
	{
		struct store_span ns;
		size_t start = (size_t)json_integer_value(json_object_get(it, "start"));
		size_t end = (size_t)json_integer_value(json_object_get(it, "end"));
		const char *label = json_string_value(json_object_get(it, "label"));
		int64_t at = 0;
		if (!label)
			continue;
		for (i = 0; i < spans.n && !at; i++)
			if (spans.v[i].start == start && spans.v[i].end == end &&
			    !strcmp(spans.v[i].label, label))
				at = spans.v[i].id;
		if (at) {
			/* A proposal kept above, or a span already at this place: accept it. */
			if ((error = store_span_set_status(p, at, STORE_SPAN_ACCEPTED)) < 0)
				goto done;
			continue;
		}
		memset(&ns, 0, sizeof(ns));
		ns.start = start;
		ns.end = end;
		ns.label = (char *)label;
		ns.source = source;
		ns.score = 1.0;
		ns.status = STORE_SPAN_ACCEPTED;
		ns.out_start = ns.out_end = -1;
		if ((error = store_span_add(p, doc, &ns, NULL)) < 0)
			goto done;
		added++;
	}
	if (json_object_set_new(params, "spans_accepted", json_integer((json_int_t)accepted)) < 0 ||
	    json_object_set_new(params, "spans_rejected", json_integer((json_int_t)rejected)) < 0 ||
	    json_object_set_new(params, "spans_added", json_integer((json_int_t)added)) < 0)
		error = error_oom();
done:
	store_spans_release(&spans);
	json_decref(result);
	return error;
}

/* The suggest-labels records of a whole-document ner or class task's document (records.c). */
static int decide_suggestions(enclave_project *p, int64_t task, int64_t annotation,
                              const char *result_text, json_t *params)
{
	char type[8];
	int64_t doc, block;
	int k, error;

	if ((error = store_task_get(p->db, task, type, &doc, &block, &k)) < 0 || block >= 0)
		return error;
	return label_suggestions_decide(p, doc, type, annotation, result_text, params);
}

int enclave_label_review(json_t **out, enclave_project *p, const struct enclave_label_user *who,
                         int64_t id, const char *decision, const json_t *result,
                         const char *comment)
{
	struct store_annotation cur;
	struct label_actor a;
	char *text = NULL;
	json_t *params = NULL;
	int correct = decision && !strcmp(decision, "correct");
	int error;

	*out = NULL;
	memset(&cur, 0, sizeof(cur));
	if (!decision || (strcmp(decision, "accept") && strcmp(decision, "reject") && !correct))
		return error_set(ENCLAVE_EINVALID, "a decision is accept, reject or correct");
	if (correct != (result != NULL))
		return error_set(ENCLAVE_EINVALID,
		                 "a result goes with 'correct', and only with it");
	if (comment && strlen(comment) > 10000)
		return error_set(ENCLAVE_EINVALID, "a comment has at most 10000 bytes");
	if ((error = store_annotation_get(p->db, id, 0, 0, &cur)) < 0)
		return error == ENCLAVE_ENOTFOUND
		           ? error_set(error, "no annotation %lld", (long long)id)
		           : error;
	if (cur.user == who->id) {
		error = error_set(ENCLAVE_EDENIED, "you cannot review your own annotation");
		goto done;
	}
	if (correct && ((error = check_task_result(p, cur.task, result)) < 0 ||
	                !(text = json_dumps(result, JSON_COMPACT | JSON_SORT_KEYS)))) {
		error = error < 0 ? error : error_oom();
		goto done;
	}
	store_annotation_release(&cur);
	if ((error = label_begin(p, &a, who)) < 0)
		goto done;
	if ((error = store_annotation_get(p->db, id, 0, 0, &cur)) == 0 &&
	    strcmp(cur.status, "submitted"))
		error = error_set(ENCLAVE_ECONFLICT, "annotation %lld is %s, not submitted",
		                  (long long)id, cur.status);
	if (!error)
		error = store_review_insert(p, id, who->id, decision, text, comment);
	if (!error)
		error = store_annotation_update(
		    p, id, strcmp(decision, "reject") ? "accepted" : "rejected", text);
	if (!error &&
	    !(params = json_pack("{s:s,s:I}", "decision", decision, "task", (json_int_t)cur.task)))
		error = error_oom();
	if (!error && strcmp(decision, "reject"))
		error = apply_ner_review(p, cur.task, cur.user, text ? text : cur.result, params);
	if (!error && strcmp(decision, "reject"))
		error = decide_suggestions(p, cur.task, id, text ? text : cur.result, params);
	if (!error)
		error = audit_label(p, "label.review", "annotation", id, params,
		                    text ? text : cur.result);
	if ((error = label_end(p, error)) == 0)
		error = store_annotation_json(out, p->db, id);
done:
	store_annotation_release(&cur);
	json_decref(params);
	free(text);
	return error;
}

int enclave_label_progress(json_t **out, enclave_project *p)
{
	return store_progress_json(out, p->db);
}

/* ------------------------------------------------------------------ */
/* Users and documents as JSON                                        */
/* ------------------------------------------------------------------ */

static int user_json_cb(const struct enclave_label_user *u, void *payload)
{
	return json_array_append_new(
	           payload, json_pack("{s:I,s:s,s:s,s:b,s:s}", "id", (json_int_t)u->id, "name",
	                              u->name, "role", enclave_label_role_name(u->role), "disabled",
	                              u->disabled, "created", u->created)) < 0
	           ? error_oom()
	           : 0;
}

int enclave_label_users_json(json_t **out, enclave_project *p)
{
	json_t *arr = json_array();
	int error;

	*out = NULL;
	if (!arr)
		return error_oom();
	if ((error = store_user_foreach(p->db, user_json_cb, arr)) < 0) {
		json_decref(arr);
		return error;
	}
	*out = json_pack("{s:o}", "users", arr);
	return *out ? 0 : error_oom();
}

int enclave_label_documents(json_t **out, enclave_project *p, int64_t offset, int64_t limit,
                            const char *q)
{
	return store_label_documents_json(out, p->db, offset, limit, q && *q ? q : NULL);
}

int enclave_label_document(json_t **out, enclave_project *p, int64_t id)
{
	return store_label_document_json(out, p->db, id);
}

int enclave_label_blocks(json_t **out, enclave_project *p, int64_t id, int64_t offset,
                         int64_t limit)
{
	return store_label_blocks_json(out, p->db, id, offset, limit);
}
