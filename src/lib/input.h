/*
 * input.h - reading an input (input.c): plain or gzip, whole or by lines, converted to
 * UTF-8; and the format its name says.
 */
#ifndef DLG_INPUT_H
#define DLG_INPUT_H

#include "internal.h"
#include "buf.h"

#include <signal.h>

typedef enum dlg_input_format {
	DLG_INPUT_UNKNOWN = 0, /* told from the content: '{' JSONL, '[' JSON, else text */
	DLG_INPUT_TEXT,
	DLG_INPUT_JSONL,
	DLG_INPUT_JSON
} dlg_input_format;

/** The format a path's name says (a ".gz" ending is looked through). */
dlg_input_format dlg_input__format_by_name(const char *path);

/** An open input: plain or gzip (by magic bytes), read whole or by lines, as UTF-8. */
typedef struct dlg_reader {
	const char *path; /* borrowed */
	int fd;
	bool is_stdin;
	bool gz;
	void *z;          /* z_stream * */
	bool in_member;   /* inside a gzip member: its end must come before the file's */
	void *conv;       /* --input-encoding's converter to UTF-8 (input.c), NULL for UTF-8 */
	dlg_buf raw;      /* bytes read, not yet consumed */
	size_t raw_pos;
	bool raw_eof;
	bool eof;         /* nothing more to produce */
	bool by_line;     /* the limit applies to each line rather than the whole */
	bool done;        /* read_lines: everything handed out */
	dlg_buf carry;    /* read past the last whole line handed out */
	uint64_t total;   /* bytes produced */
	uint64_t limit;
	const volatile sig_atomic_t *cancel;
} dlg_reader;

/** DLG_E_ARG when o->input_encoding is a name iconv does not know; reads nothing. */
dlg_status dlg_input__check_encoding(const dlg_options *o, dlg_error *err) DLG_WUR;
/** Open `path` ("-" for stdin); call dlg_input__close afterwards even when this fails. */
dlg_status dlg_input__open(dlg_reader *rd, const char *path, const dlg_options *o,
			   dlg_error *err) DLG_WUR;
/** The whole (decompressed) input into `out`. */
dlg_status dlg_input__read_all(dlg_reader *rd, dlg_buf *out, dlg_error *err) DLG_WUR;
/** A whole (decompressed) file into `out`: open, read_all and close in one. */
dlg_status dlg_input__read_file(dlg_buf *out, const char *path, const dlg_options *o,
				dlg_error *err) DLG_WUR;
/** The next whole lines, at most `max_lines` or about `max_bytes`, into `out` (the last
 * line of the input may lack its newline); rd->done after the last. */
dlg_status dlg_input__read_lines(dlg_reader *rd, dlg_buf *out, size_t max_bytes,
				 size_t max_lines, dlg_error *err) DLG_WUR;
/** Give back what read_lines handed out (all of it, in `chunk`, which is left empty): the
 * next read starts with it. For telling a stream's format from its first lines. */
dlg_status dlg_input__unread(dlg_reader *rd, dlg_buf *chunk, dlg_error *err) DLG_WUR;
void dlg_input__close(dlg_reader *rd);

#endif
