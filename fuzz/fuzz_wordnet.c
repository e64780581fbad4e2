/*
 * Fuzz target: the WordNet reader (src/lib/augment/wordnet.c) that EDA's
 * synonyms come from. The input is an index file, a NUL byte, and a data
 * file (no NUL: the whole input is both). Every index line's lemma (the
 * first 64) and a few fixed words are looked up: a lookup succeeds or fails
 * with ENCLAVE_EINVALID and a message, and a synonym is a non-empty string
 * without '_' (spaces instead), a newline, or a marker "(...)" at its end.
 */
#include "fuzz.h"

#include "augment/augment_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Look up w[0..n) and check the answer. */
static void wordnet_fuzz_lookup(const struct wordnet *wn, const char *w, size_t n)
{
	struct wordnet_words out = { { 0 }, 0 };
	int rc;

	enclave_error_clear();
	rc = wordnet_synonyms(&out, wn, w, n);
	fuzz_check_error(rc, 0);
	FUZZ_CHECK(rc == 0 || rc == ENCLAVE_EINVALID, "lookup returned %d", rc);
	FUZZ_CHECK(out.n <= 64, "%zu synonyms", out.n);
	for (size_t i = 0; i < out.n; i++) {
		size_t len = strlen(out.v[i]);
		FUZZ_CHECK(len > 0, "an empty synonym");
		FUZZ_CHECK(!strchr(out.v[i], '_') && !strchr(out.v[i], '\n'), "synonym '%s'",
		           out.v[i]);
		FUZZ_CHECK(out.v[i][len - 1] != ')' || !strchr(out.v[i], '('),
		           "a marker left: '%s'", out.v[i]);
	}
	wordnet_words_release(&out);
	enclave_error_clear();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const words[] = { "car", "house", "a", "good", "zzz" };
	const char *in = (const char *)data, *nul = memchr(in, 0, size);
	size_t ilen = nul ? (size_t)(nul - in) : size;
	const char *dat = nul ? nul + 1 : in;
	size_t dlen = nul ? size - ilen - 1 : size;
	struct wordnet *wn = NULL;
	int rc, looked = 0;

	enclave_error_clear();
	rc = wordnet_new_mem(&wn, in, ilen, dat, dlen);
	fuzz_check_error(rc, 0);
	FUZZ_CHECK(rc == 0, "loading failed: %s", enclave_error_last());
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		wordnet_fuzz_lookup(wn, words[i], strlen(words[i]));
	/* Every line's first word, as a lemma. */
	for (size_t i = 0; i < ilen && looked < 64;) {
		size_t e = i;
		while (e < ilen && in[e] != ' ' && in[e] != '\n')
			e++;
		if (e > i && e - i < 100 && !memchr(in + i, 0, e - i)) {
			wordnet_fuzz_lookup(wn, in + i, e - i);
			looked++;
		}
		while (e < ilen && in[e] != '\n')
			e++;
		i = e + 1;
	}
	wordnet_free(wn);
	return 0;
}
