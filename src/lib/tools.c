/*
 * tools.c - tool use and reasoning in JSON records (tools.h, docs/rules.md "Tool use and
 * reasoning"). A message's calls are written in OpenAI's form whatever form they were read
 * in (OpenAI's tool_calls, its older function_call, LLaMA-Factory's function_call turns and
 * tool_call content parts): {"id"?, "type", "function": {"name", "arguments": JSON text}}.
 * Uses buf.c, error.c and cJSON.
 */
#define _GNU_SOURCE /* memmem */
#include "tools.h"
#include "buf.h"
#include "ctx.h"
#include "error.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const cJSON *get(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

bool dlg_tools__part(const char *type)
{
	return strcmp(type, "reasoning") == 0 || strcmp(type, "thinking") == 0 ||
	       strcmp(type, "tool_call") == 0;
}

/* A content part's text: its "text", or LLaMA-Factory's "value". */
static const cJSON *part_text(const cJSON *part)
{
	const cJSON *t = get(part, "text");
	return t ? t : get(part, "value");
}

static bool has_part(const cJSON *content, const char *type)
{
	const cJSON *p;
	cJSON_ArrayForEach(p, content) {
		const cJSON *t = get(p, "type");
		if (cJSON_IsString(t) && strcmp(t->valuestring, type) == 0)
			return true;
	}
	return false;
}

bool dlg_tools__has_calls(const cJSON *m, bool function_call)
{
	return function_call || cJSON_GetArraySize(get(m, "tool_calls")) > 0 ||
	       cJSON_IsObject(get(m, "function_call")) ||
	       has_part(get(m, "content"), "tool_call");
}

static dlg_status append_json(dlg_buf *b, const cJSON *v, dlg_error *err)
{
	char *text = cJSON_PrintUnformatted(v);
	if (!text)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory (JSON)");
	dlg_status st = dlg_buf__append(b, text, strlen(text), err);
	cJSON_free(text);
	return st;
}

/* A member of the written message: `,"key":` and the value as JSON. */
static dlg_status member(dlg_buf *b, const char *key, const cJSON *v, dlg_error *err)
{
	DLG_TRY(dlg_buf__printf(b, err, ",\"%s\":", key));
	return append_json(b, v, err);
}

dlg_status dlg_tools__record(cJSON **declared, dlg_unit *u, const cJSON *root, dlg_error *err)
{
	*declared = NULL;
	const cJSON *tools = get(root, "tools");
	if (!tools || cJSON_IsNull(tools))
		return DLG_OK;
	cJSON *parsed = cJSON_IsString(tools) ? cJSON_Parse(tools->valuestring) :
			cJSON_Duplicate(tools, true);
	if (!cJSON_IsArray(parsed)) {
		cJSON_Delete(parsed);
		/* "" or "[]" written for a record without tools is none */
		if (cJSON_IsString(tools) && tools->valuestring[strspn(tools->valuestring,
								       " \t\r\n")] == '\0')
			return DLG_OK;
		return dlg_unit__diag(u, err, DLG_DIAG_BAD_TOOL_CALL, u->record_line, 1, 0,
				      "the record's \"tools\" is not a list of tools (nor a JSON "
				      "text of one)");
	}
	*declared = parsed;
	return append_json(&u->tools, parsed, err);
}

/* The name a declared tool has: OpenAI's {"type","function":{"name"}} or a bare {"name"}. */
static const char *declared_name(const cJSON *tool)
{
	const cJSON *fn = get(tool, "function");
	const cJSON *name = get(fn ? fn : tool, "name");
	return cJSON_IsString(name) ? name->valuestring : NULL;
}

static bool declares(const cJSON *declared, const char *name)
{
	const cJSON *t;
	cJSON_ArrayForEach(t, declared) {
		const char *n = declared_name(t);
		if (n && strcmp(n, name) == 0)
			return true;
	}
	return false;
}

/* The calls waiting for a result (u->tool_ids): "w" or "a" (waiting, answered), "i" or "n"
 * (with an id or none), the id, a NUL. */
static dlg_status wait_for(dlg_unit *u, const char *id, dlg_error *err)
{
	DLG_TRY(dlg_buf__putc(&u->tool_ids, 'w', err));
	DLG_TRY(dlg_buf__putc(&u->tool_ids, id ? 'i' : 'n', err));
	return dlg_buf__append(&u->tool_ids, id ? id : "", id ? strlen(id) + 1 : 1, err);
}

