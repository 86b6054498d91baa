#define _GNU_SOURCE
#include "helpers.h"
#include "lib/normalize.h"

#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <utf8proc.h>

START_TEST(test_normalize_check_bytes)
{
	size_t bad = 99;
	ck_assert_int_eq(dlg_normalize__check_bytes(&bad, "plain \xc3\xa9 text", 13), 0);
	ck_assert_int_eq(dlg_normalize__check_bytes(&bad, "ab\xc0\xaf", 4), DLG_DIAG_INVALID_UTF8);
	ck_assert_uint_eq(bad, 2); /* overlong '/' */
	ck_assert_int_eq(dlg_normalize__check_bytes(&bad, "a\xed\xa0\x80", 4),
			 DLG_DIAG_INVALID_UTF8); /* surrogate */
	ck_assert_uint_eq(bad, 1);
	ck_assert_int_eq(dlg_normalize__check_bytes(&bad, "abc\xe2\x82", 5), DLG_DIAG_INVALID_UTF8);
	ck_assert_uint_eq(bad, 3); /* truncated at the end */
	ck_assert_int_eq(dlg_normalize__check_bytes(&bad, "\xff" "a\0b", 4), DLG_DIAG_BINARY);
	ck_assert_uint_eq(bad, 2);
}
END_TEST

START_TEST(test_normalize_count_chars)
{
	ck_assert_uint_eq(dlg_normalize__count_chars("caf\xc3\xa9 \xf0\x9f\x99\x82", 10), 6);
}
END_TEST

static bool nfc_keeps(const utf8proc_int32_t *cps, size_t n, bool nfkc)
{
	uint8_t in[32];
	utf8proc_ssize_t len = 0;
	for (size_t i = 0; i < n; i++)
		len += utf8proc_encode_char(cps[i], in + len);
	utf8proc_option_t flags = (utf8proc_option_t)(UTF8PROC_STABLE | UTF8PROC_COMPOSE |
						      (nfkc ? UTF8PROC_COMPAT : 0));
	utf8proc_int32_t buf[64];
	utf8proc_ssize_t m = utf8proc_decompose(in, len, buf, 63, flags);
	if (m < 0 || m >= 63)
		return false;
	m = utf8proc_reencode(buf, m, flags);
	return m == len && memcmp(buf, in, (size_t)len) == 0;
}

/* The quick check may only skip utf8proc where utf8proc would change nothing. */
START_TEST(test_normalize_quick_check_is_exact_over_all_code_points)
{
	bool nfkc = _i == 1;
	static const utf8proc_int32_t starters[] = { 'a', 'e', 0x3042 /* あ */, 0xAC00 /* 가 */,
						     0x1100 /* ᄀ */, 0x0915 /* क */ };
	size_t skipped = 0;
	for (utf8proc_int32_t cp = 0; cp <= 0x10FFFF; cp++) {
		if ((cp >= 0xD800 && cp <= 0xDFFF) || cp == 0)
			continue;
		if (dlg_normalize__may_change(cp, nfkc))
			continue;
		skipped++;
		/* plain ifs: every passing ck_assert costs Check a write to its pipe */
		utf8proc_int32_t one[1] = { cp };
		if (!nfc_keeps(one, 1, nfkc))
			ck_abort_msg("U+%04X alone changes", (unsigned)cp);
		for (size_t s = 0; s < sizeof starters / sizeof starters[0]; s++) {
			if (dlg_normalize__may_change(starters[s], nfkc))
				continue;
			utf8proc_int32_t pair[2] = { starters[s], cp };
			if (!nfc_keeps(pair, 2, nfkc))
				ck_abort_msg("U+%04X after U+%04X changes", (unsigned)cp,
					     (unsigned)starters[s]);
		}
	}
	/* and it must actually skip most of Unicode, or it is no quick check */
	ck_assert_uint_gt(skipped, 1000000);
}
END_TEST

