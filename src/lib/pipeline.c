/*
 * pipeline.c - the driver: dlg_run() and dlg_convert_buffer(). It discovers the inputs, then
 * the scheduler (sched.c) runs, on every thread, the items the intake hands out (intake.c)
 * through the per-conversation step (step.c); in input order each conversation is decided
 * (decide.c), reported (findings.c), counted, and given to the writer (writer.c), which
 * commits the dataset when the whole run succeeded. The steps above it (steps.c) bring their
 * own writer; the driver never calls them.
 */
#define _POSIX_C_SOURCE 200809L
#include "pipeline.h"
#include "buf.h"
#include "ctx.h"
#include "decide.h"
#include "discover.h"
#include "error.h"
#include "findings.h"
#include "intake.h"
#include "kept.h"
#include "record.h"
#include "sched.h"
#include "step.h"
#include "tokenizer.h"
#include "transcript.h"
#include "unit.h"
#include "writer.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/*
 * Memory is bounded by design, not by the number of slots: an item is claimed only while
 * the cost of the items in flight (claimed, not yet committed) stays within the budget
 * (--memory-budget), and once its bytes are read its cost becomes what its conversations
 * will take in memory (dlg_step__cost), for which it waits; an item that held a large input
 * gives its buffers back once it is committed. So the items in flight hold about the budget
 * between them, whatever -j is and whatever the shape of the input; an item larger than the
 * budget runs alone, and a conversation larger than it is refused unread (E105, step.c;
 * docs/performance.md "Memory limits").
 */

typedef struct run {
	dlg_ctx ctx;
	dlg_inputs files;
	dlg_intake intake;
	dlg_item *items;     /* the scheduler's slots */
	size_t n_items;
	size_t data_cap;     /* of an item's data */
	dlg_summary *sum;
	dlg_findings findings; /* reports them; counts in sum */
	dlg_decider decider;
	dlg_writer *writer;  /* NULL: nothing is written */
	uint64_t rejected_by_code[DLG_DIAG_CODES];
	dlg_kept_types *kept_types; /* with --keep-fields: for the card */
	bool message_extras, tools; /* written: for the card */
	dlg_progress progress;
	void *payload;
} run;

/* The summary's counts for one conversation's fate. */
static void count(run *r, const dlg_unit *u, const dlg_decision *d)
{
	dlg_summary *s = r->sum;
	switch (d->fate) {
	case DLG_FATE_WRITTEN:
		s->written++;
		s->split_written[d->split]++;
		uint64_t tokens, trainable;
		dlg_unit__token_sums(u, &tokens, &trainable);
		s->split_tokens[d->split] += tokens;
		s->split_trainable_tokens[d->split] += trainable;
		break;
	case DLG_FATE_DUPLICATE:
		s->duplicates++;
		break;
	case DLG_FATE_NEAR_DUPLICATE:
		s->near_duplicates++;
		break;
	case DLG_FATE_REJECTED: {
		s->rejected++;
		/* each code once per conversation, however often it was found */
		bool counted[DLG_DIAG_CODES] = { false };
		for (size_t i = 0; i < DLG_BUF_COUNT(&u->diags, dlg_diag); i++) {
			const dlg_diag *g = &DLG_BUF_AT(&u->diags, dlg_diag, i);
			if (g->severity == DLG_SEV_ERROR && !counted[g->code]) {
				counted[g->code] = true;
				r->rejected_by_code[g->code]++;
			}
		}
		break;
	}
	}
}

