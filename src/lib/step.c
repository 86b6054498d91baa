/*
 * step.c - the per-conversation step (step.h). A conversation's life reads top to bottom in
 * dlg_step__item and dlg_step__finish: read, parse, normalize (stage directions out),
 * validate, render, identify. What becomes of it (dedup, split) is decided later, in input
 * order (decide.c). Uses input.c, transcript.c, jsonread.c, normalize.c, stage.c, validate.c,
 * record.c and neardup.c.
 */
#include "step.h"
#include "buf.h"
#include "carried.h"
#include "ctx.h"
#include "discover.h"
#include "error.h"
#include "input.h"
#include "jsonread.h"
#include "neardup.h"
#include "normalize.h"
#include "tokcount.h"
#include "tokenizer.h"
#include "record.h"
#include "stage.h"
#include "transcript.h"
#include "unit.h"
#include "validate.h"

#include <inttypes.h>
#include <string.h>

void dlg_step__item_init(dlg_item *it, const dlg_allocator *a, size_t data_cap)
{
	memset(it, 0, sizeof *it);
	dlg_buf__init(&it->data, a, data_cap);
}

/* Past this, an item's buffers are given back after its commit rather than kept. */
#define TRIM_BYTES ((size_t)16 << 20)

void dlg_step__item_trim(dlg_item *it, const dlg_ctx *ctx, size_t data_cap)
{
	if (it->data.cap > TRIM_BYTES) {
		dlg_buf__dispose(&it->data);
		dlg_buf__init(&it->data, ctx->alloc, data_cap);
	}
	for (size_t i = 0; i < it->cap_units; i++) {
		dlg_unit *u = &it->units[i];
		size_t held = u->text.cap + u->decoded.cap + u->turns.cap + u->json.cap +
			      u->scratch.cap + u->stage_text.cap + u->diags.cap +
			      u->msg_extra.cap + u->msg_kept.cap + u->tools.cap;
		if (held > TRIM_BYTES) {
			dlg_unit__dispose(u);
			dlg_unit__init(u, ctx);
		}
	}
}

void dlg_step__item_dispose(dlg_item *it, const dlg_ctx *ctx)
{
	for (size_t k = 0; k < it->cap_units; k++)
		dlg_unit__dispose(&it->units[k]);
	dlg_mem__free(ctx->alloc, it->units);
	dlg_buf__dispose(&it->data);
	dlg_tok_scratch__free(it->tok);
	it->tok = NULL;
}

/* The next unit of the item, for a conversation of input `in`. */
static dlg_status take_unit(dlg_unit **out, dlg_item *it, const dlg_ctx *ctx,
			    const dlg_input *in, uint64_t record, uint64_t record_line,
			    dlg_error *err)
{
	if (it->n_units == it->cap_units) {
		size_t cap = it->cap_units ? 2 * it->cap_units : 8;
		dlg_unit *units = dlg_mem__realloc(ctx->alloc, it->units, cap * sizeof *units);
		if (!units)
			return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
		for (size_t i = it->cap_units; i < cap; i++)
			dlg_unit__init(&units[i], ctx);
		it->units = units;
		it->cap_units = cap;
	}
	*out = &it->units[it->n_units++];
	/* the conversation before is done with its work buffers, unless it is a pair's chosen
	 * side, which waits for its rejected one */
	if (!ctx->opts->rejected_field && it->n_units > 1)
		dlg_unit__swap_work(*out, *out - 1, ctx->ids_only);
	dlg_unit__reset(*out, in, record, record_line);
	(*out)->tok_scratch = it->tok;
	return DLG_OK;
}

/* Normalization (NFC, spaces, invisible characters) of each turn, and its stage directions
 * taken out; then the kept preamble. */
static dlg_status normalize(dlg_unit *u, dlg_error *err)
{
	if (u->preamble_raw.p && u->ctx->opts->keep_preamble)
		DLG_TRY(dlg_normalize__raw(&u->preamble, u, &u->preamble_raw, 0, err));
	size_t n = DLG_BUF_COUNT(&u->turns, dlg_turn);
	for (size_t i = 0; i < n; i++) {
		dlg_turn t = DLG_BUF_AT(&u->turns, dlg_turn, i);
		DLG_TRY(dlg_unit__check_cancel(u, err));
		DLG_TRY(dlg_normalize__raw(&t.text, u, &t.raw, (uint32_t)i + 1, err));
		DLG_TRY(dlg_stage__extract(u, &t, err));
		DLG_BUF_AT(&u->turns, dlg_turn, i) = t;
	}
	return DLG_OK;
}

