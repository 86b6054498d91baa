/*
 * manifest.c - DIR/manifest.json (manifest.h): what a run wrote and with which options
 * (the option table's, options.c), written with cJSON; an earlier dataset's list of files,
 * for the commit to take away; a map part's or a reduced shard's manifest read back, with its
 * options compared. Uses buf.c, error.c, options.c, sink.c (SHA-256) and cJSON.
 */
#include "manifest.h"
#include "buf.h"
#include "ctx.h"
#include "error.h"
#include "options.h"
#include "sink.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static cJSON *string_array(const char *const *items, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; a && i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(items[i]));
	return a;
}

/* One option as the table says the manifest writes it (options.c). */
static cJSON *option_json(const dlg_option_value *v, const dlg_ctx *ctx)
{
	switch (v->form) {
	case DLG_FORM_SKIP:
		break;
	case DLG_FORM_NULL:
		return cJSON_CreateNull();
	case DLG_FORM_BOOL:
		return cJSON_CreateBool(v->boolean);
	case DLG_FORM_NUMBER:
		return cJSON_CreateNumber(v->number);
	case DLG_FORM_STRING:
		return cJSON_CreateString(v->string);
	case DLG_FORM_STRINGS:
		return string_array(v->strings, v->n);
	case DLG_FORM_CODES: {
		cJSON *a = cJSON_CreateArray();
		for (size_t i = 0; a && i < v->n; i++)
			cJSON_AddItemToArray(a, cJSON_CreateString(dlg_diag_id(v->codes[i])));
		return a;
	}
	case DLG_FORM_ROLES: {
		cJSON *roles = cJSON_CreateObject();
		for (size_t i = 0; roles && i < ctx->n_labels; i++)
			cJSON_AddStringToObject(roles, ctx->labels[i].text,
						dlg_role_name(ctx->labels[i].role));
		return roles;
	}
	case DLG_FORM_SPLITS: {
		cJSON *splits = cJSON_CreateArray();
		for (size_t i = 0; splits && i < ctx->n_splits; i++) {
			cJSON *s = cJSON_CreateObject();
			cJSON_AddStringToObject(s, "name", ctx->splits[i].name);
			cJSON_AddNumberToObject(s, "weight", ctx->splits[i].weight);
			cJSON_AddItemToArray(splits, s);
		}
		return splits;
	}
	}
	return NULL;
}

/* Every option that changes the output, from the option table: what the steps compare. */
static cJSON *options_json(const dlg_ctx *ctx)
{
	cJSON *j = cJSON_CreateObject();
	for (size_t i = 0; j && i < dlg_option_count(); i++) {
		dlg_option_value v;
		dlg_options__manifest_value(&v, ctx->opts, i);
		if (v.form != DLG_FORM_SKIP)
			cJSON_AddItemToObject(j, v.key, option_json(&v, ctx));
	}
	return j;
}

/* A value of the manifest as the command line writes it: a string bare, a list joined by
 * commas, a number as JSON has it. */
static dlg_status append_cli_value(dlg_buf *b, const cJSON *v, dlg_error *err)
{
	if (cJSON_IsString(v))
		return dlg_buf__printf(b, err, "%s", v->valuestring);
	if (cJSON_IsArray(v)) {
		for (const cJSON *item = v->child; item; item = item->next) {
			DLG_TRY(dlg_buf__printf(b, err, item == v->child ? "" : ","));
			DLG_TRY(append_cli_value(b, item, err));
		}
		return DLG_OK;
	}
	char *text = cJSON_PrintUnformatted(v);
	if (!text)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	dlg_status st = dlg_buf__printf(b, err, "%s", text);
	cJSON_free(text);
	return st;
}

/* One option of the card's list: `--name VALUE`, each a Markdown code span. */
static dlg_status option_as_given(dlg_buf *b, const dlg_option_info *info, const cJSON *value,
				 dlg_error *err)
{
	DLG_TRY(dlg_buf__printf(b, err, "%s`--%s", b->len ? ", " : "", info->name));
	if (info->type != DLG_OPTION_FLAG) {
		DLG_TRY(dlg_buf__printf(b, err, " "));
		DLG_TRY(append_cli_value(b, value, err));
	}
	return dlg_buf__printf(b, err, "`");
}

