/*
 * inspect.h - `dlgconv inspect`: how each file will be read, and the options that read it
 * whole.
 */
#ifndef DLG_CLI_INSPECT_H
#define DLG_CLI_INSPECT_H

#include "opts.h"

/** Inspect each input (a table, or one JSON object per file with --json); returns the
 * exit code: 0, 2 for options that cannot work, 3 when a file or the report failed. */
int cli_inspect(const cli_args *a);

#endif
