/*
 * unit.h - one conversation in flight (unit.c): its turns (their raw text, walked line by
 * line), normalized text, stage directions, findings and rendered record, reused from one
 * conversation to the next.
 * The types every stage of the step reads and writes.
 */
#ifndef DLG_UNIT_H
#define DLG_UNIT_H

#include "internal.h"
#include "buf.h"
#include "ctx.h"
#include "locate.h"

/**
 * Raw text of the input, a turn's or the preamble's: bytes [p, p + len) starting at (line,
 * col), as many lines as it has line ends plus one. Lines are not stored (a file of one-byte
 * lines would cost many times its size): dlg_lines__next finds them as it walks the text.
 */
typedef struct dlg_raw {
	const char *p;
	size_t len;
	uint64_t line;
	uint32_t col;
	bool structured; /* a message of a JSON record: each of its lines is at (line, col); a
			    line ends at "\r\n", '\r' or '\n' in either */
} dlg_raw;

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
	dlg_raw raw;       /* its raw text, after the marker */
	dlg_span text;     /* normalized content in unit.text */
	size_t first_stage; /* its stage directions: unit.stages[first_stage, + n_stage),
			       in the order of their places */
	size_t n_stage;
	const char *speaker; /* in its first line shaped like a turn of a speaker no label
				maps, written as its own marker is (`Alex: I'm fine`, `### Lucky:`),
				that speaker's label, or NULL (transcript.c) */
	uint32_t speaker_len;
	uint32_t speaker_col; /* where that line starts: (speaker_line, speaker_col) */
	uint64_t speaker_line;
	size_t msg_kept_at; /* 1 + where its --keep-message-fields values start in
			       unit.msg_kept, or 0 (written as nulls) */
	dlg_span extra;     /* in unit.msg_extra: the members its message is written with
			       after its content (reasoning_content, tool_calls, tool_call_id,
			       name, weight; tools.c), each after a comma; empty for none */
	size_t calls_at;    /* where its tool calls' member begins in `extra` (extra.len: it
			       has none), the last of them */
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
	dlg_buf decoded;     /* a JSON record's strings, which raw texts point into */
	dlg_json_origin origin; /* where a JSON record's text came from */
	const char *shape;   /* how it was read (dlg_conv_shape) */
	char shape_fields[160]; /* the record's fields read into turns, ", " between two */
	char claimed_id[33]; /* a JSON record's own "id", checked against the computed one */
	bool any_line;       /* a line was read */
	dlg_buf drops;       /* const char *[]: the escaping backslashes to leave out
				(dlg_line.drop), ascending */
	dlg_buf turns;       /* dlg_turn[] */
	dlg_raw preamble_raw; /* raw lines before the first marker; p NULL when none */
	dlg_span preamble;   /* normalized, in text (only with keep_preamble) */
	dlg_buf text;        /* normalized contents */
	dlg_buf scratch;     /* per-line work space of normalize.c */
	dlg_buf stages;      /* dlg_stage[] */
	dlg_buf stage_text;
	dlg_buf stage_refs;  /* dlg_stage_ref[] of a turn being rendered (record.c, jsonread.c) */
	dlg_buf diags;       /* dlg_diag[] found so far, emitted in order on commit */
	uint8_t kept_of_code[DLG_DIAG_CODES]; /* findings in diags, by code */
	dlg_buf unkept;      /* dlg_unkept[]: codes with findings past those kept */
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
	dlg_buf msg_kept;    /* each message's --keep-message-fields values as JSON text, a
				NUL after each (dlg_turn.msg_kept_at says whose) */
	dlg_buf msg_extra;   /* the turns' extra members (dlg_turn.extra) */
	dlg_buf tool_ids;    /* const char *[]: the ids of the tool calls waiting for their
				result while a record is read (NULL for a call without one) */
	dlg_buf tools;       /* the record's tools as compact JSON text (an array), or empty */
	dlg_buf not_carried; /* the names of the record's fields that no output holds, each
				after a level letter ('r' record, 'm' message) and before a
				NUL, each once (carried.c); findings.c counts them per file */
	size_t meta_at;      /* where json's meta (or its closing brace) begins */
	uint64_t fixes[DLG_FIX_COUNT];
	struct dlg_tok_scratch *tok_scratch; /* borrowed: its item's, with --tokenizer */
	dlg_buf tokens;      /* uint32_t: each turn's tokens, with --tokenizer */
	bool templated;      /* with a chat template: the sums below are the conversation's */
	uint64_t tpl_total, tpl_trainable; /* tokens of its rendering, and of its assistant
					      parts as a trainer masks them (tokcount.c) */
} dlg_unit;

