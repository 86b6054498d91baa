/*
 * tokcount.c - a conversation's tokens under --tokenizer, and the limits on them
 * (docs/tokenizers.md "Counts" and "Limits"). Each turn's content is counted alone; with a
 * chat template (docs/templates.md) the conversation's sums are those of its rendering
 * (chatcount.c), else of its contents, the trainable tokens the assistant turns'. Uses
 * tokenizer.c and unit.c.
 */
#include "tokcount.h"
#include "chatcount.h"
#include "error.h"
#include "tokenizer.h"

static dlg_status count(dlg_unit *u, dlg_error *err)
{
	const dlg_tokenizer *tok = u->ctx->tokenizer;
	u->tokens.len = 0;
	if (tok && !u->tok_scratch)
		return dlg_error__set(err, DLG_E_INTERNAL, 0, "a unit without a tokenizer scratch");
	for (size_t i = 0; tok && i < DLG_BUF_COUNT(&u->turns, dlg_turn); i++) {
		dlg_span text = DLG_BUF_AT(&u->turns, dlg_turn, i).text;
		uint64_t n;
		DLG_TRY(dlg_unit__check_cancel(u, err));
		DLG_TRY(dlg_tokenizer__count(tok, u->tok_scratch, u->text.data + text.off, text.len,
					     &n, err));
		uint32_t c = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
		DLG_TRY(dlg_buf__append(&u->tokens, &c, sizeof c, err));
	}
	return DLG_OK;
}

size_t dlg_conv_tokens(const dlg_conv *c, size_t turn)
{
	const dlg_unit *u = (const dlg_unit *)c;
	if (!u || turn >= DLG_BUF_COUNT(&u->tokens, uint32_t))
		return 0;
	return DLG_BUF_AT(&u->tokens, uint32_t, turn);
}

void dlg_conv_token_sums(const dlg_conv *c, uint64_t *total, uint64_t *trainable)
{
	*total = *trainable = 0;
	if (c)
		dlg_unit__token_sums((const dlg_unit *)c, total, trainable);
}

static const dlg_turn *turn_at(const dlg_unit *u, size_t i)
{
	return &DLG_BUF_AT(&u->turns, dlg_turn, i);
}

/* The conversation's tokens without turns [from, to): under its template, or its turns'. */
static dlg_status total_without(dlg_unit *u, size_t from, size_t to, uint64_t *total,
				bool *refused, dlg_error *err)
{
	*refused = false;
	if (u->ctx->chat) {
		uint64_t trainable;
		return dlg_chatcount__sums(u, from, to, total, &trainable, refused, err);
	}
	*total = 0;
	for (size_t k = 0; k < DLG_BUF_COUNT(&u->tokens, uint32_t); k++)
		if (k < from || k >= to)
			*total += DLG_BUF_AT(&u->tokens, uint32_t, k);
	return DLG_OK;
}

/* The sums dlg_unit__token_sums gives: under the template, its rendering's. */
static dlg_status templated_sums(dlg_unit *u, bool *refused, dlg_error *err)
{
	*refused = false;
	if (!u->ctx->chat)
		return DLG_OK;
	DLG_TRY(dlg_chatcount__sums(u, 0, 0, &u->tpl_total, &u->tpl_trainable, refused, err));
	u->templated = !*refused;
	return DLG_OK;
}

/*
 * --over-limit truncate-turns: whole exchanges (a turn and those after it up to the next
 * user turn) removed from the start, after the system turns there, until the conversation
 * fits; its last exchange always stays, and when even that is too long, E220.
 */
static dlg_status truncate_turns(dlg_unit *u, uint64_t total, uint64_t max, dlg_error *err)
{
	size_t n = DLG_BUF_COUNT(&u->turns, dlg_turn), first = 0, cut;
	bool refused = false;
	while (first < n && turn_at(u, first)->role == DLG_ROLE_SYSTEM)
		first++;
	for (cut = first; total > max;) {
		size_t end = cut + 1;
		while (end < n && turn_at(u, end)->role != DLG_ROLE_USER)
			end++;
		if (end >= n)
			break;
		cut = end;
		DLG_TRY(total_without(u, first, cut, &total, &refused, err));
		if (refused)
			return DLG_OK;
	}
	const dlg_turn *t = turn_at(u, cut);
	if (total > max)
		return dlg_unit__diag(u, err, DLG_DIAG_OVER_TOKEN_LIMIT, t->line, t->col, 0,
				      "%llu tokens even with only its last exchange, more than "
				      "--max-tokens %llu", (unsigned long long)total,
				      (unsigned long long)max);
	const dlg_turn *from = turn_at(u, first);
	DLG_TRY(dlg_unit__diag(u, err, DLG_DIAG_TURNS_TRUNCATED, from->line, from->col, 0,
			       "%zu turns removed from the start to fit --max-tokens "
			       "%llu: %llu tokens left", cut - first, (unsigned long long)max,
			       (unsigned long long)total));
	/* the findings above point at the turns' lines; now the turns go */
	memmove(u->turns.data + first * sizeof(dlg_turn), u->turns.data + cut * sizeof(dlg_turn),
		(n - cut) * sizeof(dlg_turn));
	u->turns.len -= (cut - first) * sizeof(dlg_turn);
	memmove(u->tokens.data + first * sizeof(uint32_t), u->tokens.data + cut * sizeof(uint32_t),
		(n - cut) * sizeof(uint32_t));
	u->tokens.len -= (cut - first) * sizeof(uint32_t);
	return templated_sums(u, &refused, err);
}

dlg_status dlg_tokcount__apply(dlg_unit *u, dlg_error *err)
{
	DLG_TRY(count(u, err));
	const dlg_options *o = u->ctx->opts;
	if (!u->ctx->tokenizer)
		return DLG_OK;
	bool refused;
	DLG_TRY(templated_sums(u, &refused, err));
	if (refused)
		return DLG_OK;
	uint64_t total, trainable;
	dlg_unit__token_sums(u, &total, &trainable);
	/* where a finding about the whole conversation points: its first turn, if any */
	static const dlg_turn none = { .line = 1, .col = 1 };
	const dlg_turn *t = DLG_BUF_COUNT(&u->turns, dlg_turn) ? turn_at(u, 0) : &none;
	if (o->max_tokens && total > o->max_tokens) {
		unsigned long long have = total, max = o->max_tokens;
		if (o->over_limit == DLG_OVER_LIMIT_ERROR)
			return dlg_unit__diag(u, err, DLG_DIAG_OVER_TOKEN_LIMIT, t->line, t->col, 0,
					      "%llu tokens, more than --max-tokens %llu",
					      have, max);
		if (o->over_limit == DLG_OVER_LIMIT_DROP) {
			DLG_TRY(dlg_unit__diag(u, err, DLG_DIAG_OVER_TOKEN_LIMIT_DROPPED, t->line,
					       t->col, 0, "%llu tokens, more than "
					       "--max-tokens %llu: left out", have, max));
			u->rejected = true; /* a warning, yet not written: what drop means */
			return DLG_OK;
		}
		DLG_TRY(truncate_turns(u, total, o->max_tokens, err));
		if (u->rejected)
			return DLG_OK;
		dlg_unit__token_sums(u, &total, &trainable);
	}
	if (trainable == 0)
		return dlg_unit__diag(u, err, DLG_DIAG_NO_TRAINABLE_TOKENS, t->line, t->col, 0,
				      "no assistant message has a token: nothing to train on");
	return DLG_OK;
}
