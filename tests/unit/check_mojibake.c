/*
 * check_mojibake.c - mojibake.c: repairs of mis-decoded text (cases made by decoding real
 * words as Windows-1252 or Latin-1, as scripts/mojibake-corpus.py does, and the examples of
 * ftfy issues #203 and #192), legitimate text that must survive, idempotence, find() against
 * repair(), reported locations, and allocation failures.
 */
#include "helpers.h"
#include "lib/buf.h"
#include "lib/mojibake.h"
#include "lib/normalize.h"

#include <stdlib.h>
#include <string.h>

typedef struct repair_case {
	const char *in;
	const char *want;
} repair_case;

/* Generated from `scripts/mojibake-corpus.py --expected`; keep the two in step. */
static const repair_case positives[] = {
	{ "Iâ€™m fine, thanks", "I’m fine, thanks" },
	{ "donâ€™t worry", "don’t worry" },
	{ "He said â€œhelloâ€\xc2\x9d and left", "He said “hello” and left" },
	{ "It costs â‚¬5 â€” cheap", "It costs €5 — cheap" },
	{ "Waitâ€¦ what?", "Wait… what?" },
	{ "â€¢ first item", "• first item" },
	{ "Microsoftâ„¢ Word", "Microsoft™ Word" },
	{ "Je vais au cafÃ©", "Je vais au café" },
	{ "dÃ©jÃ\xc2\xa0 vu", "déjà vu" },
	{ "Ã\xc2\xa0 la carte", "à la carte" },
	{ "crÃ¨me brÃ»lÃ©e", "crème brûlée" },
	{ "Joyeux NoÃ«l", "Joyeux Noël" },
	{ "Ã‰cole normale", "École normale" },
	{ "Â¿QuÃ© tal?", "¿Qué tal?" },
	{ "maÃ±ana por la maÃ±ana", "mañana por la mañana" },
	{ "NicolÃ¡s quiere mÃ¡s", "Nicolás quiere más" },
	{ "o coraÃ§Ã£o", "o coração" },
	{ "Ele Ã© bom", "Ele é bom" },
	{ "GrÃ¶ÃŸe und StraÃŸe", "Größe und Straße" },
	{ "Ã–sterreich", "Österreich" },
	{ "fÃ¼r MÃ¼ller", "für Müller" },
	{ "TromsÃ¸ og blÃ¥bÃ¦r", "Tromsø og blåbær" },
	{ "GÃ¶teborg och MalmÃ¶", "Göteborg och Malmö" },
	{ "zÅ‚oty", "złoty" },
	{ "oni majÄ… psa", "oni mają psa" },
	{ "Å\xc2\x81Ã³dÅº", "Łódź" },
	{ "DvoÅ™Ã¡k", "Dvořák" },
	{ "È™i aÈ™a", "și așa" },
	{ "Èšara RomÃ¢neascÄƒ", "Țara Românească" },
	{ "AzÉ™rbaycan", "Azərbaycan" },
	{ "tiáº¿ng Viá»‡t", "tiếng Việt" },
	{ "Ð¿Ñ€Ð¸Ð²ÐµÑ‚", "привет" },
	{ "ÐœÐ¾Ñ\xc2\x81ÐºÐ²Ð° Ð¸ ÐšÐ¸ÐµÐ²", "Москва и Киев" },
	{ "ÎºÎ±Î»Î·Î¼Î\xc2\xadÏ\xc2\x81Î±", "καλημέρα" },
	{ "×©×œ×•×\xc2\x9d ×¢×•×œ×\xc2\x9d", "שלום עולם" },
	{ "Ù…Ø±Ø\xc2\xadØ¨Ø§", "مرحبا" },
	{ "à¤¨à¤®à¤¸à¥\xc2\x8dà¤¤à¥‡", "नमस्ते" },
	{ "ä½\xc2\xa0å¥½", "你好" },
	{ "æ—¥æœ¬èªž", "日本語" },
	{ "ì•ˆë…•í•˜ì„¸ìš”", "안녕하세요" },
	{ "great ðŸ˜€", "great 😀" },
	{ "thanks ðŸ‘\xc2\x8d", "thanks 👍" },
	{ "âœ” done", "✔ done" },
	{ "next â†’ step", "next → step" },
	{ "ÃžÃ³rÃ°ur", "Þórður" },
	{ "ErdÅ‘s PÃ¡l", "Erdős Pál" },
	{ "1920Ã—1080", "1920×1080" },
	{ "25Â°C", "25°C" },
	{ "Â£10", "£10" },
	{ "Â© 2024", "© 2024" },
	{ "Iâ\xc2\x80\xc2\x99ll be there", "I’ll be there" },
	{ "naÃ¯ve cafÃ©", "naïve café" },
	{ "I\xc2\x92ll be there", "I’ll be there" },
	{ "\xc2\x93quoted\xc2\x94", "“quoted”" },
	{ "He said â€œhiâ€�", "He said “hi”" },
	{ "He said â€œhiâ€", "He said “hi”" },
	{ "cafÃƒÂ©", "café" },
	{ "IÃ¢â‚¬â„¢m", "I’m" },
	{ "ÃƒÆ’Ã‚Â©", "é" },
	{ "SÃ³ isso", "Só isso" },
	{ "SÄ… tam", "Są tam" },
	{ "RÄ“zekne", "Rēzekne" },
	{ "MÃ…L", "MÅL" },
	{ "GREÅ\xc2\xa0KA", "GREŠKA" },
	{ "KÄ—dainiai", "Kėdainiai" },
	{ "an tÃšSÃ\xc2\x81IDEOIR", "an tÚSÁIDEOIR" },
	{ "Belle Ã\xc2\x89poque", "Belle Époque" },
	{ "EintrÃ¤ge (Â»fuzzyÂ«)", "Einträge (»fuzzy«)" },
	{ "Feil ved lesing av Â«%sÂ»", "Feil ved lesing av «%s»" },
	{ "Je tâ€™aime â\xc2\x9d¤ï¸\xc2\x8f", "Je t’aime ❤️" },
	{ "ä¾‹: 2006", "例: 2006" },
	{ "ï»¿hello", "\xef\xbb\xbfhello" },
	{ "Bremer/Mccoy – DrÃ¥ber", "Bremer/Mccoy – Dråber" },
	{ "Ã…lesund", "Ålesund" },
	{ "Ä°stanbul", "İstanbul" },
	{ "RÄ«ga", "Rīga" },
};

