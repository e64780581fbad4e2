/*
 * Declarative option parsing: each command declares its options as data
 * (struct cli_opt); this file turns argv into values. Supports --name VALUE,
 * --name=VALUE, -c VALUE, -cVALUE, flags, "--" to end options, and --help.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "enclave%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "enclave%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nsee 'enclave %s%s--help'\n", cmd ? cmd : "", cmd ? " " : "");
	return EXIT_USAGE;
}

int cli_fail(const char *cmd, int code)
{
	const char *m = enclave_error_last();

	cli_error(cmd, "%s", *m ? m : "failed");
	(void)code;
	return EXIT_FAIL;
}

static void print_help(const char *cmd)
{
	const char *text = cli_help_text(cmd);

	if (text)
		fputs(text, stdout);
	else
		printf("enclave %s: no help page\n", cmd);
}

const char *cli_value(const struct cli_args *a, const struct cli_opt *opts, const char *name)
{
	int i;

	for (i = 0; opts && opts[i].name && i < CLI_MAX_OPTS; i++)
		if (!strcmp(opts[i].name, name))
			return a->values[i];
	return NULL;
}

int cli_parse(struct cli_args *out, const struct cli_opt *opts, const char *cmd, int argc,
              char **argv)
{
	int i, j, only_pos = 0;

	memset(out, 0, sizeof(*out));
	/* Positional arguments are compacted in place, into argv[1..]. */
	out->pos = argv + 1;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		int found = -1;

		if (only_pos || a[0] != '-' || !a[1]) {
			out->pos[out->npos++] = argv[i];
			continue;
		}
		if (!strcmp(a, "--")) {
			only_pos = 1;
			continue;
		}
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			print_help(cmd);
			return -1;
		}
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
			for (j = 0; opts && opts[j].name; j++)
				if (strlen(opts[j].name) == n && !strncmp(opts[j].name, a + 2, n))
					found = j;
			if (found < 0)
				return cli_usage(cmd, "unknown option '%.*s'", (int)n + 2, a);
			if (eq && !opts[found].arg)
				return cli_usage(cmd, "option '--%s' takes no value",
				                 opts[found].name);
			val = eq ? eq + 1 : NULL;
		} else {
			for (j = 0; opts && opts[j].name; j++)
				if (opts[j].short_name && opts[j].short_name == a[1])
					found = j;
			if (found < 0)
				return cli_usage(cmd, "unknown option '-%c'", a[1]);
			if (a[2] && !opts[found].arg)
				return cli_usage(cmd, "option '-%c' takes no value", a[1]);
			val = a[2] ? a + 2 : NULL;
		}
		if (opts[found].arg) {
			if (!val) {
				if (i + 1 >= argc)
					return cli_usage(cmd, "option '--%s' needs %s",
					                 opts[found].name, opts[found].arg);
				val = argv[++i];
			}
			out->values[found] = val;
		} else {
			out->values[found] = "1";
		}
	}
	return 0;
}

/*
 * Length of the valid UTF-8 sequence at p (1-4), or 0 when it is not one
 * (file names are bytes, and JSON must be UTF-8).
 */
static size_t utf8_seq(const unsigned char *p)
{
	size_t n, i;
	unsigned int c = p[0], min;

	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0)
		n = 2, c &= 0x1f, min = 0x80;
	else if ((c & 0xf0) == 0xe0)
		n = 3, c &= 0x0f, min = 0x800;
	else if ((c & 0xf8) == 0xf0)
		n = 4, c &= 0x07, min = 0x10000;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return n;
}

void cli_json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	while (*p) {
		size_t n;

		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20) {
				fprintf(f, "\\u%04x", *p);
			} else if ((n = utf8_seq(p)) == 0) {
				fputs("\\ufffd", f);
			} else {
				fwrite(p, 1, n, f);
				p += n;
				continue;
			}
		}
		p++;
	}
	fputc('"', f);
}

long long cli_parse_id(const char *s)
{
	char *end;
	long long v;

	if (!strncmp(s, "document:", 9))
		s += 9;
	if (!*s || *s == '-')
		return -1;
	v = strtoll(s, &end, 10);
	return *end ? -1 : v;
}

int cli_parse_uint(unsigned long long *out, const char *s, unsigned long long max)
{
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || *end || *out > max ? -1 : 0;
}
