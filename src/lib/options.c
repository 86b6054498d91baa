/*
 * options.c - the option table (dlgconv.h's dlg_option_*): every option a user sets by name,
 * with its type, values, default, help and manual text, and whether it changes the output;
 * setting one from text, the defaults of a zeroed or versioned struct, and how the manifest
 * writes each (manifest.c). The command line, the --config schema and the manual are made
 * from it, so they cannot disagree. Uses error.c.
 */
#include "options.h"
#include "error.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* How an option's value is held in dlg_options. */
typedef enum field_kind {
	F_INT,      /* int: a flag, or a choice whose value is its index */
	F_ENUM,     /* an enum: a choice */
	F_UNSIGNED,
	F_U64,
	F_DOUBLE,
	F_TEXT,     /* const char *, NULL when not given */
	F_LIST      /* a pointer and a count (count_offset): lists the caller sets */
} field_kind;

/* How an option is written in manifest.json (options_json's forms, kept since version 1). */
typedef enum render {
	R_NONE,         /* not in the manifest: it does not change the output */
	R_AS_TYPED,     /* a flag true/false, a number, a choice's name, a string or null, a list
			   of strings */
	R_FLAG_NAMES,   /* a flag as one of two names */
	R_INVERTED,     /* a flag as the boolean it turns off */
	R_LIMIT,        /* a number, or null for `unlimited` */
	R_TEXT_DEFAULT, /* a string, `text_default` when not given */
	R_DIGITS,       /* a 64-bit number as a string of digits (a JSON number may lose it) */
	R_ROLES,        /* every label with its role (the run context's) */
	R_SPLITS,       /* every split with its weight (the run context's) */
	R_CODES         /* finding codes as "W303" */
} render;

typedef struct option {
	dlg_option_info info;
	size_t offset;         /* of the field in dlg_options */
	field_kind kind;
	size_t count_offset;   /* F_LIST: of its count */
	double fallback;       /* the default, where it is not 0 */
	const int *choice_values; /* a choice's enum value; NULL: its index */
	render render;
	const char *const *flag_names; /* R_FLAG_NAMES: {off, on} */
	uint64_t unlimited;    /* R_LIMIT */
	const char *text_default; /* R_TEXT_DEFAULT */
	bool sparse;           /* in the manifest only when not the default, so that a
				  dataset made without it has the manifest it had before the
				  option was there */
} option;

#define FIELD(f) offsetof(dlg_options, f)
#define OUT DLG_OPTION_OUTPUT
#define REPEAT DLG_OPTION_REPEATABLE
#define ABOVE DLG_OPTION_ABOVE_MIN
#define U64_MAX_TEXT "18446744073709551615"
#define U64_RANGE "digits only, 0 to " U64_MAX_TEXT
#define U64_POSITIVE "digits only, 1 to " U64_MAX_TEXT

static const char *const stage_names[] = { "extract", "keep", "strip", NULL };
static const char *const unicode_names[] = { "nfc", "nfkc" };
static const char *const trailing_names[] = { "error", "drop", NULL };
static const char *const split_key_names[] = { "content", "source", "group", NULL };
static const char *const near_dup_names[] = { "off", "group", "drop", NULL };
static const int near_dup_values[] = { DLG_NEAR_DUP_OFF, DLG_NEAR_DUP_GROUP, DLG_NEAR_DUP_DROP };
static const char *const format_names[] = { "messages", "sharegpt", "text", "preference",
					    "openai-preference", NULL };
static const char *const compress_names[] = { "gzip", "none", NULL };
static const char *const leading_names[] = { "error", "drop", "keep", NULL };
static const char *const over_limit_names[] = { "error", "drop", "truncate-turns", NULL };

