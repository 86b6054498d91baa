/*
 * leakage.c - `dlgconv leakage`: near-duplicates across a dataset's splits and against other
 * files (docs/usage.md "Leakage"). Another driver of the same stages: each file is read by
 * dlg_run(), which parses, normalizes and validates as convert does, and each conversation
 * it would write is signed (neardup.c) into the index of its split. Then every conversation
 * is looked up in the other splits' indexes and in the --against files'. Uses pipeline.c,
 * neardup.c and buf.c.
 */
#define _POSIX_C_SOURCE 200809L
#include "internal.h"
#include "buf.h"
#include "error.h"
#include "neardup.h"
#include "nearindex.h"
#include "split.h"
#include "unit.h"
#include "options.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The conversations of one split (or of the --against files). */
typedef struct group {
	char *name;      /* C library's allocator: the report takes it over */
	dlg_neardup_index ix; /* their signatures (and exact sets, when short), by index id */
	dlg_buf records; /* uint64_t[], by index id: the line in its file */
	dlg_buf files;   /* const char *[], by index id: the file it came from (--against) */
} group;

typedef struct collector {
	group *g;
	dlg_leakage_report *report; /* counts what could not be read */
	const char *file;
	dlg_buf scratch;
	dlg_status status;
	dlg_error err;
} collector;

static void group_init(group *g, const dlg_allocator *alloc)
{
	memset(g, 0, sizeof *g);
	dlg_nearindex__init(&g->ix, alloc);
	dlg_buf__init(&g->records, alloc, DLG_BUF_UNCAPPED);
	dlg_buf__init(&g->files, alloc, DLG_BUF_UNCAPPED);
}

static void group_dispose(group *g)
{
	dlg_mem__free(NULL, g->name);
	dlg_nearindex__dispose(&g->ix);
	dlg_buf__dispose(&g->records);
	dlg_buf__dispose(&g->files);
}

/* dlg_conv_fn: each conversation the run would write joins the group's index. */
static void collect(const dlg_conv *c, dlg_fate fate, size_t split, void *payload)
{
	(void)split;
	collector *k = payload;
	if (fate != DLG_FATE_WRITTEN || k->status != DLG_OK)
		return;
	const dlg_unit *u = (const dlg_unit *)c;
	dlg_neardup_sig sig;
	uint32_t id;
	uint64_t record = u->record;
	dlg_status st = dlg_neardup__signature(&sig, u, &k->scratch, &k->err);
	if (st == DLG_OK)
		st = dlg_nearindex__add(&id, &k->g->ix, &sig, u->id, DLG_NEARDUP_NEW, 0, &k->err);
	if (st == DLG_OK)
		st = dlg_buf__append(&k->g->records, &record, sizeof record, &k->err);
	if (st == DLG_OK)
		st = dlg_buf__append(&k->g->files, &k->file, sizeof k->file, &k->err);
	k->status = st;
}

/* Read `path` as convert would, into group g. */
/* The first error a record was rejected for, for the report: which records were left out. */
static void unread(const dlg_diag *d, void *payload)
{
	collector *k = payload;
	if (d->severity == DLG_SEV_ERROR && !k->report->unread_example[0])
		snprintf(k->report->unread_example, sizeof k->report->unread_example,
			 "%s:%llu:%u: %s [%s]", d->source, (unsigned long long)d->line, d->col,
			 d->msg, dlg_diag_id(d->code));
}

static dlg_status read_file(dlg_leakage_report *r, group *g, const char *path,
			    const dlg_options *o, dlg_error *err)
{
	collector k = { .g = g, .report = r, .file = path, .status = DLG_OK };
	dlg_buf__init(&k.scratch, o->allocator, DLG_BUF_UNCAPPED);
	dlg_options read = *o;
	read.output_dir = NULL;
	read.no_dedup = 1; /* a copy in another split is what is looked for */
	read.near_dup = DLG_NEAR_DUP_OFF;
	read.progress = NULL;
	read.on_conversation = collect;
	dlg_summary sum;
	dlg_status st = dlg_run(&sum, &path, 1, &read, unread, &k, err);
	/* a record that is not a conversation dlgconv reads is left out of the rates: said,
	 * never taken for one that leaked nothing */
	r->unread += sum.rejected;
	dlg_buf__dispose(&k.scratch);
	if (st == DLG_OK && k.status != DLG_OK) {
		if (err)
			*err = k.err;
		st = k.status;
	}
	return st;
}

