/*
 * enclave show DOC [--format text|markdown|json]: print one document of the
 * project.
 */
#include <stdlib.h>

#include "cli.h"

const struct cli_opt cmd_show_opts[] = {
	{ "format", 'f', "FORMAT" },
	{ NULL, 0, NULL },
};

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
