/*
 * json.c - everything built or parsed as a JSON tree; cJSON is confined to this file.
 * Uses buf.c and error.c.
 */
#define _GNU_SOURCE /* memmem */
#include "internal.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *dlg_json__stage_name(dlg_stage_mode m)
{
	return m == DLG_STAGE_KEEP ? "keep" : m == DLG_STAGE_STRIP ? "strip" : "extract";
}

const char *dlg_json__split_key_name(dlg_split_key k)
{
	return k == DLG_SPLIT_KEY_SOURCE ? "source" : k == DLG_SPLIT_KEY_GROUP ? "group" : "content";
}

const char *dlg_json__format_name(dlg_format f)
{
	static const char *const names[] = { "messages", "sharegpt", "text", "preference",
					     "openai-preference" };
	return (unsigned)f < sizeof names / sizeof names[0] ? names[f] : "?";
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
	cJSON_AddStringToObject(j, "stage", dlg_json__stage_name(o->stage));
	cJSON_AddStringToObject(j, "unicode", o->nfkc ? "nfkc" : "nfc");
	cJSON_AddBoolToObject(j, "ascii_punct", o->ascii_punct);
	cJSON_AddStringToObject(j, "input_encoding", o->input_encoding ? o->input_encoding : "UTF-8");
	cJSON_AddBoolToObject(j, "fix_mojibake", o->fix_mojibake);
	cJSON_AddBoolToObject(j, "keep_unicode_spaces", o->keep_unicode_spaces);
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
	cJSON_AddStringToObject(j, "split_key", dlg_json__split_key_name(o->split_key));
	if (o->group_regex)
		cJSON_AddStringToObject(j, "group_regex", o->group_regex);
	else
		cJSON_AddNullToObject(j, "group_regex");
	cJSON_AddBoolToObject(j, "dedup", !o->no_dedup);
	static const char *const near_dup[] = { "off", "group", "drop" };
	cJSON_AddStringToObject(j, "near_dup", near_dup[o->near_dup]);
	cJSON_AddNumberToObject(j, "near_dup_threshold", o->near_dup_threshold);
	cJSON_AddStringToObject(j, "format", dlg_json__format_name(o->format));
	cJSON_AddStringToObject(j, "compress", o->compress == DLG_COMPRESS_NONE ? "none" : "gzip");
	cJSON_AddBoolToObject(j, "bare", o->bare);
	const char *fields[3] = { o->text_field, o->response_field, o->rejected_field };
	const char *names[3] = { "text_field", "response_field", "rejected_field" };
	for (int i = 0; i < 3; i++)
		if (fields[i])
			cJSON_AddStringToObject(j, names[i], fields[i]);
		else
			cJSON_AddNullToObject(j, names[i]);
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
	cJSON_AddNumberToObject(j, "near_duplicates", (double)s->near_duplicates);
	cJSON_AddNumberToObject(j, "near_dup_clusters", (double)s->near_dup_clusters);
	cJSON_AddNumberToObject(j, "errors", (double)s->errors);
	cJSON_AddNumberToObject(j, "warnings", (double)s->warnings);
	cJSON *per_split = cJSON_AddObjectToObject(j, "written_per_split");
	for (size_t i = 0; per_split && i < m->ctx->n_splits; i++)
		cJSON_AddNumberToObject(per_split, m->ctx->splits[i].name,
					(double)s->split_written[i]);
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
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory (manifest)");
	dlg_status st = dlg_buf__append(out, text, strlen(text), err);
	if (st == DLG_OK)
		st = dlg_buf__putc(out, '\n', err);
	cJSON_free(text);
	return st;
}

/* A dotted path such as "choices.0.turns.0": object keys, and indices into arrays. */
static const cJSON *at_path(const cJSON *node, const char *path)
{
	while (node && *path) {
		const char *dot = strchr(path, '.');
		size_t len = dot ? (size_t)(dot - path) : strlen(path);
		char key[256];
		if (len >= sizeof key)
			return NULL;
		memcpy(key, path, len);
		key[len] = '\0';
		if (cJSON_IsArray(node)) {
			char *end;
			unsigned long idx = strtoul(key, &end, 10);
			node = (*end || !len) ? NULL : cJSON_GetArrayItem(node, (int)idx);
		} else {
			node = cJSON_GetObjectItemCaseSensitive(node, key);
		}
		path += len + (dot != NULL);
	}
	return node;
}

