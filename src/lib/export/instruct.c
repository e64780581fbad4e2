/*
 * The instruct writer (Alpaca): data.instruct.jsonl (or one file per
 * split), one Q&A pair a line:
 *
 *   {"instruction":QUESTION,"input":EVIDENCE,"output":ANSWER}
 *
 * from the chosen qa annotation of each document; "input" is the text of
 * the pair's evidence range in the exported text ("" when the pair has
 * none, or lost it by overlapping a redaction). Documents without pairs
 * give nothing; pairs with an empty question or answer are left out.
 */
#include <string.h>

#include "export_int.h"

struct instruct_state {
	struct export_out out;
};

static int write_doc(struct export_ctx *ctx, const struct export_doc *d, void *payload)
{
	struct instruct_state *s = payload;
	const json_t *pairs = json_object_get(json_object_get(d->ann, "qa"), "pairs"), *v;
	const char *text = json_string_value(json_object_get(d->rec, "text"));
	struct cptext t = { 0 };
	size_t i;
	int error = 0;

	if (!json_array_size(pairs) || !text)
		return 0;
	if ((error = cptext_init(&t, text, strlen(text))) < 0)
		return error;
	json_array_foreach(pairs, i, v)
	{
		const char *q = json_string_value(json_object_get(v, "question"));
		const char *a = json_string_value(json_object_get(v, "answer"));
		const json_t *ev = json_object_get(v, "evidence");
		json_int_t es = json_integer_value(json_object_get(ev, "start"));
		json_int_t ee = json_integer_value(json_object_get(ev, "end"));
		json_t *o;
		if (!q || !a || !*q || !*a)
			continue;
		if (!json_is_object(ev) || es < 0 || ee <= es || (size_t)ee > t.n)
			es = ee = 0;
		o = json_pack("{s:s,s:s%,s:s}", "instruction", q, "input", text + t.byte[es],
		              t.byte[ee] - t.byte[es], "output", a);
		if (!o) {
			error = error_oom();
			break;
		}
		error = export_out_json(&s->out, ctx, d->split, o);
		json_decref(o);
		if (error < 0)
			break;
	}
	cptext_release(&t);
	return error;
}

int export_instruct(struct export_ctx *ctx)
{
	struct instruct_state s;
	int error;

	if ((error = export_out_open(&s.out, ctx, "data", "instruct.jsonl")) < 0)
		return error;
	if ((error = export_each(ctx, write_doc, &s)) < 0) {
		export_out_abort(&s.out);
		return error;
	}
	return export_out_done(&s.out, ctx);
}
