/*
 * check_stage.c - stage directions (docs/rules.md "Stage directions"): which spans are directions,
 * where each stood, and that putting them back gives what was taken out.
 */
#include "helpers.h"
#include "lib/buf.h"
#include "lib/stage.h"

#include <stdio.h>

/* Each row: the user turn's text, the content it leaves, and its directions with their
 * byte offsets ("text@at", joined with '|'). */
static const struct stage_case {
	const char *in;
	const char *content;
	const char *stages;
} stage_cases[] = {
	{ "*sighs* I'm down.", "I'm down.", "sighs@0" },
	{ "I'm down. *sniffles* I want more.", "I'm down. I want more.", "sniffles@10" },
	{ "Thanks. *Wipes away tears.*", "Thanks.", "wipes away tears@7" },
	{ "_nods slowly_ Okay.", "Okay.", "nods slowly@0" },
	{ "I can't believe it. *nods slowly* Yes.", "I can't believe it. Yes.", "nods slowly@20" },
	{ "*smiles warmly* Welcome back!", "Welcome back!", "smiles warmly@0" },
	/* a turn that is only an action keeps it as its text (issue 25: E204 rejected a
	 * 14-turn roleplay for a user turn of `*起床*`, "gets up") */
	{ "*high five*", "*high five*", "" },
	{ "*起床*", "*起床*", "" },
	{ " *sighs*\n\n_nods_ ", "*sighs*\n\n_nods_", "" },
	{ "*sighs* *smiles* Both.", "Both.", "sighs@0|smiles@0" },
	{ "Line one.\n*pauses*\nLine two.", "Line one.\nLine two.", "pauses@10" },
	{ "Line one.\n*pauses*\nand on.", "Line one.\nand on.", "pauses@10" },
	/* a place in blank lines that tidying removes stays where the text before ends */
	{ "One.\n\n*pauses*\n\nTwo.", "One.\n\nTwo.", "pauses@4" },
	{ "End of line. *nods*\nNext.", "End of line.\nNext.", "nods@12" },
	/* directions alone on an indented line: all where the line was, in order (the first
	 * stood after the blank that went with the line; 53802f5 put it past the second) */
	{ "Line one.\n *nods* *sighs*\nLine two.", "Line one.\nLine two.", "nods@10|sighs@10" },
	{ "Ok.      *sighs* *nods* *smiles*\nNext.", "Ok.\nNext.", "sighs@3|nods@3|smiles@3" },
	/* a title, code and directions on one line: each span judged where it stands */
	{ "1. *Nods.* Then. *sighs* Yes.", "1. *Nods.* Then. Yes.", "sighs@17" },
	{ "a) *Nods.* Then. *sighs* Yes.", "a) *Nods.* Then. Yes.", "sighs@17" },
	{ "`a`. *sighs* Yes. `b *nods* c`. *nods* Ok.", "`a`. Yes. `b *nods* c`. Ok.",
	  "sighs@5|nods@24" },
	{ "``. *sighs* Yes. ` *x* `. *nods* Ok. *smiles*", "``. Yes. ` *x* `. Ok.",
	  "sighs@4|nods@18|smiles@21" },
	/* only the inline code makes these text: a direction's place and words otherwise */
	{ "Type `ok. *sighs* Yes` now.", "Type `ok. *sighs* Yes` now.", "" },
	{ "`a` b `ok. *sighs* Yes` now. *nods* Ok.", "`a` b `ok. *sighs* Yes` now. Ok.",
	  "nods@29" },
	{ "*\xc3\x89tonn\xc3\xa9* Oui.", "Oui.", "\xc3\xa9tonn\xc3\xa9@0" },
	/* CJK (issue 25): full-width brackets, CJK punctuation as ASCII's */
	{ "最近压力很大。 *叹气*", "最近压力很大。", "叹气@21" },
	{ "好的。*叹气*我明白了。", "好的。我明白了。", "叹气@9" },
	{ "（沉默片刻）是的，我相信他。", "是的，我相信他。", "沉默片刻@0" },
	{ "（沉默片刻，泪如雨下）这么多年。", "这么多年。", "沉默片刻，泪如雨下@0" },
	{ "好的。（哭泣）我明白了。", "好的。我明白了。", "哭泣@9" },
	{ "好的。\n（一段时间后）\n我觉得好多了。", "好的。\n我觉得好多了。", "一段时间后@10" },
	/* between paragraphs: written back on its own line, where a clause is read again */
	{ "我们来做游戏。\n\n（游戏过程中，来访者放松了。）\n\n你感觉如何？", "我们来做游戏。\n\n你感觉如何？",
	  "游戏过程中，来访者放松了。@21" },
	{ "One. *nods*\n\nTwo.", "One.\n\nTwo.", "nods@4" },
	{ "好的。\n\n（NLP治疗过程中）\n\n现在。", "好的。\n\n现在。", "NLP治疗过程中@9" },
	{ "好的。\n（来访者挑选了一会儿，选中了一只小乌龟。）", "好的。", "来访者挑选了一会儿，选中了一只小乌龟。@9" },
	{ "（沉默2分钟）你可以去爱他们。", "你可以去爱他们。", "沉默2分钟@0" },
	{ "*注意：* 这个很重要。", "*注意：* 这个很重要。", "" },
	{ "*第一步：* 深呼吸。", "*第一步：* 深呼吸。", "" },
	{ "*你还好吗？*\n我很担心。", "*你还好吗？*\n我很担心。", "" },
	{ "我在读 *百年孤独* 这本书。", "我在读 *百年孤独* 这本书。", "" },
	{ "*百年孤独* 是一本好书。", "*百年孤独* 是一本好书。", "" },
	/* on its own line between paragraphs: written back there, not inline after `。` */
	{ "我很高兴。\n\n*微笑*\n\n好的。", "我很高兴。\n\n好的。", "微笑@15" },
	{ "*答案* 句子A", "*答案* 句子A", "" },
	{ "*CoT* 狗不是用来放在煎锅里的。", "*CoT* 狗不是用来放在煎锅里的。", "" },
	{ "好的。（注：这是示例）", "好的。（注：这是示例）", "" },
	{ "故事讲完了。\n（完）", "故事讲完了。\n（完）", "" },
	{ "（此处省略引导语）\n好的。", "（此处省略引导语）\n好的。", "" },
	{ "我的朋友（化名）来了。", "我的朋友（化名）来了。", "" },
	{ "这是观点。（如果你不认同，孩子也会察觉到的。）", "这是观点。（如果你不认同，孩子也会察觉到的。）",
	  "" },
	{ "【理解分析】在我看来，这很好。", "【理解分析】在我看来，这很好。", "" },
	{ "（1）是的。", "（1）是的。", "" },
	{ "嗯，「*叹气*」", "嗯，「*叹气*」", "" },
	/* emphasis, titles, quotes, code: text, never directions */
	{ "This is **bold** text.", "This is **bold** text.", "" },
	{ "List:\n* one\n* two", "List:\n* one\n* two", "" },
	{ "Math: 2*3*4 = 24.", "Math: 2*3*4 = 24.", "" },
	{ "Use snake_case_names here.", "Use snake_case_names here.", "" },
	{ "An un*believ*able day.", "An un*believ*able day.", "" },
	{ "This is *really* good.", "This is *really* good.", "" },
	{ "I *really* love it.", "I *really* love it.", "" },
	{ "Wow. *that* was lower-case after.", "Wow. *that* was lower-case after.", "" },
	{ "*a b c d e f g h i* too many words", "*a b c d e f g h i* too many words", "" },
	/* nine words, all else a direction's */
	{ "Okay. *he looks at her and then slowly walks away*",
	  "Okay. *he looks at her and then slowly walks away*", "" },
	{ "*...* not a direction", "*...* not a direction", "" },
	{ "Sure:\n\n1. *Fullmetal Alchemist:* two brothers.",
	  "Sure:\n\n1. *Fullmetal Alchemist:* two brothers.", "" },
	{ "2. *\"Chamo, \xc2\xbfqu\xc3\xa9 es la que hay?\"* - a greeting.",
	  "2. *\"Chamo, \xc2\xbfqu\xc3\xa9 es la que hay?\"* - a greeting.", "" },
	{ "*We can assume the body is in the car, right?*",
	  "*We can assume the body is in the car, right?*", "" },
	{ "*Ingredientes:*\n- harina", "*Ingredientes:*\n- harina", "" },
	{ "Have you seen *Cowboy Bebop*? It is great.",
	  "Have you seen *Cowboy Bebop*? It is great.", "" },
	{ "Watch *Cowboy Bebop* tonight.", "Watch *Cowboy Bebop* tonight.", "" },
	{ "- *Trade wisely* with others", "- *Trade wisely* with others", "" },
	{ "We are *NOT* looking.", "We are *NOT* looking.", "" },
	{ "Done. *NOT*", "Done. *NOT*", "" },
	{ "Done. *Cowboy Bebop*", "Done. *Cowboy Bebop*", "" },
	{ "Run `ls *sighs*` now.", "Run `ls *sighs*` now.", "" },
	{ "```\n*sighs*\n```", "```\n*sighs*\n```", "" },
	{ "Sagittarius A* is a black hole.", "Sagittarius A* is a black hole.", "" },
	{ "Done. *x = 2*", "Done. *x = 2*", "" },
	{ "Done. *10 fingers*", "Done. *10 fingers*", "" },
	{ "Okay. *sighs, then smiles*", "Okay. *sighs, then smiles*", "" },
};

