#include "helpers.h"
#include "lib/buf.h"
#include "lib/neardup.h"
#include "lib/nearindex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

/* the conversation id the index keeps, which these tests do not look at */
static const uint8_t no_id[16];

/* splitmix64: a fixed-seed generator, the same on every machine */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static size_t random_below(uint64_t *state, size_t n)
{
	return (size_t)(next_random(state) % n);
}

static void signature_of(dlg_neardup_sig *out, const char *text)
{
	harness h;
	harness_init(&h);
	harness_run(&h, text);
	dlg_buf scratch;
	dlg_buf__init(&scratch, NULL, DLG_BUF_UNCAPPED);
	ck_assert_int_eq(dlg_neardup__signature(out, &h.unit, &scratch, NULL), DLG_OK);
	dlg_buf__dispose(&scratch);
	harness_dispose(&h);
}

static void random_signature(dlg_neardup_sig *out, uint64_t *state)
{
	memset(out, 0, sizeof *out);
	for (size_t k = 0; k < sizeof out->nib; k++)
		out->nib[k] = (uint8_t)next_random(state);
	out->empty = false;
	out->n_exact = DLG_NEARDUP_MANY; /* compared by the estimate */
}

/* As random_signature, with an exact set of 1 to DLG_NEARDUP_EXACT random fingerprints. */
static void random_short_signature(dlg_neardup_sig *out, uint64_t *state)
{
	random_signature(out, state);
	out->n_exact = (uint8_t)(1 + random_below(state, DLG_NEARDUP_EXACT));
	uint32_t fp = 0;
	for (size_t k = 0; k < out->n_exact; k++) {
		fp += 1 + (uint32_t)random_below(state, 1000);
		out->exact[k] = fp;
	}
}

static void add(dlg_neardup_index *ix, const dlg_neardup_sig *s, uint32_t expected_id)
{
	uint32_t id;
	ck_assert_int_eq(dlg_nearindex__add(&id, ix, s, no_id, DLG_NEARDUP_NEW, 0, NULL), DLG_OK);
	ck_assert_uint_eq(id, expected_id);
}

/* "### Human: w0 w1 ...\n\n### Assistant: ..." with words made from numbers */
static char *numbered_conversation(size_t n_words, size_t changed_word, const char *change)
{
	dlg_buf b;
	dlg_buf__init(&b, NULL, DLG_BUF_UNCAPPED);
	for (size_t i = 0; i < n_words; i++) {
		if (i % 50 == 0)
			ck_assert_int_eq(dlg_buf__printf(&b, NULL, "%s### %s:", i ? "\n\n" : "",
							 i % 100 ? "Assistant" : "Human"),
					 DLG_OK);
		if (i == changed_word)
			ck_assert_int_eq(dlg_buf__printf(&b, NULL, " %s", change), DLG_OK);
		else
			ck_assert_int_eq(dlg_buf__printf(&b, NULL, " word%zu", i), DLG_OK);
	}
	char *text;
	ck_assert_int_eq(dlg_buf__take_string(&text, &b, DLG_OK, NULL), DLG_OK);
	return text;
}

START_TEST(test_neardup_identical_conversations_match)
{
	const char *text = "### Human: how do I boil an egg without cracking it?\n\n"
			   "### Assistant: Lower it gently into simmering water with a spoon.\n";
	dlg_neardup_sig a, b;
	signature_of(&a, text);
	signature_of(&b, text);
	ck_assert(!a.empty);
	ck_assert_int_eq(memcmp(&a, &b, sizeof a), 0);
	ck_assert_double_eq(dlg_neardup__similarity(&a, &b), 1.0);

	dlg_neardup_index ix;
	dlg_nearindex__init(&ix, NULL);
	ck_assert(!dlg_nearindex__find(&(uint32_t){ 0 }, NULL, &ix, &a, 0.8));
	add(&ix, &a, 0);
	uint32_t match = 99;
	double sim = 0;
	ck_assert(dlg_nearindex__find(&match, &sim, &ix, &b, 0.8));
	ck_assert_uint_eq(match, 0);
	ck_assert_double_eq(sim, 1.0);
	dlg_nearindex__dispose(&ix);
}
END_TEST

START_TEST(test_neardup_one_word_changed_still_matches)
{
	char *text = numbered_conversation(300, (size_t)-1, NULL);
	char *edited = numbered_conversation(300, 137, "typo");
	dlg_neardup_sig a, b;
	signature_of(&a, text);
	signature_of(&b, edited);
	ck_assert_int_ne(memcmp(&a, &b, sizeof a), 0);
	ck_assert_double_gt(dlg_neardup__similarity(&a, &b), 0.8);

	dlg_neardup_index ix;
	dlg_nearindex__init(&ix, NULL);
	add(&ix, &a, 0);
	uint32_t match;
	ck_assert(dlg_nearindex__find(&match, NULL, &ix, &b, 0.8));
	ck_assert_uint_eq(match, 0);
	dlg_nearindex__dispose(&ix);
	free(text);
	free(edited);
}
END_TEST

