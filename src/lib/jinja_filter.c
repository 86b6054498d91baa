/*
 * jinja_filter.c - a chat template's filters, tests, functions (namespace,
 * raise_exception) and the methods of strings and mappings, each as @huggingface/jinja
 * has it (docs/templates.md says where that differs from Python's Jinja: strip, lstrip
 * and rstrip take no characters, JavaScript's white space is trimmed).
 */
#include "jinja_eval.h"
#include "error.h"

#include <math.h>
#include <stdlib.h>

#define MAX_ARGS 8

typedef struct args {
	jv pos[MAX_ARGS];
	size_t npos;
	const char *kw_name[MAX_ARGS];
	jv kw[MAX_ARGS];
	size_t nkw;
} args;

static dlg_status eval_args(jev *e, const jscope *sc, uint32_t node, args *a)
{
	const jnode *n = dlg_jinja__node(e->t, node);
	a->npos = a->nkw = 0;
	if (n->n > MAX_ARGS)
		return dlg_jev__fail(e, node, "more than %d arguments", MAX_ARGS);
	for (uint32_t k = 0; k < n->n; k++) {
		uint32_t arg = dlg_jinja__kid(e->t, n->list + k);
		const jnode *an = dlg_jinja__node(e->t, arg);
		if (an->kind == N_KWARG) {
			a->kw_name[a->nkw] = dlg_jinja__str(e->t, an->off);
			DLG_TRY(dlg_jev__eval(e, sc, an->a, &a->kw[a->nkw++]));
		} else {
			DLG_TRY(dlg_jev__eval(e, sc, arg, &a->pos[a->npos++]));
		}
	}
	return DLG_OK;
}

/* Positional argument i, else keyword `name`, else NULL. */
static const jv *arg(const args *a, size_t i, const char *name)
{
	if (i < a->npos)
		return &a->pos[i];
	for (size_t k = 0; name && k < a->nkw; k++)
		if (!strcmp(a->kw_name[k], name))
			return &a->kw[k];
	return NULL;
}

static dlg_status new_list(jev *e, size_t cap, jlist **out)
{
	jlist *l = dlg_jv__alloc(&e->arena, sizeof *l);
	if (!l || (cap && !(l->v = dlg_jv__alloc(&e->arena, cap * sizeof *l->v))))
		return dlg_jev__budget(e);
	*out = l;
	return DLG_OK;
}

static jv list_value(jlist *l)
{
	return (jv){ .kind = JV_LIST, .l = l };
}

dlg_status dlg_jev__keys(jev *e, const jv *dict, jv *out)
{
	jlist *l = NULL;
	DLG_TRY(new_list(e, dict->d->n, &l));
	for (size_t i = 0; i < dict->d->n; i++)
		l->v[l->n++] = dict->d->k[i];
	*out = list_value(l);
	return DLG_OK;
}

static dlg_status dict_values(jev *e, const jv *dict, bool pairs, jv *out)
{
	jlist *l = NULL;
	DLG_TRY(new_list(e, dict->d->n, &l));
	for (size_t i = 0; i < dict->d->n; i++) {
		if (!pairs) {
			l->v[l->n++] = dict->d->v[i];
			continue;
		}
		jlist *pair = NULL;
		DLG_TRY(new_list(e, 2, &pair));
		pair->v[0] = dict->d->k[i];
		pair->v[1] = dict->d->v[i];
		pair->n = 2;
		l->v[l->n++] = list_value(pair);
	}
	*out = list_value(l);
	return DLG_OK;
}

/* JavaScript's trimStart/trimEnd of s. */
static jv trim(jv s, bool start, bool end)
{
	size_t sp;
	while (start && s.n && (sp = dlg_jinja__space_at(s.s, s.n))) {
		s.s += sp;
		s.n -= sp;
	}
	while (end && s.n && (sp = dlg_jinja__space_before(s.s, s.n)))
		s.n -= sp;
	return s;
}