dlg_status dlg_step__validate(dlg_unit *u, dlg_error *err)
{
	/* the bytes were unusable, or a message was: nothing more to say */
	if (u->rejected && (!u->any_line || u->incomplete))
		return DLG_OK;
	DLG_TRY(normalize(u, err));
	return dlg_validate__turns(u, err);
}

/* A dataset record carries the id of its messages: another one means an edit. */
static dlg_status identify(dlg_unit *u, dlg_error *err)
{
	if (!u->claimed_id[0] || strcmp(u->claimed_id, u->id_hex) == 0)
		return DLG_OK;
	return dlg_unit__diag(u, err, DLG_DIAG_ID_MISMATCH, u->record_line, 1, 0, "the record's "
			      "id %s is not that of its messages (%s); it was changed after "
			      "dlgconv wrote it", u->claimed_id, u->id_hex);
}

/*
 * Each stage below looks at options.cancel inside its own long loops (unit.h); between them
 * it is looked at here too, around the near-duplicate signature, one call over the whole
 * text that cannot be stopped (about 3 ms a megabyte).
 */
dlg_status dlg_step__finish(dlg_unit *u, dlg_error *err)
{
	DLG_TRY(dlg_step__validate(u, err));
	if (!u->rejected)
		DLG_TRY(dlg_tokcount__apply(u, err));
	if (!u->rejected && u->ctx->opts->rejected_field)
		DLG_TRY(dlg_unit__diag(u, err, DLG_DIAG_PAIR_MISMATCH, 1, 1, 0, "a transcript "
				       "file has no rejected side: preference pairs come from "
				       "JSON records"));
	DLG_TRY(dlg_unit__check_cancel(u, err));
	if (!u->rejected)
		DLG_TRY(u->ctx->ids_only ? dlg_record__identify(u, err) :
					   dlg_record__render(u, err));
	DLG_TRY(dlg_unit__check_cancel(u, err));
	if (!u->rejected && u->ctx->near_dup)
		DLG_TRY(dlg_neardup__signature(&u->near_sig, u, &u->scratch, err));
	DLG_TRY(dlg_unit__check_cancel(u, err));
	if (!u->rejected)
		DLG_TRY(identify(u, err));
	return DLG_OK;
}

/* A preference pair: both sides validated, paired, and rendered as one record. */
static dlg_status finish_pair(dlg_unit *chosen, dlg_unit *rejected, dlg_error *err)
{
	DLG_TRY(dlg_step__validate(chosen, err));
	DLG_TRY(dlg_step__validate(rejected, err));
	size_t prompt;
	DLG_TRY(dlg_validate__pair(&prompt, chosen, rejected, err));
	DLG_TRY(dlg_carried__merge(chosen, rejected, err));
	if (!chosen->rejected)
		DLG_TRY(dlg_tokcount__apply(chosen, err));
	DLG_TRY(dlg_unit__check_cancel(chosen, err));
	if (!chosen->rejected)
		DLG_TRY(dlg_record__render_pair(chosen, rejected, prompt, err));
	DLG_TRY(dlg_unit__check_cancel(chosen, err));
	if (!chosen->rejected && chosen->ctx->near_dup)
		DLG_TRY(dlg_neardup__signature(&chosen->near_sig, chosen, &chosen->scratch, err));
	return DLG_OK;
}

/* A Git LFS pointer (a clone without `git lfs pull`) stands where the data should be. */
static bool lfs_pointer(const dlg_buf *data)
{
	static const char sig[] = "version https://git-lfs.github.com/spec/";
	return data->len >= sizeof sig - 1 && memcmp(data->data, sig, sizeof sig - 1) == 0;
}

/* A JSON line of the file is where findings inside its strings point; a .json document's
 * records are printed again, so their columns would mean nothing. */
static void raw_line(dlg_unit *u, const dlg_item *it, const char *line, size_t len)
{
	if (!it->by_index) {
		u->origin.line = line;
		u->origin.line_len = len;
	}
}

