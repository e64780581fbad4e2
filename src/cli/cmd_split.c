/*
 * enclave split PARTS [--seed N] [--stratify class] [--reassign] | show
 * [--json] | check-contamination [--n N] [--kinds K] [--record-status S]
 * [--json]: the project's persisted split (include/enclave/split.h) and the
 * contamination guard. See docs/cli/split.md.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const struct cli_opt cmd_split_opts[] = {
	{ "seed", 0, "N" },
	{ "stratify", 0, "KIND" },
	{ "reassign", 0, NULL },
	{ "json", 0, NULL },
	{ "n", 0, "N" },
	{ "kinds", 0, "KINDS" },
	{ "record-status", 0, "STATUS" },
	{ NULL, 0, NULL },
};

/* "80,10,10" or "90,10" into parts; -1 when malformed. */
static int parse_parts(unsigned parts[3], const char *s)
{
	unsigned long long v;
	const char *p = s;
	int n = 0;

	while (*p) {
		char tmp[8];
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);
		if (n == 3 || !len || len >= sizeof(tmp))
			return -1;
		memcpy(tmp, p, len);
		tmp[len] = '\0';
		if (cli_parse_uint(&v, tmp, 100) < 0 || !v)
			return -1;
		parts[n++] = (unsigned)v;
		if (!c)
			break;
		p = c + 1;
	}
	return n >= 2 && parts[0] + parts[1] + parts[2] == 100 ? 0 : -1;
}

static void print_summary(const struct enclave_split_summary *s, int json, int assign)
{
	if (json) {
		printf("{\"split\":%s", s->have ? "true" : "false");
		if (s->have) {
			printf(",\"parts\":[%u,%u", s->parts[0], s->parts[1]);
			if (s->parts[2])
				printf(",%u", s->parts[2]);
			printf("],\"seed\":%llu,\"stratify\":", s->seed);
			cli_json_string(stdout, s->stratify[0] ? s->stratify : NULL);
			printf(
			    ",\"train\":%lld,\"validation\":%lld,\"test\":%lld,\"unassigned\":%lld,"
			    "\"sha256\":\"%s\"",
			    (long long)s->counts[0], (long long)s->counts[1],
			    (long long)s->counts[2], (long long)s->unassigned, s->sha256);
		}
		printf("}\n");
		return;
	}
	if (!s->have) {
		printf("no split: run 'enclave split 80,10,10' to make one\n");
		return;
	}
	if (assign)
		printf("assigned %lld document%s\n", (long long)s->assigned,
		       s->assigned == 1 ? "" : "s");
	printf("split %u,%u%s", s->parts[0], s->parts[1], s->parts[2] ? "," : "");
	if (s->parts[2])
		printf("%u", s->parts[2]);
	printf(" seed %llu%s\n", s->seed, s->stratify[0] ? ", stratified by class" : "");
	printf("train       %lld\n", (long long)s->counts[0]);
	if (s->parts[2])
		printf("validation  %lld\n", (long long)s->counts[1]);
	printf("test        %lld\n", (long long)s->counts[2]);
	if (s->unassigned)
		printf("unassigned  %lld (ingested since: run 'enclave split' again)\n",
		       (long long)s->unassigned);
	printf("sha256      %s\n", s->sha256);
}

struct flagged {
	int json;
};

static int print_flagged(int64_t id, const char *kind, int64_t doc, int64_t shared, void *payload)
{
	struct flagged *f = payload;

	if (f->json)
		printf("{\"record_id\":%lld,\"kind\":\"%s\",\"document_id\":%lld,\"shared_ngrams\":"
		       "%lld}\n",
		       (long long)id, kind, (long long)doc, (long long)shared);
	else
		printf("record %lld (%s, document %lld): %lld shared n-gram%s\n", (long long)id,
		       kind, (long long)doc, (long long)shared, shared == 1 ? "" : "s");
	return 0;
}

