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
#include <math.h>
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

int export_layer_cuts(struct export_ctx *ctx, const struct enclave_doc *doc, int64_t id,
                      const char *blob, struct buf *text, struct store_spans *used, size_t **out)
{
	struct store_spans all = { 0 };
	struct mapper m;
	size_t i, n = doc->nblocks, *cuts = NULL;
	int error;

	*out = NULL;
	if ((error = blob_get(text, ctx->project, blob)) < 0 ||
	    (error = store_spans_read(&all, ctx->project->db, id)) < 0)
		goto done;
	for (i = 0; i < all.n; i++)
		if (all.v[i].out_start >= 0 && (error = store_spans_push(used, &all.v[i])) < 0)
			goto done;
	/* Two cuts a block, then the text's end. */
	if (!(cuts = calloc(2 * n + 1, sizeof(*cuts)))) {
		error = error_oom();
		goto done;
	}
	memset(&m, 0, sizeof(m));
	m.spans = used;
	for (i = 0; i < n; i++) {
		cuts[2 * i] = map_offset(&m, doc->blocks[i].offset);
		cuts[2 * i + 1] = map_offset(&m, doc->blocks[i].offset + doc->blocks[i].length);
	}
	cuts[2 * n] = map_offset(&m, doc->text_cp);
	if (cuts[2 * n] != utf8_count(buf_cstr(text), text->len) || m.i != used->n) {
		error = error_set(ENCLAVE_ETAMPER,
		                  "document %lld: its redacted layer does not match its spans"
		                  " (run 'enclave clean --pii' again)",
		                  (long long)id);
		goto done;
	}
	*out = cuts;
	cuts = NULL;
done:
	free(cuts);
	store_spans_release(&all);
	return error;
}

