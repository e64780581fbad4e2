/*
 * Redaction and reveal of text outside the store (`enclave redact` and
 * `enclave reveal` run inside a project): they use the project's PII secret,
 * so that hashes and pseudonyms match those `clean --pii` writes, and each
 * use is recorded in the audit trail: the operator policy, the recogniser
 * counts and the hashes of the text in and out for a redaction; the hash of
 * the text and the number of tokens opened for a reveal, and also a reveal
 * that failed (a wrong or changed token is an event worth a record).
 * The secret never leaves this file except into the redactor.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "../common_int.h"
#include "../crypto/crypto_int.h"
#include "../store/store_int.h"
#include "enclave/clean.h"
#include "enclave/redact.h"

/* Append one event in its own transaction. Returns 0 or the error. */
static int record(enclave_project *p, const char *action, json_t *params, json_t *inputs,
                  json_t *outputs)
{
	int error;

	if (!params || !inputs || !outputs) {
		error = error_oom();
		goto done;
	}
	if ((error = store_begin(p)) < 0)
		goto done;
	if ((error = audit_append(p, action, "text", params, inputs, outputs, NULL)) < 0 ||
	    (error = store_commit(p)) < 0)
		store_rollback(p);
done:
	json_decref(params);
	json_decref(inputs);
	json_decref(outputs);
	return error;
}

int enclave_project_redactor(enclave_project *p, const struct enclave_redact_policy *policy,
                             enclave_redactor **out)
{
	unsigned char key[32];
	int error;

	*out = NULL;
	if ((error = enclave_project_pii_secret(p, key)) < 0)
		return error;
	error = enclave_redactor_new(out, policy, key);
	sodium_memzero(key, sizeof(key));
	return error;
}

int enclave_project_record_redact(enclave_project *p, const char *name, const char *policy,
                                  const char *recognizers, const char *ner_sha256, const char *in,
                                  size_t in_len, const char *out, size_t out_len,
                                  const size_t per_label[ENCLAVE_PII_LABEL_COUNT])
{
	char hin[65], hout[65];
	json_t *counts = json_object();
	int error;

	if ((error = sha256_hex(hin, in, in_len)) < 0 ||
	    (error = sha256_hex(hout, out, out_len)) < 0)
		return error;
	for (int l = 0; counts && l < ENCLAVE_PII_LABEL_COUNT; l++)
		if (per_label[l] && json_object_set_new(counts, enclave_pii_label_name(l),
		                                        json_integer((json_int_t)per_label[l])) < 0)
			break;
	return record(p, "pii.redact",
	              json_pack("{s:s,s:s,s:s,s:s?}", "name", name ? name : "-", "operators",
	                        policy, "recognizers", recognizers, "ner_model_sha256", ner_sha256),
	              json_pack("{s:s}", "text_sha256", hin),
	              json_pack("{s:s,s:o}", "text_sha256", hout, "per_label", counts));
}

int enclave_project_reveal(enclave_project *p, char **out, size_t *out_len, size_t *ntokens,
                           const char *text, size_t len, const char *name)
{
	unsigned char key[32];
	char hin[65];
	int error, rc;

	*out = NULL;
	*ntokens = 0;
	if ((error = sha256_hex(hin, text, len)) < 0)
		return error;
	if ((error = enclave_project_pii_secret(p, key)) < 0)
		return error;
	rc = enclave_reveal(out, out_len, ntokens, text, len, key);
	sodium_memzero(key, sizeof(key));
	if (rc < 0) {
		/* Keep the reason: recording the failure must not replace it. */
		char why[256];
		snprintf(why, sizeof(why), "%s", enclave_error_last());
		error = record(
		    p, "pii.reveal.failed", json_pack("{s:s}", "name", name ? name : "-"),
		    json_pack("{s:s}", "text_sha256", hin), json_pack("{s:s}", "error", why));
		error_set(rc, "%s", why);
		return error < 0 ? error : rc;
	}
	error = record(p, "pii.reveal", json_pack("{s:s}", "name", name ? name : "-"),
	               json_pack("{s:s}", "text_sha256", hin),
	               json_pack("{s:I}", "tokens", (json_int_t)*ntokens));
	if (error < 0) {
		/* Nothing is revealed unless the reveal is on record. */
		sodium_memzero(*out, *out_len);
		free(*out);
		*out = NULL;
		return error;
	}
	return 0;
}
