/*
 * nearindex.c - the near-duplicate index (nearindex.h): signatures (neardup.c) banded into
 * LSH tables that find, for a new conversation, the earliest earlier one like it, confirmed
 * by their similarity; and convert's near-dup step over it. Uses buf.c, error.c and
 * neardup.c; XXH3 for the band keys.
 */
#include "nearindex.h"
#include "buf.h"
#include "error.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <string.h>

#define BINS DLG_NEARDUP_BINS
#define BAND_BINS 8
#define EMPTY_SLOT UINT32_MAX /* a band table slot without a key */

_Static_assert(DLG_NEARDUP_BANDS * BAND_BINS <= BINS, "bands take bins of the signature");
_Static_assert(sizeof(dlg_neardup_member) <= 156, "the member the memory formula counts");


void dlg_nearindex__init(dlg_neardup_index *ix, const dlg_allocator *alloc)
{
	memset(ix, 0, sizeof *ix);
	ix->alloc = alloc;
}

void dlg_nearindex__dispose(dlg_neardup_index *ix)
{
	dlg_mem__free(ix->alloc, ix->members);
	for (size_t b = 0; b < DLG_NEARDUP_BANDS; b++)
		dlg_mem__free(ix->alloc, ix->bands[b].slots);
	for (size_t c = 0; c < ix->n_chunks; c++)
		dlg_mem__free(ix->alloc, ix->chunks[c]);
	dlg_mem__free(ix->alloc, ix->chunks);
	dlg_nearindex__init(ix, ix->alloc);
}

/* Member m's exact set (with m->n_exact <= DLG_NEARDUP_EXACT). */
static const uint32_t *member_set(const dlg_neardup_index *ix, const dlg_neardup_member *m)
{
	return ix->chunks[m->exact_at >> DLG_NEARDUP_CHUNK_BITS] +
	       (m->exact_at & (DLG_NEARDUP_CHUNK - 1));
}

/* Room for an exact set of n fingerprints; where it goes in *at_out. A set never straddles
 * two chunks, so a chunk wastes less than one set; chunks are never moved, so the pool
 * grows without a copy of it (what doubling would cost at the peak). */
static dlg_status reserve_set(uint32_t *at_out, dlg_neardup_index *ix, size_t n,
			      dlg_error *err)
{
	if (ix->n_chunks > 0 && ix->chunk_used + n <= DLG_NEARDUP_CHUNK) {
		*at_out = (uint32_t)((ix->n_chunks - 1) << DLG_NEARDUP_CHUNK_BITS | ix->chunk_used);
		return DLG_OK;
	}
	if (ix->n_chunks == (size_t)1 << (32 - DLG_NEARDUP_CHUNK_BITS))
		return dlg_error__set(err, DLG_E_LIMIT, 0, "near-duplicate index too large");
	if (ix->n_chunks == ix->chunks_cap) {
		size_t cap = ix->chunks_cap ? ix->chunks_cap * 2 : 16;
		uint32_t **chunks = dlg_mem__realloc(ix->alloc, ix->chunks, cap * sizeof *chunks);
		if (!chunks)
			return dlg_error__set(err, DLG_E_NOMEM, 0,
					      "out of memory (near-duplicate index)");
		ix->chunks = chunks;
		ix->chunks_cap = cap;
	}
	uint32_t *chunk = dlg_mem__alloc(ix->alloc, DLG_NEARDUP_CHUNK * sizeof *chunk);
	if (!chunk)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory (near-duplicate index)");
	/* an empty chunk at the end changes nothing a later call sees */
	ix->chunks[ix->n_chunks++] = chunk;
	ix->chunk_used = 0;
	*at_out = (uint32_t)((ix->n_chunks - 1) << DLG_NEARDUP_CHUNK_BITS);
	return DLG_OK;
}

