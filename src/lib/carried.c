/*
 * carried.c - the rule that no field of a JSON record is dropped without a word (carried.h,
 * docs/rules.md "Fields not carried"): what each message keeps, and the names of what is
 * neither read nor kept. Uses buf.c, error.c and cJSON.
 */
#include "carried.h"
#include "buf.h"
#include "error.h"

#include <string.h>

/* `name` at `level` ('r' or 'm') into u->not_carried, once; past DLG_CARRIED_NAMES names, a
 * '+' entry of the level instead. */
static dlg_status note(dlg_unit *u, char level, const char *name, dlg_error *err)
{
	size_t names = 0;
	for (size_t i = 0; i < u->not_carried.len; names++) {
		const char *e = u->not_carried.data + i;
		if (e[0] == level && (strcmp(e + 1, name) == 0 || e[1] == '+'))
			return DLG_OK;
		i += strlen(e) + 1;
	}
	char more[3] = { level, '+', '\0' };
	bool full = names >= DLG_CARRIED_NAMES;
	DLG_TRY(dlg_buf__putc(&u->not_carried, full ? more[0] : level, err));
	const char *text = full ? more + 1 : name;
	return dlg_buf__append(&u->not_carried, text, strlen(text) + 1, err);
}

static bool listed(const char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

dlg_status dlg_carried__message(size_t *at, dlg_unit *u, const cJSON *m, const cJSON *role,
				const cJSON *content, dlg_error *err)
{
	const dlg_options *o = u->ctx->opts;
	*at = 0;
	if (o->n_keep_message_fields) {
		*at = u->msg_kept.len + 1;
		for (size_t f = 0; f < o->n_keep_message_fields; f++) {
			const char *name = o->keep_message_fields[f];
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, name);
			char *text = v ? cJSON_PrintUnformatted(v) : NULL;
			if (v && !text)
				return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory (JSON)");
			dlg_status st = dlg_buf__append(&u->msg_kept, text ? text : "null",
							text ? strlen(text) + 1 : 5, err);
			cJSON_free(text);
			DLG_TRY(st);
		}
	}
	/* what tools.c reads and writes, as the members of the written message */
	static const char *const read[] = { "stage_directions", "reasoning_content", "thinking",
					    "tool_calls", "function_call", "tool_call_id", "name",
					    "weight" };
	for (const cJSON *c = m ? m->child : NULL; c; c = c->next)
		if (c != role && c != content &&
		    !listed(read, sizeof read / sizeof read[0], c->string) &&
		    !listed(o->keep_message_fields, o->n_keep_message_fields, c->string))
			DLG_TRY(note(u, 'm', c->string, err));
	return DLG_OK;
}

dlg_status dlg_carried__merge(dlg_unit *chosen, const dlg_unit *rejected, dlg_error *err)
{
	for (size_t i = 0; i < rejected->not_carried.len;) {
		const char *e = rejected->not_carried.data + i;
		i += strlen(e) + 1;
		if (e[0] == 'm')
			DLG_TRY(note(chosen, 'm', e + 1, err));
	}
	return DLG_OK;
}

/* Whether `key` is the first key of one of the paths. */
static bool read_key(const char *const *used, size_t n, const char *key)
{
	size_t len = strlen(key);
	for (size_t i = 0; i < n; i++)
		if (strncmp(used[i], key, len) == 0 && (used[i][len] == '\0' ||
							used[i][len] == '.'))
			return true;
	return false;
}

/* A record dlgconv wrote: its id is 32 hex digits. Its source and record name where it was
 * written, which the new record's provenance replaces; its meta is --keep-fields'. */
static bool own_record(const cJSON *root)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(root, "id");
	return cJSON_IsString(id) && strlen(id->valuestring) == 32 &&
	       strspn(id->valuestring, "0123456789abcdef") == 32;
}

dlg_status dlg_carried__record(dlg_unit *u, const cJSON *root, const char *const *used,
			       size_t n_used, dlg_error *err)
{
	const dlg_options *o = u->ctx->opts;
	bool own = own_record(root);
	for (const cJSON *c = root->child; c; c = c->next) {
		if (read_key(used, n_used, c->string) ||
		    listed(o->keep_fields, o->n_keep_fields, c->string))
			continue;
		if (own && (strcmp(c->string, "id") == 0 || strcmp(c->string, "source") == 0 ||
			    strcmp(c->string, "record") == 0))
			continue;
		if (own && strcmp(c->string, "meta") == 0 && cJSON_IsObject(c)) {
			/* a dataset's meta: each of its fields is kept or named */
			for (const cJSON *f = c->child; f; f = f->next)
				if (!listed(o->keep_fields, o->n_keep_fields, f->string) &&
				    !(o->keep_preamble && strcmp(f->string, "preamble") == 0))
					DLG_TRY(note(u, 'r', f->string, err));
			continue;
		}
		DLG_TRY(note(u, 'r', c->string, err));
	}
	return DLG_OK;
}
