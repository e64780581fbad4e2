/*
 * The clinical PHI recogniser (clinical.c): names, facilities, pagers and
 * ages over 89 in clinical notes, found from the words around them, for
 * what the rule recognisers and the NER tagger miss in upper-case,
 * abbreviation-heavy notes ("DR KLEIN AWARE", "wife HELEN", "TO GH",
 * "Pager #12345"). It is one of the scanner's extra recognisers: its entry
 * point has the pii_extra_fn shape.
 */
#ifndef ENCLAVE_PII_CLINICAL_INT_H
#define ENCLAVE_PII_CLINICAL_INT_H

#include <stddef.h>

#include "enclave/pii.h"

/* The gazetteers the recogniser can ask about (the NER model's, when loaded). */
enum pii_clinical_gaz {
	PII_CLINICAL_GAZ_FIRST_NAME,
	PII_CLINICAL_GAZ_SURNAME,
	PII_CLINICAL_GAZ_CITY,
	PII_CLINICAL_GAZ_US_STATE,
};

/*
 * What the recogniser is given: an optional gazetteer lookup. `has` answers
 * whether [word, word+len) (any case) is in gazetteer `kind`: 1 or 0. With
 * `has` NULL the recogniser relies on context and its word lists alone.
 */
struct pii_clinical_ctx {
	int (*has)(const void *payload, enum pii_clinical_gaz kind, const char *word, size_t len);
	const void *payload;
};

/*
 * Append the PHI spans found in the UTF-8 text [text, text+len) to `out`:
 * PERSON, LOCATION, PHONE_NUMBER and AGE, byte offsets, sources
 * "rule:clinical_name", "rule:clinical_facility", "rule:clinical_place",
 * "rule:clinical_pager", "rule:clinical_age". `ctx` is a struct
 * pii_clinical_ctx or NULL. Overlaps with other recognisers are left to
 * enclave_pii_spans_resolve. Returns 0, or ENCLAVE_ENOMEM (the spans
 * appended so far stay in `out`).
 */
int pii_clinical_scan(const void *ctx, const char *text, size_t len, struct enclave_pii_spans *out);

/*
 * Check the built-in word lists: sorted, lower case, shorter than the
 * longest word looked up (they are searched by bisection). Returns 0, or
 * the 1-based number of the first bad list. For the unit tests.
 */
int pii_clinical_check_lists(void);

#endif
