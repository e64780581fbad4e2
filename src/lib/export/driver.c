/*
 * The writers' driver: which documents an export holds, in which split, and
 * the data files of each split.
 *
 * The walk: documents in id order through enclave_store_list, one loaded at
 * a time (its record, its annotations), so memory does not grow with the
 * corpus; only the splitter keeps a list of the documents that have
 * children (split.c).
 *
 * Selection: status (ok by default; failed too with include_failed, or
 * exactly opts->status), language (documents.language), label (a document
 * with an annotation, of the chosen statuses, naming that label: an entity,
 * a class or a box label), and the annotation statuses (ann_mode).
 *
 * Splits: split.c (a group is a root document and its descendants).
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "export_int.h"
#include "../../util/fs.h"
#include "../../util/utf8.h"

/* ------------------------------------------------------------------ */
/* Annotations                                                        */
/* ------------------------------------------------------------------ */

struct ann_state {
	json_t *ann; /* type -> result */
	int error;
};

static int each_annotation(const char *type, int64_t block, int64_t annotation, const char *status,
                           const char *result, void *payload)
{
	struct ann_state *s = payload;
	json_t *r;

	(void)annotation;
	(void)status;
	if (block >= 0 || json_object_get(s->ann, type))
		return 0; /* block tasks are not exported; the best one of a type is first */
	if (!(r = json_loads(result, 0, NULL)) || !json_is_object(r)) {
		json_decref(r);
		return 0; /* the label stage checked it; a row that does not parse is skipped */
	}
	if (json_object_set_new(s->ann, type, r) < 0) {
		s->error = error_oom();
		return 1;
	}
	return 0;
}

/* Does `ann` name `label` (an entity, a class or a box)? */
static int ann_has_label(const json_t *ann, const char *label)
{
	static const char *const lists[][2] = { { "ner", "spans" }, { "box", "boxes" } };
	const json_t *v;
	size_t i, j;

	json_array_foreach(json_object_get(json_object_get(ann, "class"), "labels"), i,
	                   v) if (json_is_string(v) &&
	                          !strcmp(json_string_value(v), label)) return 1;
	for (j = 0; j < 2; j++)
		json_array_foreach(json_object_get(json_object_get(ann, lists[j][0]), lists[j][1]),
		                   i, v)
		{
			const char *l = json_string_value(json_object_get(v, "label"));
			if (l && !strcmp(l, label))
				return 1;
		}
	return 0;
}

/*
 * Map [*start, *end) of the original text onto the redacted one by the
 * redacted spans `used` (by start). Returns 1 when the range overlaps a
 * redaction (the caller drops it), else 0 with the range mapped.
 */
static int map_range(const struct store_spans *used, size_t *start, size_t *end)
{
	long long delta = 0;
	size_t i;

	for (i = 0; i < used->n; i++) {
		const struct store_span *s = &used->v[i];
		if (s->start < *end && *start < s->end)
			return 1;
		if (s->end <= *start)
			delta +=
			    (long long)(s->out_end - s->out_start) - (long long)(s->end - s->start);
	}
	*start = (size_t)((long long)*start + delta);
	*end = (size_t)((long long)*end + delta);
	return 0;
}

static size_t json_size(const json_t *v)
{
	json_int_t i = json_integer_value(v);
	return i < 0 ? 0 : (size_t)i;
}

/*
 * Replace in `s` every occurrence of each redacted span's original text
 * (taken from `orig`) by its replacement in the redacted text `red`: Q&A
 * pairs are typed by annotators and may quote the PII. Returns a new string.
 */
