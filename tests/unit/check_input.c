#define _GNU_SOURCE
#include "helpers.h"
#include "lib/buf.h"
#include "lib/encoding.h"
#include "lib/input.h"

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

static dlg_status read_all_in(dlg_buf *out, const char *path, uint64_t limit,
			      const char *encoding, dlg_error *err)
{
	dlg_options o = DLG_OPTIONS_INIT;
	o.max_input_bytes = limit;
	o.input_encoding = encoding;
	dlg_reader rd;
	dlg_status st = dlg_input__open(&rd, path, &o, err);
	if (st == DLG_OK)
		st = dlg_input__read_all(&rd, out, err);
	dlg_input__close(&rd);
	return st;
}

static dlg_status read_all(dlg_buf *out, const char *path, uint64_t limit, dlg_error *err)
{
	return read_all_in(out, path, limit, NULL, err);
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
			ck_assert_int_eq(dlg_buf__append(&content, text.data, text.len, NULL),
					 DLG_OK);
		char *dir, *path = file_of(&content, "r.jsonl", &dir);
		dlg_options o = DLG_OPTIONS_INIT;
		dlg_reader rd;
		ck_assert_int_eq(dlg_input__open(&rd, path, &o, NULL), DLG_OK);
		all.len = 0;
		int calls = 0;
		while (!rd.done) {
			ck_assert_int_eq(dlg_input__read_lines(&rd, &out, 1 << 20, 7, NULL),
					 DLG_OK);
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
		/* 1000 lines and a last one without newline */
		ck_assert_int_eq(calls, (1001 + 6) / 7);
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

/* `data` written to a file (gzip-compressed when `gz`) and read whole from `encoding`. */
static void check_converts(const char *encoding, const char *data, size_t len, bool gz,
			   const char *want)
{
	dlg_buf content, out;
	dlg_buf__init(&content, NULL, DLG_BUF_UNCAPPED);
	dlg_buf__init(&out, NULL, DLG_BUF_UNCAPPED);
	if (gz)
		gzip_member(&content, data, len);
	else
		ck_assert_int_eq(dlg_buf__append(&content, data, len, NULL), DLG_OK);
	char *dir, *path = file_of(&content, "t.txt", &dir);
	dlg_error err;
	ck_assert_int_eq(read_all_in(&out, path, 1 << 20, encoding, &err), DLG_OK);
	ck_assert_uint_eq(out.len, strlen(want));
	ck_assert_int_eq(memcmp(out.data, want, out.len), 0);
	rm_rf(dir);
	free(dir);
	free(path);
	dlg_buf__dispose(&content);
	dlg_buf__dispose(&out);
}

START_TEST(test_input_encoding_cp1252)
{
	static const char cp1252[] = "### Human: I\x92ll say \x93quoted\x94 for \x80" "5 at the "
				     "caf\xe9\x85\n### Assistant: ok \x97 fine\n";
	static const char utf8[] = "### Human: I’ll say “quoted” for €5 at the café…\n"
				   "### Assistant: ok — fine\n";
	for (int gz = 0; gz < 2; gz++) {
		check_converts("cp1252", cp1252, sizeof cp1252 - 1, gz, utf8);
		check_converts("WINDOWS-1252", cp1252, sizeof cp1252 - 1, gz, utf8);
	}
}
END_TEST

START_TEST(test_input_encoding_latin1)
{
	static const char latin1[] = "### Human: na\xefve caf\xe9, \xa3" "5\n"
				     "### Assistant: \xbfs\xed?\n";
	static const char utf8[] = "### Human: naïve café, £5\n### Assistant: ¿sí?\n";
	check_converts("latin1", latin1, sizeof latin1 - 1, false, utf8);
	check_converts("ISO-8859-1", latin1, sizeof latin1 - 1, true, utf8);
	/* 0x92 is U+0092 in Latin-1, a control: the reason E101 advises cp1252 for it */
	check_converts("latin1", "I\x92ll", 4, false, "I\xc2\x92ll");
}
END_TEST

START_TEST(test_input_encoding_utf16_with_bom)
{
	/* "### Human: café 😀\n" in UTF-16LE after its byte-order mark */
	static const char utf16[] = "\xff\xfe#\0#\0#\0 \0H\0u\0m\0a\0n\0:\0 \0c\0a\0f\0\xe9\0 \0"
				    "\x3d\xd8\x00\xde\n\0";
	check_converts("UTF-16", utf16, sizeof utf16 - 1, false, "### Human: café 😀\n");
	check_converts("utf-16", utf16, sizeof utf16 - 1, true, "### Human: café 😀\n");
}
END_TEST

START_TEST(test_input_encoding_utf8_names_skip_iconv)
{
	static const char *const names[] = { NULL, "UTF-8", "utf8", "Utf-8", "UTF8" };
	dlg_buf text;
	dlg_buf__init(&text, NULL, DLG_BUF_UNCAPPED);
	ck_assert_int_eq(dlg_buf__append(&text, "caf\xe9\n", 5, NULL), DLG_OK);
	char *dir, *path = file_of(&text, "t.txt", &dir);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		dlg_options o = DLG_OPTIONS_INIT;
		o.input_encoding = names[i];
		ck_assert_int_eq(dlg_input__check_encoding(&o, NULL), DLG_OK);
		dlg_reader rd;
		ck_assert_int_eq(dlg_input__open(&rd, path, &o, NULL), DLG_OK);
		ck_assert_ptr_null(rd.conv);
		ck_assert_int_eq(dlg_input__read_all(&rd, &text, NULL), DLG_OK);
		ck_assert_uint_eq(text.len, 5); /* as it is, invalid byte and all */
		dlg_input__close(&rd);
	}
	rm_rf(dir);
	free(dir);
	free(path);
	dlg_buf__dispose(&text);
}
END_TEST

START_TEST(test_input_encoding_unknown_name)
{
	static const char *const names[] = { "x-no-such-charset", "" };
	for (size_t i = 0; i < 2; i++) {
		dlg_options o = DLG_OPTIONS_INIT;
		o.input_encoding = names[i];
		dlg_error err;
		ck_assert_int_eq(dlg_input__check_encoding(&o, &err), DLG_E_ARG);
		char want[64];
		snprintf(want, sizeof want, "unknown option input-encoding '%s'", names[i]);
		ck_assert_str_eq(err.msg, want);
		/* opening says the same, before reading anything */
		dlg_reader rd;
		ck_assert_int_eq(dlg_input__open(&rd, "/nonexistent-dir/x.txt", &o, &err),
				 DLG_E_IO);
		dlg_input__close(&rd);
		ck_assert_int_eq(dlg_input__open(&rd, "/dev/null", &o, &err), DLG_E_ARG);
		ck_assert_str_eq(err.msg, want);
		dlg_input__close(&rd);
	}
	dlg_options o = DLG_OPTIONS_INIT;
	o.input_encoding = "cp1252";
	ck_assert_int_eq(dlg_input__check_encoding(&o, NULL), DLG_OK);
}
END_TEST

START_TEST(test_input_encoding_limit_counts_converted_bytes)
{
	char data[100];
	memset(data, 0x92, sizeof data); /* 100 bytes of cp1252, 300 of UTF-8 */
	dlg_buf text, out;
	dlg_buf__init(&text, NULL, DLG_BUF_UNCAPPED);
	dlg_buf__init(&out, NULL, DLG_BUF_UNCAPPED);
	ck_assert_int_eq(dlg_buf__append(&text, data, sizeof data, NULL), DLG_OK);
	char *dir, *path = file_of(&text, "t.txt", &dir);
	dlg_error err;
	ck_assert_int_eq(read_all_in(&out, path, 300, "cp1252", &err), DLG_OK);
	ck_assert_uint_eq(out.len, 300);
	ck_assert_int_eq(read_all_in(&out, path, 299, "cp1252", &err), DLG_E_LIMIT);
	ck_assert_int_eq(read_all_in(&out, path, 100, NULL, &err), DLG_OK);
	rm_rf(dir);
	free(dir);
	free(path);
	dlg_buf__dispose(&text);
	dlg_buf__dispose(&out);
}
END_TEST

/* Fail the 1st, 2nd, ... allocation of a converting read (gzip and not): a clean
 * DLG_E_NOMEM each time, nothing left allocated, until the read succeeds. */
START_TEST(test_input_encoding_allocation_failures)
{
	dlg_buf text, content;
	dlg_buf__init(&text, NULL, DLG_BUF_UNCAPPED);
	dlg_buf__init(&content, NULL, DLG_BUF_UNCAPPED);
	for (int i = 0; i < 30000; i++)
		ck_assert_int_eq(dlg_buf__append(&text, "caf\xe9 \x92\n", 7, NULL), DLG_OK);
	for (int gz = 0; gz < 2; gz++) {
		content.len = 0;
		if (gz)
			gzip_member(&content, text.data, text.len);
		else
			ck_assert_int_eq(dlg_buf__append(&content, text.data, text.len, NULL),
					 DLG_OK);
		char *dir, *path = file_of(&content, "t.txt", &dir);
		long n;
		for (n = 1; n < 1000; n++) {
			failing_alloc fa;
			failing_alloc_init(&fa, n);
			dlg_options o = DLG_OPTIONS_INIT;
			o.allocator = &fa.a;
			o.input_encoding = "cp1252";
			dlg_reader rd;
			dlg_buf out;
			dlg_buf__init(&out, &fa.a, DLG_BUF_UNCAPPED);
			dlg_status st = dlg_input__open(&rd, path, &o, NULL);
			if (st == DLG_OK)
				st = dlg_input__read_all(&rd, &out, NULL);
			dlg_input__close(&rd);
			ck_assert_uint_eq(out.len, st == DLG_OK ? 30000 * 10 : out.len);
			dlg_buf__dispose(&out);
			ck_assert_int_eq(fa.live, 0);
			if (st == DLG_OK)
				break;
			ck_assert_msg(st == DLG_E_NOMEM, "allocation %ld: status %d", n, st);
		}
		ck_assert_int_gt(n, 3);
		rm_rf(dir);
		free(dir);
		free(path);
	}
	dlg_buf__dispose(&text);
	dlg_buf__dispose(&content);
}
END_TEST

/* Counts the blocks an allocator hands out (malloc, or realloc of NULL) and their sizes. */
typedef struct tracking_alloc {
	dlg_allocator a;
	long blocks;
	long live;
	size_t largest;
} tracking_alloc;

static void *ta_malloc(size_t size, void *payload)
{
	tracking_alloc *t = payload;
	void *p = malloc(size);
	t->blocks += p != NULL;
	t->live += p != NULL;
	if (p && size > t->largest)
		t->largest = size;
	return p;
}

static void *ta_realloc(void *ptr, size_t size, void *payload)
{
	if (!ptr)
		return ta_malloc(size, payload);
	return realloc(ptr, size);
}

static void ta_free(void *ptr, void *payload)
{
	tracking_alloc *t = payload;
	t->live -= ptr != NULL;
	free(ptr);
}

static void tracking_alloc_init(tracking_alloc *t)
{
	memset(t, 0, sizeof *t);
	t->a = (dlg_allocator){ ta_malloc, ta_realloc, ta_free, t };
}

/* One conversation of 4000 turns, over 128 kB: zlib inflates it in several calls, which
 * takes its window (one call that ends the stream needs none). */
static void long_transcript(dlg_buf *text)
{
	for (int i = 0; i < 2000; i++)
		ck_assert_int_eq(dlg_buf__printf(text, NULL, "### Human: question %d\n"
						 "### Assistant: answer %d\n", i, i), DLG_OK);
}

/*
 * zlib's allocations go through the run's allocator (they went to malloc): opening a gzip
 * input takes two more blocks than a plain one, the z_stream and zlib's inflate state, and
 * the first read one more, zlib's 32 KiB window; closing gives every one back.
 */
START_TEST(test_input_gzip_allocates_through_the_hooks)
{
	dlg_buf text, gz;
	dlg_buf__init(&text, NULL, DLG_BUF_UNCAPPED);
	dlg_buf__init(&gz, NULL, DLG_BUF_UNCAPPED);
	long_transcript(&text);
	gzip_member(&gz, text.data, text.len);
	long opened[2], read[2];
	size_t read_largest[2];
	for (int compressed = 0; compressed < 2; compressed++) {
		char *dir, *path = file_of(compressed ? &gz : &text, "t.txt", &dir);
		tracking_alloc t;
		tracking_alloc_init(&t);
		dlg_options o = DLG_OPTIONS_INIT;
		o.allocator = &t.a;
		dlg_reader rd;
		dlg_buf out;
		dlg_buf__init(&out, NULL, DLG_BUF_UNCAPPED); /* not counted */
		ck_assert_int_eq(dlg_input__open(&rd, path, &o, NULL), DLG_OK);
		opened[compressed] = t.blocks;
		t.largest = 0;
		ck_assert_int_eq(dlg_input__read_all(&rd, &out, NULL), DLG_OK);
		read[compressed] = t.blocks - opened[compressed];
		read_largest[compressed] = t.largest;
		ck_assert_uint_eq(out.len, text.len);
		ck_assert_int_eq(memcmp(out.data, text.data, text.len), 0);
		dlg_input__close(&rd);
		ck_assert_int_eq(t.live, 0);
		dlg_buf__dispose(&out);
		rm_rf(dir);
		free(dir);
		free(path);
	}
	ck_assert_int_eq(opened[1], opened[0] + 2);
	ck_assert_int_eq(read[0], 0);
	ck_assert_int_eq(read[1], 1);
	ck_assert_uint_ge(read_largest[1], (size_t)1 << 15);
	dlg_buf__dispose(&text);
	dlg_buf__dispose(&gz);
}
END_TEST

/* A validating run over `path` that fails its `fail_at`-th allocation (0: never): its
 * status, and the message in *err; nothing may be left allocated. */
static dlg_status run_failing(const char *path, long fail_at, dlg_error *err)
{
	failing_alloc fa;
	failing_alloc_init(&fa, fail_at);
	dlg_options o = DLG_OPTIONS_INIT;
	o.allocator = &fa.a;
	o.threads = 1; /* the failing allocator counts without a lock */
	const char *args[] = { path };
	dlg_summary s;
	dlg_status st = dlg_run(&s, args, 1, &o, NULL, NULL, err);
	ck_assert_msg(fa.live == 0, "allocation %ld: %ld blocks left", fail_at, fa.live);
	ck_assert_msg(st != DLG_OK || s.written == 1, "allocation %ld: %llu written", fail_at,
		      (unsigned long long)s.written);
	return st;
}

/* Fail the 1st, 2nd, ... allocation of a run over a gzip input: each time a clean
 * DLG_E_NOMEM and nothing left allocated, until the run succeeds. zlib's are among them:
 * its inflate state and window failed once each (Z_MEM_ERROR is not bad gzip data). */
START_TEST(test_input_gzip_allocation_failure_sweep)
{
	dlg_buf text, gz;
	dlg_buf__init(&text, NULL, DLG_BUF_UNCAPPED);
	dlg_buf__init(&gz, NULL, DLG_BUF_UNCAPPED);
	long_transcript(&text);
	gzip_member(&gz, text.data, text.len);
	char *dir, *path = file_of(&gz, "t.txt.gz", &dir);
	bool state_failed = false, window_failed = false;
	long n;
	for (n = 1; n < 100000; n++) {
		dlg_error err;
		dlg_status st = run_failing(path, n, &err);
		if (st == DLG_OK)
			break;
		ck_assert_msg(st == DLG_E_NOMEM, "allocation %ld: status %d (%s)", n, st, err.msg);
		state_failed |= strcmp(err.msg, "out of memory (gzip reader)") == 0;
		window_failed |= strcmp(err.msg, "out of memory (gzip window)") == 0;
	}
	ck_assert_int_gt(n, 10);
	ck_assert(state_failed);
	ck_assert(window_failed);
	rm_rf(dir);
	free(dir);
	free(path);
	dlg_buf__dispose(&text);
	dlg_buf__dispose(&gz);
}
END_TEST

/* Replace every `from` byte of s[0, n) by the string `to`, into out. */
static void replace_byte(dlg_buf *out, const char *s, size_t n, char from, const char *to)
{
	out->len = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == from)
			ck_assert_int_eq(dlg_buf__append(out, to, strlen(to), NULL), DLG_OK);
		else
			ck_assert_int_eq(dlg_buf__putc(out, s[i], NULL), DLG_OK);
	}
}

