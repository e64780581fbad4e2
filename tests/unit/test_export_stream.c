/*
 * The jsonl writer's two paths write the same bytes: the streaming record
 * (src/lib/export/record.c, straight from the store's rows) and the tree
 * (export_record encoded by jsonenc.c); and so do the chunks writer's (a
 * document read from its rows, or from its tree), on a real project made to hold what
 * either could get wrong: redactions (tagged e-mail addresses, some next to
 * multi-byte characters), 2-, 3- and 4-byte UTF-8, control characters,
 * quotes and backslashes, Markdown headings, lists and a table (attrs), an
 * e-mail with its attachment (metadata, a child document), a PDF (pages,
 * boxes, reals), a failed document, a document with no redacted layer,
 * annotations of every kind (Q&A pairs send their document down the tree),
 * and rows altered behind the store's back (a block with spaces around it,
 * one with a NUL), which the streaming record must hand to the tree.
 *
 * Each case writes the file(s) both ways into fresh folders and compares
 * them byte for byte; it also checks that the streaming path did write most
 * documents (a fast path that always fell back would pass otherwise).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <jansson.h>

#include "../tools/mkpdf_lib.h"
#include "project_fixture.h"
#include "export/export_int.h"

static void sql(struct fixture *f, const char *q)
{
	char *err = NULL;

	if (sqlite3_exec(f->p->db, q, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", q, err);
}

/* Annotate every task of `type` with `res(doc)`, accepting those of even documents. */
static void annotate(struct fixture *f, struct enclave_label_user *a, struct enclave_label_user *r,
                     const char *type, json_t *(*res)(int64_t doc))
{
	size_t created;

	assert_int_equal(enclave_label_tasks_create(f->p, type, 1, &created), 0);
	for (;;) {
		json_t *task = NULL, *ann = NULL, *v;
		int64_t doc;
		assert_int_equal(enclave_label_task_next(&task, f->p, a, type), 0);
		if (!task)
			break;
		doc = json_integer_value(json_object_get(task, "document"));
		v = res(doc);
		if (enclave_label_annotation_save(&ann, f->p, a,
		                                  json_integer_value(json_object_get(task, "id")),
		                                  v, 1, -1) < 0)
			fail_msg("%s on %lld: %s", type, (long long)doc, enclave_error_last());
		json_decref(v);
		if (doc % 2 == 0) {
			json_t *rev = NULL;
			if (enclave_label_review(&rev, f->p, r,
			                         json_integer_value(json_object_get(ann, "id")),
			                         "accept", NULL, NULL) < 0)
				fail_msg("review of %s on %lld: %s", type, (long long)doc,
				         enclave_error_last());
			json_decref(rev);
		}
		json_decref(ann);
		json_decref(task);
	}
}

static struct fixture *the_fixture; /* for the result makers */

/* Two entities: the start of the document, and the middle (overlapping a redaction in some). */
static json_t *ner_result(int64_t doc)
{
	int64_t len = 0;

	assert_int_equal(store_document_text_length(the_fixture->p->db, doc, &len), 0);
	if (len < 8)
		return json_pack("{s:[]}", "spans");
	return json_pack("{s:[{s:i,s:i,s:s},{s:I,s:I,s:s}]}", "spans", "start", 0, "end", 4,
	                 "label", "PERSON", "start", (json_int_t)(len / 2), "end",
	                 (json_int_t)(len / 2 + 3), "label", doc % 3 ? "LOCATION" : "PERSON");
}

static json_t *class_result(int64_t doc)
{
	return json_pack("{s:[s]}", "labels", doc % 2 ? "odd" : "even");
}

/* Q&A pairs on the e-mail's attachment only (an empty list elsewhere): it takes the tree. */
static json_t *qa_result(int64_t doc)
{
	struct buf text = BUF_INIT(1 << 20);
	int pairs;

	assert_int_equal(store_document_text(&text, the_fixture->p->db, doc), 0);
	pairs = strstr(buf_cstr(&text), "note about Porto") != NULL;
	buf_release(&text);
	if (!pairs)
		return json_pack("{s:[]}", "pairs");
	return json_pack("{s:[{s:s,s:s,s:{s:i,s:i}}]}", "pairs", "question", "Who?", "answer",
	                 "ana@example.com wrote", "evidence", "start", 0, "end", 6);
}

