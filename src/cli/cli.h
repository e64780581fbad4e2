/*
 * The CLI's shared pieces: the command table, declarative options, exit
 * codes, opening the project, and output helpers. The CLI includes only the
 * public headers of libenclave: it translates arguments and exit codes.
 */
#ifndef ENCLAVE_CLI_H
#define ENCLAVE_CLI_H

#include <stdio.h>

#include "enclave.h"

/* Exit codes, as documented in docs/cli/enclave.md. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_PARTIAL = 3 };

#define CLI_MAX_OPTS 32

/* One option: --name (and -c), taking an argument when `arg` is not NULL. */
struct cli_opt {
	const char *name;
	char short_name; /* 0 for none */
	const char *arg; /* argument name for messages, NULL for a flag */
};

/* What cli_parse found: values[i] for opts[i] ("1" for a set flag, NULL if absent). */
struct cli_args {
	const char *values[CLI_MAX_OPTS];
	char **pos; /* positional arguments (argv, compacted in place) */
	int npos;
};

struct cli_ctx {
	const char *project_dir; /* -C DIR, or NULL to search upward */
	const char *actor;       /* the OS user */
	int tty;                 /* stderr is a terminal: show progress */
};

struct cli_command {
	const char *name;
	int (*run)(struct cli_ctx *ctx, const char *name, int argc, char **argv);
	const struct cli_opt *opts; /* NULL-name terminated */
	const char *summary;
};

/*
 * Parse argv (argv[0] is the command name) against `opts`. Handles --help
 * (prints the command's help and returns -1: the caller exits 0). Returns 0,
 * -1 for help shown, or EXIT_USAGE after printing the problem.
 */
int cli_parse(struct cli_args *out, const struct cli_opt *opts, const char *cmd, int argc,
              char **argv);

/* Index of option `name` in `opts` (for reading cli_args.values). */
const char *cli_value(const struct cli_args *a, const struct cli_opt *opts, const char *name);

/* Print "enclave <cmd>: <message>" to stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Report the library's last error for `cmd` and map `code` to an exit code. */
int cli_fail(const char *cmd, int code);

/* Print the usage error and a pointer to --help; returns EXIT_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Open the project (-C or found upward). Returns 0 or an exit code after reporting. */
int cli_open_project(enclave_project **out, struct cli_ctx *ctx, const char *cmd);

/* Write `s` as a JSON string (quoted, escaped) to `f`; NULL writes null. */
void cli_json_string(FILE *f, const char *s);

/* Parse a document id ("12" or "document:12"); -1 when malformed. */
long long cli_parse_id(const char *s);

/* Parse a whole unsigned decimal `s` no greater than `max`; -1 when malformed. */
int cli_parse_uint(unsigned long long *out, const char *s, unsigned long long max);

/* The generated help page of `name` ("enclave" for the overview), or NULL. */
const char *cli_help_text(const char *name);

/* The commands, for the table in enclave.c. */
int cmd_init(struct cli_ctx *ctx, const char *name, int argc, char **argv);
int cmd_ingest(struct cli_ctx *ctx, const char *name, int argc, char **argv);
int cmd_extract(struct cli_ctx *ctx, const char *name, int argc, char **argv);
int cmd_ls(struct cli_ctx *ctx, const char *name, int argc, char **argv);
int cmd_show(struct cli_ctx *ctx, const char *name, int argc, char **argv);
int cmd_export(struct cli_ctx *ctx, const char *name, int argc, char **argv);
int cmd_verify(struct cli_ctx *ctx, const char *name, int argc, char **argv);
int cmd_clean(struct cli_ctx *ctx, const char *name, int argc, char **argv);
int cmd_audit(struct cli_ctx *ctx, const char *name, int argc, char **argv);
int cmd_reveal(struct cli_ctx *ctx, const char *name, int argc, char **argv);
int cmd_train(struct cli_ctx *ctx, const char *name, int argc, char **argv);
int cmd_scan(struct cli_ctx *ctx, const char *name, int argc, char **argv);
int cmd_redact(struct cli_ctx *ctx, const char *name, int argc, char **argv);
int cmd_user(struct cli_ctx *ctx, const char *name, int argc, char **argv);
int cmd_label(struct cli_ctx *ctx, const char *name, int argc, char **argv);
int cmd_serve(struct cli_ctx *ctx, const char *name, int argc, char **argv);
int cmd_llm(struct cli_ctx *ctx, const char *name, int argc, char **argv);
int cmd_augment(struct cli_ctx *ctx, const char *name, int argc, char **argv);
int cmd_split(struct cli_ctx *ctx, const char *name, int argc, char **argv);

/* The recogniser options of the PII commands, to put in their option tables. */
/* clang-format off */
#define CLI_PII_OPTS                                                                             \
	{ "preset", 'p', "PRESET" }, { "entities", 'e', "LABELS" }, { "min-score", 0, "SCORE" }, \
	{ "no-ner", 0, NULL }, { "ner-model", 0, "MODEL" }, { "ner-sha256", 0, "HEX" },          \
	{ "clinical", 0, NULL }, { "no-clinical", 0, NULL }
/* clang-format on */

/* A scanner built from CLI_PII_OPTS, with the models it holds. */
struct cli_pii {
	enclave_pii_scanner *scanner;
	enclave_ner_model *ner;
	enclave_pii_clinical *clinical;
	enclave_pii_labels labels;
	const char *preset;
};

/*
 * Build p's scanner from the options in `a` (parsed with `opts`, which hold
 * CLI_PII_OPTS). Returns 0, or an exit status after reporting.
 */
int cli_pii_open(struct cli_pii *p, const char *cmd, const struct cli_args *a,
                 const struct cli_opt *opts);

/* Free what cli_pii_open made. */
void cli_pii_close(struct cli_pii *p);

extern const struct cli_opt cmd_init_opts[], cmd_ingest_opts[], cmd_extract_opts[], cmd_ls_opts[],
    cmd_show_opts[], cmd_export_opts[], cmd_verify_opts[], cmd_audit_opts[];
extern const struct cli_opt cmd_reveal_opts[], cmd_train_opts[], cmd_scan_opts[], cmd_redact_opts[];
extern const struct cli_opt cmd_clean_opts[], cmd_user_opts[], cmd_label_opts[], cmd_serve_opts[];
extern const struct cli_opt cmd_llm_opts[];
extern const struct cli_opt cmd_augment_opts[];
extern const struct cli_opt cmd_split_opts[];

#endif
