/*
 * The `llm:` section of enclave.yaml: named LLM endpoints.
 *
 *   llm:
 *     local:                          # the endpoint's name (letters, digits, . _ -)
 *       kind: ollama                  # ollama | openai
 *       base_url: http://127.0.0.1:11434
 *       model: llama3.1:8b
 *       timeout: 120                  # seconds for a whole request
 *       connect_timeout: 10           # seconds
 *       concurrency: 4                # requests in flight
 *       retries: 3                    # after a 5xx, 429, timeout, dropped connection
 *       backoff: 0.5                  # first wait (s), doubled at each retry
 *       api_key_env: LLM_KEY          # the NAME of a variable holding a key, never a key
 *       schema: response_format       # openai: response_format | json_schema (llama.cpp)
 *       allow: [10.0.0.5:11434]       # the allowlist, instead of loopback only
 *
 * The rest of the file (pii:) is read by src/lib/clean/config.c, which skips
 * this section as this file skips that one. Same rules as there: unknown
 * keys, wrong types, aliases, and too deep or too large files are errors
 * naming "FILE:LINE". `api_key` itself is refused with a message saying to
 * use api_key_env, so that a key never lands in a project file.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "augment_int.h"
#include "../yaml_reader_int.h"
#include "../store/store_int.h"
#include "../../util/fs.h"

struct parser {
	struct yaml_reader r; /* ../yaml_reader_int.h */
};

static int takes(struct parser *ps, const char *key, const char *what)
{
	return error_set(ENCLAVE_EINVALID, "%s:%lu: '%s' takes %s", ps->r.file,
	                 yaml_reader_line(&ps->r), key, what);
}

/* A number in [lo, hi] from the current scalar. */
static int number(struct parser *ps, const char *key, double lo, double hi, double *out)
{
	const char *v = yaml_reader_scalar(&ps->r);
	char *end;
	double d = v ? strtod(v, &end) : NAN;

	if (!v || end == v || *end || !isfinite(d) || d < lo || d > hi) {
		char what[96];
		snprintf(what, sizeof(what), "a number from %g to %g", lo, hi);
		return takes(ps, key, what);
	}
	*out = d;
	return 0;
}

/* A copy of the current scalar into *out (freeing what was there). */
static int string(struct parser *ps, const char *key, char **out)
{
	const char *v = yaml_reader_scalar(&ps->r);

	if (!v || !*v || yaml_reader_is_null(&ps->r))
		return takes(ps, key, "a string");
	free(*out);
	if (!(*out = strdup(v)))
		return error_oom();
	return 0;
}

