/*
 * steps.c - the map/reduce steps above the driver (docs/map-reduce.md): the map step runs the
 * driver on a slice of the inputs into a part writer (plain buckets by split and shard, and a
 * journal of its rejects and kept ids); the reduce step merges bucket S of every part into
 * WORK/shard-SSSSS-of-NNNNN, cut into gzip members as convert cuts them; and the finalize step
 * checks every part and shard and commits DATASET as dlg_run() would have written it.
 * Uses buf.c, error.c, options.c, split.c, sink.c, commit.c, manifest.c, record.c, findings.c,
 * decide.c, writer.c, dataset.c and the driver (pipeline.c).
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

/* A map part's journal (docs/map-reduce.md): its rejects.jsonl lines, and for each
 * conversation it keeps, in their order, "ID SPLIT " and the W307 line it becomes when an
 * earlier part kept its id. */
#define DLG_JOURNAL "journal"
#define DLG_MAX_PARTS 99999

/* The options whose results depend on every part at once. */
static dlg_status check_options(const dlg_options *o, dlg_error *err)
{
	const char *why = o->near_dup != DLG_NEAR_DUP_OFF ? "option near-dup compares each "
			  "conversation with all those before it" :
			  o->n_keep_fields ? "option keep-fields types each column by all the "
			  "records before it" :
			  o->bare ? "option bare writes provenance.jsonl, which the steps do "
			  "not merge" :
			  NULL;
	if (why)
		return dlg_error__set(err, DLG_E_ARG, 0, "%s, across parts: use convert for that "
				      "(docs/map-reduce.md)", why);
	return DLG_OK;
}

/* The options a step runs with: the caller's, resolved, with near-dup off (its default in
 * the steps), checked. */
static dlg_status step_options(dlg_options *out, const dlg_options *in, dlg_error *err)
{
	DLG_TRY(dlg_options__resolved(out, in, err));
	if (out->near_dup == DLG_NEAR_DUP_DEFAULT)
		out->near_dup = DLG_NEAR_DUP_OFF;
	return check_options(out, err);
}

/* WORK/part-KKKKK-of-MMMMM into out; returns what snprintf returns. */
static size_t part_dir(char *out, size_t cap, const char *work, unsigned part, unsigned parts)
{
	int n = snprintf(out, cap, "%s/part-%05u-of-%05u", work, part, parts);
	return n < 0 ? cap : (size_t)n;
}

static size_t shard_dir(char *out, size_t cap, const char *work, unsigned shard,
			unsigned shards)
{
	int n = snprintf(out, cap, "%s/shard-%05u-of-%05u", work, shard, shards);
	return n < 0 ? cap : (size_t)n;
}

/* The file list every map part discovers, as a hash of each file's source name and size:
 * finalize refuses parts that saw different ones (another INPUT, a file added meanwhile). */
static dlg_status digest_inputs(char hex[33], const dlg_inputs *files, const dlg_allocator *a,
				dlg_error *err)
{
	dlg_buf list;
	dlg_buf__init(&list, a, DLG_BUF_UNCAPPED);
	dlg_status st = DLG_OK;
	for (size_t i = 0; st == DLG_OK && i < files->count; i++)
		st = dlg_buf__printf(&list, err, "%s%c%llu%c", files->items[i].source, 0,
				     (unsigned long long)files->items[i].size, 0);
	uint8_t id[16];
	if (st == DLG_OK)
		dlg_split__id(id, hex, list.data ? list.data : "", list.len);
	dlg_buf__dispose(&list);
	return st;
}

/* A map part's own: the digest of the inputs, and the journal line being made. */
typedef struct part_state {
	char inputs_digest[33];
	dlg_buf line;
	dlg_buf scratch;
} part_state;

static dlg_status part_begin(dlg_writer *w, const dlg_inputs *files, dlg_error *err)
{
	part_state *p = w->payload;
	DLG_TRY(digest_inputs(p->inputs_digest, files, w->ctx->alloc, err));
	w->inputs_digest = p->inputs_digest;
	return DLG_OK;
}

/*
 * A map part's journal line for a conversation it keeps: its id, its split, and the
 * rejects.jsonl line it becomes when an earlier part had its id, rendered here with the unit
 * at hand by marking it a duplicate and taking the mark back.
 */
