/*
 * jinja_eval.c - a compiled chat template rendered over a conversation's variables, as
 * @huggingface/jinja renders it (docs/templates.md): its scopes (a `for` has its own; `set`
 * writes the innermost; a namespace is how a loop sets what is read after it), operators
 * with JavaScript's equality, members, the methods of strings and mappings, filters and
 * tests (jinja_filter.c). Everything a render makes is in its arena; the arena's budget,
 * the output's and a count of steps bound what a template can take, so that no template
 * runs forever or grows without bound.
 */
#include "jinja.h"
#include "jinja_ast.h"
#include "jinja_eval.h"
#include "error.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_STEPS ((uint64_t)1 << 26)

dlg_status dlg_jev__fail(jev *e, uint32_t node, const char *fmt, ...)
{
	char msg[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return dlg_jinja__fail(e->t, dlg_jinja__node(e->t, node)->at, e->err, "%s", msg);
}

dlg_status dlg_jev__budget(jev *e)
{
	return dlg_error__set(e->err, DLG_E_LIMIT, 0, "the chat template went past its render "
			      "budget (%zu bytes, %llu steps)", e->arena.budget,
			      (unsigned long long)MAX_STEPS);
}

static jv lookup(const jscope *sc, const char *name, size_t n)
{
	for (; sc; sc = sc->parent) {
		const jv *v = dlg_jv__get(&sc->vars, name, n);
		if (v)
			return *v;
	}
	return (jv){ .kind = JV_UNDEF };
}

static bool numeric(const jv *v)
{
	return v->kind == JV_INT || v->kind == JV_FLOAT;
}

static double num(const jv *v)
{
	return v->kind == JV_INT ? (double)v->i : v->kind == JV_BOOL ? (double)v->b : v->f;
}

/* JavaScript's Number(s) for a string, NaN when it is not one. */
static double js_to_number(const char *s, size_t n)
{
	size_t sp;
	while (n && (sp = dlg_jinja__space_at(s, n))) {
		s += sp;
		n -= sp;
	}
	while (n && (sp = dlg_jinja__space_before(s, n)))
		n -= sp;
	if (!n)
		return 0;
	char buf[64];
	if (n >= sizeof buf)
		return NAN;
	memcpy(buf, s, n);
	buf[n] = '\0';
	char *end;
	double d = strtod(buf, &end);
	return *end ? NAN : d;
}

bool dlg_jev__same(const jv *a, const jv *b)
{
	bool a_nothing = a->kind == JV_UNDEF || a->kind == JV_NONE;
	bool b_nothing = b->kind == JV_UNDEF || b->kind == JV_NONE;
	if (a_nothing || b_nothing)
		return a_nothing && b_nothing;
	if (a->kind == JV_STR && b->kind == JV_STR)
		return a->n == b->n && !memcmp(a->s, b->s, a->n);
	bool an = numeric(a) || a->kind == JV_BOOL, bn = numeric(b) || b->kind == JV_BOOL;
	if (an && bn)
		return (a->kind == JV_BOOL) == (b->kind == JV_BOOL) && num(a) == num(b);
	if (a->kind != b->kind)
		return false;
	return a->l == b->l && a->d == b->d && a->fn == b->fn && a->self == b->self;
}

/* `==`: JavaScript's loose equality of the values (a string against a number is read as a
 * number, and true is 1). */
static bool loose_equal(const jv *a, const jv *b)
{
	bool an = numeric(a) || a->kind == JV_BOOL, bn = numeric(b) || b->kind == JV_BOOL;
	if (an && bn)
		return num(a) == num(b);
	if (an && b->kind == JV_STR)
		return num(a) == js_to_number(b->s, b->n);
	if (bn && a->kind == JV_STR)
		return num(b) == js_to_number(a->s, a->n);
	return dlg_jev__same(a, b);
}

/* JavaScript's value.toString(), which `+` and `~` use: 3 for 3.0, a mapping is
 * "[object Map]", a list its items' toString() with commas (none is "undefined"). */
static bool js_string(dlg_buf *b, const jv *v, bool item)
{
	if (v->kind == JV_FLOAT && !item)
		return dlg_jv__js_number(b, v->f);
	if (v->kind == JV_DICT || v->kind == JV_NS)
		return !item ? !dlg_buf__append(b, "[object Map]", 12, NULL) : dlg_jv__write(b, v);
	if (item && (v->kind == JV_NONE || v->kind == JV_UNDEF))
		return !dlg_buf__append(b, "undefined", 9, NULL);
	if (v->kind != JV_LIST || item)
		return dlg_jv__write(b, v);
	for (size_t i = 0; i < v->l->n; i++)
		if ((i && dlg_buf__append(b, ",", 1, NULL)) || !js_string(b, &v->l->v[i], true))
			return false;
	return true;
}

dlg_status dlg_jev__concat(jev *e, const jv *parts, size_t n, jv *out)
{
	dlg_buf b;
	dlg_buf__init(&b, NULL, e->arena.budget);
	bool ok = true;
	for (size_t i = 0; ok && i < n; i++)
		ok = js_string(&b, &parts[i], false);
	if (ok)
		*out = dlg_jv__str_copy(&e->arena, b.data ? b.data : "", b.len);
	dlg_buf__dispose(&b);
	return ok && out->kind == JV_STR ? DLG_OK : dlg_jev__budget(e);
}

static dlg_status arithmetic(jev *e, uint32_t node, jop op, const jv *l, const jv *r, jv *out)
{
	bool flt = l->kind == JV_FLOAT || r->kind == JV_FLOAT;
	double a = num(l), b = num(r);
	switch (op) {
	case OP_LT: *out = dlg_jv__bool(a < b); return DLG_OK;
	case OP_GT: *out = dlg_jv__bool(a > b); return DLG_OK;
	case OP_LE: *out = dlg_jv__bool(a <= b); return DLG_OK;
	case OP_GE: *out = dlg_jv__bool(a >= b); return DLG_OK;
	case OP_DIV:
		if (b == 0)
			return dlg_jev__fail(e, node, "a division by zero");
		*out = (jv){ .kind = JV_FLOAT, .f = a / b };
		return DLG_OK;
	default:
		break;
	}
	if ((op == OP_MOD || op == OP_FLOORDIV) && b == 0)
		return dlg_jev__fail(e, node, "a division by zero");
	if (!flt) {
		int64_t x = l->i, y = r->i, z;
		switch (op) {
		case OP_ADD: z = x + y; break;
		case OP_SUB: z = x - y; break;
		case OP_MUL: z = x * y; break;
		case OP_MOD: z = x % y; break;
		default: z = (int64_t)floor((double)x / (double)y); break;
		}
		*out = dlg_jv__int(z);
		return DLG_OK;
	}
	double z = op == OP_ADD ? a + b : op == OP_SUB ? a - b : op == OP_MUL ? a * b :
		   op == OP_MOD ? fmod(a, b) : floor(a / b);
	*out = (jv){ .kind = JV_FLOAT, .f = z };
	return DLG_OK;
}

static bool has_substring(const jv *hay, const jv *needle)
{
	if (needle->n > hay->n)
		return false;
	for (size_t i = 0; i + needle->n <= hay->n; i++)
		if (!memcmp(hay->s + i, needle->s, needle->n))
			return true;
	return false;
}

static dlg_status binary(jev *e, const jscope *sc, uint32_t node, jv *out)
{
	const jnode *n = dlg_jinja__node(e->t, node);
	jop op = (jop)n->op;
	jv l, r;
	DLG_TRY(dlg_jev__eval(e, sc, n->a, &l));
	if (op == OP_AND || op == OP_OR) {
		if (dlg_jv__truthy(&l) == (op == OP_OR)) {
			*out = l;
			return DLG_OK;
		}
		return dlg_jev__eval(e, sc, n->b, out);
	}
	DLG_TRY(dlg_jev__eval(e, sc, n->b, &r));
	if (op == OP_EQ || op == OP_NE) {
		*out = dlg_jv__bool(loose_equal(&l, &r) == (op == OP_EQ));
		return DLG_OK;
	}
	bool membership = op == OP_IN || op == OP_NOT_IN;
	if (numeric(&l) && numeric(&r) && op != OP_CAT && op != OP_POW && !membership)
		return arithmetic(e, node, op, &l, &r, out);
	if (l.kind == JV_UNDEF || r.kind == JV_UNDEF) {
		if (r.kind == JV_UNDEF && membership) {
			*out = dlg_jv__bool(op == OP_NOT_IN);
			return DLG_OK;
		}
		if (op == OP_CAT && l.kind != JV_NONE && r.kind != JV_NONE)
			return dlg_jev__concat(e, (jv[]){ l, r }, 2, out);
		return dlg_jev__fail(e, node, "an operation on an undefined value");
	}
	if (l.kind == JV_NONE || r.kind == JV_NONE)
		return dlg_jev__fail(e, node, "an operation on none");
	if (op == OP_CAT)
		return dlg_jev__concat(e, (jv[]){ l, r }, 2, out);
	if (op == OP_ADD && l.kind == JV_LIST && r.kind == JV_LIST) {
		jlist *c = dlg_jv__alloc(&e->arena, sizeof *c);
		size_t total = l.l->n + r.l->n;
		if (!c || (total && !(c->v = dlg_jv__alloc(&e->arena, total * sizeof *c->v))))
			return dlg_jev__budget(e);
		if (l.l->n)
			memcpy(c->v, l.l->v, l.l->n * sizeof *c->v);
		if (r.l->n)
			memcpy(c->v + l.l->n, r.l->v, r.l->n * sizeof *c->v);
		c->n = total;
		*out = (jv){ .kind = JV_LIST, .l = c };
		return DLG_OK;
	}
	if (membership && r.kind == JV_LIST) {
		bool found = false;
		for (size_t i = 0; !found && i < r.l->n; i++)
			found = dlg_jev__same(&r.l->v[i], &l);
		*out = dlg_jv__bool(found == (op == OP_IN));
		return DLG_OK;
	}
	if (op == OP_ADD && (l.kind == JV_STR || r.kind == JV_STR)) {
		if (l.kind > JV_NS || r.kind > JV_NS)
			return dlg_jev__fail(e, node, "+ of a string and a loop or function");
		return dlg_jev__concat(e, (jv[]){ l, r }, 2, out);
	}
	if (membership && l.kind == JV_STR && r.kind == JV_STR) {
		*out = dlg_jv__bool(has_substring(&r, &l) == (op == OP_IN));
		return DLG_OK;
	}
	if (membership && l.kind == JV_STR && r.kind == JV_DICT) {
		*out = dlg_jv__bool(!!dlg_jv__get(r.d, l.s, l.n) == (op == OP_IN));
		return DLG_OK;
	}
	return dlg_jev__fail(e, node, "an operator between values that do not take it");
}

/* UTF-16 units of s[0, n): what JavaScript's length counts. */
static int64_t utf16_length(const char *s, size_t n)
{
	int64_t units = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		units += (c & 0xC0) != 0x80;
		units += c >= 0xF0;
	}
	return units;
}

