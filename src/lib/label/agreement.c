/*
 * Inter-annotator agreement: Cohen's and Fleiss' kappa, span and box F1,
 * pair tables. The definitions, and the degenerate cases, are in
 * agreement.h.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common_int.h"
#include "label/agreement.h"

/* ------------------------------------------------------------------ kappa */

/*
 * Fill in kappa from P_o, P_e and the item count. `classes_used` is the
 * number of distinct classes among all ratings counted: 1 means P_e = 1
 * exactly, decided by counting rather than by comparing doubles.
 */
static void kappa_finish(struct agree_kappa *out, double po, double pe, size_t items,
                         size_t classes_used)
{
	out->items = items;
	out->observed = items ? po : 0.0;
	out->expected = items ? pe : 0.0;
	if (!items) {
		out->kappa = 0.0;
		out->status = AGREE_EMPTY;
	} else if (classes_used <= 1) {
		out->observed = out->expected = 1.0;
		out->kappa = 1.0;
		out->status = AGREE_UNANIMOUS;
	} else {
		out->kappa = (po - pe) / (1.0 - pe);
		out->status = AGREE_OK;
	}
}

int agree_cohen(struct agree_kappa *out, const int *a, const int *b, size_t n, size_t nlabels)
{
	size_t *ca = NULL, *cb = NULL, i, items = 0, agree = 0, used = 0;
	double pe = 0.0;

	memset(out, 0, sizeof(*out));
	if (nlabels == 0 || nlabels > AGREE_MAX_LABELS)
		return error_set(ENCLAVE_EINVALID, "agreement: %zu classes (1 to %d)", nlabels,
		                 AGREE_MAX_LABELS);
	for (i = 0; i < n; i++) {
		if (a[i] < -1 || b[i] < -1 || a[i] >= (int)nlabels || b[i] >= (int)nlabels)
			return error_set(ENCLAVE_EINVALID,
			                 "agreement: item %zu: class %d or %d not in 0..%zu", i,
			                 a[i], b[i], nlabels - 1);
	}
	if (!(ca = calloc(nlabels, sizeof(*ca))) || !(cb = calloc(nlabels, sizeof(*cb)))) {
		free(ca);
		return error_oom();
	}
	for (i = 0; i < n; i++) {
		if (a[i] < 0 || b[i] < 0) {
			out->skipped++;
			continue;
		}
		items++;
		agree += a[i] == b[i];
		ca[a[i]]++;
		cb[b[i]]++;
	}
	for (i = 0; i < nlabels; i++) {
		used += ca[i] || cb[i];
		if (items)
			pe += ((double)ca[i] / (double)items) * ((double)cb[i] / (double)items);
	}
	kappa_finish(out, items ? (double)agree / (double)items : 0.0, pe, items, used);
	free(ca);
	free(cb);
	return 0;
}

/* Fleiss' sums, built an item at a time. */
struct fleiss_acc {
	double psum;    /* sum of P_i over the items kept */
	size_t *totals; /* per class: raters who chose it, over the items kept */
	size_t raters;  /* sum of n_i over the items kept */
	size_t items;   /* items kept */
	size_t skipped; /* items with fewer than 2 raters */
	size_t nlabels;
};

/* Add one item: `pairs` = sum_j n_ij (n_ij - 1), `ni` its raters. */
static void fleiss_item(struct fleiss_acc *f, double pairs, size_t ni)
{
	if (ni < 2) {
		f->skipped++;
		return;
	}
	f->psum += pairs / ((double)ni * (double)(ni - 1));
	f->raters += ni;
	f->items++;
}

/* Kappa from the sums. */
static void fleiss_finish(struct agree_kappa *out, const struct fleiss_acc *f)
{
	double pe = 0.0;
	size_t j, used = 0;

	for (j = 0; j < f->nlabels; j++) {
		double p = f->raters ? (double)f->totals[j] / (double)f->raters : 0.0;
		used += f->totals[j] > 0;
		pe += p * p;
	}
	kappa_finish(out, f->items ? f->psum / (double)f->items : 0.0, pe, f->items, used);
	out->skipped = f->skipped;
}

int agree_fleiss_counts(struct agree_kappa *out, const unsigned *counts, size_t nitems,
                        size_t nlabels)
{
	struct fleiss_acc f = { 0 };
	size_t i, j;

	memset(out, 0, sizeof(*out));
	if (nlabels == 0 || nlabels > AGREE_MAX_LABELS)
		return error_set(ENCLAVE_EINVALID, "agreement: %zu classes (1 to %d)", nlabels,
		                 AGREE_MAX_LABELS);
	if (!(f.totals = calloc(nlabels, sizeof(*f.totals))))
		return error_oom();
	f.nlabels = nlabels;
	for (i = 0; i < nitems; i++) {
		const unsigned *row = counts + i * nlabels;
		double pairs = 0.0;
		size_t ni = 0;

		for (j = 0; j < nlabels; j++) {
			ni += row[j];
			pairs += (double)row[j] * ((double)row[j] - 1.0);
		}
		fleiss_item(&f, pairs, ni);
		if (ni >= 2)
			for (j = 0; j < nlabels; j++)
				f.totals[j] += row[j];
	}
	fleiss_finish(out, &f);
	free(f.totals);
	return 0;
}