START_TEST(test_normalize_nfc_composes_nfd)
{
	harness h;
	harness_init(&h);
	harness_run(&h, "### Human: Cafe\xcc\x81 Zoe\xcc\x88\n### Assistant: \xe2\x84\xab ok\n");
	ck_assert_str_eq(turn_text(&h, 0), "Caf\xc3\xa9 Zo\xc3\xab");
	ck_assert_str_eq(turn_text(&h, 1), "\xc3\x85 ok"); /* U+212B ANGSTROM -> U+00C5 */
	ck_assert_uint_eq(h.unit.fixes[DLG_FIX_UNICODE_NORM], 2);
	harness_dispose(&h);
}
END_TEST

START_TEST(test_normalize_spaces_controls_and_invisibles)
{
	harness h;
	harness_init(&h);
	harness_run(&h, "### Human: a\xc2\xa0" "b\xe2\x80\xaf" "c\xe2\x80\x8b" "d\x07" "e\xc2\xad"
			"f\xef\xbb\xbfg\n"
			"### Assistant: zwj \xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb "
			"\xe2\x80\x8c kept\n");
	ck_assert_str_eq(turn_text(&h, 0), "a b cdefg");
	ck_assert_str_eq(turn_text(&h, 1),
			 "zwj \xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb \xe2\x80\x8c kept");
	ck_assert_uint_eq(h.unit.fixes[DLG_FIX_SPACE], 2);
	ck_assert_uint_eq(h.unit.fixes[DLG_FIX_CONTROL], 4);
	ck_assert(has_diag_at(&h, DLG_DIAG_INVISIBLE_REMOVED, 1, 20));
	ck_assert_uint_eq(count_diag(&h, DLG_DIAG_INVISIBLE_REMOVED), 1);
	harness_dispose(&h);
}
END_TEST

START_TEST(test_normalize_whitespace)
{
	harness h;
	harness_init(&h);
	harness_run(&h, "### Human:   \n\n  lead  \n\n\n\n\n  indented\tline\t \n\n\n"
			"### Assistant: a\n\nb\n");
	/* leading blanks of the turn go; inner indentation and tabs stay */
	ck_assert_str_eq(turn_text(&h, 0), "lead\n\n  indented\tline");
	ck_assert_str_eq(turn_text(&h, 1), "a\n\nb");
	ck_assert_uint_eq(h.unit.fixes[DLG_FIX_BLANK_LINES], 1);
	ck_assert_uint_eq(h.unit.fixes[DLG_FIX_TRAILING_SPACE], 3);
	harness_dispose(&h);
}
END_TEST

/* A JSON record of a user turn `text` (escaped here) and a reply. */
static void record_of(char *out, size_t cap, const char *text)
{
	size_t n = (size_t)snprintf(out, cap, "{\"messages\":[{\"role\":\"user\",\"content\":\"");
	for (const char *c = text; *c && n + 8 < cap; c++)
		n += (size_t)snprintf(out + n, cap - n, "%s", *c == '\n' ? "\\n" :
					     *c == '\t' ? "\\t" : (char[2]){ *c, 0 });
	snprintf(out + n, cap - n, "\"},{\"role\":\"assistant\",\"content\":\"ok\"}]}");
}

/* A turn of printable ASCII in lines is copied whole rather than walked line by line: it
 * must come out as the line walk makes it. The same text with a blank at each line's end
 * takes the walk (which drops those blanks): both give one text, tidied alike. */
