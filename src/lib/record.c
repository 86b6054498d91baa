/*
 * record.c - one JSON line per conversation (docs/rules.md "Output") and per rejected one. Written
 * by hand rather than through a cJSON tree: this is the hot path, and building a tree costs
 * allocations per turn. Uses buf.c, error.c, stage.c, transcript.c (the text format's
 * escapes), tools.c (sharegpt's function_call turns) and split.c.
 */
#include "record.h"
#include "buf.h"
#include "ctx.h"
#include "normalize.h"
#include "split.h"
#include "stage.h"
#include "tools.h"
#include "transcript.h"
#include "unit.h"

#include <stdio.h>
#include <string.h>

/* s[0, n) escaped for a JSON string, appended to `out` (without the quotes). */
static dlg_status json_body(dlg_buf *out, const char *s, size_t n, dlg_error *err)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		while (i + 8 <= n) {
			uint64_t w = dlg_load64(s + i);
			if (dlg_swar_lt(w, 0x20) | dlg_swar_eq(w, '"') | dlg_swar_eq(w, '\\'))
				break;
			i += 8;
		}
		if (i >= n)
			break;
		uint8_t c = (uint8_t)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		DLG_TRY(dlg_buf__append(out, s + run, i - run, err));
		run = i + 1;
		char esc[7] = { '\\', 0 };
		size_t len = 2;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\t': esc[1] = 't'; break;
		case '\r': esc[1] = 'r'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			len = 6;
		}
		DLG_TRY(dlg_buf__append(out, esc, len, err));
	}
	return dlg_buf__append(out, s + run, n - run, err);
}

dlg_status dlg_record__json_string(dlg_buf *out, const char *s, size_t n, dlg_error *err)
{
	DLG_TRY(dlg_buf__reserve(out, n + 2, err));
	out->data[out->len++] = '"';
	DLG_TRY(json_body(out, s, n, err));
	return dlg_buf__putc(out, '"', err);
}

/* dlg_record__json_string() of a turn's content, in slices between which options.cancel is
 * looked at (unit.h): escaping one of hundreds of megabytes takes a few hundred ms. */
static dlg_status content_json(dlg_buf *out, const dlg_unit *u, const char *s, size_t n,
			       dlg_error *err)
{
	DLG_TRY(dlg_buf__reserve(out, n + 2, err));
	out->data[out->len++] = '"';
	for (size_t i = 0; i < n;) {
		DLG_TRY(dlg_unit__check_cancel(u, err));
		size_t k = n - i > DLG_CANCEL_STRIDE ? DLG_CANCEL_STRIDE : n - i;
		DLG_TRY(json_body(out, s + i, k, err));
		i += k;
	}
	return dlg_buf__putc(out, '"', err);
}

/* A turn's stage directions as a JSON array of {"text","offset"} (code points). */
static dlg_status stage_directions(dlg_buf *out, const dlg_unit *u, const dlg_turn *t,
				   dlg_error *err)
{
	const char *content = u->text.data + t->text.off;
	DLG_TRY(dlg_buf__putc(out, '[', err));
	size_t counted = 0, chars = 0, polled = 0;
	for (size_t k = 0; k < t->n_stage; k++) {
		dlg_stage st = DLG_BUF_AT(&u->stages, dlg_stage, t->first_stage + k);
		if (st.at - polled >= DLG_CANCEL_STRIDE / 16) { /* a dozen bytes of JSON each */
			polled = st.at;
			DLG_TRY(dlg_unit__check_cancel(u, err));
		}
		chars += dlg_normalize__count_chars(content + counted, st.at - counted);
		counted = st.at;
		DLG_TRY(dlg_buf__append(out, k ? ",{\"text\":" : "{\"text\":", k ? 9 : 8, err));
		DLG_TRY(dlg_record__json_string(out, u->stage_text.data + st.text_off, st.text_len,
						err));
		DLG_TRY(dlg_buf__printf(out, err, ",\"offset\":%zu}", chars));
	}
	return dlg_buf__putc(out, ']', err);
}

