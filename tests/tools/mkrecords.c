/*
 * mkrecords: insert generated records into a project through the public
 * record API (enclave_records_insert), for the server and browser tests of
 * record kinds no deterministic augmenter makes (qa, instruct, paraphrase,
 * summary, suggest-labels, judge: the payloads of the llm tasks' contract).
 *
 *   mkrecords PROJECT_DIR < records.jsonl
 *
 * One JSON object a line: {"kind", "document"?, "chunk"?, "text",
 * "payload"?, "lineage"?, "source_sha256"?}. The key is derived from the
 * line itself, so feeding the same lines twice inserts nothing twice.
 * Prints the number inserted. Exit 0, or 1 with a message.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enclave.h"

#define MAX_LINES 10000

int main(int argc, char **argv)
{
	struct enclave_project_options o = ENCLAVE_PROJECT_OPTIONS_INIT;
	static struct enclave_record_new v[MAX_LINES];
	static char keys[MAX_LINES][65];
	json_t *rows[MAX_LINES];
	char *line = NULL, *texts[MAX_LINES][2];
	size_t cap = 0, n = 0, inserted = 0, i;
	ssize_t len;
	enclave_project *p = NULL;
	int rc = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: mkrecords PROJECT_DIR < records.jsonl\n");
		return 2;
	}
	o.actor = "mkrecords";
	while ((len = getline(&line, &cap, stdin)) > 0) {
		json_error_t err;
		json_t *j;
		if (len <= 1)
			continue;
		if (n == MAX_LINES) {
			fprintf(stderr, "mkrecords: more than %d lines\n", MAX_LINES);
			goto done;
		}
		if (!(j = json_loads(line, 0, &err)) || !json_is_object(j)) {
			fprintf(stderr, "mkrecords: line %zu: %s\n", n + 1,
			        j ? "not an object" : err.text);
			json_decref(j);
			goto done;
		}
		rows[n] = j;
		texts[n][0] = json_object_get(j, "payload")
		                  ? json_dumps(json_object_get(j, "payload"), JSON_COMPACT)
		                  : NULL;
		texts[n][1] = json_object_get(j, "lineage")
		                  ? json_dumps(json_object_get(j, "lineage"), JSON_COMPACT)
		                  : NULL;
		enclave_record_key(keys[n], json_string_value(json_object_get(j, "kind")),
		                   "mkrecords", line, (int64_t)n);
		memset(&v[n], 0, sizeof(v[n]));
		v[n].kind = json_string_value(json_object_get(j, "kind"));
		v[n].key = keys[n];
		v[n].document_id = json_integer_value(json_object_get(j, "document"));
		v[n].chunk = json_object_get(j, "chunk")
		                 ? json_integer_value(json_object_get(j, "chunk"))
		                 : -1;
		v[n].source_sha256 = json_string_value(json_object_get(j, "source_sha256"));
		v[n].text = json_string_value(json_object_get(j, "text"));
		v[n].payload = texts[n][0];
		v[n].lineage = texts[n][1];
		n++;
	}
	if (enclave_project_open(&p, argv[1], &o) < 0 ||
	    enclave_records_insert(p, v, n, &inserted) < 0) {
		fprintf(stderr, "mkrecords: '%s': %s\n", argv[1], enclave_error_last());
		goto done;
	}
	printf("%zu\n", inserted);
	rc = 0;
done:
	for (i = 0; i < n; i++) {
		json_decref(rows[i]);
		free(texts[i][0]);
		free(texts[i][1]);
	}
	free(line);
	enclave_project_free(p);
	return rc;
}
