/*
 * Unit tests of the clean stage's project side: the config file (values,
 * defaults, errors naming file:line), offsets between bytes and code
 * points, span boxes on a real PDF, spans read back with their text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tools/mkpdf_lib.h"
#include "clean/clean_int.h"
#include "store/store_int.h"

/* ------------------------------------------------------------------ */
/* The config                                                         */
/* ------------------------------------------------------------------ */

/* Parse `text` as "enclave.yaml"; returns the code, the config in *c. */
static int parse(struct enclave_clean_config *c, const char *text)
{
	return enclave_clean_config_parse(c, text, strlen(text), "enclave.yaml");
}

static void config_values(void **state)
{
	struct enclave_clean_config c;

	(void)state;
	assert_int_equal(parse(&c, "pii:\n"
	                           "  preset: hipaa\n"
	                           "  entities: [EMAIL_ADDRESS, us_ssn]\n"
	                           "  min_score: 0.35\n"
	                           "  redact:\n"
	                           "    PERSON: pseudonym\n"
	                           "    default: mask\n"
	                           "    EMAIL_ADDRESS: hash\n"),
	                 0);
	assert_string_equal(c.preset, "hipaa");
	assert_true(c.has_entities);
	assert_true(c.entities == (((enclave_pii_labels)1 << ENCLAVE_PII_EMAIL_ADDRESS) |
	                           ((enclave_pii_labels)1 << ENCLAVE_PII_US_SSN)));
	assert_true(c.min_score > 0.349 && c.min_score < 0.351);
	/* Named labels first, the default last as "*". */
	assert_string_equal(c.redact, "PERSON=pseudonym,EMAIL_ADDRESS=hash,*=mask");
	enclave_clean_config_release(&c);

	/* Empty file, comments only, an empty section: the defaults. */
	assert_int_equal(parse(&c, ""), 0);
	assert_string_equal(c.preset, "all");
	assert_false(c.has_entities);
	assert_null(c.redact);
	enclave_clean_config_release(&c);
	assert_int_equal(parse(&c, "# nothing\n"), 0);
	assert_null(c.redact);
	enclave_clean_config_release(&c);
	assert_int_equal(parse(&c, "pii:\n"), 0);
	assert_string_equal(c.preset, "all");
	enclave_clean_config_release(&c);
	/* A redact mapping without a default tags the rest. */
	assert_int_equal(parse(&c, "pii: {redact: {US_SSN: remove}}\n"), 0);
	assert_string_equal(c.redact, "US_SSN=remove,*=tag");
	enclave_clean_config_release(&c);
}

/* `text` fails with `code` and a message containing `want`. */
static void parse_fails(const char *text, int code, const char *want)
{
	struct enclave_clean_config c;

	assert_int_equal(parse(&c, text), code);
	if (!strstr(enclave_error_last(), want))
		fail_msg("message '%s' lacks '%s'", enclave_error_last(), want);
	enclave_clean_config_release(&c);
}

