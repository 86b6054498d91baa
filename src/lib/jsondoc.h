/*
 * jsondoc.h - a .json document handed out as JSON lines, a chunk of records at a time
 * (jsondoc.c), without the document's tree: what it holds in memory is the document's bytes
 * and one record, whatever the number of records.
 */
#ifndef DLG_JSONDOC_H
#define DLG_JSONDOC_H

#include "internal.h"
#include "buf.h"

typedef struct dlg_jsondoc {
	const char *p;
	size_t n;
	size_t at;             /* where the next record starts */
	bool array;            /* an array of records; else one value, the only record */
	bool one_conversation; /* an array of messages: one record, {"messages": the array} */
	bool done;
} dlg_jsondoc;

/**
 * Read the document p[0, n) through once, as cJSON would (its offsets, its white space),
 * and make d ready to hand it out. *bad_code is 0, or DLG_DIAG_INVALID_JSON (not valid
 * JSON) or DLG_DIAG_BINARY (a NUL byte or a \u0000 escape) with the offending offset in
 * *bad_off and the finding's message in *bad_msg (static). *json_lines is true when p holds
 * JSON lines instead: an object on its first line and more after it.
 */
void dlg_jsondoc__open(dlg_jsondoc *d, dlg_diag_code *bad_code, size_t *bad_off,
		       const char **bad_msg, bool *json_lines, const char *p, size_t n);

/**
 * Append the next records to `out`, each as one line as it is written without the white
 * space between its tokens (printed again by cJSON when it is not strict JSON), until
 * `max_lines` records or `max_bytes` bytes; *lines gets how many. d->done after the last.
 */
dlg_status dlg_jsondoc__lines(dlg_jsondoc *d, dlg_buf *out, size_t max_lines, size_t max_bytes,
			      size_t *lines, dlg_error *err) DLG_WUR;

#endif
