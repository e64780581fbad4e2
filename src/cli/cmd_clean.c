/*
 * enclave clean --lang: fill the language of documents that have none.
 * enclave clean --pii [--preset P] [--entities L,...] [--min-score S]
 * [--operator SPEC] [--jobs N] [--json] [--quiet]: scan every ok document
 * of the project for PII, store the spans, and write redacted text layers.
 * Documents that cannot be scanned are reported and recorded; the exit code
 * is 3 when any failed.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const struct cli_opt cmd_clean_opts[] = {
	{ "pii", 0, NULL },          { "preset", 0, "PRESET" }, { "entities", 0, "LABELS" },
	{ "min-score", 0, "SCORE" }, { "operator", 0, "SPEC" }, { "jobs", 'j', "N" },
	{ "json", 0, NULL },         { "quiet", 'q', NULL },    { "ner", 0, NULL },
	{ "no-ner", 0, NULL },       { "clinical", 0, NULL },   { "no-clinical", 0, NULL },
	{ "lang", 0, NULL },         { NULL, 0, NULL },
};

struct progress {
	int tty, json, quiet;
	int drawn;
};

/* Called once per document, in order, once committed. */
static void on_item(const struct enclave_clean_item *it, void *payload)
{
	struct progress *pr = payload;

	if (pr->drawn) {
		fputs("\r\033[K", stderr);
		pr->drawn = 0;
	}
	if (pr->json) {
		printf("{\"document\":%lld,\"path\":", (long long)it->document_id);
		cli_json_string(stdout, it->path);
		printf(",\"status\":\"%s\",\"spans\":%zu,\"redacted\":%s,\"error\":",
		       it->failed ? "failed" : "ok", it->spans, it->redacted ? "true" : "false");
		cli_json_string(stdout, it->error);
		printf("}\n");
		fflush(stdout);
	}
	if (it->failed && !pr->quiet)
		fprintf(stderr, "enclave clean: failed: document %lld: %s\n",
		        (long long)it->document_id, it->error ? it->error : "?");
	if (pr->tty && !pr->quiet && it->done < it->total) {
		int width = 30, fill = (int)((double)it->done / (double)it->total * width);
		fprintf(stderr, "[%.*s%*s] %zu/%zu", fill, "##############################",
		        width - fill, "", it->done, it->total);
		pr->drawn = 1;
	}
}

/* clean --lang on open project `p`: 0 or the exit code of a failure. */
static int clean_lang(enclave_project *p, const char *name, int json, int quiet)
{
	struct enclave_clean_lang_summary s;
	int rc;

	if ((rc = enclave_clean_lang(p, &s)) < 0)
		return cli_fail(name, rc);
	if (json)
		printf("{\"languages\":{\"documents\":%zu,\"metadata\":%zu,\"identified\":%zu,"
		       "\"undetermined\":%zu}}\n",
		       s.documents, s.metadata, s.identified, s.undetermined);
	if (!quiet)
		fprintf(stderr,
		        "languages: %zu document%s without one: %zu from metadata, %zu identified,"
		        " %zu undetermined\n",
		        s.documents, s.documents == 1 ? "" : "s", s.metadata, s.identified,
		        s.undetermined);
	return 0;
}

