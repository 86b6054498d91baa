/*
 * dataset.h - a dataset's last files and its commit (dataset.c).
 */
#ifndef DLG_DATASET_H
#define DLG_DATASET_H

#include "internal.h"
#include "commit.h"
#include "manifest.h"
#include "sink.h"

/**
 * Write README.md (when `card`) and manifest.json beside m's finished files in c's staging
 * directory, and swap them in as DIR's dataset. `files` is m->files, with room for two more
 * entries after m->n_files.
 */
dlg_status dlg_dataset__commit(dlg_commit *c, dlg_manifest *m, const dlg_outfile **files,
			       bool card, dlg_error *err) DLG_WUR;

#endif
