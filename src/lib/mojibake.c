/*
 * mojibake.c - repair of UTF-8 that was decoded as Windows-1252 (or Latin-1) and encoded as
 * UTF-8 again: "Iâ€™m" for "I’m", "Ã…lesund" for "Ålesund", "Ð¿Ñ€Ð¸" for "при", "I\u0092ll"
 * for "I’ll". Uses buf.c, error.c and utf8proc (decoding, encoding, categories).
 *
 * Precision over recall: a missed fix costs little, a corrupted sentence poisons a dataset.
 * What is decided, and why:
 *
 * - Candidates. A character stands for a byte when it is U+0080-U+00FF (Latin-1, so C1
 *   controls count) or one of the 27 characters Windows-1252 puts at 0x80-0x9F. A candidate
 *   is a lead (U+00C2-U+00F4) followed by as many such characters as its UTF-8 length needs,
 *   each standing for a continuation byte, that together decode (utf8proc) to one code
 *   point. ASCII never takes part, so plain text costs one 8-bytes-at-a-time scan for the
 *   bytes 0xC2/0xC3 every such character starts with.
 * - A lost byte. cp1252 leaves 0x81 0x8D 0x8F 0x90 0x9D undefined, so decoders drop them or
 *   put U+FFFD. "â€" with nothing after it is "”" (0x9D) only when it closes a quotation (an
 *   opening “ or "â€œ" before it), after a word and before a space, punctuation or the end:
 *   measured on translated messages, it is otherwise a right-to-left mark (0x8F), a joiner
 *   (0x8D, also inside emoji) or a hyphen (0x90). Other lost bytes are left alone.
 * - Lone C1 controls become their Windows-1252 character (U+0092 is ’): text holds them only
 *   when cp1252 bytes were read as Latin-1. The five undefined ones stay (normalize.c drops
 *   them as invisible).
 * - Plausible results only: assigned, not a control, and in Latin-1, Latin Extended-A, the
 *   Extended-B letters languages use (Romanian ș ț, Vietnamese ơ ư, Pinyin ǎ, schwa),
 *   cp1252's ƒ ˆ ˜ (for text mis-decoded twice), Latin Extended Additional, punctuation,
 *   currency, letterlike, arrows, maths, technical, shapes, symbols, dingbats, U+FEFF,
 *   U+FFFD, emoji; or Greek, Cyrillic, Armenian, Hebrew, Arabic, Indic, Thai, CJK, kana,
 *   Hangul. The rest (IPA, NKo, Thaana, combining marks on Latin, the astral planes but CJK
 *   and emoji) is what legitimate text decodes to by accident: "Gruß“" would be U+07D3.
 * - Runs. Two or more candidates back to back ("Ð¿Ñ€Ð¸") are repaired: legitimate text
 *   never puts two such pairs side by side. A C1 control or U+FE0F as the result is
 *   accepted only there (the middle layer of "ÃƒÂ\u0081"; the selector after an emoji).
 * - A lone 2-byte candidate that decodes to a non-Latin script (Cyrillic, Greek, Hebrew,
 *   Arabic) is weak: repaired only when the same text has a run or a strong candidate of that
 *   script, so "и" between repaired Russian words is fixed but "Ø\u00a010 mm" is kept.
 *   3-byte ones (CJK, Hangul, Indic) read as a letter and two symbols, never a word ending,
 *   and are strong unless they look like one (next rule).
 * - A word ending in a capital accented letter before punctuation ("IRMÃ…", "CAFÉ…",
 *   "„Ä“") decodes like mojibake. A 2-byte candidate whose lead is a capital and whose
 *   second character is punctuation that follows words (… ” “ ’ ‘ – — » › ® ™ © † ‡ •
 *   NBSP · ¹ ² ³) is refused after an upper-case word unless the word goes on with the
 *   repaired capital ("MÃ…L" is MÅL; no word ends in "Â"); refused when it stands alone
 *   unless it is "Ã"/"Â" giving a lower-case letter or a symbol (one-letter words are à, é,
 *   ó); refused for "Ä–Z"-style ranges. After a lower-case letter it is mojibake ("majÄ…"
 *   is mają, "cafÃ©" is café), and so after a lone capital ("SÃ³" is Só, "SÄ…" is Są).
 *   Any capital between quotes ("„Ä“", "»Ä«", "«Â»") is refused.
 * - A 3-byte candidate before a non-letter whose two last characters close a quotation
 *   ("café’”" would be U+9494, "está»…", "café”†") is weak: Vietnamese "sá»‘" (số) is
 *   fixed when the text has other mojibake.
 * - A decoded capital right after a lower-case letter (unless the next is a capital too,
 *   Irish "tÚSÁID"), and a decoded symbol (So, Sk) between two letters, are refused: ftfy's
 *   badness heuristic counts both as weird; its issue #149 ("Officiâš´le" is not
 *   "Offici⚴le") is the second.
 * - Short cases ftfy refuses for too little signal are fixed when these rules allow:
 *   "Ã…lesund" (ftfy #203), "Ä°stanbul" and "RÄ«ga" (#192). A candidate is already a
 *   valid multi-byte sequence landing in a plausible block, which ftfy's whole-string cost
 *   does not credit.
 * - No repair may form a new candidate with the text around it: "ç†" (a CJK character that
 *   lost its middle byte) and a repaired "â€œ" would make "熓" on the next repair. Such a
 *   repair is not made, so that a second repair finds nothing new.
 * - Text mis-decoded twice or more ("ÃƒÂ©") is repaired layer by layer, up to 8 layers, so
 *   that the output is stable under a second repair. `found` describes the first layer only,
 *   in the caller's bytes.
 */
