/*
 * main.c - the dlgconv command: argv -> dlg_options -> dlg_run(), status -> exit code.
 * A client of dlgconv.h only.
 */
#define _POSIX_C_SOURCE 200809L
#include "explain.h"
#include "leakage.h"
#include "manual.h"
#include "opts.h"
#include "report.h"
#include "inspect.h"
#include "stats.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* No SA_RESTART: a read blocked on a pipe or FIFO returns, and the run can stop. A closed
 * pipe (`| head`) and a file size limit (`ulimit -f`) come back as write errors (EPIPE,
 * EFBIG) instead of killing the run half way: it then cleans up and exits 3. */
static void catch_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
}

/* A closed stdin, stdout or stderr would be the number the next open() gets: the findings
 * would be written into a dataset file. /dev/null takes the place of a closed stdin, and
 * /dev/full of a closed stdout or stderr: what is written there fails, so a report that
 * could not be given is said by the exit status (5 or 3), and one with nothing to say
 * (convert -q 2>&-) is not. */
static bool standard_fds_open(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		int got = open(fd == 0 ? "/dev/null" : "/dev/full", fd == 0 ? O_RDONLY : O_WRONLY);
		if (got != fd) {
			if (got >= 0)
				close(got);
			return false;
		}
	}
	return true;
}

/* The run's own error, with options named by their flags. */
static void print_error(const dlg_error *err)
{
	char msg[sizeof err->msg + 64];
	cli_flags(msg, sizeof msg, err->msg);
	fprintf(stderr, "dlgconv: %s\n", msg);
}

static int exit_code(dlg_status st)
{
	switch (st) {
	case DLG_OK: return 0;
	case DLG_E_REJECTS: return 1;
	case DLG_E_ARG:
	case DLG_E_EXISTS: return 2;
	case DLG_E_NOMEM:
	case DLG_E_IO:
	case DLG_E_LIMIT:
	case DLG_E_ZLIB:
	case DLG_E_CANCELED:
	case DLG_E_LOCKED: return 3;
	default: return 4;
	}
}

static int run_leakage(const cli_args *a)
{
	dlg_leakage_report report;
	dlg_error err = { 0 };
	dlg_status st = dlg_leakage(&report, a->inputs[0], a->against, a->n_against, &a->opts,
				    &err);
	if (st != DLG_OK) {
		print_error(&err);
		return exit_code(st);
	}
	int rc = cli_leakage_print(&report, a);
	dlg_leakage_dispose(&report);
	if (rc == 0 && fflush(stdout) != 0)
		rc = 3;
	return rc;
}

int main(int argc, char **argv)
{
	if (!standard_fds_open())
		return 3;
	if (argc >= 2 && strcmp(argv[1], "options") == 0)
		return cli_manual(argc, argv);
	/* explain reads no input and takes none of the run's options: it has its own parser */
	if (argc >= 2 && strcmp(argv[1], "explain") == 0)
		return cli_explain(argc - 1, argv + 1);
	cli_args args;
	cli_report report;
	memset(&report, 0, sizeof report);
	int rc = cli_parse(&args, argc, argv);
	if (rc != CLI_RUN)
		goto out;
	catch_signals();
	args.opts.cancel = &interrupted;
	if (args.command == CLI_LEAKAGE) {
		rc = run_leakage(&args);
		goto out;
	}
	if (args.command == CLI_INSPECT) {
		rc = cli_inspect(&args);
		goto out;
	}
	report.findings = args.command == CLI_VALIDATE ? stdout : stderr;
	report.format = args.diagnostics;
	report.max_errors = args.max_errors;
	report.quiet = args.quiet;
	if ((rc = cli_report_begin(&report)) != 0)
		goto out;
	report.show_progress &= !args.quiet;
	args.opts.progress = cli_report_progress;
	if (args.command == CLI_STATS) {
		report.stats = cli_stats_new();
		if (!report.stats) {
			rc = 3;
			goto out;
		}
		args.opts.on_conversation = cli_stats_conversation;
		if (args.stage_spans) {
			/* the spans are looked at where they stand, so nothing is taken out */
			args.opts.stage = DLG_STAGE_KEEP;
			args.opts.on_conversation = cli_stats_stage_spans;
		}
	}
	dlg_summary summary;
	dlg_error err = { 0 };
	const char *const *inputs = (const char *const *)args.inputs;
	dlg_status st;
	if (args.command == CLI_MAP)
		st = dlg_map(&summary, inputs, args.n_inputs, args.part, args.parts,
			     args.opts.output_dir, &args.opts, cli_report_diag, &report, &err);
	else if (args.command == CLI_BANDS)
		st = dlg_bands(inputs[0], args.band, args.bands, &args.opts, &err);
	else if (args.command == CLI_CLUSTER)
		st = dlg_cluster(&summary, inputs[0], &args.opts, &err);
	else if (args.command == CLI_REDUCE)
		st = dlg_reduce(inputs[0], args.shard, &args.opts, &err);
	else if (args.command == CLI_FINALIZE)
		st = dlg_finalize(&summary, inputs[0], &args.opts, &err);
	else
		st = dlg_run(&summary, inputs, args.n_inputs, &args.opts, cli_report_diag, &report,
			     &err);
	cli_report_end(&report);
	rc = exit_code(st);
	if (st != DLG_OK) {
		print_error(&err);
		goto out;
	}
	if (report.stats && !args.stage_spans)
		rc = cli_stats_print(report.stats, &args, &summary);
	/* a shard's counts, the bands' and the clusters' are finalize's to say */
	else if (!(args.command & (CLI_BANDS | CLI_CLUSTER | CLI_REDUCE)))
		cli_report_summary(&args, &summary);
	if (args.command == CLI_VALIDATE && summary.errors > 0)
		rc = 1;
	/* a dataset with no conversation is a failure CI must see (a folder of Git LFS
	 * pointers, a format mistaken for another) */
	bool wrote_dataset = args.command == CLI_CONVERT || args.command == CLI_FINALIZE;
	/* what a step commits (a part, a shard) is in place too */
	bool committed = wrote_dataset ||
			 (args.command & (CLI_MAP | CLI_BANDS | CLI_CLUSTER | CLI_REDUCE));
	if (wrote_dataset && summary.written == 0) {
		fprintf(stderr, "dlgconv: no conversation written (%llu rejected, %llu "
			"duplicates); rejects.jsonl says why\n",
			(unsigned long long)summary.rejected,
			(unsigned long long)summary.duplicates);
		rc = 1;
	}
	if (report.failed || fflush(stdout) != 0 || ferror(stderr)) {
		/* convert's dataset (a step's part or shard) is in place by now: exit 3 would say
		 * it is not */
		fprintf(stderr, "dlgconv: cannot write the report%s\n",
			wrote_dataset ? " (the dataset was written)" :
			committed ? " (its output was written)" : "");
		rc = committed ? 5 : 3;
	}
out:
	cli_stats_free(report.stats);
	cli_args_dispose(&args);
	return rc;
}
