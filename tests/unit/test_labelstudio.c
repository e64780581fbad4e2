/*
 * Unit tests of src/lib/label/labelstudio.c: Label Studio JSON import and
 * export, UTF-16 offsets, percent boxes, per-task errors, round trips.
 *
 * The fixtures are written for these tests. Offsets of the emoji text were
 * worked out once with Python (len(s[:i].encode("utf-16-le")) // 2):
 *
 *   "Hi 😀 Ann met Bob 👋🏽 in Zürich."   30 code points, 33 UTF-16 units
 *   Ann      code points [5, 8)    UTF-16 [6, 9)
 *   Bob      code points [13, 16)  UTF-16 [14, 17)
 *   👋🏽       code points [17, 19)  UTF-16 [18, 22)
 *   Zürich.  code points [23, 30)  UTF-16 [26, 33)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "enclave.h"
#include "label/labelstudio.h"

#define EMOJI_TEXT \
	"Hi \xf0\x9f\x98\x80 Ann met Bob \xf0\x9f\x91\x8b\xf0\x9f\x8f\xbd in Z\xc3\xbcrich."

/* Two good tasks (text, image) and, between them, bad ones of every kind. */
static const char fixture[] =
    "[\n"
    /* 0: text, two annotators, spans in UTF-16 units, a choice, an answer, a relation */
    " {\"id\": 41, \"data\": {\"text\": \"" EMOJI_TEXT "\"},\n"
    "  \"annotations\": [\n"
    "   {\"id\": 5, \"completed_by\": 2, \"result\": [\n"
    "     {\"id\": \"a\", \"type\": \"labels\", \"from_name\": \"ner\", \"to_name\": \"text\",\n"
    "      \"value\": {\"start\": 6, \"end\": 9, \"text\": \"Ann\", \"labels\": [\"PERSON\"]}},\n"
    "     {\"id\": \"b\", \"type\": \"labels\", \"from_name\": \"ner\", \"to_name\": \"text\",\n"
    "      \"value\": {\"start\": 26, \"end\": 33, \"text\": \"Z\xc3\xbcrich.\",\n"
    "                 \"labels\": [\"LOC\", \"GPE\"]}},\n"
    "     {\"type\": \"choices\", \"value\": {\"choices\": [\"travel\", \"people\"]}},\n"
    "     {\"type\": \"textarea\", \"value\": {\"text\": [\"Who met Bob?\"]}},\n"
    "     {\"type\": \"relation\", \"from_id\": \"a\", \"to_id\": \"b\"}]},\n"
    "   {\"id\": 6, \"completed_by\": {\"id\": 3, \"email\": \"x@example.invalid\"},\n"
    "    \"result\": [\n"
    "     {\"type\": \"labels\", \"value\": {\"start\": 14, \"end\": 17,\n"
    "                                      \"labels\": [\"PERSON\"]}},\n"
    "     {\"type\": \"labels\", \"value\": {\"start\": 18, \"end\": 22,\n"
    "                                      \"labels\": [\"EMOJI\"]}}]}]},\n"
    /* 1: an offset inside the surrogate pair of the waving hand */
    " {\"data\": {\"text\": \"" EMOJI_TEXT "\"}, \"annotations\": [{\"result\": [\n"
    "   {\"type\": \"labels\", \"value\": {\"start\": 19, \"end\": 22, \"labels\": [\"X\"]}}]}]},\n"
    /* 2: offsets counted in code points, caught by the text check */
    " {\"data\": {\"text\": \"" EMOJI_TEXT "\"}, \"annotations\": [{\"result\": [\n"
    "   {\"type\": \"labels\", \"value\": {\"start\": 13, \"end\": 16, \"text\": \"Bob\",\n"
    "                                    \"labels\": [\"PERSON\"]}}]}]},\n"
    /* 3: no data */
    " {\"id\": 9, \"annotations\": []},\n"
    /* 4: image, boxes in percent of 200 x 100 pixels, one rotated */
    " {\"id\": 42, \"data\": {\"image\": \"/data/scan-1.png\"},\n"
    "  \"completions\": [{\"id\": 7, \"result\": [\n"
    "   {\"type\": \"rectanglelabels\", \"original_width\": 200, \"original_height\": 100,\n"
    "    \"value\": {\"x\": 10, \"y\": 20, \"width\": 25, \"height\": 50, \"rotation\": 0,\n"
    "              \"rectanglelabels\": [\"stamp\"]}},\n"
    "   {\"type\": \"rectanglelabels\", \"original_width\": 200, \"original_height\": 100,\n"
    "    \"value\": {\"x\": 50, \"y\": 50, \"width\": 10, \"height\": 10, \"rotation\": 30,\n"
    "              \"rectanglelabels\": [\"signature\"]}},\n"
    "   {\"type\": \"choices\", \"value\": {\"choices\": [\"invoice\"]}}]}]},\n"
    /* 5: a box on a text task */
    " {\"data\": {\"text\": \"abc\"}, \"annotations\": [{\"result\": [\n"
    "   {\"type\": \"rectanglelabels\", \"original_width\": 2, \"original_height\": 2,\n"
    "    \"value\": {\"x\": 0, \"y\": 0, \"width\": 1, \"height\": 1,\n"
    "              \"rectanglelabels\": [\"a\"]}}]}]},\n"
    /* 6: a box past the right edge */
    " {\"data\": {\"image\": \"p.png\"}, \"annotations\": [{\"result\": [\n"
    "   {\"type\": \"rectanglelabels\", \"original_width\": 2, \"original_height\": 2,\n"
    "    \"value\": {\"x\": 90, \"y\": 0, \"width\": 20, \"height\": 1,\n"
    "              \"rectanglelabels\": [\"a\"]}}]}]},\n"
    /* 7: labels not an array; 8: end past the text; 9: not an object */
    " {\"data\": {\"text\": \"abc\"}, \"annotations\": [{\"result\": [\n"
    "   {\"type\": \"labels\", \"value\": {\"start\": 0, \"end\": 1, \"labels\": \"a\"}}]}]},\n"
    " {\"data\": {\"text\": \"abc\"}, \"annotations\": [{\"result\": [\n"
    "   {\"type\": \"labels\", \"value\": {\"start\": 0, \"end\": 4, \"labels\": [\"a\"]}}]}]},\n"
    " 17\n"
    "]\n";