#include "mojibake.h"
#include "buf.h"
#include "error.h"
#include "unit.h"

#include <string.h>
#include <utf8proc.h>

/* Windows-1252 at bytes 0x80-0x9F; 0 where cp1252 defines nothing. */
static const uint16_t cp1252_high[32] = {
	0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
	0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
};

/* Script groups of decoded characters: weak candidates need evidence of their own group. */
enum {
	G_LATIN = 1u << 0, /* Latin letters, punctuation, symbols, emoji */
	G_GREEK = 1u << 1,
	G_CYRILLIC = 1u << 2,
	G_ARMENIAN = 1u << 3,
	G_HEBREW = 1u << 4,
	G_ARABIC = 1u << 5,
	G_INDIC = 1u << 6, /* Devanagari to Sinhala, and Thai */
	G_CJK = 1u << 7,   /* Han, kana, Hangul, CJK punctuation, fullwidth forms */
};

enum verdict { V_REFUSE, V_WEAK, V_STRONG };

#define MAX_LAYERS 8

/* One candidate: s[off, off + len) decodes to `cp`. */
typedef struct cand {
	size_t off;
	size_t len;
	int32_t cp;
	bool c1;          /* a lone C1 control, not a multi-byte sequence */
	bool weak_script; /* alone, needs evidence of its script (see group_of) */
	bool run_only;    /* plausible only next to another candidate */
	unsigned group;
	uint8_t bytes[4]; /* the bytes its characters stood for */
	int nbytes;
} cand;

/* The byte a character stood for when cp1252 or Latin-1 decoded it, or -1. */
static int byte_of(int32_t cp)
{
	if (cp >= 0x80 && cp <= 0xFF)
		return (int)cp;
	if (cp < 0x0152 || cp > 0x2122)
		return -1;
	for (int i = 0; i < 32; i++)
		if (cp1252_high[i] == cp)
			return 0x80 + i;
	return -1;
}

/* The code point at s[i] and its length; -1 and 1 for a byte that is not valid UTF-8. */
static int32_t char_at(const uint8_t *s, size_t n, size_t i, size_t *len)
{
	int32_t cp = -1;
	if (i >= n) {
		*len = 0;
		return -1;
	}
	utf8proc_ssize_t l = utf8proc_iterate(s + i, (utf8proc_ssize_t)(n - i), &cp);
	if (l <= 0) {
		*len = 1;
		return -1;
	}
	*len = (size_t)l;
	return cp;
}

/* The code point ending at s[off] (-1 at the start), and in *start where it begins. */
static int32_t char_before(const uint8_t *s, size_t off, size_t *start)
{
	*start = off;
	if (off == 0)
		return -1;
	size_t j = off - 1;
	while (j > 0 && off - j < 4 && (s[j] & 0xC0) == 0x80)
		j--;
	size_t len;
	int32_t cp = char_at(s, off, j, &len);
	if (j + len != off)
		return -1;
	*start = j;
	return cp;
}

