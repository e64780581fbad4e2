/*
 * Fuzz target: the project config (enclave.yaml) parser, which reads a file
 * anyone who can write to the project folder controls. The input either
 * parses, giving settings inside their ranges (a known preset, a score in
 * [0, 1], a redaction policy the redactor's own parser accepts), or fails
 * with a message naming "enclave.yaml:LINE" (the error contract of fuzz.h).
 */
#include <math.h>

#include "fuzz.h"
#include "enclave/clean.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct enclave_clean_config c;
	int rc;

	enclave_error_clear();
	rc = enclave_clean_config_parse(&c, (const char *)data, size, "enclave.yaml");
	if (rc < 0) {
		fuzz_check_error(rc, 0);
		FUZZ_CHECK(strstr(enclave_error_last(), "enclave.yaml") != NULL,
		           "the error does not name the file: %s", enclave_error_last());
		return 0;
	}
	FUZZ_CHECK(rc == 0, "returned %d", rc);
	{
		enclave_pii_labels labels;
		FUZZ_CHECK(enclave_pii_preset(c.preset, &labels) == 0, "preset '%s' unknown",
		           c.preset);
	}
	FUZZ_CHECK(isfinite(c.min_score) && c.min_score >= 0 && c.min_score <= 1, "min_score %f",
	           c.min_score);
	FUZZ_CHECK(c.ner == 0 || c.ner == 1, "ner %d", c.ner);
	FUZZ_CHECK(c.clinical >= -1 && c.clinical <= 1, "clinical %d", c.clinical);
	if (c.redact) {
		struct enclave_redact_policy p;
		FUZZ_CHECK(enclave_redact_policy_parse(&p, c.redact) == 0,
		           "the policy '%s' it made does not parse: %s", c.redact,
		           enclave_error_last());
	}
	enclave_clean_config_release(&c);
	return 0;
}
