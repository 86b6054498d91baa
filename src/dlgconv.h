/*
 * dlgconv.h - the whole public API of libdlgconv.
 *
 * libdlgconv turns chat transcripts into validated, reproducible fine-tuning datasets.
 * It never prints and never exits: failures come back as a dlg_status with a filled-in
 * dlg_error, findings about the input go to a caller-supplied dlg_diag_fn.
 *
 * Ownership, once for the whole API: objects returned through an `out` parameter belong
 * to the caller; pointers inside structs the library hands to a callback are borrowed and
 * valid only during that call; strings the caller passes in are borrowed for the duration
 * of the call that takes them. Input is (pointer, length) and need not be NUL-terminated.
 */
#ifndef DLGCONV_H
#define DLGCONV_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(DLGCONV_BUILDING) && defined(__GNUC__)
#define DLG_API __attribute__((visibility("default")))
#else
#define DLG_API
#endif

/** Status of a library call. Append-only: values never change or get reused. */
typedef enum dlg_status {
	DLG_OK = 0,
	DLG_END = 1,          /* iteration finished; not an error */
	DLG_E_NOMEM = 100,
	DLG_E_IO = 101,       /* see dlg_error.sys_errno */
	DLG_E_EXISTS = 102,   /* output directory is not empty and `force` is off */
	DLG_E_LIMIT = 103,    /* input exceeded a limit */
	DLG_E_ZLIB = 104,     /* compression or decompression failed */
	DLG_E_REJECTS = 105,  /* more conversations rejected than `max_rejects` allows */
	DLG_E_CANCELED = 106, /* *options.cancel became non-zero */
	DLG_E_LOCKED = 107,   /* another run is writing the output directory */
	DLG_E_ARG = 900,      /* API misuse or invalid option value */
	DLG_E_INTERNAL = 999  /* a bug in dlgconv */
} dlg_status;

/**
 * Why a call failed. Filled only when a call fails. The message names the path involved;
 * findings about the input (with their line and column) are dlg_diag, not errors.
 */
typedef struct dlg_error {
	dlg_status code;
	int sys_errno;      /* errno at failure, else 0 */
	char msg[256];      /* one line, no trailing newline; valid UTF-8 */
} dlg_error;

/** Stable name of a status such as "E_NOMEM"; never NULL, even for unknown codes. */
DLG_API const char *dlg_status_id(dlg_status code);

/**
 * Findings about the input (docs/findings.md). The number is the code ("E203" is 203).
 * Append-only: a retired code keeps its slot.
 */
typedef enum dlg_diag_code {
	DLG_DIAG_INVALID_UTF8 = 101,
	DLG_DIAG_BINARY = 102,
	DLG_DIAG_INVALID_JSON = 103,
	DLG_DIAG_LFS_POINTER = 104,
	DLG_DIAG_OVER_MEMORY_BUDGET = 105,
	DLG_DIAG_NO_TURNS = 201,
	DLG_DIAG_FIRST_NOT_USER = 202,
	DLG_DIAG_REPEATED_ROLE = 203,
	DLG_DIAG_EMPTY_TURN = 204,
	DLG_DIAG_UNKNOWN_ROLE = 205,
	DLG_DIAG_TRAILING_USER = 206,
	DLG_DIAG_TOO_FEW_TURNS = 207,
	DLG_DIAG_TURN_TOO_LONG = 208,
	DLG_DIAG_PAIR_MISMATCH = 209,
	DLG_DIAG_NON_TEXT_CONTENT = 210,
	DLG_DIAG_BAD_TOOL_CALL = 211,
	DLG_DIAG_TOOL_CALL_UNANSWERED = 212,
	DLG_DIAG_TOOL_RESULT_UNASKED = 213,
	DLG_DIAG_TOOL_NOT_DECLARED = 214,
	DLG_DIAG_PREAMBLE_DROPPED = 301,
	DLG_DIAG_NONCANONICAL_MARKER = 302,
	DLG_DIAG_MARKER_IN_TEXT = 303,
	DLG_DIAG_UNBALANCED_STAGE = 304,
	DLG_DIAG_MOJIBAKE = 305,
	DLG_DIAG_INVISIBLE_REMOVED = 306,
	DLG_DIAG_DUPLICATE = 307,
	DLG_DIAG_UNKNOWN_LABEL_KEPT = 308,
	DLG_DIAG_TRAILING_USER_DROPPED = 309,
	DLG_DIAG_EMPTY_LAST_TURN_DROPPED = 310,
	DLG_DIAG_TEXT_AFTER_SECTION_DROPPED = 311,
	DLG_DIAG_NOT_A_FILE_SKIPPED = 312,
	DLG_DIAG_ID_MISMATCH = 313,
	DLG_DIAG_SYSTEM_NOT_FIRST = 314,
	DLG_DIAG_UNREADABLE_ENTRY_SKIPPED = 315,
	DLG_DIAG_DUPLICATE_JSON_KEY = 316,
	DLG_DIAG_DATASET_SKIPPED = 317,
	DLG_DIAG_LEADING_ASSISTANT_DROPPED = 318,
	DLG_DIAG_CONTENT_NOT_AS_NAMED = 319,
	DLG_DIAG_KEPT_FIELD_TYPE_CHANGED = 320,
	DLG_DIAG_NEAR_DUPLICATE = 321,
	DLG_DIAG_FIELD_NOT_CARRIED = 322,
	/* the token limits (issue 22): numbered apart from the others' */
	DLG_DIAG_OVER_TOKEN_LIMIT = 220,
	DLG_DIAG_NO_TRAINABLE_TOKENS = 221,
	DLG_DIAG_TEMPLATE_REFUSED = 222,
	DLG_DIAG_OVER_TOKEN_LIMIT_DROPPED = 330,
	DLG_DIAG_TURNS_TRUNCATED = 331
} dlg_diag_code;

