/*
 * encoding.h - which legacy encoding invalid UTF-8 looks like, for E101's advice
 * (encoding.c).
 */
#ifndef DLG_ENCODING_H
#define DLG_ENCODING_H

#include "internal.h"

/** Whether an --input-encoding name means UTF-8 (NULL, "UTF-8" or "utf8" in any case). */
bool dlg_encoding__is_utf8(const char *name);

typedef enum dlg_encoding_guess {
	DLG_GUESS_NONE = 0, /* not a single-byte legacy text: damaged UTF-8, UTF-16, mixed */
	DLG_GUESS_CP1252,   /* bad bytes include 0x80-0x9F ones that Windows-1252 defines */
	DLG_GUESS_LATIN1    /* bad bytes all 0xA0-0xFF */
} dlg_encoding_guess;

/**
 * How many bytes at s[0, n) (s[0] >= 0x80) begin a well-formed UTF-8 sequence (no overlong
 * forms, surrogates or code points past U+10FFFF, as Python's strict decoder has it): its
 * length when it is complete, else 0 with *prefix = how many of its bytes were still right.
 */
size_t dlg_encoding__utf8_sequence(size_t *prefix, const uint8_t *s, size_t n);

/** Which legacy encoding the invalid UTF-8 in p[0, n) looks like (a whole input or a line). */
dlg_encoding_guess dlg_encoding__guess(const char *p, size_t n);

/**
 * E101's advice for p[0, n) into out[0, cap) (NUL-terminated, under 120 bytes): which
 * --input-encoding to pass, or to convert the file; or, when `input_encoding` (may be NULL)
 * is not UTF-8, that the input is not valid in that encoding either.
 */
void dlg_encoding__hint(char *out, size_t cap, const char *p, size_t n,
			const char *input_encoding);

#endif
