/*
 * workdir.c - the work directory of the map/reduce steps (workdir.h): the options every step
 * takes, the names of parts and shards, and a part's files read back: its manifest checked
 * (made with these options, every file there at its size), its journal and buckets hashed as
 * they are read. Uses buf.c, error.c, options.c, manifest.c and sink.c.
 */
#define _POSIX_C_SOURCE 200809L
#include "workdir.h"
#include "error.h"
#include "options.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The options whose results depend on every part at once. */
static dlg_status check_options(const dlg_options *o, dlg_error *err)
{
	const char *why = o->n_keep_fields ? "option keep-fields types each column by all the "
			  "records before it" :
			  o->bare ? "option bare writes provenance.jsonl, which the steps do "
			  "not merge" :
			  NULL;
	if (why)
		return dlg_error__set(err, DLG_E_ARG, 0, "%s, across parts: use convert for that "
				      "(docs/map-reduce.md)", why);
	return DLG_OK;
}

/* The options a step runs with: the caller's, resolved, with near-dup off unless asked for
 * (its default in the steps: group or drop needs the bands and cluster steps), checked. */
dlg_status dlg_workdir__options(dlg_options *out, const dlg_options *in, dlg_error *err)
{
	DLG_TRY(dlg_options__resolved(out, in, err));
	if (out->near_dup == DLG_NEAR_DUP_DEFAULT)
		out->near_dup = DLG_NEAR_DUP_OFF;
	return check_options(out, err);
}

/* WORK/part-KKKKK-of-MMMMM into out; returns what snprintf returns. */
size_t dlg_workdir__part_dir(char *out, size_t cap, const char *work, unsigned part, unsigned parts)
{
	int n = snprintf(out, cap, "%s/part-%05u-of-%05u", work, part, parts);
	return n < 0 ? cap : (size_t)n;
}

size_t dlg_workdir__shard_dir(char *out, size_t cap, const char *work, unsigned shard,
			unsigned shards)
{
	int n = snprintf(out, cap, "%s/shard-%05u-of-%05u", work, shard, shards);
	return n < 0 ? cap : (size_t)n;
}

dlg_status dlg_workdir__count_tasks(unsigned *tasks, const char *work, const char *prefix,
				    const char *step, dlg_error *err)
{
	DIR *d = opendir(work);
	if (!d)
		return dlg_error__io(err, errno, "open the work directory", work);
	*tasks = 0;
	dlg_status st = DLG_OK;
	size_t len = strlen(prefix);
	struct dirent *e;
	while (st == DLG_OK && (e = readdir(d)) != NULL) {
		unsigned k, m;
		char canonical[64];
		if (strncmp(e->d_name, prefix, len) != 0 || e->d_name[len] != '-' ||
		    sscanf(e->d_name + len, "-%5u-of-%5u", &k, &m) != 2)
			continue;
		snprintf(canonical, sizeof canonical, "%s-%05u-of-%05u", prefix, k, m);
		if (strcmp(canonical, e->d_name) != 0 || m == 0)
			continue;
		if (*tasks && m != *tasks)
			st = dlg_error__set(err, DLG_E_ARG, 0, "'%s' holds the outputs of two %s "
					    "runs (of %u and of %u tasks); remove the stale ones",
					    work, step, *tasks, m);
		*tasks = m;
	}
	closedir(d);
	if (st == DLG_OK && *tasks == 0)
		st = dlg_error__set(err, DLG_E_IO, ENOENT, "'%s' holds no output of %s "
				    "(%s-00000-of-NNNNN): run %s first", work, step, prefix, step);
	return st;
}

const dlg_listed_file *dlg_workdir__listed(const dlg_manifest_read *m, const char *name)
{
	for (size_t i = 0; i < DLG_BUF_COUNT(&m->files, dlg_listed_file); i++)
		if (strcmp(DLG_BUF_AT(&m->files, dlg_listed_file, i).name, name) == 0)
			return &DLG_BUF_AT(&m->files, dlg_listed_file, i);
	return NULL;
}

/*
 * A part's or a shard's manifest, checked: it is there, it was made with these options, and
 * every file it lists is there at its size. A step's directory appears whole (commit.c), so
 * this catches a part of another run or one changed by hand. `what` names it ("part 2/4"),
 * `redo` is the step that makes it ("map --part 2/4").
 */
dlg_status dlg_workdir__read_checked(dlg_manifest_read *m, const dlg_ctx *ctx, const char *dir,
			       const char *what, const char *redo, dlg_error *err)
{
	snprintf(m->path, sizeof m->path, "%s/manifest.json", dir);
	DLG_TRY(dlg_manifest__read(m, ctx, err));
	if (!m->found)
		return dlg_error__set(err, DLG_E_IO, ENOENT, "%s is missing: there is no %s "
				      "(run %s)", what, m->path, redo);
	if (m->other_option[0])
		return dlg_error__set(err, DLG_E_ARG, 0, "%s (%s) was made with another value of "
				      "option %s: give every step the same options (run %s again)",
				      what, dir, m->other_option, redo);
	if (m->not_a_count[0])
		return dlg_error__set(err, DLG_E_IO, 0, "%s is damaged: %s in %s is not a "
				      "count dlgconv writes (run %s again)", what, m->not_a_count,
				      m->path, redo);
	for (size_t i = 0; i < DLG_BUF_COUNT(&m->files, dlg_listed_file); i++) {
		const dlg_listed_file *f = &DLG_BUF_AT(&m->files, dlg_listed_file, i);
		char path[4096 + DLG_SPLIT_FILE_NAME + 2];
		struct stat sb;
		snprintf(path, sizeof path, "%s/%s", dir, f->name);
		if (stat(path, &sb) != 0 || (uint64_t)sb.st_size != f->size)
			return dlg_error__set(err, DLG_E_IO, 0, "%s is incomplete: %s is "
					      "missing or not the size its manifest says (run %s "
					      "again)", what, path, redo);
	}
	return DLG_OK;
}

