/*
 * normalize.c - docs/rules.md "Normalization", steps 1-3: byte checks, Unicode clean-up and
 * whitespace (stage directions are stage.c's). Uses buf.c, error.c and mojibake.c; utf8proc.
 *
 * Text is processed one raw line at a time so that every finding keeps the exact line and
 * byte column of the original input.
 */
#include "normalize.h"
#include "buf.h"
#include "error.h"
#include "mojibake.h"
#include "unit.h"

#include <string.h>
#include <utf8proc.h>

/* The characters of p[0, n) that start in [*at, stop) checked as UTF-8 (the last may end
 * past `stop`); *at moves on. 0, or DLG_DIAG_INVALID_UTF8 with its offset in *bad_off. */
static int check_utf8(size_t *bad_off, const char *p, size_t n, size_t *at, size_t stop)
{
	const uint8_t *s = (const uint8_t *)p;
	size_t i = *at;
	while (i < stop) {
		while (i + 8 <= stop && !(dlg_load64(p + i) & DLG_HIGHS))
			i += 8;
		if (i >= stop)
			break;
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		utf8proc_int32_t cp;
		utf8proc_ssize_t len = utf8proc_iterate(s + i, (utf8proc_ssize_t)(n - i), &cp);
		if (len <= 0) {
			*bad_off = i;
			return DLG_DIAG_INVALID_UTF8;
		}
		i += (size_t)len;
	}
	*at = i;
	return 0;
}

int dlg_normalize__check_bytes(size_t *bad_off, const char *p, size_t n)
{
	/* A NUL anywhere means binary data (as git and grep decide), even if other bytes
	 * before it are invalid UTF-8: E102 says more about such a file than E101. */
	const char *nul = memchr(p, '\0', n);
	if (nul) {
		*bad_off = (size_t)(nul - p);
		return DLG_DIAG_BINARY;
	}
	size_t i = 0;
	return check_utf8(bad_off, p, n, &i, n);
}

dlg_status dlg_normalize__check_unit_bytes(int *code, size_t *bad_off, const dlg_unit *u,
					   const char *p, size_t n, dlg_error *err)
{
	const char *nul = memchr(p, '\0', n);
	if (nul) {
		*bad_off = (size_t)(nul - p);
		*code = DLG_DIAG_BINARY;
		return DLG_OK;
	}
	*code = 0;
	for (size_t i = 0; i < n && *code == 0;) {
		DLG_TRY(dlg_unit__check_cancel(u, err));
		size_t stop = n - i > DLG_CANCEL_STRIDE ? i + DLG_CANCEL_STRIDE : n;
		*code = check_utf8(bad_off, p, n, &i, stop);
	}
	return DLG_OK;
}

size_t dlg_utf8_chars(const char *p, size_t len)
{
	return (size_t)dlg_normalize__count_chars(p, len);
}

uint64_t dlg_normalize__count_chars(const char *p, size_t n)
{
	uint64_t count = 0;
	for (size_t i = 0; i < n; i++)
		count += ((uint8_t)p[i] & 0xC0) != 0x80;
	return count;
}

static utf8proc_option_t norm_flags(bool nfkc)
{
	return (utf8proc_option_t)(UTF8PROC_STABLE | UTF8PROC_COMPOSE |
				   (nfkc ? UTF8PROC_COMPAT : 0));
}

/*
 * Whether NFC (or NFKC) could change text containing `cp`. Running utf8proc over every
 * line costs several times the rest of the pipeline; most text is stable, so a line goes
 * through utf8proc only when one of its code points says it might change.
 */
static bool may_change(utf8proc_int32_t cp, utf8proc_option_t flags)
{
	if (cp < 0x80)
		return false;
	const utf8proc_property_t *pr = utf8proc_get_property(cp);
	if (pr->combining_class != 0)
		return true;
	/* comb_index >= 0x8000 marks a code point that composes with the one before it */
	if (pr->comb_index != UINT16_MAX && pr->comb_index >= 0x8000)
		return true;
	if (cp >= 0x1100 && cp <= 0x11FF) /* conjoining jamo compose algorithmically */
		return true;
	if (pr->decomp_seqindex == UINT16_MAX)
		return false;
	utf8proc_int32_t seq[8];
	int boundclass = 0;
	utf8proc_option_t decompose =
		(utf8proc_option_t)((flags & ~UTF8PROC_COMPOSE) | UTF8PROC_DECOMPOSE);
	utf8proc_ssize_t len = utf8proc_decompose_char(cp, seq, 8, decompose, &boundclass);
	if (len <= 0 || len > 8)
		return true;
	len = utf8proc_normalize_utf32(seq, len, flags);
	return !(len == 1 && seq[0] == cp);
}

