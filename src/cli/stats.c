/*
 * stats.c - `dlgconv stats`: describes a corpus from what dlg_run() reports of each
 * conversation. Memory stays bounded: histograms have fixed buckets, and only distinct
 * stage directions are kept.
 */
#define _POSIX_C_SOURCE 200809L
#include "stats.h"
#include "cost.h"

#include <cjson/cJSON.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TURN_BUCKETS 21 /* 0..19 turns, then 20 or more */
#define CHAR_BUCKETS 20 /* [0,1), [1,2), [2,4), ... [2^18, inf) characters */

typedef struct role_stats {
	uint64_t turns, chars, min, max;
	uint64_t hist[CHAR_BUCKETS];
} role_stats;

typedef struct stage_count {
	char *text;
	uint64_t count;
} stage_count;

struct cli_stats {
	uint64_t accepted, rejected, duplicates;
	uint64_t turns_hist[TURN_BUCKETS];
	uint64_t turns_min, turns_max, turns_total;
	role_stats roles[3];
	uint64_t findings[400];
	stage_count *stages; /* open addressing on the text */
	size_t stages_cap, stages_used;
	int failed;          /* out of memory while counting */
	/* --tokenizer: tokens (under the chat template, if any) and trainable ones, the
	 * contents' by role, and per conversation */
	uint64_t tokens, trainable_tokens;
	uint64_t read_tokens_hist[CHAR_BUCKETS]; /* of every conversation counted, written or
						    not (the HTML report's, with the limit) */
	uint64_t role_tokens[3];
	uint64_t conv_tokens_min, conv_tokens_max;
	uint64_t conv_tokens_hist[CHAR_BUCKETS];
};

cli_stats *cli_stats_new(void)
{
	cli_stats *s = calloc(1, sizeof *s);
	if (s)
		s->turns_min = s->conv_tokens_min = UINT64_MAX;
	return s;
}

void cli_stats_free(cli_stats *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->stages_cap; i++)
		free(s->stages[i].text);
	free(s->stages);
	free(s);
}

static size_t hash(const char *p, size_t n)
{
	size_t h = 14695981039346656037u; /* FNV-1a: for a table, not for ids */
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)p[i]) * 1099511628211u;
	return h;
}

static stage_count *stage_slot(stage_count *table, size_t cap, const char *p, size_t n)
{
	size_t i = hash(p, n) & (cap - 1);
	while (table[i].text && !(strlen(table[i].text) == n && memcmp(table[i].text, p, n) == 0))
		i = (i + 1) & (cap - 1);
	return &table[i];
}

static void count_stage(cli_stats *s, const char *p, size_t n)
{
	if (2 * (s->stages_used + 1) > s->stages_cap) {
		size_t cap = s->stages_cap ? 2 * s->stages_cap : 64;
		stage_count *table = calloc(cap, sizeof *table);
		if (!table) {
			s->failed = 1;
			return;
		}
		for (size_t i = 0; i < s->stages_cap; i++)
			if (s->stages[i].text)
				*stage_slot(table, cap, s->stages[i].text,
					    strlen(s->stages[i].text)) = s->stages[i];
		free(s->stages);
		s->stages = table;
		s->stages_cap = cap;
	}
	stage_count *slot = stage_slot(s->stages, s->stages_cap, p, n);
	if (!slot->text) {
		slot->text = strndup(p, n);
		if (!slot->text) {
			s->failed = 1;
			return;
		}
		s->stages_used++;
	}
	slot->count++;
}

static int char_bucket(uint64_t chars)
{
	int b = 0;
	while (chars > 0 && b < CHAR_BUCKETS - 1) {
		chars >>= 1;
		b++;
	}
	return b;
}

/* A written conversation's tokens (0 each without --tokenizer). */
static void count_tokens(cli_stats *s, const dlg_conv *c)
{
	uint64_t total, trainable;
	for (size_t i = 0; i < dlg_conv_turns(c); i++)
		s->role_tokens[dlg_conv_role(c, i)] += dlg_conv_tokens(c, i);
	dlg_conv_token_sums(c, &total, &trainable);
	s->tokens += total;
	s->trainable_tokens += trainable;
	if (total < s->conv_tokens_min)
		s->conv_tokens_min = total;
	if (total > s->conv_tokens_max)
		s->conv_tokens_max = total;
	s->conv_tokens_hist[char_bucket(total)]++;
}

