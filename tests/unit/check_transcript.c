#define _GNU_SOURCE
#include "helpers.h"

#include <stdio.h>

#include <string.h>

START_TEST(test_transcript_marker_grammar)
{
	harness h;
	harness_init(&h);
	harness_run(&h, "### Human: a\n"
			"ASSISTANT: b\n"        /* no hashes, any case */
			"  ##human :c\n"        /* indent, two hashes, space before colon */
			"###### Assistant: d\n" /* six hashes */
			"####### Human: e\n"    /* seven: text */
			"### Assistant: f\n");
	ck_assert_uint_eq(n_turns(&h), 5);
	ck_assert_int_eq(turn_role(&h, 0), DLG_ROLE_USER);
	ck_assert_int_eq(turn_role(&h, 1), DLG_ROLE_ASSISTANT);
	ck_assert_int_eq(turn_role(&h, 2), DLG_ROLE_USER);
	ck_assert_str_eq(turn_text(&h, 2), "c");
	ck_assert_str_eq(turn_text(&h, 3), "d\n####### Human: e");
	ck_assert(has_diag_at(&h, DLG_DIAG_NONCANONICAL_MARKER, 2, 1));
	ck_assert_uint_eq(count_diag(&h, DLG_DIAG_NONCANONICAL_MARKER), 1);
	harness_dispose(&h);
}
END_TEST

START_TEST(test_transcript_canonical_markers_give_no_warning)
{
	harness h;
	harness_init(&h);
	harness_run(&h, "### Human: a\n### Assistant:\nb on the next line\n");
	ck_assert_uint_eq(count_diag(&h, DLG_DIAG_NONCANONICAL_MARKER), 0);
	ck_assert_str_eq(turn_text(&h, 1), "b on the next line");
	ck_assert_uint_eq(h.unit.diags.len, 0);
	harness_dispose(&h);
}
END_TEST

START_TEST(test_transcript_unknown_labels)
{
	harness h;
	harness_init(&h);
	harness_run(&h, "### Human: q\n"
			"### Assistant: a\n"
			"### Ingredients:\n"      /* nothing after the colon: W308 */
			"## Output (a): x\n"      /* two hashes: W308 */
			"Note: prose stays\n"     /* no hashes, unknown: plain text */
			"### Therapist: hello\n"); /* a speaker turn: E205 */
	ck_assert(has_diag_at(&h, DLG_DIAG_UNKNOWN_LABEL_KEPT, 3, 1));
	ck_assert(has_diag_at(&h, DLG_DIAG_UNKNOWN_LABEL_KEPT, 4, 1));
	ck_assert_uint_eq(count_diag(&h, DLG_DIAG_UNKNOWN_LABEL_KEPT), 2);
	ck_assert(has_diag_at(&h, DLG_DIAG_UNKNOWN_ROLE, 6, 1));
	ck_assert(h.unit.rejected);
	ck_assert_uint_eq(n_turns(&h), 2);
	harness_dispose(&h);
}
END_TEST

START_TEST(test_transcript_role_option_maps_and_overrides)
{
	harness h;
	harness_init(&h);
	dlg_role_label roles[] = { { "Lucky", DLG_ROLE_ASSISTANT }, { "human", DLG_ROLE_USER } };
	h.opts.roles = roles;
	h.opts.n_roles = 2;
	harness_run(&h, "### Human: hi\n### Lucky: woof\n");
	ck_assert_uint_eq(n_turns(&h), 2);
	ck_assert_int_eq(turn_role(&h, 1), DLG_ROLE_ASSISTANT);
	/* "human" replaced "Human", so "### Human:" is no longer the canonical spelling */
	ck_assert_uint_eq(count_diag(&h, DLG_DIAG_NONCANONICAL_MARKER), 1);
	ck_assert_uint_eq(count_diag(&h, DLG_DIAG_UNKNOWN_ROLE), 0);
	harness_dispose(&h);
}
END_TEST