static dlg_status part_kept(dlg_writer *w, dlg_unit *u, size_t split, dlg_error *err)
{
	part_state *p = w->payload;
	bool rejected = u->rejected;
	size_t n_diags = u->diags.len;
	dlg_status st = dlg_decide__mark_duplicate(u, err);
	if (st == DLG_OK)
		st = dlg_record__reject(&p->scratch, u, DLG_DIAG_DUPLICATE, "", 0, err);
	u->diags.len = n_diags;
	u->rejected = rejected;
	p->line.len = 0;
	if (st == DLG_OK)
		st = dlg_buf__printf(&p->line, err, "%s %zu ", u->id_hex, split);
	if (st == DLG_OK)
		st = dlg_buf__append(&p->line, p->scratch.data, p->scratch.len, err);
	return st == DLG_OK ? dlg_sink__write(&w->rejects, p->line.data, p->line.len, err) : st;
}

/* Buckets stay plain: reduce compresses them, cut as convert does. */
static const dlg_writer_kind part_kind = { true, DLG_JOURNAL, false, part_begin, part_kept };

dlg_status dlg_map(dlg_summary *out, const char *const *inputs, size_t n_inputs,
		   unsigned part, unsigned parts, const char *work_dir, const dlg_options *opts,
		   dlg_diag_fn diag, void *payload, dlg_error *err)
{
	if (!out || !opts || !work_dir || (n_inputs && !inputs))
		return dlg_error__set(err, DLG_E_ARG, 0, "dlg_map: NULL argument");
	memset(out, 0, sizeof *out);
	if (n_inputs == 0)
		return dlg_error__set(err, DLG_E_ARG, 0, "no inputs given");
	dlg_options o;
	DLG_TRY(step_options(&o, opts, err));
	if (parts == 0 || part >= parts || parts > DLG_MAX_PARTS)
		return dlg_error__set(err, DLG_E_ARG, 0, "part %u of %u: want K/M with K below M "
				      "and M from 1 to %d", part, parts, DLG_MAX_PARTS);
	char dir[4096];
	if (part_dir(dir, sizeof dir, work_dir, part, parts) >= sizeof dir)
		return dlg_error__set(err, DLG_E_ARG, 0, "work directory path too long");
	/* a rerun of a part replaces its directory whole, as convert --force does */
	o.output_dir = dir;
	o.force = 1;
	part_state p = { .inputs_digest = "" };
	dlg_buf__init(&p.line, opts->allocator, DLG_BUF_UNCAPPED);
	dlg_buf__init(&p.scratch, opts->allocator, DLG_BUF_UNCAPPED);
	dlg_writer w;
	dlg_writer__init(&w, &part_kind, &p);
	dlg_status st = dlg_pipeline__run(out, inputs, n_inputs, &o, part, parts, &w, diag,
					  payload, err);
	dlg_buf__dispose(&p.line);
	dlg_buf__dispose(&p.scratch);
	return st;
}

/* How many parts the map steps in WORK were told: every part-K-of-M there says the same M. */
static dlg_status count_parts(unsigned *parts, const char *work, dlg_error *err)
{
	DIR *d = opendir(work);
	if (!d)
		return dlg_error__io(err, errno, "open the work directory", work);
	*parts = 0;
	dlg_status st = DLG_OK;
	struct dirent *e;
	while (st == DLG_OK && (e = readdir(d)) != NULL) {
		unsigned k, m;
		char canonical[64];
		if (sscanf(e->d_name, "part-%5u-of-%5u", &k, &m) != 2)
			continue;
		snprintf(canonical, sizeof canonical, "part-%05u-of-%05u", k, m);
		if (strcmp(canonical, e->d_name) != 0 || m == 0)
			continue;
		if (*parts && m != *parts)
			st = dlg_error__set(err, DLG_E_ARG, 0, "'%s' holds the parts of two "
					    "map runs (of %u and of %u parts); remove the stale "
					    "ones", work, *parts, m);
		*parts = m;
	}
	closedir(d);
	if (st == DLG_OK && *parts == 0)
		st = dlg_error__set(err, DLG_E_IO, ENOENT, "'%s' holds no map part "
				    "(part-00000-of-MMMMM): run map first", work);
	return st;
}

