/*
 * transcript.c - SPEC section 1 for text transcripts: bytes -> lines -> marker-delimited
 * turns, with the findings that need the raw text (E101/E102, E205, W301-W304, W308).
 * Uses buf.c, error.c and normalize.c.
 */
#include "internal.h"

#include <string.h>
#include <strings.h>

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

typedef enum line_kind {
	LINE_TEXT,
	LINE_MARKER,          /* a known label: starts a turn */
	LINE_UNKNOWN_SPEAKER, /* `### Therapist: hello`: E205 */
	LINE_UNKNOWN_LABEL    /* `### Ingredients:` or `## Output (a):`: text, W308 */
} line_kind;

typedef struct marker {
	line_kind kind;
	const dlg_label *label;
	size_t at;        /* first byte after leading blanks */
	size_t label_at;
	size_t label_len;
	size_t rest;      /* first byte after the colon */
	bool canonical;
} marker;

/* Labels longer than this are sentences with a colon, not speakers. */
#define MAX_LABEL_BYTES 40

static const dlg_label *find_label(const dlg_ctx *ctx, const char *p, size_t n)
{
	for (size_t i = 0; i < ctx->n_labels; i++)
		if (ctx->labels[i].len == n && strncasecmp(ctx->labels[i].text, p, n) == 0)
			return &ctx->labels[i];
	return NULL;
}

static bool is_one_word(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!(is_alnum(p[i]) || p[i] == '_' || p[i] == '-' || p[i] == '\'' ||
		      (uint8_t)p[i] >= 0x80))
			return false;
	return true;
}

/* SPEC section 1 marker grammar: blanks, 0-6 '#', blanks, label, blanks, ':'. */
static void classify(marker *m, const dlg_ctx *ctx, const char *p, size_t n)
{
	memset(m, 0, sizeof *m);
	m->kind = LINE_TEXT;
	size_t i = 0;
	while (i < n && is_blank(p[i]))
		i++;
	m->at = i;
	size_t hashes = 0;
	while (i < n && p[i] == '#' && hashes <= 6)
		i++, hashes++;
	if (hashes > 6)
		return;
	size_t after_hashes = i;
	while (i < n && is_blank(p[i]))
		i++;
	size_t colon = i;
	while (colon < n && colon - i <= MAX_LABEL_BYTES && p[colon] != ':')
		colon++;
	if (colon >= n || p[colon] != ':')
		return;
	size_t label_end = colon;
	while (label_end > i && is_blank(p[label_end - 1]))
		label_end--;
	if (label_end == i)
		return;
	m->label_at = i;
	m->label_len = label_end - i;
	m->rest = colon + 1;
	m->label = find_label(ctx, p + i, m->label_len);
	if (m->label) {
		m->kind = LINE_MARKER;
		m->canonical = m->at == 0 && hashes == 3 && i == after_hashes + 1 &&
			       p[after_hashes] == ' ' && label_end == colon &&
			       memcmp(p + i, m->label->text, m->label_len) == 0 &&
			       (colon + 1 == n || p[colon + 1] == ' ');
		return;
	}
	if (hashes == 0)
		return; /* "Note: ..." in prose is text, not a marker-like line */
	size_t text = m->rest;
	while (text < n && is_blank(p[text]))
		text++;
	if (hashes == 3 && is_one_word(p + i, m->label_len) && text < n)
		m->kind = LINE_UNKNOWN_SPEAKER;
	else
		m->kind = LINE_UNKNOWN_LABEL;
}

/* W303: a known label followed by ':' in the middle of a text line. */
static bool find_marker_in_text(size_t *at_out, const dlg_ctx *ctx, const char *p, size_t n)
{
	for (const char *c = memchr(p, ':', n); c; c = memchr(c + 1, ':', n - (size_t)(c + 1 - p))) {
		size_t colon = (size_t)(c - p);
		if (colon + 1 < n && !is_blank(p[colon + 1]))
			continue;
		for (size_t k = 0; k < ctx->n_labels; k++) {
			size_t len = ctx->labels[k].len;
			if (len > colon)
				continue;
			size_t start = colon - len;
			if (start > 0 && (is_alnum(p[start - 1]) || (uint8_t)p[start - 1] >= 0x80))
				continue;
			/* "Human:" as a speaker is capitalised; "a human: ..." in prose is not */
			if (p[start] >= 'a' && p[start] <= 'z')
				continue;
			if (strncasecmp(p + start, ctx->labels[k].text, len) == 0) {
				*at_out = start;
				return true;
			}
		}
	}
	return false;
}

