/*
 * The contamination guard: generated records that share word n-grams with
 * the test split's text.
 *
 * The index is a hash set of 64-bit n-gram hashes (open addressing, linear
 * probing, at most half full), built by streaming each test document's text
 * once: memory is 16 bytes per distinct n-gram at worst, whatever the text's
 * size, and capped at ENCLAVE_MAX_NGRAMS n-grams (ENCLAVE_ELIMIT past it).
 * A record is then streamed through the same tokenizer and each of its
 * n-grams looked up. Collisions of 64-bit hashes can flag a record wrongly
 * (about n^2/2^64 for n n-grams: never in practice); they cannot hide one.
 *
 * Words: maximal runs of letters and digits (ASCII alphanumerics and every
 * code point past U+007F that is not punctuation, a symbol or a space in
 * the ranges below), case-folded (ASCII, Latin-1, Greek and Cyrillic basic
 * letters); everything else separates words, so "Hello, World!" and
 * "hello world" give the same words. N-grams do not cross the fields of a
 * record (a QA pair's question and answer are checked apart).
 */
#include <string.h>
#include <time.h>

#include "export_int.h"
#include "../../util/utf8.h"

struct ngram_set {
	uint64_t *slot; /* 0: empty */
	size_t cap;     /* a power of two */
	size_t n;
	unsigned words;   /* n of the n-grams */
	uint64_t *filter; /* ngram_set_seal: one bit per hash's top bits, 16 bits an n-gram */
	unsigned fbits;   /* log2 of the filter's bits */
};

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

int ngram_set_new(struct ngram_set **out, unsigned n)
{
	struct ngram_set *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return error_oom();
	s->cap = 1 << 16;
	s->words = n ? n : 8;
	if (!(s->slot = calloc(s->cap, sizeof(*s->slot)))) {
		free(s);
		return error_oom();
	}
	*out = s;
	return 0;
}

void ngram_set_free(struct ngram_set *s)
{
	if (!s)
		return;
	free(s->slot);
	free(s->filter);
	free(s);
}

size_t ngram_set_count(const struct ngram_set *s)
{
	return s->n;
}

static int set_grow(struct ngram_set *s)
{
	size_t ncap = s->cap * 2, i;
	uint64_t *v = calloc(ncap, sizeof(*v));

	if (!v)
		return error_oom();
	for (i = 0; i < s->cap; i++) {
		uint64_t h = s->slot[i];
		size_t j;
		if (!h)
			continue;
		for (j = (size_t)h & (ncap - 1); v[j]; j = (j + 1) & (ncap - 1))
			;
		v[j] = h;
	}
	free(s->slot);
	s->slot = v;
	s->cap = ncap;
	return 0;
}

static int set_add(struct ngram_set *s, uint64_t h)
{
	size_t j;
	int error;

	for (j = (size_t)h & (s->cap - 1); s->slot[j]; j = (j + 1) & (s->cap - 1))
		if (s->slot[j] == h)
			return 0;
	if (s->n >= ENCLAVE_MAX_NGRAMS)
		return error_set(ENCLAVE_ELIMIT,
		                 "the test split holds more than %d distinct %u-grams: raise n or"
		                 " check fewer documents",
		                 ENCLAVE_MAX_NGRAMS, s->words);
	s->slot[j] = h;
	s->n++;
	free(s->filter); /* stale: seal again */
	s->filter = NULL;
	if (s->n * 2 > s->cap && (error = set_grow(s)) < 0)
		return error;
	return 0;
}

int ngram_set_seal(struct ngram_set *s)
{
	size_t i;

	/*
	 * Most lookups are misses: a bit filter 1/8 the size of the table (16
	 * bits an n-gram, about 1/20 false hits) answers them from cache
	 * instead of a random probe of the table.
	 */
	free(s->filter);
	for (s->fbits = 12; ((size_t)1 << s->fbits) < 16 * s->n; s->fbits++)
		;
	if (!(s->filter = calloc(((size_t)1 << s->fbits) / 64, sizeof(uint64_t))))
		return error_oom();
	for (i = 0; i < s->cap; i++)
		if (s->slot[i]) {
			uint64_t b = s->slot[i] >> (64 - s->fbits);
			s->filter[b / 64] |= (uint64_t)1 << (b % 64);
		}
	return 0;
}

static int set_has(const struct ngram_set *s, uint64_t h)
{
	size_t j;

	if (s->filter) {
		uint64_t b = h >> (64 - s->fbits);
		if (!(s->filter[b / 64] & ((uint64_t)1 << (b % 64))))
			return 0;
	}

	for (j = (size_t)h & (s->cap - 1); s->slot[j]; j = (j + 1) & (s->cap - 1))
		if (s->slot[j] == h)
			return 1;
	return 0;
}

