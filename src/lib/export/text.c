/*
 * The text writer: a file per document, text/<id>.txt (ids zero-padded to 8
 * digits; text/<split>/<id>.txt with splits), holding the exported text
 * (the redacted layer unless the original was asked for) and a final line
 * end. Each file is one record in the manifest.
 */
#include <string.h>

#include "export_int.h"

static int write_doc(struct export_ctx *ctx, const struct export_doc *d, void *payload)
{
	struct buf b = BUF_INIT(ENCLAVE_MAX_TEXT_BYTES);
	const char *text = json_string_value(json_object_get(d->rec, "text"));
	int error;

	(void)payload;
	if ((error = buf_puts(&b, text ? text : "")) < 0 || (error = buf_putc(&b, '\n')) < 0) {
		buf_release(&b);
		return error;
	}
	error = export_doc_file(ctx, "text", d, "txt", buf_cstr(&b), b.len);
	buf_release(&b);
	return error;
}

int export_text(struct export_ctx *ctx)
{
	return export_each(ctx, write_doc, NULL);
}
