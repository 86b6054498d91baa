/*
 * check_json.c - JSON records (jsonread.c, kept.c): where a conversation's messages, roles
 * and texts are found, one finding per root cause, --keep-fields values and their types, and
 * documents.
 */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include "helpers.h"
#include "lib/buf.h"
#include "lib/jsondoc.h"
#include "lib/jsonparse.h"
#include "lib/jsonread.h"
#include "lib/kept.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t n_diags(const harness *h)
{
	return DLG_BUF_COUNT(&h->unit.diags, dlg_diag);
}

START_TEST(test_json_role_and_content_keys_are_detected)
{
	harness h;
	harness_init(&h);
	/* each message on its own: messages, ShareGPT and ESConv spellings mixed */
	ck_assert_int_eq(harness_run_record(&h, "{\"messages\":[{\"role\":\"user\",\"content\":"
					    "\"a\"},{\"from\":\"gpt\",\"value\":\"b\"},"
					    "{\"speaker\":\"human\",\"text\":\"c\"},"
					    "{\"role\":\"bot\",\"value\":\"d\"}]}", false), DLG_OK);
	ck_assert_uint_eq(n_diags(&h), 0);
	ck_assert_uint_eq(n_turns(&h), 4);
	ck_assert_str_eq(turn_text(&h, 2), "c");
	ck_assert_int_eq(turn_role(&h, 3), DLG_ROLE_ASSISTANT);
	/* both spellings present: the first in the order role, from, speaker (and content,
	 * value, text) wins, whatever its place in the object */
	ck_assert_int_eq(harness_run_record(&h, "{\"messages\":[{\"from\":\"gpt\","
					    "\"role\":\"user\",\"text\":\"no\",\"content\":\"q\"},"
					    "{\"speaker\":\"user\",\"from\":\"gpt\","
					    "\"value\":\"a\",\"text\":\"no\"}]}", false), DLG_OK);
	ck_assert_uint_eq(n_diags(&h), 0);
	ck_assert_int_eq(turn_role(&h, 0), DLG_ROLE_USER);
	ck_assert_str_eq(turn_text(&h, 0), "q");
	ck_assert_int_eq(turn_role(&h, 1), DLG_ROLE_ASSISTANT);
	ck_assert_str_eq(turn_text(&h, 1), "a");
	/* "conversations" when "messages" is not an array */
	ck_assert_int_eq(harness_run_record(&h, "{\"messages\":\"x\",\"conversations\":["
					    "{\"from\":\"human\",\"value\":\"q\"},"
					    "{\"from\":\"gpt\",\"value\":\"a\"}]}", false), DLG_OK);
	ck_assert_uint_eq(n_turns(&h), 2);
	ck_assert(!h.unit.rejected);
	harness_dispose(&h);
}
END_TEST

/* Issue 25: CR in a message is a line break, as in a text file: a lone CR was deleted as a
 * control (gluing "line oneline two"), and every CRLF was a W306 per turn. */
START_TEST(test_json_carriage_returns_are_line_breaks)
{
	harness h;
	harness_init(&h);
	ck_assert_int_eq(harness_run_record(&h, "{\"messages\":[{\"role\":\"user\","
				    "\"content\":\"line one\\rline two\\r\\nthree\"},{\"role\":"
				    "\"assistant\",\"content\":\"a\\r\\n\\r\\nb\\r\"}]}", false),
			 DLG_OK);
	ck_assert_uint_eq(n_turns(&h), 2);
	ck_assert_str_eq(turn_text(&h, 0), "line one\nline two\nthree");
	ck_assert_str_eq(turn_text(&h, 1), "a\n\nb");
	ck_assert_uint_eq(h.unit.fixes[DLG_FIX_CRLF], 5);
	ck_assert_uint_eq(h.unit.fixes[DLG_FIX_CONTROL], 0);
	ck_assert_uint_eq(h.unit.diags.len, 0);
	harness_dispose(&h);
}
END_TEST

/* Issue 25: a dataset's CJK directions read back: each is put back as `（text）` on a line of
 * its own at a paragraph's end, in room sized for that (the room for `*text*` overflowed). */