/* Whether a run with the default options has `label` with its role. */
static bool built_in(const dlg_ctx *defaults, const dlg_label *label)
{
	for (size_t k = 0; k < defaults->n_labels; k++)
		if (strcasecmp(defaults->labels[k].text, label->text) == 0) /* as labels match */
			return defaults->labels[k].role == label->role;
	return false;
}

static bool same_splits(const dlg_ctx *a, const dlg_ctx *b)
{
	if (a->n_splits != b->n_splits)
		return false;
	for (size_t k = 0; k < a->n_splits; k++)
		if (strcmp(a->splits[k].name, b->splits[k].name) != 0 ||
		    a->splits[k].weight != b->splits[k].weight)
			return false;
	return true;
}

/* Option i into the card's list when it changes the output and is not at its default. */
static dlg_status changed_option(dlg_buf *b, const dlg_ctx *ctx, const dlg_ctx *defaults_ctx,
				 size_t i, dlg_error *err)
{
	const dlg_options *defaults = defaults_ctx->opts;
	const dlg_options *o = ctx->opts;
	const dlg_option_info *info = dlg_option_get(i);
	dlg_option_value mine, def;
	dlg_options__manifest_value(&mine, o, i);
	dlg_options__manifest_value(&def, defaults, i);
	if (!(info->flags & DLG_OPTION_OUTPUT) || mine.form == DLG_FORM_SKIP)
		return DLG_OK;
	if (mine.form == DLG_FORM_ROLES) { /* the labels whose role is not the built-in one */
		for (size_t k = 0; k < ctx->n_labels; k++)
			if (!built_in(defaults_ctx, &ctx->labels[k]))
				DLG_TRY(dlg_buf__printf(b, err, "%s`--role %s=%s`",
							b->len ? ", " : "", ctx->labels[k].text,
							dlg_role_name(ctx->labels[k].role)));
		return DLG_OK;
	}
	if (mine.form == DLG_FORM_SPLITS) {
		if (same_splits(ctx, defaults_ctx))
			return DLG_OK;
		DLG_TRY(dlg_buf__printf(b, err, "%s`--%s ", b->len ? ", " : "", info->name));
		for (size_t k = 0; k < ctx->n_splits; k++)
			DLG_TRY(dlg_buf__printf(b, err, "%s%s=%g", k ? "," : "",
						ctx->splits[k].name, ctx->splits[k].weight));
		return dlg_buf__printf(b, err, "`");
	}
	cJSON *value = option_json(&mine, ctx);
	cJSON *fallback = def.form == DLG_FORM_SKIP ? NULL : option_json(&def, ctx);
	dlg_status st = !value ? dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory") :
			fallback && cJSON_Compare(value, fallback, true) ? DLG_OK :
			option_as_given(b, info, value, err);
	cJSON_Delete(value);
	cJSON_Delete(fallback);
	return st;
}

dlg_status dlg_manifest__changed_options(dlg_buf *b, const dlg_ctx *ctx, dlg_error *err)
{
	dlg_options zero = DLG_OPTIONS_INIT;
	dlg_ctx *defaults = dlg_mem__alloc(ctx->alloc, sizeof *defaults); /* large */
	if (!defaults)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	dlg_status st = dlg_ctx__init(defaults, &zero, err); /* resolved as a run resolves them */
	for (size_t i = 0; st == DLG_OK && i < dlg_option_count(); i++)
		st = changed_option(b, ctx, defaults, i, err);
	dlg_ctx__dispose(defaults);
	dlg_mem__free(ctx->alloc, defaults);
	return st;
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
	cJSON_AddNumberToObject(j, "near_duplicates", (double)s->near_duplicates);
	cJSON_AddNumberToObject(j, "near_dup_clusters", (double)s->near_dup_clusters);
	cJSON_AddNumberToObject(j, "errors", (double)s->errors);
	cJSON_AddNumberToObject(j, "warnings", (double)s->warnings);
	cJSON *per_split = cJSON_AddObjectToObject(j, "written_per_split");
	for (size_t i = 0; per_split && i < m->ctx->n_splits; i++)
		cJSON_AddNumberToObject(per_split, m->ctx->splits[i].name,
					(double)s->split_written[i]);
	cJSON *tokens = m->ctx->tokenizer ? cJSON_AddObjectToObject(j, "tokens_per_split") : NULL;
	for (size_t i = 0; tokens && i < m->ctx->n_splits; i++) {
		cJSON *t = cJSON_AddObjectToObject(tokens, m->ctx->splits[i].name);
		cJSON_AddNumberToObject(t, "total", (double)s->split_tokens[i]);
		cJSON_AddNumberToObject(t, "trainable", (double)s->split_trainable_tokens[i]);
	}
	cJSON *per_code = cJSON_AddObjectToObject(j, "rejected_per_code");
	for (int code = 0; per_code && code < DLG_DIAG_CODES; code++)
		if (m->rejected_by_code[code])
			cJSON_AddNumberToObject(per_code, dlg_diag_id((dlg_diag_code)code),
						(double)m->rejected_by_code[code]);
	cJSON *fixes = cJSON_AddObjectToObject(j, "fixes");
	for (int f = 0; fixes && f < DLG_FIX_COUNT; f++)
		cJSON_AddNumberToObject(fixes, dlg_fix_name((dlg_fix)f), (double)s->fixes[f]);
	return j;
}

