/*
 * The label schema, the project settings and the users (docs/api.md):
 * GET/PUT /api/schema, GET/PUT /api/settings, GET /api/users, and Label
 * Studio's JSON: POST /api/import/labelstudio, GET /api/export/labelstudio.
 */
#include <stdio.h>

#include "server.h"

static int schema_get(struct req *r, const int64_t *args)
{
	json_t *out = NULL;
	int error;

	(void)args;
	if ((error = enclave_label_schema_get(&out, r->p)) < 0)
		return reply_lib(r, error);
	return reply_json(r, 200, out);
}

static int schema_put(struct req *r, const int64_t *args)
{
	json_t *body;
	int error;

	if (!(body = req_json(r)))
		return 0;
	error = enclave_label_schema_set(r->p, &r->user, body);
	json_decref(body);
	return error < 0 ? reply_lib(r, error) : schema_get(r, args);
}

static int settings_get(struct req *r, const int64_t *args)
{
	json_t *out = NULL;
	int error;

	(void)args;
	if ((error = enclave_label_settings_get(&out, r->p)) < 0)
		return reply_lib(r, error);
	return reply_json(r, 200, out);
}

static int settings_put(struct req *r, const int64_t *args)
{
	json_t *body;
	int error;

	if (!(body = req_json(r)))
		return 0;
	error = enclave_label_settings_set(r->p, &r->user, body);
	json_decref(body);
	return error < 0 ? reply_lib(r, error) : settings_get(r, args);
}

static int users(struct req *r, const int64_t *args)
{
	json_t *out = NULL;
	int error;

	(void)args;
	if ((error = enclave_label_users_json(&out, r->p)) < 0)
		return reply_lib(r, error);
	return reply_json(r, 200, out);
}

static int ls_import(struct req *r, const int64_t *args)
{
	json_t *out = NULL;
	int error;

	(void)args;
	if (req_json_type(r) < 0)
		return 0;
	error = enclave_label_labelstudio_import(&out, r->p, &r->user,
	                                         r->body.ptr ? r->body.ptr : "", r->body.len);
	if (error < 0)
		return reply_lib(r, error);
	return reply_json(r, 200, out);
}

static int ls_export(struct req *r, const int64_t *args)
{
	char *out = NULL;
	size_t len = 0;
	int error;

	(void)args;
	if ((error = enclave_label_labelstudio_export(&out, &len, r->p, &r->user)) < 0)
		return reply_lib(r, error);
	r->status = 200;
	r->bytes = (unsigned char *)out;
	r->nbytes = len;
	r->type = "application/json; charset=utf-8";
	return 0;
}

const struct route route_admin[] = {
	{ "POST", "/api/import/labelstudio", ENCLAVE_ROLE_ADMIN, 1, ls_import },
	{ "GET", "/api/export/labelstudio", ENCLAVE_ROLE_REVIEWER, 0, ls_export },
	{ "GET", "/api/schema", ENCLAVE_ROLE_ANNOTATOR, 0, schema_get },
	{ "PUT", "/api/schema", ENCLAVE_ROLE_ADMIN, 1, schema_put },
	{ "GET", "/api/settings", ENCLAVE_ROLE_ADMIN, 0, settings_get },
	{ "PUT", "/api/settings", ENCLAVE_ROLE_ADMIN, 1, settings_put },
	{ "GET", "/api/users", ENCLAVE_ROLE_ADMIN, 0, users },
	{ NULL, NULL, ENCLAVE_ROLE_NONE, 0, NULL },
};