/* Is `c` part of a word? (see the top) */
static int word_char(uint32_t c)
{
	if (c < 0x80)
		return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
	if (c <= 0xbf || c == 0xd7 || c == 0xf7)
		return c == 0xaa || c == 0xb5 || c == 0xba; /* Latin-1 punctuation and symbols */
	if ((c >= 0x2000 && c <= 0x2bff) || (c >= 0x3000 && c <= 0x303f) ||
	    (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff0f) ||
	    (c >= 0xff1a && c <= 0xff20) || (c >= 0xff3b && c <= 0xff40) ||
	    (c >= 0xff5b && c <= 0xff65) || (c >= 0x1f000 && c <= 0x1faff) || c == 0xfeff)
		return 0; /* punctuation, symbols, arrows, emoji, spaces */
	return 1;
}

static uint32_t fold(uint32_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c + 32;
	if ((c >= 0xc0 && c <= 0xde && c != 0xd7) || (c >= 0x391 && c <= 0x3a9) ||
	    (c >= 0x410 && c <= 0x42f))
		return c + 32;
	if (c >= 0x400 && c <= 0x40f)
		return c + 80;
	return c;
}

/*
 * The tokenizer's state: the last `words` word hashes in a ring, and their
 * polynomial hash h = sum w_i * B^(n-1-i) (mod 2^64), rolled in O(1) a word
 * (h minus the oldest word's term, times B, plus the new word), then mixed.
 */
#define ROLL_BASE 0x9e3779b97f4a7c15ULL

struct ngram_iter {
	uint64_t ring[ENCLAVE_MAX_NGRAM_WORDS];
	uint64_t h, top; /* top: B^(n-1) */
	unsigned words, have, pos;
};

static void iter_init(struct ngram_iter *it, unsigned words)
{
	unsigned k;

	memset(it, 0, sizeof(*it));
	it->words = words;
	it->top = 1;
	for (k = 1; k < words; k++)
		it->top *= ROLL_BASE;
}

/* Feed one word's hash; the n-gram ending there into *out, 1 when there is one. */
static int iter_word(struct ngram_iter *it, uint64_t w, uint64_t *out)
{
	uint64_t h;

	w = mix64(w);
	if (it->have == it->words)
		it->h -= it->ring[it->pos] * it->top;
	else
		it->have++;
	it->h = it->h * ROLL_BASE + w;
	it->ring[it->pos] = w;
	if (++it->pos == it->words)
		it->pos = 0;
	if (it->have < it->words)
		return 0;
	h = mix64(it->h ^ it->words);
	*out = h ? h : 1;
	return 1;
}

/*
 * Call `fn` for each n-gram hash of text[0..len); a negative return stops
 * and is returned.
 */
static int each_ngram(unsigned words, const char *text, size_t len,
                      int (*fn)(uint64_t h, void *payload), void *payload)
{
	const unsigned char *p = (const unsigned char *)text, *end = p + len;
	struct ngram_iter it;
	uint64_t w = 0, h;
	int in_word = 0, error;

	iter_init(&it, words);
	while (p <= end) {
		uint32_t c = 0;
		size_t k = 1;
		int wc;
		if (p == end) {
			wc = 0;
		} else if (*p < 0x80) {
			/* ASCII, most text: no decoding, an inline class and fold. */
			c = *p;
			if (c - 'A' < 26)
				c += 32;
			wc = c - 'a' < 26 || c - '0' < 10;
		} else {
			if (!(k = utf8_decode(p, end, &c)))
				k = 1, c = 0xfffd;
			wc = word_char(c);
			c = fold(c);
		}
		if (wc) {
			if (!in_word)
				w = 0xcbf29ce484222325ULL;
			w = (w ^ c) * 0x100000001b3ULL;
			in_word = 1;
		} else if (in_word) {
			in_word = 0;
			if (iter_word(&it, w, &h) && (error = fn(h, payload)) < 0)
				return error;
		}
		p += k;
	}
	return 0;
}

static int add_cb(uint64_t h, void *payload)
{
	return set_add(payload, h);
}

int ngram_set_add(struct ngram_set *s, const char *text, size_t len)
{
	return each_ngram(s->words, text, len, add_cb, s);
}

struct hit_state {
	const struct ngram_set *s;
	int64_t hits;
};

static int hit_cb(uint64_t h, void *payload)
{
	struct hit_state *st = payload;

	st->hits += set_has(st->s, h);
	return 0;
}

int64_t ngram_set_shared(const struct ngram_set *s, const char *text, size_t len)
{
	struct hit_state st = { s, 0 };

	each_ngram(s->words, text, len, hit_cb, &st);
	return st.hits;
}

int contam_record_shared(const struct ngram_set *s, const struct enclave_record *r, int64_t *shared,
                         size_t *bytes)
{
	static const char *const fields[] = { "question", "answer", "instruction", "input",
		                              "response" };
	json_t *payload = NULL;
	size_t i;

	*shared = ngram_set_shared(s, r->text, strlen(r->text));
	*bytes = strlen(r->text);
	if (strcmp(r->kind, "qa") && strcmp(r->kind, "instruct"))
		return 0;
	if (!(payload = json_loads(r->payload, 0, NULL)))
		return 0; /* insert checked it is an object: only OOM gets here */
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char *t = json_string_value(json_object_get(payload, fields[i]));
		if (t) {
			*shared += ngram_set_shared(s, t, strlen(t));
			*bytes += strlen(t);
		}
	}
	json_decref(payload);
	return 0;
}

