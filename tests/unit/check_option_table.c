/*
 * check_option_table.c - the option table and versioned options: a zeroed struct runs with
 * every default (the step functions' included), dlg_options_init gives the same defaults
 * literally, every option that changes the output is in the manifest (so the steps'
 * same-options check sees it), and values are refused with the words the table gives.
 */
#include "helpers.h"
#include "lib/ctx.h"
#include "lib/options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char transcript[] = "### Human: hello there\n\n### Assistant: hi, how are you?\n";

START_TEST(test_option_table_zeroed_options_mean_the_defaults)
{
	dlg_options zero;
	memset(&zero, 0, sizeof zero);
	dlg_ctx ctx;
	dlg_error err;
	ck_assert_int_eq(dlg_ctx__init(&ctx, &zero, &err), DLG_OK);
	ck_assert_uint_eq(ctx.opts->min_turns, 2);
	ck_assert_uint_eq(ctx.opts->max_rejects, UINT64_MAX);
	ck_assert_uint_eq(ctx.opts->max_input_bytes, (uint64_t)1 << 28);
	ck_assert(ctx.opts->near_dup_threshold == 0.8);
	ck_assert_int_eq(ctx.opts->near_dup, DLG_NEAR_DUP_GROUP);
	ck_assert_uint_eq(ctx.shards, 1);
	dlg_ctx__dispose(&ctx);

	/* dlg_options_init spells the same defaults out, and resolves to the same options */
	dlg_options init;
	ck_assert_int_eq(dlg_options_init(&init, DLG_OPTIONS_VERSION), DLG_OK);
	ck_assert_uint_eq(init.version, DLG_OPTIONS_VERSION);
	ck_assert_uint_eq(init.min_turns, 2);
	ck_assert_uint_eq(init.max_rejects, UINT64_MAX);
	dlg_ctx a, b;
	ck_assert_int_eq(dlg_ctx__init(&a, &zero, &err), DLG_OK);
	ck_assert_int_eq(dlg_ctx__init(&b, &init, &err), DLG_OK);
	for (size_t i = 0; i < dlg_option_count(); i++) {
		dlg_option_value va, vb;
		dlg_options__manifest_value(&va, a.opts, i);
		dlg_options__manifest_value(&vb, b.opts, i);
		ck_assert_msg(va.form == vb.form && va.number == vb.number &&
			      va.boolean == vb.boolean &&
			      (va.string == vb.string || strcmp(va.string, vb.string) == 0),
			      "option %s differs", dlg_option_get(i)->name);
	}
	dlg_ctx__dispose(&a);
	dlg_ctx__dispose(&b);

	/* a versioned struct means what it holds: 0 is no minimum, no reject allowed */
	init.min_turns = 0;
	init.max_rejects = 0;
	ck_assert_int_eq(dlg_ctx__init(&a, &init, &err), DLG_OK);
	ck_assert_uint_eq(a.opts->min_turns, 0);
	ck_assert_uint_eq(a.opts->max_rejects, 0);
	dlg_ctx__dispose(&a);

	ck_assert_int_eq(dlg_options_init(&init, DLG_OPTIONS_VERSION + 1), DLG_E_ARG);
	ck_assert_int_eq(dlg_options_init(&init, 0), DLG_E_ARG);
	zero.version = DLG_OPTIONS_VERSION + 1;
	ck_assert_int_eq(dlg_ctx__init(&a, &zero, &err), DLG_E_ARG);
	ck_assert_ptr_nonnull(strstr(err.msg, "newer than this library"));
}
END_TEST

