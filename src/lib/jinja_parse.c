/*
 * jinja_parse.c - a chat template's tree from its tokens, with @huggingface/jinja's
 * grammar and precedence (docs/templates.md): statements set, if/elif/else, for/else;
 * expressions from the ternary down to members, calls and literals. What is outside the
 * subset (macro, call and filter blocks, break, continue, block set) is refused here,
 * naming it, before any conversation is rendered; a filter, test or function outside it
 * is refused when a render reaches it, as the reference does (jinja_filter.c).
 */
#include "jinja_ast.h"
#include "error.h"

#include <stdlib.h>

typedef struct parser {
	dlg_jinja *t;
	const jtok *tk;
	size_t n, cur;
	unsigned depth;
	dlg_error *err;
} parser;

/* Deeper than this, an expression or a block is refused: the parser recurses. */
#define MAX_DEPTH 200

static const jtok *peek(const parser *p, size_t k)
{
	return p->cur + k < p->n ? &p->tk[p->cur + k] : NULL;
}

static bool is(const parser *p, jt_type type)
{
	const jtok *t = peek(p, 0);
	return t && t->type == type;
}

static bool is_name(const parser *p, size_t k, const char *name)
{
	const jtok *t = peek(p, k);
	return t && t->type == JT_NAME && !strcmp(dlg_jinja__str(p->t, t->off), name);
}

static size_t here(const parser *p)
{
	const jtok *t = peek(p, 0);
	return t ? t->at : p->t->src_len;
}

static dlg_status expect(parser *p, jt_type type, const char *what)
{
	if (!is(p, type))
		return dlg_jinja__fail(p->t, here(p), p->err, "expected %s", what);
	p->cur++;
	return DLG_OK;
}

static dlg_status node(parser *p, jnode n, uint32_t *out)
{
	*out = (uint32_t)DLG_BUF_COUNT(&p->t->nodes, jnode);
	return dlg_buf__append(&p->t->nodes, &n, sizeof n, p->err);
}

static jnode *at(parser *p, uint32_t i)
{
	return &DLG_BUF_AT(&p->t->nodes, jnode, i);
}

/* A list of nodes, gathered while nested lists are made, then put in t->kids at once. */
static dlg_status end_list(parser *p, dlg_buf *items, uint32_t *list, uint32_t *n)
{
	*list = (uint32_t)DLG_BUF_COUNT(&p->t->kids, uint32_t);
	*n = (uint32_t)DLG_BUF_COUNT(items, uint32_t);
	dlg_status st = items->len ? dlg_buf__append(&p->t->kids, items->data, items->len, p->err)
				   : DLG_OK;
	dlg_buf__dispose(items);
	return st;
}

static dlg_status expression(parser *p, uint32_t *out);
static dlg_status primary(parser *p, uint32_t *out);

static dlg_status deeper(parser *p)
{
	if (++p->depth > MAX_DEPTH)
		return dlg_jinja__fail(p->t, here(p), p->err, "nested more than %d deep",
				       MAX_DEPTH);
	return DLG_OK;
}

/* `( args )` of a call or a filter: positional, then name=value. */
static dlg_status arguments(parser *p, dlg_buf *args)
{
	DLG_TRY(expect(p, JT_LPAREN, "("));
	while (!is(p, JT_RPAREN)) {
		if (is(p, JT_MUL) || is(p, JT_POW))
			return dlg_jinja__fail(p->t, here(p), p->err, "argument unpacking "
					       "(* or **) is outside the subset");
		size_t start = here(p);
		uint32_t a;
		DLG_TRY(expression(p, &a));
		if (is(p, JT_EQUALS)) {
			if (at(p, a)->kind != N_NAME)
				return dlg_jinja__fail(p->t, start, p->err,
						       "expected a name before =");
			p->cur++;
			jnode kw = { .kind = N_KWARG, .at = start, .off = at(p, a)->off,
				     .len = at(p, a)->len };
			DLG_TRY(expression(p, &kw.a));
			DLG_TRY(node(p, kw, &a));
		}
		DLG_TRY(dlg_buf__append(args, &a, sizeof a, p->err));
		if (is(p, JT_COMMA))
			p->cur++;
		else if (!is(p, JT_RPAREN))
			return dlg_jinja__fail(p->t, here(p), p->err, "expected , or )");
	}
	p->cur++;
	return DLG_OK;
}

