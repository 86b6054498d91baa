/*
 * jsonread.c - JSON records read into turns (jsonread.h): a messages array (roles and
 * contents under their several spellings, content parts, stage directions), or a transcript
 * string and its reply; repeated keys as Python's json reads them; each record's
 * --keep-fields values. Findings are located at the record's line. Uses buf.c, error.c,
 * encoding.c, normalize.c, stage.c, transcript.c, jsonscan.c and cJSON.
 */
#include "jsonread.h"
#include "buf.h"
#include "carried.h"
#include "ctx.h"
#include "encoding.h"
#include "error.h"
#include "jsonparse.h"
#include "jsonscan.h"
#include "marker.h"
#include "normalize.h"
#include "shape.h"
#include "stage.h"
#include "tools.h"
#include "transcript.h"
#include "unit.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/*
 * The role a message names: the chat roles, ShareGPT's (with FastChat's other assistant
 * spellings, chatgpt, bing and bard), a tool's result under its several names (OpenAI's
 * tool and older function, LLaMA-Factory's observation, Llama 3's ipython), the assistant's
 * LLaMA-Factory function_call turn, or a --role label.
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
		{ "tool", DLG_ROLE_TOOL }, { "observation", DLG_ROLE_TOOL },
		{ "function", DLG_ROLE_TOOL }, { "ipython", DLG_ROLE_TOOL },
		{ "function_call", DLG_ROLE_ASSISTANT },
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
 * *text_out then points into). Its length goes to *len_out. A part's text is its "text",
 * or LLaMA-Factory's "value"; reasoning and tool-call parts are tools.c's. For a part that
 * is not text, *bad_part is its "type".
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
		if (!text)
			text = cJSON_GetObjectItemCaseSensitive(part, "value");
		if (!cJSON_IsString(type))
			return CONTENT_MALFORMED;
		if (dlg_tools__part(type->valuestring))
			continue;
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

/* The first message of an array, or a message standing alone (a pair's side). */
static const cJSON *one_or_all(const cJSON *messages)
{
	return cJSON_IsArray(messages) ? messages->child : messages;
}

/* The bytes a messages array's turns take in u->decoded, at most. */
static size_t messages_size(const dlg_options *o, const cJSON *array, dlg_status *st,
			    dlg_error *err)
{
	size_t total = 0, len;
	const char *text, *bad_part = NULL;
	const cJSON *m, *stage;
	for (m = one_or_all(array); m; m = cJSON_IsArray(array) ? m->next : NULL) {
		const cJSON *content = message_member(m, o->content_key, content_keys);
		if (message_text(&text, &len, &bad_part, NULL, content, st, err) == CONTENT_TEXT)
			total += len;
		/* rendered as "\n（text）\n" at most */
		cJSON_ArrayForEach(stage, cJSON_GetObjectItemCaseSensitive(m, "stage_directions")) {
			const cJSON *t = cJSON_IsString(stage) ? stage :
					 cJSON_GetObjectItemCaseSensitive(stage, "text");
			if (cJSON_IsString(t))
				total += strlen(t->valuestring) + DLG_STAGE_RENDER_EXTRA;
		}
	}
	return total;
}

static size_t string_size(const cJSON *node)
{
	return cJSON_IsString(node) ? strlen(node->valuestring) + 1 : 0;
}

/* The bytes the shape's turns take in u->decoded, at most. */
static size_t parts_size(const dlg_options *o, const dlg_shape *s, dlg_status *st,
			 dlg_error *err)
{
	size_t total = 0;
	for (size_t p = 0; p < s->n_parts; p++) {
		const dlg_part *part = &s->parts[p];
		const cJSON *pair, *item;
		if (part->kind == DLG_PART_MESSAGES)
			total += messages_size(o, part->node, st, err);
		else if (part->kind == DLG_PART_STRING)
			total += string_size(part->node) + string_size(part->node2);
		else
			cJSON_ArrayForEach(pair, part->node)
				cJSON_ArrayForEach(item, pair)
					total += string_size(item);
	}
	return total;
}

/* The kinds of message a conversation could not take, each reported once with its count. */
enum { SHAPE_PROBLEM, UNKNOWN_ROLE, NON_TEXT, N_PROBLEMS };

/* One string turn: `text`, with a line break and `more` after it when that is not empty
 * (alpaca's input), copied into u->decoded (reserved: the lines point into it). */
