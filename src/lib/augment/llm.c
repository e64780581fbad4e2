/*
 * The LLM client: chat calls and model lists against an endpoint of kind
 * ollama (native API) or openai (OpenAI-compatible API), over net.c.
 *
 * Ollama (docs: github.com/ollama/ollama, docs/api.md):
 *   POST /api/chat {model, messages, stream, format, options: {temperature,
 *   seed, num_predict}}; not streamed: one object with message.content,
 *   done_reason, prompt_eval_count, eval_count, eval_duration (ns); streamed:
 *   NDJSON, one such object a line, the last with "done": true and the
 *   counts. `format` takes a JSON schema object. GET /api/tags: {models:
 *   [{name, model, size, digest, ...}]}. Errors: {"error": "..."}.
 * OpenAI-compatible:
 *   POST /v1/chat/completions {model, messages, stream, temperature, seed,
 *   max_tokens, response_format: {type: json_schema, json_schema: {name,
 *   schema, strict}} (or llama.cpp's top-level json_schema), stream_options:
 *   {include_usage: true}}; not streamed: {choices: [{message: {content},
 *   finish_reason}], usage: {prompt_tokens, completion_tokens}}; streamed:
 *   server-sent events "data: {choices: [{delta: {content}}]}", usage in a
 *   last chunk, then "data: [DONE]". GET /v1/models: {data: [{id, ...}]}.
 *   Errors: {"error": {"message": "..."}}.
 *
 * A base_url is the server's root; for openai, a base_url ending in /v1 is
 * accepted too (the /v1 is not doubled).
 *
 * Retries: a 5xx, a 429, a timeout or a dropped connection is tried again
 * after backoff * 2^(n-1) seconds (or Retry-After's seconds), both capped at
 * ENCLAVE_MAX_LLM_BACKOFF, up to `retries` times; a streamed call is not
 * retried once a piece was handed to the caller. A 3xx is refused (egress
 * refused: redirects are not followed) and audited like a refused address.
 */
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "augment_int.h"
#include "../store/store_int.h"

struct enclave_llm {
	struct enclave_llm_endpoint ep; /* a deep copy */
	struct guard guard;
	struct net net;             /* for calls from the owner's thread */
	enclave_project *project;   /* borrowed, may be NULL */
	pthread_mutex_t audit_lock; /* one audit write at a time (chat_many's threads) */
	char *api_key;              /* from the environment, or NULL */
	int breaker;                /* chat_many stops after this many unreachable calls in a row */
	int unreachable_run;        /* unreachable calls in a row (chat_many's, under its lock) */
};

/* ------------------------------------------------------------------ */
/* Handle                                                             */
/* ------------------------------------------------------------------ */

static char *dup_or_null(const char *s, int *oom)
{
	char *d;

	if (!s)
		return NULL;
	if (!(d = strdup(s)))
		*oom = 1;
	return d;
}

int enclave_llm_new(enclave_llm **out, const struct enclave_llm_endpoint *ep,
                    enclave_project *project)
{
	enclave_llm *llm;
	int error = 0, oom = 0;
	size_t i;

	*out = NULL;
	if (!ep || ep->version != ENCLAVE_LLM_ENDPOINT_VERSION || !ep->name || !ep->base_url ||
	    (ep->kind != ENCLAVE_LLM_OLLAMA && ep->kind != ENCLAVE_LLM_OPENAI))
		return error_set(ENCLAVE_EINVALID,
		                 "an endpoint needs a name, a kind and a base_url");
	if (!(llm = calloc(1, sizeof(*llm))))
		return error_oom();
	pthread_mutex_init(&llm->audit_lock, NULL);
	llm->project = project;
	llm->ep = *ep;
	llm->ep.name = dup_or_null(ep->name, &oom);
	llm->ep.base_url = dup_or_null(ep->base_url, &oom);
	llm->ep.model = dup_or_null(ep->model, &oom);
	llm->ep.api_key_env = dup_or_null(ep->api_key_env, &oom);
	llm->ep.allow = NULL;
	llm->ep.nallow = 0;
	if (ep->nallow && !(llm->ep.allow = calloc(ep->nallow, sizeof(char *))))
		oom = 1;
	for (i = 0; !oom && i < ep->nallow; i++, llm->ep.nallow++)
		llm->ep.allow[i] = dup_or_null(ep->allow[i], &oom);
	if (oom) {
		error = error_oom();
		goto fail;
	}
	if (llm->ep.concurrency < 1)
		llm->ep.concurrency = 1;
	if (llm->ep.retries < 0 || llm->ep.retries > ENCLAVE_MAX_LLM_RETRIES)
		llm->ep.retries = llm->ep.retries < 0 ? 0 : ENCLAVE_MAX_LLM_RETRIES;
	if ((error = guard_init(&llm->guard, llm->ep.allow, llm->ep.nallow)) < 0) {
		error_prefix("endpoint '%s'", ep->name);
		goto fail;
	}
	if (ep->api_key_env) {
		const char *key = getenv(ep->api_key_env);
		if (!key || !*key) {
			error =
			    error_set(ENCLAVE_EINVALID,
			              "endpoint '%s': the environment variable '%s' (api_key_env)"
			              " is not set",
			              ep->name, ep->api_key_env);
			goto fail;
		}
		if (!(llm->api_key = strdup(key))) {
			error = error_oom();
			goto fail;
		}
	}
	if ((error = net_init(&llm->net, &llm->guard)) < 0)
		goto fail;
	{
		/* The base URL as curl reads it (the config checked its form only). */
		CURLU *u = curl_url();
		int ok = u && curl_url_set(u, CURLUPART_URL, llm->ep.base_url, 0) == CURLUE_OK;
		curl_url_cleanup(u);
		if (!ok) {
			error = error_set(ENCLAVE_EINVALID, "endpoint '%s': bad base_url '%.200s'",
			                  ep->name, ep->base_url);
			goto fail;
		}
	}
	*out = llm;
	return 0;
fail:
	enclave_llm_free(llm);
	return error;
}

