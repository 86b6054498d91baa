/*
 * jsonparse.h - cJSON's reading of one JSON record, which a run can stop (jsonparse.c): a
 * record's long strings are read in pieces, with a look at options.cancel between.
 */
#ifndef DLG_JSONPARSE_H
#define DLG_JSONPARSE_H

#include "internal.h"
#include "buf.h"

#include <signal.h>

struct cJSON;

/**
 * What cJSON_ParseWithLengthOpts(p, n, end, 0) gives, the same tree or the same failure at
 * the same *end, with `cancel` (may be NULL) looked at about every DLG_CANCEL_STRIDE bytes:
 * *root is the tree (the caller deletes it) or NULL when the text is not JSON. `scratch`
 * holds the record's text with its long strings left out. DLG_E_CANCELED when asked to
 * stop, DLG_E_NOMEM when out of memory (the text may be valid then).
 */
dlg_status dlg_jsonparse__record(struct cJSON **root, const char **end, const char *p, size_t n,
				 const volatile sig_atomic_t *cancel, dlg_buf *scratch,
				 dlg_error *err) DLG_WUR;

#endif