static const char *const negatives[] = {
	"CAFÉ…", "„Gruß“", "SÃO PAULO", "naïve", "Ångström", "1°C", "£5", "ÂGE", "«Ça va?»",
	"Ñandú", "¿Qué?", "¡Olé!", "© 2024", "½ cup", "×2", "IRMÃ…", "Das „Ä“ ist ein Umlaut",
	"Sie sagte „SCHLÄ“.", "She said ‘café’” and left", "Ela disse «está»…", "OÙ…", "ÉTÉ…",
	"IRMÃ—", "NÃO!", "MAÇÃ®", "A–Z and Ä–Z", "Zoë’s", "À bientôt", "Æsop’s fables", "ÞÓRÐUR",
	"Ça—oui", "Größe“", "Tromsø”", "5 €", "0,5 ‰", "Œuvre", "cœur", "Š", "žena", "São Paulo…",
	"IRMÃ\xc2\xa0" "E", "«AMANHÔ", "3 × 4", "Ø\xc2\xa0" "10 mm", "voilà »", "Ñ»", "TAMBÉM…",
	"ÓRGÃO", "Dvořák", "Ÿ", "x² + y³", "Ü‘", "Ã", "â", "Officiâš´le", "LegaA¯a",
	"PowerHouseâ\"¢", "– Drå", "Il était là…»", "Ëa", "ÀÉÎÕÜ", "AÇÃO…", "«AÇÃO»", "PÃO”",
	"Ò…", "Ì…", "Õ–", "“Ã”", "(Ã)", "Ê»", "ß…", "Þ”", "Ð…", "ë…”", "è’’", "ñ…”", "ö", "é»¹",
	"ÿ", "Sie rief „MÄ“", "Han sa ”PÅ”.", "He wrote “‘é’”", "the café”† note",
	"«\xc2\xa0voilà\xc2\xa0»", "Nº 5, 1ª, ¼ kg", "við…”", "tiếng Việt", "Der Buchstabe »Ä«",
	"litera «Â»", "Întâlnirea, menită", "AV1â€ (AVIF)", "Einâ€/Ausgabe",
};

