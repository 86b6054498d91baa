/*
 * pretok.h - pre-tokenizers (pretok.c): text cut into the pieces BPE encodes one by one,
 * by a PCRE2 regular expression or a string, and Metaspace's word marks.
 */
#ifndef DLG_PRETOK_H
#define DLG_PRETOK_H

#include "internal.h"
#include "buf.h"

/** A piece: bytes [off, off + len) of its list's `bytes`. */
typedef struct dlg_piece {
	uint32_t off, len;
} dlg_piece;

typedef struct dlg_pieces {
	dlg_buf bytes;
	dlg_buf spans; /* dlg_piece */
} dlg_pieces;

void dlg_pieces__init(dlg_pieces *p, const dlg_allocator *a);
void dlg_pieces__dispose(dlg_pieces *p);
void dlg_pieces__clear(dlg_pieces *p);
dlg_status dlg_pieces__add(dlg_pieces *p, const char *s, size_t n, dlg_error *err) DLG_WUR;

/** What \s means in a pattern: JavaScript's white space (the reference for tokenizer.json
 * is transformers.js) or Unicode's White_Space (tiktoken's Rust regex engine). */
typedef enum dlg_space {
	DLG_SPACE_JS,
	DLG_SPACE_UNICODE
} dlg_space;

/** What a Split keeps of the text its pattern matches. */
typedef enum dlg_split_behavior {
	DLG_SPLIT_ISOLATED,           /* the match is a piece of its own */
	DLG_SPLIT_REMOVED,            /* the match is dropped */
	DLG_SPLIT_MERGED_WITH_PREVIOUS /* the match ends the piece before it */
} dlg_split_behavior;

/** Whether code point c is JavaScript's white space (\s, String.prototype.trim). */
bool dlg_pretok__is_js_space(uint32_t c);

typedef struct dlg_pretok dlg_pretok;

/** Split on the matches of PCRE2 `pattern` (UTF, Unicode properties, JIT). */
dlg_status dlg_pretok__regex(dlg_pretok **out, const dlg_allocator *a, const char *pattern,
			     dlg_space space, dlg_split_behavior behavior, dlg_error *err) DLG_WUR;
/** Split on each occurrence of s[0, n). */
dlg_status dlg_pretok__string(dlg_pretok **out, const dlg_allocator *a, const char *s,
			      size_t n, dlg_split_behavior behavior, dlg_error *err) DLG_WUR;
/** ByteLevel: a space before a piece that has none (add_prefix_space), then GPT-2's
 * expression (use_regex). Its byte-to-character mapping is the vocabulary's (tokenizer.c). */
dlg_status dlg_pretok__byte_level(dlg_pretok **out, const dlg_allocator *a,
				  bool add_prefix_space, bool use_regex, dlg_error *err) DLG_WUR;
/** Metaspace: spaces become `replacement`, which goes before a piece that lacks it when
 * `prepend` (in the first section only when `first_only`). */
dlg_status dlg_pretok__metaspace(dlg_pretok **out, const dlg_allocator *a,
				 const char *replacement, bool prepend, bool first_only,
				 dlg_error *err) DLG_WUR;
void dlg_pretok__free(dlg_pretok *p);

/** One thread's PCRE2 match data and JIT stack. */
typedef struct dlg_pretok_scratch dlg_pretok_scratch;
dlg_status dlg_pretok_scratch__new(dlg_pretok_scratch **out, const dlg_allocator *a,
				   dlg_error *err) DLG_WUR;
void dlg_pretok_scratch__free(dlg_pretok_scratch *s);

/** The pieces of every piece of `in` into `out` (cleared first); `first_section`: `in`
 * comes from the text before any added token. Text is valid UTF-8. */
dlg_status dlg_pretok__apply(const dlg_pretok *p, dlg_pretok_scratch *s, const dlg_pieces *in,
			     bool first_section, dlg_pieces *out, dlg_error *err) DLG_WUR;

#endif