START_TEST(test_neardup_unrelated_conversations_do_not_match)
{
	dlg_neardup_sig a, b;
	signature_of(&a, "### Human: what is the capital of France and why is it there?\n\n"
			 "### Assistant: Paris, which grew around an island in the Seine.\n");
	signature_of(&b, "### Human: can you help me fix my bicycle chain please?\n\n"
			 "### Assistant: Sure: shift down, then look for a stiff link.\n");
	ck_assert_double_lt(dlg_neardup__similarity(&a, &b), 0.15);
	dlg_neardup_index ix;
	dlg_nearindex__init(&ix, NULL);
	add(&ix, &a, 0);
	ck_assert(!dlg_nearindex__find(&(uint32_t){ 0 }, NULL, &ix, &b, 0.8));
	dlg_nearindex__dispose(&ix);
}
END_TEST

START_TEST(test_neardup_case_and_punctuation_do_not_count)
{
	dlg_neardup_sig a, b;
	signature_of(&a, "### Human: Hello, World! ÉTÉ à Paris?\n"
			 "### Assistant: Fine;  THANKS...\n");
	signature_of(&b, "### Human: hello world été à paris\n### Assistant: fine thanks\n");
	ck_assert_int_eq(memcmp(&a, &b, sizeof a), 0);
}
END_TEST

START_TEST(test_neardup_words_across_eight_byte_steps)
{
	/* long words, letters outside ASCII inside and at the ends of words, digits, and text
	 * shorter than eight bytes at the end of a turn */
	dlg_neardup_sig a, b;
	signature_of(&a, "### Human: Ábcdefghijklmnopq STRAẞENBAHNHALTESTELLE,x1234567890y "
			 "über-groß—MAẞ  Ωmega's\n### Assistant: Done; OK.\n");
	signature_of(&b, "### Human: ábcdefghijklmnopq straßenbahnhaltestelle x1234567890y über "
			 "groß maß ωmega s\n### Assistant: done ok\n");
	ck_assert_int_eq(memcmp(&a, &b, sizeof a), 0);
	signature_of(&b, "### Human: ábcdefghijklmnopq straßenbahnhaltestelle x1234567890y über "
			 "groß maß ωmega\n### Assistant: done ok\n");
	ck_assert_int_ne(memcmp(&a, &b, sizeof a), 0);
}
END_TEST

START_TEST(test_neardup_roles_count)
{
	const char *text = "### Human: one two three\n### Assistant: four five six\n"
			   "### Human: seven eight nine\n### Assistant: ten eleven twelve\n";
	const char *swapped = "### Assistant: one two three\n### Human: four five six\n"
			      "### Assistant: seven eight nine\n### Human: ten eleven twelve\n";
	dlg_neardup_sig a, b;
	signature_of(&a, text);
	signature_of(&b, swapped);
	/* 10 of the 14 shingles hold a role token: J = 4 / 24 */
	ck_assert_double_lt(dlg_neardup__similarity(&a, &b), 0.5);
}
END_TEST

START_TEST(test_neardup_signature_is_deterministic)
{
	char *text = numbered_conversation(120, 5, "Ünïcödé");
	dlg_neardup_sig a, b;
	signature_of(&a, text);
	signature_of(&b, text);
	ck_assert_int_eq(memcmp(&a, &b, sizeof a), 0);
	/* pinned: the same bytes on every machine and in every version that keeps the design
	 * (changed by issue 21: the bits of an empty bin are hashed with its number) */
	ck_assert_uint_eq(XXH3_64bits(a.nib, sizeof a.nib), 0x924F30EB74C3461DULL);
	ck_assert_uint_eq(a.n_exact, DLG_NEARDUP_MANY);
	free(text);
}
END_TEST

START_TEST(test_neardup_empty_conversation_is_similar_to_nothing)
{
	dlg_neardup_sig none, dots, tiny;
	signature_of(&none, "just text\n");
	signature_of(&dots, "### Human: ...\n### Assistant: ?! -- ~\n");
	signature_of(&tiny, "### Human: hi\n");
	ck_assert(none.empty);
	ck_assert(dots.empty);
	ck_assert_uint_eq(dots.n_exact, 0);
	ck_assert(!tiny.empty);
	ck_assert_uint_eq(tiny.n_exact, 1);
	ck_assert_double_eq(dlg_neardup__similarity(&none, &none), 0);
	ck_assert_double_eq(dlg_neardup__similarity(&dots, &none), 0);
	ck_assert_double_eq(dlg_neardup__similarity(&tiny, &tiny), 1);

	dlg_neardup_index ix;
	dlg_nearindex__init(&ix, NULL);
	add(&ix, &none, 0);
	add(&ix, &tiny, 1);
	uint32_t match;
	ck_assert(!dlg_nearindex__find(&match, NULL, &ix, &none, 0));
	ck_assert(!dlg_nearindex__find(&match, NULL, &ix, &dots, 0));
	ck_assert(dlg_nearindex__find(&match, NULL, &ix, &tiny, 0.8));
	ck_assert_uint_eq(match, 1);
	dlg_nearindex__dispose(&ix);
}
END_TEST