/* A turn's --keep-message-fields, `,"name":value` each (null where its message had none). */
static dlg_status message_fields(dlg_buf *out, const dlg_unit *u, const dlg_turn *t,
				 dlg_error *err)
{
	const dlg_options *o = u->ctx->opts;
	const char *value = t->msg_kept_at ? u->msg_kept.data + t->msg_kept_at - 1 : "null";
	for (size_t f = 0; f < o->n_keep_message_fields; f++) {
		DLG_TRY(dlg_buf__putc(out, ',', err));
		DLG_TRY(dlg_record__json_string(out, o->keep_message_fields[f],
						strlen(o->keep_message_fields[f]), err));
		DLG_TRY(dlg_buf__putc(out, ':', err));
		DLG_TRY(dlg_buf__append(out, value, strlen(value), err));
		if (t->msg_kept_at)
			value += strlen(value) + 1;
	}
	return DLG_OK;
}

/* Whether each of a turn's --keep-message-fields is null, as a turn read from no message's
 * fields writes them. */
static bool no_kept_value(const dlg_unit *u, const dlg_turn *t)
{
	const char *value = t->msg_kept_at ? u->msg_kept.data + t->msg_kept_at - 1 : NULL;
	for (size_t f = 0; value && f < u->ctx->opts->n_keep_message_fields; f++) {
		if (strcmp(value, "null") != 0)
			return false;
		value += strlen(value) + 1;
	}
	return true;
}

/* Turns [first, end) of u as a messages array; with their stage directions unless bare. */
static dlg_status messages(dlg_buf *out, const dlg_unit *u, size_t first, size_t end, bool bare,
			   dlg_error *err)
{
	DLG_TRY(dlg_buf__putc(out, '[', err));
	for (size_t i = first; i < end; i++) {
		const dlg_turn *t = &DLG_BUF_AT(&u->turns, dlg_turn, i);
		static const char *const open[] = {
			[DLG_ROLE_SYSTEM] = "{\"role\":\"system\",\"content\":",
			[DLG_ROLE_USER] = "{\"role\":\"user\",\"content\":",
			[DLG_ROLE_ASSISTANT] = "{\"role\":\"assistant\",\"content\":",
			[DLG_ROLE_TOOL] = "{\"role\":\"tool\",\"content\":",
		};
		if (i > first)
			DLG_TRY(dlg_buf__putc(out, ',', err));
		DLG_TRY(dlg_buf__append(out, open[t->role], strlen(open[t->role]), err));
		const char *content = u->text.data + t->text.off;
		DLG_TRY(content_json(out, u, content, t->text.len, err));
		DLG_TRY(dlg_buf__append(out, u->msg_extra.data + t->extra.off, t->extra.len, err));
		DLG_TRY(message_fields(out, u, t, err));
		if (bare) {
			DLG_TRY(dlg_buf__putc(out, '}', err));
			continue;
		}
		/* every message has the key, so that consumers infer one type for the column */
		DLG_TRY(dlg_buf__append(out, ",\"stage_directions\":", 20, err));
		DLG_TRY(stage_directions(out, u, t, err));
		DLG_TRY(dlg_buf__putc(out, '}', err));
	}
	return dlg_buf__putc(out, ']', err);
}

/* sharegpt and text have no field for stage directions: they go back where they stood, in
 * canonical form, where converting the record again extracts them as they were. */
static dlg_status content_with_stage(dlg_buf *out, dlg_unit *u, const dlg_turn *t,
				     dlg_error *err)
{
	u->stage_refs.len = 0;
	for (size_t k = 0; k < t->n_stage; k++) {
		dlg_stage st = DLG_BUF_AT(&u->stages, dlg_stage, t->first_stage + k);
		dlg_stage_ref ref = { u->stage_text.data + st.text_off, st.text_len, st.at };
		DLG_TRY(dlg_buf__append(&u->stage_refs, &ref, sizeof ref, err));
	}
	return dlg_stage__render(out, u->text.data + t->text.off, t->text.len,
				 (const dlg_stage_ref *)(void *)u->stage_refs.data, t->n_stage,
				 err);
}

/*
 * A turn as sharegpt messages: its text, and its tool calls as LLaMA-Factory's function_call
 * turn after it (alone when there is no text); the extra members with the first.
 */