START_TEST(test_transcript_preamble_and_locations)
{
	harness h;
	harness_init(&h);
	harness_run(&h, "\xef\xbb\xbf\n  Sure! Here you go:\r\n---\r\n### Human: a\r\n### Assistant: b\r\n");
	ck_assert(has_diag_at(&h, DLG_DIAG_PREAMBLE_DROPPED, 2, 3));
	ck_assert_uint_eq(h.unit.fixes[DLG_FIX_BOM], 1);
	ck_assert_uint_eq(h.unit.fixes[DLG_FIX_CRLF], 4);
	ck_assert_uint_eq(n_turns(&h), 2);
	ck_assert_str_eq(turn_text(&h, 0), "a");
	ck_assert_uint_eq(h.unit.preamble.len, 0);
	harness_dispose(&h);
	harness_init(&h);
	h.opts.keep_preamble = 1;
	harness_run(&h, "Sure!\n\n---\n### Human: a\n### Assistant: b\n");
	ck_assert_uint_eq(count_diag(&h, DLG_DIAG_PREAMBLE_DROPPED), 0);
	ck_assert_uint_eq(h.unit.preamble.len, 10);
	const char *meta = "\"meta\":{\"preamble\":\"Sure!\\n\\n---\"}";
	ck_assert_ptr_nonnull(memmem(h.unit.json.data, h.unit.json.len, meta, strlen(meta)));
	harness_dispose(&h);
}
END_TEST

START_TEST(test_transcript_bytes)
{
	harness h;
	harness_init(&h);
	harness_run(&h, "### Human: ok\n### Assistant: caf\xe9\n");
	ck_assert(has_diag_at(&h, DLG_DIAG_INVALID_UTF8, 2, 19));
	ck_assert_uint_eq(h.unit.diags.len / sizeof(dlg_diag), 1);
	ck_assert(h.unit.rejected);
	harness_dispose(&h);
}
END_TEST

START_TEST(test_transcript_marker_in_text_and_unbalanced_star)
{
	harness h;
	harness_init(&h);
	harness_run(&h, "### Human: I said Assistant: do it. *sighs\n"
			"### Assistant: a human: prose is fine, 2 * 3 too, **b** too\n");
	ck_assert(has_diag_at(&h, DLG_DIAG_MARKER_IN_TEXT, 1, 19));
	ck_assert(has_diag_at(&h, DLG_DIAG_UNBALANCED_STAGE, 1, 37));
	ck_assert_uint_eq(count_diag(&h, DLG_DIAG_MARKER_IN_TEXT), 1);
	ck_assert_uint_eq(count_diag(&h, DLG_DIAG_UNBALANCED_STAGE), 1);
	ck_assert(!h.unit.rejected);
	harness_dispose(&h);
}
END_TEST

/* A text file's marker line that holds more turns (README "Markers"): the turns it gives,
 * as "role:text" joined with '|', and the W303 findings left. */
static const struct inline_case {
	const char *text;
	const char *turns;
	size_t w303;
} inline_cases[] = {
	{ "### Human: Hi there ### Assistant: Hello!", "user:Hi there|assistant:Hello!", 0 },
	{ "### Human: a ### Assistant: b ### Human: c ###  Assistant : d",
	  "user:a|assistant:b|user:c|assistant:d", 0 },
	{ "### Human: Thanks.### Assistant: Sure", "user:Thanks.|assistant:Sure", 0 },
	{ "### Human: q\n### Assistant: x ### Human: y", "user:q|assistant:x|user:y", 0 },
	/* not a marker line of three '#', a backslash, inline code, an unknown label: text */
	{ "### Human: q\n### Assistant: a\nthen ### Human: more", 
	  "user:q|assistant:a\nthen ### Human: more", 1 },
	{ "Human: hi ### Assistant: yo", "user:hi ### Assistant: yo", 1 },
	{ "## Human: hi ### Assistant: yo", "user:hi ### Assistant: yo", 1 },
	{ "### Human: a #### Assistant: b", "user:a #### Assistant: b", 1 },
	{ "### Human: q \\### Assistant: kept\n### Assistant: a",
	  "user:q \\### Assistant: kept|assistant:a", 1 },
	{ "### Human: type `### Assistant: hi` here\n### Assistant: a",
	  "user:type `### Assistant: hi` here|assistant:a", 1 },
	{ "### Human: ask ### Therapist: hello\n### Assistant: a",
	  "user:ask ### Therapist: hello|assistant:a", 0 },
	{ "### Human: prose says Human: hi\n### Assistant: a",
	  "user:prose says Human: hi|assistant:a", 1 },
};

