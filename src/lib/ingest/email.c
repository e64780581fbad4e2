/*
 * E-mail: EML (one RFC 5322 message) and MBOX (many), through GMime 3.
 * Placeholder: recognised by email_kind(), not yet parsed.
 */
#include <string.h>
#include <strings.h>

#include "ingest_int.h"

const char *email_kind(const unsigned char *data, size_t len)
{
	static const char *const fields[] = { "from:",
		                              "to:",
		                              "subject:",
		                              "date:",
		                              "received:",
		                              "message-id:",
		                              "mime-version:",
		                              "return-path:",
		                              "content-type:",
		                              "cc:",
		                              "reply-to:",
		                              "x-",
		                              NULL };
	const unsigned char *p = data, *end = data + (len < 65536 ? len : 65536);
	int known = 0, lines = 0;

	if (len >= 5 && !memcmp(data, "From ", 5))
		return "mbox";
	/* A header block: "Name: value" lines (or folded continuations) up to a blank line. */
	while (p < end && lines < 200) {
		const unsigned char *eol = memchr(p, '\n', (size_t)(end - p)), *c;
		size_t i;

		if (!eol)
			eol = end;
		if (p == eol || (*p == '\r' && p + 1 == eol))
			break;
		lines++;
		if (*p == ' ' || *p == '\t') {
			p = eol + 1;
			continue;
		}
		for (c = p; c<eol && * c> ' ' && *c < 127 && *c != ':'; c++)
			;
		if (c == p || c == eol || *c != ':')
			return NULL;
		for (i = 0; fields[i]; i++)
			if ((size_t)(c + 1 - p) >= strlen(fields[i]) &&
			    !strncasecmp((const char *)p, fields[i], strlen(fields[i])))
				known++;
		p = eol + 1;
	}
	return known >= 2 ? "eml" : NULL;
}

int ingest_email(struct enclave_doc *doc, const char *kind, const unsigned char *data, size_t len)
{
	(void)doc, (void)data, (void)len;
	return error_set(ENCLAVE_EUNSUPPORTED, "unsupported: %s e-mail (not yet read)", kind);
}
