/*
 * jsonread.c - JSON records read into turns (jsonread.h): a messages array (roles and
 * contents under their several spellings, content parts, stage directions), or a transcript
 * string and its reply; repeated keys as Python's json reads them; each record's
 * --keep-fields values; a .json document turned into JSON lines. Findings are located at the
 * record's line. Uses buf.c, error.c, encoding.c, normalize.c, stage.c, transcript.c,
 * jsonscan.c and cJSON.
 */
#define _GNU_SOURCE /* memmem */
#include "jsonread.h"
#include "buf.h"
#include "ctx.h"
#include "encoding.h"
#include "error.h"
#include "jsonscan.h"
#include "marker.h"
#include "normalize.h"
#include "stage.h"
#include "transcript.h"
#include "unit.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
	const dlg_label *l = dlg_marker__find_label(ctx, name, strlen(name));
	if (l)
		*out = l->role;
	return l != NULL;
}

/*
 * Where code point `chars` starts in p[0, n) (its end when there are fewer), counting on
 * from *from, the answer for a smaller or equal `chars` (or {0, 0}): a message's directions
 * come in the order of their places, so a message of a million of them is read once, not
 * once each. *from becomes this answer.
 */
typedef struct char_pos {
	size_t byte;  /* a code point's first byte, or n */
	double chars; /* what was asked */
	double seen;  /* the code points before `byte` */
} char_pos;

static size_t byte_offset(char_pos *from, const char *p, size_t n, double chars)
{
	if (chars < from->chars)
		*from = (char_pos){ 0, 0, 0 };
	size_t i = from->byte;
	double seen = from->seen;
	for (; i < n; i++) {
		if (((uint8_t)p[i] & 0xC0) == 0x80)
			continue;
		if (seen >= chars)
			break;
		seen++;
	}
	*from = (char_pos){ i, chars, seen };
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
	char_pos pos = { 0, 0, 0 };
	*ok = false;
	cJSON_ArrayForEach(s, stages) {
		const cJSON *text = cJSON_IsString(s) ? s :
				    cJSON_GetObjectItemCaseSensitive(s, "text");
		const cJSON *offset = cJSON_GetObjectItemCaseSensitive(s, "offset");
		double chars = cJSON_IsString(s) ? 0 :
			       cJSON_IsNumber(offset) ? offset->valuedouble : -1;
		if (!cJSON_IsString(text) || !(chars >= 0))
			return DLG_OK;
		dlg_stage_ref ref = { text->valuestring, strlen(text->valuestring),
				      byte_offset(&pos, content, len, chars) };
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
 * --content-key: the first one a message has is used (docs/rules.md "JSON records"). */
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

/* Text parts are joined with a line break: each is a block of its own (docs/rules.md
 * "JSON records"). */
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
		/* rendered as "\n（text）\n" at most */
		cJSON_ArrayForEach(stage, cJSON_GetObjectItemCaseSensitive(m, "stage_directions")) {
			const cJSON *t = cJSON_IsString(stage) ? stage :
					 cJSON_GetObjectItemCaseSensitive(stage, "text");
			if (cJSON_IsString(t))
				total += strlen(t->valuestring) + DLG_STAGE_RENDER_EXTRA;
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
		DLG_TRY(dlg_unit__check_cancel(u, err));
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
			note_problem(shape, turn_no, "a stage direction needs a string \"text\" "
				     "and a number \"offset\" (code points into the content)");
			continue;
		}
		DLG_ASSERT(u->decoded.len <= total); /* the lines point into it: it never moved */
		DLG_TRY(dlg_transcript__add_turn(u, r, u->decoded.data + at, u->decoded.len - at,
						 content->string, err));
	}
	/* each kind once, in the order a reader meets them */
	for (message_problem *next = NULL;; next = NULL) {
		for (size_t i = 0; i < sizeof problems / sizeof problems[0]; i++)
			if (problems[i].count &&
			    (!next || problems[i].first_turn < next->first_turn))
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
		} else if (dlg_jsonscan__member_text(&raw, p, n, o->keep_fields[f]) &&
			   dlg_jsonscan__strict(p + raw.off, raw.len)) {
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

dlg_status dlg_jsonread__record(dlg_unit *u, const char *p, size_t n, dlg_error *err)
{
	size_t bad;
	int code;
	DLG_TRY(dlg_normalize__check_unit_bytes(&code, &bad, u, p, n, err));
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
	/* cJSON reads a record in one call, which cannot be stopped: 2-3 ms a megabyte */
	DLG_TRY(dlg_unit__check_cancel(u, err));
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(p, n, &end, 0);
	dlg_status canceled = dlg_unit__check_cancel(u, err);
	if (canceled != DLG_OK) {
		cJSON_Delete(root);
		return canceled;
	}
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

dlg_status dlg_jsonread__document_lines(dlg_diag_code *bad_code, size_t *bad_off,
					const char **bad_msg, bool *json_lines, dlg_buf *out,
					const char *p, size_t n, dlg_error *err)
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
	size_t lead = dlg_jsonscan__skip_cjson_space(p, n, 0), after = (size_t)(end - p);
	size_t rest = dlg_jsonscan__skip_cjson_space(p, n, after);
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
		size_t from = dlg_jsonscan__skip_cjson_space(p, n, at), before = out->len;
		dlg_jsonscan s = { p, n, from, out, DLG_OK, err };
		bool strict = dlg_jsonscan__value(&s, 0, NULL);
		if ((st = s.status) != DLG_OK)
			break;
		at = strict ? s.i : dlg_jsonscan__skip_lenient(p, n, from);
		if (!strict) {
			out->len = before;
			char *line = cJSON_PrintUnformatted(item);
			st = line ? dlg_buf__append(out, line, strlen(line), err) :
			     dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory (JSON)");
			cJSON_free(line);
		}
		if (st == DLG_OK)
			st = dlg_buf__putc(out, '\n', err);
		at = dlg_jsonscan__skip_cjson_space(p, n, at);
		at += at < n && p[at] == ',';
	}
	cJSON_Delete(root);
	return st;
}
