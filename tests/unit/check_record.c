#define _GNU_SOURCE
#include "helpers.h"
#include "lib/buf.h"
#include "lib/record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *escaped(const char *s, size_t n)
{
	dlg_buf b;
	dlg_buf__init(&b, NULL, DLG_BUF_UNCAPPED);
	ck_assert_int_eq(dlg_record__json_string(&b, s, n, NULL), DLG_OK);
	ck_assert_int_eq(dlg_buf__putc(&b, '\0', NULL), DLG_OK);
	return b.data;
}

START_TEST(test_record_json_string_escapes)
{
	char *e = escaped("a\"b\\c\nd\te\x01" "f\x1f\xc3\xa9/", 15);
	ck_assert_str_eq(e, "\"a\\\"b\\\\c\\nd\\te\\u0001f\\u001f\xc3\xa9/\"");
	free(e);
	e = escaped("", 0);
	ck_assert_str_eq(e, "\"\"");
	free(e);
}
END_TEST

START_TEST(test_record_line_shape)
{
	harness h;
	harness_init(&h);
	harness_run(&h, "### Human: *sighs* \"hi\"\n### Assistant: hello\n");
	dlg_buf *j = &h.unit.json;
	ck_assert_uint_gt(j->len, 0);
	ck_assert_int_eq(j->data[j->len - 1], '\n');
	char *line = strndup(j->data, j->len);
	char expect[512];
	snprintf(expect, sizeof expect, "{\"id\":\"%s\",\"source\":\"t.txt\",\"record\":0,"
		 "\"messages\":[{\"role\":\"user\",\"content\":\"\\\"hi\\\"\","
		 "\"stage_directions\":[{\"text\":\"sighs\",\"offset\":0}]},"
		 "{\"role\":\"assistant\",\"content\":\"hello\",\"stage_directions\":[]}]}\n",
		 h.unit.id_hex);
	ck_assert_str_eq(line, expect);
	free(line);
	harness_dispose(&h);
}
END_TEST

START_TEST(test_record_id_ignores_source_and_preamble)
{
	harness a, b;
	harness_init(&a);
	harness_init(&b);
	harness_run(&a, "### Human: q\n### Assistant: a\n");
	harness_run(&b, "Preamble text.\n\n### Human: q\r\n\r\n### Assistant:   a  \n");
	ck_assert_str_eq(a.unit.id_hex, b.unit.id_hex);
	harness_run(&b, "### Human: q\n### Assistant: b\n");
	ck_assert_str_ne(a.unit.id_hex, b.unit.id_hex);
	harness_dispose(&a);
	harness_dispose(&b);
}
END_TEST

START_TEST(test_record_reject_line)
{
	harness h;
	harness_init(&h);
	harness_run(&h, "### Assistant: a\n### Assistant: b\n");
	dlg_buf out;
	dlg_buf__init(&out, NULL, DLG_BUF_UNCAPPED);
	ck_assert_int_eq(dlg_record__reject(&out, &h.unit, 0, NULL, 0, NULL), DLG_OK);
	char *line = strndup(out.data, out.len);
	ck_assert_str_eq(line, "{\"source\":\"t.txt\",\"codes\":[\"E203\",\"E202\"],"
			       "\"line\":2,\"col\":1,\"message\":\"two consecutive assistant "
			       "turns; join them or pass --merge-consecutive\"}\n");
	free(line);
	dlg_buf__dispose(&out);
	harness_dispose(&h);
}
END_TEST

START_TEST(test_record_diag_format)
{
	dlg_diag d = { DLG_DIAG_REPEATED_ROLE, DLG_SEV_ERROR, "a/b \"c\".txt", 3, 1, 0, 2, "msg" };
	char *s;
	ck_assert_int_eq(dlg_diag_format(&s, &d, DLG_DIAG_STYLE_GCC, NULL), DLG_OK);
	ck_assert_str_eq(s, "a/b \"c\".txt:3:1: error: msg [E203]");
	dlg_free(s);
	ck_assert_int_eq(dlg_diag_format(&s, &d, DLG_DIAG_STYLE_JSON, NULL), DLG_OK);
	ck_assert_str_eq(s, "{\"source\":\"a/b \\\"c\\\".txt\",\"line\":3,\"col\":1,\"severity\":"
			    "\"error\",\"code\":\"E203\",\"slug\":\"repeated-role\","
			    "\"message\":\"msg\"}");
	dlg_free(s);
	d.record = 7;
	d.severity = DLG_SEV_WARNING;
	ck_assert_int_eq(dlg_diag_format(&s, &d, DLG_DIAG_STYLE_GCC, NULL), DLG_OK);
	ck_assert_str_eq(s, "a/b \"c\".txt:3:1: warning: msg (record 7, turn 2) [E203]");
	dlg_free(s);
	d.turn = 0;
	ck_assert_int_eq(dlg_diag_format(&s, &d, DLG_DIAG_STYLE_GCC, NULL), DLG_OK);
	ck_assert_str_eq(s, "a/b \"c\".txt:3:1: warning: msg (record 7) [E203]");
	dlg_free(s);
}
END_TEST

