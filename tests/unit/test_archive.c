/*
 * Unit tests of the archive reader (archive.c): ZIP, TAR (ustar, pax, GNU),
 * tar.gz in one pass, gzip/bzip2/xz single files and their names, 7z;
 * directories and links skipped; names with ../ and / kept as names;
 * encrypted members (with and without the password); a bomb against the
 * decompression budget; truncated and empty archives; nesting through
 * extract_buffer down to ENCLAVE_MAX_CONTAINER_DEPTH. Fixtures are written
 * in memory with libarchive's writer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>

#include <enclave.h>
#include "ingest/ingest_int.h"

/* An archive built in memory. */
struct abuf {
	unsigned char *data;
	size_t len;
};

/*
 * Write an archive of `format` ("zip", "zip-store", "tar", "pax", "gnutar",
 * "tar.gz", "7z", "gz", "bz2", "xz") of the NULL-terminated name, content
 * pairs. A name ending in "/" is a directory; content starting with "->" a
 * symlink; `zeros` > 0 adds "zeros.bin" of that many zero bytes.
 * `password` encrypts ZIP members.
 */
static struct abuf mk(const char *format, const char *const *entries, size_t zeros,
                      const char *password)
{
	struct abuf b;
	size_t cap = 8 << 20, used = 0, i;
	struct archive *a = archive_write_new();
	struct archive_entry *e;
	int r = ARCHIVE_OK;

	b.data = malloc(cap);
	assert_non_null(b.data);
	if (!strncmp(format, "zip", 3)) {
		r = archive_write_set_format_zip(a);
		if (!strcmp(format, "zip-store"))
			r = archive_write_set_option(a, "zip", "compression", "store");
	} else if (!strcmp(format, "7z")) {
		r = archive_write_set_format_7zip(a);
	} else if (!strcmp(format, "pax")) {
		r = archive_write_set_format_pax(a);
	} else if (!strcmp(format, "gnutar")) {
		r = archive_write_set_format_gnutar(a);
	} else if (!strcmp(format, "gz") || !strcmp(format, "bz2") || !strcmp(format, "xz")) {
		r = archive_write_set_format_raw(a);
	} else {
		r = archive_write_set_format_ustar(a);
	}
	assert_int_equal(r, ARCHIVE_OK);
	if (!strcmp(format, "tar.gz") || !strcmp(format, "gz"))
		assert_int_equal(archive_write_add_filter_gzip(a), ARCHIVE_OK);
	if (!strcmp(format, "bz2"))
		assert_int_equal(archive_write_add_filter_bzip2(a), ARCHIVE_OK);
	if (!strcmp(format, "xz"))
		assert_int_equal(archive_write_add_filter_xz(a), ARCHIVE_OK);
	if (password) {
		assert_int_equal(archive_write_set_options(a, "zip:encryption=zipcrypt"),
		                 ARCHIVE_OK);
		assert_int_equal(archive_write_set_passphrase(a, password), ARCHIVE_OK);
	}
	assert_int_equal(archive_write_open_memory(a, b.data, cap, &used), ARCHIVE_OK);
	for (i = 0; entries[i]; i += 2) {
		const char *name = entries[i], *content = entries[i + 1];
		size_t n = strlen(content);
		e = archive_entry_new();
		archive_entry_set_pathname(e, name);
		archive_entry_set_mtime(e, 1700000000, 0);
		if (name[strlen(name) - 1] == '/') {
			archive_entry_set_filetype(e, AE_IFDIR);
			archive_entry_set_perm(e, 0755);
			n = 0;
		} else if (!strncmp(content, "->", 2)) {
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_symlink(e, content + 2);
			archive_entry_set_perm(e, 0777);
			n = 0;
		} else {
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_perm(e, 0644);
			archive_entry_set_size(e, (la_int64_t)n);
		}
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (n)
			assert_int_equal(archive_write_data(a, content, n), (la_ssize_t)n);
		archive_entry_free(e);
	}
	if (zeros) {
		static char block[65536];
		e = archive_entry_new();
		archive_entry_set_pathname(e, "zeros.bin");
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)zeros);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		while (zeros) {
			size_t n = zeros < sizeof(block) ? zeros : sizeof(block);
			assert_int_equal(archive_write_data(a, block, n), (la_ssize_t)n);
			zeros -= n;
		}
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	b.len = used;
	return b;
}