static dlg_status call(parser *p, uint32_t callee, uint32_t *out)
{
	jnode c = { .kind = N_CALL, .at = at(p, callee)->at, .a = callee };
	dlg_buf args;
	dlg_buf__init(&args, NULL, DLG_BUF_UNCAPPED);
	dlg_status st = arguments(p, &args);
	if (st) {
		dlg_buf__dispose(&args);
		return st;
	}
	DLG_TRY(end_list(p, &args, &c.list, &c.n));
	return node(p, c, out);
}

/* a.b, a.0, a[x], a[x:y:z] after `object`. */
static dlg_status members(parser *p, uint32_t *object)
{
	while (is(p, JT_DOT) || is(p, JT_LBRACKET)) {
		bool computed = is(p, JT_LBRACKET);
		jnode m = { .kind = N_MEMBER, .at = at(p, *object)->at, .a = *object,
			    .flag = computed };
		p->cur++;
		if (!computed) {
			size_t start = here(p);
			DLG_TRY(primary(p, &m.b));
			if (at(p, m.b)->kind != N_NAME && at(p, m.b)->kind != N_INT)
				return dlg_jinja__fail(p->t, start, p->err,
						       "expected a name or a number after .");
		} else {
			uint32_t parts[3] = { 0, 0, 0 };
			size_t k = 0;
			bool slice = false;
			while (!is(p, JT_RBRACKET)) {
				if (k >= 3)
					return dlg_jinja__fail(p->t, here(p), p->err,
							       "a slice of more than 3 parts");
				if (is(p, JT_COLON)) {
					k++;
					p->cur++;
					slice = true;
					continue;
				}
				DLG_TRY(expression(p, &parts[k]));
				if (is(p, JT_COLON)) {
					k++;
					p->cur++;
					slice = true;
				} else if (!is(p, JT_RBRACKET)) {
					return dlg_jinja__fail(p->t, here(p), p->err, "expected ]");
				}
			}
			if (!slice && !parts[0])
				return dlg_jinja__fail(p->t, here(p), p->err, "an empty []");
			p->cur++;
			if (slice) {
				jnode s = { .kind = N_SLICE, .at = m.at, .a = parts[0],
					    .b = parts[1], .c = parts[2] };
				DLG_TRY(node(p, s, &m.b));
			} else {
				m.b = parts[0];
			}
		}
		DLG_TRY(node(p, m, object));
	}
	return DLG_OK;
}

static dlg_status call_member(parser *p, uint32_t *out)
{
	DLG_TRY(primary(p, out));
	DLG_TRY(members(p, out));
	while (is(p, JT_LPAREN)) {
		DLG_TRY(call(p, *out, out));
		DLG_TRY(members(p, out));
	}
	return DLG_OK;
}

static dlg_status unary_sign(parser *p, uint32_t *out)
{
	const jtok *t = peek(p, 0);
	if (t && (t->type == JT_UNARY || t->type == JT_ADD) &&
	    (t->op == OP_SUB || t->op == OP_ADD)) {
		jnode u = { .kind = N_UNARY, .at = t->at, .op = t->op };
		p->cur++;
		DLG_TRY(deeper(p));
		DLG_TRY(unary_sign(p, &u.a));
		p->depth--;
		return node(p, u, out);
	}
	return call_member(p, out);
}

static dlg_status name_after(parser *p, const char *what, jnode *n)
{
	const jtok *t = peek(p, 0);
	if (!t || t->type != JT_NAME)
		return dlg_jinja__fail(p->t, here(p), p->err, "expected the name of a %s", what);
	n->off = t->off;
	n->len = t->len;
	p->cur++;
	return DLG_OK;
}