static utf8proc_category_t category(int32_t cp)
{
	return cp < 0 ? UTF8PROC_CATEGORY_CN : utf8proc_category(cp);
}

static bool is_letter(utf8proc_category_t c)
{
	return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO;
}

static bool is_upper(utf8proc_category_t c)
{
	return c == UTF8PROC_CATEGORY_LU || c == UTF8PROC_CATEGORY_LT;
}

static bool in(int32_t cp, int32_t lo, int32_t hi)
{
	return cp >= lo && cp <= hi;
}

/*
 * The group of a plausible repaired character, or 0. *weak is set for the scripts that need
 * evidence of their own when alone (everything but Latin).
 */
static unsigned group_of(int32_t cp, bool *weak)
{
	utf8proc_category_t c = utf8proc_category(cp);
	if (c == UTF8PROC_CATEGORY_CN || c == UTF8PROC_CATEGORY_CO || c == UTF8PROC_CATEGORY_CS ||
	    c == UTF8PROC_CATEGORY_CC)
		return 0;
	*weak = true;
	if (in(cp, 0x0370, 0x03FF))
		return G_GREEK;
	if (in(cp, 0x0400, 0x04FF))
		return G_CYRILLIC;
	if (in(cp, 0x0531, 0x058F))
		return G_ARMENIAN;
	if (in(cp, 0x0591, 0x05FF))
		return G_HEBREW;
	if (in(cp, 0x0600, 0x06FF))
		return G_ARABIC;
	if (in(cp, 0x0900, 0x0DFF) || in(cp, 0x0E00, 0x0E7F))
		return G_INDIC;
	if (in(cp, 0x2E80, 0x2FDF) || in(cp, 0x3000, 0x9FFF) || in(cp, 0xAC00, 0xD7A3) ||
	    in(cp, 0xF900, 0xFAFF) || in(cp, 0xFE30, 0xFE4F) || in(cp, 0xFF00, 0xFFEF) ||
	    in(cp, 0x20000, 0x2FFFF))
		return G_CJK;
	*weak = false;
	if (c == UTF8PROC_CATEGORY_MN || c == UTF8PROC_CATEGORY_MC || c == UTF8PROC_CATEGORY_ME)
		return 0;
	if (in(cp, 0x00A0, 0x017F) || cp == 0x018F || cp == 0x01A0 || cp == 0x01A1 ||
	    cp == 0x0192 || cp == 0x02C6 || cp == 0x02DC || /* cp1252's ƒ ˆ ˜: layered mojibake */
	    cp == 0x01AF || cp == 0x01B0 || in(cp, 0x01CD, 0x01DC) || in(cp, 0x0218, 0x021B) ||
	    cp == 0x0259 || in(cp, 0x1E00, 0x1EFF) || in(cp, 0x2000, 0x20CF) ||
	    in(cp, 0x2100, 0x27BF) || in(cp, 0x2B00, 0x2BFF) || cp == 0xFEFF || cp == 0xFFFD ||
	    in(cp, 0x1F000, 0x1FAFF))
		return G_LATIN;
	return 0;
}

/* Punctuation and symbols that legitimately follow a word, as the cp1252 byte they are. */
static bool follows_word(uint8_t b)
{
	switch (b) {
	case 0x85: case 0x86: case 0x87: case 0x91: case 0x92: case 0x93: case 0x94:
	case 0x95: case 0x96: case 0x97: case 0x99: case 0x9B: case 0xA0: case 0xA9:
	case 0xAE: case 0xB2: case 0xB3: case 0xB7: case 0xB9: case 0xBB:
		return true;
	default:
		return false;
	}
}

/* What can close a quotation after a word, two in a row: "café’”", "está»…", "voilà »¹". */
static bool ends_quote(uint8_t b)
{
	return follows_word(b) && b != 0x86 && b != 0x87 && b != 0x95 && b != 0xB7;
}

/* A quotation mark as a cp1252 byte, or as a character (ASCII or not). */
static bool quote(int32_t b)
{
	switch (b) {
	case '"': case '\'': case 0x82: case 0x84: case 0x8B: case 0x91: case 0x92: case 0x93:
	case 0x94: case 0x9B: case 0xAB: case 0xBB: case 0x2018: case 0x2019: case 0x201A:
	case 0x201C: case 0x201D: case 0x201E: case 0x2039: case 0x203A:
		return true;
	default:
		return false;
	}
}

