/*
 * Unit tests of the project split (include/enclave/split.h), generated
 * records in exports with their lineage (export --records), and the
 * contamination guard: real projects, real exports read back and compared
 * with the store.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export/export_int.h"

#include "project_fixture.h"

/* n documents "Document <k> ..." with distinct texts; the first id. */
static int64_t add_docs(struct fixture *f, int n, int from)
{
	char text[256];
	int64_t first = 0;

	for (int k = 0; k < n; k++) {
		int64_t id;
		snprintf(text, sizeof(text),
		         "Document %d is about river number %d and the harbour of town %d.",
		         from + k, (from + k) * 7, (from + k) * 13);
		id = fixture_add_text_doc(f, text, 0);
		if (!first)
			first = id;
	}
	return first;
}

static const char *split_of(struct fixture *f, int64_t id)
{
	const char *name = NULL;

	assert_int_equal(enclave_split_of(f->p, id, &name), 0);
	return name;
}

/* The number of audit events `action`. */
static int count_events(struct fixture *f, const char *action)
{
	sqlite3_stmt *st;
	int n;

	assert_int_equal(
	    store_prepare(&st, f->p->db, "SELECT count(*) FROM audit WHERE action = ?"), 0);
	sqlite3_bind_text(st, 1, action, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* The file dir/name (malloc'd), NULL when there is none. */
static char *slurp(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return fixture_slurp(path, NULL);
}

/* Each line of the JSON Lines file dir/name as a parsed array (NULL when no file). */
static json_t *read_jsonl(const char *dir, const char *name)
{
	char *s = slurp(dir, name), *line, *save = NULL;
	json_t *a;

	if (!s)
		return NULL;
	a = json_array();
	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_error_t je;
		json_t *v = json_loads(line, 0, &je);
		if (!v)
			fail_msg("%s/%s: %s: %s", dir, name, je.text, line);
		json_array_append_new(a, v);
	}
	free(s);
	return a;
}

static void out_dir(char *out, size_t n, struct fixture *f, const char *name)
{
	snprintf(out, n, "%s/%s", f->dir, name);
}

/* ------------------------------------------------------------------ */
/* The project split                                                  */
/* ------------------------------------------------------------------ */

static void assign_is_stable_and_audited(void **state)
{
	struct fixture *f = *state;
	struct enclave_split_options o = ENCLAVE_SPLIT_OPTIONS_INIT;
	struct enclave_split_summary s, s2;
	const char *before[41];
	int64_t first = add_docs(f, 30, 0), child, later;
	int k;

	/* No split yet: no name. */
	assert_null(split_of(f, first));
	assert_int_equal(enclave_split_show(f->p, &s), 0);
	assert_int_equal(s.have, 0);
	child = fixture_add_text_doc(f, "An attachment of the first document.", first);
	o.parts[0] = 80, o.parts[1] = 10, o.parts[2] = 10, o.seed = 5;
	assert_int_equal(enclave_split_assign(f->p, &o, &s), 0);
	assert_int_equal(s.have, 1);
	assert_int_equal(s.assigned, 31);
	/* 30 roots in 3 rounds of 10: exactly 24, 3, 3; the child with its root. */
	assert_int_equal(s.counts[0] + s.counts[1] + s.counts[2], 31);
	assert_string_equal(split_of(f, child), split_of(f, first));
	assert_int_equal(s.counts[1], 3 + !strcmp(split_of(f, first), "validation"));
	assert_int_equal(s.counts[2], 3 + !strcmp(split_of(f, first), "test"));
	assert_int_equal(count_events(f, "split.set"), 1);
	for (k = 0; k < 30; k++)
		before[k] = split_of(f, first + k);

	/* The same spec again: nothing to do, nothing recorded. */
	assert_int_equal(enclave_split_assign(f->p, &o, &s2), 0);
	assert_int_equal(s2.assigned, 0);
	assert_string_equal(s2.sha256, s.sha256);
	assert_int_equal(count_events(f, "split.set"), 1);

	/* Ten more documents: only they are assigned, none of the others moves. */
	later = add_docs(f, 10, 100);
	assert_null(split_of(f, later));
	assert_int_equal(enclave_split_show(f->p, &s2), 0);
	assert_int_equal(s2.unassigned, 10);
	assert_int_equal(enclave_split_assign(f->p, &o, &s2), 0);
	assert_int_equal(s2.assigned, 10);
	assert_int_equal(s2.unassigned, 0);
	assert_int_equal(s2.counts[0] + s2.counts[1] + s2.counts[2], 41);
	/* 40 roots: 4 whole rounds, the exact proportions (the child follows its root). */
	assert_int_equal(s2.counts[1], 4 + !strcmp(split_of(f, first), "validation"));
	assert_int_equal(s2.counts[2], 4 + !strcmp(split_of(f, first), "test"));
	for (k = 0; k < 30; k++)
		assert_string_equal(split_of(f, first + k), before[k]);
	assert_non_null(split_of(f, later));
	assert_int_equal(count_events(f, "split.set"), 2);

	/* Another spec is refused without reassign, and nothing changes. */
	o.seed = 6;
	assert_int_equal(enclave_split_assign(f->p, &o, NULL), ENCLAVE_ECONFLICT);
	assert_non_null(strstr(enclave_error_last(), "--reassign"));
	assert_int_equal(count_events(f, "split.set"), 2);
	o.reassign = 1;
	assert_int_equal(enclave_split_assign(f->p, &o, &s2), 0);
	assert_int_equal(s2.assigned, 41);
	assert_int_equal(s2.seed, 6);
	assert_string_not_equal(s2.sha256, s.sha256);
	assert_int_equal(count_events(f, "split.set"), 3);

	/* Bad specs. */
	o.parts[2] = 20;
	assert_int_equal(enclave_split_assign(f->p, &o, NULL), ENCLAVE_EINVALID);
	o.parts[2] = 10;
	o.stratify = "topic";
	assert_int_equal(enclave_split_assign(f->p, &o, NULL), ENCLAVE_EINVALID);
}

/* The stored split gives the same files as the export's own split of the same spec. */
static void project_split_equals_export_split(void **state)
{
	struct fixture *f = *state;
	struct enclave_split_options o = ENCLAVE_SPLIT_OPTIONS_INIT;
	struct enclave_export_options e = ENCLAVE_EXPORT_OPTIONS_INIT;
	struct enclave_export_summary s1, s2;
	char d1[128], d2[128], *a, *b;
	static const char *const files[] = { "train.jsonl", "validation.jsonl", "test.jsonl" };

	add_docs(f, 25, 0);
	e.allow_unredacted = 1;
	e.split_project = 1;
	out_dir(d1, sizeof(d1), f, "out-project");
	/* No split yet: refused, naming the command. */
	assert_int_equal(enclave_export(f->p, d1, &e, NULL), ENCLAVE_ENOTFOUND);
	assert_non_null(strstr(enclave_error_last(), "enclave split"));
	o.parts[0] = 80, o.parts[1] = 10, o.parts[2] = 10, o.seed = 11;
	assert_int_equal(enclave_split_assign(f->p, &o, NULL), 0);
	assert_int_equal(enclave_export(f->p, d1, &e, &s1), 0);
	assert_int_equal(s1.split_project, 1);
	assert_int_equal(s1.nsplits, 3);
	e.split_project = 0;
	e.split[0] = 80, e.split[1] = 10, e.split[2] = 10, e.seed = 11;
	out_dir(d2, sizeof(d2), f, "out-options");
	assert_int_equal(enclave_export(f->p, d2, &e, &s2), 0);
	assert_int_equal(s2.split_project, 0);
	for (int k = 0; k < 3; k++) {
		a = slurp(d1, files[k]);
		b = slurp(d2, files[k]);
		assert_non_null(a);
		assert_non_null(b);
		assert_string_equal(a, b);
		assert_int_equal(s1.split_records[k], s2.split_records[k]);
		free(a);
		free(b);
	}
	/* The manifest and the datasheet say which split it was. */
	a = slurp(d1, "manifest.json");
	assert_non_null(strstr(a, "\"source\": \"project\""));
	free(a);
	a = slurp(d1, "DATASHEET.md");
	assert_non_null(strstr(a, "The project's stored split"));
	free(a);
	/* A document ingested since has no split: the project export is refused. */
	add_docs(f, 1, 500);
	e.split[0] = e.split[1] = e.split[2] = 0;
	e.split_project = 1;
	out_dir(d1, sizeof(d1), f, "out-refused");
	assert_int_equal(enclave_export(f->p, d1, &e, NULL), ENCLAVE_EINVALID);
	assert_non_null(strstr(enclave_error_last(), "1 document has no split yet"));
}

/* ------------------------------------------------------------------ */
/* Records with lineage                                               */
/* ------------------------------------------------------------------ */

struct stored {
	json_t *by_id; /* "id" -> record as a JSON object */
};

static int keep_record(const struct enclave_record *r, void *payload)
{
	struct stored *s = payload;
	char id[24];

	snprintf(id, sizeof(id), "%lld", (long long)r->id);
	json_object_set_new(s->by_id, id,
	                    json_pack("{s:I,s:s,s:s,s:I,s:I,s:s,s:s,s:o,s:o}", "id",
	                              (json_int_t)r->id, "kind", r->kind, "status", r->status,
	                              "document_id", (json_int_t)r->document_id, "chunk",
	                              (json_int_t)r->chunk, "text", r->text, "text_sha256",
	                              r->text_sha256, "payload", json_loads(r->payload, 0, NULL),
	                              "lineage", json_loads(r->lineage, 0, NULL)));
	return 0;
}

/* Insert records of every kind (as augment would), with LLM-shaped lineage; accept most. */
static void add_records(struct fixture *f, int64_t doc, int64_t doc2)
{
	static const char *lin_llm =
	    "{\"generator\":\"enclave-augment/%s\",\"version\":\"1\",\"endpoint\":\"local\","
	    "\"kind\":\"ollama\",\"model\":\"llama3.1:8b\",\"model_digest\":\"sha256:abc123\","
	    "\"template\":{\"name\":\"%s\",\"sha256\":\"%064d\"},\"sampling\":{\"temperature\":0.2,"
	    "\"top_p\":0.9,\"max_tokens\":256},\"seed\":7,\"source\":{\"document_id\":%lld,"
	    "\"chunk\":0,\"chunk_sha256\":\"%064d\"},\"created_at\":\"2026-12-01T00:00:00Z\","
	    "\"tokens\":{\"prompt\":10,\"completion\":5}}";
	static const char *lin_det =
	    "{\"generator\":\"enclave-augment/%s\",\"version\":\"1\",\"seed\":3,\"params\":{}}";
	char lq[1024], li[1024], lp[1024], le[256], ls[256], ld[256], keys[8][65];
	struct enclave_record_new v[8];
	size_t inserted = 0;
	int k;

	snprintf(lq, sizeof(lq), lin_llm, "qa", "qa.txt", 1, (long long)doc, 2);
	snprintf(li, sizeof(li), lin_llm, "instruct", "instruct.txt", 3, (long long)doc2, 4);
	snprintf(lp, sizeof(lp), lin_llm, "paraphrase", "para.txt", 5, (long long)doc, 6);
	snprintf(le, sizeof(le), lin_det, "entity-swap");
	snprintf(ls, sizeof(ls), lin_det, "synthetic-pii");
	snprintf(ld, sizeof(ld), lin_det, "eda");
	memset(v, 0, sizeof(v));
	for (k = 0; k < 8; k++) {
		enclave_record_key(keys[k], "t", "s", "p", k);
		v[k].key = keys[k];
		v[k].chunk = -1;
	}
	v[0] = (struct enclave_record_new){ "qa",
		                            keys[0],
		                            doc,
		                            0,
		                            NULL,
		                            "In the harbour.",
		                            "{\"question\":\"Where, \\\"exactly\\\"?\","
		                            "\"answer\":\"In the harbour.\"}",
		                            lq };
	v[1] =
	    (struct enclave_record_new){ "instruct",
		                         keys[1],
		                         doc2,
		                         0,
		                         NULL,
		                         "Two rivers.",
		                         "{\"instruction\":\"Count the rivers.\","
		                         "\"input\":\"river, river\",\"response\":\"Two rivers.\"}",
		                         li };
	v[2] =
	    (struct enclave_record_new){ "paraphrase",
		                         keys[2],
		                         doc,
		                         0,
		                         NULL,
		                         "Anna Lee sailed to Porto, line one.\nSecond line here.",
		                         "{\"source_text\":\"x\",\"spans\":[{\"start\":0,\"end\":8,"
		                         "\"label\":\"PERSON\"},{\"start\":19,\"end\":24,"
		                         "\"label\":\"LOCATION\"}]}",
		                         lp };
	v[3] = (struct enclave_record_new){
		"entity-swap",
		keys[3],
		doc,
		-1,
		NULL,
		"Bob Stone lives in Faro.",
		"{\"spans\":[{\"start\":0,\"end\":9,\"label\":\"PERSON\"}]}",
		le
	};
	v[4] = (struct enclave_record_new){ "synthetic-pii",
		                            keys[4],
		                            0,
		                            -1,
		                            NULL,
		                            "Mail ana@example.org, \"quoted\", now",
		                            "{\"spans\":[{\"start\":5,\"end\":20,"
		                            "\"label\":\"EMAIL_ADDRESS\"}]}",
		                            ls };
	v[5] = (struct enclave_record_new){
		"eda", keys[5], doc2, -1, NULL, "the river of town", "{\"spans\":[]}", ld
	};
	/* A proposed one: not exported by default. */
	v[6] = (struct enclave_record_new){ "eda", keys[6],          doc2, -1,
		                            NULL,  "still proposed", NULL, ld };
	assert_int_equal(enclave_records_insert(f->p, v, 7, &inserted), 0);
	assert_int_equal(inserted, 7);
	for (k = 1; k <= 6; k++)
		assert_int_equal(enclave_record_set_status(f->p, k, "accepted"), 0);
}

/* The rows of a format carry the record id, kind and lineage the store holds. */
static void check_meta(const json_t *row, const struct stored *s)
{
	char id[24];
	const json_t *want;

	snprintf(id, sizeof(id), "%lld",
	         (long long)json_integer_value(json_object_get(row, "record_id")));
	want = json_object_get(s->by_id, id);
	assert_non_null(want);
	assert_string_equal(json_string_value(json_object_get(row, "kind")),
	                    json_string_value(json_object_get(want, "kind")));
	assert_true(json_equal(json_object_get(row, "lineage"), json_object_get(want, "lineage")));
}

static void records_round_trip_with_lineage(void **state)
{
	struct fixture *f = *state;
	struct enclave_export_options e = ENCLAVE_EXPORT_OPTIONS_INIT;
	struct enclave_export_summary sum;
	struct enclave_records_filter flt = { NULL, "accepted", 0, 0, 0 };
	struct stored s = { json_object() };
	int64_t doc = add_docs(f, 2, 0), doc2 = doc + 1;
	char d[128], *text;
	json_t *rows, *row, *names;
	size_t i;

	add_records(f, doc, doc2);
	assert_int_equal(enclave_records_list(f->p, &flt, keep_record, &s), 0);
	assert_int_equal(json_object_size(s.by_id), 6);
	e.allow_unredacted = 1;

	/* jsonl: every field, compared with the store. */
	e.format = "jsonl";
	e.records = "all";
	out_dir(d, sizeof(d), f, "jsonl");
	assert_int_equal(enclave_export(f->p, d, &e, &sum), 0);
	assert_int_equal(sum.documents, 6);
	rows = read_jsonl(d, "data.jsonl");
	assert_int_equal(json_array_size(rows), 6);
	json_array_foreach(rows, i, row)
	{
		char id[24];
		const json_t *want;
		snprintf(id, sizeof(id), "%lld",
		         (long long)json_integer_value(json_object_get(row, "id")));
		want = json_object_get(s.by_id, id);
		assert_non_null(want);
		for (const char *const *k =
		         (const char *const[]){ "kind", "status", "text", "text_sha256", NULL };
		     *k; k++)
			assert_string_equal(json_string_value(json_object_get(row, *k)),
			                    json_string_value(json_object_get(want, *k)));
		assert_true(
		    json_equal(json_object_get(row, "payload"), json_object_get(want, "payload")));
		assert_true(
		    json_equal(json_object_get(row, "lineage"), json_object_get(want, "lineage")));
		if (json_integer_value(json_object_get(want, "document_id")))
			assert_int_equal(json_integer_value(json_object_get(row, "document_id")),
			                 json_integer_value(json_object_get(want, "document_id")));
		else
			assert_true(json_is_null(json_object_get(row, "document_id")));
	}
	json_decref(rows);
	/* The manifest's lineage summary: the model with its digest, the templates. */
	text = slurp(d, "manifest.json");
	assert_non_null(strstr(text, "\"generated\""));
	assert_non_null(strstr(text, "\"digest\": \"sha256:abc123\""));
	assert_non_null(strstr(text, "\"enclave-augment/qa\": 1"));
	assert_non_null(strstr(text, "\"name\": \"instruct.txt\""));
	free(text);
	text = slurp(d, "DATASHEET.md");
	assert_non_null(strstr(text, "## Generated data"));
	assert_non_null(strstr(text, "| llama3.1:8b | sha256:abc123 | 3 |"));
	free(text);
	{
		struct enclave_verify_report r;
		assert_int_equal(enclave_export_verify(&r, d, NULL), 0);
		assert_true(r.ok);
		enclave_export_verify_release(&r);
	}

	/* chat: qa and instruct only. */
	e.format = "chat";
	out_dir(d, sizeof(d), f, "chat");
	assert_int_equal(enclave_export(f->p, d, &e, &sum), 0);
	rows = read_jsonl(d, "data.chat.jsonl");
	assert_int_equal(json_array_size(rows), 2);
	row = json_array_get(rows, 0);
	check_meta(row, &s);
	assert_string_equal(json_string_value(json_object_get(
	                        json_array_get(json_object_get(row, "messages"), 0), "content")),
	                    "Where, \"exactly\"?");
	assert_string_equal(json_string_value(json_object_get(
	                        json_array_get(json_object_get(row, "messages"), 1), "content")),
	                    "In the harbour.");
	row = json_array_get(rows, 1);
	check_meta(row, &s);
	assert_string_equal(json_string_value(json_object_get(
	                        json_array_get(json_object_get(row, "messages"), 0), "content")),
	                    "Count the rivers.\n\nriver, river");
	json_decref(rows);
	/* Another kind is refused, naming what the format takes. */
	e.records = "eda";
	out_dir(d, sizeof(d), f, "chat-eda");
	assert_int_equal(enclave_export(f->p, d, &e, NULL), ENCLAVE_EINVALID);
	assert_non_null(strstr(enclave_error_last(), "takes records of kind qa,instruct"));
	e.records = "all";

	/* instruct (Alpaca). */
	e.format = "instruct";
	out_dir(d, sizeof(d), f, "instruct");
	assert_int_equal(enclave_export(f->p, d, &e, &sum), 0);
	rows = read_jsonl(d, "data.instruct.jsonl");
	assert_int_equal(json_array_size(rows), 2);
	json_array_foreach(rows, i, row) check_meta(row, &s);
	assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 1), "output")),
	                    "Two rivers.");
	assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 0), "input")),
	                    "");
	json_decref(rows);

	/* spacy: the spans, code points, of the span kinds. */
	e.format = "spacy";
	out_dir(d, sizeof(d), f, "spacy");
	assert_int_equal(enclave_export(f->p, d, &e, &sum), 0);
	rows = read_jsonl(d, "data.spacy.jsonl");
	assert_int_equal(json_array_size(rows), 4);
	json_array_foreach(rows, i, row)
	{
		char id[24];
		json_t *want, *ents = json_object_get(row, "entities"), *sp;
		check_meta(row, &s);
		snprintf(id, sizeof(id), "%lld",
		         (long long)json_integer_value(json_object_get(row, "id")));
		want = json_object_get(s.by_id, id);
		sp = json_object_get(json_object_get(want, "payload"), "spans");
		assert_int_equal(json_array_size(ents), json_array_size(sp));
		for (size_t j = 0; j < json_array_size(sp); j++) {
			json_t *a = json_array_get(ents, j), *b = json_array_get(sp, j);
			assert_int_equal(json_integer_value(json_array_get(a, 0)),
			                 json_integer_value(json_object_get(b, "start")));
			assert_int_equal(json_integer_value(json_array_get(a, 1)),
			                 json_integer_value(json_object_get(b, "end")));
			assert_string_equal(json_string_value(json_array_get(a, 2)),
			                    json_string_value(json_object_get(b, "label")));
		}
	}
	json_decref(rows);

	/* hf-ner: tokens and tags; the first token of the paraphrase is B-PERSON. */
	e.format = "hf-ner";
	out_dir(d, sizeof(d), f, "hfner");
	assert_int_equal(enclave_export(f->p, d, &e, &sum), 0);
	rows = read_jsonl(d, "data.jsonl");
	text = slurp(d, "label_names.json");
	names = json_loads(text, 0, NULL);
	free(text);
	assert_string_equal(json_string_value(json_array_get(names, 0)), "O");
	json_array_foreach(rows, i, row)
	{
		check_meta(row, &s);
		if (!strcmp(json_string_value(json_object_get(row, "kind")), "paraphrase") &&
		    !strcmp(json_string_value(json_object_get(row, "id")), "r3-0")) {
			json_int_t tag =
			    json_integer_value(json_array_get(json_object_get(row, "ner_tags"), 0));
			assert_string_equal(
			    json_string_value(json_array_get(json_object_get(row, "tokens"), 0)),
			    "Anna");
			assert_string_equal(json_string_value(json_array_get(names, (size_t)tag)),
			                    "B-PERSON");
		}
	}
	json_decref(names);
	json_decref(rows);

	/* conll: a block per record; the lineage file, line n for block n. */
	e.format = "conll";
	out_dir(d, sizeof(d), f, "conll");
	assert_int_equal(enclave_export(f->p, d, &e, &sum), 0);
	text = slurp(d, "data.conll");
	rows = read_jsonl(d, "data.lineage.jsonl");
	assert_int_equal(json_array_size(rows), 4);
	{
		size_t blocks = 0;
		for (char *p = text; (p = strstr(p, "-DOCSTART- O")); p++)
			blocks++;
		assert_int_equal(blocks, 4);
	}
	assert_non_null(strstr(text, "Anna B-PERSON\nLee I-PERSON\n"));
	json_array_foreach(rows, i, row) check_meta(row, &s);
	free(text);
	json_decref(rows);

	/* csv: refuses nothing, the lineage column holds the JSON. */
	e.format = "csv";
	out_dir(d, sizeof(d), f, "csv");
	assert_int_equal(enclave_export(f->p, d, &e, &sum), 0);
	assert_int_equal(sum.documents, 6);
	text = slurp(d, "data.csv");
	assert_non_null(strstr(text, "id,kind,status,document_id,chunk,text,payload,lineage\r\n"));
	assert_non_null(strstr(text, "\"\"model_digest\"\":\"\"sha256:abc123\"\""));
	free(text);

	/* The proposed record with --record-status proposed; a format that takes none refused. */
	e.format = "jsonl";
	e.record_status = "proposed";
	out_dir(d, sizeof(d), f, "proposed");
	assert_int_equal(enclave_export(f->p, d, &e, &sum), 0);
	assert_int_equal(sum.documents, 1);
	e.record_status = NULL;
	e.format = "chunks";
	out_dir(d, sizeof(d), f, "chunks");
	assert_int_equal(enclave_export(f->p, d, &e, NULL), ENCLAVE_EUNSUPPORTED);
	json_decref(s.by_id);
}

