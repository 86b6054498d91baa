/*
 * json.c - everything built or parsed as a JSON tree; cJSON is confined to this file.
 * Uses buf.c and error.c.
 */
#define _GNU_SOURCE /* memmem */
#include "internal.h"
#include "options.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
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
		dlg_options__manifest_value(&v, ctx, i);
		if (v.form != DLG_FORM_SKIP)
			cJSON_AddItemToObject(j, v.key, option_json(&v, ctx));
	}
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
		if (m->inputs_digest)
			cJSON_AddStringToObject(root, "inputs_digest", m->inputs_digest);
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

/*
 * The role a message names: the chat roles, ShareGPT's (with FastChat's other assistant
 * spellings, chatgpt, bing and bard), or a --role label.
 */
static bool message_role(dlg_role *out, const dlg_ctx *ctx, const char *name)
{
	static const struct {
		const char *name;
		dlg_role role;
	} names[] = {
		{ "user", DLG_ROLE_USER }, { "human", DLG_ROLE_USER },
		{ "assistant", DLG_ROLE_ASSISTANT }, { "gpt", DLG_ROLE_ASSISTANT },
		{ "bot", DLG_ROLE_ASSISTANT }, { "model", DLG_ROLE_ASSISTANT },
		{ "chatgpt", DLG_ROLE_ASSISTANT }, { "bing", DLG_ROLE_ASSISTANT },
		{ "bard", DLG_ROLE_ASSISTANT }, { "system", DLG_ROLE_SYSTEM },
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
 * u->decoded, where they are extracted again as they were. *ok is false (and nothing is
 * appended) when one of them is neither.
 */
static dlg_status content_with_stage(bool *ok, dlg_unit *u, const char *content, size_t len,
				     const cJSON *stages, dlg_error *err)
{
	u->stage_refs.len = 0;
	const cJSON *s;
	size_t last = 0;
	*ok = false;
	cJSON_ArrayForEach(s, stages) {
		const cJSON *text = cJSON_IsString(s) ? s : cJSON_GetObjectItemCaseSensitive(s, "text");
		const cJSON *offset = cJSON_GetObjectItemCaseSensitive(s, "offset");
		double chars = cJSON_IsString(s) ? 0 : cJSON_IsNumber(offset) ? offset->valuedouble : -1;
		if (!cJSON_IsString(text) || !(chars >= 0))
			return DLG_OK;
		dlg_stage_ref ref = { text->valuestring, strlen(text->valuestring),
				      byte_offset(content, len, chars) };
		if (ref.at < last)
			ref.at = last; /* places go in order */
		last = ref.at;
		DLG_TRY(dlg_buf__append(&u->stage_refs, &ref, sizeof ref, err));
	}
	*ok = true;
	return dlg_stage__render(&u->decoded, content, len,
				 (const dlg_stage_ref *)(void *)u->stage_refs.data,
				 DLG_BUF_COUNT(&u->stage_refs, dlg_stage_ref), err);
}

/* The spellings a message's role and content are found under, without --role-key and
 * --content-key: the first one a message has is used (README "JSON records"). */
static const char *const role_keys[] = { "role", "from", "speaker" };
static const char *const content_keys[] = { "content", "value", "text" };
#define N_SPELLINGS 3

/* The member `key` of message m, or without a key the first of `spellings` m has. */
static const cJSON *message_member(const cJSON *m, const char *key,
				   const char *const spellings[N_SPELLINGS])
{
	if (key)
		return cJSON_GetObjectItemCaseSensitive(m, key);
	const cJSON *found = NULL;
	for (int i = 0; i < N_SPELLINGS && !found; i++)
		found = cJSON_GetObjectItemCaseSensitive(m, spellings[i]);
	return found;
}

/* OpenAI's content parts whose "text" is the text (the second two are its Responses API's). */
static bool text_part(const char *type)
{
	return strcmp(type, "text") == 0 || strcmp(type, "input_text") == 0 ||
	       strcmp(type, "output_text") == 0;
}

typedef enum content_kind { CONTENT_TEXT, CONTENT_MALFORMED, CONTENT_NOT_TEXT } content_kind;

/* Text parts are joined with a line break: each is a block of its own (README "JSON records"). */
#define PART_SEPARATOR "\n"

/*
 * A message's content: a string (*text_out points into the tree), or a content-parts array
 * whose text parts are joined with PART_SEPARATOR (into `out`, when non-NULL, which
 * *text_out then points into). Its length goes to *len_out. For a part that is not text,
 * *bad_part is its "type".
 */
static content_kind message_text(const char **text_out, size_t *len_out, const char **bad_part,
				 dlg_buf *out, const cJSON *content, dlg_status *st,
				 dlg_error *err)
{
	*text_out = "";
	*len_out = 0;
	if (cJSON_IsString(content)) {
		*text_out = content->valuestring;
		*len_out = strlen(content->valuestring);
		return CONTENT_TEXT;
	}
	if (!cJSON_IsArray(content))
		return CONTENT_MALFORMED;
	if (out)
		out->len = 0;
	const cJSON *part;
	size_t parts = 0;
	cJSON_ArrayForEach(part, content) {
		const cJSON *type = cJSON_GetObjectItemCaseSensitive(part, "type");
		const cJSON *text = cJSON_GetObjectItemCaseSensitive(part, "text");
		if (!cJSON_IsString(type))
			return CONTENT_MALFORMED;
		if (!text_part(type->valuestring)) {
			*bad_part = type->valuestring;
			return CONTENT_NOT_TEXT;
		}
		if (!cJSON_IsString(text))
			return CONTENT_MALFORMED;
		size_t sep = parts++ ? sizeof PART_SEPARATOR - 1 : 0, n = strlen(text->valuestring);
		if (out && *st == DLG_OK && sep)
			*st = dlg_buf__append(out, PART_SEPARATOR, sep, err);
		if (out && *st == DLG_OK)
			*st = dlg_buf__append(out, text->valuestring, n, err);
		*len_out += sep + n;
	}
	if (out && out->len)
		*text_out = out->data;
	return CONTENT_TEXT;
}

/* One kind of message a conversation could not take, reported once with its count. */
typedef struct message_problem {
	dlg_diag_code code;
	uint32_t first_turn; /* 0: none found */
	size_t count;
	char msg[200];       /* about the first one */
} message_problem;

static void note_problem(message_problem *p, uint32_t turn_no, const char *fmt, ...)
	DLG_PRINTF(3, 4);

static void note_problem(message_problem *p, uint32_t turn_no, const char *fmt, ...)
{
	if (p->count++)
		return;
	p->first_turn = turn_no;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->msg, sizeof p->msg, fmt, ap);
	va_end(ap);
	dlg_error__utf8_cut(p->msg);
}

/* "\"role\", \"from\" or \"speaker\"", or the one key given. */
static void key_names(char *out, size_t cap, const char *key,
		      const char *const spellings[N_SPELLINGS])
{
	if (key)
		snprintf(out, cap, "\"%.64s\"", key);
	else
		snprintf(out, cap, "\"%s\", \"%s\" or \"%s\"", spellings[0], spellings[1],
			 spellings[2]);
}

/*
 * Already structured turns: copied into u->decoded (sized first: the lines point into it),
 * then normalized and validated like any other. A message that cannot be read makes one
 * finding for its kind of problem, however many messages have it, and leaves the rest of
 * the conversation unjudged (u->incomplete): the turn rules would judge a conversation
 * that is not the one written (a false E202 for a skipped first message).
 */
static dlg_status structured(dlg_unit *u, const cJSON *array, dlg_error *err)
{
	const dlg_options *o = u->ctx->opts;
	size_t total = 0, len;
	const char *text, *bad_part = NULL;
	dlg_status st = DLG_OK;
	const cJSON *m, *stage;
	cJSON_ArrayForEach(m, array) {
		const cJSON *content = message_member(m, o->content_key, content_keys);
		if (message_text(&text, &len, &bad_part, NULL, content, &st, err) == CONTENT_TEXT)
			total += len;
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
	message_problem problems[] = { { DLG_DIAG_INVALID_JSON, 0, 0, "" },
				       { DLG_DIAG_UNKNOWN_ROLE, 0, 0, "" },
				       { DLG_DIAG_NON_TEXT_CONTENT, 0, 0, "" } };
	message_problem *shape = &problems[0], *unknown = &problems[1], *non_text = &problems[2];
	char keys[80];
	uint32_t turn_no = 0;
	cJSON_ArrayForEach(m, array) {
		turn_no++;
		const cJSON *role = message_member(m, o->role_key, role_keys);
		const cJSON *content = message_member(m, o->content_key, content_keys);
		dlg_role r;
		if (!cJSON_IsString(role)) {
			key_names(keys, sizeof keys, o->role_key, role_keys);
			note_problem(shape, turn_no, "message has no role: no string at %s%s", keys,
				     o->role_key ? "" : "; name its key with --role-key");
			continue;
		}
		if (!message_role(&r, u->ctx, role->valuestring)) {
			note_problem(unknown, turn_no, "unknown role '%.64s'; map it with --role "
				     "%.64s=user or --role %.64s=assistant", role->valuestring,
				     role->valuestring, role->valuestring);
			continue;
		}
		content_kind kind = message_text(&text, &len, &bad_part, &u->scratch, content, &st,
						 err);
		DLG_TRY(st);
		if (kind == CONTENT_NOT_TEXT) {
			note_problem(non_text, turn_no, "message content holds a part of type "
				     "\"%.40s\", which a text dataset cannot hold; remove the part "
				     "or the record", bad_part);
			continue;
		}
		if (kind == CONTENT_MALFORMED) {
			key_names(keys, sizeof keys, o->content_key, content_keys);
			note_problem(shape, turn_no, "message has no text: no string or content "
				     "parts at %s%s", keys,
				     o->content_key ? "" : "; name its key with --content-key");
			continue;
		}
		size_t at = u->decoded.len;
		bool ok;
		DLG_TRY(content_with_stage(&ok, u, text, len,
					   cJSON_GetObjectItemCaseSensitive(m, "stage_directions"),
					   err));
		if (!ok) {
			note_problem(shape, turn_no, "a stage direction needs a string \"text\" and a "
				     "number \"offset\" (code points into the content)");
			continue;
		}
		DLG_ASSERT(u->decoded.len <= total); /* the lines point into it: it never moved */
		DLG_TRY(dlg_transcript__add_turn(u, r, u->decoded.data + at, u->decoded.len - at,
						 content->string, err));
	}
	/* each kind once, in the order a reader meets them */
	for (message_problem *next = NULL;; next = NULL) {
		for (size_t i = 0; i < sizeof problems / sizeof problems[0]; i++)
			if (problems[i].count && (!next || problems[i].first_turn < next->first_turn))
				next = &problems[i];
		if (!next)
			return DLG_OK;
		u->incomplete = true;
		if (next->count == 1)
			DLG_TRY(dlg_unit__diag(u, err, next->code, u->record_line, 1,
					       next->first_turn, "%s", next->msg));
		else
			DLG_TRY(dlg_unit__diag(u, err, next->code, u->record_line, 1,
					       next->first_turn, "%s (in %zu messages)", next->msg,
					       next->count));
		next->count = 0;
	}
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

/*
 * Strict JSON (RFC 8259): what Python's json and pyarrow read. cJSON also takes text they
 * refuse (`+1`, `.5`, `01`, raw control characters in strings), so an input's own text is
 * copied into an output only when this scan says it is strict; otherwise cJSON prints the
 * value again. The same scan gives a value's type, for the dataset card.
 */
typedef struct scan {
	const char *p;
	size_t n, i;
	dlg_buf *min;      /* when non-NULL: the value copied without white space between tokens */
	dlg_status status; /* DLG_E_NOMEM when copying or a type tree ran out of memory */
	dlg_error *err;
} scan;

/* cJSON refuses deeper nesting (CJSON_NESTING_LIMIT), so a value it read is within this */
#define SCAN_DEPTH 1000

static bool json_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t skip_space(const char *p, size_t n, size_t i)
{
	while (i < n && json_space(p[i]))
		i++;
	return i;
}

/*
 * Where cJSON's reading goes on after white space: it takes every byte up to 32 for white
 * space (and a UTF-8 byte-order mark at the very start), so positions in a text it has read
 * are found by its rule, not JSON's.
 */
static size_t skip_cjson_space(const char *p, size_t n, size_t i)
{
	if (i == 0 && n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < n && (uint8_t)p[i] <= ' ')
		i++;
	return i;
}

/* Copy p[from, s->i) when copying. */
static void copy_token(scan *s, size_t from)
{
	if (s->min && s->status == DLG_OK)
		s->status = dlg_buf__append(s->min, s->p + from, s->i - from, s->err);
}

static bool scan_string(scan *s)
{
	size_t from = s->i++;
	while (s->i < s->n) {
		uint8_t c = (uint8_t)s->p[s->i];
		if (c == '"') {
			s->i++;
			copy_token(s, from);
			return true;
		}
		if (c < 0x20)
			return false;
		if (c != '\\') {
			s->i++;
			continue;
		}
		char e = s->i + 1 < s->n ? s->p[s->i + 1] : '\0';
		if (e == 'u') {
			for (size_t k = 2; k < 6; k++)
				if (s->i + k >= s->n || !strchr("0123456789abcdefABCDEF", s->p[s->i + k]) ||
				    !s->p[s->i + k])
					return false;
			s->i += 6;
		} else if (e && strchr("\"\\/bfnrt", e)) {
			s->i += 2;
		} else {
			return false;
		}
	}
	return false;
}

static bool digit_at(const scan *s)
{
	return s->i < s->n && s->p[s->i] >= '0' && s->p[s->i] <= '9';
}

/* *fraction: it has a fraction or an exponent, which pyarrow reads as a double. */
static bool scan_number(scan *s, bool *fraction)
{
	size_t from = s->i;
	*fraction = false;
	if (s->p[s->i] == '-')
		s->i++;
	if (!digit_at(s))
		return false;
	if (s->p[s->i++] != '0')
		while (digit_at(s))
			s->i++;
	if (s->i < s->n && s->p[s->i] == '.') {
		*fraction = true;
		s->i++;
		if (!digit_at(s))
			return false;
		while (digit_at(s))
			s->i++;
	}
	if (s->i < s->n && (s->p[s->i] == 'e' || s->p[s->i] == 'E')) {
		*fraction = true;
		s->i++;
		if (s->i < s->n && (s->p[s->i] == '+' || s->p[s->i] == '-'))
			s->i++;
		if (!digit_at(s))
			return false;
		while (digit_at(s))
			s->i++;
	}
	copy_token(s, from);
	return true;
}

/*
 * Type trees, as pyarrow infers them from JSON: "string", "int64", "float64", "bool",
 * "null"; {"list": T}; {"struct": {"key": T, ...}} (keys in the order first met).
 */
static cJSON *scalar_type(scan *s, const char *name)
{
	cJSON *t = cJSON_CreateString(name);
	if (!t)
		s->status = DLG_E_NOMEM;
	return t;
}

static bool is_type(const cJSON *t, const char *name)
{
	return !t || (cJSON_IsString(t) && strcmp(t->valuestring, name) == 0);
}

/* Member `name` of `object` becomes `item` (replacing one of that name); false when out of
 * memory, and then the caller still owns `item`. */
static bool set_member(cJSON *object, const char *name, cJSON *item)
{
	if (cJSON_GetObjectItemCaseSensitive(object, name))
		return cJSON_ReplaceItemInObjectCaseSensitive(object, name, item);
	return cJSON_AddItemToObject(object, name, item);
}

/* A copy of what a and b (NULL: "null") both fit in; NULL with *conflict when there is none
 * (a string and an object), NULL alone when out of memory. */
static cJSON *join_types(const cJSON *a, const cJSON *b, bool *conflict)
{
	if ((a && is_type(a, "mixed")) || (b && is_type(b, "mixed"))) {
		*conflict = true;
		return NULL;
	}
	if (is_type(a, "null") || is_type(b, "null"))
		return cJSON_Duplicate(is_type(a, "null") ? b : a, true);
	if (cJSON_IsString(a) && cJSON_IsString(b)) {
		if (strcmp(a->valuestring, b->valuestring) == 0)
			return cJSON_Duplicate(a, true);
		if ((is_type(a, "int64") && is_type(b, "float64")) ||
		    (is_type(a, "float64") && is_type(b, "int64")))
			return cJSON_CreateString("float64");
		*conflict = true;
		return NULL;
	}
	const cJSON *la = cJSON_GetObjectItemCaseSensitive(a, "list");
	const cJSON *lb = cJSON_GetObjectItemCaseSensitive(b, "list");
	const cJSON *sa = cJSON_GetObjectItemCaseSensitive(a, "struct");
	const cJSON *sb = cJSON_GetObjectItemCaseSensitive(b, "struct");
	if (la && lb) {
		cJSON *inner = join_types(la, lb, conflict), *list = cJSON_CreateObject();
		if (!inner || !list || !cJSON_AddItemToObject(list, "list", inner)) {
			cJSON_Delete(inner);
			cJSON_Delete(list);
			return NULL;
		}
		return list;
	}
	if (!sa || !sb) {
		*conflict = true;
		return NULL;
	}
	cJSON *joined = cJSON_Duplicate(a, true);
	cJSON *fields = cJSON_GetObjectItemCaseSensitive(joined, "struct");
	for (const cJSON *f = sb->child; joined && f; f = f->next) {
		cJSON *mine = cJSON_GetObjectItemCaseSensitive(fields, f->string);
		cJSON *j = mine ? join_types(mine, f, conflict) : cJSON_Duplicate(f, true);
		if (!j || !set_member(fields, f->string, j)) {
			cJSON_Delete(j);
			cJSON_Delete(joined);
			joined = NULL;
		}
	}
	return joined;
}

static bool scan_value(scan *s, int depth, cJSON **type);

/* The token `c` after any white space, copied when copying. */
static bool expect(scan *s, char c)
{
	s->i = skip_space(s->p, s->n, s->i);
	if (s->i >= s->n || s->p[s->i] != c)
		return false;
	size_t from = s->i++;
	copy_token(s, from);
	return true;
}

/*
 * Join the type of a member `name` (or of an item, when name is NULL) into the container's
 * *inner. Types that do not join (a list of strings and numbers, which no column holds)
 * make "mixed", which joins with nothing.
 */
static bool join_into(scan *s, cJSON **inner, const char *name, const cJSON *sub)
{
	cJSON *mine = name ? cJSON_GetObjectItemCaseSensitive(*inner, name) : *inner;
	bool conflict = false;
	cJSON *joined = join_types(mine, sub, &conflict);
	if (!joined && conflict)
		joined = cJSON_CreateString("mixed");
	if (!joined) {
		s->status = DLG_E_NOMEM;
		return false;
	}
	if (!name) {
		cJSON_Delete(*inner);
		*inner = joined;
	} else if (!set_member(*inner, name, joined)) {
		cJSON_Delete(joined);
		s->status = DLG_E_NOMEM;
		return false;
	}
	return true;
}

/* An object or an array; with `type`, a struct of its members' types, or a list of its
 * items' joined type. */
static bool scan_container(scan *s, int depth, cJSON **type)
{
	bool object = s->p[s->i] == '{';
	char close = object ? '}' : ']';
	size_t from = s->i++;
	copy_token(s, from);
	cJSON *inner = NULL; /* object: its members' types; array: its items' type */
	if (type && object && !(inner = cJSON_CreateObject()))
		s->status = DLG_E_NOMEM;
	bool ok = s->status == DLG_OK;
	s->i = skip_space(s->p, s->n, s->i);
	for (bool first = true; ok && s->i < s->n && s->p[s->i] != close; first = false) {
		cJSON *key = NULL, *sub = NULL;
		ok = first || expect(s, ',');
		if (ok && object) {
			s->i = skip_space(s->p, s->n, s->i);
			from = s->i;
			ok = s->i < s->n && s->p[s->i] == '"' && scan_string(s);
			/* a strict string parses: only memory can fail */
			if (ok && type && !(key = cJSON_ParseWithLength(s->p + from, s->i - from)))
				s->status = DLG_E_NOMEM;
			ok = ok && s->status == DLG_OK && expect(s, ':');
		}
		ok = ok && scan_value(s, depth + 1, type ? &sub : NULL);
		/* a repeated key (Python keeps the last) joins the earlier one's type */
		if (ok && type)
			ok = join_into(s, &inner, object ? key->valuestring : NULL, sub);
		cJSON_Delete(key);
		cJSON_Delete(sub);
		s->i = skip_space(s->p, s->n, s->i);
	}
	ok = ok && expect(s, close);
	if (ok && type) {
		*type = cJSON_CreateObject();
		cJSON *body = inner ? inner : cJSON_CreateString("null");
		if (!*type || !body || !cJSON_AddItemToObject(*type, object ? "struct" : "list", body)) {
			s->status = DLG_E_NOMEM;
			cJSON_Delete(*type);
			*type = NULL;
			if (body != inner)
				cJSON_Delete(body);
			ok = false;
		}
		inner = NULL;
	}
	cJSON_Delete(inner);
	return ok;
}

/* Whether a type tree holds "mixed" anywhere. */
static bool mixed(const cJSON *t)
{
	if (cJSON_IsString(t))
		return strcmp(t->valuestring, "mixed") == 0;
	for (const cJSON *c = t ? t->child : NULL; c; c = c->next)
		if (mixed(c))
			return true;
	return false;
}

/* The value at s->i (white space before it skipped), strictly; *type (when `type` is
 * non-NULL) gets its type tree. */
static bool scan_value(scan *s, int depth, cJSON **type)
{
	s->i = skip_space(s->p, s->n, s->i);
	if (s->i >= s->n || depth > SCAN_DEPTH)
		return false;
	char c = s->p[s->i];
	static const char *const literals[] = { "true", "false", "null" };
	for (int k = 0; k < 3; k++) {
		size_t len = strlen(literals[k]);
		if (s->n - s->i >= len && memcmp(s->p + s->i, literals[k], len) == 0) {
			size_t from = s->i;
			s->i += len;
			copy_token(s, from);
			return !type || (*type = scalar_type(s, k < 2 ? "bool" : "null"));
		}
	}
	bool fraction;
	if (c == '"')
		return scan_string(s) && (!type || (*type = scalar_type(s, "string")));
	if (c == '-' || (c >= '0' && c <= '9'))
		return scan_number(s, &fraction) &&
		       (!type || (*type = scalar_type(s, fraction ? "float64" : "int64")));
	if (c == '{' || c == '[')
		return scan_container(s, depth, type);
	return false;
}

/* Whether p[0, n) is one strict JSON value (white space around it allowed). */
static bool strict_json(const char *p, size_t n)
{
	scan s = { p, n, 0, NULL, DLG_OK, NULL };
	return scan_value(&s, 0, NULL) && skip_space(p, n, s.i) == n;
}

/* Past the value at p[i] (after any white space) of a text cJSON has read, which may not be
 * strict JSON. */
static size_t skip_lenient(const char *p, size_t n, size_t i)
{
	size_t depth = 0;
	for (i = skip_cjson_space(p, n, i); i < n; i++) {
		char c = p[i];
		if (c == '"') {
			for (i++; i < n && p[i] != '"'; i++)
				i += p[i] == '\\';
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			depth--;
		} else if (depth == 0) {
			/* a number or a literal runs to white space or punctuation */
			while (i < n && (uint8_t)p[i] > ' ' && p[i] != ',' && p[i] != '}' && p[i] != ']')
				i++;
			return i;
		}
		if (depth == 0)
			return i < n ? i + 1 : n;
	}
	return n;
}

/* Whether the key token p[0, n) (quotes included) is `name`. */
static bool key_is(const char *p, size_t n, const char *name)
{
	if (n < 2)
		return false;
	if (!memchr(p, '\\', n))
		return n - 2 == strlen(name) && memcmp(p + 1, name, n - 2) == 0;
	cJSON *key = cJSON_ParseWithLength(p, n);
	bool same = cJSON_IsString(key) && strcmp(key->valuestring, name) == 0;
	cJSON_Delete(key);
	return same;
}

/* Where the value of the record's top-level member `name` is in its text: the last one,
 * as the tree keeps (drop_earlier_keys). */
static bool member_text(dlg_span *out, const char *p, size_t n, const char *name)
{
	size_t i = skip_cjson_space(p, n, 0);
	if (i >= n || p[i] != '{')
		return false;
	bool found = false;
	for (i = skip_cjson_space(p, n, i + 1); i < n && p[i] == '"';) {
		size_t key = i;
		i = skip_lenient(p, n, i);
		bool match = key_is(p + key, i - key, name);
		i = skip_cjson_space(p, n, i);
		if (i >= n || p[i] != ':')
			return found;
		size_t value = skip_cjson_space(p, n, i + 1);
		i = skip_lenient(p, n, value);
		if (match) {
			*out = (dlg_span){ value, i - value };
			found = true;
		}
		i = skip_cjson_space(p, n, i);
		if (i < n && p[i] == ',')
			i = skip_cjson_space(p, n, i + 1);
	}
	return found;
}

/*
 * Each --keep-fields value of the record into u->kept as JSON text, a NUL after each: its
 * own text when that is strict JSON, so that numbers keep their digits (an id past 2^53
 * would not survive cJSON's double), else printed again by cJSON; "null" when the record
 * has no such field.
 */
static dlg_status kept_values(dlg_unit *u, const cJSON *root, const char *p, size_t n,
			      dlg_error *err)
{
	const dlg_options *o = u->ctx->opts;
	u->kept.len = 0;
	for (size_t f = 0; f < o->n_keep_fields; f++) {
		const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, o->keep_fields[f]);
		dlg_span raw;
		if (!item) {
			DLG_TRY(dlg_buf__append(&u->kept, "null", 4, err));
		} else if (member_text(&raw, p, n, o->keep_fields[f]) &&
			   strict_json(p + raw.off, raw.len)) {
			DLG_TRY(dlg_buf__append(&u->kept, p + raw.off, raw.len, err));
		} else {
			char *text = cJSON_PrintUnformatted(item);
			dlg_status st = text ? dlg_buf__append(&u->kept, text, strlen(text), err) :
				       dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory (JSON)");
			cJSON_free(text);
			DLG_TRY(st);
		}
		DLG_TRY(dlg_buf__putc(&u->kept, '\0', err));
	}
	return DLG_OK;
}

struct dlg_kept_types {
	const dlg_options *opts;
	cJSON *fields[DLG_MAX_KEEP_FIELDS]; /* NULL: only nulls so far */
};

dlg_status dlg_json__kept_types_new(dlg_kept_types **out, const dlg_options *o, dlg_error *err)
{
	*out = dlg_mem__alloc(o->allocator, sizeof **out);
	if (!*out)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	memset(*out, 0, sizeof **out);
	(*out)->opts = o;
	return DLG_OK;
}

void dlg_json__kept_types_free(dlg_kept_types *t)
{
	if (!t)
		return;
	for (size_t f = 0; f < DLG_MAX_KEEP_FIELDS; f++)
		cJSON_Delete(t->fields[f]);
	dlg_mem__free(t->opts->allocator, t);
}

/* For W320: what a type tree holds, in words. */
static const char *type_words(const cJSON *t)
{
	if (cJSON_GetObjectItemCaseSensitive(t, "list"))
		return "a list";
	if (cJSON_GetObjectItemCaseSensitive(t, "struct"))
		return "an object";
	return is_type(t, "string") ? "a string" : is_type(t, "bool") ? "true or false" :
	       "a number";
}

dlg_status dlg_json__kept_types_add(dlg_kept_types *t, dlg_unit *u, dlg_error *err)
{
	const dlg_options *o = t->opts;
	u->kept_nulled = 0;
	const char *v = u->kept.data;
	for (size_t f = 0; f < o->n_keep_fields && u->kept.len; f++, v += strlen(v) + 1) {
		scan s = { v, strlen(v), 0, NULL, DLG_OK, err };
		cJSON *type = NULL;
		bool strict = scan_value(&s, 0, &type);
		if (s.status != DLG_OK) {
			cJSON_Delete(type);
			return dlg_error__set(err, s.status, 0, "out of memory (JSON types)");
		}
		DLG_ASSERT(strict); /* kept_values keeps only strict text */
		(void)strict;       /* when assertions are compiled out */
		bool conflict = mixed(type);
		cJSON *joined = conflict ? NULL : join_types(t->fields[f], type, &conflict);
		if (joined) {
			cJSON_Delete(t->fields[f]);
			t->fields[f] = joined;
		} else if (conflict) {
			u->kept_nulled |= (uint64_t)1 << f;
			dlg_status st = mixed(type) ?
				dlg_unit__diag(u, err, DLG_DIAG_KEPT_FIELD_TYPE_CHANGED,
					       u->record_line, 1, 0, "field \"%.64s\" holds values "
					       "of different types in one list or object; written as "
					       "null, as a column holds one type", o->keep_fields[f]) :
				dlg_unit__diag(u, err, DLG_DIAG_KEPT_FIELD_TYPE_CHANGED,
					       u->record_line, 1, 0, "field \"%.64s\" holds %s here "
					       "but %s in earlier records; written as null, so that "
					       "the column keeps one type", o->keep_fields[f],
					       type_words(type), type_words(t->fields[f]));
			if (st != DLG_OK) {
				cJSON_Delete(type);
				return st;
			}
		}
		cJSON_Delete(type);
		if (!joined && !conflict)
			return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory (JSON types)");
	}
	return DLG_OK;
}

/* `pad` spaces, then "- name: NAME" with the name as a YAML double-quoted (JSON) string. */
static dlg_status yaml_name(dlg_buf *b, int pad, const char *name, dlg_error *err)
{
	DLG_TRY(dlg_buf__printf(b, err, "%*s- name: ", pad, ""));
	DLG_TRY(dlg_record__json_string(b, name, strlen(name), err));
	return dlg_buf__putc(b, '\n', err);
}

static dlg_status yaml_fields(dlg_buf *b, const cJSON *fields, int pad, dlg_error *err);

/* A type tree as a Hugging Face feature (features.py's YAML form), its keys at `pad`. */
static dlg_status yaml_type(dlg_buf *b, const cJSON *t, int pad, dlg_error *err)
{
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(t, "list");
	const cJSON *fields = cJSON_GetObjectItemCaseSensitive(t, "struct");
	if (list) {
		const cJSON *item_fields = cJSON_GetObjectItemCaseSensitive(list, "struct");
		DLG_TRY(dlg_buf__printf(b, err, "%*slist:\n", pad, ""));
		/* a list of structs lists their fields right under it, as the messages do */
		if (item_fields && item_fields->child)
			return yaml_fields(b, item_fields, pad, err);
		return yaml_type(b, list, pad + 2, err);
	}
	if (fields && !fields->child)
		return dlg_buf__printf(b, err, "%*sstruct: []\n", pad, "");
	if (fields) {
		DLG_TRY(dlg_buf__printf(b, err, "%*sstruct:\n", pad, ""));
		return yaml_fields(b, fields, pad, err);
	}
	/* quoted: a bare null is YAML's null, not the name of the type */
	return dlg_buf__printf(b, err, "%*sdtype: %s\n", pad, "",
			       is_type(t, "null") ? "\"null\"" : t->valuestring);
}

static dlg_status yaml_fields(dlg_buf *b, const cJSON *fields, int pad, dlg_error *err)
{
	for (const cJSON *f = fields->child; f; f = f->next) {
		DLG_TRY(yaml_name(b, pad, f->string, err));
		DLG_TRY(yaml_type(b, f, pad + 2, err));
	}
	return DLG_OK;
}

dlg_status dlg_json__kept_features(dlg_buf *b, const dlg_kept_types *t, int pad,
				   dlg_error *err)
{
	const dlg_options *o = t->opts;
	for (size_t f = 0; f < o->n_keep_fields; f++) {
		DLG_TRY(yaml_name(b, pad, o->keep_fields[f], err));
		DLG_TRY(yaml_type(b, t->fields[f], pad + 2, err));
	}
	return DLG_OK;
}

/* Only ASCII white space: nothing a reply could be read from. */
static bool blank(const char *s)
{
	return s[strspn(s, " \t\r\n")] == '\0';
}

/*
 * The turns of a record object: a messages array (--messages-field, else "messages", else
 * "conversations"), or a transcript string (--text-field, else "text") and its reply
 * (--response-field).
 */
static dlg_status conversation(dlg_unit *u, const cJSON *root, dlg_error *err)
{
	const dlg_options *o = u->ctx->opts;
	const char *field = u->rejected_side ? o->rejected_field : o->text_field;
	const cJSON *text = at_path(root, field ? field : "text");
	const cJSON *reply = o->response_field ? at_path(root, o->response_field) : NULL;
	const cJSON *messages = NULL;
	if (!field && !reply && o->messages_field)
		messages = at_path(root, o->messages_field);
	else if (!field && !reply)
		messages = cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(root, "messages")) ?
			   cJSON_GetObjectItemCaseSensitive(root, "messages") :
			   cJSON_GetObjectItemCaseSensitive(root, "conversations");
	if (o->messages_field && !cJSON_IsArray(messages))
		return dlg_unit__diag(u, err, DLG_DIAG_NO_TURNS, u->record_line, 1, 0,
				      "no array at \"%s\" (--messages-field)", o->messages_field);
	if (cJSON_IsArray(messages))
		return structured(u, messages, err);
	if (o->response_field && !cJSON_IsString(reply))
		return dlg_unit__diag(u, err, DLG_DIAG_NO_TURNS, u->record_line, 1, 0,
				      "no string at \"%s\" (--response-field)", o->response_field);
	/* not E206's "add the reply": the reply is what is missing */
	if (reply && blank(reply->valuestring))
		return dlg_unit__diag(u, err, DLG_DIAG_EMPTY_TURN, u->record_line, 1, 0,
				      "the response field \"%s\" is empty: the record has no reply "
				      "to learn from", o->response_field);
	if (cJSON_IsString(text) || reply)
		return transcript_and_reply(u, cJSON_IsString(text) ? text : NULL, reply, err);
	return dlg_unit__diag(u, err, DLG_DIAG_NO_TURNS, u->record_line, 1, 0,
			      "no \"messages\" array and no string at \"%s\"; name the "
			      "transcript's field with --text-field", field ? field : "text");
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
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(root, "id");
	if (cJSON_IsString(id) && strlen(id->valuestring) == 32)
		memcpy(u->claimed_id, id->valuestring, 33);
	if (!cJSON_IsObject(root))
		st = raw_diag(u, DLG_DIAG_INVALID_JSON, 0, "record is not a JSON object", err);
	else if (u->ctx->opts->n_keep_fields && !u->rejected_side)
		st = kept_values(u, root, p, n, err);
	if (st == DLG_OK && cJSON_IsObject(root))
		st = conversation(u, root, err);
	cJSON_Delete(root);
	return st;
}

dlg_status dlg_json__document_lines(dlg_diag_code *bad_code, size_t *bad_off, const char **bad_msg,
				    bool *json_lines, dlg_buf *out, const char *p, size_t n,
				    dlg_error *err)
{
	out->len = 0;
	*bad_code = 0;
	*json_lines = false;
	/* a NUL would end a string in the tree, silently: binary data, as for any file */
	const char *nul = memchr(p, '\0', n);
	if (nul) {
		*bad_code = DLG_DIAG_BINARY;
		*bad_off = (size_t)(nul - p);
		*bad_msg = "NUL byte: binary data, not JSON";
		return DLG_OK;
	}
	if ((*bad_off = escaped_nul(p, n)) != SIZE_MAX) {
		*bad_code = DLG_DIAG_BINARY;
		*bad_msg = "NUL character (\\u0000) in a JSON string: remove it, or the text "
			   "after it would be lost";
		return DLG_OK;
	}
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(p, n, &end, 0);
	*bad_msg = "not valid JSON here; a .json input holds one array of records";
	if (!root) {
		*bad_code = DLG_DIAG_INVALID_JSON;
		*bad_off = end ? (size_t)(end - p) : 0;
		return DLG_OK;
	}
	size_t lead = skip_cjson_space(p, n, 0), after = (size_t)(end - p);
	size_t rest = skip_cjson_space(p, n, after);
	if (rest < n) {
		/* an object on its line and another after it: JSON lines, whatever the name says
		 * (cJSON alone would read the first record and drop the rest unsaid) */
		*json_lines = cJSON_IsObject(root) && !memchr(p + lead, '\n', after - lead) &&
			      p[rest] == '{';
		if (!*json_lines) {
			*bad_code = DLG_DIAG_INVALID_JSON;
			*bad_off = rest;
		}
		cJSON_Delete(root);
		return DLG_OK;
	}
	/* each record as it is written, without the white space between its tokens (so that
	 * numbers keep their digits), or printed again by cJSON when it is not strict JSON */
	dlg_status st = DLG_OK;
	bool array = cJSON_IsArray(root);
	size_t at = array ? lead + 1 : lead;
	for (const cJSON *item = array ? root->child : root; item && st == DLG_OK;
	     item = array ? item->next : NULL) {
		size_t from = skip_cjson_space(p, n, at), before = out->len;
		scan s = { p, n, from, out, DLG_OK, err };
		bool strict = scan_value(&s, 0, NULL);
		if ((st = s.status) != DLG_OK)
			break;
		at = strict ? s.i : skip_lenient(p, n, from);
		if (!strict) {
			out->len = before;
			char *line = cJSON_PrintUnformatted(item);
			st = line ? dlg_buf__append(out, line, strlen(line), err) :
			     dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory (JSON)");
			cJSON_free(line);
		}
		if (st == DLG_OK)
			st = dlg_buf__putc(out, '\n', err);
		at = skip_cjson_space(p, n, at);
		at += at < n && p[at] == ',';
	}
	cJSON_Delete(root);
	return st;
}

/* The JSON text of `f` (closed here), at most `cap` bytes, into *root: NULL when it is not
 * JSON. DLG_E_LIMIT past the cap. */
static dlg_status parse_file(cJSON **root, FILE *f, size_t cap, const dlg_allocator *alloc,
			     dlg_error *err)
{
	dlg_buf text;
	dlg_buf__init(&text, alloc, cap);
	dlg_status st = DLG_OK;
	char chunk[8192];
	size_t n;
	while (st == DLG_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
		st = dlg_buf__append(&text, chunk, n, err);
	fclose(f);
	*root = st == DLG_OK ? cJSON_ParseWithLength(text.data, text.len) : NULL;
	dlg_buf__dispose(&text);
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
	cJSON *root; /* manifests are small: 16 MiB is plenty */
	dlg_status st = parse_file(&root, f, (size_t)16 << 20, out->alloc, err);
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

/* A count from the manifest, which wrote it as a JSON number. */
static uint64_t count_at(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsNumber(v) && v->valuedouble >= 0 ? (uint64_t)v->valuedouble : 0;
}

static dlg_status listed_files(dlg_manifest_read *out, const cJSON *files, dlg_error *err)
{
	const cJSON *f;
	cJSON_ArrayForEach(f, files) {
		const cJSON *sha = cJSON_GetObjectItemCaseSensitive(f, "sha256");
		dlg_listed_file l = { .size = count_at(f, "size"),
				      .records = count_at(f, "records") };
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
	s->files = count_at(counts, "files");
	s->inputs = count_at(counts, "inputs");
	s->written = count_at(counts, "written");
	s->rejected = count_at(counts, "rejected");
	s->duplicates = count_at(counts, "duplicates");
	s->near_duplicates = count_at(counts, "near_duplicates");
	s->errors = count_at(counts, "errors");
	s->warnings = count_at(counts, "warnings");
	const cJSON *per_split = cJSON_GetObjectItemCaseSensitive(counts, "written_per_split");
	for (size_t i = 0; i < ctx->n_splits; i++)
		s->split_written[i] = count_at(per_split, ctx->splits[i].name);
	const cJSON *per_code = cJSON_GetObjectItemCaseSensitive(counts, "rejected_per_code");
	for (int code = 0; code < DLG_DIAG_CODES; code++)
		out->rejected_by_code[code] = count_at(per_code, dlg_diag_id((dlg_diag_code)code));
	const cJSON *fixes = cJSON_GetObjectItemCaseSensitive(counts, "fixes");
	for (int f = 0; f < DLG_FIX_COUNT; f++)
		s->fixes[f] = count_at(fixes, dlg_fix_name((dlg_fix)f));
}

dlg_status dlg_json__read_manifest(dlg_manifest_read *out, const dlg_ctx *ctx, dlg_error *err)
{
	out->found = out->same_options = false;
	out->files.len = 0;
	out->inputs_digest[0] = '\0';
	memset(&out->counts, 0, sizeof out->counts);
	memset(out->rejected_by_code, 0, sizeof out->rejected_by_code);
	FILE *f = fopen(out->path, "rb");
	if (!f)
		return errno == ENOENT ? DLG_OK : dlg_error__io(err, errno, "open", out->path);
	cJSON *root;
	dlg_status st = parse_file(&root, f, (size_t)64 << 20, ctx->alloc, err);
	if (st == DLG_OK && !cJSON_IsObject(root))
		st = dlg_error__set(err, DLG_E_IO, 0, "%s is not a manifest dlgconv wrote",
				    out->path);
	char *mine = NULL, *theirs = NULL;
	if (st == DLG_OK) {
		out->found = true;
		cJSON *options = options_json(ctx);
		mine = options ? cJSON_PrintUnformatted(options) : NULL;
		cJSON_Delete(options);
		const cJSON *given = cJSON_GetObjectItemCaseSensitive(root, "options");
		theirs = given ? cJSON_PrintUnformatted(given) : NULL;
		out->same_options = mine && theirs && strcmp(mine, theirs) == 0;
		const cJSON *digest = cJSON_GetObjectItemCaseSensitive(root, "inputs_digest");
		snprintf(out->inputs_digest, sizeof out->inputs_digest, "%s",
			 cJSON_IsString(digest) ? digest->valuestring : "");
		read_counts(out, cJSON_GetObjectItemCaseSensitive(root, "counts"), ctx);
		st = listed_files(out, cJSON_GetObjectItemCaseSensitive(root, "files"), err);
	}
	cJSON_free(mine);
	cJSON_free(theirs);
	cJSON_Delete(root);
	return st;
}