/*
 * Whether a quotation is open at s[i]: an opening “ (or its mojibake "â€œ") comes before it,
 * within 400 bytes and with no other quotation mark (or "â€"-mojibake) between.
 */
static bool quote_open(const uint8_t *s, size_t i)
{
	size_t lo = i > 400 ? i - 400 : 0;
	int32_t after = -1;
	while (i > lo) {
		int32_t cp = char_before(s, i, &i);
		if (cp < 0 || cp == 0x201D || cp == '"')
			return false;
		if (cp == 0x201C)
			return true;
		if ((cp == 0x20AC || cp == 0x80) && i > lo) {
			size_t at;
			if (char_before(s, i, &at) == 0xE2)
				return byte_of(after) == 0x9C;
		}
		after = cp;
	}
	return false;
}

/*
 * "â€" whose third byte was dropped or replaced by U+FFFD; j is after "€". cp1252 leaves five
 * such bytes undefined, and the one after "â€" is that of ” (0x9D) only when it closes a
 * quotation, after a word and before a space, punctuation or the end; elsewhere it is as often
 * a joiner (0x8D), a right-to-left mark (0x8F) or a hyphen (0x90).
 */
static bool lost_quote(cand *c, const uint8_t *s, size_t n, size_t i, size_t j)
{
	size_t len;
	int32_t cp = char_at(s, n, j, &len);
	if (cp == 0xFFFD) {
		j += len;
		cp = char_at(s, n, j, &len);
	}
	bool ascii_word = (cp >= '0' && cp <= '9') || ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') ||
			  cp == '-' || cp == '_' || cp == '@' || cp == '#';
	if (cp >= 0x80 || ascii_word)
		return false; /* a quotation ends before a space, punctuation or the end */
	size_t at;
	int32_t prev = char_before(s, i, &at);
	bool after_word = prev == '.' || prev == ',' || prev == '!' || prev == '?' ||
			  ((prev < 0x80 || byte_of(prev) < 0) && is_letter(category(prev)));
	if (!after_word || !quote_open(s, i))
		return false;
	c->off = i;
	c->len = j - i;
	c->cp = 0x201D;
	c->group = G_LATIN;
	c->weak_script = false;
	c->run_only = false;
	return true;
}

/* A multi-byte sequence whose lead character (U+00C2-U+00F4) is at s[i]. */
static bool sequence_at(cand *c, const uint8_t *s, size_t n, size_t i, int32_t lead)
{
	int need = lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
	c->bytes[0] = (uint8_t)lead;
	size_t j = i + 2; /* a lead is two bytes of UTF-8 */
	int k = 1;
	for (; k < need; k++) {
		size_t len;
		int b = byte_of(char_at(s, n, j, &len));
		if (b < 0x80 || b > 0xBF)
			break;
		c->bytes[k] = (uint8_t)b;
		j += len;
	}
	c->nbytes = k;
	c->c1 = false;
	if (k < need)
		return lead == 0xE2 && k == 2 && c->bytes[1] == 0x80 && lost_quote(c, s, n, i, j);
	int32_t cp;
	if (utf8proc_iterate(c->bytes, need, &cp) != need)
		return false; /* overlong, a surrogate or past U+10FFFF */
	/*
	 * A C1 control is what a middle layer of twice-mis-decoded text holds for an undefined
	 * byte ("ÃƒÂ\u0081" is "Ã\u0081", then "Á"); U+FE0F follows an emoji. Both only in runs.
	 */
	c->run_only = in(cp, 0x80, 0x9F) || cp == 0xFE0F;
	c->weak_script = false;
	c->group = c->run_only ? G_LATIN : group_of(cp, &c->weak_script);
	if (c->group == 0)
		return false;
	/* a lone 3-byte one (CJK, Indic) reads as a letter and two symbols: not a word ending */
	if (need == 3 && c->group != G_LATIN)
		c->weak_script = false;
	c->off = i;
	c->len = j - i;
	c->cp = cp;
	return true;
}

