/*
 * steps.c - the map and reduce steps above the driver (docs/map-reduce.md): map runs the
 * driver on a slice of the inputs into a part writer (plain buckets by split and shard, and a
 * journal of its rejects and kept ids); reduce merges bucket S of every part into
 * WORK/shard-SSSSS-of-NNNNN, cut into gzip members as convert cuts them. Finalize is
 * finalize.c; what they share, workdir.c. Uses buf.c, error.c, split.c, sink.c, commit.c,
 * manifest.c, record.c, decide.c, writer.c, dataset.c, workdir.c and the driver (pipeline.c).
 */
#define _POSIX_C_SOURCE 200809L
#include "internal.h"
#include "buf.h"
#include "commit.h"
#include "ctx.h"
#include "dataset.h"
#include "decide.h"
#include "discover.h"
#include "error.h"
#include "findings.h"
#include "manifest.h"
#include "options.h"
#include "pipeline.h"
#include "record.h"
#include "sink.h"
#include "split.h"
#include "unit.h"
#include "writer.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nearwork.h"
#include "workdir.h"

/* The file list every map part discovers, as a hash of each file's source name and size:
 * finalize refuses parts that saw different ones (another INPUT, a file added meanwhile). */
static dlg_status digest_inputs(char hex[33], const dlg_inputs *files, const dlg_allocator *a,
				dlg_error *err)
{
	dlg_buf list;
	dlg_buf__init(&list, a, DLG_BUF_UNCAPPED);
	dlg_status st = DLG_OK;
	for (size_t i = 0; st == DLG_OK && i < files->count; i++)
		st = dlg_buf__printf(&list, err, "%s%c%llu%c", files->items[i].source, 0,
				     (unsigned long long)files->items[i].size, 0);
	uint8_t id[16];
	if (st == DLG_OK)
		dlg_split__id(id, hex, list.data ? list.data : "", list.len);
	dlg_buf__dispose(&list);
	return st;
}

/* A map part's own: the digest of the inputs, and the journal line being made. */
typedef struct part_state {
	char inputs_digest[33];
	dlg_buf line;
	dlg_buf scratch;
	dlg_outfile signatures; /* with --near-dup: each kept conversation's (nearwork.h) */
} part_state;

static dlg_status part_begin(dlg_writer *w, const dlg_inputs *files, dlg_error *err)
{
	part_state *p = w->payload;
	DLG_TRY(digest_inputs(p->inputs_digest, files, w->ctx->alloc, err));
	w->inputs_digest = p->inputs_digest;
	if (!w->ctx->near_dup)
		return DLG_OK;
	w->extra = &p->signatures;
	return dlg_sink__open(&p->signatures, w->out.stage, DLG_SIGNATURES, w->ctx->alloc, err);
}

/*
 * A map part's journal line for a conversation it keeps: its id, its split, and the
 * rejects.jsonl line it becomes when an earlier part had its id, rendered here with the unit
 * at hand by marking it a duplicate and taking the mark back.
 */
static dlg_status part_kept(dlg_writer *w, dlg_unit *u, size_t split, dlg_error *err)
{
	part_state *p = w->payload;
	bool rejected = u->rejected;
	size_t n_diags = u->diags.len;
	dlg_status st = dlg_decide__mark_duplicate(u, err);
	if (st == DLG_OK)
		st = dlg_record__reject(&p->scratch, u, DLG_DIAG_DUPLICATE, "", 0, err);
	u->diags.len = n_diags;
	u->rejected = rejected;
	p->line.len = 0;
	if (st == DLG_OK)
		st = dlg_buf__printf(&p->line, err, "%s %zu ", u->id_hex, split);
	if (st == DLG_OK)
		st = dlg_buf__append(&p->line, p->scratch.data, p->scratch.len, err);
	if (st == DLG_OK && w->extra) {
		uint8_t rec[DLG_SIG_RECORD];
		dlg_nearwork__encode(rec, u->id, split, &u->near_sig);
		w->extra->records++;
		st = dlg_sink__write(w->extra, rec, sizeof rec, err);
	}
	return st == DLG_OK ? dlg_sink__write(&w->rejects, p->line.data, p->line.len, err) : st;
}

/* Buckets stay plain: reduce compresses them, cut as convert does. */
static const dlg_writer_kind part_kind = { true, DLG_JOURNAL, false, part_begin, part_kept,
					   true };