void cli_stats_conversation(const dlg_conv *c, dlg_fate fate, size_t split, void *payload)
{
	(void)split; /* split sizes come from the summary */
	cli_stats *s = ((cli_report *)payload)->stats;
	uint64_t total, trainable;
	dlg_conv_token_sums(c, &total, &trainable);
	if (total && fate != DLG_FATE_DUPLICATE && fate != DLG_FATE_NEAR_DUPLICATE)
		s->read_tokens_hist[char_bucket(total)]++;
	if (fate == DLG_FATE_REJECTED) {
		s->rejected++;
		return;
	}
	if (fate == DLG_FATE_DUPLICATE || fate == DLG_FATE_NEAR_DUPLICATE) {
		s->duplicates += fate == DLG_FATE_DUPLICATE;
		return;
	}
	s->accepted++;
	size_t n = dlg_conv_turns(c);
	s->turns_hist[n < TURN_BUCKETS - 1 ? n : TURN_BUCKETS - 1]++;
	s->turns_total += n;
	if (n < s->turns_min)
		s->turns_min = n;
	if (n > s->turns_max)
		s->turns_max = n;
	for (size_t i = 0; i < n; i++) {
		size_t len;
		const char *text = dlg_conv_content(c, i, &len);
		uint64_t chars = dlg_utf8_chars(text, len);
		role_stats *r = &s->roles[dlg_conv_role(c, i)];
		if (r->turns == 0 || chars < r->min)
			r->min = chars;
		if (chars > r->max)
			r->max = chars;
		r->turns++;
		r->chars += chars;
		r->hist[char_bucket(chars)]++;
		for (size_t k = 0; k < dlg_conv_stage_count(c, i); k++) {
			const char *stage = dlg_conv_stage(c, i, k, &len);
			count_stage(s, stage, len);
		}
	}
	count_tokens(s, c);
}

/* One turn being scanned for --stage-spans. */
typedef struct span_turn {
	const dlg_conv *conv;
	size_t turn;
	const char *text;
	size_t len;
} span_turn;

static void print_span(const dlg_stage_span *s, void *payload)
{
	const span_turn *t = payload;
	size_t line = s->start, eol = s->end;
	while (line > 0 && t->text[line - 1] != '\n')
		line--;
	while (eol < t->len && t->text[eol] != '\n')
		eol++;
	cJSON *o = cJSON_CreateObject();
	char *span = strndup(t->text + s->start, s->end - s->start);
	char *context = strndup(t->text + line, eol - line);
	if (o && span && context) {
		cJSON_AddStringToObject(o, "source", dlg_conv_source(t->conv));
		cJSON_AddNumberToObject(o, "record", (double)dlg_conv_record(t->conv));
		cJSON_AddNumberToObject(o, "turn", (double)t->turn + 1);
		cJSON_AddStringToObject(o, "span", span);
		cJSON_AddBoolToObject(o, "direction", s->direction);
		cJSON_AddStringToObject(o, "why", s->why);
		cJSON_AddNumberToObject(o, "start", (double)(s->start - line));
		cJSON_AddStringToObject(o, "line", context);
	}
	char *text = o ? cJSON_PrintUnformatted(o) : NULL;
	if (text)
		printf("%s\n", text);
	cJSON_free(text);
	cJSON_Delete(o);
	free(span);
	free(context);
}

void cli_stats_stage_spans(const dlg_conv *c, dlg_fate fate, size_t split, void *payload)
{
	(void)fate;
	(void)split;
	(void)payload;
	for (size_t i = 0; i < dlg_conv_turns(c); i++) {
		span_turn t = { c, i, NULL, 0 };
		t.text = dlg_conv_content(c, i, &t.len);
		dlg_stage_scan(t.text, t.len, print_span, &t);
	}
}

void cli_stats_finding(cli_stats *s, const dlg_diag *d)
{
	if ((unsigned)d->code < 400)
		s->findings[d->code]++;
}