static const char *find(const char *s, size_t n, const char *sub, size_t m)
{
	for (size_t i = 0; m <= n && i + m <= n; i++)
		if (!memcmp(s + i, sub, m))
			return s + i;
	return NULL;
}

static dlg_status split(jev *e, uint32_t node, jv s, const args *a, jv *out)
{
	const jv *sep = arg(a, 0, NULL), *maxv = arg(a, 1, NULL);
	if (sep && sep->kind != JV_STR && sep->kind != JV_NONE)
		return dlg_jev__fail(e, node, "split's separator must be a string or none");
	if (maxv && maxv->kind != JV_INT)
		return dlg_jev__fail(e, node, "split's maxsplit must be a number");
	int64_t max = maxv ? maxv->i : -1;
	jlist *l = NULL;
	DLG_TRY(new_list(e, s.n + 1, &l));
	if (!sep || sep->kind == JV_NONE) { /* runs of non-space, as /\S+/g */
		s = trim(s, true, false);
		while (s.n) {
			if (max >= 0 && (int64_t)l->n >= max) {
				l->v[l->n++] = s;
				break;
			}
			size_t w = 0, sp;
			while (w < s.n && !dlg_jinja__space_at(s.s + w, s.n - w))
				w++;
			l->v[l->n++] = dlg_jv__str(s.s, w);
			s.s += w;
			s.n -= w;
			while (s.n && (sp = dlg_jinja__space_at(s.s, s.n))) {
				s.s += sp;
				s.n -= sp;
			}
		}
	} else {
		if (!sep->n)
			return dlg_jev__fail(e, node, "split with an empty separator");
		const char *at;
		while ((max < 0 || (int64_t)l->n < max) && (at = find(s.s, s.n, sep->s, sep->n))) {
			l->v[l->n++] = dlg_jv__str(s.s, (size_t)(at - s.s));
			s.n -= (size_t)(at - s.s) + sep->n;
			s.s = at + sep->n;
		}
		l->v[l->n++] = s;
	}
	*out = list_value(l);
	return DLG_OK;
}

static dlg_status replace(jev *e, uint32_t node, jv s, const args *a, jv *out)
{
	const jv *from = arg(a, 0, NULL), *to = arg(a, 1, NULL), *count = arg(a, 2, "count");
	if (!from || !to || from->kind != JV_STR || to->kind != JV_STR)
		return dlg_jev__fail(e, node, "replace takes two strings");
	if (count && count->kind != JV_INT && count->kind != JV_NONE)
		return dlg_jev__fail(e, node, "replace's count must be a number or none");
	if (!from->n)
		return dlg_jev__fail(e, node, "replace of an empty string is outside the subset");
	int64_t left = count && count->kind == JV_INT && count->i >= 0 ? count->i : INT64_MAX;
	dlg_buf b;
	dlg_buf__init(&b, NULL, e->arena.budget);
	const char *at;
	bool ok = true;
	while (ok && left > 0 && (at = find(s.s, s.n, from->s, from->n))) {
		ok = !dlg_buf__append(&b, s.s, (size_t)(at - s.s), NULL) &&
		     !dlg_buf__append(&b, to->s, to->n, NULL);
		s.n -= (size_t)(at - s.s) + from->n;
		s.s = at + from->n;
		left--;
	}
	ok = ok && !dlg_buf__append(&b, s.s, s.n, NULL);
	if (ok)
		*out = dlg_jv__str_copy(&e->arena, b.data ? b.data : "", b.len);
	dlg_buf__dispose(&b);
	return ok && out->kind == JV_STR ? DLG_OK : dlg_jev__budget(e);
}

static dlg_status affix(jev *e, uint32_t node, jv s, const args *a, bool start, jv *out)
{
	const jv *p = arg(a, 0, NULL);
	if (!p)
		return dlg_jev__fail(e, node, "startswith and endswith take an argument");
	size_t n = p->kind == JV_LIST ? p->l->n : 1;
	for (size_t i = 0; i < n; i++) {
		const jv *x = p->kind == JV_LIST ? &p->l->v[i] : p;
		if (x->kind != JV_STR)
			return dlg_jev__fail(e, node, "startswith and endswith take strings");
		if (x->n <= s.n && !memcmp(start ? s.s : s.s + s.n - x->n, x->s, x->n)) {
			*out = dlg_jv__bool(true);
			return DLG_OK;
		}
	}
	*out = dlg_jv__bool(false);
	return DLG_OK;
}