/* A band's key: its 8 bins' 4-bit values, in the order of the signature's bytes. */
uint32_t dlg_nearindex__band_key(const uint8_t *nib, size_t band)
{
	const uint8_t *p = nib + band * (BAND_BINS / 2);
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Keys are 4-bit MinHash values, far from uniform in short conversations (densification
 * repeats values): hash them before they choose a slot. */
static uint64_t key_hash(uint32_t key)
{
	uint8_t bytes[4] = { (uint8_t)key, (uint8_t)(key >> 8), (uint8_t)(key >> 16),
			     (uint8_t)(key >> 24) };
	return XXH3_64bits(bytes, sizeof bytes);
}

/* Linear probing in band b's table: the slot holding the id whose key is `key`, or the
 * empty slot where it would go. A slot holds the id alone; its key is read back from the
 * id's signature, which halves the tables (4 bytes a slot, not 8). */
static size_t probe(const dlg_neardup_index *ix, const uint32_t *slots, size_t cap, size_t b,
		    uint32_t key)
{
	size_t i = (size_t)key_hash(key) & (cap - 1);
	while (slots[i] != EMPTY_SLOT &&
	       dlg_nearindex__band_key(ix->members[slots[i]].nib, b) != key)
		i = (i + 1) & (cap - 1);
	return i;
}

static dlg_status grow_band(dlg_neardup_index *ix, size_t b, dlg_error *err)
{
	dlg_neardup_band *t = &ix->bands[b];
	size_t cap = t->cap ? t->cap * 2 : 1024;
	if (cap > SIZE_MAX / sizeof *t->slots)
		return dlg_error__set(err, DLG_E_LIMIT, 0, "near-duplicate index too large");
	uint32_t *slots = dlg_mem__alloc(ix->alloc, cap * sizeof *slots);
	if (!slots)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory (near-duplicate index)");
	for (size_t i = 0; i < cap; i++)
		slots[i] = EMPTY_SLOT;
	for (size_t i = 0; i < t->cap; i++) {
		if (t->slots[i] == EMPTY_SLOT)
			continue;
		uint32_t key = dlg_nearindex__band_key(ix->members[t->slots[i]].nib, b);
		slots[probe(ix, slots, cap, b, key)] = t->slots[i];
	}
	dlg_mem__free(ix->alloc, t->slots);
	t->slots = slots;
	t->cap = cap;
	return DLG_OK;
}

static dlg_status grow_members(dlg_neardup_index *ix, dlg_error *err)
{
	size_t cap = ix->cap ? ix->cap * 2 : 1024;
	if (cap > SIZE_MAX / sizeof *ix->members)
		return dlg_error__set(err, DLG_E_LIMIT, 0, "near-duplicate index too large");
	dlg_neardup_member *members =
		dlg_mem__realloc(ix->alloc, ix->members, cap * sizeof *members);
	if (!members)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory (near-duplicate index)");
	ix->members = members;
	ix->cap = cap;
	return DLG_OK;
}

bool dlg_nearindex__find(uint32_t *match_out, double *similarity_out, const dlg_neardup_index *ix,
		       const dlg_neardup_sig *s, double threshold)
{
	if (s->empty)
		return false;
	uint32_t candidates[DLG_NEARDUP_BANDS];
	size_t n = 0;
	for (size_t b = 0; b < DLG_NEARDUP_BANDS; b++) {
		const dlg_neardup_band *t = &ix->bands[b];
		if (t->cap == 0)
			continue;
		uint32_t key = dlg_nearindex__band_key(s->nib, b);
		uint32_t id = t->slots[probe(ix, t->slots, t->cap, b, key)];
		if (id == EMPTY_SLOT)
			continue;
		/* insert in ascending order, once */
		size_t at = n;
		while (at > 0 && candidates[at - 1] > id)
			at--;
		if (at > 0 && candidates[at - 1] == id)
			continue;
		memmove(candidates + at + 1, candidates + at, (n - at) * sizeof *candidates);
		candidates[at] = id;
		n++;
	}
	for (size_t k = 0; k < n; k++) {
		const dlg_neardup_member *m = &ix->members[candidates[k]];
		const uint32_t *set = m->n_exact <= DLG_NEARDUP_EXACT ? member_set(ix, m) : NULL;
		double sim = dlg_neardup__similarity_of(s->nib, s->n_exact, s->exact, m->nib,
							m->n_exact, set);
		if (sim >= threshold) {
			*match_out = candidates[k];
			if (similarity_out)
				*similarity_out = sim;
			return true;
		}
	}
	return false;
}

dlg_status dlg_nearindex__add(uint32_t *id_out, dlg_neardup_index *ix, const dlg_neardup_sig *s,
			    const uint8_t conv_id[16], uint32_t cluster, uint8_t tag,
			    dlg_error *err)
{
	if (ix->count >= DLG_NEARDUP_MAX_IDS)
		return dlg_error__set(err, DLG_E_LIMIT, 0,
				      "more than %lu conversations to compare for near duplicates",
				      (unsigned long)DLG_NEARDUP_MAX_IDS);
	DLG_ASSERT(cluster == DLG_NEARDUP_NEW || cluster < ix->count);
	/* all the room first, so that a failure leaves the index as it was */
	if (ix->count == ix->cap)
		DLG_TRY(grow_members(ix, err));
	if (!s->empty)
		for (size_t b = 0; b < DLG_NEARDUP_BANDS; b++) {
			dlg_neardup_band *t = &ix->bands[b];
			if ((t->count + 1) * 4 > t->cap * 3)
				DLG_TRY(grow_band(ix, b, err));
		}
	bool few = !s->empty && s->n_exact <= DLG_NEARDUP_EXACT;
	uint32_t exact_at = 0;
	if (few)
		DLG_TRY(reserve_set(&exact_at, ix, s->n_exact, err));

	uint32_t id = ix->count++;
	dlg_neardup_member *m = &ix->members[id];
	memcpy(m->nib, s->nib, sizeof m->nib);
	memcpy(m->conv_id, conv_id, sizeof m->conv_id);
	m->tag = tag;
	m->joined = false;
	m->n_exact = s->empty ? 0 : s->n_exact;
	m->exact_at = exact_at;
	if (few) {
		uint32_t *set = ix->chunks[exact_at >> DLG_NEARDUP_CHUNK_BITS] +
				(exact_at & (DLG_NEARDUP_CHUNK - 1));
		memcpy(set, s->exact, s->n_exact * sizeof *s->exact);
		ix->chunk_used += s->n_exact;
	}
	if (cluster == DLG_NEARDUP_NEW) {
		m->cluster = id;
	} else {
		m->cluster = ix->members[cluster].cluster;
		dlg_neardup_member *first = &ix->members[m->cluster];
		ix->clusters += !first->joined;
		first->joined = true;
	}
	/* An empty signature stays out of the tables: it is never a candidate. */
	if (!s->empty)
		for (size_t b = 0; b < DLG_NEARDUP_BANDS; b++) {
			dlg_neardup_band *t = &ix->bands[b];
			uint32_t key = dlg_nearindex__band_key(s->nib, b);
			size_t i = probe(ix, t->slots, t->cap, b, key);
			if (t->slots[i] == EMPTY_SLOT) {
				t->slots[i] = id;
				t->count++;
			}
		}
	*id_out = id;
	return DLG_OK;
}

uint32_t dlg_nearindex__cluster(const dlg_neardup_index *ix, uint32_t id)
{
	DLG_ASSERT(id < ix->count);
	return ix->members[id].cluster;
}

uint8_t dlg_nearindex__tag(const dlg_neardup_index *ix, uint32_t id)
{
	DLG_ASSERT(id < ix->count);
	return ix->members[id].tag;
}

void dlg_nearindex__sig_of(dlg_neardup_sig *out, const dlg_neardup_index *ix, uint32_t id)
{
	DLG_ASSERT(id < ix->count);
	const dlg_neardup_member *m = &ix->members[id];
	memset(out, 0, sizeof *out);
	memcpy(out->nib, m->nib, sizeof out->nib);
	out->empty = m->n_exact == 0;
	out->n_exact = m->n_exact;
	if (m->n_exact > 0 && m->n_exact <= DLG_NEARDUP_EXACT)
		memcpy(out->exact, member_set(ix, m), m->n_exact * sizeof *out->exact);
}

dlg_status dlg_nearindex__place(uint32_t *near_out, double *similarity_out, size_t *split,
			      dlg_neardup_index *ix, const dlg_unit *u, dlg_error *err)
{
	const dlg_options *o = u->ctx->opts;
	uint32_t match;
	bool near = dlg_nearindex__find(&match, similarity_out, ix, &u->near_sig,
				      o->near_dup_threshold);
	*near_out = near && o->near_dup == DLG_NEAR_DUP_DROP ? match : UINT32_MAX;
	if (*near_out != UINT32_MAX)
		return DLG_OK;
	if (near)
		*split = dlg_nearindex__tag(ix, match);
	uint32_t id;
	return dlg_nearindex__add(&id, ix, &u->near_sig, u->id, near ? match : DLG_NEARDUP_NEW,
				(uint8_t)*split, err);
}
