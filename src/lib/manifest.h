/*
 * manifest.h - DIR/manifest.json (manifest.c): written for a dataset or a map part, read back
 * by the steps above the driver, and the names it gives options (the card uses them too).
 */
#ifndef DLG_MANIFEST_H
#define DLG_MANIFEST_H

#include "internal.h"
#include "buf.h"
#include "ctx.h"
#include "kept.h"
#include "sink.h"

/** Everything manifest.json and the dataset card report. */
typedef struct dlg_manifest {
	const dlg_ctx *ctx;
	const dlg_summary *summary;
	const uint64_t *rejected_by_code; /* indexed by code number, below DLG_DIAG_CODES */
	const dlg_outfile *const *files;  /* the splits that have records first */
	size_t n_files;
	size_t n_split_files;
	const dlg_kept_types *kept_types; /* NULL without --keep-fields */
	const char *inputs_digest; /* a map part's: the whole file list's (steps.c); else NULL */
	const dlg_buf *parts_sha256; /* a reduced shard's: the SHA-256 of each part's manifest
					it was reduced from, 64 hex digits each, in part order;
					else NULL */
	bool message_extras; /* for the card: a message has tools.c's members */
	bool tools;          /* and a record has tools */
} dlg_manifest;

/** manifest.json's text for what `m` reports, appended to `out`. */
dlg_status dlg_manifest__write(dlg_buf *out, const dlg_manifest *m, dlg_error *err) DLG_WUR;

/** The options that change the output and are not at their defaults, as the command line
 * spells them (`--role Bot=assistant`, `--min-turns 1`, each a Markdown code span, joined by
 * ", "), appended to an empty `b`; `b` stays empty when every option is at its default. */
dlg_status dlg_manifest__changed_options(dlg_buf *b, const dlg_ctx *ctx, dlg_error *err) DLG_WUR;

/**
 * The files an earlier run's DIR/manifest.json lists, as NUL-separated names in `out`
 * (none when there is no readable manifest; names with '/' or a leading '.' are skipped).
 */
dlg_status dlg_manifest__files(dlg_buf *out, const char *dir, dlg_error *err) DLG_WUR;

/** A file as a manifest lists it. */
typedef struct dlg_listed_file {
	char name[DLG_SPLIT_FILE_NAME];
	uint64_t size, records;
	char sha256_hex[65];
} dlg_listed_file;

/** What a map part's or a reduced shard's manifest.json says (steps.c reads them). */
typedef struct dlg_manifest_read {
	char path[4096 + sizeof "/manifest.json"]; /* the manifest to read; set by the caller */
	bool found;          /* false: there is no such file */
	char other_option[64]; /* "" when it was written with the options of the ctx it is read
				  with; else an option whose value was not the same ("error") */
	char not_a_count[64]; /* "" when every count and size is a whole number dlgconv could
				 have written; else the first that is not ("counts.written") */
	char sha256_hex[65]; /* of the manifest's own bytes: what a reduced shard records */
	dlg_summary counts;
	uint64_t rejected_by_code[DLG_DIAG_CODES];
	dlg_buf files;       /* dlg_listed_file[] */
	char inputs_digest[33]; /* a map part's; "" for others */
	dlg_buf parts_sha256; /* a reduced shard's, as dlg_manifest has it; empty for others */
} dlg_manifest_read;

/**
 * Read out->path; a manifest that is not there is not an error (out->found is false). Its
 * counts are read by ctx's split names; its options are compared with ctx's. out->files and
 * out->parts_sha256 are initialized by the caller (dlg_buf__init) and refilled here.
 */
dlg_status dlg_manifest__read(dlg_manifest_read *out, const dlg_ctx *ctx,
			      dlg_error *err) DLG_WUR;

#endif
