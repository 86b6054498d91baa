/*
 * findings.c - which findings a run reports, and how often (docs/rules.md "Choosing findings"):
 * --ignore, --select and --error per warning code, and a warning that fires on every record
 * of a file said once for the file, with a count. Findings still come out in input order,
 * but for a code on a streak (every record of the file so far has it), whose findings wait
 * until the streak breaks or the file ends. Uses buf.c and error.c.
 */
#include "findings.h"
#include "buf.h"
#include "ctx.h"
#include "error.h"
#include "unit.h"

#include <stdio.h>
#include <string.h>

/* A streak's findings kept to be listed if it breaks; past this, only counted (a warning on
 * each of the first thousand records of a file is that file's pattern). */
#define HELD_MAX 1024

static dlg_status set_codes(dlg_ctx *ctx, const dlg_diag_code *codes, size_t n,
			    dlg_code_mode mode, const char *option, dlg_error *err)
{
	for (size_t i = 0; i < n; i++) {
		dlg_diag_code c = codes[i];
		if ((unsigned)c >= DLG_DIAG_CODES ||
		    dlg_diag_default_severity(c) != DLG_SEV_WARNING ||
		    strcmp(dlg_diag_id(c), "?") == 0)
			return dlg_error__set(err, DLG_E_ARG, 0, "%s takes warning codes; %s is "
					      "an error, which always rejects its conversation and "
					      "is always reported", option, dlg_diag_id(c));
		if (mode == DLG_CODE_IGNORED && ctx->code_mode[c] == DLG_CODE_ERROR)
			return dlg_error__set(err, DLG_E_ARG, 0, "%s is both in option error "
					      "and in option ignore", dlg_diag_id(c));
		if (mode != DLG_CODE_REPORTED || ctx->code_mode[c] != DLG_CODE_ERROR)
			ctx->code_mode[c] = (uint8_t)mode;
	}
	return DLG_OK;
}

dlg_status dlg_findings__setup(dlg_ctx *ctx, const dlg_options *o, dlg_error *err)
{
	DLG_TRY(set_codes(ctx, o->error_codes, o->n_error_codes, DLG_CODE_ERROR, "option error",
			  err));
	if (o->n_select)
		for (int c = 300; c < DLG_DIAG_CODES; c++)
			if (ctx->code_mode[c] == DLG_CODE_REPORTED)
				ctx->code_mode[c] = DLG_CODE_IGNORED;
	DLG_TRY(set_codes(ctx, o->select, o->n_select, DLG_CODE_REPORTED, "option select", err));
	return set_codes(ctx, o->ignore, o->n_ignore, DLG_CODE_IGNORED, "option ignore", err);
}

void dlg_findings__init(dlg_findings *f, const dlg_ctx *ctx, dlg_summary *sum, dlg_diag_fn fn,
			void *payload)
{
	memset(f, 0, sizeof *f);
	f->ctx = ctx;
	f->sum = sum;
	f->fn = fn;
	f->payload = payload;
	dlg_buf__init(&f->held, ctx->alloc, DLG_BUF_UNCAPPED);
}

void dlg_findings__dispose(dlg_findings *f)
{
	dlg_buf__dispose(&f->held);
}

static bool reported(const dlg_findings *f, const dlg_diag *d)
{
	return d->severity == DLG_SEV_ERROR || f->ctx->code_mode[d->code] != DLG_CODE_IGNORED;
}

static void emit(dlg_findings *f, const dlg_diag *d)
{
	if (f->fn)
		f->fn(d, f->payload);
}

void dlg_findings__one(dlg_findings *f, const dlg_diag *d)
{
	if (!reported(f, d))
		return;
	if (d->severity == DLG_SEV_ERROR)
		f->sum->errors++;
	else
		f->sum->warnings++;
	emit(f, d);
}

/* Findings held for the streaks of code `code` (all codes: DLG_DIAG_CODES) come out, in
 * the order they came in, and leave the list. */
static void release(dlg_findings *f, int code)
{
	size_t n = DLG_BUF_COUNT(&f->held, dlg_diag), kept = 0;
	dlg_diag *held = (dlg_diag *)f->held.data;
	for (size_t i = 0; i < n; i++) {
		if (code == DLG_DIAG_CODES || held[i].code == (dlg_diag_code)code)
			emit(f, &held[i]);
		else
			held[kept++] = held[i];
	}
	f->held.len = kept * sizeof *held;
}

