/*
 * What was found once is found everywhere in the text. Two passes after the
 * recognisers ran and their spans were resolved:
 *
 * Spans repeated (pii_propagate_repeats): the exact text of each name,
 * organisation, place or street address span ("Jane Q. Example", "Billing
 * records") marks its other occurrences that stand as whole words and that
 * no span covers, with the span's label and score, source
 * "rule:span_repeat". A string is PII or not whatever its place: a redacted
 * layer that hides a value in one place and shows it in another has hidden
 * nothing, and a record made from that text would quote it (export refuses
 * those). These four labels come from the tagger and from cues (a title, a
 * relation, a street suffix) that a second mention may lack; the other
 * labels come from patterns that find every occurrence of the same string
 * anyway, and spreading them (numbers and dates are everywhere in clinical
 * text) cost a quarter of the rule scan's time. Guards: at least 4 bytes,
 * starting and ending with a letter or digit, and either holding a letter
 * or at least 6 bytes long.
 *
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
#define REPEATS_MAX 256    /* distinct span strings looked for in one text */
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

/* ------------------------------------------------------------ spans repeated */

/* A letter or digit, or a byte of a UTF-8 sequence (so a match never starts mid-character). */
static int is_word(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c >= 0x80;
}

/* A span string looked for, chained to the others that begin with the same word. */
struct repeat {
	const char *s; /* into the text */
	size_t n;
	int label;
	float score;
	int next; /* the next string with the same first word, or -1 */
};

/* Is [s, s+n) worth spreading? (The guards of the comment at the top.) */
static int repeatable(const char *s, size_t n)
{
	int letter = 0;

	if (n < 4 || !is_word((unsigned char)s[0]) || !is_word((unsigned char)s[n - 1]))
		return 0;
	for (size_t i = 0; i < n && !letter; i++)
		letter = is_alpha((unsigned char)s[i]) && s[i] != '\'';
	return letter || n >= 6;
}

static size_t word_end(const char *text, size_t len, size_t p)
{
	while (p < len && is_word((unsigned char)text[p]))
		p++;
	return p;
}

int pii_propagate_repeats(struct enclave_pii_spans *out, size_t first, const char *text, size_t len)
{
	struct word *table;
	struct repeat *rs;
	int heads[TABLE_SIZE]; /* a first word's slot -> its chain's first string */
	/* A filter in front of the table: the first words' first bytes and lengths. */
	unsigned char starts[256] = { 0 }, nonword[256];
	uint64_t lengths = 0;
	size_t nrs = 0, nspans = out->n, k = first;
	int error = 0;

	table = calloc(TABLE_SIZE, sizeof(*table));
	rs = malloc(REPEATS_MAX * sizeof(*rs));
	if (!table || !rs) {
		free(table);
		free(rs);
		return error_oom();
	}
	for (int c = 0; c < 256; c++)
		nonword[c] = !is_word((unsigned char)c);
	/* The distinct span strings, chained by their first word. */
	for (size_t i = first; i < nspans && nrs < REPEATS_MAX; i++) {
		const struct enclave_pii_span *sp = &out->v[i];
		const char *s = text + sp->start;
		size_t n = sp->end - sp->start, fw;
		struct word *w;
		int j;
		if ((sp->label != ENCLAVE_PII_PERSON && sp->label != ENCLAVE_PII_ORGANIZATION &&
		     sp->label != ENCLAVE_PII_LOCATION &&
		     sp->label != ENCLAVE_PII_STREET_ADDRESS) ||
		    sp->end > len || !repeatable(s, n))
			continue;
		fw = word_end(s, n, 0);
		w = slot(table, s, fw);
		for (j = w->s ? heads[w - table] : -1; j >= 0; j = rs[j].next)
			if (rs[j].n == n && memcmp(rs[j].s, s, n) == 0)
				break;
		if (j >= 0) {
			if (sp->score > rs[j].score)
				rs[j].score = sp->score;
			continue;
		}
		rs[nrs] =
		    (struct repeat){ s, n, sp->label, sp->score, w->s ? heads[w - table] : -1 };
		w->s = s;
		w->n = fw;
		heads[w - table] = (int)nrs++;
		starts[(unsigned char)s[0]] = 1;
		lengths |= 1ULL << (fw < 63 ? fw : 63);
	}
	/* One pass over the text: a byte that can start a first word, after a
	 * byte that cannot be inside a word, outside the spans (sorted by start). */
	for (size_t p = 0; nrs && p < len && error == 0; p++) {
		const struct word *w;
		size_t q, best = 0;
		int j, pick = -1;
		/* The hot loop: a byte that may start a first word after one that
		 * ends a word, one test a byte (most bytes fail it, predictably). */
		if (p > 0)
			while (p < len && !(starts[(unsigned char)text[p]] &
			                    nonword[(unsigned char)text[p - 1]]))
				p++;
		else if (!starts[(unsigned char)text[0]])
			continue;
		if (p == len)
			break;
		while (k < nspans && out->v[k].end <= p)
			k++;
		if (k < nspans && out->v[k].start <= p) {
			p = out->v[k].end - 1;
			continue;
		}
		q = word_end(text, len, p);
		if (!(lengths >> (q - p < 63 ? q - p : 63) & 1))
			continue;
		w = slot(table, text + p, q - p);
		for (j = w->s ? heads[w - table] : -1; j >= 0; j = rs[j].next) {
			size_t n = rs[j].n;
			if (n > best && n <= len - p && memcmp(text + p, rs[j].s, n) == 0 &&
			    (p + n == len || !is_word((unsigned char)text[p + n])) &&
			    (k >= nspans || out->v[k].start >= p + n)) {
				best = n;
				pick = j;
			}
		}
		if (pick >= 0) {
			struct enclave_pii_span span = { p, p + best, rs[pick].label,
				                         rs[pick].score, "rule:span_repeat" };
			error = enclave_pii_spans_push(out, &span);
			p += best - 1;
		}
	}
	free(table);
	free(rs);
	if (error == 0 && out->n > nspans)
		error = enclave_pii_spans_resolve(out);
	return error;
}
