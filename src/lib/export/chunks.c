/*
 * The chunks writer (RAG): chunks.jsonl (or one file per split), one chunk
 * a line:
 *
 *   {"id":"7-0","document_id":7,"chunk":0,"pages":[1,2],
 *    "heading_path":["Annual report","Risks"],"start":0,"end":812,
 *    "text":"..."}
 *
 * start and end are code points into the exported text of the document
 * (the redacted layer unless --layer original), and text is that range of
 * it, so redactions are gone from chunks as from the text. chunk_by:
 *
 *   tokens     word pieces (textseg.c), chunk_size of them (default 256)
 *   words      runs of non-space characters (default 256)
 *   sentences  sentences within each block (default 5 a chunk)
 *   sections   a heading or title block and the blocks up to the next one
 *              (default 1 a chunk)
 *
 * Consecutive chunks share chunk_overlap units (less than chunk_size). The
 * heading path is the titles and headings in force where the chunk starts
 * (a heading of level L replaces those of level L and deeper); pages are
 * the pages of the blocks the chunk touches, ascending.
 *
 * Chunks start in increasing order and blocks lie in increasing order, so
 * one pass over a document's blocks (struct cblock, read once from the
 * record) serves all its chunks: the heading stack grows with the start,
 * and the search for the blocks a chunk touches resumes where the previous
 * chunk's began (it used to rescan every block for every chunk).
 *
 * An ok document's blocks are read from the store's rows (the driver's
 * streaming mode: no jansson tree; the redacted layer re-cut by
 * export_layer_cuts, as export_record does); a document with a tree (a
 * failed one, or one whose Q&A pairs need it) is read from the tree. The
 * two give the same chunks.
 */
#include <string.h>

#include "export_int.h"
#include "../../util/utf8.h"

struct chunks_state {
	struct export_out out;
	const char *by;
	size_t size, overlap;
	struct cptext t; /* reused from document to document */
	struct buf text; /* the exported text of a document read from its rows */
};

/* A block as the chunks of its document look at it. */
struct cblock {
	size_t start, end;  /* code points of the exported text */
	json_int_t page;    /* 0 or less: none */
	int heading, level; /* a title (level 0) or heading */
	const char *text;   /* a heading's text (bytes), for the heading path */
	size_t text_len;
};

static int kind_heading(const char *k)
{
	return k && (!strcmp(k, "heading") || !strcmp(k, "title"));
}

static size_t jsz(const json_t *v)
{
	json_int_t i = json_integer_value(v);
	return i < 0 ? 0 : (size_t)i;
}

/* The units of a document's text `t` (blocks cb[0..n)) by `by` into `u`. */
static int units(struct segs *u, const char *by, const struct cptext *t, const struct cblock *cb,
                 size_t n)
{
	int error = 0;

	if (!strcmp(by, "tokens"))
		return seg_tokens(u, t, 0, t->n);
	if (!strcmp(by, "words"))
		return seg_words(u, t, 0, t->n);
	for (size_t i = 0; i < n; i++) {
		size_t s = cb[i].start, e = cb[i].end;
		if (e > t->n || s >= e)
			continue;
		if (!strcmp(by, "sentences")) {
			if ((error = seg_sentences(u, t, s, e)) < 0)
				return error;
		} else if (cb[i].heading || !u->n) {
			struct seg sg = { s, e };
			if (u->n == u->cap) {
				size_t ncap = u->cap ? 2 * u->cap : 16;
				struct seg *v = realloc(u->v, ncap * sizeof(*v));
				if (!v)
					return error_oom();
				u->v = v;
				u->cap = ncap;
			}
			u->v[u->n++] = sg;
		} else {
			u->v[u->n - 1].end = e;
		}
	}
	return 0;
}

/* The walk over a document's blocks, chunk after chunk (starts never go back). */
struct cwalk {
	const struct cblock *b;
	size_t n;
	size_t next;  /* blocks before it have been seen for the heading stack */
	size_t first; /* blocks before it end at or before the last chunk's start */
	const struct cblock *stack[8];
	int levels[8];
	size_t depth;
	size_t last; /* the previous chunk's start */
};

