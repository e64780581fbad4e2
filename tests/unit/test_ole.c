/*
 * Unit tests of the OLE parser (ole.c): recognition of the kinds by their
 * root entries, Word (pieces of both widths, fields, tables, footnotes,
 * summary information), Excel (SST across CONTINUE, every cell record,
 * sheets), PowerPoint (titles, body, notes; masters skipped), Outlook
 * (headers, recipients, time, body, attachments, an embedded message read
 * as a child), and the failures: encrypted files of every kind, an
 * encrypted OOXML package, an OLE file of another kind, a broken CFB, and
 * truncated or damaged fixtures. Fixtures come from tests/tools/mkole_lib.h.
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
#include "../tools/mkole_lib.h"
#include "doc_check.h"

/* A fixture in memory. */
struct fixture {
	unsigned char *data;
	size_t len;
};

static struct fixture build(const char *kind)
{
	struct fixture f;

	assert_int_equal(mkole_build(&f.data, &f.len, kind), 0);
	return f;
}

/* Extract `f` (with children) into *out; returns the code. */
static int extract(struct enclave_doc **out, const struct fixture *f, const char *name)
{
	const char *mt;

	return extract_buffer(out, &mt, f->data, f->len, name, NULL);
}

/* ------------------------------------------------------------------ */

static void test_kind(void **state)
{
	static const char *const kinds[][2] = {
		{ "doc", "doc" }, { "xls", "xls" },   { "ppt", "ppt" },
		{ "msg", "msg" }, { "other", "ole" }, { "encrypted-package", "ole" }
	};
	unsigned char junk[1024];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct fixture f = build(kinds[i][0]);
		assert_string_equal(ole_kind(f.data, f.len), kinds[i][1]);
		free(f.data);
	}
	memset(junk, 'x', sizeof(junk));
	assert_null(ole_kind(junk, sizeof(junk)));
	/* The magic and then garbage: an OLE file we cannot open. */
	memcpy(junk, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8);
	assert_string_equal(ole_kind(junk, sizeof(junk)), "ole");
	assert_null(ole_kind(junk, 100));
}

static void test_doc(void **state)
{
	struct fixture f = build("doc");
	struct enclave_doc *doc = NULL;
	char *text;

	(void)state;
	assert_int_equal(extract(&doc, &f, "report.doc"), 0);
	assert_string_equal(doc->format, "doc");
	assert_string_equal(doc->title, "Quarterly report");
	assert_string_equal(meta(doc, "author"), "Alice Martin");
	text = text_of(doc);
	assert_string_equal(text, "Quarterly report\n\n"
	                          "Alice Martin wrote to alice@example.com.\n\n"
	                          "Zo\xc3\xab says see the site now.\n\n"
	                          "Name\tPhone\n\n"
	                          "Bob\t555-0100\n\n"
	                          "A footnote by Carol.");
	assert_null(strstr(text, "HYPERLINK"));
	assert_int_equal(doc->nblocks, 6);
	assert_null(doc->blocks[4].attrs);
	assert_string_equal(doc->blocks[5].attrs, "{\"story\":\"footnotes\"}");
	free(text);
	enclave_doc_free(doc);
	free(f.data);
}

static void test_xls(void **state)
{
	struct fixture f = build("xls");
	struct enclave_doc *doc = NULL;
	json_t *attrs;

	(void)state;
	assert_int_equal(extract(&doc, &f, "people.xls"), 0);
	assert_string_equal(doc->format, "xls");
	assert_string_equal(doc->title, "People list");
	assert_int_equal(doc->nblocks, 4);
	assert_int_equal(doc->blocks[0].kind, ENCLAVE_BLOCK_HEADING);
	assert_string_equal(doc->blocks[0].text, "People");
	assert_int_equal(doc->blocks[1].kind, ENCLAVE_BLOCK_TABLE);
	assert_string_equal(doc->blocks[1].text, "Name\tPhone\n"
	                                         "Zo\xc3\xab Quinn\t555-0142\n"
	                                         "1234.5\t42\n"
	                                         "7\t3.14\n"
	                                         "from a calc\tTRUE");
	attrs = json_loads(doc->blocks[1].attrs, 0, NULL);
	assert_non_null(attrs);
	assert_string_equal(
	    json_string_value(json_array_get(json_array_get(json_object_get(attrs, "rows"), 1), 0)),
	    "Zo\xc3\xab Quinn");
	json_decref(attrs);
	assert_string_equal(doc->blocks[2].text, "Notes");
	assert_string_equal(doc->blocks[3].text, "Private note");
	enclave_doc_free(doc);
	free(f.data);
}