static dlg_status sharegpt_turn(dlg_buf *out, dlg_unit *u, const dlg_turn *t, bool first,
				dlg_error *err)
{
	static const char *const from[] = { "system", "human", "gpt", "observation" };
	const char *extra = u->msg_extra.data + t->extra.off;
	bool calls = t->calls_at < t->extra.len, text = !calls || t->text.len || t->n_stage;
	dlg_buf *tmp = &u->scratch;
	if (text) {
		DLG_TRY(dlg_buf__printf(out, err, "%s{\"from\":\"%s\",\"value\":",
					first ? "" : ",", from[t->role]));
		tmp->len = 0;
		DLG_TRY(content_with_stage(tmp, u, t, err));
		DLG_TRY(content_json(out, u, tmp->data, tmp->len, err));
	} else {
		DLG_TRY(dlg_buf__printf(out, err, "%s{\"from\":\"function_call\",\"value\":",
					first ? "" : ","));
		DLG_TRY(dlg_tools__sharegpt_calls(out, extra + t->calls_at,
						  t->extra.len - t->calls_at, err));
	}
	DLG_TRY(dlg_buf__append(out, extra, t->calls_at, err));
	DLG_TRY(message_fields(out, u, t, err));
	DLG_TRY(dlg_buf__putc(out, '}', err));
	if (!calls || !text)
		return DLG_OK;
	DLG_TRY(dlg_buf__append(out, ",{\"from\":\"function_call\",\"value\":", 33, err));
	DLG_TRY(dlg_tools__sharegpt_calls(out, extra + t->calls_at, t->extra.len - t->calls_at,
					  err));
	return dlg_buf__putc(out, '}', err);
}

/* The conversation as sharegpt's "conversations" or as the text format's "text". */
static dlg_status other_format(dlg_buf *out, dlg_unit *u, dlg_error *err)
{
	/* a tool's result is LLaMA-Factory's observation (the text format refuses it, E210) */
	static const char *const label[] = { "### System: ", "### Human: ", "### Assistant: ",
					     "" /* refused: E210 */ };
	bool sharegpt = u->ctx->opts->format == DLG_FORMAT_SHAREGPT;
	size_t n = DLG_BUF_COUNT(&u->turns, dlg_turn);
	dlg_buf *tmp = &u->scratch;
	/* a first system turn is LLaMA-Factory's `system` column, which FastChat's trainer also
	 * leaves alone (a `system` turn in `conversations` is a KeyError there); every record
	 * has the column, "" when it has no such turn (one type per column); a system turn
	 * anywhere else, or one with tool members or a --keep-message-fields value that is not
	 * null, stays a turn */
	size_t first = 0;
	if (sharegpt) {
		const dlg_turn *t = n ? &DLG_BUF_AT(&u->turns, dlg_turn, 0) : NULL;
		DLG_TRY(dlg_buf__append(out, "\"system\":", 9, err));
		tmp->len = 0;
		if (t && t->role == DLG_ROLE_SYSTEM && t->extra.len == 0 && no_kept_value(u, t)) {
			DLG_TRY(content_with_stage(tmp, u, t, err));
			first = 1;
		}
		DLG_TRY(content_json(out, u, tmp->data, tmp->len, err));
		DLG_TRY(dlg_buf__putc(out, ',', err));
	}
	if (sharegpt)
		DLG_TRY(dlg_buf__append(out, "\"conversations\":[", 17, err));
	else
		tmp->len = 0;
	for (size_t i = first; i < n; i++) {
		const dlg_turn *t = &DLG_BUF_AT(&u->turns, dlg_turn, i);
		if (!sharegpt) {
			if (i)
				DLG_TRY(dlg_buf__append(tmp, "\n\n", 2, err));
			DLG_TRY(dlg_buf__append(tmp, label[t->role], strlen(label[t->role]), err));
			size_t content_at = tmp->len;
			DLG_TRY(content_with_stage(tmp, u, t, err));
			DLG_TRY(dlg_transcript__escape(tmp, content_at, u->ctx, err));
			continue;
		}
		DLG_TRY(sharegpt_turn(out, u, t, i == first, err));
	}
	if (sharegpt)
		return dlg_buf__putc(out, ']', err);
	DLG_TRY(dlg_buf__append(out, "\"text\":", 7, err));
	return content_json(out, u, tmp->data, tmp->len, err);
}

/*
 * The record's provenance keys: "id" (its digits filled in by the caller once the content
 * is hashed; *id_at says where), "source" and "record" (0 for a text file: every record has
 * the same keys, as consumers infer one type per column). Nothing under --bare.
 */
