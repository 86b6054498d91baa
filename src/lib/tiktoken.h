/*
 * tiktoken.h - tiktoken rank files (tiktoken.c): cl100k_base and o200k_base, their split
 * expression and special tokens, which the file itself does not hold.
 */
#ifndef DLG_TIKTOKEN_H
#define DLG_TIKTOKEN_H

#include "internal.h"
#include "bpe.h"

typedef struct dlg_tiktoken_special {
	const char *text;
	uint32_t id;
} dlg_tiktoken_special;

typedef struct dlg_tiktoken_encoding {
	const char *name;
	const char *pattern;
	const dlg_tiktoken_special *specials;
	size_t n_specials;
} dlg_tiktoken_encoding;

/** The encoding a rank file's name says (NAME, NAME.tiktoken, either with .gz), or NULL. */
const dlg_tiktoken_encoding *dlg_tiktoken__encoding(const char *path);
/** The ranks of `path` (plain or gzip; lines "BASE64 RANK") as a DLG_BPE_RANKS table. */
dlg_status dlg_tiktoken__load(dlg_bpe **out, const char *path, const dlg_options *o,
			      dlg_error *err) DLG_WUR;

#endif
