/*
 * fuzz_common.h - what the fuzz targets share: options picked from the input's first byte,
 * and a check that a rendered line is one valid JSON object.
 */
#ifndef DLG_FUZZ_COMMON_H
#define DLG_FUZZ_COMMON_H

#include "lib/internal.h"
#include "lib/buf.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every option that changes how text is read, from the bits of one byte. */
static inline void fuzz_options(dlg_options *o, uint8_t bits)
{
	static const dlg_role_label roles[] = { { "Lucky", DLG_ROLE_ASSISTANT },
						{ "human", DLG_ROLE_USER } };
	*o = (dlg_options)DLG_OPTIONS_INIT;
	o->stage = (dlg_stage_mode)(bits % 3);
	o->strict = (bits >> 2) & 1;
	o->merge_consecutive = (bits >> 3) & 1;
	o->keep_preamble = (bits >> 4) & 1;
	o->nfkc = (bits >> 5) & 1;
	o->ascii_punct = (bits >> 6) & 1;
	o->drop_trailing_user = (bits >> 7) & 1;
	o->max_turn_chars = (bits & 0x30) ? 0 : 64;
	o->format = (dlg_format)((bits >> 1) % 3);
	if (bits & 0x40) {
		o->roles = roles;
		o->n_roles = 2;
	}
}

/* The rendered record must be exactly one JSON object and a newline. */
static inline void fuzz_check_json_line(const dlg_buf *line)
{
	if (line->len == 0 || line->data[line->len - 1] != '\n')
		abort();
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts(line->data, line->len - 1, &end, 0);
	if (!j || !cJSON_IsObject(j) || end != line->data + line->len - 1)
		abort();
	cJSON_Delete(j);
}

#endif
