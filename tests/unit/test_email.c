/*
 * Unit tests of the e-mail parser (email.c): recognition, headers as a
 * block and as metadata (RFC 2047 encoded words decoded), plain bodies,
 * multipart/alternative (plain preferred), HTML-only bodies through the
 * HTML parser, charsets and transfer encodings, attachments and embedded
 * messages as children (extracted, with grandchildren), MBOX messages as
 * children, and hostile input: encrypted messages, deep multipart nesting,
 * large base64 charged to the budget, truncated messages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <enclave.h>
#include "ingest/ingest_int.h"
#include "doc_check.h"

/* Extract the message text `s` (with children) into *out. */
static int extract(struct enclave_doc **out, const char *s, size_t len)
{
	const char *mt;

	return extract_buffer(out, &mt, s, len ? len : strlen(s), "mail.eml", NULL);
}

static const char plain[] = "From: =?ISO-8859-1?Q?Ren=E9e_Dupont?= <renee@example.com>\r\n"
                            "To: Bob Stone <bob@example.com>, carol@example.com\r\n"
                            "Cc: Dave <dave@example.org>\r\n"
                            "Bcc: erin@example.net\r\n"
                            "Subject: =?UTF-8?B?UmVwb3J0IGZvciBad8O2bGY=?=\r\n"
                            "Date: Fri, 01 Mar 2024 10:30:00 +0100\r\n"
                            "Message-ID: <abc123@example.com>\r\n"
                            "MIME-Version: 1.0\r\n"
                            "Content-Type: text/plain; charset=iso-8859-1\r\n"
                            "Content-Transfer-Encoding: quoted-printable\r\n"
                            "\r\n"
                            "Hello Bob,\r\n"
                            "\r\n"
                            "The caf=E9 opens at 9. Call me on 555-0100 or write to=\r\n"
                            " renee@example.com.\r\n";

static void test_kind(void **state)
{
	(void)state;
	assert_string_equal(email_kind((const unsigned char *)plain, strlen(plain)), "eml");
	assert_string_equal(email_kind((const unsigned char *)"From a@b Mon Jan 1\nX: y\n", 24),
	                    "mbox");
	assert_null(email_kind((const unsigned char *)"Dear Bob,\nhello\n", 16));
}

static void test_plain(void **state)
{
	struct enclave_doc *doc = NULL;
	char *text;

	(void)state;
	assert_int_equal(extract(&doc, plain, 0), 0);
	assert_string_equal(doc->format, "eml");
	assert_string_equal(doc->title, "Report for Zw\xc3\xb6lf");
	assert_string_equal(meta(doc, "from"), "Ren\xc3\xa9"
	                                       "e Dupont <renee@example.com>");
	assert_string_equal(meta(doc, "to"), "Bob Stone <bob@example.com>, carol@example.com");
	assert_string_equal(meta(doc, "cc"), "Dave <dave@example.org>");
	assert_string_equal(meta(doc, "bcc"), "erin@example.net");
	assert_string_equal(meta(doc, "date"), "2024-03-01T10:30:00+01:00");
	assert_string_equal(meta(doc, "message_id"), "abc123@example.com");
	assert_string_equal(meta(doc, "subject"), "Report for Zw\xc3\xb6lf");
	assert_int_equal(doc->blocks[0].kind, ENCLAVE_BLOCK_PARAGRAPH);
	assert_non_null(strstr(doc->blocks[0].attrs, "\"email_headers\":true"));
	text = text_of(doc);
	assert_string_equal(text, "From: Ren\xc3\xa9"
	                          "e Dupont <renee@example.com>\n"
	                          "To: Bob Stone <bob@example.com>, carol@example.com\n"
	                          "Cc: Dave <dave@example.org>\n"
	                          "Bcc: erin@example.net\n"
	                          "Date: Fri, 01 Mar 2024 10:30:00 +0100\n"
	                          "Subject: Report for Zw\xc3\xb6lf\n\n"
	                          "Hello Bob,\n\n"
	                          "The caf\xc3\xa9 opens at 9. Call me on 555-0100 or write to "
	                          "renee@example.com.");
	free(text);
	assert_int_equal(doc->nchildren, 0);
	enclave_doc_free(doc);
}

