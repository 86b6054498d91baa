/*
 * validate.c - the turn-structure rules of docs/rules.md "Turn rules" (E201-E208, W309,
 * W310, W318) on normalized turns, and the pairing of a preference pair's sides. Findings
 * only: text is never rewritten here, though turns may be merged (--merge-consecutive) or
 * dropped (--trailing-user drop, --leading-assistant drop, empty last turn).
 * Uses buf.c and error.c.
 */
#include "validate.h"
#include "buf.h"
#include "error.h"
#include "normalize.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static dlg_turn *turn_at(dlg_unit *u, size_t i)
{
	return &DLG_BUF_AT(&u->turns, dlg_turn, i);
}

/* Turns [i, i + k) go, in one move: one at a time, a million would cost a million moves of
 * the rest. */
static void drop_turns(dlg_unit *u, size_t i, size_t k)
{
	size_t n = DLG_BUF_COUNT(&u->turns, dlg_turn);
	memmove(turn_at(u, i), turn_at(u, i + k), (n - i - k) * sizeof(dlg_turn));
	u->turns.len -= k * sizeof(dlg_turn);
}

static void drop_turn(dlg_unit *u, size_t i)
{
	drop_turns(u, i, 1);
}

/*
 * Turns (a, end), all of a's role, appended to turn `a` one after the other with a blank line
 * between two that have text; each one's stage directions follow those before. The whole
 * run at once, as merging them two by two would give, but each text copied once: merged two
 * by two, a line of a million one-word turns copied the growing text a million times.
 */
static dlg_status merge_run(dlg_unit *u, size_t a, size_t end, dlg_error *err)
{
	size_t total = turn_at(u, a)->text.len;
	for (size_t k = a + 1; k < end; k++)
		total += 2 + turn_at(u, k)->text.len;
	size_t from = u->text.len;
	/* the texts are copied by offsets from u->text itself, which must not move meanwhile */
	DLG_TRY(dlg_buf__reserve(&u->text, total, err));
	dlg_turn *ta = turn_at(u, a);
	DLG_TRY(dlg_buf__append(&u->text, u->text.data + ta->text.off, ta->text.len, err));
	for (size_t k = a + 1; k < end; k++) {
		const dlg_turn *tb = turn_at(u, k);
		DLG_ASSERT(ta->first_stage + ta->n_stage == tb->first_stage);
		size_t len = u->text.len - from;
		bool blank_line = len && tb->text.len;
		if (blank_line)
			DLG_TRY(dlg_buf__append(&u->text, "\n\n", 2, err));
		/* b's directions stood in b's text, which now starts further on */
		size_t shift = len + (blank_line ? 2 : 0);
		for (size_t j = 0; j < tb->n_stage; j++)
			DLG_BUF_AT(&u->stages, dlg_stage, tb->first_stage + j).at += shift;
		DLG_TRY(dlg_buf__append(&u->text, u->text.data + tb->text.off, tb->text.len, err));
		ta->n_stage += tb->n_stage;
		u->fixes[DLG_FIX_MERGED]++;
	}
	ta->text = (dlg_span){ from, u->text.len - from };
	drop_turns(u, a + 1, end - a - 1);
	return DLG_OK;
}

static bool has_finding(const dlg_unit *u, dlg_diag_code code)
{
	for (size_t i = 0; i < DLG_BUF_COUNT(&u->diags, dlg_diag); i++)
		if (DLG_BUF_AT(&u->diags, dlg_diag, i).code == code)
			return true;
	return false;
}

static int by_line(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* Whether `line` is in lines[0, n), ascending. */
static bool has_line(const uint64_t *lines, size_t n, uint64_t line)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (lines[mid] < line)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && lines[lo] == line;
}

/*
 * The W308 findings at the lines of the speaker of turns [0, n), which E205 says instead: in
 * one pass over the findings (a pass for each turn would cost turns x findings), with the
 * lines sorted in u->scratch.
 */