static const struct {
	const char *name;
	jfn fn;
} str_methods[] = {
	{ "strip", FN_STRIP }, { "lstrip", FN_LSTRIP }, { "rstrip", FN_RSTRIP },
	{ "startswith", FN_STARTSWITH }, { "endswith", FN_ENDSWITH }, { "split", FN_SPLIT },
	{ "replace", FN_REPLACE },
}, dict_methods[] = {
	{ "get", FN_GET }, { "items", FN_ITEMS }, { "keys", FN_KEYS }, { "values", FN_VALUES },
};

static bool method(jev *e, const jv *self, const char *name, bool dict, jv *out)
{
	size_t n = dict ? sizeof dict_methods / sizeof *dict_methods
			: sizeof str_methods / sizeof *str_methods;
	for (size_t i = 0; i < n; i++) {
		const char *m = dict ? dict_methods[i].name : str_methods[i].name;
		if (strcmp(m, name))
			continue;
		jv *copy = dlg_jv__alloc(&e->arena, sizeof *copy);
		if (!copy)
			return false;
		*copy = *self;
		jfn fn = dict ? dict_methods[i].fn : str_methods[i].fn;
		*out = (jv){ .kind = JV_FUNC, .fn = (uint8_t)fn, .self = copy };
		return true;
	}
	*out = (jv){ .kind = JV_UNDEF };
	return true;
}

