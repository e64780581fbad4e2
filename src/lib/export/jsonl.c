/*
 * The JSONL writer: one record a line, in data.jsonl (or train.jsonl,
 * validation.jsonl, test.jsonl with splits).
 *
 * Unit "documents" (the default), one document a line:
 *
 *   {"id":7,"text":"...","format":"pdf","title":"...","source":{"path":...,
 *    "sha256":...,"size":...,"media_type":...},"metadata":{...},
 *    "pages":[{"number":1,"width":612,"height":792,...}],
 *    "blocks":[{"seq":0,"kind":"title","text":...,"offset":0,"length":12,
 *               "page":1,"bbox":[x0,y0,x1,y1],...}],
 *    "language":"en","annotations":{"ner":{"spans":[...]},...}}
 *
 * "text" is the document text (blocks joined by a blank line); block offsets
 * and lengths are in Unicode code points into it. A document with a
 * redacted layer ships that layer instead, with "redacted":true and its
 * "redactions" (see export_record in export_int.h); "annotations" holds the
 * chosen annotation of each type, mapped onto the shipped text (see
 * struct export_doc).
 *
 * Unit "blocks", one block a line: the block's object of "blocks" above
 * with "document_id" first.
 *
 * Two paths write the same bytes: the streaming record (record.c), which
 * writes an ok document's line(s) straight from its rows, and the tree
 * (export_record, encoded by jsonenc.c), for the rest: documents that did
 * not load (failed), those whose Q&A pairs need redacting, and those the
 * streaming record refuses (see export_stream_record). The tree path alone
 * is export_jsonl_tree, the reference the tests hold the other to.
 */
#include <errno.h>
#include <string.h>

#include "export_int.h"

struct jsonl_state {
	struct export_out out;
	struct export_stream *stream; /* NULL: the tree path only */
};

/* The record(s) of `rec` (export_record's tree), as lines. */
static int write_tree(struct jsonl_state *s, struct export_ctx *ctx, const struct export_doc *d,
                      json_t *rec)
{
	const char *unit = ctx->opts->unit;
	json_t *b;
	size_t i;
	int error = 0;

	if (!unit || !strcmp(unit, "documents")) {
		if (json_object_set_new(rec, "language",
		                        *d->lang ? json_string(d->lang) : json_null()) < 0 ||
		    json_object_set(rec, "annotations", d->ann) < 0)
			return error_oom();
		return export_out_json(&s->out, ctx, d->split, rec);
	}
	json_array_foreach(json_object_get(rec, "blocks"), i, b)
	{
		json_t *o = json_pack("{s:I}", "document_id", (json_int_t)d->info->id);
		if (!o || json_object_update(o, b) < 0) {
			json_decref(o);
			return error_oom();
		}
		error = export_out_json(&s->out, ctx, d->split, o);
		json_decref(o);
		if (error < 0)
			return error;
	}
	return 0;
}

/* export_lines_fn: whole lines to split `split`'s file. */
static int write_lines(void *payload, int split, struct buf *lines, size_t n)
{
	struct jsonl_state *s = payload;
	struct export_out *o = &s->out;

	if (lines->len && fwrite(lines->ptr, 1, lines->len, o->f[split]) != lines->len)
		return error_set(ENCLAVE_EIO, "cannot write '%s': %s", o->name[split],
		                 strerror(errno));
	o->records[split] += (int64_t)n;
	buf_clear(lines);
	return 0;
}

static int write_doc(struct export_ctx *ctx, const struct export_doc *d, void *payload)
{
	struct jsonl_state *s = payload;
	const char *unit = ctx->opts->unit;
	json_t *rec;
	int error, redacted;

	if (d->rec)
		return write_tree(s, ctx, d, d->rec);
	buf_clear(&s->out.line);
	if ((error = export_stream_record(s->stream, ctx, d, unit && !strcmp(unit, "blocks"),
	                                  &s->out.line, write_lines, s)) <= 0)
		return error;
	/* Refused: the tree, which cleans up or fails as it always did. */
	if ((error = export_record(&rec, ctx, d->info, &redacted)) < 0)
		return error;
	error = write_tree(s, ctx, d, rec);
	json_decref(rec);
	return error;
}

/* The jsonl file(s), through the streaming record when `stream`. */
static int jsonl_run(struct export_ctx *ctx, int stream)
{
	struct jsonl_state s;
	int error;

	memset(&s, 0, sizeof(s));
	if ((error = export_out_open(&s.out, ctx, "data", "jsonl")) < 0)
		return error;
	if (stream && (error = export_stream_new(&s.stream, ctx)) < 0) {
		export_out_abort(&s.out);
		return error;
	}
	ctx->stream_records = stream;
	error = export_each(ctx, write_doc, &s);
	ctx->stream_records = 0;
	export_stream_free(s.stream);
	if (error < 0) {
		export_out_abort(&s.out);
		return error;
	}
	return export_out_done(&s.out, ctx);
}

int export_jsonl(struct export_ctx *ctx)
{
	return jsonl_run(ctx, 1);
}

int export_jsonl_tree(struct export_ctx *ctx)
{
	return jsonl_run(ctx, 0);
}
