/*
 * enclave augment --task T [--n N] [--seed S] [...]: make generated records
 * (docs/cli/augment.md); enclave augment list [--kind K] [--status S]
 * [--json]: show them.
 *
 * Tasks are rows of tasks[] below: a name, whether it needs a project, and
 * the function that runs it. The deterministic ones (entity-swap,
 * synthetic-pii, eda) share run_deterministic; the LLM tasks add their rows.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const struct cli_opt cmd_augment_opts[] = {
	{ "task", 't', "TASK" }, { "n", 'n', "N" },       { "seed", 0, "S" },
	{ "source", 0, "FROM" }, { "accepted", 0, NULL }, { "out", 'o', "FILE" },
	{ "json", 0, NULL },     { "kind", 0, "KIND" },   { "status", 0, "STATUS" },
	{ "alpha-sr", 0, "A" },  { "alpha-ri", 0, "A" },  { "alpha-rs", 0, "A" },
	{ "alpha-rd", 0, "A" },  { "wordnet", 0, "DIR" }, { NULL, 0, NULL },
};

#define OPT(a, n) cli_value((a), cmd_augment_opts, (n))

/* Parse an alpha in [0, 1] into *out; 0 or an exit status. */
static int parse_alpha(const char *cmd, const char *name, const char *v, double *out)
{
	char *end;
	double x;

	if (!v)
		return 0;
	errno = 0;
	x = strtod(v, &end);
	if (*end || end == v || errno || !(x >= 0 && x <= 1))
		return cli_usage(cmd, "--%s is a number from 0 to 1", name);
	*out = x;
	return 0;
}

/* Fill the library's options from the command line; 0 or an exit status. */
static int options(struct enclave_augment_options *o, const char *cmd, const struct cli_args *a,
                   int task)
{
	const char *v;
	char *end;
	int rc;

	o->task = task;
	if ((v = OPT(a, "n"))) {
		long long n = strtoll(v, &end, 10);
		if (*end || end == v || n < 1 || n > 1000000)
			return cli_usage(cmd, "--n is a number from 1 to 1000000");
		o->n = n;
	} else if (task == ENCLAVE_AUGMENT_SYNTHETIC_PII) {
		o->n = 100;
	}
	if ((v = OPT(a, "seed"))) {
		errno = 0;
		unsigned long long s = strtoull(v, &end, 10);
		if (*end || end == v || errno || v[0] == '-')
			return cli_usage(cmd, "--seed is a number from 0 to 2^64-1");
		o->seed = s;
	}
	if ((v = OPT(a, "source"))) {
		if (!strcmp(v, "annotations"))
			o->spans = ENCLAVE_AUGMENT_SPANS_ANNOTATIONS;
		else if (!strcmp(v, "pii"))
			o->spans = ENCLAVE_AUGMENT_SPANS_PII;
		else if (!strcmp(v, "auto"))
			o->spans = ENCLAVE_AUGMENT_SPANS_AUTO;
		else
			return cli_usage(cmd, "--source is annotations, pii or auto");
	}
	o->accepted_only = OPT(a, "accepted") != NULL;
	if ((rc = parse_alpha(cmd, "alpha-sr", OPT(a, "alpha-sr"), &o->alpha_sr)) ||
	    (rc = parse_alpha(cmd, "alpha-ri", OPT(a, "alpha-ri"), &o->alpha_ri)) ||
	    (rc = parse_alpha(cmd, "alpha-rs", OPT(a, "alpha-rs"), &o->alpha_rs)) ||
	    (rc = parse_alpha(cmd, "alpha-rd", OPT(a, "alpha-rd"), &o->alpha_rd)))
		return rc;
	o->wordnet_dir = OPT(a, "wordnet");
	return 0;
}

static void print_summary(const char *task, const struct enclave_augment_summary *s, int json,
                          const char *out)
{
	fprintf(stderr, "enclave augment: %s: %lld made, %lld skipped as already done", task,
	        (long long)s->made, (long long)s->skipped);
	if (s->documents)
		fprintf(stderr, ", from %lld documents", (long long)s->documents);
	if (s->no_spans)
		fprintf(stderr, " (%lld without spans, left alone)", (long long)s->no_spans);
	if (out)
		fprintf(stderr, ", written to %s", out);
	fputc('\n', stderr);
	if (json)
		printf("{\"task\":\"%s\",\"documents\":%lld,\"made\":%lld,\"skipped\":%lld,"
		       "\"no_spans\":%lld,\"output_sha256\":\"%s\"}\n",
		       task, (long long)s->documents, (long long)s->made, (long long)s->skipped,
		       (long long)s->no_spans, s->output_sha256);
}

