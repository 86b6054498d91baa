/*
 * pipeline.c - dlg_run(): discover inputs, then on every thread: read, parse, normalize,
 * validate and render one conversation at a time (a pure step on a slot's dlg_unit); commit
 * them strictly in input order (dedup, split, append, report: whichever thread is free takes
 * that role); and compress full gzip members as jobs any thread takes, written in member
 * order. So the output does not depend on the number of threads. Output files become
 * visible only when the whole run succeeded. The only module that uses all the others.
 */
#define _POSIX_C_SOURCE 200809L
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <pthread.h>

static const dlg_split default_splits[] = {
	{ "train", 0.9 }, { "validation", 0.05 }, { "test", 0.05 }
};

static const dlg_label default_labels[] = {
	{ "Human", 5, DLG_ROLE_USER },
	{ "Assistant", 9, DLG_ROLE_ASSISTANT },
	{ "System", 6, DLG_ROLE_SYSTEM },
};

/* transcript.c's MAX_LABEL_BYTES: a longer "label:" is a sentence with a colon */
#define ROLE_LABEL_MAX_BYTES 40

/* A label for a one-line message: control bytes (and all high bytes when it is not UTF-8) as
 * \xNN, cut on a character boundary. */
static void quote_label(char *out, size_t cap, const char *s, bool utf8)
{
	size_t o = 0, i = 0;
	while (s[i]) {
		uint8_t b = (uint8_t)s[i];
		size_t n = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
		bool escape = b < 0x20 || b == 0x7F || (b >= 0x80 && !utf8);
		size_t need = escape ? 4 : utf8 ? n : 1;
		if (o + need + 4 > cap) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (escape)
			o += (size_t)snprintf(out + o, cap - o, "\\x%02X", b);
		else
			memcpy(out + o, s + i, need);
		o += escape ? 0 : need;
		i += escape ? 1 : need;
	}
	out[o] = '\0';
}

/*
 * A --role label that no marker could ever match is refused rather than silently never
 * used: the marker grammar reads '#'s, then a label of at most ROLE_LABEL_MAX_BYTES with
 * blanks trimmed, then ':', all on one line of valid UTF-8. '=' is refused too: a speaker
 * name holds none, and the CLI splits LABEL=ROLE at the last '=' (Bot=x=assistant).
 */
static dlg_status check_label(const char *label, dlg_role role, dlg_error *err)
{
	size_t len = label ? strlen(label) : 0, bad;
	bool utf8 = dlg_normalize__check_bytes(&bad, label ? label : "", len) == 0;
	char q[72];
	quote_label(q, sizeof q, label ? label : "", utf8);
	const char *special = label ? strpbrk(label, "#:=") : NULL;
	bool control = false;
	for (size_t i = 0; i < len; i++)
		control |= (uint8_t)label[i] < 0x20 || label[i] == 0x7F;
	const char *why = NULL;
	if (len == 0)
		why = "is empty";
	else if (!utf8)
		why = "is not valid UTF-8";
	else if (control)
		why = "holds a line break or another control character";
	else if (label[0] == ' ' || label[len - 1] == ' ')
		why = "starts or ends with a blank, which a marker trims";
	else if (special && *special == '#')
		why = "holds '#', which starts a marker";
	else if (special && *special == ':')
		why = "holds ':', which ends a marker's label";
	else if (special)
		why = "holds '=', which a speaker name has none of (--role splits LABEL=ROLE at "
		      "the last '=')";
	else if (len > ROLE_LABEL_MAX_BYTES)
		why = "is longer than 40 bytes, which a marker reads as prose";
	if (why)
		return dlg_error__set(err, DLG_E_ARG, 0, "role label '%s' %s; no marker "
				      "could match it", q, why);
	if ((unsigned)role > DLG_ROLE_ASSISTANT)
		return dlg_error__set(err, DLG_E_ARG, 0, "role label '%s' maps to no role "
				      "(%d)", q, (int)role);
	return DLG_OK;
}

static dlg_status setup_labels(dlg_ctx *ctx, const dlg_options *o, dlg_error *err)
{
	ctx->n_labels = sizeof default_labels / sizeof default_labels[0];
	memcpy(ctx->labels, default_labels, sizeof default_labels);
	for (size_t i = 0; i < o->n_roles; i++) {
		const dlg_role_label *r = &o->roles[i];
		DLG_TRY(check_label(r->label, r->role, err));
		size_t len = strlen(r->label);
		size_t k = 0;
		while (k < ctx->n_labels && !(ctx->labels[k].len == len &&
					      strcasecmp(ctx->labels[k].text, r->label) == 0))
			k++;
		if (k == DLG_MAX_LABELS)
			return dlg_error__set(err, DLG_E_ARG, 0, "more than %d role labels",
					      DLG_MAX_LABELS);
		ctx->labels[k] = (dlg_label){ r->label, len, r->role };
		if (k == ctx->n_labels)
			ctx->n_labels++;
	}
	return DLG_OK;
}

/* Split names become file names and Hugging Face split names, so they keep to the latter's
 * alphabet (datasets' naming.py: words joined by single dots). */
