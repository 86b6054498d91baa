/*
 * internal.h - included (through its module's header) by every library file: what every
 * file needs and nothing more. DLG_TRY, the attributes, and the byte tests of the hot loops.
 * Each module's cross-file functions (dlg_<module>__<verb>) are in its own <module>.h.
 *
 * Modules, each with its <module>.h beside it and using only those above it (error.c, buf.c
 * and encoding.c are one base layer; ctx.h and unit.h are the types the stages share):
 *   error.c      status/diagnostic tables, a code's severity in a run, filling a dlg_error
 *   buf.c        allocator hooks and growable byte buffers with a hard cap
 *   encoding.c   which legacy encoding invalid UTF-8 looks like (E101's advice)
 *   ctx.h        a run's context: options resolved into labels, splits and code modes
 *   input.c      reading inputs, plain or gzip, whole or by lines (zlib, iconv confined here)
 *   discover.c   walking input arguments into a sorted list of files
 *   locate.c     where a finding inside a JSON string points in the record's line
 *   unit.c       one conversation in flight: its buffers, and the findings recorded on it
 *   mojibake.c   repair of UTF-8 decoded as Windows-1252 or Latin-1 (W305)
 *   normalize.c  bytes checked, Unicode normalized (docs/rules.md "Normalization")
 *   stage.c      stage directions, taken out and put back
 *   transcript.c raw bytes -> lines -> marker-delimited turns
 *                (docs/rules.md "Reading a transcript")
 *   jsonscan.c   the strict JSON scanner: strict or not, minified copies, pyarrow's types
 *   jsonread.c   JSON records and .json documents read into turns
 *   validate.c   turn rules (E2xx)
 *   split.c      hashes, ids, split assignment and the duplicate set (xxhash)
 *   neardup.c    near-duplicate signatures and their LSH index (xxhash)
 *   record.c     one JSON output line per conversation
 *   kept.c       the --keep-fields values' types, and their features for the card
 *   sink.c       output files + SHA-256, and multi-member gzip (libdeflate, OpenSSL)
 *   manifest.c   manifest.json written and read back; the names it gives options
 *   card.c       the dataset card: README.md with the Hugging Face YAML header
 *   commit.c     the output directory: lock, staging directory, atomic swap, clean-up
 *   dataset.c    a dataset's last files (manifest, card) and its commit
 *   findings.c   which findings a run reports, and streaks of one warning said once
 *   options.c    a run's options checked and resolved into its context
 *   bpe.c        byte-pair encoding of one piece: vocabulary, merges, a heap, a cache
 *   pretok.c     pre-tokenizers: pieces cut by PCRE2 expressions or strings, Metaspace
 *   tiktoken.c   tiktoken rank files, their split expressions and special tokens
 *   tokenizer.c  a tokenizer.json or rank file loaded, and a text encoded into ids
 *   jinja_*.c    a chat template's Jinja subset: lexed, parsed, rendered (docs/templates.md)
 *   chat.c       the chat template a run renders with: a built-in, or the tokenizer's
 *   chatcount.c  a conversation's tokens under its chat template
 *   step.c       the per-conversation step: read, parse, normalize, validate, render
 *   intake.c     the inputs handed out as items in input order
 *   decide.c     exact dedup, near-dup, split and shard, in input order
 *   sched.c      threads, slots, in-order commit, jobs, cancellation
 *   writer.c     where a run's conversations go: the dataset writer
 *   pipeline.c   the driver: dlg_run(), dlg_convert_buffer()
 *   steps.c      map, reduce and finalize, above the driver
 *   leakage.c    near-duplicates across a dataset's splits, through dlg_run()
 * utf8proc is used in normalize.c, stage.c, mojibake.c, neardup.c and tokenizer.c; cJSON in
 * jsonscan.c, jsonread.c, kept.c, manifest.c, tokenizer.c, chat.c and jinja_value.c only;
 * PCRE2 in pretok.c.
 */
#ifndef DLG_INTERNAL_H
#define DLG_INTERNAL_H

#include "dlgconv.h"

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
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

/* The bytes of a colon at p[i] (i < n): 1 for ':', 3 for the full-width U+FF1A '：' of CJK
 * text and the presentation forms U+FE30 '︰', U+FE13 '︓' and U+FE55 '﹕'; else 0. */
static inline size_t dlg_colon_len(const char *p, size_t n, size_t i)
{
	if (p[i] == ':')
		return 1;
	if (n - i < 3 || (uint8_t)p[i] != 0xEF)
		return 0;
	uint8_t b = (uint8_t)p[i + 1], c = (uint8_t)p[i + 2];
	return (b == 0xBC && c == 0x9A) || (b == 0xB8 && (c == 0xB0 || c == 0x93)) ||
			       (b == 0xB9 && c == 0x95) ? 3 : 0;
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

#endif /* DLG_INTERNAL_H */