/* Two record exports of the same store and options are byte-identical. */
static void records_export_is_deterministic(void **state)
{
	struct fixture *f = *state;
	struct enclave_export_options e = ENCLAVE_EXPORT_OPTIONS_INIT;
	int64_t doc = add_docs(f, 10, 0);
	char d1[128], d2[128], *a, *b;

	add_records(f, doc, doc + 1);
	e.allow_unredacted = 1;
	e.records = "all";
	e.split[0] = 50, e.split[1] = 50;
	out_dir(d1, sizeof(d1), f, "a");
	out_dir(d2, sizeof(d2), f, "b");
	assert_int_equal(enclave_export(f->p, d1, &e, NULL), 0);
	assert_int_equal(enclave_export(f->p, d2, &e, NULL), 0);
	for (const char *const *n = (const char *const[]){ "train.jsonl", "test.jsonl", NULL }; *n;
	     n++) {
		a = slurp(d1, *n);
		b = slurp(d2, *n);
		assert_non_null(a);
		assert_string_equal(a, b);
		free(a);
		free(b);
	}
}

/* A record quoting a string redacted in its source document is refused unless allowed. */
static void records_quoting_redacted_text(void **state)
{
	struct fixture *f = *state;
	struct enclave_clean_summary cs;
	struct enclave_export_options e = ENCLAVE_EXPORT_OPTIONS_INIT;
	struct enclave_export_summary sum;
	struct enclave_record_new v[2];
	char keys[2][65], d[128], *manifest;
	int64_t doc =
	    fixture_add_text_doc(f, "Write to ana.lima@example.org about the harbour today.", 0);
	size_t inserted;

	fixture_clean_emails(f, &cs);
	enclave_record_key(keys[0], "q", "s", "p", 0);
	enclave_record_key(keys[1], "q", "s", "p", 1);
	/* eda keeps spans intact: the address is still there. */
	v[0] = (struct enclave_record_new){
		"eda", keys[0], doc,
		-1,    NULL,    "Write to ana.lima@example.org about the port today.",
		NULL,  NULL
	};
	v[1] = (struct enclave_record_new){
		"entity-swap", keys[1],
		doc,           -1,
		NULL,          "Write to bo.ek@example.net about the harbour today.",
		NULL,          NULL
	};
	assert_int_equal(enclave_records_insert(f->p, v, 2, &inserted), 0);
	assert_int_equal(enclave_record_set_status(f->p, 1, "accepted"), 0);
	assert_int_equal(enclave_record_set_status(f->p, 2, "accepted"), 0);
	e.records = "all";
	out_dir(d, sizeof(d), f, "refused");
	assert_int_equal(enclave_export(f->p, d, &e, NULL), ENCLAVE_EINVALID);
	assert_non_null(strstr(enclave_error_last(), "1 record quotes text that is redacted"));
	assert_non_null(strstr(enclave_error_last(), "record 1)"));
	/* Refused after the data file was begun: nothing is left behind. */
	assert_int_equal(access(d, F_OK), -1);
	e.allow_unredacted = 1;
	out_dir(d, sizeof(d), f, "allowed");
	assert_int_equal(enclave_export(f->p, d, &e, &sum), 0);
	assert_int_equal(sum.documents, 2);
	manifest = slurp(d, "manifest.json");
	assert_non_null(strstr(manifest, "\"quoting_redacted\": 1"));
	assert_non_null(strstr(manifest, "\"allow_unredacted\": true"));
	free(manifest);
}