static void test_alternative(void **state)
{
	static const char m[] = "From: a@example.com\n"
	                        "To: b@example.com\n"
	                        "Subject: Alt\n"
	                        "MIME-Version: 1.0\n"
	                        "Content-Type: multipart/alternative; boundary=\"XX\"\n"
	                        "\n"
	                        "--XX\n"
	                        "Content-Type: text/plain; charset=utf-8\n"
	                        "\n"
	                        "Plain version.\n"
	                        "--XX\n"
	                        "Content-Type: text/html; charset=utf-8\n"
	                        "\n"
	                        "<html><body><p>HTML version.</p></body></html>\n"
	                        "--XX--\n";
	struct enclave_doc *doc = NULL;
	char *text;

	(void)state;
	assert_int_equal(extract(&doc, m, 0), 0);
	text = text_of(doc);
	assert_non_null(strstr(text, "Plain version."));
	assert_null(strstr(text, "HTML version."));
	free(text);
	enclave_doc_free(doc);
}

static void test_html_only(void **state)
{
	static const char m[] =
	    "From: a@example.com\n"
	    "To: b@example.com\n"
	    "Subject: Html\n"
	    "Content-Type: text/html; charset=windows-1252\n"
	    "Content-Transfer-Encoding: base64\n"
	    "\n"
	    /* <html><body><h1>News</h1><script>var x="LEAK";</script><p>Caf\xe9 at 9.</p></body></html> */
	    "PGh0bWw+PGJvZHk+PGgxPk5ld3M8L2gxPjxzY3JpcHQ+dmFyIHg9IkxFQUsiOzwvc2NyaXB0Pjxw\n"
	    "PkNhZukgYXQgOS48L3A+PC9ib2R5PjwvaHRtbD4=\n";
	struct enclave_doc *doc = NULL;
	char *text;

	(void)state;
	assert_int_equal(extract(&doc, m, 0), 0);
	text = text_of(doc);
	assert_null(strstr(text, "LEAK"));
	assert_int_equal(doc->nblocks, 3);
	assert_int_equal(doc->blocks[1].kind, ENCLAVE_BLOCK_HEADING);
	assert_string_equal(doc->blocks[1].text, "News");
	assert_string_equal(doc->blocks[2].text, "Caf\xc3\xa9 at 9.");
	free(text);
	enclave_doc_free(doc);
}

static const char with_attachments[] =
    "From: a@example.com\n"
    "To: b@example.com\n"
    "Subject: Files\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"OUT\"\n"
    "\n"
    "--OUT\n"
    "Content-Type: text/plain\n"
    "\n"
    "See the attached files.\n"
    "--OUT\n"
    "Content-Type: text/plain; name=\"notes.txt\"\n"
    "Content-Disposition: attachment; filename=\"notes.txt\"\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "UGhvbmUgRnJhbmsgb24gNTU1LTAxOTku\n" /* Phone Frank on 555-0199. */
    "--OUT\n"
    "Content-Type: message/rfc822\n"
    "Content-Disposition: attachment; filename=\"fwd.eml\"\n"
    "\n"
    "From: grace@example.com\n"
    "To: a@example.com\n"
    "Subject: Inner\n"
    "Content-Type: multipart/mixed; boundary=\"IN\"\n"
    "\n"
    "--IN\n"
    "Content-Type: text/plain\n"
    "\n"
    "Inner body from Grace.\n"
    "--IN\n"
    "Content-Type: text/plain\n"
    "Content-Disposition: attachment; filename=\"inner.txt\"\n"
    "\n"
    "Inner attachment of Heidi.\n"
    "--IN--\n"
    "--OUT--\n";

