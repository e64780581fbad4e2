/*
 * The checks an LLM reply must pass before it becomes a record
 * (llmtask_int.h): a QA pair's evidence must occur in its source chunk and
 * support the answer; a paraphrase must give back every entity placeholder
 * exactly once, from which the entity spans of the variant are recomputed.
 *
 * Evidence: found exactly, or else with white space normalised (any run of
 * white space in the evidence matches any run in the context), and mapped
 * back to code point offsets of the context. Support: the share of the
 * answer's word tokens (stop words aside) that occur in the evidence; the
 * run rejects a pair under its threshold (docs/cli/augment.md).
 */
#include <stdlib.h>
#include <string.h>

#include "llmtask_int.h"
#include "../../util/utf8.h"

static int is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

int aug_evidence_find(const char *context, const char *evidence, size_t *start, size_t *end)
{
	const char *hit, *e = evidence, *ee;
	size_t clen = strlen(context);

	while (*e && is_ws((unsigned char)*e))
		e++;
	ee = e + strlen(e);
	while (ee > e && is_ws((unsigned char)ee[-1]))
		ee--;
	if (ee == e)
		return 0;
	/* Exact (trimmed). */
	{
		char *t = strndup(e, (size_t)(ee - e));
		if (!t)
			return error_oom();
		hit = strstr(context, t);
		free(t);
		if (hit) {
			*start = utf8_count(context, (size_t)(hit - context));
			*end = *start + utf8_count(e, (size_t)(ee - e));
			return 1;
		}
	}
	/* White space normalised: each run in the evidence matches a run in the context. */
	for (size_t i = 0; i < clen; i++) {
		const char *c = context + i, *q = e;
		if (i && !is_ws((unsigned char)context[i - 1]) && is_ws((unsigned char)*c))
			continue;
		while (q < ee && *c) {
			if (is_ws((unsigned char)*q)) {
				if (!is_ws((unsigned char)*c))
					break;
				while (q < ee && is_ws((unsigned char)*q))
					q++;
				while (*c && is_ws((unsigned char)*c))
					c++;
			} else if (*q == *c) {
				q++;
				c++;
			} else {
				break;
			}
		}
		if (q == ee) {
			*start = utf8_count(context, i);
			*end = utf8_count(context, (size_t)(c - context));
			return 1;
		}
	}
	return 0;
}

/* ------------------------------------------------------------ support */

#define MAX_TOKENS 512

struct toks {
	char v[MAX_TOKENS][32];
	size_t n;
};

static int is_word_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c >= 0x80;
}

