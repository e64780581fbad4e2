/*
 * enclave ingest [--jobs N] [--password P] [--ocr MODE] [--lang L] [--dpi N]
 * [--timeout S] [--json] PATH...: bring files and folders into the project. Failed files are reported and recorded; the
 * exit code is 3 when any failed.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const struct cli_opt cmd_ingest_opts[] = {
	{ "jobs", 'j', "N" }, { "password", 0, "PASSWORD" },
	{ "ocr", 0, "MODE" }, { "lang", 0, "LANG" },
	{ "dpi", 0, "N" },    { "timeout", 0, "SECONDS" },
	{ "json", 0, NULL },  { "quiet", 'q', NULL },
	{ NULL, 0, NULL },
};

/* In cmd_extract.c: --password, --ocr, --lang, --dpi, --timeout. */
int cli_extract_options(struct enclave_extract_options *opts, const struct cli_args *a,
                        const struct cli_opt *table, const char *cmd);

struct progress {
	int tty, json, quiet;
	int drawn;
};

static const char *status_name(enclave_ingest_status s)
{
	return s == ENCLAVE_INGEST_OK ? "ok" : s == ENCLAVE_INGEST_FAILED ? "failed" : "duplicate";
}

/* Called once per file, in order: JSON line, failure message, progress bar. */
static void on_item(const struct enclave_ingest_item *it, void *payload)
{
	struct progress *pr = payload;

	if (pr->drawn) {
		fputs("\r\033[K", stderr);
		pr->drawn = 0;
	}
	if (pr->json) {
		printf("{\"path\":");
		cli_json_string(stdout, it->path);
		printf(",\"status\":\"%s\",\"document\":%lld,\"error\":", status_name(it->status),
		       (long long)it->document_id);
		cli_json_string(stdout, it->error);
		printf("}\n");
		fflush(stdout);
	}
	if (it->status == ENCLAVE_INGEST_FAILED && !pr->quiet)
		fprintf(stderr, "enclave ingest: failed: %s\n", it->error ? it->error : it->path);
	if (pr->tty && !pr->quiet && it->done < it->total) {
		int width = 30, fill = (int)((double)it->done / (double)it->total * width);
		const char *base = strrchr(it->path, '/');
		fprintf(stderr, "[%.*s%*s] %zu/%zu %.40s", fill, "##############################",
		        width - fill, "", it->done, it->total, base ? base + 1 : it->path);
		pr->drawn = 1;
	}
}

int cmd_ingest(struct cli_ctx *ctx, const char *name, int argc, char **argv)
{
	struct enclave_ingest_options opts = ENCLAVE_INGEST_OPTIONS_INIT;
	struct enclave_ingest_summary s;
	struct progress pr = { 0, 0, 0, 0 };
	enclave_project *p = NULL;
	struct cli_args a;
	const char *jobs;
	int rc;

	if ((rc = cli_parse(&a, cmd_ingest_opts, name, argc, argv)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (!a.npos)
		return cli_usage(name, "nothing to ingest: give files or folders");
	if ((jobs = cli_value(&a, cmd_ingest_opts, "jobs"))) {
		char *end;
		long n = strtol(jobs, &end, 10);
		if (*end || n < 1 || n > 64)
			return cli_usage(name, "--jobs takes a number from 1 to 64");
		opts.jobs = (int)n;
	}
	if ((rc = cli_extract_options(&opts.extract, &a, cmd_ingest_opts, name)) != 0)
		return rc;
	pr.tty = ctx->tty;
	pr.json = cli_value(&a, cmd_ingest_opts, "json") != NULL;
	pr.quiet = cli_value(&a, cmd_ingest_opts, "quiet") != NULL;
	if ((rc = cli_open_project(&p, ctx, name)) != 0)
		return rc;
	rc = enclave_ingest(p, (const char *const *)a.pos, (size_t)a.npos, &opts, &s, on_item, &pr);
	if (pr.drawn)
		fputs("\r\033[K", stderr);
	if (rc < 0) {
		rc = cli_fail(name, rc);
		fprintf(stderr,
		        "enclave ingest: stopped after %zu of %zu files (committed files are "
		        "kept)\n",
		        s.ok + s.failed + s.duplicates, s.files);
		enclave_project_free(p);
		return rc;
	}
	enclave_project_free(p);
	if (!pr.quiet) {
		fprintf(stderr, "ingested %zu file%s: %zu ok, %zu failed, %zu already present",
		        s.files, s.files == 1 ? "" : "s", s.ok, s.failed, s.duplicates);
		if (s.children)
			fprintf(stderr, "; %zu embedded file%s, %zu failed", s.children,
			        s.children == 1 ? "" : "s", s.children_failed);
		fputc('\n', stderr);
	}
	return s.failed || s.children_failed ? EXIT_PARTIAL : EXIT_OK;
}
