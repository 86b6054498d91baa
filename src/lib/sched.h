/*
 * sched.h - runs a driver's work on threads, as zstdmt runs zstd's: items claimed in order,
 * processed on any thread, committed strictly in claim order; and jobs (an output file's
 * members) done by any thread and delivered in order per output. Knows nothing of
 * transcripts: what an item or a job is, the driver says through dlg_sched_ops.
 */
#ifndef DLG_SCHED_H
#define DLG_SCHED_H

#include "internal.h"
#include "buf.h"

#include <signal.h>

typedef struct dlg_sched dlg_sched;

/** What the scheduler asks of its driver; `self` is the driver's. */
typedef struct dlg_sched_ops {
	/* under the lock: whether every item has been claimed */
	bool (*all_claimed)(void *self);
	/* under the lock: what claiming the next item would add to the bytes in flight */
	uint64_t (*next_cost)(void *self);
	/* under the lock: the next item into slot `slot`, and its cost in *cost */
	dlg_status (*claim)(void *self, size_t slot, uint64_t *cost, dlg_error *err);
	/* on any thread, without the lock; may call dlg_sched__cost once its cost is known */
	dlg_status (*process)(void *self, dlg_sched *s, size_t slot, dlg_error *err);
	/* in claim order, one item at a time, on any thread */
	dlg_status (*commit)(void *self, dlg_sched *s, size_t slot, void *worker, dlg_error *err);
	/* once, after the last commit */
	dlg_status (*flush)(void *self, dlg_sched *s, void *worker, dlg_error *err);
	/* a job's work, `plain` into `packed` (or the two swapped), on any thread */
	dlg_status (*pack)(void *self, void *worker, dlg_buf *packed, dlg_buf *plain,
			   dlg_error *err);
	/* a job's result, in order for its output */
	dlg_status (*deliver)(void *self, size_t output, const dlg_buf *packed, dlg_error *err);
	/* each thread's own state for pack (a compressor), or NULL */
	dlg_status (*worker_new)(void *self, void **out, dlg_error *err);
	void (*worker_free)(void *self, void *worker);
} dlg_sched_ops;

/** How the work is shaped. */
typedef struct dlg_sched_plan {
	unsigned threads;  /* the calling one included */
	size_t n_slots;    /* items in flight at most */
	size_t n_outputs;  /* outputs jobs are delivered to */
	size_t n_jobs;     /* jobs in flight at most; 0 when there are none */
	uint64_t budget;   /* bytes in flight, past which nothing more is claimed (one item
			      always may be) */
	const volatile sig_atomic_t *cancel; /* stops the run with DLG_E_CANCELED */
	const dlg_allocator *alloc;
} dlg_sched_plan;

/** Run the work until every item is committed and every job delivered, or the first
 * failure, which is returned. */
dlg_status dlg_sched__run(const dlg_sched_ops *ops, void *self, const dlg_sched_plan *plan,
			  dlg_error *err) DLG_WUR;

/**
 * From process: what item `slot` really costs, now that it is known (what its input will
 * take in memory), in place of what its claim said. Waits until that fits in the budget
 * with the other items in flight, or until the item is the next to commit (which never
 * waits: every item before it is committed, so it cannot wait on them); fails when the run
 * fails or is canceled meanwhile.
 */
dlg_status dlg_sched__cost(dlg_sched *s, size_t slot, uint64_t cost, dlg_error *err) DLG_WUR;

/**
 * Hand `pending` (an output's next member) to a job, leaving `pending` empty; called from
 * commit or flush. When every job is busy this thread does one.
 */
dlg_status dlg_sched__queue(dlg_sched *s, size_t output, dlg_buf *pending, void *worker,
			    dlg_error *err) DLG_WUR;

#endif
