/*
 * Tasks, annotations, reviews and progress (docs/api.md):
 * GET /api/tasks/next, GET /api/tasks, POST /api/annotations,
 * GET /api/annotations/{id}, GET /api/review/next, POST /api/review,
 * GET /api/agreement, GET /api/progress.
 */
#include <stdio.h>
#include <string.h>

#include "server.h"

/* A JSON reply, or 204 when `out` is NULL. */
static int reply_or_none(struct req *r, json_t *out)
{
	if (!out) {
		r->status = 204;
		return 0;
	}
	return reply_json(r, 200, out);
}

static int task_next(struct req *r, const int64_t *args)
{
	const char *type = req_arg(r, "type");
	json_t *out = NULL;
	int error;

	(void)args;
	if (type && !*type)
		type = NULL;
	/* A task in hand is only read: no write lock for the common case. */
	if ((error = enclave_label_task_current(&out, r->p, &r->user, type)) < 0)
		return reply_lib(r, error);
	if (!out) {
		req_lock(r);
		error = enclave_label_task_next(&out, r->p, &r->user, type);
		pthread_mutex_unlock(&r->srv->write_lock);
		if (error < 0)
			return reply_lib(r, error);
	}
	return reply_or_none(r, out);
}

static int tasks(struct req *r, const int64_t *args)
{
	const char *status = req_arg(r, "status");
	int64_t user, offset, limit;
	json_t *out = NULL;
	int error;

	(void)args;
	if ((user = req_int(r, "user", 0, INT64_MAX / 2)) < 0 ||
	    (offset = req_int(r, "offset", 0, INT64_MAX / 2)) < 0 ||
	    (limit = req_int(r, "limit", 100, 1000)) < 0)
		return 0;
	if (status && !*status)
		status = NULL;
	if ((error = enclave_label_tasks_list(&out, r->p, status, user, offset, limit)) < 0)
		return reply_lib(r, error);
	return reply_json(r, 200, out);
}

static int annotation_save(struct req *r, const int64_t *args)
{
	json_t *body, *out = NULL, *task, *version, *submit, *result;
	int error;

	(void)args;
	if (!(body = req_json(r)))
		return 0;
	task = json_object_get(body, "task");
	version = json_object_get(body, "version");
	submit = json_object_get(body, "submit");
	result = json_object_get(body, "result");
	if (!json_is_integer(task) || !result ||
	    (version && !json_is_null(version) && !json_is_integer(version)) ||
	    (submit && !json_is_boolean(submit))) {
		json_decref(body);
		return reply_error(r, 400,
		                   "give task (an id), result, and optionally version, submit");
	}
	error = enclave_label_annotation_save(
	    &out, r->p, &r->user, json_integer_value(task), result, json_is_true(submit),
	    json_is_integer(version) ? json_integer_value(version) : -1);
	json_decref(body);
	if (error == ENCLAVE_ENOTFOUND)
		return reply_error(r, 404, "%s", enclave_error_last());
	if (error < 0)
		return reply_lib(r, error);
	return reply_json(r, 200, out);
}

static int annotation_get(struct req *r, const int64_t *args)
{
	json_t *out = NULL;
	int error;

	if ((error = enclave_label_annotation_get(&out, r->p, &r->user, args[0])) < 0)
		return reply_lib(r, error);
	return reply_json(r, 200, out);
}

static int review_next(struct req *r, const int64_t *args)
{
	json_t *out = NULL;
	int error;

	(void)args;
	if ((error = enclave_label_review_next(&out, r->p, &r->user)) < 0)
		return reply_lib(r, error);
	return reply_or_none(r, out);
}

static int review(struct req *r, const int64_t *args)
{
	json_t *body, *out = NULL, *ann, *comment;
	int error;

	(void)args;
	if (!(body = req_json(r)))
		return 0;
	ann = json_object_get(body, "annotation");
	comment = json_object_get(body, "comment");
	if (!json_is_integer(ann) ||
	    (comment && !json_is_null(comment) && !json_is_string(comment))) {
		json_decref(body);
		return reply_error(r, 400, "give annotation (an id), decision, result?, comment?");
	}
	error = enclave_label_review(&out, r->p, &r->user, json_integer_value(ann),
	                             json_string_value(json_object_get(body, "decision")),
	                             json_object_get(body, "result"), json_string_value(comment));
	json_decref(body);
	if (error < 0)
		return reply_lib(r, error);
	return reply_json(r, 200, out);
}

static int agreement(struct req *r, const int64_t *args)
{
	json_t *out = NULL;
	int error;

	(void)args;
	if ((error = enclave_label_agreement(&out, r->p, req_arg(r, "type"))) < 0)
		return reply_lib(r, error);
	return reply_json(r, 200, out);
}

static int progress(struct req *r, const int64_t *args)
{
	json_t *out = NULL;
	int error;

	(void)args;
	if ((error = enclave_label_progress(&out, r->p)) < 0)
		return reply_lib(r, error);
	return reply_json(r, 200, out);
}

const struct route route_tasks[] = {
	{ "GET", "/api/tasks/next", ENCLAVE_ROLE_ANNOTATOR, 0, task_next },
	{ "GET", "/api/tasks", ENCLAVE_ROLE_REVIEWER, 0, tasks },
	{ "POST", "/api/annotations", ENCLAVE_ROLE_ANNOTATOR, 1, annotation_save },
	{ "GET", "/api/annotations/#", ENCLAVE_ROLE_ANNOTATOR, 0, annotation_get },
	{ "GET", "/api/review/next", ENCLAVE_ROLE_REVIEWER, 0, review_next },
	{ "POST", "/api/review", ENCLAVE_ROLE_REVIEWER, 1, review },
	{ "GET", "/api/agreement", ENCLAVE_ROLE_REVIEWER, 0, agreement },
	{ "GET", "/api/progress", ENCLAVE_ROLE_REVIEWER, 0, progress },
	{ NULL, NULL, ENCLAVE_ROLE_NONE, 0, NULL },
};
