/*
 * Training the NER tagger (enclave_ner_train) and scoring a model against a
 * CoNLL file (enclave_ner_evaluate).
 *
 * The learner is an averaged structured perceptron (Collins 2002): decode a
 * sentence with Viterbi under the current weights, and where the best path
 * differs from the gold one, add the gold path's features and subtract the
 * predicted path's. Averaging uses the usual trick: besides w, keep
 * u = sum of c * delta, where c counts the sentences seen; the average is
 * w - u / c. Weights live in rows (one per feature key, seven tags), created
 * only when a feature is first updated, so features that never matter cost
 * nothing.
 *
 * Case robustness: a share of the sentences (opts->augment) is also seen
 * once more, all upper-case, all lower-case, or lower-case with the entities
 * upper-case (the nursing-note style, "wife HELEN called"), or as it is
 * with the entities upper-case ("Seen by Dr KLEIN"), chosen by the
 * seeded generator; the features qualify shapes by the case mode, so each
 * mode gets its own shape weights while word and gazetteer weights are
 * shared.
 *
 * Saving: rows whose largest averaged weight is below opts->prune of the
 * model's largest are dropped, the rest quantised to int16 and sorted by
 * key; the confidence scale is set on the dev set (else the first training
 * sentences) so that a score is the probability of being right there
 * (calibrate()). Everything is deterministic: no
 * clock, no address, no thread enters the result.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../crypto/crypto_int.h"
#include "ner_int.h"
#include "../../../util/fs.h"

/* ---------------------------------------------------------------- the weight table */

struct trow {
	float w[NER_NTAGS];
	double u[NER_NTAGS]; /* sum of c * delta: large, hence double */
};

struct table {
	uint32_t *keys; /* open addressing, cap slots; 0 empty */
	uint32_t *idx;  /* row of each slot */
	size_t cap, n;
	struct trow *rows;
	size_t rcap;
};

static void table_release(struct table *t)
{
	free(t->keys);
	free(t->idx);
	free(t->rows);
	memset(t, 0, sizeof(*t));
}

/* The row of `key`, or -1. */
static long table_find(const struct table *t, uint32_t key)
{
	size_t mask = t->cap - 1, i = key & mask;

	if (!t->cap)
		return -1;
	while (t->keys[i]) {
		if (t->keys[i] == key)
			return (long)t->idx[i];
		i = (i + 1) & mask;
	}
	return -1;
}

/* Double the slots. Returns 0 or ENCLAVE_ENOMEM. */
static int table_rehash(struct table *t)
{
	size_t cap = t->cap ? t->cap * 2 : 1 << 16, mask = cap - 1;
	uint32_t *keys = calloc(cap, sizeof(*keys)), *idx = calloc(cap, sizeof(*idx));

	if (!keys || !idx) {
		free(keys);
		free(idx);
		return error_oom();
	}
	for (size_t i = 0; i < t->cap; i++) {
		size_t j;
		if (!t->keys[i])
			continue;
		for (j = t->keys[i] & mask; keys[j]; j = (j + 1) & mask)
			;
		keys[j] = t->keys[i];
		idx[j] = t->idx[i];
	}
	free(t->keys);
	free(t->idx);
	t->keys = keys;
	t->idx = idx;
	t->cap = cap;
	return 0;
}

/* The row of `key`, made (zero) when new. Returns its index, or -1 with an error set. */
static long table_get(struct table *t, uint32_t key)
{
	size_t mask, i;
	long r = table_find(t, key);

	if (r >= 0)
		return r;
	if ((t->n + 1) * 2 > t->cap && table_rehash(t) < 0)
		return -1;
	if (t->n == t->rcap) {
		size_t rcap = t->rcap ? t->rcap * 2 : 1 << 15;
		struct trow *rows = realloc(t->rows, rcap * sizeof(*rows));
		if (!rows) {
			error_oom();
			return -1;
		}
		t->rows = rows;
		t->rcap = rcap;
	}
	memset(&t->rows[t->n], 0, sizeof(t->rows[0]));
	mask = t->cap - 1;
	for (i = key & mask; t->keys[i]; i = (i + 1) & mask)
		;
	t->keys[i] = key;
	t->idx[i] = (uint32_t)t->n;
	return (long)t->n++;
}

