/*
 * Unit tests of src/lib/label/agreement.c: Cohen's and Fleiss' kappa, span
 * and box F1, the pair tables.
 *
 * Expected values were computed once, independently of this code, with exact
 * fractions in Python (fractions.Fraction; the formulas of agreement.h
 * written out directly), and are noted beside each case; the literature's
 * own figure is given where there is one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "enclave.h"
#include "label/agreement.h"

#define EPS 1e-9

/* ------------------------------------------------------------------ kappa */

/*
 * Fleiss (1971) as Wikipedia's "Fleiss' kappa" article works it: 10 items,
 * 14 raters, 5 classes. Published: P-bar 0.378, P_e 0.213, kappa 0.210.
 * Exact (Python): P-bar 0.378021978021978, P_e 0.21275510204081632,
 * kappa 0.20993070442195524.
 */
static const unsigned fleiss_table[10][5] = {
	{ 0, 0, 0, 0, 14 }, { 0, 2, 6, 4, 2 }, { 0, 0, 3, 5, 6 }, { 0, 3, 9, 2, 0 },
	{ 2, 2, 8, 1, 1 },  { 7, 7, 0, 0, 0 }, { 3, 2, 6, 3, 0 }, { 2, 5, 3, 2, 2 },
	{ 6, 5, 2, 1, 0 },  { 0, 2, 2, 3, 7 },
};

static void fleiss_classic_table(void **state)
{
	struct agree_kappa k;

	(void)state;
	assert_int_equal(agree_fleiss_counts(&k, &fleiss_table[0][0], 10, 5), 0);
	assert_int_equal(k.status, AGREE_OK);
	assert_int_equal(k.items, 10);
	assert_int_equal(k.skipped, 0);
	assert_true(fabs(k.observed - 0.378021978021978) < EPS);
	assert_true(fabs(k.expected - 0.21275510204081632) < EPS);
	assert_true(fabs(k.kappa - 0.20993070442195524) < EPS);
	assert_true(fabs(k.kappa - 0.210) < 0.0005);
}

/* The same table as 140 ratings, shuffled by a stride, through agree_fleiss. */
static void fleiss_from_ratings(void **state)
{
	struct agree_rating r[140], shuffled[140];
	struct agree_kappa k;
	size_t n = 0, i;

	(void)state;
	for (size_t item = 0; item < 10; item++) {
		size_t rater = 0;
		for (size_t c = 0; c < 5; c++)
			for (unsigned q = 0; q < fleiss_table[item][c]; q++) {
				r[n].item = item;
				r[n].rater = rater++;
				r[n].label = c;
				n++;
			}
	}
	assert_int_equal(n, 140);
	for (i = 0; i < n; i++) /* 47 is prime to 140: a permutation */
		shuffled[i] = r[(i * 47) % n];
	assert_int_equal(agree_fleiss(&k, shuffled, n, 5), 0);
	assert_true(fabs(k.kappa - 0.20993070442195524) < EPS);

	/* A rater giving two classes to one item is a caller's mistake. */
	shuffled[1] = shuffled[0];
	shuffled[1].label = (shuffled[0].label + 1) % 5;
	assert_int_equal(agree_fleiss(&k, shuffled, n, 5), ENCLAVE_EINVALID);
	assert_non_null(strstr(enclave_error_last(), "two classes"));
	r[0].label = 5;
	assert_int_equal(agree_fleiss(&k, r, n, 5), ENCLAVE_EINVALID);
}

/*
 * Varying raters per item: 3, 2, 4, 1 (skipped), 3 raters over 3 classes.
 * Python: P-bar 0.625, P_e 0.3888888888888889, kappa 0.38636363636363635.
 */
static void fleiss_varying_raters(void **state)
{
	static const unsigned t[5][3] = {
		{ 2, 1, 0 }, { 0, 2, 0 }, { 1, 1, 2 }, { 0, 0, 1 }, { 3, 0, 0 },
	};
	struct agree_kappa k;

	(void)state;
	assert_int_equal(agree_fleiss_counts(&k, &t[0][0], 5, 3), 0);
	assert_int_equal(k.items, 4);
	assert_int_equal(k.skipped, 1);
	assert_true(fabs(k.observed - 0.625) < EPS);
	assert_true(fabs(k.expected - 0.3888888888888889) < EPS);
	assert_true(fabs(k.kappa - 0.38636363636363635) < EPS);
}