START_TEST(test_neardup_earliest_match_wins)
{
	uint64_t state = 14;
	dlg_neardup_sig unrelated, exact, variant;
	random_signature(&unrelated, &state);
	random_signature(&exact, &state);
	/* differs from `exact` in band 0 only: 4 of 256 bins */
	variant = exact;
	variant.nib[0] ^= 0x11;
	variant.nib[1] ^= 0x11;

	dlg_neardup_index ix;
	dlg_nearindex__init(&ix, NULL);
	add(&ix, &unrelated, 0);
	add(&ix, &variant, 1);
	add(&ix, &exact, 2);
	/* band 0 leads to id 2, an exact match; the other bands to id 1, a close one */
	uint32_t match;
	double sim;
	ck_assert(dlg_nearindex__find(&match, &sim, &ix, &exact, 0.9));
	ck_assert_uint_eq(match, 1);
	ck_assert_double_lt(sim, 1);
	ck_assert(dlg_nearindex__find(&match, &sim, &ix, &exact, 0.999));
	ck_assert_uint_eq(match, 2);
	ck_assert_double_eq(sim, 1);
	dlg_nearindex__dispose(&ix);
}
END_TEST

START_TEST(test_neardup_index_grows_without_losing_entries)
{
	enum { N = 100000 };
	dlg_neardup_index ix;
	dlg_nearindex__init(&ix, NULL);
	uint64_t state = 1;
	dlg_neardup_sig s;
	for (uint32_t i = 0; i < N; i++) {
		random_signature(&s, &state);
		add(&ix, &s, i);
	}
	ck_assert_uint_eq(ix.count, N);
	ck_assert_uint_eq(ix.clusters, 0);
	for (size_t b = 0; b < DLG_NEARDUP_BANDS; b++) {
		/* random 32-bit keys: a few of 100000 collide */
		ck_assert_uint_gt(ix.bands[b].count, N - 20);
		ck_assert_uint_le(ix.bands[b].count * 4, ix.bands[b].cap * 3);
	}
	state = 1;
	for (uint32_t i = 0; i < N; i++) {
		random_signature(&s, &state);
		uint32_t match;
		ck_assert(dlg_nearindex__find(&match, NULL, &ix, &s, 0.8));
		ck_assert_uint_eq(match, i);
	}
	dlg_nearindex__dispose(&ix);
}
END_TEST

START_TEST(test_neardup_clusters_and_tags)
{
	uint64_t state = 7;
	dlg_neardup_sig s;
	random_signature(&s, &state);
	dlg_neardup_index ix;
	dlg_nearindex__init(&ix, NULL);
	uint32_t a, b, c, d, e;
	ck_assert_int_eq(dlg_nearindex__add(&a, &ix, &s, no_id, DLG_NEARDUP_NEW, 1, NULL), DLG_OK);
	ck_assert_int_eq(dlg_nearindex__add(&b, &ix, &s, no_id, a, 2, NULL), DLG_OK);
	ck_assert_int_eq(dlg_nearindex__add(&c, &ix, &s, no_id, b, 3, NULL), DLG_OK);
	ck_assert_int_eq(dlg_nearindex__add(&d, &ix, &s, no_id, DLG_NEARDUP_NEW, 4, NULL), DLG_OK);
	ck_assert_uint_eq(ix.clusters, 1);
	ck_assert_int_eq(dlg_nearindex__add(&e, &ix, &s, no_id, d, 5, NULL), DLG_OK);
	ck_assert_uint_eq(ix.clusters, 2);
	ck_assert_uint_eq(dlg_nearindex__cluster(&ix, a), a);
	ck_assert_uint_eq(dlg_nearindex__cluster(&ix, b), a);
	ck_assert_uint_eq(dlg_nearindex__cluster(&ix, c), a); /* joined through b */
	ck_assert_uint_eq(dlg_nearindex__cluster(&ix, d), d);
	ck_assert_uint_eq(dlg_nearindex__cluster(&ix, e), d);
	ck_assert_uint_eq(dlg_nearindex__tag(&ix, c), 3);
	ck_assert_uint_eq(dlg_nearindex__tag(&ix, e), 5);
	dlg_nearindex__dispose(&ix);
}
END_TEST

START_TEST(test_neardup_id_limit)
{
	uint64_t state = 3;
	dlg_neardup_sig s;
	random_signature(&s, &state);
	dlg_neardup_index ix;
	dlg_nearindex__init(&ix, NULL);
	ix.count = DLG_NEARDUP_MAX_IDS; /* as if that many had been added */
	dlg_error err;
	uint32_t id;
	ck_assert_int_eq(dlg_nearindex__add(&id, &ix, &s, no_id, DLG_NEARDUP_NEW, 0, &err),
			 DLG_E_LIMIT);
	ck_assert_int_eq(err.code, DLG_E_LIMIT);
	ix.count = 0;
	dlg_nearindex__dispose(&ix);
}
END_TEST

