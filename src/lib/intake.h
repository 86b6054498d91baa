/*
 * intake.h - the inputs handed out as items in input order (intake.c): a text transcript
 * whole, JSON lines in chunks, a .json document as JSON lines; what each file holds is told
 * from its name and its first bytes.
 */
#ifndef DLG_INTAKE_H
#define DLG_INTAKE_H

#include "internal.h"
#include "buf.h"
#include "ctx.h"
#include "discover.h"
#include "input.h"
#include "jsondoc.h"
#include "step.h"

/** The inputs of a run from `next` to `end`, and the one being handed out in chunks. */
typedef struct dlg_intake {
	const dlg_ctx *ctx;
	const dlg_inputs *inputs;
	size_t next;          /* next input to start */
	size_t end;           /* one past the last input of this run */
	bool open;            /* an input is being handed out in chunks */
	size_t input;         /* which */
	dlg_reader reader;
	bool from_doc;        /* a .json document, its bytes in `doc`, handed out as lines */
	const char *content_note; /* for the first chunk */
	dlg_buf doc;
	dlg_jsondoc jsondoc;
	uint64_t next_record;
	bool first;
	bool seen_text;       /* the input has had a byte other than white space */
} dlg_intake;

void dlg_intake__init(dlg_intake *in, const dlg_ctx *ctx, const dlg_inputs *inputs,
		      size_t first, size_t end);
void dlg_intake__dispose(dlg_intake *in);
/** Whether every input has been handed out. */
bool dlg_intake__done(const dlg_intake *in);
/** What the next item will hold in memory at most, for the run's budget. */
uint64_t dlg_intake__next_cost(const dlg_intake *in);
/** The most an item's data holds: a whole input (at most --max-input-bytes) or a chunk. */
size_t dlg_intake__data_cap(const dlg_options *o);
/** The next item into `it`, and what it holds in memory in *cost. */
dlg_status dlg_intake__next(dlg_intake *in, dlg_item *it, uint64_t *cost, dlg_error *err) DLG_WUR;

#endif
