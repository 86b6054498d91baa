#define _GNU_SOURCE
#include "helpers.h"
#include "lib/commit.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ROOT/ then 15 names of 200 bytes (each well under NAME_MAX), then /out: over 3,000 bytes,
 * as deep as scratch space on a cluster can be. */
static char *deep_path(const char *root)
{
	size_t cap = strlen(root) + 15 * 201 + sizeof "/out";
	char *path = malloc(cap);
	size_t len = (size_t)snprintf(path, cap, "%s", root);
	for (int i = 0; i < 15; i++) {
		path[len++] = '/';
		len += (size_t)snprintf(path + len, cap - len, "%02d", i);
		memset(path + len, 'd', 198);
		len += 198;
	}
	snprintf(path + len, cap - len, "/out");
	ck_assert_uint_gt(strlen(path), 3000);
	ck_assert_uint_lt(strlen(path), PATH_MAX - 100);
	return path;
}

static dlg_status convert(const char *input, const char *out, dlg_options *o)
{
	o->output_dir = out;
	const char *args[] = { input };
	dlg_summary s;
	dlg_error err;
	dlg_status st = dlg_run(&s, args, 1, o, NULL, NULL, &err);
	ck_assert_msg(st == DLG_OK, "%s", err.msg);
	return st;
}

/* Each file of DIR `a` is in `b` with the same bytes; b has no others. */
static void same_files(const char *a, const char *b)
{
	ck_assert_uint_eq(count_entries(a), count_entries(b));
	const char *names[] = { "README.md", "manifest.json", "rejects.jsonl", "train.jsonl.gz" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char *pa, *pb;
		ck_assert_int_gt(asprintf(&pa, "%s/%s", a, names[i]), 0);
		ck_assert_int_gt(asprintf(&pb, "%s/%s", b, names[i]), 0);
		size_t la, lb;
		char *da = read_file(pa, &la), *db = read_file(pb, &lb);
		ck_assert_msg(la == lb && memcmp(da, db, la) == 0, "%s differs", names[i]);
		free(da);
		free(db);
		free(pa);
		free(pb);
	}
}

/*
 * The library writes a dataset to an output path of over 3,000 bytes, under parents it makes,
 * with the bytes it writes to a short one, and replaces it (force). commit.c held its paths in
 * 300-byte buffers: a DIR under a parent of about 275 bytes was refused.
 */
START_TEST(test_commit_deep_output_dir)
{
	char *root = make_temp_dir();
	const char *t = "### Human: hi\n### Assistant: hello\n";
	write_file(root, "t.txt", t, strlen(t));
	char in[1024], shallow[1024];
	snprintf(in, sizeof in, "%s/t.txt", root);
	snprintf(shallow, sizeof shallow, "%s/short", root);
	char *deep = deep_path(root);
	failing_alloc fa;
	failing_alloc_init(&fa, 0);
	dlg_options o = DLG_OPTIONS_INIT;
	o.allocator = &fa.a;
	o.threads = 1; /* the counting allocator has no lock */
	o.splits = (const dlg_split[]){ { "train", 1 } };
	o.n_splits = 1;
	ck_assert_int_eq(convert(in, shallow, &o), DLG_OK);
	ck_assert_int_eq(convert(in, deep, &o), DLG_OK);
	same_files(shallow, deep);
	o.force = 1;
	ck_assert_int_eq(convert(in, deep, &o), DLG_OK);
	same_files(shallow, deep);
	ck_assert_int_eq(fa.live, 0);
	rm_rf(root);
	free(root);
	free(deep);
}
END_TEST

/*
 * Fail the 1st, 2nd, ... allocation of taking a DIR given as "NEW/PARENTS/." (realpath()'s
 * buffer is among them, from the hooks now): each time a clean DLG_E_NOMEM, nothing left
 * allocated, and the parents it made taken away again, until it succeeds. There are two:
 * the paths' buffer, before anything is made, and the staging directory's name, once the
 * lock is held.
 */
START_TEST(test_commit_allocation_failure_sweep)
{
	char *root = make_temp_dir();
	char dir[1024];
	snprintf(dir, sizeof dir, "%s/new/parents/.", root);
	long n;
	for (n = 1; n < 1000; n++) {
		failing_alloc fa;
		failing_alloc_init(&fa, n);
		dlg_options o = DLG_OPTIONS_INIT;
		o.allocator = &fa.a;
		o.output_dir = dir;
		dlg_commit c;
		dlg_error err;
		dlg_status st = dlg_commit__begin(&c, &o, &err);
		ck_assert(st == DLG_OK || st == DLG_E_NOMEM);
		ck_assert(st == DLG_OK || c.stage == NULL);
		dlg_commit__end(&c);
		ck_assert_int_eq(fa.live, 0);
		ck_assert_msg(count_entries(root) == 0, "allocation %ld: %zu entries left", n,
			      count_entries(root));
		if (st == DLG_OK)
			break;
	}
	ck_assert_int_eq(n, 3);
	rm_rf(root);
	free(root);
}
END_TEST

