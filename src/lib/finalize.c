/*
 * finalize.c - the finalize step (docs/map-reduce.md): every part and shard in WORK checked
 * (made with these options, from these parts, every file the one its manifest lists), the
 * counts taken from the journals, and DATASET committed as dlg_run() would have written it.
 * Uses buf.c, error.c, findings.c, sink.c, commit.c, manifest.c, dataset.c and workdir.c.
 */
#define _POSIX_C_SOURCE 200809L
#include "internal.h"
#include "buf.h"
#include "commit.h"
#include "ctx.h"
#include "dataset.h"
#include "decide.h"
#include "discover.h"
#include "error.h"
#include "findings.h"
#include "manifest.h"
#include "options.h"
#include "pipeline.h"
#include "record.h"
#include "sink.h"
#include "split.h"
#include "unit.h"
#include "writer.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nearwork.h"
#include "workdir.h"

/* What finalize holds, released in one place. */
typedef struct finalizer {
	dlg_ctx ctx;
	const char *work;
	unsigned parts;
	dlg_summary sum;
	uint64_t rejected_by_code[DLG_DIAG_CODES];
	dlg_buf parts_sha256;      /* each part's manifest's, as first read: what every shard
				      must have been reduced from */
	dlg_manifest_read part;    /* the part being read */
	dlg_summary tally;         /* what its journal holds, counted as map counts */
	uint64_t tally_by_code[DLG_DIAG_CODES];
	dlg_manifest_read *shards; /* ctx.shards of them */
	dlg_outfile *files;        /* split files (split-major, shard-minor), then rejects */
	size_t n_files;
	const dlg_outfile **listed; /* the manifest's list, with room for the card and itself */
	dlg_commit out;
	dlg_idset ids;
	dlg_journal journal;
	dlg_buf copy;
	dlg_fates fates;           /* with --near-dup: each conversation's split, or dropped */
	dlg_buf near_line;         /* a dropped one's W321 line */
} finalizer;

static void name_part(char what[64], char redo[64], unsigned part, unsigned parts)
{
	snprintf(what, 64, "part %u/%u", part, parts);
	snprintf(redo, 64, "map --part %u/%u", part, parts);
}

/*
 * Every part is there, made with these options from the same inputs, holding the files its
 * manifest lists at their sizes; each manifest's SHA-256 is kept. Only manifests are read:
 * the common mistakes are named before DATASET is touched.
 */
static dlg_status check_parts(finalizer *f, dlg_error *err)
{
	char inputs[33] = "";
	for (unsigned k = 0; k < f->parts; k++) {
		char dir[4096], what[64], redo[64];
		dlg_workdir__part_dir(dir, sizeof dir, f->work, k, f->parts);
		name_part(what, redo, k, f->parts);
		DLG_TRY(dlg_workdir__read_checked(&f->part, &f->ctx, dir, what, redo, err));
		if (k == 0)
			memcpy(inputs, f->part.inputs_digest, sizeof inputs);
		if (strcmp(f->part.inputs_digest, inputs) != 0)
			return dlg_error__set(err, DLG_E_ARG, 0, "part %u/%u saw other input "
					      "files than part 0/%u (another INPUT, or files added "
					      "or changed meanwhile): give every map task the same "
					      "INPUTs and run them again", k, f->parts, f->parts);
		DLG_TRY(dlg_buf__append(&f->parts_sha256, f->part.sha256_hex, 64, err));
	}
	return DLG_OK;
}

/*
 * What a journal's rejects line says, as record.c writes it: a W307 line ends with its
 * duplicate_of, any other lists the codes that rejected it (each once) in "codes". A '"' in a
 * JSON string is escaped, so neither key can be matched inside the strings before it. False
 * when the line is not one map writes.
 */