static void joined_stages(char *out, size_t size, const harness *h)
{
	out[0] = '\0';
	for (size_t k = 0; k < turn_n_stage(h, 0); k++) {
		char one[128];
		snprintf(one, sizeof one, "%s%s@%zu", k ? "|" : "", turn_stage(h, 0, k),
			 turn_stage_at(h, 0, k));
		strncat(out, one, size - strlen(out) - 1);
	}
}

static void run_user_turn(harness *h, const char *text)
{
	char transcript[1024];
	snprintf(transcript, sizeof transcript, "### Human: %s\n### Assistant: ok\n", text);
	harness_run(h, transcript);
}

START_TEST(test_stage_directions_and_places)
{
	const struct stage_case *c = &stage_cases[_i];
	harness h;
	harness_init(&h);
	run_user_turn(&h, c->in);
	ck_assert_str_eq(turn_text(&h, 0), c->content);
	char joined[512];
	joined_stages(joined, sizeof joined, &h);
	ck_assert_str_eq(joined, c->stages);
	harness_dispose(&h);
}
END_TEST

/* Putting the directions back where they stood and taking them out again gives the same
 * content and places: what the text and sharegpt formats rely on. */
START_TEST(test_stage_render_then_extract_is_identity)
{
	const struct stage_case *c = &stage_cases[_i];
	harness h;
	harness_init(&h);
	run_user_turn(&h, c->in);
	char content[512], first[512];
	snprintf(content, sizeof content, "%s", turn_text(&h, 0));
	joined_stages(first, sizeof first, &h);
	dlg_stage_ref refs[8];
	size_t n = turn_n_stage(&h, 0);
	char texts[8][64];
	for (size_t k = 0; k < n; k++) {
		snprintf(texts[k], sizeof texts[k], "%s", turn_stage(&h, 0, k));
		refs[k] = (dlg_stage_ref){ texts[k], strlen(texts[k]), turn_stage_at(&h, 0, k) };
	}
	dlg_buf rendered;
	dlg_buf__init(&rendered, NULL, DLG_BUF_UNCAPPED);
	ck_assert_int_eq(dlg_stage__render(&rendered, content, strlen(content), refs, n, NULL),
			 DLG_OK);
	ck_assert_int_eq(dlg_buf__putc(&rendered, '\0', NULL), DLG_OK);
	run_user_turn(&h, rendered.data);
	ck_assert_str_eq(turn_text(&h, 0), content);
	char again[512];
	joined_stages(again, sizeof again, &h);
	ck_assert_str_eq(again, first);
	dlg_buf__dispose(&rendered);
	harness_dispose(&h);
}
END_TEST

