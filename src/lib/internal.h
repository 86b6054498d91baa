/*
 * internal.h - included first by every library file: shared types, buffers, the
 * per-conversation work unit and each module's cross-file functions (dlg_<module>__<verb>).
 *
 * Modules, each using only those above it (error.c, buf.c and encoding.c are one base layer):
 *   error.c      status/diagnostic tables, error filling, recording findings on a unit
 *   buf.c        allocator hooks and growable byte buffers with a hard cap
 *   encoding.c   which legacy encoding invalid UTF-8 looks like (E101's advice)
 *   normalize.c  SPEC section 2 steps 1-3 (utf8proc is used here and in stage.c)
 *   stage.c      SPEC section 2 step 4: stage directions, taken out and put back
 *   locate.c     where a finding inside a JSON string points in the record's line
 *   transcript.c raw bytes -> lines -> marker-delimited turns (SPEC section 1)
 *   validate.c   turn-structure rules (SPEC section 3 E2xx)
 *   split.c      hashes, ids, split assignment and the duplicate set (xxhash)
 *   neardup.c    near-duplicate signatures and their LSH index (utf8proc, xxhash)
 *   record.c     one JSON output line per conversation
 *   sink.c       output files + SHA-256, and multi-member gzip (libdeflate)
 *   commit.c     the output directory: lock, staging directory, atomic swap, clean-up
 *   input.c      reading inputs, plain or gzip, whole or by lines (zlib confined here)
 *   jsonscan.c   the strict JSON scanner: strict or not, minified copies, pyarrow's types
 *   jsonread.c   JSON records and .json documents read into turns
 *   kept.c       the --keep-fields values' types, and their features for the card
 *   manifest.c   manifest.json written and read back; the names it gives options
 *                (cJSON is used in these four files only)
 *   card.c       the dataset card: README.md with the Hugging Face YAML header
 *   discover.c   walking input arguments into a sorted list of files
 *   pipeline.c   dlg_run(): the only module that sees them all
 */
#ifndef DLG_INTERNAL_H
#define DLG_INTERNAL_H

#include "dlgconv.h"

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>

#define DLG_WUR __attribute__((warn_unused_result))
#define DLG_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define DLG_ASSERT(cond) assert(cond)

/* Forward a failing status to the caller; `err` was filled where it failed. */
#define DLG_TRY(expr)                                                                      \
	do {                                                                               \
		dlg_status dlg_try_status_ = (expr);                                       \
		if (dlg_try_status_ != DLG_OK)                                             \
			return dlg_try_status_;                                            \
	} while (0)

/*
 * Byte tests on 8 bytes at once (Hacker's Delight, 6-1), for the hot loops that skip plain
 * text. Each is non-zero exactly when some byte of `w` passes; callers then look at the
 * bytes one by one.
 */
#define DLG_ONES 0x0101010101010101ULL
#define DLG_HIGHS 0x8080808080808080ULL

static inline bool dlg_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static inline uint64_t dlg_load64(const char *p)
{
	uint64_t w;
	memcpy(&w, p, sizeof w);
	return w;
}

/* some byte < n (n <= 128) */
static inline uint64_t dlg_swar_lt(uint64_t w, uint8_t n)
{
	return (w - DLG_ONES * n) & ~w & DLG_HIGHS;
}

/* some byte == c */
static inline uint64_t dlg_swar_eq(uint64_t w, uint8_t c)
{
	return dlg_swar_lt(w ^ (DLG_ONES * c), 1);
}

/* some byte >= 0x7F */
static inline uint64_t dlg_swar_ge7f(uint64_t w)
{
	return (w | (w + DLG_ONES)) & DLG_HIGHS;
}

/* ---- error.c ---- */

/** Fill `err` (may be NULL) and return `code`. */
dlg_status dlg_error__set(dlg_error *err, dlg_status code, int sys_errno, const char *fmt, ...)
	DLG_PRINTF(4, 5);

/** Drop a character the end of `msg` (NUL-terminated) cuts in two. */
void dlg_error__utf8_cut(char *msg);

/**
 * s[0, n) (valid UTF-8) for a one-line message, into out[0, cap) (cap >= 8, NUL-terminated):
 * quotes, backslashes and controls escaped as in JSON, cut on a character boundary with
 * "..." when it does not fit.
 */
void dlg_error__quote(char *out, size_t cap, const char *s, size_t n);