/* The role a message's "role" (messages) or "from" (ShareGPT) names. */
static bool message_role(dlg_role *out, const dlg_ctx *ctx, const char *name)
{
	static const struct {
		const char *name;
		dlg_role role;
	} names[] = {
		{ "user", DLG_ROLE_USER }, { "human", DLG_ROLE_USER },
		{ "assistant", DLG_ROLE_ASSISTANT }, { "gpt", DLG_ROLE_ASSISTANT },
		{ "bot", DLG_ROLE_ASSISTANT }, { "model", DLG_ROLE_ASSISTANT },
		{ "system", DLG_ROLE_SYSTEM },
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcasecmp(name, names[i].name) == 0) {
			*out = names[i].role;
			return true;
		}
	const dlg_label *l = dlg_transcript__find_label(ctx, name, strlen(name));
	if (l)
		*out = l->role;
	return l != NULL;
}

/* Byte offset of code point `chars` in p[0, n) (its end when there are fewer). */
static size_t byte_offset(const char *p, size_t n, double chars)
{
	size_t i = 0;
	for (double seen = 0; i < n; i++) {
		if (((uint8_t)p[i] & 0xC0) == 0x80)
			continue;
		if (seen++ >= chars)
			break;
	}
	return i;
}

/*
 * A message's stage directions (a dlgconv dataset's: {"text","offset"}, or older plain
 * strings, which stood first) go back where they stood in its content, appended to
 * u->decoded, where they are extracted again as they were.
 */
static dlg_status content_with_stage(dlg_unit *u, const char *content, const cJSON *stages,
				     uint32_t turn_no, dlg_error *err)
{
	size_t len = strlen(content);
	u->stage_refs.len = 0;
	const cJSON *s;
	size_t last = 0;
	cJSON_ArrayForEach(s, stages) {
		const cJSON *text = cJSON_IsString(s) ? s : cJSON_GetObjectItemCaseSensitive(s, "text");
		const cJSON *offset = cJSON_GetObjectItemCaseSensitive(s, "offset");
		double chars = cJSON_IsString(s) ? 0 : cJSON_IsNumber(offset) ? offset->valuedouble : -1;
		if (!cJSON_IsString(text) || !(chars >= 0)) {
			u->stage_refs.len = 0;
			return dlg_unit__diag(u, err, DLG_DIAG_INVALID_JSON, u->record_line, 1, turn_no,
					      "a stage direction needs a string \"text\" and a "
					      "number \"offset\" (code points into the content)");
		}
		dlg_stage_ref ref = { text->valuestring, strlen(text->valuestring),
				      byte_offset(content, len, chars) };
		if (ref.at < last)
			ref.at = last; /* places go in order */
		last = ref.at;
		DLG_TRY(dlg_buf__append(&u->stage_refs, &ref, sizeof ref, err));
	}
	return dlg_stage__render(&u->decoded, content, len,
				 (const dlg_stage_ref *)(void *)u->stage_refs.data,
				 DLG_BUF_COUNT(&u->stage_refs, dlg_stage_ref), err);
}

/* Already structured turns: copied into u->decoded (sized first: the lines point into it),
 * then normalized and validated like any other. */
static dlg_status structured(dlg_unit *u, const cJSON *array, const char *role_key,
			     const char *text_key, dlg_error *err)
{
	size_t total = 0;
	const cJSON *m, *stage;
	cJSON_ArrayForEach(m, array) {
		const cJSON *text = cJSON_GetObjectItemCaseSensitive(m, text_key);
		if (cJSON_IsString(text))
			total += strlen(text->valuestring);
		/* rendered as " *text*\n" at most */
		cJSON_ArrayForEach(stage, cJSON_GetObjectItemCaseSensitive(m, "stage_directions")) {
			const cJSON *t = cJSON_IsString(stage) ? stage :
					 cJSON_GetObjectItemCaseSensitive(stage, "text");
			if (cJSON_IsString(t))
				total += strlen(t->valuestring) + 4;
		}
	}
	u->decoded.len = 0;
	DLG_TRY(dlg_buf__reserve(&u->decoded, total + 1, err));
	uint32_t turn_no = 0;
	cJSON_ArrayForEach(m, array) {
		turn_no++;
		const cJSON *role = cJSON_GetObjectItemCaseSensitive(m, role_key);
		const cJSON *text = cJSON_GetObjectItemCaseSensitive(m, text_key);
		dlg_role r;
		if (!cJSON_IsString(role) || !cJSON_IsString(text)) {
			DLG_TRY(dlg_unit__diag(u, err, DLG_DIAG_INVALID_JSON, u->record_line, 1,
					       turn_no, "message needs string \"%s\" and \"%s\" "
					       "fields", role_key, text_key));
			continue;
		}
		if (!message_role(&r, u->ctx, role->valuestring)) {
			DLG_TRY(dlg_unit__diag(u, err, DLG_DIAG_UNKNOWN_ROLE, u->record_line, 1,
					       turn_no, "unknown role '%.64s'; map it with --role "
					       "%.64s=user or --role %.64s=assistant", role->valuestring,
					       role->valuestring, role->valuestring));
			continue;
		}
		size_t at = u->decoded.len;
		DLG_TRY(content_with_stage(u, text->valuestring,
					   cJSON_GetObjectItemCaseSensitive(m, "stage_directions"),
					   turn_no, err));
		DLG_ASSERT(u->decoded.len <= total); /* the lines point into it: it never moved */
		DLG_TRY(dlg_transcript__add_turn(u, r, u->decoded.data + at, u->decoded.len - at,
						 text_key, err));
	}
	return DLG_OK;
}

