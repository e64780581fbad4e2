/*
 * One document as every writer ships it (export_record in export_int.h),
 * with the redaction guard's other half: a document with a redacted layer
 * ships that layer, and its blocks are re-cut from it.
 *
 * Re-cutting: each redacted span has its output range in the redacted layer
 * (spans.out_start/out_end, recorded by clean --pii with the layer). An
 * original offset o outside every span maps to o plus the growth of the
 * spans that end at or before it; an offset strictly inside a span maps to
 * the end of that span's replacement, so a span crossing a block boundary
 * lands whole in the earlier block. Block boundaries come in increasing
 * order (start <= end <= next start), so one cursor over the spans serves
 * them all. If the mapped end of the text is not the redacted layer's length
 * the layer and its spans disagree, and the export fails rather than ship
 * blocks cut in the wrong places.
 */
#include <string.h>

#include "export_int.h"
#include "../clean/clean_int.h"
#include "../../util/utf8.h"

struct mapper {
	const struct store_spans *spans; /* redacted ones only, by start */
	size_t i;                        /* spans before it end at or before the last offset */
	long long delta;                 /* growth of those spans */
};

/* Map original offset `o` (not less than the previous one) into the redacted text. */
static size_t map_offset(struct mapper *m, size_t o)
{
	while (m->i < m->spans->n) {
		const struct store_span *s = &m->spans->v[m->i];
		if (s->end <= o) {
			m->delta +=
			    (long long)(s->out_end - s->out_start) - (long long)(s->end - s->start);
			m->i++;
			continue;
		}
		if (s->start < o)
			return (size_t)s->out_end;
		break;
	}
	return (size_t)((long long)o + m->delta);
}

/* Replace `o`'s text, title, metadata and blocks with their redacted forms. */
static int redact_record(json_t *o, struct export_ctx *ctx, const struct enclave_doc *doc,
                         int64_t id, const char *blob)
{
	struct buf text = BUF_INIT(ENCLAVE_MAX_TEXT_BYTES);
	struct store_spans all = { 0 }, used = { 0 };
	struct mapper m;
	json_t *blocks = json_object_get(o, "blocks"), *reds = json_array();
	size_t i, n = doc->nblocks, *cuts = NULL, **ptrs = NULL, text_cp;
	int error = 0;

	if (!reds) {
		error = error_oom();
		goto done;
	}
	if ((error = blob_get(&text, ctx->project, blob)) < 0 ||
	    (error = store_spans_read(&all, ctx->project->db, id)) < 0)
		goto done;
	for (i = 0; i < all.n; i++) {
		const struct store_span *s = &all.v[i];
		if (s->out_start < 0)
			continue;
		if ((error = store_spans_push(&used, s)) < 0)
			goto done;
		if (json_array_append_new(reds, json_pack("{s:s,s:I,s:I}", "label", s->label,
		                                          "start", (json_int_t)s->out_start, "end",
		                                          (json_int_t)s->out_end)) < 0) {
			error = error_oom();
			goto done;
		}
	}
	/* Two cuts a block, then the text's end. */
	if (!(cuts = calloc(2 * n + 1, sizeof(*cuts))) ||
	    !(ptrs = calloc(2 * n + 1, sizeof(*ptrs)))) {
		error = error_oom();
		goto done;
	}
	memset(&m, 0, sizeof(m));
	m.spans = &used;
	for (i = 0; i < n; i++) {
		cuts[2 * i] = map_offset(&m, doc->blocks[i].offset);
		cuts[2 * i + 1] = map_offset(&m, doc->blocks[i].offset + doc->blocks[i].length);
	}
	cuts[2 * n] = map_offset(&m, doc->text_cp);
	text_cp = utf8_count(buf_cstr(&text), text.len);
	if (cuts[2 * n] != text_cp || m.i != used.n) {
		error = error_set(ENCLAVE_ETAMPER,
		                  "document %lld: its redacted layer does not match its spans"
		                  " (run 'enclave clean --pii' again)",
		                  (long long)id);
		goto done;
	}
	for (i = 0; i < n; i++) {
		json_t *b = json_array_get(blocks, i);
		if (json_object_set_new(b, "offset", json_integer((json_int_t)cuts[2 * i])) < 0 ||
		    json_object_set_new(b, "length",
		                        json_integer((json_int_t)(cuts[2 * i + 1] - cuts[2 * i]))) <
		        0) {
			error = error_oom();
			goto done;
		}
		json_object_del(b, "attrs");
	}
	/* The cuts in bytes, to slice the blocks' texts out of the layer. */
	for (i = 0; i < 2 * n + 1; i++)
		ptrs[i] = &cuts[i];
	if ((error = clean_cp_to_bytes(buf_cstr(&text), text.len, ptrs, 2 * n + 1)) < 0)
		goto done;
	for (i = 0; i < n; i++) {
		json_t *b = json_array_get(blocks, i);
		if (json_object_set_new(b, "text",
		                        json_stringn(buf_cstr(&text) + cuts[2 * i],
		                                     cuts[2 * i + 1] - cuts[2 * i])) < 0) {
			error = error_oom();
			goto done;
		}
	}
	if (json_object_set_new(o, "text", json_stringn(buf_cstr(&text), text.len)) < 0 ||
	    json_object_set_new(o, "title", json_null()) < 0 ||
	    json_object_set_new(o, "metadata", json_object()) < 0 ||
	    json_object_set(o, "redactions", reds) < 0)
		error = error_oom();
done:
	json_decref(reds);
	free(cuts);
	free(ptrs);
	store_spans_release(&all);
	store_spans_release(&used);
	buf_release(&text);
	return error;
}