/*
 * The waiting call with `id` marked answered; without an id, every waiting call without one
 * (LLaMA-Factory's observation holds the results of all the calls of the turn before it),
 * or else the first waiting call. False: none was waiting.
 */
static bool answer(dlg_unit *u, const char *id)
{
	bool answered = false;
	for (int pass = 0; pass < 2 && !answered; pass++)
		for (size_t i = 0; i < u->tool_ids.len;) {
			char *e = u->tool_ids.data + i;
			i += strlen(e) + 1;
			bool match = id ? e[1] == 'i' && strcmp(e + 2, id) == 0 :
				     pass == 0 ? e[1] == 'n' : true;
			if (e[0] != 'w' || !match)
				continue;
			e[0] = 'a';
			answered = true;
			if (id || pass == 1)
				return true;
		}
	return answered;
}

/* E212 for the first call still waiting, at turn `turn`; then none waits. */
static dlg_status unanswered(dlg_unit *u, uint32_t turn, dlg_error *err)
{
	size_t waiting = 0;
	const char *first = NULL;
	for (size_t i = 0; i < u->tool_ids.len;) {
		const char *e = u->tool_ids.data + i;
		i += strlen(e) + 1;
		if (e[0] == 'w' && !waiting++)
			first = e;
	}
	u->tool_ids.len = 0;
	if (!waiting)
		return DLG_OK;
	char id[80] = "";
	if (first[1] == 'i')
		snprintf(id, sizeof id, " (id %.60s)", first + 2);
	return dlg_unit__diag(u, err, DLG_DIAG_TOOL_CALL_UNANSWERED, u->record_line, 1, turn,
			      "%zu tool call%s%s without a tool message answering %s before the "
			      "assistant's next reply; add the tool's result", waiting,
			      waiting == 1 ? "" : "s", id, waiting == 1 ? "it" : "them");
}

/*
 * One call in OpenAI's form appended to `calls`, from {"id"?, "type"?, "function": {"name",
 * "arguments"}} or a bare {"name", "arguments", "id"?} (LLaMA-Factory's); arguments as a
 * JSON text (a string is checked to be one). *why says what is wrong, else NULL.
 */
static void add_call(cJSON *calls, const cJSON *c, const char **why, char *name_out,
		     size_t name_cap)
{
	const cJSON *fn = get(c, "function"), *src = fn ? fn : c;
	const cJSON *name = get(src, "name"), *args = get(src, "arguments"), *id = get(c, "id");
	if (!cJSON_IsObject(c) || !cJSON_IsString(name)) {
		*why = "has no function name";
		return;
	}
	snprintf(name_out, name_cap, "%s", name->valuestring);
	cJSON *parsed = cJSON_IsString(args) ? cJSON_Parse(args->valuestring) : NULL;
	/* kept as written: the call still waits for its result (one root cause, one finding) */
	if (cJSON_IsString(args) && !parsed)
		*why = "has arguments that are not valid JSON";
	if (!cJSON_IsString(args) && !cJSON_IsObject(args)) {
		*why = "has no arguments (a JSON text or an object)";
		return;
	}
	/* compact, as one JSON text has one form: read back from sharegpt's object, the same */
	char *text = parsed || !cJSON_IsString(args) ?
		     cJSON_PrintUnformatted(parsed ? parsed : args) : NULL;
	cJSON_Delete(parsed);
	cJSON *call = cJSON_CreateObject(), *f = cJSON_CreateObject();
	const cJSON *type = get(c, "type");
	if (cJSON_IsString(id))
		cJSON_AddStringToObject(call, "id", id->valuestring);
	cJSON_AddStringToObject(call, "type", cJSON_IsString(type) ? type->valuestring :
					      "function");
	cJSON_AddStringToObject(f, "name", name->valuestring);
	cJSON_AddStringToObject(f, "arguments", text ? text : args->valuestring);
	cJSON_AddItemToObject(call, "function", f);
	cJSON_AddItemToArray(calls, call);
	cJSON_free(text);
}

/* A JSON text of one call or a list of them (LLaMA-Factory's function_call, a tool_call
 * part), added. */
