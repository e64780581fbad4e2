/*
 * Languages of documents: the sample of a text that identification reads,
 * a document's language at ingest (its metadata's, else identified), and
 * `enclave clean --lang`, which fills documents.language for the documents
 * of a project that have none (stores made before ingest identified
 * languages), with a clean.lang.document audit event each and a
 * clean.lang.run event that records the data files' hashes.
 */
#include <stdlib.h>
#include <string.h>

#include "enclave/clean.h"

#include "clean_int.h"
#include "langid_int.h"
#include "../store/store_int.h"

/* ------------------------------------------------------------------ */
/* Samples and documents                                              */
/* ------------------------------------------------------------------ */

/* The first character boundary at or after `i` in `text` (`len` bytes). */
static size_t char_start(const char *text, size_t len, size_t i)
{
	while (i < len && ((unsigned char)text[i] & 0xC0) == 0x80)
		i++;
	return i;
}

int langid_sample(struct buf *out, const char *text, size_t len)
{
	size_t nwin = LANGID_SAMPLE_BYTES / LANGID_WINDOW_BYTES, w;
	int error = 0;

	if (len <= LANGID_SAMPLE_BYTES)
		return buf_put(out, text, len) < 0 ? error_buf(-1, "language sample") : 0;
	for (w = 0; w < nwin && !error; w++) {
		size_t start = (len - LANGID_WINDOW_BYTES) / (nwin - 1) * w, end, skip;
		/* Start after the next space within the window, so no word is cut. */
		for (skip = 0; skip < LANGID_WINDOW_BYTES / 4 && start + skip < len; skip++)
			if (text[start + skip] == ' ' || text[start + skip] == '\n')
				break;
		if (skip < LANGID_WINDOW_BYTES / 4)
			start += skip + 1;
		start = char_start(text, len, start);
		end = start + LANGID_WINDOW_BYTES < len ? start + LANGID_WINDOW_BYTES : len;
		/* Cut before a partial character at the end. */
		if (end < len)
			while (end > start && ((unsigned char)text[end] & 0xC0) == 0x80)
				end--;
		if (w && buf_putc(out, '\n') < 0)
			error = -1;
		else if (buf_put(out, text + start, end - start) < 0)
			error = -1;
	}
	return error ? error_set(ENCLAVE_ELIMIT, "language sample too large") : 0;
}

int langid_doc(struct langid *l, struct enclave_doc *doc)
{
	struct buf text = BUF_INIT(ENCLAVE_MAX_TEXT_BYTES),
	           sample = BUF_INIT(2 * LANGID_SAMPLE_BYTES);
	char code[LANGID_CODE_MAX];
	const char *source = "metadata";
	size_t i;
	int error = 0;

	if (langid_normalise(code, json_string_value(json_object_get(doc->metadata, "language"))) <
	    0) {
		source = "langid";
		if ((error = doc_text(&text, doc)) < 0 ||
		    (error = langid_sample(&sample, text.ptr ? text.ptr : "", text.len)) < 0 ||
		    (error = langid_detect(l, code, sample.ptr ? sample.ptr : "", sample.len)) < 0)
			goto done;
	}
	if ((error = doc_set_meta(doc, "language_source", source)) < 0)
		goto done;
	snprintf(doc->language, sizeof(doc->language), "%s", code);
	/* The children are the parent's (const in the public view only). */
	for (i = 0; i < doc->nchildren && !error; i++)
		if (doc->children[i].doc)
			error = langid_doc(l, (struct enclave_doc *)doc->children[i].doc);
done:
	buf_release(&text);
	buf_release(&sample);
	return error;
}

/* ------------------------------------------------------------------ */
/* clean --lang                                                       */
/* ------------------------------------------------------------------ */

/* Documents per transaction. */
#define GROUP 256

/*
 * Identify document `id` (path `path`) with `l` and record it in the open
 * transaction with its audit event; counts into `s`.
 */