void enclave_llm_free(enclave_llm *llm)
{
	size_t i;

	if (!llm)
		return;
	net_release(&llm->net);
	guard_release(&llm->guard);
	free(llm->ep.name);
	free(llm->ep.base_url);
	free(llm->ep.model);
	free(llm->ep.api_key_env);
	for (i = 0; i < llm->ep.nallow; i++)
		free(llm->ep.allow[i]);
	free(llm->ep.allow);
	if (llm->api_key) {
		memset(llm->api_key, 0, strlen(llm->api_key));
		free(llm->api_key);
	}
	pthread_mutex_destroy(&llm->audit_lock);
	free(llm);
}

/* ------------------------------------------------------------------ */
/* Audit of refusals                                                  */
/* ------------------------------------------------------------------ */

/*
 * Record an egress.refused event when the client has a project, in a
 * transaction of its own. The refusal stays the error: a failed audit write
 * is added to its message, never swallowed.
 */
static int audit_refusal(enclave_llm *llm, const struct guard_refusal *why, const char *url,
                         int error)
{
	char *msg, subject[80];
	json_t *params;
	int aerr;

	if (!llm->project)
		return error;
	if (!(msg = strdup(enclave_error_last())))
		return error_oom();
	snprintf(subject, sizeof(subject), "llm:%s", llm->ep.name);
	params = json_pack("{s:s,s:s,s:i,s:s,s:s}", "endpoint", llm->ep.name, "address",
	                   why->address, "port", why->port, "reason",
	                   why->reason ? why->reason : "refused", "url", url);
	pthread_mutex_lock(&llm->audit_lock);
	if (!params)
		aerr = error_oom();
	else if ((aerr = store_begin(llm->project)) == 0) {
		aerr =
		    audit_append(llm->project, "egress.refused", subject, params, NULL, NULL, NULL);
		if (aerr < 0)
			store_rollback(llm->project);
		else if ((aerr = store_commit(llm->project)) == 0)
			aerr = audit_write_head(llm->project);
	}
	pthread_mutex_unlock(&llm->audit_lock);
	json_decref(params);
	if (aerr < 0)
		error_set(error, "%s (and its audit event failed: %s)", msg, enclave_error_last());
	else
		error_set(error, "%s", msg);
	free(msg);
	return error;
}

/* ------------------------------------------------------------------ */
/* Requests                                                           */
/* ------------------------------------------------------------------ */

/* base_url + path; for openai "/v1/..." paths, a base ending in /v1 is not doubled. */
static int endpoint_url(struct buf *out, const enclave_llm *llm, const char *path)
{
	size_t n = strlen(llm->ep.base_url);

	if (!strncmp(path, "/v1/", 4) && n >= 3 && !strcmp(llm->ep.base_url + n - 3, "/v1"))
		path += 3;
	if (buf_printf(out, "%s%s", llm->ep.base_url, path) < 0)
		return error_set(ENCLAVE_ELIMIT, "endpoint '%s': URL too long", llm->ep.name);
	return 0;
}

