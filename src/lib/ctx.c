/*
 * ctx.c - a run's context (ctx.h) from its options: the options resolved (options.c), checked
 * together, and turned into the role labels, the splits, the findings' modes and the group
 * pattern. A combination that cannot work is refused here, before anything is read.
 * Uses buf.c, error.c, encoding.c (label bytes), input.c (encoding names) and options.c.
 */
#define _POSIX_C_SOURCE 200809L
#include "ctx.h"
#include "buf.h"
#include "encoding.h"
#include "error.h"
#include "input.h"
#include "options.h"
#include "chat.h"
#include "tokenizer.h"

#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const dlg_split default_splits[] = {
	{ "train", 0.9 }, { "validation", 0.05 }, { "test", 0.05 }
};

static const dlg_label default_labels[] = {
	{ "Human", 5, DLG_ROLE_USER },
	{ "Assistant", 9, DLG_ROLE_ASSISTANT },
	{ "System", 6, DLG_ROLE_SYSTEM },
};

/* transcript.c's MAX_LABEL_BYTES: a longer "label:" is a sentence with a colon */
#define ROLE_LABEL_MAX_BYTES 40

/* A label for a one-line message: control bytes (and all high bytes when it is not UTF-8) as
 * \xNN, cut on a character boundary. */
static void quote_label(char *out, size_t cap, const char *s, bool utf8)
{
	size_t o = 0, i = 0;
	while (s[i]) {
		uint8_t b = (uint8_t)s[i];
		size_t n = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
		bool escape = b < 0x20 || b == 0x7F || (b >= 0x80 && !utf8);
		size_t need = escape ? 4 : utf8 ? n : 1;
		if (o + need + 4 > cap) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (escape)
			o += (size_t)snprintf(out + o, cap - o, "\\x%02X", b);
		else
			memcpy(out + o, s + i, need);
		o += escape ? 0 : need;
		i += escape ? 1 : need;
	}
	out[o] = '\0';
}

/*
 * A --role label that no marker could ever match is refused rather than silently never
 * used: the marker grammar reads '#'s, then a label of at most ROLE_LABEL_MAX_BYTES with
 * blanks trimmed, then ':' or a full-width colon, all on one line of valid UTF-8. '=' is
 * refused too: a speaker name holds none, and the CLI splits LABEL=ROLE at the last '='
 * (Bot=x=assistant).
 */
/* Whether the C string s is valid UTF-8. */
static bool valid_utf8(const char *s, size_t len)
{
	const uint8_t *p = (const uint8_t *)s;
	for (size_t i = 0, n, prefix; i < len; i += n) {
		n = p[i] < 0x80 ? 1 : dlg_encoding__utf8_sequence(&prefix, p + i, len - i);
		if (n == 0)
			return false;
	}
	return true;
}

static dlg_status check_label(const char *label, dlg_role role, dlg_error *err)
{
	size_t len = label ? strlen(label) : 0;
	bool utf8 = valid_utf8(label ? label : "", len);
	char q[72];
	quote_label(q, sizeof q, label ? label : "", utf8);
	const char *special = label ? strpbrk(label, "#:=") : NULL;
	bool control = false, wide_colon = false;
	for (size_t i = 0; i < len; i++) {
		control |= (uint8_t)label[i] < 0x20 || label[i] == 0x7F;
		wide_colon |= dlg_colon_len(label, len, i) > 1;
	}
	const char *why = NULL;
	if (len == 0)
		why = "is empty";
	else if (!utf8)
		why = "is not valid UTF-8";
	else if (control)
		why = "holds a line break or another control character";
	else if (label[0] == ' ' || label[len - 1] == ' ')
		why = "starts or ends with a blank, which a marker trims";
	else if (special && *special == '#')
		why = "holds '#', which starts a marker";
	else if (special && *special == ':')
		why = "holds ':', which ends a marker's label";
	else if (wide_colon)
		why = "holds a full-width colon, which ends a marker's label";
	else if (special)
		why = "holds '=', which a speaker name has none of (option role splits "
		      "LABEL=ROLE at the last '=')";
	else if (len > ROLE_LABEL_MAX_BYTES)
		why = "is longer than 40 bytes, which a marker reads as prose";
	if (why)
		return dlg_error__set(err, DLG_E_ARG, 0, "role label '%s' %s; no marker "
				      "could match it", q, why);
	if ((unsigned)role > DLG_ROLE_ASSISTANT)
		return dlg_error__set(err, DLG_E_ARG, 0, "role label '%s' maps to no role "
				      "(%d)", q, (int)role);
	return DLG_OK;
}

