/*
 * nearindex.h - the near-duplicate index and convert's near-dup step (nearindex.c).
 */
#ifndef DLG_NEARINDEX_H
#define DLG_NEARINDEX_H

#include "internal.h"
#include "neardup.h"

/** Exact sets are kept in chunks of 2^16 fingerprints (256 KiB). */
#define DLG_NEARDUP_CHUNK_BITS 16
#define DLG_NEARDUP_CHUNK ((size_t)1 << DLG_NEARDUP_CHUNK_BITS)

typedef struct dlg_neardup_member {
	uint8_t nib[DLG_NEARDUP_BINS / 2]; /* its signature (zeros when empty) */
	uint8_t conv_id[16];               /* the conversation's id, for findings and reports */
	uint32_t cluster;                  /* the id of its cluster's first member */
	uint32_t exact_at;                 /* with few shingles, where its exact set is: chunk
					      (the high bits) and offset in it */
	uint8_t n_exact;                   /* as dlg_neardup_sig's; 0 when empty */
	uint8_t tag;                       /* the caller's */
	bool joined;                       /* a first member that others joined */
} dlg_neardup_member;

typedef struct dlg_neardup_band {
	uint32_t *slots; /* open addressing, by the key's hash: the first id with each key
			    (UINT32_MAX: empty); cap is 0 or a power of two */
	size_t cap;
	size_t count;
} dlg_neardup_band;

/**
 * Signatures by id (ids in order of insertion) and, per LSH band, the first id that had
 * each key. Read `count` (ids) and `clusters` (clusters of two or more) directly.
 */
typedef struct dlg_neardup_index {
	dlg_neardup_member *members;
	size_t cap;
	uint32_t count;
	uint32_t clusters;
	dlg_neardup_band bands[DLG_NEARDUP_BANDS];
	uint32_t **chunks; /* the exact sets of the members with few shingles */
	size_t n_chunks, chunks_cap;
	size_t chunk_used; /* fingerprints taken in the last chunk */
	const dlg_allocator *alloc;
} dlg_neardup_index;

/** Band `band`'s key in a signature's bins `nib`: its 8 bins' 4-bit values (the band step of
 * the cluster run finds candidates by it as the index does). */
uint32_t dlg_nearindex__band_key(const uint8_t *nib, size_t band);

void dlg_nearindex__init(dlg_neardup_index *ix, const dlg_allocator *alloc);
void dlg_nearindex__dispose(dlg_neardup_index *ix);
/**
 * The earliest id sharing a band with `s` whose similarity to it (as dlg_neardup__similarity
 * gives it: exact between two conversations of few shingles) is at least `threshold`: true
 * with the id in *match_out and the similarity in *similarity_out (may be NULL). False when
 * there is none, and always for an empty signature.
 */
bool dlg_nearindex__find(uint32_t *match_out, double *similarity_out, const dlg_neardup_index *ix,
		       const dlg_neardup_sig *s, double threshold);
/**
 * Append `s` with the caller's `tag`; its id (the number of earlier ones) in *id_out. It
 * joins the cluster of id `cluster` (any member; usually what dlg_nearindex__find matched)
 * or, with DLG_NEARDUP_NEW, starts its own. DLG_E_LIMIT past DLG_NEARDUP_MAX_IDS ids,
 * DLG_E_NOMEM; on failure the index is as it was.
 */
dlg_status dlg_nearindex__add(uint32_t *id_out, dlg_neardup_index *ix, const dlg_neardup_sig *s,
			    const uint8_t conv_id[16], uint32_t cluster, uint8_t tag,
			    dlg_error *err) DLG_WUR;
/** The id of the first member of id's cluster (id itself when it started one). */
uint32_t dlg_nearindex__cluster(const dlg_neardup_index *ix, uint32_t id);
uint8_t dlg_nearindex__tag(const dlg_neardup_index *ix, uint32_t id);
/** The signature id was added with, as dlg_nearindex__find takes it, into *out. */
void dlg_nearindex__sig_of(dlg_neardup_sig *out, const dlg_neardup_index *ix, uint32_t id);

/**
 * convert's near-duplicate step (docs/rules.md "Near-duplicates") for `u`, about to be written to
 * split *split, in input order; u->near_sig is its signature. --near-dup group: near an
 * earlier conversation, it joins that one's cluster and takes its split. --near-dup drop:
 * near an earlier kept one, *near_out is that one's index id (else UINT32_MAX) with the
 * similarity in *similarity_out, and it is not indexed (only what is kept is compared).
 */
dlg_status dlg_nearindex__place(uint32_t *near_out, double *similarity_out, size_t *split,
			      dlg_neardup_index *ix, const dlg_unit *u, dlg_error *err) DLG_WUR;

#endif
