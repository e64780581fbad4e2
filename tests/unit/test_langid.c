/*
 * Unit tests of language identification (src/lib/clean/langid.c, lang.c)
 * on libexttextcat's real fingerprints: the twelve fixture texts of
 * tests/cases/ingest-langid (written for these tests), short and ambiguous
 * texts giving "und", metadata tags, the sample of a long text, missing
 * data named in the error, the data files' hashes, and a project: ingest
 * fills documents.language (metadata first), clean --lang fills what lacks
 * one, with its audit events.
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

#include "project_fixture.h"
#include "clean/langid_int.h"
#include "store/store_int.h"
#include "util/fs.h"
#include "util/utf8.h"

static const char *const codes[] = { "en", "de", "fr", "es", "pt", "it",
	                             "nl", "ru", "el", "ar", "zh", "ja" };

/* The fixture text of language `code` into `out` (a test failure when unreadable). */
static void read_fixture(struct buf *out, const char *code)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s.txt", LANGID_FIXTURES, code);
	buf_clear(out);
	assert_int_equal(fs_read_file(out, path), 0);
}

/* Write `len` bytes of `data` to `path` (a test failure when it cannot). */
static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static char *detect(struct langid *l, char out[LANGID_CODE_MAX], const char *text)
{
	assert_int_equal(langid_detect(l, out, text, strlen(text)), 0);
	return out;
}

/* ------------------------------------------------------------------ */
/* Texts                                                              */
/* ------------------------------------------------------------------ */

static void fixtures_identified(void **state)
{
	struct buf text = BUF_INIT(1 << 20);
	struct langid *l = NULL;
	char code[LANGID_CODE_MAX];
	size_t i;

	(void)state;
	assert_int_equal(langid_new(&l, LANGID_DEFAULT_DIR), 0);
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		read_fixture(&text, codes[i]);
		assert_int_equal(langid_detect(l, code, text.ptr, text.len), 0);
		if (strcmp(code, codes[i]))
			fail_msg("%s.txt identified as '%s'", codes[i], code);
		/* One paragraph is enough too. */
		*strstr(text.ptr, "\n\n") = 0;
		assert_int_equal(langid_detect(l, code, text.ptr, strlen(text.ptr)), 0);
		if (strcmp(code, codes[i]))
			fail_msg("first paragraph of %s.txt identified as '%s'", codes[i], code);
	}
	buf_release(&text);
	langid_free(l);
}

static void short_and_ambiguous(void **state)
{
	struct langid *l = NULL;
	char code[LANGID_CODE_MAX];

	(void)state;
	assert_int_equal(langid_new(&l, LANGID_DEFAULT_DIR), 0);
	assert_string_equal(detect(l, code, ""), "und");
	assert_string_equal(detect(l, code, "OK, thanks"), "und");
	assert_string_equal(detect(l, code, "Meeting at 10:00"), "und");
	assert_string_equal(detect(l, code, "12345 67890 ++ 3.14 // 2026-12-01"), "und");
	assert_string_equal(detect(l, code, "\xe2\x82\xac 100 \xe2\x80\x94 \xc2\xa7 4"), "und");
	/* Loan words of every language: textcat has more than 5 candidates. */
	assert_string_equal(detect(l, code, "Hotel Restaurant Pizza Taxi Radio Piano Banana"),
	                    "und");
	/* Names: Catalan, Portuguese and Spanish within 3%, too short to choose. */
	assert_string_equal(detect(l, code, "Sara Maria Paulo Antonio Carla Marco"), "und");
	/* Scots and English tie on it: the one common language of the two wins. */
	assert_string_equal(detect(l, code, "The quick brown fox jumps over the lazy dog."), "en");
	/* Few letters of CJK: too short too. */
	assert_string_equal(detect(l, code, "\xe4\xbd\xa0\xe5\xa5\xbd"), "und");
	/* Capitals (forms, clinical notes) are read as lower case. */
	assert_string_equal(detect(l, code,
	                           "PATIENT WAS ADMITTED LAST NIGHT WITH CHEST PAIN AND"
	                           " SHORTNESS OF BREATH; SHE IS RESTING COMFORTABLY NOW"
	                           " AND THE FAMILY HAS BEEN UPDATED BY THE TEAM."),
	                    "en");
	assert_string_equal(detect(l, code,
	                           "DIE KLEINE B\xc3\x84"
	                           "CKEREI AN DER ECKE \xc3\x96"
	                           "FFNET"
	                           " JEDEN MORGEN UM SECHS UHR, UND SCHON VOR DER"
	                           " T\xc3\x9c"
	                           "R RIECHT MAN DAS FRISCHE BROT."),
	                    "de");
	/* Invalid UTF-8 is read, not trusted. */
	assert_string_equal(detect(l, code, "\xff\xfe\xfd\xc3"), "und");
	langid_free(l);
}

