/*
 * Archives through libarchive: ZIP, TAR, gzip, bzip2, xz, 7z; every member a
 * child document, extracted recursively by extract.c.
 * Placeholder: recognised by archive_kind(), not yet read.
 */
#include <string.h>

#include "ingest_int.h"

const char *archive_kind(const unsigned char *data, size_t len)
{
	if (len >= 4 && !memcmp(data, "PK", 2) &&
	    (!memcmp(data + 2, "\x03\x04", 2) || !memcmp(data + 2, "\x05\x06", 2)))
		return "zip";
	if (len >= 262 && !memcmp(data + 257, "ustar", 5))
		return "tar";
	if (len >= 3 && data[0] == 0x1f && data[1] == 0x8b && data[2] == 8)
		return "gzip";
	if (len >= 4 && !memcmp(data, "BZh", 3) && data[3] >= '1' && data[3] <= '9')
		return "bzip2";
	if (len >= 6 && !memcmp(data,
	                        "\xfd"
	                        "7zXZ\0",
	                        6))
		return "xz";
	if (len >= 6 && !memcmp(data, "7z\xbc\xaf\x27\x1c", 6))
		return "7z";
	return NULL;
}

int ingest_archive(struct enclave_doc *doc, const char *kind, const unsigned char *data, size_t len)
{
	(void)doc, (void)data, (void)len;
	return error_set(ENCLAVE_EUNSUPPORTED, "unsupported: %s archive (not yet read)", kind);
}
