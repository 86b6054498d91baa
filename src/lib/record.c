/*
 * record.c - one JSON line per conversation (SPEC section 4) and per rejected one. Written
 * by hand rather than through a cJSON tree: this is the hot path, and building a tree costs
 * allocations per turn. Uses buf.c, error.c, stage.c, transcript.c (the text format's
 * escapes) and split.c.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

dlg_status dlg_record__json_string(dlg_buf *out, const char *s, size_t n, dlg_error *err)
{
	static const char hex[] = "0123456789abcdef";
	DLG_TRY(dlg_buf__reserve(out, n + 2, err));
	out->data[out->len++] = '"';
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
	DLG_TRY(dlg_buf__append(out, s + run, n - run, err));
	return dlg_buf__putc(out, '"', err);
}

static dlg_status messages(dlg_buf *out, dlg_unit *u, dlg_error *err)
{
	size_t n = DLG_BUF_COUNT(&u->turns, dlg_turn);
	DLG_TRY(dlg_buf__putc(out, '[', err));
	for (size_t i = 0; i < n; i++) {
		const dlg_turn *t = &DLG_BUF_AT(&u->turns, dlg_turn, i);
		static const char *const open[] = {
			[DLG_ROLE_SYSTEM] = "{\"role\":\"system\",\"content\":",
			[DLG_ROLE_USER] = "{\"role\":\"user\",\"content\":",
			[DLG_ROLE_ASSISTANT] = "{\"role\":\"assistant\",\"content\":",
		};
		if (i)
			DLG_TRY(dlg_buf__putc(out, ',', err));
		DLG_TRY(dlg_buf__append(out, open[t->role], strlen(open[t->role]), err));
		const char *content = u->text.data + t->text.off;
		DLG_TRY(dlg_record__json_string(out, content, t->text.len, err));
		/* every message has the key, so that consumers infer one type for the column */
		DLG_TRY(dlg_buf__append(out, ",\"stage_directions\":[", 21, err));
		size_t counted = 0, chars = 0;
		for (size_t k = 0; k < t->n_stage; k++) {
			dlg_stage st = DLG_BUF_AT(&u->stages, dlg_stage, t->first_stage + k);
			chars += dlg_normalize__count_chars(content + counted, st.at - counted);
			counted = st.at;
			DLG_TRY(dlg_buf__append(out, k ? ",{\"text\":" : "{\"text\":", k ? 9 : 8,
						err));
			DLG_TRY(dlg_record__json_string(out, u->stage_text.data + st.text_off,
							st.text_len, err));
			DLG_TRY(dlg_buf__printf(out, err, ",\"offset\":%zu}", chars));
		}
		DLG_TRY(dlg_buf__append(out, "]}", 2, err));
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
				 (const dlg_stage_ref *)(void *)u->stage_refs.data, t->n_stage, err);
}

/* The body of a record in the sharegpt or text format, after its "source"/"record". */
static dlg_status other_format(dlg_buf *out, dlg_unit *u, dlg_error *err)
{
	static const char *const from[] = { "system", "human", "gpt" };
	static const char *const label[] = { "### System: ", "### Human: ", "### Assistant: " };
	bool sharegpt = u->ctx->opts->format == DLG_FORMAT_SHAREGPT;
	size_t n = DLG_BUF_COUNT(&u->turns, dlg_turn);
	dlg_buf *tmp = &u->scratch;
	if (sharegpt)
		DLG_TRY(dlg_buf__append(out, ",\"conversations\":[", 18, err));
	else
		tmp->len = 0;
	for (size_t i = 0; i < n; i++) {
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
		DLG_TRY(dlg_buf__printf(out, err, "%s{\"from\":\"%s\",\"value\":", i ? "," : "",
					from[t->role]));
		tmp->len = 0;
		DLG_TRY(content_with_stage(tmp, u, t, err));
		DLG_TRY(dlg_record__json_string(out, tmp->data, tmp->len, err));
		DLG_TRY(dlg_buf__putc(out, '}', err));
	}
	if (sharegpt)
		return dlg_buf__putc(out, ']', err);
	DLG_TRY(dlg_buf__append(out, ",\"text\":", 8, err));
	return dlg_record__json_string(out, tmp->data, tmp->len, err);
}

dlg_status dlg_record__render(dlg_unit *u, dlg_error *err)
{
	/* The id hashes the messages alone (whatever the format), so it does not depend on
	 * where the file was or how the record is written. The messages are written in place
	 * after a prefix whose id is filled in once they are hashed: no copy of a large turn. */
	bool messages_format = u->ctx->opts->format == DLG_FORMAT_MESSAGES;
	dlg_buf *out = &u->json;
	out->len = 0;
	DLG_TRY(dlg_buf__append(out, "{\"id\":\"", 7, err));
	size_t id_at = out->len;
	DLG_TRY(dlg_buf__append(out, "00000000000000000000000000000000\",\"source\":", 43, err));
	DLG_TRY(dlg_record__json_string(out, u->source, strlen(u->source), err));
	/* every record has the same keys (consumers infer one type per column): 0 is a text
	 * file's, which has no records */
	DLG_TRY(dlg_buf__printf(out, err, ",\"record\":%llu", (unsigned long long)u->record));
	dlg_buf *msgs = &u->scratch;
	size_t msgs_at = 0;
	if (messages_format) {
		DLG_TRY(dlg_buf__append(out, ",\"messages\":", 12, err));
		msgs = out;
		msgs_at = out->len;
	}
	msgs->len = msgs_at;
	DLG_TRY(messages(msgs, u, err));
	dlg_split__id(u->id, u->id_hex, msgs->data + msgs_at, msgs->len - msgs_at);
	memcpy(out->data + id_at, u->id_hex, 32);
	if (!messages_format)
		DLG_TRY(other_format(out, u, err));
	if (u->ctx->opts->keep_preamble) {
		DLG_TRY(dlg_buf__append(out, ",\"meta\":{\"preamble\":", 20, err));
		DLG_TRY(dlg_record__json_string(out, u->text.data + u->preamble.off,
						u->preamble.len, err));
		DLG_TRY(dlg_buf__putc(out, '}', err));
	}
	return dlg_buf__append(out, "}\n", 2, err);
}