static int by_count(const void *a, const void *b)
{
	const stage_count *x = a, *y = b;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->text, y->text);
}

/* The most frequent stage directions, at most `max`; *n_out says how many. */
static stage_count *top_stages(const cli_stats *s, size_t max, size_t *n_out)
{
	stage_count *all = malloc((s->stages_used + 1) * sizeof *all);
	size_t n = 0;
	for (size_t i = 0; all && i < s->stages_cap; i++)
		if (s->stages[i].text)
			all[n++] = s->stages[i];
	if (all && n > 1)
		qsort(all, n, sizeof *all, by_count);
	*n_out = n < max ? n : max;
	return all;
}

static const char *const role_names[3] = { "system", "user", "assistant" };

static void bucket_label(char *buf, size_t size, int b)
{
	if (b == 0)
		snprintf(buf, size, "0");
	else if (b == CHAR_BUCKETS - 1)
		snprintf(buf, size, "%llu+", 1ULL << (b - 1));
	else
		snprintf(buf, size, "%llu-%llu", 1ULL << (b - 1), (1ULL << b) - 1);
}

static void turns_label(char *buf, size_t size, int b)
{
	snprintf(buf, size, b == TURN_BUCKETS - 1 ? "%d+" : "%d", b);
}

/* A bar of up to `width` cells for value/max, in eighths of a block. */
static void bar(FILE *f, uint64_t value, uint64_t max, int width)
{
	static const char *const eighths[] = { "", "▏", "▎", "▍", "▌", "▋", "▊", "▉" };
	uint64_t units = max ? (value * (uint64_t)width * 8 + max - 1) / max : 0;
	for (uint64_t i = 0; i < units / 8; i++)
		fputs("█", f);
	fputs(eighths[units % 8], f);
	for (uint64_t i = units / 8 + (units % 8 != 0); i < (uint64_t)width; i++)
		fputc(' ', f);
}

static uint64_t max_of(const uint64_t *v, int n)
{
	uint64_t m = 0;
	for (int i = 0; i < n; i++)
		m = v[i] > m ? v[i] : m;
	return m;
}

static uint64_t total_tokens(const cli_stats *s)
{
	return s->tokens;
}

/* --tokenizer's counts (docs/tokenizers.md "Counts"). */
static void print_tokens(FILE *f, const cli_stats *s)
{
	uint64_t total = total_tokens(s);
	fprintf(f, "\ntokens  %llu: trainable %llu; contents: assistant %llu, user %llu, "
		"system %llu\n", (unsigned long long)total,
		(unsigned long long)s->trainable_tokens,
		(unsigned long long)s->role_tokens[DLG_ROLE_ASSISTANT],
		(unsigned long long)s->role_tokens[DLG_ROLE_USER],
		(unsigned long long)s->role_tokens[DLG_ROLE_SYSTEM]);
	fprintf(f, "tokens per conversation (min %llu, mean %.1f, max %llu)\n",
		(unsigned long long)s->conv_tokens_min, (double)total / (double)s->accepted,
		(unsigned long long)s->conv_tokens_max);
	uint64_t m = max_of(s->conv_tokens_hist, CHAR_BUCKETS);
	for (int b = 0; b < CHAR_BUCKETS; b++) {
		if (!s->conv_tokens_hist[b])
			continue;
		char label[48];
		bucket_label(label, sizeof label, b);
		fprintf(f, "  %13s  ", label);
		bar(f, s->conv_tokens_hist[b], m, 30);
		fprintf(f, " %llu\n", (unsigned long long)s->conv_tokens_hist[b]);
	}
}