static void config_errors_name_the_line(void **state)
{
	(void)state;
	parse_fails("pii:\n  preset: all\n  presett: gdpr\n", ENCLAVE_EINVALID,
	            "enclave.yaml:3: unknown key 'presett' in pii");
	parse_fails("pii:\n  preset: nhs\n", ENCLAVE_EINVALID,
	            "enclave.yaml:2: unknown preset 'nhs'");
	parse_fails("pii:\n  entities:\n    - US_SSN\n    - EMIAL\n", ENCLAVE_EINVALID,
	            "enclave.yaml:4: unknown label 'EMIAL'");
	parse_fails("pii:\n  min_score: high\n", ENCLAVE_EINVALID,
	            "enclave.yaml:2: 'min_score' takes a number from 0 to 1");
	parse_fails("pii:\n  min_score: 1.5\n", ENCLAVE_EINVALID, "enclave.yaml:2:");
	parse_fails("pii:\n  redact:\n    default: tag\n    NAME: mask\n", ENCLAVE_EINVALID,
	            "enclave.yaml:4: unknown label 'NAME' in redact");
	parse_fails("pii:\n  redact:\n    PERSON: [a, b]\n", ENCLAVE_EINVALID,
	            "enclave.yaml:3: 'PERSON' takes an operator");
	parse_fails("pii:\n  redact:\n    PERSON: tag\n    default: shred\n", ENCLAVE_EINVALID,
	            "enclave.yaml:4: bad operator 'shred'");
	parse_fails("pii:\n  redact: tag\n", ENCLAVE_EINVALID,
	            "enclave.yaml:2: 'redact' takes a mapping");
	parse_fails("label:\n  x: 1\n", ENCLAVE_EINVALID,
	            "enclave.yaml:1: unknown section 'label'");
	parse_fails("- a\n- b\n", ENCLAVE_EINVALID, "enclave.yaml:1: the config is a mapping");
	parse_fails("pii:\n  preset: [unclosed\n", ENCLAVE_EINVALID, "enclave.yaml:");
	parse_fails("pii:\n  preset: &p all\n  entities: *p\n", ENCLAVE_EINVALID,
	            "enclave.yaml:3: aliases are not allowed");
	parse_fails("pii: {}\n---\npii: {}\n", ENCLAVE_EINVALID,
	            "enclave.yaml:2: one document only");
	{
		/*
		 * Deep nesting fails at its first unexpected level (libyaml
		 * makes events lazily, with explicit stacks), not by recursion.
		 */
		char deep[256];
		int i;
		for (i = 0; i < 100; i++)
			deep[i] = '[';
		deep[100] = '\0';
		parse_fails(deep, ENCLAVE_EINVALID, "enclave.yaml:1: the config is a mapping");
		memcpy(deep, "pii: {entities: ", 16);
		parse_fails(deep, ENCLAVE_EINVALID, "enclave.yaml:1: 'entities' takes a list");
	}
}

#include "project_fixture.h"

