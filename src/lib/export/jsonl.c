/*
 * The JSONL writer: data.jsonl, one document a line:
 *
 *   {"id":7,"text":"...","format":"pdf","title":"...","source":{"path":...,
 *    "sha256":...,"size":...,"media_type":...},"metadata":{...},
 *    "pages":[{"number":1,"width":612,"height":792,...}],
 *    "blocks":[{"seq":0,"kind":"title","text":...,"offset":0,"length":12,
 *               "page":1,"bbox":[x0,y0,x1,y1],...}]}
 *
 * "text" is the document text (blocks joined by a blank line); block offsets
 * and lengths are in Unicode code points into it. A document with a
 * redacted layer ships that layer instead, with "redacted":true and its
 * "redactions" (see export_record in export_int.h).
 */
#include <errno.h>
#include <string.h>

#include "export_int.h"

struct jsonl_state {
	struct export_ctx *ctx;
	FILE *f;
	struct buf line; /* one record's JSON, reused from line to line */
	int64_t records;
	int error;
};

/* Lines reach a few hundred MB at most: the text twice (blocks and "text"), escaped. */
#define JSONL_LINE_MAX ((size_t)4 * ENCLAVE_MAX_TEXT_BYTES)

/* Write one document's line. */
static int write_doc(struct jsonl_state *s, const struct enclave_doc_info *in)
{
	json_t *o = NULL;
	int error = 0, redacted = 0;

	if (strcmp(in->status, "ok") && !s->ctx->opts->include_failed)
		return 0;
	if ((error = export_record(&o, s->ctx, in, &redacted)) < 0)
		return error;
	buf_clear(&s->line);
	if ((error = export_json_encode(&s->line, o)) < 0)
		goto done;
	if (buf_putc(&s->line, '\n') < 0) {
		error = error_oom();
		goto done;
	}
	if (fwrite(s->line.ptr, 1, s->line.len, s->f) != s->line.len) {
		error = error_set(ENCLAVE_EIO, "cannot write data.jsonl: %s", strerror(errno));
		goto done;
	}
	s->records++;
	if (!strcmp(in->status, "ok")) {
		if (redacted)
			s->ctx->redacted_written++;
		else
			s->ctx->unredacted_written++;
	}
done:
	json_decref(o);
	return error;
}

static int each_doc(const struct enclave_doc_info *in, void *payload)
{
	struct jsonl_state *s = payload;

	if ((s->error = write_doc(s, in)) < 0)
		return 1;
	return 0;
}

int export_jsonl(struct export_ctx *ctx)
{
	struct jsonl_state s = { ctx, NULL, BUF_INIT(JSONL_LINE_MAX), 0, 0 };
	int error = 0;

	if ((error = export_file_open(&s.f, ctx, "data.jsonl")) < 0)
		return error;
	setvbuf(s.f, NULL, _IOFBF, 1 << 20);
	error = enclave_store_list(ctx->project, each_doc, &s);
	buf_release(&s.line);
	if (s.error)
		error = s.error;
	if (error) {
		fclose(s.f);
		return error;
	}
	ctx->documents = (size_t)s.records;
	return export_file_done(ctx, s.f, "data.jsonl", s.records);
}
