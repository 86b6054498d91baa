/*
 * sink.c - output files: written in the run's staging directory (commit.c makes it DIR only
 * when the whole run succeeded), hashed (SHA-256, OpenSSL) as they are written and flushed
 * to disk, and files read back hashed the same way (the steps check them against their
 * manifests); and gzip members (libdeflate), compressed independently so that several
 * threads can compress one file, which every gzip reader concatenates.
 * Uses buf.c and error.c.
 */
#define _POSIX_C_SOURCE 200809L
#include "sink.h"
#include "buf.h"
#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <libdeflate.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define GZ_LEVEL 6

/*
 * Members of 4 MiB cost under 1% of ratio against one stream (bench/NOTES.md) and are what
 * one thread compresses at a time. convert holds a member's pending text per split and shard,
 * so with many shards they get smaller (down to 64 KiB, a couple of deflate windows) to
 * keep that under 12 MiB per split up to 64 shards and 64 MiB at the most.
 */
#define MEMBER_BYTES ((size_t)4 << 20)
#define MIN_MEMBER_BYTES ((size_t)64 << 10)
#define LARGE_PIECE ((size_t)1 << 20)

size_t dlg_sink__member_bytes(unsigned shards)
{
	size_t bytes = MEMBER_BYTES / (shards > 1 ? shards : 1);
	return bytes > MIN_MEMBER_BYTES ? bytes : MIN_MEMBER_BYTES;
}

void dlg_sink__split_file_name(char *out, const char *split, unsigned shard, unsigned shards,
			       dlg_compress compress)
{
	const char *ext = compress == DLG_COMPRESS_GZIP ? ".jsonl.gz" : ".jsonl";
	if (shards > 1)
		snprintf(out, DLG_SPLIT_FILE_NAME, "%s-%05u-of-%05u%s", split, shard, shards, ext);
	else
		snprintf(out, DLG_SPLIT_FILE_NAME, "%s%s", split, ext);
}

void *dlg_sink__hash_new(void)
{
	EVP_MD_CTX *h = EVP_MD_CTX_new();
	if (h && EVP_DigestInit_ex(h, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(h);
		h = NULL;
	}
	return h;
}

void dlg_sink__hash_update(void *h, const void *p, size_t n)
{
	EVP_DigestUpdate(h, p, n);
}

void dlg_sink__hash_hex(char hex[65], void *h)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	hex[0] = '\0';
	EVP_DigestFinal_ex(h, md, &md_len);
	for (unsigned i = 0; i < md_len && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

void dlg_sink__hash_free(void *h)
{
	EVP_MD_CTX_free(h);
}

dlg_status dlg_sink__open(dlg_outfile *f, const char *dir, const char *name,
			  const dlg_allocator *a, dlg_error *err)
{
	memset(f, 0, sizeof *f);
	f->fd = -1;
	f->alloc = a;
	size_t n = strlen(dir) + strlen(name) + 2;
	f->path = dlg_mem__alloc(a, n);
	f->sha = dlg_sink__hash_new();
	if (!f->path || !f->sha) {
		dlg_sink__discard(f);
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	}
	snprintf(f->path, n, "%s/%s", dir, name);
	f->fd = open(f->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (f->fd < 0) {
		dlg_status st = dlg_error__io(err, errno, "create", f->path);
		dlg_sink__discard(f);
		return st;
	}
	return DLG_OK;
}

dlg_status dlg_sink__write(dlg_outfile *f, const void *p, size_t n, dlg_error *err)
{
	const char *s = p;
	dlg_sink__hash_update(f->sha, p, n);
	f->size += n;
	while (n > 0) {
		ssize_t w = write(f->fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = w < 0 ? errno : ENOSPC;
			return dlg_error__io(err, e, "write", f->path);
		}
		s += w;
		n -= (size_t)w;
	}
	return DLG_OK;
}

dlg_status dlg_sink__finish(dlg_outfile *f, dlg_error *err)
{
	dlg_sink__hash_hex(f->sha256_hex, f->sha);
	if (fsync(f->fd) != 0 || close(f->fd) != 0) {
		int e = errno;
		f->fd = -1;
		return dlg_error__io(err, e, "flush", f->path);
	}
	f->fd = -1;
	return DLG_OK;
}

void dlg_sink__discard(dlg_outfile *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	dlg_mem__free(f->alloc, f->path);
	dlg_sink__hash_free(f->sha);
	f->path = NULL;
	f->sha = NULL;
}

dlg_status dlg_sink__sync_dir(const char *dir, dlg_error *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return dlg_error__io(err, e, "sync directory", dir);
	}
	close(fd);
	return DLG_OK;
}

void *dlg_sink__deflate_new(void)
{
	return libdeflate_alloc_compressor(GZ_LEVEL);
}

void dlg_sink__deflate_free(void *compressor)
{
	libdeflate_free_compressor(compressor);
}

/* One gzip member (libdeflate: mtime 0, no name, OS byte 255), so members compress apart;
 * a text of twice a member's size or more (one large record alone: the records of a member
 * are fewer bytes) as members of LARGE_PIECE, looking at `cancel` between: one call on
 * 64 MiB takes half a second, on 1 MiB 10 to 20 ms. */
dlg_status dlg_sink__gzip_member(dlg_buf *out, void *compressor, const char *p, size_t n,
				 const volatile sig_atomic_t *cancel, dlg_error *err)
{
	size_t piece = n >= 2 * MEMBER_BYTES ? LARGE_PIECE : n;
	out->len = 0;
	for (size_t at = 0; at < n || at == 0; at += piece) {
		if (at > 0 && cancel && *cancel)
			return dlg_error__set(err, DLG_E_CANCELED, 0, "interrupted");
		size_t k = n - at < piece ? n - at : piece;
		size_t bound = libdeflate_gzip_compress_bound(compressor, k);
		DLG_TRY(dlg_buf__reserve(out, bound, err));
		size_t len = libdeflate_gzip_compress(compressor, p + at, k, out->data + out->len,
						      bound);
		if (len == 0)
			return dlg_error__set(err, DLG_E_ZLIB, 0, "gzip compression failed");
		out->len += len;
		if (n == 0)
			break;
	}
	return DLG_OK;
}
