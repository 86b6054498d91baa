#define _XOPEN_SOURCE 700
#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *tree(void)
{
	char *root = make_temp_dir();
	char p[1024];
	snprintf(p, sizeof p, "%s/corpus", root);
	mkdir(p, 0777);
	snprintf(p, sizeof p, "%s/corpus/b", root);
	mkdir(p, 0777);
	snprintf(p, sizeof p, "%s/corpus/.hidden", root);
	mkdir(p, 0777);
	snprintf(p, sizeof p, "%s/corpus", root);
	write_file(p, "a.txt", "x", 1);
	write_file(p, "a.md", "x", 1);
	write_file(p, "Z.txt", "x", 1);
	write_file(p, "notes.json", "x", 1);
	write_file(p, ".secret.txt", "x", 1);
	snprintf(p, sizeof p, "%s/corpus/b", root);
	write_file(p, "c.txt", "x", 1);
	snprintf(p, sizeof p, "%s/corpus/.hidden", root);
	write_file(p, "d.txt", "x", 1);
	/* a symlink loop back to the corpus */
	char target[1024], link[1024];
	snprintf(target, sizeof target, "%s/corpus", root);
	snprintf(link, sizeof link, "%s/corpus/b/loop", root);
	ck_assert_int_eq(symlink(target, link), 0);
	return root;
}

static void discover(dlg_inputs *in, const char *root, const dlg_options *o)
{
	char arg[1024];
	snprintf(arg, sizeof arg, "%s/corpus/", root);
	const char *args[] = { arg };
	ck_assert_int_eq(dlg_discover__inputs(in, args, 1, o, NULL), DLG_OK);
}

START_TEST(test_discover_sorted_hidden_skipped_loops_ended)
{
	char *root = tree();
	dlg_options o = DLG_OPTIONS_INIT;
	dlg_inputs in;
	discover(&in, root, &o);
	/* b/loop points back at corpus, which is on the walk's path: not entered again */
	ck_assert_uint_eq(in.count, 5);
	ck_assert_str_eq(in.items[0].source, "corpus/Z.txt");
	ck_assert_str_eq(in.items[1].source, "corpus/a.md");
	ck_assert_str_eq(in.items[2].source, "corpus/a.txt");
	ck_assert_str_eq(in.items[3].source, "corpus/b/c.txt");
	ck_assert_str_eq(in.items[4].source, "corpus/notes.json");
	dlg_discover__dispose(&in);
	rm_rf(root);
	free(root);
}
END_TEST

START_TEST(test_discover_include_exclude)
{
	char *root = tree();
	dlg_options o = DLG_OPTIONS_INIT;
	const char *inc[] = { "*.txt" };
	const char *exc[] = { "corpus/b/*" };
	o.include = inc;
	o.n_include = 1;
	o.exclude = exc;
	o.n_exclude = 1;
	dlg_inputs in;
	discover(&in, root, &o);
	ck_assert_uint_eq(in.count, 2);
	ck_assert_str_eq(in.items[0].source, "corpus/Z.txt");
	ck_assert_str_eq(in.items[1].source, "corpus/a.txt");
	dlg_discover__dispose(&in);
	rm_rf(root);
	free(root);
}
END_TEST

START_TEST(test_discover_file_argument_and_missing)
{
	char *root = tree();
	char arg[1024];
	snprintf(arg, sizeof arg, "%s/corpus/notes.json", root);
	const char *args[] = { arg, "-" };
	dlg_options o = DLG_OPTIONS_INIT;
	dlg_inputs in;
	ck_assert_int_eq(dlg_discover__inputs(&in, args, 2, &o, NULL), DLG_OK);
	ck_assert_uint_eq(in.count, 2);
	ck_assert_str_eq(in.items[0].source, "notes.json"); /* named files are read as given */
	ck_assert_str_eq(in.items[1].source, "-");
	dlg_discover__dispose(&in);
	snprintf(arg, sizeof arg, "%s/missing", root);
	const char *missing[] = { arg };
	dlg_error err;
	ck_assert_int_eq(dlg_discover__inputs(&in, missing, 1, &o, &err), DLG_E_IO);
	ck_assert_ptr_nonnull(strstr(err.msg, "missing"));
	dlg_discover__dispose(&in);
	rm_rf(root);
	free(root);
}
END_TEST

Suite *discover_suite(void)
{
	Suite *s = suite_create("discover");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_discover_sorted_hidden_skipped_loops_ended);
	tcase_add_test(tc, test_discover_include_exclude);
	tcase_add_test(tc, test_discover_file_argument_and_missing);
	suite_add_tcase(s, tc);
	return s;
}
