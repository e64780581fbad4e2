/*
 * RTF: text, paragraphs, tables and code pages of Rich Text Format.
 * Placeholder: recognised by rtf_kind(), not yet read.
 */
#include <string.h>

#include "ingest_int.h"

const char *rtf_kind(const unsigned char *data, size_t len)
{
	return len >= 5 && !memcmp(data, "{\\rtf", 5) ? "rtf" : NULL;
}

int ingest_rtf(struct enclave_doc *doc, const unsigned char *data, size_t len)
{
	(void)doc, (void)data, (void)len;
	return error_set(ENCLAVE_EUNSUPPORTED, "unsupported: RTF (not yet read)");
}