static dlg_status drop_speaker_labels(dlg_unit *u, size_t n, dlg_error *err)
{
	dlg_buf *lines = &u->scratch;
	lines->len = 0;
	for (size_t i = 0; i < n; i++) {
		const dlg_turn *t = turn_at(u, i);
		if (!t->speaker)
			continue;
		uint64_t line = t->speaker_line;
		if (line == 0) { /* as dlg_unit__drop_diags reads it: at any line */
			dlg_unit__drop_diags(u, DLG_DIAG_UNKNOWN_LABEL_KEPT, 0);
			return DLG_OK;
		}
		DLG_TRY(dlg_buf__append(lines, &line, sizeof line, err));
	}
	uint64_t *at = (uint64_t *)(void *)lines->data;
	size_t n_lines = DLG_BUF_COUNT(lines, uint64_t), kept = 0;
	if (n_lines > 1)
		qsort(at, n_lines, sizeof *at, by_line); /* they come ascending: cheap */
	for (size_t i = 0; i < DLG_BUF_COUNT(&u->diags, dlg_diag); i++) {
		dlg_diag d = DLG_BUF_AT(&u->diags, dlg_diag, i);
		if (d.code != DLG_DIAG_UNKNOWN_LABEL_KEPT || !has_line(at, n_lines, d.line))
			DLG_BUF_AT(&u->diags, dlg_diag, kept++) = d;
	}
	dlg_unit__taken_back(u, DLG_DIAG_UNKNOWN_LABEL_KEPT,
			     DLG_BUF_COUNT(&u->diags, dlg_diag) - kept);
	u->diags.len = kept * sizeof(dlg_diag);
	return DLG_OK;
}

/*
 * E205 for a speaker written like the turns' markers but mapped by no label (docs/rules.md
 * "One root cause, one finding"): its lines were read as text (`Alex: …`, `### Lucky:` inside
 * turns), so turns of one role follow each other. Said when every turn that another of its
 * role follows, and a user turn left last (`reply_slot`: not for want of an empty reply
 * slot), holds a line of that speaker (transcript.c marks the first of each turn), instead
 * of the W308 of those lines; the turn order is then not judged. Nothing when the order is
 * fine or another reason shows.
 */
static dlg_status unmapped_speaker(dlg_unit *u, size_t n, bool reply_slot, dlg_error *err)
{
	const dlg_turn *first = NULL;
	size_t turns = 0, first_turn = 0;
	for (size_t i = 0; i < n; i++) {
		const dlg_turn *t = turn_at(u, i);
		bool next_same = i + 1 < n && turn_at(u, i + 1)->role == t->role;
		bool last_user = i + 1 == n && t->role == DLG_ROLE_USER && !reply_slot;
		if (!next_same && !last_user)
			continue;
		if (!t->speaker || t->role == DLG_ROLE_SYSTEM)
			return DLG_OK;
		if (!first) {
			first = t;
			first_turn = i + 1;
		} else if (t->speaker_len != first->speaker_len || t->role != first->role ||
			   strncasecmp(t->speaker, first->speaker, first->speaker_len) != 0) {
			return DLG_OK;
		}
		turns++;
	}
	if (!first)
		return DLG_OK;
	/* (in a JSON record every finding is at the record's line: there W308 stays) */
	if (!u->record)
		DLG_TRY(drop_speaker_labels(u, n, err));
	int len = (int)first->speaker_len;
	return dlg_unit__diag(u, err, DLG_DIAG_UNKNOWN_ROLE, first->speaker_line,
			      first->speaker_col, (uint32_t)first_turn, "unknown speaker '%.*s' "
			      "(read as text in %zu %s turn%s); map it with --role %.*s=%s", len,
			      first->speaker, turns, dlg_role_name(first->role),
			      turns == 1 ? "" : "s", len, first->speaker,
			      dlg_role_name(first->role == DLG_ROLE_USER ? DLG_ROLE_ASSISTANT :
							    DLG_ROLE_USER));
}

/* Whether the input held only white space: an empty file, whatever its format. With no turn,
 * every line read is the preamble's. */
static bool blank(const dlg_unit *u)
{
	const dlg_raw *raw = &u->preamble_raw;
	for (size_t k = 0; k < raw->len; k++)
		if (!strchr(" \t\r\n", raw->p[k]) || !raw->p[k])
			return false;
	return true;
}