START_TEST(test_json_cjk_directions_read_back)
{
	harness h;
	harness_init(&h);
	ck_assert_int_eq(harness_run_record(&h, "{\"messages\":[{\"role\":\"user\",\"content\":"
				    "\"好。\\n\\n你。\",\"stage_directions\":[{\"text\":\"挑选了一会儿，"
				    "选中了乌龟。\",\"offset\":2},{\"text\":\"笑\",\"offset\":6}]},"
				    "{\"role\":\"assistant\",\"content\":\"嗯。\","
				    "\"stage_directions\":[{\"text\":\"NLP过程中\",\"offset\":0}]}]}",
				    false), DLG_OK);
	ck_assert_uint_eq(n_turns(&h), 2);
	ck_assert_str_eq(turn_text(&h, 0), "好。\n\n你。");
	ck_assert_uint_eq(turn_n_stage(&h, 0), 2);
	ck_assert_str_eq(turn_stage(&h, 0, 0), "挑选了一会儿，选中了乌龟。");
	ck_assert_uint_eq(turn_stage_at(&h, 0, 0), 6);
	ck_assert_str_eq(turn_stage(&h, 0, 1), "笑");
	ck_assert_str_eq(turn_stage(&h, 1, 0), "NLP过程中");
	ck_assert_uint_eq(h.unit.diags.len, 0);
	harness_dispose(&h);
}
END_TEST

START_TEST(test_json_fastchat_assistant_spellings)
{
	static const char *const names[] = { "chatgpt", "bing", "bard", "ChatGPT" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		harness h;
		harness_init(&h);
		char json[256];
		snprintf(json, sizeof json, "{\"conversations\":[{\"from\":\"human\","
			 "\"value\":\"q\"},{\"from\":\"%s\",\"value\":\"a\"}]}", names[i]);
		ck_assert_int_eq(harness_run_record(&h, json, false), DLG_OK);
		ck_assert_msg(!h.unit.rejected, "%s rejected", names[i]);
		ck_assert_int_eq(turn_role(&h, 1), DLG_ROLE_ASSISTANT);
		harness_dispose(&h);
	}
}
END_TEST

START_TEST(test_json_messages_field_and_keys)
{
	harness h;
	harness_init(&h);
	h.opts.messages_field = "data.0.dialog";
	h.opts.role_key = "who";
	h.opts.content_key = "says";
	ck_assert_int_eq(harness_run_record(&h, "{\"data\":[{\"dialog\":[{\"who\":\"user\","
					    "\"says\":\"q\",\"role\":\"assistant\"},{\"who\":"
					    "\"assistant\",\"says\":\"a\",\"content\":\"no\"}]}]}",
					    false), DLG_OK);
	ck_assert_uint_eq(n_diags(&h), 0);
	ck_assert_str_eq(turn_text(&h, 0), "q");
	ck_assert_str_eq(turn_text(&h, 1), "a");
	/* a key given is the only one looked at */
	ck_assert_int_eq(harness_run_record(&h, "{\"data\":[{\"dialog\":[{\"role\":\"user\","
					    "\"says\":\"q\"},{\"role\":\"user\","
					    "\"says\":\"q\"}]}]}", false), DLG_OK);
	ck_assert_uint_eq(n_diags(&h), 1);
	ck_assert_str_eq(diag_message(&h, DLG_DIAG_INVALID_JSON),
			 "message has no role: no string at \"who\" (in 2 messages)");
	/* no array there: one E201 naming the option */
	ck_assert_int_eq(harness_run_record(&h, "{\"messages\":[{\"role\":\"user\",\"content\":"
					    "\"q\"}]}", false), DLG_OK);
	ck_assert_uint_eq(n_diags(&h), 1);
	ck_assert_str_eq(diag_message(&h, DLG_DIAG_NO_TURNS),
			 "no array at \"data.0.dialog\" (--messages-field)");
	harness_dispose(&h);
}
END_TEST

/* One unreadable kind of message, one finding: no E203/E206/E207 from the turns around it. */
START_TEST(test_json_unknown_role_is_one_finding)
{
	harness h;
	harness_init(&h);
	ck_assert_int_eq(harness_run_record(&h, "{\"conversations\":[{\"from\":\"human\",\"value\":"
					    "\"q\"},{\"from\":\"narrator\",\"value\":\"a\"},"
					    "{\"from\":"
					    "\"human\",\"value\":\"q2\"},{\"from\":\"critic\","
					    "\"value\":\"a2\"}]}", false), DLG_OK);
	ck_assert(h.unit.rejected);
	ck_assert_uint_eq(n_diags(&h), 1);
	ck_assert(has_diag_at(&h, DLG_DIAG_UNKNOWN_ROLE, 1, 1));
	ck_assert_uint_eq(DLG_BUF_AT(&h.unit.diags, dlg_diag, 0).turn, 2);
	ck_assert_str_eq(diag_message(&h, DLG_DIAG_UNKNOWN_ROLE),
			 "unknown role 'narrator'; map it with --role narrator=user or --role "
			 "narrator=assistant (in 2 messages)");
	/* two kinds: one each, in the order they come */
	ck_assert_int_eq(harness_run_record(&h, "{\"messages\":[{\"content\":\"q\"},{\"role\":"
					    "\"robot\",\"content\":\"a\"},{\"content\":\"q\"}]}",
					    false), DLG_OK);
	ck_assert_uint_eq(n_diags(&h), 2);
	ck_assert_int_eq(DLG_BUF_AT(&h.unit.diags, dlg_diag, 0).code, DLG_DIAG_INVALID_JSON);
	ck_assert_str_eq(diag_message(&h, DLG_DIAG_INVALID_JSON), "message has no role: no "
			 "string at \"role\", \"from\" or \"speaker\"; name its key with "
			 "--role-key (in 2 messages)");
	ck_assert_int_eq(DLG_BUF_AT(&h.unit.diags, dlg_diag, 1).code, DLG_DIAG_UNKNOWN_ROLE);
	harness_dispose(&h);
}
END_TEST

