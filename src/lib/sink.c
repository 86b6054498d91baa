/*
 * sink.c - output files: written under a temporary name in the output directory, hashed
 * (SHA-256, OpenSSL) as they are written, flushed to disk and renamed into place only when
 * the whole run succeeded; and gzip members (libdeflate), compressed independently so that
 * several threads can compress one file, which every gzip reader concatenates.
 * Uses buf.c and error.c.
 */
#define _POSIX_C_SOURCE 200809L
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <libdeflate.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define GZ_LEVEL 6

static char *join_path(const dlg_allocator *a, const char *dir, const char *prefix,
		       const char *name)
{
	size_t n = strlen(dir) + strlen(prefix) + strlen(name) + 2;
	char *p = dlg_mem__alloc(a, n);
	if (p)
		snprintf(p, n, "%s/%s%s", dir, prefix, name);
	return p;
}

dlg_status dlg_sink__open(dlg_outfile *f, const char *dir, const char *name,
			  const dlg_allocator *a, dlg_error *err)
{
	memset(f, 0, sizeof *f);
	f->fd = -1;
	f->alloc = a;
	char prefix[48];
	snprintf(prefix, sizeof prefix, ".dlgconv-tmp-%ld-", (long)getpid());
	f->path = join_path(a, dir, "", name);
	f->tmp_path = join_path(a, dir, prefix, name);
	f->sha = EVP_MD_CTX_new();
	if (!f->path || !f->tmp_path || !f->sha) {
		dlg_sink__discard(f);
		return dlg_error__set(err, DLG_E_NOMEM, NULL, 0, "out of memory");
	}
	if (EVP_DigestInit_ex(f->sha, EVP_sha256(), NULL) != 1) {
		dlg_sink__discard(f);
		return dlg_error__set(err, DLG_E_INTERNAL, NULL, 0, "cannot start SHA-256");
	}
	f->fd = open(f->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (f->fd < 0) {
		int e = errno;
		dlg_error__io(err, e, "create", f->tmp_path);
		dlg_mem__free(a, f->tmp_path); /* nothing created: do not unlink */
		f->tmp_path = NULL;
		dlg_sink__discard(f);
		return DLG_E_IO;
	}
	return DLG_OK;
}

dlg_status dlg_sink__write(dlg_outfile *f, const void *p, size_t n, dlg_error *err)
{
	const char *s = p;
	EVP_DigestUpdate(f->sha, p, n);
	f->size += n;
	while (n > 0) {
		ssize_t w = write(f->fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = w < 0 ? errno : ENOSPC;
			return dlg_error__io(err, e, "write", f->tmp_path);
		}
		s += w;
		n -= (size_t)w;
	}
	return DLG_OK;
}

dlg_status dlg_sink__finish(dlg_outfile *f, dlg_error *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	EVP_DigestFinal_ex(f->sha, md, &md_len);
	for (unsigned i = 0; i < md_len && i < 32; i++)
		snprintf(f->sha256_hex + 2 * i, 3, "%02x", md[i]);
	if (fsync(f->fd) != 0 || close(f->fd) != 0) {
		int e = errno;
		f->fd = -1;
		return dlg_error__io(err, e, "flush", f->tmp_path);
	}
	f->fd = -1;
	return DLG_OK;
}

static dlg_status rename_error(dlg_error *err, const char *from, const char *to)
{
	int e = errno;
	return dlg_error__set(err, DLG_E_IO, NULL, e, "cannot rename '%s' to '%s': %s", from, to,
			      strerror(e));
}

/*
 * Several renames are not atomic together, so: move the files being replaced aside (and the
 * stale ones, which an earlier run wrote and this one does not), move the new ones in, and
 * only then delete the old ones. On any failure, undo in reverse, so that the directory
 * holds exactly what it held before.
 */
dlg_status dlg_sink__commit_all(dlg_outfile *const *files, size_t n, const char *const *stale,
				size_t n_stale, const char *dir, const dlg_allocator *a,
				dlg_error *err)
{
	DLG_ASSERT(n <= DLG_SINK_MAX_FILES);
	/* the old files: n replaced, then n_stale removed */
	size_t n_old = n + n_stale;
	char **old = dlg_mem__alloc(a, 2 * n_old * sizeof *old + n_old * sizeof(bool) + 1);
	if (!old)
		return dlg_error__set(err, DLG_E_NOMEM, NULL, 0, "out of memory");
	char **backup = old + n_old;
	bool *had_old = (bool *)(void *)(backup + n_old);
	memset(old, 0, 2 * n_old * sizeof *old + n_old * sizeof(bool));
	dlg_status st = DLG_OK;
	char prefix[48];
	snprintf(prefix, sizeof prefix, ".dlgconv-old-%ld-", (long)getpid());
	for (size_t i = 0; i < n_old && st == DLG_OK; i++) {
		const char *name = i < n ? strrchr(files[i]->path, '/') + 1 : stale[i - n];
		old[i] = join_path(a, dir, "", name);
		backup[i] = join_path(a, dir, prefix, name);
		if (!old[i] || !backup[i])
			st = dlg_error__set(err, DLG_E_NOMEM, NULL, 0, "out of memory");
		else if (rename(old[i], backup[i]) == 0)
			had_old[i] = true;
		else if (errno != ENOENT)
			st = rename_error(err, old[i], backup[i]);
	}
	size_t placed = 0;
	while (st == DLG_OK && placed < n) {
		if (rename(files[placed]->tmp_path, files[placed]->path) != 0)
			st = rename_error(err, files[placed]->tmp_path, files[placed]->path);
		else
			placed++;
	}
	if (st == DLG_OK)
		st = dlg_sink__sync_dir(dir, err);
	if (st != DLG_OK) {
		/* the new files are given up; put every old one back where it was */
		for (size_t i = placed; i-- > 0;)
			if (!had_old[i])
				unlink(files[i]->path);
		for (size_t i = 0; i < n_old; i++)
			if (had_old[i])
				rename(backup[i], old[i]);
	} else {
		for (size_t i = 0; i < n_old; i++)
			if (had_old[i])
				unlink(backup[i]);
		for (size_t i = 0; i < n; i++) {
			dlg_mem__free(files[i]->alloc, files[i]->tmp_path);
			files[i]->tmp_path = NULL;
		}
	}
	for (size_t i = 0; i < n_old; i++) {
		dlg_mem__free(a, old[i]);
		dlg_mem__free(a, backup[i]);
	}
	dlg_mem__free(a, old);
	return st;
}

void dlg_sink__discard(dlg_outfile *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	if (f->tmp_path)
		unlink(f->tmp_path);
	dlg_mem__free(f->alloc, f->tmp_path);
	dlg_mem__free(f->alloc, f->path);
	EVP_MD_CTX_free(f->sha);
	f->tmp_path = f->path = NULL;
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

/* One gzip member (libdeflate: mtime 0, no name, OS byte 255), so members compress apart. */
dlg_status dlg_sink__gzip_member(dlg_buf *out, void *compressor, const char *p, size_t n,
				 dlg_error *err)
{
	size_t bound = libdeflate_gzip_compress_bound(compressor, n);
	out->len = 0;
	DLG_TRY(dlg_buf__reserve(out, bound, err));
	out->len = libdeflate_gzip_compress(compressor, p, n, out->data, bound);
	if (out->len == 0)
		return dlg_error__set(err, DLG_E_ZLIB, NULL, 0, "gzip compression failed");
	return DLG_OK;
}