START_TEST(test_transcript_turns_on_one_line)
{
	const struct inline_case *c = &inline_cases[_i];
	harness h;
	harness_init(&h);
	harness_run(&h, c->text);
	char joined[512] = "";
	for (size_t i = 0; i < n_turns(&h); i++) {
		static const char *const roles[] = { "system", "user", "assistant" };
		char one[128];
		snprintf(one, sizeof one, "%s%s:%s", i ? "|" : "", roles[turn_role(&h, i)],
			 turn_text(&h, i));
		strncat(joined, one, sizeof joined - strlen(joined) - 1);
	}
	ck_assert_str_eq(joined, c->turns);
	ck_assert_uint_eq(count_diag(&h, DLG_DIAG_MARKER_IN_TEXT), c->w303);
	harness_dispose(&h);
}
END_TEST

/* The same transcript in a JSON text field gives the same turns (SPEC section 1). */
START_TEST(test_transcript_turns_on_one_line_as_in_json)
{
	const char *line = "### Human: Hi there ### Assistant: Hello!";
	harness h;
	harness_init(&h);
	harness_run(&h, line);
	ck_assert_uint_eq(n_turns(&h), 2);
	char text[2][64];
	for (size_t i = 0; i < 2; i++)
		snprintf(text[i], sizeof text[i], "%s", turn_text(&h, i));
	dlg_unit__reset(&h.unit, "t.jsonl", 1, 1);
	ck_assert_int_eq(dlg_transcript__parse_embedded(&h.unit, line, strlen(line), 0, NULL),
			 DLG_OK);
	ck_assert_int_eq(dlg_validate__conversation(&h.unit, NULL), DLG_OK);
	ck_assert_uint_eq(n_turns(&h), 2);
	ck_assert_str_eq(turn_text(&h, 0), text[0]);
	ck_assert_str_eq(turn_text(&h, 1), text[1]);
	ck_assert_uint_eq(h.unit.diags.len, 0);
	harness_dispose(&h);
}
END_TEST

/* W304 in a user turn: the column of the '*' it points at, 0 for none. The turn's text
 * starts at column 12 of its marker line. */
static const struct star_case {
	const char *text;
	uint32_t col;
} star_cases[] = {
	{ "*sighs and looks away", 12 },
	{ "Okay. *nods slowly and walks off", 18 },
	{ "*sighs* and then *nods", 29 },
	{ "I *really* love *this", 28 },
	{ "*Sighs. I forgot to close it.", 12 },
	{ "fine\n*sighs I forgot", 1 }, /* on the turn's second line */
	/* code, maths, globs, footnotes, titles: not a broken direction */
	{ "std::regex(\"^# (.*)\")", 0 },
	{ "a * b is a product", 0 },
	{ "char *ptr; then ptr* and ptr *", 0 },
	{ "def f(a, **kwargs): pass", 0 },
	{ "f(a, *args)", 0 },
	{ "return *ptr;", 0 },
	{ "Sagittarius A* is a black hole.", 0 },
	{ "Run `ls *sighs` now.", 0 },
	{ "```\n*sighs inside a fence\n```", 0 },
	{ "```python\nprint(\"hi\")\n*sighs inside a fence\n```", 0 },
	{ "Delete *.txt and *.md files.", 0 },
	{ "Prices may vary* and so on.", 0 },
	{ "* a list item", 0 },
	{ "- *Trade wisely with others", 0 },
	{ "## *Heading in italics", 0 },
	{ "*10 minutes later", 0 },
	{ "*\"Hello there", 0 },
	{ "*sighs* balanced", 0 },
};