dlg_status dlg_validate__turns(dlg_unit *u, dlg_error *err)
{
	const dlg_options *o = u->ctx->opts;
	size_t n = DLG_BUF_COUNT(&u->turns, dlg_turn);
	if (n == 0 && has_finding(u, DLG_DIAG_NO_TURNS))
		return DLG_OK; /* said with the labels that may be speakers (transcript.c) */
	if (n == 0 && blank(u))
		return dlg_unit__diag(u, err, DLG_DIAG_NO_TURNS, 1, 1, 0,
				      "the file is empty: it holds no conversation");
	if (n == 0)
		return dlg_unit__diag(u, err, DLG_DIAG_NO_TURNS, 1, 1, 0,
				      "no turns found; start each turn with a marker such as "
				      "'### Human:' or map the speaker labels with --role");

	/* An empty final turn is a template's slot for the next reply, not a turn. */
	dlg_turn slot = *turn_at(u, n - 1);
	bool slot_dropped = slot.text.len == 0 && slot.n_stage == 0 && slot.extra.len == 0;
	if (slot_dropped)
		drop_turn(u, --n);
	bool reply_slot = slot_dropped && slot.role == DLG_ROLE_ASSISTANT && n > 0 &&
			  turn_at(u, n - 1)->role == DLG_ROLE_USER;
	DLG_TRY(unmapped_speaker(u, n, reply_slot, err));
	/* with a speaker unknown, the turns are not what they seem: their order says nothing */
	bool roles_known = !has_finding(u, DLG_DIAG_UNKNOWN_ROLE);
	/* a reply slot left empty after a user turn is said by E206 (or W309) alone */
	bool reply_missing = reply_slot && roles_known;
	if (slot_dropped && !reply_missing)
		DLG_TRY(dlg_unit__diag(u, err, DLG_DIAG_EMPTY_LAST_TURN_DROPPED, slot.line,
				       slot.col, (uint32_t)n + 1, "empty last %s turn dropped",
				       dlg_role_name(slot.role)));

	for (size_t i = 1; i < n && roles_known; i++) {
		dlg_turn *t = turn_at(u, i);
		/* the results of parallel tool calls stand together */
		if (t->role != turn_at(u, i - 1)->role || t->role == DLG_ROLE_TOOL)
			continue;
		size_t end = i + 1;
		bool carries = t->extra.len || t->msg_kept_at;
		for (; end < n && turn_at(u, end)->role == t->role; end++)
			carries |= turn_at(u, end)->extra.len || turn_at(u, end)->msg_kept_at;
		/* merged, a turn's tool calls, reasoning or kept fields would go unsaid */
		if (o->merge_consecutive && !carries) {
			DLG_TRY(merge_run(u, i - 1, end, err));
			n -= end - i;
			continue;
		}
		DLG_TRY(dlg_unit__diag(u, err, DLG_DIAG_REPEATED_ROLE, t->line, t->col,
				       (uint32_t)i + 1, o->merge_consecutive ?
				       "two consecutive %s turns, the second with members of "
				       "its own (tool calls, reasoning, kept fields) that "
				       "merging would lose; join them in the source" :
				       "two consecutive %s turns; join them or pass "
				       "--merge-consecutive", dlg_role_name(t->role)));
	}

	for (size_t i = 0; i < n; i++) {
		dlg_turn *t = turn_at(u, i);
		/* a reply that is tool calls has no text to give */
		if (t->text.len == 0 && t->calls_at == t->extra.len)
			DLG_TRY(dlg_unit__diag(u, err, DLG_DIAG_EMPTY_TURN, t->line, t->col,
					       (uint32_t)i + 1,
					       "empty %s turn; give it text or remove its marker",
					       dlg_role_name(t->role)));
		uint64_t chars;
		if (o->max_turn_chars &&
		    (chars = dlg_normalize__count_chars(u->text.data + t->text.off, t->text.len)) >
			    o->max_turn_chars)
			DLG_TRY(dlg_unit__diag(u, err, DLG_DIAG_TURN_TOO_LONG, t->line, t->col,
					       (uint32_t)i + 1, "turn has %llu characters, more "
					       "than --max-turn-chars %llu",
					       (unsigned long long)chars,
					       (unsigned long long)o->max_turn_chars));
	}
	if (!roles_known)
		return DLG_OK;

	size_t first = 0;
	while (first < n && turn_at(u, first)->role == DLG_ROLE_SYSTEM)
		first++;
	for (size_t i = first; i < n; i++) {
		dlg_turn *t = turn_at(u, i);
		if (t->role != DLG_ROLE_SYSTEM)
			continue;
		DLG_TRY(dlg_unit__diag(u, err, DLG_DIAG_SYSTEM_NOT_FIRST, t->line, t->col,
				       (uint32_t)i + 1, "system turn after the conversation began; "
				       "LLaMA-Factory skips such examples and FastChat refuses "
				       "them: move it first or make it a user turn"));
		break;
	}
	/* the turns E202 and E206 say are missing; E207 only when adding them is not enough */
	size_t missing = 0;
	size_t leading = 0;
	while (first + leading < n && turn_at(u, first + leading)->role == DLG_ROLE_ASSISTANT)
		leading++;
	if (leading && o->leading_assistant == DLG_LEADING_ASSISTANT_DROP) {
		dlg_turn *t = turn_at(u, first);
		DLG_TRY(dlg_unit__diag(u, err, DLG_DIAG_LEADING_ASSISTANT_DROPPED, t->line, t->col,
				       (uint32_t)first + 1, "%zu assistant turn%s before the "
				       "user's first dropped", leading, leading == 1 ? "" : "s"));
		drop_turns(u, first, leading);
		n -= leading;
	} else if (leading && o->leading_assistant == DLG_LEADING_ASSISTANT_ERROR) {
		dlg_turn *t = turn_at(u, first);
		missing++;
		DLG_TRY(dlg_unit__diag(u, err, DLG_DIAG_FIRST_NOT_USER, t->line, t->col,
				       (uint32_t)first + 1, "conversation starts with an assistant "
				       "turn; the first turn after any system turn must be the "
				       "user's, or pass --leading-assistant drop or keep"));
	}

	if (n > 0 && turn_at(u, n - 1)->role == DLG_ROLE_USER) {
		dlg_turn *t = turn_at(u, n - 1);
		if (o->drop_trailing_user) {
			DLG_TRY(dlg_unit__diag(u, err, DLG_DIAG_TRAILING_USER_DROPPED, t->line,
					       t->col, (uint32_t)n, reply_missing ?
					       "final user turn dropped with the empty "
					       "assistant turn after it" :
					       "final user turn without a reply dropped"));
			drop_turn(u, --n);
		} else if (reply_missing) {
			missing++;
			DLG_TRY(dlg_unit__diag(u, err, DLG_DIAG_TRAILING_USER, slot.line, slot.col,
					       (uint32_t)n + 1, "the last assistant turn is empty: "
					       "write the reply or pass --trailing-user drop"));
		} else {
			missing++;
			DLG_TRY(dlg_unit__diag(u, err, DLG_DIAG_TRAILING_USER, t->line, t->col,
					       (uint32_t)n, "conversation ends with a user turn; "
					       "add the reply or pass --trailing-user drop"));
		}
	}

	size_t dialogue = 0;
	for (size_t i = 0; i < n; i++)
		dialogue += turn_at(u, i)->role != DLG_ROLE_SYSTEM;
	if (dialogue + missing < o->min_turns) {
		uint64_t line = n ? turn_at(u, 0)->line : 1;
		uint32_t col = n ? turn_at(u, 0)->col : 1;
		DLG_TRY(dlg_unit__diag(u, err, DLG_DIAG_TOO_FEW_TURNS, line, col, 0,
				       "%zu user/assistant turn%s, fewer than --min-turns %u",
				       dialogue, dialogue == 1 ? "" : "s", o->min_turns));
	}
	return DLG_OK;
}

