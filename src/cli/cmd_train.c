/*
 * enclave train ner: train the named-entity tagger from CoNLL/IOB files
 * (per-epoch dev F1 on stderr, the model written atomically with its
 * SHA-256 beside it); with --eval, score a model on CoNLL files; with --tag,
 * print the entities a model finds in a text file. No project needed.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

const struct cli_opt cmd_train_opts[] = {
	{ "out", 'o', "MODEL" },   { "epochs", 0, "N" },       { "dev", 0, "FILE" },
	{ "seed", 0, "N" },        { "gazetteers", 0, "DIR" }, { "augment", 0, "SHARE" },
	{ "prune", 0, "SHARE" },   { "eval", 0, NULL },        { "tag", 0, NULL },
	{ "model", 'm', "MODEL" }, { NULL, 0, NULL },
};

/* Seconds on the monotonic clock. */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds of this thread (the speed on a busy machine). */
static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Print one epoch's line to stderr (the training progress callback). */
static void on_epoch(const struct enclave_ner_epoch *e, void *payload)
{
	(void)payload;
	if (e->dev_f1 >= 0)
		fprintf(
		    stderr,
		    "enclave train: epoch %d: %zu sentences wrong, dev F1 %.2f (P %.2f R %.2f), "
		    "%.1f s\n",
		    e->epoch, e->mistakes, 100 * e->dev_f1, 100 * e->dev_p, 100 * e->dev_r,
		    e->seconds);
	else
		fprintf(stderr, "enclave train: epoch %d: %zu sentences wrong, %.1f s\n", e->epoch,
		        e->mistakes, e->seconds);
}

/*
 * Load --model MODEL checked against the hash in MODEL.sha256, or the
 * shipped model without --model. Returns 0 or an exit code after reporting.
 */
static int load_model(enclave_ner_model **out, const char *path, const char *cmd)
{
	char hex[65] = "", name[4200];
	FILE *f;
	int rc;

	if (!path) {
		if ((rc = enclave_ner_load_default(out)) < 0)
			return cli_fail(cmd, rc);
		return 0;
	}
	snprintf(name, sizeof(name), "%s.sha256", path);
	if (!(f = fopen(name, "r"))) {
		cli_error(cmd, "cannot read '%s' (the model's SHA-256): %s", name, strerror(errno));
		return EXIT_FAIL;
	}
	if (!fgets(hex, sizeof(hex), f) || strlen(hex) != 64) {
		fclose(f);
		cli_error(cmd, "'%s' does not start with a SHA-256", name);
		return EXIT_FAIL;
	}
	fclose(f);
	if ((rc = enclave_ner_load(out, path, hex)) < 0)
		return cli_fail(cmd, rc);
	return 0;
}

/* Print the scores of one file: a line per type and one for all. */
static void print_scores(const char *file, const struct enclave_ner_scores *s, double seconds)
{
	static const char *const types[4] = { "PER", "ORG", "LOC", "ALL" };

	for (int t = 0; t < 4; t++) {
		double tp = (double)s->tp[t], fp = (double)s->fp[t], fn = (double)s->fn[t];
		double p = tp + fp > 0 ? tp / (tp + fp) : 0, r = tp + fn > 0 ? tp / (tp + fn) : 0;
		double f1 = p + r > 0 ? 2 * p * r / (p + r) : 0;
		printf("%s\t%s\t%zu\t%zu\t%zu\t%.2f\t%.2f\t%.2f\n", file, types[t], s->tp[t],
		       s->fp[t], s->fn[t], 100 * p, 100 * r, 100 * f1);
	}
	fprintf(stderr,
	        "enclave train: %s: %zu sentences, %zu tokens in %.3f s of CPU (%.0f tokens/s)\n",
	        file, s->sentences, s->tokens, seconds,
	        seconds > 0 ? (double)s->tokens / seconds : 0);
}

/* --eval: score the model on each file. */
static int run_eval(const struct cli_args *a, const char *cmd)
{
	enclave_ner_model *m = NULL;
	int rc;

	if (a->npos < 2)
		return cli_usage(cmd, "--eval needs CoNLL files to score");
	if ((rc = load_model(&m, cli_value(a, cmd_train_opts, "model"), cmd)) != 0)
		return rc;
	printf("file\ttype\ttp\tfp\tfn\tprecision\trecall\tf1\n");
	for (int i = 1; i < a->npos && rc == 0; i++) {
		struct enclave_ner_scores s;
		double c0 = cpu_now();
		int e = enclave_ner_evaluate(&s, m, a->pos[i]);
		if (e < 0)
			rc = cli_fail(cmd, e);
		else
			print_scores(a->pos[i], &s, cpu_now() - c0);
	}
	enclave_ner_free(m);
	return rc;
}