static dlg_status filter(parser *p, uint32_t *out)
{
	DLG_TRY(unary_sign(p, out));
	while (is(p, JT_PIPE)) {
		p->cur++;
		jnode f = { .kind = N_FILTER, .at = here(p), .a = *out };
		DLG_TRY(name_after(p, "filter", &f));
		if (is(p, JT_LPAREN)) {
			dlg_buf args;
			dlg_buf__init(&args, NULL, DLG_BUF_UNCAPPED);
			dlg_status st = arguments(p, &args);
			if (st) {
				dlg_buf__dispose(&args);
				return st;
			}
			DLG_TRY(end_list(p, &args, &f.list, &f.n));
			f.flag = true;
		}
		DLG_TRY(node(p, f, out));
	}
	return DLG_OK;
}

static dlg_status test(parser *p, uint32_t *out)
{
	DLG_TRY(filter(p, out));
	while (is_name(p, 0, "is")) {
		p->cur++;
		jnode t = { .kind = N_TEST, .at = here(p), .a = *out };
		if (is_name(p, 0, "not")) {
			t.flag = true;
			p->cur++;
		}
		DLG_TRY(name_after(p, "test", &t));
		DLG_TRY(node(p, t, out));
	}
	return DLG_OK;
}

/* Binary operators of one level: `type` tokens (or the names and/or) over `next`. */
static dlg_status binary(parser *p, uint32_t *out, jt_type type,
			 dlg_status (*next)(parser *, uint32_t *))
{
	DLG_TRY(next(p, out));
	while (is(p, type)) {
		jnode b = { .kind = N_BIN, .at = peek(p, 0)->at, .op = peek(p, 0)->op, .a = *out };
		p->cur++;
		DLG_TRY(next(p, &b.b));
		DLG_TRY(node(p, b, out));
	}
	return DLG_OK;
}

static dlg_status power(parser *p, uint32_t *out)
{
	return binary(p, out, JT_POW, test);
}

static dlg_status multiplicative(parser *p, uint32_t *out)
{
	return binary(p, out, JT_MUL, power);
}

static dlg_status additive(parser *p, uint32_t *out)
{
	return binary(p, out, JT_ADD, multiplicative);
}

static dlg_status comparison(parser *p, uint32_t *out)
{
	DLG_TRY(additive(p, out));
	for (;;) {
		jnode b = { .kind = N_BIN, .at = here(p), .a = *out };
		if (is_name(p, 0, "not") && is_name(p, 1, "in")) {
			b.op = OP_NOT_IN;
			p->cur += 2;
		} else if (is_name(p, 0, "in")) {
			b.op = OP_IN;
			p->cur++;
		} else if (is(p, JT_CMP)) {
			b.op = peek(p, 0)->op;
			p->cur++;
		} else {
			return DLG_OK;
		}
		DLG_TRY(additive(p, &b.b));
		DLG_TRY(node(p, b, out));
	}
}

static dlg_status negation(parser *p, uint32_t *out)
{
	if (!is_name(p, 0, "not"))
		return comparison(p, out);
	jnode u = { .kind = N_UNARY, .at = here(p), .op = OP_NOT };
	p->cur++;
	DLG_TRY(deeper(p));
	DLG_TRY(negation(p, &u.a));
	p->depth--;
	return node(p, u, out);
}

static dlg_status logical(parser *p, uint32_t *out, const char *word, jop op,
			  dlg_status (*next)(parser *, uint32_t *))
{
	DLG_TRY(next(p, out));
	while (is_name(p, 0, word)) {
		jnode b = { .kind = N_BIN, .at = here(p), .op = op, .a = *out };
		p->cur++;
		DLG_TRY(next(p, &b.b));
		DLG_TRY(node(p, b, out));
	}
	return DLG_OK;
}

static dlg_status and_expr(parser *p, uint32_t *out)
{
	return logical(p, out, "and", OP_AND, negation);
}

static dlg_status or_expr(parser *p, uint32_t *out)
{
	return logical(p, out, "or", OP_OR, and_expr);
}

