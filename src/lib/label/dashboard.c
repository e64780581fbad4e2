/*
 * The agreement figures of the dashboard: the stored annotations turned
 * into the plain structs of agreement.c (items are task ids, raters user
 * ids, labels indices into the labels seen), and its tables into the JSON
 * of docs/api.md.
 */
#include <string.h>

#include "label_int.h"
#include "label/agreement.h"

/* What the walk over the annotations collects. */
struct collect {
	const char *type;
	char **labels; /* label names seen, index = label id */
	size_t nlabels, labels_cap;
	struct agree_rating *ratings; /* class */
	size_t nratings, ratings_cap;
	struct agree_span_set *ssets; /* ner */
	struct agree_box_set *bsets;  /* box */
	size_t nsets, sets_cap;
	size_t skipped; /* class answers with other than one label */
	int error;
};

/* Grow `*v` (of `size`-byte elements, *cap of them) to hold n + 1. 0 or ENCLAVE_ENOMEM. */
static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	void *nv;
	size_t nc;

	if (n < *cap)
		return 0;
	nc = *cap ? *cap * 2 : 64;
	if (!(nv = realloc(*v, nc * size)))
		return error_oom();
	*v = nv;
	*cap = nc;
	return 0;
}

/* The index of label `name` (added when new); -1 on allocation failure. */
static long label_id(struct collect *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nlabels; i++)
		if (!strcmp(c->labels[i], name))
			return (long)i;
	if (c->nlabels >= AGREE_MAX_LABELS) {
		error_set(ENCLAVE_ELIMIT, "agreement: more than %d labels", AGREE_MAX_LABELS);
		return -1;
	}
	if (grow((void **)&c->labels, &c->labels_cap, c->nlabels, sizeof(char *)) < 0 ||
	    !(c->labels[c->nlabels] = strdup(name))) {
		error_oom();
		return -1;
	}
	return (long)c->nlabels++;
}

/* The "label" of a span or box, "" when missing (the checks on save make it present). */
static const char *label_of(const json_t *it)
{
	const char *s = json_string_value(json_object_get(it, "label"));
	return s ? s : "";
}

/* One annotation's result into the collection. */
static int collect_cb(int64_t task, int64_t user, const char *text, void *payload)
{
	struct collect *c = payload;
	json_t *result = json_loads(text, 0, NULL), *items, *it;
	size_t i, n;
	long l;
	int error = 0;

	if (!strcmp(c->type, "class")) {
		items = json_object_get(result, "labels");
		if (json_array_size(items) != 1 || !json_is_string(json_array_get(items, 0))) {
			c->skipped++;
			goto done;
		}
		if ((l = label_id(c, json_string_value(json_array_get(items, 0)))) < 0 ||
		    (error = grow((void **)&c->ratings, &c->ratings_cap, c->nratings,
		                  sizeof(*c->ratings))) < 0) {
			error = error < 0 ? error : enclave_error_last_code();
			goto done;
		}
		c->ratings[c->nratings++] =
		    (struct agree_rating){ (size_t)task, (size_t)user, (size_t)l };
		goto done;
	}
	items = json_object_get(result, !strcmp(c->type, "ner") ? "spans" : "boxes");
	n = json_array_size(items);
	if ((error = grow(!strcmp(c->type, "ner") ? (void **)&c->ssets : (void **)&c->bsets,
	                  &c->sets_cap, c->nsets,
	                  !strcmp(c->type, "ner") ? sizeof(*c->ssets) : sizeof(*c->bsets))) < 0)
		goto done;
	if (!strcmp(c->type, "ner")) {
		struct agree_span *v = calloc(n ? n : 1, sizeof(*v));
		if (!v) {
			error = error_oom();
			goto done;
		}
		c->ssets[c->nsets++] = (struct agree_span_set){ (size_t)task, (size_t)user, v, n };
		json_array_foreach(items, i, it)
		{
			if ((l = label_id(c, label_of(it))) < 0) {
				error = enclave_error_last_code();
				goto done;
			}
			v[i].start = (size_t)json_integer_value(json_object_get(it, "start"));
			v[i].end = (size_t)json_integer_value(json_object_get(it, "end"));
			v[i].label = (int)l;
		}
	} else {
		struct agree_box *v = calloc(n ? n : 1, sizeof(*v));
		if (!v) {
			error = error_oom();
			goto done;
		}
		c->bsets[c->nsets++] = (struct agree_box_set){ (size_t)task, (size_t)user, v, n };
		json_array_foreach(items, i, it)
		{
			json_t *bb = json_object_get(it, "bbox");
			if ((l = label_id(c, label_of(it))) < 0) {
				error = enclave_error_last_code();
				goto done;
			}
			v[i].page = (int)json_integer_value(json_object_get(it, "page"));
			v[i].x0 = json_number_value(json_array_get(bb, 0));
			v[i].y0 = json_number_value(json_array_get(bb, 1));
			v[i].x1 = json_number_value(json_array_get(bb, 2));
			v[i].y1 = json_number_value(json_array_get(bb, 3));
			v[i].label = (int)l;
		}
	}
done:
	json_decref(result);
	return error;
}

