/*
 * jinja_value.c - a chat template's values (docs/templates.md): the arena they live in,
 * read from the render's JSON variables (cJSON), and written out as @huggingface/jinja
 * writes them: `{{ v }}` and `v | tojson` follow JavaScript (JSON.stringify, Number's
 * toString, `true` not `True`), since that is the reference the goldens come from.
 */
#include "jinja_value.h"
#include "error.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

struct jchunk {
	jchunk *next;
	size_t size, used;
	max_align_t data[];
};

#define CHUNK_MIN ((size_t)64 << 10)

void *dlg_jv__alloc(jarena *a, size_t size)
{
	size = (size + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	if (size > a->budget || a->used > a->budget - size)
		return NULL;
	jchunk *c = a->head;
	if (!c || c->size - c->used < size) {
		size_t want = size > CHUNK_MIN ? size : CHUNK_MIN;
		c = malloc(sizeof *c + want);
		if (!c)
			return NULL;
		c->next = a->head;
		c->size = want;
		c->used = 0;
		a->head = c;
	}
	void *p = (char *)c->data + c->used;
	c->used += size;
	a->used += size;
	memset(p, 0, size);
	return p;
}

void dlg_jv__arena_free(jarena *a)
{
	while (a->head) {
		jchunk *next = a->head->next;
		free(a->head);
		a->head = next;
	}
	a->used = 0;
	cJSON_Delete(a->json);
	a->json = NULL;
}

jv dlg_jv__str(const char *s, size_t n)
{
	return (jv){ .kind = JV_STR, .s = s, .n = n };
}

jv dlg_jv__int(int64_t i)
{
	return (jv){ .kind = JV_INT, .i = i };
}

jv dlg_jv__bool(bool b)
{
	return (jv){ .kind = JV_BOOL, .b = b };
}

jv dlg_jv__str_copy(jarena *a, const char *s, size_t n)
{
	char *p = dlg_jv__alloc(a, n + 1);
	if (!p)
		return (jv){ .kind = JV_UNDEF };
	memcpy(p, s, n);
	return dlg_jv__str(p, n);
}

bool dlg_jv__truthy(const jv *v)
{
	switch ((jv_kind)v->kind) {
	case JV_UNDEF:
	case JV_NONE:
		return false;
	case JV_BOOL:
		return v->b;
	case JV_INT:
		return v->i != 0;
	case JV_FLOAT:
		return v->f != 0 && !isnan(v->f);
	case JV_STR:
		return v->n > 0;
	case JV_LIST:
		return v->l->n > 0;
	case JV_DICT:
		return v->d->n > 0;
	case JV_NS:
	case JV_LOOP:
	case JV_FUNC:
		return true;
	}
	return true;
}

jv *dlg_jv__get(const jdict *d, const char *key, size_t n)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->k[i].n == n && !memcmp(d->k[i].s, key, n))
			return &d->v[i];
	return NULL;
}

bool dlg_jv__put(jarena *a, jdict *d, jv key, jv v)
{
	jv *have = dlg_jv__get(d, key.s, key.n);
	if (have) {
		*have = v;
		return true;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		jv *k = dlg_jv__alloc(a, cap * sizeof *k), *vs = dlg_jv__alloc(a, cap * sizeof *vs);
		if (!k || !vs)
			return false;
		if (d->n) {
			memcpy(k, d->k, d->n * sizeof *k);
			memcpy(vs, d->v, d->n * sizeof *vs);
		}
		d->k = k;
		d->v = vs;
		d->cap = cap;
	}
	d->k[d->n] = key;
	d->v[d->n++] = v;
	return true;
}

