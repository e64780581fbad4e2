/*
 * Unit tests of the NER tagger (src/lib/clean/pii/ner*.c, conll.c): the
 * tokeniser, the CoNLL reader and its errors, training on a small fixture
 * written here (round trip, determinism), the hash check at load, case
 * robustness, and the shipped model (models/ner-en.model) on a few sentences.
 * Nothing here needs the shared corpora.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>

#include "clean/pii/ner_int.h"

struct fixture {
	char dir[64];
	char train[128], dev[128], model[128];
};

/* Write `text` to `path`; 0 or -1. */
static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static const char *const firsts[] = { "Alice", "Robert", "Maria", "James", "Helen", "Omar" };
static const char *const lasts[] = { "Walker", "Nguyen", "Smith", "Keller", "Costa", "Brown" };
static const char *const cities[] = { "Paris", "Boston", "Lagos", "Denver", "Madrid" };
static const char *const orgs[] = { "Acme", "Globex", "Initech", "Umbrella" };

/* Append the CoNLL lines of a few template sentences, the `i`-th variation. */
static void fixture_sentences(FILE *f, int i)
{
	const char *fn = firsts[i % 6], *ln = lasts[(i / 6) % 6], *city = cities[i % 5];
	const char *org = orgs[i % 4];

	fprintf(f, "%s\tB-PER\n%s\tI-PER\nvisited\tO\n%s\tB-LOC\n.\tO\n\n", fn, ln, city);
	fprintf(f, "Yesterday\tO\n%s\tB-PER\nflew\tO\nto\tO\n%s\tB-LOC\n.\tO\n\n", fn, city);
	fprintf(f, "%s\tB-PER\nworks\tO\nat\tO\n%s\tB-ORG\nInc\tI-ORG\nin\tO\n%s\tB-LOC\n.\tO\n\n",
	        ln, org, city);
	fprintf(f, "The\tO\nweather\tO\nwas\tO\nmild\tO\ntoday\tO\n.\tO\n\n");
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	FILE *f;

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/enclave-ner-XXXXXX");
	if (!fx || !mkdtemp(fx->dir))
		return -1;
	snprintf(fx->train, sizeof(fx->train), "%s/train.conll", fx->dir);
	snprintf(fx->dev, sizeof(fx->dev), "%s/dev.conll", fx->dir);
	snprintf(fx->model, sizeof(fx->model), "%s/tiny.model", fx->dir);
	if (!(f = fopen(fx->train, "w")))
		return -1;
	for (int i = 0; i < 60; i++)
		fixture_sentences(f, i);
	fclose(f);
	if (!(f = fopen(fx->dev, "w")))
		return -1;
	for (int i = 60; i < 70; i++)
		fixture_sentences(f, i);
	fclose(f);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	if (system(cmd) != 0)
		return -1;
	free(fx);
	return 0;
}

/* Train the tiny model into fx->model with `seed`. */
static void train_tiny(struct fixture *fx, uint64_t seed, struct enclave_ner_train_result *res)
{
	struct enclave_ner_train_options o = ENCLAVE_NER_TRAIN_OPTIONS_INIT;
	const char *files[1] = { fx->train };

	o.epochs = 5;
	o.seed = seed;
	o.dev_path = fx->dev;
	assert_int_equal(enclave_ner_train(res, fx->model, files, 1, &o), 0);
}

/* Does `spans` hold [start, end) with `label`? */
static int has_span(const struct enclave_pii_spans *s, const char *text, const char *what,
                    int label)
{
	const char *at = strstr(text, what);

	for (size_t i = 0; at && i < s->n; i++)
		if (s->v[i].start == (size_t)(at - text) &&
		    s->v[i].end == s->v[i].start + strlen(what) && s->v[i].label == label)
			return 1;
	return 0;
}

/* ---------------------------------------------------------------- tokeniser */

