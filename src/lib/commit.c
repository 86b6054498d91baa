/*
 * commit.c - owns the output directory: the lock, the staging directory the new dataset is
 * written into, the one atomic swap that makes it visible, and the clean-up of what a dead
 * run left. The protocol is docs/commit-protocol.md. Uses buf.c and error.c.
 *
 * Other programs (a trainer, `datasets`, jq) read DIR without asking dlgconv, so at every
 * instant DIR must hold either the whole old dataset or the whole new one. Renaming files one
 * by one cannot promise that; exchanging two directories with one renameat2() can.
 */
#define _GNU_SOURCE /* renameat2, RENAME_EXCHANGE */
#include "commit.h"
#include "buf.h"
#include "error.h"
#include "sink.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* Remove dir_fd/name and everything under it (no symlink is followed). */
static void remove_tree(int dir_fd, const char *name)
{
	if (unlinkat(dir_fd, name, 0) == 0 || errno != EISDIR)
		return;
	int fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)) != NULL)
			if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
				remove_tree(dirfd(d), e->d_name);
		closedir(d);
	} else if (fd >= 0) {
		close(fd);
	}
	unlinkat(dir_fd, name, AT_REMOVEDIR);
}

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/*
 * The names this protocol gives beside DIR, each "." NAME SUFFIX. The staging directory's is
 * the longest, so a NAME that leaves it under NAME_MAX (split_dir checks) makes every one of
 * them fit a NAME_MAX buffer, however long the path to DIR is: paths are allocated.
 */
#define STAGE_SUFFIX ".dlgconv-new-"
#define STAGE_TEMPLATE STAGE_SUFFIX "XXXXXX"
#define OLD_SUFFIX ".dlgconv-old-"
#define LOCK_SUFFIX ".dlgconv-lock"
#define MAX_NAME (NAME_MAX - (sizeof "." STAGE_TEMPLATE - 1))
/* Attempts at the lock that may each lose a race with a run taking away what it had made
 * (take_lock()); every such loss means that run finished, so a few are plenty. */
#define LOCK_ATTEMPTS 64

static void beside_name(char out[NAME_MAX + 1], const dlg_commit *c, const char *suffix)
{
	snprintf(out, NAME_MAX + 1, ".%s%s", c->name, suffix);
}

/*
 * s[0..len) is `suffix` and the six letters or digits mkdtemp() puts after it, nothing more.
 * Exact, so that a run never takes another DIR's staging directory or lock file for one of
 * its own: "out" and "out.dlgconv-new-x" are two DIRs, and ".out.dlgconv-new-" begins the
 * names of both one's staging directories and the other's lock file.
 */
static bool temp_tail(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);
	if (len != n + 6 || memcmp(s, suffix, n) != 0)
		return false;
	for (size_t i = n; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z')))
			return false;
	return true;
}

/* A staging or old directory of this DIR's, by its name in PARENT. */
static bool leftover_name(const dlg_commit *c, const char *entry)
{
	size_t n = strlen(c->name), len = strlen(entry);
	if (len < n + 1 || entry[0] != '.' || memcmp(entry + 1, c->name, n) != 0)
		return false;
	return temp_tail(entry + 1 + n, len - 1 - n, STAGE_SUFFIX) ||
	       temp_tail(entry + 1 + n, len - 1 - n, OLD_SUFFIX);
}

/* A name this protocol gives beside a DIR: a DIR of that name would be taken for another
 * DIR's lock file or leftover (and removed as one). */
static bool protocol_name(const char *s, size_t len)
{
	size_t lock = strlen(LOCK_SUFFIX), tail = strlen(STAGE_SUFFIX) + 6;
	if (len < 2 || s[0] != '.')
		return false;
	if (len > lock && memcmp(s + len - lock, LOCK_SUFFIX, lock) == 0)
		return true;
	return len > tail && (temp_tail(s + len - tail, tail, STAGE_SUFFIX) ||
			      temp_tail(s + len - tail, tail, OLD_SUFFIX));
}

/* Leftovers of dead runs, safe to remove under the lock: this protocol's staging and old
 * directories beside DIR, and the temporary files older versions wrote inside it. A live
 * run's staging directory exists only while it holds the lock, so it is never among them. */