/* JavaScript's numbers: an integer is an IntegerValue, anything else a FloatValue. */
static bool from_cjson(jarena *a, const cJSON *j, jv *out)
{
	if (cJSON_IsNull(j)) {
		*out = (jv){ .kind = JV_NONE };
	} else if (cJSON_IsBool(j)) {
		*out = dlg_jv__bool(cJSON_IsTrue(j));
	} else if (cJSON_IsNumber(j)) {
		double d = j->valuedouble;
		if (d == floor(d) && fabs(d) <= 9007199254740991.0)
			*out = dlg_jv__int((int64_t)d);
		else
			*out = (jv){ .kind = JV_FLOAT, .f = d };
	} else if (cJSON_IsString(j)) {
		*out = dlg_jv__str(j->valuestring, strlen(j->valuestring));
	} else if (cJSON_IsArray(j)) {
		size_t n = (size_t)cJSON_GetArraySize(j), i = 0;
		jlist *l = dlg_jv__alloc(a, sizeof *l);
		if (!l || (n && !(l->v = dlg_jv__alloc(a, n * sizeof *l->v))))
			return false;
		l->n = n;
		for (const cJSON *e = j->child; e; e = e->next)
			if (!from_cjson(a, e, &l->v[i++]))
				return false;
		*out = (jv){ .kind = JV_LIST, .l = l };
	} else {
		jdict *d = dlg_jv__alloc(a, sizeof *d);
		if (!d)
			return false;
		for (const cJSON *e = j->child; e; e = e->next) {
			jv v;
			if (!from_cjson(a, e, &v) ||
			    !dlg_jv__put(a, d, dlg_jv__str(e->string, strlen(e->string)), v))
				return false;
		}
		*out = (jv){ .kind = JV_DICT, .d = d };
	}
	return true;
}

dlg_status dlg_jv__from_json(jarena *a, const char *vars, size_t n, jdict **out, dlg_error *err)
{
	cJSON *tree = cJSON_ParseWithLength(vars, n);
	if (!tree || !cJSON_IsObject(tree)) {
		cJSON_Delete(tree);
		return dlg_error__set(err, DLG_E_ARG, 0,
				      "the template's variables are not a JSON object");
	}
	cJSON_Delete(a->json);
	a->json = tree;
	jv v;
	if (!from_cjson(a, tree, &v))
		return dlg_error__set(err, DLG_E_LIMIT, 0, "the chat template's render budget "
				      "(%zu bytes) is too small for the conversation", a->budget);
	*out = v.d;
	return DLG_OK;
}

static bool put(dlg_buf *b, const char *s, size_t n)
{
	return dlg_buf__append(b, s, n, NULL) == DLG_OK;
}

static bool puts_(dlg_buf *b, const char *s)
{
	return put(b, s, strlen(s));
}

/* JSON.stringify of a string: ", \ and the controls escaped, nothing else. */
static bool json_string(dlg_buf *out, const char *s, size_t n)
{
	if (!put(out, "\"", 1))
		return false;
	size_t from = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if (!put(out, s + from, i - from))
			return false;
		char esc[8];
		const char *short_ = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\n' ? "\\n" :
				     c == '\r' ? "\\r" : c == '\t' ? "\\t" : c == '\b' ? "\\b" :
				     c == '\f' ? "\\f" : NULL;
		if (!short_) {
			snprintf(esc, sizeof esc, "\\u%04x", c);
			short_ = esc;
		}
		if (!puts_(out, short_))
			return false;
		from = i + 1;
	}
	return put(out, s + from, n - from) && put(out, "\"", 1);
}

