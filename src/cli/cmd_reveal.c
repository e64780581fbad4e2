/*
 * enclave reveal --key-file FILE [FILE|-]: decrypt the "[[enc:LABEL:...]]"
 * tokens that `redact --operator encrypt` wrote, back into the original
 * values, to stdout.
 *
 * The key comes from --key-file (the holder of a key file answers for it;
 * nothing is recorded), or else from the project found from the working
 * directory (or -C): then the reveal, or the failed attempt, is recorded in
 * its audit trail before anything is printed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const struct cli_opt cmd_reveal_opts[] = {
	{ "key-file", 'k', "FILE" },
	{ NULL, 0, NULL },
};

/* Largest key file read: 64 hex digits and some white space. */
#define KEY_FILE_MAX 1024

int cli_read_input(char **out, size_t *len, const char *path, size_t max);
int cli_read_key(unsigned char key[ENCLAVE_REDACT_KEY_BYTES], const char *path, const char *cmd);

/*
 * Read all of `path` ("-" for stdin) into a malloc'd NUL-terminated *out.
 * Returns 0, or -1 with errno set (EFBIG past `max` bytes).
 */
int cli_read_input(char **out, size_t *len, const char *path, size_t max)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	size_t cap = 4096, n = 0;
	char *buf = NULL, *nb;

	*out = NULL;
	if (!f)
		return -1;
	for (;;) {
		if (!(nb = realloc(buf, cap + 1)))
			goto fail;
		buf = nb;
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap)
			break;
		if (cap > max) {
			errno = EFBIG;
			goto fail;
		}
		cap *= 2;
	}
	if (ferror(f) || n > max) {
		if (!ferror(f))
			errno = EFBIG;
		goto fail;
	}
	if (f != stdin)
		fclose(f);
	buf[n] = 0;
	*out = buf;
	*len = n;
	return 0;
fail:
	free(buf);
	if (f != stdin)
		fclose(f);
	return -1;
}

/* Read the key file at `path` (64 hex digits). Returns 0 or an exit code after reporting. */
int cli_read_key(unsigned char key[ENCLAVE_REDACT_KEY_BYTES], const char *path, const char *cmd)
{
	char *text;
	size_t len;
	int rc;

	if (cli_read_input(&text, &len, path, KEY_FILE_MAX) < 0) {
		cli_error(cmd, "cannot read the key file '%s': %s", path, strerror(errno));
		return EXIT_FAIL;
	}
	rc = enclave_redact_key_parse(key, text, len);
	free(text);
	if (rc < 0)
		return cli_usage(cmd, "--key-file '%s': %s", path, enclave_error_last());
	return 0;
}

int cmd_reveal(struct cli_ctx *ctx, const char *name, int argc, char **argv)
{
	unsigned char key[ENCLAVE_REDACT_KEY_BYTES] = { 0 };
	enclave_project *project = NULL;
	const char *key_file, *path;
	char *text = NULL, *out = NULL;
	size_t len, out_len, n;
	struct cli_args a;
	int rc;

	if ((rc = cli_parse(&a, cmd_reveal_opts, name, argc, argv)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (a.npos > 1)
		return cli_usage(name, "give at most one FILE");
	key_file = cli_value(&a, cmd_reveal_opts, "key-file");
	if (key_file && (rc = cli_read_key(key, key_file, name)) != 0)
		return rc;
	if (!key_file) {
		char *dir = NULL;
		if (enclave_project_discover(&dir, ctx->project_dir ? ctx->project_dir : ".") < 0)
			return cli_usage(name, "reveal needs --key-file or a project");
		free(dir);
		if ((rc = cli_open_project(&project, ctx, name)) != 0)
			return rc;
	}
	path = a.npos ? a.pos[0] : "-";
	if (cli_read_input(&text, &len, path, (size_t)256 << 20) < 0) {
		cli_error(name, "cannot read '%s': %s", path, strerror(errno));
		enclave_project_free(project);
		return EXIT_FAIL;
	}
	rc = project ? enclave_project_reveal(project, &out, &out_len, &n, text, len, path)
	             : enclave_reveal(&out, &out_len, &n, text, len, key);
	memset(key, 0, sizeof(key));
	free(text);
	enclave_project_free(project);
	if (rc < 0)
		return cli_fail(name, rc);
	rc =
	    fwrite(out, 1, out_len, stdout) == out_len && fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
	if (rc)
		cli_error(name, "cannot write to stdout");
	free(out);
	return rc;
}