static void print_table(FILE *f, const cli_stats *s, const cli_args *a, const dlg_summary *sum)
{
	fprintf(f, "conversations  %llu written, %llu rejected, %llu duplicates "
		"(%llu in %llu files)\n",
		(unsigned long long)s->accepted, (unsigned long long)s->rejected,
		(unsigned long long)s->duplicates, (unsigned long long)sum->inputs,
		(unsigned long long)sum->files);
	if (a->opts.near_dup != DLG_NEAR_DUP_OFF)
		fprintf(f, "near-dup       %llu clusters, %llu near-duplicates dropped\n",
			(unsigned long long)sum->near_dup_clusters,
			(unsigned long long)sum->near_duplicates);
	fputs("splits        ", f);
	for (size_t i = 0; i < cli_split_count(a); i++)
		fprintf(f, " %s %llu", cli_split_name(a, i),
			(unsigned long long)sum->split_written[i]);
	fputc('\n', f);
	if (s->accepted) {
		fprintf(f, "\nturns per conversation (min %llu, mean %.1f, max %llu)\n",
			(unsigned long long)s->turns_min,
			(double)s->turns_total / (double)s->accepted,
			(unsigned long long)s->turns_max);
		uint64_t m = max_of(s->turns_hist, TURN_BUCKETS);
		for (int b = 0; b < TURN_BUCKETS; b++) {
			if (!s->turns_hist[b])
				continue;
			char label[16];
			turns_label(label, sizeof label, b);
			fprintf(f, "  %5s  ", label);
			bar(f, s->turns_hist[b], m, 30);
			fprintf(f, " %llu\n", (unsigned long long)s->turns_hist[b]);
		}
		fprintf(f, "\ncharacters per turn  %10s %8s %10s %8s  "
			"distribution (log2 buckets)\n", "turns", "min", "mean", "max");
		for (int r = 0; r < 3; r++) {
			const role_stats *rs = &s->roles[r];
			if (!rs->turns)
				continue;
			fprintf(f, "  %-18s %10llu %8llu %10.1f %8llu  ", role_names[r],
				(unsigned long long)rs->turns, (unsigned long long)rs->min,
				(double)rs->chars / (double)rs->turns, (unsigned long long)rs->max);
			static const char *const levels[] = {
				" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"
			};
			uint64_t hm = max_of(rs->hist, CHAR_BUCKETS);
			for (int b = 1; b < CHAR_BUCKETS; b++)
				fputs(levels[hm ? (rs->hist[b] * 8 + hm - 1) / hm : 0], f);
			fputc('\n', f);
		}
	}
	if (a->opts.tokenizer && s->accepted)
		print_tokens(f, s);
	if (a->opts.tokenizer && a->price_per_mtok > 0)
		cli_report_cost(f, a, sum);
	size_t n;
	stage_count *top = top_stages(s, 10, &n);
	if (top && n) {
		fputs("\ntop stage directions\n", f);
		for (size_t i = 0; i < n; i++) {
			fprintf(f, "  %-24.24s ", top[i].text);
			bar(f, top[i].count, top[0].count, 20);
			fprintf(f, " %llu\n", (unsigned long long)top[i].count);
		}
	}
	free(top);
	bool any = false;
	for (int code = 0; code < 400; code++) {
		if (!s->findings[code])
			continue;
		if (!any)
			fputs("\nfindings\n", f);
		any = true;
		fprintf(f, "  %s  %-28s %llu\n", dlg_diag_id((dlg_diag_code)code),
			dlg_diag_slug((dlg_diag_code)code), (unsigned long long)s->findings[code]);
	}
}

static cJSON *histogram_json(const uint64_t *v, int n, void (*label)(char *, size_t, int))
{
	cJSON *o = cJSON_CreateObject();
	for (int b = 0; o && b < n; b++) {
		char name[32];
		label(name, sizeof name, b);
		if (v[b])
			cJSON_AddNumberToObject(o, name, (double)v[b]);
	}
	return o;
}

static void tokens_json(cJSON *root, const cli_stats *s)
{
	cJSON *t = cJSON_AddObjectToObject(root, "tokens");
	cJSON_AddNumberToObject(t, "total", (double)total_tokens(s));
	cJSON_AddNumberToObject(t, "trainable", (double)s->trainable_tokens);
	cJSON *roles = cJSON_AddObjectToObject(t, "by_role");
	for (int r = 0; r < 3; r++)
		cJSON_AddNumberToObject(roles, role_names[r], (double)s->role_tokens[r]);
	cJSON *per = cJSON_AddObjectToObject(t, "per_conversation");
	cJSON_AddNumberToObject(per, "min", s->accepted ? (double)s->conv_tokens_min : 0);
	cJSON_AddNumberToObject(per, "mean",
				s->accepted ? (double)total_tokens(s) / (double)s->accepted : 0);
	cJSON_AddNumberToObject(per, "max", (double)s->conv_tokens_max);
	cJSON_AddItemToObject(per, "histogram", histogram_json(s->conv_tokens_hist,
								CHAR_BUCKETS, bucket_label));
}

