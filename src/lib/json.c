/*
 * json.c - everything built or parsed as a JSON tree; cJSON is confined to this file.
 * Uses buf.c and error.c.
 */
#include "internal.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

static const char *stage_name(dlg_stage_mode m)
{
	return m == DLG_STAGE_KEEP ? "keep" : m == DLG_STAGE_STRIP ? "strip" : "extract";
}

static const char *split_key_name(dlg_split_key k)
{
	return k == DLG_SPLIT_KEY_SOURCE ? "source" : k == DLG_SPLIT_KEY_GROUP ? "group" : "content";
}

/* A count, or null for "unlimited". */
static cJSON *limit(uint64_t v, uint64_t unlimited)
{
	return v == unlimited ? cJSON_CreateNull() : cJSON_CreateNumber((double)v);
}

static cJSON *string_array(const char *const *items, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; a && i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(items[i]));
	return a;
}

static cJSON *options_json(const dlg_ctx *ctx)
{
	const dlg_options *o = ctx->opts;
	cJSON *j = cJSON_CreateObject();
	cJSON *roles = cJSON_AddObjectToObject(j, "roles");
	for (size_t i = 0; roles && i < ctx->n_labels; i++)
		cJSON_AddStringToObject(roles, ctx->labels[i].text,
					dlg_role_name(ctx->labels[i].role));
	cJSON_AddBoolToObject(j, "keep_preamble", o->keep_preamble);
	cJSON_AddStringToObject(j, "stage", stage_name(o->stage));
	cJSON_AddStringToObject(j, "unicode", o->nfkc ? "nfkc" : "nfc");
	cJSON_AddBoolToObject(j, "ascii_punct", o->ascii_punct);
	cJSON_AddBoolToObject(j, "strict", o->strict);
	cJSON_AddNumberToObject(j, "min_turns", o->min_turns);
	cJSON_AddItemToObject(j, "max_turn_chars", limit(o->max_turn_chars, 0));
	cJSON_AddBoolToObject(j, "merge_consecutive", o->merge_consecutive);
	cJSON_AddStringToObject(j, "trailing_user", o->drop_trailing_user ? "drop" : "error");
	cJSON *splits = cJSON_AddArrayToObject(j, "splits");
	for (size_t i = 0; splits && i < ctx->n_splits; i++) {
		cJSON *s = cJSON_CreateObject();
		cJSON_AddStringToObject(s, "name", ctx->splits[i].name);
		cJSON_AddNumberToObject(s, "weight", ctx->splits[i].weight);
		cJSON_AddItemToArray(splits, s);
	}
	/* as a string: a 64-bit seed does not fit a JSON number exactly */
	char seed[24];
	snprintf(seed, sizeof seed, "%llu", (unsigned long long)o->seed);
	cJSON_AddStringToObject(j, "seed", seed);
	cJSON_AddStringToObject(j, "split_key", split_key_name(o->split_key));
	if (o->group_regex)
		cJSON_AddStringToObject(j, "group_regex", o->group_regex);
	else
		cJSON_AddNullToObject(j, "group_regex");
	cJSON_AddBoolToObject(j, "dedup", !o->no_dedup);
	cJSON_AddStringToObject(j, "format", "messages");
	cJSON_AddItemToObject(j, "max_rejects", limit(o->max_rejects, UINT64_MAX));
	cJSON_AddItemToObject(j, "include", string_array(o->include, o->n_include));
	cJSON_AddItemToObject(j, "exclude", string_array(o->exclude, o->n_exclude));
	return j;
}

static cJSON *counts_json(const dlg_manifest *m)
{
	const dlg_summary *s = m->summary;
	cJSON *j = cJSON_CreateObject();
	cJSON_AddNumberToObject(j, "files", (double)s->files);
	cJSON_AddNumberToObject(j, "inputs", (double)s->inputs);
	cJSON_AddNumberToObject(j, "written", (double)s->written);
	cJSON_AddNumberToObject(j, "rejected", (double)s->rejected);
	cJSON_AddNumberToObject(j, "duplicates", (double)s->duplicates);
	cJSON_AddNumberToObject(j, "errors", (double)s->errors);
	cJSON_AddNumberToObject(j, "warnings", (double)s->warnings);
	cJSON *per_split = cJSON_AddObjectToObject(j, "written_per_split");
	for (size_t i = 0; per_split && i < m->ctx->n_splits; i++)
		cJSON_AddNumberToObject(per_split, m->ctx->splits[i].name,
					(double)s->split_written[i]);
	cJSON *per_code = cJSON_AddObjectToObject(j, "rejected_per_code");
	for (int code = 0; per_code && code < 400; code++)
		if (m->rejected_by_code[code])
			cJSON_AddNumberToObject(per_code, dlg_diag_id((dlg_diag_code)code),
						(double)m->rejected_by_code[code]);
	cJSON *fixes = cJSON_AddObjectToObject(j, "fixes");
	for (int f = 0; fixes && f < DLG_FIX_COUNT; f++)
		cJSON_AddNumberToObject(fixes, dlg_fix_name((dlg_fix)f), (double)s->fixes[f]);
	return j;
}

static cJSON *files_json(const dlg_manifest *m)
{
	cJSON *j = cJSON_CreateObject();
	for (size_t i = 0; j && i < m->n_files; i++) {
		const dlg_outfile *f = m->files[i];
		const char *slash = strrchr(f->path, '/');
		cJSON *o = cJSON_AddObjectToObject(j, slash ? slash + 1 : f->path);
		cJSON_AddNumberToObject(o, "size", (double)f->size);
		cJSON_AddNumberToObject(o, "records", (double)f->records);
		cJSON_AddStringToObject(o, "sha256", f->sha256_hex);
	}
	return j;
}

dlg_status dlg_json__manifest(dlg_buf *out, const dlg_manifest *m, dlg_error *err)
{
	cJSON *root = cJSON_CreateObject();
	if (root) {
		cJSON_AddNumberToObject(root, "manifest_version", 1);
		cJSON_AddStringToObject(root, "tool", "dlgconv");
		cJSON_AddStringToObject(root, "version", dlg_version());
		cJSON_AddItemToObject(root, "options", options_json(m->ctx));
		cJSON_AddItemToObject(root, "counts", counts_json(m));
		cJSON_AddItemToObject(root, "files", files_json(m));
	}
	char *text = root ? cJSON_Print(root) : NULL;
	cJSON_Delete(root);
	/* cJSON allocates with malloc (its hooks are global state, which we do not touch) */
	if (!text)
		return dlg_error__set(err, DLG_E_NOMEM, NULL, 0, "out of memory (manifest)");
	dlg_status st = dlg_buf__append(out, text, strlen(text), err);
	if (st == DLG_OK)
		st = dlg_buf__putc(out, '\n', err);
	cJSON_free(text);
	return st;
}
