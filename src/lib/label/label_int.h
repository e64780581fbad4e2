/*
 * The label stage's internals: what users.c, tasks.c and pages.c share.
 */
#ifndef ENCLAVE_LABEL_INT_H
#define ENCLAVE_LABEL_INT_H

#include "../store/store_int.h"

/* Audit events of this module record "user:NAME" as actor: set it on `p` for one change. */
struct label_actor {
	char name[ENCLAVE_LABEL_NAME_MAX + 8];
};

/* Begin a transaction acting as `who` (NULL: the handle's own actor). */
int label_begin(enclave_project *p, struct label_actor *a, const struct enclave_label_user *who);

/* Commit (then rewrite the signed head file), or roll back when `error` < 0; returns error. */
int label_end(enclave_project *p, int error);

/* The result's SHA-256 over its canonical JSON, for audit events. */
int label_result_hash(char out[65], const char *canonical);

/*
 * 0 when `result` fits a task of `type` ("ner", "class", "box", "qa") on a
 * text of `len` code points and the label `schema` (docs/api.md); else
 * ENCLAVE_EINVALID saying what does not fit.
 */
int label_check_result(const json_t *result, const char *type, int64_t len, const json_t *schema);

/*
 * Inside a transaction: the id of user `name`, made when missing as a
 * disabled annotator with the hash of a random password (an account that
 * holds imported work and cannot log in), audited as label.user.add.
 */
int label_user_ensure_disabled(enclave_project *p, const char *name, int64_t *id);

/*
 * Inside the review's transaction (records.c): decide the suggest-labels
 * records of `document` from the reviewed `result_text` of annotation
 * `annotation`, a whole-document task of `type` ("ner": their entities,
 * "class": their classes; other types: nothing). Counts into `params`.
 */
int label_suggestions_decide(enclave_project *p, int64_t document, const char *type,
                             int64_t annotation, const char *result_text, json_t *params);

#endif