/* In the order of the manifest's options. */
static const option table[] = {
	{ { "role", "roles", "LABEL=ROLE", DLG_OPTION_LIST, NULL, 0, 0,
	    "LABEL=user|assistant|system",
	    "treat marker LABEL as user, assistant or system (repeatable)",
	    "Treat marker LABEL as user, assistant or system (repeatable).", OUT | REPEAT },
	  FIELD(roles), F_LIST, FIELD(n_roles), 0, NULL, R_ROLES, NULL, 0, NULL, false },
	{ { "keep-preamble", "keep_preamble", NULL, DLG_OPTION_FLAG, NULL, 0, 0, NULL,
	    "keep text before the first turn in meta.preamble",
	    "Keep text before the first turn in meta.preamble.", OUT },
	  FIELD(keep_preamble), F_INT, 0, 0, NULL, R_AS_TYPED, NULL, 0, NULL, false },
	{ { "stage", "stage", "MODE", DLG_OPTION_CHOICE, stage_names, 0, 0,
	    "extract, keep or strip",
	    "stage directions like *sighs*: extract (default), keep or strip",
	    "Stage directions: move to stage_directions with their places (default), keep as "
	    "written, or drop.", OUT },
	  FIELD(stage), F_ENUM, 0, 0, NULL, R_AS_TYPED, NULL, 0, NULL, false },
	{ { "nfkc", "unicode", NULL, DLG_OPTION_FLAG, NULL, 0, 0, NULL,
	    "normalize to NFKC instead of NFC", "Normalize to NFKC instead of NFC.", OUT },
	  FIELD(nfkc), F_INT, 0, 0, NULL, R_FLAG_NAMES, unicode_names, 0, NULL, false },
	{ { "ascii-punct", "ascii_punct", NULL, DLG_OPTION_FLAG, NULL, 0, 0, NULL,
	    "map curly quotes, dashes and the ellipsis to ASCII",
	    "Map curly quotes, dashes and the ellipsis to ASCII.", OUT },
	  FIELD(ascii_punct), F_INT, 0, 0, NULL, R_AS_TYPED, NULL, 0, NULL, false },
	{ { "input-encoding", "input_encoding", "NAME", DLG_OPTION_TEXT, NULL, 0, 0,
	    "an encoding name",
	    "read inputs in encoding NAME (any iconv name, e.g. cp1252; default UTF-8)",
	    "Read inputs in encoding NAME (any name iconv knows, e.g. cp1252); default UTF-8.",
	    OUT },
	  FIELD(input_encoding), F_TEXT, 0, 0, NULL, R_TEXT_DEFAULT, NULL, 0, "UTF-8",
	  false },
	{ { "fix-mojibake", "fix_mojibake", NULL, DLG_OPTION_FLAG, NULL, 0, 0, NULL,
	    "repair UTF-8 text mis-decoded as Windows-1252 or Latin-1 (Iâ€™m -> I’m)",
	    "Repair UTF-8 text that was decoded as Windows-1252 or Latin-1 (each repair "
	    "counted, W305).", OUT },
	  FIELD(fix_mojibake), F_INT, 0, 0, NULL, R_AS_TYPED, NULL, 0, NULL, false },
	{ { "keep-unicode-spaces", "keep_unicode_spaces", NULL, DLG_OPTION_FLAG, NULL, 0, 0,
	    NULL, "keep U+00A0, U+202F and other Unicode spaces (default: make them ASCII "
	    "spaces)",
	    "Keep U+00A0, U+202F and other Unicode space separators as they are (default: "
	    "ASCII space).", OUT },
	  FIELD(keep_unicode_spaces), F_INT, 0, 0, NULL, R_AS_TYPED, NULL, 0, NULL,
	  false },
	{ { "strict", "strict", NULL, DLG_OPTION_FLAG, NULL, 0, 0, NULL,
	    "treat warnings as errors",
	    "Treat warnings as errors (not those --ignore or --select leave out).", OUT },
	  FIELD(strict), F_INT, 0, 0, NULL, R_AS_TYPED, NULL, 0, NULL, false },
	{ { "min-turns", "min_turns", "N", DLG_OPTION_NUMBER, NULL, 0, 100000, "0 to 100000",
	    "reject conversations with fewer user/assistant turns (default 2)",
	    "Reject conversations with fewer user/assistant turns (default 2).", OUT },
	  FIELD(min_turns), F_UNSIGNED, 0, 2, NULL, R_AS_TYPED, NULL, 0, NULL,
	  false },
	{ { "max-turn-chars", "max_turn_chars", "N", DLG_OPTION_NUMBER, NULL, 1,
	    (double)UINT64_MAX, U64_POSITIVE,
	    "reject turns longer than N code points (default unlimited)",
	    "Reject turns longer than N code points.", OUT },
	  FIELD(max_turn_chars), F_U64, 0, 0, NULL, R_LIMIT, NULL, 0, NULL,
	  false },
	{ { "merge-consecutive", "merge_consecutive", NULL, DLG_OPTION_FLAG, NULL, 0, 0, NULL,
	    "join consecutive turns of one role instead of rejecting (E203)",
	    "Join consecutive turns of one role instead of rejecting them.", OUT },
	  FIELD(merge_consecutive), F_INT, 0, 0, NULL, R_AS_TYPED, NULL, 0, NULL, false },
	{ { "trailing-user", "trailing_user", "MODE", DLG_OPTION_CHOICE, trailing_names, 0, 0,
	    "error or drop", "a final user turn: error (default, E206) or drop (W309)",
	    "A final user turn is an error (default) or is dropped.", OUT },
	  FIELD(drop_trailing_user), F_INT, 0, 0, NULL, R_AS_TYPED, NULL, 0, NULL,
	  false },
	{ { "split", "splits", "SPEC", DLG_OPTION_LIST, NULL, 0, 0, "NAME=WEIGHT,...",
	    "NAME=WEIGHT,... (default train=0.9,validation=0.05,test=0.05)",
	    "Splits and their relative weights (default train=0.9,validation=0.05,test=0.05).",
	    OUT },
	  FIELD(splits), F_LIST, FIELD(n_splits), 0, NULL, R_SPLITS, NULL, 0, NULL,
	  false },
	{ { "seed", "seed", "N", DLG_OPTION_NUMBER, NULL, 0, (double)UINT64_MAX, U64_RANGE,
	    "seed of the split assignment (default 0)", "Seed of the split assignment (default "
	    "0).", OUT },
	  FIELD(seed), F_U64, 0, 0, NULL, R_DIGITS, NULL, 0, NULL, false },
	{ { "split-key", "split_key", "KEY", DLG_OPTION_CHOICE, split_key_names, 0, 0,
	    "content, source or group",
	    "what decides the split: content (default), source or group",
	    "What decides a conversation's split: its normalized content (default), its "
	    "source path, or the first capture group of --group-regex on its source path.",
	    OUT },
	  FIELD(split_key), F_ENUM, 0, 0, NULL, R_AS_TYPED, NULL, 0, NULL, false },
	{ { "group-regex", "group_regex", "RE", DLG_OPTION_TEXT, NULL, 0, 0, NULL,
	    "with --split-key group: the first capture group of RE on the source path",
	    "POSIX extended regular expression with one capture group, for --split-key group.",
	    OUT },
	  FIELD(group_regex), F_TEXT, 0, 0, NULL, R_AS_TYPED, NULL, 0, NULL, false },
	{ { "no-dedup", "dedup", NULL, DLG_OPTION_FLAG, NULL, 0, 0, NULL,
	    "keep exact duplicate conversations", "Keep exact duplicate conversations.", OUT },
	  FIELD(no_dedup), F_INT, 0, 0, NULL, R_INVERTED, NULL, 0, NULL, false },
	{ { "near-dup", "near_dup", "MODE", DLG_OPTION_CHOICE, near_dup_names, 0, 0,
	    "off, group or drop",
	    "near-duplicate clusters: group (one split per cluster; the default, but off in "
	    "the cluster steps), drop (keep the first, W321 for the rest) or off",
	    "Near-duplicate clusters (MinHash over word 3-grams, turn boundaries counted): "
	    "group (default) puts every member of a cluster in the split of its first member, "
	    "so no near-copy crosses train and test; drop keeps the first member and leaves "
	    "the others out with W321; off skips the step. In the cluster steps off is the "
	    "default, and group or drop adds the bands and cluster steps between map and "
	    "reduce.", OUT },
	  FIELD(near_dup), F_ENUM, 0, 0, near_dup_values, R_AS_TYPED, NULL, 0, NULL,
	  false },
	{ { "near-dup-threshold", "near_dup_threshold", "J", DLG_OPTION_FRACTION, NULL, 0, 1,
	    "a similarity above 0 and at most 1, e.g. 0.8",
	    "Jaccard similarity of word 3-grams from which two conversations are "
	    "near-duplicates (default 0.8)",
	    "The Jaccard similarity of word 3-grams (each letter of a script written without "
	    "spaces, and each emoji, a word) from which two conversations are near-duplicates "
	    "(default 0.8): estimated by MinHash, exact when either has at most 32 distinct "
	    "3-grams; also what leakage compares with.", OUT | ABOVE },
	  FIELD(near_dup_threshold), F_DOUBLE, 0, 0.8, NULL, R_AS_TYPED, NULL, 0, NULL,
	  false },
	{ { "format", "format", "FORMAT", DLG_OPTION_CHOICE, format_names, 0, 0,
	    "messages, sharegpt, text, preference or openai-preference",
	    "records as messages (default), sharegpt, text, preference (TRL) or "
	    "openai-preference",
	    "Shape of the records (default messages); preference and openai-preference need "
	    "--rejected-field.", OUT },
	  FIELD(format), F_ENUM, 0, 0, NULL, R_AS_TYPED, NULL, 0, NULL, false },
	{ { "compress", "compress", "MODE", DLG_OPTION_CHOICE, compress_names, 0, 0,
	    "gzip or none", "gzip (default: <split>.jsonl.gz) or none (<split>.jsonl)",
	    "Write <split>.jsonl.gz (default) or <split>.jsonl.", OUT },
	  FIELD(compress), F_ENUM, 0, 0, NULL, R_AS_TYPED, NULL, 0, NULL, false },
	{ { "shards", "shards", "N", DLG_OPTION_NUMBER, NULL, 1, DLG_MAX_SHARDS, "1 to 1024",
	    "write each split as N files, <split>-SSSSS-of-NNNNN.jsonl.gz, by a hash of the id "
	    "(default 1)",
	    "Write each split as N files named as Hugging Face names shards, "
	    "<split>-00000-of-0000N.jsonl.gz, a record going to shard XXH3-64(its 16 id bytes, "
	    "seed 0x5348415244) mod N, in input order within its shard (default 1: one "
	    "<split>.jsonl.gz). A shard with no records gets no file. The manifest and the "
	    "card list every shard. Needs an open file per split and shard (1 to 1024).", OUT },
	  FIELD(shards), F_UNSIGNED, 0, 1, NULL, R_AS_TYPED, NULL, 0, NULL,
	  true },
	{ { "bare", "bare", NULL, DLG_OPTION_FLAG, NULL, 0, 0, NULL,
	    "records hold only the format's own keys (ids and sources go to "
	    "provenance.jsonl); stage directions stay in the text unless --stage says "
	    "otherwise",
	    "Records hold only the keys the format defines; ids and sources go to "
	    "provenance.jsonl. Stage directions stay in the text unless --stage says "
	    "otherwise.", OUT },
	  FIELD(bare), F_INT, 0, 0, NULL, R_AS_TYPED, NULL, 0, NULL, false },
	{ { "text-field", "text_field", "PATH", DLG_OPTION_TEXT, NULL, 0, 0, "a field name",
	    "JSON records: the transcript string at PATH (e.g. chosen, choices.0.turns.0)",
	    "JSON records: the transcript string at PATH, a dotted path with array indices "
	    "such as choices.0.turns.0.", OUT },
	  FIELD(text_field), F_TEXT, 0, 0, NULL, R_AS_TYPED, NULL, 0, NULL, false },
	{ { "response-field", "response_field", "PATH", DLG_OPTION_TEXT, NULL, 0, 0,
	    "a field name", "JSON records: the reply at PATH becomes the last assistant turn",
	    "JSON records: the reply at PATH becomes the last assistant turn.", OUT },
	  FIELD(response_field), F_TEXT, 0, 0, NULL, R_AS_TYPED, NULL, 0, NULL, false },
	{ { "rejected-field", "rejected_field", "PATH", DLG_OPTION_TEXT, NULL, 0, 0,
	    "a field name",
	    "JSON records: the rejected transcript at PATH pairs with --text-field's (chosen)",
	    "JSON records: the rejected transcript of a preference pair; --text-field names "
	    "the chosen one.", OUT },
	  FIELD(rejected_field), F_TEXT, 0, 0, NULL, R_AS_TYPED, NULL, 0, NULL, false },
	{ { "messages-field", "messages_field", "PATH", DLG_OPTION_TEXT, NULL, 0, 0,
	    "a field name",
	    "JSON records: the messages array at PATH (default: messages, then conversations)",
	    "JSON records: the messages array at PATH (a dotted path, such as dialog); default "
	    "messages, then conversations.", OUT },
	  FIELD(messages_field), F_TEXT, 0, 0, NULL, R_AS_TYPED, NULL, 0, NULL, false },
	{ { "role-key", "role_key", "KEY", DLG_OPTION_TEXT, NULL, 0, 0, "a field name",
	    "a message's role key (default: the first it has of role, from, speaker)",
	    "A message's role is at KEY; default: the first a message has of role, from, "
	    "speaker. Roles are user/human, assistant/gpt/bot/model/chatgpt/bing/bard, system, "
	    "or a --role label.", OUT },
	  FIELD(role_key), F_TEXT, 0, 0, NULL, R_AS_TYPED, NULL, 0, NULL, false },
	{ { "content-key", "content_key", "KEY", DLG_OPTION_TEXT, NULL, 0, 0, "a field name",
	    "a message's text key (default: the first it has of content, value, text)",
	    "A message's text is at KEY; default: the first a message has of content, value, "
	    "text. A text is a string, or OpenAI content parts whose text parts are joined "
	    "with a line break.", OUT },
	  FIELD(content_key), F_TEXT, 0, 0, NULL, R_AS_TYPED, NULL, 0, NULL, false },
	{ { "leading-assistant", "leading_assistant", "MODE", DLG_OPTION_CHOICE, leading_names,
	    0, 0, "error, drop or keep",
	    "assistant turns before the first user turn: error (default), drop or keep",
	    "Assistant turns before the first user turn (after any system turns): an error "
	    "(default, E202), dropped (W318), or kept (formats messages, sharegpt and text "
	    "only).", OUT },
	  FIELD(leading_assistant), F_ENUM, 0, 0, NULL, R_AS_TYPED, NULL, 0, NULL,
	  false },
	{ { "keep-fields", "keep_fields", "NAMES", DLG_OPTION_LIST, NULL, 0, 0,
	    "NAME,NAME,...",
	    "JSON records: copy top-level fields NAME,... into meta (repeatable)",
	    "JSON records: copy these top-level fields into meta, as written (repeatable); a "
	    "record without one gets null.", OUT | REPEAT },
	  FIELD(keep_fields), F_LIST, FIELD(n_keep_fields), 0, NULL, R_AS_TYPED, NULL, 0,
	  NULL, false },
	{ { "keep-message-fields", "keep_message_fields", "NAMES", DLG_OPTION_LIST, NULL, 0, 0,
	    "NAME,NAME,...",
	    "JSON records: copy message-level fields NAME,... into each written message "
	    "(repeatable)",
	    "JSON records: copy these fields of each message into the message written, as "
	    "written (repeatable); a message without one gets null, so that every message has "
	    "the same keys. Not with --format text, which has no messages.", OUT | REPEAT },
	  FIELD(keep_message_fields), F_LIST, FIELD(n_keep_message_fields), 0, NULL,
	  R_AS_TYPED, NULL, 0, NULL, true },
	{ { "prompt-field", "prompt_field", "PATH", DLG_OPTION_TEXT, NULL, 0, 0, "a field name",
	    "JSON records: the prompt string at PATH is the user turn (with --response-field)",
	    "JSON records: the prompt string at PATH (a dotted path) is the user turn, not a "
	    "transcript; --response-field names its reply. Question/answer sets: "
	    "--prompt-field question --response-field answer.", OUT },
	  FIELD(prompt_field), F_TEXT, 0, 0, NULL, R_AS_TYPED, NULL, 0, NULL, true },
	{ { "system-field", "system_field", "PATH", DLG_OPTION_TEXT, NULL, 0, 0, "a field name",
	    "JSON records: the system prompt string at PATH (default: a top-level system)",
	    "JSON records: the system prompt string at PATH becomes the first turn, before the "
	    "messages or the prompt; default: a top-level system string, as "
	    "LLaMA-Factory's sharegpt and alpaca records have. A record without it has none.",
	    OUT },
	  FIELD(system_field), F_TEXT, 0, 0, NULL, R_AS_TYPED, NULL, 0, NULL, true },
	{ { "split-think", "split_think", NULL, DLG_OPTION_FLAG, NULL, 0, 0, NULL,
	    "JSON records: a reply's leading <think>...</think> becomes its reasoning_content",
	    "JSON records: an assistant reply that begins with <think>...</think> has that "
	    "reasoning moved into the message's reasoning_content, and the text after it "
	    "(white space before it left out) is its content. Without it the tags stay in the "
	    "content as written.", OUT },
	  FIELD(split_think), F_INT, 0, 0, NULL, R_AS_TYPED, NULL, 0, NULL, true },
	{ { "max-rejects", "max_rejects", "N", DLG_OPTION_NUMBER, NULL, 0, (double)UINT64_MAX,
	    U64_RANGE, "fail and write nothing when more than N conversations are rejected",
	    "Fail (exit 1) and write nothing when more than N conversations are rejected.",
	    OUT },
	  FIELD(max_rejects), F_U64, 0, (double)UINT64_MAX, NULL, R_LIMIT, NULL,
	  UINT64_MAX, NULL, false },
	{ { "include", "include", "GLOB", DLG_OPTION_LIST, NULL, 0, 0, "a pattern",
	    "in directories, read only files matching GLOB (repeatable)",
	    "In directories, read only files matching GLOB (repeatable).", OUT | REPEAT },
	  FIELD(include), F_LIST, FIELD(n_include), 0, NULL, R_AS_TYPED, NULL, 0, NULL,
	  false },
	{ { "exclude", "exclude", "GLOB", DLG_OPTION_LIST, NULL, 0, 0, "a pattern",
	    "in directories, skip files and directories matching GLOB (repeatable)",
	    "In directories, skip files and directories (not entered) matching GLOB "
	    "(repeatable).", OUT | REPEAT },
	  FIELD(exclude), F_LIST, FIELD(n_exclude), 0, NULL, R_AS_TYPED, NULL, 0, NULL,
	  false },
	{ { "max-input-bytes", "max_input_bytes", "N", DLG_OPTION_NUMBER, NULL, 1,
	    (double)UINT64_MAX, U64_POSITIVE,
	    "refuse a file (once decompressed) or a JSON line over N bytes (default 268435456)",
	    "Refuse a file (once decompressed) or a JSON line over N bytes (default "
	    "268435456).", OUT },
	  FIELD(max_input_bytes), F_U64, 0, (double)((uint64_t)1 << 28), NULL,
	  R_AS_TYPED, NULL, 0, NULL, true },
	{ { "memory-budget", "memory_budget", "N", DLG_OPTION_NUMBER, NULL, 1,
	    (double)UINT64_MAX, U64_POSITIVE,
	    "memory the conversations in flight may take, in bytes; one over it is refused "
	    "(default 1073741824)",
	    "Bytes of memory the conversations being worked on may take together, by an "
	    "estimate from their bytes (default 1073741824, 1 GiB); a conversation that alone "
	    "would take more is refused (E105).", OUT },
	  FIELD(memory_budget), F_U64, 0, (double)((uint64_t)1 << 30), NULL,
	  R_AS_TYPED, NULL, 0, NULL, true },
	{ { "ignore", "ignore", "CODES", DLG_OPTION_LIST, NULL, 0, 0,
	    "codes such as W303, or their names, separated by commas",
	    "do not report these warnings (W302,W303 or slugs; repeatable); their rules still "
	    "act",
	    "Do not report these warnings: codes such as W302 or their names "
	    "(noncanonical-marker), comma-separated, repeatable. What their rules do still "
	    "happens (a duplicate is still dropped). Errors cannot be ignored.", OUT | REPEAT },
	  FIELD(ignore), F_LIST, FIELD(n_ignore), 0, NULL, R_CODES, NULL, 0, NULL, true },
	{ { "select", "select", "CODES", DLG_OPTION_LIST, NULL, 0, 0,
	    "codes such as W303, or their names, separated by commas",
	    "report only these warnings (errors are always reported)",
	    "Report only these warnings. Errors are always reported.", OUT | REPEAT },
	  FIELD(select), F_LIST, FIELD(n_select), 0, NULL, R_CODES, NULL, 0, NULL, true },
	{ { "error", "error", "CODES", DLG_OPTION_LIST, NULL, 0, 0,
	    "codes such as W303, or their names, separated by commas",
	    "make these warnings errors, which reject the conversation (e.g. W303)",
	    "Make these warnings errors, which reject the conversation (--error W303 rejects "
	    "replies that invent a speaker turn).", OUT | REPEAT },
	  FIELD(error_codes), F_LIST, FIELD(n_error_codes), 0, NULL, R_CODES, NULL, 0,
	  NULL, true },
	{ { "tokenizer", "tokenizer", "PATH", DLG_OPTION_TEXT, NULL, 0, 0, "a path",
	    "count tokens with a model's tokenizer: a directory with tokenizer.json, or a "
	    "tiktoken rank file",
	    "Count each message's tokens with a model's tokenizer: a directory holding "
	    "tokenizer.json (Hugging Face byte-level or SentencePiece-style BPE), or a tiktoken "
	    "rank file named cl100k_base or o200k_base (docs/tokenizers.md). stats reports "
	    "them; convert writes each split's in the manifest (tokens_per_split) and, with "
	    "--emit-token-counts, each record's in its meta.", OUT },
	  FIELD(tokenizer), F_TEXT, 0, 0, NULL, R_AS_TYPED, NULL, 0, NULL, true },
	{ { "template", "chat_template", "NAME", DLG_OPTION_TEXT, NULL, 0, 0,
	    "a built-in template's name, tokenizer or none",
	    "count tokens under a chat template: a built-in (chatml, llama3.1, qwen2.5...), "
	    "tokenizer (the default when it has one) or none",
	    "Count tokens under a chat template (needs --tokenizer; docs/templates.md): a "
	    "built-in one (chatml, llama3.1, llama3.2, qwen2.5, qwen3, mistral, gemma2, gemma3, "
	    "phi3, phi4, phi4-reasoning, deepseek-v3, deepseek-r1), tokenizer (the chat_template "
	    "of the tokenizer's tokenizer_config.json, the default when it has one), or none "
	    "(each message's content alone). A conversation's total is then the tokens of its "
	    "rendering, its trainable tokens those of its assistant replies as a trainer masks "
	    "them; a conversation the template refuses is E222.", OUT },
	  FIELD(chat_template), F_TEXT, 0, 0, NULL, R_AS_TYPED, NULL, 0, NULL, true },
	{ { "emit-token-counts", "emit_token_counts", NULL, DLG_OPTION_FLAG, NULL, 0, 0, NULL,
	    "put each record's token counts in meta.tokens (needs --tokenizer)",
	    "Put each record's token counts in meta.tokens: the total, the trainable (the "
	    "assistant's) and each message's (needs --tokenizer).", OUT },
	  FIELD(emit_token_counts), F_INT, 0, 0, NULL, R_AS_TYPED, NULL, 0, NULL, true },
	{ { "max-tokens", "max_tokens", "N", DLG_OPTION_NUMBER, NULL, 1, (double)UINT64_MAX,
	    U64_POSITIVE, "a conversation's most tokens under --tokenizer (default unlimited)",
	    "A conversation's most tokens under --tokenizer (its messages' contents); one over "
	    "it is what --over-limit says.", OUT },
	  FIELD(max_tokens), F_U64, 0, 0, NULL, R_LIMIT, NULL, 0, NULL, true },
	{ { "over-limit", "over_limit", "MODE", DLG_OPTION_CHOICE, over_limit_names, 0, 0,
	    "error, drop or truncate-turns",
	    "a conversation over --max-tokens: error (default, E220), drop (W330) or "
	    "truncate-turns (W331)",
	    "A conversation over --max-tokens is an error (default, E220), is left out (W330), "
	    "or loses whole exchanges from its start, its first system turns kept (W331).",
	    OUT },
	  FIELD(over_limit), F_ENUM, 0, 0, NULL, R_AS_TYPED, NULL, 0, NULL, true },
	/* where and how, not what: a dataset is the same whatever they say */
	{ { "output", "output_dir", "DIR", DLG_OPTION_TEXT, NULL, 0, 0, NULL,
	    "write the dataset (map: the work directory) into DIR (required)",
	    "Write the dataset (map: the work directory) into DIR (required).", 0 },
	  FIELD(output_dir), F_TEXT, 0, 0, NULL, R_NONE, NULL, 0, NULL, false },
	{ { "force", "force", NULL, DLG_OPTION_FLAG, NULL, 0, 0, NULL,
	    "write into a non-empty DIR, replacing dlgconv's own files there",
	    "Write into a non-empty DIR, replacing dlgconv's own files there.", 0 },
	  FIELD(force), F_INT, 0, 0, NULL, R_NONE, NULL, 0, NULL, false },
	{ { "jobs", "threads", "N", DLG_OPTION_NUMBER, NULL, 1, 1024, "1 to 1024",
	    "threads to use (default: all cores); the output is the same for any N",
	    "Threads to use (default: all cores); the output is the same for any N.", 0 },
	  FIELD(threads), F_UNSIGNED, 0, 0, NULL, R_NONE, NULL, 0, NULL, false },
};