START_TEST(test_neardup_out_of_memory_leaves_index_whole)
{
	enum { N = 3000 };
	bool finished = false;
	for (long fail_at = 1; !finished; fail_at++) {
		failing_alloc fa;
		failing_alloc_init(&fa, fail_at);
		dlg_neardup_index ix;
		dlg_nearindex__init(&ix, &fa.a);
		uint64_t state = 5;
		dlg_neardup_sig s;
		uint32_t added = 0;
		dlg_status st = DLG_OK;
		while (added < N && st == DLG_OK) {
			if (added % 2)
				random_short_signature(&s, &state);
			else
				random_signature(&s, &state);
			uint32_t id;
			st = dlg_nearindex__add(&id, &ix, &s, no_id, DLG_NEARDUP_NEW, 0, NULL);
			added += st == DLG_OK;
		}
		finished = st == DLG_OK;
		if (!finished)
			ck_assert_int_eq(st, DLG_E_NOMEM);
		ck_assert_uint_eq(ix.count, added);
		state = 5;
		for (uint32_t i = 0; i < added; i++) {
			if (i % 2)
				random_short_signature(&s, &state);
			else
				random_signature(&s, &state);
			uint32_t match;
			ck_assert(dlg_nearindex__find(&match, NULL, &ix, &s, 0.8));
			ck_assert_uint_eq(match, i);
		}
		dlg_nearindex__dispose(&ix);
		ck_assert_int_eq(fa.live, 0);
	}

	harness h;
	harness_init(&h);
	harness_run(&h, "### Human: hi there\n### Assistant: hello\n");
	failing_alloc fa;
	failing_alloc_init(&fa, 1);
	dlg_buf scratch;
	dlg_buf__init(&scratch, &fa.a, DLG_BUF_UNCAPPED);
	dlg_neardup_sig s;
	ck_assert_int_eq(dlg_neardup__signature(&s, &h.unit, &scratch, NULL), DLG_E_NOMEM);
	dlg_buf__dispose(&scratch);
	harness_dispose(&h);
}
END_TEST

/* "?" then "answer<i>": one shingle each, all different (issue 21). The old signature copied
 * the one filled bin's 4 bits into all 256, so 1,000 of them fell into 16 clusters. */
START_TEST(test_neardup_one_shingle_conversations_share_nothing)
{
	enum { N = 1000 };
	dlg_neardup_index ix;
	dlg_nearindex__init(&ix, NULL);
	dlg_neardup_sig s, before;
	double worst = 0;
	for (uint32_t i = 0; i < N; i++) {
		char text[64];
		snprintf(text, sizeof text, "### Human: ?\n### Assistant: answer%u\n", (unsigned)i);
		signature_of(&s, text);
		ck_assert_uint_eq(s.n_exact, 1);
		uint32_t match;
		ck_assert(!dlg_nearindex__find(&match, NULL, &ix, &s, 0.8));
		add(&ix, &s, i);
		/* the estimate alone, without the exact sets, must not take them for copies */
		if (i > 0) {
			dlg_neardup_sig a = s, b = before;
			a.n_exact = b.n_exact = DLG_NEARDUP_MANY;
			double sim = dlg_neardup__similarity(&a, &b);
			worst = sim > worst ? sim : worst;
			ck_assert_double_eq(dlg_neardup__similarity(&s, &before), 0);
		}
		before = s;
	}
	ck_assert_double_lt(worst, 0.3);
	ck_assert_uint_eq(ix.clusters, 0);
	dlg_nearindex__dispose(&ix);
}
END_TEST

START_TEST(test_neardup_exact_set_counts_distinct_shingles)
{
	dlg_neardup_sig a, b;
	/* u hi a hello there: 3 shingles */
	signature_of(&a, "### Human: hi\n### Assistant: hello there\n");
	ck_assert_uint_eq(a.n_exact, 3);
	for (size_t k = 1; k < a.n_exact; k++)
		ck_assert_uint_lt(a.exact[k - 1], a.exact[k]);
	/* a word said 200 times: shingles "u ha ha" and "ha ha ha" */
	dlg_buf text;
	dlg_buf__init(&text, NULL, DLG_BUF_UNCAPPED);
	ck_assert_int_eq(dlg_buf__printf(&text, NULL, "### Human:"), DLG_OK);
	for (size_t k = 0; k < 200; k++)
		ck_assert_int_eq(dlg_buf__printf(&text, NULL, " ha"), DLG_OK);
	ck_assert_int_eq(dlg_buf__putc(&text, '\n', NULL), DLG_OK);
	ck_assert_int_eq(dlg_buf__putc(&text, '\0', NULL), DLG_OK);
	signature_of(&b, text.data);
	dlg_buf__dispose(&text);
	ck_assert_uint_eq(b.n_exact, 2);
	/* 33 words, 32 shingles: the most kept; one more word, too many */
	char *at_most = numbered_conversation(33, (size_t)-1, NULL);
	char *more = numbered_conversation(34, (size_t)-1, NULL);
	signature_of(&a, at_most);
	signature_of(&b, more);
	ck_assert_uint_eq(a.n_exact, DLG_NEARDUP_EXACT);
	ck_assert_uint_eq(b.n_exact, DLG_NEARDUP_MANY);
	/* J = 32 / 33, but the size bound of the one kept caps the estimate at 32 / 33 */
	ck_assert_double_le(dlg_neardup__similarity(&a, &b), 32.0 / 33);
	free(at_most);
	free(more);
}
END_TEST

