/*
 * enclave extract [--format text|markdown|json] [--password P] FILE: one
 * file's extraction to stdout, no project needed.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const struct cli_opt cmd_extract_opts[] = {
	{ "format", 'f', "FORMAT" },
	{ "password", 0, "PASSWORD" },
	{ NULL, 0, NULL },
};

int cli_render_format(const char *name, enclave_render_format *out);

/* Map a --format value to a render format; -1 when unknown. */
int cli_render_format(const char *name, enclave_render_format *out)
{
	if (!name || !strcmp(name, "text"))
		*out = ENCLAVE_FORMAT_TEXT;
	else if (!strcmp(name, "markdown") || !strcmp(name, "md"))
		*out = ENCLAVE_FORMAT_MARKDOWN;
	else if (!strcmp(name, "json"))
		*out = ENCLAVE_FORMAT_JSON;
	else
		return -1;
	return 0;
}

int cmd_extract(struct cli_ctx *ctx, const char *name, int argc, char **argv)
{
	struct enclave_extract_options opts = ENCLAVE_EXTRACT_OPTIONS_INIT;
	enclave_render_format fmt;
	enclave_doc *doc = NULL;
	struct cli_args a;
	char *out = NULL;
	size_t len;
	int rc;

	(void)ctx;
	if ((rc = cli_parse(&a, cmd_extract_opts, name, argc, argv)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (a.npos != 1)
		return cli_usage(name, "give exactly one FILE");
	if (cli_render_format(cli_value(&a, cmd_extract_opts, "format"), &fmt) < 0)
		return cli_usage(name, "--format is text, markdown or json");
	opts.password = cli_value(&a, cmd_extract_opts, "password");
	if ((rc = enclave_extract_file(&doc, a.pos[0], &opts)) < 0)
		return cli_fail(name, rc);
	rc = enclave_doc_render(&out, &len, doc, fmt);
	enclave_doc_free(doc);
	if (rc < 0)
		return cli_fail(name, rc);
	rc = fwrite(out, 1, len, stdout) == len && fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
	if (rc)
		cli_error(name, "cannot write to stdout");
	free(out);
	return rc;
}