/** DLG_E_IO with "cannot <what> '<path>': <strerror(sys_errno)>"; returns DLG_E_IO. */
dlg_status dlg_error__io(dlg_error *err, int sys_errno, const char *what, const char *path);

/* ---- buf.c ---- */

void *dlg_mem__alloc(const dlg_allocator *a, size_t size);
void *dlg_mem__realloc(const dlg_allocator *a, void *ptr, size_t size);
void dlg_mem__free(const dlg_allocator *a, void *ptr);
/** A copy of s[0..len) with a NUL after it, or NULL when out of memory. */
char *dlg_mem__strndup(const dlg_allocator *a, const char *s, size_t len);

/** Growable bytes; `max` is a hard cap (DLG_E_LIMIT past it). Also used as a typed array. */
typedef struct dlg_buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
	const dlg_allocator *alloc;
} dlg_buf;

#define DLG_BUF_UNCAPPED SIZE_MAX

void dlg_buf__init(dlg_buf *b, const dlg_allocator *a, size_t max);
void dlg_buf__dispose(dlg_buf *b);
dlg_status dlg_buf__reserve(dlg_buf *b, size_t extra, dlg_error *err) DLG_WUR;
dlg_status dlg_buf__append(dlg_buf *b, const void *p, size_t n, dlg_error *err) DLG_WUR;
dlg_status dlg_buf__putc(dlg_buf *b, char c, dlg_error *err) DLG_WUR;
dlg_status dlg_buf__printf(dlg_buf *b, dlg_error *err, const char *fmt, ...) DLG_WUR
	DLG_PRINTF(3, 4);

/**
 * Hand b's bytes over as a NUL-terminated string in *out when `st` (the status of building
 * them) is DLG_OK; otherwise release them. Either way b is left empty. Returns the status.
 */
dlg_status dlg_buf__take_string(char **out, dlg_buf *b, dlg_status st, dlg_error *err) DLG_WUR;

/* Typed-array view of a dlg_buf. */
#define DLG_BUF_AT(b, type, i) (((type *)(void *)(b)->data)[i])
#define DLG_BUF_COUNT(b, type) ((b)->len / sizeof(type))

/* ---- encoding.c ---- */

/** Whether an --input-encoding name means UTF-8 (NULL, "UTF-8" or "utf8" in any case). */
bool dlg_encoding__is_utf8(const char *name);

typedef enum dlg_encoding_guess {
	DLG_GUESS_NONE = 0, /* not a single-byte legacy text: damaged UTF-8, UTF-16, mixed */
	DLG_GUESS_CP1252,   /* bad bytes include 0x80-0x9F ones that Windows-1252 defines */
	DLG_GUESS_LATIN1    /* bad bytes all 0xA0-0xFF */
} dlg_encoding_guess;

/**
 * How many bytes at s[0, n) (s[0] >= 0x80) begin a well-formed UTF-8 sequence (no overlong
 * forms, surrogates or code points past U+10FFFF, as Python's strict decoder has it): its
 * length when it is complete, else 0 with *prefix = how many of its bytes were still right.
 */
size_t dlg_encoding__utf8_sequence(size_t *prefix, const uint8_t *s, size_t n);

/** Which legacy encoding the invalid UTF-8 in p[0, n) looks like (a whole input or a line). */
dlg_encoding_guess dlg_encoding__guess(const char *p, size_t n);

/**
 * E101's advice for p[0, n) into out[0, cap) (NUL-terminated, under 120 bytes): which
 * --input-encoding to pass, or to convert the file; or, when `input_encoding` (may be NULL)
 * is not UTF-8, that the input is not valid in that encoding either.
 */
void dlg_encoding__hint(char *out, size_t cap, const char *p, size_t n,
			const char *input_encoding);

/* ---- shared run context (read-only while conversations are processed) ---- */

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
	const dlg_options *opts;
	const dlg_allocator *alloc;
	dlg_label labels[DLG_MAX_LABELS];
	size_t n_labels;
	dlg_split splits[DLG_MAX_SPLITS];
	size_t n_splits;
	double split_upper[DLG_MAX_SPLITS]; /* cumulative weights scaled to [0, 1] */
	unsigned shards;                     /* files per split: options.shards, at least 1 */
	void *group_re;                      /* regex_t *, or NULL */
	uint8_t code_mode[DLG_DIAG_CODES];   /* dlg_code_mode, by code number */
	bool near_dup;  /* the near-dup step runs: drop, or group where splits are seen (a
			   run that writes, or reports each conversation's split) */
} dlg_ctx;

