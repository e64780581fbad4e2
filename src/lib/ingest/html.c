/* HTML through libxml2: placeholder until the parser lands. */
#include "ingest_int.h"

int ingest_html(struct enclave_doc *doc, const unsigned char *data, size_t len)
{
	(void)doc, (void)data, (void)len;
	return error_set(ENCLAVE_EUNSUPPORTED, "html support not built");
}
