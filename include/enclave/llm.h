/*
 * Enclave: the LLM client. Named endpoints from the project config
 * (enclave.yaml, section `llm:`), and chat calls to them: Ollama's native
 * API (/api/chat, /api/tags) or an OpenAI-compatible one
 * (/v1/chat/completions, /v1/models: llama.cpp's llama-server, vLLM, ...).
 *
 * Every request goes through the egress guard (src/lib/augment/guard.c): an
 * allowlist of addresses and ports: loopback only, unless the endpoint's
 * `allow:` lists others (instead). A refused connection is ENCLAVE_EDENIED with a
 * message naming the address and port, and an `egress.refused` audit event
 * when the client was made with a project. See docs/threat-model.md.
 */
#ifndef ENCLAVE_LLM_H
#define ENCLAVE_LLM_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "project.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct enclave_llm enclave_llm;

enum enclave_llm_kind { ENCLAVE_LLM_OLLAMA = 1, ENCLAVE_LLM_OPENAI = 2 };

/* How an openai endpoint is given a JSON schema. */
enum enclave_llm_schema_mode {
	ENCLAVE_LLM_SCHEMA_RESPONSE_FORMAT = 0, /* response_format: {type: json_schema, ...} */
	ENCLAVE_LLM_SCHEMA_JSON_SCHEMA = 1      /* llama.cpp's top-level "json_schema" */
};

#define ENCLAVE_LLM_ENDPOINT_VERSION 1

/* One configured endpoint (owned by its enclave_llm_config). */
struct enclave_llm_endpoint {
	unsigned int version;
	char *name; /* the key under llm: */
	enum enclave_llm_kind kind;
	char *base_url;         /* "http://127.0.0.1:11434", no trailing slash */
	char *model;            /* the model asked for, NULL when not set */
	double timeout;         /* seconds for a whole request (default 120) */
	double connect_timeout; /* seconds to connect (default 10) */
	int concurrency;        /* requests in flight (default 4) */
	int retries;            /* retries after a 5xx, 429 or timeout (default 3) */
	double backoff;         /* first backoff step in seconds, doubled each retry (0.5) */
	char *api_key_env;      /* name of the environment variable holding a key, or NULL */
	char **allow;           /* the allowlist; none: loopback (docs/threat-model.md) */
	size_t nallow;
	enum enclave_llm_schema_mode schema_mode;
	int line; /* line of the endpoint in the config, for messages */
};

struct enclave_llm_config {
	struct enclave_llm_endpoint *endpoints;
	size_t count;
};

/*
 * Read the `llm:` section of the project's enclave.yaml (no file, or no
 * section: no endpoints). Errors name "FILE:LINE". Release with
 * enclave_llm_config_release.
 */
int enclave_llm_config_load(struct enclave_llm_config *out, const enclave_project *p);

/* The same from text; `name` is used in messages. */
int enclave_llm_config_parse(struct enclave_llm_config *out, const char *text, size_t len,
                             const char *name);

void enclave_llm_config_release(struct enclave_llm_config *c);

/* The endpoint called `name`, or NULL. Borrowed from `c`. */
const struct enclave_llm_endpoint *enclave_llm_config_find(const struct enclave_llm_config *c,
                                                           const char *name);

const char *enclave_llm_kind_name(enum enclave_llm_kind kind);

/*
 * A client for endpoint `ep` (copied). `project` (may be NULL, borrowed for
 * the client's life) receives the egress.refused audit events. Checks the
 * allowlist entries and the base URL's form; contacts nothing.
 */
int enclave_llm_new(enclave_llm **out, const struct enclave_llm_endpoint *ep,
                    enclave_project *project);

void enclave_llm_free(enclave_llm *llm);

/* A model the endpoint serves. */
struct enclave_llm_model {
	char *name;   /* Ollama "name", OpenAI "id" */
	char *digest; /* Ollama's digest, NULL where the API reports none */
	int64_t size; /* bytes (Ollama), -1 when unknown */
};

struct enclave_llm_models {
	struct enclave_llm_model *items;
	size_t count;
};

/* GET /api/tags (ollama) or /v1/models (openai). Release with the function below. */
int enclave_llm_models_list(struct enclave_llm_models *out, enclave_llm *llm);

void enclave_llm_models_release(struct enclave_llm_models *m);

struct enclave_llm_message {
	const char *role; /* "system", "user", "assistant" */
	const char *content;
};