/* The error reported for task `index`, or NULL. */
static const char *error_of(const struct ls_import *imp, size_t index)
{
	for (size_t i = 0; i < imp->nerrors; i++)
		if (imp->errors[i].task == index)
			return imp->errors[i].message;
	return NULL;
}

static void offsets_utf16(void **state)
{
	static const char t[] = EMOJI_TEXT;
	size_t n = sizeof(t) - 1, out;

	(void)state;
	/* (UTF-16, code point) pairs on character boundaries. */
	static const size_t pairs[][2] = { { 0, 0 },   { 3, 3 },   { 5, 4 },   { 6, 5 },
		                           { 9, 8 },   { 14, 13 }, { 18, 17 }, { 20, 18 },
		                           { 22, 19 }, { 26, 23 }, { 33, 30 } };
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		assert_int_equal(ls_utf16_to_cp(&out, t, n, pairs[i][0]), 0);
		assert_int_equal(out, pairs[i][1]);
		assert_int_equal(ls_cp_to_utf16(&out, t, n, pairs[i][1]), 0);
		assert_int_equal(out, pairs[i][0]);
	}
	/* Inside the pairs of 😀 (units 3-4), 👋 (18-19), 🏽 (20-21). */
	assert_int_equal(ls_utf16_to_cp(&out, t, n, 4), ENCLAVE_EINVALID);
	assert_non_null(strstr(enclave_error_last(), "surrogate pair"));
	assert_int_equal(ls_utf16_to_cp(&out, t, n, 19), ENCLAVE_EINVALID);
	assert_int_equal(ls_utf16_to_cp(&out, t, n, 21), ENCLAVE_EINVALID);
	assert_int_equal(ls_utf16_to_cp(&out, t, n, 34), ENCLAVE_EINVALID);
	assert_int_equal(ls_cp_to_utf16(&out, t, n, 31), ENCLAVE_EINVALID);
	/* A long text crosses the index's marks: 600 x "é😀" then "end". */
	{
		char *big = malloc(600 * 6 + 4), *p = big;
		for (int i = 0; i < 600; i++) {
			memcpy(p, "\xc3\xa9\xf0\x9f\x98\x80", 6);
			p += 6;
		}
		memcpy(p, "end", 4);
		assert_int_equal(ls_utf16_to_cp(&out, big, 3603, 1800), 0);
		assert_int_equal(out, 1200);
		assert_int_equal(ls_cp_to_utf16(&out, big, 3603, 1203), 0);
		assert_int_equal(out, 1803);
		assert_int_equal(ls_utf16_to_cp(&out, big, 3603, 1799), ENCLAVE_EINVALID);
		free(big);
	}
}

