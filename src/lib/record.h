/*
 * record.h - one JSON output line per conversation (record.c): the record, a pair's, its
 * provenance and rejects lines.
 */
#ifndef DLG_RECORD_H
#define DLG_RECORD_H

#include "internal.h"
#include "buf.h"
#include "unit.h"

/** Append `s` as a JSON string literal (quotes included). */
dlg_status dlg_record__json_string(dlg_buf *out, const char *s, size_t n, dlg_error *err) DLG_WUR;
/** Render u's messages, set its id, and write the record line to u->json. */
dlg_status dlg_record__render(dlg_unit *u, dlg_error *err) DLG_WUR;

/** u's id and split key alone, as dlg_record__render computes them (u->json is left
 * empty): for a run that writes no records. */
dlg_status dlg_record__identify(dlg_unit *u, dlg_error *err) DLG_WUR;
/**
 * A preference pair's record into chosen->json (--format preference or openai-preference):
 * the first `prompt` turns, shared, then each side's own. Sets chosen's id (the pair's) and
 * key (the prompt's).
 */
dlg_status dlg_record__render_pair(dlg_unit *chosen, const dlg_unit *rejected, size_t prompt,
				   dlg_error *err) DLG_WUR;
/** Write u->json's meta again, after dlg_kept__types_add() nulled a field. */
dlg_status dlg_record__rewrite_meta(dlg_unit *u, dlg_error *err) DLG_WUR;
/** provenance.jsonl's line for a --bare record: split, id, source, record, directions. */
dlg_status dlg_record__provenance(dlg_buf *out, const dlg_unit *u, const char *split,
				  dlg_error *err) DLG_WUR;
/** The rejects.jsonl line for u: its error findings, or with `dropped_by` (W307, W321)
 * that finding, the reason a conversation without errors was dropped; for W321 the kept
 * conversation's id and the estimated similarity. */
dlg_status dlg_record__reject(dlg_buf *out, const dlg_unit *u, dlg_diag_code dropped_by,
			      const char *kept_hex, double similarity, dlg_error *err) DLG_WUR;

#endif
