/*
 * fakellm: a local stand-in for an LLM server, for the tests and the bench
 * (no model weights can be had here). It speaks both APIs the client uses,
 * as documented by Ollama and OpenAI:
 *
 *   GET  /api/tags              {"models": [{name, model, modified_at, size, digest, details}]}
 *   POST /api/chat              one object, or NDJSON lines ending with "done": true
 *   GET  /v1/models             {"object": "list", "data": [{id, object, created, owned_by}]}
 *   POST /v1/chat/completions   one chat.completion, or SSE "data: {chunk}" events, a usage
 *                               chunk when stream_options.include_usage, then "data: [DONE]"
 *   GET  /fake/stats            {"connections": N, "requests": M} (connections accepted so far,
 *                               this one included)
 *
 * Replies are derived from the request: the text is "ECHO: " and the last
 * user message in upper case; with a JSON schema (Ollama `format`, OpenAI
 * `response_format.json_schema.schema`, llama.cpp `json_schema`) an object
 * with each property of the schema filled by its type. Counts: prompt
 * tokens are the words of all messages, completion tokens the pieces sent.
 *
 * Task replies (the LLM tasks of `enclave augment`, deterministic from the
 * prompt): the source is the text between a line "<<<CONTEXT" and a line
 * "CONTEXT>>>" in the first user message holding them (the built-in
 * templates put it there); its sentences end at ". ", "? ", "! ", a line end
 * or the end. The request's seed (Ollama options.seed, OpenAI seed; 0 when
 * none) picks sentence number seed % sentences (S below) and, for
 * paraphrase, the word to change. With a schema and a context, these
 * properties are filled so (the others by type, as above):
 *   question     "What does the text say about W?" (W: S's first word)
 *   answer       the last five words of S (less its final punctuation)
 *   evidence     S, quoted exactly
 *   instruction  "Summarise the text in one sentence."; input ""; response S
 *   summary      S
 *   variant      the context with one word of four or more ASCII letters
 *                (the seed % n-th, outside [[...]]) in upper case; the
 *                placeholders [[En]] kept
 *   classes      [the first name on the prompt's "CLASSES:" line]
 *   entities     each run of two or more capitalised words in the context
 *                (8 at most), then each redaction tag ("[UPPER_CASE]") with
 *                the word before it ("to [EMAIL_ADDRESS]"), labelled with the
 *                first name on the "ENTITY LABELS:" line, then {"text":
 *                "Nobody Anywhere", ...} (not in the text)
 *   score        1 + (FNV-1a of the context) % 5; rationale "fake judge: ...";
 *                criteria {"faithful", "useful", "clear"} the same score
 * Rejection directives, written in the context (that is, in a document):
 *   fake:unsupported     the evidence is a sentence not in the text
 *   fake:badplaceholders the variant lacks its first placeholder (or has an
 *                        unknown [[E99]] when there is none)
 *   fake:dupplaceholder  the variant has its first placeholder twice
 *   fake:badonce         the first attempt fails (bad evidence, a missing
 *                        placeholder, score 9, an empty summary); a retry (a
 *                        request with an assistant message) succeeds
 *
 * Failure modes, chosen by words in the last user message (a count N means
 * "the first N requests with this same message", counted by the server):
 *   fake:500xN    HTTP 500 with {"error": ...}
 *   fake:429xN    HTTP 429 with Retry-After: 1
 *   fake:slow=MS  wait MS milliseconds before answering
 *   fake:badjson  a 200 whose body (or a stream line) is not JSON
 *   fake:truncate a stream (or body) cut off before its end
 *   fake:notjsonxN  with a schema: plain text instead of the object
 *   fake:redirect a 307 to --redirect-to URL (same path)
 * Models: Ollama answers 404 for a model other than those it lists.
 *
 * Server-wide, by flags: --delay-ms MS waits before every reply (a slow
 * server), --bad-models makes /api/tags and /v1/models answer non-JSON,
 * --digest D makes /api/tags report D as the digest of "fake" (an updated
 * model under the same name).
 *
 * Usage: fakellm [--listen ADDR] [--port N] [--redirect-to URL] [--delay-ms MS]
 *                [--bad-models] [--digest D]
 * Prints "port N" on stdout once listening; runs until SIGTERM or SIGINT.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_BODY (4 << 20)
#define MODEL_DIGEST "sha256:3f1b5c7e9a2d4f6081b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e2f4"

static atomic_long connections, requests;
static const char *redirect_to = "http://127.0.0.2:9";
static int delay_ms, bad_models;
static const char *model_digest = MODEL_DIGEST; /* --digest: the digest of "fake" */