static dlg_status expression(parser *p, uint32_t *out)
{
	DLG_TRY(deeper(p));
	size_t start = here(p);
	DLG_TRY(or_expr(p, out));
	if (is_name(p, 0, "if")) {
		p->cur++;
		jnode n = { .kind = N_SELECT, .at = start, .a = *out };
		DLG_TRY(or_expr(p, &n.b));
		if (is_name(p, 0, "else")) {
			p->cur++;
			n = (jnode){ .kind = N_TERNARY, .at = start, .a = n.b, .b = *out };
			DLG_TRY(expression(p, &n.c));
		}
		DLG_TRY(node(p, n, out));
	}
	p->depth--;
	return DLG_OK;
}

/* An expression, or several with commas between: a tuple. `prim`: of primaries only. */
static dlg_status sequence(parser *p, uint32_t *out, bool prim)
{
	size_t start = here(p);
	DLG_TRY(prim ? primary(p, out) : expression(p, out));
	if (!is(p, JT_COMMA))
		return DLG_OK;
	dlg_buf items;
	dlg_buf__init(&items, NULL, DLG_BUF_UNCAPPED);
	dlg_status st = dlg_buf__append(&items, out, sizeof *out, p->err);
	while (!st && is(p, JT_COMMA)) {
		p->cur++;
		uint32_t e;
		st = prim ? primary(p, &e) : expression(p, &e);
		if (!st)
			st = dlg_buf__append(&items, &e, sizeof e, p->err);
	}
	jnode t = { .kind = N_TUPLE, .at = start };
	if (st) {
		dlg_buf__dispose(&items);
		return st;
	}
	DLG_TRY(end_list(p, &items, &t.list, &t.n));
	return node(p, t, out);
}

static dlg_status primary(parser *p, uint32_t *out)
{
	const jtok *t = peek(p, 0);
	if (!t)
		return dlg_jinja__fail(p->t, p->t->src_len, p->err,
				       "the template ends in an expression");
	p->cur++;
	jnode n = { .at = t->at, .off = t->off, .len = t->len };
	switch (t->type) {
	case JT_NUM: {
		const char *s = dlg_jinja__str(p->t, t->off);
		if (strchr(s, '.')) {
			n.kind = N_FLOAT;
			n.f = strtod(s, NULL);
		} else {
			n.kind = N_INT;
			n.i = strtoll(s, NULL, 10);
		}
		return node(p, n, out);
	}
	case JT_STR:
		n.kind = N_STR;
		if (is(p, JT_STR)) /* adjacent strings are one: copy them together */
			return dlg_jinja__fail(p->t, t->at, p->err,
					       "adjacent string literals are outside the subset");
		return node(p, n, out);
	case JT_NAME:
		n.kind = N_NAME;
		return node(p, n, out);
	case JT_LPAREN:
		DLG_TRY(deeper(p));
		DLG_TRY(sequence(p, out, false));
		p->depth--;
		return expect(p, JT_RPAREN, ")");
	case JT_LBRACKET:
	case JT_LBRACE: {
		bool dict = t->type == JT_LBRACE;
		n.kind = dict ? N_DICT : N_LIST;
		dlg_buf items;
		dlg_buf__init(&items, NULL, DLG_BUF_UNCAPPED);
		dlg_status st = deeper(p);
		while (!st && !is(p, dict ? JT_RBRACE : JT_RBRACKET)) {
			uint32_t e;
			st = expression(p, &e);
			if (!st)
				st = dlg_buf__append(&items, &e, sizeof e, p->err);
			if (!st && dict) {
				st = expect(p, JT_COLON, ":");
				if (!st)
					st = expression(p, &e);
				if (!st)
					st = dlg_buf__append(&items, &e, sizeof e, p->err);
			}
			if (!st && is(p, JT_COMMA))
				p->cur++;
			else if (!st && !is(p, dict ? JT_RBRACE : JT_RBRACKET))
				st = dlg_jinja__fail(p->t, here(p), p->err, "expected , or %s",
						     dict ? "}" : "]");
		}
		if (st) {
			dlg_buf__dispose(&items);
			return st;
		}
		p->depth--;
		p->cur++;
		DLG_TRY(end_list(p, &items, &n.list, &n.n));
		return node(p, n, out);
	}
	default:
		return dlg_jinja__fail(p->t, t->at, p->err, "an unexpected `%.20s`",
				       t->type == JT_TEXT ? "text" : dlg_jinja__str(p->t, t->off));
	}
}

