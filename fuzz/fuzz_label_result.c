/*
 * Fuzz target: the check of an annotation's result, the part of
 * POST /api/annotations and POST /api/review that reads what a browser
 * sent. The first byte picks the task type (ner, class, box, qa), the rest
 * is the result's JSON, checked against a fixed schema and a text of 100
 * code points. The check either accepts, and then every span and evidence
 * lies inside the text with start < end, every box has x0 < x1, y0 < y1 on
 * a page >= 1, every label is in the schema; or it fails with
 * ENCLAVE_EINVALID and a message (fuzz.h's error contract).
 */
#include <jansson.h>

#include "fuzz.h"
#include "label/label_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 1 when the string `s` is in the JSON array `list`. */
static int fuzz_label_in(const json_t *list, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(list, i, v) if (!strcmp(json_string_value(v), s)) return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = { "ner", "class", "box", "qa" };
	const char *type;
	json_t *schema, *result, *items, *it;
	size_t i;
	int rc;

	if (!size)
		return 0;
	type = types[data[0] % 4];
	schema =
	    json_loads("{\"ner\":[\"PERSON\",\"ORG\"],\"classes\":{\"name\":\"t\",\"multi\":false,"
	               "\"labels\":[\"a\",\"b\"]},\"boxes\":[\"stamp\"],\"qa\":true}",
	               0, NULL);
	FUZZ_CHECK(schema != NULL, "the schema does not parse");
	result = json_loadb((const char *)data + 1, size - 1, JSON_DECODE_ANY, NULL);
	if (!result) {
		json_decref(schema);
		return 0;
	}
	enclave_error_clear();
	rc = label_check_result(result, type, 100, schema);
	if (rc < 0) {
		fuzz_check_error(rc, 0);
		FUZZ_CHECK(rc == ENCLAVE_EINVALID, "code %d", rc);
	} else if (!strcmp(type, "ner")) {
		items = json_object_get(result, "spans");
		json_array_foreach(items, i, it)
		{
			json_int_t s = json_integer_value(json_object_get(it, "start"));
			json_int_t e = json_integer_value(json_object_get(it, "end"));
			FUZZ_CHECK(s >= 0 && s < e && e <= 100, "span %zu [%lld, %lld)", i,
			           (long long)s, (long long)e);
			FUZZ_CHECK(fuzz_label_in(json_object_get(schema, "ner"),
			                         json_string_value(json_object_get(it, "label"))),
			           "span %zu: label outside the schema", i);
		}
	} else if (!strcmp(type, "class")) {
		items = json_object_get(result, "labels");
		FUZZ_CHECK(json_array_size(items) <= 1, "several labels, not multi");
		json_array_foreach(items, i, it) FUZZ_CHECK(
		    fuzz_label_in(json_object_get(json_object_get(schema, "classes"), "labels"),
		                  json_string_value(it)),
		    "label %zu outside the schema", i);
	} else if (!strcmp(type, "box")) {
		items = json_object_get(result, "boxes");
		json_array_foreach(items, i, it)
		{
			json_t *bb = json_object_get(it, "bbox");
			FUZZ_CHECK(json_integer_value(json_object_get(it, "page")) >= 1,
			           "box %zu page", i);
			FUZZ_CHECK(json_number_value(json_array_get(bb, 0)) <
			                   json_number_value(json_array_get(bb, 2)) &&
			               json_number_value(json_array_get(bb, 1)) <
			                   json_number_value(json_array_get(bb, 3)),
			           "box %zu is empty", i);
		}
	} else {
		items = json_object_get(result, "pairs");
		json_array_foreach(items, i, it)
		{
			json_t *ev = json_object_get(it, "evidence");
			if (json_is_object(ev)) {
				json_int_t s = json_integer_value(json_object_get(ev, "start"));
				json_int_t e = json_integer_value(json_object_get(ev, "end"));
				FUZZ_CHECK(s >= 0 && s < e && e <= 100, "evidence %zu", i);
			}
		}
	}
	json_decref(result);
	json_decref(schema);
	return 0;
}