/* dlg_run, dlg_map, dlg_reduce and dlg_finalize all run on a zeroed struct. */
START_TEST(test_option_table_zeroed_options_run_every_step)
{
	char *root = make_temp_dir();
	char in[1024], out[1100], work[1100], dataset[1100];
	snprintf(in, sizeof in, "%s/in", root);
	snprintf(out, sizeof out, "%s/out", root);
	snprintf(work, sizeof work, "%s/work", root);
	snprintf(dataset, sizeof dataset, "%s/dataset", root);
	write_file(root, "in", transcript, strlen(transcript));
	const char *args[] = { in };
	dlg_options o = { 0 };
	o.output_dir = out;
	dlg_summary s = { 0 };
	dlg_error err;
	ck_assert_int_eq(dlg_run(&s, args, 1, &o, NULL, NULL, &err), DLG_OK);
	ck_assert_uint_eq(s.written, 1);
	ck_assert_uint_eq(s.size, 0); /* kept as the caller set it */

	memset(&o, 0, sizeof o);
	ck_assert_msg(dlg_map(&s, args, 1, 0, 1, work, &o, NULL, NULL, &err) == DLG_OK, "%s",
		      err.msg);
	ck_assert_msg(dlg_reduce(work, 0, &o, &err) == DLG_OK, "%s", err.msg);
	o.output_dir = dataset;
	ck_assert_msg(dlg_finalize(&s, work, &o, &err) == DLG_OK, "%s", err.msg);
	ck_assert_uint_eq(s.written, 1);
	/* the cluster steps made what one convert --near-dup off makes */
	char a[1200], b[1200];
	snprintf(a, sizeof a, "%s/train.jsonl.gz", out);
	snprintf(b, sizeof b, "%s/train.jsonl.gz", dataset);
	size_t la, lb;
	char *fa = read_file(a, &la), *fb = read_file(b, &lb);
	ck_assert_uint_eq(la, lb);
	ck_assert(memcmp(fa, fb, la) == 0);
	free(fa);
	free(fb);
	rm_rf(root);
	free(root);
}
END_TEST

/* The value a test sets an option to, other than its default. */
static const char *other_value(const dlg_option_info *info)
{
	switch (info->type) {
	case DLG_OPTION_FLAG: return NULL;
	case DLG_OPTION_NUMBER: return info->min > 2 ? "1000" : "3";
	case DLG_OPTION_FRACTION: return "0.5";
	case DLG_OPTION_CHOICE: /* the second is not the default but for near-dup's */
		return strcmp(info->name, "near-dup") == 0 ? "drop" : info->choices[1];
	case DLG_OPTION_TEXT: return strcmp(info->name, "input-encoding") == 0 ? "latin1" : "x";
	case DLG_OPTION_LIST: break;
	}
	return NULL;
}

/*
 * Every option that changes the output changes the manifest's options when it is set, so a
 * map part made with it is told apart from one made without; the others never appear.
 */
START_TEST(test_option_table_every_output_option_is_in_the_manifest)
{
	dlg_options base;
	dlg_error err;
	ck_assert_int_eq(dlg_options_init(&base, DLG_OPTIONS_VERSION), DLG_OK);
	base.output_dir = "out"; /* near-dup group runs where splits are written */
	dlg_role_label role = { "Bot", DLG_ROLE_ASSISTANT };
	dlg_split split = { "all", 1 };
	const char *field = "lang";
	const char *glob = "*.txt";
	dlg_diag_code code = DLG_DIAG_MARKER_IN_TEXT;
	/* --tokenizer is loaded by the context: a small real one */
	char *tok_dir = make_temp_dir();
	static const char tok_json[] =
		"{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[]}}";
	write_file(tok_dir, "tokenizer.json", tok_json, sizeof tok_json - 1);
	size_t checked = 0;
	for (size_t i = 0; i < dlg_option_count(); i++) {
		const dlg_option_info *info = dlg_option_get(i);
		dlg_options o = base;
		if (info->type == DLG_OPTION_LIST) {
			/* lists are set through their fields */
			if (strcmp(info->name, "role") == 0)
				o.roles = &role, o.n_roles = 1;
			else if (strcmp(info->name, "split") == 0)
				o.splits = &split, o.n_splits = 1;
			else if (strcmp(info->name, "keep-fields") == 0)
				o.keep_fields = &field, o.n_keep_fields = 1;
			else if (strcmp(info->name, "keep-message-fields") == 0)
				o.keep_message_fields = &field, o.n_keep_message_fields = 1;
			else if (strcmp(info->name, "include") == 0)
				o.include = &glob, o.n_include = 1;
			else if (strcmp(info->name, "exclude") == 0)
				o.exclude = &glob, o.n_exclude = 1;
			else if (strcmp(info->name, "ignore") == 0)
				o.ignore = &code, o.n_ignore = 1;
			else if (strcmp(info->name, "select") == 0)
				o.select = &code, o.n_select = 1;
			else if (strcmp(info->name, "error") == 0)
				o.error_codes = &code, o.n_error_codes = 1;
			else
				ck_abort_msg("list option %s not covered", info->name);
			ck_assert_int_eq(dlg_option_set(&o, info->name, "x", &err), DLG_E_ARG);
		} else {
			ck_assert_msg(dlg_option_set(&o, info->name, other_value(info), &err) ==
				      DLG_OK, "%s: %s", info->name, err.msg);
		}
		if (strcmp(info->name, "group-regex") == 0)
			o.group_regex = "(x)";
		if (strcmp(info->name, "prompt-field") == 0) /* a prompt needs its reply */
			o.response_field = "r";
		if (strcmp(info->name, "tokenizer") == 0 ||
		    strcmp(info->name, "emit-token-counts") == 0 ||
		    strcmp(info->name, "max-tokens") == 0 || strcmp(info->name, "template") == 0)
			o.tokenizer = tok_dir;
		if (strcmp(info->name, "template") == 0) /* a built-in's name */
			o.chat_template = "chatml";
		dlg_ctx with, without;
		ck_assert_msg(dlg_ctx__init(&with, &o, &err) == DLG_OK, "%s: %s",
			      info->name, err.msg);
		ck_assert_int_eq(dlg_ctx__init(&without, &base, &err), DLG_OK);
		dlg_option_value a, b;
		dlg_options__manifest_value(&a, with.opts, i);
		dlg_options__manifest_value(&b, without.opts, i);
		bool differs = a.form != b.form || a.number != b.number || a.boolean != b.boolean ||
			       a.n != b.n ||
			       (a.string && b.string && strcmp(a.string, b.string) != 0) ||
			       a.form == DLG_FORM_ROLES || a.form == DLG_FORM_SPLITS;
		if (info->flags & DLG_OPTION_OUTPUT)
			ck_assert_msg(differs, "%s changes the output but not the manifest",
				      info->name);
		else
			ck_assert_msg(a.form == DLG_FORM_SKIP, "%s is in the manifest", info->name);
		checked += (info->flags & DLG_OPTION_OUTPUT) != 0;
		dlg_ctx__dispose(&with);
		dlg_ctx__dispose(&without);
	}
	ck_assert_uint_ge(checked, 35);
	rm_rf(tok_dir);
	free(tok_dir);
}
END_TEST

