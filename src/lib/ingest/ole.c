/*
 * OLE compound files through libgsf: Outlook MSG, Word DOC, Excel XLS,
 * PowerPoint PPT, where their text can be reached.
 * Placeholder: recognised by ole_kind(), not yet parsed.
 */
#include <string.h>

#include "ingest_int.h"

const char *ole_kind(const unsigned char *data, size_t len)
{
	static const unsigned char magic[8] = { 0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1 };

	return len >= 512 && !memcmp(data, magic, 8) ? "ole" : NULL;
}

int ingest_ole(struct enclave_doc *doc, const char *kind, const unsigned char *data, size_t len)
{
	(void)doc, (void)data, (void)len;
	return error_set(ENCLAVE_EUNSUPPORTED, "unsupported: OLE compound file (%s)", kind);
}