/* Where the next byte 0xC2 or 0xC3 is at or after i (n when none): U+0080-U+00FF start so. */
static size_t skip_plain(const uint8_t *s, size_t n, size_t i)
{
	while (i + 8 <= n) {
		uint64_t w = dlg_load64((const char *)s + i);
		if ((w & DLG_HIGHS) && dlg_swar_eq(w & 0xFEFEFEFEFEFEFEFEULL, 0xC2))
			break;
		i += 8;
	}
	while (i < n && (s[i] & 0xFE) != 0xC2)
		i++;
	return i;
}

/* The next candidate at or after `pos`. */
static bool next_cand(cand *c, const uint8_t *s, size_t n, size_t pos)
{
	size_t i = pos;
	for (;;) {
		i = skip_plain(s, n, i);
		if (i >= n)
			return false;
		size_t len;
		int32_t cp = char_at(s, n, i, &len);
		if (cp >= 0x80 && cp <= 0x9F && cp1252_high[cp - 0x80]) {
			c->off = i;
			c->len = len;
			c->cp = cp1252_high[cp - 0x80];
			c->c1 = true;
			c->group = G_LATIN;
			c->weak_script = false;
			c->run_only = false;
			c->nbytes = 1;
			return true;
		}
		if (cp >= 0xC2 && cp <= 0xF4 && sequence_at(c, s, n, i, cp))
			return true;
		i += len;
	}
}

/* How a candidate with no candidate right before or after it is judged (see the top). */
static enum verdict judge(const cand *c, const uint8_t *s, size_t n)
{
	size_t len, prev_at, unused;
	int32_t prev = char_before(s, c->off, &prev_at);
	int32_t next = char_at(s, n, c->off + c->len, &len);
	utf8proc_category_t pc = category(prev), nc = category(next), dc = category(c->cp);
	bool prev_letter = is_letter(pc), next_letter = is_letter(nc);
	if (c->run_only)
		return V_REFUSE;
	if (is_upper(dc) && pc == UTF8PROC_CATEGORY_LL && !is_upper(nc))
		return V_REFUSE; /* "está»\u00a0:" is not "estỠ:"; Irish "tÚSÁID" is fine */
	bool symbol = dc == UTF8PROC_CATEGORY_SK || dc == UTF8PROC_CATEGORY_SO;
	if (symbol && prev_letter && next_letter)
		return V_REFUSE; /* "Officiâš´le" */
	uint8_t lead = c->bytes[0], b = c->bytes[1];
	if (c->nbytes == 2 && is_upper(category(lead))) {
		if (quote(b) && quote(prev) && !next_letter)
			return V_REFUSE; /* a quoted capital: „Ä“, »Ä«, «Â» */
		/*
		 * An upper-case word before, but not the capital that starts "Só", "Są" or
		 * "Rēzekne" (a capital, then a lower-case letter); "„MÄ“" and "PÅ”" are
		 * Finnish and Scandinavian words in quotes.
		 */
		bool title = dc == UTF8PROC_CATEGORY_LL &&
			     !is_letter(category(char_before(s, prev_at, &unused))) &&
			     (next_letter || !quote(b) || lead == 0xC3);
		bool caps = prev_letter && pc != UTF8PROC_CATEGORY_LL && lead != 0xC2 && !title;
		if (!follows_word(b)) {
			/* no word ends so */
		} else if (caps) {
			if (!next_letter || !is_upper(dc))
				return V_REFUSE; /* IRMÃ…, CAFÃ©; "MÃ…L" is MÅL */
		} else if (!prev_letter && !next_letter && !c->weak_script &&
			   (is_upper(dc) || (lead != 0xC2 && lead != 0xC3))) {
			return V_REFUSE; /* one-letter words: à, é, ó and symbols only */
		} else if (!prev_letter && is_upper(nc) && (b == 0x96 || b == 0x97)) {
			return V_REFUSE; /* Ä–Z */
		}
	}
	if (c->nbytes == 3 && !next_letter && ends_quote(c->bytes[1]) &&
	    (ends_quote(c->bytes[2]) || c->bytes[2] == 0x86 || c->bytes[2] == 0x87))
		return V_WEAK; /* "café’”", "está»…", "café”†" */
	return c->weak_script ? V_WEAK : V_STRONG;
}

/* One pass over a text: first collecting evidence (`decide` false), then deciding. */
typedef struct walk {
	const uint8_t *s;
	size_t n;
	bool decide;
	unsigned evidence; /* groups with a run or a strong candidate */
	bool any;          /* some candidate was seen */
	dlg_mojibake_found found;
	dlg_buf *out;  /* NULL: count only */
	size_t copied; /* s[0, copied) is in out */
	const volatile sig_atomic_t *cancel;
	dlg_error *err;
} walk;