/* ---------------------------------------------------------------- features of a corpus */

/* A corpus with every token's feature keys computed once. */
struct featured {
	struct ner_corpus c;
	uint32_t *keys; /* all keys, token after token */
	size_t *koff;   /* token i's keys are keys[koff[i] .. koff[i+1]) */
	size_t nkeys;
};

static void featured_release(struct featured *f)
{
	ner_corpus_release(&f->c);
	free(f->keys);
	free(f->koff);
	memset(f, 0, sizeof(*f));
}

/* Compute the keys of every token of f->c with gazetteer g. Returns 0 or ENCLAVE_ENOMEM. */
static int featurize(struct featured *f, const struct ner_gazetteer *g)
{
	struct ner_tokinfo *info = malloc(ENCLAVE_MAX_CONLL_SENTENCE_TOKENS * sizeof(*info));
	size_t cap = f->c.ntoks * 32 + 64;

	f->keys = malloc(cap * sizeof(*f->keys));
	f->koff = malloc((f->c.ntoks + 1) * sizeof(*f->koff));
	if (!info || !f->keys || !f->koff) {
		free(info);
		return error_oom();
	}
	f->nkeys = 0;
	for (size_t s = 0; s < f->c.nsents; s++) {
		size_t a = f->c.sents[s], n = f->c.sents[s + 1] - a;
		ner_token_info(info, g, f->c.text.ptr, f->c.toks + a, n);
		for (size_t i = 0; i < n; i++) {
			if (f->nkeys + NER_MAX_FEATURES > cap) {
				uint32_t *k = realloc(f->keys, cap * 2 * sizeof(*k));
				if (!k) {
					free(info);
					return error_oom();
				}
				f->keys = k;
				cap *= 2;
			}
			f->koff[a + i] = f->nkeys;
			f->nkeys += ner_features(f->keys + f->nkeys, info, n, i);
		}
	}
	f->koff[f->c.ntoks] = f->nkeys;
	free(info);
	return 0;
}

/* ---------------------------------------------------------------- decoding during training */

/* Scratch for one sentence. */
struct dec {
	float *em, *work;
	uint8_t *pred, *back;
};

static int dec_init(struct dec *d)
{
	size_t n = ENCLAVE_MAX_CONLL_SENTENCE_TOKENS;

	d->em = malloc(n * NER_NTAGS * sizeof(float));
	d->work = malloc(2 * n * NER_NTAGS * sizeof(float));
	d->pred = malloc(n);
	d->back = malloc(n * NER_NTAGS);
	return d->em && d->work && d->pred && d->back ? 0 : error_oom();
}

static void dec_release(struct dec *d)
{
	free(d->em);
	free(d->work);
	free(d->pred);
	free(d->back);
}

/*
 * Decode sentence s of f into d->pred with the current weights of t, or the
 * averaged ones `avg` (NER_NTAGS floats a row) when not NULL, and `trans`.
 */
static void decode(struct dec *d, const struct featured *f, size_t s, const struct table *t,
                   const float *avg, const float trans[NER_NTAGS + 1][NER_NTAGS])
{
	size_t a = f->c.sents[s], n = f->c.sents[s + 1] - a;

	for (size_t i = 0; i < n; i++) {
		float *e = d->em + i * NER_NTAGS;
		memset(e, 0, NER_NTAGS * sizeof(float));
		for (size_t k = f->koff[a + i]; k < f->koff[a + i + 1]; k++) {
			long r = table_find(t, f->keys[k]);
			const float *w;
			if (r < 0)
				continue;
			w = avg ? avg + (size_t)r * NER_NTAGS : t->rows[r].w;
			for (int y = 0; y < NER_NTAGS; y++)
				e[y] += w[y];
		}
	}
	ner_viterbi(d->pred, NULL, d->em, n, trans, d->work, d->back);
}

/* ---------------------------------------------------------------- helpers */

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* A uniform number in [0, 1). */
static double uniform(uint64_t *s)
{
	return (double)(splitmix(s) >> 11) / 9007199254740992.0;
}