#define N_TABLE (sizeof table / sizeof table[0])

size_t dlg_option_count(void)
{
	return N_TABLE;
}

const dlg_option_info *dlg_option_get(size_t i)
{
	return i < N_TABLE ? &table[i].info : NULL;
}

static const option *find(const char *name)
{
	for (size_t i = 0; name && i < N_TABLE; i++)
		if (strcmp(table[i].info.name, name) == 0)
			return &table[i];
	return NULL;
}

const dlg_option_info *dlg_option_find(const char *name)
{
	const option *opt = find(name);
	return opt ? &opt->info : NULL;
}

static void *field(dlg_options *o, const option *opt)
{
	return (char *)o + opt->offset;
}

static const void *field_of(const dlg_options *o, const option *opt)
{
	return (const char *)o + opt->offset;
}

/* A number field's value (flags and choices included), as a double. */
static double number_of(const dlg_options *o, const option *opt)
{
	const void *p = field_of(o, opt);
	switch (opt->kind) {
	case F_INT: return *(const int *)p;
	case F_ENUM: return *(const dlg_stage_mode *)p; /* every option enum is int-sized */
	case F_UNSIGNED: return *(const unsigned *)p;
	case F_U64: return (double)*(const uint64_t *)p;
	case F_DOUBLE: return *(const double *)p;
	case F_TEXT:
	case F_LIST: break;
	}
	return 0;
}

