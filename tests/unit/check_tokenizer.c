/*
 * check_tokenizer.c - tokenizer.json and rank files read or refused by name, and the BPE
 * rules on small hand-made vocabularies (the real tokenizers are compared with their
 * references by the tokenizer_* tests).
 */
#include "helpers.h"
#include "lib/tokenizer.h"

#include <stdio.h>
#include <stdlib.h>

/* Loads `json` as DIR/tokenizer.json; returns the status, the message in err. */
static dlg_status load_json(const char *json, dlg_tokenizer **tok, dlg_error *err)
{
	char *dir = make_temp_dir();
	write_file(dir, "tokenizer.json", json, strlen(json));
	dlg_options o;
	ck_assert_int_eq(dlg_options_init(&o, DLG_OPTIONS_VERSION), DLG_OK);
	dlg_status st = dlg_tokenizer__load(tok, dir, &o, err);
	rm_rf(dir);
	free(dir);
	return st;
}

/* The ids of `text`, space-separated, as a string (static). */
static const char *encode(const dlg_tokenizer *tok, const char *text, size_t n)
{
	static char out[4096];
	dlg_tok_scratch *s;
	dlg_error err;
	dlg_buf ids;
	dlg_buf__init(&ids, NULL, DLG_BUF_UNCAPPED);
	ck_assert_int_eq(dlg_tok_scratch__new(&s, NULL, &err), DLG_OK);
	ck_assert_msg(dlg_tokenizer__encode(tok, s, text, n, &ids, &err) == DLG_OK, "%s",
		      err.msg);
	out[0] = '\0';
	for (size_t i = 0, at = 0; i < DLG_BUF_COUNT(&ids, uint32_t) && at < sizeof out - 16; i++)
		at += (size_t)snprintf(out + at, sizeof out - at, i ? " %u" : "%u",
				       DLG_BUF_AT(&ids, uint32_t, i));
	dlg_buf__dispose(&ids);
	dlg_tok_scratch__free(s);
	return out;
}

#define MODEL(vocab, merges, extra)                                                        \
	"{\"type\":\"BPE\",\"vocab\":{" vocab "},\"merges\":[" merges "]" extra "}"

START_TEST(test_tokenizer_refuses_by_name)
{
	static const struct {
		const char *json, *named;
	} cases[] = {
		{"{\"model\":{\"type\":\"WordPiece\",\"vocab\":{}}}", "model type 'WordPiece'"},
		{"{\"normalizer\":{\"type\":\"Lowercase\"},\"model\":" MODEL("\"a\":0", "", "") "}",
		 "normalizer 'Lowercase'"},
		{"{\"normalizer\":{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"NFC\"},"
		 "{\"type\":\"BertNormalizer\"}]},\"model\":" MODEL("\"a\":0", "", "") "}",
		 "normalizer 'BertNormalizer'"},
		{"{\"pre_tokenizer\":{\"type\":\"Whitespace\"},\"model\":" MODEL("\"a\":0", "", "")
		 "}", "pre-tokenizer 'Whitespace'"},
		{"{\"pre_tokenizer\":{\"type\":\"Split\",\"pattern\":{\"String\":\" \"},"
		 "\"behavior\":\"Contiguous\"},\"model\":" MODEL("\"a\":0", "", "") "}",
		 "Split behavior 'Contiguous'"},
		{"{\"model\":" MODEL("\"a\":0", "", ",\"end_of_word_suffix\":\"</w>\"") "}",
		 "BPE option 'end_of_word_suffix'"},
		{"{\"pre_tokenizer\":{\"type\":\"Split\",\"pattern\":{\"Regex\":\"(\"},"
		 "\"behavior\":\"Isolated\"},\"model\":" MODEL("\"a\":0", "", "") "}",
		 "pattern '('"},
		{"not json", "not JSON"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		dlg_tokenizer *tok = (dlg_tokenizer *)1;
		dlg_error err = {0};
		ck_assert_int_eq(load_json(cases[i].json, &tok, &err), DLG_E_ARG);
		ck_assert_ptr_null(tok);
		ck_assert_msg(strstr(err.msg, cases[i].named), "%zu: %s", i, err.msg);
	}
}
END_TEST

/* A tokenizer_config.json setting that changes the encoding and is not supported is refused
 * by name, each one alone. */
START_TEST(test_tokenizer_refuses_config_settings)
{
	static const struct {
		const char *config, *named;
	} cases[] = {
		{"{\"remove_space\":true}", "remove_space"},
		{"{\"do_lowercase_and_remove_accent\":true}", "do_lowercase_and_remove_accent"},
		{"{\"tokenizer_class\":\"LlamaTokenizerFast\",\"legacy\":false}", "legacy: false"},
	};
	static const char json[] = "{\"model\":" MODEL("\"a\":0", "", "") "}";
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *dir = make_temp_dir();
		write_file(dir, "tokenizer.json", json, strlen(json));
		write_file(dir, "tokenizer_config.json", cases[i].config, strlen(cases[i].config));
		dlg_options o;
		ck_assert_int_eq(dlg_options_init(&o, DLG_OPTIONS_VERSION), DLG_OK);
		dlg_tokenizer *tok = NULL;
		dlg_error err = {0};
		ck_assert_int_eq(dlg_tokenizer__load(&tok, dir, &o, &err), DLG_E_ARG);
		ck_assert_msg(strstr(err.msg, cases[i].named), "%zu: %s", i, err.msg);
		rm_rf(dir);
		free(dir);
	}
}
END_TEST