dlg_status dlg_map(dlg_summary *out, const char *const *inputs, size_t n_inputs,
		   unsigned part, unsigned parts, const char *work_dir, const dlg_options *opts,
		   dlg_diag_fn diag, void *payload, dlg_error *err)
{
	if (!out || !opts || !work_dir || (n_inputs && !inputs))
		return dlg_error__set(err, DLG_E_ARG, 0, "dlg_map: NULL argument");
	memset(out, 0, sizeof *out);
	if (n_inputs == 0)
		return dlg_error__set(err, DLG_E_ARG, 0, "no inputs given");
	dlg_options o;
	DLG_TRY(dlg_workdir__options(&o, opts, err));
	if (parts == 0 || part >= parts || parts > DLG_MAX_PARTS)
		return dlg_error__set(err, DLG_E_ARG, 0, "part %u of %u: want K/M with K below M "
				      "and M from 1 to %d", part, parts, DLG_MAX_PARTS);
	char dir[4096];
	if (dlg_workdir__part_dir(dir, sizeof dir, work_dir, part, parts) >= sizeof dir)
		return dlg_error__set(err, DLG_E_ARG, 0, "work directory path too long");
	/* a rerun of a part replaces its directory whole, as convert --force does */
	o.output_dir = dir;
	o.force = 1;
	part_state p = { .inputs_digest = "", .signatures = { .fd = -1 } };
	dlg_buf__init(&p.line, opts->allocator, DLG_BUF_UNCAPPED);
	dlg_buf__init(&p.scratch, opts->allocator, DLG_BUF_UNCAPPED);
	dlg_writer w;
	dlg_writer__init(&w, &part_kind, &p);
	dlg_status st = dlg_pipeline__run(out, inputs, n_inputs, &o, part, parts, &w, diag,
					  payload, err);
	dlg_buf__dispose(&p.line);
	dlg_buf__dispose(&p.scratch);
	dlg_sink__discard(&p.signatures);
	return st;
}

/* What reduce holds, released in one place. */
typedef struct reducer {
	dlg_ctx ctx;
	dlg_options opts;  /* the caller's, writing into the shard's directory */
	char dir[4096];
	unsigned shard;
	dlg_manifest_read part;
	dlg_idset ids;
	dlg_commit out;
	dlg_outfile files[DLG_MAX_SPLITS];
	dlg_buf pending[DLG_MAX_SPLITS];
	dlg_buf packed;
	void *compressor;
	dlg_journal journal;
	dlg_readback buckets[DLG_MAX_SPLITS]; /* shard S of each split, of the part being read */
	dlg_buf record;
	dlg_summary sum;
	dlg_buf parts_sha256; /* each part's manifest as it was read: what the shard is made of */
	dlg_fates fates;      /* with --near-dup: each conversation's split, or dropped */
	bool near;            /* --near-dup group or drop (ctx.near_dup is off for group:
				 reduce writes no dataset) */
} reducer;

/* A split's pending lines become its next member (cut as convert cuts them). */
static dlg_status write_member(reducer *r, size_t split, dlg_error *err)
{
	dlg_buf *plain = &r->pending[split];
	if (r->opts.compress == DLG_COMPRESS_GZIP) {
		DLG_TRY(dlg_sink__gzip_member(&r->packed, r->compressor, plain->data, plain->len,
					      r->opts.cancel, err));
		plain = &r->packed;
	}
	DLG_TRY(dlg_sink__write(&r->files[split], plain->data, plain->len, err));
	r->pending[split].len = 0;
	return DLG_OK;
}

/* One conversation part `part` kept in bucket `split`, of this shard: unless an earlier
 * part kept its id or the cluster step dropped it, into its split: the bucket's, or with
 * --near-dup the cluster step's `fate`. */
static dlg_status reduce_one(reducer *r, const uint8_t id[16], size_t split, uint8_t fate,
			     dlg_error *err)
{
	DLG_TRY(dlg_workdir__readback_line(&r->buckets[split], &r->record, err));
	if (r->record.len == 0)
		return dlg_error__set(err, DLG_E_IO, 0, "%s: a bucket ends before the journal does "
				      "(run that part again)", r->journal.in.path);
	bool duplicate = false;
	if (!r->opts.no_dedup)
		DLG_TRY(dlg_split__idset_insert(&duplicate, &r->ids, id, err));
	if (r->near && ((fate == DLG_FATE_DUP) != duplicate ||
		     (fate < DLG_FATE_DUP && fate >= r->ctx.n_splits)))
		return dlg_nearwork__mismatch(&r->fates, err);
	if (duplicate) {
		r->sum.duplicates++;
		return DLG_OK;
	}
	if (fate == DLG_FATE_NEAR)
		return DLG_OK;
	if (r->near)
		split = fate;
	dlg_outfile *f = &r->files[split];
	if (!f->path) {
		char name[DLG_SPLIT_FILE_NAME];
		dlg_sink__split_file_name(name, r->ctx.splits[split].name, r->shard, r->ctx.shards,
					  r->opts.compress);
		DLG_TRY(dlg_sink__open(f, r->out.stage, name, r->ctx.alloc, err));
	}
	f->records++;
	r->sum.written++;
	r->sum.split_written[split]++;
	DLG_TRY(dlg_buf__append(&r->pending[split], r->record.data, r->record.len, err));
	bool full = r->pending[split].len >= dlg_sink__member_bytes(r->ctx.shards);
	return full ? write_member(r, split, err) : DLG_OK;
}

