/*
 * The Markdown writer: a file per document, markdown/<id>.md (as the text
 * writer names them), rendered from the exported blocks (so redactions are
 * gone as from the text): a title is "# ", a heading of level L is L + 1
 * '#' (at most 6), a list item "- " indented two spaces a level past the
 * first, code fenced with ```, a table (tab-separated rows) a pipe table
 * whose first row is the header, everything else a paragraph. Blocks are
 * separated by a blank line. Each file is one record in the manifest.
 */
#include <string.h>

#include "export_int.h"

/* Append `s` with '|' escaped and line breaks as spaces (a table cell). */
static int cell(struct buf *b, const char *s, size_t n)
{
	size_t i;
	int error = 0;

	for (i = 0; i < n && !error; i++)
		error = s[i] == '|'                    ? buf_puts(b, "\\|")
		        : s[i] == '\n' || s[i] == '\r' ? buf_putc(b, ' ')
		                                       : buf_putc(b, s[i]);
	return error;
}

static int table(struct buf *b, const char *text)
{
	const char *row = text;
	size_t r = 0, cols = 0;
	int error = 0;

	while (*row && !error) {
		const char *end = strchr(row, '\n'), *c = row;
		size_t nc = 0;
		if (!end)
			end = row + strlen(row);
		error = buf_putc(b, '|');
		while (!error && c <= end) {
			const char *tab = memchr(c, '\t', (size_t)(end - c));
			const char *ce = tab ? tab : end;
			if ((error = buf_putc(b, ' ')) < 0 ||
			    (error = cell(b, c, (size_t)(ce - c))) < 0 ||
			    (error = buf_puts(b, " |")) < 0)
				break;
			nc++;
			c = ce + 1;
			if (!tab)
				break;
		}
		if (!error)
			error = buf_putc(b, '\n');
		if (!error && r++ == 0) {
			size_t k;
			cols = nc;
			error = buf_putc(b, '|');
			for (k = 0; k < cols && !error; k++)
				error = buf_puts(b, " --- |");
			if (!error)
				error = buf_putc(b, '\n');
		}
		row = *end ? end + 1 : end;
	}
	return error;
}

static int render(struct buf *b, const json_t *blocks)
{
	const json_t *blk;
	size_t i;
	int error = 0;

	json_array_foreach(blocks, i, blk)
	{
		const char *kind = json_string_value(json_object_get(blk, "kind"));
		const char *text = json_string_value(json_object_get(blk, "text"));
		json_int_t level = json_integer_value(json_object_get(blk, "level"));
		if (!kind || !text)
			continue;
		if (i && (error = buf_putc(b, '\n')) < 0)
			return error;
		if (!strcmp(kind, "title")) {
			error = buf_printf(b, "# %s\n", text);
		} else if (!strcmp(kind, "heading")) {
			int h = level < 1 ? 2 : level > 5 ? 6 : (int)level + 1;
			error = buf_printf(b, "%.*s %s\n", h, "######", text);
		} else if (!strcmp(kind, "list_item")) {
			json_int_t k;
			for (k = 1; k < level && !error; k++)
				error = buf_puts(b, "  ");
			if (!error)
				error = buf_printf(b, "- %s\n", text);
		} else if (!strcmp(kind, "code")) {
			error = buf_printf(b, "```\n%s\n```\n", text);
		} else if (!strcmp(kind, "table")) {
			error = table(b, text);
		} else {
			error = buf_printf(b, "%s\n", text);
		}
		if (error < 0)
			return error;
	}
	return 0;
}

static int write_doc(struct export_ctx *ctx, const struct export_doc *d, void *payload)
{
	struct buf b = BUF_INIT(ENCLAVE_MAX_TEXT_BYTES);
	int error;

	(void)payload;
	if ((error = render(&b, json_object_get(d->rec, "blocks"))) < 0) {
		buf_release(&b);
		return error;
	}
	error = export_doc_file(ctx, "markdown", d, "md", b.ptr ? buf_cstr(&b) : "", b.len);
	buf_release(&b);
	return error;
}

int export_markdown(struct export_ctx *ctx)
{
	return export_each(ctx, write_doc, NULL);
}
