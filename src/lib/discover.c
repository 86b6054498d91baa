/*
 * discover.c - input arguments -> the list of files to read (SPEC section 1, Discovery):
 * directories walked recursively, hidden entries skipped, symlinked directories followed
 * once, --include/--exclude applied, each argument's files in byte-wise order of their
 * source name. Uses buf.c and error.c.
 */
#define _XOPEN_SOURCE 700
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Directory walks pick these; a file named on the command line is read whatever its name. */
static bool is_transcript_name(const char *name)
{
	return dlg_input__format_by_name(name) != DLG_INPUT_UNKNOWN;
}

static bool glob_match(const char *pattern, const char *source)
{
	/* a pattern without '/' matches the file name, as in .gitignore */
	const char *subject = source;
	if (!strchr(pattern, '/')) {
		const char *slash = strrchr(source, '/');
		subject = slash ? slash + 1 : source;
	}
	return fnmatch(pattern, subject, 0) == 0;
}

static bool wanted(const dlg_options *o, const char *source)
{
	for (size_t i = 0; i < o->n_exclude; i++)
		if (glob_match(o->exclude[i], source))
			return false;
	if (o->n_include == 0)
		return true;
	for (size_t i = 0; i < o->n_include; i++)
		if (glob_match(o->include[i], source))
			return true;
	return false;
}

static dlg_status add(dlg_inputs *in, const char *path, const char *source, uint64_t size,
		      dlg_error *err)
{
	if (in->count == in->cap) {
		size_t cap = in->cap ? in->cap * 2 : 64;
		dlg_input *items = dlg_mem__realloc(in->alloc, in->items, cap * sizeof *items);
		if (!items)
			return dlg_error__set(err, DLG_E_NOMEM, NULL, 0, "out of memory (inputs)");
		in->items = items;
		in->cap = cap;
	}
	dlg_input *it = &in->items[in->count];
	it->path = dlg_mem__strndup(in->alloc, path, strlen(path));
	it->source = dlg_mem__strndup(in->alloc, source, strlen(source));
	it->size = size;
	if (!it->path || !it->source) {
		dlg_mem__free(in->alloc, it->path);
		dlg_mem__free(in->alloc, it->source);
		return dlg_error__set(err, DLG_E_NOMEM, NULL, 0, "out of memory (inputs)");
	}
	in->count++;
	return DLG_OK;
}

/* Directories on the current walk, so a symlink loop is not followed again. */
typedef struct visited {
	dev_t dev;
	ino_t ino;
} visited;

typedef struct walk {
	dlg_inputs *in;
	const dlg_options *opts;
	visited stack[256];
	size_t depth;
} walk;

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static dlg_status walk_dir(walk *w, const char *path, const char *source, const struct stat *st,
			   dlg_error *err);

static dlg_status walk_entry(walk *w, const char *path, const char *source, dlg_error *err)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		int e = errno;
		return dlg_error__io(err, e, "open", path);
	}
	if (S_ISDIR(st.st_mode))
		return walk_dir(w, path, source, &st, err);
	if (!is_transcript_name(source) || !wanted(w->opts, source))
		return DLG_OK;
	if (S_ISREG(st.st_mode))
		return add(w->in, path, source, (uint64_t)st.st_size, err);
	/* a FIFO in a corpus would block the walk forever: named on the command line it is
	 * read, found in a directory it is reported and passed over */
	return dlg_buf__append(&w->in->skipped, source, strlen(source) + 1, err);
}

