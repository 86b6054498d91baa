/*
 * input.c - reading inputs: files or stdin, gzip-compressed or not (told by the magic
 * bytes, not the name), converted to UTF-8 from --input-encoding, whole or as chunks of
 * complete lines, with a cap on how much a file or one line may decompress (and convert)
 * to. zlib and iconv are confined to this file. Uses buf.c, error.c, encoding.c.
 */
#define _POSIX_C_SOURCE 200809L
#include "input.h"
#include "buf.h"
#include "encoding.h"
#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define READ_CHUNK ((size_t)1 << 16)
/* Room past what a conversion asks for: more than any one input character of an iconv
 * charset (some make two or three code points of one) takes in UTF-8, so a step that has
 * not reached what was asked for always has room for the next character. */
#define CONV_SLACK 64

/* The --input-encoding converter, between decompression and the consumer. */
typedef struct converter {
	iconv_t cd;
	dlg_buf in;          /* decompressed bytes not converted yet (at most a chunk and a tail) */
	size_t pos;
	bool in_eof;         /* no more decompressed bytes */
	bool need_more;      /* in[pos..] starts a sequence that the next chunk completes */
	bool rejected;       /* in[pos] is a byte the encoding rejects */
	bool after_raw_lead; /* the last byte out was a rejected byte 0xC2-0xF4 (a UTF-8 lead) */
} converter;

static bool ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

dlg_input_format dlg_input__format_by_name(const char *path)
{
	size_t n = strlen(path);
	if (ends_with(path, n, ".gz"))
		n -= 3;
	if (ends_with(path, n, ".txt") || ends_with(path, n, ".md"))
		return DLG_INPUT_TEXT;
	if (ends_with(path, n, ".jsonl"))
		return DLG_INPUT_JSONL;
	if (ends_with(path, n, ".json"))
		return DLG_INPUT_JSON;
	return DLG_INPUT_UNKNOWN;
}

/* One read of at most `cap` bytes into dst, *got of them; rd->raw_eof when there are no
 * more. */
static dlg_status read_some(dlg_reader *rd, char *dst, size_t cap, size_t *got, dlg_error *err)
{
	for (;;) {
		if (rd->cancel && *rd->cancel) /* a signal that came between two reads */
			return dlg_error__set(err, DLG_E_CANCELED, 0, "interrupted");
		ssize_t n = read(rd->fd, dst, cap);
		if (n < 0 && errno == EINTR && rd->cancel && *rd->cancel)
			return dlg_error__set(err, DLG_E_CANCELED, 0, "interrupted");
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return dlg_error__io(err, errno, "read", rd->path);
		rd->raw_eof = n == 0;
		*got = (size_t)n;
		return DLG_OK;
	}
}

/* Raw bytes from the file into rd->raw (appending). */
static dlg_status fill_raw(dlg_reader *rd, dlg_error *err)
{
	DLG_TRY(dlg_buf__reserve(&rd->raw, READ_CHUNK, err));
	size_t got;
	DLG_TRY(read_some(rd, rd->raw.data + rd->raw.len, rd->raw.cap - rd->raw.len, &got, err));
	rd->raw.len += got;
	return DLG_OK;
}

/* The converter from `name`, or a usage error for a name iconv does not know. */
static dlg_status open_iconv(iconv_t *out, const char *name, dlg_error *err)
{
	/* "" would be the locale's charset: the output must not depend on the locale */
	*out = *name ? iconv_open("UTF-8", name) : (iconv_t)-1;
	if (*out != (iconv_t)-1)
		return DLG_OK;
	if (*name && errno == ENOMEM)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	return dlg_error__set(err, DLG_E_ARG, 0, "unknown option input-encoding '%s'", name);
}

dlg_status dlg_input__check_encoding(const dlg_options *o, dlg_error *err)
{
	if (dlg_encoding__is_utf8(o->input_encoding))
		return DLG_OK;
	iconv_t cd;
	DLG_TRY(open_iconv(&cd, o->input_encoding, err));
	iconv_close(cd);
	return DLG_OK;
}

/* zlib's state (about 7 KiB) and its 32 KiB window go through the run's allocator too. */
static voidpf z_alloc(voidpf opaque, uInt items, uInt size)
{
	return dlg_mem__alloc(opaque, (size_t)items * size);
}

static void z_free(voidpf opaque, voidpf address)
{
	dlg_mem__free(opaque, address);
}

