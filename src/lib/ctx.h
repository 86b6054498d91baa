/*
 * ctx.h - a run's context: its options resolved (options.c) into labels, splits and what
 * each warning code was made, read-only while conversations are processed. A header of
 * types: most modules read the context, and it holds no one module's state.
 */
#ifndef DLG_CTX_H
#define DLG_CTX_H

#include "internal.h"

typedef struct dlg_label {
	const char *text; /* as given: the canonical spelling is "### <text>:" */
	size_t len;
	dlg_role role;
} dlg_label;

#define DLG_MAX_LABELS 64
/* Diagnostic codes are numbers below this (E1xx, E2xx, W3xx): tables indexed by code. */
#define DLG_DIAG_CODES 400
/* A split name is a file name stem: it must leave room for its suffix under NAME_MAX. */
#define DLG_MAX_SPLIT_NAME 100

/* What --ignore, --select and --error made of a warning code. */
typedef enum dlg_code_mode {
	DLG_CODE_REPORTED = 0,
	DLG_CODE_IGNORED,
	DLG_CODE_ERROR
} dlg_code_mode;

typedef struct dlg_ctx {
	const dlg_options *opts;             /* &options */
	dlg_options options;                 /* the caller's, with every default filled in */
	const dlg_allocator *alloc;
	dlg_label labels[DLG_MAX_LABELS];
	size_t n_labels;
	dlg_split splits[DLG_MAX_SPLITS];
	size_t n_splits;
	double split_upper[DLG_MAX_SPLITS]; /* cumulative weights scaled to [0, 1] */
	unsigned shards;                     /* files per split: options.shards, at least 1 */
	void *group_re;                      /* regex_t *, or NULL */
	uint8_t code_mode[DLG_DIAG_CODES];   /* dlg_code_mode, by code number */
	struct dlg_tokenizer *tokenizer; /* options.tokenizer loaded, or NULL */
	struct dlg_chat *chat; /* the chat template counts render with (options.chat_template,
				  or the tokenizer's), or NULL: contents counted alone */
	bool near_dup;  /* the near-dup step runs: drop, or group where splits are seen (a
			   run that writes, or reports each conversation's split) */
	bool ids_only;  /* a run that neither writes records nor shows conversations (validate):
			   of a conversation, only its findings, id and counts outlive its step;
			   its record is not rendered, only its id computed */
} dlg_ctx;

/** Check `o` (borrowed for ctx's life) and resolve its labels, splits, findings' modes and
 * group pattern into `ctx`. Call dlg_ctx__dispose() afterwards, even when this fails. */
dlg_status dlg_ctx__init(dlg_ctx *ctx, const dlg_options *o, dlg_error *err) DLG_WUR;
void dlg_ctx__dispose(dlg_ctx *ctx);

/** A code's severity in this run: its own, or an error by --strict or --error (error.c,
 * beside the codes' own severities). */
dlg_severity dlg_ctx__severity(const dlg_ctx *ctx, dlg_diag_code code);

#endif