static dlg_status string_turn(dlg_unit *u, dlg_role role, const cJSON *text, const cJSON *more,
			      dlg_error *err)
{
	size_t at = u->decoded.len, n = strlen(text->valuestring);
	memcpy(u->decoded.data + at, text->valuestring, n);
	u->decoded.len += n;
	if (more && more->valuestring[0]) {
		size_t k = strlen(more->valuestring);
		u->decoded.data[u->decoded.len++] = '\n';
		memcpy(u->decoded.data + u->decoded.len, more->valuestring, k);
		u->decoded.len += k;
	}
	return dlg_transcript__add_turn(u, role, u->decoded.data + at, u->decoded.len - at,
					text->string, err);
}

/* The messages of one array as turns, numbered on from *turn_no. */
static dlg_status read_messages(dlg_unit *u, const cJSON *array, const cJSON *declared,
				uint32_t *turn_no, message_problem *problems, dlg_status *st,
				dlg_error *err)
{
	const dlg_options *o = u->ctx->opts;
	message_problem *shape = &problems[SHAPE_PROBLEM], *unknown = &problems[UNKNOWN_ROLE];
	message_problem *non_text = &problems[NON_TEXT];
	char keys[80];
	size_t len;
	const char *text, *bad_part = NULL;
	for (const cJSON *m = one_or_all(array); m; m = cJSON_IsArray(array) ? m->next : NULL) {
		++*turn_no;
		DLG_TRY(dlg_unit__check_cancel(u, err));
		const cJSON *role = message_member(m, o->role_key, role_keys);
		const cJSON *content = message_member(m, o->content_key, content_keys);
		dlg_role r;
		if (!cJSON_IsString(role)) {
			key_names(keys, sizeof keys, o->role_key, role_keys);
			note_problem(shape, *turn_no, "message has no role: no string at %s%s",
				     keys, o->role_key ? "" : "; name its key with --role-key");
			continue;
		}
		if (!message_role(&r, u->ctx, role->valuestring)) {
			note_problem(unknown, *turn_no, "unknown role '%.64s'; map it with --role "
				     "%.64s=user or --role %.64s=assistant", role->valuestring,
				     role->valuestring, role->valuestring);
			continue;
		}
		/* a tool call's message may have no text: its calls are what it says */
		dlg_tool_message tm = { m, r, strcasecmp(role->valuestring, "function_call") == 0,
					content, NULL, 0, *turn_no };
		bool calls_only = tm.function_call ||
				  ((!content || cJSON_IsNull(content)) &&
				   dlg_tools__has_calls(m, false));
		content_kind kind = calls_only ? CONTENT_TEXT :
				    message_text(&text, &len, &bad_part, &u->scratch, content, st,
						 err);
		if (calls_only)
			text = "", len = 0;
		DLG_TRY(*st);
		if (kind == CONTENT_NOT_TEXT) {
			note_problem(non_text, *turn_no, "message content holds a part of type "
				     "\"%.40s\", which a text dataset cannot hold; remove the part "
				     "or the record", bad_part);
			continue;
		}
		if (kind == CONTENT_MALFORMED) {
			key_names(keys, sizeof keys, o->content_key, content_keys);
			note_problem(shape, *turn_no, "message has no text: no string or content "
				     "parts at %s%s", keys,
				     o->content_key ? "" : "; name its key with --content-key");
			continue;
		}
		if (tm.function_call) {
			bool joined;
			DLG_TRY(dlg_tools__join_calls(&joined, u, declared, &tm, err));
			if (joined)
				continue;
		}
		if (o->split_think && r == DLG_ROLE_ASSISTANT)
			dlg_tools__split_think(&tm, &text, &len);
		size_t at = u->decoded.len;
		bool ok;
		DLG_TRY(content_with_stage(&ok, u, text, len,
					   cJSON_GetObjectItemCaseSensitive(m, "stage_directions"),
					   err));
		if (!ok) {
			note_problem(shape, *turn_no, "a stage direction needs a string \"text\" "
				     "and a number \"offset\" (code points into the content)");
			continue;
		}
		size_t kept_at, calls_at;
		dlg_span extra;
		DLG_TRY(dlg_carried__message(&kept_at, u, m, role, content, err));
		DLG_TRY(dlg_tools__message(&extra, &calls_at, u, declared, &tm, err));
		DLG_TRY(dlg_transcript__add_turn(u, r, u->decoded.data + at, u->decoded.len - at,
						 content ? content->string : "content", err));
		dlg_turn *t = &DLG_BUF_AT(&u->turns, dlg_turn,
					  DLG_BUF_COUNT(&u->turns, dlg_turn) - 1);
		t->msg_kept_at = kept_at;
		t->extra = extra;
		t->calls_at = calls_at;
	}
	return DLG_OK;
}

