/*
 * Span lists and label names: what every recogniser, the tagger and the
 * redactor share.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../common_int.h"
#include "enclave/pii.h"

static const char *const label_names[ENCLAVE_PII_LABEL_COUNT] = {
	[ENCLAVE_PII_PERSON] = "PERSON",
	[ENCLAVE_PII_ORGANIZATION] = "ORGANIZATION",
	[ENCLAVE_PII_LOCATION] = "LOCATION",
	[ENCLAVE_PII_STREET_ADDRESS] = "STREET_ADDRESS",
	[ENCLAVE_PII_ZIP_CODE] = "ZIP_CODE",
	[ENCLAVE_PII_EMAIL_ADDRESS] = "EMAIL_ADDRESS",
	[ENCLAVE_PII_PHONE_NUMBER] = "PHONE_NUMBER",
	[ENCLAVE_PII_US_SSN] = "US_SSN",
	[ENCLAVE_PII_US_ITIN] = "US_ITIN",
	[ENCLAVE_PII_CREDIT_CARD] = "CREDIT_CARD",
	[ENCLAVE_PII_IBAN_CODE] = "IBAN_CODE",
	[ENCLAVE_PII_SWIFT_CODE] = "SWIFT_CODE",
	[ENCLAVE_PII_ABA_ROUTING] = "ABA_ROUTING",
	[ENCLAVE_PII_US_BANK_NUMBER] = "US_BANK_NUMBER",
	[ENCLAVE_PII_IP_ADDRESS] = "IP_ADDRESS",
	[ENCLAVE_PII_MAC_ADDRESS] = "MAC_ADDRESS",
	[ENCLAVE_PII_URL] = "URL",
	[ENCLAVE_PII_DOMAIN_NAME] = "DOMAIN_NAME",
	[ENCLAVE_PII_DATE_TIME] = "DATE_TIME",
	[ENCLAVE_PII_AGE] = "AGE",
	[ENCLAVE_PII_US_PASSPORT] = "US_PASSPORT",
	[ENCLAVE_PII_US_DRIVER_LICENSE] = "US_DRIVER_LICENSE",
	[ENCLAVE_PII_MEDICAL_RECORD] = "MEDICAL_RECORD",
	[ENCLAVE_PII_ACCOUNT_NUMBER] = "ACCOUNT_NUMBER",
	[ENCLAVE_PII_HEALTH_PLAN] = "HEALTH_PLAN",
	[ENCLAVE_PII_UK_NHS] = "UK_NHS",
	[ENCLAVE_PII_UK_NINO] = "UK_NINO",
	[ENCLAVE_PII_GPS] = "GPS_COORDINATES",
	[ENCLAVE_PII_VIN] = "VIN",
	[ENCLAVE_PII_SERIAL_NUMBER] = "SERIAL_NUMBER",
	[ENCLAVE_PII_CRYPTO] = "CRYPTO",
	[ENCLAVE_PII_SECRET] = "SECRET",
};

const char *enclave_pii_label_name(int label)
{
	if (label < 0 || label >= ENCLAVE_PII_LABEL_COUNT)
		return NULL;
	return label_names[label];
}

int enclave_pii_label_parse(const char *name)
{
	for (int i = 0; i < ENCLAVE_PII_LABEL_COUNT; i++)
		if (strcasecmp(name, label_names[i]) == 0)
			return i;
	return -1;
}

int enclave_pii_spans_push(struct enclave_pii_spans *s, const struct enclave_pii_span *span)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct enclave_pii_span *v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return error_oom();
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = *span;
	return 0;
}

void enclave_pii_spans_free(struct enclave_pii_spans *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int by_start(const void *a, const void *b)
{
	const struct enclave_pii_span *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)
		return x->end > y->end ? -1 : 1;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->label - y->label;
}

void enclave_pii_spans_resolve(struct enclave_pii_spans *s)
{
	if (s->n < 2)
		return;
	qsort(s->v, s->n, sizeof(s->v[0]), by_start);
	size_t out = 0;
	for (size_t i = 0; i < s->n; i++) {
		struct enclave_pii_span *cur = &s->v[i];
		if (out > 0 && cur->start < s->v[out - 1].end) {
			struct enclave_pii_span *kept = &s->v[out - 1];
			if (cur->label == kept->label) {
				/*
				 * Two findings of one label ("MILFORD" and "MILFORD
				 * MILL"): one span over both, the better score and its
				 * recogniser.
				 */
				if (cur->end > kept->end)
					kept->end = cur->end;
				if (cur->score > kept->score) {
					kept->score = cur->score;
					kept->source = cur->source;
				}
			} else if (cur->score > kept->score) {
				/* Different labels: the kept span yields only to a strictly better score. */
				*kept = *cur;
			}
			continue;
		}
		s->v[out++] = *cur;
	}
	s->n = out;
}
