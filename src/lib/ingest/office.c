/* Office documents (OOXML, ODF): placeholder until the parser lands. */
#include "ingest_int.h"

const char *office_kind(const unsigned char *data, size_t len)
{
	(void)data, (void)len;
	return NULL;
}

int ingest_office(struct enclave_doc *doc, const char *kind, const unsigned char *data, size_t len)
{
	(void)doc, (void)data, (void)len;
	return error_set(ENCLAVE_EUNSUPPORTED, "%s support not built", kind);
}
