/*
 * tokcount.h - a conversation's tokens under --tokenizer, and the limits on them
 * (tokcount.c).
 */
#ifndef DLG_TOKCOUNT_H
#define DLG_TOKCOUNT_H

#include "internal.h"
#include "unit.h"

/**
 * With --tokenizer: each turn of `u` counted into u->tokens, then --max-tokens applied as
 * --over-limit says (E220, W330, W331), then E221 for a conversation left with no trainable
 * token. Without, u->tokens is left empty.
 */
dlg_status dlg_tokcount__apply(dlg_unit *u, dlg_error *err) DLG_WUR;

#endif
