/*
 * Enclave: PII/PHI detection and redaction (the clean stage's pii/ folder).
 *
 * A scanner finds spans of personal data in UTF-8 text: rule recognisers
 * with validators (checksums, ranges, context words) and a sequence tagger
 * (NER) for names, organisations and places. A redactor rewrites the text
 * with one operator per label (tag, mask, remove, hash, encrypt,
 * pseudonym). Neither needs a project; the project-wide `clean --pii`
 * stores the spans and a redacted text layer per document.
 *
 * Offsets in this API are byte offsets into the UTF-8 text passed in; the
 * front ends convert them to code points (DESIGN.md: what users see).
 */
#ifndef ENCLAVE_PII_H
#define ENCLAVE_PII_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Labels; the names (enclave_pii_label_name) follow Presidio's where it has one. */
enum enclave_pii_label {
	ENCLAVE_PII_PERSON,
	ENCLAVE_PII_ORGANIZATION,
	ENCLAVE_PII_LOCATION, /* cities, places, facilities (Presidio: LOCATION/GPE) */
	ENCLAVE_PII_STREET_ADDRESS,
	ENCLAVE_PII_ZIP_CODE,
	ENCLAVE_PII_EMAIL_ADDRESS,
	ENCLAVE_PII_PHONE_NUMBER,
	ENCLAVE_PII_US_SSN,
	ENCLAVE_PII_US_ITIN,
	ENCLAVE_PII_CREDIT_CARD,
	ENCLAVE_PII_IBAN_CODE,
	ENCLAVE_PII_SWIFT_CODE,
	ENCLAVE_PII_ABA_ROUTING,
	ENCLAVE_PII_US_BANK_NUMBER,
	ENCLAVE_PII_IP_ADDRESS,
	ENCLAVE_PII_MAC_ADDRESS,
	ENCLAVE_PII_URL,
	ENCLAVE_PII_DOMAIN_NAME,
	ENCLAVE_PII_DATE_TIME,
	ENCLAVE_PII_AGE,
	ENCLAVE_PII_US_PASSPORT,
	ENCLAVE_PII_US_DRIVER_LICENSE,
	ENCLAVE_PII_MEDICAL_RECORD,
	ENCLAVE_PII_ACCOUNT_NUMBER,
	ENCLAVE_PII_HEALTH_PLAN,
	ENCLAVE_PII_UK_NHS,
	ENCLAVE_PII_UK_NINO,
	ENCLAVE_PII_GPS,
	ENCLAVE_PII_VIN,
	ENCLAVE_PII_SERIAL_NUMBER,
	ENCLAVE_PII_CRYPTO,
	ENCLAVE_PII_SECRET,
	ENCLAVE_PII_LABEL_COUNT
};

/* "PERSON", "EMAIL_ADDRESS", ...; NULL for an unknown value. */
const char *enclave_pii_label_name(int label);

/* The label named `name` (case-insensitive), or -1. */
int enclave_pii_label_parse(const char *name);

/* A set of labels: bit (1 << label). */
typedef uint64_t enclave_pii_labels;
#define ENCLAVE_PII_ALL ((((enclave_pii_labels)1) << ENCLAVE_PII_LABEL_COUNT) - 1)

/*
 * The labels of a preset: "hipaa" (Safe Harbor's 18 identifiers), "gdpr"
 * (personal data), "pci" (cardholder data), "all". Returns 0 or
 * ENCLAVE_EINVALID for an unknown name.
 */
int enclave_pii_preset(const char *name, enclave_pii_labels *out);

struct enclave_pii_span {
	size_t start, end;  /* byte offsets, end exclusive */
	int label;          /* enum enclave_pii_label */
	float score;        /* 0..1 */
	const char *source; /* static string naming the recogniser: "rule:EMAIL", "model:ner" */
};

/* A growable list of spans; zero-initialise, free with enclave_pii_spans_free. */
struct enclave_pii_spans {
	struct enclave_pii_span *v;
	size_t n, cap;
};

/* Append one span. Returns 0 or ENCLAVE_ENOMEM. */
int enclave_pii_spans_push(struct enclave_pii_spans *s, const struct enclave_pii_span *span);

/* Release the list's memory and zero it. */
void enclave_pii_spans_free(struct enclave_pii_spans *s);

/* Sort by start, longer first; then drop overlaps, keeping the higher score. */
void enclave_pii_spans_resolve(struct enclave_pii_spans *s);

#ifdef __cplusplus
}
#endif
#endif
