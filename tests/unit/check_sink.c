#include "helpers.h"
#include "lib/buf.h"
#include "lib/sink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* Inflate every member of a gzip file, as zcat does. */
static char *gunzip_all(const char *data, size_t len, size_t *out_len, int *members)
{
	size_t cap = 1 << 20, n = 0;
	char *out = malloc(cap);
	*members = 0;
	size_t pos = 0;
	while (pos < len) {
		z_stream z;
		memset(&z, 0, sizeof z);
		ck_assert_int_eq(inflateInit2(&z, 16 + MAX_WBITS), Z_OK);
		z.next_in = (Bytef *)data + pos;
		z.avail_in = (uInt)(len - pos);
		int rc;
		do {
			if (n == cap) {
				out = realloc(out, cap *= 2);
				ck_assert_ptr_nonnull(out);
			}
			z.next_out = (Bytef *)out + n;
			z.avail_out = (uInt)(cap - n);
			rc = inflate(&z, Z_NO_FLUSH);
			n = cap - z.avail_out;
			ck_assert(rc == Z_OK || rc == Z_STREAM_END);
		} while (rc != Z_STREAM_END);
		pos = len - z.avail_in;
		inflateEnd(&z);
		(*members)++;
	}
	*out_len = n;
	return out;
}

/* Members compressed apart and concatenated read back as one stream, header fixed. */
START_TEST(test_sink_gzip_members_header_and_content)
{
	void *c = dlg_sink__deflate_new();
	ck_assert_ptr_nonnull(c);
	dlg_buf member, file;
	dlg_buf__init(&member, NULL, DLG_BUF_UNCAPPED);
	dlg_buf__init(&file, NULL, DLG_BUF_UNCAPPED);
	char line[64];
	for (int m = 0; m < 5; m++) {
		dlg_buf plain;
		dlg_buf__init(&plain, NULL, DLG_BUF_UNCAPPED);
		for (int i = 10 * m; i < 10 * m + 10; i++) {
			int len = snprintf(line, sizeof line, "{\"n\":%d}\n", i);
			ck_assert_int_eq(dlg_buf__append(&plain, line, (size_t)len, NULL), DLG_OK);
		}
		ck_assert_int_eq(dlg_sink__gzip_member(&member, c, plain.data, plain.len, NULL,
						       NULL), DLG_OK);
		/* fixed header: magic, deflate, no flags, mtime 0, OS byte 255 */
		ck_assert_int_eq(memcmp(member.data, "\x1f\x8b\x08\x00\x00\x00\x00\x00", 8), 0);
		ck_assert_int_eq((unsigned char)member.data[9], 255);
		ck_assert_int_eq(dlg_buf__append(&file, member.data, member.len, NULL), DLG_OK);
		dlg_buf__dispose(&plain);
	}
	int members;
	size_t plain_len;
	char *plain = gunzip_all(file.data, file.len, &plain_len, &members);
	ck_assert_int_eq(members, 5);
	ck_assert_int_eq(memcmp(plain, "{\"n\":0}\n{\"n\":1}\n", 16), 0);
	ck_assert_int_eq(memcmp(plain + plain_len - 9, "{\"n\":49}\n", 9), 0);
	free(plain);
	dlg_buf__dispose(&member);
	dlg_buf__dispose(&file);
	dlg_sink__deflate_free(c);
}
END_TEST

START_TEST(test_sink_empty_gzip_member_is_valid)
{
	void *c = dlg_sink__deflate_new();
	dlg_buf member;
	dlg_buf__init(&member, NULL, DLG_BUF_UNCAPPED);
	ck_assert_int_eq(dlg_sink__gzip_member(&member, c, "", 0, NULL, NULL), DLG_OK);
	size_t plain_len;
	int members;
	char *plain = gunzip_all(member.data, member.len, &plain_len, &members);
	ck_assert_int_eq(members, 1);
	ck_assert_uint_eq(plain_len, 0);
	free(plain);
	dlg_buf__dispose(&member);
	dlg_sink__deflate_free(c);
}
END_TEST

/* A record of 8 MiB or more is packed as members of 1 MiB, so that a run can stop between
 * two (one libdeflate call on 64 MiB takes half a second); under that, one member. */
