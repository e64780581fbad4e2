/*
 * Fuzz target: the RTF tokenizer and parser (rtf.c) alone, without
 * sniffing. See fuzz.h for what is checked.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_parse("rtf", ingest_rtf, data, size);
	return 0;
}
