/*
 * The CoNLL writer (IOB2), and the tagging that the hf-ner writer shares:
 * data.conll (or one file per split), a document at a time:
 *
 *   -DOCSTART- O
 *   <blank line>
 *   Write O
 *   to O
 *   [ O
 *   EMAIL_ADDRESS O
 *   ] O
 *   in O
 *   Lisbon B-LOCATION
 *   . O
 *   <blank line between sentences>
 *
 * One token a line, a space, its tag. Sentences are found within each block
 * of the exported text (textseg.c) and split into word pieces; a token takes
 * B-<label> when it is the first token of an entity span, I-<label> for the
 * following ones, O outside every span (IOB2). The spans are the document's
 * chosen ner annotation, already moved onto the redacted text (an entity
 * overlapping a redaction was dropped, so placeholders are O). When entity
 * spans overlap, the one that starts first wins. Records: sentences.
 */
#include <string.h>

#include "export_int.h"

struct entity {
	size_t start, end;
	const char *label;
};

/* The entity spans of d (by start), malloc'd. */
static int entities(struct entity **out, size_t *n, const struct export_doc *d)
{
	const json_t *spans = json_object_get(json_object_get(d->ann, "ner"), "spans"), *v;
	struct entity *e;
	size_t i, k = 0;

	*out = NULL;
	*n = 0;
	if (!json_array_size(spans))
		return 0;
	if (!(e = calloc(json_array_size(spans), sizeof(*e))))
		return error_oom();
	json_array_foreach(spans, i, v)
	{
		json_int_t s = json_integer_value(json_object_get(v, "start"));
		json_int_t en = json_integer_value(json_object_get(v, "end"));
		const char *l = json_string_value(json_object_get(v, "label"));
		size_t j;
		if (!l || s < 0 || en <= s)
			continue;
		for (j = k; j > 0 && e[j - 1].start > (size_t)s; j--)
			e[j] = e[j - 1];
		e[j].start = (size_t)s;
		e[j].end = (size_t)en;
		e[j].label = l;
		k++;
	}
	*out = e;
	*n = k;
	return 0;
}

int export_iob_doc(const struct export_doc *d, export_sentence_fn fn, void *payload)
{
	const json_t *blocks = json_object_get(d->rec, "blocks"), *b;
	const char *text = json_string_value(json_object_get(d->rec, "text"));
	struct cptext t;
	struct segs sents = { 0 }, toks = { 0 };
	struct entity *ents = NULL;
	const char **labels = NULL;
	int *begin = NULL;
	size_t nents, i, s, k, cap = 0;
	int error;

	if (!text)
		return 0;
	if ((error = cptext_init(&t, text, strlen(text))) < 0)
		return error;
	if ((error = entities(&ents, &nents, d)) < 0)
		goto done;
	json_array_foreach(blocks, i, b)
	{
		json_int_t off = json_integer_value(json_object_get(b, "offset"));
		json_int_t len = json_integer_value(json_object_get(b, "length"));
		sents.n = 0;
		if (off < 0 || len <= 0 || (size_t)(off + len) > t.n)
			continue;
		if ((error = seg_sentences(&sents, &t, (size_t)off, (size_t)(off + len))) < 0)
			goto done;
		for (s = 0; s < sents.n; s++) {
			const struct entity *prev = NULL;
			size_t e = 0;
			toks.n = 0;
			if ((error = seg_tokens(&toks, &t, sents.v[s].start, sents.v[s].end)) < 0)
				goto done;
			if (!toks.n)
				continue;
			if (toks.n > cap) {
				const char **nl = realloc(labels, toks.n * sizeof(*nl));
				int *nb;
				if (!nl) {
					error = error_oom();
					goto done;
				}
				labels = nl;
				if (!(nb = realloc(begin, toks.n * sizeof(*nb)))) {
					error = error_oom();
					goto done;
				}
				begin = nb;
				cap = toks.n;
			}
			for (k = 0; k < toks.n; k++) {
				const struct entity *hit = NULL;
				while (e < nents && ents[e].end <= toks.v[k].start)
					e++;
				if (e < nents && ents[e].start < toks.v[k].end)
					hit = &ents[e];
				labels[k] = hit ? hit->label : NULL;
				begin[k] = hit && hit != prev;
				prev = hit;
			}
			if ((error = fn(payload, d, &t, toks.v, toks.n, labels, begin)) < 0)
				goto done;
		}
	}
done:
	free(ents);
	free(labels);
	free(begin);
	segs_release(&sents);
	segs_release(&toks);
	cptext_release(&t);
	return error;
}

struct conll_state {
	struct export_ctx *ctx;
	struct export_out out;
	struct buf b;
	int split;
};

static int sentence(void *payload, const struct export_doc *d, const struct cptext *t,
                    const struct seg *toks, size_t n, const char *const *labels, const int *begin)
{
	struct conll_state *s = payload;
	size_t k;
	int error = 0;

	buf_clear(&s->b);
	for (k = 0; k < n && !error; k++) {
		error = buf_put(&s->b, t->s + t->byte[toks[k].start],
		                t->byte[toks[k].end] - t->byte[toks[k].start]);
		if (!error)
			error = labels[k]
			            ? buf_printf(&s->b, " %s-%s\n", begin[k] ? "B" : "I", labels[k])
			            : buf_puts(&s->b, " O\n");
	}
	if (error < 0)
		return error;
	return export_out_line(&s->out, s->ctx, d->split, buf_cstr(&s->b), s->b.len, "\n");
}

static int write_doc(struct export_ctx *ctx, const struct export_doc *d, void *payload)
{
	struct conll_state *s = payload;
	static const char start[] = "-DOCSTART- O\n\n";
	int error;

	if ((error = export_out_line(&s->out, ctx, d->split, start, sizeof(start) - 1, NULL)) < 0)
		return error;
	s->out.records[d->split]--; /* the document line is not a sentence */
	return export_iob_doc(d, sentence, s);
}

int export_conll(struct export_ctx *ctx)
{
	struct conll_state s;
	int error;

	memset(&s, 0, sizeof(s));
	s.ctx = ctx;
	s.b = (struct buf)BUF_INIT(ENCLAVE_MAX_TEXT_BYTES);
	if ((error = export_out_open(&s.out, ctx, "data", "conll")) < 0)
		goto done;
	if ((error = export_each(ctx, write_doc, &s)) < 0) {
		export_out_abort(&s.out);
		goto done;
	}
	error = export_out_done(&s.out, ctx);
done:
	buf_release(&s.b);
	return error;
}
