/*
 * The named-entity tagger: tokeniser, features, gazetteers, Viterbi, the
 * model file's loader and ner_tag(). The format and the model are described
 * in ner_int.h; training is ner_train.c, the CoNLL reader conll.c.
 *
 * The hot path (ner_tag) allocates once per call: a scratch area for one
 * window of ENCLAVE_NER_WINDOW_TOKENS tokens, reused window after window.
 * Features are never strings: each token's word, shape and affixes are
 * hashed once, and a feature key mixes such a hash with its template number.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../crypto/crypto_int.h"
#include "ner_default.h"
#include "ner_int.h"
#include "../../../util/fs.h"

/* ---------------------------------------------------------------- hashing and case */

#define FNV_OFFSET 2166136261u
#define FNV_PRIME 16777619u

/* Fold one byte to lower case; `prev` is the byte before it (for Latin-1's C3 xx). */
static inline unsigned char fold_byte(unsigned char prev, unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (unsigned char)(c + 32);
	if (prev == 0xC3 && c >= 0x80 && c <= 0x9E && c != 0x97)
		return (unsigned char)(c + 0x20);
	return c;
}

/* Upper-case one byte, the inverse of fold_byte. */
static inline unsigned char upper_byte(unsigned char prev, unsigned char c)
{
	if (c >= 'a' && c <= 'z')
		return (unsigned char)(c - 32);
	if (prev == 0xC3 && c >= 0xA0 && c <= 0xBE && c != 0xB7)
		return (unsigned char)(c - 0x20);
	return c;
}

void ner_fold(char *out, const char *s, size_t n)
{
	unsigned char prev = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		out[i] = (char)fold_byte(prev, c);
		prev = c;
	}
}

void ner_upper(char *out, const char *s, size_t n)
{
	unsigned char prev = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		out[i] = (char)upper_byte(prev, c);
		prev = c;
	}
}

/* The final mix of MurmurHash3: spreads a 32-bit hash over all bits. */
static inline uint32_t fmix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

/* FNV-1a of [s, s+n) folded to lower case, digits as '0' when `digits` is set. */
static uint32_t hash_folded(const char *s, size_t n, int digits)
{
	uint32_t h = FNV_OFFSET;
	unsigned char prev = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i], f = fold_byte(prev, c);
		if (digits && f >= '0' && f <= '9')
			f = '0';
		h = (h ^ f) * FNV_PRIME;
		prev = c;
	}
	return h;
}

/* FNV-1a of bytes as they are. */
static uint32_t hash_bytes(const char *s, size_t n, uint32_t h)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * FNV_PRIME;
	return h;
}

/* The key of feature template `tmpl` with value hash `v`: never 0 (0 marks an empty slot). */
static inline uint32_t feat_key(uint32_t tmpl, uint32_t v)
{
	uint32_t k = fmix32(v ^ (tmpl * 0x9E3779B1u) ^ (tmpl << 24));
	return k ? k : 1;
}

/* ---------------------------------------------------------------- gazetteers */

#define GAZ_PREFIX_BIT 0x8000u /* the word begins a multi-word entry */

struct gaz_entry {
	uint32_t off; /* in strings */
	uint8_t len;
	uint16_t kinds; /* bits (1 << enum ner_gaz), GAZ_PREFIX_BIT */
};

struct ner_gazetteer {
	struct gaz_entry *v;
	size_t n, cap;
	uint32_t *slots; /* index + 1 into v; 0 empty */
	size_t nslots;   /* power of two, at least twice n */
	struct buf strings;
};

static const char *const gaz_names[NER_GAZ_COUNT] = {
	[NER_GAZ_FIRST_NAME] = "first_names",
	[NER_GAZ_SURNAME] = "surnames",
	[NER_GAZ_CITY] = "cities",
	[NER_GAZ_US_STATE] = "us_states",
	[NER_GAZ_COUNTRY] = "countries",
	[NER_GAZ_ORG_SUFFIX] = "org_suffixes",
	[NER_GAZ_TITLE] = "titles",
	[NER_GAZ_MEDICAL] = "medical",
	[NER_GAZ_RELATION] = "relations",
};

const char *ner_gaz_name(int kind)
{
	return kind >= 0 && kind < NER_GAZ_COUNT ? gaz_names[kind] : NULL;
}

int ner_gazetteer_new(struct ner_gazetteer **out)
{
	struct ner_gazetteer *g = calloc(1, sizeof(*g));

	*out = NULL;
	if (!g)
		return error_oom();
	g->strings = (struct buf)BUF_INIT((size_t)64 << 20);
	*out = g;
	return 0;
}

void ner_gazetteer_free(struct ner_gazetteer *g)
{
	if (!g)
		return;
	free(g->v);
	free(g->slots);
	buf_release(&g->strings);
	free(g);
}

/* The slot of folded `s` in g: the matching one or the empty one where it would go. */
static size_t gaz_slot(const struct ner_gazetteer *g, const char *s, size_t len)
{
	size_t mask = g->nslots - 1, i = fmix32(hash_bytes(s, len, FNV_OFFSET)) & mask;

	while (g->slots[i]) {
		const struct gaz_entry *e = &g->v[g->slots[i] - 1];
		if (e->len == len && memcmp(g->strings.ptr + e->off, s, len) == 0)
			break;
		i = (i + 1) & mask;
	}
	return i;
}

