/*
 * transcript.c - reading text transcripts (docs/rules.md "Reading a transcript"): bytes ->
 * lines -> marker-delimited turns, with the findings that need the raw text (E101/E102,
 * E205, W301-W304, W308).
 * Uses buf.c, error.c, normalize.c, stage.c (which `*` is code, for W304) and locate.c (where
 * W303 points in a JSON record's line).
 */
#include "transcript.h"
#include "buf.h"
#include "ctx.h"
#include "encoding.h"
#include "error.h"
#include "locate.h"
#include "marker.h"
#include "normalize.h"
#include "stage.h"
#include "unit.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Per-turn state of the raw-text warnings, so each is reported once per turn. */
typedef struct turn_flags {
	bool marker_in_text;
	bool unbalanced;
	bool in_fence;   /* inside a fenced code block, where a '*' is code */
	bool structured; /* a message of a JSON record, never split */
} turn_flags;

/*
 * W303 for the marker at ln->p[at] (its colon ends at ln->p[end - 1]), with an excerpt; in a
 * JSON record at the marker's column in the record's line when locate.c can tell it.
 */
static dlg_status marker_in_text(dlg_unit *u, const dlg_line *ln, size_t at, size_t end,
				 uint32_t turn_no, const turn_flags *flags, dlg_error *err)
{
	char quoted[160];
	dlg_locate__excerpt(quoted, sizeof quoted, ln->p, ln->len, at);
	uint64_t line = ln->line;
	uint32_t col = ln->col + (uint32_t)at;
	if (u->record) {
		line = u->record_line;
		col = dlg_locate__json_column(&u->origin, ln->p, at, end, u->ctx->opts->cancel);
		DLG_TRY(dlg_unit__check_cancel(u, err));
		u->exact_location = col > 0;
	}
	dlg_status st = dlg_unit__diag(u, err, DLG_DIAG_MARKER_IN_TEXT, line, col, turn_no,
				       "speaker label inside a %s: %s; %s", flags->structured ?
				       "message" : "turn", quoted, flags->structured ?
				       "was this message meant to be split?" : "if it starts a "
				       "new turn, put it at the start of its own line");
	u->exact_location = false;
	return st;
}

