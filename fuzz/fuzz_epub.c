/*
 * Fuzz target: the EPUB parser (epub.c: libarchive, libxml2 and the HTML
 * parser) alone, without sniffing, with a context of its own so that the
 * decompression budget holds. See fuzz.h for what is checked.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct extract_ctx ctx;
	struct enclave_doc *doc = NULL;
	int rc;

	extract_ctx_init(&ctx, NULL, NULL);
	FUZZ_CHECK(doc_new(&doc, "epub") == 0, "doc_new failed: %s", enclave_error_last());
	doc->ctx = &ctx;
	enclave_error_clear();
	(void)epub_kind(data, size);
	rc = ingest_epub(doc, data, size);
	fuzz_check_error(rc, 0);
	doc->ctx = NULL;
	if (rc == 0)
		fuzz_check_doc(doc);
	enclave_doc_free(doc);
	enclave_error_clear();
	return 0;
}