/* ------------------------------------------------------------------ */
/* Contamination                                                      */
/* ------------------------------------------------------------------ */

struct flag_list {
	int64_t ids[16];
	int n;
};

static int on_flag(int64_t id, const char *kind, int64_t doc, int64_t shared, void *payload)
{
	struct flag_list *l = payload;

	(void)kind;
	(void)doc;
	assert_true(shared > 0);
	l->ids[l->n++] = id;
	return 0;
}

static void contamination_guard(void **state)
{
	struct fixture *f = *state;
	struct enclave_split_options o = ENCLAVE_SPLIT_OPTIONS_INIT;
	struct enclave_export_options e = ENCLAVE_EXPORT_OPTIONS_INIT;
	struct enclave_contamination_options co = ENCLAVE_CONTAMINATION_OPTIONS_INIT;
	struct enclave_contamination_summary cs;
	struct enclave_export_summary sum;
	struct enclave_record_new v[4];
	struct flag_list fl = { { 0 }, 0 };
	int64_t first, test_doc = 0, train_doc = 0, k;
	char keys[4][65], d[128], text[512], *manifest;
	const char *name;
	json_t *rows, *row;
	size_t i, inserted;
	int in_train[4] = { 0 }, in_test[4] = { 0 };

	first = add_docs(f, 10, 0);
	o.parts[0] = 80, o.parts[1] = 10, o.parts[2] = 10, o.seed = 1;
	/* Before a split: the check says there is none. */
	assert_int_equal(enclave_split_contamination(f->p, &co, NULL, NULL, &cs),
	                 ENCLAVE_ENOTFOUND);
	assert_int_equal(enclave_split_assign(f->p, &o, NULL), 0);
	for (k = first; k < first + 10; k++) {
		assert_int_equal(enclave_split_of(f->p, k, &name), 0);
		if (!strcmp(name, "test") && !test_doc)
			test_doc = k;
		if (!strcmp(name, "train") && !train_doc)
			train_doc = k;
	}
	assert_true(test_doc && train_doc);
	/* The test document's sentence, copied with other case and punctuation. */
	snprintf(text, sizeof(text),
	         "Summary: DOCUMENT %lld is about river -- number %lld; and the "
	         "HARBOUR of town %lld!",
	         (long long)(test_doc - first), (long long)(test_doc - first) * 7,
	         (long long)(test_doc - first) * 13);
	for (int j = 0; j < 4; j++)
		enclave_record_key(keys[j], "c", "s", "p", j);
	v[0] = (struct enclave_record_new){ "eda", keys[0], train_doc, -1, NULL, text, NULL, NULL };
	v[1] = (struct enclave_record_new){ "eda",
		                            keys[1],
		                            train_doc,
		                            -1,
		                            NULL,
		                            "A wholly different sentence about mountains and the"
		                            " snow that falls on them in winter.",
		                            NULL,
		                            NULL };
	v[2] = (struct enclave_record_new){ "eda", keys[2], test_doc, -1, NULL, text, NULL, NULL };
	/* A qa pair whose question copies it: qa fields are checked too. */
	{
		static char pl[1024];
		snprintf(pl, sizeof(pl), "{\"question\":\"%s\",\"answer\":\"yes\"}", text);
		v[3] = (struct enclave_record_new){ "qa", keys[3], 0, -1, NULL, "yes", pl, NULL };
	}
	assert_int_equal(enclave_records_insert(f->p, v, 4, &inserted), 0);
	for (k = 1; k <= 4; k++)
		assert_int_equal(enclave_record_set_status(f->p, k, "accepted"), 0);

	/* The check alone: the copies are flagged (the one in test too), the other is not. */
	assert_int_equal(enclave_split_contamination(f->p, &co, on_flag, &fl, &cs), 0);
	assert_int_equal(cs.records, 4);
	assert_int_equal(cs.flagged, 3);
	assert_int_equal(fl.n, 3);
	assert_int_equal(fl.ids[0], 1);
	assert_int_equal(fl.ids[1], 3);
	assert_int_equal(fl.ids[2], 4);
	assert_true(cs.ngrams > 0 && cs.test_documents >= 1);
	/* With n larger than the sentence, nothing is. */
	co.n = 30;
	assert_int_equal(enclave_split_contamination(f->p, &co, NULL, NULL, &cs), 0);
	assert_int_equal(cs.flagged, 0);

	/* The export leaves the copies out of train; the test record stays in test. */
	e.allow_unredacted = 1;
	e.records = "all";
	e.split_project = 1;
	out_dir(d, sizeof(d), f, "guarded");
	assert_int_equal(enclave_export(f->p, d, &e, &sum), 0);
	assert_int_equal(sum.contaminated, 2);
	assert_int_equal(sum.contaminated_kept, 0);
	rows = read_jsonl(d, "train.jsonl");
	json_array_foreach(rows, i, row)
	    in_train[json_integer_value(json_object_get(row, "id")) - 1] = 1;
	json_decref(rows);
	rows = read_jsonl(d, "test.jsonl");
	json_array_foreach(rows, i, row)
	    in_test[json_integer_value(json_object_get(row, "id")) - 1] = 1;
	json_decref(rows);
	assert_false(in_train[0]); /* the copy, from a train document: left out */
	assert_true(in_train[1]);  /* the other one: exported */
	assert_false(in_train[2]); /* from the test document: never in train... */
	assert_true(in_test[2]);   /* ...but in test */
	assert_false(in_train[3]); /* the qa copy without a source: would be train, left out */
	manifest = slurp(d, "manifest.json");
	assert_non_null(strstr(manifest, "\"flagged\": 2"));
	free(manifest);

	/* --include-contaminated keeps them, marked, and the event records it. */
	e.include_contaminated = 1;
	out_dir(d, sizeof(d), f, "kept");
	assert_int_equal(enclave_export(f->p, d, &e, &sum), 0);
	assert_int_equal(sum.contaminated_kept, 2);
	rows = read_jsonl(d, "train.jsonl");
	{
		int marked = 0;
		json_array_foreach(rows, i, row) marked +=
		    json_is_true(json_object_get(row, "contaminated"));
		assert_int_equal(marked, 2);
	}
	json_decref(rows);
	{
		sqlite3_stmt *st;
		assert_int_equal(
		    store_prepare(&st, f->p->db,
		                  "SELECT params, outputs FROM audit WHERE action = 'export'"
		                  " ORDER BY seq DESC LIMIT 1"),
		    0);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_non_null(strstr((const char *)sqlite3_column_text(st, 0),
		                       "\"include_contaminated\":true"));
		assert_non_null(
		    strstr((const char *)sqlite3_column_text(st, 1), "\"contaminated_kept\":2"));
		sqlite3_finalize(st);
	}
}

