/*
 * nearsteps.c - the band and cluster steps of a cluster run with --near-dup group|drop
 * (docs/map-reduce.md "Near-duplicates"). They replay, over the signatures map wrote, what
 * convert's near-duplicate index (nearindex.c) does in input order:
 *
 * - the index finds, for a conversation x, in each of the 16 LSH bands the first indexed
 *   conversation that had x's key; those candidates, in input order, are confirmed by their
 *   similarity, and the first that passes is the match;
 * - a band task (dlg_bands) holds, for the (band, key)s that hash to it, the first
 *   conversation with each across every part, and writes a pair (x, that one, band) for each
 *   later x with the key: a candidate of x unless that first one was not indexed;
 * - the cluster step (dlg_cluster) reads every conversation in input order with its pairs,
 *   drops exact duplicates as convert does, takes each pair's first *indexed* holder (under
 *   --near-dup drop a dropped first holder is replaced by the first later holder that was
 *   kept: a small table, only for dropped first holders), confirms the candidates with the
 *   same similarity, and writes each conversation's split or that it is dropped.
 *
 * Uses buf.c, error.c, ctx.c, split.c, sink.c, commit.c, dataset.c, manifest.c, neardup.c,
 * nearindex.c (the band key), workdir.c and nearwork.c.
 */
#define _POSIX_C_SOURCE 200809L
#include "internal.h"
#include "buf.h"
#include "commit.h"
#include "ctx.h"
#include "dataset.h"
#include "error.h"
#include "manifest.h"
#include "neardup.h"
#include "nearindex.h"
#include "nearwork.h"
#include "sink.h"
#include "split.h"
#include "workdir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Output is written in runs of this much (the sinks write what they get at once). */
#define FLUSH_BYTES ((size_t)1 << 20)
#define EMPTY UINT64_MAX

/* An open-addressing table from a 64-bit key (never EMPTY) to a 32-bit value. */
typedef struct table {
	uint64_t *keys;
	uint32_t *values;
	size_t cap, count;
	const dlg_allocator *alloc;
} table;

static void table_dispose(table *t)
{
	dlg_mem__free(t->alloc, t->keys);
	dlg_mem__free(t->alloc, t->values);
}

static size_t slot_of(const table *t, uint64_t key)
{
	size_t i = (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 32) & (t->cap - 1);
	while (t->keys[i] != EMPTY && t->keys[i] != key)
		i = (i + 1) & (t->cap - 1);
	return i;
}

static dlg_status table_grow(table *t, dlg_error *err)
{
	table bigger = { NULL, NULL, t->cap ? t->cap * 2 : 1024, 0, t->alloc };
	bigger.keys = dlg_mem__alloc(t->alloc, bigger.cap * sizeof *bigger.keys);
	bigger.values = dlg_mem__alloc(t->alloc, bigger.cap * sizeof *bigger.values);
	if (!bigger.keys || !bigger.values) {
		table_dispose(&bigger);
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory (near-duplicate keys)");
	}
	for (size_t i = 0; i < bigger.cap; i++)
		bigger.keys[i] = EMPTY;
	for (size_t i = 0; i < t->cap; i++) {
		if (t->keys[i] == EMPTY)
			continue;
		size_t at = slot_of(&bigger, t->keys[i]);
		bigger.keys[at] = t->keys[i];
		bigger.values[at] = t->values[i];
	}
	bigger.count = t->count;
	table_dispose(t);
	*t = bigger;
	return DLG_OK;
}

/* The value of `key`: true with it in *value; else false, and `fresh` is put there. */
static dlg_status table_get_or_put(bool *had, uint32_t *value, table *t, uint64_t key,
				   uint32_t fresh, dlg_error *err)
{
	if ((t->count + 1) * 4 > t->cap * 3)
		DLG_TRY(table_grow(t, err));
	size_t i = slot_of(t, key);
	*had = t->keys[i] != EMPTY;
	if (*had) {
		*value = t->values[i];
		return DLG_OK;
	}
	t->keys[i] = key;
	t->values[i] = *value = fresh;
	t->count++;
	return DLG_OK;
}

static bool table_get(uint32_t *value, const table *t, uint64_t key)
{
	if (t->cap == 0)
		return false;
	size_t i = slot_of(t, key);
	if (t->keys[i] == EMPTY)
		return false;
	*value = t->values[i];
	return true;
}