/* W304: an odd number of lone '*' on a line (not `**`, bullets, `2*3` or ` * `). */
static bool find_unbalanced_star(size_t *at_out, const char *p, size_t n)
{
	size_t loose = 0, first = 0, k = 0;
	size_t lead = 0;
	while (lead < n && is_blank(p[lead]))
		lead++;
	while (k < n) {
		if (p[k] != '*') {
			k++;
			continue;
		}
		size_t run = k;
		while (run < n && p[run] == '*')
			run++;
		bool prev_blank = k == 0 || is_blank(p[k - 1]);
		bool next_blank = run == n || is_blank(p[run]);
		bool single = run - k == 1;
		bool bullet = k == lead && next_blank;
		bool intra = k > 0 && run < n && is_alnum(p[k - 1]) && is_alnum(p[run]);
		if (single && !bullet && !intra && !(prev_blank && next_blank)) {
			if (loose++ == 0)
				first = k;
		}
		k = run;
	}
	*at_out = first;
	return loose % 2 == 1;
}

/* Per-turn state of the raw-text warnings, so each is reported once per turn. */
typedef struct turn_flags {
	bool marker_in_text;
	bool unbalanced;
} turn_flags;

static dlg_status check_text_line(dlg_unit *u, const dlg_line *ln, uint32_t turn_no,
				  turn_flags *flags, dlg_error *err)
{
	size_t at;
	if (!flags->marker_in_text && find_marker_in_text(&at, u->ctx, ln->p, ln->len)) {
		flags->marker_in_text = true;
		DLG_TRY(dlg_unit__diag(u, err, DLG_DIAG_MARKER_IN_TEXT, ln->line,
				       ln->col + (uint32_t)at, turn_no,
				       "speaker label inside a turn; if it starts a new turn, "
				       "put it at the start of its own line"));
	}
	if (!flags->unbalanced && memchr(ln->p, '*', ln->len) &&
	    find_unbalanced_star(&at, ln->p, ln->len)) {
		flags->unbalanced = true;
		DLG_TRY(dlg_unit__diag(u, err, DLG_DIAG_UNBALANCED_STAGE, ln->line,
				       ln->col + (uint32_t)at, turn_no,
				       "unbalanced '*'; close the stage direction or escape it"));
	}
	return DLG_OK;
}

static void offset_to_line_col(uint64_t *line, uint32_t *col, const char *p, size_t off)
{
	uint64_t l = 1;
	size_t start = 0;
	for (size_t i = 0; i < off; i++) {
		if (p[i] == '\n' || (p[i] == '\r' && (i + 1 >= off || p[i + 1] != '\n'))) {
			l++;
			start = i + 1;
		}
	}
	*line = l;
	*col = (uint32_t)(off - start + 1);
}

typedef struct noncanonical {
	uint64_t count;
	uint64_t line;
	uint32_t col;
	const dlg_label *label;
} noncanonical;

static dlg_status push_line(dlg_unit *u, const char *p, size_t n, uint64_t line, uint32_t col,
			    dlg_error *err)
{
	dlg_line ln = { p, n, line, col };
	return dlg_buf__append(&u->lines, &ln, sizeof ln, err);
}

/* Handle one raw line: start a turn, or add text to the current turn or the preamble. */
static dlg_status take_line(dlg_unit *u, const char *p, size_t n, uint64_t line_no, uint32_t col,
			    noncanonical *nc, turn_flags *flags, dlg_error *err)
{
	marker m;
	classify(&m, u->ctx, p, n);
	size_t n_turns = DLG_BUF_COUNT(&u->turns, dlg_turn);
	if (m.kind == LINE_MARKER) {
		if (!m.canonical && nc->count++ == 0) {
			nc->line = line_no;
			nc->col = col + (uint32_t)m.at;
			nc->label = m.label;
		}
		dlg_turn t;
		memset(&t, 0, sizeof t);
		t.role = m.label->role;
		t.line = line_no;
		t.col = col + (uint32_t)m.at;
		t.first_line = DLG_BUF_COUNT(&u->lines, dlg_line);
		t.n_lines = 1;
		DLG_TRY(dlg_buf__append(&u->turns, &t, sizeof t, err));
		*flags = (turn_flags){ false, false };
		dlg_line rest = { p + m.rest, n - m.rest, line_no, col + (uint32_t)m.rest };
		DLG_TRY(dlg_buf__append(&u->lines, &rest, sizeof rest, err));
		return check_text_line(u, &rest, (uint32_t)n_turns + 1, flags, err);
	}
	uint32_t turn_no = (uint32_t)n_turns;
	if (m.kind == LINE_UNKNOWN_SPEAKER)
		DLG_TRY(dlg_unit__diag(u, err, DLG_DIAG_UNKNOWN_ROLE, line_no, col + (uint32_t)m.at,
				       turn_no, "unknown speaker '%.*s'; map it with --role %.*s=user "
				       "or --role %.*s=assistant", (int)m.label_len, p + m.label_at,
				       (int)m.label_len, p + m.label_at, (int)m.label_len,
				       p + m.label_at));
	else if (m.kind == LINE_UNKNOWN_LABEL)
		DLG_TRY(dlg_unit__diag(u, err, DLG_DIAG_UNKNOWN_LABEL_KEPT, line_no,
				       col + (uint32_t)m.at, turn_no,
				       "'%.*s:' names no known speaker and stays text; map it with "
				       "--role if it is one", (int)m.label_len, p + m.label_at));
	dlg_line ln = { p, n, line_no, col };
	if (n_turns == 0) {
		u->preamble_n++;
		return push_line(u, p, n, line_no, col, err);
	}
	DLG_BUF_AT(&u->turns, dlg_turn, n_turns - 1).n_lines++;
	DLG_TRY(push_line(u, p, n, line_no, col, err));
	return check_text_line(u, &ln, turn_no, flags, err);
}

