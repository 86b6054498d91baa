/*
 * intake.c - handing out the inputs as items (intake.h). Text files named as such are read
 * later by the step, in parallel; anything else is opened here, in order, so that its chunks
 * come out in order, and is told by its content. Uses buf.c, error.c, input.c and jsonread.c.
 */
#include "intake.h"
#include "buf.h"
#include "ctx.h"
#include "discover.h"
#include "input.h"
#include "jsondoc.h"
#include "step.h"

#include <string.h>

/* JSON lines are handed out this many at a time (or about this many bytes). */
#define CHUNK_LINES 256
#define CHUNK_BYTES ((size_t)1 << 20)

void dlg_intake__init(dlg_intake *in, const dlg_ctx *ctx, const dlg_inputs *inputs,
		      size_t first, size_t end)
{
	memset(in, 0, sizeof *in);
	in->ctx = ctx;
	in->inputs = inputs;
	in->next = first;
	in->end = end;
	dlg_buf__init(&in->doc, ctx->alloc, DLG_BUF_UNCAPPED);
}

void dlg_intake__dispose(dlg_intake *in)
{
	if (in->open) {
		dlg_input__close(&in->reader);
		dlg_buf__dispose(&in->doc);
	}
}

bool dlg_intake__done(const dlg_intake *in)
{
	return in->next == in->end && !in->open;
}

uint64_t dlg_intake__next_cost(const dlg_intake *in)
{
	return in->open ? CHUNK_BYTES : in->inputs->items[in->next].size;
}

/*
 * A bound, so that a bug can only fail with DLG_E_LIMIT, never grow without end. The buffers
 * a conversation is processed in grow with it, by factors that depend on its shape (a turn
 * per ':', a stage direction per '*'): they are bounded through it, by the input limit and
 * the run's memory budget, which counts them (dlg_step__cost).
 */
size_t dlg_intake__data_cap(const dlg_options *o)
{
	uint64_t limit = o->max_input_bytes;
	return limit && limit < SIZE_MAX / 2 ? (size_t)limit + 2 * CHUNK_BYTES : DLG_BUF_UNCAPPED;
}

/* The first byte that is not JSON white space, or '\0'. */
static char first_byte(const dlg_buf *b)
{
	size_t lead = 0;
	while (lead < b->len && strchr(" \t\r\n", b->data[lead]) && b->data[lead])
		lead++;
	return lead < b->len ? b->data[lead] : '\0';
}

/* The next chunk of the open input into `it`; closes the input after its last. */
static dlg_status next_chunk(dlg_intake *in, dlg_item *it, uint64_t *cost, dlg_error *err)
{
	it->kind = DLG_ITEM_LINES;
	it->input = in->input;
	it->first_of_input = in->first;
	it->first_record = in->next_record;
	it->by_index = in->from_doc;
	it->content_note = in->first ? in->content_note : NULL;
	in->first = false;
	bool done;
	if (in->from_doc) {
		/* the document's next records, as lines */
		size_t lines;
		it->data.len = 0;
		DLG_TRY(dlg_jsondoc__lines(&in->jsondoc, &it->data, CHUNK_LINES, CHUNK_BYTES,
					   &lines, err));
		in->next_record += lines;
		done = in->jsondoc.done;
	} else {
		DLG_TRY(dlg_input__read_lines(&in->reader, &it->data, CHUNK_BYTES, CHUNK_LINES,
					      err));
		/* by memchr: a chunk can be one line of hundreds of megabytes */
		const char *end = it->data.data + it->data.len;
		/* an empty chunk (an empty file) has no buffer at all: memchr takes no NULL */
		for (const char *nl = it->data.len ? memchr(it->data.data, '\n', it->data.len) :
						     NULL;
		     nl; nl = memchr(nl + 1, '\n', (size_t)(end - nl - 1)))
			in->next_record++;
		if (it->data.len && it->data.data[it->data.len - 1] != '\n')
			in->next_record++;
		done = in->reader.done;
	}
	/* what it holds until the step counts its cost (a line may be hundreds of MB) */
	*cost = it->data.len;
	/* a file of white space holds no record: said as for any empty file (E201), once */
	in->seen_text |= first_byte(&it->data) != '\0';
	if (done && !in->seen_text)
		it->kind = DLG_ITEM_TEXT;
	if (done) {
		dlg_input__close(&in->reader);
		dlg_buf__dispose(&in->doc);
		in->open = false;
	}
	return DLG_OK;
}