/* What both steps hold, released in one place. */
typedef struct near_step {
	dlg_ctx ctx;
	dlg_options opts; /* the caller's, writing into the step's own directory */
	char dir[4096];
	const char *work;
	unsigned parts;
	dlg_manifest_read part;
	dlg_buf parts_sha256;  /* each part's manifest as read: what the result is made from */
	uint64_t *part_start;  /* the position of each part's first conversation, and the total */
	dlg_readback sigs;     /* the signatures of the part being read */
	dlg_commit out;
	dlg_outfile files[2];
	dlg_buf pending[2];    /* what is not written to files[i] yet */
	size_t n_files;
	dlg_summary sum;
} near_step;

static dlg_status step_init(near_step *s, const char *work, const dlg_options *opts,
			    dlg_error *err)
{
	memset(s, 0, sizeof *s);
	s->out.parent_fd = s->out.lock_fd = -1;
	s->work = work;
	s->files[0].fd = s->files[1].fd = -1;
	const dlg_allocator *a = opts->allocator;
	dlg_buf__init(&s->part.files, a, DLG_BUF_UNCAPPED);
	dlg_buf__init(&s->part.parts_sha256, a, DLG_BUF_UNCAPPED);
	dlg_buf__init(&s->parts_sha256, a, DLG_BUF_UNCAPPED);
	dlg_buf__init(&s->pending[0], a, DLG_BUF_UNCAPPED);
	dlg_buf__init(&s->pending[1], a, DLG_BUF_UNCAPPED);
	DLG_TRY(dlg_workdir__options(&s->opts, opts, err));
	if (s->opts.near_dup == DLG_NEAR_DUP_OFF)
		return dlg_error__set(err, DLG_E_ARG, 0, "option near-dup is off: the bands and "
				      "cluster steps are for --near-dup group or drop");
	/* a rerun replaces the step's directory whole, as convert --force does */
	s->opts.output_dir = s->dir;
	s->opts.force = 1;
	return dlg_ctx__init(&s->ctx, &s->opts, err);
}

static void step_dispose(near_step *s)
{
	const dlg_allocator *a = s->opts.allocator;
	for (size_t i = 0; i < 2; i++) {
		dlg_sink__discard(&s->files[i]);
		dlg_buf__dispose(&s->pending[i]);
	}
	dlg_workdir__readback_close(&s->sigs);
	dlg_commit__end(&s->out);
	dlg_buf__dispose(&s->part.files);
	dlg_buf__dispose(&s->part.parts_sha256);
	dlg_buf__dispose(&s->parts_sha256);
	dlg_mem__free(a, s->part_start);
	dlg_ctx__dispose(&s->ctx);
}

/* Every part's manifest, checked; its SHA-256 kept, and where its conversations start. */
static dlg_status read_parts(near_step *s, dlg_error *err)
{
	DLG_TRY(dlg_workdir__count_tasks(&s->parts, s->work, "part", "map", err));
	s->part_start = dlg_mem__alloc(s->opts.allocator,
				       ((size_t)s->parts + 1) * sizeof *s->part_start);
	if (!s->part_start)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	s->part_start[0] = 0;
	for (unsigned k = 0; k < s->parts; k++) {
		char dir[4096], what[64], redo[64];
		dlg_workdir__part_dir(dir, sizeof dir, s->work, k, s->parts);
		snprintf(what, sizeof what, "part %u/%u", k, s->parts);
		snprintf(redo, sizeof redo, "map --part %u/%u", k, s->parts);
		DLG_TRY(dlg_workdir__read_checked(&s->part, &s->ctx, dir, what, redo, err));
		const dlg_listed_file *l = dlg_workdir__listed(&s->part, DLG_SIGNATURES);
		if (!l || l->size % DLG_SIG_RECORD != 0)
			return dlg_error__set(err, DLG_E_IO, 0, "%s has no signatures (run %s "
					      "again)", what, redo);
		s->part_start[k + 1] = s->part_start[k] + l->size / DLG_SIG_RECORD;
		DLG_TRY(dlg_buf__append(&s->parts_sha256, s->part.sha256_hex, 64, err));
	}
	if (s->part_start[s->parts] > DLG_NEARDUP_MAX_IDS)
		return dlg_error__set(err, DLG_E_LIMIT, 0, "more than %lu conversations to compare "
				      "for near duplicates", (unsigned long)DLG_NEARDUP_MAX_IDS);
	return DLG_OK;
}

