/*
 * enclave export [--format F] [selection, split, format options] OUT: write
 * a dataset folder with its manifest. Documents ship their redacted layer;
 * without one, the export is refused unless --allow-pii (the old
 * --allow-unredacted is its alias). See docs/cli/export.md.
 * With --archive FILE.tar.zst the package is also (or only) written as
 * one reproducible tar.zst.
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
	{ "allow-pii", 0, NULL },
	{ "layer", 0, "LAYER" },
	{ "annotations", 0, "STATUS" },
	{ "lang", 0, "LANG" },
	{ "status", 0, "STATUS" },
	{ "label", 0, "LABEL" },
	{ "unit", 0, "UNIT" },
	{ "split", 0, "PARTS" },
	{ "seed", 0, "N" },
	{ "stratify", 0, "KIND" },
	{ "chunk-by", 0, "UNIT" },
	{ "chunk-size", 0, "N" },
	{ "chunk-overlap", 0, "N" },
	{ "system-prompt", 0, "TEXT" },
	{ "template", 0, "TEXT" },
	{ "dpi", 0, "DPI" },
	{ "archive", 'a', "FILE" },
	{ "records", 0, "KINDS" },
	{ "record-status", 0, "STATUS" },
	{ "ngram", 0, "N" },
	{ "include-contaminated", 0, NULL },
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

/* "80,10,10" or "90,10" into parts; -1 when malformed. */
static int parse_split(unsigned parts[3], const char *s)
{
	char tmp[64], *p, *save = NULL;
	unsigned long long v;
	int n = 0;

	if (strlen(s) >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, strlen(s) + 1);
	for (p = strtok_r(tmp, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		if (n == 3 || cli_parse_uint(&v, p, 100) < 0 || !v)
			return -1;
		parts[n++] = (unsigned)v;
	}
	return n >= 2 && parts[0] + parts[1] + parts[2] == 100 ? 0 : -1;
}

int cmd_export(struct cli_ctx *ctx, const char *name, int argc, char **argv)
{
	struct enclave_export_options opts = ENCLAVE_EXPORT_OPTIONS_INIT;
	struct enclave_export_summary s;
	enclave_project *p = NULL;
	struct cli_args a;
	unsigned long long v;
	const char *fmt, *val, *archive, *out;
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
			return cli_usage(
			    name,
			    "unknown --format '%s' (this build writes: jsonl, csv, chunks,"
			    " conll, spacy, hf-ner, chat, instruct, text, markdown, coco,"
			    " yolo, labelstudio)",
			    fmt);
		opts.format = fmt;
	}
	opts.include_failed = cli_value(&a, cmd_export_opts, "include-failed") != NULL;
	opts.allow_unredacted = cli_value(&a, cmd_export_opts, "allow-unredacted") != NULL ||
	                        cli_value(&a, cmd_export_opts, "allow-pii") != NULL;
	opts.layer = cli_value(&a, cmd_export_opts, "layer");
	opts.annotations = cli_value(&a, cmd_export_opts, "annotations");
	opts.lang = cli_value(&a, cmd_export_opts, "lang");
	opts.status = cli_value(&a, cmd_export_opts, "status");
	opts.label = cli_value(&a, cmd_export_opts, "label");
	opts.unit = cli_value(&a, cmd_export_opts, "unit");
	opts.stratify = cli_value(&a, cmd_export_opts, "stratify");
	opts.chunk_by = cli_value(&a, cmd_export_opts, "chunk-by");
	opts.system_prompt = cli_value(&a, cmd_export_opts, "system-prompt");
	opts.chat_template = cli_value(&a, cmd_export_opts, "template");
	opts.records = cli_value(&a, cmd_export_opts, "records");
	opts.record_status = cli_value(&a, cmd_export_opts, "record-status");
	opts.include_contaminated = cli_value(&a, cmd_export_opts, "include-contaminated") != NULL;
	if ((val = cli_value(&a, cmd_export_opts, "ngram"))) {
		if (cli_parse_uint(&v, val, 32) < 0 || v < 2)
			return cli_usage(name, "--ngram takes 2 to 32 words, not '%s'", val);
		opts.ngram = (unsigned)v;
	}
	if ((val = cli_value(&a, cmd_export_opts, "split")) && !strcmp(val, "project"))
		opts.split_project = 1;
	else if (val && parse_split(opts.split, val) < 0)
		return cli_usage(name,
		                 "--split takes 'project' or 2 or 3 percentages adding up to 100"
		                 " (e.g. 80,10,10), not '%s'",
		                 val);
	if ((val = cli_value(&a, cmd_export_opts, "seed"))) {
		if (cli_parse_uint(&v, val, ~0ULL) < 0)
			return cli_usage(name, "--seed takes a whole number, not '%s'", val);
		opts.seed = v;
	}
	if ((val = cli_value(&a, cmd_export_opts, "chunk-size"))) {
		if (cli_parse_uint(&v, val, 1000000) < 0 || !v)
			return cli_usage(name, "--chunk-size takes 1 to 1000000, not '%s'", val);
		opts.chunk_size = (unsigned)v;
	}
	if ((val = cli_value(&a, cmd_export_opts, "chunk-overlap"))) {
		if (cli_parse_uint(&v, val, 1000000) < 0)
			return cli_usage(name, "--chunk-overlap takes 0 to 1000000, not '%s'", val);
		opts.chunk_overlap = (unsigned)v;
	}
	if ((val = cli_value(&a, cmd_export_opts, "dpi"))) {
		if (cli_parse_uint(&v, val, 600) < 0 || v < 18)
			return cli_usage(name, "--dpi takes 18 to 600, not '%s'", val);
		opts.dpi = (unsigned)v;
	}
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
		const char *what = opts.records ? "record" : "document";
		fprintf(stderr, "exported %zu %s%s to '%s' (%zu files, manifest sha256 %.16s...)\n",
		        s.documents, what, s.documents == 1 ? "" : "s", archive ? archive : out,
		        s.files, s.manifest_sha256);
		if (s.split_project)
			fprintf(stderr, "split: the project's (enclave split)\n");
		if (opts.records && s.contaminated)
			fprintf(stderr,
			        "enclave export: %zu record%s sharing %u-word n-grams with the test"
			        " split: %s\n",
			        s.contaminated, s.contaminated == 1 ? "" : "s",
			        opts.ngram ? opts.ngram : 8,
			        s.contaminated_kept
			            ? "exported anyway (--include-contaminated, audited)"
			            : "left out of train and validation");
		if (s.nsplits == 3)
			fprintf(stderr, "split: %zu train, %zu validation, %zu test\n",
			        s.split_records[0], s.split_records[1], s.split_records[2]);
		else if (s.nsplits == 2)
			fprintf(stderr, "split: %zu train, %zu test\n", s.split_records[0],
			        s.split_records[1]);
		if (s.ner_dropped)
			fprintf(stderr,
			        "enclave export: %zu entity annotation%s dropped: overlapping a"
			        " redaction\n",
			        s.ner_dropped, s.ner_dropped == 1 ? "" : "s");
		if (s.unredacted)
			fprintf(stderr,
			        "enclave export: warning: %zu document%s shipped with %s original"
			        " text (--allow-pii, recorded in the audit trail)\n",
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
