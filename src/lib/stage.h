/*
 * stage.h - docs/rules.md "Stage directions" (stage.c): stage directions taken out of a turn
 * and put back, and which '*' is code or unclosed.
 */
#ifndef DLG_STAGE_H
#define DLG_STAGE_H

#include "internal.h"
#include "buf.h"
#include "unit.h"

/**
 * Step 4 on `turn`, whose content is the last text in u->text: find its stage directions
 * and, by u's --stage mode, extract them (to u->stages, with their places), strip them or
 * keep them; then tidy the content again.
 */
dlg_status dlg_stage__extract(dlg_unit *u, dlg_turn *turn, dlg_error *err) DLG_WUR;

/** Whether the line p[0, n) is a code fence (``` or ~~~ after at most three spaces): it
 * opens or closes a fenced block. */
bool dlg_stage__is_fence(const char *p, size_t n);

/** Whether line[i] is inside inline code: an odd number of backticks before it on its line
 * (line[0, i)). */
bool dlg_stage__in_inline_code(const char *line, size_t i);

/**
 * W304 on a line p[0, n) of a turn (`in_fence`: inside a fenced code block): the offset of
 * a '*' that opens a span as a stage direction's would (alone, after white space or the
 * line's start, a word after it, not in code nor an item's or a heading's title) and that
 * no later '*' on the line closes; SIZE_MAX when there is none.
 */
size_t dlg_stage__unclosed_star(const char *p, size_t n, bool in_fence);

/** A stage direction to put back: its canonical text and its byte offset in the content. */
typedef struct dlg_stage_ref {
	const char *text;
	size_t len;
	size_t at;
} dlg_stage_ref;

/** The most bytes dlg_stage__render() adds around a direction's text: a line break or a
 * blank before it, full-width parentheses (three bytes each) and a blank or a line break
 * after. */
#define DLG_STAGE_RENDER_EXTRA 8

/**
 * Append content[0, len) to `out` with each direction `*text*` back at its place (places
 * ascending), so that dlg_stage__extract() on the result gives the same content and places; a
 * direction in a caseless script is written `（text）`.
 */
dlg_status dlg_stage__render(dlg_buf *out, const char *content, size_t len,
			     const dlg_stage_ref *dirs, size_t n_dirs, dlg_error *err) DLG_WUR;

#endif