/** A code's severity in this run: its own, or an error by --strict or --error. */
dlg_severity dlg_ctx__severity(const dlg_ctx *ctx, dlg_diag_code code);

/* ---- one conversation in flight ---- */

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

/* Findings located in a JSON line per record: each costs a pass over the line. */
#define DLG_MAX_LOCATED 16

/**
 * Where a JSON record's text came from, so that a finding inside it can name its column in
 * the record's line (locate.c). All borrowed.
 */
typedef struct dlg_json_origin {
	const char *line;  /* the record's JSON line as read (pipeline.c); NULL for a .json
			      document's records, which are printed again */
	size_t line_len;
	const char *text;  /* the JSON string being read into turns, decoded */
	size_t text_len;
	const char *key;   /* the key it stands under, or NULL */
	const char *copy;  /* its copy in unit.decoded (glued markers on lines of their own,
			      stage directions put back) */
	size_t copy_len;
	unsigned located;  /* findings located so far, up to DLG_MAX_LOCATED */
} dlg_json_origin;

/* ---- neardup.c, what a unit holds of it ---- */

#define DLG_NEARDUP_BINS 256
#define DLG_NEARDUP_BANDS 16
/** As dlg_neardup__add's `cluster`: the new id starts a cluster of its own. */
#define DLG_NEARDUP_NEW UINT32_MAX
/** Ids are 0 .. DLG_NEARDUP_MAX_IDS - 1; UINT32_MAX marks no id. */
#define DLG_NEARDUP_MAX_IDS (UINT32_MAX - 1)

/** A conversation's MinHash signature: 256 bins of 4 bits (129 bytes). */
typedef struct dlg_neardup_sig {
	uint8_t nib[DLG_NEARDUP_BINS / 2]; /* bin 2k in the low 4 bits of nib[k], 2k+1 high */
	bool empty;                        /* no words: similar to nothing */
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
} dlg_unit;

void dlg_unit__init(dlg_unit *u, const dlg_ctx *ctx);
struct dlg_input;
/** Ready `u` for a conversation of `in` (borrowed; a record's, when `record` is not 0). */
void dlg_unit__reset(dlg_unit *u, const struct dlg_input *in, uint64_t record,
		     uint64_t record_line);
void dlg_unit__dispose(dlg_unit *u);

/**
 * Record a finding on `u` (error.c). Promotes warnings under --strict and marks the unit
 * rejected on an error. Fails only when out of memory.
 */
dlg_status dlg_unit__diag(dlg_unit *u, dlg_error *err, dlg_diag_code code, uint64_t line,
			  uint32_t col, uint32_t turn, const char *fmt, ...) DLG_WUR
	DLG_PRINTF(7, 8);

/**
 * Take back the findings of `code` on `u` at `line` (0: at any line), when a finding about
 * their cause says it instead (error.c). u->rejected stays as it is.
 */
void dlg_unit__drop_diags(dlg_unit *u, dlg_diag_code code, uint64_t line);

/* ---- normalize.c ---- */

/**
 * Step 1 of SPEC section 2 on a whole input: 0 when the bytes are valid UTF-8 without NUL,
 * else DLG_DIAG_INVALID_UTF8 or DLG_DIAG_BINARY with the offending offset in *bad_off.
 */
int dlg_normalize__check_bytes(size_t *bad_off, const char *p, size_t n);

/**
 * Steps 2-3 on the raw lines of a turn (or the preamble when `turn_no` is 0), appending
 * the normalized text to u->text and setting *out.
 */
dlg_status dlg_normalize__lines(dlg_span *out, dlg_unit *u, size_t first_line, size_t n_lines,
				uint32_t turn_no, dlg_error *err) DLG_WUR;

/**
 * Step 3 on normalized text in place: strip trailing blanks of each line, trim the whole,
 * collapse runs of blank lines to one (counted in *collapsed when non-NULL). The places
 * `stages[k].at` (ascending byte offsets into t) move with the text. Returns the new length.
 */
size_t dlg_normalize__tidy(char *t, size_t n, uint64_t *collapsed, dlg_stage *stages,
			  size_t n_stages);

/** Whether NFC (NFKC) could change text containing `cp`: the quick check before utf8proc. */
bool dlg_normalize__may_change(int32_t cp, bool nfkc);