static int setup_store(void **state)
{
	static const char text1[] =
	    "R\xc3\xa9sum\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80 of ana@example.com\n\n"
	    "Control \x01 and \x1f, a tab\tinside, \"quotes\" and a back\\slash, DEL \x7f.\n\n"
	    "\xc3\xa9t\xc3\xa9@example.org right after an accent; then bo@example.com"
	    " and \xe2\x82\xac 5.\n\n"
	    "A paragraph long enough to run the eight-byte scan over many words without"
	    " any special byte at all, ending on a quote\"\n";
	static const char md[] = "# Title \xe2\x98\x95\n\n## Section two\n\n"
	                         "1. first item cy@example.com\n2. second item\n\n"
	                         "- bullet \"one\"\n- bullet two\n\n"
	                         "| name | mail |\n| --- | --- |\n| Ana | ana@example.com |\n"
	                         "| B\\|o | \xc3\xa9 |\n\n"
	                         "```c\nint main(void) { return 0; }\n```\n\nLast words.\n";
	static const char eml[] =
	    "From: Bo <bo@example.org>\r\nTo: Cy <cy@example.org>\r\n"
	    "Subject: Caf\xc3\xa9 notes\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n"
	    "--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee dee@example.net.\r\n"
	    "--XX\r\nContent-Type: text/plain\r\n"
	    "Content-Disposition: attachment; filename=\"note.txt\"\r\n\r\n"
	    "Attached note about Porto.\r\n--XX--\r\n";
	struct enclave_clean_summary cs;
	struct enclave_label_user a, r;
	struct fixture *f;
	unsigned char *data;
	char dir[128], path[192];
	size_t len;
	json_t *schema;

	if (setup(state) < 0)
		return -1;
	f = *state;
	snprintf(dir, sizeof(dir), "%s/in", f->dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/a.txt", dir);
	fixture_write_file(path, text1, sizeof(text1) - 1);
	snprintf(path, sizeof(path), "%s/b.md", dir);
	fixture_write_file(path, md, sizeof(md) - 1);
	snprintf(path, sizeof(path), "%s/c.eml", dir);
	fixture_write_file(path, eml, sizeof(eml) - 1);
	snprintf(path, sizeof(path), "%s/d.pdf", dir);
	fixture_minutes_pdf(&data, &len);
	fixture_write_file(path, data, len);
	free(data);
	snprintf(path, sizeof(path), "%s/e.pdf", dir); /* fails: not a PDF */
	fixture_write_file(path, "%PDF-1.4\nnot really\n", 20);
	fixture_ingest(f, dir, NULL);
	fixture_clean_emails(f, &cs);
	assert_true(cs.redacted >= 4);
	/* After the clean: a document with no redacted layer. */
	snprintf(path, sizeof(path), "%s/late.txt", f->dir);
	fixture_write_file(path, "Late \xc3\xa9 file from eve@example.com.\n", 35);
	fixture_ingest(f, path, NULL);
	a = fixture_user(f, "ann", ENCLAVE_ROLE_ANNOTATOR);
	r = fixture_user(f, "rev", ENCLAVE_ROLE_REVIEWER);
	schema =
	    json_pack("{s:[s,s],s:{s:s,s:b,s:[s,s]},s:b}", "ner", "PERSON", "LOCATION", "classes",
	              "name", "parity", "multi", 0, "labels", "even", "odd", "qa", 1);
	assert_int_equal(enclave_label_schema_set(f->p, &r, schema), 0);
	json_decref(schema);
	the_fixture = f;
	annotate(f, &a, &r, "ner", ner_result);
	annotate(f, &a, &r, "class", class_result);
	annotate(f, &a, &r, "qa", qa_result);
	return 0;
}

/* Write o->format (jsonl or chunks) into <fixture>/<name> by one path; the folder into out. */
static void run(struct fixture *f, const struct enclave_export_options *o, const char *name,
                int stream, size_t *streamed, size_t *documents, char out[160])
{
	int chunks = !strcmp(o->format, "chunks");
	struct export_ctx ctx;
	size_t i;
	int error;

	snprintf(out, 160, "%s/%s", f->dir, name);
	assert_int_equal(mkdir(out, 0755), 0);
	/* What enclave_export's check_selection makes of the options. */
	memset(&ctx, 0, sizeof(ctx));
	ctx.project = f->p;
	ctx.dir = out;
	ctx.opts = o;
	ctx.layer_original = o->layer && !strcmp(o->layer, "original");
	ctx.ann_mode = !o->annotations ? 0 : !strcmp(o->annotations, "submitted") ? 1 : 2;
	ctx.nsplits = o->split[2] ? 3 : o->split[0] ? 2 : 0;
	error = chunks ? (stream ? export_chunks(&ctx) : export_chunks_tree(&ctx))
	               : (stream ? export_jsonl(&ctx) : export_jsonl_tree(&ctx));
	if (error)
		fail_msg("%s: %s", name, enclave_error_last());
	*streamed = ctx.streamed;
	*documents = ctx.documents;
	for (i = 0; i < ctx.nfiles; i++)
		free(ctx.files[i].name);
	free(ctx.files);
}

/* Compare file `name` of the two folders byte for byte; its size. */
static size_t same_file(const char *a, const char *b, const char *name)
{
	char pa[256], pb[256];
	size_t la, lb;
	char *x, *y;

	snprintf(pa, sizeof(pa), "%s/%s", a, name);
	snprintf(pb, sizeof(pb), "%s/%s", b, name);
	assert_non_null(x = fixture_slurp(pa, &la));
	assert_non_null(y = fixture_slurp(pb, &lb));
	if (la != lb || memcmp(x, y, la)) {
		size_t i = 0;
		while (i < la && i < lb && x[i] == y[i])
			i++;
		fail_msg("%s differs at byte %zu:\nstream: %.200s\ntree:   %.200s", pa, i,
		         x + (i > 60 ? i - 60 : 0), y + (i > 60 ? i - 60 : 0));
	}
	free(x);
	free(y);
	return la;
}

/*
 * Both paths with `o`; the streaming one must have written at least
 * `min_streamed` documents, and the file must hold `must_hold`. Returns
 * how many it streamed.
 */
static size_t both(struct fixture *f, const struct enclave_export_options *o, const char *name,
                   size_t min_streamed, const char *must_hold)
{
	char fast[160], tree[160], n1[64], n2[64], path[256];
	size_t streamed, docs, tstreamed, tdocs, len;
	static const char *const files[] = { "data.jsonl", "train.jsonl", "test.jsonl" };
	const char *first = strcmp(o->format, "chunks") ? files[0] : "chunks.jsonl";
	char *s;
	int k;

	snprintf(n1, sizeof(n1), "%s-stream", name);
	snprintf(n2, sizeof(n2), "%s-tree", name);
	run(f, o, n1, 1, &streamed, &docs, fast);
	run(f, o, n2, 0, &tstreamed, &tdocs, tree);
	assert_int_equal(tstreamed, 0);
	assert_int_equal(docs, tdocs);
	if (streamed < min_streamed)
		fail_msg("%s: %zu of %zu documents streamed, expected %zu or more", name, streamed,
		         docs, min_streamed);
	assert_true(streamed < docs); /* the Q&A and failed documents took the tree */
	for (k = o->split[0] ? 1 : 0; k < (o->split[0] ? 3 : 1); k++)
		assert_true(same_file(fast, tree, k ? files[k] : first) > 0);
	if (must_hold) {
		snprintf(path, sizeof(path), "%s/%s", fast, o->split[0] ? "train.jsonl" : first);
		assert_non_null(s = fixture_slurp(path, &len));
		if (!strstr(s, must_hold))
			fail_msg("%s lacks %s", path, must_hold);
		free(s);
	}
	return streamed;
}

static void stream_redacted(void **state)
{
	struct enclave_export_options o = ENCLAVE_EXPORT_OPTIONS_INIT;

	o.format = "jsonl";
	o.allow_unredacted = 1;
	o.include_failed = 1;
	o.annotations = "all";
	both(*state, &o, "red-docs", 4, "\"redactions\":[{\"label\":\"EMAIL_ADDRESS\"");
	o.unit = "blocks";
	both(*state, &o, "red-blocks", 4, "\\u0001 and \\u001F, a tab\\tinside, \\\"quotes\\\"");
	o.unit = NULL;
	o.annotations = NULL;
	o.split[0] = 50;
	o.split[1] = 50;
	both(*state, &o, "red-split", 1, NULL);
}

static void stream_original(void **state)
{
	struct enclave_export_options o = ENCLAVE_EXPORT_OPTIONS_INIT;

	o.format = "jsonl";
	o.allow_unredacted = 1;
	o.layer = "original";
	o.include_failed = 1;
	o.annotations = "submitted";
	both(*state, &o, "orig-docs", 4, "\"attrs\":{");
	o.unit = "blocks";
	both(*state, &o, "orig-blocks", 4, "\"bbox\":[");
}

/*
 * chunks: the documents read from their rows give the chunks their trees
 * give, in every unit, both layers, with splits: heading paths (Markdown
 * headings, a title with a multi-byte character), pages (the PDF),
 * redactions inside blocks, and the documents that keep the tree (failed,
 * Q&A).
 */
static void chunks_rows(void **state)
{
	static const char *const units[] = { "tokens", "words", "sentences", "sections" };
	struct enclave_export_options o = ENCLAVE_EXPORT_OPTIONS_INIT;
	char name[64];

	o.format = "chunks";
	o.allow_unredacted = 1;
	o.include_failed = 1;
	for (int layer = 0; layer < 2; layer++) {
		o.layer = layer ? "original" : NULL;
		for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
			o.chunk_by = units[u];
			o.chunk_size = u == 3 ? 1 : 3;
			o.chunk_overlap = u == 3 ? 0 : 1;
			snprintf(name, sizeof(name), "chunks-%d-%s", layer, units[u]);
			both(*state, &o, name, 4,
			     u == 3 && !layer ? "\"heading_path\":[\"Title" : NULL);
		}
	}
	o.layer = NULL;
	o.chunk_by = NULL;
	o.chunk_size = 0;
	o.chunk_overlap = 0;
	o.split[0] = 50;
	o.split[1] = 50;
	both(*state, &o, "chunks-split", 1, NULL);
}

