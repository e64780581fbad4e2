/*
 * eda: Easy Data Augmentation (Wei and Zou, 2019), the four operations:
 *   SR  synonym replacement: n = max(1, alpha_sr * words) words that are not
 *       stop words, each replaced by a random WordNet synonym
 *   RI  random insertion: n = max(1, alpha_ri * words) times, a random
 *       synonym of a random word (not a stop word) inserted before a
 *       random word
 *   RS  random swap: n = max(1, alpha_rs * words) times, two random words
 *       trade places
 *   RD  random deletion: each word deleted with probability alpha_rd (one
 *       is kept when all would go)
 * Variant v applies one operation, the (v mod k)-th of the k operations
 * whose alpha is above 0, in the order SR, RI, RS, RD (as the paper makes
 * its augmented sentences, one operation each).
 *
 * The text is cut into words (runs of letters, apostrophes and hyphens
 * inside, and non-ASCII bytes), separators (the rest), and protected
 * spans (the annotated or PII spans). Protected spans are never changed,
 * moved past each other or deleted: they stay byte-identical and their
 * offsets are recomputed; a word touching one ("Smith's" around the span
 * "Smith") is frozen too. Separators stay in place; a deleted word takes
 * the spaces after it (or before it, when punctuation follows) along,
 * never a line break.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "augment_int.h"
#include "../../util/utf8.h"

enum { T_WORD, T_SEP, T_PROT };

struct tok {
	const char *s;
	size_t n;
	char *own;   /* when the text was replaced */
	int type;    /* T_WORD, T_SEP, T_PROT */
	int frozen;  /* a word that must not change (touches a protected span) */
	size_t span; /* T_PROT: the span's index */
};

struct toks {
	struct tok *v;
	size_t n, cap;
};

/* The stop words SR leaves alone (the EDA paper's list, shortened). */
static const char *const stop_words[] = {
	"a",      "about", "above", "after", "again",   "all",     "am",     "an",      "and",
	"any",    "are",   "as",    "at",    "be",      "been",    "being",  "below",   "between",
	"both",   "but",   "by",    "can",   "did",     "do",      "does",   "doing",   "down",
	"during", "each",  "few",   "for",   "from",    "further", "had",    "has",     "have",
	"having", "he",    "her",   "here",  "hers",    "herself", "him",    "himself", "his",
	"how",    "i",     "if",    "in",    "into",    "is",      "it",     "its",     "itself",
	"just",   "me",    "more",  "most",  "my",      "myself",  "no",     "nor",     "not",
	"now",    "of",    "off",   "on",    "once",    "only",    "or",     "other",   "our",
	"ours",   "out",   "over",  "own",   "same",    "she",     "should", "so",      "some",
	"such",   "than",  "that",  "the",   "their",   "theirs",  "them",   "then",    "there",
	"these",  "they",  "this",  "those", "through", "to",      "too",    "under",   "until",
	"up",     "very",  "was",   "we",    "were",    "what",    "when",   "where",   "which",
	"while",  "who",   "whom",  "why",   "will",    "with",    "you",    "your",    "yours",
};

static int is_stop(const char *w, size_t n)
{
	for (size_t i = 0; i < sizeof(stop_words) / sizeof(stop_words[0]); i++)
		if (strlen(stop_words[i]) == n && !strncasecmp(stop_words[i], w, n))
			return 1;
	return 0;
}

static int word_byte(const char *s, size_t i, size_t end)
{
	unsigned char c = (unsigned char)s[i];

	if (isalpha(c) || c >= 0x80)
		return 1;
	/* An apostrophe or hyphen between letters. */
	return (c == '\'' || c == '-') && i + 1 < end && isalpha((unsigned char)s[i + 1]);
}

static int push(struct toks *t, const char *s, size_t n, int type, size_t span)
{
	if (t->n == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 256;
		struct tok *v = realloc(t->v, ncap * sizeof(*v));
		if (!v)
			return error_oom();
		t->v = v;
		t->cap = ncap;
	}
	memset(&t->v[t->n], 0, sizeof(t->v[0]));
	t->v[t->n].s = s;
	t->v[t->n].n = n;
	t->v[t->n].type = type;
	t->v[t->n].span = span;
	t->n++;
	return 0;
}

static void toks_release(struct toks *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].own);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

/* Cut text[from..to) into words and separators. */
static int cut(struct toks *t, const char *text, size_t from, size_t to)
{
	size_t i = from;
	int error = 0;

	while (i < to && !error) {
		size_t s = i;
		int w = word_byte(text, i, to);
		while (i < to && word_byte(text, i, to) == w)
			i++;
		error = push(t, text + s, i - s, w ? T_WORD : T_SEP, 0);
	}
	return error;
}