typedef enum dlg_severity { DLG_SEV_WARNING = 0, DLG_SEV_ERROR = 1 } dlg_severity;

/** A finding about the input; every field but `record` and `turn` is always set. */
typedef struct dlg_diag {
	dlg_diag_code code;
	dlg_severity severity; /* after --strict promotion */
	const char *source;    /* borrowed: the input's source name
				  (docs/rules.md "Sources and paths") */
	uint64_t line;         /* 1-based line in the original file */
	uint32_t col;          /* 1-based byte column in the original file */
	uint64_t record;       /* JSONL: the record's line; .json array: its 1-based index;
				  0 for text files */
	uint32_t turn;         /* 1-based turn the finding is about; 0 when none */
	char msg[256];         /* one line, says what to do; never repeats the code */
} dlg_diag;

/** Receives each finding; `d` is borrowed for the call. */
typedef void (*dlg_diag_fn)(const dlg_diag *d, void *payload);

/** "E203" or "W307"; "?" for an unknown code. Never NULL. */
DLG_API const char *dlg_diag_id(dlg_diag_code code);
/** Stable slug such as "repeated-role"; "unknown" for an unknown code. Never NULL. */
DLG_API const char *dlg_diag_slug(dlg_diag_code code);
/** One paragraph on what the code means (its first sentence) and what to do about it, as
 * `dlgconv explain` prints it. A static string: never freed, valid for the program's life.
 * NULL for an unknown code. */
DLG_API const char *dlg_diag_explain(dlg_diag_code code);
/** The severity a code has without --strict. */
DLG_API dlg_severity dlg_diag_default_severity(dlg_diag_code code);
/** The code named `name`, its id ("W303", any case) or its slug ("marker-in-text"), into
 * *out; returns 0 when no code has that name. */
DLG_API int dlg_diag_parse(const char *name, dlg_diag_code *out);

typedef enum dlg_diag_style {
	DLG_DIAG_STYLE_GCC = 0,    /* path:line:col: error: message [E203] */
	DLG_DIAG_STYLE_JSON = 1,   /* one JSON object (schemas/diagnostic.schema.json) */
	DLG_DIAG_STYLE_GITHUB = 2, /* ::error file=…,line=…,col=…,title=E203::message */
	DLG_DIAG_STYLE_SARIF = 3   /* one SARIF 2.1.0 result object; see dlg_sarif_open() */
} dlg_diag_style;

/**
 * Format one finding as a line without its newline into `*out` (NUL-terminated; release
 * with dlg_free). Returns DLG_OK or DLG_E_NOMEM.
 */
DLG_API dlg_status dlg_diag_format(char **out, const dlg_diag *d, dlg_diag_style style,
				   dlg_error *err);

/**
 * The start of a SARIF 2.1.0 log (tool, every rule, and `"results":[`) into `*out`; write
 * the DLG_DIAG_STYLE_SARIF results after it, separated by commas, then dlg_sarif_close().
 * `*out` is NUL-terminated; release it with dlg_free. Returns DLG_OK or DLG_E_NOMEM.
 */
DLG_API dlg_status dlg_sarif_open(char **out, dlg_error *err);
/** What closes the SARIF log dlg_sarif_open() began. Never NULL. */
DLG_API const char *dlg_sarif_close(void);

/** Release memory the library returned through an `out` parameter. Accepts NULL. */
DLG_API void dlg_free(void *ptr);

typedef enum dlg_role {
	DLG_ROLE_SYSTEM = 0,
	DLG_ROLE_USER = 1,
	DLG_ROLE_ASSISTANT = 2,
	DLG_ROLE_TOOL = 3 /* a tool's result, answering an assistant's tool call (JSON records) */
} dlg_role;

/** "system", "user", "assistant" or "tool". */
DLG_API const char *dlg_role_name(dlg_role role);

/** One `--role LABEL=ROLE`: a marker label (matched without regard to case) and its role. */
typedef struct dlg_role_label {
	const char *label;
	dlg_role role;
} dlg_role_label;

/** One output split: a file name stem and its relative weight (> 0). */
typedef struct dlg_split {
	const char *name;
	double weight;
} dlg_split;