/* Read models/gazetteers/<kind>.txt files of `dir` into g. */
static int read_gazetteers(struct ner_gazetteer *g, const char *dir)
{
	for (int k = 0; k < NER_GAZ_COUNT; k++) {
		struct buf path = BUF_INIT(8192), data = BUF_INIT((size_t)16 << 20);
		const char *p, *end;
		size_t line = 0;
		int error = 0;

		if (buf_printf(&path, "%s/%s.txt", dir, ner_gaz_name(k)) < 0) {
			buf_release(&path);
			return error_set(ENCLAVE_ELIMIT, "gazetteer folder: path too long");
		}
		if (fs_read_file(&data, buf_cstr(&path)) < 0) {
			error = error_set(ENCLAVE_EIO, "cannot read the gazetteer '%s'",
			                  buf_cstr(&path));
			goto next;
		}
		for (p = data.ptr ? data.ptr : "", end = p + data.len; p < end;) {
			const char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end;
			line++;
			if (e > p && e[-1] == '\r')
				e--;
			if (e > p && (error = ner_gazetteer_add(g, (enum ner_gaz)k, p,
			                                        (size_t)(e - p))) < 0) {
				error_prefix("%s:%zu", buf_cstr(&path), line);
				goto next;
			}
			p = nl ? nl + 1 : end;
		}
	next:
		buf_release(&path);
		buf_release(&data);
		if (error < 0)
			return error;
	}
	return 0;
}

/*
 * Append to c a copy of sentence s: mode 0 all upper, 1 all lower, 2 lower
 * with the entities' tokens upper-case, 3 as it is but with the entities'
 * tokens upper-case ("Seen by Dr KLEIN").
 */
static int augment_sentence(struct ner_corpus *c, size_t s, int mode)
{
	size_t a = c->sents[s], b = c->sents[s + 1];
	char tmp[ENCLAVE_MAX_CONLL_LINE_BYTES];
	int error;

	for (size_t i = a; i < b; i++) {
		/* c->text may move while pushing: copy the token out first. */
		size_t len = c->toks[i].end - c->toks[i].start;
		const char *src = c->text.ptr + c->toks[i].start;
		if (mode == 0 || (mode >= 2 && c->tags[i] != NER_O))
			ner_upper(tmp, src, len);
		else if (mode == 3)
			memcpy(tmp, src, len);
		else
			ner_fold(tmp, src, len);
		if ((error = ner_corpus_push(c, tmp, len, c->tags[i])) < 0)
			return error;
	}
	return ner_corpus_end_sentence(c);
}

/* F1 of counts (all types), with P and R. */
static double f1_of(const struct enclave_ner_scores *s, double *p, double *r)
{
	double tp = (double)s->tp[3], fp = (double)s->fp[3], fn = (double)s->fn[3];

	*p = tp + fp > 0 ? tp / (tp + fp) : 0;
	*r = tp + fn > 0 ? tp / (tp + fn) : 0;
	return *p + *r > 0 ? 2 * *p * *r / (*p + *r) : 0;
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static void putf(unsigned char *p, float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof(u));
	put32(p, u);
}

struct qrow {
	uint32_t key;
	int16_t w[NER_NTAGS];
};

static int qrow_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct qrow *)a)->key, y = ((const struct qrow *)b)->key;

	return x < y ? -1 : x > y;
}

/* A predicted entity of the calibration set: its weakest token's margin, and whether it is right. */
struct cal_span {
	float margin;
	int correct; /* same first and last token and type as a gold entity */
};

static int cal_cmp(const void *a, const void *b)
{
	float x = ((const struct cal_span *)a)->margin, y = ((const struct cal_span *)b)->margin;

	return x > y ? -1 : x < y; /* largest first */
}

/*
 * The confidence scale of `m` measured on the sentences of `c` (at most
 * 20000): the entities it predicts, each with its weakest token's margin and
 * whether it is exactly right; *out is the scale (score = 1 - exp(-margin /
 * scale)) that makes the scores the best probabilities of being right in
 * the least-squares sense (Brier score), so a span of score 0.7 is right
 * about 7 times in 10 on text like `c`. 1 with no predictions. Returns 0 or
 * ENCLAVE_ENOMEM.
 */
