/*
 * discover.h - the input arguments walked into a sorted list of files (discover.c), and
 * the names records and findings give them.
 */
#ifndef DLG_DISCOVER_H
#define DLG_DISCOVER_H

#include "internal.h"
#include "buf.h"

typedef struct dlg_input {
	char *path;    /* to open, the file system's own bytes; "-" for stdin */
	char *source;  /* the name records carry (docs/rules.md "Sources and paths"), as valid UTF-8
			  (dlg_discover__escape) */
	char *shown;   /* what findings call it when that differs from `source` (an absolute
			  argument: the path as typed), else NULL; see dlg_input__shown() */
	uint64_t size; /* on disk, for progress; 0 for stdin */
	uint64_t dev, ino; /* which file it is; 0 for stdin */
} dlg_input;

/** What findings call an input: the path as the user typed it, then the walked part. */
static inline const char *dlg_input__shown(const dlg_input *in)
{
	return in->shown ? in->shown : in->source;
}

/** An entry a directory walk passed over: a finding at line 1, column 1 of its source. */
typedef struct dlg_skipped {
	dlg_diag_code code; /* W312 (FIFO, device, socket) or W315 (unreadable, dangling) */
	char *shown;        /* as dlg_input__shown() would say; owns `msg`'s bytes too */
	const char *msg;    /* what failed, for the finding */
} dlg_skipped;

typedef struct dlg_inputs {
	dlg_input *items;
	size_t count;
	size_t cap;
	dlg_buf skipped;   /* dlg_skipped[]; each argument's in byte-wise order of path */
	const dlg_allocator *alloc;
} dlg_inputs;

/**
 * The files `args` name (docs/rules.md "Discovery"): each argument's directories walked, each
 * directory once; entries a walk cannot read go to out->skipped. Fails for an argument that
 * cannot be read, DLG_E_CANCELED when *opts->cancel is set, DLG_E_NOMEM, DLG_E_LIMIT.
 * Call dlg_discover__dispose(out) afterwards, even when this fails.
 */
dlg_status dlg_discover__inputs(dlg_inputs *out, const char *const *args, size_t n_args,
				const dlg_options *opts, dlg_error *err) DLG_WUR;
void dlg_discover__dispose(dlg_inputs *in);

/**
 * Append s[0, n) to `out` as valid UTF-8, reversibly: each backslash as `\\` and each byte
 * that is not part of valid UTF-8 as `\xHH` (lower-case hex); valid UTF-8 without a
 * backslash is appended unchanged. No NUL is added.
 */
dlg_status dlg_discover__escape(dlg_buf *out, const char *s, size_t n, dlg_error *err) DLG_WUR;

#endif