typedef enum dlg_stage_mode {
	DLG_STAGE_EXTRACT = 0,
	DLG_STAGE_KEEP,
	DLG_STAGE_STRIP
} dlg_stage_mode;
typedef enum dlg_format {
	DLG_FORMAT_MESSAGES = 0, /* {"messages":[{"role","content","stage_directions"}]} */
	DLG_FORMAT_SHAREGPT,     /* {"conversations":[{"from":"human"|"gpt"|"system","value"}]} */
	DLG_FORMAT_TEXT,         /* {"text":"### Human: …\n\n### Assistant: …"} */
	DLG_FORMAT_PREFERENCE,   /* TRL: {"prompt":[…],"chosen":[…],"rejected":[…]} (messages) */
	DLG_FORMAT_OPENAI_PREFERENCE /* {"input":{"messages":[…]},"preferred_output":[…],
					"non_preferred_output":[…]} */
} dlg_format;

typedef enum dlg_compress { DLG_COMPRESS_GZIP = 0, DLG_COMPRESS_NONE } dlg_compress;

/** What near-duplicate clusters become (docs/rules.md "Near-duplicates"). */
typedef enum dlg_near_dup {
	DLG_NEAR_DUP_DEFAULT = 0, /* group in dlg_run(); off in the map/reduce/finalize steps,
				     which cannot compare conversations across parts */
	DLG_NEAR_DUP_GROUP = 1,   /* a cluster's members all go to its first member's split */
	DLG_NEAR_DUP_DROP = 2,    /* the first member is kept, the others dropped (W321) */
	DLG_NEAR_DUP_OFF = 3
} dlg_near_dup;
/** What to do with assistant turns a conversation opens with (after any system turns). */
typedef enum dlg_leading_assistant {
	DLG_LEADING_ASSISTANT_ERROR = 0, /* E202 rejects the conversation */
	DLG_LEADING_ASSISTANT_DROP,      /* drop them (W318) */
	DLG_LEADING_ASSISTANT_KEEP       /* keep them (messages, sharegpt and text formats) */
} dlg_leading_assistant;

/** What a conversation over options.max_tokens becomes (docs/tokenizers.md "Limits"). */
typedef enum dlg_over_limit {
	DLG_OVER_LIMIT_ERROR = 0,     /* E220 rejects it */
	DLG_OVER_LIMIT_DROP,          /* left out, to rejects.jsonl, with warning W330 */
	DLG_OVER_LIMIT_TRUNCATE_TURNS /* whole exchanges removed from its start (W331) */
} dlg_over_limit;

typedef enum dlg_split_key {
	DLG_SPLIT_KEY_CONTENT = 0,
	DLG_SPLIT_KEY_SOURCE,
	DLG_SPLIT_KEY_GROUP
} dlg_split_key;

/**
 * Allocation hooks (dlg_options.allocator); all three are set, or the pointer is NULL for the
 * C library's. A run allocates through them, realpath()'s buffers and zlib's state and window
 * included, except what these take from malloc themselves, having no per-call allocator:
 *  - OpenSSL's SHA-256 context (EVP_MD_CTX), one per output file: its only hooks
 *    (CRYPTO_set_mem_functions) are process-wide;
 *  - libdeflate's compressors, one per writer: libdeflate 1.14 (Debian 12) has only the
 *    process-wide libdeflate_set_memory_allocator (a per-compressor one came in 1.19);
 *  - cJSON's trees (manifests, JSON inputs, kept fields): cJSON_InitHooks is process-wide;
 *  - iconv_open()'s converter (input_encoding) and regcomp()'s pattern (group_regex);
 *  - the C library's DIR and FILE streams (opendir, fopen), the worker threads
 *    (pthread_create) and the merge buffer glibc's qsort() may take.
 * What a call hands the caller to release with dlg_free() or dlg_leakage_dispose() (from
 * dlg_diag_format, dlg_sarif_open, dlg_convert_buffer; dlg_leakage_report's arrays) is plain
 * malloc whatever the options say, as those releasers take no allocator; so is the scratch
 * of calls that take no options (dlg_diag_format, dlg_sarif_open).
 */
typedef struct dlg_allocator {
	void *(*malloc_fn)(size_t size, void *payload);
	void *(*realloc_fn)(void *ptr, size_t size, void *payload);
	void (*free_fn)(void *ptr, void *payload);
	void *payload;
} dlg_allocator;

/** How far a run has got; see dlg_options.progress. */
typedef struct dlg_progress {
	uint64_t files_done;
	uint64_t files_total;
	uint64_t bytes_done;  /* of the input files' sizes on disk */
	uint64_t bytes_total;
	uint64_t conversations;
} dlg_progress;

/** Called after each file (or chunk of records) is committed, from one thread at a time. */
typedef void (*dlg_progress_fn)(const dlg_progress *p, void *payload);

/** A conversation as dlg_run() commits it; read it with dlg_conv_*() during the callback. */
typedef struct dlg_conv dlg_conv;

typedef enum dlg_fate {
	DLG_FATE_WRITTEN = 0,
	DLG_FATE_REJECTED,
	DLG_FATE_DUPLICATE,
	DLG_FATE_NEAR_DUPLICATE /* dropped by --near-dup drop */
} dlg_fate;