/* repair(s) as a NUL-terminated string (caller frees), and what it found. */
static char *repaired(dlg_mojibake_found *found, const char *s, size_t n)
{
	dlg_buf b;
	dlg_buf__init(&b, NULL, DLG_BUF_UNCAPPED);
	dlg_error err;
	ck_assert_int_eq(dlg_mojibake__repair(&b, found, s, n, NULL, &err), DLG_OK);
	char *out = NULL;
	ck_assert_int_eq(dlg_buf__take_string(&out, &b, DLG_OK, &err), DLG_OK);
	return out;
}

/* Stable under a second repair, and find() reports what repair() did. */
static void check_consistent(const char *in, const char *out)
{
	dlg_mojibake_found f, g;
	char *again = repaired(&f, out, strlen(out));
	if (f.count != 0 || strcmp(again, out) != 0)
		ck_abort_msg("repairing \"%s\" again gives \"%s\" (%zu)", out, again, f.count);
	free(again);
	char *first = repaired(&f, in, strlen(in));
	dlg_mojibake__find(&g, in, strlen(in), NULL);
	if (f.count != g.count || f.first_off != g.first_off || f.first_len != g.first_len)
		ck_abort_msg("find and repair disagree on \"%s\": %zu@%zu+%zu vs %zu@%zu+%zu", in,
			     g.count, g.first_off, g.first_len, f.count, f.first_off, f.first_len);
	free(first);
}

START_TEST(test_mojibake_repairs_misdecoded_text)
{
	const repair_case *c = &positives[_i];
	dlg_mojibake_found f;
	char *out = repaired(&f, c->in, strlen(c->in));
	ck_assert_str_eq(out, c->want);
	ck_assert_uint_gt(f.count, 0);
	check_consistent(c->in, out);
	free(out);
}
END_TEST

START_TEST(test_mojibake_keeps_legitimate_text)
{
	const char *in = negatives[_i];
	dlg_mojibake_found f;
	char *out = repaired(&f, in, strlen(in));
	ck_assert_str_eq(out, in);
	ck_assert_uint_eq(f.count, 0);
	ck_assert_uint_eq(f.first_off, 0);
	ck_assert_uint_eq(f.first_len, 0);
	dlg_mojibake__find(&f, in, strlen(in), NULL);
	ck_assert_uint_eq(f.count, 0);
	free(out);
}
END_TEST

