/*
 * stats.h - `dlgconv stats`: statistics of a corpus, as a table, JSON or an HTML report.
 */
#ifndef DLG_CLI_STATS_H
#define DLG_CLI_STATS_H

#include "report.h"

/** Allocate an empty collector; NULL when out of memory. */
cli_stats *cli_stats_new(void);
void cli_stats_free(cli_stats *s);
/** dlg_conv_fn: count one conversation; `payload` is the cli_report holding the stats. */
void cli_stats_conversation(const dlg_conv *c, dlg_fate fate, size_t split, void *payload);
void cli_stats_finding(cli_stats *s, const dlg_diag *d);
/** dlg_conv_fn for --stage-spans: print each candidate span of each turn as a JSON line. */
void cli_stats_stage_spans(const dlg_conv *c, dlg_fate fate, size_t split, void *payload);
/** Print the table (or --json) and write --html; returns 0 or an exit code. */
int cli_stats_print(const cli_stats *s, const cli_args *a, const dlg_summary *sum);

#endif