/* qsort: ratings by item, then rater, then label. */
static int cmp_rating(const void *x, const void *y)
{
	const struct agree_rating *a = x, *b = y;

	if (a->item != b->item)
		return a->item < b->item ? -1 : 1;
	if (a->rater != b->rater)
		return a->rater < b->rater ? -1 : 1;
	if (a->label != b->label)
		return a->label < b->label ? -1 : 1;
	return 0;
}

/* A sorted copy of `n` ratings in *out (NULL when n is 0). Returns 0 or ENCLAVE_ENOMEM. */
static int sorted_ratings(struct agree_rating **out, const struct agree_rating *r, size_t n)
{
	*out = NULL;
	if (!n)
		return 0;
	if (!(*out = malloc(n * sizeof(**out))))
		return error_oom();
	memcpy(*out, r, n * sizeof(**out));
	qsort(*out, n, sizeof(**out), cmp_rating);
	return 0;
}

/*
 * Check sorted single-label ratings: labels in range, no (item, rater) twice.
 * Returns 0 or ENCLAVE_EINVALID.
 */
static int check_single(const struct agree_rating *s, size_t n, size_t nlabels)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i].label >= nlabels)
			return error_set(ENCLAVE_EINVALID,
			                 "agreement: item %zu, rater %zu: class %zu not in 0..%zu",
			                 s[i].item, s[i].rater, s[i].label, nlabels - 1);
		if (i && s[i].item == s[i - 1].item && s[i].rater == s[i - 1].rater)
			return error_set(ENCLAVE_EINVALID,
			                 "agreement: item %zu: rater %zu gives two classes "
			                 "(multi-label answers go through agree_binarize)",
			                 s[i].item, s[i].rater);
	}
	return 0;
}

int agree_fleiss(struct agree_kappa *out, const struct agree_rating *r, size_t n, size_t nlabels)
{
	struct fleiss_acc f = { 0 };
	struct agree_rating *s = NULL;
	size_t *row = NULL, i, k;
	int error;

	memset(out, 0, sizeof(*out));
	if (nlabels == 0 || nlabels > AGREE_MAX_LABELS)
		return error_set(ENCLAVE_EINVALID, "agreement: %zu classes (1 to %d)", nlabels,
		                 AGREE_MAX_LABELS);
	if ((error = sorted_ratings(&s, r, n)) < 0)
		return error;
	if ((error = check_single(s, n, nlabels)) < 0)
		goto done;
	if (!(f.totals = calloc(nlabels, sizeof(*f.totals))) ||
	    !(row = calloc(nlabels, sizeof(*row)))) {
		error = error_oom();
		goto done;
	}
	f.nlabels = nlabels;
	for (i = 0; i < n; i = k) {
		double pairs = 0.0;
		size_t ni;

		for (k = i; k < n && s[k].item == s[i].item; k++)
			row[s[k].label]++;
		ni = k - i;
		/* Each class of the item once: add its pairs and clear its count. */
		for (size_t q = i; q < k; q++) {
			size_t c = row[s[q].label];
			if (!c)
				continue;
			pairs += (double)c * ((double)c - 1.0);
			if (ni >= 2)
				f.totals[s[q].label] += c;
			row[s[q].label] = 0;
		}
		fleiss_item(&f, pairs, ni);
	}
	fleiss_finish(out, &f);
done:
	free(s);
	free(row);
	free(f.totals);
	return error;
}

int agree_binarize(struct agree_rating **out, size_t *nout, const struct agree_rating *r, size_t n,
                   size_t label)
{
	struct agree_rating *s = NULL, *v = NULL;
	size_t i, k, m = 0;
	int error;

	*out = NULL;
	*nout = 0;
	if (label == AGREE_NO_LABEL)
		return error_set(ENCLAVE_EINVALID, "agreement: no class to binarize on");
	if ((error = sorted_ratings(&s, r, n)) < 0 || !n)
		return error;
	if (!(v = malloc(n * sizeof(*v)))) {
		free(s);
		return error_oom();
	}
	for (i = 0; i < n; i = k) {
		int has = 0;
		for (k = i; k < n && s[k].item == s[i].item && s[k].rater == s[i].rater; k++)
			has |= s[k].label == label;
		v[m].item = s[i].item;
		v[m].rater = s[i].rater;
		v[m].label = has ? 1 : 0;
		m++;
	}
	free(s);
	*out = v;
	*nout = m;
	return 0;
}

/* ------------------------------------------------------------------ pair tables */

/* qsort / bsearch on size_t. */
static int cmp_size(const void *x, const void *y)
{
	size_t a = *(const size_t *)x, b = *(const size_t *)y;

	return a < b ? -1 : a > b;
}

/* The distinct raters of a table, sorted; a rater's index is its place here. */
struct raters {
	size_t *id;
	size_t n;
};