static int calibrate(float *out, const struct ner_model *m, const struct ner_corpus *c)
{
	size_t n = ENCLAVE_MAX_CONLL_SENTENCE_TOKENS, nm = 0, cap = 4096;
	struct ner_tokinfo *info = malloc(n * sizeof(*info));
	float *em = malloc(n * NER_NTAGS * sizeof(float)), *work = malloc(2 * n * NER_NTAGS * 4);
	float *margin = malloc(n * sizeof(float));
	struct cal_span *all = malloc(cap * sizeof(*all));
	uint8_t *tags = malloc(n), *back = malloc(n * NER_NTAGS);
	int error = 0;

	*out = 1;
	if (!info || !em || !work || !margin || !all || !tags || !back) {
		error = error_oom();
		goto done;
	}
	for (size_t s = 0; s < c->nsents && s < 20000; s++) {
		size_t a = c->sents[s], len = c->sents[s + 1] - a;
		const uint8_t *gold = c->tags + a;
		ner_token_info(info, ner_model_gazetteer(m), c->text.ptr, c->toks + a, len);
		ner_model_emissions(em, m, info, len);
		ner_viterbi(tags, margin, em, len, ner_model_transitions(m), work, back);
		for (size_t i = 0; i < len;) {
			size_t j;
			float low;
			if (tags[i] == NER_O) {
				i++;
				continue;
			}
			low = margin[i];
			for (j = i + 1; j < len && tags[j] != NER_O && !NER_TAG_IS_B(tags[j]); j++)
				if (margin[j] < low)
					low = margin[j];
			if (nm == cap) {
				struct cal_span *v = realloc(all, cap * 2 * sizeof(*v));
				if (!v) {
					error = error_oom();
					goto done;
				}
				all = v;
				cap *= 2;
			}
			all[nm].margin = low >= 1e5f ? 1e5f : low;
			/* Right when gold has B of the same type at i, I through j-1, and no I at j. */
			all[nm].correct = gold[i] == tags[i] &&
			                  (j == len || gold[j] == NER_O || NER_TAG_IS_B(gold[j]) ||
			                   NER_TAG_TYPE(gold[j]) != NER_TAG_TYPE(tags[i]));
			for (size_t k = i + 1; k < j; k++)
				all[nm].correct &= gold[k] == tags[k];
			nm++;
			i = j;
		}
	}
	if (nm == 0)
		goto done;
	/* Grid search, in log space, of the scale with the least squared error (Brier score). */
	qsort(all, nm, sizeof(*all), cal_cmp);
	{
		double mid = all[nm / 2].margin > 0 ? all[nm / 2].margin : 1, best_err = -1;
		for (int g = -200; g <= 200; g++) {
			double conf = mid * pow(10.0, g / 100.0), err = 0;
			for (size_t i = 0; i < nm; i++) {
				double p = 1 - exp(-(double)all[i].margin / conf);
				err += (p - all[i].correct) * (p - all[i].correct);
			}
			if (best_err < 0 || err < best_err) {
				best_err = err;
				*out = (float)conf;
			}
		}
	}
done:
	free(info);
	free(em);
	free(work);
	free(margin);
	free(all);
	free(tags);
	free(back);
	return error;
}

/* Basename of a path (borrowed). */
static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* The last two parts of a path, "wikiann_en/train" (borrowed): what the provenance names. */
static const char *short_name(const char *p)
{
	const char *s = strrchr(p, '/');

	while (s && s > p && s[-1] != '/')
		s--;
	return s && s > p ? s : p;
}

/* ---------------------------------------------------------------- training */