static void add_calls_text(cJSON *calls, const cJSON *text, const char **why, char *name,
			   size_t cap)
{
	cJSON *v = cJSON_IsString(text) ? cJSON_Parse(text->valuestring) : NULL;
	const cJSON *c;
	if (cJSON_IsArray(v)) {
		cJSON_ArrayForEach(c, v)
			if (!*why)
				add_call(calls, c, why, name, cap);
	} else if (v) {
		add_call(calls, v, why, name, cap);
	} else {
		*why = "is not a JSON text of a call";
	}
	cJSON_Delete(v);
}

/* The message's calls, from wherever it holds them, into `calls`. */
static void read_calls(cJSON *calls, const dlg_tool_message *tm, const char **why, char *name,
		       size_t cap)
{
	const cJSON *m = tm->m, *c;
	if (tm->function_call)
		add_calls_text(calls, tm->content, why, name, cap);
	const cJSON *list = get(m, "tool_calls");
	if (list && !cJSON_IsArray(list) && !cJSON_IsNull(list))
		*why = "is not in a list (\"tool_calls\")";
	cJSON_ArrayForEach(c, (cJSON_IsArray(list) ? list : NULL))
		if (!*why)
			add_call(calls, c, why, name, cap);
	if (cJSON_IsObject(get(m, "function_call")) && !*why)
		add_call(calls, get(m, "function_call"), why, name, cap);
	cJSON_ArrayForEach(c, (cJSON_IsArray(tm->content) ? tm->content : NULL)) {
		const cJSON *type = get(c, "type");
		if (!*why && cJSON_IsString(type) && strcmp(type->valuestring, "tool_call") == 0)
			add_calls_text(calls, part_text(c), why, name, cap);
	}
}

/* A string member from text that is not NUL-terminated (held in `tmp`). */
static dlg_status string_member(dlg_buf *b, const char *key, dlg_buf *tmp, dlg_error *err)
{
	DLG_TRY(dlg_buf__putc(tmp, '\0', err));
	cJSON *v = cJSON_CreateString(tmp->data);
	if (!v)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory (JSON)");
	dlg_status st = member(b, key, v, err);
	cJSON_Delete(v);
	return st;
}

/* The reasoning: reasoning_content, thinking, reasoning parts (joined by a line break), or
 * --split-think's; printed by cJSON as every extra member is, so that a record read back
 * is written with the same bytes. */
static dlg_status reasoning(dlg_buf *b, dlg_unit *u, const dlg_tool_message *tm,
			    dlg_error *err)
{
	const cJSON *r = get(tm->m, "reasoning_content");
	if (!r || cJSON_IsNull(r))
		r = get(tm->m, "thinking");
	if (r && !cJSON_IsNull(r))
		return member(b, "reasoning_content", r, err);
	dlg_buf tmp;
	dlg_buf__init(&tmp, u->ctx->alloc, DLG_BUF_UNCAPPED);
	dlg_status st = DLG_OK;
	bool any = false;
	const cJSON *p;
	cJSON_ArrayForEach(p, (cJSON_IsArray(tm->content) ? tm->content : NULL)) {
		const cJSON *type = get(p, "type"), *text = part_text(p);
		if (!cJSON_IsString(type) || !cJSON_IsString(text) ||
		    (strcmp(type->valuestring, "reasoning") &&
		     strcmp(type->valuestring, "thinking")))
			continue;
		if (any && st == DLG_OK)
			st = dlg_buf__putc(&tmp, '\n', err);
		if (st == DLG_OK)
			st = dlg_buf__append(&tmp, text->valuestring, strlen(text->valuestring),
					     err);
		any = true;
	}
	if (!any && tm->think) {
		st = dlg_buf__append(&tmp, tm->think, tm->think_len, err);
		any = true;
	}
	if (any && st == DLG_OK)
		st = string_member(b, "reasoning_content", &tmp, err);
	dlg_buf__dispose(&tmp);
	return st;
}

/* The calls of an assistant's message in OpenAI's form (*out, owned), checked (E211, E214),
 * each waiting for its result. */
