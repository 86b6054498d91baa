/*
 * nearwork.c - the near-duplicate steps' files in the work directory (nearwork.h): records
 * written and read back (hashed as they are read, checked against the manifest at the end),
 * their directories' names, and the W321 line a dropped conversation gets.
 * Uses buf.c, error.c, manifest.c, split.c and workdir.c.
 */
#define _POSIX_C_SOURCE 200809L
#include "nearwork.h"
#include "decide.h"
#include "error.h"
#include "sink.h"
#include "split.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void dlg_nearwork__put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> 8 * i);
}

uint32_t dlg_nearwork__get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void dlg_nearwork__encode(uint8_t out[DLG_SIG_RECORD], const uint8_t id[16], size_t split,
			  const dlg_neardup_sig *s)
{
	memset(out, 0, DLG_SIG_RECORD);
	memcpy(out, id, 16);
	memcpy(out + 16, s->nib, sizeof s->nib);
	out[144] = s->empty ? 0 : s->n_exact;
	out[145] = (uint8_t)split;
	for (size_t i = 0; !s->empty && i < s->n_exact && i < DLG_NEARDUP_EXACT; i++)
		dlg_nearwork__put32(out + 148 + 4 * i, s->exact[i]);
}

bool dlg_nearwork__decode(dlg_sig_record *out, const uint8_t in[DLG_SIG_RECORD],
			  const dlg_ctx *ctx)
{
	memset(out, 0, sizeof *out);
	memcpy(out->id, in, 16);
	memcpy(out->sig.nib, in + 16, sizeof out->sig.nib);
	out->sig.n_exact = in[144];
	out->sig.empty = in[144] == 0;
	out->split = in[145];
	for (size_t i = 0; i < DLG_NEARDUP_EXACT && i < out->sig.n_exact; i++)
		out->sig.exact[i] = dlg_nearwork__get32(in + 148 + 4 * i);
	return out->sig.n_exact <= DLG_NEARDUP_MANY && out->split < ctx->n_splits;
}

size_t dlg_nearwork__bands_dir(char *out, size_t cap, const char *work, unsigned band,
			       unsigned bands)
{
	int n = snprintf(out, cap, "%s/bands-%05u-of-%05u", work, band, bands);
	return n < 0 ? cap : (size_t)n;
}

size_t dlg_nearwork__clusters_dir(char *out, size_t cap, const char *work)
{
	int n = snprintf(out, cap, "%s/%s", work, DLG_CLUSTERS_DIR);
	return n < 0 ? cap : (size_t)n;
}

dlg_status dlg_nearwork__read(bool *got, dlg_readback *r, void *rec, size_t n, dlg_error *err)
{
	size_t k = fread(rec, 1, n, r->f);
	if (ferror(r->f))
		return dlg_error__io(err, errno, "read", r->path);
	dlg_sink__hash_update(r->sha, rec, k);
	*got = k == n;
	if (k != 0 && k != n)
		return dlg_error__set(err, DLG_E_IO, 0, "%s ends inside a record (run the step "
				      "that makes it again)", r->path);
	return DLG_OK;
}

dlg_status dlg_nearwork__made_from(const dlg_manifest_read *m, unsigned k, unsigned parts,
				   const char *part_sha256, const char *what, const char *redo,
				   dlg_error *err)
{
	if (m->parts_sha256.len != 64 * (size_t)parts)
		return dlg_error__set(err, DLG_E_IO, 0, "%s is stale: it was made from %zu parts, "
				      "the work directory holds %u (run %s again)", what,
				      m->parts_sha256.len / 64, parts, redo);
	if (memcmp(m->parts_sha256.data + 64 * (size_t)k, part_sha256, 64) != 0)
		return dlg_error__set(err, DLG_E_IO, 0, "%s is stale: part %u/%u is not the one "
				      "it was made from (run %s again)", what, k, parts, redo);
	return DLG_OK;
}

