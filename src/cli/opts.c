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

enum {
	OPT_OUTPUT = 'o',
	OPT_QUIET = 'q',
	OPT_JOBS = 'j',
	OPT_VERBOSE = 'v',
	OPT_HELP = 'h',
	OPT_FORCE = 256,
	OPT_SPLIT,
	OPT_SEED,
	OPT_SPLIT_KEY,
	OPT_GROUP_REGEX,
	OPT_NO_DEDUP,
	OPT_MAX_REJECTS,
	OPT_ROLE,
	OPT_KEEP_PREAMBLE,
	OPT_STAGE,
	OPT_NFKC,
	OPT_ASCII_PUNCT,
	OPT_STRICT,
	OPT_MIN_TURNS,
	OPT_MAX_TURN_CHARS,
	OPT_MERGE_CONSECUTIVE,
	OPT_TRAILING_USER,
	OPT_INCLUDE,
	OPT_EXCLUDE,
	OPT_NEAR_DUP,
	OPT_NEAR_DUP_THRESHOLD,
	OPT_AGAINST,
	OPT_MAX_LEAKAGE,
	OPT_IGNORE,
	OPT_SELECT,
	OPT_ERROR,
	OPT_MAX_INPUT_BYTES,
	OPT_DIAGNOSTICS,
	OPT_FORMAT,
	OPT_TEXT_FIELD,
	OPT_RESPONSE_FIELD,
	OPT_MAX_ERRORS,
	OPT_CONFIG,
	OPT_JSON,
	OPT_HTML,
	OPT_INPUT_ENCODING,
	OPT_FIX_MOJIBAKE,
	OPT_KEEP_UNICODE_SPACES,
	OPT_STAGE_SPANS,
	OPT_COMPRESS,
	OPT_BARE,
	OPT_REJECTED_FIELD,
	OPT_MESSAGES_FIELD,
	OPT_ROLE_KEY,
	OPT_CONTENT_KEY,
	OPT_LEADING_ASSISTANT,
	OPT_KEEP_FIELDS,
	OPT_SHARDS,
	OPT_PART,
	OPT_SHARD,
};

/* map, reduce and finalize take every option convert takes, so that one option string
 * serves every step (each step checks the parts were made with the same) */
#define STEPS (CLI_MAP | CLI_REDUCE | CLI_FINALIZE)
#define WRITE (CLI_CONVERT | STEPS)
#define BOTH (WRITE | CLI_VALIDATE)
#define ALL (WRITE | CLI_VALIDATE | CLI_STATS | CLI_LEAKAGE)
#define SPLITS (WRITE | CLI_STATS)

