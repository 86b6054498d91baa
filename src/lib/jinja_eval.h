/*
 * jinja_eval.h - one render in progress, shared by the renderer (jinja_eval.c) and the
 * filters, tests, functions and methods (jinja_filter.c).
 */
#ifndef DLG_JINJA_EVAL_H
#define DLG_JINJA_EVAL_H

#include "jinja_ast.h"
#include "jinja_value.h"

typedef struct jscope {
	const struct jscope *parent;
	jdict vars;
} jscope;

typedef struct jev {
	const dlg_jinja *t;
	jarena arena;
	dlg_buf *out;
	size_t out_start;
	uint64_t steps;
	dlg_error *err;
} jev;

/** The value of expression `node`. */
dlg_status dlg_jev__eval(jev *e, const jscope *sc, uint32_t node, jv *out) DLG_WUR;
/** DLG_E_ARG naming the line and column of `node`. */
dlg_status dlg_jev__fail(jev *e, uint32_t node, const char *fmt, ...) DLG_PRINTF(3, 4);
/** DLG_E_LIMIT: the render went past its budget. */
dlg_status dlg_jev__budget(jev *e);
/** Strict equality (JavaScript's ===) of two values, as `in` a list compares. */
bool dlg_jev__same(const jv *a, const jv *b);
/** The strings of parts[0, n) written one after the other, as one string. */
dlg_status dlg_jev__concat(jev *e, const jv *parts, size_t n, jv *out) DLG_WUR;

/* jinja_filter.c */
dlg_status dlg_jev__call(jev *e, const jscope *sc, uint32_t node, jv *out) DLG_WUR;
dlg_status dlg_jev__filter(jev *e, const jscope *sc, uint32_t node, jv *out) DLG_WUR;
dlg_status dlg_jev__test(jev *e, const jscope *sc, uint32_t node, jv *out) DLG_WUR;
/** obj[a:b:c] with the N_SLICE `node`. */
dlg_status dlg_jev__slice(jev *e, const jscope *sc, uint32_t node, const jv *obj,
			  jv *out) DLG_WUR;
/** A mapping's keys as a list. */
dlg_status dlg_jev__keys(jev *e, const jv *dict, jv *out) DLG_WUR;

#endif