int enclave_ner_train(struct enclave_ner_train_result *out, const char *model_path,
                      const char *const *train_paths, size_t ntrain,
                      const struct enclave_ner_train_options *opts)
{
	struct enclave_ner_train_options o = ENCLAVE_NER_TRAIN_OPTIONS_INIT;
	struct featured train = { 0 }, dev = { 0 };
	struct ner_gazetteer *gaz = NULL;
	struct ner_model *parsed = NULL;
	struct table t = { 0 };
	struct dec d = { 0 };
	struct buf file = BUF_INIT(ENCLAVE_MAX_NER_MODEL_BYTES), info = BUF_INIT(65536);
	struct buf shapath = BUF_INIT(8192), shaline = BUF_INIT(8192);
	float trans[NER_NTAGS + 1][NER_NTAGS] = { { 0 } };
	double tu[NER_NTAGS + 1][NER_NTAGS] = { { 0 } };
	float avg_trans[NER_NTAGS + 1][NER_NTAGS];
	float *avg = NULL;
	struct qrow *q = NULL;
	size_t *order = NULL, nq = 0, orig_sents;
	uint64_t rng;
	double c = 1, t0 = time_monotonic();
	int error;

	memset(out, 0, sizeof(*out));
	if (opts)
		o = *opts;
	if (o.version != ENCLAVE_NER_TRAIN_OPTIONS_VERSION)
		return error_set(ENCLAVE_EINVALID, "ner train: options version %u", o.version);
	if (o.epochs < 1 || o.epochs > 1000 || !(o.augment >= 0 && o.augment <= 1) ||
	    !(o.prune >= 0 && o.prune < 1))
		return error_set(ENCLAVE_EINVALID, "ner train: options out of range");
	if (ntrain == 0)
		return error_set(ENCLAVE_EINVALID, "ner train: no training file");
	rng = o.seed;

	if ((error = ner_gazetteer_new(&gaz)) < 0)
		goto done;
	if (o.gazetteer_dir && (error = read_gazetteers(gaz, o.gazetteer_dir)) < 0)
		goto done;
	if ((error = buf_printf(&info, "enclave NER model v%d; trained on", NER_VERSION)) < 0)
		goto buf_error;
	for (size_t i = 0; i < ntrain; i++) {
		char hex[SHA256_HEX_LEN + 1];
		int64_t size;
		if ((error = ner_corpus_read(&train.c, train_paths[i])) < 0)
			goto done;
		if ((error = sha256_file_hex(hex, &size, train_paths[i])) < 0)
			goto done;
		if ((error = buf_printf(&info, "%s %s (sha256 %s)", i ? ";" : "",
		                        short_name(train_paths[i]), hex)) < 0)
			goto buf_error;
	}
	if (train.c.ntoks == 0) {
		error = error_set(ENCLAVE_EEMPTY, "ner train: no tokens in the training files");
		goto done;
	}
	out->sentences = orig_sents = train.c.nsents;
	out->tokens = train.c.ntoks;
	if (o.dev_path && (error = ner_corpus_read(&dev.c, o.dev_path)) < 0)
		goto done;
	if ((error =
	         buf_printf(&info,
	                    "; dev %s; gazetteers %zu entries; epochs %d; seed %llu; "
	                    "augment %.3g; prune %.3g",
	                    o.dev_path ? short_name(o.dev_path) : "none", ner_gazetteer_count(gaz),
	                    o.epochs, (unsigned long long)o.seed, o.augment, o.prune)) < 0)
		goto buf_error;

	/* Case-augmented copies, then every token's features. */
	for (size_t s = 0; s < orig_sents; s++) {
		double r = uniform(&rng);
		if (r < o.augment &&
		    (error = augment_sentence(&train.c, s, (int)(splitmix(&rng) % 4))) < 0)
			goto done;
	}
	if ((error = featurize(&train, gaz)) < 0 || (error = featurize(&dev, gaz)) < 0)
		goto done;
	if ((error = dec_init(&d)) < 0)
		goto done;
	if (!(order = malloc(train.c.nsents * sizeof(*order)))) {
		error = error_oom();
		goto done;
	}
	for (size_t s = 0; s < train.c.nsents; s++)
		order[s] = s;

	for (int epoch = 1; epoch <= o.epochs; epoch++) {
		struct enclave_ner_epoch rep = { epoch, 0, -1, 0, 0, 0 };

		for (size_t s = train.c.nsents; s > 1; s--) {
			size_t j = (size_t)(splitmix(&rng) % s), tmp = order[s - 1];
			order[s - 1] = order[j];
			order[j] = tmp;
		}
		for (size_t oi = 0; oi < train.c.nsents; oi++, c++) {
			size_t s = order[oi], a = train.c.sents[s], n = train.c.sents[s + 1] - a;
			const uint8_t *gold = train.c.tags + a;
			int wrong = 0;

			decode(&d, &train, s, &t, NULL, trans);
			for (size_t i = 0; i < n; i++) {
				int g = gold[i], p = d.pred[i];
				int gp = i ? gold[i - 1] + 1 : 0, pp = i ? d.pred[i - 1] + 1 : 0;
				if (g != p) {
					wrong = 1;
					for (size_t k = train.koff[a + i];
					     k < train.koff[a + i + 1]; k++) {
						long r = table_get(&t, train.keys[k]);
						if (r < 0) {
							error = ENCLAVE_ENOMEM;
							goto done;
						}
						t.rows[r].w[g] += 1;
						t.rows[r].u[g] += c;
						t.rows[r].w[p] -= 1;
						t.rows[r].u[p] -= c;
					}
				}
				if (g != p || gp != pp) {
					trans[gp][g] += 1;
					tu[gp][g] += c;
					trans[pp][p] -= 1;
					tu[pp][p] -= c;
				}
			}
			rep.mistakes += (size_t)wrong;
		}

		/* The averaged weights, for the dev score and (at the end) the model. */
		free(avg);
		if (!(avg = malloc((t.n ? t.n : 1) * NER_NTAGS * sizeof(float)))) {
			error = error_oom();
			goto done;
		}
		for (size_t r = 0; r < t.n; r++)
			for (int y = 0; y < NER_NTAGS; y++)
				avg[r * NER_NTAGS + y] =
				    (float)(t.rows[r].w[y] - t.rows[r].u[y] / c);
		for (int x = 0; x <= NER_NTAGS; x++)
			for (int y = 0; y < NER_NTAGS; y++)
				avg_trans[x][y] = (float)(trans[x][y] - tu[x][y] / c);
		if (dev.c.nsents) {
			struct enclave_ner_scores sc;
			memset(&sc, 0, sizeof(sc));
			for (size_t s = 0; s < dev.c.nsents; s++) {
				size_t a = dev.c.sents[s], n = dev.c.sents[s + 1] - a;
				decode(&d, &dev, s, &t, avg, avg_trans);
				ner_score_sentence(&sc, dev.c.tags + a, d.pred, n);
			}
			rep.dev_f1 = f1_of(&sc, &rep.dev_p, &rep.dev_r);
		}
		rep.seconds = time_monotonic() - t0;
		if (o.progress)
			o.progress(&rep, o.payload);
	}

	/* Prune, quantise, sort. */
	{
		float maxabs = 0, scale;
		for (size_t i = 0; i < t.n * NER_NTAGS; i++)
			if (fabsf(avg[i]) > maxabs)
				maxabs = fabsf(avg[i]);
		if (maxabs == 0)
			maxabs = 1;
		scale = maxabs / 32767.0f;
		if (!(q = malloc((t.n ? t.n : 1) * sizeof(*q)))) {
			error = error_oom();
			goto done;
		}
		for (size_t i = 0; i < t.cap; i++) {
			size_t r = t.idx[i];
			float big = 0;
			int nz = 0;
			if (!t.keys[i])
				continue;
			for (int y = 0; y < NER_NTAGS; y++)
				if (fabsf(avg[r * NER_NTAGS + y]) > big)
					big = fabsf(avg[r * NER_NTAGS + y]);
			if (big < (float)o.prune * maxabs)
				continue;
			q[nq].key = t.keys[i];
			for (int y = 0; y < NER_NTAGS; y++) {
				long v = lroundf(avg[r * NER_NTAGS + y] / scale);
				q[nq].w[y] = (int16_t)(v > 32767 ? 32767 : v < -32767 ? -32767 : v);
				nz |= q[nq].w[y] != 0;
			}
			nq += (size_t)nz;
		}
		qsort(q, nq, sizeof(*q), qrow_cmp);

		/* The file. */
		{
			unsigned char hdr[NER_HEADER_BYTES];
			memset(hdr, 0, sizeof(hdr));
			memcpy(hdr, NER_MAGIC, 8);
			put32(hdr + 8, NER_VERSION);
			put32(hdr + 12, NER_NTAGS);
			put32(hdr + 16, (uint32_t)nq);
			put32(hdr + 20, 0); /* the gazetteer count, below */
			put32(hdr + 24, (uint32_t)info.len);
			putf(hdr + 28, scale);
			putf(hdr + 32, 1.0f);
			for (int i = 0; i < (NER_NTAGS + 1) * NER_NTAGS; i++)
				putf(hdr + 36 + 4 * i, avg_trans[i / NER_NTAGS][i % NER_NTAGS]);
			if ((error = buf_put(&file, hdr, sizeof(hdr))) < 0 ||
			    (error = buf_put(&file, info.ptr, info.len)) < 0)
				goto buf_error;
			for (size_t i = 0; i < nq; i++) {
				unsigned char row[NER_ROW_BYTES];
				put32(row, q[i].key);
				for (int y = 0; y < NER_NTAGS; y++) {
					row[4 + 2 * y] =
					    (unsigned char)((uint16_t)q[i].w[y] & 0xff);
					row[5 + 2 * y] = (unsigned char)((uint16_t)q[i].w[y] >> 8);
				}
				if ((error = buf_put(&file, row, sizeof(row))) < 0)
					goto buf_error;
			}
			{
				size_t before = file.len, count = 0;
				if ((error = ner_gazetteer_write(gaz, &file)) < 0)
					goto done;
				for (size_t p = before; p < file.len;
				     p += 2 + (unsigned char)file.ptr[p + 1])
					count++;
				put32((unsigned char *)file.ptr + 20, (uint32_t)count);
			}
		}
	}

	/* The confidence scale, measured with the quantised model itself. */
	{
		float conf;
		if ((error = ner_model_parse(&parsed, (const unsigned char *)file.ptr, file.len,
		                             model_path)) < 0)
			goto done;
		if ((error = calibrate(&conf, parsed, dev.c.nsents ? &dev.c : &train.c)) < 0)
			goto done;
		putf((unsigned char *)file.ptr + 32, conf);
	}

	if ((error = sha256_hex(out->sha256, file.ptr, file.len)) < 0)
		goto done;
	if (fs_write_atomic(model_path, file.ptr, file.len, 0644) < 0) {
		error = error_set(ENCLAVE_EIO, "cannot write '%s'", model_path);
		goto done;
	}
	if (buf_printf(&shapath, "%s.sha256", model_path) < 0 ||
	    buf_printf(&shaline, "%s  %s\n", out->sha256, base_name(model_path)) < 0) {
		error = error_set(ENCLAVE_ELIMIT, "'%s': path too long", model_path);
		goto done;
	}
	if (fs_write_atomic(buf_cstr(&shapath), shaline.ptr, shaline.len, 0644) < 0) {
		error = error_set(ENCLAVE_EIO, "cannot write '%s'", buf_cstr(&shapath));
		goto done;
	}
	out->bytes = file.len;
	out->features = nq;
	error = 0;
	goto done;
buf_error:
	error = error_buf(error, "ner model");
done:
	ner_model_free(parsed);
	ner_gazetteer_free(gaz);
	featured_release(&train);
	featured_release(&dev);
	table_release(&t);
	dec_release(&d);
	buf_release(&file);
	buf_release(&info);
	buf_release(&shapath);
	buf_release(&shaline);
	free(avg);
	free(q);
	free(order);
	return error;
}

