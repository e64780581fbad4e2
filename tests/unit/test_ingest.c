/*
 * Unit tests of the ingest batch through the public API: per-file outcomes,
 * duplicates, changed files, the walk's rules, and the audit events.
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

#include <enclave.h>

struct fixture {
	char dir[64];     /* scratch root */
	char corpus[128]; /* files to ingest */
	char proj[128];   /* the project, inside the scratch root */
	enclave_project *p;
};

static void write_file(const char *dir, const char *name, const char *data, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct enclave_project_options o = ENCLAVE_PROJECT_OPTIONS_INIT;
	char sub[256];

	snprintf(f->dir, sizeof(f->dir), "/tmp/enclave-ingest-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->corpus, sizeof(f->corpus), "%s/corpus", f->dir);
	snprintf(f->proj, sizeof(f->proj), "%s/corpus/project", f->dir);
	mkdir(f->corpus, 0755);
	snprintf(sub, sizeof(sub), "%s/sub", f->corpus);
	mkdir(sub, 0755);
	write_file(f->corpus, "a.txt", "First note.\n\nIt has two paragraphs.\n", 36);
	write_file(f->corpus, "b.md", "# Title\n\nSome *text*.\n", 22);
	write_file(sub, "c.html",
	           "<html><head><title>C</title></head><body><p>Para</p></body></html>", 66);
	write_file(sub, "empty.txt", "", 0);
	write_file(f->corpus, "junk.bin", "\x00\x01\x02\x03\xff\xfe\x00\x00", 8);
	write_file(f->corpus, ".hidden.txt", "not ingested from a walk", 24);
	o.actor = "tester";
	/* The project sits inside the corpus: a walk of the corpus must skip it. */
	if (enclave_project_init(f->proj, &o) < 0 || enclave_project_open(&f->p, f->proj, &o) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[256];

	enclave_project_free(f->p);
	snprintf(cmd, sizeof(cmd), "chmod -R u+w '%s' && rm -rf '%s'", f->dir, f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

struct seen {
	int n, ok, failed, dup;
	char errors[4][512];
};

static void record(const struct enclave_ingest_item *it, void *payload)
{
	struct seen *s = payload;

	s->n++;
	assert_int_equal((int)it->done, s->n);
	if (it->status == ENCLAVE_INGEST_OK)
		s->ok++;
	else if (it->status == ENCLAVE_INGEST_DUPLICATE)
		s->dup++;
	else {
		assert_non_null(it->error);
		/* The reason names the file. */
		assert_non_null(strstr(it->error, it->path));
		if (s->failed < 4)
			snprintf(s->errors[s->failed], 512, "%s", it->error);
		s->failed++;
	}
}

static int count_events(const struct enclave_audit_event *ev, void *payload)
{
	int *counts = payload;

	if (!strcmp(ev->action, "ingest.document"))
		counts[0]++;
	else if (!strcmp(ev->action, "ingest.failed"))
		counts[1]++;
	else if (!strcmp(ev->action, "ingest.run"))
		counts[2]++;
	return 0;
}

static void batch_goes_on_past_bad_files(void **state)
{
	struct fixture *f = *state;
	struct enclave_ingest_options o = ENCLAVE_INGEST_OPTIONS_INIT;
	struct enclave_ingest_summary s;
	struct enclave_audit_report r;
	struct seen seen;
	const char *paths[] = { f->corpus };
	int counts[3] = { 0, 0, 0 };

	memset(&seen, 0, sizeof(seen));
	o.jobs = 2;
	assert_int_equal(enclave_ingest(f->p, paths, 1, &o, &s, record, &seen), 0);
	/* a.txt, b.md, junk.bin, sub/c.html, sub/empty.txt: no hidden file, no project files. */
	assert_int_equal(s.files, 5);
	assert_int_equal(s.ok, 3);
	assert_int_equal(s.failed, 2);
	assert_int_equal(s.duplicates, 0);
	assert_int_equal(seen.n, 5);
	assert_true(strstr(seen.errors[0], "unsupported") || strstr(seen.errors[1], "unsupported"));
	assert_true(strstr(seen.errors[0], "empty") || strstr(seen.errors[1], "empty"));

	assert_int_equal(enclave_audit_foreach(f->p, count_events, counts), 0);
	assert_int_equal(counts[0], 3);
	assert_int_equal(counts[1], 2);
	assert_int_equal(counts[2], 1);
	assert_int_equal(enclave_audit_verify(f->p, &r), 0);
	assert_true(r.ok);

	/*
	 * Again: the good files are already there; the bad ones are tried again,
	 * still fail, and are counted as failures, but nothing new is recorded
	 * except the run.
	 */
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(enclave_ingest(f->p, paths, 1, &o, &s, record, &seen), 0);
	assert_int_equal(s.duplicates, 3);
	assert_int_equal(s.failed, 2);
	assert_int_equal(s.ok, 0);
	memset(counts, 0, sizeof(counts));
	assert_int_equal(enclave_audit_foreach(f->p, count_events, counts), 0);
	assert_int_equal(counts[0], 3);
	assert_int_equal(counts[1], 2);
	assert_int_equal(counts[2], 2);
}

static int count_docs(const struct enclave_doc_info *in, void *payload)
{
	(void)in;
	(*(int *)payload)++;
	return 0;
}

static void changed_file_is_a_new_source(void **state)
{
	struct fixture *f = *state;
	struct enclave_ingest_summary s;
	char path[256];
	const char *paths[] = { path };
	int docs = 0;

	snprintf(path, sizeof(path), "%s/a.txt", f->corpus);
	assert_int_equal(enclave_ingest(f->p, paths, 1, NULL, &s, NULL, NULL), 0);
	assert_int_equal(s.ok, 1);
	assert_int_equal(enclave_ingest(f->p, paths, 1, NULL, &s, NULL, NULL), 0);
	assert_int_equal(s.duplicates, 1);
	write_file(f->corpus, "a.txt", "First note, edited.\n", 20);
	assert_int_equal(enclave_ingest(f->p, paths, 1, NULL, &s, NULL, NULL), 0);
	assert_int_equal(s.ok, 1);
	assert_int_equal(enclave_store_list(f->p, count_docs, &docs), 0);
	assert_int_equal(docs, 2);
}

static void missing_path_is_a_failed_document_once(void **state)
{
	struct fixture *f = *state;
	struct enclave_ingest_summary s;
	const char *paths[] = { "/nonexistent/enclave-test-file.txt" };
	int docs = 0;

	assert_int_equal(enclave_ingest(f->p, paths, 1, NULL, &s, NULL, NULL), 0);
	assert_int_equal(s.failed, 1);
	/* Still missing: a failure again, but recorded once. */
	assert_int_equal(enclave_ingest(f->p, paths, 1, NULL, &s, NULL, NULL), 0);
	assert_int_equal(s.failed, 1);
	assert_int_equal(s.duplicates, 0);
	assert_int_equal(enclave_store_list(f->p, count_docs, &docs), 0);
	assert_int_equal(docs, 1);
}

static void non_utf8_file_names_are_recorded(void **state)
{
	struct fixture *f = *state;
	struct enclave_ingest_summary s;
	struct enclave_audit_report r;
	char path[256], bad[256];
	const char *paths[] = { path, bad };

	/* A Latin-1 file name is bytes, not UTF-8: the audit event must still be written. */
	write_file(f->corpus, "caf\xe9.txt", "Un caf\xc3\xa9.\n", 10);
	snprintf(path, sizeof(path), "%s/caf\xe9.txt", f->corpus);
	snprintf(bad, sizeof(bad), "%s/missing-\xff.txt", f->corpus);
	assert_int_equal(enclave_ingest(f->p, paths, 2, NULL, &s, NULL, NULL), 0);
	assert_int_equal(s.ok, 1);
	assert_int_equal(s.failed, 1);
	assert_int_equal(enclave_audit_verify(f->p, &r), 0);
	assert_true(r.ok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(batch_goes_on_past_bad_files, setup, teardown),
		cmocka_unit_test_setup_teardown(changed_file_is_a_new_source, setup, teardown),
		cmocka_unit_test_setup_teardown(missing_path_is_a_failed_document_once, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(non_utf8_file_names_are_recorded, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
