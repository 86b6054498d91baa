/*
 * report.h - what the CLI prints: findings and the end-of-run summary.
 */
#ifndef DLG_CLI_REPORT_H
#define DLG_CLI_REPORT_H

#include "opts.h"

#include <stdio.h>
#include <time.h>

typedef struct cli_stats cli_stats;

typedef struct cli_report {
	cli_stats *stats;    /* stats: findings are counted here instead of printed */
	FILE *findings;      /* stdout for validate, stderr for convert */
	cli_diag_format format;
	uint64_t max_errors; /* --max-errors: print at most this many findings; 0: no limit */
	bool quiet;          /* --quiet: print no finding */
	uint64_t printed;    /* findings so far (SARIF puts commas between them) */
	uint64_t suppressed; /* findings not printed because of max_errors */
	int failed;          /* an output error while printing */
	bool show_progress;  /* stderr is a terminal and not --quiet */
	bool progress_shown; /* a progress line is on the screen */
	struct timespec started, last_progress;
} cli_report;

/** Start the report (SARIF opens its log here); returns 0 or an exit code. */
int cli_report_begin(cli_report *r);
/** dlg_diag_fn: print one finding; `payload` is a cli_report. */
void cli_report_diag(const dlg_diag *d, void *payload);
/** dlg_progress_fn: a progress line on stderr, at most ten times a second. */
void cli_report_progress(const dlg_progress *p, void *payload);
/** Finish the report (SARIF closes its log; a note on what --max-errors left out). */
void cli_report_end(cli_report *r);
void cli_report_summary(const cli_args *args, const dlg_summary *s);

#endif
