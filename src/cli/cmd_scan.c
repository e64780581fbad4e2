/*
 * enclave scan [--preset P] [--entities A,B] [--min-score X] [--json] [--jobs N] [FILE...]
 * enclave scan --jsonl [--field NAME]: PII spans in text, no project needed.
 *
 * FILE input (or stdin, `-`) is streamed through the library's PII stream
 * in pieces, so memory stays flat whatever the size of the file or of its
 * lines; the spans come out as they are found. With --jsonl, stdin is JSON
 * Lines and each object comes back with a "spans" member; a bad line is
 * reported (by its number) and skipped. Both scan on a pool of --jobs
 * threads (the library's enclave_pii_pool): a stream's windows, or batches
 * of lines, in parallel; the output is the same as with one job.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

const struct cli_opt cmd_scan_opts[] = {
	CLI_PII_OPTS,           { "json", 0, NULL },  { "jsonl", 0, NULL },
	{ "field", 0, "NAME" }, { "jobs", 'j', "N" }, { NULL, 0, NULL },
};

/* A line of output being built: spans are formatted here and written with one fwrite. */
struct line {
	char *p;
	size_t n, cap;
};

/* Make room for `k` more bytes. Returns 0 or -1 when memory runs out. */
static int line_room(struct line *l, size_t k)
{
	if (l->n + k > l->cap) {
		size_t ncap = (l->n + k) * 2;
		char *np = realloc(l->p, ncap);
		if (!np)
			return -1;
		l->p = np;
		l->cap = ncap;
	}
	return 0;
}

/* Append [s, s+n) (room made by the caller). */
static void line_put(struct line *l, const char *s, size_t n)
{
	memcpy(l->p + l->n, s, n);
	l->n += n;
}

/* Append a decimal number (room for 20 bytes made by the caller). */
static void line_num(struct line *l, size_t v)
{
	char d[24];
	size_t k = sizeof(d);

	do
		d[--k] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	line_put(l, d + k, sizeof(d) - k);
}

/*
 * Append [s, s+n) as a JSON string: escapes, and U+FFFD for bytes that are
 * not UTF-8. Runs of plain ASCII are copied at once. Returns 0 or -1 (memory).
 */
static int json_bytes(struct line *l, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;

	/* At most 6 bytes out per byte in ("\u00xx"), and the quotes. */
	if (line_room(l, 6 * n + 2) < 0)
		return -1;
	l->p[l->n++] = '"';
	while (p < end) {
		unsigned c = *p;
		size_t k, i;
		const unsigned char *run = p;

		while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
			p++;
		if (p > run) {
			line_put(l, (const char *)run, (size_t)(p - run));
			continue;
		}
		k = c < 0x80                ? 1
		    : c >= 0xC2 && c < 0xE0 ? 2
		    : c >= 0xE0 && c < 0xF0 ? 3
		    : c >= 0xF0 && c < 0xF5 ? 4
		                            : 0;
		if (c == '"' || c == '\\') {
			l->p[l->n++] = '\\';
			l->p[l->n++] = (char)c;
			p++;
			continue;
		}
		if (c < 0x20) {
			static const char hex[] = "0123456789abcdef";
			if (c == '\n')
				line_put(l, "\\n", 2);
			else if (c == '\t')
				line_put(l, "\\t", 2);
			else if (c == '\r')
				line_put(l, "\\r", 2);
			else {
				char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
				line_put(l, u, 6);
			}
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
			line_put(l, "\\ufffd", 6);
			p++;
			continue;
		}
		line_put(l, (const char *)p, k);
		p += k;
	}
	l->p[l->n++] = '"';
	return 0;
}

/* Write [s, s+n) to stdout as a JSON string. Returns 0 or -1 (memory). */
static int json_print(const char *s, size_t n)
{
	struct line l = { NULL, 0, 0 };

	if (json_bytes(&l, s, n) < 0)
		return -1;
	fwrite(l.p, 1, l.n, stdout);
	free(l.p);
	return 0;
}

/*
 * Append a score as printf's "%.2f" does (room made by the caller); the
 * few distinct scores are formatted once each and remembered.
 */
static void line_score(struct line *l, float score)
{
	static struct {
		float v;
		char s[8];
		size_t n;
		int set;
	} cache[64];
	uint32_t bits;
	size_t h;

	memcpy(&bits, &score, sizeof(bits));
	h = (bits ^ (bits >> 13)) % 64;
	if (!cache[h].set || memcmp(&cache[h].v, &score, sizeof(score)) != 0) {
		int n = snprintf(cache[h].s, sizeof(cache[h].s), "%.2f", (double)score);
		cache[h].v = score;
		cache[h].n = n > 0 && (size_t)n < sizeof(cache[h].s) ? (size_t)n : 0;
		cache[h].set = 1;
	}
	line_put(l, cache[h].s, cache[h].n);
}

