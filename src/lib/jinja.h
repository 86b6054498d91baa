/*
 * jinja.h - a model's chat template (docs/templates.md): the subset of Jinja that the
 * official chat templates use, compiled once (jinja_lex.c, jinja_parse.c) and rendered as
 * @huggingface/jinja renders it (jinja_eval.c, jinja_value.c). A compiled template is
 * read-only: any number of threads may render it at once.
 */
#ifndef DLG_JINJA_H
#define DLG_JINJA_H

#include "internal.h"
#include "buf.h"

typedef struct dlg_jinja dlg_jinja;

/**
 * Compiles src[0, n). A construct outside the subset, or a syntax error, is DLG_E_ARG
 * whose message names it and its line and column in the template.
 */
dlg_status dlg_jinja__compile(dlg_jinja **out, const char *src, size_t n, dlg_error *err) DLG_WUR;
void dlg_jinja__free(dlg_jinja *t);

/**
 * Appends to `out` the rendering of `t` with the variables of the JSON object vars[0, n)
 * (messages, tools, add_generation_prompt, bos_token...). At most `budget` bytes of memory
 * (values and output) and a bounded number of steps: past either, DLG_E_LIMIT. A runtime
 * error (a raise_exception, an operation on values that do not take it) is DLG_E_ARG with
 * the template's line and column; raise_exception's message is the template's own.
 */
dlg_status dlg_jinja__render(const dlg_jinja *t, const char *vars, size_t n, size_t budget,
			     dlg_buf *out, dlg_error *err) DLG_WUR;

#endif