static void test_ppt(void **state)
{
	struct fixture f = build("ppt");
	struct enclave_doc *doc = NULL;
	char *text;

	(void)state;
	assert_int_equal(extract(&doc, &f, "deck.ppt"), 0);
	assert_string_equal(doc->format, "ppt");
	text = text_of(doc);
	assert_string_equal(text,
	                    "Budget 2024\n\nFirst point\n\nSecond point\n\nSpeaker note for Bob");
	assert_null(strstr(text, "Master"));
	assert_int_equal(doc->blocks[0].kind, ENCLAVE_BLOCK_HEADING);
	assert_int_equal(doc->blocks[1].kind, ENCLAVE_BLOCK_PARAGRAPH);
	assert_string_equal(doc->blocks[3].attrs, "{\"notes\":true}");
	free(text);
	enclave_doc_free(doc);
	free(f.data);
}

static void test_msg(void **state)
{
	struct fixture f = build("msg");
	struct enclave_doc *doc = NULL;
	const struct enclave_doc *inner;
	char *text;

	(void)state;
	assert_int_equal(extract(&doc, &f, "meeting.msg"), 0);
	assert_string_equal(doc->format, "msg");
	assert_string_equal(doc->title, "Meeting notes");
	assert_string_equal(meta(doc, "from"), "Alice Martin <alice@example.com>");
	assert_string_equal(meta(doc, "to"), "Bob Stone <bob@example.com>");
	assert_string_equal(meta(doc, "cc"), "Carol Diaz <carol@example.com>");
	assert_string_equal(meta(doc, "date"), "2024-03-01T09:30:00Z");
	assert_string_equal(meta(doc, "message_id"), "<m1@example.com>");
	assert_int_equal(doc->blocks[0].kind, ENCLAVE_BLOCK_PARAGRAPH);
	assert_non_null(strstr(doc->blocks[0].attrs, "\"email_headers\":true"));
	text = text_of(doc);
	assert_string_equal(text, "From: Alice Martin <alice@example.com>\n"
	                          "To: Bob Stone <bob@example.com>\n"
	                          "Cc: Carol Diaz <carol@example.com>\n"
	                          "Date: 2024-03-01T09:30:00Z\n"
	                          "Subject: Meeting notes\n\n"
	                          "Hello Bob,\n\nThe call is at 10.");
	free(text);
	assert_int_equal(doc->nchildren, 2);
	assert_string_equal(doc->children[0].name, "notes.txt");
	assert_non_null(doc->children[0].doc);
	assert_string_equal(doc->children[0].doc->blocks[0].text,
	                    "Attached notes: call Dave at 555-0199.");
	assert_string_equal(doc->children[1].name, "Inner message.msg");
	inner = doc->children[1].doc;
	assert_non_null(inner);
	assert_string_equal(inner->format, "msg");
	assert_string_equal(inner->title, "Inner message");
	text = text_of(inner);
	assert_non_null(strstr(text, "Inner body text from Erin."));
	free(text);
	enclave_doc_free(doc);
	free(f.data);
}

/* A body only in compressed RTF: read by the RTF parser, or kept as a child saying why not. */
static void test_msg_rtf(void **state)
{
	struct fixture f = build("msg-rtf");
	struct enclave_doc *doc = NULL;
	char *text;

	(void)state;
	assert_int_equal(extract(&doc, &f, "rtf.msg"), 0);
	text = text_of(doc);
	if (!strstr(text, "Hello Bob, the RTF body.")) {
		assert_int_equal(doc->nchildren, 1);
		assert_string_equal(doc->children[0].name, "body.rtf");
		assert_int_equal(doc->children[0].size,
		                 strlen("{\\rtf1\\ansi Hello Bob, the RTF body.\\par}"));
		assert_memory_equal(doc->children[0].data, "{\\rtf1\\ansi Hello Bob", 20);
	}
	free(text);
	enclave_doc_free(doc);
	free(f.data);
}

