/*
 * shape.c - the shape of a JSON record (shape.h): which of its fields hold the turns, in
 * what order, as docs/rules.md "Record shapes" says. Only where the turns are: reading them
 * is jsonread.c's. Uses cJSON.
 */
#include "shape.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const cJSON *dlg_shape__at_path(const cJSON *node, const char *path)
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

/* The key a read path starts with: what the record-level field rule counts as read. */
static void use(dlg_shape *s, const char *path)
{
	if (path && s->n_used < DLG_SHAPE_USED)
		s->used[s->n_used++] = path;
}

static const cJSON *member(const cJSON *root, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(root, key);
}

static void part(dlg_shape *s, dlg_part_kind kind, dlg_role role, const cJSON *node,
		 const cJSON *node2)
{
	if (s->n_parts < DLG_SHAPE_PARTS)
		s->parts[s->n_parts++] = (dlg_part){ kind, role, node, node2 };
}

/* What comes before a pair's sides: TRL's prompt, a string (the user's turn) or messages,
 * or LLaMA-Factory's messages or conversations array; NULL when there is none. */
static const cJSON *prompt_of(const cJSON *root)
{
	const cJSON *prompt = member(root, "prompt");
	if (cJSON_IsString(prompt) || cJSON_IsArray(prompt))
		return prompt;
	prompt = member(root, "messages");
	return cJSON_IsArray(prompt) ? prompt : cJSON_IsArray(member(root, "conversations")) ?
	       member(root, "conversations") : NULL;
}

static void prompt_part(dlg_shape *s, const cJSON *prompt)
{
	if (!prompt)
		return;
	part(s, cJSON_IsString(prompt) ? DLG_PART_STRING : DLG_PART_MESSAGES, DLG_ROLE_USER,
	     prompt, NULL);
	use(s, prompt->string);
}

/* A reply side: messages, one message, or a string answering a prompt. */
static void reply_part(dlg_shape *s, const cJSON *side, const char *key)
{
	part(s, cJSON_IsString(side) ? DLG_PART_STRING : DLG_PART_MESSAGES, DLG_ROLE_ASSISTANT,
	     side, NULL);
	use(s, key);
}

/* A side a pair's reply can be: messages, one message, or a string after a prompt. */
static bool reply_side(const cJSON *side, const cJSON *prompt)
{
	return cJSON_IsArray(side) || cJSON_IsObject(side) || (cJSON_IsString(side) && prompt);
}

/* A transcript string and its reply: its own `### System:` turns are its system prompt, so
 * a system field beside it is not read (and is said not carried, unless kept). */
static void transcript(dlg_shape *s, const cJSON *text, const cJSON *reply)
{
	s->n_parts = s->n_used = 0;
	s->transcript = true;
	s->name = "transcript";
	s->text = cJSON_IsString(text) ? text : NULL;
	s->reply = reply;
}

/* The transcript string shapes (--text-field, --response-field, --rejected-field), where a
 * TRL prompt beside the named side makes it a prompt and its reply. */
static void named_side(dlg_shape *s, const cJSON *root, const dlg_options *o, bool rejected)
{
	const char *field = rejected ? o->rejected_field : o->text_field;
	if (!field && o->rejected_field && member(root, "chosen"))
		field = "chosen";
	const cJSON *side = dlg_shape__at_path(root, field ? field : "text");
	const cJSON *prompt = prompt_of(root);
	bool prompt_beside = prompt && field && strcmp(field, prompt->string) != 0 &&
			     !o->response_field;
	if (cJSON_IsArray(side) || cJSON_IsObject(side) ||
	    (cJSON_IsString(side) && prompt_beside)) {
		s->name = prompt_beside ? "preference (prompt and reply)" : "preference";
		if (prompt_beside)
			prompt_part(s, prompt);
		reply_part(s, side, field);
		return;
	}
	transcript(s, side,
		   o->response_field ? dlg_shape__at_path(root, o->response_field) : NULL);
	use(s, field ? field : "text");
	use(s, o->response_field);
}

