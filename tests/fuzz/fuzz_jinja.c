/*
 * fuzz_jinja.c - any bytes as a chat template (docs/templates.md): it compiles or is
 * refused with a message naming a line and column; compiled, it renders over a
 * conversation with tools, or is refused (DLG_E_ARG) or stopped by its budget
 * (DLG_E_LIMIT), never more output than the budget, and an error leaves no output.
 */
#include "fuzz_common.h"
#include "lib/jinja.h"

#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char vars[] =
		"{\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
		"{\"role\":\"user\",\"content\":\"Hi <|im_end|> \\u00e9\\ud83d\\ude00\"},"
		"{\"role\":\"assistant\",\"content\":\"<think>\\nx\\n</think>\\n\\nHello\","
		"\"tool_calls\":[{\"id\":\"a\",\"type\":\"function\",\"function\":{\"name\":\"f\","
		"\"arguments\":\"{\\\"x\\\":1}\"}}]},{\"role\":\"tool\",\"content\":\"2\","
		"\"tool_call_id\":\"a\"},{\"role\":\"assistant\",\"content\":\"\",\"weight\":0}],"
		"\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\","
		"\"parameters\":{}}}],"
		"\"add_generation_prompt\":true,\"bos_token\":\"<s>\",\"eos_token\":null}";
	dlg_jinja *t;
	dlg_error err;
	dlg_status st = dlg_jinja__compile(&t, (const char *)data, size, &err);
	if (st != DLG_OK) {
		if (st != DLG_E_ARG || strncmp(err.msg, "chat template line ", 19) != 0)
			abort();
		return 0;
	}
	const size_t budget = (size_t)1 << 20;
	dlg_buf out;
	dlg_buf__init(&out, NULL, DLG_BUF_UNCAPPED);
	st = dlg_jinja__render(t, vars, sizeof vars - 1, budget, &out, &err);
	if ((st != DLG_OK && st != DLG_E_ARG && st != DLG_E_LIMIT) || out.len > budget ||
	    (st != DLG_OK && out.len != 0))
		abort();
	dlg_buf__dispose(&out);
	dlg_jinja__free(t);
	return 0;
}
