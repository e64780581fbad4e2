/*
 * What the fuzz targets (fuzz/fuzz_*.c) share, header only: the checks that
 * turn a quietly broken result into a crash the fuzzer can see.
 *
 * A target must never crash, leak or trip a sanitizer on any input, and what
 * it returns must keep the library's promises:
 *
 *   - a failing call returns a negative ENCLAVE_E* code, the same code
 *     enclave_error_last_code() reports, and a message that is not empty;
 *   - it never reports ENCLAVE_ENOMEM (allocations do not fail under the
 *     sanitizers: they abort), so an ENOMEM is a mislabelled error, typically
 *     a jansson call handed invalid UTF-8;
 *   - a document keeps doc.h's model: block texts non-empty, trimmed, valid
 *     UTF-8 without NULs; offsets and lengths in code points that add up, with
 *     "\n\n" between blocks; pages numbered 1..n; block pages within them;
 *     boxes finite; attrs a JSON object; and it renders in every format.
 *
 * A broken promise prints what broke to stderr and calls abort(). The same
 * file is compiled by libFuzzer (fuzz/CMakeLists.txt) and by the plain replay
 * driver of the test run (tests/tools/fuzz_replay.c), which includes every
 * target in one program; so a target's own file-local names must not clash
 * with another's, and every helper here is static and marked unused.
 */
#ifndef ENCLAVE_FUZZ_H
#define ENCLAVE_FUZZ_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest_int.h"
#include "util/utf8.h"

#define FUZZ_FN static __attribute__((unused))

/* Abort with a message when `cond` is false. */
#define FUZZ_CHECK(cond, ...)                                                  \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz: broken promise (%s): ", #cond); \
			fprintf(stderr, __VA_ARGS__);                          \
			fputc('\n', stderr);                                   \
			abort();                                               \
		}                                                              \
	} while (0)

/*
 * Check the error contract of a call that returned `rc`: 0, or a negative
 * code matching enclave_error_last_code() with a non-empty message.
 * `may_enomem` is set for callers that go through MuPDF, whose own allocator
 * may be capped by the parser and then fails without the process running out.
 */
FUZZ_FN void fuzz_check_error(int rc, int may_enomem)
{
	const char *msg = enclave_error_last();

	if (rc == 0)
		return;
	FUZZ_CHECK(rc < 0, "returned %d, neither 0 nor an ENCLAVE_E* code", rc);
	FUZZ_CHECK(rc == enclave_error_last_code(), "returned %d but the last error code is %d", rc,
	           enclave_error_last_code());
	FUZZ_CHECK(msg && *msg, "returned %d without a message", rc);
	FUZZ_CHECK(may_enomem || rc != ENCLAVE_ENOMEM, "'out of memory' with memory to spare: %s",
	           msg);
}

/* Is `s` free of leading and trailing white space as doc_add_block() trims it? */
FUZZ_FN int fuzz_is_trimmed(const char *s, size_t n)
{
	static const char ws[] = " \t\n\r\f\v";

	return n && !strchr(ws, s[0]) && !strchr(ws, s[n - 1]);
}

/* Is `s` a JSON object? */
FUZZ_FN int fuzz_is_json_object(const char *s)
{
	json_t *j = json_loads(s, 0, NULL);
	int ok = json_is_object(j);

	json_decref(j);
	return ok;
}

/* Render `doc` in `format`, check the call, and return the length of the output. */
FUZZ_FN size_t fuzz_render(const struct enclave_doc *doc, enclave_render_format format)
{
	char *s = NULL;
	size_t len = 0;
	int rc = enclave_doc_render(&s, &len, doc, format);

	fuzz_check_error(rc, 0);
	FUZZ_CHECK(rc == 0, "render as format %d failed: %s", (int)format, enclave_error_last());
	FUZZ_CHECK(s && strlen(s) == len, "render as format %d: length %zu but string of %zu",
	           (int)format, len, s ? strlen(s) : 0);
	if (format == ENCLAVE_FORMAT_JSON)
		FUZZ_CHECK(fuzz_is_json_object(s), "render as JSON is not a JSON object");
	else
		FUZZ_CHECK(utf8_valid(s, len), "render as format %d is not valid UTF-8",
		           (int)format);
	free(s);
	return len;
}