static bool blank_turn(const dlg_unit *u, const dlg_turn *t)
{
	for (size_t k = 0; k < t->n_lines; k++) {
		const dlg_line *ln = &DLG_BUF_AT(&u->lines, dlg_line, t->first_line + k);
		for (size_t i = 0; i < ln->len; i++)
			if (ln->p[i] != ' ' && ln->p[i] != '\t')
				return false;
	}
	return true;
}

/*
 * A transcript string, and a reply that becomes its last assistant turn, filling the empty
 * `### Assistant:` slot a prompt ends with. The reply is one turn as it stands: markers in
 * it (a model inventing the next exchange) are flagged (W303), not split.
 */
static dlg_status transcript_and_reply(dlg_unit *u, const cJSON *text, const cJSON *reply,
				       dlg_error *err)
{
	size_t reply_len = reply ? strlen(reply->valuestring) : 0;
	if (text)
		DLG_TRY(dlg_transcript__parse_embedded(u, text->valuestring,
						       strlen(text->valuestring), text->string,
						       reply_len + 1, err));
	else
		DLG_TRY(dlg_buf__reserve(&u->decoded, reply_len + 1, err));
	if (!reply || u->rejected)
		return DLG_OK;
	size_t n = DLG_BUF_COUNT(&u->turns, dlg_turn);
	dlg_turn *last = n ? &DLG_BUF_AT(&u->turns, dlg_turn, n - 1) : NULL;
	if (last && last->role == DLG_ROLE_ASSISTANT && blank_turn(u, last))
		u->turns.len -= sizeof(dlg_turn);
	char *at = u->decoded.data + u->decoded.len;
	memcpy(at, reply->valuestring, reply_len);
	u->decoded.len += reply_len;
	return dlg_transcript__add_turn(u, DLG_ROLE_ASSISTANT, at, reply_len, reply->string, err);
}

/* A finding about the record's raw bytes, at its exact column in the line. */
static dlg_status raw_diag(dlg_unit *u, dlg_diag_code code, size_t off, const char *msg,
			   dlg_error *err)
{
	u->exact_location = true;
	dlg_status st = dlg_unit__diag(u, err, code, u->record_line, (uint32_t)off + 1, 0, "%s",
				       msg);
	u->exact_location = false;
	return st;
}

/* Where a `\u0000` escape is (its backslash not itself escaped), or SIZE_MAX. */
static size_t escaped_nul(const char *p, size_t n)
{
	for (const char *at = memmem(p, n, "\\u0000", 6); at;
	     at = memmem(at + 1, n - (size_t)(at + 1 - p), "\\u0000", 6)) {
		size_t backslashes = 0;
		while (at - backslashes > p && at[-1 - (ptrdiff_t)backslashes] == '\\')
			backslashes++;
		if (backslashes % 2 == 0)
			return (size_t)(at - p);
	}
	return SIZE_MAX;
}

/* The first repeated key met in a record, and how often it stood in its object. */
typedef struct dup_keys {
	const char *first; /* borrowed from the tree: the key that was kept */
	size_t times;
	dlg_status status;
} dup_keys;

typedef struct keyed {
	cJSON *item;
	size_t index; /* place in the object */
} keyed;