/* One conversation, in input order: decided, reported, counted, written. */
static dlg_status commit_unit(run *r, dlg_sched *s, void *worker, dlg_unit *u, dlg_error *err)
{
	if (u->consumed)
		return DLG_OK; /* the rejected side of a pair, committed with the chosen one */
	r->sum->inputs++;
	for (int f = 0; f < DLG_FIX_COUNT; f++)
		r->sum->fixes[f] += u->fixes[f];
	/* the kept values' types in commit order, so that the card declares one per column */
	if (!u->rejected && r->kept_types) {
		DLG_TRY(dlg_kept__types_add(r->kept_types, u, err));
		if (u->kept_nulled && !u->rejected)
			DLG_TRY(dlg_record__rewrite_meta(u, err));
	}
	if (!u->rejected) {
		r->message_extras |= u->msg_extra.len > 0;
		r->tools |= u->tools.len > 0;
	}
	dlg_decision d;
	DLG_TRY(dlg_decide__unit(&d, &r->decider, u, err));
	DLG_TRY(dlg_findings__unit(&r->findings, u, err));
	count(r, u, &d);
	dlg_conv_fn seen = r->ctx.opts->on_conversation;
	if (seen)
		seen((const dlg_conv *)u, d.fate, d.fate == DLG_FATE_WRITTEN ? d.split : 0,
		     r->payload);
	return r->writer ? dlg_writer__put(r->writer, s, worker, u, &d, err) : DLG_OK;
}

/* ---- what the scheduler asks of the driver ---- */

static bool all_claimed(void *self)
{
	return dlg_intake__done(&((run *)self)->intake);
}

static uint64_t next_cost(void *self)
{
	return dlg_intake__next_cost(&((run *)self)->intake);
}

static dlg_status claim(void *self, size_t slot, uint64_t *cost, dlg_error *err)
{
	run *r = self;
	return dlg_intake__next(&r->intake, &r->items[slot], cost, err);
}

/* The item's real cost is known once its bytes are: it waits for room for it. */
static dlg_status process(void *self, dlg_sched *s, size_t slot, dlg_error *err)
{
	run *r = self;
	dlg_item *it = &r->items[slot];
	const dlg_input *in = &r->files.items[it->input];
	uint64_t cost;
	DLG_TRY(dlg_step__read(it, in, &r->ctx, err));
	DLG_TRY(dlg_step__cost(&cost, it, &r->ctx, err));
	DLG_TRY(dlg_sched__cost(s, slot, cost, err));
	return dlg_step__item(it, in, &r->ctx, err);
}

static dlg_status commit(void *self, dlg_sched *s, size_t slot, void *worker, dlg_error *err)
{
	run *r = self;
	dlg_item *it = &r->items[slot];
	dlg_status st = DLG_OK;
	if (it->first_of_input)
		r->sum->files++;
	for (size_t i = 0; i < it->n_units && st == DLG_OK; i++)
		st = commit_unit(r, s, worker, &it->units[i], err);
	if (st == DLG_OK && r->ctx.opts->progress) {
		dlg_progress *p = &r->progress;
		if (it->first_of_input) {
			p->files_done++;
			p->bytes_done += r->files.items[it->input].size;
		}
		p->conversations = r->sum->inputs;
		r->ctx.opts->progress(p, r->payload);
	}
	dlg_step__item_trim(it, &r->ctx, r->data_cap);
	return st;
}

static dlg_status flush(void *self, dlg_sched *s, void *worker, dlg_error *err)
{
	run *r = self;
	return r->writer ? dlg_writer__flush(r->writer, s, worker, err) : DLG_OK;
}

static dlg_status pack(void *self, void *worker, dlg_buf *packed, dlg_buf *plain,
		       dlg_error *err)
{
	return dlg_writer__pack(((run *)self)->writer, worker, packed, plain, err);
}

static dlg_status deliver(void *self, size_t output, const dlg_buf *packed, dlg_error *err)
{
	return dlg_writer__deliver(((run *)self)->writer, output, packed, err);
}

static dlg_status worker_new(void *self, void **out, dlg_error *err)
{
	run *r = self;
	*out = NULL;
	return r->writer ? dlg_writer__worker_new(r->writer, out, err) : DLG_OK;
}

static void worker_free(void *self, void *worker)
{
	run *r = self;
	if (r->writer)
		dlg_writer__worker_free(r->writer, worker);
}

