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

/* Leftovers of dead runs, safe to remove under the lock: this protocol's staging and old
 * directories beside DIR, and the temporary files older versions wrote inside it. */
static void clean_leftovers(dlg_commit *c)
{
	char stage[300], old[300];
	snprintf(stage, sizeof stage, ".%s.dlgconv-new-", c->name);
	snprintf(old, sizeof old, ".%s.dlgconv-old-", c->name);
	int fd = dup(c->parent_fd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (has_prefix(e->d_name, stage) || has_prefix(e->d_name, old))
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
		if (has_prefix(e->d_name, ".dlgconv-tmp-") || has_prefix(e->d_name, ".dlgconv-old-"))
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

/* mkdir -p of DIR's parents; the outermost directory made here goes to c->created. */
static dlg_status make_parents(dlg_commit *c, const char *dir, dlg_error *err)
{
	size_t len = strlen(dir);
	char *path = dlg_mem__strndup(c->alloc, dir, len);
	if (!path)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	dlg_status st = DLG_OK;
	for (size_t i = 1; i < len && st == DLG_OK; i++) {
		if (path[i] != '/' || path[i - 1] == '/')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0777) == 0) {
			if (!c->created && !(c->created = dlg_mem__strndup(c->alloc, path, i)))
				st = dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
		} else if (errno != EEXIST) {
			st = dlg_error__io(err, errno, "create", path);
		}
		path[i] = '/';
	}
	dlg_mem__free(c->alloc, path);
	return st;
}

/* DIR's parent and last component; "." and ".." are resolved first (they cannot be
 * renamed). */
static dlg_status split_dir(dlg_commit *c, const char *dir, dlg_error *err)
{
	char *resolved = NULL;
	size_t len = strlen(dir);
	while (len > 1 && dir[len - 1] == '/')
		len--;
	const char *slash = memrchr(dir, '/', len);
	const char *base = slash ? slash + 1 : dir;
	size_t base_len = len - (size_t)(base - dir);
	if ((base_len == 1 && base[0] == '.') || (base_len == 2 && memcmp(base, "..", 2) == 0)) {
		resolved = realpath(dir, NULL);
		if (!resolved)
			return dlg_error__io(err, errno, "resolve", dir);
		dir = resolved;
		len = strlen(dir);
		slash = strrchr(dir, '/');
		base = slash + 1;
		base_len = len - (size_t)(base - dir);
	}
	dlg_status st = DLG_OK;
	if (base_len == 0 || base_len > 200)
		st = dlg_error__set(err, DLG_E_ARG, 0, "'%s' cannot be an output directory",
				    dir);
	else if (!(c->name = dlg_mem__strndup(c->alloc, base, base_len)) ||
		 !(c->parent = slash ? dlg_mem__strndup(c->alloc, dir, slash == dir ? 1 :
							  (size_t)(slash - dir)) :
				       dlg_mem__strndup(c->alloc, ".", 1)))
		st = dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	free(resolved);
	return st;
}

