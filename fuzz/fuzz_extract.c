/*
 * Fuzz target: enclave_extract_buffer() on arbitrary bytes, the public way
 * in: type sniffing (libmagic for what we reject), then whichever parser the
 * sniffing picks. See fuzz.h for what is checked; in addition a successful
 * extraction holds at least one block or child and names its media type.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enclave_doc *doc = NULL;
	int rc;

	enclave_error_clear();
	rc = enclave_extract_buffer(&doc, data, size, "fuzz-input", NULL);
	fuzz_check_error(rc, 1);
	if (rc == 0) {
		FUZZ_CHECK(doc != NULL, "success without a document");
		FUZZ_CHECK(doc->nblocks > 0 || doc->nchildren > 0,
		           "success with neither blocks nor children");
		FUZZ_CHECK(json_is_string(json_object_get(doc->metadata, "media_type")),
		           "no media_type in the metadata");
		fuzz_check_doc(doc);
		enclave_doc_free(doc);
	} else {
		FUZZ_CHECK(doc == NULL, "failure with a document");
	}
	enclave_error_clear();
	return 0;
}
