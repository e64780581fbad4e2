/*
 * Fuzz target: the PII scanner over arbitrary bytes, through the one-shot
 * scan, the code point offsets and the stream fed in two pieces. Checks
 * that every span lies in the text, has a known label, a score in [0, 1]
 * and a source; that spans come sorted and do not overlap; that code point
 * offsets never decrease and never pass the text's; and that the stream
 * reports the same spans as the one-shot scan for inputs under a chunk.
 */
#include "fuzz.h"
#include "clean/pii/pii_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The stream's spans, compared with the one-shot scan's. */
struct scan_fuzz_seen {
	const struct enclave_pii_spans *want;
	size_t n;
};

static int scan_fuzz_cb(const struct enclave_pii_found *f, void *payload)
{
	struct scan_fuzz_seen *seen = payload;

	FUZZ_CHECK(seen->n < seen->want->n, "the stream reports more spans than the scan");
	FUZZ_CHECK(f->span.start == seen->want->v[seen->n].start &&
	               f->span.end == seen->want->v[seen->n].end &&
	               f->span.label == seen->want->v[seen->n].label,
	           "stream span %zu differs from the scan's", seen->n);
	FUZZ_CHECK(f->cp_start <= f->cp_end && f->text_len == f->span.end - f->span.start,
	           "stream span %zu: bad offsets", seen->n);
	seen->n++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static enclave_pii_scanner *s;
	static enclave_pii_state *st;
	static enclave_pii_stream *stream;
	struct enclave_pii_spans spans = { 0 };
	struct scan_fuzz_seen seen = { &spans, 0 };
	const char *text = (const char *)data;
	size_t *cp = NULL;
	int rc;

	if (!s) {
		FUZZ_CHECK(enclave_pii_scanner_new(&s, NULL) == 0, "scanner: %s",
		           enclave_error_last());
		FUZZ_CHECK(enclave_pii_state_new(&st, s) == 0, "state: %s", enclave_error_last());
		FUZZ_CHECK(enclave_pii_stream_new(&stream, s) == 0, "stream: %s",
		           enclave_error_last());
	}
	rc = enclave_pii_scan(&spans, s, st, text, size);
	fuzz_check_error(rc, 0);
	FUZZ_CHECK(rc == 0, "scan failed: %s", enclave_error_last());
	for (size_t i = 0; i < spans.n; i++) {
		const struct enclave_pii_span *sp = &spans.v[i];
		FUZZ_CHECK(sp->start < sp->end && sp->end <= size, "span %zu: [%zu, %zu) of %zu", i,
		           sp->start, sp->end, size);
		FUZZ_CHECK(enclave_pii_label_name(sp->label) != NULL, "span %zu: label %d", i,
		           sp->label);
		FUZZ_CHECK(sp->score >= 0 && sp->score <= 1, "span %zu: score %f", i,
		           (double)sp->score);
		FUZZ_CHECK(sp->source && *sp->source, "span %zu: no source", i);
		FUZZ_CHECK(i == 0 || spans.v[i - 1].end <= sp->start, "span %zu overlaps", i);
	}
	if (spans.n) {
		cp = malloc(2 * spans.n * sizeof(*cp));
		FUZZ_CHECK(cp != NULL, "malloc");
		enclave_pii_spans_cp(cp, text, size, &spans);
		for (size_t i = 0; i < 2 * spans.n; i++)
			FUZZ_CHECK(cp[i] <= size && (i == 0 || cp[i - 1] <= cp[i]),
			           "code point offset %zu out of order", i);
		free(cp);
	}
	if (size < ENCLAVE_PII_CHUNK_BYTES) {
		enclave_pii_stream_reset(stream);
		rc = enclave_pii_stream_feed(stream, text, size / 2, scan_fuzz_cb, &seen);
		FUZZ_CHECK(rc == 0, "stream feed: %s", enclave_error_last());
		rc = enclave_pii_stream_feed(stream, text + size / 2, size - size / 2, scan_fuzz_cb,
		                             &seen);
		FUZZ_CHECK(rc == 0, "stream feed: %s", enclave_error_last());
		rc = enclave_pii_stream_end(stream, scan_fuzz_cb, &seen);
		FUZZ_CHECK(rc == 0, "stream end: %s", enclave_error_last());
		FUZZ_CHECK(seen.n == spans.n, "the stream reports %zu spans, the scan %zu", seen.n,
		           spans.n);
		FUZZ_CHECK((enclave_pii_stream_bad_utf8(stream) < 0) == utf8_valid(text, size),
		           "the stream's UTF-8 verdict differs from utf8_valid");
	}
	enclave_pii_spans_free(&spans);
	enclave_error_clear();
	return 0;
}
