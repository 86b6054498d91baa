/*
 * sched.c - the threads of a run (sched.h). Every thread runs the same loop: commit the items
 * that are next in order (whichever thread is free takes that role), do a queued job, flush
 * after the last commit, or claim and process a new item; so the output does not depend on
 * the number of threads. Uses buf.c and error.c.
 */
#define _POSIX_C_SOURCE 200809L
#include "sched.h"
#include "buf.h"
#include "error.h"

#include <pthread.h>
#include <signal.h>
#include <time.h>

typedef enum slot_state { SLOT_FREE, SLOT_BUSY, SLOT_READY } slot_state;

/* An item from its claim to its commit; its payload is the driver's slot of that index. */
typedef struct slot {
	slot_state state;
	size_t seq;        /* commit order */
	uint64_t cost;     /* counted in in_flight until committed */
	dlg_status status; /* of process */
	dlg_error err;
} slot;

typedef enum job_state { JOB_FREE, JOB_QUEUED, JOB_RUNNING, JOB_DONE } job_state;

/* One member to pack and then deliver in its place. */
typedef struct job {
	job_state state;
	size_t output;
	uint64_t seq;
	uint64_t order; /* jobs are taken first-queued first, so no thread waits on a later one */
	dlg_buf plain;
	dlg_buf packed;
} job;

/* The members of one output: the next to queue and the next to deliver. */
typedef struct output {
	uint64_t next_seq;
	uint64_t delivered_seq;
} output;

struct dlg_sched {
	const dlg_sched_ops *ops;
	void *self;
	const dlg_sched_plan *plan;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	slot *slots;
	job *jobs;
	output *outputs;
	uint64_t job_order;
	size_t next_claim, next_commit; /* item sequence numbers */
	uint64_t in_flight;             /* cost of the items claimed and not yet committed */
	bool committing, flushed, failed;
	bool claiming; /* a thread is reading the next item, without the lock; the claim's state
			  (ops->all_claimed, ops->next_cost) is its alone meanwhile */
	dlg_status status; /* the first failure */
	dlg_error err;
};

/* A bounded wait, so that a cancel request is seen even when no thread signals. */
static void wait_locked(dlg_sched *s)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += 100000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&s->cond, &s->lock, &until);
}

static void fail_locked(dlg_sched *s, dlg_status st, const dlg_error *err)
{
	if (!s->failed) {
		s->failed = true;
		s->status = st;
		s->err = *err;
	}
	pthread_cond_broadcast(&s->cond);
}

/* Whether the run was asked to stop, failing it if so; called holding the lock. */
static bool canceled_locked(dlg_sched *s)
{
	const volatile sig_atomic_t *cancel = s->plan->cancel;
	if (!cancel || !*cancel)
		return false;
	dlg_error err;
	fail_locked(s, dlg_error__set(&err, DLG_E_CANCELED, 0, "interrupted"), &err);
	return true;
}

/* The run's first failure into *err, and the lock released: how a call gives up. */
static dlg_status failure_unlock(dlg_sched *s, dlg_error *err)
{
	if (err)
		*err = s->err;
	dlg_status st = s->status;
	pthread_mutex_unlock(&s->lock);
	return st;
}

/* Deliver the finished members of an output that are next in line. */
static void drain_locked(dlg_sched *s, size_t out)
{
	output *o = &s->outputs[out];
	for (bool delivered = true; delivered && !s->failed;) {
		delivered = false;
		for (size_t i = 0; i < s->plan->n_jobs; i++) {
			job *j = &s->jobs[i];
			if (j->state != JOB_DONE || j->output != out || j->seq != o->delivered_seq)
				continue;
			dlg_error err;
			dlg_status st = s->ops->deliver(s->self, out, &j->packed, &err);
			if (st != DLG_OK)
				fail_locked(s, st, &err);
			j->state = JOB_FREE;
			j->plain.len = 0;
			o->delivered_seq++;
			delivered = true;
			pthread_cond_broadcast(&s->cond);
		}
	}
}

static job *oldest_queued_locked(dlg_sched *s)
{
	job *best = NULL;
	for (size_t i = 0; i < s->plan->n_jobs; i++)
		if (s->jobs[i].state == JOB_QUEUED && (!best || s->jobs[i].order < best->order))
			best = &s->jobs[i];
	return best;
}

/* Do a job taken under the lock; returns with the lock held again. */
static void run_job_locked(dlg_sched *s, job *j, void *worker)
{
	j->state = JOB_RUNNING;
	pthread_mutex_unlock(&s->lock);
	dlg_error err;
	dlg_status st = s->ops->pack(s->self, worker, &j->packed, &j->plain, &err);
	pthread_mutex_lock(&s->lock);
	if (st != DLG_OK)
		fail_locked(s, st, &err);
	j->state = JOB_DONE;
	drain_locked(s, j->output);
}

