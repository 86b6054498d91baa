/*
 * opts.c - one static option table drives both getopt_long parsing and --help, so the two
 * cannot drift apart. Value parsers report usage errors (exit 2).
 */
#define _DEFAULT_SOURCE /* strsep */
#include "opts.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

/* map, reduce and finalize take every option convert takes, so that one option string
 * serves every step (each step checks the parts were made with the same) */
#define STEPS (CLI_MAP | CLI_BANDS | CLI_CLUSTER | CLI_REDUCE | CLI_FINALIZE)
#define WRITE (CLI_CONVERT | STEPS)
#define BOTH (WRITE | CLI_VALIDATE)
#define ALL (WRITE | CLI_VALIDATE | CLI_STATS | CLI_LEAKAGE | CLI_INSPECT)
#define SPLITS (WRITE | CLI_STATS)

/* The command line's own options; the library's come from its table (dlg_option_find). */
static const dlg_option_info part_info = {
	"part", NULL, "K/M", DLG_OPTION_TEXT, NULL, 0, 0, "K/M, K from 0 to M-1, M up to 99999",
	"map the K-th of M slices of the inputs, K from 0 (required)",
	"map: convert the K-th (from 0) of M slices of the inputs into WORK (required).", 0
};
static const dlg_option_info shard_info = {
	"shard", NULL, "S/N", DLG_OPTION_TEXT, NULL, 0, 0, "S/N, S from 0 to N-1, N up to 1024",
	"reduce shard S of N, S from 0 (required; N is --shards)",
	"reduce: merge shard S (from 0) of N (required; the same N as --shards).", 0
};
static const dlg_option_info band_info = {
	"band", NULL, "B/NB", DLG_OPTION_TEXT, NULL, 0, 0, "B/NB, B from 0 to NB-1, NB up to 4096",
	"find the candidate pairs of band task B of NB, B from 0 (required)",
	"bands: find the near-duplicate candidate pairs of the B-th (from 0) of NB band tasks "
	"(required).", 0
};
static const char *const diagnostics_names[] = { "gcc", "json", "github", "sarif", NULL };
static const dlg_option_info diagnostics_info = {
	"diagnostics", NULL, "FORMAT", DLG_OPTION_CHOICE, diagnostics_names, 0, 0,
	"gcc, json, github or sarif",
	"gcc (default), json, github (Actions annotations) or sarif (code scanning)",
	"How findings are printed: GCC style (default), JSON lines, GitHub Actions annotations, "
	"or one SARIF 2.1.0 log.", 0
};
static const dlg_option_info max_errors_info = {
	"max-errors", NULL, "N", DLG_OPTION_NUMBER, NULL, 1, (double)UINT64_MAX,
	"digits only, 1 to 18446744073709551615",
	"print the first N findings only, and how many more there were (counts and exit status "
	"stay whole)",
	"Print the first N findings (errors and warnings) only, then how many more there were; "
	"the counts and the exit status stay whole.", 0
};
static const dlg_option_info config_info = {
	"config", NULL, "FILE", DLG_OPTION_TEXT, NULL, 0, 0, NULL,
	"read options from a JSON object keyed by their long names (the command line wins)",
	"Read options from a JSON object keyed by their long names; the command line wins. "
	"Given once; the file holds one object and nothing after it.", 0
};
static const dlg_option_info json_info = {
	"json", NULL, NULL, DLG_OPTION_FLAG, NULL, 0, 0, NULL,
	"print the statistics (stats), the report (leakage) or each file's (inspect) as JSON",
	"Print the statistics (stats) or the report (leakage) as one JSON object, or inspect's "
	"report as one JSON object per file.", 0
};
static const dlg_option_info against_info = {
	"against", NULL, "FILE", DLG_OPTION_LIST, NULL, 0, 0, NULL,
	"also look for the dataset's conversations in FILE, e.g. an evaluation set (repeatable)",
	"Also look for the dataset's conversations in FILE, e.g. an evaluation set "
	"(repeatable).", DLG_OPTION_REPEATABLE
};
static const dlg_option_info max_leakage_info = {
	"max-leakage", NULL, "RATE", DLG_OPTION_FRACTION, NULL, 0, 1,
	"a rate from 0 to 1, e.g. 0.01",
	"exit 1 when more than RATE (0 to 1) of the conversations have a near-duplicate in "
	"another split, or in the --against files",
	"Exit 1 when more than RATE (0 to 1) of the dataset's conversations have a "
	"near-duplicate in another split, or in the --against files.", 0
};
static const dlg_option_info html_info = {
	"html", NULL, "FILE", DLG_OPTION_TEXT, NULL, 0, 0, NULL,
	"also write a self-contained HTML report with charts to FILE (a new file)",
	"Also write a self-contained HTML report (inline SVG charts, no scripts) to FILE, a new "
	"file: an input, or without --force any file that exists, is a usage error.", 0
};
static const dlg_option_info html_force_info = {
	"force", NULL, NULL, DLG_OPTION_FLAG, NULL, 0, 0, NULL,
	"let --html replace an existing FILE", "Let --html replace an existing FILE (never an "
	"input).", 0
};
static const dlg_option_info price_info = {
	"price-per-mtok", NULL, "X", DLG_OPTION_FRACTION, NULL, 0, 1e9,
	"a price above 0 per million tokens, e.g. 8 or 0.40",
	"print each split's training cost at X per million tokens (needs --tokenizer)",
	"Print each split's training cost: its tokens (under the chat template, if any) times "
	"--epochs times X per million tokens, as fine-tuning is billed (needs --tokenizer; "
	"docs/tokenizers.md).", DLG_OPTION_ABOVE_MIN
};
static const dlg_option_info epochs_info = {
	"epochs", NULL, "E", DLG_OPTION_NUMBER, NULL, 1, 1000, "1 to 1000",
	"the epochs --price-per-mtok bills (default 1)",
	"How many epochs --price-per-mtok bills: each one trains on every token again "
	"(default 1).", 0
};
static const dlg_option_info stage_spans_info = {
	"stage-spans", NULL, NULL, DLG_OPTION_FLAG, NULL, 0, 0, NULL,
	"instead, list every *...* span with its stage-direction decision (JSON lines)",
	"Instead of statistics, print every *...* or _..._ span of every turn as a JSON line "
	"with the stage-direction decision and its reason, to audit a corpus.", 0
};
static const dlg_option_info quiet_info = {
	"quiet", NULL, NULL, DLG_OPTION_FLAG, NULL, 0, 0, NULL,
	"print no findings and no progress: only the summary and the run's own errors",
	"Print no findings and no progress: only the summary line and the run's own errors (the "
	"exit status still tells what the findings would have).", 0
};
static const dlg_option_info verbose_info = {
	"verbose", NULL, NULL, DLG_OPTION_FLAG, NULL, 0, 0, NULL,
	"also print how many of each fix were made",
	"Also print how many of each normalization fix were made.", 0
};
static const dlg_option_info help_info = {
	"help", NULL, NULL, DLG_OPTION_FLAG, NULL, 0, 0, NULL, "show this help",
	"Show the options of a command.", 0
};