/* alpaca's history: [prompt, reply] pairs of strings, as user and assistant turns. */
static dlg_status read_history(dlg_unit *u, const cJSON *history, uint32_t *turn_no,
			       message_problem *shape, dlg_error *err)
{
	const cJSON *pair;
	cJSON_ArrayForEach(pair, history) {
		const cJSON *q = cJSON_GetArrayItem(pair, 0), *a = cJSON_GetArrayItem(pair, 1);
		*turn_no += 2;
		if (cJSON_GetArraySize(pair) != 2 || !cJSON_IsString(q) || !cJSON_IsString(a)) {
			note_problem(shape, *turn_no - 1, "a history item is not a [prompt, reply] "
				     "pair of strings");
			continue;
		}
		DLG_TRY(string_turn(u, DLG_ROLE_USER, q, NULL, err));
		DLG_TRY(string_turn(u, DLG_ROLE_ASSISTANT, a, NULL, err));
	}
	return DLG_OK;
}

/*
 * Already structured turns: the shape's parts copied into u->decoded (sized first: the
 * lines point into it), then normalized and validated like any other. A message that cannot
 * be read makes one finding for its kind of problem, however many messages have it, and
 * leaves the rest of the conversation unjudged (u->incomplete): the turn rules would judge
 * a conversation that is not the one written (a false E202 for a skipped first message).
 */