static void test_attachments(void **state)
{
	struct enclave_doc *doc = NULL;
	const struct enclave_doc *inner;
	char *text;

	(void)state;
	assert_int_equal(extract(&doc, with_attachments, 0), 0);
	text = text_of(doc);
	assert_non_null(strstr(text, "See the attached files."));
	assert_null(strstr(text, "Frank"));
	assert_null(strstr(text, "Grace"));
	free(text);
	assert_int_equal(doc->nchildren, 2);
	assert_string_equal(doc->children[0].name, "notes.txt");
	assert_non_null(doc->children[0].doc);
	assert_string_equal(doc->children[0].doc->blocks[0].text, "Phone Frank on 555-0199.");
	assert_string_equal(doc->children[1].name, "fwd.eml");
	inner = doc->children[1].doc;
	assert_non_null(inner);
	assert_string_equal(inner->format, "eml");
	assert_string_equal(inner->title, "Inner");
	text = text_of(inner);
	assert_non_null(strstr(text, "From: grace@example.com"));
	assert_non_null(strstr(text, "Inner body from Grace."));
	free(text);
	assert_int_equal(inner->nchildren, 1);
	assert_string_equal(inner->children[0].name, "inner.txt");
	assert_string_equal(inner->children[0].doc->blocks[0].text, "Inner attachment of Heidi.");
	enclave_doc_free(doc);
}

static void test_mbox(void **state)
{
	static const char m[] = "From alice@example.com Mon Jan  1 00:00:00 2024\n"
	                        "From: alice@example.com\n"
	                        "To: bob@example.com\n"
	                        "Subject: First\n"
	                        "\n"
	                        "First body.\n"
	                        ">From here on it is quoted.\n"
	                        "\n"
	                        "From carol@example.com Tue Jan  2 00:00:00 2024\n"
	                        "From: carol@example.com\n"
	                        "To: bob@example.com\n"
	                        "Subject: Second\n"
	                        "Content-Type: multipart/mixed; boundary=B\n"
	                        "\n"
	                        "--B\n"
	                        "Content-Type: text/plain\n"
	                        "\n"
	                        "Second body.\n"
	                        "--B\n"
	                        "Content-Type: application/octet-stream\n"
	                        "Content-Disposition: attachment; filename=list.txt\n"
	                        "\n"
	                        "Ivan 555-0123\n"
	                        "--B--\n";
	struct enclave_doc *doc = NULL;
	const char *mt;
	char *text;

	(void)state;
	assert_int_equal(extract_buffer(&doc, &mt, m, strlen(m), "box.mbox", NULL), 0);
	assert_string_equal(doc->format, "mbox");
	assert_string_equal(meta(doc, "message_count"), "2");
	assert_int_equal(doc->nblocks, 0);
	assert_int_equal(doc->nchildren, 2);
	assert_string_equal(doc->children[0].name, "message-1.eml");
	assert_string_equal(doc->children[0].doc->title, "First");
	text = text_of(doc->children[0].doc);
	assert_non_null(strstr(text, "First body."));
	assert_null(strstr(text, "Second"));
	free(text);
	assert_string_equal(doc->children[1].doc->title, "Second");
	assert_int_equal(doc->children[1].doc->nchildren, 1);
	assert_string_equal(doc->children[1].doc->children[0].name, "list.txt");
	assert_string_equal(doc->children[1].doc->children[0].doc->blocks[0].text, "Ivan 555-0123");
	enclave_doc_free(doc);
}

static void test_encrypted(void **state)
{
	static const char m[] =
	    "From: a@example.com\n"
	    "To: b@example.com\n"
	    "Subject: Secret\n"
	    "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; "
	    "boundary=E\n"
	    "\n"
	    "--E\n"
	    "Content-Type: application/pgp-encrypted\n"
	    "\n"
	    "Version: 1\n"
	    "--E\n"
	    "Content-Type: application/octet-stream\n"
	    "\n"
	    "-----BEGIN PGP MESSAGE-----\nhQEMA\n-----END PGP MESSAGE-----\n"
	    "--E--\n";
	struct enclave_doc *doc = NULL;

	(void)state;
	assert_int_equal(extract(&doc, m, 0), ENCLAVE_EENCRYPTED);
	assert_null(doc);
	assert_non_null(strstr(enclave_error_last(), "encrypted"));
}