static json_t *redact_free_text(const char *s, const struct store_spans *used,
                                const struct cptext *orig, const struct cptext *red)
{
	struct buf b = BUF_INIT(ENCLAVE_MAX_FIELD_BYTES), tmp = BUF_INIT(ENCLAVE_MAX_FIELD_BYTES);
	json_t *r = NULL;
	size_t i;

	if (buf_puts(&b, s) < 0)
		goto done;
	for (i = 0; i < used->n; i++) {
		const struct store_span *sp = &used->v[i];
		const char *from, *to, *p, *hit;
		size_t flen, tlen;
		if (sp->end > orig->n || (size_t)sp->out_end > red->n)
			continue;
		from = orig->s + orig->byte[sp->start];
		flen = orig->byte[sp->end] - orig->byte[sp->start];
		to = red->s + red->byte[sp->out_start];
		tlen = red->byte[sp->out_end] - red->byte[sp->out_start];
		if (!flen)
			continue;
		buf_clear(&tmp);
		for (p = buf_cstr(&b); (hit = memmem(p, strlen(p), from, flen)); p = hit + flen)
			if (buf_put(&tmp, p, (size_t)(hit - p)) < 0 || buf_put(&tmp, to, tlen) < 0)
				goto done;
		if (buf_puts(&tmp, p) < 0)
			goto done;
		buf_clear(&b);
		if (buf_put(&b, buf_cstr(&tmp), tmp.len) < 0)
			goto done;
	}
	r = json_stringn(buf_cstr(&b), b.len);
done:
	buf_release(&b);
	buf_release(&tmp);
	return r;
}

/* The Q&A pairs' question and answer with the redacted spans' texts replaced. */
static int redact_pairs(struct export_ctx *ctx, int64_t id, json_t *pairs,
                        const struct store_spans *used, const char *redacted)
{
	struct buf text = BUF_INIT(ENCLAVE_MAX_TEXT_BYTES);
	struct cptext orig = { 0 }, red = { 0 };
	json_t *v;
	size_t i;
	int error;

	if ((error = store_document_text(&text, ctx->project->db, id)) < 0 ||
	    (error = cptext_init(&orig, buf_cstr(&text), text.len)) < 0 ||
	    (error = cptext_init(&red, redacted, strlen(redacted))) < 0)
		goto done;
	json_array_foreach(pairs, i, v)
	{
		static const char *const keys[] = { "question", "answer" };
		size_t k;
		for (k = 0; k < 2; k++) {
			const char *s = json_string_value(json_object_get(v, keys[k]));
			json_t *r;
			if (!s)
				continue;
			if (!(r = redact_free_text(s, used, &orig, &red)) ||
			    json_object_set_new(v, keys[k], r) < 0) {
				error = error_oom();
				goto done;
			}
		}
	}
done:
	cptext_release(&orig);
	cptext_release(&red);
	buf_release(&text);
	return error;
}

/*
 * Map the entity spans and Q&A evidence of `ann` onto document `id`'s
 * redacted text `redacted`, and redact the pairs' free text.
 */
static int map_annotations(struct export_ctx *ctx, int64_t id, json_t *ann, const char *redacted)
{
	struct store_spans all = { 0 }, used = { 0 };
	json_t *spans = json_object_get(json_object_get(ann, "ner"), "spans");
	json_t *pairs = json_object_get(json_object_get(ann, "qa"), "pairs"), *v;
	size_t i, k;
	int error;

	if (!json_array_size(spans) && !json_array_size(pairs))
		return 0;
	if ((error = store_spans_read(&all, ctx->project->db, id)) < 0)
		goto done;
	for (i = 0; i < all.n; i++)
		if (all.v[i].out_start >= 0 && (error = store_spans_push(&used, &all.v[i])) < 0)
			goto done;
	for (i = 0, k = 0; i < json_array_size(spans); i++) {
		size_t s, e;
		v = json_array_get(spans, i);
		s = json_size(json_object_get(v, "start"));
		e = json_size(json_object_get(v, "end"));
		if (map_range(&used, &s, &e)) {
			ctx->ner_dropped++;
			continue;
		}
		if (json_object_set_new(v, "start", json_integer((json_int_t)s)) < 0 ||
		    json_object_set_new(v, "end", json_integer((json_int_t)e)) < 0 ||
		    json_array_set(spans, k++, v) < 0) {
			error = error_oom();
			goto done;
		}
	}
	while (json_array_size(spans) > k)
		json_array_remove(spans, k);
	json_array_foreach(pairs, i, v)
	{
		json_t *ev = json_object_get(v, "evidence");
		size_t s, e;
		if (!json_is_object(ev))
			continue;
		s = json_size(json_object_get(ev, "start"));
		e = json_size(json_object_get(ev, "end"));
		if (map_range(&used, &s, &e)) {
			json_object_del(v, "evidence");
			continue;
		}
		if (json_object_set_new(ev, "start", json_integer((json_int_t)s)) < 0 ||
		    json_object_set_new(ev, "end", json_integer((json_int_t)e)) < 0) {
			error = error_oom();
			goto done;
		}
	}
	if (json_array_size(pairs) && used.n)
		error = redact_pairs(ctx, id, pairs, &used, redacted);
done:
	store_spans_release(&all);
	store_spans_release(&used);
	return error;
}

