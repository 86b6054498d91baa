/*
 * unit.c - one conversation in flight (unit.h): its buffers made, readied for the next
 * conversation and released, the lines of its raw texts walked, and the findings recorded
 * on it (the first of each code kept, the others counted). Uses buf.c, error.c and
 * discover.c (what findings call an input).
 */
#include "unit.h"
#include "buf.h"
#include "ctx.h"
#include "discover.h"
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

dlg_status dlg_unit__check_cancel(const dlg_unit *u, dlg_error *err)
{
	if (!dlg_unit__cancel_asked(u->ctx->opts->cancel))
		return DLG_OK;
	return dlg_error__set(err, DLG_E_CANCELED, 0, "interrupted");
}

void dlg_lines__start(dlg_lines *w, const dlg_unit *u, const dlg_raw *raw)
{
	w->raw = *raw;
	w->at = 0;
	w->line = raw->line;
	w->col = raw->col;
	/* the first drop at or after raw->p: drops are ascending */
	const char *const *drops = (const char *const *)(const void *)u->drops.data;
	size_t lo = 0, hi = DLG_BUF_COUNT(&u->drops, const char *);
	w->drops = NULL;
	w->n_drops = 0;
	if (hi == 0)
		return;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (drops[mid] < raw->p)
			lo = mid + 1;
		else
			hi = mid;
	}
	w->drops = drops + lo;
	w->n_drops = DLG_BUF_COUNT(&u->drops, const char *) - lo;
}

bool dlg_lines__next(dlg_lines *w, dlg_line *out)
{
	if (w->at == SIZE_MAX)
		return false;
	const char *p = w->raw.p + w->at;
	size_t left = w->raw.len - w->at;
	const char *nl = left ? memchr(p, '\n', left) : NULL;
	size_t eol = nl ? (size_t)(nl - p) : left;
	if (eol > 0) {
		const char *cr = memchr(p, '\r', eol);
		if (cr)
			eol = (size_t)(cr - p);
	}
	*out = (dlg_line){ p, eol, w->line, w->col, 0 };
	if (w->n_drops && w->drops[0] < p + eol) {
		out->drop = (size_t)(w->drops[0] - p) + 1;
		w->drops++;
		w->n_drops--;
	}
	if (eol == left) {
		w->at = SIZE_MAX;
		return true;
	}
	w->at += eol + (p[eol] == '\r' && eol + 1 < left && p[eol + 1] == '\n' ? 2 : 1);
	if (!w->raw.structured) {
		w->line++;
		w->col = 1;
	}
	return true;
}

void dlg_unit__init(dlg_unit *u, const dlg_ctx *ctx)
{
	memset(u, 0, sizeof *u);
	u->ctx = ctx;
	dlg_buf *bufs[] = { &u->drops, &u->turns, &u->text, &u->scratch, &u->stages,
			    &u->stage_text, &u->stage_refs, &u->diags, &u->json, &u->decoded,
			    &u->kept, &u->unkept, &u->msg_kept, &u->not_carried, &u->msg_extra,
			    &u->tool_ids, &u->tools, &u->tokens };
	for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
		dlg_buf__init(bufs[i], ctx->alloc, DLG_BUF_UNCAPPED);
}

static void swap_bufs(dlg_buf *const *mine, dlg_buf *const *theirs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		dlg_buf swap = *mine[i];
		*mine[i] = *theirs[i];
		*theirs[i] = swap;
	}
}

void dlg_unit__swap_work(dlg_unit *a, dlg_unit *b, bool all)
{
	dlg_buf *const step_a[] = { &a->drops, &a->decoded, &a->scratch, &a->stage_refs };
	dlg_buf *const step_b[] = { &b->drops, &b->decoded, &b->scratch, &b->stage_refs };
	swap_bufs(step_a, step_b, sizeof step_a / sizeof step_a[0]);
	if (!all)
		return;
	dlg_buf *const kept_a[] = { &a->text, &a->stages, &a->stage_text, &a->json };
	dlg_buf *const kept_b[] = { &b->text, &b->stages, &b->stage_text, &b->json };
	swap_bufs(kept_a, kept_b, sizeof kept_a / sizeof kept_a[0]);
}

