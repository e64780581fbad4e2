/*
 * Layout passes that do not depend on the file format (layout.c): visual to
 * logical order of right-to-left lines, presentation forms and ligatures
 * back to letters, and running headers and footers over the pages of a
 * document. The PDF parser uses them; any paged format may.
 */
#ifndef ENCLAVE_LAYOUT_INT_H
#define ENCLAVE_LAYOUT_INT_H

#include "ingest_int.h"

/*
 * Put the `n` code points of one line, given in visual order (left to right
 * on the page, as a PDF draws them), into logical order (as a reader types
 * them), in place, with mirrored characters (brackets) swapped back. The
 * paragraph direction is that of the majority of strong characters. A line
 * with no right-to-left character is left alone. glued[i] nonzero (`glued`
 * may be NULL) says code point i comes from the same glyph as i - 1 (a
 * ligature the font maps to several letters, a letter with its point): a
 * glyph's code points keep their order. `scratch` holds 5 * n uint32_t of
 * work space. Returns 1 when the line was reordered, else 0.
 */
int layout_bidi_line(uint32_t *cps, size_t n, const unsigned char *glued, uint32_t *scratch);

/*
 * The letters code point `c` stands for: a Latin ligature (U+FB00-FB06),
 * a Hebrew or Arabic presentation form (U+FB13-FDFF, U+FE70-FEFF) becomes
 * its compatibility decomposition (up to three code points). Writes them to
 * out[] and returns their count; returns 1 with out[0] = c otherwise.
 */
size_t layout_unshape(uint32_t c, uint32_t out[3]);

/* One block seen by layout_running(). */
struct layout_item {
	int page;          /* 1-based */
	float y0, y1;      /* top and bottom edge, from the top of the page */
	float page_height; /* of its page */
	const char *text;  /* UTF-8, not NUL-terminated */
	size_t len;
	int mark; /* out: 0, or ENCLAVE_BLOCK_HEADER or ENCLAVE_BLOCK_FOOTER */
};

/*
 * Mark the running headers and footers among items[0, n) of a document of
 * `npages` pages: blocks in the top (bottom) band of their page whose text,
 * digits aside ("Page 3 of 10"), recurs in that band on at least
 * LAYOUT_RUNNING_SHARE of the pages (two at least). Sets each item's mark.
 * Cost: O(n log n). Returns 0 or ENCLAVE_ENOMEM.
 */
int layout_running(struct layout_item *items, size_t n, int npages);

/*
 * layout_running() over the blocks of a built document that have a page and
 * a box (OCR pages, say): marked blocks take the kind header or footer.
 * Returns 0 or ENCLAVE_ENOMEM.
 */
int layout_mark_running(struct enclave_doc *doc);

#endif
