/*
 * enclave verify PACKAGE [--pubkey KEY] [--json]: check an export package (a
 * folder or a .tar.zst) with nothing but the package: one line per check,
 * exit 0 only when every check passed. No project is needed or opened.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const struct cli_opt cmd_verify_opts[] = {
	{ "pubkey", 'k', "KEY" },
	{ "json", 0, NULL },
	{ NULL, 0, NULL },
};

/* 64 lowercase hex digits? */
static int is_key(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/*
 * The key of --pubkey: 64 hex digits (any case), or a file holding them on
 * its first line (key/ed25519.pub, a package's pubkey). Into out; 0 or -1.
 */
static int read_key(char out[65], const char *arg)
{
	char line[256];
	FILE *f;
	size_t i;

	if (strlen(arg) == 64 && strspn(arg, "0123456789abcdefABCDEF") == 64) {
		snprintf(out, 65, "%s", arg);
	} else {
		if (!(f = fopen(arg, "r")))
			return -1;
		if (!fgets(line, sizeof(line), f)) {
			fclose(f);
			return -1;
		}
		fclose(f);
		line[strcspn(line, "\r\n")] = '\0';
		if (strlen(line) != 64)
			return -1;
		memcpy(out, line, 65); /* 64 digits and the NUL */
	}
	for (i = 0; out[i]; i++)
		if (out[i] >= 'A' && out[i] <= 'F')
			out[i] = (char)(out[i] - 'A' + 'a');
	return is_key(out) ? 0 : -1;
}

static void print_json(const struct enclave_verify_report *r, const char *package)
{
	size_t i;

	printf("{\"package\":");
	cli_json_string(stdout, package);
	printf(",\"ok\":%s,\"origin\":%s,\"key_id\":", r->ok ? "true" : "false",
	       r->origin ? "true" : "false");
	cli_json_string(stdout, r->key_id);
	printf(",\"files\":%zu,\"problems\":%zu,\"checks\":[", r->files, r->problems);
	for (i = 0; i < r->nchecks; i++) {
		const struct enclave_verify_check *c = &r->checks[i];
		printf("%s{\"check\":", i ? "," : "");
		cli_json_string(stdout, c->check);
		printf(",\"subject\":");
		cli_json_string(stdout, c->subject);
		printf(",\"ok\":%s,\"message\":", c->ok ? "true" : "false");
		cli_json_string(stdout, c->message);
		printf("}");
	}
	printf("]}\n");
}

static void print_text(const struct enclave_verify_report *r, const char *package)
{
	size_t i;

	for (i = 0; i < r->nchecks; i++)
		printf("%-4s  %-9s  %s\n", r->checks[i].ok ? "ok" : "FAIL", r->checks[i].check,
		       r->checks[i].message);
	if (!r->ok)
		printf("FAILED: %zu problem%s in '%s'\n", r->problems, r->problems == 1 ? "" : "s",
		       package);
	else if (r->origin)
		printf("verified: '%s' is intact and signed by the given key %s\n", package,
		       r->key_id);
	else
		printf("verified: '%s' is intact, signed by its own key %s; this proves integrity, "
		       "not origin: pass --pubkey with a key from a trusted channel\n",
		       package, r->key_id);
}

int cmd_verify(struct cli_ctx *ctx, const char *name, int argc, char **argv)
{
	struct enclave_verify_report r;
	struct cli_args a;
	const char *keyarg;
	char key[65];
	int rc;

	(void)ctx;
	if ((rc = cli_parse(&a, cmd_verify_opts, name, argc, argv)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (a.npos != 1)
		return cli_usage(name, "give one PACKAGE (a folder or a .tar.zst)");
	if ((keyarg = cli_value(&a, cmd_verify_opts, "pubkey")) && read_key(key, keyarg) < 0)
		return cli_usage(name,
		                 "--pubkey takes 64 hex digits, or a file holding them "
		                 "(key/ed25519.pub): '%s' is neither",
		                 keyarg);
	if ((rc = enclave_export_verify(&r, a.pos[0], keyarg ? key : NULL)) < 0)
		return cli_fail(name, rc);
	if (cli_value(&a, cmd_verify_opts, "json"))
		print_json(&r, a.pos[0]);
	else
		print_text(&r, a.pos[0]);
	rc = r.ok ? EXIT_OK : EXIT_FAIL;
	enclave_export_verify_release(&r);
	return rc;
}
