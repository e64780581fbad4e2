/*
 * Inter-annotator agreement: plain numbers from plain structs (no SQL, no
 * HTTP). Only the pair tables and agree_binarize allocate what the caller
 * frees.
 *
 * Classes. Cohen's kappa for two annotators, Fleiss' kappa for any number,
 * both unweighted: kappa = (P_o - P_e) / (1 - P_e).
 *
 *   - Cohen: P_o is the share of items both annotators rated on which they
 *     chose the same class; P_e = sum_k pa(k) * pb(k), each annotator's own
 *     class shares over those items.
 *   - Fleiss, with a number n_i of raters that may vary per item: items
 *     rated by fewer than 2 are skipped (counted in `skipped`);
 *     P_i = sum_j n_ij (n_ij - 1) / (n_i (n_i - 1)), P_o = the mean of P_i,
 *     p_j = sum_i n_ij / sum_i n_i over the items kept, P_e = sum_j p_j^2.
 *     With the same n for every item this is Fleiss (1971) exactly.
 *   - Multi-label answers are scored per label as binary (agree_binarize
 *     turns them into "has label l" / "has not" ratings).
 *
 * Degenerate cases, defined so that no NaN ever comes out:
 *   - P_e = 1 happens only when every rating is the same single class, which
 *     forces P_o = 1: kappa is reported as 1.0 with status AGREE_UNANIMOUS.
 *     (scikit-learn's cohen_kappa_score returns NaN there unless given
 *     replace_undefined_by; we take the value a reader expects of perfect
 *     agreement and flag it, so a dashboard can say "all one class".)
 *   - No item to score: kappa 0.0, status AGREE_EMPTY.
 *
 * Spans and boxes. F1 between two annotators' sets, symmetric:
 * F1 = 2 * matched / (na + nb); precision = matched / nb and recall =
 * matched / na with `a` taken as the reference. Both sets empty: F1,
 * precision and recall are 1.0 (they agree there is nothing); one empty and
 * not the other: 0.0.
 *
 *   - Spans, AGREE_SPAN_EXACT: same start, end and label (a multiset
 *     intersection: a span given twice by `a` matches at most two of `b`).
 *   - Spans, AGREE_SPAN_OVERLAP: same label and at least one shared code
 *     point (an empty span overlaps only an identical one), matched one to
 *     one like boxes below.
 *   - Boxes: same page, same label and IoU >= AGREE_IOU_MIN (0.5), matched
 *     one to one. AGREE_MATCH_OPTIMAL (the default, Hungarian algorithm on
 *     each connected group of candidate pairs) finds the most matches, and
 *     among those the largest total IoU; AGREE_MATCH_GREEDY takes pairs by
 *     falling IoU (as COCO-style evaluation does), which can find fewer.
 *     IoU of two boxes whose union has no area is 1 when they are the same
 *     box, 0 otherwise.
 *
 * Pair tables: for every pair of annotators (a < b by id) the figure over
 * the items both rated (kappa), or micro-averaged over those items (F1:
 * matches, na and nb summed, then F1).
 */
#ifndef ENCLAVE_LABEL_AGREEMENT_H
#define ENCLAVE_LABEL_AGREEMENT_H

#include <stddef.h>
#include <stdint.h>

/* Smallest IoU at which two boxes of the same label match. */
#define AGREE_IOU_MIN 0.5

/* A rating's label for "rated, chose no label" (multi-label answers only). */
#define AGREE_NO_LABEL SIZE_MAX

/*
 * Most raters one pair table holds, and most classes; the class table keeps
 * two counts per class per pair, so its memory is bounded by both.
 */
#define AGREE_MAX_RATERS 1000
#define AGREE_MAX_LABELS 10000
#define AGREE_MAX_PAIR_CELLS ((size_t)64 << 20)

/* Most boxes or spans on each side of one group matched optimally (O(n^3)). */
#define AGREE_MAX_MATCH_GROUP 500

enum agree_status {
	AGREE_OK = 0,        /* the formula applied */
	AGREE_UNANIMOUS = 1, /* every rating the same class: P_e = P_o = 1, kappa 1.0 */
	AGREE_EMPTY = 2      /* nothing to score: kappa 0.0 */
};

struct agree_kappa {
	double kappa;    /* never NaN, see the degenerate cases above */
	double observed; /* P_o */
	double expected; /* P_e */
	size_t items;    /* items scored */
	size_t skipped;  /* Cohen: rated by one only; Fleiss: fewer than 2 raters */
	enum agree_status status;
};

struct agree_f1 {
	size_t matched; /* pairs matched */
	size_t na, nb;  /* spans or boxes of each side */
	double precision, recall, f1;
};

/* One annotator's class on one item (multi-label: one rating per chosen class). */
struct agree_rating {
	size_t item;
	size_t rater;
	size_t label; /* < nlabels, or AGREE_NO_LABEL */
};