/* The loop's `loop`: what @huggingface/jinja's LoopValue has. */
static jv loop_member(const jv *loop, const char *name)
{
	int64_t i = loop->i, n = (int64_t)loop->l->n;
	static const char *const ints[] = { "index", "index0", "revindex", "revindex0", "length" };
	const int64_t vals[] = { i + 1, i, n - i, n - i - 1, n };
	for (size_t k = 0; k < 5; k++)
		if (!strcmp(name, ints[k]))
			return dlg_jv__int(vals[k]);
	if (!strcmp(name, "first"))
		return dlg_jv__bool(i == 0);
	if (!strcmp(name, "last"))
		return dlg_jv__bool(i == n - 1);
	if (!strcmp(name, "previtem") && i > 0)
		return loop->l->v[i - 1];
	if (!strcmp(name, "nextitem") && i < n - 1)
		return loop->l->v[i + 1];
	return (jv){ .kind = JV_UNDEF };
}

/* Where code point k of s[0, n) starts (k may be negative: from the end), or SIZE_MAX. */
static size_t code_point_at(const char *s, size_t n, int64_t k)
{
	int64_t count = 0;
	for (size_t i = 0; i < n; i++)
		count += ((unsigned char)s[i] & 0xC0) != 0x80;
	if (k < 0)
		k += count;
	if (k < 0 || k >= count)
		return SIZE_MAX;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80 && k-- == 0)
			return i;
	return SIZE_MAX;
}