/* Statements ---------------------------------------------------------------------- */

static bool at_statement(const parser *p, const char *a, const char *b, const char *c)
{
	if (!is(p, JT_OPEN_STMT))
		return false;
	return is_name(p, 1, a) || (b && is_name(p, 1, b)) || (c && is_name(p, 1, c));
}

static dlg_status any(parser *p, dlg_buf *body);

/* Nodes into `body` up to one of the statements named (which are left to read). */
static dlg_status block(parser *p, dlg_buf *body, const char *a, const char *b, const char *c)
{
	DLG_TRY(deeper(p));
	while (!at_statement(p, a, b, c)) {
		if (p->cur >= p->n)
			return dlg_jinja__fail(p->t, p->t->src_len, p->err,
					       "the template ends before {%% %s %%}", c ? c : a);
		DLG_TRY(any(p, body));
	}
	p->depth--;
	return DLG_OK;
}

static dlg_status end_tag(parser *p, const char *name)
{
	DLG_TRY(expect(p, JT_OPEN_STMT, "{%"));
	if (!is_name(p, 0, name))
		return dlg_jinja__fail(p->t, here(p), p->err, "expected %s", name);
	p->cur++;
	return expect(p, JT_CLOSE_STMT, "%}");
}

static dlg_status body_of(parser *p, jnode *n, bool second, const char *a, const char *b,
			  const char *c)
{
	dlg_buf body;
	dlg_buf__init(&body, NULL, DLG_BUF_UNCAPPED);
	dlg_status st = block(p, &body, a, b, c);
	if (st) {
		dlg_buf__dispose(&body);
		return st;
	}
	return second ? end_list(p, &body, &n->list2, &n->n2) : end_list(p, &body, &n->list, &n->n);
}

/* An {% else %} and its body when there is one, then the {% end... %} tag. */
static dlg_status else_then_end(parser *p, jnode *n, const char *end)
{
	if (is_name(p, 1, "else")) {
		p->cur += 2;
		DLG_TRY(expect(p, JT_CLOSE_STMT, "%}"));
		DLG_TRY(body_of(p, n, true, end, NULL, NULL));
	}
	return end_tag(p, end);
}

/* After `if` or `elif`: test, body, then elif (a nested if as the else), else, endif. */
static dlg_status if_statement(parser *p, size_t start, uint32_t *out)
{
	jnode n = { .kind = N_IF, .at = start };
	DLG_TRY(expression(p, &n.a));
	DLG_TRY(expect(p, JT_CLOSE_STMT, "%}"));
	DLG_TRY(body_of(p, &n, false, "elif", "else", "endif"));
	if (is_name(p, 1, "elif")) {
		size_t at_elif = peek(p, 0)->at;
		p->cur += 2;
		uint32_t nested;
		DLG_TRY(deeper(p));
		DLG_TRY(if_statement(p, at_elif, &nested));
		p->depth--;
		n.list2 = (uint32_t)DLG_BUF_COUNT(&p->t->kids, uint32_t);
		n.n2 = 1;
		DLG_TRY(dlg_buf__append(&p->t->kids, &nested, sizeof nested, p->err));
		return node(p, n, out);
	}
	DLG_TRY(else_then_end(p, &n, "endif"));
	return node(p, n, out);
}

