/*
 * chatcount.h - a conversation's tokens under its chat template (chatcount.c,
 * docs/templates.md "Counts under the template").
 */
#ifndef DLG_CHATCOUNT_H
#define DLG_CHATCOUNT_H

#include "internal.h"
#include "unit.h"

/**
 * The tokens of the conversation's rendering without turns [skip_from, skip_to) (both 0:
 * all of it), and its trainable tokens: for each assistant turn (not of weight 0), the
 * tokens of the rendering up to it less those of the rendering before it with the
 * generation prompt, as TRL's prompt-completion masking counts them. A conversation the
 * template refuses gets E222 and *refused; the sums are then 0.
 */
dlg_status dlg_chatcount__sums(dlg_unit *u, size_t skip_from, size_t skip_to, uint64_t *total,
			       uint64_t *trainable, bool *refused, dlg_error *err) DLG_WUR;

#endif