START_TEST(test_tokenizer_unknown_rank_file)
{
	char *dir = make_temp_dir();
	write_file(dir, "p50k_base.tiktoken", "IQ== 0\n", 7);
	char path[4096];
	snprintf(path, sizeof path, "%s/p50k_base.tiktoken", dir);
	dlg_options o;
	ck_assert_int_eq(dlg_options_init(&o, DLG_OPTIONS_VERSION), DLG_OK);
	dlg_tokenizer *tok;
	dlg_error err;
	ck_assert_int_eq(dlg_tokenizer__load(&tok, path, &o, &err), DLG_E_ARG);
	ck_assert_ptr_nonnull(strstr(err.msg, "cl100k_base, o200k_base"));
	/* a known name with a broken line says which line */
	write_file(dir, "cl100k_base.tiktoken", "IQ== 0\nnot a rank line\n", 23);
	snprintf(path, sizeof path, "%s/cl100k_base.tiktoken", dir);
	ck_assert_int_eq(dlg_tokenizer__load(&tok, path, &o, &err), DLG_E_ARG);
	ck_assert_msg(strstr(err.msg, "line 2"), "%s", err.msg);
	rm_rf(dir);
	free(dir);
}
END_TEST

/* Merges apply lowest rank first, the leftmost of equal ranks first. */
START_TEST(test_tokenizer_merge_order)
{
	dlg_tokenizer *tok;
	dlg_error err;
	ck_assert_int_eq(load_json("{\"model\":" MODEL("\"a\":0,\"b\":1,\"c\":2,\"aa\":3,\"bc\":4,"
						       "\"ab\":5,\"abc\":6",
						       "\"b c\",\"a a\",\"a b\",\"a bc\"", "") "}",
				   &tok, &err), DLG_OK);
	ck_assert_str_eq(encode(tok, "abc", 3), "6");    /* b c (rank 0), then a bc */
	ck_assert_str_eq(encode(tok, "aaa", 3), "3 0");  /* the leftmost a a */
	ck_assert_str_eq(encode(tok, "aab", 3), "3 1");  /* a a before a b */
	dlg_tokenizer__free(tok);
}
END_TEST

/* A piece with no pre-tokenizer is the whole text: 200,000 merges must not take
 * quadratic time (the test's timeout would end a loop that rescans the piece). */
START_TEST(test_tokenizer_long_piece)
{
	dlg_tokenizer *tok;
	dlg_error err;
	ck_assert_int_eq(load_json("{\"model\":" MODEL("\"a\":0,\"aa\":1,\"aaaa\":2",
						       "\"a a\",\"aa aa\"", "") "}",
				   &tok, &err), DLG_OK);
	size_t n = 400000;
	char *text = malloc(n + 1);
	memset(text, 'a', n);
	dlg_tok_scratch *s;
	dlg_buf ids;
	dlg_buf__init(&ids, NULL, DLG_BUF_UNCAPPED);
	ck_assert_int_eq(dlg_tok_scratch__new(&s, NULL, &err), DLG_OK);
	ck_assert_int_eq(dlg_tokenizer__encode(tok, s, text, n, &ids, &err), DLG_OK);
	ck_assert_uint_eq(DLG_BUF_COUNT(&ids, uint32_t), n / 4);
	ids.len = 0;
	ck_assert_int_eq(dlg_tokenizer__encode(tok, s, text, 7, &ids, &err), DLG_OK);
	ck_assert_uint_eq(DLG_BUF_COUNT(&ids, uint32_t), 3); /* aaaa aa a */
	dlg_buf__dispose(&ids);
	dlg_tok_scratch__free(s);
	free(text);
	dlg_tokenizer__free(tok);
}
END_TEST

