/*
 * bpe.h - byte-pair encoding of one pre-tokenized piece (bpe.c): a vocabulary of byte
 * strings, the merges, a heap over the piece's symbols, and a per-thread cache of pieces.
 */
#ifndef DLG_BPE_H
#define DLG_BPE_H

#include "internal.h"
#include "buf.h"

#define DLG_BPE_NONE UINT32_MAX

typedef struct dlg_bpe dlg_bpe;

/** How a piece starts before any merge, and how two neighbours merge. */
typedef enum dlg_bpe_kind {
	/* tokenizer.json: symbols are UTF-8 characters (bytes after a byte-level mapping);
	 * a pair merges when the merges list it, with that rank */
	DLG_BPE_MERGES,
	/* tiktoken: symbols are bytes; a pair merges when its bytes are a token, whose rank
	 * is its id */
	DLG_BPE_RANKS
} dlg_bpe_kind;

/** A table for at most `max_tokens` tokens and `max_merges` merges. */
dlg_status dlg_bpe__new(dlg_bpe **out, const dlg_allocator *a, dlg_bpe_kind kind,
			size_t max_tokens, size_t max_merges, dlg_error *err) DLG_WUR;
void dlg_bpe__free(dlg_bpe *b);
/** Adds s[0, n) as token `id`; a string given twice keeps its first id. */
dlg_status dlg_bpe__add_token(dlg_bpe *b, const char *s, size_t n, uint32_t id,
			      dlg_error *err) DLG_WUR;
/** The id of the token s[0, n), DLG_BPE_NONE when there is none. */
uint32_t dlg_bpe__lookup(const dlg_bpe *b, const char *s, size_t n);
/** DLG_BPE_MERGES: tokens `left` and `right` merge into `merged` with priority `rank`
 * (lower first); a pair given twice keeps its first rank. */
dlg_status dlg_bpe__add_merge(dlg_bpe *b, uint32_t left, uint32_t right, uint32_t merged,
			      uint32_t rank, dlg_error *err) DLG_WUR;
/**
 * What a final symbol that is no token becomes: with `byte_fallback`, the tokens <0xNN> of
 * its bytes when all exist; otherwise (or when one is missing) `unk`; with neither,
 * encoding fails naming the character.
 */
void dlg_bpe__set_fallback(dlg_bpe *b, bool byte_fallback, uint32_t unk);
/** DLG_BPE_MERGES: a piece starts as its bytes rather than its characters (byte-level
 * BPE, whose tokens tokenizer.c has read back into bytes). */
void dlg_bpe__set_byte_symbols(dlg_bpe *b, bool byte_symbols);
/** A piece that is a token as a whole is that token, without merging (tiktoken, and
 * tokenizer.json's ignore_merges). */
void dlg_bpe__set_whole_first(dlg_bpe *b, bool whole_first);

/** One thread's working memory and cache of pieces; for use with one dlg_bpe. */
typedef struct dlg_bpe_scratch dlg_bpe_scratch;
dlg_status dlg_bpe_scratch__new(dlg_bpe_scratch **out, const dlg_allocator *a,
				dlg_error *err) DLG_WUR;
void dlg_bpe_scratch__free(dlg_bpe_scratch *s);

/** Appends the ids (uint32_t) of piece p[0, n) to `ids`. */
dlg_status dlg_bpe__encode(const dlg_bpe *b, dlg_bpe_scratch *s, const char *p, size_t n,
			   dlg_buf *ids, dlg_error *err) DLG_WUR;

#endif
