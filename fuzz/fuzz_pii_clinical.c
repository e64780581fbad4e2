/*
 * Fuzz target: the clinical PHI recogniser (src/lib/clean/pii/clinical.c)
 * alone, with and without a gazetteer. Every span must lie inside the input,
 * be non-empty, carry a clinical label, a score in (0, 1] and a source, and
 * on valid UTF-8 start and end on character boundaries.
 */
#include "fuzz.h"
#include "clean/pii/clinical_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A gazetteer that knows every word of three letters or more: the most permissive one. */
static int clinical_fuzz_has(const void *payload, enum pii_clinical_gaz kind, const char *word,
                             size_t len)
{
	(void)payload;
	(void)kind;
	(void)word;
	return len >= 3;
}

/* Abort unless the spans of `text` keep the recogniser's promises. */
static void clinical_fuzz_check(const char *text, size_t size, const struct enclave_pii_spans *s)
{
	int valid = utf8_valid(text, size);
	for (size_t i = 0; i < s->n; i++) {
		const struct enclave_pii_span *sp = &s->v[i];
		int ok = sp->start < sp->end && sp->end <= size && sp->score > 0.0f &&
		         sp->score <= 1.0f && sp->source &&
		         strncmp(sp->source, "rule:clinical_", 14) == 0 &&
		         (sp->label == ENCLAVE_PII_PERSON || sp->label == ENCLAVE_PII_LOCATION ||
		          sp->label == ENCLAVE_PII_PHONE_NUMBER || sp->label == ENCLAVE_PII_AGE);
		if (ok && valid)
			ok = ((unsigned char)text[sp->start] & 0xc0) != 0x80 &&
			     (sp->end == size || ((unsigned char)text[sp->end] & 0xc0) != 0x80);
		if (!ok) {
			fprintf(stderr, "clinical: bad span %zu..%zu label %d of %zu bytes\n",
			        sp->start, sp->end, sp->label, size);
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct pii_clinical_ctx gaz = { clinical_fuzz_has, NULL };
	const char *text = (const char *)data;

	for (int pass = 0; pass < 2; pass++) {
		struct enclave_pii_spans spans = { 0 };
		if (pii_clinical_scan(pass ? &gaz : NULL, text, size, &spans) != 0) {
			fprintf(stderr, "clinical: scan failed\n");
			abort();
		}
		clinical_fuzz_check(text, size, &spans);
		enclave_pii_spans_resolve(&spans);
		clinical_fuzz_check(text, size, &spans);
		enclave_pii_spans_free(&spans);
	}
	return 0;
}
