/*
 * pretok.c - pre-tokenizers (docs/tokenizers.md): a text cut into pieces by a regular
 * expression (PCRE2 in UTF mode with Unicode properties, JIT-compiled) or by a string, and
 * Metaspace's word marks. Uses buf.c and error.c; PCRE2 is confined here.
 */
#define _GNU_SOURCE /* memmem */
#include "pretok.h"
#include "error.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/* GPT-2's expression, as ByteLevel's use_regex gives it. */
static const char gpt2_pattern[] =
	"'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

/* \s spelled out, for inside a character class: PCRE2's own \s is neither set. */
static const char *const space_class[] = {
	[DLG_SPACE_JS] = "\\t\\n\\x{0B}\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}"
			 "\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}",
	[DLG_SPACE_UNICODE] = "\\t\\n\\x{0B}\\f\\r \\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}"
			      "\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}",
};

bool dlg_pretok__is_js_space(uint32_t c)
{
	/* the set of space_class[DLG_SPACE_JS] */
	return (c >= '\t' && c <= '\r') || c == ' ' || c == 0xA0 || c == 0x1680 ||
	       (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
	       c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

typedef enum kind { KIND_REGEX, KIND_STRING, KIND_BYTE_LEVEL, KIND_METASPACE } kind;

struct dlg_pretok {
	const dlg_allocator *alloc;
	kind kind;
	dlg_split_behavior behavior;
	pcre2_code *re;    /* KIND_REGEX, KIND_BYTE_LEVEL with use_regex */
	char *str;         /* KIND_STRING: the delimiter; KIND_METASPACE: the replacement */
	size_t str_len;
	bool prefix, first_only;
};

struct dlg_pretok_scratch {
	const dlg_allocator *alloc;
	pcre2_match_data *md;
	pcre2_match_context *mc;
	pcre2_jit_stack *stack;
};

void dlg_pieces__init(dlg_pieces *p, const dlg_allocator *a)
{
	dlg_buf__init(&p->bytes, a, UINT32_MAX);
	dlg_buf__init(&p->spans, a, DLG_BUF_UNCAPPED);
}

void dlg_pieces__dispose(dlg_pieces *p)
{
	dlg_buf__dispose(&p->bytes);
	dlg_buf__dispose(&p->spans);
}

void dlg_pieces__clear(dlg_pieces *p)
{
	p->bytes.len = 0;
	p->spans.len = 0;
}

dlg_status dlg_pieces__add(dlg_pieces *p, const char *s, size_t n, dlg_error *err)
{
	if (n == 0)
		return DLG_OK;
	dlg_piece sp = {(uint32_t)p->bytes.len, (uint32_t)n};
	DLG_TRY(dlg_buf__append(&p->bytes, s, n, err));
	return dlg_buf__append(&p->spans, &sp, sizeof sp, err);
}

static dlg_status new_pretok(dlg_pretok **out, const dlg_allocator *a, kind k, dlg_error *err)
{
	*out = dlg_mem__alloc(a, sizeof **out);
	if (!*out)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	memset(*out, 0, sizeof **out);
	(*out)->alloc = a;
	(*out)->kind = k;
	return DLG_OK;
}

void dlg_pretok__free(dlg_pretok *p)
{
	if (!p)
		return;
	pcre2_code_free(p->re);
	dlg_mem__free(p->alloc, p->str);
	dlg_mem__free(p->alloc, p);
}

/* `pattern` with \s and \S spelled out as `space` says. */
static dlg_status spell_spaces(dlg_buf *out, const char *pattern, dlg_space space,
			       dlg_error *err)
{
	bool in_class = false;
	for (const char *c = pattern; *c; c++) {
		if (*c == '\\' && (c[1] == 's' || c[1] == 'S')) {
			if (in_class && c[1] == 'S')
				return dlg_error__set(err, DLG_E_ARG, 0,
						      "unsupported \\S inside [...] in pattern "
						      "'%.60s'", pattern);
			const char *open = in_class ? "" : c[1] == 's' ? "[" : "[^";
			DLG_TRY(dlg_buf__printf(out, err, "%s%s%s", open, space_class[space],
						in_class ? "" : "]"));
			c++;
		} else if (*c == '\\' && c[1]) {
			DLG_TRY(dlg_buf__append(out, c, 2, err));
			c++;
		} else {
			if (*c == '[' && !in_class)
				in_class = true;
			else if (*c == ']' && in_class)
				in_class = false;
			DLG_TRY(dlg_buf__putc(out, *c, err));
		}
	}
	return dlg_buf__putc(out, '\0', err);
}

static dlg_status compile(pcre2_code **re, const dlg_allocator *a, const char *pattern,
			  dlg_space space, dlg_error *err)
{
	dlg_buf spelled;
	dlg_buf__init(&spelled, a, DLG_BUF_UNCAPPED);
	dlg_status st = spell_spaces(&spelled, pattern, space, err);
	if (st == DLG_OK) {
		int code;
		PCRE2_SIZE at;
		*re = pcre2_compile((PCRE2_SPTR)spelled.data, PCRE2_ZERO_TERMINATED,
				    PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK, &code, &at, NULL);
		if (!*re) {
			PCRE2_UCHAR msg[120];
			pcre2_get_error_message(code, msg, sizeof msg);
			st = dlg_error__set(err, DLG_E_ARG, 0, "pattern '%.60s': %s", pattern,
					    (const char *)msg);
		} else if (pcre2_jit_compile(*re, PCRE2_JIT_COMPLETE) != 0) {
			/* without JIT (a platform PCRE2 has none for) it still matches, slower */
		}
	}
	dlg_buf__dispose(&spelled);
	return st;
}

dlg_status dlg_pretok__regex(dlg_pretok **out, const dlg_allocator *a, const char *pattern,
			     dlg_space space, dlg_split_behavior behavior, dlg_error *err)
{
	DLG_TRY(new_pretok(out, a, KIND_REGEX, err));
	(*out)->behavior = behavior;
	return compile(&(*out)->re, a, pattern, space, err);
}

dlg_status dlg_pretok__string(dlg_pretok **out, const dlg_allocator *a, const char *s,
			      size_t n, dlg_split_behavior behavior, dlg_error *err)
{
	if (n == 0)
		return dlg_error__set(err, DLG_E_ARG, 0, "a Split on the empty string");
	DLG_TRY(new_pretok(out, a, KIND_STRING, err));
	(*out)->behavior = behavior;
	(*out)->str = dlg_mem__strndup(a, s, n);
	(*out)->str_len = n;
	return (*out)->str ? DLG_OK : dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
}

dlg_status dlg_pretok__byte_level(dlg_pretok **out, const dlg_allocator *a,
				  bool add_prefix_space, bool use_regex, dlg_error *err)
{
	DLG_TRY(new_pretok(out, a, KIND_BYTE_LEVEL, err));
	(*out)->prefix = add_prefix_space;
	return use_regex ? compile(&(*out)->re, a, gpt2_pattern, DLG_SPACE_JS, err) : DLG_OK;
}

dlg_status dlg_pretok__metaspace(dlg_pretok **out, const dlg_allocator *a,
				 const char *replacement, bool prepend, bool first_only,
				 dlg_error *err)
{
	DLG_TRY(new_pretok(out, a, KIND_METASPACE, err));
	(*out)->prefix = prepend;
	(*out)->first_only = first_only;
	(*out)->str_len = strlen(replacement);
	(*out)->str = dlg_mem__strndup(a, replacement, (*out)->str_len);
	return (*out)->str ? DLG_OK : dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
}

dlg_status dlg_pretok_scratch__new(dlg_pretok_scratch **out, const dlg_allocator *a,
				   dlg_error *err)
{
	dlg_pretok_scratch *s = dlg_mem__alloc(a, sizeof *s);
	*out = s;
	if (!s)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	s->alloc = a;
	s->md = pcre2_match_data_create(1, NULL);
	s->mc = pcre2_match_context_create(NULL);
	/* \s+(?!\S) backtracks over a run of white space: a long run needs a deep stack */
	s->stack = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, NULL);
	if (!s->md || !s->mc || !s->stack)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	pcre2_jit_stack_assign(s->mc, NULL, s->stack);
	return DLG_OK;
}

void dlg_pretok_scratch__free(dlg_pretok_scratch *s)
{
	if (!s)
		return;
	pcre2_match_data_free(s->md);
	pcre2_match_context_free(s->mc);
	pcre2_jit_stack_free(s->stack);
	dlg_mem__free(s->alloc, s);
}

/* The next match of p in t[from, n): *at and *end, false when there is none. */
static bool next_match(const dlg_pretok *p, dlg_pretok_scratch *s, const char *t, size_t n,
		       size_t from, size_t *at, size_t *end, dlg_error *err, dlg_status *st)
{
	if (p->kind == KIND_STRING) {
		const char *m = n - from >= p->str_len ?
			memmem(t + from, n - from, p->str, p->str_len) : NULL;
		if (!m)
			return false;
		*at = (size_t)(m - t);
		*end = *at + p->str_len;
		return true;
	}
	int rc = pcre2_match(p->re, (PCRE2_SPTR)t, n, from, PCRE2_NO_UTF_CHECK, s->md, s->mc);
	if (rc == PCRE2_ERROR_NOMATCH)
		return false;
	if (rc < 0) {
		PCRE2_UCHAR msg[120];
		pcre2_get_error_message(rc, msg, sizeof msg);
		*st = dlg_error__set(err, DLG_E_LIMIT, 0, "pre-tokenizer expression: %s",
				     (const char *)msg);
		return false;
	}
	const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
	*at = ov[0];
	*end = ov[1];
	return true;
}

static dlg_status split(const dlg_pretok *p, dlg_pretok_scratch *s, const char *t, size_t n,
			dlg_pieces *out, dlg_error *err)
{
	dlg_status st = DLG_OK;
	size_t done = 0, from = 0, at, end;
	while (from <= n && next_match(p, s, t, n, from, &at, &end, err, &st)) {
		if (end == at) { /* an empty match cuts nothing: go on after its character */
			from = at + 1;
			while (from < n && ((unsigned char)t[from] & 0xc0) == 0x80)
				from++;
			continue;
		}
		if (p->behavior == DLG_SPLIT_MERGED_WITH_PREVIOUS) {
			DLG_TRY(dlg_pieces__add(out, t + done, end - done, err));
		} else {
			DLG_TRY(dlg_pieces__add(out, t + done, at - done, err));
			if (p->behavior == DLG_SPLIT_ISOLATED)
				DLG_TRY(dlg_pieces__add(out, t + at, end - at, err));
		}
		done = from = end;
	}
	DLG_TRY(st);
	return dlg_pieces__add(out, t + done, n - done, err);
}

static dlg_status metaspace(const dlg_pretok *p, const char *t, size_t n, bool first_section,
			    dlg_pieces *out, dlg_error *err)
{
	size_t start = out->bytes.len;
	if (p->prefix && (first_section || !p->first_only) &&
	    !(n >= p->str_len && memcmp(t, p->str, p->str_len) == 0))
		DLG_TRY(dlg_buf__append(&out->bytes, p->str, p->str_len, err));
	for (size_t i = 0; i < n; i++)
		DLG_TRY(t[i] == ' ' ? dlg_buf__append(&out->bytes, p->str, p->str_len, err) :
				      dlg_buf__putc(&out->bytes, t[i], err));
	if (out->bytes.len == start)
		return DLG_OK;
	dlg_piece sp = {(uint32_t)start, (uint32_t)(out->bytes.len - start)};
	return dlg_buf__append(&out->spans, &sp, sizeof sp, err);
}

dlg_status dlg_pretok__apply(const dlg_pretok *p, dlg_pretok_scratch *s, const dlg_pieces *in,
			     bool first_section, dlg_pieces *out, dlg_error *err)
{
	dlg_pieces__clear(out);
	dlg_buf prefixed;
	dlg_buf__init(&prefixed, out->bytes.alloc, UINT32_MAX);
	dlg_status st = DLG_OK;
	for (size_t i = 0; st == DLG_OK && i < DLG_BUF_COUNT(&in->spans, dlg_piece); i++) {
		dlg_piece sp = DLG_BUF_AT(&in->spans, dlg_piece, i);
		const char *t = in->bytes.data + sp.off;
		size_t n = sp.len;
		if (p->kind == KIND_METASPACE) {
			st = metaspace(p, t, n, first_section, out, err);
			continue;
		}
		if (p->kind == KIND_BYTE_LEVEL && p->prefix && t[0] != ' ') {
			prefixed.len = 0;
			st = dlg_buf__putc(&prefixed, ' ', err);
			if (st == DLG_OK)
				st = dlg_buf__append(&prefixed, t, n, err);
			t = prefixed.data;
			n = prefixed.len;
		}
		if (st == DLG_OK && p->kind == KIND_BYTE_LEVEL && !p->re)
			st = dlg_pieces__add(out, t, n, err);
		else if (st == DLG_OK)
			st = split(p, s, t, n, out, err);
	}
	dlg_buf__dispose(&prefixed);
	return st;
}