static dlg_status calls_of(cJSON **out, dlg_unit *u, const cJSON *declared,
			   const dlg_tool_message *tm, dlg_error *err)
{
	cJSON *list = *out = cJSON_CreateArray();
	const char *why = NULL;
	char name[80] = "";
	if (!list)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory (JSON)");
	read_calls(list, tm, &why, name, sizeof name);
	if (why)
		DLG_TRY(dlg_unit__diag(u, err, DLG_DIAG_BAD_TOOL_CALL, u->record_line, 1, tm->turn,
				       "a tool call%s%s%s %s", *name ? " to '" : "", name,
				       *name ? "'" : "", why));
	const cJSON *c;
	cJSON_ArrayForEach(c, list) {
		const char *fn = get(get(c, "function"), "name")->valuestring;
		const cJSON *id = get(c, "id");
		if (declared && !declares(declared, fn))
			DLG_TRY(dlg_unit__diag(u, err, DLG_DIAG_TOOL_NOT_DECLARED, u->record_line,
					       1, tm->turn, "a tool call to '%.60s', which the "
					       "record's tools do not declare", fn));
		DLG_TRY(wait_for(u, cJSON_IsString(id) ? id->valuestring : NULL, err));
	}
	return DLG_OK;
}

/*
 * Whether the message has none of what is read here: no member of the names below, no
 * list (content parts), no calls by its role, no --split-think reasoning. Most messages are
 * {"role", "content"}, for which each look-up below would walk the members for nothing.
 */
static bool plain(const dlg_tool_message *tm)
{
	static const char *const read_here[] = { "reasoning_content", "thinking", "tool_call_id",
						 "name", "weight", "tool_calls",
						 "function_call" };
	if (tm->function_call || tm->think)
		return false;
	const cJSON *c;
	cJSON_ArrayForEach(c, tm->m) {
		if (cJSON_IsArray(c))
			return false;
		for (size_t k = 0; k < sizeof read_here / sizeof read_here[0]; k++)
			if (c->string[0] == read_here[k][0] && strcmp(c->string, read_here[k]) == 0)
				return false;
	}
	return true;
}

dlg_status dlg_tools__message(dlg_span *extra, size_t *calls_at, dlg_unit *u,
			      const cJSON *declared, const dlg_tool_message *tm, dlg_error *err)
{
	dlg_buf *b = &u->msg_extra;
	size_t at = b->len;
	if (tm->role == DLG_ROLE_ASSISTANT)
		DLG_TRY(unanswered(u, tm->turn, err));
	bool nothing_here = plain(tm);
	const cJSON *id = nothing_here ? NULL : get(tm->m, "tool_call_id");
	if (tm->role == DLG_ROLE_TOOL &&
	    !answer(u, cJSON_IsString(id) ? id->valuestring : NULL)) {
		char which[96] = "";
		if (cJSON_IsString(id))
			snprintf(which, sizeof which, " with id %.60s", id->valuestring);
		DLG_TRY(dlg_unit__diag(u, err, DLG_DIAG_TOOL_RESULT_UNASKED, u->record_line, 1,
				       tm->turn, "a tool message answers no call%s waiting for "
				       "its result; remove it or add the call", which));
	}
	*extra = (dlg_span){ at, 0 };
	*calls_at = 0;
	if (nothing_here)
		return DLG_OK;
	DLG_TRY(reasoning(b, u, tm, err));
	static const char *const kept[] = { "tool_call_id", "name", "weight" };
	for (size_t k = 0; k < sizeof kept / sizeof kept[0]; k++) {
		const cJSON *v = get(tm->m, kept[k]);
		if (v)
			DLG_TRY(member(b, kept[k], v, err));
	}
	*calls_at = b->len - at;
	if (tm->role == DLG_ROLE_ASSISTANT && dlg_tools__has_calls(tm->m, tm->function_call)) {
		cJSON *list;
		dlg_status st = calls_of(&list, u, declared, tm, err);
		/* the calls last, so that sharegpt writes them as a turn of their own */
		if (st == DLG_OK && cJSON_GetArraySize(list))
			st = member(b, "tool_calls", list, err);
		cJSON_Delete(list);
		DLG_TRY(st);
	}
	*extra = (dlg_span){ at, b->len - at };
	return DLG_OK;
}

/* The JSON text LLaMA-Factory's function_call turn holds for calls in OpenAI's form (the
 * `,"tool_calls":[...]` member dlg_tools__message wrote): one call {"name", "arguments"
 * (an object), "id" when it has one}, or a list of them. */