START_TEST(test_json_content_parts)
{
	harness h;
	harness_init(&h);
	ck_assert_int_eq(harness_run_record(&h, "{\"messages\":[{\"role\":\"user\",\"content\":["
					    "{\"type\":\"text\",\"text\":\"Look:\"},{\"type\":"
					    "\"input_text\",\"text\":\"two parts\"}]},{\"role\":"
					    "\"assistant\",\"content\":[{\"type\":\"output_text\","
					    "\"text\":\"seen\"}]}]}", false), DLG_OK);
	ck_assert_uint_eq(n_diags(&h), 0);
	ck_assert_str_eq(turn_text(&h, 0), "Look:\ntwo parts");
	ck_assert_str_eq(turn_text(&h, 1), "seen");
	/* an image in the first message: E210 alone, no E103 and no false E202/E207 */
	ck_assert_int_eq(harness_run_record(&h, "{\"messages\":[{\"role\":\"user\",\"content\":["
					    "{\"type\":\"text\",\"text\":\"what is this?\"},"
					    "{\"type\":\"image_url\",\"image_url\":"
					    "{\"url\":\"x.png\"}}]},{\"role\":\"assistant\","
					    "\"content\":\"a cat\"}]}", false), DLG_OK);
	ck_assert(h.unit.rejected);
	ck_assert_uint_eq(n_diags(&h), 1);
	ck_assert_str_eq(diag_message(&h, DLG_DIAG_NON_TEXT_CONTENT), "message content holds a "
			 "part of type \"image_url\", which a text dataset cannot hold; remove the "
			 "part or the record");
	/* a part without a type, or a text part without text: the message has no text */
	ck_assert_int_eq(harness_run_record(&h, "{\"messages\":[{\"role\":\"user\",\"content\":["
					    "{\"text\":\"q\"}]},{\"role\":\"assistant\","
					    "\"content\":[{\"type\":\"text\"}]}]}", false), DLG_OK);
	ck_assert_uint_eq(n_diags(&h), 1);
	ck_assert_uint_eq(count_diag(&h, DLG_DIAG_INVALID_JSON), 1);
	harness_dispose(&h);
}
END_TEST

START_TEST(test_json_bad_stage_direction_is_one_finding)
{
	harness h;
	harness_init(&h);
	ck_assert_int_eq(harness_run_record(&h, "{\"messages\":[{\"role\":\"user\",\"content\":"
					    "\"q\",\"stage_directions\":[3]},{\"role\":"
					    "\"assistant\",\"content\":\"a\"}]}", false), DLG_OK);
	ck_assert_uint_eq(n_diags(&h), 1); /* not E204 for the turn left empty */
	ck_assert_uint_eq(count_diag(&h, DLG_DIAG_INVALID_JSON), 1);
	harness_dispose(&h);
}
END_TEST

START_TEST(test_json_empty_response_field)
{
	harness h;
	harness_init(&h);
	h.opts.text_field = "input";
	h.opts.response_field = "output";
	ck_assert_int_eq(harness_run_record(&h, "{\"input\":\"### Human: hi\\n### Assistant:\","
					    "\"output\":\" \\n\"}", false), DLG_OK);
	ck_assert_uint_eq(n_diags(&h), 1);
	ck_assert_str_eq(diag_message(&h, DLG_DIAG_EMPTY_TURN), "the response field \"output\" "
			 "is empty: the record has no reply to learn from");
	ck_assert_int_eq(harness_run_record(&h, "{\"input\":\"### Human: hi\\n### Assistant:\","
					    "\"output\":\"hello\"}", false), DLG_OK);
	ck_assert(!h.unit.rejected);
	harness_dispose(&h);
}
END_TEST

/* u->kept as a list of strings, NUL-separated values. */
static void check_kept(const harness *h, const char *const *want, size_t n)
{
	const char *v = h->unit.kept.data;
	for (size_t i = 0; i < n; i++, v += strlen(v) + 1) {
		ck_assert_uint_lt((size_t)(v - h->unit.kept.data), h->unit.kept.len);
		ck_assert_str_eq(v, want[i]);
	}
	ck_assert_uint_eq((size_t)(v - h->unit.kept.data), h->unit.kept.len);
}