static void fleiss_degenerate(void **state)
{
	static const unsigned same[3][2] = { { 4, 0 }, { 2, 0 }, { 3, 0 } };
	static const unsigned alone[2][2] = { { 1, 0 }, { 0, 1 } };
	struct agree_kappa k;

	(void)state;
	/* Everyone chose class 0 everywhere: P_e = 1, reported as 1.0, flagged. */
	assert_int_equal(agree_fleiss_counts(&k, &same[0][0], 3, 2), 0);
	assert_int_equal(k.status, AGREE_UNANIMOUS);
	assert_true(k.kappa == 1.0 && !isnan(k.kappa));
	/* Only single raters: nothing to score. */
	assert_int_equal(agree_fleiss_counts(&k, &alone[0][0], 2, 2), 0);
	assert_int_equal(k.status, AGREE_EMPTY);
	assert_int_equal(k.skipped, 2);
	assert_true(k.kappa == 0.0);
	assert_int_equal(agree_fleiss(&k, NULL, 0, 2), 0);
	assert_int_equal(k.status, AGREE_EMPTY);
	assert_int_equal(agree_fleiss_counts(&k, &alone[0][0], 2, 0), ENCLAVE_EINVALID);
}

/*
 * Cohen (1960) as Wikipedia's "Cohen's kappa" article works it: 50 grant
 * proposals, yes/yes 20, A yes B no 5, A no B yes 10, no/no 15.
 * Published: p_o 0.7, p_e 0.5, kappa 0.4.
 */
static void cohen_two_by_two(void **state)
{
	int a[50], b[50];
	struct agree_kappa k;
	size_t n = 0, i;

	(void)state;
	for (i = 0; i < 20; i++, n++)
		a[n] = 0, b[n] = 0;
	for (i = 0; i < 5; i++, n++)
		a[n] = 0, b[n] = 1;
	for (i = 0; i < 10; i++, n++)
		a[n] = 1, b[n] = 0;
	for (i = 0; i < 15; i++, n++)
		a[n] = 1, b[n] = 1;
	assert_int_equal(agree_cohen(&k, a, b, n, 2), 0);
	assert_int_equal(k.status, AGREE_OK);
	assert_true(fabs(k.observed - 0.7) < EPS);
	assert_true(fabs(k.expected - 0.5) < EPS);
	assert_true(fabs(k.kappa - 0.4) < EPS);
	/* Symmetric. */
	assert_int_equal(agree_cohen(&k, b, a, n, 2), 0);
	assert_true(fabs(k.kappa - 0.4) < EPS);
}

/*
 * Three classes, two items rated by one annotator only (skipped).
 * Python: p_o 0.7, p_e 0.33, kappa 0.5522388059701493.
 */
static void cohen_three_classes_skips(void **state)
{
	static const int a[] = { 0, 1, 2, 0, 1, 2, 0, 0, 1, 2, -1, 1 };
	static const int b[] = { 0, 1, 2, 1, 1, 0, 0, 2, 1, 2, 0, -1 };
	struct agree_kappa k;

	(void)state;
	assert_int_equal(agree_cohen(&k, a, b, 12, 3), 0);
	assert_int_equal(k.items, 10);
	assert_int_equal(k.skipped, 2);
	assert_true(fabs(k.observed - 0.7) < EPS);
	assert_true(fabs(k.expected - 0.33) < EPS);
	assert_true(fabs(k.kappa - 0.5522388059701493) < EPS);
	/* Class 3 of 3 is out of range. */
	assert_int_equal(agree_cohen(&k, a, b, 12, 2), ENCLAVE_EINVALID);
	assert_non_null(strstr(enclave_error_last(), "item 2"));
}