/* A .json document that could not be read: one finding where it went wrong. */
static dlg_status bad_document(dlg_item *it, const dlg_input *in, const dlg_ctx *ctx,
			       dlg_error *err)
{
	dlg_unit *u;
	DLG_TRY(take_unit(&u, it, ctx, in, 0, 0, err));
	uint64_t line = 1;
	size_t start = 0;
	for (size_t i = 0; i < it->bad_off && i < it->data.len; i++)
		if (it->data.data[i] == '\n') {
			line++;
			start = i + 1;
		}
	return dlg_unit__diag(u, err, it->bad_code, line, (uint32_t)(it->bad_off - start + 1), 0,
			      "%s", it->bad_msg);
}

/* How many times c is in p[0, n). */
static uint64_t occurrences(const char *p, size_t n, char c)
{
	uint64_t count = 0;
	for (const char *at = n ? memchr(p, c, n) : NULL; at;
	     at = memchr(at + 1, c, n - (size_t)(at + 1 - p)))
		count++;
	return count;
}

/* What p[0, n) takes in memory as conversations, by step.h's estimate; in strides, looking
 * at options.cancel between: a 64 MiB line full of '*' and '_' takes 60 ms. */
static dlg_status estimate(uint64_t *cost, const char *p, size_t n, const dlg_ctx *ctx,
			   dlg_error *err)
{
	uint64_t turns = 0, delimiters = 0;
	for (size_t at = 0; at < n; at += DLG_CANCEL_STRIDE) {
		if (dlg_unit__cancel_asked(ctx->opts->cancel))
			return dlg_error__set(err, DLG_E_CANCELED, 0, "interrupted");
		size_t k = n - at < DLG_CANCEL_STRIDE ? n - at : DLG_CANCEL_STRIDE;
		turns += occurrences(p + at, k, ':');
		delimiters += occurrences(p + at, k, '*') + occurrences(p + at, k, '_');
	}
	*cost = DLG_STEP_COST_PER_BYTE * (uint64_t)n + DLG_STEP_COST_PER_COLON * turns +
		DLG_STEP_COST_PER_DELIMITER * delimiters;
	return DLG_OK;
}

dlg_status dlg_step__cost(uint64_t *cost, const dlg_item *it, const dlg_ctx *ctx,
			  dlg_error *err)
{
	return estimate(cost, it->data.data, it->data.len, ctx, err);
}

/*
 * Whether the conversation p[0, n) would take more than the run's memory budget alone: then
 * it is refused (E105) before it is read, so that no shape of input holds more than the
 * budget (a turn of a few bytes takes about 170 in memory).
 */
static dlg_status over_budget(bool *over, dlg_unit *u, const char *p, size_t n,
			      dlg_error *err)
{
	uint64_t budget = u->ctx->opts->memory_budget, cost;
	*over = false;
	/* nearly every conversation is far below, whatever its bytes are: none counted */
	if ((uint64_t)n * (DLG_STEP_COST_PER_BYTE + DLG_STEP_COST_PER_COLON) <= budget)
		return DLG_OK;
	DLG_TRY(estimate(&cost, p, n, u->ctx, err));
	if (cost <= budget)
		return DLG_OK;
	*over = true;
	return dlg_unit__diag(u, err, DLG_DIAG_OVER_MEMORY_BUDGET, 1, 1, 0, "the conversation "
			      "would take about %" PRIu64 " MiB of memory, over the budget of %"
			      PRIu64 " MiB: raise --memory-budget, or split the file",
			      (cost + (1 << 20) - 1) >> 20, budget >> 20);
}

