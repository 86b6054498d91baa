/*
 * cost.c - the training cost of each split (cost.h): its tokens times --epochs at
 * --price-per-mtok, for the summary line of convert and for stats.
 */
#include "cost.h"

double cli_split_cost(const cli_args *a, const dlg_summary *s, size_t split)
{
	return (double)s->split_tokens[split] * (double)a->epochs * a->price_per_mtok / 1e6;
}

void cli_report_cost(FILE *f, const cli_args *a, const dlg_summary *s)
{
	fprintf(f, "training cost at %g per million tokens, %llu epoch%s:", a->price_per_mtok,
		(unsigned long long)a->epochs, a->epochs == 1 ? "" : "s");
	for (size_t i = 0; i < cli_split_count(a); i++) {
		double cost = cli_split_cost(a, s, i);
		/* cents, or four decimals for the small sums of a sample */
		fprintf(f, "%s %s %.*f (%llu tokens)", i ? "," : "", cli_split_name(a, i),
			cost >= 1 || cost == 0 ? 2 : 4, cost,
			(unsigned long long)s->split_tokens[i]);
	}
	fputc('\n', f);
}
