/*
 * enclave show DOC [--format text|markdown|json] [--spans [--json]]: print
 * one document of the project, or its PII spans.
 */
#include <stdlib.h>

#include "cli.h"

const struct cli_opt cmd_show_opts[] = {
	{ "format", 'f', "FORMAT" },
	{ "spans", 0, NULL },
	{ "json", 0, NULL },
	{ NULL, 0, NULL },
};

/* One span: a JSON line, or a tab-separated line (start, end, label, status, score, source, text). */
static int print_span(const struct enclave_span_info *sp, void *payload)
{
	int json = *(int *)payload;

	if (json) {
		printf("{\"id\":%lld,\"start\":%zu,\"end\":%zu,\"text\":", (long long)sp->id,
		       sp->start, sp->end);
		cli_json_string(stdout, sp->text);
		printf(",\"label\":\"%s\",\"score\":%.3f,\"source\":", sp->label, sp->score);
		cli_json_string(stdout, sp->source);
		printf(",\"status\":\"%s\",\"boxes\":%s", sp->status, sp->boxes);
		if (sp->out_start >= 0)
			printf(",\"redacted\":[%lld,%lld]", (long long)sp->out_start,
			       (long long)sp->out_end);
		else
			printf(",\"redacted\":null");
		printf("}\n");
	} else {
		const char *c;
		printf("%zu\t%zu\t%s\t%s\t%.3f\t%s\t", sp->start, sp->end, sp->label, sp->status,
		       sp->score, sp->source);
		for (c = sp->text; *c; c++)
			putchar(*c == '\n' || *c == '\t' ? ' ' : *c);
		putchar('\n');
	}
	return 0;
}

int cli_render_format(const char *name, enclave_render_format *out);

/* For a failed document there is no content: say why instead. */
static int print_failure(const struct enclave_doc_info *in, void *payload)
{
	int *failed = payload;

	if (!in->error)
		return 0;
	*failed = 1;
	fprintf(stderr, "enclave show: document %lld failed to ingest: %s\n", (long long)in->id,
	        in->error);
	return 0;
}

int cmd_show(struct cli_ctx *ctx, const char *name, int argc, char **argv)
{
	enclave_render_format fmt;
	enclave_project *p = NULL;
	enclave_doc *doc = NULL;
	struct cli_args a;
	long long id;
	char *out = NULL;
	size_t len;
	int rc, failed = 0;

	if ((rc = cli_parse(&a, cmd_show_opts, name, argc, argv)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (a.npos != 1 || (id = cli_parse_id(a.pos[0])) < 0)
		return cli_usage(name, "give one document id");
	if (cli_render_format(cli_value(&a, cmd_show_opts, "format"), &fmt) < 0)
		return cli_usage(name, "--format is text, markdown or json");
	if (cli_value(&a, cmd_show_opts, "json") && !cli_value(&a, cmd_show_opts, "spans"))
		return cli_usage(name, "--json goes with --spans (for a document: --format json)");
	if ((rc = cli_open_project(&p, ctx, name)) != 0)
		return rc;
	if ((rc = enclave_store_info(p, id, print_failure, &failed)) < 0) {
		rc = cli_fail(name, rc);
		goto done;
	}
	if (failed) {
		rc = EXIT_FAIL;
		goto done;
	}
	if (cli_value(&a, cmd_show_opts, "spans")) {
		int json = cli_value(&a, cmd_show_opts, "json") != NULL;
		if ((rc = enclave_clean_spans(p, id, print_span, &json)) < 0)
			rc = cli_fail(name, rc);
		goto done;
	}
	if ((rc = enclave_store_load(&doc, p, id)) < 0 ||
	    (rc = enclave_doc_render(&out, &len, doc, fmt)) < 0) {
		rc = cli_fail(name, rc);
		goto done;
	}
	rc = fwrite(out, 1, len, stdout) == len ? EXIT_OK : EXIT_FAIL;
done:
	free(out);
	enclave_doc_free(doc);
	enclave_project_free(p);
	return rc;
}
