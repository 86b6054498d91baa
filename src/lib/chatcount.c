/*
 * chatcount.c - a conversation's tokens under its chat template (docs/templates.md
 * "Counts under the template"): its messages written as the JSON a trainer's dataset holds
 * (role, content, then the members dlgconv writes after it: reasoning_content, tool_calls,
 * tool_call_id, name, weight), rendered by chat.c and encoded by tokenizer.c.
 *
 * Trainable tokens follow TRL's prompt-completion masking (SFTTrainer's tokenize step:
 * prompt_ids from apply_chat_template(prompt, add_generation_prompt=True), the mask 0 for
 * len(prompt_ids) tokens of apply_chat_template(prompt + completion) and 1 after), taken
 * at each assistant turn: each costs two renderings of the conversation up to it, so the
 * work grows with the assistant turns times the conversation's length.
 */
#include "chatcount.h"
#include "chat.h"
#include "error.h"
#include "record.h"
#include "tokenizer.h"

#include <stdlib.h>

typedef struct work {
	dlg_unit *u;
	dlg_buf msgs;   /* "[" then the messages, a comma between two, no "]" */
	dlg_buf ends;   /* size_t: where each written message ends in msgs */
	dlg_buf turn;   /* size_t: which turn each written message is */
	dlg_buf prefix; /* the messages up to one, with the "]" */
	dlg_buf vars, text;
	bool refused;
	dlg_error *err;
} work;

static const char *const role_name[] = { "system", "user", "assistant", "tool" };

static dlg_status messages(work *w, size_t skip_from, size_t skip_to)
{
	dlg_unit *u = w->u;
	DLG_TRY(dlg_buf__putc(&w->msgs, '[', w->err));
	for (size_t i = 0; i < DLG_BUF_COUNT(&u->turns, dlg_turn); i++) {
		if (i >= skip_from && i < skip_to)
			continue;
		const dlg_turn *t = &DLG_BUF_AT(&u->turns, dlg_turn, i);
		if (w->ends.len)
			DLG_TRY(dlg_buf__putc(&w->msgs, ',', w->err));
		DLG_TRY(dlg_buf__printf(&w->msgs, w->err, "{\"role\":\"%s\",\"content\":",
					role_name[t->role]));
		DLG_TRY(dlg_record__json_string(&w->msgs, u->text.data + t->text.off, t->text.len,
						w->err));
		DLG_TRY(dlg_buf__append(&w->msgs, u->msg_extra.data + t->extra.off, t->extra.len,
					w->err));
		DLG_TRY(dlg_buf__putc(&w->msgs, '}', w->err));
		DLG_TRY(dlg_buf__append(&w->ends, &w->msgs.len, sizeof(size_t), w->err));
		DLG_TRY(dlg_buf__append(&w->turn, &i, sizeof i, w->err));
	}
	return DLG_OK;
}

/* The tokens of the rendering of the first k written messages. */
static dlg_status render_count(work *w, size_t k, bool prompt, uint64_t *count)
{
	dlg_unit *u = w->u;
	size_t end = k ? DLG_BUF_AT(&w->ends, size_t, k - 1) : 1;
	w->prefix.len = w->text.len = 0;
	DLG_TRY(dlg_buf__append(&w->prefix, w->msgs.data, end, w->err));
	DLG_TRY(dlg_buf__putc(&w->prefix, ']', w->err));
	DLG_TRY(dlg_unit__check_cancel(u, w->err));
	dlg_error why;
	dlg_status st = dlg_chat__render(u->ctx->chat, w->prefix.data, w->prefix.len,
					 u->tools.data, u->tools.len, prompt, &w->vars, &w->text,
					 &why);
	if (st == DLG_E_ARG || st == DLG_E_LIMIT) {
		static const dlg_turn none = { .line = 1, .col = 1 };
		const dlg_turn *t = DLG_BUF_COUNT(&u->turns, dlg_turn) ?
				    &DLG_BUF_AT(&u->turns, dlg_turn, 0) : &none;
		w->refused = true;
		*count = 0;
		return dlg_unit__diag(u, w->err, DLG_DIAG_TEMPLATE_REFUSED, t->line, t->col, 0,
				      "the chat template (%s) refuses the conversation: %s",
				      dlg_chat__name(u->ctx->chat), why.msg);
	}
	if (st) {
		*w->err = why;
		return st;
	}
	return dlg_tokenizer__count(u->ctx->tokenizer, u->tok_scratch, w->text.data, w->text.len,
				    count, w->err);
}

static dlg_status sums(work *w, size_t skip_from, size_t skip_to, uint64_t *total,
		       uint64_t *trainable)
{
	DLG_TRY(messages(w, skip_from, skip_to));
	size_t n = DLG_BUF_COUNT(&w->ends, size_t);
	DLG_TRY(render_count(w, n, false, total));
	for (size_t k = 0; k < n && !w->refused; k++) {
		size_t i = DLG_BUF_AT(&w->turn, size_t, k);
		const dlg_turn *t = &DLG_BUF_AT(&w->u->turns, dlg_turn, i);
		if (t->role != DLG_ROLE_ASSISTANT || dlg_unit__zero_weight(w->u, t))
			continue;
		uint64_t prompt, upto;
		DLG_TRY(render_count(w, k, true, &prompt));
		if (!w->refused)
			DLG_TRY(render_count(w, k + 1, false, &upto));
		if (!w->refused && upto > prompt)
			*trainable += upto - prompt;
	}
	return DLG_OK;
}

dlg_status dlg_chatcount__sums(dlg_unit *u, size_t skip_from, size_t skip_to, uint64_t *total,
			       uint64_t *trainable, bool *refused, dlg_error *err)
{
	work w = { .u = u, .err = err };
	dlg_buf *bufs[] = { &w.msgs, &w.ends, &w.turn, &w.prefix, &w.vars, &w.text };
	for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++)
		dlg_buf__init(bufs[i], NULL, DLG_BUF_UNCAPPED);
	*total = *trainable = 0;
	dlg_status st = sums(&w, skip_from, skip_to, total, trainable);
	if (w.refused)
		*total = *trainable = 0;
	*refused = w.refused;
	for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++)
		dlg_buf__dispose(bufs[i]);
	return st;
}
