/*
 * Format-independent layout passes (see layout_int.h).
 *
 * Right-to-left text. A PDF draws glyphs where they go, so the text layer
 * of Hebrew or Arabic comes out in visual order: the line read left to
 * right. The Unicode bidirectional algorithm (GNU FriBidi) maps logical to
 * visual order by reversing runs of each embedding level; that mapping is
 * its own inverse for the lines met in practice (right-to-left words with
 * numbers or Latin inside), so running it on the visual line gives the
 * logical one, as PDFBox and poppler do. Mirrored characters are swapped
 * back. Shaped Arabic comes as presentation forms (initial, medial, final,
 * isolated, and the lam-alef ligatures): layout_unshape() turns them back
 * into letters, after reordering, so a ligature's letters come in logical
 * order.
 *
 * Running headers and footers: the same text (digits aside) in the top or
 * bottom band of many pages. Candidates are sorted by band and a key (ASCII
 * folded to lowercase, white space collapsed, every run of digits one '0'),
 * so the pass is O(n log n) in the blocks.
 */
#include <stdlib.h>
#include <string.h>

#include <fribidi.h>

#include "layout_int.h"
#include "unshape_table.h"

/* The top and bottom bands, as fractions of the page height. */
#define LAYOUT_BAND 0.12f
/* A running header or footer recurs on at least this share of the pages. */
#define LAYOUT_RUNNING_SHARE 0.4
/* Longer blocks are body text, never running heads (bytes). */
#define LAYOUT_RUNNING_MAX 200

/* ------------------------------------------------------------------ */
/* Right to left                                                      */
/* ------------------------------------------------------------------ */

int layout_bidi_line(uint32_t *cps, size_t n, const unsigned char *glued, uint32_t *scratch)
{
	FriBidiCharType *types = (FriBidiCharType *)scratch;
	FriBidiBracketType *brackets = (FriBidiBracketType *)(scratch + n);
	FriBidiStrIndex *map = (FriBidiStrIndex *)(scratch + 2 * n);
	uint32_t *copy = scratch + 3 * n;
	FriBidiLevel *levels = (FriBidiLevel *)(scratch + 4 * n);
	FriBidiParType base;
	size_t i, l = 0, r = 0;

	_Static_assert(sizeof(FriBidiCharType) == 4 && sizeof(FriBidiBracketType) == 4 &&
	                   sizeof(FriBidiStrIndex) == 4 && sizeof(FriBidiChar) == 4,
	               "fribidi types are 32 bits");
	if (n < 2 || n > 1u << 24)
		return 0;
	fribidi_get_bidi_types(cps, (FriBidiStrIndex)n, types);
	for (i = 0; i < n; i++) {
		if (types[i] == FRIBIDI_TYPE_LTR)
			l++;
		else if (types[i] == FRIBIDI_TYPE_RTL || types[i] == FRIBIDI_TYPE_AL)
			r++;
	}
	if (!r)
		return 0;
	base = r >= l ? FRIBIDI_PAR_RTL : FRIBIDI_PAR_LTR;
	fribidi_get_bracket_types(cps, (FriBidiStrIndex)n, types, brackets);
	if (!fribidi_get_par_embedding_levels_ex(types, brackets, (FriBidiStrIndex)n, &base,
	                                         levels))
		return 0;
	for (i = 0; i < n; i++)
		map[i] = (FriBidiStrIndex)i;
	fribidi_shape_mirroring(levels, (FriBidiStrIndex)n, cps);
	if (!fribidi_reorder_line(0, types, (FriBidiStrIndex)n, 0, base, levels, NULL, map))
		return 0;
	/* A glyph's code points, reversed with their run, go back in their order. */
	for (i = 0; glued && i < n;) {
		size_t j = i, a, b;
		while (j + 1 < n && map[j + 1] == map[j] - 1 && map[j] > 0 && glued[map[j]])
			j++;
		for (a = i, b = j; a < b; a++, b--) {
			FriBidiStrIndex t = map[a];
			map[a] = map[b];
			map[b] = t;
		}
		i = j + 1;
	}
	memcpy(copy, cps, n * sizeof(*cps));
	for (i = 0; i < n; i++)
		cps[i] = (size_t)map[i] < n ? copy[map[i]] : copy[i];
	return 1;
}

size_t layout_unshape(uint32_t c, uint32_t out[3])
{
	size_t lo = 0, hi = sizeof(unshape_table) / sizeof(unshape_table[0]), k;

	out[0] = c;
	if (c < 0xfb00 || c > 0xfeff)
		return 1;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (unshape_table[mid][0] == c) {
			for (k = 0; k < 3 && unshape_table[mid][k + 1]; k++)
				out[k] = unshape_table[mid][k + 1];
			return k;
		}
		if (unshape_table[mid][0] < c)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 1;
}

