/*
 * enclave export --format jsonl [--include-failed] [--allow-unredacted] OUT:
 * write a dataset folder with its manifest. Documents ship their redacted
 * layer; without one, the export is refused unless --allow-unredacted.
 */
#include <string.h>

#include "cli.h"

const struct cli_opt cmd_export_opts[] = {
	{ "format", 'f', "FORMAT" },
	{ "include-failed", 0, NULL },
	{ "allow-unredacted", 0, NULL },
	{ NULL, 0, NULL },
};

int cmd_export(struct cli_ctx *ctx, const char *name, int argc, char **argv)
{
	struct enclave_export_options opts = ENCLAVE_EXPORT_OPTIONS_INIT;
	struct enclave_export_summary s;
	enclave_project *p = NULL;
	struct cli_args a;
	const char *fmt;
	int rc;

	if ((rc = cli_parse(&a, cmd_export_opts, name, argc, argv)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (a.npos != 1)
		return cli_usage(name, "give one OUT folder");
	if ((fmt = cli_value(&a, cmd_export_opts, "format"))) {
		const char *const *known = enclave_export_formats();
		while (*known && strcmp(*known, fmt))
			known++;
		if (!*known)
			return cli_usage(name, "unknown --format '%s' (this build writes: jsonl)",
			                 fmt);
		opts.format = fmt;
	}
	opts.include_failed = cli_value(&a, cmd_export_opts, "include-failed") != NULL;
	opts.allow_unredacted = cli_value(&a, cmd_export_opts, "allow-unredacted") != NULL;
	if ((rc = cli_open_project(&p, ctx, name)) != 0)
		return rc;
	if ((rc = enclave_export(p, a.pos[0], &opts, &s)) < 0) {
		rc = cli_fail(name, rc);
	} else {
		fprintf(stderr,
		        "exported %zu document%s to '%s' (%zu files, manifest sha256 %.16s...)\n",
		        s.documents, s.documents == 1 ? "" : "s", a.pos[0], s.files,
		        s.manifest_sha256);
		if (s.unredacted)
			fprintf(stderr,
			        "enclave export: warning: %zu document%s shipped with %s original"
			        " text (--allow-unredacted, recorded in the audit trail)\n",
			        s.unredacted, s.unredacted == 1 ? "" : "s",
			        s.unredacted == 1 ? "its" : "their");
	}
	enclave_project_free(p);
	return rc < 0 ? EXIT_FAIL : rc;
}