bool dlg_normalize__may_change(int32_t cp, bool nfkc)
{
	return may_change(cp, norm_flags(nfkc));
}

/*
 * Whether NFC (NFKC) of a text can be taken in two pieces cut right before `cp` (both pieces'
 * normal forms, one after the other, are that of the whole): cp starts with a starter that
 * never composes with what comes before it. So ASCII and the rest below the combining marks
 * (U+0300), CJK ideographs, Hangul syllables and kana (not the voicing marks U+3099-U+309C).
 */
static bool nfc_cut_before(utf8proc_int32_t cp)
{
	return cp < 0x300 || (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
	       (cp >= 0x3041 && cp <= 0x3096) || (cp >= 0x30A1 && cp <= 0x30FA);
}

/* Where the piece of p[from, n) that starts at `from` ends: a cut (nfc_cut_before) at least
 * NFC_PIECE bytes on, or n. */
#define NFC_PIECE ((size_t)64 << 10)

static size_t nfc_piece_end(const char *p, size_t n, size_t from)
{
	size_t i = n - from > NFC_PIECE ? from + NFC_PIECE : n;
	while (i < n && ((uint8_t)p[i] & 0xC0) == 0x80)
		i++; /* to a character's first byte */
	while (i < n) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t len = utf8proc_iterate((const uint8_t *)p + i,
							(utf8proc_ssize_t)(n - i), &cp);
		DLG_ASSERT(len > 0); /* valid UTF-8: dlg_normalize__check_bytes passed */
		if (nfc_cut_before(cp))
			break;
		i += (size_t)len;
	}
	return i;
}

/*
 * Normalize b[from, len) in place with utf8proc; *changed says whether it changed. A line of
 * hundreds of megabytes goes in pieces (nfc_cut_before): its normal form is built after it,
 * piece by piece through a code point buffer of one piece, looking at options.cancel between
 * two, then moves down over it. In one go utf8proc would hold four bytes per code point of
 * the whole line and could not be stopped.
 */
static dlg_status normalize_tail(bool *changed, dlg_buf *b, size_t from, utf8proc_option_t flags,
				 const dlg_unit *u, dlg_error *err)
{
	size_t end = b->len, out = end; /* the normal form goes to b[end, out) */
	for (size_t p = from; p < end;) {
		DLG_TRY(dlg_unit__check_cancel(u, err));
		size_t q = nfc_piece_end(b->data, end, p);
		utf8proc_ssize_t src_len = (utf8proc_ssize_t)(q - p);
		/* The code points go after the normal form so far, 4-byte aligned; reencoding
		 * shrinks them in place. Room for one per byte and a few more is room enough but
		 * for the rare character that decomposes into many (utf8proc then says how many:
		 * the second round). */
		size_t base = (out + 3) & ~(size_t)3;
		utf8proc_ssize_t room = src_len + 16, n;
		for (;;) {
			b->len = out;
			DLG_TRY(dlg_buf__reserve(b, base - out + ((size_t)room + 1) * 4, err));
			utf8proc_int32_t *cps = (utf8proc_int32_t *)(void *)(b->data + base);
			n = utf8proc_decompose((const uint8_t *)b->data + p, src_len, cps, room,
					       flags);
			if (n <= room)
				break;
			room = n;
		}
		utf8proc_int32_t *cps = (utf8proc_int32_t *)(void *)(b->data + base);
		if (n >= 0)
			n = utf8proc_reencode(cps, n, flags);
		if (n < 0)
			return dlg_error__set(err, DLG_E_INTERNAL, 0, "utf8proc: %s",
					      utf8proc_errmsg(n));
		memmove(b->data + out, cps, (size_t)n);
		out += (size_t)n;
		p = q;
	}
	*changed = out - end != end - from ||
		   memcmp(b->data + from, b->data + end, end - from) != 0;
	memmove(b->data + from, b->data + end, out - end);
	b->len = from + (out - end);
	return DLG_OK;
}

static const char *ascii_punct(utf8proc_int32_t cp)
{
	switch (cp) {
	case 0x2018: case 0x2019: case 0x201A: case 0x201B: return "'";
	case 0x201C: case 0x201D: case 0x201E: case 0x201F: return "\"";
	case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2014: case 0x2015: return "-";
	case 0x2026: return "...";
	default: return NULL;
	}
}

