/*
 * enclave label tasks --type T [--k N]: create label tasks for the
 * project's documents (one per document and type).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const struct cli_opt cmd_label_opts[] = {
	{ "type", 't', "TYPE" },
	{ "k", 'k', "N" },
	{ NULL, 0, NULL },
};

int cmd_label(struct cli_ctx *ctx, const char *name, int argc, char **argv)
{
	enclave_project *p = NULL;
	struct cli_args a;
	const char *type, *ks;
	size_t created = 0;
	long k = 0;
	char *end;
	int rc;

	if ((rc = cli_parse(&a, cmd_label_opts, name, argc, argv)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (a.npos != 1 || strcmp(a.pos[0], "tasks"))
		return cli_usage(name, "give the subcommand 'tasks'");
	type = cli_value(&a, cmd_label_opts, "type");
	ks = cli_value(&a, cmd_label_opts, "k");
	if (!enclave_label_type_valid(type))
		return cli_usage(name, "--type is ner, class, box or qa");
	if (ks) {
		k = strtol(ks, &end, 10);
		if (*end || k < 1 || k > 100)
			return cli_usage(name, "--k is a number from 1 to 100");
	}
	if ((rc = cli_open_project(&p, ctx, name)) != 0)
		return rc;
	rc = enclave_label_tasks_create(p, type, (int)k, &created);
	if (rc < 0)
		rc = cli_fail(name, rc);
	else
		printf("%zu %s tasks created\n", created, type);
	enclave_project_free(p);
	return rc < 0 ? EXIT_FAIL : rc;
}