/* A name of letters, digits, '.', '_', '-' (1 to 64). */
static int valid_name(const char *s)
{
	size_t n = strlen(s), i;

	if (!n || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

/* allow: a list of allowlist entries, each checked here. */
static int parse_allow(struct parser *ps, struct enclave_llm_endpoint *ep)
{
	struct guard_entry entry;
	int error;

	if (yaml_reader_is_null(&ps->r))
		return 0;
	if (ps->r.ev.type != YAML_SEQUENCE_START_EVENT)
		return takes(ps, "allow", "a list of ADDR[/PREFIX][:PORT] or NAME[:PORT]");
	for (;;) {
		const char *v;
		char **grown;
		if ((error = yaml_reader_next(&ps->r)) < 0)
			return error;
		if (ps->r.ev.type == YAML_SEQUENCE_END_EVENT)
			return 0;
		if (!(v = yaml_reader_scalar(&ps->r)))
			return takes(ps, "allow", "a list of ADDR[/PREFIX][:PORT] or NAME[:PORT]");
		if (guard_entry_parse(&entry, v) < 0)
			return error_prefix("%s:%lu", ps->r.file, yaml_reader_line(&ps->r));
		if (ep->nallow >= ENCLAVE_MAX_LLM_ALLOW)
			return error_set(ENCLAVE_ELIMIT, "%s:%lu: more than %d allow entries",
			                 ps->r.file, yaml_reader_line(&ps->r),
			                 ENCLAVE_MAX_LLM_ALLOW);
		if (!(grown = realloc(ep->allow, (ep->nallow + 1) * sizeof(*grown))))
			return error_oom();
		ep->allow = grown;
		if (!(ep->allow[ep->nallow] = strdup(v)))
			return error_oom();
		ep->nallow++;
	}
}

static void endpoint_defaults(struct enclave_llm_endpoint *ep)
{
	memset(ep, 0, sizeof(*ep));
	ep->version = ENCLAVE_LLM_ENDPOINT_VERSION;
	ep->timeout = 120;
	ep->connect_timeout = 10;
	ep->concurrency = 4;
	ep->retries = 3;
	ep->backoff = 0.5;
}

static void endpoint_release(struct enclave_llm_endpoint *ep)
{
	size_t i;

	free(ep->name);
	free(ep->base_url);
	free(ep->model);
	free(ep->api_key_env);
	for (i = 0; i < ep->nallow; i++)
		free(ep->allow[i]);
	free(ep->allow);
	memset(ep, 0, sizeof(*ep));
}

/*
 * base_url: http(s)://HOST[:PORT][/PATH], kept without its trailing slashes.
 * The form only: curl's parser reads it when a client is made (reading the
 * config must not load libcurl, see curl_dl.c).
 */
static int check_base_url(struct parser *ps, struct enclave_llm_endpoint *ep)
{
	const char *u = ep->base_url, *p;
	size_t n;
	int ok;

	p = !strncmp(u, "http://", 7) ? u + 7 : !strncmp(u, "https://", 8) ? u + 8 : NULL;
	ok = p && *p && *p != '/' && *p != ':' && !strpbrk(u, "?#@ \t\r\n\\");
	for (; ok && *u; u++)
		if ((unsigned char)*u < 0x21 || (unsigned char)*u > 0x7e)
			ok = 0;
	if (!ok)
		return error_set(
		    ENCLAVE_EINVALID,
		    "%s:%lu: 'base_url' takes an http:// or https:// URL, not '%.200s'", ps->r.file,
		    yaml_reader_line(&ps->r), ep->base_url);
	n = strlen(ep->base_url);
	while (n > 8 && ep->base_url[n - 1] == '/')
		ep->base_url[--n] = '\0';
	return 0;
}

/* One endpoint's mapping; the current event is its start. */
static int parse_endpoint(struct parser *ps, struct enclave_llm_endpoint *ep)
{
	int error;
	unsigned long start = (unsigned long)ep->line;

	if (ps->r.ev.type != YAML_MAPPING_START_EVENT)
		return takes(ps, ep->name, "a mapping (kind, base_url, model, ...)");
	for (;;) {
		const char *k;
		char key[32];
		double d;
		if ((error = yaml_reader_next(&ps->r)) < 0)
			return error;
		if (ps->r.ev.type == YAML_MAPPING_END_EVENT)
			break;
		if (!(k = yaml_reader_scalar(&ps->r)))
			return error_set(ENCLAVE_EINVALID, "%s:%lu: a key must be a name",
			                 ps->r.file, yaml_reader_line(&ps->r));
		if (!strcmp(k, "api_key"))
			return error_set(ENCLAVE_EINVALID,
			                 "%s:%lu: keys do not go in the project file: set"
			                 " 'api_key_env' to the name of an environment variable",
			                 ps->r.file, yaml_reader_line(&ps->r));
		if (strcmp(k, "kind") && strcmp(k, "base_url") && strcmp(k, "model") &&
		    strcmp(k, "timeout") && strcmp(k, "connect_timeout") &&
		    strcmp(k, "concurrency") && strcmp(k, "retries") && strcmp(k, "backoff") &&
		    strcmp(k, "api_key_env") && strcmp(k, "schema") && strcmp(k, "allow"))
			return error_set(ENCLAVE_EINVALID,
			                 "%s:%lu: unknown key '%.64s' in llm endpoint '%s' (kind,"
			                 " base_url, model, timeout, connect_timeout, concurrency,"
			                 " retries, backoff, api_key_env, schema, allow)",
			                 ps->r.file, yaml_reader_line(&ps->r), k, ep->name);
		snprintf(key, sizeof(key), "%s", k);
		if ((error = yaml_reader_next(&ps->r)) < 0)
			return error;
		if (!strcmp(key, "kind")) {
			const char *v = yaml_reader_scalar(&ps->r);
			if (v && !strcmp(v, "ollama"))
				ep->kind = ENCLAVE_LLM_OLLAMA;
			else if (v && !strcmp(v, "openai"))
				ep->kind = ENCLAVE_LLM_OPENAI;
			else
				return takes(ps, key, "ollama or openai");
		} else if (!strcmp(key, "base_url")) {
			if ((error = string(ps, key, &ep->base_url)) < 0 ||
			    (error = check_base_url(ps, ep)) < 0)
				return error;
		} else if (!strcmp(key, "model")) {
			if ((error = string(ps, key, &ep->model)) < 0)
				return error;
		} else if (!strcmp(key, "api_key_env")) {
			if ((error = string(ps, key, &ep->api_key_env)) < 0)
				return error;
			if (!valid_name(ep->api_key_env) || strchr(ep->api_key_env, '.') ||
			    strchr(ep->api_key_env, '-'))
				return takes(ps, key, "the name of an environment variable");
		} else if (!strcmp(key, "schema")) {
			const char *v = yaml_reader_scalar(&ps->r);
			if (v && !strcmp(v, "response_format"))
				ep->schema_mode = ENCLAVE_LLM_SCHEMA_RESPONSE_FORMAT;
			else if (v && !strcmp(v, "json_schema"))
				ep->schema_mode = ENCLAVE_LLM_SCHEMA_JSON_SCHEMA;
			else
				return takes(ps, key, "response_format or json_schema");
		} else if (!strcmp(key, "allow")) {
			if ((error = parse_allow(ps, ep)) < 0)
				return error;
		} else if (!strcmp(key, "timeout") || !strcmp(key, "connect_timeout") ||
		           !strcmp(key, "backoff")) {
			if ((error = number(ps, key, !strcmp(key, "backoff") ? 0 : 0.001, 86400,
			                    &d)) < 0)
				return error;
			*(!strcmp(key, "timeout")           ? &ep->timeout
			  : !strcmp(key, "connect_timeout") ? &ep->connect_timeout
			                                    : &ep->backoff) = d;
		} else if (!strcmp(key, "concurrency")) {
			if ((error = number(ps, key, 1, ENCLAVE_MAX_LLM_CONCURRENCY, &d)) < 0)
				return error;
			if (d != floor(d))
				return takes(ps, key, "a whole number");
			ep->concurrency = (int)d;
		} else {
			if ((error = number(ps, key, 0, ENCLAVE_MAX_LLM_RETRIES, &d)) < 0)
				return error;
			if (d != floor(d))
				return takes(ps, key, "a whole number");
			ep->retries = (int)d;
		}
	}
	if (!ep->kind)
		return error_set(ENCLAVE_EINVALID, "%s:%lu: llm endpoint '%s' needs 'kind'",
		                 ps->r.file, start, ep->name);
	if (!ep->base_url)
		return error_set(ENCLAVE_EINVALID, "%s:%lu: llm endpoint '%s' needs 'base_url'",
		                 ps->r.file, start, ep->name);
	return 0;
}

/* The llm section's mapping of endpoints. */
static int parse_llm(struct parser *ps, struct enclave_llm_config *out)
{
	int error;

	if (yaml_reader_is_null(&ps->r))
		return 0;
	if (ps->r.ev.type != YAML_MAPPING_START_EVENT)
		return takes(ps, "llm", "a mapping of endpoint names");
	for (;;) {
		struct enclave_llm_endpoint *grown, *ep;
		const char *k;
		if ((error = yaml_reader_next(&ps->r)) < 0)
			return error;
		if (ps->r.ev.type == YAML_MAPPING_END_EVENT)
			return 0;
		if (!(k = yaml_reader_scalar(&ps->r)) || !valid_name(k))
			return error_set(
			    ENCLAVE_EINVALID,
			    "%s:%lu: an endpoint name has 1 to 64 letters, digits, '.',"
			    " '_' or '-'",
			    ps->r.file, yaml_reader_line(&ps->r));
		if (enclave_llm_config_find(out, k))
			return error_set(ENCLAVE_EINVALID, "%s:%lu: endpoint '%s' given twice",
			                 ps->r.file, yaml_reader_line(&ps->r), k);
		if (out->count >= ENCLAVE_MAX_LLM_ALLOW)
			return error_set(ENCLAVE_ELIMIT, "%s:%lu: too many endpoints", ps->r.file,
			                 yaml_reader_line(&ps->r));
		if (!(grown = realloc(out->endpoints, (out->count + 1) * sizeof(*grown))))
			return error_oom();
		out->endpoints = grown;
		ep = &out->endpoints[out->count++];
		endpoint_defaults(ep);
		ep->line = (int)yaml_reader_line(&ps->r);
		if (!(ep->name = strdup(k)))
			return error_oom();
		if ((error = yaml_reader_next(&ps->r)) < 0 || (error = parse_endpoint(ps, ep)) < 0)
			return error;
	}
}

static int parse_stream(struct parser *ps, struct enclave_llm_config *out)
{
	int error;

	if ((error = yaml_reader_next(&ps->r)) < 0 || (error = yaml_reader_next(&ps->r)) < 0)
		return error;
	if (ps->r.ev.type == YAML_STREAM_END_EVENT)
		return 0;
	if ((error = yaml_reader_next(&ps->r)) < 0)
		return error;
	if (yaml_reader_is_null(&ps->r))
		return 0;
	if (ps->r.ev.type != YAML_MAPPING_START_EVENT)
		return error_set(ENCLAVE_EINVALID, "%s:%lu: the config is a mapping of sections",
		                 ps->r.file, yaml_reader_line(&ps->r));
	for (;;) {
		const char *k;
		int llm;
		if ((error = yaml_reader_next(&ps->r)) < 0)
			return error;
		if (ps->r.ev.type == YAML_MAPPING_END_EVENT)
			return 0;
		/* Unknown sections are config.c's to report; skip them here. */
		llm = (k = yaml_reader_scalar(&ps->r)) && !strcmp(k, "llm");
		if ((error = yaml_reader_next(&ps->r)) < 0)
			return error;
		if ((error = llm ? parse_llm(ps, out) : yaml_reader_skip(&ps->r)) < 0)
			return error;
	}
}

int enclave_llm_config_parse(struct enclave_llm_config *out, const char *text, size_t len,
                             const char *name)
{
	struct parser ps;
	int error;

	memset(out, 0, sizeof(*out));
	if (len > ENCLAVE_MAX_CONFIG_BYTES)
		return error_set(ENCLAVE_ELIMIT, "%s: larger than %zu bytes", name,
		                 ENCLAVE_MAX_CONFIG_BYTES);
	memset(&ps, 0, sizeof(ps));
	if ((error = yaml_reader_open(&ps.r, name, text, len)) < 0)
		return error;
	error = parse_stream(&ps, out);
	yaml_reader_close(&ps.r);
	if (error)
		enclave_llm_config_release(out);
	return error;
}

int enclave_llm_config_load(struct enclave_llm_config *out, const enclave_project *p)
{
	struct buf text = BUF_INIT(ENCLAVE_MAX_CONFIG_BYTES);
	char *path = project_file(p, PROJECT_CONFIG);
	int error = 0;

	memset(out, 0, sizeof(*out));
	if (!path)
		return error_oom();
	if (fs_read_file(&text, path) < 0) {
		if (errno != ENOENT)
			error = error_set(errno == EFBIG ? ENCLAVE_ELIMIT : ENCLAVE_EIO,
			                  "cannot read '%s': %s", path, strerror(errno));
	} else {
		error = enclave_llm_config_parse(out, buf_cstr(&text), text.len, path);
	}
	buf_release(&text);
	free(path);
	return error;
}

void enclave_llm_config_release(struct enclave_llm_config *c)
{
	size_t i;

	for (i = 0; i < c->count; i++)
		endpoint_release(&c->endpoints[i]);
	free(c->endpoints);
	c->endpoints = NULL;
	c->count = 0;
}

const struct enclave_llm_endpoint *enclave_llm_config_find(const struct enclave_llm_config *c,
                                                           const char *name)
{
	size_t i;

	for (i = 0; i < c->count; i++)
		if (c->endpoints[i].name && !strcmp(c->endpoints[i].name, name))
			return &c->endpoints[i];
	return NULL;
}

const char *enclave_llm_kind_name(enum enclave_llm_kind kind)
{
	return kind == ENCLAVE_LLM_OLLAMA ? "ollama" : kind == ENCLAVE_LLM_OPENAI ? "openai" : "?";
}
