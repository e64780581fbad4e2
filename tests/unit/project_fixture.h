/*
 * A fresh project in a temporary folder for each test (cmocka setup and
 * teardown), the removal of a test's folder, and the set-up steps the
 * store, label, split and export tests share: files read and written,
 * ingest, clean --pii of e-mail addresses, label users, a document stored
 * without ingest, the one-page PDF with an e-mail address and an accepted
 * box on it. Each helper fails the running test (cmocka) on an error.
 */
#ifndef ENCLAVE_TEST_PROJECT_FIXTURE_H
#define ENCLAVE_TEST_PROJECT_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "../tools/mkpdf_lib.h"
#include "enclave.h"
#include "crypto/crypto_int.h"
#include "ingest/ingest_int.h"
#include "store/store_int.h"

struct fixture {
	char dir[64];
	enclave_project *p;
};

/* Remove `dir` and everything in it (made read-only or not). Returns 0 or -1. */
static inline int fixture_remove_tree(const char *dir)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "chmod -R u+w '%s' && rm -rf '%s'", dir, dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* setup: a project made and opened in a new /tmp/enclave-test-XXXXXX, actor "tester". */
static inline int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct enclave_project_options o = ENCLAVE_PROJECT_OPTIONS_INIT;

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/enclave-test-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	o.actor = "tester";
	if (enclave_project_init(f->dir, &o) < 0 || enclave_project_open(&f->p, f->dir, &o) < 0)
		return -1;
	*state = f;
	return 0;
}

/* teardown: close the project and remove its folder. */
static inline int teardown(void **state)
{
	struct fixture *f = *state;
	int rc;

	enclave_project_free(f->p);
	rc = fixture_remove_tree(f->dir);
	free(f);
	return rc;
}

/*
 * The whole file `path`, NUL-terminated (malloc'd; its size into *len when
 * len is not NULL); NULL when it cannot be opened.
 */
static inline char *fixture_slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *s;
	long n;

	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	s = malloc((size_t)n + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)n, fp), (size_t)n);
	s[n] = 0;
	fclose(fp);
	if (len)
		*len = (size_t)n;
	return s;
}

/* Write the `len` bytes of `data` to a new file `path`. */
static inline void fixture_write_file(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	fclose(fp);
}

/* Ingest the file or folder `path` with one job; its summary into *s when s is not NULL. */
static inline void fixture_ingest(struct fixture *f, const char *path,
                                  struct enclave_ingest_summary *s)
{
	struct enclave_ingest_options o = ENCLAVE_INGEST_OPTIONS_INIT;
	struct enclave_ingest_summary sum;
	const char *paths[1] = { path };

	o.jobs = 1;
	assert_int_equal(enclave_ingest(f->p, paths, 1, &o, s ? s : &sum, NULL, NULL), 0);
}

/* clean --pii of e-mail addresses alone, tagged, no NER, no clinical rules, one job. */
static inline void fixture_clean_emails(struct fixture *f, struct enclave_clean_summary *cs)
{
	struct enclave_clean_options co = ENCLAVE_CLEAN_OPTIONS_INIT;

	co.pii = 1;
	co.entities = "EMAIL_ADDRESS";
	co.operators = "tag";
	co.ner = 0;
	co.clinical = 0;
	co.jobs = 1;
	assert_int_equal(enclave_clean(f->p, &co, cs, NULL, NULL), 0);
}

/* Label user `name` with `role` (password "correct horse") added, and logged in. */
static inline struct enclave_label_user fixture_user(struct fixture *f, const char *name,
                                                     enum enclave_label_role role)
{
	struct enclave_label_user u;

	assert_int_equal(enclave_label_user_add(f->p, name, role, "correct horse", NULL), 0);
	assert_int_equal(enclave_label_login(&u, f->p, name, "correct horse"), 0);
	return u;
}

/*
 * Store a one-block ok document with text `text` and its original layer,
 * without ingest (parent `parent`, 0: none); its id.
 */
static inline int64_t fixture_add_text_doc(struct fixture *f, const char *text, int64_t parent)
{
	struct enclave_doc *doc = NULL;
	struct enclave_block t = doc_block_template(ENCLAVE_BLOCK_PARAGRAPH, 0, "text");
	struct buf b = BUF_INIT(1 << 20);
	int64_t src = 0, id = 0;
	char sha[65], hex[65];

	assert_int_equal(doc_new(&doc, "text"), 0);
	assert_int_equal(doc_add_block(doc, &t, text, strlen(text)), 0);
	assert_int_equal(doc_text(&b, doc), 0);
	assert_string_equal(buf_cstr(&b), text);
	assert_int_equal(blob_put(f->p, hex, buf_cstr(&b), b.len), 0);
	assert_int_equal(sha256_hex(sha, text, strlen(text) + 1), 0);
	assert_int_equal(store_begin(f->p), 0);
	assert_int_equal(store_source_insert(f->p, &src, sha, 1, "text/plain", "/x.txt"), 0);
	assert_int_equal(store_document_insert(f->p, &id, src, "/x.txt", "text", doc, NULL, hex),
	                 0);
	assert_int_equal(store_text_insert(f->p, id, "original", hex), 0);
	if (parent)
		assert_int_equal(store_document_set_parent(f->p, id, parent), 0);
	assert_int_equal(store_commit(f->p), 0);
	enclave_doc_free(doc);
	buf_release(&b);
	return id;
}

/* A one-page PDF (mkpdf "simple") of board minutes naming alice@example.com (malloc'd). */
static inline void fixture_minutes_pdf(unsigned char **data, size_t *len)
{
	const char *args[] = { "Minutes of the board meeting held on Monday.\n"
		               "Send the signed copy to alice@example.com before Friday." };
	char err[256];

	if (mkpdf_build(data, len, "simple", 1, args, err, sizeof(err)) < 0)
		fail_msg("mkpdf: %s", err);
}

/*
 * Users "ann" (annotator) and "rev" (reviewer) set label schema `schema`
 * (the reference is taken) on the project of one document; on its box task
 * ann draws a "stamp" box at (100, 100)-(200, 150) on page 1, rev accepts it.
 */
static inline void fixture_accepted_box(struct fixture *f, json_t *schema)
{
	struct enclave_label_user a = fixture_user(f, "ann", ENCLAVE_ROLE_ANNOTATOR);
	struct enclave_label_user r = fixture_user(f, "rev", ENCLAVE_ROLE_REVIEWER);
	json_t *task = NULL, *res, *ann = NULL;
	size_t created;

	assert_non_null(schema);
	assert_int_equal(enclave_label_schema_set(f->p, &r, schema), 0);
	json_decref(schema);
	assert_int_equal(enclave_label_tasks_create(f->p, "box", 1, &created), 0);
	assert_int_equal(enclave_label_task_next(&task, f->p, &a, "box"), 0);
	assert_non_null(task);
	res = json_pack("{s:[{s:i,s:[f,f,f,f],s:s}]}", "boxes", "page", 1, "bbox", 100.0, 100.0,
	                200.0, 150.0, "label", "stamp");
	assert_int_equal(
	    enclave_label_annotation_save(
	        &ann, f->p, &a, json_integer_value(json_object_get(task, "id")), res, 1, -1),
	    0);
	json_decref(res);
	res = ann;
	assert_int_equal(enclave_label_review(&ann, f->p, &r,
	                                      json_integer_value(json_object_get(res, "id")),
	                                      "accept", NULL, NULL),
	                 0);
	json_decref(res);
	json_decref(ann);
	json_decref(task);
}

#endif
