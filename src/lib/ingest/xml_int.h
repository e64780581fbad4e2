/*
 * Quiet libxml2 parsing, shared by the HTML and office parsers.
 *
 * libxml2 2.9 has no per-parser handler that catches every message: encoding
 * and I/O errors go to the generic and structured handlers, which are
 * per-thread globals that print by default. Around each parse, xml_quiet_begin
 * installs handlers that record what matters and print nothing, and
 * xml_quiet_end puts the caller's back. libxml2's one-time initialisation runs
 * once, under pthread_once, since ingest parses on several threads.
 */
#ifndef ENCLAVE_XML_INT_H
#define ENCLAVE_XML_INT_H

#include <libxml/xmlerror.h>

struct xml_quiet {
	int too_deep;  /* halted at its nesting limit (ENCLAVE_MAX_NESTING) */
	int huge_text; /* halted at a text node over its limit */
	int no_memory;
	xmlGenericErrorFunc old_generic;
	void *old_generic_ctx;
	xmlStructuredErrorFunc old_structured;
	void *old_structured_ctx;
};

/* Clear `q`, initialise libxml2 once, and install the recording handlers. */
void xml_quiet_begin(struct xml_quiet *q);

/* Restore the handlers saved by xml_quiet_begin; the flags stay readable. */
void xml_quiet_end(struct xml_quiet *q);

#endif
