#define _GNU_SOURCE
#include "helpers.h"
#include "lib/buf.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

static const char good1[] = "### Human: one\n### Assistant: a\n";
static const char good2[] = "### Human: two\n### Assistant: b\n";
static const char dup_of_1[] = "Preamble.\n### Human: one\r\n### Assistant:  a\n";
static const char bad[] = "### Assistant: first\n### Human: q\n";

/* A corpus folder with 2 good, 1 duplicate and 1 rejected conversation. */
static char *corpus(char **dir_out)
{
	char *root = make_temp_dir();
	char dir[1024];
	snprintf(dir, sizeof dir, "%s/corpus", root);
	ck_assert_int_eq(mkdir(dir, 0777), 0);
	write_file(dir, "1.txt", good1, strlen(good1));
	write_file(dir, "2.txt", good2, strlen(good2));
	write_file(dir, "3.txt", dup_of_1, strlen(dup_of_1));
	write_file(dir, "4.txt", bad, strlen(bad));
	*dir_out = strdup(dir);
	return root;
}

static dlg_status convert(dlg_summary *s, const char *input, const char *out,
			  dlg_options *o)
{
	o->output_dir = out;
	const char *args[] = { input };
	dlg_error err;
	return dlg_run(s, args, 1, o, NULL, NULL, &err);
}

/* What a run leaves in DIR: a file per split that has records, rejects.jsonl, the card and
 * the manifest (no empty split file: consumers refuse them). */
static size_t dataset_files(const dlg_summary *s)
{
	size_t n = 3;
	for (size_t i = 0; i < DLG_MAX_SPLITS; i++)
		n += s->split_written[i] > 0;
	return n;
}

START_TEST(test_pipeline_accounts_for_every_conversation)
{
	char *in, *root = corpus(&in);
	char out[1024];
	snprintf(out, sizeof out, "%s/out", root);
	dlg_options o = DLG_OPTIONS_INIT;
	dlg_summary s;
	ck_assert_int_eq(convert(&s, in, out, &o), DLG_OK);
	ck_assert_uint_eq(s.files, 4);
	ck_assert_uint_eq(s.inputs, 4);
	ck_assert_uint_eq(s.written, 2);
	ck_assert_uint_eq(s.rejected, 1);
	ck_assert_uint_eq(s.duplicates, 1);
	ck_assert_uint_eq(s.split_written[0] + s.split_written[1] + s.split_written[2], 2);
	ck_assert_uint_eq(count_entries(out), dataset_files(&s));

	char path[1100];
	snprintf(path, sizeof path, "%s/rejects.jsonl", out);
	char *rejects = read_file(path, NULL);
	ck_assert_ptr_nonnull(strstr(rejects, "\"source\":\"corpus/3.txt\",\"codes\":[\"W307\"]"));
	ck_assert_ptr_nonnull(strstr(rejects, "\"source\":\"corpus/4.txt\",\"codes\":[\"E202\""));
	free(rejects);

	snprintf(path, sizeof path, "%s/manifest.json", out);
	char *text = read_file(path, NULL);
	cJSON *m = cJSON_Parse(text);
	ck_assert_ptr_nonnull(m);
	cJSON *counts = cJSON_GetObjectItem(m, "counts");
	ck_assert_int_eq(cJSON_GetObjectItem(counts, "inputs")->valueint, 4);
	ck_assert_int_eq(cJSON_GetObjectItem(counts, "written")->valueint, 2);
	ck_assert_int_eq(cJSON_GetObjectItem(counts, "duplicates")->valueint, 1);
	cJSON *per_code = cJSON_GetObjectItem(counts, "rejected_per_code");
	ck_assert_int_eq(cJSON_GetObjectItem(per_code, "E202")->valueint, 1);
	cJSON *files = cJSON_GetObjectItem(m, "files");
	ck_assert_int_eq(cJSON_GetArraySize(files), (int)dataset_files(&s) - 1); /* not itself */
	ck_assert_ptr_nonnull(cJSON_GetObjectItem(files, "README.md"));
	cJSON *rej = cJSON_GetObjectItem(files, "rejects.jsonl");
	ck_assert_int_eq(cJSON_GetObjectItem(rej, "records")->valueint, 2);
	cJSON_Delete(m);
	free(text);
	rm_rf(root);
	free(root);
	free(in);
}
END_TEST