static const dlg_sched_ops run_ops = { all_claimed, next_cost, claim, process, commit, flush,
				       pack, deliver, worker_new, worker_free };

static unsigned thread_count(const dlg_options *o)
{
	if (o->threads)
		return o->threads;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	return cores > 0 ? (unsigned)cores : 1;
}

/* The scheduler's slots (items) and the run on them. */
static dlg_status run_items(run *r, dlg_error *err)
{
	unsigned threads = thread_count(r->ctx.opts);
	dlg_sched_plan plan = { threads, 4 * (size_t)threads,
				r->writer ? dlg_writer__outputs(r->writer) : 0,
				r->writer ? (size_t)threads + 2 : 0, r->ctx.opts->memory_budget,
				r->ctx.opts->cancel, r->ctx.alloc };
	r->items = dlg_mem__alloc(r->ctx.alloc, plan.n_slots * sizeof *r->items);
	if (!r->items)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	r->n_items = plan.n_slots;
	for (size_t i = 0; i < r->n_items; i++)
		dlg_step__item_init(&r->items[i], r->ctx.alloc, r->data_cap);
	return dlg_sched__run(&run_ops, r, &plan, err);
}

/* Entries the walk passed over (W312, W315): findings that end nothing, but --strict makes
 * them errors, which `validate` exits 1 on. */
static void report_skipped(run *r)
{
	for (size_t i = 0; i < DLG_BUF_COUNT(&r->files.skipped, dlg_skipped); i++) {
		const dlg_skipped *s = &DLG_BUF_AT(&r->files.skipped, dlg_skipped, i);
		dlg_diag d = { s->code, dlg_ctx__severity(&r->ctx, s->code), s->shown, 1, 1, 0, 0,
			       "" };
		snprintf(d.msg, sizeof d.msg, "%s", s->msg);
		dlg_findings__one(&r->findings, &d);
	}
}

static dlg_status run_all(run *r, const char *const *inputs, size_t n_inputs, unsigned part,
			  unsigned parts, dlg_error *err)
{
	const dlg_options *o = r->ctx.opts;
	if (o->n_keep_fields)
		DLG_TRY(dlg_kept__types_new(&r->kept_types, o, err));
	DLG_TRY(dlg_discover__inputs(&r->files, inputs, n_inputs, o, err));
	size_t first = (size_t)((uint64_t)r->files.count * part / parts);
	size_t end = (size_t)((uint64_t)r->files.count * (part + 1) / parts);
	dlg_intake__init(&r->intake, &r->ctx, &r->files, first, end);
	r->progress.files_total = end - first;
	for (size_t i = first; i < end; i++)
		r->progress.bytes_total += r->files.items[i].size;
	/* every part discovers the same entries: the first reports them */
	if (part == 0)
		report_skipped(r);
	if (r->writer)
		DLG_TRY(dlg_writer__begin(r->writer, &r->ctx, &r->files, err));
	return run_items(r, err);
}

dlg_status dlg_pipeline__run(dlg_summary *out, const char *const *inputs, size_t n_inputs,
			     const dlg_options *opts, unsigned part, unsigned parts,
			     dlg_writer *writer, dlg_diag_fn diag, void *payload, dlg_error *err)
{
	run *r = dlg_mem__alloc(opts->allocator, sizeof *r);
	if (!r)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	memset(r, 0, sizeof *r);
	r->sum = out;
	r->payload = payload;
	r->writer = writer;
	dlg_status st = dlg_ctx__init(&r->ctx, opts, err);
	r->ctx.ids_only = !writer && !opts->on_conversation;
	r->data_cap = dlg_intake__data_cap(r->ctx.opts);
	dlg_findings__init(&r->findings, &r->ctx, out, diag, payload);
	dlg_decide__init(&r->decider, &r->ctx);
	r->decider.near_dup_later = writer && writer->kind->near_dup_later;
	if (st == DLG_OK)
		st = run_all(r, inputs, n_inputs, part, parts, err);
	dlg_findings__end(&r->findings); /* what streaks hold, even of a failed run */
	out->near_dup_clusters = r->decider.near.clusters;
	dlg_run_counts counts = { out, r->rejected_by_code, r->kept_types, r->message_extras,
				  r->tools };
	if (st == DLG_OK && writer)
		st = dlg_writer__end(writer, &counts, err);
	if (writer)
		dlg_writer__close(writer);
	for (size_t i = 0; i < r->n_items; i++)
		dlg_step__item_dispose(&r->items[i], &r->ctx);
	dlg_mem__free(opts->allocator, r->items);
	dlg_intake__dispose(&r->intake);
	dlg_discover__dispose(&r->files);
	dlg_findings__dispose(&r->findings);
	dlg_decide__dispose(&r->decider);
	dlg_kept__types_free(r->kept_types);
	dlg_ctx__dispose(&r->ctx);
	dlg_mem__free(opts->allocator, r);
	return st;
}

