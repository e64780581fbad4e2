/*
 * The Hugging Face token classification writer (hf-ner): data.jsonl (or
 * one file per split), one sentence a line, as the datasets library loads
 * it, and label_names.json, the tag names by id:
 *
 *   {"id":"7-0","document_id":7,"tokens":["Write","to","[","EMAIL_ADDRESS","]",
 *    "in","Lisbon","."],"ner_tags":[0,0,0,0,0,0,3,0]}
 *   label_names.json: ["O","B-DATE","I-DATE","B-LOCATION","I-LOCATION",...]
 *
 * Sentences, tokens and IOB2 tags are those of the CoNLL writer
 * (export_iob_doc). The labels are every entity label of the project's ner
 * annotations of the selected statuses, sorted, so every split shares one
 * label list; ids: O is 0, B-<label i> 2i+1, I-<label i> 2i+2.
 */
#include <string.h>

#include "export_int.h"

struct hf_state {
	struct export_ctx *ctx;
	struct export_out out;
	json_t *labels; /* entity labels, sorted */
	int64_t doc;    /* sentences counted per document */
	size_t nsent;
};

static int add_label(const char *label, void *payload)
{
	return json_array_append_new(payload, json_string(label)) < 0 ? error_oom() : 0;
}

json_int_t export_hfner_tag_id(const json_t *labels, const char *label, int begin)
{
	size_t i;

	if (!label)
		return 0;
	for (i = 0; i < json_array_size(labels); i++)
		if (!strcmp(json_string_value(json_array_get(labels, i)), label))
			return (json_int_t)(2 * i + (begin ? 1 : 2));
	return 0; /* not reached: the list holds every label in use */
}

static int sentence(void *payload, const struct export_doc *d, const struct cptext *t,
                    const struct seg *toks, size_t n, const char *const *labels, const int *begin)
{
	struct hf_state *s = payload;
	json_t *tokens = json_array(), *tags = json_array(), *o;
	char id[48];
	size_t k;
	int error;

	if (!tokens || !tags)
		goto oom;
	for (k = 0; k < n; k++)
		if (json_array_append_new(
		        tokens, json_stringn(t->s + t->byte[toks[k].start],
		                             t->byte[toks[k].end] - t->byte[toks[k].start])) < 0 ||
		    json_array_append_new(tags, json_integer(export_hfner_tag_id(
		                                    s->labels, labels[k], begin[k]))) < 0)
			goto oom;
	snprintf(id, sizeof(id), "%lld-%zu", (long long)d->info->id, s->nsent++);
	if (!(o = json_pack("{s:s,s:I,s:o,s:o}", "id", id, "document_id", (json_int_t)d->info->id,
	                    "tokens", tokens, "ner_tags", tags)))
		return error_oom();
	error = export_out_json(&s->out, s->ctx, d->split, o);
	json_decref(o);
	return error;
oom:
	json_decref(tokens);
	json_decref(tags);
	return error_oom();
}

static int write_doc(struct export_ctx *ctx, const struct export_doc *d, void *payload)
{
	struct hf_state *s = payload;

	(void)ctx;
	s->nsent = 0;
	return export_iob_doc(d, sentence, s);
}

int export_hfner(struct export_ctx *ctx)
{
	struct hf_state s;
	json_t *names = NULL;
	char *text = NULL;
	size_t i;
	int error;

	memset(&s, 0, sizeof(s));
	s.ctx = ctx;
	if (!(s.labels = json_array()) || !(names = json_array())) {
		error = error_oom();
		goto done;
	}
	if ((error = store_result_labels(ctx->project->db, "ner", ctx->ann_mode, add_label,
	                                 s.labels)) < 0)
		goto done;
	json_array_append_new(names, json_string("O"));
	for (i = 0; i < json_array_size(s.labels); i++) {
		const char *l = json_string_value(json_array_get(s.labels, i));
		if (json_array_append_new(names, json_sprintf("B-%s", l)) < 0 ||
		    json_array_append_new(names, json_sprintf("I-%s", l)) < 0) {
			error = error_oom();
			goto done;
		}
	}
	if (!(text = json_dumps(names, JSON_COMPACT))) {
		error = error_oom();
		goto done;
	}
	if ((error = export_out_open(&s.out, ctx, "data", "jsonl")) < 0)
		goto done;
	if ((error = export_each(ctx, write_doc, &s)) < 0) {
		export_out_abort(&s.out);
		goto done;
	}
	if ((error = export_out_done(&s.out, ctx)) < 0)
		goto done;
	error = export_small_file(ctx, "label_names.json", text, strlen(text), -1);
done:
	free(text);
	json_decref(names);
	json_decref(s.labels);
	return error;
}
