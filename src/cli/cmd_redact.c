/*
 * enclave redact [--operator SPEC] [recogniser options] [--key-file F]
 * [--subject ID] [FILE|-]: the text with its personal data replaced, to
 * stdout, no project needed.
 *
 * The input is scanned as a whole (tag numbers and pseudonyms are
 * consistent within it), so it is read into memory up to
 * MAX_REDACT_BYTES. Operators that need a secret (hash, encrypt,
 * pseudonym) take it from --key-file or, without one, from the project
 * found from the working directory (or -C): then the redaction is recorded
 * in the project's audit trail, and its hashes and pseudonyms match those
 * of `clean --pii`.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const struct cli_opt cmd_redact_opts[] = {
	CLI_PII_OPTS,           { "operator", 'o', "SPEC" }, { "key-file", 'k', "FILE" },
	{ "subject", 0, "ID" }, { NULL, 0, NULL },
};

/* The most bytes redact reads (it holds the whole text). */
#define MAX_REDACT_BYTES ((size_t)256 << 20)

int cli_read_input(char **out, size_t *len, const char *path, size_t max);
int cli_read_key(unsigned char key[ENCLAVE_REDACT_KEY_BYTES], const char *path, const char *cmd);

/*
 * Make `*text` valid UTF-8 for the redactor: each bad byte becomes U+FFFD,
 * with one warning naming the file and the first offset (one bad byte must
 * not stop a file's redaction). Returns 0, or -1 when out of memory.
 */
static int repair_utf8(const char *name, const char *path, char **text, size_t *len)
{
	size_t nbad, first, n;
	char *out;

	if (enclave_redact_repair_utf8(&out, &n, &nbad, &first, *text, *len) < 0)
		return -1;
	if (!out)
		return 0;
	cli_error(name,
	          "warning: '%s' is not valid UTF-8 (first bad byte at offset %zu, %zu in all):"
	          " each redacted as U+FFFD",
	          path, first, nbad);
	free(*text);
	*text = out;
	*len = n;
	return 0;
}

/* What a project-keyed redaction records. */
struct redact_record {
	enclave_project *project; /* NULL: not recorded */
	const char *path, *spec;
};

/* The recognisers a scan ran, by name and version, for the record. */
static void recognizer_names(char *out, size_t cap, const struct cli_pii *pii)
{
	snprintf(out, cap, "enclave-rules/%s%s%s", ENCLAVE_VERSION, pii->ner ? ",model:ner" : "",
	         pii->clinical ? ",enclave-clinical/" ENCLAVE_VERSION : "");
}

/*
 * Scan and redact `text`, record it when `rec` has a project (before any
 * output: nothing is printed that is not on record), and write the result
 * to stdout. Returns an exit status.
 */
static int redact_text(const char *name, struct cli_pii *pii, const enclave_redactor *r,
                       const char *text, size_t len, const char *subject,
                       const struct redact_record *rec)
{
	struct enclave_pii_spans spans = { 0 };
	struct enclave_redacted out = { 0 };
	enclave_pii_state *st = NULL;
	size_t per_label[ENCLAVE_PII_LABEL_COUNT] = { 0 };
	char names[128];
	int rc = EXIT_OK;

	if (enclave_pii_state_new(&st, pii->scanner) < 0 ||
	    enclave_pii_scan(&spans, pii->scanner, st, text, len) < 0 ||
	    enclave_redact(&out, r, text, len, &spans, subject) < 0) {
		rc = cli_fail(name, enclave_error_last_code());
		goto done;
	}
	for (size_t i = 0; i < out.nspans; i++)
		per_label[out.spans[i].label]++;
	recognizer_names(names, sizeof(names), pii);
	if (rec->project &&
	    enclave_project_record_redact(rec->project, rec->path, rec->spec, names,
	                                  pii->ner ? enclave_ner_sha256(pii->ner) : NULL, text, len,
	                                  out.text, out.len, per_label) < 0) {
		rc = cli_fail(name, enclave_error_last_code());
	} else if (fwrite(out.text, 1, out.len, stdout) != out.len || fflush(stdout) != 0) {
		cli_error(name, "cannot write to stdout");
		rc = EXIT_FAIL;
	}
done:
	enclave_redacted_release(&out);
	enclave_pii_spans_free(&spans);
	enclave_pii_state_free(st);
	return rc;
}

int cmd_redact(struct cli_ctx *ctx, const char *name, int argc, char **argv)
{
	unsigned char key[ENCLAVE_REDACT_KEY_BYTES];
	struct enclave_redact_policy policy;
	enclave_redactor *r = NULL;
	struct redact_record rec = { NULL, NULL, NULL };
	enclave_project *project = NULL;
	struct cli_pii pii;
	struct cli_args a;
	const char *spec, *key_file, *path;
	char *text = NULL;
	size_t len;
	int rc, have_key = 0;

	if ((rc = cli_parse(&a, cmd_redact_opts, name, argc, argv)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (a.npos > 1)
		return cli_usage(name, "give at most one FILE");
	spec = cli_value(&a, cmd_redact_opts, "operator");
	if (enclave_redact_policy_parse(&policy, spec ? spec : "tag") < 0)
		return cli_usage(name, "--operator: %s", enclave_error_last());
	if ((key_file = cli_value(&a, cmd_redact_opts, "key-file"))) {
		if ((rc = cli_read_key(key, key_file, name)) != 0)
			return rc;
		have_key = 1;
	}
	if ((rc = cli_pii_open(&pii, name, &a, cmd_redact_opts)) != 0)
		goto out;
	path = a.npos ? a.pos[0] : "-";
	if (!have_key && enclave_redact_policy_needs_key(&policy, pii.labels)) {
		/* The project's secret, and the redaction on its record. */
		char *dir = NULL;
		if (enclave_project_discover(&dir, ctx->project_dir ? ctx->project_dir : ".") < 0) {
			rc = cli_usage(name, "the hash, encrypt and pseudonym operators need"
			                     " --key-file or a project");
			goto out;
		}
		free(dir);
		if ((rc = cli_open_project(&project, ctx, name)) != 0)
			goto out;
		if (enclave_project_redactor(project, &policy, &r) < 0) {
			rc = cli_fail(name, enclave_error_last_code());
			goto out;
		}
		rec.project = project;
		rec.path = path;
		rec.spec = spec ? spec : "tag";
	} else if (enclave_redactor_new(&r, &policy, have_key ? key : NULL) < 0) {
		rc = cli_fail(name, enclave_error_last_code());
		goto out;
	}
	if (cli_read_input(&text, &len, path, MAX_REDACT_BYTES) < 0) {
		cli_error(name, "cannot read '%s': %s", path,
		          errno == EFBIG ? "larger than 256 MiB" : strerror(errno));
		rc = EXIT_FAIL;
		goto out;
	}
	if (repair_utf8(name, path, &text, &len) < 0) {
		rc = cli_fail(name, ENCLAVE_ENOMEM);
		goto out;
	}
	rc = redact_text(name, &pii, r, text, len, cli_value(&a, cmd_redact_opts, "subject"), &rec);
out:
	enclave_project_free(project);
	memset(key, 0, sizeof(key));
	free(text);
	enclave_redactor_free(r);
	cli_pii_close(&pii);
	return rc;
}