/* ---------------------------------------------------------------- evaluation */

int enclave_ner_evaluate(struct enclave_ner_scores *out, const enclave_ner_model *m,
                         const char *path)
{
	struct ner_corpus c = { 0 };
	size_t n = ENCLAVE_MAX_CONLL_SENTENCE_TOKENS;
	struct ner_tokinfo *info = NULL;
	float *em = NULL, *work = NULL;
	uint8_t *tags = NULL, *back = NULL;
	int error;

	memset(out, 0, sizeof(*out));
	if ((error = ner_corpus_read(&c, path)) < 0)
		goto done;
	info = malloc(n * sizeof(*info));
	em = malloc(n * NER_NTAGS * sizeof(float));
	work = malloc(2 * n * NER_NTAGS * sizeof(float));
	tags = malloc(n);
	back = malloc(n * NER_NTAGS);
	if (!info || !em || !work || !tags || !back) {
		error = error_oom();
		goto done;
	}
	for (size_t s = 0; s < c.nsents; s++) {
		size_t a = c.sents[s], len = c.sents[s + 1] - a;
		ner_token_info(info, ner_model_gazetteer(m), c.text.ptr, c.toks + a, len);
		ner_model_emissions(em, m, info, len);
		ner_viterbi(tags, NULL, em, len, ner_model_transitions(m), work, back);
		ner_score_sentence(out, c.tags + a, tags, len);
	}
done:
	ner_corpus_release(&c);
	free(info);
	free(em);
	free(work);
	free(tags);
	free(back);
	return error;
}
