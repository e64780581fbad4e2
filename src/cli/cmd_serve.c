/*
 * enclave serve [--listen ADDR:PORT] [--tls-cert F --tls-key F] [--insecure]
 * [--idle-timeout S] [--threads N]: the label web app and its API
 * (src/server/).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "../server/server.h"

const struct cli_opt cmd_serve_opts[] = {
	{ "listen", 'l', "ADDR:PORT" },
	{ "tls-cert", 0, "FILE" },
	{ "tls-key", 0, "FILE" },
	{ "insecure", 0, NULL },
	{ "idle-timeout", 0, "SECONDS" },
	{ "threads", 0, "N" },
	{ NULL, 0, NULL },
};

/* A number option in [lo, hi]; 0 when absent; -1 when malformed. */
static long number(const char *s, long lo, long hi)
{
	char *end;
	long v;

	if (!s)
		return 0;
	v = strtol(s, &end, 10);
	return *s && !*end && v >= lo && v <= hi ? v : -1;
}

int cmd_serve(struct cli_ctx *ctx, const char *name, int argc, char **argv)
{
	struct server_options o;
	struct cli_args a;
	char *dir = NULL;
	long idle, threads;
	int rc;

	if ((rc = cli_parse(&a, cmd_serve_opts, name, argc, argv)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (a.npos)
		return cli_usage(name, "serve takes no arguments");
	memset(&o, 0, sizeof(o));
	o.listen = cli_value(&a, cmd_serve_opts, "listen");
	o.tls_cert = cli_value(&a, cmd_serve_opts, "tls-cert");
	o.tls_key = cli_value(&a, cmd_serve_opts, "tls-key");
	o.insecure = cli_value(&a, cmd_serve_opts, "insecure") != NULL;
	if (!o.tls_cert != !o.tls_key)
		return cli_usage(name, "--tls-cert and --tls-key go together");
	if ((idle = number(cli_value(&a, cmd_serve_opts, "idle-timeout"), 1, 12 * 3600)) < 0)
		return cli_usage(name, "--idle-timeout is 1 to 43200 seconds");
	if ((threads = number(cli_value(&a, cmd_serve_opts, "threads"), 1, 256)) < 0)
		return cli_usage(name, "--threads is 1 to 256");
	o.idle_timeout = (int)idle;
	o.threads = (int)threads;
	o.actor = ctx->actor;
	if ((rc = enclave_project_discover(&dir, ctx->project_dir ? ctx->project_dir : ".")) < 0)
		return cli_fail(name, rc);
	o.project_dir = dir;
	rc = server_run(&o);
	free(dir);
	return rc;
}