static void import_fixture(void **state)
{
	struct ls_import imp;
	const struct ls_task *t;
	const struct ls_annotation *a;

	(void)state;
	assert_int_equal(ls_import(&imp, fixture, sizeof(fixture) - 1, NULL), 0);
	assert_int_equal(imp.ntasks, 2);
	assert_int_equal(imp.nerrors, 8);
	assert_int_equal(imp.skipped_results, 1); /* the relation */

	t = &imp.tasks[0];
	assert_int_equal(t->index, 0);
	assert_int_equal(t->id, 41);
	assert_string_equal(t->text, EMOJI_TEXT);
	assert_null(t->image);
	assert_int_equal(t->nannotations, 2);
	a = &t->annotations[0];
	assert_int_equal(a->id, 5);
	assert_int_equal(a->completed_by, 2);
	assert_int_equal(a->nspans, 3); /* Ann, and Zürich. twice (two labels) */
	assert_int_equal(a->spans[0].start, 5);
	assert_int_equal(a->spans[0].end, 8);
	assert_string_equal(a->spans[0].label, "PERSON");
	assert_int_equal(a->spans[1].start, 23);
	assert_int_equal(a->spans[1].end, 30);
	assert_string_equal(a->spans[1].label, "LOC");
	assert_string_equal(a->spans[2].label, "GPE");
	assert_int_equal(a->nchoices, 2);
	assert_string_equal(a->choices[1], "people");
	assert_int_equal(a->ntexts, 1);
	assert_string_equal(a->texts[0], "Who met Bob?");
	a = &t->annotations[1];
	assert_int_equal(a->completed_by, 3);
	assert_int_equal(a->spans[0].start, 13);
	assert_int_equal(a->spans[0].end, 16);
	assert_int_equal(a->spans[1].start, 17);
	assert_int_equal(a->spans[1].end, 19);

	t = &imp.tasks[1];
	assert_int_equal(t->index, 4);
	assert_string_equal(t->image, "/data/scan-1.png");
	assert_null(t->text);
	assert_true(t->page_width == 200 && t->page_height == 100);
	a = &t->annotations[0];
	assert_int_equal(a->id, 7);
	assert_int_equal(a->nboxes, 2);
	/* 10 % of 200 = 20, 20 % of 100 = 20, 35 % of 200 = 70, 70 % of 100 = 70. */
	assert_true(fabs(a->boxes[0].x0 - 20) < 1e-9 && fabs(a->boxes[0].y0 - 20) < 1e-9);
	assert_true(fabs(a->boxes[0].x1 - 70) < 1e-9 && fabs(a->boxes[0].y1 - 70) < 1e-9);
	assert_string_equal(a->boxes[1].label, "signature");
	assert_true(a->boxes[1].rotation == 30.0);
	assert_int_equal(a->nchoices, 1);

	assert_non_null(strstr(error_of(&imp, 1), "task 1: annotation 0: result 0: "));
	assert_non_null(strstr(error_of(&imp, 1), "surrogate pair"));
	assert_non_null(strstr(error_of(&imp, 2), "value.text is not the text"));
	assert_non_null(strstr(error_of(&imp, 3), "no \"data\""));
	assert_null(error_of(&imp, 4));
	assert_non_null(strstr(error_of(&imp, 5), "without an image"));
	assert_non_null(strstr(error_of(&imp, 6), "not inside the image"));
	assert_non_null(strstr(error_of(&imp, 7), "value.labels is not a non-empty array"));
	assert_non_null(strstr(error_of(&imp, 8), "past the end"));
	assert_non_null(strstr(error_of(&imp, 9), "task 9: not an object"));
	ls_import_release(&imp);
	assert_null(imp.tasks);
}

