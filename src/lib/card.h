/*
 * card.h - the dataset card, DIR/README.md (card.c). For the dataset's commit.
 */
#ifndef DLG_CARD_H
#define DLG_CARD_H

#include "internal.h"
#include "buf.h"
#include "manifest.h"

/** The dataset card (DIR/README.md) for what `m` reports, appended to `out`. */
dlg_status dlg_card__render(dlg_buf *out, const dlg_manifest *m, dlg_error *err) DLG_WUR;

#endif