int export_class_labels(struct buf *out, const struct export_doc *d, const char *sep)
{
	const json_t *v;
	size_t i;
	int error = 0;

	json_array_foreach(json_object_get(json_object_get(d->ann, "class"), "labels"), i, v)
	{
		if (!json_is_string(v))
			continue;
		if ((i && (error = buf_puts(out, sep)) < 0) ||
		    (error = buf_puts(out, json_string_value(v))) < 0)
			return error;
	}
	return error;
}

/* ------------------------------------------------------------------ */
/* The walk                                                           */
/* ------------------------------------------------------------------ */

struct walk {
	struct export_ctx *ctx;
	export_doc_fn fn;
	void *payload;
	int error;
};

/* The root of document `id` (parent `parent`): follow parents up. */
static int find_root(int64_t *out, struct export_ctx *ctx, int64_t id, int64_t parent)
{
	char lang[16];
	int depth, children, error;

	*out = id;
	for (depth = 0; parent && depth < 64; depth++) {
		*out = parent;
		if ((error =
		         store_doc_lineage(ctx->project->db, parent, lang, &parent, &children)) < 0)
			return error;
	}
	return 0;
}

static int walk_doc(struct walk *w, const struct enclave_doc_info *in)
{
	struct export_ctx *ctx = w->ctx;
	struct ann_state as = { NULL, 0 };
	struct export_doc d;
	char lang[16];
	int64_t parent, root;
	int children, error, ok = !strcmp(in->status, "ok");

	memset(&d, 0, sizeof(d));
	if ((error = store_doc_lineage(ctx->project->db, in->id, lang, &parent, &children)) < 0)
		return error;
	if (!(as.ann = json_object()))
		return error_oom();
	if ((error = store_doc_annotations(ctx->project->db, in->id, ctx->ann_mode, each_annotation,
	                                   &as)) != 0) {
		error = as.error ? as.error : error;
		goto done;
	}
	if ((error = find_root(&root, ctx, in->id, parent)) < 0 ||
	    (error = export_assign_split(&d.split, ctx, in->id, root, children, as.ann)) < 0)
		goto done;
	/* The filters, after the split: a root's split does not depend on them. */
	if (ctx->opts->status ? strcmp(in->status, ctx->opts->status) != 0
	                      : !ok && !ctx->opts->include_failed)
		goto done;
	if (ctx->opts->lang && strcasecmp(lang, ctx->opts->lang))
		goto done;
	if (ctx->opts->label && !ann_has_label(as.ann, ctx->opts->label))
		goto done;
	/*
	 * A streaming writer reads an ok document's rows itself, unless Q&A
	 * pairs need the redacted text below (redact_pairs): then a tree.
	 */
	if (ctx->stream_records && ok &&
	    !json_array_size(json_object_get(json_object_get(as.ann, "qa"), "pairs")))
		error = export_record_layer(ctx, in, &d.redacted, d.blob);
	else
		error = export_record(&d.rec, ctx, in, &d.redacted);
	if (error < 0)
		goto done;
	if (d.redacted &&
	    (error = map_annotations(ctx, in->id, as.ann,
	                             json_string_value(json_object_get(d.rec, "text")))) < 0)
		goto done;
	d.info = in;
	d.lang = lang;
	d.ann = as.ann;
	if ((error = w->fn(ctx, &d, w->payload)) < 0)
		goto done;
	ctx->documents++;
	ctx->split_records[d.split]++;
	if (ok) {
		if (d.redacted)
			ctx->redacted_written++;
		else
			ctx->unredacted_written++;
	}
done:
	json_decref(d.rec);
	json_decref(as.ann);
	return error;
}

static int each_info(const struct enclave_doc_info *in, void *payload)
{
	struct walk *w = payload;

	if ((w->error = walk_doc(w, in)) < 0)
		return 1;
	return 0;
}