static const struct cli_option {
	const char *name;
	int id;          /* a short option letter, or an OPT_ value */
	const char *arg; /* metavariable, or NULL for a flag */
	unsigned commands;
	const char *help;
} options[] = {
	{ "output", OPT_OUTPUT, "DIR", CLI_CONVERT | CLI_MAP | CLI_FINALIZE,
	  "write the dataset (map: the work directory) into DIR (required)" },
	{ "part", OPT_PART, "K/M", CLI_MAP,
	  "map the K-th of M slices of the inputs, K from 0 (required)" },
	{ "shard", OPT_SHARD, "S/N", CLI_REDUCE,
	  "reduce shard S of N, S from 0 (required; N is --shards)" },
	{ "force", OPT_FORCE, NULL, WRITE,
	  "write into a non-empty DIR, replacing dlgconv's own files there" },
	{ "split", OPT_SPLIT, "SPEC", SPLITS,
	  "NAME=WEIGHT,... (default train=0.9,validation=0.05,test=0.05)" },
	{ "seed", OPT_SEED, "N", SPLITS, "seed of the split assignment (default 0)" },
	{ "split-key", OPT_SPLIT_KEY, "KEY", SPLITS,
	  "what decides the split: content (default), source or group" },
	{ "group-regex", OPT_GROUP_REGEX, "RE", SPLITS,
	  "with --split-key group: the first capture group of RE on the source path" },
	{ "max-rejects", OPT_MAX_REJECTS, "N", WRITE,
	  "fail and write nothing when more than N conversations are rejected" },
	{ "format", OPT_FORMAT, "FORMAT", WRITE,
	  "records as messages (default), sharegpt, text, preference (TRL) or "
	  "openai-preference" },
	{ "compress", OPT_COMPRESS, "MODE", WRITE,
	  "gzip (default: <split>.jsonl.gz) or none (<split>.jsonl)" },
	{ "shards", OPT_SHARDS, "N", WRITE,
	  "write each split as N files, <split>-SSSSS-of-NNNNN.jsonl.gz, by a hash of "
	  "the id (default 1)" },
	{ "bare", OPT_BARE, NULL, WRITE,
	  "records hold only the format's own keys (ids and sources go to provenance.jsonl); "
	  "stage directions stay in the text unless --stage says otherwise" },
	{ "no-dedup", OPT_NO_DEDUP, NULL, ALL, "keep exact duplicate conversations" },
	{ "near-dup", OPT_NEAR_DUP, "MODE", ALL,
	  "near-duplicate clusters: group (one split per cluster; the default but in map, "
	  "reduce and finalize, which take only off), drop (keep the first, W321 for the rest) "
	  "or off" },
	{ "near-dup-threshold", OPT_NEAR_DUP_THRESHOLD, "J", ALL,
	  "estimated Jaccard similarity of word 3-grams from which two conversations are "
	  "near-duplicates (default 0.8)" },
	{ "text-field", OPT_TEXT_FIELD, "PATH", ALL,
	  "JSON records: the transcript string at PATH (e.g. chosen, choices.0.turns.0)" },
	{ "response-field", OPT_RESPONSE_FIELD, "PATH", ALL,
	  "JSON records: the reply at PATH becomes the last assistant turn" },
	{ "rejected-field", OPT_REJECTED_FIELD, "PATH", ALL,
	  "JSON records: the rejected transcript at PATH pairs with --text-field's (chosen)" },
	{ "messages-field", OPT_MESSAGES_FIELD, "PATH", ALL,
	  "JSON records: the messages array at PATH (default: messages, then conversations)" },
	{ "role-key", OPT_ROLE_KEY, "KEY", ALL,
	  "a message's role key (default: the first it has of role, from, speaker)" },
	{ "content-key", OPT_CONTENT_KEY, "KEY", ALL,
	  "a message's text key (default: the first it has of content, value, text)" },
	{ "leading-assistant", OPT_LEADING_ASSISTANT, "MODE", ALL,
	  "assistant turns before the first user turn: error (default), drop or keep" },
	{ "keep-fields", OPT_KEEP_FIELDS, "NAMES", ALL,
	  "JSON records: copy top-level fields NAME,... into meta (repeatable)" },
	{ "role", OPT_ROLE, "LABEL=ROLE", ALL,
	  "treat marker LABEL as user, assistant or system (repeatable)" },
	{ "keep-preamble", OPT_KEEP_PREAMBLE, NULL, ALL,
	  "keep text before the first turn in meta.preamble" },
	{ "stage", OPT_STAGE, "MODE", ALL,
	  "stage directions like *sighs*: extract (default), keep or strip" },
	{ "nfkc", OPT_NFKC, NULL, ALL, "normalize to NFKC instead of NFC" },
	{ "ascii-punct", OPT_ASCII_PUNCT, NULL, ALL,
	  "map curly quotes, dashes and the ellipsis to ASCII" },
	{ "keep-unicode-spaces", OPT_KEEP_UNICODE_SPACES, NULL, ALL,
	  "keep U+00A0, U+202F and other Unicode spaces (default: make them ASCII spaces)" },
	{ "input-encoding", OPT_INPUT_ENCODING, "NAME", ALL,
	  "read inputs in encoding NAME (any iconv name, e.g. cp1252; default UTF-8)" },
	{ "fix-mojibake", OPT_FIX_MOJIBAKE, NULL, ALL,
	  "repair UTF-8 text mis-decoded as Windows-1252 or Latin-1 (Iâ€™m -> I’m)" },
	{ "strict", OPT_STRICT, NULL, ALL, "treat warnings as errors" },
	{ "ignore", OPT_IGNORE, "CODES", ALL,
	  "do not report these warnings (W302,W303 or slugs; repeatable); their rules still act" },
	{ "select", OPT_SELECT, "CODES", ALL,
	  "report only these warnings (errors are always reported)" },
	{ "error", OPT_ERROR, "CODES", ALL,
	  "make these warnings errors, which reject the conversation (e.g. W303)" },
	{ "min-turns", OPT_MIN_TURNS, "N", ALL,
	  "reject conversations with fewer user/assistant turns (default 2)" },
	{ "max-turn-chars", OPT_MAX_TURN_CHARS, "N", ALL,
	  "reject turns longer than N code points (default unlimited)" },
	{ "merge-consecutive", OPT_MERGE_CONSECUTIVE, NULL, ALL,
	  "join consecutive turns of one role instead of rejecting (E203)" },
	{ "trailing-user", OPT_TRAILING_USER, "MODE", ALL,
	  "a final user turn: error (default, E206) or drop (W309)" },
	{ "include", OPT_INCLUDE, "GLOB", ALL,
	  "in directories, read only files matching GLOB (repeatable)" },
	{ "exclude", OPT_EXCLUDE, "GLOB", ALL,
	  "in directories, skip files and directories matching GLOB (repeatable)" },
	{ "max-input-bytes", OPT_MAX_INPUT_BYTES, "N", ALL,
	  "refuse a file (once decompressed) or a JSON line over N bytes (default 268435456)" },
	{ "jobs", OPT_JOBS, "N", ALL,
	  "threads to use (default: all cores); the output is the same for any N" },
	{ "diagnostics", OPT_DIAGNOSTICS, "FORMAT", BOTH,
	  "gcc (default), json, github (Actions annotations) or sarif (code scanning)" },
	{ "max-errors", OPT_MAX_ERRORS, "N", BOTH,
	  "print the first N findings only, and how many more there were (counts and exit "
	  "status stay whole)" },
	{ "config", OPT_CONFIG, "FILE", ALL,
	  "read options from a JSON object keyed by their long names (the command line wins)" },
	{ "json", OPT_JSON, NULL, CLI_STATS | CLI_LEAKAGE,
	  "print the statistics (stats) or the report (leakage) as one JSON object" },
	{ "against", OPT_AGAINST, "FILE", CLI_LEAKAGE,
	  "also look for the dataset's conversations in FILE, e.g. an evaluation set "
	  "(repeatable)" },
	{ "max-leakage", OPT_MAX_LEAKAGE, "RATE", CLI_LEAKAGE,
	  "exit 1 when more than RATE (0 to 1) of the conversations have a near-duplicate in "
	  "another split, or in the --against files" },
	{ "html", OPT_HTML, "FILE", CLI_STATS,
	  "also write a self-contained HTML report with charts to FILE (a new file)" },
	{ "force", OPT_FORCE, NULL, CLI_STATS, "let --html replace an existing FILE" },
	{ "stage-spans", OPT_STAGE_SPANS, NULL, CLI_STATS,
	  "instead, list every *...* span with its stage-direction decision (JSON lines)" },
	{ "quiet", OPT_QUIET, NULL, ALL,
	  "print no findings and no progress: only the summary and the run's own errors" },
	{ "verbose", OPT_VERBOSE, NULL, BOTH, "also print how many of each fix were made" },
	{ "help", OPT_HELP, NULL, ALL, "show this help" },
};