static dlg_status apply(jev *e, uint32_t node, const jv *fn, const args *a, jv *out)
{
	const jv *self = fn->self;
	switch ((jfn)fn->fn) {
	case FN_NAMESPACE: {
		if (a->npos)
			return dlg_jev__fail(e, node, "namespace() with positional arguments is "
					     "outside the subset");
		jdict *d = dlg_jv__alloc(&e->arena, sizeof *d);
		if (!d)
			return dlg_jev__budget(e);
		for (size_t k = 0; k < a->nkw; k++) {
			jv key = dlg_jv__str(a->kw_name[k], strlen(a->kw_name[k]));
			if (!dlg_jv__put(&e->arena, d, key, a->kw[k]))
				return dlg_jev__budget(e);
		}
		*out = (jv){ .kind = JV_NS, .d = d };
		return DLG_OK;
	}
	case FN_RAISE: {
		const jv *m = arg(a, 0, NULL);
		dlg_buf b;
		dlg_buf__init(&b, NULL, 256);
		if (m)
			(void)dlg_jv__write(&b, m);
		dlg_status st = dlg_jev__fail(e, node, "raise_exception: %.*s", (int)b.len,
					      b.data ? b.data : "");
		dlg_buf__dispose(&b);
		return st;
	}
	case FN_STRIP:
	case FN_LSTRIP:
	case FN_RSTRIP:
		*out = trim(*self, fn->fn != FN_RSTRIP, fn->fn != FN_LSTRIP);
		return DLG_OK;
	case FN_STARTSWITH:
	case FN_ENDSWITH:
		return affix(e, node, *self, a, fn->fn == FN_STARTSWITH, out);
	case FN_SPLIT:
		return split(e, node, *self, a, out);
	case FN_REPLACE:
		return replace(e, node, *self, a, out);
	case FN_GET: {
		const jv *key = arg(a, 0, NULL), *dflt = arg(a, 1, NULL);
		if (!key || key->kind != JV_STR)
			return dlg_jev__fail(e, node, "get takes a string key");
		const jv *v = dlg_jv__get(self->d, key->s, key->n);
		*out = v ? *v : dflt ? *dflt : (jv){ .kind = JV_NONE };
		return DLG_OK;
	}
	case FN_ITEMS:
	case FN_VALUES:
		return dict_values(e, self, fn->fn == FN_ITEMS, out);
	case FN_KEYS:
		return dlg_jev__keys(e, self, out);
	}
	return dlg_jev__fail(e, node, "an unknown function");
}

dlg_status dlg_jev__call(jev *e, const jscope *sc, uint32_t node, jv *out)
{
	const jnode *n = dlg_jinja__node(e->t, node);
	args a;
	jv fn;
	DLG_TRY(eval_args(e, sc, node, &a));
	DLG_TRY(dlg_jev__eval(e, sc, n->a, &fn));
	if (fn.kind != JV_FUNC) {
		const jnode *c = dlg_jinja__node(e->t, n->a);
		if (c->kind == N_MEMBER && !c->flag)
			c = dlg_jinja__node(e->t, c->b);
		if (c->kind == N_NAME)
			return dlg_jev__fail(e, node, "`%s(...)`: no such function or method "
					     "in the subset", dlg_jinja__str(e->t, c->off));
		return dlg_jev__fail(e, node, "a call of something that is not a function");
	}
	return apply(e, node, &fn, &a, out);
}