static void clean_leftovers(dlg_commit *c)
{
	int fd = dup(c->parent_fd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (leftover_name(c, e->d_name))
			remove_tree(c->parent_fd, e->d_name);
	closedir(d);
	fd = openat(c->parent_fd, c->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(d)) != NULL)
		if (has_prefix(e->d_name, ".dlgconv-tmp-") ||
		    has_prefix(e->d_name, ".dlgconv-old-"))
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
}

/* The umask, from /proc (Linux 4.7+): umask() itself would change it for every thread. */
static mode_t process_umask(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	unsigned mask = 022;
	char line[128];
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "Umask: %o", &mask) == 1)
			break;
	if (f)
		fclose(f);
	return (mode_t)mask;
}

static bool dir_is_empty(int parent_fd, const char *name)
{
	int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return true;
	}
	struct dirent *e;
	bool empty = true;
	while (empty && (e = readdir(d)) != NULL)
		empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
	closedir(d);
	return empty;
}

/*
 * mkdir -p of DIR's parents, in c->parent (used here as scratch); the outermost directory
 * made here, over every attempt, goes to c->created. ENOENT means a directory above was taken
 * away meanwhile (by a failed run that had made it): *again.
 */
static dlg_status make_parents(dlg_commit *c, bool *again, dlg_error *err)
{
	size_t len = strlen(c->dir);
	char *path = c->parent;
	memcpy(path, c->dir, len + 1);
	for (size_t i = 1; i < len; i++) {
		if (path[i] != '/' || path[i - 1] == '/')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0777) == 0) {
			if (!c->created || i < c->created)
				c->created = i;
		} else if (errno != EEXIST) {
			*again = errno == ENOENT;
			return dlg_error__io(err, errno, "create", path);
		}
		path[i] = '/';
	}
	return DLG_OK;
}

/*
 * DIR's parent (into c->parent) and last component (c->name). "." and ".." are resolved
 * first, since they cannot be renamed; so is the whole of DIR when `resolve` says it is a
 * symbolic link, so that the dataset lands in the directory it names and every run into that
 * directory, through whichever name, takes the same lock. realpath() writes into c->parent,
 * allocated before anything was made: realpath(x, NULL) would malloc.
 */
static dlg_status split_dir(dlg_commit *c, bool resolve, dlg_error *err)
{
	const char *dir = c->dir;
	size_t len = strlen(dir);
	while (len > 1 && dir[len - 1] == '/')
		len--;
	const char *slash = memrchr(dir, '/', len);
	const char *base = slash ? slash + 1 : dir;
	size_t base_len = len - (size_t)(base - dir);
	if (resolve || (base_len == 1 && base[0] == '.') ||
	    (base_len == 2 && memcmp(base, "..", 2) == 0)) {
		if (!realpath(c->dir, c->parent)) {
			if (resolve && errno == ENOENT)
				return dlg_error__set(err, DLG_E_IO, ENOENT, "'%s' is a symbolic "
						      "link to a directory that does not exist",
						      c->dir);
			return dlg_error__io(err, errno, "resolve", c->dir);
		}
		dir = c->parent;
		len = strlen(dir);
		slash = strrchr(dir, '/');
		base = slash + 1;
		base_len = len - (size_t)(base - dir);
	}
	if (base_len == 0)
		return dlg_error__set(err, DLG_E_ARG, 0, "'%s' cannot be an output directory",
				      dir);
	if (base_len > MAX_NAME)
		return dlg_error__set(err, DLG_E_ARG, 0, "the output directory's name is longer "
				      "than %zu bytes (the staging directory beside it adds %zu): "
				      "'%s'", MAX_NAME, NAME_MAX - MAX_NAME, dir);
	if (protocol_name(base, base_len))
		return dlg_error__set(err, DLG_E_ARG, 0, "'%s' cannot be an output directory: "
				      "dlgconv gives names like '%.*s' to its own files beside "
				      "one", dir, (int)base_len, base);
	memcpy(c->name, base, base_len);
	c->name[base_len] = '\0';
	if (!slash) {
		memcpy(c->parent, ".", 2);
	} else {
		size_t parent_len = slash == dir ? 1 : (size_t)(slash - dir);
		memmove(c->parent, dir, parent_len);
		c->parent[parent_len] = '\0';
	}
	return DLG_OK;
}

