/*
 * The pieces of the augment LLM tasks that need no server
 * (src/lib/augment/llmtask_int.h): template rendering and its placeholder
 * check, template files (default written on first use, edited, hashed into
 * the blob store), the QA answerability checks (evidence found exactly or
 * with white space normalised, offsets in code points; answer support) and
 * the paraphrase placeholders (masked, restored with the spans recomputed;
 * missing, doubled and unknown ones refused).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "project_fixture.h"
#include "augment/llmtask_int.h"
#include "store/store_int.h"
#include "util/fs.h"

static const char *const names[] = { "text", "placeholders", NULL };

static void render_system_and_user(void **state)
{
	static const char t[] =
	    "Be brief.\n---\nText: {{text}}\nKeep {{placeholders}} and {{{{x}}.\n";
	const char *values[] = { "hello", "[[E1]]" };
	struct buf sys = BUF_INIT(4096), user = BUF_INIT(4096);

	(void)state;
	assert_int_equal(aug_template_check(t, strlen(t), "t.md", names), 0);
	assert_int_equal(aug_template_render(&sys, &user, t, strlen(t), names, values), 0);
	assert_string_equal(buf_cstr(&sys), "Be brief.");
	assert_string_equal(buf_cstr(&user), "Text: hello\nKeep [[E1]] and {{x}}.\n");
	buf_release(&sys);
	buf_release(&user);

	/* No "---" line: all of it is the user message. */
	static const char u[] = "Only {{text}}";
	assert_int_equal(aug_template_render(&sys, &user, u, strlen(u), names, values), 0);
	assert_int_equal(sys.len, 0);
	assert_string_equal(buf_cstr(&user), "Only hello");
	buf_release(&sys);
	buf_release(&user);
}

static void render_refuses_unknown_placeholders(void **state)
{
	static const char bad[] = "line one\nSee {{txet}} here\n";
	static const char malformed[] = "a {{Text}} b";

	(void)state;
	assert_int_equal(aug_template_check(bad, strlen(bad), "my.md", names), ENCLAVE_EINVALID);
	assert_non_null(strstr(enclave_error_last(), "my.md:2"));
	assert_non_null(strstr(enclave_error_last(), "{{txet}}"));
	assert_int_equal(aug_template_check(malformed, strlen(malformed), "m.md", names),
	                 ENCLAVE_EINVALID);
	assert_non_null(strstr(enclave_error_last(), "malformed placeholder"));
}

static void template_files(void **state)
{
	struct fixture *f = *state;
	struct aug_template t;
	static const char *const qa_names[] = { "text", "document_id", "chunk", "variant", NULL };
	char path[256], sha[65];
	struct buf blob = BUF_INIT(1 << 20);

	/* First use writes the default, and its text is in the blob store. */
	assert_int_equal(aug_template_load(&t, f->p, "qa", NULL, qa_names), 0);
	snprintf(path, sizeof(path), "%s/templates/qa.md", f->dir);
	assert_true(fs_exists(path));
	assert_string_equal(t.text, aug_template_default("qa"));
	assert_int_equal(blob_get(&blob, f->p, t.sha256), 0);
	assert_memory_equal(blob.ptr, t.text, t.len);
	memcpy(sha, t.sha256, sizeof(sha));
	aug_template_release(&t);
	buf_release(&blob);

	/* Edited: another hash; an unknown placeholder: an error naming the file. */
	const char *edited = "Ask about {{text}} please.\n";
	assert_int_equal(fs_write_atomic(path, edited, strlen(edited), 0644), 0);
	assert_int_equal(aug_template_load(&t, f->p, "qa", NULL, qa_names), 0);
	assert_string_not_equal(t.sha256, sha);
	aug_template_release(&t);
	const char *broken = "Ask about {{context}}.\n";
	assert_int_equal(fs_write_atomic(path, broken, strlen(broken), 0644), 0);
	assert_int_equal(aug_template_load(&t, f->p, "qa", NULL, qa_names), ENCLAVE_EINVALID);
	assert_non_null(strstr(enclave_error_last(), "templates/qa.md:1"));

	/* A name that does not exist is not created. */
	assert_int_equal(aug_template_load(&t, f->p, "qa", "mine", qa_names), ENCLAVE_ENOTFOUND);
	assert_int_equal(aug_template_load(&t, f->p, "qa", "../x", qa_names), ENCLAVE_ENOTFOUND);
}

