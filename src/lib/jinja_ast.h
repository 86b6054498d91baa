/*
 * jinja_ast.h - a compiled template's tokens and tree, shared by the lexer (jinja_lex.c),
 * the parser (jinja_parse.c) and the renderer (jinja_eval.c). Nodes and strings live in
 * arrays and are named by index, so that growing an array moves nothing a node holds.
 */
#ifndef DLG_JINJA_AST_H
#define DLG_JINJA_AST_H

#include "internal.h"
#include "buf.h"
#include "jinja.h"

/* Token types, as @huggingface/jinja's lexer names them. */
typedef enum jt_type {
	JT_TEXT, JT_NUM, JT_STR, JT_NAME, JT_OPEN_STMT, JT_CLOSE_STMT, JT_OPEN_EXPR,
	JT_CLOSE_EXPR, JT_LPAREN, JT_RPAREN, JT_LBRACE, JT_RBRACE, JT_LBRACKET, JT_RBRACKET,
	JT_COMMA, JT_DOT, JT_COLON, JT_PIPE, JT_CMP, JT_ADD, JT_MUL, JT_POW, JT_EQUALS,
	JT_UNARY, JT_COMMENT
} jt_type;

/* Operators: of a JT_CMP, JT_ADD, JT_MUL or JT_UNARY token, and of an N_BIN or N_UNARY. */
typedef enum jop {
	OP_NONE, OP_EQ, OP_NE, OP_LT, OP_GT, OP_LE, OP_GE, OP_ADD, OP_SUB, OP_CAT, OP_MUL,
	OP_DIV, OP_FLOORDIV, OP_MOD, OP_POW, OP_AND, OP_OR, OP_IN, OP_NOT_IN, OP_NOT
} jop;

typedef struct jtok {
	uint8_t type; /* jt_type */
	uint8_t op;   /* jop */
	size_t off, len; /* its value in the template's pool: a text, a string unescaped, a name,
			    a number's digits */
	size_t at;       /* where it starts in the template as written */
} jtok;

typedef enum jn_kind {
	N_NONE, /* node 0: "no node" */
	N_TEXT, N_IF, N_FOR, N_SET,
	N_NAME, N_INT, N_FLOAT, N_STR, N_LIST, N_TUPLE, N_DICT, N_BIN, N_UNARY, N_MEMBER,
	N_SLICE, N_CALL, N_KWARG, N_FILTER, N_TEST, N_TERNARY, N_SELECT
} jn_kind;

/*
 * One node. Its children by kind (a list is kids[list, list + n)):
 *   N_TEXT, N_STR, N_NAME: the pool's [off, off + len)   N_INT: i   N_FLOAT: f
 *   N_IF: a test, list body, list2 else              N_SET: a target, b value
 *   N_FOR: a loop variable (N_NAME or N_TUPLE), b iterable, c its `if` (or 0), list body,
 *          list2 else
 *   N_LIST, N_TUPLE: list items   N_DICT: list key, value, key, value...
 *   N_BIN: op, a, b   N_UNARY: op, a   N_TERNARY: a test, b then, c else
 *   N_SELECT (`a if b`): a, b        N_MEMBER: a object, b property; flag: a[b], not a.b
 *   N_SLICE: a start, b stop, c step (each 0 when left out)
 *   N_CALL: a callee, list arguments   N_KWARG: the name (pool), a value
 *   N_FILTER: a operand, the name (pool), list arguments; flag: called with ()
 *   N_TEST: a operand, the name (pool); flag: `is not`
 */
typedef struct jnode {
	uint8_t kind; /* jn_kind */
	uint8_t op;   /* jop */
	bool flag;
	size_t at;    /* where it starts in the template as written */
	uint32_t a, b, c;
	uint32_t list, n, list2, n2;
	size_t off, len;
	int64_t i;
	double f;
} jnode;

struct dlg_jinja {
	char *src;       /* the template as written, for line and column */
	size_t src_len;
	dlg_buf pool;    /* texts, strings and names */
	dlg_buf nodes;   /* jnode[]; node 0 is N_NONE */
	dlg_buf kids;    /* uint32_t[]: the nodes' lists */
	uint32_t root;   /* the template's body: kids[root_list, + root_n) */
	uint32_t root_n;
};

/** Tokens of src[0, n) into `toks` (jtok[]), their values into t->pool (jinja_lex.c). */
dlg_status dlg_jinja__lex(dlg_jinja *t, dlg_buf *toks, dlg_error *err) DLG_WUR;

/** The tree of `toks` into t (jinja_parse.c). */
dlg_status dlg_jinja__parse(dlg_jinja *t, const jtok *toks, size_t n, dlg_error *err) DLG_WUR;

/** DLG_E_ARG: "chat template line L, column C: <message>", at byte `at` of t->src. */
dlg_status dlg_jinja__fail(const dlg_jinja *t, size_t at, dlg_error *err, const char *fmt, ...)
	DLG_PRINTF(4, 5);

/** The JavaScript white space @huggingface/jinja trims: its length at s[0, n), or 0. */
size_t dlg_jinja__space_at(const char *s, size_t n);
/** The same ending at s[n), or 0. */
size_t dlg_jinja__space_before(const char *s, size_t n);

static inline const jnode *dlg_jinja__node(const dlg_jinja *t, uint32_t i)
{
	return &DLG_BUF_AT(&t->nodes, jnode, i);
}

static inline uint32_t dlg_jinja__kid(const dlg_jinja *t, uint32_t i)
{
	return DLG_BUF_AT(&t->kids, uint32_t, i);
}

static inline const char *dlg_jinja__str(const dlg_jinja *t, size_t off)
{
	return t->pool.data + off;
}

#endif