/* Per-message counters for the xN failure modes. */
#define SLOTS 4096
static struct {
	unsigned long long hash;
	int count;
} seen[SLOTS];
static pthread_mutex_t seen_lock = PTHREAD_MUTEX_INITIALIZER;

static unsigned long long fnv(const char *s)
{
	unsigned long long h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* How many requests with this message (and directive `what`) came before, counting this one. */
static int bump(const char *msg, const char *what)
{
	unsigned long long h = fnv(msg) ^ fnv(what);
	size_t i = h % SLOTS, k;
	int n = 0;

	pthread_mutex_lock(&seen_lock);
	for (k = 0; k < SLOTS; k++, i = (i + 1) % SLOTS) {
		if (seen[i].hash == h || !seen[i].count) {
			seen[i].hash = h;
			n = ++seen[i].count;
			break;
		}
	}
	pthread_mutex_unlock(&seen_lock);
	return n;
}

/* "fake:NAMExN" in msg: N, or 0 when absent. */
static int directive_count(const char *msg, const char *name)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "fake:%sx", name);
	if (!(p = strstr(msg, pat)))
		return 0;
	return atoi(p + strlen(pat));
}

static int has(const char *msg, const char *word)
{
	return strstr(msg, word) != NULL;
}

struct req {
	char *body;
	size_t len;
	int too_big;
};

/* An in-memory reply with a content type. */
static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
                             const char *body, size_t len)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	MHD_add_response_header(r, "Content-Type", type);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_json(struct MHD_Connection *c, unsigned status, json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT);
	enum MHD_Result ret = reply(c, status, "application/json", s, strlen(s));

	free(s);
	json_decref(o);
	return ret;
}

static enum MHD_Result reply_error(struct MHD_Connection *c, unsigned status, int openai,
                                   const char *msg)
{
	if (openai)
		return reply_json(c, status,
		                  json_pack("{s:{s:s,s:s,s:i}}", "error", "message", msg, "type",
		                            "server_error", "code", (int)status));
	return reply_json(c, status, json_pack("{s:s}", "error", msg));
}

/* A streamed body, handed to MHD one piece (line or event) per call. */
struct stream {
	char **pieces;
	size_t n, i, off;
};

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *s = cls;
	size_t len, take;

	(void)pos;
	if (s->i >= s->n)
		return MHD_CONTENT_READER_END_OF_STREAM;
	len = strlen(s->pieces[s->i]) - s->off;
	take = len < max ? len : max;
	memcpy(buf, s->pieces[s->i] + s->off, take);
	s->off += take;
	if (s->off == strlen(s->pieces[s->i])) {
		s->i++;
		s->off = 0;
	}
	return (ssize_t)take;
}

static void stream_free(void *cls)
{
	struct stream *s = cls;
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->pieces[i]);
	free(s->pieces);
	free(s);
}

static void stream_add(struct stream *s, char *piece)
{
	s->pieces = realloc(s->pieces, (s->n + 1) * sizeof(*s->pieces));
	s->pieces[s->n++] = piece;
}

static char *dup_printf(const char *fmt, const char *a)
{
	size_t n = strlen(fmt) + strlen(a) + 1;
	char *s = malloc(n);

	snprintf(s, n, fmt, a);
	return s;
}

/* The reply object for a schema: each property filled by its type. */
static json_t *fill_schema(json_t *schema, const char *upper)
{
	json_t *o = json_object(), *props = json_object_get(schema, "properties"), *v;
	const char *key;

	json_object_foreach(props, key, v)
	{
		const char *t = json_string_value(json_object_get(v, "type"));
		if (!t || !strcmp(t, "string")) {
			char tmp[256];
			snprintf(tmp, sizeof(tmp), "%s of %.200s", key, upper);
			json_object_set_new(o, key, json_string(tmp));
		} else if (!strcmp(t, "integer") || !strcmp(t, "number")) {
			json_object_set_new(o, key, json_integer((json_int_t)strlen(upper)));
		} else if (!strcmp(t, "boolean")) {
			json_object_set_new(o, key, json_true());
		} else if (!strcmp(t, "array")) {
			json_object_set_new(o, key, json_array());
		} else {
			json_object_set_new(o, key, json_object());
		}
	}
	return o;
}