/* A whole input read into it->data: a transcript, JSON lines, or a document to turn into
 * lines. */
static dlg_status whole(dlg_intake *in, dlg_item *it, dlg_input_format format, uint64_t *cost,
			dlg_error *err)
{
	*cost = it->data.len; /* read already: stdin's size was not known */
	char first = first_byte(&it->data);
	/* an empty file, or one of white space, is one finding whatever its name (E201) */
	if (first == '\0' || (format == DLG_INPUT_UNKNOWN && first != '{' && first != '[')) {
		it->kind = DLG_ITEM_TEXT;
		return DLG_OK;
	}
	if (format == DLG_INPUT_UNKNOWN && first == '{') {
		/* JSON lines after more than a chunk of blank lines: already in memory */
		it->kind = DLG_ITEM_LINES;
		it->first_record = 1;
		it->by_index = false;
		return DLG_OK;
	}
	bool json_lines;
	dlg_jsondoc__open(&in->jsondoc, &it->bad_code, &it->bad_off, &it->bad_msg, &json_lines,
			  it->data.data, it->data.len);
	if (it->bad_code || json_lines) {
		/* a .jsonl file that is not one JSON array after all (`[1]` on its first line,
		 * records after it) is what its name says, with a finding per bad line */
		bool lines = json_lines || format == DLG_INPUT_JSONL;
		it->kind = lines ? DLG_ITEM_LINES : DLG_ITEM_BAD_JSON;
		it->first_record = 1;
		it->by_index = false;
		if (json_lines)
			it->content_note = "the file holds JSON lines, not one JSON document: read "
					   "line by line";
		return DLG_OK;
	}
	/* the document's bytes stay with the intake, read by the chunks */
	dlg_buf bytes = it->data;
	it->data = in->doc;
	it->data.max = bytes.max;
	in->doc = bytes;
	in->doc.max = DLG_BUF_UNCAPPED;
	in->open = true;
	in->from_doc = true;
	return next_chunk(in, it, cost, err);
}

dlg_status dlg_intake__next(dlg_intake *in, dlg_item *it, uint64_t *cost, dlg_error *err)
{
	if (in->open)
		return next_chunk(in, it, cost, err);
	size_t index = in->next++;
	const dlg_input *input = &in->inputs->items[index];
	it->input = index;
	*cost = input->size;
	it->first_of_input = true;
	it->content_note = NULL;
	dlg_input_format format = dlg_input__format_by_name(input->path);
	if (format == DLG_INPUT_TEXT && strcmp(input->path, "-") != 0) {
		it->kind = DLG_ITEM_FILE;
		return DLG_OK;
	}
	/* from here the intake owns the reader, and closing it is dlg_intake__dispose's on
	 * failure */
	in->open = true;
	DLG_TRY(dlg_input__open(&in->reader, input->path, in->ctx->opts, err));
	in->input = index;
	in->first = true;
	in->seen_text = false;
	in->next_record = 1;
	in->from_doc = false;
	in->content_note = NULL;
	if (format == DLG_INPUT_UNKNOWN || format == DLG_INPUT_JSONL) {
		/* the content decides: JSON lines (first non-blank byte '{', or anything but '['
		 * in a .jsonl file) are streamed, so memory is bounded by a line, not by the
		 * whole input; a .jsonl file holding one JSON array is read as a document */
		DLG_TRY(dlg_input__read_lines(&in->reader, &it->data, CHUNK_BYTES, CHUNK_LINES,
					      err));
		char first = first_byte(&it->data);
		DLG_TRY(dlg_input__unread(&in->reader, &it->data, err));
		if (format == DLG_INPUT_JSONL && first == '[')
			in->content_note = "the file holds one JSON array, not JSON lines: read as "
					   "a JSON document";
		else if (format == DLG_INPUT_JSONL || first == '{')
			return next_chunk(in, it, cost, err);
	}
	/* a transcript or a whole document: read it all now */
	DLG_TRY(dlg_input__read_all(&in->reader, &it->data, err));
	dlg_input__close(&in->reader);
	in->open = false;
	return whole(in, it, format, cost, err);
}
