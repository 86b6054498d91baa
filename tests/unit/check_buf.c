#include "helpers.h"
#include "lib/buf.h"
#include "lib/error.h"
#include "lib/normalize.h"

#include <errno.h>

#include <string.h>

START_TEST(test_buf_append_grows_and_keeps_bytes)
{
	dlg_buf b;
	dlg_buf__init(&b, NULL, DLG_BUF_UNCAPPED);
	for (int i = 0; i < 1000; i++)
		ck_assert_int_eq(dlg_buf__append(&b, "abc", 3, NULL), DLG_OK);
	ck_assert_uint_eq(b.len, 3000);
	ck_assert_int_eq(memcmp(b.data + 2997, "abc", 3), 0);
	ck_assert_int_eq(dlg_buf__printf(&b, NULL, "%d-%s", 42, "x"), DLG_OK);
	ck_assert_int_eq(memcmp(b.data + 3000, "42-x", 4), 0);
	dlg_buf__dispose(&b);
}
END_TEST

START_TEST(test_buf_cap_gives_limit_not_growth)
{
	dlg_buf b;
	dlg_error err;
	dlg_buf__init(&b, NULL, 10);
	ck_assert_int_eq(dlg_buf__append(&b, "0123456789", 10, &err), DLG_OK);
	ck_assert_int_eq(dlg_buf__putc(&b, 'x', &err), DLG_E_LIMIT);
	ck_assert_int_eq(err.code, DLG_E_LIMIT);
	ck_assert_uint_eq(b.len, 10);
	dlg_buf__dispose(&b);
}
END_TEST

START_TEST(test_buf_out_of_memory_is_reported)
{
	failing_alloc fa;
	failing_alloc_init(&fa, 1);
	dlg_buf b;
	dlg_error err;
	dlg_buf__init(&b, &fa.a, DLG_BUF_UNCAPPED);
	ck_assert_int_eq(dlg_buf__append(&b, "x", 1, &err), DLG_E_NOMEM);
	ck_assert_int_eq(err.code, DLG_E_NOMEM);
	ck_assert_uint_eq(b.len, 0);
	dlg_buf__dispose(&b);
	ck_assert_int_eq(fa.live, 0);
}
END_TEST

START_TEST(test_error_tables_are_stable)
{
	ck_assert_str_eq(dlg_diag_id(DLG_DIAG_REPEATED_ROLE), "E203");
	ck_assert_str_eq(dlg_diag_slug(DLG_DIAG_REPEATED_ROLE), "repeated-role");
	ck_assert_str_eq(dlg_diag_id(DLG_DIAG_DUPLICATE), "W307");
	ck_assert_str_eq(dlg_diag_id((dlg_diag_code)999), "?");
	ck_assert_int_eq(dlg_diag_default_severity(DLG_DIAG_INVALID_UTF8), DLG_SEV_ERROR);
	ck_assert_int_eq(dlg_diag_default_severity(DLG_DIAG_MOJIBAKE), DLG_SEV_WARNING);
	ck_assert_str_eq(dlg_status_id(DLG_E_NOMEM), "E_NOMEM");
	ck_assert_str_eq(dlg_status_id((dlg_status)12345), "E_UNKNOWN");
	for (int f = 0; f < DLG_FIX_COUNT; f++)
		ck_assert_str_ne(dlg_fix_name((dlg_fix)f), "unknown");
}
END_TEST

/* A message cut at the end of its buffer never ends inside a character (JSON outputs would
 * then hold invalid UTF-8). */
START_TEST(test_buf_error_messages_stay_utf8)
{
	char path[400];
	for (size_t i = 0; i + 2 < sizeof path; i += 2)
		memcpy(path + i, "\xc3\xa9", 2); /* é, two bytes each */
	path[sizeof path - 2] = '\0';
	static const char *const what[] = { "open", "opens", "open it" }; /* shift the cut */
	for (size_t k = 0; k < 3; k++) {
		dlg_error err;
		ck_assert_int_eq(dlg_error__io(&err, ENOENT, what[k], path), DLG_E_IO);
		size_t bad;
		ck_assert_int_eq(dlg_normalize__check_bytes(&bad, err.msg, strlen(err.msg)), 0);
		ck_assert_uint_gt(strlen(err.msg), 200);
	}
	char msg[8] = "ab\xe2\x80";
	dlg_error__utf8_cut(msg);
	ck_assert_str_eq(msg, "ab");
	char whole[8] = "ab\xe2\x80\x94";
	dlg_error__utf8_cut(whole);
	ck_assert_str_eq(whole, "ab\xe2\x80\x94");
}
END_TEST

Suite *buf_suite(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_buf_error_messages_stay_utf8);
	tcase_add_test(tc, test_buf_append_grows_and_keeps_bytes);
	tcase_add_test(tc, test_buf_cap_gives_limit_not_growth);
	tcase_add_test(tc, test_buf_out_of_memory_is_reported);
	tcase_add_test(tc, test_error_tables_are_stable);
	suite_add_tcase(s, tc);
	return s;
}
