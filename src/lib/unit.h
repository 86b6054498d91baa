/*
 * unit.h - one conversation in flight (unit.c): its raw lines and turns, normalized text,
 * stage directions, findings and rendered record, reused from one conversation to the next.
 * The types every stage of the step reads and writes.
 */
#ifndef DLG_UNIT_H
#define DLG_UNIT_H

#include "internal.h"
#include "buf.h"
#include "ctx.h"
#include "locate.h"

/** A line of the original input: bytes [p, p+len) starting at (line, col). */
typedef struct dlg_line {
	const char *p;
	size_t len;
	uint64_t line;
	uint32_t col;
	size_t drop; /* 1 + the index of an escaping backslash to leave out; 0 for none */
} dlg_line;

typedef struct dlg_span {
	size_t off;
	size_t len;
} dlg_span;

/** A stage direction taken out of a turn: its canonical text in unit.stage_text, and the
 * byte offset in the turn's content where it stood. */
typedef struct dlg_stage {
	size_t text_off;
	size_t text_len;
	size_t at;
} dlg_stage;

typedef struct dlg_turn {
	dlg_role role;
	uint64_t line; /* where its marker is */
	uint32_t col;
	size_t first_line; /* raw text lines: unit.lines[first_line, first_line + n_lines) */
	size_t n_lines;
	dlg_span text;     /* normalized content in unit.text */
	size_t first_stage; /* its stage directions: unit.stages[first_stage, + n_stage),
			       in the order of their places */
	size_t n_stage;
	size_t speaker_line; /* 1 + the index in unit.lines of its first line shaped like a
				turn of a speaker no label maps, written as its own marker is
				(`Alex: I'm fine`, `### Lucky:`), or 0 (transcript.c) */
	const char *speaker; /* that speaker's label in the line */
	size_t speaker_len;
} dlg_turn;

/* What a unit holds of neardup.c: its signature. */
#define DLG_NEARDUP_BINS 256
/** The most distinct shingles whose exact set a signature keeps (neardup.c says why 32). */
#define DLG_NEARDUP_EXACT 32
/** dlg_neardup_sig.n_exact of a conversation with more distinct shingles than that. */
#define DLG_NEARDUP_MANY (DLG_NEARDUP_EXACT + 1)

/**
 * A conversation's MinHash signature: 256 bins of 4 bits; and, for a conversation of at
 * most DLG_NEARDUP_EXACT distinct shingles, the shingles themselves, which the estimate
 * cannot be trusted with.
 */
typedef struct dlg_neardup_sig {
	uint8_t nib[DLG_NEARDUP_BINS / 2]; /* bin 2k in the low 4 bits of nib[k], 2k+1 high */
	bool empty;                        /* no words: similar to nothing */
	uint8_t n_exact; /* its distinct shingles, 0 when empty, or DLG_NEARDUP_MANY */
	uint32_t exact[DLG_NEARDUP_EXACT]; /* with n_exact <= DLG_NEARDUP_EXACT: the shingles'
					      32-bit fingerprints, ascending */
} dlg_neardup_sig;

/**
 * Everything one conversation needs, reused from one conversation to the next so that the
 * hot path allocates only when a conversation is larger than any before it.
 */
