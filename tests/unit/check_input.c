#define _GNU_SOURCE
#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* A gzip member of `data`, appended to `out`. */
static void gzip_member(dlg_buf *out, const char *data, size_t len)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	ck_assert_int_eq(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
			 Z_OK);
	size_t bound = deflateBound(&z, (uLong)len) + 32;
	ck_assert_int_eq(dlg_buf__reserve(out, bound, NULL), DLG_OK);
	z.next_in = (Bytef *)data;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)out->data + out->len;
	z.avail_out = (uInt)bound;
	ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
	out->len += bound - z.avail_out;
	deflateEnd(&z);
}

static char *file_of(dlg_buf *content, const char *name, char **dir_out)
{
	char *dir = make_temp_dir();
	write_file(dir, name, content->data, content->len);
	char *path = malloc(strlen(dir) + strlen(name) + 2);
	sprintf(path, "%s/%s", dir, name);
	*dir_out = dir;
	return path;
}

static dlg_status read_all(dlg_buf *out, const char *path, uint64_t limit, dlg_error *err)
{
	dlg_options o = DLG_OPTIONS_INIT;
	o.max_input_bytes = limit;
	dlg_reader rd;
	dlg_status st = dlg_input__open(&rd, path, &o, err);
	if (st == DLG_OK)
		st = dlg_input__read_all(&rd, out, err);
	dlg_input__close(&rd);
	return st;
}

START_TEST(test_input_gzip_members_concatenate)
{
	dlg_buf gz, out;
	dlg_buf__init(&gz, NULL, DLG_BUF_UNCAPPED);
	dlg_buf__init(&out, NULL, DLG_BUF_UNCAPPED);
	gzip_member(&gz, "first member\n", 13);
	gzip_member(&gz, "second\n", 7);
	char *dir, *path = file_of(&gz, "x.dat", &dir);
	ck_assert_int_eq(read_all(&out, path, 1 << 20, NULL), DLG_OK);
	ck_assert_uint_eq(out.len, 20);
	ck_assert_int_eq(memcmp(out.data, "first member\nsecond\n", 20), 0);
	/* cut the last member short: an error, not a silently shorter input */
	gz.len -= 5;
	write_file(dir, "cut.gz", gz.data, gz.len);
	char cut[1024];
	snprintf(cut, sizeof cut, "%s/cut.gz", dir);
	dlg_error err;
	ck_assert_int_eq(read_all(&out, cut, 1 << 20, &err), DLG_E_ZLIB);
	ck_assert_ptr_nonnull(strstr(err.msg, "cut.gz"));
	rm_rf(dir);
	free(dir);
	free(path);
	dlg_buf__dispose(&gz);
	dlg_buf__dispose(&out);
}
END_TEST

START_TEST(test_input_gzip_bomb_hits_the_limit)
{
	size_t big = 64 << 20;
	char *zeros = calloc(1, big);
	dlg_buf gz, out;
	dlg_buf__init(&gz, NULL, DLG_BUF_UNCAPPED);
	dlg_buf__init(&out, NULL, DLG_BUF_UNCAPPED);
	gzip_member(&gz, zeros, big);
	free(zeros);
	ck_assert_uint_lt(gz.len, 1 << 20);
	char *dir, *path = file_of(&gz, "bomb.txt.gz", &dir);
	dlg_error err;
	ck_assert_int_eq(read_all(&out, path, 1 << 20, &err), DLG_E_LIMIT);
	ck_assert_ptr_nonnull(strstr(err.msg, "decompressed"));
	/* it stopped at the limit instead of inflating everything */
	ck_assert_uint_le(out.cap, (2 << 20) + (1 << 16));
	rm_rf(dir);
	free(dir);
	free(path);
	dlg_buf__dispose(&gz);
	dlg_buf__dispose(&out);
}
END_TEST