static void cohen_degenerate(void **state)
{
	static const int all_a[] = { 1, 1, 1, 1 };
	static const int none[] = { -1, -1 };
	static const int opposite_a[] = { 0, 1, 0, 1 }, opposite_b[] = { 1, 0, 1, 0 };
	struct agree_kappa k;

	(void)state;
	/* Both annotators put every item in class 1: undefined by the formula; 1.0, flagged. */
	assert_int_equal(agree_cohen(&k, all_a, all_a, 4, 3), 0);
	assert_int_equal(k.status, AGREE_UNANIMOUS);
	assert_true(k.kappa == 1.0);
	assert_true(k.observed == 1.0 && k.expected == 1.0);
	assert_int_equal(agree_cohen(&k, none, none, 2, 2), 0);
	assert_int_equal(k.status, AGREE_EMPTY);
	assert_true(k.kappa == 0.0);
	/* Perfect disagreement on balanced classes: p_o 0, p_e 0.5, kappa -1. */
	assert_int_equal(agree_cohen(&k, opposite_a, opposite_b, 4, 2), 0);
	assert_true(fabs(k.kappa + 1.0) < EPS);
}

/*
 * Raters 7, 3 and 9 over six items, classes 0/1 (an absent rating: not rated).
 *   rater 7: 0 1 1 0 1 -      rater 3: 0 1 0 0 1 1      rater 9: 1 1 0 - 1 0
 * Python, each pair over the items both rated:
 *   (3, 7): 5 items, kappa 0.6153846153846154
 *   (3, 9): 5 items, kappa 0.16666666666666666
 *   (7, 9): 4 items, kappa -0.3333333333333333
 */
static void cohen_pair_table(void **state)
{
	static const int grid[3][6] = { { 0, 1, 1, 0, 1, -1 },
		                        { 0, 1, 0, 0, 1, 1 },
		                        { 1, 1, 0, -1, 1, 0 } };
	static const size_t ids[3] = { 7, 3, 9 };
	struct agree_rating r[18];
	struct agree_table t;
	size_t n = 0;

	(void)state;
	for (size_t item = 6; item-- > 0;) /* any order */
		for (size_t w = 0; w < 3; w++)
			if (grid[w][item] >= 0) {
				r[n].item = item;
				r[n].rater = ids[w];
				r[n].label = (size_t)grid[w][item];
				n++;
			}
	assert_int_equal(agree_cohen_pairs(&t, r, n, 2), 0);
	assert_int_equal(t.n, 3);
	assert_int_equal(t.raters, 3);
	assert_int_equal(t.items, 6);
	assert_int_equal(t.v[0].a, 3);
	assert_int_equal(t.v[0].b, 7);
	assert_int_equal(t.v[0].items, 5);
	assert_true(fabs(t.v[0].kappa.kappa - 0.6153846153846154) < EPS);
	assert_int_equal(t.v[1].a, 3);
	assert_int_equal(t.v[1].b, 9);
	assert_true(fabs(t.v[1].kappa.kappa - 0.16666666666666666) < EPS);
	assert_int_equal(t.v[2].a, 7);
	assert_int_equal(t.v[2].b, 9);
	assert_int_equal(t.v[2].items, 4);
	assert_true(fabs(t.v[2].kappa.kappa + 0.3333333333333333) < EPS);
	agree_table_release(&t);
	assert_null(t.v);

	/* Pairs that share no item are left out. */
	r[0].item = 100, r[0].rater = 1, r[0].label = 0;
	r[1].item = 101, r[1].rater = 2, r[1].label = 0;
	assert_int_equal(agree_cohen_pairs(&t, r, 2, 2), 0);
	assert_int_equal(t.n, 0);
	assert_int_equal(t.raters, 2);
	agree_table_release(&t);
}

/*
 * Multi-label answers, per label as binary. Items 0..2, raters 1..3:
 *   item 0: r1 {0, 1}, r2 {0}, r3 {1};  item 1: r1 {2}, r2 {2}, r3 {} (rated, none);
 *   item 2: r1 {0}, r2 {0, 2}.
 * Label 0 -> counts (not, has) [1,2] [3,0] [0,2]: Python kappa 0.5555555555555556.
 * Label 2 -> [3,0] [1,2] [1,1]: Python kappa -0.18518518518518517.
 */
