/*
 * step.h - the per-conversation step (step.c): an item of input (a transcript, or a chunk of
 * JSON records) turned into rendered conversations and their findings. Pure: it touches
 * nothing but the item, so any thread may run it.
 */
#ifndef DLG_STEP_H
#define DLG_STEP_H

#include "internal.h"
#include "buf.h"
#include "ctx.h"
#include "discover.h"
#include "unit.h"

typedef enum dlg_item_kind {
	DLG_ITEM_FILE,     /* a text transcript file, read by the step */
	DLG_ITEM_TEXT,     /* a text transcript already read (stdin, or told by its content) */
	DLG_ITEM_LINES,    /* a chunk of JSON lines, one record each */
	DLG_ITEM_BAD_JSON  /* a .json document that does not parse, or holds a \u0000 */
} dlg_item_kind;

/** A piece of work from its claim (intake.c) to its commit: one input, or records of one. */
typedef struct dlg_item {
	dlg_item_kind kind;
	size_t input;          /* index into the run's inputs */
	bool first_of_input;   /* counts the input file once */
	dlg_buf data;
	uint64_t first_record; /* DLG_ITEM_LINES: number of the first line's record */
	bool by_index;         /* records are array elements, located at line 1 */
	dlg_diag_code bad_code; /* DLG_ITEM_BAD_JSON: what is wrong, where, and its message */
	size_t bad_off;
	const char *bad_msg;
	const char *content_note; /* W319 on the input's first record: its content is not what
				     its name says; NULL when it is */
	struct dlg_tok_scratch *tok; /* with --tokenizer: its units' scratch */
	dlg_unit *units;       /* one per conversation, in input order */
	size_t n_units, cap_units;
} dlg_item;

void dlg_step__item_init(dlg_item *it, const dlg_allocator *a, size_t data_cap);
/** After its commit, an item keeps small buffers for the next and gives large ones back. */
void dlg_step__item_trim(dlg_item *it, const dlg_ctx *ctx, size_t data_cap);
void dlg_step__item_dispose(dlg_item *it, const dlg_ctx *ctx);

/** Read a DLG_ITEM_FILE's input `in` into it->data; nothing for other kinds. */
dlg_status dlg_step__read(dlg_item *it, const dlg_input *in, const dlg_ctx *ctx,
			  dlg_error *err) DLG_WUR;

/*
 * What an item's conversations may take in memory while the step and the commit hold them,
 * told from its bytes once read, and at least what they take on every shape measured
 * (docs/performance.md "Memory limits"): a unit's buffers grow with its bytes (the data, the
 * decoded and normalized text, the rendered record, the near-duplicate scratch: 2 to 7
 * times them); a turn (its dlg_turn, its rendered message: about 170 bytes) needs a ':' of
 * its marker or JSON key, and a stage direction (its dlg_stage, its text, its rendered
 * object) a '*' or '_' at each end. Nothing is stored per line, and a conversation keeps at
 * most DLG_UNIT_DIAGS_PER_CODE findings of a code.
 */
#define DLG_STEP_COST_PER_BYTE 8
#define DLG_STEP_COST_PER_COLON 256
#define DLG_STEP_COST_PER_DELIMITER 64
dlg_status dlg_step__cost(uint64_t *cost, const dlg_item *it, const dlg_ctx *ctx,
			  dlg_error *err) DLG_WUR;

/** Every conversation of `it` (of input `in`, read) through the stages, into it->units. */
dlg_status dlg_step__item(dlg_item *it, const dlg_input *in, const dlg_ctx *ctx,
			  dlg_error *err) DLG_WUR;

/** The stages after parsing, in order: normalize, validate, render, identify. */
dlg_status dlg_step__finish(dlg_unit *u, dlg_error *err) DLG_WUR;

/** Normalize u's turns (and the kept preamble), take out their stage directions, and apply
 * the turn rules: a parsed conversation as the validator sees it. */
dlg_status dlg_step__validate(dlg_unit *u, dlg_error *err) DLG_WUR;

#endif
