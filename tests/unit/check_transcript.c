#define _GNU_SOURCE
#include "helpers.h"
#include "lib/buf.h"
#include "lib/discover.h"
#include "lib/locate.h"
#include "lib/step.h"
#include "lib/transcript.h"

#include <stdio.h>
#include <stdlib.h>

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

START_TEST(test_transcript_bare_markers_are_a_format_and_mixing_is_w302)
{
	/* HH-RLHF's and Vicuna's `Human:` / `USER:` at a line's start, used throughout */
	harness h;
	harness_init(&h);
	harness_run(&h, "Human: q\n\nAssistant: a\n\nHuman: q2\n\nAssistant: a2\n");
	ck_assert_uint_eq(n_turns(&h), 4);
	ck_assert_uint_eq(h.unit.diags.len, 0);
	/* the two styles mixed: the second style is the slip */
	harness_run(&h, "Human: q\n\n### Assistant: a\n");
	ck_assert(has_diag_at(&h, DLG_DIAG_NONCANONICAL_MARKER, 3, 1));
	ck_assert_uint_eq(count_diag(&h, DLG_DIAG_NONCANONICAL_MARKER), 1);
	ck_assert_ptr_nonnull(strstr(DLG_BUF_AT(&h.unit.diags, dlg_diag, 0).msg,
				     "as 'Assistant:'"));
	/* a bare marker spelled otherwise than its label is still a slip */
	harness_run(&h, "human: q\n\nAssistant: a\n");
	ck_assert(has_diag_at(&h, DLG_DIAG_NONCANONICAL_MARKER, 1, 1));
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
	/* a colon with no label before it, after blanks, is text (mutation testing found the
	 * scan back over the blanks untested) */
	/* a label glued to a letter is a word's end, not a speaker: U+0400 ends in byte 0x80,
	 * the smallest a multibyte letter can end in; after '.' and a blank it is W303 */
	harness_run(&h, "### Human: a\xD0\x80Human: x\n### Assistant: b\n");
	ck_assert_uint_eq(count_diag(&h, DLG_DIAG_MARKER_IN_TEXT), 0);
	harness_run(&h, "### Human: a. Human: x\n### Assistant: b\n");
	ck_assert_uint_eq(count_diag(&h, DLG_DIAG_MARKER_IN_TEXT), 1);
	harness_run(&h, "### Human: q\n  : x\n### : y\n\t:\n### Assistant: a\n");
	ck_assert_uint_eq(n_turns(&h), 2);
	ck_assert_str_eq(turn_text(&h, 0), "q\n  : x\n### : y\n\t:");
	ck_assert_uint_eq(h.unit.diags.len, 0);
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

/* Issue 25: CPsyCoun's `来访者：` and SoulChat's `用户：` markers, with the full-width colon of
 * CJK text and no space after it, are markers like `Human:` once --role maps the labels. */
START_TEST(test_transcript_full_width_colons)
{
	harness h;
	harness_init(&h);
	harness_run(&h, "来访者：我最近很困惑。\n心理咨询师：能说说吗？\n");
	ck_assert_uint_eq(n_turns(&h), 0);
	/* E201 names the labels with their colons as written */
	ck_assert(has_diag_at(&h, DLG_DIAG_NO_TURNS, 1, 1));
	ck_assert_ptr_nonnull(strstr(DLG_BUF_AT(&h.unit.diags, dlg_diag, 0).msg,
				     "('来访者：', '心理咨询师：')"));
	harness_dispose(&h);
	harness_init(&h);
	dlg_role_label roles[] = { { "来访者", DLG_ROLE_USER },
				   { "心理咨询师", DLG_ROLE_ASSISTANT } };
	h.opts.roles = roles;
	h.opts.n_roles = 2;
	harness_run(&h, "来访者：我最近很困惑。\n\n心理咨询师：能说说吗？\n"
			"### 来访者︰好的。\n"     /* U+FE30, hashed */
			"心理咨询师 ： 嗯。\n");   /* blanks around the colon */
	ck_assert_uint_eq(n_turns(&h), 4);
	ck_assert_int_eq(turn_role(&h, 0), DLG_ROLE_USER);
	ck_assert_str_eq(turn_text(&h, 0), "我最近很困惑。");
	ck_assert_int_eq(turn_role(&h, 1), DLG_ROLE_ASSISTANT);
	ck_assert_str_eq(turn_text(&h, 2), "好的。");
	ck_assert_str_eq(turn_text(&h, 3), "嗯。");
	/* the first two are the file's style (bare, no space after '：'); two differ */
	ck_assert(has_diag_at(&h, DLG_DIAG_NONCANONICAL_MARKER, 4, 1));
	ck_assert_ptr_nonnull(strstr(DLG_BUF_AT(&h.unit.diags, dlg_diag, 0).msg, "2 markers"));
	/* a label inside a line is W303, as with ':' */
	harness_run(&h, "来访者：我问了。 心理咨询师：你好\n心理咨询师：嗯\n");
	ck_assert_uint_eq(n_turns(&h), 2);
	ck_assert(has_diag_at(&h, DLG_DIAG_MARKER_IN_TEXT, 1, 26));
	harness_dispose(&h);
}
END_TEST

START_TEST(test_transcript_preamble_and_locations)
{
	harness h;
	harness_init(&h);
	harness_run(&h, "\xef\xbb\xbf\n  Sure! Here you go:\r\n---\r\n"
			"### Human: a\r\n### Assistant: b\r\n");
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

/* Issue 25: a file saved twice by a BOM-adding editor starts with two; the second hid the
 * first marker (W301, then E202). */
START_TEST(test_transcript_every_leading_bom_goes)
{
	harness h;
	harness_init(&h);
	harness_run(&h, "\xef\xbb\xbf\xef\xbb\xbf### Human: a\n### Assistant: b\n");
	ck_assert_uint_eq(n_turns(&h), 2);
	ck_assert_uint_eq(h.unit.fixes[DLG_FIX_BOM], 2);
	ck_assert_uint_eq(h.unit.diags.len, 0);
	ck_assert(!h.unit.rejected);
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

/* A text file's marker line that holds more turns (docs/rules.md "Markers"): the turns it
 * gives, as "role:text" joined with '|', and the W303 findings left. */
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

/* The same transcript in a JSON text field gives the same turns (docs/rules.md "Inputs"). */
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
	static const dlg_input input = { .source = "t.jsonl" };
	dlg_unit__reset(&h.unit, &input, 1, 1);
	ck_assert_int_eq(dlg_transcript__parse_embedded(&h.unit, line, strlen(line), NULL, 0, NULL),
			 DLG_OK);
	ck_assert_int_eq(dlg_step__validate(&h.unit, NULL), DLG_OK);
	ck_assert_uint_eq(n_turns(&h), 2);
	ck_assert_str_eq(turn_text(&h, 0), text[0]);
	ck_assert_str_eq(turn_text(&h, 1), text[1]);
	ck_assert_uint_eq(h.unit.diags.len, 0);
	harness_dispose(&h);
}
END_TEST

/*
 * W303 in a JSON record (docs/rules.md "Findings"): the column of the marker in the record's line,
 * found after the text `after` (the key of the field it is in), or column 1 when `point` is
 * NULL; and an excerpt in the message.
 */
static const struct located_case {
	const char *record;
	const char *text_field, *response_field;
	const char *after, *point;
	const char *excerpt;
} located_cases[] = {
	{ "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\\n\\nHuman: again\"},"
	  "{\"role\":\"assistant\",\"content\":\"ok\"}]}", NULL, NULL,
	  "", "Human: again", "\"Human: again\"" },
	/* escapes before the marker: \u, a surrogate pair, \", \\ */
	{ "{\"messages\":[{\"role\":\"user\",\"content\":\"caf\\u00e9 \\ud83d\\ude00 \\\"q\\\" "
	  "\\\\ x\\n\\nHuman: again\"},{\"role\":\"assistant\",\"content\":\"ok\"}]}", NULL, NULL,
	  "", "Human: again", "\"Human: again\"" },
	/* mid-line in a transcript string, HH-RLHF style */
	{ "{\"text\":\"\\n\\nHuman: hi\\n\\nAssistant: Sure. Human: more?\"}", NULL, NULL,
	  "", "Human: more", "\"Sure. Human: more?\"" },
	/* glued markers get their own lines in reading: the text around this one did not move */
	{ "{\"text\":\"### Human: hi### Assistant: Sure, and then the Human: said more\"}", NULL,
	  NULL, "", "Human: said", "\"...nd then the Human: said more\"" },
	/* an equal string under another key: the one under the field's key */
	{ "{\"prompt\":\"### Human: hi ### Assistant:\",\"generation\":\"ok\\nHuman: more\","
	  "\"generation_truncated\":\"ok\\nHuman: more\"}", "prompt", "generation",
	  "\"generation\"", "Human", "\"Human: more\"" },
	{ "{\"prompt\":\"### Human: hi ### Assistant:\",\"generation\":\"ok\\nHuman: more\","
	  "\"generation_truncated\":\"ok\\nHuman: more\"}", "prompt", "generation_truncated",
	  "\"generation_truncated\"", "Human", "\"Human: more\"" },
	/* not told for sure: the same message twice, a message with its directions put back */
	{ "{\"messages\":[{\"role\":\"user\",\"content\":\"a\\nHuman: b\"},{\"role\":\"assistant\","
	  "\"content\":\"ok\"},{\"role\":\"user\",\"content\":\"a\\nHuman: b\"},"
	  "{\"role\":\"assistant\",\"content\":\"ok!\"}]}", NULL, NULL, "", NULL, "\"Human: b\"" },
	{ "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\\nHuman: b\",\"stage_directions\":"
	  "[{\"text\":\"sighs\",\"offset\":0}]},{\"role\":\"assistant\",\"content\":\"ok\"}]}",
	  NULL, NULL, "", NULL, "\"Human: b\"" },
};

static void first_w303(const dlg_diag *d, void *payload)
{
	dlg_diag *out = payload;
	if (d->code == DLG_DIAG_MARKER_IN_TEXT && out->code != DLG_DIAG_MARKER_IN_TEXT)
		*out = *d;
}

/* Runs `data` as the file `name` through dlg_run (validate) and returns its first W303. */
static dlg_diag validate_w303(const char *name, const char *data, dlg_options *o)
{
	char *dir = make_temp_dir();
	write_file(dir, name, data, strlen(data));
	char path[1100];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	const char *args[] = { path };
	dlg_summary sum;
	dlg_error err;
	dlg_diag d;
	memset(&d, 0, sizeof d);
	ck_assert_int_eq(dlg_run(&sum, args, 1, o, first_w303, &d, &err), DLG_OK);
	rm_rf(dir);
	free(dir);
	ck_assert_int_eq(d.code, DLG_DIAG_MARKER_IN_TEXT);
	return d;
}

START_TEST(test_transcript_marker_in_json_located)
{
	const struct located_case *c = &located_cases[_i];
	dlg_options o = DLG_OPTIONS_INIT;
	o.text_field = c->text_field;
	o.response_field = c->response_field;
	char line[512];
	snprintf(line, sizeof line, "{}\n%s\n", c->record); /* the record is line 2 */
	dlg_diag d = validate_w303("r.jsonl", line, &o);
	ck_assert_uint_eq(d.line, 2);
	uint32_t col = 1;
	if (c->point)
		col = (uint32_t)(strstr(strstr(c->record, c->after), c->point) - c->record) + 1;
	ck_assert_uint_eq(d.col, col);
	ck_assert_ptr_nonnull(strstr(d.msg, c->excerpt));
}
END_TEST

/* A .json document's records are printed again: no column in them means anything. */
START_TEST(test_transcript_marker_in_json_document_at_column_1)
{
	dlg_options o = DLG_OPTIONS_INIT;
	dlg_diag d = validate_w303("r.json", "[{\"messages\":[{\"role\":\"user\",\"content\":"
				   "\"hi\\n\\nHuman: again\"},{\"role\":\"assistant\","
				   "\"content\":\"ok\"}]}]", &o);
	ck_assert_uint_eq(d.line, 1);
	ck_assert_uint_eq(d.col, 1);
	ck_assert_ptr_nonnull(strstr(d.msg, "\"Human: again\""));
}
END_TEST

static void w303_columns(const dlg_diag *d, void *payload)
{
	dlg_buf *cols = payload;
	if (d->code == DLG_DIAG_MARKER_IN_TEXT)
		ck_assert_int_eq(dlg_buf__append(cols, &d->col, sizeof d->col, NULL), DLG_OK);
}

/* Each located finding costs a pass over the line: past DLG_MAX_LOCATED in a record, the
 * rest are at column 1, so a record with a W303 in each of its messages costs O(length). */
START_TEST(test_transcript_marker_in_json_located_a_bounded_number_of_times)
{
	dlg_buf json;
	dlg_buf__init(&json, NULL, DLG_BUF_UNCAPPED);
	ck_assert_int_eq(dlg_buf__printf(&json, NULL, "{\"messages\":["), DLG_OK);
	for (int i = 0; i < DLG_MAX_LOCATED + 2; i++)
		ck_assert_int_eq(dlg_buf__printf(&json, NULL, "%s{\"role\":\"%s\",\"content\":"
						 "\"t%d\\nHuman: x\"}", i ? "," : "",
						 i % 2 ? "assistant" : "user", i), DLG_OK);
	ck_assert_int_eq(dlg_buf__printf(&json, NULL, "]}\n"), DLG_OK);
	char *dir = make_temp_dir();
	write_file(dir, "r.jsonl", json.data, json.len);
	char path[1100];
	snprintf(path, sizeof path, "%s/r.jsonl", dir);
	const char *args[] = { path };
	dlg_options o = DLG_OPTIONS_INIT;
	dlg_summary sum;
	dlg_buf cols;
	dlg_buf__init(&cols, NULL, DLG_BUF_UNCAPPED);
	ck_assert_int_eq(dlg_run(&sum, args, 1, &o, w303_columns, &cols, NULL), DLG_OK);
	ck_assert_uint_eq(DLG_BUF_COUNT(&cols, uint32_t), DLG_MAX_LOCATED + 2);
	for (size_t i = 0; i < DLG_MAX_LOCATED + 2; i++) {
		uint32_t col = DLG_BUF_AT(&cols, uint32_t, i);
		if (i < DLG_MAX_LOCATED)
			ck_assert_int_eq(memcmp(json.data + col - 1, "Human", 5), 0);
		else
			ck_assert_uint_eq(col, 1);
	}
	rm_rf(dir);
	free(dir);
	dlg_buf__dispose(&cols);
	dlg_buf__dispose(&json);
}
END_TEST

/* In a text file: the marker's own column and an excerpt cut on a character boundary. */
START_TEST(test_transcript_marker_in_text_excerpt)
{
	harness h;
	harness_init(&h);
	/* 12 bytes before the label fall inside an é: the excerpt starts after it */
	harness_run(&h, "### Human: \xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9 then, "
			"Assistant: a reply that goes on and on past the cut\n### Assistant: ok\n");
	ck_assert(has_diag_at(&h, DLG_DIAG_MARKER_IN_TEXT, 1, 33));
	const dlg_diag *d = &DLG_BUF_AT(&h.unit.diags, dlg_diag, 0);
	ck_assert_str_eq(d->msg, "speaker label inside a turn: \"...\xc3\xa9\xc3\xa9 then, "
			 "Assistant: a reply that goes...\"; if it starts a new turn, put it "
			 "at the start of its own line");
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
	/* a chat correction of the message before (ESConv's FailedESConv.json, dialog 66) */
	{ "*future", 0 },
	{ "I am mad at him\n*so mad", 0 },
	{ "*three words warn", 12 },
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
	static const dlg_input input = { .source = "t.jsonl" };
	dlg_unit__reset(&h.unit, &input, 1, 1);
	ck_assert_int_eq(dlg_transcript__parse_embedded(&h.unit, b.data, b.len, NULL, 0, NULL),
			 DLG_OK);
	ck_assert_int_eq(dlg_step__validate(&h.unit, NULL), DLG_OK);
	ck_assert_uint_eq(n_turns(&h), 2);
	ck_assert_str_eq(turn_text(&h, 1), content);
	dlg_buf__dispose(&b);
	harness_dispose(&h);
}
END_TEST

/* Labels longer than 40 bytes are sentences with a colon, not speakers (docs/rules.md
 * "Markers"). */
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

/* A turn's raw text is a range of the input; its lines are found as it is walked, with the
 * line ends the parser knows ("\r\n", '\r', '\n'), where each line is, and the backslash
 * of an escaped marker line to leave out. */
START_TEST(test_transcript_raw_lines_are_walked)
{
	harness h;
	harness_init(&h);
	harness_run(&h, "### Human: a\r\nb\r\rc\n\\### Assistant: d\n\n### Assistant: e");
	ck_assert_uint_eq(n_turns(&h), 2);
	const dlg_turn *t = &DLG_BUF_AT(&h.unit.turns, dlg_turn, 0);
	static const char *const text[] = { " a", "b", "", "c", "\\### Assistant: d", "" };
	static const uint64_t line[] = { 1, 2, 3, 4, 5, 6 };
	static const size_t drop[] = { 0, 0, 0, 0, 1, 0 };
	dlg_lines walk;
	dlg_line ln;
	size_t k = 0;
	for (dlg_lines__start(&walk, &h.unit, &t->raw); dlg_lines__next(&walk, &ln); k++) {
		ck_assert_uint_lt(k, 6);
		ck_assert_uint_eq(ln.len, strlen(text[k]));
		ck_assert_int_eq(memcmp(ln.p, text[k], ln.len), 0);
		ck_assert_uint_eq(ln.line, line[k]);
		ck_assert_uint_eq(ln.col, k == 0 ? 11 : 1);
		ck_assert_uint_eq(ln.drop, drop[k]);
	}
	ck_assert_uint_eq(k, 6);
	ck_assert_str_eq(turn_text(&h, 0), "a\nb\n\nc\n### Assistant: d");
	/* a message of a JSON record ends its lines as a text file does, at CRLF, a lone CR or
	 * LF (issue 25), all at the record's line */
	ck_assert_int_eq(harness_run_record(&h, "{\"messages\": [{\"role\": \"user\", "
					    "\"content\": \"x\\r\\ny\\rz\\n\"}]}", false),
			 DLG_OK);
	t = &DLG_BUF_AT(&h.unit.turns, dlg_turn, 0);
	static const char *const msg[] = { "x", "y", "z", "" };
	k = 0;
	for (dlg_lines__start(&walk, &h.unit, &t->raw); dlg_lines__next(&walk, &ln); k++) {
		ck_assert_uint_lt(k, 4);
		ck_assert_uint_eq(ln.len, strlen(msg[k]));
		ck_assert_int_eq(memcmp(ln.p, msg[k], ln.len), 0);
		ck_assert_uint_eq(ln.line, 1);
	}
	ck_assert_uint_eq(k, 4);
	harness_dispose(&h);
}
END_TEST

/* A conversation keeps the first DLG_UNIT_DIAGS_PER_CODE findings of a code, then one that
 * counts the others, right after the last kept; other codes are kept as usual. */
START_TEST(test_transcript_findings_of_a_code_are_capped)
{
	dlg_buf text;
	dlg_buf__init(&text, NULL, DLG_BUF_UNCAPPED);
	dlg_error err;
	ck_assert_int_eq(dlg_buf__printf(&text, &err, "### Human: hi\n"), DLG_OK);
	for (int i = 0; i < DLG_UNIT_DIAGS_PER_CODE + 5; i++)
		ck_assert_int_eq(dlg_buf__printf(&text, &err, "## Step: stir\n"), DLG_OK);
	ck_assert_int_eq(dlg_buf__printf(&text, &err, "### Assistant: ok\n### Assistant: b\n"),
			 DLG_OK);
	ck_assert_int_eq(dlg_buf__putc(&text, '\0', &err), DLG_OK);
	harness h;
	harness_init(&h);
	harness_run(&h, text.data);
	ck_assert_int_eq(dlg_unit__count_unkept(&h.unit, &err), DLG_OK);
	size_t n = DLG_BUF_COUNT(&h.unit.diags, dlg_diag);
	ck_assert_uint_eq(n, DLG_UNIT_DIAGS_PER_CODE + 2);
	const dlg_diag *note = &DLG_BUF_AT(&h.unit.diags, dlg_diag, DLG_UNIT_DIAGS_PER_CODE);
	ck_assert_int_eq(note->code, DLG_DIAG_UNKNOWN_LABEL_KEPT);
	ck_assert_uint_eq(note->line, DLG_UNIT_DIAGS_PER_CODE + 1);
	ck_assert_ptr_nonnull(strstr(note->msg, "and 5 more like the one above"));
	ck_assert_int_eq(DLG_BUF_AT(&h.unit.diags, dlg_diag, n - 1).code,
			 DLG_DIAG_REPEATED_ROLE);
	/* counted once: a second call adds nothing */
	ck_assert_int_eq(dlg_unit__count_unkept(&h.unit, &err), DLG_OK);
	ck_assert_uint_eq(DLG_BUF_COUNT(&h.unit.diags, dlg_diag), n);
	harness_dispose(&h);
	dlg_buf__dispose(&text);
}
END_TEST

Suite *transcript_suite(void)
{
	Suite *s = suite_create("transcript");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_transcript_marker_grammar);
	tcase_add_test(tc, test_transcript_raw_lines_are_walked);
	tcase_add_test(tc, test_transcript_findings_of_a_code_are_capped);
	tcase_add_test(tc, test_transcript_canonical_markers_give_no_warning);
	tcase_add_test(tc, test_transcript_bare_markers_are_a_format_and_mixing_is_w302);
	tcase_add_test(tc, test_transcript_unknown_labels);
	tcase_add_test(tc, test_transcript_role_option_maps_and_overrides);
	tcase_add_test(tc, test_transcript_full_width_colons);
	tcase_add_test(tc, test_transcript_every_leading_bom_goes);
	tcase_add_test(tc, test_transcript_preamble_and_locations);
	tcase_add_test(tc, test_transcript_bytes);
	tcase_add_test(tc, test_transcript_marker_in_text_and_unbalanced_star);
	tcase_add_test(tc, test_transcript_label_length_limit);
	tcase_add_test(tc, test_transcript_unescaped_marker_lines_keep_their_bytes);
	tcase_add_loop_test(tc, test_transcript_turns_on_one_line, 0,
			    (int)(sizeof inline_cases / sizeof inline_cases[0]));
	tcase_add_test(tc, test_transcript_turns_on_one_line_as_in_json);
	tcase_add_loop_test(tc, test_transcript_marker_in_json_located, 0,
			    (int)(sizeof located_cases / sizeof located_cases[0]));
	tcase_add_test(tc, test_transcript_marker_in_json_document_at_column_1);
	tcase_add_test(tc, test_transcript_marker_in_json_located_a_bounded_number_of_times);
	tcase_add_test(tc, test_transcript_marker_in_text_excerpt);
	tcase_add_loop_test(tc, test_transcript_unbalanced_star_table, 0,
			    (int)(sizeof star_cases / sizeof star_cases[0]));
	tcase_add_loop_test(tc, test_transcript_unknown_label_table, 0,
			    (int)(sizeof label_cases / sizeof label_cases[0]));
	tcase_add_loop_test(tc, test_transcript_escape_round_trips, 0,
			    (int)(sizeof marker_shaped_contents /
				  sizeof marker_shaped_contents[0]));
	suite_add_tcase(s, tc);
	return s;
}