/* Read `content` by lines as the pipeline does (1 MiB, 256 lines) from `encoding`. */
static void read_by_lines(dlg_buf *all, const dlg_buf *content, const char *encoding)
{
	char *dir, *path = file_of((dlg_buf *)content, "r.jsonl", &dir);
	dlg_options o = DLG_OPTIONS_INIT;
	o.input_encoding = encoding;
	dlg_reader rd;
	dlg_buf out;
	dlg_buf__init(&out, NULL, DLG_BUF_UNCAPPED);
	ck_assert_int_eq(dlg_input__open(&rd, path, &o, NULL), DLG_OK);
	all->len = 0;
	while (!rd.done) {
		ck_assert_int_eq(dlg_input__read_lines(&rd, &out, 1 << 20, 256, NULL), DLG_OK);
		ck_assert(rd.done || (out.len > 0 && out.data[out.len - 1] == '\n'));
		ck_assert_int_eq(dlg_buf__append(all, out.data, out.len, NULL), DLG_OK);
	}
	dlg_input__close(&rd);
	dlg_buf__dispose(&out);
	rm_rf(dir);
	free(dir);
	free(path);
}

/*
 * cp1252 JSON lines over 1 MiB, each a run of 0x92 after a prefix of 0, 1 or 2 bytes: the
 * 3-byte ’ falls across every 64 KiB read and 1 MiB chunk end at every alignment.
 */