static void collect_release(struct collect *c)
{
	size_t i;

	for (i = 0; i < c->nlabels; i++)
		free(c->labels[i]);
	free(c->labels);
	free(c->ratings);
	for (i = 0; i < c->nsets; i++)
		free(c->ssets ? (void *)c->ssets[i].v : (void *)c->bsets[i].v);
	free(c->ssets);
	free(c->bsets);
}

/* The pairs of `t` as JSON: kappa pairs for classes, F1 pairs otherwise. */
static json_t *pairs_json(const struct agree_table *t, int kappa)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr && i < t->n; i++) {
		const struct agree_pair *p = &t->v[i];
		json_t *o = kappa ? json_pack("{s:I,s:I,s:f,s:I}", "a", (json_int_t)p->a, "b",
		                              (json_int_t)p->b, "kappa", p->kappa.kappa, "items",
		                              (json_int_t)p->kappa.items)
		                  : json_pack("{s:I,s:I,s:f,s:f,s:f,s:I,s:I,s:I,s:I}", "a",
		                              (json_int_t)p->a, "b", (json_int_t)p->b, "f1",
		                              p->f1.f1, "precision", p->f1.precision, "recall",
		                              p->f1.recall, "matched", (json_int_t)p->f1.matched,
		                              "na", (json_int_t)p->f1.na, "nb",
		                              (json_int_t)p->f1.nb, "items", (json_int_t)p->items);
		if (json_array_append_new(arr, o) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

int enclave_label_agreement(json_t **out, enclave_project *p, const char *type)
{
	struct collect c;
	struct agree_table t;
	struct agree_kappa fk;
	json_t *pairs = NULL;
	int error;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	memset(&t, 0, sizeof(t));
	if (!type || (strcmp(type, "class") && strcmp(type, "ner") && strcmp(type, "box")))
		return error_set(ENCLAVE_EINVALID, "agreement: type is class, ner or box");
	c.type = type;
	if ((error = store_label_results(p->db, type, collect_cb, &c)) < 0)
		goto done;
	if (!strcmp(type, "class")) {
		if ((error = agree_cohen_pairs(&t, c.ratings, c.nratings,
		                               c.nlabels ? c.nlabels : 1)) < 0 ||
		    (error = agree_fleiss(&fk, c.ratings, c.nratings, c.nlabels ? c.nlabels : 1)) <
		        0)
			goto done;
		if (!(pairs = pairs_json(&t, 1)) ||
		    !(*out =
		          json_pack("{s:s,s:I,s:I,s:O,s:f,s:I,s:I}", "type", type, "items",
		                    (json_int_t)t.items, "annotators", (json_int_t)t.raters,
		                    "cohen_kappa", pairs, "fleiss_kappa", fk.kappa, "fleiss_items",
		                    (json_int_t)fk.items, "skipped", (json_int_t)c.skipped)))
			error = error_oom();
	} else {
		size_t i, matched = 0, na = 0, nb = 0;
		error = !strcmp(type, "ner")
		            ? agree_span_pairs(&t, c.ssets, c.nsets, AGREE_SPAN_EXACT)
		            : agree_box_pairs(&t, c.bsets, c.nsets, AGREE_MATCH_OPTIMAL);
		if (error < 0)
			goto done;
		for (i = 0; i < t.n; i++) {
			matched += t.v[i].f1.matched;
			na += t.v[i].f1.na;
			nb += t.v[i].f1.nb;
		}
		/* Micro F1 over every pair; 1.0 when no pair found anything to disagree on. */
		if (!(pairs = pairs_json(&t, 0)) ||
		    !(*out = json_pack("{s:s,s:I,s:I,s:O,s:f}", "type", type, "items",
		                       (json_int_t)t.items, "annotators", (json_int_t)t.raters,
		                       "pairs", pairs, "f1",
		                       na + nb ? 2.0 * (double)matched / (double)(na + nb) : 1.0)))
			error = error_oom();
	}
done:
	json_decref(pairs);
	agree_table_release(&t);
	collect_release(&c);
	return error;
}
