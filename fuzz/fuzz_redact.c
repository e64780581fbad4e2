/*
 * Fuzz target: the redactor's parsers of hostile text. The input is read
 * (1) by enclave_reveal, which parses "[[enc:...]]" tokens out of text, and
 * (2) when it is valid UTF-8, as one value of every label under the
 * pseudonym operator (the date, phone, card, e-mail, address and name
 * readers), and as a policy spec. Checked: the error contract (fuzz.h), a
 * revealed text never longer than its input, a redaction that stays valid
 * UTF-8 with its span inside the output.
 */
#include "fuzz.h"
#include "enclave/redact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char fuzz_redact_key[32] = { 7, 1, 2, 3 };

/* Redact the whole input as one value of each label with `spec`. */
static void fuzz_redact_all(const char *text, size_t size, const char *spec)
{
	struct enclave_redact_policy p;
	enclave_redactor *r = NULL;

	FUZZ_CHECK(enclave_redact_policy_parse(&p, spec) == 0, "policy: %s", enclave_error_last());
	FUZZ_CHECK(enclave_redactor_new(&r, &p, fuzz_redact_key) == 0, "redactor: %s",
	           enclave_error_last());
	for (int label = 0; label < ENCLAVE_PII_LABEL_COUNT; label++) {
		struct enclave_pii_spans s = { 0 };
		struct enclave_pii_span sp = { 0, size, label, 1.0f, "fuzz" };
		struct enclave_redacted out = { 0 };
		int rc;

		FUZZ_CHECK(enclave_pii_spans_push(&s, &sp) == 0, "push");
		rc = enclave_redact(&out, r, text, size, &s, "subject");
		fuzz_check_error(rc, 0);
		FUZZ_CHECK(rc == 0, "redact of a valid text failed: %s", enclave_error_last());
		FUZZ_CHECK(utf8_valid(out.text, out.len), "label %d: output not valid UTF-8",
		           label);
		FUZZ_CHECK(size == 0 || (out.nspans == 1 && out.spans[0].out_end <= out.len),
		           "label %d: span out of the output", label);
		enclave_redacted_release(&out);
		enclave_pii_spans_free(&s);
	}
	enclave_redactor_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	char *out = NULL;
	size_t len = 0, n = 0;
	int rc;

	enclave_error_clear();
	rc = enclave_reveal(&out, &len, &n, text, size, fuzz_redact_key);
	fuzz_check_error(rc, 0);
	FUZZ_CHECK(rc == 0 ? out && len <= size : !out, "reveal: %zu bytes from %zu", len, size);
	free(out);
	if (size <= 4096 && utf8_valid(text, size)) {
		fuzz_redact_all(text, size, "pseudonym");
		fuzz_redact_all(text, size, "*=encrypt");
		/* The input as a policy spec: parsed or refused, never more. */
		char *spec = strndup(text, size);
		struct enclave_redact_policy p;
		FUZZ_CHECK(spec != NULL, "strndup");
		rc = enclave_redact_policy_parse(&p, spec);
		fuzz_check_error(rc, 0);
		free(spec);
	}
	enclave_error_clear();
	return 0;
}