/*
 * Cancellation inside one conversation. The driver looks at options.cancel between items;
 * a single line of hundreds of megabytes is one item, so the long loops of its processing
 * look too, once per DLG_CANCEL_STRIDE bytes of text they go through: at the slowest of
 * them (NFC through utf8proc, tens of MB/s on a loaded machine) that is a few milliseconds.
 * A single call into code that is not ours cannot be stopped, so the long ones are cut up:
 * cJSON reads a record's long strings in pieces (jsonparse.c), libdeflate packs a large
 * record as members of 1 MiB (sink.c). What is left is a copy of a message's text and a
 * record of millions of short values, under 100 ms of CPU for a 64 MiB line
 * (docs/performance.md "Long lines and cancellation").
 */
#define DLG_CANCEL_STRIDE ((size_t)256 << 10)

/** Whether `cancel` (options.cancel, may be NULL) asks the run to stop. */
static inline bool dlg_unit__cancel_asked(const volatile sig_atomic_t *cancel)
{
	return cancel && *cancel;
}

/** DLG_E_CANCELED ("interrupted") when the run was asked to stop, else DLG_OK. */
dlg_status dlg_unit__check_cancel(const dlg_unit *u, dlg_error *err) DLG_WUR;

/** A walk over the lines of a raw text of a unit. */
typedef struct dlg_lines {
	dlg_raw raw;
	size_t at;        /* where the next line starts in raw.p, or SIZE_MAX past the last */
	uint64_t line;
	uint32_t col;
	const char *const *drops; /* the unit's, from the first at or after raw.p */
	size_t n_drops;
} dlg_lines;

/** Start a walk over `raw`, a raw text of `u`. */
void dlg_lines__start(dlg_lines *w, const dlg_unit *u, const dlg_raw *raw);
/** The next line of the walk into *out; false past the last. */
bool dlg_lines__next(dlg_lines *w, dlg_line *out);

void dlg_unit__init(dlg_unit *u, const dlg_ctx *ctx);
struct dlg_input;
/** Ready `u` for a conversation of `in` (borrowed; a record's, when `record` is not 0). */
void dlg_unit__reset(dlg_unit *u, const struct dlg_input *in, uint64_t record,
		     uint64_t record_line);
void dlg_unit__dispose(dlg_unit *u);
/**
 * Swap a's and b's buffers that nothing reads past the step (the decoded text, the escaping
 * backslashes, the scratch, the stage references; with `all`, in a run that keeps only
 * findings, ids and counts (dlg_ctx.ids_only), the normalized text, the stage directions
 * and the record too), so that an item's conversations hand one set on, warm in the cache,
 * rather than each growing its own.
 */
void dlg_unit__swap_work(dlg_unit *a, dlg_unit *b, bool all);
/** The conversation's tokens and its trainable ones: those of its rendering under the chat
 * template (u->templated), else the sum of u->tokens and of its assistant turns' not of
 * weight 0. */
void dlg_unit__token_sums(const dlg_unit *u, uint64_t *total, uint64_t *trainable);
/** A turn written with "weight": 0 (or false), which trainers leave out of the loss. */
bool dlg_unit__zero_weight(const dlg_unit *u, const dlg_turn *t);

/** The findings of one code a conversation keeps; the others are counted (docs/rules.md
 * "Findings": a finding on each of 16 million lines would take gigabytes). */
#define DLG_UNIT_DIAGS_PER_CODE 100

/** How many findings of a code were not kept. */
typedef struct dlg_unkept {
	dlg_diag_code code;
	uint64_t count;
} dlg_unkept;

/**
 * Record a finding on `u`. Promotes warnings under --strict and marks the unit
 * rejected on an error. Past DLG_UNIT_DIAGS_PER_CODE of its code, only counts it. Fails
 * only when out of memory.
 */
dlg_status dlg_unit__diag(dlg_unit *u, dlg_error *err, dlg_diag_code code, uint64_t line,
			  uint32_t col, uint32_t turn, const char *fmt, ...) DLG_WUR
	DLG_PRINTF(7, 8);

/**
 * Take back the findings of `code` on `u` at `line` (0: at any line), when a finding about
 * their cause says it instead. u->rejected stays as it is.
 */
void dlg_unit__drop_diags(dlg_unit *u, dlg_diag_code code, uint64_t line);

/**
 * Account for `n` findings of `code` that a stage took out of u->diags itself. With none of
 * the code left, those not kept, whose lines are not known, are taken back too: they are
 * the same finding further on (E205 saying a speaker's W308 instead, in every turn).
 */
void dlg_unit__taken_back(dlg_unit *u, dlg_diag_code code, size_t n);

/** After the last finding on `u`: for each code with findings past those kept, one more
 * after its last kept one that says how many. Fails only when out of memory. */
dlg_status dlg_unit__count_unkept(dlg_unit *u, dlg_error *err) DLG_WUR;

#endif
