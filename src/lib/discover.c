/*
 * discover.c - input arguments -> the list of files to read (docs/rules.md "Discovery"):
 * directories walked recursively, each directory once, hidden entries skipped,
 * --exclude applied before an entry is looked at, entries that cannot be read reported and
 * passed over, each argument's files in byte-wise order of their source name, and every
 * source valid UTF-8. Uses buf.c, error.c, encoding.c (UTF-8 sequences) and input.c
 * (which names are transcripts).
 */
#define _DEFAULT_SOURCE /* d_type, DT_* */
#define _XOPEN_SOURCE 700
#include "discover.h"
#include "buf.h"
#include "encoding.h"
#include "error.h"
#include "input.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Recursion depth of a walk; each level holds one directory's names. */
#define MAX_DEPTH 256

/* ---- sources as valid UTF-8 ---- */

/*
 * A source goes into records, rejects.jsonl, the manifest and JSON/SARIF findings, which
 * must be valid UTF-8, but a file name is any bytes. The convention is reversible and
 * leaves every ordinary name alone: each backslash becomes `\\` and each byte that is not
 * part of valid UTF-8 becomes `\xHH`, so a reader undoes it by reading `\\` as `\` and
 * `\xHH` as the byte HH. It works byte by byte and '/' never sits inside a UTF-8 sequence,
 * so escaping a path is escaping each of its names and joining them with '/'.
 */
dlg_status dlg_discover__escape(dlg_buf *out, const char *s, size_t n, dlg_error *err)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		size_t from = i, k, prefix;
		while (i < n && p[i] != '\\' &&
		       (k = p[i] < 0x80 ? 1 :
			    dlg_encoding__utf8_sequence(&prefix, p + i, n - i)) != 0)
			i += k;
		DLG_TRY(dlg_buf__append(out, s + from, i - from, err));
		if (i == n)
			break;
		char esc[4] = { '\\', '\\' };
		size_t len = 2;
		if (p[i] != '\\') {
			esc[1] = 'x';
			esc[2] = hex[p[i] >> 4];
			esc[3] = hex[p[i] & 15];
			len = 4;
		}
		DLG_TRY(dlg_buf__append(out, esc, len, err));
		i++;
	}
	return DLG_OK;
}

/* ---- filters ---- */

/* Directory walks pick these; a file named on the command line is read whatever its name. */
static bool is_transcript_name(const char *name)
{
	return dlg_input__format_by_name(name) != DLG_INPUT_UNKNOWN;
}

static bool glob_match(const char *pattern, const char *name, const char *source)
{
	/* a pattern without '/' matches the name, as in .gitignore; one with '/' the path */
	return fnmatch(pattern, strchr(pattern, '/') ? source : name, 0) == 0;
}

static bool excluded(const dlg_options *o, const char *name, const char *source)
{
	for (size_t i = 0; i < o->n_exclude; i++)
		if (glob_match(o->exclude[i], name, source))
			return true;
	return false;
}

/* Whether a file (not a directory) with this name is one the walk reads. */
static bool file_wanted(const dlg_options *o, const char *name, const char *source)
{
	if (!is_transcript_name(name))
		return false;
	if (o->n_include == 0)
		return true;
	for (size_t i = 0; i < o->n_include; i++)
		if (glob_match(o->include[i], name, source))
			return true;
	return false;
}

/* ---- the lists ---- */

static dlg_status add(dlg_inputs *in, const char *path, const char *source, const char *shown,
		      const struct stat *st, dlg_error *err)
{
	if (in->count == in->cap) {
		size_t cap = in->cap ? in->cap * 2 : 64;
		dlg_input *items = dlg_mem__realloc(in->alloc, in->items, cap * sizeof *items);
		if (!items)
			return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory (inputs)");
		in->items = items;
		in->cap = cap;
	}
	dlg_input *it = &in->items[in->count];
	it->path = dlg_mem__strndup(in->alloc, path, strlen(path));
	it->source = dlg_mem__strndup(in->alloc, source, strlen(source));
	it->shown = shown ? dlg_mem__strndup(in->alloc, shown, strlen(shown)) : NULL;
	it->size = st ? (uint64_t)st->st_size : 0;
	it->dev = st ? (uint64_t)st->st_dev : 0;
	it->ino = st ? (uint64_t)st->st_ino : 0;
	if (!it->path || !it->source || (shown && !it->shown)) {
		dlg_mem__free(in->alloc, it->path);
		dlg_mem__free(in->alloc, it->source);
		dlg_mem__free(in->alloc, it->shown);
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory (inputs)");
	}
	in->count++;
	return DLG_OK;
}

