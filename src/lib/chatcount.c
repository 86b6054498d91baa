/*
 * chatcount.c - a conversation's tokens under its chat template (docs/templates.md
 * "Counts under the template"): its messages written as the JSON a trainer's dataset holds
 * (role, content, then the members dlgconv writes after it: reasoning_content, tool_calls,
 * tool_call_id, name, weight), rendered by chat.c and encoded by tokenizer.c.
 *
 * Trainable tokens follow TRL's prompt-completion masking (SFTTrainer's tokenize step:
 * prompt_ids from apply_chat_template(prompt, add_generation_prompt=True), the mask 0 for
 * len(prompt_ids) tokens of apply_chat_template(prompt + completion) and 1 after), taken
 * at each assistant turn: each costs two renderings of the conversation up to it, whose
 * tokens are counted only past the last added token they share (reply_tokens).
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
	dlg_buf vars;
	dlg_buf text[3];  /* a prompt's rendering, its reply's, the whole conversation's */
	dlg_buf added[3]; /* (start, end) of the added tokens of each: the prompt's and the
			     reply's past `scanned`, all of the conversation's */
	size_t longest;   /* the tokenizer's longest added token */
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

/* The rendering of the first k written messages into `text`. */
static dlg_status render(work *w, size_t k, bool prompt, dlg_buf *text)
{
	dlg_unit *u = w->u;
	size_t end = k ? DLG_BUF_AT(&w->ends, size_t, k - 1) : 1;
	w->prefix.len = text->len = 0;
	DLG_TRY(dlg_buf__append(&w->prefix, w->msgs.data, end, w->err));
	DLG_TRY(dlg_buf__putc(&w->prefix, ']', w->err));
	DLG_TRY(dlg_unit__check_cancel(u, w->err));
	dlg_error why;
	dlg_status st = dlg_chat__render(u->ctx->chat, w->prefix.data, w->prefix.len,
					 u->tools.data, u->tools.len, prompt, &w->vars, text, &why);
	if (st == DLG_E_ARG || st == DLG_E_LIMIT) {
		static const dlg_turn none = { .line = 1, .col = 1 };
		const dlg_turn *t = DLG_BUF_COUNT(&u->turns, dlg_turn) ?
				    &DLG_BUF_AT(&u->turns, dlg_turn, 0) : &none;
		w->refused = true;
		return dlg_unit__diag(u, w->err, DLG_DIAG_TEMPLATE_REFUSED, t->line, t->col, 0,
				      "the chat template (%s) refuses the conversation: %s",
				      dlg_chat__name(u->ctx->chat), why.msg);
	}
	if (st)
		*w->err = why;
	return st;
}

static dlg_status count(work *w, const char *text, size_t n, uint64_t *tokens)
{
	return dlg_tokenizer__count(w->u->ctx->tokenizer, w->u->tok_scratch, text, n, tokens,
				    w->err);
}

static size_t common(const dlg_buf *a, const dlg_buf *b)
{
	size_t n = 0;
	while (n < a->len && n < b->len && a->data[n] == b->data[n])
		n++;
	return n;
}

/*
 * The trainable tokens of written message k: the tokens of the rendering up to it (B) less
 * those of the rendering before it with the generation prompt (A). Text before an added
 * token is encoded apart from what follows, so where A and B begin alike the tokens before
 * the last added token both hold at the same place are the same: only what follows it is
 * encoded. Where A and B also begin as the whole conversation's rendering does, by more
 * than the longest added token past one of its added tokens, their added tokens up to that
 * one are the conversation's: they are looked for only after it. So the work per reply
 * stays close to the reply's length.
 */
static dlg_status reply_tokens(work *w, size_t k, uint64_t *tokens)
{
	dlg_buf *a = &w->text[0], *b = &w->text[1];
	DLG_TRY(render(w, k, true, a));
	if (!w->refused)
		DLG_TRY(render(w, k + 1, false, b));
	if (w->refused)
		return DLG_OK;
	size_t same = common(a, b), with_all = common(a, &w->text[2]);
	if (common(b, &w->text[2]) < with_all)
		with_all = common(b, &w->text[2]);
	/* the last of the conversation's added tokens whose place every scan reaches alike */
	const size_t *all = (const size_t *)(const void *)w->added[2].data;
	size_t scanned = 0;
	for (size_t i = 0; i < DLG_BUF_COUNT(&w->added[2], size_t) / 2 &&
			   all[2 * i] + w->longest <= with_all; i++)
		scanned = all[2 * i];
	const dlg_tokenizer *tok = w->u->ctx->tokenizer;
	for (int i = 0; i < 2; i++) {
		w->added[i].len = 0;
		DLG_TRY(dlg_tokenizer__added_at(tok, w->u->tok_scratch, w->text[i].data + scanned,
						w->text[i].len - scanned, &w->added[i], w->err));
	}
	size_t from = 0, na = DLG_BUF_COUNT(&w->added[0], size_t) / 2;
	size_t nb = DLG_BUF_COUNT(&w->added[1], size_t) / 2;
	const size_t *pa = (const size_t *)(const void *)w->added[0].data;
	const size_t *pb = (const size_t *)(const void *)w->added[1].data;
	for (size_t i = 0; i < na && i < nb && pa[2 * i] == pb[2 * i] &&
			   pa[2 * i + 1] == pb[2 * i + 1] && scanned + pa[2 * i + 1] <= same; i++)
		from = pa[2 * i];
	from += scanned;
	uint64_t prompt, upto;
	DLG_TRY(count(w, a->data + from, a->len - from, &prompt));
	DLG_TRY(count(w, b->data + from, b->len - from, &upto));
	*tokens = upto > prompt ? upto - prompt : 0;
	return DLG_OK;
}

static dlg_status sums(work *w, size_t skip_from, size_t skip_to, uint64_t *total,
		       uint64_t *trainable)
{
	DLG_TRY(messages(w, skip_from, skip_to));
	size_t n = DLG_BUF_COUNT(&w->ends, size_t);
	DLG_TRY(render(w, n, false, &w->text[2]));
	if (w->refused)
		return DLG_OK;
	DLG_TRY(count(w, w->text[2].data, w->text[2].len, total));
	w->longest = dlg_tokenizer__added_longest(w->u->ctx->tokenizer);
	DLG_TRY(dlg_tokenizer__added_at(w->u->ctx->tokenizer, w->u->tok_scratch, w->text[2].data,
					w->text[2].len, &w->added[2], w->err));
	for (size_t k = 0; k < n && !w->refused; k++) {
		size_t i = DLG_BUF_AT(&w->turn, size_t, k);
		const dlg_turn *t = &DLG_BUF_AT(&w->u->turns, dlg_turn, i);
		uint64_t reply = 0;
		if (t->role == DLG_ROLE_ASSISTANT && !dlg_unit__zero_weight(w->u, t))
			DLG_TRY(reply_tokens(w, k, &reply));
		*trainable += reply;
	}
	return DLG_OK;
}

dlg_status dlg_chatcount__sums(dlg_unit *u, size_t skip_from, size_t skip_to, uint64_t *total,
			       uint64_t *trainable, bool *refused, dlg_error *err)
{
	work w = { .u = u, .err = err };
	dlg_buf *bufs[] = { &w.msgs, &w.ends, &w.turn, &w.prefix, &w.vars, &w.text[0],
			    &w.text[1], &w.text[2], &w.added[0], &w.added[1], &w.added[2] };
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
