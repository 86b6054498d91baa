#include "helpers.h"
#include "lib/buf.h"

#include <stdio.h>
#include <string.h>

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
	harness_run(&h, "### Human: q\n### Assistant:\n### Human: q2\n### Assistant: a\n");
	ck_assert(has_diag_at(&h, DLG_DIAG_EMPTY_TURN, 2, 1));
	/* a turn of only an action is a turn (docs/rules.md "Stage directions") */
	harness_run(&h, "### Human: q\n### Assistant: *nods*\n### Human: q2\n### Assistant: a\n");
	ck_assert_uint_eq(count_diag(&h, DLG_DIAG_EMPTY_TURN), 0);
	ck_assert(!h.unit.rejected);
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
	/* a template slot for the reply: dropped, which leaves a trailing user turn; E206 says
	 * so where the reply goes */
	harness_run(&h, "### Human: q\n### Assistant:\n");
	ck_assert(has_diag_at(&h, DLG_DIAG_TRAILING_USER, 2, 1));
	ck_assert_uint_eq(count_diag(&h, DLG_DIAG_EMPTY_LAST_TURN_DROPPED), 0);
	ck_assert(h.unit.rejected);
	harness_dispose(&h);
}
END_TEST

/* One root cause, one finding: each transcript's findings as "CODE line:col", in order. */
static const struct cascade_case {
	const char *text;
	unsigned min_turns; /* 0: the default */
	bool drop_trailing_user, merge_consecutive;
	const char *findings;
} cascade_cases[] = {
	/* the missing turn is said once: not E207 as well */
	{ "### Human: hi\n", 0, false, false, "E206 1:1" },
	{ "### Assistant: hi\n", 0, false, false, "E202 1:1" },
	{ "### System: s\n### Assistant: hi\n", 0, false, false, "E202 2:1" },
	{ "### Human: hi\n", 4, false, false, "E206 1:1|E207 1:1" }, /* not enough either */
	{ "### Human: hi\n### Human: again\n", 0, false, false, "E203 2:1|E206 2:1" },
	/* an empty reply slot after the user's turn: E206 where the reply goes, no W310 */
	{ "### Human: q\n### Assistant:\n", 0, false, false, "E206 2:1" },
	{ "### Human: q\n### Assistant:\n", 0, true, false, "W309 1:1|E207 1:1" },
	{ "### Human: q\n### Assistant: a\n### Human:\n", 0, false, false, "W310 3:1" },
	/* an unknown speaker: its turns are not turns, their order says nothing */
	{ "### Human: hi\n### Therapist: hello\n", 0, false, false, "E205 2:1" },
	{ "### Human: hi\n### Assistant: yo\n### Therapist: so?\n### Assistant: yo\n", 0, false,
	  false, "E205 3:1" },
	{ "### Human: hi\n### Therapist: so?\n### Assistant:\n", 0, false, false,
	  "E205 2:1|W310 3:1" },
	/* no turns: E201 names the labels, no W308 or E205 for each of their lines */
	{ "Intro.\n### [[USER_NAME]]: hi\n### [[AI_NAME]]: yo\n### [[USER_NAME]]:\n", 0, false,
	  false, "E201 1:1" },
	{ "User: hi\nEvelyn: hello\n", 0, false, false, "E201 1:1" },
	{ "### Therapist: hello\n", 0, false, false, "E201 1:1" },
	/* one written like the turns' markers but unmapped, read as text (companion-app) */
	{ "Human: Hi\nAlex: Hello\nHuman: How are you?\nAlex: Fine\n", 0, false, false,
	  "E205 2:1" },
	{ "Human: Hi\nAlex: Hello\nHuman: How are you?\nAlex: Fine\n", 0, false, true,
	  "E205 2:1" },
	{ "### Human:\nHi\n\n### Lucky:\nHello!\n\n### Human:\nWow\n\n### Lucky:\nYes\n", 0,
	  false, false, "E205 4:1" }, /* and not W308 on its lines */
	{ "### Human: hi\n### Rosie:\nHello!\n### Human:\n", 0, false, false,
	  "E205 2:1|W310 4:1" },
	/* not when the order is fine, nor when a turn without such a line is out of order, nor
	 * for a line written otherwise than the markers, nor a template's heading */
	{ "Human: q\nNote: x\nAssistant: a\n", 0, false, false, "" },
	{ "Human: q\nAnswer: 4\nHuman: thanks\n", 0, false, false,
	  "E203 3:1|E206 3:1" },
	{ "Human: q\nanswer: 4\nHuman: q2\nanswer: 5\n", 0, false, false,
	  "E203 3:1|E206 3:1" }, /* lower case: prose */
	{ "Human: q\nAnswer: 4\nHuman: q2\nResult: 5\n", 0, false, false,
	  "E203 3:1|E206 3:1" }, /* two labels */
	{ "### Human: q\nAnswer: 4\n### Human: q2\nAnswer: 5\n", 0, false, false,
	  "E203 3:1|E206 3:1" }, /* no '#' under '###' markers */
	{ "### Human: q\n### Ingredients:\n- eggs\n### Assistant:\n", 0, false, false,
	  "W308 2:1|E206 4:1" },
};