START_TEST(test_json_kept_values_are_verbatim)
{
	harness h;
	harness_init(&h);
	static const char *const fields[] = { "id", "score", "meta", "absent", "lang", "k\"ey" };
	h.opts.keep_fields = fields;
	h.opts.n_keep_fields = 6;
	/* numbers keep their digits (past 2^53, and 1.0), objects their spacing; the last of a
	 * repeated key, as the tree; keys with escapes */
	ck_assert_int_eq(harness_run_record(&h, "{\"id\": 12345678901234567891, \"score\":1.0,"
					    "\"meta\" : {\"a\": [1, 2], \"b\":null} ,"
					    "\"lang\":\"x\",\"lang\":\"\\u00e9\",\"k\\\"ey\":true,"
					    "\"messages\":[]}", false), DLG_OK);
	static const char *const want[] = { "12345678901234567891", "1.0",
					    "{\"a\": [1, 2], \"b\":null}", "null", "\"\\u00e9\"",
					    "true" };
	check_kept(&h, want, 6);
	/* what Python's json would refuse is printed again by cJSON */
	ck_assert_int_eq(harness_run_record(&h, "{\"id\":01,\"score\":[1., 2],\"meta\":\"a\tb\","
					    "\"messages\":[]}", false), DLG_OK);
	static const char *const again[] = { "1", "[1,2]", "\"a\\tb\"", "null", "null",
					     "null" };
	check_kept(&h, again, 6);
	/* a byte-order mark and control bytes before a value, as cJSON reads them */
	ck_assert_int_eq(harness_run_record(&h, "\xEF\xBB\xBF{\"id\":\v7,\"messages\":[]}",
					    false), DLG_OK);
	static const char *const bom[] = { "7", "null", "null", "null", "null", "null" };
	check_kept(&h, bom, 6);
	/* a pair's rejected side keeps nothing: its chosen side does */
	ck_assert_int_eq(harness_run_record(&h, "{\"id\":1,\"messages\":[]}", true), DLG_OK);
	ck_assert_uint_eq(h.unit.kept.len, 0);
	harness_dispose(&h);
}
END_TEST

/* The card's YAML for the kept fields after joining each record's values in turn. */
static char *joined_features(const char *const *records, size_t n, size_t *w320)
{
	harness h;
	harness_init(&h);
	static const char *const fields[] = { "f" };
	h.opts.keep_fields = fields;
	h.opts.n_keep_fields = 1;
	dlg_kept_types *t;
	dlg_error err;
	ck_assert_int_eq(dlg_kept__types_new(&t, &h.opts, &err), DLG_OK);
	*w320 = 0;
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_eq(harness_run_record(&h, records[i], false), DLG_OK);
		ck_assert_int_eq(dlg_kept__types_add(t, &h.unit, &err), DLG_OK);
		*w320 += count_diag(&h, DLG_DIAG_KEPT_FIELD_TYPE_CHANGED);
		ck_assert_uint_eq(h.unit.kept_nulled,
				  count_diag(&h, DLG_DIAG_KEPT_FIELD_TYPE_CHANGED));
	}
	dlg_buf b;
	dlg_buf__init(&b, NULL, DLG_BUF_UNCAPPED);
	ck_assert_int_eq(dlg_kept__features(&b, t, 0, &err), DLG_OK);
	ck_assert_int_eq(dlg_buf__putc(&b, '\0', &err), DLG_OK);
	char *yaml = strdup(b.data);
	dlg_buf__dispose(&b);
	dlg_kept__types_free(t);
	harness_dispose(&h);
	return yaml;
}

START_TEST(test_json_kept_types_join_as_pyarrow_infers)
{
	size_t w320;
	/* null joins anything, an integer and a fraction make a double, objects join their keys */
	const char *records[] = {
		"{\"messages\":[]}",
		"{\"f\":{\"n\":1,\"tags\":[],\"s\":{}},\"messages\":[]}",
		"{\"f\":{\"n\":2.5,\"tags\":[\"a\"],\"x\":null},\"messages\":[]}",
		"{\"f\":null,\"messages\":[]}",
	};
	char *yaml = joined_features(records, 4, &w320);
	ck_assert_uint_eq(w320, 0);
	ck_assert_str_eq(yaml, "- name: \"f\"\n  struct:\n  - name: \"n\"\n    dtype: float64\n"
			 "  - name: \"tags\"\n    list:\n      dtype: string\n"
			 "  - name: \"s\"\n    struct: []\n  - name: \"x\"\n    dtype: \"null\"\n");
	free(yaml);
	/* a list of objects lists their fields under it */
	const char *lists[] = { "{\"f\":[{\"a\":true}],\"messages\":[]}" };
	yaml = joined_features(lists, 1, &w320);
	ck_assert_str_eq(yaml, "- name: \"f\"\n  list:\n  - name: \"a\"\n    dtype: bool\n");
	free(yaml);
	/* a string where an object was: W320, written as null, the type stays */
	const char *changes[] = { "{\"f\":{\"a\":1},\"messages\":[]}",
				  "{\"f\":\"text\",\"messages\":[]}",
				  "{\"f\":[1,\"x\"],\"messages\":[]}" };
	yaml = joined_features(changes, 3, &w320);
	ck_assert_uint_eq(w320, 2);
	ck_assert_str_eq(yaml, "- name: \"f\"\n  struct:\n  - name: \"a\"\n    dtype: int64\n");
	free(yaml);
	/* nothing but nulls */
	yaml = joined_features(records, 1, &w320);
	ck_assert_str_eq(yaml, "- name: \"f\"\n  dtype: \"null\"\n");
	free(yaml);
}
END_TEST