START_TEST(test_input_encoding_jsonl_chunks_split_characters)
{
	dlg_buf text, want, content, all;
	dlg_buf__init(&text, NULL, DLG_BUF_UNCAPPED);
	dlg_buf__init(&want, NULL, DLG_BUF_UNCAPPED);
	dlg_buf__init(&content, NULL, DLG_BUF_UNCAPPED);
	dlg_buf__init(&all, NULL, DLG_BUF_UNCAPPED);
	for (int i = 0; i < 60; i++) {
		ck_assert_int_eq(dlg_buf__printf(&text, NULL, "{\"text\":\"%.*s", i % 3, "ab"),
				 DLG_OK);
		for (int k = 0; k < 7000 + i; k++)
			ck_assert_int_eq(dlg_buf__putc(&text, '\x92', NULL), DLG_OK);
		ck_assert_int_eq(dlg_buf__append(&text, "\"}\n", 3, NULL), DLG_OK);
	}
	replace_byte(&want, text.data, text.len, '\x92', "’");
	ck_assert_uint_gt(want.len, 1 << 20);
	for (int gz = 0; gz < 2; gz++) {
		content.len = 0;
		if (gz)
			gzip_member(&content, text.data, text.len);
		else
			ck_assert_int_eq(dlg_buf__append(&content, text.data, text.len, NULL),
					 DLG_OK);
		read_by_lines(&all, &content, "cp1252");
		ck_assert_uint_eq(all.len, want.len);
		ck_assert_int_eq(memcmp(all.data, want.data, want.len), 0);
	}
	dlg_buf__dispose(&text);
	dlg_buf__dispose(&want);
	dlg_buf__dispose(&content);
	dlg_buf__dispose(&all);
}
END_TEST

