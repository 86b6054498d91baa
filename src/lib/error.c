/*
 * error.c - status and diagnostic tables, a code's severity in a run, and filling a
 * dlg_error. Uses buf.c only.
 */
#include "error.h"
#include "buf.h"
#include "ctx.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *dlg_status_id(dlg_status code)
{
	switch (code) {
	case DLG_OK: return "OK";
	case DLG_END: return "END";
	case DLG_E_NOMEM: return "E_NOMEM";
	case DLG_E_IO: return "E_IO";
	case DLG_E_EXISTS: return "E_EXISTS";
	case DLG_E_LIMIT: return "E_LIMIT";
	case DLG_E_ZLIB: return "E_ZLIB";
	case DLG_E_REJECTS: return "E_REJECTS";
	case DLG_E_CANCELED: return "E_CANCELED";
	case DLG_E_LOCKED: return "E_LOCKED";
	case DLG_E_ARG: return "E_ARG";
	case DLG_E_INTERNAL: return "E_INTERNAL";
	}
	return "E_UNKNOWN";
}

static const struct {
	dlg_diag_code code;
	const char *id;
	const char *slug;
} diag_table[] = {
	{ DLG_DIAG_INVALID_UTF8, "E101", "invalid-utf8" },
	{ DLG_DIAG_BINARY, "E102", "binary-data" },
	{ DLG_DIAG_INVALID_JSON, "E103", "invalid-json" },
	{ DLG_DIAG_LFS_POINTER, "E104", "git-lfs-pointer" },
	{ DLG_DIAG_NO_TURNS, "E201", "no-turns" },
	{ DLG_DIAG_FIRST_NOT_USER, "E202", "first-turn-not-user" },
	{ DLG_DIAG_REPEATED_ROLE, "E203", "repeated-role" },
	{ DLG_DIAG_EMPTY_TURN, "E204", "empty-turn" },
	{ DLG_DIAG_UNKNOWN_ROLE, "E205", "unknown-role" },
	{ DLG_DIAG_TRAILING_USER, "E206", "trailing-user-turn" },
	{ DLG_DIAG_TOO_FEW_TURNS, "E207", "too-few-turns" },
	{ DLG_DIAG_TURN_TOO_LONG, "E208", "turn-too-long" },
	{ DLG_DIAG_PAIR_MISMATCH, "E209", "pair-prompt-mismatch" },
	{ DLG_DIAG_NON_TEXT_CONTENT, "E210", "non-text-content" },
	{ DLG_DIAG_PREAMBLE_DROPPED, "W301", "preamble-dropped" },
	{ DLG_DIAG_NONCANONICAL_MARKER, "W302", "noncanonical-marker" },
	{ DLG_DIAG_MARKER_IN_TEXT, "W303", "marker-in-text" },
	{ DLG_DIAG_UNBALANCED_STAGE, "W304", "unbalanced-stage-direction" },
	{ DLG_DIAG_MOJIBAKE, "W305", "mojibake" },
	{ DLG_DIAG_INVISIBLE_REMOVED, "W306", "invisible-removed" },
	{ DLG_DIAG_DUPLICATE, "W307", "duplicate" },
	{ DLG_DIAG_UNKNOWN_LABEL_KEPT, "W308", "unknown-label-kept" },
	{ DLG_DIAG_TRAILING_USER_DROPPED, "W309", "trailing-user-dropped" },
	{ DLG_DIAG_EMPTY_LAST_TURN_DROPPED, "W310", "empty-last-turn-dropped" },
	{ DLG_DIAG_TEXT_AFTER_SECTION_DROPPED, "W311", "text-after-section-dropped" },
	{ DLG_DIAG_NOT_A_FILE_SKIPPED, "W312", "not-a-file-skipped" },
	{ DLG_DIAG_ID_MISMATCH, "W313", "id-mismatch" },
	{ DLG_DIAG_SYSTEM_NOT_FIRST, "W314", "system-turn-not-first" },
	{ DLG_DIAG_UNREADABLE_ENTRY_SKIPPED, "W315", "unreadable-entry-skipped" },
	{ DLG_DIAG_DUPLICATE_JSON_KEY, "W316", "duplicate-json-key" },
	{ DLG_DIAG_DATASET_SKIPPED, "W317", "dataset-skipped" },
	{ DLG_DIAG_LEADING_ASSISTANT_DROPPED, "W318", "leading-assistant-dropped" },
	{ DLG_DIAG_CONTENT_NOT_AS_NAMED, "W319", "content-not-as-named" },
	{ DLG_DIAG_KEPT_FIELD_TYPE_CHANGED, "W320", "kept-field-type-changed" },
	{ DLG_DIAG_NEAR_DUPLICATE, "W321", "near-duplicate" },
};

static size_t diag_index(dlg_diag_code code)
{
	for (size_t i = 0; i < sizeof diag_table / sizeof diag_table[0]; i++)
		if (diag_table[i].code == code)
			return i;
	return SIZE_MAX;
}

