/*
 * writer.h - where a run's conversations go (writer.c), behind one interface: the split files
 * cut into members that the scheduler's jobs pack, rejects (or a journal), provenance, and at
 * the end the manifest and the commit. A kind says what differs: the dataset writer
 * (dlg_writer__dataset) and the map-part writer (steps.c).
 */
#ifndef DLG_WRITER_H
#define DLG_WRITER_H

#include "internal.h"
#include "buf.h"
#include "commit.h"
#include "ctx.h"
#include "decide.h"
#include "discover.h"
#include "kept.h"
#include "sched.h"
#include "sink.h"
#include "unit.h"

typedef struct dlg_writer dlg_writer;

/** What a kind of writer does its own way. */
typedef struct dlg_writer_kind {
	bool plain;               /* split files stay uncompressed whatever the options say */
	const char *rejects_name; /* the file the dropped conversations' lines go to */
	bool whole_run;           /* it sees every input: max_rejects applies, the card is
				     written */
	/* the run's inputs are known; NULL: nothing to do */
	dlg_status (*begin)(dlg_writer *w, const dlg_inputs *files, dlg_error *err);
	/* a conversation is about to be appended to its split; NULL: nothing to do */
	dlg_status (*kept)(dlg_writer *w, dlg_unit *u, size_t split, dlg_error *err);
	bool near_dup_later;      /* near-duplicates are signed, not decided: the cluster step
				     decides them (a map part) */
} dlg_writer_kind;

/** The file of one split's shard, and the lines of the member being filled. */
typedef struct dlg_split_out {
	dlg_outfile file;
	dlg_buf pending;
} dlg_split_out;

struct dlg_writer {
	const dlg_writer_kind *kind;
	void *payload;             /* the kind's own */
	const char *inputs_digest; /* for the manifest: a map part's (steps.c), else NULL */
	const dlg_ctx *ctx;
	dlg_commit out;            /* the output directory */
	dlg_split_out *outs;       /* split * shards + shard */
	size_t n_open_outs;
	dlg_outfile rejects, provenance;
	dlg_outfile *extra;        /* a file of the kind's own, listed after the rejects (a map
				      part's signatures); NULL: none */
	bool rejects_open, provenance_open;
	dlg_buf line;
};

/** The dataset a convert writes. */
extern const dlg_writer_kind dlg_writer__dataset;

void dlg_writer__init(dlg_writer *w, const dlg_writer_kind *kind, void *payload);
/** Take the output directory, open the files, then call the kind's begin; call
 * dlg_writer__close() afterwards. */
dlg_status dlg_writer__begin(dlg_writer *w, const dlg_ctx *ctx, const dlg_inputs *files,
			     dlg_error *err) DLG_WUR;
/** How many outputs the scheduler delivers members to. */
size_t dlg_writer__outputs(const dlg_writer *w);
/** A conversation and its fate, in input order. */
dlg_status dlg_writer__put(dlg_writer *w, dlg_sched *s, void *worker, dlg_unit *u,
			   const dlg_decision *d, dlg_error *err) DLG_WUR;
/** After the last conversation: the rest of each split becomes its last member. */
dlg_status dlg_writer__flush(dlg_writer *w, dlg_sched *s, void *worker, dlg_error *err) DLG_WUR;
/** A thread's compressor; NULL, and none made, when the files are plain. */
dlg_status dlg_writer__worker_new(dlg_writer *w, void **out, dlg_error *err) DLG_WUR;
void dlg_writer__worker_free(dlg_writer *w, void *worker);
/** One member, packed as the files are written (or swapped in as it is). */
dlg_status dlg_writer__pack(dlg_writer *w, void *worker, dlg_buf *packed, dlg_buf *plain,
			    dlg_error *err) DLG_WUR;
/** One packed member of output `out`, in order. */
dlg_status dlg_writer__deliver(dlg_writer *w, size_t out, const dlg_buf *packed,
			       dlg_error *err) DLG_WUR;

/** What the run counted, for the manifest and the card. */
typedef struct dlg_run_counts {
	const dlg_summary *summary;
	const uint64_t *rejected_by_code;
	const dlg_kept_types *kept_types;
	bool message_extras; /* a written message has reasoning, tool calls, a name... (tools.c) */
	bool tools;          /* a written record has tools */
} dlg_run_counts;

/** DLG_E_REJECTS when a whole run rejected more than o->max_rejects conversations. */
dlg_status dlg_writer__rejects_within(const dlg_summary *s, const dlg_options *o,
				      dlg_error *err) DLG_WUR;
/** The run succeeded: finish the files, write the manifest (and card), commit. */
dlg_status dlg_writer__end(dlg_writer *w, const dlg_run_counts *counts, dlg_error *err) DLG_WUR;
/** Release everything; what was not committed is removed. */
void dlg_writer__close(dlg_writer *w);

#endif