/* Bucket `shard` of split i's name in a part's directory (plain, as map writes them). */
static void bucket_name(char out[DLG_SPLIT_FILE_NAME], const reducer *r, size_t i)
{
	dlg_sink__split_file_name(out, r->ctx.splits[i].name, r->shard, r->ctx.shards,
				  DLG_COMPRESS_NONE);
}

/*
 * Bucket `shard` of part `part`, in the order of its journal; at their ends both are checked
 * against the part's manifest (its SHA-256 of each), and the manifest's own is recorded as
 * what the shard is made from.
 */
static dlg_status reduce_part(reducer *r, const char *work, unsigned part, unsigned parts,
			      dlg_error *err)
{
	char dir[4096], what[64], redo[64];
	dlg_workdir__part_dir(dir, sizeof dir, work, part, parts);
	snprintf(what, sizeof what, "part %u/%u", part, parts);
	snprintf(redo, sizeof redo, "map --part %u/%u", part, parts);
	DLG_TRY(dlg_workdir__read_checked(&r->part, &r->ctx, dir, what, redo, err));
	if (r->near)
		DLG_TRY(dlg_nearwork__made_from(&r->fates.m, part, parts, r->part.sha256_hex,
						DLG_FATES_WHAT, DLG_FATES_REDO, err));
	for (size_t i = 0; i < r->ctx.n_splits; i++) {
		char name[DLG_SPLIT_FILE_NAME];
		bucket_name(name, r, i);
		if (dlg_workdir__listed(&r->part, name))
			DLG_TRY(dlg_workdir__readback_open(&r->buckets[i], dir, name, err));
	}
	DLG_TRY(dlg_workdir__journal_open(&r->journal, dir, err));
	for (bool more = true;;) {
		DLG_TRY(dlg_workdir__journal_next(&more, &r->journal, &r->opts, err));
		if (!more)
			break;
		uint8_t id[16];
		size_t split;
		const char *rest;
		if (r->journal.line.data[0] == '{')
			continue; /* a reject: finalize's */
		if (!dlg_workdir__parse_kept(id, &split, &rest, r->journal.line.data, &r->ctx) ||
		    (dlg_split__shard(id, r->ctx.shards) == r->shard && !r->buckets[split].f))
			return dlg_workdir__bad_journal(&r->journal, err);
		uint8_t fate = 0;
		if (r->near)
			DLG_TRY(dlg_nearwork__next(&fate, NULL, NULL, &r->fates, err));
		if (dlg_split__shard(id, r->ctx.shards) == r->shard)
			DLG_TRY(reduce_one(r, id, split, fate, err));
	}
	DLG_TRY(dlg_workdir__readback_check(&r->journal.in,
					    dlg_workdir__listed(&r->part, DLG_JOURNAL), what,
					    redo, err));
	dlg_workdir__journal_close(&r->journal);
	for (size_t i = 0; i < r->ctx.n_splits; i++) {
		dlg_readback *b = &r->buckets[i];
		if (!b->f)
			continue;
		if (fgetc(b->f) != EOF)
			return dlg_error__set(err, DLG_E_IO, 0, "%s: a bucket holds more than the "
					      "journal lists (run that part again)", dir);
		/* a failed read is not the end of the bucket */
		if (ferror(b->f))
			return dlg_error__io(err, errno, "read", b->path);
		char name[DLG_SPLIT_FILE_NAME];
		bucket_name(name, r, i);
		DLG_TRY(dlg_workdir__readback_check(b, dlg_workdir__listed(&r->part, name), what,
						    redo, err));
		dlg_workdir__readback_close(b);
	}
	return dlg_buf__append(&r->parts_sha256, r->part.sha256_hex, 64, err);
}

