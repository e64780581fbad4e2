/*
 * enclave export --format jsonl [--include-failed] [--allow-unredacted]
 * [--archive FILE.tar.zst] [OUT]: write a dataset package (folder OUT,
 * and/or one tar.zst). Documents ship their redacted layer; without one,
 * the export is refused unless --allow-unredacted.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <ftw.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

const struct cli_opt cmd_export_opts[] = {
	{ "format", 'f', "FORMAT" },
	{ "include-failed", 0, NULL },
	{ "allow-unredacted", 0, NULL },
	{ "archive", 'a', "FILE" },
	{ NULL, 0, NULL },
};

/* "<archive>.staging-XXXXXX" into out (strlen(archive) + 32 bytes). */
static void sprintf_staging(char *out, const char *archive)
{
	size_t n = strlen(archive);

	memcpy(out, archive, n);
	memcpy(out + n, ".staging-XXXXXX", sizeof(".staging-XXXXXX"));
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Remove the staging folder `dir` and what the export wrote in it. */
static void remove_tree(const char *dir)
{
	if (nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) < 0)
		cli_error("export", "cannot remove the staging folder '%s'", dir);
}

int cmd_export(struct cli_ctx *ctx, const char *name, int argc, char **argv)
{
	struct enclave_export_options opts = ENCLAVE_EXPORT_OPTIONS_INIT;
	struct enclave_export_summary s;
	enclave_project *p = NULL;
	struct cli_args a;
	const char *fmt, *archive, *out;
	char *staging = NULL;
	int rc;

	if ((rc = cli_parse(&a, cmd_export_opts, name, argc, argv)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	archive = cli_value(&a, cmd_export_opts, "archive");
	if (a.npos > 1 || (a.npos == 0 && !archive))
		return cli_usage(name, "give one OUT folder, or --archive FILE.tar.zst, or both");
	if (archive && access(archive, F_OK) == 0)
		return cli_usage(name, "'%s' already exists", archive);
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
	/*
	 * No fastbins for the export: a record is a tree of many small JSON
	 * values freed at once, followed by large allocations (the next
	 * document's text), which make glibc consolidate the fastbins every
	 * time: 18% of the user time of a million-block jsonl export
	 * (bench/export_speed.sh, GLIBC_TUNABLES=glibc.malloc.mxfast=0 measured
	 * the same). The tcache still serves the small allocations.
	 */
	mallopt(M_MXFAST, 0);
	if ((rc = cli_open_project(&p, ctx, name)) != 0)
		return rc;
	if (a.npos) {
		out = a.pos[0];
	} else {
		/* Only an archive: the package is staged in a folder beside it. */
		if (!(staging = malloc(strlen(archive) + 32))) {
			enclave_project_free(p);
			return cli_fail(name, -1);
		}
		sprintf_staging(staging, archive);
		if (!mkdtemp(staging)) {
			cli_error(name, "cannot make a staging folder beside '%s'", archive);
			free(staging);
			enclave_project_free(p);
			return EXIT_FAIL;
		}
		out = staging;
	}
	if ((rc = enclave_export(p, out, &opts, &s)) < 0 ||
	    (archive && (rc = enclave_export_archive(out, archive)) < 0)) {
		rc = cli_fail(name, rc);
	} else {
		fprintf(stderr,
		        "exported %zu document%s to '%s' (%zu files, manifest sha256 %.16s...)\n",
		        s.documents, s.documents == 1 ? "" : "s", archive ? archive : out, s.files,
		        s.manifest_sha256);
		if (s.unredacted)
			fprintf(stderr,
			        "enclave export: warning: %zu document%s shipped with %s original"
			        " text (--allow-unredacted, recorded in the audit trail)\n",
			        s.unredacted, s.unredacted == 1 ? "" : "s",
			        s.unredacted == 1 ? "its" : "their");
	}
	if (staging) {
		remove_tree(staging);
		free(staging);
	}
	enclave_project_free(p);
	return rc < 0 ? EXIT_FAIL : rc;
}
