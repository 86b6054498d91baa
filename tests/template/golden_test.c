/*
 * golden_test.c - a chat template rendered by dlgconv against @huggingface/jinja's
 * rendering (fixtures/templates, made by scripts/template-goldens.mjs): for every
 * conversation of conversations.jsonl, without and with add_generation_prompt, the text
 * must be the golden line's byte for byte, or, where the reference raised an error, dlgconv
 * must too, with the template's own message for a raise_exception. With a TOKENIZER (the
 * model's), the ids of each rendering must be tokenizers.js's (ids/NAME.jsonl).
 * Usage: template_golden TEMPLATE.jinja FIXTURES_DIR NAME [TOKENIZER]
 */
#include "lib/buf.h"
#include "lib/chat.h"
#include "lib/jinja.h"
#include "lib/tokenizer.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, len = 0;
	char *s = malloc(cap);
	size_t got;
	while (s && (got = fread(s + len, 1, cap - len - 1, f)) > 0) {
		len += got;
		if (cap - len < 2) {
			cap *= 2;
			s = realloc(s, cap);
		}
	}
	fclose(f);
	if (s)
		s[len] = '\0';
	*n = len;
	return s;
}

static char *next_line(char **p)
{
	if (!**p)
		return NULL;
	char *line = *p, *nl = strchr(line, '\n');
	if (nl) {
		*nl = '\0';
		*p = nl + 1;
	} else {
		*p += strlen(line);
	}
	return line;
}

/* Whether the ids are the array `want`. */
static bool same_ids(const dlg_buf *ids, const cJSON *want)
{
	size_t n = DLG_BUF_COUNT(ids, uint32_t);
	if ((size_t)cJSON_GetArraySize(want) != n)
		return false;
	size_t i = 0;
	for (const cJSON *e = want->child; e; e = e->next, i++)
		if (e->valuedouble != (double)DLG_BUF_AT(ids, uint32_t, i))
			return false;
	return true;
}

/* Where two texts first differ, shown around that place. */
static void show_difference(const char *got, size_t got_n, const char *want)
{
	size_t want_n = strlen(want), i = 0;
	while (i < got_n && i < want_n && got[i] == want[i])
		i++;
	size_t from = i > 40 ? i - 40 : 0;
	fprintf(stderr, "  %zu bytes, the reference %zu; first difference at byte %zu:\n"
		"  dlgconv:   %.*s\n  reference: %.80s\n", got_n, want_n, i,
		(int)(got_n - from < 80 ? got_n - from : 80), got + from, want + from);
}