static void tokenizer_splits_words(void **state)
{
	const char *text = "Dr. O'Brien met the U.S. team in S\xc3\xa3o Paulo's centre!Then\nmore";
	const char *want[] = { "Dr.", "O'Brien",    "met",   "the", "U.S.",   "team",
		               "in",  "S\xc3\xa3o", "Paulo", "'s",  "centre", "!" };
	struct ner_tok toks[64];
	size_t pos = 0, n;

	(void)state;
	n = ner_tokenize_window(toks, 64, text, strlen(text), &pos);
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(toks[i].end - toks[i].start, strlen(want[i]));
		assert_memory_equal(text + toks[i].start, want[i], strlen(want[i]));
	}
	/* The next window is "Then", cut at the line break; then "more"; then nothing. */
	assert_int_equal(ner_tokenize_window(toks, 64, text, strlen(text), &pos), 1);
	assert_memory_equal(text + toks[0].start, "Then", 4);
	assert_int_equal(ner_tokenize_window(toks, 64, text, strlen(text), &pos), 1);
	assert_int_equal(ner_tokenize_window(toks, 64, text, strlen(text), &pos), 0);
	/* A window holds at most `max` tokens. */
	pos = 0;
	assert_int_equal(ner_tokenize_window(toks, 3, "a b c d e", 9, &pos), 3);
	assert_int_equal(ner_tokenize_window(toks, 3, "a b c d e", 9, &pos), 2);
}

/* ---------------------------------------------------------------- CoNLL reader */

static void conll_reads_dialects(void **state)
{
	struct fixture *fx = *state;
	struct ner_corpus c = { 0 };
	char path[128];
	/* WikiANN (en: prefix, tabs), WNUT (types, a tab-only blank line, a BOM line), CoNLL-2003. */
	const char *text = "en:Barack\tB-PER\nen:Obama\tI-PER\nen:in\tO\nen:Paris\tB-LOC\n\t\n"
	                   "Acme\tB-corporation\nsells\tO\niPhone\tB-product\n\xef\xbb\xbf\n"
	                   "-DOCSTART- -X- -X- O\n\nEU NNP B-NP I-ORG\nrejects VBZ B-VP O\n"
	                   "German JJ B-NP I-MISC\nUN NNP B-NP S-ORG\n";

	snprintf(path, sizeof(path), "%s/dialects.conll", fx->dir);
	assert_int_equal(write_file(path, text), 0);
	assert_int_equal(ner_corpus_read(&c, path), 0);
	assert_int_equal(c.nsents, 3);
	assert_int_equal(c.ntoks, 11);
	assert_int_equal(c.toks[0].end - c.toks[0].start, 6); /* "Barack", prefix stripped */
	assert_memory_equal(c.text.ptr + c.toks[0].start, "Barack", 6);
	assert_int_equal(c.tags[0], 1); /* B-PER */
	assert_int_equal(c.tags[1], 2); /* I-PER */
	assert_int_equal(c.tags[3], 5); /* B-LOC */
	assert_int_equal(c.tags[4], 3); /* corporation: B-ORG */
	assert_int_equal(c.tags[6], 0); /* product: O */
	assert_memory_equal(c.text.ptr + c.toks[7].start, "EU", 2);
	assert_int_equal(c.tags[7], 3);  /* IOB1's I-ORG beginning an entity: B-ORG */
	assert_int_equal(c.tags[9], 0);  /* MISC: O */
	assert_int_equal(c.tags[10], 3); /* S-ORG: B-ORG */
	ner_corpus_release(&c);
}

static void conll_reports_file_and_line(void **state)
{
	struct fixture *fx = *state;
	struct ner_corpus c = { 0 };
	char path[128], want[160];

	snprintf(path, sizeof(path), "%s/bad.conll", fx->dir);
	assert_int_equal(write_file(path, "Alice\tB-PER\nwent\tO\n\nhome\n"), 0);
	assert_int_equal(ner_corpus_read(&c, path), ENCLAVE_EINVALID);
	snprintf(want, sizeof(want), "%s:4: a token without a tag", path);
	assert_non_null(strstr(enclave_error_last(), want));
	ner_corpus_release(&c);

	assert_int_equal(write_file(path, "Alice\tB-PER\nwent\tX-PER\n"), 0);
	assert_int_equal(ner_corpus_read(&c, path), ENCLAVE_EINVALID);
	snprintf(want, sizeof(want), "%s:2: unknown tag 'X-PER'", path);
	assert_non_null(strstr(enclave_error_last(), want));
	ner_corpus_release(&c);
}