bool dlg_jv__js_number(dlg_buf *out, double d)
{
	if (d == 0)
		return put(out, "0", 1);
	if (d < 0 && !put(out, "-", 1))
		return false;
	d = fabs(d);
	/* the fewest digits that read back as d, as ECMAScript's Number::toString */
	char buf[40];
	int p;
	for (p = 1; p <= 17; p++) {
		snprintf(buf, sizeof buf, "%.*e", p - 1, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	char digits[20];
	size_t k = 0;
	const char *c = buf;
	for (; *c && *c != 'e'; c++)
		if (*c >= '0' && *c <= '9')
			digits[k++] = *c;
	while (k > 1 && digits[k - 1] == '0')
		k--;
	int n = atoi(c + 1) + 1; /* d = 0.digits * 10^n */
	dlg_buf *b = out;
	if ((int)k <= n && n <= 21) {
		if (!put(b, digits, k))
			return false;
		for (int i = 0; i < n - (int)k; i++)
			if (!put(b, "0", 1))
				return false;
		return true;
	}
	if (0 < n && n <= 21)
		return put(b, digits, (size_t)n) && put(b, ".", 1) &&
		       put(b, digits + n, k - (size_t)n);
	if (-6 < n && n <= 0) {
		if (!put(b, "0.", 2))
			return false;
		for (int i = 0; i < -n; i++)
			if (!put(b, "0", 1))
				return false;
		return put(b, digits, k);
	}
	char e[16];
	snprintf(e, sizeof e, "e%c%d", n - 1 < 0 ? '-' : '+', abs(n - 1));
	return put(b, digits, 1) && (k == 1 || (put(b, ".", 1) && put(b, digits + 1, k - 1))) &&
	       puts_(b, e);
}

static bool write_float(dlg_buf *out, double f)
{
	if (f == 0 && signbit(f))
		return puts_(out, "-0.0");
	if (f == floor(f) && fabs(f) < 1e21) { /* toFixed(1) */
		char buf[48];
		snprintf(buf, sizeof buf, "%.1f", f);
		return puts_(out, buf);
	}
	return dlg_jv__js_number(out, f);
}

static bool newline_indent(dlg_buf *out, int64_t indent, size_t depth)
{
	if (!put(out, "\n", 1))
		return false;
	for (size_t i = 0; i < (size_t)indent * depth; i++)
		if (!put(out, " ", 1))
			return false;
	return true;
}

bool dlg_jv__json(dlg_buf *out, const jv *v, int64_t indent, size_t depth, bool undef_null)
{
	char num[32];
	switch ((jv_kind)v->kind) {
	case JV_NONE:
		return puts_(out, "null");
	case JV_UNDEF:
		return puts_(out, undef_null ? "null" : "undefined");
	case JV_BOOL:
		return puts_(out, v->b ? "true" : "false");
	case JV_INT:
		snprintf(num, sizeof num, "%lld", (long long)v->i);
		return puts_(out, num);
	case JV_FLOAT:
		return isfinite(v->f) ? dlg_jv__js_number(out, v->f) : puts_(out, "null");
	case JV_STR:
		return json_string(out, v->s, v->n);
	case JV_LIST:
	case JV_DICT:
	case JV_NS: {
		if (depth >= DLG_JV_MAX_DEPTH) /* a template can nest lists without end */
			return false;
		bool list = v->kind == JV_LIST;
		size_t n = list ? v->l->n : v->d->n;
		const char *sep = indent > 0 ? "," : ", ";
		if (!put(out, list ? "[" : "{", 1))
			return false;
		for (size_t i = 0; i < n; i++) {
			if (i && !puts_(out, sep))
				return false;
			if (indent > 0 && !newline_indent(out, indent, depth + 1))
				return false;
			if (!list && (!json_string(out, v->d->k[i].s, v->d->k[i].n) ||
				      !put(out, ": ", 2)))
				return false;
			if (!dlg_jv__json(out, list ? &v->l->v[i] : &v->d->v[i], indent, depth + 1,
					  undef_null))
				return false;
		}
		if (indent > 0 && n && !newline_indent(out, indent, depth))
			return false;
		return put(out, list ? "]" : "}", 1);
	}
	case JV_LOOP:
	case JV_FUNC:
		return false;
	}
	return false;
}

bool dlg_jv__write(dlg_buf *out, const jv *v)
{
	switch ((jv_kind)v->kind) {
	case JV_NONE:
	case JV_UNDEF:
		return true;
	case JV_STR:
		return put(out, v->s, v->n);
	case JV_FLOAT:
		return write_float(out, v->f);
	case JV_FUNC:
	case JV_LOOP:
		return false;
	default:
		return dlg_jv__json(out, v, 0, 0, false);
	}
}