START_TEST(test_stage_keep_leaves_text_and_strip_removes)
{
	harness h;
	harness_init(&h);
	h.opts.stage = DLG_STAGE_KEEP;
	run_user_turn(&h, "*Sighs deeply.* Fine. _Nods._ I *really* do.");
	ck_assert_str_eq(turn_text(&h, 0), "*Sighs deeply.* Fine. _Nods._ I *really* do.");
	ck_assert_uint_eq(turn_n_stage(&h, 0), 0);
	ck_assert_uint_eq(h.unit.fixes[DLG_FIX_STAGE_KEPT], 2);
	harness_dispose(&h);
	harness_init(&h);
	h.opts.stage = DLG_STAGE_STRIP;
	run_user_turn(&h, "*Sighs deeply.* Fine. _Nods._ I *really* do.");
	ck_assert_str_eq(turn_text(&h, 0), "Fine. I *really* do.");
	ck_assert_uint_eq(turn_n_stage(&h, 0), 0);
	ck_assert_uint_eq(h.unit.fixes[DLG_FIX_STAGE_STRIPPED], 2);
	/* nor does stripping empty a turn that is only an action: it is kept, and counted so */
	run_user_turn(&h, "*起床*");
	ck_assert_str_eq(turn_text(&h, 0), "*起床*");
	ck_assert_uint_eq(h.unit.fixes[DLG_FIX_STAGE_KEPT], 1);
	ck_assert(!h.unit.rejected);
	harness_dispose(&h);
}
END_TEST

typedef struct scanned {
	size_t start[8];
	int direction[8];
	size_t n;
} scanned;

static void remember(const dlg_stage_span *s, void *payload)
{
	scanned *sc = payload;
	ck_assert_uint_lt(sc->n, 8);
	ck_assert_str_ne(s->why, "");
	sc->start[sc->n] = s->start;
	sc->direction[sc->n++] = s->direction;
}

/* The public scan reports every candidate with the same decision the conversion makes. */
START_TEST(test_stage_scan_reports_every_candidate)
{
	const char *t = "*sighs* I *really* do. *Cowboy Bebop* *nods*";
	scanned sc = { .n = 0 };
	dlg_stage_scan(t, strlen(t), remember, &sc);
	ck_assert_uint_eq(sc.n, 4);
	ck_assert_uint_eq(sc.start[3], 38);
	ck_assert_int_eq(sc.direction[0], 1);
	ck_assert_int_eq(sc.direction[1], 0);
	ck_assert_int_eq(sc.direction[2], 0);
	ck_assert_int_eq(sc.direction[3], 1);
}
END_TEST

Suite *stage_suite(void)
{
	Suite *s = suite_create("stage");
	TCase *tc = tcase_create("core");
	int n = (int)(sizeof stage_cases / sizeof stage_cases[0]);
	tcase_add_loop_test(tc, test_stage_directions_and_places, 0, n);
	tcase_add_loop_test(tc, test_stage_render_then_extract_is_identity, 0, n);
	tcase_add_test(tc, test_stage_keep_leaves_text_and_strip_removes);
	tcase_add_test(tc, test_stage_scan_reports_every_candidate);
	suite_add_tcase(s, tc);
	return s;
}
