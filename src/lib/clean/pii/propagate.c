/*
 * Names found once are names everywhere in the text: after the recognisers
 * ran and their spans were resolved, each word of a PERSON span ("Jane Q.
 * Example") marks its other whole-word occurrences with the same spelling
 * ("Ms. Example presents...") as PERSON, source "rule:name_repeat", at a
 * score below the span it came from. People are named in full once and by
 * surname or first name after that; the tagger and the context rules see
 * the later mentions without the cues that found the first.
 *
 * Guards: only capitalised words of three letters or more (so "May" is
 * taken, "may" is not), never at the start of a sentence or line (where any
 * word is capitalised), never inside another span. One pass over the text
 * with the name words in a small hash table: linear in the text.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../common_int.h"
#include "pii_int.h"

#define NAME_WORDS_MAX 256 /* distinct name words looked for in one text */
#define TABLE_SIZE 512     /* a power of two, twice NAME_WORDS_MAX */

struct word {
	const char *s; /* into the text */
	size_t n;
	float score;
};

static int is_alpha(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c >= 0x80 || c == '\'';
}

static int is_upper(unsigned char c)
{
	return c >= 'A' && c <= 'Z';
}

static size_t hash_word(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h & (TABLE_SIZE - 1);
}

/* The slot of [s, s+n) in `t`: its entry, or the empty slot where it goes. */
static struct word *slot(struct word *t, const char *s, size_t n)
{
	size_t h = hash_word(s, n);
	while (t[h].s && !(t[h].n == n && memcmp(t[h].s, s, n) == 0))
		h = (h + 1) & (TABLE_SIZE - 1);
	return &t[h];
}

/* Is [s, s+n) a title written with a full stop ("Ms.", "Dr.")? */
static int title_before(const char *text, size_t dot)
{
	static const char *const titles[] = { "Mr", "Mrs", "Ms", "Dr", "Prof", "Mx", "Sr", "Jr" };
	size_t b = dot;

	while (b > 0 && is_alpha((unsigned char)text[b - 1]))
		b--;
	for (size_t i = 0; i < sizeof(titles) / sizeof(titles[0]); i++)
		if (dot - b == strlen(titles[i]) && strncasecmp(text + b, titles[i], dot - b) == 0)
			return 1;
	return 0;
}

/* Does the word at `at` start a sentence or a line? ("Ms. Example" does not.) */
static int sentence_start(const char *text, size_t at)
{
	while (at > 0 && (text[at - 1] == ' ' || text[at - 1] == '\t'))
		at--;
	if (at > 0 && text[at - 1] == '.' && title_before(text, at - 1))
		return 0;
	return at == 0 || strchr("\n\r.!?:;\"(", text[at - 1]) != NULL;
}

int pii_propagate_names(struct enclave_pii_spans *out, size_t first, const char *text, size_t len)
{
	struct word *table;
	size_t nwords = 0, nspans = out->n, k = first;
	int error = 0;

	if (!(table = calloc(TABLE_SIZE, sizeof(*table))))
		return error_oom();
	for (size_t i = first; i < nspans && nwords < NAME_WORDS_MAX; i++) {
		const struct enclave_pii_span *sp = &out->v[i];
		if (sp->label != ENCLAVE_PII_PERSON)
			continue;
		for (size_t p = sp->start; p < sp->end && nwords < NAME_WORDS_MAX;) {
			size_t q = p;
			while (q < sp->end && is_alpha((unsigned char)text[q]))
				q++;
			if (q - p >= 3 && is_upper((unsigned char)text[p])) {
				struct word *w = slot(table, text + p, q - p);
				if (!w->s) {
					w->s = text + p;
					w->n = q - p;
					nwords++;
				}
				if (sp->score > w->score)
					w->score = sp->score;
			}
			p = q > p ? q : p + 1;
		}
	}
	/* One pass over the words of the text, skipping the spans (sorted by start). */
	for (size_t p = 0; nwords && p < len && error == 0;) {
		size_t q = p;
		while (k < nspans && out->v[k].end <= p)
			k++;
		if (k < nspans && out->v[k].start <= p) {
			p = out->v[k].end;
			continue;
		}
		while (q < len && is_alpha((unsigned char)text[q]))
			q++;
		if (q == p) {
			p++;
			continue;
		}
		if (q - p >= 3 && is_upper((unsigned char)text[p]) &&
		    (k >= nspans || out->v[k].start >= q) && !sentence_start(text, p)) {
			const struct word *w = slot(table, text + p, q - p);
			if (w->s) {
				struct enclave_pii_span span = { p, q, ENCLAVE_PII_PERSON,
					                         w->score * 0.8f,
					                         "rule:name_repeat" };
				error = enclave_pii_spans_push(out, &span);
			}
		}
		p = q;
	}
	free(table);
	if (error == 0 && out->n > nspans)
		error = enclave_pii_spans_resolve(out);
	return error;
}