/* The blocks of `blocks` into *out (malloc'd, *n of them). */
static int cblocks(struct cblock **out, size_t *n, const json_t *blocks)
{
	const json_t *b;
	size_t i;

	*n = json_array_size(blocks);
	*out = NULL;
	if (!*n)
		return 0;
	if (!(*out = calloc(*n, sizeof(**out))))
		return error_oom();
	json_array_foreach(blocks, i, b)
	{
		struct cblock *c = &(*out)[i];
		c->start = jsz(json_object_get(b, "offset"));
		c->end = c->start + jsz(json_object_get(b, "length"));
		c->page = json_integer_value(json_object_get(b, "page"));
		c->heading = kind_heading(json_string_value(json_object_get(b, "kind")));
		c->level = !c->heading ? 0
		           : !strcmp(json_string_value(json_object_get(b, "kind")), "title")
		               ? 0
		               : (int)json_integer_value(json_object_get(b, "level"));
		c->text = json_string_value(json_object_get(b, "text"));
		c->text_len = json_string_length(json_object_get(b, "text"));
	}
	return 0;
}

/*
 * The blocks of `doc` into *out, cut as its exported text `t` is: by
 * `cuts` (export_layer_cuts) for the redacted layer, else at the blocks'
 * own offsets; a heading's text is its part of `t` (the original: its own).
 */
static int cblocks_doc(struct cblock **out, const struct enclave_doc *doc, const size_t *cuts,
                       const struct cptext *t)
{
	size_t n = doc->nblocks;

	*out = NULL;
	if (!n)
		return 0;
	if (!(*out = calloc(n, sizeof(**out))))
		return error_oom();
	for (size_t i = 0; i < n; i++) {
		const struct enclave_block *b = &doc->blocks[i];
		const char *kind = enclave_block_kind_name(b->kind);
		struct cblock *c = &(*out)[i];
		c->start = cuts ? cuts[2 * i] : b->offset;
		c->end = cuts ? cuts[2 * i + 1] : b->offset + b->length;
		c->page = b->page;
		c->heading = kind_heading(kind);
		c->level = !c->heading || !strcmp(kind, "title") ? 0 : b->level;
		if (!c->heading) {
			continue;
		} else if (!cuts) {
			c->text = b->text;
			c->text_len = strlen(b->text);
		} else if (c->start <= c->end && c->end <= t->n) {
			c->text = t->s + t->byte[c->start];
			c->text_len = t->byte[c->end] - t->byte[c->start];
		} else { /* not expected: the cuts were checked against the layer */
			free(*out);
			*out = NULL;
			return error_set(ENCLAVE_ETAMPER,
			                 "a block past the end of its redacted layer");
		}
	}
	return 0;
}

/* The heading path at `start` and the pages of [start, end) into the new arrays. */
static int context(json_t **path, json_t **pages, struct cwalk *w, size_t start, size_t end)
{
	int seen_pages[64];
	size_t i, npages = 0, k;

	*path = json_array();
	*pages = json_array();
	if (!*path || !*pages)
		return error_oom();
	if (start < w->last) /* not expected: start the walk over */
		w->next = w->first = w->depth = 0;
	w->last = start;
	/* The titles and headings that start at or before `start`, in block order. */
	for (; w->next < w->n && w->b[w->next].start <= start; w->next++) {
		const struct cblock *b = &w->b[w->next];
		if (!b->heading)
			continue;
		while (w->depth && w->levels[w->depth - 1] >= b->level)
			w->depth--;
		if (w->depth < 8) {
			w->levels[w->depth] = b->level;
			w->stack[w->depth++] = b;
		}
	}
	/* The blocks overlapping [start, end): ends ascend, so skip those ending before. */
	while (w->first < w->n && w->b[w->first].end <= start)
		w->first++;
	for (i = w->first; i < w->n && w->b[i].start < end; i++) {
		json_int_t pg = w->b[i].page;
		if (pg > 0 && start < w->b[i].end) {
			for (k = 0; k < npages && seen_pages[k] != (int)pg; k++)
				;
			if (k == npages && npages < 64)
				seen_pages[npages++] = (int)pg;
		}
	}
	for (i = 0; i < w->depth; i++)
		if (json_array_append_new(*path,
		                          json_stringn(w->stack[i]->text ? w->stack[i]->text : "",
		                                       w->stack[i]->text_len)) < 0)
			return error_oom();
	/* Ascending: insertion sort of at most 64. */
	for (i = 1; i < npages; i++)
		for (k = i; k > 0 && seen_pages[k - 1] > seen_pages[k]; k--) {
			int t = seen_pages[k];
			seen_pages[k] = seen_pages[k - 1];
			seen_pages[k - 1] = t;
		}
	for (i = 0; i < npages; i++)
		if (json_array_append_new(*pages, json_integer(seen_pages[i])) < 0)
			return error_oom();
	return 0;
}

