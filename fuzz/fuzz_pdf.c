/*
 * Fuzz target: the PDF parser alone (MuPDF and our reading of its text
 * layer), without sniffing. See fuzz.h for what is checked.
 *
 * An input that fails as encrypted is tried again with the password "fuzz",
 * which the encrypted seeds of corpus/fuzz_pdf use, so that decryption and
 * the text of encrypted files are fuzzed too.
 *
 * MuPDF is a prebuilt static library without coverage instrumentation:
 * libFuzzer is guided by our code's edges only, and ASan sees MuPDF's memory
 * errors only where they pass through intercepted calls (memcpy, free...).
 */
#include "fuzz.h"

/* The password of the encrypted seeds. */
#define PDF_FUZZ_PASSWORD "fuzz"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parse `data` with `password` (may be NULL); check; return the parser's code. */
static int pdf_fuzz_once(const uint8_t *data, size_t size, const char *password)
{
	struct enclave_extract_options opts = ENCLAVE_EXTRACT_OPTIONS_INIT;
	struct enclave_doc *doc = NULL;
	int rc;

	opts.password = password;
	FUZZ_CHECK(doc_new(&doc, "pdf") == 0, "doc_new failed: %s", enclave_error_last());
	enclave_error_clear();
	rc = ingest_pdf(doc, data, size, &opts);
	fuzz_check_error(rc, 1);
	if (rc == 0)
		fuzz_check_doc(doc);
	enclave_doc_free(doc);
	enclave_error_clear();
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (pdf_fuzz_once(data, size, NULL) == ENCLAVE_EENCRYPTED)
		pdf_fuzz_once(data, size, PDF_FUZZ_PASSWORD);
	return 0;
}
