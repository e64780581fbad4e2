/*
 * Unit tests of src/lib/export: the fast JSON encoder of the writers
 * (jsonenc.c) writes exactly what jansson's json_dumps(JSON_COMPACT |
 * JSON_PRESERVE_ORDER) writes, its checked text escaper (export_json_text,
 * the streaming record's) agrees with it and refuses what jansson or the
 * store's reader would not take as is, and the package's member name check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/export_int.h"

/* Encode `v` both ways and compare; consumes v. */
static void same_as_jansson(json_t *v)
{
	struct buf b = BUF_INIT((size_t)1 << 30);
	char *want;

	assert_non_null(v);
	want = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	assert_non_null(want);
	assert_int_equal(export_json_encode(&b, v), 0);
	assert_string_equal(buf_cstr(&b), want);
	free(want);
	buf_release(&b);
	json_decref(v);
}

static void encoder_scalars(void **state)
{
	static const double reals[] = { 0.0,
		                        -0.0,
		                        1.0,
		                        612.0,
		                        0.1,
		                        1e-5,
		                        1e20,
		                        1.5e300,
		                        -2.5e-300,
		                        123456789.125,
		                        DBL_MIN,
		                        DBL_MAX,
		                        1e16,
		                        1e17,
		                        72.00000000000001,
		                        3.14159,
		                        -612.0,
		                        1e15,
		                        -1e15,
		                        9007199254740991.0,
		                        9007199254740992.0,
		                        -9007199254740992.0,
		                        4503599627370497.0,
		                        1.0 / 3.0 };
	size_t i;

	(void)state;
	same_as_jansson(json_true());
	same_as_jansson(json_false());
	same_as_jansson(json_null());
	same_as_jansson(json_integer(0));
	same_as_jansson(json_integer(-9223372036854775807LL - 1));
	same_as_jansson(json_integer(9223372036854775807LL));
	for (i = 0; i < sizeof(reals) / sizeof(reals[0]); i++)
		same_as_jansson(json_real(reals[i]));
	srand(6);
	for (i = 0; i < 2000; i++) {
		double d = ldexp((double)rand() / RAND_MAX - 0.5, rand() % 200 - 100);
		same_as_jansson(json_real(d));
	}
}

static void encoder_strings(void **state)
{
	char all[256];
	size_t i;

	(void)state;
	same_as_jansson(json_string(""));
	same_as_jansson(json_string("plain"));
	same_as_jansson(
	    json_string("quote \" backslash \\ slash / tab \t nl \n cr \r bs \b ff \f"));
	same_as_jansson(json_string("caf\xc3\xa9 \xe2\x98\x95 \xf0\x9f\x98\x80 del \x7f"));
	for (i = 1; i < 128; i++)
		all[i - 1] = (char)i;
	all[127] = '\0';
	same_as_jansson(json_string(all));
	same_as_jansson(json_stringn("nul\0inside", 10));
}

/* export_json_text on `s` gives what put_string (via a jansson string) gives, with the code points. */
static void text_as_jansson(const char *s, size_t len)
{
	struct buf b = BUF_INIT((size_t)1 << 30), e = BUF_INIT((size_t)1 << 30);
	json_t *v = json_stringn(s, len);
	size_t used = 0, ncp = 0, i, cp = 0;

	assert_non_null(v);
	assert_int_equal(export_json_encode(&b, v), 0);
	assert_int_equal(export_json_text(&e, s, len, (size_t)-1, &used, &ncp), 0);
	for (i = 0; i < len; i++)
		cp += ((unsigned char)s[i] & 0xC0) != 0x80;
	assert_int_equal(used, len);
	assert_int_equal(ncp, cp);
	assert_int_equal(e.len + 2, b.len);
	assert_memory_equal(e.ptr, b.ptr + 1, e.len);
	buf_release(&b);
	buf_release(&e);
	json_decref(v);
}