static void multilabel_binarized(void **state)
{
	static const struct agree_rating r[] = {
		{ 0, 1, 0 },
		{ 0, 1, 1 },
		{ 0, 2, 0 },
		{ 0, 3, 1 },
		{ 1, 1, 2 },
		{ 1, 2, 2 },
		{ 1, 3, AGREE_NO_LABEL },
		{ 2, 1, 0 },
		{ 2, 2, 2 },
		{ 2, 2, 0 },
	};
	struct agree_rating *b = NULL;
	struct agree_kappa k;
	size_t nb;

	(void)state;
	assert_int_equal(agree_binarize(&b, &nb, r, sizeof(r) / sizeof(r[0]), 0), 0);
	assert_int_equal(nb, 8);
	assert_int_equal(b[0].item, 0);
	assert_int_equal(b[0].rater, 1);
	assert_int_equal(b[0].label, 1);
	assert_int_equal(b[2].label, 0); /* item 0, rater 3: only label 1 */
	assert_int_equal(agree_fleiss(&k, b, nb, 2), 0);
	assert_true(fabs(k.kappa - 0.5555555555555556) < EPS);
	free(b);
	assert_int_equal(agree_binarize(&b, &nb, r, sizeof(r) / sizeof(r[0]), 2), 0);
	assert_int_equal(agree_fleiss(&k, b, nb, 2), 0);
	assert_true(fabs(k.kappa + 0.18518518518518517) < EPS);
	free(b);
	/* The raw ratings are not single-label. */
	assert_int_equal(agree_fleiss(&k, r, sizeof(r) / sizeof(r[0]), 3), ENCLAVE_EINVALID);
}

/* ------------------------------------------------------------------ spans */

static void spans_exact_and_overlap(void **state)
{
	static const struct agree_span a[] = {
		{ 0, 5, 1 }, { 10, 15, 2 }, { 20, 25, 1 }, { 20, 25, 1 }
	};
	static const struct agree_span b[] = {
		{ 30, 35, 3 }, { 20, 25, 1 }, { 10, 14, 2 }, { 0, 5, 1 }
	};
	struct agree_f1 f;

	(void)state;
	/* Exact: (0,5) and one (20,25) match; the duplicate matches once. */
	assert_int_equal(agree_span_f1(&f, a, 4, b, 4, AGREE_SPAN_EXACT), 0);
	assert_int_equal(f.matched, 2);
	assert_true(fabs(f.f1 - 0.5) < EPS);
	assert_true(fabs(f.precision - 0.5) < EPS && fabs(f.recall - 0.5) < EPS);
	/* Overlap: (10,14) meets (10,15) as well. */
	assert_int_equal(agree_span_f1(&f, a, 4, b, 4, AGREE_SPAN_OVERLAP), 0);
	assert_int_equal(f.matched, 3);
	assert_true(fabs(f.f1 - 0.75) < EPS);
	/* Precision and recall take a as the reference: 1 of 3 vs 1 of 1. */
	assert_int_equal(agree_span_f1(&f, a, 3, b + 3, 1, AGREE_SPAN_EXACT), 0);
	assert_true(fabs(f.precision - 1.0) < EPS && fabs(f.recall - 1.0 / 3) < EPS);
	assert_true(fabs(f.f1 - 0.5) < EPS);
}