/* A split's name from a file name: `train.jsonl.gz` and `train-00001-of-00004.jsonl` are
 * `train`; 0 for a file that holds no split. */
static size_t split_name_len(const char *name)
{
	if (strcmp(name, "rejects.jsonl") == 0 || strcmp(name, "provenance.jsonl") == 0)
		return 0;
	const char *ext = strstr(name, ".jsonl");
	if (!ext || ext == name || (strcmp(ext, ".jsonl") != 0 && strcmp(ext, ".jsonl.gz") != 0))
		return 0;
	size_t n = (size_t)(ext - name);
	static const char shard[] = "-00000-of-00000";
	size_t k = sizeof shard - 1;
	if (n > k && name[n - k] == '-' && strncmp(name + n - k + 6, "-of-", 4) == 0 &&
	    strspn(name + n - k + 1, "0123456789") == 5 && strspn(name + n - 5, "0123456789") == 5)
		n -= k;
	return n;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The split files of the dataset directory, sorted. */
static dlg_status list_files(dlg_buf *names, const char *dir, const dlg_allocator *alloc,
			     dlg_error *err)
{
	DIR *d = opendir(dir);
	if (!d)
		return dlg_error__io(err, errno, "open directory", dir);
	dlg_status st = DLG_OK;
	for (struct dirent *e; st == DLG_OK && (errno = 0, e = readdir(d)) != NULL;) {
		if (e->d_name[0] == '.' || split_name_len(e->d_name) == 0)
			continue;
		size_t n = strlen(dir) + strlen(e->d_name) + 2;
		char *path = dlg_mem__alloc(alloc, n);
		if (!path) {
			st = dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
			break;
		}
		snprintf(path, n, "%s/%s", dir, e->d_name);
		st = dlg_buf__append(names, &path, sizeof path, err);
		if (st != DLG_OK)
			dlg_mem__free(alloc, path);
	}
	if (st == DLG_OK && errno)
		st = dlg_error__io(err, errno, "read directory", dir);
	closedir(d);
	size_t count = DLG_BUF_COUNT(names, char *);
	if (st == DLG_OK && count == 0)
		st = dlg_error__set(err, DLG_E_ARG, 0, "'%s' holds no <split>.jsonl or "
				    "<split>.jsonl.gz file", dir);
	if (count > 1)
		qsort(names->data, count, sizeof(char *), cmp_names);
	return st;
}

/* Keep the DLG_LEAK_EXAMPLES most similar pairs, most similar first (the earlier found
 * first among equals, so the report does not depend on anything but the data). */
static void keep_worst(dlg_leak_pair *worst, size_t *n, const dlg_leak_pair *p)
{
	size_t at = *n;
	while (at > 0 && worst[at - 1].similarity < p->similarity)
		at--;
	if (at == DLG_LEAK_EXAMPLES)
		return;
	size_t last = *n < DLG_LEAK_EXAMPLES ? *n : DLG_LEAK_EXAMPLES - 1;
	memmove(&worst[at + 1], &worst[at], (last - at) * sizeof *worst);
	worst[at] = *p;
	if (*n < DLG_LEAK_EXAMPLES)
		(*n)++;
}

static dlg_leak_side side_of(const group *g, const char *label, uint32_t id)
{
	dlg_leak_side s = { .label = label };
	dlg_split__hex(s.id, g->ix.members[id].conv_id);
	s.record = DLG_BUF_AT(&g->records, uint64_t, id);
	return s;
}

/* Every conversation of the dataset looked up in the other splits and in `against`; a pair
 * counts as dlg_nearindex__find confirms it (exactly, between short conversations). */
static void compare(dlg_leakage_report *r, group *splits, const group *against)
{
	size_t n = r->n_splits;
	dlg_neardup_sig sig;
	for (size_t i = 0; i < n; i++) {
		const group *g = &splits[i];
		for (uint32_t id = 0; id < g->ix.count; id++) {
			dlg_nearindex__sig_of(&sig, &g->ix, id);
			bool leaked = false;
			for (size_t j = 0; j < n; j++) {
				uint32_t match;
				double sim;
				if (j == i || !dlg_nearindex__find(&match, &sim, &splits[j].ix,
								   &sig, r->threshold))
					continue;
				r->leaked[i * n + j]++;
				leaked = true;
				if (i > j) /* each pair once in the examples */
					continue;
				dlg_leak_pair p = { side_of(&splits[j], r->splits[j], match),
						    side_of(g, r->splits[i], id), sim };
				keep_worst(r->worst, &r->n_worst, &p);
			}
			r->total_leaked += leaked;
			uint32_t match;
			double sim;
			if (against &&
			    dlg_nearindex__find(&match, &sim, &against->ix, &sig, r->threshold)) {
				r->against_leaked++;
				dlg_leak_pair p = {
					side_of(against,
						DLG_BUF_AT(&against->files, const char *, match),
						match),
					side_of(g, r->splits[i], id), sim };
				keep_worst(r->against_worst, &r->n_against_worst, &p);
			}
		}
	}
}

dlg_status dlg_leakage(dlg_leakage_report *out, const char *dataset,
		       const char *const *against, size_t n_against, const dlg_options *opts,
		       dlg_error *err)
{
	if (!out || !dataset || !opts || (n_against && !against))
		return dlg_error__set(err, DLG_E_ARG, 0, "dlg_leakage: NULL argument");
	memset(out, 0, sizeof *out);
	dlg_options resolved;
	DLG_TRY(dlg_options__resolved(&resolved, opts, err));
	out->threshold = resolved.near_dup_threshold;
	if (!(out->threshold > 0 && out->threshold <= 1))
		return dlg_error__set(err, DLG_E_ARG, 0, "the near-duplicate threshold is a "
				      "similarity above 0 and at most 1");
	const dlg_allocator *alloc = opts->allocator;
	dlg_buf files;
	dlg_buf__init(&files, alloc, DLG_BUF_UNCAPPED);
	group *splits = NULL, other;
	group_init(&other, alloc);
	dlg_status st = list_files(&files, dataset, alloc, err);
	size_t n_files = DLG_BUF_COUNT(&files, char *);
	char **paths = (char **)files.data;
	/* the splits: runs of files with one name */
	size_t n = 0;
	for (size_t i = 0; st == DLG_OK && i < n_files; i++) {
		const char *name = strrchr(paths[i], '/') + 1;
		size_t len = split_name_len(name);
		if (n && strlen(splits[n - 1].name) == len &&
		    strncmp(splits[n - 1].name, name, len) == 0) {
			st = read_file(out, &splits[n - 1], paths[i], opts, err);
			continue;
		}
		group *grown = dlg_mem__realloc(alloc, splits, (n + 1) * sizeof *grown);
		if (!grown) {
			st = dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
			break;
		}
		splits = grown;
		group_init(&splits[n], alloc);
		splits[n].name = dlg_mem__strndup(NULL, name, len);
		n++;
		st = splits[n - 1].name ? read_file(out, &splits[n - 1], paths[i], opts, err) :
					  dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	}
	for (size_t i = 0; st == DLG_OK && i < n_against; i++)
		st = read_file(out, &other, against[i], opts, err);
	if (st == DLG_OK) {
		out->n_splits = n;
		out->splits = dlg_mem__alloc(NULL, (n ? n : 1) * sizeof *out->splits);
		out->conversations = dlg_mem__alloc(NULL, (n ? n : 1) * sizeof(uint64_t));
		out->leaked = dlg_mem__alloc(NULL, (n ? n * n : 1) * sizeof(uint64_t));
		if (!out->splits || !out->conversations || !out->leaked)
			st = dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	}
	for (size_t i = 0; st == DLG_OK && i < n; i++) {
		out->splits[i] = splits[i].name; /* the report owns the names now */
		splits[i].name = NULL;
		out->conversations[i] = splits[i].ix.count;
		out->total += splits[i].ix.count;
	}
	if (st == DLG_OK) {
		memset(out->leaked, 0, (n ? n * n : 1) * sizeof(uint64_t));
		out->against_conversations = other.ix.count;
		compare(out, splits, n_against ? &other : NULL);
	}
	for (size_t i = 0; i < n; i++)
		group_dispose(&splits[i]);
	dlg_mem__free(alloc, splits);
	group_dispose(&other);
	for (size_t i = 0; i < n_files; i++)
		dlg_mem__free(alloc, paths[i]);
	dlg_buf__dispose(&files);
	if (st != DLG_OK)
		dlg_leakage_dispose(out);
	return st;
}

void dlg_leakage_dispose(dlg_leakage_report *r)
{
	for (size_t i = 0; r->splits && i < r->n_splits; i++)
		dlg_mem__free(NULL, r->splits[i]);
	dlg_mem__free(NULL, r->splits);
	dlg_mem__free(NULL, r->conversations);
	dlg_mem__free(NULL, r->leaked);
	memset(r, 0, sizeof *r);
}
