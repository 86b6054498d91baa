/*
 * workdir.h - the work directory the map/reduce steps share (workdir.c): its names, the
 * options every step takes, and its parts' files read back and checked.
 */
#ifndef DLG_WORKDIR_H
#define DLG_WORKDIR_H

#include "internal.h"
#include "buf.h"
#include "ctx.h"
#include "manifest.h"
#include "sink.h"

#include <stdio.h>

/* A map part's journal (docs/map-reduce.md): its rejects.jsonl lines, and for each
 * conversation it keeps, in their order, "ID SPLIT " and the W307 line it becomes when an
 * earlier part kept its id. */
#define DLG_JOURNAL "journal"
#define DLG_MAX_PARTS 99999

/*
 * A part's file a step reads back (its journal, a bucket), hashed as it is read: read_checked
 * saw its size, and at its end its bytes are checked against the SHA-256 its manifest lists,
 * since a byte changed after map (the same size) would otherwise pass into the dataset.
 */
typedef struct dlg_readback {
	FILE *f;
	void *sha;
	char path[4096 + DLG_SPLIT_FILE_NAME + 2];
} dlg_readback;

/* A journal, line by line. */
typedef struct dlg_journal {
	dlg_readback in;
	dlg_buf line;
	uint64_t number;
} dlg_journal;

/** The options a step runs with: the caller's, resolved, near-dup off, checked. */
dlg_status dlg_workdir__options(dlg_options *out, const dlg_options *in, dlg_error *err) DLG_WUR;
/** WORK/part-KKKKK-of-MMMMM into out; returns what snprintf returns. */
size_t dlg_workdir__part_dir(char *out, size_t cap, const char *work, unsigned part,
			     unsigned parts);
/** WORK/shard-SSSSS-of-NNNNN into out; returns what snprintf returns. */
size_t dlg_workdir__shard_dir(char *out, size_t cap, const char *work, unsigned shard,
			      unsigned shards);
/** How many tasks the `step` (map, bands) whose outputs in WORK are PREFIX-K-of-N
 * directories or files was told: every one there says the same N. */
dlg_status dlg_workdir__count_tasks(unsigned *tasks, const char *work, const char *prefix,
				    const char *step, dlg_error *err) DLG_WUR;
/** The file `name` as manifest m lists it, or NULL. */
const dlg_listed_file *dlg_workdir__listed(const dlg_manifest_read *m, const char *name);
/** A part's or shard's manifest in `dir`, read and checked: there, made with ctx's
 * options, every file it lists there at its size. `what` names it, `redo` its step. */
dlg_status dlg_workdir__read_checked(dlg_manifest_read *m, const dlg_ctx *ctx, const char *dir,
				     const char *what, const char *redo, dlg_error *err) DLG_WUR;
/** A journal line of a kept conversation: "ID SPLIT " and its W307 line after it. */
bool dlg_workdir__parse_kept(uint8_t id[16], size_t *split, const char **rest, const char *line,
			     const dlg_ctx *ctx);
/** Open DIR/NAME to read back, hashing as it goes. */
dlg_status dlg_workdir__readback_open(dlg_readback *r, const char *dir, const char *name,
				      dlg_error *err) DLG_WUR;
/** The next line (with its '\n', a NUL after it); line->len is 0 at the end. */
dlg_status dlg_workdir__readback_line(dlg_readback *r, dlg_buf *line, dlg_error *err) DLG_WUR;
/** At its end: the bytes read are the ones manifest entry `l` lists. */
dlg_status dlg_workdir__readback_check(dlg_readback *r, const dlg_listed_file *l, const char *what,
				       const char *redo, dlg_error *err) DLG_WUR;
void dlg_workdir__readback_close(dlg_readback *r);
/** A part's journal in `dir`, line by line. */
dlg_status dlg_workdir__journal_open(dlg_journal *j, const char *dir, dlg_error *err) DLG_WUR;
/** The next journal line into j->line; *more is false at the end; stops on a cancel. */
dlg_status dlg_workdir__journal_next(bool *more, dlg_journal *j, const dlg_options *o,
				     dlg_error *err) DLG_WUR;
void dlg_workdir__journal_close(dlg_journal *j);
/** The error for a line map does not write. */
dlg_status dlg_workdir__bad_journal(const dlg_journal *j, dlg_error *err) DLG_WUR;

#endif
