/*
 * Fuzz target: the OLE parser alone (libgsf's CFB reader and our readers of
 * Word, Excel, PowerPoint and Outlook streams), without sniffing: the kind
 * is found from the root entries as ingest_ole does. Children are
 * collected, not extracted. See fuzz.h for what is checked.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ingest_ole, which finds the kind itself. */
static int fuzz_ole_parse(struct enclave_doc *doc, const unsigned char *data, size_t size)
{
	return ingest_ole(doc, "ole", data, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_parse("ole", fuzz_ole_parse, data, size);
	return 0;
}