int main(int argc, char **argv)
{
	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: template_golden TEMPLATE.jinja FIXTURES_DIR NAME "
			"[TOKENIZER]\n");
		return 2;
	}
	dlg_tokenizer *tok = NULL;
	dlg_tok_scratch *scratch = NULL;
	char *ids_text = NULL, *ip = NULL;
	dlg_error err;
	if (argc == 5) {
		dlg_options o;
		char path[4096];
		size_t n;
		snprintf(path, sizeof path, "%s/ids/%s.jsonl", argv[2], argv[3]);
		if (dlg_options_init(&o, DLG_OPTIONS_VERSION) ||
		    dlg_tokenizer__load(&tok, argv[4], &o, &err) ||
		    dlg_tok_scratch__new(&scratch, NULL, &err)) {
			fprintf(stderr, "template_golden: %s\n", err.msg);
			return 2;
		}
		if (!(ip = ids_text = slurp(path, &n))) {
			fprintf(stderr, "template_golden: cannot read %s\n", path);
			return 2;
		}
	}
	char path[4096];
	size_t n;
	char *src = slurp(argv[1], &n);
	argv++; /* then as before: FIXTURES_DIR NAME */
	snprintf(path, sizeof path, "%s/templates.json", argv[1]);
	size_t meta_n;
	char *meta_text = slurp(path, &meta_n);
	snprintf(path, sizeof path, "%s/conversations.jsonl", argv[1]);
	size_t conv_n;
	char *convs = slurp(path, &conv_n);
	snprintf(path, sizeof path, "%s/golden/%s.jsonl", argv[1], argv[2]);
	size_t gold_n;
	char *golden = slurp(path, &gold_n);
	if (!src || !meta_text || !convs || !golden) {
		fprintf(stderr, "template_golden: cannot read the fixtures of %s\n", argv[2]);
		return 2;
	}
	cJSON *meta = cJSON_Parse(meta_text);
	const cJSON *vars = cJSON_GetObjectItem(cJSON_GetObjectItem(meta, argv[2]), "vars");
	/* the built-in's variables are the ones its model gives it */
	char *members = vars ? cJSON_PrintUnformatted(vars) : NULL;
	const char *builtin = dlg_chat__builtin_vars(argv[2]);
	if (!members || !builtin || strlen(members) != strlen(builtin) + 2 ||
	    strncmp(members + 1, builtin, strlen(builtin))) {
		fprintf(stderr, "%s: the built-in's variables {%s} are not templates.json's %s\n",
			argv[2], builtin ? builtin : "(none)", members ? members : "(none)");
		return 1;
	}
	cJSON_free(members);
	dlg_jinja *t;
	if (!vars || dlg_jinja__compile(&t, src, n, &err)) {
		fprintf(stderr, "%s: %s\n", argv[2], vars ? err.msg : "not in templates.json");
		return 1;
	}
	size_t cases = 0, failed = 0, errors = 0, line_no = 0, encoded = 0;
	dlg_buf ids;
	dlg_buf__init(&ids, NULL, DLG_BUF_UNCAPPED);
	char *cp = convs, *gp = golden, *line;
	dlg_buf out;
	dlg_buf__init(&out, NULL, DLG_BUF_UNCAPPED);
	while ((line = next_line(&cp))) {
		line_no++;
		for (int gen = 0; gen < 2; gen++) {
			char *gold_line = next_line(&gp);
			cJSON *c = cJSON_Parse(line);
			cJSON *g = gold_line ? cJSON_Parse(gold_line) : NULL;
			if (!c || !g) {
				fprintf(stderr, "conversation %zu: no golden line\n", line_no);
				return 1;
			}
			for (const cJSON *v = vars->child; v; v = v->next)
				cJSON_AddItemToObject(c, v->string, cJSON_Duplicate(v, true));
			cJSON_AddBoolToObject(c, "add_generation_prompt", gen);
			char *json = cJSON_PrintUnformatted(c);
			out.len = 0;
			dlg_status st = dlg_jinja__render(t, json, strlen(json), (size_t)64 << 20,
							  &out, &err);
			const cJSON *want = cJSON_GetObjectItem(g, "text");
			const char *want_error =
				cJSON_GetStringValue(cJSON_GetObjectItem(g, "error"));
			const char *raised = st ? strstr(err.msg, "raise_exception: ") : NULL;
			bool ok;
			if (want)
				ok = !st && out.len == strlen(want->valuestring) &&
				     !memcmp(out.data ? out.data : "", want->valuestring, out.len);
			else
				ok = st && want_error &&
				     (!raised || !strcmp(raised + 17, want_error));
			cases++;
			errors += want_error != NULL;
			char *ids_line = ip ? next_line(&ip) : NULL;
			cJSON *want_ids = ids_line ? cJSON_Parse(ids_line) : NULL;
			if (ok && !st && tok) {
				ids.len = 0;
				encoded++;
				if (dlg_tokenizer__encode(tok, scratch, out.data ? out.data : "",
							  out.len, &ids, &err) ||
				    !cJSON_IsArray(want_ids) || !same_ids(&ids, want_ids)) {
					failed++;
					fprintf(stderr, "%s, conversation %zu, prompt %d: the "
						"ids differ from tokenizers.js's\n", argv[2],
						line_no, gen);
				}
			}
			cJSON_Delete(want_ids);
			if (!ok) {
				failed++;
				fprintf(stderr, "%s, conversation %zu, add_generation_prompt=%d: ",
					argv[2], line_no, gen);
				if (st)
					fprintf(stderr, "dlgconv: %s; reference: %s\n", err.msg,
						want ? "rendered" : want_error);
				else if (!want)
					fprintf(stderr, "dlgconv rendered; the reference: %s\n",
						want_error);
				else
					show_difference(out.data ? out.data : "", out.len,
							want->valuestring);
			}
			cJSON_free(json);
			cJSON_Delete(c);
			cJSON_Delete(g);
		}
	}
	printf("%s: %zu renderings (%zu errors of the reference's), %zu encoded, %zu differ\n",
	       argv[2], cases, errors, encoded, failed);
	dlg_buf__dispose(&ids);
	dlg_tok_scratch__free(scratch);
	dlg_tokenizer__free(tok);
	free(ids_text);
	dlg_buf__dispose(&out);
	dlg_jinja__free(t);
	cJSON_Delete(meta);
	free(src);
	free(meta_text);
	free(convs);
	free(golden);
	return failed ? 1 : 0;
}