static int count_words(const char *s)
{
	int n = 0, in = 0;

	for (; *s; s++) {
		if (isspace((unsigned char)*s))
			in = 0;
		else if (!in) {
			in = 1;
			n++;
		}
	}
	return n;
}

/* Cut text into pieces after each space (a word and its space per piece). */
static size_t split_pieces(const char *text, char ***out)
{
	size_t n = 0, start = 0, i, len = strlen(text);
	char **p = NULL;

	for (i = 0; i <= len; i++) {
		if (i == len || text[i] == ' ') {
			size_t end = i < len ? i + 1 : i;
			if (end > start) {
				p = realloc(p, (n + 1) * sizeof(*p));
				p[n] = strndup(text + start, end - start);
				n++;
			}
			start = end;
		}
	}
	*out = p;
	return n;
}

/* ---------------------------------------------------------------- task replies */

#define MAX_SENT 256

struct sentences {
	const char *s[MAX_SENT];
	size_t len[MAX_SENT];
	size_t n;
};

static void sentences_of(struct sentences *out, const char *t, size_t len)
{
	size_t i = 0;

	out->n = 0;
	while (i < len && out->n < MAX_SENT) {
		while (i < len && isspace((unsigned char)t[i]))
			i++;
		if (i >= len)
			break;
		size_t start = i;
		while (i < len) {
			if (t[i] == '\n')
				break;
			if ((t[i] == '.' || t[i] == '?' || t[i] == '!') &&
			    (i + 1 == len || isspace((unsigned char)t[i + 1]))) {
				i++;
				break;
			}
			i++;
		}
		size_t end = i;
		while (end > start && isspace((unsigned char)t[end - 1]))
			end--;
		if (end > start) {
			out->s[out->n] = t + start;
			out->len[out->n++] = end - start;
		}
	}
}

/* The first name after `tag` on its line of `prompt`, into out ("" when none). */
static void first_name(char *out, size_t size, const char *prompt, const char *tag)
{
	const char *p = strstr(prompt, tag);
	size_t n = 0;

	out[0] = '\0';
	if (!p)
		return;
	p += strlen(tag);
	while (*p == ' ')
		p++;
	while (p[n] && p[n] != ',' && p[n] != '\n' && n < size - 1)
		n++;
	memcpy(out, p, n);
	out[n] = '\0';
	if (out[0] == '(')
		out[0] = '\0';
}

/* The context with one word upper-cased (see the top of the file). */
static char *paraphrase(const char *ctx, size_t len, long long seed, const char *mode)
{
	char *v = malloc(len + 32);
	size_t words = 0, pick, i, w = 0;

	memcpy(v, ctx, len);
	v[len] = '\0';
	for (int pass = 0; pass < 2; pass++) {
		int in_ph = 0;
		w = 0;
		for (i = 0; i < len;) {
			if (!strncmp(v + i, "[[", 2))
				in_ph = 1;
			if (in_ph) {
				if (!strncmp(v + i, "]]", 2)) {
					in_ph = 0;
					i += 2;
				} else
					i++;
				continue;
			}
			size_t k = i;
			while (k < len && isalpha((unsigned char)v[k]))
				k++;
			if (k - i >= 4 && (i == 0 || !isalnum((unsigned char)v[i - 1]))) {
				if (pass == 1 && w == pick) {
					for (size_t j = i; j < k; j++)
						v[j] = (char)toupper((unsigned char)v[j]);
				}
				w++;
			}
			i = k > i ? k : i + 1;
		}
		words = w;
		if (!words)
			break;
		pick = (size_t)(seed < 0 ? -seed : seed) % words;
	}
	if (mode) {
		char *ph = strstr(v, "[[E1]]");
		if (!strcmp(mode, "drop") && ph) {
			memmove(ph, ph + 6, strlen(ph + 6) + 1);
		} else if (!strcmp(mode, "drop")) {
			snprintf(v + strlen(v), len + 32 - strlen(v), " [[E99]]");
		} else if (!strcmp(mode, "dup") && ph) {
			snprintf(v + strlen(v), len + 32 - strlen(v), " [[E1]]");
		}
	}
	return v;
}

