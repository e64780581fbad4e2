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
 */
#include <string.h>

#include "export_int.h"

struct jsonl_state {
	struct export_out out;
};

static int write_doc(struct export_ctx *ctx, const struct export_doc *d, void *payload)
{
	struct jsonl_state *s = payload;
	const char *unit = ctx->opts->unit;
	json_t *b;
	size_t i;
	int error = 0;

	if (!unit || !strcmp(unit, "documents")) {
		if (json_object_set_new(d->rec, "language",
		                        *d->lang ? json_string(d->lang) : json_null()) < 0 ||
		    json_object_set(d->rec, "annotations", d->ann) < 0)
			return error_oom();
		return export_out_json(&s->out, ctx, d->split, d->rec);
	}
	json_array_foreach(json_object_get(d->rec, "blocks"), i, b)
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

int export_jsonl(struct export_ctx *ctx)
{
	struct jsonl_state s;
	int error;

	if ((error = export_out_open(&s.out, ctx, "data", "jsonl")) < 0)
		return error;
	if ((error = export_each(ctx, write_doc, &s)) < 0) {
		export_out_abort(&s.out);
		return error;
	}
	return export_out_done(&s.out, ctx);
}
