/*
 * Fuzz target: the plain-text parser alone (decoding of unknown encodings,
 * paragraphs, list items), without sniffing. See fuzz.h for what is checked.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_parse("text", ingest_text, data, size);
	return 0;
}