/* JavaScript's slice of n items, as @huggingface/jinja's slice(): the indices taken. */
static dlg_status slice_indices(jev *e, uint32_t node, const jv *start, const jv *stop,
				const jv *step, int64_t n, jlist *idx)
{
	for (const jv *v = start; v; v = v == start ? stop : v == stop ? step : NULL)
		if (v->kind != JV_INT && v->kind != JV_UNDEF)
			return dlg_jev__fail(e, node, "a slice bound that is not a number");
	int64_t st = step->kind == JV_INT ? step->i : 1;
	if (st == 0)
		return dlg_jev__fail(e, node, "a slice step of 0");
	int64_t a, b;
	if (st > 0) {
		a = start->kind == JV_INT ? start->i : 0;
		b = stop->kind == JV_INT ? stop->i : n;
		a = a < 0 ? (n + a > 0 ? n + a : 0) : (a < n ? a : n);
		b = b < 0 ? (n + b > 0 ? n + b : 0) : (b < n ? b : n);
		for (int64_t i = a; i < b; i += st)
			idx->v[idx->n++] = dlg_jv__int(i);
	} else {
		a = start->kind == JV_INT ? start->i : n - 1;
		b = stop->kind == JV_INT ? stop->i : -1;
		a = a < 0 ? (n + a > -1 ? n + a : -1) : (a < n - 1 ? a : n - 1);
		b = b < -1 ? (n + b > -1 ? n + b : -1) : (b < n - 1 ? b : n - 1);
		for (int64_t i = a; i > b; i += st)
			idx->v[idx->n++] = dlg_jv__int(i);
	}
	return DLG_OK;
}

dlg_status dlg_jev__slice(jev *e, const jscope *sc, uint32_t node, const jv *obj, jv *out)
{
	const jnode *n = dlg_jinja__node(e->t, node);
	if (obj->kind != JV_LIST && obj->kind != JV_STR)
		return dlg_jev__fail(e, node, "a slice of something not a list or string");
	jv start, stop, step;
	DLG_TRY(dlg_jev__eval(e, sc, n->a, &start));
	DLG_TRY(dlg_jev__eval(e, sc, n->b, &stop));
	DLG_TRY(dlg_jev__eval(e, sc, n->c, &step));
	/* a string is sliced by code points (Array.from) */
	size_t count = 0;
	if (obj->kind == JV_LIST)
		count = obj->l->n;
	else
		for (size_t i = 0; i < obj->n; i++)
			count += ((unsigned char)obj->s[i] & 0xC0) != 0x80;
	jlist *idx = NULL, *res = NULL;
	DLG_TRY(new_list(e, count, &idx));
	DLG_TRY(slice_indices(e, node, &start, &stop, &step, (int64_t)count, idx));
	if (obj->kind == JV_LIST) {
		DLG_TRY(new_list(e, idx->n, &res));
		for (size_t i = 0; i < idx->n; i++)
			res->v[res->n++] = obj->l->v[idx->v[i].i];
		*out = list_value(res);
		return DLG_OK;
	}
	size_t *at = dlg_jv__alloc(&e->arena, (count + 1) * sizeof *at), k = 0;
	if (!at)
		return dlg_jev__budget(e);
	for (size_t i = 0; i < obj->n; i++)
		if (((unsigned char)obj->s[i] & 0xC0) != 0x80)
			at[k++] = i;
	at[count] = obj->n;
	DLG_TRY(new_list(e, idx->n, &res));
	for (size_t i = 0; i < idx->n; i++) {
		size_t c = (size_t)idx->v[i].i;
		res->v[res->n++] = dlg_jv__str(obj->s + at[c], at[c + 1] - at[c]);
	}
	return dlg_jev__concat(e, res->v, res->n, out);
}