static bool parse_reject(bool *duplicate, bool codes[DLG_DIAG_CODES], const char *line)
{
	static const char dup_key[] = ",\"duplicate_of\":\"", codes_key[] = ",\"codes\":[";
	size_t n = strlen(line), tail = sizeof dup_key - 1 + 32 + sizeof "\"}\n" - 1;
	*duplicate = n >= tail && memcmp(line + n - tail, dup_key, sizeof dup_key - 1) == 0;
	memset(codes, 0, DLG_DIAG_CODES * sizeof *codes);
	const char *c = strstr(line, codes_key);
	if (!c)
		return false;
	for (c += sizeof codes_key - 1; *c == '"'; c++) {
		char id[16];
		size_t len = strcspn(c + 1, "\"");
		dlg_diag_code code;
		if (len >= sizeof id || c[1 + len] != '"')
			return false;
		memcpy(id, c + 1, len);
		id[len] = '\0';
		if (!dlg_diag_parse(id, &code) || (int)code < 0 || (int)code >= DLG_DIAG_CODES)
			return false;
		codes[code] = true;
		c += len + 2;
		if (*c != ',')
			break;
	}
	return *c == ']';
}

/* A count of the part's manifest, counts.`in``key`, against what its journal holds. */
static dlg_status same_count(uint64_t said, uint64_t held, const char *in, const char *key,
			     const char *what, const char *redo, dlg_error *err)
{
	if (said == held)
		return DLG_OK;
	return dlg_error__set(err, DLG_E_IO, 0, "%s is damaged: its manifest says counts.%s%s "
			      "is %llu, its journal holds %llu (run %s again)", what, in, key,
			      (unsigned long long)said, (unsigned long long)held, redo);
}

/* *to += v, false when that does not fit (only made-up counts get there). */
static bool add_count(uint64_t *to, uint64_t v)
{
	if (v > UINT64_MAX - *to)
		return false;
	*to += v;
	return true;
}

/*
 * The part just read: its manifest's counts are what its journal holds (those finalize
 * publishes come from the journals; a manifest that says otherwise was changed after map),
 * and the counts only the manifest has are added to the run's.
 */
static dlg_status part_counts(finalizer *f, const char *what, const char *redo,
			      dlg_error *err)
{
	const dlg_summary *m = &f->part.counts, *t = &f->tally;
	DLG_TRY(same_count(m->inputs, t->inputs, "", "inputs", what, redo, err));
	DLG_TRY(same_count(m->written, t->written, "", "written", what, redo, err));
	DLG_TRY(same_count(m->rejected, t->rejected, "", "rejected", what, redo, err));
	DLG_TRY(same_count(m->duplicates, t->duplicates, "", "duplicates", what, redo, err));
	DLG_TRY(same_count(m->near_duplicates, 0, "", "near_duplicates", what, redo, err));
	for (size_t i = 0; i < f->ctx.n_splits; i++)
		DLG_TRY(same_count(m->split_written[i], t->split_written[i], "written_per_split.",
				   f->ctx.splits[i].name, what, redo, err));
	for (int code = 0; code < DLG_DIAG_CODES; code++)
		DLG_TRY(same_count(f->part.rejected_by_code[code], f->tally_by_code[code],
				   "rejected_per_code.", dlg_diag_id((dlg_diag_code)code), what,
				   redo, err));
	dlg_summary *s = &f->sum;
	bool fits = add_count(&s->files, m->files) && add_count(&s->errors, m->errors) &&
		    add_count(&s->warnings, m->warnings);
	for (int x = 0; fits && x < DLG_FIX_COUNT; x++)
		fits = add_count(&s->fixes[x], m->fixes[x]);
	if (!fits)
		return dlg_error__set(err, DLG_E_IO, 0, "%s is damaged: its manifest's counts "
				      "are past any run's (run %s again)", what, redo);
	return DLG_OK;
}

/* One line of a part's journal: a reject as it is, a kept conversation whose id an earlier
 * part kept as the W307 line map rendered for it (where one machine would have dropped it),
 * one --near-dup drop drops as the W321 line made from that; counted both as map counted
 * it (the tally) and as the run publishes it. */