static bool valid_split_name(const char *s)
{
	if (!s || !*s || strlen(s) > DLG_MAX_SPLIT_NAME || strcmp(s, "rejects") == 0 ||
	    strcmp(s, "manifest") == 0 || strcmp(s, "provenance") == 0)
		return false;
	static const char word[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
	for (size_t n; (n = strspn(s, word)) > 0; s += n + 1)
		if (s[n] != '.')
			return s[n] == '\0';
	return false;
}

static dlg_status setup_splits(dlg_ctx *ctx, const dlg_options *o, dlg_error *err)
{
	const dlg_split *s = o->splits ? o->splits : default_splits;
	size_t n = o->splits ? o->n_splits : sizeof default_splits / sizeof default_splits[0];
	if (n == 0 || n > DLG_MAX_SPLITS)
		return dlg_error__set(err, DLG_E_ARG, 0, "need 1 to %d splits",
				      DLG_MAX_SPLITS);
	double total = 0;
	for (size_t i = 0; i < n; i++) {
		if (!valid_split_name(s[i].name))
			return dlg_error__set(err, DLG_E_ARG, 0,
					      "invalid split name '%.100s' (up to %d letters, digits "
					      "and '_', in words joined by '.'; not rejects, manifest or "
					      "provenance)",
					      s[i].name ? s[i].name : "", DLG_MAX_SPLIT_NAME);
		if (!(s[i].weight > 0) || !isfinite(s[i].weight))
			return dlg_error__set(err, DLG_E_ARG, 0,
					      "split '%s' needs a positive, finite weight",
					      s[i].name);
		for (size_t k = 0; k < i; k++)
			if (strcmp(s[k].name, s[i].name) == 0)
				return dlg_error__set(err, DLG_E_ARG, 0,
						      "split '%s' named twice", s[i].name);
		ctx->splits[i] = s[i];
		total += s[i].weight;
	}
	/* an infinite total makes every bound 0 or NaN: all in one split (a=1e308,b=1e308) */
	if (!isfinite(total))
		return dlg_error__set(err, DLG_E_ARG, 0, "the split weights add up to more "
				      "than a double holds; scale them down");
	ctx->n_splits = n;
	double acc = 0;
	for (size_t i = 0; i < n; i++) {
		acc += s[i].weight;
		ctx->split_upper[i] = acc / total;
	}
	return DLG_OK;
}

/* The options that say how JSON records are read, and what leading assistant turns may
 * become, checked together: a combination that cannot work is refused, not half applied. */
static dlg_status check_record_options(const dlg_options *o, dlg_error *err)
{
	const char *keys[] = { o->messages_field, o->role_key, o->content_key };
	const char *names[] = { "--messages-field", "--role-key", "--content-key" };
	for (int i = 0; i < 3; i++)
		if (keys[i] && !*keys[i])
			return dlg_error__set(err, DLG_E_ARG, 0, "%s needs a name", names[i]);
	bool strings = o->text_field || o->response_field || o->rejected_field;
	if (strings && (o->messages_field || o->role_key || o->content_key))
		return dlg_error__set(err, DLG_E_ARG, 0, "--messages-field, --role-key and "
				      "--content-key read messages arrays; --text-field, "
				      "--response-field and --rejected-field read transcript "
				      "strings: give one kind or the other");
	if ((unsigned)o->leading_assistant > DLG_LEADING_ASSISTANT_KEEP)
		return dlg_error__set(err, DLG_E_ARG, 0, "unknown leading_assistant %d",
				      (int)o->leading_assistant);
	if (o->leading_assistant == DLG_LEADING_ASSISTANT_KEEP &&
	    (o->format == DLG_FORMAT_PREFERENCE || o->format == DLG_FORMAT_OPENAI_PREFERENCE))
		return dlg_error__set(err, DLG_E_ARG, 0, "--leading-assistant keep: a preference "
				      "pair answers a user's prompt, which opens with the user; use "
				      "drop or error");
	if (o->n_keep_fields > DLG_MAX_KEEP_FIELDS)
		return dlg_error__set(err, DLG_E_ARG, 0, "more than %d --keep-fields",
				      DLG_MAX_KEEP_FIELDS);
	for (size_t i = 0; i < o->n_keep_fields; i++) {
		const char *f = o->keep_fields[i];
		if (!f || !*f)
			return dlg_error__set(err, DLG_E_ARG, 0, "--keep-fields needs field names");
		if (o->keep_preamble && strcmp(f, "preamble") == 0)
			return dlg_error__set(err, DLG_E_ARG, 0, "--keep-fields preamble: "
					      "--keep-preamble writes meta.preamble already");
		for (size_t k = 0; k < i; k++)
			if (strcmp(o->keep_fields[k], f) == 0)
				return dlg_error__set(err, DLG_E_ARG, 0, "--keep-fields names "
						      "'%.100s' twice", f);
	}
	return DLG_OK;
}

dlg_status dlg_pipeline__ctx_init(dlg_ctx *ctx, const dlg_options *o, dlg_error *err)
{
	memset(ctx, 0, sizeof *ctx);
	ctx->opts = o;
	ctx->alloc = o->allocator;
	DLG_TRY(dlg_input__check_encoding(o, err));
	bool pairs = o->format == DLG_FORMAT_PREFERENCE || o->format == DLG_FORMAT_OPENAI_PREFERENCE;
	if (pairs && !o->rejected_field)
		return dlg_error__set(err, DLG_E_ARG, 0, "a preference format needs "
				      "--rejected-field (and --text-field for the chosen side)");
	if (o->rejected_field && (o->format == DLG_FORMAT_SHAREGPT || o->format == DLG_FORMAT_TEXT))
		return dlg_error__set(err, DLG_E_ARG, 0, "--rejected-field makes preference "
				      "pairs: use --format preference or openai-preference");
	DLG_TRY(check_record_options(o, err));
	DLG_TRY(setup_labels(ctx, o, err));
	DLG_TRY(setup_splits(ctx, o, err));
	if (o->shards > DLG_MAX_SHARDS)
		return dlg_error__set(err, DLG_E_ARG, 0, "at most %d shards", DLG_MAX_SHARDS);
	ctx->shards = o->shards ? o->shards : 1;
	DLG_TRY(dlg_findings__setup(ctx, o, err));
	ctx->near_dup = o->near_dup == DLG_NEAR_DUP_DROP ||
			(o->near_dup == DLG_NEAR_DUP_GROUP && (o->output_dir || o->on_conversation));
	if (o->near_dup > DLG_NEAR_DUP_DROP)
		return dlg_error__set(err, DLG_E_ARG, 0, "unknown near_dup mode %d", (int)o->near_dup);
	if (!(o->near_dup_threshold > 0 && o->near_dup_threshold <= 1))
		return dlg_error__set(err, DLG_E_ARG, 0, "the near-duplicate threshold is a "
				      "similarity above 0 and at most 1");
	if (o->split_key == DLG_SPLIT_KEY_GROUP) {
		if (!o->group_regex)
			return dlg_error__set(err, DLG_E_ARG, 0,
					      "--split-key group needs --group-regex");
		regex_t *re = dlg_mem__alloc(ctx->alloc, sizeof *re);
		if (!re)
			return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
		int rc = regcomp(re, o->group_regex, REG_EXTENDED);
		if (rc != 0 || re->re_nsub < 1) {
			char msg[128] = "it has no capture group";
			if (rc != 0)
				regerror(rc, re, msg, sizeof msg);
			else
				regfree(re);
			dlg_mem__free(ctx->alloc, re);
			return dlg_error__set(err, DLG_E_ARG, 0, "bad --group-regex '%s': %s",
					      o->group_regex, msg);
		}
		ctx->group_re = re;
	}
	return DLG_OK;
}

void dlg_pipeline__ctx_dispose(dlg_ctx *ctx)
{
	if (ctx->group_re) {
		regfree(ctx->group_re);
		dlg_mem__free(ctx->alloc, ctx->group_re);
	}
}

/* The file of one split's shard (one split, with a single shard). */
typedef struct split_out {
	dlg_outfile file;
	dlg_buf pending;      /* lines of the member being filled */
	uint64_t next_seq;    /* number of the next member to queue */
	uint64_t written_seq; /* number of the next member to write */
} split_out;

typedef enum job_state { JOB_FREE, JOB_QUEUED, JOB_RUNNING, JOB_DONE } job_state;

/* One gzip member to compress and then write in its place. */
typedef struct job {
	job_state state;
	size_t out; /* index into run.outs */
	uint64_t seq;
	uint64_t order; /* jobs are taken first-queued first, so no thread waits on a later one */
	dlg_buf plain;
	dlg_buf packed;
} job;

typedef enum slot_state { SLOT_FREE, SLOT_BUSY, SLOT_READY } slot_state;

typedef enum item_kind {
	ITEM_FILE,      /* a text transcript file, read by the worker */
	ITEM_TEXT,      /* a text transcript already read (stdin, or told by its content) */
	ITEM_LINES,     /* a chunk of JSON lines, one record each */
	ITEM_BAD_JSON   /* a .json document that does not parse, or holds a \u0000 */
} item_kind;

/* JSON lines are handed out this many at a time (or about this many bytes). */
#define CHUNK_LINES 256
#define CHUNK_BYTES ((size_t)1 << 20)

/* A piece of work from its claim to its commit: one input file, or a chunk of records. */
typedef struct slot {
	slot_state state;
	size_t seq;        /* commit order */
	size_t input;      /* index into the inputs */
	item_kind kind;
	bool first_of_input; /* counts the input file once */
	dlg_buf data;
	uint64_t first_record; /* ITEM_LINES: number of the first line's record */
	bool by_index;     /* records are array elements, located at line 1 */
	dlg_diag_code bad_code; /* ITEM_BAD_JSON: what is wrong, where, and its message */
	size_t bad_off;
	const char *bad_msg;
	const char *content_note; /* W319 on the input's first record: its content is not
				     what its name says; NULL when it is */
	dlg_unit *units;   /* one per conversation */
	size_t n_units, cap_units;
	uint64_t cost;     /* its input bytes, counted in run.in_flight until committed */
	dlg_status status;
	dlg_error err;
} slot;

/* The input whose records are being handed out in chunks. */
typedef struct stream {
	bool open;
	size_t input;
	dlg_reader reader;
	bool from_doc;     /* a .json document turned into lines in `doc` */
	const char *content_note; /* for the first chunk's slot */
	dlg_buf doc;
	size_t doc_pos;
	uint64_t next_record;
	bool first;
} stream;

typedef struct run {
	dlg_ctx ctx;
	const dlg_inputs *inputs;
	dlg_summary *sum;
	dlg_findings findings; /* reports them; counts in sum */
	dlg_neardup_index near; /* --near-dup: the conversations to compare with */
	void *payload;
	/* touched only by the thread that commits */
	dlg_idset ids;
	dlg_buf line;
	dlg_buf scratch;
	uint64_t rejected_by_code[DLG_DIAG_CODES];
	dlg_kept_types *kept_types; /* with --keep-fields: for the card */
	/* output files */
	bool writing;
	bool mapping;     /* dlg_map: buckets and a journal in a part directory (shard.c) */
	char inputs_digest[33]; /* mapping: of the whole file list, which every part shares */
	dlg_commit out;   /* the output directory */
	split_out *outs;  /* split * shards + shard */
	size_t n_open_outs;
	dlg_outfile rejects, provenance;
	bool rejects_open, provenance_open;
	/* shared by the threads, under `lock` */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	slot *slots;
	size_t n_slots;
	job *jobs;
	size_t n_jobs;
	uint64_t job_order;
	size_t next_input;        /* next input to start */
	size_t end_input;         /* one past the last input of this run (of this map part) */
	stream stream;
	size_t next_claim, next_commit; /* item sequence numbers */
	uint64_t in_flight;       /* input bytes of the items claimed and not yet committed */
	dlg_progress progress;    /* touched only by the thread that commits */
	bool committing, flushed, failed;
	dlg_status status; /* the first failure */
	dlg_error err;
} run;

static size_t split_of(const run *r, const dlg_unit *u)
{
	const dlg_ctx *ctx = &r->ctx;
	const char *key = (const char *)u->key;
	size_t key_len = sizeof u->key;
	regmatch_t m[2];
	switch (ctx->opts->split_key) {
	case DLG_SPLIT_KEY_CONTENT:
		break;
	case DLG_SPLIT_KEY_SOURCE:
		key = u->source;
		key_len = strlen(u->source);
		break;
	case DLG_SPLIT_KEY_GROUP:
		/* a source the pattern does not match is its own group */
		key = u->source;
		key_len = strlen(u->source);
		if (regexec(ctx->group_re, u->source, 2, m, 0) == 0 && m[1].rm_so >= 0) {
			key = u->source + m[1].rm_so;
			key_len = (size_t)(m[1].rm_eo - m[1].rm_so);
		}
		break;
	}
	return dlg_split__assign(ctx, key, key_len);
}

/* A bounded wait, so that a cancel request is seen even when no thread signals. */
static void wait_locked(run *r)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += 100000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&r->cond, &r->lock, &until);
}

