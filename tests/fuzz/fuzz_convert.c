/*
 * fuzz_convert.c - the whole convert path on a few small files made from the input: the
 * first byte picks the options, the rest is cut into files at "\xff\xfe\xfd" (a piece that
 * starts with '{' makes a .jsonl file, with '[' a .json file, else .txt; "id" and "meta" are
 * kept). Invariants: the run succeeds; every
 * conversation is written, rejected or a duplicate; each split holds as many valid JSON
 * lines as the summary says, and has a file only when it has records; and -j 1 and -j 3
 * write the same bytes.
 */
#define _GNU_SOURCE
#include "fuzz_common.h"
#include "lib/input.h"

#include <dirent.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char root[64];

static void clear(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	char path[512];
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' && (!e->d_name[1] || e->d_name[1] == '.'))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
}

static void slurp(dlg_buf *out, const char *path)
{
	dlg_options o = DLG_OPTIONS_INIT;
	dlg_reader rd;
	dlg_status st = dlg_input__open(&rd, path, &o, NULL);
	if (st == DLG_OK)
		st = dlg_input__read_all(&rd, out, NULL);
	dlg_input__close(&rd);
	if (st != DLG_OK)
		abort();
}

static void run(dlg_summary *s, const dlg_options *base, unsigned threads, const char *out)
{
	dlg_options o = *base;
	o.threads = threads;
	o.output_dir = out;
	o.force = 1;
	char in[96];
	snprintf(in, sizeof in, "%s/in", root);
	const char *args[] = { in };
	if (dlg_run(s, args, 1, &o, NULL, NULL, NULL) != DLG_OK)
		abort();
	if (s->inputs != s->written + s->rejected + s->duplicates)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0 || size > 1 << 16)
		return 0;
	if (!root[0]) {
		snprintf(root, sizeof root, "/tmp/dlgconv-fuzz-%ld", (long)getpid());
		char d[96];
		mkdir(root, 0777);
		snprintf(d, sizeof d, "%s/in", root);
		mkdir(d, 0777);
	}
	char in[96], out1[96], out3[96];
	snprintf(in, sizeof in, "%s/in", root);
	snprintf(out1, sizeof out1, "%s/o1", root);
	snprintf(out3, sizeof out3, "%s/o3", root);
	clear(in);
	const char *p = (const char *)data + 1, *end = (const char *)data + size;
	for (int i = 0; i < 8 && p <= end; i++) {
		const char *cut = memmem(p, (size_t)(end - p), "\xff\xfe\xfd", 3);
		const char *stop = cut ? cut : end;
		char path[128];
		snprintf(path, sizeof path, "%s/f%d.%s", in, i, stop > p && *p == '{' ? "jsonl" :
			 stop > p && *p == '[' ? "json" : "txt");
		FILE *f = fopen(path, "wb");
		fwrite(p, 1, (size_t)(stop - p), f);
		fclose(f);
		p = stop + 3;
	}
	dlg_options o;
	fuzz_options(&o, data[0]);
	static const char *const kept[] = { "id", "meta" };
	o.keep_fields = kept;
	o.n_keep_fields = 2;
	dlg_summary s1, s3;
	run(&s1, &o, 1, out1);
	run(&s3, &o, 3, out3);
	if (s1.written != s3.written || s1.rejected != s3.rejected)
		abort();
	static const char *const names[] = { "train.jsonl.gz", "validation.jsonl.gz",
					     "test.jsonl.gz", "rejects.jsonl", "README.md",
					     "manifest.json" };
	dlg_buf a, b;
	dlg_buf__init(&a, NULL, DLG_BUF_UNCAPPED);
	dlg_buf__init(&b, NULL, DLG_BUF_UNCAPPED);
	for (int i = 0; i < 6; i++) {
		char pa[128], pb[128];
		snprintf(pa, sizeof pa, "%s/%s", out1, names[i]);
		snprintf(pb, sizeof pb, "%s/%s", out3, names[i]);
		/* a split file exists exactly when the split has records, though the directory
		 * held an earlier input's dataset (--force replaces it whole) */
		bool exists = access(pa, F_OK) == 0;
		if (exists != (access(pb, F_OK) == 0) ||
		    (i < 3 && exists != (s1.split_written[i] > 0)))
			abort();
		if (!exists)
			continue;
		slurp(&a, pa);
		slurp(&b, pb);
		if (a.len != b.len || (a.len && memcmp(a.data, b.data, a.len) != 0))
			abort();
		if (i >= 3)
			continue;
		uint64_t lines = 0;
		for (size_t at = 0; at < a.len;) {
			const char *nl = memchr(a.data + at, '\n', a.len - at);
			if (!nl)
				abort();
			dlg_buf line = { a.data + at, (size_t)(nl - a.data) + 1 - at, 0, 0, NULL };
			fuzz_check_json_line(&line);
			at = (size_t)(nl - a.data) + 1;
			lines++;
		}
		if (lines != s1.split_written[i])
			abort();
	}
	dlg_buf__dispose(&a);
	dlg_buf__dispose(&b);
	return 0;
}