static const dlg_listed_file *listed(const dlg_manifest_read *m, const char *name)
{
	for (size_t i = 0; i < DLG_BUF_COUNT(&m->files, dlg_listed_file); i++)
		if (strcmp(DLG_BUF_AT(&m->files, dlg_listed_file, i).name, name) == 0)
			return &DLG_BUF_AT(&m->files, dlg_listed_file, i);
	return NULL;
}

/*
 * A part's or a shard's manifest, checked: it is there, it was made with these options, and
 * every file it lists is there at its size. A step's directory appears whole (commit.c), so
 * this catches a part of another run or one changed by hand. `what` names it ("part 2/4"),
 * `redo` is the step that makes it ("map --part 2/4").
 */
static dlg_status read_checked(dlg_manifest_read *m, const dlg_ctx *ctx, const char *dir,
			       const char *what, const char *redo, dlg_error *err)
{
	snprintf(m->path, sizeof m->path, "%s/manifest.json", dir);
	DLG_TRY(dlg_manifest__read(m, ctx, err));
	if (!m->found)
		return dlg_error__set(err, DLG_E_IO, ENOENT, "%s is missing: there is no %s "
				      "(run %s)", what, m->path, redo);
	if (m->other_option[0])
		return dlg_error__set(err, DLG_E_ARG, 0, "%s (%s) was made with another value of "
				      "option %s: give every step the same options (run %s again)",
				      what, dir, m->other_option, redo);
	if (m->not_a_count[0])
		return dlg_error__set(err, DLG_E_IO, 0, "%s is damaged: %s in %s is not a "
				      "count dlgconv writes (run %s again)", what, m->not_a_count,
				      m->path, redo);
	for (size_t i = 0; i < DLG_BUF_COUNT(&m->files, dlg_listed_file); i++) {
		const dlg_listed_file *f = &DLG_BUF_AT(&m->files, dlg_listed_file, i);
		char path[4096 + DLG_SPLIT_FILE_NAME + 2];
		struct stat sb;
		snprintf(path, sizeof path, "%s/%s", dir, f->name);
		if (stat(path, &sb) != 0 || (uint64_t)sb.st_size != f->size)
			return dlg_error__set(err, DLG_E_IO, 0, "%s is incomplete: %s is "
					      "missing or not the size its manifest says (run %s "
					      "again)", what, path, redo);
	}
	return DLG_OK;
}

/* A journal line of a kept conversation: "ID SPLIT " and its W307 line after it. */
static bool parse_kept(uint8_t id[16], size_t *split, const char **rest, const char *line,
		       const dlg_ctx *ctx)
{
	for (int i = 0; i < 32; i++) {
		const char *hex = "0123456789abcdef";
		const char *at = line[i] ? strchr(hex, line[i]) : NULL;
		if (!at)
			return false;
		int v = (int)(at - hex);
		id[i / 2] = (uint8_t)(i % 2 ? (id[i / 2] | v) : v << 4);
	}
	char *end;
	if (line[32] != ' ')
		return false;
	unsigned long s = strtoul(line + 33, &end, 10);
	if (end == line + 33 || *end != ' ' || s >= ctx->n_splits)
		return false;
	*split = (size_t)s;
	*rest = end + 1;
	return true;
}

/*
 * A part's file a step reads back (its journal, a bucket), hashed as it is read: read_checked
 * saw its size, and at its end its bytes are checked against the SHA-256 its manifest lists,
 * since a byte changed after map (the same size) would otherwise pass into the dataset.
 */
typedef struct readback {
	FILE *f;
	void *sha;
	char path[4096 + DLG_SPLIT_FILE_NAME + 2];
} readback;

static dlg_status readback_open(readback *r, const char *dir, const char *name,
				dlg_error *err)
{
	snprintf(r->path, sizeof r->path, "%s/%s", dir, name);
	if (!(r->sha = dlg_sink__hash_new()))
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory (SHA-256)");
	r->f = fopen(r->path, "rb");
	return r->f ? DLG_OK : dlg_error__io(err, errno, "open", r->path);
}

/* The next line of r, with its '\n' and a NUL after it, into `line` (read through the run's
 * allocator, as getline's buffer would not be); line->len is 0 at the end. A line is one
 * record's, of any length; records hold no NUL (JSON escapes it): one put in by hand cuts the
 * line and the hash short, and so fails the check at the end. */
