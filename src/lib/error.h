/*
 * error.h - filling a dlg_error (error.c), whose tables also give each status and finding
 * code its names.
 */
#ifndef DLG_ERROR_H
#define DLG_ERROR_H

#include "internal.h"

/** Fill `err` (may be NULL) and return `code`. */
dlg_status dlg_error__set(dlg_error *err, dlg_status code, int sys_errno, const char *fmt, ...)
	DLG_PRINTF(4, 5);

/** Drop a character the end of `msg` (NUL-terminated) cuts in two. */
void dlg_error__utf8_cut(char *msg);

/**
 * s[0, n) (valid UTF-8) for a one-line message, into out[0, cap) (cap >= 8, NUL-terminated):
 * quotes, backslashes and controls escaped as in JSON, cut on a character boundary with
 * "..." when it does not fit.
 */
void dlg_error__quote(char *out, size_t cap, const char *s, size_t n);

/** DLG_E_IO with "cannot <what> '<path>': <strerror(sys_errno)>"; returns DLG_E_IO. */
dlg_status dlg_error__io(dlg_error *err, int sys_errno, const char *what, const char *path);

#endif
