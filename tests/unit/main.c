/*
 * main.c - runs every unit suite. CK_RUN_SUITE / CK_RUN_CASE select, CK_FORK=no debugs.
 */
#include "helpers.h"

#include <stdlib.h>

int main(void)
{
	SRunner *sr = srunner_create(buf_suite());
	srunner_add_suite(sr, normalize_suite());
	srunner_add_suite(sr, stage_suite());
	srunner_add_suite(sr, transcript_suite());
	srunner_add_suite(sr, validate_suite());
	srunner_add_suite(sr, split_suite());
	srunner_add_suite(sr, record_suite());
	srunner_add_suite(sr, sink_suite());
	srunner_add_suite(sr, discover_suite());
	srunner_add_suite(sr, input_suite());
	srunner_add_suite(sr, pipeline_suite());
	srunner_add_suite(sr, mojibake_suite());
	srunner_add_suite(sr, options_suite());
	srunner_add_suite(sr, neardup_suite());
	srunner_add_suite(sr, json_suite());
	srunner_add_suite(sr, shard_suite());
	srunner_add_suite(sr, commit_suite());
	srunner_add_suite(sr, option_table_suite());
	srunner_add_suite(sr, error_suite());
	srunner_add_suite(sr, tokenizer_suite());
	srunner_add_suite(sr, jinja_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