/* Multiparts nested past ENCLAVE_MAX_NESTING fail with a limit, not a crash. */
static void test_deep(void **state)
{
	struct buf m = BUF_INIT(1 << 24);
	struct enclave_doc *doc = NULL;
	int i, depth = ENCLAVE_MAX_NESTING + 20, rc;

	(void)state;
	assert_int_equal(buf_puts(&m, "From: a@example.com\nTo: b@example.com\nSubject: Deep\n"),
	                 0);
	for (i = 0; i < depth; i++)
		assert_int_equal(
		    buf_printf(&m, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i),
		    0);
	assert_int_equal(buf_puts(&m, "Content-Type: text/plain\n\nBottom.\n"), 0);
	for (i = depth - 1; i >= 0; i--)
		assert_int_equal(buf_printf(&m, "--b%d--\n", i), 0);
	rc = extract(&doc, m.ptr, m.len);
	assert_int_equal(rc, ENCLAVE_ELIMIT);
	assert_non_null(strstr(enclave_error_last(), "nested deeper"));
	buf_release(&m);
}

/* A large base64 attachment: its decoded size is charged; a spent budget fails the file. */
static void test_base64_budget(void **state)
{
	struct buf m = BUF_INIT(1 << 26);
	struct extract_ctx ctx;
	struct enclave_doc *doc = NULL;
	const char *mt;
	size_t i;

	(void)state;
	assert_int_equal(buf_puts(&m, "From: a@example.com\nTo: b@example.com\nSubject: Big\n"
	                              "Content-Type: multipart/mixed; boundary=Z\n\n--Z\n"
	                              "Content-Type: text/plain\n\nBody.\n--Z\n"
	                              "Content-Type: application/octet-stream\n"
	                              "Content-Disposition: attachment; filename=big.bin\n"
	                              "Content-Transfer-Encoding: base64\n\n"),
	                 0);
	for (i = 0; i < 40000; i++) /* 3 MB decoded */
		assert_int_equal(buf_puts(&m, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		                              "AAAAAAAAAAAAAAAAAAAAAAAA\n"),
		                 0);
	assert_int_equal(buf_puts(&m, "--Z--\n"), 0);
	extract_ctx_init(&ctx, NULL, NULL);
	assert_int_equal(extract_with(&doc, &mt, m.ptr, m.len, "big.eml", &ctx), 0);
	assert_true(ctx.bytes >= 40000 * 57);
	assert_int_equal(doc->nchildren, 1);
	assert_int_equal(doc->children[0].size, 40000 * 57);
	enclave_doc_free(doc);

	extract_ctx_init(&ctx, NULL, NULL);
	ctx.bytes = ENCLAVE_MAX_DECOMPRESSED_BYTES - 1000000;
	assert_int_equal(extract_with(&doc, &mt, m.ptr, m.len, "big.eml", &ctx), ENCLAVE_ELIMIT);
	assert_null(doc);
	buf_release(&m);
}

/* Every prefix of a message with attachments: a document or an error, never a crash. */
static void test_truncated(void **state)
{
	size_t cut, len = strlen(with_attachments), ok = 0;

	(void)state;
	for (cut = 1; cut < len; cut += 7) {
		struct enclave_doc *doc = NULL;
		int rc = extract(&doc, with_attachments, cut);
		assert_true(rc == 0 || (rc < 0 && *enclave_error_last()));
		ok += rc == 0;
		enclave_doc_free(doc);
	}
	assert_true(ok > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kind),          cmocka_unit_test(test_plain),
		cmocka_unit_test(test_alternative),   cmocka_unit_test(test_html_only),
		cmocka_unit_test(test_attachments),   cmocka_unit_test(test_mbox),
		cmocka_unit_test(test_encrypted),     cmocka_unit_test(test_deep),
		cmocka_unit_test(test_base64_budget), cmocka_unit_test(test_truncated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