static bool is_invisible(utf8proc_int32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9F) || cp == 0x200B || cp == 0x2060 || cp == 0x00AD ||
	       cp == 0xFEFF;
}

/* Where the first finding of a kind was seen in a turn, and how many there were. */
typedef struct seen {
	uint64_t count;
	uint64_t line;
	uint32_t col;
	utf8proc_int32_t cp;
} seen;

static void note(seen *s, const dlg_line *ln, size_t off, utf8proc_int32_t cp)
{
	if (s->count++ == 0) {
		s->line = ln->line;
		s->col = ln->col + (uint32_t)off;
		s->cp = cp;
	}
}

/*
 * Step 2 on one raw line (or the part of it before an escaping backslash), appended to
 * u->text, followed by step 3's trailing-space strip at the line's end. U+FFFD and removed
 * characters are tallied in `replacement` and `invisible`.
 */
static dlg_status unicode_line(dlg_unit *u, const dlg_line *ln, bool line_end, seen *invisible,
			       seen *replacement, dlg_error *err)
{
	const dlg_options *o = u->ctx->opts;
	utf8proc_option_t flags = norm_flags(o->nfkc);
	dlg_buf *out = &u->text;
	size_t start = out->len;
	const uint8_t *s = (const uint8_t *)ln->p;
	bool needs_norm = false;
	size_t i = 0, polled = 0;
	while (i < ln->len) {
		if (i - polled >= DLG_CANCEL_STRIDE) {
			polled = i;
			DLG_TRY(dlg_unit__check_cancel(u, err));
		}
		if (s[i] < 0x80) {
			/* printable ASCII copied as it is, a stride at most at a time */
			size_t run = i, stop = ln->len - i > DLG_CANCEL_STRIDE ?
						       i + DLG_CANCEL_STRIDE : ln->len;
			while (run + 8 <= stop) {
				uint64_t w = dlg_load64(ln->p + run);
				if (dlg_swar_lt(w, 0x20) | dlg_swar_ge7f(w))
					break;
				run += 8;
			}
			while (run < stop && s[run] >= 0x20 && s[run] < 0x7F)
				run++;
			DLG_TRY(dlg_buf__append(out, s + i, run - i, err));
			i = run;
			if (i < stop && s[i] < 0x80) {
				if (s[i] == '\t') {
					DLG_TRY(dlg_buf__putc(out, '\t', err));
				} else {
					note(invisible, ln, i, s[i]);
					u->fixes[DLG_FIX_CONTROL]++;
				}
				i++;
			}
			continue;
		}
		utf8proc_int32_t cp;
		utf8proc_ssize_t len = utf8proc_iterate(s + i, (utf8proc_ssize_t)(ln->len - i),
							&cp);
		DLG_ASSERT(len > 0); /* the whole input passed dlg_normalize__check_bytes */
		const char *ascii;
		if (is_invisible(cp)) {
			note(invisible, ln, i, cp);
			u->fixes[DLG_FIX_CONTROL]++;
		} else if (utf8proc_category(cp) == UTF8PROC_CATEGORY_ZS &&
			   !o->keep_unicode_spaces) {
			DLG_TRY(dlg_buf__putc(out, ' ', err));
			u->fixes[DLG_FIX_SPACE]++;
		} else if (o->ascii_punct && (ascii = ascii_punct(cp)) != NULL) {
			DLG_TRY(dlg_buf__append(out, ascii, strlen(ascii), err));
			u->fixes[DLG_FIX_ASCII_PUNCT]++;
		} else {
			if (cp == 0xFFFD)
				note(replacement, ln, i, cp);
			if (!needs_norm && may_change(cp, flags))
				needs_norm = true;
			DLG_TRY(dlg_buf__append(out, s + i, (size_t)len, err));
		}
		i += (size_t)len;
	}
	if (needs_norm) {
		bool changed = false;
		DLG_TRY(normalize_tail(&changed, out, start, flags, u, err));
		u->fixes[DLG_FIX_UNICODE_NORM] += changed;
	}
	size_t end = out->len;
	while (line_end && end > start && (out->data[end - 1] == ' ' || out->data[end - 1] == '\t'))
		end--;
	if (end != out->len) {
		u->fixes[DLG_FIX_TRAILING_SPACE]++;
		out->len = end;
	}
	return DLG_OK;
}

