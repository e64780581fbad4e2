/*
 * Fuzz target: the NER tagger's inputs. Every input is read three ways:
 *
 *   - as a CoNLL/IOB training file (ner_corpus_parse): it parses or fails
 *     with a message naming "fuzz.conll:LINE"; a parsed corpus has tokens
 *     inside its text, sentences in order, tags in IOB2 (an I- continues its
 *     type);
 *   - as a model file (ner_model_parse, which ner_model_load runs after the
 *     hash check) when it starts with the model magic: a model that parses
 *     tags a fixed sentence into well-formed spans and answers gazetteer
 *     look-ups;
 *   - as text for ner_tag with a small model built here (no features; its
 *     transitions make every window one PERSON span), so the tokeniser and
 *     the windows meet hostile UTF-8: spans in order, inside the text, not
 *     overlapping, on token boundaries that are not white space.
 */
#include "fuzz.h"

#include "clean/pii/ner_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Check the spans ner_tag appended for a text of `len` bytes. */
static void ner_fuzz_check_spans(const struct enclave_pii_spans *s, const char *text, size_t len)
{
	size_t prev_end = 0;

	for (size_t i = 0; i < s->n; i++) {
		const struct enclave_pii_span *v = &s->v[i];
		FUZZ_CHECK(v->start < v->end && v->end <= len, "span %zu [%zu, %zu) of %zu bytes",
		           i, v->start, v->end, len);
		FUZZ_CHECK(v->start >= prev_end, "span %zu overlaps the one before", i);
		FUZZ_CHECK(v->label == ENCLAVE_PII_PERSON || v->label == ENCLAVE_PII_ORGANIZATION ||
		               v->label == ENCLAVE_PII_LOCATION,
		           "span %zu: label %d", i, v->label);
		FUZZ_CHECK(v->score >= 0 && v->score <= 1, "span %zu: score %f", i,
		           (double)v->score);
		FUZZ_CHECK(v->source && !strcmp(v->source, "model:ner"), "span %zu: source", i);
		FUZZ_CHECK(!memchr(" \t\r\n", text[v->start], 4) &&
		               !memchr(" \t\r\n", text[v->end - 1], 4),
		           "span %zu begins or ends with white space", i);
		prev_end = v->end;
	}
}

/* The CoNLL reader. */
static void ner_fuzz_conll(const uint8_t *data, size_t size)
{
	struct ner_corpus c = { 0 };
	int rc;

	enclave_error_clear();
	rc = ner_corpus_parse(&c, (const char *)data, size, "fuzz.conll");
	fuzz_check_error(rc, 0);
	if (rc == ENCLAVE_EINVALID)
		FUZZ_CHECK(strstr(enclave_error_last(), "fuzz.conll:"), "no file:line in '%s'",
		           enclave_error_last());
	if (rc == 0) {
		FUZZ_CHECK(c.nsents == 0 || c.sents[c.nsents] == c.ntoks,
		           "sentences do not add up");
		for (size_t s = 0; s < c.nsents; s++) {
			size_t a = c.sents[s], b = c.sents[s + 1];
			FUZZ_CHECK(a < b, "empty sentence %zu", s);
			FUZZ_CHECK(b - a <= ENCLAVE_MAX_CONLL_SENTENCE_TOKENS,
			           "sentence %zu too long", s);
			for (size_t i = a; i < b; i++) {
				int t = c.tags[i];
				FUZZ_CHECK(t < NER_NTAGS, "tag %d", t);
				FUZZ_CHECK(c.toks[i].start < c.toks[i].end &&
				               c.toks[i].end <= c.text.len,
				           "token %zu outside the text", i);
				FUZZ_CHECK(t == 0 || NER_TAG_IS_B(t) ||
				               (i > a && c.tags[i - 1] != 0 &&
				                NER_TAG_TYPE(c.tags[i - 1]) == NER_TAG_TYPE(t)),
				           "token %zu: an I- tag that begins an entity", i);
			}
		}
	}
	ner_corpus_release(&c);
	enclave_error_clear();
}

/* The model loader, and a model that loads at work. */
static void ner_fuzz_model(const uint8_t *data, size_t size)
{
	static const char text[] = "Dr Helen Smith of Acme Inc met the mayor of New York.";
	struct enclave_pii_spans spans = { 0 };
	struct ner_model *m = NULL;
	int rc;

	enclave_error_clear();
	rc = ner_model_parse(&m, data, size, "fuzz.model");
	fuzz_check_error(rc, 0);
	if (rc == 0) {
		FUZZ_CHECK(m != NULL, "parsed without a model");
		rc = ner_tag(m, text, sizeof(text) - 1, &spans);
		fuzz_check_error(rc, 0);
		FUZZ_CHECK(rc == 0, "tagging failed: %s", enclave_error_last());
		ner_fuzz_check_spans(&spans, text, sizeof(text) - 1);
		for (int k = 0; k < NER_GAZ_COUNT; k++)
			(void)ner_gazetteer_has(m, (enum ner_gaz)k, "helen", 5);
	} else {
		FUZZ_CHECK(m == NULL, "failed but returned a model");
	}
	enclave_pii_spans_free(&spans);
	ner_model_free(m);
	enclave_error_clear();
}

/* A model with no features whose transitions make each window one PERSON. */
static struct ner_model *ner_fuzz_person_model(void)
{
	static struct ner_model *m;
	unsigned char f[NER_HEADER_BYTES + 2 + 5];
	float one = 1.0f, ten = 10.0f;

	if (m)
		return m;
	memset(f, 0, sizeof(f));
	memcpy(f, NER_MAGIC, 8);
	f[8] = NER_VERSION;
	f[12] = NER_NTAGS;
	f[20] = 1; /* one gazetteer entry */
	memcpy(f + 28, &one, 4);
	memcpy(f + 32, &one, 4);
	memcpy(f + 36 + 4 * (0 * NER_NTAGS + 1), &ten, 4); /* start -> B-PER */
	memcpy(f + 36 + 4 * (2 * NER_NTAGS + 2), &ten, 4); /* B-PER -> I-PER */
	memcpy(f + 36 + 4 * (3 * NER_NTAGS + 2), &ten, 4); /* I-PER -> I-PER */
	f[NER_HEADER_BYTES] = NER_GAZ_FIRST_NAME;
	f[NER_HEADER_BYTES + 1] = 5;
	memcpy(f + NER_HEADER_BYTES + 2, "helen", 5);
	FUZZ_CHECK(ner_model_parse(&m, f, sizeof(f), "person") == 0, "the person model: %s",
	           enclave_error_last());
	return m;
}

/* The tokeniser and the windows, on the input as text. */
static void ner_fuzz_text(const uint8_t *data, size_t size)
{
	struct enclave_pii_spans spans = { 0 };
	struct ner_model *m = ner_fuzz_person_model();
	int rc;

	enclave_error_clear();
	rc = ner_tag(m, (const char *)data, size, &spans);
	fuzz_check_error(rc, 0);
	FUZZ_CHECK(rc == 0, "tagging failed: %s", enclave_error_last());
	ner_fuzz_check_spans(&spans, (const char *)data, size);
	enclave_pii_spans_free(&spans);
	enclave_error_clear();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ner_fuzz_conll(data, size);
	if (size >= 8 && memcmp(data, NER_MAGIC, 8) == 0)
		ner_fuzz_model(data, size);
	ner_fuzz_text(data, size);
	return 0;
}