/* The JSON body of a chat request for this endpoint's kind. */
static int chat_body(char **out, const enclave_llm *llm, const struct enclave_llm_request *req)
{
	json_t *body = json_object(), *msgs = json_array(), *schema = NULL;
	int error = 0, ollama = llm->ep.kind == ENCLAVE_LLM_OLLAMA;
	size_t i;

	*out = NULL;
	if (!body || !msgs) {
		json_decref(msgs);
		error = error_oom();
		goto done;
	}
	json_object_set_new(body, "messages", msgs);
	if (!req->nmessages) {
		error = error_set(ENCLAVE_EINVALID, "a chat request needs a message");
		goto done;
	}
	for (i = 0; i < req->nmessages; i++) {
		const struct enclave_llm_message *m = &req->messages[i];
		if (!m->role || !m->content) {
			error =
			    error_set(ENCLAVE_EINVALID, "message %zu has no role or content", i);
			goto done;
		}
		json_array_append_new(
		    msgs, json_pack("{s:s,s:s}", "role", m->role, "content", m->content));
	}
	if (llm->ep.model)
		json_object_set_new(body, "model", json_string(llm->ep.model));
	else if (ollama) {
		error = error_set(ENCLAVE_EINVALID, "endpoint '%s' has no model", llm->ep.name);
		goto done;
	}
	json_object_set_new(body, "stream", json_boolean(req->stream));
	if (req->schema) {
		json_error_t jerr;
		if (!(schema = json_loads(req->schema, JSON_REJECT_DUPLICATES, &jerr)) ||
		    !json_is_object(schema)) {
			error =
			    error_set(ENCLAVE_EINVALID, "the JSON schema is not a JSON object: %s",
			              schema ? "another type" : jerr.text);
			goto done;
		}
	}
	if (ollama) {
		json_t *opts = json_object();
		if (req->temperature >= 0)
			json_object_set_new(opts, "temperature", json_real(req->temperature));
		if (req->has_seed)
			json_object_set_new(opts, "seed", json_integer(req->seed));
		if (req->max_tokens > 0)
			json_object_set_new(opts, "num_predict", json_integer(req->max_tokens));
		json_object_set_new(body, "options", opts);
		if (schema)
			json_object_set(body, "format", schema);
	} else {
		if (req->temperature >= 0)
			json_object_set_new(body, "temperature", json_real(req->temperature));
		if (req->has_seed)
			json_object_set_new(body, "seed", json_integer(req->seed));
		if (req->max_tokens > 0)
			json_object_set_new(body, "max_tokens", json_integer(req->max_tokens));
		if (req->stream)
			json_object_set_new(body, "stream_options",
			                    json_pack("{s:b}", "include_usage", 1));
		if (schema && llm->ep.schema_mode == ENCLAVE_LLM_SCHEMA_JSON_SCHEMA)
			json_object_set(body, "json_schema", schema);
		else if (schema)
			json_object_set_new(body, "response_format",
			                    json_pack("{s:s,s:{s:s,s:O,s:b}}", "type",
			                              "json_schema", "json_schema", "name",
			                              "enclave", "schema", schema, "strict", 1));
	}
	if (!(*out = json_dumps(body, JSON_COMPACT)))
		error = error_oom();
done:
	json_decref(schema);
	json_decref(body);
	return error;
}