START_TEST(test_pipeline_is_byte_reproducible)
{
	char *in, *root = corpus(&in);
	char out1[1024], out2[1024];
	snprintf(out1, sizeof out1, "%s/o1", root);
	snprintf(out2, sizeof out2, "%s/o2", root);
	dlg_options o = DLG_OPTIONS_INIT;
	dlg_summary s;
	ck_assert_int_eq(convert(&s, in, out1, &o), DLG_OK);
	ck_assert_int_eq(convert(&s, in, out2, &o), DLG_OK);
	const char *names[] = { "train.jsonl.gz", "validation.jsonl.gz", "test.jsonl.gz",
				"rejects.jsonl", "README.md", "manifest.json" };
	ck_assert_uint_eq(count_entries(out1), count_entries(out2));
	for (size_t i = 0; i < 6; i++) {
		char p1[1100], p2[1100];
		snprintf(p1, sizeof p1, "%s/%s", out1, names[i]);
		snprintf(p2, sizeof p2, "%s/%s", out2, names[i]);
		ck_assert_int_eq(access(p1, F_OK), access(p2, F_OK));
		if (access(p1, F_OK) != 0)
			continue; /* a split with no records has no file */
		size_t l1, l2;
		char *a = read_file(p1, &l1), *b = read_file(p2, &l2);
		ck_assert_uint_eq(l1, l2);
		ck_assert_msg(memcmp(a, b, l1) == 0, "%s differs", names[i]);
		free(a);
		free(b);
	}
	rm_rf(root);
	free(root);
	free(in);
}
END_TEST

START_TEST(test_pipeline_refuses_non_empty_dir_and_force_keeps_foreign_files)
{
	char *in, *root = corpus(&in);
	char out[1024];
	snprintf(out, sizeof out, "%s/out", root);
	ck_assert_int_eq(mkdir(out, 0777), 0);
	write_file(out, "notes.txt", "mine", 4);
	dlg_options o = DLG_OPTIONS_INIT;
	dlg_summary s;
	ck_assert_int_eq(convert(&s, in, out, &o), DLG_E_EXISTS);
	ck_assert_uint_eq(count_entries(out), 1);
	o.force = 1;
	ck_assert_int_eq(convert(&s, in, out, &o), DLG_OK);
	ck_assert_uint_eq(count_entries(out), 1 + dataset_files(&s));
	char path[1100];
	snprintf(path, sizeof path, "%s/notes.txt", out);
	char *notes = read_file(path, NULL);
	ck_assert_str_eq(notes, "mine");
	free(notes);
	rm_rf(root);
	free(root);
	free(in);
}
END_TEST

START_TEST(test_pipeline_max_rejects_writes_nothing)
{
	char *in, *root = corpus(&in);
	char out[1024];
	snprintf(out, sizeof out, "%s/out", root);
	dlg_options o = DLG_OPTIONS_INIT;
	dlg_summary s;
	ck_assert_int_eq(convert(&s, in, out, &o), DLG_OK);
	size_t files = dataset_files(&s);
	char path[1100];
	snprintf(path, sizeof path, "%s/manifest.json", out);
	size_t before_len;
	char *before = read_file(path, &before_len);
	o.force = 1;
	/* in a zeroed struct 0 is the default (no limit); a versioned one means what it says */
	ck_assert_int_eq(dlg_options_init(&o, DLG_OPTIONS_VERSION), DLG_OK);
	o.force = 1;
	o.max_rejects = 0;
	o.seed = 99; /* would change the output */
	ck_assert_int_eq(convert(&s, in, out, &o), DLG_E_REJECTS);
	ck_assert_uint_eq(s.rejected, 1);
	ck_assert_uint_eq(count_entries(out), files); /* no temporary files left */
	size_t after_len;
	char *after = read_file(path, &after_len);
	ck_assert_uint_eq(before_len, after_len);
	ck_assert_int_eq(memcmp(before, after, before_len), 0);
	free(before);
	free(after);
	rm_rf(root);
	free(root);
	free(in);
}
END_TEST

