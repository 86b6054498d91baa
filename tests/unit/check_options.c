/*
 * check_options.c - the library refuses options that cannot mean anything (role labels no
 * marker matches, split weights that overflow), repeated JSON keys keep the last (W316), and
 * whitespace-only JSON lines hold no record.
 */
#define _GNU_SOURCE
#include "helpers.h"
#include "lib/discover.h"
#include "lib/jsonread.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static dlg_status init_with_label(dlg_error *err, const char *label)
{
	dlg_options o = DLG_OPTIONS_INIT;
	dlg_role_label r = { label, DLG_ROLE_ASSISTANT };
	o.roles = &r;
	o.n_roles = 1;
	dlg_ctx ctx;
	dlg_status st = dlg_ctx__init(&ctx, &o, err);
	if (st == DLG_OK)
		dlg_ctx__dispose(&ctx);
	return st;
}

START_TEST(test_options_role_label_that_cannot_match_is_refused)
{
	static const char *const bad[] = {
		"", "Bot=x", " Bot", "Bot ", "Bot\n", "Bo\tt", "Bo\x7Ft", "###", "C#", "Dr: X",
		"Caf\xC3", "\xFF" "Bot", "来访者：", "咨询师︰A",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 41 bytes */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		dlg_error err;
		memset(&err, 0, sizeof err);
		ck_assert_msg(init_with_label(&err, bad[i]) == DLG_E_ARG, "label %zu accepted", i);
		ck_assert_msg(strstr(err.msg, "no marker could match it"), "%s", err.msg);
		/* one line, whatever the label holds */
		ck_assert_ptr_null(strchr(err.msg, '\n'));
		ck_assert_ptr_null(strchr(err.msg, '\t'));
	}
	dlg_error err;
	ck_assert_int_eq(init_with_label(&err, "Bot=x"), DLG_E_ARG);
	ck_assert_str_eq(err.msg, "role label 'Bot=x' holds '=', which a speaker name has none "
			 "of (option role splits LABEL=ROLE at the last '='); no marker could "
			 "match it");
	ck_assert_int_eq(init_with_label(&err, "Bot\n"), DLG_E_ARG);
	ck_assert_ptr_nonnull(strstr(err.msg, "'Bot\\x0A'"));
	ck_assert_int_eq(init_with_label(&err, "\xFF" "Bot"), DLG_E_ARG);
	ck_assert_ptr_nonnull(strstr(err.msg, "'\\xFFBot' is not valid UTF-8"));
	ck_assert_int_eq(init_with_label(&err, "来访者："), DLG_E_ARG);
	ck_assert_str_eq(err.msg, "role label '来访者：' holds a full-width colon, which ends a "
			 "marker's label; no marker could match it");
	ck_assert_int_eq(init_with_label(&err, NULL), DLG_E_ARG);
}
END_TEST

START_TEST(test_options_role_labels_that_can_match_are_taken)
{
	static const char *const good[] = {
		"Lucky", "Dr Smith", "[[USER_NAME]]", "Évelyne", "O'Brien-2", "心理咨询师", "Психолог",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 40 bytes */
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		dlg_error err;
		ck_assert_msg(init_with_label(&err, good[i]) == DLG_OK, "%s: %s", good[i], err.msg);
	}
}
END_TEST

/* The limit the check uses is the marker grammar's: a 40-byte label is read as a speaker. */
START_TEST(test_options_role_label_of_40_bytes_matches_a_marker)
{
	char label[41];
	memset(label, 'a', 40);
	label[0] = 'A';
	label[40] = '\0';
	harness h;
	harness_init(&h);
	dlg_role_label r = { label, DLG_ROLE_ASSISTANT };
	h.opts.roles = &r;
	h.opts.n_roles = 1;
	char text[256];
	snprintf(text, sizeof text, "### Human: hi\n### %s: hello\n", label);
	harness_run(&h, text);
	ck_assert_uint_eq(n_turns(&h), 2);
	ck_assert_int_eq(turn_role(&h, 1), DLG_ROLE_ASSISTANT);
	ck_assert_str_eq(turn_text(&h, 1), "hello");
	ck_assert(!h.unit.rejected);
	harness_dispose(&h);
}
END_TEST

static dlg_status init_with_splits(dlg_error *err, const dlg_split *s, size_t n)
{
	dlg_options o = DLG_OPTIONS_INIT;
	o.splits = s;
	o.n_splits = n;
	dlg_ctx ctx;
	dlg_status st = dlg_ctx__init(&ctx, &o, err);
	if (st == DLG_OK)
		dlg_ctx__dispose(&ctx);
	return st;
}