START_TEST(test_json_kept_type_change_message)
{
	harness h;
	harness_init(&h);
	static const char *const fields[] = { "f" };
	h.opts.keep_fields = fields;
	h.opts.n_keep_fields = 1;
	dlg_kept_types *t;
	dlg_error err;
	ck_assert_int_eq(dlg_kept__types_new(&t, &h.opts, &err), DLG_OK);
	ck_assert_int_eq(harness_run_record(&h, "{\"f\":[1],\"messages\":[]}", false), DLG_OK);
	ck_assert_int_eq(dlg_kept__types_add(t, &h.unit, &err), DLG_OK);
	ck_assert_int_eq(harness_run_record(&h, "{\"f\":\"x\",\"messages\":[]}", false), DLG_OK);
	ck_assert_int_eq(dlg_kept__types_add(t, &h.unit, &err), DLG_OK);
	ck_assert_str_eq(diag_message(&h, DLG_DIAG_KEPT_FIELD_TYPE_CHANGED), "field \"f\" holds "
			 "a string here but a list in earlier records; written as null, so that "
			 "the column keeps one type");
	ck_assert_int_eq(harness_run_record(&h, "{\"f\":[[1],[\"x\"]],\"messages\":[]}", false),
			 DLG_OK);
	ck_assert_int_eq(dlg_kept__types_add(t, &h.unit, &err), DLG_OK);
	ck_assert_str_eq(diag_message(&h, DLG_DIAG_KEPT_FIELD_TYPE_CHANGED), "field \"f\" holds "
			 "values of different types in one list or object; written as null, as a "
			 "column holds one type");
	dlg_kept__types_free(t);
	harness_dispose(&h);
}
END_TEST

/* The document's records as lines in `out`, asked for `per_chunk` at a time. */
static dlg_status document_in(dlg_diag_code *code, size_t *off, bool *lines, dlg_buf *out,
			      const char *json, size_t n, size_t per_chunk)
{
	dlg_error err;
	const char *msg;
	dlg_jsondoc d;
	out->len = 0;
	dlg_jsondoc__open(&d, code, off, &msg, lines, json, n);
	while (!*code && !*lines && !d.done) {
		size_t got;
		dlg_status st = dlg_jsondoc__lines(&d, out, per_chunk, SIZE_MAX, &got, &err);
		if (st != DLG_OK)
			return st;
		ck_assert_uint_ge(got, 1);
		ck_assert_uint_le(got, per_chunk);
	}
	return DLG_OK;
}

static dlg_status document(dlg_diag_code *code, size_t *off, bool *lines, dlg_buf *out,
			   const char *json)
{
	return document_in(code, off, lines, out, json, strlen(json), 1);
}