/* Candidates are confirmed against the exact sets: signatures that agree in every bin are
 * still as near as their sets say. */
START_TEST(test_neardup_exact_sets_confirm_candidates)
{
	uint64_t state = 21;
	dlg_neardup_sig a, b;
	random_signature(&a, &state);
	b = a;
	a.n_exact = 4;
	b.n_exact = 4;
	uint32_t set_a[] = { 10, 20, 30, 40 }, set_b[] = { 10, 20, 30, 50 };
	memcpy(a.exact, set_a, sizeof set_a);
	memcpy(b.exact, set_b, sizeof set_b);
	ck_assert_double_eq(dlg_neardup__similarity(&a, &b), 3.0 / 5);

	dlg_neardup_index ix;
	dlg_nearindex__init(&ix, NULL);
	add(&ix, &a, 0);
	uint32_t match;
	double sim;
	ck_assert(!dlg_nearindex__find(&match, &sim, &ix, &b, 0.8));
	ck_assert(dlg_nearindex__find(&match, &sim, &ix, &b, 0.6));
	ck_assert_uint_eq(match, 0);
	ck_assert_double_eq(sim, 3.0 / 5);
	/* one side of few shingles, the other of more than DLG_NEARDUP_EXACT: at most 4 / 33 */
	b.n_exact = DLG_NEARDUP_MANY;
	memset(b.exact, 0, sizeof b.exact);
	ck_assert_double_eq(dlg_neardup__similarity(&a, &b), 4.0 / DLG_NEARDUP_MANY);
	ck_assert(!dlg_nearindex__find(&match, &sim, &ix, &b, 0.2));
	ck_assert(dlg_nearindex__find(&match, &sim, &ix, &b, 0.1));
	/* read back from the index, a signature is the one added */
	dlg_neardup_sig back;
	dlg_nearindex__sig_of(&back, &ix, 0);
	ck_assert_int_eq(memcmp(&back, &a, sizeof a), 0);
	add(&ix, &b, 1);
	dlg_nearindex__sig_of(&back, &ix, 1);
	ck_assert_int_eq(memcmp(&back, &b, sizeof b), 0);
	dlg_nearindex__dispose(&ix);
}
END_TEST

/* Exact sets over several chunks of the pool: each read back whole, none across two. */
START_TEST(test_neardup_exact_sets_span_chunks)
{
	enum { N = 6000 };
	dlg_neardup_index ix;
	dlg_nearindex__init(&ix, NULL);
	uint64_t state = 9;
	dlg_neardup_sig s, back;
	for (uint32_t i = 0; i < N; i++) {
		random_short_signature(&s, &state);
		add(&ix, &s, i);
	}
	ck_assert_uint_ge(ix.n_chunks, 2);
	state = 9;
	for (uint32_t i = 0; i < N; i++) {
		random_short_signature(&s, &state);
		dlg_nearindex__sig_of(&back, &ix, i);
		ck_assert_int_eq(memcmp(&back, &s, sizeof s), 0);
		uint32_t match;
		double sim;
		ck_assert(dlg_nearindex__find(&match, &sim, &ix, &s, 1.0));
		ck_assert_uint_eq(match, i);
	}
	dlg_nearindex__dispose(&ix);
}
END_TEST

