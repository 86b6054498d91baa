/*
 * jsonscan.h - the strict JSON scanner (jsonscan.c): whether text is strict JSON (what
 * Python's json and pyarrow read), a value copied without the white space between its tokens,
 * the type trees pyarrow would infer, and where a record's member stands in its text.
 * For the JSON readers (jsonread.c) and the kept fields' types (kept.c).
 */
#ifndef DLG_JSONSCAN_H
#define DLG_JSONSCAN_H

#include "internal.h"
#include "buf.h"
#include "unit.h"

struct cJSON;

/** A scan of p[0, n) from i. */
typedef struct dlg_jsonscan {
	const char *p;
	size_t n, i;
	dlg_buf *min;      /* when non-NULL: the value copied without white space between tokens */
	dlg_status status; /* DLG_E_NOMEM when copying or a type tree ran out of memory */
	dlg_error *err;
} dlg_jsonscan;

/**
 * The value at s->i (white space before it skipped), strictly, at nesting `depth`; *type
 * (when `type` is non-NULL) gets its type tree: "string", "int64", "float64", "bool", "null";
 * {"list": T}; {"struct": {"key": T, ...}}, or "mixed" inside for items that do not join.
 */
bool dlg_jsonscan__value(dlg_jsonscan *s, int depth, struct cJSON **type);

/** Whether p[0, n) is one strict JSON value (white space around it allowed). */
bool dlg_jsonscan__strict(const char *p, size_t n);

/** Where a `\u0000` escape is (its backslash not itself escaped), or SIZE_MAX. */
size_t dlg_jsonscan__escaped_nul(const char *p, size_t n);

/** Past the white space at p[i] by cJSON's rule (bytes up to 32, a leading BOM). */
size_t dlg_jsonscan__skip_cjson_space(const char *p, size_t n, size_t i);

/** Past the value at p[i] (after any white space) of a text cJSON has read. */
size_t dlg_jsonscan__skip_lenient(const char *p, size_t n, size_t i);

/** Where the value of the record p[0, n)'s top-level member `name` is: the last one. */
bool dlg_jsonscan__member_text(dlg_span *out, const char *p, size_t n, const char *name);

/** A copy of what type trees a and b (NULL: "null") both fit in; NULL with *conflict when
 * there is none, NULL alone when out of memory. */
struct cJSON *dlg_jsonscan__join_types(const struct cJSON *a, const struct cJSON *b,
				       bool *conflict);

/** Whether type tree t is the scalar type `name` (NULL is any). */
bool dlg_jsonscan__is_type(const struct cJSON *t, const char *name);

/** Whether a type tree holds "mixed" anywhere. */
bool dlg_jsonscan__mixed(const struct cJSON *t);

/** The first repeated key met in a record, and how often it stood in its object. */
typedef struct dlg_jsonscan_dups {
	const char *first; /* borrowed from the tree: the key that was kept */
	size_t times;
	dlg_status status; /* DLG_E_NOMEM when a large object's keys could not be sorted */
} dlg_jsonscan_dups;

/**
 * Python's json keeps the last of repeated keys and cJSON the first: the earlier ones are
 * dropped from the tree under `node`, so that a record means to dlgconv what it means to
 * the Python tools that read it; the first repeat goes to *d.
 */
void dlg_jsonscan__drop_repeated_keys(dlg_jsonscan_dups *d, struct cJSON *node,
				      const dlg_allocator *alloc);

#endif