struct out_ctx {
	const char *name; /* the file as given, "-" for stdin */
	int json;
	size_t count;
	struct line line; /* reused for each span */
	size_t name_len;
	int started; /* --json: the file's opening was printed */
};

/* --json: print the opening of the file's object once, before its first span. */
static void start_file(struct out_ctx *o)
{
	if (o->json && !o->started) {
		fputs("{\"file\":", stdout);
		json_print(o->name, o->name_len);
		fputs(",\"spans\":[", stdout);
	}
	o->started = 1;
}

/*
 * Print one span found by the stream: a text line, or a member of the
 * file's JSON array. Returns 0, or 1 (stopping the stream) when memory
 * runs out.
 */
static int print_found(const struct enclave_pii_found *f, void *payload)
{
	struct out_ctx *o = payload;
	struct line *l = &o->line;
	const char *label = enclave_pii_label_name(f->span.label);
	size_t nlabel = strlen(label), nsource = strlen(f->span.source);

	start_file(o);
	l->n = 0;
	if (line_room(l, o->name_len + nlabel + nsource + 128) < 0)
		return 1;
	if (o->json) {
		line_put(l, o->count ? ",{\"start\":" : "{\"start\":", o->count ? 10 : 9);
		line_num(l, f->cp_start);
		line_put(l, ",\"end\":", 7);
		line_num(l, f->cp_end);
		line_put(l, ",\"label\":\"", 10);
		line_put(l, label, nlabel);
		line_put(l, "\",\"score\":", 10);
		line_score(l, f->span.score);
		line_put(l, ",\"text\":", 8);
		if (json_bytes(l, f->text, f->text_len) < 0 || line_room(l, 16) < 0)
			return 1;
		line_put(l, ",\"source\":", 10);
		if (json_bytes(l, f->span.source, nsource) < 0 || line_room(l, 2) < 0)
			return 1;
		l->p[l->n++] = '}';
	} else {
		line_put(l, o->name, o->name_len);
		l->p[l->n++] = ':';
		line_num(l, f->cp_start);
		l->p[l->n++] = '-';
		line_num(l, f->cp_end);
		l->p[l->n++] = ' ';
		line_put(l, label, nlabel);
		l->p[l->n++] = ' ';
		line_score(l, f->span.score);
		l->p[l->n++] = ' ';
		line_put(l, f->span.source, nsource);
		l->p[l->n++] = ' ';
		if (json_bytes(l, f->text, f->text_len) < 0 || line_room(l, 1) < 0)
			return 1;
		l->p[l->n++] = '\n';
	}
	fwrite(l->p, 1, l->n, stdout);
	o->count++;
	return 0;
}

/*
 * Several FILEs. A file of a window or more is streamed through `big`,
 * whose windows are scanned on the pool. Smaller files wait, each in its own
 * stream (small[0..n)), until `max` of them are read, and are then scanned
 * together (enclave_pii_streams_end) and printed in order; a big file first
 * prints those waiting. With one job there is no waiting: every file goes
 * through `big` in turn.
 */
struct files {
	const char *cmd;
	int json;
	enclave_pii_pool *pool;
	enclave_pii_stream *big;
	enclave_pii_stream **small;
	struct out_ctx *o; /* per small stream */
	void **payloads;   /* &o[i] */
	size_t n, max;
	size_t failed;
};

/* A file is done: report its error (rc), close its JSON object, warn of bad UTF-8. Returns 0 or -1. */
static int finish_file(struct files *F, struct out_ctx *o, enclave_pii_stream *st, int rc,
                       int read_err)
{
	long long bad;

	if (rc != 0)
		cli_error(F->cmd, "'%s': %s", o->name,
		          rc == 1 ? "out of memory" : enclave_error_last());
	free(o->line.p);
	o->line.p = NULL;
	o->line.cap = 0;
	if (o->json) {
		start_file(o);
		fputs("]}\n", stdout);
	}
	if ((bad = enclave_pii_stream_bad_utf8(st)) >= 0)
		cli_error(F->cmd,
		          "warning: '%s': invalid UTF-8 at byte %lld (scanned as opaque bytes)",
		          o->name, bad);
	if (rc != 0 || read_err) {
		F->failed++;
		return -1;
	}
	return 0;
}