static void metadata_tags(void **state)
{
	char code[LANGID_CODE_MAX];

	(void)state;
	assert_int_equal(langid_normalise(code, "en-US"), 0);
	assert_string_equal(code, "en");
	assert_int_equal(langid_normalise(code, "de_DE"), 0);
	assert_string_equal(code, "de");
	assert_int_equal(langid_normalise(code, "ENG"), 0);
	assert_string_equal(code, "en");
	assert_int_equal(langid_normalise(code, "fre"), 0);
	assert_string_equal(code, "fr");
	assert_int_equal(langid_normalise(code, "haw"), 0);
	assert_string_equal(code, "haw");
	assert_int_equal(langid_normalise(code, "x-default"), -1);
	assert_string_equal(code, "und");
	assert_int_equal(langid_normalise(code, "english"), -1);
	assert_int_equal(langid_normalise(code, "und"), -1);
	assert_int_equal(langid_normalise(code, ""), -1);
	assert_int_equal(langid_normalise(code, NULL), -1);
}

static void sample_spread(void **state)
{
	struct buf text = BUF_INIT(1 << 20), sample = BUF_INIT(1 << 20), part = BUF_INIT(1 << 20);
	struct langid *l = NULL;
	char code[LANGID_CODE_MAX];

	(void)state;
	/* Short: the whole text. */
	assert_int_equal(langid_sample(&sample, "abc def", 7), 0);
	assert_int_equal(sample.len, 7);
	/* 40 KiB of Greek, then 40 KiB of Russian: windows from both, valid UTF-8. */
	read_fixture(&part, "el");
	while (text.len < 40960)
		assert_int_equal(buf_put(&text, part.ptr, part.len), 0);
	read_fixture(&part, "ru");
	while (text.len < 81920)
		assert_int_equal(buf_put(&text, part.ptr, part.len), 0);
	buf_clear(&sample);
	assert_int_equal(langid_sample(&sample, text.ptr, text.len), 0);
	assert_true(sample.len <= LANGID_SAMPLE_BYTES + LANGID_SAMPLE_BYTES / LANGID_WINDOW_BYTES);
	assert_true(sample.len > LANGID_SAMPLE_BYTES / 2);
	assert_true(utf8_valid(sample.ptr, sample.len));
	assert_non_null(strstr(buf_cstr(&sample), "\xce"));     /* Greek */
	assert_non_null(strstr(buf_cstr(&sample), "\xd0\xbf")); /* Cyrillic п */
	/* Its last window is from the end of the text. */
	assert_non_null(
	    strstr(buf_cstr(&sample), "\xd0\xbe\xd1\x82\xd0\xb4\xd1\x8b\xd1\x85\xd0\xb0"));
	assert_int_equal(langid_new(&l, LANGID_DEFAULT_DIR), 0);
	assert_int_equal(langid_detect(l, code, sample.ptr, sample.len), 0);
	assert_true(!strcmp(code, "el") || !strcmp(code, "ru"));
	langid_free(l);
	buf_release(&text);
	buf_release(&sample);
	buf_release(&part);
}

/* ------------------------------------------------------------------ */
/* Data files                                                         */
/* ------------------------------------------------------------------ */