static dlg_status emit(walk *w, size_t off, size_t len, int32_t cp)
{
	if (w->found.count++ == 0) {
		w->found.first_off = off;
		w->found.first_len = len;
	}
	if (!w->out)
		return DLG_OK;
	uint8_t enc[4];
	utf8proc_ssize_t m = utf8proc_encode_char(cp, enc);
	DLG_TRY(dlg_buf__append(w->out, w->s + w->copied, off - w->copied, w->err));
	DLG_TRY(dlg_buf__append(w->out, enc, (size_t)m, w->err));
	w->copied = off + len;
	return DLG_OK;
}

/* A sequence left alone still has its C1 controls mapped, as lone ones are. */
static dlg_status emit_c1_inside(walk *w, const cand *c)
{
	size_t i = c->off, end = c->off + c->len;
	while (i < end) {
		size_t len;
		int32_t cp = char_at(w->s, end, i, &len);
		if (cp >= 0x80 && cp <= 0x9F && cp1252_high[cp - 0x80])
			DLG_TRY(emit(w, i, len, cp1252_high[cp - 0x80]));
		i += len;
	}
	return DLG_OK;
}

/* Whether s[i] starts a candidate that ends past `boundary`. */
static bool candidate_past(const uint8_t *s, size_t n, size_t i, size_t boundary)
{
	size_t len;
	int32_t cp = char_at(s, n, i, &len);
	cand t;
	return cp >= 0xC2 && cp <= 0xF4 && sequence_at(&t, s, n, i, cp) && t.off + t.len > boundary;
}

/*
 * Whether repairing s[start, end) into the characters head[] ... tail[] (its first and last
 * three) would make a new candidate with the text around it: "ç†" (a CJK character whose
 * middle byte was dropped) and a repaired "“" make "熓". Such a repair is not made, so that
 * a second repair finds nothing new.
 */
static bool straddles(const uint8_t *s, size_t n, size_t start, size_t end, const int32_t *head,
		      size_t n_head, const int32_t *tail, size_t n_tail)
{
	uint8_t win[3 * 4 + 3 * 4];
	size_t from = start;
	for (int k = 0; k < 3 && from > 0; k++) {
		size_t at;
		if (char_before(s, from, &at) < 0)
			break;
		from = at;
	}
	size_t left = start - from, len = left;
	memcpy(win, s + from, left);
	for (size_t k = 0; k < n_head; k++)
		len += (size_t)utf8proc_encode_char(head[k], win + len);
	for (size_t i = 0, step; i < left; i += step) {
		char_at(win, len, i, &step);
		if (candidate_past(win, len, i, left))
			return true;
	}
	size_t mid = 0;
	for (size_t k = 0; k < n_tail; k++)
		mid += (size_t)utf8proc_encode_char(tail[k], win + mid);
	size_t to = end;
	for (int k = 0; k < 3 && to < n; k++) {
		size_t step;
		char_at(s, n, to, &step);
		to += step;
	}
	memcpy(win + mid, s + end, to - end);
	len = mid + (to - end);
	for (size_t i = 0, step; i < mid; i += step) {
		char_at(win, len, i, &step);
		if (candidate_past(win, len, i, mid))
			return true;
	}
	return false;
}

/*
 * The run of back-to-back candidates that starts with `first` (often just `first`): judged,
 * counted as evidence, and when deciding, emitted or left. *after is the candidate after it.
 */