/**
 * Called for every conversation, in input order, from one thread at a time: its fate, and
 * for a written one the index of its split. `c` is borrowed for the call.
 */
typedef void (*dlg_conv_fn)(const dlg_conv *c, dlg_fate fate, size_t split, void *payload);

/*
 * The dlg_conv_*() readers check their arguments in every build, not only with assertions
 * on: a NULL `c`, a `turn` at or past dlg_conv_turns() or a `k` at or past
 * dlg_conv_stage_count() gets the value each one names below (0, NULL, DLG_ROLE_SYSTEM),
 * with *len_out set to 0; nothing is read out of bounds. `len_out` may be NULL.
 */

/** Number of turns (after merging and dropping; 0 when the bytes were unusable). */
DLG_API size_t dlg_conv_turns(const dlg_conv *c);
/** A turn's role; DLG_ROLE_SYSTEM out of range, which is also a real role: check the index
 * against dlg_conv_turns() when it may be out of range. */
DLG_API dlg_role dlg_conv_role(const dlg_conv *c, size_t turn);
/** The normalized content of a turn (not NUL-terminated; borrowed), its length in
 * *len_out; NULL and 0 out of range (an empty turn gives a non-NULL pointer and 0). */
DLG_API const char *dlg_conv_content(const dlg_conv *c, size_t turn, size_t *len_out);
/** Number of stage directions taken out of a turn; 0 out of range. */
DLG_API size_t dlg_conv_stage_count(const dlg_conv *c, size_t turn);
/** Stage direction k of a turn, canonical (not NUL-terminated; borrowed), its length in
 * *len_out; NULL and 0 when `turn` or `k` is out of range. */
DLG_API const char *dlg_conv_stage(const dlg_conv *c, size_t turn, size_t k, size_t *len_out);

/** Where stage direction k of a turn stood: a code-point offset into its content; 0 when
 * `turn` or `k` is out of range. */
DLG_API size_t dlg_conv_stage_offset(const dlg_conv *c, size_t turn, size_t k);
/** A turn's tokens under options.tokenizer (its content alone, docs/tokenizers.md
 * "Counts"); 0 without a tokenizer, for a rejected conversation, or out of range. */
DLG_API size_t dlg_conv_tokens(const dlg_conv *c, size_t turn);
/** The conversation's tokens and its trainable ones under options.tokenizer: of its
 * rendering under the chat template when there is one (docs/templates.md), else the sums of
 * dlg_conv_tokens (trainable: the assistant turns'); both 0 without a tokenizer. */
DLG_API void dlg_conv_token_sums(const dlg_conv *c, uint64_t *total, uint64_t *trainable);
/** The input's source name (docs/rules.md "Sources and paths"; borrowed, NUL-terminated);
 * NULL for a NULL c. */
DLG_API const char *dlg_conv_source(const dlg_conv *c);
/** The record's line in a JSON-lines file (or index in a .json array); 0 for a text file. */
DLG_API uint64_t dlg_conv_record(const dlg_conv *c);
/** How the conversation was read (docs/rules.md "Record shapes"): "messages",
 * "conversations", "alpaca", "prompt/response", "preference", "prompt/completion",
 * "openai-preference", "transcript"; NULL for a NULL c. Static. */
DLG_API const char *dlg_conv_shape(const dlg_conv *c);
/** The record's fields and what each was read as, "system -> system, conversations ->
 * messages, tools -> tools"; "" for a text file. Borrowed, NUL-terminated. */
DLG_API const char *dlg_conv_shape_fields(const dlg_conv *c);

/** A `*…*` or `_…_` span that dlg_stage_scan() looked at, and what it decided. */
typedef struct dlg_stage_span {
	size_t start;      /* byte offset of the opening delimiter */
	size_t end;        /* byte offset just after the closing delimiter */
	int direction;     /* non-zero: a stage direction; zero: text */
	const char *why;   /* static: the reason, e.g. "inside a sentence: emphasis" */
} dlg_stage_span;

typedef void (*dlg_stage_span_fn)(const dlg_stage_span *s, void *payload);

/**
 * Every candidate stage-direction span of `text` (`len` bytes of valid UTF-8, one turn),
 * in order, to `fn` with the decision the conversion makes (docs/rules.md "Stage directions"):
 * for auditing a corpus. Spans inside a direction are not reported again.
 */
DLG_API void dlg_stage_scan(const char *text, size_t len, dlg_stage_span_fn fn, void *payload);

/** Number of code points in valid UTF-8 (what --max-turn-chars counts). */
DLG_API size_t dlg_utf8_chars(const char *p, size_t len);