/* A page size in points replaces the image's pixels. */
static void import_page_size(void **state)
{
	static const char j[] =
	    "{\"data\": {\"image\": \"p1.png\"}, \"annotations\": [{\"result\": [\n"
	    " {\"type\": \"rectanglelabels\", \"original_width\": 1700, \"original_height\": "
	    "2200,\n"
	    "  \"value\": {\"x\": 50, \"y\": 25, \"width\": 50, \"height\": 10,\n"
	    "            \"rectanglelabels\": [\"table\"]}}]}]}";
	struct ls_options opt = LS_OPTIONS_INIT;
	struct ls_import imp;
	const struct ls_box *b;

	(void)state;
	opt.page_width = 612; /* US Letter in points */
	opt.page_height = 792;
	assert_int_equal(ls_import(&imp, j, sizeof(j) - 1, &opt), 0);
	assert_int_equal(imp.ntasks, 1);
	b = &imp.tasks[0].annotations[0].boxes[0];
	assert_true(fabs(b->x0 - 306) < 1e-9 && fabs(b->x1 - 612) < 1e-9);
	assert_true(fabs(b->y0 - 198) < 1e-9 && fabs(b->y1 - 277.2) < 1e-9);
	assert_true(imp.tasks[0].page_width == 612);
	ls_import_release(&imp);

	/* Without a page size, a box needs the image's size. */
	{
		static const char k[] =
		    "[{\"data\": {\"image\": \"p\"}, \"annotations\": [{\"result\": "
		    "[{\"type\": \"rectanglelabels\", \"value\": {\"x\": 1, \"y\": "
		    "1, \"width\": 1, \"height\": 1, \"rectanglelabels\": "
		    "[\"t\"]}}]}]}]";
		assert_int_equal(ls_import(&imp, k, sizeof(k) - 1, NULL), 0);
		assert_int_equal(imp.ntasks, 0);
		assert_non_null(strstr(imp.errors[0].message, "original_width"));
		ls_import_release(&imp);
	}
}

static void import_malformed(void **state)
{
	static const char *bad[] = {
		"",
		"[",
		"[{\"data\": {\"text\": \"a\"}},]",
		"{\"data\": {\"text\": \"a\", \"text\": \"b\"}}",
		"\"tasks\"",
		"[{\"data\": {\"text\": \"\xff\"}}]",
	};
	struct ls_import imp;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(ls_import(&imp, bad[i], strlen(bad[i]), NULL), ENCLAVE_EINVALID);
		assert_non_null(strstr(enclave_error_last(), "labelstudio: "));
		assert_int_equal(imp.ntasks, 0);
		assert_null(imp.tasks);
	}
	assert_non_null(strstr(enclave_error_last(), "line 1"));
	assert_int_equal(ls_import(&imp, "[]", 2, NULL), 0);
	assert_int_equal(imp.ntasks + imp.nerrors, 0);
	ls_import_release(&imp);
	/* Bad fields inside tasks fail those tasks only. */
	{
		static const char j[] =
		    "[{\"data\": {\"text\": 5}},"
		    " {\"data\": {\"text\": \"ab\"}, \"annotations\": {}},"
		    " {\"data\": {\"text\": \"ab\"}, \"annotations\": [{\"result\": [{\"type\": "
		    "\"labels\", \"value\": {\"start\": 1.5, \"end\": 2, \"labels\": [\"x\"]}}]}]},"
		    " {\"data\": {\"text\": \"ab\"}, \"annotations\": [{\"result\": [{\"type\": "
		    "\"labels\", \"value\": {\"start\": 2, \"end\": 1, \"labels\": [\"x\"]}}]}]},"
		    " {\"data\": {\"text\": \"ab\"}, \"annotations\": [{\"result\": [{\"value\": "
		    "{}}]}]},"
		    " {\"data\": {\"image\": \"i\"}, \"annotations\": [{\"result\": [{\"type\": "
		    "\"rectanglelabels\", \"original_width\": 10, \"original_height\": 10, "
		    "\"value\": "
		    "{\"x\": 0, \"y\": 0, \"width\": -1, \"height\": 1, \"rectanglelabels\": "
		    "[\"x\"]}}]}]},"
		    " {\"data\": {\"text\": \"ab\"}, \"annotations\": [{\"result\": [{\"type\": "
		    "\"textarea\", \"value\": {\"text\": [3]}}]}]},"
		    " {\"data\": {\"text\": \"ab\"}, \"annotations\": [{\"result\": []}]}]";
		assert_int_equal(ls_import(&imp, j, sizeof(j) - 1, NULL), 0);
		assert_int_equal(imp.ntasks, 1);
		assert_int_equal(imp.tasks[0].index, 7);
		assert_int_equal(imp.nerrors, 7);
		assert_non_null(strstr(error_of(&imp, 0), "data.text is not a string"));
		assert_non_null(strstr(error_of(&imp, 1), "\"annotations\" is not an array"));
		assert_non_null(strstr(error_of(&imp, 2), "integers >= 0"));
		assert_non_null(strstr(error_of(&imp, 3), "before value.start"));
		assert_non_null(strstr(error_of(&imp, 4), "no \"type\""));
		assert_non_null(strstr(error_of(&imp, 5), "negative width"));
		assert_non_null(strstr(error_of(&imp, 6), "value.text[0] is not a string"));
		ls_import_release(&imp);
	}
}