START_TEST(test_pipeline_validate_writes_nothing)
{
	char *in, *root = corpus(&in);
	dlg_options o = DLG_OPTIONS_INIT;
	dlg_summary s;
	const char *args[] = { in };
	ck_assert_int_eq(dlg_run(&s, args, 1, &o, NULL, NULL, NULL), DLG_OK);
	ck_assert_uint_eq(s.inputs, 4);
	ck_assert_uint_eq(s.rejected, 1);
	ck_assert_uint_eq(s.duplicates, 1);
	ck_assert_uint_eq(s.errors, 2); /* E202 and E206 */
	ck_assert_uint_eq(count_entries(root), 1);
	rm_rf(root);
	free(root);
	free(in);
}
END_TEST

/* Fail the 1st, 2nd, ... allocation: each run ends in a clean DLG_E_NOMEM, frees all it
 * took, and leaves the output directory as it was; the sweep ends when a run succeeds. */
START_TEST(test_pipeline_allocation_failure_sweep)
{
	char *in, *root = corpus(&in);
	char out[1024];
	snprintf(out, sizeof out, "%s/out", root);
	ck_assert_int_eq(mkdir(out, 0777), 0);
	long n;
	for (n = 1; n < 100000; n++) {
		failing_alloc fa;
		failing_alloc_init(&fa, n);
		dlg_options o = DLG_OPTIONS_INIT;
		o.allocator = &fa.a;
		o.threads = 1; /* the failing allocator counts without a lock */
		o.force = 1;
		dlg_summary s;
		dlg_status st = convert(&s, in, out, &o);
		ck_assert_int_eq(fa.live, 0);
		if (st == DLG_OK)
			break;
		ck_assert_msg(st == DLG_E_NOMEM, "allocation %ld: status %d", n, st);
		ck_assert_uint_eq(count_entries(out), 0);
	}
	ck_assert_int_gt(n, 10);
	dlg_options again = DLG_OPTIONS_INIT;
	again.force = 1;
	dlg_summary s;
	ck_assert_int_eq(convert(&s, in, out, &again), DLG_OK);
	ck_assert_uint_eq(count_entries(out), dataset_files(&s));
	rm_rf(root);
	free(root);
	free(in);
}
END_TEST

/* A conversation rejected by 300 findings of one code counts once for that code (a
 * per-code counter of one byte wrapped at 256 and counted it twice). */
START_TEST(test_pipeline_counts_each_code_once_per_conversation)
{
	char *root = make_temp_dir();
	dlg_buf record;
	dlg_buf__init(&record, NULL, DLG_BUF_UNCAPPED);
	ck_assert_int_eq(dlg_buf__printf(&record, NULL, "{\"messages\":["), DLG_OK);
	for (int i = 0; i < 300; i++) /* no "content": E103 each */
		ck_assert_int_eq(dlg_buf__printf(&record, NULL, "%s{\"role\":\"user\"}",
						 i ? "," : ""), DLG_OK);
	ck_assert_int_eq(dlg_buf__printf(&record, NULL, "]}\n"), DLG_OK);
	write_file(root, "many.jsonl", record.data, record.len);
	dlg_buf__dispose(&record);
	char in[1024], out[1024], path[1100];
	snprintf(in, sizeof in, "%s/many.jsonl", root);
	snprintf(out, sizeof out, "%s/out", root);
	dlg_options o = DLG_OPTIONS_INIT;
	dlg_summary s;
	ck_assert_int_eq(convert(&s, in, out, &o), DLG_OK);
	ck_assert_uint_eq(s.rejected, 1);
	snprintf(path, sizeof path, "%s/manifest.json", out);
	char *text = read_file(path, NULL);
	cJSON *m = cJSON_Parse(text);
	cJSON *per_code = cJSON_GetObjectItem(cJSON_GetObjectItem(m, "counts"),
					      "rejected_per_code");
	ck_assert_int_eq(cJSON_GetObjectItem(per_code, "E103")->valueint, 1);
	cJSON_Delete(m);
	free(text);
	rm_rf(root);
	free(root);
}
END_TEST

/* The buffer an input is read into is capped at the input limit (plus slack): a stream far
 * longer than the limit still goes through chunk by chunk, and a file over it is refused. */