static dlg_status readback_line(readback *r, dlg_buf *line, dlg_error *err)
{
	line->len = 0;
	char chunk[8192];
	while (fgets(chunk, sizeof chunk, r->f)) {
		size_t n = strlen(chunk);
		dlg_sink__hash_update(r->sha, chunk, n);
		DLG_TRY(dlg_buf__append(line, chunk, n, err));
		if (n && chunk[n - 1] == '\n')
			break;
	}
	/* a failed read is not the end, nor half a line a whole one */
	if (ferror(r->f))
		return dlg_error__io(err, errno, "read", r->path);
	DLG_TRY(dlg_buf__putc(line, '\0', err));
	line->len--;
	return DLG_OK;
}

/* At the end of r: its bytes are those of `l`, the file its manifest lists by that name (NULL
 * when it lists none). `what` and `redo` as read_checked has them. */
static dlg_status readback_check(readback *r, const dlg_listed_file *l, const char *what,
				 const char *redo, dlg_error *err)
{
	char hex[65];
	dlg_sink__hash_hex(hex, r->sha);
	if (!l || strcmp(hex, l->sha256_hex) != 0)
		return dlg_error__set(err, DLG_E_IO, 0, "%s is damaged: %s is not the file its "
				      "manifest lists (run %s again)", what, r->path, redo);
	return DLG_OK;
}

static void readback_close(readback *r)
{
	if (r->f)
		fclose(r->f);
	dlg_sink__hash_free(r->sha);
	r->f = NULL;
	r->sha = NULL;
}

/* A journal, line by line. */
typedef struct journal {
	readback in;
	dlg_buf line;
	uint64_t number;
} journal;

static dlg_status journal_open(journal *j, const char *dir, dlg_error *err)
{
	j->number = 0;
	return readback_open(&j->in, dir, DLG_JOURNAL, err);
}

/* The next line into j->line, with its '\n'; *more is false at the end. Where a step spends
 * its time, so it is where a cancel request (options.cancel) stops it. */
static dlg_status journal_next(bool *more, journal *j, const dlg_options *o, dlg_error *err)
{
	if (o->cancel && *o->cancel)
		return dlg_error__set(err, DLG_E_CANCELED, 0, "interrupted");
	j->number++;
	DLG_TRY(readback_line(&j->in, &j->line, err));
	*more = j->line.len > 0;
	return DLG_OK;
}

static void journal_close(journal *j)
{
	readback_close(&j->in);
}

static dlg_status bad_journal(const journal *j, dlg_error *err)
{
	return dlg_error__set(err, DLG_E_IO, 0, "%s:%llu: not a line map writes (run that "
			      "part again)", j->in.path, (unsigned long long)j->number);
}

/* What reduce holds, released in one place. */
typedef struct reducer {
	dlg_ctx ctx;
	dlg_options opts;  /* the caller's, writing into the shard's directory */
	char dir[4096];
	unsigned shard;
	dlg_manifest_read part;
	dlg_idset ids;
	dlg_commit out;
	dlg_outfile files[DLG_MAX_SPLITS];
	dlg_buf pending[DLG_MAX_SPLITS];
	dlg_buf packed;
	void *compressor;
	journal journal;
	readback buckets[DLG_MAX_SPLITS]; /* shard S of each split, of the part being read */
	dlg_buf record;
	dlg_summary sum;
	dlg_buf parts_sha256; /* each part's manifest as it was read: what the shard is made of */
} reducer;

/* A split's pending lines become its next member (cut as convert cuts them). */
static dlg_status write_member(reducer *r, size_t split, dlg_error *err)
{
	dlg_buf *plain = &r->pending[split];
	if (r->opts.compress == DLG_COMPRESS_GZIP) {
		DLG_TRY(dlg_sink__gzip_member(&r->packed, r->compressor, plain->data, plain->len,
					      err));
		plain = &r->packed;
	}
	DLG_TRY(dlg_sink__write(&r->files[split], plain->data, plain->len, err));
	r->pending[split].len = 0;
	return DLG_OK;
}

/* One conversation part `part` kept, of this shard: into its split unless an earlier part
 * kept its id. */