/* ---- the walk ---- */

typedef struct dir_id {
	dev_t dev;
	ino_t ino;
	bool used;
} dir_id;

/* One argument's walk. The three paths grow and shrink as the walk goes down and up. */
typedef struct walk {
	dlg_inputs *in;
	const dlg_options *opts;
	const dlg_allocator *alloc;
	dir_id *seen;     /* directories entered: an open-addressing set, cap a power of 2 */
	size_t seen_cap;
	size_t seen_count;
	size_t depth;
	dlg_buf path;     /* to open: the argument as given, then raw names */
	dlg_buf raw;      /* the source as the file system spells it, which patterns match */
	dlg_buf source;   /* the source escaped to UTF-8, which the lists hold */
	/* an absolute argument's source starts with its last name, but findings name its
	 * files by the path as typed: `typed` is that path, escaped, and `typed_base` the
	 * length of the argument's own part of `source`, which `typed` replaces */
	bool absolute;
	dlg_buf typed;
	size_t typed_len, typed_base;
} walk;

static bool canceled(const walk *w)
{
	return w->opts->cancel && *w->opts->cancel;
}

static dlg_status cancel_error(dlg_error *err)
{
	return dlg_error__set(err, DLG_E_CANCELED, 0, "interrupted");
}

static size_t id_slot(const dir_id *id, size_t cap)
{
	uint64_t x = (uint64_t)id->ino * 0x9E3779B97F4A7C15ULL ^ (uint64_t)id->dev;
	x ^= x >> 31; /* splitmix64's finalizer */
	x *= 0xBF58476D1CE4E5B9ULL;
	x ^= x >> 29;
	return (size_t)x & (cap - 1);
}

static void id_put(dir_id *set, size_t cap, const dir_id *id)
{
	size_t i = id_slot(id, cap);
	while (set[i].used)
		i = (i + 1) & (cap - 1);
	set[i] = *id;
}

/* *fresh_out is false when the directory was entered before; otherwise it is recorded. */
static dlg_status seen_add(bool *fresh_out, walk *w, const struct stat *st, dlg_error *err)
{
	dir_id id = { st->st_dev, st->st_ino, true };
	if (w->seen_cap) {
		for (size_t i = id_slot(&id, w->seen_cap); w->seen[i].used;
		     i = (i + 1) & (w->seen_cap - 1)) {
			if (w->seen[i].dev == id.dev && w->seen[i].ino == id.ino) {
				*fresh_out = false;
				return DLG_OK;
			}
		}
	}
	if ((w->seen_count + 1) * 2 > w->seen_cap) {
		size_t cap = w->seen_cap ? w->seen_cap * 2 : 64;
		dir_id *set = dlg_mem__alloc(w->alloc, cap * sizeof *set);
		if (!set)
			return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
		memset(set, 0, cap * sizeof *set);
		for (size_t i = 0; i < w->seen_cap; i++)
			if (w->seen[i].used)
				id_put(set, cap, &w->seen[i]);
		dlg_mem__free(w->alloc, w->seen);
		w->seen = set;
		w->seen_cap = cap;
	}
	id_put(w->seen, w->seen_cap, &id);
	w->seen_count++;
	*fresh_out = true;
	return DLG_OK;
}

/* A NUL after b's bytes, not counted in its length: the walk's paths go to the system. */
static dlg_status terminate(dlg_buf *b, dlg_error *err)
{
	DLG_TRY(dlg_buf__putc(b, '\0', err));
	b->len--;
	return DLG_OK;
}

/* b = b[0, keep) "/" name (no "/" after nothing: `.` has no part of its own), NUL-terminated
 * beyond its length. */