START_TEST(test_neardup_scripts_without_spaces_and_emoji)
{
	dlg_neardup_sig a, b;
	/* each Han character a token: u 你 好 世 界 a 谢 谢 → 6 shingles */
	signature_of(&a, "### Human: 你好世界。\n### Assistant: 谢谢！\n");
	ck_assert(!a.empty);
	ck_assert_uint_eq(a.n_exact, 6);
	signature_of(&b, "### Human: 你好，世界\n### Assistant: 谢谢\n");
	ck_assert_int_eq(memcmp(&a, &b, sizeof a), 0);
	signature_of(&b, "### Human: 你好世間。\n### Assistant: 谢谢！\n");
	ck_assert_double_eq(dlg_neardup__similarity(&a, &b), 3.0 / 9);
	/* each emoji a token; variation selectors and skin tones do not count */
	signature_of(&a, "### Human: ❤️👍🏽\n### Assistant: 🙂\n");
	signature_of(&b, "### Human: ❤ 👍\n### Assistant: 🙂!\n");
	ck_assert(!a.empty);
	ck_assert_uint_eq(a.n_exact, 3);
	ck_assert_int_eq(memcmp(&a, &b, sizeof a), 0);
	/* the last variation selector (U+E01EF) and the last skin tone (U+1F3FF) too */
	signature_of(&b, "### Human: ❤\xF3\xA0\x87\xAF👍\xF0\x9F\x8F\xBF\n### Assistant: 🙂\n");
	ck_assert_int_eq(memcmp(&a, &b, sizeof a), 0);
	signature_of(&b, "### Human: ❤️👍🏽\n### Assistant: 🙃\n");
	ck_assert_double_eq(dlg_neardup__similarity(&a, &b), 2.0 / 4);
	/* a word ends where such a token starts, and marks stay with it (Thai: ที่ is three code
	 * points, one token) */
	signature_of(&a, "### Human: abc中文def ที่\n");
	signature_of(&b, "### Human: abc 中 文 def ที่\n");
	ck_assert_int_eq(memcmp(&a, &b, sizeof a), 0);
	ck_assert_uint_eq(a.n_exact, 4); /* u abc 中 文 def ที่ */
}
END_TEST

/*
 * densify() in neardup.c fills empty bin i from bin XXH3-64(the byte i, seed = attempt) mod
 * 256, attempt = 1, 2, ...; the first 512 attempts come from a table made once, the later
 * ones are hashed. The expected values are not computed here (a copy of the formula would
 * agree with a wrong copy in the code): they were computed once with Debian 12's
 * python3-xxhash 3.2.0 (xxHash 0.8.1) as
 *     probe = lambda i, a: xxhash.xxh3_64_intdigest(bytes([i]), seed=a) % 256
 * the spot values as probe(i, a) and the digest as 64-bit FNV-1a over the bytes
 * probe(i, a) for i = 0..255 and, for each i, a = 1..2915.
 */
static const struct {
	uint8_t bin;
	uint64_t attempt;
	size_t probed;
} probe_spots[] = {
	{ 0, 1, 48 },     { 0, 2, 199 },   { 1, 1, 108 },  { 7, 3, 142 },
	{ 128, 17, 157 }, { 200, 63, 196 },
	{ 255, 64, 125 }, /* the table's last attempt */
	{ 255, 65, 97 },  /* the first one hashed */
	{ 3, 66, 114 },   { 42, 100, 89 },  { 99, 1000, 111 }, { 254, 2915, 37 },
};

START_TEST(test_neardup_densification_probes_are_pinned)
{
	for (size_t k = 0; k < sizeof probe_spots / sizeof probe_spots[0]; k++)
		ck_assert_uint_eq(dlg_neardup__probed_bin(probe_spots[k].bin,
							  probe_spots[k].attempt),
				  probe_spots[k].probed);
	uint64_t fnv = 0xcbf29ce484222325ULL;
	for (unsigned i = 0; i < DLG_NEARDUP_BINS; i++)
		for (uint64_t attempt = 1; attempt <= 2915; attempt++) {
			fnv ^= dlg_neardup__probed_bin((uint8_t)i, attempt);
			fnv *= 0x100000001b3ULL;
		}
	ck_assert_uint_eq(fnv, 0x5e00d6035dbb3dc9ULL);
}
END_TEST

/* Every bin must reach every other, or a conversation whose shingles all fell in bins some
 * bin never reaches would never end; 2915 attempts is the bound neardup.c states. */
START_TEST(test_neardup_densification_reaches_every_bin)
{
	for (unsigned i = 0; i < DLG_NEARDUP_BINS; i++) {
		bool reached[DLG_NEARDUP_BINS] = { false };
		unsigned left = DLG_NEARDUP_BINS;
		for (uint64_t attempt = 1; attempt <= 2915 && left; attempt++) {
			size_t j = dlg_neardup__probed_bin((uint8_t)i, attempt);
			ck_assert_uint_lt(j, DLG_NEARDUP_BINS);
			left -= !reached[j];
			reached[j] = true;
		}
		ck_assert_uint_eq(left, 0);
	}
}
END_TEST

/*
 * The accuracy experiment of issue 14: planted near duplicates (1-5% of words edited, the
 * greeting swapped, the last reply regenerated) and unrelated pairs, each judged against
 * the exact Jaccard similarity of their 3-shingle sets.
 */

enum {
	VOCABULARY = 3000,
	GREETINGS = 8,
	ROLE_TOKEN = 1 << 12, /* + dlg_role; word tokens are below */
	MAX_TOKENS = 400,
	PAIRS = 300
};

typedef struct synthetic {
	uint16_t tokens[MAX_TOKENS];
	size_t n;
	size_t greeting_end; /* tokens[1, greeting_end): the greeting line of the first turn */
	size_t last_reply;   /* tokens[last_reply, n): the words of the last reply */
} synthetic;