static dlg_status setup_labels(dlg_ctx *ctx, const dlg_options *o, dlg_error *err)
{
	ctx->n_labels = sizeof default_labels / sizeof default_labels[0];
	memcpy(ctx->labels, default_labels, sizeof default_labels);
	for (size_t i = 0; i < o->n_roles; i++) {
		const dlg_role_label *r = &o->roles[i];
		DLG_TRY(check_label(r->label, r->role, err));
		size_t len = strlen(r->label);
		size_t k = 0;
		while (k < ctx->n_labels && !(ctx->labels[k].len == len &&
					      strcasecmp(ctx->labels[k].text, r->label) == 0))
			k++;
		if (k == DLG_MAX_LABELS)
			return dlg_error__set(err, DLG_E_ARG, 0, "more than %d role labels",
					      DLG_MAX_LABELS);
		ctx->labels[k] = (dlg_label){ r->label, len, r->role };
		if (k == ctx->n_labels)
			ctx->n_labels++;
	}
	return DLG_OK;
}

/* Split names become file names and Hugging Face split names, so they keep to the latter's
 * alphabet (datasets' naming.py: words joined by single dots). */
static bool valid_split_name(const char *s)
{
	if (!s || !*s || strlen(s) > DLG_MAX_SPLIT_NAME || strcmp(s, "rejects") == 0 ||
	    strcmp(s, "manifest") == 0 || strcmp(s, "provenance") == 0)
		return false;
	static const char word[] = "abcdefghijklmnopqrstuvwxyz"
				   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
	for (size_t n; (n = strspn(s, word)) > 0; s += n + 1)
		if (s[n] != '.')
			return s[n] == '\0';
	return false;
}

static dlg_status setup_splits(dlg_ctx *ctx, const dlg_options *o, dlg_error *err)
{
	const dlg_split *s = o->splits ? o->splits : default_splits;
	size_t n = o->splits ? o->n_splits : sizeof default_splits / sizeof default_splits[0];
	if (n == 0 || n > DLG_MAX_SPLITS)
		return dlg_error__set(err, DLG_E_ARG, 0, "need 1 to %d splits",
				      DLG_MAX_SPLITS);
	double total = 0;
	for (size_t i = 0; i < n; i++) {
		if (!valid_split_name(s[i].name))
			return dlg_error__set(err, DLG_E_ARG, 0,
					      "invalid split name '%.100s' (up to %d letters, "
					      "digits and '_', in words joined by '.'; not "
					      "rejects, manifest or provenance)",
					      s[i].name ? s[i].name : "", DLG_MAX_SPLIT_NAME);
		if (!(s[i].weight > 0) || !isfinite(s[i].weight))
			return dlg_error__set(err, DLG_E_ARG, 0,
					      "split '%s' needs a positive, finite weight",
					      s[i].name);
		for (size_t k = 0; k < i; k++)
			if (strcmp(s[k].name, s[i].name) == 0)
				return dlg_error__set(err, DLG_E_ARG, 0,
						      "split '%s' named twice", s[i].name);
		ctx->splits[i] = s[i];
		total += s[i].weight;
	}
	/* an infinite total makes every bound 0 or NaN: all in one split (a=1e308,b=1e308) */
	if (!isfinite(total))
		return dlg_error__set(err, DLG_E_ARG, 0, "the split weights add up to more "
				      "than a double holds; scale them down");
	ctx->n_splits = n;
	double acc = 0;
	for (size_t i = 0; i < n; i++) {
		acc += s[i].weight;
		ctx->split_upper[i] = acc / total;
	}
	return DLG_OK;
}