/* enclave_pii_streams_end's done callback: small file i is scanned. */
static int small_done(size_t i, int rc, void *payload)
{
	struct files *F = payload;

	finish_file(F, &F->o[i], F->small[i], rc, 0);
	return 0;
}

/* Scan and print the small files waiting. */
static void flush_small(struct files *F)
{
	if (F->n == 0)
		return;
	enclave_pii_streams_end(F->pool, F->small, F->n, print_found, F->payloads, small_done, F);
	F->n = 0;
}

/* Scan one file (or stdin) in pieces, or queue it with the small ones (see struct files). */
static void scan_file(struct files *F, const char *path)
{
	static char piece[1 << 16];
	const size_t window = enclave_pii_stream_window();
	struct out_ctx big_o = { path, F->json, 0, { NULL, 0, 0 }, strlen(path), 0 };
	struct out_ctx *o = &big_o;
	enclave_pii_stream *st = F->big;
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	size_t total = 0;
	struct stat sb;
	int rc = 0, small = 0;

	if (fd < 0) {
		cli_error(F->cmd, "cannot open '%s': %s", path, strerror(errno));
		F->failed++;
		return;
	}
	if (F->max > 1 && fd != STDIN_FILENO && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    (size_t)sb.st_size < window) {
		small = 1;
		st = F->small[F->n];
		o = &F->o[F->n];
		*o = big_o;
	} else {
		flush_small(F);
	}
	enclave_pii_stream_reset(st);
	for (;;) {
		size_t want = sizeof(piece);
		ssize_t n;

		/* A small file fed a whole window would report spans out of turn. */
		if (small && window - 1 - total < want)
			want = window - 1 - total;
		if (small && want == 0) { /* it grew: now it goes before any other */
			small = 0;
			flush_small(F);
			continue;
		}
		n = read(fd, piece, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			cli_error(F->cmd, "cannot read '%s': %s", path, strerror(errno));
			if (small)
				flush_small(F);
			finish_file(F, o, st, 0, 1);
			break;
		}
		if (n == 0) {
			if (small) {
				if (++F->n == F->max)
					flush_small(F);
			} else {
				rc = enclave_pii_stream_end(st, print_found, o);
				finish_file(F, o, st, rc, 0);
			}
			break;
		}
		total += (size_t)n;
		if ((rc = enclave_pii_stream_feed(st, piece, (size_t)n, print_found, o)) != 0) {
			finish_file(F, o, st, rc, 0);
			break;
		}
	}
	if (fd != STDIN_FILENO)
		close(fd);
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

/*
 * JSON lines handed to the threads at a time, and the bytes a batch holds
 * before it is closed (a longer line goes alone): memory stays bounded by
 * these and the longest line, not by the input.
 */
#define BATCH_LINES 256
#define BATCH_BYTES ((size_t)8 << 20)
/* A line buffer larger than this is freed after its batch rather than kept. */
#define BATCH_KEEP ((size_t)1 << 20)
/* Most --jobs. */
#define MAX_JOBS 64

/* A batch of JSON lines read from stdin, scanned together. */
struct batch {
	struct enclave_pii_json_line v[BATCH_LINES];
	char *buf[BATCH_LINES]; /* each line's storage, reused */
	size_t cap[BATCH_LINES];
	size_t lineno[BATCH_LINES];
	size_t n, bytes;
};

/* Scan the batch and write its lines out in order. Counts good and bad lines; -1 on ENOMEM. */
static int flush_batch(struct batch *b, enclave_pii_pool *pool, const char *cmd, const char *field,
                       size_t *good, size_t *bad)
{
	int rc = 0;

	enclave_pii_pool_scan_json(pool, b->v, b->n, field);
	for (size_t i = 0; i < b->n; i++) {
		struct enclave_pii_json_line *l = &b->v[i];
		if (l->error == ENCLAVE_ENOMEM)
			rc = -1;
		if (rc < 0) {
			free(l->out);
			continue;
		}
		if (l->error < 0) {
			cli_error(cmd, "line %zu: %s", b->lineno[i], l->message);
			(*bad)++;
			continue;
		}
		fwrite(l->out, 1, l->out_len, stdout);
		fputc('\n', stdout);
		free(l->out);
		(*good)++;
	}
	for (size_t i = 0; i < b->n; i++)
		if (b->cap[i] > BATCH_KEEP) {
			free(b->buf[i]);
			b->buf[i] = NULL;
			b->cap[i] = 0;
		}
	b->n = 0;
	b->bytes = 0;
	return rc;
}

/* --jsonl: one object per line in, the same with "spans" out. Returns the exit code. */
static int scan_jsonl(enclave_pii_pool *pool, const char *cmd, const char *field)
{
	struct batch *b = calloc(1, sizeof(*b));
	size_t len, lineno = 0, good = 0, bad = 0;
	int too_long, r = 0;

	if (!b)
		return cli_fail(cmd, ENCLAVE_ENOMEM);
	for (;;) {
		size_t i, k = b->n;

		if ((r = read_line(&b->buf[k], &b->cap[k], &len, enclave_pii_line_max(),
		                   &too_long)) <= 0)
			break;
		lineno++;
		if (too_long) {
			cli_error(cmd, "line %zu: longer than %zu bytes, skipped", lineno,
			          enclave_pii_line_max());
			bad++;
			continue;
		}
		for (i = 0; i < len && strchr(" \t\r", b->buf[k][i]); i++)
			;
		if (i == len)
			continue; /* blank */
		b->v[k].line = b->buf[k];
		b->v[k].len = len;
		b->lineno[k] = lineno;
		b->n++;
		b->bytes += len;
		if ((b->n == BATCH_LINES || b->bytes >= BATCH_BYTES) &&
		    flush_batch(b, pool, cmd, field, &good, &bad) < 0) {
			r = -1;
			break;
		}
	}
	if (r == 0 && flush_batch(b, pool, cmd, field, &good, &bad) < 0)
		r = -1;
	for (size_t i = 0; i < BATCH_LINES; i++)
		free(b->buf[i]);
	free(b);
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

int cmd_scan(struct cli_ctx *ctx, const char *name, int argc, char **argv)
{
	struct cli_pii pii;
	struct files F = { 0 };
	enclave_pii_pool *pool = NULL;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned jobs = cores < 1 ? 1 : cores > MAX_JOBS ? MAX_JOBS : (unsigned)cores;
	struct cli_args a;
	const char *field, *v;
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
	if ((v = cli_value(&a, cmd_scan_opts, "jobs"))) {
		char *end;
		long n = strtol(v, &end, 10);
		if (*end || end == v || n < 1 || n > MAX_JOBS)
			return cli_usage(name, "--jobs takes a number from 1 to %d", MAX_JOBS);
		jobs = (unsigned)n;
	}
	if ((rc = cli_pii_open(&pii, name, &a, cmd_scan_opts)) != 0)
		return rc;
	if (enclave_pii_pool_new(&pool, pii.scanner, jobs) < 0) {
		rc = cli_fail(name, enclave_error_last_code());
		cli_pii_close(&pii);
		return rc;
	}
	if (jsonl) {
		rc = scan_jsonl(pool, name, field ? field : "text");
		enclave_pii_pool_free(pool);
		cli_pii_close(&pii);
		return rc;
	}
	files = a.npos ? a.pos : dash;
	nfiles = a.npos ? a.npos : 1;
	F.cmd = name;
	F.json = json;
	F.pool = pool;
	F.max = jobs > 1 && nfiles > 1 ? 2 * (size_t)jobs : 1;
	if (!(F.small = calloc(F.max, sizeof(*F.small))) || !(F.o = calloc(F.max, sizeof(*F.o))) ||
	    !(F.payloads = calloc(F.max, sizeof(*F.payloads))) ||
	    enclave_pii_stream_new(&F.big, pii.scanner) < 0 ||
	    enclave_pii_stream_set_pool(F.big, pool) < 0)
		goto oom;
	for (size_t i = 0; F.max > 1 && i < F.max; i++) {
		F.payloads[i] = &F.o[i];
		if (enclave_pii_stream_new(&F.small[i], pii.scanner) < 0)
			goto oom;
	}
	for (int i = 0; i < nfiles; i++)
		scan_file(&F, files[i]);
	flush_small(&F);
	failed = (int)F.failed;
	goto done;
oom:
	cli_error(name, "out of memory");
	failed = nfiles;
done:
	for (size_t i = 0; F.small && i < F.max; i++)
		enclave_pii_stream_free(F.small[i]);
	free(F.small);
	free(F.o);
	free(F.payloads);
	enclave_pii_stream_free(F.big);
	enclave_pii_pool_free(pool);
	cli_pii_close(&pii);
	if (fflush(stdout) != 0) {
		cli_error(name, "cannot write to stdout");
		return EXIT_FAIL;
	}
	return failed == 0 ? EXIT_OK : failed < nfiles ? EXIT_PARTIAL : EXIT_FAIL;
}