/* Whether turn i of a and turn i of b are the same message, stage directions included. */
static bool same_turn(const dlg_unit *a, const dlg_unit *b, size_t i)
{
	const dlg_turn *ta = &DLG_BUF_AT(&a->turns, dlg_turn, i);
	const dlg_turn *tb = &DLG_BUF_AT(&b->turns, dlg_turn, i);
	if (ta->role != tb->role || ta->text.len != tb->text.len || ta->n_stage != tb->n_stage ||
	    memcmp(a->text.data + ta->text.off, b->text.data + tb->text.off, ta->text.len) != 0)
		return false;
	for (size_t k = 0; k < ta->n_stage; k++) {
		dlg_stage sa = DLG_BUF_AT(&a->stages, dlg_stage, ta->first_stage + k);
		dlg_stage sb = DLG_BUF_AT(&b->stages, dlg_stage, tb->first_stage + k);
		if (sa.at != sb.at || sa.text_len != sb.text_len ||
		    memcmp(a->stage_text.data + sa.text_off, b->stage_text.data + sb.text_off,
			   sa.text_len) != 0)
			return false;
	}
	return true;
}

/* A finding of the chosen side, by code and turn: what a finding of the rejected side is
 * looked up by. */
typedef struct said_key {
	uint32_t code, turn;
	size_t index;
} said_key;

