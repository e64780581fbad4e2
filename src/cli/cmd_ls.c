/*
 * enclave ls [--json] [--failed]: list the project's documents.
 */
#include "cli.h"

const struct cli_opt cmd_ls_opts[] = {
	{ "json", 0, NULL },
	{ "failed", 0, NULL },
	{ NULL, 0, NULL },
};

struct ls_state {
	int header;      /* the table header was printed */
	int failed_only; /* --failed */
};

static int print_json(const struct enclave_doc_info *in, void *payload)
{
	struct ls_state *st = payload;

	if (st->failed_only && !in->error)
		return 0;
	printf("{\"id\":%lld,\"path\":", (long long)in->id);
	cli_json_string(stdout, in->path);
	printf(",\"format\":");
	cli_json_string(stdout, in->format);
	printf(",\"status\":");
	cli_json_string(stdout, in->status);
	printf(",\"error\":");
	cli_json_string(stdout, in->error);
	printf(",\"pages\":%d,\"blocks\":%d,\"sha256\":", in->pages, in->blocks);
	cli_json_string(stdout, in->sha256);
	printf(",\"size\":%lld,\"media_type\":", (long long)in->size);
	cli_json_string(stdout, in->media_type);
	printf(",\"title\":");
	cli_json_string(stdout, in->title);
	printf(",\"language\":");
	cli_json_string(stdout, in->language);
	printf(",\"language_source\":");
	cli_json_string(stdout, in->language_source);
	printf(",\"created_at\":");
	cli_json_string(stdout, in->created_at);
	if (in->parent_id)
		printf(",\"parent\":%lld", (long long)in->parent_id);
	else
		printf(",\"parent\":null");
	printf("}\n");
	return 0;
}

static int print_row(const struct enclave_doc_info *in, void *payload)
{
	struct ls_state *st = payload;
	int *header = &st->header;

	if (st->failed_only && !in->error)
		return 0;
	if (!*header) {
		printf("%6s  %-6s  %-8s  %-4s  %5s  %6s  %s\n", "ID", "STATUS", "FORMAT", "LANG",
		       "PAGES", "BLOCKS", "PATH");
		*header = 1;
	}
	printf("%6lld  %-6s  %-8s  %-4s  %5d  %6d  %s\n", (long long)in->id, in->status,
	       in->format ? in->format : "-", in->language ? in->language : "-", in->pages,
	       in->blocks, in->path);
	if (in->error)
		printf("%6s  %s\n", "", in->error);
	return 0;
}

int cmd_ls(struct cli_ctx *ctx, const char *name, int argc, char **argv)
{
	enclave_project *p = NULL;
	struct cli_args a;
	struct ls_state st = { 0, 0 };
	int rc;

	if ((rc = cli_parse(&a, cmd_ls_opts, name, argc, argv)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (a.npos)
		return cli_usage(name, "no arguments expected");
	st.failed_only = cli_value(&a, cmd_ls_opts, "failed") != NULL;
	if ((rc = cli_open_project(&p, ctx, name)) != 0)
		return rc;
	if (cli_value(&a, cmd_ls_opts, "json"))
		rc = enclave_store_list(p, print_json, &st);
	else
		rc = enclave_store_list(p, print_row, &st);
	rc = rc < 0 ? cli_fail(name, rc) : EXIT_OK;
	enclave_project_free(p);
	return rc;
}