static void text_escaper(void **state)
{
	static const char *const ok[] = {
		"",
		"plain",
		"exactly8",
		"sixteen bytes ok",
		"quote \" in the 9th",
		"12345678\\",
		"caf\xc3\xa9 \xe2\x98\x95 \xf0\x9f\x98\x80 del \x7f",
		"\x01\x1f\t\n\r\b\f",
		"a long run of plain ASCII text, then \xe4\xb8\xad\xe6\x96\x87 and \"q\" at the "
		"end\\",
		"\xf4\x8f\xbf\xbf max, \xed\x9f\xbf below the surrogates, \xee\x80\x80 above",
	};
	static const char *const bad[] = {
		"\xc0\xaf overlong",      "\xe0\x80\xaf overlong",
		"\xed\xa0\x80 surrogate", "\xf4\x90\x80\x80 past U+10FFFF",
		"\xf5\x80\x80\x80",       "cut \xe2\x98",
		"lone \x80 continuation", "\xff",
	};
	char all[300];
	struct buf e = BUF_INIT(64);
	size_t i, used, ncp;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		text_as_jansson(ok[i], strlen(ok[i]));
	for (i = 1; i < 128; i++)
		all[i - 1] = (char)i;
	text_as_jansson(all, 127);
	for (i = 0; i < 127; i++) /* every offset of the 8-byte scan against a special byte */
		text_as_jansson(all + i, 127 - i);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_non_null(bad[i]);
		assert_int_equal(
		    export_json_text(NULL, bad[i], strlen(bad[i]), (size_t)-1, &used, &ncp), 1);
		assert_null(json_string(bad[i])); /* jansson refuses it too */
	}
	assert_int_equal(export_json_text(NULL, "nul\0inside", 10, (size_t)-1, &used, &ncp), 1);
	/* Stopping at a code point count: the escaped prefix, the bytes it took. */
	assert_int_equal(export_json_text(&e, "\xc3\xa9t\xc3\xa9 \"x\" y", 11, 5, &used, &ncp), 0);
	assert_int_equal(ncp, 5);
	assert_int_equal(used, 7);
	assert_string_equal(buf_cstr(&e), "\xc3\xa9t\xc3\xa9 \\\"");
	buf_clear(&e);
	assert_int_equal(export_json_text(&e, "abc", 3, 10, &used, &ncp), 0);
	assert_int_equal(ncp, 3);
	/* Past the cap: ELIMIT. */
	buf_clear(&e);
	memset(all, 'a', sizeof(all));
	assert_int_equal(export_json_text(&e, all, sizeof(all), (size_t)-1, &used, &ncp),
	                 ENCLAVE_ELIMIT);
	buf_release(&e);
}

static void encoder_nested(void **state)
{
	json_t *o = json_object(), *a = json_array();
	int i;

	(void)state;
	/* Insertion order, not sorted: what JSON_PRESERVE_ORDER keeps. */
	json_object_set_new(o, "zeta", json_integer(1));
	json_object_set_new(o, "alpha", json_string("a\"b"));
	json_object_set_new(o, "m\xc3\xa9", json_real(0.5));
	for (i = 0; i < 50; i++)
		json_array_append_new(a, json_pack("{s:i,s:s,s:[f,f,f,f],s:{},s:[]}", "seq", i,
		                                   "text", "x\ny", "bbox", 1.0, 2.5, 3.25, 792.0,
		                                   "attrs", "cells"));
	json_object_set_new(o, "blocks", a);
	json_object_set_new(o, "empty", json_object());
	json_object_del(o, "alpha");
	json_object_set_new(o, "alpha", json_null());
	same_as_jansson(o);
}

static void encoder_caps(void **state)
{
	struct buf b = BUF_INIT(10);
	json_t *v = json_string("more than ten bytes");

	(void)state;
	assert_int_equal(buf_puts(&b, "ab"), 0);
	assert_int_equal(export_json_encode(&b, v), ENCLAVE_ELIMIT);
	assert_string_equal(buf_cstr(&b), "ab");
	buf_release(&b);
	json_decref(v);
}

static void member_names(void **state)
{
	(void)state;
	assert_null(pkg_name_problem("data.jsonl"));
	assert_null(pkg_name_problem("text/000001.txt"));
	assert_null(pkg_name_problem("caf\xc3\xa9.md"));
	assert_non_null(pkg_name_problem(""));
	assert_non_null(pkg_name_problem("/etc/passwd"));
	assert_non_null(pkg_name_problem("../x"));
	assert_non_null(pkg_name_problem("a/../x"));
	assert_non_null(pkg_name_problem("a/./x"));
	assert_non_null(pkg_name_problem("a//x"));
	assert_non_null(pkg_name_problem("a/"));
	assert_non_null(pkg_name_problem("."));
	assert_non_null(pkg_name_problem("a\\..\\x"));
	assert_non_null(pkg_name_problem("new\nline"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(encoder_scalars), cmocka_unit_test(encoder_strings),
		cmocka_unit_test(encoder_nested),  cmocka_unit_test(encoder_caps),
		cmocka_unit_test(text_escaper),    cmocka_unit_test(member_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