static dlg_status tojson(jev *e, uint32_t node, const jv *v, const args *a, jv *out)
{
	int64_t indent = 0;
	for (size_t k = 0; k < a->nkw; k++) {
		const jv *x = &a->kw[k];
		bool off = x->kind == JV_NONE || (x->kind == JV_BOOL && !x->b);
		if (!strcmp(a->kw_name[k], "indent") && (x->kind == JV_INT || x->kind == JV_NONE))
			indent = x->kind == JV_INT ? x->i : 0;
		else if (!off || strcmp(a->kw_name[k], "indent") == 0)
			return dlg_jev__fail(e, node, "tojson(%s=...) is outside the subset",
					     a->kw_name[k]);
	}
	if (a->npos || indent < 0 || indent > 64)
		return dlg_jev__fail(e, node, "tojson takes only indent= (0 to 64)");
	dlg_buf b;
	dlg_buf__init(&b, NULL, e->arena.budget);
	bool ok = dlg_jv__json(&b, v, indent, 0, true);
	if (ok)
		*out = dlg_jv__str_copy(&e->arena, b.data ? b.data : "", b.len);
	dlg_buf__dispose(&b);
	if (!ok && b.len < e->arena.budget)
		return dlg_jev__fail(e, node, "tojson of a function, or of lists nested past %d",
				     DLG_JV_MAX_DEPTH);
	return ok && out->kind == JV_STR ? DLG_OK : dlg_jev__budget(e);
}

static dlg_status join(jev *e, uint32_t node, const jv *v, const args *a, jv *out)
{
	const jv *sep = arg(a, 0, "separator");
	if (sep && sep->kind != JV_STR)
		return dlg_jev__fail(e, node, "join's separator must be a string");
	if (v->kind == JV_STR && !sep) {
		*out = *v;
		return DLG_OK;
	}
	if (v->kind != JV_LIST)
		return dlg_jev__fail(e, node, "join of something not a list");
	jlist *parts = NULL;
	DLG_TRY(new_list(e, v->l->n * 2, &parts));
	for (size_t i = 0; i < v->l->n; i++) {
		if (i && sep)
			parts->v[parts->n++] = *sep;
		const jv *x = &v->l->v[i];
		if (x->kind > JV_STR)
			return dlg_jev__fail(e, node, "join of a list holding lists or mappings");
		parts->v[parts->n++] = *x;
	}
	return dlg_jev__concat(e, parts->v, parts->n, out);
}

static dlg_status length(jev *e, uint32_t node, const jv *v, jv *out)
{
	if (v->kind == JV_LIST) {
		*out = dlg_jv__int((int64_t)v->l->n);
	} else if (v->kind == JV_DICT) {
		*out = dlg_jv__int((int64_t)v->d->n);
	} else if (v->kind == JV_STR) {
		int64_t units = 0; /* UTF-16's, as JavaScript's length */
		for (size_t i = 0; i < v->n; i++) {
			unsigned char c = (unsigned char)v->s[i];
			units += ((c & 0xC0) != 0x80) + (c >= 0xF0);
		}
		*out = dlg_jv__int(units);
	} else {
		return dlg_jev__fail(e, node, "length of something not a list, mapping or string");
	}
	return DLG_OK;
}

