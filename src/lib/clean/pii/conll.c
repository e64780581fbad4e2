/*
 * CoNLL/IOB files for the NER trainer and its scorer: the reader (one token a
 * line, its tag in the last column, blank lines between sentences) and the
 * exact-match entity count conlleval does. The accepted dialects are listed
 * at ner_corpus_read in ner_int.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ner_int.h"
#include "../../../util/fs.h"

void ner_corpus_release(struct ner_corpus *c)
{
	buf_release(&c->text);
	free(c->toks);
	free(c->tags);
	free(c->sents);
	memset(c, 0, sizeof(*c));
}

/* Make sure sents has room for one more start and the closing entry. */
static int grow_sents(struct ner_corpus *c)
{
	if (c->nsents + 2 > c->scap) {
		size_t cap = c->scap ? c->scap * 2 : 1024;
		size_t *v = realloc(c->sents, cap * sizeof(*v));
		if (!v)
			return error_oom();
		c->sents = v;
		c->scap = cap;
	}
	if (c->nsents == 0)
		c->sents[0] = 0;
	return 0;
}

int ner_corpus_push(struct ner_corpus *c, const char *tok, size_t len, int tag)
{
	int error;

	if (c->text.max == 0)
		c->text.max = (size_t)1 << 30;
	if (c->ntoks >= ENCLAVE_MAX_CONLL_TOKENS)
		return error_set(ENCLAVE_ELIMIT, "more than %zu training tokens",
		                 ENCLAVE_MAX_CONLL_TOKENS);
	if ((error = grow_sents(c)) < 0)
		return error;
	if (c->ntoks == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 4096;
		struct ner_tok *t = realloc(c->toks, cap * sizeof(*t));
		uint8_t *g;
		if (!t)
			return error_oom();
		c->toks = t;
		if (!(g = realloc(c->tags, cap)))
			return error_oom();
		c->tags = g;
		c->cap = cap;
	}
	c->toks[c->ntoks].start = c->text.len;
	if ((error = buf_put(&c->text, tok, len)) < 0)
		return error_buf(error, "training tokens");
	c->toks[c->ntoks].end = c->text.len;
	c->tags[c->ntoks++] = (uint8_t)tag;
	return 0;
}

int ner_corpus_end_sentence(struct ner_corpus *c)
{
	size_t start;
	int error;

	if ((error = grow_sents(c)) < 0)
		return error;
	start = c->sents[c->nsents];
	if (c->ntoks == start)
		return 0;
	/* IOB1, S- and E- to IOB2: an I-X that does not continue an X begins one. */
	for (size_t i = start; i < c->ntoks; i++) {
		int t = c->tags[i];
		if (t > 0 && !NER_TAG_IS_B(t) &&
		    (i == start || c->tags[i - 1] == NER_O ||
		     NER_TAG_TYPE(c->tags[i - 1]) != NER_TAG_TYPE(t)))
			c->tags[i] = (uint8_t)(t - 1);
	}
	c->sents[++c->nsents] = c->ntoks;
	return 0;
}

/*
 * Parse a tag ("O", "B-PER", "I-location", "S-ORG", ...) into a tag number,
 * 0 for O and for types we do not tag; -1 when malformed. A B-/S- comes out
 * as B, an I-/E- as I (ner_corpus_end_sentence repairs I's that begin).
 */
static int parse_tag(const char *s, size_t n)
{
	static const struct {
		const char *name;
		int type;
	} types[] = { { "per", 0 },          { "person", 0 },       { "org", 1 },
		      { "organization", 1 }, { "organisation", 1 }, { "group", 1 },
		      { "corporation", 1 },  { "loc", 2 },          { "location", 2 },
		      { "gpe", 2 } };
	char c;

	if (n == 1 && (s[0] == 'O' || s[0] == 'o'))
		return 0;
	if (n < 3 || s[1] != '-')
		return -1;
	c = (char)(s[0] & ~32);
	if (c != 'B' && c != 'I' && c != 'S' && c != 'E')
		return -1;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strlen(types[i].name) == n - 2 && strncasecmp(types[i].name, s + 2, n - 2) == 0)
			return 1 + 2 * types[i].type + (c == 'I' || c == 'E');
	for (size_t i = 2; i < n; i++)
		if ((unsigned char)s[i] <= ' ')
			return -1;
	return 0; /* MISC, product, creative-work, ... */
}

/* Length of an "xx:" or "xxx:" language prefix at the start of s, else 0. */
static size_t lang_prefix(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && i < 3 && s[i] >= 'a' && s[i] <= 'z')
		i++;
	return i >= 2 && i < n && s[i] == ':' && i + 1 < n ? i + 1 : 0;
}