START_TEST(test_transcript_unbalanced_star_table)
{
	const struct star_case *c = &star_cases[_i];
	char text[256];
	snprintf(text, sizeof text, "### Human: %s\n### Assistant: ok\n", c->text);
	harness h;
	harness_init(&h);
	harness_run(&h, text);
	uint64_t line = strchr(c->text, '\n') ? 2 : 1;
	ck_assert_uint_eq(count_diag(&h, DLG_DIAG_UNBALANCED_STAGE), c->col ? 1 : 0);
	if (c->col)
		ck_assert(has_diag_at(&h, DLG_DIAG_UNBALANCED_STAGE, line, c->col));
	harness_dispose(&h);
}
END_TEST

/* Marker-like lines with an unknown label: W308 (text), E205 (a speaker) or plain text. */
static const struct label_case {
	const char *line;
	dlg_diag_code code; /* 0: plain text, no finding */
} label_cases[] = {
	{ "### Ingredients:", DLG_DIAG_UNKNOWN_LABEL_KEPT },
	{ "## Output (a): x", DLG_DIAG_UNKNOWN_LABEL_KEPT },
	{ "# Step 1: mix", DLG_DIAG_UNKNOWN_LABEL_KEPT },
	{ "### Therapist: hello", DLG_DIAG_UNKNOWN_ROLE },
	{ "#1: The Public Library", 0 },
	{ "## 2: Setup", 0 },
	{ "### 3: the third speaker is a number", 0 },
	{ "### 2.1: Details", 0 },
	{ "# 12.: Twelve", 0 },
	{ "Note: prose", 0 },
};

START_TEST(test_transcript_unknown_label_table)
{
	const struct label_case *c = &label_cases[_i];
	char text[256];
	snprintf(text, sizeof text, "### Human: q\n### Assistant: a\n%s\n", c->line);
	harness h;
	harness_init(&h);
	harness_run(&h, text);
	size_t kept = count_diag(&h, DLG_DIAG_UNKNOWN_LABEL_KEPT);
	size_t speaker = count_diag(&h, DLG_DIAG_UNKNOWN_ROLE);
	ck_assert_uint_eq(kept, c->code == DLG_DIAG_UNKNOWN_LABEL_KEPT);
	ck_assert_uint_eq(speaker, c->code == DLG_DIAG_UNKNOWN_ROLE);
	if (c->code)
		ck_assert(has_diag_at(&h, c->code, 3, 1));
	else
		ck_assert_uint_eq(h.unit.diags.len, 0);
	harness_dispose(&h);
}
END_TEST

/* Turn contents that read as markers when written as they are in the text format. */
static const char *const marker_shaped_contents[] = {
	"accordingly.### Human: what if",
	"### Assistant: at the start",
	"fine\n\nHuman: a new turn?",
	"fine\n  ### Assistant: indented",
	"fine\n###ENDSEEDCHAT###\nafter",
	"fine\n### Therapist: hello",
	"a literal \\### Human: escape\n\\\\Human: two backslashes",
	"code: x = \"### System: y\" ### Assistant:z",
	"### Ingredients:\n- eggs", /* a heading stays text, escaped or not */
};

/* The text format's escape: a record written with it reads back as the same turns. */
START_TEST(test_transcript_escape_round_trips)
{
	const char *content = marker_shaped_contents[_i];
	harness h;
	harness_init(&h);
	harness_run(&h, "### Human: q\n### Assistant: a\n"); /* sets up ctx and unit */
	dlg_buf b;
	dlg_buf__init(&b, NULL, DLG_BUF_UNCAPPED);
	const char *head = "### Human: q\n\n### Assistant: ";
	ck_assert_int_eq(dlg_buf__append(&b, head, strlen(head), NULL), DLG_OK);
	ck_assert_int_eq(dlg_buf__append(&b, content, strlen(content), NULL), DLG_OK);
	ck_assert_int_eq(dlg_transcript__escape(&b, strlen(head), &h.ctx, NULL), DLG_OK);
	ck_assert_uint_gt(b.len, strlen(head) + strlen(content) - (_i == 8)); /* escaped */
	dlg_unit__reset(&h.unit, "t.jsonl", 1, 1);
	ck_assert_int_eq(dlg_transcript__parse_embedded(&h.unit, b.data, b.len, 0, NULL), DLG_OK);
	ck_assert_int_eq(dlg_validate__conversation(&h.unit, NULL), DLG_OK);
	ck_assert_uint_eq(n_turns(&h), 2);
	ck_assert_str_eq(turn_text(&h, 1), content);
	dlg_buf__dispose(&b);
	harness_dispose(&h);
}
END_TEST