static void missing_data_named(void **state)
{
	char dir[] = "/tmp/enclave-langid-XXXXXX", path[128];
	struct langid *l = NULL;
	json_t *c = NULL;
	FILE *f;

	(void)state;
	assert_int_equal(langid_new(&l, "/nonexistent/textcat"), ENCLAVE_ENOTFOUND);
	assert_null(l);
	assert_non_null(strstr(enclave_error_last(), "'/nonexistent/textcat/fpdb.conf'"));
	assert_non_null(strstr(enclave_error_last(), "libexttextcat-data"));
	assert_int_equal(langid_custody(&c, "/nonexistent/textcat"), ENCLAVE_ENOTFOUND);
	assert_null(c);

	/* A configuration naming a fingerprint that is not there. */
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fpdb.conf", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("# test\n\nxx.lm   xx--utf8\n", f);
	fclose(f);
	assert_int_equal(langid_new(&l, dir), ENCLAVE_ENOTFOUND);
	snprintf(path, sizeof(path), "'%s/xx.lm'", dir);
	assert_non_null(strstr(enclave_error_last(), path));
	assert_int_equal(langid_custody(&c, dir), ENCLAVE_ENOTFOUND);
	assert_non_null(strstr(enclave_error_last(), path));
	assert_int_equal(fixture_remove_tree(dir), 0);
}

static void custody_hashes(void **state)
{
	json_t *c = NULL, *sha;
	char cmd[256], line[128];
	FILE *f;

	(void)state;
	assert_int_equal(langid_custody(&c, LANGID_DEFAULT_DIR), 0);
	assert_string_equal(json_string_value(json_object_get(c, "data")), LANGID_DEFAULT_DIR);
	assert_non_null(strstr(json_string_value(json_object_get(c, "engine")), "libexttextcat"));
	sha = json_object_get(c, "sha256");
	/* The configuration and one file per language it lists. */
	assert_true(json_object_size(sha) > 100);
	/* Checked against another implementation: coreutils' sha256sum. */
	snprintf(cmd, sizeof(cmd), "sha256sum %s/de.lm", LANGID_DEFAULT_DIR);
	assert_non_null(f = popen(cmd, "r"));
	assert_non_null(fgets(line, sizeof(line), f));
	pclose(f);
	line[64] = 0;
	assert_string_equal(json_string_value(json_object_get(sha, "de.lm")), line);
	assert_int_equal(strlen(json_string_value(json_object_get(sha, "fpdb.conf"))), 64);
	json_decref(c);
}

/* ------------------------------------------------------------------ */
/* A project                                                          */
/* ------------------------------------------------------------------ */

struct seen {
	char lang[16][LANGID_CODE_MAX];
	char source[16][16];
	char name[16][32];
	size_t n;
};

static int collect(const struct enclave_doc_info *in, void *payload)
{
	struct seen *s = payload;
	const char *base = strrchr(in->path, '/');

	if (s->n >= 16)
		return 0;
	snprintf(s->name[s->n], sizeof(s->name[0]), "%s", base ? base + 1 : in->path);
	snprintf(s->lang[s->n], LANGID_CODE_MAX, "%s", in->language ? in->language : "(null)");
	snprintf(s->source[s->n], sizeof(s->source[0]), "%s",
	         in->language_source ? in->language_source : "(null)");
	s->n++;
	return 0;
}

/* Index of document `name` in `s`, a test failure when absent. */
static size_t find(const struct seen *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->name[i], name))
			return i;
	fail_msg("no document %s", name);
	return 0;
}

