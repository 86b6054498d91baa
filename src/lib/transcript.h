/*
 * transcript.h - reading a transcript, docs/rules.md (transcript.c): raw text, or a
 * transcript inside a JSON string, split into marker-delimited turns; and turns escaped for
 * the text format.
 */
#ifndef DLG_TRANSCRIPT_H
#define DLG_TRANSCRIPT_H

#include "internal.h"
#include "buf.h"
#include "ctx.h"
#include "unit.h"

/** Split a text transcript into raw turns on u (docs/rules.md "Reading a transcript");
 * records findings. */
dlg_status dlg_transcript__parse(dlg_unit *u, const char *data, size_t len,
				 dlg_error *err) DLG_WUR;

/**
 * A transcript inside a JSON string (docs/rules.md "Reading a transcript"): `### Label:`
 * markers glued to the text before them start turns too. The text is copied into u->decoded
 * first, which keeps room for `reserve_more` bytes after it (the lines point into it, so it
 * cannot grow later). `key` (may be NULL) is the key the string stands under in its record: it
 * tells the string apart from an equal one, to locate findings inside it (u->origin).
 */
dlg_status dlg_transcript__parse_embedded(dlg_unit *u, const char *text, size_t len,
					  const char *key, size_t reserve_more,
					  dlg_error *err) DLG_WUR;

/** Add an already structured turn (from a messages array); `text` must live in u->decoded
 * and be the string under `key` (may be NULL) as it stands in the record, but for stage
 * directions put back. */
dlg_status dlg_transcript__add_turn(dlg_unit *u, dlg_role role, const char *text, size_t len,
				    const char *key, dlg_error *err) DLG_WUR;

/**
 * Escape b->data[from, len), one turn's content in the text format, so that reading the
 * record again gives the same turns: a backslash before each line that would start a turn
 * or end the dialogue and before each glued `### Label:` (docs/rules.md "Output formats").
 */
dlg_status dlg_transcript__escape(dlg_buf *b, size_t from, const dlg_ctx *ctx,
				  dlg_error *err) DLG_WUR;

#endif