static dlg_status walk_run(walk *w, const cand *first, cand *after, bool *have_after)
{
	int32_t head[3], tail[3];
	size_t m = 0, n_tail = 0;
	unsigned groups = 0;
	cand c = *first;
	for (;;) {
		if (m < 3)
			head[m] = c.cp;
		if (n_tail == 3)
			memmove(tail, tail + 1, 2 * sizeof tail[0]);
		tail[n_tail < 3 ? n_tail++ : 2] = c.cp;
		groups |= c.group;
		m++;
		*have_after = next_cand(after, w->s, w->n, c.off + c.len);
		if (!*have_after || after->c1 || after->off != c.off + c.len)
			break;
		c = *after;
	}
	enum verdict v = m > 1 ? V_STRONG : judge(first, w->s, w->n);
	if (v != V_REFUSE && straddles(w->s, w->n, first->off, c.off + c.len, head, m < 3 ? m : 3,
				       tail, n_tail))
		v = V_REFUSE;
	if (v == V_STRONG)
		w->evidence |= groups;
	if (!w->decide)
		return DLG_OK;
	bool repair = v == V_STRONG || (v == V_WEAK && (w->evidence & groups));
	c = *first;
	for (size_t k = 0; k < m; k++) {
		if (k > 0)
			next_cand(&c, w->s, w->n, c.off + c.len);
		if (repair)
			DLG_TRY(emit(w, c.off, c.len, c.cp));
		else
			DLG_TRY(emit_c1_inside(w, &c));
	}
	return DLG_OK;
}

static dlg_status walk_text(walk *w)
{
	cand cur = { 0 }, nxt = { 0 };
	bool have = next_cand(&cur, w->s, w->n, 0);
	w->any = have;
	size_t polled = 0;
	while (have) {
		if (cur.off - polled >= DLG_CANCEL_STRIDE) {
			polled = cur.off;
			if (dlg_unit__cancel_asked(w->cancel))
				return dlg_error__set(w->err, DLG_E_CANCELED, 0, "interrupted");
		}
		if (cur.c1) {
			w->evidence |= G_LATIN;
			if (w->decide)
				DLG_TRY(emit(w, cur.off, cur.len, cur.cp));
			have = next_cand(&nxt, w->s, w->n, cur.off + cur.len);
		} else {
			DLG_TRY(walk_run(w, &cur, &nxt, &have));
		}
		cur = nxt;
	}
	if (w->out)
		DLG_TRY(dlg_buf__append(w->out, w->s + w->copied, w->n - w->copied, w->err));
	return DLG_OK;
}

/* Both passes over s[0, n), appending the repaired text to `out` unless it is NULL. */
static dlg_status repair_layer(dlg_mojibake_found *found, dlg_buf *out, const char *p, size_t n,
			       const volatile sig_atomic_t *cancel, dlg_error *err)
{
	walk w = { (const uint8_t *)p, n, false, 0, false, { 0, 0, 0 }, NULL, 0, cancel, err };
	dlg_status st = walk_text(&w);
	DLG_ASSERT(st == DLG_OK || st == DLG_E_CANCELED); /* nothing else fails without output */
	if (st == DLG_OK && w.any) {
		w.decide = true;
		w.out = out;
		st = walk_text(&w);
	} else if (st == DLG_OK && out) {
		st = dlg_buf__append(out, p, n, err);
	}
	*found = w.found;
	return st;
}

bool dlg_mojibake__find(dlg_mojibake_found *found, const char *p, size_t n,
			const volatile sig_atomic_t *cancel)
{
	dlg_status st = repair_layer(found, NULL, p, n, cancel, NULL);
	DLG_ASSERT(st == DLG_OK || st == DLG_E_CANCELED);
	return st == DLG_OK;
}

dlg_status dlg_mojibake__repair(dlg_buf *out, dlg_mojibake_found *found, const char *p, size_t n,
				const volatile sig_atomic_t *cancel, dlg_error *err)
{
	dlg_mojibake_found first, again;
	size_t start = out->len;
	DLG_TRY(repair_layer(&first, out, p, n, cancel, err));
	if (found)
		*found = first;
	if (first.count == 0)
		return DLG_OK;
	/* Each layer shrinks the text; text mis-decoded three times is already rare. */
	dlg_buf tmp;
	dlg_buf__init(&tmp, out->alloc, out->max);
	dlg_status st = DLG_OK;
	for (int layer = 1; layer < MAX_LAYERS && st == DLG_OK; layer++) {
		if (!dlg_mojibake__find(&again, out->data + start, out->len - start, cancel)) {
			st = dlg_error__set(err, DLG_E_CANCELED, 0, "interrupted");
			break;
		}
		if (again.count == 0)
			break;
		tmp.len = 0;
		st = repair_layer(&again, &tmp, out->data + start, out->len - start, cancel, err);
		if (st == DLG_OK) {
			out->len = start;
			st = dlg_buf__append(out, tmp.data, tmp.len, err);
		}
	}
	dlg_buf__dispose(&tmp);
	return st;
}