/* One JSON record (a line), or a preference pair read from it. */
static dlg_status record(dlg_item *it, const dlg_input *in, const dlg_ctx *ctx, uint64_t number,
			 const char *line, size_t len, dlg_error *err)
{
	uint64_t at = it->by_index ? 1 : number;
	dlg_unit *u;
	DLG_TRY(take_unit(&u, it, ctx, in, number, at, err));
	raw_line(u, it, line, len);
	if (it->content_note) {
		/* about the file: said once, at its start, on its first record */
		u->exact_location = true;
		DLG_TRY(dlg_unit__diag(u, err, DLG_DIAG_CONTENT_NOT_AS_NAMED, 1, 1, 0, "%s",
				       it->content_note));
		u->exact_location = false;
		it->content_note = NULL;
	}
	bool over;
	DLG_TRY(over_budget(&over, u, line, len, err));
	if (over)
		return DLG_OK;
	DLG_TRY(dlg_jsonread__record(u, line, len, err));
	if (!ctx->opts->rejected_field)
		return dlg_step__finish(u, err);
	size_t chosen = it->n_units - 1; /* take_unit may move the units */
	dlg_unit *rejected;
	DLG_TRY(take_unit(&rejected, it, ctx, in, number, at, err));
	raw_line(rejected, it, line, len);
	rejected->rejected_side = true;
	DLG_TRY(dlg_jsonread__record(rejected, line, len, err));
	return finish_pair(&it->units[chosen], rejected, err);
}

/* Each line of a chunk of JSON lines that holds a record. */
static dlg_status records(dlg_item *it, const dlg_input *in, const dlg_ctx *ctx,
			  dlg_error *err)
{
	uint64_t number = it->first_record;
	for (size_t i = 0; i < it->data.len; number++) {
		const char *nl = memchr(it->data.data + i, '\n', it->data.len - i);
		size_t eol = nl ? (size_t)(nl - it->data.data) : it->data.len;
		const char *line = it->data.data + i;
		size_t len = eol - i;
		i = eol + 1;
		while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ' ||
				   line[len - 1] == '\t'))
			len--;
		if (len == 0)
			continue; /* blank lines (JSON white space only) hold no record */
		DLG_TRY(record(it, in, ctx, number, line, len, err));
	}
	return DLG_OK;
}

dlg_status dlg_step__read(dlg_item *it, const dlg_input *in, const dlg_ctx *ctx, dlg_error *err)
{
	if (it->kind != DLG_ITEM_FILE)
		return DLG_OK;
	return dlg_input__read_file(&it->data, in->path, ctx->opts, err);
}

/* The conversations of an item, before the findings past those kept are counted. */
static dlg_status conversations(dlg_item *it, const dlg_input *in, const dlg_ctx *ctx,
				dlg_error *err)
{
	/* one finding for the whole file, not one per line of the pointer */
	if (it->first_of_input && lfs_pointer(&it->data)) {
		dlg_unit *u;
		DLG_TRY(take_unit(&u, it, ctx, in, 0, 0, err));
		return dlg_unit__diag(u, err, DLG_DIAG_LFS_POINTER, 1, 1, 0, "a Git LFS pointer, "
				      "not the data: run `git lfs pull` in its repository");
	}
	switch (it->kind) {
	case DLG_ITEM_FILE:
	case DLG_ITEM_TEXT: {
		dlg_unit *u;
		bool over;
		DLG_TRY(take_unit(&u, it, ctx, in, 0, 0, err));
		DLG_TRY(over_budget(&over, u, it->data.data, it->data.len, err));
		if (over)
			return DLG_OK;
		/* an empty file may leave the buffer unallocated; the parser reads a text */
		DLG_TRY(dlg_transcript__parse(u, it->data.data ? it->data.data : "", it->data.len,
					      err));
		return dlg_step__finish(u, err);
	}
	case DLG_ITEM_BAD_JSON:
		return bad_document(it, in, ctx, err);
	case DLG_ITEM_LINES:
		return records(it, in, ctx, err);
	}
	return dlg_error__set(err, DLG_E_INTERNAL, 0, "unknown item kind %d", (int)it->kind);
}

dlg_status dlg_step__item(dlg_item *it, const dlg_input *in, const dlg_ctx *ctx, dlg_error *err)
{
	/* the last conversation's work buffers, grown for the conversations before, start it */
	if (!ctx->opts->rejected_field && it->n_units > 1)
		dlg_unit__swap_work(&it->units[0], &it->units[it->n_units - 1], ctx->ids_only);
	it->n_units = 0;
	if (ctx->tokenizer && !it->tok)
		DLG_TRY(dlg_tok_scratch__new(&it->tok, ctx->alloc, err));
	DLG_TRY(conversations(it, in, ctx, err));
	for (size_t i = 0; i < it->n_units; i++)
		DLG_TRY(dlg_unit__count_unkept(&it->units[i], err));
	return DLG_OK;
}