/* Double the slot table (or make the first one). Returns 0 or ENCLAVE_ENOMEM. */
static int gaz_rehash(struct ner_gazetteer *g)
{
	size_t n = g->nslots ? g->nslots * 2 : 1024;
	uint32_t *old = g->slots;
	size_t oldn = g->nslots;

	if (!(g->slots = calloc(n, sizeof(*g->slots)))) {
		g->slots = old;
		return error_oom();
	}
	g->nslots = n;
	for (size_t i = 0; i < oldn; i++) {
		if (old[i]) {
			const struct gaz_entry *e = &g->v[old[i] - 1];
			g->slots[gaz_slot(g, g->strings.ptr + e->off, e->len)] = old[i];
		}
	}
	free(old);
	return 0;
}

/* Add `bits` to the kinds of folded `s`, inserting it when new. Returns 0 or ENCLAVE_ENOMEM. */
static int gaz_insert(struct ner_gazetteer *g, const char *s, size_t len, unsigned bits)
{
	size_t slot;

	if ((g->n + 1) * 2 > g->nslots && gaz_rehash(g) < 0)
		return ENCLAVE_ENOMEM;
	slot = gaz_slot(g, s, len);
	if (g->slots[slot]) {
		g->v[g->slots[slot] - 1].kinds |= (uint16_t)bits;
		return 0;
	}
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 512;
		struct gaz_entry *v = realloc(g->v, cap * sizeof(*v));
		if (!v)
			return error_oom();
		g->v = v;
		g->cap = cap;
	}
	g->v[g->n] = (struct gaz_entry){ (uint32_t)g->strings.len, (uint8_t)len, (uint16_t)bits };
	if (buf_put(&g->strings, s, len) < 0)
		return error_set(ENCLAVE_ELIMIT, "gazetteers: too large");
	g->slots[slot] = (uint32_t)++g->n;
	return 0;
}

int ner_gazetteer_add(struct ner_gazetteer *g, enum ner_gaz kind, const char *word, size_t len)
{
	char f[NER_GAZ_MAX_BYTES];
	size_t words = 1;
	int error;

	if ((unsigned)kind >= NER_GAZ_COUNT)
		return error_set(ENCLAVE_EINVALID, "gazetteer kind %d out of range", (int)kind);
	if (len == 0 || len > NER_GAZ_MAX_BYTES)
		return error_set(ENCLAVE_EINVALID, "gazetteer entry of %zu bytes (1 to %d)", len,
		                 NER_GAZ_MAX_BYTES);
	ner_fold(f, word, len);
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)f[i] < 0x20)
			return error_set(ENCLAVE_EINVALID, "gazetteer entry with a control byte");
		if (f[i] == ' ') {
			if (i == 0 || i + 1 == len || f[i - 1] == ' ')
				return error_set(ENCLAVE_EINVALID,
				                 "gazetteer entry with a stray space");
			words++;
		}
	}
	if (words > NER_GAZ_MAX_WORDS)
		return error_set(ENCLAVE_EINVALID, "gazetteer entry of more than %d words",
		                 NER_GAZ_MAX_WORDS);
	if ((error = gaz_insert(g, f, len, 1u << kind)) < 0)
		return error;
	if (words > 1) {
		const char *sp = memchr(f, ' ', len);
		return gaz_insert(g, f, (size_t)(sp - f), GAZ_PREFIX_BIT);
	}
	return 0;
}

size_t ner_gazetteer_count(const struct ner_gazetteer *g)
{
	return g ? g->n : 0;
}

unsigned ner_gazetteer_kinds(const struct ner_gazetteer *g, const char *folded, size_t len)
{
	size_t slot;

	if (!g || !g->nslots || len == 0 || len > NER_GAZ_MAX_BYTES)
		return 0;
	slot = gaz_slot(g, folded, len);
	return g->slots[slot] ? g->v[g->slots[slot] - 1].kinds : 0;
}