START_TEST(test_normalize_plain_turn_as_the_line_walk)
{
	static const char *const texts[] = {
		"a\n\nb", "\n\n lead\n\n\n\nx\t y\n\n", "x", "  indented\n\ttab\nend\n",
		"one\n\n\n\n\ntwo\n\n\nthree", "*nods* fine\n\n*sighs*",
	};
	for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++) {
		char walked[256], json[512];
		size_t n = 0;
		for (const char *c = texts[k]; *c; c++) {
			if (*c == '\n')
				walked[n++] = ' ';
			walked[n++] = *c;
		}
		walked[n++] = ' ';
		walked[n] = '\0';
		char plain_text[256];
		uint64_t plain_blank_lines;
		size_t plain_stages;
		for (int pass = 0; pass < 2; pass++) {
			harness h;
			harness_init(&h);
			record_of(json, sizeof json, pass ? walked : texts[k]);
			ck_assert_int_eq(harness_run_record(&h, json, false), DLG_OK);
			if (pass == 0) {
				snprintf(plain_text, sizeof plain_text, "%s", turn_text(&h, 0));
				plain_blank_lines = h.unit.fixes[DLG_FIX_BLANK_LINES];
				plain_stages = turn_n_stage(&h, 0);
				ck_assert_uint_eq(h.unit.fixes[DLG_FIX_TRAILING_SPACE], 0);
			} else {
				ck_assert_str_eq(turn_text(&h, 0), plain_text);
				ck_assert_uint_eq(h.unit.fixes[DLG_FIX_BLANK_LINES],
						  plain_blank_lines);
				ck_assert_uint_eq(turn_n_stage(&h, 0), plain_stages);
				ck_assert_uint_gt(h.unit.fixes[DLG_FIX_TRAILING_SPACE], 0);
			}
			harness_dispose(&h);
		}
	}
}
END_TEST

START_TEST(test_normalize_ascii_punct_only_when_asked)
{
	harness h;
	harness_init(&h);
	const char *t = "### Human: \xe2\x80\x9cq\xe2\x80\x9d \xe2\x80\x98s\xe2\x80\x99 "
			"a\xe2\x80\x94" "b\xe2\x80\xa6\n### Assistant: ok\n";
	harness_run(&h, t);
	ck_assert_str_eq(turn_text(&h, 0), "\xe2\x80\x9cq\xe2\x80\x9d \xe2\x80\x98s\xe2\x80\x99 "
			 "a\xe2\x80\x94" "b\xe2\x80\xa6");
	harness_dispose(&h);
	harness_init(&h);
	h.opts.ascii_punct = 1;
	harness_run(&h, t);
	ck_assert_str_eq(turn_text(&h, 0), "\"q\" 's' a-b...");
	ck_assert_uint_eq(h.unit.fixes[DLG_FIX_ASCII_PUNCT], 6);
	harness_dispose(&h);
}
END_TEST

/* Every NFD sequence that NFC composes back must hold a code point the quick check flags. */
START_TEST(test_normalize_quick_check_flags_every_decomposed_sequence)
{
	size_t composites = 0;
	for (utf8proc_int32_t cp = 0x80; cp <= 0x10FFFF; cp++) {
		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		utf8proc_int32_t seq[8];
		int boundclass = 0;
		utf8proc_ssize_t n = utf8proc_decompose_char(cp, seq, 8, UTF8PROC_DECOMPOSE,
							     &boundclass);
		if (n < 2 || n > 8 || !nfc_keeps(&cp, 1, false))
			continue; /* not a composite NFC keeps (e.g. an exclusion like U+0F43) */
		composites++;
		bool flagged = false;
		for (utf8proc_ssize_t k = 0; k < n; k++)
			flagged |= dlg_normalize__may_change(seq[k], false);
		if (!flagged)
			ck_abort_msg("NFD of U+%04X is not flagged", (unsigned)cp);
	}
	ck_assert_uint_gt(composites, 10000); /* Hangul syllables alone are 11172 */
}
END_TEST

Suite *normalize_suite(void)
{
	Suite *s = suite_create("normalize");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_normalize_check_bytes);
	tcase_add_test(tc, test_normalize_count_chars);
	tcase_add_test(tc, test_normalize_nfc_composes_nfd);
	tcase_add_test(tc, test_normalize_spaces_controls_and_invisibles);
	tcase_add_test(tc, test_normalize_whitespace);
	tcase_add_test(tc, test_normalize_plain_turn_as_the_line_walk);
	tcase_add_test(tc, test_normalize_ascii_punct_only_when_asked);
	suite_add_tcase(s, tc);
	TCase *slow = tcase_create("quick_check");
	tcase_set_timeout(slow, 300);
	tcase_add_loop_test(slow, test_normalize_quick_check_is_exact_over_all_code_points, 0, 2);
	tcase_add_test(slow, test_normalize_quick_check_flags_every_decomposed_sequence);
	suite_add_tcase(s, slow);
	return s;
}
