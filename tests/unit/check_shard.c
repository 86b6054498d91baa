#define _GNU_SOURCE
#include "helpers.h"
#include "lib/workdir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char one[] = "### Human: one\n### Assistant: a\n";
static const char two[] = "### Human: two\n### Assistant: b\n";
static const char bad[] = "### Assistant: first\n### Human: q\n";

/* Four files, the fourth a copy of the first: with two parts, a duplicate across parts. */
static char *corpus(char *in, size_t cap)
{
	char *root = make_temp_dir();
	snprintf(in, cap, "%s/corpus", root);
	ck_assert_int_eq(mkdir(in, 0777), 0);
	write_file(in, "1.txt", one, strlen(one));
	write_file(in, "2.txt", two, strlen(two));
	write_file(in, "3.txt", bad, strlen(bad));
	write_file(in, "4.txt", one, strlen(one));
	return root;
}

static dlg_options two_shards(void)
{
	dlg_options o = DLG_OPTIONS_INIT;
	o.shards = 2;
	o.threads = 1; /* the failing allocator counts without a lock */
	o.near_dup = DLG_NEAR_DUP_OFF; /* the steps take no other */
	return o;
}

static void map_both(const char *in, const char *work)
{
	for (unsigned k = 0; k < 2; k++) {
		dlg_options o = two_shards();
		const char *args[] = { in };
		dlg_summary s;
		dlg_error err;
		ck_assert_int_eq(dlg_map(&s, args, 1, k, 2, work, &o, NULL, NULL, &err), DLG_OK);
	}
}

/* Fail the 1st, 2nd, ... allocation of reduce, then of finalize: each ends in a clean
 * DLG_E_NOMEM, frees all it took and leaves no shard or dataset behind. */
START_TEST(test_shard_allocation_failure_sweep)
{
	char in[1024], work[1100], shard[1200], out[1100];
	char *root = corpus(in, sizeof in);
	snprintf(work, sizeof work, "%s/work", root);
	snprintf(shard, sizeof shard, "%s/shard-00001-of-00002", work);
	snprintf(out, sizeof out, "%s/out", root);
	map_both(in, work);
	for (int step = 0; step < 2; step++) {
		long n;
		for (n = 1; n < 100000; n++) {
			failing_alloc fa;
			failing_alloc_init(&fa, n);
			dlg_options o = two_shards();
			o.allocator = &fa.a;
			o.output_dir = out;
			dlg_summary s;
			dlg_error err;
			dlg_status st = step == 0 ? dlg_reduce(work, 1, &o, &err) :
						    dlg_finalize(&s, work, &o, &err);
			ck_assert_int_eq(fa.live, 0);
			if (st == DLG_OK)
				break;
			ck_assert_msg(st == DLG_E_NOMEM, "step %d, allocation %ld: %s", step, n,
				      err.msg);
			ck_assert(access(step == 0 ? shard : out, F_OK) != 0);
		}
		ck_assert_int_gt(n, 3);
		if (step == 0) { /* finalize needs the other shard too */
			dlg_options o = two_shards();
			dlg_error err;
			ck_assert_int_eq(dlg_reduce(work, 0, &o, &err), DLG_OK);
		}
	}
	dlg_options o = two_shards();
	o.output_dir = out;
	o.force = 1;
	dlg_summary s;
	dlg_error err;
	ck_assert_int_eq(dlg_finalize(&s, work, &o, &err), DLG_OK);
	/* the copy of 1.txt in part 1 is a duplicate of part 0's */
	ck_assert_uint_eq(s.inputs, 4);
	ck_assert_uint_eq(s.written, 2);
	ck_assert_uint_eq(s.duplicates, 1);
	ck_assert_uint_eq(s.rejected, 1);
	rm_rf(root);
	free(root);
}
END_TEST

START_TEST(test_shard_refuses_bad_arguments)
{
	dlg_options o = two_shards();
	dlg_summary s;
	dlg_error err;
	const char *args[] = { "x" };
	ck_assert_int_eq(dlg_map(&s, args, 1, 2, 2, "w", &o, NULL, NULL, &err), DLG_E_ARG);
	ck_assert_int_eq(dlg_map(&s, args, 1, 0, 0, "w", &o, NULL, NULL, &err), DLG_E_ARG);
	ck_assert_int_eq(dlg_map(&s, args, 1, 0, 1, NULL, &o, NULL, NULL, &err), DLG_E_ARG);
	ck_assert_int_eq(dlg_reduce("w", 2, &o, &err), DLG_E_ARG);
	ck_assert_int_eq(dlg_finalize(&s, "w", &o, &err), DLG_E_ARG); /* no output_dir */
	/* the band and cluster steps are near-dup group's and drop's */
	o.near_dup = DLG_NEAR_DUP_OFF;
	ck_assert_int_eq(dlg_bands("w", 0, 1, &o, &err), DLG_E_ARG);
	ck_assert_ptr_nonnull(strstr(err.msg, "option near-dup is off"));
	ck_assert_int_eq(dlg_cluster(&s, "w", &o, &err), DLG_E_ARG);
	o.near_dup = DLG_NEAR_DUP_DROP;
	ck_assert_int_eq(dlg_bands("w", 1, 1, &o, &err), DLG_E_ARG);
	ck_assert_int_eq(dlg_bands("w", 0, DLG_MAX_BANDS + 1, &o, &err), DLG_E_ARG);
	o.near_dup = DLG_NEAR_DUP_OFF;
	o.bare = 1;
	ck_assert_int_eq(dlg_reduce("w", 0, &o, &err), DLG_E_ARG);
}

/* A file a part's manifest lists is found by name, and one it does not list is not, without
 * a look past the last entry (a buffer holding exactly the entries: the sanitizer build sees
 * a look past it). */
START_TEST(test_shard_listed_files)
{
	dlg_manifest_read m;
	memset(&m, 0, sizeof m);
	dlg_buf__init(&m.files, NULL, 2 * sizeof(dlg_listed_file));
	dlg_listed_file a = { "train.jsonl.gz", 10, 1, "" }, b = { "test.jsonl.gz", 20, 2, "" };
	ck_assert_int_eq(dlg_buf__append(&m.files, &a, sizeof a, NULL), DLG_OK);
	ck_assert_int_eq(dlg_buf__append(&m.files, &b, sizeof b, NULL), DLG_OK);
	ck_assert_uint_eq(m.files.cap, m.files.len);
	ck_assert_uint_eq(dlg_workdir__listed(&m, "test.jsonl.gz")->records, 2);
	ck_assert_uint_eq(dlg_workdir__listed(&m, "train.jsonl.gz")->size, 10);
	ck_assert_ptr_null(dlg_workdir__listed(&m, "validation.jsonl.gz"));
	dlg_buf__dispose(&m.files);
}
END_TEST
END_TEST

Suite *shard_suite(void)
{
	Suite *s = suite_create("shard");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_shard_allocation_failure_sweep);
	tcase_add_test(tc, test_shard_refuses_bad_arguments);
	tcase_add_test(tc, test_shard_listed_files);
	suite_add_tcase(s, tc);
	return s;
}
