/*
 * report.c - prints findings in the chosen format and the one-line summary.
 */
#include "report.h"

int cli_report_begin(cli_report *r)
{
	if (r->format != CLI_DIAG_SARIF)
		return 0;
	char *head = NULL;
	if (dlg_sarif_open(&head, NULL) != DLG_OK)
		return 3;
	fputs(head, r->findings);
	dlg_free(head);
	return 0;
}

void cli_report_diag(const dlg_diag *d, void *payload)
{
	static const dlg_diag_style styles[] = {
		[CLI_DIAG_GCC] = DLG_DIAG_STYLE_GCC, [CLI_DIAG_JSON] = DLG_DIAG_STYLE_JSON,
		[CLI_DIAG_GITHUB] = DLG_DIAG_STYLE_GITHUB, [CLI_DIAG_SARIF] = DLG_DIAG_STYLE_SARIF,
	};
	cli_report *r = payload;
	if (d->severity == DLG_SEV_ERROR)
		r->errors_seen++;
	/* past the limit nothing more is shown: the errors that matter come with their
	 * warnings, and a flood of either hides the first */
	if (r->max_errors && r->errors_seen > r->max_errors) {
		r->suppressed++;
		return;
	}
	char *line = NULL;
	const char *sep = r->format == CLI_DIAG_SARIF ? (r->printed ? ",\n" : "\n") : "";
	const char *end = r->format == CLI_DIAG_SARIF ? "" : "\n";
	if (dlg_diag_format(&line, d, styles[r->format], NULL) != DLG_OK ||
	    fprintf(r->findings, "%s%s%s", sep, line, end) < 0)
		r->failed = 1;
	r->printed++;
	dlg_free(line);
}

void cli_report_end(cli_report *r)
{
	if (r->format == CLI_DIAG_SARIF && fprintf(r->findings, "%s\n", dlg_sarif_close()) < 0)
		r->failed = 1;
	if (r->suppressed)
		fprintf(stderr, "dlgconv: %llu more finding%s not shown (--max-errors %llu)\n",
			(unsigned long long)r->suppressed, r->suppressed == 1 ? "" : "s",
			(unsigned long long)r->max_errors);
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
