/*
 * Where spans lie: offsets converted between bytes (the scanner's and the
 * redactor's) and code points (the store's), and spans mapped to boxes on
 * the pages of the blocks they fall in, so that exports of page images can
 * black out the same regions.
 *
 * The boxes are proportional (see clean_span_boxes in clean_int.h): exact
 * for a one-line block in a fixed-width font, within a line's height and a
 * few characters' width otherwise. Exact boxes would need MuPDF's character
 * quads stored at ingest, which the store does not keep.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clean_int.h"
#include "../../util/utf8.h"

/* ------------------------------------------------------------------ */
/* Offsets                                                            */
/* ------------------------------------------------------------------ */

static int cmp_ptr_value(const void *a, const void *b)
{
	size_t x = **(size_t *const *)a, y = **(size_t *const *)b;

	return x < y ? -1 : x > y;
}

/*
 * Walk `text` once, converting each offset in `offs` (sorted here) from
 * one unit to the other: to_cp 1 maps bytes to code points, 0 the reverse.
 */
static int convert(const char *text, size_t len, size_t **offs, size_t n, int to_cp)
{
	const unsigned char *s = (const unsigned char *)text, *end = s + len;
	size_t **sorted, i, byte = 0, cp = 0;

	if (!n)
		return 0;
	if (!(sorted = malloc(n * sizeof(*sorted))))
		return error_oom();
	memcpy(sorted, offs, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_ptr_value);
	for (i = 0; i < n; i++) {
		size_t want = *sorted[i];
		while ((to_cp ? byte : cp) < want && s + byte < end) {
			uint32_t c;
			byte += utf8_decode(s + byte, end, &c);
			cp++;
		}
		if ((to_cp ? byte : cp) != want) {
			free(sorted);
			return error_set(ENCLAVE_EINVALID,
			                 "offset %zu is past the text or inside a"
			                 " character",
			                 want);
		}
		*sorted[i] = to_cp ? cp : byte;
	}
	free(sorted);
	return 0;
}

int clean_bytes_to_cp(const char *text, size_t len, size_t **offs, size_t n)
{
	return convert(text, len, offs, n, 1);
}

int clean_cp_to_bytes(const char *text, size_t len, size_t **offs, size_t n)
{
	return convert(text, len, offs, n, 0);
}

/* ------------------------------------------------------------------ */
/* Boxes                                                              */
/* ------------------------------------------------------------------ */

/* Append {"page":page,"bbox":[x0,y0,x1,y1]} to `arr`. */
static int add_box(json_t *arr, int page, double x0, double y0, double x1, double y1)
{
#define R2(v) (round((v)*100.0) / 100.0) /* hundredths of a point: enough, and short */
	return json_array_append_new(arr, json_pack("{s:i,s:[f,f,f,f]}", "page", page, "bbox",
	                                            R2(x0), R2(y0), R2(x1), R2(y1)));
#undef R2
}

/*
 * The boxes of code points [from, to) of block `b` (local to the block) into
 * `arr`: its text is cut into lines at '\n', the box into as many bands.
 */
static int block_boxes(json_t *arr, const struct enclave_block *b, size_t from, size_t to)
{
	const unsigned char *s = (const unsigned char *)b->text, *end = s + strlen(b->text);
	const unsigned char *p;
	size_t nlines = 1, line = 0, line_start = 0, cp = 0;
	double h;

	for (p = s; p < end; p++)
		nlines += *p == '\n';
	h = (b->bbox.y1 - b->bbox.y0) / (double)nlines;
	/* One pass: each line's length in code points, then its piece of [from, to). */
	p = s;
	while (line < nlines) {
		size_t line_len = 0, lo, hi;
		const unsigned char *q = p;
		while (q < end && *q != '\n') {
			uint32_t c;
			q += utf8_decode(q, end, &c);
			line_len++;
		}
		lo = from > line_start ? from - line_start : 0;
		hi = to < line_start + line_len ? to - line_start : line_len;
		if (to > line_start && from < line_start + line_len && hi > lo && line_len) {
			double w = b->bbox.x1 - b->bbox.x0;
			double y0 = b->bbox.y0 + h * (double)line;
			if (add_box(arr, b->page, b->bbox.x0 + w * (double)lo / (double)line_len,
			            y0, b->bbox.x0 + w * (double)hi / (double)line_len, y0 + h) < 0)
				return -1;
		}
		cp = line_start + line_len + 1; /* past the '\n' */
		line_start = cp;
		p = q < end ? q + 1 : q;
		line++;
		if (line_start >= to)
			break;
	}
	return 0;
}

json_t *clean_span_boxes(const struct enclave_doc *doc, size_t start, size_t end)
{
	json_t *arr = json_array();
	size_t i;

	if (!arr)
		return NULL;
	for (i = 0; i < doc->nblocks; i++) {
		const struct enclave_block *b = &doc->blocks[i];
		size_t from, to;

		if (b->offset >= end)
			break; /* blocks are in text order */
		if (b->offset + b->length <= start || !b->has_bbox || !b->page)
			continue;
		from = start > b->offset ? start - b->offset : 0;
		to = end < b->offset + b->length ? end - b->offset : b->length;
		if (block_boxes(arr, b, from, to) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}