START_TEST(test_validate_one_finding_per_root_cause)
{
	const struct cascade_case *c = &cascade_cases[_i];
	harness h;
	harness_init(&h);
	if (c->min_turns)
		h.opts.min_turns = c->min_turns;
	h.opts.drop_trailing_user = c->drop_trailing_user;
	h.opts.merge_consecutive = c->merge_consecutive;
	harness_run(&h, c->text);
	char joined[256] = "";
	for (size_t i = 0; i < DLG_BUF_COUNT(&h.unit.diags, dlg_diag); i++) {
		const dlg_diag *d = &DLG_BUF_AT(&h.unit.diags, dlg_diag, i);
		char one[64];
		snprintf(one, sizeof one, "%s%s %llu:%u", i ? "|" : "", dlg_diag_id(d->code),
			 (unsigned long long)d->line, d->col);
		strncat(joined, one, sizeof joined - strlen(joined) - 1);
	}
	ck_assert_str_eq(joined, c->findings);
	harness_dispose(&h);
}
END_TEST

/* What the findings that stand for several say. */
START_TEST(test_validate_root_cause_messages)
{
	harness h;
	harness_init(&h);
	harness_run(&h, "Human: Hi\nAlex: Hello\nHuman: How are you?\nAlex: Fine\n");
	const dlg_diag *d = &DLG_BUF_AT(&h.unit.diags, dlg_diag, 0);
	ck_assert_str_eq(d->msg, "unknown speaker 'Alex' (read as text in 2 user turns); map it "
			 "with --role Alex=assistant");
	ck_assert_uint_eq(d->turn, 1);
	harness_run(&h, "User: hi\n## Step 1: x\nEvelyn: hello\nuser: again\nBot: yes\n");
	d = &DLG_BUF_AT(&h.unit.diags, dlg_diag, 0);
	ck_assert_str_eq(d->msg, "no turns found: no marker names a known speaker ('User:', "
			 "'Step 1:', 'Evelyn:', ...); map the speakers' labels with --role "
			 "LABEL=user and --role LABEL=assistant");
	/* exactly three labels: all named, no "..." */
	harness_run(&h, "User: hi\nEvelyn: hello\nBot: yes\n");
	d = &DLG_BUF_AT(&h.unit.diags, dlg_diag, 0);
	ck_assert_str_eq(d->msg, "no turns found: no marker names a known speaker ('User:', "
			 "'Evelyn:', 'Bot:'); map the speakers' labels with --role "
			 "LABEL=user and --role LABEL=assistant");
	harness_run(&h, "just text: with a colon\n");
	d = &DLG_BUF_AT(&h.unit.diags, dlg_diag, 0);
	ck_assert_str_eq(d->msg, "no turns found; start each turn with a marker such as "
			 "'### Human:' or map the speaker labels with --role");
	harness_run(&h, "### Human: q\n### Assistant:\n");
	d = &DLG_BUF_AT(&h.unit.diags, dlg_diag, 0);
	ck_assert_str_eq(d->msg, "the last assistant turn is empty: write the reply or pass "
			 "--trailing-user drop");
	ck_assert_uint_eq(d->turn, 2);
	harness_dispose(&h);
	/* mapped as it says, the same transcript converts */
	harness_init(&h);
	dlg_role_label alex = { "Alex", DLG_ROLE_ASSISTANT };
	h.opts.roles = &alex;
	h.opts.n_roles = 1;
	harness_run(&h, "Human: Hi\nAlex: Hello\nHuman: How are you?\nAlex: Fine\n");
	ck_assert(!h.unit.rejected);
	ck_assert_uint_eq(n_turns(&h), 4);
	harness_dispose(&h);
}
END_TEST

START_TEST(test_validate_merge_consecutive)
{
	harness h;
	harness_init(&h);
	h.opts.merge_consecutive = 1;
	harness_run(&h, "### Human: a. *sighs*\n### Human: *shrugs* B\n### Human: c\n"
			"### Assistant: d\n");
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
	harness_run(&h, "### Human: q\nAssistant: a\n");
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
	tcase_add_loop_test(tc, test_validate_one_finding_per_root_cause, 0,
			    (int)(sizeof cascade_cases / sizeof cascade_cases[0]));
	tcase_add_test(tc, test_validate_root_cause_messages);
	tcase_add_test(tc, test_validate_merge_consecutive);
	tcase_add_test(tc, test_validate_trailing_user_drop_and_min_turns);
	tcase_add_test(tc, test_validate_max_turn_chars_counts_code_points);
	tcase_add_test(tc, test_validate_strict_promotes_warnings);
	suite_add_tcase(s, tc);
	return s;
}