static dlg_status member(jev *e, const jscope *sc, uint32_t node, jv *out)
{
	const jnode *n = dlg_jinja__node(e->t, node);
	jv obj, prop;
	DLG_TRY(dlg_jev__eval(e, sc, n->a, &obj));
	const jnode *pn = dlg_jinja__node(e->t, n->b);
	if (n->flag && pn->kind == N_SLICE)
		return dlg_jev__slice(e, sc, n->b, &obj, out);
	if (n->flag)
		DLG_TRY(dlg_jev__eval(e, sc, n->b, &prop));
	else if (pn->kind == N_INT)
		prop = dlg_jv__int(pn->i);
	else
		prop = dlg_jv__str(dlg_jinja__str(e->t, pn->off), pn->len);
	*out = (jv){ .kind = JV_UNDEF };
	if (obj.kind == JV_DICT || obj.kind == JV_NS || obj.kind == JV_LOOP) {
		if (prop.kind != JV_STR)
			return dlg_jev__fail(e, node, "a mapping's member named by a non-string");
		if (obj.kind == JV_LOOP) {
			*out = loop_member(&obj, prop.s);
			return DLG_OK;
		}
		const jv *v = dlg_jv__get(obj.d, prop.s, prop.n);
		if (v)
			*out = *v;
		else if (obj.kind == JV_DICT && !method(e, &obj, prop.s, true, out))
			return dlg_jev__budget(e);
		return DLG_OK;
	}
	if (obj.kind == JV_LIST || obj.kind == JV_STR) {
		if (prop.kind == JV_INT) {
			if (obj.kind == JV_LIST) {
				int64_t k = prop.i < 0 ? prop.i + (int64_t)obj.l->n : prop.i;
				if (k >= 0 && k < (int64_t)obj.l->n)
					*out = obj.l->v[k];
			} else {
				size_t at = code_point_at(obj.s, obj.n, prop.i), len = 1;
				while (at != SIZE_MAX && at + len < obj.n &&
				       ((unsigned char)obj.s[at + len] & 0xC0) == 0x80)
					len++;
				if (at != SIZE_MAX)
					*out = dlg_jv__str(obj.s + at, len);
			}
			return DLG_OK;
		}
		if (prop.kind != JV_STR)
			return dlg_jev__fail(e, node, "a member named by neither a string nor a "
					     "number");
		if (!strcmp(prop.s, "length"))
			*out = dlg_jv__int(obj.kind == JV_LIST ? (int64_t)obj.l->n
							       : utf16_length(obj.s, obj.n));
		else if (obj.kind == JV_STR && !method(e, &obj, prop.s, false, out))
			return dlg_jev__budget(e);
		return DLG_OK;
	}
	if (prop.kind != JV_STR)
		return dlg_jev__fail(e, node, "a member named by a non-string");
	return DLG_OK; /* undefined, none, numbers: no members */
}

static dlg_status eval_list(jev *e, const jscope *sc, uint32_t list, uint32_t n, jv *out)
{
	jlist *l = dlg_jv__alloc(&e->arena, sizeof *l);
	if (!l || (n && !(l->v = dlg_jv__alloc(&e->arena, n * sizeof *l->v))))
		return dlg_jev__budget(e);
	l->n = n;
	for (uint32_t i = 0; i < n; i++)
		DLG_TRY(dlg_jev__eval(e, sc, dlg_jinja__kid(e->t, list + i), &l->v[i]));
	*out = (jv){ .kind = JV_LIST, .l = l };
	return DLG_OK;
}

