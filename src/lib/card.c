/*
 * card.c - the dataset card, DIR/README.md: a Hugging Face YAML header that names each
 * split's file (`configs`) and declares the records' types (`dataset_info.features`), so
 * that `load_dataset(DIR)` and the Hub viewer read the declared types instead of guessing
 * them file by file; then a few lines on what the dataset is. Rendered from what the
 * manifest reports. Uses buf.c, error.c, manifest.c (the options' names) and kept.c (the
 * kept fields' types).
 */
#include "card.h"
#include "options.h"
#include "buf.h"
#include "kept.h"
#include "manifest.h"
#include "sink.h"

#include <string.h>

/* The features of one message, indented under its list at `pad` spaces. */
static dlg_status message_features(dlg_buf *b, int pad, bool stage, dlg_error *err)
{
	DLG_TRY(dlg_buf__printf(b, err, "%*s- name: role\n%*s  dtype: string\n"
				"%*s- name: content\n%*s  dtype: string\n",
				pad, "", pad, "", pad, "", pad, ""));
	if (!stage)
		return DLG_OK;
	return dlg_buf__printf(b, err, "%*s- name: stage_directions\n%*s  list:\n"
			       "%*s  - name: text\n%*s    dtype: string\n"
			       "%*s  - name: offset\n%*s    dtype: int64\n",
			       pad, "", pad, "", pad, "", pad, "", pad, "", pad, "");
}

/* A top-level feature that is a list of messages. */
static dlg_status messages_feature(dlg_buf *b, const char *name, bool stage, dlg_error *err)
{
	DLG_TRY(dlg_buf__printf(b, err, "  - name: %s\n    list:\n", name));
	return message_features(b, 4, stage, err);
}

/* dataset_info.features: exactly the keys and types every record of the run has. */
static dlg_status features(dlg_buf *b, const dlg_manifest *m, dlg_error *err)
{
	const dlg_options *o = m->ctx->opts;
	bool stage = !o->bare; /* --bare records have only what the format defines */
	DLG_TRY(dlg_buf__append(b, "  features:\n", 12, err));
	if (!o->bare)
		DLG_TRY(dlg_buf__printf(b, err, "  - name: id\n    dtype: string\n"
					"  - name: source\n    dtype: string\n"
					"  - name: record\n    dtype: int64\n"));
	switch (o->format) {
	case DLG_FORMAT_MESSAGES:
		DLG_TRY(messages_feature(b, "messages", stage, err));
		break;
	case DLG_FORMAT_SHAREGPT:
		DLG_TRY(dlg_buf__printf(b, err, "  - name: conversations\n    list:\n"
					"    - name: from\n      dtype: string\n"
					"    - name: value\n      dtype: string\n"));
		break;
	case DLG_FORMAT_TEXT:
		DLG_TRY(dlg_buf__printf(b, err, "  - name: text\n    dtype: string\n"));
		break;
	case DLG_FORMAT_PREFERENCE:
		DLG_TRY(messages_feature(b, "prompt", stage, err));
		DLG_TRY(messages_feature(b, "chosen", stage, err));
		DLG_TRY(messages_feature(b, "rejected", stage, err));
		break;
	case DLG_FORMAT_OPENAI_PREFERENCE:
		DLG_TRY(dlg_buf__printf(b, err, "  - name: input\n    struct:\n"
					"    - name: messages\n      list:\n"));
		DLG_TRY(message_features(b, 6, false, err));
		DLG_TRY(messages_feature(b, "preferred_output", false, err));
		DLG_TRY(messages_feature(b, "non_preferred_output", false, err));
		break;
	}
	if (o->bare || (!o->keep_preamble && !o->n_keep_fields))
		return DLG_OK;
	DLG_TRY(dlg_buf__printf(b, err, "  - name: meta\n    struct:\n"));
	if (o->keep_preamble)
		DLG_TRY(dlg_buf__printf(b, err, "    - name: preamble\n      dtype: string\n"));
	return m->kept_types ? dlg_kept__features(b, m->kept_types, 4, err) : DLG_OK;
}

