/* PDF through MuPDF: placeholder until the parser lands. */
#include "ingest_int.h"

int ingest_pdf(struct enclave_doc *doc, const unsigned char *data, size_t len,
               const struct enclave_extract_options *opts)
{
	(void)doc, (void)data, (void)len, (void)opts;
	return error_set(ENCLAVE_EUNSUPPORTED, "pdf support not built");
}