static void spans_edges(void **state)
{
	static const struct agree_span per[] = { { 0, 5, 1 } }, loc[] = { { 0, 5, 2 } };
	static const struct agree_span left[] = { { 0, 5, 1 } }, right[] = { { 5, 10, 1 } };
	static const struct agree_span empty_at3[] = { { 3, 3, 1 } };
	static const struct agree_span bad[] = { { 4, 3, 1 } };
	struct agree_f1 f;

	(void)state;
	/* Same range, other label: no match in either mode. */
	assert_int_equal(agree_span_f1(&f, per, 1, loc, 1, AGREE_SPAN_OVERLAP), 0);
	assert_int_equal(f.matched, 0);
	/* Adjacent half-open ranges share no code point. */
	assert_int_equal(agree_span_f1(&f, left, 1, right, 1, AGREE_SPAN_OVERLAP), 0);
	assert_int_equal(f.matched, 0);
	assert_true(f.f1 == 0.0);
	/* An empty span matches only itself. */
	assert_int_equal(agree_span_f1(&f, empty_at3, 1, empty_at3, 1, AGREE_SPAN_OVERLAP), 0);
	assert_int_equal(f.matched, 1);
	assert_int_equal(agree_span_f1(&f, empty_at3, 1, left, 1, AGREE_SPAN_OVERLAP), 0);
	assert_int_equal(f.matched, 0);
	/* Both sets empty: full agreement; one empty: none, and no NaN. */
	assert_int_equal(agree_span_f1(&f, NULL, 0, NULL, 0, AGREE_SPAN_EXACT), 0);
	assert_true(f.f1 == 1.0 && f.precision == 1.0 && f.recall == 1.0);
	assert_int_equal(agree_span_f1(&f, per, 1, NULL, 0, AGREE_SPAN_EXACT), 0);
	assert_true(f.f1 == 0.0 && f.precision == 0.0 && f.recall == 0.0);
	assert_int_equal(agree_span_f1(&f, NULL, 0, per, 1, AGREE_SPAN_OVERLAP), 0);
	assert_true(f.f1 == 0.0);
	assert_int_equal(agree_span_f1(&f, per, 1, bad, 1, AGREE_SPAN_EXACT), ENCLAVE_EINVALID);
	assert_non_null(strstr(enclave_error_last(), "span 0 of b"));
}

/*
 * Overlap mode matches one to one for the most pairs: a1 [0,10) meets b1
 * [0,10) and b2 [1,5); a2 [9,12) meets only b1. Taking a1-b1 first (the
 * best overlap) would leave a2 alone; the optimum is a1-b2, a2-b1.
 */
static void spans_overlap_most_pairs(void **state)
{
	static const struct agree_span a[] = { { 0, 10, 1 }, { 9, 12, 1 } };
	static const struct agree_span b[] = { { 0, 10, 1 }, { 1, 5, 1 } };
	struct agree_f1 f;

	(void)state;
	assert_int_equal(agree_span_f1(&f, a, 2, b, 2, AGREE_SPAN_OVERLAP), 0);
	assert_int_equal(f.matched, 2);
	assert_true(f.f1 == 1.0);
}

/*
 * Span pair table, micro-averaged. Item 0: r1 {(0,5,0)}, r2 {(0,5,0),
 * (6,8,1)}, r3 {} (annotated, none); item 1: r1 and r2 {(1,2,0)}.
 * (1,2): 2 items, matched 2, na 2, nb 3: F1 0.8. (1,3) and (2,3): 1 item, F1 0.
 */
static void span_pair_table(void **state)
{
	static const struct agree_span s1[] = { { 0, 5, 0 } }, s2[] = { { 0, 5, 0 }, { 6, 8, 1 } };
	static const struct agree_span s4[] = { { 1, 2, 0 } };
	const struct agree_span_set sets[] = {
		{ 1, 2, s4, 1 }, { 0, 3, NULL, 0 }, { 0, 2, s2, 2 },
		{ 1, 1, s4, 1 }, { 0, 1, s1, 1 },
	};
	struct agree_span_set dup[2];
	struct agree_table t;

	(void)state;
	assert_int_equal(agree_span_pairs(&t, sets, 5, AGREE_SPAN_EXACT), 0);
	assert_int_equal(t.n, 3);
	assert_int_equal(t.v[0].a, 1);
	assert_int_equal(t.v[0].b, 2);
	assert_int_equal(t.v[0].items, 2);
	assert_int_equal(t.v[0].f1.matched, 2);
	assert_int_equal(t.v[0].f1.na, 2);
	assert_int_equal(t.v[0].f1.nb, 3);
	assert_true(fabs(t.v[0].f1.f1 - 0.8) < EPS);
	assert_int_equal(t.v[1].b, 3);
	assert_int_equal(t.v[1].items, 1);
	assert_true(t.v[1].f1.f1 == 0.0);
	assert_true(t.v[2].a == 2 && t.v[2].b == 3 && t.v[2].f1.f1 == 0.0);
	agree_table_release(&t);

	dup[0] = sets[0];
	dup[1] = sets[0];
	assert_int_equal(agree_span_pairs(&t, dup, 2, AGREE_SPAN_EXACT), ENCLAVE_EINVALID);
	assert_non_null(strstr(enclave_error_last(), "two sets"));
	assert_null(t.v);
}