/*
 * Which command takes which option, in the order --help lists them. An entry without `own`
 * is the library's option of that name: its type, values and help are the library table's.
 */
static const struct cli_option {
	const char *name;
	char letter;     /* its short form, or 0 */
	unsigned commands;
	const dlg_option_info *own;
} options[] = {
	{ "output", 'o', CLI_CONVERT | CLI_MAP | CLI_FINALIZE, NULL },
	{ "part", 0, CLI_MAP, &part_info },
	{ "band", 0, CLI_BANDS, &band_info },
	{ "shard", 0, CLI_REDUCE, &shard_info },
	{ "force", 0, WRITE, NULL },
	{ "split", 0, SPLITS, NULL },
	{ "seed", 0, SPLITS, NULL },
	{ "split-key", 0, SPLITS, NULL },
	{ "group-regex", 0, SPLITS, NULL },
	{ "max-rejects", 0, WRITE, NULL },
	{ "format", 0, WRITE, NULL },
	{ "compress", 0, WRITE, NULL },
	{ "shards", 0, WRITE, NULL },
	{ "bare", 0, WRITE, NULL },
	{ "tokenizer", 0, CLI_CONVERT | CLI_VALIDATE | CLI_STATS, NULL },
	{ "template", 0, CLI_CONVERT | CLI_VALIDATE | CLI_STATS, NULL },
	{ "emit-token-counts", 0, CLI_CONVERT, NULL },
	{ "max-tokens", 0, CLI_CONVERT | CLI_VALIDATE | CLI_STATS, NULL },
	{ "over-limit", 0, CLI_CONVERT | CLI_VALIDATE | CLI_STATS, NULL },
	{ "no-dedup", 0, ALL, NULL },
	{ "near-dup", 0, ALL, NULL },
	{ "near-dup-threshold", 0, ALL, NULL },
	{ "text-field", 0, ALL, NULL },
	{ "prompt-field", 0, ALL, NULL },
	{ "response-field", 0, ALL, NULL },
	{ "system-field", 0, ALL, NULL },
	{ "rejected-field", 0, ALL, NULL },
	{ "messages-field", 0, ALL, NULL },
	{ "role-key", 0, ALL, NULL },
	{ "content-key", 0, ALL, NULL },
	{ "leading-assistant", 0, ALL, NULL },
	{ "keep-fields", 0, ALL, NULL },
	{ "keep-message-fields", 0, ALL, NULL },
	{ "split-think", 0, ALL, NULL },
	{ "role", 0, ALL, NULL },
	{ "keep-preamble", 0, ALL, NULL },
	{ "stage", 0, ALL, NULL },
	{ "nfkc", 0, ALL, NULL },
	{ "ascii-punct", 0, ALL, NULL },
	{ "keep-unicode-spaces", 0, ALL, NULL },
	{ "input-encoding", 0, ALL, NULL },
	{ "fix-mojibake", 0, ALL, NULL },
	{ "strict", 0, ALL, NULL },
	{ "ignore", 0, ALL, NULL },
	{ "select", 0, ALL, NULL },
	{ "error", 0, ALL, NULL },
	{ "min-turns", 0, ALL, NULL },
	{ "max-turn-chars", 0, ALL, NULL },
	{ "merge-consecutive", 0, ALL, NULL },
	{ "trailing-user", 0, ALL, NULL },
	{ "include", 0, ALL, NULL },
	{ "exclude", 0, ALL, NULL },
	{ "max-input-bytes", 0, ALL, NULL },
	{ "memory-budget", 0, ALL, NULL },
	{ "jobs", 'j', ALL, NULL },
	{ "diagnostics", 0, BOTH, &diagnostics_info },
	{ "max-errors", 0, BOTH, &max_errors_info },
	{ "config", 0, ALL, &config_info },
	{ "json", 0, CLI_STATS | CLI_LEAKAGE | CLI_INSPECT, &json_info },
	{ "against", 0, CLI_LEAKAGE, &against_info },
	{ "max-leakage", 0, CLI_LEAKAGE, &max_leakage_info },
	{ "html", 0, CLI_STATS, &html_info },
	{ "force", 0, CLI_STATS, &html_force_info },
	{ "stage-spans", 0, CLI_STATS, &stage_spans_info },
	{ "price-per-mtok", 0, CLI_CONVERT | CLI_STATS, &price_info },
	{ "epochs", 0, CLI_CONVERT | CLI_STATS, &epochs_info },
	{ "quiet", 'q', ALL, &quiet_info },
	{ "verbose", 'v', BOTH, &verbose_info },
	{ "help", 'h', ALL, &help_info },
};

#define N_OPTIONS (sizeof options / sizeof options[0])