/* Read `b` (freed here) with ingest_archive under a fresh context named `name`. */
static struct enclave_doc *read_rc(struct abuf b, const char *name, int *rc,
                                   struct extract_ctx *ctx, const char *want_kind)
{
	struct enclave_doc *doc;
	const char *kind = archive_kind(b.data, b.len);

	assert_non_null(kind);
	assert_string_equal(kind, want_kind);
	assert_int_equal(doc_new(&doc, kind), 0);
	doc->ctx = ctx;
	doc->name = name;
	*rc = ingest_archive(doc, kind, b.data, b.len);
	doc->ctx = NULL;
	doc->name = NULL;
	free(b.data);
	return doc;
}

/* Read; assert success. */
static struct enclave_doc *read_ok(struct abuf b, const char *name, const char *want_kind)
{
	struct extract_ctx ctx;
	int rc;
	struct enclave_doc *doc;

	extract_ctx_init(&ctx, NULL, NULL);
	doc = read_rc(b, name, &rc, &ctx, want_kind);
	if (rc)
		print_error("ingest_archive: %d %s\n", rc, enclave_error_last());
	assert_int_equal(rc, 0);
	return doc;
}

/* Assert child `i` is named `name` and holds `content` (NULL: failed with `err` in it). */
static void check_child(const struct enclave_doc *doc, size_t i, const char *name,
                        const char *content, const char *err)
{
	const struct enclave_doc_child *c;

	assert_true(i < doc->nchildren);
	c = &doc->children[i];
	assert_string_equal(c->name, name);
	if (content) {
		assert_null(c->error);
		assert_int_equal(c->size, strlen(content));
		assert_memory_equal(c->data, content, c->size);
	} else {
		assert_non_null(c->error);
		if (!strstr(c->error, err))
			print_error("child %zu error: %s\n", i, c->error);
		assert_non_null(strstr(c->error, err));
	}
}

/* A metadata value as a string or integer text. */
static const char *meta(const struct enclave_doc *doc, const char *key)
{
	static char num[32];
	json_t *v = json_object_get(doc->metadata, key);

	if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		return num;
	}
	return v ? json_string_value(v) : NULL;
}

/* ------------------------------------------------------------------ */
/* Tests                                                              */
/* ------------------------------------------------------------------ */

static void test_zip_members(void **state)
{
	static const char *const entries[] = { "a.txt",     "Alpha", "dir/",      "",
		                               "dir/b.txt", "Beta",  "../up.txt", "Up",
		                               "/abs.txt",  "Abs",   "link",      "->/etc/passwd",
		                               NULL };
	struct enclave_doc *doc = read_ok(mk("zip", entries, 0, NULL), "t.zip", "zip");

	(void)state;
	assert_int_equal(doc->nchildren, 4);
	check_child(doc, 0, "a.txt", "Alpha", NULL);
	check_child(doc, 1, "dir/b.txt", "Beta", NULL);
	check_child(doc, 2, "../up.txt", "Up", NULL);
	check_child(doc, 3, "/abs.txt", "Abs", NULL);
	assert_int_equal(doc->nblocks, 0);
	assert_string_equal(meta(doc, "archive_format"), "zip");
	assert_string_equal(meta(doc, "members"), "4");
	assert_string_equal(meta(doc, "skipped"), "1");
	assert_null(meta(doc, "archive_error"));
	enclave_doc_free(doc);
}

