/*
 * Checks the unit tests of the document parsers share, header only (every
 * test_*.c is its own program): a block's kind, level and text, a metadata
 * string, and the document text. Include after cmocka.h and
 * ingest/ingest_int.h.
 */
#ifndef ENCLAVE_TEST_DOC_CHECK_H
#define ENCLAVE_TEST_DOC_CHECK_H

#include <stdlib.h>
#include <string.h>

#define DOC_CHECK_FN static __attribute__((unused))

/* Assert block `i` has the kind, level and text given (printing both on a mismatch). */
DOC_CHECK_FN void check_block(const struct enclave_doc *doc, size_t i, enclave_block_kind kind,
                              int level, const char *text)
{
	assert_true(i < doc->nblocks);
	if (strcmp(doc->blocks[i].text, text) || doc->blocks[i].kind != kind)
		print_error("block %zu: want %d '%s' got %d '%s'\n", i, kind, text,
		            doc->blocks[i].kind, doc->blocks[i].text);
	assert_string_equal(doc->blocks[i].text, text);
	assert_int_equal(doc->blocks[i].kind, kind);
	assert_int_equal(doc->blocks[i].level, level);
}

/* metadata[key] as a string, or NULL. */
DOC_CHECK_FN const char *meta(const struct enclave_doc *doc, const char *key)
{
	return json_string_value(json_object_get(doc->metadata, key));
}

/* The document text (blocks joined by a blank line), malloc'd. */
DOC_CHECK_FN char *text_of(const struct enclave_doc *doc)
{
	struct buf b = BUF_INIT(1 << 24);

	assert_int_equal(doc_text(&b, doc), 0);
	return buf_detach(&b, NULL);
}

#endif