START_TEST(test_json_document_lines)
{
	dlg_buf out;
	dlg_buf__init(&out, NULL, DLG_BUF_UNCAPPED);
	dlg_diag_code code;
	size_t off;
	bool lines;
	/* each record as written, without the white space between tokens; a record Python
	 * would refuse printed again by cJSON */
	ck_assert_int_eq(document(&code, &off, &lines, &out, "[\n {\n  \"a\": 1.0,\n  \"b\": "
				  "\"x y\\n\"\n },\n {\"n\": 12345678901234567891},\n {\"p\": 01}"
				  "\n]\n"), DLG_OK);
	ck_assert_int_eq(code, 0);
	ck_assert(!lines);
	ck_assert_int_eq(dlg_buf__putc(&out, '\0', NULL), DLG_OK);
	ck_assert_str_eq(out.data, "{\"a\":1.0,\"b\":\"x y\\n\"}\n{\"n\":12345678901234567891}\n"
			 "{\"p\":1}\n");
	/* positions follow cJSON's reading: a byte-order mark, control bytes as white space
	 * (a record with one inside is printed again, and the next one is still found) */
	ck_assert_int_eq(document(&code, &off, &lines, &out, "\xEF\xBB\xBF[{\"a\":{\"x\":1,"
				  "\"y\":2}},\v{\"b\":\v{\"c\":1,\"d\":2}},{\"e\":3}]\x1a"),
			 DLG_OK);
	ck_assert_int_eq(code, 0);
	ck_assert_int_eq(dlg_buf__putc(&out, '\0', NULL), DLG_OK);
	ck_assert_str_eq(out.data, "{\"a\":{\"x\":1,\"y\":2}}\n{\"b\":{\"c\":1,\"d\":2}}\n"
			 "{\"e\":3}\n");
	/* a NUL byte is binary data, not a string's end */
	static const char nul[] = "[{\"a\":\"x\0y\"}]";
	ck_assert_int_eq(document_in(&code, &off, &lines, &out, nul, sizeof nul - 1, 1), DLG_OK);
	ck_assert_int_eq(code, DLG_DIAG_BINARY);
	ck_assert_uint_eq(off, 8);
	/* one record, over several lines */
	ck_assert_int_eq(document(&code, &off, &lines, &out, "{\n\"a\": [1, 2]\n}\n"), DLG_OK);
	ck_assert(!lines && code == 0);
	ck_assert_uint_eq(out.len, 12);
	ck_assert_int_eq(memcmp(out.data, "{\"a\":[1,2]}\n", 12), 0);
	/* JSON lines, not one document */
	ck_assert_int_eq(document(&code, &off, &lines, &out, "{\"a\":1}\n{\"a\":2}\n"), DLG_OK);
	ck_assert(lines && code == 0);
	ck_assert_uint_eq(out.len, 0);
	/* text after the document (not a record on its own line): E103 where it starts */
	ck_assert_int_eq(document(&code, &off, &lines, &out, "[{\"a\":1}]\n,{\"a\":2}"), DLG_OK);
	ck_assert(!lines);
	ck_assert_int_eq(code, DLG_DIAG_INVALID_JSON);
	ck_assert_uint_eq(off, 10);
	ck_assert_int_eq(document(&code, &off, &lines, &out, "{\n\"a\":1}\n{\"a\":2}\n"), DLG_OK);
	ck_assert(!lines);
	ck_assert_int_eq(code, DLG_DIAG_INVALID_JSON);
	dlg_buf__dispose(&out);
}
END_TEST

/* A document is read record by record, never as one tree: the lines do not depend on how
 * many are asked for at a time, an array of messages is one record, and a document that does
 * not parse fails where cJSON reading it whole says (the offset E103 gives). */
START_TEST(test_json_document_by_records)
{
	dlg_buf out, whole;
	dlg_buf__init(&out, NULL, DLG_BUF_UNCAPPED);
	dlg_buf__init(&whole, NULL, DLG_BUF_UNCAPPED);
	dlg_diag_code code;
	size_t off;
	bool lines;
	static const char records[] = "[{\"a\": 1}, {\"b\": [2, 3]} ,{\"c\":04},\n{\"d\": \"x\"}]";
	ck_assert_int_eq(document_in(&code, &off, &lines, &whole, records, sizeof records - 1,
				     SIZE_MAX), DLG_OK);
	ck_assert_int_eq(dlg_buf__putc(&whole, '\0', NULL), DLG_OK);
	ck_assert_str_eq(whole.data, "{\"a\":1}\n{\"b\":[2,3]}\n{\"c\":4}\n{\"d\":\"x\"}\n");
	for (size_t per = 1; per <= 4; per++) {
		ck_assert_int_eq(document_in(&code, &off, &lines, &out, records,
					     sizeof records - 1, per), DLG_OK);
		ck_assert_uint_eq(out.len, whole.len - 1);
		ck_assert_int_eq(memcmp(out.data, whole.data, out.len), 0);
	}
	/* SMILECHAT's shape: every element a message */
	static const char messages[] = "[{\"role\":\"user\",\"content\":\"hi\"}, "
				       "{\"from\":\"gpt\",\"value\":\"yo\"}]";
	ck_assert_int_eq(document_in(&code, &off, &lines, &out, messages, sizeof messages - 1, 5),
			 DLG_OK);
	ck_assert_int_eq(dlg_buf__putc(&out, '\0', NULL), DLG_OK);
	ck_assert_str_eq(out.data, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
			 "{\"from\":\"gpt\",\"value\":\"yo\"}]}\n");
	/* one element without a role: records, each its own line */
	ck_assert_int_eq(document(&code, &off, &lines, &out, "[{\"role\":\"user\"},{\"x\":1}]"),
			 DLG_OK);
	ck_assert_int_eq(dlg_buf__putc(&out, '\0', NULL), DLG_OK);
	ck_assert_str_eq(out.data, "{\"role\":\"user\"}\n{\"x\":1}\n");
	/* an empty array: no record */
	ck_assert_int_eq(document(&code, &off, &lines, &out, " [ ] "), DLG_OK);
	ck_assert(code == 0 && !lines && out.len == 0);
	static const char *const bad[] = {
		"[{\"a\":1} {\"b\":2}]", "[{\"a\":1},]", "[{\"a\":1},", "[{\"a\":1}", "[",
		"[{\"a\":1}, {\"b\":", "[{\"a\":1}, {\"b\" 2}]", "[1, \xEF\xBB\xBF" "2]",
		"[{\"a\":1}]]", "[{\"a\":tru}]", "{\"a\":1", "[\"x]",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *stop = NULL;
		cJSON *tree = cJSON_ParseWithLengthOpts(bad[i], strlen(bad[i]), &stop, 1);
		ck_assert_ptr_null(tree);
		ck_assert_int_eq(document(&code, &off, &lines, &out, bad[i]), DLG_OK);
		ck_assert_msg(code == DLG_DIAG_INVALID_JSON, "%s", bad[i]);
		ck_assert_msg(off == (size_t)(stop - bad[i]), "%s: %zu, cJSON %zu", bad[i], off,
			      (size_t)(stop - bad[i]));
	}
	dlg_buf__dispose(&out);
	dlg_buf__dispose(&whole);
}
END_TEST