static int check(struct cli_ctx *ctx, const char *name, struct cli_args *a)
{
	struct enclave_contamination_options o = ENCLAVE_CONTAMINATION_OPTIONS_INIT;
	struct enclave_contamination_summary s;
	struct flagged f;
	enclave_project *p = NULL;
	unsigned long long v;
	const char *val;
	int rc, error;

	f.json = cli_value(a, cmd_split_opts, "json") != NULL;
	if ((val = cli_value(a, cmd_split_opts, "n"))) {
		if (cli_parse_uint(&v, val, 32) < 0 || v < 2)
			return cli_usage(name, "--n takes 2 to 32 words, not '%s'", val);
		o.n = (unsigned)v;
	}
	o.kinds = cli_value(a, cmd_split_opts, "kinds");
	o.status = cli_value(a, cmd_split_opts, "record-status");
	if (o.status && !strcmp(o.status, "all"))
		o.status = NULL;
	if ((rc = cli_open_project(&p, ctx, name)) != 0)
		return rc;
	if ((error = enclave_split_contamination(p, &o, print_flagged, &f, &s)) < 0) {
		rc = cli_fail(name, error);
	} else {
		double mb = (double)(s.test_bytes + s.record_bytes) / 1e6;
		if (f.json)
			printf("{\"summary\":{\"test_documents\":%lld,\"test_bytes\":%lld,"
			       "\"ngrams\":%lld,"
			       "\"records\":%lld,\"record_bytes\":%lld,\"flagged\":%lld,"
			       "\"seconds\":%.3f}}\n",
			       (long long)s.test_documents, (long long)s.test_bytes,
			       (long long)s.ngrams, (long long)s.records, (long long)s.record_bytes,
			       (long long)s.flagged, s.seconds);
		else
			printf("checked %lld record%s against %lld test document%s (%lld n-grams):"
			       " %lld flagged\n",
			       (long long)s.records, s.records == 1 ? "" : "s",
			       (long long)s.test_documents, s.test_documents == 1 ? "" : "s",
			       (long long)s.ngrams, (long long)s.flagged);
		fprintf(stderr, "%.1f MB in %.2f s (%.1f MB/s)\n", mb, s.seconds,
		        s.seconds > 0 ? mb / s.seconds : 0.0);
		rc = EXIT_OK;
	}
	enclave_project_free(p);
	return rc;
}

int cmd_split(struct cli_ctx *ctx, const char *name, int argc, char **argv)
{
	struct enclave_split_options o = ENCLAVE_SPLIT_OPTIONS_INIT;
	struct enclave_split_summary s;
	enclave_project *p = NULL;
	struct cli_args a;
	unsigned long long v;
	const char *val, *sub;
	int rc, error, json, show;

	if ((rc = cli_parse(&a, cmd_split_opts, name, argc, argv)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (a.npos != 1)
		return cli_usage(name, "give the parts (e.g. 80,10,10), 'show' or"
		                       " 'check-contamination'");
	sub = a.pos[0];
	json = cli_value(&a, cmd_split_opts, "json") != NULL;
	if (!strcmp(sub, "check-contamination"))
		return check(ctx, name, &a);
	show = !strcmp(sub, "show");
	if (!show) {
		if (parse_parts(o.parts, sub) < 0)
			return cli_usage(name,
			                 "the split takes 2 or 3 percentages adding up to 100"
			                 " (e.g. 80,10,10), not '%s'",
			                 sub);
		if ((val = cli_value(&a, cmd_split_opts, "seed"))) {
			if (cli_parse_uint(&v, val, (unsigned long long)INT64_MAX) < 0)
				return cli_usage(name, "--seed takes a whole number, not '%s'",
				                 val);
			o.seed = v;
		}
		o.stratify = cli_value(&a, cmd_split_opts, "stratify");
		o.reassign = cli_value(&a, cmd_split_opts, "reassign") != NULL;
	}
	if ((rc = cli_open_project(&p, ctx, name)) != 0)
		return rc;
	error = show ? enclave_split_show(p, &s) : enclave_split_assign(p, &o, &s);
	if (error < 0)
		rc = cli_fail(name, error);
	else
		print_summary(&s, json, !show);
	enclave_project_free(p);
	return rc;
}
