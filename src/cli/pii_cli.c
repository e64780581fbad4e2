/*
 * What the PII commands (scan, redact) share: their recogniser options
 * (--preset, --entities, --min-score, the tagger and the clinical
 * recogniser) turned into one ready scanner, and its teardown.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

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

/* Load the tagger and the clinical recogniser the options ask for into p->scanner. */
static int add_models(struct cli_pii *p, const char *cmd, const struct cli_args *a,
                      const struct cli_opt *opts)
{
	const enclave_pii_labels names = ((enclave_pii_labels)1 << ENCLAVE_PII_PERSON) |
	                                 ((enclave_pii_labels)1 << ENCLAVE_PII_ORGANIZATION) |
	                                 ((enclave_pii_labels)1 << ENCLAVE_PII_LOCATION);
	const char *path = cli_value(a, opts, "ner-model");
	const char *sha = cli_value(a, opts, "ner-sha256");
	int clinical =
	    cli_value(a, opts, "clinical") != NULL ||
	    (p->preset && !strcmp(p->preset, "hipaa") && !cli_value(a, opts, "no-clinical"));
	int error;

	if (!cli_value(a, opts, "no-ner") && (p->labels & names)) {
		float floor =
		    clinical ? ENCLAVE_PII_NER_CLINICAL_MIN_SCORE : ENCLAVE_PII_NER_MIN_SCORE;
		error =
		    path ? enclave_ner_load(&p->ner, path, sha) : enclave_ner_load_default(&p->ner);
		if (error < 0 || enclave_pii_scanner_add_ner(p->scanner, p->ner, floor) < 0) {
			cli_error(cmd, "%s", enclave_error_last());
			return EXIT_FAIL;
		}
	}
	if (clinical && (enclave_pii_clinical_new(&p->clinical, p->ner) < 0 ||
	                 enclave_pii_scanner_add_clinical(p->scanner, p->clinical) < 0)) {
		cli_error(cmd, "%s", enclave_error_last());
		return EXIT_FAIL;
	}
	return 0;
}

int cli_pii_open(struct cli_pii *p, const char *cmd, const struct cli_args *a,
                 const struct cli_opt *opts)
{
	struct enclave_pii_scan_options so = ENCLAVE_PII_SCAN_OPTIONS_INIT;
	const char *v;
	int rc;

	memset(p, 0, sizeof(*p));
	p->preset = cli_value(a, opts, "preset");
	if (enclave_pii_preset(p->preset ? p->preset : "all", &so.labels) < 0)
		return cli_usage(cmd, "--preset is hipaa, gdpr, pci or all");
	if ((v = cli_value(a, opts, "entities"))) {
		enclave_pii_labels set;
		char bad[64];

		if (parse_entities(v, &set, bad, sizeof(bad)) < 0)
			return cli_usage(cmd, "--entities: unknown label '%s'", bad);
		so.labels = p->preset ? so.labels & set : set;
		if (!so.labels)
			return cli_usage(cmd, "--entities: none of them is in preset '%s'",
			                 p->preset);
	}
	if ((v = cli_value(a, opts, "min-score"))) {
		char *end;
		double x = strtod(v, &end);

		if (*end || end == v || !(x >= 0 && x <= 1))
			return cli_usage(cmd, "--min-score takes a number from 0 to 1");
		so.min_score = (float)x;
	}
	if ((cli_value(a, opts, "ner-model") || cli_value(a, opts, "ner-sha256")) &&
	    cli_value(a, opts, "no-ner"))
		return cli_usage(cmd, "--no-ner does not go with --ner-model or --ner-sha256");
	if (cli_value(a, opts, "ner-sha256") && !cli_value(a, opts, "ner-model"))
		return cli_usage(cmd, "--ner-sha256 goes with --ner-model");
	if (cli_value(a, opts, "clinical") && cli_value(a, opts, "no-clinical"))
		return cli_usage(cmd, "--clinical and --no-clinical do not go together");
	p->labels = so.labels;
	so.safe_harbor = p->preset && !strcmp(p->preset, "hipaa");
	if (enclave_pii_scanner_new(&p->scanner, &so) < 0)
		return cli_fail(cmd, enclave_error_last_code());
	if ((rc = add_models(p, cmd, a, opts)) != 0) {
		cli_pii_close(p);
		return rc;
	}
	return 0;
}

void cli_pii_close(struct cli_pii *p)
{
	enclave_pii_scanner_free(p->scanner);
	enclave_pii_clinical_free(p->clinical);
	enclave_ner_free(p->ner);
	memset(p, 0, sizeof(*p));
}