static void fail_locked(run *r, dlg_status st, const dlg_error *err)
{
	if (!r->failed) {
		r->failed = true;
		r->status = st;
		r->err = *err;
	}
	pthread_cond_broadcast(&r->cond);
}

/* Write the finished members of an output file that are next in line. */
static void drain_locked(run *r, size_t out)
{
	split_out *so = &r->outs[out];
	for (bool wrote = true; wrote && !r->failed;) {
		wrote = false;
		for (size_t i = 0; i < r->n_jobs; i++) {
			job *j = &r->jobs[i];
			if (j->state != JOB_DONE || j->out != out || j->seq != so->written_seq)
				continue;
			dlg_error err;
			dlg_status st = dlg_sink__write(&so->file, j->packed.data, j->packed.len, &err);
			if (st != DLG_OK)
				fail_locked(r, st, &err);
			j->state = JOB_FREE;
			j->plain.len = 0;
			so->written_seq++;
			wrote = true;
			pthread_cond_broadcast(&r->cond);
		}
	}
}

static job *oldest_queued_locked(run *r)
{
	job *best = NULL;
	for (size_t i = 0; i < r->n_jobs; i++)
		if (r->jobs[i].state == JOB_QUEUED && (!best || r->jobs[i].order < best->order))
			best = &r->jobs[i];
	return best;
}

/* Compress a job taken under the lock; returns with the lock held again. */
static void run_job_locked(run *r, job *j, void *compressor)
{
	j->state = JOB_RUNNING;
	pthread_mutex_unlock(&r->lock);
	dlg_error err;
	dlg_status st = DLG_OK;
	if (r->ctx.opts->compress == DLG_COMPRESS_GZIP && !r->mapping) {
		st = dlg_sink__gzip_member(&j->packed, compressor, j->plain.data, j->plain.len,
					   &err);
	} else {
		dlg_buf plain = j->plain; /* written as it is */
		j->plain = j->packed;
		j->packed = plain;
	}
	pthread_mutex_lock(&r->lock);
	if (st != DLG_OK)
		fail_locked(r, st, &err);
	j->state = JOB_DONE;
	drain_locked(r, j->out);
}

/* Hand an output file's pending lines to a compression job (called without the lock). */
static dlg_status queue_member(run *r, size_t out, void *compressor, dlg_error *err)
{
	pthread_mutex_lock(&r->lock);
	job *free_job = NULL;
	while (!r->failed) {
		for (size_t i = 0; i < r->n_jobs && !free_job; i++)
			if (r->jobs[i].state == JOB_FREE)
				free_job = &r->jobs[i];
		if (free_job)
			break;
		/* all jobs busy: help rather than wait (with one thread, nobody else would) */
		job *queued = oldest_queued_locked(r);
		if (queued)
			run_job_locked(r, queued, compressor);
		else
			wait_locked(r);
	}
	if (r->failed) {
		*err = r->err;
		dlg_status st = r->status;
		pthread_mutex_unlock(&r->lock);
		return st;
	}
	split_out *so = &r->outs[out];
	dlg_buf swap = free_job->plain;
	free_job->plain = so->pending;
	so->pending = swap;
	free_job->out = out;
	free_job->seq = so->next_seq++;
	free_job->order = r->job_order++;
	free_job->state = JOB_QUEUED;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	return DLG_OK;
}

/* W307 on a conversation whose id came before; its findings point at its first turn. */
static dlg_status mark_duplicate(dlg_unit *u, dlg_error *err)
{
	const dlg_turn *first = &DLG_BUF_AT(&u->turns, dlg_turn, 0);
	return dlg_unit__diag(u, err, DLG_DIAG_DUPLICATE, first->line, first->col, 0,
			      "exact duplicate of an earlier conversation (id %s); dropped",
			      u->id_hex);
}

/*
 * A map part's journal line for a conversation it keeps: its id, its split, and the
 * rejects.jsonl line it becomes when an earlier part had its id (shard.c), rendered here
 * with the unit at hand by marking it a duplicate and taking the mark back.
 */
static dlg_status journal_kept(run *r, dlg_unit *u, size_t split, dlg_error *err)
{
	bool rejected = u->rejected;
	size_t n_diags = u->diags.len;
	dlg_status st = mark_duplicate(u, err);
	if (st == DLG_OK)
		st = dlg_record__reject(&r->scratch, u, DLG_DIAG_DUPLICATE, "", 0, err);
	u->diags.len = n_diags;
	u->rejected = rejected;
	r->line.len = 0;
	if (st == DLG_OK)
		st = dlg_buf__printf(&r->line, err, "%s %zu ", u->id_hex, split);
	if (st == DLG_OK)
		st = dlg_buf__append(&r->line, r->scratch.data, r->scratch.len, err);
	return st == DLG_OK ? dlg_sink__write(&r->rejects, r->line.data, r->line.len, err) : st;
}