/* Labels longer than 40 bytes are sentences with a colon, not speakers (README). */
START_TEST(test_transcript_label_length_limit)
{
	harness h;
	harness_init(&h);
	char text[256];
	snprintf(text, sizeof text, "### Human: hi\n### %s: hello\n### Assistant: ok\n",
		 "Aaaaaaaaaabbbbbbbbbbccccccccccdddddddddd"); /* 40 bytes: a speaker */
	harness_run(&h, text);
	ck_assert_uint_eq(count_diag(&h, DLG_DIAG_UNKNOWN_ROLE), 1);
	snprintf(text, sizeof text, "### Human: hi\n### %s: hello\n### Assistant: ok\n",
		 "Aaaaaaaaaabbbbbbbbbbccccccccccddddddddddx"); /* 41 bytes: prose */
	harness_run(&h, text);
	ck_assert_uint_eq(count_diag(&h, DLG_DIAG_UNKNOWN_ROLE), 0);
	harness_dispose(&h);
}
END_TEST

/* Only a backslash before a marker-shaped line is an escape: a section line or a speaker
 * turn's marker kept as text (preamble, E205) keeps every byte. */
START_TEST(test_transcript_unescaped_marker_lines_keep_their_bytes)
{
	harness h;
	harness_init(&h);
	h.opts.keep_preamble = 1;
	harness_run(&h, "###ENDSEEDCHAT###\n\\### Human: escaped\n### Human: hi\n"
			"### Assistant: ok\n");
	dlg_span p = h.unit.preamble;
	ck_assert_int_eq((int)p.len, 36);
	ck_assert_int_eq(memcmp(h.unit.text.data + p.off,
				"###ENDSEEDCHAT###\n### Human: escaped", p.len), 0);
	harness_dispose(&h);
}
END_TEST

Suite *transcript_suite(void)
{
	Suite *s = suite_create("transcript");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_transcript_marker_grammar);
	tcase_add_test(tc, test_transcript_canonical_markers_give_no_warning);
	tcase_add_test(tc, test_transcript_unknown_labels);
	tcase_add_test(tc, test_transcript_role_option_maps_and_overrides);
	tcase_add_test(tc, test_transcript_preamble_and_locations);
	tcase_add_test(tc, test_transcript_bytes);
	tcase_add_test(tc, test_transcript_marker_in_text_and_unbalanced_star);
	tcase_add_test(tc, test_transcript_label_length_limit);
	tcase_add_test(tc, test_transcript_unescaped_marker_lines_keep_their_bytes);
	tcase_add_loop_test(tc, test_transcript_turns_on_one_line, 0,
			    (int)(sizeof inline_cases / sizeof inline_cases[0]));
	tcase_add_test(tc, test_transcript_turns_on_one_line_as_in_json);
	tcase_add_loop_test(tc, test_transcript_unbalanced_star_table, 0,
			    (int)(sizeof star_cases / sizeof star_cases[0]));
	tcase_add_loop_test(tc, test_transcript_unknown_label_table, 0,
			    (int)(sizeof label_cases / sizeof label_cases[0]));
	tcase_add_loop_test(tc, test_transcript_escape_round_trips, 0,
			    (int)(sizeof marker_shaped_contents / sizeof marker_shaped_contents[0]));
	suite_add_tcase(s, tc);
	return s;
}