#define N_OPTIONS (sizeof options / sizeof options[0])

static const char *command_name(cli_command c)
{
	return c == CLI_CONVERT ? "convert" : c == CLI_VALIDATE ? "validate" :
	       c == CLI_STATS ? "stats" : c == CLI_MAP ? "map" : c == CLI_REDUCE ? "reduce" :
	       c == CLI_FINALIZE ? "finalize" : "leakage";
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
		if (o->id < 256)
			snprintf(left, sizeof left, "-%c, --%s%s%s", o->id, o->name,
				 o->arg ? " " : "", o->arg ? o->arg : "");
		else
			snprintf(left, sizeof left, "    --%s%s%s", o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		printf("  %-28s %s\n", left, o->help);
	}
	printf("\nexit status: 0 success; 1 %s; 2 usage error; 3 I/O error; 4 internal error%s\n",
	       c == CLI_MAP || c == CLI_REDUCE ? "(not used)" :
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
	       "  map        cluster step 1: convert a slice of the inputs into buckets\n"
	       "  reduce     cluster step 2: merge one shard's buckets of every part\n"
	       "  finalize   cluster step 3: check the parts and shards, write the dataset\n\n"
	       "Run 'dlgconv COMMAND --help' for a command's options. "
	       "--version prints the version.\n");
}