/* A string of about `bytes` bytes of `unit` repeated, quoted, appended to b. */
static void long_string(dlg_buf *b, const char *unit, size_t bytes)
{
	ck_assert_int_eq(dlg_buf__putc(b, '"', NULL), DLG_OK);
	for (size_t k = 0; k < bytes; k += strlen(unit))
		ck_assert_int_eq(dlg_buf__append(b, unit, strlen(unit), NULL), DLG_OK);
	ck_assert_int_eq(dlg_buf__putc(b, '"', NULL), DLG_OK);
}

/* dlg_jsonparse__record on `text` gives what cJSON gives: the same tree, or a failure at the
 * same place. */
static void same_as_cjson(const dlg_buf *text, dlg_buf *scratch, size_t c, size_t u)
{
	dlg_error err;
	const char *want_end = NULL, *end = NULL;
	cJSON *want = cJSON_ParseWithLengthOpts(text->data, text->len, &want_end, 0), *got;
	ck_assert_int_eq(dlg_jsonparse__record(&got, &end, text->data, text->len, NULL, scratch,
					       &err), DLG_OK);
	ck_assert_msg((want == NULL) == (got == NULL), "case %zu unit %zu", c, u);
	ck_assert_msg(end == want_end, "case %zu unit %zu: %td, cJSON %td", c, u, end - text->data,
		      want_end - text->data);
	if (want) {
		char *a = cJSON_PrintUnformatted(want), *b = cJSON_PrintUnformatted(got);
		ck_assert_msg(strcmp(a, b) == 0, "case %zu unit %zu", c, u);
		cJSON_free(a);
		cJSON_free(b);
	}
	cJSON_Delete(want);
	cJSON_Delete(got);
}

/* A record read with its long strings in pieces is the tree cJSON reads from the whole
 * text, and a text that is not JSON fails where cJSON says, whichever piece holds the
 * fault; a run asked to stop stops. */
START_TEST(test_json_parse_long_strings_in_pieces)
{
	static const char *const units[] = {
		"plain text ", "\\u00e9\\n", "\\ud83d\\ude00x", "ab\\\"", "\\ud83d\\ude00",
	};
	/* each text: `before`, a long string of one of the units (with `fault` in its middle
	 * when there is one), `after` */
	static const struct { const char *before, *fault, *after; size_t bytes; } cases[] = {
		{ "{\"messages\":[{\"role\":\"user\",\"content\":", NULL, "}]}", 700000 },
		{ "[", NULL, ",\"short\",", 600000 },
		{ "{\"a\":", "bad \\x escape", "}", 0 },
		{ "{\"a\" ", NULL, "}", 300000 },
		{ "{\"a\":", NULL, " x}", 300000 },
		{ "{\"a\":", NULL, "} trailing", 300000 },
		{ "{\"a\":", NULL, "", 300000 },
		{ "{\"a\":[1,2,", NULL, ",{\"k\":\"v\"}]}", 900000 },
	};
	dlg_buf text, scratch;
	dlg_buf__init(&text, NULL, DLG_BUF_UNCAPPED);
	dlg_buf__init(&scratch, NULL, DLG_BUF_UNCAPPED);
	dlg_error err;
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
		for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
			text.len = 0;
			ck_assert_int_eq(dlg_buf__append(&text, cases[c].before,
							 strlen(cases[c].before), NULL), DLG_OK);
			if (cases[c].fault) {
				/* a bad escape in the middle of a long string */
				long_string(&text, units[u], 400000);
				text.len--;
				const char *bad = cases[c].fault;
				ck_assert_int_eq(dlg_buf__append(&text, bad, strlen(bad), NULL),
						 DLG_OK);
				size_t at = text.len;
				long_string(&text, units[u], 300000);
				memmove(text.data + at, text.data + at + 1, text.len - at - 1);
				text.len--;
			} else {
				long_string(&text, units[u], cases[c].bytes);
			}
			ck_assert_int_eq(dlg_buf__append(&text, cases[c].after,
							 strlen(cases[c].after), NULL), DLG_OK);
			same_as_cjson(&text, &scratch, c, u);
		}
	volatile sig_atomic_t stop = 1;
	cJSON *got;
	const char *end;
	ck_assert_int_eq(dlg_jsonparse__record(&got, &end, text.data, text.len, &stop, &scratch,
					       &err), DLG_E_CANCELED);
	ck_assert_ptr_null(got);
	dlg_buf__dispose(&text);
	dlg_buf__dispose(&scratch);
}
END_TEST

