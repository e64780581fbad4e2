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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const struct cli_opt cmd_augment_opts[] = {
	{ "task", 't', "TASK" },
	{ "n", 'n', "N" },
	{ "seed", 0, "S" },
	{ "source", 0, "FROM" },
	{ "accepted", 0, NULL },
	{ "out", 'o', "FILE" },
	{ "json", 0, NULL },
	{ "kind", 0, "KIND" },
	{ "status", 0, "STATUS" },
	{ "alpha-sr", 0, "A" },
	{ "alpha-ri", 0, "A" },
	{ "alpha-rs", 0, "A" },
	{ "alpha-rd", 0, "A" },
	{ "wordnet", 0, "DIR" },
	/* The LLM tasks: */
	{ "llm", 0, "NAME" },
	{ "in-flight", 0, "K" },
	{ "template", 0, "FILE|NAME" },
	{ "temperature", 0, "X" },
	{ "max-tokens", 0, "N" },
	{ "chunk-by", 0, "UNIT" },
	{ "chunk-size", 0, "N" },
	{ "chunk-overlap", 0, "N" },
	{ "limit", 0, "N" },
	{ "allow-pii", 0, NULL },
	{ "layer", 0, "LAYER" },
	{ "attempts", 0, "N" },
	{ "min-support", 0, "X" },
	{ "min-score", 0, "S" },
	{ "max-unreachable", 0, "N" },
	{ "progress", 0, NULL },
	{ NULL, 0, NULL },
};

#define OPT(a, n) cli_value((a), cmd_augment_opts, (n))