dlg_status dlg_run(dlg_summary *out, const char *const *inputs, size_t n_inputs,
		   const dlg_options *opts, dlg_diag_fn diag, void *payload, dlg_error *err)
{
	if (!out || !opts || (n_inputs && !inputs))
		return dlg_error__set(err, DLG_E_ARG, 0, "dlg_run: NULL argument");
	memset(out, 0, sizeof *out);
	if (n_inputs == 0)
		return dlg_error__set(err, DLG_E_ARG, 0, "no inputs given");
	dlg_writer dataset;
	dlg_writer__init(&dataset, &dlg_writer__dataset, NULL);
	return dlg_pipeline__run(out, inputs, n_inputs, opts, 0, 1,
				 opts->output_dir ? &dataset : NULL, diag, payload, err);
}

dlg_status dlg_convert_buffer(char **out, const char *data, size_t len, const char *source,
			      const dlg_options *opts, dlg_diag_fn diag, void *payload,
			      dlg_error *err)
{
	if (!out || (!data && len) || !source || !opts)
		return dlg_error__set(err, DLG_E_ARG, 0, "dlg_convert_buffer: NULL argument");
	*out = NULL;
	/* the buffer is UTF-8 already: no reader converts it */
	dlg_options utf8 = *opts;
	utf8.input_encoding = NULL;
	opts = &utf8;
	dlg_ctx ctx;
	DLG_TRY(dlg_ctx__init(&ctx, opts, err));
	dlg_unit u;
	dlg_unit__init(&u, &ctx);
	dlg_input in = { .source = (char *)source };
	dlg_unit__reset(&u, &in, 0, 0);
	dlg_status st = ctx.tokenizer ? dlg_tok_scratch__new(&u.tok_scratch, ctx.alloc, err) :
					DLG_OK;
	if (st == DLG_OK)
		st = dlg_transcript__parse(&u, data ? data : "", len, err);
	if (st == DLG_OK)
		st = dlg_step__finish(&u, err);
	if (st == DLG_OK)
		st = dlg_unit__count_unkept(&u, err);
	dlg_summary counts = { 0 }; /* findings count here; dlg_convert_buffer reports none */
	dlg_findings findings;
	dlg_findings__init(&findings, &ctx, &counts, diag, payload);
	for (size_t i = 0; st == DLG_OK && i < DLG_BUF_COUNT(&u.diags, dlg_diag); i++)
		dlg_findings__one(&findings, &DLG_BUF_AT(&u.diags, dlg_diag, i));
	dlg_findings__dispose(&findings);
	/* copied with the C library's allocator, as dlg_free() frees whatever options said */
	if (st == DLG_OK && !u.rejected &&
	    !(*out = dlg_mem__strndup(NULL, u.json.data, u.json.len)))
		st = dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	dlg_tok_scratch__free(u.tok_scratch);
	dlg_unit__dispose(&u);
	dlg_ctx__dispose(&ctx);
	return st;
}
