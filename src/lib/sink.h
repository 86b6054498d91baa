/*
 * sink.h - output files hashed as they are written, their names, and gzip members (sink.c).
 */
#ifndef DLG_SINK_H
#define DLG_SINK_H

#include "internal.h"
#include "buf.h"
#include "ctx.h"

/** An output file in the staging directory, hashed as it is written. */
typedef struct dlg_outfile {
	char *path;      /* in the staging directory, under its final name */
	int fd;
	uint64_t size;
	uint64_t records;
	void *sha;       /* EVP_MD_CTX * */
	char sha256_hex[65];
	const dlg_allocator *alloc;
} dlg_outfile;

/**
 * Every writer of split files (convert's threads, reduce) ends a gzip member after the record
 * that brings its pending text to this many bytes, and after the file's last, so that the
 * same records make the same bytes: 4 MiB with one shard per split, less with more shards.
 */
size_t dlg_sink__member_bytes(unsigned shards);

/** A split file's name: <split>.jsonl[.gz], or <split>-SSSSS-of-NNNNN.jsonl[.gz] (Hugging
 * Face's shard naming) when there is more than one shard. `out` holds DLG_SPLIT_FILE_NAME. */
#define DLG_SPLIT_FILE_NAME (DLG_MAX_SPLIT_NAME + sizeof "-00000-of-00000.jsonl.gz")
void dlg_sink__split_file_name(char *out, const char *split, unsigned shard, unsigned shards,
			       dlg_compress compress);

dlg_status dlg_sink__open(dlg_outfile *f, const char *dir, const char *name,
			  const dlg_allocator *a, dlg_error *err) DLG_WUR;
dlg_status dlg_sink__write(dlg_outfile *f, const void *p, size_t n, dlg_error *err) DLG_WUR;
/** Flush to disk and finish the hash. */
dlg_status dlg_sink__finish(dlg_outfile *f, dlg_error *err) DLG_WUR;

/**
 * SHA-256 of bytes read back, the hash an output file gets, for the steps that check a file
 * against what its manifest lists. dlg_sink__hash_new() returns NULL when out of memory;
 * dlg_sink__hash_hex() writes the 64 hex digits and a NUL of what `h` was given, after which
 * `h` only goes to dlg_sink__hash_free() (which accepts NULL).
 */
void *dlg_sink__hash_new(void);
void dlg_sink__hash_update(void *h, const void *p, size_t n);
void dlg_sink__hash_hex(char hex[65], void *h);
void dlg_sink__hash_free(void *h);
/** Close the file if it is still open and release everything (the staging directory it is
 * in goes as a whole). */
void dlg_sink__discard(dlg_outfile *f);
dlg_status dlg_sink__sync_dir(const char *dir, dlg_error *err) DLG_WUR;

/** A libdeflate compressor at the output level (one per thread), or NULL. */
void *dlg_sink__deflate_new(void);
void dlg_sink__deflate_free(void *compressor);
/** Compress p[0, n) as one complete gzip member into `out` (replacing its contents); a text
 * of 8 MiB or more (a large record alone) as members of 1 MiB, and DLG_E_CANCELED when
 * `cancel` (may be NULL) asks between two. */
dlg_status dlg_sink__gzip_member(dlg_buf *out, void *compressor, const char *p, size_t n,
				 const volatile sig_atomic_t *cancel, dlg_error *err) DLG_WUR;

#endif