/* Fill the task fields of reply `o` from the context (see the top of the file). */
static void task_fields(json_t *o, const json_t *schema, const char *ctx, size_t clen,
                        const char *prompt, long long seed, int retry)
{
	const json_t *props = json_object_get(schema, "properties");
	struct sentences ss;
	char tmp[2048], first[256], name[128];
	int badonce = !retry && strstr(ctx, "fake:badonce") != NULL;
	int unsupported = strstr(ctx, "fake:unsupported") != NULL || badonce;
	const char *sent;
	size_t slen, i;

	sentences_of(&ss, ctx, clen);
	if (ss.n) {
		size_t k = (size_t)(seed < 0 ? -seed : seed) % ss.n;
		sent = ss.s[k];
		slen = ss.len[k];
	} else {
		sent = ctx;
		slen = clen;
	}
	if (slen > sizeof(tmp) - 1)
		slen = sizeof(tmp) - 1;
	/* The first word of S. */
	for (i = 0; i < slen && i < sizeof(first) - 1 && !isspace((unsigned char)sent[i]); i++)
		first[i] = sent[i];
	first[i] = '\0';
	if (json_object_get(props, "evidence")) {
		snprintf(tmp, sizeof(tmp), "%.*s", (int)slen, sent);
		json_object_set_new(
		    o, "evidence",
		    json_string(unsupported ? "The moon is made of green cheese." : tmp));
		/* The answer: the last five words, less the final punctuation. */
		size_t end = slen, start, words = 0;
		while (end > 0 && ispunct((unsigned char)sent[end - 1]))
			end--;
		start = end;
		while (start > 0) {
			if (isspace((unsigned char)sent[start - 1]) && ++words == 5)
				break;
			start--;
		}
		snprintf(tmp, sizeof(tmp), "%.*s", (int)(end - start), sent + start);
		json_object_set_new(o, "answer", json_string(tmp));
		snprintf(tmp, sizeof(tmp), "What does the text say about %s?", first);
		json_object_set_new(o, "question", json_string(tmp));
	}
	if (json_object_get(props, "instruction")) {
		json_object_set_new(o, "instruction",
		                    json_string("Summarise the text in one sentence."));
		json_object_set_new(o, "input", json_string(""));
		json_object_set_new(o, "response", json_stringn(sent, slen));
	}
	if (json_object_get(props, "summary"))
		json_object_set_new(o, "summary",
		                    json_stringn(badonce ? "" : sent, badonce ? 0 : slen));
	if (json_object_get(props, "variant")) {
		const char *mode = strstr(ctx, "fake:badplaceholders") || badonce ? "drop"
		                   : strstr(ctx, "fake:dupplaceholder")           ? "dup"
		                                                                  : NULL;
		char *v = paraphrase(ctx, clen, seed, mode);
		json_object_set_new(o, "variant", json_string(v));
		free(v);
	}
	if (json_object_get(props, "classes")) {
		json_t *a = json_array();
		first_name(name, sizeof(name), prompt, "CLASSES:");
		if (name[0])
			json_array_append_new(a, json_string(name));
		json_object_set_new(o, "classes", a);
	}
	if (json_object_get(props, "entities")) {
		json_t *a = json_array();
		first_name(name, sizeof(name), prompt, "ENTITY LABELS:");
		for (i = 0; i < clen && json_array_size(a) < 8;) {
			size_t k = i, words = 0, last_end = i;
			while (k < clen && isupper((unsigned char)ctx[k]) &&
			       (k == 0 || !isalnum((unsigned char)ctx[k - 1]))) {
				size_t e = k + 1;
				while (e < clen && islower((unsigned char)ctx[e]))
					e++;
				if (e == k + 1)
					break;
				words++;
				last_end = e;
				if (e < clen && ctx[e] == ' ')
					k = e + 1;
				else
					break;
			}
			if (words >= 2 && name[0]) {
				json_array_append_new(a, json_pack("{s:s%,s:s}", "text", ctx + i,
				                                   last_end - i, "label", name));
				i = last_end;
			} else {
				i++;
			}
		}
		/* A redaction tag with the word before it: an entity overlapping a tag. */
		for (i = 1; i < clen && json_array_size(a) < 12 && name[0]; i++) {
			size_t e = i + 1, w;
			if (ctx[i] != '[' || ctx[i - 1] != ' ' || (i >= 2 && ctx[i - 2] == ' '))
				continue;
			while (e < clen && (isupper((unsigned char)ctx[e]) || ctx[e] == '_'))
				e++;
			if (e == i + 1 || e >= clen || ctx[e] != ']')
				continue;
			for (w = i - 1; w > 0 && isalpha((unsigned char)ctx[w - 1]); w--)
				;
			if (w == i - 1)
				continue;
			json_array_append_new(
			    a, json_pack("{s:s%,s:s}", "text", ctx + w, e + 1 - w, "label", name));
		}
		if (name[0])
			json_array_append_new(
			    a, json_pack("{s:s,s:s}", "text", "Nobody Anywhere", "label", name));
		json_object_set_new(o, "entities", a);
	}
	if (json_object_get(props, "score")) {
		char *c = strndup(ctx, clen);
		int score = badonce ? 9 : (int)(1 + fnv(c) % 5);
		free(c);
		json_object_set_new(o, "score", json_integer(score));
		snprintf(tmp, sizeof(tmp), "fake judge: %d for %zu characters", score, clen);
		json_object_set_new(o, "rationale", json_string(tmp));
		json_object_set_new(
		    o, "criteria",
		    json_pack("{s:i,s:i,s:i}", "faithful", score, "useful", score, "clear", score));
	}
}

