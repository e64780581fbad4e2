/*
 * The Label Studio writer: labelstudio.json (or train.json, validation.json,
 * test.json with splits), a JSON array of Label Studio tasks, one per
 * document, as src/lib/label/labelstudio.c's ls_export writes them:
 *
 *   [{"id":7,"data":{"text":"Write to [EMAIL_ADDRESS] in Lisbon."},
 *     "annotations":[{"id":1,"result":[{"type":"labels","value":{"start":28,
 *       "end":34,"text":"Lisbon","labels":["LOCATION"]},...},
 *       {"type":"choices",...},{"type":"rectanglelabels",...},
 *       {"type":"textarea",...}]}]}, ...]
 *
 * The text is the exported (redacted) text; the one annotation of a task
 * gathers the document's chosen annotation of each type, moved onto that
 * text (entities overlapping a redaction dropped, as everywhere): entity
 * spans ("labels", offsets converted to UTF-16 units by ls_export), class
 * labels ("choices"), boxes of page 1 ("rectanglelabels", in percent of
 * the first page) and Q&A answers ("textarea"). A document without any
 * annotation is a task without annotations. The array is streamed: each
 * task is written as ls_export makes it, one at a time. Records: tasks.
 */
#include <errno.h>
#include <string.h>

#include "export_int.h"
#include "../label/labelstudio.h"

struct ls_state {
	struct export_out out;
	int64_t written[3];
};

static int dup(char **out, const char *s)
{
	return (*out = strdup(s ? s : "")) ? 0 : error_oom();
}

/* Fill `a` from d's chosen annotations. */
static int fill(struct ls_annotation *a, const struct export_doc *d, int have_page)
{
	const json_t *spans = json_object_get(json_object_get(d->ann, "ner"), "spans");
	const json_t *labels = json_object_get(json_object_get(d->ann, "class"), "labels");
	const json_t *boxes = json_object_get(json_object_get(d->ann, "box"), "boxes");
	const json_t *pairs = json_object_get(json_object_get(d->ann, "qa"), "pairs"), *v;
	size_t i;
	int error = 0;

	if ((json_array_size(spans) &&
	     !(a->spans = calloc(json_array_size(spans), sizeof(*a->spans)))) ||
	    (json_array_size(labels) &&
	     !(a->choices = calloc(json_array_size(labels), sizeof(*a->choices)))) ||
	    (json_array_size(boxes) &&
	     !(a->boxes = calloc(json_array_size(boxes), sizeof(*a->boxes)))) ||
	    (json_array_size(pairs) &&
	     !(a->texts = calloc(json_array_size(pairs), sizeof(*a->texts)))))
		return error_oom();
	json_array_foreach(spans, i, v)
	{
		struct ls_span *s = &a->spans[a->nspans];
		s->start = (size_t)json_integer_value(json_object_get(v, "start"));
		s->end = (size_t)json_integer_value(json_object_get(v, "end"));
		a->nspans++;
		if ((error = dup(&s->label, json_string_value(json_object_get(v, "label")))) < 0)
			return error;
	}
	json_array_foreach(labels, i, v)
	{
		if (!json_is_string(v))
			continue;
		if ((error = dup(&a->choices[a->nchoices++], json_string_value(v))) < 0)
			return error;
	}
	json_array_foreach(boxes, i, v)
	{
		const json_t *bb = json_object_get(v, "bbox");
		struct ls_box *b = &a->boxes[a->nboxes];
		if (!have_page || json_integer_value(json_object_get(v, "page")) != 1 ||
		    json_array_size(bb) != 4)
			continue;
		b->x0 = json_number_value(json_array_get(bb, 0));
		b->y0 = json_number_value(json_array_get(bb, 1));
		b->x1 = json_number_value(json_array_get(bb, 2));
		b->y1 = json_number_value(json_array_get(bb, 3));
		a->nboxes++;
		if ((error = dup(&b->label, json_string_value(json_object_get(v, "label")))) < 0)
			return error;
	}
	json_array_foreach(pairs, i, v)
	{
		const char *ans = json_string_value(json_object_get(v, "answer"));
		if (!ans)
			continue;
		if ((error = dup(&a->texts[a->ntexts++], ans)) < 0)
			return error;
	}
	return 0;
}

static int write_doc(struct export_ctx *ctx, const struct export_doc *d, void *payload)
{
	struct ls_state *s = payload;
	const json_t *page = json_array_get(json_object_get(d->rec, "pages"), 0);
	struct ls_task t;
	struct ls_annotation *a = NULL;
	char *json = NULL, *start, *end;
	size_t len = 0;
	int error;

	memset(&t, 0, sizeof(t));
	t.id = d->info->id;
	t.page_width = json_number_value(json_object_get(page, "width"));
	t.page_height = json_number_value(json_object_get(page, "height"));
	if ((error = dup(&t.text, json_string_value(json_object_get(d->rec, "text")))) < 0)
		goto done;
	if (json_object_size(d->ann)) {
		if (!(a = calloc(1, sizeof(*a)))) {
			error = error_oom();
			goto done;
		}
		t.annotations = a;
		t.nannotations = 1;
		a->id = 1;
		if ((error = fill(a, d, t.page_width > 0 && t.page_height > 0)) < 0)
			goto done;
	}
	if ((error = ls_export(&json, &len, &t, 1, NULL)) < 0)
		goto done;
	/* One task in an array: write what is between the brackets. */
	start = strchr(json, '[');
	end = strrchr(json, ']');
	if (!start || !end || end < start) {
		error = error_set(ENCLAVE_EINVALID, "document %lld: unexpected Label Studio output",
		                  (long long)d->info->id);
		goto done;
	}
	start++;
	while (start < end && strchr(" \t\r\n", *start))
		start++;
	while (end > start && strchr(" \t\r\n", end[-1]))
		end--;
	if (s->written[d->split]++ && fputs(",\n", s->out.f[d->split]) < 0) {
		error = error_set(ENCLAVE_EIO, "cannot write '%s/%s': %s", ctx->dir,
		                  s->out.name[d->split], strerror(errno));
		goto done;
	}
	error = export_out_line(&s->out, ctx, d->split, start, (size_t)(end - start), NULL);
done:
	free(json);
	ls_task_release(&t);
	return error;
}

int export_labelstudio(struct export_ctx *ctx)
{
	struct ls_state s;
	int i, error;

	memset(&s, 0, sizeof(s));
	if ((error = export_out_open(&s.out, ctx, "labelstudio", "json")) < 0)
		return error;
	for (i = 0; i < s.out.n; i++)
		if (fputs("[\n", s.out.f[i]) < 0)
			goto io;
	if ((error = export_each(ctx, write_doc, &s)) < 0)
		goto fail;
	for (i = 0; i < s.out.n; i++)
		if (fputs(s.written[i] ? "\n]\n" : "]\n", s.out.f[i]) < 0)
			goto io;
	return export_out_done(&s.out, ctx);
io:
	error = error_set(ENCLAVE_EIO, "cannot write '%s/%s': %s", ctx->dir, s.out.name[i],
	                  strerror(errno));
fail:
	export_out_abort(&s.out);
	return error;
}