static dlg_status init_with(dlg_error *err, const dlg_options *o)
{
	dlg_ctx ctx;
	dlg_status st = dlg_ctx__init(&ctx, o, err);
	if (st == DLG_OK)
		dlg_ctx__dispose(&ctx);
	return st;
}

START_TEST(test_json_option_combinations_are_checked)
{
	dlg_error err;
	dlg_options o = DLG_OPTIONS_INIT;
	o.leading_assistant = DLG_LEADING_ASSISTANT_KEEP;
	ck_assert_int_eq(init_with(&err, &o), DLG_OK);
	o.format = DLG_FORMAT_PREFERENCE;
	o.text_field = "chosen";
	o.rejected_field = "rejected";
	ck_assert_int_eq(init_with(&err, &o), DLG_E_ARG);
	ck_assert_ptr_nonnull(strstr(err.msg, "option leading-assistant keep"));
	o.leading_assistant = DLG_LEADING_ASSISTANT_DROP;
	ck_assert_int_eq(init_with(&err, &o), DLG_OK);
	o.role_key = "speaker";
	ck_assert_int_eq(init_with(&err, &o), DLG_E_ARG);
	ck_assert_ptr_nonnull(strstr(err.msg, "give one kind or the other"));

	dlg_options k = DLG_OPTIONS_INIT;
	const char *twice[] = { "a", "b", "a" };
	k.keep_fields = twice;
	k.n_keep_fields = 3;
	ck_assert_int_eq(init_with(&err, &k), DLG_E_ARG);
	ck_assert_str_eq(err.msg, "option keep-fields names 'a' twice");
	const char *preamble[] = { "preamble" };
	k.keep_fields = preamble;
	k.n_keep_fields = 1;
	ck_assert_int_eq(init_with(&err, &k), DLG_OK);
	k.keep_preamble = 1;
	ck_assert_int_eq(init_with(&err, &k), DLG_E_ARG);
	k.n_keep_fields = DLG_MAX_KEEP_FIELDS + 1;
	ck_assert_int_eq(init_with(&err, &k), DLG_E_ARG);
	dlg_options e = DLG_OPTIONS_INIT;
	e.messages_field = "";
	ck_assert_int_eq(init_with(&err, &e), DLG_E_ARG);
	ck_assert_str_eq(err.msg, "option messages-field needs a name");
}
END_TEST

Suite *json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_json_role_and_content_keys_are_detected);
	tcase_add_test(tc, test_json_carriage_returns_are_line_breaks);
	tcase_add_test(tc, test_json_cjk_directions_read_back);
	tcase_add_test(tc, test_json_fastchat_assistant_spellings);
	tcase_add_test(tc, test_json_messages_field_and_keys);
	tcase_add_test(tc, test_json_unknown_role_is_one_finding);
	tcase_add_test(tc, test_json_content_parts);
	tcase_add_test(tc, test_json_bad_stage_direction_is_one_finding);
	tcase_add_test(tc, test_json_empty_response_field);
	tcase_add_test(tc, test_json_kept_values_are_verbatim);
	tcase_add_test(tc, test_json_kept_types_join_as_pyarrow_infers);
	tcase_add_test(tc, test_json_kept_type_change_message);
	tcase_add_test(tc, test_json_document_lines);
	tcase_add_test(tc, test_json_document_by_records);
	tcase_add_test(tc, test_json_parse_long_strings_in_pieces);
	tcase_add_test(tc, test_json_option_combinations_are_checked);
	suite_add_tcase(s, tc);
	return s;
}
