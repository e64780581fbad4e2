/*
 * enclave scan [--preset P] [--entities A,B] [--min-score X] [--json] [FILE...]
 * enclave scan --jsonl [--field NAME]: PII spans in text, no project needed.
 *
 * FILE input (or stdin, `-`) is streamed through the library's PII stream
 * in pieces, so memory stays flat whatever the size of the file or of its
 * lines; the spans come out as they are found. With --jsonl, stdin is JSON
 * Lines and each object comes back with a "spans" member; a bad line is
 * reported (by its number) and skipped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

const struct cli_opt cmd_scan_opts[] = {
	{ "preset", 'p', "PRESET" }, { "entities", 'e', "LABELS" }, { "min-score", 0, "SCORE" },
	{ "json", 0, NULL },         { "jsonl", 0, NULL },          { "field", 0, "NAME" },
	{ "no-ner", 0, NULL },       { "ner-model", 0, "MODEL" },   { "ner-sha256", 0, "HEX" },
	{ "clinical", 0, NULL },     { "no-clinical", 0, NULL },    { NULL, 0, NULL },
};

/* Write [s, s+n) as a JSON string: escapes, and U+FFFD for bytes that are not UTF-8. */
static void json_bytes(FILE *f, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;

	fputc('"', f);
	while (p < end) {
		unsigned c = *p;
		size_t k = c < 0x80                ? 1
		           : c >= 0xC2 && c < 0xE0 ? 2
		           : c >= 0xE0 && c < 0xF0 ? 3
		           : c >= 0xF0 && c < 0xF5 ? 4
		                                   : 0;
		size_t i;

		if (c == '"' || c == '\\') {
			fputc('\\', f);
			fputc((int)c, f);
			p++;
			continue;
		}
		if (c < 0x20) {
			if (c == '\n')
				fputs("\\n", f);
			else if (c == '\t')
				fputs("\\t", f);
			else if (c == '\r')
				fputs("\\r", f);
			else
				fprintf(f, "\\u%04x", c);
			p++;
			continue;
		}
		for (i = 1; k && i < k; i++)
			if (p + i >= end || (p[i] & 0xC0) != 0x80)
				k = 0;
		/* Overlongs and surrogates. */
		if (k == 3 && ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] >= 0xA0)))
			k = 0;
		if (k == 4 && ((c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] >= 0x90)))
			k = 0;
		if (!k) {
			fputs("\\ufffd", f);
			p++;
			continue;
		}
		fwrite(p, 1, k, f);
		p += k;
	}
	fputc('"', f);
}

struct out_ctx {
	const char *name; /* the file as given, "-" for stdin */
	int json;
	size_t count;
};

/* Print one span found by the stream: a text line, or a member of the file's JSON array. */
static int print_found(const struct enclave_pii_found *f, void *payload)
{
	struct out_ctx *o = payload;
	const char *label = enclave_pii_label_name(f->span.label);

	if (o->json) {
		fputs(o->count ? ",{" : "{", stdout);
		printf("\"start\":%zu,\"end\":%zu,\"label\":\"%s\",\"score\":%.2f,\"text\":",
		       f->cp_start, f->cp_end, label, (double)f->span.score);
		json_bytes(stdout, f->text, f->text_len);
		fputs(",\"source\":", stdout);
		json_bytes(stdout, f->span.source, strlen(f->span.source));
		fputc('}', stdout);
	} else {
		printf("%s:%zu-%zu %s %.2f %s ", o->name, f->cp_start, f->cp_end, label,
		       (double)f->span.score, f->span.source);
		json_bytes(stdout, f->text, f->text_len);
		fputc('\n', stdout);
	}
	o->count++;
	return 0;
}