static void config_file_of_the_project(void **state)
{
	struct fixture *f = *state;
	struct enclave_clean_config c;
	char path[128];
	FILE *fp;

	/* The file init writes parses to the documented defaults. */
	assert_int_equal(enclave_clean_config_load(&c, f->p), 0);
	assert_string_equal(c.preset, "all");
	assert_string_equal(c.redact, "*=tag");
	enclave_clean_config_release(&c);
	/* An error names the file's path and line. */
	snprintf(path, sizeof(path), "%s/enclave.yaml", f->dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs("pii:\n  redact:\n    default: tag\n  colour: blue\n", fp);
	fclose(fp);
	assert_int_equal(enclave_clean_config_load(&c, f->p), ENCLAVE_EINVALID);
	assert_non_null(strstr(enclave_error_last(), "/enclave.yaml:4: unknown key 'colour'"));
	enclave_clean_config_release(&c);
	/* A project older than the config has the defaults. */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(enclave_clean_config_load(&c, f->p), 0);
	assert_string_equal(c.redact, "*=tag");
	enclave_clean_config_release(&c);
}

/* ------------------------------------------------------------------ */
/* Offsets and boxes                                                  */
/* ------------------------------------------------------------------ */

static void offsets_bytes_and_code_points(void **state)
{
	const char *t = "Caf\xc3\xa9 \xf0\x9f\x98\x80 x"; /* "Café 😀 x": 8 code points, 12 bytes */
	size_t a = 5, b = 10, c = 12, d = 0, *v[4] = { &c, &a, &d, &b };
	size_t e = 13, *w[1] = { &e }, m = 4, *x[1] = { &m };

	(void)state;
	assert_int_equal(clean_bytes_to_cp(t, strlen(t), v, 4), 0);
	assert_int_equal(a, 4); /* after "Café" */
	assert_int_equal(b, 6); /* after the emoji */
	assert_int_equal(c, 8);
	assert_int_equal(d, 0);
	assert_int_equal(clean_cp_to_bytes(t, strlen(t), v, 4), 0);
	assert_int_equal(a, 5);
	assert_int_equal(b, 10);
	assert_int_equal(c, 12);
	/* Past the end, or inside a character, is refused. */
	assert_int_equal(clean_bytes_to_cp(t, strlen(t), w, 1), ENCLAVE_EINVALID);
	assert_int_equal(clean_bytes_to_cp(t, strlen(t), x, 1), ENCLAVE_EINVALID);
}

/* The code point offset of `needle` in the document text of `doc`. */
static size_t cp_of(const struct enclave_doc *doc, const char *needle)
{
	struct buf text = BUF_INIT(1 << 20);
	const char *hit;
	size_t off, *p = &off;

	assert_int_equal(doc_text(&text, doc), 0);
	assert_non_null(hit = strstr(buf_cstr(&text), needle));
	off = (size_t)(hit - buf_cstr(&text));
	assert_int_equal(clean_bytes_to_cp(buf_cstr(&text), text.len, &p, 1), 0);
	buf_release(&text);
	return off;
}

static void boxes_on_a_pdf(void **state)
{
	struct enclave_extract_options opts = ENCLAVE_EXTRACT_OPTIONS_INIT;
	const char *args[] = { "Minutes of the board meeting held on Monday.\n"
		               "Send the signed copy to alice@example.com before Friday." };
	const struct enclave_block *b1;
	struct enclave_doc *doc = NULL;
	unsigned char *data;
	char err[256];
	size_t len, s;
	json_t *boxes, *box, *bb;
	double x0, y0, x1, y1;

	(void)state;
	if (mkpdf_build(&data, &len, "simple", 1, args, err, sizeof(err)) < 0)
		fail_msg("mkpdf: %s", err);
	assert_int_equal(enclave_extract_buffer(&doc, data, len, "t.pdf", &opts), 0);
	free(data);
	assert_int_equal(doc->nblocks, 2);
	b1 = &doc->blocks[1];
	assert_true(b1->has_bbox);
	assert_int_equal(b1->page, 1);

	/* A span in the second block: one box on its page, inside its box. */
	s = cp_of(doc, "alice@example.com");
	assert_true(s >= b1->offset);
	boxes = clean_span_boxes(doc, s, s + 17);
	assert_non_null(boxes);
	assert_int_equal(json_array_size(boxes), 1);
	box = json_array_get(boxes, 0);
	assert_int_equal(json_integer_value(json_object_get(box, "page")), 1);
	bb = json_object_get(box, "bbox");
	x0 = json_real_value(json_array_get(bb, 0));
	y0 = json_real_value(json_array_get(bb, 1));
	x1 = json_real_value(json_array_get(bb, 2));
	y1 = json_real_value(json_array_get(bb, 3));
	assert_true(x0 >= b1->bbox.x0 - 0.01 && x1 <= b1->bbox.x1 + 0.01);
	assert_true(y0 >= b1->bbox.y0 - 0.01 && y1 <= b1->bbox.y1 + 0.01);
	assert_true(x1 > x0 && y1 > y0);
	/* Narrower than the block: the address is a part of its line. */
	assert_true(x1 - x0 < (b1->bbox.x1 - b1->bbox.x0) * 0.6);
	json_decref(boxes);

	/* A span across both blocks: a box in each. */
	boxes = clean_span_boxes(doc, 0, b1->offset + 4);
	assert_int_equal(json_array_size(boxes), 2);
	json_decref(boxes);
	/* Between the blocks (the blank line): none. */
	boxes = clean_span_boxes(doc, doc->blocks[0].length, b1->offset);
	assert_int_equal(json_array_size(boxes), 0);
	json_decref(boxes);
	enclave_doc_free(doc);
}

static void boxes_by_line(void **state)
{
	struct enclave_block t = doc_block_template(ENCLAVE_BLOCK_PARAGRAPH, 0, "text");
	struct enclave_doc *doc = NULL;
	json_t *boxes, *bb;

	(void)state;
	assert_int_equal(doc_new(&doc, "pdf"), 0);
	assert_int_equal(doc_add_page(doc, 600, 800, "text", 1.0), 1);
	t.page = 1;
	t.has_bbox = 1;
	t.bbox.x0 = 100, t.bbox.y0 = 100, t.bbox.x1 = 200, t.bbox.y1 = 120;
	/* Two lines of 10 characters: 10 points a character, 10 points a line. */
	assert_int_equal(doc_add_block(doc, &t, "0123456789\nabcdefghij", 21), 0);
	boxes = clean_span_boxes(doc, 13, 16); /* "cde" on line 2 */
	assert_int_equal(json_array_size(boxes), 1);
	bb = json_object_get(json_array_get(boxes, 0), "bbox");
	assert_true(json_real_value(json_array_get(bb, 0)) == 120.0);
	assert_true(json_real_value(json_array_get(bb, 1)) == 110.0);
	assert_true(json_real_value(json_array_get(bb, 2)) == 150.0);
	assert_true(json_real_value(json_array_get(bb, 3)) == 120.0);
	json_decref(boxes);
	boxes = clean_span_boxes(doc, 8, 13); /* "89\nab": a piece of each line */
	assert_int_equal(json_array_size(boxes), 2);
	json_decref(boxes);
	enclave_doc_free(doc);
}

/* ------------------------------------------------------------------ */
/* Spans read back                                                    */
/* ------------------------------------------------------------------ */

struct seen {
	int n;
	char text[4][64];
	char status[4][16];
};

static int collect(const struct enclave_span_info *sp, void *payload)
{
	struct seen *s = payload;

	if (s->n < 4) {
		snprintf(s->text[s->n], sizeof(s->text[0]), "%s", sp->text);
		snprintf(s->status[s->n], sizeof(s->status[0]), "%s", sp->status);
	}
	s->n++;
	return 0;
}

static void spans_read_back_with_text(void **state)
{
	struct fixture *f = *state;
	struct enclave_doc *doc = NULL;
	struct enclave_block t = doc_block_template(ENCLAVE_BLOCK_PARAGRAPH, 0, "text");
	const char *text = "Jos\xc3\xa9 wrote to jose@example.org";
	struct buf b = BUF_INIT(1 << 20);
	struct store_span s;
	struct seen seen;
	int64_t src = 0, id = 0;
	char hex[65];

	assert_int_equal(doc_new(&doc, "text"), 0);
	assert_int_equal(doc_add_block(doc, &t, text, strlen(text)), 0);
	assert_int_equal(doc_text(&b, doc), 0);
	assert_int_equal(blob_put(f->p, hex, buf_cstr(&b), b.len), 0);
	assert_int_equal(store_begin(f->p), 0);
	assert_int_equal(store_source_insert(f->p, &src, hex, 1, "text/plain", "/t.txt"), 0);
	assert_int_equal(store_document_insert(f->p, &id, src, "/t.txt", "text", doc, NULL, hex),
	                 0);
	assert_int_equal(store_text_insert(f->p, id, "original", hex), 0);
	memset(&s, 0, sizeof(s));
	s.start = 0, s.end = 4, s.label = "PERSON", s.source = "user:tester", s.score = 1;
	assert_int_equal(store_span_add(f->p, id, &s, NULL), 0);
	s.start = 14, s.end = 30, s.label = "EMAIL_ADDRESS", s.source = "rule:EMAIL";
	s.status = STORE_SPAN_REJECTED;
	assert_int_equal(store_span_add(f->p, id, &s, NULL), 0);
	assert_int_equal(store_commit(f->p), 0);

	memset(&seen, 0, sizeof(seen));
	assert_int_equal(enclave_clean_spans(f->p, id, collect, &seen), 0);
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.text[0], "Jos\xc3\xa9"); /* code points, not bytes */
	assert_string_equal(seen.text[1], "jose@example.org");
	assert_string_equal(seen.status[1], "rejected");
	assert_int_equal(enclave_clean_spans(f->p, 999, collect, &seen), ENCLAVE_ENOTFOUND);
	enclave_doc_free(doc);
	buf_release(&b);
}

