/*
 * Unit tests of the export writers (src/lib/export/) on a real project:
 * documents ingested from files (e-mails with attachments for the groups),
 * redacted by clean --pii (e-mail addresses, tagged), annotated and
 * reviewed through the label model. Each output is parsed back by its own
 * rules here (JSON with jansson, CSV with a small RFC 4180 reader) and
 * compared with the store: the redacted text, entity offsets mapped onto it
 * (and dropped where they overlap a redaction), chunk offsets and overlap,
 * splits that keep a source document and its attachments together with
 * exact proportions, the same bytes for the same seed and different ones
 * for another.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <jansson.h>

#include "../tools/mkpdf_lib.h"
#include "project_fixture.h"
#include "label/labelstudio.h"
#include "store/store_int.h"

#define NDOCS 30 /* text documents */
#define NMAIL 6  /* e-mails, each with one attachment */

/* ------------------------------------------------------------------ */
/* Fixture helpers                                                    */
/* ------------------------------------------------------------------ */

/* Ingest NDOCS text files and NMAIL e-mails with an attachment, then clean --pii. */
static void add_corpus(struct fixture *f)
{
	struct enclave_clean_summary cs;
	char dir[128], path[192];
	int i;

	snprintf(dir, sizeof(dir), "%s/in", f->dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	for (i = 0; i < NDOCS; i++) {
		FILE *fp;
		snprintf(path, sizeof(path), "%s/doc%02d.txt", dir, i);
		assert_non_null(fp = fopen(path, "w"));
		fprintf(fp,
		        "Report %d\n\nWrite to ana%d@example.com in Lisbon. Dr. Smith agreed on"
		        " the plan. It is done \xc3\xa9t\xc3\xa9 %d!\n",
		        i, i, i);
		fclose(fp);
	}
	for (i = 0; i < NMAIL; i++) {
		FILE *fp;
		snprintf(path, sizeof(path), "%s/mail%02d.eml", dir, i);
		assert_non_null(fp = fopen(path, "w"));
		fprintf(fp,
		        "From: Bo <bo%d@example.org>\r\nTo: Cy <cy@example.org>\r\n"
		        "Subject: Mail %d\r\nMIME-Version: 1.0\r\n"
		        "Content-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n"
		        "--XX\r\nContent-Type: text/plain\r\n\r\nSee the note from Porto.\r\n"
		        "--XX\r\nContent-Type: text/plain\r\n"
		        "Content-Disposition: attachment; filename=\"note%d.txt\"\r\n\r\n"
		        "Attached note %d about Porto.\r\n--XX--\r\n",
		        i, i, i, i);
		fclose(fp);
	}
	fixture_ingest(f, dir, NULL);
	fixture_clean_emails(f, &cs);
}

/* The original text of document `id` (malloc'd). */
static char *original_text(struct fixture *f, int64_t id)
{
	struct buf b = BUF_INIT(1 << 24);

	assert_int_equal(store_document_text(&b, f->p->db, id), 0);
	return buf_detach(&b, NULL);
}

/* Code point offset of byte offset `k` in `s`. */
static size_t cp_at(const char *s, size_t k)
{
	size_t i, n = 0;

	for (i = 0; i < k; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			n++;
	return n;
}

/*
 * Annotate every document of the corpus: ner (Lisbon or Porto as LOCATION;
 * on the text reports also the e-mail address as PERSON, which overlaps a
 * redaction) and class ("even"/"odd" by id); a reviewer accepts the
 * annotations of documents whose id is not a multiple of 3.
 * Returns the number of ner annotations accepted with an e-mail span.
 */
static int annotate(struct fixture *f)
{
	struct enclave_label_user a = fixture_user(f, "ann", ENCLAVE_ROLE_ANNOTATOR);
	struct enclave_label_user r = fixture_user(f, "rev", ENCLAVE_ROLE_REVIEWER);
	static const char *const types[] = { "ner", "class", "qa" };
	json_t *schema;
	size_t created, t;
	int accepted_emails = 0;

	schema = json_pack("{s:[s,s,s],s:{s:s,s:b,s:[s,s]},s:[s],s:b}", "ner", "PERSON", "LOCATION",
	                   "DATE", "classes", "name", "parity", "multi", 0, "labels", "even", "odd",
	                   "boxes", "stamp", "qa", 1);
	assert_int_equal(enclave_label_schema_set(f->p, &r, schema), 0);
	json_decref(schema);
	for (t = 0; t < 3; t++) {
		assert_int_equal(enclave_label_tasks_create(f->p, types[t], 1, &created), 0);
		for (;;) {
			json_t *task = NULL, *res, *ann = NULL, *spans;
			int64_t doc, id;
			char *text, *p;
			assert_int_equal(enclave_label_task_next(&task, f->p, &a, types[t]), 0);
			if (!task)
				break;
			doc = json_integer_value(json_object_get(task, "document"));
			text = original_text(f, doc);
			if (t == 0) {
				assert_non_null(spans = json_array());
				if ((p = strstr(text, "Lisbon")) || (p = strstr(text, "Porto")))
					json_array_append_new(
					    spans,
					    json_pack("{s:I,s:I,s:s}", "start",
					              (json_int_t)cp_at(text, (size_t)(p - text)),
					              "end",
					              (json_int_t)cp_at(text, (size_t)(p - text)) +
					                  (*p == 'L' ? 6 : 5),
					              "label", "LOCATION"));
				if ((p = strstr(text, "ana"))) {
					size_t s = cp_at(text, (size_t)(p - text));
					json_array_append_new(
					    spans,
					    json_pack("{s:I,s:I,s:s}", "start", (json_int_t)s,
					              "end", (json_int_t)s + 5, "label", "PERSON"));
					if (doc % 3)
						accepted_emails++;
				}
				res = json_pack("{s:o}", "spans", spans);
			} else if (t == 1) {
				res = json_pack("{s:[s]}", "labels", doc % 2 ? "odd" : "even");
			} else {
				/* The answer quotes the e-mail address: it must not ship. */
				const char *place = strstr(text, "Lisbon") ? "Lisbon" : "Porto";
				const char *mail = strstr(text, "ana");
				char answer[128];
				size_t at = cp_at(text, (size_t)(strstr(text, place) - text));
				snprintf(answer, sizeof(answer), "%.*s in %s",
				         mail ? (int)strcspn(mail, " ") : 2, mail ? mail : "in",
				         place);
				res = json_pack("{s:[{s:s,s:s,s:{s:I,s:I}}]}", "pairs", "question",
				                "Where?", "answer", answer, "evidence", "start",
				                (json_int_t)at, "end",
				                (json_int_t)(at + strlen(place)));
			}
			assert_int_equal(enclave_label_annotation_save(
			                     &ann, f->p, &a,
			                     json_integer_value(json_object_get(task, "id")), res,
			                     1, -1),
			                 0);
			id = json_integer_value(json_object_get(ann, "id"));
			json_decref(ann);
			if (doc % 3) {
				assert_int_equal(
				    enclave_label_review(&ann, f->p, &r, id, "accept", NULL, NULL),
				    0);
				json_decref(ann);
			}
			json_decref(res);
			json_decref(task);
			free(text);
		}
	}
	return accepted_emails;
}

static int setup_corpus(void **state)
{
	struct fixture *f;

	if (setup(state) < 0)
		return -1;
	f = *state;
	add_corpus(f);
	return 0;
}

/* Export with `o` into <fixture>/<name>; the path into `out`. */
static int export_to(struct fixture *f, const char *name, const struct enclave_export_options *o,
                     struct enclave_export_summary *s, char out[160])
{
	snprintf(out, 160, "%s/%s", f->dir, name);
	return enclave_export(f->p, out, o, s);
}

/* The JSON lines of `path`, as an array (new). */
static json_t *read_jsonl(const char *path)
{
	json_t *a = json_array();
	char *s = fixture_slurp(path, NULL), *line, *save = NULL;

	assert_non_null(s);
	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_error_t err;
		json_t *v = json_loads(line, 0, &err);
		if (!v)
			fail_msg("%s: %s", path, err.text);
		json_array_append_new(a, v);
	}
	free(s);
	return a;
}

/* The byte offset of code point `cp` in `s`. */
static size_t byte_at(const char *s, size_t cp)
{
	size_t i = 0, n = 0;

	while (s[i]) {
		if (((unsigned char)s[i] & 0xC0) != 0x80) {
			if (n == cp)
				return i;
			n++;
		}
		i++;
	}
	assert_int_equal(n, cp);
	return i;
}

/* The code points [start, end) of `s` (malloc'd). */
static char *cp_slice(const char *s, size_t start, size_t end)
{
	size_t a = byte_at(s, start), b = byte_at(s, end);
	char *r = malloc(b - a + 1);

	assert_non_null(r);
	memcpy(r, s + a, b - a);
	r[b - a] = 0;
	return r;
}

/* Does the manifest list `name` with `records` records? */
static void manifest_has(const char *dir, const char *name, json_int_t records)
{
	char path[256];
	json_t *m, *f;
	size_t i;
	int found = 0;

	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	assert_non_null(m = json_load_file(path, 0, NULL));
	json_array_foreach(json_object_get(m, "files"), i,
	                   f) if (!strcmp(json_string_value(json_object_get(f, "path")), name))
	{
		found = 1;
		if (records >= 0)
			assert_int_equal(json_integer_value(json_object_get(f, "records")),
			                 records);
	}
	if (!found)
		fail_msg("manifest lacks %s", name);
	json_decref(m);
}

static int same_file(const char *a, const char *b);

/* ------------------------------------------------------------------ */
/* jsonl                                                              */
/* ------------------------------------------------------------------ */

static void test_jsonl(void **state)
{
	struct fixture *f = *state;
	struct enclave_export_options o = ENCLAVE_EXPORT_OPTIONS_INIT;
	struct enclave_export_summary s;
	char out[160], path[256];
	json_t *lines, *d;
	size_t i, located = 0;
	int emails;

	emails = annotate(f);
	assert_true(emails > 0);
	assert_int_equal(export_to(f, "j", &o, &s, out), 0);
	snprintf(path, sizeof(path), "%s/data.jsonl", out);
	lines = read_jsonl(path);
	assert_int_equal(json_array_size(lines), s.documents);
	assert_int_equal(s.documents, NDOCS + 2 * NMAIL + 0 * 1);
	manifest_has(out, "data.jsonl", (json_int_t)s.documents);
	/* Accepted annotations only, by default: those e-mail spans all dropped. */
	assert_int_equal(s.ner_dropped, (size_t)emails);
	json_array_foreach(lines, i, d)
	{
		const char *text = json_string_value(json_object_get(d, "text"));
		json_int_t id = json_integer_value(json_object_get(d, "id"));
		json_t *ann = json_object_get(d, "annotations"), *sp;
		size_t k;
		if (i)
			assert_true(id > json_integer_value(
			                     json_object_get(json_array_get(lines, i - 1), "id")));
		assert_true(json_is_true(json_object_get(d, "redacted")));
		assert_null(strstr(text, "@example"));
		if (id % 3 == 0) {
			assert_null(json_object_get(ann, "ner"));
			continue;
		}
		assert_non_null(json_object_get(ann, "class"));
		json_array_foreach(json_object_get(json_object_get(ann, "ner"), "spans"), k, sp)
		{
			char *got =
			    cp_slice(text, (size_t)json_integer_value(json_object_get(sp, "start")),
			             (size_t)json_integer_value(json_object_get(sp, "end")));
			assert_string_equal(json_string_value(json_object_get(sp, "label")),
			                    "LOCATION");
			assert_true(!strcmp(got, "Lisbon") || !strcmp(got, "Porto"));
			located++;
			free(got);
		}
	}
	assert_true(located > 10);
	json_decref(lines);

	/* Submitted too: more annotations (and more dropped e-mail spans). */
	o.annotations = "submitted";
	assert_int_equal(export_to(f, "j2", &o, &s, out), 0);
	assert_true(s.ner_dropped > (size_t)emails);

	/* Blocks, one a line, each with its document. */
	o.annotations = NULL;
	o.unit = "blocks";
	assert_int_equal(export_to(f, "j3", &o, &s, out), 0);
	snprintf(path, sizeof(path), "%s/data.jsonl", out);
	lines = read_jsonl(path);
	assert_true(json_array_size(lines) > s.documents);
	json_array_foreach(lines, i, d)
	{
		assert_true(json_integer_value(json_object_get(d, "document_id")) > 0);
		assert_null(strstr(json_string_value(json_object_get(d, "text")), "@example"));
	}
	json_decref(lines);

	/* Filters: a label, a status, a language. */
	o.unit = NULL;
	o.label = "odd";
	assert_int_equal(export_to(f, "j4", &o, &s, out), 0);
	snprintf(path, sizeof(path), "%s/data.jsonl", out);
	lines = read_jsonl(path);
	json_array_foreach(lines, i, d)
	{
		json_int_t id = json_integer_value(json_object_get(d, "id"));
		assert_true(id % 2 == 1 && id % 3 != 0);
	}
	assert_true(json_array_size(lines) > 5);
	json_decref(lines);
	o.label = NULL;
	o.status = "failed";
	assert_int_equal(export_to(f, "j5", &o, &s, out), 0);
	assert_int_equal(s.documents, 0);
	o.status = NULL;
	assert_int_equal(store_exec(f->p->db, "UPDATE documents SET language = 'pt' WHERE id <= 4"),
	                 0);
	o.lang = "pt";
	assert_int_equal(export_to(f, "j6", &o, &s, out), 0);
	assert_int_equal(s.documents, 4);

	/* A caller of the version 2 options gets the defaults for the rest. */
	{
		struct enclave_export_options v2 = ENCLAVE_EXPORT_OPTIONS_INIT;
		v2.version = 2;
		v2.layer = "bogus"; /* past a version 2 struct: not read */
		assert_int_equal(export_to(f, "j6b", &v2, &s, out), 0);
		assert_int_equal(s.documents, NDOCS + 2 * NMAIL);
	}

	/* The original layer needs PII allowed. */
	o.lang = NULL;
	o.layer = "original";
	assert_int_equal(export_to(f, "j7", &o, &s, out), ENCLAVE_EINVALID);
	o.allow_unredacted = 1;
	assert_int_equal(export_to(f, "j8", &o, &s, out), 0);
	assert_int_equal(s.unredacted, NDOCS + 2 * NMAIL);
	assert_int_equal(s.ner_dropped, 0);
	snprintf(path, sizeof(path), "%s/data.jsonl", out);
	{
		char *all = fixture_slurp(path, NULL);
		assert_non_null(strstr(all, "ana1@example.com"));
		free(all);
	}
}

/* ------------------------------------------------------------------ */
/* csv                                                                */
/* ------------------------------------------------------------------ */

/* Parse RFC 4180 `s` into rows of fields: a JSON array of arrays of strings. */
static json_t *parse_csv(const char *s)
{
	json_t *rows = json_array(), *row = json_array();
	struct buf fld = BUF_INIT(1 << 24);
	const char *p = s;

	while (*p) {
		buf_clear(&fld);
		if (*p == '"') {
			p++;
			for (;;) {
				assert_true(*p != 0);
				if (*p == '"' && p[1] == '"') {
					buf_putc(&fld, '"');
					p += 2;
				} else if (*p == '"') {
					p++;
					break;
				} else {
					buf_putc(&fld, *p++);
				}
			}
		} else {
			while (*p && *p != ',' && *p != '\r') {
				assert_true(*p != '"' && *p != '\n');
				buf_putc(&fld, *p++);
			}
		}
		json_array_append_new(row, json_string(buf_cstr(&fld)));
		if (*p == ',') {
			p++;
			continue;
		}
		assert_true(p[0] == '\r' && p[1] == '\n'); /* CRLF ends every row */
		p += 2;
		json_array_append_new(rows, row);
		row = json_array();
	}
	json_decref(row);
	buf_release(&fld);
	return rows;
}

static void test_csv(void **state)
{
	struct fixture *f = *state;
	struct enclave_export_options o = ENCLAVE_EXPORT_OPTIONS_INIT;
	struct enclave_export_summary s;
	char out[160], path[256];
	json_t *lines, *rows, *row;
	char *csv;
	size_t i;

	annotate(f);
	assert_int_equal(export_to(f, "j", &o, &s, out), 0);
	snprintf(path, sizeof(path), "%s/data.jsonl", out);
	lines = read_jsonl(path);
	o.format = "csv";
	assert_int_equal(export_to(f, "c", &o, &s, out), 0);
	snprintf(path, sizeof(path), "%s/data.csv", out);
	csv = fixture_slurp(path, NULL);
	rows = parse_csv(csv);
	assert_int_equal(json_array_size(rows), json_array_size(lines) + 1);
	manifest_has(out, "data.csv", (json_int_t)json_array_size(lines));
	assert_string_equal(json_string_value(json_array_get(json_array_get(rows, 0), 7)), "text");
	json_array_foreach(rows, i, row)
	{
		json_t *d;
		char id[32];
		if (!i)
			continue;
		d = json_array_get(lines, i - 1);
		assert_int_equal(json_array_size(row), 8);
		snprintf(id, sizeof(id), "%lld",
		         (long long)json_integer_value(json_object_get(d, "id")));
		assert_string_equal(json_string_value(json_array_get(row, 0)), id);
		/* The text, with its line breaks and commas, comes back whole. */
		assert_string_equal(json_string_value(json_array_get(row, 7)),
		                    json_string_value(json_object_get(d, "text")));
		assert_string_equal(json_string_value(json_array_get(row, 5)), "true");
		if (json_integer_value(json_object_get(d, "id")) % 3)
			assert_string_equal(
			    json_string_value(json_array_get(row, 6)),
			    json_integer_value(json_object_get(d, "id")) % 2 ? "odd" : "even");
	}
	free(csv);
	json_decref(rows);
	json_decref(lines);

	o.unit = "blocks";
	assert_int_equal(export_to(f, "c2", &o, &s, out), 0);
	snprintf(path, sizeof(path), "%s/data.csv", out);
	csv = fixture_slurp(path, NULL);
	rows = parse_csv(csv);
	assert_string_equal(json_string_value(json_array_get(json_array_get(rows, 0), 0)),
	                    "document_id");
	json_array_foreach(rows, i, row) assert_int_equal(json_array_size(row), 10);
	assert_true(json_array_size(rows) > s.documents);
	free(csv);
	json_decref(rows);
}

/* ------------------------------------------------------------------ */
/* chunks                                                             */
/* ------------------------------------------------------------------ */

static void test_chunks(void **state)
{
	struct fixture *f = *state;
	struct enclave_export_options o = ENCLAVE_EXPORT_OPTIONS_INIT;
	struct enclave_export_summary s;
	char out[160], path[256];
	json_t *docs, *chunks, *c, *prev = NULL;
	size_t i, nsent = 0;

	assert_int_equal(export_to(f, "j", &o, &s, out), 0);
	snprintf(path, sizeof(path), "%s/data.jsonl", out);
	docs = read_jsonl(path);
	o.format = "chunks";
	o.chunk_by = "words";
	o.chunk_size = 5;
	o.chunk_overlap = 2;
	assert_int_equal(export_to(f, "k", &o, &s, out), 0);
	snprintf(path, sizeof(path), "%s/chunks.jsonl", out);
	chunks = read_jsonl(path);
	assert_true(json_array_size(chunks) > s.documents);
	json_array_foreach(chunks, i, c)
	{
		json_int_t doc = json_integer_value(json_object_get(c, "document_id"));
		size_t k, start = (size_t)json_integer_value(json_object_get(c, "start")),
		          end = (size_t)json_integer_value(json_object_get(c, "end"));
		const char *text = NULL;
		json_t *d;
		char *want;
		json_array_foreach(docs, k,
		                   d) if (json_integer_value(json_object_get(d, "id")) == doc)
		    text = json_string_value(json_object_get(d, "text"));
		assert_non_null(text);
		want = cp_slice(text, start, end);
		assert_string_equal(json_string_value(json_object_get(c, "text")), want);
		free(want);
		assert_null(strstr(json_string_value(json_object_get(c, "text")), "@example"));
		/* Overlap: this chunk starts before the previous one of its document ends. */
		if (prev && json_integer_value(json_object_get(prev, "document_id")) == doc)
			assert_true(start <
			            (size_t)json_integer_value(json_object_get(prev, "end")));
		prev = c;
	}
	json_decref(chunks);

	/* Sentences: "Dr. Smith" does not end one. */
	o.chunk_by = "sentences";
	o.chunk_size = 1;
	o.chunk_overlap = 0;
	assert_int_equal(export_to(f, "k2", &o, &s, out), 0);
	snprintf(path, sizeof(path), "%s/chunks.jsonl", out);
	chunks = read_jsonl(path);
	json_array_foreach(chunks, i, c)
	{
		const char *t = json_string_value(json_object_get(c, "text"));
		assert_string_not_equal(t, "Dr.");
		if (strstr(t, "Dr. Smith agreed on the plan."))
			nsent++;
	}
	assert_int_equal(nsent, NDOCS);
	json_decref(chunks);

	/* Sections: one chunk a document here (no headings), the whole text. */
	o.chunk_by = "sections";
	assert_int_equal(export_to(f, "k3", &o, &s, out), 0);
	o.chunk_overlap = 1;
	assert_int_equal(export_to(f, "k4", &o, &s, out), ENCLAVE_EINVALID);
	json_decref(docs);
}

/* ------------------------------------------------------------------ */
/* conll, spacy, hf-ner                                               */
/* ------------------------------------------------------------------ */

/* `s` without whitespace (malloc'd). */
static char *squeeze(const char *s)
{
	char *r = malloc(strlen(s) + 1), *p = r;

	assert_non_null(r);
	for (; *s; s++)
		if (!strchr(" \t\r\n", *s))
			*p++ = *s;
	*p = 0;
	return r;
}

static void test_ner_formats(void **state)
{
	struct fixture *f = *state;
	struct enclave_export_options o = ENCLAVE_EXPORT_OPTIONS_INIT;
	struct enclave_export_summary s;
	char out[160], path[256], *conll, *line, *save = NULL, *want;
	json_t *docs, *d, *lines, *names, *doc_tokens = NULL, *all_tokens = json_array();
	size_t i, ndocs = 0, located = 0, b_loc = 0, sentences = 0, k;
	struct buf joined = BUF_INIT(1 << 24);
	const char *prev_tag = "O";

	annotate(f);
	assert_int_equal(export_to(f, "j", &o, &s, out), 0);
	snprintf(path, sizeof(path), "%s/data.jsonl", out);
	docs = read_jsonl(path);
	json_array_foreach(docs, i, d) located += json_array_size(
	    json_object_get(json_object_get(json_object_get(d, "annotations"), "ner"), "spans"));
	assert_true(located > 10);

	/* CoNLL, read back: documents, sentences, tokens and IOB2 tags. */
	o.format = "conll";
	assert_int_equal(export_to(f, "n1", &o, &s, out), 0);
	snprintf(path, sizeof(path), "%s/data.conll", out);
	conll = fixture_slurp(path, NULL);
	assert_null(strstr(conll, "@"));
	for (line = strtok_r(conll, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strrchr(line, ' ');
		assert_non_null(sp);
		*sp = 0;
		if (!strcmp(line, "-DOCSTART-")) {
			if (ndocs) {
				want = squeeze(json_string_value(
				    json_object_get(json_array_get(docs, ndocs - 1), "text")));
				assert_string_equal(buf_cstr(&joined), want);
				free(want);
			}
			buf_clear(&joined);
			ndocs++;
			prev_tag = "O";
			continue;
		}
		assert_null(strchr(line, ' '));
		buf_puts(&joined, line);
		json_array_append_new(all_tokens, json_string(line));
		if (!strcmp(sp + 1, "B-LOCATION")) {
			b_loc++;
			assert_true(!strcmp(line, "Lisbon") || !strcmp(line, "Porto"));
		} else if (!strncmp(sp + 1, "I-", 2)) {
			/* I- only continues an entity of its label. */
			assert_true(strlen(prev_tag) > 2 && !strcmp(prev_tag + 2, sp + 3));
		} else {
			assert_string_equal(sp + 1, "O");
		}
		prev_tag = sp + 1;
	}
	want = squeeze(json_string_value(json_object_get(json_array_get(docs, ndocs - 1), "text")));
	assert_string_equal(buf_cstr(&joined), want);
	free(want);
	assert_int_equal(ndocs, json_array_size(docs));
	assert_int_equal(b_loc, located);
	free(conll);

	/* spaCy: the entity offsets land on the entities in the redacted text. */
	o.format = "spacy";
	assert_int_equal(export_to(f, "n2", &o, &s, out), 0);
	snprintf(path, sizeof(path), "%s/data.spacy.jsonl", out);
	lines = read_jsonl(path);
	assert_int_equal(json_array_size(lines), json_array_size(docs));
	k = 0;
	json_array_foreach(lines, i, d)
	{
		const char *text = json_string_value(json_object_get(d, "text"));
		json_t *e;
		size_t j;
		assert_string_equal(
		    text, json_string_value(json_object_get(json_array_get(docs, i), "text")));
		json_array_foreach(json_object_get(d, "entities"), j, e)
		{
			char *got = cp_slice(text, (size_t)json_integer_value(json_array_get(e, 0)),
			                     (size_t)json_integer_value(json_array_get(e, 1)));
			assert_true(!strcmp(got, "Lisbon") || !strcmp(got, "Porto"));
			free(got);
			k++;
		}
	}
	assert_int_equal(k, located);
	json_decref(lines);

	/* hf-ner: the same tokens, tag ids into label_names.json. */
	o.format = "hf-ner";
	assert_int_equal(export_to(f, "n3", &o, &s, out), 0);
	snprintf(path, sizeof(path), "%s/label_names.json", out);
	assert_non_null(names = json_load_file(path, 0, NULL));
	assert_string_equal(json_string_value(json_array_get(names, 0)), "O");
	snprintf(path, sizeof(path), "%s/data.jsonl", out);
	lines = read_jsonl(path);
	k = 0;
	b_loc = 0;
	json_array_foreach(lines, i, d)
	{
		json_t *toks = json_object_get(d, "tokens"), *tags = json_object_get(d, "ner_tags");
		size_t j;
		assert_int_equal(json_array_size(toks), json_array_size(tags));
		json_array_foreach(toks, j, doc_tokens)
		{
			json_int_t tag = json_integer_value(json_array_get(tags, j));
			const char *name = json_string_value(json_array_get(names, (size_t)tag));
			assert_non_null(name);
			assert_string_equal(json_string_value(doc_tokens),
			                    json_string_value(json_array_get(all_tokens, k)));
			k++;
			if (!strcmp(name, "B-LOCATION"))
				b_loc++;
		}
		sentences++;
	}
	assert_int_equal(k, json_array_size(all_tokens));
	assert_int_equal(b_loc, located);
	manifest_has(out, "data.jsonl", (json_int_t)sentences);
	json_decref(lines);
	json_decref(names);
	json_decref(all_tokens);
	json_decref(docs);
	buf_release(&joined);
}

/* ------------------------------------------------------------------ */
/* chat, instruct, text, markdown                                     */
/* ------------------------------------------------------------------ */

static void test_text_formats(void **state)
{
	struct fixture *f = *state;
	struct enclave_export_options o = ENCLAVE_EXPORT_OPTIONS_INIT;
	struct enclave_export_summary s;
	char out[160], path[256];
	json_t *docs, *d, *lines, *l;
	size_t i, qa_docs = 0, k;

	annotate(f);
	assert_int_equal(export_to(f, "j", &o, &s, out), 0);
	snprintf(path, sizeof(path), "%s/data.jsonl", out);
	docs = read_jsonl(path);
	json_array_foreach(docs, i, d) qa_docs +=
	    json_integer_value(json_object_get(d, "id")) % 3 != 0;

	/* chat: a pair a line for accepted Q&A, the template for the rest. */
	o.format = "chat";
	o.system_prompt = "You are careful.";
	o.chat_template = "Summarize:\n{text}";
	assert_int_equal(export_to(f, "t1", &o, &s, out), 0);
	snprintf(path, sizeof(path), "%s/data.chat.jsonl", out);
	lines = read_jsonl(path);
	assert_int_equal(json_array_size(lines), json_array_size(docs));
	json_array_foreach(lines, i, l)
	{
		json_t *m = json_object_get(l, "messages");
		json_int_t id = json_integer_value(json_object_get(json_array_get(docs, i), "id"));
		const char *text =
		    json_string_value(json_object_get(json_array_get(docs, i), "text"));
		assert_string_equal(
		    json_string_value(json_object_get(json_array_get(m, 0), "role")), "system");
		assert_string_equal(
		    json_string_value(json_object_get(json_array_get(m, 0), "content")),
		    "You are careful.");
		if (id % 3) {
			const char *answer =
			    json_string_value(json_object_get(json_array_get(m, 2), "content"));
			assert_int_equal(json_array_size(m), 3);
			assert_string_equal(
			    json_string_value(json_object_get(json_array_get(m, 1), "content")),
			    "Where?");
			assert_string_equal(
			    json_string_value(json_object_get(json_array_get(m, 2), "role")),
			    "assistant");
			assert_null(strstr(answer, "@"));
			assert_true(strstr(answer, " in Lisbon") || strstr(answer, " in Porto"));
		} else {
			char want[4096];
			assert_int_equal(json_array_size(m), 2);
			snprintf(want, sizeof(want), "Summarize:\n%s", text);
			assert_string_equal(
			    json_string_value(json_object_get(json_array_get(m, 1), "content")),
			    want);
		}
	}
	json_decref(lines);

	/* instruct: accepted pairs only, the evidence as input. */
	o.format = "instruct";
	assert_int_equal(export_to(f, "t2", &o, &s, out), 0);
	snprintf(path, sizeof(path), "%s/data.instruct.jsonl", out);
	lines = read_jsonl(path);
	assert_int_equal(json_array_size(lines), qa_docs);
	json_array_foreach(lines, i, l)
	{
		const char *in = json_string_value(json_object_get(l, "input"));
		assert_true(!strcmp(in, "Lisbon") || !strcmp(in, "Porto"));
		assert_string_equal(json_string_value(json_object_get(l, "instruction")), "Where?");
		assert_null(strstr(json_string_value(json_object_get(l, "output")), "@"));
	}
	json_decref(lines);

	/* text and markdown: a file per document. */
	o.format = "text";
	assert_int_equal(export_to(f, "t3", &o, &s, out), 0);
	json_array_foreach(docs, i, d)
	{
		char name[64], *got, want[4096];
		snprintf(name, sizeof(name), "text/%08lld.txt",
		         (long long)json_integer_value(json_object_get(d, "id")));
		snprintf(path, sizeof(path), "%s/%s", out, name);
		assert_non_null(got = fixture_slurp(path, NULL));
		snprintf(want, sizeof(want), "%s\n", json_string_value(json_object_get(d, "text")));
		assert_string_equal(got, want);
		manifest_has(out, name, 1);
		free(got);
	}
	o.format = "markdown";
	o.split[0] = 50;
	o.split[1] = 50;
	assert_int_equal(export_to(f, "t4", &o, &s, out), 0);
	k = 0;
	json_array_foreach(docs, i, d)
	{
		char *got = NULL;
		const char *const splits[] = { "train", "test" };
		size_t j;
		json_t *b;
		int n;
		for (n = 0; n < 2 && !got; n++) {
			snprintf(path, sizeof(path), "%s/markdown/%s/%08lld.md", out, splits[n],
			         (long long)json_integer_value(json_object_get(d, "id")));
			got = fixture_slurp(path, NULL);
		}
		assert_non_null(got);
		assert_null(strstr(got, "@"));
		json_array_foreach(json_object_get(d, "blocks"), j, b)
		    assert_non_null(strstr(got, json_string_value(json_object_get(b, "text"))));
		free(got);
		k++;
	}
	assert_int_equal(k, json_array_size(docs));
	json_decref(docs);
}

/* ------------------------------------------------------------------ */
/* coco, yolo: page images with the PII blacked out                   */
/* ------------------------------------------------------------------ */

/* A project with one PDF holding an e-mail address, cleaned, with an accepted box. */
static int setup_pdf(void **state)
{
	struct enclave_clean_summary cs;
	struct fixture *f;
	unsigned char *data;
	char path[192];
	size_t len;

	if (setup(state) < 0)
		return -1;
	f = *state;
	fixture_minutes_pdf(&data, &len);
	snprintf(path, sizeof(path), "%s/minutes.pdf", f->dir);
	fixture_write_file(path, data, len);
	free(data);
	fixture_ingest(f, path, NULL);
	fixture_clean_emails(f, &cs);
	assert_int_equal(cs.redacted, 1);
	fixture_accepted_box(
	    f, json_pack("{s:[s],s:[s,s]}", "ner", "PERSON", "boxes", "signature", "stamp"));
	return 0;
}

/* Decode PNG `path` into an RGB pixmap (the caller drops it and ctx). */
static fz_pixmap *load_png(fz_context *ctx, const char *path)
{
	fz_image *img = fz_new_image_from_file(ctx, path);
	fz_pixmap *pix = fz_get_pixmap_from_image(ctx, img, NULL, NULL, NULL, NULL);

	fz_drop_image(ctx, img);
	assert_int_equal(pix->n, 3);
	return pix;
}

/* Darkest and brightest sample inside box (points) shrunk by a pixel. */
static void box_range(fz_pixmap *pix, const double *bb, double sx, double sy, int *lo, int *hi)
{
	int x, y, c;
	int x0 = (int)(bb[0] * sx) + 1, y0 = (int)(bb[1] * sy) + 1;
	int x1 = (int)(bb[2] * sx) - 1, y1 = (int)(bb[3] * sy) - 1;

	*lo = 255;
	*hi = 0;
	assert_true(x1 > x0 && y1 > y0);
	for (y = y0; y < y1; y++)
		for (x = x0; x < x1; x++)
			for (c = 0; c < 3; c++) {
				int v = pix->samples[(size_t)y * (size_t)pix->stride +
				                     (size_t)x * 3 + (size_t)c];
				*lo = v < *lo ? v : *lo;
				*hi = v > *hi ? v : *hi;
			}
}

/* The PII span's first box on page 1 (points). */
static void pii_box(struct fixture *f, double bb[4])
{
	struct store_spans spans = { 0 };
	json_t *boxes, *b;
	int k;

	assert_int_equal(store_spans_read(&spans, f->p->db, 1), 0);
	assert_int_equal(spans.n, 1);
	assert_true(spans.v[0].out_start >= 0);
	assert_non_null(boxes = json_loads(spans.v[0].boxes, 0, NULL));
	b = json_array_get(boxes, 0);
	assert_int_equal(json_integer_value(json_object_get(b, "page")), 1);
	for (k = 0; k < 4; k++)
		bb[k] = json_number_value(json_array_get(json_object_get(b, "bbox"), (size_t)k));
	json_decref(boxes);
	store_spans_release(&spans);
}

static void test_coco(void **state)
{
	struct fixture *f = *state;
	struct enclave_export_options o = ENCLAVE_EXPORT_OPTIONS_INIT;
	struct enclave_export_summary s;
	char out[160], path[256];
	json_t *coco, *img, *ann, *cat, *bb;
	double pii[4], sx, sy;
	fz_context *ctx;
	fz_pixmap *pix;
	int lo, hi;

	pii_box(f, pii);
	o.format = "coco";
	o.dpi = 144;
	assert_int_equal(export_to(f, "c1", &o, &s, out), 0);
	snprintf(path, sizeof(path), "%s/annotations.json", out);
	assert_non_null(coco = json_load_file(path, 0, NULL));
	manifest_has(out, "annotations.json", 1);
	manifest_has(out, "images/00000001-p0001.png", -1);
	img = json_array_get(json_object_get(coco, "images"), 0);
	ann = json_array_get(json_object_get(coco, "annotations"), 0);
	assert_int_equal(json_array_size(json_object_get(coco, "images")), 1);
	assert_int_equal(json_array_size(json_object_get(coco, "annotations")), 1);
	/* Ids from 1; categories sorted: signature 1, stamp 2. */
	assert_int_equal(json_integer_value(json_object_get(img, "id")), 1);
	assert_int_equal(json_integer_value(json_object_get(ann, "id")), 1);
	assert_int_equal(json_integer_value(json_object_get(ann, "image_id")), 1);
	assert_int_equal(json_integer_value(json_object_get(ann, "iscrowd")), 0);
	cat = json_array_get(json_object_get(coco, "categories"), 1);
	assert_string_equal(json_string_value(json_object_get(cat, "name")), "stamp");
	assert_int_equal(json_integer_value(json_object_get(ann, "category_id")),
	                 json_integer_value(json_object_get(cat, "id")));
	/* 144 dpi: 2 pixels a point; bbox is [x, y, w, h] in pixels, area w * h. */
	assert_int_equal(json_integer_value(json_object_get(img, "width")), 612 * 2);
	assert_int_equal(json_integer_value(json_object_get(img, "height")), 792 * 2);
	bb = json_object_get(ann, "bbox");
	assert_true(fabs(json_number_value(json_array_get(bb, 0)) - 200.0) < 0.01);
	assert_true(fabs(json_number_value(json_array_get(bb, 1)) - 200.0) < 0.01);
	assert_true(fabs(json_number_value(json_array_get(bb, 2)) - 200.0) < 0.01);
	assert_true(fabs(json_number_value(json_array_get(bb, 3)) - 100.0) < 0.01);
	assert_true(fabs(json_number_value(json_object_get(ann, "area")) - 20000.0) < 0.01);

	/* The PII's box is black in the image; with the original layer it holds text. */
	ctx = fz_new_context(NULL, NULL, FZ_STORE_DEFAULT);
	fz_register_document_handlers(ctx);
	snprintf(path, sizeof(path), "%s/images/00000001-p0001.png", out);
	pix = load_png(ctx, path);
	sx = (double)pix->w / 612.0;
	sy = (double)pix->h / 792.0;
	box_range(pix, pii, sx, sy, &lo, &hi);
	assert_int_equal(hi, 0);
	fz_drop_pixmap(ctx, pix);
	/* Same options, same bytes: the annotations and the image. */
	{
		char out2[160], a[256], b[256];
		assert_int_equal(export_to(f, "c3", &o, &s, out2), 0);
		snprintf(a, sizeof(a), "%s/annotations.json", out);
		snprintf(b, sizeof(b), "%s/annotations.json", out2);
		assert_true(same_file(a, b));
		snprintf(a, sizeof(a), "%s/images/00000001-p0001.png", out);
		snprintf(b, sizeof(b), "%s/images/00000001-p0001.png", out2);
		assert_true(same_file(a, b));
	}
	o.layer = "original";
	o.allow_unredacted = 1;
	assert_int_equal(export_to(f, "c2", &o, &s, out), 0);
	snprintf(path, sizeof(path), "%s/images/00000001-p0001.png", out);
	pix = load_png(ctx, path);
	box_range(pix, pii, sx, sy, &lo, &hi);
	assert_true(hi == 255 && lo < 128); /* white paper and dark ink */
	fz_drop_pixmap(ctx, pix);
	fz_drop_context(ctx);
	json_decref(coco);
}

static void test_yolo(void **state)
{
	struct fixture *f = *state;
	struct enclave_export_options o = ENCLAVE_EXPORT_OPTIONS_INIT;
	struct enclave_export_summary s;
	char out[160], path[256], *yaml, *labels;
	double pii[4], v[4];
	int cls, lo, hi, k;
	fz_context *ctx;
	fz_pixmap *pix;

	pii_box(f, pii);
	o.format = "yolo";
	assert_int_equal(export_to(f, "y1", &o, &s, out), 0);
	snprintf(path, sizeof(path), "%s/data.yaml", out);
	assert_non_null(yaml = fixture_slurp(path, NULL));
	assert_non_null(strstr(yaml, "nc: 2\n"));
	assert_non_null(strstr(yaml, "  1: \"stamp\"\n"));
	assert_non_null(strstr(yaml, "train: images\n"));
	free(yaml);
	snprintf(path, sizeof(path), "%s/labels/00000001-p0001.txt", out);
	assert_non_null(labels = fixture_slurp(path, NULL));
	manifest_has(out, "labels/00000001-p0001.txt", 1);
	/* class cx cy w h, normalised: [100,100,200,150] on 612 x 792. */
	assert_int_equal(sscanf(labels, "%d %lf %lf %lf %lf", &cls, &v[0], &v[1], &v[2], &v[3]), 5);
	assert_int_equal(cls, 1);
	for (k = 0; k < 4; k++)
		assert_true(v[k] >= 0.0 && v[k] <= 1.0);
	assert_true(fabs(v[0] - 150.0 / 612) < 1e-5 && fabs(v[1] - 125.0 / 792) < 1e-5);
	assert_true(fabs(v[2] - 100.0 / 612) < 1e-5 && fabs(v[3] - 50.0 / 792) < 1e-5);
	free(labels);
	/* The image: 100 dpi by default, the PII box black. */
	ctx = fz_new_context(NULL, NULL, FZ_STORE_DEFAULT);
	fz_register_document_handlers(ctx);
	snprintf(path, sizeof(path), "%s/images/00000001-p0001.png", out);
	pix = load_png(ctx, path);
	assert_int_equal(pix->w, (int)(612 * 100 / 72.0 + 0.5));
	box_range(pix, pii, (double)pix->w / 612.0, (double)pix->h / 792.0, &lo, &hi);
	assert_int_equal(hi, 0);
	fz_drop_pixmap(ctx, pix);
	fz_drop_context(ctx);
}

/* ------------------------------------------------------------------ */
/* labelstudio                                                        */
/* ------------------------------------------------------------------ */

static void test_labelstudio(void **state)
{
	struct fixture *f = *state;
	struct enclave_export_options o = ENCLAVE_EXPORT_OPTIONS_INIT;
	struct enclave_export_summary s;
	struct ls_import imp;
	char out[160], path[256], *text;
	json_t *docs;
	size_t i, len, spans = 0;

	annotate(f);
	assert_int_equal(export_to(f, "j", &o, &s, out), 0);
	snprintf(path, sizeof(path), "%s/data.jsonl", out);
	docs = read_jsonl(path);
	o.format = "labelstudio";
	assert_int_equal(export_to(f, "l", &o, &s, out), 0);
	snprintf(path, sizeof(path), "%s/labelstudio.json", out);
	assert_non_null(text = fixture_slurp(path, &len));
	manifest_has(out, "labelstudio.json", (json_int_t)json_array_size(docs));
	assert_null(strstr(text, "@"));
	/* Read back by the project's Label Studio reader. */
	assert_int_equal(ls_import(&imp, text, len, NULL), 0);
	assert_int_equal(imp.nerrors, 0);
	assert_int_equal(imp.ntasks, json_array_size(docs));
	for (i = 0; i < imp.ntasks; i++) {
		const struct ls_task *t = &imp.tasks[i];
		json_t *d = json_array_get(docs, i);
		json_int_t id = json_integer_value(json_object_get(d, "id"));
		size_t k;
		assert_int_equal(t->id, id);
		assert_string_equal(t->text, json_string_value(json_object_get(d, "text")));
		if (id % 3 == 0) {
			assert_int_equal(t->nannotations, 0);
			continue;
		}
		assert_int_equal(t->nannotations, 1);
		assert_int_equal(t->annotations[0].nchoices, 1);
		assert_string_equal(t->annotations[0].choices[0], id % 2 ? "odd" : "even");
		assert_int_equal(t->annotations[0].ntexts, 1);
		for (k = 0; k < t->annotations[0].nspans; k++) {
			const struct ls_span *sp = &t->annotations[0].spans[k];
			char *got = cp_slice(t->text, sp->start, sp->end);
			assert_string_equal(sp->label, "LOCATION");
			assert_true(!strcmp(got, "Lisbon") || !strcmp(got, "Porto"));
			free(got);
			spans++;
		}
	}
	assert_true(spans > 10);
	ls_import_release(&imp);
	free(text);
	json_decref(docs);
}

/* ------------------------------------------------------------------ */
/* splits and determinism                                             */
/* ------------------------------------------------------------------ */

/* Read the csv split files of `out` into doc id -> split (index) and parent. */
static void read_splits(const char *out, int nsplits, int split_of[256], int parent_of[256])
{
	static const char *const names3[] = { "train", "validation", "test" };
	static const char *const names2[] = { "train", "test" };
	int k;

	memset(split_of, -1, 256 * sizeof(int));
	for (k = 0; k < nsplits; k++) {
		char path[256], *csv;
		json_t *rows, *row;
		size_t i;
		snprintf(path, sizeof(path), "%s/%s.csv", out,
		         nsplits == 3 ? names3[k] : names2[k]);
		assert_non_null(csv = fixture_slurp(path, NULL));
		rows = parse_csv(csv);
		manifest_has(out, strrchr(path, '/') + 1, (json_int_t)json_array_size(rows) - 1);
		json_array_foreach(rows, i, row)
		{
			int id, parent;
			if (!i)
				continue;
			id = atoi(json_string_value(json_array_get(row, 0)));
			parent = atoi(json_string_value(json_array_get(row, 1)));
			assert_true(id > 0 && id < 256);
			assert_int_equal(split_of[id], -1); /* in one split only */
			split_of[id] = k;
			parent_of[id] = parent;
		}
		json_decref(rows);
		free(csv);
	}
}

static int same_file(const char *a, const char *b)
{
	size_t la, lb;
	char *x = fixture_slurp(a, &la), *y = fixture_slurp(b, &lb);
	int same = x && y && la == lb && !memcmp(x, y, la);

	free(x);
	free(y);
	return same;
}

static void test_splits(void **state)
{
	struct fixture *f = *state;
	struct enclave_export_options o = ENCLAVE_EXPORT_OPTIONS_INIT;
	struct enclave_export_summary s;
	char out[160], out2[160], out3[160], a[256], b[256];
	int split_of[256], parent_of[256], split2[256], parent2[256], counts[3] = { 0 };
	int id, roots = 0, children = 0, differ = 0;

	annotate(f);
	o.format = "csv";
	o.split[0] = 80;
	o.split[1] = 10;
	o.split[2] = 10;
	o.seed = 7;
	assert_int_equal(export_to(f, "s1", &o, &s, out), 0);
	read_splits(out, 3, split_of, parent_of);
	for (id = 1; id < 256; id++) {
		if (split_of[id] < 0)
			continue;
		if (parent_of[id]) {
			/* No source document in two splits: the attachment is with its e-mail. */
			assert_int_equal(split_of[id], split_of[parent_of[id]]);
			children++;
		} else {
			counts[split_of[id]]++;
			roots++;
		}
	}
	assert_int_equal(children, NMAIL);
	assert_int_equal(roots, NDOCS + NMAIL);
	/* 36 roots in rounds of 10 (8/1/1): within one round of exact. */
	assert_in_range(counts[0], 28, 30);
	assert_in_range(counts[1], 3, 4);
	assert_in_range(counts[2], 3, 4);
	assert_int_equal(s.split_records[0] + s.split_records[1] + s.split_records[2], s.documents);

	/* Same seed, same bytes; another seed, another assignment. */
	assert_int_equal(export_to(f, "s2", &o, &s, out2), 0);
	snprintf(a, sizeof(a), "%s/train.csv", out);
	snprintf(b, sizeof(b), "%s/train.csv", out2);
	assert_true(same_file(a, b));
	o.seed = 8;
	assert_int_equal(export_to(f, "s3", &o, &s, out3), 0);
	read_splits(out3, 3, split2, parent2);
	for (id = 1; id < 256; id++)
		differ += split_of[id] != split2[id];
	assert_true(differ > 0);

	/* Two parts; stratified by class label: each label in proportion. */
	o.split[0] = 50;
	o.split[1] = 50;
	o.split[2] = 0;
	o.stratify = "class";
	assert_int_equal(export_to(f, "s4", &o, &s, out), 0);
	read_splits(out, 2, split_of, parent_of);
	{
		int per[2][2] = { { 0, 0 }, { 0, 0 } };
		for (id = 1; id < 256; id++)
			if (split_of[id] >= 0 && !parent_of[id] && id % 3)
				per[id % 2][split_of[id]]++;
		/* Accepted class labels: even / odd, halves within one. */
		assert_true(abs(per[0][0] - per[0][1]) <= 1);
		assert_true(abs(per[1][0] - per[1][1]) <= 1);
	}
	/*
	 * The project split (enclave split) of the same spec is the same
	 * assignment: stratified, children with their roots, byte for byte.
	 */
	{
		struct enclave_split_options so = ENCLAVE_SPLIT_OPTIONS_INIT;
		struct enclave_export_options po = o;
		static const char *const parts[] = { "train.csv", "test.csv" };
		so.parts[0] = 50;
		so.parts[1] = 50;
		so.seed = o.seed;
		so.stratify = "class";
		assert_int_equal(enclave_split_assign(f->p, &so, NULL), 0);
		po.split[0] = po.split[1] = 0;
		po.stratify = NULL;
		po.split_project = 1;
		assert_int_equal(export_to(f, "s4p", &po, &s, out2), 0);
		assert_int_equal(s.split_project, 1);
		for (int k = 0; k < 2; k++) {
			snprintf(a, sizeof(a), "%s/%s", out, parts[k]);
			snprintf(b, sizeof(b), "%s/%s", out2, parts[k]);
			assert_true(same_file(a, b));
		}
		/* With the parts too: refused, the stored spec has them. */
		po.split[0] = 50;
		po.split[1] = 50;
		assert_int_equal(export_to(f, "s4q", &po, &s, out2), ENCLAVE_EINVALID);
	}
	/* Bad splits. */
	o.split[0] = 90;
	assert_int_equal(export_to(f, "s5", &o, &s, out), ENCLAVE_EINVALID);
	o.split[0] = 100;
	o.split[1] = 0;
	assert_int_equal(export_to(f, "s6", &o, &s, out), ENCLAVE_EINVALID);
}

static void test_determinism(void **state)
{
	struct fixture *f = *state;
	static const char *const formats[][2] = {
		{ "jsonl", "data.jsonl" },       { "csv", "data.csv" },
		{ "chunks", "chunks.jsonl" },    { "conll", "data.conll" },
		{ "spacy", "data.spacy.jsonl" }, { "hf-ner", "data.jsonl" },
	};
	size_t i;

	annotate(f);
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		struct enclave_export_options o = ENCLAVE_EXPORT_OPTIONS_INIT;
		struct enclave_export_summary s;
		char out1[160], out2[160], n1[32], n2[32], a[256], b[256];
		o.format = formats[i][0];
		snprintf(n1, sizeof(n1), "d%zu-1", i);
		snprintf(n2, sizeof(n2), "d%zu-2", i);
		assert_int_equal(export_to(f, n1, &o, &s, out1), 0);
		assert_int_equal(export_to(f, n2, &o, &s, out2), 0);
		snprintf(a, sizeof(a), "%s/%s", out1, formats[i][1]);
		snprintf(b, sizeof(b), "%s/%s", out2, formats[i][1]);
		if (!same_file(a, b))
			fail_msg("%s: two exports differ", formats[i][0]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_jsonl, setup_corpus, teardown),
		cmocka_unit_test_setup_teardown(test_csv, setup_corpus, teardown),
		cmocka_unit_test_setup_teardown(test_chunks, setup_corpus, teardown),
		cmocka_unit_test_setup_teardown(test_ner_formats, setup_corpus, teardown),
		cmocka_unit_test_setup_teardown(test_text_formats, setup_corpus, teardown),
		cmocka_unit_test_setup_teardown(test_labelstudio, setup_corpus, teardown),
		cmocka_unit_test_setup_teardown(test_coco, setup_pdf, teardown),
		cmocka_unit_test_setup_teardown(test_yolo, setup_pdf, teardown),
		cmocka_unit_test_setup_teardown(test_splits, setup_corpus, teardown),
		cmocka_unit_test_setup_teardown(test_determinism, setup_corpus, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