static dlg_status open_record(dlg_buf *out, size_t *id_at, const dlg_unit *u, dlg_error *err)
{
	out->len = 0;
	DLG_TRY(dlg_buf__putc(out, '{', err));
	if (u->ctx->opts->bare)
		return DLG_OK;
	DLG_TRY(dlg_buf__append(out, "\"id\":\"", 6, err));
	*id_at = out->len;
	DLG_TRY(dlg_buf__append(out, "00000000000000000000000000000000\",\"source\":", 43, err));
	DLG_TRY(dlg_record__json_string(out, u->source, strlen(u->source), err));
	return dlg_buf__printf(out, err, ",\"record\":%llu,", (unsigned long long)u->record);
}

/* meta.tokens (docs/tokenizers.md "Counts"): the conversation's, its trainable
 * (assistant) tokens, and each message's. */
static dlg_status token_counts(dlg_buf *out, const dlg_unit *u, dlg_error *err)
{
	uint64_t total, trainable;
	dlg_unit__token_sums(u, &total, &trainable);
	DLG_TRY(dlg_buf__printf(out, err, "\"tokens\":{\"total\":%llu,\"trainable\":%llu,"
				"\"messages\":[", (unsigned long long)total,
				(unsigned long long)trainable));
	for (size_t i = 0; i < DLG_BUF_COUNT(&u->tokens, uint32_t); i++)
		DLG_TRY(dlg_buf__printf(out, err, i ? ",%u" : "%u",
					(unsigned)DLG_BUF_AT(&u->tokens, uint32_t, i)));
	return dlg_buf__append(out, "]}", 2, err);
}

/* The record's last key, meta (when `meta`, with --keep-preamble's preamble and the
 * --keep-fields values, each null when the input had none), and its end. */
static dlg_status close_with_meta(dlg_buf *out, const dlg_unit *u, bool meta, dlg_error *err)
{
	const dlg_options *o = u->ctx->opts;
	if (!meta || (!o->keep_preamble && !o->n_keep_fields && !o->emit_token_counts))
		return dlg_buf__append(out, "}\n", 2, err);
	DLG_TRY(dlg_buf__append(out, ",\"meta\":{", 9, err));
	if (o->emit_token_counts) {
		DLG_TRY(token_counts(out, u, err));
		if (o->keep_preamble || o->n_keep_fields)
			DLG_TRY(dlg_buf__putc(out, ',', err));
	}
	if (o->keep_preamble) {
		DLG_TRY(dlg_buf__append(out, "\"preamble\":", 11, err));
		DLG_TRY(dlg_record__json_string(out, u->text.data + u->preamble.off,
						u->preamble.len, err));
	}
	const char *value = u->kept.data;
	for (size_t f = 0; f < o->n_keep_fields; f++) {
		if (f || o->keep_preamble)
			DLG_TRY(dlg_buf__putc(out, ',', err));
		DLG_TRY(dlg_record__json_string(out, o->keep_fields[f], strlen(o->keep_fields[f]),
						err));
		DLG_TRY(dlg_buf__putc(out, ':', err));
		bool null = !u->kept.len || (u->kept_nulled >> f & 1);
		DLG_TRY(dlg_buf__append(out, null ? "null" : value, null ? 4 : strlen(value), err));
		if (u->kept.len)
			value += strlen(value) + 1;
	}
	return dlg_buf__append(out, "}}\n", 3, err);
}

/* The record's tools as the JSON text of their list (docs/rules.md "Tool use and
 * reasoning" says why a string); no key for a record without. */
static dlg_status tools_column(dlg_buf *out, const dlg_unit *u, dlg_error *err)
{
	if (!u->tools.len)
		return DLG_OK;
	DLG_TRY(dlg_buf__append(out, ",\"tools\":", 9, err));
	return dlg_record__json_string(out, u->tools.data, u->tools.len, err);
}

static dlg_status close_record(dlg_buf *out, dlg_unit *u, size_t id_at, dlg_error *err)
{
	DLG_TRY(tools_column(out, u, err));
	if (!u->ctx->opts->bare)
		memcpy(out->data + id_at, u->id_hex, 32);
	u->meta_at = out->len;
	return close_with_meta(out, u, !u->ctx->opts->bare, err);
}

dlg_status dlg_record__rewrite_meta(dlg_unit *u, dlg_error *err)
{
	u->json.len = u->meta_at;
	return close_with_meta(&u->json, u, !u->ctx->opts->bare, err);
}

