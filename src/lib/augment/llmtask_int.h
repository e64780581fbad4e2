/*
 * The LLM tasks of the augment stage (qa, instruct, paraphrase, summary,
 * suggest-labels, judge): their prompt templates (template.c), the checks
 * their replies must pass (checks.c) and the run (llmtask.c). Private to
 * src/lib/augment; the unit tests include it.
 */
#ifndef ENCLAVE_LLMTASK_INT_H
#define ENCLAVE_LLMTASK_INT_H

#include "augment_int.h"

/* ------------------------------------------------------------ template.c */

/*
 * A prompt template: a project file templates/<name>.md. Text above the
 * first line that is exactly "---" is the system message, the rest the
 * user message (no such line: all of it is the user message).
 * Placeholders are {{name}} (lower-case letters and '_'); the names a task
 * offers are listed in docs/cli/augment.md; any other {{name}} is an error
 * naming the file and line. "{{{{" writes "{{" (an escape).
 */
struct aug_template {
	char name[64]; /* "qa", or the file's stem */
	char *path;    /* the file it was read from */
	char *text;    /* its bytes */
	size_t len;
	char sha256[65]; /* of text */
};

/* The built-in default of task `task` ("qa", ...), or NULL for none. */
const char *aug_template_default(const char *task);

/*
 * Load the template for `task`: `spec` NULL means templates/<task>.md of
 * the project (written from the built-in default when missing); a spec with
 * a '/' or ending ".md" is a file path; another spec is a name
 * (templates/<spec>.md, which must exist). Checks every placeholder against
 * `names` (NULL-terminated). The text is stored in the project's blob store
 * (so its hash can always be resolved).
 */
int aug_template_load(struct aug_template *out, enclave_project *p, const char *task,
                      const char *spec, const char *const *names);

/* Check the placeholders of text[0..len) against `names`; `where` names the file in errors. */
int aug_template_check(const char *text, size_t len, const char *where, const char *const *names);

void aug_template_release(struct aug_template *t);

/*
 * Render text[0..len) into `system` and `user` (either may end up empty):
 * each {{name}} replaced by values[i] where names[i] is name (a name with
 * no value: ""). The buffers are appended to.
 */
int aug_template_render(struct buf *system, struct buf *user, const char *text, size_t len,
                        const char *const *names, const char *const *values);

/* ------------------------------------------------------------ checks.c */

/*
 * Where is `evidence` in `context`? Exact first; else matched with runs of
 * white space equal to any run, and case and the ends' punctuation kept.
 * Returns 1 with [*start, *end) in code points of context (context[start:end]
 * is the occurrence, which may differ from evidence in white space), 0 when
 * it does not occur, or an error.
 */
int aug_evidence_find(const char *context, const char *evidence, size_t *start, size_t *end);

/*
 * Support of `answer` by `evidence`: the share of the answer's word tokens
 * (letters and digits, lower-cased; stop words ignored unless the answer is
 * only those) found among the evidence's. 0 for an empty answer.
 */
double aug_answer_support(const char *answer, const char *evidence);

/*
 * Replace each span of text[0..len) (prepared: sorted, no overlaps, bytes
 * filled) by a placeholder [[E1]], [[E2]], ... in order, into `out`.
 */
int aug_placeholders_mask(struct buf *out, const char *text, size_t len,
                          const struct aug_spans *spans);

/*
 * Put the spans' texts back into `variant`: each [[Ek]] of k = 1..spans->n
 * must occur exactly once and no other [[E...]] may; into `out` the text
 * with the originals restored and `out_spans` the spans in it (code points,
 * the labels of `spans`). Returns 1, or 0 with *why saying what was wrong
 * (a missing, doubled or unknown placeholder), or an error.
 */
int aug_placeholders_restore(struct buf *out, struct aug_spans *out_spans, const char *variant,
                             const char *text, const struct aug_spans *spans, const char **why);

#endif
