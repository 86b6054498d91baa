/*
 * encoding.c - which legacy encoding a text that is not valid UTF-8 looks like, so that E101
 * can say which --input-encoding to pass, and which encoding names mean UTF-8. Base layer:
 * uses nothing but the C library. Runs only once an E101 was found, so valid input never
 * pays for it.
 */
#include "encoding.h"

#include <stdio.h>
#include <string.h>

/* ASCII-only, so that the answer does not depend on the locale (strcasecmp's may). */
static bool same_name(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
		char y = *b >= 'A' && *b <= 'Z' ? (char)(*b - 'A' + 'a') : *b;
		if (x != y)
			return false;
	}
	return *a == *b;
}

bool dlg_encoding__is_utf8(const char *name)
{
	return !name || same_name(name, "utf-8") || same_name(name, "utf8");
}

/* Windows-1252 leaves these five bytes undefined: text that has them is not cp1252. */
static bool cp1252_undefined(uint8_t b)
{
	return b == 0x81 || b == 0x8D || b == 0x8F || b == 0x90 || b == 0x9D;
}

/*
 * How many bytes at s[0, n) (s[0] >= 0x80) begin a well-formed UTF-8 sequence (Unicode's
 * table 3-7: no overlong forms, surrogates or code points past U+10FFFF): its length when it
 * is complete, else 0 with *prefix = how many of its bytes were still right (at least 1).
 */
size_t dlg_encoding__utf8_sequence(size_t *prefix, const uint8_t *s, size_t n)
{
	uint8_t b = s[0];
	size_t len;
	uint8_t lo = 0x80, hi = 0xBF; /* the second byte's range */
	if (b >= 0xC2 && b <= 0xDF) {
		len = 2;
	} else if (b >= 0xE0 && b <= 0xEF) {
		len = 3;
		lo = b == 0xE0 ? 0xA0 : 0x80;
		hi = b == 0xED ? 0x9F : 0xBF;
	} else if (b >= 0xF0 && b <= 0xF4) {
		len = 4;
		lo = b == 0xF0 ? 0x90 : 0x80;
		hi = b == 0xF4 ? 0x8F : 0xBF;
	} else {
		*prefix = 1;
		return 0;
	}
	size_t k = 1;
	while (k < len && k < n && s[k] >= (k == 1 ? lo : 0x80) && s[k] <= (k == 1 ? hi : 0xBF))
		k++;
	*prefix = k;
	return k == len ? len : 0;
}

dlg_encoding_guess dlg_encoding__guess(const char *p, size_t n)
{
	const uint8_t *s = (const uint8_t *)p;
	/* a UTF-16 byte-order mark: two bytes that would otherwise pass for Latin-1 */
	if (n >= 2 && ((s[0] == 0xFF && s[1] == 0xFE) || (s[0] == 0xFE && s[1] == 0xFF)))
		return DLG_GUESS_NONE;
	uint64_t good = 0; /* well-formed multibyte UTF-8 sequences */
	uint64_t bad = 0;  /* places where decoding fails */
	uint64_t cut = 0;  /* ... of which a UTF-8 sequence cut short */
	bool c1 = false;   /* a byte 0x80-0x9F that cp1252 defines, in a bad place */
	size_t i = 0;
	while (i < n) {
		while (i + 8 <= n && !(dlg_load64(p + i) & DLG_HIGHS))
			i += 8;
		if (i == n)
			break;
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		size_t prefix;
		size_t len = dlg_encoding__utf8_sequence(&prefix, s + i, n - i);
		if (len) {
			good++;
			i += len;
			continue;
		}
		/*
		 * A lead byte with some of its continuation bytes, or one the end of the data cut
		 * off, is what a truncated UTF-8 character looks like; its bytes are still judged
		 * below, as a cp1252 "é…" reads the same way.
		 */
		bad++;
		if (prefix > 1 || (s[i] >= 0xC2 && s[i] <= 0xF4 && i + 1 == n))
			cut++;
		for (size_t k = 0; k < prefix; k++) {
			if (cp1252_undefined(s[i + k]))
				return DLG_GUESS_NONE;
			c1 |= s[i + k] <= 0x9F;
		}
		i += prefix;
	}
	/*
	 * Only cut-short sequences: damaged UTF-8. More well-formed UTF-8 than bad places: mostly
	 * UTF-8 with some other bytes pasted in, which converting the whole input would garble.
	 */
	if (bad == 0 || cut == bad || good > bad)
		return DLG_GUESS_NONE;
	/* Latin-1 reads 0x80-0x9F as C1 controls, which normalization deletes: I'll -> Ill */
	return c1 ? DLG_GUESS_CP1252 : DLG_GUESS_LATIN1;
}

void dlg_encoding__hint(char *out, size_t cap, const char *p, size_t n,
			const char *input_encoding)
{
	if (!dlg_encoding__is_utf8(input_encoding)) {
		/* input.c passed through a byte that encoding rejected (see pass_rejected) */
		snprintf(out, cap, "the input is not valid %.40s here either; fix it or pass "
			 "another --input-encoding", input_encoding);
		return;
	}
	switch (dlg_encoding__guess(p, n)) {
	case DLG_GUESS_CP1252:
		snprintf(out, cap, "this looks like Windows-1252: pass --input-encoding cp1252");
		break;
	case DLG_GUESS_LATIN1:
		snprintf(out, cap, "this looks like Latin-1: pass --input-encoding latin1");
		break;
	case DLG_GUESS_NONE:
		snprintf(out, cap, "convert the file to UTF-8");
		break;
	}
}