/* Replace control bytes in `s` by '?': server text goes into messages shown on terminals. */
static void sanitize(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

/* The error text inside an error body ({"error": "..."} or {"error": {"message": ...}}). */
static void error_text(char *out, size_t size, const struct buf *body)
{
	json_t *root = json_loadb(body->ptr ? body->ptr : "", body->len, 0, NULL), *e;
	const char *s = NULL;

	if (root && (e = json_object_get(root, "error"))) {
		if (json_is_string(e))
			s = json_string_value(e);
		else if (json_is_string(json_object_get(e, "message")))
			s = json_string_value(json_object_get(e, "message"));
	}
	if (s)
		snprintf(out, size, ": %s", s);
	else if (body->len)
		snprintf(out, size, ": %.120s", body->ptr);
	else
		out[0] = '\0';
	sanitize(out);
	json_decref(root);
}

/* ------------------------------------------------------------------ */
/* Replies                                                            */
/* ------------------------------------------------------------------ */

/* What a chat attempt builds: the text so far, and a stream's line assembler. */
struct chat_state {
	const enclave_llm *llm;
	const struct enclave_llm_request *req;
	struct enclave_llm_reply *out;
	struct buf content; /* capped at ENCLAVE_MAX_LLM_REPLY_BYTES */
	struct buf line;    /* a stream's partial line */
	int ended;          /* the end marker was seen (done: true, [DONE]) */
	int delivered;      /* pieces were handed to on_delta */
	int error;          /* set by a callback that stopped the transfer */
	char message[ENCLAVE_MAX_ERROR_BYTES];
};

static int64_t get_int(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : -1;
}

static int set_string(char **to, json_t *v)
{
	if (!json_is_string(v))
		return 0;
	free(*to);
	return (*to = strdup(json_string_value(v))) ? 0 : error_oom();
}

/* Stop a stream with an error kept in the state (the callback's thread message). */
static int state_fail(struct chat_state *st, int code, const char *fmt, const char *detail)
{
	char clean[512];

	snprintf(clean, sizeof(clean), "%s", detail);
	sanitize(clean);
	st->error = error_set(code, fmt, st->llm->ep.name, clean);
	snprintf(st->message, sizeof(st->message), "%s", enclave_error_last());
	return st->error;
}

/* Add a piece of reply text; with a stream, hand it to on_delta. */
static int add_text(struct chat_state *st, const char *s, size_t len)
{
	if (!len)
		return 0;
	if (buf_put(&st->content, s, len) < 0)
		return state_fail(st, ENCLAVE_ELIMIT, "endpoint '%s': reply larger than %s",
		                  "ENCLAVE_MAX_LLM_REPLY_BYTES");
	if (st->req->stream && st->req->on_delta) {
		st->delivered = 1;
		if (st->req->on_delta(s, len, st->req->payload))
			return state_fail(st, ENCLAVE_ERROR, "endpoint '%s': %s",
			                  "stopped by the caller");
	}
	return 0;
}

/* The fields of an Ollama chat object (a whole reply or one NDJSON line). */
static int ollama_object(struct chat_state *st, json_t *o)
{
	json_t *msg = json_object_get(o, "message"), *c = json_object_get(msg, "content"), *err;
	int error;

	if ((err = json_object_get(o, "error")) && json_is_string(err))
		return state_fail(st, ENCLAVE_ERROR, "endpoint '%s': %s", json_string_value(err));
	if (!json_is_string(c))
		return state_fail(st, ENCLAVE_EINVALID, "endpoint '%s': %s",
		                  "malformed reply: no message.content");
	if ((error = add_text(st, json_string_value(c), json_string_length(c))) < 0)
		return error;
	if ((error = set_string(&st->out->model, json_object_get(o, "model"))) < 0)
		return error;
	if (json_is_true(json_object_get(o, "done"))) {
		int64_t ns = get_int(o, "eval_duration");
		st->ended = 1;
		st->out->prompt_tokens = get_int(o, "prompt_eval_count");
		st->out->completion_tokens = get_int(o, "eval_count");
		st->out->eval_seconds = ns >= 0 ? (double)ns / 1e9 : -1;
		if ((error = set_string(&st->out->finish_reason,
		                        json_object_get(o, "done_reason"))) < 0)
			return error;
	}
	return 0;
}

/* The fields of an OpenAI chat object (a whole reply, or one SSE chunk with `delta`). */
static int openai_object(struct chat_state *st, json_t *o, int chunk)
{
	json_t *choices = json_object_get(o, "choices"), *ch, *m, *c, *usage, *err;
	int error;

	if ((err = json_object_get(o, "error"))) {
		json_t *em = json_object_get(err, "message");
		return state_fail(st, ENCLAVE_ERROR, "endpoint '%s': %s",
		                  json_is_string(em) ? json_string_value(em) : "error");
	}
	if (!json_is_array(choices) || (!chunk && !json_array_size(choices)))
		return state_fail(st, ENCLAVE_EINVALID, "endpoint '%s': %s",
		                  "malformed reply: no choices");
	if ((error = set_string(&st->out->model, json_object_get(o, "model"))) < 0)
		return error;
	if ((ch = json_array_get(choices, 0))) {
		m = json_object_get(ch, chunk ? "delta" : "message");
		c = json_object_get(m, "content");
		if (!json_is_object(m) || (!chunk && !json_is_string(c)) ||
		    (c && !json_is_null(c) && !json_is_string(c)))
			return state_fail(st, ENCLAVE_EINVALID, "endpoint '%s': %s",
			                  chunk ? "malformed chunk: no delta"
			                        : "malformed reply: no message.content");
		if (json_is_string(c) &&
		    (error = add_text(st, json_string_value(c), json_string_length(c))) < 0)
			return error;
		if ((error = set_string(&st->out->finish_reason,
		                        json_object_get(ch, "finish_reason"))) < 0)
			return error;
	}
	if ((usage = json_object_get(o, "usage")) && json_is_object(usage)) {
		st->out->prompt_tokens = get_int(usage, "prompt_tokens");
		st->out->completion_tokens = get_int(usage, "completion_tokens");
	}
	if (!chunk)
		st->ended = 1;
	return 0;
}

/* One complete line of a stream (NDJSON for ollama, SSE for openai). */
static int stream_line(struct chat_state *st, const char *line, size_t len)
{
	json_t *o;
	json_error_t jerr;
	int error;

	while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
		len--;
	if (!len)
		return 0;
	if (st->ended)
		return 0; /* after the end marker, nothing counts */
	if (st->llm->ep.kind == ENCLAVE_LLM_OPENAI) {
		/* Only data lines carry anything; comments (":"), event:, id: are skipped. */
		if (len < 5 || strncmp(line, "data:", 5))
			return 0;
		line += 5;
		len -= 5;
		while (len && *line == ' ') {
			line++;
			len--;
		}
		if (len == 6 && !strncmp(line, "[DONE]", 6)) {
			st->ended = 1;
			return 0;
		}
	}
	if (!(o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr)) || !json_is_object(o)) {
		json_decref(o);
		return state_fail(st, ENCLAVE_EINVALID, "endpoint '%s': malformed stream line: %s",
		                  o ? "not an object" : jerr.text);
	}
	error =
	    st->llm->ep.kind == ENCLAVE_LLM_OLLAMA ? ollama_object(st, o) : openai_object(st, o, 1);
	json_decref(o);
	return error;
}