/* In input order: drop duplicates, pick the split, append, report. */
static dlg_status commit(run *r, dlg_unit *u, void *compressor, dlg_error *err)
{
	dlg_summary *s = r->sum;
	if (u->consumed)
		return DLG_OK; /* the rejected side of a pair, committed with the chosen one */
	s->inputs++;
	for (int f = 0; f < DLG_FIX_COUNT; f++)
		s->fixes[f] += u->fixes[f];
	/* the kept values' types in commit order, so that the card declares one per column */
	if (!u->rejected && r->kept_types) {
		DLG_TRY(dlg_json__kept_types_add(r->kept_types, u, err));
		if (u->kept_nulled && !u->rejected)
			DLG_TRY(dlg_record__rewrite_meta(u, err));
	}
	bool duplicate = false;
	if (!u->rejected && !r->ctx.opts->no_dedup)
		DLG_TRY(dlg_split__idset_insert(&duplicate, &r->ids, u->id, err));
	/* a conversation that is not rejected has turns: its findings point at the first */
	const dlg_turn *first = u->rejected ? NULL : &DLG_BUF_AT(&u->turns, dlg_turn, 0);
	if (duplicate)
		DLG_TRY(mark_duplicate(u, err));
	size_t split = 0;
	uint32_t near = UINT32_MAX;
	double similarity = 0;
	char kept[33] = "";
	if (!duplicate && !u->rejected) {
		split = split_of(r, u);
		if (r->ctx.near_dup)
			DLG_TRY(dlg_neardup__place(&near, &similarity, &split, &r->near, u, err));
		if (near != UINT32_MAX) {
			dlg_split__hex(kept, r->near.members[near].conv_id);
			DLG_TRY(dlg_unit__diag(u, err, DLG_DIAG_NEAR_DUPLICATE, first->line, first->col,
					       0, "near-duplicate of %s (estimated similarity %.2f); "
					       "dropped", kept, similarity));
		}
	}
	DLG_TRY(dlg_findings__unit(&r->findings, u, err));
	dlg_conv_fn seen = r->ctx.opts->on_conversation;
	dlg_diag_code dropped_by = duplicate ? DLG_DIAG_DUPLICATE :
				   near != UINT32_MAX ? DLG_DIAG_NEAR_DUPLICATE : 0;
	if (seen && (dropped_by || u->rejected))
		seen((const dlg_conv *)u, duplicate ? DLG_FATE_DUPLICATE : dropped_by ?
		     DLG_FATE_NEAR_DUPLICATE : DLG_FATE_REJECTED, 0, r->payload);
	if (dropped_by || u->rejected) {
		if (duplicate) {
			s->duplicates++;
		} else if (dropped_by) {
			s->near_duplicates++;
		} else {
			s->rejected++;
			/* each code once per conversation, however often it was found */
			bool counted[DLG_DIAG_CODES] = { false };
			for (size_t i = 0; i < DLG_BUF_COUNT(&u->diags, dlg_diag); i++) {
				const dlg_diag *d = &DLG_BUF_AT(&u->diags, dlg_diag, i);
				if (d->severity == DLG_SEV_ERROR && !counted[d->code]) {
					counted[d->code] = true;
					r->rejected_by_code[d->code]++;
				}
			}
		}
		if (!r->writing)
			return DLG_OK;
		DLG_TRY(dlg_record__reject(&r->line, u, dropped_by, kept, similarity, err));
		r->rejects.records++;
		return dlg_sink__write(&r->rejects, r->line.data, r->line.len, err);
	}
	s->written++;
	s->split_written[split]++;
	if (seen)
		seen((const dlg_conv *)u, DLG_FATE_WRITTEN, split, r->payload);
	if (!r->writing)
		return DLG_OK;
	if (r->mapping)
		DLG_TRY(journal_kept(r, u, split, err));
	size_t out = split * r->ctx.shards + dlg_split__shard(u->id, r->ctx.shards);
	split_out *so = &r->outs[out];
	DLG_TRY(dlg_buf__append(&so->pending, u->json.data, u->json.len, err));
	so->file.records++;
	if (r->provenance_open) {
		DLG_TRY(dlg_record__provenance(&r->line, u, r->ctx.splits[split].name, err));
		r->provenance.records++;
		DLG_TRY(dlg_sink__write(&r->provenance, r->line.data, r->line.len, err));
	}
	if (so->pending.len >= dlg_sink__member_bytes(r->ctx.shards))
		return queue_member(r, out, compressor, err);
	return DLG_OK;
}

static dlg_status take_unit(dlg_unit **out, run *r, slot *s, dlg_error *err)
{
	if (s->n_units == s->cap_units) {
		size_t cap = s->cap_units ? 2 * s->cap_units : 8;
		dlg_unit *units = dlg_mem__realloc(r->ctx.alloc, s->units, cap * sizeof *units);
		if (!units)
			return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
		for (size_t i = s->cap_units; i < cap; i++)
			dlg_unit__init(&units[i], &r->ctx);
		s->units = units;
		s->cap_units = cap;
	}
	*out = &s->units[s->n_units++];
	return DLG_OK;
}

static dlg_status finish_unit(dlg_unit *u, dlg_error *err)
{
	DLG_TRY(dlg_validate__conversation(u, err));
	if (!u->rejected && u->ctx->opts->rejected_field)
		return dlg_unit__diag(u, err, DLG_DIAG_PAIR_MISMATCH, 1, 1, 0, "a transcript file "
				      "has no rejected side: preference pairs come from JSON records");
	if (!u->rejected)
		DLG_TRY(dlg_record__render(u, err));
	if (!u->rejected && u->ctx->near_dup)
		DLG_TRY(dlg_neardup__signature(&u->near_sig, u, &u->scratch, err));
	/* a dataset record carries the id of its messages: another one means an edit */
	if (!u->rejected && u->claimed_id[0] && strcmp(u->claimed_id, u->id_hex) != 0)
		DLG_TRY(dlg_unit__diag(u, err, DLG_DIAG_ID_MISMATCH, u->record_line, 1, 0,
				       "the record's id %s is not that of its messages (%s); it "
				       "was changed after dlgconv wrote it", u->claimed_id,
				       u->id_hex));
	return DLG_OK;
}

/* A preference pair: both sides validated, paired, and rendered as one record. */
static dlg_status finish_pair(dlg_unit *chosen, dlg_unit *rejected, dlg_error *err)
{
	DLG_TRY(dlg_validate__conversation(chosen, err));
	DLG_TRY(dlg_validate__conversation(rejected, err));
	size_t prompt;
	DLG_TRY(dlg_validate__pair(&prompt, chosen, rejected, err));
	if (!chosen->rejected)
		DLG_TRY(dlg_record__render_pair(chosen, rejected, prompt, err));
	if (!chosen->rejected && chosen->ctx->near_dup)
		DLG_TRY(dlg_neardup__signature(&chosen->near_sig, chosen, &chosen->scratch, err));
	return DLG_OK;
}

/* A Git LFS pointer (a clone without `git lfs pull`) stands where the data should be. */
static bool lfs_pointer(const dlg_buf *data)
{
	static const char sig[] = "version https://git-lfs.github.com/spec/";
	return data->len >= sizeof sig - 1 && memcmp(data->data, sig, sizeof sig - 1) == 0;
}

static dlg_status lfs_finding(run *r, slot *s, const dlg_input *in, dlg_error *err)
{
	dlg_unit *u;
	DLG_TRY(take_unit(&u, r, s, err));
	dlg_unit__reset(u, in, 0, 0);
	return dlg_unit__diag(u, err, DLG_DIAG_LFS_POINTER, 1, 1, 0, "a Git LFS pointer, not "
			      "the data: run `git lfs pull` in its repository");
}

/* A JSON line of the file is where findings inside its strings point; a .json document's
 * records are printed again, so their columns would mean nothing. */
static void raw_line(dlg_unit *u, const slot *s, const char *line, size_t len)
{
	if (!s->by_index) {
		u->origin.line = line;
		u->origin.line_len = len;
	}
}