/* Two imports hold the same tasks (boxes to 1e-9 points). */
static void assert_same_tasks(const struct ls_import *x, const struct ls_import *y)
{
	assert_int_equal(x->ntasks, y->ntasks);
	for (size_t i = 0; i < x->ntasks; i++) {
		const struct ls_task *s = &x->tasks[i], *t = &y->tasks[i];
		assert_int_equal(s->id, t->id);
		assert_true((s->text == NULL) == (t->text == NULL));
		if (s->text)
			assert_string_equal(s->text, t->text);
		if (s->image)
			assert_string_equal(s->image, t->image);
		assert_int_equal(s->nannotations, t->nannotations);
		for (size_t k = 0; k < s->nannotations; k++) {
			const struct ls_annotation *a = &s->annotations[k], *b = &t->annotations[k];
			assert_int_equal(a->id, b->id);
			assert_int_equal(a->completed_by, b->completed_by);
			assert_int_equal(a->nspans, b->nspans);
			for (size_t q = 0; q < a->nspans; q++) {
				assert_int_equal(a->spans[q].start, b->spans[q].start);
				assert_int_equal(a->spans[q].end, b->spans[q].end);
				assert_string_equal(a->spans[q].label, b->spans[q].label);
			}
			assert_int_equal(a->nboxes, b->nboxes);
			for (size_t q = 0; q < a->nboxes; q++) {
				assert_true(fabs(a->boxes[q].x0 - b->boxes[q].x0) < 1e-9);
				assert_true(fabs(a->boxes[q].y0 - b->boxes[q].y0) < 1e-9);
				assert_true(fabs(a->boxes[q].x1 - b->boxes[q].x1) < 1e-9);
				assert_true(fabs(a->boxes[q].y1 - b->boxes[q].y1) < 1e-9);
				assert_true(a->boxes[q].rotation == b->boxes[q].rotation);
				assert_string_equal(a->boxes[q].label, b->boxes[q].label);
			}
			assert_int_equal(a->nchoices, b->nchoices);
			for (size_t q = 0; q < a->nchoices; q++)
				assert_string_equal(a->choices[q], b->choices[q]);
			assert_int_equal(a->ntexts, b->ntexts);
			for (size_t q = 0; q < a->ntexts; q++)
				assert_string_equal(a->texts[q], b->texts[q]);
		}
	}
}