static dlg_status reduce_one(reducer *r, const uint8_t id[16], size_t split, dlg_error *err)
{
	DLG_TRY(readback_line(&r->buckets[split], &r->record, err));
	if (r->record.len == 0)
		return dlg_error__set(err, DLG_E_IO, 0, "%s: a bucket ends before the journal does "
				      "(run that part again)", r->journal.in.path);
	bool duplicate = false;
	if (!r->opts.no_dedup)
		DLG_TRY(dlg_split__idset_insert(&duplicate, &r->ids, id, err));
	if (duplicate) {
		r->sum.duplicates++;
		return DLG_OK;
	}
	dlg_outfile *f = &r->files[split];
	if (!f->path) {
		char name[DLG_SPLIT_FILE_NAME];
		dlg_sink__split_file_name(name, r->ctx.splits[split].name, r->shard, r->ctx.shards,
					  r->opts.compress);
		DLG_TRY(dlg_sink__open(f, r->out.stage, name, r->ctx.alloc, err));
	}
	f->records++;
	r->sum.written++;
	r->sum.split_written[split]++;
	DLG_TRY(dlg_buf__append(&r->pending[split], r->record.data, r->record.len, err));
	bool full = r->pending[split].len >= dlg_sink__member_bytes(r->ctx.shards);
	return full ? write_member(r, split, err) : DLG_OK;
}

/* Bucket `shard` of split i's name in a part's directory (plain, as map writes them). */
static void bucket_name(char out[DLG_SPLIT_FILE_NAME], const reducer *r, size_t i)
{
	dlg_sink__split_file_name(out, r->ctx.splits[i].name, r->shard, r->ctx.shards,
				  DLG_COMPRESS_NONE);
}

/*
 * Bucket `shard` of part `part`, in the order of its journal; at their ends both are checked
 * against the part's manifest (its SHA-256 of each), and the manifest's own is recorded as
 * what the shard is made from.
 */
static dlg_status reduce_part(reducer *r, const char *work, unsigned part, unsigned parts,
			      dlg_error *err)
{
	char dir[4096], what[64], redo[64];
	part_dir(dir, sizeof dir, work, part, parts);
	snprintf(what, sizeof what, "part %u/%u", part, parts);
	snprintf(redo, sizeof redo, "map --part %u/%u", part, parts);
	DLG_TRY(read_checked(&r->part, &r->ctx, dir, what, redo, err));
	for (size_t i = 0; i < r->ctx.n_splits; i++) {
		char name[DLG_SPLIT_FILE_NAME];
		bucket_name(name, r, i);
		if (listed(&r->part, name))
			DLG_TRY(readback_open(&r->buckets[i], dir, name, err));
	}
	DLG_TRY(journal_open(&r->journal, dir, err));
	for (bool more = true;;) {
		DLG_TRY(journal_next(&more, &r->journal, &r->opts, err));
		if (!more)
			break;
		uint8_t id[16];
		size_t split;
		const char *rest;
		if (r->journal.line.data[0] == '{')
			continue; /* a reject: finalize's */
		if (!parse_kept(id, &split, &rest, r->journal.line.data, &r->ctx) ||
		    (dlg_split__shard(id, r->ctx.shards) == r->shard && !r->buckets[split].f))
			return bad_journal(&r->journal, err);
		if (dlg_split__shard(id, r->ctx.shards) == r->shard)
			DLG_TRY(reduce_one(r, id, split, err));
	}
	DLG_TRY(readback_check(&r->journal.in, listed(&r->part, DLG_JOURNAL), what, redo, err));
	journal_close(&r->journal);
	for (size_t i = 0; i < r->ctx.n_splits; i++) {
		readback *b = &r->buckets[i];
		if (!b->f)
			continue;
		if (fgetc(b->f) != EOF)
			return dlg_error__set(err, DLG_E_IO, 0, "%s: a bucket holds more than the "
					      "journal lists (run that part again)", dir);
		/* a failed read is not the end of the bucket */
		if (ferror(b->f))
			return dlg_error__io(err, errno, "read", b->path);
		char name[DLG_SPLIT_FILE_NAME];
		bucket_name(name, r, i);
		DLG_TRY(readback_check(b, listed(&r->part, name), what, redo, err));
		readback_close(b);
	}
	return dlg_buf__append(&r->parts_sha256, r->part.sha256_hex, 64, err);
}