/* ------------------------------------------------------------------ boxes */

static struct agree_box box(int page, double x0, double y0, double x1, double y1, int label)
{
	struct agree_box b = { page, x0, y0, x1, y1, label };
	return b;
}

static void box_iou_edges(void **state)
{
	struct agree_box a = box(1, 0, 0, 2, 1, 0), half = box(1, 0, 0, 1, 1, 0);
	struct agree_box touch = box(1, 2, 0, 3, 1, 0), other_page = box(2, 0, 0, 2, 1, 0);
	struct agree_box dot = box(1, 5, 5, 5, 5, 0), dot2 = box(1, 5, 5, 5, 6, 0);
	struct agree_box less = box(1, 0, 0, 0.98, 1, 0), other_label = box(1, 0, 0, 2, 1, 1);
	struct agree_box quarter = box(1, 1, 0.5, 3, 1.5, 0);
	struct agree_f1 f;

	(void)state;
	assert_true(agree_box_iou(&a, &a) == 1.0);
	assert_true(agree_box_iou(&a, &half) == 0.5);
	assert_true(agree_box_iou(&a, &touch) == 0.0);
	assert_true(agree_box_iou(&a, &other_page) == 0.0);
	assert_true(agree_box_iou(&dot, &dot) == 1.0);
	assert_true(agree_box_iou(&dot, &dot2) == 0.0);
	/* Intersection 1 x 0.5 = 0.5, union 2 + 2 - 0.5 = 3.5. */
	assert_true(fabs(agree_box_iou(&a, &quarter) - 0.5 / 3.5) < EPS);

	/* IoU exactly 0.5 matches; 0.49 does not; nor another label or page. */
	assert_int_equal(agree_box_f1(&f, &a, 1, &half, 1, AGREE_MATCH_OPTIMAL), 0);
	assert_int_equal(f.matched, 1);
	assert_int_equal(agree_box_f1(&f, &a, 1, &less, 1, AGREE_MATCH_OPTIMAL), 0);
	assert_int_equal(f.matched, 0);
	assert_int_equal(agree_box_f1(&f, &a, 1, &other_label, 1, AGREE_MATCH_GREEDY), 0);
	assert_int_equal(f.matched, 0);
	assert_int_equal(agree_box_f1(&f, &a, 1, &other_page, 1, AGREE_MATCH_GREEDY), 0);
	assert_int_equal(f.matched, 0);
}

static void box_invalid(void **state)
{
	struct agree_box ok = box(1, 0, 0, 1, 1, 0), nan_box = box(1, 0, NAN, 1, 1, 0);
	struct agree_box inverted = box(1, 2, 0, 1, 1, 0);
	struct agree_f1 f;

	(void)state;
	assert_int_equal(agree_box_f1(&f, &ok, 1, &nan_box, 1, AGREE_MATCH_OPTIMAL),
	                 ENCLAVE_EINVALID);
	assert_non_null(strstr(enclave_error_last(), "box 0 of b"));
	assert_int_equal(agree_box_f1(&f, &inverted, 1, &ok, 1, AGREE_MATCH_OPTIMAL),
	                 ENCLAVE_EINVALID);
	assert_int_equal(agree_box_f1(&f, NULL, 0, NULL, 0, AGREE_MATCH_OPTIMAL), 0);
	assert_true(f.f1 == 1.0);
}

/*
 * Greedy and optimal matching differ. All boxes span y 0..10; in x:
 * b1 [5,15], a1 [6,15], b2 [8,17], a2 [2,12]. IoU (by hand):
 * a1-b1 9/10 = 0.9, a1-b2 7/11 = 0.636, a2-b1 7/13 = 0.538, a2-b2 4/15 = 0.267.
 * Greedy takes a1-b1 and leaves a2 with b2 below 0.5: 1 pair, F1 0.5.
 * Optimal: a1-b2 and a2-b1, 2 pairs, F1 1.
 */