/*
 * Everything a run can be told; all pointers are borrowed. Versioned as libgit2's options
 * are, so that a program built against an older header keeps working (docs/abi.md):
 *  - `dlg_options o = {0};` (or DLG_OPTIONS_INIT) is version 0: every field left 0 takes
 *    its default, including those whose default is not 0 (min_turns 2, max_rejects
 *    unlimited, max_input_bytes 256 MiB, near_dup_threshold 0.8);
 *  - dlg_options_init(&o, DLG_OPTIONS_VERSION) fills in every default and sets `version`:
 *    then each field means what it holds (min_turns 0 is no minimum, max_rejects 0 allows
 *    none).
 * The option table (dlg_option_get) names, types, bounds and describes every field a user
 * can set by name.
 */
#define DLG_OPTIONS_VERSION 1

typedef struct dlg_options {
	unsigned version;            /* DLG_OPTIONS_VERSION, or 0: see above */
	const dlg_role_label *roles; /* added to or overriding Human/Assistant/System */
	size_t n_roles;
	int keep_preamble;           /* keep text before the first marker in meta.preamble */
	dlg_stage_mode stage;
	int nfkc;                    /* NFKC instead of NFC */
	int ascii_punct;             /* curly quotes, dashes, ellipsis -> ASCII */
	int strict;                  /* warnings are errors */
	unsigned min_turns;          /* E207 below this many user/assistant turns */
	uint64_t max_turn_chars;     /* E208 above this many code points; 0 = unlimited */
	int merge_consecutive;       /* join same-role neighbours instead of E203 */
	int drop_trailing_user;      /* drop a final user turn (W309) instead of E206 */
	const dlg_split *splits;     /* NULL: train=0.9,validation=0.05,test=0.05 */
	size_t n_splits;
	uint64_t seed;
	dlg_split_key split_key;
	const char *group_regex;     /* POSIX ERE; first capture group of the source is the key */
	int no_dedup;                /* keep exact duplicates */
	dlg_format format;
	const char *text_field;      /* JSON records: dotted path of the transcript string
					(e.g. "choices.0.turns.0"); NULL: a "messages" or
					"conversations" array, else "text" */
	const char *response_field;  /* JSON records: a string that is the reply to the
					transcript (fills its empty last assistant turn) */
	uint64_t max_rejects;        /* UINT64_MAX: no limit */
	const char *const *include;  /* fnmatch globs; a file must match one when any is given */
	size_t n_include;
	const char *const *exclude;  /* fnmatch globs; a matching file is skipped */
	size_t n_exclude;
	const char *output_dir;      /* NULL: validate only, write nothing */
	int force;                   /* replace dlgconv's own files in a non-empty output_dir */
	uint64_t max_input_bytes;    /* a larger input file is an error */
	unsigned threads;            /* 0: one per online core; the output never depends on it */
	const volatile sig_atomic_t *cancel; /* when it becomes non-zero (e.g. from a signal
						handler) the run stops and cleans up */
	dlg_progress_fn progress;    /* NULL: none; its payload is dlg_run's */
	dlg_conv_fn on_conversation; /* NULL: none; its payload is dlg_run's */
	const dlg_allocator *allocator; /* NULL: malloc/realloc/free; must be thread-safe
					   unless threads is 1 */
	const char *input_encoding;  /* an iconv name such as "cp1252"; NULL: UTF-8 */
	int fix_mojibake;            /* repair UTF-8 that was decoded as Windows-1252/Latin-1 */
	int keep_unicode_spaces;     /* keep U+00A0, U+202F and other Zs spaces as they are */
	dlg_compress compress;       /* <split>.jsonl.gz (default) or <split>.jsonl */
	int bare;                    /* records hold only what the format defines; ids and
					sources go to provenance.jsonl */
	const char *rejected_field;  /* JSON records: the rejected transcript of a preference
					pair (the chosen one is at text_field) */
	/* which warnings are reported (docs/rules.md "Choosing findings"); errors always are */
	const dlg_diag_code *ignore; /* warnings not reported; what their rule does still
					happens (a duplicate is still dropped) */
	size_t n_ignore;
	const dlg_diag_code *select; /* when any: the only warnings reported */
	size_t n_select;
	const dlg_diag_code *error_codes; /* warnings that reject the conversation */
	size_t n_error_codes;
	dlg_near_dup near_dup;
	double near_dup_threshold;   /* estimated Jaccard similarity, in (0, 1]; default 0.8 */
	const char *messages_field;  /* JSON records: dotted path of the messages array; NULL:
					"messages", else "conversations" */
	const char *role_key;        /* a message's role key; NULL: the first of "role", "from"
					and "speaker" that it has */
	const char *content_key;     /* a message's content key; NULL: the first of "content",
					"value" and "text" that it has */
	dlg_leading_assistant leading_assistant;
	const char *const *keep_fields; /* JSON records: top-level fields copied into meta (a
					   record without one gets null) */
	size_t n_keep_fields;        /* at most DLG_MAX_KEEP_FIELDS */
	unsigned shards;             /* files per split, at most DLG_MAX_SHARDS; 0 or 1: one
					<split>.jsonl.gz, else <split>-SSSSS-of-NNNNN.jsonl.gz with
					each record placed by a hash of its id */
	const char *prompt_field;    /* JSON records: the prompt string at this dotted path is
					the user turn (--response-field holds its reply) */
	const char *system_field;    /* JSON records: the system prompt string at this dotted
					path; NULL: a top-level "system" string */
	const char *const *keep_message_fields; /* message-level fields copied into each
						   written message (null when it has none) */
	size_t n_keep_message_fields; /* at most DLG_MAX_KEEP_FIELDS */
	int split_think;             /* a reply's leading <think>...</think> becomes its
					reasoning_content */
	const char *tokenizer;       /* a model's tokenizer (docs/tokenizers.md): a directory
					with tokenizer.json, or a tiktoken rank file; each
					message's tokens are counted; NULL: none */
	int emit_token_counts;       /* each record's meta.tokens (needs tokenizer) */
	uint64_t max_tokens;         /* a conversation's most tokens (needs tokenizer); 0: none */
	dlg_over_limit over_limit;   /* what a conversation over max_tokens becomes */
	uint64_t memory_budget;      /* bytes the conversations in flight may take, by the
					estimate of docs/performance.md; one that would take more
					alone is refused (E105) */
	const char *chat_template;   /* the chat template tokens are counted under (needs
					tokenizer; docs/templates.md): a built-in's name,
					"tokenizer", "none"; NULL: the tokenizer's own if it has
					one, else none */
} dlg_options;