dlg_status dlg_input__open(dlg_reader *rd, const char *path, const dlg_options *o,
			   dlg_error *err)
{
	memset(rd, 0, sizeof *rd);
	rd->path = path;
	rd->cancel = o->cancel;
	rd->limit = o->max_input_bytes ? o->max_input_bytes : UINT64_MAX;
	dlg_buf__init(&rd->raw, o->allocator, DLG_BUF_UNCAPPED);
	dlg_buf__init(&rd->carry, o->allocator, DLG_BUF_UNCAPPED);
	rd->is_stdin = strcmp(path, "-") == 0;
	rd->fd = rd->is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (rd->fd < 0)
		return dlg_error__io(err, errno, "open", path);
	/* enough to see the gzip magic (or the end of a tiny file) */
	while (rd->raw.len < 2 && !rd->raw_eof)
		DLG_TRY(fill_raw(rd, err));
	rd->gz = rd->raw.len >= 2 && (uint8_t)rd->raw.data[0] == 0x1f &&
		 (uint8_t)rd->raw.data[1] == 0x8b;
	if (rd->gz) {
		z_stream *z = dlg_mem__alloc(o->allocator, sizeof *z);
		if (!z)
			return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
		memset(z, 0, sizeof *z);
		z->zalloc = z_alloc;
		z->zfree = z_free;
		z->opaque = (voidpf)o->allocator;
		int zr = inflateInit2(z, 15 + 32);
		if (zr != Z_OK) {
			dlg_mem__free(o->allocator, z);
			if (zr == Z_MEM_ERROR)
				return dlg_error__set(err, DLG_E_NOMEM, 0,
						      "out of memory (gzip reader)");
			return dlg_error__set(err, DLG_E_ZLIB, 0, "cannot start gzip reader");
		}
		rd->z = z;
	}
	/* UTF-8 itself is read as it is: no converter, no cost */
	if (!dlg_encoding__is_utf8(o->input_encoding)) {
		converter *c = dlg_mem__alloc(o->allocator, sizeof *c);
		if (!c)
			return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
		memset(c, 0, sizeof *c);
		dlg_buf__init(&c->in, o->allocator, DLG_BUF_UNCAPPED);
		dlg_status st = open_iconv(&c->cd, o->input_encoding, err);
		if (st != DLG_OK) {
			dlg_mem__free(o->allocator, c);
			return st;
		}
		rd->conv = c;
	}
	return DLG_OK;
}

/*
 * Append up to `want` more decompressed (or plain) bytes to `out`; sets *eof at the end of
 * the file.
 */
static dlg_status decompress(dlg_reader *rd, dlg_buf *out, size_t want, bool *eof,
			     dlg_error *err)
{
	DLG_TRY(dlg_buf__reserve(out, want, err));
	size_t before = out->len;
	while (out->len - before < want && !*eof) {
		if (rd->raw_pos == rd->raw.len) {
			if (rd->raw_eof) {
				if (rd->gz && rd->in_member)
					return dlg_error__set(err, DLG_E_ZLIB, 0,
							      "'%s': gzip data ends early",
							      rd->path);
				*eof = true;
				break;
			}
			rd->raw.len = rd->raw_pos = 0;
			if (rd->gz) {
				DLG_TRY(fill_raw(rd, err));
				continue;
			}
			/* a plain file is read straight into `out`, not into raw to be copied */
			size_t got;
			size_t room = want - (out->len - before);
			DLG_TRY(read_some(rd, out->data + out->len, room, &got, err));
			out->len += got;
			continue;
		}
		if (!rd->gz) {
			size_t n = rd->raw.len - rd->raw_pos;
			if (n > want - (out->len - before))
				n = want - (out->len - before);
			memcpy(out->data + out->len, rd->raw.data + rd->raw_pos, n);
			out->len += n;
			rd->raw_pos += n;
			continue;
		}
		z_stream *z = rd->z;
		z->next_in = (Bytef *)rd->raw.data + rd->raw_pos;
		z->avail_in = (uInt)(rd->raw.len - rd->raw_pos);
		z->next_out = (Bytef *)out->data + out->len;
		z->avail_out = (uInt)(want - (out->len - before));
		int zr = inflate(z, Z_NO_FLUSH);
		rd->raw_pos = rd->raw.len - z->avail_in;
		out->len = (size_t)((char *)z->next_out - out->data);
		rd->in_member = zr != Z_STREAM_END;
		if (zr == Z_STREAM_END) {
			inflateReset(z); /* a following member continues the stream */
		} else if (zr == Z_MEM_ERROR) {
			/* the first inflate() allocates the window: the allocator said no */
			return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory (gzip window)");
		} else if (zr != Z_OK && zr != Z_BUF_ERROR) {
			return dlg_error__set(err, DLG_E_ZLIB, 0, "'%s': bad gzip data (%s)",
					      rd->path, z->msg ? z->msg : "inflate failed");
		}
	}
	return DLG_OK;
}