static void box_greedy_vs_optimal(void **state)
{
	struct agree_box a[2] = { box(1, 6, 0, 15, 10, 0), box(1, 2, 0, 12, 10, 0) };
	struct agree_box b[2] = { box(1, 5, 0, 15, 10, 0), box(1, 8, 0, 17, 10, 0) };
	struct agree_f1 f;

	(void)state;
	assert_int_equal(agree_box_f1(&f, a, 2, b, 2, AGREE_MATCH_GREEDY), 0);
	assert_int_equal(f.matched, 1);
	assert_true(fabs(f.f1 - 0.5) < EPS);
	assert_int_equal(agree_box_f1(&f, a, 2, b, 2, AGREE_MATCH_OPTIMAL), 0);
	assert_int_equal(f.matched, 2);
	assert_true(f.f1 == 1.0);
}

/* A small deterministic generator (numbers from Knuth's MMIX LCG). */
static uint64_t rng_next(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return *s >> 33;
}

/* Most pairs of a bipartite graph (adjacency bit masks of b per a), by search. */
static size_t brute_max_matching(const unsigned *adj, size_t na, size_t i, unsigned used)
{
	size_t best;

	if (i == na)
		return 0;
	best = brute_max_matching(adj, na, i + 1, used);
	for (size_t j = 0; j < 16; j++)
		if ((adj[i] >> j & 1) && !(used >> j & 1)) {
			size_t m = 1 + brute_max_matching(adj, na, i + 1, used | 1u << j);
			if (m > best)
				best = m;
		}
	return best;
}

/*
 * Random sets of up to 7 boxes a side on a small grid (so that many overlap):
 * the optimal matching finds exactly the most pairs an exhaustive search
 * finds, and never fewer than greedy.
 */
static void box_optimal_is_maximum(void **state)
{
	uint64_t seed = 20261201;

	(void)state;
	for (int round = 0; round < 500; round++) {
		struct agree_box a[7], b[7];
		unsigned adj[7] = { 0 };
		size_t na = 1 + rng_next(&seed) % 7, nb = 1 + rng_next(&seed) % 7;
		struct agree_f1 fo, fg;

		for (size_t i = 0; i < na + nb; i++) {
			double x = (double)(rng_next(&seed) % 6), y = (double)(rng_next(&seed) % 3);
			double w = 2 + (double)(rng_next(&seed) % 4),
			       h = 2 + (double)(rng_next(&seed) % 3);
			struct agree_box v = box(1, x, y, x + w, y + h, (int)(rng_next(&seed) % 2));
			if (i < na)
				a[i] = v;
			else
				b[i - na] = v;
		}
		for (size_t i = 0; i < na; i++)
			for (size_t j = 0; j < nb; j++)
				if (a[i].label == b[j].label && agree_box_iou(&a[i], &b[j]) >= 0.5)
					adj[i] |= 1u << j;
		assert_int_equal(agree_box_f1(&fo, a, na, b, nb, AGREE_MATCH_OPTIMAL), 0);
		assert_int_equal(agree_box_f1(&fg, a, na, b, nb, AGREE_MATCH_GREEDY), 0);
		assert_int_equal(fo.matched, brute_max_matching(adj, na, 0, 0));
		assert_true(fg.matched <= fo.matched);
	}
}

/*
 * Random span sets (some long, some empty) in overlap mode: the matching
 * finds exactly the most pairs an exhaustive search over all pairs of the
 * same label sharing a code point (or identical and empty) finds.
 */