static void set_number(dlg_options *o, const option *opt, uint64_t v, double d)
{
	void *p = field(o, opt);
	switch (opt->kind) {
	case F_INT: *(int *)p = (int)v; break;
	case F_ENUM: *(dlg_stage_mode *)p = (dlg_stage_mode)v; break;
	case F_UNSIGNED: *(unsigned *)p = (unsigned)v; break;
	case F_U64: *(uint64_t *)p = v; break;
	case F_DOUBLE: *(double *)p = d; break;
	case F_TEXT:
	case F_LIST: break;
	}
}

/* The default of a field whose default is not 0. */
static void set_fallback(dlg_options *o, const option *opt)
{
	uint64_t v = opt->kind == F_U64 && opt->fallback >= (double)UINT64_MAX ?
		     UINT64_MAX : (uint64_t)opt->fallback;
	set_number(o, opt, v, opt->fallback);
}

dlg_status dlg_options_init(dlg_options *o, unsigned version)
{
	if (!o || version == 0 || version > DLG_OPTIONS_VERSION)
		return DLG_E_ARG;
	memset(o, 0, sizeof *o);
	o->version = version;
	for (size_t i = 0; i < N_TABLE; i++)
		if (table[i].fallback != 0)
			set_fallback(o, &table[i]);
	return DLG_OK;
}

