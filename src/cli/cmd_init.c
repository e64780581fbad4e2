/*
 * enclave init [DIR]: create a project.
 */
#include "cli.h"

const struct cli_opt cmd_init_opts[] = {
	{ NULL, 0, NULL },
};

int cmd_init(struct cli_ctx *ctx, const char *name, int argc, char **argv)
{
	struct enclave_project_options opts = ENCLAVE_PROJECT_OPTIONS_INIT;
	struct cli_args a;
	const char *dir;
	int rc;

	if ((rc = cli_parse(&a, cmd_init_opts, name, argc, argv)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (a.npos > 1)
		return cli_usage(name, "too many arguments");
	dir = a.npos ? a.pos[0] : (ctx->project_dir ? ctx->project_dir : ".");
	opts.actor = ctx->actor;
	if ((rc = enclave_project_init(dir, &opts)) < 0 ||
	    (rc = enclave_augment_templates_init(dir)) < 0)
		return cli_fail(name, rc);
	fprintf(stderr, "initialised an enclave project in '%s'\n", dir);
	return EXIT_OK;
}