static dlg_status open_parent(dlg_commit *c, bool *again, dlg_error *err)
{
	c->parent_fd = open(c->parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->parent_fd >= 0)
		return DLG_OK;
	*again = errno == ENOENT;
	return dlg_error__io(err, errno, "open", c->parent);
}

/* The file lock_fd has open is still the one at the lock's name: a run holding the lock may
 * unlink it (remove_parents()) after another opened it, and locking that one locks nothing. */
static bool lock_is_current(const dlg_commit *c, const char *lock)
{
	struct stat held, now;
	return fstat(c->lock_fd, &held) == 0 && fstatat(c->parent_fd, lock, &now, 0) == 0 &&
	       same_file(&held, &now);
}

/*
 * One attempt at DIR's lock: make the parents, open PARENT, open the lock file and flock()
 * it, then check that the file locked is still the one at the lock's name (the file is
 * unlinked only by a run holding it). *again says the attempt lost a race with a run that
 * was taking away what it had made (a directory, the lock file): then try again.
 */
static dlg_status take_lock(dlg_commit *c, bool *again, dlg_error *err)
{
	*again = false;
	DLG_TRY(make_parents(c, again, err));
	DLG_TRY(split_dir(c, false, err));
	DLG_TRY(open_parent(c, again, err));
	struct stat st;
	if (fstatat(c->parent_fd, c->name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
		/* the link stays a link; the directory it names gets the dataset */
		close(c->parent_fd);
		c->parent_fd = -1;
		DLG_TRY(split_dir(c, true, err));
		DLG_TRY(open_parent(c, again, err));
	}
	/* The lock is beside DIR, not in it: DIR itself is swapped for another directory. */
	char lock[NAME_MAX + 1];
	beside_name(lock, c, LOCK_SUFFIX);
	c->lock_fd = openat(c->parent_fd, lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (c->lock_fd < 0) {
		*again = errno == ENOENT; /* PARENT was taken away after it was opened */
		return dlg_error__io(err, errno, "create the lock file", lock);
	}
	if (flock(c->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK)
			return dlg_error__io(err, errno, "lock", lock);
		/* held, but maybe by a run about to unlink it: then the lock is free */
		*again = !lock_is_current(c, lock);
		c->lost = !*again;
		return dlg_error__set(err, DLG_E_LOCKED, 0, "another dlgconv is writing '%s' "
				      "(it holds %s/%s); wait for it to finish", c->dir,
				      c->parent, lock);
	}
	if (!lock_is_current(c, lock)) {
		*again = true;
		return dlg_error__set(err, DLG_E_IO, ENOENT, "cannot lock '%s/%s': another run "
				      "kept taking it away", c->parent, lock);
	}
	c->locked = true;
	return DLG_OK;
}

dlg_status dlg_commit__begin(dlg_commit *c, const dlg_options *o, dlg_error *err)
{
	memset(c, 0, sizeof *c);
	c->alloc = o->allocator;
	c->parent_fd = c->lock_fd = -1;
	c->dir = o->output_dir;
	size_t len = strlen(c->dir);
	if (!len)
		return dlg_error__set(err, DLG_E_ARG, 0, "empty output directory name");
	/* Before anything is made: a run that fails between making the parents and holding the
	 * lock cannot always take them away again (remove_parents()), so nothing may fail
	 * there for want of memory. */
	size_t parent_size = len < PATH_MAX ? PATH_MAX : len + 2; /* realpath() wants PATH_MAX */
	c->parent = dlg_mem__alloc(c->alloc, parent_size + NAME_MAX + 1);
	if (!c->parent)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	c->name = c->parent + parent_size;
	dlg_status st;
	bool again;
	int attempts = 0;
	do {
		if (c->lock_fd >= 0)
			close(c->lock_fd);
		if (c->parent_fd >= 0)
			close(c->parent_fd);
		c->parent_fd = c->lock_fd = -1;
		st = take_lock(c, &again, err);
	} while (st != DLG_OK && again && ++attempts < LOCK_ATTEMPTS);
	if (st != DLG_OK)
		return st;
	clean_leftovers(c);
	struct stat st_dir;
	if (fstatat(c->parent_fd, c->name, &st_dir, 0) == 0) {
		if (!S_ISDIR(st_dir.st_mode))
			return dlg_error__set(err, DLG_E_IO, ENOTDIR, "'%s' is not a directory",
					      c->dir);
		c->existed = true;
		if (!o->force && !dir_is_empty(c->parent_fd, c->name))
			return dlg_error__set(err, DLG_E_EXISTS, 0, "'%s' is not empty; pass "
					      "option force to replace the dataset in it", c->dir);
	} else if (errno != ENOENT) {
		return dlg_error__io(err, errno, "look at", c->dir);
	}
	/* PARENT/.NAME.dlgconv-new-XXXXXX, allocated: DIR may sit as deep as the system lets a
	 * path go (scratch space on a cluster is often a few hundred bytes down) */
	size_t stage_size = strlen(c->parent) + strlen(c->name) + sizeof "/." STAGE_TEMPLATE;
	char *stage = dlg_mem__alloc(c->alloc, stage_size);
	if (!stage)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	snprintf(stage, stage_size, "%s/.%s" STAGE_TEMPLATE, c->parent, c->name);
	if (!mkdtemp(stage)) {
		int e = errno;
		dlg_mem__free(c->alloc, stage);
		return dlg_error__io(err, e, "create a staging directory beside", c->dir);
	}
	/* mkdtemp makes it 0700; the dataset directory gets the mode DIR had, or a new
	 * directory's (0777 less the umask, read without changing it: threads may be about) */
	mode_t mode = c->existed ? st_dir.st_mode & 07777 : 0777 & ~process_umask();
	c->stage = stage; /* from here dlg_commit__end() removes it */
	c->stage_name = strrchr(stage, '/') + 1;
	if (chmod(stage, mode) != 0)
		return dlg_error__io(err, errno, "set the mode of", stage);
	return DLG_OK;
}

static bool listed(const char *name, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

/*
 * The user's own files in DIR go into the staging directory as hard links, so that the
 * swap keeps them: everything but this run's files, the earlier dataset's (`stale`) and
 * leftovers of older versions. A directory cannot be linked, nor moved without a moment
 * where it is in neither place, so one is refused.
 */
static dlg_status carry_user_files(dlg_commit *c, const char *const *names, size_t n,
				   const char *const *stale, size_t n_stale, dlg_error *err)
{
	int fd = openat(c->parent_fd, c->name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int stage_fd = openat(c->parent_fd, c->stage_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	dlg_status st = DLG_OK;
	if (!d || stage_fd < 0)
		st = dlg_error__io(err, errno, "read", c->dir);
	struct dirent *e;
	while (st == DLG_OK && (e = readdir(d)) != NULL) {
		const char *name = e->d_name;
		struct stat sb;
		bool dataset = listed(name, names, n) || listed(name, stale, n_stale);
		if (dataset && fstatat(dirfd(d), name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
		    !S_ISREG(sb.st_mode)) {
			/* a directory (or link) of the user's that bears a dataset file's name */
			st = dlg_error__set(err, DLG_E_IO, EEXIST, "'%s/%s' is not a file "
					    "dlgconv wrote; move it out of the output directory",
					    c->dir, name);
			break;
		}
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || dataset ||
		    has_prefix(name, ".dlgconv-"))
			continue;
		if (fstatat(dirfd(d), name, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(sb.st_mode))
			st = dlg_error__set(err, DLG_E_IO, EISDIR, "'%s' holds a directory of "
					    "yours, '%s', which cannot be carried over atomically; "
					    "move it out of the output directory", c->dir, name);
		else if (linkat(dirfd(d), name, stage_fd, name, 0) != 0)
			st = dlg_error__io(err, errno, "keep (hard-link) your file", name);
	}
	if (d)
		closedir(d);
	else if (fd >= 0)
		close(fd);
	if (st == DLG_OK && fsync(stage_fd) != 0)
		st = dlg_error__io(err, errno, "sync", c->stage);
	if (stage_fd >= 0)
		close(stage_fd);
	return st;
}

dlg_status dlg_commit__finish(dlg_commit *c, const char *const *names, size_t n,
			      const char *const *stale, size_t n_stale, dlg_error *err)
{
	if (c->existed)
		DLG_TRY(carry_user_files(c, names, n, stale, n_stale, err));
	else
		DLG_TRY(dlg_sink__sync_dir(c->stage, err));
	/* The one step that makes the new dataset visible, whole: before it DIR is the old
	 * one, after it the new one, whatever instant a kill comes. */
	int rc = renameat2(c->parent_fd, c->stage_name, c->parent_fd, c->name,
			   c->existed ? RENAME_EXCHANGE : RENAME_NOREPLACE);
	if (rc != 0 && errno == EINVAL && !c->existed)
		rc = renameat(c->parent_fd, c->stage_name, c->parent_fd, c->name);
	if (rc != 0) {
		int e = errno;
		return dlg_error__set(err, DLG_E_IO, e, "cannot swap the new dataset into "
				      "'%s': %s%s", c->dir, strerror(e),
				      e == EINVAL ? " (this file system cannot exchange "
						    "directories atomically)" : "");
	}
	if (fsync(c->parent_fd) != 0) {
		/* not known to be on disk: undo, so that a failure means DIR as it was */
		int e = errno;
		if (c->existed)
			renameat2(c->parent_fd, c->name, c->parent_fd, c->stage_name,
				  RENAME_EXCHANGE);
		else
			renameat(c->parent_fd, c->name, c->parent_fd, c->stage_name);
		return dlg_error__io(err, e, "sync", c->parent);
	}
	c->swapped = true;
	return DLG_OK;
}

/*
 * A failed run takes away the parents make_parents() made, innermost first, with rmdir()
 * alone: it removes only an empty directory, so never one another run has put its lock file,
 * staging directory or dataset in; a run that finds one gone before it holds its lock makes
 * it again (take_lock()). Two need more: the directory of the lock file, emptied only by the
 * run holding the lock (it unlinks the lock file, and not while DIR is there, which keeps the
 * directory anyway), and DIR itself (made here when given as "DIR/." or "DIR/"), taken away
 * only by the run holding its lock, since another that holds it may be about to swap it.
 * The innermost is DIR's path up to its last '/' as given. A PATH_MAX buffer, not an
 * allocation: cleaning up must work when memory has run out.
 */
static void remove_parents(const dlg_commit *c)
{
	char path[PATH_MAX];
	size_t len = (size_t)(strrchr(c->dir, '/') - c->dir); /* c->created: there is one */
	if (len >= sizeof path)
		return;
	memcpy(path, c->dir, len);
	path[len] = '\0';
	struct stat dir_st, lock_dir_st, st;
	bool dir_known = stat(c->dir, &dir_st) == 0;
	bool lock_here = c->locked && fstat(c->parent_fd, &lock_dir_st) == 0;
	while (stat(path, &st) == 0) {
		if (dir_known && same_file(&st, &dir_st) && !c->locked)
			break;
		if (lock_here && same_file(&st, &lock_dir_st)) {
			if (fstatat(c->parent_fd, c->name, &dir_st, AT_SYMLINK_NOFOLLOW) == 0)
				break;
			char lock[NAME_MAX + 1];
			beside_name(lock, c, LOCK_SUFFIX);
			unlinkat(c->parent_fd, lock, 0);
			lock_here = false;
		}
		if (rmdir(path) != 0 || len <= c->created)
			break;
		char *slash = strrchr(path, '/');
		while (slash && slash > path && slash[-1] == '/')
			slash--;
		if (!slash || slash == path)
			break;
		*slash = '\0';
		len = (size_t)(slash - path);
	}
}

void dlg_commit__end(dlg_commit *c)
{
	/* after the swap the staging name holds the old dataset (or nothing, when DIR is new);
	 * before it, the unfinished new one: either way it goes. A kill before this line
	 * leaves it to the next run's clean-up. */
	if (c->stage)
		remove_tree(c->parent_fd, c->stage_name);
	/* a run that lost the lock leaves the parents it made to the run holding it */
	if (!c->swapped && c->created && !c->lost)
		remove_parents(c);
	if (c->lock_fd >= 0)
		close(c->lock_fd);
	if (c->parent_fd >= 0)
		close(c->parent_fd);
	dlg_mem__free(c->alloc, c->stage);
	dlg_mem__free(c->alloc, c->parent);
	memset(c, 0, sizeof *c);
	c->parent_fd = c->lock_fd = -1;
}
