/*
 * Enclave: the label stage. Web users and their roles, tasks given to k
 * distinct annotators, annotations (drafts, submissions, versions), reviews,
 * the label schema and settings, and what the label server shows of the
 * documents. The model only: HTTP lives in src/server/, which calls these.
 *
 * JSON values cross this API as jansson's json_t (declared here as an
 * incomplete struct, so this header does not need jansson's): a function
 * that returns one gives the caller a new reference (json_decref it); one
 * that takes one borrows it. The shapes are those of docs/api.md.
 *
 * Every change is an audit event in the same transaction, with the acting
 * web user as actor ("user:NAME"): label.user.add/passwd/disable (actor:
 * the project handle's, e.g. the OS user), label.tasks.create,
 * label.task.assign, label.annotation.save, label.annotation.submit,
 * label.review, label.schema.set, label.settings.set, and for generated
 * records augment.record.status and augment.record.edit.
 *
 * Concurrency: one enclave_project handle per thread (each has its own
 * SQLite connection); writers wait for each other on SQLite's lock.
 */
#ifndef ENCLAVE_LABEL_H
#define ENCLAVE_LABEL_H

#include "common.h"
#include "project.h"

#ifdef __cplusplus
extern "C" {
#endif

struct json_t;

/* Roles, in order: a higher role may do everything a lower one may. */
enum enclave_label_role {
	ENCLAVE_ROLE_NONE = 0,
	ENCLAVE_ROLE_ANNOTATOR = 1,
	ENCLAVE_ROLE_REVIEWER = 2,
	ENCLAVE_ROLE_ADMIN = 3
};

#define ENCLAVE_LABEL_NAME_MAX 64 /* bytes of a user name */

/* A web user as stored (never the password hash). */
struct enclave_label_user {
	int64_t id;
	char name[ENCLAVE_LABEL_NAME_MAX + 1];
	enum enclave_label_role role;
	int disabled;
	char created[32]; /* UTC, ISO 8601 */
};

/* "annotator" -> ENCLAVE_ROLE_ANNOTATOR ...; ENCLAVE_ROLE_NONE when unknown. */
enum enclave_label_role enclave_label_role_parse(const char *name);

/* The role's name ("annotator"); "none" for ENCLAVE_ROLE_NONE. */
const char *enclave_label_role_name(enum enclave_label_role role);

/* ---- users (the CLI's `enclave user`) ---- */

/*
 * Add user `name` (1-64 bytes of letters, digits, '.', '_', '-') with `role`
 * and `password` (8-1024 bytes), hashed with Argon2id. *id (may be NULL)
 * receives the new id. Returns 0, ENCLAVE_EEXISTS, ENCLAVE_EINVALID, ...
 */
int enclave_label_user_add(enclave_project *project, const char *name, enum enclave_label_role role,
                           const char *password, int64_t *id);

/* Set user `name`'s password. ENCLAVE_ENOTFOUND when there is no such user. */
int enclave_label_user_passwd(enclave_project *project, const char *name, const char *password);

/* Disable user `name` (logins refused, sessions end at their next request). */
int enclave_label_user_disable(enclave_project *project, const char *name);

typedef int (*enclave_label_user_cb)(const struct enclave_label_user *user, void *payload);

/* Call `cb` for each user in id order; a non-zero return stops and is returned. */
int enclave_label_user_list(enclave_project *project, enclave_label_user_cb cb, void *payload);

/* Read user `id`. ENCLAVE_ENOTFOUND when there is none. */
int enclave_label_user_get(struct enclave_label_user *out, enclave_project *project, int64_t id);

/*
 * Check `name` and `password`. Returns 0 with *out filled, or ENCLAVE_EDENIED
 * with the message "invalid username or password" for a wrong password, an
 * unknown user and a disabled one alike (and spends the same time on each).
 */
int enclave_label_login(struct enclave_label_user *out, enclave_project *project, const char *name,
                        const char *password);

/* ---- tasks ---- */

/* "ner", "class", "box", "qa": 1 when `type` is one of them. */
int enclave_label_type_valid(const char *type);

/*
 * Create a task of `type` for every ok document that has none, each for `k`
 * annotators (k <= 0: the project setting "k"). *created counts them.
 */
int enclave_label_tasks_create(enclave_project *project, const char *type, int k, size_t *created);

/*
 * The next task for `who`: the oldest one assigned to them and not yet
 * submitted, else a new assignment of an open task they never had (tasks
 * others started first), of `type` (NULL: any). *out is NULL when there is
 * none. The task's JSON carries the caller's draft when there is one.
 */
int enclave_label_task_next(struct json_t **out, enclave_project *project,
                            const struct enclave_label_user *who, const char *type);

/*
 * The task `who` holds and has not submitted (the read-only half of
 * task_next: no change, no audit event); *out NULL when none.
 */
int enclave_label_task_current(struct json_t **out, enclave_project *project,
                               const struct enclave_label_user *who, const char *type);

/* Tasks with their assignments: `status` and `user` (0: any) filter; paged. */
int enclave_label_tasks_list(struct json_t **out, enclave_project *project, const char *status,
                             int64_t user, int64_t offset, int64_t limit);

/* ---- annotations and reviews ---- */

/*
 * Save `who`'s annotation of `task`: a draft, or a submission when `submit`.
 * `version` is the version the client last saw (-1: none, a new one); a
 * stale one, or a write after submission, is ENCLAVE_ECONFLICT. A task not
 * assigned to `who` is ENCLAVE_EDENIED; a result that does not fit the task
 * type and label schema is ENCLAVE_EINVALID. *out: the annotation.
 */
int enclave_label_annotation_save(struct json_t **out, enclave_project *project,
                                  const struct enclave_label_user *who, int64_t task,
                                  const struct json_t *result, int submit, int64_t version);

/* Annotation `id`: its owner or a reviewer may read it (else ENCLAVE_EDENIED). */
int enclave_label_annotation_get(struct json_t **out, enclave_project *project,
                                 const struct enclave_label_user *who, int64_t id);

/* The oldest submitted annotation by someone else than `who`; *out NULL when none. */
int enclave_label_review_next(struct json_t **out, enclave_project *project,
                              const struct enclave_label_user *who);

/*
 * Review annotation `id` (submitted): "accept", "reject", or "correct" with
 * a corrected `result` (accepted with it). ENCLAVE_ECONFLICT when it is not
 * submitted. *out: the annotation after the review.
 */
int enclave_label_review(struct json_t **out, enclave_project *project,
                         const struct enclave_label_user *who, int64_t id, const char *decision,
                         const struct json_t *result, const char *comment);

/*
 * Inter-annotator agreement over the annotations past draft of tasks of
 * `type` (docs/api.md): "class" gives Cohen's kappa per pair of annotators
 * and Fleiss' kappa (single-label answers; others are counted in
 * "skipped"), "ner" pairwise span F1 (exact start, end and label), "box"
 * pairwise F1 with boxes matched one to one at IoU >= 0.5 on the same page
 * and label. Other types are ENCLAVE_EINVALID.
 */
int enclave_label_agreement(struct json_t **out, enclave_project *project, const char *type);

/*
 * Label Studio JSON (an array of tasks with their annotations) of every
 * task and its annotations past draft: one Label Studio task per Enclave
 * task (its id), "data.text" the document text, one annotation per
 * Enclave annotation ("completed_by": the user id). Spans and choices
 * convert as they are; boxes only on page 1 (Label Studio has one image
 * per task); Q&A pairs as their answers (textarea). *out malloc'd. The
 * text is the original (this is the label app's interchange, not a
 * dataset export: `enclave export --format labelstudio` ships the redacted
 * layer), so each export is audited as `who` (label.export.labelstudio:
 * tasks, sha256 and size of the file) before it is returned.
 */
int enclave_label_labelstudio_export(char **out, size_t *len, enclave_project *project,
                                     const struct enclave_label_user *who);

/*
 * Import Label Studio tasks (JSON text of `len` bytes) as `who`: each task
 * with a text becomes a document (one block holding the text; a text the
 * project has is not added twice), with a task per kind of result found
 * (labels -> ner, choices -> class, rectanglelabels -> box on page 1,
 * textarea -> qa with empty questions), and each annotation a submitted
 * annotation of a user "ls-<completed_by>" (made disabled: it cannot log
 * in). One transaction, audited. *out: {"documents", "annotations",
 * "tasks", "errors": [messages], "skipped_results"}.
 */
int enclave_label_labelstudio_import(struct json_t **out, enclave_project *project,
                                     const struct enclave_label_user *who, const char *json,
                                     size_t len);

/* Per user: assigned, drafts, submitted, accepted, rejected. */
int enclave_label_progress(struct json_t **out, enclave_project *project);

/* ---- schema, settings, users as JSON ---- */

int enclave_label_schema_get(struct json_t **out, enclave_project *project);
int enclave_label_schema_set(enclave_project *project, const struct enclave_label_user *who,
                             const struct json_t *schema);
/* Settings: {"k": N, "idle_timeout": SECONDS}; set merges the keys given. */
int enclave_label_settings_get(struct json_t **out, enclave_project *project);
int enclave_label_settings_set(enclave_project *project, const struct enclave_label_user *who,
                               const struct json_t *settings);
int enclave_label_users_json(struct json_t **out, enclave_project *project);

/* ---- generated records (include/enclave/augment.h) reviewed in the app ---- */

/*
 * A page of generated records, `kind`, `status` (NULL: any) and `document`
 * (0: any) filtering, in id order: {"total", "offset", "limit", "counts":
 * {KIND: {"proposed", "accepted", "rejected"}} (of `document`, every kind
 * and status), "records": [RECORD]} (docs/api.md). limit 0: no limit.
 */
int enclave_label_records(struct json_t **out, enclave_project *project, const char *kind,
                          const char *status, int64_t document, int64_t offset, int64_t limit);

/* Record `id` as RECORD (text, payload, lineage, status, version). ENCLAVE_ENOTFOUND. */
int enclave_label_record(struct json_t **out, enclave_project *project, int64_t id);

/*
 * Decide record `id` as `who`: "accept", "reject" or "reset" (back to
 * proposed), audited as augment.record.status. `version` (NULL: not
 * checked) is the version the client saw: ENCLAVE_ECONFLICT when the record
 * changed since. *out: the record after the change.
 */
int enclave_label_record_review(struct json_t **out, enclave_project *project,
                                const struct enclave_label_user *who, int64_t id,
                                const char *decision, const char *version);

/*
 * The same decision for `items` ([{"id", "version"?}], 1 to 1000), in one
 * transaction: one stale version or missing record and nothing changes.
 * *out: {"changed", "records": [{"id", "status", "version"}]}.
 */
int enclave_label_records_review(struct json_t **out, enclave_project *project,
                                 const struct enclave_label_user *who, const struct json_t *items,
                                 const char *decision);

/*
 * Edit record `id` (kinds qa, instruct, paraphrase, summary) as `who`:
 * `changes` is {"text"?, "payload"?: {FIELD: VALUE}} with the fields of
 * docs/api.md; `version` is required (ENCLAVE_ECONFLICT when stale). The
 * lineage is kept, with the edit appended to its "edits" (and the first
 * edit keeps the generated output in "original"); audited as
 * augment.record.edit. *out: the record after the edit.
 */
int enclave_label_record_edit(struct json_t **out, enclave_project *project,
                              const struct enclave_label_user *who, int64_t id, const char *version,
                              const struct json_t *changes);

/*
 * The suggest-labels records of `document` that are not rejected and whose
 * offsets are into the original text (the label app's):
 * {"document", "suggestions": [{"record", "status", "model", "classes",
 * "entities", "review"?}]}. They are decided by the review of the
 * document's ner and class annotations (docs/api.md).
 */
int enclave_label_suggestions(struct json_t **out, enclave_project *project, int64_t document);

/* ---- documents as the label server shows them ---- */

/* {"total", "documents": [...]}: ok and failed documents, `q` a substring of title or path. */
int enclave_label_documents(struct json_t **out, enclave_project *project, int64_t offset,
                            int64_t limit, const char *q);

/* Document `id` with its text, first blocks, pages and spans (docs/api.md). */
int enclave_label_document(struct json_t **out, enclave_project *project, int64_t id);

/* {"total", "blocks": [...]}: a page of document `id`'s blocks. */
int enclave_label_blocks(struct json_t **out, enclave_project *project, int64_t id, int64_t offset,
                         int64_t limit);

/*
 * Page `n` (1-based) of document `id` as PNG: rendered at `dpi` with MuPDF
 * when the source is a PDF, or the stored page image. ENCLAVE_ENOTFOUND when
 * there is neither. *out is malloc'd; the caller frees it.
 */
int enclave_label_page_image(unsigned char **out, size_t *len, enclave_project *project, int64_t id,
                             int n, int dpi);

#ifdef __cplusplus
}
#endif
#endif