/* Scan one file (or stdin) in pieces. Returns 0, or -1 after reporting why. */
static int scan_file(enclave_pii_stream *st, const char *cmd, const char *path, int json)
{
	static char piece[1 << 16];
	struct out_ctx o = { path, json, 0 };
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	long long bad;
	int rc = 0, read_err = 0;

	if (fd < 0) {
		cli_error(cmd, "cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	enclave_pii_stream_reset(st);
	if (json) {
		fputs("{\"file\":", stdout);
		json_bytes(stdout, path, strlen(path));
		fputs(",\"spans\":[", stdout);
	}
	for (;;) {
		ssize_t n = read(fd, piece, sizeof(piece));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			cli_error(cmd, "cannot read '%s': %s", path, strerror(errno));
			read_err = 1;
			break;
		}
		if (n == 0) {
			rc = enclave_pii_stream_end(st, print_found, &o);
			break;
		}
		if ((rc = enclave_pii_stream_feed(st, piece, (size_t)n, print_found, &o)) != 0)
			break;
	}
	if (rc != 0)
		cli_error(cmd, "'%s': %s", path, enclave_error_last());
	if (json)
		fputs("]}\n", stdout);
	if ((bad = enclave_pii_stream_bad_utf8(st)) >= 0)
		cli_error(cmd,
		          "warning: '%s': invalid UTF-8 at byte %lld (scanned as opaque bytes)",
		          path, bad);
	if (fd != STDIN_FILENO)
		close(fd);
	return rc != 0 || read_err ? -1 : 0;
}

/*
 * Read one line of stdin into *buf (without its newline), keeping at most
 * `max` bytes: *too_long is set when the line was longer (the rest is
 * skipped). Returns 1 for a line, 0 at the end, -1 on a read error.
 */
static int read_line(char **buf, size_t *cap, size_t *len, size_t max, int *too_long)
{
	int c;

	*len = 0;
	*too_long = 0;
	while ((c = getchar_unlocked()) != EOF && c != '\n') {
		if (*len >= max) {
			*too_long = 1;
			continue;
		}
		if (*len + 1 >= *cap) {
			size_t ncap = *cap ? *cap * 2 : 4096;
			char *nb = realloc(*buf, ncap);
			if (!nb)
				return -1;
			*buf = nb;
			*cap = ncap;
		}
		(*buf)[(*len)++] = (char)c;
	}
	if (c == EOF && *len == 0 && !*too_long)
		return ferror(stdin) ? -1 : 0;
	return 1;
}

/* --jsonl: one object per line in, the same with "spans" out. Returns the exit code. */
static int scan_jsonl(const enclave_pii_scanner *s, const char *cmd, const char *field)
{
	enclave_pii_state *st = NULL;
	char *line = NULL, *out = NULL;
	size_t cap = 0, len, out_len, lineno = 0, good = 0, bad = 0;
	int too_long, r;

	if (enclave_pii_state_new(&st, s) < 0)
		return cli_fail(cmd, ENCLAVE_ENOMEM);
	while ((r = read_line(&line, &cap, &len, enclave_pii_line_max(), &too_long)) > 0) {
		size_t i;

		lineno++;
		if (too_long) {
			cli_error(cmd, "line %zu: longer than %zu bytes, skipped", lineno,
			          enclave_pii_line_max());
			bad++;
			continue;
		}
		for (i = 0; i < len && strchr(" \t\r", line[i]); i++)
			;
		if (i == len)
			continue; /* blank */
		if (enclave_pii_scan_json(&out, &out_len, s, st, line, len, field) < 0) {
			if (enclave_error_last_code() == ENCLAVE_ENOMEM) {
				r = -1;
				break;
			}
			cli_error(cmd, "line %zu: %s", lineno, enclave_error_last());
			bad++;
			continue;
		}
		fwrite(out, 1, out_len, stdout);
		fputc('\n', stdout);
		free(out);
		out = NULL;
		good++;
	}
	free(line);
	enclave_pii_state_free(st);
	if (r < 0) {
		cli_error(cmd, "cannot read stdin: %s",
		          ferror(stdin) ? strerror(errno) : "out of memory");
		return EXIT_FAIL;
	}
	if (fflush(stdout) != 0) {
		cli_error(cmd, "cannot write to stdout");
		return EXIT_FAIL;
	}
	return bad == 0 ? EXIT_OK : good ? EXIT_PARTIAL : EXIT_FAIL;
}

/* Parse "EMAIL_ADDRESS,PHONE_NUMBER" into a label set. Returns 0 or -1 (name in *bad). */
static int parse_entities(const char *list, enclave_pii_labels *out, char *bad, size_t badlen)
{
	char name[64];
	const char *p = list;

	*out = 0;
	while (*p) {
		size_t n = strcspn(p, ",");
		int label;

		if (n == 0 || n >= sizeof(name)) {
			snprintf(bad, badlen, "%.*s", (int)(n < 60 ? n : 60), p);
			return -1;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		if ((label = enclave_pii_label_parse(name)) < 0) {
			snprintf(bad, badlen, "%s", name);
			return -1;
		}
		*out |= ((enclave_pii_labels)1) << label;
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* The recognisers that are not rules: the tagger and the clinical heuristics. */
struct scan_models {
	enclave_ner_model *ner;
	enclave_pii_clinical *clinical;
};

static void scan_models_free(struct scan_models *m)
{
	enclave_pii_clinical_free(m->clinical);
	enclave_ner_free(m->ner);
}

/*
 * Add the tagger (unless --no-ner, or no name label is wanted) and the
 * clinical recogniser (--clinical, or the hipaa preset unless
 * --no-clinical) to `s`. Returns 0, or an exit status after a message.
 */
static int scan_add_models(struct scan_models *m, enclave_pii_scanner *s, const char *name,
                           struct cli_args *a, const char *preset, enclave_pii_labels labels)
{
	const enclave_pii_labels names = ((enclave_pii_labels)1 << ENCLAVE_PII_PERSON) |
	                                 ((enclave_pii_labels)1 << ENCLAVE_PII_ORGANIZATION) |
	                                 ((enclave_pii_labels)1 << ENCLAVE_PII_LOCATION);
	const char *path = cli_value(a, cmd_scan_opts, "ner-model");
	const char *sha = cli_value(a, cmd_scan_opts, "ner-sha256");
	int clinical =
	    cli_value(a, cmd_scan_opts, "clinical") != NULL ||
	    (preset && !strcmp(preset, "hipaa") && !cli_value(a, cmd_scan_opts, "no-clinical"));
	int error;

	if (!cli_value(a, cmd_scan_opts, "no-ner") && (labels & names)) {
		error =
		    path ? enclave_ner_load(&m->ner, path, sha) : enclave_ner_load_default(&m->ner);
		if (error < 0 || (error = enclave_pii_scanner_add_ner(s, m->ner)) < 0) {
			cli_error(name, "%s", enclave_error_last());
			return EXIT_FAIL;
		}
	}
	if (clinical) {
		if ((error = enclave_pii_clinical_new(&m->clinical, m->ner)) < 0 ||
		    (error = enclave_pii_scanner_add_clinical(s, m->clinical)) < 0) {
			cli_error(name, "%s", enclave_error_last());
			return EXIT_FAIL;
		}
	}
	return 0;
}

int cmd_scan(struct cli_ctx *ctx, const char *name, int argc, char **argv)
{
	struct scan_models models = { 0 };
	struct enclave_pii_scan_options opts = ENCLAVE_PII_SCAN_OPTIONS_INIT;
	enclave_pii_scanner *s = NULL;
	enclave_pii_stream *st = NULL;
	struct cli_args a;
	const char *v, *preset, *field;
	char *dash[] = { "-" };
	char **files;
	int rc, nfiles, json, jsonl, failed = 0;

	(void)ctx;
	if ((rc = cli_parse(&a, cmd_scan_opts, name, argc, argv)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	json = cli_value(&a, cmd_scan_opts, "json") != NULL;
	jsonl = cli_value(&a, cmd_scan_opts, "jsonl") != NULL;
	field = cli_value(&a, cmd_scan_opts, "field");
	if (json && jsonl)
		return cli_usage(name, "--json and --jsonl do not go together");
	if (field && !jsonl)
		return cli_usage(name, "--field goes with --jsonl");
	if (jsonl && a.npos > 0 && !(a.npos == 1 && !strcmp(a.pos[0], "-")))
		return cli_usage(name, "--jsonl reads stdin: give no FILE");
	preset = cli_value(&a, cmd_scan_opts, "preset");
	if (enclave_pii_preset(preset ? preset : "all", &opts.labels) < 0)
		return cli_usage(name, "--preset is hipaa, gdpr, pci or all");
	if ((v = cli_value(&a, cmd_scan_opts, "entities"))) {
		enclave_pii_labels set;
		char bad[64];

		if (parse_entities(v, &set, bad, sizeof(bad)) < 0)
			return cli_usage(name, "--entities: unknown label '%s'", bad);
		opts.labels = preset ? opts.labels & set : set;
		if (!opts.labels)
			return cli_usage(name, "--entities: none of them is in preset '%s'",
			                 preset);
	}
	if ((v = cli_value(&a, cmd_scan_opts, "min-score"))) {
		char *end;
		double x = strtod(v, &end);

		if (*end || end == v || !(x >= 0 && x <= 1))
			return cli_usage(name, "--min-score takes a number from 0 to 1");
		opts.min_score = (float)x;
	}
	if ((cli_value(&a, cmd_scan_opts, "ner-model") ||
	     cli_value(&a, cmd_scan_opts, "ner-sha256")) &&
	    cli_value(&a, cmd_scan_opts, "no-ner"))
		return cli_usage(name, "--no-ner does not go with --ner-model or --ner-sha256");
	if (cli_value(&a, cmd_scan_opts, "ner-sha256") &&
	    !cli_value(&a, cmd_scan_opts, "ner-model"))
		return cli_usage(name, "--ner-sha256 goes with --ner-model");
	if (cli_value(&a, cmd_scan_opts, "clinical") && cli_value(&a, cmd_scan_opts, "no-clinical"))
		return cli_usage(name, "--clinical and --no-clinical do not go together");
	if (enclave_pii_scanner_new(&s, &opts) < 0)
		return cli_fail(name, enclave_error_last_code());
	if ((rc = scan_add_models(&models, s, name, &a, preset, opts.labels)) != 0) {
		enclave_pii_scanner_free(s);
		scan_models_free(&models);
		return rc;
	}
	if (jsonl) {
		rc = scan_jsonl(s, name, field ? field : "text");
		enclave_pii_scanner_free(s);
		scan_models_free(&models);
		return rc;
	}
	if (enclave_pii_stream_new(&st, s) < 0) {
		enclave_pii_scanner_free(s);
		scan_models_free(&models);
		return cli_fail(name, ENCLAVE_ENOMEM);
	}
	files = a.npos ? a.pos : dash;
	nfiles = a.npos ? a.npos : 1;
	for (int i = 0; i < nfiles; i++)
		if (scan_file(st, name, files[i], json) < 0)
			failed++;
	enclave_pii_stream_free(st);
	enclave_pii_scanner_free(s);
	scan_models_free(&models);
	if (fflush(stdout) != 0) {
		cli_error(name, "cannot write to stdout");
		return EXIT_FAIL;
	}
	return failed == 0 ? EXIT_OK : failed < nfiles ? EXIT_PARTIAL : EXIT_FAIL;
}