dlg_status dlg_tools__sharegpt_calls(dlg_buf *out, const char *member_text, size_t len,
				     dlg_error *err)
{
	static const char key[] = ",\"tool_calls\":";
	DLG_ASSERT(len > sizeof key - 1);
	cJSON *list = cJSON_ParseWithLength(member_text + sizeof key - 1, len - (sizeof key - 1));
	cJSON *calls = cJSON_CreateArray();
	const cJSON *c;
	cJSON_ArrayForEach(c, list) {
		const cJSON *fn = get(c, "function"), *id = get(c, "id");
		cJSON *call = cJSON_CreateObject();
		cJSON_AddItemToObject(call, "name", cJSON_Duplicate(get(fn, "name"), true));
		cJSON_AddItemToObject(call, "arguments",
				      cJSON_Parse(get(fn, "arguments")->valuestring));
		if (id)
			cJSON_AddItemToObject(call, "id", cJSON_Duplicate(id, true));
		cJSON_AddItemToArray(calls, call);
	}
	const cJSON *value = cJSON_GetArraySize(calls) == 1 ? calls->child : calls;
	char *text = cJSON_PrintUnformatted(value);
	cJSON_Delete(list);
	cJSON_Delete(calls);
	if (!text)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory (JSON)");
	cJSON *s = cJSON_CreateString(text);
	cJSON_free(text);
	dlg_status st = s ? append_json(out, s, err) :
		       dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory (JSON)");
	cJSON_Delete(s);
	return st;
}

/* --split-think: a reply's leading <think>...</think> is its reasoning, the text after it
 * (white space before it left out) its content. */
void dlg_tools__split_think(dlg_tool_message *tm, const char **text, size_t *len)
{
	static const char open[] = "<think>", close[] = "</think>";
	size_t lead = 0;
	while (lead < *len && strchr(" \t\r\n", (*text)[lead]))
		lead++;
	if (*len - lead < sizeof open - 1 || memcmp(*text + lead, open, sizeof open - 1) != 0)
		return;
	const char *body = *text + lead + sizeof open - 1;
	const char *end = memmem(body, *len - (size_t)(body - *text), close, sizeof close - 1);
	if (!end)
		return;
	tm->think = body;
	tm->think_len = (size_t)(end - body);
	const char *rest = end + sizeof close - 1, *stop = *text + *len;
	while (rest < stop && strchr(" \t\r\n", *rest))
		rest++;
	*len = (size_t)(stop - rest);
	*text = rest;
}

/*
 * A function_call message right after an assistant reply without calls: the calls of that
 * reply, as sharegpt writes a reply that has text and calls (*joined); else nothing done.
 */
dlg_status dlg_tools__join_calls(bool *joined, dlg_unit *u, const cJSON *declared,
				 const dlg_tool_message *tm, dlg_error *err)
{
	size_t n = DLG_BUF_COUNT(&u->turns, dlg_turn), had = u->msg_extra.len, calls_at;
	dlg_turn *prev = n ? &DLG_BUF_AT(&u->turns, dlg_turn, n - 1) : NULL;
	*joined = false;
	/* only its role and its calls: a message with members of its own is a turn */
	if (!prev || prev->role != DLG_ROLE_ASSISTANT || prev->calls_at < prev->extra.len ||
	    prev->extra.off + prev->extra.len != had || cJSON_GetArraySize(tm->m) != 2)
		return DLG_OK;
	dlg_span extra;
	DLG_TRY(dlg_tools__message(&extra, &calls_at, u, declared, tm, err));
	prev->calls_at = prev->extra.len;
	prev->extra.len += extra.len;
	*joined = true;
	return DLG_OK;
}

dlg_status dlg_tools__end(dlg_unit *u, dlg_error *err)
{
	/* a conversation may end with calls: it teaches the model to make them */
	u->tool_ids.len = 0;
	bool tool_turn = false;
	size_t n = DLG_BUF_COUNT(&u->turns, dlg_turn);
	for (size_t i = 0; i < n; i++)
		tool_turn |= DLG_BUF_AT(&u->turns, dlg_turn, i).role == DLG_ROLE_TOOL;
	if (u->ctx->opts->format == DLG_FORMAT_TEXT &&
	    (u->msg_extra.len || u->tools.len || tool_turn))
		return dlg_unit__diag(u, err, DLG_DIAG_NON_TEXT_CONTENT, u->record_line, 1, 0,
				      "tools, tool calls and results, reasoning, a message's name "
				      "or weight, which --format text cannot hold; use --format "
				      "messages or sharegpt");
	return DLG_OK;
}