/* Open part k's signatures to read in order (read_parts checked its manifest). */
static dlg_status open_signatures(near_step *s, unsigned k, dlg_error *err)
{
	char dir[4096];
	dlg_workdir__part_dir(dir, sizeof dir, s->work, k, s->parts);
	return dlg_workdir__readback_open(&s->sigs, dir, DLG_SIGNATURES, err);
}

/* The end of part k's signatures: its bytes are those its manifest listed when read_parts
 * read it (the manifest is read again: a map that ran meanwhile is caught). */
static dlg_status close_signatures(near_step *s, unsigned k, dlg_error *err)
{
	char dir[4096], what[64], redo[64];
	dlg_workdir__part_dir(dir, sizeof dir, s->work, k, s->parts);
	snprintf(what, sizeof what, "part %u/%u", k, s->parts);
	snprintf(redo, sizeof redo, "map --part %u/%u", k, s->parts);
	DLG_TRY(dlg_workdir__read_checked(&s->part, &s->ctx, dir, what, redo, err));
	if (memcmp(s->part.sha256_hex, s->parts_sha256.data + 64 * (size_t)k, 64) != 0)
		return dlg_error__set(err, DLG_E_IO, 0, "%s changed while this step ran (run it "
				      "again when the map tasks are done)", what);
	DLG_TRY(dlg_workdir__readback_check(&s->sigs, dlg_workdir__listed(&s->part,
									  DLG_SIGNATURES),
					    what, redo, err));
	dlg_workdir__readback_close(&s->sigs);
	return DLG_OK;
}

static dlg_status next_signature(bool *got, dlg_sig_record *rec, near_step *s, dlg_error *err)
{
	if (s->opts.cancel && *s->opts.cancel)
		return dlg_error__set(err, DLG_E_CANCELED, 0, "interrupted");
	uint8_t raw[DLG_SIG_RECORD];
	DLG_TRY(dlg_nearwork__read(got, &s->sigs, raw, sizeof raw, err));
	if (*got && !dlg_nearwork__decode(rec, raw, &s->ctx))
		return dlg_error__set(err, DLG_E_IO, 0, "%s: not a record map writes (run that "
				      "part again)", s->sigs.path);
	return DLG_OK;
}

static dlg_status begin_output(near_step *s, const char *const *names, size_t n,
			       dlg_error *err)
{
	DLG_TRY(dlg_commit__begin(&s->out, &s->opts, err));
	for (size_t i = 0; i < n; i++)
		DLG_TRY(dlg_sink__open(&s->files[i], s->out.stage, names[i], s->ctx.alloc, err));
	s->n_files = n;
	return DLG_OK;
}

/* A record into output i. */
static dlg_status emit(near_step *s, size_t i, const void *rec, size_t n, dlg_error *err)
{
	dlg_buf *b = &s->pending[i];
	DLG_TRY(dlg_buf__append(b, rec, n, err));
	s->files[i].records++;
	if (b->len < FLUSH_BYTES)
		return DLG_OK;
	DLG_TRY(dlg_sink__write(&s->files[i], b->data, b->len, err));
	b->len = 0;
	return DLG_OK;
}

static dlg_status commit_output(near_step *s, dlg_error *err)
{
	const dlg_outfile *files[3]; /* and the manifest, which the commit adds */
	for (size_t i = 0; i < s->n_files; i++) {
		DLG_TRY(dlg_sink__write(&s->files[i], s->pending[i].data, s->pending[i].len,
					err));
		DLG_TRY(dlg_sink__finish(&s->files[i], err));
		files[i] = &s->files[i];
	}
	const uint64_t no_rejects[DLG_DIAG_CODES] = { 0 };
	dlg_manifest m = { &s->ctx, &s->sum, no_rejects, files, s->n_files, 0, NULL, NULL,
			   &s->parts_sha256, false, false };
	return dlg_dataset__commit(&s->out, &m, files, false, err);
}

/* ---- bands ---- */

