/*
 * split.c - ids, split assignment and the duplicate set (docs/rules.md "Ids, duplicates and
 * splits"). XXH3 is confined to this file; its output is frozen by its authors, so ids and
 * splits are stable across machines and library versions. Uses buf.c and error.c.
 */
#include "split.h"
#include "buf.h"
#include "ctx.h"
#include "error.h"

#include <string.h>
#include <xxhash.h>

void dlg_split__id(uint8_t id[16], char id_hex[33], const char *p, size_t n)
{
	XXH128_canonical_t c;
	XXH128_canonicalFromHash(&c, XXH3_128bits(p, n));
	memcpy(id, c.digest, 16);
	dlg_split__hex(id_hex, id);
}

void dlg_split__hex(char id_hex[33], const uint8_t id[16])
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < 16; i++) {
		id_hex[2 * i] = hex[id[i] >> 4];
		id_hex[2 * i + 1] = hex[id[i] & 15];
	}
	id_hex[32] = '\0';
}

size_t dlg_split__assign(const dlg_ctx *ctx, const void *key, size_t key_len)
{
	uint64_t h = XXH3_64bits_withSeed(key, key_len, ctx->opts->seed);
	double x = (double)(h >> 11) * 0x1.0p-53; /* uniform in [0, 1) */
	for (size_t i = 0; i + 1 < ctx->n_splits; i++)
		if (x < ctx->split_upper[i])
			return i;
	return ctx->n_splits - 1;
}

/* A seed of its own, fixed: the shards must not move with --seed, which moves the splits. */
#define SHARD_SEED 0x5348415244ULL /* "SHARD" */

unsigned dlg_split__shard(const uint8_t id[16], unsigned shards)
{
	return (unsigned)(XXH3_64bits_withSeed(id, 16, SHARD_SEED) % shards);
}

void dlg_split__idset_init(dlg_idset *s, const dlg_allocator *a)
{
	memset(s, 0, sizeof *s);
	s->alloc = a;
}

void dlg_split__idset_dispose(dlg_idset *s)
{
	dlg_mem__free(s->alloc, s->slots);
	s->slots = NULL;
	s->cap = s->count = 0;
}

static const uint8_t empty_slot[16];

/* Open addressing with linear probing; an all-zero slot is empty (an all-zero id is kept
 * out of the table by flipping one bit, which cannot collide with a real XXH3 id in
 * practice any more than two ids can). */
static size_t probe(uint8_t (*slots)[16], size_t cap, const uint8_t id[16], bool *found)
{
	uint64_t h;
	memcpy(&h, id, sizeof h);
	size_t i = (size_t)h & (cap - 1);
	for (;;) {
		if (memcmp(slots[i], id, 16) == 0) {
			*found = true;
			return i;
		}
		if (memcmp(slots[i], empty_slot, 16) == 0) {
			*found = false;
			return i;
		}
		i = (i + 1) & (cap - 1);
	}
}

static dlg_status grow(dlg_idset *s, dlg_error *err)
{
	size_t cap = s->cap ? s->cap * 2 : 1024;
	uint8_t(*slots)[16] = dlg_mem__alloc(s->alloc, cap * 16);
	if (!slots)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory (duplicate set)");
	memset(slots, 0, cap * 16);
	for (size_t i = 0; i < s->cap; i++) {
		if (memcmp(s->slots[i], empty_slot, 16) == 0)
			continue;
		bool found;
		memcpy(slots[probe(slots, cap, s->slots[i], &found)], s->slots[i], 16);
	}
	dlg_mem__free(s->alloc, s->slots);
	s->slots = slots;
	s->cap = cap;
	return DLG_OK;
}

dlg_status dlg_split__idset_insert(bool *found_out, dlg_idset *s, const uint8_t id[16],
				   dlg_error *err)
{
	uint8_t key[16];
	memcpy(key, id, 16);
	if (memcmp(key, empty_slot, 16) == 0)
		key[0] = 1;
	if ((s->count + 1) * 4 > s->cap * 3)
		DLG_TRY(grow(s, err));
	size_t i = probe(s->slots, s->cap, key, found_out);
	if (!*found_out) {
		memcpy(s->slots[i], key, 16);
		s->count++;
	}
	return DLG_OK;
}