/* A streak that ends before its file does: its findings, as they would have come. */
static void break_streak(dlg_findings *f, dlg_diag_code code)
{
	dlg_streak *s = &f->streaks[code - 300];
	dlg_diag last = s->last;
	release(f, (int)code);
	if (s->count > s->n_held) {
		snprintf(last.msg, sizeof last.msg, "and %llu more like the one above in the "
			 "records after it, not listed: this warning was on every record until "
			 "record %llu", (unsigned long long)(s->count - s->n_held),
			 (unsigned long long)f->records);
		last.record = last.turn = 0;
		emit(f, &last);
	}
	s->on = false;
	s->count = s->n_held = 0;
	f->on--;
}

/* One finding for a streak that lasted the whole file, said where it began. */
static void said_once(dlg_findings *f, dlg_diag d)
{
	char count[80];
	int n = snprintf(count, sizeof count, "; on all %llu records of this file (said once)",
			 (unsigned long long)f->records);
	size_t room = sizeof d.msg - 1 - (size_t)n;
	if (strlen(d.msg) > room) {
		d.msg[room] = '\0';
		dlg_error__utf8_cut(d.msg);
	}
	strcat(d.msg, count);
	d.record = d.turn = 0;
	emit(f, &d);
}

/* The file's end: a streak that lasted is one finding for the file, in the order of the
 * streaks' first findings; a file of one record says its findings as they came. */
static void end_file(dlg_findings *f)
{
	if (f->on && f->records < 2) {
		release(f, DLG_DIAG_CODES);
	} else if (f->on) {
		size_t n = DLG_BUF_COUNT(&f->held, dlg_diag);
		for (size_t i = 0; i < n; i++) {
			const dlg_diag *d = &DLG_BUF_AT(&f->held, dlg_diag, i);
			if (f->streaks[d->code - 300].on) {
				said_once(f, *d);
				f->streaks[d->code - 300].on = false;
			}
		}
		f->held.len = 0;
	}
	/* field by field, and only after a streak: clearing the whole array (its held copies of
	 * findings) for every file was a quarter of validate */
	for (int c = 300; f->on && c < DLG_DIAG_CODES; c++) {
		f->streaks[c - 300].on = false;
		f->streaks[c - 300].count = f->streaks[c - 300].n_held = 0;
	}
	f->on = 0;
	f->file = NULL;
	f->records = 0;
}

dlg_status dlg_findings__unit(dlg_findings *f, const dlg_unit *u, dlg_error *err)
{
	if (u->source != f->file) {
		end_file(f);
		f->file = u->source;
	}
	bool first = ++f->records == 1;
	size_t n = DLG_BUF_COUNT(&u->diags, dlg_diag);
	/* a text file is one conversation: only a file of records has streaks, which start at
	 * its first record; past it, with none left, there is nothing to look at */
	if ((first && u->record != 0) || f->on) {
		bool here[DLG_DIAG_CODES] = { false };
		for (size_t i = 0; i < n; i++) {
			const dlg_diag *d = &DLG_BUF_AT(&u->diags, dlg_diag, i);
			if (d->severity == DLG_SEV_WARNING && reported(f, d))
				here[d->code] = true;
		}
		for (int c = 300; c < DLG_DIAG_CODES; c++) {
			if (first && here[c]) {
				f->streaks[c - 300].on = true;
				f->on++;
			} else if (!first && f->streaks[c - 300].on && !here[c]) {
				break_streak(f, (dlg_diag_code)c);
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		const dlg_diag *d = &DLG_BUF_AT(&u->diags, dlg_diag, i);
		if (!reported(f, d))
			continue;
		if (d->severity == DLG_SEV_ERROR)
			f->sum->errors++;
		else
			f->sum->warnings++;
		dlg_streak *s = d->severity == DLG_SEV_WARNING ? &f->streaks[d->code - 300] : NULL;
		if (!s || !s->on) {
			emit(f, d);
			continue;
		}
		s->count++;
		s->last = *d;
		if (s->n_held < HELD_MAX) {
			DLG_TRY(dlg_buf__append(&f->held, d, sizeof *d, err));
			s->n_held++;
		}
	}
	return DLG_OK;
}

void dlg_findings__end(dlg_findings *f)
{
	end_file(f);
}