/* export_chunk_ranges over blocks cb[0..n). */
static int chunk_ranges(struct segs *out, const char *by, size_t size, size_t overlap,
                        const struct cptext *t, const struct cblock *cb, size_t n)
{
	struct segs u = { 0 };
	size_t k;
	int error;

	memset(out, 0, sizeof(*out));
	if (!size || overlap >= size)
		return error_set(ENCLAVE_EINVALID,
		                 "chunk overlap (%zu) must be less than the chunk size (%zu)",
		                 overlap, size);
	if ((error = units(&u, by, t, cb, n)) < 0)
		goto done;
	for (k = 0; k < u.n; k += size - overlap) {
		size_t last = k + size < u.n ? k + size : u.n;
		if (out->n == out->cap) {
			size_t ncap = out->cap ? 2 * out->cap : 16;
			struct seg *v = realloc(out->v, ncap * sizeof(*v));
			if (!v) {
				error = error_oom();
				goto done;
			}
			out->v = v;
			out->cap = ncap;
		}
		out->v[out->n].start = u.v[k].start;
		out->v[out->n].end = u.v[last - 1].end;
		out->n++;
		if (last == u.n)
			break;
	}
done:
	if (error < 0)
		segs_release(out);
	segs_release(&u);
	return error;
}

int export_chunk_ranges(struct segs *out, const char *by, size_t size, size_t overlap,
                        const struct cptext *t, const json_t *blocks)
{
	struct cblock *cb = NULL;
	size_t n;
	int error;

	memset(out, 0, sizeof(*out));
	if ((error = cblocks(&cb, &n, blocks)) < 0)
		return error;
	error = chunk_ranges(out, by, size, overlap, t, cb, n);
	free(cb);
	return error;
}

/* A key (with its punctuation) of a chunk's line. */
static int key(struct buf *b, const char *k)
{
	int e = buf_puts(b, k);
	return e < 0 ? error_buf(e, "a chunk") : 0;
}

/* The line {"id","document_id","chunk","pages","heading_path","start","end","text"}. */
static int chunk_line(struct buf *b, const char *id, int64_t doc, size_t chunk, json_t *pages,
                      json_t *path, size_t start, size_t end, const char *text, size_t len)
{
	int error;

	if ((error = key(b, "{\"id\":")) < 0 ||
	    (error = export_json_string(b, id, strlen(id))) < 0 ||
	    (error = key(b, ",\"document_id\":")) < 0 ||
	    (error = export_json_int(b, (json_int_t)doc)) < 0 ||
	    (error = key(b, ",\"chunk\":")) < 0 ||
	    (error = export_json_int(b, (json_int_t)chunk)) < 0 ||
	    (error = key(b, ",\"pages\":")) < 0 || (error = export_json_encode(b, pages)) < 0 ||
	    (error = key(b, ",\"heading_path\":")) < 0 ||
	    (error = export_json_encode(b, path)) < 0 || (error = key(b, ",\"start\":")) < 0 ||
	    (error = export_json_int(b, (json_int_t)start)) < 0 ||
	    (error = key(b, ",\"end\":")) < 0 ||
	    (error = export_json_int(b, (json_int_t)end)) < 0 ||
	    (error = key(b, ",\"text\":")) < 0 || (error = export_json_string(b, text, len)) < 0)
		return error;
	return key(b, "}");
}

/*
 * The exported text of d and its blocks, from its rows: into s->text and
 * *cb (n blocks, whose heading texts may point into *docp: the caller
 * frees it after them). Returns 1 when the rows hold what only the tree
 * path reproduces (text that is not UTF-8: the tree refuses it), 0 or an
 * error.
 */
static int read_rows(struct chunks_state *s, struct export_ctx *ctx, const struct export_doc *d,
                     struct enclave_doc **docp, struct cblock **cb, size_t *n)
{
	struct enclave_doc *doc = NULL;
	struct store_spans used = { 0 };
	size_t *cuts = NULL;
	int error;

	*cb = NULL;
	*n = 0;
	buf_clear(&s->text);
	if ((error = enclave_store_load(&doc, ctx->project, d->info->id)) < 0 ||
	    (error = d->redacted
	                 ? export_layer_cuts(ctx, doc, d->info->id, d->blob, &s->text, &used, &cuts)
	                 : doc_text(&s->text, doc)) < 0)
		goto done;
	if (!utf8_valid(s->text.ptr ? s->text.ptr : "", s->text.len)) {
		error = 1;
		goto done;
	}
	if ((error = cptext_load(&s->t, buf_cstr(&s->text), strlen(buf_cstr(&s->text)))) < 0 ||
	    (error = cblocks_doc(cb, doc, cuts, &s->t)) < 0)
		goto done;
	*n = doc->nblocks;
	*docp = doc;
	doc = NULL;
done:
	free(cuts);
	store_spans_release(&used);
	enclave_doc_free(doc);
	return error;
}

