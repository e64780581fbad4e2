/*
 * enclave audit log [--json] | verify [--file FILE] [--key HEX] | export FILE:
 * the audit trail.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const struct cli_opt cmd_audit_opts[] = {
	{ "json", 0, NULL },
	{ "file", 0, "FILE" },
	{ "key", 0, "HEX" },
	{ NULL, 0, NULL },
};

static int log_json(const struct enclave_audit_event *ev, void *payload)
{
	char *line;

	(void)payload;
	if (enclave_audit_event_json(&line, ev) < 0)
		return 1;
	puts(line);
	free(line);
	return 0;
}

static int log_text(const struct enclave_audit_event *ev, void *payload)
{
	(void)payload;
	printf("%6lld  %s  %-10s  %-16s  %-14s  %.12s\n", (long long)ev->seq, ev->time, ev->actor,
	       ev->action, ev->subject, ev->hash);
	return 0;
}

static int print_report(const char *name, const struct enclave_audit_report *r)
{
	if (r->ok) {
		printf("ok: %s\n", r->message);
		return EXIT_OK;
	}
	cli_error(name, "verification failed: %s", r->message);
	return EXIT_FAIL;
}

int cmd_audit(struct cli_ctx *ctx, const char *name, int argc, char **argv)
{
	struct enclave_audit_report r;
	enclave_project *p = NULL;
	struct cli_args a;
	const char *sub, *file, *key;
	int rc;

	if ((rc = cli_parse(&a, cmd_audit_opts, name, argc, argv)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (!a.npos)
		return cli_usage(name, "give a subcommand: log, verify or export");
	sub = a.pos[0];
	file = cli_value(&a, cmd_audit_opts, "file");
	key = cli_value(&a, cmd_audit_opts, "key");
	if (key && (strlen(key) != 64 || strspn(key, "0123456789abcdefABCDEF") != 64))
		return cli_usage(name, "--key takes the 64 hex digits of key/ed25519.pub");
	if (!strcmp(sub, "verify") && file) {
		if (a.npos != 1)
			return cli_usage(name, "verify --file takes no other arguments");
		if ((rc = enclave_audit_verify_file(file, key, &r)) < 0)
			return cli_fail(name, rc);
		return print_report(name, &r);
	}
	if (strcmp(sub, "log") && strcmp(sub, "verify") && strcmp(sub, "export"))
		return cli_usage(name, "unknown subcommand '%s'", sub);
	if (!strcmp(sub, "export") ? a.npos != 2 : a.npos != 1)
		return cli_usage(name, "wrong number of arguments for '%s'", sub);
	if (key)
		return cli_usage(name, "--key goes with verify --file");
	if ((rc = cli_open_project(&p, ctx, name)) != 0)
		return rc;
	if (!strcmp(sub, "log")) {
		rc = enclave_audit_foreach(
		    p, cli_value(&a, cmd_audit_opts, "json") ? log_json : log_text, NULL);
		rc = rc < 0 ? cli_fail(name, rc) : rc ? EXIT_FAIL : EXIT_OK;
	} else if (!strcmp(sub, "verify")) {
		rc = enclave_audit_verify(p, &r) < 0 ? cli_fail(name, rc) : print_report(name, &r);
	} else {
		rc = enclave_audit_export(p, a.pos[1]);
		rc = rc < 0 ? cli_fail(name, rc) : EXIT_OK;
	}
	enclave_project_free(p);
	return rc;
}
