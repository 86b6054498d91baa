/*
 * leakage.h - what `dlgconv leakage` prints.
 */
#ifndef DLG_CLI_LEAKAGE_H
#define DLG_CLI_LEAKAGE_H

#include "opts.h"

/** Print the report (a table, or JSON with --json); returns the exit code: 1 above
 * --max-leakage, 3 when the report could not be written. */
int cli_leakage_print(const dlg_leakage_report *r, const cli_args *a);

#endif
