/*
 * locate.c - where a finding inside a JSON string points in the record's line (locate.h):
 * the text around a marker found again in the string it was decoded from, and mapped back
 * through the string's escapes to a byte column; and the short excerpt a finding quotes.
 * Uses error.c.
 */
#define _GNU_SOURCE /* memmem */
#include "locate.h"
#include "error.h"

#include <stdio.h>
#include <string.h>

/* The 4 hex digits at s (valid JSON), as a number. */
static uint32_t hex4(const char *s)
{
	uint32_t v = 0;
	for (int k = 0; k < 4; k++)
		v = v << 4 | (uint32_t)(s[k] <= '9' ? s[k] - '0' : (s[k] | 0x20) - 'a' + 10);
	return v;
}

/*
 * The character of a JSON string literal at s[i] (s[0, n) is valid JSON: cJSON read it), as
 * UTF-8 in out with its length in *len_out; returns the index after it.
 */
static size_t json_char(char out[4], size_t *len_out, const char *s, size_t n, size_t i)
{
	if (s[i] != '\\' || i + 1 >= n) {
		out[0] = s[i];
		*len_out = 1;
		return i + 1;
	}
	if (s[i + 1] != 'u' || i + 6 > n) {
		static const char escaped[] = "bfnrt", meant[] = "\b\f\n\r\t";
		const char *k = strchr(escaped, s[i + 1]);
		out[0] = k && *k ? meant[k - escaped] : s[i + 1]; /* or '"', '\\', '/' */
		*len_out = 1;
		return i + 2;
	}
	uint32_t cp = hex4(s + i + 2);
	i += 6;
	if (cp >= 0xD800 && cp < 0xDC00 && i + 6 <= n && s[i] == '\\' && s[i + 1] == 'u') {
		cp = 0x10000 + ((cp - 0xD800) << 10) + (hex4(s + i + 2) - 0xDC00);
		i += 6;
	}
	if (cp < 0x80) {
		out[0] = (char)cp;
		*len_out = 1;
	} else if (cp < 0x800) {
		out[0] = (char)(0xC0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3F));
		*len_out = 2;
	} else if (cp < 0x10000) {
		out[0] = (char)(0xE0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		*len_out = 3;
	} else {
		out[0] = (char)(0xF0 | cp >> 18);
		out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
		out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
		out[3] = (char)(0x80 | (cp & 0x3F));
		*len_out = 4;
	}
	return i;
}

/* How many bytes a long loop goes through between two looks at the cancel flag: the
 * DLG_CANCEL_STRIDE of unit.h, which this room does not see. */
#define POLL_BYTES ((size_t)256 << 10)

/*
 * Where the string literal whose decoded text is t[0, n) starts in the JSON line s[0, len)
 * (the byte after its opening quote): the only one that holds that text, or else the only
 * one of those that is the value of `key` (may be NULL); 0 when there is none such, or when
 * *cancel (may be NULL) became non-zero on the way.
 */
static size_t literal_of(const char *s, size_t len, const char *t, size_t n, const char *key,
			 const volatile sig_atomic_t *cancel)
{
	size_t found = 0, count = 0, found_keyed = 0, count_keyed = 0;
	size_t key_start = 0, key_end = 0; /* the literal before, s[key_start, key_end) */
	for (size_t i = 0, polled = 0; i < len; i++) {
		if (i - polled >= POLL_BYTES) {
			polled = i;
			if (cancel && *cancel)
				return 0;
		}
		if (s[i] != '"')
			continue;
		size_t start = i + 1, decoded = 0;
		bool same = true;
		for (i = start; i < len && s[i] != '"';) {
			if (i - polled >= POLL_BYTES) {
				polled = i;
				if (cancel && *cancel)
					return 0;
			}
			if (s[i] != '\\') { /* most of a string: one byte that stands for itself */
				same = same && decoded < n && t[decoded] == s[i];
				decoded++;
				i++;
				continue;
			}
			char c[4];
			size_t c_len;
			i = json_char(c, &c_len, s, len, i);
			same = same && decoded + c_len <= n && memcmp(t + decoded, c, c_len) == 0;
			decoded += c_len;
		}
		if (same && decoded == n) {
			found = start;
			count++;
			/* the value of key: `"key"`, blanks, ':', blanks, then this literal */
			size_t k = start - 1;
			while (k > key_end && strchr(" \t\r\n", s[k - 1]))
				k--;
			bool after_colon = k > key_end && s[--k] == ':';
			while (k > key_end && strchr(" \t\r\n", s[k - 1]))
				k--;
			if (key && after_colon && k == key_end + 1 &&
			    key_end - key_start == strlen(key) &&
			    memcmp(s + key_start, key, key_end - key_start) == 0) {
				found_keyed = start;
				count_keyed++;
			}
		}
		key_start = start;
		key_end = i;
	}
	return count == 1 ? found : count_keyed == 1 ? found_keyed : 0;
}

