/*
 * Fuzz target: the archive reader (archive.c, libarchive) alone, as the kind
 * archive_kind() recognises (ZIP when it recognises none), with a context of
 * its own so that the decompression, children and time budgets hold. The
 * members are not extracted further. See fuzz.h for what is checked.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct extract_ctx ctx;
	struct enclave_doc *doc = NULL;
	const char *kind = archive_kind(data, size);
	int rc;

	extract_ctx_init(&ctx, NULL, NULL);
	FUZZ_CHECK(doc_new(&doc, "zip") == 0, "doc_new failed: %s", enclave_error_last());
	doc->ctx = &ctx;
	doc->name = "fuzz-input.gz";
	enclave_error_clear();
	rc = ingest_archive(doc, kind ? kind : "zip", data, size);
	fuzz_check_error(rc, 0);
	if (rc == 0) {
		size_t i;
		FUZZ_CHECK(doc->nchildren > 0, "an archive read without members");
		for (i = 0; i < doc->nchildren; i++)
			FUZZ_CHECK(
			    doc->children[i].name &&
			        utf8_valid(doc->children[i].name, strlen(doc->children[i].name)),
			    "child %zu: name not valid UTF-8", i);
		/* The rendering checks count blocks only: check without the children. */
		doc->ctx = NULL;
		i = doc->nchildren;
		doc->nchildren = 0;
		fuzz_check_doc(doc);
		doc->nchildren = i;
	}
	enclave_doc_free(doc);
	enclave_error_clear();
	return 0;
}
