/*
 * marker.c - the marker grammar (docs/rules.md "Markers"): what a line of a transcript is by
 * its label and colon, in any script; and where a known label stands inside text (W303).
 * Uses error.c (cancellation, through unit.h).
 */
#include "marker.h"
#include "unit.h"

#include <strings.h>

static bool is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Labels longer than this are sentences with a colon, not speakers. */
#define MAX_LABEL_BYTES 40

const dlg_label *dlg_marker__find_label(const dlg_ctx *ctx, const char *p, size_t n)
{
	for (size_t i = 0; i < ctx->n_labels; i++)
		if (ctx->labels[i].len == n && strncasecmp(ctx->labels[i].text, p, n) == 0)
			return &ctx->labels[i];
	return NULL;
}

/* "1", "2.1", "3.": the label of a numbered heading (`#1: The Public Library`), not a name. */
static bool is_number(const char *p, size_t n)
{
	size_t i = 0;
	do {
		size_t digits = i;
		while (i < n && p[i] >= '0' && p[i] <= '9')
			i++;
		if (i == digits)
			return false;
	} while (i < n && p[i] == '.' && ++i < n);
	return i == n;
}

static bool is_one_word(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!(is_alnum(p[i]) || p[i] == '_' || p[i] == '-' || p[i] == '\'' ||
		      (uint8_t)p[i] >= 0x80))
			return false;
	return true;
}

/* The first colon on the line p[from, n) at most MAX_LABEL_BYTES after `from`, or n; *len
 * its bytes. */
static size_t label_colon(size_t *len, const char *p, size_t n, size_t from)
{
	for (size_t k = from; k < n && k - from <= MAX_LABEL_BYTES; k++)
		if (p[k] == '\n')
			break;
		else if ((*len = dlg_colon_len(p, n, k)) > 0)
			return k;
	return n;
}

void dlg_marker__classify(dlg_marker *m, const dlg_ctx *ctx, const char *p, size_t n)
{
	memset(m, 0, sizeof *m);
	m->kind = DLG_LINE_TEXT;
	size_t i = 0;
	while (i < n && dlg_is_blank(p[i]))
		i++;
	m->at = i;
	size_t hashes = 0;
	while (i < n && p[i] == '#' && hashes <= 6)
		i++, hashes++;
	if (hashes > 6)
		return;
	m->hashes = hashes;
	if (hashes >= 3) {
		size_t w = i;
		while (w < n && (is_alnum(p[w]) || p[w] == '_'))
			w++;
		size_t closing = w;
		while (closing < n && p[closing] == '#')
			closing++;
		size_t end = closing;
		while (end < n && dlg_is_blank(p[end]))
			end++;
		if (w > i && closing - w >= 3 && end == n) {
			m->kind = DLG_LINE_SECTION;
			return;
		}
	}
	size_t after_hashes = i;
	while (i < n && dlg_is_blank(p[i]))
		i++;
	size_t colon_len = 0;
	size_t colon = label_colon(&colon_len, p, n, i);
	if (colon >= n)
		return;
	size_t label_end = colon;
	while (label_end > i && dlg_is_blank(p[label_end - 1]))
		label_end--;
	if (label_end == i)
		return;
	m->label_at = i;
	m->label_len = label_end - i;
	m->colon = colon;
	m->rest = colon + colon_len;
	m->label = dlg_marker__find_label(ctx, p + i, m->label_len);
	if (m->label) {
		m->kind = DLG_LINE_MARKER;
		/* a full-width colon is followed by no space in CJK text: its width is its own */
		bool exact = m->at == 0 && label_end == colon &&
			     memcmp(p + i, m->label->text, m->label_len) == 0 &&
			     (m->rest == n || p[m->rest] == ' ' || colon_len > 1);
		if (exact && hashes == 3 && i == after_hashes + 1 && p[after_hashes] == ' ')
			m->style = DLG_STYLE_HASHED;
		else if (exact && hashes == 0)
			m->style = DLG_STYLE_BARE;
		return;
	}
	if (hashes == 0)
		return; /* "Note: ..." in prose is text, not a marker-like line */
	if (is_number(p + i, m->label_len))
		return; /* a numbered heading: `## 2: Setup` names no speaker */
	size_t text = m->rest;
	while (text < n && dlg_is_blank(p[text]))
		text++;
	if (hashes == 3 && is_one_word(p + i, m->label_len) && text < n)
		m->kind = DLG_LINE_UNKNOWN_SPEAKER;
	else
		m->kind = DLG_LINE_UNKNOWN_LABEL;
}

