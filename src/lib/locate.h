/*
 * locate.h - where a finding inside a JSON string points in the record's line, and the
 * excerpt a finding quotes (locate.c). For the transcript reader's W303.
 */
#ifndef DLG_LOCATE_H
#define DLG_LOCATE_H

#include "internal.h"

/* Findings located in a JSON line per record: each costs a pass over the line. */
#define DLG_MAX_LOCATED 16

/**
 * Where a JSON record's text came from, so that a finding inside it can name its column in
 * the record's line (locate.c). All borrowed.
 */
typedef struct dlg_json_origin {
	const char *line;  /* the record's JSON line as read (step.c); NULL for a .json
			      document's records, which are printed again */
	size_t line_len;
	const char *text;  /* the JSON string being read into turns, decoded */
	size_t text_len;
	const char *key;   /* the key it stands under, or NULL */
	const char *copy;  /* its copy in unit.decoded (glued markers on lines of their own,
			      stage directions put back) */
	size_t copy_len;
	unsigned located;  /* findings located so far, up to DLG_MAX_LOCATED */
	/* what the last lookup found, so that the next one in the same string (they come in
	 * its order) does not read the record's line from its start again: (locate.c) */
	const char *seen_text; /* the string (and its length) that literal `seen_at` was */
	size_t seen_len;       /* found for */
	size_t seen_at;        /* its literal's first byte in the line, or 0 */
	size_t walk_target;    /* the last column walk: to this decoded offset, */
	size_t walk_decoded;   /* it got this far, */
	size_t walk_i;         /* at this byte of the line */
} dlg_json_origin;

/**
 * The 1-based column in o->line (the JSON record's line) of a marker at line[at], a line of
 * the text being read into turns, whose colon ends at line[end - 1]; 0 when that cannot be
 * told for sure, or when *cancel (options.cancel, may be NULL) became non-zero on the way
 * (the caller looks). Counts the lookup in o->located.
 */
uint32_t dlg_locate__json_column(dlg_json_origin *o, const char *line, size_t at, size_t end,
				 const volatile sig_atomic_t *cancel);

/** A short excerpt of the line p[0, n) around p[at], quoted as in JSON, into out[0, cap). */
void dlg_locate__excerpt(char *out, size_t cap, const char *p, size_t n, size_t at);

#endif