static int lang_one(enclave_project *p, struct langid *l, int64_t id,
                    struct enclave_clean_lang_summary *s)
{
	struct buf text = BUF_INIT(ENCLAVE_MAX_TEXT_BYTES),
	           sample = BUF_INIT(2 * LANGID_SAMPLE_BYTES);
	char code[LANGID_CODE_MAX], hex[65], subject[48], *meta = NULL;
	const char *source = "metadata";
	json_t *params = NULL, *outputs = NULL;
	int error;

	if ((error = store_document_meta_language(&meta, p->db, id)) < 0)
		goto done;
	if (langid_normalise(code, meta) < 0) {
		source = "langid";
		error = store_text_blob(p->db, id, "original", hex);
		if (error == 0)
			error = blob_get(&text, p, hex);
		if (error == ENCLAVE_ENOTFOUND) /* no text: nothing to tell */
			error = 0;
		if (error < 0 ||
		    (error = langid_sample(&sample, text.ptr ? text.ptr : "", text.len)) < 0 ||
		    (error = langid_detect(l, code, sample.ptr ? sample.ptr : "", sample.len)) < 0)
			goto done;
	}
	if ((error = store_document_set_language(p, id, code, source)) < 0)
		goto done;
	params = json_pack("{s:s}", "source", source);
	outputs = json_pack("{s:I,s:s}", "document", (json_int_t)id, "language", code);
	if (!params || !outputs) {
		error = error_oom();
		goto done;
	}
	snprintf(subject, sizeof(subject), "document:%lld", (long long)id);
	if ((error = audit_append(p, "clean.lang.document", subject, params, NULL, outputs, NULL)) <
	    0)
		goto done;
	if (!strcmp(source, "metadata"))
		s->metadata++;
	else if (!strcmp(code, "und"))
		s->undetermined++;
	else
		s->identified++;
done:
	free(meta);
	json_decref(params);
	json_decref(outputs);
	buf_release(&text);
	buf_release(&sample);
	return error;
}

int enclave_clean_lang(enclave_project *p, struct enclave_clean_lang_summary *summary)
{
	struct enclave_clean_lang_summary s = { 0, 0, 0, 0 };
	struct langid *l = NULL;
	json_t *custody = NULL, *params = NULL, *outputs = NULL;
	int64_t *ids = NULL;
	size_t n = 0, i;
	int error;

	if (summary)
		memset(summary, 0, sizeof(*summary));
	if (!p->have_sk)
		return error_set(ENCLAVE_ENOTFOUND, "cannot change the project: its secret key is "
		                                    "unreadable");
	if ((error = langid_custody(&custody, langid_dir())) < 0 ||
	    (error = langid_new(&l, langid_dir())) < 0 ||
	    (error = store_documents_without_language(p->db, &ids, &n)) < 0)
		goto done;
	s.documents = n;
	for (i = 0; i < n; i++) {
		if (!p->in_tx && (error = store_begin(p)) < 0)
			goto done;
		if ((error = lang_one(p, l, ids[i], &s)) < 0) {
			store_rollback(p);
			goto done;
		}
		if ((i + 1) % GROUP == 0 && (error = store_commit(p)) < 0)
			goto done;
	}
	params = json_pack("{s:O}", "langid", custody);
	outputs = json_pack("{s:I,s:I,s:I,s:I}", "documents", (json_int_t)s.documents, "metadata",
	                    (json_int_t)s.metadata, "identified", (json_int_t)s.identified,
	                    "undetermined", (json_int_t)s.undetermined);
	if (!params || !outputs) {
		error = error_oom();
		if (p->in_tx)
			store_rollback(p);
		goto done;
	}
	if ((!p->in_tx && (error = store_begin(p)) < 0) ||
	    (error = audit_append(p, "clean.lang.run", "project", params, NULL, outputs, NULL)) <
	        0) {
		if (p->in_tx)
			store_rollback(p);
		goto done;
	}
	if ((error = store_commit(p)) < 0 || (error = audit_write_head(p)) < 0)
		goto done;
done:
	if (summary)
		*summary = s;
	free(ids);
	langid_free(l);
	json_decref(custody);
	json_decref(params);
	json_decref(outputs);
	return error;
}
