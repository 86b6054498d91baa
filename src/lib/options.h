/*
 * options.h - a run's options checked and resolved into its context (options.c).
 */
#ifndef DLG_OPTIONS_H
#define DLG_OPTIONS_H

#include "internal.h"
#include "ctx.h"

/** Check `o` (borrowed for ctx's life) and resolve its labels, splits, findings' modes and
 * group pattern into `ctx`. Call dlg_options__release() afterwards, even when this fails. */
dlg_status dlg_options__resolve(dlg_ctx *ctx, const dlg_options *o, dlg_error *err) DLG_WUR;
void dlg_options__release(dlg_ctx *ctx);

#endif
