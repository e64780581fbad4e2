/*
 * Fuzz target: the e-mail parser alone (GMime's MIME parser and our walk of
 * the MIME tree), without sniffing: input starting "From " is read as an
 * MBOX, anything else as one EML message. Children are collected, not
 * extracted. See fuzz.h for what is checked.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ingest_email with the kind a mailbox's first line gives. */
static int fuzz_email_parse(struct enclave_doc *doc, const unsigned char *data, size_t size)
{
	return ingest_email(doc, size >= 5 && !memcmp(data, "From ", 5) ? "mbox" : "eml", data,
	                    size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_parse("eml", fuzz_email_parse, data, size);
	return 0;
}