/* 64 hex digits each, one after another, as a JSON array of strings. */
static cJSON *hex_array(const dlg_buf *digests)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; a && i + 64 <= digests->len; i += 64) {
		char hex[65];
		memcpy(hex, digests->data + i, 64);
		hex[64] = '\0';
		cJSON_AddItemToArray(a, cJSON_CreateString(hex));
	}
	return a;
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

dlg_status dlg_manifest__write(dlg_buf *out, const dlg_manifest *m, dlg_error *err)
{
	cJSON *root = cJSON_CreateObject();
	if (root) {
		cJSON_AddNumberToObject(root, "manifest_version", 1);
		cJSON_AddStringToObject(root, "tool", "dlgconv");
		cJSON_AddStringToObject(root, "version", dlg_version());
		cJSON_AddItemToObject(root, "options", options_json(m->ctx));
		cJSON_AddItemToObject(root, "counts", counts_json(m));
		cJSON_AddItemToObject(root, "files", files_json(m));
		if (m->inputs_digest)
			cJSON_AddStringToObject(root, "inputs_digest", m->inputs_digest);
		if (m->parts_sha256)
			cJSON_AddItemToObject(root, "parts_sha256", hex_array(m->parts_sha256));
	}
	char *text = root ? cJSON_Print(root) : NULL;
	cJSON_Delete(root);
	/* cJSON allocates with malloc (its hooks are global state, which we do not touch) */
	if (!text)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory (manifest)");
	dlg_status st = dlg_buf__append(out, text, strlen(text), err);
	if (st == DLG_OK)
		st = dlg_buf__putc(out, '\n', err);
	cJSON_free(text);
	return st;
}

/* The JSON text of `f` (closed here), at most `cap` bytes, into *root: NULL when it is not
 * JSON. DLG_E_LIMIT past the cap. The SHA-256 of its bytes into `sha256_hex` unless NULL. */
