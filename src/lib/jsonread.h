/*
 * jsonread.h - JSON records read into a conversation's turns (jsonread.c), and a .json
 * document turned into JSON lines. For the step (a record) and the intake (a document).
 */
#ifndef DLG_JSONREAD_H
#define DLG_JSONREAD_H

#include "internal.h"
#include "buf.h"
#include "unit.h"

/** The turns of one JSON record (one JSONL line) into u, with findings at its line. */
dlg_status dlg_jsonread__record(dlg_unit *u, const char *p, size_t n, dlg_error *err) DLG_WUR;

/**
 * A .json document holding an array of records (or one record) as JSON lines, one per
 * record, into `out`. *bad_code is 0, or DLG_DIAG_INVALID_JSON (not valid JSON) or
 * DLG_DIAG_BINARY (a NUL byte or a \u0000 escape) with the offending offset in *bad_off and
 * the finding's message in *bad_msg (static). *json_lines is true (and `out` empty) when p
 * holds JSON lines instead: an object on its first line and more after it.
 */
dlg_status dlg_jsonread__document_lines(dlg_diag_code *bad_code, size_t *bad_off,
					const char **bad_msg, bool *json_lines, dlg_buf *out,
					const char *p, size_t n, dlg_error *err) DLG_WUR;

#endif