/* UTF-16 surrogate pairs (4 bytes) across the 64 KiB reads: iconv's EINVAL keeps the tail. */
START_TEST(test_input_encoding_utf16_pairs_across_reads)
{
	dlg_buf text, want, all;
	dlg_buf__init(&text, NULL, DLG_BUF_UNCAPPED);
	dlg_buf__init(&want, NULL, DLG_BUF_UNCAPPED);
	dlg_buf__init(&all, NULL, DLG_BUF_UNCAPPED);
	ck_assert_int_eq(dlg_buf__append(&text, "\xff\xfe", 2, NULL), DLG_OK);
	for (int i = 0; i < 8; i++) {
		/* an odd number of units before the pairs on every other line */
		ck_assert_int_eq(dlg_buf__append(&text, "x\0", (size_t)(i % 2) * 2, NULL), DLG_OK);
		ck_assert_int_eq(dlg_buf__append(&want, "x", (size_t)(i % 2), NULL), DLG_OK);
		for (int k = 0; k < 9000; k++) {
			/* U+1F600, the surrogates D83D DE00 */
			ck_assert_int_eq(dlg_buf__append(&text, "=\xd8\0\xde", 4, NULL), DLG_OK);
			ck_assert_int_eq(dlg_buf__append(&want, "😀", 4, NULL), DLG_OK);
		}
		ck_assert_int_eq(dlg_buf__append(&text, "\n\0", 2, NULL), DLG_OK);
		ck_assert_int_eq(dlg_buf__putc(&want, '\n', NULL), DLG_OK);
	}
	read_by_lines(&all, &text, "UTF-16");
	ck_assert_uint_eq(all.len, want.len);
	ck_assert_int_eq(memcmp(all.data, want.data, want.len), 0);
	/*
	 * A file that ends inside a pair: its bytes come through as invalid UTF-8, 0x3D (an
	 * ASCII byte, which would read as '=') as 0xFF.
	 */
	text.len -= 4;
	read_by_lines(&all, &text, "UTF-16");
	ck_assert_uint_eq(all.len, want.len - 5 + 2);
	ck_assert_int_eq(memcmp(all.data, want.data, want.len - 5), 0);
	ck_assert_int_eq(memcmp(all.data + all.len - 2, "\xff\xd8", 2), 0);
	dlg_buf__dispose(&text);
	dlg_buf__dispose(&want);
	dlg_buf__dispose(&all);
}
END_TEST