/* The pure step: turn an item into rendered records and their findings. */
static dlg_status process(run *r, slot *s, dlg_error *err)
{
	const dlg_input *in = &r->inputs->items[s->input];
	dlg_unit *u;
	s->n_units = 0;
	if (s->kind == ITEM_FILE) {
		dlg_reader rd;
		dlg_status st = dlg_input__open(&rd, in->path, r->ctx.opts, err);
		if (st == DLG_OK)
			st = dlg_input__read_all(&rd, &s->data, err);
		dlg_input__close(&rd);
		DLG_TRY(st);
	}
	/* one finding for the whole file, not one per line of the pointer */
	if (s->first_of_input && lfs_pointer(&s->data))
		return lfs_finding(r, s, in, err);
	if (s->kind == ITEM_FILE || s->kind == ITEM_TEXT) {
		DLG_TRY(take_unit(&u, r, s, err));
		dlg_unit__reset(u, in, 0, 0);
		DLG_TRY(dlg_transcript__parse(u, s->data.data, s->data.len, err));
		return finish_unit(u, err);
	}
	if (s->kind == ITEM_BAD_JSON) {
		DLG_TRY(take_unit(&u, r, s, err));
		dlg_unit__reset(u, in, 0, 0);
		uint64_t line = 1;
		size_t start = 0;
		for (size_t i = 0; i < s->bad_off && i < s->data.len; i++)
			if (s->data.data[i] == '\n') {
				line++;
				start = i + 1;
			}
		return dlg_unit__diag(u, err, s->bad_code, line, (uint32_t)(s->bad_off - start + 1),
				      0, "%s", s->bad_msg);
	}
	uint64_t record = s->first_record;
	for (size_t i = 0; i < s->data.len; record++) {
		const char *nl = memchr(s->data.data + i, '\n', s->data.len - i);
		size_t eol = nl ? (size_t)(nl - s->data.data) : s->data.len;
		const char *line = s->data.data + i;
		size_t len = eol - i;
		i = eol + 1;
		while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ' ||
				   line[len - 1] == '\t'))
			len--;
		if (len == 0)
			continue; /* blank lines (JSON white space only) hold no record */
		DLG_TRY(take_unit(&u, r, s, err));
		dlg_unit__reset(u, in, record, s->by_index ? 1 : record);
		raw_line(u, s, line, len);
		if (s->content_note) {
			/* about the file: said once, at its start, on its first record */
			u->exact_location = true;
			DLG_TRY(dlg_unit__diag(u, err, DLG_DIAG_CONTENT_NOT_AS_NAMED, 1, 1, 0, "%s",
					       s->content_note));
			u->exact_location = false;
			s->content_note = NULL;
		}
		DLG_TRY(dlg_json__record(u, line, len, err));
		if (!r->ctx.opts->rejected_field) {
			DLG_TRY(finish_unit(u, err));
			continue;
		}
		size_t chosen = s->n_units - 1; /* take_unit may move the units */
		dlg_unit *rejected;
		DLG_TRY(take_unit(&rejected, r, s, err));
		dlg_unit__reset(rejected, in, record, s->by_index ? 1 : record);
		raw_line(rejected, s, line, len);
		rejected->rejected_side = true;
		DLG_TRY(dlg_json__record(rejected, line, len, err));
		DLG_TRY(finish_pair(&s->units[chosen], rejected, err));
	}
	return DLG_OK;
}

static bool all_jobs_free_locked(const run *r)
{
	for (size_t i = 0; i < r->n_jobs; i++)
		if (r->jobs[i].state != JOB_FREE)
			return false;
	return true;
}

/*
 * Memory is bounded by design, not by the number of slots: items are claimed only while the
 * input bytes in flight (claimed, not yet committed) stay within this budget, and a slot
 * that held a large item gives its buffers back once it is committed. A conversation costs
 * about four times its bytes in buffers, so with several 64 MiB transcripts in a corpus the
 * peak stays near 4 x the budget whatever -j is; one item larger than the budget runs alone.
 */
#define MEMORY_BUDGET ((uint64_t)128 << 20)
#define TRIM_BYTES ((size_t)16 << 20)

/*
 * A slot's data is a whole input (at most --max-input-bytes once decompressed) or a chunk of
 * lines (about CHUNK_BYTES, and one line of at most the limit): its cap says so, so that a
 * bug can only fail with DLG_E_LIMIT, never grow without end. The buffers a conversation is
 * processed in grow with it, by factors that depend on its shape (a line array per line, a
 * finding per turn): they are bounded through it, by the input limit and the budget below.
 */
static size_t slot_data_cap(const run *r)
{
	uint64_t limit = r->ctx.opts->max_input_bytes;
	return limit && limit < SIZE_MAX / 2 ? (size_t)limit + 2 * CHUNK_BYTES : DLG_BUF_UNCAPPED;
}

/* What claiming the next item would add to the bytes in flight. */
static uint64_t next_cost_locked(const run *r)
{
	if (r->stream.open)
		return CHUNK_BYTES;
	return r->inputs->items[r->next_input].size;
}

static bool within_budget_locked(const run *r)
{
	return r->in_flight == 0 || r->in_flight + next_cost_locked(r) <= MEMORY_BUDGET;
}

/* After its commit, a slot keeps small buffers for the next item and gives large ones back. */
static void slot_trim(run *r, slot *s)
{
	if (s->data.cap > TRIM_BYTES) {
		dlg_buf__dispose(&s->data);
		dlg_buf__init(&s->data, r->ctx.alloc, slot_data_cap(r));
	}
	for (size_t i = 0; i < s->cap_units; i++) {
		dlg_unit *u = &s->units[i];
		size_t held = u->text.cap + u->decoded.cap + u->lines.cap + u->json.cap +
			      u->scratch.cap + u->stage_text.cap;
		if (held > TRIM_BYTES) {
			dlg_unit__dispose(u);
			dlg_unit__init(u, &r->ctx);
		}
	}
}

/* Commit every ready item that is next in order; called holding the lock. */
static void commit_ready_locked(run *r, void *compressor)
{
	r->committing = true;
	for (;;) {
		slot *s = &r->slots[r->next_commit % r->n_slots];
		if (r->failed || r->next_commit == r->next_claim || s->state != SLOT_READY ||
		    s->seq != r->next_commit)
			break;
		pthread_mutex_unlock(&r->lock);
		dlg_error err = s->err;
		dlg_status st = s->status;
		if (st == DLG_OK && s->first_of_input)
			r->sum->files++;
		for (size_t i = 0; i < s->n_units && st == DLG_OK; i++)
			st = commit(r, &s->units[i], compressor, &err);
		if (st == DLG_OK && r->ctx.opts->progress) {
			dlg_progress *p = &r->progress;
			if (s->first_of_input) {
				p->files_done++;
				p->bytes_done += r->inputs->items[s->input].size;
			}
			p->conversations = r->sum->inputs;
			r->ctx.opts->progress(p, r->payload);
		}
		slot_trim(r, s);
		pthread_mutex_lock(&r->lock);
		if (st != DLG_OK) {
			fail_locked(r, st, &err);
			break;
		}
		s->state = SLOT_FREE;
		r->in_flight -= s->cost;
		r->next_commit++;
		pthread_cond_broadcast(&r->cond);
	}
	r->committing = false;
}

/* After the last commit: the rest of each split becomes its last member. A split with no
 * record gets no file at all (consumers refuse empty ones). */
static void flush_locked(run *r, void *compressor)
{
	r->flushed = true;
	pthread_mutex_unlock(&r->lock);
	dlg_status st = DLG_OK;
	dlg_error err;
	for (size_t i = 0; i < r->n_open_outs && st == DLG_OK; i++)
		if (r->outs[i].pending.len > 0)
			st = queue_member(r, i, compressor, &err);
	pthread_mutex_lock(&r->lock);
	if (st != DLG_OK)
		fail_locked(r, st, &err);
}

/* The next chunk of the open stream into s; closes the stream after its last. */
static dlg_status next_chunk_locked(run *r, slot *s, dlg_error *err)
{
	stream *st = &r->stream;
	s->kind = ITEM_LINES;
	s->cost = CHUNK_BYTES;
	s->input = st->input;
	s->first_of_input = st->first;
	s->first_record = st->next_record;
	s->by_index = st->from_doc;
	s->content_note = st->first ? st->content_note : NULL;
	st->first = false;
	bool done;
	if (st->from_doc) {
		/* a chunk of whole lines out of the converted document */
		size_t start = st->doc_pos, lines = 0, pos = start;
		while (pos < st->doc.len && lines < CHUNK_LINES && pos - start < CHUNK_BYTES) {
			const char *nl = memchr(st->doc.data + pos, '\n', st->doc.len - pos);
			pos = nl ? (size_t)(nl - st->doc.data) + 1 : st->doc.len;
			lines++;
		}
		s->data.len = 0;
		DLG_TRY(dlg_buf__append(&s->data, st->doc.data + start, pos - start, err));
		st->doc_pos = pos;
		st->next_record += lines;
		done = pos == st->doc.len;
	} else {
		DLG_TRY(dlg_input__read_lines(&st->reader, &s->data, CHUNK_BYTES, CHUNK_LINES, err));
		for (size_t i = 0; i < s->data.len; i++)
			st->next_record += s->data.data[i] == '\n';
		if (s->data.len && s->data.data[s->data.len - 1] != '\n')
			st->next_record++;
		done = st->reader.done;
	}
	if (done) {
		dlg_input__close(&st->reader);
		dlg_buf__dispose(&st->doc);
		st->open = false;
	}
	return DLG_OK;
}

/* The first byte that is not JSON white space, or '\0'. */
static char first_byte(const dlg_buf *b)
{
	size_t lead = 0;
	while (lead < b->len && strchr(" \t\r\n", b->data[lead]) && b->data[lead])
		lead++;
	return lead < b->len ? b->data[lead] : '\0';
}