/*
 * Set `r` to the distinct values among `ids` (n of them; reordered).
 * Returns 0 or ENCLAVE_ELIMIT past AGREE_MAX_RATERS.
 */
static int raters_from(struct raters *r, size_t *ids, size_t n)
{
	size_t i, m = 0;

	if (n)
		qsort(ids, n, sizeof(*ids), cmp_size);
	for (i = 0; i < n; i++)
		if (!m || ids[m - 1] != ids[i])
			ids[m++] = ids[i];
	r->id = ids;
	r->n = m;
	if (m > AGREE_MAX_RATERS)
		return error_set(ENCLAVE_ELIMIT, "agreement: %zu annotators (at most %d)", m,
		                 AGREE_MAX_RATERS);
	return 0;
}

/* Index of rater `id`, which is in `r`. */
static size_t rater_index(const struct raters *r, size_t id)
{
	const size_t *p = bsearch(&id, r->id, r->n, sizeof(*r->id), cmp_size);

	return (size_t)(p - r->id);
}

/* Index of the pair of rater indices i < j among the n (n - 1) / 2 pairs. */
static size_t pair_index(size_t n, size_t i, size_t j)
{
	return i * (2 * n - i - 1) / 2 + (j - i - 1);
}

/*
 * Allocate the pairs of `r` in `t`, with their rater ids set. Returns 0 or
 * ENCLAVE_ENOMEM.
 */
static int table_alloc(struct agree_table *t, const struct raters *r)
{
	size_t np = r->n ? r->n * (r->n - 1) / 2 : 0, i, j;

	t->v = NULL;
	t->n = np;
	t->raters = r->n;
	if (!np)
		return 0;
	if (!(t->v = calloc(np, sizeof(*t->v))))
		return error_oom();
	for (i = 0; i < r->n; i++)
		for (j = i + 1; j < r->n; j++) {
			t->v[pair_index(r->n, i, j)].a = r->id[i];
			t->v[pair_index(r->n, i, j)].b = r->id[j];
		}
	return 0;
}

/* Drop the pairs that share no item, keeping the order. */
static void table_compact(struct agree_table *t)
{
	size_t i, m = 0;

	for (i = 0; i < t->n; i++)
		if (t->v[i].items)
			t->v[m++] = t->v[i];
	t->n = m;
	if (!m) {
		free(t->v);
		t->v = NULL;
	}
}

void agree_table_release(struct agree_table *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}

int agree_cohen_pairs(struct agree_table *out, const struct agree_rating *r, size_t n,
                      size_t nlabels)
{
	struct agree_rating *s = NULL;
	struct raters rs = { 0 };
	size_t *ids = NULL, *agree = NULL, *counts = NULL, i, k, p;
	int error;

	memset(out, 0, sizeof(*out));
	if (nlabels == 0 || nlabels > AGREE_MAX_LABELS)
		return error_set(ENCLAVE_EINVALID, "agreement: %zu classes (1 to %d)", nlabels,
		                 AGREE_MAX_LABELS);
	if ((error = sorted_ratings(&s, r, n)) < 0)
		return error;
	if ((error = check_single(s, n, nlabels)) < 0)
		goto done;
	if (n && !(ids = malloc(n * sizeof(*ids)))) {
		error = error_oom();
		goto done;
	}
	for (i = 0; i < n; i++)
		ids[i] = s[i].rater;
	if ((error = raters_from(&rs, ids, n)) < 0 || (error = table_alloc(out, &rs)) < 0)
		goto done;
	/* At most AGREE_MAX_RATERS^2 / 2 pairs times AGREE_MAX_LABELS: no overflow. */
	if (out->n * 2 * nlabels > AGREE_MAX_PAIR_CELLS) {
		error =
		    error_set(ENCLAVE_ELIMIT,
		              "agreement: %zu annotators and %zu classes make too large a table",
		              rs.n, nlabels);
		goto done;
	}
	/* Per pair: agreements, and each side's class counts (a's then b's). */
	if (out->n && (!(agree = calloc(out->n, sizeof(*agree))) ||
	               !(counts = calloc(out->n * 2 * nlabels, sizeof(*counts))))) {
		error = error_oom();
		goto done;
	}
	for (i = 0; i < n; i = k) {
		for (k = i; k < n && s[k].item == s[i].item; k++)
			;
		out->items++;
		/* Ratings of one item are sorted by rater, so x < y means rater index x < y. */
		for (size_t x = i; x < k; x++)
			for (size_t y = x + 1; y < k; y++) {
				size_t ix = rater_index(&rs, s[x].rater),
				       iy = rater_index(&rs, s[y].rater);
				p = pair_index(rs.n, ix, iy);
				out->v[p].items++;
				agree[p] += s[x].label == s[y].label;
				counts[p * 2 * nlabels + s[x].label]++;
				counts[p * 2 * nlabels + nlabels + s[y].label]++;
			}
	}
	for (p = 0; p < out->n; p++) {
		struct agree_pair *v = &out->v[p];
		const size_t *ca = counts + p * 2 * nlabels, *cb = ca + nlabels;
		double pe = 0.0, m = (double)v->items;
		size_t used = 0;

		if (!v->items)
			continue;
		for (size_t c = 0; c < nlabels; c++) {
			used += ca[c] || cb[c];
			pe += ((double)ca[c] / m) * ((double)cb[c] / m);
		}
		kappa_finish(&v->kappa, (double)agree[p] / m, pe, v->items, used);
	}
	table_compact(out);
done:
	if (error < 0)
		agree_table_release(out);
	free(s);
	free(ids);
	free(agree);
	free(counts);
	return error;
}