typedef struct findings {
	int n;
	dlg_diag d[8];
} findings;

static void collect(const dlg_diag *d, void *payload)
{
	findings *f = payload;
	if (f->n < 8)
		f->d[f->n++] = *d;
}

/* Validate one file named `name` holding `data`, reading it from `encoding`. */
static void validate_one(findings *f, const char *name, const char *data, const char *encoding)
{
	char *dir = make_temp_dir();
	write_file(dir, name, data, strlen(data));
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	dlg_options o = DLG_OPTIONS_INIT;
	o.input_encoding = encoding;
	o.threads = 1;
	const char *args[] = { path };
	dlg_summary s;
	memset(f, 0, sizeof *f);
	ck_assert_int_eq(dlg_run(&s, args, 1, &o, collect, f, NULL), DLG_OK);
	rm_rf(dir);
	free(dir);
}

START_TEST(test_input_encoding_undefined_byte_is_e101)
{
	findings f;
	/* cp1252 leaves 0x81 undefined: E101 where it stands, with the encoding named */
	validate_one(&f, "t.txt", "### Human: I\x92ll ask\n\n### Assistant: ok \x81 x\n", "cp1252");
	ck_assert_int_eq(f.n, 1);
	ck_assert_int_eq(f.d[0].code, DLG_DIAG_INVALID_UTF8);
	ck_assert_uint_eq(f.d[0].line, 3);
	ck_assert_uint_eq(f.d[0].col, 19);
	ck_assert_str_eq(f.d[0].msg, "invalid UTF-8 byte 0x81; the input is not valid cp1252 "
			 "here either; fix it or pass another --input-encoding");
	/* in a stream only that record is rejected; the next ones still convert */
	validate_one(&f, "r.jsonl", "{\"text\":\"### Human: a\\n### Assistant: b\"}\n"
		     "{\"text\":\"### Human: \x93q\x94\\n### Assistant: \x81\"}\n"
		     "{\"text\":\"### Human: caf\xe9\\n### Assistant: b\"}\n", "cp1252");
	ck_assert_int_eq(f.n, 1);
	ck_assert_int_eq(f.d[0].code, DLG_DIAG_INVALID_UTF8);
	ck_assert_uint_eq(f.d[0].line, 2);
	ck_assert_uint_eq(f.d[0].record, 2);
	/* columns count the converted UTF-8: “ and ” are 3 bytes each */
	ck_assert_uint_eq(f.d[0].col, 41 + 4);
	/* without the option, the same bytes get the advice to pass it */
	validate_one(&f, "t.txt", "### Human: I\x92ll ask\n\n### Assistant: ok\n", NULL);
	ck_assert_int_eq(f.n, 1);
	ck_assert_uint_eq(f.d[0].col, 13);
	ck_assert_str_eq(f.d[0].msg, "invalid UTF-8 byte 0x92; this looks like Windows-1252: "
			 "pass --input-encoding cp1252");
	validate_one(&f, "r.jsonl", "{\"text\":\"### Human: caf\xe9\\n### Assistant: b\"}\n", NULL);
	ck_assert_int_eq(f.n, 1);
	ck_assert_str_eq(f.d[0].msg, "invalid UTF-8 byte 0xE9 in the record; this looks like "
			 "Latin-1: pass --input-encoding latin1");
}
END_TEST