/* --price-per-mtok: each split's training cost. */
static void cost_json(cJSON *root, const cli_args *a, const dlg_summary *sum)
{
	cJSON *c = cJSON_AddObjectToObject(root, "cost");
	cJSON_AddNumberToObject(c, "price_per_mtok", a->price_per_mtok);
	cJSON_AddNumberToObject(c, "epochs", (double)a->epochs);
	cJSON *splits = cJSON_AddObjectToObject(c, "splits");
	for (size_t i = 0; i < cli_split_count(a); i++)
		cJSON_AddNumberToObject(splits, cli_split_name(a, i), cli_split_cost(a, sum, i));
}

static char *stats_json(const cli_stats *s, const cli_args *a, const dlg_summary *sum)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddNumberToObject(root, "files", (double)sum->files);
	cJSON *convs = cJSON_AddObjectToObject(root, "conversations");
	cJSON_AddNumberToObject(convs, "seen", (double)sum->inputs);
	cJSON_AddNumberToObject(convs, "written", (double)s->accepted);
	cJSON_AddNumberToObject(convs, "rejected", (double)s->rejected);
	cJSON_AddNumberToObject(convs, "duplicates", (double)s->duplicates);
	if (a->opts.near_dup != DLG_NEAR_DUP_OFF) {
		cJSON_AddNumberToObject(convs, "near_duplicates", (double)sum->near_duplicates);
		cJSON_AddNumberToObject(convs, "near_dup_clusters", (double)sum->near_dup_clusters);
	}
	cJSON *splits = cJSON_AddObjectToObject(root, "splits");
	for (size_t i = 0; i < cli_split_count(a); i++)
		cJSON_AddNumberToObject(splits, cli_split_name(a, i),
					(double)sum->split_written[i]);
	cJSON *turns = cJSON_AddObjectToObject(root, "turns_per_conversation");
	cJSON_AddNumberToObject(turns, "min", s->accepted ? (double)s->turns_min : 0);
	cJSON_AddNumberToObject(turns, "mean",
				s->accepted ? (double)s->turns_total / (double)s->accepted : 0);
	cJSON_AddNumberToObject(turns, "max", (double)s->turns_max);
	cJSON_AddItemToObject(turns, "histogram", histogram_json(s->turns_hist, TURN_BUCKETS,
								  turns_label));
	cJSON *chars = cJSON_AddObjectToObject(root, "characters_per_turn");
	for (int r = 0; r < 3; r++) {
		const role_stats *rs = &s->roles[r];
		if (!rs->turns)
			continue;
		cJSON *o = cJSON_AddObjectToObject(chars, role_names[r]);
		cJSON_AddNumberToObject(o, "turns", (double)rs->turns);
		cJSON_AddNumberToObject(o, "min", (double)rs->min);
		cJSON_AddNumberToObject(o, "mean", (double)rs->chars / (double)rs->turns);
		cJSON_AddNumberToObject(o, "max", (double)rs->max);
		cJSON_AddItemToObject(o, "histogram", histogram_json(rs->hist, CHAR_BUCKETS,
								      bucket_label));
	}
	if (a->opts.tokenizer)
		tokens_json(root, s);
	if (a->opts.tokenizer && a->price_per_mtok > 0)
		cost_json(root, a, sum);
	cJSON *stages = cJSON_AddArrayToObject(root, "top_stage_directions");
	size_t n;
	stage_count *top = top_stages(s, 20, &n);
	for (size_t i = 0; top && i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "text", top[i].text);
		cJSON_AddNumberToObject(o, "count", (double)top[i].count);
		cJSON_AddItemToArray(stages, o);
	}
	free(top);
	cJSON *findings = cJSON_AddObjectToObject(root, "findings");
	for (int code = 0; code < 400; code++)
		if (s->findings[code])
			cJSON_AddNumberToObject(findings, dlg_diag_id((dlg_diag_code)code),
						(double)s->findings[code]);
	char *text = cJSON_Print(root);
	cJSON_Delete(root);
	return text;
}

