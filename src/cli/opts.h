/*
 * opts.h - the command line: one option table drives both parsing and --help.
 */
#ifndef DLG_CLI_OPTS_H
#define DLG_CLI_OPTS_H

#include "dlgconv.h"

#include <stdbool.h>

typedef enum cli_command {
	CLI_CONVERT = 1,
	CLI_VALIDATE = 2,
	CLI_STATS = 4,
	CLI_LEAKAGE = 8,
	CLI_MAP = 16,
	CLI_REDUCE = 32,
	CLI_FINALIZE = 64,
	CLI_INSPECT = 128,
	CLI_BANDS = 256,
	CLI_CLUSTER = 512
} cli_command;
typedef enum cli_diag_format {
	CLI_DIAG_GCC = 0,
	CLI_DIAG_JSON,
	CLI_DIAG_GITHUB,
	CLI_DIAG_SARIF
} cli_diag_format;

#define CLI_MAX_LIST 64

typedef struct cli_args {
	cli_command command;
	dlg_options opts;
	char **inputs; /* owned array of pointers into argv */
	size_t n_inputs;
	cli_diag_format diagnostics;
	uint64_t max_errors; /* print at most this many findings; 0: all */
	bool quiet;          /* print the summary and the run's own errors, no findings */
	bool verbose;
	bool stats_json;        /* stats, leakage: --json */
	const char *against[CLI_MAX_LIST]; /* leakage: --against FILE */
	size_t n_against;
	double max_leakage;     /* leakage: --max-leakage; 1 when not given */
	const char *stats_html; /* stats: --html FILE */
	double price_per_mtok;  /* convert, stats: --price-per-mtok, 0 when not given */
	uint64_t epochs;        /* convert, stats: --epochs (default 1) */
	bool stage_spans;       /* stats: --stage-spans */
	bool stage_given;       /* --stage was given (--bare's default is keep) */
	unsigned part, parts;   /* map: --part K/M */
	unsigned band, bands;   /* bands: --band B/NB */
	unsigned shard;         /* reduce: --shard S/N (N is opts.shards) */
	bool part_given, shard_given, band_given;
	dlg_role_label roles[CLI_MAX_LIST];
	dlg_split splits[DLG_MAX_SPLITS];
	const char *include[CLI_MAX_LIST];
	const char *exclude[CLI_MAX_LIST];
	dlg_diag_code ignore[CLI_MAX_LIST], select[CLI_MAX_LIST], error_codes[CLI_MAX_LIST];
	const char *keep_fields[CLI_MAX_LIST]; /* point into keep_specs */
	const char *keep_message_fields[CLI_MAX_LIST]; /* likewise */
	char *keep_specs[CLI_MAX_LIST];        /* owned copies of each --keep-fields and
						  --keep-message-fields */
	size_t n_keep_specs;
	char *split_spec; /* owned copy that splits[].name points into */
	void *config;     /* the --config JSON tree (cJSON), which option values point into */
} cli_args;

/* What cli_parse found: run the command, or exit now with the given code. */
typedef enum cli_parse_result { CLI_RUN = -1 } cli_parse_result;

/** The splits in effect: those of --split, or the default three. */
size_t cli_split_count(const cli_args *a);
const char *cli_split_name(const cli_args *a, size_t i);

/** One option as the command line offers it (manual.c prints them). */
typedef struct cli_option_view {
	const char *name;
	char letter;                 /* its short form, or 0 */
	unsigned commands;           /* cli_command bits */
	const dlg_option_info *info; /* the library's, or the command line's own */
} cli_option_view;

/** The command line's options, in --help order. */
size_t cli_option_count(void);
cli_option_view cli_option_at(size_t i);
/** "convert", "validate", ... */
const char *cli_command_name(cli_command c);

/**
 * A library message for the command line: the library names an option by its name ("option
 * max-rejects"), the command line by its flag ("--max-rejects"). Into out[0, cap).
 */
void cli_flags(char *out, size_t cap, const char *msg);

/** Parse argv into *args; returns CLI_RUN, or an exit code after printing help or an error. */
int cli_parse(cli_args *args, int argc, char **argv);
void cli_args_dispose(cli_args *args);

#endif