dlg_status dlg_commit__begin(dlg_commit *c, const dlg_options *o, dlg_error *err)
{
	memset(c, 0, sizeof *c);
	c->alloc = o->allocator;
	c->parent_fd = c->lock_fd = -1;
	c->dir = o->output_dir;
	if (!*c->dir)
		return dlg_error__set(err, DLG_E_ARG, 0, "empty output directory name");
	DLG_TRY(make_parents(c, c->dir, err));
	DLG_TRY(split_dir(c, c->dir, err));
	c->parent_fd = open(c->parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->parent_fd < 0)
		return dlg_error__io(err, errno, "open", c->parent);
	/* The lock is beside DIR, not in it: DIR itself is swapped for another directory. */
	char lock[300];
	snprintf(lock, sizeof lock, ".%s.dlgconv-lock", c->name);
	c->lock_fd = openat(c->parent_fd, lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (c->lock_fd < 0)
		return dlg_error__io(err, errno, "create the lock file", lock);
	if (flock(c->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			return dlg_error__set(err, DLG_E_LOCKED, 0, "another dlgconv is writing "
					      "'%s' (it holds %s/%s); wait for it to finish",
					      c->dir, c->parent, lock);
		return dlg_error__io(err, errno, "lock", lock);
	}
	clean_leftovers(c);
	struct stat st;
	if (fstatat(c->parent_fd, c->name, &st, 0) == 0) {
		if (!S_ISDIR(st.st_mode))
			return dlg_error__set(err, DLG_E_IO, ENOTDIR, "'%s' is not a directory",
					      c->dir);
		c->existed = true;
		if (!o->force && !dir_is_empty(c->parent_fd, c->name))
			return dlg_error__set(err, DLG_E_EXISTS, 0, "'%s' is not empty; pass "
					      "--force to replace the dataset in it", c->dir);
	} else if (errno != ENOENT) {
		return dlg_error__io(err, errno, "look at", c->dir);
	}
	char stage[300];
	snprintf(stage, sizeof stage, "%s/.%s.dlgconv-new-XXXXXX", c->parent, c->name);
	if (strlen(c->parent) + strlen(c->name) + 24 >= sizeof stage)
		return dlg_error__set(err, DLG_E_ARG, 0, "output directory path too long");
	if (!mkdtemp(stage))
		return dlg_error__io(err, errno, "create a staging directory beside", c->dir);
	/* mkdtemp makes it 0700; the dataset directory gets the mode DIR had, or a new
	 * directory's (0777 less the umask, read without changing it: threads may be about) */
	mode_t mode = c->existed ? st.st_mode & 07777 : 0777 & ~process_umask();
	if (chmod(stage, mode) != 0) {
		int e = errno;
		rmdir(stage);
		return dlg_error__io(err, e, "set the mode of", stage);
	}
	c->stage = dlg_mem__strndup(c->alloc, stage, strlen(stage));
	if (!c->stage) {
		rmdir(stage);
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	}
	c->stage_name = strrchr(c->stage, '/') + 1;
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
				      "'%s': %s%s", c->dir, strerror(e), e == EINVAL ? " (this file "
				      "system cannot exchange directories atomically)" : "");
	}
	if (fsync(c->parent_fd) != 0) {
		/* not known to be on disk: undo, so that a failure means DIR as it was */
		int e = errno;
		if (c->existed)
			renameat2(c->parent_fd, c->name, c->parent_fd, c->stage_name, RENAME_EXCHANGE);
		else
			renameat(c->parent_fd, c->name, c->parent_fd, c->stage_name);
		return dlg_error__io(err, e, "sync", c->parent);
	}
	c->swapped = true;
	return DLG_OK;
}

void dlg_commit__end(dlg_commit *c)
{
	/* after the swap the staging name holds the old dataset (or nothing, when DIR is new);
	 * before it, the unfinished new one: either way it goes. A kill before this line
	 * leaves it to the next run's clean-up. */
	if (c->stage)
		remove_tree(c->parent_fd, c->stage_name);
	/* a failed run takes away the parents it made, innermost first (rmdir keeps any that
	 * something else has filled meanwhile) */
	char *path = !c->swapped && c->created ? dlg_mem__strndup(c->alloc, c->parent,
								  strlen(c->parent)) : NULL;
	if (path) {
		/* the lock file is in the innermost of them: nobody else can hold it there */
		char lock[300];
		snprintf(lock, sizeof lock, ".%s.dlgconv-lock", c->name);
		unlinkat(c->parent_fd, lock, 0);
	}
	while (path && rmdir(path) == 0 && strcmp(path, c->created) != 0) {
		char *slash = strrchr(path, '/');
		if (!slash)
			break;
		*slash = '\0';
	}
	dlg_mem__free(c->alloc, path);
	if (c->lock_fd >= 0)
		close(c->lock_fd);
	if (c->parent_fd >= 0)
		close(c->parent_fd);
	dlg_mem__free(c->alloc, c->stage);
	dlg_mem__free(c->alloc, c->name);
	dlg_mem__free(c->alloc, c->parent);
	dlg_mem__free(c->alloc, c->created);
	memset(c, 0, sizeof *c);
	c->parent_fd = c->lock_fd = -1;
}