static dlg_status report_preamble(dlg_unit *u, dlg_error *err)
{
	for (size_t k = 0; k < u->preamble_n; k++) {
		const dlg_line *ln = &DLG_BUF_AT(&u->lines, dlg_line, u->preamble_first + k);
		size_t i = 0;
		while (i < ln->len && is_blank(ln->p[i]))
			i++;
		if (i == ln->len)
			continue;
		return dlg_unit__diag(u, err, DLG_DIAG_PREAMBLE_DROPPED, ln->line,
				      ln->col + (uint32_t)i, 0,
				      "text before the first turn dropped; pass --keep-preamble "
				      "to keep it in meta.preamble");
	}
	return DLG_OK;
}

dlg_status dlg_transcript__parse(dlg_unit *u, const char *data, size_t len, dlg_error *err)
{
	size_t bad;
	int code = dlg_normalize__check_bytes(&bad, data, len);
	if (code) {
		uint64_t line;
		uint32_t col;
		offset_to_line_col(&line, &col, data, bad);
		if (code == DLG_DIAG_BINARY)
			return dlg_unit__diag(u, err, DLG_DIAG_BINARY, line, col, 0,
					      "NUL byte: this looks like binary data, not a "
					      "transcript");
		return dlg_unit__diag(u, err, DLG_DIAG_INVALID_UTF8, line, col, 0,
				      "invalid UTF-8 byte 0x%02X; convert the file to UTF-8 "
				      "(e.g. iconv -f latin1 -t utf-8)", (unsigned)(uint8_t)data[bad]);
	}
	size_t i = 0;
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
		i = 3;
		u->fixes[DLG_FIX_BOM]++;
	}
	noncanonical nc = { 0, 0, 0, NULL };
	turn_flags flags = { false, false };
	uint64_t line_no = 1;
	size_t line_start = 0;
	const char *cr = memchr(data, '\r', len);
	while (i < len) {
		const char *nl = memchr(data + i, '\n', len - i);
		size_t eol = nl ? (size_t)(nl - data) : len;
		if (cr && (size_t)(cr - data) < i)
			cr = memchr(data + i, '\r', len - i);
		if (cr && (size_t)(cr - data) < eol)
			eol = (size_t)(cr - data);
		DLG_TRY(take_line(u, data + i, eol - i, line_no, (uint32_t)(i - line_start + 1), &nc,
				  &flags, err));
		if (eol == len)
			break;
		if (data[eol] == '\r') {
			u->fixes[DLG_FIX_CRLF]++;
			if (eol + 1 < len && data[eol + 1] == '\n')
				eol++;
		}
		i = line_start = eol + 1;
		line_no++;
	}
	if (nc.count)
		DLG_TRY(dlg_unit__diag(u, err, DLG_DIAG_NONCANONICAL_MARKER, nc.line, nc.col, 0,
				       "write speaker markers as '### %s:' (%llu marker%s spelled "
				       "otherwise)", nc.label->text, (unsigned long long)nc.count,
				       nc.count == 1 ? "" : "s"));
	/* with no turn at all, E201 says it better than a dropped preamble would */
	if (!u->ctx->opts->keep_preamble && u->turns.len > 0)
		DLG_TRY(report_preamble(u, err));
	return DLG_OK;
}