static void test_tar_formats(void **state)
{
	static const char *const entries[] = { "x/one.txt", "One", "hard", "->one", NULL };
	static const char *const fmts[] = { "tar", "pax", "gnutar", "7z", "zip-store" };
	size_t i;

	(void)state;
	for (i = 0; i < 5; i++) {
		const char *kind = i == 3 ? "7z" : i == 4 ? "zip" : "tar";
		struct enclave_doc *doc = read_ok(mk(fmts[i], entries, 0, NULL), "t", kind);
		assert_int_equal(doc->nchildren, 1);
		check_child(doc, 0, "x/one.txt", "One", NULL);
		assert_string_equal(meta(doc, "archive_format"), i == 3 ? "7z" : kind);
		enclave_doc_free(doc);
	}
}

static void test_tar_gz_one_pass(void **state)
{
	static const char *const entries[] = { "a.txt", "A", "b.txt", "B", NULL };
	struct enclave_doc *doc = read_ok(mk("tar.gz", entries, 0, NULL), "t.tgz", "gzip");

	(void)state;
	assert_int_equal(doc->nchildren, 2);
	check_child(doc, 0, "a.txt", "A", NULL);
	check_child(doc, 1, "b.txt", "B", NULL);
	assert_string_equal(meta(doc, "archive_format"), "tar");
	assert_string_equal(meta(doc, "compression"), "gzip");
	enclave_doc_free(doc);
}

static void test_single_streams(void **state)
{
	static const char *const entries[] = { "data", "Compressed text", NULL };
	struct enclave_doc *doc;
	struct abuf b;

	(void)state;
	doc = read_ok(mk("gz", entries, 0, NULL), "/x/notes.txt.gz", "gzip");
	assert_int_equal(doc->nchildren, 1);
	check_child(doc, 0, "notes.txt", "Compressed text", NULL);
	assert_string_equal(meta(doc, "archive_format"), "raw");
	enclave_doc_free(doc);
	doc = read_ok(mk("bz2", entries, 0, NULL), "report.csv.bz2", "bzip2");
	check_child(doc, 0, "report.csv", "Compressed text", NULL);
	enclave_doc_free(doc);
	doc = read_ok(mk("xz", entries, 0, NULL), "a.tar.txz", "xz");
	check_child(doc, 0, "a.tar.tar", "Compressed text", NULL);
	enclave_doc_free(doc);
	doc = read_ok(mk("xz", entries, 0, NULL), "noext", "xz");
	check_child(doc, 0, "noext", "Compressed text", NULL);
	enclave_doc_free(doc);

	/* The gzip header's FNAME wins over the outer name. */
	b = mk("gz", entries, 0, NULL);
	{
		unsigned char *v = malloc(b.len + 9);
		assert_non_null(v);
		memcpy(v, b.data, 10);
		v[3] |= 8;
		memcpy(v + 10, "orig.txt", 9);
		memcpy(v + 19, b.data + 10, b.len - 10);
		free(b.data);
		b.data = v;
		b.len += 9;
	}
	doc = read_ok(b, "renamed.gz", "gzip");
	check_child(doc, 0, "orig.txt", "Compressed text", NULL);
	enclave_doc_free(doc);
}

static void test_encrypted_member(void **state)
{
	static const char *const entries[] = { "s.txt", "Secret", NULL };
	struct enclave_extract_options opts = ENCLAVE_EXTRACT_OPTIONS_INIT;
	struct extract_ctx ctx;
	struct enclave_doc *doc;
	int rc;

	(void)state;
	doc = read_ok(mk("zip", entries, 0, "pw"), "e.zip", "zip");
	assert_int_equal(doc->nchildren, 1);
	check_child(doc, 0, "s.txt", NULL, "encrypted: a password is needed");
	assert_int_equal(doc->children[0].size, 0);
	enclave_doc_free(doc);

	opts.password = "pw";
	extract_ctx_init(&ctx, &opts, NULL);
	doc = read_rc(mk("zip", entries, 0, "pw"), "e.zip", &rc, &ctx, "zip");
	assert_int_equal(rc, 0);
	check_child(doc, 0, "s.txt", "Secret", NULL);
	enclave_doc_free(doc);

	opts.password = "wrong";
	extract_ctx_init(&ctx, &opts, NULL);
	doc = read_rc(mk("zip", entries, 0, "pw"), "e.zip", &rc, &ctx, "zip");
	assert_int_equal(rc, 0);
	check_child(doc, 0, "s.txt", NULL, "encrypted");
	enclave_doc_free(doc);
}