dlg_status dlg_record__render(dlg_unit *u, dlg_error *err)
{
	/* The id hashes the messages alone (whatever the format), so it does not depend on
	 * where the file was or how the record is written. Messages records are written in
	 * place and hashed there: no copy of a large turn. */
	const dlg_options *o = u->ctx->opts;
	size_t n = DLG_BUF_COUNT(&u->turns, dlg_turn);
	dlg_buf *out = &u->json;
	size_t id_at = 0;
	DLG_TRY(open_record(out, &id_at, u, err));
	if (o->format == DLG_FORMAT_MESSAGES)
		DLG_TRY(dlg_buf__append(out, "\"messages\":", 11, err));
	bool in_place = o->format == DLG_FORMAT_MESSAGES && !o->bare;
	dlg_buf *msgs = in_place ? out : &u->scratch;
	size_t msgs_at = in_place ? out->len : 0;
	msgs->len = msgs_at;
	DLG_TRY(messages(msgs, u, 0, n, false, err));
	dlg_split__id(u->id, u->id_hex, msgs->data + msgs_at, msgs->len - msgs_at);
	memcpy(u->key, u->id, sizeof u->key);
	if (o->format == DLG_FORMAT_MESSAGES && o->bare)
		DLG_TRY(messages(out, u, 0, n, true, err));
	else if (o->format != DLG_FORMAT_MESSAGES)
		DLG_TRY(other_format(out, u, err));
	return close_record(out, u, id_at, err);
}

dlg_status dlg_record__identify(dlg_unit *u, dlg_error *err)
{
	dlg_buf *msgs = &u->scratch;
	msgs->len = 0;
	DLG_TRY(messages(msgs, u, 0, DLG_BUF_COUNT(&u->turns, dlg_turn), false, err));
	dlg_split__id(u->id, u->id_hex, msgs->data, msgs->len);
	memcpy(u->key, u->id, sizeof u->key);
	return DLG_OK;
}

dlg_status dlg_record__render_pair(dlg_unit *chosen, const dlg_unit *rejected, size_t prompt,
				   dlg_error *err)
{
	/* The id hashes the whole pair and the split key its prompt alone, so that pairs with
	 * one prompt stay in one split. */
	const dlg_options *o = chosen->ctx->opts;
	bool openai = o->format == DLG_FORMAT_OPENAI_PREFERENCE;
	size_t nc = DLG_BUF_COUNT(&chosen->turns, dlg_turn);
	size_t nr = DLG_BUF_COUNT(&rejected->turns, dlg_turn);
	dlg_buf *tmp = &chosen->scratch;
	tmp->len = 0;
	DLG_TRY(messages(tmp, chosen, 0, prompt, false, err));
	dlg_split__id(chosen->key, chosen->id_hex, tmp->data, tmp->len);
	DLG_TRY(messages(tmp, chosen, prompt, nc, false, err));
	DLG_TRY(messages(tmp, rejected, prompt, nr, false, err));
	dlg_split__id(chosen->id, chosen->id_hex, tmp->data, tmp->len);
	dlg_buf *out = &chosen->json;
	size_t id_at = 0;
	DLG_TRY(open_record(out, &id_at, chosen, err));
	const char *keys[3] = { "\"prompt\":", ",\"chosen\":", ",\"rejected\":" };
	if (openai) {
		keys[0] = "\"input\":{\"messages\":";
		keys[1] = "},\"preferred_output\":";
		keys[2] = ",\"non_preferred_output\":";
	}
	DLG_TRY(dlg_buf__append(out, keys[0], strlen(keys[0]), err));
	DLG_TRY(messages(out, chosen, 0, prompt, o->bare || openai, err));
	DLG_TRY(dlg_buf__append(out, keys[1], strlen(keys[1]), err));
	DLG_TRY(messages(out, chosen, prompt, nc, o->bare || openai, err));
	DLG_TRY(dlg_buf__append(out, keys[2], strlen(keys[2]), err));
	DLG_TRY(messages(out, rejected, prompt, nr, o->bare || openai, err));
	return close_record(out, chosen, id_at, err);
}