/* Byte fallback, the unknown token, added tokens with lstrip and rstrip. */
START_TEST(test_tokenizer_fallback_and_added)
{
	dlg_tokenizer *tok;
	dlg_error err;
	ck_assert_int_eq(
		load_json("{\"added_tokens\":[{\"id\":9,\"content\":\"<x>\",\"lstrip\":true},"
			  "{\"id\":8,\"content\":\"<x><y>\",\"rstrip\":true}],"
			  "\"model\":" MODEL("\"<unk>\":0,\"a\":1,\" \":2,\"<0xC3>\":3,"
					     "\"<0xA9>\":4",
					     "", ",\"byte_fallback\":true,\"unk_token\":\"<unk>\"")
			  "}", &tok, &err), DLG_OK);
	ck_assert_str_eq(encode(tok, "a\xc3\xa9", 3), "1 3 4"); /* é as its two bytes */
	ck_assert_str_eq(encode(tok, "a\xe2\x82\xac", 4), "1 0"); /* € lacks <0xE2>: unk */
	ck_assert_str_eq(encode(tok, "a  <x> a", 8), "1 9 2 1");  /* lstrip */
	ck_assert_str_eq(encode(tok, "a <x><y>  a", 11), "1 2 8 1"); /* longest, rstrip */
	dlg_tokenizer__free(tok);
}
END_TEST

START_TEST(test_tokenizer_pre_tokenizers)
{
	dlg_tokenizer *tok;
	dlg_error err;
	/* Metaspace, first section only: no ▁ after the added token */
	ck_assert_int_eq(
		load_json("{\"added_tokens\":[{\"id\":9,\"content\":\"<s>\"}],"
			  "\"pre_tokenizer\":{\"type\":\"Metaspace\",\"replacement\":\"\u2581\","
			  "\"add_prefix_space\":true,\"prepend_scheme\":\"first\"},"
			  "\"model\":" MODEL("\"a\":0,\"\u2581\":1,\"\u2581a\":2",
					     "\"\u2581 a\"", "")
			  "}", &tok, &err), DLG_OK);
	ck_assert_str_eq(encode(tok, "a a", 3), "2 2");
	ck_assert_str_eq(encode(tok, "a<s>a", 5), "2 9 0");
	dlg_tokenizer__free(tok);
	/* MergedWithPrevious: the delimiter ends the piece before it */
	ck_assert_int_eq(
		load_json("{\"pre_tokenizer\":{\"type\":\"Split\",\"pattern\":{\"String\":\"-\"},"
			  "\"behavior\":\"MergedWithPrevious\"},"
			  "\"model\":" MODEL("\"a\":0,\"-\":1,\"a-\":2,\"-a\":3",
					     "\"a -\",\"- a\"", "")
			  "}", &tok, &err), DLG_OK);
	ck_assert_str_eq(encode(tok, "a--a", 4), "2 1 0");
	dlg_tokenizer__free(tok);
}
END_TEST

START_TEST(test_tokenizer_rejects_invalid_utf8)
{
	dlg_tokenizer *tok;
	dlg_error err;
	ck_assert_int_eq(load_json("{\"model\":" MODEL("\"a\":0", "", "") "}", &tok, &err),
			 DLG_OK);
	dlg_tok_scratch *s;
	dlg_buf ids;
	dlg_buf__init(&ids, NULL, DLG_BUF_UNCAPPED);
	ck_assert_int_eq(dlg_tok_scratch__new(&s, NULL, &err), DLG_OK);
	ck_assert_int_eq(dlg_tokenizer__encode(tok, s, "a\xff", 2, &ids, &err), DLG_E_ARG);
	ck_assert_ptr_nonnull(strstr(err.msg, "byte 1"));
	dlg_buf__dispose(&ids);
	dlg_tok_scratch__free(s);
	dlg_tokenizer__free(tok);
}
END_TEST

Suite *tokenizer_suite(void)
{
	Suite *s = suite_create("tokenizer");
	TCase *tc = tcase_create("tokenizer");
	tcase_add_test(tc, test_tokenizer_refuses_by_name);
	tcase_add_test(tc, test_tokenizer_refuses_config_settings);
	tcase_add_test(tc, test_tokenizer_unknown_rank_file);
	tcase_add_test(tc, test_tokenizer_merge_order);
	tcase_add_test(tc, test_tokenizer_long_piece);
	tcase_add_test(tc, test_tokenizer_fallback_and_added);
	tcase_add_test(tc, test_tokenizer_pre_tokenizers);
	tcase_add_test(tc, test_tokenizer_rejects_invalid_utf8);
	suite_add_tcase(s, tc);
	return s;
}
