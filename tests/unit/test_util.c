/*
 * Unit tests of src/util: the capped buffer, UTF-8, file helpers.
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

#include "util/buf.h"
#include "util/fs.h"
#include "util/utf8.h"

static void buf_caps_appends(void **state)
{
	struct buf b = BUF_INIT(8);

	(void)state;
	assert_int_equal(buf_puts(&b, "abcd"), 0);
	assert_int_equal(buf_printf(&b, "%d", 123), 0);
	assert_string_equal(buf_cstr(&b), "abcd123");
	/* 7 + 2 > 8: refused, and the content is unchanged. */
	assert_int_equal(buf_puts(&b, "xy"), BUF_ETOOBIG);
	assert_string_equal(buf_cstr(&b), "abcd123");
	assert_int_equal(buf_putc(&b, 'z'), 0);
	assert_int_equal(b.len, 8);
	assert_int_equal(buf_putc(&b, '!'), BUF_ETOOBIG);
	buf_release(&b);
	assert_null(b.ptr);
}

static void buf_detach_empty(void **state)
{
	struct buf b = BUF_INIT(16);
	size_t len = 99;
	char *s;

	(void)state;
	assert_string_equal(buf_cstr(&b), "");
	s = buf_detach(&b, &len);
	assert_non_null(s);
	assert_string_equal(s, "");
	assert_int_equal(len, 0);
	free(s);
}

static void utf8_decode_rejects_bad(void **state)
{
	const unsigned char overlong[] = { 0xc0, 0xaf };
	const unsigned char surrogate[] = { 0xed, 0xa0, 0x80 };
	const unsigned char euro[] = { 0xe2, 0x82, 0xac };
	const unsigned char truncated[] = { 0xe2, 0x82 };
	uint32_t cp;

	(void)state;
	assert_int_equal(utf8_decode(overlong, overlong + 2, &cp), 1);
	assert_int_equal(cp, 0xfffd);
	assert_int_equal(utf8_decode(surrogate, surrogate + 3, &cp), 1);
	assert_int_equal(cp, 0xfffd);
	assert_int_equal(utf8_decode(euro, euro + 3, &cp), 3);
	assert_int_equal(cp, 0x20ac);
	assert_int_equal(utf8_decode(truncated, truncated + 2, &cp), 1);
	assert_int_equal(cp, 0xfffd);
	assert_true(utf8_valid("caf\xc3\xa9", 5));
	assert_false(utf8_valid("caf\xe9", 4));
	assert_true(utf8_valid("\xef\xbf\xbd", 3));
}

static void utf8_counts_code_points(void **state)
{
	char out[4];

	(void)state;
	assert_int_equal(utf8_count("h\xc3\xa9llo \xf0\x9f\x98\x80", 11), 7);
	assert_int_equal(utf8_encode(0x1f600, out), 4);
	assert_memory_equal(out, "\xf0\x9f\x98\x80", 4);
	assert_int_equal(utf8_encode(0xd800, out), 3); /* a surrogate becomes U+FFFD */
	assert_memory_equal(out, "\xef\xbf\xbd", 3);
}

static void fs_roundtrip(void **state)
{
	char dir[] = "/tmp/enclave-util-XXXXXX", path[256], sub[320];
	struct buf b = BUF_INIT(1 << 20), small = BUF_INIT(3);
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a/b/c", dir);
	assert_int_equal(fs_mkdirs(path, 0755), 0);
	assert_true(fs_is_dir(path));
	snprintf(sub, sizeof(sub), "%s/file", path);
	assert_int_equal(fs_write_atomic(sub, "hello", 5, 0600), 0);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(fs_read_file(&b, sub), 0);
	assert_string_equal(buf_cstr(&b), "hello");
	/* Over the cap: EFBIG, not a silent truncation. */
	assert_int_equal(fs_read_file(&small, sub), -1);
	assert_int_equal(fs_dir_empty(path), 0);
	unlink(sub);
	assert_int_equal(fs_dir_empty(path), 1);
	buf_release(&b);
	buf_release(&small);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/a/b", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/a", dir);
	rmdir(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(buf_caps_appends),
		cmocka_unit_test(buf_detach_empty),
		cmocka_unit_test(utf8_decode_rejects_bad),
		cmocka_unit_test(utf8_counts_code_points),
		cmocka_unit_test(fs_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
