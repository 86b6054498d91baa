/*
 * findings.h - what a run reports (findings.c): each conversation's findings passed on in
 * input order, as --ignore/--select/--error say (ctx.c), long streaks of one warning summed
 * up.
 */
#ifndef DLG_FINDINGS_H
#define DLG_FINDINGS_H

#include "internal.h"
#include "buf.h"
#include "ctx.h"
#include "unit.h"

/** A warning code's run of findings on every record of a file so far. */
typedef struct dlg_streak {
	bool on;
	uint64_t count;   /* findings in the streak */
	size_t n_held;    /* of them in dlg_findings.held: the first HELD_MAX */
	dlg_diag last;
} dlg_streak;

/** What a run reports, and the counts of it in `sum` (errors, warnings). */
typedef struct dlg_findings {
	const dlg_ctx *ctx;
	dlg_summary *sum;
	dlg_diag_fn fn;
	void *payload;
	const char *file;  /* the source whose records are going by (pointer identity) */
	uint64_t records;  /* of that file so far */
	size_t on;         /* streaks on */
	dlg_streak streaks[DLG_DIAG_CODES - 300]; /* warnings, W300 at 0 */
	dlg_buf held;      /* dlg_diag[]: the streaks' findings, in the order they came */
} dlg_findings;

void dlg_findings__init(dlg_findings *f, const dlg_ctx *ctx, dlg_summary *sum, dlg_diag_fn fn,
			void *payload);
void dlg_findings__dispose(dlg_findings *f);
/** One finding that belongs to no record (an entry a walk passed over). */
void dlg_findings__one(dlg_findings *f, const dlg_diag *d);
/** A conversation's findings, units in input order. */
dlg_status dlg_findings__unit(dlg_findings *f, const dlg_unit *u, dlg_error *err) DLG_WUR;
/** The run's end: what streaks still hold is said. */
void dlg_findings__end(dlg_findings *f);

#endif
