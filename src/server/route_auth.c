/*
 * POST /api/login, POST /api/logout, GET /api/me: sessions (docs/api.md).
 */
#include <stdio.h>
#include <string.h>

#include "server.h"

/* {"user": {...}, "csrf": TOKEN} */
static json_t *me_json(const struct enclave_label_user *u, const char *csrf)
{
	return json_pack("{s:{s:I,s:s,s:s},s:s}", "user", "id", (json_int_t)u->id, "name", u->name,
	                 "role", enclave_label_role_name(u->role), "csrf", csrf);
}

static int login(struct req *r, const int64_t *args)
{
	struct enclave_label_user u;
	char token[65], csrf[65], ukey[96], akey[96];
	const char *name, *password;
	json_t *body;
	int wait, error;

	(void)args;
	if (!(body = req_json(r)))
		return 0;
	name = json_string_value(json_object_get(body, "username"));
	password = json_string_value(json_object_get(body, "password"));
	if (!name || !password) {
		json_decref(body);
		return reply_error(r, 400, "give username and password");
	}
	snprintf(ukey, sizeof(ukey), "u:%.80s", name);
	snprintf(akey, sizeof(akey), "a:%s", r->client);
	wait = throttle_wait(&r->srv->sessions, ukey);
	if (throttle_wait(&r->srv->sessions, akey) > wait)
		wait = throttle_wait(&r->srv->sessions, akey);
	if (wait > 0) {
		json_decref(body);
		snprintf(r->retry_after, sizeof(r->retry_after), "%d", wait);
		return reply_error(r, 429, "too many failed logins: try again in %d seconds", wait);
	}
	error = enclave_label_login(&u, r->p, name, password);
	json_decref(body);
	if (error == ENCLAVE_EDENIED) {
		throttle_fail(&r->srv->sessions, ukey);
		throttle_fail(&r->srv->sessions, akey);
		return reply_error(r, 401, "invalid username or password");
	}
	if (error < 0)
		return reply_lib(r, error);
	throttle_reset(&r->srv->sessions, ukey);
	if (sessions_create(&r->srv->sessions, u.id, token, csrf) < 0)
		return reply_error(r, 503, "too many sessions: try again later");
	snprintf(r->cookie, sizeof(r->cookie),
	         "enclave_session=%s; HttpOnly; SameSite=Strict; Path=/%s", token,
	         r->srv->tls ? "; Secure" : "");
	return reply_json(r, 200, me_json(&u, csrf));
}

static int logout(struct req *r, const int64_t *args)
{
	(void)args;
	sessions_drop(&r->srv->sessions, r->token);
	snprintf(r->cookie, sizeof(r->cookie),
	         "enclave_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0%s",
	         r->srv->tls ? "; Secure" : "");
	r->status = 204;
	return 0;
}

static int me(struct req *r, const int64_t *args)
{
	(void)args;
	return reply_json(r, 200, me_json(&r->user, r->csrf));
}

const struct route route_auth[] = {
	{ "POST", "/api/login", ENCLAVE_ROLE_NONE, 0, login },
	{ "POST", "/api/logout", ENCLAVE_ROLE_ANNOTATOR, 0, logout },
	{ "GET", "/api/me", ENCLAVE_ROLE_ANNOTATOR, 0, me },
	{ NULL, NULL, ENCLAVE_ROLE_NONE, 0, NULL },
};