/* alpaca: history pairs, then the instruction (with its input) and the output. */
static bool alpaca(dlg_shape *s, const cJSON *root)
{
	const cJSON *instruction = member(root, "instruction"), *output = member(root, "output");
	if (!cJSON_IsString(instruction) || !cJSON_IsString(output))
		return false;
	s->name = "alpaca";
	const cJSON *history = member(root, "history");
	if (cJSON_IsArray(history)) {
		part(s, DLG_PART_HISTORY, DLG_ROLE_USER, history, NULL);
		use(s, "history");
	}
	const cJSON *input = member(root, "input");
	part(s, DLG_PART_STRING, DLG_ROLE_USER, instruction, cJSON_IsString(input) ? input : NULL);
	part(s, DLG_PART_STRING, DLG_ROLE_ASSISTANT, output, NULL);
	use(s, "instruction");
	if (cJSON_IsString(input))
		use(s, "input");
	use(s, "output");
	return true;
}

/* The shapes known without options, after messages arrays and alpaca: TRL's preference
 * (its chosen side), prompt/completion (KTO), OpenAI's preference; else a "text". */
static void detected(dlg_shape *s, const cJSON *root)
{
	const cJSON *chosen = member(root, "chosen"), *completion = member(root, "completion");
	const cJSON *input = member(root, "input");
	const cJSON *preferred = member(root, "preferred_output");
	const cJSON *in_messages = member(input, "messages");
	if (reply_side(chosen, prompt_of(root))) {
		s->name = "preference";
		s->one_side = true;
		prompt_part(s, prompt_of(root));
		reply_part(s, chosen, "chosen");
	} else if (cJSON_IsString(chosen)) { /* HH-RLHF's: the chosen transcript, its own prompt */
		transcript(s, chosen, NULL);
		s->one_side = true;
		use(s, "chosen");
	} else if (member(root, "prompt") && reply_side(completion, member(root, "prompt"))) {
		s->name = "prompt/completion";
		prompt_part(s, member(root, "prompt"));
		reply_part(s, completion, "completion");
	} else if (cJSON_IsArray(in_messages) && cJSON_IsArray(preferred)) {
		s->name = "openai-preference";
		s->one_side = true;
		part(s, DLG_PART_MESSAGES, DLG_ROLE_USER, in_messages, NULL);
		use(s, "input");
		reply_part(s, preferred, "preferred_output");
	} else {
		transcript(s, member(root, "text"), NULL);
		use(s, "text");
	}
}

/* The shapes but a transcript read the record's tools (tools.c). */
static void find(dlg_shape *s, const cJSON *root, const dlg_options *o, bool rejected_side);

void dlg_shape__find(dlg_shape *s, const cJSON *root, const dlg_options *o, bool rejected_side)
{
	find(s, root, o, rejected_side);
	if (!s->transcript && member(root, "tools"))
		use(s, "tools");
}

static void find(dlg_shape *s, const cJSON *root, const dlg_options *o, bool rejected_side)
{
	memset(s, 0, sizeof *s);
	const char *system_key = o->system_field ? o->system_field : "system";
	const cJSON *system = dlg_shape__at_path(root, system_key);
	if (cJSON_IsString(system)) { /* "" is no system prompt (dlgconv's sharegpt writes it) */
		if (system->valuestring[0])
			part(s, DLG_PART_STRING, DLG_ROLE_SYSTEM, system, NULL);
		use(s, system_key);
	}
	if (o->prompt_field) {
		s->name = "prompt/response";
		part(s, DLG_PART_STRING, DLG_ROLE_USER, dlg_shape__at_path(root, o->prompt_field),
		     NULL);
		s->reply = dlg_shape__at_path(root, o->response_field);
		part(s, DLG_PART_STRING, DLG_ROLE_ASSISTANT, s->reply, NULL);
		use(s, o->prompt_field);
		use(s, o->response_field);
		return;
	}
	if (o->text_field || o->response_field || o->rejected_field) {
		named_side(s, root, o, rejected_side);
		use(s, o->rejected_field); /* the other side of the pair */
		return;
	}
	const cJSON *messages = o->messages_field ? dlg_shape__at_path(root, o->messages_field) :
				cJSON_IsArray(member(root, "messages")) ? member(root, "messages") :
				member(root, "conversations");
	if (cJSON_IsArray(messages) && reply_side(member(root, "chosen"), messages)) {
		detected(s, root); /* LLaMA-Factory's pairs: the messages, then a side */
		return;
	}
	if (cJSON_IsArray(messages)) {
		s->name = messages == member(root, "conversations") ? "conversations" :
			  "messages"; /* static: the unit keeps it after the tree is gone */
		part(s, DLG_PART_MESSAGES, DLG_ROLE_USER, messages, NULL);
		use(s, o->messages_field ? o->messages_field : messages->string);
		return;
	}
	if (o->messages_field || alpaca(s, root))
		return;
	detected(s, root);
}