/* Option `name`, when given, as a number in [lo, hi] into *out; 0 or an exit status. */
static int real_opt(const char *cmd, const struct cli_args *a, const char *name, double lo,
                    double hi, double *out)
{
	const char *v = OPT(a, name);
	char *end;
	double x;

	if (!v)
		return 0;
	errno = 0;
	x = strtod(v, &end);
	if (*end || end == v || errno || !(x >= lo && x <= hi))
		return cli_usage(cmd, "--%s is a number from %g to %g", name, lo, hi);
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
	if ((rc = real_opt(cmd, a, "alpha-sr", 0, 1, &o->alpha_sr)) ||
	    (rc = real_opt(cmd, a, "alpha-ri", 0, 1, &o->alpha_ri)) ||
	    (rc = real_opt(cmd, a, "alpha-rs", 0, 1, &o->alpha_rs)) ||
	    (rc = real_opt(cmd, a, "alpha-rd", 0, 1, &o->alpha_rd)))
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

/* ------------------------------------------------------------ the LLM tasks */

/* An integer option in [lo, hi] into *out (untouched when absent); 0 or an exit status. */
static int int_opt(const char *cmd, const struct cli_args *a, const char *name, long long lo,
                   long long hi, long long *out)
{
	const char *v = OPT(a, name);
	char *end;
	long long x;

	if (!v)
		return 0;
	errno = 0;
	x = strtoll(v, &end, 10);
	if (*end || end == v || errno || x < lo || x > hi)
		return cli_usage(cmd, "--%s is a number from %lld to %lld", name, lo, hi);
	*out = x;
	return 0;
}

struct progress_state {
	int shown;
	const char *unit; /* what sources_done counts */
};

/* What a task's sources are: the progress counts the first, the summary the second. */
static void source_units(const char *task, const char **progress, const char **summary)
{
	if (!strcmp(task, "judge")) {
		*progress = *summary = "records";
	} else if (!strcmp(task, "suggest-labels")) {
		*progress = *summary = "documents";
	} else {
		*progress = "documents";
		*summary = "chunks";
	}
}

/* "done/total documents, records, rate, ETA" on one line of stderr, redrawn. */
static void show_progress(const struct enclave_augment_llm_summary *s, void *payload)
{
	struct progress_state *st = payload;
	double rate = s->seconds > 0 ? (double)(s->made + s->rejected + s->errors) / s->seconds : 0,
	       eta = s->sources_done > 0
	                 ? s->seconds * (double)(s->sources_total - s->sources_done) /
	                       (double)s->sources_done
	                 : 0;

	fprintf(stderr,
	        "\r\033[Kaugment: %lld/%lld %s, %lld made, %lld skipped, %lld rejected, "
	        "%lld errors, %.1f items/s, %.0f tokens/s, ETA %.0fs",
	        (long long)s->sources_done, (long long)s->sources_total, st->unit,
	        (long long)s->made, (long long)s->skipped, (long long)s->rejected,
	        (long long)s->errors, rate,
	        s->seconds > 0 ? (double)s->completion_tokens / s->seconds : 0.0, eta);
	st->shown = 1;
}

/* qa, instruct, paraphrase, summary, suggest-labels, judge. */
static int run_llm(struct cli_ctx *ctx, const char *cmd, const struct cli_args *a, int task)
{
	struct enclave_augment_llm_options o = ENCLAVE_AUGMENT_LLM_OPTIONS_INIT;
	struct enclave_augment_llm_summary s;
	struct progress_state ps = { 0 };
	const char *summary_unit;
	enclave_project *p = NULL;
	long long n = 1, inflight = 0, maxtok = 0, csize = 0, cover = 0, limit = 0, attempts = 0,
	          minscore = 0, unreachable = 8;
	const char *v;
	int rc;

	(void)task;
	o.task = OPT(a, "task");
	o.llm = OPT(a, "llm");
	if (!o.llm)
		return cli_usage(cmd,
		                 "--task %s needs --llm NAME (an endpoint of enclave.yaml;"
		                 " see 'enclave llm list')",
		                 o.task);
	if (OPT(a, "out"))
		return cli_usage(cmd,
		                 "--out is for synthetic-pii; see records with 'augment list'");
	if ((rc = int_opt(cmd, a, "n", 1, 1000000, &n)) ||
	    (rc = int_opt(cmd, a, "in-flight", 1, 256, &inflight)) ||
	    (rc = int_opt(cmd, a, "max-tokens", 1, 1000000, &maxtok)) ||
	    (rc = int_opt(cmd, a, "chunk-size", 1, 1000000, &csize)) ||
	    (rc = int_opt(cmd, a, "chunk-overlap", 0, 999999, &cover)) ||
	    (rc = int_opt(cmd, a, "limit", 1, 1000000000, &limit)) ||
	    (rc = int_opt(cmd, a, "attempts", 1, 10, &attempts)) ||
	    (rc = int_opt(cmd, a, "min-score", 1, 5, &minscore)) ||
	    (rc = int_opt(cmd, a, "max-unreachable", 0, 1000000, &unreachable)) ||
	    (rc = real_opt(cmd, a, "temperature", 0, 2, &o.temperature)) ||
	    (rc = real_opt(cmd, a, "min-support", 0, 1, &o.min_support)))
		return rc;
	if ((v = OPT(a, "seed"))) {
		char *end;
		errno = 0;
		unsigned long long sd = strtoull(v, &end, 10);
		if (*end || end == v || errno || v[0] == '-')
			return cli_usage(cmd, "--seed is a number from 0 to 2^64-1");
		o.seed = sd;
	}
	if (minscore && strcmp(o.task, "judge"))
		return cli_usage(cmd, "--min-score is for --task judge");
	o.n = n;
	o.in_flight = (int)inflight;
	o.max_tokens = (int)maxtok;
	o.chunk_size = (unsigned)csize;
	o.chunk_overlap = (unsigned)cover;
	o.limit = limit;
	o.attempts = (int)attempts;
	o.min_score = (int)minscore;
	o.max_unreachable = unreachable ? (int)unreachable : -1;
	o.template_spec = OPT(a, "template");
	o.chunk_by = OPT(a, "chunk-by");
	o.allow_pii = OPT(a, "allow-pii") != NULL;
	o.layer = OPT(a, "layer");
	o.judge_kind = OPT(a, "kind");
	source_units(o.task, &ps.unit, &summary_unit);
	if (ctx->tty || OPT(a, "progress")) {
		o.progress = show_progress;
		o.payload = &ps;
	}
	if ((rc = cli_open_project(&p, ctx, cmd)) != 0)
		return rc;
	rc = enclave_augment_llm_run(p, &o, &s);
	enclave_project_free(p);
	if (ps.shown)
		fputc('\n', stderr);
	if (rc < 0)
		return cli_fail(cmd, rc);
	fprintf(stderr,
	        "enclave augment: %s: %lld made, %lld skipped as already done, %lld rejected by"
	        " the checks, %lld retries, %lld errors; %lld %s",
	        o.task, (long long)s.made, (long long)s.skipped, (long long)s.rejected,
	        (long long)s.retries, (long long)s.errors, (long long)s.chunks, summary_unit);
	if (s.excluded)
		fprintf(stderr,
		        " (%lld excluded: test split or no split yet, %lld of them unassigned)",
		        (long long)s.excluded, (long long)s.unsplit);
	if (s.judged_rejected)
		fprintf(stderr, "; %lld records set to rejected (score below %d)",
		        (long long)s.judged_rejected, o.min_score);
	fprintf(stderr, "; tokens %lld prompt, %lld completion (%.0f/s) in %.1fs\n",
	        (long long)s.prompt_tokens, (long long)s.completion_tokens,
	        s.seconds > 0 ? (double)s.completion_tokens / s.seconds : 0.0, s.seconds);
	if (s.first_failure[0])
		fprintf(stderr, "enclave augment: first failure: %s\n", s.first_failure);
	if (!s.split_guard)
		fprintf(stderr,
		        "enclave augment: warning: the project has no split (enclave split), so"
		        " nothing kept a future test split out of the sources\n");
	else if (s.unsplit)
		fprintf(stderr,
		        "enclave augment: %lld documents have no split yet and were left out;"
		        " `enclave split` with the same spec assigns them\n",
		        (long long)s.unsplit);
	if (OPT(a, "json")) {
		printf("{\"task\":");
		cli_json_string(stdout, o.task);
		printf(",\"split_guard\":%s,\"unsplit\":%lld", s.split_guard ? "true" : "false",
		       (long long)s.unsplit);
		printf(",\"sources\":%lld,\"excluded\":%lld,\"items\":%lld,\"made\":%lld,"
		       "\"skipped\":%lld,\"rejected\":%lld,\"retries\":%lld,\"errors\":%lld,"
		       "\"judged_rejected\":%lld,\"prompt_tokens\":%lld,\"completion_tokens\":%lld,"
		       "\"seconds\":%.3f,\"tokens_per_second\":%.1f,\"template_sha256\":\"%s\","
		       "\"model_digest\":",
		       (long long)s.chunks, (long long)s.excluded, (long long)s.items,
		       (long long)s.made, (long long)s.skipped, (long long)s.rejected,
		       (long long)s.retries, (long long)s.errors, (long long)s.judged_rejected,
		       (long long)s.prompt_tokens, (long long)s.completion_tokens, s.seconds,
		       s.seconds > 0 ? (double)s.completion_tokens / s.seconds : 0.0,
		       s.template_sha256);
		cli_json_string(stdout, s.model_digest[0] ? s.model_digest : NULL);
		printf(",\"first_failure\":");
		cli_json_string(stdout, s.first_failure[0] ? s.first_failure : NULL);
		printf("}\n");
	}
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
	{ "qa", 0, run_llm },
	{ "instruct", 0, run_llm },
	{ "paraphrase", 0, run_llm },
	{ "summary", 0, run_llm },
	{ "suggest-labels", 0, run_llm },
	{ "judge", 0, run_llm },
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
		return cli_usage(
		    name,
		    "give --task TASK (entity-swap, synthetic-pii, eda; with --llm: qa, instruct,"
		    " paraphrase, summary, suggest-labels, judge)");
	for (size_t i = 0; i < sizeof(tasks) / sizeof(tasks[0]); i++)
		if (!strcmp(tasks[i].name, task))
			return tasks[i].run(ctx, name, &a, tasks[i].task);
	return cli_usage(name,
	                 "unknown task '%s' (entity-swap, synthetic-pii, eda, qa, instruct,"
	                 " paraphrase, summary, suggest-labels, judge)",
	                 task);
}
