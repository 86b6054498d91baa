/*
 * chat.h - the chat template a run renders its conversations with (chat.c,
 * docs/templates.md): a built-in one, or the chat_template of the tokenizer's
 * tokenizer_config.json, compiled once with the variables its model gives it.
 */
#ifndef DLG_CHAT_H
#define DLG_CHAT_H

#include "internal.h"
#include "buf.h"

struct dlg_tokenizer;

/** A built-in template's text (chat_templates.c, made by CMakeLists.txt). */
typedef struct dlg_chat_builtin {
	const char *name;
	const char *text;
	size_t len;
} dlg_chat_builtin;
extern const dlg_chat_builtin dlg_chat__builtins[];
extern const size_t dlg_chat__n_builtins;

typedef struct dlg_chat dlg_chat;

/**
 * The template `name` says: a built-in's name, "tokenizer" (the tokenizer's own, an
 * error when it has none), "none" (*out NULL: contents are counted alone), or NULL: the
 * tokenizer's when it has one, else none. An unknown name, or a template outside the
 * subset, is DLG_E_ARG naming it.
 */
dlg_status dlg_chat__load(dlg_chat **out, const char *name, const struct dlg_tokenizer *tok,
			  dlg_error *err) DLG_WUR;
void dlg_chat__free(dlg_chat *c);

/** What the manifest and messages call it: the built-in's name, or "tokenizer". */
const char *dlg_chat__name(const dlg_chat *c);

/** A built-in's variables as JSON object members (`"bos_token":"<s>",...`), or NULL. */
const char *dlg_chat__builtin_vars(const char *name);

/**
 * Appends to `out` the rendering of the conversation: messages[0, n) is the JSON text of
 * its messages (an array), tools[0, tools_n) of its tools (or tools_n 0: none), with
 * add_generation_prompt `prompt`. `vars` is scratch. Errors are dlg_jinja__render's.
 */
dlg_status dlg_chat__render(const dlg_chat *c, const char *messages, size_t n,
			    const char *tools, size_t tools_n, bool prompt, dlg_buf *vars,
			    dlg_buf *out, dlg_error *err) DLG_WUR;

#endif
