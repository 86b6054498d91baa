/*
 * writer.c - the files a run writes (writer.h): split files cut into gzip members (4 MiB, so
 * that any thread can pack one and the bytes do not depend on the thread count), the rejects,
 * provenance, and at the end the manifest and the commit (dataset.c). A split with no record
 * gets no file at all (consumers refuse empty ones).
 * Uses buf.c, error.c, record.c, sink.c, commit.c, dataset.c and sched.c.
 */
#define _POSIX_C_SOURCE 200809L
#include "writer.h"
#include "buf.h"
#include "commit.h"
#include "ctx.h"
#include "dataset.h"
#include "decide.h"
#include "discover.h"
#include "error.h"
#include "manifest.h"
#include "record.h"
#include "sched.h"
#include "sink.h"
#include "unit.h"

#include <errno.h>
#include <unistd.h>

const dlg_writer_kind dlg_writer__dataset = { false, "rejects.jsonl", true, NULL, NULL, false };

void dlg_writer__init(dlg_writer *w, const dlg_writer_kind *kind, void *payload)
{
	memset(w, 0, sizeof *w);
	w->kind = kind;
	w->payload = payload;
	w->out.parent_fd = w->out.lock_fd = -1;
}

dlg_status dlg_writer__begin(dlg_writer *w, const dlg_ctx *ctx, const dlg_inputs *files,
			     dlg_error *err)
{
	const dlg_options *o = ctx->opts;
	w->ctx = ctx;
	dlg_buf__init(&w->line, o->allocator, DLG_BUF_UNCAPPED);
	DLG_TRY(dlg_commit__begin(&w->out, o, err));
	const char *stage = w->out.stage;
	char name[DLG_SPLIT_FILE_NAME];
	size_t n_outs = dlg_writer__outputs(w);
	w->outs = dlg_mem__alloc(o->allocator, n_outs * sizeof *w->outs);
	if (!w->outs)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	for (size_t i = 0; i < n_outs; i++) {
		dlg_sink__split_file_name(name, ctx->splits[i / ctx->shards].name,
					  (unsigned)(i % ctx->shards), ctx->shards,
					  w->kind->plain ? DLG_COMPRESS_NONE : o->compress);
		dlg_split_out *so = &w->outs[i];
		memset(so, 0, sizeof *so);
		dlg_buf__init(&so->pending, o->allocator, DLG_BUF_UNCAPPED);
		w->n_open_outs++;
		DLG_TRY(dlg_sink__open(&so->file, stage, name, o->allocator, err));
	}
	DLG_TRY(dlg_sink__open(&w->rejects, stage, w->kind->rejects_name, o->allocator, err));
	w->rejects_open = true;
	if (o->bare) {
		DLG_TRY(dlg_sink__open(&w->provenance, stage, "provenance.jsonl", o->allocator,
				       err));
		w->provenance_open = true;
	}
	return w->kind->begin ? w->kind->begin(w, files, err) : DLG_OK;
}

size_t dlg_writer__outputs(const dlg_writer *w)
{
	return w->ctx->n_splits * w->ctx->shards;
}

dlg_status dlg_writer__put(dlg_writer *w, dlg_sched *s, void *worker, dlg_unit *u,
			   const dlg_decision *d, dlg_error *err)
{
	if (d->fate != DLG_FATE_WRITTEN) {
		DLG_TRY(dlg_record__reject(&w->line, u, d->dropped_by, d->kept, d->similarity,
					   err));
		w->rejects.records++;
		return dlg_sink__write(&w->rejects, w->line.data, w->line.len, err);
	}
	if (w->kind->kept)
		DLG_TRY(w->kind->kept(w, u, d->split, err));
	size_t out = d->split * w->ctx->shards + d->shard;
	dlg_split_out *so = &w->outs[out];
	size_t member = dlg_sink__member_bytes(w->ctx->shards);
	if (so->pending.len == 0 && u->json.len >= member) {
		/* a member of its own: handed over rather than copied, which for a record of
		 * hundreds of megabytes would be that much again */
		dlg_buf swap = so->pending;
		so->pending = u->json;
		u->json = swap;
	} else {
		DLG_TRY(dlg_buf__append(&so->pending, u->json.data, u->json.len, err));
	}
	so->file.records++;
	if (w->provenance_open) {
		DLG_TRY(dlg_record__provenance(&w->line, u, w->ctx->splits[d->split].name, err));
		w->provenance.records++;
		DLG_TRY(dlg_sink__write(&w->provenance, w->line.data, w->line.len, err));
	}
	if (so->pending.len >= member)
		return dlg_sched__queue(s, out, &so->pending, worker, err);
	return DLG_OK;
}

