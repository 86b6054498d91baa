/*
 * split.h - hashes, ids, split and shard assignment, and the set of ids for exact dedup
 * (split.c).
 */
#ifndef DLG_SPLIT_H
#define DLG_SPLIT_H

#include "internal.h"
#include "ctx.h"

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

#endif