static dlg_status extend(dlg_buf *b, size_t keep, const char *name, size_t n, dlg_error *err)
{
	b->len = keep;
	if (keep)
		DLG_TRY(dlg_buf__putc(b, '/', err));
	DLG_TRY(dlg_buf__append(b, name, n, err));
	return terminate(b, err);
}

/* b = b[0, len), NUL-terminated beyond it (b holds at least that). */
static void cut(dlg_buf *b, size_t len)
{
	b->len = len;
	b->data[len] = '\0';
}

static dlg_status set_string(dlg_buf *b, const char *s, size_t n, dlg_error *err)
{
	b->len = 0;
	DLG_TRY(dlg_buf__append(b, s, n, err));
	return terminate(b, err);
}

/* A directory entry: its raw and escaped names (NUL-terminated) and readdir's type. */
typedef struct entry {
	const char *raw;
	const char *esc;
	size_t raw_len, esc_len;
	unsigned char type;
} entry;

typedef struct name_at {
	size_t raw, esc; /* offsets of the raw and the escaped name */
	unsigned char type;
} name_at;

/*
 * Siblings are visited in the order of their names each followed by '/', which makes the
 * walk's order (depth first) the byte-wise order of the sources below them: "a.b/x" comes
 * before "a/x" because '.' < '/', though "a" < "a.b". See walk_dir() for why that matters.
 */
static int cmp_entries(const void *a, const void *b)
{
	const unsigned char *x = (const unsigned char *)((const entry *)a)->esc;
	const unsigned char *y = (const unsigned char *)((const entry *)b)->esc;
	while (*x && *x == *y)
		x++, y++;
	unsigned cx = *x ? *x : '/', cy = *y ? *y : '/'; /* names hold no '/' of their own */
	return cx < cy ? -1 : cx > cy;
}

/*
 * The names in the directory at w->path (without hidden ones, "." and ".."), escaped and
 * sorted, into *out (an entry[] whose strings are in `names`). When the system fails,
 * *errno_out and *what_out say how and the status is DLG_OK: the caller decides whether
 * that ends the run.
 */
static dlg_status read_dir(dlg_buf *out, dlg_buf *names, int *errno_out, const char **what_out,
			   walk *w, dlg_error *err)
{
	*errno_out = 0;
	*what_out = "open directory";
	DIR *d = opendir(w->path.data);
	if (!d) {
		*errno_out = errno;
		return DLG_OK;
	}
	*what_out = "read directory";
	dlg_buf offs; /* name_at[]: offsets, as `names` may move while it grows */
	dlg_buf__init(&offs, w->alloc, DLG_BUF_UNCAPPED);
	dlg_status st = DLG_OK;
	for (;;) {
		if (canceled(w)) {
			st = cancel_error(err);
			break;
		}
		errno = 0;
		struct dirent *e = readdir(d);
		if (!e) {
			*errno_out = errno;
			break;
		}
		if (e->d_name[0] == '.')
			continue; /* hidden, and . and .. */
		name_at o = { names->len, 0, e->d_type };
		st = dlg_buf__append(names, e->d_name, strlen(e->d_name) + 1, err);
		o.esc = names->len;
		if (st == DLG_OK)
			st = dlg_discover__escape(names, e->d_name, strlen(e->d_name), err);
		if (st == DLG_OK)
			st = dlg_buf__putc(names, '\0', err);
		if (st == DLG_OK)
			st = dlg_buf__append(&offs, &o, sizeof o, err);
		if (st != DLG_OK)
			break;
	}
	closedir(d);
	size_t n = *errno_out ? 0 : DLG_BUF_COUNT(&offs, name_at);
	for (size_t i = 0; i < n && st == DLG_OK; i++) {
		const name_at *o = &DLG_BUF_AT(&offs, name_at, i);
		entry en = { names->data + o->raw, names->data + o->esc, o->esc - o->raw - 1, 0,
			     o->type };
		en.esc_len = strlen(en.esc);
		st = dlg_buf__append(out, &en, sizeof en, err);
	}
	if (st == DLG_OK && n > 1)
		qsort(out->data, n, sizeof(entry), cmp_entries);
	dlg_buf__dispose(&offs);
	return st;
}

static dlg_status walk_dir(walk *w, const struct stat *st, bool named, dlg_error *err);

