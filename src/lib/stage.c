/*
 * stage.c - which `*…*` spans are stage directions (docs/rules.md "Stage directions"), taking
 * them out of a turn with the place each stood, and putting them back for the formats that have
 * no field for them; and for W304 (transcript.c), a '*' that opens a direction nothing closes,
 * judged by the same rule. Uses buf.c, error.c and normalize.c (the whitespace tidy); utf8proc
 * only to tell letters and to lower the first one.
 *
 * Precision over recall: real corpora are full of Markdown italics, so a span is a
 * direction only when its text and its place both say so. A missed direction stays as text;
 * a removed sentence would corrupt the data.
 */
#define _GNU_SOURCE /* memrchr */
#include "stage.h"
#include "buf.h"
#include "normalize.h"
#include "unit.h"

#include <string.h>
#include <utf8proc.h>

static bool is_ascii_alnum(uint8_t c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* The code point at t[i] (t valid UTF-8), or -1 at the end. */
static int32_t cp_at(const char *t, size_t n, size_t i)
{
	if (i >= n)
		return -1;
	utf8proc_int32_t cp;
	utf8proc_ssize_t len = utf8proc_iterate((const uint8_t *)t + i, (utf8proc_ssize_t)(n - i),
						&cp);
	return len > 0 ? cp : -1;
}

static bool is_lower(int32_t cp)
{
	return cp >= 0 && utf8proc_category(cp) == UTF8PROC_CATEGORY_LL;
}

static bool is_upper(int32_t cp)
{
	return cp >= 0 && (utf8proc_category(cp) == UTF8PROC_CATEGORY_LU ||
			   utf8proc_category(cp) == UTF8PROC_CATEGORY_LT);
}

static bool is_letter(int32_t cp)
{
	if (cp < 0)
		return false;
	utf8proc_category_t c = utf8proc_category(cp);
	return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO;
}

/* Bytes of the UTF-8 encoding of cp. */
static size_t utf8_len(int32_t cp)
{
	return cp >= 0x10000 ? 4 : cp >= 0x800 ? 3 : cp >= 0x80 ? 2 : 1;
}

/* The full-width brackets of a CJK direction, `（…）` and `【…】`, and what closes each. */
#define FW_PAREN "\xEF\xBC\x88"       /* （ U+FF08, closed by ） U+FF09 */
#define FW_PAREN_CLOSE "\xEF\xBC\x89"
#define LENTICULAR "\xE3\x80\x90"     /* 【 U+3010, closed by 】 U+3011 */
#define LENTICULAR_CLOSE "\xE3\x80\x91"

/* The closing bracket of the one opening at t[i], or NULL when t[i] opens none. */
static const char *bracket_close(const char *t, size_t n, size_t i)
{
	if (n - i < 3)
		return NULL;
	if (memcmp(t + i, FW_PAREN, 3) == 0)
		return FW_PAREN_CLOSE;
	return memcmp(t + i, LENTICULAR, 3) == 0 ? LENTICULAR_CLOSE : NULL;
}

/* What may open a span: '*', '_', an opening full-width bracket (its first byte 0xEF or
 * 0xE3). Each byte's next is found by memchr, and again only once passed: a fast pass per
 * byte over a turn, which mostly has few of them, rather than a test of every byte. */
static const char delimiter_bytes[4] = { '*', '_', '\xEF', '\xE3' };
#define DELIMITERS_UNSEEN { SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX }

/* The first delimiter at or after t[i], or n; at[k] is where the next delimiter_bytes[k]
 * was found (DELIMITERS_UNSEEN before the first call), i never going back. */
static size_t next_delimiter(size_t at[4], const char *t, size_t n, size_t i)
{
	for (;;) {
		size_t first = n, which = 0;
		for (size_t k = 0; k < 4; k++) {
			const char *p = NULL;
			if (at[k] == SIZE_MAX || at[k] < i) {
				p = i < n ? memchr(t + i, delimiter_bytes[k], n - i) : NULL;
				at[k] = p ? (size_t)(p - t) : n;
			}
			if (at[k] < first)
				first = at[k], which = k;
		}
		if (first == n || which < 2 || bracket_close(t, n, first))
			return first;
		i = first + 1; /* a lead byte of another character */
	}
}

/* The bytes of the delimiter at t[i]: '*' and '_' are one, a full-width bracket three. */
static size_t delim_len(const char *t, size_t i)
{
	return t[i] == '*' || t[i] == '_' ? 1 : 3;
}

/* Whether cp ends a sentence in CJK text, which puts no space after it: 。！？ (and the
 * halfwidth ｡), …, or the `）` `】` of a bracketed direction before. */
static bool cjk_sentence_end(int32_t cp)
{
	return cp == 0x3002 || cp == 0xFF01 || cp == 0xFF1F || cp == 0xFF61 || cp == 0xFF09 ||
	       cp == 0x3011 || cp == 0x2026;
}

/* The code point that ends at t[i] (exclusive), t[start, i) valid UTF-8; -1 at start. */
static int32_t cp_before(const char *t, size_t start, size_t i)
{
	size_t k = i;
	while (k > start && ((uint8_t)t[k - 1] & 0xC0) == 0x80)
		k--;
	return k > start ? cp_at(t, i, k - 1) : -1;
}

/* Whether cp is a letter of a script written without spaces between words and without
 * case (Han, kana, Hangul...): after a direction it starts the next sentence, as a capital
 * does in English (`*叹气*我…`). */
static bool caseless_letter(int32_t cp)
{
	return cp >= 0x2E80 && utf8proc_category(cp) == UTF8PROC_CATEGORY_LO;
}

/* Whether t[i, n) starts with a word of letters (an inner ' or - allowed) that ends at a
 * blank, the line's end or the end of a sentence: how a direction starts (`*sighs I…`,
 * `*Nods.`), unlike code after a '*' (`*args)`, `*ptr;`, `*this->x`). */
static bool starts_with_word(const char *t, size_t n, size_t i)
{
	size_t k = i;
	while (k < n) {
		int32_t cp = cp_at(t, n, k);
		if (is_letter(cp))
			k += utf8_len(cp);
		else if (k > i && (t[k] == '\'' || t[k] == '-') && is_letter(cp_at(t, n, k + 1)))
			k++;
		else
			break;
	}
	if (k == i)
		return false;
	int32_t after = cp_at(t, n, k);
	if (after == '.' || after == '!' || after == '?' || after == 0x2026) /* … */
		k += utf8_len(after);
	return k == n || dlg_is_blank(t[k]);
}

/*
 * Where on the line p[0, n) a span would be a Markdown list item's or a heading's title:
 * the offset right after the line's list or heading marker and the blanks after it, or
 * SIZE_MAX when the line starts with none. Found once per line, so that a line of many spans
 * costs O(its length): a span opening at p[i] is such a title exactly when i is this offset
 * (the delimiter at p[i] is neither blank, '#', '>', a digit nor ')', so none of the runs
 * below would have gone past it had the line ended there).
 */
static size_t list_title_at(const char *p, size_t n)
{
	size_t i = 0;
	while (i < n && dlg_is_blank(p[i]))
		i++;
	if (i == n)
		return SIZE_MAX;
	size_t m = i;
	if (p[i] == '#' || p[i] == '>') {
		while (m < n && (p[m] == '#' || p[m] == '>'))
			m++;
	} else if (p[i] == '-' || p[i] == '+' || p[i] == '*') {
		m++;
	} else if (n - i >= 3 && memcmp(p + i, "\xE2\x80\xA2", 3) == 0) { /* • */
		m += 3;
	} else if (m + 1 < n && ((p[m] | 0x20) >= 'a' && (p[m] | 0x20) <= 'z') && p[m + 1] == ')') {
		m += 2; /* "a) " */
	} else {
		while (m < n && p[m] >= '0' && p[m] <= '9')
			m++;
		if (m == i || m == n || (p[m] != '.' && p[m] != ')'))
			return SIZE_MAX; /* "1. " or "2) " */
		m++;
	}
	while (m < n && dlg_is_blank(p[m]))
		m++;
	return m;
}

/* Why the inner text of a span t[a, b) is not an action or a sound, or NULL. Inside
 * full-width brackets (`bracketed`), which no italics use, a comma is an action's (`（沉默片刻，
 * 泪如雨下）`) and the limit is 40 CJK characters: a CJK script narrates the scene in them. */
static const char *text_says_emphasis(const char *t, size_t a, size_t b, bool bracketed)
{
	if (b - a > (bracketed ? 120u : 80u))
		return "too long for a stage direction";
	unsigned words = 1, capitalised = 0, letters = 0, upper = 0, caseless = 0;
	bool word_start = true, digits = false, clause = false;
	for (size_t k = a; k < b;) {
		uint8_t c = (uint8_t)t[k];
		if (strchr("`=<>{}[]\\/|#$%^~@+&;()", c) && c)
			return "code, maths or a number";
		if (c >= '0' && c <= '9')
			digits = true;
		if (c == ':' || c == '?')
			return "ends a title or asks a question (':' or '?')";
		if (c == ',' && !bracketed)
			return "a clause with a comma, not an action";
		if (c == '"' || (k == a && c == '\''))
			return "quoted speech";
		int32_t cp = cp_at(t, b, k);
		if (cp == 0x201C || cp == 0x201D || cp == 0x201E || cp == 0x00AB ||
		    cp == 0x00BB || (k == a && (cp == 0x2018 || cp == 0x00BF || cp == 0x00A1)) ||
		    (cp >= 0x300C && cp <= 0x300F)) /* 「」『』 */
			return "quoted speech";
		if (cp == 0xFF1A || cp == 0xFF1F || cp == 0xFE30 || cp == 0xFE13 || cp == 0xFE55)
			return "ends a title or asks a question (':' or '?')";
		bool comma = cp == 0xFF0C || cp == 0x3001 || cp == 0xFF1B; /* ，、； */
		clause |= comma || cp == 0x3002;
		if (comma && !bracketed)
			return "a clause with a comma, not an action";
		if ((cp >= 0x3008 && cp <= 0x300B) || (cp >= 0xFF10 && cp <= 0xFF19))
			return "a title (《》〈〉) or a number";
		if (dlg_is_blank((char)c)) {
			words += !word_start;
			word_start = true;
			k++;
			continue;
		}
		if (is_letter(cp)) {
			if (!word_start && is_upper(cp) && is_lower(cp_before(t, a, k)))
				return "a capital inside a word: a name or an acronym (`CoT`)";
			caseless += caseless_letter(cp);
			letters++;
			upper += is_upper(cp);
			capitalised += word_start && is_upper(cp);
		}
		word_start = false;
		k += utf8_len(cp);
	}
	if (letters == 0)
		return "no letter";
	/* a time in a short bracketed CJK direction (`（沉默2分钟）`, `（15分钟后）`), not a
	 * list's `（1）`, a note's count (`（共12轮。）`) nor a number anywhere else */
	if (digits && !(bracketed && caseless > 0 && !clause))
		return "code, maths or a number";
	if (words > 8 && !bracketed)
		return "too long for a stage direction";
	if (letters >= 2 && upper == letters)
		return "capitals: emphasis";
	if (words >= 2 && capitalised >= 2)
		return "title case: a title or a name";
	return NULL;
}

/* Why the inner text t[a, b) of a bracketed span is a note on the text, not on the scene
 * (docs/rules.md "Stage directions"), or NULL: its end or continuation (`（完）`, `（续）`,
 * `（对话结束）`), a footnote (`（注…）`), a part left out (`（此处省略…）`, `（…过程略）`), a
 * disclaimer (`（此对话仅为示例…）`, `（…仅供参考）`) or a name's (`（化名）`, `（以下简称A）`). */
static const char *bracket_says_note(const char *t, size_t a, size_t b)
{
	static const struct {
		const char *word;
		char where; /* 'e' the end, 's' the start, 'a' anywhere */
	} notes[] = {
		{ "\xE5\xAE\x8C", 'e' },                     /* 完 */
		{ "\xE7\xBB\xAD", 'e' },                     /* 续 */
		{ "\xE7\xBB\x93\xE6\x9D\x9F", 'e' },         /* 结束 */
		{ "\xE7\x95\xA5", 'e' },                     /* 略 */
		{ "\xE6\xB3\xA8", 's' },                     /* 注 */
		{ "\xE7\x9C\x81\xE7\x95\xA5", 'a' },         /* 省略 */
		{ "\xE7\xA4\xBA\xE4\xBE\x8B", 'a' },         /* 示例 */
		{ "\xE5\x8F\x82\xE8\x80\x83", 'a' },         /* 参考 */
		{ "\xE8\xA1\xA5\xE5\x85\x85", 'a' },         /* 补充 */
		{ "\xE7\xAE\x80\xE7\xA7\xB0", 'a' },         /* 简称 */
		{ "\xE5\x8C\x96\xE5\x90\x8D", 'a' },         /* 化名 */
	};
	if (b - a > 3 && memcmp(t + b - 3, "\xE3\x80\x82", 3) == 0) /* a final 。 */
		b -= 3;
	for (size_t k = 0; k < sizeof notes / sizeof notes[0]; k++) {
		size_t len = strlen(notes[k].word);
		if (b - a < len)
			continue;
		if ((notes[k].where == 'e' && memcmp(t + b - len, notes[k].word, len) == 0) ||
		    (notes[k].where == 's' && memcmp(t + a, notes[k].word, len) == 0) ||
		    (notes[k].where == 'a' && memmem(t + a, b - a, notes[k].word, len)))
			return "a note on the text: its end, a footnote, a part left out, a name";
	}
	return NULL;
}

bool dlg_stage__in_inline_code(const char *line, size_t i)
{
	size_t ticks = 0;
	for (size_t k = 0; k < i; k++)
		ticks += line[k] == '`';
	return ticks % 2 == 1;
}

/* Whether the delimiter at t[i], on the line t[line, eol), can open a span by its place:
 * alone, after white space or the line's start, with no blank after it. Not `2*3*4`,
 * snake_case, `**bold**`, `un*believ*able`, `* list items`, `a * b`. */
static bool opens_span(const char *t, size_t line, size_t eol, size_t i)
{
	char d = t[i];
	return i + 1 < eol && t[i + 1] != d && !dlg_is_blank(t[i + 1]) &&
	       (i == line || dlg_is_blank(t[i - 1]) || cjk_sentence_end(cp_before(t, line, i)));
}

/*
 * The line t[start, eol) a scan is on, and what it has learnt of it so far: the backticks
 * before `ticks_to` (counted as the scan moves on, never again from the line's start) and
 * where a span would be a list item's or a heading's title. A line of a million spans thus
 * costs O(its length), not O(length x spans).
 */
typedef struct line_view {
	size_t start, eol;
	size_t ticks_to; /* backticks in t[start, ticks_to) are counted: */
	bool in_code;    /* an odd number of them */
	size_t title_at; /* list_title_at() of the line, from t */
} line_view;

static void view_line(line_view *lv, const char *t, size_t start, size_t eol)
{
	size_t title = list_title_at(t + start, eol - start);
	*lv = (line_view){ start, eol, start, false, title == SIZE_MAX ? SIZE_MAX : start + title };
}

/* Whether t[i] is inside inline code, for i at or after the last one asked about. */
static bool in_code_at(line_view *lv, const char *t, size_t i)
{
	DLG_ASSERT(i >= lv->ticks_to && i <= lv->eol);
	while (lv->ticks_to < i) {
		const char *tick = memchr(t + lv->ticks_to, '`', i - lv->ticks_to);
		if (!tick) {
			lv->ticks_to = i;
			break;
		}
		lv->in_code = !lv->in_code;
		lv->ticks_to = (size_t)(tick - t) + 1;
	}
	return lv->in_code;
}

/* Why a span opened at t[i] on the line `lv` is text by where it stands, whatever it says:
 * in code, or an item's or a heading's title. NULL when it may be a direction. Spans are
 * asked about in order. */
static const char *context_says_text(line_view *lv, const char *t, size_t i, bool in_fence)
{
	if (in_fence)
		return "in a fenced code block";
	if (in_code_at(lv, t, i))
		return "in inline code";
	if (i == lv->title_at)
		return "a list item's or a heading's title";
	return NULL;
}

/*
 * The span opened by the delimiter at t[i], on the line `lv`: returns false when
 * it is no candidate at all (a doubled delimiter, intra-word, nothing closes it on the
 * line); otherwise sets *close to its closing delimiter and *why to the reason it is text,
 * or NULL for a stage direction.
 */
/* The span opened by the bracket t[i] (its closing one `close`) on the line t[line, eol): the
 * first closing bracket after it, with no other opening one between; NULL when none. */
static const char *bracket_span(const char *t, size_t eol, size_t i, const char *close)
{
	const char *c = memmem(t + i + 3, eol - i - 3, close, 3);
	if (!c)
		return NULL;
	const char *open = memmem(t + i + 3, (size_t)(c - t) - i - 3, t + i, 3);
	return open ? NULL : c;
}

/* Whether t[a, b) holds a clause's or a sentence's punctuation: ，、；。 */
static bool has_clause(const char *t, size_t a, size_t b)
{
	static const char *const marks[] = { "\xEF\xBC\x8C", "\xE3\x80\x81", "\xEF\xBC\x9B",
					     "\xE3\x80\x82" };
	for (size_t k = 0; k < sizeof marks / sizeof marks[0]; k++)
		if (memmem(t + a, b - a, marks[k], 3))
			return true;
	return false;
}

/* Whether t[a, b) is letters of caseless scripts only (`答案`, `咯咯笑`). */
static bool caseless_only(const char *t, size_t a, size_t b)
{
	for (size_t k = a; k < b;) {
		int32_t cp = cp_at(t, b, k);
		if (!caseless_letter(cp))
			return false;
		k += utf8_len(cp);
	}
	return true;
}

static bool classify(size_t *close, const char **why, const char *t, line_view *lv, size_t i,
		     bool in_fence)
{
	size_t line = lv->start, eol = lv->eol;
	char d = t[i];
	const char *bracket = bracket_close(t, eol, i);
	size_t open_len = delim_len(t, i);
	if (i + open_len + 1 >= eol || !(bracket ? i == line || dlg_is_blank(t[i - 1]) ||
					 cjk_sentence_end(cp_before(t, line, i)) :
					 opens_span(t, line, eol, i)))
		return false;
	const char *c = bracket ? bracket_span(t, eol, i, bracket) :
				  memchr(t + i + 1, d, eol - i - 1);
	if (!c)
		return false;
	size_t j = (size_t)(c - t);
	size_t after = j + open_len;
	if (dlg_is_blank(t[j - 1]) || dlg_is_blank(t[i + open_len]) ||
	    (!bracket && after < eol && t[after] == d))
		return false;
	if (!bracket && after < eol && !dlg_is_blank(t[after]) && is_ascii_alnum((uint8_t)t[after]))
		return false;
	*close = j;
	int32_t after_cp = cp_at(t, eol, after);
	if (after < eol && !dlg_is_blank(t[after]) && !caseless_letter(after_cp) &&
	    !bracket_close(t, eol, after) && !(bracket && is_ascii_alnum((uint8_t)t[after]))) {
		*why = "punctuation right after it: emphasis inside a sentence";
		return true;
	}
	if (bracket && memcmp(bracket, LENTICULAR_CLOSE, 3) == 0) {
		*why = "【】 marks a heading or a key point in Chinese text";
		return true;
	}
	if ((*why = context_says_text(lv, t, i, in_fence)) != NULL)
		return true;
	if ((*why = text_says_emphasis(t, i + open_len, j, bracket != NULL)) != NULL ||
	    (bracket && (*why = bracket_says_note(t, i + open_len, j)) != NULL))
		return true;
	/* its place: at a line's edge or between sentences, never inside one */
	size_t prev = i;
	while (prev > line && dlg_is_blank(t[prev - 1]))
		prev--;
	bool after_sentence = prev == line || strchr(".!?*_", t[prev - 1]) ||
			      (prev - line >= 3 && memcmp(t + prev - 3, "\xE2\x80\xA6", 3) == 0) ||
			      cjk_sentence_end(cp_before(t, line, prev));
	size_t next = after;
	while (next < eol && dlg_is_blank(t[next]))
		next++;
	int32_t next_cp = cp_at(t, eol, next);
	bool before_sentence = next == eol || !(is_lower(next_cp) || strchr("-,;:", t[next]) ||
						next_cp == 0x2013 || next_cp == 0x2014 ||
						next_cp == 0xFF0C || next_cp == 0x3001 ||
						next_cp == 0xFF1B || next_cp == 0xFF1A);
	if (!after_sentence)
		*why = "inside a sentence: emphasis";
	else if (!before_sentence)
		*why = "a sentence goes on after it: emphasis";
	else if (bracket && prev > line && has_clause(t, i + open_len, j))
		*why = "a clause in brackets after a sentence: an aside";
	else if (!bracket && prev == line && next < eol && caseless_only(t, i + 1, j))
		*why = "a caseless label at a line's start (`*答案* 句子A`), not an action";
	return true;
}

bool dlg_stage__is_fence(const char *p, size_t n)
{
	size_t k = 0;
	while (k < n && k < 3 && p[k] == ' ')
		k++;
	return n - k >= 3 && (memcmp(p + k, "```", 3) == 0 || memcmp(p + k, "~~~", 3) == 0);
}

/* A chat correction: a line of nothing but `*word` or `*two words` (`*future`, `*mad`),
 * which fixes a typo in the message before; no direction was begun. Three words
 * (`*sighs I forgot`) may well be one. */
static bool correction(const char *p, size_t n, size_t star)
{
	for (size_t k = 0; k < star; k++)
		if (!dlg_is_blank(p[k]))
			return false;
	size_t words = 0;
	for (size_t k = star + 1; k < n; k++) {
		if (p[k] == '.' || p[k] == '!' || p[k] == '?' || p[k] == ',')
			return false;
		words += !dlg_is_blank(p[k]) && (k == star + 1 || dlg_is_blank(p[k - 1]));
	}
	return words <= 2;
}

size_t dlg_stage__unclosed_star(const char *p, size_t n, bool in_fence)
{
	/* only the line's last '*' has none after it */
	const char *last = memrchr(p, '*', n);
	if (!last)
		return SIZE_MAX;
	size_t i = (size_t)(last - p);
	if (!opens_span(p, 0, n, i) || !starts_with_word(p, n, i + 1))
		return SIZE_MAX;
	line_view lv;
	view_line(&lv, p, 0, n);
	return !context_says_text(&lv, p, i, in_fence) && !correction(p, n, i) ? i : SIZE_MAX;
}

/*
 * Every candidate span of t[0, n) in order, to `fn`. The scan walks lines to know fences,
 * but skips to the next delimiter eight bytes at a time: most text has none. Returns false
 * when it stopped because *cancel (may be NULL) became non-zero.
 */
typedef void (*span_fn)(size_t start, size_t close, const char *why, void *payload);

static bool scan(const char *t, size_t n, span_fn fn, void *payload,
		 const volatile sig_atomic_t *cancel)
{
	size_t polled = 0;
	bool in_fence = false;
	size_t line = 0, eol = 0; /* the line being looked at: t[line, eol) */
	bool line_known = false;
	line_view lv = { 0 };
	size_t at[4] = DELIMITERS_UNSEEN;
	for (size_t i = next_delimiter(at, t, n, 0); i < n; i = next_delimiter(at, t, n, i + 1)) {
		if (i - polled >= DLG_CANCEL_STRIDE) {
			polled = i;
			if (dlg_unit__cancel_asked(cancel))
				return false;
		}
		/* bring the line and fence state up to i */
		if (!line_known || i >= eol) {
			while (!line_known || i >= eol) {
				if (line_known)
					line = eol + 1;
				const char *nl = memchr(t + line, '\n', n - line);
				eol = nl ? (size_t)(nl - t) : n;
				line_known = true;
				if (dlg_stage__is_fence(t + line, eol - line))
					in_fence = !in_fence;
			}
			view_line(&lv, t, line, eol);
		}
		size_t close;
		const char *why = NULL;
		bool fenced = in_fence || dlg_stage__is_fence(t + line, eol - line);
		if (!classify(&close, &why, t, &lv, i, fenced))
			continue;
		fn(i, close, why, payload);
		if (!why) /* a direction's closing delimiter opens nothing */
			i = close + delim_len(t, close) - 1;
	}
	return true;
}

typedef struct public_scan {
	const char *text;
	dlg_stage_span_fn fn;
	void *payload;
} public_scan;

static void public_span(size_t start, size_t close, const char *why, void *payload)
{
	public_scan *ps = payload;
	dlg_stage_span s = { start, close + delim_len(ps->text, close), why == NULL,
			     why ? why : "stage direction" };
	ps->fn(&s, ps->payload);
}

void dlg_stage_scan(const char *text, size_t len, dlg_stage_span_fn fn, void *payload)
{
	if (!text || !fn)
		return;
	public_scan ps = { text, fn, payload };
	scan(text, len, public_span, &ps, NULL);
}

/* A direction's delimiters: t[start] opens it, t[close] closes it. */
typedef struct span_at {
	size_t start, close;
} span_at;

/* The directions of one turn, found before it is rewritten. */
typedef struct found {
	dlg_buf *spans; /* span_at[] */
	dlg_status st;
	dlg_error *err;
} found;

static void collect(size_t start, size_t close, const char *why, void *payload)
{
	found *f = payload;
	if (why || f->st != DLG_OK)
		return;
	span_at sp = { start, close };
	f->st = dlg_buf__append(f->spans, &sp, sizeof sp, f->err);
}

static bool outer_punct(uint8_t c)
{
	return c && strchr(" \t.!-'", c) != NULL;
}

/* The canonical form of a direction's inner text, appended to `out`: outer punctuation off,
 * first letter lower-case (`*Sighs deeply.*` is "sighs deeply") but an acronym's. */
static dlg_status canonical(dlg_buf *out, const char *p, size_t n, dlg_error *err)
{
	while (n > 0 && outer_punct((uint8_t)p[0]))
		p++, n--;
	while (n > 0 && outer_punct((uint8_t)p[n - 1]))
		n--;
	if (n == 0)
		return DLG_OK;
	utf8proc_int32_t cp;
	utf8proc_ssize_t len = utf8proc_iterate((const uint8_t *)p, (utf8proc_ssize_t)n, &cp);
	DLG_ASSERT(len > 0);
	uint8_t lower[4];
	/* an acronym keeps its capitals (`（NLP治疗过程中）`): `nLP` would be no direction */
	bool acronym = is_upper(cp_at(p, n, (size_t)len));
	utf8proc_ssize_t lower_len = utf8proc_encode_char(acronym ? cp : utf8proc_tolower(cp),
							  lower);
	DLG_TRY(dlg_buf__append(out, lower, (size_t)lower_len, err));
	return dlg_buf__append(out, p + len, n - (size_t)len, err);
}

/* Whether t[0, n) holds nothing but the spans (span_at[]) and white space: a turn that is
 * only an action (`*gets up*`), which keeps it as its text (docs/rules.md "Stage
 * directions"). */
static bool only_directions(const char *t, size_t n, const dlg_buf *spans)
{
	size_t n_spans = DLG_BUF_COUNT(spans, span_at);
	for (size_t k = 0, from = 0; k <= n_spans; k++) {
		size_t to = k < n_spans ? DLG_BUF_AT(spans, span_at, k).start : n;
		for (size_t i = from; i < to; i++)
			if (!dlg_is_blank(t[i]) && t[i] != '\n')
				return false;
		from = k < n_spans ? DLG_BUF_AT(spans, span_at, k).close +
					     delim_len(t, DLG_BUF_AT(spans, span_at, k).close) :
				     n;
	}
	return true;
}

dlg_status dlg_stage__extract(dlg_unit *u, dlg_turn *turn, dlg_error *err)
{
	dlg_stage_mode mode = u->ctx->opts->stage;
	size_t from = turn->text.off;
	DLG_ASSERT(from + turn->text.len == u->text.len); /* the turn is the last text */
	turn->first_stage = DLG_BUF_COUNT(&u->stages, dlg_stage);
	turn->n_stage = 0;
	const char *t = u->text.data + from;
	size_t n = turn->text.len;
	size_t at[4] = DELIMITERS_UNSEEN;
	if (next_delimiter(at, t, n, 0) == n)
		return DLG_OK;
	dlg_buf *spans = &u->scratch;
	spans->len = 0;
	found f = { spans, DLG_OK, err };
	if (!scan(t, n, collect, &f, u->ctx->opts->cancel))
		return dlg_unit__check_cancel(u, err);
	DLG_TRY(f.st);
	size_t n_spans = DLG_BUF_COUNT(spans, span_at);
	if (n_spans == 0)
		return DLG_OK;
	if (mode == DLG_STAGE_KEEP || only_directions(t, n, spans)) {
		u->fixes[DLG_FIX_STAGE_KEPT] += n_spans;
		return DLG_OK;
	}
	/* The new text goes after the old in u->text, then moves down over it; the spans sit
	 * in scratch, so the removal offsets (before tidying) go to the stages directly. */
	size_t out_at = u->text.len;
	DLG_TRY(dlg_buf__reserve(&u->text, n, err));
	t = u->text.data + from;
	size_t copied = 0;
	/* the new text t[out_at, ended) ends in blanks after `kept`: directions back to back
	 * after a long run of blanks look at that run once, not once each */
	size_t ended = out_at, kept = out_at;
	for (size_t k = 0, polled = 0; k < n_spans; k++) {
		span_at sp = DLG_BUF_AT(spans, span_at, k);
		if (sp.start - polled >= DLG_CANCEL_STRIDE) {
			polled = sp.start;
			DLG_TRY(dlg_unit__check_cancel(u, err));
		}
		DLG_TRY(dlg_buf__append(&u->text, t + copied, sp.start - copied, err));
		t = u->text.data + from;
		copied = sp.close + delim_len(t, sp.close);
		/* close the gap: "a. *sighs* b" becomes "a. b", not "a.  b" */
		while (copied < n && dlg_is_blank(t[copied]))
			copied++;
		/* a line that held only the direction goes with it */
		size_t line = u->text.len;
		while (line > ended && dlg_is_blank(u->text.data[line - 1]))
			line--;
		if (line == ended)
			line = kept;
		if ((line == out_at || u->text.data[line - 1] == '\n') &&
		    (copied == n || t[copied] == '\n')) {
			u->text.len = line;
			copied += copied < n;
			/* the directions before it on that line stood after blanks that went
			 * with it (" *nods* *sighs*" alone on its line): they stand where it
			 * does now, so that places keep their order */
			for (size_t s = DLG_BUF_COUNT(&u->stages, dlg_stage);
			     mode == DLG_STAGE_EXTRACT && s > turn->first_stage; s--) {
				dlg_stage *before = &DLG_BUF_AT(&u->stages, dlg_stage, s - 1);
				if (before->at <= line - out_at)
					break;
				before->at = line - out_at;
			}
		}
		ended = u->text.len;
		kept = line < ended ? line : ended;
		dlg_stage st = { u->stage_text.len, 0, u->text.len - out_at };
		if (mode == DLG_STAGE_EXTRACT) {
			size_t open_len = delim_len(t, sp.start);
			DLG_TRY(canonical(&u->stage_text, t + sp.start + open_len,
					  sp.close - sp.start - open_len, err));
			st.text_len = u->stage_text.len - st.text_off;
			DLG_TRY(dlg_buf__append(&u->stages, &st, sizeof st, err));
			turn->n_stage++;
			u->fixes[DLG_FIX_STAGE_EXTRACTED]++;
		} else {
			u->fixes[DLG_FIX_STAGE_STRIPPED]++;
		}
		t = u->text.data + from;
	}
	DLG_TRY(dlg_buf__append(&u->text, t + copied, n - copied, err));
	/* tidy again, moving the offsets along with the text */
	dlg_stage *stages = &DLG_BUF_AT(&u->stages, dlg_stage, turn->first_stage);
	size_t len = u->text.len - out_at;
	len = dlg_normalize__tidy(u->text.data + out_at, len, NULL, stages, turn->n_stage);
	memmove(u->text.data + from, u->text.data + out_at, len);
	u->text.len = from + len;
	turn->text.len = len;
	return DLG_OK;
}

/* Whether t[0, n) holds a letter of a caseless script. */
static bool has_caseless(const char *t, size_t n)
{
	for (size_t k = 0; k < n;) {
		int32_t cp = cp_at(t, n, k);
		if (caseless_letter(cp))
			return true;
		k += utf8_len(cp);
	}
	return false;
}

/* Whether t[i] starts with a lower-case letter after any blanks on its line. */
static bool lower_follows(const char *t, size_t n, size_t i)
{
	while (i < n && dlg_is_blank(t[i]))
		i++;
	return is_lower(cp_at(t, n, i));
}

dlg_status dlg_stage__render(dlg_buf *out, const char *content, size_t len,
			     const dlg_stage_ref *dirs, size_t n_dirs, dlg_error *err)
{
	/* Each direction goes where it stood, with the blanks extraction took away, so that
	 * converting the result again gives back the same content and places. One that stood
	 * on a line of its own before a line that starts in lower case gets its line back:
	 * inline there it would read as emphasis. One in a caseless script goes in full-width
	 * parentheses, `（沉默片刻）`: `*沉默片刻*` before a sentence would read as a label. */
	size_t pos = 0, start = out->len;
	for (size_t k = 0; k < n_dirs; k++) {
		size_t at = dirs[k].at < len ? dirs[k].at : len;
		if (at < pos)
			at = pos;
		DLG_TRY(dlg_buf__append(out, content + pos, at - pos, err));
		pos = at;
		char before = out->len > start ? out->data[out->len - 1] : '\n';
		/* at the end of a paragraph it goes on a line of its own, as a direction between
		 * paragraphs stood (`（一段时间后）`), and so does a bracketed clause at the end:
		 * extraction gives it the same place, and a clause reads as an aside after a
		 * sentence, not on its own line */
		bool clause = has_clause(dirs[k].text, 0, dirs[k].len);
		if (before != '\n' && ((len - at >= 2 && content[at] == '\n' &&
					content[at + 1] == '\n') || (at == len && clause))) {
			DLG_TRY(dlg_buf__putc(out, '\n', err));
			before = '\n';
		}
		/* CJK text puts no space after its sentence's end (`好的。（沉默）`) */
		if (before != ' ' && before != '\n' && before != '\t' &&
		    !cjk_sentence_end(cp_before(out->data, start, out->len)))
			DLG_TRY(dlg_buf__putc(out, ' ', err));
		bool cjk = has_caseless(dirs[k].text, dirs[k].len);
		DLG_TRY(dlg_buf__append(out, cjk ? FW_PAREN : "*", cjk ? 3 : 1, err));
		DLG_TRY(dlg_buf__append(out, dirs[k].text, dirs[k].len, err));
		DLG_TRY(dlg_buf__append(out, cjk ? FW_PAREN_CLOSE : "*", cjk ? 3 : 1, err));
		if (at == len || content[at] == ' ' || content[at] == '\n' || content[at] == '\t' ||
		    (cjk && caseless_letter(cp_at(content, len, at))))
			continue; /* nor before a CJK sentence: `（微笑）你呢？` */
		bool own_line = before == '\n' && lower_follows(content, len, at);
		DLG_TRY(dlg_buf__putc(out, own_line ? '\n' : ' ', err));
	}
	return dlg_buf__append(out, content + pos, len - pos, err);
}