/* Plain decimal digits only: strtoull alone takes " -1" and wraps it to 2^64-1, which would
 * turn a cap such as max_input_bytes off; "+5", " 5" and "0x10" are refused too. */
static bool parse_u64(uint64_t *out, const char *s)
{
	if (!*s || strspn(s, "0123456789") != strlen(s))
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, NULL, 10);
	if (errno == ERANGE)
		return false;
	*out = v;
	return true;
}

dlg_status dlg_option_parse(const dlg_option_info *info, const char *value, uint64_t *number_out,
			    double *fraction_out, dlg_error *err)
{
	bool ok = info && value && *value;
	bool above = info && (info->flags & DLG_OPTION_ABOVE_MIN);
	if (ok && info->type == DLG_OPTION_NUMBER && number_out) {
		uint64_t n;
		/* the bounds are whole numbers, and UINT64_MAX rounds up to 2^64 as a double */
		ok = parse_u64(&n, value) && (double)n >= info->min && (double)n <= info->max &&
		     !(above && (double)n == info->min);
		if (ok)
			*number_out = n;
	} else if (ok && info->type == DLG_OPTION_FRACTION && fraction_out) {
		char *end;
		errno = 0;
		double x = strtod(value, &end);
		ok = !*end && !errno && x >= info->min && x <= info->max &&
		     !(above && x == info->min);
		if (ok)
			*fraction_out = x;
	} else {
		ok = false;
	}
	return ok ? DLG_OK : dlg_error__set(err, DLG_E_ARG, 0, "%s",
					    info && info->values ? info->values : "not a value");
}

