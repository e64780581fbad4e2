/*
 * Quiet libxml2 parsing: see xml_int.h.
 */
#include <libxml/parser.h>
#include <pthread.h>
#include <string.h>

#include "xml_int.h"
#include "../common_int.h"

/* The only static state here, and it never changes after the first parse. */
static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

/* libxml2's one-time initialisation (through pthread_once). */
static void xml_init(void)
{
	xmlInitParser();
}

/* The structured handler during a parse: record, never print. */
static void on_error(void *payload, xmlErrorPtr err)
{
	struct xml_quiet *q = payload;

	if (!q || !err)
		return;
	if (err->message && strstr(err->message, "Excessive depth"))
		q->too_deep = 1;
	else if (err->message && strstr(err->message, "huge text node"))
		q->huge_text = 1;
	else if (err->code == XML_ERR_NO_MEMORY)
		q->no_memory = 1;
}

/* The generic handler during a parse: print nothing. */
static void on_generic_error(void *payload, const char *msg, ...)
{
	(void)payload, (void)msg;
}

void xml_quiet_begin(struct xml_quiet *q)
{
	memset(q, 0, sizeof(*q));
	pthread_once(&xml_once, xml_init);
	q->old_generic = xmlGenericError;
	q->old_generic_ctx = xmlGenericErrorContext;
	q->old_structured = xmlStructuredError;
	q->old_structured_ctx = xmlStructuredErrorContext;
	xmlSetGenericErrorFunc(NULL, on_generic_error);
	xmlSetStructuredErrorFunc(q, on_error);
}

void xml_quiet_end(struct xml_quiet *q)
{
	xmlSetGenericErrorFunc(q->old_generic_ctx, q->old_generic);
	xmlSetStructuredErrorFunc(q->old_structured_ctx, q->old_structured);
}