/** Number of code points in valid UTF-8. */
uint64_t dlg_normalize__count_chars(const char *p, size_t n);

/* ---- stage.c ---- */

/**
 * Step 4 on `turn`, whose content is the last text in u->text: find its stage directions
 * and, by u's --stage mode, extract them (to u->stages, with their places), strip them or
 * keep them; then tidy the content again.
 */
dlg_status dlg_stage__extract(dlg_unit *u, dlg_turn *turn, dlg_error *err) DLG_WUR;

/** Whether the line p[0, n) is a code fence (``` or ~~~ after at most three spaces): it
 * opens or closes a fenced block. */
bool dlg_stage__is_fence(const char *p, size_t n);

/** Whether line[i] is inside inline code: an odd number of backticks before it on its line
 * (line[0, i)). */
bool dlg_stage__in_inline_code(const char *line, size_t i);

/**
 * W304 on a line p[0, n) of a turn (`in_fence`: inside a fenced code block): the offset of
 * a '*' that opens a span as a stage direction's would (alone, after white space or the
 * line's start, a word after it, not in code nor an item's or a heading's title) and that
 * no later '*' on the line closes; SIZE_MAX when there is none.
 */
size_t dlg_stage__unclosed_star(const char *p, size_t n, bool in_fence);

/** A stage direction to put back: its canonical text and its byte offset in the content. */
typedef struct dlg_stage_ref {
	const char *text;
	size_t len;
	size_t at;
} dlg_stage_ref;

/**
 * Append content[0, len) to `out` with each direction `*text*` back at its place (places
 * ascending), so that dlg_stage__extract() on the result gives the same content and places.
 */
dlg_status dlg_stage__render(dlg_buf *out, const char *content, size_t len,
			     const dlg_stage_ref *dirs, size_t n_dirs, dlg_error *err) DLG_WUR;

/* ---- transcript.c ---- */

/** Split a text transcript into raw turns on u (SPEC section 1); records findings. */
dlg_status dlg_transcript__parse(dlg_unit *u, const char *data, size_t len,
				 dlg_error *err) DLG_WUR;

/**
 * A transcript inside a JSON string (SPEC section 1): `### Label:` markers glued to the text
 * before them start turns too. The text is copied into u->decoded first, which keeps room
 * for `reserve_more` bytes after it (the lines point into it, so it cannot grow later).
 * `key` (may be NULL) is the key the string stands under in its record: it tells the
 * string apart from an equal one, to locate findings inside it (u->origin).
 */
dlg_status dlg_transcript__parse_embedded(dlg_unit *u, const char *text, size_t len,
					  const char *key, size_t reserve_more,
					  dlg_error *err) DLG_WUR;

/** Add an already structured turn (from a messages array); `text` must live in u->decoded
 * and be the string under `key` (may be NULL) as it stands in the record, but for stage
 * directions put back. */
dlg_status dlg_transcript__add_turn(dlg_unit *u, dlg_role role, const char *text, size_t len,
				    const char *key, dlg_error *err) DLG_WUR;

/**
 * Escape b->data[from, len), one turn's content in the text format, so that reading the
 * record again gives the same turns: a backslash before each line that would start a turn
 * or end the dialogue and before each glued `### Label:` (README "Output formats").
 */
dlg_status dlg_transcript__escape(dlg_buf *b, size_t from, const dlg_ctx *ctx,
				  dlg_error *err) DLG_WUR;

/** Look up a speaker label (without regard to case), or NULL. */
const dlg_label *dlg_transcript__find_label(const dlg_ctx *ctx, const char *p, size_t n);

/* ---- validate.c ---- */

/** The structure rules on u's normalized turns (may merge or drop turns). */
dlg_status dlg_validate__turns(dlg_unit *u, dlg_error *err) DLG_WUR;

/**
 * The two validated sides of a preference pair: the rejected side's findings become the
 * chosen side's (which commits the pair; the rejected is marked consumed), and E209 when
 * they are not two replies to one prompt. *prompt_out is the number of shared turns.
 */
dlg_status dlg_validate__pair(size_t *prompt_out, dlg_unit *chosen, dlg_unit *rejected,
			      dlg_error *err) DLG_WUR;

/* ---- split.c ---- */

