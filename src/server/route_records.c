/*
 * Generated records reviewed in the label app (docs/api.md, "Generated
 * records"): GET /api/records, GET and PATCH /api/records/{id},
 * POST /api/records/{id}/review, POST /api/records/review (a batch), and
 * GET /api/documents/{id}/suggestions (suggest-labels for the annotation
 * view).
 */
#include <stdio.h>
#include <string.h>

#include "server.h"

#define MAX_RECORDS_PAGE 200

static int records(struct req *r, const int64_t *args)
{
	const char *kind = req_arg(r, "kind"), *status = req_arg(r, "status");
	int64_t document, offset, limit;
	json_t *out = NULL;
	int error;

	(void)args;
	if ((document = req_int(r, "document", 0, INT64_MAX / 2)) < 0 ||
	    (offset = req_int(r, "offset", 0, INT64_MAX / 2)) < 0 ||
	    (limit = req_int(r, "limit", 50, MAX_RECORDS_PAGE)) < 0)
		return 0;
	if (limit == 0)
		return reply_error(r, 400, "'limit' is a number from 1 to %d", MAX_RECORDS_PAGE);
	if (kind && !*kind)
		kind = NULL;
	if (status && !*status)
		status = NULL;
	if ((error = enclave_label_records(&out, r->p, kind, status, document, offset, limit)) < 0)
		return reply_lib(r, error);
	return reply_json(r, 200, out);
}

static int record(struct req *r, const int64_t *args)
{
	json_t *out = NULL;
	int error;

	if ((error = enclave_label_record(&out, r->p, args[0])) < 0)
		return reply_lib(r, error);
	return reply_json(r, 200, out);
}

/* The optional "version" of `body`: 0 with *out (NULL when absent), or -1 after a 400. */
static int body_version(struct req *r, const json_t *body, const char **out)
{
	const json_t *v = json_object_get(body, "version");

	*out = NULL;
	if (v && !json_is_null(v) && !json_is_string(v)) {
		reply_error(r, 400, "version is the string the record came with");
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

static int record_review(struct req *r, const int64_t *args)
{
	json_t *body, *out = NULL;
	const char *version;
	int error;

	if (!(body = req_json(r)))
		return 0;
	if (body_version(r, body, &version) < 0 ||
	    !json_is_string(json_object_get(body, "decision"))) {
		if (!r->json)
			reply_error(r, 400, "give decision (accept, reject, reset) and version?");
		json_decref(body);
		return 0;
	}
	error = enclave_label_record_review(&out, r->p, &r->user, args[0],
	                                    json_string_value(json_object_get(body, "decision")),
	                                    version);
	json_decref(body);
	if (error < 0)
		return reply_lib(r, error);
	return reply_json(r, 200, out);
}

static int records_review(struct req *r, const int64_t *args)
{
	json_t *body, *out = NULL;
	int error;

	(void)args;
	if (!(body = req_json(r)))
		return 0;
	if (!json_is_string(json_object_get(body, "decision")) ||
	    !json_is_array(json_object_get(body, "records"))) {
		json_decref(body);
		return reply_error(r, 400, "give decision and records [{id, version?}]");
	}
	error = enclave_label_records_review(&out, r->p, &r->user, json_object_get(body, "records"),
	                                     json_string_value(json_object_get(body, "decision")));
	json_decref(body);
	if (error < 0)
		return reply_lib(r, error);
	return reply_json(r, 200, out);
}

static int record_edit(struct req *r, const int64_t *args)
{
	json_t *body, *out = NULL, *changes;
	const char *version;
	const char *key;
	json_t *v;
	int error;

	if (!(body = req_json(r)))
		return 0;
	if (body_version(r, body, &version) < 0) {
		json_decref(body);
		return 0;
	}
	if (!version) {
		json_decref(body);
		return reply_error(r, 400, "an edit names the version it changes");
	}
	json_object_foreach(body, key, v)
	{
		if (strcmp(key, "version") && strcmp(key, "text") && strcmp(key, "payload")) {
			json_decref(body);
			return reply_error(r, 400, "an edit is {version, text?, payload?}");
		}
	}
	if (!(changes = json_deep_copy(body))) {
		json_decref(body);
		return reply_error(r, 500, "internal error");
	}
	json_object_del(changes, "version");
	error = enclave_label_record_edit(&out, r->p, &r->user, args[0], version, changes);
	json_decref(changes);
	json_decref(body);
	if (error < 0)
		return reply_lib(r, error);
	return reply_json(r, 200, out);
}

static int suggestions(struct req *r, const int64_t *args)
{
	json_t *out = NULL, *doc = NULL;
	int error;

	/* A document that is not there is 404, not an empty list. */
	if ((error = enclave_label_document(&doc, r->p, args[0])) < 0)
		return reply_lib(r, error);
	json_decref(doc);
	if ((error = enclave_label_suggestions(&out, r->p, args[0])) < 0)
		return reply_lib(r, error);
	return reply_json(r, 200, out);
}

const struct route route_records[] = {
	{ "GET", "/api/records", ENCLAVE_ROLE_REVIEWER, 0, records },
	{ "POST", "/api/records/review", ENCLAVE_ROLE_REVIEWER, 1, records_review },
	{ "GET", "/api/records/#", ENCLAVE_ROLE_REVIEWER, 0, record },
	{ "PATCH", "/api/records/#", ENCLAVE_ROLE_REVIEWER, 1, record_edit },
	{ "POST", "/api/records/#/review", ENCLAVE_ROLE_REVIEWER, 1, record_review },
	{ "GET", "/api/documents/#/suggestions", ENCLAVE_ROLE_ANNOTATOR, 0, suggestions },
	{ NULL, NULL, ENCLAVE_ROLE_NONE, 0, NULL },
};
