/*
 * The spaCy writer: data.spacy.jsonl (or one file per split), one document
 * a line, as spaCy's and most NER tools' JSONL training input:
 *
 *   {"id":7,"text":"Write to [EMAIL_ADDRESS] in Lisbon.","entities":[[28,34,"LOCATION"]]}
 *
 * Offsets are characters (code points, as Python counts them) into "text",
 * the exported (redacted) text; the entities are the document's chosen ner
 * annotation moved onto it (see struct export_doc), sorted by start.
 */
#include <string.h>

#include "export_int.h"

struct spacy_state {
	struct export_out out;
};

static int write_doc(struct export_ctx *ctx, const struct export_doc *d, void *payload)
{
	struct spacy_state *s = payload;
	const json_t *spans = json_object_get(json_object_get(d->ann, "ner"), "spans"), *v;
	json_t *ents = json_array(), *o;
	size_t i;
	int error;

	if (!ents)
		return error_oom();
	json_array_foreach(spans, i, v)
	{
		json_int_t st = json_integer_value(json_object_get(v, "start"));
		size_t j, n = json_array_size(ents);
		json_t *e = json_pack("[I,I,O]", st, json_integer_value(json_object_get(v, "end")),
		                      json_object_get(v, "label"));
		if (!e || json_array_append_new(ents, e) < 0) {
			json_decref(ents);
			return error_oom();
		}
		/* Keep them by start (insertion). */
		for (j = n; j > 0 &&
		            json_integer_value(json_array_get(json_array_get(ents, j - 1), 0)) > st;
		     j--) {
			json_t *prev = json_incref(json_array_get(ents, j - 1));
			json_array_set(ents, j - 1, e);
			json_array_set_new(ents, j, prev);
		}
	}
	o = json_pack("{s:I,s:O,s:o}", "id", (json_int_t)d->info->id, "text",
	              json_object_get(d->rec, "text"), "entities", ents);
	if (!o)
		return error_oom();
	error = export_out_json(&s->out, ctx, d->split, o);
	json_decref(o);
	return error;
}

int export_spacy(struct export_ctx *ctx)
{
	struct spacy_state s;
	int error;

	if ((error = export_out_open(&s.out, ctx, "data", "spacy.jsonl")) < 0)
		return error;
	if ((error = export_each(ctx, write_doc, &s)) < 0) {
		export_out_abort(&s.out);
		return error;
	}
	return export_out_done(&s.out, ctx);
}