/* ------------------------------------------------------------------ F1 */

/* Fill in precision, recall and F1 from the counts (definitions in agreement.h). */
static void f1_finish(struct agree_f1 *f)
{
	if (f->na + f->nb == 0) {
		f->precision = f->recall = f->f1 = 1.0;
		return;
	}
	f->f1 = 2.0 * (double)f->matched / (double)(f->na + f->nb);
	f->precision = f->nb ? (double)f->matched / (double)f->nb : 0.0;
	f->recall = f->na ? (double)f->matched / (double)f->na : 0.0;
}

/* qsort: spans by start, end, label. */
static int cmp_span(const void *x, const void *y)
{
	const struct agree_span *a = x, *b = y;

	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	if (a->end != b->end)
		return a->end < b->end ? -1 : 1;
	return (a->label > b->label) - (a->label < b->label);
}

/* Check that every span of `v` has start <= end. Returns 0 or ENCLAVE_EINVALID. */
static int check_spans(const struct agree_span *v, size_t n, char side)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].end < v[i].start)
			return error_set(ENCLAVE_EINVALID,
			                 "agreement: span %zu of %c ends (%zu) "
			                 "before it starts (%zu)",
			                 i, side, v[i].end, v[i].start);
	return 0;
}

/* Check that every box of `v` is finite and ordered. Returns 0 or ENCLAVE_EINVALID. */
static int check_boxes(const struct agree_box *v, size_t n, char side)
{
	for (size_t i = 0; i < n; i++) {
		const struct agree_box *b = &v[i];
		if (!isfinite(b->x0) || !isfinite(b->y0) || !isfinite(b->x1) || !isfinite(b->y1))
			return error_set(ENCLAVE_EINVALID,
			                 "agreement: box %zu of %c: a coordinate "
			                 "is not finite",
			                 i, side);
		if (b->x1 < b->x0 || b->y1 < b->y0)
			return error_set(ENCLAVE_EINVALID,
			                 "agreement: box %zu of %c: x1 < x0 or y1 < y0", i, side);
	}
	return 0;
}

/* Count the exact matches of two span multisets. Returns 0 or ENCLAVE_ENOMEM. */
static int spans_exact(size_t *matched, const struct agree_span *a, size_t na,
                       const struct agree_span *b, size_t nb)
{
	struct agree_span *sa = NULL, *sb = NULL;
	size_t i = 0, j = 0;

	*matched = 0;
	if (!na || !nb)
		return 0;
	if (!(sa = malloc(na * sizeof(*sa))) || !(sb = malloc(nb * sizeof(*sb)))) {
		free(sa);
		return error_oom();
	}
	memcpy(sa, a, na * sizeof(*sa));
	memcpy(sb, b, nb * sizeof(*sb));
	qsort(sa, na, sizeof(*sa), cmp_span);
	qsort(sb, nb, sizeof(*sb), cmp_span);
	while (i < na && j < nb) {
		int c = cmp_span(&sa[i], &sb[j]);
		if (c == 0) {
			(*matched)++;
			i++;
			j++;
		} else if (c < 0) {
			i++;
		} else {
			j++;
		}
	}
	free(sa);
	free(sb);
	return 0;
}

/* A candidate pair for one-to-one matching: a's i, b's j, and its IoU. */
struct edge {
	size_t i, j;
	double iou;
};

/* The candidate pairs of two sets, built by the span or box rule. */
struct edges {
	struct edge *v;
	size_t n, cap;
};

/* Append a candidate. Returns 0 or ENCLAVE_ENOMEM. */
static int edges_add(struct edges *e, size_t i, size_t j, double iou)
{
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 16;
		struct edge *v = realloc(e->v, cap * sizeof(*v));
		if (!v)
			return error_oom();
		e->v = v;
		e->cap = cap;
	}
	e->v[e->n].i = i;
	e->v[e->n].j = j;
	e->v[e->n].iou = iou;
	e->n++;
	return 0;
}

/* qsort: edges by falling IoU, then by i, then j (a fixed order for ties). */
static int cmp_edge_greedy(const void *x, const void *y)
{
	const struct edge *a = x, *b = y;

	if (a->iou != b->iou)
		return a->iou > b->iou ? -1 : 1;
	if (a->i != b->i)
		return a->i < b->i ? -1 : 1;
	return (a->j > b->j) - (a->j < b->j);
}

