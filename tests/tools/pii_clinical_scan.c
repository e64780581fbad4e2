/*
 * pii_clinical_scan: the clinical PHI recogniser alone, behind the
 * interface of `enclave scan --jsonl --field text`, so that
 * bench/pii_eval.py can measure what it adds by itself (an ablation) and
 * could measure it before the scanner existed:
 *
 *   pii_clinical_scan scan --jsonl [--field NAME] < in.jsonl > out.jsonl
 *
 * Each input line is a JSON object; its string field NAME (default "text")
 * is scanned and the object is written back with "spans": [{start, end,
 * label, score, text, source}], offsets in code points, overlaps resolved.
 * With PII_GAZETTEERS=DIR set, DIR/{first_names,surnames,cities,us_states}.txt
 * (one entry a line, as in models/gazetteers/) answer the recogniser's
 * gazetteer questions. Any other command ("redact") exits 2, so the harness
 * skips what this tool does not do. Exit status 0, or 1 on bad input.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clean/pii/clinical_int.h"

#define GAZ_KINDS 4
#define GAZ_MAX_WORDS 20000

/* The gazetteers: malloc'd lower-case words, one array a kind. */
static char *gaz_words[GAZ_KINDS][GAZ_MAX_WORDS];
static size_t gaz_n[GAZ_KINDS];

/* The recogniser's lookup: a linear scan is enough for a few thousand words. */
static int gaz_has(const void *payload, enum pii_clinical_gaz kind, const char *word, size_t len)
{
	(void)payload;
	for (size_t i = 0; i < gaz_n[kind]; i++)
		if (strlen(gaz_words[kind][i]) == len &&
		    strncasecmp(gaz_words[kind][i], word, len) == 0)
			return 1;
	return 0;
}

/* Read DIR/NAME.txt into gazetteer `kind`; a missing file is an empty list. */
static void gaz_load(int kind, const char *dir, const char *name)
{
	char path[4096], line[256];
	snprintf(path, sizeof(path), "%s/%s.txt", dir, name);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f) && gaz_n[kind] < GAZ_MAX_WORDS) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] && (gaz_words[kind][gaz_n[kind]] = strdup(line)) != NULL)
			gaz_n[kind]++;
	}
	fclose(f);
}

/* Code points in the valid UTF-8 [s, s+n). */
static size_t code_points(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

/* Scan one object's field and add "spans". Returns 0 or -1. */
static int scan_object(json_t *obj, const char *field, const struct pii_clinical_ctx *ctx)
{
	json_t *v = json_object_get(obj, field);
	if (!json_is_string(v))
		return -1;
	const char *text = json_string_value(v);
	size_t len = json_string_length(v);
	struct enclave_pii_spans spans = { 0 };
	if (pii_clinical_scan(ctx, text, len, &spans) < 0)
		return -1;
	if (enclave_pii_spans_resolve(&spans) < 0) {
		enclave_pii_spans_free(&spans);
		return -1;
	}
	json_t *arr = json_array();
	for (size_t i = 0; i < spans.n; i++) {
		const struct enclave_pii_span *sp = &spans.v[i];
		json_array_append_new(arr,
		                      json_pack("{s:I, s:I, s:s, s:f, s:s#, s:s}", "start",
		                                (json_int_t)code_points(text, sp->start), "end",
		                                (json_int_t)code_points(text, sp->end), "label",
		                                enclave_pii_label_name(sp->label), "score",
		                                (double)sp->score, "text", text + sp->start,
		                                (int)(sp->end - sp->start), "source", sp->source));
	}
	json_object_set_new(obj, "spans", arr);
	enclave_pii_spans_free(&spans);
	return 0;
}

int main(int argc, char **argv)
{
	const char *field = "text";
	int jsonl = 0, status = 0;

	if (argc < 2 || strcmp(argv[1], "scan") != 0)
		return 2;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--jsonl") == 0)
			jsonl = 1;
		else if (strcmp(argv[i], "--field") == 0 && i + 1 < argc)
			field = argv[++i];
		else if (strcmp(argv[i], "--help") != 0)
			return 2;
	}
	if (!jsonl)
		return 0; /* `scan --help`: the harness only asks whether the command exists */

	struct pii_clinical_ctx ctx = { 0 };
	const char *dir = getenv("PII_GAZETTEERS");
	if (dir && dir[0]) {
		gaz_load(PII_CLINICAL_GAZ_FIRST_NAME, dir, "first_names");
		gaz_load(PII_CLINICAL_GAZ_SURNAME, dir, "surnames");
		gaz_load(PII_CLINICAL_GAZ_CITY, dir, "cities");
		gaz_load(PII_CLINICAL_GAZ_US_STATE, dir, "us_states");
		ctx.has = gaz_has;
	}

	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, stdin)) > 0) {
		json_error_t err;
		json_t *obj = json_loadb(line, (size_t)n, 0, &err);
		if (!obj || !json_is_object(obj) || scan_object(obj, field, &ctx) < 0) {
			fprintf(stderr, "pii_clinical_scan: bad input line: %s\n",
			        obj ? "no text" : err.text);
			json_decref(obj);
			status = 1;
			break;
		}
		char *out = json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII);
		if (out)
			puts(out);
		free(out);
		json_decref(obj);
	}
	free(line);
	for (int k = 0; k < GAZ_KINDS; k++)
		for (size_t i = 0; i < gaz_n[k]; i++)
			free(gaz_words[k][i]);
	return status;
}
