/*
 * chat.c - the chat template a run renders with (docs/templates.md): a built-in (its
 * text compiled in from fixtures/templates, the template_* tests' files) with the
 * variables its model's tokenizer_config.json gives it, or the tokenizer's own
 * chat_template with its bos_token and eos_token (tokenizer.c keeps them). cJSON reads the
 * tokenizer's.
 */
#include "chat.h"
#include "error.h"
#include "jinja.h"
#include "tokenizer.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

/* Memory one render may take (values and text): 64 MiB, and 8 bytes for each of its
 * variables' JSON, so that only a template that grows without bound meets it. */
#define RENDER_BUDGET(vars_len) (((size_t)64 << 20) + 8 * (vars_len))

struct dlg_chat {
	dlg_jinja *t;
	const char *name;
	char *vars; /* the model's variables, as JSON object members */
};

/* What each built-in's model's tokenizer_config.json gives its template (the same as
 * fixtures/templates/templates.json, which template_golden checks). Llama 3.2's date is
 * given: dlgconv has no strftime_now, since a count must not depend on the day it runs. */
static const struct {
	const char *name, *vars;
} builtin_vars[] = {
	{ "chatml", "\"bos_token\":\"\",\"eos_token\":\"<|im_end|>\"" },
	{ "llama3.1", "\"bos_token\":\"<|begin_of_text|>\",\"eos_token\":\"<|eot_id|>\"" },
	{ "llama3.2", "\"bos_token\":\"<|begin_of_text|>\",\"eos_token\":\"<|eot_id|>\","
		      "\"date_string\":\"26 Jul 2024\"" },
	{ "qwen2.5", "\"bos_token\":null,\"eos_token\":\"<|im_end|>\"" },
	{ "qwen3", "\"bos_token\":null,\"eos_token\":\"<|im_end|>\"" },
	{ "mistral", "\"bos_token\":\"<s>\",\"eos_token\":\"</s>\"" },
	{ "gemma2", "\"bos_token\":\"<bos>\",\"eos_token\":\"<eos>\"" },
	{ "gemma3", "\"bos_token\":\"<bos>\",\"eos_token\":\"<end_of_turn>\"" },
	{ "phi3", "\"bos_token\":\"<s>\",\"eos_token\":\"<|endoftext|>\"" },
	{ "phi4", "\"bos_token\":\"<|endoftext|>\",\"eos_token\":\"<|im_end|>\"" },
	{ "phi4-reasoning", "\"bos_token\":\"<|endoftext|>\",\"eos_token\":\"<|im_end|>\"" },
	{ "deepseek-v3", "\"bos_token\":\"<\xef\xbd\x9c" "begin\xe2\x96\x81of\xe2\x96\x81sentence"
			 "\xef\xbd\x9c>\",\"eos_token\":\"<\xef\xbd\x9c" "end\xe2\x96\x81of"
			 "\xe2\x96\x81sentence\xef\xbd\x9c>\"" },
	{ "deepseek-r1", "\"bos_token\":\"<\xef\xbd\x9c" "begin\xe2\x96\x81of\xe2\x96\x81sentence"
			 "\xef\xbd\x9c>\",\"eos_token\":\"<\xef\xbd\x9c" "end\xe2\x96\x81of"
			 "\xe2\x96\x81sentence\xef\xbd\x9c>\"" },
};

const char *dlg_chat__builtin_vars(const char *name)
{
	for (size_t i = 0; i < sizeof builtin_vars / sizeof *builtin_vars; i++)
		if (!strcmp(builtin_vars[i].name, name))
			return builtin_vars[i].vars;
	return NULL;
}

static char *copy(const char *s)
{
	size_t n = strlen(s) + 1;
	char *c = malloc(n);
	return c ? memcpy(c, s, n) : NULL;
}

/* The chat_template of tokenizer_config.json: a string, or the "default" of a list of
 * named ones; NULL when it has none. */
static const cJSON *config_template(const cJSON *cfg)
{
	const cJSON *tpl = cJSON_GetObjectItemCaseSensitive(cfg, "chat_template"), *e;
	if (!cJSON_IsArray(tpl))
		return tpl;
	cJSON_ArrayForEach(e, tpl) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "name");
		if (cJSON_IsString(name) && !strcmp(name->valuestring, "default"))
			return cJSON_GetObjectItemCaseSensitive(e, "template");
	}
	return tpl;
}

