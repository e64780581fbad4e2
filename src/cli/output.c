/*
 * Shared CLI plumbing: opening the project for a command.
 */
#include <stdlib.h>

#include "cli.h"

int cli_open_project(enclave_project **out, struct cli_ctx *ctx, const char *cmd)
{
	struct enclave_project_options opts = ENCLAVE_PROJECT_OPTIONS_INIT;
	char *dir = NULL;
	int error;

	*out = NULL;
	opts.actor = ctx->actor;
	if ((error = enclave_project_discover(&dir, ctx->project_dir ? ctx->project_dir : ".")) < 0)
		return cli_fail(cmd, error);
	error = enclave_project_open(out, dir, &opts);
	free(dir);
	if (error < 0)
		return cli_fail(cmd, error);
	return 0;
}