/* Made-up word i: its base-16 digits as syllables, so distinct words are spelled apart. */
static size_t spell(char *out, unsigned word)
{
	static const char syllables[16][3] = { "ka", "lo", "mi", "nu", "pe", "ri", "so", "ta",
					       "ve", "zu", "bo", "di", "fe", "gu", "ha", "jo" };
	char digits[4];
	size_t n = 0;
	do {
		digits[n++] = (char)(word % 16);
		word /= 16;
	} while (word);
	size_t len = 0;
	while (n)
		for (const char *s = syllables[(int)digits[--n]]; *s; s++)
			out[len++] = *s;
	return len;
}

/* Common words more often than rare ones, like text. */
static uint16_t random_word(uint64_t *state)
{
	double u = (double)(next_random(state) >> 11) * 0x1.0p-53;
	return (uint16_t)(u * u * VOCABULARY);
}

static void push(synthetic *c, uint16_t token)
{
	ck_assert_uint_lt(c->n, MAX_TOKENS);
	c->tokens[c->n++] = token;
}

/* Greeting g is 2 to 4 words of its own, the first VOCABULARY + 4g. */
static void push_greeting(synthetic *c, size_t greeting)
{
	for (size_t k = 0; k < 2 + greeting % 3; k++)
		push(c, (uint16_t)(VOCABULARY + greeting * 4 + k));
}

static void push_words(synthetic *c, size_t n, uint64_t *state)
{
	for (size_t k = 0; k < n; k++)
		push(c, random_word(state));
}

static void random_conversation(synthetic *c, uint64_t *state)
{
	c->n = 0;
	size_t words = 80 + random_below(state, 221);
	size_t turns = 2 * (1 + random_below(state, 3));
	push(c, ROLE_TOKEN + DLG_ROLE_USER);
	push_greeting(c, random_below(state, GREETINGS));
	c->greeting_end = c->n;
	for (size_t t = 0; t < turns; t++) {
		if (t > 0)
			push(c, ROLE_TOKEN + (t % 2 ? DLG_ROLE_ASSISTANT : DLG_ROLE_USER));
		if (t == turns - 1)
			c->last_reply = c->n;
		push_words(c, words / turns, state);
	}
}

static bool is_word(uint16_t token)
{
	return token < ROLE_TOKEN;
}

static void edit_words(synthetic *c, size_t percent, uint64_t *state)
{
	size_t edits = (c->n * percent + 99) / 100;
	for (size_t k = 0; k < edits; k++) {
		size_t at = random_below(state, c->n);
		if (is_word(c->tokens[at]) && c->tokens[at] < VOCABULARY)
			c->tokens[at] = random_word(state);
	}
}

static void swap_greeting(synthetic *c, uint64_t *state)
{
	synthetic rest = *c;
	size_t old = (c->tokens[1] - VOCABULARY) / 4;
	size_t greeting = (old + 1 + random_below(state, GREETINGS - 1)) % GREETINGS;
	c->n = 1;
	push_greeting(c, greeting);
	size_t moved = c->n - rest.greeting_end;
	for (size_t k = rest.greeting_end; k < rest.n; k++)
		push(c, rest.tokens[k]);
	c->greeting_end = rest.greeting_end + moved;
	c->last_reply = rest.last_reply + moved;
}

static void regenerate_last_reply(synthetic *c, uint64_t *state)
{
	size_t len = c->n - c->last_reply;
	c->n = c->last_reply;
	push_words(c, len * 4 / 5 + random_below(state, len * 2 / 5 + 1), state);
}