static dlg_status merge_line(finalizer *f, dlg_findings *findings, dlg_outfile *rejects,
			     dlg_error *err)
{
	const char *line = f->journal.line.data;
	dlg_summary *t = &f->tally, *s = &f->sum;
	t->inputs++;
	s->inputs++;
	if (line[0] == '{') {
		bool duplicate, codes[DLG_DIAG_CODES];
		if (!parse_reject(&duplicate, codes, line))
			return dlg_workdir__bad_journal(&f->journal, err);
		if (duplicate) {
			t->duplicates++;
			s->duplicates++;
		} else {
			t->rejected++;
			s->rejected++;
		}
		for (int code = 0; !duplicate && code < DLG_DIAG_CODES; code++) {
			f->tally_by_code[code] += codes[code];
			f->rejected_by_code[code] += codes[code];
		}
		rejects->records++;
		return dlg_sink__write(rejects, line, strlen(line), err);
	}
	uint8_t id[16];
	size_t split;
	if (!dlg_workdir__parse_kept(id, &split, &line, line, &f->ctx))
		return dlg_workdir__bad_journal(&f->journal, err);
	t->written++;
	t->split_written[split]++;
	bool duplicate = false;
	if (!f->ctx.opts->no_dedup)
		DLG_TRY(dlg_split__idset_insert(&duplicate, &f->ids, id, err));
	uint8_t fate = 0, kept[16];
	double similarity = 0;
	if (f->ctx.near_dup) {
		DLG_TRY(dlg_nearwork__next(&fate, kept, &similarity, &f->fates, err));
		if ((fate == DLG_FATE_DUP) != duplicate ||
		    (fate < DLG_FATE_DUP && fate >= f->ctx.n_splits))
			return dlg_nearwork__mismatch(&f->fates, err);
	}
	if (fate == DLG_FATE_NEAR) {
		s->near_duplicates++;
		dlg_diag d = { .code = DLG_DIAG_NEAR_DUPLICATE,
			       .severity = dlg_ctx__severity(&f->ctx, DLG_DIAG_NEAR_DUPLICATE),
			       .source = "" };
		dlg_findings__one(findings, &d);
		DLG_TRY(dlg_nearwork__near_line(&f->near_line, line, kept, similarity, err));
		rejects->records++;
		return dlg_sink__write(rejects, f->near_line.data, f->near_line.len, err);
	}
	if (!duplicate) {
		if (f->ctx.near_dup)
			split = fate;
		s->written++;
		s->split_written[split]++;
		return DLG_OK;
	}
	s->duplicates++;
	dlg_diag d = { .code = DLG_DIAG_DUPLICATE,
		       .severity = dlg_ctx__severity(&f->ctx, DLG_DIAG_DUPLICATE),
		       .source = "" };
	dlg_findings__one(findings, &d);
	rejects->records++;
	return dlg_sink__write(rejects, line, strlen(line), err);
}

/*
 * rejects.jsonl as one machine writes it, and the run's counts, from each part's journal in
 * part order (checked against its manifest: its bytes and its counts). The manifest read
 * again is the one check_parts read, or a map ran meanwhile.
 */
