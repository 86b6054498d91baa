/*
 * neardup.h - near-duplicate signatures, their LSH index, and convert's near-dup step
 * (neardup.c). The signature type itself is in unit.h: a unit holds one.
 */
#ifndef DLG_NEARDUP_H
#define DLG_NEARDUP_H

#include "internal.h"
#include "buf.h"
#include "unit.h"

#define DLG_NEARDUP_BANDS 16
/** As dlg_neardup__add's `cluster`: the new id starts a cluster of its own. */
#define DLG_NEARDUP_NEW UINT32_MAX
/** Ids are 0 .. DLG_NEARDUP_MAX_IDS - 1; UINT32_MAX marks no id. */
#define DLG_NEARDUP_MAX_IDS (UINT32_MAX - 1)

/**
 * The signature of u's turns (roles and normalized contents) into *out. `scratch` is work
 * space, reused from call to call so that only a conversation larger than any before it
 * allocates. Fails only with DLG_E_NOMEM or DLG_E_LIMIT (scratch's cap).
 */
dlg_status dlg_neardup__signature(dlg_neardup_sig *out, const dlg_unit *u, dlg_buf *scratch,
				  dlg_error *err) DLG_WUR;
/** The Jaccard similarity of two signatures' shingle sets, in [0, 1]: exact when both keep
 * their set, else estimated (neardup.c); 0 with an empty one. */
double dlg_neardup__similarity(const dlg_neardup_sig *a, const dlg_neardup_sig *b);
/** The bin that empty bin `bin` takes its value from at densification attempt `attempt`
 * (1, 2, ...), as the signature computes it: exported so the unit tests pin the code's own
 * answer, not a copy of its formula. */
size_t dlg_neardup__probed_bin(uint8_t bin, uint64_t attempt);

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

void dlg_neardup__init(dlg_neardup_index *ix, const dlg_allocator *alloc);
void dlg_neardup__dispose(dlg_neardup_index *ix);
/**
 * The earliest id sharing a band with `s` whose similarity to it (as dlg_neardup__similarity
 * gives it: exact between two conversations of few shingles) is at least `threshold`: true
 * with the id in *match_out and the similarity in *similarity_out (may be NULL). False when
 * there is none, and always for an empty signature.
 */
bool dlg_neardup__find(uint32_t *match_out, double *similarity_out, const dlg_neardup_index *ix,
		       const dlg_neardup_sig *s, double threshold);
/**
 * Append `s` with the caller's `tag`; its id (the number of earlier ones) in *id_out. It
 * joins the cluster of id `cluster` (any member; usually what dlg_neardup__find matched)
 * or, with DLG_NEARDUP_NEW, starts its own. DLG_E_LIMIT past DLG_NEARDUP_MAX_IDS ids,
 * DLG_E_NOMEM; on failure the index is as it was.
 */
dlg_status dlg_neardup__add(uint32_t *id_out, dlg_neardup_index *ix, const dlg_neardup_sig *s,
			    const uint8_t conv_id[16], uint32_t cluster, uint8_t tag,
			    dlg_error *err) DLG_WUR;
/** The id of the first member of id's cluster (id itself when it started one). */
uint32_t dlg_neardup__cluster(const dlg_neardup_index *ix, uint32_t id);
uint8_t dlg_neardup__tag(const dlg_neardup_index *ix, uint32_t id);
/** The signature id was added with, as dlg_neardup__find takes it, into *out. */
void dlg_neardup__sig_of(dlg_neardup_sig *out, const dlg_neardup_index *ix, uint32_t id);

/**
 * convert's near-duplicate step (docs/rules.md "Near-duplicates") for `u`, about to be written to
 * split *split, in input order; u->near_sig is its signature. --near-dup group: near an
 * earlier conversation, it joins that one's cluster and takes its split. --near-dup drop:
 * near an earlier kept one, *near_out is that one's index id (else UINT32_MAX) with the
 * similarity in *similarity_out, and it is not indexed (only what is kept is compared).
 */
dlg_status dlg_neardup__place(uint32_t *near_out, double *similarity_out, size_t *split,
			      dlg_neardup_index *ix, const dlg_unit *u, dlg_error *err) DLG_WUR;

#endif
