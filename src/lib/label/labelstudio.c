/*
 * Label Studio JSON import and export (the format, offsets and boxes are
 * described in labelstudio.h), through jansson.
 */
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common_int.h"
#include "label/labelstudio.h"
#include "../../util/utf8.h"

/* ------------------------------------------------------------------ offsets */

/* Code points between two byte offsets kept in a text_index. */
#define MARK_STRIDE 256

/*
 * A text read once so that offsets convert in O(log n): where its
 * characters outside the BMP are, and the byte offset of every
 * MARK_STRIDE-th code point.
 */
struct text_index {
	const char *text;
	size_t len;
	size_t *astral; /* code point positions of characters of 2 UTF-16 units */
	size_t nastral;
	size_t *mark; /* mark[k]: byte offset of code point k * MARK_STRIDE */
	size_t nmark;
	size_t cps; /* length in code points */
	size_t u16; /* length in UTF-16 units */
};

static void text_index_release(struct text_index *ix)
{
	free(ix->astral);
	free(ix->mark);
	memset(ix, 0, sizeof(*ix));
}

/* Index valid UTF-8 `text`. Returns 0 or ENCLAVE_ENOMEM. */
static int text_index_build(struct text_index *ix, const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text, *end = p + len;
	size_t cap_astral = 0;

	memset(ix, 0, sizeof(*ix));
	ix->text = text;
	ix->len = len;
	if (!(ix->mark = malloc((len / MARK_STRIDE + 2) * sizeof(*ix->mark))))
		return error_oom();
	while (p < end) {
		uint32_t cp;
		size_t n;

		if (ix->cps % MARK_STRIDE == 0)
			ix->mark[ix->nmark++] = (size_t)(p - (const unsigned char *)text);
		n = utf8_decode(p, end, &cp);
		if (cp > 0xffff) {
			if (ix->nastral == cap_astral) {
				size_t cap = cap_astral ? cap_astral * 2 : 16;
				size_t *v = realloc(ix->astral, cap * sizeof(*v));
				if (!v) {
					text_index_release(ix);
					return error_oom();
				}
				ix->astral = v;
				cap_astral = cap;
			}
			ix->astral[ix->nastral++] = ix->cps;
			ix->u16++;
		}
		ix->u16++;
		ix->cps++;
		p += n;
	}
	if (ix->cps % MARK_STRIDE == 0)
		ix->mark[ix->nmark++] = len;
	return 0;
}