void dlg_unit__reset(dlg_unit *u, const dlg_input *in, uint64_t record, uint64_t record_line)
{
	u->source = in->source;
	u->shown = dlg_input__shown(in);
	u->record = record;
	u->record_line = record_line;
	u->exact_location = false;
	memset(&u->origin, 0, sizeof u->origin);
	u->shape = "transcript";
	u->shape_fields[0] = '\0';
	u->section_end = false;
	u->claimed_id[0] = '\0';
	u->consumed = false;
	u->rejected_side = false;
	u->any_line = false;
	u->drops.len = u->turns.len = u->text.len = u->scratch.len = 0;
	u->stages.len = u->stage_text.len = u->stage_refs.len = 0;
	u->diags.len = u->json.len = u->decoded.len = u->kept.len = 0;
	memset(u->kept_of_code, 0, sizeof u->kept_of_code);
	u->unkept.len = 0;
	u->tokens.len = 0;
	u->templated = false;
	u->kept_nulled = 0;
	u->msg_kept.len = u->not_carried.len = 0;
	u->msg_extra.len = u->tool_ids.len = u->tools.len = 0;
	u->meta_at = 0;
	u->incomplete = false;
	u->preamble_raw = (dlg_raw){ NULL, 0, 0, 0, false };
	u->preamble = (dlg_span){ 0, 0 };
	u->rejected = false;
	memset(u->id, 0, sizeof u->id);
	u->id_hex[0] = '\0';
	memset(u->fixes, 0, sizeof u->fixes);
}

/* The count of code's findings not kept, or NULL when all were. */
static dlg_unkept *unkept_of(dlg_unit *u, dlg_diag_code code)
{
	for (size_t i = 0; i < DLG_BUF_COUNT(&u->unkept, dlg_unkept); i++)
		if (DLG_BUF_AT(&u->unkept, dlg_unkept, i).code == code)
			return &DLG_BUF_AT(&u->unkept, dlg_unkept, i);
	return NULL;
}

void dlg_unit__drop_diags(dlg_unit *u, dlg_diag_code code, uint64_t line)
{
	size_t kept = 0, n = DLG_BUF_COUNT(&u->diags, dlg_diag);
	for (size_t i = 0; i < n; i++) {
		dlg_diag d = DLG_BUF_AT(&u->diags, dlg_diag, i);
		if (d.code != code || (line && d.line != line))
			DLG_BUF_AT(&u->diags, dlg_diag, kept++) = d;
	}
	u->diags.len = kept * sizeof(dlg_diag);
	dlg_unit__taken_back(u, code, n - kept);
}

void dlg_unit__taken_back(dlg_unit *u, dlg_diag_code code, size_t n)
{
	u->kept_of_code[code] = (uint8_t)(u->kept_of_code[code] - n);
	dlg_unkept *more = unkept_of(u, code);
	if (more && u->kept_of_code[code] == 0)
		more->count = 0;
}

dlg_status dlg_unit__count_unkept(dlg_unit *u, dlg_error *err)
{
	for (size_t k = 0; k < DLG_BUF_COUNT(&u->unkept, dlg_unkept); k++) {
		dlg_unkept more = DLG_BUF_AT(&u->unkept, dlg_unkept, k);
		if (!more.count)
			continue;
		size_t n = DLG_BUF_COUNT(&u->diags, dlg_diag), last = n;
		while (last > 0 && DLG_BUF_AT(&u->diags, dlg_diag, last - 1).code != more.code)
			last--;
		DLG_ASSERT(last > 0); /* with none kept, none is counted (dlg_unit__taken_back) */
		dlg_diag note = DLG_BUF_AT(&u->diags, dlg_diag, last - 1);
		snprintf(note.msg, sizeof note.msg, "and %llu more like the one above in this "
			 "conversation, not listed (the first %d of a code are)",
			 (unsigned long long)more.count, DLG_UNIT_DIAGS_PER_CODE);
		DLG_TRY(dlg_buf__reserve(&u->diags, sizeof note, err));
		dlg_diag *at = &DLG_BUF_AT(&u->diags, dlg_diag, last);
		memmove(at + 1, at, (n - last) * sizeof note);
		*at = note;
		u->diags.len += sizeof note;
	}
	u->unkept.len = 0;
	return DLG_OK;
}