/* The tokenizer: case and punctuation do not matter; fewer words than n give nothing. */
static void ngram_words(void **state)
{
	struct ngram_set *s;

	(void)state;
	static const char *const texts[] = { "Hello, World! \xc3\x89lan vital",
		                             "hello world \xc3\xa9lan",
		                             "HELLO--WORLD...\xc3\x89LAN VITAL",
		                             "hello there world", "hello world" };
	assert_int_equal(ngram_set_new(&s, 3), 0);
	assert_int_equal(ngram_set_add(s, texts[0], strlen(texts[0])), 0);
	assert_int_equal(ngram_set_count(s), 2);
	assert_int_equal(ngram_set_shared(s, texts[1], strlen(texts[1])), 1);
	assert_int_equal(ngram_set_shared(s, texts[2], strlen(texts[2])), 2);
	assert_int_equal(ngram_set_shared(s, texts[3], strlen(texts[3])), 0);
	assert_int_equal(ngram_set_shared(s, texts[4], strlen(texts[4])), 0);
	ngram_set_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(assign_is_stable_and_audited, setup, teardown),
		cmocka_unit_test_setup_teardown(project_split_equals_export_split, setup, teardown),
		cmocka_unit_test_setup_teardown(records_round_trip_with_lineage, setup, teardown),
		cmocka_unit_test_setup_teardown(records_export_is_deterministic, setup, teardown),
		cmocka_unit_test_setup_teardown(records_quoting_redacted_text, setup, teardown),
		cmocka_unit_test_setup_teardown(contamination_guard, setup, teardown),
		cmocka_unit_test(ngram_words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
