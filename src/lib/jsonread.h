/*
 * jsonread.h - JSON records read into a conversation's turns (jsonread.c), and a .json
 * document turned into JSON lines. For the step (a record) and the intake (a document).
 */
#ifndef DLG_JSONREAD_H
#define DLG_JSONREAD_H

#include "internal.h"
#include "buf.h"
#include "unit.h"

/** The turns of one JSON record (one JSONL line) into u, with findings at its line. */
dlg_status dlg_jsonread__record(dlg_unit *u, const char *p, size_t n, dlg_error *err) DLG_WUR;

#endif