int export_each(struct export_ctx *ctx, export_doc_fn fn, void *payload)
{
	struct walk w = { ctx, fn, payload, 0 };
	int error;

	if (ctx->nsplits && !ctx->splitter && (error = export_splitter_new(ctx)) < 0)
		return error;
	error = enclave_store_list(ctx->project, each_info, &w);
	if (w.error)
		error = w.error;
	export_splitter_free(ctx->splitter);
	ctx->splitter = NULL;
	return error;
}

/* ------------------------------------------------------------------ */
/* The per-split files                                                */
/* ------------------------------------------------------------------ */

int export_out_open(struct export_out *o, struct export_ctx *ctx, const char *stem, const char *ext)
{
	int i, error;

	memset(o, 0, sizeof(*o));
	/* A line holds a document's text twice (blocks and "text"), escaped. */
	o->line = (struct buf)BUF_INIT((size_t)4 * ENCLAVE_MAX_TEXT_BYTES);
	o->n = ctx->nsplits ? ctx->nsplits : 1;
	for (i = 0; i < o->n; i++) {
		snprintf(o->name[i], sizeof(o->name[i]), "%s.%s",
		         ctx->nsplits ? export_split_name(ctx, i) : stem, ext);
		if ((error = export_file_open(&o->f[i], ctx, o->name[i])) < 0) {
			export_out_abort(o);
			return error;
		}
	}
	return 0;
}

int export_out_line(struct export_out *o, struct export_ctx *ctx, int split, const char *data,
                    size_t len, const char *eol)
{
	FILE *f = o->f[split];

	if (fwrite(data, 1, len, f) != len || (eol && fputs(eol, f) < 0))
		return error_set(ENCLAVE_EIO, "cannot write '%s/%s': %s", ctx->dir, o->name[split],
		                 strerror(errno));
	o->records[split]++;
	return 0;
}

int export_out_json(struct export_out *o, struct export_ctx *ctx, int split, const json_t *v)
{
	int error;

	/* jsonenc.c: json_dumps's bytes, without its allocations; the buffer is reused line to line. */
	buf_clear(&o->line);
	if ((error = export_json_encode(&o->line, (json_t *)v)) < 0)
		return error;
	return export_out_line(o, ctx, split, o->line.ptr, o->line.len, "\n");
}

int export_out_done(struct export_out *o, struct export_ctx *ctx)
{
	int i, error = 0;

	buf_release(&o->line);
	for (i = 0; i < o->n; i++) {
		int e = export_file_done(ctx, o->f[i], o->name[i], o->records[i]);
		o->f[i] = NULL;
		if (e < 0 && !error)
			error = e;
	}
	return error;
}

void export_out_abort(struct export_out *o)
{
	int i;

	buf_release(&o->line);
	for (i = 0; i < o->n; i++)
		if (o->f[i]) {
			fclose(o->f[i]);
			o->f[i] = NULL;
		}
}

int export_small_file(struct export_ctx *ctx, const char *name, const char *data, size_t len,
                      int64_t records)
{
	FILE *f;
	int error;

	if ((error = export_file_open(&f, ctx, name)) < 0)
		return error;
	if (fwrite(data, 1, len, f) != len) {
		fclose(f);
		return error_set(ENCLAVE_EIO, "cannot write '%s/%s': %s", ctx->dir, name,
		                 strerror(errno));
	}
	return export_file_done(ctx, f, name, records);
}

int export_doc_file(struct export_ctx *ctx, const char *folder, const struct export_doc *d,
                    const char *ext, const char *data, size_t len)
{
	struct buf dir = BUF_INIT(65536);
	char name[256];
	int error = 0;

	if (ctx->nsplits)
		snprintf(name, sizeof(name), "%s/%s", folder, export_split_name(ctx, d->split));
	else
		snprintf(name, sizeof(name), "%s", folder);
	if ((error = buf_printf(&dir, "%s/%s", ctx->dir, name)) < 0)
		goto done;
	if (fs_mkdirs(buf_cstr(&dir), 0755) < 0) {
		error = error_set(ENCLAVE_EIO, "cannot create '%s': %s", buf_cstr(&dir),
		                  strerror(errno));
		goto done;
	}
	snprintf(name + strlen(name), sizeof(name) - strlen(name), "/%08lld.%s",
	         (long long)d->info->id, ext);
	error = export_small_file(ctx, name, data, len, 1);
done:
	buf_release(&dir);
	return error;
}