dlg_status dlg_record__provenance(dlg_buf *out, const dlg_unit *u, const char *split,
				  dlg_error *err)
{
	out->len = 0;
	DLG_TRY(dlg_buf__append(out, "{\"split\":", 9, err));
	DLG_TRY(dlg_record__json_string(out, split, strlen(split), err));
	DLG_TRY(dlg_buf__printf(out, err, ",\"id\":\"%s\",\"source\":", u->id_hex));
	DLG_TRY(dlg_record__json_string(out, u->source, strlen(u->source), err));
	DLG_TRY(dlg_buf__printf(out, err, ",\"record\":%llu,\"stage_directions\":[",
				(unsigned long long)u->record));
	/* what --bare leaves out of the record: each message's stage directions */
	size_t n = DLG_BUF_COUNT(&u->turns, dlg_turn);
	for (size_t i = 0; i < n; i++) {
		if (i)
			DLG_TRY(dlg_buf__putc(out, ',', err));
		DLG_TRY(stage_directions(out, u, &DLG_BUF_AT(&u->turns, dlg_turn, i), err));
	}
	DLG_TRY(dlg_buf__putc(out, ']', err));
	return close_with_meta(out, u, true, err);
}

/* Whether a finding is one of the reasons a conversation was left out: an error, or the
 * warning of --over-limit drop, which leaves it out without failing the run. */
static bool is_reason(const dlg_diag *d, dlg_diag_code dropped_by)
{
	return dropped_by ? d->code == dropped_by :
			    d->severity == DLG_SEV_ERROR ||
				    d->code == DLG_DIAG_OVER_TOKEN_LIMIT_DROPPED;
}

dlg_status dlg_record__reject(dlg_buf *out, const dlg_unit *u, dlg_diag_code dropped_by,
			      const char *kept_hex, double similarity, dlg_error *err)
{
	size_t n = DLG_BUF_COUNT(&u->diags, dlg_diag);
	const dlg_diag *first = NULL;
	out->len = 0;
	DLG_TRY(dlg_buf__append(out, "{\"source\":", 10, err));
	DLG_TRY(dlg_record__json_string(out, u->source, strlen(u->source), err));
	if (u->record)
		DLG_TRY(dlg_buf__printf(out, err, ",\"record\":%llu",
					(unsigned long long)u->record));
	DLG_TRY(dlg_buf__append(out, ",\"codes\":[", 10, err));
	/* each code once, in the order they came: a conversation of a million turns may have a
	 * finding for each, and looking back for each would cost a million squared */
	bool seen[DLG_DIAG_CODES] = { false };
	for (size_t i = 0; i < n; i++) {
		const dlg_diag *d = &DLG_BUF_AT(&u->diags, dlg_diag, i);
		if (!is_reason(d, dropped_by) || seen[d->code])
			continue;
		seen[d->code] = true;
		DLG_TRY(dlg_buf__printf(out, err, "%s\"%s\"", first ? "," : "",
					dlg_diag_id(d->code)));
		if (!first)
			first = d;
	}
	DLG_ASSERT(first);
	DLG_TRY(dlg_buf__printf(out, err, "],\"line\":%llu,\"col\":%u,\"message\":",
				(unsigned long long)first->line, (unsigned)first->col));
	DLG_TRY(dlg_record__json_string(out, first->msg, strlen(first->msg), err));
	if (dropped_by == DLG_DIAG_DUPLICATE)
		DLG_TRY(dlg_buf__printf(out, err, ",\"duplicate_of\":\"%s\"", u->id_hex));
	if (dropped_by == DLG_DIAG_NEAR_DUPLICATE)
		DLG_TRY(dlg_buf__printf(out, err, ",\"near_duplicate_of\":\"%s\",\"similarity\":"
					"%.4f", kept_hex, similarity));
	return dlg_buf__append(out, "}\n", 2, err);
}

/* GitHub's workflow commands take %, CR and LF escaped in messages, and ':' and ',' too in
 * property values. */
static dlg_status github_escaped(dlg_buf *b, const char *s, bool property, dlg_error *err)
{
	for (; *s; s++) {
		const char *esc = *s == '%' ? "%25" : *s == '\r' ? "%0D" : *s == '\n' ? "%0A" :
				  property && *s == ':' ? "%3A" :
				  property && *s == ',' ? "%2C" : NULL;
		DLG_TRY(esc ? dlg_buf__append(b, esc, 3, err) : dlg_buf__putc(b, *s, err));
	}
	return DLG_OK;
}