static void scorer_counts_exact_matches(void **state)
{
	/* gold: [B-PER I-PER] O [B-LOC]; predicted: [B-PER] [B-PER] O [B-LOC] */
	const uint8_t gold[] = { 1, 2, 0, 5 }, pred[] = { 1, 1, 0, 5 };
	struct enclave_ner_scores s;

	(void)state;
	memset(&s, 0, sizeof(s));
	ner_score_sentence(&s, gold, pred, 4);
	assert_int_equal(s.tp[3], 1); /* the LOC */
	assert_int_equal(s.fp[3], 2); /* two one-word persons */
	assert_int_equal(s.fn[3], 1); /* the two-word person */
	assert_int_equal(s.tp[2], 1);
	assert_int_equal(s.fn[0], 1);
}

/* ---------------------------------------------------------------- training and loading */

static void train_save_load_tag(void **state)
{
	struct fixture *fx = *state;
	struct enclave_ner_train_result res, again;
	struct enclave_pii_spans spans = { 0 };
	struct enclave_ner_scores sc;
	enclave_ner_model *m = NULL;
	char sha_path[160], line[160];
	const char *text = "Yesterday Maria Keller visited Lagos . Keller works at Initech Inc in "
	                   "Denver .";
	FILE *f;

	train_tiny(fx, 7, &res);
	assert_int_equal(strlen(res.sha256), 64);
	assert_true(res.bytes > NER_HEADER_BYTES && res.features > 0);
	/* The hash beside the model, in sha256sum's format. */
	snprintf(sha_path, sizeof(sha_path), "%s.sha256", fx->model);
	assert_non_null(f = fopen(sha_path, "r"));
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	assert_memory_equal(line, res.sha256, 64);
	assert_string_equal(line + 64, "  tiny.model\n");

	assert_int_equal(enclave_ner_load(&m, fx->model, res.sha256), 0);
	assert_string_equal(ner_model_sha256(m), res.sha256);
	assert_int_equal(enclave_ner_tag(&spans, m, text, strlen(text)), 0);
	assert_true(has_span(&spans, text, "Maria Keller", ENCLAVE_PII_PERSON));
	assert_true(has_span(&spans, text, "Lagos", ENCLAVE_PII_LOCATION));
	assert_true(has_span(&spans, text, "Initech Inc", ENCLAVE_PII_ORGANIZATION));
	assert_true(has_span(&spans, text, "Denver", ENCLAVE_PII_LOCATION));
	for (size_t i = 0; i < spans.n; i++) {
		assert_string_equal(spans.v[i].source, "model:ner");
		assert_true(spans.v[i].score >= 0 && spans.v[i].score <= 1);
	}
	/* Scoring against the dev file it was tuned on: every entity found. */
	assert_int_equal(enclave_ner_evaluate(&sc, m, fx->dev), 0);
	assert_int_equal(sc.sentences, 40);
	assert_true(sc.tp[3] >= 55 && sc.fp[3] <= 5);
	enclave_pii_spans_free(&spans);
	enclave_ner_free(m);

	/* Deterministic for a seed; another seed shuffles differently. */
	train_tiny(fx, 7, &again);
	assert_string_equal(again.sha256, res.sha256);
	train_tiny(fx, 8, &again);
	assert_string_not_equal(again.sha256, res.sha256);
}

static void tampered_model_is_refused(void **state)
{
	struct fixture *fx = *state;
	struct enclave_ner_train_result res;
	enclave_ner_model *m = NULL;
	char want[256];
	FILE *f;
	int c;

	train_tiny(fx, 1, &res);
	/* A wrong expected hash. */
	assert_int_equal(enclave_ner_load(&m, fx->model,
	                                  "00000000000000000000000000000000000000"
	                                  "00000000000000000000000000"),
	                 ENCLAVE_ETAMPER);
	assert_null(m);
	/* One byte of the model changed (in the feature rows). */
	assert_non_null(f = fopen(fx->model, "r+b"));
	assert_int_equal(fseek(f, NER_HEADER_BYTES + 400, SEEK_SET), 0);
	c = fgetc(f);
	assert_int_equal(fseek(f, NER_HEADER_BYTES + 400, SEEK_SET), 0);
	fputc(c ^ 1, f);
	fclose(f);
	assert_int_equal(enclave_ner_load(&m, fx->model, res.sha256), ENCLAVE_ETAMPER);
	assert_null(m);
	snprintf(want, sizeof(want), "refusing the model '%s': its SHA-256 is ", fx->model);
	assert_non_null(strstr(enclave_error_last(), want));
	snprintf(want, sizeof(want), ", expected %s", res.sha256);
	assert_non_null(strstr(enclave_error_last(), want));
	/* No hash at all is refused too. */
	assert_int_equal(enclave_ner_load(&m, fx->model, NULL), ENCLAVE_EINVALID);
}

