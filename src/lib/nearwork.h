/*
 * nearwork.h - what the near-duplicate steps pass to each other through the work directory
 * (nearwork.c, docs/map-reduce.md "Near-duplicates"): a map part's signatures, a band task's
 * candidate pairs, the cluster step's fate of each conversation, all fixed-size records.
 */
#ifndef DLG_NEARWORK_H
#define DLG_NEARWORK_H

#include "internal.h"
#include "buf.h"
#include "ctx.h"
#include "manifest.h"
#include "unit.h"
#include "workdir.h"

/* A map part's file: a record per conversation it keeps, in the journal's order. */
#define DLG_SIGNATURES "signatures"
/* A band task's: its candidate pairs, by the later conversation's position. */
#define DLG_PAIRS "pairs"
/* The cluster step's: a byte per conversation of the signatures, in input order... */
#define DLG_FATES "fates"
/* ... and a record per conversation --near-dup drop drops. */
#define DLG_DROPPED "dropped"
#define DLG_CLUSTERS_DIR "clusters"
/* How errors name the cluster step's output and what makes it again: one made of a part
 * changed since is stale, and so are the band tasks' pairs it was made from. */
#define DLG_FATES_WHAT "the cluster step's output"
#define DLG_FATES_REDO "every bands task and cluster"

/* Record sizes: a signature is id (16), bins (128), its distinct shingles (1: 0 when
 * empty), map's split (1), 2 zero bytes and the exact set (32 x 4, zeros past it); a pair is
 * three 32-bit numbers (later, earlier, band); a dropped one the kept id and the similarity
 * (a double's bits). Numbers are little-endian. */
#define DLG_SIG_RECORD 276
#define DLG_PAIR_RECORD 12
#define DLG_DROPPED_RECORD 24

/* A fate besides a split's number: an exact duplicate of an earlier conversation, or one
 * --near-dup drop drops (its record in DLG_DROPPED). */
#define DLG_FATE_DUP 0xFE
#define DLG_FATE_NEAR 0xFF
_Static_assert(DLG_MAX_SPLITS < DLG_FATE_DUP, "a split's number is a fate");

/** One conversation of a part's signatures. */
typedef struct dlg_sig_record {
	uint8_t id[16];
	size_t split; /* map's: before its cluster's placed it */
	dlg_neardup_sig sig;
} dlg_sig_record;

/** 32-bit little-endian numbers, as the records hold them. */
void dlg_nearwork__put32(uint8_t *p, uint32_t v);
uint32_t dlg_nearwork__get32(const uint8_t *p);

void dlg_nearwork__encode(uint8_t out[DLG_SIG_RECORD], const uint8_t id[16], size_t split,
			  const dlg_neardup_sig *s);
/** False when `in` is no record map writes. */
bool dlg_nearwork__decode(dlg_sig_record *out, const uint8_t in[DLG_SIG_RECORD],
			  const dlg_ctx *ctx);

/** WORK/bands-BBBBB-of-NNNNN and WORK/clusters into out; return what snprintf returns. */
size_t dlg_nearwork__bands_dir(char *out, size_t cap, const char *work, unsigned band,
			       unsigned bands);
size_t dlg_nearwork__clusters_dir(char *out, size_t cap, const char *work);
/** The next record of n bytes from r into rec; *got is false at r's end (a part of one
 * there is an error). */
dlg_status dlg_nearwork__read(bool *got, dlg_readback *r, void *rec, size_t n,
			      dlg_error *err) DLG_WUR;

/** A step's record of the parts in WORK now, at their part index k: the SHA-256 of part k's
 * manifest (64 hex digits) against what `m` (a band task's or the cluster step's manifest)
 * was made from. `what` and `redo` name m's directory and its step. */
dlg_status dlg_nearwork__made_from(const dlg_manifest_read *m, unsigned k, unsigned parts,
				   const char *part_sha256, const char *what, const char *redo,
				   dlg_error *err) DLG_WUR;

/** The cluster step's result, read in input order by reduce and finalize. */
typedef struct dlg_fates {
	dlg_manifest_read m;
	dlg_readback fates, dropped;
} dlg_fates;

/** WORK/clusters checked (these options, every file there at its size), opened to read. */
dlg_status dlg_nearwork__fates_open(dlg_fates *f, const dlg_ctx *ctx, const char *work,
				    dlg_error *err) DLG_WUR;
/** The next conversation's fate; *kept and *similarity too when it is DLG_FATE_NEAR
 * (kept may be NULL: not read). */
dlg_status dlg_nearwork__next(uint8_t *fate, uint8_t kept[16], double *similarity, dlg_fates *f,
			      dlg_error *err) DLG_WUR;
/** At the end: nothing is left, and every byte read is the one its manifest lists (the
 * dropped records only when `dropped` was read). */
dlg_status dlg_nearwork__fates_end(dlg_fates *f, bool dropped, dlg_error *err) DLG_WUR;
void dlg_nearwork__fates_dispose(dlg_fates *f);
/** The error for a fate that is not the one the parts say (a duplicate where the parts have
 * none, a split that is not one, no fate left). */
dlg_status dlg_nearwork__mismatch(const dlg_fates *f, dlg_error *err) DLG_WUR;

/** The rejects.jsonl line of a conversation --near-dup drop drops, made from its W307 line
 * (map renders that one: both point at its first turn) into `out`. */
dlg_status dlg_nearwork__near_line(dlg_buf *out, const char *w307, const uint8_t kept[16],
				   double similarity, dlg_error *err) DLG_WUR;

#endif