int ner_gazetteer_write(const struct ner_gazetteer *g, struct buf *out)
{
	for (size_t i = 0; g && i < g->n; i++) {
		const struct gaz_entry *e = &g->v[i];
		for (int k = 0; k < NER_GAZ_COUNT; k++) {
			unsigned char hdr[2] = { (unsigned char)k, e->len };
			if (!(e->kinds & (1u << k)))
				continue;
			if (buf_put(out, hdr, 2) < 0 ||
			    buf_put(out, g->strings.ptr + e->off, e->len) < 0)
				return error_set(ENCLAVE_ELIMIT, "model: too large");
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- the tokeniser */

/* Bytes of a separator (white space, or punctuation written in UTF-8) at s, else 0. */
static size_t utf8_punct(const unsigned char *s, const unsigned char *end)
{
	if (s + 1 < end && s[0] == 0xC2 && (s[1] == 0xA0 || s[1] == 0xAB || s[1] == 0xBB))
		return 2; /* no-break space, guillemets */
	if (s + 2 < end && s[0] == 0xE2 && s[1] == 0x80 &&
	    ((s[2] >= 0x90 && s[2] <= 0x9F) || s[2] == 0xA6 || (s[2] >= 0x80 && s[2] <= 0x8B)))
		return 3; /* dashes, quotes, ellipsis, the spaces of U+2000.. */
	return 0;
}

static inline int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* Is the byte at s the start of a word character (a letter, digit, or non-ASCII letter)? */
static inline int is_word(const unsigned char *s, const unsigned char *end)
{
	unsigned char c = *s;

	if (c < 0x80)
		return (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'z');
	return utf8_punct(s, end) == 0;
}

/* Words that keep a following '.' (abbreviations that are not sentence ends). */
static int is_abbrev(const char *s, size_t n)
{
	static const char *const abbr[] = { "dr",   "mr",  "mrs",  "ms",    "st",   "jr",   "sr",
		                            "prof", "inc", "ltd",  "co",    "corp", "mt",   "ft",
		                            "gen",  "sen", "rep",  "gov",   "no",   "vs",   "capt",
		                            "col",  "lt",  "sgt",  "rev",   "ave",  "dept", "univ",
		                            "fr",   "hon", "pres", "messrs" };
	char f[8];

	if (n == 1)
		return 1;
	if (n >= sizeof(f))
		return 0;
	ner_fold(f, s, n);
	for (size_t i = 0; i < sizeof(abbr) / sizeof(abbr[0]); i++)
		if (strlen(abbr[i]) == n && memcmp(abbr[i], f, n) == 0)
			return 1;
	return 0;
}

size_t ner_tokenize_window(struct ner_tok *toks, size_t max, const char *text, size_t len,
                           size_t *pos)
{
	const unsigned char *s = (const unsigned char *)text, *end = s + len;
	size_t p = *pos, n = 0;

	while (p < len && n < max) {
		size_t start, sep;
		unsigned char c = s[p];

		if (is_space(c)) {
			p++;
			if (c == '\n' && n > 0)
				break;
			continue;
		}
		if ((sep = utf8_punct(s + p, end)) != 0) {
			/* The no-break space and U+2000..U+200B are spaces, not tokens. */
			if (!(s[p] == 0xC2 && s[p + 1] == 0xA0) &&
			    !(s[p] == 0xE2 && s[p + 2] <= 0x8B))
				toks[n++] = (struct ner_tok){ p, p + sep };
			p += sep;
			continue;
		}
		start = p;
		if (is_word(s + p, end)) {
			int dotted = 0;
			while (p < len && p - start < ENCLAVE_NER_MAX_TOKEN_BYTES) {
				if (is_word(s + p, end)) {
					p++;
					continue;
				}
				/* Inner joiners: O'Brien, Jean-Paul, U.S, AT&T; not a final 's. */
				if ((s[p] == '\'' || s[p] == '-' || s[p] == '.' || s[p] == '&') &&
				    p + 1 < len && is_word(s + p + 1, end)) {
					if (s[p] == '\'' && (s[p + 1] | 32) == 's' &&
					    (p + 2 >= len || !is_word(s + p + 2, end)))
						break;
					dotted |= s[p] == '.';
					p += 2;
					continue;
				}
				break;
			}
			if (p < len && s[p] == '.' &&
			    (dotted || is_abbrev(text + start, p - start)))
				p++;
		} else if (c == '\'' && p + 1 < len && (s[p + 1] | 32) == 's' &&
		           (p + 2 >= len || !is_word(s + p + 2, end))) {
			p += 2;
		} else {
			while (p < len && s[p] == c && p - start < 16)
				p++;
		}
		toks[n++] = (struct ner_tok){ start, p };
		if (c == '.' || c == '!' || c == '?')
			break;
	}
	*pos = p;
	return n;
}

/* ---------------------------------------------------------------- features */

enum case_mode { MODE_MIXED, MODE_UPPER, MODE_LOWER };

/* Feature templates: the numbers are part of the model (changing them needs a new version). */
enum {
	F_BIAS = 1,
	F_W0,
	F_WM1,
	F_WP1,
	F_WM2,
	F_WP2,
	F_SHAPE,
	F_SSHAPE,
	F_SS_M1_0,
	F_SS_0_P1,
	F_AFFIX,    /* + 0..6 */
	F_GAZ = 20, /* + kind */
	F_GAZ_M1 = 30,
	F_GAZ_P1 = 40,
	F_GAZ_B = 50,
	F_GAZ_I = 60,
	F_FIRST = 70,
	F_WM1_SS0,
	F_WM1_W0,
	F_W0_WP1,
	F_SS_M1_P1,
	F_W0_SS0,
	F_WP1_SS0,
};

/* Case mode of a window: upper when most words are all capitals, lower when none is Title-cased. */
static enum case_mode window_mode(const char *text, const struct ner_tok *toks, size_t n)
{
	size_t alpha = 0, upper = 0, title = 0, lower = 0;

	for (size_t i = 0; i < n; i++) {
		const unsigned char *s = (const unsigned char *)text + toks[i].start;
		size_t len = toks[i].end - toks[i].start, up = 0, lo = 0;
		for (size_t j = 0; j < len; j++) {
			up += s[j] >= 'A' && s[j] <= 'Z';
			lo += s[j] >= 'a' && s[j] <= 'z';
		}
		if (up + lo == 0)
			continue;
		alpha++;
		if (lo == 0)
			upper += up > 1 || len == 1 ? 1 : 0;
		else if (s[0] >= 'A' && s[0] <= 'Z')
			title++;
		else
			lower++;
	}
	if (alpha >= 2 && upper * 10 >= alpha * 8)
		return MODE_UPPER;
	if (alpha >= 2 && title == 0 && lower >= 1)
		return MODE_LOWER;
	return MODE_MIXED;
}

/* The shape class of the code point starting at s. */
static char shape_char(const unsigned char *s, const unsigned char *end, size_t *used)
{
	unsigned char c = *s;

	*used = 1;
	if (c < 0x80) {
		if (c >= 'A' && c <= 'Z')
			return 'X';
		if (c >= 'a' && c <= 'z')
			return 'x';
		if (c >= '0' && c <= '9')
			return 'd';
		return (char)c;
	}
	while (s + *used < end && (s[*used] & 0xC0) == 0x80 && *used < 4)
		(*used)++;
	if (c == 0xC3 && *used == 2 && s[1] <= 0x9E && s[1] != 0x97)
		return 'X';
	return 'x';
}

void ner_token_info(struct ner_tokinfo *info, const struct ner_gazetteer *g, const char *text,
                    const struct ner_tok *toks, size_t n)
{
	enum case_mode mode = window_mode(text, toks, n);

	for (size_t i = 0; i < n; i++) {
		const char *w = text + toks[i].start;
		size_t len = toks[i].end - toks[i].start, j, k = 0, kk = 0;
		const unsigned char *s = (const unsigned char *)w, *end = s + len;
		char shape[16], sshape[8];
		struct ner_tokinfo *t = &info[i];

		memset(t, 0, sizeof(*t));
		t->word = hash_folded(w, len, 1);
		for (j = 0; j < len && k < sizeof(shape);) {
			size_t used;
			char c = shape_char(s + j, end, &used);
			shape[k++] = c;
			if (kk == 0 || (sshape[kk - 1] != c && kk < sizeof(sshape)))
				sshape[kk++] = c;
			j += used;
		}
		t->first_upper = k > 0 && shape[0] == 'X';
		t->shape = hash_bytes(shape, k, FNV_OFFSET + (uint32_t)mode) + (j < len);
		t->sshape = hash_bytes(sshape, kk, FNV_OFFSET + 7u * (uint32_t)mode);
		for (j = 1; j <= 3; j++)
			if (len > j)
				t->affix[j - 1] = hash_folded(w, j, 0);
		for (j = 1; j <= 4; j++)
			if (len > j)
				t->affix[2 + j] = hash_folded(w + len - j, j, 0) ^ 0x5bd1e995u;
		if (len <= NER_GAZ_MAX_BYTES) {
			char f[NER_GAZ_MAX_BYTES];
			ner_fold(f, w, len);
			t->gaz = (uint16_t)ner_gazetteer_kinds(g, f, len);
		}
	}
	/* Multi-word entries: the longest that starts at each word marked with a prefix bit. */
	for (size_t i = 0; i < n; i++) {
		char f[NER_GAZ_MAX_BYTES];
		size_t flen = 0, best = 0;
		unsigned kinds = 0;

		if (!(info[i].gaz & GAZ_PREFIX_BIT))
			continue;
		for (size_t w = 0; w < NER_GAZ_MAX_WORDS && i + w < n; w++) {
			size_t tl = toks[i + w].end - toks[i + w].start;
			unsigned kd;
			if (flen + (w > 0) + tl > sizeof(f))
				break;
			if (w > 0)
				f[flen++] = ' ';
			ner_fold(f + flen, text + toks[i + w].start, tl);
			flen += tl;
			kd = w > 0 ? ner_gazetteer_kinds(g, f, flen) & ~GAZ_PREFIX_BIT : 0;
			if (kd) {
				best = w + 1;
				kinds = kd;
			}
		}
		for (size_t w = 0; w < best; w++)
			info[i + w].gaz_multi |= w == 0 ? kinds : kinds << 16;
	}
	for (size_t i = 0; i < n; i++)
		info[i].gaz &= (uint16_t)~GAZ_PREFIX_BIT;
}

size_t ner_features(uint32_t *keys, const struct ner_tokinfo *info, size_t n, size_t i)
{
	const struct ner_tokinfo *t = &info[i];
	uint32_t none = 0x9747b28cu; /* the hash of "no word here" (sentence edges) */
	uint32_t wm1 = i > 0 ? info[i - 1].word : none, wp1 = i + 1 < n ? info[i + 1].word : none;
	uint32_t sm1 = i > 0 ? info[i - 1].sshape : none;
	uint32_t sp1 = i + 1 < n ? info[i + 1].sshape : none;
	size_t k = 0;

	keys[k++] = feat_key(F_BIAS, t->sshape & 0); /* one bias for all tokens */
	keys[k++] = feat_key(F_W0, t->word);
	keys[k++] = feat_key(F_WM1, wm1);
	keys[k++] = feat_key(F_WP1, wp1);
	keys[k++] = feat_key(F_WM2, i > 1 ? info[i - 2].word : none);
	keys[k++] = feat_key(F_WP2, i + 2 < n ? info[i + 2].word : none);
	keys[k++] = feat_key(F_SHAPE, t->shape);
	keys[k++] = feat_key(F_SSHAPE, t->sshape);
	keys[k++] = feat_key(F_SS_M1_0, sm1 * 31u + t->sshape);
	keys[k++] = feat_key(F_SS_0_P1, t->sshape * 31u + sp1);
	keys[k++] = feat_key(F_SS_M1_P1, (sm1 * 31u + t->sshape) * 31u + sp1);
	for (uint32_t a = 0; a < 7; a++)
		if (t->affix[a])
			keys[k++] = feat_key(F_AFFIX + a, t->affix[a]);
	for (uint32_t g = 0; g < NER_GAZ_COUNT; g++) {
		/* At most 5 here and 6 after the loop: never past the caller's array. */
		if (k + 5 + 6 > NER_MAX_FEATURES)
			break;
		if (t->gaz & (1u << g))
			keys[k++] = feat_key(F_GAZ + g, t->sshape);
		if (i > 0 && (info[i - 1].gaz & (1u << g)))
			keys[k++] = feat_key(F_GAZ_M1 + g, 0);
		if (i + 1 < n && (info[i + 1].gaz & (1u << g)))
			keys[k++] = feat_key(F_GAZ_P1 + g, 0);
		if (t->gaz_multi & (1u << g))
			keys[k++] = feat_key(F_GAZ_B + g, 0);
		if (t->gaz_multi & (0x10000u << g))
			keys[k++] = feat_key(F_GAZ_I + g, 0);
	}
	if (i == 0)
		keys[k++] = feat_key(F_FIRST, t->sshape);
	keys[k++] = feat_key(F_WM1_SS0, wm1 * 31u + t->sshape);
	keys[k++] = feat_key(F_WM1_W0, wm1 * 31u + t->word);
	keys[k++] = feat_key(F_W0_WP1, t->word * 31u + wp1);
	keys[k++] = feat_key(F_W0_SS0, t->word * 31u + t->sshape);
	keys[k++] = feat_key(F_WP1_SS0, wp1 * 31u + t->sshape);
	return k;
}

/* ---------------------------------------------------------------- Viterbi */

#define NEG (-1e30f)

int ner_transition_ok(int from, int to)
{
	if (to <= 0 || NER_TAG_IS_B(to))
		return 1;
	/* I-X only after B-X or I-X */
	return from > 0 && NER_TAG_TYPE(from) == NER_TAG_TYPE(to);
}

void ner_viterbi(uint8_t *tags, float *margin, const float *em, size_t n,
                 const float trans_in[NER_NTAGS + 1][NER_NTAGS], float *work, uint8_t *back)
{
	float *alpha = work, *beta = work + n * NER_NTAGS;
	float trans[NER_NTAGS + 1][NER_NTAGS]; /* with NEG where IOB2 forbids the step */
	size_t i;
	int t, s;

	if (n == 0)
		return;
	for (s = 0; s <= NER_NTAGS; s++)
		for (t = 0; t < NER_NTAGS; t++)
			trans[s][t] = ner_transition_ok(s - 1, t) ? trans_in[s][t] : NEG;
	for (t = 0; t < NER_NTAGS; t++)
		alpha[t] = trans[0][t] + em[t];
	for (i = 1; i < n; i++) {
		const float *prev = alpha + (i - 1) * NER_NTAGS;
		for (t = 0; t < NER_NTAGS; t++) {
			float best = prev[0] + trans[1][t];
			int arg = 0;
			for (s = 1; s < NER_NTAGS; s++) {
				float v = prev[s] + trans[s + 1][t];
				if (v > best) {
					best = v;
					arg = s;
				}
			}
			alpha[i * NER_NTAGS + t] = best + em[i * NER_NTAGS + t];
			back[i * NER_NTAGS + t] = (uint8_t)arg;
		}
	}
	{
		const float *last = alpha + (n - 1) * NER_NTAGS;
		int arg = 0;
		for (t = 1; t < NER_NTAGS; t++)
			if (last[t] > last[arg])
				arg = t;
		for (i = n; i-- > 0;) {
			tags[i] = (uint8_t)arg;
			if (i > 0)
				arg = back[i * NER_NTAGS + arg];
		}
	}
	if (!margin)
		return;
	for (t = 0; t < NER_NTAGS; t++)
		beta[(n - 1) * NER_NTAGS + t] = 0;
	for (i = n - 1; i-- > 0;) {
		float next[NER_NTAGS];
		for (s = 0; s < NER_NTAGS; s++)
			next[s] = em[(i + 1) * NER_NTAGS + s] + beta[(i + 1) * NER_NTAGS + s];
		for (t = 0; t < NER_NTAGS; t++) {
			float best = trans[t + 1][0] + next[0];
			for (s = 1; s < NER_NTAGS; s++) {
				float v = trans[t + 1][s] + next[s];
				if (v > best)
					best = v;
			}
			beta[i * NER_NTAGS + t] = best;
		}
	}
	for (i = 0; i < n; i++) {
		float best = NEG, other = NEG;
		for (t = 0; t < NER_NTAGS; t++) {
			float v = alpha[i * NER_NTAGS + t] + beta[i * NER_NTAGS + t];
			if (t == tags[i])
				best = v;
			else if (v > other)
				other = v;
		}
		margin[i] = other <= NEG / 2 ? 1e6f : best - other;
		if (!(margin[i] >= 0)) /* float rounding between the two passes */
			margin[i] = 0;
	}
}

/* ---------------------------------------------------------------- the model */

struct row {
	int16_t w[NER_NTAGS];
};

/*
 * The rows are an open-addressing table split in two: the keys alone (4
 * bytes a slot, so the probes of the many unseen features stay in a small,
 * cached array) and the weights of each slot.
 */
struct ner_model {
	uint32_t *keys;   /* nrows_cap slots, 0 empty */
	struct row *rows; /* the weights of each slot */
	size_t nrows_cap, nfeat;
	float scale, conf;
	float trans[NER_NTAGS + 1][NER_NTAGS];
	struct ner_gazetteer *gaz;
	char *info;
	char sha256[SHA256_HEX_LEN + 1];
};

void ner_model_free(struct ner_model *m)
{
	if (!m)
		return;
	free(m->keys);
	free(m->rows);
	ner_gazetteer_free(m->gaz);
	free(m->info);
	free(m);
}

const char *ner_model_sha256(const struct ner_model *m)
{
	return m->sha256;
}

size_t ner_model_features(const struct ner_model *m)
{
	return m->nfeat;
}

size_t ner_model_gazetteer_entries(const struct ner_model *m)
{
	return ner_gazetteer_count(m->gaz);
}

const struct ner_gazetteer *ner_model_gazetteer(const struct ner_model *m)
{
	return m->gaz;
}

const float (*ner_model_transitions(const struct ner_model *m))[NER_NTAGS]
{
	return (const float(*)[NER_NTAGS])m->trans;
}

static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static float rdf(const unsigned char *p)
{
	uint32_t u = rd32(p);
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

/* The row of `key`, or NULL. */
static inline const struct row *find_row(const struct ner_model *m, uint32_t key)
{
	size_t mask = m->nrows_cap - 1, i = key & mask;

	while (m->keys[i]) {
		if (m->keys[i] == key)
			return &m->rows[i];
		i = (i + 1) & mask;
	}
	return NULL;
}

int ner_model_parse(struct ner_model **out, const unsigned char *data, size_t len, const char *name)
{
	struct ner_model *m = NULL;
	const unsigned char *p, *end = data + len;
	uint32_t version, ntags, nfeat, ngaz, info_len, prev = 0;
	int error = ENCLAVE_EINVALID;

	*out = NULL;
	if (len < NER_HEADER_BYTES || memcmp(data, NER_MAGIC, 8) != 0)
		return error_set(ENCLAVE_EINVALID, "'%s' is not an enclave NER model", name);
	version = rd32(data + 8);
	ntags = rd32(data + 12);
	nfeat = rd32(data + 16);
	ngaz = rd32(data + 20);
	info_len = rd32(data + 24);
	if (version != NER_VERSION)
		return error_set(ENCLAVE_EUNSUPPORTED,
		                 "'%s': NER model version %u (this build reads %d)", name, version,
		                 NER_VERSION);
	if (ntags != NER_NTAGS)
		return error_set(ENCLAVE_EINVALID, "'%s': %u tags, expected %d", name, ntags,
		                 NER_NTAGS);
	if (nfeat > ENCLAVE_MAX_NER_FEATURES || ngaz > ENCLAVE_MAX_NER_GAZETTEER ||
	    info_len > 65536)
		return error_set(ENCLAVE_EINVALID, "'%s': counts out of range", name);
	if ((uint64_t)NER_HEADER_BYTES + info_len + (uint64_t)nfeat * NER_ROW_BYTES > len)
		return error_set(ENCLAVE_EINVALID, "'%s': truncated", name);
	if (!(m = calloc(1, sizeof(*m))))
		return error_oom();
	m->scale = rdf(data + 28);
	m->conf = rdf(data + 32);
	if (!isfinite(m->scale) || !(m->scale > 0) || !isfinite(m->conf) || !(m->conf > 0)) {
		error_set(ENCLAVE_EINVALID, "'%s': bad scale", name);
		goto fail;
	}
	for (int i = 0; i < (NER_NTAGS + 1) * NER_NTAGS; i++) {
		float f = rdf(data + 36 + 4 * i);
		if (!isfinite(f) || fabsf(f) > 1e9f) {
			error_set(ENCLAVE_EINVALID, "'%s': bad transition weight", name);
			goto fail;
		}
		m->trans[i / NER_NTAGS][i % NER_NTAGS] = f;
	}
	p = data + NER_HEADER_BYTES;
	if (!(m->info = malloc(info_len + 1)))
		goto oom;
	memcpy(m->info, p, info_len);
	m->info[info_len] = '\0';
	p += info_len;

	m->nfeat = nfeat;
	m->nrows_cap = 16;
	while (m->nrows_cap < (size_t)nfeat * 2) /* a load of 1/4 to 1/2 */
		m->nrows_cap *= 2;
	if (!(m->rows = calloc(m->nrows_cap, sizeof(*m->rows))) ||
	    !(m->keys = calloc(m->nrows_cap, sizeof(*m->keys))))
		goto oom;
	for (uint32_t f = 0; f < nfeat; f++, p += NER_ROW_BYTES) {
		uint32_t key = rd32(p);
		size_t i, mask = m->nrows_cap - 1;
		if (key == 0 || (f > 0 && key <= prev)) {
			error_set(ENCLAVE_EINVALID, "'%s': feature %u out of order", name, f);
			goto fail;
		}
		prev = key;
		for (i = key & mask; m->keys[i]; i = (i + 1) & mask)
			;
		m->keys[i] = key;
		for (int t = 0; t < NER_NTAGS; t++)
			m->rows[i].w[t] = (int16_t)(uint16_t)(p[4 + 2 * t] | p[5 + 2 * t] << 8);
	}
	if ((error = ner_gazetteer_new(&m->gaz)) < 0)
		goto fail;
	for (uint32_t e = 0; e < ngaz; e++) {
		unsigned kind, elen;
		if (end - p < 2) {
			error_set(ENCLAVE_EINVALID, "'%s': truncated gazetteer", name);
			goto fail_invalid;
		}
		kind = p[0];
		elen = p[1];
		if (kind >= NER_GAZ_COUNT || elen == 0 || elen > NER_GAZ_MAX_BYTES ||
		    (size_t)(end - p - 2) < elen) {
			error_set(ENCLAVE_EINVALID, "'%s': bad gazetteer entry %u", name, e);
			goto fail_invalid;
		}
		if ((error = ner_gazetteer_add(m->gaz, (enum ner_gaz)kind, (const char *)p + 2,
		                               elen)) < 0) {
			if (error == ENCLAVE_EINVALID)
				error_prefix("'%s': gazetteer entry %u", name, e);
			goto fail;
		}
		p += 2 + elen;
	}
	if (p != end) {
		error_set(ENCLAVE_EINVALID, "'%s': %zu bytes after the model", name,
		          (size_t)(end - p));
		goto fail_invalid;
	}
	*out = m;
	return 0;
oom:
	error = error_oom();
	goto fail;
fail_invalid:
	error = ENCLAVE_EINVALID;
fail:
	ner_model_free(m);
	return error < 0 ? error : ENCLAVE_EINVALID;
}

int ner_model_load(const char *path, const char *expected_sha256_hex, struct ner_model **out)
{
	struct buf data = BUF_INIT(ENCLAVE_MAX_NER_MODEL_BYTES);
	char got[SHA256_HEX_LEN + 1], want[SHA256_HEX_LEN + 1];
	int error;

	*out = NULL;
	if (!expected_sha256_hex || strlen(expected_sha256_hex) != SHA256_HEX_LEN)
		return error_set(ENCLAVE_EINVALID,
		                 "cannot load '%s': no SHA-256 to check it against", path);
	ner_fold(want, expected_sha256_hex, SHA256_HEX_LEN);
	want[SHA256_HEX_LEN] = '\0';
	if (fs_read_file(&data, path) < 0) {
		int e = errno;
		buf_release(&data);
		if (e == EFBIG)
			return error_set(ENCLAVE_ELIMIT, "cannot load '%s': larger than %zu bytes",
			                 path, ENCLAVE_MAX_NER_MODEL_BYTES);
		return error_set(e == ENOENT ? ENCLAVE_ENOTFOUND : ENCLAVE_EIO,
		                 "cannot read '%s': %s", path, strerror(e));
	}
	if ((error = sha256_hex(got, data.ptr ? data.ptr : "", data.len)) < 0)
		goto done;
	if (strcmp(got, want) != 0) {
		error = error_set(ENCLAVE_ETAMPER,
		                  "refusing the model '%s': its SHA-256 is %s, expected %s", path,
		                  got, want);
		goto done;
	}
	if ((error = ner_model_parse(out, (const unsigned char *)(data.ptr ? data.ptr : ""),
	                             data.len, path)) < 0)
		goto done;
	memcpy((*out)->sha256, got, sizeof(got));
done:
	buf_release(&data);
	return error;
}

int ner_model_load_default(struct ner_model **out)
{
	const char *env = getenv("ENCLAVE_MODELS");
	const char *dirs[2] = { ENCLAVE_MODELS_DIR, ENCLAVE_MODELS_INSTALL_DIR };
	struct buf path = BUF_INIT(8192);
	int error;

	*out = NULL;
	if (env && *env) {
		if (buf_printf(&path, "%s/%s", env, NER_MODEL_FILE) < 0) {
			buf_release(&path);
			return error_set(ENCLAVE_ELIMIT, "ENCLAVE_MODELS: path too long");
		}
	} else {
		for (int i = 0; i < 2; i++) {
			buf_clear(&path);
			if (buf_printf(&path, "%s/%s", dirs[i], NER_MODEL_FILE) < 0)
				break;
			if (fs_exists(buf_cstr(&path)))
				break;
		}
		if (!fs_exists(buf_cstr(&path))) {
			buf_release(&path);
			return error_set(ENCLAVE_ENOTFOUND,
			                 "no NER model: %s not in %s nor %s (set ENCLAVE_MODELS)",
			                 NER_MODEL_FILE, dirs[0], dirs[1]);
		}
	}
	error = ner_model_load(buf_cstr(&path), ENCLAVE_NER_SHA256, out);
	buf_release(&path);
	return error;
}

int ner_gazetteer_has(const struct ner_model *m, enum ner_gaz kind, const char *word, size_t len)
{
	char f[NER_GAZ_MAX_BYTES];

	if (!m || (unsigned)kind >= NER_GAZ_COUNT || len == 0 || len > NER_GAZ_MAX_BYTES)
		return 0;
	ner_fold(f, word, len);
	return (ner_gazetteer_kinds(m->gaz, f, len) & (1u << kind)) != 0;
}

/* Tokens ahead whose rows are prefetched: their cache misses overlap the sums of this one. */
#define PREFETCH_AHEAD 2

void ner_model_emissions(float *em, const struct ner_model *m, const struct ner_tokinfo *info,
                         size_t n)
{
	uint32_t keys[PREFETCH_AHEAD + 1][NER_MAX_FEATURES];
	size_t nk[PREFETCH_AHEAD + 1], mask = m->nrows_cap - 1;

	for (size_t i = 0; i < n + PREFETCH_AHEAD; i++) {
		size_t ahead = i % (PREFETCH_AHEAD + 1);
		if (i < n) {
			nk[ahead] = ner_features(keys[ahead], info, n, i);
			for (size_t f = 0; f < nk[ahead]; f++) {
				/* Most keys found sit in their home slot: fetch its weights too. */
				__builtin_prefetch(&m->keys[keys[ahead][f] & mask]);
				__builtin_prefetch(&m->rows[keys[ahead][f] & mask]);
			}
		}
		if (i >= PREFETCH_AHEAD) {
			size_t j = i - PREFETCH_AHEAD, b = j % (PREFETCH_AHEAD + 1);
			int32_t sum[NER_NTAGS] = { 0 };
			for (size_t f = 0; f < nk[b]; f++) {
				const struct row *r = find_row(m, keys[b][f]);
				if (r)
					for (int t = 0; t < NER_NTAGS; t++)
						sum[t] += r->w[t];
			}
			for (int t = 0; t < NER_NTAGS; t++)
				em[j * NER_NTAGS + t] = (float)sum[t] * m->scale;
		}
	}
}

/* ---------------------------------------------------------------- tagging */

static const int type_labels[3] = { ENCLAVE_PII_PERSON, ENCLAVE_PII_ORGANIZATION,
	                            ENCLAVE_PII_LOCATION };

/* Scratch memory of one ner_tag call: one window's worth. */
struct scratch {
	struct ner_tok *toks;
	struct ner_tokinfo *info;
	float *em, *work, *margin;
	uint8_t *tags, *back;
};

int ner_tag(const struct ner_model *m, const char *text, size_t len, struct enclave_pii_spans *out)
{
	const size_t W = ENCLAVE_NER_WINDOW_TOKENS;
	struct scratch s;
	size_t pos = 0, added = 0, n;
	char *mem;
	int error = 0;

	mem = malloc(W * (sizeof(*s.toks) + sizeof(*s.info) + 4 * NER_NTAGS * sizeof(float) +
	                  sizeof(float) + 1 + NER_NTAGS));
	if (!mem)
		return error_oom();
	s.toks = (struct ner_tok *)(void *)mem;
	s.info = (struct ner_tokinfo *)(void *)(s.toks + W);
	s.em = (float *)(void *)(s.info + W);
	s.work = s.em + W * NER_NTAGS;
	s.margin = s.work + 2 * W * NER_NTAGS;
	s.tags = (uint8_t *)(s.margin + W);
	s.back = s.tags + W;

	while ((n = ner_tokenize_window(s.toks, W, text, len, &pos)) > 0) {
		ner_token_info(s.info, m->gaz, text, s.toks, n);
		ner_model_emissions(s.em, m, s.info, n);
		ner_viterbi(s.tags, s.margin, s.em, n, ner_model_transitions(m), s.work, s.back);
		for (size_t i = 0; i < n;) {
			size_t j;
			float low;
			struct enclave_pii_span span;
			if (s.tags[i] == NER_O) {
				i++;
				continue;
			}
			low = s.margin[i];
			for (j = i + 1; j < n && s.tags[j] != NER_O && !NER_TAG_IS_B(s.tags[j]);
			     j++)
				if (s.margin[j] < low)
					low = s.margin[j];
			if (added >= ENCLAVE_MAX_NER_SPANS) {
				error = error_set(ENCLAVE_ELIMIT,
				                  "more than %d named entities in one text",
				                  ENCLAVE_MAX_NER_SPANS);
				goto done;
			}
			span.start = s.toks[i].start;
			span.end = s.toks[j - 1].end;
			span.label = type_labels[NER_TAG_TYPE(s.tags[i])];
			span.score = (float)(1.0 - exp(-(double)low / m->conf));
			span.source = "model:ner";
			if ((error = enclave_pii_spans_push(out, &span)) < 0)
				goto done;
			added++;
			i = j;
		}
	}
done:
	free(mem);
	return error;
}

/* ---------------------------------------------------------------- the scanner's post-pass */

/* The end of the ASCII word at `p` whose letters are all lower case or capitalised; p if none. */
static size_t firm_word(const char *t, size_t len, size_t p, int *cap)
{
	size_t e = p;

	if (p >= len || !((t[p] >= 'A' && t[p] <= 'Z') || (t[p] >= 'a' && t[p] <= 'z')))
		return p;
	*cap = t[p] >= 'A' && t[p] <= 'Z';
	for (e = p + 1; e < len && t[e] >= 'a' && t[e] <= 'z'; e++)
		;
	if (e < len && ((t[e] >= 'A' && t[e] <= 'Z') || (unsigned char)t[e] >= 0x80))
		return p;
	return e - p >= 2 ? e : p;
}

int ner_pii_postpass(const struct ner_model *m, const char *text, size_t len,
                     struct enclave_pii_spans *out, size_t first)
{
	/* "The Lending Club": the article is not part of the name */
	for (size_t i = first; i < out->n; i++) {
		struct enclave_pii_span *sp = &out->v[i];
		if (sp->end - sp->start > 4 && (text[sp->start] == 'T' || text[sp->start] == 't') &&
		    !memcmp(text + sp->start + 1, "he ", 3))
			sp->start += 4;
	}
	/* "Palmer, Fletcher and Hargrove": a firm named after its partners */
	for (size_t p = 0; p + 1 < len; p++) {
		size_t w[3][2], e;
		int cap[3], sur = 0;
		struct enclave_pii_span span;

		if (text[p] != ',' || text[p + 1] != ' ')
			continue;
		e = p;
		while (e > 0 &&
		       ((text[e - 1] >= 'a' && text[e - 1] <= 'z') ||
		        (text[e - 1] >= 'A' && text[e - 1] <= 'Z')) &&
		       p - e < 32)
			e--;
		if (e > 0 && (unsigned char)text[e - 1] >= 0x80)
			continue;
		/* "our 3 founders: Quenby, Lowther and Marsh", "A, B, C and D": people */
		if (e >= 2 && text[e - 1] == ' ' && (text[e - 2] == ':' || text[e - 2] == ','))
			continue;
		w[0][0] = e;
		if ((w[0][1] = firm_word(text, len, e, &cap[0])) != p)
			continue;
		w[1][0] = p + 2;
		if ((w[1][1] = firm_word(text, len, p + 2, &cap[1])) == p + 2 ||
		    len - w[1][1] < 6 || memcmp(text + w[1][1], " and ", 5))
			continue;
		w[2][0] = w[1][1] + 5;
		if ((w[2][1] = firm_word(text, len, w[2][0], &cap[2])) == w[2][0] ||
		    cap[0] != cap[1] || cap[1] != cap[2])
			continue;
		for (int k = 0; k < 3; k++)
			sur += ner_gazetteer_has(m, NER_GAZ_SURNAME, text + w[k][0],
			                         w[k][1] - w[k][0]);
		if (sur < 2)
			continue;
		span.start = w[0][0];
		span.end = w[2][1];
		span.label = ENCLAVE_PII_ORGANIZATION;
		span.score = 1.0f;
		span.source = "model:ner";
		if (enclave_pii_spans_push(out, &span) < 0)
			return ENCLAVE_ENOMEM;
		p = w[2][1];
	}
	return 0;
}

/* ---------------------------------------------------------------- the public face */

int enclave_ner_load(enclave_ner_model **out, const char *path, const char *sha256_hex)
{
	return ner_model_load(path, sha256_hex, out);
}

int enclave_ner_load_default(enclave_ner_model **out)
{
	return ner_model_load_default(out);
}

void enclave_ner_free(enclave_ner_model *m)
{
	ner_model_free(m);
}

const char *enclave_ner_sha256(const enclave_ner_model *m)
{
	return ner_model_sha256(m);
}

int enclave_ner_tag(struct enclave_pii_spans *out, const enclave_ner_model *m, const char *text,
                    size_t len)
{
	return ner_tag(m, text, len, out);
}