int cmd_clean(struct cli_ctx *ctx, const char *name, int argc, char **argv)
{
	struct enclave_clean_options opts = ENCLAVE_CLEAN_OPTIONS_INIT;
	struct enclave_clean_summary s;
	struct progress pr = { 0, 0, 0, 0 };
	enclave_project *p = NULL;
	struct cli_args a;
	const char *v;
	int rc, l, first = 1;

	if ((rc = cli_parse(&a, cmd_clean_opts, name, argc, argv)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (a.npos)
		return cli_usage(name, "takes no arguments: it cleans the whole project");
	if (!cli_value(&a, cmd_clean_opts, "pii") && !cli_value(&a, cmd_clean_opts, "lang"))
		return cli_usage(name, "say what to clean: --lang, --pii or both");
	opts.pii = cli_value(&a, cmd_clean_opts, "pii") != NULL;
	if ((v = cli_value(&a, cmd_clean_opts, "jobs"))) {
		char *end;
		long n = strtol(v, &end, 10);
		if (*end || end == v || n < 1 || n > 64)
			return cli_usage(name, "--jobs takes a number from 1 to 64");
		opts.jobs = (int)n;
	}
	if ((v = cli_value(&a, cmd_clean_opts, "min-score"))) {
		char *end;
		double d = strtod(v, &end);
		if (*end || end == v || !isfinite(d) || d < 0 || d > 1)
			return cli_usage(name, "--min-score takes a number from 0 to 1");
		opts.min_score = d;
	}
	if ((v = cli_value(&a, cmd_clean_opts, "preset"))) {
		enclave_pii_labels labels;
		if (enclave_pii_preset(v, &labels) < 0)
			return cli_usage(name, "--preset is all, hipaa, gdpr or pci");
		opts.preset = v;
	}
	opts.entities = cli_value(&a, cmd_clean_opts, "entities");
	if ((cli_value(&a, cmd_clean_opts, "ner") && cli_value(&a, cmd_clean_opts, "no-ner")) ||
	    (cli_value(&a, cmd_clean_opts, "clinical") &&
	     cli_value(&a, cmd_clean_opts, "no-clinical")))
		return cli_usage(name, "an option and its --no- form do not go together");
	opts.ner = cli_value(&a, cmd_clean_opts, "ner")      ? 1
	           : cli_value(&a, cmd_clean_opts, "no-ner") ? 0
	                                                     : -1;
	opts.clinical = cli_value(&a, cmd_clean_opts, "clinical")      ? 1
	                : cli_value(&a, cmd_clean_opts, "no-clinical") ? 0
	                                                               : -1;
	opts.operators = cli_value(&a, cmd_clean_opts, "operator");
	if (opts.operators) {
		struct enclave_redact_policy policy;
		if (enclave_redact_policy_parse(&policy, opts.operators) < 0)
			return cli_usage(name, "--operator: %s", enclave_error_last());
	}
	pr.tty = ctx->tty;
	pr.json = cli_value(&a, cmd_clean_opts, "json") != NULL;
	pr.quiet = cli_value(&a, cmd_clean_opts, "quiet") != NULL;
	if ((rc = cli_open_project(&p, ctx, name)) != 0)
		return rc;
	if (cli_value(&a, cmd_clean_opts, "lang") &&
	    (rc = clean_lang(p, name, pr.json, pr.quiet)) != 0) {
		enclave_project_free(p);
		return rc;
	}
	if (!opts.pii) {
		enclave_project_free(p);
		return EXIT_OK;
	}
	rc = enclave_clean(p, &opts, &s, on_item, &pr);
	if (pr.drawn)
		fputs("\r\033[K", stderr);
	enclave_project_free(p);
	if (rc < 0) {
		rc = cli_fail(name, rc);
		if (s.scanned + s.failed)
			fprintf(stderr,
			        "enclave clean: stopped after %zu of %zu documents (committed"
			        " documents are kept)\n",
			        s.scanned + s.failed, s.documents);
		return rc;
	}
	if (!pr.quiet) {
		fprintf(stderr,
		        "cleaned %zu document%s: %zu scanned, %zu failed, %zu redacted; %zu span%s",
		        s.documents, s.documents == 1 ? "" : "s", s.scanned, s.failed, s.redacted,
		        s.spans, s.spans == 1 ? "" : "s");
		for (l = 0; l < ENCLAVE_PII_LABEL_COUNT; l++) {
			if (!s.per_label[l])
				continue;
			fprintf(stderr, "%s%s %zu", first ? " (" : ", ", enclave_pii_label_name(l),
			        s.per_label[l]);
			first = 0;
		}
		fputs(first ? "\n" : ")\n", stderr);
	}
	return s.failed ? EXIT_PARTIAL : EXIT_OK;
}
