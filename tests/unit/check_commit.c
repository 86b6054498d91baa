#define _GNU_SOURCE
#include "helpers.h"
#include "lib/commit.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
 * allocated, and the parents it made taken away again, until it succeeds.
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
	ck_assert_int_gt(n, 3);
	ck_assert_int_lt(n, 1000);
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
	suite_add_tcase(s, tc);
	return s;
}