static void html_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* A horizontal bar chart as inline SVG; rows from `over` on (n: none) red, a dashed line
 * above them labelled `mark` (or NULL). */
static void svg_bars(FILE *f, const char *title, const char *const *labels,
		     const uint64_t *values, size_t n, size_t over, const char *mark)
{
	uint64_t max = 0;
	for (size_t i = 0; i < n; i++)
		max = values[i] > max ? values[i] : max;
	int row = 22, left = 230, width = 420, height = (int)n * row + 34;
	fprintf(f, "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		   "role=\"img\" aria-label=\"", left + width + 80, height);
	html_escaped(f, title);
	fputs("\"><text x=\"0\" y=\"16\" class=\"t\">", f);
	html_escaped(f, title);
	fputs("</text>", f);
	for (size_t i = 0; i < n; i++) {
		int y = 28 + (int)i * row;
		int w = max ? (int)((double)values[i] / (double)max * width) : 0;
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", left - 8, y + 14);
		html_escaped(f, labels[i]);
		fprintf(f, "</text><rect class=\"%s\" x=\"%d\" y=\"%d\" width=\"%d\" "
			   "height=\"%d\"/><text x=\"%d\" y=\"%d\">%llu</text>",
			i >= over ? "bar over" : "bar", left, y, w > 0 ? w : 1, row - 6,
			left + w + 6, y + 14, (unsigned long long)values[i]);
	}
	if (mark) {
		int y = 28 + (int)(over < n ? over : n) * row - 3;
		fprintf(f, "<line class=\"limit\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
			   "<text class=\"limit\" x=\"%d\" y=\"%d\">", left - 220, y,
			left + width + 60, y, left + width - 160, y - 2);
		html_escaped(f, mark);
		fputs("</text>", f);
	}
	fputs("</svg></figure>\n", f);
}

/*
 * Tokens per conversation, every conversation counted (written or not), with --max-tokens
 * marked: the buckets wholly past it red, under a line (docs/tokenizers.md "Limits"); and
 * the training cost with --price-per-mtok.
 */
static void html_tokens(FILE *f, const cli_stats *s, const cli_args *a, const dlg_summary *sum)
{
	const char *labels[CHAR_BUCKETS];
	char names[CHAR_BUCKETS][32];
	uint64_t values[CHAR_BUCKETS];
	size_t n = 0, over = CHAR_BUCKETS;
	uint64_t limit = a->opts.max_tokens;
	for (int b = 0; b < CHAR_BUCKETS; b++) {
		if (!s->read_tokens_hist[b])
			continue;
		uint64_t low = b ? 1ULL << (b - 1) : 0;
		if (limit && low > limit && over == CHAR_BUCKETS)
			over = n;
		bucket_label(names[n], sizeof names[n], b);
		labels[n] = names[n];
		values[n++] = s->read_tokens_hist[b];
	}
	char mark[160];
	uint64_t past = s->findings[DLG_DIAG_OVER_TOKEN_LIMIT] +
			s->findings[DLG_DIAG_OVER_TOKEN_LIMIT_DROPPED] +
			s->findings[DLG_DIAG_TURNS_TRUNCATED];
	snprintf(mark, sizeof mark, "--max-tokens %llu: %llu over it", (unsigned long long)limit,
		 (unsigned long long)past);
	svg_bars(f, "Tokens per conversation (every one counted)", labels, values, n,
		 over < n ? over : n, limit ? mark : NULL);
	if (a->price_per_mtok > 0) {
		fputs("<p>", f);
		cli_report_cost(f, a, sum);
		fputs("</p>\n", f);
	}
}