static dlg_status reduce_all(reducer *r, const char *work, dlg_error *err)
{
	unsigned parts;
	DLG_TRY(count_parts(&parts, work, err));
	DLG_TRY(dlg_commit__begin(&r->out, &r->opts, err));
	for (unsigned k = 0; k < parts; k++)
		DLG_TRY(reduce_part(r, work, k, parts, err));
	const dlg_outfile *files[DLG_MAX_SPLITS + 2];
	size_t n = 0;
	for (size_t i = 0; i < r->ctx.n_splits; i++) {
		if (!r->files[i].path)
			continue;
		if (r->pending[i].len)
			DLG_TRY(write_member(r, i, err));
		DLG_TRY(dlg_sink__finish(&r->files[i], err));
		files[n++] = &r->files[i];
	}
	const uint64_t no_rejects[DLG_DIAG_CODES] = { 0 }; /* a shard's are in the journals */
	dlg_manifest m = { &r->ctx, &r->sum, no_rejects, files, n, n, NULL, NULL,
			   &r->parts_sha256 };
	return dlg_dataset__commit(&r->out, &m, files, false, err);
}

dlg_status dlg_reduce(const char *work_dir, unsigned shard, const dlg_options *opts,
		      dlg_error *err)
{
	if (!work_dir || !opts)
		return dlg_error__set(err, DLG_E_ARG, 0, "dlg_reduce: NULL argument");
	dlg_options o;
	DLG_TRY(step_options(&o, opts, err));
	reducer *r = dlg_mem__alloc(opts->allocator, sizeof *r);
	if (!r)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	memset(r, 0, sizeof *r);
	r->out.parent_fd = r->out.lock_fd = -1;
	r->opts = o;
	r->shard = shard;
	dlg_status st = dlg_ctx__init(&r->ctx, &r->opts, err);
	if (st == DLG_OK && shard >= r->ctx.shards)
		st = dlg_error__set(err, DLG_E_ARG, 0, "shard %u of %u: want S/N with S below N",
				    shard, r->ctx.shards);
	if (st == DLG_OK && shard_dir(r->dir, sizeof r->dir, work_dir, shard, r->ctx.shards) >=
			    sizeof r->dir)
		st = dlg_error__set(err, DLG_E_ARG, 0, "work directory path too long");
	/* a rerun of a shard replaces its directory whole, as convert --force does */
	r->opts.output_dir = r->dir;
	r->opts.force = 1;
	dlg_buf__init(&r->part.files, opts->allocator, DLG_BUF_UNCAPPED);
	dlg_buf__init(&r->part.parts_sha256, opts->allocator, DLG_BUF_UNCAPPED);
	dlg_buf__init(&r->parts_sha256, opts->allocator, DLG_BUF_UNCAPPED);
	dlg_buf__init(&r->packed, opts->allocator, DLG_BUF_UNCAPPED);
	dlg_buf__init(&r->record, opts->allocator, DLG_BUF_UNCAPPED);
	dlg_buf__init(&r->journal.line, opts->allocator, DLG_BUF_UNCAPPED);
	for (size_t i = 0; i < DLG_MAX_SPLITS; i++) {
		dlg_buf__init(&r->pending[i], opts->allocator, DLG_BUF_UNCAPPED);
		r->files[i].fd = -1;
	}
	dlg_split__idset_init(&r->ids, opts->allocator);
	if (st == DLG_OK && !(r->compressor = dlg_sink__deflate_new()))
		st = dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory (compressor)");
	if (st == DLG_OK)
		st = reduce_all(r, work_dir, err);
	for (size_t i = 0; i < DLG_MAX_SPLITS; i++) {
		dlg_sink__discard(&r->files[i]);
		dlg_buf__dispose(&r->pending[i]);
		readback_close(&r->buckets[i]);
	}
	journal_close(&r->journal);
	dlg_buf__dispose(&r->journal.line);
	dlg_buf__dispose(&r->record);
	dlg_commit__end(&r->out);
	dlg_sink__deflate_free(r->compressor);
	dlg_buf__dispose(&r->packed);
	dlg_buf__dispose(&r->part.files);
	dlg_buf__dispose(&r->part.parts_sha256);
	dlg_buf__dispose(&r->parts_sha256);
	dlg_split__idset_dispose(&r->ids);
	dlg_ctx__dispose(&r->ctx);
	dlg_mem__free(opts->allocator, r);
	return st;
}

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
	journal journal;
	dlg_buf copy;
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
		part_dir(dir, sizeof dir, f->work, k, f->parts);
		name_part(what, redo, k, f->parts);
		DLG_TRY(read_checked(&f->part, &f->ctx, dir, what, redo, err));
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
 * part kept as the W307 line map rendered for it (where one machine would have dropped it);
 * counted both as map counted it (the tally) and as the run publishes it. */
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
			return bad_journal(&f->journal, err);
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
	if (!parse_kept(id, &split, &line, line, &f->ctx))
		return bad_journal(&f->journal, err);
	t->written++;
	t->split_written[split]++;
	bool duplicate = false;
	if (!f->ctx.opts->no_dedup)
		DLG_TRY(dlg_split__idset_insert(&duplicate, &f->ids, id, err));
	if (!duplicate) {
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
		part_dir(dir, sizeof dir, f->work, k, f->parts);
		name_part(what, redo, k, f->parts);
		DLG_TRY(read_checked(&f->part, &f->ctx, dir, what, redo, err));
		if (memcmp(f->part.sha256_hex, f->parts_sha256.data + 64 * (size_t)k, 64) != 0)
			return dlg_error__set(err, DLG_E_IO, 0, "%s changed while finalize ran "
					      "(run finalize again when the map tasks are done)",
					      what);
		memset(&f->tally, 0, sizeof f->tally);
		memset(f->tally_by_code, 0, sizeof f->tally_by_code);
		DLG_TRY(journal_open(&f->journal, dir, err));
		for (bool more = true;;) {
			DLG_TRY(journal_next(&more, &f->journal, f->ctx.opts, err));
			if (!more)
				break;
			DLG_TRY(merge_line(f, findings, rejects, err));
		}
		DLG_TRY(readback_check(&f->journal.in, listed(&f->part, DLG_JOURNAL), what, redo,
				       err));
		journal_close(&f->journal);
		DLG_TRY(part_counts(f, what, redo, err));
	}
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
		shard_dir(dir, sizeof dir, f->work, s, f->ctx.shards);
		snprintf(what, sizeof what, "shard %u/%u", s, f->ctx.shards);
		snprintf(redo, sizeof redo, "reduce --shard %u/%u", s, f->ctx.shards);
		DLG_TRY(read_checked(&f->shards[s], &f->ctx, dir, what, redo, err));
		DLG_TRY(check_made_from(f, s, err));
		/* M digests per shard: not held for all N at once */
		dlg_buf__dispose(&f->shards[s].parts_sha256);
	}
	for (size_t i = 0; i < f->ctx.n_splits; i++) {
		uint64_t records = 0;
		for (unsigned s = 0; s < f->ctx.shards; s++) {
			char dir[4096], name[DLG_SPLIT_FILE_NAME];
			shard_dir(dir, sizeof dir, f->work, s, f->ctx.shards);
			dlg_sink__split_file_name(name, f->ctx.splits[i].name, s, f->ctx.shards,
						  f->ctx.opts->compress);
			const dlg_listed_file *l = listed(&f->shards[s], name);
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
	DLG_TRY(count_parts(&f->parts, f->work, err));
	DLG_TRY(check_parts(f, err));
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
	dlg_manifest m = { &f->ctx, &f->sum, f->rejected_by_code, f->listed, n, f->n_files, NULL,
			   NULL, NULL };
	return dlg_dataset__commit(&f->out, &m, f->listed, true, err);
}

dlg_status dlg_finalize(dlg_summary *out, const char *work_dir, const dlg_options *opts,
			dlg_error *err)
{
	if (!out || !work_dir || !opts || !opts->output_dir)
		return dlg_error__set(err, DLG_E_ARG, 0, "dlg_finalize: NULL argument");
	memset(out, 0, sizeof *out);
	dlg_options o;
	DLG_TRY(step_options(&o, opts, err));
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
	journal_close(&f->journal);
	dlg_buf__dispose(&f->journal.line);
	dlg_commit__end(&f->out);
	dlg_mem__free(a, f->shards);
	dlg_mem__free(a, f->files);
	dlg_mem__free(a, f->listed);
	dlg_buf__dispose(&f->copy);
	dlg_buf__dispose(&f->parts_sha256);
	dlg_buf__dispose(&f->part.files);
	dlg_buf__dispose(&f->part.parts_sha256);
	dlg_split__idset_dispose(&f->ids);
	dlg_ctx__dispose(&f->ctx);
	dlg_mem__free(a, f);
	return st;
}