bool dlg_marker__shaped(const dlg_ctx *ctx, const char *p, size_t n)
{
	dlg_marker m;
	dlg_marker__classify(&m, ctx, p, n);
	return m.kind == DLG_LINE_MARKER || m.kind == DLG_LINE_UNKNOWN_SPEAKER ||
	       m.kind == DLG_LINE_SECTION;
}

bool dlg_marker__glued_at(const dlg_ctx *ctx, const char *p, size_t n, size_t i)
{
	if (n - i < 4 || memcmp(p + i, "###", 3) != 0 || (i > 0 && p[i - 1] == '#'))
		return false;
	size_t k = i + 3;
	while (k < n && dlg_is_blank(p[k]))
		k++;
	size_t label = k, colon_len;
	size_t end = label_colon(&colon_len, p, n, label);
	if (end >= n)
		return false;
	while (end > label && dlg_is_blank(p[end - 1]))
		end--;
	return end > label && dlg_marker__find_label(ctx, p + label, end - label);
}

/* Skips eight bytes at a time that hold neither ':' nor 0xEF, which starts every full-width
 * colon. (Not memchr for ':' then 0xEF before it: a line of many full-width colons and no
 * ASCII one would look for the ASCII one to its end from each.) */
size_t dlg_marker__next_colon(size_t *len, const char *p, size_t n, size_t from)
{
	for (size_t k = from; k < n; k++) {
		while (k + 8 <= n) {
			uint64_t w = dlg_load64(p + k);
			if (dlg_swar_eq(w, ':') | dlg_swar_eq(w, 0xEF))
				break;
			k += 8;
		}
		if (k < n && (*len = dlg_colon_len(p, n, k)) > 0)
			return k;
	}
	return n;
}

bool dlg_marker__in_text(size_t *at_out, size_t *end_out, const dlg_ctx *ctx, const char *p,
			 size_t n)
{
	size_t polled = 0, len;
	for (size_t colon = dlg_marker__next_colon(&len, p, n, 0); colon < n;
	     colon = dlg_marker__next_colon(&len, p, n, colon + len)) {
		if (colon - polled >= DLG_CANCEL_STRIDE) {
			polled = colon;
			if (dlg_unit__cancel_asked(ctx->opts->cancel))
				return false;
		}
		if (colon + len < n && !dlg_is_blank(p[colon + len]) && len == 1)
			continue;
		for (size_t k = 0; k < ctx->n_labels; k++) {
			size_t label_len = ctx->labels[k].len;
			if (label_len > colon)
				continue;
			size_t start = colon - label_len;
			if (start > 0 && (is_alnum(p[start - 1]) || (uint8_t)p[start - 1] >= 0x80))
				continue;
			/* "Human:" as a speaker is capitalised; "a human: ..." in prose is not */
			if (p[start] >= 'a' && p[start] <= 'z')
				continue;
			if (strncasecmp(p + start, ctx->labels[k].text, label_len) == 0) {
				*at_out = start;
				*end_out = colon + len;
				return true;
			}
		}
	}
	return false;
}

bool dlg_marker__unknown_speaker_shaped(const dlg_marker *m, const char *p, size_t n,
					size_t hashes)
{
	const char *label = p + m->label_at;
	if (m->label_len == 0 || m->label || m->hashes != hashes || m->at > 0 ||
	    !is_one_word(label, m->label_len) || (label[0] >= 'a' && label[0] <= 'z') ||
	    (label[0] >= '0' && label[0] <= '9'))
		return false;
	if (m->kind == DLG_LINE_UNKNOWN_LABEL)
		return true;
	size_t text = m->rest;
	while (text < n && dlg_is_blank(p[text]))
		text++;
	return m->kind == DLG_LINE_TEXT && text < n;
}