static int write_html(const char *path, const cli_stats *s, const cli_args *a,
		      const dlg_summary *sum)
{
	/* without --force, a file made since the options were checked stays as it is */
	int fd = open(path, O_WRONLY | O_CREAT | (a->opts.force ? O_TRUNC : O_EXCL), 0666);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	      "<title>dlgconv stats</title><style>"
	      "body{font:14px system-ui,sans-serif;margin:2em;color:#222}"
	      "svg text{font:12px system-ui,sans-serif;fill:#222} .t{font-weight:bold}"
	      ".bar{fill:#3b73b9} .over{fill:#c0392b} line.limit{stroke:#c0392b;"
	      "stroke-dasharray:4 3} text.limit{fill:#c0392b}"
	      "table{border-collapse:collapse} td,th{padding:2px 10px;"
	      "text-align:right} th:first-child,td:first-child{text-align:left}"
	      "</style></head><body>\n<h1>dlgconv stats</h1>\n", f);
	fprintf(f, "<p>%llu conversations in %llu files: <b>%llu written</b>, %llu rejected, "
		   "%llu duplicates.",
		(unsigned long long)sum->inputs, (unsigned long long)sum->files,
		(unsigned long long)s->accepted, (unsigned long long)s->rejected,
		(unsigned long long)s->duplicates);
	for (size_t i = 0; i < cli_split_count(a); i++) {
		fputs(i ? ", " : " Splits: ", f);
		html_escaped(f, cli_split_name(a, i));
		fprintf(f, " %llu", (unsigned long long)sum->split_written[i]);
	}
	fputs("</p>\n", f);
	const char *labels[TURN_BUCKETS + CHAR_BUCKETS];
	char names[TURN_BUCKETS + CHAR_BUCKETS][32];
	uint64_t values[TURN_BUCKETS + CHAR_BUCKETS];
	size_t n = 0;
	for (int b = 0; b < TURN_BUCKETS; b++)
		if (s->turns_hist[b]) {
			turns_label(names[n], sizeof names[n], b);
			labels[n] = names[n];
			values[n++] = s->turns_hist[b];
		}
	svg_bars(f, "Turns per conversation", labels, values, n, n, NULL);
	if (a->opts.tokenizer)
		html_tokens(f, s, a, sum);
	for (int r = 0; r < 3; r++) {
		if (!s->roles[r].turns)
			continue;
		n = 0;
		for (int b = 0; b < CHAR_BUCKETS; b++)
			if (s->roles[r].hist[b]) {
				bucket_label(names[n], sizeof names[n], b);
				labels[n] = names[n];
				values[n++] = s->roles[r].hist[b];
			}
		char title[64];
		snprintf(title, sizeof title, "Characters per %s turn", role_names[r]);
		svg_bars(f, title, labels, values, n, n, NULL);
	}
	size_t n_top;
	stage_count *top = top_stages(s, 15, &n_top);
	if (top && n_top) {
		const char **stage_labels = malloc(n_top * sizeof *stage_labels);
		uint64_t *counts = malloc(n_top * sizeof *counts);
		for (size_t i = 0; stage_labels && counts && i < n_top; i++) {
			stage_labels[i] = top[i].text;
			counts[i] = top[i].count;
		}
		if (stage_labels && counts)
			svg_bars(f, "Top stage directions", stage_labels, counts, n_top,
				 n_top, NULL);
		free(stage_labels);
		free(counts);
	}
	free(top);
	n = 0;
	for (int code = 0; code < 400 && n < TURN_BUCKETS + CHAR_BUCKETS; code++)
		if (s->findings[code]) {
			snprintf(names[n], sizeof names[n], "%s %s",
				 dlg_diag_id((dlg_diag_code)code),
				 dlg_diag_slug((dlg_diag_code)code));
			labels[n] = names[n];
			values[n++] = s->findings[code];
		}
	if (n)
		svg_bars(f, "Findings by code", labels, values, n, n, NULL);
	fputs("</body></html>\n", f);
	return fclose(f) == 0 ? 0 : -1;
}

int cli_stats_print(const cli_stats *s, const cli_args *a, const dlg_summary *sum)
{
	if (s->failed)
		return 3;
	if (a->stats_json) {
		char *text = stats_json(s, a, sum);
		if (!text)
			return 3;
		printf("%s\n", text);
		cJSON_free(text);
	} else {
		print_table(stdout, s, a, sum);
	}
	if (a->stats_html && write_html(a->stats_html, s, a, sum) != 0) {
		fprintf(stderr, "dlgconv: cannot write '%s'\n", a->stats_html);
		return 3;
	}
	return 0;
}