static int write_doc(struct export_ctx *ctx, const struct export_doc *d, void *payload)
{
	struct chunks_state *s = payload;
	struct cptext *t = &s->t;
	struct segs u = { 0 };
	struct cblock *cb = NULL;
	struct enclave_doc *doc = NULL;
	json_t *tree = NULL;
	const json_t *rec = d->rec;
	const char *text;
	struct cwalk w;
	size_t n, nb = 0;
	int error, redacted;

	memset(&w, 0, sizeof(w));
	if (!rec && (error = read_rows(s, ctx, d, &doc, &cb, &nb)) == 0)
		ctx->streamed++;
	else if (!rec) {
		if (error < 0)
			return error;
		/* The tree's way with what the rows cannot give as it would. */
		if ((error = export_record(&tree, ctx, d->info, &redacted)) < 0)
			return error;
		rec = tree;
	}
	if (rec) {
		if (!(text = json_string_value(json_object_get(rec, "text")))) {
			json_decref(tree);
			return 0;
		}
		if ((error = cptext_load(t, text, strlen(text))) < 0 ||
		    (error = cblocks(&cb, &nb, json_object_get(rec, "blocks"))) < 0)
			goto done;
	} else {
		text = buf_cstr(&s->text);
	}
	if ((error = chunk_ranges(&u, s->by, s->size, s->overlap, t, cb, nb)) < 0)
		goto done;
	w.b = cb;
	w.n = nb;
	for (n = 0; n < u.n; n++) {
		size_t start = u.v[n].start, end = u.v[n].end;
		json_t *path = NULL, *pages = NULL;
		char id[48];
		snprintf(id, sizeof(id), "%lld-%zu", (long long)d->info->id, n);
		if ((error = context(&path, &pages, &w, start, end)) < 0) {
			json_decref(path);
			json_decref(pages);
			goto done;
		}
		/* The line as json_pack + export_out_json would write it, without
		 * the tree (or jansson's UTF-8 check of text it already checked). */
		buf_clear(&s->out.line);
		error = chunk_line(&s->out.line, id, d->info->id, n, pages, path, start, end,
		                   text + t->byte[start], t->byte[end] - t->byte[start]);
		json_decref(path);
		json_decref(pages);
		if (error < 0 || (error = export_out_line(&s->out, ctx, d->split, s->out.line.ptr,
		                                          s->out.line.len, "\n")) < 0)
			goto done;
	}
done:
	free(cb);
	enclave_doc_free(doc);
	segs_release(&u);
	json_decref(tree);
	return error;
}

/* The chunks file(s); ok documents read from their rows when `rows`, else from trees. */
static int chunks_run(struct export_ctx *ctx, int rows)
{
	struct chunks_state s;
	int error;

	memset(&s, 0, sizeof(s));
	s.by = ctx->opts->chunk_by ? ctx->opts->chunk_by : "tokens";
	s.size = ctx->opts->chunk_size;
	if (!s.size)
		s.size = !strcmp(s.by, "sentences") ? 5 : !strcmp(s.by, "sections") ? 1 : 256;
	s.overlap = ctx->opts->chunk_overlap;
	if (s.overlap >= s.size)
		return error_set(ENCLAVE_EINVALID,
		                 "chunk overlap (%zu) must be less than the chunk size (%zu)",
		                 s.overlap, s.size);
	if ((error = export_out_open(&s.out, ctx, "chunks", "jsonl")) < 0)
		return error;
	s.text = (struct buf)BUF_INIT(ENCLAVE_MAX_TEXT_BYTES);
	/* Ok documents come as rows (read_rows), not trees. */
	ctx->stream_records = rows;
	error = export_each(ctx, write_doc, &s);
	ctx->stream_records = 0;
	cptext_release(&s.t);
	buf_release(&s.text);
	if (error < 0) {
		export_out_abort(&s.out);
		return error;
	}
	return export_out_done(&s.out, ctx);
}

int export_chunks(struct export_ctx *ctx)
{
	return chunks_run(ctx, 1);
}

int export_chunks_tree(struct export_ctx *ctx)
{
	return chunks_run(ctx, 0);
}