/* The budget is the file's: with little left, a 4 MB member of zeros ends it. */
static void test_bomb_budget(void **state)
{
	static const char *const entries[] = { "a.txt", "A", NULL };
	struct extract_ctx ctx;
	struct enclave_doc *doc;
	struct abuf b = mk("zip", entries, (size_t)4 << 20, NULL);
	int rc;

	(void)state;
	assert_true(b.len < 64 * 1024); /* it compresses well: a bomb */
	extract_ctx_init(&ctx, NULL, NULL);
	ctx.bytes = ENCLAVE_MAX_DECOMPRESSED_BYTES - ((size_t)1 << 20);
	doc = read_rc(b, "bomb.zip", &rc, &ctx, "zip");
	assert_int_equal(rc, ENCLAVE_ELIMIT);
	assert_non_null(strstr(enclave_error_last(), "decompresses to more than"));
	enclave_doc_free(doc);

	/* Every byte is charged: 4 MB and a byte. */
	extract_ctx_init(&ctx, NULL, NULL);
	doc = read_rc(mk("zip", entries, (size_t)4 << 20, NULL), "z.zip", &rc, &ctx, "zip");
	assert_int_equal(rc, 0);
	assert_int_equal(ctx.bytes, ((size_t)4 << 20) + 1);
	enclave_doc_free(doc);
}

static void test_truncated_and_empty(void **state)
{
	static const char *const entries[] = { "a.txt", "Alpha text", "b.txt", "Beta text", NULL };
	static const char *const none[] = { NULL };
	static const char *const dirs[] = { "d/", "", NULL };
	struct extract_ctx ctx;
	struct enclave_doc *doc;
	struct abuf b = mk("zip-store", entries, 0, NULL);
	unsigned char *cd;
	int rc;

	(void)state;
	/* Cut inside the second member: the first is kept, the second fails. */
	cd = memmem(b.data + 4, b.len - 4, "PK\x03\x04", 4);
	assert_non_null(cd);
	b.len = (size_t)(cd - b.data) + 40;
	doc = read_ok(b, "t.zip", "zip");
	check_child(doc, 0, "a.txt", "Alpha text", NULL);
	assert_non_null(meta(doc, "archive_error"));
	assert_non_null(strstr(meta(doc, "archive_error"), "truncated"));
	enclave_doc_free(doc);

	/* Without the central directory: all members, but "truncated". */
	b = mk("zip", entries, 0, NULL);
	cd = memmem(b.data, b.len, "PK\x01\x02", 4);
	assert_non_null(cd);
	b.len = (size_t)(cd - b.data);
	doc = read_ok(b, "t.zip", "zip");
	assert_int_equal(doc->nchildren, 2);
	assert_non_null(strstr(meta(doc, "archive_error"), "truncated"));
	enclave_doc_free(doc);

	/* Cut in the first header: nothing to keep, the archive fails. */
	b = mk("zip", entries, 0, NULL);
	b.len = 20;
	extract_ctx_init(&ctx, NULL, NULL);
	doc = read_rc(b, "t.zip", &rc, &ctx, "zip");
	assert_true(rc < 0);
	enclave_doc_free(doc);

	extract_ctx_init(&ctx, NULL, NULL);
	doc = read_rc(mk("zip", none, 0, NULL), "e.zip", &rc, &ctx, "zip");
	assert_int_equal(rc, ENCLAVE_EEMPTY);
	enclave_doc_free(doc);
	extract_ctx_init(&ctx, NULL, NULL);
	doc = read_rc(mk("tar", dirs, 0, NULL), "d.tar", &rc, &ctx, "tar");
	assert_int_equal(rc, ENCLAVE_EEMPTY);
	enclave_doc_free(doc);
}

