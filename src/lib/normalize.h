/*
 * normalize.h - docs/rules.md "Bytes and encodings" and "Normalization" (normalize.c): bytes
 * checked, Unicode normalized, lines and blank runs tidied.
 */
#ifndef DLG_NORMALIZE_H
#define DLG_NORMALIZE_H

#include "internal.h"
#include "unit.h"

/**
 * The byte check of docs/rules.md "Bytes and encodings" on a whole input: 0 when the bytes
 * are valid UTF-8 without NUL, else DLG_DIAG_INVALID_UTF8 or DLG_DIAG_BINARY with the
 * offending offset in *bad_off.
 */
int dlg_normalize__check_bytes(size_t *bad_off, const char *p, size_t n);

/**
 * dlg_normalize__check_bytes() on a conversation's bytes, its finding in *code (0 for none),
 * looking at options.cancel as it goes: DLG_E_CANCELED when the run is to stop.
 */
dlg_status dlg_normalize__check_unit_bytes(int *code, size_t *bad_off, const dlg_unit *u,
					   const char *p, size_t n, dlg_error *err) DLG_WUR;

/**
 * Steps 2-3 on the raw lines of a turn (or the preamble when `turn_no` is 0), appending
 * the normalized text to u->text and setting *out.
 */
dlg_status dlg_normalize__raw(dlg_span *out, dlg_unit *u, const dlg_raw *raw, uint32_t turn_no,
			      dlg_error *err) DLG_WUR;

/**
 * Step 3 on normalized text in place: strip trailing blanks of each line, trim the whole,
 * collapse runs of blank lines to one (counted in *collapsed when non-NULL). The places
 * `stages[k].at` (ascending byte offsets into t) move with the text. Returns the new length.
 */
size_t dlg_normalize__tidy(char *t, size_t n, uint64_t *collapsed, dlg_stage *stages,
			  size_t n_stages);

/** Whether NFC (NFKC) could change text containing `cp`: the quick check before utf8proc. */
bool dlg_normalize__may_change(int32_t cp, bool nfkc);

/** Number of code points in valid UTF-8. */
uint64_t dlg_normalize__count_chars(const char *p, size_t n);

#endif