/* Greedy one-to-one matching: pairs by falling IoU. Returns 0 or ENCLAVE_ENOMEM. */
static int match_greedy(size_t *matched, struct edges *e, size_t na, size_t nb)
{
	unsigned char *ua = calloc(na ? na : 1, 1), *ub = calloc(nb ? nb : 1, 1);

	*matched = 0;
	if (!ua || !ub) {
		free(ua);
		free(ub);
		return error_oom();
	}
	if (e->n)
		qsort(e->v, e->n, sizeof(*e->v), cmp_edge_greedy);
	for (size_t k = 0; k < e->n; k++) {
		if (ua[e->v[k].i] || ub[e->v[k].j])
			continue;
		ua[e->v[k].i] = ub[e->v[k].j] = 1;
		(*matched)++;
	}
	free(ua);
	free(ub);
	return 0;
}

/* Union-find over a's nodes 0..na-1 and b's na..na+nb-1. */
static size_t uf_find(size_t *parent, size_t x)
{
	while (parent[x] != x)
		x = parent[x] = parent[parent[x]];
	return x;
}

/*
 * The Hungarian algorithm (Kuhn-Munkres with potentials, O(n^2 m)) on a
 * dense n x m cost matrix, n <= m, row-major. Sets col_of_row[r] to the
 * column given to row r. Returns 0 or ENCLAVE_ENOMEM.
 */
static int hungarian(size_t *col_of_row, const double *cost, size_t n, size_t m)
{
	double *u = calloc(n + 1, sizeof(*u)), *v = calloc(m + 1, sizeof(*v));
	double *minv = malloc((m + 1) * sizeof(*minv));
	size_t *p = calloc(m + 1, sizeof(*p)), *way = calloc(m + 1, sizeof(*way));
	unsigned char *used = malloc(m + 1);
	int error = 0;

	if (!u || !v || !minv || !p || !way || !used) {
		error = error_oom();
		goto done;
	}
	for (size_t i = 1; i <= n; i++) {
		size_t j0 = 0, j1 = 0;

		p[0] = i;
		for (size_t j = 0; j <= m; j++) {
			minv[j] = INFINITY;
			used[j] = 0;
		}
		do {
			size_t i0 = p[j0];
			double delta = INFINITY;

			used[j0] = 1;
			for (size_t j = 1; j <= m; j++) {
				if (used[j])
					continue;
				double cur = cost[(i0 - 1) * m + (j - 1)] - u[i0] - v[j];
				if (cur < minv[j]) {
					minv[j] = cur;
					way[j] = j0;
				}
				if (minv[j] < delta) {
					delta = minv[j];
					j1 = j;
				}
			}
			for (size_t j = 0; j <= m; j++) {
				if (used[j]) {
					u[p[j]] += delta;
					v[j] -= delta;
				} else {
					minv[j] -= delta;
				}
			}
			j0 = j1;
		} while (p[j0] != 0);
		do {
			j1 = way[j0];
			p[j0] = p[j1];
			j0 = j1;
		} while (j0);
	}
	for (size_t j = 1; j <= m; j++)
		if (p[j])
			col_of_row[p[j] - 1] = j - 1;
done:
	free(u);
	free(v);
	free(minv);
	free(p);
	free(way);
	free(used);
	return error;
}

/* A node of the candidate graph (a's i is i, b's j is na + j) with its group. */
struct node {
	size_t root, id;
};

static int cmp_node(const void *x, const void *y)
{
	const struct node *a = x, *b = y;

	if (a->root != b->root)
		return a->root < b->root ? -1 : 1;
	return (a->id > b->id) - (a->id < b->id);
}

/* An edge with the group it belongs to. */
struct gedge {
	size_t root;
	const struct edge *e;
};

static int cmp_gedge(const void *x, const void *y)
{
	const struct gedge *a = x, *b = y;

	return (a->root > b->root) - (a->root < b->root);
}

/*
 * Optimal one-to-one matching: the most pairs, and among those the largest
 * total IoU. Candidates fall into connected groups (union-find), each solved
 * by the Hungarian algorithm with weight 1 + IoU / (k + 1) per candidate
 * (k = the group's smaller side, so that one more pair outweighs any
 * difference in total IoU) and 0 for a non-candidate; a group of one pair
 * is matched directly. Returns 0, ENCLAVE_ELIMIT or ENCLAVE_ENOMEM.
 */