/* The options that say how JSON records are read, and what leading assistant turns may
 * become, checked together: a combination that cannot work is refused, not half applied. */
static dlg_status check_record_options(const dlg_options *o, dlg_error *err)
{
	const char *keys[] = { o->messages_field, o->role_key, o->content_key };
	const char *names[] = { "option messages-field", "option role-key", "option content-key" };
	for (int i = 0; i < 3; i++)
		if (keys[i] && !*keys[i])
			return dlg_error__set(err, DLG_E_ARG, 0, "%s needs a name", names[i]);
	bool strings = o->text_field || o->response_field || o->rejected_field ||
		       o->prompt_field;
	if (strings && (o->messages_field || o->role_key || o->content_key))
		return dlg_error__set(err, DLG_E_ARG, 0, "option messages-field, option role-key "
				      "and option content-key read messages arrays; option "
				      "text-field, option response-field and option rejected-field "
				      "read transcript strings: give one kind or the other");
	if (o->prompt_field && (!o->response_field || o->text_field))
		return dlg_error__set(err, DLG_E_ARG, 0, "option prompt-field is the user turn "
				      "of option response-field's reply, in place of option "
				      "text-field's transcript: give it with the first, not the "
				      "second");
	if (o->n_keep_message_fields && o->format == DLG_FORMAT_TEXT)
		return dlg_error__set(err, DLG_E_ARG, 0, "option keep-message-fields: the text "
				      "format has no messages to hold them");
	if ((unsigned)o->leading_assistant > DLG_LEADING_ASSISTANT_KEEP)
		return dlg_error__set(err, DLG_E_ARG, 0, "unknown leading_assistant %d",
				      (int)o->leading_assistant);
	if (o->leading_assistant == DLG_LEADING_ASSISTANT_KEEP &&
	    (o->format == DLG_FORMAT_PREFERENCE || o->format == DLG_FORMAT_OPENAI_PREFERENCE))
		return dlg_error__set(err, DLG_E_ARG, 0, "option leading-assistant keep: a "
				      "preference pair answers a user's prompt, which opens with "
				      "the user; use drop or error");
	if (o->n_keep_fields > DLG_MAX_KEEP_FIELDS)
		return dlg_error__set(err, DLG_E_ARG, 0,
				      "option keep-fields names more than %d fields",
				      DLG_MAX_KEEP_FIELDS);
	if (o->n_keep_message_fields > DLG_MAX_KEEP_FIELDS)
		return dlg_error__set(err, DLG_E_ARG, 0,
				      "option keep-message-fields names more than %d fields",
				      DLG_MAX_KEEP_FIELDS);
	for (size_t i = 0; i < o->n_keep_message_fields; i++) {
		const char *f = o->keep_message_fields[i];
		if (!f || !*f)
			return dlg_error__set(err, DLG_E_ARG, 0,
					      "option keep-message-fields needs field names");
		/* the keys a written message has of its own (sharegpt's from and value), or
		 * carries when its input had them (tools.c): written twice, a reader keeps
		 * one of the two */
		static const char *const written[] = { "role", "content", "stage_directions",
						       "from", "value", "name", "weight",
						       "reasoning_content", "thinking",
						       "tool_calls", "tool_call_id" };
		for (size_t k = 0; k < sizeof written / sizeof written[0]; k++)
			if (strcmp(f, written[k]) == 0)
				return dlg_error__set(err, DLG_E_ARG, 0, "option "
						      "keep-message-fields '%s': a written "
						      "message has it already, or carries it "
						      "(docs/rules.md)", f);
		for (size_t k = 0; k < i; k++)
			if (strcmp(o->keep_message_fields[k], f) == 0)
				return dlg_error__set(err, DLG_E_ARG, 0, "option "
						      "keep-message-fields names '%.100s' twice",
						      f);
	}
	for (size_t i = 0; i < o->n_keep_fields; i++) {
		const char *f = o->keep_fields[i];
		if (!f || !*f)
			return dlg_error__set(err, DLG_E_ARG, 0,
					      "option keep-fields needs field names");
		if (o->keep_preamble && strcmp(f, "preamble") == 0)
			return dlg_error__set(err, DLG_E_ARG, 0, "option keep-fields preamble: "
					      "option keep-preamble writes meta.preamble already");
		if (o->emit_token_counts && strcmp(f, "tokens") == 0)
			return dlg_error__set(err, DLG_E_ARG, 0,
					      "option keep-fields tokens: option "
					      "emit-token-counts writes meta.tokens already");
		for (size_t k = 0; k < i; k++)
			if (strcmp(o->keep_fields[k], f) == 0)
				return dlg_error__set(err, DLG_E_ARG, 0, "option keep-fields names "
						      "'%.100s' twice", f);
	}
	return DLG_OK;
}