size_t dlg_normalize__tidy(char *t, size_t n, uint64_t *collapsed, dlg_stage *stages,
			  size_t n_stages)
{
	size_t w = 0, blank_lines = 0, k = 0;
	bool content = false;
	size_t i = 0;
	while (i < n) {
		const char *nl = memchr(t + i, '\n', n - i);
		size_t eol = nl ? (size_t)(nl - t) : n;
		size_t a = i, b = eol;
		while (b > a && dlg_is_blank(t[b - 1]))
			b--;
		if (!content)
			while (a < b && dlg_is_blank(t[a]))
				a++;
		/* a place before the kept text of this line stays where the text so far ends */
		for (; k < n_stages && stages[k].at < (a == b ? eol + 1 : a); k++)
			stages[k].at = w;
		if (a == b) {
			blank_lines += content;
		} else {
			if (content) {
				size_t newlines = blank_lines + 1;
				if (newlines > 2) {
					newlines = 2;
					if (collapsed)
						(*collapsed)++;
				}
				while (newlines--)
					t[w++] = '\n';
			}
			for (; k < n_stages && stages[k].at <= eol; k++)
				stages[k].at = w + (stages[k].at < b ? stages[k].at - a : b - a);
			memmove(t + w, t + a, b - a);
			w += b - a;
			content = true;
			blank_lines = 0;
		}
		i = eol + 1;
	}
	for (; k < n_stages; k++)
		stages[k].at = w;
	return w;
}

/* The first mis-decoded sequence of a turn, and how many there were. */
typedef struct mojibake_seen {
	uint64_t count;
	uint64_t line;
	uint32_t col;
	char excerpt[24];
	int excerpt_len;
} mojibake_seen;

/*
 * A line (part) through the mojibake check, and with --fix-mojibake its repair (mojibake.c),
 * before step 2: the C1 controls step 2 removes are what the repair turns back into ’ or É.
 */
static dlg_status text_line(dlg_unit *u, const dlg_line *ln, bool line_end, seen *invisible,
			    seen *replacement, mojibake_seen *moji, dlg_error *err)
{
	dlg_mojibake_found f;
	const volatile sig_atomic_t *cancel = u->ctx->opts->cancel;
	if (!dlg_mojibake__find(&f, ln->p, ln->len, cancel))
		return dlg_unit__check_cancel(u, err);
	if (f.count && moji->count == 0) {
		moji->line = ln->line;
		moji->col = ln->col + (uint32_t)f.first_off;
		moji->excerpt_len = (int)(f.first_len < sizeof moji->excerpt ? f.first_len : 0);
		memcpy(moji->excerpt, ln->p + f.first_off, (size_t)moji->excerpt_len);
	}
	moji->count += f.count;
	if (!f.count || !u->ctx->opts->fix_mojibake)
		return unicode_line(u, ln, line_end, invisible, replacement, err);
	u->scratch.len = 0;
	DLG_TRY(dlg_mojibake__repair(&u->scratch, NULL, ln->p, ln->len, cancel, err));
	u->fixes[DLG_FIX_MOJIBAKE] += f.count;
	/* findings after the repair point at its start: columns of the repaired text differ */
	dlg_line repaired = { u->scratch.data, u->scratch.len, ln->line, ln->col, 0 };
	return unicode_line(u, &repaired, line_end, invisible, replacement, err);
}

/* Whether p[from, to) is printable ASCII and tabs in lines with no blank at their end
 * (p[from - 1] is read when from > 0). */
static bool plain_ascii(const char *p, size_t from, size_t to)
{
	for (size_t i = from; i < to;) {
		while (i + 8 <= to) {
			uint64_t w = dlg_load64(p + i);
			if (dlg_swar_lt(w, 0x20) | dlg_swar_ge7f(w))
				break;
			i += 8;
		}
		for (size_t end = i + 8 < to ? i + 8 : to; i < end; i++) {
			char c = p[i];
			if ((c >= 0x20 && c < 0x7F) || c == '\t')
				continue;
			if (c != '\n' || (i > 0 && dlg_is_blank(p[i - 1])))
				return false;
		}
	}
	return true;
}

/*
 * Whether the raw text is what its normalization leaves as it is, line for line: printable
 * ASCII and tabs, LF line ends, no blank at a line's end, no escaping backslash to leave
 * out. Most turns of English text are; they are copied whole, not walked line by line
 * through the checks below (which find nothing in them).
 */