dlg_status dlg_option_set(dlg_options *o, const char *name, const char *value, dlg_error *err)
{
	const option *opt = find(name);
	if (!o || !opt)
		return dlg_error__set(err, DLG_E_ARG, 0, "no option '%.64s'", name ? name : "");
	const dlg_option_info *info = &opt->info;
	if (info->type == DLG_OPTION_FLAG) {
		set_number(o, opt, 1, 1);
		return DLG_OK;
	}
	if (info->type == DLG_OPTION_LIST)
		return dlg_error__set(err, DLG_E_ARG, 0, "%s is a list: set its field",
				      info->name);
	bool ok = value != NULL;
	uint64_t n = 0;
	double d = 0;
	if (ok && (info->type == DLG_OPTION_NUMBER || info->type == DLG_OPTION_FRACTION))
		ok = dlg_option_parse(info, value, &n, &d, err) == DLG_OK;
	else if (ok && info->type == DLG_OPTION_CHOICE) {
		size_t k = 0;
		while (info->choices[k] && strcmp(info->choices[k], value) != 0)
			k++;
		ok = info->choices[k] != NULL;
		n = opt->choice_values ? (uint64_t)opt->choice_values[k] : k;
	} else if (ok && info->type == DLG_OPTION_TEXT) {
		ok = *value || !info->values;
		if (ok)
			*(const char **)field(o, opt) = value;
		return ok ? DLG_OK : dlg_error__set(err, DLG_E_ARG, 0, "%s", info->values);
	}
	if (!ok)
		return dlg_error__set(err, DLG_E_ARG, 0, "%s", info->values);
	set_number(o, opt, n, d);
	return DLG_OK;
}