/* Rows the store's reader would change: the streaming record must leave them to the tree. */
static void stream_refuses(void **state)
{
	struct fixture *f = *state;
	struct enclave_export_options o = ENCLAVE_EXPORT_OPTIONS_INIT;
	size_t before;

	o.format = "jsonl";
	o.allow_unredacted = 1;
	o.layer = "original";
	o.include_failed = 1;
	before = both(f, &o, "before", 4, NULL);
	/* Spaces around a block (trimmed), a NUL (made U+FFFD), and a kind nobody knows. */
	sql(f,
	    "UPDATE blocks SET text = '  ' || text || char(10) WHERE document_id = 2 AND seq = 0");
	sql(f,
	    "UPDATE blocks SET text = CAST(x'41004243' AS TEXT) WHERE document_id = 3 AND seq = 0");
	sql(f, "UPDATE blocks SET kind = 'mystery' WHERE document_id = 1 AND seq = 1");
	/* Documents 2 and 3 go down the tree; an unknown kind is a paragraph on both paths. */
	assert_int_equal(both(f, &o, "odd-docs", 2,
	                      "\"text\":\"A\xef\xbf\xbd"
	                      "BC\""),
	                 before - 2);
	o.unit = "blocks";
	both(f, &o, "odd-blocks", 2, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(stream_redacted, setup_store, teardown),
		cmocka_unit_test_setup_teardown(chunks_rows, setup_store, teardown),
		cmocka_unit_test_setup_teardown(stream_original, setup_store, teardown),
		cmocka_unit_test_setup_teardown(stream_refuses, setup_store, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
