/*
 * jinja_lex.c - a chat template's tokens, as @huggingface/jinja's lexer makes them
 * (docs/templates.md): the template first loses its last newline, the white space before a
 * block at the start of a line (lstrip_blocks) and the newline after one (trim_blocks), and
 * its {% generation %} tags; then `{%-` and `-%}` trim the text beside them. Each byte kept
 * remembers where it was, so that an error names the line and column as written.
 */
#include "jinja_ast.h"
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static uint32_t decode(const unsigned char *s, size_t n, size_t *len)
{
	if (s[0] < 0x80 || n < 2) {
		*len = 1;
		return s[0];
	}
	if ((s[0] & 0xE0) == 0xC0) {
		*len = 2;
		return (uint32_t)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
	}
	if ((s[0] & 0xF0) == 0xE0 && n >= 3) {
		*len = 3;
		return (uint32_t)(s[0] & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
	}
	*len = 1;
	return 0xFFFD; /* four bytes: never white space */
}

static bool js_space(uint32_t c)
{
	if (c <= 32)
		return c == 32 || (c >= 9 && c <= 13);
	return c == 160 || c == 5760 || (c >= 8192 && c <= 8202) || c == 8232 || c == 8233 ||
	       c == 8239 || c == 8287 || c == 12288 || c == 65279;
}

size_t dlg_jinja__space_at(const char *s, size_t n)
{
	size_t len;
	if (!n)
		return 0;
	return js_space(decode((const unsigned char *)s, n, &len)) ? len : 0;
}

size_t dlg_jinja__space_before(const char *s, size_t n)
{
	size_t start = n, len;
	while (start > 0 && n - start < 3 && ((unsigned char)s[start - 1] & 0xC0) == 0x80)
		start--;
	if (start == 0)
		return 0;
	start--; /* the lead byte */
	uint32_t c = decode((const unsigned char *)s + start, n - start, &len);
	return start + len == n && js_space(c) ? len : 0;
}

dlg_status dlg_jinja__fail(const dlg_jinja *t, size_t at, dlg_error *err, const char *fmt, ...)
{
	uint64_t line = 1, col = 1;
	for (size_t i = 0; i < at && i < t->src_len; i++) {
		if (t->src[i] == '\n') {
			line++;
			col = 1;
		} else if (((unsigned char)t->src[i] & 0xC0) != 0x80) {
			col++;
		}
	}
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	dlg_error__utf8_cut(msg);
	return dlg_error__set(err, DLG_E_ARG, 0, "chat template line %llu, column %llu: %s",
			      (unsigned long long)line, (unsigned long long)col, msg);
}

/* The template being lexed: its text after preprocessing, and where each byte was. */
typedef struct lexer {
	dlg_jinja *t;
	char *s;
	size_t *from;
	size_t n, pos;
	dlg_buf *toks;
	dlg_error *err;
} lexer;

/* Keeps the bytes of s whose keep[] is true (one pass of the preprocessing). */
static void squeeze(lexer *lx, const bool *keep)
{
	size_t w = 0;
	for (size_t r = 0; r < lx->n; r++)
		if (keep[r]) {
			lx->s[w] = lx->s[r];
			lx->from[w++] = lx->from[r];
		}
	lx->n = w;
}

static bool line_start(const char *s, size_t i)
{
	if (i == 0 || s[i - 1] == '\n' || s[i - 1] == '\r')
		return true;
	/* U+2028 and U+2029, which JavaScript's ^ also starts a line after */
	return i >= 3 && (unsigned char)s[i - 3] == 0xE2 && (unsigned char)s[i - 2] == 0x80 &&
	       ((unsigned char)s[i - 1] == 0xA8 || (unsigned char)s[i - 1] == 0xA9);
}

/* What @huggingface/jinja's preprocess() does, in its order. */
static void preprocess(lexer *lx, bool *keep)
{
	if (lx->n && lx->s[lx->n - 1] == '\n')
		lx->n--;
	/* lstrip_blocks: /^[ \t]*({[#%-])/gm */
	for (size_t i = 0; i < lx->n; i++)
		keep[i] = true;
	for (size_t i = 0; i < lx->n; i++) {
		if (!line_start(lx->s, i))
			continue;
		size_t j = i;
		while (j < lx->n && (lx->s[j] == ' ' || lx->s[j] == '\t'))
			j++;
		if (j > i && j + 1 < lx->n && lx->s[j] == '{' &&
		    (lx->s[j + 1] == '#' || lx->s[j + 1] == '%' || lx->s[j + 1] == '-'))
			for (size_t k = i; k < j; k++)
				keep[k] = false;
	}
	squeeze(lx, keep);
	/* trim_blocks: /([#%-]})\n/g */
	for (size_t i = 0; i < lx->n; i++)
		keep[i] = true;
	for (size_t i = 0; i + 2 < lx->n;) {
		char c = lx->s[i];
		if ((c == '#' || c == '%' || c == '-') && lx->s[i + 1] == '}' &&
		    lx->s[i + 2] == '\n') {
			keep[i + 2] = false;
			i += 3;
		} else {
			i++;
		}
	}
	squeeze(lx, keep);
	/* {%-? generation -?%} and {% endgeneration %}: the tags go (the masks they mark are
	 * not what dlgconv counts trainable; docs/templates.md) */
	for (size_t i = 0; i < lx->n; i++)
		keep[i] = true;
	size_t last = 0;
	for (size_t i = 0; i + 1 < lx->n; i++) {
		if (lx->s[i] != '{' || lx->s[i + 1] != '%')
			continue;
		size_t j = i + 2, sp;
		bool lstrip = j < lx->n && lx->s[j] == '-';
		j += lstrip;
		while ((sp = dlg_jinja__space_at(lx->s + j, lx->n - j)))
			j += sp;
		if (j + 3 <= lx->n && !memcmp(lx->s + j, "end", 3))
			j += 3;
		if (j + 10 > lx->n || memcmp(lx->s + j, "generation", 10))
			continue;
		j += 10;
		while ((sp = dlg_jinja__space_at(lx->s + j, lx->n - j)))
			j += sp;
		bool rstrip = j < lx->n && lx->s[j] == '-';
		j += rstrip;
		if (j + 2 > lx->n || lx->s[j] != '%' || lx->s[j + 1] != '}')
			continue;
		j += 2;
		size_t start = i, end = j;
		while (lstrip && start > last && (sp = dlg_jinja__space_before(lx->s, start)))
			start -= sp;
		while ((sp = dlg_jinja__space_at(lx->s + end, lx->n - end)))
			end += sp;
		for (size_t k = start; k < (rstrip ? end : j); k++)
			keep[k] = false;
		last = end;
		i = end - 1;
	}
	squeeze(lx, keep);
}

static dlg_status push(lexer *lx, jt_type type, jop op, const char *v, size_t len, size_t at)
{
	jtok tk = { .type = (uint8_t)type, .op = (uint8_t)op, .off = lx->t->pool.len, .len = len,
		    .at = lx->from[at <= lx->n ? at : lx->n] };
	DLG_TRY(dlg_buf__append(&lx->t->pool, v, len, lx->err));
	DLG_TRY(dlg_buf__putc(&lx->t->pool, '\0', lx->err));
	return dlg_buf__append(lx->toks, &tk, sizeof tk, lx->err);
}

static jtok *last_tok(lexer *lx)
{
	size_t n = DLG_BUF_COUNT(lx->toks, jtok);
	return n ? &DLG_BUF_AT(lx->toks, jtok, n - 1) : NULL;
}

static dlg_status fail(lexer *lx, size_t at, const char *what)
{
	return dlg_jinja__fail(lx->t, lx->from[at <= lx->n ? at : lx->n], lx->err, "%s", what);
}

/* `{%-`, `{{-`, `{#-`: the text token before loses its trailing white space. */
static void strip_trailing(lexer *lx)
{
	jtok *tk = last_tok(lx);
	if (!tk || tk->type != JT_TEXT)
		return;
	size_t sp;
	while ((sp = dlg_jinja__space_before(lx->t->pool.data + tk->off, tk->len)))
		tk->len -= sp;
	lx->t->pool.data[tk->off + tk->len] = '\0';
	if (!tk->len)
		lx->toks->len -= sizeof(jtok);
}

static void skip_space(lexer *lx)
{
	size_t sp;
	while ((sp = dlg_jinja__space_at(lx->s + lx->pos, lx->n - lx->pos)))
		lx->pos += sp;
}

static dlg_status string_literal(lexer *lx, char quote)
{
	size_t at = lx->pos++;
	dlg_buf v;
	dlg_buf__init(&v, NULL, DLG_BUF_UNCAPPED);
	dlg_status st = DLG_OK;
	for (;;) {
		if (lx->pos >= lx->n) {
			st = fail(lx, at, "a string that does not end");
			break;
		}
		char c = lx->s[lx->pos++];
		if (c == quote)
			break;
		if (c != '\\') {
			st = dlg_buf__putc(&v, c, lx->err);
		} else if (lx->pos >= lx->n) {
			st = fail(lx, at, "a string that does not end");
		} else {
			static const char from[] = "ntrbfv'\"\\", to[] = "\n\t\r\b\f\v'\"\\";
			char e = lx->s[lx->pos++];
			const char *k = strchr(from, e);
			if (!e || !k)
				st = fail(lx, lx->pos - 2, "an escape sequence outside the subset "
					  "(\\n \\t \\r \\b \\f \\v \\' \\\" \\\\)");
			else
				st = dlg_buf__putc(&v, to[k - from], lx->err);
		}
		if (st)
			break;
	}
	if (!st)
		st = push(lx, JT_STR, OP_NONE, v.data ? v.data : "", v.len, at);
	dlg_buf__dispose(&v);
	return st;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_word(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static dlg_status number(lexer *lx, size_t at, bool after_dot)
{
	while (lx->pos < lx->n && is_digit(lx->s[lx->pos]))
		lx->pos++;
	if (!after_dot && lx->pos + 1 < lx->n && lx->s[lx->pos] == '.' &&
	    is_digit(lx->s[lx->pos + 1])) {
		lx->pos++;
		while (lx->pos < lx->n && is_digit(lx->s[lx->pos]))
			lx->pos++;
	}
	return push(lx, JT_NUM, OP_NONE, lx->s + at, lx->pos - at, at);
}

static const struct {
	const char *seq;
	jt_type type;
	jop op;
} rules[] = {
	{ "{%", JT_OPEN_STMT, OP_NONE }, { "%}", JT_CLOSE_STMT, OP_NONE },
	{ "{{", JT_OPEN_EXPR, OP_NONE }, { "}}", JT_CLOSE_EXPR, OP_NONE },
	{ "(", JT_LPAREN, OP_NONE },     { ")", JT_RPAREN, OP_NONE },
	{ "{", JT_LBRACE, OP_NONE },     { "}", JT_RBRACE, OP_NONE },
	{ "[", JT_LBRACKET, OP_NONE },   { "]", JT_RBRACKET, OP_NONE },
	{ ",", JT_COMMA, OP_NONE },      { ".", JT_DOT, OP_NONE },
	{ ":", JT_COLON, OP_NONE },      { "|", JT_PIPE, OP_NONE },
	{ "<=", JT_CMP, OP_LE },         { ">=", JT_CMP, OP_GE },
	{ "==", JT_CMP, OP_EQ },         { "!=", JT_CMP, OP_NE },
	{ "<", JT_CMP, OP_LT },          { ">", JT_CMP, OP_GT },
	{ "+", JT_ADD, OP_ADD },         { "-", JT_ADD, OP_SUB },
	{ "~", JT_ADD, OP_CAT },         { "**", JT_POW, OP_POW },
	{ "*", JT_MUL, OP_MUL },         { "//", JT_MUL, OP_FLOORDIV },
	{ "/", JT_MUL, OP_DIV },         { "%", JT_MUL, OP_MOD },
	{ "=", JT_EQUALS, OP_NONE },
};

/* One token inside {{ }} or {% %}; `depth`: the { } open in this expression. */
static dlg_status inner_token(lexer *lx, int *depth)
{
	const jtok *prev = last_tok(lx);
	int prev_type = prev ? prev->type : -1;
	const char *s = lx->s;
	size_t at = lx->pos;
	char c = s[at];
	if (c == '-' && at + 2 < lx->n && s[at + 2] == '}' &&
	    (s[at + 1] == '%' || s[at + 1] == '}')) {
		DLG_TRY(push(lx, s[at + 1] == '%' ? JT_CLOSE_STMT : JT_CLOSE_EXPR, OP_NONE,
			     s + at + 1, 2, at));
		lx->pos += 3;
		skip_space(lx);
		return DLG_OK;
	}
	if ((c == '-' || c == '+') && prev_type != JT_NAME && prev_type != JT_NUM &&
	    prev_type != JT_STR && prev_type != JT_RPAREN && prev_type != JT_RBRACKET) {
		if (prev_type == JT_TEXT || prev_type < 0)
			return fail(lx, at, "an unexpected sign");
		lx->pos++;
		if (lx->pos < lx->n && is_digit(s[lx->pos]))
			return number(lx, at, false);
		return push(lx, JT_UNARY, c == '-' ? OP_SUB : OP_ADD, s + at, 1, at);
	}
	for (size_t r = 0; r < sizeof rules / sizeof *rules; r++) {
		size_t len = strlen(rules[r].seq);
		if ((rules[r].type == JT_CLOSE_EXPR && *depth > 0) || at + len > lx->n ||
		    memcmp(s + at, rules[r].seq, len))
			continue;
		DLG_TRY(push(lx, rules[r].type, rules[r].op, s + at, len, at));
		if (rules[r].type == JT_OPEN_EXPR)
			*depth = 0;
		else if (rules[r].type == JT_LBRACE)
			++*depth;
		else if (rules[r].type == JT_RBRACE)
			--*depth;
		lx->pos += len;
		return DLG_OK;
	}
	if (c == '\'' || c == '"')
		return string_literal(lx, c);
	if (is_digit(c))
		return number(lx, at, prev_type == JT_DOT);
	if (is_word(c)) {
		while (lx->pos < lx->n && is_word(s[lx->pos]))
			lx->pos++;
		return push(lx, JT_NAME, OP_NONE, s + at, lx->pos - at, at);
	}
	return fail(lx, at, "a character outside the template syntax");
}

static dlg_status tokenize(lexer *lx)
{
	int depth = 0;
	while (lx->pos < lx->n) {
		const jtok *prev = last_tok(lx);
		const char *s = lx->s;
		if (!prev || prev->type == JT_CLOSE_STMT || prev->type == JT_CLOSE_EXPR ||
		    prev->type == JT_COMMENT) {
			size_t end = lx->pos;
			while (end < lx->n && !(s[end] == '{' && end + 1 < lx->n &&
						strchr("%{#", s[end + 1])))
				end++;
			if (end > lx->pos) {
				DLG_TRY(push(lx, JT_TEXT, OP_NONE, s + lx->pos, end - lx->pos,
					     lx->pos));
				lx->pos = end;
				continue;
			}
		}
		if (s[lx->pos] == '{' && lx->pos + 1 < lx->n && s[lx->pos + 1] == '#') {
			size_t at = lx->pos;
			lx->pos += 2;
			bool before = lx->pos < lx->n && s[lx->pos] == '-';
			lx->pos += before;
			size_t end = lx->pos;
			while (end + 1 < lx->n && !(s[end] == '#' && s[end + 1] == '}'))
				end++;
			if (end + 1 >= lx->n)
				return fail(lx, at, "a comment {# that does not end");
			bool after = end > lx->pos && s[end - 1] == '-';
			if (before)
				strip_trailing(lx);
			DLG_TRY(push(lx, JT_COMMENT, OP_NONE, "", 0, at));
			lx->pos = end + 2;
			if (after)
				skip_space(lx);
			continue;
		}
		if (s[lx->pos] == '{' && lx->pos + 2 < lx->n && s[lx->pos + 2] == '-' &&
		    (s[lx->pos + 1] == '%' || s[lx->pos + 1] == '{')) {
			strip_trailing(lx);
			jt_type type = s[lx->pos + 1] == '%' ? JT_OPEN_STMT : JT_OPEN_EXPR;
			DLG_TRY(push(lx, type, OP_NONE, s + lx->pos, 2, lx->pos));
			depth = 0;
			lx->pos += 3;
			continue;
		}
		skip_space(lx);
		if (lx->pos >= lx->n)
			return fail(lx, lx->n, "the template ends inside a tag");
		DLG_TRY(inner_token(lx, &depth));
	}
	return DLG_OK;
}

dlg_status dlg_jinja__lex(dlg_jinja *t, dlg_buf *toks, dlg_error *err)
{
	lexer lx = { .t = t, .n = t->src_len, .toks = toks, .err = err };
	lx.s = malloc(t->src_len + 1);
	lx.from = malloc((t->src_len + 1) * sizeof *lx.from);
	bool *keep = malloc(t->src_len + 1);
	dlg_status st = DLG_OK;
	if (!lx.s || !lx.from || !keep) {
		st = dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory compiling a chat template");
	} else {
		memcpy(lx.s, t->src, t->src_len);
		for (size_t i = 0; i < t->src_len; i++)
			lx.from[i] = i;
		lx.from[t->src_len] = t->src_len;
		preprocess(&lx, keep);
		lx.from[lx.n] = t->src_len;
		st = tokenize(&lx);
	}
	free(lx.s);
	free(lx.from);
	free(keep);
	return st;
}