dlg_status dlg_sched__queue(dlg_sched *s, size_t out, dlg_buf *pending, void *worker,
			    dlg_error *err)
{
	pthread_mutex_lock(&s->lock);
	job *free_job = NULL;
	while (!s->failed) {
		for (size_t i = 0; i < s->plan->n_jobs && !free_job; i++)
			if (s->jobs[i].state == JOB_FREE)
				free_job = &s->jobs[i];
		if (free_job)
			break;
		/* all jobs busy: help rather than wait (with one thread, nobody else would) */
		job *queued = oldest_queued_locked(s);
		if (queued)
			run_job_locked(s, queued, worker);
		else
			wait_locked(s);
	}
	if (s->failed)
		return failure_unlock(s, err);
	dlg_buf swap = free_job->plain;
	free_job->plain = *pending;
	*pending = swap;
	free_job->output = out;
	free_job->seq = s->outputs[out].next_seq++;
	free_job->order = s->job_order++;
	free_job->state = JOB_QUEUED;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	return DLG_OK;
}

static bool all_jobs_free_locked(const dlg_sched *s)
{
	for (size_t i = 0; i < s->plan->n_jobs; i++)
		if (s->jobs[i].state != JOB_FREE)
			return false;
	return true;
}

static bool within_budget_locked(dlg_sched *s)
{
	return s->in_flight == 0 ||
	       s->in_flight + s->ops->next_cost(s->self) <= s->plan->budget;
}

dlg_status dlg_sched__cost(dlg_sched *s, size_t index, uint64_t cost, dlg_error *err)
{
	slot *sl = &s->slots[index];
	pthread_mutex_lock(&s->lock);
	while (!s->failed && cost > sl->cost && sl->seq != s->next_commit &&
	       s->in_flight - sl->cost + cost > s->plan->budget && !canceled_locked(s))
		wait_locked(s);
	if (s->failed)
		return failure_unlock(s, err);
	s->in_flight = s->in_flight - sl->cost + cost;
	sl->cost = cost;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	return DLG_OK;
}

/* Commit every ready item that is next in order; called holding the lock. */
static void commit_ready_locked(dlg_sched *s, void *worker)
{
	s->committing = true;
	for (;;) {
		size_t index = s->next_commit % s->plan->n_slots;
		slot *sl = &s->slots[index];
		if (s->failed || s->next_commit == s->next_claim || sl->state != SLOT_READY ||
		    sl->seq != s->next_commit)
			break;
		pthread_mutex_unlock(&s->lock);
		dlg_error err = sl->err;
		dlg_status st = sl->status;
		if (st == DLG_OK)
			st = s->ops->commit(s->self, s, index, worker, &err);
		pthread_mutex_lock(&s->lock);
		if (st != DLG_OK) {
			fail_locked(s, st, &err);
			break;
		}
		sl->state = SLOT_FREE;
		s->in_flight -= sl->cost;
		s->next_commit++;
		pthread_cond_broadcast(&s->cond);
	}
	s->committing = false;
}

/* After the last commit, the driver's last members. */
static void flush_locked(dlg_sched *s, void *worker)
{
	s->flushed = true;
	pthread_mutex_unlock(&s->lock);
	dlg_error err;
	dlg_status st = s->ops->flush(s->self, s, worker, &err);
	pthread_mutex_lock(&s->lock);
	if (st != DLG_OK)
		fail_locked(s, st, &err);
}

/*
 * Claim the next item into `sl` and process it, both without the lock (reading a chunk of
 * a file, or the whole of one, would hold up every commit and job meanwhile: claims stay in
 * order because one thread claims at a time), and mark it ready.
 */
static void claim_and_process_locked(dlg_sched *s, slot *sl, size_t index)
{
	s->claiming = true;
	sl->state = SLOT_BUSY; /* taken: no other thread claims into it */
	pthread_mutex_unlock(&s->lock);
	dlg_error err;
	uint64_t cost = 0;
	dlg_status st = s->ops->claim(s->self, index, &cost, &err);
	pthread_mutex_lock(&s->lock);
	s->claiming = false;
	pthread_cond_broadcast(&s->cond);
	if (st != DLG_OK) {
		sl->state = SLOT_FREE;
		fail_locked(s, st, &err);
		return;
	}
	sl->seq = s->next_claim++;
	sl->cost = cost;
	s->in_flight += cost;
	pthread_mutex_unlock(&s->lock);
	sl->status = s->ops->process(s->self, s, index, &sl->err);
	pthread_mutex_lock(&s->lock);
	sl->state = SLOT_READY;
	pthread_cond_broadcast(&s->cond);
}