/* Count audit events of `action`. */
static int count_events(enclave_project *p, const char *action)
{
	sqlite3_stmt *st;
	int n = -1;

	assert_int_equal(
	    sqlite3_prepare_v2(p->db, "SELECT count(*) FROM audit WHERE action = ?", -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(st, 1, action, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void project_ingest_and_clean(void **state)
{
	struct fixture *f = *state;
	struct enclave_ingest_options o = ENCLAVE_INGEST_OPTIONS_INIT;
	struct enclave_ingest_summary s;
	struct enclave_clean_lang_summary cs;
	struct seen seen = { 0 };
	char dir[128], path[192];
	const char *paths[2];
	struct buf text = BUF_INIT(1 << 20);
	size_t i;
	FILE *fp;

	snprintf(dir, sizeof(dir), "%s-in", f->dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	for (i = 0; i < 3; i++) {
		read_fixture(&text, codes[i]);
		snprintf(path, sizeof(path), "%s/%s.txt", dir, codes[i]);
		write_file(path, text.ptr, text.len);
	}
	/* English text under lang="pt-BR": the metadata wins. */
	snprintf(path, sizeof(path), "%s/page.html", dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs("<html lang=\"pt-BR\"><body><p>This page is written in English but says"
	      " otherwise.</p></body></html>",
	      fp);
	fclose(fp);
	snprintf(path, sizeof(path), "%s/short.txt", dir);
	write_file(path, "OK, thanks", 10);
	paths[0] = dir;
	o.jobs = 2;
	assert_int_equal(enclave_ingest(f->p, paths, 1, &o, &s, NULL, NULL), 0);
	assert_int_equal(s.ok, 5);
	assert_int_equal(enclave_store_list(f->p, collect, &seen), 0);
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s.txt", codes[i]);
		assert_string_equal(seen.lang[find(&seen, path)], codes[i]);
		assert_string_equal(seen.source[find(&seen, path)], "langid");
	}
	assert_string_equal(seen.lang[find(&seen, "page.html")], "pt");
	assert_string_equal(seen.source[find(&seen, "page.html")], "metadata");
	assert_string_equal(seen.lang[find(&seen, "short.txt")], "und");
	/* The run recorded the data's hashes. */
	{
		sqlite3_stmt *st;
		assert_int_equal(
		    sqlite3_prepare_v2(f->p->db,
		                       "SELECT json_extract(params, '$.langid.sha256.\"en.lm\"')"
		                       " FROM audit WHERE action = 'ingest.run'",
		                       -1, &st, NULL),
		    SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_int_equal(sqlite3_column_bytes(st, 0), 64);
		sqlite3_finalize(st);
	}

	/* A store from before: no languages. clean --lang fills them back. */
	assert_int_equal(store_exec(f->p->db,
	                            "UPDATE documents SET language = NULL,"
	                            " metadata = json_remove(metadata, '$.language_source')"),
	                 0);
	assert_int_equal(enclave_clean_lang(f->p, &cs), 0);
	assert_int_equal(cs.documents, 5);
	assert_int_equal(cs.metadata, 1);
	assert_int_equal(cs.identified, 3);
	assert_int_equal(cs.undetermined, 1);
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(enclave_store_list(f->p, collect, &seen), 0);
	assert_string_equal(seen.lang[find(&seen, "de.txt")], "de");
	assert_string_equal(seen.source[find(&seen, "de.txt")], "langid");
	assert_string_equal(seen.lang[find(&seen, "page.html")], "pt");
	assert_string_equal(seen.source[find(&seen, "page.html")], "metadata");
	assert_int_equal(count_events(f->p, "clean.lang.document"), 5);
	assert_int_equal(count_events(f->p, "clean.lang.run"), 1);
	/* Again: nothing lacks one. */
	assert_int_equal(enclave_clean_lang(f->p, &cs), 0);
	assert_int_equal(cs.documents, 0);
	assert_int_equal(count_events(f->p, "clean.lang.document"), 5);

	/* Without the data, ingest stops before reading a file, naming the path. */
	setenv("ENCLAVE_LANGID_DATA", "/nonexistent/langid", 1);
	assert_int_equal(enclave_ingest(f->p, paths, 1, &o, &s, NULL, NULL), ENCLAVE_ENOTFOUND);
	assert_non_null(strstr(enclave_error_last(), "/nonexistent/langid/fpdb.conf"));
	assert_int_equal(enclave_clean_lang(f->p, &cs), ENCLAVE_ENOTFOUND);
	unsetenv("ENCLAVE_LANGID_DATA");
	buf_release(&text);
	assert_int_equal(fixture_remove_tree(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fixtures_identified),
		cmocka_unit_test(short_and_ambiguous),
		cmocka_unit_test(metadata_tags),
		cmocka_unit_test(sample_spread),
		cmocka_unit_test(missing_data_named),
		cmocka_unit_test(custody_hashes),
		cmocka_unit_test_setup_teardown(project_ingest_and_clean, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