#define DLG_MAX_SHARDS 1024

#define DLG_MAX_KEEP_FIELDS 64

/** A version-0 struct: every field takes its default. */
#ifdef __cplusplus
#define DLG_OPTIONS_INIT {}
#else
#define DLG_OPTIONS_INIT { 0 }
#endif

/**
 * Fill `o` with every default (all pointers NULL) for the caller's `version` (pass
 * DLG_OPTIONS_VERSION). Returns DLG_OK, or DLG_E_ARG for a version this library does not
 * know (a newer header than the library).
 */
DLG_API dlg_status dlg_options_init(dlg_options *o, unsigned version);

/** How an option's value is written (on a command line, in a config file). */
typedef enum dlg_option_type {
	DLG_OPTION_FLAG = 0, /* no value: setting it turns it on */
	DLG_OPTION_NUMBER,   /* a whole number from `min` to `max` */
	DLG_OPTION_FRACTION, /* a number from `min` to `max`, such as 0.8 */
	DLG_OPTION_CHOICE,   /* one of `choices` */
	DLG_OPTION_TEXT,     /* a string */
	DLG_OPTION_LIST      /* repeatable, or items separated by commas */
} dlg_option_type;

/** The option changes what a dataset holds: it is in the manifest, and the map/reduce
 * steps refuse parts made with another value. */
#define DLG_OPTION_OUTPUT 1u
/** A list option given more than once adds up (a config file may give an array). */
#define DLG_OPTION_REPEATABLE 2u
/** The value must be above `min`, not equal to it. */
#define DLG_OPTION_ABOVE_MIN 4u

/** One option of the table; all strings static. */
typedef struct dlg_option_info {
	const char *name;     /* "max-rejects": its name on the command line and in a config */
	const char *key;      /* "max_rejects": its key in manifest.json */
	const char *metavar;  /* "N"; NULL for a flag */
	dlg_option_type type;
	const char *const *choices; /* DLG_OPTION_CHOICE: NULL-terminated; else NULL */
	double min, max;      /* DLG_OPTION_NUMBER and DLG_OPTION_FRACTION */
	const char *values;   /* the values it takes, in words ("0 to 100000"); NULL: any */
	const char *help;     /* one line, for --help */
	const char *doc;      /* the manual's paragraph */
	unsigned flags;       /* DLG_OPTION_OUTPUT, DLG_OPTION_REPEATABLE, DLG_OPTION_ABOVE_MIN */
} dlg_option_info;

/** The number of options in the table. */
DLG_API size_t dlg_option_count(void);
/** Option `i` of the table, or NULL past its end. Static. */
DLG_API const dlg_option_info *dlg_option_get(size_t i);
/** The option called `name` ("max-rejects"), or NULL. Static. */
DLG_API const dlg_option_info *dlg_option_find(const char *name);

/**
 * Read `value` as option `info` takes it (any option's description, the library's or a
 * program's own): a DLG_OPTION_NUMBER's digits within its bounds into *number_out, a
 * DLG_OPTION_FRACTION within its bounds into *fraction_out. Returns DLG_OK, or DLG_E_ARG
 * with `err->msg` saying which values it takes (`info->values`).
 */
DLG_API dlg_status dlg_option_parse(const dlg_option_info *info, const char *value,
				    uint64_t *number_out, double *fraction_out, dlg_error *err);

/**
 * Set option `name` of `o` from its text `value` (NULL for a flag). Takes the options whose
 * value is one flag, number, fraction, choice or string; `value` is borrowed for as long as
 * `o` is used. Returns DLG_OK, or DLG_E_ARG with `err->msg` saying which values it takes
 * ("0 to 100000") for a value it does not, or that a list option is set through its field.
 */
DLG_API dlg_status dlg_option_set(dlg_options *o, const char *name, const char *value,
				  dlg_error *err);