typedef struct dlg_unit {
	/* what the public dlg_conv is: dlg_conv_*() read it */
	const dlg_ctx *ctx;
	const char *source;  /* borrowed: what records call the input */
	const char *shown;   /* borrowed: what findings call it (dlg_input__shown) */
	uint64_t record;     /* JSONL line or .json array index (1-based); 0 for a text file */
	uint64_t record_line; /* where findings about a record point */
	bool exact_location; /* a finding about the record's raw bytes keeps its column */
	bool section_end;    /* a `###END…###` line ended the dialogue (transcript.c) */
	dlg_buf decoded;     /* a JSON record's strings, which `lines` point into */
	dlg_json_origin origin; /* where a JSON record's text came from */
	char claimed_id[33]; /* a JSON record's own "id", checked against the computed one */
	dlg_buf lines;       /* dlg_line[] */
	dlg_buf turns;       /* dlg_turn[] */
	size_t preamble_first, preamble_n; /* raw lines before the first marker */
	dlg_span preamble;   /* normalized, in text (only with keep_preamble) */
	dlg_buf text;        /* normalized contents */
	dlg_buf scratch;     /* per-line work space of normalize.c */
	dlg_buf stages;      /* dlg_stage[] */
	dlg_buf stage_text;
	dlg_buf stage_refs;  /* dlg_stage_ref[] of a turn being rendered (record.c, jsonread.c) */
	dlg_buf diags;       /* dlg_diag[] found so far, emitted in order on commit */
	dlg_buf json;        /* the rendered record line, with its '\n' */
	uint8_t id[16];      /* hash of the normalized messages */
	dlg_neardup_sig near_sig; /* with --near-dup, of a conversation not rejected */
	uint8_t key[16];     /* what --split-key content hashes: the id, or a pair's prompt */
	bool consumed;       /* the rejected side of a pair: committed with its chosen side */
	bool rejected_side;  /* read the record's --rejected-field instead of --text-field */
	char id_hex[33];
	bool rejected;       /* has a finding of error severity */
	bool incomplete;     /* a message could not be read: the turn rules would judge a
				conversation other than the one written, so they are not applied */
	dlg_buf kept;        /* a JSON record's --keep-fields values as JSON text, a NUL after
				each; empty for a text file (all null) */
	uint64_t kept_nulled; /* bit f: field f is written as null (W320) */
	size_t meta_at;      /* where json's meta (or its closing brace) begins */
	uint64_t fixes[DLG_FIX_COUNT];
	struct dlg_tok_scratch *tok_scratch; /* borrowed: its item's, with --tokenizer */
	dlg_buf tokens;      /* uint32_t: each turn's tokens, with --tokenizer */
} dlg_unit;

/*
 * Cancellation inside one conversation. The driver looks at options.cancel between items;
 * a single line of hundreds of megabytes is one item, so the long loops of its processing
 * look too, once per DLG_CANCEL_STRIDE bytes of text they go through: at the slowest of
 * them (NFC through utf8proc, tens of MB/s on a loaded machine) that is a few milliseconds.
 * What cannot be stopped is a single call into code that is not ours: cJSON reading the
 * record, the near-duplicate signature (neardup.c), libdeflate packing the record's gzip
 * member; each costs 2-3 ms a megabyte here, so a 32 MiB line stops within 100 ms and a
 * 64 MiB one within about 200 (docs/performance.md).
 */
#define DLG_CANCEL_STRIDE ((size_t)256 << 10)

/** Whether `cancel` (options.cancel, may be NULL) asks the run to stop. */
static inline bool dlg_unit__cancel_asked(const volatile sig_atomic_t *cancel)
{
	return cancel && *cancel;
}

/** DLG_E_CANCELED ("interrupted") when the run was asked to stop, else DLG_OK. */
dlg_status dlg_unit__check_cancel(const dlg_unit *u, dlg_error *err) DLG_WUR;

void dlg_unit__init(dlg_unit *u, const dlg_ctx *ctx);
struct dlg_input;
/** Ready `u` for a conversation of `in` (borrowed; a record's, when `record` is not 0). */
void dlg_unit__reset(dlg_unit *u, const struct dlg_input *in, uint64_t record,
		     uint64_t record_line);
void dlg_unit__dispose(dlg_unit *u);
/** The sum of u->tokens, and of its assistant turns' (the trainable tokens). */
void dlg_unit__token_sums(const dlg_unit *u, uint64_t *total, uint64_t *trainable);

/**
 * Record a finding on `u`. Promotes warnings under --strict and marks the unit
 * rejected on an error. Fails only when out of memory.
 */
dlg_status dlg_unit__diag(dlg_unit *u, dlg_error *err, dlg_diag_code code, uint64_t line,
			  uint32_t col, uint32_t turn, const char *fmt, ...) DLG_WUR
	DLG_PRINTF(7, 8);

/**
 * Take back the findings of `code` on `u` at `line` (0: at any line), when a finding about
 * their cause says it instead. u->rejected stays as it is.
 */
void dlg_unit__drop_diags(dlg_unit *u, dlg_diag_code code, uint64_t line);

#endif
