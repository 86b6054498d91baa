/*
 * helpers.h - test harness: one transcript through parse -> validate -> render, a failing
 * allocator for out-of-memory sweeps, and temporary directories.
 */
#ifndef DLG_TEST_HELPERS_H
#define DLG_TEST_HELPERS_H

#include "lib/internal.h"
#include "lib/ctx.h"
#include "lib/unit.h"

#include <check.h>

typedef struct harness {
	dlg_options opts;
	dlg_ctx ctx;
	dlg_unit unit;
	bool started;
} harness;

/** Default options; change h->opts before the first harness_run. */
void harness_init(harness *h);
/** Process `text` as one transcript named "t.txt"; renders the record when accepted. */
void harness_run(harness *h, const char *text);
/** Read `json` as one JSON record (line 1 of "t.jsonl"), then validate it; renders nothing.
 * Returns the status of reading and validating. */
dlg_status harness_run_record(harness *h, const char *json, bool rejected_side);
void harness_dispose(harness *h);

size_t n_turns(const harness *h);
dlg_role turn_role(const harness *h, size_t i);
/** The normalized content of turn i, NUL-terminated (valid until the next call). */
const char *turn_text(const harness *h, size_t i);
/** Stage direction k of turn i (valid until the next call). */
const char *turn_stage(const harness *h, size_t i, size_t k);
/* byte offset in turn i's content where its stage direction k stood */
size_t turn_stage_at(const harness *h, size_t i, size_t k);
size_t turn_n_stage(const harness *h, size_t i);
/** Number of findings with this code, and whether one is at (line, col) when line > 0. */
size_t count_diag(const harness *h, dlg_diag_code code);
bool has_diag_at(const harness *h, dlg_diag_code code, uint64_t line, uint32_t col);
/** The message of the first finding with this code, or NULL. */
const char *diag_message(const harness *h, dlg_diag_code code);

/** An allocator that fails its `fail_at`-th allocation (1-based; 0 = never). */
typedef struct failing_alloc {
	dlg_allocator a;
	long fail_at;
	long calls;
	long live; /* blocks not yet freed */
} failing_alloc;

void failing_alloc_init(failing_alloc *f, long fail_at);

/** mkdtemp under $TMPDIR; the caller removes it with rm_rf. */
char *make_temp_dir(void);
void rm_rf(const char *path);
void write_file(const char *dir, const char *name, const char *data, size_t len);
/** The whole of a file, NUL-terminated; *len_out gets its length. Caller frees. */
char *read_file(const char *path, size_t *len_out);
/** Number of entries in a directory other than . and .. */
size_t count_entries(const char *dir);

Suite *buf_suite(void);
Suite *normalize_suite(void);
Suite *stage_suite(void);
Suite *transcript_suite(void);
Suite *validate_suite(void);
Suite *split_suite(void);
Suite *record_suite(void);
Suite *sink_suite(void);
Suite *discover_suite(void);
Suite *input_suite(void);
Suite *pipeline_suite(void);
Suite *mojibake_suite(void);
Suite *options_suite(void);
Suite *neardup_suite(void);
Suite *json_suite(void);
Suite *shard_suite(void);
Suite *commit_suite(void);
Suite *tokenizer_suite(void);
Suite *jinja_suite(void);
Suite *option_table_suite(void);
Suite *error_suite(void);

#endif