/** Normalization fixes, each counted in the manifest. */
typedef enum dlg_fix {
	DLG_FIX_BOM = 0,          /* leading byte-order mark dropped */
	DLG_FIX_CRLF,             /* CRLF or lone CR line end made LF */
	DLG_FIX_UNICODE_NORM,     /* turn changed by NFC (or NFKC) */
	DLG_FIX_CONTROL,          /* control or invisible character removed */
	DLG_FIX_SPACE,            /* non-ASCII space separator made ASCII space */
	DLG_FIX_ASCII_PUNCT,      /* curly quote, dash or ellipsis made ASCII */
	DLG_FIX_TRAILING_SPACE,   /* line with trailing spaces stripped */
	DLG_FIX_BLANK_LINES,      /* run of 3+ newlines collapsed to 2 */
	DLG_FIX_STAGE_EXTRACTED,  /* stage direction moved to stage_directions */
	DLG_FIX_STAGE_KEPT,       /* stage direction recognised and left as written */
	DLG_FIX_STAGE_STRIPPED,   /* stage direction removed */
	DLG_FIX_MERGED,           /* same-role neighbours merged */
	DLG_FIX_MOJIBAKE,         /* mis-decoded sequence repaired (--fix-mojibake) */
	DLG_FIX_COUNT
} dlg_fix;

/** Stable snake_case name of a fix, as in manifest.json. */
DLG_API const char *dlg_fix_name(dlg_fix fix);

#define DLG_MAX_SPLITS 16

/** Room for this many fixes in dlg_summary.fixes, so that a new fix moves no other field. */
#define DLG_FIX_ROOM 32

/** What a run did. Filled by dlg_run() whether it succeeds or not. A later version may add
 * fields at its end, written only for callers whose `size` holds them (docs/abi.md). */
typedef struct dlg_summary {
	size_t size;             /* set by the caller: sizeof(dlg_summary); 0 means this
				    version's size. Kept as it is by the call */
	uint64_t files;          /* input files read */
	uint64_t inputs;         /* conversations seen */
	uint64_t written;        /* conversations accepted (written, for convert) */
	uint64_t rejected;       /* conversations with an error */
	uint64_t duplicates;     /* exact duplicates dropped */
	uint64_t near_duplicates; /* dropped by --near-dup drop; inputs = written + rejected +
				     duplicates + near_duplicates */
	uint64_t near_dup_clusters; /* --near-dup: clusters of two or more conversations */
	uint64_t errors;         /* findings of error severity */
	uint64_t warnings;       /* findings of warning severity */
	uint64_t split_written[DLG_MAX_SPLITS]; /* per split, in the order of options.splits */
	uint64_t fixes[DLG_FIX_ROOM]; /* by dlg_fix, the first DLG_FIX_COUNT used */
	/* with options.tokenizer: the written conversations' tokens per split, and the
	   trainable (assistant) ones among them */
	uint64_t split_tokens[DLG_MAX_SPLITS];
	uint64_t split_trainable_tokens[DLG_MAX_SPLITS];
} dlg_summary;

/**
 * Parse, normalize and validate every input; with `opts->output_dir`, write the dataset.
 *
 * `inputs` are files or directories (`-` is stdin). Findings go to `diag` (may be NULL),
 * in input order and from one thread at a time, though not always the calling thread.
 * `*out` is filled in either way. Returns DLG_OK when the run completed (even with rejected
 * conversations), DLG_E_REJECTS when more than `max_rejects` were rejected (nothing is
 * written), or an error status with `err` filled in; on failure the output directory holds
 * exactly what it held before.
 */
DLG_API dlg_status dlg_run(dlg_summary *out, const char *const *inputs, size_t n_inputs,
			   const dlg_options *opts, dlg_diag_fn diag, void *payload,
			   dlg_error *err);

/*
 * Map/reduce (docs/map-reduce.md): the same dataset as dlg_run() with `shards`, byte for
 * byte, made by steps a batch scheduler runs as job arrays. Every step takes the options
 * convert would (checked against the parts'); keep_fields and bare are refused. With near_dup
 * group (DLG_OPTIONS_INIT's) or drop, dlg_bands (every band task) and dlg_cluster run after
 * every map and before any reduce; set DLG_NEAR_DUP_OFF to run without them.
 */

/**
 * Map step: run the stages up to the split on the part-th of `parts` slices of the inputs
 * (every part discovers them all the same way) and commit WORK/part-KKKKK-of-MMMMM atomically:
 * a bucket per split and shard, a journal of its rejects and kept ids, a partial manifest.
 * A rerun replaces the part whole. `*out` holds the part's counts. Returns as dlg_run().
 */
DLG_API dlg_status dlg_map(dlg_summary *out, const char *const *inputs, size_t n_inputs,
			   unsigned part, unsigned parts, const char *work_dir,
			   const dlg_options *opts, dlg_diag_fn diag, void *payload,
			   dlg_error *err);

