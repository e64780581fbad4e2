/*
 * The scanner's recognisers that are not rules: the NER tagger (PERSON,
 * ORGANIZATION, LOCATION from the shipped, hash-checked model) and the
 * clinical-note heuristics (names by title and relation, facilities,
 * pagers, ages over 89), which ask the tagger's gazetteers when a model is
 * given. Both plug into the scanner as extra recognisers (pii_int.h), so
 * their spans go through the same label filter, context scoring and
 * overlap resolution as the rule spans.
 */
#include <stdlib.h>

#include "../../common_int.h"
#include "clinical_int.h"
#include "enclave/ner.h"
#include "ner_int.h"
#include "pii_int.h"

/* The clinical recogniser's context: the gazetteer callback and the model it asks. */
struct enclave_pii_clinical {
	struct pii_clinical_ctx ctx;
};

static int tag_extra(const void *ctx, const char *text, size_t len, struct enclave_pii_spans *out)
{
	size_t first = out->n;
	int error = ner_tag(ctx, text, len, out);

	if (error >= 0)
		error = ner_pii_postpass(ctx, text, len, out, first);
	return error < 0 ? error : pii_address_scan(NULL, text, len, out);
}

int enclave_pii_scanner_add_ner(enclave_pii_scanner *s, const enclave_ner_model *m, float min_score)
{
	if (!s || !m)
		return error_set(ENCLAVE_EINVALID, "pii: no scanner or no model");
	return pii_scanner_add_extra(s, tag_extra, m, min_score);
}

/* The clinical recogniser's gazetteer kinds are a subset of the tagger's. */
static int gazetteer_has(const void *payload, enum pii_clinical_gaz kind, const char *word,
                         size_t len)
{
	static const enum ner_gaz map[] = {
		[PII_CLINICAL_GAZ_FIRST_NAME] = NER_GAZ_FIRST_NAME,
		[PII_CLINICAL_GAZ_SURNAME] = NER_GAZ_SURNAME,
		[PII_CLINICAL_GAZ_CITY] = NER_GAZ_CITY,
		[PII_CLINICAL_GAZ_US_STATE] = NER_GAZ_US_STATE,
	};

	if ((size_t)kind >= sizeof(map) / sizeof(map[0]))
		return 0;
	return ner_gazetteer_has(payload, map[kind], word, len);
}

int enclave_pii_clinical_new(enclave_pii_clinical **out, const enclave_ner_model *m)
{
	enclave_pii_clinical *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (!c)
		return error_oom();
	if (m) {
		c->ctx.has = gazetteer_has;
		c->ctx.payload = m;
	}
	*out = c;
	return 0;
}

void enclave_pii_clinical_free(enclave_pii_clinical *c)
{
	free(c);
}

int enclave_pii_scanner_add_clinical(enclave_pii_scanner *s, const enclave_pii_clinical *c)
{
	if (!s || !c)
		return error_set(ENCLAVE_EINVALID, "pii: no scanner or no clinical recogniser");
	return pii_scanner_add_extra(s, pii_clinical_scan, c->ctx.has ? &c->ctx : NULL, 0);
}