dlg_status dlg_nearwork__fates_open(dlg_fates *f, const dlg_ctx *ctx, const char *work,
				    dlg_error *err)
{
	char dir[4096];
	if (dlg_nearwork__clusters_dir(dir, sizeof dir, work) >= sizeof dir)
		return dlg_error__set(err, DLG_E_ARG, 0, "work directory path too long");
	DLG_TRY(dlg_workdir__read_checked(&f->m, ctx, dir, DLG_FATES_WHAT, DLG_FATES_REDO, err));
	DLG_TRY(dlg_workdir__readback_open(&f->fates, dir, DLG_FATES, err));
	return dlg_workdir__readback_open(&f->dropped, dir, DLG_DROPPED, err);
}

dlg_status dlg_nearwork__mismatch(const dlg_fates *f, dlg_error *err)
{
	return dlg_error__set(err, DLG_E_IO, 0, "%s does not match the parts (run %s again)",
			      f->fates.path, DLG_FATES_REDO);
}

dlg_status dlg_nearwork__next(uint8_t *fate, uint8_t kept[16], double *similarity, dlg_fates *f,
			      dlg_error *err)
{
	bool got;
	DLG_TRY(dlg_nearwork__read(&got, &f->fates, fate, 1, err));
	if (!got)
		return dlg_nearwork__mismatch(f, err);
	if (*fate != DLG_FATE_NEAR || !kept)
		return DLG_OK;
	uint8_t rec[DLG_DROPPED_RECORD];
	DLG_TRY(dlg_nearwork__read(&got, &f->dropped, rec, sizeof rec, err));
	if (!got)
		return dlg_nearwork__mismatch(f, err);
	memcpy(kept, rec, 16);
	uint64_t bits = (uint64_t)dlg_nearwork__get32(rec + 16) |
			(uint64_t)dlg_nearwork__get32(rec + 20) << 32;
	memcpy(similarity, &bits, sizeof bits);
	return DLG_OK;
}

dlg_status dlg_nearwork__fates_end(dlg_fates *f, bool dropped, dlg_error *err)
{
	if (fgetc(f->fates.f) != EOF || (dropped && fgetc(f->dropped.f) != EOF))
		return dlg_nearwork__mismatch(f, err);
	DLG_TRY(dlg_workdir__readback_check(&f->fates, dlg_workdir__listed(&f->m, DLG_FATES),
					    DLG_FATES_WHAT, DLG_FATES_REDO, err));
	if (!dropped)
		return DLG_OK;
	return dlg_workdir__readback_check(&f->dropped, dlg_workdir__listed(&f->m, DLG_DROPPED),
					   DLG_FATES_WHAT, DLG_FATES_REDO, err);
}

void dlg_nearwork__fates_dispose(dlg_fates *f)
{
	dlg_workdir__readback_close(&f->fates);
	dlg_workdir__readback_close(&f->dropped);
}

dlg_status dlg_nearwork__near_line(dlg_buf *out, const char *w307, const uint8_t kept[16],
				   double similarity, dlg_error *err)
{
	/* a '"' in a JSON string is escaped, so the key cannot be matched inside the source */
	static const char key[] = ",\"codes\":[\"W307\"],\"line\":";
	const char *at = strstr(w307, key);
	unsigned long long line;
	unsigned col;
	if (!at || sscanf(at + sizeof key - 1, "%llu,\"col\":%u,", &line, &col) != 2)
		return dlg_error__set(err, DLG_E_IO, 0, "a journal's W307 line is not one map "
				      "writes (run that part again)");
	char hex[33];
	dlg_split__hex(hex, kept);
	out->len = 0;
	DLG_TRY(dlg_buf__append(out, w307, (size_t)(at - w307), err));
	/* the message needs no JSON escape */
	DLG_TRY(dlg_buf__printf(out, err, ",\"codes\":[\"W321\"],\"line\":%llu,\"col\":%u,"
				"\"message\":\"" DLG_NEAR_DUP_MESSAGE "\"", line, col, hex,
				similarity));
	return dlg_buf__printf(out, err, ",\"near_duplicate_of\":\"%s\",\"similarity\":%.4f}\n",
			       hex, similarity);
}
