/*
 * Fuzz target: the HTML parser alone (libxml2's HTML parser and our walk of
 * its tree), without sniffing. See fuzz.h for what is checked.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_parse("html", ingest_html, data, size);
	return 0;
}
