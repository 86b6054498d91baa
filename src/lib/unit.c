/*
 * unit.c - one conversation in flight (unit.h): its buffers made, readied for the next
 * conversation and released, and the findings recorded on it. Uses buf.c, error.c and
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

void dlg_unit__init(dlg_unit *u, const dlg_ctx *ctx)
{
	memset(u, 0, sizeof *u);
	u->ctx = ctx;
	dlg_buf *bufs[] = { &u->lines, &u->turns, &u->text, &u->scratch, &u->stages,
			    &u->stage_text, &u->stage_refs, &u->diags, &u->json, &u->decoded,
			    &u->kept, &u->tokens };
	for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
		dlg_buf__init(bufs[i], ctx->alloc, DLG_BUF_UNCAPPED);
}

void dlg_unit__reset(dlg_unit *u, const dlg_input *in, uint64_t record, uint64_t record_line)
{
	u->source = in->source;
	u->shown = dlg_input__shown(in);
	u->record = record;
	u->record_line = record_line;
	u->exact_location = false;
	memset(&u->origin, 0, sizeof u->origin);
	u->section_end = false;
	u->claimed_id[0] = '\0';
	u->consumed = false;
	u->rejected_side = false;
	u->lines.len = u->turns.len = u->text.len = u->scratch.len = 0;
	u->stages.len = u->stage_text.len = u->stage_refs.len = 0;
	u->diags.len = u->json.len = u->decoded.len = u->kept.len = 0;
	u->tokens.len = 0;
	u->kept_nulled = 0;
	u->meta_at = 0;
	u->incomplete = false;
	u->preamble_first = u->preamble_n = 0;
	u->preamble = (dlg_span){ 0, 0 };
	u->rejected = false;
	memset(u->id, 0, sizeof u->id);
	u->id_hex[0] = '\0';
	memset(u->fixes, 0, sizeof u->fixes);
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
}

void dlg_unit__dispose(dlg_unit *u)
{
	dlg_buf *bufs[] = { &u->lines, &u->turns, &u->text, &u->scratch, &u->stages,
			    &u->stage_text, &u->stage_refs, &u->diags, &u->json, &u->decoded,
			    &u->kept, &u->tokens };
	for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
		dlg_buf__dispose(bufs[i]);
}

void dlg_unit__token_sums(const dlg_unit *u, uint64_t *total, uint64_t *trainable)
{
	*total = *trainable = 0;
	for (size_t i = 0; i < DLG_BUF_COUNT(&u->tokens, uint32_t); i++) {
		uint32_t n = DLG_BUF_AT(&u->tokens, uint32_t, i);
		*total += n;
		if (DLG_BUF_AT(&u->turns, dlg_turn, i).role == DLG_ROLE_ASSISTANT)
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
	return dlg_buf__append(&u->diags, &d, sizeof d, err);
}
