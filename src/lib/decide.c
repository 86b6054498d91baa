/*
 * decide.c - the decisions taken in input order (decide.h): exact dedup by id, near-dup
 * placement (neardup.c), the split by the --split-key, and the shard by the id.
 * Uses error.c, split.c and neardup.c.
 */
#define _POSIX_C_SOURCE 200809L
#include "decide.h"
#include "buf.h"
#include "ctx.h"
#include "neardup.h"
#include "nearindex.h"
#include "split.h"
#include "unit.h"

#include <regex.h>
#include <string.h>

void dlg_decide__init(dlg_decider *d, const dlg_ctx *ctx)
{
	d->ctx = ctx;
	dlg_split__idset_init(&d->ids, ctx->alloc);
	dlg_nearindex__init(&d->near, ctx->alloc);
}

void dlg_decide__dispose(dlg_decider *d)
{
	dlg_split__idset_dispose(&d->ids);
	dlg_nearindex__dispose(&d->near);
}

static size_t split_of(const dlg_ctx *ctx, const dlg_unit *u)
{
	const char *key = (const char *)u->key;
	size_t key_len = sizeof u->key;
	regmatch_t m[2];
	switch (ctx->opts->split_key) {
	case DLG_SPLIT_KEY_CONTENT:
		break;
	case DLG_SPLIT_KEY_SOURCE:
		key = u->source;
		key_len = strlen(u->source);
		break;
	case DLG_SPLIT_KEY_GROUP:
		/* a source the pattern does not match is its own group */
		key = u->source;
		key_len = strlen(u->source);
		if (regexec(ctx->group_re, u->source, 2, m, 0) == 0 && m[1].rm_so >= 0) {
			key = u->source + m[1].rm_so;
			key_len = (size_t)(m[1].rm_eo - m[1].rm_so);
		}
		break;
	}
	return dlg_split__assign(ctx, key, key_len);
}

dlg_status dlg_decide__mark_duplicate(dlg_unit *u, dlg_error *err)
{
	const dlg_turn *first = &DLG_BUF_AT(&u->turns, dlg_turn, 0);
	return dlg_unit__diag(u, err, DLG_DIAG_DUPLICATE, first->line, first->col, 0,
			      "exact duplicate of an earlier conversation (id %s); dropped",
			      u->id_hex);
}

dlg_status dlg_decide__unit(dlg_decision *out, dlg_decider *d, dlg_unit *u, dlg_error *err)
{
	const dlg_ctx *ctx = d->ctx;
	memset(out, 0, sizeof *out);
	if (u->rejected) {
		out->fate = DLG_FATE_REJECTED;
		return DLG_OK;
	}
	bool duplicate = false;
	if (!ctx->opts->no_dedup)
		DLG_TRY(dlg_split__idset_insert(&duplicate, &d->ids, u->id, err));
	if (duplicate) {
		out->fate = DLG_FATE_DUPLICATE;
		out->dropped_by = DLG_DIAG_DUPLICATE;
		return dlg_decide__mark_duplicate(u, err);
	}
	out->split = split_of(ctx, u);
	uint32_t near = UINT32_MAX;
	if (ctx->near_dup && !d->near_dup_later)
		DLG_TRY(dlg_nearindex__place(&near, &out->similarity, &out->split, &d->near, u,
					   err));
	if (near != UINT32_MAX) {
		/* a conversation that is not rejected has turns: its findings point at the
		 * first */
		const dlg_turn *first = &DLG_BUF_AT(&u->turns, dlg_turn, 0);
		out->fate = DLG_FATE_NEAR_DUPLICATE;
		out->dropped_by = DLG_DIAG_NEAR_DUPLICATE;
		dlg_split__hex(out->kept, d->near.members[near].conv_id);
		return dlg_unit__diag(u, err, DLG_DIAG_NEAR_DUPLICATE, first->line, first->col, 0,
				      DLG_NEAR_DUP_MESSAGE,
				      out->kept, out->similarity);
	}
	out->fate = DLG_FATE_WRITTEN;
	out->shard = dlg_split__shard(u->id, ctx->shards);
	return DLG_OK;
}