static void evidence_exact_and_normalised(void **state)
{
	static const char ctx[] = "Héllo wörld. The budget was\n approved  in March.\nEnd.";
	size_t s, e;

	(void)state;
	/* Exact: offsets in code points (two 2-byte letters before). */
	assert_int_equal(aug_evidence_find(ctx, "End.", &s, &e), 1);
	assert_int_equal(s, 49);
	assert_int_equal(e, 53);
	assert_int_equal(aug_evidence_find(ctx, "  wörld. ", &s, &e), 1);
	assert_int_equal(s, 6);
	assert_int_equal(e, 12);
	/* White space normalised: maps back onto the context's own spacing. */
	assert_int_equal(aug_evidence_find(ctx, "The budget was approved in March.", &s, &e), 1);
	assert_int_equal(s, 13);
	assert_int_equal(e, 48);
	/* Not there: other words, other case, an empty evidence. */
	assert_int_equal(aug_evidence_find(ctx, "The budget was rejected", &s, &e), 0);
	assert_int_equal(aug_evidence_find(ctx, "the budget was approved", &s, &e), 0);
	assert_int_equal(aug_evidence_find(ctx, "   ", &s, &e), 0);
	assert_int_equal(aug_evidence_find(ctx, "budget was approved in March. Extra", &s, &e), 0);
}

static void answer_support(void **state)
{
	static const char ev[] = "The budget was approved by the finance committee in March.";

	(void)state;
	assert_true(aug_answer_support("in March", ev) == 1.0);
	assert_true(aug_answer_support("The finance committee", ev) == 1.0);
	assert_true(aug_answer_support("approved by the board", ev) == 0.5);
	assert_true(aug_answer_support("a rejection in June", ev) == 0.0);
	assert_true(aug_answer_support("", ev) == 0.0);
	/* Only stop words: counted themselves. */
	assert_true(aug_answer_support("by the", ev) == 1.0);
}

static void placeholders_round_trip(void **state)
{
	static const char text[] = "Ana Lima wrote to bob@example.com on Friday.";
	struct aug_spans spans = { 0 }, out_spans = { 0 };
	struct buf masked = BUF_INIT(4096), out = BUF_INIT(4096);
	const char *why;

	(void)state;
	assert_int_equal(aug_spans_push(&spans, 18, 33, "EMAIL"), 0);
	assert_int_equal(aug_spans_push(&spans, 0, 8, "PERSON"), 0);
	aug_spans_prepare(&spans, text, strlen(text));
	assert_int_equal(aug_placeholders_mask(&masked, text, strlen(text), &spans), 0);
	assert_string_equal(buf_cstr(&masked), "[[E1]] wrote to [[E2]] on Friday.");

	/* The placeholders moved: the spans follow them. */
	assert_int_equal(aug_placeholders_restore(&out, &out_spans,
	                                          "On Friday, [[E2]] got mail from [[E1]].", text,
	                                          &spans, &why),
	                 1);
	assert_string_equal(buf_cstr(&out), "On Friday, bob@example.com got mail from Ana Lima.");
	assert_int_equal(out_spans.n, 2);
	assert_int_equal(out_spans.v[0].start, 11);
	assert_int_equal(out_spans.v[0].end, 26);
	assert_string_equal(out_spans.v[0].label, "EMAIL");
	assert_int_equal(out_spans.v[1].start, 41);
	assert_int_equal(out_spans.v[1].end, 49);
	assert_string_equal(out_spans.v[1].label, "PERSON");
	buf_release(&out);
	aug_spans_release(&out_spans);

	/* Missing, doubled, unknown. */
	assert_int_equal(aug_placeholders_restore(&out, &out_spans, "[[E1]] wrote on Friday.", text,
	                                          &spans, &why),
	                 0);
	assert_non_null(strstr(why, "missing"));
	buf_release(&out);
	aug_spans_release(&out_spans);
	assert_int_equal(aug_placeholders_restore(&out, &out_spans, "[[E1]] [[E2]] and [[E1]]",
	                                          text, &spans, &why),
	                 0);
	assert_non_null(strstr(why, "more than once"));
	buf_release(&out);
	aug_spans_release(&out_spans);
	assert_int_equal(
	    aug_placeholders_restore(&out, &out_spans, "[[E1]] [[E2]] [[E3]]", text, &spans, &why),
	    0);
	assert_non_null(strstr(why, "not given"));
	buf_release(&out);
	aug_spans_release(&out_spans);
	/* A lookalike that is not a placeholder is text. */
	assert_int_equal(
	    aug_placeholders_restore(&out, &out_spans, "[[E1]] [[E2]] [[Ex]]", text, &spans, &why),
	    1);
	assert_string_equal(buf_cstr(&out), "Ana Lima bob@example.com [[Ex]]");
	buf_release(&out);
	aug_spans_release(&out_spans);
	buf_release(&masked);
	aug_spans_release(&spans);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(render_system_and_user),
		cmocka_unit_test(render_refuses_unknown_placeholders),
		cmocka_unit_test_setup_teardown(template_files, setup, teardown),
		cmocka_unit_test(evidence_exact_and_normalised),
		cmocka_unit_test(answer_support),
		cmocka_unit_test(placeholders_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