START_TEST(test_options_split_weights_must_be_finite_with_a_finite_total)
{
	dlg_error err;
	dlg_split huge[] = { { "a", 1e308 }, { "b", 1e308 } };
	ck_assert_int_eq(init_with_splits(&err, huge, 2), DLG_E_ARG);
	ck_assert_ptr_nonnull(strstr(err.msg, "add up to more than a double holds"));
	ck_assert_int_eq(init_with_splits(&err, huge, 1), DLG_OK);
	const double bad[] = { INFINITY, -INFINITY, NAN, -1, 0 };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		dlg_split s[] = { { "a", 1 }, { "b", bad[i] } };
		ck_assert_msg(init_with_splits(&err, s, 2) == DLG_E_ARG, "weight %zu taken", i);
		ck_assert_ptr_nonnull(strstr(err.msg, "split 'b' needs a positive, finite weight"));
	}
	dlg_split fine[] = { { "a", 1e307 }, { "b", 1e307 } };
	ck_assert_int_eq(init_with_splits(&err, fine, 2), DLG_OK);
}
END_TEST

START_TEST(test_options_repeated_json_key_keeps_the_last)
{
	harness h;
	harness_init(&h);
	ck_assert_int_eq(harness_run_record(&h, "{\"messages\":[{\"role\":\"user\","
				    "\"content\":\"old\"}],"
				    "\"messages\":[{\"role\":\"user\",\"content\":\"q\"},"
				    "{\"role\":\"assistant\",\"content\":\"a\"}]}", false), DLG_OK);
	ck_assert_uint_eq(n_turns(&h), 2);
	ck_assert_str_eq(turn_text(&h, 0), "q");
	ck_assert_str_eq(turn_text(&h, 1), "a");
	ck_assert_uint_eq(count_diag(&h, DLG_DIAG_DUPLICATE_JSON_KEY), 1);
	ck_assert_str_eq(diag_message(&h, DLG_DIAG_DUPLICATE_JSON_KEY),
			 "key \"messages\" appears twice; the last one is used, "
			 "as in Python's json");
	ck_assert(has_diag_at(&h, DLG_DIAG_DUPLICATE_JSON_KEY, 1, 1));
	ck_assert(!h.unit.rejected); /* a warning */

	/* inside a message, three times, reported once for the record */
	ck_assert_int_eq(harness_run_record(&h, "{\"messages\":[{\"role\":\"assistant\","
				    "\"role\":\"system\",\"content\":\"x\",\"role\":\"user\"},"
				    "{\"content\":\"b\","
				    "\"content\":\"a\",\"role\":\"assistant\"}]}", false), DLG_OK);
	ck_assert_uint_eq(n_turns(&h), 2);
	ck_assert_int_eq(turn_role(&h, 0), DLG_ROLE_USER);
	ck_assert_str_eq(turn_text(&h, 1), "a");
	ck_assert_uint_eq(count_diag(&h, DLG_DIAG_DUPLICATE_JSON_KEY), 1);
	ck_assert_str_eq(diag_message(&h, DLG_DIAG_DUPLICATE_JSON_KEY),
			 "key \"role\" appears 3 times; the last one is used, "
			 "as in Python's json");

	/* the first repeat a reader meets is named, and the key is escaped onto one line */
	ck_assert_int_eq(harness_run_record(&h, "{\"z\":1,\"a\\nb\":1,\"z\":2,\"a\\nb\":2,"
				    "\"messages\":[{\"role\":\"user\",\"content\":\"q\"},"
				    "{\"role\":\"assistant\",\"content\":\"a\"}]}", false), DLG_OK);
	ck_assert_str_eq(diag_message(&h, DLG_DIAG_DUPLICATE_JSON_KEY),
			 "key \"z\" appears twice; the last one is used, as in "
			 "Python's json");
	ck_assert_int_eq(harness_run_record(&h, "{\"a\\nb\":1,\"a\\nb\":2,\"messages\":[]}", false),
			 DLG_OK);
	ck_assert_ptr_nonnull(strstr(diag_message(&h, DLG_DIAG_DUPLICATE_JSON_KEY),
				     "key \"a\\u000Ab\" appears twice"));
	/* two-byte characters pass as they are (they were once escaped as if quotes) */
	ck_assert_int_eq(harness_run_record(&h, "{\"caf\xc3\xa9\\\"\":1,\"caf\xc3\xa9\\\"\":2,"
				    "\"messages\":[]}", false), DLG_OK);
	ck_assert_ptr_nonnull(strstr(diag_message(&h, DLG_DIAG_DUPLICATE_JSON_KEY),
				     "key \"caf\xc3\xa9\\\"\" appears twice"));

	/* no repeat, no finding; nor for a pair's rejected side (its chosen side reports) */
	ck_assert_int_eq(harness_run_record(&h, "{\"messages\":[{\"role\":\"user\","
				    "\"content\":\"q\"},{\"role\":\"assistant\","
				    "\"content\":\"a\"}]}", false), DLG_OK);
	ck_assert_uint_eq(count_diag(&h, DLG_DIAG_DUPLICATE_JSON_KEY), 0);
	ck_assert_int_eq(harness_run_record(&h, "{\"x\":1,\"x\":2,\"messages\":[]}", true), DLG_OK);
	ck_assert_uint_eq(count_diag(&h, DLG_DIAG_DUPLICATE_JSON_KEY), 0);
	harness_dispose(&h);
}
END_TEST

