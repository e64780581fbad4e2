/*
 * The chat writer: data.chat.jsonl (or one file per split), one
 * conversation a line, in the "messages" shape chat fine-tuning takes:
 *
 *   {"messages":[{"role":"system","content":SYSTEM},
 *                {"role":"user","content":QUESTION},
 *                {"role":"assistant","content":ANSWER}]}
 *
 * A document with Q&A pairs (its chosen qa annotation) gives one line a
 * pair: the system message (when a system prompt is given), the question as
 * the user's message and the answer as the assistant's. A document without
 * any gives one line: the system message (when given) and the user message
 * made from the template, "{text}" replaced by the exported text (default
 * "{text}": the text itself), with no assistant message (a prompt to
 * complete, or text for continued training). Pairs whose question or answer
 * is empty are left out. The questions and answers of a redacted document
 * have the redacted spans' original texts replaced by their placeholders.
 */
#include <string.h>

#include "export_int.h"

struct chat_state {
	struct export_out out;
};

static int add_message(json_t *msgs, const char *role, const char *content)
{
	return json_array_append_new(msgs,
	                             json_pack("{s:s,s:s}", "role", role, "content", content)) < 0
	           ? error_oom()
	           : 0;
}

/* `tpl` with each "{text}" replaced by `text`, into `out`. */
static int apply_template(struct buf *out, const char *tpl, const char *text)
{
	const char *p = tpl, *hit;
	int error;

	while ((hit = strstr(p, "{text}"))) {
		if ((error = buf_put(out, p, (size_t)(hit - p))) < 0 ||
		    (error = buf_puts(out, text)) < 0)
			return error;
		p = hit + 6;
	}
	return buf_puts(out, p);
}

static int write_line(struct chat_state *s, struct export_ctx *ctx, int split, json_t *msgs)
{
	json_t *o = json_pack("{s:o}", "messages", msgs);
	int error;

	if (!o)
		return error_oom();
	error = export_out_json(&s->out, ctx, split, o);
	json_decref(o);
	return error;
}

static int write_doc(struct export_ctx *ctx, const struct export_doc *d, void *payload)
{
	struct chat_state *s = payload;
	const json_t *pairs = json_object_get(json_object_get(d->ann, "qa"), "pairs"), *v;
	const char *sys = ctx->opts->system_prompt;
	size_t i, written = 0;
	int error;

	json_array_foreach(pairs, i, v)
	{
		const char *q = json_string_value(json_object_get(v, "question"));
		const char *a = json_string_value(json_object_get(v, "answer"));
		json_t *msgs;
		if (!q || !a || !*q || !*a)
			continue;
		if (!(msgs = json_array()))
			return error_oom();
		if ((sys && (error = add_message(msgs, "system", sys)) < 0) ||
		    (error = add_message(msgs, "user", q)) < 0 ||
		    (error = add_message(msgs, "assistant", a)) < 0) {
			json_decref(msgs);
			return error;
		}
		if ((error = write_line(s, ctx, d->split, msgs)) < 0)
			return error;
		written++;
	}
	if (!written) {
		struct buf user = BUF_INIT(ENCLAVE_MAX_TEXT_BYTES);
		const char *text = json_string_value(json_object_get(d->rec, "text"));
		json_t *msgs = json_array();
		if (!msgs)
			return error_oom();
		if ((error = apply_template(
		         &user, ctx->opts->chat_template ? ctx->opts->chat_template : "{text}",
		         text ? text : "")) < 0 ||
		    (sys && (error = add_message(msgs, "system", sys)) < 0) ||
		    (error = add_message(msgs, "user", buf_cstr(&user))) < 0) {
			buf_release(&user);
			json_decref(msgs);
			return error;
		}
		buf_release(&user);
		return write_line(s, ctx, d->split, msgs);
	}
	return 0;
}

int export_chat(struct export_ctx *ctx)
{
	struct chat_state s;
	int error;

	if ((error = export_out_open(&s.out, ctx, "data", "chat.jsonl")) < 0)
		return error;
	if ((error = export_each(ctx, write_doc, &s)) < 0) {
		export_out_abort(&s.out);
		return error;
	}
	return export_out_done(&s.out, ctx);
}