static dlg_status eval_dict(jev *e, const jscope *sc, uint32_t node, jv *out)
{
	const jnode *n = dlg_jinja__node(e->t, node);
	jdict *d = dlg_jv__alloc(&e->arena, sizeof *d);
	if (!d)
		return dlg_jev__budget(e);
	for (uint32_t i = 0; i + 1 < n->n; i += 2) {
		jv k, v;
		DLG_TRY(dlg_jev__eval(e, sc, dlg_jinja__kid(e->t, n->list + i), &k));
		if (k.kind != JV_STR)
			return dlg_jev__fail(e, node, "a mapping's key that is not a string");
		DLG_TRY(dlg_jev__eval(e, sc, dlg_jinja__kid(e->t, n->list + i + 1), &v));
		if (!dlg_jv__put(&e->arena, d, k, v))
			return dlg_jev__budget(e);
	}
	*out = (jv){ .kind = JV_DICT, .d = d };
	return DLG_OK;
}

static dlg_status unary(jev *e, const jscope *sc, uint32_t node, jv *out)
{
	const jnode *n = dlg_jinja__node(e->t, node);
	jv v;
	DLG_TRY(dlg_jev__eval(e, sc, n->a, &v));
	if (n->op == OP_NOT) {
		*out = dlg_jv__bool(!dlg_jv__truthy(&v));
		return DLG_OK;
	}
	int sign = n->op == OP_SUB ? -1 : 1;
	if (v.kind == JV_FLOAT)
		*out = (jv){ .kind = JV_FLOAT, .f = sign * v.f };
	else if (v.kind == JV_INT || v.kind == JV_BOOL)
		*out = dlg_jv__int(sign * (v.kind == JV_INT ? v.i : (int64_t)v.b));
	else
		return dlg_jev__fail(e, node, "a sign before a value that is not a number");
	return DLG_OK;
}

dlg_status dlg_jev__eval(jev *e, const jscope *sc, uint32_t node, jv *out)
{
	if (++e->steps > MAX_STEPS)
		return dlg_jev__budget(e);
	const jnode *n = dlg_jinja__node(e->t, node);
	switch ((jn_kind)n->kind) {
	case N_NONE:
		*out = (jv){ .kind = JV_UNDEF };
		return DLG_OK;
	case N_NAME:
		*out = lookup(sc, dlg_jinja__str(e->t, n->off), n->len);
		return DLG_OK;
	case N_INT:
		*out = dlg_jv__int(n->i);
		return DLG_OK;
	case N_FLOAT:
		*out = (jv){ .kind = JV_FLOAT, .f = n->f };
		return DLG_OK;
	case N_STR:
		*out = dlg_jv__str(dlg_jinja__str(e->t, n->off), n->len);
		return DLG_OK;
	case N_LIST:
	case N_TUPLE:
		return eval_list(e, sc, n->list, n->n, out);
	case N_DICT:
		return eval_dict(e, sc, node, out);
	case N_BIN:
		return binary(e, sc, node, out);
	case N_UNARY:
		return unary(e, sc, node, out);
	case N_TERNARY: {
		jv c;
		DLG_TRY(dlg_jev__eval(e, sc, n->a, &c));
		return dlg_jev__eval(e, sc, dlg_jv__truthy(&c) ? n->b : n->c, out);
	}
	case N_SELECT: {
		jv c;
		DLG_TRY(dlg_jev__eval(e, sc, n->b, &c));
		if (!dlg_jv__truthy(&c)) {
			*out = (jv){ .kind = JV_UNDEF };
			return DLG_OK;
		}
		return dlg_jev__eval(e, sc, n->a, out);
	}
	case N_MEMBER:
		return member(e, sc, node, out);
	case N_CALL:
		return dlg_jev__call(e, sc, node, out);
	case N_FILTER:
		return dlg_jev__filter(e, sc, node, out);
	case N_TEST:
		return dlg_jev__test(e, sc, node, out);
	default:
		return dlg_jev__fail(e, node, "a statement where an expression was expected");
	}
}

/* Statements ---------------------------------------------------------------------- */

static dlg_status body(jev *e, jscope *sc, uint32_t list, uint32_t n);

static dlg_status emit(jev *e, const char *s, size_t n)
{
	if (e->out->len - e->out_start + n > e->arena.budget)
		return dlg_jev__budget(e);
	return dlg_buf__append(e->out, s, n, e->err);
}