/* One "field -> what" of a description, after the others. */
static void say(char *out, size_t cap, size_t *at, const char *field, const char *more,
		const char *what)
{
	if (*at >= cap || !field)
		return;
	int n = snprintf(out + *at, cap - *at, "%s%s%s%s -> %s", *at ? ", " : "", field,
			 more ? "+" : "", more ? more : "", what);
	*at += n > 0 ? (size_t)n : 0;
}

void dlg_shape__describe(char *out, size_t cap, const dlg_shape *s)
{
	static const char *const roles[] = { "system", "user", "assistant", "tool" };
	size_t at = 0;
	out[0] = '\0';
	if (s->transcript) {
		say(out, cap, &at, s->text ? s->text->string : NULL, NULL, "transcript");
		say(out, cap, &at, s->reply ? s->reply->string : NULL, NULL, "assistant");
	}
	for (size_t i = 0; i < s->n_parts; i++) {
		const dlg_part *p = &s->parts[i];
		const char *key = p->node ? p->node->string : NULL;
		if (p->kind == DLG_PART_MESSAGES)
			say(out, cap, &at, key, NULL,
			    cJSON_IsObject(p->node) ? "message" : "messages");
		else if (p->kind == DLG_PART_HISTORY)
			say(out, cap, &at, key, NULL, "user/assistant pairs");
		else
			say(out, cap, &at, key, p->node2 ? p->node2->string : NULL, roles[p->role]);
	}
	for (size_t i = 0; i < s->n_used; i++)
		if (strcmp(s->used[i], "tools") == 0)
			say(out, cap, &at, "tools", NULL, "tools");
}

static bool named(const char *key, const char *const *names, size_t n, bool inside)
{
	for (size_t i = 0; i < n; i++)
		if (inside ? strstr(key, names[i]) != NULL : strcmp(key, names[i]) == 0)
			return true;
	return false;
}

bool dlg_shape__guess(const cJSON *root, const char **prompt, const char **answer)
{
	static const char *const prompts[] = { "question", "prompt", "query", "instruction",
					       "input", "q" };
	static const char *const answers[] = { "answer", "response", "output", "reply",
					       "completion" };
	*prompt = *answer = NULL;
	for (const cJSON *c = root->child; c; c = c->next) {
		if (!cJSON_IsString(c))
			continue;
		size_t n_prompts = sizeof prompts / sizeof prompts[0];
		if (!*prompt && named(c->string, prompts, n_prompts, false))
			*prompt = c->string;
		else if (!*answer && (strcmp(c->string, "a") == 0 ||
				      named(c->string, answers, sizeof answers / sizeof answers[0],
					    true)))
			*answer = c->string;
	}
	return *prompt && *answer;
}

bool dlg_shape__is_message(const cJSON *m)
{
	static const char *const role_keys[] = { "role", "from", "speaker" };
	const cJSON *role = NULL;
	for (size_t k = 0; k < sizeof role_keys / sizeof role_keys[0] && !role; k++)
		role = member(m, role_keys[k]);
	return cJSON_IsObject(m) && cJSON_IsString(role) && !member(m, "messages") &&
	       !member(m, "conversations");
}