static void malformed_models_are_rejected(void **state)
{
	struct fixture *fx = *state;
	struct enclave_ner_train_result res;
	struct ner_model *m = NULL;
	unsigned char *data;
	size_t len;
	FILE *f;

	train_tiny(fx, 1, &res);
	assert_non_null(f = fopen(fx->model, "rb"));
	data = malloc(res.bytes);
	len = fread(data, 1, res.bytes, f);
	fclose(f);
	assert_int_equal(len, res.bytes);
	assert_int_equal(ner_model_parse(&m, data, len, "tiny"), 0);
	ner_model_free(m);
	/* Every truncation fails cleanly, as does a trailing byte. */
	for (size_t cut = 0; cut < len; cut += 1 + cut / 7) {
		assert_int_equal(ner_model_parse(&m, data, cut, "tiny"), ENCLAVE_EINVALID);
		assert_null(m);
	}
	data = realloc(data, len + 1);
	data[len] = 'x';
	assert_int_equal(ner_model_parse(&m, data, len + 1, "tiny"), ENCLAVE_EINVALID);
	assert_non_null(strstr(enclave_error_last(), "1 bytes after the model"));
	/* A version from the future. */
	data[8] = 9;
	assert_int_equal(ner_model_parse(&m, data, len, "tiny"), ENCLAVE_EUNSUPPORTED);
	free(data);
}

/* ---------------------------------------------------------------- the shipped model */

static void shipped_model_finds_entities(void **state)
{
	struct enclave_pii_spans spans = { 0 };
	enclave_ner_model *m = NULL;
	const char *mixed = "Barack Obama visited Paris with Angela Merkel of Germany.";
	const char *upper = "BARACK OBAMA VISITED PARIS.";
	const char *lower = "barack obama visited paris and met john smith.";
	const char *notes = "pt seen by dr KLEIN today.";

	(void)state;
	unsetenv("ENCLAVE_MODELS");
	assert_int_equal(enclave_ner_load_default(&m), 0);
	assert_int_equal(enclave_ner_tag(&spans, m, mixed, strlen(mixed)), 0);
	assert_true(has_span(&spans, mixed, "Barack Obama", ENCLAVE_PII_PERSON));
	assert_true(has_span(&spans, mixed, "Paris", ENCLAVE_PII_LOCATION));
	assert_true(has_span(&spans, mixed, "Angela Merkel", ENCLAVE_PII_PERSON));
	assert_true(has_span(&spans, mixed, "Germany", ENCLAVE_PII_LOCATION));
	enclave_pii_spans_free(&spans);

	/* Capitals are a feature, not a requirement. */
	assert_int_equal(enclave_ner_tag(&spans, m, upper, strlen(upper)), 0);
	assert_true(has_span(&spans, upper, "BARACK OBAMA", ENCLAVE_PII_PERSON));
	assert_true(has_span(&spans, upper, "PARIS", ENCLAVE_PII_LOCATION));
	enclave_pii_spans_free(&spans);
	assert_int_equal(enclave_ner_tag(&spans, m, lower, strlen(lower)), 0);
	assert_true(has_span(&spans, lower, "barack obama", ENCLAVE_PII_PERSON));
	assert_true(has_span(&spans, lower, "paris", ENCLAVE_PII_LOCATION));
	assert_true(has_span(&spans, lower, "john smith", ENCLAVE_PII_PERSON));
	enclave_pii_spans_free(&spans);
	assert_int_equal(enclave_ner_tag(&spans, m, notes, strlen(notes)), 0);
	assert_true(has_span(&spans, notes, "KLEIN", ENCLAVE_PII_PERSON));
	enclave_pii_spans_free(&spans);

	/* The gazetteers are in the model, case-insensitive. */
	assert_true(ner_gazetteer_has(m, NER_GAZ_FIRST_NAME, "HELEN", 5));
	assert_true(ner_gazetteer_has(m, NER_GAZ_SURNAME, "klein", 5));
	assert_true(ner_gazetteer_has(m, NER_GAZ_CITY, "New York", 8));
	assert_true(ner_gazetteer_has(m, NER_GAZ_TITLE, "Dr", 2));
	assert_true(ner_gazetteer_has(m, NER_GAZ_ORG_SUFFIX, "Medical Center", 14));
	assert_false(ner_gazetteer_has(m, NER_GAZ_CITY, "Helen", 5));
	assert_false(ner_gazetteer_has(m, NER_GAZ_FIRST_NAME, "zzqx", 4));
	assert_false(ner_gazetteer_has(m, NER_GAZ_COUNT, "Helen", 5));
	assert_true(ner_gazetteer_has(m, NER_GAZ_MEDICAL, "neuro", 5));
	assert_true(ner_gazetteer_has(m, NER_GAZ_RELATION, "WIFE", 4));
	enclave_ner_free(m);
}

