#include "helpers.h"

START_TEST(test_validate_good_conversation_has_no_findings)
{
	harness h;
	harness_init(&h);
	harness_run(&h, "### System: be kind\n### Human: hi\n### Assistant: hello\n");
	ck_assert(!h.unit.rejected);
	ck_assert_uint_eq(h.unit.diags.len, 0);
	harness_dispose(&h);
}
END_TEST

START_TEST(test_validate_structure_errors)
{
	harness h;
	harness_init(&h);
	harness_run(&h, "### Assistant: first\n### Human: q\n### Assistant: a\n");
	ck_assert(has_diag_at(&h, DLG_DIAG_FIRST_NOT_USER, 1, 1));
	harness_run(&h, "### System: s\n### System: t\n### Human: q\n### Assistant: a\n");
	ck_assert(has_diag_at(&h, DLG_DIAG_REPEATED_ROLE, 2, 1));
	harness_run(&h, "### Human: q\n### Assistant: *nods*\n### Human: q2\n### Assistant: a\n");
	ck_assert(has_diag_at(&h, DLG_DIAG_EMPTY_TURN, 2, 1));
	harness_run(&h, "### Human: q\n### Assistant: a\n### Human: more?\n");
	ck_assert(has_diag_at(&h, DLG_DIAG_TRAILING_USER, 3, 1));
	harness_run(&h, "just text\n");
	ck_assert(has_diag_at(&h, DLG_DIAG_NO_TURNS, 1, 1));
	ck_assert_uint_eq(count_diag(&h, DLG_DIAG_PREAMBLE_DROPPED), 0);
	ck_assert(h.unit.rejected);
	harness_dispose(&h);
}
END_TEST

START_TEST(test_validate_empty_last_turn_is_dropped_not_an_error)
{
	harness h;
	harness_init(&h);
	harness_run(&h, "### Human: q\n### Assistant: a\n### Human:\n");
	ck_assert(has_diag_at(&h, DLG_DIAG_EMPTY_LAST_TURN_DROPPED, 3, 1));
	ck_assert(!h.unit.rejected);
	ck_assert_uint_eq(n_turns(&h), 2);
	/* a template slot for the reply: dropped, which leaves a trailing user turn */
	harness_run(&h, "### Human: q\n### Assistant:\n");
	ck_assert(has_diag_at(&h, DLG_DIAG_TRAILING_USER, 1, 1));
	ck_assert(h.unit.rejected);
	harness_dispose(&h);
}
END_TEST

START_TEST(test_validate_merge_consecutive)
{
	harness h;
	harness_init(&h);
	h.opts.merge_consecutive = 1;
	harness_run(&h, "### Human: a. *sighs*\n### Human: *shrugs* B\n### Human: c\n### Assistant: d\n");
	ck_assert(!h.unit.rejected);
	ck_assert_uint_eq(n_turns(&h), 2);
	ck_assert_str_eq(turn_text(&h, 0), "a.\n\nB\n\nc");
	ck_assert_uint_eq(turn_n_stage(&h, 0), 2);
	ck_assert_str_eq(turn_stage(&h, 0, 1), "shrugs");
	/* the places move with the merged text: after "a.", and before "B" */
	ck_assert_uint_eq(turn_stage_at(&h, 0, 0), 2);
	ck_assert_uint_eq(turn_stage_at(&h, 0, 1), 4);
	ck_assert_uint_eq(h.unit.fixes[DLG_FIX_MERGED], 2);
	harness_dispose(&h);
}
END_TEST

START_TEST(test_validate_trailing_user_drop_and_min_turns)
{
	harness h;
	harness_init(&h);
	h.opts.drop_trailing_user = 1;
	harness_run(&h, "### Human: q\n### Assistant: a\n### Human: bye\n");
	ck_assert(has_diag_at(&h, DLG_DIAG_TRAILING_USER_DROPPED, 3, 1));
	ck_assert(!h.unit.rejected);
	ck_assert_uint_eq(n_turns(&h), 2);
	harness_run(&h, "### Human: only\n");
	ck_assert(has_diag_at(&h, DLG_DIAG_TOO_FEW_TURNS, 1, 1));
	ck_assert(h.unit.rejected);
	harness_dispose(&h);
}
END_TEST