static int match_optimal(size_t *matched, const struct edges *e, size_t na, size_t nb)
{
	size_t *parent = NULL, *pos = NULL, *col = NULL, nn = na + nb, k, nk = 0, g, h;
	struct node *nodes = NULL;
	struct gedge *ge = NULL;
	double *cost = NULL;
	int error = 0;

	*matched = 0;
	if (!e->n)
		return 0;
	if (!(parent = malloc(nn * sizeof(*parent))) || !(pos = malloc(nn * sizeof(*pos))) ||
	    !(nodes = malloc(nn * sizeof(*nodes))) || !(ge = malloc(e->n * sizeof(*ge)))) {
		error = error_oom();
		goto done;
	}
	for (k = 0; k < nn; k++)
		parent[k] = k;
	for (k = 0; k < e->n; k++) {
		size_t x = uf_find(parent, e->v[k].i), y = uf_find(parent, na + e->v[k].j);
		if (x != y)
			parent[x] = y;
	}
	/* Nodes and edges sorted by group; a's nodes before b's within one. */
	for (k = 0; k < nn; k++) {
		nodes[nk].root = uf_find(parent, k);
		nodes[nk].id = k;
		nk++;
	}
	qsort(nodes, nk, sizeof(*nodes), cmp_node);
	for (k = 0; k < e->n; k++) {
		ge[k].root = uf_find(parent, e->v[k].i);
		ge[k].e = &e->v[k];
	}
	qsort(ge, e->n, sizeof(*ge), cmp_gedge);
	for (g = 0, h = 0; g < e->n; g = h) {
		size_t root = ge[g].root, ga = 0, gb = 0, rows, cols, q, first;
		int flip;

		for (h = g; h < e->n && ge[h].root == root; h++)
			;
		if (h - g == 1) {
			(*matched)++;
			continue;
		}
		/* The group's members, and their places in it (nodes are sorted by root). */
		first = 0;
		{
			size_t lo = 0, hi = nk;
			while (lo < hi) {
				size_t mid = lo + (hi - lo) / 2;
				if (nodes[mid].root < root)
					lo = mid + 1;
				else
					hi = mid;
			}
			first = lo;
		}
		for (q = first; q < nk && nodes[q].root == root; q++)
			pos[nodes[q].id] = nodes[q].id < na ? ga++ : gb++;
		if (ga > AGREE_MAX_MATCH_GROUP || gb > AGREE_MAX_MATCH_GROUP) {
			error = error_set(ENCLAVE_ELIMIT,
			                  "agreement: %zu x %zu overlapping items to match in one "
			                  "group (at most %d a side)",
			                  ga, gb, AGREE_MAX_MATCH_GROUP);
			goto done;
		}
		flip = ga > gb; /* the algorithm wants rows <= columns */
		rows = flip ? gb : ga;
		cols = flip ? ga : gb;
		free(cost);
		free(col);
		col = NULL;
		if (!(cost = calloc(rows * cols, sizeof(*cost))) ||
		    !(col = malloc(rows * sizeof(*col)))) {
			error = error_oom();
			goto done;
		}
		for (q = g; q < h; q++) {
			const struct edge *d = ge[q].e;
			size_t r = flip ? pos[na + d->j] : pos[d->i];
			size_t c = flip ? pos[d->i] : pos[na + d->j];
			cost[r * cols + c] = -(1.0 + d->iou / (double)(rows + 1));
		}
		if ((error = hungarian(col, cost, rows, cols)) < 0)
			goto done;
		for (q = 0; q < rows; q++)
			*matched += cost[q * cols + col[q]] < 0;
	}
done:
	free(parent);
	free(pos);
	free(nodes);
	free(ge);
	free(cost);
	free(col);
	return error;
}

/* Shared code points of two spans over their union; 1 for two identical empty spans. */
static double span_iou(const struct agree_span *a, const struct agree_span *b)
{
	size_t lo = a->start > b->start ? a->start : b->start;
	size_t hi = a->end < b->end ? a->end : b->end;
	size_t ulo = a->start < b->start ? a->start : b->start;
	size_t uhi = a->end > b->end ? a->end : b->end;

	if (uhi == ulo)
		return a->start == b->start && a->end == b->end ? 1.0 : 0.0;
	return hi > lo ? (double)(hi - lo) / (double)(uhi - ulo) : 0.0;
}

double agree_box_iou(const struct agree_box *a, const struct agree_box *b)
{
	double ix, iy, inter, uni;

	if (a->page != b->page)
		return 0.0;
	ix = fmin(a->x1, b->x1) - fmax(a->x0, b->x0);
	iy = fmin(a->y1, b->y1) - fmax(a->y0, b->y0);
	inter = ix > 0 && iy > 0 ? ix * iy : 0.0;
	uni = (a->x1 - a->x0) * (a->y1 - a->y0) + (b->x1 - b->x0) * (b->y1 - b->y0) - inter;
	if (!(uni > 0))
		return a->x0 == b->x0 && a->y0 == b->y0 && a->x1 == b->x1 && a->y1 == b->y1 ? 1.0
		                                                                            : 0.0;
	return inter / uni;
}

/* Match `e` by `matching` into *matched; frees the edges. */
static int match_edges(size_t *matched, struct edges *e, size_t na, size_t nb,
                       enum agree_matching matching)
{
	int error = matching == AGREE_MATCH_GREEDY ? match_greedy(matched, e, na, nb)
	                                           : match_optimal(matched, e, na, nb);
	free(e->v);
	memset(e, 0, sizeof(*e));
	return error;
}

/*
 * The candidate scan sorts b (through an index, so that b keeps its
 * numbering) by where it starts, and for each of a looks only at those of b
 * that start no earlier than a's start minus b's longest extent, and no
 * later than a's end: near-linear when spans or boxes are short against the
 * document, as they are.
 */
struct sort_key {
	int page;     /* boxes; 0 for spans */
	double start; /* span start, box x0 */
	size_t j;     /* index in b */
};