/* A span of code points [start, end) with a label (the caller's class index). */
struct agree_span {
	size_t start, end;
	int label;
};

/* A box on a page, in points, top-left origin (x0 <= x1, y0 <= y1). */
struct agree_box {
	int page;
	double x0, y0, x1, y1;
	int label;
};

enum agree_span_mode { AGREE_SPAN_EXACT = 0, AGREE_SPAN_OVERLAP = 1 };
enum agree_matching { AGREE_MATCH_OPTIMAL = 0, AGREE_MATCH_GREEDY = 1 };

/* One annotator's spans (or boxes) on one item; n = 0 means "annotated, found none". */
struct agree_span_set {
	size_t item;
	size_t rater;
	const struct agree_span *v;
	size_t n;
};

struct agree_box_set {
	size_t item;
	size_t rater;
	const struct agree_box *v;
	size_t n;
};

/* One pair of annotators: kappa (class tables) or f1 (span and box tables). */
struct agree_pair {
	size_t a, b;  /* rater ids, a < b */
	size_t items; /* items both rated */
	struct agree_kappa kappa;
	struct agree_f1 f1;
};

struct agree_table {
	struct agree_pair *v; /* sorted by (a, b); owned, agree_table_release frees */
	size_t n;
	size_t raters; /* distinct raters seen */
	size_t items;  /* distinct items seen */
};

/*
 * Cohen's kappa of annotators `a` and `b` over `n` items: a[i], b[i] are
 * class indices below `nlabels`, or -1 for "not rated" (the item is skipped).
 * Returns 0, or ENCLAVE_EINVALID for a class out of range.
 */
int agree_cohen(struct agree_kappa *out, const int *a, const int *b, size_t n, size_t nlabels);

/*
 * Fleiss' kappa from the classic table: counts[i * nlabels + j] raters put
 * item i in class j. Items with fewer than 2 raters are skipped.
 * Returns 0 or ENCLAVE_EINVALID (nlabels 0).
 */
int agree_fleiss_counts(struct agree_kappa *out, const unsigned *counts, size_t nitems,
                        size_t nlabels);

/*
 * Fleiss' kappa from single-label ratings (any order). Returns 0, or
 * ENCLAVE_EINVALID for a label out of range or a rater rating an item twice.
 */
int agree_fleiss(struct agree_kappa *out, const struct agree_rating *r, size_t n, size_t nlabels);

/*
 * Multi-label ratings -> single-label binary ratings for class `label`: one
 * rating per (item, rater) that appears in `r`, label 1 when the rater chose
 * `label` on the item, 0 otherwise. *out is malloc'd (free it); sorted by
 * (item, rater). Returns 0, ENCLAVE_EINVALID or ENCLAVE_ENOMEM.
 */
int agree_binarize(struct agree_rating **out, size_t *nout, const struct agree_rating *r, size_t n,
                   size_t label);

/*
 * Cohen's kappa for every pair of raters over the items both rated
 * (single-label ratings). Returns 0, ENCLAVE_EINVALID (label out of range,
 * an item rated twice by one rater), ENCLAVE_ELIMIT or ENCLAVE_ENOMEM;
 * on error *out is empty.
 */
int agree_cohen_pairs(struct agree_table *out, const struct agree_rating *r, size_t n,
                      size_t nlabels);

/* F1 between two span sets. Returns 0, ENCLAVE_EINVALID (end < start) or ENCLAVE_ENOMEM. */
int agree_span_f1(struct agree_f1 *out, const struct agree_span *a, size_t na,
                  const struct agree_span *b, size_t nb, enum agree_span_mode mode);

/*
 * F1 between two box sets. Returns 0, ENCLAVE_EINVALID (a coordinate not
 * finite, x1 < x0 or y1 < y0), ENCLAVE_ELIMIT (a candidate group larger than
 * AGREE_MAX_MATCH_GROUP under optimal matching) or ENCLAVE_ENOMEM.
 */
int agree_box_f1(struct agree_f1 *out, const struct agree_box *a, size_t na,
                 const struct agree_box *b, size_t nb, enum agree_matching matching);

/* Intersection over union of two boxes (0 on different pages); see above for empty unions. */
double agree_box_iou(const struct agree_box *a, const struct agree_box *b);

/*
 * Micro-averaged F1 for every pair of raters over the items both annotated.
 * Errors as agree_span_f1 / agree_box_f1, plus ENCLAVE_EINVALID for a rater
 * with two sets on one item and ENCLAVE_ELIMIT past AGREE_MAX_RATERS.
 */
int agree_span_pairs(struct agree_table *out, const struct agree_span_set *sets, size_t n,
                     enum agree_span_mode mode);
int agree_box_pairs(struct agree_table *out, const struct agree_box_set *sets, size_t n,
                    enum agree_matching matching);

/* Free the pairs; the table is empty afterwards. */
void agree_table_release(struct agree_table *t);

#endif