/** 128-bit id of bytes; hex in id_hex. */
void dlg_split__id(uint8_t id[16], char id_hex[33], const char *p, size_t n);
/** An id as 32 lower-case hex digits. */
void dlg_split__hex(char id_hex[33], const uint8_t id[16]);
/** Index into ctx->splits for a key; a pure function of (seed, key). */
size_t dlg_split__assign(const dlg_ctx *ctx, const void *key, size_t key_len);
/** The shard (below `shards`) a record of this id goes to within its split. */
unsigned dlg_split__shard(const uint8_t id[16], unsigned shards);

/** Set of 128-bit ids, for dropping exact duplicates. */
typedef struct dlg_idset {
	uint8_t (*slots)[16];
	size_t cap;
	size_t count;
	const dlg_allocator *alloc;
} dlg_idset;

void dlg_split__idset_init(dlg_idset *s, const dlg_allocator *a);
void dlg_split__idset_dispose(dlg_idset *s);
/** *found_out is true when `id` was present; otherwise it is added. */
dlg_status dlg_split__idset_insert(bool *found_out, dlg_idset *s, const uint8_t id[16],
				   dlg_error *err) DLG_WUR;

/* ---- neardup.c ---- */


/**
 * The signature of u's turns (roles and normalized contents) into *out. `scratch` is work
 * space, reused from call to call so that only a conversation larger than any before it
 * allocates. Fails only with DLG_E_NOMEM or DLG_E_LIMIT (scratch's cap).
 */
dlg_status dlg_neardup__signature(dlg_neardup_sig *out, const dlg_unit *u, dlg_buf *scratch,
				  dlg_error *err) DLG_WUR;
/** Estimated Jaccard similarity of two signatures' shingle sets, in [0, 1]; 0 with an empty
 * one. */
double dlg_neardup__similarity(const dlg_neardup_sig *a, const dlg_neardup_sig *b);

typedef struct dlg_neardup_member {
	uint8_t nib[DLG_NEARDUP_BINS / 2]; /* its signature (zeros when empty) */
	uint8_t conv_id[16];               /* the conversation's id, for findings and reports */
	uint32_t cluster;                  /* the id of its cluster's first member */
	uint8_t tag;                       /* the caller's */
	bool joined;                       /* a first member that others joined */
} dlg_neardup_member;

typedef struct dlg_neardup_band {
	uint32_t *slots; /* open addressing, by the key's hash: the first id with each key
			    (UINT32_MAX: empty); cap is 0 or a power of two */
	size_t cap;
	size_t count;
} dlg_neardup_band;

/**
 * Signatures by id (ids in order of insertion) and, per LSH band, the first id that had
 * each key. Read `count` (ids) and `clusters` (clusters of two or more) directly.
 */
typedef struct dlg_neardup_index {
	dlg_neardup_member *members;
	size_t cap;
	uint32_t count;
	uint32_t clusters;
	dlg_neardup_band bands[DLG_NEARDUP_BANDS];
	const dlg_allocator *alloc;
} dlg_neardup_index;

void dlg_neardup__init(dlg_neardup_index *ix, const dlg_allocator *alloc);
void dlg_neardup__dispose(dlg_neardup_index *ix);
/**
 * The earliest id sharing a band with `s` whose estimated similarity to it is at least
 * `threshold`: true with the id in *match_out and the similarity in *similarity_out (may
 * be NULL). False when there is none, and always for an empty signature.
 */
bool dlg_neardup__find(uint32_t *match_out, double *similarity_out, const dlg_neardup_index *ix,
		       const dlg_neardup_sig *s, double threshold);
/**
 * Append `s` with the caller's `tag`; its id (the number of earlier ones) in *id_out. It
 * joins the cluster of id `cluster` (any member; usually what dlg_neardup__find matched)
 * or, with DLG_NEARDUP_NEW, starts its own. DLG_E_LIMIT past DLG_NEARDUP_MAX_IDS ids,
 * DLG_E_NOMEM; on failure the index is as it was.
 */
dlg_status dlg_neardup__add(uint32_t *id_out, dlg_neardup_index *ix, const dlg_neardup_sig *s,
			    const uint8_t conv_id[16], uint32_t cluster, uint8_t tag,
			    dlg_error *err) DLG_WUR;
/** The id of the first member of id's cluster (id itself when it started one). */
uint32_t dlg_neardup__cluster(const dlg_neardup_index *ix, uint32_t id);
uint8_t dlg_neardup__tag(const dlg_neardup_index *ix, uint32_t id);