/*
 * Set up the next item in s. Text files named as such are read later by the worker, in
 * parallel; anything else is opened here, under the lock, so that its chunks come out in
 * order.
 */
static dlg_status claim_locked(run *r, slot *s, dlg_error *err)
{
	stream *st = &r->stream;
	if (st->open)
		return next_chunk_locked(r, s, err);
	size_t index = r->next_input++;
	const dlg_input *in = &r->inputs->items[index];
	s->input = index;
	s->cost = in->size;
	s->first_of_input = true;
	s->content_note = NULL;
	dlg_input_format format = dlg_input__format_by_name(in->path);
	if (format == DLG_INPUT_TEXT && strcmp(in->path, "-") != 0) {
		s->kind = ITEM_FILE;
		return DLG_OK;
	}
	/* from here the stream owns the reader, and closing it is dlg_run's on failure */
	st->open = true;
	DLG_TRY(dlg_input__open(&st->reader, in->path, r->ctx.opts, err));
	st->input = index;
	st->first = true;
	st->next_record = 1;
	st->from_doc = false;
	st->content_note = NULL;
	if (format == DLG_INPUT_UNKNOWN || format == DLG_INPUT_JSONL) {
		/* the content decides: JSON lines (first non-blank byte '{', or anything but '['
		 * in a .jsonl file) are streamed, so memory is bounded by a line, not by the
		 * whole input; a .jsonl file holding one JSON array is read as a document */
		DLG_TRY(dlg_input__read_lines(&st->reader, &s->data, CHUNK_BYTES, CHUNK_LINES, err));
		char first = first_byte(&s->data);
		DLG_TRY(dlg_input__unread(&st->reader, &s->data, err));
		if (format == DLG_INPUT_JSONL && first == '[')
			st->content_note = "the file holds one JSON array, not JSON lines: read as "
					   "a JSON document";
		else if (format == DLG_INPUT_JSONL || first == '{')
			return next_chunk_locked(r, s, err);
	}
	/* a transcript or a whole document: read it all now */
	DLG_TRY(dlg_input__read_all(&st->reader, &s->data, err));
	dlg_input__close(&st->reader);
	st->open = false;
	char first = first_byte(&s->data);
	if (format == DLG_INPUT_UNKNOWN && first != '{' && first != '[') {
		s->kind = ITEM_TEXT;
		return DLG_OK;
	}
	if (format == DLG_INPUT_UNKNOWN && first == '{') {
		/* JSON lines after more than a chunk of blank lines: already in memory */
		s->kind = ITEM_LINES;
		s->first_record = 1;
		s->by_index = false;
		return DLG_OK;
	}
	bool json_lines;
	dlg_buf__init(&st->doc, r->ctx.alloc, DLG_BUF_UNCAPPED);
	DLG_TRY(dlg_json__document_lines(&s->bad_code, &s->bad_off, &s->bad_msg, &json_lines,
					 &st->doc, s->data.data, s->data.len, err));
	if (s->bad_code || json_lines) {
		/* a .jsonl file that is not one JSON array after all (`[1]` on its first line,
		 * records after it) is what its name says, with a finding per bad line */
		bool lines = json_lines || format == DLG_INPUT_JSONL;
		dlg_buf__dispose(&st->doc);
		s->kind = lines ? ITEM_LINES : ITEM_BAD_JSON;
		s->first_record = 1;
		s->by_index = false;
		if (json_lines)
			s->content_note = "the file holds JSON lines, not one JSON document: read "
					  "line by line";
		return DLG_OK;
	}
	st->open = true;
	st->from_doc = true;
	st->doc_pos = 0;
	return next_chunk_locked(r, s, err);
}

