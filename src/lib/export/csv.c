/*
 * The CSV writer (RFC 4180): data.csv (or one file per split), a header
 * row, CRLF line ends, and a field quoted (its quotes doubled) when it holds
 * a comma, a quote, a CR or an LF. Text is UTF-8 without a byte order mark.
 *
 * Unit "documents": id,parent_id,format,language,title,redacted,labels,text
 *   (labels: the class labels joined by ';'; redacted: true/false)
 * Unit "blocks": document_id,seq,kind,level,page,x0,y0,x1,y1,text
 *   (page and box empty when the block has none)
 */
#include <string.h>

#include "export_int.h"

static const char header_docs[] = "id,parent_id,format,language,title,redacted,labels,text";
static const char header_blocks[] = "document_id,seq,kind,level,page,x0,y0,x1,y1,text";

int export_csv_field(struct buf *b, const char *s, int first)
{
	int error;

	if (!first && (error = buf_putc(b, ',')) < 0)
		return error;
	if (!s)
		return 0;
	if (!strpbrk(s, ",\"\r\n"))
		return buf_puts(b, s);
	if ((error = buf_putc(b, '"')) < 0)
		return error;
	for (; *s; s++)
		if ((*s == '"' && (error = buf_putc(b, '"')) < 0) || (error = buf_putc(b, *s)) < 0)
			return error;
	return buf_putc(b, '"');
}

static int field_num(struct buf *b, const json_t *v)
{
	char tmp[64];

	if (json_is_integer(v))
		snprintf(tmp, sizeof(tmp), "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(tmp, sizeof(tmp), "%.2f", json_real_value(v));
	else
		tmp[0] = 0;
	return export_csv_field(b, tmp, 0);
}

struct csv_state {
	struct export_out out;
	int blocks;
	struct buf row;
};

static int put_row(struct csv_state *s, struct export_ctx *ctx, int split)
{
	return export_out_line(&s->out, ctx, split, buf_cstr(&s->row), s->row.len, "\r\n");
}

static int write_doc(struct export_ctx *ctx, const struct export_doc *d, void *payload)
{
	struct csv_state *s = payload;
	struct buf labels = BUF_INIT(1 << 20);
	char id[32], parent[32];
	json_t *b;
	size_t i;
	int error = 0;

	if (!s->blocks) {
		buf_clear(&s->row);
		snprintf(id, sizeof(id), "%lld", (long long)d->info->id);
		if (d->info->parent_id)
			snprintf(parent, sizeof(parent), "%lld", (long long)d->info->parent_id);
		else
			parent[0] = 0;
		if ((error = export_class_labels(&labels, d, ";")) < 0 ||
		    (error = export_csv_field(&s->row, id, 1)) < 0 ||
		    (error = export_csv_field(&s->row, parent, 0)) < 0 ||
		    (error = export_csv_field(
		         &s->row, json_string_value(json_object_get(d->rec, "format")), 0)) < 0 ||
		    (error = export_csv_field(&s->row, d->lang, 0)) < 0 ||
		    (error = export_csv_field(
		         &s->row, json_string_value(json_object_get(d->rec, "title")), 0)) < 0 ||
		    (error = export_csv_field(&s->row, d->redacted ? "true" : "false", 0)) < 0 ||
		    (error = export_csv_field(&s->row, buf_cstr(&labels), 0)) < 0 ||
		    (error = export_csv_field(
		         &s->row, json_string_value(json_object_get(d->rec, "text")), 0)) < 0 ||
		    (error = put_row(s, ctx, d->split)) < 0)
			goto done;
		goto done;
	}
	json_array_foreach(json_object_get(d->rec, "blocks"), i, b)
	{
		const json_t *box = json_object_get(b, "bbox");
		char lvl[16];
		int k;
		buf_clear(&s->row);
		snprintf(id, sizeof(id), "%lld", (long long)d->info->id);
		snprintf(lvl, sizeof(lvl), "%lld",
		         (long long)json_integer_value(json_object_get(b, "level")));
		if ((error = export_csv_field(&s->row, id, 1)) < 0 ||
		    (error = field_num(&s->row, json_object_get(b, "seq"))) < 0 ||
		    (error = export_csv_field(
		         &s->row, json_string_value(json_object_get(b, "kind")), 0)) < 0 ||
		    (error = export_csv_field(&s->row, lvl, 0)) < 0 ||
		    (error = field_num(&s->row, json_object_get(b, "page"))) < 0)
			goto done;
		for (k = 0; k < 4; k++)
			if ((error = field_num(&s->row, json_array_get(box, (size_t)k))) < 0)
				goto done;
		if ((error = export_csv_field(
		         &s->row, json_string_value(json_object_get(b, "text")), 0)) < 0 ||
		    (error = put_row(s, ctx, d->split)) < 0)
			goto done;
	}
done:
	buf_release(&labels);
	return error;
}

int export_csv(struct export_ctx *ctx)
{
	struct csv_state s;
	const char *header;
	int i, error;

	memset(&s, 0, sizeof(s));
	s.row = (struct buf)BUF_INIT(ENCLAVE_MAX_TEXT_BYTES);
	s.blocks = ctx->opts->unit && !strcmp(ctx->opts->unit, "blocks");
	header = s.blocks ? header_blocks : header_docs;
	if ((error = export_out_open(&s.out, ctx, "data", "csv")) < 0)
		goto done;
	for (i = 0; i < s.out.n; i++) {
		if ((error = export_out_line(&s.out, ctx, i, header, strlen(header), "\r\n")) < 0)
			goto fail;
		s.out.records[i] = 0; /* the header is not a record */
	}
	if ((error = export_each(ctx, write_doc, &s)) < 0)
		goto fail;
	error = export_out_done(&s.out, ctx);
	goto done;
fail:
	export_out_abort(&s.out);
done:
	buf_release(&s.row);
	return error;
}