static dlg_status merge_parts(finalizer *f, dlg_findings *findings, dlg_outfile *rejects,
			      dlg_error *err)
{
	for (unsigned k = 0; k < f->parts; k++) {
		char dir[4096], what[64], redo[64];
		dlg_workdir__part_dir(dir, sizeof dir, f->work, k, f->parts);
		name_part(what, redo, k, f->parts);
		DLG_TRY(dlg_workdir__read_checked(&f->part, &f->ctx, dir, what, redo, err));
		if (memcmp(f->part.sha256_hex, f->parts_sha256.data + 64 * (size_t)k, 64) != 0)
			return dlg_error__set(err, DLG_E_IO, 0, "%s changed while finalize ran "
					      "(run finalize again when the map tasks are done)",
					      what);
		if (f->ctx.near_dup)
			DLG_TRY(dlg_nearwork__made_from(&f->fates.m, k, f->parts,
							f->part.sha256_hex, DLG_FATES_WHAT,
							DLG_FATES_REDO, err));
		memset(&f->tally, 0, sizeof f->tally);
		memset(f->tally_by_code, 0, sizeof f->tally_by_code);
		DLG_TRY(dlg_workdir__journal_open(&f->journal, dir, err));
		for (bool more = true;;) {
			DLG_TRY(dlg_workdir__journal_next(&more, &f->journal, f->ctx.opts, err));
			if (!more)
				break;
			DLG_TRY(merge_line(f, findings, rejects, err));
		}
		DLG_TRY(dlg_workdir__readback_check(&f->journal.in,
						    dlg_workdir__listed(&f->part, DLG_JOURNAL),
						    what, redo, err));
		dlg_workdir__journal_close(&f->journal);
		DLG_TRY(part_counts(f, what, redo, err));
	}
	if (!f->ctx.near_dup)
		return DLG_OK;
	DLG_TRY(dlg_nearwork__fates_end(&f->fates, true, err));
	if (f->fates.m.counts.near_duplicates != f->sum.near_duplicates)
		return dlg_nearwork__mismatch(&f->fates, err);
	f->sum.near_dup_clusters = f->fates.m.counts.near_dup_clusters;
	return DLG_OK;
}

/* A reduced shard file into the staging directory, hashed again on the way and checked. */
static dlg_status copy_shard_file(finalizer *f, const char *dir, const dlg_listed_file *l,
				  unsigned shard, dlg_error *err)
{
	char path[4096 + DLG_SPLIT_FILE_NAME + 2];
	snprintf(path, sizeof path, "%s/%s", dir, l->name);
	dlg_outfile *out = &f->files[f->n_files++];
	DLG_TRY(dlg_sink__open(out, f->out.stage, l->name, f->ctx.alloc, err));
	FILE *in = fopen(path, "rb");
	if (!in)
		return dlg_error__io(err, errno, "open", path);
	DLG_TRY(dlg_buf__reserve(&f->copy, (size_t)1 << 20, err));
	dlg_status st = DLG_OK;
	size_t n;
	while (st == DLG_OK && (n = fread(f->copy.data, 1, (size_t)1 << 20, in)) > 0)
		st = dlg_sink__write(out, f->copy.data, n, err);
	if (st == DLG_OK && ferror(in))
		st = dlg_error__io(err, errno, "read", path);
	fclose(in);
	DLG_TRY(st);
	DLG_TRY(dlg_sink__finish(out, err));
	out->records = l->records;
	if (strcmp(out->sha256_hex, l->sha256_hex) != 0)
		return dlg_error__set(err, DLG_E_IO, 0, "shard %u/%u: %s is not what reduce "
				      "wrote (run reduce --shard %u/%u again)", shard,
				      f->ctx.shards, path, shard, f->ctx.shards);
	return DLG_OK;
}

/*
 * Shard s was reduced from the parts in WORK now: each part's manifest is the one reduce
 * read. A map run again after the reduce (on edited inputs, say) makes the shard stale, and
 * its records would be those from before; a count per split would not tell.
 */
static dlg_status check_made_from(finalizer *f, unsigned s, dlg_error *err)
{
	const dlg_buf *had = &f->shards[s].parts_sha256, *now = &f->parts_sha256;
	unsigned n = f->ctx.shards;
	if (had->len != now->len)
		return dlg_error__set(err, DLG_E_IO, 0, "shard %u/%u is stale: it was reduced "
				      "from %zu parts, %s holds %u (run reduce --shard %u/%u "
				      "again)", s, n, had->len / 64, f->work, f->parts, s, n);
	for (unsigned k = 0; k < f->parts; k++) {
		if (memcmp(had->data + 64 * (size_t)k, now->data + 64 * (size_t)k, 64) == 0)
			continue;
		return dlg_error__set(err, DLG_E_IO, 0, "shard %u/%u is stale: part %u/%u is not "
				      "the one it was reduced from (run reduce --shard %u/%u "
				      "again, and every reduce older than that part)", s, n, k,
				      f->parts, s, n);
	}
	return DLG_OK;
}