static enum MHD_Result chat(struct MHD_Connection *c, const char *url, struct req *rq, int openai)
{
	json_t *in, *msgs, *m, *schema = NULL, *model;
	const char *last = "", *mname, *ctx_prompt = NULL;
	int retry = 0;
	long long seed = 0;
	char upper[4096], *content;
	size_t i, npieces;
	char **pieces;
	int prompt_tokens = 0, stream, n, include_usage, truncate, badjson;
	json_t *rf;

	if (!(in = json_loadb(rq->body ? rq->body : "", rq->len, 0, NULL)) || !json_is_object(in)) {
		json_decref(in);
		return reply_error(c, 400, openai, "invalid JSON body");
	}
	msgs = json_object_get(in, "messages");
	if (!json_is_array(msgs) || !json_array_size(msgs)) {
		json_decref(in);
		return reply_error(c, 400, openai, "messages is required");
	}
	json_array_foreach(msgs, i, m)
	{
		const char *role = json_string_value(json_object_get(m, "role"));
		const char *text = json_string_value(json_object_get(m, "content"));
		if (!role || !text) {
			json_decref(in);
			return reply_error(c, 400, openai, "a message needs role and content");
		}
		prompt_tokens += count_words(text);
		if (!strcmp(role, "user"))
			last = text;
		if (!strcmp(role, "user") && !ctx_prompt && strstr(text, "<<<CONTEXT\n"))
			ctx_prompt = text;
		if (!strcmp(role, "assistant"))
			retry = 1;
	}
	model = json_object_get(in, "model");
	mname = json_is_string(model) ? json_string_value(model) : "fake";
	if (!openai) {
		if (!json_is_string(model)) {
			json_decref(in);
			return reply_error(c, 400, 0, "model is required");
		}
		if (strcmp(mname, "fake:latest") && strcmp(mname, "fake") &&
		    strcmp(mname, "tiny:1b")) {
			char tmp[300];
			snprintf(tmp, sizeof(tmp), "model '%.200s' not found", mname);
			json_decref(in);
			return reply_error(c, 404, 0, tmp);
		}
	}
	stream =
	    openai ? json_is_true(json_object_get(in, "stream"))
	           : !json_is_false(json_object_get(in, "stream")); /* Ollama streams by default */
	include_usage =
	    json_is_true(json_object_get(json_object_get(in, "stream_options"), "include_usage"));
	if (openai) {
		rf = json_object_get(in, "response_format");
		if (json_is_object(json_object_get(in, "json_schema")))
			schema = json_object_get(in, "json_schema");
		else if (rf && !strcmp(json_string_value(json_object_get(rf, "type")) ?: "",
		                       "json_schema"))
			schema = json_object_get(json_object_get(rf, "json_schema"), "schema");
	} else if (json_is_object(json_object_get(in, "format"))) {
		schema = json_object_get(in, "format");
	}