/* entity-swap, synthetic-pii, eda. */
static int run_deterministic(struct cli_ctx *ctx, const char *cmd, const struct cli_args *a,
                             int task)
{
	struct enclave_augment_options o = ENCLAVE_AUGMENT_OPTIONS_INIT;
	struct enclave_augment_summary s;
	enclave_project *p = NULL;
	const char *out = OPT(a, "out");
	int rc;

	if ((rc = options(&o, cmd, a, task)) != 0)
		return rc;
	if (out && task != ENCLAVE_AUGMENT_SYNTHETIC_PII)
		return cli_usage(cmd,
		                 "--out is for synthetic-pii; see records with 'augment list'");
	if (out) {
		if ((rc = enclave_augment_synth_write(out, &o, &s)) < 0)
			return cli_fail(cmd, rc);
	} else {
		if ((rc = cli_open_project(&p, ctx, cmd)) != 0)
			return rc;
		rc = enclave_augment_run(p, &o, &s);
		enclave_project_free(p);
		if (rc < 0) {
			return cli_fail(cmd, rc);
		}
	}
	print_summary(enclave_augment_task_name(task), &s, OPT(a, "json") != NULL, out);
	return EXIT_OK;
}

static const struct augment_task {
	const char *name;
	int task; /* enum enclave_augment_task, for the deterministic ones */
	int (*run)(struct cli_ctx *ctx, const char *cmd, const struct cli_args *a, int task);
} tasks[] = {
	{ "entity-swap", ENCLAVE_AUGMENT_ENTITY_SWAP, run_deterministic },
	{ "synthetic-pii", ENCLAVE_AUGMENT_SYNTHETIC_PII, run_deterministic },
	{ "eda", ENCLAVE_AUGMENT_EDA, run_deterministic },
};

/* ------------------------------------------------------------ list */

struct list_state {
	int json, header;
};

static int print_record(const struct enclave_record *r, void *payload)
{
	struct list_state *st = payload;

	if (st->json) {
		printf("{\"id\":%lld,\"kind\":", (long long)r->id);
		cli_json_string(stdout, r->kind);
		printf(",\"key\":\"%s\",\"document\":", r->key);
		if (r->document_id)
			printf("%lld", (long long)r->document_id);
		else
			printf("null");
		printf(",\"status\":\"%s\",\"text\":", r->status);
		cli_json_string(stdout, r->text);
		printf(",\"text_sha256\":\"%s\",\"payload\":%s,\"lineage\":%s,\"created_at\":",
		       r->text_sha256, r->payload, r->lineage);
		cli_json_string(stdout, r->created_at);
		printf("}\n");
		return 0;
	}
	if (!st->header) {
		printf("%6s  %-13s  %-8s  %8s  %s\n", "ID", "KIND", "STATUS", "DOCUMENT", "TEXT");
		st->header = 1;
	}
	char doc[24] = "-";
	if (r->document_id)
		snprintf(doc, sizeof(doc), "%lld", (long long)r->document_id);
	printf("%6lld  %-13s  %-8s  %8s  ", (long long)r->id, r->kind, r->status, doc);
	/* The first line of the text, cut at 60 bytes (on a character boundary). */
	size_t n = strcspn(r->text, "\n");
	if (n > 60) {
		n = 60;
		while (n > 0 && ((unsigned char)r->text[n] & 0xc0) == 0x80)
			n--;
	}
	printf("%.*s%s\n", (int)n, r->text, r->text[n] ? "..." : "");
	return 0;
}

static int run_list(struct cli_ctx *ctx, const char *cmd, const struct cli_args *a)
{
	struct enclave_records_filter f;
	struct list_state st = { 0, 0 };
	enclave_project *p = NULL;
	int rc;

	memset(&f, 0, sizeof(f));
	f.kind = OPT(a, "kind");
	f.status = OPT(a, "status");
	st.json = OPT(a, "json") != NULL;
	if ((rc = cli_open_project(&p, ctx, cmd)) != 0)
		return rc;
	rc = enclave_records_list(p, &f, print_record, &st);
	enclave_project_free(p);
	return rc < 0 ? cli_fail(cmd, rc) : EXIT_OK;
}

int cmd_augment(struct cli_ctx *ctx, const char *name, int argc, char **argv)
{
	struct cli_args a;
	const char *task;
	int rc;

	if ((rc = cli_parse(&a, cmd_augment_opts, name, argc, argv)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (a.npos == 1 && !strcmp(a.pos[0], "list"))
		return run_list(ctx, name, &a);
	if (a.npos)
		return cli_usage(name, "unknown subcommand '%s' (list, or --task TASK)", a.pos[0]);
	if (!(task = OPT(&a, "task")))
		return cli_usage(name, "give --task TASK (entity-swap, synthetic-pii, eda)");
	for (size_t i = 0; i < sizeof(tasks) / sizeof(tasks[0]); i++)
		if (!strcmp(tasks[i].name, task))
			return tasks[i].run(ctx, name, &a, tasks[i].task);
	return cli_usage(name, "unknown task '%s' (entity-swap, synthetic-pii, eda)", task);
}
