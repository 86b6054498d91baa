/*
 * carried.h - what of a JSON record reaches the output (carried.c): each message's
 * --keep-message-fields values, and the names of the fields no output holds, which
 * findings.c says once per file (W322). For the record reader (jsonread.c).
 */
#ifndef DLG_CARRIED_H
#define DLG_CARRIED_H

#include "internal.h"
#include "unit.h"

#include <cjson/cJSON.h>

/**
 * Message m's --keep-message-fields values into u->msg_kept (cJSON's printing, a NUL after
 * each, "null" for one it has not); *at becomes 1 + where they start, or 0 without the
 * option. Its other members but `role` and `content` (the nodes read), its stage
 * directions and what tools.c carries are noted as not carried.
 */
dlg_status dlg_carried__message(size_t *at, dlg_unit *u, const cJSON *m, const cJSON *role,
				const cJSON *content, dlg_error *err) DLG_WUR;

/** Message-level names a pair's rejected side noted, added to its chosen side's. */
dlg_status dlg_carried__merge(dlg_unit *chosen, const dlg_unit *rejected, dlg_error *err) DLG_WUR;

/**
 * The members of record `root` that are neither read (the first keys of the paths in
 * used[0, n_used)) nor kept (--keep-fields, or a dlgconv record's own id, source, record
 * and meta) noted as not carried on u.
 */
dlg_status dlg_carried__record(dlg_unit *u, const cJSON *root, const char *const *used,
			       size_t n_used, dlg_error *err) DLG_WUR;

/** The most distinct field names a record notes; past it, one '+' entry stands for the
 * rest (findings.c says "more fields"). */
#define DLG_CARRIED_NAMES 64

#endif
