/*
 * kept.h - the types of the --keep-fields values (kept.c), as pyarrow would infer them: one
 * per column, for the dataset card's features. For the driver and the card.
 */
#ifndef DLG_KEPT_H
#define DLG_KEPT_H

#include "internal.h"
#include "buf.h"
#include "unit.h"

/** The types of the --keep-fields values written so far. */
typedef struct dlg_kept_types dlg_kept_types;

dlg_status dlg_kept__types_new(dlg_kept_types **out, const dlg_options *o,
			       dlg_error *err) DLG_WUR;
void dlg_kept__types_free(dlg_kept_types *t);
/**
 * Join the types of u's kept values into t, in commit order. A value whose type does not
 * join those before it (a string where objects were) is W320 on u and set in u->kept_nulled
 * (written as null), so that every column keeps one type.
 */
dlg_status dlg_kept__types_add(dlg_kept_types *t, dlg_unit *u, dlg_error *err) DLG_WUR;
/** The kept fields as Hugging Face features (YAML, each "- name:" at `pad` spaces). */
dlg_status dlg_kept__features(dlg_buf *b, const dlg_kept_types *t, int pad,
			      dlg_error *err) DLG_WUR;

#endif