/* What every thread runs until the work is done or has failed. */
static void work(dlg_sched *s, void *worker)
{
	size_t n_slots = s->plan->n_slots;
	pthread_mutex_lock(&s->lock);
	while (!s->failed) {
		if (canceled_locked(s))
			break;
		bool all_claimed = !s->claiming && s->ops->all_claimed(s->self);
		slot *next = &s->slots[s->next_commit % n_slots];
		if (!s->committing && s->next_commit < s->next_claim &&
		    next->state == SLOT_READY && next->seq == s->next_commit) {
			commit_ready_locked(s, worker);
			continue;
		}
		job *queued = oldest_queued_locked(s);
		if (queued) {
			run_job_locked(s, queued, worker);
			continue;
		}
		if (!s->flushed && !s->committing && all_claimed &&
		    s->next_commit == s->next_claim) {
			flush_locked(s, worker);
			continue;
		}
		size_t index = s->next_claim % n_slots;
		if (!all_claimed && !s->claiming && s->slots[index].state == SLOT_FREE &&
		    within_budget_locked(s)) {
			claim_and_process_locked(s, &s->slots[index], index);
			continue;
		}
		if (s->flushed && all_jobs_free_locked(s))
			break;
		wait_locked(s);
	}
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

typedef struct thread {
	dlg_sched *s;
	void *worker;
	pthread_t id;
} thread;

static void *thread_main(void *arg)
{
	thread *t = arg;
	work(t->s, t->worker);
	return NULL;
}

/* Run the work on the plan's threads (this one included); a thread that cannot start is
 * done without. Returns the first failure. */
static dlg_status run_threads(dlg_sched *s, dlg_error *err)
{
	const dlg_allocator *a = s->plan->alloc;
	unsigned n = s->plan->threads;
	thread *t = dlg_mem__alloc(a, n * sizeof *t);
	if (!t)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	unsigned started = 0;
	dlg_status st = DLG_OK;
	for (unsigned i = 0; i < n; i++) {
		t[i].s = s;
		st = s->ops->worker_new(s->self, &t[i].worker, err);
		if (st != DLG_OK) {
			n = i;
			break;
		}
	}
	/* Signals go to the calling thread, whose reads they should interrupt; the mask is
	 * inherited by the new threads and restored here right after. */
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	for (unsigned i = 1; st == DLG_OK && i < n; i++)
		if (pthread_create(&t[i].id, NULL, thread_main, &t[i]) == 0)
			started = i;
		else
			break;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (st == DLG_OK)
		work(s, t[0].worker);
	for (unsigned i = 1; i <= started; i++)
		pthread_join(t[i].id, NULL);
	for (unsigned i = 0; i < n; i++)
		s->ops->worker_free(s->self, t[i].worker);
	dlg_mem__free(a, t);
	if (st == DLG_OK && s->failed) {
		if (err) /* may be NULL: the caller wants the status only */
			*err = s->err;
		st = s->status;
	}
	return st;
}

static dlg_status alloc_state(dlg_sched *s, dlg_error *err)
{
	const dlg_sched_plan *p = s->plan;
	const dlg_allocator *a = p->alloc;
	s->slots = dlg_mem__alloc(a, p->n_slots * sizeof *s->slots);
	s->jobs = p->n_jobs ? dlg_mem__alloc(a, p->n_jobs * sizeof *s->jobs) : NULL;
	/* ready before anything else can fail: dlg_sched__run disposes of them whenever
	 * s->jobs is set */
	for (size_t i = 0; s->jobs && i < p->n_jobs; i++) {
		memset(&s->jobs[i], 0, sizeof s->jobs[i]);
		dlg_buf__init(&s->jobs[i].plain, a, DLG_BUF_UNCAPPED);
		dlg_buf__init(&s->jobs[i].packed, a, DLG_BUF_UNCAPPED);
	}
	s->outputs = p->n_outputs ? dlg_mem__alloc(a, p->n_outputs * sizeof *s->outputs) : NULL;
	if (!s->slots || (p->n_jobs && !s->jobs) || (p->n_outputs && !s->outputs))
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	memset(s->slots, 0, p->n_slots * sizeof *s->slots);
	if (p->n_outputs)
		memset(s->outputs, 0, p->n_outputs * sizeof *s->outputs);
	return DLG_OK;
}

dlg_status dlg_sched__run(const dlg_sched_ops *ops, void *self, const dlg_sched_plan *plan,
			  dlg_error *err)
{
	const dlg_allocator *a = plan->alloc;
	dlg_sched *s = dlg_mem__alloc(a, sizeof *s);
	if (!s)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	memset(s, 0, sizeof *s);
	s->ops = ops;
	s->self = self;
	s->plan = plan;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	dlg_status st = alloc_state(s, err);
	if (st == DLG_OK)
		st = run_threads(s, err);
	for (size_t i = 0; s->jobs && i < plan->n_jobs; i++) {
		dlg_buf__dispose(&s->jobs[i].plain);
		dlg_buf__dispose(&s->jobs[i].packed);
	}
	dlg_mem__free(a, s->slots);
	dlg_mem__free(a, s->jobs);
	dlg_mem__free(a, s->outputs);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	dlg_mem__free(a, s);
	return st;
}