static dlg_status for_statement(parser *p, size_t start, uint32_t *out)
{
	jnode n = { .kind = N_FOR, .at = start };
	DLG_TRY(sequence(p, &n.a, true));
	uint8_t k = at(p, n.a)->kind;
	if (k != N_NAME && k != N_TUPLE)
		return dlg_jinja__fail(p->t, start, p->err, "expected a name after for");
	if (!is_name(p, 0, "in"))
		return dlg_jinja__fail(p->t, here(p), p->err, "expected in");
	p->cur++;
	DLG_TRY(expression(p, &n.b));
	if (at(p, n.b)->kind == N_SELECT) { /* for x in xs if test */
		n.c = at(p, n.b)->b;
		n.b = at(p, n.b)->a;
	}
	DLG_TRY(expect(p, JT_CLOSE_STMT, "%}"));
	DLG_TRY(body_of(p, &n, false, "endfor", "else", NULL));
	DLG_TRY(else_then_end(p, &n, "endfor"));
	return node(p, n, out);
}

static dlg_status set_statement(parser *p, size_t start, uint32_t *out)
{
	jnode n = { .kind = N_SET, .at = start };
	DLG_TRY(sequence(p, &n.a, false));
	uint8_t k = at(p, n.a)->kind;
	if (k != N_NAME && !(k == N_MEMBER && !at(p, n.a)->flag))
		return dlg_jinja__fail(p->t, start, p->err, k == N_TUPLE ?
				       "{%% set a, b = ... %%} is outside the subset" :
				       "expected a name or name.attribute after set");
	if (!is(p, JT_EQUALS))
		return dlg_jinja__fail(p->t, start, p->err,
				       "{%% set %%}...{%% endset %%} is outside the subset");
	p->cur++;
	DLG_TRY(sequence(p, &n.b, false));
	DLG_TRY(expect(p, JT_CLOSE_STMT, "%}"));
	return node(p, n, out);
}

static dlg_status statement(parser *p, uint32_t *out)
{
	size_t start = here(p);
	p->cur++; /* {% */
	const jtok *t = peek(p, 0);
	if (!t || t->type != JT_NAME)
		return dlg_jinja__fail(p->t, start, p->err, "expected a statement after {%%");
	const char *name = dlg_jinja__str(p->t, t->off);
	p->cur++;
	if (!strcmp(name, "if"))
		return if_statement(p, start, out);
	if (!strcmp(name, "for"))
		return for_statement(p, start, out);
	if (!strcmp(name, "set"))
		return set_statement(p, start, out);
	return dlg_jinja__fail(p->t, start, p->err, "{%% %s %%} is outside the subset", name);
}

static dlg_status any(parser *p, dlg_buf *body)
{
	const jtok *t = peek(p, 0);
	uint32_t n;
	switch (t->type) {
	case JT_COMMENT:
		p->cur++;
		return DLG_OK;
	case JT_TEXT: {
		jnode text = { .kind = N_TEXT, .at = t->at, .off = t->off, .len = t->len };
		p->cur++;
		DLG_TRY(node(p, text, &n));
		break;
	}
	case JT_OPEN_STMT:
		DLG_TRY(statement(p, &n));
		break;
	case JT_OPEN_EXPR:
		p->cur++;
		DLG_TRY(expression(p, &n));
		DLG_TRY(expect(p, JT_CLOSE_EXPR, "}}"));
		break;
	default:
		return dlg_jinja__fail(p->t, t->at, p->err, "an unexpected `%.20s`",
				       dlg_jinja__str(p->t, t->off));
	}
	return dlg_buf__append(body, &n, sizeof n, p->err);
}

dlg_status dlg_jinja__parse(dlg_jinja *t, const jtok *toks, size_t n, dlg_error *err)
{
	parser p = { .t = t, .tk = toks, .n = n, .err = err };
	jnode none = { .kind = N_NONE };
	DLG_TRY(dlg_buf__append(&t->nodes, &none, sizeof none, err));
	dlg_buf body;
	dlg_buf__init(&body, NULL, DLG_BUF_UNCAPPED);
	dlg_status st = DLG_OK;
	while (!st && p.cur < p.n)
		st = any(&p, &body);
	if (st) {
		dlg_buf__dispose(&body);
		return st;
	}
	return end_list(&p, &body, &t->root, &t->root_n);
}