/**
 * Reduce step: merge bucket `shard` (of opts->shards) of every part in part order, drop the
 * ids an earlier part kept, compress as convert does, and commit WORK/shard-SSSSS-of-NNNNN.
 * Fails naming a part that is missing or incomplete. Returns DLG_OK or an error status.
 */
DLG_API dlg_status dlg_reduce(const char *work_dir, unsigned shard, const dlg_options *opts,
			      dlg_error *err);

/**
 * Band step of --near-dup group|drop (docs/map-reduce.md "Near-duplicates"): the LSH band
 * keys of task `band` of `bands` (a key is a task's by its hash), looked up across the
 * signatures of every part in WORK in input order; commits WORK/bands-BBBBB-of-NNNNN with each
 * conversation that shares a key with an earlier one, and that one. Returns DLG_OK or an
 * error status.
 */
#define DLG_MAX_BANDS 4096
DLG_API dlg_status dlg_bands(const char *work_dir, unsigned band, unsigned bands,
			     const dlg_options *opts, dlg_error *err);

/**
 * Cluster step: the pairs of every band task confirmed and resolved in input order into the
 * clusters dlg_run() forms (the earliest match wins, clusters never merge); commits
 * WORK/clusters with each conversation's split, or that --near-dup drop drops it. `*out`
 * holds near_duplicates and near_dup_clusters. Returns DLG_OK or an error status.
 */
DLG_API dlg_status dlg_cluster(dlg_summary *out, const char *work_dir, const dlg_options *opts,
			       dlg_error *err);

/**
 * Finalize step: check every part and shard in WORK, then commit opts->output_dir as
 * dlg_run() would have: the shards, rejects.jsonl in input order, README.md and
 * manifest.json. `*out` holds the run's counts. Returns as dlg_run().
 */
DLG_API dlg_status dlg_finalize(dlg_summary *out, const char *work_dir, const dlg_options *opts,
				dlg_error *err);

#define DLG_LEAK_EXAMPLES 10

/** One side of a near-duplicate pair `dlg_leakage` found. */
typedef struct dlg_leak_side {
	const char *label;    /* a split name (the report's), or an --against path (the
				 caller's) */
	char id[33];          /* the conversation's id, as in the dataset */
	uint64_t record;      /* its line in that file */
} dlg_leak_side;

typedef struct dlg_leak_pair {
	dlg_leak_side a, b;   /* b is a conversation of the dataset */
	double similarity;    /* estimated Jaccard similarity of their word 3-grams */
} dlg_leak_pair;

/** What `dlg_leakage` found. Release with dlg_leakage_dispose(). */
typedef struct dlg_leakage_report {
	double threshold;          /* the similarity compared with */
	size_t n_splits;
	char **splits;             /* the dataset's split names, sorted */
	uint64_t *conversations;   /* per split */
	uint64_t *leaked;          /* [i * n_splits + j]: conversations of split i with a
				      near-duplicate in split j (i != j) */
	uint64_t total;            /* conversations in the dataset */
	uint64_t total_leaked;     /* of them with a near-duplicate in another split */
	dlg_leak_pair worst[DLG_LEAK_EXAMPLES]; /* the most similar cross-split pairs */
	size_t n_worst;
	uint64_t against_conversations; /* in the --against files */
	uint64_t against_leaked;   /* dataset conversations with a near-duplicate there */
	dlg_leak_pair against_worst[DLG_LEAK_EXAMPLES];
	size_t n_against_worst;
	uint64_t unread;           /* records of the dataset or the --against files that are no
				      conversation dlgconv reads (rejected as convert rejects
				      them): left out of every rate */
	char unread_example[512];  /* the first one's finding, "file:line:col: message [E103]",
				      or "" */
} dlg_leakage_report;

/**
 * Near-duplicates across the splits of `dataset` (a directory of <split>.jsonl[.gz] files
 * in any format dlgconv reads: its own output, or messages/sharegpt/text JSON lines), and
 * between the dataset and the `against` files (an evaluation set: contamination), with
 * opts->near_dup_threshold (docs/usage.md "Leakage"). Other options say how to read the files.
 */
DLG_API dlg_status dlg_leakage(dlg_leakage_report *out, const char *dataset,
			       const char *const *against, size_t n_against,
			       const dlg_options *opts, dlg_error *err);
DLG_API void dlg_leakage_dispose(dlg_leakage_report *r);

/**
 * Convert one text transcript held in memory: parse, normalize and validate `data`
 * (`len` bytes, not NUL-terminated) as the file `source`, and render its record in
 * opts->format. Findings go to `diag`. `*out` receives the record line (with its '\n',
 * NUL-terminated; release with dlg_free), or NULL when an error rejected the conversation.
 * Splits, dedup and output_dir do not apply. Returns DLG_OK or an error status.
 */
DLG_API dlg_status dlg_convert_buffer(char **out, const char *data, size_t len,
				      const char *source, const dlg_options *opts,
				      dlg_diag_fn diag, void *payload, dlg_error *err);

/** The library's version, such as "0.1.0". */
DLG_API const char *dlg_version(void);

#ifdef __cplusplus
}
#endif

#endif /* DLGCONV_H */