/* Whether (band, key) is task `task`'s of `tasks`: by the shard hash of its 16 bytes. */
static bool is_task_of(size_t band, uint32_t key, unsigned task, unsigned tasks)
{
	uint8_t bytes[16] = { 0 };
	bytes[0] = (uint8_t)band;
	dlg_nearwork__put32(bytes + 1, key);
	return dlg_split__shard(bytes, tasks) == task;
}

static dlg_status bands_all(near_step *s, unsigned task, unsigned tasks, table *first,
			    dlg_error *err)
{
	DLG_TRY(read_parts(s, err));
	static const char *const names[] = { DLG_PAIRS };
	DLG_TRY(begin_output(s, names, 1, err));
	uint32_t position = 0;
	for (unsigned k = 0; k < s->parts; k++) {
		DLG_TRY(open_signatures(s, k, err));
		dlg_sig_record rec;
		for (bool got;; position++) {
			DLG_TRY(next_signature(&got, &rec, s, err));
			if (!got)
				break;
			for (size_t b = 0; !rec.sig.empty && b < DLG_NEARDUP_BANDS; b++) {
				uint32_t key = dlg_nearindex__band_key(rec.sig.nib, b), head;
				if (!is_task_of(b, key, task, tasks))
					continue;
				bool had;
				DLG_TRY(table_get_or_put(&had, &head, first,
							 (uint64_t)b << 32 | key, position, err));
				if (!had)
					continue;
				uint8_t pair[DLG_PAIR_RECORD];
				dlg_nearwork__put32(pair, position);
				dlg_nearwork__put32(pair + 4, head);
				dlg_nearwork__put32(pair + 8, (uint32_t)b);
				DLG_TRY(emit(s, 0, pair, sizeof pair, err));
			}
		}
		DLG_TRY(close_signatures(s, k, err));
	}
	return commit_output(s, err);
}

dlg_status dlg_bands(const char *work_dir, unsigned band, unsigned bands,
		     const dlg_options *opts, dlg_error *err)
{
	if (!work_dir || !opts)
		return dlg_error__set(err, DLG_E_ARG, 0, "dlg_bands: NULL argument");
	if (bands == 0 || band >= bands || bands > DLG_MAX_BANDS)
		return dlg_error__set(err, DLG_E_ARG, 0, "band task %u of %u: want B/NB with B "
				      "below NB and NB from 1 to %d", band, bands, DLG_MAX_BANDS);
	near_step *s = dlg_mem__alloc(opts->allocator, sizeof *s);
	if (!s)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	dlg_status st = step_init(s, work_dir, opts, err);
	if (st == DLG_OK && dlg_nearwork__bands_dir(s->dir, sizeof s->dir, work_dir, band,
						    bands) >= sizeof s->dir)
		st = dlg_error__set(err, DLG_E_ARG, 0, "work directory path too long");
	table first = { .alloc = opts->allocator };
	if (st == DLG_OK)
		st = bands_all(s, band, bands, &first, err);
	table_dispose(&first);
	step_dispose(s);
	dlg_mem__free(opts->allocator, s);
	return st;
}

/* ---- cluster ---- */

/* A band task's pairs, read in order of the later conversation. */
typedef struct pair_stream {
	dlg_readback in;
	dlg_manifest_read m;
	bool more;
	uint32_t later, earlier, band;
} pair_stream;

/* What the cluster step holds besides near_step's. */
typedef struct clusterer {
	near_step s;
	unsigned n_streams;
	pair_stream *streams;
	uint64_t n;          /* conversations */
	uint8_t *split;      /* each indexed conversation's split */
	uint32_t *cluster;   /* with group: the first member of its cluster */
	uint8_t *flags;      /* INDEXED, JOINED */
	table later_kept;    /* (band, dropped first holder) -> the first later holder kept */
	dlg_idset ids;
	int *fds;            /* each part's signatures, for the candidates' (opened as needed) */
} clusterer;

#define INDEXED 1 /* in convert's index: compared with the ones after it */
#define JOINED 2  /* the first member of a cluster that others joined */