/* Called with each piece of text of a streamed reply; non-zero stops the request. */
typedef int (*enclave_llm_delta_cb)(const char *text, size_t len, void *payload);

#define ENCLAVE_LLM_REQUEST_VERSION 1

struct enclave_llm_request {
	unsigned int version;
	const struct enclave_llm_message *messages;
	size_t nmessages;
	const char *schema; /* a JSON schema (text) the reply must follow, or NULL */
	double temperature; /* < 0: the backend's default */
	int has_seed;
	int64_t seed;
	int max_tokens; /* 0: the backend's default (Ollama num_predict, OpenAI max_tokens) */
	int stream;     /* ask for a streamed reply (NDJSON / SSE) */
	enclave_llm_delta_cb on_delta; /* with stream: each piece as it comes; may be NULL */
	void *payload;
};

#define ENCLAVE_LLM_REQUEST_INIT                                                         \
	{                                                                                \
		ENCLAVE_LLM_REQUEST_VERSION, NULL, 0, NULL, -1.0, 0, 0, 0, 0, NULL, NULL \
	}

/* What a chat call returned. Counts are -1 when the backend did not report them. */
struct enclave_llm_reply {
	char *content;       /* the assistant's text (with a schema: the JSON text) */
	char *model;         /* the model that answered, as reported */
	char *finish_reason; /* "stop", "length", ... or NULL */
	int64_t prompt_tokens;
	int64_t completion_tokens;
	double eval_seconds; /* Ollama eval_duration; -1 elsewhere */
	double seconds;      /* wall time of the successful attempt */
	int attempts;        /* HTTP attempts made, retries included */
};

void enclave_llm_reply_release(struct enclave_llm_reply *r);

/*
 * One chat call, retried with exponential backoff (the endpoint's retries
 * and backoff; Retry-After honoured up to ENCLAVE_MAX_LLM_BACKOFF) after a
 * 5xx, a 429, a timeout or a dropped connection. Never retried: a guard
 * refusal (ENCLAVE_EDENIED), another 4xx, a malformed reply
 * (ENCLAVE_EINVALID). A handle makes one call at a time; for several in
 * flight use enclave_llm_chat_many.
 */
int enclave_llm_chat(struct enclave_llm_reply *out, enclave_llm *llm,
                     const struct enclave_llm_request *req);

/*
 * A chat call whose reply must be one JSON object (strict: the whole
 * content, whitespace aside, parses; with req->schema, its required
 * properties are present). A reply that is not is asked again, up to
 * `attempts` calls in all (1 to ENCLAVE_MAX_LLM_RETRIES); then
 * ENCLAVE_EINVALID naming what was wrong. out->content is the object.
 */
int enclave_llm_chat_json(struct enclave_llm_reply *out, enclave_llm *llm,
                          const struct enclave_llm_request *req, int attempts);

/* One call of a batch: the request (borrowed), and what came of it. */
struct enclave_llm_job {
	const struct enclave_llm_request *req;
	struct enclave_llm_reply reply; /* filled on success; release it */
	int error;                      /* 0 or the ENCLAVE_E* code */
	char *message;                  /* the error message, or NULL; free() it */
	int unreachable; /* failed at the connection: refused, dropped, connect timeout */
	int not_sent;    /* never sent: the breaker had tripped (error ENCLAVE_EIO) */
};

/*
 * Run `n` jobs with up to `in_flight` requests at once (0: the endpoint's
 * concurrency), on threads each with its own connection. Returns 0 when
 * every job ran (each job says how it went), or an error before any ran.
 * With a breaker set (enclave_llm_set_breaker), once that many calls in a
 * row (across batches) ended unreachable, the jobs not started yet are not
 * sent (not_sent).
 */
int enclave_llm_chat_many(enclave_llm *llm, struct enclave_llm_job *jobs, size_t n, int in_flight);

/*
 * The circuit breaker of chat_many: after `n` consecutive calls that could
 * not reach the endpoint (each after its own retries), send nothing more
 * (0: never stop). Setting it resets the count.
 */
void enclave_llm_set_breaker(enclave_llm *llm, int n);

/* The calls in a row that ended unreachable so far; >= the breaker's n: it has tripped. */
int enclave_llm_unreachable(const enclave_llm *llm);

/* Release the replies and messages of `n` jobs. */
void enclave_llm_jobs_release(struct enclave_llm_job *jobs, size_t n);

#ifdef __cplusplus
}
#endif
#endif
