/*
 * decide.h - what becomes of each conversation, in input order (decide.c): exact duplicate,
 * near-duplicate, or which split and shard it is written to.
 */
#ifndef DLG_DECIDE_H
#define DLG_DECIDE_H

#include "internal.h"
#include "ctx.h"
#include "neardup.h"
#include "nearindex.h"
#include "split.h"
#include "unit.h"

/* W321's message: the kept id, and the similarity (map/reduce write it too, nearwork.c) */
#define DLG_NEAR_DUP_MESSAGE "near-duplicate of %s (estimated similarity %.2f); dropped"

/** What the decisions remember of the conversations before. */
typedef struct dlg_decider {
	const dlg_ctx *ctx;
	dlg_idset ids;          /* the ids kept so far (exact dedup) */
	dlg_neardup_index near; /* with near-dup: the conversations to compare with */
	bool near_dup_later;    /* a map part: signatures only, the cluster step decides */
} dlg_decider;

/** One conversation's fate. */
typedef struct dlg_decision {
	dlg_fate fate;
	dlg_diag_code dropped_by; /* W307 or W321 for a dropped one, else 0 */
	size_t split;             /* a written one's */
	unsigned shard;
	char kept[33];            /* W321: the id of the conversation it is a copy of */
	double similarity;        /* W321: its similarity to it (exact when both are short) */
} dlg_decision;

void dlg_decide__init(dlg_decider *d, const dlg_ctx *ctx);
void dlg_decide__dispose(dlg_decider *d);

/**
 * Decide u's fate; conversations must come in input order. A dropped one gets its W307 or
 * W321 finding on u.
 */
dlg_status dlg_decide__unit(dlg_decision *out, dlg_decider *d, dlg_unit *u,
			    dlg_error *err) DLG_WUR;

/** W307 on u: an exact duplicate of an earlier conversation; its findings point at its first
 * turn. */
dlg_status dlg_decide__mark_duplicate(dlg_unit *u, dlg_error *err) DLG_WUR;

#endif
