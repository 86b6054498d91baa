/*
 * cost.h - the training cost of each split (cost.c).
 */
#ifndef DLG_CLI_COST_H
#define DLG_CLI_COST_H

#include "opts.h"

#include <stdio.h>

/** --price-per-mtok: split i's tokens times --epochs at that price per million tokens. */
double cli_split_cost(const cli_args *a, const dlg_summary *s, size_t split);
/** The line that says each split's training cost (--price-per-mtok). */
void cli_report_cost(FILE *f, const cli_args *a, const dlg_summary *s);

#endif
