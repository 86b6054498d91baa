/*
 * report.c - prints findings in the chosen format and the one-line summary.
 */
#include "report.h"

void cli_report_diag(const dlg_diag *d, void *payload)
{
	cli_report *r = payload;
	char *line = NULL;
	dlg_diag_style style = r->format == CLI_DIAG_JSON ? DLG_DIAG_STYLE_JSON
							  : DLG_DIAG_STYLE_GCC;
	if (dlg_diag_format(&line, d, style, NULL) != DLG_OK ||
	    fprintf(r->findings, "%s\n", line) < 0)
		r->failed = 1;
	dlg_free(line);
}

static const char *plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

void cli_report_summary(const cli_args *a, const dlg_summary *s)
{
	if (a->quiet)
		return;
	char counts[160];
	snprintf(counts, sizeof counts, "%llu rejected, %llu duplicate%s; %llu error%s, "
		 "%llu warning%s", (unsigned long long)s->rejected,
		 (unsigned long long)s->duplicates, plural(s->duplicates, "", "s"),
		 (unsigned long long)s->errors, plural(s->errors, "", "s"),
		 (unsigned long long)s->warnings, plural(s->warnings, "", "s"));
	if (a->command == CLI_VALIDATE) {
		fprintf(stderr, "dlgconv: %llu conversation%s in %llu file%s: %llu valid, %s\n",
			(unsigned long long)s->inputs, plural(s->inputs, "", "s"),
			(unsigned long long)s->files, plural(s->files, "", "s"),
			(unsigned long long)s->written, counts);
		return;
	}
	printf("dlgconv: %llu conversation%s in %llu file%s: %llu written (",
	       (unsigned long long)s->inputs, plural(s->inputs, "", "s"),
	       (unsigned long long)s->files, plural(s->files, "", "s"),
	       (unsigned long long)s->written);
	const dlg_split *splits = a->opts.splits;
	static const char *const default_names[] = { "train", "validation", "test" };
	size_t n = splits ? a->opts.n_splits : 3;
	for (size_t i = 0; i < n; i++)
		printf("%s%s %llu", i ? ", " : "", splits ? splits[i].name : default_names[i],
		       (unsigned long long)s->split_written[i]);
	printf("), %s\n", counts);
}
