/*
 * golden_test.c - a tokenizer's ids against the reference implementation's
 * (fixtures/tokenizers/golden, made by scripts/tokenizer-goldens.mjs): every text of
 * texts.jsonl must give exactly the ids of its line in the golden file.
 * Usage: tokenizer_golden TOKENIZER TEXTS.jsonl GOLDEN.jsonl
 *        tokenizer_golden --bench TOKENIZER TEXTS.jsonl   (scripts/bench-tokens.sh: every
 *        text encoded once on this thread; prints bytes, tokens, seconds)
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, strdup */
#include "lib/buf.h"
#include "lib/tokenizer.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static char *next_line(FILE *f, char **line, size_t *cap)
{
	size_t n = 0;
	int c;
	while ((c = getc(f)) != EOF && c != '\n') {
		if (n + 2 > *cap) {
			*cap = *cap ? *cap * 2 : 4096;
			*line = realloc(*line, *cap);
			if (!*line)
				return NULL;
		}
		(*line)[n++] = (char)c;
	}
	if (c == EOF && n == 0)
		return NULL;
	(*line)[n] = '\0';
	return *line;
}

/* Whether ids are the array `want`; says where they differ when not. */
static bool same(const dlg_buf *ids, const cJSON *want, size_t line, const char *text)
{
	size_t got_n = DLG_BUF_COUNT(ids, uint32_t), want_n = (size_t)cJSON_GetArraySize(want);
	size_t i = 0;
	long got = -1, wanted = -1;
	for (; i < got_n || i < want_n; i++) {
		got = i < got_n ? (long)DLG_BUF_AT(ids, uint32_t, i) : -1L;
		wanted = i < want_n ? (long)cJSON_GetArrayItem(want, (int)i)->valuedouble : -1L;
		if (got != wanted)
			break;
	}
	if (i == got_n && i == want_n)
		return true;
	fprintf(stderr, "line %zu: %zu ids, the reference %zu; first difference at %zu: %ld, "
		"the reference %ld\n  text: %.200s\n", line, got_n, want_n, i, got, wanted, text);
	return false;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The texts read first, then encoded one after another: only the encoding is timed. */
static int bench(const dlg_tokenizer *tok, dlg_tok_scratch *scratch, FILE *texts)
{
	char *line = NULL;
	size_t cap = 0, n = 0, count = 0;
	char **all = NULL;
	dlg_error err;
	while (next_line(texts, &line, &cap)) {
		cJSON *text = cJSON_Parse(line);
		if (!cJSON_IsString(text))
			return 2;
		if (n == count) {
			count = count ? 2 * count : 1024;
			all = realloc(all, count * sizeof *all);
		}
		all[n++] = strdup(text->valuestring);
		cJSON_Delete(text);
	}
	size_t bytes = 0;
	uint64_t tokens = 0;
	double start = now();
	for (size_t i = 0; i < n; i++) {
		uint64_t c;
		size_t len = strlen(all[i]);
		if (dlg_tokenizer__count(tok, scratch, all[i], len, &c, &err) != DLG_OK) {
			fprintf(stderr, "%s\n", err.msg);
			return 1;
		}
		bytes += len;
		tokens += c;
	}
	printf("%zu bytes %llu tokens %.3f seconds\n", bytes, (unsigned long long)tokens,
	       now() - start);
	for (size_t i = 0; i < n; i++)
		free(all[i]);
	free(all);
	free(line);
	return 0;
}

int main(int argc, char **argv)
{
	bool benching = argc == 4 && strcmp(argv[1], "--bench") == 0;
	if (benching)
		argv++; /* then TOKENIZER TEXTS, as for a comparison */
	if (argc != 4) {
		fprintf(stderr, "usage: %s TOKENIZER TEXTS.jsonl GOLDEN.jsonl\n", argv[0]);
		return 2;
	}
	dlg_options o;
	dlg_error err = {0};
	dlg_tokenizer *tok;
	dlg_tok_scratch *scratch;
	if (dlg_options_init(&o, DLG_OPTIONS_VERSION) != DLG_OK ||
	    dlg_tokenizer__load(&tok, argv[1], &o, &err) != DLG_OK ||
	    dlg_tok_scratch__new(&scratch, o.allocator, &err) != DLG_OK) {
		fprintf(stderr, "%s: %s\n", argv[1], err.msg);
		return 1;
	}
	FILE *texts = fopen(argv[2], "r");
	if (benching && texts) {
		int rc = bench(tok, scratch, texts);
		fclose(texts);
		dlg_tok_scratch__free(scratch);
		dlg_tokenizer__free(tok);
		return rc;
	}
	FILE *golden = fopen(argv[3], "r");
	if (!texts || !golden) {
		perror("fopen");
		return 2;
	}
	char *tl = NULL, *gl = NULL;
	size_t tcap = 0, gcap = 0, line = 0, failed = 0;
	dlg_buf ids;
	dlg_buf__init(&ids, o.allocator, DLG_BUF_UNCAPPED);
	while (next_line(texts, &tl, &tcap)) {
		line++;
		if (!next_line(golden, &gl, &gcap)) {
			fprintf(stderr, "%s: no line %zu\n", argv[3], line);
			return 1;
		}
		cJSON *text = cJSON_Parse(tl), *want = cJSON_Parse(gl);
		if (!cJSON_IsString(text) || !cJSON_IsArray(want)) {
			fprintf(stderr, "line %zu: not a JSON string and array\n", line);
			return 2;
		}
		ids.len = 0;
		const char *t = text->valuestring;
		if (dlg_tokenizer__encode(tok, scratch, t, strlen(t), &ids, &err) != DLG_OK) {
			fprintf(stderr, "line %zu: %s\n", line, err.msg);
			failed++;
		} else if (!same(&ids, want, line, tl)) {
			failed++;
		}
		cJSON_Delete(text);
		cJSON_Delete(want);
	}
	printf("%s: %zu texts, %zu identical, %zu different\n", argv[1], line, line - failed,
	       failed);
	free(tl);
	free(gl);
	fclose(texts);
	fclose(golden);
	dlg_buf__dispose(&ids);
	dlg_tok_scratch__free(scratch);
	dlg_tokenizer__free(tok);
	return failed ? 1 : 0;
}
