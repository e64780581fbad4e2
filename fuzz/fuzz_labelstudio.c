/*
 * Fuzz target: the Label Studio JSON importer (src/lib/label/labelstudio.c),
 * which reads files an admin uploads from elsewhere. The input either fails
 * as a whole with the error contract of fuzz.h, or imports, and then:
 *
 *   - every error names its task ("task N: ...") once, in input order;
 *   - every task has text or an image; spans lie inside the text in code
 *     points; boxes are finite and ordered, on a task with a page size;
 *   - the tasks export (ls_export must accept whatever ls_import made), and
 *     the export imports again without a single error into the same tasks:
 *     the same spans exactly, boxes within rounding.
 */
#include "fuzz.h"

#include "label/labelstudio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Check the promises of one imported task. */
static void ls_fuzz_check_task(const struct ls_task *t)
{
	size_t cps = t->text ? utf8_count(t->text, strlen(t->text)) : 0;

	FUZZ_CHECK(t->text || t->image, "task %zu: neither text nor image", t->index);
	FUZZ_CHECK(!t->text || utf8_valid(t->text, strlen(t->text)), "task %zu: text not UTF-8",
	           t->index);
	for (size_t k = 0; k < t->nannotations; k++) {
		const struct ls_annotation *a = &t->annotations[k];
		for (size_t i = 0; i < a->nspans; i++) {
			const struct ls_span *s = &a->spans[i];
			FUZZ_CHECK(t->text && s->start <= s->end && s->end <= cps,
			           "task %zu: span [%zu, %zu) of %zu code points", t->index,
			           s->start, s->end, cps);
			FUZZ_CHECK(s->label && *s->label, "task %zu: span without a label",
			           t->index);
		}
		for (size_t i = 0; i < a->nboxes; i++) {
			const struct ls_box *b = &a->boxes[i];
			FUZZ_CHECK(isfinite(b->x0) && isfinite(b->y0) && isfinite(b->x1) &&
			               isfinite(b->y1) && isfinite(b->rotation),
			           "task %zu: box not finite", t->index);
			FUZZ_CHECK(b->x0 <= b->x1 && b->y0 <= b->y1, "task %zu: box not ordered",
			           t->index);
			FUZZ_CHECK(t->image && t->page_width > 0 && t->page_height > 0,
			           "task %zu: a box without an image or page size", t->index);
		}
	}
}

/* Is |x - y| within rounding of numbers of magnitude `scale`? */
static int ls_fuzz_close(double x, double y, double scale)
{
	return fabs(x - y) <= 1e-9 * (fabs(scale) + 1.0);
}

/* The second import holds what the first did. */
static void ls_fuzz_same(const struct ls_import *x, const struct ls_import *y)
{
	FUZZ_CHECK(x->ntasks == y->ntasks, "%zu tasks exported, %zu read back", x->ntasks,
	           y->ntasks);
	for (size_t i = 0; i < x->ntasks; i++) {
		const struct ls_task *s = &x->tasks[i], *t = &y->tasks[i];
		FUZZ_CHECK(s->nannotations == t->nannotations, "task %zu: annotations differ", i);
		FUZZ_CHECK(!s->text == !t->text && (!s->text || !strcmp(s->text, t->text)),
		           "task %zu: text differs", i);
		for (size_t k = 0; k < s->nannotations; k++) {
			const struct ls_annotation *a = &s->annotations[k], *b = &t->annotations[k];
			FUZZ_CHECK(a->nspans == b->nspans && a->nboxes == b->nboxes &&
			               a->nchoices == b->nchoices && a->ntexts == b->ntexts,
			           "task %zu, annotation %zu: counts differ", i, k);
			for (size_t q = 0; q < a->nspans; q++)
				FUZZ_CHECK(a->spans[q].start == b->spans[q].start &&
				               a->spans[q].end == b->spans[q].end &&
				               !strcmp(a->spans[q].label, b->spans[q].label),
				           "task %zu: span %zu differs", i, q);
			for (size_t q = 0; q < a->nboxes; q++) {
				const struct ls_box *u = &a->boxes[q], *v = &b->boxes[q];
				double scale = s->page_width + s->page_height;
				FUZZ_CHECK(ls_fuzz_close(u->x0, v->x0, scale) &&
				               ls_fuzz_close(u->y0, v->y0, scale) &&
				               ls_fuzz_close(u->x1, v->x1, scale) &&
				               ls_fuzz_close(u->y1, v->y1, scale) &&
				               u->rotation == v->rotation,
				           "task %zu: box %zu moved", i, q);
			}
			for (size_t q = 0; q < a->ntexts; q++)
				FUZZ_CHECK(!strcmp(a->texts[q], b->texts[q]),
				           "task %zu: answer differs", i);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ls_import imp, back;
	char *out = NULL, prefix[64];
	size_t len = 0;
	int rc;

	enclave_error_clear();
	rc = ls_import(&imp, (const char *)data, size, NULL);
	fuzz_check_error(rc, 0);
	if (rc < 0) {
		FUZZ_CHECK(imp.ntasks == 0 && imp.tasks == NULL, "failed but returned tasks");
		enclave_error_clear();
		return 0;
	}
	for (size_t i = 0; i < imp.nerrors; i++) {
		snprintf(prefix, sizeof(prefix), "task %zu: ", imp.errors[i].task);
		FUZZ_CHECK(!strncmp(imp.errors[i].message, prefix, strlen(prefix)) &&
		               strlen(imp.errors[i].message) > strlen(prefix),
		           "error %zu: '%s'", i, imp.errors[i].message);
		FUZZ_CHECK(!i || imp.errors[i].task > imp.errors[i - 1].task,
		           "errors out of order");
	}
	for (size_t i = 0; i < imp.ntasks; i++)
		ls_fuzz_check_task(&imp.tasks[i]);

	rc = ls_export(&out, &len, imp.tasks, imp.ntasks, NULL);
	fuzz_check_error(rc, 0);
	FUZZ_CHECK(rc == 0, "the import does not export: %s", enclave_error_last());
	rc = ls_import(&back, out, len, NULL);
	FUZZ_CHECK(rc == 0, "the export does not import: %s", enclave_error_last());
	FUZZ_CHECK(back.nerrors == 0, "the export imports with errors: %s", back.errors[0].message);
	ls_fuzz_same(&imp, &back);
	ls_import_release(&back);
	ls_import_release(&imp);
	free(out);
	enclave_error_clear();
	return 0;
}