static bool has_entry(const dlg_buf *entries, const char *name)
{
	for (size_t i = 0; i < DLG_BUF_COUNT(entries, entry); i++)
		if (strcmp(DLG_BUF_AT(entries, entry, i).raw, name) == 0)
			return true;
	return false;
}

/* What findings call the entry at w's paths: its source, or for an absolute argument the
 * path as typed; NULL when that is the source. */
static dlg_status shown_path(const char **out, walk *w, dlg_error *err)
{
	*out = NULL;
	if (!w->absolute)
		return DLG_OK;
	w->typed.len = w->typed_len;
	DLG_TRY(dlg_buf__append(&w->typed, w->source.data + w->typed_base,
				w->source.len - w->typed_base, err));
	DLG_TRY(terminate(&w->typed, err));
	*out = w->typed.data;
	return DLG_OK;
}

/* The entry at w's paths, a file to read. */
static dlg_status add_file(walk *w, const struct stat *st, dlg_error *err)
{
	const char *shown;
	DLG_TRY(shown_path(&shown, w, err));
	return add(w->in, w->path.data, w->source.data, shown, st, err);
}

static dlg_status add_skipped(walk *w, dlg_diag_code code, dlg_error *err, const char *fmt,
			      ...) DLG_PRINTF(4, 5);