START_TEST(test_pipeline_read_buffers_follow_the_input_limit)
{
	char *root = make_temp_dir();
	dlg_buf lines;
	dlg_buf__init(&lines, NULL, DLG_BUF_UNCAPPED);
	for (int i = 0; i < 4000; i++) /* about 300 kB, each line under 100 bytes */
		ck_assert_int_eq(dlg_buf__printf(&lines, NULL, "{\"messages\":[{\"role\":\"user\","
						 "\"content\":\"q%d\"},{\"role\":\"assistant\","
						 "\"content\":\"a\"}]}\n", i), DLG_OK);
	write_file(root, "long.jsonl", lines.data, lines.len);
	char *big = malloc(300000);
	memcpy(big, "### Human: ", 11);
	memset(big + 11, 'w', 300000 - 11);
	write_file(root, "big.txt", big, 300000);
	free(big);
	char in[1024], out[1024];
	dlg_options o = DLG_OPTIONS_INIT;
	o.max_input_bytes = 4096;
	dlg_summary s;
	snprintf(in, sizeof in, "%s/long.jsonl", root);
	snprintf(out, sizeof out, "%s/out", root);
	ck_assert_int_eq(convert(&s, in, out, &o), DLG_OK);
	ck_assert_uint_eq(s.written, 4000);
	snprintf(in, sizeof in, "%s/big.txt", root);
	snprintf(out, sizeof out, "%s/out2", root);
	ck_assert_int_eq(convert(&s, in, out, &o), DLG_E_LIMIT);
	dlg_buf__dispose(&lines);
	rm_rf(root);
	free(root);
}
END_TEST

/* dlg_free() releases what dlg_convert_buffer() returns, whatever allocator the options
 * name (it used to free the caller's allocation with the C library's free). */
START_TEST(test_pipeline_convert_buffer_with_an_allocator)
{
	failing_alloc fa;
	failing_alloc_init(&fa, 0);
	dlg_options o = DLG_OPTIONS_INIT;
	o.allocator = &fa.a;
	const char *t = "### Human: hi\n### Assistant: hello\n";
	char *line = NULL;
	ck_assert_int_eq(dlg_convert_buffer(&line, t, strlen(t), "t.txt", &o, NULL, NULL, NULL),
			 DLG_OK);
	ck_assert_ptr_nonnull(strstr(line, "\"content\":\"hello\""));
	ck_assert_int_eq(line[strlen(line) - 1], '\n');
	dlg_free(line);
	ck_assert_int_gt(fa.calls, 0);
	ck_assert_int_eq(fa.live, 0);
}
END_TEST

START_TEST(test_pipeline_rejects_bad_arguments)
{
	dlg_options o = DLG_OPTIONS_INIT;
	dlg_summary s;
	dlg_error err;
	ck_assert_int_eq(dlg_run(&s, NULL, 0, &o, NULL, NULL, &err), DLG_E_ARG);
	const char *args[] = { "x" };
	o.split_key = DLG_SPLIT_KEY_GROUP;
	ck_assert_int_eq(dlg_run(&s, args, 1, &o, NULL, NULL, &err), DLG_E_ARG);
	o.group_regex = "([a-z";
	ck_assert_int_eq(dlg_run(&s, args, 1, &o, NULL, NULL, &err), DLG_E_ARG);
	ck_assert_ptr_nonnull(strstr(err.msg, "group-regex"));
}
END_TEST

Suite *pipeline_suite(void)
{
	Suite *s = suite_create("pipeline");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_pipeline_accounts_for_every_conversation);
	tcase_add_test(tc, test_pipeline_is_byte_reproducible);
	tcase_add_test(tc, test_pipeline_refuses_non_empty_dir_and_force_keeps_foreign_files);
	tcase_add_test(tc, test_pipeline_max_rejects_writes_nothing);
	tcase_add_test(tc, test_pipeline_validate_writes_nothing);
	tcase_add_test(tc, test_pipeline_allocation_failure_sweep);
	tcase_add_test(tc, test_pipeline_rejects_bad_arguments);
	tcase_add_test(tc, test_pipeline_convert_buffer_with_an_allocator);
	tcase_add_test(tc, test_pipeline_counts_each_code_once_per_conversation);
	tcase_add_test(tc, test_pipeline_read_buffers_follow_the_input_limit);
	suite_add_tcase(s, tc);
	return s;
}
