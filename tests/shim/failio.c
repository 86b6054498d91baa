/*
 * failio.c - an LD_PRELOAD shim that makes one I/O call fail on purpose (jq's approach), so
 * that tests can check what a failure at every point of a run leaves behind.
 *
 *   DLG_FAIL=KIND:N   fail the N-th call (1-based) of KIND, one of
 *                     open (only opens that create a file), write, read, fsync, rename
 *                     (rename also counts renameat2 and linkat)
 *   DLG_FAIL_UNDER=DIR count only the read, write and fsync calls on files under DIR (by
 *                     the descriptor's path): a run also reads files of no interest to a
 *                     test, such as OpenSSL's configuration, hundreds of lines one by one
 *   DLG_FAIL_LOG=FILE when a call fails, append a line "FUNCTION PATH" to FILE, PATH the
 *                     file it was about (nothing is appended when no call failed: N was
 *                     past the last, and the test knows its sweep is over)
 *
 * read counts read(2) and stdio's reads alike (fread, fgets, fgetc, getc, getline,
 * getdelim): glibc's stdio calls its own read internally, not through the PLT, so wrapping
 * read(2) alone never reaches a getline; and code that moves from one to the other stays
 * covered. A stdio read that fails returns what the real one returns on an error, with
 * errno EIO and the stream's error indicator set, so ferror() says so.
 *
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

enum { OPEN, WRITE, READ, FSYNC, RENAME };
static long counts[5];
static const char *const kinds[5] = { "open", "write", "read", "fsync", "rename" };
static const int errors[5] = { ENOSPC, ENOSPC, EIO, EIO, EIO };

#define REAL(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

/* The call that fails, on a line of DLG_FAIL_LOG: with the real open and write, so that
 * logging is never itself a call that counts. */
static void note(const char *call, const char *path)
{
	const char *log = getenv("DLG_FAIL_LOG");
	if (!log)
		return;
	int fd = REAL(open)(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	char line[4200];
	int n = snprintf(line, sizeof line, "%s %s\n", call, path);
	/* a short or failed write leaves a line the test will not find: it says so */
	ssize_t written = n > 0 ? REAL(write)(fd, line, (size_t)n) : 0;
	(void)written;
	close(fd);
}

/* The path fd was opened with, or "?"; `path` holds 4097 bytes. */
static const char *fd_path(char *path, int fd)
{
	char link[64];
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, path, 4096);
	if (n <= 0)
		return "?";
	path[n] = '\0';
	return path;
}

static void note_fd(const char *call, int fd)
{
	char path[4097];
	note(call, fd_path(path, fd));
}

/* Whether a call on fd counts at all, as DLG_FAIL_UNDER says. */
static int counts_fd(int fd)
{
	const char *dir = getenv("DLG_FAIL_UNDER");
	if (!dir)
		return 1;
	char buf[4097];
	const char *path = fd_path(buf, fd);
	size_t len = strlen(dir);
	return strncmp(path, dir, len) == 0 && path[len] == '/';
}

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

static int fd_fails(const char *call, int kind, int fd)
{
	if (fd <= 2 || !counts_fd(fd) || !should_fail(kind))
		return 0;
	note_fd(call, fd);
	errno = errors[kind];
	return 1;
}

/* A stdio read from f is to fail: f's error indicator set (the bit glibc's own ferror
 * reads, from <stdio.h>'s struct _IO_FILE), errno EIO. */
static int stream_fails(const char *call, FILE *f)
{
	if (!f || !fd_fails(call, READ, fileno(f)))
		return 0;
	f->_flags |= _IO_ERR_SEEN;
	errno = EIO;
	return 1;
}

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	if (flags & O_CREAT) {
		va_list ap;
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
		if (should_fail(OPEN)) {
			note("open", path);
			errno = errors[OPEN];
			return -1;
		}
	}
	return REAL(open)(path, flags, mode);
}

ssize_t write(int fd, const void *buf, size_t n)
{
	if (fd_fails("write", WRITE, fd))
		return -1;
	return REAL(write)(fd, buf, n);
}

ssize_t read(int fd, void *buf, size_t n)
{
	if (fd_fails("read", READ, fd))
		return -1;
	return REAL(read)(fd, buf, n);
}

size_t fread(void *buf, size_t size, size_t n, FILE *f)
{
	if (stream_fails("fread", f))
		return 0;
	return REAL(fread)(buf, size, n, f);
}

char *fgets(char *s, int n, FILE *f)
{
	if (stream_fails("fgets", f))
		return NULL;
	return REAL(fgets)(s, n, f);
}

int fgetc(FILE *f)
{
	if (stream_fails("fgetc", f))
		return EOF;
	return REAL(fgetc)(f);
}

int getc(FILE *f)
{
	if (stream_fails("getc", f))
		return EOF;
	return REAL(getc)(f);
}

ssize_t getdelim(char **line, size_t *cap, int delim, FILE *f)
{
	if (stream_fails("getdelim", f))
		return -1;
	return REAL(getdelim)(line, cap, delim, f);
}

ssize_t getline(char **line, size_t *cap, FILE *f)
{
	if (stream_fails("getline", f))
		return -1;
	return REAL(getline)(line, cap, f);
}

/* what fread and fgets become with _FORTIFY_SOURCE */
size_t __fread_chk(void *buf, size_t buf_size, size_t size, size_t n, FILE *f);
size_t __fread_chk(void *buf, size_t buf_size, size_t size, size_t n, FILE *f)
{
	if (stream_fails("__fread_chk", f))
		return 0;
	return REAL(__fread_chk)(buf, buf_size, size, n, f);
}

char *__fgets_chk(char *s, size_t size, int n, FILE *f);
char *__fgets_chk(char *s, size_t size, int n, FILE *f)
{
	if (stream_fails("__fgets_chk", f))
		return NULL;
	return REAL(__fgets_chk)(s, size, n, f);
}

int fsync(int fd)
{
	if (counts_fd(fd) && should_fail(FSYNC)) {
		note_fd("fsync", fd);
		errno = errors[FSYNC];
		return -1;
	}
	return REAL(fsync)(fd);
}

int rename(const char *from, const char *to)
{
	if (should_fail(RENAME)) {
		note("rename", from);
		errno = errors[RENAME];
		return -1;
	}
	return REAL(rename)(from, to);
}

/* the commit's swap, and the links that carry the user's files over, count as renames */
int renameat2(int from_dir, const char *from, int to_dir, const char *to, unsigned flags)
{
	if (should_fail(RENAME)) {
		note("renameat2", from);
		errno = errors[RENAME];
		return -1;
	}
	return REAL(renameat2)(from_dir, from, to_dir, to, flags);
}

int linkat(int from_dir, const char *from, int to_dir, const char *to, int flags)
{
	if (should_fail(RENAME)) {
		note("linkat", from);
		errno = errors[RENAME];
		return -1;
	}
	return REAL(linkat)(from_dir, from, to_dir, to, flags);
}