/* Replace `o`'s text, title, metadata and blocks with their redacted forms. */
static int redact_record(json_t *o, struct export_ctx *ctx, const struct enclave_doc *doc,
                         int64_t id, const char *blob)
{
	struct buf text = BUF_INIT(ENCLAVE_MAX_TEXT_BYTES);
	struct store_spans used = { 0 };
	json_t *blocks = json_object_get(o, "blocks"), *reds = json_array();
	size_t i, n = doc->nblocks, *cuts = NULL, **ptrs = NULL;
	int error = 0;

	if (!reds) {
		error = error_oom();
		goto done;
	}
	if ((error = export_layer_cuts(ctx, doc, id, blob, &text, &used, &cuts)) < 0)
		goto done;
	for (i = 0; i < used.n; i++) {
		const struct store_span *s = &used.v[i];
		if (json_array_append_new(reds, json_pack("{s:s,s:I,s:I}", "label", s->label,
		                                          "start", (json_int_t)s->out_start, "end",
		                                          (json_int_t)s->out_end)) < 0) {
			error = error_oom();
			goto done;
		}
	}
	if (!(ptrs = calloc(2 * n + 1, sizeof(*ptrs)))) {
		error = error_oom();
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
	store_spans_release(&used);
	buf_release(&text);
	return error;
}

int export_record_layer(struct export_ctx *ctx, const struct enclave_doc_info *in, int *redacted,
                        char blob[65])
{
	int error = ctx->layer_original
	                ? ENCLAVE_ENOTFOUND
	                : store_text_blob(ctx->project->db, in->id, "redacted", blob);

	*redacted = error == 0;
	if (error != ENCLAVE_ENOTFOUND)
		return error;
	if (!ctx->opts->allow_unredacted)
		/* Checked before writing; a document redacted meanwhile is not. */
		return error_set(ENCLAVE_EINVALID,
		                 "document %lld lost its redacted layer during the export",
		                 (long long)in->id);
	return 0;
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
		/* The writers place the language themselves (export_doc.lang). */
		json_object_del(o, "language");
		if ((error = export_record_layer(ctx, in, redacted, blob)) < 0)
			goto done;
		if (*redacted) {
			if ((error = redact_record(o, ctx, doc, in->id, blob)) < 0)
				goto done;
		} else if ((error = doc_text(&text, doc)) < 0 ||
		           json_object_set_new(o, "text", json_string(buf_cstr(&text))) < 0) {
			error = error < 0 ? error : error_oom();
			goto done;
		}
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

/* ------------------------------------------------------------------ */
/* The streaming record                                               */
/* ------------------------------------------------------------------ */

/*
 * export_stream_record writes the bytes export_json_encode would write for
 * export_record's tree, from the rows the tree is made of, in two phases:
 * it reads and checks the whole document first (head, pages, blocks, and
 * the redacted layer with its spans), escaping each text once into `esc`,
 * then writes the record(s) from what it kept. A document holding anything
 * on which the tree path would differ (a block the store's reader would
 * trim, clean up or drop, text that is not UTF-8, a non-finite number, a
 * layer that does not match its spans, a limit) is refused before anything
 * is written, and the caller builds the tree (which then fails or cleans up
 * exactly as before). The key orders below are the tree's (doc_json, then
 * export_record and redact_record, then jsonl.c).
 */

/* One block as the second phase writes it. */
struct sblock {
	const char *kind, *method; /* static names */
	int level, page, has_bbox;
	double bbox[4], confidence;
	size_t orig, cp;       /* its original text's offset and length in code points */
	size_t offset, length; /* what the record says (code points) */
	size_t esc, esc_len;   /* its escaped text in s->esc */
	size_t attrs,
	    attrs_len; /* its attrs as JSON in s->attrs (original layer); 0 length: none */
};

struct export_stream {
	struct store_export_q *q;
	struct buf head;  /* "format":..,"title":..,"metadata":..,"pages":[...] */
	struct buf esc;   /* the escaped text ("text") and the blocks' pieces of it */
	struct buf attrs; /* the blocks' attrs */
	struct buf red;   /* the redacted layer */
	struct buf reds;  /* the "redactions" array */
	struct sblock *b;
	size_t nb, cap;
	size_t text_cp, text_bytes; /* running, as doc_add_block counts them */
	int redacted, unit_blocks;
	int npages;
	int refuse; /* a row the tree path would treat otherwise: set by the callbacks */
};

int export_stream_new(struct export_stream **out, struct export_ctx *ctx)
{
	struct export_stream *s = calloc(1, sizeof(*s));
	int error;

	*out = NULL;
	if (!s)
		return error_oom();
	/* The sizes the tree path allows a document (a line holds its text twice, escaped). */
	s->head = (struct buf)BUF_INIT((size_t)4 * ENCLAVE_MAX_TEXT_BYTES);
	s->esc = (struct buf)BUF_INIT((size_t)4 * ENCLAVE_MAX_TEXT_BYTES);
	s->attrs = (struct buf)BUF_INIT((size_t)4 * ENCLAVE_MAX_TEXT_BYTES);
	s->red = (struct buf)BUF_INIT(ENCLAVE_MAX_TEXT_BYTES);
	s->reds = (struct buf)BUF_INIT((size_t)4 * ENCLAVE_MAX_TEXT_BYTES);
	if ((error = store_export_q_new(&s->q, ctx->project->db)) < 0) {
		free(s);
		return error;
	}
	*out = s;
	return 0;
}

void export_stream_free(struct export_stream *s)
{
	if (!s)
		return;
	store_export_q_free(s->q);
	buf_release(&s->head);
	buf_release(&s->esc);
	buf_release(&s->attrs);
	buf_release(&s->red);
	buf_release(&s->reds);
	free(s->b);
	free(s);
}

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* 1 when jansson would refuse C string `v` (not UTF-8), else 0 (NULL too). */
static int check_str(const char *v)
{
	size_t used, ncp;

	return v ? export_json_text(NULL, v, strlen(v), (size_t)-1, &used, &ncp) : 0;
}

/* A JSON string of C string `v` (NULL: null); 1 when jansson would refuse it. */
static int put_str(struct buf *b, const char *v)
{
	int error;

	if (!v)
		return buf_put(b, "null", 4) < 0 ? error_buf(BUF_ETOOBIG, "a record") : 0;
	if ((error = check_str(v)) != 0)
		return error;
	return export_json_string(b, v, strlen(v));
}

/* Append literal `lit`. */
static int put_lit(struct buf *b, const char *lit, size_t len)
{
	return buf_put(b, lit, len) < 0 ? error_buf(BUF_ETOOBIG, "a record") : 0;
}
#define PUT(b, lit) put_lit((b), (lit), sizeof(lit) - 1)

/* Phase 1: the head, as load_head and doc_json make it. */
static int read_head(struct export_stream *s, int64_t id)
{
	const char *format, *title, *meta;
	json_t *m;
	int error;

	if ((error = store_export_head(s->q, id, &format, &title, &meta)) != 0)
		return error == ENCLAVE_ENOTFOUND ? 1 : error;
	if ((error = PUT(&s->head, "\"format\":")) != 0 ||
	    (error = put_str(&s->head, format ? format : "unknown")) != 0 ||
	    (error = PUT(&s->head, ",\"title\":")) != 0)
		return error;
	/* The redacted record withholds the title (null) and the metadata ({}): checked all the same. */
	if (s->redacted)
		return check_str(title) ? 1 : PUT(&s->head, "null,\"metadata\":{}");
	if ((error = put_str(&s->head, title)) != 0 ||
	    (error = PUT(&s->head, ",\"metadata\":")) != 0)
		return error;
	m = s->unit_blocks || !meta ? NULL : json_loads(meta, 0, NULL);
	error = json_is_object(m) ? export_json_encode(&s->head, m) : PUT(&s->head, "{}");
	json_decref(m);
	return error;
}

/* Phase 1: a page, as doc_add_page and doc_json make it. */
static int each_page(void *payload, double width, double height, const char *method,
                     double confidence)
{
	struct export_stream *s = payload;
	const char *m = doc_method_intern(method);
	int error;

	if (s->npages >= ENCLAVE_MAX_PAGES || !isfinite(confidence)) {
		s->refuse = 1;
		return 1;
	}
	s->npages++;
	if ((s->npages > 1 && (error = PUT(&s->head, ",")) != 0) ||
	    (error = PUT(&s->head, "{\"number\":")) != 0 ||
	    (error = export_json_int(&s->head, s->npages)) != 0 ||
	    (error = PUT(&s->head, ",\"width\":")) != 0 ||
	    (error = export_json_real(&s->head, isfinite(width) ? width : 0)) != 0 ||
	    (error = PUT(&s->head, ",\"height\":")) != 0 ||
	    (error = export_json_real(&s->head, isfinite(height) ? height : 0)) != 0 ||
	    (error = PUT(&s->head, ",\"method\":")) != 0 ||
	    (error = export_json_string(&s->head, m ? m : "none", strlen(m ? m : "none"))) != 0 ||
	    (error = PUT(&s->head, ",\"confidence\":")) != 0 ||
	    (error = export_json_real(&s->head, confidence)) != 0 ||
	    (error = PUT(&s->head, "}")) != 0)
		return error;
	return 0;
}

/* Phase 1: a block, as store_document_load, doc_add_block and doc_json make it. */
static int each_block(void *payload, const struct store_block_row *r)
{
	struct export_stream *s = payload;
	struct sblock *b;
	size_t len = r->text_len, sep = s->nb ? 2 : 0, used, cp;
	int kind, error;

	/* What doc_add_block would trim, drop, refuse, or clean up (sanitise). */
	if (!r->text || !len || is_space((unsigned char)r->text[0]) ||
	    is_space((unsigned char)r->text[len - 1]) || len > ENCLAVE_MAX_BLOCK_BYTES ||
	    s->nb >= ENCLAVE_MAX_BLOCKS || s->text_bytes + sep + len > ENCLAVE_MAX_TEXT_BYTES ||
	    !isfinite(r->confidence) ||
	    (r->has_bbox && !(isfinite(r->bbox[0]) && isfinite(r->bbox[1]) &&
	                      isfinite(r->bbox[2]) && isfinite(r->bbox[3]))) ||
	    (!s->redacted && r->attrs && strstr(r->attrs, "\\u0000")))
		goto refuse;
	if (s->nb == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 256;
		struct sblock *nv = realloc(s->b, ncap * sizeof(*nv));
		if (!nv)
			return error_oom();
		s->b = nv;
		s->cap = ncap;
	}
	b = &s->b[s->nb];
	memset(b, 0, sizeof(*b));
	kind = r->kind ? enclave_block_kind_parse(r->kind) : -1;
	b->kind =
	    enclave_block_kind_name(kind < 0 ? ENCLAVE_BLOCK_PARAGRAPH : (enclave_block_kind)kind);
	b->method = doc_method_intern(r->method) ? doc_method_intern(r->method) : "markup";
	b->level = r->level;
	b->page = r->page;
	b->has_bbox = r->has_bbox;
	memcpy(b->bbox, r->bbox, sizeof(b->bbox));
	b->confidence = r->confidence;
	if (s->redacted) {
		/* Only its length counts: the text shipped is the layer's. */
		error = export_json_text(NULL, r->text, len, (size_t)-1, &used, &cp);
	} else {
		/* "text" is the blocks joined by a blank line: their pieces of it. */
		if (sep && (error = PUT(&s->esc, "\\n\\n")) != 0)
			return error;
		b->esc = s->esc.len;
		error = export_json_text(&s->esc, r->text, len, (size_t)-1, &used, &cp);
		b->esc_len = s->esc.len - b->esc;
	}
	if (error < 0)
		return error;
	if (error > 0 || used != len)
		goto refuse;
	b->cp = cp;
	b->orig = s->text_cp + sep;
	b->offset = s->text_cp + sep;
	b->length = cp;
	s->text_cp += sep + cp;
	s->text_bytes += sep + len;
	if (!s->redacted && r->attrs) {
		json_t *a = json_loads(r->attrs, JSON_ALLOW_NUL, NULL);
		if (a) {
			b->attrs = s->attrs.len;
			error = export_json_encode(&s->attrs, a);
			b->attrs_len = s->attrs.len - b->attrs;
			json_decref(a);
			if (error < 0)
				return error;
		}
	}
	s->nb++;
	return 0;
refuse:
	s->refuse = 1;
	return 1;
}

/*
 * Phase 1 of the redacted record: the layer, its redactions, the blocks
 * re-cut (as redact_record) and the layer escaped once, each block's cut
 * noted on the way.
 */
static int read_layer(struct export_stream *s, struct export_ctx *ctx, int64_t id, const char *blob)
{
	struct store_spans all = { 0 }, used = { 0 };
	struct mapper m;
	const char *p, *end;
	size_t i, k, cp = 0, n, u;
	int error;

	if ((error = blob_get(&s->red, ctx->project, blob)) < 0 ||
	    (error = store_spans_read(&all, ctx->project->db, id)) < 0)
		goto done;
	if ((error = PUT(&s->reds, "[")) != 0)
		goto done;
	for (i = 0; i < all.n; i++) {
		const struct store_span *sp = &all.v[i];
		if (sp->out_start < 0)
			continue;
		if ((error = store_spans_push(&used, sp)) < 0 ||
		    (used.n > 1 && (error = PUT(&s->reds, ",")) != 0) ||
		    (error = PUT(&s->reds, "{\"label\":")) != 0 ||
		    (error = put_str(&s->reds, sp->label)) != 0 ||
		    (error = PUT(&s->reds, ",\"start\":")) != 0 ||
		    (error = export_json_int(&s->reds, sp->out_start)) != 0 ||
		    (error = PUT(&s->reds, ",\"end\":")) != 0 ||
		    (error = export_json_int(&s->reds, sp->out_end)) != 0 ||
		    (error = PUT(&s->reds, "}")) != 0)
			goto done;
		if (!sp->label) {
			error = 1; /* json_pack refuses a NULL string */
			goto done;
		}
	}
	if ((error = PUT(&s->reds, "]")) != 0)
		goto done;
	memset(&m, 0, sizeof(m));
	m.spans = &used;
	p = buf_cstr(&s->red);
	end = p + s->red.len;
	/* Two cuts a block, then the text's end, each escaped up to in turn (they never go back). */
	for (k = 0; k <= 2 * s->nb; k++) {
		struct sblock *b = k < 2 * s->nb ? &s->b[k / 2] : NULL;
		size_t o = !b ? s->text_cp : k % 2 ? b->orig + b->cp : b->orig;
		size_t cut = map_offset(&m, o);
		if (cut < cp) {
			error = 1;
			goto done;
		}
		if ((error = export_json_text(&s->esc, p, (size_t)(end - p), cut - cp, &u, &n)) !=
		    0)
			goto done;
		if (n != cut - cp) {
			error = 1; /* the layer is shorter than its spans say */
			goto done;
		}
		p += u;
		cp = cut;
		if (!b)
			break;
		if (k % 2) {
			b->length = cut - b->offset;
			b->esc_len = s->esc.len - b->esc;
		} else {
			b->offset = cut;
			b->esc = s->esc.len;
		}
	}
	/* The whole layer taken, every span passed: else redact_record's ETAMPER. */
	if (p != end || m.i != used.n)
		error = 1;
done:
	store_spans_release(&all);
	store_spans_release(&used);
	return error;
}

/* Copy n bytes to p; the end. */
static inline char *cat(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}
#define CAT(p, lit) cat((p), (lit), sizeof(lit) - 1)

/* Room for a block's members but its text and attrs: keys, names, 4 integers, 5 reals. */
#define BLOCK_ROOM 512

/*
 * Phase 2: block i's members after its "{" ("seq" on), written in one go
 * into room reserved first (one call a block instead of one a member).
 */
static int put_block(struct buf *o, const struct export_stream *s, size_t i)
{
	const struct sblock *b = &s->b[i];
	size_t k, n;
	char *p;
	int error;

	if ((error = buf_grow(o, b->esc_len + b->attrs_len + BLOCK_ROOM)) < 0)
		return error_buf(error, "a record");
	p = o->ptr + o->len;
	p = CAT(p, "\"seq\":");
	p += export_json_int_chars(p, (json_int_t)i);
	p = CAT(p, ",\"kind\":\"");
	p = cat(p, b->kind, strlen(b->kind));
	p = CAT(p, "\",\"level\":");
	p += export_json_int_chars(p, b->level);
	p = CAT(p, ",\"text\":\"");
	p = cat(p, buf_cstr(&s->esc) + b->esc, b->esc_len);
	p = CAT(p, "\",\"offset\":");
	p += export_json_int_chars(p, (json_int_t)b->offset);
	p = CAT(p, ",\"length\":");
	p += export_json_int_chars(p, (json_int_t)b->length);
	p = CAT(p, ",\"method\":\"");
	p = cat(p, b->method, strlen(b->method));
	p = CAT(p, "\",\"confidence\":");
	if (!(n = export_json_real_chars(p, b->confidence)))
		return error_set(ENCLAVE_ERROR, "cannot write the real %g", b->confidence);
	p += n;
	p = CAT(p, ",\"page\":");
	if (b->page)
		p += export_json_int_chars(p, b->page);
	else
		p = CAT(p, "null");
	p = CAT(p, ",\"bbox\":");
	if (!b->has_bbox)
		p = CAT(p, "null");
	for (k = 0; b->has_bbox && k < 4; k++) {
		*p++ = k ? ',' : '[';
		if (!(n = export_json_real_chars(p, b->bbox[k])))
			return error_set(ENCLAVE_ERROR, "cannot write the real %g", b->bbox[k]);
		p += n;
	}
	if (b->has_bbox)
		*p++ = ']';
	if (b->attrs_len) {
		p = CAT(p, ",\"attrs\":");
		p = cat(p, buf_cstr(&s->attrs) + b->attrs, b->attrs_len);
	}
	*p = '\0';
	o->len = (size_t)(p - o->ptr);
	return 0;
}

/* Phase 2: the members after "blocks" and "text" (export_record's, then jsonl's). */
static int put_tail(struct buf *o, const struct export_stream *s, const struct export_doc *d)
{
	const struct enclave_doc_info *in = d->info;
	int error;

	if ((s->redacted && ((error = PUT(o, ",\"redactions\":")) != 0 ||
	                     (error = put_lit(o, buf_cstr(&s->reds), s->reds.len)) != 0)) ||
	    (error = PUT(o, ",\"id\":")) != 0 || (error = export_json_int(o, in->id)) != 0 ||
	    (error = PUT(o, ",\"status\":")) != 0 || (error = put_str(o, in->status)) != 0 ||
	    (error = s->redacted ? PUT(o, ",\"redacted\":true") : PUT(o, ",\"redacted\":false")) !=
	        0 ||
	    (in->error &&
	     ((error = PUT(o, ",\"error\":")) != 0 || (error = put_str(o, in->error)) != 0)) ||
	    (error = PUT(o, ",\"source\":{\"path\":")) != 0 ||
	    (error = put_str(o, in->path)) != 0 || (error = PUT(o, ",\"sha256\":")) != 0 ||
	    (error = put_str(o, in->sha256)) != 0 || (error = PUT(o, ",\"size\":")) != 0 ||
	    (error = export_json_int(o, (json_int_t)in->size)) != 0 ||
	    (error = PUT(o, ",\"media_type\":")) != 0 ||
	    (error = put_str(o, in->media_type)) != 0 || (error = PUT(o, "},\"language\":")) != 0 ||
	    (error = put_str(o, *d->lang ? d->lang : NULL)) != 0 ||
	    (error = PUT(o, ",\"annotations\":")) != 0 ||
	    (error = export_json_encode(o, d->ann)) != 0)
		return error;
	return PUT(o, "}\n");
}

/* Flush `line` once it holds this much (the blocks unit): memory stays bounded. */
#define STREAM_FLUSH ((size_t)1 << 20)

int export_stream_record(struct export_stream *s, struct export_ctx *ctx,
                         const struct export_doc *d, int unit_blocks, struct buf *line,
                         export_lines_fn flush, void *payload)
{
	int64_t id = d->info->id;
	size_t i, n = 0, keep = line->len;
	char prefix[48];
	int error, plen;

	buf_clear(&s->head);
	buf_clear(&s->esc);
	buf_clear(&s->attrs);
	buf_clear(&s->red);
	buf_clear(&s->reds);
	s->nb = 0;
	s->text_cp = s->text_bytes = 0;
	s->npages = 0;
	s->refuse = 0;
	s->redacted = d->redacted;
	s->unit_blocks = unit_blocks;
	/* Phase 1: read and check everything. */
	if ((error = PUT(&s->head, "{")) != 0 || (error = read_head(s, id)) != 0 ||
	    (error = PUT(&s->head, ",\"pages\":[")) != 0 ||
	    (error = store_export_pages(s->q, id, each_page, s)) < 0 ||
	    (!error && (error = PUT(&s->head, "]")) != 0) ||
	    (!s->refuse && (error = store_export_blocks(s->q, id, each_block, s)) < 0))
		return error;
	if (s->refuse || error > 0)
		return 1;
	if (s->redacted && (error = read_layer(s, ctx, id, d->blob)) != 0)
		return error;
	/* The listing's strings, which the tree makes JSON strings of too. */
	if (!d->info->path || !d->info->status || check_str(d->info->status) ||
	    check_str(d->info->error) || check_str(d->info->path) || check_str(d->info->sha256) ||
	    check_str(d->info->media_type) || check_str(d->lang))
		return 1;
	/* Phase 2: write. */
	if (unit_blocks) {
		plen = snprintf(prefix, sizeof(prefix), "{\"document_id\":%lld,", (long long)id);
		for (i = 0; i < s->nb; i++) {
			if ((error = put_lit(line, prefix, (size_t)plen)) != 0 ||
			    (error = put_block(line, s, i)) != 0 || (error = PUT(line, "}\n")) != 0)
				goto fail;
			n++;
			if (line->len >= STREAM_FLUSH) {
				if ((error = flush(payload, d->split, line, n)) < 0)
					return error;
				n = 0;
			}
		}
		ctx->streamed++;
		return n ? flush(payload, d->split, line, n) : 0;
	}
	if ((error = put_lit(line, s->head.ptr, s->head.len)) != 0 ||
	    (error = PUT(line, ",\"blocks\":[")) != 0)
		goto fail;
	for (i = 0; i < s->nb; i++)
		if ((error = put_lit(line, ",{" + !i, 2 - !i)) != 0 ||
		    (error = put_block(line, s, i)) != 0 || (error = PUT(line, "}")) != 0)
			goto fail;
	if ((error = PUT(line, "],\"text\":\"")) != 0 ||
	    (error = put_lit(line, buf_cstr(&s->esc), s->esc.len)) != 0 ||
	    (error = PUT(line, "\"")) != 0 || (error = put_tail(line, s, d)) != 0)
		goto fail;
	ctx->streamed++;
	return flush(payload, d->split, line, 1);
fail:
	buf_truncate(line, keep);
	return error < 0 ? error : 1;
}