static void spans_overlap_is_maximum(void **state)
{
	uint64_t seed = 7;

	(void)state;
	for (int round = 0; round < 500; round++) {
		struct agree_span a[7], b[7];
		unsigned adj[7] = { 0 };
		size_t na = 1 + rng_next(&seed) % 7, nb = 1 + rng_next(&seed) % 7;
		struct agree_f1 f;

		for (size_t i = 0; i < na + nb; i++) {
			size_t start = rng_next(&seed) % 30;
			size_t len =
			    rng_next(&seed) % 4 == 0 ? rng_next(&seed) % 25 : rng_next(&seed) % 4;
			struct agree_span v = { start, start + len, (int)(rng_next(&seed) % 2) };
			if (i < na)
				a[i] = v;
			else
				b[i - na] = v;
		}
		for (size_t i = 0; i < na; i++)
			for (size_t j = 0; j < nb; j++) {
				size_t lo = a[i].start > b[j].start ? a[i].start : b[j].start;
				size_t hi = a[i].end < b[j].end ? a[i].end : b[j].end;
				int same_empty = a[i].start == a[i].end &&
				                 a[i].start == b[j].start && a[i].end == b[j].end;
				if (a[i].label == b[j].label && (hi > lo || same_empty))
					adj[i] |= 1u << j;
			}
		assert_int_equal(agree_span_f1(&f, a, na, b, nb, AGREE_SPAN_OVERLAP), 0);
		assert_int_equal(f.matched, brute_max_matching(adj, na, 0, 0));
	}
}

/* Box pair table: two raters, two pages of one item, one box each shifted. */
static void box_pair_table(void **state)
{
	struct agree_box r1[2] = { box(1, 0, 0, 10, 10, 0), box(2, 0, 0, 10, 10, 0) };
	struct agree_box r2[3] = { box(1, 1, 0, 10, 10, 0), box(2, 6, 0, 16, 10, 0),
		                   box(2, 50, 50, 60, 60, 1) };
	const struct agree_box_set sets[] = { { 4, 20, r2, 3 }, { 4, 10, r1, 2 } };
	struct agree_table t;

	(void)state;
	assert_int_equal(agree_box_pairs(&t, sets, 2, AGREE_MATCH_OPTIMAL), 0);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.v[0].a, 10);
	assert_int_equal(t.v[0].b, 20);
	/* Page 1: IoU 0.9, a match; page 2: 4 / 16 = 0.25, none. F1 = 2 / 5. */
	assert_int_equal(t.v[0].f1.matched, 1);
	assert_true(fabs(t.v[0].f1.f1 - 0.4) < EPS);
	agree_table_release(&t);
}

/* One group of candidates larger than AGREE_MAX_MATCH_GROUP: refused, not slow. */
static void box_group_limit(void **state)
{
	size_t n = AGREE_MAX_MATCH_GROUP + 1;
	struct agree_box *a = malloc(n * sizeof(*a));
	struct agree_f1 f;

	(void)state;
	assert_non_null(a);
	for (size_t i = 0; i < n; i++)
		a[i] = box(1, 0, 0, 10, 10, 0);
	assert_int_equal(agree_box_f1(&f, a, n, a, n, AGREE_MATCH_OPTIMAL), ENCLAVE_ELIMIT);
	assert_non_null(strstr(enclave_error_last(), "one group"));
	/* Greedy has no such limit. */
	assert_int_equal(agree_box_f1(&f, a, n, a, n, AGREE_MATCH_GREEDY), 0);
	assert_int_equal(f.matched, n);
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fleiss_classic_table),
		cmocka_unit_test(fleiss_from_ratings),
		cmocka_unit_test(fleiss_varying_raters),
		cmocka_unit_test(fleiss_degenerate),
		cmocka_unit_test(cohen_two_by_two),
		cmocka_unit_test(cohen_three_classes_skips),
		cmocka_unit_test(cohen_degenerate),
		cmocka_unit_test(cohen_pair_table),
		cmocka_unit_test(multilabel_binarized),
		cmocka_unit_test(spans_exact_and_overlap),
		cmocka_unit_test(spans_edges),
		cmocka_unit_test(spans_overlap_most_pairs),
		cmocka_unit_test(span_pair_table),
		cmocka_unit_test(box_iou_edges),
		cmocka_unit_test(box_invalid),
		cmocka_unit_test(box_greedy_vs_optimal),
		cmocka_unit_test(box_optimal_is_maximum),
		cmocka_unit_test(spans_overlap_is_maximum),
		cmocka_unit_test(box_pair_table),
		cmocka_unit_test(box_group_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