static const char *file_name(const dlg_outfile *f)
{
	const char *slash = strrchr(f->path, '/');
	return slash ? slash + 1 : f->path;
}

/* The split a split file is, from its name: the stem before ".jsonl", or before a shard's
 * "-SSSSS-of-NNNNN" (a split name holds no '-'). */
static int split_name_len(const dlg_outfile *f)
{
	const char *name = file_name(f);
	const char *dash = strchr(name, '-');
	return (int)((dash ? dash : strstr(name, ".jsonl")) - name);
}

/* The split files of one split stand together, in shard order. */
static bool same_split(const dlg_outfile *a, const dlg_outfile *b)
{
	int len = split_name_len(a);
	return len == split_name_len(b) && strncmp(file_name(a), file_name(b), (size_t)len) == 0;
}

/* The speaker labels that gave each turn its role, and every option that changed the records
 * from what the defaults would have written: what a reader needs to reproduce the data. */
static dlg_status how_made(dlg_buf *b, const dlg_ctx *ctx, dlg_error *err)
{
	DLG_TRY(dlg_buf__printf(b, err, "Speaker labels and the roles they gave: "));
	for (size_t i = 0; i < ctx->n_labels; i++)
		DLG_TRY(dlg_buf__printf(b, err, "%s`%s` → %s", i ? ", " : "", ctx->labels[i].text,
					dlg_role_name(ctx->labels[i].role)));
	dlg_buf changed;
	dlg_buf__init(&changed, ctx->alloc, DLG_BUF_UNCAPPED);
	dlg_status st = dlg_manifest__changed_options(&changed, ctx, err);
	if (st == DLG_OK)
		st = dlg_buf__printf(b, err, ".\n\n%s%.*s%s\n\n", changed.len ?
				     "Options changed from their defaults: " :
				     "Every option that shapes the records is at its default.",
				     (int)changed.len, changed.len ? changed.data : "",
				     changed.len ? "." : "");
	dlg_buf__dispose(&changed);
	return st;
}

/*
 * With no record written there is no split file, and `data_files` with no entry makes
 * `datasets.load_dataset(DIR)` fail with a TypeError that says nothing of why; so the card
 * names the files the splits would have had, and loading fails saying that they are not
 * there, as the card's text says.
 */
static dlg_status files_never_written(dlg_buf *b, const dlg_ctx *ctx, dlg_error *err)
{
	for (size_t i = 0; i < ctx->n_splits; i++) {
		DLG_TRY(dlg_buf__printf(b, err, "  - split: \"%s\"\n    path:\n",
					ctx->splits[i].name));
		for (unsigned k = 0; k < ctx->shards; k++) {
			char name[DLG_SPLIT_FILE_NAME];
			dlg_sink__split_file_name(name, ctx->splits[i].name, k, ctx->shards,
						  ctx->opts->compress);
			DLG_TRY(dlg_buf__printf(b, err, "    - \"%s\"\n", name));
		}
	}
	return DLG_OK;
}