/* Check every promise of doc.h on a document a parser returned as good. */
FUZZ_FN void fuzz_check_doc(const struct enclave_doc *doc)
{
	size_t i, expect_cp = 0, expect_bytes = 0, len;

	FUZZ_CHECK(doc && doc->format && *doc->format, "a document without a format");
	FUZZ_CHECK(!doc->title || utf8_valid(doc->title, strlen(doc->title)),
	           "the title is not valid UTF-8");
	FUZZ_CHECK(json_is_object(doc->metadata), "the metadata is not a JSON object");
	for (i = 0; i < doc->npages; i++) {
		const struct enclave_page *p = &doc->pages[i];
		FUZZ_CHECK(p->number == (int)i + 1, "page %zu is numbered %d", i + 1, p->number);
		FUZZ_CHECK(isfinite(p->width) && isfinite(p->height), "page %d: size not finite",
		           p->number);
		FUZZ_CHECK(p->method != NULL, "page %d: no method", p->number);
	}
	for (i = 0; i < doc->nblocks; i++) {
		const struct enclave_block *b = &doc->blocks[i];
		size_t sep = i ? 2 : 0;

		FUZZ_CHECK(b->text != NULL, "block %zu: no text", i);
		len = strlen(b->text);
		FUZZ_CHECK(fuzz_is_trimmed(b->text, len), "block %zu: empty or untrimmed text", i);
		FUZZ_CHECK(utf8_valid(b->text, len), "block %zu: text not valid UTF-8", i);
		FUZZ_CHECK(b->length == utf8_count(b->text, len),
		           "block %zu: length %zu but %zu code points", i, b->length,
		           utf8_count(b->text, len));
		FUZZ_CHECK(b->offset == expect_cp + sep, "block %zu: offset %zu, expected %zu", i,
		           b->offset, expect_cp + sep);
		FUZZ_CHECK((int)b->kind >= 0 && b->kind < ENCLAVE_BLOCK_KIND_COUNT,
		           "block %zu: kind %d", i, (int)b->kind);
		FUZZ_CHECK(b->method != NULL, "block %zu: no method", i);
		FUZZ_CHECK(b->page >= 0 && (size_t)b->page <= doc->npages,
		           "block %zu: page %d of %zu", i, b->page, doc->npages);
		FUZZ_CHECK(!b->has_bbox || (isfinite(b->bbox.x0) && isfinite(b->bbox.y0) &&
		                            isfinite(b->bbox.x1) && isfinite(b->bbox.y1)),
		           "block %zu: box not finite", i);
		FUZZ_CHECK(!b->attrs || fuzz_is_json_object(b->attrs),
		           "block %zu: attrs not a JSON object: %.200s", i, b->attrs);
		expect_cp += sep + b->length;
		expect_bytes += sep + len;
	}
	FUZZ_CHECK(doc->text_cp == expect_cp, "text_cp %zu, blocks add up to %zu", doc->text_cp,
	           expect_cp);
	FUZZ_CHECK(doc->text_bytes == expect_bytes, "text_bytes %zu, blocks add up to %zu",
	           doc->text_bytes, expect_bytes);

	len = fuzz_render(doc, ENCLAVE_FORMAT_TEXT);
	/* Children (attachments, members) are rendered after the document's own text. */
	FUZZ_CHECK(doc->nchildren ? len >= expect_bytes
	                          : len == (doc->nblocks ? expect_bytes + 1 : 0),
	           "text rendering of %zu bytes, expected %zu", len, expect_bytes + 1);
	fuzz_render(doc, ENCLAVE_FORMAT_MARKDOWN);
	fuzz_render(doc, ENCLAVE_FORMAT_JSON);
}

/*
 * Parse `data` with one parser into a new document of `format`, and check
 * the result or the error. The fuzz targets that skip sniffing use this.
 */
FUZZ_FN void fuzz_parse(const char *format,
                        int (*parse)(struct enclave_doc *, const unsigned char *, size_t),
                        const unsigned char *data, size_t size)
{
	struct enclave_doc *doc = NULL;
	int rc;

	FUZZ_CHECK(doc_new(&doc, format) == 0, "doc_new failed: %s", enclave_error_last());
	enclave_error_clear();
	rc = parse(doc, data, size);
	fuzz_check_error(rc, 0);
	if (rc == 0)
		fuzz_check_doc(doc);
	enclave_doc_free(doc);
	enclave_error_clear();
}

#endif
