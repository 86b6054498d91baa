/*
 * tools.h - tool use and reasoning in JSON records (tools.c): a message's tool calls,
 * tool_call_id, name, weight and reasoning, kept as the members its written message carries;
 * the calls checked against the record's tools and answered by tool messages (E211-E214).
 * For the record reader (jsonread.c).
 */
#ifndef DLG_TOOLS_H
#define DLG_TOOLS_H

#include "internal.h"
#include "unit.h"

#include <cjson/cJSON.h>

/** What one message brings besides its text. */
typedef struct dlg_tool_message {
	const cJSON *m;       /* the message */
	dlg_role role;
	bool function_call;   /* LLaMA-Factory's function_call turn: its content is the call(s) */
	const cJSON *content; /* its content: content parts may hold reasoning and calls */
	const char *think;    /* --split-think's reasoning taken from its text, or NULL */
	size_t think_len;
	uint32_t turn;        /* its number, for findings */
} dlg_tool_message;

/** Whether a content part of this type is read here (reasoning, a tool call), not text. */
bool dlg_tools__part(const char *type);

/** Whether message m holds tool calls (its text may then be empty or null). */
bool dlg_tools__has_calls(const cJSON *m, bool function_call);

/**
 * The record's tools (an array, or a JSON string holding one, as LLaMA-Factory writes it)
 * into u->tools; *declared is the array (owned: cJSON_Delete it), NULL when there is none.
 * A tools field that is neither is E211.
 */
dlg_status dlg_tools__record(cJSON **declared, dlg_unit *u, const cJSON *root,
			     dlg_error *err) DLG_WUR;

/**
 * Message tm's extra members into u->msg_extra (*extra), its tool calls last, from *calls_at
 * (extra->len when it has none); its calls checked (E211, E214 against `declared`) and the
 * calls before it answered (E212, E213).
 */
dlg_status dlg_tools__message(dlg_span *extra, size_t *calls_at, dlg_unit *u,
			      const cJSON *declared, const dlg_tool_message *tm,
			      dlg_error *err) DLG_WUR;

/** The JSON string LLaMA-Factory's function_call turn holds for the `,"tool_calls":[...]`
 * member p[0, len) dlg_tools__message wrote, appended to `out`. */
dlg_status dlg_tools__sharegpt_calls(dlg_buf *out, const char *p, size_t len,
				     dlg_error *err) DLG_WUR;

/** --split-think: a reply's leading <think>...</think> becomes tm's reasoning, and the text
 * after it (white space before it left out) the reply's *text. */
void dlg_tools__split_think(dlg_tool_message *tm, const char **text, size_t *len);

/**
 * A function_call message right after an assistant reply without calls becomes the calls
 * of that reply (*joined), as sharegpt writes a reply that has text and calls; else nothing
 * is done.
 */
dlg_status dlg_tools__join_calls(bool *joined, dlg_unit *u, const cJSON *declared,
				 const dlg_tool_message *tm, dlg_error *err) DLG_WUR;

/** The record's end: what the text format cannot hold is E210. */
dlg_status dlg_tools__end(dlg_unit *u, dlg_error *err) DLG_WUR;

#endif
