/*
 * Reading stored spans back (enclave_clean_spans in clean.h): each with its
 * text, cut from the original layer by its code point offsets.
 */
#include <string.h>

#include "clean_int.h"
#include "../store/store_int.h"

static int doc_exists(const struct enclave_doc_info *in, void *payload)
{
	(void)in;
	(void)payload;
	return 0;
}

int enclave_clean_spans(enclave_project *p, int64_t id, enclave_span_info_cb cb, void *payload)
{
	struct store_spans l = { 0 };
	struct buf text = BUF_INIT(ENCLAVE_MAX_TEXT_BYTES);
	size_t i, *offs = NULL, **ptrs = NULL;
	char hex[65];
	int error;

	if ((error = enclave_store_info(p, id, doc_exists, NULL)) < 0 ||
	    (error = store_spans_read(&l, p->db, id)) < 0)
		goto done;
	if (!l.n)
		goto done;
	error = store_text_blob(p->db, id, "original", hex);
	if (error == ENCLAVE_ENOTFOUND)
		error = error_set(ENCLAVE_ENOTFOUND, "document %lld has no text", (long long)id);
	if (error < 0 || (error = blob_get(&text, p, hex)) < 0)
		goto done;
	if (!(offs = malloc(2 * l.n * sizeof(*offs))) ||
	    !(ptrs = malloc(2 * l.n * sizeof(*ptrs)))) {
		error = error_oom();
		goto done;
	}
	for (i = 0; i < l.n; i++) {
		offs[2 * i] = l.v[i].start;
		offs[2 * i + 1] = l.v[i].end;
		ptrs[2 * i] = &offs[2 * i];
		ptrs[2 * i + 1] = &offs[2 * i + 1];
	}
	if ((error = clean_cp_to_bytes(buf_cstr(&text), text.len, ptrs, 2 * l.n)) < 0) {
		error = error_prefix("document %lld: a span does not fit its text", (long long)id);
		goto done;
	}
	for (i = 0; i < l.n; i++) {
		struct enclave_span_info in;
		char *piece = strndup(buf_cstr(&text) + offs[2 * i], offs[2 * i + 1] - offs[2 * i]);
		if (!piece) {
			error = error_oom();
			goto done;
		}
		in.id = l.v[i].id;
		in.start = l.v[i].start;
		in.end = l.v[i].end;
		in.text = piece;
		in.label = l.v[i].label;
		in.source = l.v[i].source;
		in.score = l.v[i].score;
		in.status = store_span_status_name(l.v[i].status);
		in.boxes = l.v[i].boxes;
		in.out_start = l.v[i].out_start;
		in.out_end = l.v[i].out_end;
		error = cb(&in, payload);
		free(piece);
		if (error)
			break;
	}
done:
	free(offs);
	free(ptrs);
	buf_release(&text);
	store_spans_release(&l);
	return error;
}