/* The scanner's post-pass: "The" leaves a name; firms named after partners are organisations. */
static void postpass_articles_and_firms(void **state)
{
	struct enclave_pii_spans spans = { 0 };
	enclave_ner_model *m = NULL;
	const char *firm = "I work at Palmer, Fletcher and Hargrove now.";
	const char *people =
	    "our founders: Palmer, Fletcher and Hargrove. Lasix, Heparin and Coumadin.";
	struct enclave_pii_span the = { 9, 25, ENCLAVE_PII_ORGANIZATION, 0.9f, "model:ner" };
	const char *club = "I joined The Lending Club.";

	(void)state;
	unsetenv("ENCLAVE_MODELS");
	assert_int_equal(enclave_ner_load_default(&m), 0);
	assert_int_equal(ner_pii_postpass(m, firm, strlen(firm), &spans, 0), 0);
	assert_int_equal(spans.n, 1);
	assert_true(
	    has_span(&spans, firm, "Palmer, Fletcher and Hargrove", ENCLAVE_PII_ORGANIZATION));
	spans.n = 0;
	assert_int_equal(ner_pii_postpass(m, people, strlen(people), &spans, 0), 0);
	assert_int_equal(spans.n, 0);
	assert_int_equal(enclave_pii_spans_push(&spans, &the), 0);
	assert_int_equal(ner_pii_postpass(m, club, strlen(club), &spans, 0), 0);
	assert_int_equal(spans.n, 1);
	assert_true(has_span(&spans, club, "Lending Club", ENCLAVE_PII_ORGANIZATION));
	enclave_pii_spans_free(&spans);
	enclave_ner_free(m);
}

/*
 * On nursing notes: section headers and abbreviations in capitals are not
 * names (the shipped model learnt them as O from generated note lines), and
 * a name after a title or a relation is one, whatever its case.
 */
static void shipped_model_reads_nursing_notes(void **state)
{
	struct enclave_pii_spans spans = { 0 };
	enclave_ner_model *m = NULL;
	const char *abbrev =
	    "NEURO: A&OX3, MAE, PERRL. CV: HR 80S SR, NO ECTOPY. "
	    "RESP: LS CLEAR, SATS 97% ON 2L NC. GI/GU: ABD SOFT, +BS, FOLEY PATENT.";
	const char *names = "pt seen by dr KLEIN\nwife HELEN called\n";

	(void)state;
	unsetenv("ENCLAVE_MODELS");
	assert_int_equal(enclave_ner_load_default(&m), 0);
	assert_int_equal(enclave_ner_tag(&spans, m, abbrev, strlen(abbrev)), 0);
	assert_int_equal(spans.n, 0);
	enclave_pii_spans_free(&spans);
	assert_int_equal(enclave_ner_tag(&spans, m, names, strlen(names)), 0);
	assert_true(has_span(&spans, names, "KLEIN", ENCLAVE_PII_PERSON));
	assert_true(has_span(&spans, names, "HELEN", ENCLAVE_PII_PERSON));
	assert_int_equal(spans.n, 2);
	for (size_t i = 0; i < spans.n; i++)
		assert_true(spans.v[i].score >= 0.5f);
	enclave_pii_spans_free(&spans);
	enclave_ner_free(m);
}