static int tokenize(struct toks *t, const char *text, size_t len, const struct aug_spans *spans)
{
	size_t at = 0;
	int error = 0;

	for (size_t k = 0; k < spans->n && !error; k++) {
		if ((error = cut(t, text, at, spans->v[k].bstart)) < 0 ||
		    (error = push(t, text + spans->v[k].bstart,
		                  spans->v[k].bend - spans->v[k].bstart, T_PROT, k)) < 0)
			break;
		at = spans->v[k].bend;
	}
	if (!error)
		error = cut(t, text, at, len);
	/* Words touching a protected span, and overlong ones, are frozen. */
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].type == T_WORD &&
		    ((i > 0 && t->v[i - 1].type == T_PROT) ||
		     (i + 1 < t->n && t->v[i + 1].type == T_PROT) || t->v[i].n > 64))
			t->v[i].frozen = 1;
	return error;
}

/* The indexes of the words that may change; *n how many (malloc'd, may be NULL when 0). */
static int free_words(size_t **out, size_t *n, const struct toks *t)
{
	size_t *v = malloc((t->n ? t->n : 1) * sizeof(*v));

	*n = 0;
	if (!v)
		return error_oom();
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].type == T_WORD && !t->v[i].frozen)
			v[(*n)++] = i;
	*out = v;
	return 0;
}

/* The synonyms of word token `w` (ASCII words only). */
static int synonyms(struct wordnet_words *out, const struct wordnet *wn, const struct tok *w)
{
	char low[72];

	out->n = 0;
	if (w->n >= sizeof(low))
		return 0;
	for (size_t i = 0; i < w->n; i++) {
		if ((unsigned char)w->s[i] >= 0x80)
			return 0;
		low[i] = (char)tolower((unsigned char)w->s[i]);
	}
	return wordnet_synonyms(out, wn, low, w->n);
}

/* A copy of synonym `syn` cased like word `model`. */
static char *cased(const char *syn, const struct tok *model)
{
	char *c = strdup(syn);
	int upper = model->n > 1, first = isupper((unsigned char)model->s[0]);

	for (size_t i = 0; i < model->n && upper; i++)
		if (islower((unsigned char)model->s[i]))
			upper = 0;
	for (size_t i = 0; c && c[i]; i++)
		if (upper || (first && i == 0))
			c[i] = (char)toupper((unsigned char)c[i]);
	return c;
}

static int set_text(struct tok *t, char *own)
{
	if (!own)
		return error_oom();
	free(t->own);
	t->own = own;
	t->s = own;
	t->n = strlen(own);
	return 0;
}

static size_t count_of(double alpha, size_t words)
{
	size_t n = (size_t)(alpha * (double)words);
	return n < 1 ? 1 : n;
}

/* SR: replace up to n distinct non-stop words by a synonym. */
static int op_sr(struct toks *t, struct aug_rng *r, const struct wordnet *wn, double alpha,
                 int *changes)
{
	struct wordnet_words syn = { { 0 }, 0 };
	size_t *w = NULL, nw, want, done = 0;
	int error;

	if ((error = free_words(&w, &nw, t)) < 0)
		return error;
	want = count_of(alpha, nw);
	/* Walk the words in a random order (Fisher-Yates), as the paper shuffles them. */
	for (size_t i = 0; i < nw && done < want && !error; i++) {
		size_t j = i + aug_rng_below(r, (uint32_t)(nw - i)), k = w[j];
		w[j] = w[i];
		w[i] = k;
		if (is_stop(t->v[k].s, t->v[k].n))
			continue;
		if ((error = synonyms(&syn, wn, &t->v[k])) < 0 || syn.n == 0)
			continue;
		error =
		    set_text(&t->v[k], cased(syn.v[aug_rng_below(r, (uint32_t)syn.n)], &t->v[k]));
		wordnet_words_release(&syn);
		done++;
	}
	wordnet_words_release(&syn);
	free(w);
	*changes = (int)done;
	return error;
}

/* RI: n times, a synonym of a random word inserted before a random word. */
static int op_ri(struct toks *t, struct aug_rng *r, const struct wordnet *wn, double alpha,
                 int *changes)
{
	struct wordnet_words syn = { { 0 }, 0 };
	size_t *w = NULL, nw, want;
	int error;

	if ((error = free_words(&w, &nw, t)) < 0)
		return error;
	want = count_of(alpha, nw);
	for (size_t i = 0; i < want && nw && !error; i++) {
		char *word = NULL;
		/* The paper tries ten random words for one with a synonym. */
		for (int tries = 0; tries < 10 && !word && !error; tries++) {
			const struct tok *src = &t->v[w[aug_rng_below(r, (uint32_t)nw)]];
			if (is_stop(src->s, src->n))
				continue;
			if ((error = synonyms(&syn, wn, src)) < 0 || syn.n == 0)
				continue;
			if (!(word = strdup(syn.v[aug_rng_below(r, (uint32_t)syn.n)])))
				error = error_oom();
			wordnet_words_release(&syn);
		}
		if (!word)
			continue;
		size_t at = w[aug_rng_below(r, (uint32_t)nw)];
		/* Two new tokens at `at`: the word and a space. */
		if ((error = push(t, "", 0, T_SEP, 0)) < 0 ||
		    (error = push(t, "", 0, T_SEP, 0)) < 0) {
			free(word);
			break;
		}
		memmove(&t->v[at + 2], &t->v[at], (t->n - 2 - at) * sizeof(t->v[0]));
		memset(&t->v[at], 0, 2 * sizeof(t->v[0]));
		t->v[at].type = T_WORD;
		t->v[at].frozen = 1; /* not changed again in this variant */
		set_text(&t->v[at], word);
		t->v[at + 1].type = T_SEP;
		t->v[at + 1].s = " ";
		t->v[at + 1].n = 1;
		(*changes)++;
		/* The indexes after `at` moved by two. */
		for (size_t k = 0; k < nw; k++)
			if (w[k] >= at)
				w[k] += 2;
	}
	wordnet_words_release(&syn);
	free(w);
	return error;
}

