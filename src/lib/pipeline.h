/*
 * pipeline.h - the driver (pipeline.c), for the steps above it: a run over a slice of the
 * inputs into a writer of the caller's kind.
 */
#ifndef DLG_PIPELINE_H
#define DLG_PIPELINE_H

#include "internal.h"
#include "writer.h"

/**
 * Discover the inputs, take the part-th of `parts` slices of them (by index, so that the
 * parts in order are the inputs in order; 0 of 1 is all), and run every conversation through
 * the step, the decisions and `writer` (NULL: write nothing). Returns as dlg_run().
 */
dlg_status dlg_pipeline__run(dlg_summary *out, const char *const *inputs, size_t n_inputs,
			     const dlg_options *opts, unsigned part, unsigned parts,
			     dlg_writer *writer, dlg_diag_fn diag, void *payload,
			     dlg_error *err) DLG_WUR;

#endif
