/*
 * fuzz_record.c - any bytes as one JSON-lines record, with a --text-field and
 * --response-field picked by the first byte, and "id" and "meta" kept (--keep-fields), their
 * types joined as the commit joins them. Same invariants as fuzz_transcript; the record stays
 * one JSON object when a kept field is written as null.
 */
#include "fuzz_common.h"
#include "lib/ctx.h"
#include "lib/discover.h"
#include "lib/jsonread.h"
#include "lib/kept.h"
#include "lib/record.h"
#include "lib/step.h"
#include "lib/unit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	static const char *const fields[] = { NULL, "text", "chosen", "choices.0.turns.0",
					      "input", "a.b.1" };
	dlg_options o;
	fuzz_options(&o, data[0]);
	o.text_field = fields[data[0] % 6];
	o.response_field = (data[0] & 8) ? "output" : NULL;
	static const char *const kept[] = { "id", "meta" };
	o.keep_fields = kept;
	o.n_keep_fields = 2;
	o.leading_assistant = (dlg_leading_assistant)((data[0] >> 4) % 3);
	dlg_ctx ctx;
	if (dlg_ctx__init(&ctx, &o, NULL) != DLG_OK)
		abort();
	dlg_unit u;
	dlg_unit__init(&u, &ctx);
	static const dlg_input input = { .source = "fuzz.jsonl" };
	dlg_unit__reset(&u, &input, 7, 7);
	u.origin.line = (const char *)data + 1; /* as the pipeline has it for a JSON line */
	u.origin.line_len = size - 1;
	dlg_status st = dlg_jsonread__record(&u, (const char *)data + 1, size - 1, NULL);
	if (st == DLG_OK)
		st = dlg_step__validate(&u, NULL);
	if (st == DLG_OK && !u.rejected)
		st = dlg_record__render(&u, NULL);
	/* twice: the second may find a type the first did not (W320) */
	dlg_kept_types *types = NULL;
	if (st == DLG_OK)
		st = dlg_kept__types_new(&types, &o, NULL);
	for (int i = 0; i < 2 && st == DLG_OK && !u.rejected; i++) {
		st = dlg_kept__types_add(types, &u, NULL);
		if (st == DLG_OK && u.kept_nulled)
			st = dlg_record__rewrite_meta(&u, NULL);
	}
	dlg_kept__types_free(types);
	if (st != DLG_OK)
		abort();
	if (!u.rejected)
		fuzz_check_json_line(&u.json);
	for (size_t i = 0; i < DLG_BUF_COUNT(&u.diags, dlg_diag); i++) {
		const dlg_diag *d = &DLG_BUF_AT(&u.diags, dlg_diag, i);
		if (d->record != 7 || d->line != 7 || d->col == 0 || d->col > size)
			abort(); /* findings in a record name it and its line, within the line */
	}
	dlg_unit__dispose(&u);
	dlg_ctx__dispose(&ctx);
	return 0;
}