int contam_index_docs(struct ngram_set *s, enclave_project *p, const struct split_map *m, int test,
                      int64_t *docs, int64_t *bytes)
{
	struct buf text = BUF_INIT(ENCLAVE_MAX_TEXT_BYTES);
	char blob[65];
	size_t i;
	int error = 0;

	for (i = 0; i < m->n; i++) {
		if (m->split[i] != test)
			continue;
		buf_clear(&text);
		if ((error = store_document_text(&text, p->db, m->id[i])) < 0 ||
		    (error = ngram_set_add(s, text.ptr ? text.ptr : "", text.len)) < 0)
			goto done;
		*bytes += (int64_t)text.len;
		(*docs)++;
		/* The redacted layer too: records may have been made from either. */
		error = store_text_blob(p->db, m->id[i], "redacted", blob);
		if (error == ENCLAVE_ENOTFOUND) {
			error = 0;
			continue;
		}
		buf_clear(&text);
		if (error < 0 || (error = blob_get(&text, p, blob)) < 0 ||
		    (error = ngram_set_add(s, text.ptr ? text.ptr : "", text.len)) < 0)
			goto done;
		*bytes += (int64_t)text.len;
	}
done:
	buf_release(&text);
	return error;
}

/* ------------------------------------------------------------------ */
/* enclave_split_contamination                                        */
/* ------------------------------------------------------------------ */

/* Is `kind` in the comma-separated `list` (NULL: every kind)? */
int records_kind_listed(const char *list, const char *kind)
{
	size_t n = strlen(kind);
	const char *p = list;

	if (!list || !*list || !strcmp(list, "all"))
		return 1;
	while (p && *p) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);
		if (len == n && !memcmp(p, kind, n))
			return 1;
		p = c ? c + 1 : NULL;
	}
	return 0;
}

struct check_state {
	const struct ngram_set *set;
	const char *kinds;
	enclave_contamination_cb cb;
	void *payload;
	struct enclave_contamination_summary *sum;
	int error;
};

static int check_record(const struct enclave_record *r, void *payload)
{
	struct check_state *c = payload;
	int64_t shared;
	size_t bytes;

	if (!records_kind_listed(c->kinds, r->kind))
		return 0;
	if ((c->error = contam_record_shared(c->set, r, &shared, &bytes)) < 0)
		return 1;
	c->sum->records++;
	c->sum->record_bytes += (int64_t)bytes;
	if (!shared)
		return 0;
	c->sum->flagged++;
	if (c->cb && (c->error = c->cb(r->id, r->kind, r->document_id, shared, c->payload)) != 0)
		return 1;
	return 0;
}

int enclave_split_contamination(enclave_project *p,
                                const struct enclave_contamination_options *opts,
                                enclave_contamination_cb cb, void *payload,
                                struct enclave_contamination_summary *summary)
{
	static const struct enclave_contamination_options defaults =
	    ENCLAVE_CONTAMINATION_OPTIONS_INIT;
	struct enclave_contamination_summary sum;
	struct enclave_records_filter f = { NULL, NULL, 0, 0, 0 };
	struct check_state c;
	struct split_map m = { 0 };
	struct ngram_set *set = NULL;
	struct timespec t0, t1;
	int nsplits = 0, error;

	memset(&sum, 0, sizeof(sum));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!opts)
		opts = &defaults;
	if (opts->n > ENCLAVE_MAX_NGRAM_WORDS)
		return error_set(ENCLAVE_EINVALID, "n-grams of %u words: at most %d", opts->n,
		                 ENCLAVE_MAX_NGRAM_WORDS);
	if (opts->status && strcmp(opts->status, "accepted") && strcmp(opts->status, "proposed") &&
	    strcmp(opts->status, "rejected"))
		return error_set(ENCLAVE_EINVALID,
		                 "record status '%s': accepted, proposed or rejected",
		                 opts->status);
	if ((error = split_map_project(&m, &nsplits, p)) < 0)
		goto done;
	if (!nsplits) {
		error = error_set(ENCLAVE_ENOTFOUND, "the project has no split: run 'enclave split"
		                                     " 80,10,10' first");
		goto done;
	}
	if ((error = ngram_set_new(&set, opts->n)) < 0 ||
	    (error = contam_index_docs(set, p, &m, nsplits - 1, &sum.test_documents,
	                               &sum.test_bytes)) < 0)
		goto done;
	if ((error = ngram_set_seal(set)) < 0)
		goto done;
	sum.ngrams = (int64_t)ngram_set_count(set);
	f.status = opts->status;
	memset(&c, 0, sizeof(c));
	c.set = set;
	c.kinds = opts->kinds;
	c.cb = cb;
	c.payload = payload;
	c.sum = &sum;
	error = enclave_records_list(p, &f, check_record, &c);
	if (c.error)
		error = c.error;
done:
	clock_gettime(CLOCK_MONOTONIC, &t1);
	sum.seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (summary)
		*summary = sum;
	ngram_set_free(set);
	split_map_release(&m);
	return error;
}