static dlg_status as_it_is(bool *yes, dlg_unit *u, const dlg_raw *raw, dlg_error *err)
{
	dlg_lines walk;
	dlg_lines__start(&walk, u, raw);
	*yes = (walk.n_drops == 0 || walk.drops[0] >= raw->p + raw->len) &&
	       (raw->len == 0 || !dlg_is_blank(raw->p[raw->len - 1]));
	for (size_t at = 0; *yes && at < raw->len; at += DLG_CANCEL_STRIDE) {
		DLG_TRY(dlg_unit__check_cancel(u, err));
		size_t to = raw->len - at < DLG_CANCEL_STRIDE ? raw->len : at + DLG_CANCEL_STRIDE;
		*yes = plain_ascii(raw->p, at, to);
	}
	return DLG_OK;
}

dlg_status dlg_normalize__raw(dlg_span *out, dlg_unit *u, const dlg_raw *raw, uint32_t turn_no,
			      dlg_error *err)
{
	seen invisible = { 0 }, replacement = { 0 };
	mojibake_seen moji = { 0 };
	size_t from = u->text.len, unpolled = 0;
	bool plain;
	DLG_TRY(as_it_is(&plain, u, raw, err));
	if (plain) {
		DLG_TRY(dlg_buf__append(&u->text, raw->p, raw->len, err));
		DLG_TRY(dlg_buf__putc(&u->text, '\n', err));
	}
	dlg_lines walk;
	dlg_line line;
	for (dlg_lines__start(&walk, u, raw); !plain && dlg_lines__next(&walk, &line);) {
		const dlg_line *ln = &line;
		if ((unpolled += ln->len + 1) >= DLG_CANCEL_STRIDE) { /* many short lines */
			unpolled = 0;
			DLG_TRY(dlg_unit__check_cancel(u, err));
		}
		if (ln->drop) {
			/* an escaped marker line: the text around the backslash it was
			 * written with */
			dlg_line head = { ln->p, ln->drop - 1, ln->line, ln->col, 0 };
			dlg_line tail = { ln->p + ln->drop, ln->len - ln->drop, ln->line,
					  ln->col + (uint32_t)ln->drop, 0 };
			DLG_TRY(text_line(u, &head, false, &invisible, &replacement, &moji, err));
			DLG_TRY(text_line(u, &tail, true, &invisible, &replacement, &moji, err));
		} else {
			DLG_TRY(text_line(u, ln, true, &invisible, &replacement, &moji, err));
		}
		DLG_TRY(dlg_buf__putc(&u->text, '\n', err));
	}
	u->text.len = from + dlg_normalize__tidy(u->text.data + from, u->text.len - from,
						 &u->fixes[DLG_FIX_BLANK_LINES], NULL, 0);
	*out = (dlg_span){ from, u->text.len - from };

	if (invisible.count)
		DLG_TRY(dlg_unit__diag(u, err, DLG_DIAG_INVISIBLE_REMOVED, invisible.line,
				       invisible.col, turn_no,
				       "removed %llu control or invisible character%s "
				       "(first U+%04X)",
				       (unsigned long long)invisible.count,
				       invisible.count == 1 ? "" : "s", (unsigned)invisible.cp));
	if (moji.count && u->ctx->opts->fix_mojibake)
		DLG_TRY(dlg_unit__diag(u, err, DLG_DIAG_MOJIBAKE, moji.line, moji.col, turn_no,
				       "repaired %llu mis-decoded sequence%s (first \"%.*s\"): "
				       "UTF-8 that was read as Windows-1252 or Latin-1",
				       (unsigned long long)moji.count, moji.count == 1 ? "" : "s",
				       moji.excerpt_len, moji.excerpt));
	else if (moji.count)
		DLG_TRY(dlg_unit__diag(u, err, DLG_DIAG_MOJIBAKE, moji.line, moji.col, turn_no,
				       "text looks mis-decoded (\"%.*s\": UTF-8 read as "
				       "Windows-1252 or Latin-1); pass --fix-mojibake to "
				       "repair it", moji.excerpt_len, moji.excerpt));
	if (replacement.count)
		DLG_TRY(dlg_unit__diag(u, err, DLG_DIAG_MOJIBAKE, replacement.line,
				       replacement.col, turn_no, "U+FFFD: text was decoded with "
				       "errors before it got here; re-read the source as UTF-8"));
	return DLG_OK;
}