START_TEST(test_mojibake_reports_first_sequence)
{
	static const struct {
		const char *in;
		size_t count, off, len;
	} cases[] = {
		{ "plain ASCII", 0, 0, 0 },
		{ "café naïve", 0, 0, 0 },
		{ "Iâ€™m fine", 1, 1, 8 },
		{ "cafÃ©", 1, 3, 4 },
		{ "I\xc2\x92ll", 1, 1, 2 },         /* a lone C1 control */
		{ "said â€œhiâ€", 2, 5, 7 },
		{ "â€œhiâ€", 2, 0, 7 },             /* "”" without its last byte */
		{ "“hiâ€\xef\xbf\xbd.", 1, 5, 8 },   /* ... or with U+FFFD for it */
		{ "hiâ€.", 0, 0, 0 },               /* no quotation open: maybe not "”" */
		{ "x ðŸ˜€", 1, 2, 9 },
		{ "ÃƒÂ©", 2, 0, 4 },                /* twice mis-decoded: two sequences */
		{ "Ð¿Ñ€Ð¸", 3, 0, 4 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		dlg_mojibake_found f = { 99, 99, 99 }, g = { 99, 99, 99 };
		char *out = repaired(&f, cases[i].in, strlen(cases[i].in));
		dlg_mojibake__find(&g, cases[i].in, strlen(cases[i].in), NULL);
		ck_assert_msg(f.count == cases[i].count && f.first_off == cases[i].off &&
				      f.first_len == cases[i].len,
			      "case %zu: %zu@%zu+%zu", i, f.count, f.first_off, f.first_len);
		ck_assert_uint_eq(g.count, f.count);
		ck_assert_uint_eq(g.first_off, f.first_off);
		ck_assert_uint_eq(g.first_len, f.first_len);
		free(out);
	}
}
END_TEST

START_TEST(test_mojibake_appends_and_accepts_null_found)
{
	dlg_buf b;
	dlg_buf__init(&b, NULL, DLG_BUF_UNCAPPED);
	ck_assert_int_eq(dlg_buf__append(&b, "> ", 2, NULL), DLG_OK);
	const char *in = "cafÃ© ÃƒÂ©";
	ck_assert_int_eq(dlg_mojibake__repair(&b, NULL, in, strlen(in), NULL, NULL), DLG_OK);
	ck_assert_uint_eq(b.len, strlen("> café é"));
	ck_assert(memcmp(b.data, "> café é", b.len) == 0);
	dlg_buf__dispose(&b);
}
END_TEST

/* Random strings over the characters mojibake is made of: stable, agreeing, valid UTF-8. */
START_TEST(test_mojibake_repair_is_idempotent)
{
	static const char *const alphabet[] = {
		"a", "Z", " ", ".", "\"", "Ã", "Â", "Å", "Ä", "â", "ð", "é", "Ð", "Ñ", "©", "°",
		"€", "™", "”", "“", "’", "…", "Ÿ", "š", "ƒ", "»", "«", "–", "—", "„", "¿", "ã",
		"ï", "Î", "\xc2\xa0", "\xc2\x9d", "\xc2\x81", "\xc2\x92", "\xc2\x85", "\xc2\x9f",
		"\xc2\x83", "\xef\xbf\xbd",
	};
	const size_t n_alpha = sizeof alphabet / sizeof alphabet[0];
	uint64_t seed = 42;
	size_t changed = 0;
	for (int iter = 0; iter < 50000; iter++) {
		char in[256];
		size_t n = 0;
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		int len = 1 + (int)((seed >> 33) % 24);
		for (int k = 0; k < len; k++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			const char *piece = alphabet[(seed >> 33) % n_alpha];
			memcpy(in + n, piece, strlen(piece));
			n += strlen(piece);
		}
		in[n] = '\0';
		dlg_mojibake_found f, g;
		char *out = repaired(&f, in, n);
		dlg_mojibake__find(&g, in, n, NULL);
		changed += f.count > 0;
		/* plain ifs: every passing ck_assert costs Check a write to its pipe */
		if (f.count != g.count || f.first_off != g.first_off || f.first_len != g.first_len)
			ck_abort_msg("find and repair disagree on \"%s\"", in);
		size_t bad;
		if (dlg_normalize__check_bytes(&bad, out, strlen(out)) != 0)
			ck_abort_msg("invalid UTF-8 from \"%s\"", in);
		char *again = repaired(&g, out, strlen(out));
		if (g.count != 0 || strcmp(again, out) != 0)
			ck_abort_msg("\"%s\" -> \"%s\" -> \"%s\"", in, out, again);
		free(again);
		free(out);
	}
	ck_assert_uint_gt(changed, 10000); /* the alphabet makes plenty of candidates */
}
END_TEST

START_TEST(test_mojibake_out_of_memory_and_limit)
{
	/* one allocation for the output, one for the second layer of "ÃƒÂ©" */
	const char *in = "cafÃƒÂ© and more text after it";
	for (long fail_at = 1;; fail_at++) {
		failing_alloc fa;
		failing_alloc_init(&fa, fail_at);
		dlg_buf b;
		dlg_buf__init(&b, &fa.a, DLG_BUF_UNCAPPED);
		dlg_error err;
		dlg_status st = dlg_mojibake__repair(&b, NULL, in, strlen(in), NULL, &err);
		dlg_buf__dispose(&b);
		ck_assert_int_eq(fa.live, 0);
		if (st == DLG_OK) {
			ck_assert_int_ge(fail_at, 3);
			break;
		}
		ck_assert_int_eq(st, DLG_E_NOMEM);
	}
	dlg_buf b;
	dlg_buf__init(&b, NULL, 4);
	dlg_error err;
	ck_assert_int_eq(dlg_mojibake__repair(&b, NULL, in, strlen(in), NULL, &err), DLG_E_LIMIT);
	dlg_buf__dispose(&b);
}
END_TEST

Suite *mojibake_suite(void)
{
	Suite *s = suite_create("mojibake");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_mojibake_repairs_misdecoded_text, 0,
			    (int)(sizeof positives / sizeof positives[0]));
	tcase_add_loop_test(tc, test_mojibake_keeps_legitimate_text, 0,
			    (int)(sizeof negatives / sizeof negatives[0]));
	tcase_add_test(tc, test_mojibake_reports_first_sequence);
	tcase_add_test(tc, test_mojibake_appends_and_accepts_null_found);
	tcase_add_test(tc, test_mojibake_repair_is_idempotent);
	tcase_add_test(tc, test_mojibake_out_of_memory_and_limit);
	suite_add_tcase(s, tc);
	return s;
}
