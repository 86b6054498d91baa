/*
 * fuzz_transcript.c - any bytes as a text transcript: parse, normalize, validate, render.
 * The first byte picks the options. Invariants: no crash, leak or hang; an accepted
 * conversation renders to one valid JSON line; a rejected one has an error finding.
 */
#include "fuzz_common.h"
#include "lib/ctx.h"
#include "lib/discover.h"
#include "lib/record.h"
#include "lib/step.h"
#include "lib/transcript.h"
#include "lib/unit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	dlg_options o;
	fuzz_options(&o, data[0]);
	dlg_ctx ctx;
	if (dlg_ctx__init(&ctx, &o, NULL) != DLG_OK)
		abort();
	dlg_unit u;
	dlg_unit__init(&u, &ctx);
	static const dlg_input input = { .source = "fuzz.txt" };
	dlg_unit__reset(&u, &input, 0, 0);
	dlg_status st = dlg_transcript__parse(&u, (const char *)data + 1, size - 1, NULL);
	if (st == DLG_OK)
		st = dlg_step__validate(&u, NULL);
	if (st == DLG_OK && !u.rejected)
		st = dlg_record__render(&u, NULL);
	if (st != DLG_OK)
		abort(); /* no allocation fails here, and no limit is set */
	if (!u.rejected)
		fuzz_check_json_line(&u.json);
	bool error = false;
	for (size_t i = 0; i < DLG_BUF_COUNT(&u.diags, dlg_diag); i++) {
		const dlg_diag *d = &DLG_BUF_AT(&u.diags, dlg_diag, i);
		if (d->line == 0 || d->col == 0)
			abort(); /* every finding is located */
		error |= d->severity == DLG_SEV_ERROR;
	}
	if (error != u.rejected)
		abort();
	dlg_unit__dispose(&u);
	dlg_ctx__dispose(&ctx);
	return 0;
}