static dlg_status format_json(dlg_buf *b, const dlg_diag *d, dlg_error *err)
{
	DLG_TRY(dlg_buf__append(b, "{\"source\":", 10, err));
	DLG_TRY(dlg_record__json_string(b, d->source, strlen(d->source), err));
	DLG_TRY(dlg_buf__printf(b, err, ",\"line\":%llu,\"col\":%u,\"severity\":\"%s\","
				"\"code\":\"%s\",\"slug\":\"%s\",\"message\":",
				(unsigned long long)d->line, (unsigned)d->col,
				d->severity == DLG_SEV_ERROR ? "error" : "warning",
				dlg_diag_id(d->code), dlg_diag_slug(d->code)));
	DLG_TRY(dlg_record__json_string(b, d->msg, strlen(d->msg), err));
	if (d->record)
		DLG_TRY(dlg_buf__printf(b, err, ",\"record\":%llu,\"turn\":%u",
					(unsigned long long)d->record, (unsigned)d->turn));
	return dlg_buf__putc(b, '}', err);
}

static dlg_status format_sarif(dlg_buf *b, const dlg_diag *d, const char *where, dlg_error *err)
{
	DLG_TRY(dlg_buf__printf(b, err, "{\"ruleId\":\"%s\",\"level\":\"%s\",\"message\":"
				"{\"text\":", dlg_diag_id(d->code),
				d->severity == DLG_SEV_ERROR ? "error" : "warning"));
	dlg_buf text;
	dlg_buf__init(&text, NULL, DLG_BUF_UNCAPPED);
	dlg_status st = dlg_buf__printf(&text, err, "%s%s", d->msg, where);
	if (st == DLG_OK)
		st = dlg_record__json_string(b, text.data, text.len, err);
	dlg_buf__dispose(&text);
	DLG_TRY(st);
	static const char locations[] =
		"},\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":";
	DLG_TRY(dlg_buf__append(b, locations, sizeof locations - 1, err));
	DLG_TRY(dlg_record__json_string(b, d->source, strlen(d->source), err));
	return dlg_buf__printf(b, err, "},\"region\":{\"startLine\":%llu,\"startColumn\":%u}}}]}",
			       (unsigned long long)d->line, (unsigned)d->col);
}

dlg_status dlg_diag_format(char **out, const dlg_diag *d, dlg_diag_style style, dlg_error *err)
{
	dlg_buf b;
	dlg_buf__init(&b, NULL, DLG_BUF_UNCAPPED);
	const char *severity = d->severity == DLG_SEV_ERROR ? "error" : "warning";
	char where[64] = "";
	if (d->record && d->turn)
		snprintf(where, sizeof where, " (record %llu, turn %u)",
			 (unsigned long long)d->record, (unsigned)d->turn);
	else if (d->record)
		snprintf(where, sizeof where, " (record %llu)", (unsigned long long)d->record);
	dlg_status st;
	switch (style) {
	case DLG_DIAG_STYLE_JSON:
		st = format_json(&b, d, err);
		break;
	case DLG_DIAG_STYLE_SARIF:
		st = format_sarif(&b, d, where, err);
		break;
	case DLG_DIAG_STYLE_GITHUB:
		st = dlg_buf__printf(&b, err, "::%s file=", severity);
		if (st == DLG_OK)
			st = github_escaped(&b, d->source, true, err);
		if (st == DLG_OK)
			st = dlg_buf__printf(&b, err, ",line=%llu,col=%u,title=%s::",
					     (unsigned long long)d->line, (unsigned)d->col,
					     dlg_diag_id(d->code));
		if (st == DLG_OK)
			st = github_escaped(&b, d->msg, false, err);
		if (st == DLG_OK)
			st = github_escaped(&b, where, false, err);
		break;
	default:
		st = dlg_buf__printf(&b, err, "%s:%llu:%u: %s: %s%s [%s]", d->source,
				     (unsigned long long)d->line, (unsigned)d->col, severity,
				     d->msg, where, dlg_diag_id(d->code));
	}
	return dlg_buf__take_string(out, &b, st, err);
}