static dlg_status parse_file(cJSON **root, char *sha256_hex, FILE *f, const char *path,
			     size_t cap, const dlg_allocator *alloc, dlg_error *err)
{
	dlg_buf text;
	dlg_buf__init(&text, alloc, cap);
	dlg_status st = DLG_OK;
	char chunk[8192];
	size_t n;
	while (st == DLG_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
		st = dlg_buf__append(&text, chunk, n, err);
	/* a read that failed is not the end of the file: half a manifest read as the whole
	 * would name too few files to take away, or wrong counts */
	if (st == DLG_OK && ferror(f))
		st = dlg_error__io(err, errno, "read", path);
	fclose(f);
	*root = st == DLG_OK ? cJSON_ParseWithLength(text.data, text.len) : NULL;
	void *sha = st == DLG_OK && sha256_hex ? dlg_sink__hash_new() : NULL;
	if (st == DLG_OK && sha256_hex && !sha)
		st = dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory (SHA-256)");
	if (sha) {
		dlg_sink__hash_update(sha, text.data ? text.data : "", text.len);
		dlg_sink__hash_hex(sha256_hex, sha);
		dlg_sink__hash_free(sha);
	}
	dlg_buf__dispose(&text);
	return st;
}

dlg_status dlg_manifest__files(dlg_buf *out, const char *dir, dlg_error *err)
{
	out->len = 0;
	char path[4096];
	if ((size_t)snprintf(path, sizeof path, "%s/manifest.json", dir) >= sizeof path)
		return DLG_OK;
	FILE *f = fopen(path, "rb");
	if (!f && errno == ENOENT)
		return DLG_OK; /* no earlier dataset here */
	if (!f)
		return dlg_error__io(err, errno, "open", path);
	cJSON *root; /* manifests are small: 16 MiB is plenty */
	dlg_status st = parse_file(&root, NULL, f, path, (size_t)16 << 20, out->alloc, err);
	if (st == DLG_E_LIMIT)
		st = DLG_OK; /* not one of ours: nothing to remove */
	const cJSON *file;
	cJSON_ArrayForEach(file, cJSON_GetObjectItemCaseSensitive(root, "files")) {
		const char *name = file->string;
		if (st != DLG_OK || !name || !*name || *name == '.' || strchr(name, '/'))
			continue;
		st = dlg_buf__append(out, name, strlen(name) + 1, err);
	}
	cJSON_Delete(root);
	return st;
}

/*
 * A count from the manifest, which wrote it as a JSON number: a whole one from 0 to 2^53 (a
 * double holds those exactly, and a cast of one past 2^64 is undefined). Anything else, 1e300
 * or 2.5 or "3", is no count dlgconv wrote: it reads as 0, and the first one is named in
 * out->not_a_count as `where`.`key`. A count that is not there is 0.
 */
static uint64_t count_at(dlg_manifest_read *out, const cJSON *obj, const char *where,
			 const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!v)
		return 0;
	double d = cJSON_IsNumber(v) ? v->valuedouble : -1;
	if (d >= 0 && d <= 9007199254740992.0 && (double)(uint64_t)d == d)
		return (uint64_t)d;
	/* a long file name is cut short: the start still says which count it was */
	if (!out->not_a_count[0] &&
	    snprintf(out->not_a_count, sizeof out->not_a_count, "%s.%s", where, key) < 0)
		out->not_a_count[0] = '?';
	return 0;
}

static dlg_status listed_files(dlg_manifest_read *out, const cJSON *files, dlg_error *err)
{
	const cJSON *f;
	cJSON_ArrayForEach(f, files) {
		const cJSON *sha = cJSON_GetObjectItemCaseSensitive(f, "sha256");
		char where[sizeof "files." + DLG_SPLIT_FILE_NAME];
		snprintf(where, sizeof where, "files.%s", f->string ? f->string : "");
		dlg_listed_file l = { .size = count_at(out, f, where, "size"),
				      .records = count_at(out, f, where, "records") };
		if (!f->string || strlen(f->string) >= sizeof l.name || !cJSON_IsString(sha) ||
		    strlen(sha->valuestring) != 64)
			return dlg_error__set(err, DLG_E_IO, 0, "%s lists a file it cannot have "
					      "written", out->path);
		strcpy(l.name, f->string);
		strcpy(l.sha256_hex, sha->valuestring);
		DLG_TRY(dlg_buf__append(&out->files, &l, sizeof l, err));
	}
	return DLG_OK;
}

static void read_counts(dlg_manifest_read *out, const cJSON *counts, const dlg_ctx *ctx)
{
	dlg_summary *s = &out->counts;
	const char *in = "counts";
	s->files = count_at(out, counts, in, "files");
	s->inputs = count_at(out, counts, in, "inputs");
	s->written = count_at(out, counts, in, "written");
	s->rejected = count_at(out, counts, in, "rejected");
	s->duplicates = count_at(out, counts, in, "duplicates");
	s->near_duplicates = count_at(out, counts, in, "near_duplicates");
	s->near_dup_clusters = count_at(out, counts, in, "near_dup_clusters");
	s->errors = count_at(out, counts, in, "errors");
	s->warnings = count_at(out, counts, in, "warnings");
	const cJSON *per_split = cJSON_GetObjectItemCaseSensitive(counts, "written_per_split");
	in = "counts.written_per_split";
	for (size_t i = 0; i < ctx->n_splits; i++)
		s->split_written[i] = count_at(out, per_split, in, ctx->splits[i].name);
	const cJSON *per_code = cJSON_GetObjectItemCaseSensitive(counts, "rejected_per_code");
	in = "counts.rejected_per_code";
	for (int code = 0; code < DLG_DIAG_CODES; code++)
		out->rejected_by_code[code] = count_at(out, per_code, in,
						       dlg_diag_id((dlg_diag_code)code));
	const cJSON *fixes = cJSON_GetObjectItemCaseSensitive(counts, "fixes");
	in = "counts.fixes";
	for (int f = 0; f < DLG_FIX_COUNT; f++)
		s->fixes[f] = count_at(out, fixes, in, dlg_fix_name((dlg_fix)f));
}