/* net's data callback for a streamed reply: split into lines. */
static int stream_data(const char *data, size_t len, void *payload)
{
	struct chat_state *st = payload;
	const char *nl;

	while (len) {
		if (!(nl = memchr(data, '\n', len))) {
			if (buf_put(&st->line, data, len) < 0) {
				state_fail(st, ENCLAVE_ELIMIT,
				           "endpoint '%s': a stream line is longer than %s",
				           "ENCLAVE_MAX_LLM_LINE_BYTES");
				return 1;
			}
			return 0;
		}
		if (buf_put(&st->line, data, (size_t)(nl - data)) < 0) {
			state_fail(st, ENCLAVE_ELIMIT,
			           "endpoint '%s': a stream line is longer than %s",
			           "ENCLAVE_MAX_LLM_LINE_BYTES");
			return 1;
		}
		if (stream_line(st, st->line.ptr ? st->line.ptr : "", st->line.len) < 0)
			return 1;
		buf_clear(&st->line);
		len -= (size_t)(nl - data) + 1;
		data = nl + 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Attempts and retries                                               */
/* ------------------------------------------------------------------ */

void enclave_llm_reply_release(struct enclave_llm_reply *r)
{
	free(r->content);
	free(r->model);
	free(r->finish_reason);
	memset(r, 0, sizeof(*r));
}

static void reply_init(struct enclave_llm_reply *r)
{
	memset(r, 0, sizeof(*r));
	r->prompt_tokens = r->completion_tokens = -1;
	r->eval_seconds = -1;
}

static void sleep_seconds(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0)
		;
}

/* How one attempt ended, for the retry decision. */
enum attempt_end { ATTEMPT_OK, ATTEMPT_RETRY, ATTEMPT_FAIL };

/*
 * One HTTP exchange: `body` POSTed (or GET when NULL) to `path`. A 2xx
 * response leaves its body in resp (or streamed into st). Anything else is
 * an error with its message set; *end says whether to retry.
 */
static int attempt(enclave_llm *llm, struct net *net, const char *path, const char *body,
                   struct chat_state *st, struct net_response *resp, enum attempt_end *end)
{
	struct buf url = BUF_INIT(4096);
	struct net_request req;
	char detail[200];
	int error;

	*end = ATTEMPT_FAIL;
	if ((error = endpoint_url(&url, llm, path)) < 0)
		goto done;
	memset(&req, 0, sizeof(req));
	req.url = buf_cstr(&url);
	req.body = body;
	req.bearer = llm->api_key;
	req.timeout = llm->ep.timeout;
	req.connect_timeout = llm->ep.connect_timeout;
	if (st && st->req->stream) {
		req.on_data = stream_data;
		req.payload = st;
	}
	error = net_perform(net, &req, resp);
	if (error < 0) {
		if (resp->failure == NET_REFUSED) {
			error_prefix("endpoint '%s'", llm->ep.name);
			error = audit_refusal(llm, &resp->refused, req.url, error);
		} else if (resp->failure == NET_ABORTED && st && st->error) {
			error = error_set(st->error, "%s", st->message);
		} else {
			error_prefix("endpoint '%s'", llm->ep.name);
			if ((resp->failure == NET_TIMEOUT || resp->failure == NET_CONNECT) &&
			    !(st && st->delivered))
				*end = ATTEMPT_RETRY;
		}
		goto done;
	}
	if (resp->status >= 300 && resp->status < 400) {
		struct guard_refusal why;
		memset(&why, 0, sizeof(why));
		snprintf(why.address, sizeof(why.address), "%.270s", resp->location);
		sanitize(why.address);
		sanitize(resp->location);
		why.reason = "redirects are not followed";
		error = error_set(ENCLAVE_EDENIED,
		                  "endpoint '%s': egress refused: redirect (HTTP %ld) to '%.200s':"
		                  " redirects are not followed",
		                  llm->ep.name, resp->status, resp->location);
		error = audit_refusal(llm, &why, req.url, error);
		goto done;
	}
	if (resp->status < 200 || resp->status >= 300) {
		error_text(detail, sizeof(detail), &resp->body);
		error = error_set(resp->status == 404 ? ENCLAVE_ENOTFOUND : ENCLAVE_ERROR,
		                  "endpoint '%s': HTTP %ld from '%s'%s", llm->ep.name, resp->status,
		                  req.url, detail);
		if (resp->status == 429 || resp->status >= 500)
			*end = ATTEMPT_RETRY;
		goto done;
	}
	*end = ATTEMPT_OK;
done:
	buf_release(&url);
	return error;
}

/* The wait before retry `n` (1-based): Retry-After when given, else backoff * 2^(n-1). */
static double backoff_for(const enclave_llm *llm, int n, const struct net_response *resp)
{
	double w = resp->retry_after >= 0 ? resp->retry_after : llm->ep.backoff * ldexp(1.0, n - 1);

	return w > ENCLAVE_MAX_LLM_BACKOFF ? ENCLAVE_MAX_LLM_BACKOFF : w;
}

/* Parse a whole (not streamed) chat reply body into st. */
static int parse_reply(struct chat_state *st, const struct buf *body)
{
	json_error_t jerr;
	json_t *o =
	    json_loadb(body->ptr ? body->ptr : "", body->len, JSON_REJECT_DUPLICATES, &jerr);
	int error;

	if (!o || !json_is_object(o)) {
		json_decref(o);
		return error_set(ENCLAVE_EINVALID, "endpoint '%s': malformed reply: %s",
		                 st->llm->ep.name, o ? "not a JSON object" : jerr.text);
	}
	error =
	    st->llm->ep.kind == ENCLAVE_LLM_OLLAMA ? ollama_object(st, o) : openai_object(st, o, 0);
	json_decref(o);
	if (!error && !st->ended)
		error = error_set(ENCLAVE_EINVALID, "endpoint '%s': malformed reply: not done",
		                  st->llm->ep.name);
	return error;
}

/*
 * A chat call on `net` (the handle's own, or a chat_many worker's).
 * *unreachable (when not NULL) is set when the last attempt failed at the
 * connection: refused or dropped, or a timeout before any connection.
 */
static int chat_on(struct enclave_llm_reply *out, enclave_llm *llm, struct net *net,
                   const struct enclave_llm_request *req, int *unreachable)
{
	const char *path =
	    llm->ep.kind == ENCLAVE_LLM_OLLAMA ? "/api/chat" : "/v1/chat/completions";
	char *body = NULL;
	int error, n;

	reply_init(out);
	if (!req || req->version != ENCLAVE_LLM_REQUEST_VERSION)
		return error_set(ENCLAVE_EINVALID, "a chat request of an unknown version");
	if ((error = chat_body(&body, llm, req)) < 0)
		return error;
	for (n = 1;; n++) {
		struct chat_state st;
		struct net_response resp;
		enum attempt_end end;
		double t0 = time_monotonic();

		memset(&st, 0, sizeof(st));
		st.llm = llm;
		st.req = req;
		st.out = out;
		st.content.max = ENCLAVE_MAX_LLM_REPLY_BYTES;
		st.line.max = ENCLAVE_MAX_LLM_LINE_BYTES;
		enclave_llm_reply_release(out); /* what a failed attempt may have set */
		reply_init(out);
		out->attempts = n;
		net_response_init(&resp);
		error = attempt(llm, net, path, body, &st, &resp, &end);
		if (!error && req->stream) {
			/* A last line without its newline still counts. */
			if (st.line.len && stream_line(&st, st.line.ptr, st.line.len) < 0)
				error = error_set(st.error, "%s", st.message);
			else if (!st.ended)
				error = error_set(
				    ENCLAVE_EIO,
				    "endpoint '%s': the stream ended before its end marker",
				    llm->ep.name);
		} else if (!error) {
			error = parse_reply(&st, &resp.body);
		}
		if (!error && !(out->content = buf_detach(&st.content, NULL)) &&
		    !(out->content = strdup("")))
			error = error_oom();
		out->seconds = time_monotonic() - t0;
		buf_release(&st.content);
		buf_release(&st.line);
		if (!error || end != ATTEMPT_RETRY || n > llm->ep.retries) {
			if (unreachable)
				*unreachable =
				    error && (resp.failure == NET_CONNECT ||
				              (resp.failure == NET_TIMEOUT && !resp.connected));
			if (error && n > 1)
				error_prefix("after %d attempts", n);
			net_response_release(&resp);
			break;
		}
		sleep_seconds(backoff_for(llm, n, &resp));
		net_response_release(&resp);
	}
	free(body);
	if (error) {
		int attempts = out->attempts;
		enclave_llm_reply_release(out);
		reply_init(out);
		out->attempts = attempts;
	}
	return error;
}

int enclave_llm_chat(struct enclave_llm_reply *out, enclave_llm *llm,
                     const struct enclave_llm_request *req)
{
	return chat_on(out, llm, &llm->net, req, NULL);
}

/* ------------------------------------------------------------------ */
/* Structured output                                                  */
/* ------------------------------------------------------------------ */

/* Does JSON value v have the JSON-schema type name `type`? */
static int type_matches(json_t *v, const char *type)
{
	if (!strcmp(type, "string"))
		return json_is_string(v);
	if (!strcmp(type, "integer"))
		return json_is_integer(v);
	if (!strcmp(type, "number"))
		return json_is_number(v);
	if (!strcmp(type, "boolean"))
		return json_is_boolean(v);
	if (!strcmp(type, "array"))
		return json_is_array(v);
	if (!strcmp(type, "object"))
		return json_is_object(v);
	if (!strcmp(type, "null"))
		return json_is_null(v);
	return 1;
}

/*
 * Is `text` one JSON object that has the schema's required properties with
 * their declared types (top level only)? Sets the message when not.
 */
static int check_structured(const char *text, json_t *schema)
{
	json_error_t jerr;
	json_t *o = json_loads(text, JSON_REJECT_DUPLICATES, &jerr), *req, *props, *v;
	const char *key;
	size_t i;
	int error = 0;

	if (!o || !json_is_object(o)) {
		error = error_set(ENCLAVE_EINVALID, "the reply is not a JSON object: %s",
		                  o ? "another type" : jerr.text);
		goto done;
	}
	if (!schema)
		goto done;
	props = json_object_get(schema, "properties");
	req = json_object_get(schema, "required");
	json_array_foreach(req, i, v)
	{
		if (json_is_string(v) && !json_object_get(o, json_string_value(v))) {
			error = error_set(ENCLAVE_EINVALID, "the reply lacks the required '%s'",
			                  json_string_value(v));
			goto done;
		}
	}
	json_object_foreach(props, key, v)
	{
		json_t *got = json_object_get(o, key), *type = json_object_get(v, "type");
		if (got && json_is_string(type) && !type_matches(got, json_string_value(type))) {
			error = error_set(ENCLAVE_EINVALID, "the reply's '%s' is not of type %s",
			                  key, json_string_value(type));
			goto done;
		}
	}
done:
	json_decref(o);
	return error;
}

int enclave_llm_chat_json(struct enclave_llm_reply *out, enclave_llm *llm,
                          const struct enclave_llm_request *req, int attempts)
{
	json_t *schema = NULL;
	int error = 0, i, calls = 0;

	reply_init(out);
	if (attempts < 1 || attempts > ENCLAVE_MAX_LLM_RETRIES)
		return error_set(ENCLAVE_EINVALID, "attempts must be 1 to %d",
		                 ENCLAVE_MAX_LLM_RETRIES);
	if (req && req->schema && !(schema = json_loads(req->schema, 0, NULL)))
		return error_set(ENCLAVE_EINVALID, "the JSON schema is not JSON");
	for (i = 0; i < attempts; i++) {
		if ((error = enclave_llm_chat(out, llm, req)) < 0)
			break;
		calls += out->attempts;
		if ((error = check_structured(out->content, schema)) == 0)
			break;
		error_prefix("endpoint '%s': structured reply %d of %d", llm->ep.name, i + 1,
		             attempts);
		enclave_llm_reply_release(out);
		reply_init(out);
	}
	if (!error)
		out->attempts = calls;
	json_decref(schema);
	return error;
}

/* ------------------------------------------------------------------ */
/* Many calls at once                                                 */
/* ------------------------------------------------------------------ */

struct pool {
	enclave_llm *llm;
	struct enclave_llm_job *jobs;
	size_t n, next;
	pthread_mutex_t lock;
};

/* A worker: its own connection, jobs taken in order until none is left. */
static void *worker(void *arg)
{
	struct pool *pool = arg;
	struct net net;

	if (net_init(&net, &pool->llm->guard) < 0)
		net.easy = NULL;
	for (;;) {
		struct enclave_llm_job *job;
		enclave_llm *llm = pool->llm;
		pthread_mutex_lock(&pool->lock);
		if (llm->breaker > 0 && llm->unreachable_run >= llm->breaker) {
			/* Tripped: what is left is not sent. */
			for (; pool->next < pool->n; pool->next++) {
				job = &pool->jobs[pool->next];
				job->not_sent = 1;
				job->error = error_set(ENCLAVE_EIO,
				                       "endpoint '%s': not sent: %d calls in a row"
				                       " could not reach it",
				                       llm->ep.name, llm->unreachable_run);
				job->message = strdup(enclave_error_last());
			}
		}
		job = pool->next < pool->n ? &pool->jobs[pool->next++] : NULL;
		pthread_mutex_unlock(&pool->lock);
		if (!job)
			break;
		if (!net.easy)
			job->error = error_oom();
		else
			job->error = chat_on(&job->reply, llm, &net, job->req, &job->unreachable);
		if (job->error)
			job->message = strdup(enclave_error_last());
		pthread_mutex_lock(&pool->lock);
		if (job->unreachable)
			llm->unreachable_run++;
		else if (net.easy)
			llm->unreachable_run = 0;
		pthread_mutex_unlock(&pool->lock);
	}
	net_release(&net);
	return NULL;
}

void enclave_llm_set_breaker(enclave_llm *llm, int n)
{
	llm->breaker = n > 0 ? n : 0;
	llm->unreachable_run = 0;
}

int enclave_llm_unreachable(const enclave_llm *llm)
{
	return llm->unreachable_run;
}

int enclave_llm_chat_many(enclave_llm *llm, struct enclave_llm_job *jobs, size_t n, int in_flight)
{
	struct pool pool = { llm, jobs, n, 0, PTHREAD_MUTEX_INITIALIZER };
	pthread_t threads[ENCLAVE_MAX_LLM_CONCURRENCY];
	int started = 0, i, error = 0;
	size_t j;

	if (in_flight <= 0)
		in_flight = llm->ep.concurrency;
	if (in_flight > ENCLAVE_MAX_LLM_CONCURRENCY)
		in_flight = ENCLAVE_MAX_LLM_CONCURRENCY;
	if ((size_t)in_flight > n)
		in_flight = (int)n;
	for (j = 0; j < n; j++) {
		reply_init(&jobs[j].reply);
		jobs[j].error = 0;
		jobs[j].message = NULL;
		jobs[j].unreachable = 0;
		jobs[j].not_sent = 0;
	}
	for (i = 0; i < in_flight; i++) {
		if (pthread_create(&threads[i], NULL, worker, &pool)) {
			if (!started)
				error = error_set(ENCLAVE_ERROR, "cannot start a thread");
			break;
		}
		started++;
	}
	for (i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	pthread_mutex_destroy(&pool.lock);
	return error;
}

void enclave_llm_jobs_release(struct enclave_llm_job *jobs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		enclave_llm_reply_release(&jobs[i].reply);
		free(jobs[i].message);
		jobs[i].message = NULL;
	}
}

/* ------------------------------------------------------------------ */
/* Models                                                             */
/* ------------------------------------------------------------------ */

void enclave_llm_models_release(struct enclave_llm_models *m)
{
	size_t i;

	for (i = 0; i < m->count; i++) {
		free(m->items[i].name);
		free(m->items[i].digest);
	}
	free(m->items);
	m->items = NULL;
	m->count = 0;
}

int enclave_llm_models_list(struct enclave_llm_models *out, enclave_llm *llm)
{
	int ollama = llm->ep.kind == ENCLAVE_LLM_OLLAMA, error = 0, n;
	struct net_response resp;
	json_t *root = NULL, *list, *m;
	json_error_t jerr;
	size_t i;

	memset(out, 0, sizeof(*out));
	for (n = 1;; n++) {
		enum attempt_end end;
		net_response_init(&resp);
		error = attempt(llm, &llm->net, ollama ? "/api/tags" : "/v1/models", NULL, NULL,
		                &resp, &end);
		if (!error || end != ATTEMPT_RETRY || n > llm->ep.retries) {
			if (error && n > 1)
				error_prefix("after %d attempts", n);
			break;
		}
		sleep_seconds(backoff_for(llm, n, &resp));
		net_response_release(&resp);
	}
	if (error)
		goto done;
	root = json_loadb(resp.body.ptr ? resp.body.ptr : "", resp.body.len, 0, &jerr);
	list = json_object_get(root, ollama ? "models" : "data");
	if (!json_is_array(list)) {
		error = error_set(ENCLAVE_EINVALID, "endpoint '%s': malformed model list: %s",
		                  llm->ep.name,
		                  !root    ? jerr.text
		                  : ollama ? "no 'models' array"
		                           : "no 'data' array");
		goto done;
	}
	if (json_array_size(list) > ENCLAVE_MAX_LLM_MODELS) {
		error = error_set(ENCLAVE_ELIMIT, "endpoint '%s': more than %d models",
		                  llm->ep.name, ENCLAVE_MAX_LLM_MODELS);
		goto done;
	}
	if (json_array_size(list) &&
	    !(out->items = calloc(json_array_size(list), sizeof(*out->items)))) {
		error = error_oom();
		goto done;
	}
	json_array_foreach(list, i, m)
	{
		struct enclave_llm_model *it = &out->items[out->count];
		json_t *name = json_object_get(m, ollama ? "name" : "id");
		json_t *digest = json_object_get(m, "digest");
		if (!json_is_string(name)) {
			error =
			    error_set(ENCLAVE_EINVALID,
			              "endpoint '%s': malformed model list: entry %zu has no %s",
			              llm->ep.name, i, ollama ? "name" : "id");
			goto done;
		}
		it->size = json_is_integer(json_object_get(m, "size"))
		               ? (int64_t)json_integer_value(json_object_get(m, "size"))
		               : -1;
		out->count++;
		if (!(it->name = strdup(json_string_value(name))) ||
		    (json_is_string(digest) && !(it->digest = strdup(json_string_value(digest))))) {
			error = error_oom();
			goto done;
		}
	}
done:
	json_decref(root);
	net_response_release(&resp);
	if (error)
		enclave_llm_models_release(out);
	return error;
}
