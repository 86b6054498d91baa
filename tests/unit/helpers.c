/*
 * helpers.c - see helpers.h.
 */
#define _XOPEN_SOURCE 700
#include "helpers.h"
#include "lib/buf.h"
#include "lib/discover.h"
#include "lib/jsonread.h"
#include "lib/record.h"
#include "lib/step.h"
#include "lib/transcript.h"

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void harness_init(harness *h)
{
	memset(h, 0, sizeof *h);
	h->opts = (dlg_options)DLG_OPTIONS_INIT;
}

void harness_run(harness *h, const char *text)
{
	dlg_error err;
	if (!h->started) {
		ck_assert_int_eq(dlg_ctx__init(&h->ctx, &h->opts, &err), DLG_OK);
		dlg_unit__init(&h->unit, &h->ctx);
		h->started = true;
	}
	static const dlg_input input = { .source = "t.txt" };
	dlg_unit__reset(&h->unit, &input, 0, 0);
	ck_assert_int_eq(dlg_transcript__parse(&h->unit, text, strlen(text), &err), DLG_OK);
	ck_assert_int_eq(dlg_step__validate(&h->unit, &err), DLG_OK);
	if (!h->unit.rejected)
		ck_assert_int_eq(dlg_record__render(&h->unit, &err), DLG_OK);
}

dlg_status harness_run_record(harness *h, const char *json, bool rejected_side)
{
	dlg_error err;
	if (!h->started) {
		ck_assert_int_eq(dlg_ctx__init(&h->ctx, &h->opts, &err), DLG_OK);
		dlg_unit__init(&h->unit, &h->ctx);
		h->started = true;
	}
	static const dlg_input record_input = { .source = "t.jsonl" };
	dlg_unit__reset(&h->unit, &record_input, 1, 1);
	h->unit.rejected_side = rejected_side;
	dlg_status st = dlg_jsonread__record(&h->unit, json, strlen(json), &err);
	if (st == DLG_OK)
		st = dlg_step__validate(&h->unit, &err);
	return st;
}

void harness_dispose(harness *h)
{
	if (h->started) {
		dlg_unit__dispose(&h->unit);
		dlg_ctx__dispose(&h->ctx);
	}
	h->started = false;
}

size_t n_turns(const harness *h)
{
	return DLG_BUF_COUNT(&h->unit.turns, dlg_turn);
}

static const dlg_turn *turn(const harness *h, size_t i)
{
	ck_assert_uint_lt(i, n_turns(h));
	return &DLG_BUF_AT(&h->unit.turns, dlg_turn, i);
}

dlg_role turn_role(const harness *h, size_t i)
{
	return turn(h, i)->role;
}

static char text_copy[1 << 16];

const char *turn_text(const harness *h, size_t i)
{
	dlg_span s = turn(h, i)->text;
	ck_assert_uint_lt(s.len, sizeof text_copy);
	memcpy(text_copy, h->unit.text.data + s.off, s.len);
	text_copy[s.len] = '\0';
	return text_copy;
}

size_t turn_n_stage(const harness *h, size_t i)
{
	return turn(h, i)->n_stage;
}

const char *turn_stage(const harness *h, size_t i, size_t k)
{
	const dlg_turn *t = turn(h, i);
	ck_assert_uint_lt(k, t->n_stage);
	dlg_stage s = DLG_BUF_AT(&h->unit.stages, dlg_stage, t->first_stage + k);
	memcpy(text_copy, h->unit.stage_text.data + s.text_off, s.text_len);
	text_copy[s.text_len] = '\0';
	return text_copy;
}

size_t turn_stage_at(const harness *h, size_t i, size_t k)
{
	const dlg_turn *t = turn(h, i);
	ck_assert_uint_lt(k, t->n_stage);
	return DLG_BUF_AT(&h->unit.stages, dlg_stage, t->first_stage + k).at;
}

size_t count_diag(const harness *h, dlg_diag_code code)
{
	size_t n = 0;
	for (size_t i = 0; i < DLG_BUF_COUNT(&h->unit.diags, dlg_diag); i++)
		n += DLG_BUF_AT(&h->unit.diags, dlg_diag, i).code == code;
	return n;
}

const char *diag_message(const harness *h, dlg_diag_code code)
{
	for (size_t i = 0; i < DLG_BUF_COUNT(&h->unit.diags, dlg_diag); i++) {
		const dlg_diag *d = &DLG_BUF_AT(&h->unit.diags, dlg_diag, i);
		if (d->code == code)
			return d->msg;
	}
	return NULL;
}

bool has_diag_at(const harness *h, dlg_diag_code code, uint64_t line, uint32_t col)
{
	for (size_t i = 0; i < DLG_BUF_COUNT(&h->unit.diags, dlg_diag); i++) {
		const dlg_diag *d = &DLG_BUF_AT(&h->unit.diags, dlg_diag, i);
		if (d->code == code && d->line == line && d->col == col)
			return true;
	}
	return false;
}

static bool should_fail(failing_alloc *f)
{
	return ++f->calls == f->fail_at;
}

static void *fa_malloc(size_t size, void *payload)
{
	failing_alloc *f = payload;
	if (should_fail(f))
		return NULL;
	void *p = malloc(size);
	f->live += p != NULL;
	return p;
}

static void *fa_realloc(void *ptr, size_t size, void *payload)
{
	failing_alloc *f = payload;
	if (should_fail(f))
		return NULL;
	void *p = realloc(ptr, size);
	f->live += ptr == NULL && p != NULL;
	return p;
}

static void fa_free(void *ptr, void *payload)
{
	failing_alloc *f = payload;
	f->live -= ptr != NULL;
	free(ptr);
}

void failing_alloc_init(failing_alloc *f, long fail_at)
{
	f->a = (dlg_allocator){ fa_malloc, fa_realloc, fa_free, f };
	f->fail_at = fail_at;
	f->calls = 0;
	f->live = 0;
}

char *make_temp_dir(void)
{
	const char *tmp = getenv("TMPDIR");
	char templ[512];
	snprintf(templ, sizeof templ, "%s/dlgconv-test-XXXXXX", tmp ? tmp : "/tmp");
	char *dir = mkdtemp(templ);
	ck_assert_ptr_nonnull(dir);
	return strdup(dir);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

void rm_rf(const char *path)
{
	nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void write_file(const char *dir, const char *name, const char *data, size_t len)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

char *read_file(const char *path, size_t *len_out)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	size_t cap = 4096, len = 0;
	char *data = malloc(cap);
	size_t n;
	while ((n = fread(data + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len - 1 == 0)
			data = realloc(data, cap *= 2);
	}
	fclose(f);
	data[len] = '\0';
	if (len_out)
		*len_out = len;
	return data;
}

size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}
