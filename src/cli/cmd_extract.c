/*
 * enclave extract [--format text|markdown|json] [--password P] [--ocr MODE]
 * [--lang L] [--dpi N] [--timeout S] [--jobs N] FILE: one file's extraction
 * to stdout, no project needed. The extraction options shared with ingest
 * (--ocr, --lang, --dpi, --timeout) are read by cli_extract_options here.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const struct cli_opt cmd_extract_opts[] = {
	{ "format", 'f', "FORMAT" }, { "password", 0, "PASSWORD" },
	{ "ocr", 0, "MODE" },        { "lang", 0, "LANG" },
	{ "dpi", 0, "N" },           { "timeout", 0, "SECONDS" },
	{ "jobs", 'j', "N" },        { NULL, 0, NULL },
};

int cli_extract_options(struct enclave_extract_options *opts, const struct cli_args *a,
                        const struct cli_opt *table, const char *cmd);

/* True when `s` is Tesseract language names (letters, digits, '_') joined by '+'. */
static int lang_ok(const char *s)
{
	size_t n = strlen(s);
	int prev_plus = 1;

	if (n == 0 || n > 63)
		return 0;
	for (; *s; s++) {
		if (*s == '+') {
			if (prev_plus)
				return 0;
			prev_plus = 1;
		} else if (isalnum((unsigned char)*s) || *s == '_') {
			prev_plus = 0;
		} else {
			return 0;
		}
	}
	return !prev_plus;
}

/*
 * Read --password, --ocr, --lang, --dpi and --timeout of `table` from `a`
 * into `opts` (the strings borrowed from argv). Returns 0, or EXIT_USAGE
 * after reporting a malformed value.
 */
int cli_extract_options(struct enclave_extract_options *opts, const struct cli_args *a,
                        const struct cli_opt *table, const char *cmd)
{
	const char *v;
	char *end;

	opts->password = cli_value(a, table, "password");
	if ((v = cli_value(a, table, "ocr"))) {
		int mode = enclave_ocr_mode_parse(v);

		if (mode < 0)
			return cli_usage(cmd, "--ocr is auto, always or never");
		opts->ocr = (enclave_ocr_mode)mode;
	}
	if ((v = cli_value(a, table, "lang"))) {
		if (!lang_ok(v))
			return cli_usage(cmd, "--lang takes tesseract language names joined by "
			                      "'+' (eng, eng+deu)");
		opts->lang = v;
	}
	if ((v = cli_value(a, table, "dpi"))) {
		long n = strtol(v, &end, 10);

		if (*end || end == v || n < 72 || n > 1200)
			return cli_usage(cmd, "--dpi takes a number from 72 to 1200");
		opts->dpi = (int)n;
	}
	if ((v = cli_value(a, table, "timeout"))) {
		double t = strtod(v, &end);

		if (*end || end == v || !isfinite(t) || t <= 0 || t > 1e6)
			return cli_usage(cmd, "--timeout takes a number of seconds above 0");
		opts->timeout = t;
	}
	return 0;
}

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
	const char *v;
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
	if ((rc = cli_extract_options(&opts, &a, cmd_extract_opts, name)) != 0)
		return rc;
	if ((v = cli_value(&a, cmd_extract_opts, "jobs"))) {
		char *end;
		long n = strtol(v, &end, 10);

		if (*end || end == v || n < 1 || n > 64)
			return cli_usage(name, "--jobs takes a number from 1 to 64");
		opts.jobs = (int)n;
	}
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
