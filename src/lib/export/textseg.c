/*
 * Text segmentation for the writers (chunks, conll, hf-ner): a text as code
 * points, and ranges of it: word pieces (tokens), words and sentences.
 * Offsets are code points, as everywhere in Enclave.
 *
 * Tokens: a run of letters and digits (any character past ASCII that is not
 * a space or punctuation counts as a letter) is one token; every other
 * non-space character is a token alone ("e-mail," -> "e", "-", "mail",
 * ","). Words: runs of non-space characters.
 *
 * Sentences: a sentence ends after '.', '!', '?', an ellipsis or a CJK full
 * stop (with the closing quotes and brackets that follow) when a space or
 * the end comes next, except after a known abbreviation ("Dr.", "e.g.") or
 * a single capital (an initial), or when the next word starts in lower
 * case. A line break does not end a sentence; the caller splits at block
 * boundaries.
 */
#include <string.h>

#include "export_int.h"
#include "../../util/utf8.h"

int cptext_load(struct cptext *t, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	size_t n = 0;

	if (len + 1 > t->cap) {
		uint32_t *cp = realloc(t->cp, (len + 1) * sizeof(*cp));
		size_t *byte;
		if (!cp)
			return error_oom();
		t->cp = cp;
		if (!(byte = realloc(t->byte, (len + 1) * sizeof(*byte))))
			return error_oom();
		t->byte = byte;
		t->cap = len + 1;
	}
	t->s = s;
	while (p < end) {
		t->byte[n] = (size_t)(p - (const unsigned char *)s);
		p += utf8_decode(p, end, &t->cp[n]);
		n++;
	}
	t->byte[n] = len;
	t->n = n;
	return 0;
}

int cptext_init(struct cptext *t, const char *s, size_t len)
{
	int error;

	memset(t, 0, sizeof(*t));
	if ((error = cptext_load(t, s, len)) < 0)
		cptext_release(t);
	return error;
}

void cptext_release(struct cptext *t)
{
	free(t->cp);
	free(t->byte);
	t->cp = NULL;
	t->byte = NULL;
	t->n = t->cap = 0;
}

void segs_release(struct segs *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int segs_push(struct segs *l, size_t start, size_t end)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 64;
		struct seg *v = realloc(l->v, ncap * sizeof(*v));
		if (!v)
			return error_oom();
		l->v = v;
		l->cap = ncap;
	}
	l->v[l->n].start = start;
	l->v[l->n].end = end;
	l->n++;
	return 0;
}

static int is_space(uint32_t c)
{
	return c == ' ' || (c >= 9 && c <= 13) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
	       (c >= 0x2000 && c <= 0x200B) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
	       c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

/* Letters and digits: ASCII ones, and past ASCII whatever is not space or punctuation. */
static int is_word(uint32_t c)
{
	if (c < 0x80)
		return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		       c == '_';
	if (is_space(c))
		return 0;
	if ((c >= 0x2010 && c <= 0x205E) || (c >= 0x3000 && c <= 0x303F) ||
	    (c >= 0xFF01 && c <= 0xFF0F) ||
	    (c >= 0xA1 && c <= 0xBF && c != 0xAA && c != 0xB5 && c != 0xBA) || c == 0xD7 ||
	    c == 0xF7)
		return 0;
	return 1;
}

int seg_tokens(struct segs *out, const struct cptext *t, size_t from, size_t to)
{
	size_t i = from;
	int error;

	while (i < to) {
		size_t s = i;
		if (is_space(t->cp[i])) {
			i++;
			continue;
		}
		if (is_word(t->cp[i]))
			while (i < to && is_word(t->cp[i]))
				i++;
		else
			i++;
		if ((error = segs_push(out, s, i)) < 0)
			return error;
	}
	return 0;
}

int seg_words(struct segs *out, const struct cptext *t, size_t from, size_t to)
{
	size_t i = from;
	int error;

	while (i < to) {
		size_t s = i;
		if (is_space(t->cp[i])) {
			i++;
			continue;
		}
		while (i < to && !is_space(t->cp[i]))
			i++;
		if ((error = segs_push(out, s, i)) < 0)
			return error;
	}
	return 0;
}

static const char *const abbreviations[] = {
	"mr",  "mrs",  "ms",  "dr",  "prof", "sr",   "jr",   "st",     "vs",   "etc", "e.g",
	"i.e", "cf",   "al",  "fig", "figs", "no",   "nos",  "vol",    "pp",   "p",   "ed",
	"eds", "inc",  "ltd", "co",  "corp", "dept", "univ", "approx", "est",  "jan", "feb",
	"mar", "apr",  "jun", "jul", "aug",  "sep",  "sept", "oct",    "nov",  "dec", "mt",
	"ave", "rd",   "gen", "col", "lt",   "sgt",  "capt", "rev",    "hon",  "art", "sec",
	"ch",  "para", "op",  "cit", "ibid", "viz",  "u.s",  "u.k",    "ph.d", "a.m", "p.m",
	"z.b", "bzw",  "usw", "ca",  "nr",   "sra",  NULL,
};

static int is_terminator(uint32_t c)
{
	return c == '.' || c == '!' || c == '?' || c == 0x2026 || c == 0x3002 || c == 0xFF01 ||
	       c == 0xFF1F;
}

static int is_closer(uint32_t c)
{
	return c == '"' || c == '\'' || c == ')' || c == ']' || c == 0xBB || c == 0x201D ||
	       c == 0x2019 || c == 0x300D;
}

/* Is the word ending just before the '.' at `dot` an abbreviation or an initial? */
static int abbreviation_before(const struct cptext *t, size_t from, size_t dot)
{
	char w[16];
	size_t s = dot, n = 0, i;

	while (s > from && (is_word(t->cp[s - 1]) || t->cp[s - 1] == '.'))
		s--;
	if (dot - s == 1 && t->cp[s] >= 'A' && t->cp[s] <= 'Z')
		return 1; /* an initial: "J. Smith" */
	if (dot - s >= sizeof(w))
		return 0;
	for (i = s; i < dot; i++) {
		uint32_t c = t->cp[i];
		if (c >= 0x80)
			return 0;
		w[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	w[n] = 0;
	for (i = 0; abbreviations[i]; i++)
		if (!strcmp(w, abbreviations[i]))
			return 1;
	return 0;
}

int seg_sentences(struct segs *out, const struct cptext *t, size_t from, size_t to)
{
	size_t i = from, s;
	int error;

	while (i < to && is_space(t->cp[i]))
		i++;
	s = i;
	while (i < to) {
		size_t j, k;
		if (!is_terminator(t->cp[i])) {
			i++;
			continue;
		}
		j = i;
		while (j < to && is_terminator(t->cp[j]))
			j++;
		while (j < to && is_closer(t->cp[j]))
			j++;
		if (j < to && !is_space(t->cp[j]) && t->cp[i] < 0x3000) {
			i = j;
			continue;
		}
		if (t->cp[i] == '.' && j == i + 1 && abbreviation_before(t, s, i)) {
			i = j;
			continue;
		}
		for (k = j; k < to && is_space(t->cp[k]); k++)
			;
		if (k < to && t->cp[k] >= 'a' && t->cp[k] <= 'z') {
			i = j;
			continue;
		}
		if ((error = segs_push(out, s, j)) < 0)
			return error;
		i = s = k;
	}
	while (to > s && is_space(t->cp[to - 1]))
		to--;
	if (to > s && (error = segs_push(out, s, to)) < 0)
		return error;
	return 0;
}