int ner_corpus_parse(struct ner_corpus *c, const char *data, size_t len, const char *name)
{
	const char *p = data, *end = data + len;
	size_t lineno = 0, plen = 0, in_sent = 0;
	int prefix_known = 0, error;
	char prefix[4] = { 0 };

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end, *f[4], *fe[4], *q;
		size_t nf = 0, tl;
		int tag;

		lineno++;
		if ((size_t)(e - p) > ENCLAVE_MAX_CONLL_LINE_BYTES)
			return error_set(ENCLAVE_EINVALID, "%s:%zu: line longer than %zu bytes",
			                 name, lineno, ENCLAVE_MAX_CONLL_LINE_BYTES);
		if (e > p && e[-1] == '\r')
			e--;
		if (e - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
			p += 3; /* a byte-order mark, at the start of the file or of a part of it */
		/* Fields: split on tabs when the line has one, else on spaces. */
		{
			int tabs = memchr(p, '\t', (size_t)(e - p)) != NULL;
			q = p;
			while (q < e) {
				const char *s0;
				while (q < e && (*q == '\t' || (!tabs && *q == ' ')))
					q++;
				if (q >= e)
					break;
				s0 = q;
				while (q < e && *q != '\t' && (tabs || *q != ' '))
					q++;
				if (nf < 4) {
					f[nf] = s0;
					fe[nf] = q;
				} else {
					f[3] = s0;
					fe[3] = q;
				}
				nf++;
			}
			/* Trim spaces around tab-separated fields. */
			for (size_t i = 0; i < (nf < 4 ? nf : 4); i++) {
				while (f[i] < fe[i] && *f[i] == ' ')
					f[i]++;
				while (fe[i] > f[i] && fe[i][-1] == ' ')
					fe[i]--;
			}
		}
		p = nl ? nl + 1 : end;
		if (nf == 0 || (nf == 1 && f[0] == fe[0])) {
			if ((error = ner_corpus_end_sentence(c)) < 0)
				return error;
			in_sent = 0;
			continue;
		}
		if ((size_t)(fe[0] - f[0]) == 10 && memcmp(f[0], "-DOCSTART-", 10) == 0) {
			if ((error = ner_corpus_end_sentence(c)) < 0)
				return error;
			in_sent = 0;
			continue;
		}
		if (nf < 2)
			return error_set(ENCLAVE_EINVALID,
			                 "%s:%zu: a token without a tag (expected TOKEN<TAB>TAG)",
			                 name, lineno);
		{
			const char *t0 = nf < 4 ? f[nf - 1] : f[3],
			           *t1 = nf < 4 ? fe[nf - 1] : fe[3];
			if ((tag = parse_tag(t0, (size_t)(t1 - t0))) < 0)
				return error_set(ENCLAVE_EINVALID, "%s:%zu: unknown tag '%.*s'",
				                 name, lineno, (int)(t1 - t0 > 40 ? 40 : t1 - t0),
				                 t0);
		}
		tl = (size_t)(fe[0] - f[0]);
		if (!prefix_known) {
			plen = lang_prefix(f[0], tl);
			memcpy(prefix, f[0], plen);
			prefix_known = 1;
		}
		if (plen && tl > plen && memcmp(f[0], prefix, plen) == 0) {
			f[0] += plen;
			tl -= plen;
		}
		if (in_sent >= ENCLAVE_MAX_CONLL_SENTENCE_TOKENS) {
			if ((error = ner_corpus_end_sentence(c)) < 0)
				return error;
			in_sent = 0;
		}
		if ((error = ner_corpus_push(c, f[0], tl, tag)) < 0)
			return error;
		in_sent++;
	}
	return ner_corpus_end_sentence(c);
}

int ner_corpus_read(struct ner_corpus *c, const char *path)
{
	struct buf data = BUF_INIT(ENCLAVE_MAX_CONLL_FILE_BYTES);
	int error;

	if (fs_read_file(&data, path) < 0) {
		int e = errno;
		buf_release(&data);
		if (e == EFBIG)
			return error_set(ENCLAVE_ELIMIT, "cannot read '%s': larger than %zu bytes",
			                 path, ENCLAVE_MAX_CONLL_FILE_BYTES);
		return error_set(e == ENOENT ? ENCLAVE_ENOTFOUND : ENCLAVE_EIO,
		                 "cannot read '%s': %s", path, strerror(e));
	}
	error = ner_corpus_parse(c, data.ptr ? data.ptr : "", data.len, path);
	buf_release(&data);
	return error;
}

/* ---------------------------------------------------------------- scoring */

/* The entity that starts at i (tag t > 0): its end (exclusive). */
static size_t entity_end(const uint8_t *tags, size_t n, size_t i)
{
	size_t j = i + 1;

	while (j < n && tags[j] > 0 && !NER_TAG_IS_B(tags[j]) &&
	       NER_TAG_TYPE(tags[j]) == NER_TAG_TYPE(tags[i]))
		j++;
	return j;
}

/* Does an entity begin at i (a B, or an I that does not continue one)? */
static int entity_begins(const uint8_t *tags, size_t i)
{
	if (tags[i] == NER_O)
		return 0;
	return NER_TAG_IS_B(tags[i]) || i == 0 || tags[i - 1] == NER_O ||
	       NER_TAG_TYPE(tags[i - 1]) != NER_TAG_TYPE(tags[i]);
}

void ner_score_sentence(struct enclave_ner_scores *s, const uint8_t *gold, const uint8_t *pred,
                        size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int gb = entity_begins(gold, i), pb = entity_begins(pred, i);
		size_t ge = gb ? entity_end(gold, n, i) : 0, pe = pb ? entity_end(pred, n, i) : 0;
		if (gb && pb && ge == pe && NER_TAG_TYPE(gold[i]) == NER_TAG_TYPE(pred[i])) {
			s->tp[NER_TAG_TYPE(gold[i])]++;
			s->tp[3]++;
			continue;
		}
		if (gb) {
			s->fn[NER_TAG_TYPE(gold[i])]++;
			s->fn[3]++;
		}
		if (pb) {
			s->fp[NER_TAG_TYPE(pred[i])]++;
			s->fp[3]++;
		}
	}
	s->sentences++;
	s->tokens += n;
}