/* UTF-16 offset -> code points. Returns 0 or ENCLAVE_EINVALID (past the end, inside a pair). */
static int index_u16_to_cp(const struct text_index *ix, size_t u, size_t *cp)
{
	size_t lo = 0, hi = ix->nastral;

	if (u > ix->u16)
		return error_set(ENCLAVE_EINVALID,
		                 "offset %zu is past the end of the text (%zu "
		                 "UTF-16 units)",
		                 u, ix->u16);
	/* The k-th astral character starts at UTF-16 offset astral[k] + k. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ix->astral[mid] + mid < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && ix->astral[lo - 1] + (lo - 1) + 1 == u)
		return error_set(ENCLAVE_EINVALID,
		                 "offset %zu falls inside a surrogate pair (a character outside "
		                 "the BMP, code point %zu)",
		                 u, ix->astral[lo - 1]);
	*cp = u - lo;
	return 0;
}

/* Code point offset -> UTF-16. Returns 0 or ENCLAVE_EINVALID (past the end). */
static int index_cp_to_u16(const struct text_index *ix, size_t cp, size_t *u)
{
	size_t lo = 0, hi = ix->nastral;

	if (cp > ix->cps)
		return error_set(ENCLAVE_EINVALID,
		                 "offset %zu is past the end of the text (%zu "
		                 "code points)",
		                 cp, ix->cps);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ix->astral[mid] < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	*u = cp + lo;
	return 0;
}

/* Byte offset of code point `cp` (<= cps). */
static size_t index_cp_to_byte(const struct text_index *ix, size_t cp)
{
	const unsigned char *p, *end = (const unsigned char *)ix->text + ix->len;
	size_t k = cp / MARK_STRIDE, left = cp - k * MARK_STRIDE;
	uint32_t c;

	p = (const unsigned char *)ix->text + ix->mark[k];
	while (left-- && p < end)
		p += utf8_decode(p, end, &c);
	return (size_t)(p - (const unsigned char *)ix->text);
}

int ls_utf16_to_cp(size_t *out, const char *text, size_t len, size_t u16)
{
	struct text_index ix;
	int error;

	if ((error = text_index_build(&ix, text, len)) < 0)
		return error;
	error = index_u16_to_cp(&ix, u16, out);
	text_index_release(&ix);
	return error;
}

int ls_cp_to_utf16(size_t *out, const char *text, size_t len, size_t cp)
{
	struct text_index ix;
	int error;

	if ((error = text_index_build(&ix, text, len)) < 0)
		return error;
	error = index_cp_to_u16(&ix, cp, out);
	text_index_release(&ix);
	return error;
}

/* ------------------------------------------------------------------ memory */

/* Make room for one more element of `size` in *v (n used, *cap allocated). */
static int grow(void *v, size_t *cap, size_t n, size_t size)
{
	void **pv = v;
	size_t c;
	void *nv;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 4;
	if (!(nv = realloc(*pv, c * size)))
		return error_oom();
	*pv = nv;
	*cap = c;
	return 0;
}

static void annotation_release(struct ls_annotation *a)
{
	size_t i;

	for (i = 0; i < a->nspans; i++)
		free(a->spans[i].label);
	for (i = 0; i < a->nboxes; i++)
		free(a->boxes[i].label);
	for (i = 0; i < a->nchoices; i++)
		free(a->choices[i]);
	for (i = 0; i < a->ntexts; i++)
		free(a->texts[i]);
	free(a->spans);
	free(a->boxes);
	free(a->choices);
	free(a->texts);
	memset(a, 0, sizeof(*a));
}

void ls_task_release(struct ls_task *t)
{
	for (size_t i = 0; i < t->nannotations; i++)
		annotation_release(&t->annotations[i]);
	free(t->annotations);
	free(t->text);
	free(t->image);
	memset(t, 0, sizeof(*t));
}

void ls_import_release(struct ls_import *imp)
{
	size_t i;

	for (i = 0; i < imp->ntasks; i++)
		ls_task_release(&imp->tasks[i]);
	for (i = 0; i < imp->nerrors; i++)
		free(imp->errors[i].message);
	free(imp->tasks);
	free(imp->errors);
	memset(imp, 0, sizeof(*imp));
}

/* ------------------------------------------------------------------ import */

/* Where a task is being read, for messages, and what it needs. */
struct reader {
	const struct ls_options *opt;
	struct text_index ix;  /* of the task's text, when it has one */
	size_t skipped;        /* result items of other types */
	char why[512];         /* the reason a task failed */
	double orig_w, orig_h; /* the image size the task's boxes were given in */
};

/* Set r->why and return ENCLAVE_EINVALID. */
static int fail(struct reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct reader *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
	return ENCLAVE_EINVALID;
}

/* A copy of a JSON string, or NULL. Returns 0 or ENCLAVE_ENOMEM. */
static int dup_string(char **out, const json_t *s)
{
	if (!(*out = strdup(json_string_value(s))))
		return error_oom();
	return 0;
}

/* A non-negative JSON integer into *out. Returns 1 when it is one. */
static int get_offset(const json_t *v, size_t *out)
{
	json_int_t i;

	if (!json_is_integer(v) || (i = json_integer_value(v)) < 0)
		return 0;
	*out = (size_t)i;
	return 1;
}

/* A finite JSON number into *out. Returns 1 when it is one. */
static int get_number(const json_t *v, double *out)
{
	if (!json_is_number(v))
		return 0;
	*out = json_number_value(v);
	return isfinite(*out);
}

/*
 * The labels array `key` of `value`: a non-empty array of non-empty strings.
 * Returns it, or NULL with r->why set.
 */
static const json_t *get_labels(struct reader *r, const json_t *value, const char *key)
{
	const json_t *a = json_object_get(value, key), *s;
	size_t i;

	if (!json_is_array(a) || !json_array_size(a)) {
		fail(r, "value.%s is not a non-empty array", key);
		return NULL;
	}
	json_array_foreach(a, i, s)
	{
		if (!json_is_string(s) || !json_string_length(s)) {
			fail(r, "value.%s[%zu] is not a non-empty string", key, i);
			return NULL;
		}
	}
	return a;
}

/* A "labels" result: spans in code points. Returns 0, EINVALID (r->why) or ENOMEM. */
static int read_labels(struct reader *r, struct ls_annotation *a, size_t *cap,
                       const struct ls_task *t, const json_t *value)
{
	const json_t *labels, *given, *l;
	size_t u0, u1, start, end, i;
	int error;

	if (!t->text)
		return fail(r, "a 'labels' result on a task without text");
	if (!get_offset(json_object_get(value, "start"), &u0) ||
	    !get_offset(json_object_get(value, "end"), &u1))
		return fail(r, "value.start and value.end must be integers >= 0");
	if (u1 < u0)
		return fail(r, "value.end %zu is before value.start %zu", u1, u0);
	if (!(labels = get_labels(r, value, "labels")))
		return ENCLAVE_EINVALID;
	if (index_u16_to_cp(&r->ix, u0, &start) < 0 || index_u16_to_cp(&r->ix, u1, &end) < 0) {
		fail(r, "%s", enclave_error_last());
		enclave_error_clear();
		return ENCLAVE_EINVALID;
	}
	given = json_object_get(value, "text");
	if (given && !json_is_null(given)) {
		size_t b0 = index_cp_to_byte(&r->ix, start), b1 = index_cp_to_byte(&r->ix, end);
		if (!json_is_string(given) || json_string_length(given) != b1 - b0 ||
		    memcmp(json_string_value(given), t->text + b0, b1 - b0) != 0)
			return fail(r,
			            "value.text is not the text at [%zu, %zu) (offsets must count "
			            "UTF-16 units)",
			            u0, u1);
	}
	json_array_foreach(labels, i, l)
	{
		if (a->nspans >= ENCLAVE_MAX_SPANS_STORED)
			return fail(r, "more than %d spans", ENCLAVE_MAX_SPANS_STORED);
		if ((error = grow(&a->spans, cap, a->nspans, sizeof(*a->spans))) < 0)
			return error;
		a->spans[a->nspans].start = start;
		a->spans[a->nspans].end = end;
		if ((error = dup_string(&a->spans[a->nspans].label, l)) < 0)
			return error;
		a->nspans++;
	}
	return 0;
}

/* Append the strings of array `arr` to *v. Returns 0 or ENCLAVE_ENOMEM. */
static int take_strings(char ***v, size_t *n, size_t *cap, const json_t *arr)
{
	const json_t *s;
	size_t i;
	int error;

	json_array_foreach(arr, i, s)
	{
		if ((error = grow(v, cap, *n, sizeof(**v))) < 0 ||
		    (error = dup_string(&(*v)[*n], s)) < 0)
			return error;
		(*n)++;
	}
	return 0;
}

/* Is x (percent) inside [0, 100], with room for rounding? */
static int in_percent(double x)
{
	return x >= 0.0 && x <= 100.0 + 1e-6;
}

/* A "rectanglelabels" result: boxes in points. Returns 0, EINVALID (r->why) or ENOMEM. */
static int read_rectangle(struct reader *r, struct ls_annotation *a, size_t *cap, struct ls_task *t,
                          const json_t *item, const json_t *value)
{
	double x, y, w, h, rot = 0.0, ow = 0.0, oh = 0.0, pw, ph;
	const json_t *labels, *l, *jrot = json_object_get(value, "rotation");
	size_t i;
	int error;

	if (!t->image)
		return fail(r, "a 'rectanglelabels' result on a task without an image");
	if (!get_number(json_object_get(value, "x"), &x) ||
	    !get_number(json_object_get(value, "y"), &y) ||
	    !get_number(json_object_get(value, "width"), &w) ||
	    !get_number(json_object_get(value, "height"), &h))
		return fail(r, "value.x, y, width and height must be finite numbers");
	if (jrot && !json_is_null(jrot) && !get_number(jrot, &rot))
		return fail(r, "value.rotation is not a finite number");
	if (w < 0 || h < 0)
		return fail(r, "a negative width or height");
	if (!in_percent(x) || !in_percent(y) ||
	    (rot == 0.0 && (!in_percent(x + w) || !in_percent(y + h))))
		return fail(r, "the rectangle is not inside the image (0 to 100 percent)");
	if (!(labels = get_labels(r, value, "rectanglelabels")))
		return ENCLAVE_EINVALID;
	if (r->opt->page_width > 0 && r->opt->page_height > 0) {
		pw = r->opt->page_width;
		ph = r->opt->page_height;
	} else {
		if (!get_number(json_object_get(item, "original_width"), &ow) ||
		    !get_number(json_object_get(item, "original_height"), &oh) || ow < 1 ||
		    oh < 1 || ow > ENCLAVE_MAX_PIXELS || oh > ENCLAVE_MAX_PIXELS)
			return fail(r, "original_width and original_height must be numbers >= 1 "
			               "(or a page size given)");
		if (r->orig_w > 0 && (r->orig_w != ow || r->orig_h != oh))
			return fail(r, "rectangles on images of two sizes (%gx%g and %gx%g)",
			            r->orig_w, r->orig_h, ow, oh);
		r->orig_w = pw = ow;
		r->orig_h = ph = oh;
	}
	t->page_width = pw;
	t->page_height = ph;
	json_array_foreach(labels, i, l)
	{
		struct ls_box *b;

		if (a->nboxes >= ENCLAVE_MAX_SPANS_STORED)
			return fail(r, "more than %d boxes", ENCLAVE_MAX_SPANS_STORED);
		if ((error = grow(&a->boxes, cap, a->nboxes, sizeof(*a->boxes))) < 0)
			return error;
		b = &a->boxes[a->nboxes];
		b->x0 = x / 100.0 * pw;
		b->y0 = y / 100.0 * ph;
		b->x1 = (x + w) / 100.0 * pw;
		b->y1 = (y + h) / 100.0 * ph;
		if (rot == 0.0) {
			/* Within the rounding allowed above, the box ends at the edge. */
			b->x1 = fmin(b->x1, pw);
			b->y1 = fmin(b->y1, ph);
		}
		b->rotation = rot;
		if ((error = dup_string(&b->label, l)) < 0)
			return error;
		a->nboxes++;
	}
	return 0;
}

/* Capacities of one annotation's arrays while it is read. */
struct caps {
	size_t spans, boxes, choices, texts;
};

/* One result item. Returns 0, EINVALID (r->why) or ENOMEM. */
static int read_result(struct reader *r, struct ls_annotation *a, struct caps *caps,
                       struct ls_task *t, const json_t *item)
{
	const json_t *type = json_object_get(item, "type");
	const json_t *value = json_object_get(item, "value");
	const char *ty;

	if (!json_is_object(item))
		return fail(r, "not an object");
	if (!json_is_string(type))
		return fail(r, "no \"type\"");
	ty = json_string_value(type);
	if (strcmp(ty, "labels") && strcmp(ty, "choices") && strcmp(ty, "rectanglelabels") &&
	    strcmp(ty, "textarea")) {
		r->skipped++;
		return 0;
	}
	if (!json_is_object(value))
		return fail(r, "no \"value\" object");
	if (!strcmp(ty, "labels"))
		return read_labels(r, a, &caps->spans, t, value);
	if (!strcmp(ty, "rectanglelabels"))
		return read_rectangle(r, a, &caps->boxes, t, item, value);
	if (!strcmp(ty, "choices")) {
		const json_t *c = get_labels(r, value, "choices");
		return c ? take_strings(&a->choices, &a->nchoices, &caps->choices, c)
		         : ENCLAVE_EINVALID;
	} else {
		const json_t *s = json_object_get(value, "text"), *e;
		size_t i;

		if (!json_is_array(s))
			return fail(r, "value.text of a 'textarea' is not an array");
		json_array_foreach(s, i, e)
		{
			if (!json_is_string(e))
				return fail(r, "value.text[%zu] is not a string", i);
		}
		return take_strings(&a->texts, &a->ntexts, &caps->texts, s);
	}
}

/* A user id given as a number or as {"id": number}. */
static long long get_user(const json_t *v)
{
	if (json_is_object(v))
		v = json_object_get(v, "id");
	return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

/* One annotation object. Returns 0, EINVALID (r->why, prefixed) or ENOMEM. */
static int read_annotation(struct reader *r, struct ls_annotation *a, struct ls_task *t,
                           const json_t *j, size_t k)
{
	const json_t *result, *item;
	struct caps caps = { 0 };
	size_t i;
	int error;

	if (!json_is_object(j))
		return fail(r, "annotation %zu: not an object", k);
	a->id = json_is_integer(json_object_get(j, "id"))
	            ? (long long)json_integer_value(json_object_get(j, "id"))
	            : 0;
	a->completed_by = get_user(json_object_get(j, "completed_by"));
	result = json_object_get(j, "result");
	if (!json_is_array(result))
		return fail(r, "annotation %zu: no \"result\" array", k);
	if (json_array_size(result) > LS_MAX_RESULTS)
		return fail(r, "annotation %zu: more than %d results", k, LS_MAX_RESULTS);
	json_array_foreach(result, i, item)
	{
		if ((error = read_result(r, a, &caps, t, item)) < 0) {
			if (error == ENCLAVE_EINVALID) {
				char tmp[sizeof(r->why)];
				memcpy(tmp, r->why, sizeof(tmp));
				fail(r, "annotation %zu: result %zu: %s", k, i, tmp);
			}
			return error;
		}
	}
	return 0;
}

/* One task into `t`. Returns 0, EINVALID (r->why) or ENOMEM; `t` is released on error. */
static int read_task(struct reader *r, struct ls_task *t, const json_t *j, size_t index)
{
	const json_t *data, *text, *image, *anns, *id, *a;
	size_t k;
	int error = 0;

	memset(t, 0, sizeof(*t));
	t->index = index;
	r->orig_w = r->orig_h = 0.0;
	if (!json_is_object(j))
		return fail(r, "not an object");
	if (!json_is_object(data = json_object_get(j, "data")))
		return fail(r, "no \"data\" object");
	id = json_object_get(j, "id");
	t->id = json_is_integer(id) ? (long long)json_integer_value(id) : 0;
	text = json_object_get(data, r->opt->to_text);
	image = json_object_get(data, r->opt->to_image);
	if (text && !json_is_string(text))
		return fail(r, "data.%s is not a string", r->opt->to_text);
	if (image && !json_is_string(image))
		return fail(r, "data.%s is not a string", r->opt->to_image);
	if (!text && !image)
		return fail(r, "data has neither \"%s\" nor \"%s\"", r->opt->to_text,
		            r->opt->to_image);
	if (text && json_string_length(text) > ENCLAVE_MAX_TEXT_BYTES)
		return fail(r, "data.%s is longer than %zu bytes", r->opt->to_text,
		            ENCLAVE_MAX_TEXT_BYTES);
	if ((text && (error = dup_string(&t->text, text)) < 0) ||
	    (image && (error = dup_string(&t->image, image)) < 0))
		goto done;
	if (r->opt->page_width > 0 && r->opt->page_height > 0 && t->image) {
		t->page_width = r->opt->page_width;
		t->page_height = r->opt->page_height;
	}
	if (t->text && (error = text_index_build(&r->ix, t->text, strlen(t->text))) < 0)
		goto done;
	anns = json_object_get(j, "annotations");
	if (!anns)
		anns = json_object_get(j, "completions");
	if (anns && !json_is_array(anns)) {
		error = fail(r, "\"annotations\" is not an array");
		goto done;
	}
	if (json_array_size(anns) > LS_MAX_ANNOTATIONS) {
		error = fail(r, "more than %d annotations", LS_MAX_ANNOTATIONS);
		goto done;
	}
	if (json_array_size(anns) &&
	    !(t->annotations = calloc(json_array_size(anns), sizeof(*t->annotations)))) {
		error = error_oom();
		goto done;
	}
	json_array_foreach(anns, k, a)
	{
		t->nannotations = k + 1;
		if ((error = read_annotation(r, &t->annotations[k], t, a, k)) < 0)
			goto done;
	}
done:
	text_index_release(&r->ix);
	if (error < 0)
		ls_task_release(t);
	return error;
}

/* Record that task `index` failed with r->why. Returns 0 or ENCLAVE_ENOMEM. */
static int add_error(struct ls_import *imp, size_t *cap, size_t index, const char *why)
{
	struct buf b = BUF_INIT(ENCLAVE_MAX_ERROR_BYTES);
	int error;

	if ((error = grow(&imp->errors, cap, imp->nerrors, sizeof(*imp->errors))) < 0)
		return error;
	/* The message is cut at the cap rather than lost. */
	if (buf_printf(&b, "task %zu: %s", index, why) < 0 && buf_printf(&b, "task %zu", index) < 0)
		return error_oom();
	imp->errors[imp->nerrors].task = index;
	imp->errors[imp->nerrors].message = buf_detach(&b, NULL);
	if (!imp->errors[imp->nerrors].message)
		return error_oom();
	imp->nerrors++;
	return 0;
}

int ls_import(struct ls_import *out, const char *json, size_t len, const struct ls_options *opt)
{
	static const struct ls_options defaults = LS_OPTIONS_INIT;
	struct reader r;
	json_error_t jerr;
	json_t *root = NULL, *task;
	size_t i, ntasks, ecap = 0;
	int error = 0;

	memset(out, 0, sizeof(*out));
	memset(&r, 0, sizeof(r));
	r.opt = opt ? opt : &defaults;
	if (len > ENCLAVE_MAX_FILE_BYTES)
		return error_set(ENCLAVE_ELIMIT, "labelstudio: the input is larger than %zu bytes",
		                 ENCLAVE_MAX_FILE_BYTES);
	if (!(root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr)))
		return error_set(ENCLAVE_EINVALID, "labelstudio: line %d, column %d: %s", jerr.line,
		                 jerr.column, jerr.text);
	if (json_is_object(root)) {
		json_t *arr = json_array();
		if (!arr || json_array_append_new(arr, root) < 0) {
			json_decref(arr);
			json_decref(root);
			return error_oom();
		}
		root = arr;
	}
	if (!json_is_array(root)) {
		error =
		    error_set(ENCLAVE_EINVALID, "labelstudio: the input is not an array of tasks");
		goto done;
	}
	ntasks = json_array_size(root);
	if (ntasks > LS_MAX_TASKS) {
		error = error_set(ENCLAVE_ELIMIT, "labelstudio: %zu tasks (at most %d)", ntasks,
		                  LS_MAX_TASKS);
		goto done;
	}
	if (ntasks && !(out->tasks = calloc(ntasks, sizeof(*out->tasks)))) {
		error = error_oom();
		goto done;
	}
	json_array_foreach(root, i, task)
	{
		error = read_task(&r, &out->tasks[out->ntasks], task, i);
		if (error == ENCLAVE_EINVALID)
			error = add_error(out, &ecap, i, r.why);
		else if (error == 0)
			out->ntasks++;
		if (error < 0)
			goto done;
	}
	out->skipped_results = r.skipped;
done:
	json_decref(root);
	if (error < 0)
		ls_import_release(out);
	return error;
}

/* ------------------------------------------------------------------ export */

/* json_object_set_new that reports failure as ENCLAVE_ENOMEM. */
static int set(json_t *obj, const char *key, json_t *v)
{
	if (!v || json_object_set_new(obj, key, v) < 0)
		return error_oom();
	return 0;
}

/* Append `v` to array `arr`. */
static int push(json_t *arr, json_t *v)
{
	if (!v || json_array_append_new(arr, v) < 0)
		return error_oom();
	return 0;
}

/*
 * A result item of `type` with `value` (consumed), its id from the task,
 * annotation and result numbers. Appended to `results`.
 */
static int add_result(json_t *results, const char *type, const char *from, const char *to,
                      json_t *value, size_t ti, size_t ai, size_t k)
{
	json_t *item = json_object();
	char id[96];
	int error;

	snprintf(id, sizeof(id), "r%zu.%zu.%zu", ti + 1, ai + 1, k);
	if (!item || !value) {
		json_decref(item);
		json_decref(value);
		return error_oom();
	}
	if ((error = set(item, "id", json_string(id))) < 0 ||
	    (error = set(item, "type", json_string(type))) < 0 ||
	    (error = set(item, "from_name", json_string(from))) < 0 ||
	    (error = set(item, "to_name", json_string(to))) < 0 ||
	    (error = set(item, "origin", json_string("manual"))) < 0 ||
	    (error = set(item, "value", value)) < 0) {
		json_decref(item);
		return error;
	}
	return push(results, item);
}

/* A JSON array of one string. */
static json_t *one_string(const char *s)
{
	json_t *a = json_array();

	if (a && json_array_append_new(a, json_string(s)) < 0) {
		json_decref(a);
		return NULL;
	}
	return a;
}

/* A number as JSON: an integer when it is one (pixel sizes), else a real. */
static json_t *number(double x)
{
	if (x == floor(x) && fabs(x) < 9e15)
		return json_integer((json_int_t)x);
	return json_real(x);
}

/* The results of annotation `ai` of task `ti`. */
static int export_results(json_t *results, const struct ls_task *t, const struct text_index *ix,
                          const struct ls_annotation *a, size_t ti, size_t ai,
                          const struct ls_options *opt)
{
	size_t i, k = 0;
	int error;
	json_t *v;

	for (i = 0; i < a->nspans; i++) {
		const struct ls_span *s = &a->spans[i];
		size_t u0, u1, b0, b1;

		if (!t->text)
			return error_set(ENCLAVE_EINVALID,
			                 "labelstudio: task %zu has spans but no text", ti);
		if (s->end < s->start || index_cp_to_u16(ix, s->start, &u0) < 0 ||
		    index_cp_to_u16(ix, s->end, &u1) < 0)
			return error_set(ENCLAVE_EINVALID,
			                 "labelstudio: task %zu: span [%zu, %zu) is not inside its "
			                 "text of %zu code points",
			                 ti, s->start, s->end, ix->cps);
		b0 = index_cp_to_byte(ix, s->start);
		b1 = index_cp_to_byte(ix, s->end);
		if (!(v = json_object()) ||
		    (error = set(v, "start", json_integer((json_int_t)u0))) < 0 ||
		    (error = set(v, "end", json_integer((json_int_t)u1))) < 0 ||
		    (error = set(v, "text", json_stringn(t->text + b0, b1 - b0))) < 0 ||
		    (error = set(v, "labels", one_string(s->label))) < 0) {
			json_decref(v);
			return error_oom();
		}
		if ((error = add_result(results, "labels", opt->from_labels, opt->to_text, v, ti,
		                        ai, k++)) < 0)
			return error;
	}
	for (i = 0; i < a->nboxes; i++) {
		const struct ls_box *b = &a->boxes[i];
		double w = t->page_width, h = t->page_height;
		json_t *item;

		double px = b->x0 / w * 100.0, py = b->y0 / h * 100.0;
		double pw = (b->x1 - b->x0) / w * 100.0, ph = (b->y1 - b->y0) / h * 100.0;

		if (!t->image || !(w > 0) || !(h > 0) || !isfinite(w) || !isfinite(h) ||
		    !isfinite(b->x0) || !isfinite(b->y0) || !isfinite(b->x1) || !isfinite(b->y1) ||
		    !isfinite(b->rotation) || !isfinite(px) || !isfinite(py) || !isfinite(pw) ||
		    !isfinite(ph))
			return error_set(
			    ENCLAVE_EINVALID,
			    "labelstudio: task %zu: box %zu needs an image, a page size, "
			    "finite coordinates and a label",
			    ti, i);
		if (!(v = json_object()) || (error = set(v, "x", json_real(px))) < 0 ||
		    (error = set(v, "y", json_real(py))) < 0 ||
		    (error = set(v, "width", json_real(pw))) < 0 ||
		    (error = set(v, "height", json_real(ph))) < 0 ||
		    (error = set(v, "rotation", number(b->rotation))) < 0 ||
		    (error = set(v, "rectanglelabels", one_string(b->label))) < 0) {
			json_decref(v);
			return error_oom();
		}
		if ((error = add_result(results, "rectanglelabels", opt->from_boxes, opt->to_image,
		                        v, ti, ai, k++)) < 0)
			return error;
		/* The size the percentages are of goes on the result item itself. */
		item = json_array_get(results, json_array_size(results) - 1);
		if ((error = set(item, "original_width", number(w))) < 0 ||
		    (error = set(item, "original_height", number(h))) < 0 ||
		    (error = set(item, "image_rotation", json_integer(0))) < 0)
			return error;
	}
	if (a->nchoices) {
		json_t *c = json_array();
		if (!c)
			return error_oom();
		for (i = 0; i < a->nchoices; i++)
			if (json_array_append_new(c, json_string(a->choices[i])) < 0) {
				json_decref(c);
				return error_oom();
			}
		if (!(v = json_object()) || set(v, "choices", c) < 0) {
			json_decref(v);
			return error_oom();
		}
		if ((error = add_result(results, "choices", opt->from_choices,
		                        t->text ? opt->to_text : opt->to_image, v, ti, ai, k++)) <
		    0)
			return error;
	}
	for (i = 0; i < a->ntexts; i++) {
		if (!(v = json_object()) || set(v, "text", one_string(a->texts[i])) < 0) {
			json_decref(v);
			return error_oom();
		}
		if ((error = add_result(results, "textarea", opt->from_texts,
		                        t->text ? opt->to_text : opt->to_image, v, ti, ai, k++)) <
		    0)
			return error;
	}
	return 0;
}

/* Is `s` set and valid UTF-8 (what json_string needs)? */
static int good_string(const char *s)
{
	return s && utf8_valid(s, strlen(s));
}

/*
 * Check the strings of task `ti` before any JSON is built, so that a bad
 * one is named as such rather than reported as a failed allocation.
 * Returns 0 or ENCLAVE_EINVALID.
 */
static int check_task(const struct ls_task *t, size_t ti)
{
	const char *what = NULL;

	if (!t->text && !t->image)
		what = "neither text nor image";
	else if ((t->text && !good_string(t->text)) || (t->image && !good_string(t->image)))
		what = "text or image not UTF-8";
	for (size_t ai = 0; !what && ai < t->nannotations; ai++) {
		const struct ls_annotation *a = &t->annotations[ai];
		size_t i;
		for (i = 0; !what && i < a->nspans; i++)
			if (!good_string(a->spans[i].label))
				what = "a span label missing or not UTF-8";
		for (i = 0; !what && i < a->nboxes; i++)
			if (!good_string(a->boxes[i].label))
				what = "a box label missing or not UTF-8";
		for (i = 0; !what && i < a->nchoices; i++)
			if (!good_string(a->choices[i]))
				what = "a choice missing or not UTF-8";
		for (i = 0; !what && i < a->ntexts; i++)
			if (!good_string(a->texts[i]))
				what = "a text answer missing or not UTF-8";
	}
	if (what)
		return error_set(ENCLAVE_EINVALID, "labelstudio: task %zu: %s", ti, what);
	return 0;
}

/* Task `ti` as a JSON object appended to `arr`. */
static int export_task(json_t *arr, const struct ls_task *t, size_t ti,
                       const struct ls_options *opt, long long *next_ann)
{
	struct text_index ix = { 0 };
	json_t *task = json_object(), *data = json_object(), *anns = json_array();
	int error = 0;

	if (!task || !data || !anns) {
		error = error_oom();
		goto fail;
	}
	if ((error = check_task(t, ti)) < 0)
		goto fail;
	if (t->text && ((error = text_index_build(&ix, t->text, strlen(t->text))) < 0 ||
	                (error = set(data, opt->to_text, json_string(t->text))) < 0))
		goto fail;
	if (t->image && (error = set(data, opt->to_image, json_string(t->image))) < 0)
		goto fail;
	for (size_t ai = 0; ai < t->nannotations; ai++) {
		const struct ls_annotation *a = &t->annotations[ai];
		json_t *ann = json_object(), *results = json_array();
		long long id = a->id ? a->id : (*next_ann)++;

		if (!ann || !results || push(anns, ann) < 0) {
			json_decref(results);
			error = error_oom();
			goto fail;
		}
		/* set() hands `results` to `ann` even when it fails. */
		if ((error = set(ann, "result", results)) < 0 ||
		    (error = set(ann, "id", json_integer(id))) < 0 ||
		    (a->completed_by &&
		     (error = set(ann, "completed_by", json_integer(a->completed_by))) < 0) ||
		    (error = export_results(results, t, &ix, a, ti, ai, opt)) < 0)
			goto fail;
	}
	if ((error = set(task, "id", json_integer(t->id ? t->id : (long long)ti + 1))) < 0 ||
	    (error = set(task, "data", data)) < 0)
		goto fail_task;
	data = NULL;
	if ((error = set(task, "annotations", anns)) < 0)
		goto fail_task;
	anns = NULL;
	text_index_release(&ix);
	return push(arr, task);
fail:
	json_decref(data);
fail_task:
	json_decref(anns);
	json_decref(task);
	text_index_release(&ix);
	return error;
}

int ls_export(char **out, size_t *len, const struct ls_task *tasks, size_t n,
              const struct ls_options *opt)
{
	static const struct ls_options defaults = LS_OPTIONS_INIT;
	json_t *arr = json_array();
	long long next_ann = 1;
	int error = 0;

	*out = NULL;
	*len = 0;
	if (!opt)
		opt = &defaults;
	if (!arr)
		return error_oom();
	for (size_t i = 0; i < n; i++)
		if ((error = export_task(arr, &tasks[i], i, opt, &next_ann)) < 0)
			goto done;
	if (!(*out = json_dumps(arr, JSON_COMPACT))) {
		error = error_oom();
		goto done;
	}
	*len = strlen(*out);
done:
	json_decref(arr);
	return error;
}