/*
 * A byte the input encoding rejects (iconv's EILSEQ, or a sequence the end of the file cuts
 * short) goes out unchanged, and conversion goes on after it. It then stands in UTF-8 text,
 * where the byte check every input gets anyway reports it as E101 at its line and column:
 * only the conversation or JSON record holding it is rejected (a stream keeps its other
 * records, as without --input-encoding), and no second error path is needed above this
 * file. Failing the whole read instead would stop the run over one bad byte.
 *
 * So that the check cannot miss it, what goes out must not read as valid UTF-8. A byte
 * 0x80-0xBF, 0xC0, 0xC1 or 0xF5-0xFF never does, and one 0xC2-0xF4 is a lead byte that
 * converted text after it never completes (that starts with ASCII or a lead byte); only
 * more rejected bytes could, so a rejected continuation byte right after a rejected lead
 * byte is dropped: its record is rejected at the lead byte anyway. That covers the
 * single-byte charsets this option is for (cp1252's five undefined bytes are all 0x81-0x9D).
 * An ASCII byte is rejected only by wide or stateful encodings (half of a UTF-16 unpaired
 * surrogate): as itself it would read as text, so 0xFF stands in for it.
 */
static void pass_rejected(converter *c, dlg_buf *out)
{
	uint8_t b = (uint8_t)c->in.data[c->pos++];
	if (c->after_raw_lead && b >= 0x80 && b <= 0xBF)
		return;
	out->data[out->len++] = (char)(b >= 0x80 ? b : 0xFF);
	c->after_raw_lead = b >= 0xC2 && b <= 0xF4;
}

/*
 * Append about `want` (at most want + CONV_SLACK) more bytes of UTF-8 converted from the
 * input encoding to `out`; sets rd->eof at the end. Decompressed bytes come in chunks, so
 * memory stays one chunk beyond what the caller holds.
 */
static dlg_status convert(dlg_reader *rd, dlg_buf *out, size_t want, dlg_error *err)
{
	converter *c = rd->conv;
	DLG_TRY(dlg_buf__reserve(out, want + CONV_SLACK, err));
	size_t stop = out->len + want, room_end = stop + CONV_SLACK;
	while (out->len < stop && !rd->eof) {
		if (c->rejected) {
			pass_rejected(c, out);
			c->rejected = false;
			continue;
		}
		if (c->pos == c->in.len || c->need_more) {
			if (!c->in_eof) {
				/* keep a sequence the chunk cut in two for the next chunk (the
				 * first time, there is no buffer yet: pos is 0) */
				if (c->pos > 0)
					memmove(c->in.data, c->in.data + c->pos,
						c->in.len - c->pos);
				c->in.len -= c->pos;
				c->pos = 0;
				c->need_more = false;
				DLG_TRY(decompress(rd, &c->in, READ_CHUNK, &c->in_eof, err));
				continue;
			}
			if (c->pos < c->in.len) {
				/* the file ends inside a sequence: its bytes are rejected ones */
				c->rejected = true;
				c->need_more = false;
				continue;
			}
			/* a stateful encoding may still owe the bytes that end its shift state */
			char *o = out->data + out->len;
			size_t o_left = room_end - out->len;
			iconv(c->cd, NULL, NULL, &o, &o_left);
			out->len = (size_t)(o - out->data);
			rd->eof = true;
			break;
		}
		char *in = c->in.data + c->pos;
		size_t in_left = c->in.len - c->pos;
		char *o = out->data + out->len;
		size_t o_left = room_end - out->len;
		errno = 0;
		size_t r = iconv(c->cd, &in, &in_left, &o, &o_left);
		int e = errno;
		if (o != out->data + out->len)
			c->after_raw_lead = false;
		out->len = (size_t)(o - out->data);
		c->pos = (size_t)(in - c->in.data);
		if (r != (size_t)-1)
			continue;
		if (e == EILSEQ)
			c->rejected = true;
		else if (e == EINVAL)
			c->need_more = true;
		else if (e != E2BIG || out->len < stop) /* see CONV_SLACK */
			return dlg_error__set(err, DLG_E_INTERNAL, e,
					      "'%s': iconv failed converting to UTF-8", rd->path);
	}
	return DLG_OK;
}

/*
 * Append about `want` more bytes of the input (decompressed, in UTF-8) to `out`; sets
 * rd->eof at the end. Whole reads fail with DLG_E_LIMIT once the input passes rd->limit
 * bytes (counted after conversion: they are what is held in memory).
 */