static dlg_status set_var(jev *e, jscope *sc, uint32_t node, jv v)
{
	const jnode *n = dlg_jinja__node(e->t, node);
	if (n->kind == N_NAME) {
		if (!dlg_jv__put(&e->arena, &sc->vars,
				 dlg_jv__str(dlg_jinja__str(e->t, n->off), n->len), v))
			return dlg_jev__budget(e);
		return DLG_OK;
	}
	/* name.attribute: of a namespace only */
	jv obj;
	DLG_TRY(dlg_jev__eval(e, sc, n->a, &obj));
	const jnode *prop = dlg_jinja__node(e->t, n->b);
	if (obj.kind != JV_NS || prop->kind != N_NAME)
		return dlg_jev__fail(e, node, "set of an attribute of something not a namespace");
	jv key = dlg_jv__str(dlg_jinja__str(e->t, prop->off), prop->len);
	if (!dlg_jv__put(&e->arena, obj.d, key, v))
		return dlg_jev__budget(e);
	return DLG_OK;
}

static dlg_status bind(jev *e, jscope *sc, uint32_t var, const jv *item)
{
	const jnode *v = dlg_jinja__node(e->t, var);
	if (v->kind == N_NAME)
		return set_var(e, sc, var, *item);
	if (item->kind != JV_LIST || item->l->n != v->n)
		return dlg_jev__fail(e, var, "a loop item that does not unpack into %u names",
				     v->n);
	for (uint32_t k = 0; k < v->n; k++) {
		uint32_t name = dlg_jinja__kid(e->t, v->list + k);
		if (dlg_jinja__node(e->t, name)->kind != N_NAME)
			return dlg_jev__fail(e, name, "a loop variable that is not a name");
		DLG_TRY(set_var(e, sc, name, item->l->v[k]));
	}
	return DLG_OK;
}

static dlg_status for_loop(jev *e, jscope *outer, uint32_t node)
{
	const jnode *n = dlg_jinja__node(e->t, node);
	jscope sc = { .parent = outer };
	jv it;
	DLG_TRY(dlg_jev__eval(e, &sc, n->b, &it));
	if (it.kind == JV_DICT)
		DLG_TRY(dlg_jev__keys(e, &it, &it));
	if (it.kind != JV_LIST)
		return dlg_jev__fail(e, n->b, "a for loop over something not a list or mapping");
	jlist *items = it.l;
	if (n->c) { /* for x in xs if test: the items that pass, each tested in its own scope */
		items = dlg_jv__alloc(&e->arena, sizeof *items);
		if (!items || (it.l->n && !(items->v = dlg_jv__alloc(&e->arena,
								     it.l->n * sizeof *items->v))))
			return dlg_jev__budget(e);
		for (size_t i = 0; i < it.l->n; i++) {
			jscope test_scope = { .parent = &sc };
			jv pass;
			DLG_TRY(bind(e, &test_scope, n->a, &it.l->v[i]));
			DLG_TRY(dlg_jev__eval(e, &test_scope, n->c, &pass));
			if (dlg_jv__truthy(&pass))
				items->v[items->n++] = it.l->v[i];
		}
	}
	for (size_t i = 0; i < items->n; i++) {
		jv loop = { .kind = JV_LOOP, .i = (int64_t)i, .l = items };
		if (!dlg_jv__put(&e->arena, &sc.vars, dlg_jv__str("loop", 4), loop))
			return dlg_jev__budget(e);
		DLG_TRY(bind(e, &sc, n->a, &items->v[i]));
		DLG_TRY(body(e, &sc, n->list, n->n));
	}
	if (!items->n)
		DLG_TRY(body(e, &sc, n->list2, n->n2));
	return DLG_OK;
}