/* A value an option does not take is refused with the table's words for what it takes. */
START_TEST(test_option_table_set_refuses_with_the_values_it_takes)
{
	dlg_options o = { 0 };
	dlg_error err;
	static const char *const cases[][2] = {
		{ "min-turns", "100001" }, { "min-turns", "-1" }, { "seed", "0x10" },
		{ "max-turn-chars", "0" }, { "stage", "hide" }, { "near-dup-threshold", "0" },
		{ "near-dup-threshold", "1.5" }, { "shards", "1025" }, { "text-field", "" },
		{ "jobs", "0" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ck_assert_msg(dlg_option_set(&o, cases[i][0], cases[i][1], &err) == DLG_E_ARG,
			      "%s %s taken", cases[i][0], cases[i][1]);
		ck_assert_str_eq(err.msg, dlg_option_find(cases[i][0])->values);
	}
	ck_assert_int_eq(dlg_option_set(&o, "no-such-option", "1", &err), DLG_E_ARG);
	ck_assert_int_eq(dlg_option_set(&o, "near-dup", "off", &err), DLG_OK);
	ck_assert_int_eq(o.near_dup, DLG_NEAR_DUP_OFF);
	ck_assert_int_eq(dlg_option_set(&o, "trailing-user", "drop", &err), DLG_OK);
	ck_assert_int_eq(o.drop_trailing_user, 1);
	ck_assert_int_eq(dlg_option_set(&o, "max-rejects", "18446744073709551615", &err), DLG_OK);
	ck_assert_uint_eq(o.max_rejects, UINT64_MAX);
	ck_assert_int_eq(dlg_option_set(&o, "nfkc", NULL, &err), DLG_OK);
	ck_assert_int_eq(o.nfkc, 1);
	ck_assert_ptr_null(dlg_option_get(dlg_option_count()));
}
END_TEST

Suite *option_table_suite(void)
{
	Suite *s = suite_create("option_table");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_option_table_zeroed_options_mean_the_defaults);
	tcase_add_test(tc, test_option_table_zeroed_options_run_every_step);
	tcase_add_test(tc, test_option_table_every_output_option_is_in_the_manifest);
	tcase_add_test(tc, test_option_table_set_refuses_with_the_values_it_takes);
	suite_add_tcase(s, tc);
	return s;
}