static dlg_status next_pair(clusterer *c, pair_stream *p, dlg_error *err)
{
	uint8_t rec[DLG_PAIR_RECORD];
	DLG_TRY(dlg_nearwork__read(&p->more, &p->in, rec, sizeof rec, err));
	if (!p->more)
		return DLG_OK;
	uint32_t later = dlg_nearwork__get32(rec);
	p->earlier = dlg_nearwork__get32(rec + 4);
	p->band = dlg_nearwork__get32(rec + 8);
	if ((p->later && later < p->later) || later >= c->n || p->earlier >= later ||
	    p->band >= DLG_NEARDUP_BANDS)
		return dlg_error__set(err, DLG_E_IO, 0, "%s: not a pair the bands step writes "
				      "(run it again)", p->in.path);
	p->later = later;
	return DLG_OK;
}

/* Every band task's directory: made with these options from the parts in WORK now. */
static dlg_status open_streams(clusterer *c, dlg_error *err)
{
	near_step *s = &c->s;
	DLG_TRY(dlg_workdir__count_tasks(&c->n_streams, s->work, "bands", "bands", err));
	c->streams = dlg_mem__alloc(s->opts.allocator, c->n_streams * sizeof *c->streams);
	if (!c->streams)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	memset(c->streams, 0, c->n_streams * sizeof *c->streams);
	for (unsigned t = 0; t < c->n_streams; t++) {
		pair_stream *p = &c->streams[t];
		dlg_buf__init(&p->m.files, s->opts.allocator, DLG_BUF_UNCAPPED);
		dlg_buf__init(&p->m.parts_sha256, s->opts.allocator, DLG_BUF_UNCAPPED);
	}
	for (unsigned t = 0; t < c->n_streams; t++) {
		pair_stream *p = &c->streams[t];
		char dir[4096], what[64], redo[64];
		dlg_nearwork__bands_dir(dir, sizeof dir, s->work, t, c->n_streams);
		snprintf(what, sizeof what, "band task %u/%u", t, c->n_streams);
		snprintf(redo, sizeof redo, "bands --band %u/%u", t, c->n_streams);
		DLG_TRY(dlg_workdir__read_checked(&p->m, &s->ctx, dir, what, redo, err));
		for (unsigned k = 0; k < s->parts; k++)
			DLG_TRY(dlg_nearwork__made_from(&p->m, k, s->parts,
							s->parts_sha256.data + 64 * (size_t)k, what,
							redo, err));
		DLG_TRY(dlg_workdir__readback_open(&p->in, dir, DLG_PAIRS, err));
		p->later = 0;
		DLG_TRY(next_pair(c, p, err));
	}
	return DLG_OK;
}