dlg_status dlg_card__render(dlg_buf *b, const dlg_manifest *m, dlg_error *err)
{
	const dlg_options *o = m->ctx->opts;
	const dlg_summary *s = m->summary;
	DLG_TRY(dlg_buf__append(b, "---\nconfigs:\n- config_name: default\n  data_files:\n", 50,
				err));
	for (size_t i = 0, end; i < m->n_split_files; i = end) {
		end = i + 1;
		while (end < m->n_split_files && same_split(m->files[i], m->files[end]))
			end++;
		/* quoted: a split named 1 or yes is still a name */
		DLG_TRY(dlg_buf__printf(b, err, "  - split: \"%.*s\"\n",
					split_name_len(m->files[i]), file_name(m->files[i])));
		if (m->ctx->shards == 1) {
			DLG_TRY(dlg_buf__printf(b, err, "    path: \"%s\"\n",
						file_name(m->files[i])));
			continue;
		}
		/* a split's shards, each named: a glob would also take a stray file */
		DLG_TRY(dlg_buf__append(b, "    path:\n", 10, err));
		for (size_t k = i; k < end; k++)
			DLG_TRY(dlg_buf__printf(b, err, "    - \"%s\"\n", file_name(m->files[k])));
	}
	if (m->n_split_files == 0) /* a clear FileNotFoundError, not a TypeError (rules.md) */
		DLG_TRY(files_never_written(b, m->ctx, err));
	DLG_TRY(dlg_buf__printf(b, err, "dataset_info:\n  config_name: default\n"));
	DLG_TRY(features(b, m, err));
	DLG_TRY(dlg_buf__append(b, "  splits:\n", 10, err));
	for (size_t i = 0, end; i < m->n_split_files; i = end) {
		uint64_t records = 0;
		for (end = i; end < m->n_split_files && same_split(m->files[i], m->files[end]);
		     end++)
			records += m->files[end]->records;
		DLG_TRY(dlg_buf__printf(b, err, "  - name: \"%.*s\"\n    num_examples: %llu\n",
					split_name_len(m->files[i]), file_name(m->files[i]),
					(unsigned long long)records));
	}
	DLG_TRY(dlg_buf__printf(b, err, "---\n\n# Dataset\n\n"
				"Written by dlgconv %s in the `%s` format%s: %llu conversations "
				"from %llu input files, %llu written, %llu rejected and %llu "
				"duplicates left out (each listed in `rejects.jsonl`). "
				"`manifest.json` has every option and count.%s\n\n",
				dlg_version(), dlg_options__choice(o, "format"),
				o->bare ? " (bare: ids and sources in `provenance.jsonl`)" : "",
				(unsigned long long)s->inputs, (unsigned long long)s->files,
				(unsigned long long)s->written, (unsigned long long)s->rejected,
				(unsigned long long)s->duplicates, m->n_split_files ? "" :
				" No conversation was written, so the split files the header "
				"names do not exist: `load_dataset` says it cannot find them."));
	/* the options that shape the records and the splits */
	DLG_TRY(dlg_buf__printf(b, err, "Options: stage directions `%s`, Unicode `%s`, splits `",
				dlg_options__choice(o, "stage"), o->nfkc ? "NFKC" : "NFC"));
	for (size_t i = 0; i < m->ctx->n_splits; i++)
		DLG_TRY(dlg_buf__printf(b, err, "%s%s=%g", i ? "," : "", m->ctx->splits[i].name,
					m->ctx->splits[i].weight));
	DLG_TRY(dlg_buf__printf(b, err, "` by %s with seed %llu, exact duplicates %s.\n\n",
				dlg_options__choice(o, "split-key"),
				(unsigned long long)o->seed, o->no_dedup ? "kept" : "dropped"));
	DLG_TRY(how_made(b, m->ctx, err));
	DLG_TRY(dlg_buf__printf(b, err,
				"| split | file | records | sha256 |\n|---|---|---|---|\n"));
	for (size_t i = 0; i < m->n_split_files; i++)
		DLG_TRY(dlg_buf__printf(b, err, "| %.*s | `%s` | %llu | `%s` |\n",
					split_name_len(m->files[i]), file_name(m->files[i]),
					file_name(m->files[i]),
					(unsigned long long)m->files[i]->records,
					m->files[i]->sha256_hex));
	for (size_t i = m->n_split_files; i < m->n_files; i++)
		DLG_TRY(dlg_buf__printf(b, err, "| | `%s` | %llu | `%s` |\n",
					file_name(m->files[i]),
					(unsigned long long)m->files[i]->records,
					m->files[i]->sha256_hex));
	return DLG_OK;
}
