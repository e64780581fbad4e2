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

static int by_label_start(const void *a, const void *b)
{
	const struct enclave_pii_span *x = a, *y = b;
	if (x->label != y->label)
		return x->label - y->label;
	return by_start(a, b);
}

/* The order in which overlapping spans of different labels claim text: better score first, then longer, then earlier. */
static int by_priority(const void *a, const void *b)
{
	const struct enclave_pii_span *x = a, *y = b;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->end - x->start != y->end - y->start)
		return x->end - x->start > y->end - y->start ? -1 : 1;
	return by_start(a, b);
}

/* Overlapping spans of one label become one span over both, with the better score and its recogniser. */
static void union_same_label(struct enclave_pii_spans *s)
{
	size_t out = 0;

	qsort(s->v, s->n, sizeof(s->v[0]), by_label_start);
	for (size_t i = 0; i < s->n; i++) {
		struct enclave_pii_span *cur = &s->v[i], *kept = out ? &s->v[out - 1] : NULL;

		if (kept && kept->label == cur->label && cur->start < kept->end) {
			if (cur->end > kept->end)
				kept->end = cur->end;
			if (cur->score > kept->score) {
				kept->score = cur->score;
				kept->source = cur->source;
			}
			continue;
		}
		s->v[out++] = *cur;
	}
	s->n = out;
}

/* Add [sp->start, sp->end) to `claimed`: disjoint intervals sorted by start, touching ones merged. */
static int claim(struct enclave_pii_spans *claimed, const struct enclave_pii_span *sp)
{
	size_t k = 0, w = 0;
	int error;

	while (k < claimed->n && claimed->v[k].start < sp->start)
		k++;
	if ((error = enclave_pii_spans_push(claimed, sp)) < 0)
		return error;
	memmove(&claimed->v[k + 1], &claimed->v[k], (claimed->n - 1 - k) * sizeof(claimed->v[0]));
	claimed->v[k] = *sp;
	for (size_t r = 0; r < claimed->n; r++) {
		if (w > 0 && claimed->v[r].start <= claimed->v[w - 1].end) {
			if (claimed->v[r].end > claimed->v[w - 1].end)
				claimed->v[w - 1].end = claimed->v[r].end;
			continue;
		}
		claimed->v[w++] = claimed->v[r];
	}
	claimed->n = w;
	return 0;
}

/*
 * One cluster of overlapping spans of different labels, v[0..n): each span,
 * in priority order, keeps the characters no better span has claimed, as
 * one piece or several, appended to `out`; so the better span stands whole
 * and no character any span found is left in clear. `claimed` is scratch.
 */
static int paint(const struct enclave_pii_span *v, size_t n, struct enclave_pii_spans *out,
                 struct enclave_pii_spans *claimed)
{
	struct enclave_pii_span *order = malloc(n * sizeof(*order));
	int error = 0;

	if (!order)
		return error_oom();
	memcpy(order, v, n * sizeof(*order));
	qsort(order, n, sizeof(*order), by_priority);
	claimed->n = 0;
	for (size_t i = 0; i < n && error == 0; i++) {
		const struct enclave_pii_span *sp = &order[i];
		struct enclave_pii_span piece = *sp;
		size_t cursor = sp->start;

		for (size_t k = 0; k < claimed->n && error == 0; k++) {
			const struct enclave_pii_span *c = &claimed->v[k];
			if (c->end <= cursor)
				continue;
			if (c->start >= sp->end)
				break;
			if (c->start > cursor) {
				piece.start = cursor;
				piece.end = c->start;
				error = enclave_pii_spans_push(out, &piece);
			}
			cursor = c->end;
		}
		if (error == 0 && cursor < sp->end) {
			piece.start = cursor;
			piece.end = sp->end;
			error = enclave_pii_spans_push(out, &piece);
		}
		if (error == 0)
			error = claim(claimed, sp);
	}
	free(order);
	return error;
}

int enclave_pii_spans_resolve(struct enclave_pii_spans *s)
{
	struct enclave_pii_spans out = { 0 }, placed = { 0 };
	int error = 0;

	if (s->n < 2)
		return 0;
	union_same_label(s);
	qsort(s->v, s->n, sizeof(s->v[0]), by_start);
	for (size_t i = 0, j; i < s->n && error == 0; i = j) {
		size_t end = s->v[i].end;

		for (j = i + 1; j < s->n && s->v[j].start < end; j++)
			if (s->v[j].end > end)
				end = s->v[j].end;
		if (j - i == 1)
			error = enclave_pii_spans_push(&out, &s->v[i]);
		else
			error = paint(&s->v[i], j - i, &out, &placed);
	}
	enclave_pii_spans_free(&placed);
	if (error < 0) {
		enclave_pii_spans_free(&out);
		return error;
	}
	qsort(out.v, out.n, sizeof(out.v[0]), by_start);
	free(s->v);
	*s = out;
	return 0;
}