static dlg_status read_parts(dlg_unit *u, const dlg_shape *s, const cJSON *declared,
			     dlg_error *err)
{
	dlg_status st = DLG_OK;
	size_t total = parts_size(u->ctx->opts, s, &st, err);
	u->decoded.len = 0;
	DLG_TRY(dlg_buf__reserve(&u->decoded, total + 1, err));
	message_problem problems[N_PROBLEMS] = { { DLG_DIAG_INVALID_JSON, 0, 0, "" },
						 { DLG_DIAG_UNKNOWN_ROLE, 0, 0, "" },
						 { DLG_DIAG_NON_TEXT_CONTENT, 0, 0, "" } };
	uint32_t turn_no = 0;
	for (size_t p = 0; p < s->n_parts; p++) {
		const dlg_part *part = &s->parts[p];
		if (part->kind == DLG_PART_MESSAGES)
			DLG_TRY(read_messages(u, part->node, declared, &turn_no, problems, &st,
					      err));
		else if (part->kind == DLG_PART_HISTORY)
			DLG_TRY(read_history(u, part->node, &turn_no, &problems[SHAPE_PROBLEM],
					     err));
		else if (++turn_no, cJSON_IsString(part->node))
			DLG_TRY(string_turn(u, part->role, part->node, part->node2, err));
	}
	DLG_ASSERT(u->decoded.len <= total); /* the lines point into it: it never moved */
	DLG_TRY(dlg_tools__end(u, err));
	/* each kind once, in the order a reader meets them */
	for (message_problem *next = NULL;; next = NULL) {
		for (size_t i = 0; i < N_PROBLEMS; i++)
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

/* The shape's parts, their tool calls checked against the record's tools. */
static dlg_status structured(dlg_unit *u, const cJSON *root, const dlg_shape *s, dlg_error *err)
{
	cJSON *declared;
	DLG_TRY(dlg_tools__record(&declared, u, root, err));
	dlg_status st = read_parts(u, s, declared, err);
	cJSON_Delete(declared);
	return st;
}

static bool blank_turn(const dlg_unit *u, const dlg_turn *t)
{
	dlg_lines walk;
	dlg_line ln;
	for (dlg_lines__start(&walk, u, &t->raw); dlg_lines__next(&walk, &ln);)
		for (size_t i = 0; i < ln.len; i++)
			if (ln.p[i] != ' ' && ln.p[i] != '\t')
				return false;
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
	/* a question with a reply, taken for a transcript: all of it is a preamble, which the
	 * transcript reader drops unsaid when no turn follows it (E201 says that otherwise) */
	if (!n && text && !u->ctx->opts->keep_preamble &&
	    text->valuestring[strspn(text->valuestring, " \t\r\n")])
		DLG_TRY(dlg_unit__diag(u, err, DLG_DIAG_PREAMBLE_DROPPED, u->record_line, 1, 0,
				       "\"%.40s\" holds no turn marker: its text is dropped as a "
				       "preamble; read it as the user's prompt with --prompt-field "
				       "%.40s", text->string, text->string));
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
		bool top = item != NULL;
		/* a dataset's record holds its kept fields in meta */
		if (!top)
			item = cJSON_GetObjectItemCaseSensitive(
				cJSON_GetObjectItemCaseSensitive(root, "meta"), o->keep_fields[f]);
		dlg_span raw;
		if (!item) {
			DLG_TRY(dlg_buf__append(&u->kept, "null", 4, err));
		} else if (top && dlg_jsonscan__member_text(&raw, p, n, o->keep_fields[f]) &&
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
 * The turns of a record object, in the shape shape.c finds: a messages array, a transcript
 * string and its reply, or the prompt and reply shapes (docs/rules.md "Record shapes");
 * the record's fields that no output holds noted (carried.c).
 */
static dlg_status conversation(dlg_unit *u, const cJSON *root, dlg_error *err)
{
	const dlg_options *o = u->ctx->opts;
	dlg_shape s;
	dlg_shape__find(&s, root, o, u->rejected_side);
	if (s.one_side)
		u->claimed_id[0] = '\0';
	u->shape = s.name ? s.name : "none";
	dlg_shape__describe(u->shape_fields, sizeof u->shape_fields, &s);
	if (!u->rejected_side)
		DLG_TRY(dlg_carried__record(u, root, s.used, s.n_used, err));
	if (o->messages_field && !s.name)
		return dlg_unit__diag(u, err, DLG_DIAG_NO_TURNS, u->record_line, 1, 0,
				      "no array at \"%s\" (--messages-field)", o->messages_field);
	if (o->prompt_field && !cJSON_IsString(s.parts[s.n_parts - 2].node))
		return dlg_unit__diag(u, err, DLG_DIAG_NO_TURNS, u->record_line, 1, 0,
				      "no string at \"%s\" (--prompt-field)", o->prompt_field);
	const cJSON *reply = s.reply;
	if (o->response_field && !cJSON_IsString(reply))
		return dlg_unit__diag(u, err, DLG_DIAG_NO_TURNS, u->record_line, 1, 0,
				      "no string at \"%s\" (--response-field)", o->response_field);
	/* not E206's "add the reply": the reply is what is missing */
	if (reply && blank(reply->valuestring))
		return dlg_unit__diag(u, err, DLG_DIAG_EMPTY_TURN, u->record_line, 1, 0,
				      "the response field \"%s\" is empty: the record has no reply "
				      "to learn from", o->response_field);
	if (!s.transcript)
		return structured(u, root, &s, err);
	if (s.text || reply)
		return transcript_and_reply(u, s.text, reply, err);
	const char *field = u->rejected_side ? o->rejected_field : o->text_field;
	const char *prompt, *answer;
	if (!field && dlg_shape__guess(root, &prompt, &answer))
		return dlg_unit__diag(u, err, DLG_DIAG_NO_TURNS, u->record_line, 1, 0,
				      "no \"messages\" array and no string at \"text\"; read a "
				      "question and its answer with --prompt-field %.40s "
				      "--response-field %.40s", prompt, answer);
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
	if ((bad = dlg_jsonscan__escaped_nul(p, n)) != SIZE_MAX)
		return raw_diag(u, DLG_DIAG_BINARY, bad, "NUL character (\\u0000) in a JSON "
				"string: remove it, or the text after it would be lost", err);
	const char *end;
	cJSON *root;
	DLG_TRY(dlg_jsonparse__record(&root, &end, p, n, u->ctx->opts->cancel, &u->scratch, err));
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
	dlg_jsonscan_dups dup = { NULL, 0, DLG_OK };
	if (cJSON_IsObject(root))
		dlg_jsonscan__drop_repeated_keys(&dup, root, u->ctx->alloc);
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