/**
 * convert's near-duplicate step (README "Near-duplicates") for `u`, about to be written to
 * split *split, in input order; u->near_sig is its signature. --near-dup group: near an
 * earlier conversation, it joins that one's cluster and takes its split. --near-dup drop:
 * near an earlier kept one, *near_out is that one's index id (else UINT32_MAX) with the
 * similarity in *similarity_out, and it is not indexed (only what is kept is compared).
 */
dlg_status dlg_neardup__place(uint32_t *near_out, double *similarity_out, size_t *split,
			      dlg_neardup_index *ix, const dlg_unit *u, dlg_error *err) DLG_WUR;

/* ---- record.c ---- */

/** Append `s` as a JSON string literal (quotes included). */
dlg_status dlg_record__json_string(dlg_buf *out, const char *s, size_t n, dlg_error *err) DLG_WUR;
/** Render u's messages, set its id, and write the record line to u->json. */
dlg_status dlg_record__render(dlg_unit *u, dlg_error *err) DLG_WUR;
/**
 * A preference pair's record into chosen->json (--format preference or openai-preference):
 * the first `prompt` turns, shared, then each side's own. Sets chosen's id (the pair's) and
 * key (the prompt's).
 */
dlg_status dlg_record__render_pair(dlg_unit *chosen, const dlg_unit *rejected, size_t prompt,
				   dlg_error *err) DLG_WUR;
/** Write u->json's meta again, after dlg_kept__types_add() nulled a field. */
dlg_status dlg_record__rewrite_meta(dlg_unit *u, dlg_error *err) DLG_WUR;
/** provenance.jsonl's line for a --bare record: split, id, source, record, directions. */
dlg_status dlg_record__provenance(dlg_buf *out, const dlg_unit *u, const char *split,
				  dlg_error *err) DLG_WUR;
/** The rejects.jsonl line for u: its error findings, or with `dropped_by` (W307, W321)
 * that finding, the reason a conversation without errors was dropped; for W321 the kept
 * conversation's id and the estimated similarity. */
dlg_status dlg_record__reject(dlg_buf *out, const dlg_unit *u, dlg_diag_code dropped_by,
			      const char *kept_hex, double similarity, dlg_error *err) DLG_WUR;

/* ---- sink.c ---- */

/** An output file in the staging directory, hashed as it is written. */
typedef struct dlg_outfile {
	char *path;      /* in the staging directory, under its final name */
	int fd;
	uint64_t size;
	uint64_t records;
	void *sha;       /* EVP_MD_CTX * */
	char sha256_hex[65];
	const dlg_allocator *alloc;
} dlg_outfile;

/**
 * Every writer of split files (convert's threads, reduce) ends a gzip member after the record
 * that brings its pending text to this many bytes, and after the file's last, so that the
 * same records make the same bytes: 4 MiB with one shard per split, less with more shards.
 */
size_t dlg_sink__member_bytes(unsigned shards);

/** A split file's name: <split>.jsonl[.gz], or <split>-SSSSS-of-NNNNN.jsonl[.gz] (Hugging
 * Face's shard naming) when there is more than one shard. `out` holds DLG_SPLIT_FILE_NAME. */
#define DLG_SPLIT_FILE_NAME (DLG_MAX_SPLIT_NAME + sizeof "-00000-of-00000.jsonl.gz")
void dlg_sink__split_file_name(char *out, const char *split, unsigned shard, unsigned shards,
			       dlg_compress compress);

dlg_status dlg_sink__open(dlg_outfile *f, const char *dir, const char *name,
			  const dlg_allocator *a, dlg_error *err) DLG_WUR;
dlg_status dlg_sink__write(dlg_outfile *f, const void *p, size_t n, dlg_error *err) DLG_WUR;
/** Flush to disk and finish the hash. */
dlg_status dlg_sink__finish(dlg_outfile *f, dlg_error *err) DLG_WUR;
/** Close the file if it is still open and release everything (the staging directory it is
 * in goes as a whole). */
void dlg_sink__discard(dlg_outfile *f);
dlg_status dlg_sink__sync_dir(const char *dir, dlg_error *err) DLG_WUR;

/** A libdeflate compressor at the output level (one per thread), or NULL. */
void *dlg_sink__deflate_new(void);
void dlg_sink__deflate_free(void *compressor);
/** Compress p[0, n) as one complete gzip member into `out` (replacing its contents). */
dlg_status dlg_sink__gzip_member(dlg_buf *out, void *compressor, const char *p, size_t n,
				 dlg_error *err) DLG_WUR;