/* Zips nested 12 deep: extracted down to the depth limit, then a child error. */
static void test_deep_nesting(void **state)
{
	const char *entries[] = { "leaf.txt", "The leaf text.", NULL };
	struct abuf b = mk("zip", entries, 0, NULL);
	struct enclave_doc *doc = NULL;
	const struct enclave_doc *d;
	const char *mt;
	int i, depth = 0;

	(void)state;
	for (i = 0; i < 12; i++) {
		struct archive *a = archive_write_new();
		struct archive_entry *e = archive_entry_new();
		size_t cap = b.len + 65536, used = 0;
		unsigned char *out = malloc(cap);
		assert_non_null(out);
		assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
		assert_int_equal(archive_write_open_memory(a, out, cap, &used), ARCHIVE_OK);
		archive_entry_set_pathname(e, "inner.zip");
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)b.len);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		assert_int_equal(archive_write_data(a, b.data, b.len), (la_ssize_t)b.len);
		archive_entry_free(e);
		assert_int_equal(archive_write_close(a), ARCHIVE_OK);
		archive_write_free(a);
		free(b.data);
		b.data = out;
		b.len = used;
	}
	assert_int_equal(extract_buffer(&doc, &mt, b.data, b.len, "deep.zip", NULL), 0);
	for (d = doc; d && d->nchildren; depth++) {
		const struct enclave_doc_child *c = &d->children[0];
		if (!c->doc) {
			assert_non_null(strstr(c->error, "nested deeper than"));
			break;
		}
		d = c->doc;
	}
	assert_int_equal(depth, ENCLAVE_MAX_CONTAINER_DEPTH);
	enclave_doc_free(doc);
	free(b.data);
}

/* Through extract_buffer: a zip with a text file and a nested zip. */
static void test_extract_children(void **state)
{
	static const char *const inner[] = { "in.txt", "Inner words.", NULL };
	struct abuf in = mk("zip", inner, 0, NULL);
	struct archive *a = archive_write_new();
	struct archive_entry *e;
	size_t cap = 1 << 20, used = 0;
	unsigned char *out = malloc(cap);
	struct enclave_doc *doc = NULL;
	const char *mt;

	(void)state;
	assert_non_null(out);
	assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_memory(a, out, cap, &used), ARCHIVE_OK);
	e = archive_entry_new();
	archive_entry_set_pathname(e, "hello.txt");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, 12);
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	assert_int_equal(archive_write_data(a, "Hello words.", 12), 12);
	archive_entry_clear(e);
	archive_entry_set_pathname(e, "n.zip");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)in.len);
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	assert_int_equal(archive_write_data(a, in.data, in.len), (la_ssize_t)in.len);
	archive_entry_free(e);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	assert_int_equal(extract_buffer(&doc, &mt, out, used, "o.zip", NULL), 0);
	assert_string_equal(mt, "application/zip");
	assert_int_equal(doc->nchildren, 2);
	assert_string_equal(doc->children[0].doc->blocks[0].text, "Hello words.");
	assert_string_equal(doc->children[1].doc->children[0].doc->blocks[0].text, "Inner words.");
	enclave_doc_free(doc);
	free(out);
	free(in.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zip_members),         cmocka_unit_test(test_tar_formats),
		cmocka_unit_test(test_tar_gz_one_pass),     cmocka_unit_test(test_single_streams),
		cmocka_unit_test(test_encrypted_member),    cmocka_unit_test(test_bomb_budget),
		cmocka_unit_test(test_truncated_and_empty), cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_extract_children),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