static dlg_status walk_dir(walk *w, const char *path, const char *source, const struct stat *st,
			   dlg_error *err)
{
	for (size_t i = 0; i < w->depth; i++)
		if (w->stack[i].dev == st->st_dev && w->stack[i].ino == st->st_ino)
			return DLG_OK;
	if (w->depth == sizeof w->stack / sizeof w->stack[0])
		return dlg_error__set(err, DLG_E_LIMIT, NULL, 0, "directories nested too deeply "
				      "at '%s'", path);
	DIR *d = opendir(path);
	if (!d) {
		int e = errno;
		return dlg_error__io(err, e, "open directory", path);
	}
	w->stack[w->depth++] = (visited){ st->st_dev, st->st_ino };
	char **names = NULL;
	size_t n = 0, cap = 0;
	dlg_status status = DLG_OK;
	struct dirent *e;
	while (status == DLG_OK && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue; /* hidden, and . and .. */
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			char **grown = dlg_mem__realloc(w->in->alloc, names, cap * sizeof *names);
			if (!grown) {
				status = dlg_error__set(err, DLG_E_NOMEM, NULL, 0, "out of memory");
				break;
			}
			names = grown;
		}
		names[n] = dlg_mem__strndup(w->in->alloc, e->d_name, strlen(e->d_name));
		if (!names[n])
			status = dlg_error__set(err, DLG_E_NOMEM, NULL, 0, "out of memory");
		else
			n++;
	}
	closedir(d);
	if (status == DLG_OK && n > 1)
		qsort(names, n, sizeof *names, cmp_names);
	for (size_t i = 0; i < n && status == DLG_OK; i++) {
		size_t plen = strlen(path) + strlen(names[i]) + 2;
		size_t slen = strlen(source) + strlen(names[i]) + 2;
		char *child = dlg_mem__alloc(w->in->alloc, plen);
		char *child_source = dlg_mem__alloc(w->in->alloc, slen);
		if (child && child_source) {
			snprintf(child, plen, "%s/%s", path, names[i]);
			snprintf(child_source, slen, "%s/%s", source, names[i]);
			status = walk_entry(w, child, child_source, err);
		} else {
			status = dlg_error__set(err, DLG_E_NOMEM, NULL, 0, "out of memory");
		}
		dlg_mem__free(w->in->alloc, child);
		dlg_mem__free(w->in->alloc, child_source);
	}
	for (size_t i = 0; i < n; i++)
		dlg_mem__free(w->in->alloc, names[i]);
	dlg_mem__free(w->in->alloc, names);
	w->depth--;
	return status;
}

static int cmp_inputs(const void *a, const void *b)
{
	return strcmp(((const dlg_input *)a)->source, ((const dlg_input *)b)->source);
}

/* The last component of `arg`, for naming sources relative to the argument's parent. */
static dlg_status base_name(char **out, const dlg_allocator *a, const char *arg, dlg_error *err)
{
	char *resolved = realpath(arg, NULL);
	if (!resolved) {
		int e = errno;
		return dlg_error__io(err, e, "open", arg);
	}
	const char *slash = strrchr(resolved, '/');
	const char *name = slash && slash[1] ? slash + 1 : resolved;
	*out = dlg_mem__strndup(a, name, strlen(name));
	free(resolved);
	return *out ? DLG_OK : dlg_error__set(err, DLG_E_NOMEM, NULL, 0, "out of memory");
}

dlg_status dlg_discover__inputs(dlg_inputs *out, const char *const *args, size_t n_args,
				const dlg_options *opts, dlg_error *err)
{
	memset(out, 0, sizeof *out);
	out->alloc = opts->allocator;
	dlg_buf__init(&out->skipped, opts->allocator, DLG_BUF_UNCAPPED);
	walk w = { .in = out, .opts = opts, .depth = 0 };
	for (size_t i = 0; i < n_args; i++) {
		const char *arg = args[i];
		if (strcmp(arg, "-") == 0) {
			DLG_TRY(add(out, "-", "-", 0, err));
			continue;
		}
		struct stat st;
		if (stat(arg, &st) != 0) {
			int e = errno;
			return dlg_error__io(err, e, "open", arg);
		}
		char *name = NULL;
		DLG_TRY(base_name(&name, opts->allocator, arg, err));
		size_t first = out->count;
		dlg_status st_walk = S_ISDIR(st.st_mode) ? walk_dir(&w, arg, name, &st, err)
							 : add(out, arg, name, (uint64_t)st.st_size, err);
		dlg_mem__free(opts->allocator, name);
		DLG_TRY(st_walk);
		if (out->count - first > 1)
			qsort(out->items + first, out->count - first, sizeof *out->items,
			      cmp_inputs);
	}
	return DLG_OK;
}

void dlg_discover__dispose(dlg_inputs *in)
{
	for (size_t i = 0; i < in->count; i++) {
		dlg_mem__free(in->alloc, in->items[i].path);
		dlg_mem__free(in->alloc, in->items[i].source);
	}
	dlg_mem__free(in->alloc, in->items);
	dlg_buf__dispose(&in->skipped);
	memset(in, 0, sizeof *in);
}
