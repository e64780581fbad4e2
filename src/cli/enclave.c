/*
 * enclave: the command-line front end. Global options, the command table,
 * and dispatch. Each command lives in its own cmd_<name>.c; its help page is
 * docs/cli/<name>.md, compiled in (help.c, generated).
 */
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const struct cli_command commands[] = {
	{ "init", cmd_init, cmd_init_opts, "create a project" },
	{ "ingest", cmd_ingest, cmd_ingest_opts, "bring files and folders into the project" },
	{ "extract", cmd_extract, cmd_extract_opts, "extract one file to stdout, no project" },
	{ "scan", cmd_scan, cmd_scan_opts, "find personal data in text, no project" },
	{ "redact", cmd_redact, cmd_redact_opts, "replace personal data in text, no project" },
	{ "ls", cmd_ls, cmd_ls_opts, "list the project's documents" },
	{ "show", cmd_show, cmd_show_opts, "print one document" },
	{ "clean", cmd_clean, cmd_clean_opts, "find and redact personal data project-wide" },
	{ "export", cmd_export, cmd_export_opts, "write a dataset folder" },
	{ "verify", cmd_verify, cmd_verify_opts, "check an export package, no project" },
	{ "audit", cmd_audit, cmd_audit_opts, "read, verify and export the audit trail" },
	{ "reveal", cmd_reveal, cmd_reveal_opts, "decrypt encrypt-redaction tokens, no project" },
	{ "train", cmd_train, cmd_train_opts, "train the NER tagger (or score it), no project" },
	{ "user", cmd_user, cmd_user_opts, "add, list, disable the label server's users" },
	{ "label", cmd_label, cmd_label_opts, "create label tasks for the documents" },
	{ "serve", cmd_serve, cmd_serve_opts, "serve the label web app and its API" },
	{ "llm", cmd_llm, cmd_llm_opts, "list the LLM endpoints, check one" },
	{ "augment", cmd_augment, cmd_augment_opts,
	  "generate records: entity swaps, synthetic PII, EDA" },
	{ "split", cmd_split, cmd_split_opts, "assign the project's train/validation/test split" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage_summary(FILE *f)
{
	size_t i;

	fprintf(f, "usage: enclave [-C DIR] COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nsee 'enclave --help' or 'enclave COMMAND --help'\n");
}

/* The OS user running us, for the audit trail. */
static const char *os_user(void)
{
	struct passwd *pw = getpwuid(geteuid());

	if (pw && pw->pw_name && *pw->pw_name)
		return pw->pw_name;
	return "unknown";
}

/* For the docs drift test: every command's options, one "command --option" a line. */
static int dump_options(void)
{
	size_t i;
	int j;

	for (i = 0; i < NCOMMANDS; i++)
		for (j = 0; commands[i].opts && commands[i].opts[j].name; j++)
			printf("%s --%s\n", commands[i].name, commands[i].opts[j].name);
	return EXIT_OK;
}

/*
 * Tesseract's OpenMP threads fight ours (a page took 14.5 s with OpenMP's
 * default on 2 cores, 2.25 s with one thread), and Tesseract asks for
 * several threads with num_threads clauses, which only the thread limit
 * caps. libgomp reads OMP_THREAD_LIMIT once, when it loads; it comes with
 * Tesseract, which the library loads with dlopen on the first OCR (see
 * src/lib/ingest/ocr_dl.c), long after this: so setting the variable here,
 * before any thread exists, is enough, with no re-exec. A value the user
 * set is kept.
 */
static void limit_openmp(void)
{
	setenv("OMP_THREAD_LIMIT", "1", 0);
}

int main(int argc, char **argv)
{
	struct cli_ctx ctx;
	int i = 1;
	size_t c;

	limit_openmp();

	memset(&ctx, 0, sizeof(ctx));
	ctx.actor = os_user();
	ctx.tty = isatty(STDERR_FILENO);

	while (i < argc && argv[i][0] == '-') {
		const char *a = argv[i];
		if (!strcmp(a, "-C")) {
			if (i + 1 >= argc)
				return cli_usage(NULL, "option '-C' needs DIR");
			ctx.project_dir = argv[i + 1];
			i += 2;
		} else if (!strncmp(a, "-C", 2)) {
			ctx.project_dir = a + 2;
			i++;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(cli_help_text("enclave") ? cli_help_text("enclave") : "", stdout);
			return EXIT_OK;
		} else if (!strcmp(a, "--version")) {
			printf("enclave %s (schema %d)\n", ENCLAVE_VERSION,
			       enclave_project_schema_version());
			return EXIT_OK;
		} else if (!strcmp(a, "--dump-options")) {
			return dump_options();
		} else {
			return cli_usage(NULL, "unknown option '%s'", a);
		}
	}
	if (i >= argc) {
		usage_summary(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[i], "help")) {
		const char *text = cli_help_text(i + 1 < argc ? argv[i + 1] : "enclave");
		if (!text)
			return cli_usage(NULL, "no help for '%s'", argv[i + 1]);
		fputs(text, stdout);
		return EXIT_OK;
	}
	for (c = 0; c < NCOMMANDS; c++)
		if (!strcmp(commands[c].name, argv[i]))
			return commands[c].run(&ctx, commands[c].name, argc - i, argv + i);
	cli_error(NULL, "'%s' is not a command", argv[i]);
	usage_summary(stderr);
	return EXIT_USAGE;
}