/* ------------------------------------------------------------------ */
/* Running headers and footers                                        */
/* ------------------------------------------------------------------ */

/* A block in the top or bottom band of its page. */
struct cand {
	size_t item;
	int band;        /* 0 top, 1 bottom */
	const char *key; /* in the shared key buffer */
	size_t klen;
};

/* qsort order: band, key, page. */
static int cand_cmp(const void *a, const void *b, void *arg)
{
	const struct cand *x = a, *y = b;
	const struct layout_item *items = arg;
	size_t n = x->klen < y->klen ? x->klen : y->klen;
	int c;

	if (x->band != y->band)
		return x->band - y->band;
	if ((c = memcmp(x->key, y->key, n)) != 0)
		return c;
	if (x->klen != y->klen)
		return x->klen < y->klen ? -1 : 1;
	if (items[x->item].page != items[y->item].page)
		return items[x->item].page < items[y->item].page ? -1 : 1;
	return x->item < y->item ? -1 : 1;
}

/* Write the key of `s` (see the top of the file) to `out`; returns its length (<= len). */
static size_t running_key(char *out, const char *s, size_t len)
{
	size_t i, k = 0;
	int space = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ' || c == '\t' || c == '\n') {
			space = k > 0;
			continue;
		}
		if (space)
			out[k++] = ' ';
		space = 0;
		if (c >= '0' && c <= '9') {
			if (!k || out[k - 1] != '0')
				out[k++] = '0';
			continue;
		}
		out[k++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	return k;
}

int layout_running(struct layout_item *items, size_t n, int npages)
{
	struct cand *c = NULL;
	char *keys = NULL;
	size_t nc = 0, total = 0, i, j, used = 0;
	size_t need = (size_t)(LAYOUT_RUNNING_SHARE * npages + 0.999);

	for (i = 0; i < n; i++)
		items[i].mark = 0;
	if (npages < 2)
		return 0;
	if (need < 2)
		need = 2;
	for (i = 0; i < n; i++)
		if (items[i].len <= LAYOUT_RUNNING_MAX)
			total += items[i].len;
	if (!(c = malloc((n ? n : 1) * sizeof(*c))) || !(keys = malloc(total ? total : 1))) {
		free(c);
		return error_oom();
	}
	for (i = 0; i < n; i++) {
		const struct layout_item *it = &items[i];
		float h = it->page_height;
		int band;

		if (it->len > LAYOUT_RUNNING_MAX || !(h > 0))
			continue;
		if (it->y1 <= LAYOUT_BAND * h)
			band = 0;
		else if (it->y0 >= (1 - LAYOUT_BAND) * h)
			band = 1;
		else
			continue;
		c[nc].item = i;
		c[nc].band = band;
		c[nc].key = keys + used;
		c[nc].klen = running_key(keys + used, it->text, it->len);
		used += c[nc].klen;
		if (c[nc].klen)
			nc++;
	}
	qsort_r(c, nc, sizeof(*c), cand_cmp, items);
	for (i = 0; i < nc; i = j) {
		size_t pages = 1;

		for (j = i + 1; j < nc && c[j].band == c[i].band && c[j].klen == c[i].klen &&
		                !memcmp(c[j].key, c[i].key, c[i].klen);
		     j++)
			pages += items[c[j].item].page != items[c[j - 1].item].page;
		if (pages < need)
			continue;
		for (; i < j; i++)
			items[c[i].item].mark =
			    c[i].band ? ENCLAVE_BLOCK_FOOTER : ENCLAVE_BLOCK_HEADER;
	}
	free(c);
	free(keys);
	return 0;
}

int layout_mark_running(struct enclave_doc *doc)
{
	struct layout_item *items;
	size_t *idx, n = 0, i;
	int error;

	if (doc->npages < 2 || !doc->nblocks)
		return 0;
	if (!(items = malloc(doc->nblocks * sizeof(*items))))
		return error_oom();
	if (!(idx = malloc(doc->nblocks * sizeof(*idx)))) {
		free(items);
		return error_oom();
	}
	for (i = 0; i < doc->nblocks; i++) {
		const struct enclave_block *b = &doc->blocks[i];
		if (!b->has_bbox || b->page < 1 || (size_t)b->page > doc->npages)
			continue;
		items[n].page = b->page;
		items[n].y0 = (float)b->bbox.y0;
		items[n].y1 = (float)b->bbox.y1;
		items[n].page_height = (float)doc->pages[b->page - 1].height;
		items[n].text = b->text;
		items[n].len = strlen(b->text);
		idx[n++] = i;
	}
	if ((error = layout_running(items, n, (int)doc->npages)) == 0)
		for (i = 0; i < n; i++)
			if (items[i].mark)
				doc->blocks[idx[i]].kind = (enclave_block_kind)items[i].mark;
	free(items);
	free(idx);
	return error;
}
