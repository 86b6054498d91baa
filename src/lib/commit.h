/*
 * commit.h - the output directory of a run (commit.c): its lock, its staging directory,
 * the atomic swap and the clean-up.
 */
#ifndef DLG_COMMIT_H
#define DLG_COMMIT_H

#include "internal.h"

/** The output directory of a run: its lock, its staging directory, the swap. */
typedef struct dlg_commit {
	const dlg_allocator *alloc;
	const char *dir;  /* borrowed: options.output_dir, as given (messages name it so) */
	char *parent;     /* the directory DIR is in, and DIR's name there (when DIR is a
			   * symbolic link, its target's): one allocation, parent's first */
	char *name;
	int parent_fd;
	int lock_fd;      /* PARENT/.NAME.dlgconv-lock */
	bool locked;      /* lock_fd is flock()ed, and was the file at that name when it was */
	bool lost;        /* another run holds the lock */
	char *stage;      /* PARENT/.NAME.dlgconv-new-XXXXXX: where the files are written */
	const char *stage_name;
	size_t created;   /* dir[0..created) is the outermost parent this run made; 0: none */
	bool existed;     /* DIR was there before the run */
	bool swapped;     /* the new dataset is DIR */
} dlg_commit;

/**
 * Take DIR for a run: make its parents, resolve it when it is a symbolic link, lock it
 * (DLG_E_LOCKED when another run holds it), clean what dead runs left, refuse a non-empty
 * DIR without `force` (DLG_E_EXISTS), and make the staging directory c->stage. Call
 * dlg_commit__end() afterwards even when this fails.
 */
dlg_status dlg_commit__begin(dlg_commit *c, const dlg_options *o, dlg_error *err) DLG_WUR;
/**
 * Make the staged files (`names`, finished) DIR's dataset in one atomic step, keeping the
 * user's own files in DIR and dropping the earlier dataset's (`stale`: what its manifest
 * listed). On failure DIR is as it was.
 */
dlg_status dlg_commit__finish(dlg_commit *c, const char *const *names, size_t n,
			      const char *const *stale, size_t n_stale, dlg_error *err) DLG_WUR;
/** Remove the staging directory (the old dataset after a swap), the parents a failed run
 * made where no other run can be using them, and unlock. */
void dlg_commit__end(dlg_commit *c);

#endif
