/*
 * Clean stage internals: the project config writer (config.c), mapping
 * spans to page boxes (boxes.c), and offset conversions between the
 * scanner's bytes and the store's code points.
 */
#ifndef ENCLAVE_CLEAN_INT_H
#define ENCLAVE_CLEAN_INT_H

#include <jansson.h>

#include "../common_int.h"
#include "../ingest/ingest_int.h"

/* Write the commented default enclave.yaml into project `p` (at init). */
int clean_config_write_default(const enclave_project *p);

/*
 * The boxes of code points [start, end) of `doc`'s text: a JSON array of
 * {"page":N,"bbox":[x0,y0,x1,y1]}, one per line piece of each block the
 * range touches that has a page and a box. MuPDF's character boxes are not
 * stored, so a piece's box is proportional: the block's box cut into
 * equal-height bands, one per line of the block's text ('\n'), and each band
 * cut horizontally by the piece's character positions in its line. New
 * reference, or NULL on allocation failure.
 */
json_t *clean_span_boxes(const struct enclave_doc *doc, size_t start, size_t end);

/*
 * Convert byte offsets into `text` (`len` bytes, valid UTF-8) to code point
 * offsets, in place: `offs` holds `n` pointers to size_t byte offsets, each
 * at most `len` and on a character boundary, in any order. Returns 0 or
 * ENCLAVE_ENOMEM / ENCLAVE_EINVALID (an offset past the end).
 */
int clean_bytes_to_cp(const char *text, size_t len, size_t **offs, size_t n);

/* The reverse: code point offsets (at most the text's length in code points) to bytes. */
int clean_cp_to_bytes(const char *text, size_t len, size_t **offs, size_t n);

#endif