void dlg_unit__dispose(dlg_unit *u)
{
	dlg_buf *bufs[] = { &u->drops, &u->turns, &u->text, &u->scratch, &u->stages,
			    &u->stage_text, &u->stage_refs, &u->diags, &u->json, &u->decoded,
			    &u->kept, &u->unkept, &u->msg_kept, &u->not_carried, &u->msg_extra,
			    &u->tool_ids, &u->tools, &u->tokens };
	for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
		dlg_buf__dispose(bufs[i]);
}

/* A turn written with "weight": 0 (or false), which trainers leave out of the loss. */
bool dlg_unit__zero_weight(const dlg_unit *u, const dlg_turn *t)
{
	static const char key[] = "\"weight\":";
	const char *extra = u->msg_extra.data + t->extra.off;
	for (size_t i = 0; i + sizeof key - 1 <= t->extra.len; i++)
		if (!memcmp(extra + i, key, sizeof key - 1)) {
			const char *v = extra + i + sizeof key - 1;
			size_t left = t->extra.len - i - (sizeof key - 1);
			return (left >= 5 && !memcmp(v, "false", 5)) || (left >= 1 && v[0] == '0' &&
			       (left == 1 || v[1] == ',' || v[1] == '}'));
		}
	return false;
}

void dlg_unit__token_sums(const dlg_unit *u, uint64_t *total, uint64_t *trainable)
{
	*total = *trainable = 0;
	if (u->templated) {
		*total = u->tpl_total;
		*trainable = u->tpl_trainable;
		return;
	}
	for (size_t i = 0; i < DLG_BUF_COUNT(&u->tokens, uint32_t); i++) {
		uint32_t n = DLG_BUF_AT(&u->tokens, uint32_t, i);
		*total += n;
		const dlg_turn *t = &DLG_BUF_AT(&u->turns, dlg_turn, i);
		if (t->role == DLG_ROLE_ASSISTANT && !dlg_unit__zero_weight(u, t))
			*trainable += n;
	}
}

dlg_status dlg_unit__diag(dlg_unit *u, dlg_error *err, dlg_diag_code code, uint64_t line,
			  uint32_t col, uint32_t turn, const char *fmt, ...)
{
	dlg_diag d;
	memset(&d, 0, sizeof d);
	d.code = code;
	d.severity = dlg_ctx__severity(u->ctx, code);
	d.source = u->shown;
	d.line = line;
	d.col = col;
	if (u->record && !u->exact_location) {
		/* in a JSON record, positions inside decoded strings mean nothing in the file */
		d.line = u->record_line;
		d.col = 1;
	}
	d.record = u->record;
	d.turn = turn;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d.msg, sizeof d.msg, fmt, ap);
	va_end(ap);
	dlg_error__utf8_cut(d.msg);
	if (d.severity == DLG_SEV_ERROR)
		u->rejected = true;
	if (u->kept_of_code[code] < DLG_UNIT_DIAGS_PER_CODE) {
		u->kept_of_code[code]++;
		return dlg_buf__append(&u->diags, &d, sizeof d, err);
	}
	dlg_unkept *more = unkept_of(u, code);
	if (more) {
		more->count++;
		return DLG_OK;
	}
	dlg_unkept first = { code, 1 };
	return dlg_buf__append(&u->unkept, &first, sizeof first, err);
}