static bool exists(const char *dir, const char *name)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	struct stat st;
	return lstat(path, &st) == 0;
}

/*
 * "out" and "out.dlgconv-new-x" are two output directories, and ".out.dlgconv-new-" begins
 * the names of the first's staging directories and of the second's lock file and staging
 * directory. A run into "out" cleaned every name beginning so as a dead run's leftover: it
 * removed the lock file and staging directory of a live run into the other DIR.
 */
START_TEST(test_commit_leftovers_are_this_dirs_only)
{
	char *root = make_temp_dir();
	char other_dir[1024], out_dir[1024];
	snprintf(other_dir, sizeof other_dir, "%s/out.dlgconv-new-x", root);
	snprintf(out_dir, sizeof out_dir, "%s/out", root);
	dlg_options o = DLG_OPTIONS_INIT;
	o.output_dir = other_dir;
	dlg_commit other, out;
	dlg_error err;
	ck_assert_int_eq(dlg_commit__begin(&other, &o, &err), DLG_OK);
	o.output_dir = out_dir;
	ck_assert_int_eq(dlg_commit__begin(&out, &o, &err), DLG_OK);
	ck_assert_msg(exists(root, other.stage_name), "the other run's staging directory is gone");
	ck_assert_msg(exists(root, ".out.dlgconv-new-x.dlgconv-lock"),
		      "the other run's lock file is gone");
	dlg_commit__end(&out);
	dlg_commit__end(&other);
	rm_rf(root);
	free(root);
}
END_TEST

/*
 * DIR given as a symbolic link is the directory it names: its parent and name, so the lock
 * and the staging directory are beside that directory, and a run through the other name
 * finds the lock held. Each name had a lock of its own, and the swap replaced the link.
 */
START_TEST(test_commit_symlink_is_its_target)
{
	char *root = make_temp_dir();
	char real[1024], link[1024];
	snprintf(real, sizeof real, "%s/real", root);
	snprintf(link, sizeof link, "%s/link", root);
	ck_assert_int_eq(mkdir(real, 0777), 0);
	ck_assert_int_eq(symlink("real", link), 0);
	dlg_options o = DLG_OPTIONS_INIT;
	o.output_dir = link;
	dlg_commit a, b;
	dlg_error err;
	ck_assert_int_eq(dlg_commit__begin(&a, &o, &err), DLG_OK);
	ck_assert_str_eq(a.name, "real");
	ck_assert_msg(exists(root, ".real.dlgconv-lock") && !exists(root, ".link.dlgconv-lock"),
		      "the lock is not the real directory's");
	o.output_dir = real;
	ck_assert_int_eq(dlg_commit__begin(&b, &o, &err), DLG_E_LOCKED);
	dlg_commit__end(&b);
	ck_assert_int_eq(dlg_commit__finish(&a, NULL, 0, NULL, 0, &err), DLG_OK);
	dlg_commit__end(&a);
	struct stat st;
	ck_assert_int_eq(lstat(link, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	rm_rf(root);
	free(root);
}
END_TEST

/* A DIR named as this protocol names its own files beside one would be taken for another
 * DIR's lock file or leftover, and removed as one: refused. */
START_TEST(test_commit_protocol_names_refused)
{
	char *root = make_temp_dir();
	const char *names[] = { ".out.dlgconv-lock", ".out.dlgconv-new-AbC123",
				".out.dlgconv-old-XyZ789/" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char dir[1024];
		snprintf(dir, sizeof dir, "%s/%s", root, names[i]);
		dlg_options o = DLG_OPTIONS_INIT;
		o.output_dir = dir;
		dlg_commit c;
		dlg_error err;
		ck_assert_int_eq(dlg_commit__begin(&c, &o, &err), DLG_E_ARG);
		dlg_commit__end(&c);
	}
	const char *fine[] = { "out.dlgconv-new-AbC123", ".out.dlgconv-new-AbC1234" };
	for (size_t i = 0; i < sizeof fine / sizeof fine[0]; i++) {
		char dir[1024];
		snprintf(dir, sizeof dir, "%s/%s", root, fine[i]);
		dlg_options o = DLG_OPTIONS_INIT;
		o.output_dir = dir;
		dlg_commit c;
		dlg_error err;
		ck_assert_int_eq(dlg_commit__begin(&c, &o, &err), DLG_OK);
		dlg_commit__end(&c);
	}
	rm_rf(root);
	free(root);
}
END_TEST

Suite *commit_suite(void)
{
	Suite *s = suite_create("commit");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_commit_deep_output_dir);
	tcase_add_test(tc, test_commit_allocation_failure_sweep);
	tcase_add_test(tc, test_commit_leftovers_are_this_dirs_only);
	tcase_add_test(tc, test_commit_symlink_is_its_target);
	tcase_add_test(tc, test_commit_protocol_names_refused);
	suite_add_tcase(s, tc);
	return s;
}