static int by_code_turn(const void *a, const void *b)
{
	const said_key *x = a, *y = b;
	if (x->code != y->code)
		return x->code < y->code ? -1 : 1;
	if (x->turn != y->turn)
		return x->turn < y->turn ? -1 : 1;
	return (x->index > y->index) - (x->index < y->index);
}

/* Whether the chosen side already said `d`: a finding of its code and turn, and for an
 * error also its place and words. keys[0, n) are the chosen side's, sorted. */
static bool already_said(const dlg_unit *chosen, const said_key *keys, size_t n,
			 const dlg_diag *d)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (keys[mid].code < (uint32_t)d->code ||
		    (keys[mid].code == (uint32_t)d->code && keys[mid].turn < d->turn))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t k = lo; k < n && keys[k].code == (uint32_t)d->code && keys[k].turn == d->turn;
	     k++) {
		const dlg_diag *c = &DLG_BUF_AT(&chosen->diags, dlg_diag, keys[k].index);
		if (d->severity == DLG_SEV_WARNING ||
		    (c->line == d->line && c->col == d->col && strcmp(c->msg, d->msg) == 0))
			return true;
	}
	return false;
}

dlg_status dlg_validate__pair(size_t *prompt_out, dlg_unit *chosen, dlg_unit *rejected,
			      dlg_error *err)
{
	/* one pair, one fate: the rejected side's findings are the pair's (but a warning
	 * the chosen side has already had, as for their shared prompt, is said once, and so
	 * is an error about the record both sides were read from, such as invalid JSON). The
	 * chosen side's are looked up sorted (in u->scratch): a pair of a million turns may
	 * have a finding for each on both sides. */
	rejected->consumed = true;
	size_t n_chosen = DLG_BUF_COUNT(&chosen->diags, dlg_diag);
	dlg_buf *keys = &chosen->scratch;
	keys->len = 0;
	for (size_t k = 0; k < n_chosen; k++) {
		const dlg_diag *c = &DLG_BUF_AT(&chosen->diags, dlg_diag, k);
		said_key key = { (uint32_t)c->code, c->turn, k };
		DLG_TRY(dlg_buf__append(keys, &key, sizeof key, err));
	}
	if (n_chosen > 1)
		qsort(keys->data, n_chosen, sizeof(said_key), by_code_turn);
	for (size_t i = 0; i < DLG_BUF_COUNT(&rejected->diags, dlg_diag); i++) {
		dlg_diag d = DLG_BUF_AT(&rejected->diags, dlg_diag, i);
		if (already_said(chosen, (const said_key *)(void *)keys->data, n_chosen, &d))
			continue;
		static const char side[] = "rejected side: ";
		memmove(d.msg + sizeof side - 1, d.msg, sizeof d.msg - sizeof side);
		memcpy(d.msg, side, sizeof side - 1);
		d.msg[sizeof d.msg - 1] = '\0';
		dlg_error__utf8_cut(d.msg);
		DLG_TRY(dlg_buf__append(&chosen->diags, &d, sizeof d, err));
	}
	chosen->rejected |= rejected->rejected;
	*prompt_out = 0;
	if (chosen->rejected)
		return DLG_OK;
	size_t nc = DLG_BUF_COUNT(&chosen->turns, dlg_turn);
	size_t nr = DLG_BUF_COUNT(&rejected->turns, dlg_turn);
	size_t k = 0;
	while (k < nc && k < nr && same_turn(chosen, rejected, k))
		k++;
	*prompt_out = k;
	/* two replies to one prompt: the sides differ in their last turn alone, the
	 * assistant's (what OpenAI's and Together's preference formats hold) */
	if (k + 1 == nc && k + 1 == nr && k > 0)
		return DLG_OK;
	const dlg_turn *t = turn_at(chosen, k < nc ? k : 0);
	if (k == nc && k == nr)
		return dlg_unit__diag(chosen, err, DLG_DIAG_PAIR_MISMATCH, t->line, t->col, 0,
				      "chosen and rejected are the same conversation");
	return dlg_unit__diag(chosen, err, DLG_DIAG_PAIR_MISMATCH, t->line, t->col,
			      (uint32_t)k + 1, "the sides part at turn %zu, not in their last "
			      "reply: a pair is two replies to one prompt", k + 1);
}
