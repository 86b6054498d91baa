/*
 * kept.c - the --keep-fields values' types (kept.h): joined record by record in commit order
 * as pyarrow would infer them, a value that does not fit its column's type written as null
 * (W320), and the result as the dataset card's Hugging Face features. Uses buf.c, error.c,
 * record.c (JSON strings), jsonscan.c (the type trees) and cJSON.
 */
#include "kept.h"
#include "buf.h"
#include "error.h"
#include "jsonscan.h"
#include "record.h"
#include "unit.h"

#include <cjson/cJSON.h>
#include <string.h>

struct dlg_kept_types {
	const dlg_options *opts;
	cJSON *fields[DLG_MAX_KEEP_FIELDS]; /* NULL: only nulls so far */
};

dlg_status dlg_kept__types_new(dlg_kept_types **out, const dlg_options *o, dlg_error *err)
{
	*out = dlg_mem__alloc(o->allocator, sizeof **out);
	if (!*out)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	memset(*out, 0, sizeof **out);
	(*out)->opts = o;
	return DLG_OK;
}

void dlg_kept__types_free(dlg_kept_types *t)
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
	return dlg_jsonscan__is_type(t, "string") ? "a string" :
	       dlg_jsonscan__is_type(t, "bool") ? "true or false" : "a number";
}

dlg_status dlg_kept__types_add(dlg_kept_types *t, dlg_unit *u, dlg_error *err)
{
	const dlg_options *o = t->opts;
	u->kept_nulled = 0;
	const char *v = u->kept.data;
	for (size_t f = 0; f < o->n_keep_fields && u->kept.len; f++, v += strlen(v) + 1) {
		dlg_jsonscan s = { v, strlen(v), 0, NULL, DLG_OK, err };
		cJSON *type = NULL;
		bool strict = dlg_jsonscan__value(&s, 0, &type);
		if (s.status != DLG_OK) {
			cJSON_Delete(type);
			return dlg_error__set(err, s.status, 0, "out of memory (JSON types)");
		}
		DLG_ASSERT(strict); /* jsonread.c keeps only strict text */
		(void)strict;       /* when assertions are compiled out */
		bool conflict = dlg_jsonscan__mixed(type);
		cJSON *joined = conflict ? NULL :
				dlg_jsonscan__join_types(t->fields[f], type, &conflict);
		if (joined) {
			cJSON_Delete(t->fields[f]);
			t->fields[f] = joined;
		} else if (conflict) {
			u->kept_nulled |= (uint64_t)1 << f;
			dlg_status st = dlg_jsonscan__mixed(type) ?
				dlg_unit__diag(u, err, DLG_DIAG_KEPT_FIELD_TYPE_CHANGED,
					       u->record_line, 1, 0, "field \"%.64s\" holds values "
					       "of different types in one list or object; "
					       "written as null, as a column holds one type",
					       o->keep_fields[f]) :
				dlg_unit__diag(u, err, DLG_DIAG_KEPT_FIELD_TYPE_CHANGED,
					       u->record_line, 1, 0, "field \"%.64s\" holds %s "
					       "here but %s in earlier records; written as null, "
					       "so that the column keeps one type",
					       o->keep_fields[f], type_words(type),
					       type_words(t->fields[f]));
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
			       dlg_jsonscan__is_type(t, "null") ? "\"null\"" : t->valuestring);
}

static dlg_status yaml_fields(dlg_buf *b, const cJSON *fields, int pad, dlg_error *err)
{
	for (const cJSON *f = fields->child; f; f = f->next) {
		DLG_TRY(yaml_name(b, pad, f->string, err));
		DLG_TRY(yaml_type(b, f, pad + 2, err));
	}
	return DLG_OK;
}

dlg_status dlg_kept__features(dlg_buf *b, const dlg_kept_types *t, int pad, dlg_error *err)
{
	const dlg_options *o = t->opts;
	for (size_t f = 0; f < o->n_keep_fields; f++) {
		DLG_TRY(yaml_name(b, pad, o->keep_fields[f], err));
		DLG_TRY(yaml_type(b, t->fields[f], pad + 2, err));
	}
	return DLG_OK;
}
