/*
 * EPUB: the OPF spine's XHTML chapters in order, through libarchive and the
 * HTML parser. Placeholder: recognised by epub_kind(), not yet read.
 */
#include <string.h>

#include "ingest_int.h"

const char *epub_kind(const unsigned char *data, size_t len)
{
	/* OCF: the first member is "mimetype", stored, holding the media type. */
	return len >= 58 && !memcmp(data, "PK\x03\x04", 4) &&
	               memmem(data + 30, len < 128 ? len - 30 : 98, "mimetypeapplication/epub+zip",
	                      28)
	           ? "epub"
	           : NULL;
}

int ingest_epub(struct enclave_doc *doc, const unsigned char *data, size_t len)
{
	(void)doc, (void)data, (void)len;
	return error_set(ENCLAVE_EUNSUPPORTED, "unsupported: EPUB (not yet read)");
}
