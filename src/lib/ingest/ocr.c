/* Images through OCR: placeholder until the reader lands. */
#include "ingest_int.h"

const char *image_kind(const unsigned char *data, size_t len)
{
	(void)data, (void)len;
	return NULL;
}

int ingest_image(struct enclave_doc *doc, const unsigned char *data, size_t len,
                 const struct enclave_extract_options *opts)
{
	(void)doc, (void)data, (void)len, (void)opts;
	return error_set(ENCLAVE_EUNSUPPORTED, "image support not built");
}