static void long_text_is_tagged_window_by_window(void **state)
{
	const char *sentence = "Barack Obama visited Paris. ";
	size_t n = 20000, len = strlen(sentence), found = 0;
	struct enclave_pii_spans spans = { 0 };
	enclave_ner_model *m = NULL;
	char *text = malloc(n * len + 300 * 2 + 1), *p = text;

	(void)state;
	for (size_t i = 0; i < n; i++, p += len)
		memcpy(p, sentence, len);
	/* And a run-on with no sentence end, longer than a window. */
	for (size_t i = 0; i < 300; i++, p += 2)
		memcpy(p, "a ", 2);
	*p = '\0';
	unsetenv("ENCLAVE_MODELS");
	assert_int_equal(enclave_ner_load_default(&m), 0);
	assert_int_equal(enclave_ner_tag(&spans, m, text, strlen(text)), 0);
	for (size_t i = 0; i < spans.n; i++) {
		size_t at = spans.v[i].start % len;
		assert_true(spans.v[i].end <= strlen(text));
		if (spans.v[i].label == ENCLAVE_PII_PERSON && at == 0 &&
		    spans.v[i].end - spans.v[i].start == 12)
			found++;
	}
	assert_int_equal(found, n);
	enclave_pii_spans_free(&spans);
	enclave_ner_free(m);
	free(text);
}

struct thread_job {
	const enclave_ner_model *m;
	const char *text;
	struct enclave_pii_spans spans;
	int rc;
};

/* Tag job->text 20 times with the shared model, keeping the last spans. */
static void *tag_thread(void *arg)
{
	struct thread_job *job = arg;

	for (int i = 0; i < 20 && job->rc == 0; i++) {
		enclave_pii_spans_free(&job->spans);
		job->rc = enclave_ner_tag(&job->spans, job->m, job->text, strlen(job->text));
	}
	return NULL;
}

static void threads_share_a_model(void **state)
{
	const char *text = "Mary Johnson works at Acme Inc in Springfield. Barack Obama visited "
	                   "Paris with Angela Merkel.";
	struct thread_job jobs[4];
	pthread_t th[4];
	enclave_ner_model *m = NULL;
	struct enclave_pii_spans alone = { 0 };

	(void)state;
	unsetenv("ENCLAVE_MODELS");
	assert_int_equal(enclave_ner_load_default(&m), 0);
	assert_int_equal(enclave_ner_tag(&alone, m, text, strlen(text)), 0);
	assert_true(alone.n >= 5);
	for (int i = 0; i < 4; i++) {
		jobs[i] = (struct thread_job){ m, text, { 0 }, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, tag_thread, &jobs[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(jobs[i].rc, 0);
		assert_int_equal(jobs[i].spans.n, alone.n);
		assert_memory_equal(jobs[i].spans.v, alone.v, alone.n * sizeof(alone.v[0]));
		enclave_pii_spans_free(&jobs[i].spans);
	}
	enclave_pii_spans_free(&alone);
	enclave_ner_free(m);
}

static void default_model_honours_environment(void **state)
{
	struct fixture *fx = *state;
	enclave_ner_model *m = NULL;

	/* A folder without the model: not found, naming the place. */
	setenv("ENCLAVE_MODELS", fx->dir, 1);
	assert_int_equal(enclave_ner_load_default(&m), ENCLAVE_ENOTFOUND);
	assert_non_null(strstr(enclave_error_last(), fx->dir));
	unsetenv("ENCLAVE_MODELS");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tokenizer_splits_words),
		cmocka_unit_test(scorer_counts_exact_matches),
		cmocka_unit_test_setup_teardown(conll_reads_dialects, setup, teardown),
		cmocka_unit_test_setup_teardown(conll_reports_file_and_line, setup, teardown),
		cmocka_unit_test_setup_teardown(train_save_load_tag, setup, teardown),
		cmocka_unit_test_setup_teardown(tampered_model_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(malformed_models_are_rejected, setup, teardown),
		cmocka_unit_test(shipped_model_finds_entities),
		cmocka_unit_test(shipped_model_reads_nursing_notes),
		cmocka_unit_test(postpass_articles_and_firms),
		cmocka_unit_test(long_text_is_tagged_window_by_window),
		cmocka_unit_test(threads_share_a_model),
		cmocka_unit_test_setup_teardown(default_model_honours_environment, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