/* A journal line of a kept conversation: "ID SPLIT " and its W307 line after it. */
bool dlg_workdir__parse_kept(uint8_t id[16], size_t *split, const char **rest, const char *line,
		       const dlg_ctx *ctx)
{
	for (int i = 0; i < 32; i++) {
		const char *hex = "0123456789abcdef";
		const char *at = line[i] ? strchr(hex, line[i]) : NULL;
		if (!at)
			return false;
		int v = (int)(at - hex);
		id[i / 2] = (uint8_t)(i % 2 ? (id[i / 2] | v) : v << 4);
	}
	char *end;
	if (line[32] != ' ')
		return false;
	unsigned long s = strtoul(line + 33, &end, 10);
	if (end == line + 33 || *end != ' ' || s >= ctx->n_splits)
		return false;
	*split = (size_t)s;
	*rest = end + 1;
	return true;
}


dlg_status dlg_workdir__readback_open(dlg_readback *r, const char *dir, const char *name,
				dlg_error *err)
{
	snprintf(r->path, sizeof r->path, "%s/%s", dir, name);
	if (!(r->sha = dlg_sink__hash_new()))
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory (SHA-256)");
	r->f = fopen(r->path, "rb");
	return r->f ? DLG_OK : dlg_error__io(err, errno, "open", r->path);
}

/* The next line of r, with its '\n' and a NUL after it, into `line` (read through the run's
 * allocator, as getline's buffer would not be); line->len is 0 at the end. A line is one
 * record's, of any length; records hold no NUL (JSON escapes it): one put in by hand cuts the
 * line and the hash short, and so fails the check at the end. */
dlg_status dlg_workdir__readback_line(dlg_readback *r, dlg_buf *line, dlg_error *err)
{
	line->len = 0;
	char chunk[8192];
	while (fgets(chunk, sizeof chunk, r->f)) {
		size_t n = strlen(chunk);
		dlg_sink__hash_update(r->sha, chunk, n);
		DLG_TRY(dlg_buf__append(line, chunk, n, err));
		if (n && chunk[n - 1] == '\n')
			break;
	}
	/* a failed read is not the end, nor half a line a whole one */
	if (ferror(r->f))
		return dlg_error__io(err, errno, "read", r->path);
	DLG_TRY(dlg_buf__putc(line, '\0', err));
	line->len--;
	return DLG_OK;
}

/* At the end of r: its bytes are those of `l`, the file its manifest lists by that name (NULL
 * when it lists none). `what` and `redo` as read_checked has them. */
dlg_status dlg_workdir__readback_check(dlg_readback *r, const dlg_listed_file *l, const char *what,
				 const char *redo, dlg_error *err)
{
	char hex[65];
	dlg_sink__hash_hex(hex, r->sha);
	if (!l || strcmp(hex, l->sha256_hex) != 0)
		return dlg_error__set(err, DLG_E_IO, 0, "%s is damaged: %s is not the file its "
				      "manifest lists (run %s again)", what, r->path, redo);
	return DLG_OK;
}

void dlg_workdir__readback_close(dlg_readback *r)
{
	if (r->f)
		fclose(r->f);
	dlg_sink__hash_free(r->sha);
	r->f = NULL;
	r->sha = NULL;
}


dlg_status dlg_workdir__journal_open(dlg_journal *j, const char *dir, dlg_error *err)
{
	j->number = 0;
	return dlg_workdir__readback_open(&j->in, dir, DLG_JOURNAL, err);
}

/* The next line into j->line, with its '\n'; *more is false at the end. Where a step spends
 * its time, so it is where a cancel request (options.cancel) stops it. */
dlg_status dlg_workdir__journal_next(bool *more, dlg_journal *j, const dlg_options *o,
				     dlg_error *err)
{
	if (o->cancel && *o->cancel)
		return dlg_error__set(err, DLG_E_CANCELED, 0, "interrupted");
	j->number++;
	DLG_TRY(dlg_workdir__readback_line(&j->in, &j->line, err));
	*more = j->line.len > 0;
	return DLG_OK;
}

void dlg_workdir__journal_close(dlg_journal *j)
{
	dlg_workdir__readback_close(&j->in);
}

dlg_status dlg_workdir__bad_journal(const dlg_journal *j, dlg_error *err)
{
	return dlg_error__set(err, DLG_E_IO, 0, "%s:%llu: not a line map writes (run that "
			      "part again)", j->in.path, (unsigned long long)j->number);
}