START_TEST(test_input_lines_in_chunks)
{
	dlg_buf text, out, all;
	dlg_buf__init(&text, NULL, DLG_BUF_UNCAPPED);
	dlg_buf__init(&out, NULL, DLG_BUF_UNCAPPED);
	dlg_buf__init(&all, NULL, DLG_BUF_UNCAPPED);
	for (int i = 0; i < 1000; i++)
		ck_assert_int_eq(dlg_buf__printf(&text, NULL, "{\"n\":%d}\n", i), DLG_OK);
	ck_assert_int_eq(dlg_buf__append(&text, "{\"last\":1}", 10, NULL), DLG_OK);
	for (int compressed = 0; compressed < 2; compressed++) {
		dlg_buf content;
		dlg_buf__init(&content, NULL, DLG_BUF_UNCAPPED);
		if (compressed)
			gzip_member(&content, text.data, text.len);
		else
			ck_assert_int_eq(dlg_buf__append(&content, text.data, text.len, NULL), DLG_OK);
		char *dir, *path = file_of(&content, "r.jsonl", &dir);
		dlg_options o = DLG_OPTIONS_INIT;
		dlg_reader rd;
		ck_assert_int_eq(dlg_input__open(&rd, path, &o, NULL), DLG_OK);
		all.len = 0;
		int calls = 0;
		while (!rd.done) {
			ck_assert_int_eq(dlg_input__read_lines(&rd, &out, 1 << 20, 7, NULL), DLG_OK);
			/* whole lines only, at most 7 of them */
			size_t lines = 0;
			for (size_t i = 0; i < out.len; i++)
				lines += out.data[i] == '\n';
			ck_assert_uint_le(lines, 7);
			ck_assert(rd.done || (out.len > 0 && out.data[out.len - 1] == '\n'));
			ck_assert_int_eq(dlg_buf__append(&all, out.data, out.len, NULL), DLG_OK);
			calls++;
		}
		dlg_input__close(&rd);
		ck_assert_int_eq(calls, (1001 + 6) / 7); /* 1000 lines and a last one without newline */
		ck_assert_uint_eq(all.len, text.len);
		ck_assert_int_eq(memcmp(all.data, text.data, text.len), 0);
		rm_rf(dir);
		free(dir);
		free(path);
		dlg_buf__dispose(&content);
	}
	dlg_buf__dispose(&text);
	dlg_buf__dispose(&out);
	dlg_buf__dispose(&all);
}
END_TEST

START_TEST(test_input_line_limit)
{
	dlg_buf text, out;
	dlg_buf__init(&text, NULL, DLG_BUF_UNCAPPED);
	dlg_buf__init(&out, NULL, DLG_BUF_UNCAPPED);
	ck_assert_int_eq(dlg_buf__append(&text, "{}\n", 3, NULL), DLG_OK);
	for (int i = 0; i < 300000; i++)
		ck_assert_int_eq(dlg_buf__putc(&text, 'x', NULL), DLG_OK);
	char *dir, *path = file_of(&text, "long.jsonl", &dir);
	dlg_options o = DLG_OPTIONS_INIT;
	o.max_input_bytes = 100000; /* the file is larger, which a stream may be; the line not */
	dlg_reader rd;
	dlg_error err;
	ck_assert_int_eq(dlg_input__open(&rd, path, &o, NULL), DLG_OK);
	ck_assert_int_eq(dlg_input__read_lines(&rd, &out, 1 << 20, 1, NULL), DLG_OK);
	ck_assert_uint_eq(out.len, 3);
	ck_assert_int_eq(dlg_input__read_lines(&rd, &out, 1 << 20, 1, &err), DLG_E_LIMIT);
	ck_assert_ptr_nonnull(strstr(err.msg, "line"));
	dlg_input__close(&rd);
	rm_rf(dir);
	free(dir);
	free(path);
	dlg_buf__dispose(&text);
	dlg_buf__dispose(&out);
}
END_TEST

START_TEST(test_input_format_by_name)
{
	ck_assert_int_eq(dlg_input__format_by_name("a/b.txt"), DLG_INPUT_TEXT);
	ck_assert_int_eq(dlg_input__format_by_name("b.md.gz"), DLG_INPUT_TEXT);
	ck_assert_int_eq(dlg_input__format_by_name("c.jsonl.gz"), DLG_INPUT_JSONL);
	ck_assert_int_eq(dlg_input__format_by_name("d.json"), DLG_INPUT_JSON);
	ck_assert_int_eq(dlg_input__format_by_name("-"), DLG_INPUT_UNKNOWN);
	ck_assert_int_eq(dlg_input__format_by_name("notes.csv"), DLG_INPUT_UNKNOWN);
}
END_TEST

Suite *input_suite(void)
{
	Suite *s = suite_create("input");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_input_gzip_members_concatenate);
	tcase_add_test(tc, test_input_gzip_bomb_hits_the_limit);
	tcase_add_test(tc, test_input_lines_in_chunks);
	tcase_add_test(tc, test_input_line_limit);
	tcase_add_test(tc, test_input_format_by_name);
	suite_add_tcase(s, tc);
	return s;
}