START_TEST(test_record_diag_format_github_escapes)
{
	dlg_diag d = { DLG_DIAG_MOJIBAKE, DLG_SEV_WARNING, "a:b,c.txt", 2, 5, 0, 0,
		       "50% off\nnow" };
	char *s;
	ck_assert_int_eq(dlg_diag_format(&s, &d, DLG_DIAG_STYLE_GITHUB, NULL), DLG_OK);
	ck_assert_str_eq(s, "::warning file=a%3Ab%2Cc.txt,line=2,col=5,title=W305::"
			    "50%25 off%0Anow");
	dlg_free(s);
	ck_assert_int_eq(dlg_diag_format(&s, &d, DLG_DIAG_STYLE_SARIF, NULL), DLG_OK);
	ck_assert_str_eq(s, "{\"ruleId\":\"W305\",\"level\":\"warning\",\"message\":{\"text\":"
			    "\"50% off\\nnow\"},\"locations\":[{\"physicalLocation\":{"
			    "\"artifactLocation\":{\"uri\":\"a:b,c.txt\"},\"region\":{"
			    "\"startLine\":2,\"startColumn\":5}}}]}");
	dlg_free(s);
}
END_TEST

/*
 * The public dlg_conv_*() readers check their indexes in every build (they only asserted, so
 * a release build read past the turns): out of range they give the values dlgconv.h names.
 */
START_TEST(test_record_conv_accessors_check_bounds)
{
	harness h;
	harness_init(&h);
	harness_run(&h, "### Human: *sighs* \"hi\"\n### Assistant: hello\n");
	const dlg_conv *c = (const dlg_conv *)(const void *)&h.unit;
	ck_assert_uint_eq(dlg_conv_turns(c), 2);
	size_t len = 99;
	ck_assert_int_eq(dlg_conv_role(c, 1), DLG_ROLE_ASSISTANT);
	const char *p = dlg_conv_content(c, 1, &len);
	ck_assert_uint_eq(len, 5);
	ck_assert_int_eq(memcmp(p, "hello", 5), 0);
	ck_assert_uint_eq(dlg_conv_stage_count(c, 0), 1);
	p = dlg_conv_stage(c, 0, 0, &len);
	ck_assert_uint_eq(len, 5);
	ck_assert_int_eq(memcmp(p, "sighs", 5), 0);
	ck_assert_uint_eq(dlg_conv_stage_offset(c, 0, 0), 0);
	const size_t bad[] = { 2, 3, 1000, SIZE_MAX / 2, SIZE_MAX };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_int_eq(dlg_conv_role(c, bad[i]), DLG_ROLE_SYSTEM);
		len = 99;
		ck_assert_ptr_null(dlg_conv_content(c, bad[i], &len));
		ck_assert_uint_eq(len, 0);
		ck_assert_uint_eq(dlg_conv_stage_count(c, bad[i]), 0);
		len = 99;
		ck_assert_ptr_null(dlg_conv_stage(c, bad[i], 0, &len));
		ck_assert_uint_eq(len, 0);
		ck_assert_uint_eq(dlg_conv_stage_offset(c, bad[i], 0), 0);
		/* a stage index past the turn's own: turn 0 has one, turn 1 none */
		len = 99;
		ck_assert_ptr_null(dlg_conv_stage(c, 0, bad[i] - 1, &len));
		ck_assert_uint_eq(len, 0);
		ck_assert_uint_eq(dlg_conv_stage_offset(c, 0, bad[i] - 1), 0);
		ck_assert_ptr_null(dlg_conv_stage(c, 1, bad[i] - 2, &len));
		ck_assert_uint_eq(dlg_conv_stage_offset(c, 1, bad[i] - 2), 0);
	}
	/* len_out may be NULL; so may the conversation */
	ck_assert_ptr_null(dlg_conv_content(c, 2, NULL));
	ck_assert_ptr_nonnull(dlg_conv_content(c, 1, NULL));
	ck_assert_ptr_null(dlg_conv_stage(c, 0, 1, NULL));
	ck_assert_uint_eq(dlg_conv_turns(NULL), 0);
	ck_assert_ptr_null(dlg_conv_content(NULL, 0, &len));
	ck_assert_uint_eq(len, 0);
	ck_assert_ptr_null(dlg_conv_source(NULL));
	ck_assert_uint_eq(dlg_conv_record(NULL), 0);
	ck_assert_str_eq(dlg_conv_source(c), "t.txt");
	harness_dispose(&h);
}
END_TEST

Suite *record_suite(void)
{
	Suite *s = suite_create("record");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_record_json_string_escapes);
	tcase_add_test(tc, test_record_line_shape);
	tcase_add_test(tc, test_record_id_ignores_source_and_preamble);
	tcase_add_test(tc, test_record_reject_line);
	tcase_add_test(tc, test_record_diag_format);
	tcase_add_test(tc, test_record_diag_format_github_escapes);
	tcase_add_test(tc, test_record_conv_accessors_check_bounds);
	suite_add_tcase(s, tc);
	return s;
}