/* Import, export, import again: the same tasks; the export has UTF-16 offsets. */
static void round_trip(void **state)
{
	struct ls_import first, second;
	struct ls_options opt = LS_OPTIONS_INIT;
	json_t *root, *v;
	char *out;
	size_t len;

	(void)state;
	assert_int_equal(ls_import(&first, fixture, sizeof(fixture) - 1, NULL), 0);
	opt.from_labels = "ner";
	opt.from_boxes = "bbox";
	assert_int_equal(ls_export(&out, &len, first.tasks, first.ntasks, &opt), 0);
	assert_int_equal(strlen(out), len);
	assert_int_equal(ls_import(&second, out, len, NULL), 0);
	assert_int_equal(second.nerrors, 0);
	assert_same_tasks(&first, &second);

	/* What Label Studio reads: UTF-16 offsets, the text, names, percent boxes. */
	root = json_loads(out, 0, NULL);
	assert_non_null(root);
	assert_int_equal(json_array_size(root), 2);
	v = json_object_get(json_array_get(root, 0), "annotations");
	v = json_array_get(json_object_get(json_array_get(v, 0), "result"), 1);
	assert_string_equal(json_string_value(json_object_get(v, "type")), "labels");
	assert_string_equal(json_string_value(json_object_get(v, "from_name")), "ner");
	assert_string_equal(json_string_value(json_object_get(v, "to_name")), "text");
	assert_non_null(json_string_value(json_object_get(v, "id")));
	v = json_object_get(v, "value");
	assert_int_equal(json_integer_value(json_object_get(v, "start")), 26);
	assert_int_equal(json_integer_value(json_object_get(v, "end")), 33);
	assert_string_equal(json_string_value(json_object_get(v, "text")), "Z\xc3\xbcrich.");
	v = json_object_get(json_array_get(root, 1), "annotations");
	v = json_array_get(json_object_get(json_array_get(v, 0), "result"), 0);
	assert_string_equal(json_string_value(json_object_get(v, "from_name")), "bbox");
	assert_string_equal(json_string_value(json_object_get(v, "to_name")), "image");
	assert_int_equal(json_integer_value(json_object_get(v, "original_width")), 200);
	v = json_object_get(v, "value");
	assert_true(fabs(json_number_value(json_object_get(v, "x")) - 10) < 1e-9);
	assert_true(fabs(json_number_value(json_object_get(v, "width")) - 25) < 1e-9);
	assert_true(fabs(json_number_value(json_object_get(v, "height")) - 50) < 1e-9);
	json_decref(root);
	free(out);
	ls_import_release(&first);
	ls_import_release(&second);
}

/* Export of tasks built by hand: defaults, generated ids, and refusals. */
static void export_built(void **state)
{
	struct ls_span spans[1] = { { 17, 19, (char *)"EMOJI" } };
	struct ls_annotation ann = { 0 };
	struct ls_task task = { 0 };
	struct ls_import back;
	json_t *root, *r;
	char *out;
	size_t len;

	(void)state;
	ann.spans = spans;
	ann.nspans = 1;
	task.text = (char *)EMOJI_TEXT;
	task.annotations = &ann;
	task.nannotations = 1;
	assert_int_equal(ls_export(&out, &len, &task, 1, NULL), 0);
	root = json_loads(out, 0, NULL);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(root, 0), "id")), 1);
	r = json_array_get(json_object_get(json_array_get(root, 0), "annotations"), 0);
	assert_int_equal(json_integer_value(json_object_get(r, "id")), 1);
	assert_null(json_object_get(r, "completed_by"));
	r = json_array_get(json_object_get(r, "result"), 0);
	assert_string_equal(json_string_value(json_object_get(r, "from_name")), "label");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "value"), "start")),
	                 18);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "value"), "end")),
	                 22);
	json_decref(root);
	assert_int_equal(ls_import(&back, out, len, NULL), 0);
	assert_int_equal(back.tasks[0].annotations[0].spans[0].start, 17);
	ls_import_release(&back);
	free(out);

	/* A span past the text, a box without a page size, a task without content. */
	spans[0].end = 31;
	assert_int_equal(ls_export(&out, &len, &task, 1, NULL), ENCLAVE_EINVALID);
	assert_non_null(strstr(enclave_error_last(), "not inside its text"));
	assert_null(out);
	spans[0].end = 19;
	spans[0].label = (char *)"\xff";
	assert_int_equal(ls_export(&out, &len, &task, 1, NULL), ENCLAVE_EINVALID);
	assert_non_null(strstr(enclave_error_last(), "span label"));
	{
		struct ls_box box = { 1, 1, 2, 2, 0, (char *)"b" };
		struct ls_annotation ba = { 0 };
		struct ls_task bt = { 0 };
		ba.boxes = &box;
		ba.nboxes = 1;
		bt.image = (char *)"x.png";
		bt.annotations = &ba;
		bt.nannotations = 1;
		assert_int_equal(ls_export(&out, &len, &bt, 1, NULL), ENCLAVE_EINVALID);
		assert_non_null(strstr(enclave_error_last(), "page size"));
		bt.image = NULL;
		assert_int_equal(ls_export(&out, &len, &bt, 1, NULL), ENCLAVE_EINVALID);
		assert_non_null(strstr(enclave_error_last(), "neither text nor image"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(offsets_utf16),    cmocka_unit_test(import_fixture),
		cmocka_unit_test(import_page_size), cmocka_unit_test(import_malformed),
		cmocka_unit_test(round_trip),       cmocka_unit_test(export_built),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
