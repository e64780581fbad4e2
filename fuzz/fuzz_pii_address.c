/*
 * Fuzz target: the address-shape recogniser (src/lib/clean/pii/address.c)
 * alone. Every span must lie inside the input, be non-empty, carry one of
 * its labels (STREET_ADDRESS, ZIP_CODE, LOCATION), a score in (0, 1] and
 * its source, and on valid UTF-8 start and end on character boundaries.
 */
#include "fuzz.h"
#include "clean/pii/pii_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort unless the spans of `text` keep the recogniser's promises. */
static void address_fuzz_check(const char *text, size_t size, const struct enclave_pii_spans *s)
{
	int valid = utf8_valid(text, size);

	for (size_t i = 0; i < s->n; i++) {
		const struct enclave_pii_span *sp = &s->v[i];
		int ok = sp->start < sp->end && sp->end <= size && sp->score > 0.0f &&
		         sp->score <= 1.0f && sp->source &&
		         strcmp(sp->source, "rule:address_shape") == 0 &&
		         (sp->label == ENCLAVE_PII_STREET_ADDRESS ||
		          sp->label == ENCLAVE_PII_ZIP_CODE || sp->label == ENCLAVE_PII_LOCATION);
		if (ok && valid)
			ok = ((unsigned char)text[sp->start] & 0xc0) != 0x80 &&
			     (sp->end == size || ((unsigned char)text[sp->end] & 0xc0) != 0x80);
		if (!ok) {
			fprintf(stderr, "address: bad span %zu..%zu label %d of %zu bytes\n",
			        sp->start, sp->end, sp->label, size);
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct enclave_pii_spans spans = { 0 };
	const char *text = (const char *)data;

	if (pii_address_scan(NULL, text, size, &spans) != 0) {
		fprintf(stderr, "address: scan failed\n");
		abort();
	}
	address_fuzz_check(text, size, &spans);
	enclave_pii_spans_resolve(&spans);
	address_fuzz_check(text, size, &spans);
	enclave_pii_spans_free(&spans);
	return 0;
}