/* As a transcript, with the case and punctuation of text (which must not count). */
static char *render(const synthetic *c, uint64_t *state)
{
	dlg_buf b;
	dlg_buf__init(&b, NULL, DLG_BUF_UNCAPPED);
	bool sentence_start = true;
	for (size_t k = 0; k < c->n; k++) {
		uint16_t t = c->tokens[k];
		if (!is_word(t)) {
			const char *label = t == ROLE_TOKEN + DLG_ROLE_USER ? "Human" : "Assistant";
			ck_assert_int_eq(dlg_buf__printf(&b, NULL, "%s### %s:", k ? ".\n\n" : "",
							 label),
					 DLG_OK);
			sentence_start = true;
			continue;
		}
		char word[16];
		size_t len = spell(word, t);
		if (sentence_start)
			word[0] = (char)(word[0] - 'a' + 'A');
		char space = k == c->greeting_end ? '\n' : ' ';
		ck_assert_int_eq(dlg_buf__putc(&b, space, NULL), DLG_OK);
		ck_assert_int_eq(dlg_buf__append(&b, word, len, NULL), DLG_OK);
		size_t mark = random_below(state, 12);
		if (mark < 2)
			ck_assert_int_eq(dlg_buf__append(&b, mark ? "," : ".", 1, NULL), DLG_OK);
		sentence_start = mark == 0;
	}
	char *text;
	ck_assert_int_eq(dlg_buf__putc(&b, '\n', NULL), DLG_OK);
	ck_assert_int_eq(dlg_buf__take_string(&text, &b, DLG_OK, NULL), DLG_OK);
	return text;
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* The slow reference: the set of 3-token windows, each packed exactly into 64 bits. */
static size_t shingle_set(uint64_t *out, const synthetic *c)
{
	size_t n = 0;
	for (size_t k = 0; k + 3 <= c->n; k++)
		out[n++] = (uint64_t)c->tokens[k] << 32 | (uint64_t)c->tokens[k + 1] << 16 |
			   c->tokens[k + 2];
	qsort(out, n, sizeof *out, compare_u64);
	size_t unique = 0;
	for (size_t k = 0; k < n; k++)
		if (unique == 0 || out[unique - 1] != out[k])
			out[unique++] = out[k];
	return unique;
}

static double exact_jaccard(const synthetic *a, const synthetic *b)
{
	uint64_t sa[MAX_TOKENS], sb[MAX_TOKENS];
	size_t na = shingle_set(sa, a), nb = shingle_set(sb, b);
	size_t both = 0;
	for (size_t i = 0, j = 0; i < na && j < nb;) {
		if (sa[i] == sb[j]) {
			both++;
			i++;
			j++;
		} else if (sa[i] < sb[j]) {
			i++;
		} else {
			j++;
		}
	}
	return (double)both / (double)(na + nb - both);
}

START_TEST(test_neardup_planted_pairs_accuracy)
{
	static synthetic firsts[PAIRS], seconds[PAIRS];
	static dlg_neardup_sig first_sigs[PAIRS];
	uint64_t state = 2024;
	for (size_t p = 0; p < PAIRS; p++) {
		synthetic *a = &firsts[p], *b = &seconds[p];
		random_conversation(a, &state);
		*b = *a;
		switch (p % 5) {
		case 0: edit_words(b, 1 + random_below(&state, 5), &state); break;
		case 1: swap_greeting(b, &state); break;
		case 2: regenerate_last_reply(b, &state); break;
		case 3: random_conversation(b, &state); break;
		default:
			swap_greeting(b, &state);
			edit_words(b, 1 + random_below(&state, 2), &state);
		}
	}

	dlg_neardup_index ix;
	dlg_nearindex__init(&ix, NULL);
	for (size_t p = 0; p < PAIRS; p++) {
		char *text = render(&firsts[p], &state);
		signature_of(&first_sigs[p], text);
		free(text);
		add(&ix, &first_sigs[p], (uint32_t)p);
	}
	size_t high = 0, high_found = 0, low = 0, low_found = 0;
	for (size_t p = 0; p < PAIRS; p++) {
		char *text = render(&seconds[p], &state);
		dlg_neardup_sig s;
		signature_of(&s, text);
		free(text);
		double j = exact_jaccard(&firsts[p], &seconds[p]);
		uint32_t match;
		bool found = dlg_nearindex__find(&match, NULL, &ix, &s, 0.8) && match == p;
		if (j >= 0.85) {
			high++;
			high_found += found;
		} else if (j < 0.5) {
			low++;
			low_found += found;
		}
	}
	dlg_nearindex__dispose(&ix);
	ck_assert_uint_ge(high, 100); /* enough of each to mean something */
	ck_assert_uint_ge(low, 60);
	ck_assert_uint_ge(high_found * 100, high * 98);
	ck_assert_uint_eq(low_found, 0);
}
END_TEST

Suite *neardup_suite(void)
{
	Suite *s = suite_create("neardup");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_neardup_identical_conversations_match);
	tcase_add_test(tc, test_neardup_one_word_changed_still_matches);
	tcase_add_test(tc, test_neardup_unrelated_conversations_do_not_match);
	tcase_add_test(tc, test_neardup_case_and_punctuation_do_not_count);
	tcase_add_test(tc, test_neardup_words_across_eight_byte_steps);
	tcase_add_test(tc, test_neardup_roles_count);
	tcase_add_test(tc, test_neardup_signature_is_deterministic);
	tcase_add_test(tc, test_neardup_empty_conversation_is_similar_to_nothing);
	tcase_add_test(tc, test_neardup_earliest_match_wins);
	tcase_add_test(tc, test_neardup_index_grows_without_losing_entries);
	tcase_add_test(tc, test_neardup_clusters_and_tags);
	tcase_add_test(tc, test_neardup_id_limit);
	tcase_add_test(tc, test_neardup_out_of_memory_leaves_index_whole);
	tcase_add_test(tc, test_neardup_one_shingle_conversations_share_nothing);
	tcase_add_test(tc, test_neardup_exact_set_counts_distinct_shingles);
	tcase_add_test(tc, test_neardup_exact_sets_confirm_candidates);
	tcase_add_test(tc, test_neardup_exact_sets_span_chunks);
	tcase_add_test(tc, test_neardup_scripts_without_spaces_and_emoji);
	tcase_add_test(tc, test_neardup_densification_probes_are_pinned);
	tcase_add_test(tc, test_neardup_densification_reaches_every_bin);
	tcase_add_test(tc, test_neardup_planted_pairs_accuracy);
	suite_add_tcase(s, tc);
	return s;
}
