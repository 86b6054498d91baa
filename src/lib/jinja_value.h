/*
 * jinja_value.h - the values a chat template computes with (jinja_value.c), as
 * @huggingface/jinja has them: undefined, none, booleans, integers, floats, strings,
 * lists, mappings, namespaces, a loop's `loop`, and functions. They live in one render's
 * arena, which counts its bytes against the render's budget.
 */
#ifndef DLG_JINJA_VALUE_H
#define DLG_JINJA_VALUE_H

#include "internal.h"
#include "buf.h"

typedef enum jv_kind {
	JV_UNDEF, JV_NONE, JV_BOOL, JV_INT, JV_FLOAT, JV_STR, JV_LIST, JV_DICT, JV_NS, JV_LOOP,
	JV_FUNC
} jv_kind;

/* The functions and methods a JV_FUNC is. */
typedef enum jfn {
	FN_NAMESPACE, FN_RAISE, FN_STRIP, FN_LSTRIP, FN_RSTRIP, FN_STARTSWITH, FN_ENDSWITH,
	FN_SPLIT, FN_REPLACE, FN_GET, FN_ITEMS, FN_KEYS, FN_VALUES
} jfn;

typedef struct jv jv;
typedef struct jlist {
	size_t n;
	jv *v;
} jlist;
typedef struct jdict { /* in insertion order; keys are strings */
	size_t n, cap;
	jv *k, *v;
} jdict;

struct jv {
	uint8_t kind; /* jv_kind */
	uint8_t fn;   /* JV_FUNC: jfn */
	bool b;
	int64_t i;    /* JV_INT; JV_LOOP: the iteration */
	double f;
	const char *s; /* JV_STR: s[0, n) */
	size_t n;
	jlist *l;      /* JV_LIST; JV_LOOP: the items */
	jdict *d;      /* JV_DICT, JV_NS */
	const jv *self; /* JV_FUNC: the value whose method it is */
};

typedef struct jchunk jchunk;
typedef struct jarena {
	jchunk *head;
	size_t used, budget; /* bytes taken, and the most that may be */
	void *json;          /* the cJSON tree of the variables, whose strings values point
				into: freed with the arena */
} jarena;

/** size bytes (aligned, zeroed) from the arena; NULL past its budget or out of memory. */
void *dlg_jv__alloc(jarena *a, size_t size);
/** Frees the arena's chunks and its JSON tree; the arena may then be used again. */
void dlg_jv__arena_free(jarena *a);

jv dlg_jv__str(const char *s, size_t n);
jv dlg_jv__int(int64_t i);
jv dlg_jv__bool(bool b);
/** A copy of s[0, n) in the arena, as a string value; kind JV_UNDEF when out of budget. */
jv dlg_jv__str_copy(jarena *a, const char *s, size_t n);

bool dlg_jv__truthy(const jv *v);
/** A mapping's value at key[0, n), or NULL. */
jv *dlg_jv__get(const jdict *d, const char *key, size_t n);
/** Sets key (a string value) to v; false when out of budget. */
bool dlg_jv__put(jarena *a, jdict *d, jv key, jv v);

/** The variables of the JSON object vars[0, n) as a mapping (cJSON): DLG_E_ARG when not one. */
dlg_status dlg_jv__from_json(jarena *a, const char *vars, size_t n, jdict **out,
			     dlg_error *err) DLG_WUR;

/** The deepest lists and mappings tojson and `{{ }}` write. */
#define DLG_JV_MAX_DEPTH 512

/**
 * `v | tojson` as @huggingface/jinja writes it: JSON.stringify's strings and numbers,
 * ", " and ": " between items without `indent`, "," and a newline with. Undefined is null
 * (`undef_null`) or undefined. false when a value has none (a function, lists nested
 * past DLG_JV_MAX_DEPTH) or out of memory.
 */
bool dlg_jv__json(dlg_buf *out, const jv *v, int64_t indent, size_t depth, bool undef_null);

/** `{{ v }}`: what the template writes for v (nothing for none and undefined). */
bool dlg_jv__write(dlg_buf *out, const jv *v);

/** JavaScript's Number.prototype.toString of a finite double. */
bool dlg_jv__js_number(dlg_buf *out, double d);

#endif
