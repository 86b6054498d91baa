/*
 * failio.c - an LD_PRELOAD shim that makes one I/O call fail on purpose (jq's approach), so
 * that tests can check what a failure at every point of a run leaves behind.
 *
 *   DLG_FAIL=KIND:N   fail the N-th call (1-based) of KIND, one of
 *                     open (only opens that create a file), write, read, fsync, rename
 *                     (rename also counts renameat2 and linkat)
 * Only file descriptors above 2 count for read and write, so the report on stdout/stderr
 * is never the thing that fails.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static long counts[5];
static const char *const kinds[5] = { "open", "write", "read", "fsync", "rename" };
static const int errors[5] = { ENOSPC, ENOSPC, EIO, EIO, EIO };

/* Whether this call, the next of `kind`, is the one to fail; sets errno when it is. */
static int should_fail(int kind)
{
	const char *spec = getenv("DLG_FAIL");
	size_t len = strlen(kinds[kind]);
	if (!spec || strncmp(spec, kinds[kind], len) != 0 || spec[len] != ':')
		return 0;
	long n = __atomic_add_fetch(&counts[kind], 1, __ATOMIC_SEQ_CST);
	if (n != atol(spec + len + 1))
		return 0;
	errno = errors[kind];
	return 1;
}

#define REAL(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	if (flags & O_CREAT) {
		va_list ap;
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
		if (should_fail(0))
			return -1;
	}
	return REAL(open)(path, flags, mode);
}

ssize_t write(int fd, const void *buf, size_t n)
{
	if (fd > 2 && should_fail(1))
		return -1;
	return REAL(write)(fd, buf, n);
}

ssize_t read(int fd, void *buf, size_t n)
{
	if (fd > 2 && should_fail(2))
		return -1;
	return REAL(read)(fd, buf, n);
}

int fsync(int fd)
{
	if (should_fail(3))
		return -1;
	return REAL(fsync)(fd);
}

int rename(const char *from, const char *to)
{
	if (should_fail(4))
		return -1;
	return REAL(rename)(from, to);
}

/* the commit's swap, and the links that carry the user's files over, count as renames */
int renameat2(int from_dir, const char *from, int to_dir, const char *to, unsigned flags)
{
	if (should_fail(4))
		return -1;
	return REAL(renameat2)(from_dir, from, to_dir, to, flags);
}

int linkat(int from_dir, const char *from, int to_dir, const char *to, int flags)
{
	if (should_fail(4))
		return -1;
	return REAL(linkat)(from_dir, from, to_dir, to, flags);
}