const char *dlg_diag_id(dlg_diag_code code)
{
	size_t i = diag_index(code);
	return i == SIZE_MAX ? "?" : diag_table[i].id;
}

const char *dlg_diag_slug(dlg_diag_code code)
{
	size_t i = diag_index(code);
	return i == SIZE_MAX ? "unknown" : diag_table[i].slug;
}

dlg_severity dlg_diag_default_severity(dlg_diag_code code)
{
	return code < 300 ? DLG_SEV_ERROR : DLG_SEV_WARNING;
}

int dlg_diag_parse(const char *name, dlg_diag_code *out)
{
	for (size_t i = 0; i < sizeof diag_table / sizeof diag_table[0]; i++)
		if (strcasecmp(name, diag_table[i].id) == 0 || strcmp(name, diag_table[i].slug) == 0) {
			*out = diag_table[i].code;
			return 1;
		}
	return 0;
}

dlg_status dlg_sarif_open(char **out, dlg_error *err)
{
	dlg_buf b;
	dlg_buf__init(&b, NULL, DLG_BUF_UNCAPPED);
	dlg_status st = dlg_buf__printf(&b, err, "{\"version\":\"2.1.0\",\"$schema\":"
					"\"https://json.schemastore.org/sarif-2.1.0.json\",\"runs\":"
					"[{\"tool\":{\"driver\":{\"name\":\"dlgconv\",\"version\":"
					"\"%s\",\"rules\":[", dlg_version());
	for (size_t i = 0; st == DLG_OK && i < sizeof diag_table / sizeof diag_table[0]; i++)
		st = dlg_buf__printf(&b, err, "%s{\"id\":\"%s\",\"name\":\"%s\","
				     "\"defaultConfiguration\":{\"level\":\"%s\"}}",
				     i ? "," : "", diag_table[i].id, diag_table[i].slug,
				     dlg_diag_default_severity(diag_table[i].code) == DLG_SEV_ERROR ?
					     "error" : "warning");
	if (st == DLG_OK)
		st = dlg_buf__append(&b, "]}},\"results\":[", 15, err);
	return dlg_buf__take_string(out, &b, st, err);
}

const char *dlg_sarif_close(void)
{
	return "]}]}";
}

const char *dlg_role_name(dlg_role role)
{
	switch (role) {
	case DLG_ROLE_SYSTEM: return "system";
	case DLG_ROLE_USER: return "user";
	case DLG_ROLE_ASSISTANT: return "assistant";
	}
	return "?";
}

const char *dlg_fix_name(dlg_fix fix)
{
	static const char *const names[DLG_FIX_COUNT] = {
		"bom_removed",         "crlf_converted",      "unicode_normalized",
		"controls_removed",    "spaces_normalized",   "ascii_punctuation",
		"trailing_spaces",     "blank_lines_collapsed", "stage_extracted",
		"stage_kept",          "stage_stripped",      "turns_merged",
		"mojibake_repaired",
	};
	return (unsigned)fix < DLG_FIX_COUNT ? names[fix] : "unknown";
}

const char *dlg_version(void)
{
	return DLGCONV_VERSION;
}

void dlg_error__utf8_cut(char *msg)
{
	/* a message cut at its buffer's end may end inside a character: JSON outputs would then
	 * hold invalid UTF-8; drop the incomplete character */
	size_t end = strlen(msg), lead = end;
	while (lead > 0 && ((uint8_t)msg[lead - 1] & 0xC0) == 0x80)
		lead--;
	if (lead == 0 || (uint8_t)msg[lead - 1] < 0xC0)
		return;
	uint8_t c = (uint8_t)msg[lead - 1];
	size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
	if (end - (lead - 1) < need)
		msg[lead - 1] = '\0';
}

void dlg_error__quote(char *out, size_t cap, const char *s, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		uint8_t b = (uint8_t)s[i];
		size_t len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
		if (len > n - i)
			len = n - i;
		bool quote = b == '"' || b == '\\';
		size_t need = b < 0x20 ? 6 : quote ? 2 : len;
		if (o + need + 4 > cap) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (b < 0x20)
			snprintf(out + o, cap - o, "\\u%04X", b);
		else if (quote)
			out[o] = '\\', out[o + 1] = (char)b;
		else
			memcpy(out + o, s + i, len);
		o += need;
		i += b < 0x20 || quote ? 1 : len;
	}
	out[o] = '\0';
}

dlg_status dlg_error__set(dlg_error *err, dlg_status code, int sys_errno, const char *fmt, ...)
{
	if (!err)
		return code;
	memset(err, 0, sizeof *err);
	err->code = code;
	err->sys_errno = sys_errno;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	dlg_error__utf8_cut(err->msg);
	return code;
}

dlg_status dlg_error__io(dlg_error *err, int sys_errno, const char *what, const char *path)
{
	return dlg_error__set(err, DLG_E_IO, sys_errno, "cannot %s '%s': %s", what, path,
			      strerror(sys_errno));
}
