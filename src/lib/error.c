/*
 * error.c - status and diagnostic tables, a code's severity in a run, and filling a
 * dlg_error. The base of the library: uses nothing of it.
 */
#include "error.h"

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

/* One row per finding code, in code order. `explain` is what `dlgconv explain` prints and
 * docs/findings.md shows: its first sentence, up to the first ". ", says what the code means
 * (the table in docs/findings.md shows that sentence alone), the rest what to do. */
static const struct {
	dlg_diag_code code;
	const char *id;
	const char *slug;
	const char *explain;
} diag_table[] = {
	{ DLG_DIAG_INVALID_UTF8, "E101", "invalid-utf8",
	  "The input is not valid UTF-8; the finding points at the first bad byte. The message "
	  "says which encoding the bytes look like: Windows-1252 (`--input-encoding cp1252`) when "
	  "they include bytes 0x80-0x9F that cp1252 defines, such as its curly quotes and dashes; "
	  "Latin-1 (`--input-encoding latin1`) when all are 0xA0-0xFF; otherwise convert the file "
	  "to UTF-8 first. A byte that the encoding named by `--input-encoding` does not define "
	  "is this finding too. A text file is one conversation and is rejected whole; in a "
	  "JSON-lines file only the record on that line is." },
	{ DLG_DIAG_BINARY, "E102", "binary-data",
	  "The input holds a NUL byte, so it is binary data, not text. As git and grep decide, a "
	  "NUL anywhere makes the file binary, even after an invalid UTF-8 byte; the finding "
	  "points at the first NUL. A `\\u0000` escape in a JSON string is this finding too, at "
	  "the escape: the text after a NUL would be lost by any reader that stops there, so the "
	  "record (in a `.json` document, the document) is rejected rather than cut. Leave the "
	  "file out (`--exclude`), or fix what wrote the NUL." },
	{ DLG_DIAG_INVALID_JSON, "E103", "invalid-json",
	  "A JSON record cannot be read, or one of its messages has no role or no text. The line "
	  "is not valid JSON, has text after its object, or is not an object; or a message lacks "
	  "its role or its text, which is said once per record, with the number of such messages. "
	  "The record is rejected and the file's other records are read. Fix the record, or say "
	  "where its messages are with `--messages-field`, `--role-key` and `--content-key`." },
	{ DLG_DIAG_LFS_POINTER, "E104", "git-lfs-pointer",
	  "The file is a Git LFS pointer, not the data it stands for. The repository was cloned "
	  "without its LFS objects. One finding for the file; nothing in it is read. Run `git lfs "
	  "pull` in that clone and convert again." },
	{ DLG_DIAG_OVER_MEMORY_BUDGET, "E105", "over-memory-budget",
	  "The conversation would take more memory than the run's budget (`--memory-budget`, "
	  "1 GiB by default), so it is refused rather than held. What a conversation takes is "
	  "estimated from its bytes before it is read: 8 bytes a byte, 256 a `:` (a turn's marker "
	  "or JSON key), 64 a `*` or `_` (a stage direction's ends); with the default, a "
	  "conversation of more than 128 MiB, or of millions of tiny turns. No real conversation "
	  "comes near: it is usually a file that is not one conversation (a log, a dump). Raise "
	  "`--memory-budget` if the machine has the memory, or split the file." },
	{ DLG_DIAG_NO_TURNS, "E201", "no-turns",
	  "No turn was found: no marker of a known speaker, or no message in a JSON record. A "
	  "known speaker's marker is `### Human:`, `### Assistant:`, `### System:` or one with a "
	  "`--role` label; a JSON record needs messages or a transcript. When lines shaped like "
	  "markers name labels that nobody mapped, the message names up to three of them: map "
	  "them with `--role LABEL=user` and `--role LABEL=assistant`. A JSON record whose "
	  "transcript is in another field needs `--text-field` or `--messages-field`." },
	{ DLG_DIAG_FIRST_NOT_USER, "E202", "first-turn-not-user",
	  "The first turn after any system turns is the assistant's, not the user's. A "
	  "conversation for fine-tuning starts with the user's prompt. `--leading-assistant drop` "
	  "drops such turns (W318) and judges the rest; `--leading-assistant keep` keeps them, in "
	  "the formats that can hold them (not the preference formats, whose prompt is the "
	  "user's)." },
	{ DLG_DIAG_REPEATED_ROLE, "E203", "repeated-role",
	  "Two consecutive turns have the same role. This happens when a reply was cut into two "
	  "`### Assistant:` turns, or when the other speaker's turn was lost. "
	  "`--merge-consecutive` joins such turns into one (counted as `turns_merged` in the "
	  "manifest) instead of rejecting the conversation." },
	{ DLG_DIAG_EMPTY_TURN, "E204", "empty-turn",
	  "A turn is empty: nothing after its marker. (A turn of nothing but stage directions "
	  "is not empty: it keeps them as its text, in every `--stage` mode.) An empty last "
	  "turn is a template's reply slot and is dropped instead (W310, or E206 when that "
	  "leaves a user turn last). An empty or blank `--response-field` is this "
	  "finding too (\"the response field is empty\"). Write the turn, or remove its marker." },
	{ DLG_DIAG_UNKNOWN_ROLE, "E205", "unknown-role",
	  "A turn's speaker is a label that this run maps to no role. It is a line shaped exactly "
	  "like a speaker turn (`### Therapist: hello`: three `#`, one word, text after the "
	  "colon) whose label is not `Human`, `Assistant`, `System` or a `--role` label; or lines "
	  "such as `Alex: ...`, read as text, that are plainly an unmapped speaker's turns "
	  "because the turns are otherwise out of order; or, in a JSON record, a message with an "
	  "unknown role (said once per record, with a count). The order of the turns is then not "
	  "judged as well. Map the label with `--role LABEL=ROLE` (user, assistant or system); "
	  "the message names the one to pass." },
	{ DLG_DIAG_TRAILING_USER, "E206", "trailing-user-turn",
	  "The conversation ends with a user turn, or with an empty assistant turn after one. "
	  "That is a prompt without its reply, which teaches nothing. When there is an empty "
	  "reply slot the finding points at it (\"the last assistant turn is empty\"). "
	  "`--trailing-user drop` drops the last user turn (W309) and keeps the rest; for a JSON "
	  "record, `--response-field` can name the field that holds the reply." },
	{ DLG_DIAG_TOO_FEW_TURNS, "E207", "too-few-turns",
	  "The conversation has fewer user and assistant turns than `--min-turns` (default 2). "
	  "System turns do not count. It is not said when E202 or E206 already names the missing "
	  "turn and adding that turn would be enough. Lower `--min-turns`, or leave the "
	  "conversation out." },
	{ DLG_DIAG_TURN_TOO_LONG, "E208", "turn-too-long",
	  "A turn is longer than `--max-turn-chars` code points (no limit by default). Raise the "
	  "limit, or shorten the conversation before converting it." },
	{ DLG_DIAG_PAIR_MISMATCH, "E209", "pair-prompt-mismatch",
	  "A preference pair whose two sides are not two replies to one prompt. They are the same "
	  "conversation, or they part before the last reply. The sides (`--text-field` for the "
	  "chosen one, `--rejected-field` for the rejected one) must share every turn but the "
	  "last, which is an assistant reply on each side. Fix the pair, or leave it out." },
	{ DLG_DIAG_NON_TEXT_CONTENT, "E210", "non-text-content",
	  "A message holds a content part that is not text, such as `image_url` or `input_audio`. "
	  "Others are `file` and `refusal`. A text dataset cannot hold them, and dropping the "
	  "part would change the conversation. Said once per record. Leave such records out, or "
	  "convert them with a tool made for multimodal data." },
	{ DLG_DIAG_BAD_TOOL_CALL, "E211", "bad-tool-call",
	  "A tool call cannot be read. It is a `tool_calls` that is not a list of calls, a call "
	  "without `function.name`, or `function.arguments` that are not valid JSON (a JSON "
	  "text in a string, as OpenAI writes them, or an object); or a record's `tools` that "
	  "is not a list. Fix the call or remove the record." },
	{ DLG_DIAG_TOOL_CALL_UNANSWERED, "E212", "tool-call-unanswered",
	  "An assistant's tool call has no tool message answering it before the assistant's next "
	  "reply (a conversation may end with calls). A call with an `id` is answered by a "
	  "`tool` message with that `tool_call_id`; a call without one (LLaMA-Factory's "
	  "`function_call` turns) by the next `tool` (`observation`) message, which answers "
	  "every such call before it. OpenAI's fine-tuning refuses such a conversation. Add the "
	  "tool's result." },
	{ DLG_DIAG_TOOL_RESULT_UNASKED, "E213", "tool-result-unasked",
	  "A `tool` message answers no call: no call is waiting for a result, or none has its "
	  "`tool_call_id`. Remove it or add the call it answers." },
	{ DLG_DIAG_TOOL_NOT_DECLARED, "E214", "tool-not-declared",
	  "A tool call names a function the record's `tools` does not declare. When a record has "
	  "`tools`, every call's `function.name` is one of them. Declare the tool or fix the "
	  "name." },
	{ DLG_DIAG_OVER_TOKEN_LIMIT, "E220", "over-token-limit",
	  "The conversation has more tokens than `--max-tokens` under `--tokenizer` (its messages' "
	  "contents, docs/tokenizers.md). A trainer would cut it, often silently. With "
	  "`--over-limit truncate-turns` it is said only when even its last exchange is too "
	  "long. Raise the limit, or choose `--over-limit drop` or `truncate-turns`." },
	{ DLG_DIAG_NO_TRAINABLE_TOKENS, "E221", "no-trainable-tokens",
	  "No assistant message of the conversation has a token under `--tokenizer`. A trainer "
	  "that masks the prompt has nothing to train on, and some divide by zero. Give the "
	  "conversation a reply, or leave it out." },
	{ DLG_DIAG_TEMPLATE_REFUSED, "E222", "template-refused",
	  "The chat template refuses the conversation. The template (`--template`, or the "
	  "tokenizer's own) raised its own exception (Gemma's and Mistral's refuse a system "
	  "turn and turns that do not alternate), met an operation on values that do not take "
	  "it, or went past its render budget. The trainer's `apply_chat_template` would fail "
	  "the same way. Fix the conversation, or choose a template that takes it "
	  "(docs/templates.md)." },
	{ DLG_DIAG_PREAMBLE_DROPPED, "W301", "preamble-dropped",
	  "Text before the first marker was dropped. It is not a turn: a generator's \"Sure! "
	  "Here's a conversation...\", a persona, a `---` rule. `--keep-preamble` keeps it in the "
	  "record's `meta.preamble`." },
	{ DLG_DIAG_NONCANONICAL_MARKER, "W302", "noncanonical-marker",
	  "A marker is spelled otherwise than the canonical `### Human:`. Examples are `## "
	  "human:`, `###Human:` and `Assistant :`. A conversation that writes all its markers as "
	  "`Human:` at the line's start (the format of HH-RLHF and Vicuna) is read without this "
	  "finding; mixing that style with another is not. The turns are read all the same. Said "
	  "once per conversation, at the first such marker, with their count. Rewrite the markers "
	  "if the corpus should be uniform, or `--ignore W302`." },
	{ DLG_DIAG_MARKER_IN_TEXT, "W303", "marker-in-text",
	  "A speaker label in the middle of a turn's text did not start a turn: maybe a missed "
	  "split. It is `Human:` inside a line, or `### Assistant:` where a turn cannot start; it "
	  "may also be a reply that invents the user's next turn. The message quotes the text "
	  "around the label. Said once per turn. Read the turn; `--error W303` rejects such "
	  "conversations." },
	{ DLG_DIAG_UNBALANCED_STAGE, "W304", "unbalanced-stage-direction",
	  "A `*` opens a stage direction with nothing to close it on its line, as in `*sighs I "
	  "forgot...`. Such a `*` stands after white space or the line's start and before a word; "
	  "the broken direction is left in the text. It is never said for code, or for a `*` "
	  "after a word, between blanks or doubled (`Sagittarius A*`, `a * b`, `**kwargs`, "
	  "`*.txt`). Said once per turn. Close the direction or remove the asterisk." },
	{ DLG_DIAG_MOJIBAKE, "W305", "mojibake",
	  "The text holds U+FFFD or looks mis-decoded (mojibake), such as `Iâ€™m` or `cafÃ©`. "
	  "U+FFFD, the replacement character, means bytes were lost before dlgconv saw them; "
	  "`Iâ€™m` is UTF-8 that was decoded as Windows-1252 or Latin-1 and encoded again. Said "
	  "once per turn, at the first occurrence. `--fix-mojibake` repairs the mis-decodings it "
	  "is sure of (counted as `mojibake_repaired`); U+FFFD cannot be repaired: read the "
	  "source again as UTF-8." },
	{ DLG_DIAG_INVISIBLE_REMOVED, "W306", "invisible-removed",
	  "Control or invisible characters were removed from a turn. They are C0 controls other "
	  "than tab, newline and carriage return (a line break, in a JSON string too), DEL, C1 "
	  "controls, U+200B, U+2060, U+00AD, and U+FEFF other than a leading byte order mark. "
	  "Said once per turn, with the count. Nothing to do unless they carried meaning; U+200C "
	  "and U+200D, which do in emoji and some scripts, are kept." },
	{ DLG_DIAG_DUPLICATE, "W307", "duplicate",
	  "An exact duplicate of an earlier conversation was dropped. The same messages after "
	  "normalization give the same id; the first in input order is written, and this one is "
	  "listed in `rejects.jsonl` with `duplicate_of`. `--no-dedup` keeps duplicates; an "
	  "ignored W307 still drops them." },
	{ DLG_DIAG_UNKNOWN_LABEL_KEPT, "W308", "unknown-label-kept",
	  "A line shaped like a marker names no speaker and was kept as turn text. Examples are "
	  "the Markdown headings `### Ingredients:` and `## Output (a):`. A label that is a "
	  "number (`#1: The Public Library`) is plain text without a finding. If the label is a "
	  "speaker, map it with `--role LABEL=ROLE`." },
	{ DLG_DIAG_TRAILING_USER_DROPPED, "W309", "trailing-user-dropped",
	  "The final user turn was dropped, as `--trailing-user drop` asks, so that the "
	  "conversation ends on a reply." },
	{ DLG_DIAG_EMPTY_LAST_TURN_DROPPED, "W310", "empty-last-turn-dropped",
	  "An empty last turn was dropped. It is a template's reply slot, such as a final `### "
	  "Human:` with nothing after it. When dropping it leaves a user turn last, E206 is said "
	  "instead." },
	{ DLG_DIAG_TEXT_AFTER_SECTION_DROPPED, "W311", "text-after-section-dropped",
	  "Text after a section line that ends the dialogue was dropped. A section line holds "
	  "only `###WORD###` (three or more `#` on each side, as companion-app's "
	  "`###ENDSEEDCHAT###`); after the turns it ends the dialogue, so that notes or a "
	  "backstory after it are not glued to the last turn. Before the first turn, such a line "
	  "is part of the preamble." },
	{ DLG_DIAG_NOT_A_FILE_SKIPPED, "W312", "not-a-file-skipped",
	  "A FIFO, device or socket found while walking a directory was passed over. Named on the "
	  "command line, it is read." },
	{ DLG_DIAG_ID_MISMATCH, "W313", "id-mismatch",
	  "A dataset record's `id` is not the id of its messages: the record was edited after "
	  "dlgconv wrote it. Convert its source again, so that the id and the messages agree." },
	{ DLG_DIAG_SYSTEM_NOT_FIRST, "W314", "system-turn-not-first",
	  "A system turn stands after the conversation began. Trainers expect a system turn only "
	  "first: LLaMA-Factory skips such examples and FastChat refuses them. Move the system "
	  "text to the start, or reject such conversations with `--error W314`." },
	{ DLG_DIAG_UNREADABLE_ENTRY_SKIPPED, "W315", "unreadable-entry-skipped",
	  "An entry found while walking a directory could not be read and was passed over. It is "
	  "a directory or file without permission, or a dangling or looping symbolic link; the "
	  "run goes on. Fix its permissions, or `--exclude` it to pass over it quietly. Named on "
	  "the command line, an unreadable path is an I/O error (exit 3)." },
	{ DLG_DIAG_DUPLICATE_JSON_KEY, "W316", "duplicate-json-key",
	  "A key is repeated in an object of a JSON record, as in "
	  "`{\"role\":\"user\",\"role\":\"assistant\"}`. The last value is used, as Python's "
	  "`json` does. Fix what wrote the record." },
	{ DLG_DIAG_DATASET_SKIPPED, "W317", "dataset-skipped",
	  "A dlgconv dataset found while walking a directory was passed over. It is a directory "
	  "holding `manifest.json` and `rejects.jsonl`: a run never reads its own output as "
	  "transcripts. Named on the command line, a dataset's split files are read (to validate "
	  "it) and its other files are not." },
	{ DLG_DIAG_LEADING_ASSISTANT_DROPPED, "W318", "leading-assistant-dropped",
	  "Assistant turns before the first user turn (after any system turns) were dropped, as "
	  "`--leading-assistant drop` asks." },
	{ DLG_DIAG_CONTENT_NOT_AS_NAMED, "W319", "content-not-as-named",
	  "A file's content is not what its name says. It is a `.jsonl` file holding one JSON "
	  "array, read as a JSON document, or a `.json` file holding JSON lines, read line by "
	  "line. Said once per file, on its first record. Rename the file after its content." },
	{ DLG_DIAG_KEPT_FIELD_TYPE_CHANGED, "W320", "kept-field-type-changed",
	  "A kept field's value was written as null: its type differs from the field's earlier "
	  "values. It is a `--keep-fields` value of another type than the field has in earlier "
	  "records (a string where objects were), or a list or object whose items differ in type. "
	  "Writing null keeps one type per column, as Hugging Face `datasets` needs. Give the "
	  "field one type in the source." },
	{ DLG_DIAG_NEAR_DUPLICATE, "W321", "near-duplicate",
	  "A near-duplicate of an earlier kept conversation was dropped. The estimated Jaccard "
	  "similarity of their word 3-grams is at least `--near-dup-threshold` (0.8 by default); "
	  "`--near-dup drop` drops the later one and lists it in `rejects.jsonl` with "
	  "`near_duplicate_of` and `similarity`. With `--near-dup group`, the default, "
	  "near-duplicates are kept and put in one split, without a finding." },
	{ DLG_DIAG_FIELD_NOT_CARRIED, "W322", "field-not-carried",
	  "A field of the input is in no written record: neither read into the conversation nor "
	  "kept. Said once per field name and file, with the number of records that have it and "
	  "the option that would carry it (`--keep-fields` for a record's field, "
	  "`--keep-message-fields` for a message's, `--system-field` or `--rejected-field` where "
	  "one reads it). Records that are rejected are not counted: their finding says why "
	  "nothing of them was written." },
	{ DLG_DIAG_OVER_TOKEN_LIMIT_DROPPED, "W330", "over-token-limit-dropped",
	  "A conversation with more tokens than `--max-tokens` was left out, as `--over-limit "
	  "drop` asks. It is listed in `rejects.jsonl` and counted as rejected, but the run does "
	  "not fail for it. Use `--over-limit error` (the default) to fail instead." },
	{ DLG_DIAG_TURNS_TRUNCATED, "W331", "turns-truncated",
	  "Whole exchanges were removed from the start of a conversation over `--max-tokens`, as "
	  "`--over-limit truncate-turns` asks. The system turns at its start are kept and no "
	  "message is cut. The message says how many turns went and how many tokens are left." },
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

const char *dlg_diag_explain(dlg_diag_code code)
{
	size_t i = diag_index(code);
	return i == SIZE_MAX ? NULL : diag_table[i].explain;
}

dlg_severity dlg_diag_default_severity(dlg_diag_code code)
{
	return code < 300 ? DLG_SEV_ERROR : DLG_SEV_WARNING;
}

int dlg_diag_parse(const char *name, dlg_diag_code *out)
{
	for (size_t i = 0; i < sizeof diag_table / sizeof diag_table[0]; i++)
		if (strcasecmp(name, diag_table[i].id) == 0 ||
		    strcmp(name, diag_table[i].slug) == 0) {
			*out = diag_table[i].code;
			return 1;
		}
	return 0;
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
	case DLG_ROLE_TOOL: return "tool";
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