	/* Failure modes (flags read now: `last` lives in `in`). */
	truncate = has(last, "fake:truncate");
	badjson = has(last, "fake:badjson");
	if (has(last, "fake:slow=")) {
		int ms = atoi(strstr(last, "fake:slow=") + 10);
		struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
		nanosleep(&ts, NULL);
	}
	if ((n = directive_count(last, "500")) && bump(last, "500") <= n) {
		json_decref(in);
		return reply_error(c, 500, openai, "fake internal error");
	}
	if ((n = directive_count(last, "429")) && bump(last, "429") <= n) {
		struct MHD_Response *r;
		const char *b = openai ? "{\"error\":{\"message\":\"slow down\"}}"
		                       : "{\"error\":\"slow down\"}";
		enum MHD_Result ret;
		json_decref(in);
		r = MHD_create_response_from_buffer(strlen(b), (void *)b, MHD_RESPMEM_MUST_COPY);
		MHD_add_response_header(r, "Content-Type", "application/json");
		MHD_add_response_header(r, "Retry-After", "1");
		ret = MHD_queue_response(c, 429, r);
		MHD_destroy_response(r);
		return ret;
	}
	if (has(last, "fake:redirect")) {
		struct MHD_Response *r =
		    MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
		char loc[1024];
		enum MHD_Result ret;
		json_decref(in);
		snprintf(loc, sizeof(loc), "%s%s", redirect_to, url);
		MHD_add_response_header(r, "Location", loc);
		ret = MHD_queue_response(c, 307, r);
		MHD_destroy_response(r);
		return ret;
	}

	for (i = 0; last[i] && i < sizeof(upper) - 1; i++)
		upper[i] = (char)toupper((unsigned char)last[i]);
	upper[i] = '\0';
	if (schema && !((n = directive_count(last, "notjson")) && bump(last, "notjson") <= n)) {
		json_t *o = fill_schema(schema, upper);
		const char *cs, *ce;
		seed = json_integer_value(
		    openai ? json_object_get(in, "seed")
		           : json_object_get(json_object_get(in, "options"), "seed"));
		if (ctx_prompt && (cs = strstr(ctx_prompt, "<<<CONTEXT\n")) &&
		    (ce = strstr(cs + 11, "\nCONTEXT>>>")))
			task_fields(o, schema, cs + 11, (size_t)(ce - cs - 11), ctx_prompt, seed,
			            retry);
		else if (ctx_prompt && (cs = strstr(ctx_prompt, "<<<CONTEXT\n")) &&
		         !strncmp(cs + 11, "CONTEXT>>>", 10))
			task_fields(o, schema, "", 0, ctx_prompt, seed, retry);
		content = json_dumps(o, JSON_COMPACT);
		json_decref(o);
	} else {
		content = dup_printf("ECHO: %s", upper);
	}
	npieces = split_pieces(content, &pieces);

	if (badjson && !stream) {
		free(content);
		for (i = 0; i < npieces; i++)
			free(pieces[i]);
		free(pieces);
		json_decref(in);
		return reply(c, 200, "application/json", "{\"model\": \"fake\", \"message\": {",
		             30);
	}
	if (!stream) {
		json_t *o;
		if (openai)
			o = json_pack("{s:s,s:s,s:i,s:s,s:[{s:i,s:{s:s,s:s},s:s}],s:{s:i,s:i,s:i}}",
			              "id", "chatcmpl-fake", "object", "chat.completion", "created",
			              0, "model", mname, "choices", "index", 0, "message", "role",
			              "assistant", "content", content, "finish_reason", "stop",
			              "usage", "prompt_tokens", prompt_tokens, "completion_tokens",
			              (int)npieces, "total_tokens", prompt_tokens + (int)npieces);
		else
			o = json_pack("{s:s,s:s,s:{s:s,s:s},s:s,s:b,s:I,s:I,s:i,s:I,s:i,s:I}",
			              "model", mname, "created_at", "2026-01-01T00:00:00Z",
			              "message", "role", "assistant", "content", content,
			              "done_reason", "stop", "done", 1, "total_duration",
			              (json_int_t)5000000, "load_duration", (json_int_t)1000,
			              "prompt_eval_count", prompt_tokens, "prompt_eval_duration",
			              (json_int_t)1000000, "eval_count", (int)npieces,
			              "eval_duration", (json_int_t)npieces * 2000000);
		free(content);
		for (i = 0; i < npieces; i++)
			free(pieces[i]);
		free(pieces);
		json_decref(in);
		if (truncate) {
			char *s = json_dumps(o, JSON_COMPACT);
			enum MHD_Result ret = reply(c, 200, "application/json", s, strlen(s) / 2);
			free(s);
			json_decref(o);
			return ret;
		}
		return reply_json(c, 200, o);
	}