/* The tokenizer's template, with its bos_token and eos_token (an AddedToken's content). */
static dlg_status from_tokenizer(dlg_chat *c, const cJSON *cfg, dlg_error *err)
{
	const cJSON *tpl = config_template(cfg);
	if (!cJSON_IsString(tpl))
		return dlg_error__set(err, DLG_E_ARG, 0, "the tokenizer's chat_template is neither "
				      "a string nor a list holding one named \"default\"");
	DLG_TRY(dlg_jinja__compile(&c->t, tpl->valuestring, strlen(tpl->valuestring), err));
	cJSON *vars = cJSON_CreateObject();
	static const char *const tokens[] = { "bos_token", "eos_token" };
	for (size_t i = 0; vars && i < 2; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(cfg, tokens[i]);
		if (cJSON_IsObject(v))
			v = cJSON_GetObjectItemCaseSensitive(v, "content");
		if (cJSON_IsString(v) && !cJSON_AddStringToObject(vars, tokens[i], v->valuestring))
			break;
	}
	char *members = vars ? cJSON_PrintUnformatted(vars) : NULL; /* {"bos_token":...} */
	cJSON_Delete(vars);
	size_t n = members ? strlen(members) : 0;
	if (members && (c->vars = malloc(n - 1))) {
		memcpy(c->vars, members + 1, n - 2); /* without the braces */
		c->vars[n - 2] = '\0';
	}
	cJSON_free(members);
	return c->vars ? DLG_OK : dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
}

/* A built-in (own false) or the tokenizer's template (config), compiled. */
static dlg_status load(dlg_chat **out, const char *name, bool own, const cJSON *config,
		       dlg_error *err)
{
	const dlg_chat_builtin *b = NULL;
	for (size_t i = 0; !own && i < dlg_chat__n_builtins; i++)
		if (!strcmp(dlg_chat__builtins[i].name, name))
			b = &dlg_chat__builtins[i];
	if (!own && (!b || !dlg_chat__builtin_vars(name))) {
		char known[512] = "";
		for (size_t i = 0; i < dlg_chat__n_builtins; i++)
			snprintf(known + strlen(known), sizeof known - strlen(known), "%s, ",
				 dlg_chat__builtins[i].name);
		return dlg_error__set(err, DLG_E_ARG, 0, "option template: no built-in chat "
				      "template '%s' (known: %stokenizer, none)", name, known);
	}
	dlg_chat *c = calloc(1, sizeof *c);
	if (!c)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	c->name = own ? "tokenizer" : b->name;
	dlg_status st;
	if (own) {
		st = from_tokenizer(c, config, err);
	} else {
		st = dlg_jinja__compile(&c->t, b->text, b->len, err);
		if (!st && !(c->vars = copy(dlg_chat__builtin_vars(name))))
			st = dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	}
	if (st) {
		/* the template's own message, saying which template */
		if (st == DLG_E_ARG) {
			char msg[sizeof err->msg];
			snprintf(msg, sizeof msg, "%s", err->msg);
			dlg_error__set(err, st, 0, "chat template %s: %s", c->name, msg);
		}
		dlg_chat__free(c);
		return st;
	}
	*out = c;
	return DLG_OK;
}

dlg_status dlg_chat__load(dlg_chat **out, const char *name, const struct dlg_tokenizer *tok,
			  dlg_error *err)
{
	*out = NULL;
	const char *text = tok ? dlg_tokenizer__config(tok) : NULL;
	cJSON *config = text ? cJSON_Parse(text) : NULL;
	bool has = config_template(config) != NULL;
	if ((!name && !has) || (name && !strcmp(name, "none"))) {
		cJSON_Delete(config);
		return DLG_OK;
	}
	bool own = !name || !strcmp(name, "tokenizer");
	dlg_status st = own && !has ? dlg_error__set(err, DLG_E_ARG, 0, "option template "
						     "tokenizer: the tokenizer has no "
						     "chat_template in its tokenizer_config.json")
				    : load(out, name, own, config, err);
	cJSON_Delete(config);
	return st;
}

void dlg_chat__free(dlg_chat *c)
{
	if (!c)
		return;
	dlg_jinja__free(c->t);
	free(c->vars);
	free(c);
}

const char *dlg_chat__name(const dlg_chat *c)
{
	return c->name;
}

dlg_status dlg_chat__render(const dlg_chat *c, const char *messages, size_t n,
			    const char *tools, size_t tools_n, bool prompt, dlg_buf *vars,
			    dlg_buf *out, dlg_error *err)
{
	vars->len = 0;
	DLG_TRY(dlg_buf__append(vars, "{\"messages\":", 12, err));
	DLG_TRY(dlg_buf__append(vars, messages, n, err));
	if (tools_n) {
		DLG_TRY(dlg_buf__append(vars, ",\"tools\":", 9, err));
		DLG_TRY(dlg_buf__append(vars, tools, tools_n, err));
	}
	DLG_TRY(dlg_buf__printf(vars, err, ",\"add_generation_prompt\":%s%s%s}",
				prompt ? "true" : "false", *c->vars ? "," : "", c->vars));
	return dlg_jinja__render(c->t, vars->data, vars->len, RENDER_BUDGET(vars->len), out, err);
}