/* An object with many keys takes the sorted path (and its allocation). */
static char *many_keys_record(size_t keys)
{
	size_t cap = keys * 32 + 256, len = 0;
	char *s = malloc(cap);
	ck_assert_ptr_nonnull(s);
	len += (size_t)snprintf(s + len, cap - len, "{\"messages\":[{\"role\":\"user\",\"content\":"
				"\"first\"");
	for (size_t i = 0; i < keys; i++)
		len += (size_t)snprintf(s + len, cap - len, ",\"k%zu\":%zu", i % (keys / 2), i);
	len += (size_t)snprintf(s + len, cap - len, ",\"content\":\"q\"},{\"role\":\"assistant\","
				"\"content\":\"a\"}]}");
	ck_assert_uint_lt(len, cap);
	return s;
}

START_TEST(test_options_repeated_keys_in_a_large_object)
{
	harness h;
	harness_init(&h);
	char *json = many_keys_record(2000);
	ck_assert_int_eq(harness_run_record(&h, json, false), DLG_OK);
	ck_assert_str_eq(turn_text(&h, 0), "q");
	ck_assert_uint_eq(count_diag(&h, DLG_DIAG_DUPLICATE_JSON_KEY), 1);
	/* k0 comes round again (after k999) before the second "content" */
	ck_assert_str_eq(diag_message(&h, DLG_DIAG_DUPLICATE_JSON_KEY),
			 "key \"k0\" appears twice; the last one is used, as "
			 "in Python's json");
	free(json);
	harness_dispose(&h);
}
END_TEST

/* Out of memory at each allocation, the large object included: a clean status, no leak. */
START_TEST(test_options_repeated_keys_out_of_memory)
{
	char *json = many_keys_record(64);
	bool done = false;
	for (long fail_at = 1; !done && fail_at < 10000; fail_at++) {
		failing_alloc f;
		failing_alloc_init(&f, fail_at);
		dlg_options o = DLG_OPTIONS_INIT;
		o.allocator = &f.a;
		dlg_ctx ctx;
		dlg_error err;
		dlg_status st = dlg_ctx__init(&ctx, &o, &err);
		if (st == DLG_OK) {
			dlg_unit u;
			dlg_unit__init(&u, &ctx);
			static const dlg_input input = { .source = "t.jsonl" };
			dlg_unit__reset(&u, &input, 1, 1);
			st = dlg_jsonread__record(&u, json, strlen(json), &err);
			dlg_unit__dispose(&u);
			dlg_ctx__dispose(&ctx);
		}
		ck_assert_msg(st == DLG_OK || st == DLG_E_NOMEM, "status %d at %ld", st, fail_at);
		ck_assert_int_eq(f.live, 0);
		done = st == DLG_OK && f.calls < fail_at;
	}
	ck_assert(done);
	free(json);
}
END_TEST

static void count_codes(const dlg_diag *d, void *payload)
{
	size_t *errors = payload;
	*errors += d->severity == DLG_SEV_ERROR;
}

START_TEST(test_options_whitespace_only_json_line_holds_no_record)
{
	char *dir = make_temp_dir();
	static const char data[] =
		"\t\n"
		"{\"messages\":[{\"role\":\"user\",\"content\":\"q\"},"
		"{\"role\":\"assistant\",\"content\":\"a\"}]}\n"
		" \t \r\n"
		"\r\n"
		"{\"messages\":[{\"role\":\"user\",\"content\":\"q2\"},"
		"{\"role\":\"assistant\",\"content\":\"a2\"}]}\t\r\n"
		"\t \t\n";
	write_file(dir, "w.jsonl", data, sizeof data - 1);
	char path[1024];
	snprintf(path, sizeof path, "%s/w.jsonl", dir);
	const char *inputs[] = { path };
	dlg_options o = DLG_OPTIONS_INIT;
	dlg_summary s;
	dlg_error err;
	size_t errors = 0;
	ck_assert_int_eq(dlg_run(&s, inputs, 1, &o, count_codes, &errors, &err), DLG_OK);
	ck_assert_uint_eq(errors, 0);
	ck_assert_uint_eq(s.inputs, 2);
	ck_assert_uint_eq(s.rejected, 0);
	rm_rf(dir);
	free(dir);
}
END_TEST

Suite *options_suite(void)
{
	Suite *s = suite_create("options");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_options_role_label_that_cannot_match_is_refused);
	tcase_add_test(tc, test_options_role_labels_that_can_match_are_taken);
	tcase_add_test(tc, test_options_role_label_of_40_bytes_matches_a_marker);
	tcase_add_test(tc, test_options_split_weights_must_be_finite_with_a_finite_total);
	tcase_add_test(tc, test_options_repeated_json_key_keeps_the_last);
	tcase_add_test(tc, test_options_repeated_keys_in_a_large_object);
	tcase_add_test(tc, test_options_repeated_keys_out_of_memory);
	tcase_add_test(tc, test_options_whitespace_only_json_line_holds_no_record);
	suite_add_tcase(s, tc);
	return s;
}
