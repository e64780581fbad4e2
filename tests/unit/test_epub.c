/*
 * Unit tests of the EPUB parser (epub.c): recognition (mimetype first or
 * not), the spine order through the HTML parser with headings kept, the
 * Dublin Core metadata, a chapter <title> repeating the book's dropped,
 * DRM (encryption.xml) failing as encrypted while font obfuscation does
 * not, an external entity in the OPF never read, an empty spine. Fixtures
 * are ZIPs written in memory with libarchive.
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

static const char container[] =
    "<?xml version=\"1.0\"?><container version=\"1.0\" "
    "xmlns=\"urn:oasis:names:tc:opendocument:xmlns:container\"><rootfiles><rootfile "
    "full-path=\"OEBPS/content.opf\" "
    "media-type=\"application/oebps-package+xml\"/></rootfiles></container>";

static const char opf[] =
    "<?xml version=\"1.0\"?><package xmlns=\"http://www.idpf.org/2007/opf\" "
    "version=\"3.0\"><metadata xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
    "<dc:title>The Book</dc:title><dc:creator>Ann One</dc:creator><dc:creator>Bob "
    "Two</dc:creator><dc:language>fr</dc:language><dc:date>2021-03-04</dc:date></metadata>"
    "<manifest><item id=\"c1\" href=\"text/ch%201.xhtml\" media-type=\"application/xhtml+xml\"/>"
    "<item id=\"c2\" href=\"text/../text/ch2.xhtml#x\" media-type=\"application/xhtml+xml\"/>"
    "<item id=\"css\" href=\"s.css\" media-type=\"text/css\"/></manifest>"
    "<spine><itemref idref=\"c2\"/><itemref idref=\"css\"/><itemref idref=\"c1\"/></spine>"
    "</package>";

static const char ch1[] = "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
                          "<html xmlns=\"http://www.w3.org/1999/xhtml\"><head><title>The "
                          "Book</title></head><body><h1>First</h1><p>One text.</p></body></html>";

static const char ch2[] = "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
                          "<html xmlns=\"http://www.w3.org/1999/xhtml\"><head><title>Part "
                          "Two</title></head><body><h2>Second</h2><p>Two text.</p>"
                          "<ul><li>Item</li></ul></body></html>";

/* A ZIP of the name, content pairs (NULL-terminated); its length in *len. */
static unsigned char *mkzip(const char *const *entries, size_t *len)
{
	size_t cap = 1 << 20, i;
	unsigned char *data = malloc(cap);
	struct archive *a = archive_write_new();

	assert_non_null(data);
	assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_memory(a, data, cap, len), ARCHIVE_OK);
	for (i = 0; entries[i]; i += 2) {
		struct archive_entry *e = archive_entry_new();
		size_t n = strlen(entries[i + 1]);
		archive_entry_set_pathname(e, entries[i]);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)n);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		assert_int_equal(archive_write_data(a, entries[i + 1], n), (la_ssize_t)n);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	return data;
}

/* Parse the EPUB made of `entries`; the result code in *rc. */
static struct enclave_doc *parse(const char *const *entries, int *rc)
{
	struct extract_ctx ctx;
	struct enclave_doc *doc;
	size_t len;
	unsigned char *data = mkzip(entries, &len);

	extract_ctx_init(&ctx, NULL, NULL);
	assert_string_equal(epub_kind(data, len), "epub");
	assert_int_equal(doc_new(&doc, "epub"), 0);
	doc->ctx = &ctx;
	*rc = ingest_epub(doc, data, len);
	doc->ctx = NULL;
	free(data);
	return doc;
}

static void test_book(void **state)
{
	const char *const entries[] = { "mimetype",
		                        "application/epub+zip",
		                        "META-INF/container.xml",
		                        container,
		                        "OEBPS/content.opf",
		                        opf,
		                        "OEBPS/text/ch 1.xhtml",
		                        ch1,
		                        "OEBPS/text/ch2.xhtml",
		                        ch2,
		                        NULL };
	int rc;
	struct enclave_doc *doc = parse(entries, &rc);

	(void)state;
	assert_int_equal(rc, 0);
	assert_string_equal(doc->title, "The Book");
	assert_string_equal(json_string_value(json_object_get(doc->metadata, "author")),
	                    "Ann One; Bob Two");
	assert_string_equal(json_string_value(json_object_get(doc->metadata, "language")), "fr");
	assert_string_equal(json_string_value(json_object_get(doc->metadata, "date")),
	                    "2021-03-04");
	/* Spine order: ch2 first; its <title> "Part Two" a heading, ch1's dropped. */
	assert_int_equal(doc->nblocks, 6);
	assert_int_equal(doc->blocks[0].kind, ENCLAVE_BLOCK_HEADING);
	assert_string_equal(doc->blocks[0].text, "Part Two");
	assert_int_equal(doc->blocks[1].kind, ENCLAVE_BLOCK_HEADING);
	assert_int_equal(doc->blocks[1].level, 2);
	assert_string_equal(doc->blocks[1].text, "Second");
	assert_string_equal(doc->blocks[2].text, "Two text.");
	assert_int_equal(doc->blocks[3].kind, ENCLAVE_BLOCK_LIST_ITEM);
	assert_int_equal(doc->blocks[4].kind, ENCLAVE_BLOCK_HEADING);
	assert_int_equal(doc->blocks[4].level, 1);
	assert_string_equal(doc->blocks[4].text, "First");
	assert_string_equal(doc->blocks[5].text, "One text.");
	enclave_doc_free(doc);
}

