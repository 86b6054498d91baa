/*
 * marker.h - the marker grammar (docs/rules.md "Markers", marker.c): which line starts a
 * turn, names an unknown speaker, or ends the dialogue, and where a known label stands
 * inside text. Colons are ':' or its full-width forms (dlg_colon_len).
 */
#ifndef DLG_MARKER_H
#define DLG_MARKER_H

#include "internal.h"
#include "ctx.h"

typedef enum dlg_line_kind {
	DLG_LINE_TEXT,
	DLG_LINE_MARKER,          /* a known label: starts a turn */
	DLG_LINE_UNKNOWN_SPEAKER, /* `### Therapist: hello`: E205 */
	DLG_LINE_UNKNOWN_LABEL,   /* `### Ingredients:` or `## Output (a):`: text, W308 */
	DLG_LINE_SECTION          /* `###ENDSEEDCHAT###`: after a turn, ends the dialogue (W311) */
} dlg_line_kind;

/* How a marker is spelled. `### Human:` is the canonical form; `Human:` at a line's start is
 * the other established one (Anthropic's HH-RLHF, Vicuna's `USER:`), a corpus's format rather
 * than a slip, so W302 is about anything else, and about mixing the two. */
typedef enum dlg_marker_style {
	DLG_STYLE_OTHER = 0, /* `## Human:`, `###Human:`, ` Human :`, `### human:`... */
	DLG_STYLE_HASHED,    /* `### Human: ` */
	DLG_STYLE_BARE       /* `Human: ` */
} dlg_marker_style;

typedef struct dlg_marker {
	dlg_line_kind kind;
	const dlg_label *label;
	size_t at;        /* first byte after leading blanks */
	size_t label_at;
	size_t label_len;
	size_t colon;     /* the colon, as written: p[colon, rest) */
	size_t rest;      /* first byte after the colon */
	size_t hashes;
	dlg_marker_style style;
} dlg_marker;

/** Look up a speaker label (ASCII letters without regard to case), or NULL. */
const dlg_label *dlg_marker__find_label(const dlg_ctx *ctx, const char *p, size_t n);

/** Read the line p[0, n) by the marker grammar: blanks, 0-6 '#', blanks, label, blanks, colon. */
void dlg_marker__classify(dlg_marker *m, const dlg_ctx *ctx, const char *p, size_t n);

/** Whether a line (from its first non-blank) would start a turn or end the dialogue. */
bool dlg_marker__shaped(const dlg_ctx *ctx, const char *p, size_t n);

/** Whether a glued marker starts at p[i]: "###", blanks, a known label, blanks, a colon. */
bool dlg_marker__glued_at(const dlg_ctx *ctx, const char *p, size_t n, size_t i);

/** The next colon (ASCII or full-width) in p[from, n), or n; *len its bytes. A line without
 * one is neither a marker nor holds a label. */
size_t dlg_marker__next_colon(size_t *len, const char *p, size_t n, size_t from);

/** W303: a known label followed by a colon in the middle of a text line; *at_out is where the
 * label starts, *end_out the byte after its colon. False too when the run is to stop. */
bool dlg_marker__in_text(size_t *at_out, size_t *end_out, const dlg_ctx *ctx, const char *p,
			 size_t n);

/**
 * Whether a line p[0, n) inside a turn, classified as `m`, reads like a turn of a speaker no
 * label maps, written as the turn's own marker is (with as many '#'): a capitalised one-word
 * label at the line's start, then text after its colon (`Alex: I'm fine`), or a heading-like
 * marker line (`### Lucky:`, W308). Only the turn order can tell it from prose such as
 * `Note: …` or a heading such as `### Ingredients:` (validate.c).
 */
bool dlg_marker__unknown_speaker_shaped(const dlg_marker *m, const char *p, size_t n,
					size_t hashes);

#endif
