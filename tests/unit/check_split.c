#include "helpers.h"
#include "lib/split.h"

#include <stdio.h>
#include <string.h>

static void ctx_with_splits(dlg_ctx *ctx, dlg_options *o, const dlg_split *s, size_t n,
			    uint64_t seed)
{
	*o = (dlg_options)DLG_OPTIONS_INIT;
	o->splits = s;
	o->n_splits = n;
	o->seed = seed;
	ck_assert_int_eq(dlg_ctx__init(ctx, o, NULL), DLG_OK);
}

START_TEST(test_split_id_is_content_hash)
{
	uint8_t a[16], b[16];
	char ha[33], hb[33];
	dlg_split__id(a, ha, "hello", 5);
	dlg_split__id(b, hb, "hello", 5);
	ck_assert_str_eq(ha, hb);
	ck_assert_uint_eq(strlen(ha), 32);
	dlg_split__id(b, hb, "hellp", 5);
	ck_assert_str_ne(ha, hb);
}
END_TEST

START_TEST(test_split_sizes_follow_weights)
{
	static const dlg_split s[] = { { "train", 0.8 }, { "dev", 0.1 }, { "test", 0.1 } };
	dlg_options o;
	dlg_ctx ctx;
	ctx_with_splits(&ctx, &o, s, 3, 7);
	size_t counts[3] = { 0 };
	const size_t n = 20000;
	for (size_t i = 0; i < n; i++) {
		char key[32];
		int len = snprintf(key, sizeof key, "conversation-%zu", i);
		counts[dlg_split__assign(&ctx, key, (size_t)len)]++;
	}
	/* within 1.5 percentage points of the weights */
	ck_assert_uint_gt(counts[0], n * 785 / 1000);
	ck_assert_uint_lt(counts[0], n * 815 / 1000);
	ck_assert_uint_gt(counts[1], n * 85 / 1000);
	ck_assert_uint_lt(counts[1], n * 115 / 1000);
	dlg_ctx__dispose(&ctx);
}
END_TEST

START_TEST(test_split_depends_on_seed_and_key_only)
{
	static const dlg_split s[] = { { "a", 1 }, { "b", 1 } };
	dlg_options o1, o2, o3;
	dlg_ctx c1, c2, c3;
	ctx_with_splits(&c1, &o1, s, 2, 1);
	ctx_with_splits(&c2, &o2, s, 2, 1);
	ctx_with_splits(&c3, &o3, s, 2, 2);
	size_t moved = 0;
	for (int i = 0; i < 1000; i++) {
		char key[16];
		int len = snprintf(key, sizeof key, "k%d", i);
		size_t x = dlg_split__assign(&c1, key, (size_t)len);
		ck_assert_uint_eq(x, dlg_split__assign(&c2, key, (size_t)len));
		moved += x != dlg_split__assign(&c3, key, (size_t)len);
	}
	ck_assert_uint_gt(moved, 300); /* another seed reshuffles about half */
	ck_assert_uint_lt(moved, 700);
	dlg_ctx__dispose(&c1);
	dlg_ctx__dispose(&c2);
	dlg_ctx__dispose(&c3);
}
END_TEST

START_TEST(test_split_bad_specs_are_refused)
{
	static const dlg_split dup[] = { { "a", 1 }, { "a", 1 } };
	static const dlg_split zero[] = { { "a", 0 } };
	static const dlg_split path[] = { { "../x", 1 } };
	static const dlg_split reserved[] = { { "manifest", 1 } };
	const dlg_split *bad[] = { dup, zero, path, reserved };
	size_t n[] = { 2, 1, 1, 1 };
	for (size_t i = 0; i < 4; i++) {
		dlg_options o = DLG_OPTIONS_INIT;
		o.splits = bad[i];
		o.n_splits = n[i];
		dlg_ctx ctx;
		dlg_error err;
		ck_assert_int_eq(dlg_ctx__init(&ctx, &o, &err), DLG_E_ARG);
	}
}
END_TEST

START_TEST(test_split_idset_finds_what_it_holds)
{
	dlg_idset s;
	dlg_split__idset_init(&s, NULL);
	bool found;
	uint8_t id[16];
	for (uint32_t i = 0; i < 5000; i++) {
		char hex[33];
		dlg_split__id(id, hex, (const char *)&i, sizeof i);
		ck_assert_int_eq(dlg_split__idset_insert(&found, &s, id, NULL), DLG_OK);
		ck_assert(!found);
	}
	for (uint32_t i = 0; i < 5000; i += 7) {
		char hex[33];
		dlg_split__id(id, hex, (const char *)&i, sizeof i);
		ck_assert_int_eq(dlg_split__idset_insert(&found, &s, id, NULL), DLG_OK);
		ck_assert(found);
	}
	ck_assert_uint_eq(s.count, 5000);
	uint8_t zero[16] = { 0 };
	ck_assert_int_eq(dlg_split__idset_insert(&found, &s, zero, NULL), DLG_OK);
	ck_assert(!found);
	ck_assert_int_eq(dlg_split__idset_insert(&found, &s, zero, NULL), DLG_OK);
	ck_assert(found);
	dlg_split__idset_dispose(&s);
}
END_TEST

/* A shard is XXH3-64 of the id's bytes with a fixed seed, mod N (docs/map-reduce.md): pinned,
 * since datasets written before and after a change must name the same records' files. */
START_TEST(test_split_shard_is_frozen_and_even)
{
	uint8_t id[16];
	char hex[33];
	dlg_split__id(id, hex, "hello", 5);
	ck_assert_uint_eq(dlg_split__shard(id, 3), 0);
	ck_assert_uint_eq(dlg_split__shard(id, 1000), 416);
	ck_assert_uint_eq(dlg_split__shard(id, 1024), 264);
	ck_assert_uint_eq(dlg_split__shard(id, 1), 0);
	unsigned count[3] = { 0 };
	for (uint32_t i = 0; i < 3000; i++) {
		dlg_split__id(id, hex, (const char *)&i, sizeof i);
		count[dlg_split__shard(id, 3)]++;
	}
	for (int k = 0; k < 3; k++)
		ck_assert(count[k] > 900 && count[k] < 1100);
}
END_TEST

Suite *split_suite(void)
{
	Suite *s = suite_create("split");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_split_id_is_content_hash);
	tcase_add_test(tc, test_split_sizes_follow_weights);
	tcase_add_test(tc, test_split_depends_on_seed_and_key_only);
	tcase_add_test(tc, test_split_bad_specs_are_refused);
	tcase_add_test(tc, test_split_idset_finds_what_it_holds);
	tcase_add_test(tc, test_split_shard_is_frozen_and_even);
	suite_add_tcase(s, tc);
	return s;
}