/* getopt_long's value for an option without a short form: its index, past the letters. */
#define LONG_ONLY 256

static const dlg_option_info *info_of(const struct cli_option *o)
{
	return o->own ? o->own : dlg_option_find(o->name);
}

/* The option getopt_long returned `id` for, among those of command c. */
static const struct cli_option *option_by_id(cli_command c, int id)
{
	if (id >= LONG_ONLY)
		return (size_t)(id - LONG_ONLY) < N_OPTIONS ? &options[id - LONG_ONLY] : NULL;
	for (size_t i = 0; i < N_OPTIONS; i++)
		if (options[i].letter == id && (options[i].commands & c))
			return &options[i];
	return NULL;
}

size_t cli_option_count(void)
{
	return N_OPTIONS;
}

cli_option_view cli_option_at(size_t i)
{
	const struct cli_option *o = &options[i];
	return (cli_option_view){ o->name, o->letter, o->commands, info_of(o) };
}

void cli_flags(char *out, size_t cap, const char *msg)
{
	static const char word[] = "option ";
	size_t o = 0;
	while (*msg && o + 1 < cap) {
		size_t len = strspn(msg + sizeof word - 1, "abcdefghijklmnopqrstuvwxyz0123456789-");
		char name[64];
		if (strncmp(msg, word, sizeof word - 1) == 0 && len > 0 && len < sizeof name) {
			memcpy(name, msg + sizeof word - 1, len);
			name[len] = '\0';
			if (dlg_option_find(name) && o + len + 3 < cap) {
				o += (size_t)snprintf(out + o, cap - o, "--%s", name);
				msg += sizeof word - 1 + len;
				continue;
			}
		}
		out[o++] = *msg++;
	}
	out[o] = '\0';
}

static int id_of(const struct cli_option *o)
{
	return o->letter ? o->letter : LONG_ONLY + (int)(o - options);
}

const char *cli_command_name(cli_command c)
{
	return c == CLI_CONVERT ? "convert" : c == CLI_VALIDATE ? "validate" :
	       c == CLI_STATS ? "stats" : c == CLI_MAP ? "map" : c == CLI_REDUCE ? "reduce" :
	       c == CLI_FINALIZE ? "finalize" : c == CLI_INSPECT ? "inspect" :
	       c == CLI_BANDS ? "bands" : c == CLI_CLUSTER ? "cluster" : "leakage";
}

static void print_help(cli_command c)
{
	if (c == CLI_CONVERT)
		printf("usage: dlgconv convert INPUT... -o DIR [options]\n\n"
		       "Parse, normalize and validate transcripts and write DIR/<split>.jsonl.gz,\n"
		       "DIR/rejects.jsonl and DIR/manifest.json. INPUT is a file, a directory\n"
		       "(walked for *.txt, *.md, *.jsonl and *.json, each maybe .gz) or - for\n"
		       "stdin; gzip is recognised by its content.\n\noptions:\n");
	else if (c == CLI_VALIDATE)
		printf("usage: dlgconv validate INPUT... [options]\n\n"
		       "Parse, normalize and validate transcripts; print findings on stdout and\n"
		       "a summary on stderr. Writes nothing.\n\noptions:\n");
	else if (c == CLI_LEAKAGE)
		printf("usage: dlgconv leakage DATASET [--against FILE...] [options]\n\n"
		       "Report near-duplicate conversations across the splits of DATASET (a\n"
		       "directory of <split>.jsonl[.gz] files: dlgconv's, or any messages,\n"
		       "sharegpt or text JSON lines), and between DATASET and the --against files\n"
		       "(an evaluation set: contamination).\n\noptions:\n");
	else if (c == CLI_MAP)
		printf("usage: dlgconv map --part K/M INPUT... -o WORK [options]\n\n"
		       "The first step of a cluster run (docs/map-reduce.md): convert the K-th\n"
		       "of M slices of the inputs into WORK/part-K-of-M, in buckets by split\n"
		       "and shard.\n"
		       "Give every step the options convert would get.\n\noptions:\n");
	else if (c == CLI_BANDS)
		printf("usage: dlgconv bands --band B/NB WORK [options]\n\n"
		       "With --near-dup group or drop, after every map: find the conversations\n"
		       "that share an LSH band key with an earlier one, for band task B of NB,\n"
		       "into WORK/bands-B-of-NB.\n\noptions:\n");
	else if (c == CLI_CLUSTER)
		printf("usage: dlgconv cluster WORK [options]\n\n"
		       "With --near-dup group or drop, after every band task: confirm the pairs\n"
		       "and form the clusters convert forms, into WORK/clusters.\n\noptions:\n");
	else if (c == CLI_REDUCE)
		printf("usage: dlgconv reduce --shard S/N WORK [options]\n\n"
		       "The second step: merge bucket S of every part in WORK, drop the exact\n"
		       "duplicates across parts, and write WORK/shard-S-of-N.\n\noptions:\n");
	else if (c == CLI_FINALIZE)
		printf("usage: dlgconv finalize WORK -o DIR [options]\n\n"
		       "The last step: check every part and shard in WORK and write DIR as\n"
		       "'convert --shards N' would have, byte for byte.\n\noptions:\n");
	else
		printf("usage: dlgconv stats INPUT... [options]\n\n"
		       "Describe a corpus: conversations, turns per conversation, characters per\n"
		       "turn by role, top stage directions, findings by code, split sizes.\n"
		       "Statistics are over the conversations that would be written.\n\n"
		       "options:\n");
	for (size_t i = 0; i < N_OPTIONS; i++) {
		const struct cli_option *o = &options[i];
		if (!(o->commands & c))
			continue;
		char left[64];
		const dlg_option_info *info = info_of(o);
		const char *arg = info->metavar;
		if (o->letter)
			snprintf(left, sizeof left, "-%c, --%s%s%s", o->letter, o->name,
				 arg ? " " : "", arg ? arg : "");
		else
			snprintf(left, sizeof left, "    --%s%s%s", o->name, arg ? " " : "",
				 arg ? arg : "");
		printf("  %-28s %s\n", left, info->help);
	}
	printf("\nexit status: 0 success; 1 %s; 2 usage error; 3 I/O error; 4 internal error%s\n",
	       c & (CLI_MAP | CLI_BANDS | CLI_CLUSTER | CLI_REDUCE) ? "(not used)" :
	       c & (CLI_CONVERT | CLI_FINALIZE) ? "more rejects than --max-rejects (nothing "
	       "written), or no conversation written" : c == CLI_VALIDATE ? "the input has errors" :
	       c == CLI_LEAKAGE ? "leakage above --max-leakage" : "(not used)",
	       c & (CLI_CONVERT | CLI_FINALIZE) ? "; 5 dataset written, report not" : "");
}

