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

/** A field name no output holds, in the records of a file so far (W322). */
typedef struct dlg_not_carried {
	char level;        /* 'r': a record's field, 'm': a message's */
	char name[96];     /* "+": the names past the first DLG_CARRIED_NAMES of the level */
	uint64_t records;  /* that have it */
	uint64_t first_record, first_line;
} dlg_not_carried;

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
	const char *shown; /* what findings call the file */
	dlg_buf not_carried; /* dlg_not_carried[] of the file, in the order first met */
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
