/*
 * report.c - prints findings in the chosen format and the one-line summary.
 */
#define _POSIX_C_SOURCE 200809L
#include "report.h"
#include "cost.h"
#include "stats.h"

#include <unistd.h>

static double seconds_since(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static void clear_progress(cli_report *r)
{
	if (r->progress_shown)
		fputs("\r\033[K", stderr);
	r->progress_shown = false;
}

void cli_report_progress(const dlg_progress *p, void *payload)
{
	cli_report *r = payload;
	if (!r->show_progress || (r->progress_shown && seconds_since(&r->last_progress) < 0.1))
		return;
	clock_gettime(CLOCK_MONOTONIC, &r->last_progress);
	double elapsed = seconds_since(&r->started);
	double rate = elapsed > 0 ? (double)p->bytes_done / elapsed : 0;
	char eta[16] = "--:--"; /* a rate from the first half second says little */
	if (elapsed >= 0.5 && rate > 0) {
		int left = (int)((double)(p->bytes_total - p->bytes_done) / rate);
		snprintf(eta, sizeof eta, "%d:%02d", left / 60, left % 60);
	}
	fprintf(stderr, "\r\033[K%llu/%llu files, %llu conversations, %.1f MB/s, ETA %s",
		(unsigned long long)p->files_done, (unsigned long long)p->files_total,
		(unsigned long long)p->conversations, rate / 1e6, eta);
	r->progress_shown = true;
}

int cli_report_begin(cli_report *r)
{
	r->show_progress = isatty(STDERR_FILENO) == 1;
	clock_gettime(CLOCK_MONOTONIC, &r->started);
	r->last_progress = r->started;
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
	if (r->stats) {
		cli_stats_finding(r->stats, d);
		return;
	}
	if (r->quiet)
		return;
	/* past the limit nothing more is shown: a flood of findings hides the first */
	if (r->max_errors && r->printed == r->max_errors) {
		r->suppressed++;
		return;
	}
	if (r->findings == stderr)
		clear_progress(r);
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
	clear_progress(r);
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

static void print_fixes(FILE *f, const dlg_summary *s)
{
	fputs("dlgconv: fixes:", f);
	bool any = false;
	for (int i = 0; i < DLG_FIX_COUNT; i++)
		if (s->fixes[i]) {
			fprintf(f, "%s %s %llu", any ? "," : "", dlg_fix_name((dlg_fix)i),
				(unsigned long long)s->fixes[i]);
			any = true;
		}
	fputs(any ? "\n" : " none\n", f);
}

void cli_report_summary(const cli_args *a, const dlg_summary *s)
{
	if (a->verbose)
		print_fixes(a->command & (CLI_CONVERT | CLI_MAP | CLI_FINALIZE) ? stdout : stderr,
			    s);
	char near[64] = "";
	if (s->near_duplicates)
		snprintf(near, sizeof near, ", %llu near-duplicate%s",
			 (unsigned long long)s->near_duplicates,
			 plural(s->near_duplicates, "", "s"));
	char counts[224];
	snprintf(counts, sizeof counts, "%llu rejected, %llu duplicate%s%s; %llu error%s, "
		 "%llu warning%s", (unsigned long long)s->rejected,
		 (unsigned long long)s->duplicates, plural(s->duplicates, "", "s"), near,
		 (unsigned long long)s->errors, plural(s->errors, "", "s"),
		 (unsigned long long)s->warnings, plural(s->warnings, "", "s"));
	if (!(a->command & (CLI_CONVERT | CLI_MAP | CLI_FINALIZE))) { /* stdout holds findings
									   or spans */
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
	for (size_t i = 0; i < cli_split_count(a); i++)
		printf("%s%s %llu", i ? ", " : "", cli_split_name(a, i),
		       (unsigned long long)s->split_written[i]);
	printf("), %s\n", counts);
	if (a->price_per_mtok > 0)
		cli_report_cost(stdout, a, s);
}