static int cmp_sort_key(const void *x, const void *y)
{
	const struct sort_key *a = x, *b = y;

	if (a->page != b->page)
		return a->page < b->page ? -1 : 1;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return (a->j > b->j) - (a->j < b->j);
}

/* First key at or after (page, start). */
static size_t key_lower_bound(const struct sort_key *k, size_t n, int page, double start)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (k[mid].page < page || (k[mid].page == page && k[mid].start < start))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Matched spans of `a` and `b` under `mode` (checked already). */
static int spans_matched(size_t *matched, const struct agree_span *a, size_t na,
                         const struct agree_span *b, size_t nb, enum agree_span_mode mode)
{
	struct edges e = { 0 };
	struct sort_key *k;
	size_t longest = 0;
	int error = 0;

	*matched = 0;
	if (mode == AGREE_SPAN_EXACT)
		return spans_exact(matched, a, na, b, nb);
	if (!na || !nb)
		return 0;
	if (!(k = malloc(nb * sizeof(*k))))
		return error_oom();
	for (size_t j = 0; j < nb; j++) {
		k[j].page = 0;
		k[j].start = (double)b[j].start;
		k[j].j = j;
		if (b[j].end - b[j].start > longest)
			longest = b[j].end - b[j].start;
	}
	qsort(k, nb, sizeof(*k), cmp_sort_key);
	for (size_t i = 0; i < na && !error; i++) {
		double from = (double)a[i].start - (double)longest;
		for (size_t q = key_lower_bound(k, nb, 0, from);
		     q < nb && k[q].start <= (double)a[i].end; q++) {
			size_t j = k[q].j;
			double iou;
			if (a[i].label != b[j].label || (iou = span_iou(&a[i], &b[j])) <= 0)
				continue;
			if ((error = edges_add(&e, i, j, iou)) < 0)
				break;
		}
	}
	free(k);
	if (error < 0) {
		free(e.v);
		return error;
	}
	return match_edges(matched, &e, na, nb, AGREE_MATCH_OPTIMAL);
}

/* Matched boxes of `a` and `b` (checked already). */
static int boxes_matched(size_t *matched, const struct agree_box *a, size_t na,
                         const struct agree_box *b, size_t nb, enum agree_matching matching)
{
	struct edges e = { 0 };
	struct sort_key *k;
	double widest = 0.0;
	int error = 0;

	*matched = 0;
	if (!na || !nb)
		return 0;
	if (!(k = malloc(nb * sizeof(*k))))
		return error_oom();
	for (size_t j = 0; j < nb; j++) {
		k[j].page = b[j].page;
		k[j].start = b[j].x0;
		k[j].j = j;
		widest = fmax(widest, b[j].x1 - b[j].x0);
	}
	qsort(k, nb, sizeof(*k), cmp_sort_key);
	for (size_t i = 0; i < na && !error; i++) {
		for (size_t q = key_lower_bound(k, nb, a[i].page, a[i].x0 - widest);
		     q < nb && k[q].page == a[i].page && k[q].start <= a[i].x1; q++) {
			size_t j = k[q].j;
			double iou;
			if (a[i].label != b[j].label ||
			    (iou = agree_box_iou(&a[i], &b[j])) < AGREE_IOU_MIN)
				continue;
			if ((error = edges_add(&e, i, j, iou)) < 0)
				break;
		}
	}
	free(k);
	if (error < 0) {
		free(e.v);
		return error;
	}
	return match_edges(matched, &e, na, nb, matching);
}

int agree_span_f1(struct agree_f1 *out, const struct agree_span *a, size_t na,
                  const struct agree_span *b, size_t nb, enum agree_span_mode mode)
{
	int error;

	memset(out, 0, sizeof(*out));
	if ((error = check_spans(a, na, 'a')) < 0 || (error = check_spans(b, nb, 'b')) < 0 ||
	    (error = spans_matched(&out->matched, a, na, b, nb, mode)) < 0)
		return error;
	out->na = na;
	out->nb = nb;
	f1_finish(out);
	return 0;
}

int agree_box_f1(struct agree_f1 *out, const struct agree_box *a, size_t na,
                 const struct agree_box *b, size_t nb, enum agree_matching matching)
{
	int error;

	memset(out, 0, sizeof(*out));
	if ((error = check_boxes(a, na, 'a')) < 0 || (error = check_boxes(b, nb, 'b')) < 0 ||
	    (error = boxes_matched(&out->matched, a, na, b, nb, matching)) < 0)
		return error;
	out->na = na;
	out->nb = nb;
	f1_finish(out);
	return 0;
}

/* ------------------------------------------------------------------ F1 pair tables */

/*
 * The two kinds of set (spans, boxes) seen through one shape, so that one
 * function builds both tables: item and rater of set k, and the matching of
 * two sets.
 */
struct set_ops {
	const void *sets;
	size_t stride;
	size_t (*item)(const void *set);
	size_t (*rater)(const void *set);
	size_t (*count)(const void *set);
	int (*match)(size_t *matched, const void *x, const void *y, int how);
	int how;
};