static int by_key_then_place(const void *a, const void *b)
{
	const keyed *x = a, *y = b;
	int c = strcmp(x->item->string, y->item->string);
	return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* Keys are sorted to find repeats, so a record with 100000 keys costs n log n, not n^2; an
 * object with at most this many needs no allocation. */
#define FEW_KEYS 16

/*
 * Python's json keeps the last of repeated keys and cJSON the first: the earlier ones are
 * dropped here, so a record means to dlgconv what it means to the Python tools that read it.
 */
static void drop_earlier_keys(dup_keys *d, cJSON *object, const dlg_allocator *alloc)
{
	size_t n = 0;
	for (const cJSON *c = object->child; c; c = c->next)
		n++;
	if (n < 2)
		return;
	keyed few[FEW_KEYS], *k = few;
	if (n > FEW_KEYS && !(k = dlg_mem__alloc(alloc, n * sizeof *k))) {
		d->status = DLG_E_NOMEM;
		return;
	}
	size_t i = 0;
	for (cJSON *c = object->child; c; c = c->next, i++)
		k[i] = (keyed){ c, i };
	qsort(k, n, sizeof *k, by_key_then_place);
	/* in each run of one key all but the last go; the run whose second place comes first
	 * holds the first repeat a reader meets */
	bool seen_before = d->first != NULL;
	size_t first_at = SIZE_MAX;
	for (size_t run = 0, end; run < n; run = end) {
		end = run + 1;
		while (end < n && strcmp(k[end].item->string, k[run].item->string) == 0)
			end++;
		if (end - run < 2)
			continue;
		if (!seen_before && k[run + 1].index < first_at) {
			first_at = k[run + 1].index;
			d->times = end - run;
			d->first = k[end - 1].item->string;
		}
		for (size_t j = run; j < end - 1; j++)
			cJSON_Delete(cJSON_DetachItemViaPointer(object, k[j].item));
	}
	if (k != few)
		dlg_mem__free(alloc, k);
}

static void drop_repeated_keys(dup_keys *d, cJSON *node, const dlg_allocator *alloc)
{
	if (cJSON_IsObject(node))
		drop_earlier_keys(d, node, alloc);
	for (cJSON *c = node->child; c && d->status == DLG_OK; c = c->next)
		if (cJSON_IsObject(c) || cJSON_IsArray(c))
			drop_repeated_keys(d, c, alloc);
}

dlg_status dlg_json__record(dlg_unit *u, const char *p, size_t n, dlg_error *err)
{
	size_t bad;
	int code = dlg_normalize__check_bytes(&bad, p, n);
	if (code == DLG_DIAG_INVALID_UTF8) {
		char hint[128], msg[192];
		dlg_encoding__hint(hint, sizeof hint, p, n, u->ctx->opts->input_encoding);
		snprintf(msg, sizeof msg, "invalid UTF-8 byte 0x%02X in the record; %s",
			 (unsigned)(uint8_t)p[bad], hint);
		return raw_diag(u, DLG_DIAG_INVALID_UTF8, bad, msg, err);
	}
	if (code)
		return raw_diag(u, DLG_DIAG_BINARY, bad,
				"NUL byte in the record: binary data, not JSON", err);
	/* C strings end at a NUL: the text after a \u0000 would silently go */
	if ((bad = escaped_nul(p, n)) != SIZE_MAX)
		return raw_diag(u, DLG_DIAG_BINARY, bad, "NUL character (\\u0000) in a JSON "
				"string: remove it, or the text after it would be lost", err);
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(p, n, &end, 0);
	size_t rest = end ? (size_t)(end - p) : 0;
	while (root && rest < n && strchr(" \t\r\n", p[rest]))
		rest++;
	if (!root || rest < n) {
		cJSON_Delete(root);
		return raw_diag(u, DLG_DIAG_INVALID_JSON, rest, root ?
				"text after the JSON object; each line must be one object" :
				"not valid JSON here; each line must be one JSON object", err);
	}
	dlg_status st = DLG_OK;
	dup_keys dup = { NULL, 0, DLG_OK };
	if (cJSON_IsObject(root))
		drop_repeated_keys(&dup, root, u->ctx->alloc);
	if (dup.status != DLG_OK) {
		cJSON_Delete(root);
		return dlg_error__set(err, dup.status, 0, "out of memory (JSON keys)");
	}
	/* a pair's two sides read one record: its chosen side reports it */
	if (dup.first && !u->rejected_side) {
		char key[80], times[32] = "twice";
		dlg_error__quote(key, sizeof key, dup.first, strlen(dup.first));
		if (dup.times > 2)
			snprintf(times, sizeof times, "%zu times", dup.times);
		st = dlg_unit__diag(u, err, DLG_DIAG_DUPLICATE_JSON_KEY, u->record_line, 1, 0,
				    "key \"%s\" appears %s; the last one is used, as in Python's "
				    "json", key, times);
		if (st != DLG_OK) {
			cJSON_Delete(root);
			return st;
		}
	}
	const dlg_options *o = u->ctx->opts;
	const char *field = u->rejected_side ? o->rejected_field : o->text_field;
	const cJSON *messages = cJSON_GetObjectItemCaseSensitive(root, "messages");
	const cJSON *sharegpt = cJSON_GetObjectItemCaseSensitive(root, "conversations");
	const cJSON *text = at_path(root, field ? field : "text");
	const cJSON *reply = o->response_field ? at_path(root, o->response_field) : NULL;
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(root, "id");
	if (cJSON_IsString(id) && strlen(id->valuestring) == 32)
		memcpy(u->claimed_id, id->valuestring, 33);
	if (!cJSON_IsObject(root))
		st = raw_diag(u, DLG_DIAG_INVALID_JSON, 0, "record is not a JSON object", err);
	else if (!field && !reply && cJSON_IsArray(messages))
		st = structured(u, messages, "role", "content", err);
	else if (!field && !reply && cJSON_IsArray(sharegpt))
		st = structured(u, sharegpt, "from", "value", err);
	else if (o->response_field && !cJSON_IsString(reply))
		st = dlg_unit__diag(u, err, DLG_DIAG_NO_TURNS, u->record_line, 1, 0,
				    "no string at \"%s\" (--response-field)", o->response_field);
	else if (cJSON_IsString(text) || reply)
		st = transcript_and_reply(u, cJSON_IsString(text) ? text : NULL, reply, err);
	else
		st = dlg_unit__diag(u, err, DLG_DIAG_NO_TURNS, u->record_line, 1, 0,
				    "no \"messages\" array and no string at \"%s\"; name the "
				    "transcript's field with --text-field", field ? field : "text");
	cJSON_Delete(root);
	return st;
}

dlg_status dlg_json__document_lines(dlg_diag_code *bad_code, size_t *bad_off, dlg_buf *out,
				    const char *p, size_t n, dlg_error *err)
{
	out->len = 0;
	*bad_code = 0;
	/* the records are printed again from the tree, where a NUL would end its string */
	if ((*bad_off = escaped_nul(p, n)) != SIZE_MAX) {
		*bad_code = DLG_DIAG_BINARY;
		return DLG_OK;
	}
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(p, n, &end, 0);
	if (!root) {
		*bad_code = DLG_DIAG_INVALID_JSON;
		*bad_off = end ? (size_t)(end - p) : 0;
		return DLG_OK;
	}
	dlg_status st = DLG_OK;
	bool array = cJSON_IsArray(root);
	for (const cJSON *item = array ? root->child : root; item && st == DLG_OK;
	     item = array ? item->next : NULL) {
		char *line = cJSON_PrintUnformatted(item);
		if (!line) {
			st = dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory (JSON)");
			break;
		}
		st = dlg_buf__append(out, line, strlen(line), err);
		if (st == DLG_OK)
			st = dlg_buf__putc(out, '\n', err);
		cJSON_free(line);
	}
	cJSON_Delete(root);
	return st;
}

dlg_status dlg_json__manifest_files(dlg_buf *out, const char *dir, dlg_error *err)
{
	out->len = 0;
	char path[4096];
	if ((size_t)snprintf(path, sizeof path, "%s/manifest.json", dir) >= sizeof path)
		return DLG_OK;
	FILE *f = fopen(path, "rb");
	if (!f)
		return DLG_OK; /* no earlier dataset here */
	dlg_buf text;
	dlg_buf__init(&text, out->alloc, (size_t)16 << 20); /* manifests are small */
	dlg_status st = DLG_OK;
	char chunk[8192];
	size_t n;
	while (st == DLG_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
		st = dlg_buf__append(&text, chunk, n, err);
	fclose(f);
	cJSON *root = st == DLG_OK ? cJSON_ParseWithLength(text.data, text.len) : NULL;
	dlg_buf__dispose(&text);
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