	{
		struct stream *s = calloc(1, sizeof(*s));
		struct MHD_Response *r;
		enum MHD_Result ret;
		size_t stop = truncate ? npieces / 2 : npieces;

		for (i = 0; i < stop; i++) {
			json_t *o;
			char *line, *framed;
			if (openai)
				o = json_pack("{s:s,s:s,s:i,s:s,s:[{s:i,s:{s:s,s:s},s:n}]}", "id",
				              "chatcmpl-fake", "object", "chat.completion.chunk",
				              "created", 0, "model", mname, "choices", "index", 0,
				              "delta", "role", "assistant", "content", pieces[i],
				              "finish_reason");
			else
				o = json_pack("{s:s,s:s,s:{s:s,s:s},s:b}", "model", mname,
				              "created_at", "2026-01-01T00:00:00Z", "message",
				              "role", "assistant", "content", pieces[i], "done", 0);
			line = json_dumps(o, JSON_COMPACT);
			json_decref(o);
			if (i == 1 && badjson) {
				free(line);
				line = strdup("{\"model\": \"fake\", \"mess");
			}
			framed = dup_printf(openai ? "data: %s\n\n" : "%s\n", line);
			free(line);
			stream_add(s, framed);
		}
		if (stop == npieces) {
			json_t *o;
			char *line;
			if (openai) {
				o = json_pack("{s:s,s:s,s:i,s:s,s:[{s:i,s:{},s:s}]}", "id",
				              "chatcmpl-fake", "object", "chat.completion.chunk",
				              "created", 0, "model", mname, "choices", "index", 0,
				              "delta", "finish_reason", "stop");
				line = json_dumps(o, JSON_COMPACT);
				stream_add(s, dup_printf("data: %s\n\n", line));
				free(line);
				json_decref(o);
				if (include_usage) {
					o = json_pack("{s:s,s:s,s:i,s:s,s:[],s:{s:i,s:i,s:i}}",
					              "id", "chatcmpl-fake", "object",
					              "chat.completion.chunk", "created", 0,
					              "model", mname, "choices", "usage",
					              "prompt_tokens", prompt_tokens,
					              "completion_tokens", (int)npieces,
					              "total_tokens", prompt_tokens + (int)npieces);
					line = json_dumps(o, JSON_COMPACT);
					stream_add(s, dup_printf("data: %s\n\n", line));
					free(line);
					json_decref(o);
				}
				stream_add(s, strdup("data: [DONE]\n\n"));
			} else {
				o = json_pack(
				    "{s:s,s:s,s:{s:s,s:s},s:s,s:b,s:I,s:I,s:i,s:I,s:i,s:I}",
				    "model", mname, "created_at", "2026-01-01T00:00:00Z", "message",
				    "role", "assistant", "content", "", "done_reason", "stop",
				    "done", 1, "total_duration", (json_int_t)5000000,
				    "load_duration", (json_int_t)1000, "prompt_eval_count",
				    prompt_tokens, "prompt_eval_duration", (json_int_t)1000000,
				    "eval_count", (int)npieces, "eval_duration",
				    (json_int_t)npieces * 2000000);
				line = json_dumps(o, JSON_COMPACT);
				stream_add(s, dup_printf("%s\n", line));
				free(line);
				json_decref(o);
			}
		}
		free(content);
		for (i = 0; i < npieces; i++)
			free(pieces[i]);
		free(pieces);
		json_decref(in);
		r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_read, s,
		                                      stream_free);
		MHD_add_response_header(r, "Content-Type",
		                        openai ? "text/event-stream" : "application/x-ndjson");
		ret = MHD_queue_response(c, 200, r);
		MHD_destroy_response(r);
		return ret;
	}
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **con_cls)
{
	struct req *rq = *con_cls;

	(void)cls;
	(void)version;
	if (!rq) {
		*con_cls = calloc(1, sizeof(struct req));
		return MHD_YES;
	}
	if (*upload_size) {
		if (rq->len + *upload_size > MAX_BODY)
			rq->too_big = 1;
		else {
			rq->body = realloc(rq->body, rq->len + *upload_size + 1);
			memcpy(rq->body + rq->len, upload_data, *upload_size);
			rq->len += *upload_size;
			rq->body[rq->len] = '\0';
		}
		*upload_size = 0;
		return MHD_YES;
	}
	atomic_fetch_add(&requests, 1);
	if (delay_ms && strcmp(url, "/fake/stats")) {
		struct timespec ts = { delay_ms / 1000, (long)(delay_ms % 1000) * 1000000L };
		nanosleep(&ts, NULL);
	}
	if (bad_models && (!strcmp(url, "/api/tags") || !strcmp(url, "/v1/models")))
		return reply(c, 200, "application/json", "<html>not json</html>", 21);
	if (rq->too_big)
		return reply_error(c, 413, 0, "body too large");
	if (!strcmp(method, "GET") && !strcmp(url, "/fake/stats")) {
		return reply_json(c, 200,
		                  json_pack("{s:I,s:I}", "connections",
		                            (json_int_t)atomic_load(&connections), "requests",
		                            (json_int_t)atomic_load(&requests)));
	}
	if (!strcmp(method, "GET") && !strcmp(url, "/api/tags"))
		return reply_json(
		    c, 200,
		    json_pack(
		        "{s:[{s:s,s:s,s:s,s:I,s:s,s:{s:s,s:s,s:s}},{s:s,s:s,s:s,s:I,s:s}]}",
		        "models", "name", "fake:latest", "model", "fake:latest", "modified_at",
		        "2026-01-01T00:00:00Z", "size", (json_int_t)4661224676LL, "digest",
		        model_digest, "details", "format", "gguf", "family", "llama",
		        "parameter_size", "8.0B", "name", "tiny:1b", "model", "tiny:1b",
		        "modified_at", "2026-01-01T00:00:00Z", "size", (json_int_t)1321098329LL,
		        "digest",
		        "sha256:aa11bb22cc33dd44ee55ff6677889900aa11bb22cc33dd44ee55ff6677889900"));
	if (!strcmp(method, "GET") && !strcmp(url, "/v1/models"))
		return reply_json(c, 200,
		                  json_pack("{s:s,s:[{s:s,s:s,s:i,s:s},{s:s,s:s,s:i,s:s}]}",
		                            "object", "list", "data", "id", "fake", "object",
		                            "model", "created", 0, "owned_by", "fakellm", "id",
		                            "tiny", "object", "model", "created", 0, "owned_by",
		                            "fakellm"));
	if (!strcmp(method, "POST") && !strcmp(url, "/api/chat"))
		return chat(c, url, rq, 0);
	if (!strcmp(method, "POST") && !strcmp(url, "/v1/chat/completions"))
		return chat(c, url, rq, 1);
	return reply_error(c, 404, strncmp(url, "/v1/", 4) == 0, "not found");
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	struct req *rq = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (rq) {
		free(rq->body);
		free(rq);
	}
	*con_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
	(void)cls;
	(void)c;
	(void)socket_context;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED)
		atomic_fetch_add(&connections, 1);
}