/* The occurrences of needle[0, k) in p[0, n) that start before p[before] (n: all). */
static size_t occurrences(const char *p, size_t n, const char *needle, size_t k, size_t before)
{
	size_t count = 0;
	for (const char *at = memmem(p, n, needle, k); at && (size_t)(at - p) < before;
	     at = memmem(at + 1, n - (size_t)(at + 1 - p), needle, k))
		count++;
	return count;
}

/*
 * The 1-based column in the JSON record's line of a marker at `line[at]`, a line of the text
 * being read into turns (docs/rules.md "Findings"): where the text from the line's start
 * through the marker's colon (line[0, end)) stands in the JSON string the text came from,
 * mapped through its escapes. 0 when that cannot be told for sure: the record is part of a
 * .json document, the string stands twice in the line, or reading changed the text around
 * the marker; and past the record's first DLG_MAX_LOCATED findings, so that a record costs
 * O(its length).
 */
uint32_t dlg_locate__json_column(dlg_json_origin *o, const char *line, size_t at, size_t end,
				 const volatile sig_atomic_t *cancel)
{
	if (!o->line || !o->copy || o->located == DLG_MAX_LOCATED)
		return 0;
	o->located++;
	size_t nth = occurrences(o->copy, o->copy_len, line, end, (size_t)(line - o->copy));
	if (occurrences(o->copy, o->copy_len, line, end, o->copy_len) !=
	    occurrences(o->text, o->text_len, line, end, o->text_len))
		return 0;
	const char *in_text = memmem(o->text, o->text_len, line, end);
	while (nth-- > 0)
		in_text = memmem(in_text + 1, o->text_len - (size_t)(in_text + 1 - o->text), line,
				 end);
	size_t target = (size_t)(in_text - o->text) + at;
	/* the string's literal, found once per string; the walk to the marker goes on from the
	 * last one when it is further: findings come in the string's order */
	if (o->seen_text != o->text || o->seen_len != o->text_len) {
		o->seen_text = o->text;
		o->seen_len = o->text_len;
		o->seen_at = literal_of(o->line, o->line_len, o->text, o->text_len, o->key,
					cancel);
		o->walk_target = o->walk_decoded = 0;
		o->walk_i = o->seen_at;
	}
	if (o->seen_at == 0)
		return 0;
	size_t i = o->seen_at, decoded = 0;
	if (target >= o->walk_target) {
		i = o->walk_i;
		decoded = o->walk_decoded;
	}
	for (size_t polled = i; decoded < target && i < o->line_len;) {
		if (i - polled >= POLL_BYTES) {
			polled = i;
			if (cancel && *cancel)
				return 0; /* the walk is left where it was */
		}
		char c[4];
		size_t c_len;
		i = json_char(c, &c_len, o->line, o->line_len, i);
		decoded += c_len;
	}
	o->walk_target = target;
	o->walk_decoded = decoded;
	o->walk_i = i;
	return i < UINT32_MAX ? (uint32_t)i + 1 : 0;
}

/*
 * A short excerpt of the line p[0, n) around p[at] for a finding's message, into out: at most
 * 12 bytes before it and 40 in all, cut on character boundaries and without blanks at its
 * ends, "..." where the line's text goes on, quoted and escaped as in JSON.
 */
void dlg_locate__excerpt(char *out, size_t cap, const char *p, size_t n, size_t at)
{
	size_t start = 0, end = n;
	while (start < at && dlg_is_blank(p[start]))
		start++;
	while (end > at && dlg_is_blank(p[end - 1]))
		end--;
	size_t from = at - start > 12 ? at - 12 : start;
	while (from < at && (((uint8_t)p[from] & 0xC0) == 0x80 || dlg_is_blank(p[from])))
		from++;
	size_t to = end - from > 40 ? from + 40 : end;
	while (to > at && to < end && ((uint8_t)p[to] & 0xC0) == 0x80)
		to--;
	while (to > at && dlg_is_blank(p[to - 1]))
		to--;
	char quoted[128];
	dlg_error__quote(quoted, sizeof quoted, p + from, to - from);
	snprintf(out, cap, "\"%s%s%s\"", from > start ? "..." : "", quoted, to < end ? "..." : "");
}
