/*
 * enclave user add NAME --role R --password-stdin | list [--json] |
 * disable NAME | passwd NAME --password-stdin: the label server's users.
 */
#include <string.h>

#include "cli.h"

const struct cli_opt cmd_user_opts[] = {
	{ "role", 'r', "ROLE" },
	{ "password-stdin", 0, NULL },
	{ "json", 0, NULL },
	{ NULL, 0, NULL },
};

/*
 * Read the password: the first line of stdin, without its line end.
 * Returns 0, or an exit code after reporting.
 */
static int read_password(char *out, size_t size, const char *cmd)
{
	size_t n;

	if (!fgets(out, (int)size, stdin))
		return cli_usage(cmd, "--password-stdin: no password on stdin");
	n = strlen(out);
	if (n == size - 1 && out[n - 1] != '\n')
		return cli_usage(cmd, "--password-stdin: the password is too long");
	while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
	return 0;
}

static int print_user(const struct enclave_label_user *u, void *payload)
{
	int json = *(int *)payload;

	if (json) {
		printf("{\"id\":%lld,\"name\":", (long long)u->id);
		cli_json_string(stdout, u->name);
		printf(",\"role\":\"%s\",\"disabled\":%s,\"created\":",
		       enclave_label_role_name(u->role), u->disabled ? "true" : "false");
		cli_json_string(stdout, u->created);
		printf("}\n");
	} else {
		printf("%6lld  %-9s  %-8s  %s\n", (long long)u->id,
		       enclave_label_role_name(u->role), u->disabled ? "disabled" : "active",
		       u->name);
	}
	return 0;
}

int cmd_user(struct cli_ctx *ctx, const char *name, int argc, char **argv)
{
	enclave_project *p = NULL;
	struct cli_args a;
	const char *sub, *role;
	char password[1100];
	int rc, json, stdin_pw;

	if ((rc = cli_parse(&a, cmd_user_opts, name, argc, argv)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (!a.npos)
		return cli_usage(name, "give a subcommand: add, list, disable or passwd");
	sub = a.pos[0];
	role = cli_value(&a, cmd_user_opts, "role");
	json = cli_value(&a, cmd_user_opts, "json") != NULL;
	stdin_pw = cli_value(&a, cmd_user_opts, "password-stdin") != NULL;
	if (!strcmp(sub, "list")) {
		if (a.npos != 1 || role || stdin_pw)
			return cli_usage(name, "list takes only --json");
	} else if (!strcmp(sub, "add") || !strcmp(sub, "passwd") || !strcmp(sub, "disable")) {
		if (a.npos != 2)
			return cli_usage(name, "%s takes one NAME", sub);
		if (json)
			return cli_usage(name, "--json goes with list");
		if (!strcmp(sub, "add") && !role)
			return cli_usage(name, "add needs --role annotator|reviewer|admin");
		if (strcmp(sub, "add") && role)
			return cli_usage(name, "--role goes with add");
		if (role && enclave_label_role_parse(role) == ENCLAVE_ROLE_NONE)
			return cli_usage(name, "unknown role '%s': annotator, reviewer or admin",
			                 role);
		if (strcmp(sub, "disable") && !stdin_pw)
			return cli_usage(
			    name, "%s needs --password-stdin (passwords never go in argv)", sub);
		if (!strcmp(sub, "disable") && stdin_pw)
			return cli_usage(name, "disable takes no password");
	} else {
		return cli_usage(name, "unknown subcommand '%s'", sub);
	}
	if (stdin_pw && (rc = read_password(password, sizeof(password), name)) != 0)
		return rc;
	if ((rc = cli_open_project(&p, ctx, name)) != 0)
		return rc;
	if (!strcmp(sub, "list"))
		rc = enclave_label_user_list(p, print_user, &json);
	else if (!strcmp(sub, "add"))
		rc = enclave_label_user_add(p, a.pos[1], enclave_label_role_parse(role), password,
		                            NULL);
	else if (!strcmp(sub, "passwd"))
		rc = enclave_label_user_passwd(p, a.pos[1], password);
	else
		rc = enclave_label_user_disable(p, a.pos[1]);
	rc = rc < 0 ? cli_fail(name, rc) : EXIT_OK;
	memset(password, 0, sizeof(password));
	enclave_project_free(p);
	return rc;
}
