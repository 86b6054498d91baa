/*
 * check_error.c - the finding code table: every code has an id, a slug and an explanation
 * whose first sentence can stand alone in docs/findings.md's table, and names round-trip.
 */
#include "helpers.h"

#include <string.h>

START_TEST(test_error_every_code_is_explained)
{
	int codes = 0;
	for (int c = 0; c < 1000; c++) {
		dlg_diag_code code = (dlg_diag_code)c;
		const char *text = dlg_diag_explain(code);
		bool known = strcmp(dlg_diag_id(code), "?") != 0;
		ck_assert_msg(known == (text != NULL), "code %d: id and explanation disagree", c);
		if (!text)
			continue;
		codes++;
		size_t n = strlen(text);
		ck_assert_msg(n > 40 && text[n - 1] == '.', "%s: not a paragraph",
			      dlg_diag_id(code));
		ck_assert_msg(!strchr(text, '\n') && !strstr(text, "  "), "%s: one line, single "
			      "spaces", dlg_diag_id(code));
		/* the table of docs/findings.md shows the text up to the first ". " */
		const char *end = strstr(text, ". ");
		ck_assert_msg((end ? (size_t)(end - text) : n) < 160, "%s: first sentence too long",
			      dlg_diag_id(code));
		ck_assert_msg(!strchr(text, '|'), "%s: a '|' would break the table",
			      dlg_diag_id(code));
	}
	ck_assert_int_ge(codes, 35);
}
END_TEST

START_TEST(test_error_unknown_code_has_no_explanation)
{
	ck_assert_ptr_null(dlg_diag_explain((dlg_diag_code)0));
	ck_assert_ptr_null(dlg_diag_explain((dlg_diag_code)299));
	ck_assert_ptr_nonnull(dlg_diag_explain(DLG_DIAG_NEAR_DUPLICATE));
}
END_TEST

START_TEST(test_error_id_and_slug_name_the_code)
{
	for (int c = 0; c < 1000; c++) {
		dlg_diag_code code = (dlg_diag_code)c, got;
		if (!dlg_diag_explain(code))
			continue;
		ck_assert(dlg_diag_parse(dlg_diag_id(code), &got) && got == code);
		ck_assert(dlg_diag_parse(dlg_diag_slug(code), &got) && got == code);
		ck_assert_int_eq(dlg_diag_default_severity(code) == DLG_SEV_ERROR,
				 dlg_diag_id(code)[0] == 'E');
	}
}
END_TEST

Suite *error_suite(void)
{
	Suite *s = suite_create("error");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_error_every_code_is_explained);
	tcase_add_test(tc, test_error_unknown_code_has_no_explanation);
	tcase_add_test(tc, test_error_id_and_slug_name_the_code);
	suite_add_tcase(s, tc);
	return s;
}