static void print_main_help(void)
{
	printf("usage: dlgconv COMMAND [options] INPUT...\n\n"
	       "Turn chat transcripts into clean, validated, reproducible fine-tuning datasets.\n\n"
	       "commands:\n"
	       "  convert    write train/validation/test.jsonl.gz, rejects.jsonl, manifest.json\n"
	       "  validate   lint transcripts: diagnostics on stdout, exit 1 on errors\n"
	       "  stats      describe a corpus: a table with histograms, --json, --html\n"
	       "  leakage    near-duplicates across a dataset's splits and against other files\n"
	       "  inspect    how each file will be read: its shape, fields, what is not carried\n"
	       "  map        cluster step 1: convert a slice of the inputs into buckets\n"
	       "  bands      with --near-dup: candidate pairs of one band task, after map\n"
	       "  cluster    with --near-dup: the clusters convert forms, after bands\n"
	       "  reduce     cluster step 2: merge one shard's buckets of every part\n"
	       "  finalize   cluster step 3: check the parts and shards, write the dataset\n"
	       "  explain    what a finding code means and what to do about it\n"
	       "  options    every option, what it takes, which commands, what it changes\n\n"
	       "Run 'dlgconv COMMAND --help' for a command's options. "
	       "--version prints the version.\n");
}