/* Whether a finding is one of the reasons a conversation was left out. */
static bool is_reason(const dlg_diag *d, bool duplicate)
{
	return duplicate ? d->code == DLG_DIAG_DUPLICATE : d->severity == DLG_SEV_ERROR;
}

dlg_status dlg_record__reject(dlg_buf *out, const dlg_unit *u, bool duplicate, dlg_error *err)
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
	for (size_t i = 0; i < n; i++) {
		const dlg_diag *d = &DLG_BUF_AT(&u->diags, dlg_diag, i);
		if (!is_reason(d, duplicate))
			continue;
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++) {
			const dlg_diag *e = &DLG_BUF_AT(&u->diags, dlg_diag, k);
			seen = is_reason(e, duplicate) && e->code == d->code;
		}
		if (seen)
			continue;
		DLG_TRY(dlg_buf__printf(out, err, "%s\"%s\"", first ? "," : "",
					dlg_diag_id(d->code)));
		if (!first)
			first = d;
	}
	DLG_ASSERT(first);
	DLG_TRY(dlg_buf__printf(out, err, "],\"line\":%llu,\"col\":%u,\"message\":",
				(unsigned long long)first->line, (unsigned)first->col));
	DLG_TRY(dlg_record__json_string(out, first->msg, strlen(first->msg), err));
	if (duplicate)
		DLG_TRY(dlg_buf__printf(out, err, ",\"duplicate_of\":\"%s\"", u->id_hex));
	return dlg_buf__append(out, "}\n", 2, err);
}

/* GitHub's workflow commands take %, CR and LF escaped in messages, and ':' and ',' too in
 * property values. */
static dlg_status github_escaped(dlg_buf *b, const char *s, bool property, dlg_error *err)
{
	for (; *s; s++) {
		const char *esc = *s == '%' ? "%25" : *s == '\r' ? "%0D" : *s == '\n' ? "%0A" :
				  property && *s == ':' ? "%3A" : property && *s == ',' ? "%2C" : NULL;
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
				     (unsigned long long)d->line, (unsigned)d->col, severity, d->msg,
				     where, dlg_diag_id(d->code));
	}
	return dlg_buf__take_string(out, &b, st, err);
}

void dlg_free(void *ptr)
{
	dlg_mem__free(NULL, ptr);
}

/* dlg_conv is the unit a conversation was processed on (see internal.h). */
static const dlg_turn *conv_turn(const dlg_conv *c, size_t i)
{
	const dlg_unit *u = (const dlg_unit *)c;
	DLG_ASSERT(i < DLG_BUF_COUNT(&u->turns, dlg_turn));
	return &DLG_BUF_AT(&u->turns, dlg_turn, i);
}

size_t dlg_conv_turns(const dlg_conv *c)
{
	return DLG_BUF_COUNT(&((const dlg_unit *)c)->turns, dlg_turn);
}

dlg_role dlg_conv_role(const dlg_conv *c, size_t turn)
{
	return conv_turn(c, turn)->role;
}

const char *dlg_conv_content(const dlg_conv *c, size_t turn, size_t *len_out)
{
	const dlg_turn *t = conv_turn(c, turn);
	*len_out = t->text.len;
	return ((const dlg_unit *)c)->text.data + t->text.off;
}

size_t dlg_conv_stage_count(const dlg_conv *c, size_t turn)
{
	return conv_turn(c, turn)->n_stage;
}

const char *dlg_conv_stage(const dlg_conv *c, size_t turn, size_t k, size_t *len_out)
{
	const dlg_unit *u = (const dlg_unit *)c;
	const dlg_turn *t = conv_turn(c, turn);
	DLG_ASSERT(k < t->n_stage);
	dlg_stage st = DLG_BUF_AT(&u->stages, dlg_stage, t->first_stage + k);
	*len_out = st.text_len;
	return u->stage_text.data + st.text_off;
}

size_t dlg_conv_stage_offset(const dlg_conv *c, size_t turn, size_t k)
{
	const dlg_unit *u = (const dlg_unit *)c;
	const dlg_turn *t = conv_turn(c, turn);
	DLG_ASSERT(k < t->n_stage);
	dlg_stage st = DLG_BUF_AT(&u->stages, dlg_stage, t->first_stage + k);
	return (size_t)dlg_normalize__count_chars(u->text.data + t->text.off, st.at);
}

const char *dlg_conv_source(const dlg_conv *c)
{
	return ((const dlg_unit *)c)->source;
}

uint64_t dlg_conv_record(const dlg_conv *c)
{
	return ((const dlg_unit *)c)->record;
}