static size_t span_set_item(const void *s)
{
	return ((const struct agree_span_set *)s)->item;
}
static size_t span_set_rater(const void *s)
{
	return ((const struct agree_span_set *)s)->rater;
}
static size_t span_set_count(const void *s)
{
	return ((const struct agree_span_set *)s)->n;
}
static int span_set_match(size_t *matched, const void *x, const void *y, int how)
{
	const struct agree_span_set *a = x, *b = y;
	int error;

	if ((error = check_spans(a->v, a->n, 'a')) < 0 ||
	    (error = check_spans(b->v, b->n, 'b')) < 0)
		return error_prefix("item %zu, raters %zu and %zu", a->item, a->rater, b->rater);
	return spans_matched(matched, a->v, a->n, b->v, b->n, (enum agree_span_mode)how);
}

static size_t box_set_item(const void *s)
{
	return ((const struct agree_box_set *)s)->item;
}
static size_t box_set_rater(const void *s)
{
	return ((const struct agree_box_set *)s)->rater;
}
static size_t box_set_count(const void *s)
{
	return ((const struct agree_box_set *)s)->n;
}
static int box_set_match(size_t *matched, const void *x, const void *y, int how)
{
	const struct agree_box_set *a = x, *b = y;
	int error;

	if ((error = check_boxes(a->v, a->n, 'a')) < 0 ||
	    (error = check_boxes(b->v, b->n, 'b')) < 0)
		return error_prefix("item %zu, raters %zu and %zu", a->item, a->rater, b->rater);
	return boxes_matched(matched, a->v, a->n, b->v, b->n, (enum agree_matching)how);
}

/* Sort key of a set: its item and rater, and its index in the input. */
struct set_key {
	size_t item, rater, index;
};

static int cmp_set_key(const void *x, const void *y)
{
	const struct set_key *a = x, *b = y;

	if (a->item != b->item)
		return a->item < b->item ? -1 : 1;
	return (a->rater > b->rater) - (a->rater < b->rater);
}

/* The pair table of F1 figures over `n` sets seen through `ops`. */
static int f1_pairs(struct agree_table *out, const struct set_ops *ops, size_t n)
{
	struct set_key *keys = NULL;
	struct raters rs = { 0 };
	size_t *ids = NULL, i, k;
	int error = 0;

	memset(out, 0, sizeof(*out));
	if (!n)
		return 0;
	if (!(keys = malloc(n * sizeof(*keys))) || !(ids = malloc(n * sizeof(*ids)))) {
		error = error_oom();
		goto done;
	}
	for (i = 0; i < n; i++) {
		const void *s = (const char *)ops->sets + i * ops->stride;
		keys[i].item = ops->item(s);
		keys[i].rater = ids[i] = ops->rater(s);
		keys[i].index = i;
	}
	qsort(keys, n, sizeof(*keys), cmp_set_key);
	for (i = 1; i < n; i++)
		if (keys[i].item == keys[i - 1].item && keys[i].rater == keys[i - 1].rater) {
			error = error_set(ENCLAVE_EINVALID,
			                  "agreement: item %zu: rater %zu has two sets",
			                  keys[i].item, keys[i].rater);
			goto done;
		}
	if ((error = raters_from(&rs, ids, n)) < 0 || (error = table_alloc(out, &rs)) < 0)
		goto done;
	for (i = 0; i < n; i = k) {
		for (k = i; k < n && keys[k].item == keys[i].item; k++)
			;
		out->items++;
		for (size_t x = i; x < k; x++)
			for (size_t y = x + 1; y < k; y++) {
				const void *sx =
				    (const char *)ops->sets + keys[x].index * ops->stride;
				const void *sy =
				    (const char *)ops->sets + keys[y].index * ops->stride;
				struct agree_pair *p =
				    &out->v[pair_index(rs.n, rater_index(&rs, keys[x].rater),
				                       rater_index(&rs, keys[y].rater))];
				size_t matched;

				if ((error = ops->match(&matched, sx, sy, ops->how)) < 0)
					goto done;
				p->items++;
				p->f1.matched += matched;
				p->f1.na += ops->count(sx);
				p->f1.nb += ops->count(sy);
			}
	}
	for (i = 0; i < out->n; i++)
		f1_finish(&out->v[i].f1);
	table_compact(out);
done:
	if (error < 0)
		agree_table_release(out);
	free(keys);
	free(ids);
	return error;
}

int agree_span_pairs(struct agree_table *out, const struct agree_span_set *sets, size_t n,
                     enum agree_span_mode mode)
{
	struct set_ops ops = { sets,           sizeof(*sets),  span_set_item, span_set_rater,
		               span_set_count, span_set_match, (int)mode };

	return f1_pairs(out, &ops, n);
}

int agree_box_pairs(struct agree_table *out, const struct agree_box_set *sets, size_t n,
                    enum agree_matching matching)
{
	struct set_ops ops = { sets,          sizeof(*sets), box_set_item, box_set_rater,
		               box_set_count, box_set_match, (int)matching };

	return f1_pairs(out, &ops, n);
}