dlg_status dlg_writer__flush(dlg_writer *w, dlg_sched *s, void *worker, dlg_error *err)
{
	for (size_t i = 0; i < w->n_open_outs; i++)
		if (w->outs[i].pending.len > 0)
			DLG_TRY(dlg_sched__queue(s, i, &w->outs[i].pending, worker, err));
	return DLG_OK;
}

/* Whether the split files are gzip members (else plain: a map part's buckets, --compress
 * none), so that a thread needs a compressor. */
static bool gzipped(const dlg_writer *w)
{
	return w->ctx->opts->compress == DLG_COMPRESS_GZIP && !w->kind->plain;
}

dlg_status dlg_writer__worker_new(dlg_writer *w, void **out, dlg_error *err)
{
	*out = NULL;
	if (!gzipped(w))
		return DLG_OK;
	*out = dlg_sink__deflate_new();
	return *out ? DLG_OK : dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory (compressor)");
}

void dlg_writer__worker_free(dlg_writer *w, void *worker)
{
	(void)w;
	dlg_sink__deflate_free(worker);
}

dlg_status dlg_writer__pack(dlg_writer *w, void *worker, dlg_buf *packed, dlg_buf *plain,
			    dlg_error *err)
{
	if (gzipped(w))
		return dlg_sink__gzip_member(packed, worker, plain->data, plain->len,
					     w->ctx->opts->cancel, err);
	dlg_buf swap = *plain; /* written as it is */
	*plain = *packed;
	*packed = swap;
	return DLG_OK;
}

dlg_status dlg_writer__deliver(dlg_writer *w, size_t out, const dlg_buf *packed, dlg_error *err)
{
	return dlg_sink__write(&w->outs[out].file, packed->data, packed->len, err);
}

/* The files after the split files (`all` has room for them): rejects, provenance, card and
 * manifest; then the commit. */
static dlg_status finish_files(dlg_writer *w, const dlg_run_counts *c, const dlg_outfile **all,
			       size_t n, dlg_error *err)
{
	size_t n_splits = n;
	DLG_TRY(dlg_sink__finish(&w->rejects, err));
	all[n++] = &w->rejects;
	if (w->provenance_open) {
		DLG_TRY(dlg_sink__finish(&w->provenance, err));
		all[n++] = &w->provenance;
	}
	if (w->extra) {
		DLG_TRY(dlg_sink__finish(w->extra, err));
		all[n++] = w->extra;
	}
	dlg_manifest m = { w->ctx, c->summary, c->rejected_by_code, all, n, n_splits,
			   c->kept_types, w->inputs_digest, NULL, c->message_extras, c->tools };
	/* a map part's manifest is for finalize, which writes the card */
	return dlg_dataset__commit(&w->out, &m, all, w->kind->whole_run, err);
}

dlg_status dlg_writer__rejects_within(const dlg_summary *s, const dlg_options *o,
				       dlg_error *err)
{
	if (s->rejected <= o->max_rejects)
		return DLG_OK;
	return dlg_error__set(err, DLG_E_REJECTS, 0, "%llu conversations rejected, more than "
			      "option max-rejects %llu; nothing written",
			      (unsigned long long)s->rejected, (unsigned long long)o->max_rejects);
}

dlg_status dlg_writer__end(dlg_writer *w, const dlg_run_counts *c, dlg_error *err)
{
	const dlg_options *o = w->ctx->opts;
	/* a map part cannot know the whole run's rejects: finalize counts them */
	if (w->kind->whole_run)
		DLG_TRY(dlg_writer__rejects_within(c->summary, o, err));
	/* the files that go in: split files with records, rejects, provenance, the kind's
	 * own, card, manifest */
	size_t n = 0, cap = w->n_open_outs + 5;
	const dlg_outfile **all = dlg_mem__alloc(o->allocator, cap * sizeof *all);
	dlg_status st = all ? DLG_OK : dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	for (size_t i = 0; st == DLG_OK && i < w->n_open_outs; i++) {
		dlg_outfile *f = &w->outs[i].file;
		st = dlg_sink__finish(f, err);
		if (st == DLG_OK && f->records > 0)
			all[n++] = f;
		else if (st == DLG_OK && unlink(f->path) != 0) /* no empty split file */
			st = dlg_error__io(err, errno, "remove", f->path);
	}
	if (st == DLG_OK)
		st = finish_files(w, c, all, n, err);
	dlg_mem__free(o->allocator, all);
	return st;
}

void dlg_writer__close(dlg_writer *w)
{
	for (size_t i = 0; i < w->n_open_outs; i++) {
		dlg_sink__discard(&w->outs[i].file);
		dlg_buf__dispose(&w->outs[i].pending);
	}
	if (w->ctx)
		dlg_mem__free(w->ctx->alloc, w->outs);
	if (w->rejects_open)
		dlg_sink__discard(&w->rejects);
	if (w->provenance_open)
		dlg_sink__discard(&w->provenance);
	dlg_buf__dispose(&w->line);
	dlg_commit__end(&w->out);
}
