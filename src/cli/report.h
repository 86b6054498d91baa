/*
 * report.h - what the CLI prints: findings and the end-of-run summary.
 */
#ifndef DLG_CLI_REPORT_H
#define DLG_CLI_REPORT_H

#include "opts.h"

#include <stdio.h>

typedef struct cli_report {
	FILE *findings; /* stdout for validate, stderr for convert */
	cli_diag_format format;
	int failed;     /* an output error while printing */
} cli_report;

/** dlg_diag_fn: print one finding; `payload` is a cli_report. */
void cli_report_diag(const dlg_diag *d, void *payload);
void cli_report_summary(const cli_args *args, const dlg_summary *s);

#endif