/* ---- commit.c ---- */

/** The output directory of a run: its lock, its staging directory, the swap. */
typedef struct dlg_commit {
	const dlg_allocator *alloc;
	const char *dir;  /* borrowed: options.output_dir */
	char *parent;     /* the directory DIR is in, and DIR's name there */
	char *name;
	int parent_fd;
	int lock_fd;      /* flock()ed PARENT/.NAME.dlgconv-lock */
	char *stage;      /* PARENT/.NAME.dlgconv-new-XXXXXX: where the files are written */
	const char *stage_name;
	char *created;    /* the outermost parent directory this run made, or NULL */
	bool existed;     /* DIR was there before the run */
	bool swapped;     /* the new dataset is DIR */
} dlg_commit;

/**
 * Take DIR for a run: make its parents, lock it (DLG_E_LOCKED when another run holds it),
 * clean what dead runs left, refuse a non-empty DIR without `force` (DLG_E_EXISTS), and make
 * the staging directory c->stage. Call dlg_commit__end() afterwards even when this fails.
 */
dlg_status dlg_commit__begin(dlg_commit *c, const dlg_options *o, dlg_error *err) DLG_WUR;
/**
 * Make the staged files (`names`, finished) DIR's dataset in one atomic step, keeping the
 * user's own files in DIR and dropping the earlier dataset's (`stale`: what its manifest
 * listed). On failure DIR is as it was.
 */
dlg_status dlg_commit__finish(dlg_commit *c, const char *const *names, size_t n,
			      const char *const *stale, size_t n_stale, dlg_error *err) DLG_WUR;
/** Remove the staging directory (the old dataset after a swap), the parents a failed run
 * made, and unlock. */
void dlg_commit__end(dlg_commit *c);

/* ---- input.c ---- */

typedef enum dlg_input_format {
	DLG_INPUT_UNKNOWN = 0, /* told from the content: '{' JSONL, '[' JSON, else text */
	DLG_INPUT_TEXT,
	DLG_INPUT_JSONL,
	DLG_INPUT_JSON
} dlg_input_format;

/** The format a path's name says (a ".gz" ending is looked through). */
dlg_input_format dlg_input__format_by_name(const char *path);

/** An open input: plain or gzip (by magic bytes), read whole or by lines, as UTF-8. */
typedef struct dlg_reader {
	const char *path; /* borrowed */
	int fd;
	bool is_stdin;
	bool gz;
	void *z;          /* z_stream * */
	bool in_member;   /* inside a gzip member: its end must come before the file's */
	void *conv;       /* --input-encoding's converter to UTF-8 (input.c), NULL for UTF-8 */
	dlg_buf raw;      /* bytes read, not yet consumed */
	size_t raw_pos;
	bool raw_eof;
	bool eof;         /* nothing more to produce */
	bool by_line;     /* the limit applies to each line rather than the whole */
	bool done;        /* read_lines: everything handed out */
	dlg_buf carry;    /* read past the last whole line handed out */
	uint64_t total;   /* bytes produced */
	uint64_t limit;
	const volatile sig_atomic_t *cancel;
} dlg_reader;

/** DLG_E_ARG when o->input_encoding is a name iconv does not know; reads nothing. */
dlg_status dlg_input__check_encoding(const dlg_options *o, dlg_error *err) DLG_WUR;
/** Open `path` ("-" for stdin); call dlg_input__close afterwards even when this fails. */
dlg_status dlg_input__open(dlg_reader *rd, const char *path, const dlg_options *o,
			   dlg_error *err) DLG_WUR;
/** The whole (decompressed) input into `out`. */
dlg_status dlg_input__read_all(dlg_reader *rd, dlg_buf *out, dlg_error *err) DLG_WUR;
/** The next whole lines, at most `max_lines` or about `max_bytes`, into `out` (the last
 * line of the input may lack its newline); rd->done after the last. */
dlg_status dlg_input__read_lines(dlg_reader *rd, dlg_buf *out, size_t max_bytes,
				 size_t max_lines, dlg_error *err) DLG_WUR;
/** Give back what read_lines handed out (all of it, in `chunk`, which is left empty): the
 * next read starts with it. For telling a stream's format from its first lines. */