/* A reduced shard's parts_sha256, 64 hex digits each into out->parts_sha256. */
static dlg_status read_parts(dlg_manifest_read *out, const cJSON *parts, dlg_error *err)
{
	const cJSON *p;
	cJSON_ArrayForEach(p, parts) {
		const char *hex = cJSON_IsString(p) ? p->valuestring : NULL;
		if (!hex || strlen(hex) != 64 || strspn(hex, "0123456789abcdef") != 64)
			return dlg_error__set(err, DLG_E_IO, 0, "%s is not a manifest dlgconv "
					      "wrote (parts_sha256)", out->path);
		DLG_TRY(dlg_buf__append(&out->parts_sha256, hex, 64, err));
	}
	return DLG_OK;
}

/*
 * The first option whose value in `given` (a manifest's options) is not ctx's, into
 * out->other_option: the table's name for it, or the manifest's key for one the table does
 * not know; "" when every one is the same.
 */
static dlg_status other_option(dlg_manifest_read *out, const dlg_ctx *ctx, const cJSON *given,
			       dlg_error *err)
{
	cJSON *mine = options_json(ctx);
	if (!mine)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory (manifest)");
	const char *other = cJSON_IsObject(given) ? NULL : "options";
	for (size_t i = 0; !other && i < dlg_option_count(); i++) {
		const char *key = dlg_option_get(i)->key;
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(mine, key);
		const cJSON *b = cJSON_GetObjectItemCaseSensitive(given, key);
		if ((a || b) && !(a && b && cJSON_Compare(a, b, 1)))
			other = dlg_option_get(i)->name;
	}
	const cJSON *item;
	cJSON_ArrayForEach(item, given)
		if (!other && !cJSON_GetObjectItemCaseSensitive(mine, item->string))
			other = item->string; /* written by a dlgconv that knows more options */
	snprintf(out->other_option, sizeof out->other_option, "%s", other ? other : "");
	cJSON_Delete(mine);
	return DLG_OK;
}

dlg_status dlg_manifest__read(dlg_manifest_read *out, const dlg_ctx *ctx, dlg_error *err)
{
	out->found = false;
	out->other_option[0] = '\0';
	out->not_a_count[0] = '\0';
	out->sha256_hex[0] = '\0';
	out->files.len = 0;
	out->parts_sha256.len = 0;
	out->inputs_digest[0] = '\0';
	memset(&out->counts, 0, sizeof out->counts);
	memset(out->rejected_by_code, 0, sizeof out->rejected_by_code);
	FILE *f = fopen(out->path, "rb");
	if (!f)
		return errno == ENOENT ? DLG_OK : dlg_error__io(err, errno, "open", out->path);
	cJSON *root;
	dlg_status st = parse_file(&root, out->sha256_hex, f, out->path, (size_t)64 << 20,
				   ctx->alloc, err);
	if (st == DLG_OK && !cJSON_IsObject(root))
		st = dlg_error__set(err, DLG_E_IO, 0, "%s is not a manifest dlgconv wrote",
				    out->path);
	if (st == DLG_OK) {
		out->found = true;
		st = other_option(out, ctx, cJSON_GetObjectItemCaseSensitive(root, "options"), err);
	}
	if (st == DLG_OK) {
		const cJSON *digest = cJSON_GetObjectItemCaseSensitive(root, "inputs_digest");
		snprintf(out->inputs_digest, sizeof out->inputs_digest, "%s",
			 cJSON_IsString(digest) ? digest->valuestring : "");
		read_counts(out, cJSON_GetObjectItemCaseSensitive(root, "counts"), ctx);
		st = listed_files(out, cJSON_GetObjectItemCaseSensitive(root, "files"), err);
	}
	if (st == DLG_OK)
		st = read_parts(out, cJSON_GetObjectItemCaseSensitive(root, "parts_sha256"), err);
	cJSON_Delete(root);
	return st;
}