static void tokens(struct toks *t, const char *s)
{
	t->n = 0;
	while (*s && t->n < MAX_TOKENS) {
		if (!is_word_byte((unsigned char)*s)) {
			s++;
			continue;
		}
		size_t k = 0;
		while (*s && is_word_byte((unsigned char)*s)) {
			if (k < sizeof(t->v[0]) - 1) {
				char c = *s;
				t->v[t->n][k++] =
				    (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
			}
			s++;
		}
		t->v[t->n][k] = '\0';
		t->n++;
	}
}

static int is_stop(const char *w)
{
	static const char *const stop[] = { "a",    "an",   "the",  "of",  "to",  "in",   "on",
		                            "and",  "or",   "is",   "are", "was", "were", "be",
		                            "for",  "by",   "with", "at",  "as",  "it",   "its",
		                            "this", "that", "from", "not", "no",  NULL };
	for (const char *const *p = stop; *p; p++)
		if (!strcmp(*p, w))
			return 1;
	return 0;
}

double aug_answer_support(const char *answer, const char *evidence)
{
	static _Thread_local struct toks a, e;
	size_t found = 0, counted = 0, content = 0;

	tokens(&a, answer);
	tokens(&e, evidence);
	for (size_t i = 0; i < a.n; i++)
		content += !is_stop(a.v[i]);
	for (size_t i = 0; i < a.n; i++) {
		if (content && is_stop(a.v[i]))
			continue;
		counted++;
		for (size_t k = 0; k < e.n; k++)
			if (!strcmp(a.v[i], e.v[k])) {
				found++;
				break;
			}
	}
	return counted ? (double)found / (double)counted : 0.0;
}

/* ------------------------------------------------------------ placeholders */

int aug_placeholders_mask(struct buf *out, const char *text, size_t len,
                          const struct aug_spans *spans)
{
	size_t at = 0;
	int error;

	for (size_t i = 0; i < spans->n; i++) {
		const struct aug_span *s = &spans->v[i];
		if (s->bstart < at || s->bend > len)
			return error_set(ENCLAVE_EINVALID, "spans out of order");
		if ((error = buf_put(out, text + at, s->bstart - at)) < 0 ||
		    (error = buf_printf(out, "[[E%zu]]", i + 1)) < 0)
			return error_buf(error, "masked text");
		at = s->bend;
	}
	if ((error = buf_put(out, text + at, len - at)) < 0)
		return error_buf(error, "masked text");
	return 0;
}

/* A placeholder "[[E<k>]]" at s: its length, *k its number (0 for a malformed one). */
static size_t placeholder_at(const char *s, size_t *k)
{
	const char *p = s + 3;
	size_t v = 0;

	*k = 0;
	if (strncmp(s, "[[E", 3))
		return 0;
	while (*p >= '0' && *p <= '9' && p - s < 12)
		v = v * 10 + (size_t)(*p++ - '0');
	if (p == s + 3 || p[0] != ']' || p[1] != ']')
		return 0;
	*k = v;
	return (size_t)(p + 2 - s);
}

int aug_placeholders_restore(struct buf *out, struct aug_spans *out_spans, const char *variant,
                             const char *text, const struct aug_spans *spans, const char **why)
{
	static const char *const missing = "a placeholder is missing from the reply",
	                         *doubled = "a placeholder occurs more than once in the reply",
	                         *unknown = "the reply has a placeholder that was not given";
	unsigned char *seen;
	const char *p = variant, *run = variant;
	size_t cps = 0;
	int error;

	*why = NULL;
	if (spans->n > ENCLAVE_MAX_SPANS_STORED)
		return error_set(ENCLAVE_ELIMIT, "too many spans");
	if (!(seen = calloc(spans->n / 8 + 1, 1)))
		return error_oom();
	/* First pass: each placeholder exactly once, no unknown one. */
	for (p = variant; (p = strstr(p, "[[E")) != NULL;) {
		size_t k, n = placeholder_at(p, &k);
		if (!n) {
			p += 3;
			continue;
		}
		if (k < 1 || k > spans->n) {
			*why = unknown;
			break;
		}
		if (seen[(k - 1) / 8] & (1u << ((k - 1) % 8))) {
			*why = doubled;
			break;
		}
		seen[(k - 1) / 8] |= (unsigned char)(1u << ((k - 1) % 8));
		p += n;
	}
	for (size_t k = 0; k < spans->n && !*why; k++)
		if (!(seen[k / 8] & (1u << (k % 8))))
			*why = missing;
	free(seen);
	if (*why)
		return 0;
	/* Second pass: restore, recording where each span lands. */
	for (p = variant; (p = strstr(p, "[[E")) != NULL;) {
		size_t k, n = placeholder_at(p, &k);
		if (!n) {
			p += 3;
			continue;
		}
		const struct aug_span *s = &spans->v[k - 1];
		if ((error = buf_put(out, run, (size_t)(p - run))) < 0)
			return error_buf(error, "variant");
		cps += utf8_count(run, (size_t)(p - run));
		size_t len = utf8_count(text + s->bstart, s->bend - s->bstart);
		if ((error = buf_put(out, text + s->bstart, s->bend - s->bstart)) < 0)
			return error_buf(error, "variant");
		if ((error = aug_spans_push(out_spans, cps, cps + len, s->label)) < 0)
			return error;
		cps += len;
		p += n;
		run = p;
	}
	if ((error = buf_puts(out, run)) < 0)
		return error_buf(error, "variant");
	return 1;
}