static void test_encrypted(void **state)
{
	static const char *const kinds[] = { "doc-encrypted", "xls-encrypted", "ppt-encrypted",
		                             "msg-smime", "encrypted-package" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct fixture f = build(kinds[i]);
		struct enclave_doc *doc = NULL;
		assert_int_equal(extract(&doc, &f, kinds[i]), ENCLAVE_EENCRYPTED);
		assert_null(doc);
		assert_non_null(strstr(enclave_error_last(), "encrypted"));
		assert_non_null(strstr(enclave_error_last(), kinds[i]));
		free(f.data);
	}
}

static void test_unsupported(void **state)
{
	struct fixture f = build("other");
	struct enclave_doc *doc = NULL;
	unsigned char junk[2048];

	(void)state;
	assert_int_equal(extract(&doc, &f, "thing.bin"), ENCLAVE_EUNSUPPORTED);
	assert_non_null(strstr(enclave_error_last(), "unsupported: OLE compound file"));
	assert_non_null(strstr(enclave_error_last(), "'Contents'"));
	free(f.data);

	/* A CFB header and garbage: not readable, said so. */
	memset(junk, 0xff, sizeof(junk));
	memcpy(junk, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8);
	f.data = junk;
	f.len = sizeof(junk);
	assert_int_equal(extract(&doc, &f, "bad.doc"), ENCLAVE_EINVALID);
	assert_non_null(strstr(enclave_error_last(), "not a valid OLE compound file"));
}

/*
 * Every fixture truncated at many lengths and damaged at many offsets: each
 * extraction returns a document or an error with a message, never crashes
 * (the sanitizers watch).
 */
static void test_damaged(void **state)
{
	static const char *const kinds[] = { "doc", "xls", "ppt", "msg" };
	size_t i, cut, ok = 0, failed = 0;

	(void)state;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct fixture f = build(kinds[i]), g;
		unsigned seed = 1;
		for (cut = 512; cut < f.len; cut += 509) {
			struct enclave_doc *doc = NULL;
			int rc;
			g.data = f.data;
			g.len = cut;
			rc = extract(&doc, &g, kinds[i]);
			assert_true(rc == 0 || (rc < 0 && *enclave_error_last()));
			rc == 0 ? ok++ : failed++;
			enclave_doc_free(doc);
		}
		g.data = malloc(f.len);
		g.len = f.len;
		for (cut = 0; cut < 200; cut++) {
			struct enclave_doc *doc = NULL;
			int rc, k;
			memcpy(g.data, f.data, f.len);
			for (k = 0; k < 8; k++) {
				seed = seed * 1103515245u + 12345u;
				g.data[512 + (seed >> 8) % (f.len - 512)] =
				    (unsigned char)(seed >> 3);
			}
			rc = extract(&doc, &g, kinds[i]);
			assert_true(rc == 0 || (rc < 0 && *enclave_error_last()));
			rc == 0 ? ok++ : failed++;
			enclave_doc_free(doc);
		}
		free(g.data);
		free(f.data);
	}
	/* Both outcomes happened: the damage reached the parsers. */
	assert_true(ok > 0);
	assert_true(failed > 0);
}

/* Streams read are charged to the file's budget: a spent budget fails the file. */
static void test_budget(void **state)
{
	struct fixture f = build("doc");
	struct extract_ctx ctx;
	struct enclave_doc *doc = NULL;
	const char *mt;

	(void)state;
	extract_ctx_init(&ctx, NULL, NULL);
	assert_int_equal(extract_with(&doc, &mt, f.data, f.len, "a.doc", &ctx), 0);
	assert_true(ctx.bytes >= 1304); /* at least the WordDocument stream */
	enclave_doc_free(doc);
	extract_ctx_init(&ctx, NULL, NULL);
	ctx.bytes = ENCLAVE_MAX_DECOMPRESSED_BYTES - 100;
	assert_int_equal(extract_with(&doc, &mt, f.data, f.len, "a.doc", &ctx), ENCLAVE_ELIMIT);
	assert_null(doc);
	free(f.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kind),      cmocka_unit_test(test_doc),
		cmocka_unit_test(test_xls),       cmocka_unit_test(test_ppt),
		cmocka_unit_test(test_msg),       cmocka_unit_test(test_msg_rtf),
		cmocka_unit_test(test_encrypted), cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_damaged),   cmocka_unit_test(test_budget),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