/* The shards' files in convert's order: by split, then by shard. */
static dlg_status gather_shards(finalizer *f, dlg_error *err)
{
	for (unsigned s = 0; s < f->ctx.shards; s++) {
		char dir[4096], what[64], redo[64];
		dlg_workdir__shard_dir(dir, sizeof dir, f->work, s, f->ctx.shards);
		snprintf(what, sizeof what, "shard %u/%u", s, f->ctx.shards);
		snprintf(redo, sizeof redo, "reduce --shard %u/%u", s, f->ctx.shards);
		DLG_TRY(dlg_workdir__read_checked(&f->shards[s], &f->ctx, dir, what, redo, err));
		DLG_TRY(check_made_from(f, s, err));
		/* M digests per shard: not held for all N at once */
		dlg_buf__dispose(&f->shards[s].parts_sha256);
	}
	for (size_t i = 0; i < f->ctx.n_splits; i++) {
		uint64_t records = 0;
		for (unsigned s = 0; s < f->ctx.shards; s++) {
			char dir[4096], name[DLG_SPLIT_FILE_NAME];
			dlg_workdir__shard_dir(dir, sizeof dir, f->work, s, f->ctx.shards);
			dlg_sink__split_file_name(name, f->ctx.splits[i].name, s, f->ctx.shards,
						  f->ctx.opts->compress);
			const dlg_listed_file *l = dlg_workdir__listed(&f->shards[s], name);
			if (l)
				DLG_TRY(copy_shard_file(f, dir, l, s, err));
			records += l ? l->records : 0;
		}
		/* the other way round would mean shards reduced from other parts than these */
		if (records != f->sum.split_written[i])
			return dlg_error__set(err, DLG_E_IO, 0, "the shards hold %llu "
					      "conversations of split %s, the parts kept %llu: run "
					      "reduce again for every shard",
					      (unsigned long long)records, f->ctx.splits[i].name,
					      (unsigned long long)f->sum.split_written[i]);
	}
	return DLG_OK;
}

static dlg_status finalize_all(finalizer *f, dlg_error *err)
{
	const dlg_options *o = f->ctx.opts;
	DLG_TRY(dlg_workdir__count_tasks(&f->parts, f->work, "part", "map", err));
	DLG_TRY(check_parts(f, err));
	if (f->ctx.near_dup)
		DLG_TRY(dlg_nearwork__fates_open(&f->fates, &f->ctx, f->work, err));
	DLG_TRY(dlg_commit__begin(&f->out, o, err));
	dlg_outfile *rejects = &f->files[f->ctx.n_splits * f->ctx.shards];
	DLG_TRY(dlg_sink__open(rejects, f->out.stage, "rejects.jsonl", f->ctx.alloc, err));
	dlg_findings findings; /* counts W307 as --ignore, --select and --strict say */
	dlg_findings__init(&findings, &f->ctx, &f->sum, NULL, NULL);
	dlg_status st = merge_parts(f, &findings, rejects, err);
	dlg_findings__dispose(&findings);
	DLG_TRY(st);
	DLG_TRY(dlg_sink__finish(rejects, err));
	DLG_TRY(gather_shards(f, err));
	DLG_TRY(dlg_writer__rejects_within(&f->sum, o, err));
	size_t n = 0;
	for (size_t i = 0; i < f->n_files; i++)
		f->listed[n++] = &f->files[i];
	f->listed[n++] = rejects;
	/* the card of a map/reduce run does not know of tool use (docs/map-reduce.md) */
	dlg_manifest m = { &f->ctx, &f->sum, f->rejected_by_code, f->listed, n, f->n_files, NULL,
			   NULL, NULL, false, false };
	return dlg_dataset__commit(&f->out, &m, f->listed, true, err);
}