dlg_status dlg_options__resolved(dlg_options *out, const dlg_options *in, dlg_error *err)
{
	if (in->version > DLG_OPTIONS_VERSION)
		return dlg_error__set(err, DLG_E_ARG, 0, "options of version %u, newer than this "
				      "library's (%d): build against the header it came with",
				      in->version, DLG_OPTIONS_VERSION);
	*out = *in;
	/* a zeroed struct: a field left 0 takes its default */
	for (size_t i = 0; in->version == 0 && i < N_TABLE; i++)
		if (table[i].fallback != 0 && number_of(in, &table[i]) == 0)
			set_fallback(out, &table[i]);
	if (out->shards == 0)
		out->shards = 1;
	return DLG_OK;
}

static const char *choice_name(const option *opt, double v)
{
	for (size_t k = 0; opt->info.choices[k]; k++)
		if ((opt->choice_values ? opt->choice_values[k] : (int)k) == (int)v)
			return opt->info.choices[k];
	return "?";
}

const char *dlg_options__choice(const dlg_options *o, const char *name)
{
	const option *opt = find(name);
	DLG_ASSERT(opt && opt->info.type == DLG_OPTION_CHOICE);
	return choice_name(opt, number_of(o, opt));
}

void dlg_options__manifest_value(dlg_option_value *out, const dlg_options *o, size_t i)
{
	const option *opt = &table[i];
	memset(out, 0, sizeof *out);
	out->key = opt->info.key;
	if (opt->render == R_NONE)
		return;
	double v = number_of(o, opt);
	if (opt->sparse && opt->kind == F_TEXT && !*(const char *const *)field_of(o, opt))
		return;
	if (opt->sparse && opt->kind != F_TEXT && opt->info.type != DLG_OPTION_LIST &&
	    v == opt->fallback)
		return;
	if (opt->sparse && opt->info.type == DLG_OPTION_LIST &&
	    *(const size_t *)((const char *)o + opt->count_offset) == 0)
		return;
	switch (opt->render) {
	case R_NONE:
		return;
	case R_ROLES:
		out->form = DLG_FORM_ROLES;
		return;
	case R_SPLITS:
		out->form = DLG_FORM_SPLITS;
		return;
	case R_FLAG_NAMES:
		out->form = DLG_FORM_STRING;
		out->string = opt->flag_names[v != 0];
		return;
	case R_INVERTED:
		out->form = DLG_FORM_BOOL;
		out->boolean = v == 0;
		return;
	case R_LIMIT:
		out->form = *(const uint64_t *)field_of(o, opt) == opt->unlimited ? DLG_FORM_NULL :
			    DLG_FORM_NUMBER;
		out->number = v;
		return;
	case R_DIGITS:
		out->form = DLG_FORM_STRING;
		snprintf(out->digits, sizeof out->digits, "%llu",
			 (unsigned long long)*(const uint64_t *)field_of(o, opt));
		out->string = out->digits;
		return;
	case R_TEXT_DEFAULT: {
		const char *text = *(const char *const *)field_of(o, opt);
		out->form = DLG_FORM_STRING;
		out->string = text ? text : opt->text_default;
		return;
	}
	case R_CODES:
		out->form = DLG_FORM_CODES;
		out->codes = *(const dlg_diag_code *const *)field_of(o, opt);
		out->n = *(const size_t *)((const char *)o + opt->count_offset);
		return;
	case R_AS_TYPED:
		break;
	}
	switch (opt->info.type) {
	case DLG_OPTION_FLAG:
		out->form = DLG_FORM_BOOL;
		out->boolean = v != 0;
		return;
	case DLG_OPTION_NUMBER:
	case DLG_OPTION_FRACTION:
		out->form = DLG_FORM_NUMBER;
		out->number = v;
		return;
	case DLG_OPTION_CHOICE:
		out->form = DLG_FORM_STRING;
		out->string = choice_name(opt, v);
		return;
	case DLG_OPTION_TEXT:
		out->string = *(const char *const *)field_of(o, opt);
		out->form = out->string ? DLG_FORM_STRING : DLG_FORM_NULL;
		return;
	case DLG_OPTION_LIST:
		out->form = DLG_FORM_STRINGS;
		out->strings = *(const char *const *const *)field_of(o, opt);
		out->n = *(const size_t *)((const char *)o + opt->count_offset);
		return;
	}
}