static dlg_status set_codes(dlg_ctx *ctx, const dlg_diag_code *codes, size_t n,
			    dlg_code_mode mode, const char *option, dlg_error *err)
{
	for (size_t i = 0; i < n; i++) {
		dlg_diag_code c = codes[i];
		if ((unsigned)c >= DLG_DIAG_CODES ||
		    dlg_diag_default_severity(c) != DLG_SEV_WARNING ||
		    strcmp(dlg_diag_id(c), "?") == 0)
			return dlg_error__set(err, DLG_E_ARG, 0, "%s takes warning codes; %s is "
					      "an error, which always rejects its conversation and "
					      "is always reported", option, dlg_diag_id(c));
		if (mode == DLG_CODE_IGNORED && ctx->code_mode[c] == DLG_CODE_ERROR)
			return dlg_error__set(err, DLG_E_ARG, 0, "%s is both in option error "
					      "and in option ignore", dlg_diag_id(c));
		if (mode != DLG_CODE_REPORTED || ctx->code_mode[c] != DLG_CODE_ERROR)
			ctx->code_mode[c] = (uint8_t)mode;
	}
	return DLG_OK;
}

/* --ignore, --select and --error into ctx->code_mode. */
static dlg_status setup_codes(dlg_ctx *ctx, const dlg_options *o, dlg_error *err)
{
	DLG_TRY(set_codes(ctx, o->error_codes, o->n_error_codes, DLG_CODE_ERROR, "option error",
			  err));
	if (o->n_select)
		for (int c = 300; c < DLG_DIAG_CODES; c++)
			if (ctx->code_mode[c] == DLG_CODE_REPORTED)
				ctx->code_mode[c] = DLG_CODE_IGNORED;
	DLG_TRY(set_codes(ctx, o->select, o->n_select, DLG_CODE_REPORTED, "option select", err));
	return set_codes(ctx, o->ignore, o->n_ignore, DLG_CODE_IGNORED, "option ignore", err);
}