/* ------------------------------------------------------------------ */
/* The run                                                            */
/* ------------------------------------------------------------------ */

/* Ingest `text` as the text file `name` into the fixture's project. */
static void add_file(struct fixture *f, const char *name, const char *text)
{
	struct enclave_ingest_options o = ENCLAVE_INGEST_OPTIONS_INIT;
	struct enclave_ingest_summary s;
	char path[128];
	const char *paths[1] = { path };
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	assert_non_null(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
	o.jobs = 1;
	assert_int_equal(enclave_ingest(f->p, paths, 1, &o, &s, NULL, NULL), 0);
	assert_int_equal(s.ok, 1);
}

/* The text of layer `layer` of document `id`. */
static char *layer_text(struct fixture *f, int64_t id, const char *layer)
{
	struct buf b = BUF_INIT(1 << 20);
	char hex[65];

	if (store_text_blob(f->p->db, id, layer, hex) < 0)
		return NULL;
	assert_int_equal(blob_get(&b, f->p, hex), 0);
	return buf_detach(&b, NULL);
}

static void clean_end_to_end(void **state)
{
	struct fixture *f = *state;
	struct enclave_clean_options o = ENCLAVE_CLEAN_OPTIONS_INIT;
	struct enclave_clean_summary s;
	struct store_spans l = { 0 };
	char *orig, *red;
	size_t i, kept;

	add_file(f, "a.txt", "Write to jane.roe@example.com today.\n\nSSN 536-22-1974.\n");
	o.pii = 1;
	o.jobs = 2;
	o.operators = "tag";
	assert_int_equal(enclave_clean(f->p, &o, &s, NULL, NULL), 0);
	assert_int_equal(s.documents, 1);
	assert_int_equal(s.scanned, 1);
	assert_int_equal(s.redacted, 1);
	assert_int_equal(s.per_label[ENCLAVE_PII_EMAIL_ADDRESS], 1);
	assert_int_equal(s.per_label[ENCLAVE_PII_US_SSN], 1);
	orig = layer_text(f, 1, "original");
	red = layer_text(f, 1, "redacted");
	assert_non_null(strstr(orig, "jane.roe@example.com"));
	assert_null(strstr(red, "jane.roe"));
	assert_null(strstr(red, "536-22-1974"));
	assert_non_null(strstr(red, "[EMAIL_ADDRESS]"));
	assert_non_null(strstr(red, "[US_SSN]"));
	/* Offsets are code points of the original; out ranges point at the tags. */
	assert_int_equal(store_spans_read(&l, f->p->db, 1), 0);
	for (i = 0; i < l.n; i++) {
		if (strcmp(l.v[i].label, "EMAIL_ADDRESS"))
			continue;
		assert_int_equal(l.v[i].start, 9);
		assert_int_equal(l.v[i].end, 29);
		assert_memory_equal(red + l.v[i].out_start, "[EMAIL_ADDRESS]", 15);
		assert_int_equal(l.v[i].out_end - l.v[i].out_start, 15);
		/* Reject it: the rerun keeps the review and leaves it in clear. */
		assert_int_equal(store_begin(f->p), 0);
		assert_int_equal(store_span_set_status(f->p, l.v[i].id, STORE_SPAN_REJECTED), 0);
		assert_int_equal(store_commit(f->p), 0);
	}
	kept = l.n;
	store_spans_release(&l);
	free(red);
	assert_int_equal(enclave_clean(f->p, &o, &s, NULL, NULL), 0);
	red = layer_text(f, 1, "redacted");
	assert_non_null(strstr(red, "jane.roe@example.com"));
	assert_null(strstr(red, "536-22-1974"));
	assert_int_equal(store_spans_read(&l, f->p->db, 1), 0);
	assert_int_equal(l.n, kept);
	store_spans_release(&l);
	/* Without a policy the spans stay and the stale layer goes. */
	{
		char path[128];
		FILE *fp;
		snprintf(path, sizeof(path), "%s/enclave.yaml", f->dir);
		assert_non_null(fp = fopen(path, "w"));
		fputs("pii:\n  preset: all\n", fp);
		fclose(fp);
	}
	o.operators = NULL;
	assert_int_equal(enclave_clean(f->p, &o, &s, NULL, NULL), 0);
	assert_int_equal(s.redacted, 0);
	assert_null(layer_text(f, 1, "redacted"));
	free(orig);
	free(red);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(config_values),
		cmocka_unit_test(config_errors_name_the_line),
		cmocka_unit_test_setup_teardown(config_file_of_the_project, setup, teardown),
		cmocka_unit_test(offsets_bytes_and_code_points),
		cmocka_unit_test(boxes_on_a_pdf),
		cmocka_unit_test(boxes_by_line),
		cmocka_unit_test_setup_teardown(spans_read_back_with_text, setup, teardown),
		cmocka_unit_test_setup_teardown(clean_end_to_end, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
