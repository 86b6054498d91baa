/*
 * validate.h - the turn rules of docs/rules.md, E2xx (validate.c).
 */
#ifndef DLG_VALIDATE_H
#define DLG_VALIDATE_H

#include "internal.h"
#include "unit.h"

/** The structure rules on u's normalized turns (may merge or drop turns). */
dlg_status dlg_validate__turns(dlg_unit *u, dlg_error *err) DLG_WUR;

/**
 * The two validated sides of a preference pair: the rejected side's findings become the
 * chosen side's (which commits the pair; the rejected is marked consumed), and E209 when
 * they are not two replies to one prompt. *prompt_out is the number of shared turns.
 */
dlg_status dlg_validate__pair(size_t *prompt_out, dlg_unit *chosen, dlg_unit *rejected,
			      dlg_error *err) DLG_WUR;

#endif