static dlg_status body(jev *e, jscope *sc, uint32_t list, uint32_t count)
{
	for (uint32_t k = 0; k < count; k++) {
		uint32_t node = dlg_jinja__kid(e->t, list + k);
		const jnode *n = dlg_jinja__node(e->t, node);
		if (++e->steps > MAX_STEPS)
			return dlg_jev__budget(e);
		switch (n->kind) {
		case N_TEXT:
			DLG_TRY(emit(e, dlg_jinja__str(e->t, n->off), n->len));
			break;
		case N_IF: {
			jv test;
			DLG_TRY(dlg_jev__eval(e, sc, n->a, &test));
			if (dlg_jv__truthy(&test))
				DLG_TRY(body(e, sc, n->list, n->n));
			else
				DLG_TRY(body(e, sc, n->list2, n->n2));
			break;
		}
		case N_FOR:
			DLG_TRY(for_loop(e, sc, node));
			break;
		case N_SET: {
			jv v;
			DLG_TRY(dlg_jev__eval(e, sc, n->b, &v));
			DLG_TRY(set_var(e, sc, n->a, v));
			break;
		}
		default: {
			jv v;
			DLG_TRY(dlg_jev__eval(e, sc, node, &v));
			if (v.kind == JV_FUNC || v.kind == JV_LOOP)
				return dlg_jev__fail(e, node, "writing out a function or a loop");
			size_t before = e->out->len;
			if (!dlg_jv__write(e->out, &v))
				return dlg_jev__fail(e, node, "a value that cannot be written "
						     "(lists nested past %d, or out of memory)",
						     DLG_JV_MAX_DEPTH);
			if (e->out->len - e->out_start > e->arena.budget) {
				e->out->len = before;
				return dlg_jev__budget(e);
			}
		}
		}
	}
	return DLG_OK;
}

static const struct {
	const char *name;
	jv value;
} globals[] = {
	{ "true", { .kind = JV_BOOL, .b = true } },  { "false", { .kind = JV_BOOL } },
	{ "none", { .kind = JV_NONE } },             { "True", { .kind = JV_BOOL, .b = true } },
	{ "False", { .kind = JV_BOOL } },            { "None", { .kind = JV_NONE } },
	{ "namespace", { .kind = JV_FUNC, .fn = FN_NAMESPACE } },
	{ "raise_exception", { .kind = JV_FUNC, .fn = FN_RAISE } },
};

dlg_status dlg_jinja__render(const dlg_jinja *t, const char *vars, size_t n, size_t budget,
			     dlg_buf *out, dlg_error *err)
{
	jev e = { .t = t, .arena = { .budget = budget }, .out = out, .out_start = out->len,
		  .err = err };
	jscope top = { 0 };
	jdict *given = NULL;
	dlg_status st = dlg_jv__from_json(&e.arena, vars, n, &given, err);
	for (size_t i = 0; !st && i < sizeof globals / sizeof *globals; i++) {
		jv name = dlg_jv__str(globals[i].name, strlen(globals[i].name));
		if (!dlg_jv__put(&e.arena, &top.vars, name, globals[i].value))
			st = dlg_jev__budget(&e);
	}
	for (size_t i = 0; !st && i < given->n; i++)
		if (!dlg_jv__put(&e.arena, &top.vars, given->k[i], given->v[i]))
			st = dlg_jev__budget(&e);
	if (!st)
		st = body(&e, &top, t->root, t->root_n);
	if (st)
		out->len = e.out_start;
	dlg_jv__arena_free(&e.arena);
	return st;
}

dlg_status dlg_jinja__compile(dlg_jinja **out, const char *src, size_t n, dlg_error *err)
{
	*out = NULL;
	dlg_jinja *t = calloc(1, sizeof *t);
	if (!t || !(t->src = malloc(n + 1))) {
		free(t);
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	}
	memcpy(t->src, src, n);
	t->src[n] = '\0';
	t->src_len = n;
	dlg_buf__init(&t->pool, NULL, DLG_BUF_UNCAPPED);
	dlg_buf__init(&t->nodes, NULL, DLG_BUF_UNCAPPED);
	dlg_buf__init(&t->kids, NULL, DLG_BUF_UNCAPPED);
	dlg_buf toks;
	dlg_buf__init(&toks, NULL, DLG_BUF_UNCAPPED);
	dlg_status st = dlg_jinja__lex(t, &toks, err);
	if (!st)
		st = dlg_jinja__parse(t, (const jtok *)(const void *)toks.data,
				      DLG_BUF_COUNT(&toks, jtok), err);
	dlg_buf__dispose(&toks);
	if (st) {
		dlg_jinja__free(t);
		return st;
	}
	*out = t;
	return DLG_OK;
}

void dlg_jinja__free(dlg_jinja *t)
{
	if (!t)
		return;
	free(t->src);
	dlg_buf__dispose(&t->pool);
	dlg_buf__dispose(&t->nodes);
	dlg_buf__dispose(&t->kids);
	free(t);
}