static int usage_error(cli_command c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int usage_error(cli_command c, const char *fmt, ...)
{
	fprintf(stderr, "dlgconv %s: ", command_name(c));
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'dlgconv %s --help'.\n", command_name(c));
	return 2;
}

/* Plain decimal digits only: strtoull alone takes " -1" and wraps it to 2^64-1, which
 * turns a cap such as --max-input-bytes off; "+5", " 5" and "0x10" are refused too. */
#define U64_RANGE "digits only, 0 to 18446744073709551615"
#define U64_POSITIVE "digits only, 1 to 18446744073709551615"

static bool parse_u64(uint64_t *out, const char *s)
{
	if (!*s || strspn(s, "0123456789") != strlen(s))
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, NULL, 10);
	if (errno == ERANGE)
		return false;
	*out = v;
	return true;
}

/* A number from 0 to 1, such as 0.8. */
static bool parse_fraction(double *out, const char *s)
{
	char *end;
	errno = 0;
	double x = strtod(s, &end);
	if (!*s || *end || errno || !(x >= 0 && x <= 1))
		return false;
	*out = x;
	return true;
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
static int take_codes(cli_args *a, int id, const char *v)
{
	dlg_options *o = &a->opts;
	const char *option = id == OPT_IGNORE ? "--ignore" : id == OPT_SELECT ? "--select" : "--error";
	dlg_diag_code *list = id == OPT_IGNORE ? a->ignore : id == OPT_SELECT ? a->select :
						    a->error_codes;
	size_t *count = id == OPT_IGNORE ? &o->n_ignore : id == OPT_SELECT ? &o->n_select :
						    &o->n_error_codes;
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

/* "emotion_type,situation": names point into an owned copy of each value. Returns CLI_RUN
 * or an exit code. */
static int parse_keep_fields(cli_args *a, const char *spec)
{
	cli_command c = a->command;
	if (a->n_keep_specs == CLI_MAX_LIST)
		return usage_error(c, "too many --keep-fields at '%s'", spec);
	char *copy = strdup(spec);
	if (!copy) {
		fprintf(stderr, "dlgconv: out of memory\n");
		return 3;
	}
	a->keep_specs[a->n_keep_specs++] = copy;
	/* strsep, not strtok: an empty name (a,,b) is a mistake to report, not to skip */
	for (char *name; (name = strsep(&copy, ",")) != NULL;) {
		if (!*name)
			return usage_error(c, "bad --keep-fields '%s' (want NAME,NAME,...)", spec);
		if (a->opts.n_keep_fields == CLI_MAX_LIST)
			return usage_error(c, "more than %d --keep-fields", CLI_MAX_LIST);
		a->keep_fields[a->opts.n_keep_fields++] = name;
	}
	a->opts.keep_fields = a->keep_fields;
	return CLI_RUN;
}

/* "K/M" with K below M and M from 1 to `max`. */
static bool parse_slice(unsigned *k, unsigned *m, const char *v, unsigned max)
{
	const char *slash = strchr(v, '/');
	char head[24];
	uint64_t a, b;
	if (!slash || (size_t)(slash - v) >= sizeof head)
		return false;
	memcpy(head, v, (size_t)(slash - v));
	head[slash - v] = '\0';
	if (!parse_u64(&a, head) || !parse_u64(&b, slash + 1) || b == 0 || b > max || a >= b)
		return false;
	*k = (unsigned)a;
	*m = (unsigned)b;
	return true;
}

static int take(cli_args *a, int id, const char *v)
{
	dlg_options *o = &a->opts;
	cli_command c = a->command;
	uint64_t n;
	switch (id) {
	case OPT_OUTPUT: o->output_dir = v; break;
	case OPT_FORCE: o->force = 1; break;
	case OPT_SPLIT:
		return parse_splits(a, v);
	case OPT_SEED:
		if (!parse_u64(&o->seed, v))
			return usage_error(c, "bad --seed '%s' (%s)", v, U64_RANGE);
		break;
	case OPT_SPLIT_KEY:
		if (strcmp(v, "content") == 0)
			o->split_key = DLG_SPLIT_KEY_CONTENT;
		else if (strcmp(v, "source") == 0)
			o->split_key = DLG_SPLIT_KEY_SOURCE;
		else if (strcmp(v, "group") == 0)
			o->split_key = DLG_SPLIT_KEY_GROUP;
		else
			return usage_error(c, "bad --split-key '%s' (content, source or group)", v);
		break;
	case OPT_GROUP_REGEX: o->group_regex = v; break;
	case OPT_MAX_REJECTS:
		if (!parse_u64(&o->max_rejects, v))
			return usage_error(c, "bad --max-rejects '%s' (%s)", v, U64_RANGE);
		break;
	case OPT_NO_DEDUP: o->no_dedup = 1; break;
	case OPT_FORMAT:
		if (strcmp(v, "messages") == 0)
			o->format = DLG_FORMAT_MESSAGES;
		else if (strcmp(v, "sharegpt") == 0)
			o->format = DLG_FORMAT_SHAREGPT;
		else if (strcmp(v, "text") == 0)
			o->format = DLG_FORMAT_TEXT;
		else if (strcmp(v, "preference") == 0)
			o->format = DLG_FORMAT_PREFERENCE;
		else if (strcmp(v, "openai-preference") == 0)
			o->format = DLG_FORMAT_OPENAI_PREFERENCE;
		else
			return usage_error(c, "bad --format '%s' (messages, sharegpt, text, "
					   "preference or openai-preference)", v);
		break;
	case OPT_COMPRESS:
		if (strcmp(v, "gzip") == 0)
			o->compress = DLG_COMPRESS_GZIP;
		else if (strcmp(v, "none") == 0)
			o->compress = DLG_COMPRESS_NONE;
		else
			return usage_error(c, "bad --compress '%s' (gzip or none)", v);
		break;
	case OPT_BARE: o->bare = 1; break;
	case OPT_SHARDS:
		if (!parse_u64(&n, v) || n == 0 || n > DLG_MAX_SHARDS)
			return usage_error(c, "bad --shards '%s' (1 to %d)", v, DLG_MAX_SHARDS);
		if (a->shard_given && o->shards != n)
			return usage_error(c, "--shards %s and --shard .../%u disagree", v,
					   o->shards);
		o->shards = (unsigned)n;
		break;
	case OPT_PART:
		if (!parse_slice(&a->part, &a->parts, v, 99999))
			return usage_error(c, "bad --part '%s' (K/M, K from 0 to M-1, M up to "
					   "99999)", v);
		a->part_given = true;
		break;
	case OPT_SHARD: {
		unsigned shards;
		if (!parse_slice(&a->shard, &shards, v, DLG_MAX_SHARDS))
			return usage_error(c, "bad --shard '%s' (S/N, S from 0 to N-1, N up to %d)",
					   v, DLG_MAX_SHARDS);
		if (o->shards > 1 && o->shards != shards)
			return usage_error(c, "--shard %s and --shards %u disagree", v, o->shards);
		o->shards = shards;
		a->shard_given = true;
		break;
	}
	case OPT_TEXT_FIELD:
	case OPT_RESPONSE_FIELD:
	case OPT_REJECTED_FIELD:
		if (!*v)
			return usage_error(c, "%s", "a field option needs a field name");
		*(id == OPT_TEXT_FIELD ? &o->text_field : id == OPT_RESPONSE_FIELD ?
		  &o->response_field : &o->rejected_field) = v;
		break;
	case OPT_MESSAGES_FIELD:
	case OPT_ROLE_KEY:
	case OPT_CONTENT_KEY:
		if (!*v)
			return usage_error(c, "%s", "a field option needs a field name");
		*(id == OPT_MESSAGES_FIELD ? &o->messages_field : id == OPT_ROLE_KEY ?
		  &o->role_key : &o->content_key) = v;
		break;
	case OPT_LEADING_ASSISTANT:
		if (strcmp(v, "error") == 0)
			o->leading_assistant = DLG_LEADING_ASSISTANT_ERROR;
		else if (strcmp(v, "drop") == 0)
			o->leading_assistant = DLG_LEADING_ASSISTANT_DROP;
		else if (strcmp(v, "keep") == 0)
			o->leading_assistant = DLG_LEADING_ASSISTANT_KEEP;
		else
			return usage_error(c, "bad --leading-assistant '%s' (error, drop or keep)", v);
		break;
	case OPT_KEEP_FIELDS:
		return parse_keep_fields(a, v);
	case OPT_ROLE: {
		const char *eq = strrchr(v, '=');
		dlg_role role;
		if (!eq || eq == v || !parse_role(&role, eq + 1))
			return usage_error(c, "bad --role '%s' (want LABEL=user|assistant|system)",
					   v);
		if (o->n_roles == CLI_MAX_LIST)
			return usage_error(c, "too many --role options at '%s'", v);
		char *label = strndup(v, (size_t)(eq - v));
		if (!label)
			return 3;
		a->roles[o->n_roles++] = (dlg_role_label){ label, role };
		o->roles = a->roles;
		break;
	}
	case OPT_KEEP_PREAMBLE: o->keep_preamble = 1; break;
	case OPT_STAGE:
		a->stage_given = true;
		if (strcmp(v, "extract") == 0)
			o->stage = DLG_STAGE_EXTRACT;
		else if (strcmp(v, "keep") == 0)
			o->stage = DLG_STAGE_KEEP;
		else if (strcmp(v, "strip") == 0)
			o->stage = DLG_STAGE_STRIP;
		else
			return usage_error(c, "bad --stage '%s' (extract, keep or strip)", v);
		break;
	case OPT_NFKC: o->nfkc = 1; break;
	case OPT_ASCII_PUNCT: o->ascii_punct = 1; break;
	case OPT_KEEP_UNICODE_SPACES: o->keep_unicode_spaces = 1; break;
	case OPT_INPUT_ENCODING:
		if (!*v)
			return usage_error(c, "%s", "--input-encoding needs an encoding name");
		o->input_encoding = v;
		break;
	case OPT_FIX_MOJIBAKE: o->fix_mojibake = 1; break;
	case OPT_STRICT: o->strict = 1; break;
	case OPT_MIN_TURNS:
		if (!parse_u64(&n, v) || n > 100000)
			return usage_error(c, "bad --min-turns '%s' (0 to 100000)", v);
		o->min_turns = (unsigned)n;
		break;
	case OPT_MAX_TURN_CHARS:
		if (!parse_u64(&o->max_turn_chars, v) || o->max_turn_chars == 0)
			return usage_error(c, "bad --max-turn-chars '%s' (%s)", v, U64_POSITIVE);
		break;
	case OPT_MERGE_CONSECUTIVE: o->merge_consecutive = 1; break;
	case OPT_TRAILING_USER:
		if (strcmp(v, "error") == 0)
			o->drop_trailing_user = 0;
		else if (strcmp(v, "drop") == 0)
			o->drop_trailing_user = 1;
		else
			return usage_error(c, "bad --trailing-user '%s' (error or drop)", v);
		break;
	case OPT_INCLUDE:
	case OPT_EXCLUDE: {
		const char **list = id == OPT_INCLUDE ? a->include : a->exclude;
		size_t *count = id == OPT_INCLUDE ? &o->n_include : &o->n_exclude;
		if (*count == CLI_MAX_LIST)
			return usage_error(c, "too many patterns at '%s'", v);
		list[(*count)++] = v;
		o->include = a->include;
		o->exclude = a->exclude;
		break;
	}
	case OPT_NEAR_DUP:
		if (strcmp(v, "off") == 0)
			o->near_dup = DLG_NEAR_DUP_OFF;
		else if (strcmp(v, "group") == 0)
			o->near_dup = DLG_NEAR_DUP_GROUP;
		else if (strcmp(v, "drop") == 0)
			o->near_dup = DLG_NEAR_DUP_DROP;
		else
			return usage_error(c, "bad --near-dup '%s' (off, group or drop)", v);
		break;
	case OPT_NEAR_DUP_THRESHOLD:
		if (!parse_fraction(&o->near_dup_threshold, v) || o->near_dup_threshold == 0)
			return usage_error(c, "bad --near-dup-threshold '%s' (a similarity above 0 "
					   "and at most 1, e.g. 0.8)", v);
		break;
	case OPT_MAX_LEAKAGE:
		if (!parse_fraction(&a->max_leakage, v))
			return usage_error(c, "bad --max-leakage '%s' (a rate from 0 to 1, e.g. "
					   "0.01)", v);
		break;
	case OPT_AGAINST:
		if (a->n_against == CLI_MAX_LIST)
			return usage_error(c, "too many --against files at '%s'", v);
		a->against[a->n_against++] = v;
		break;
	case OPT_IGNORE:
	case OPT_SELECT:
	case OPT_ERROR:
		return take_codes(a, id, v);
	case OPT_JOBS:
		if (!parse_u64(&n, v) || n == 0 || n > 1024)
			return usage_error(c, "bad --jobs '%s' (1 to 1024)", v);
		o->threads = (unsigned)n;
		break;
	case OPT_MAX_INPUT_BYTES:
		if (!parse_u64(&o->max_input_bytes, v) || o->max_input_bytes == 0)
			return usage_error(c, "bad --max-input-bytes '%s' (%s)", v, U64_POSITIVE);
		break;
	case OPT_DIAGNOSTICS:
		if (strcmp(v, "gcc") == 0)
			a->diagnostics = CLI_DIAG_GCC;
		else if (strcmp(v, "json") == 0)
			a->diagnostics = CLI_DIAG_JSON;
		else if (strcmp(v, "github") == 0)
			a->diagnostics = CLI_DIAG_GITHUB;
		else if (strcmp(v, "sarif") == 0)
			a->diagnostics = CLI_DIAG_SARIF;
		else
			return usage_error(c, "bad --diagnostics '%s' (gcc, json, github or sarif)",
					   v);
		break;
	case OPT_MAX_ERRORS:
		if (!parse_u64(&a->max_errors, v) || a->max_errors == 0)
			return usage_error(c, "bad --max-errors '%s' (%s)", v, U64_POSITIVE);
		break;
	case OPT_QUIET: a->quiet = true; break;
	case OPT_VERBOSE: a->verbose = true; break;
	case OPT_CONFIG: break; /* read before the command line: see cli_parse */
	case OPT_JSON: a->stats_json = true; break;
	case OPT_HTML: a->stats_html = v; break;
	case OPT_STAGE_SPANS: a->stage_spans = true; break;
	case OPT_HELP: print_help(c); return 0;
	default: return usage_error(c, "%s", "unknown option");
	}
	return CLI_RUN;
}

/* One option from the config file, as if it were given on the command line. */
static int take_config_item(cli_args *a, const struct cli_option *o, const cJSON *v)
{
	if (!o->arg) {
		if (!cJSON_IsBool(v))
			return usage_error(a->command, "config: '%s' wants true or false", o->name);
		return cJSON_IsTrue(v) ? take(a, o->id, NULL) : CLI_RUN;
	}
	if (cJSON_IsArray(v)) {
		const cJSON *item;
		cJSON_ArrayForEach(item, v) {
			int rc = take_config_item(a, o, item);
			if (rc != CLI_RUN)
				return rc;
		}
		return CLI_RUN;
	}
	if (cJSON_IsNumber(v) && (o->id == OPT_NEAR_DUP_THRESHOLD || o->id == OPT_MAX_LEAKAGE)) {
		char number[32]; /* the options that take a fraction */
		snprintf(number, sizeof number, "%.17g", v->valuedouble);
		return take(a, o->id, number);
	}
	if (cJSON_IsNumber(v)) {
		/* a JSON number is read as a double: past 2^53 it may no longer be the number
		 * written (a seed would silently change), so larger ones come as strings */
		double d = v->valuedouble;
		if (!(d >= -9007199254740992.0 && d <= 9007199254740992.0) ||
		    d != (double)(long long)d)
			return usage_error(a->command, "config: '%s' wants a whole number up "
					   "to 2^53 (write a larger one as a string of digits)",
					   o->name);
		char number[32];
		snprintf(number, sizeof number, "%lld", (long long)d);
		return take(a, o->id, number); /* a negative one gets the option's own message */
	}
	if (!cJSON_IsString(v))
		return usage_error(a->command, "config: '%s' wants a string, a whole number or a "
				   "list of them", o->name);
	return take(a, o->id, v->valuestring);
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
		const struct cli_option *o = NULL;
		for (size_t i = 0; i < N_OPTIONS && !o; i++)
			if (strcmp(options[i].name, item->string) == 0 &&
			    (options[i].commands & a->command) && options[i].id != OPT_CONFIG &&
			    options[i].id != OPT_HELP)
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
	const struct cli_option *known = NULL;
	for (size_t i = 0; opt && i < N_OPTIONS && !known; i++)
		if (options[i].id == opt && (options[i].commands & c))
			known = &options[i];
	bool dashes = strncmp(arg, "--", 2) == 0;
	if (known && !known->arg)
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
					   options[i].name, command_name(c));
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
	int id;
	const char *value;
} given;

int cli_parse(cli_args *a, int argc, char **argv)
{
	memset(a, 0, sizeof *a);
	a->opts = (dlg_options)DLG_OPTIONS_INIT;
	a->max_leakage = 1;
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
	else {
		fprintf(stderr, "dlgconv: unknown command '%s'\nTry 'dlgconv --help'.\n", argv[1]);
		return 2;
	}
	cli_command c = a->command;
	/* near-duplicates span the whole input, which no step sees: the steps reproduce
	 * convert --near-dup off (docs/map-reduce.md), and refuse the option given */
	if (c & STEPS)
		a->opts.near_dup = DLG_NEAR_DUP_OFF;
	struct option longopts[N_OPTIONS + 1];
	/* '-' first: inputs come back in order (as id 1) instead of being moved to the end, so
	 * the argument getopt is in is always sub_argv[optind before the call] */
	char shortopts[2 * N_OPTIONS + 2] = "-";
	size_t n = 0, s = 1;
	for (size_t i = 0; i < N_OPTIONS; i++) {
		if (!(options[i].commands & c))
			continue;
		longopts[n++] = (struct option){ options[i].name,
						 options[i].arg ? required_argument : no_argument,
						 NULL, options[i].id };
		if (options[i].id < 256) {
			shortopts[s++] = (char)options[i].id;
			if (options[i].arg)
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
		} else if (id == OPT_HELP) {
			help = true;
		} else if (id == OPT_CONFIG && config) {
			/* two would have to be merged by rules of their own: one file it is */
			rc = usage_error(c, "only one --config ('%s', then '%s'); put the options "
					 "in one file", config, optarg);
			goto out;
		} else if (id == OPT_CONFIG) {
			config = optarg;
		} else {
			list[n_given++] = (given){ id, optarg };
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
	for (size_t i = 0; i < n_given && rc == CLI_RUN; i++)
		rc = take(a, list[i].id, list[i].value);
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
	else if ((c & (CLI_REDUCE | CLI_FINALIZE)) && a->n_inputs != 1)
		rc = usage_error(c, "%s", "name one WORK directory, the one map wrote into");
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