START_TEST(test_sink_large_text_in_members)
{
	void *c = dlg_sink__deflate_new();
	dlg_buf member;
	dlg_buf__init(&member, NULL, DLG_BUF_UNCAPPED);
	size_t n = ((size_t)9 << 20) + 5;
	char *text = malloc(n);
	ck_assert_ptr_nonnull(text);
	for (size_t i = 0; i < n; i++)
		text[i] = (char)('a' + (i * 7919 % 26));
	size_t sizes[] = { ((size_t)8 << 20) - 1, n };
	int expected[] = { 1, 10 };
	for (int k = 0; k < 2; k++) {
		ck_assert_int_eq(dlg_sink__gzip_member(&member, c, text, sizes[k], NULL, NULL),
				 DLG_OK);
		size_t plain_len;
		int members;
		char *plain = gunzip_all(member.data, member.len, &plain_len, &members);
		ck_assert_int_eq(members, expected[k]);
		ck_assert_uint_eq(plain_len, sizes[k]);
		ck_assert_int_eq(memcmp(plain, text, plain_len), 0);
		free(plain);
	}
	volatile sig_atomic_t cancel = 1;
	dlg_error err;
	ck_assert_int_eq(dlg_sink__gzip_member(&member, c, text, n, &cancel, &err),
			 DLG_E_CANCELED);
	free(text);
	dlg_buf__dispose(&member);
	dlg_sink__deflate_free(c);
}
END_TEST

START_TEST(test_sink_writes_and_hashes)
{
	char *dir = make_temp_dir();
	dlg_outfile f;
	ck_assert_int_eq(dlg_sink__open(&f, dir, "x.jsonl", NULL, NULL), DLG_OK);
	/* a second writer of the same name is refused, never interleaved */
	dlg_outfile g;
	ck_assert_int_eq(dlg_sink__open(&g, dir, "x.jsonl", NULL, NULL), DLG_E_IO);
	ck_assert_int_eq(dlg_sink__write(&f, "{}\n", 3, NULL), DLG_OK);
	ck_assert_int_eq(dlg_sink__finish(&f, NULL), DLG_OK);
	ck_assert_str_eq(f.sha256_hex,
			 "ca3d163bab055381827226140568f3bef7eaac187cebd76878e0b63e9e442356");
	ck_assert_uint_eq(f.size, 3);
	dlg_sink__discard(&f);
	char path[1024];
	snprintf(path, sizeof path, "%s/x.jsonl", dir);
	char *text = read_file(path, NULL);
	ck_assert_str_eq(text, "{}\n");
	free(text);
	rm_rf(dir);
	free(dir);
}
END_TEST

START_TEST(test_sink_sha256_of_known_bytes)
{
	char *dir = make_temp_dir();
	dlg_outfile f;
	ck_assert_int_eq(dlg_sink__open(&f, dir, "h", NULL, NULL), DLG_OK);
	ck_assert_int_eq(dlg_sink__write(&f, "abc", 3, NULL), DLG_OK);
	ck_assert_int_eq(dlg_sink__finish(&f, NULL), DLG_OK);
	/* FIPS 180-2 test vector */
	ck_assert_str_eq(f.sha256_hex,
			 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	ck_assert_uint_eq(f.size, 3);
	dlg_sink__discard(&f);
	rm_rf(dir);
	free(dir);
}
END_TEST

/* Bytes read back, given in pieces, hash as the same bytes written: what the steps compare
 * with the SHA-256 a manifest lists. */
START_TEST(test_sink_hash_of_bytes_read_back)
{
	void *h = dlg_sink__hash_new();
	ck_assert_ptr_nonnull(h);
	dlg_sink__hash_update(h, "a", 1);
	dlg_sink__hash_update(h, "", 0);
	dlg_sink__hash_update(h, "bc", 2);
	char hex[65];
	dlg_sink__hash_hex(hex, h);
	dlg_sink__hash_free(h);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	dlg_sink__hash_free(NULL);
}
END_TEST

START_TEST(test_sink_open_in_missing_dir_is_io_error)
{
	dlg_outfile f;
	dlg_error err;
	ck_assert_int_eq(dlg_sink__open(&f, "/nonexistent/dir", "x", NULL, &err), DLG_E_IO);
	ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/dir"));
	dlg_sink__discard(&f);
}
END_TEST

Suite *sink_suite(void)
{
	Suite *s = suite_create("sink");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_sink_gzip_members_header_and_content);
	tcase_add_test(tc, test_sink_empty_gzip_member_is_valid);
	tcase_add_test(tc, test_sink_large_text_in_members);
	tcase_add_test(tc, test_sink_writes_and_hashes);
	tcase_add_test(tc, test_sink_sha256_of_known_bytes);
	tcase_add_test(tc, test_sink_hash_of_bytes_read_back);
	tcase_add_test(tc, test_sink_open_in_missing_dir_is_io_error);
	suite_add_tcase(s, tc);
	return s;
}
