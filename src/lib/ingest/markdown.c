/* Markdown: placeholder until the parser lands. */
#include "ingest_int.h"

int ingest_markdown(struct enclave_doc *doc, const unsigned char *data, size_t len)
{
	return ingest_text(doc, data, len);
}