dlg_status dlg_sarif_open(char **out, dlg_error *err)
{
	dlg_buf b;
	dlg_buf__init(&b, NULL, DLG_BUF_UNCAPPED);
	dlg_status st = dlg_buf__printf(&b, err, "{\"version\":\"2.1.0\",\"$schema\":"
					"\"https://json.schemastore.org/sarif-2.1.0.json\","
					"\"runs\":[{\"tool\":{\"driver\":{\"name\":\"dlgconv\","
					"\"version\":\"%s\",\"rules\":[", dlg_version());
	/* every code, in order: the numbers with a name */
	bool first = true;
	for (int code = 0; st == DLG_OK && code < DLG_DIAG_CODES; code++) {
		dlg_diag_code c = (dlg_diag_code)code;
		if (strcmp(dlg_diag_id(c), "?") == 0)
			continue;
		st = dlg_buf__printf(&b, err, "%s{\"id\":\"%s\",\"name\":\"%s\","
				     "\"defaultConfiguration\":{\"level\":\"%s\"}}",
				     first ? "" : ",", dlg_diag_id(c), dlg_diag_slug(c),
				     dlg_diag_default_severity(c) == DLG_SEV_ERROR ? "error" :
										    "warning");
		first = false;
	}
	if (st == DLG_OK)
		st = dlg_buf__append(&b, "]}},\"results\":[", 15, err);
	return dlg_buf__take_string(out, &b, st, err);
}

void dlg_free(void *ptr)
{
	dlg_mem__free(NULL, ptr);
}

/*
 * dlg_conv is the unit a conversation was processed on (see unit.h). The accessors are
 * public API: a caller's wrong index is checked in every build, not only under assert(),
 * and answered with the safe values dlgconv.h documents rather than a read past a buffer.
 */
static const dlg_turn *conv_turn(const dlg_conv *c, size_t i)
{
	const dlg_unit *u = (const dlg_unit *)c;
	if (!u || i >= DLG_BUF_COUNT(&u->turns, dlg_turn))
		return NULL;
	return &DLG_BUF_AT(&u->turns, dlg_turn, i);
}

/* Stage direction k of turn i, or NULL. */
static const dlg_stage *conv_stage(const dlg_conv *c, size_t i, size_t k)
{
	const dlg_unit *u = (const dlg_unit *)c;
	const dlg_turn *t = conv_turn(c, i);
	if (!t || k >= t->n_stage)
		return NULL;
	return &DLG_BUF_AT(&u->stages, dlg_stage, t->first_stage + k);
}

size_t dlg_conv_turns(const dlg_conv *c)
{
	return c ? DLG_BUF_COUNT(&((const dlg_unit *)c)->turns, dlg_turn) : 0;
}

dlg_role dlg_conv_role(const dlg_conv *c, size_t turn)
{
	const dlg_turn *t = conv_turn(c, turn);
	return t ? t->role : DLG_ROLE_SYSTEM;
}

const char *dlg_conv_content(const dlg_conv *c, size_t turn, size_t *len_out)
{
	const dlg_turn *t = conv_turn(c, turn);
	if (len_out)
		*len_out = t ? t->text.len : 0;
	if (!t)
		return NULL;
	const char *text = ((const dlg_unit *)c)->text.data;
	return text ? text + t->text.off : ""; /* NULL says out of range, not empty */
}

size_t dlg_conv_stage_count(const dlg_conv *c, size_t turn)
{
	const dlg_turn *t = conv_turn(c, turn);
	return t ? t->n_stage : 0;
}

const char *dlg_conv_stage(const dlg_conv *c, size_t turn, size_t k, size_t *len_out)
{
	const dlg_stage *st = conv_stage(c, turn, k);
	if (len_out)
		*len_out = st ? st->text_len : 0;
	return st ? ((const dlg_unit *)c)->stage_text.data + st->text_off : NULL;
}

size_t dlg_conv_stage_offset(const dlg_conv *c, size_t turn, size_t k)
{
	const dlg_unit *u = (const dlg_unit *)c;
	const dlg_stage *st = conv_stage(c, turn, k);
	if (!st)
		return 0;
	const dlg_turn *t = conv_turn(c, turn);
	return (size_t)dlg_normalize__count_chars(u->text.data + t->text.off, st->at);
}

const char *dlg_conv_source(const dlg_conv *c)
{
	return c ? ((const dlg_unit *)c)->source : NULL;
}

uint64_t dlg_conv_record(const dlg_conv *c)
{
	return c ? ((const dlg_unit *)c)->record : 0;
}

const char *dlg_conv_shape(const dlg_conv *c)
{
	return c ? ((const dlg_unit *)c)->shape : NULL;
}

const char *dlg_conv_shape_fields(const dlg_conv *c)
{
	return c ? ((const dlg_unit *)c)->shape_fields : "";
}