dlg_status dlg_input__unread(dlg_reader *rd, dlg_buf *chunk, dlg_error *err) DLG_WUR;
void dlg_input__close(dlg_reader *rd);

/* ---- findings.c ---- */

/** Resolve --ignore, --select and --error into ctx->code_mode; DLG_E_ARG for a code that
 * is not a warning, or one both ignored and made an error. */
dlg_status dlg_findings__setup(dlg_ctx *ctx, const dlg_options *o, dlg_error *err) DLG_WUR;

/** A warning code's run of findings on every record of a file so far. */
typedef struct dlg_streak {
	bool on;
	uint64_t count;   /* findings in the streak */
	size_t n_held;    /* of them in dlg_findings.held: the first HELD_MAX */
	dlg_diag last;
} dlg_streak;

/** What a run reports, and the counts of it in `sum` (errors, warnings). */
typedef struct dlg_findings {
	const dlg_ctx *ctx;
	dlg_summary *sum;
	dlg_diag_fn fn;
	void *payload;
	const char *file;  /* the source whose records are going by (pointer identity) */
	uint64_t records;  /* of that file so far */
	size_t on;         /* streaks on */
	dlg_streak streaks[DLG_DIAG_CODES - 300]; /* warnings, W300 at 0 */
	dlg_buf held;      /* dlg_diag[]: the streaks' findings, in the order they came */
} dlg_findings;

void dlg_findings__init(dlg_findings *f, const dlg_ctx *ctx, dlg_summary *sum, dlg_diag_fn fn,
			void *payload);
void dlg_findings__dispose(dlg_findings *f);
/** One finding that belongs to no record (an entry a walk passed over). */
void dlg_findings__one(dlg_findings *f, const dlg_diag *d);
/** A conversation's findings, units in input order. */
dlg_status dlg_findings__unit(dlg_findings *f, const dlg_unit *u, dlg_error *err) DLG_WUR;
/** The run's end: what streaks still hold is said. */
void dlg_findings__end(dlg_findings *f);

/* ---- discover.c ---- */

typedef struct dlg_input {
	char *path;    /* to open, the file system's own bytes; "-" for stdin */
	char *source;  /* the name records carry (README "Sources and paths"), as valid UTF-8
			  (dlg_discover__escape) */
	char *shown;   /* what findings call it when that differs from `source` (an absolute
			  argument: the path as typed), else NULL; see dlg_input__shown() */
	uint64_t size; /* on disk, for progress; 0 for stdin */
	uint64_t dev, ino; /* which file it is; 0 for stdin */
} dlg_input;

/** What findings call an input: the path as the user typed it, then the walked part. */
static inline const char *dlg_input__shown(const dlg_input *in)
{
	return in->shown ? in->shown : in->source;
}

/** An entry a directory walk passed over: a finding at line 1, column 1 of its source. */
typedef struct dlg_skipped {
	dlg_diag_code code; /* W312 (FIFO, device, socket) or W315 (unreadable, dangling) */
	char *shown;        /* as dlg_input__shown() would say; owns `msg`'s bytes too */
	const char *msg;    /* what failed, for the finding */
} dlg_skipped;

typedef struct dlg_inputs {
	dlg_input *items;
	size_t count;
	size_t cap;
	dlg_buf skipped;   /* dlg_skipped[]; each argument's in byte-wise order of path */
	const dlg_allocator *alloc;
} dlg_inputs;

/**
 * The files `args` name (README "Discovery"): each argument's directories walked, each
 * directory once; entries a walk cannot read go to out->skipped. Fails for an argument that
 * cannot be read, DLG_E_CANCELED when *opts->cancel is set, DLG_E_NOMEM, DLG_E_LIMIT.
 * Call dlg_discover__dispose(out) afterwards, even when this fails.
 */
dlg_status dlg_discover__inputs(dlg_inputs *out, const char *const *args, size_t n_args,
				const dlg_options *opts, dlg_error *err) DLG_WUR;
void dlg_discover__dispose(dlg_inputs *in);

/**
 * Append s[0, n) to `out` as valid UTF-8, reversibly: each backslash as `\\` and each byte
 * that is not part of valid UTF-8 as `\xHH` (lower-case hex); valid UTF-8 without a
 * backslash is appended unchanged. No NUL is added.
 */
dlg_status dlg_discover__escape(dlg_buf *out, const char *s, size_t n, dlg_error *err) DLG_WUR;

#endif /* DLG_INTERNAL_H */
