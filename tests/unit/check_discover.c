#define _XOPEN_SOURCE 700
#include "helpers.h"
#include "lib/buf.h"
#include "lib/discover.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
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

static void mkdirf(const char *fmt, const char *root)
{
	char p[1024];
	snprintf(p, sizeof p, fmt, root);
	ck_assert_int_eq(mkdir(p, 0777), 0);
}

static void linkf(const char *target, const char *fmt, const char *root)
{
	char p[1024];
	snprintf(p, sizeof p, fmt, root);
	ck_assert_int_eq(symlink(target, p), 0);
}

static void filef(const char *fmt, const char *root, const char *name)
{
	char p[1024];
	snprintf(p, sizeof p, fmt, root);
	write_file(p, name, "x", 1);
}

static size_t n_skipped(const dlg_inputs *in)
{
	return DLG_BUF_COUNT(&in->skipped, dlg_skipped);
}

static const dlg_skipped *skipped_at(dlg_inputs *in, size_t i)
{
	return &DLG_BUF_AT(&in->skipped, dlg_skipped, i);
}

/* Whether root reads everything, so that chmod 000 hides nothing. */
static bool reads_anything(void)
{
	return geteuid() == 0;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

START_TEST(test_discover_symlink_maze_visits_each_directory_once)
{
	/* d_i/{x,y} -> ../d_{i+1}: 2^18 paths to d_18 when symlinks are followed blindly */
	char *root = make_temp_dir();
	char p[1024];
	for (int i = 0; i < 19; i++) {
		snprintf(p, sizeof p, "%s/d_%d", root, i);
		ck_assert_int_eq(mkdir(p, 0777), 0);
		write_file(p, "f.txt", "x", 1);
		if (i == 18)
			continue;
		char target[64], link[1100];
		snprintf(target, sizeof target, "../d_%d", i + 1);
		snprintf(link, sizeof link, "%s/x", p);
		ck_assert_int_eq(symlink(target, link), 0);
		snprintf(link, sizeof link, "%s/y", p);
		ck_assert_int_eq(symlink(target, link), 0);
	}
	snprintf(p, sizeof p, "%s/d_0", root);
	const char *args[] = { p };
	dlg_options o = DLG_OPTIONS_INIT;
	dlg_inputs in;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(dlg_discover__inputs(&in, args, 1, &o, NULL), DLG_OK);
	ck_assert_double_lt(seconds_since(&t0), 1.0);
	/* one file per directory, each through the first path in sorted order (x before y) */
	ck_assert_uint_eq(in.count, 19);
	char want[256] = "d_0/";
	for (size_t i = 0; i < in.count; i++) {
		char full[300];
		snprintf(full, sizeof full, "%sf.txt", want);
		ck_assert_str_eq(in.items[i].source, full);
		strcat(want, "x/");
	}
	ck_assert_uint_eq(n_skipped(&in), 0);
	dlg_discover__dispose(&in);
	rm_rf(root);
	free(root);
}
END_TEST

START_TEST(test_discover_directory_reached_twice_keeps_first_source_in_order)
{
	/* "a.b/f.txt" sorts before "a/f.txt" ('.' < '/'), though the name "a" < "a.b"; and a
	 * symlink that sorts before the real directory wins over it */
	char *root = make_temp_dir();
	mkdirf("%s/corpus", root);
	mkdirf("%s/elsewhere", root);
	filef("%s/elsewhere", root, "f.txt");
	char target[1024];
	snprintf(target, sizeof target, "%s/elsewhere", root);
	linkf(target, "%s/corpus/a", root);
	linkf(target, "%s/corpus/a.b", root);
	mkdirf("%s/corpus/z", root);
	filef("%s/corpus/z", root, "g.txt");
	linkf("z", "%s/corpus/m", root);
	dlg_options o = DLG_OPTIONS_INIT;
	dlg_inputs in;
	discover(&in, root, &o);
	ck_assert_uint_eq(in.count, 2);
	ck_assert_str_eq(in.items[0].source, "corpus/a.b/f.txt");
	ck_assert_str_eq(in.items[1].source, "corpus/m/g.txt");
	dlg_discover__dispose(&in);
	rm_rf(root);
	free(root);
}
END_TEST

/* A path under `root` less that prefix: findings name files by the path as typed, which
 * here is the absolute temporary directory. */
static const char *below(const char *root, const char *path)
{
	size_t n = strlen(root);
	ck_assert_int_eq(strncmp(path, root, n), 0);
	ck_assert_int_eq(path[n], '/');
	return path + n + 1;
}

START_TEST(test_discover_unreadable_entries_are_skipped_with_w315)
{
	char *root = make_temp_dir();
	mkdirf("%s/corpus", root);
	filef("%s/corpus", root, "a.txt");
	linkf("nowhere.txt", "%s/corpus/gone.txt", root);
	linkf("missing.png", "%s/corpus/logo.png", root);
	mkdirf("%s/corpus/lost+found", root);
	filef("%s/corpus/lost+found", root, "b.txt");
	filef("%s/corpus", root, "secret.txt");
	char p[1024], q[1024];
	snprintf(p, sizeof p, "%s/corpus/lost+found", root);
	snprintf(q, sizeof q, "%s/corpus/secret.txt", root);
	ck_assert_int_eq(chmod(p, 0), 0);
	ck_assert_int_eq(chmod(q, 0), 0);
	dlg_options o = DLG_OPTIONS_INIT;
	dlg_inputs in;
	discover(&in, root, &o);
	bool all = reads_anything();
	ck_assert_uint_eq(in.count, all ? 3 : 1);
	ck_assert_str_eq(in.items[0].source, "corpus/a.txt");
	ck_assert_uint_eq(n_skipped(&in), all ? 2 : 4);
	size_t k = 0;
	const dlg_skipped *s = skipped_at(&in, k++);
	ck_assert_int_eq(s->code, DLG_DIAG_UNREADABLE_ENTRY_SKIPPED);
	ck_assert_str_eq(below(root, s->shown), "corpus/gone.txt");
	ck_assert_ptr_nonnull(strstr(s->msg, "dangling symbolic link"));
	/* its name is no transcript's, but it could have been a directory */
	s = skipped_at(&in, k++);
	ck_assert_str_eq(below(root, s->shown), "corpus/logo.png");
	ck_assert_ptr_nonnull(strstr(s->msg, "dangling symbolic link"));
	if (!all) {
		s = skipped_at(&in, k++);
		ck_assert_int_eq(s->code, DLG_DIAG_UNREADABLE_ENTRY_SKIPPED);
		ck_assert_str_eq(below(root, s->shown), "corpus/lost+found");
		ck_assert_str_eq(s->msg, "cannot open directory: Permission denied; skipped");
		s = skipped_at(&in, k++);
		ck_assert_str_eq(below(root, s->shown), "corpus/secret.txt");
		ck_assert_str_eq(s->msg, "cannot read: Permission denied; skipped");
	}
	dlg_discover__dispose(&in);
	/* named on the command line, an unreadable directory still ends the run */
	const char *args[] = { p };
	dlg_error err;
	dlg_status st = dlg_discover__inputs(&in, args, 1, &o, &err);
	ck_assert_int_eq(st, all ? DLG_OK : DLG_E_IO);
	if (!all)
		ck_assert_ptr_nonnull(strstr(err.msg, "Permission denied"));
	dlg_discover__dispose(&in);
	chmod(p, 0777);
	rm_rf(root);
	free(root);
}
END_TEST

START_TEST(test_discover_exclude_prunes_directories_before_stat)
{
	char *root = tree();
	char p[1024];
	snprintf(p, sizeof p, "%s/corpus/b/deeper", root);
	ck_assert_int_eq(mkdir(p, 0777), 0);
	write_file(p, "e.txt", "x", 1);
	linkf("missing.png", "%s/corpus/logo.png", root);
	mkdirf("%s/corpus/private", root);
	filef("%s/corpus/private", root, "p.txt");
	snprintf(p, sizeof p, "%s/corpus/private", root);
	ck_assert_int_eq(chmod(p, 0), 0);
	/* by name ('b' prunes b/ and b/deeper/), by path, and a dangling link by name */
	const char *exc[] = { "b", "corpus/private", "*.png" };
	dlg_options o = DLG_OPTIONS_INIT;
	o.exclude = exc;
	o.n_exclude = 3;
	dlg_inputs in;
	discover(&in, root, &o);
	ck_assert_uint_eq(in.count, 4);
	ck_assert_str_eq(in.items[0].source, "corpus/Z.txt");
	ck_assert_str_eq(in.items[1].source, "corpus/a.md");
	ck_assert_str_eq(in.items[2].source, "corpus/a.txt");
	ck_assert_str_eq(in.items[3].source, "corpus/notes.json");
	/* neither the dangling logo.png nor the unreadable private/ was looked at */
	ck_assert_uint_eq(n_skipped(&in), 0);
	dlg_discover__dispose(&in);
	/* --include selects files only: a directory need not match it to be walked */
	const char *inc[] = { "c.txt" };
	dlg_options o2 = DLG_OPTIONS_INIT;
	o2.include = inc;
	o2.n_include = 1;
	o2.exclude = exc + 1;
	o2.n_exclude = 2;
	discover(&in, root, &o2);
	ck_assert_uint_eq(in.count, 1);
	ck_assert_str_eq(in.items[0].source, "corpus/b/c.txt");
	dlg_discover__dispose(&in);
	chmod(p, 0777);
	rm_rf(root);
	free(root);
}
END_TEST

START_TEST(test_discover_cancel_before_the_walk)
{
	char *root = tree();
	volatile sig_atomic_t stop = 1;
	dlg_options o = DLG_OPTIONS_INIT;
	o.cancel = &stop;
	char arg[1024];
	snprintf(arg, sizeof arg, "%s/corpus", root);
	const char *args[] = { arg };
	dlg_inputs in;
	dlg_error err;
	ck_assert_int_eq(dlg_discover__inputs(&in, args, 1, &o, &err), DLG_E_CANCELED);
	ck_assert_str_eq(err.msg, "interrupted");
	dlg_discover__dispose(&in);
	rm_rf(root);
	free(root);
}
END_TEST

static const char *escaped(dlg_buf *b, const char *s, size_t n)
{
	b->len = 0;
	ck_assert_int_eq(dlg_discover__escape(b, s, n, NULL), DLG_OK);
	ck_assert_int_eq(dlg_buf__putc(b, '\0', NULL), DLG_OK);
	return b->data;
}

START_TEST(test_discover_escape_convention)
{
	dlg_buf b;
	dlg_buf__init(&b, NULL, DLG_BUF_UNCAPPED);
	ck_assert_str_eq(escaped(&b, "caf\xc3\xa9.txt", 9), "caf\xc3\xa9.txt");
	ck_assert_str_eq(escaped(&b, "lat\xe9in.txt", 10), "lat\\xe9in.txt");
	ck_assert_str_eq(escaped(&b, "a\\b", 3), "a\\\\b");
	ck_assert_str_eq(escaped(&b, "\\xe9", 4), "\\\\xe9"); /* not read back as a byte */
	ck_assert_str_eq(escaped(&b, "\xf0\x9f\x98\x80", 4), "\xf0\x9f\x98\x80");
	/* what Python's strict decoder refuses: overlong, surrogate, past U+10FFFF, cut */
	ck_assert_str_eq(escaped(&b, "\xc0\xaf", 2), "\\xc0\\xaf");
	ck_assert_str_eq(escaped(&b, "\xed\xa0\x80", 3), "\\xed\\xa0\\x80");
	ck_assert_str_eq(escaped(&b, "\xf4\x90\x80\x80", 4), "\\xf4\\x90\\x80\\x80");
	ck_assert_str_eq(escaped(&b, "\xe2\x82", 2), "\\xe2\\x82");
	ck_assert_str_eq(escaped(&b, "\xe2\x82z\xff", 4), "\\xe2\\x82z\\xff");
	dlg_buf__dispose(&b);
}
END_TEST

START_TEST(test_discover_sources_are_valid_utf8)
{
	char *root = make_temp_dir();
	char p[1024];
	snprintf(p, sizeof p, "%s/c\xff", root);
	ck_assert_int_eq(mkdir(p, 0777), 0);
	write_file(p, "lat\xe9in.txt", "x", 1);
	write_file(p, "back\\slash.txt", "x", 1);
	write_file(p, "caf\xc3\xa9.txt", "x", 1);
	const char *args[] = { p };
	dlg_options o = DLG_OPTIONS_INIT;
	dlg_inputs in;
	ck_assert_int_eq(dlg_discover__inputs(&in, args, 1, &o, NULL), DLG_OK);
	ck_assert_uint_eq(in.count, 3);
	/* sorted by the escaped sources, which are what the outputs hold */
	ck_assert_str_eq(in.items[0].source, "c\\xff/back\\\\slash.txt");
	ck_assert_str_eq(in.items[1].source, "c\\xff/caf\xc3\xa9.txt");
	ck_assert_str_eq(in.items[2].source, "c\\xff/lat\\xe9in.txt");
	/* the path to open keeps the file system's bytes */
	char want[1100];
	snprintf(want, sizeof want, "%s/lat\xe9in.txt", p);
	ck_assert_str_eq(in.items[2].path, want);
	dlg_discover__dispose(&in);
	/* a file named on the command line too */
	snprintf(want, sizeof want, "%s/lat\xe9in.txt", p);
	const char *file[] = { want };
	ck_assert_int_eq(dlg_discover__inputs(&in, file, 1, &o, NULL), DLG_OK);
	ck_assert_str_eq(in.items[0].source, "lat\\xe9in.txt");
	dlg_discover__dispose(&in);
	rm_rf(root);
	free(root);
}
END_TEST

typedef struct findings {
	int codes[8];
	dlg_severity sev[8];
	char source[8][64];
	uint64_t line[8];
	uint32_t col[8];
	size_t n;
} findings;

static void collect(const dlg_diag *d, void *payload)
{
	findings *f = payload;
	if (f->n == 8)
		return;
	f->codes[f->n] = d->code;
	f->sev[f->n] = d->severity;
	snprintf(f->source[f->n], sizeof f->source[0], "%s", d->source);
	f->line[f->n] = d->line;
	f->col[f->n] = d->col;
	f->n++;
}

START_TEST(test_discover_w315_findings_and_the_run_goes_on)
{
	char *root = make_temp_dir();
	mkdirf("%s/corpus", root);
	char p[1024];
	snprintf(p, sizeof p, "%s/corpus", root);
	const char *t = "### Human: hi\n### Assistant: hello\n";
	write_file(p, "a.txt", t, strlen(t));
	linkf("nowhere", "%s/corpus/gone.txt", root);
	const char *args[] = { p };
	for (int strict = 0; strict <= 1; strict++) {
		dlg_options o = DLG_OPTIONS_INIT;
		o.strict = strict;
		findings f = { .n = 0 };
		dlg_summary s;
		ck_assert_int_eq(dlg_run(&s, args, 1, &o, collect, &f, NULL), DLG_OK);
		ck_assert_uint_eq(f.n, 1);
		ck_assert_int_eq(f.codes[0], DLG_DIAG_UNREADABLE_ENTRY_SKIPPED);
		ck_assert_int_eq(f.sev[0], strict ? DLG_SEV_ERROR : DLG_SEV_WARNING);
		ck_assert_str_eq(below(root, f.source[0]), "corpus/gone.txt");
		ck_assert_uint_eq(f.line[0], 1);
		ck_assert_uint_eq(f.col[0], 1);
		ck_assert_uint_eq(s.errors, (uint64_t)strict);
		ck_assert_uint_eq(s.warnings, (uint64_t)!strict);
		ck_assert_uint_eq(s.written, 1);
	}
	ck_assert_str_eq(dlg_diag_id(DLG_DIAG_UNREADABLE_ENTRY_SKIPPED), "W315");
	ck_assert_str_eq(dlg_diag_slug(DLG_DIAG_UNREADABLE_ENTRY_SKIPPED),
			 "unreadable-entry-skipped");
	rm_rf(root);
	free(root);
}
END_TEST

START_TEST(test_discover_out_of_memory_anywhere)
{
	char *root = tree();
	linkf("nowhere", "%s/corpus/gone.txt", root);
	filef("%s/corpus", root, "lat\xe9in.txt");
	long n;
	for (n = 1; n < 10000; n++) {
		failing_alloc fa;
		failing_alloc_init(&fa, n);
		dlg_options o = DLG_OPTIONS_INIT;
		o.allocator = &fa.a;
		char arg[1024];
		snprintf(arg, sizeof arg, "%s/corpus", root);
		const char *args[] = { arg };
		dlg_inputs in;
		dlg_status st = dlg_discover__inputs(&in, args, 1, &o, NULL);
		if (st == DLG_OK) {
			ck_assert_uint_eq(in.count, 6);
			ck_assert_uint_eq(n_skipped(&in), 1);
		}
		dlg_discover__dispose(&in);
		ck_assert_int_eq(fa.live, 0);
		if (st == DLG_OK)
			break;
		ck_assert_msg(st == DLG_E_NOMEM, "allocation %ld: status %d", n, st);
	}
	ck_assert_int_gt(n, 5);
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
	tcase_add_test(tc, test_discover_symlink_maze_visits_each_directory_once);
	tcase_add_test(tc, test_discover_directory_reached_twice_keeps_first_source_in_order);
	tcase_add_test(tc, test_discover_unreadable_entries_are_skipped_with_w315);
	tcase_add_test(tc, test_discover_exclude_prunes_directories_before_stat);
	tcase_add_test(tc, test_discover_cancel_before_the_walk);
	tcase_add_test(tc, test_discover_escape_convention);
	tcase_add_test(tc, test_discover_sources_are_valid_utf8);
	tcase_add_test(tc, test_discover_w315_findings_and_the_run_goes_on);
	tcase_add_test(tc, test_discover_out_of_memory_anywhere);
	suite_add_tcase(s, tc);
	return s;
}