dlg_status dlg_ctx__init(dlg_ctx *ctx, const dlg_options *given, dlg_error *err)
{
	memset(ctx, 0, sizeof *ctx);
	DLG_TRY(dlg_options__resolved(&ctx->options, given, err));
	const dlg_options *o = &ctx->options;
	ctx->opts = o;
	ctx->alloc = o->allocator;
	if (ctx->options.near_dup == DLG_NEAR_DUP_DEFAULT)
		ctx->options.near_dup = DLG_NEAR_DUP_GROUP;
	DLG_TRY(dlg_input__check_encoding(o, err));
	bool pairs = o->format == DLG_FORMAT_PREFERENCE ||
		     o->format == DLG_FORMAT_OPENAI_PREFERENCE;
	if (pairs && !o->rejected_field)
		return dlg_error__set(err, DLG_E_ARG, 0, "a preference format needs "
				      "option rejected-field (and option text-field for the "
				      "chosen side)");
	if (o->rejected_field && (o->format == DLG_FORMAT_SHAREGPT || o->format == DLG_FORMAT_TEXT))
		return dlg_error__set(err, DLG_E_ARG, 0, "option rejected-field makes preference "
				      "pairs: use option format preference or openai-preference");
	/* pairs are written as pairs: the default format's records, and the card, are TRL's */
	if (o->rejected_field && o->format == DLG_FORMAT_MESSAGES)
		ctx->options.format = DLG_FORMAT_PREFERENCE;
	DLG_TRY(check_record_options(o, err));
	DLG_TRY(setup_labels(ctx, o, err));
	DLG_TRY(setup_splits(ctx, o, err));
	if (o->shards > DLG_MAX_SHARDS)
		return dlg_error__set(err, DLG_E_ARG, 0, "at most %d shards", DLG_MAX_SHARDS);
	ctx->shards = o->shards ? o->shards : 1;
	DLG_TRY(setup_codes(ctx, o, err));
	ctx->near_dup = o->near_dup == DLG_NEAR_DUP_DROP ||
			(o->near_dup == DLG_NEAR_DUP_GROUP &&
			 (o->output_dir || o->on_conversation));
	if (o->near_dup > DLG_NEAR_DUP_OFF)
		return dlg_error__set(err, DLG_E_ARG, 0, "unknown near_dup mode %d",
				      (int)o->near_dup);
	if (!(o->near_dup_threshold > 0 && o->near_dup_threshold <= 1))
		return dlg_error__set(err, DLG_E_ARG, 0, "the near-duplicate threshold is a "
				      "similarity above 0 and at most 1");
	if (o->split_key == DLG_SPLIT_KEY_GROUP) {
		if (!o->group_regex)
			return dlg_error__set(err, DLG_E_ARG, 0,
					      "option split-key group needs option group-regex");
		regex_t *re = dlg_mem__alloc(ctx->alloc, sizeof *re);
		if (!re)
			return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
		int rc = regcomp(re, o->group_regex, REG_EXTENDED);
		if (rc != 0 || re->re_nsub < 1) {
			char msg[128] = "it has no capture group";
			if (rc != 0)
				regerror(rc, re, msg, sizeof msg);
			else
				regfree(re);
			dlg_mem__free(ctx->alloc, re);
			return dlg_error__set(err, DLG_E_ARG, 0, "bad option group-regex '%s': %s",
					      o->group_regex, msg);
		}
		ctx->group_re = re;
	}
	if ((o->emit_token_counts || o->max_tokens) && !o->tokenizer)
		return dlg_error__set(err, DLG_E_ARG, 0, "option %s needs option tokenizer",
				      o->max_tokens ? "max-tokens" : "emit-token-counts");
	if (o->over_limit > DLG_OVER_LIMIT_TRUNCATE_TURNS)
		return dlg_error__set(err, DLG_E_ARG, 0, "unknown over_limit mode %d",
				      (int)o->over_limit);
	if (o->over_limit == DLG_OVER_LIMIT_TRUNCATE_TURNS && o->rejected_field)
		return dlg_error__set(err, DLG_E_ARG, 0, "option over-limit truncate-turns would "
				      "part a preference pair's sides: use error or drop");
	if (o->chat_template && !o->tokenizer)
		return dlg_error__set(err, DLG_E_ARG, 0, "option template needs option tokenizer");
	if (o->tokenizer)
		DLG_TRY(dlg_tokenizer__load(&ctx->tokenizer, o->tokenizer, o, err));
	if (o->tokenizer)
		DLG_TRY(dlg_chat__load(&ctx->chat, o->chat_template, ctx->tokenizer, err));
	return DLG_OK;
}

void dlg_ctx__dispose(dlg_ctx *ctx)
{
	dlg_chat__free(ctx->chat);
	ctx->chat = NULL;
	dlg_tokenizer__free(ctx->tokenizer);
	ctx->tokenizer = NULL;
	if (ctx->group_re) {
		regfree(ctx->group_re);
		dlg_mem__free(ctx->alloc, ctx->group_re);
	}
}

dlg_severity dlg_ctx__severity(const dlg_ctx *ctx, dlg_diag_code code)
{
	if (dlg_diag_default_severity(code) == DLG_SEV_ERROR)
		return DLG_SEV_ERROR;
	dlg_code_mode mode = ctx->code_mode[code];
	return mode == DLG_CODE_ERROR || (ctx->opts->strict && mode != DLG_CODE_IGNORED) ?
		       DLG_SEV_ERROR : DLG_SEV_WARNING;
}
