/*
 * mojibake.h - repair of UTF-8 that was decoded as Windows-1252 or Latin-1 and encoded as
 * UTF-8 again ("Iâ€™m" for "I’m", "cafÃ©" for "café"), for --fix-mojibake and W305.
 * Implemented in mojibake.c (uses buf.c, error.c and utf8proc); included by normalize.c.
 * The decisions and their reasons are in mojibake.c's opening comment.
 */
#ifndef DLG_MOJIBAKE_H
#define DLG_MOJIBAKE_H

#include "internal.h"
#include "buf.h"

/* What a repair or a search found: how many sequences, and where the first one starts. */
typedef struct dlg_mojibake_found {
	size_t count;     /* mis-decoded sequences (and lone C1 controls) repaired */
	size_t first_off; /* byte offset of the first one in the input; 0 when count is 0 */
	size_t first_len; /* its length in bytes of the input */
} dlg_mojibake_found;

/**
 * Append p[0, n) (valid UTF-8, not inside `out`) to `out` with every mojibake sequence
 * repaired, also sequences that were mis-decoded twice or more. `found` (may be NULL) says
 * what was repaired in p. The result is stable: repairing it again changes nothing.
 * Returns DLG_OK, or DLG_E_NOMEM / DLG_E_LIMIT from `out` (then `out` may hold part of it),
 * or DLG_E_CANCELED when *cancel (may be NULL) became non-zero on the way: it is looked at
 * every DLG_CANCEL_STRIDE bytes (unit.h).
 */
dlg_status dlg_mojibake__repair(dlg_buf *out, dlg_mojibake_found *found, const char *p, size_t n,
				const volatile sig_atomic_t *cancel, dlg_error *err) DLG_WUR;

/**
 * Search only, no output: the sequences dlg_mojibake__repair() would change in p[0, n)
 * (valid UTF-8), with the same count and first location. For W305 without --fix-mojibake.
 * Costs one 8-bytes-at-a-time scan on text without U+0080-U+00FF; never allocates. Returns
 * false, and `found` means nothing, when *cancel (may be NULL) became non-zero on the way.
 */
bool dlg_mojibake__find(dlg_mojibake_found *found, const char *p, size_t n,
			const volatile sig_atomic_t *cancel);

#endif