/* Conversation `pos`'s signature, read again from its part's file. */
static dlg_status signature_at(dlg_sig_record *out, clusterer *c, uint32_t pos, dlg_error *err)
{
	near_step *s = &c->s;
	unsigned lo = 0, hi = s->parts; /* the part whose range holds pos */
	while (hi - lo > 1) {
		unsigned mid = lo + (hi - lo) / 2;
		if (s->part_start[mid] <= pos)
			lo = mid;
		else
			hi = mid;
	}
	char dir[4096], path[4096 + sizeof DLG_SIGNATURES + 1];
	dlg_workdir__part_dir(dir, sizeof dir, s->work, lo, s->parts);
	snprintf(path, sizeof path, "%s/%s", dir, DLG_SIGNATURES);
	if (c->fds[lo] < 0 && (c->fds[lo] = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return dlg_error__io(err, errno, "open", path);
	uint8_t raw[DLG_SIG_RECORD];
	off_t at = (off_t)(pos - s->part_start[lo]) * DLG_SIG_RECORD;
	ssize_t got = pread(c->fds[lo], raw, sizeof raw, at);
	if (got < 0)
		return dlg_error__io(err, errno, "read", path);
	if ((size_t)got != sizeof raw || !dlg_nearwork__decode(out, raw, &s->ctx))
		return dlg_error__set(err, DLG_E_IO, 0, "%s changed while cluster ran (run it "
				      "again)", path);
	return DLG_OK;
}

static void set_flag(clusterer *c, uint32_t pos, uint8_t flag)
{
	c->flags[pos] |= flag;
}

/*
 * The candidates of conversation `pos`, as the index would find them: of each pair, the
 * first holder of that band's key that was indexed; ascending, each once.
 */
static size_t candidates(uint32_t out[DLG_NEARDUP_BANDS], const clusterer *c,
			 const uint32_t *earlier, const uint32_t *band, size_t n_pairs)
{
	size_t n = 0;
	for (size_t i = 0; i < n_pairs; i++) {
		uint32_t id = earlier[i];
		if (!(c->flags[id] & INDEXED) &&
		    !table_get(&id, &c->later_kept, (uint64_t)band[i] << 32 | earlier[i]))
			continue;
		size_t at = n;
		while (at > 0 && out[at - 1] > id)
			at--;
		if (at > 0 && out[at - 1] == id)
			continue;
		memmove(out + at + 1, out + at, (n - at) * sizeof *out);
		out[at] = id;
		n++;
	}
	return n;
}

/* One conversation, in input order: its fate as convert's decide.c gives it. */
static dlg_status place(clusterer *c, uint32_t pos, const dlg_sig_record *rec, dlg_error *err)
{
	near_step *s = &c->s;
	uint32_t earlier[DLG_NEARDUP_BANDS], band[DLG_NEARDUP_BANDS];
	size_t n_pairs = 0;
	for (unsigned t = 0; t < c->n_streams; t++) {
		pair_stream *p = &c->streams[t];
		while (p->more && p->later == pos) {
			if (n_pairs == DLG_NEARDUP_BANDS)
				return dlg_error__set(err, DLG_E_IO, 0, "%s: more pairs than bands "
						      "(run bands again)", p->in.path);
			earlier[n_pairs] = p->earlier;
			band[n_pairs++] = p->band;
			DLG_TRY(next_pair(c, p, err));
		}
	}
	bool duplicate = false;
	if (!s->opts.no_dedup)
		DLG_TRY(dlg_split__idset_insert(&duplicate, &c->ids, rec->id, err));
	if (duplicate) {
		uint8_t fate = DLG_FATE_DUP;
		return emit(s, 0, &fate, 1, err);
	}
	uint32_t cand[DLG_NEARDUP_BANDS];
	size_t n = rec->sig.empty ? 0 : candidates(cand, c, earlier, band, n_pairs);
	double similarity = 0;
	uint32_t match = UINT32_MAX;
	for (size_t i = 0; i < n && match == UINT32_MAX; i++) {
		dlg_sig_record other;
		DLG_TRY(signature_at(&other, c, cand[i], err));
		const dlg_neardup_sig *a = &rec->sig, *b = &other.sig;
		similarity = dlg_neardup__similarity_of(a->nib, a->n_exact, a->exact, b->nib,
							b->n_exact, b->exact);
		if (similarity >= s->opts.near_dup_threshold)
			match = cand[i];
	}
	if (match != UINT32_MAX && s->opts.near_dup == DLG_NEAR_DUP_DROP) {
		dlg_sig_record kept;
		DLG_TRY(signature_at(&kept, c, match, err));
		uint8_t fate = DLG_FATE_NEAR, dropped[DLG_DROPPED_RECORD];
		uint64_t bits;
		memcpy(&bits, &similarity, sizeof bits);
		memcpy(dropped, kept.id, 16);
		dlg_nearwork__put32(dropped + 16, (uint32_t)bits);
		dlg_nearwork__put32(dropped + 20, (uint32_t)(bits >> 32));
		s->sum.near_duplicates++;
		DLG_TRY(emit(s, 1, dropped, sizeof dropped, err));
		return emit(s, 0, &fate, 1, err);
	}
	set_flag(c, pos, INDEXED);
	c->split[pos] = (uint8_t)rec->split;
	c->cluster[pos] = pos;
	if (match != UINT32_MAX) {
		uint32_t first = c->cluster[match];
		c->cluster[pos] = first;
		c->split[pos] = c->split[match];
		s->sum.near_dup_clusters += !(c->flags[first] & JOINED);
		set_flag(c, first, JOINED);
	}
	/* the first indexed holder of a key whose first holder was dropped */
	for (size_t i = 0; i < n_pairs; i++) {
		if (c->flags[earlier[i]] & INDEXED)
			continue;
		bool had;
		uint32_t holder;
		DLG_TRY(table_get_or_put(&had, &holder, &c->later_kept,
					 (uint64_t)band[i] << 32 | earlier[i], pos, err));
	}
	return emit(s, 0, &c->split[pos], 1, err);
}

static dlg_status cluster_all(clusterer *c, dlg_error *err)
{
	near_step *s = &c->s;
	const dlg_allocator *a = s->opts.allocator;
	DLG_TRY(read_parts(s, err));
	c->n = s->part_start[s->parts];
	c->fds = dlg_mem__alloc(a, s->parts * sizeof *c->fds);
	c->split = dlg_mem__alloc(a, c->n ? c->n : 1);
	c->cluster = dlg_mem__alloc(a, (c->n ? c->n : 1) * sizeof *c->cluster);
	c->flags = dlg_mem__alloc(a, c->n ? c->n : 1);
	if (!c->fds || !c->split || !c->cluster || !c->flags)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory (clusters of %llu "
				      "conversations)", (unsigned long long)c->n);
	for (unsigned k = 0; k < s->parts; k++)
		c->fds[k] = -1;
	memset(c->flags, 0, c->n);
	DLG_TRY(open_streams(c, err));
	static const char *const names[] = { DLG_FATES, DLG_DROPPED };
	DLG_TRY(begin_output(s, names, 2, err));
	uint32_t pos = 0;
	for (unsigned k = 0; k < s->parts; k++) {
		DLG_TRY(open_signatures(s, k, err));
		dlg_sig_record rec;
		for (bool got;; pos++) {
			DLG_TRY(next_signature(&got, &rec, s, err));
			if (!got)
				break;
			DLG_TRY(place(c, pos, &rec, err));
		}
		DLG_TRY(close_signatures(s, k, err));
	}
	for (unsigned t = 0; t < c->n_streams; t++) {
		pair_stream *p = &c->streams[t];
		char what[64], redo[64];
		snprintf(what, sizeof what, "band task %u/%u", t, c->n_streams);
		snprintf(redo, sizeof redo, "bands --band %u/%u", t, c->n_streams);
		if (p->more || fgetc(p->in.f) != EOF)
			return dlg_error__set(err, DLG_E_IO, 0, "%s: pairs past the last "
					      "conversation (run %s again)", p->in.path, redo);
		DLG_TRY(dlg_workdir__readback_check(&p->in, dlg_workdir__listed(&p->m, DLG_PAIRS),
						    what, redo, err));
	}
	return commit_output(s, err);
}

dlg_status dlg_cluster(dlg_summary *out, const char *work_dir, const dlg_options *opts,
		       dlg_error *err)
{
	if (!out || !work_dir || !opts)
		return dlg_error__set(err, DLG_E_ARG, 0, "dlg_cluster: NULL argument");
	memset(out, 0, sizeof *out);
	const dlg_allocator *a = opts->allocator;
	clusterer *c = dlg_mem__alloc(a, sizeof *c);
	if (!c)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	dlg_status st = step_init(&c->s, work_dir, opts, err);
	c->n_streams = 0;
	c->streams = NULL;
	c->split = c->flags = NULL;
	c->cluster = NULL;
	c->fds = NULL;
	c->later_kept = (table){ .alloc = a };
	dlg_split__idset_init(&c->ids, a);
	if (st == DLG_OK && dlg_nearwork__clusters_dir(c->s.dir, sizeof c->s.dir, work_dir) >=
				    sizeof c->s.dir)
		st = dlg_error__set(err, DLG_E_ARG, 0, "work directory path too long");
	if (st == DLG_OK)
		st = cluster_all(c, err);
	out->near_duplicates = c->s.sum.near_duplicates;
	out->near_dup_clusters = c->s.sum.near_dup_clusters;
	for (unsigned t = 0; c->streams && t < c->n_streams; t++) {
		dlg_workdir__readback_close(&c->streams[t].in);
		dlg_buf__dispose(&c->streams[t].m.files);
		dlg_buf__dispose(&c->streams[t].m.parts_sha256);
	}
	for (unsigned k = 0; c->fds && k < c->s.parts; k++)
		if (c->fds[k] >= 0)
			close(c->fds[k]);
	dlg_mem__free(a, c->fds);
	dlg_mem__free(a, c->streams);
	dlg_mem__free(a, c->split);
	dlg_mem__free(a, c->cluster);
	dlg_mem__free(a, c->flags);
	table_dispose(&c->later_kept);
	dlg_split__idset_dispose(&c->ids);
	step_dispose(&c->s);
	dlg_mem__free(a, c);
	return st;
}