static dlg_status produce(dlg_reader *rd, dlg_buf *out, size_t want, dlg_error *err)
{
	if (!rd->by_line && rd->total + want > rd->limit)
		want = (size_t)(rd->limit - rd->total) + 1; /* one past the limit tells */
	size_t before = out->len;
	if (rd->conv)
		DLG_TRY(convert(rd, out, want, err));
	else
		DLG_TRY(decompress(rd, out, want, &rd->eof, err));
	rd->total += out->len - before;
	if (!rd->by_line && rd->total > rd->limit)
		return dlg_error__set(err, DLG_E_LIMIT, 0,
				      "'%s' is larger than the input limit of %llu bytes "
				      "(option max-input-bytes)%s", rd->path,
				      (unsigned long long)rd->limit,
				      rd->gz ? " once decompressed" : "");
	return DLG_OK;
}

dlg_status dlg_input__read_all(dlg_reader *rd, dlg_buf *out, dlg_error *err)
{
	/* what was read by lines and given back (dlg_input__unread) comes first */
	out->len = 0;
	DLG_TRY(dlg_buf__append(out, rd->carry.data, rd->carry.len, err));
	rd->carry.len = 0;
	rd->by_line = false; /* the limit is on the whole again */
	struct stat st;
	size_t chunk = READ_CHUNK;
	/* one read for a plain file whose size is known (bench/NOTES.md: reads add up) */
	if (!rd->gz && fstat(rd->fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
		chunk = (size_t)st.st_size + 1;
	while (!rd->eof)
		DLG_TRY(produce(rd, out, chunk, err));
	return DLG_OK;
}

dlg_status dlg_input__read_file(dlg_buf *out, const char *path, const dlg_options *o,
				dlg_error *err)
{
	dlg_reader rd;
	dlg_status st = dlg_input__open(&rd, path, o, err);
	if (st == DLG_OK)
		st = dlg_input__read_all(&rd, out, err);
	dlg_input__close(&rd);
	return st;
}

dlg_status dlg_input__read_lines(dlg_reader *rd, dlg_buf *out, size_t max_bytes,
				 size_t max_lines, dlg_error *err)
{
	out->len = 0;
	rd->by_line = true; /* a stream may be long; only a line must fit in memory */
	size_t lines = 0, scanned = 0;
	size_t searched = 0; /* no newline before this: a long line is not searched again */
	/* carry over what the last call read past its last line */
	DLG_TRY(dlg_buf__append(out, rd->carry.data, rd->carry.len, err));
	rd->carry.len = 0;
	for (;;) {
		const char *nl;
		while (lines < max_lines && searched < out->len &&
		       (nl = memchr(out->data + searched, '\n', out->len - searched)) != NULL) {
			scanned = searched = (size_t)(nl - out->data) + 1;
			lines++;
			if (scanned >= max_bytes)
				lines = max_lines;
		}
		if (lines < max_lines)
			searched = out->len;
		if (lines == max_lines || rd->eof)
			break;
		if (out->len - scanned > rd->limit)
			return dlg_error__set(err, DLG_E_LIMIT, 0,
					      "'%s' has a line longer than the input limit of %llu "
					      "bytes (option max-input-bytes)", rd->path,
					      (unsigned long long)rd->limit);
		DLG_TRY(produce(rd, out, READ_CHUNK, err));
	}
	if (lines == max_lines && scanned < out->len) {
		DLG_TRY(dlg_buf__append(&rd->carry, out->data + scanned, out->len - scanned, err));
		out->len = scanned;
	}
	rd->done = rd->eof && rd->carry.len == 0;
	return DLG_OK;
}

dlg_status dlg_input__unread(dlg_reader *rd, dlg_buf *chunk, dlg_error *err)
{
	DLG_TRY(dlg_buf__append(chunk, rd->carry.data, rd->carry.len, err));
	dlg_buf swap = rd->carry;
	rd->carry = *chunk;
	*chunk = swap;
	chunk->len = 0;
	rd->done = false;
	return DLG_OK;
}

void dlg_input__close(dlg_reader *rd)
{
	if (rd->z) {
		inflateEnd(rd->z);
		dlg_mem__free(rd->raw.alloc, rd->z);
		rd->z = NULL;
	}
	converter *c = rd->conv;
	if (c) {
		iconv_close(c->cd);
		dlg_buf__dispose(&c->in);
		dlg_mem__free(rd->raw.alloc, c);
		rd->conv = NULL;
	}
	if (rd->fd >= 0 && !rd->is_stdin)
		close(rd->fd);
	rd->fd = -1;
	dlg_buf__dispose(&rd->raw);
	dlg_buf__dispose(&rd->carry);
}