START_TEST(test_input_encoding_guess)
{
	static const struct {
		const char *text;
		dlg_encoding_guess want;
	} cases[] = {
		{ "I\x92ll", DLG_GUESS_CP1252 },
		{ "\x93quoted\x94 \x80" "5 caf\xe9", DLG_GUESS_CP1252 },
		{ "wait\x85", DLG_GUESS_CP1252 },
		{ "caf\xe9 na\xefve", DLG_GUESS_LATIN1 },
		{ "\xa3" "5", DLG_GUESS_LATIN1 },
		{ "I\x92ll \x81", DLG_GUESS_NONE },        /* 0x81: not cp1252 */
		{ "caf\xc3", DLG_GUESS_NONE },             /* a character cut by the end */
		{ "a \xe2\x80 b", DLG_GUESS_NONE },        /* cut short in the middle */
		{ "\xff\xfe#\x01", DLG_GUESS_NONE },       /* UTF-16's byte-order mark */
		{ "é è ü — \x92", DLG_GUESS_NONE },        /* mostly UTF-8: don't re-read it all */
		{ "\x92 \x93 — \x94", DLG_GUESS_CP1252 },  /* a coincidence among legacy bytes */
		{ "all valid — é", DLG_GUESS_NONE },
		{ "", DLG_GUESS_NONE },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		ck_assert_msg(dlg_encoding__guess(cases[i].text, strlen(cases[i].text)) ==
			      cases[i].want, "case %zu", i);
	char hint[128];
	dlg_encoding__hint(hint, sizeof hint, "a\x92", 2, NULL);
	ck_assert_str_eq(hint, "this looks like Windows-1252: pass --input-encoding cp1252");
	dlg_encoding__hint(hint, sizeof hint, "a\xe9 b", 4, "UTF-8");
	ck_assert_str_eq(hint, "this looks like Latin-1: pass --input-encoding latin1");
	dlg_encoding__hint(hint, sizeof hint, "a\x81", 2, "utf8");
	ck_assert_str_eq(hint, "convert the file to UTF-8");
	/* a long name is cut so that the message stays one short line */
	char name[300];
	memset(name, 'x', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	dlg_encoding__hint(hint, sizeof hint, "a\x81", 2, name);
	ck_assert_uint_lt(strlen(hint), 120);
	ck_assert_ptr_nonnull(strstr(hint, "not valid xxxx"));
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
	tcase_add_test(tc, test_input_gzip_allocates_through_the_hooks);
	tcase_add_test(tc, test_input_gzip_allocation_failure_sweep);
	suite_add_tcase(s, tc);
	/* --input-encoding, and encoding.c's advice for E101 */
	TCase *enc = tcase_create("encoding");
	tcase_set_timeout(enc, 60);
	tcase_add_test(enc, test_input_encoding_cp1252);
	tcase_add_test(enc, test_input_encoding_latin1);
	tcase_add_test(enc, test_input_encoding_utf16_with_bom);
	tcase_add_test(enc, test_input_encoding_utf8_names_skip_iconv);
	tcase_add_test(enc, test_input_encoding_unknown_name);
	tcase_add_test(enc, test_input_encoding_limit_counts_converted_bytes);
	tcase_add_test(enc, test_input_encoding_allocation_failures);
	tcase_add_test(enc, test_input_encoding_jsonl_chunks_split_characters);
	tcase_add_test(enc, test_input_encoding_utf16_pairs_across_reads);
	tcase_add_test(enc, test_input_encoding_undefined_byte_is_e101);
	tcase_add_test(enc, test_input_encoding_guess);
	suite_add_tcase(s, enc);
	return s;
}