static void test_mimetype_not_first(void **state)
{
	const char *const entries[] = { "META-INF/container.xml",
		                        container,
		                        "OEBPS/content.opf",
		                        opf,
		                        "OEBPS/text/ch 1.xhtml",
		                        ch1,
		                        "OEBPS/text/ch2.xhtml",
		                        ch2,
		                        "mimetype",
		                        "application/epub+zip",
		                        NULL };
	const char *const plain[] = { "a.txt", "not a book", NULL };
	int rc;
	size_t len;
	unsigned char *z = mkzip(plain, &len);
	struct enclave_doc *doc = parse(entries, &rc);

	(void)state;
	assert_int_equal(rc, 0);
	assert_int_equal(doc->nblocks, 6);
	enclave_doc_free(doc);
	assert_null(epub_kind(z, len));
	free(z);
}

static void test_drm_and_fonts(void **state)
{
	const char drm[] = "<encryption xmlns=\"urn:oasis:names:tc:opendocument:xmlns:container\" "
	                   "xmlns:enc=\"http://www.w3.org/2001/04/xmlenc#\"><enc:EncryptedData>"
	                   "<enc:EncryptionMethod "
	                   "Algorithm=\"http://www.w3.org/2001/04/xmlenc#aes128-cbc\"/>"
	                   "<enc:CipherData><enc:CipherReference URI=\"OEBPS/text/ch2.xhtml\"/>"
	                   "</enc:CipherData></enc:EncryptedData></encryption>";
	const char fonts[] =
	    "<encryption xmlns=\"urn:oasis:names:tc:opendocument:xmlns:container\" "
	    "xmlns:enc=\"http://www.w3.org/2001/04/xmlenc#\"><enc:EncryptedData>"
	    "<enc:EncryptionMethod "
	    "Algorithm=\"http://www.idpf.org/2008/embedding\"/>"
	    "<enc:CipherData><enc:CipherReference URI=\"OEBPS/f.otf\"/>"
	    "</enc:CipherData></enc:EncryptedData></encryption>";
	const char *entries[] = { "mimetype",
		                  "application/epub+zip",
		                  "META-INF/container.xml",
		                  container,
		                  "META-INF/encryption.xml",
		                  drm,
		                  "OEBPS/content.opf",
		                  opf,
		                  "OEBPS/text/ch 1.xhtml",
		                  ch1,
		                  "OEBPS/text/ch2.xhtml",
		                  ch2,
		                  NULL };
	int rc;
	struct enclave_doc *doc = parse(entries, &rc);

	(void)state;
	assert_int_equal(rc, ENCLAVE_EENCRYPTED);
	assert_non_null(strstr(enclave_error_last(), "encrypted"));
	enclave_doc_free(doc);
	entries[5] = fonts;
	doc = parse(entries, &rc);
	assert_int_equal(rc, 0);
	enclave_doc_free(doc);
}

static void test_hostile(void **state)
{
	char xxe[4096];
	const char *entries[] = { "mimetype",
		                  "application/epub+zip",
		                  "META-INF/container.xml",
		                  container,
		                  "OEBPS/content.opf",
		                  xxe,
		                  "OEBPS/text/ch 1.xhtml",
		                  ch1,
		                  "OEBPS/text/ch2.xhtml",
		                  ch2,
		                  NULL };
	const char *nospine[] = {
		"mimetype", "application/epub+zip", "META-INF/container.xml",
		container,  "OEBPS/content.opf",    "<package><manifest/><spine/></package>",
		NULL
	};
	int rc;
	struct enclave_doc *doc;

	(void)state;
	snprintf(xxe, sizeof(xxe),
	         "<?xml version=\"1.0\"?><!DOCTYPE p [<!ENTITY x SYSTEM "
	         "\"file:///etc/passwd\">]>%s",
	         strstr(opf, "<package"));
	memcpy(strstr(xxe, "The Book"), "&x;     ", 8);
	doc = parse(entries, &rc);
	assert_int_equal(rc, 0);
	assert_true(!doc->title || !strstr(doc->title, "root"));
	enclave_doc_free(doc);
	doc = parse(nospine, &rc);
	assert_int_equal(rc, ENCLAVE_EEMPTY);
	enclave_doc_free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_book),
		cmocka_unit_test(test_mimetype_not_first),
		cmocka_unit_test(test_drm_and_fonts),
		cmocka_unit_test(test_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