/* RS: n times, two random words trade places. */
static int op_rs(struct toks *t, struct aug_rng *r, double alpha, int *changes)
{
	size_t *w = NULL, nw, want;
	int error;

	if ((error = free_words(&w, &nw, t)) < 0)
		return error;
	want = count_of(alpha, nw);
	for (size_t i = 0; i < want && nw >= 2; i++) {
		size_t a = w[aug_rng_below(r, (uint32_t)nw)], b = w[aug_rng_below(r, (uint32_t)nw)];
		struct tok x = t->v[a];
		if (a == b)
			continue;
		t->v[a] = t->v[b];
		t->v[b] = x;
		(*changes)++;
	}
	free(w);
	return 0;
}

/* Drop the spaces (not line breaks) at the start (front) or end of separator t. */
static void trim_spaces(struct tok *t, int front)
{
	if (t->type != T_SEP)
		return;
	if (front)
		while (t->n && (t->s[0] == ' ' || t->s[0] == '\t'))
			t->s++, t->n--;
	else
		while (t->n && (t->s[t->n - 1] == ' ' || t->s[t->n - 1] == '\t'))
			t->n--;
}

/* RD: each word deleted with probability p; one kept when all would go. */
static int op_rd(struct toks *t, struct aug_rng *r, double p, int *changes)
{
	size_t *w = NULL, nw, del = 0;
	unsigned char *gone;
	int error;

	if ((error = free_words(&w, &nw, t)) < 0)
		return error;
	if (!(gone = calloc(nw ? nw : 1, 1))) {
		free(w);
		return error_oom();
	}
	for (size_t i = 0; i < nw; i++)
		if (aug_rng_unit(r) < p)
			gone[i] = 1, del++;
	if (nw && del == nw)
		gone[aug_rng_below(r, (uint32_t)nw)] = 0, del--;
	for (size_t i = 0; i < nw; i++) {
		size_t k = w[i];
		if (!gone[i])
			continue;
		t->v[k].n = 0;
		t->v[k].type = T_SEP; /* an empty separator now */
		if (k + 1 < t->n && t->v[k + 1].type == T_SEP && t->v[k + 1].n &&
		    (t->v[k + 1].s[0] == ' ' || t->v[k + 1].s[0] == '\t'))
			trim_spaces(&t->v[k + 1], 1);
		else if (k > 0)
			trim_spaces(&t->v[k - 1], 0);
		(*changes)++;
	}
	free(gone);
	free(w);
	return 0;
}

int aug_eda(struct aug_item *out, const char *text, size_t len, const struct aug_spans *spans,
            const struct wordnet *wn, const struct enclave_augment_options *o, int64_t doc,
            int64_t v)
{
	static const char *const names[] = { "sr", "ri", "rs", "rd" };
	double alphas[4] = { o->alpha_sr, o->alpha_ri, o->alpha_rs, o->alpha_rd };
	struct toks t = { 0 };
	struct aug_rng r;
	int ops[4], nops = 0, op, changes = 0, error;
	size_t cp = 0;

	for (int i = 0; i < 4; i++)
		if (alphas[i] > 0)
			ops[nops++] = i;
	if (!nops)
		return error_set(ENCLAVE_EINVALID, "eda: every alpha is 0");
	op = ops[v % nops];
	if ((error = aug_rng_init(&r, "eda", o->seed, doc, v)) < 0 ||
	    (error = tokenize(&t, text, len, spans)) < 0)
		goto done;
	switch (op) {
	case 0: error = op_sr(&t, &r, wn, alphas[0], &changes); break;
	case 1: error = op_ri(&t, &r, wn, alphas[1], &changes); break;
	case 2: error = op_rs(&t, &r, alphas[2], &changes); break;
	default: error = op_rd(&t, &r, alphas[3], &changes); break;
	}
	if (error)
		goto done;
	for (size_t i = 0; i < t.n && !error; i++) {
		size_t start = cp;
		if ((error = buf_put(&out->text, t.v[i].s, t.v[i].n)) < 0) {
			error = error_buf(error, "eda text");
			break;
		}
		cp += utf8_count(t.v[i].s, t.v[i].n);
		if (t.v[i].type == T_PROT)
			error = aug_spans_push(&out->spans, start, cp, spans->v[t.v[i].span].label);
	}
	if (!error && !(out->extra = json_pack("{s:s,s:i}", "op", names[op], "changes", changes)))
		error = error_oom();
done:
	toks_release(&t);
	return error;
}