static dlg_status check_text_line(dlg_unit *u, const dlg_line *ln, uint32_t turn_no,
				  turn_flags *flags, bool colon, dlg_error *err)
{
	size_t at, end;
	if (!flags->marker_in_text && colon &&
	    dlg_marker__in_text(&at, &end, u->ctx, ln->p, ln->len)) {
		flags->marker_in_text = true;
		DLG_TRY(marker_in_text(u, ln, at, end, turn_no, flags, err));
	}
	DLG_TRY(dlg_unit__check_cancel(u, err)); /* the search above stops when asked */
	bool fence = dlg_stage__is_fence(ln->p, ln->len);
	flags->in_fence ^= fence;
	if (!flags->unbalanced && memchr(ln->p, '*', ln->len) &&
	    (at = dlg_stage__unclosed_star(ln->p, ln->len, flags->in_fence || fence)) !=
		    SIZE_MAX) {
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

/* What the findings about a whole transcript need while its lines go by. */
typedef struct parse_state {
	dlg_marker_style style;          /* of the first marker */
	bool split_inline;           /* a text file: a marker line may hold more turns */
	size_t turn_hashes;          /* the '#' of the marker of the turn being read */
	const char *unmapped[3];     /* distinct labels before any turn that may be speakers */
	size_t unmapped_len[3];
	const char *unmapped_colon[3]; /* and their colons as written, of: */
	size_t unmapped_colon_len[3];
	size_t n_unmapped;           /* how many distinct, up to 4 (4: more than 3) */
	uint64_t noncanonical;       /* markers spelled otherwise, the first at: */
	uint64_t nc_line;
	uint32_t nc_col;
	const dlg_label *nc_label;
	turn_flags flags;
	uint64_t section_line;       /* the section line that ended the dialogue */
	uint32_t section_col;
	uint64_t dropped;            /* non-blank lines after it */
} parse_state;

/* The backslashes right before p[i], back to p[0]. */
static size_t backslashes_before(const char *p, size_t i)
{
	size_t k = 0;
	while (k < i && p[i - 1 - k] == '\\')
		k++;
	return k;
}

/*
 * The escape that keeps the text format lossless (docs/rules.md "Output formats"): a line that
 * would start a turn is written with a backslash before its first non-blank, as is each
 * backslash already there. Reading takes one away: 1 + the index of the backslash to
 * leave out, or 0 when the line is not escaped.
 */
static size_t escaped_marker(const dlg_ctx *ctx, const char *p, size_t n)
{
	size_t i = 0;
	while (i < n && dlg_is_blank(p[i]))
		i++;
	size_t k = i;
	while (k < n && p[k] == '\\')
		k++;
	return k > i && dlg_marker__shaped(ctx, p + k, n - k) ? i + 1 : 0;
}

/* A line p[0, n) read into `raw`, the preamble or the current turn, whose lines it follows
 * (or starts, at (line, col)); an escaping backslash to leave out is noted in u->drops. */
static dlg_status push_line(dlg_unit *u, dlg_raw *raw, const char *p, size_t n, uint64_t line,
			    uint32_t col, dlg_error *err)
{
	if (!raw->p)
		*raw = (dlg_raw){ p, 0, line, col, false };
	raw->len = (size_t)(p + n - raw->p);
	size_t drop = escaped_marker(u->ctx, p, n);
	const char *at = drop ? p + drop - 1 : NULL;
	return at ? dlg_buf__append(&u->drops, &at, sizeof at, err) : DLG_OK;
}

/* Handle one raw line: start a turn, or add text to the current turn or the preamble. */
static bool is_blank_line(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!dlg_is_blank(p[i]))
			return false;
	return true;
}

/*
 * Where the next turn starts on a text file's marker line p[0, n) whose turn text starts at
 * p[from]: at a `### Label:` with a known label (docs/rules.md "Markers"), not after a backslash
 * nor inside inline code; n when there is none.
 */
static size_t next_inline_marker(const dlg_ctx *ctx, const char *p, size_t from, size_t n)
{
	bool in_code = false; /* at p[seen], kept up as the scan goes, so a line costs O(n) */
	size_t seen = 0, polled = from;
	for (const char *h = memchr(p + from, '#', n - from); h;
	     h = memchr(h + 1, '#', n - (size_t)(h + 1 - p))) {
		size_t i = (size_t)(h - p);
		if (i - polled >= DLG_CANCEL_STRIDE) { /* n when asked to stop: the caller looks */
			polled = i;
			if (dlg_unit__cancel_asked(ctx->opts->cancel))
				return n;
		}
		if (!dlg_marker__glued_at(ctx, p, n, i) || backslashes_before(p, i) > 0)
			continue;
		in_code ^= dlg_stage__in_inline_code(p + seen, i - seen);
		seen = i;
		if (!in_code)
			return i;
	}
	return n;
}

/* Start a turn at the marker `m` of p[0, n), whose text is the rest of p. */
static dlg_status start_turn(dlg_unit *u, const dlg_marker *m, const char *p, size_t n,
			     uint64_t line_no, uint32_t col, parse_state *ps, dlg_error *err)
{
	size_t n_turns = DLG_BUF_COUNT(&u->turns, dlg_turn);
	if (n_turns == 0)
		ps->style = m->style;
	if ((m->style == DLG_STYLE_OTHER || m->style != ps->style) && ps->noncanonical++ == 0) {
		ps->nc_line = line_no;
		ps->nc_col = col + (uint32_t)m->at;
		ps->nc_label = m->label;
	}
	dlg_turn t;
	memset(&t, 0, sizeof t);
	t.role = m->label->role;
	t.line = line_no;
	t.col = col + (uint32_t)m->at;
	t.raw = (dlg_raw){ p + m->rest, n - m->rest, line_no, col + (uint32_t)m->rest, false };
	DLG_TRY(dlg_buf__append(&u->turns, &t, sizeof t, err));
	ps->turn_hashes = m->hashes;
	ps->flags = (turn_flags){ false, false, false, false };
	dlg_line rest = { t.raw.p, t.raw.len, line_no, t.raw.col, 0 };
	return check_text_line(u, &rest, (uint32_t)n_turns + 1, &ps->flags, true, err);
}

/* A label that may be a speaker, seen before any turn, for E201 to name. */
static void remember_unmapped(parse_state *ps, const dlg_marker *m, const char *p)
{
	const char *label = p + m->label_at;
	size_t len = m->label_len;
	for (size_t k = 0; k < ps->n_unmapped && k < 3; k++)
		if (ps->unmapped_len[k] == len && strncasecmp(ps->unmapped[k], label, len) == 0)
			return;
	if (ps->n_unmapped < 3) {
		ps->unmapped[ps->n_unmapped] = label;
		ps->unmapped_len[ps->n_unmapped] = len;
		ps->unmapped_colon[ps->n_unmapped] = p + m->colon;
		ps->unmapped_colon_len[ps->n_unmapped] = m->rest - m->colon;
	}
	ps->n_unmapped += ps->n_unmapped < 4;
}

/*
 * E201 for a transcript whose markers all name labels nobody mapped (a template's `###
 * [[USER_NAME]]:`, companion-app's `User:` / `Evelyn:`): it names them, instead of a W308 or
 * an E205 for each of their lines (docs/rules.md "One root cause, one finding").
 */
static dlg_status no_turns_but_labels(dlg_unit *u, const parse_state *ps, dlg_error *err)
{
	dlg_unit__drop_diags(u, DLG_DIAG_UNKNOWN_LABEL_KEPT, 0);
	dlg_unit__drop_diags(u, DLG_DIAG_UNKNOWN_ROLE, 0);
	char names[160] = "";
	for (size_t k = 0; k < ps->n_unmapped && k < 3; k++) {
		size_t at = strlen(names);
		snprintf(names + at, sizeof names - at, "%s'%.*s%.*s'", k ? ", " : "",
			 (int)ps->unmapped_len[k], ps->unmapped[k],
			 (int)ps->unmapped_colon_len[k], ps->unmapped_colon[k]);
	}
	return dlg_unit__diag(u, err, DLG_DIAG_NO_TURNS, 1, 1, 0, "no turns found: no marker "
			      "names a known speaker (%s%s); map the speakers' labels with --role "
			      "LABEL=user and --role LABEL=assistant", names,
			      ps->n_unmapped > 3 ? ", ..." : "");
}

static dlg_status take_line(dlg_unit *u, const char *p, size_t n, uint64_t line_no, uint32_t col,
			    parse_state *ps, dlg_error *err)
{
	u->any_line = true;
	if (u->section_end) {
		ps->dropped += !is_blank_line(p, n);
		return DLG_OK;
	}
	dlg_marker m;
	dlg_marker__classify(&m, u->ctx, p, n);
	size_t n_turns = DLG_BUF_COUNT(&u->turns, dlg_turn);
	turn_flags *flags = &ps->flags;
	if (m.kind == DLG_LINE_SECTION && n_turns > 0) {
		u->section_end = true;
		ps->section_line = line_no;
		ps->section_col = col + (uint32_t)m.at;
		return DLG_OK;
	}
	if (m.kind == DLG_LINE_MARKER) {
		for (;;) {
			size_t end = ps->split_inline && m.hashes == 3 ?
				     next_inline_marker(u->ctx, p, m.rest, n) : n;
			DLG_TRY(dlg_unit__check_cancel(u, err));
			DLG_TRY(start_turn(u, &m, p, end, line_no, col, ps, err));
			if (end == n)
				return DLG_OK;
			p += end;
			n -= end;
			col += (uint32_t)end;
			dlg_marker__classify(&m, u->ctx, p, n);
			DLG_ASSERT(m.kind == DLG_LINE_MARKER);
		}
	}
	uint32_t turn_no = (uint32_t)n_turns;
	if (m.kind == DLG_LINE_UNKNOWN_SPEAKER)
		DLG_TRY(dlg_unit__diag(u, err, DLG_DIAG_UNKNOWN_ROLE, line_no, col + (uint32_t)m.at,
				       turn_no, "unknown speaker '%.*s'; map it with "
				       "--role %.*s=user or --role %.*s=assistant",
				       (int)m.label_len, p + m.label_at, (int)m.label_len,
				       p + m.label_at, (int)m.label_len, p + m.label_at));
	else if (m.kind == DLG_LINE_UNKNOWN_LABEL)
		DLG_TRY(dlg_unit__diag(u, err, DLG_DIAG_UNKNOWN_LABEL_KEPT, line_no,
				       col + (uint32_t)m.at, turn_no,
				       "'%.*s%.*s' names no known speaker and stays text; map it "
				       "with --role if it is one", (int)m.label_len, p + m.label_at,
				       (int)(m.rest - m.colon), p + m.colon));
	dlg_line ln = { p, n, line_no, col, 0 };
	if (n_turns == 0) {
		if (m.kind == DLG_LINE_UNKNOWN_SPEAKER || m.kind == DLG_LINE_UNKNOWN_LABEL ||
		    dlg_marker__unknown_speaker_shaped(&m, p, n, 0))
			remember_unmapped(ps, &m, p);
		return push_line(u, &u->preamble_raw, p, n, line_no, col, err);
	}
	dlg_turn *t = &DLG_BUF_AT(&u->turns, dlg_turn, n_turns - 1);
	if (!t->speaker && dlg_marker__unknown_speaker_shaped(&m, p, n, ps->turn_hashes)) {
		t->speaker = p + m.label_at;
		t->speaker_len = (uint32_t)m.label_len;
		t->speaker_line = line_no;
		t->speaker_col = col;
	}
	DLG_TRY(push_line(u, &t->raw, p, n, line_no, col, err));
	return check_text_line(u, &ln, turn_no, flags, true, err);
}

static dlg_status report_preamble(dlg_unit *u, dlg_error *err)
{
	if (!u->preamble_raw.p)
		return DLG_OK;
	dlg_lines walk;
	dlg_line ln;
	for (dlg_lines__start(&walk, u, &u->preamble_raw); dlg_lines__next(&walk, &ln);) {
		size_t i = 0;
		while (i < ln.len && dlg_is_blank(ln.p[i]))
			i++;
		if (i == ln.len)
			continue;
		return dlg_unit__diag(u, err, DLG_DIAG_PREAMBLE_DROPPED, ln.line,
				      ln.col + (uint32_t)i, 0,
				      "text before the first turn dropped; pass --keep-preamble "
				      "to keep it in meta.preamble");
	}
	return DLG_OK;
}

static dlg_status parse_text(dlg_unit *u, const char *data, size_t len, bool split_inline,
			     dlg_error *err)
{
	size_t bad;
	int code;
	DLG_TRY(dlg_normalize__check_unit_bytes(&code, &bad, u, data, len, err));
	if (code) {
		uint64_t line;
		uint32_t col;
		offset_to_line_col(&line, &col, data, bad);
		if (code == DLG_DIAG_BINARY)
			return dlg_unit__diag(u, err, DLG_DIAG_BINARY, line, col, 0,
					      "NUL byte: this looks like binary data, not a "
					      "transcript");
		/* latin1 is wrong advice for 0x80-0x9F (U+0092 is a control, later deleted) */
		char hint[128];
		dlg_encoding__hint(hint, sizeof hint, data, len, u->ctx->opts->input_encoding);
		return dlg_unit__diag(u, err, DLG_DIAG_INVALID_UTF8, line, col, 0,
				      "invalid UTF-8 byte 0x%02X; %s", (unsigned)(uint8_t)data[bad],
				      hint);
	}
	size_t i = 0;
	/* every leading one: a file saved twice by a BOM-adding editor has two, and the second
	 * would hide the first marker */
	while (len - i >= 3 && memcmp(data + i, "\xEF\xBB\xBF", 3) == 0) {
		i += 3;
		u->fixes[DLG_FIX_BOM]++;
	}
	parse_state ps;
	memset(&ps, 0, sizeof ps);
	ps.split_inline = split_inline;
	uint64_t line_no = 1;
	size_t line_start = 0;
	const char *cr = memchr(data, '\r', len);
	size_t polled = 0;
	while (i < len) {
		if (i - polled >= DLG_CANCEL_STRIDE) { /* many lines; a long one looks itself */
			polled = i;
			DLG_TRY(dlg_unit__check_cancel(u, err));
		}
		const char *nl = memchr(data + i, '\n', len - i);
		size_t eol = nl ? (size_t)(nl - data) : len;
		if (cr && (size_t)(cr - data) < i)
			cr = memchr(data + i, '\r', len - i);
		if (cr && (size_t)(cr - data) < eol)
			eol = (size_t)(cr - data);
		DLG_TRY(take_line(u, data + i, eol - i, line_no, (uint32_t)(i - line_start + 1),
				  &ps, err));
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
	if (ps.noncanonical)
		DLG_TRY(dlg_unit__diag(u, err, DLG_DIAG_NONCANONICAL_MARKER, ps.nc_line, ps.nc_col,
				       0, "write speaker markers as '%s%s:' (%llu marker%s spelled "
				       "otherwise)", ps.style == DLG_STYLE_BARE ? "" : "### ",
				       ps.nc_label->text, (unsigned long long)ps.noncanonical,
				       ps.noncanonical == 1 ? "" : "s"));
	if (ps.dropped)
		DLG_TRY(dlg_unit__diag(u, err, DLG_DIAG_TEXT_AFTER_SECTION_DROPPED, ps.section_line,
				       ps.section_col, 0, "this section line ends the dialogue; "
				       "%llu line%s of text after it dropped",
				       (unsigned long long)ps.dropped, ps.dropped == 1 ? "" : "s"));
	/* with no turn at all, E201 says it better than a dropped preamble would */
	if (!u->ctx->opts->keep_preamble && u->turns.len > 0)
		DLG_TRY(report_preamble(u, err));
	if (u->turns.len == 0 && ps.n_unmapped > 0)
		DLG_TRY(no_turns_but_labels(u, &ps, err));
	return DLG_OK;
}

dlg_status dlg_transcript__parse(dlg_unit *u, const char *data, size_t len, dlg_error *err)
{
	return parse_text(u, data, len, true, err);
}

dlg_status dlg_transcript__parse_embedded(dlg_unit *u, const char *text, size_t len,
					  const char *key, size_t reserve_more, dlg_error *err)
{
	/* OpenAssistant-Guanaco rows glue markers to the sentence before ("…you.### Human:"):
	 * give each its own line, then parse as usual */
	dlg_buf *out = &u->decoded;
	out->len = 0;
	/* at most one newline per '#' is inserted */
	size_t hashes = 0;
	for (const char *h = memchr(text, '#', len); h;
	     h = memchr(h + 1, '#', len - (size_t)(h + 1 - text)))
		hashes++;
	DLG_TRY(dlg_buf__reserve(out, len + hashes + reserve_more + 1, err));
	size_t copied = 0, polled = 0;
	for (const char *h = memchr(text, '#', len); h;
	     h = memchr(h + 1, '#', len - (size_t)(h + 1 - text))) {
		size_t i = (size_t)(h - text);
		if (i - polled >= DLG_CANCEL_STRIDE) {
			polled = i;
			DLG_TRY(dlg_unit__check_cancel(u, err));
		}
		size_t escapes = backslashes_before(text, i);
		size_t before = i - escapes;
		while (before > 0 && dlg_is_blank(text[before - 1]))
			before--;
		/* at a line's start it is the line's marker, escaped or not (take_line) */
		if (before == 0 || text[before - 1] == '\n' ||
		    !dlg_marker__glued_at(u->ctx, text, len, i))
			continue;
		if (escapes) {
			/* written as "\\### Human:" to stay text: one backslash goes */
			DLG_TRY(dlg_buf__append(out, text + copied, i - 1 - copied, err));
			copied = i;
			continue;
		}
		DLG_TRY(dlg_buf__append(out, text + copied, before - copied, err));
		DLG_TRY(dlg_buf__putc(out, '\n', err));
		copied = i;
	}
	DLG_TRY(dlg_buf__append(out, text + copied, len - copied, err));
	/* u->decoded does not move from here on: the lines point into it. Every glued marker
	 * has its own line now, and one that was escaped must stay text: */
	u->origin.text = text;
	u->origin.text_len = len;
	u->origin.key = key;
	u->origin.copy = out->data;
	u->origin.copy_len = out->len;
	return parse_text(u, out->data, out->len, false, err);
}

dlg_status dlg_transcript__add_turn(dlg_unit *u, dlg_role role, const char *text, size_t len,
				    const char *key, dlg_error *err)
{
	uint32_t turn_no = (uint32_t)DLG_BUF_COUNT(&u->turns, dlg_turn) + 1;
	dlg_turn t;
	memset(&t, 0, sizeof t);
	t.role = role;
	t.line = u->record_line;
	t.col = 1;
	t.raw = (dlg_raw){ text, len, u->record_line, 1, true };
	u->any_line = true;
	turn_flags flags = { false, false, false, true };
	/* a message's content stands as it is in its JSON string */
	u->origin.text = u->origin.copy = text;
	u->origin.text_len = u->origin.copy_len = len;
	u->origin.key = key;
	size_t i = 0, polled = 0;
	/* a line ends at LF, CRLF or a lone CR, as in a text file (docs/rules.md "Bytes and
	 * encodings"); the next CR is looked for again only once the lines have passed it */
	const char *cr = memchr(text, '\r', len);
	/* the next colon: lines before it are no markers and hold no label (most lines) */
	size_t colon_len, colon = dlg_marker__next_colon(&colon_len, text, len, 0);
	/* and with no '*' nor CR either, no line has anything to find */
	if (colon == len && !cr && !memchr(text, '*', len))
		return dlg_buf__append(&u->turns, &t, sizeof t, err);
	do {
		if (i - polled >= DLG_CANCEL_STRIDE) {
			polled = i;
			DLG_TRY(dlg_unit__check_cancel(u, err));
		}
		const char *nl = memchr(text + i, '\n', len - i);
		size_t eol = nl ? (size_t)(nl - text) : len;
		if (cr && (size_t)(cr - text) < i)
			cr = memchr(text + i, '\r', len - i);
		size_t next = eol + 1;
		if (cr && (size_t)(cr - text) <= eol) {
			eol = (size_t)(cr - text);
			next = eol + 1 + (eol + 1 < len && text[eol + 1] == '\n');
			u->fixes[DLG_FIX_CRLF]++;
		}
		dlg_line ln = { text + i, eol - i, u->record_line, 1, 0 };
		bool has_colon = colon < eol;
		dlg_marker m;
		if (has_colon && !flags.marker_in_text) {
			dlg_marker__classify(&m, u->ctx, ln.p, ln.len);
			/* structured turns are not split again, but say it looks like
			 * they should */
			if (m.kind == DLG_LINE_MARKER) {
				flags.marker_in_text = true;
				DLG_TRY(marker_in_text(u, &ln, m.at, m.rest, turn_no, &flags,
						       err));
			}
		}
		DLG_TRY(check_text_line(u, &ln, turn_no, &flags, has_colon, err));
		if (has_colon)
			colon = dlg_marker__next_colon(&colon_len, text, len, next);
		i = next;
	} while (i <= len);
	return dlg_buf__append(&u->turns, &t, sizeof t, err);
}

/*
 * Put a backslash before each b->data[at[k]] (k < n, ascending), moving the text along once,
 * from its end: a backslash moved in one at a time costs O(text) each, and a line of a
 * million glued markers would cost a million times its length.
 */
static dlg_status insert_backslashes(dlg_buf *b, const size_t *at, size_t n, dlg_error *err)
{
	DLG_TRY(dlg_buf__reserve(b, n, err));
	size_t end = b->len;
	for (size_t k = n; k-- > 0;) {
		memmove(b->data + at[k] + k + 1, b->data + at[k], end - at[k]);
		b->data[at[k] + k] = '\\';
		end = at[k];
	}
	b->len += n;
	return DLG_OK;
}

/* Where dlg_transcript__escape() puts its backslashes in b->data[from, b->len), in order,
 * appended to `at` (size_t[]). */
static dlg_status escape_points(dlg_buf *at, const dlg_buf *b, size_t from, const dlg_ctx *ctx,
				dlg_error *err)
{
	size_t polled = from;
	for (size_t ls = from; ls < b->len;) {
		const char *nl = memchr(b->data + ls, '\n', b->len - ls);
		size_t le = nl ? (size_t)(nl - b->data) : b->len;
		/* a line that would start a turn (not the first: it follows the turn's marker) */
		if (ls > from) {
			size_t i = ls;
			while (i < le && dlg_is_blank(b->data[i]))
				i++;
			size_t k = i;
			while (k < le && b->data[k] == '\\')
				k++;
			if (dlg_marker__shaped(ctx, b->data + k, le - k))
				DLG_TRY(dlg_buf__append(at, &i, sizeof i, err));
		}
		/* a marker glued to the text before it, which reading would split off */
		for (size_t h = ls; h < le; h++) {
			if (h - polled >= DLG_CANCEL_STRIDE) {
				polled = h;
				if (dlg_unit__cancel_asked(ctx->opts->cancel))
					return dlg_error__set(err, DLG_E_CANCELED, 0,
							      "interrupted");
			}
			if (b->data[h] != '#' || !dlg_marker__glued_at(ctx, b->data, le, h))
				continue;
			size_t escapes = backslashes_before(b->data + ls, h - ls);
			size_t before = h - escapes;
			while (before > ls && dlg_is_blank(b->data[before - 1]))
				before--;
			if (before == ls && ls > from)
				continue; /* the line's own marker, handled above */
			size_t slash = h - escapes;
			DLG_TRY(dlg_buf__append(at, &slash, sizeof slash, err));
			h += 2; /* past the "###" */
		}
		ls = le + 1;
	}
	return DLG_OK;
}

dlg_status dlg_transcript__escape(dlg_buf *b, size_t from, const dlg_ctx *ctx, dlg_error *err)
{
	/* The places are found on the text as it stands: a backslash put before a line or a
	 * glued marker changes nothing that a later place is decided by (the byte before a
	 * '#', the backslashes right before it, the rest of its line). */
	if (from >= b->len || (!memchr(b->data + from, '#', b->len - from) &&
			       !memchr(b->data + from, ':', b->len - from) &&
			       !memchr(b->data + from, 0xEF, b->len - from)))
		return DLG_OK; /* no marker without either, or a full-width colon's 0xEF */
	dlg_buf at;
	dlg_buf__init(&at, b->alloc, DLG_BUF_UNCAPPED);
	dlg_status st = escape_points(&at, b, from, ctx, err);
	if (st == DLG_OK)
		st = insert_backslashes(b, (const size_t *)(void *)at.data,
					DLG_BUF_COUNT(&at, size_t), err);
	dlg_buf__dispose(&at);
	return st;
}
