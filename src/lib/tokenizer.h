/*
 * tokenizer.h - a model's tokenizer (tokenizer.c): a Hugging Face tokenizer.json or a
 * tiktoken rank file, loaded once and then used read-only by any number of threads, each
 * with its own scratch.
 */
#ifndef DLG_TOKENIZER_H
#define DLG_TOKENIZER_H

#include "internal.h"
#include "buf.h"

typedef struct dlg_tokenizer dlg_tokenizer;
typedef struct dlg_tok_scratch dlg_tok_scratch;

/**
 * Loads `path`: a directory holding tokenizer.json (or tokenizer.json.gz) and optionally
 * tokenizer_config.json, such a .json file itself, or a tiktoken rank file named after its
 * encoding (cl100k_base.tiktoken, o200k_base.tiktoken, either with .gz). A model, normalizer
 * or pre-tokenizer outside those supported is DLG_E_ARG naming it.
 */
dlg_status dlg_tokenizer__load(dlg_tokenizer **out, const char *path, const dlg_options *o,
			       dlg_error *err) DLG_WUR;
void dlg_tokenizer__free(dlg_tokenizer *t);

/** The tokenizer's tokenizer_config.json as JSON text, or NULL (a rank file, none). */
const char *dlg_tokenizer__config(const dlg_tokenizer *t);

dlg_status dlg_tok_scratch__new(dlg_tok_scratch **out, const dlg_allocator *a,
				dlg_error *err) DLG_WUR;
void dlg_tok_scratch__free(dlg_tok_scratch *s);

/**
 * Appends to `ids` (uint32_t) the token ids of text[0, n) as the tokenizer encodes a text
 * without special tokens added around it (add_special_tokens=False); text written like an
 * added token (<|im_start|>, <s>) is that token. DLG_E_ARG when the text is not UTF-8.
 */
dlg_status dlg_tokenizer__encode(const dlg_tokenizer *t, dlg_tok_scratch *s, const char *text,
				 size_t n, dlg_buf *ids, dlg_error *err) DLG_WUR;

/**
 * Appends to `at` (size_t pairs) each added token text[0, n) holds, as encoding finds them:
 * where it starts and ends. The text before such a start is encoded apart from what follows
 * (chatcount.c counts only what follows the last one two texts share).
 */
dlg_status dlg_tokenizer__added_at(const dlg_tokenizer *t, dlg_tok_scratch *s, const char *text,
				   size_t n, dlg_buf *at, dlg_error *err) DLG_WUR;

/** The bytes of the longest added token. */
size_t dlg_tokenizer__added_longest(const dlg_tokenizer *t);

/** How many tokens dlg_tokenizer__encode would give text[0, n). */
dlg_status dlg_tokenizer__count(const dlg_tokenizer *t, dlg_tok_scratch *s, const char *text,
				size_t n, uint64_t *count, dlg_error *err) DLG_WUR;

#endif
