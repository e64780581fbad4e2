/*
 * Fuzz target: the Markdown parser alone, without sniffing (so input that
 * does not look like Markdown still reaches it). See fuzz.h for what is
 * checked.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_parse("markdown", ingest_markdown, data, size);
	return 0;
}