/* The entry at w's paths, passed over: a finding, which names it by its shown path. */
static dlg_status add_skipped(walk *w, dlg_diag_code code, dlg_error *err, const char *fmt, ...)
{
	const char *shown;
	DLG_TRY(shown_path(&shown, w, err));
	if (!shown)
		shown = w->source.data;
	char msg[sizeof ((dlg_diag *)0)->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	size_t slen = strlen(shown), mlen = strlen(msg);
	char *block = dlg_mem__alloc(w->alloc, slen + mlen + 2);
	if (!block)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory (inputs)");
	memcpy(block, shown, slen + 1);
	memcpy(block + slen + 1, msg, mlen + 1);
	dlg_skipped s = { code, block, block + slen + 1 };
	dlg_status st = dlg_buf__append(&w->in->skipped, &s, sizeof s, err);
	if (st != DLG_OK)
		dlg_mem__free(w->alloc, block);
	return st;
}

/* In a dataset's directory, the files that hold records (not its manifest, card, rejects or
 * provenance). */
static bool dataset_split(const char *name)
{
	return strcmp(name, "rejects.jsonl") != 0 && strcmp(name, "provenance.jsonl") != 0 &&
	       strcmp(name, "manifest.json") != 0 && strcmp(name, "README.md") != 0;
}

/* One entry of a directory being walked; w's paths name it. */
static dlg_status walk_entry(walk *w, const entry *e, dlg_error *err)
{
	const char *name = e->raw, *raw = w->raw.data;
	/* before anything is looked up: an excluded name is never stat'ed (it may be a
	 * dangling link) and an excluded directory is not descended into */
	if (excluded(w->opts, name, raw))
		return DLG_OK;
	bool not_dir = e->type != DT_UNKNOWN && e->type != DT_DIR && e->type != DT_LNK;
	if (not_dir && !file_wanted(w->opts, name, raw))
		return DLG_OK; /* readdir said what it is: no stat needed to pass over it */
	struct stat st;
	if (stat(w->path.data, &st) != 0) {
		int e_stat = errno;
		struct stat lst;
		if (e_stat == ENOENT && lstat(w->path.data, &lst) == 0 && S_ISLNK(lst.st_mode))
			return add_skipped(w, DLG_DIAG_UNREADABLE_ENTRY_SKIPPED, err,
					   "dangling symbolic link; skipped (--exclude passes "
					   "over it quietly)");
		return add_skipped(w, DLG_DIAG_UNREADABLE_ENTRY_SKIPPED, err,
				   "cannot read: %s; skipped", strerror(e_stat));
	}
	if (S_ISDIR(st.st_mode))
		return walk_dir(w, &st, false, err);
	if (!file_wanted(w->opts, name, raw))
		return DLG_OK;
	if (!S_ISREG(st.st_mode))
		/* a FIFO in a corpus would block the walk forever: named on the command line it
		 * is read, found in a directory it is reported and passed over */
		return add_skipped(w, DLG_DIAG_NOT_A_FILE_SKIPPED, err,
				   "not a regular file (a FIFO, device or socket); skipped");
	/* found by a walk, a file we may not read is a finding like an unreadable
	 * directory, not a failure of the whole run later, when it is opened. faccessat()
	 * is a second path lookup (a quarter of a walk's time), so it is asked only when the
	 * mode bits do not let everyone read; an ACL that denies what they allow still
	 * fails the run when the file is opened, as a file named on the command line does */
	const mode_t all_read = S_IRUSR | S_IRGRP | S_IROTH;
	if ((st.st_mode & all_read) != all_read &&
	    faccessat(AT_FDCWD, w->path.data, R_OK, AT_EACCESS) != 0) {
		int e_acc = errno;
		return add_skipped(w, DLG_DIAG_UNREADABLE_ENTRY_SKIPPED, err,
				   "cannot read: %s; skipped", strerror(e_acc));
	}
	return add_file(w, &st, err);
}

/*
 * The directory at w's paths: each directory is entered once, by (st_dev, st_ino), so that
 * symlinks can neither loop nor multiply the inputs (links d_i/{x,y} -> d_{i+1} would give
 * 2^levels paths to one file). When several paths reach one directory, the first in the
 * walk's order is kept, and that order is the byte-wise order of the sources (cmp_entries):
 * so which sources a corpus gets is a function of its names alone, never of readdir's order
 * or of inode numbers, and it is the first of the candidates in the sorted list. A
 * directory reached again is passed over quietly: it is read, once, elsewhere.
 * `named`: the directory is a command-line argument, which must be readable.
 */
static dlg_status walk_dir(walk *w, const struct stat *st, bool named, dlg_error *err)
{
	bool fresh;
	DLG_TRY(seen_add(&fresh, w, st, err));
	if (!fresh)
		return DLG_OK;
	if (w->depth == MAX_DEPTH)
		return dlg_error__set(err, DLG_E_LIMIT, 0, "directories nested too deeply "
				      "at '%s'", w->path.data);
	dlg_buf entries, names;
	dlg_buf__init(&entries, w->alloc, DLG_BUF_UNCAPPED);
	dlg_buf__init(&names, w->alloc, DLG_BUF_UNCAPPED);
	int sys;
	const char *what;
	dlg_status status = read_dir(&entries, &names, &sys, &what, w, err);
	if (status == DLG_OK && sys != 0)
		status = named ? dlg_error__io(err, sys, what, w->path.data)
			       : add_skipped(w, DLG_DIAG_UNREADABLE_ENTRY_SKIPPED, err,
					     "cannot %s: %s; skipped", what,
					     strerror(sys));
	size_t path_len = w->path.len, raw_len = w->raw.len, source_len = w->source.len;
	size_t n = sys ? 0 : DLG_BUF_COUNT(&entries, entry);
	/* a dataset dlgconv wrote (-o inside an input, a second run): its files are not
	 * transcripts; named on the command line, its splits are what is asked for */
	bool dataset = has_entry(&entries, "manifest.json") && has_entry(&entries, "rejects.jsonl");
	if (status == DLG_OK && dataset && !named) {
		n = 0;
		status = add_skipped(w, DLG_DIAG_DATASET_SKIPPED, err,
				     "a dlgconv dataset (manifest.json); skipped, so that a run "
				     "never reads its own output: name it to validate its splits");
	}
	w->depth++;
	for (size_t i = 0; i < n && status == DLG_OK; i++) {
		if (canceled(w)) {
			status = cancel_error(err);
			break;
		}
		const entry *e = &DLG_BUF_AT(&entries, entry, i);
		if (dataset && !dataset_split(e->raw))
			continue;
		status = extend(&w->path, path_len, e->raw, e->raw_len, err);
		if (status == DLG_OK)
			status = extend(&w->raw, raw_len, e->raw, e->raw_len, err);
		if (status == DLG_OK)
			status = extend(&w->source, source_len, e->esc, e->esc_len, err);
		if (status == DLG_OK)
			status = walk_entry(w, e, err);
	}
	w->depth--;
	/* give the caller back its own paths, NUL-terminated */
	cut(&w->path, path_len);
	cut(&w->raw, raw_len);
	cut(&w->source, source_len);
	dlg_buf__dispose(&entries);
	dlg_buf__dispose(&names);
	return status;
}

static int cmp_inputs(const void *a, const void *b)
{
	return strcmp(((const dlg_input *)a)->source, ((const dlg_input *)b)->source);
}

static int cmp_skipped(const void *a, const void *b)
{
	return strcmp(((const dlg_skipped *)a)->shown, ((const dlg_skipped *)b)->shown);
}

static dlg_status set_escaped(dlg_buf *b, const char *s, size_t n, dlg_error *err)
{
	b->len = 0;
	DLG_TRY(dlg_discover__escape(b, s, n, err));
	return terminate(b, err);
}

/*
 * The argument's own part of w->raw and w->source (docs/rules.md "Sources and paths"). A relative
 * argument is kept as typed, less its "." components and repeated slashes: `alice/s.txt`
 * and `bob/s.txt` stay apart, and findings name a path that opens from the shell's
 * directory. An absolute argument contributes its last name only (`/data/corpus` gives
 * `corpus/...`), so that a dataset does not depend on where the corpus sits; its findings
 * still name the path as typed (w->typed).
 */
static dlg_status argument_paths(walk *w, const char *arg, dlg_error *err)
{
	dlg_buf typed;
	dlg_buf__init(&typed, w->alloc, DLG_BUF_UNCAPPED);
	dlg_status st = DLG_OK;
	w->absolute = arg[0] == '/';
	if (w->absolute)
		st = dlg_buf__putc(&typed, '/', err);
	for (const char *p = arg; st == DLG_OK && *p;) {
		size_t n = strcspn(p, "/");
		bool skip = n == 0 || (n == 1 && p[0] == '.');
		if (!skip && typed.len > (size_t)w->absolute)
			st = dlg_buf__putc(&typed, '/', err);
		if (!skip && st == DLG_OK)
			st = dlg_buf__append(&typed, p, n, err);
		p += n + (p[n] == '/');
	}
	if (st != DLG_OK) {
		dlg_buf__dispose(&typed);
		return st;
	}
	if (!w->absolute) {
		st = set_string(&w->raw, typed.data, typed.len, err);
		if (st == DLG_OK)
			st = set_escaped(&w->source, typed.data, typed.len, err);
		dlg_buf__dispose(&typed);
		return st;
	}
	st = set_escaped(&w->typed, typed.data, typed.len, err);
	dlg_buf__dispose(&typed);
	DLG_TRY(st);
	w->typed_len = w->typed.len;
	/* the last name of what it resolves to: `/data/corpus/.` is `corpus` too (into memory
	 * from the run's allocator: realpath(arg, NULL) would malloc) */
	char *resolved = dlg_mem__alloc(w->alloc, PATH_MAX);
	if (!resolved)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory (inputs)");
	if (!realpath(arg, resolved)) {
		int e = errno;
		dlg_mem__free(w->alloc, resolved);
		return dlg_error__io(err, e, "open", arg);
	}
	const char *name = strrchr(resolved, '/') + 1; /* "" for the root */
	st = set_string(&w->raw, name, strlen(name), err);
	if (st == DLG_OK)
		st = set_escaped(&w->source, name, strlen(name), err);
	w->typed_base = w->source.len;
	dlg_mem__free(w->alloc, resolved);
	return st;
}

/* One command-line argument: a file, read whatever its name, or a directory walked. */
static dlg_status discover_arg(walk *w, const char *arg, dlg_error *err)
{
	if (strcmp(arg, "-") == 0)
		return add(w->in, "-", "-", NULL, NULL, err);
	struct stat st;
	if (stat(arg, &st) != 0) {
		int e = errno;
		return dlg_error__io(err, e, "open", arg);
	}
	DLG_TRY(argument_paths(w, arg, err));
	DLG_TRY(set_string(&w->path, arg, strlen(arg), err));
	if (!S_ISDIR(st.st_mode))
		return add_file(w, &st, err);
	w->seen_count = 0;
	if (w->seen)
		memset(w->seen, 0, w->seen_cap * sizeof *w->seen);
	return walk_dir(w, &st, true, err);
}

static int cmp_input_refs(const void *a, const void *b)
{
	return cmp_inputs(*(const dlg_input *const *)a, *(const dlg_input *const *)b);
}

/* Two files with one source would be one input to --split-key source and to whoever reads
 * the dataset. Only absolute arguments can do that (`/a/s.txt /b/s.txt`); one file named
 * twice is one input. */
static dlg_status distinct_sources(const dlg_inputs *in, dlg_error *err)
{
	if (in->count < 2)
		return DLG_OK;
	const dlg_input **refs = dlg_mem__alloc(in->alloc, in->count * sizeof *refs);
	if (!refs)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory (inputs)");
	for (size_t i = 0; i < in->count; i++)
		refs[i] = &in->items[i];
	qsort(refs, in->count, sizeof *refs, cmp_input_refs);
	dlg_status st = DLG_OK;
	for (size_t i = 1; i < in->count && st == DLG_OK; i++) {
		const dlg_input *a = refs[i - 1], *b = refs[i];
		if (strcmp(a->source, b->source) == 0 && (a->dev != b->dev || a->ino != b->ino))
			st = dlg_error__set(err, DLG_E_ARG, 0, "'%s' and '%s' would both be source "
					    "'%s': name them by relative paths, or name a folder "
					    "that holds both", dlg_input__shown(a),
					    dlg_input__shown(b), a->source);
	}
	dlg_mem__free(in->alloc, refs);
	return st;
}

dlg_status dlg_discover__inputs(dlg_inputs *out, const char *const *args, size_t n_args,
				const dlg_options *opts, dlg_error *err)
{
	memset(out, 0, sizeof *out);
	out->alloc = opts->allocator;
	dlg_buf__init(&out->skipped, opts->allocator, DLG_BUF_UNCAPPED);
	/* each argument is a walk of its own (its sources are relative to its parent), so a
	 * directory named twice, or inside another argument, is read each time */
	walk w = { .in = out, .opts = opts, .alloc = opts->allocator };
	dlg_buf__init(&w.path, opts->allocator, DLG_BUF_UNCAPPED);
	dlg_buf__init(&w.raw, opts->allocator, DLG_BUF_UNCAPPED);
	dlg_buf__init(&w.source, opts->allocator, DLG_BUF_UNCAPPED);
	dlg_buf__init(&w.typed, opts->allocator, DLG_BUF_UNCAPPED);
	dlg_status status = DLG_OK;
	for (size_t i = 0; i < n_args && status == DLG_OK; i++) {
		if (canceled(&w)) {
			status = cancel_error(err);
			break;
		}
		size_t first = out->count;
		size_t first_skip = DLG_BUF_COUNT(&out->skipped, dlg_skipped);
		status = discover_arg(&w, args[i], err);
		if (status != DLG_OK)
			break;
		if (out->count - first > 1)
			qsort(out->items + first, out->count - first, sizeof *out->items,
			      cmp_inputs);
		size_t n_skip = DLG_BUF_COUNT(&out->skipped, dlg_skipped) - first_skip;
		if (n_skip > 1)
			qsort(&DLG_BUF_AT(&out->skipped, dlg_skipped, first_skip), n_skip,
			      sizeof(dlg_skipped), cmp_skipped);
	}
	dlg_mem__free(w.alloc, w.seen);
	dlg_buf__dispose(&w.path);
	dlg_buf__dispose(&w.raw);
	dlg_buf__dispose(&w.source);
	dlg_buf__dispose(&w.typed);
	return status == DLG_OK ? distinct_sources(out, err) : status;
}

void dlg_discover__dispose(dlg_inputs *in)
{
	for (size_t i = 0; i < in->count; i++) {
		dlg_mem__free(in->alloc, in->items[i].path);
		dlg_mem__free(in->alloc, in->items[i].source);
		dlg_mem__free(in->alloc, in->items[i].shown);
	}
	dlg_mem__free(in->alloc, in->items);
	for (size_t i = 0; i < DLG_BUF_COUNT(&in->skipped, dlg_skipped); i++)
		dlg_mem__free(in->alloc, DLG_BUF_AT(&in->skipped, dlg_skipped, i).shown);
	dlg_buf__dispose(&in->skipped);
	memset(in, 0, sizeof *in);
}
