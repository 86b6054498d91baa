/*
 * dataset.c - a dataset made whole (dataset.h): the card and the manifest written beside the
 * finished files in the staging directory, and the swap that makes them DIR's dataset
 * (commit.c), taking away what the earlier dataset's manifest listed.
 * Uses buf.c, error.c, sink.c, commit.c, card.c and manifest.c.
 */
#include "dataset.h"
#include "buf.h"
#include "card.h"
#include "commit.h"
#include "error.h"
#include "manifest.h"
#include "sink.h"

#include <string.h>

/* A small file written whole in the staging directory: the manifest and the card. */
static dlg_status write_small(dlg_outfile *f, const char *name, const dlg_buf *b,
			      const dlg_commit *c, dlg_error *err)
{
	DLG_TRY(dlg_sink__open(f, c->stage, name, c->alloc, err));
	DLG_TRY(dlg_sink__write(f, b->data, b->len, err));
	return dlg_sink__finish(f, err);
}

/* The card and the manifest, then the swap (scratch holds each in turn). */
static dlg_status commit_files(dlg_commit *c, dlg_manifest *m, const dlg_outfile **files,
			       bool card, dlg_outfile *card_file, dlg_outfile *manifest_file,
			       dlg_buf *scratch, dlg_error *err)
{
	if (card) {
		scratch->len = 0;
		DLG_TRY(dlg_card__render(scratch, m, err));
		DLG_TRY(write_small(card_file, "README.md", scratch, c, err));
		files[m->n_files++] = card_file;
	}
	scratch->len = 0;
	DLG_TRY(dlg_manifest__write(scratch, m, err));
	DLG_TRY(write_small(manifest_file, "manifest.json", scratch, c, err));
	files[m->n_files++] = manifest_file;
	/* --force replaces the earlier dataset whole: what its manifest lists goes with it (a
	 * split that is empty now, or named otherwise), the user's other files stay */
	DLG_TRY(dlg_manifest__files(scratch, c->dir, err));
	size_t n_stale = 0;
	for (size_t at = 0; at < scratch->len; at += strlen(scratch->data + at) + 1)
		n_stale++;
	const char **names = dlg_mem__alloc(c->alloc, (m->n_files + n_stale + 1) * sizeof *names);
	if (!names)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	for (size_t i = 0; i < m->n_files; i++)
		names[i] = strrchr(files[i]->path, '/') + 1;
	const char **stale = names + m->n_files;
	n_stale = 0;
	for (size_t at = 0; at < scratch->len; at += strlen(scratch->data + at) + 1)
		stale[n_stale++] = scratch->data + at;
	dlg_status st = dlg_commit__finish(c, names, m->n_files, stale, n_stale, err);
	dlg_mem__free(c->alloc, names);
	return st;
}

dlg_status dlg_dataset__commit(dlg_commit *c, dlg_manifest *m, const dlg_outfile **files,
			       bool card, dlg_error *err)
{
	dlg_outfile card_file = { .fd = -1 }, manifest_file = { .fd = -1 };
	dlg_buf scratch;
	dlg_buf__init(&scratch, c->alloc, DLG_BUF_UNCAPPED);
	dlg_status st = commit_files(c, m, files, card, &card_file, &manifest_file, &scratch, err);
	dlg_buf__dispose(&scratch);
	dlg_sink__discard(&card_file);
	dlg_sink__discard(&manifest_file);
	return st;
}