dlg_status dlg_finalize(dlg_summary *out, const char *work_dir, const dlg_options *opts,
			dlg_error *err)
{
	if (!out || !work_dir || !opts || !opts->output_dir)
		return dlg_error__set(err, DLG_E_ARG, 0, "dlg_finalize: NULL argument");
	memset(out, 0, sizeof *out);
	dlg_options o;
	DLG_TRY(dlg_workdir__options(&o, opts, err));
	const dlg_allocator *a = opts->allocator;
	finalizer *f = dlg_mem__alloc(a, sizeof *f);
	if (!f)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	memset(f, 0, sizeof *f);
	f->out.parent_fd = f->out.lock_fd = -1;
	f->work = work_dir;
	dlg_split__idset_init(&f->ids, a);
	dlg_status st = dlg_ctx__init(&f->ctx, &o, err);
	size_t n_split_files = f->ctx.n_splits * f->ctx.shards;
	dlg_buf__init(&f->copy, a, DLG_BUF_UNCAPPED);
	dlg_buf__init(&f->journal.line, a, DLG_BUF_UNCAPPED);
	dlg_buf__init(&f->parts_sha256, a, DLG_BUF_UNCAPPED);
	dlg_buf__init(&f->part.files, a, DLG_BUF_UNCAPPED);
	dlg_buf__init(&f->part.parts_sha256, a, DLG_BUF_UNCAPPED);
	dlg_buf__init(&f->fates.m.files, a, DLG_BUF_UNCAPPED);
	dlg_buf__init(&f->fates.m.parts_sha256, a, DLG_BUF_UNCAPPED);
	dlg_buf__init(&f->near_line, a, DLG_BUF_UNCAPPED);
	if (st == DLG_OK) {
		f->shards = dlg_mem__alloc(a, f->ctx.shards * sizeof *f->shards);
		f->files = dlg_mem__alloc(a, (n_split_files + 1) * sizeof *f->files);
		f->listed = dlg_mem__alloc(a, (n_split_files + 3) * sizeof *f->listed);
		if (!f->shards || !f->files || !f->listed)
			st = dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	}
	for (unsigned s = 0; f->shards && s < f->ctx.shards; s++) {
		memset(&f->shards[s], 0, sizeof f->shards[s]);
		dlg_buf__init(&f->shards[s].files, a, DLG_BUF_UNCAPPED);
		dlg_buf__init(&f->shards[s].parts_sha256, a, DLG_BUF_UNCAPPED);
	}
	for (size_t i = 0; f->files && i <= n_split_files; i++) {
		memset(&f->files[i], 0, sizeof f->files[i]);
		f->files[i].fd = -1;
	}
	if (st == DLG_OK)
		st = finalize_all(f, err);
	*out = f->sum;
	for (unsigned s = 0; f->shards && s < f->ctx.shards; s++) {
		dlg_buf__dispose(&f->shards[s].files);
		dlg_buf__dispose(&f->shards[s].parts_sha256);
	}
	for (size_t i = 0; f->files && i <= n_split_files; i++)
		dlg_sink__discard(&f->files[i]);
	dlg_workdir__journal_close(&f->journal);
	dlg_buf__dispose(&f->journal.line);
	dlg_commit__end(&f->out);
	dlg_mem__free(a, f->shards);
	dlg_mem__free(a, f->files);
	dlg_mem__free(a, f->listed);
	dlg_buf__dispose(&f->copy);
	dlg_buf__dispose(&f->parts_sha256);
	dlg_buf__dispose(&f->part.files);
	dlg_buf__dispose(&f->part.parts_sha256);
	dlg_nearwork__fates_dispose(&f->fates);
	dlg_buf__dispose(&f->fates.m.files);
	dlg_buf__dispose(&f->fates.m.parts_sha256);
	dlg_buf__dispose(&f->near_line);
	dlg_split__idset_dispose(&f->ids);
	dlg_ctx__dispose(&f->ctx);
	dlg_mem__free(a, f);
	return st;
}