int main(int argc, char **argv)
{
	const char *listen_addr = "127.0.0.1";
	int port = 0, i, sig;
	struct sockaddr_in sa;
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;
	sigset_t set;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--listen") && i + 1 < argc)
			listen_addr = argv[++i];
		else if (!strcmp(argv[i], "--port") && i + 1 < argc)
			port = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--redirect-to") && i + 1 < argc)
			redirect_to = argv[++i];
		else if (!strcmp(argv[i], "--delay-ms") && i + 1 < argc)
			delay_ms = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--bad-models"))
			bad_models = 1;
		else if (!strcmp(argv[i], "--digest") && i + 1 < argc)
			model_digest = argv[++i];
		else {
			fprintf(stderr,
			        "usage: fakellm [--listen ADDR] [--port N] [--redirect-to URL]"
			        " [--delay-ms MS] [--bad-models] [--digest D]\n");
			return 2;
		}
	}
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, listen_addr, &sa.sin_addr) != 1) {
		fprintf(stderr, "fakellm: bad --listen '%s' (an IPv4 address)\n", listen_addr);
		return 2;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	d = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG, 0,
	    NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_NOTIFY_COMPLETED,
	    on_completed, NULL, MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "fakellm: cannot listen on %s:%d\n", listen_addr, port);
		return 1;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	printf("port %u\n", (unsigned)info->port);
	fflush(stdout);
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	return 0;
}