/* What every thread runs until the work is done or has failed. */
static void work(run *r, void *compressor)
{
	const volatile sig_atomic_t *cancel = r->ctx.opts->cancel;
	pthread_mutex_lock(&r->lock);
	while (!r->failed) {
		if (cancel && *cancel) {
			dlg_error err;
			fail_locked(r, dlg_error__set(&err, DLG_E_CANCELED, 0, "interrupted"),
				    &err);
			break;
		}
		bool all_claimed = r->next_input == r->end_input && !r->stream.open;
		slot *next = &r->slots[r->next_commit % r->n_slots];
		if (!r->committing && r->next_commit < r->next_claim &&
		    next->state == SLOT_READY && next->seq == r->next_commit) {
			commit_ready_locked(r, compressor);
			continue;
		}
		job *queued = oldest_queued_locked(r);
		if (queued) {
			run_job_locked(r, queued, compressor);
			continue;
		}
		if (!r->flushed && !r->committing && all_claimed && r->next_commit == r->next_claim) {
			flush_locked(r, compressor);
			continue;
		}
		slot *free_slot = &r->slots[r->next_claim % r->n_slots];
		if (!all_claimed && free_slot->state == SLOT_FREE && within_budget_locked(r)) {
			dlg_error err;
			dlg_status st = claim_locked(r, free_slot, &err);
			if (st != DLG_OK) {
				fail_locked(r, st, &err);
				break;
			}
			free_slot->state = SLOT_BUSY;
			free_slot->seq = r->next_claim++;
			r->in_flight += free_slot->cost;
			pthread_mutex_unlock(&r->lock);
			free_slot->status = process(r, free_slot, &free_slot->err);
			pthread_mutex_lock(&r->lock);
			free_slot->state = SLOT_READY;
			pthread_cond_broadcast(&r->cond);
			continue;
		}
		if (r->flushed && all_jobs_free_locked(r))
			break;
		wait_locked(r);
	}
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

typedef struct worker {
	run *r;
	void *compressor;
	pthread_t thread;
} worker;

static void *worker_main(void *arg)
{
	worker *w = arg;
	work(w->r, w->compressor);
	return NULL;
}

static unsigned thread_count(const dlg_options *o)
{
	if (o->threads)
		return o->threads;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	return cores > 0 ? (unsigned)cores : 1;
}

/* Run the work on `n` threads (this one included); a thread that cannot start is done
 * without. Returns the first failure. */
static dlg_status run_threads(run *r, unsigned n, dlg_error *err)
{
	const dlg_allocator *a = r->ctx.alloc;
	worker *w = dlg_mem__alloc(a, n * sizeof *w);
	if (!w)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	unsigned started = 0;
	dlg_status st = DLG_OK;
	for (unsigned i = 0; i < n; i++) {
		w[i].r = r;
		w[i].compressor = r->writing ? dlg_sink__deflate_new() : NULL;
		if (r->writing && !w[i].compressor) {
			st = dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory (compressor)");
			n = i;
			break;
		}
	}
	/* Signals go to the calling thread, whose reads they should interrupt; the mask is
	 * inherited by the new threads and restored here right after. */
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	for (unsigned i = 1; st == DLG_OK && i < n; i++)
		if (pthread_create(&w[i].thread, NULL, worker_main, &w[i]) == 0)
			started = i;
		else
			break;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (st == DLG_OK)
		work(r, w[0].compressor);
	for (unsigned i = 1; i <= started; i++)
		pthread_join(w[i].thread, NULL);
	for (unsigned i = 0; i < n; i++)
		dlg_sink__deflate_free(w[i].compressor);
	dlg_mem__free(a, w);
	if (st == DLG_OK && r->failed) {
		*err = r->err;
		st = r->status;
	}
	return st;
}

static dlg_status alloc_slots_and_jobs(run *r, unsigned threads, dlg_error *err)
{
	const dlg_allocator *a = r->ctx.alloc;
	r->n_slots = 4 * (size_t)threads;
	r->n_jobs = r->writing ? (size_t)threads + 2 : 0;
	r->slots = dlg_mem__alloc(a, r->n_slots * sizeof *r->slots);
	r->jobs = r->n_jobs ? dlg_mem__alloc(a, r->n_jobs * sizeof *r->jobs) : NULL;
	if (!r->slots || (r->n_jobs && !r->jobs)) {
		dlg_mem__free(a, r->slots);
		dlg_mem__free(a, r->jobs);
		r->slots = NULL;
		r->jobs = NULL;
		r->n_slots = r->n_jobs = 0;
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	}
	for (size_t i = 0; i < r->n_slots; i++) {
		memset(&r->slots[i], 0, sizeof r->slots[i]);
		dlg_buf__init(&r->slots[i].data, a, slot_data_cap(r));
	}
	for (size_t i = 0; i < r->n_jobs; i++) {
		memset(&r->jobs[i], 0, sizeof r->jobs[i]);
		dlg_buf__init(&r->jobs[i].plain, a, DLG_BUF_UNCAPPED);
		dlg_buf__init(&r->jobs[i].packed, a, DLG_BUF_UNCAPPED);
	}
	return DLG_OK;
}

static void free_slots_and_jobs(run *r)
{
	for (size_t i = 0; i < r->n_slots; i++) {
		for (size_t k = 0; k < r->slots[i].cap_units; k++)
			dlg_unit__dispose(&r->slots[i].units[k]);
		dlg_mem__free(r->ctx.alloc, r->slots[i].units);
		dlg_buf__dispose(&r->slots[i].data);
	}
	for (size_t i = 0; i < r->n_jobs; i++) {
		dlg_buf__dispose(&r->jobs[i].plain);
		dlg_buf__dispose(&r->jobs[i].packed);
	}
	dlg_mem__free(r->ctx.alloc, r->slots);
	dlg_mem__free(r->ctx.alloc, r->jobs);
}

static dlg_status open_outputs(run *r, dlg_error *err)
{
	const dlg_options *o = r->ctx.opts;
	DLG_TRY(dlg_commit__begin(&r->out, o, err));
	const char *stage = r->out.stage;
	char name[DLG_SPLIT_FILE_NAME];
	size_t n_outs = r->ctx.n_splits * r->ctx.shards;
	r->outs = dlg_mem__alloc(o->allocator, n_outs * sizeof *r->outs);
	if (!r->outs)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	for (size_t i = 0; i < n_outs; i++) {
		/* a map part's buckets are plain: reduce compresses them, cut as convert does */
		dlg_sink__split_file_name(name, r->ctx.splits[i / r->ctx.shards].name,
					  (unsigned)(i % r->ctx.shards), r->ctx.shards,
					  r->mapping ? DLG_COMPRESS_NONE : o->compress);
		split_out *so = &r->outs[i];
		memset(so, 0, sizeof *so);
		dlg_buf__init(&so->pending, o->allocator, DLG_BUF_UNCAPPED);
		r->n_open_outs++;
		DLG_TRY(dlg_sink__open(&so->file, stage, name, o->allocator, err));
	}
	DLG_TRY(dlg_sink__open(&r->rejects, stage, r->mapping ? DLG_JOURNAL : "rejects.jsonl",
			       o->allocator, err));
	r->rejects_open = true;
	if (o->bare) {
		DLG_TRY(dlg_sink__open(&r->provenance, stage, "provenance.jsonl", o->allocator,
				       err));
		r->provenance_open = true;
	}
	return DLG_OK;
}

/* A small file written whole in the staging directory: the manifest and the card. */
static dlg_status write_small(dlg_outfile *f, const char *name, const dlg_buf *b,
			      const dlg_commit *c, dlg_error *err)
{
	DLG_TRY(dlg_sink__open(f, c->stage, name, c->alloc, err));
	DLG_TRY(dlg_sink__write(f, b->data, b->len, err));
	return dlg_sink__finish(f, err);
}

/* The card and the manifest, then the swap (scratch holds each in turn). */
static dlg_status commit_files(dlg_commit *c, dlg_manifest *m, const dlg_outfile **files,
			       bool card, dlg_outfile *card_file, dlg_outfile *manifest_file,
			       dlg_buf *scratch, dlg_error *err)
{
	if (card) {
		scratch->len = 0;
		DLG_TRY(dlg_card__render(scratch, m, err));
		DLG_TRY(write_small(card_file, "README.md", scratch, c, err));
		files[m->n_files++] = card_file;
	}
	scratch->len = 0;
	DLG_TRY(dlg_json__manifest(scratch, m, err));
	DLG_TRY(write_small(manifest_file, "manifest.json", scratch, c, err));
	files[m->n_files++] = manifest_file;
	/* --force replaces the earlier dataset whole: what its manifest lists goes with it (a
	 * split that is empty now, or named otherwise), the user's other files stay */
	DLG_TRY(dlg_json__manifest_files(scratch, c->dir, err));
	size_t n_stale = 0;
	for (size_t at = 0; at < scratch->len; at += strlen(scratch->data + at) + 1)
		n_stale++;
	const char **names = dlg_mem__alloc(c->alloc, (m->n_files + n_stale + 1) * sizeof *names);
	if (!names)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	for (size_t i = 0; i < m->n_files; i++)
		names[i] = strrchr(files[i]->path, '/') + 1;
	const char **stale = names + m->n_files;
	n_stale = 0;
	for (size_t at = 0; at < scratch->len; at += strlen(scratch->data + at) + 1)
		stale[n_stale++] = scratch->data + at;
	dlg_status st = dlg_commit__finish(c, names, m->n_files, stale, n_stale, err);
	dlg_mem__free(c->alloc, names);
	return st;
}

dlg_status dlg_pipeline__commit_dataset(dlg_commit *c, dlg_manifest *m,
					const dlg_outfile **files, bool card, dlg_error *err)
{
	dlg_outfile card_file = { .fd = -1 }, manifest_file = { .fd = -1 };
	dlg_buf scratch;
	dlg_buf__init(&scratch, c->alloc, DLG_BUF_UNCAPPED);
	dlg_status st = commit_files(c, m, files, card, &card_file, &manifest_file, &scratch, err);
	dlg_buf__dispose(&scratch);
	dlg_sink__discard(&card_file);
	dlg_sink__discard(&manifest_file);
	return st;
}

/* The files after the split files (`all` has room for them): rejects, provenance, card and
 * manifest; then the commit. */
static dlg_status finish_files(run *r, const dlg_outfile **all, size_t n, dlg_error *err)
{
	size_t n_splits = n;
	DLG_TRY(dlg_sink__finish(&r->rejects, err));
	all[n++] = &r->rejects;
	if (r->provenance_open) {
		DLG_TRY(dlg_sink__finish(&r->provenance, err));
		all[n++] = &r->provenance;
	}
	dlg_manifest m = { &r->ctx, r->sum, r->rejected_by_code, all, n, n_splits,
			   r->kept_types, r->mapping ? r->inputs_digest : NULL };
	/* a map part's manifest is for finalize, which writes the card */
	return dlg_pipeline__commit_dataset(&r->out, &m, all, !r->mapping, err);
}

static dlg_status finish_outputs(run *r, dlg_error *err)
{
	const dlg_options *o = r->ctx.opts;
	/* the files that go in: split files with records, rejects, provenance, card,
	 * manifest */
	size_t n = 0, cap = r->n_open_outs + 4;
	const dlg_outfile **all = dlg_mem__alloc(o->allocator, cap * sizeof *all);
	dlg_status st = all ? DLG_OK : dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	for (size_t i = 0; st == DLG_OK && i < r->n_open_outs; i++) {
		dlg_outfile *f = &r->outs[i].file;
		st = dlg_sink__finish(f, err);
		if (st == DLG_OK && f->records > 0)
			all[n++] = f;
		else if (st == DLG_OK && unlink(f->path) != 0) /* no empty split file */
			st = dlg_error__io(err, errno, "remove", f->path);
	}
	if (st == DLG_OK)
		st = finish_files(r, all, n, err);
	dlg_mem__free(o->allocator, all);
	return st;
}

static void close_outputs(run *r)
{
	for (size_t i = 0; i < r->n_open_outs; i++) {
		dlg_sink__discard(&r->outs[i].file);
		dlg_buf__dispose(&r->outs[i].pending);
	}
	dlg_mem__free(r->ctx.alloc, r->outs);
	if (r->rejects_open)
		dlg_sink__discard(&r->rejects);
	if (r->provenance_open)
		dlg_sink__discard(&r->provenance);
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

/* dlg_run, or with `parts` > 0 the map step of part `part` (opts->output_dir is the part's
 * directory): the same stages on the part-th slice of the inputs every part discovers. */
static dlg_status run_inputs(dlg_summary *out, const char *const *inputs, size_t n_inputs,
			     const dlg_options *opts, unsigned part, unsigned parts,
			     dlg_diag_fn diag, void *payload, dlg_error *err)
{
	run *r = dlg_mem__alloc(opts->allocator, sizeof *r);
	if (!r)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	memset(r, 0, sizeof *r);
	r->out.parent_fd = r->out.lock_fd = -1;
	r->sum = out;
	r->payload = payload;
	r->writing = opts->output_dir != NULL;
	r->mapping = parts > 0;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	dlg_inputs files = { 0 };
	r->inputs = &files;
	dlg_split__idset_init(&r->ids, opts->allocator);
	dlg_buf__init(&r->line, opts->allocator, DLG_BUF_UNCAPPED);
	dlg_buf__init(&r->scratch, opts->allocator, DLG_BUF_UNCAPPED);
	unsigned threads = thread_count(opts);
	dlg_status status = dlg_pipeline__ctx_init(&r->ctx, opts, err);
	if (status == DLG_OK && opts->n_keep_fields)
		status = dlg_json__kept_types_new(&r->kept_types, opts, err);
	if (status == DLG_OK)
		status = dlg_discover__inputs(&files, inputs, n_inputs, opts, err);
	if (status == DLG_OK && r->mapping)
		status = digest_inputs(r->inputs_digest, &files, opts->allocator, err);
	/* a part's slice of the file list, by index, so that the parts in order are the
	 * inputs in order */
	r->next_input = r->mapping ? (size_t)((uint64_t)files.count * part / parts) : 0;
	r->end_input = r->mapping ? (size_t)((uint64_t)files.count * (part + 1) / parts) :
				    files.count;
	r->progress.files_total = r->end_input - r->next_input;
	for (size_t i = r->next_input; i < r->end_input; i++)
		r->progress.bytes_total += files.items[i].size;
	/* entries the walk passed over (W312, W315): findings that end nothing, but --strict
	 * makes them errors, which `validate` exits 1 on */
	dlg_findings__init(&r->findings, &r->ctx, out, diag, payload);
	dlg_neardup__init(&r->near, opts->allocator);
	size_t n_skipped = r->mapping && part > 0 ? 0 : DLG_BUF_COUNT(&files.skipped, dlg_skipped);
	for (size_t i = 0; status == DLG_OK && i < n_skipped; i++) {
		const dlg_skipped *s = &DLG_BUF_AT(&files.skipped, dlg_skipped, i);
		dlg_diag d = { s->code, dlg_ctx__severity(&r->ctx, s->code), s->shown, 1, 1, 0, 0,
			       "" };
		snprintf(d.msg, sizeof d.msg, "%s", s->msg);
		dlg_findings__one(&r->findings, &d);
	}
	if (status == DLG_OK && r->writing)
		status = open_outputs(r, err);
	if (status == DLG_OK)
		status = alloc_slots_and_jobs(r, threads, err);
	if (status == DLG_OK)
		status = run_threads(r, threads, err);
	dlg_findings__end(&r->findings); /* what streaks hold, even of a failed run */
	out->near_dup_clusters = r->near.clusters;
	/* a map part cannot know the whole run's rejects: finalize counts them */
	if (status == DLG_OK && r->writing && !r->mapping && out->rejected > opts->max_rejects)
		status = dlg_error__set(err, DLG_E_REJECTS, 0, "%llu conversations "
					"rejected, more than --max-rejects %llu; nothing written",
					(unsigned long long)out->rejected,
					(unsigned long long)opts->max_rejects);
	if (status == DLG_OK && r->writing)
		status = finish_outputs(r, err);
	close_outputs(r);
	if (r->writing)
		dlg_commit__end(&r->out);
	free_slots_and_jobs(r);
	if (r->stream.open) {
		dlg_input__close(&r->stream.reader);
		dlg_buf__dispose(&r->stream.doc);
	}
	dlg_discover__dispose(&files);
	dlg_findings__dispose(&r->findings);
	dlg_neardup__dispose(&r->near);
	dlg_buf__dispose(&r->line);
	dlg_buf__dispose(&r->scratch);
	dlg_json__kept_types_free(r->kept_types);
	dlg_split__idset_dispose(&r->ids);
	dlg_pipeline__ctx_dispose(&r->ctx);
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	dlg_mem__free(opts->allocator, r);
	return status;
}

dlg_status dlg_run(dlg_summary *out, const char *const *inputs, size_t n_inputs,
		   const dlg_options *opts, dlg_diag_fn diag, void *payload, dlg_error *err)
{
	if (!out || !opts || (n_inputs && !inputs))
		return dlg_error__set(err, DLG_E_ARG, 0, "dlg_run: NULL argument");
	memset(out, 0, sizeof *out);
	if (n_inputs == 0)
		return dlg_error__set(err, DLG_E_ARG, 0, "no inputs given");
	return run_inputs(out, inputs, n_inputs, opts, 0, 0, diag, payload, err);
}

dlg_status dlg_map(dlg_summary *out, const char *const *inputs, size_t n_inputs,
		   unsigned part, unsigned parts, const char *work_dir, const dlg_options *opts,
		   dlg_diag_fn diag, void *payload, dlg_error *err)
{
	if (!out || !opts || !work_dir || (n_inputs && !inputs))
		return dlg_error__set(err, DLG_E_ARG, 0, "dlg_map: NULL argument");
	memset(out, 0, sizeof *out);
	if (n_inputs == 0)
		return dlg_error__set(err, DLG_E_ARG, 0, "no inputs given");
	DLG_TRY(dlg_shard__check_options(opts, err));
	if (parts == 0 || part >= parts || parts > DLG_MAX_PARTS)
		return dlg_error__set(err, DLG_E_ARG, 0, "part %u of %u: want K/M with K below M "
				      "and M from 1 to %d", part, parts, DLG_MAX_PARTS);
	char dir[4096];
	if (dlg_shard__part_dir(dir, sizeof dir, work_dir, part, parts) >= sizeof dir)
		return dlg_error__set(err, DLG_E_ARG, 0, "work directory path too long");
	/* a rerun of a part replaces its directory whole, as convert --force does */
	dlg_options o = *opts;
	o.output_dir = dir;
	o.force = 1;
	return run_inputs(out, inputs, n_inputs, &o, part, parts, diag, payload, err);
}

dlg_status dlg_convert_buffer(char **out, const char *data, size_t len, const char *source,
			      const dlg_options *opts, dlg_diag_fn diag, void *payload,
			      dlg_error *err)
{
	if (!out || (!data && len) || !source || !opts)
		return dlg_error__set(err, DLG_E_ARG, 0, "dlg_convert_buffer: NULL argument");
	*out = NULL;
	/* the buffer is UTF-8 already: no reader converts it */
	dlg_options utf8 = *opts;
	utf8.input_encoding = NULL;
	opts = &utf8;
	dlg_ctx ctx;
	DLG_TRY(dlg_pipeline__ctx_init(&ctx, opts, err));
	dlg_unit u;
	dlg_unit__init(&u, &ctx);
	dlg_input in = { .source = (char *)source };
	dlg_unit__reset(&u, &in, 0, 0);
	dlg_status st = dlg_transcript__parse(&u, data ? data : "", len, err);
	if (st == DLG_OK)
		st = finish_unit(&u, err);
	dlg_summary counts = { 0 }; /* findings count here; dlg_convert_buffer reports none */
	dlg_findings findings;
	dlg_findings__init(&findings, &ctx, &counts, diag, payload);
	for (size_t i = 0; st == DLG_OK && i < DLG_BUF_COUNT(&u.diags, dlg_diag); i++)
		dlg_findings__one(&findings, &DLG_BUF_AT(&u.diags, dlg_diag, i));
	dlg_findings__dispose(&findings);
	/* copied with the C library's allocator, as dlg_free() frees whatever options said */
	if (st == DLG_OK && !u.rejected && !(*out = dlg_mem__strndup(NULL, u.json.data, u.json.len)))
		st = dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	dlg_unit__dispose(&u);
	dlg_pipeline__ctx_dispose(&ctx);
	return st;
}