int export_record(json_t **out, struct export_ctx *ctx, const struct enclave_doc_info *in,
                  int *redacted)
{
	struct enclave_doc *doc = NULL;
	struct buf text = BUF_INIT(ENCLAVE_MAX_TEXT_BYTES);
	json_t *o = NULL, *src = NULL;
	char blob[65];
	int error = 0, ok = !strcmp(in->status, "ok");

	*out = NULL;
	*redacted = 0;
	if (ok) {
		if ((error = enclave_store_load(&doc, ctx->project, in->id)) < 0)
			goto done;
		if (!(o = doc_json(doc))) {
			error = error_oom();
			goto done;
		}
		error = ctx->layer_original
		            ? ENCLAVE_ENOTFOUND
		            : store_text_blob(ctx->project->db, in->id, "redacted", blob);
		if (error == 0) {
			*redacted = 1;
			if ((error = redact_record(o, ctx, doc, in->id, blob)) < 0)
				goto done;
		} else if (error != ENCLAVE_ENOTFOUND) {
			goto done;
		} else if (!ctx->opts->allow_unredacted) {
			/* Checked before writing; a document redacted meanwhile is not. */
			error = error_set(ENCLAVE_EINVALID,
			                  "document %lld lost its redacted layer during the export",
			                  (long long)in->id);
			goto done;
		} else if ((error = doc_text(&text, doc)) < 0 ||
		           json_object_set_new(o, "text", json_string(buf_cstr(&text))) < 0) {
			error = error < 0 ? error : error_oom();
			goto done;
		}
		error = 0;
	} else {
		o = json_pack("{s:n,s:n,s:{},s:[],s:[],s:s}", "format", "title", "metadata",
		              "pages", "blocks", "text", "");
	}
	src = json_pack("{s:s,s:s?,s:I,s:s?}", "path", in->path, "sha256", in->sha256, "size",
	                (json_int_t)in->size, "media_type", in->media_type);
	if (!o || !src || json_object_set_new(o, "id", json_integer(in->id)) < 0 ||
	    json_object_set_new(o, "status", json_string(in->status)) < 0 ||
	    json_object_set_new(o, "redacted", json_boolean(*redacted)) < 0 ||
	    (in->error && json_object_set_new(o, "error", json_string(in->error)) < 0) ||
	    json_object_set(o, "source", src) < 0) {
		error = error_oom();
		goto done;
	}
	*out = o;
	o = NULL;
done:
	json_decref(o);
	json_decref(src);
	buf_release(&text);
	enclave_doc_free(doc);
	return error;
}