dlg_status dlg_jev__filter(jev *e, const jscope *sc, uint32_t node, jv *out)
{
	const jnode *n = dlg_jinja__node(e->t, node);
	const char *name = dlg_jinja__str(e->t, n->off);
	jv v;
	args a = { 0 };
	DLG_TRY(dlg_jev__eval(e, sc, n->a, &v));
	if (n->flag)
		DLG_TRY(eval_args(e, sc, node, &a));
	if (!strcmp(name, "safe")) {
		*out = v;
		return DLG_OK;
	}
	if (!strcmp(name, "tojson"))
		return tojson(e, node, &v, &a, out);
	if (!strcmp(name, "default")) {
		const jv *d = arg(&a, 0, NULL), *boolean = arg(&a, 1, "boolean");
		bool use = v.kind == JV_UNDEF ||
			   (boolean && dlg_jv__truthy(boolean) && !dlg_jv__truthy(&v));
		*out = use ? (d ? *d : dlg_jv__str("", 0)) : v;
		return DLG_OK;
	}
	if (!strcmp(name, "join"))
		return join(e, node, &v, &a, out);
	if (!strcmp(name, "length"))
		return length(e, node, &v, out);
	if (!strcmp(name, "trim") && v.kind == JV_STR) {
		*out = trim(v, true, true);
		return DLG_OK;
	}
	if (!strcmp(name, "string")) {
		if (v.kind == JV_STR) {
			*out = v;
			return DLG_OK;
		}
		return dlg_jev__concat(e, &v, 1, out);
	}
	if ((!strcmp(name, "items") || !strcmp(name, "values")) && v.kind == JV_DICT)
		return dict_values(e, &v, name[0] == 'i', out);
	if (!strcmp(name, "keys") && v.kind == JV_DICT)
		return dlg_jev__keys(e, &v, out);
	if (v.kind == JV_LIST) {
		if (!strcmp(name, "list")) {
			*out = v;
			return DLG_OK;
		}
		if (!strcmp(name, "first") || !strcmp(name, "last")) {
			*out = (jv){ .kind = JV_UNDEF };
			if (v.l->n)
				*out = v.l->v[name[0] == 'f' ? 0 : v.l->n - 1];
			return DLG_OK;
		}
		if (!strcmp(name, "reverse")) {
			jlist *r = NULL;
			DLG_TRY(new_list(e, v.l->n, &r));
			for (size_t i = v.l->n; i-- > 0;)
				r->v[r->n++] = v.l->v[i];
			*out = list_value(r);
			return DLG_OK;
		}
	}
	if ((!strcmp(name, "int") || !strcmp(name, "float")) &&
	    (v.kind == JV_INT || v.kind == JV_FLOAT || v.kind == JV_BOOL)) {
		double d = v.kind == JV_INT ? (double)v.i : v.kind == JV_BOOL ? v.b : v.f;
		*out = name[0] == 'i' ? dlg_jv__int((int64_t)trunc(d))
				      : (jv){ .kind = JV_FLOAT, .f = d };
		return DLG_OK;
	}
	return dlg_jev__fail(e, node, "the filter `%s` is outside the subset (or does not take "
			     "this value or these arguments)", name);
}

dlg_status dlg_jev__test(jev *e, const jscope *sc, uint32_t node, jv *out)
{
	const jnode *n = dlg_jinja__node(e->t, node);
	const char *name = dlg_jinja__str(e->t, n->off);
	jv v;
	DLG_TRY(dlg_jev__eval(e, sc, n->a, &v));
	uint8_t k = v.kind;
	bool r;
	if (!strcmp(name, "defined"))
		r = k != JV_UNDEF;
	else if (!strcmp(name, "undefined"))
		r = k == JV_UNDEF;
	else if (!strcmp(name, "none"))
		r = k == JV_NONE;
	else if (!strcmp(name, "string"))
		r = k == JV_STR;
	else if (!strcmp(name, "number"))
		r = k == JV_INT || k == JV_FLOAT;
	else if (!strcmp(name, "integer"))
		r = k == JV_INT;
	else if (!strcmp(name, "boolean"))
		r = k == JV_BOOL;
	else if (!strcmp(name, "mapping"))
		r = k == JV_DICT || k == JV_LOOP;
	else if (!strcmp(name, "iterable"))
		r = k == JV_LIST || k == JV_STR;
	else if (!strcmp(name, "sequence"))
		r = k == JV_LIST || k == JV_DICT || k == JV_LOOP || k == JV_STR;
	else if (!strcmp(name, "true") || !strcmp(name, "false"))
		r = k == JV_BOOL && v.b == (name[0] == 't');
	else if (!strcmp(name, "callable"))
		r = k == JV_FUNC;
	else if (strcmp(name, "odd") && strcmp(name, "even"))
		return dlg_jev__fail(e, node, "the test `%s` is outside the subset", name);
	else if (k != JV_INT)
		return dlg_jev__fail(e, node, "`is %s` of something not an integer", name);
	else
		r = (v.i % 2 != 0) == (name[0] == 'o');
	*out = dlg_jv__bool(r != n->flag);
	return DLG_OK;
}
