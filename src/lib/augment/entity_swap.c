/*
 * entity-swap: a document with every entity replaced by a surrogate of the
 * same type, to multiply NER training data.
 *
 * The surrogates are the PII stage's pseudonyms (surrogate.c: same kind and
 * format, names from the name lists, valid card numbers...), under keys
 * derived from (seed, variant) instead of the project's secret: variant v
 * of every document uses one key, so a value recurring in it (or across
 * documents) gets one surrogate, and another variant gets other ones. The
 * project's pseudonym key is never used, so a swapped text says nothing
 * about the redacted layer.
 *
 * Labels: the PII label names, and the usual NER names (PER, ORG, LOC, GPE,
 * FAC, DATE, TIME, ...) mapped to them. A value with no pseudonym, or
 * whose pseudonym is itself (a time of day, a year alone, a month the date
 * shift kept), is redrawn (surrogate_redraw: its digits, a time's fields
 * in range, a month's name), so that no value of the source survives into
 * the record; export refuses records that quote redacted text. An entity
 * of another label, or with nothing to redraw, is kept as it is; its span
 * is still carried, at its new offsets.
 */
#include <string.h>
#include <strings.h>

#include "augment_int.h"
#include "../clean/pii/redact_int.h"
#include "../crypto/crypto_int.h"
#include "../../util/utf8.h"

static const struct {
	const char *name;
	int label;
} aliases[] = {
	{ "PER", ENCLAVE_PII_PERSON },
	{ "NAME", ENCLAVE_PII_PERSON },
	{ "ORG", ENCLAVE_PII_ORGANIZATION },
	{ "COMPANY", ENCLAVE_PII_ORGANIZATION },
	{ "LOC", ENCLAVE_PII_LOCATION },
	{ "GPE", ENCLAVE_PII_LOCATION },
	{ "FAC", ENCLAVE_PII_LOCATION },
	{ "CITY", ENCLAVE_PII_LOCATION },
	{ "DATE", ENCLAVE_PII_DATE_TIME },
	{ "TIME", ENCLAVE_PII_DATE_TIME },
	{ "EMAIL", ENCLAVE_PII_EMAIL_ADDRESS },
	{ "PHONE", ENCLAVE_PII_PHONE_NUMBER },
	{ "ADDRESS", ENCLAVE_PII_STREET_ADDRESS },
	{ "SSN", ENCLAVE_PII_US_SSN },
	{ "IBAN", ENCLAVE_PII_IBAN_CODE },
	{ "CARD", ENCLAVE_PII_CREDIT_CARD },
};

/* The PII label of an entity label, or -1. */
static int label_of(const char *name)
{
	int l = enclave_pii_label_parse(name);

	if (l >= 0)
		return l;
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (!strcasecmp(aliases[i].name, name))
			return aliases[i].label;
	return -1;
}

/* The pseudonym keys of variant v of `seed`. */
static int variant_keys(struct redact_keys *k, uint64_t seed, int64_t v)
{
	unsigned char secret[32];
	char text[96], hex[65];
	int error;

	snprintf(text, sizeof(text), "enclave-augment/entity-swap/1|%llu|%lld",
	         (unsigned long long)seed, (long long)v);
	if ((error = sha256_hex(hex, text, strlen(text))) < 0)
		return error;
	if (hex_decode(secret, sizeof(secret), hex) < 0)
		return error_set(ENCLAVE_ERROR, "entity-swap: cannot derive the keys");
	error = redact_keys_derive(k, secret);
	secure_zero(secret, sizeof(secret));
	return error;
}

int aug_entity_swap(struct aug_item *out, const char *text, size_t len,
                    const struct aug_spans *spans, uint64_t seed, int64_t v)
{
	struct redact_keys k;
	size_t at = 0, cp = 0;
	int error, days;

	if ((error = variant_keys(&k, seed, v)) < 0)
		return error;
	days = dateshift_offset(k.date, "");
	for (size_t i = 0; i < spans->n; i++) {
		const struct aug_span *s = &spans->v[i];
		int label = label_of(s->label), rc = 1;
		size_t mark, start;

		if ((error = buf_put(&out->text, text + at, s->bstart - at)) < 0)
			goto oom;
		cp += utf8_count(text + at, s->bstart - at);
		start = cp;
		mark = out->text.len;
		if (label >= 0 && (rc = surrogate_write(&out->text, &k, label, text + s->bstart,
		                                        s->bend - s->bstart, days)) < 0) {
			error = rc;
			goto oom;
		}
		if (label >= 0 && (rc == 1 || (out->text.len - mark == s->bend - s->bstart &&
		                               !memcmp(out->text.ptr + mark, text + s->bstart,
		                                       s->bend - s->bstart)))) {
			/* No pseudonym for it, or one equal to it (a time, a year, a
			 * month the shift kept): its digits (and for other labels its
			 * letters) redrawn, so that no value of the source survives. */
			buf_truncate(&out->text, mark);
			if ((rc = surrogate_redraw(&out->text, &k, label, text + s->bstart,
			                           s->bend - s->bstart)) < 0) {
				error = rc;
				goto oom;
			}
		}
		if (rc == 1 || out->text.len == mark) {
			/* Nothing to redraw (or a label with no pseudonym): the original stays. */
			buf_truncate(&out->text, mark);
			if ((error = buf_put(&out->text, text + s->bstart, s->bend - s->bstart)) <
			    0)
				goto oom;
		}
		cp += utf8_count(out->text.ptr + mark, out->text.len - mark);
		if ((error = aug_spans_push(&out->spans, start, cp, s->label)) < 0)
			goto done;
		at = s->bend;
	}
	if ((error = buf_put(&out->text, text + at, len - at)) < 0)
		goto oom;
	error = 0;
	goto done;
oom:
	error = error_buf(error, "entity-swap text");
done:
	secure_zero(&k, sizeof(k));
	return error;
}