START_TEST(test_validate_max_turn_chars_counts_code_points)
{
	harness h;
	harness_init(&h);
	h.opts.max_turn_chars = 4;
	harness_run(&h, "### Human: \xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\n### Assistant: abcde\n");
	ck_assert_uint_eq(count_diag(&h, DLG_DIAG_TURN_TOO_LONG), 1);
	ck_assert(has_diag_at(&h, DLG_DIAG_TURN_TOO_LONG, 2, 1));
	harness_dispose(&h);
}
END_TEST

START_TEST(test_validate_strict_promotes_warnings)
{
	harness h;
	harness_init(&h);
	h.opts.strict = 1;
	harness_run(&h, "Human: q\nAssistant: a\n");
	ck_assert_uint_eq(count_diag(&h, DLG_DIAG_NONCANONICAL_MARKER), 1);
	ck_assert_int_eq(DLG_BUF_AT(&h.unit.diags, dlg_diag, 0).severity, DLG_SEV_ERROR);
	ck_assert(h.unit.rejected);
	harness_dispose(&h);
}
END_TEST

START_TEST(test_validate_leading_assistant)
{
	static const char text[] = "### System: s\n### Assistant: hello\n### Human: q\n"
				   "### Assistant: a\n";
	harness h;
	harness_init(&h);
	h.opts.leading_assistant = DLG_LEADING_ASSISTANT_DROP;
	harness_run(&h, text);
	ck_assert(!h.unit.rejected);
	ck_assert_uint_eq(h.unit.diags.len, sizeof(dlg_diag));
	ck_assert(has_diag_at(&h, DLG_DIAG_LEADING_ASSISTANT_DROPPED, 2, 1));
	ck_assert_str_eq(diag_message(&h, DLG_DIAG_LEADING_ASSISTANT_DROPPED),
			 "1 assistant turn before the user's first dropped");
	ck_assert_uint_eq(n_turns(&h), 3);
	ck_assert_int_eq(turn_role(&h, 1), DLG_ROLE_USER);
	/* dropped, what is left is judged: here too little */
	harness_run(&h, "### Assistant: a\n### Assistant: b\n### Human: q\n");
	ck_assert_str_eq(diag_message(&h, DLG_DIAG_LEADING_ASSISTANT_DROPPED),
			 "2 assistant turns before the user's first dropped");
	ck_assert_uint_eq(count_diag(&h, DLG_DIAG_TRAILING_USER), 1);
	ck_assert_uint_eq(count_diag(&h, DLG_DIAG_FIRST_NOT_USER), 0);
	harness_dispose(&h);

	harness_init(&h);
	h.opts.leading_assistant = DLG_LEADING_ASSISTANT_KEEP;
	harness_run(&h, text);
	ck_assert(!h.unit.rejected);
	ck_assert_uint_eq(h.unit.diags.len, 0);
	ck_assert_uint_eq(n_turns(&h), 4);
	harness_dispose(&h);

	harness_init(&h);
	harness_run(&h, text);
	ck_assert(has_diag_at(&h, DLG_DIAG_FIRST_NOT_USER, 2, 1));
	ck_assert_uint_eq(n_turns(&h), 4);
	harness_dispose(&h);
}
END_TEST

Suite *validate_suite(void)
{
	Suite *s = suite_create("validate");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_validate_good_conversation_has_no_findings);
	tcase_add_test(tc, test_validate_structure_errors);
	tcase_add_test(tc, test_validate_leading_assistant);
	tcase_add_test(tc, test_validate_empty_last_turn_is_dropped_not_an_error);
	tcase_add_test(tc, test_validate_merge_consecutive);
	tcase_add_test(tc, test_validate_trailing_user_drop_and_min_turns);
	tcase_add_test(tc, test_validate_max_turn_chars_counts_code_points);
	tcase_add_test(tc, test_validate_strict_promotes_warnings);
	suite_add_tcase(s, tc);
	return s;
}