static dlg_status reduce_all(reducer *r, const char *work, dlg_error *err)
{
	unsigned parts;
	DLG_TRY(dlg_workdir__count_tasks(&parts, work, "part", "map", err));
	if (r->near)
		DLG_TRY(dlg_nearwork__fates_open(&r->fates, &r->ctx, work, err));
	DLG_TRY(dlg_commit__begin(&r->out, &r->opts, err));
	for (unsigned k = 0; k < parts; k++)
		DLG_TRY(reduce_part(r, work, k, parts, err));
	if (r->near)
		DLG_TRY(dlg_nearwork__fates_end(&r->fates, false, err));
	const dlg_outfile *files[DLG_MAX_SPLITS + 2];
	size_t n = 0;
	for (size_t i = 0; i < r->ctx.n_splits; i++) {
		if (!r->files[i].path)
			continue;
		if (r->pending[i].len)
			DLG_TRY(write_member(r, i, err));
		DLG_TRY(dlg_sink__finish(&r->files[i], err));
		files[n++] = &r->files[i];
	}
	const uint64_t no_rejects[DLG_DIAG_CODES] = { 0 }; /* a shard's are in the journals */
	dlg_manifest m = { &r->ctx, &r->sum, no_rejects, files, n, n, NULL, NULL,
			   &r->parts_sha256, false, false };
	return dlg_dataset__commit(&r->out, &m, files, false, err);
}

dlg_status dlg_reduce(const char *work_dir, unsigned shard, const dlg_options *opts,
		      dlg_error *err)
{
	if (!work_dir || !opts)
		return dlg_error__set(err, DLG_E_ARG, 0, "dlg_reduce: NULL argument");
	dlg_options o;
	DLG_TRY(dlg_workdir__options(&o, opts, err));
	reducer *r = dlg_mem__alloc(opts->allocator, sizeof *r);
	if (!r)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	memset(r, 0, sizeof *r);
	r->out.parent_fd = r->out.lock_fd = -1;
	r->opts = o;
	r->shard = shard;
	r->near = o.near_dup != DLG_NEAR_DUP_OFF;
	dlg_status st = dlg_ctx__init(&r->ctx, &r->opts, err);
	if (st == DLG_OK && shard >= r->ctx.shards)
		st = dlg_error__set(err, DLG_E_ARG, 0, "shard %u of %u: want S/N with S below N",
				    shard, r->ctx.shards);
	if (st == DLG_OK && dlg_workdir__shard_dir(r->dir, sizeof r->dir, work_dir, shard,
						   r->ctx.shards) >= sizeof r->dir)
		st = dlg_error__set(err, DLG_E_ARG, 0, "work directory path too long");
	/* a rerun of a shard replaces its directory whole, as convert --force does */
	r->opts.output_dir = r->dir;
	r->opts.force = 1;
	dlg_buf__init(&r->part.files, opts->allocator, DLG_BUF_UNCAPPED);
	dlg_buf__init(&r->part.parts_sha256, opts->allocator, DLG_BUF_UNCAPPED);
	dlg_buf__init(&r->parts_sha256, opts->allocator, DLG_BUF_UNCAPPED);
	dlg_buf__init(&r->fates.m.files, opts->allocator, DLG_BUF_UNCAPPED);
	dlg_buf__init(&r->fates.m.parts_sha256, opts->allocator, DLG_BUF_UNCAPPED);
	dlg_buf__init(&r->packed, opts->allocator, DLG_BUF_UNCAPPED);
	dlg_buf__init(&r->record, opts->allocator, DLG_BUF_UNCAPPED);
	dlg_buf__init(&r->journal.line, opts->allocator, DLG_BUF_UNCAPPED);
	for (size_t i = 0; i < DLG_MAX_SPLITS; i++) {
		dlg_buf__init(&r->pending[i], opts->allocator, DLG_BUF_UNCAPPED);
		r->files[i].fd = -1;
	}
	dlg_split__idset_init(&r->ids, opts->allocator);
	if (st == DLG_OK && !(r->compressor = dlg_sink__deflate_new()))
		st = dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory (compressor)");
	if (st == DLG_OK)
		st = reduce_all(r, work_dir, err);
	for (size_t i = 0; i < DLG_MAX_SPLITS; i++) {
		dlg_sink__discard(&r->files[i]);
		dlg_buf__dispose(&r->pending[i]);
		dlg_workdir__readback_close(&r->buckets[i]);
	}
	dlg_workdir__journal_close(&r->journal);
	dlg_buf__dispose(&r->journal.line);
	dlg_buf__dispose(&r->record);
	dlg_commit__end(&r->out);
	dlg_sink__deflate_free(r->compressor);
	dlg_buf__dispose(&r->packed);
	dlg_buf__dispose(&r->part.files);
	dlg_buf__dispose(&r->part.parts_sha256);
	dlg_buf__dispose(&r->parts_sha256);
	dlg_nearwork__fates_dispose(&r->fates);
	dlg_buf__dispose(&r->fates.m.files);
	dlg_buf__dispose(&r->fates.m.parts_sha256);
	dlg_split__idset_dispose(&r->ids);
	dlg_ctx__dispose(&r->ctx);
	dlg_mem__free(opts->allocator, r);
	return st;
}
