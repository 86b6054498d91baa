/*
 * neardup.h - near-duplicate signatures and their similarity (neardup.c); the index of them
 * is nearindex.h. The signature type itself is in unit.h: a unit holds one.
 */
#ifndef DLG_NEARDUP_H
#define DLG_NEARDUP_H

#include "internal.h"
#include "buf.h"
#include "unit.h"

#define DLG_NEARDUP_BANDS 16
/** As dlg_nearindex__add's `cluster`: the new id starts a cluster of its own. */
#define DLG_NEARDUP_NEW UINT32_MAX
/** Ids are 0 .. DLG_NEARDUP_MAX_IDS - 1; UINT32_MAX marks no id. */
#define DLG_NEARDUP_MAX_IDS (UINT32_MAX - 1)

/**
 * The signature of u's turns (roles and normalized contents) into *out. `scratch` is work
 * space, reused from call to call so that only a conversation larger than any before it
 * allocates. Fails only with DLG_E_NOMEM or DLG_E_LIMIT (scratch's cap).
 */
dlg_status dlg_neardup__signature(dlg_neardup_sig *out, const dlg_unit *u, dlg_buf *scratch,
				  dlg_error *err) DLG_WUR;
/** The Jaccard similarity of two signatures' shingle sets, in [0, 1]: exact when both keep
 * their set, else estimated (neardup.c); 0 with an empty one. */
double dlg_neardup__similarity(const dlg_neardup_sig *a, const dlg_neardup_sig *b);
/** The bin that empty bin `bin` takes its value from at densification attempt `attempt`
 * (1, 2, ...), as the signature computes it: exported so the unit tests pin the code's own
 * answer, not a copy of its formula. */
size_t dlg_neardup__probed_bin(uint8_t bin, uint64_t attempt);

/**
 * The similarity of two non-empty conversations from their signatures' bins, their numbers
 * of distinct shingles and, with few, their exact sets (see dlg_neardup__similarity).
 */
double dlg_neardup__similarity_of(const uint8_t *nib_a, size_t n_a, const uint32_t *set_a,
				  const uint8_t *nib_b, size_t n_b, const uint32_t *set_b);

#endif
