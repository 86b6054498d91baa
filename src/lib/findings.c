/*
 * findings.c - which findings a run reports, and how often (docs/rules.md "Choosing findings"):
 * after --ignore, --select and --error (ctx.c), and a warning that fires on every record
 * of a file said once for the file, with a count. Findings still come out in input order,
 * but for a code on a streak (every record of the file so far has it), whose findings wait
 * until the streak breaks or the file ends. Uses buf.c and error.c.
 */
#include "findings.h"
#include "buf.h"
#include "carried.h"
#include "ctx.h"
#include "error.h"
#include "unit.h"

#include <stdio.h>
#include <string.h>

/* A streak's findings kept to be listed if it breaks; past this, only counted (a warning on
 * each of the first thousand records of a file is that file's pattern). */
#define HELD_MAX 1024

void dlg_findings__init(dlg_findings *f, const dlg_ctx *ctx, dlg_summary *sum, dlg_diag_fn fn,
			void *payload)
{
	memset(f, 0, sizeof *f);
	f->ctx = ctx;
	f->sum = sum;
	f->fn = fn;
	f->payload = payload;
	dlg_buf__init(&f->held, ctx->alloc, DLG_BUF_UNCAPPED);
	dlg_buf__init(&f->not_carried, ctx->alloc, DLG_BUF_UNCAPPED);
}

void dlg_findings__dispose(dlg_findings *f)
{
	dlg_buf__dispose(&f->held);
	dlg_buf__dispose(&f->not_carried);
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

/* A record's fields that no output holds, counted for its file: at most
 * DLG_CARRIED_NAMES names and a "+" entry for each level. */
static dlg_status count_not_carried(dlg_findings *f, const dlg_unit *u, dlg_error *err)
{
	for (size_t i = 0; i < u->not_carried.len;) {
		const char *e = u->not_carried.data + i;
		i += strlen(e) + 1;
		size_t n = DLG_BUF_COUNT(&f->not_carried, dlg_not_carried), k, of_level = 0;
		dlg_not_carried *t = (dlg_not_carried *)(void *)f->not_carried.data;
		for (k = 0; k < n; k++) {
			if (t[k].level == e[0] &&
			    strncmp(t[k].name, e + 1, sizeof t[k].name - 1) == 0)
				break;
			of_level += t[k].level == e[0];
		}
		if (k == n && of_level >= DLG_CARRIED_NAMES)
			for (k = 0; k < n && !(t[k].level == e[0] && strcmp(t[k].name, "+") == 0);)
				k++;
		if (k == n) {
			dlg_not_carried c = { e[0], "", 0, u->record, u->record_line };
			snprintf(c.name, sizeof c.name, "%s", of_level >= DLG_CARRIED_NAMES ? "+" :
				 e + 1);
			DLG_TRY(dlg_buf__append(&f->not_carried, &c, sizeof c, err));
			t = (dlg_not_carried *)(void *)f->not_carried.data;
		}
		t[k].records++;
	}
	return DLG_OK;
}

/* W322 for each field name of the file no output holds, in the order first met. */
static void say_not_carried(dlg_findings *f)
{
	size_t n = DLG_BUF_COUNT(&f->not_carried, dlg_not_carried);
	for (size_t i = 0; i < n; i++) {
		const dlg_not_carried *c = &DLG_BUF_AT(&f->not_carried, dlg_not_carried, i);
		dlg_diag d = { DLG_DIAG_FIELD_NOT_CARRIED, DLG_SEV_WARNING, f->shown,
			       c->first_line, 1, c->first_record, 0, "" };
		bool message = c->level == 'm', more = strcmp(c->name, "+") == 0;
		const char *option = message ? "--keep-message-fields" : "--keep-fields";
		char what[128];
		if (more)
			snprintf(what, sizeof what, "%s fields past the first %d names",
				 message ? "message" : "record", DLG_CARRIED_NAMES);
		else
			snprintf(what, sizeof what, "%sfield '%s'", message ? "message " : "",
				 c->name);
		char msg[512];
		snprintf(msg, sizeof msg, "%s not carried in %llu record%s (the first here); "
			 "pass %s %s%s%s", what, (unsigned long long)c->records,
			 c->records == 1 ? "" : "s", option, more ? "NAMES" : c->name,
			 !message && strcmp(c->name, "rejected") == 0 ?
			 ", or --rejected-field rejected --format preference" : "",
			 !message && strcmp(c->name, "system") == 0 ?
			 " (a transcript's system prompt is its ### System: turn)" : "");
		size_t len = strlen(msg) < sizeof d.msg - 1 ? strlen(msg) : sizeof d.msg - 1;
		memcpy(d.msg, msg, len);
		d.msg[len] = '\0';
		dlg_error__utf8_cut(d.msg);
		dlg_findings__one(f, &d);
	}
	f->not_carried.len = 0;
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
	say_not_carried(f);
	f->file = NULL;
	f->records = 0;
}

dlg_status dlg_findings__unit(dlg_findings *f, const dlg_unit *u, dlg_error *err)
{
	if (u->source != f->file) {
		end_file(f);
		f->file = u->source;
		f->shown = u->shown;
	}
	if (!u->rejected)
		DLG_TRY(count_not_carried(f, u, err));
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