/* Read all of `f` into a malloc'd buffer. Returns NULL on failure (errno set). */
static char *slurp(FILE *f, size_t *len)
{
	size_t cap = 1 << 20, n = 0, r;
	char *p = malloc(cap), *q;

	if (!p)
		return NULL;
	while ((r = fread(p + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			if (cap >= ((size_t)1 << 30) || !(q = realloc(p, cap * 2))) {
				free(p);
				errno = EFBIG;
				return NULL;
			}
			p = q;
			cap *= 2;
		}
	}
	if (ferror(f)) {
		free(p);
		return NULL;
	}
	*len = n;
	return p;
}

/* --tag FILE: print "start<TAB>end<TAB>label<TAB>score<TAB>text" for each entity. */
static int run_tag(const struct cli_args *a, const char *cmd)
{
	struct enclave_pii_spans spans = { 0 };
	enclave_ner_model *m = NULL;
	const char *path;
	FILE *f;
	char *text;
	size_t len = 0;
	double t0, dt, c0, dc;
	int rc;

	if (a->npos != 2)
		return cli_usage(cmd, "--tag takes one text FILE (or -)");
	path = a->pos[1];
	if (!(f = strcmp(path, "-") ? fopen(path, "rb") : stdin)) {
		cli_error(cmd, "cannot read '%s': %s", path, strerror(errno));
		return EXIT_FAIL;
	}
	text = slurp(f, &len);
	if (f != stdin)
		fclose(f);
	if (!text) {
		cli_error(cmd, "cannot read '%s': %s", path, strerror(errno));
		return EXIT_FAIL;
	}
	if ((rc = load_model(&m, cli_value(a, cmd_train_opts, "model"), cmd)) != 0) {
		free(text);
		return rc;
	}
	t0 = now();
	c0 = cpu_now();
	rc = enclave_ner_tag(&spans, m, text, len);
	dt = now() - t0;
	dc = cpu_now() - c0;
	if (rc < 0) {
		rc = cli_fail(cmd, rc);
	} else {
		for (size_t i = 0; i < spans.n; i++) {
			const struct enclave_pii_span *s = &spans.v[i];
			printf("%zu\t%zu\t%s\t%.3f\t%.*s\n", s->start, s->end,
			       enclave_pii_label_name(s->label), s->score, (int)(s->end - s->start),
			       text + s->start);
		}
		fprintf(stderr,
		        "enclave train: tagged %zu bytes in %.3f s (%.2f MB/s), %.3f s of CPU "
		        "(%.2f MB/s), %zu entities\n",
		        len, dt, dt > 0 ? (double)len / dt / 1e6 : 0, dc,
		        dc > 0 ? (double)len / dc / 1e6 : 0, spans.n);
	}
	enclave_pii_spans_free(&spans);
	enclave_ner_free(m);
	free(text);
	return rc;
}

/* Parse an option's number in [lo, hi] into *out; returns 0 or EXIT_USAGE. */
static int number(double *out, const struct cli_args *a, const char *opt, double lo, double hi,
                  const char *cmd)
{
	const char *v = cli_value(a, cmd_train_opts, opt);
	char *end;
	double d;

	if (!v)
		return 0;
	d = strtod(v, &end);
	if (*end || end == v || !isfinite(d) || d < lo || d > hi)
		return cli_usage(cmd, "--%s takes a number from %g to %g", opt, lo, hi);
	*out = d;
	return 0;
}

int cmd_train(struct cli_ctx *ctx, const char *name, int argc, char **argv)
{
	struct enclave_ner_train_options o = ENCLAVE_NER_TRAIN_OPTIONS_INIT;
	struct enclave_ner_train_result res;
	struct cli_args a;
	const char *out;
	double epochs = o.epochs, seed = (double)o.seed;
	int rc;

	(void)ctx;
	if ((rc = cli_parse(&a, cmd_train_opts, name, argc, argv)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (a.npos < 1 || strcmp(a.pos[0], "ner") != 0)
		return cli_usage(name, "the only model to train is 'ner': enclave train ner ...");
	if (cli_value(&a, cmd_train_opts, "eval") && cli_value(&a, cmd_train_opts, "tag"))
		return cli_usage(name, "give --eval or --tag, not both");
	if (cli_value(&a, cmd_train_opts, "eval"))
		return run_eval(&a, name);
	if (cli_value(&a, cmd_train_opts, "tag"))
		return run_tag(&a, name);
	if (cli_value(&a, cmd_train_opts, "model"))
		return cli_usage(name, "--model goes with --eval or --tag");
	if (!(out = cli_value(&a, cmd_train_opts, "out")))
		return cli_usage(name, "--out MODEL is required");
	if (a.npos < 2)
		return cli_usage(name, "give the training files (CoNLL/IOB)");
	if ((rc = number(&epochs, &a, "epochs", 1, 1000, name)) != 0 ||
	    (rc = number(&seed, &a, "seed", 0, 4294967295.0, name)) != 0 ||
	    (rc = number(&o.augment, &a, "augment", 0, 1, name)) != 0 ||
	    (rc = number(&o.prune, &a, "prune", 0, 0.99, name)) != 0)
		return rc;
	if (epochs != floor(epochs) || seed != floor(seed))
		return cli_usage(name, "--epochs and --seed take whole numbers");
	o.epochs = (int)epochs;
	o.seed = (uint64_t)seed;
	o.dev_path = cli_value(&a, cmd_train_opts, "dev");
	o.gazetteer_dir = cli_value(&a, cmd_train_opts, "gazetteers");
	o.progress = on_epoch;
	if (!o.gazetteer_dir)
		fprintf(stderr, "enclave train: no --gazetteers: training without gazetteers\n");
	rc = enclave_ner_train(&res, out, (const char *const *)a.pos + 1, (size_t)a.npos - 1, &o);
	if (rc < 0)
		return cli_fail(name, rc);
	fprintf(stderr,
	        "enclave train: %zu sentences, %zu tokens; %zu features; wrote %s (%zu bytes)\n",
	        res.sentences, res.tokens, res.features, out, res.bytes);
	printf("%s  %s\n", res.sha256, out);
	return EXIT_OK;
}