static int usage_error(cli_command c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int usage_error(cli_command c, const char *fmt, ...)
{
	fprintf(stderr, "dlgconv %s: ", cli_command_name(c));
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'dlgconv %s --help'.\n", cli_command_name(c));
	return 2;
}

static bool parse_role(dlg_role *out, const char *s)
{
	static const char *const names[] = { "system", "user", "assistant" };
	for (int i = 0; i < 3; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (dlg_role)i;
			return true;
		}
	return false;
}

/*
 * "train=0.9,validation=0.05": names point into args->split_spec. Returns CLI_RUN or an exit
 * code. The library checks the weights too; here the message can name the option.
 */
static int parse_splits(cli_args *a, const char *spec)
{
	cli_command c = a->command;
	free(a->split_spec);
	a->opts.splits = NULL;
	a->opts.n_splits = 0;
	a->split_spec = strdup(spec);
	if (!a->split_spec) {
		fprintf(stderr, "dlgconv: out of memory\n");
		return 3;
	}
	size_t n = 0;
	double total = 0;
	for (char *save = NULL, *item = strtok_r(a->split_spec, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');
		char *end = NULL;
		errno = 0;
		double w = eq ? strtod(eq + 1, &end) : 0;
		if (!eq || *end || end == eq + 1)
			return usage_error(c, "bad --split '%s' (want NAME=WEIGHT,...)", spec);
		*eq = '\0';
		/* a NaN or infinite weight, or an infinite total, puts every conversation in one
		 * split (a=1e308,b=1e308: all in b) */
		if (errno || !(w > 0) || !isfinite(w))
			return usage_error(c, "bad --split '%s' (the weight of '%s' is not a "
					   "positive finite number)", spec, item);
		total += w;
		if (!isfinite(total))
			return usage_error(c, "bad --split '%s' (the weights add up to more than a "
					   "double holds; scale them down)", spec);
		if (n == DLG_MAX_SPLITS)
			return usage_error(c, "bad --split '%s' (at most %d splits)", spec,
					   DLG_MAX_SPLITS);
		a->splits[n++] = (dlg_split){ item, w };
	}
	if (n == 0)
		return usage_error(c, "bad --split '%s' (want NAME=WEIGHT,...)", spec);
	a->opts.splits = a->splits;
	a->opts.n_splits = n;
	return CLI_RUN;
}

/* --ignore, --select or --error: codes or slugs, comma-separated. */
static int take_codes(cli_args *a, const char *which, const char *v)
{
	dlg_options *o = &a->opts;
	bool ignore = strcmp(which, "ignore") == 0, select = strcmp(which, "select") == 0;
	const char *option = ignore ? "--ignore" : select ? "--select" : "--error";
	dlg_diag_code *list = ignore ? a->ignore : select ? a->select : a->error_codes;
	size_t *count = ignore ? &o->n_ignore : select ? &o->n_select : &o->n_error_codes;
	for (const char *p = v;; p++) {
		size_t len = strcspn(p, ",");
		char name[64];
		if (len == 0 || len >= sizeof name)
			return usage_error(a->command, "bad %s '%s' (codes such as W303, or their "
					   "names, separated by commas)", option, v);
		memcpy(name, p, len);
		name[len] = '\0';
		dlg_diag_code code;
		if (!dlg_diag_parse(name, &code))
			return usage_error(a->command, "%s: no finding is called '%s' (see 'man "
					   "dlgconv' for the codes)", option, name);
		if (*count == CLI_MAX_LIST)
			return usage_error(a->command, "too many %s codes at '%s'", option, name);
		list[(*count)++] = code;
		p += len;
		if (!*p)
			break;
	}
	o->ignore = a->ignore;
	o->select = a->select;
	o->error_codes = a->error_codes;
	return CLI_RUN;
}

/* "emotion_type,situation" (--keep-fields or --keep-message-fields, `flag`) into names[],
 * the option's list: names point into an owned copy of each value. Returns CLI_RUN
 * or an exit code. */
static int parse_keep_fields(cli_args *a, const char *spec, const char *flag,
			     const char **names, const char *const **list, size_t *n)
{
	cli_command c = a->command;
	if (a->n_keep_specs == CLI_MAX_LIST)
		return usage_error(c, "too many --%s at '%s'", flag, spec);
	char *copy = strdup(spec);
	if (!copy) {
		fprintf(stderr, "dlgconv: out of memory\n");
		return 3;
	}
	a->keep_specs[a->n_keep_specs++] = copy;
	/* strsep, not strtok: an empty name (a,,b) is a mistake to report, not to skip */
	for (char *name; (name = strsep(&copy, ",")) != NULL;) {
		if (!*name)
			return usage_error(c, "bad --%s '%s' (want NAME,NAME,...)", flag, spec);
		if (*n == CLI_MAX_LIST)
			return usage_error(c, "more than %d --%s", CLI_MAX_LIST, flag);
		names[(*n)++] = name;
	}
	*list = names;
	return CLI_RUN;
}

/* "K/M" with K below M and M from 1 to `max`. */
static bool parse_slice(unsigned *k, unsigned *m, const char *v, unsigned max)
{
	/* K and M: whole numbers as any option's (the library reads them) */
	static const dlg_option_info whole = { "slice", NULL, NULL, DLG_OPTION_NUMBER, NULL, 0,
					       (double)UINT64_MAX, NULL, NULL, NULL, 0 };
	const char *slash = strchr(v, '/');
	char head[24];
	uint64_t a, b;
	if (!slash || (size_t)(slash - v) >= sizeof head)
		return false;
	memcpy(head, v, (size_t)(slash - v));
	head[slash - v] = '\0';
	if (dlg_option_parse(&whole, head, &a, NULL, NULL) != DLG_OK ||
	    dlg_option_parse(&whole, slash + 1, &b, NULL, NULL) != DLG_OK || b == 0 || b > max ||
	    a >= b)
		return false;
	*k = (unsigned)a;
	*m = (unsigned)b;
	return true;
}

/* A value the option does not take, said as the table says what it takes. */
static int bad_value(cli_command c, const struct cli_option *o, const char *v)
{
	return usage_error(c, "bad --%s '%s' (%s)", o->name, v, info_of(o)->values);
}

/* The command line's own options. */
static int take_own(cli_args *a, const struct cli_option *o, const char *v)
{
	cli_command c = a->command;
	const char *name = o->name;
	if (strcmp(name, "part") == 0) {
		if (!parse_slice(&a->part, &a->parts, v, 99999))
			return bad_value(c, o, v);
		a->part_given = true;
	} else if (strcmp(name, "band") == 0) {
		if (!parse_slice(&a->band, &a->bands, v, DLG_MAX_BANDS))
			return bad_value(c, o, v);
		a->band_given = true;
	} else if (strcmp(name, "shard") == 0) {
		unsigned shards;
		if (!parse_slice(&a->shard, &shards, v, DLG_MAX_SHARDS))
			return bad_value(c, o, v);
		if (a->opts.shards > 1 && a->opts.shards != shards)
			return usage_error(c, "--shard %s and --shards %u disagree", v,
					   a->opts.shards);
		a->opts.shards = shards;
		a->shard_given = true;
	} else if (strcmp(name, "diagnostics") == 0) {
		size_t k = 0;
		while (diagnostics_names[k] && strcmp(diagnostics_names[k], v) != 0)
			k++;
		if (!diagnostics_names[k])
			return bad_value(c, o, v);
		a->diagnostics = (cli_diag_format)k;
	} else if (strcmp(name, "max-errors") == 0) {
		if (dlg_option_parse(o->own, v, &a->max_errors, NULL, NULL) != DLG_OK)
			return bad_value(c, o, v);
	} else if (strcmp(name, "max-leakage") == 0) {
		if (dlg_option_parse(o->own, v, NULL, &a->max_leakage, NULL) != DLG_OK)
			return bad_value(c, o, v);
	} else if (strcmp(name, "against") == 0) {
		if (a->n_against == CLI_MAX_LIST)
			return usage_error(c, "too many --against files at '%s'", v);
		a->against[a->n_against++] = v;
	} else if (strcmp(name, "force") == 0) {
		a->opts.force = 1;
	} else if (strcmp(name, "quiet") == 0) {
		a->quiet = true;
	} else if (strcmp(name, "verbose") == 0) {
		a->verbose = true;
	} else if (strcmp(name, "json") == 0) {
		a->stats_json = true;
	} else if (strcmp(name, "html") == 0) {
		a->stats_html = v;
	} else if (strcmp(name, "stage-spans") == 0) {
		a->stage_spans = true;
	} else if (strcmp(name, "price-per-mtok") == 0) {
		if (dlg_option_parse(o->own, v, NULL, &a->price_per_mtok, NULL) != DLG_OK)
			return bad_value(c, o, v);
	} else if (strcmp(name, "epochs") == 0) {
		if (dlg_option_parse(o->own, v, &a->epochs, NULL, NULL) != DLG_OK)
			return bad_value(c, o, v);
	} else if (strcmp(name, "help") == 0) {
		print_help(c);
		return 0;
	} /* config: read before the command line (cli_parse) */
	return CLI_RUN;
}

/* The library's list options, whose items the command line keeps. */
static int take_list(cli_args *a, const struct cli_option *o, const char *v)
{
	cli_command c = a->command;
	dlg_options *op = &a->opts;
	const char *name = o->name;
	if (strcmp(name, "split") == 0)
		return parse_splits(a, v);
	if (strcmp(name, "keep-fields") == 0)
		return parse_keep_fields(a, v, name, a->keep_fields, &op->keep_fields,
					 &op->n_keep_fields);
	if (strcmp(name, "keep-message-fields") == 0)
		return parse_keep_fields(a, v, name, a->keep_message_fields,
					 &op->keep_message_fields, &op->n_keep_message_fields);
	if (strcmp(name, "ignore") == 0 || strcmp(name, "select") == 0 ||
	    strcmp(name, "error") == 0)
		return take_codes(a, name, v);
	if (strcmp(name, "role") == 0) {
		const char *eq = strrchr(v, '=');
		dlg_role role;
		if (!eq || eq == v || !parse_role(&role, eq + 1))
			return usage_error(c, "bad --role '%s' (want LABEL=user|assistant|system)",
					   v);
		if (op->n_roles == CLI_MAX_LIST)
			return usage_error(c, "too many --role options at '%s'", v);
		char *label = strndup(v, (size_t)(eq - v));
		if (!label)
			return 3;
		a->roles[op->n_roles++] = (dlg_role_label){ label, role };
		op->roles = a->roles;
		return CLI_RUN;
	}
	/* include, exclude */
	bool include = strcmp(name, "include") == 0;
	const char **list = include ? a->include : a->exclude;
	size_t *count = include ? &op->n_include : &op->n_exclude;
	if (*count == CLI_MAX_LIST)
		return usage_error(c, "too many patterns at '%s'", v);
	list[(*count)++] = v;
	op->include = a->include;
	op->exclude = a->exclude;
	return CLI_RUN;
}

static int take(cli_args *a, const struct cli_option *o, const char *v)
{
	cli_command c = a->command;
	if (o->own)
		return take_own(a, o, v);
	if (info_of(o)->type == DLG_OPTION_LIST)
		return take_list(a, o, v);
	unsigned shards = a->opts.shards;
	dlg_error err;
	if (dlg_option_set(&a->opts, o->name, v, &err) != DLG_OK)
		return bad_value(c, o, v);
	if (strcmp(o->name, "shards") == 0 && a->shard_given && shards != a->opts.shards)
		return usage_error(c, "--shards %s and --shard .../%u disagree", v, shards);
	a->stage_given |= strcmp(o->name, "stage") == 0;
	return CLI_RUN;
}

/* One option from the config file, as if it were given on the command line. */
static int take_config_item(cli_args *a, const struct cli_option *o, const cJSON *v)
{
	const dlg_option_info *info = info_of(o);
	if (!info->metavar) {
		if (!cJSON_IsBool(v))
			return usage_error(a->command, "config: '%s' wants true or false", o->name);
		return cJSON_IsTrue(v) ? take(a, o, NULL) : CLI_RUN;
	}
	if (cJSON_IsArray(v) && !(info->flags & DLG_OPTION_REPEATABLE))
		return usage_error(a->command, "config: '%s' takes one value, not a list",
				   o->name);
	if (cJSON_IsArray(v)) {
		const cJSON *item;
		cJSON_ArrayForEach(item, v) {
			int rc = take_config_item(a, o, item);
			if (rc != CLI_RUN)
				return rc;
		}
		return CLI_RUN;
	}
	if (cJSON_IsNumber(v) && info->type == DLG_OPTION_FRACTION) {
		char number[32];
		snprintf(number, sizeof number, "%.17g", v->valuedouble);
		return take(a, o, number);
	}
	if (cJSON_IsNumber(v)) {
		/* a JSON number is read as a double: from 2^53 on it may no longer be the number
		 * written (9007199254740993 reads as ...992, and a seed would silently change),
		 * so those come as strings */
		double d = v->valuedouble;
		if (!(d > -9007199254740992.0 && d < 9007199254740992.0) ||
		    d != (double)(long long)d)
			return usage_error(a->command, "config: '%s' wants a whole number below "
					   "2^53 (write a larger one as a string of digits)",
					   o->name);
		char number[32];
		snprintf(number, sizeof number, "%lld", (long long)d);
		return take(a, o, number); /* a negative one gets the option's own message */
	}
	if (!cJSON_IsString(v))
		return usage_error(a->command, "config: '%s' wants a string, a whole number or a "
				   "list of them", o->name);
	return take(a, o, v->valuestring);
}

static int load_config(cli_args *a, const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "dlgconv: cannot open '%s': %s\n", path, strerror(errno));
		return 3;
	}
	char *text = NULL;
	size_t len = 0, cap = 0, n;
	do {
		if (len + 4096 > cap) {
			char *grown = realloc(text, cap = 2 * cap + 4096);
			if (!grown) {
				free(text);
				fclose(f);
				fprintf(stderr, "dlgconv: out of memory\n");
				return 3;
			}
			text = grown;
		}
		n = fread(text + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	int read_errno = ferror(f) ? errno : 0;
	fclose(f);
	if (read_errno) {
		free(text);
		fprintf(stderr, "dlgconv: cannot read '%s': %s\n", path, strerror(read_errno));
		return 3;
	}
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	a->config = root;
	/* One object, then only white space: a second object or text after it (two files
	 * pasted together, a stray edit) is a mistake to report, not something to ignore. */
	size_t at = end && end >= text ? (size_t)(end - text) : 0;
	while (root && at < len && text[at] && strchr(" \t\r\n", text[at]))
		at++;
	size_t line = 1, col = 1;
	for (size_t i = 0; i < at && i < len; i++)
		if (text[i] == '\n')
			line++, col = 1;
		else
			col++;
	free(text);
	if (!root)
		return usage_error(a->command, "config '%s' is not valid JSON (line %zu, column "
				   "%zu)", path, line, col);
	if (at < len)
		return usage_error(a->command, "config '%s' has text after its JSON object (line "
				   "%zu, column %zu); it holds one object", path, line, col);
	if (!cJSON_IsObject(root))
		return usage_error(a->command, "config '%s' is not a JSON object", path);
	const cJSON *item;
	cJSON_ArrayForEach(item, root) {
		/* cJSON keeps every one of repeated keys: which one is meant is not said */
		for (const cJSON *k = root->child; k != item; k = k->next)
			if (strcmp(k->string, item->string) == 0)
				return usage_error(a->command, "config '%s' gives '%s' twice",
						   path, item->string);
		const struct cli_option *o = NULL;
		for (size_t i = 0; i < N_OPTIONS && !o; i++)
			if (strcmp(options[i].name, item->string) == 0 &&
			    (options[i].commands & a->command) &&
			    strcmp(options[i].name, "config") != 0 &&
			    strcmp(options[i].name, "help") != 0)
				o = &options[i];
		if (!o)
			return usage_error(a->command, "config: no option '%s' for this command",
					   item->string);
		int rc = take_config_item(a, o, item);
		if (rc != CLI_RUN)
			return rc;
	}
	return CLI_RUN;
}

/*
 * --html FILE is never an input, nor, without --force, a file that exists: `stats --html
 * a.jsonl b.jsonl` (--html taken for a flag) once wrote the report over a.jsonl.
 */
static int check_html_file(const cli_args *a)
{
	struct stat html;
	if (stat(a->stats_html, &html) != 0)
		return CLI_RUN; /* a new file; one that cannot be made is said when writing */
	for (size_t i = 0; i < a->n_inputs; i++) {
		struct stat in;
		if (strcmp(a->inputs[i], "-") != 0 && stat(a->inputs[i], &in) == 0 &&
		    in.st_dev == html.st_dev && in.st_ino == html.st_ino)
			return usage_error(a->command, "--html '%s' is an input; name a new FILE "
					   "for the report", a->stats_html);
	}
	if (!a->opts.force)
		return usage_error(a->command, "--html would write over '%s', which exists; name "
				   "a new FILE for the report, or pass --force to replace it",
				   a->stats_html);
	return CLI_RUN;
}

/* An option getopt refused, named as it was written; for something that may be a file whose
 * name starts with '-' (validate -leading.txt), the two ways to pass one. */
static int bad_option(cli_command c, const char *arg, int opt)
{
	const struct cli_option *known = opt ? option_by_id(c, opt) : NULL;
	if (known && !(known->commands & c))
		known = NULL;
	bool dashes = strncmp(arg, "--", 2) == 0;
	if (known && !info_of(known)->metavar)
		return usage_error(c, "--%s takes no value", known->name);
	if (known && dashes)
		return usage_error(c, "--%s needs a value", known->name);
	if (known)
		return usage_error(c, "-%c needs a value", opt);
	char hint[256] = "";
	if (access(arg, F_OK) == 0 || (!dashes && strlen(arg) > 2))
		snprintf(hint, sizeof hint, "; for a file of that name, write ./%.150s or put -- "
			 "before it", arg);
	if (!dashes && strlen(arg) > 2 && opt > ' ' && opt < 0x7f)
		return usage_error(c, "unknown option '-%c' in '%s'%s", opt, arg, hint);
	size_t len = dashes ? strcspn(arg + 2, "=") : 0;
	size_t prefix_of = 0;
	for (size_t i = 0; dashes && i < N_OPTIONS; i++) {
		if (strlen(options[i].name) == len && strncmp(options[i].name, arg + 2, len) == 0 &&
		    !(options[i].commands & c))
			return usage_error(c, "--%s is not an option of 'dlgconv %s'",
					   options[i].name, cli_command_name(c));
		prefix_of += strncmp(options[i].name, arg + 2, len) == 0 &&
			     (options[i].commands & c);
	}
	if (len > 0 && prefix_of > 1)
		return usage_error(c, "'%s' is ambiguous: several options begin with it", arg);
	return usage_error(c, "unknown option '%s'%s", arg, hint);
}

/* An option the command line gave, kept until the config file is read: the command line
 * wins, so it is applied last. */
typedef struct given {
	const struct cli_option *option;
	const char *value;
} given;

int cli_parse(cli_args *a, int argc, char **argv)
{
	memset(a, 0, sizeof *a);
	/* versioned: each field then means what it holds (--max-rejects 0 allows none) */
	dlg_options_init(&a->opts, DLG_OPTIONS_VERSION);
	a->max_leakage = 1;
	a->epochs = 1;
	if (argc < 2) {
		print_main_help();
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		print_main_help();
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("dlgconv %s\n", dlg_version());
		return 0;
	}
	if (strcmp(argv[1], "convert") == 0)
		a->command = CLI_CONVERT;
	else if (strcmp(argv[1], "validate") == 0)
		a->command = CLI_VALIDATE;
	else if (strcmp(argv[1], "stats") == 0)
		a->command = CLI_STATS;
	else if (strcmp(argv[1], "leakage") == 0)
		a->command = CLI_LEAKAGE;
	else if (strcmp(argv[1], "map") == 0)
		a->command = CLI_MAP;
	else if (strcmp(argv[1], "reduce") == 0)
		a->command = CLI_REDUCE;
	else if (strcmp(argv[1], "finalize") == 0)
		a->command = CLI_FINALIZE;
	else if (strcmp(argv[1], "bands") == 0)
		a->command = CLI_BANDS;
	else if (strcmp(argv[1], "cluster") == 0)
		a->command = CLI_CLUSTER;
	else if (strcmp(argv[1], "inspect") == 0)
		a->command = CLI_INSPECT;
	else {
		fprintf(stderr, "dlgconv: unknown command '%s'\nTry 'dlgconv --help'.\n", argv[1]);
		return 2;
	}
	cli_command c = a->command;
	struct option longopts[N_OPTIONS + 1];
	/* '-' first: inputs come back in order (as id 1) instead of being moved to the end, so
	 * the argument getopt is in is always sub_argv[optind before the call] */
	char shortopts[2 * N_OPTIONS + 2] = "-";
	size_t n = 0, s = 1;
	for (size_t i = 0; i < N_OPTIONS; i++) {
		if (!(options[i].commands & c))
			continue;
		bool arg = info_of(&options[i])->metavar != NULL;
		longopts[n++] = (struct option){ options[i].name,
						 arg ? required_argument : no_argument,
						 NULL, id_of(&options[i]) };
		if (options[i].letter) {
			shortopts[s++] = options[i].letter;
			if (arg)
				shortopts[s++] = ':';
		}
	}
	shortopts[s] = '\0';
	longopts[n] = (struct option){ NULL, 0, NULL, 0 };
	/* getopt sees the command as its argv[0] */
	int sub_argc = argc - 1;
	char **sub_argv = argv + 1;
	given *list = malloc((size_t)argc * sizeof *list);
	a->inputs = malloc((size_t)argc * sizeof *a->inputs);
	int rc = CLI_RUN;
	if (!list || !a->inputs) {
		fprintf(stderr, "dlgconv: out of memory\n");
		rc = 3;
		goto out;
	}
	size_t n_given = 0;
	const char *config = NULL;
	bool help = false;
	optind = 1;
	opterr = 0;
	for (;;) {
		int at = optind;
		int id = getopt_long(sub_argc, sub_argv, shortopts, longopts, NULL);
		if (id == -1)
			break;
		if (id == 1) {
			a->inputs[a->n_inputs++] = optarg;
		} else if (id == '?' || id == ':') {
			rc = bad_option(c, sub_argv[at], optopt);
			goto out;
		} else if (strcmp(option_by_id(c, id)->name, "help") == 0) {
			help = true;
		} else if (strcmp(option_by_id(c, id)->name, "config") == 0 && config) {
			/* two would have to be merged by rules of their own: one file it is */
			rc = usage_error(c, "only one --config ('%s', then '%s'); put the options "
					 "in one file", config, optarg);
			goto out;
		} else if (strcmp(option_by_id(c, id)->name, "config") == 0) {
			config = optarg;
		} else {
			list[n_given++] = (given){ option_by_id(c, id), optarg };
		}
	}
	/* after "--" every argument is an input, even one that starts with '-' */
	while (optind < sub_argc)
		a->inputs[a->n_inputs++] = sub_argv[optind++];
	if (help) {
		print_help(c);
		rc = 0;
		goto out;
	}
	if (config && (rc = load_config(a, config)) != CLI_RUN)
		goto out;
	/* an option of one value given two values is a mistake (two scripts' flags pasted
	 * together), not something to settle by taking the last; the same value twice (a job
	 * script that passes --shards N and the options string that holds it) says one thing */
	for (size_t i = 0; i < n_given && rc == CLI_RUN; i++) {
		const dlg_option_info *info = info_of(list[i].option);
		if (!info->metavar || (info->flags & DLG_OPTION_REPEATABLE))
			continue;
		for (size_t k = 0; k < i && rc == CLI_RUN; k++)
			if (list[k].option == list[i].option &&
			    strcmp(list[k].value, list[i].value) != 0)
				rc = usage_error(c, "--%s given twice ('%s', then '%s'); give it "
						 "once", list[i].option->name, list[k].value,
						 list[i].value);
	}
	for (size_t i = 0; i < n_given && rc == CLI_RUN; i++)
		rc = take(a, list[i].option, list[i].value);
	if (rc != CLI_RUN)
		goto out;
	size_t stdin_named = 0;
	for (size_t i = 0; i < a->n_inputs; i++)
		stdin_named += strcmp(a->inputs[i], "-") == 0;
	if (a->n_inputs == 0)
		rc = usage_error(c, "%s", "no INPUT given");
	else if (stdin_named > 1)
		rc = usage_error(c, "%s", "'-' (stdin) named more than once; it can be read once");
	else if (c == CLI_LEAKAGE && a->n_inputs != 1)
		rc = usage_error(c, "%s", "name one DATASET directory (other files go after "
				 "--against)");
	else if ((c & (CLI_CONVERT | CLI_MAP | CLI_FINALIZE)) && !a->opts.output_dir)
		rc = usage_error(c, "%s", c == CLI_MAP ? "-o WORK is required" :
				 "-o DIR is required");
	else if (c == CLI_MAP && !a->part_given)
		rc = usage_error(c, "%s", "--part K/M is required");
	else if (c == CLI_REDUCE && !a->shard_given)
		rc = usage_error(c, "%s", "--shard S/N is required");
	else if (c == CLI_BANDS && !a->band_given)
		rc = usage_error(c, "%s", "--band B/NB is required");
	else if ((c & (CLI_BANDS | CLI_CLUSTER | CLI_REDUCE | CLI_FINALIZE)) && a->n_inputs != 1)
		rc = usage_error(c, "%s", "name one WORK directory, the one map wrote into");
	else if (a->price_per_mtok > 0 && !a->opts.tokenizer)
		rc = usage_error(c, "%s", "--price-per-mtok needs --tokenizer");
	else if (c == CLI_STATS && a->stats_html)
		rc = check_html_file(a);
	/* --bare has no field for stage directions: unless told, they stay in the text */
	else if (a->opts.bare && !a->stage_given)
		a->opts.stage = DLG_STAGE_KEEP;
out:
	free(list);
	return rc;
}

static const char *const default_split_names[] = { "train", "validation", "test" };

size_t cli_split_count(const cli_args *a)
{
	return a->opts.splits ? a->opts.n_splits : 3;
}

const char *cli_split_name(const cli_args *a, size_t i)
{
	return a->opts.splits ? a->opts.splits[i].name : default_split_names[i];
}

void cli_args_dispose(cli_args *a)
{
	free(a->inputs);
	cJSON_Delete(a->config);
	for (size_t i = 0; i < a->opts.n_roles; i++)
		free((char *)a->roles[i].label);
	for (size_t i = 0; i < a->n_keep_specs; i++)
		free(a->keep_specs[i]);
	free(a->split_spec);
}
