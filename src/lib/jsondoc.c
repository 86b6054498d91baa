/*
 * jsondoc.c - a .json document handed out as JSON lines (jsondoc.h). The document is read
 * through once to find whether it is valid, and where not, before any record is handed
 * out (a document that does not parse is one finding and no record, as it always was);
 * each record is then copied out when its chunk is asked for. Neither pass builds the
 * document's tree: a 200 MB array of records took a 2 GB cJSON tree. Uses buf.c,
 * jsonscan.c, shape.c and cJSON (for one record at a time, when it is not strict JSON).
 */
#include "jsondoc.h"
#include "buf.h"
#include "error.h"
#include "jsonscan.h"
#include "shape.h"

#include <cjson/cJSON.h>
#include <string.h>

/* How a value was read: strictly, or by cJSON alone (a text Python's json would refuse). */
typedef enum { VALUE_STRICT, VALUE_LENIENT, VALUE_BAD } value_kind;

/*
 * The value at p[from] read: *end is past it, or for VALUE_BAD where cJSON stopped (the
 * offset it gives for the whole document, which reads the value the same way). When `tree`
 * is non-NULL it gets the value's tree (the caller deletes it), or NULL when out of memory.
 */
static value_kind read_value(const char *p, size_t n, size_t from, size_t *end, cJSON **tree)
{
	/* a byte-order mark is white space only at the document's start; cJSON would skip it
	 * at the start of each value it is given */
	if (n - from >= 3 && memcmp(p + from, "\xEF\xBB\xBF", 3) == 0) {
		*end = from;
		return VALUE_BAD;
	}
	dlg_jsonscan s = { p, n, from, NULL, DLG_OK, NULL };
	bool strict = dlg_jsonscan__value(&s, 0, NULL);
	if (strict && !tree) {
		*end = s.i;
		return VALUE_STRICT;
	}
	const char *stop = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(p + from, n - from, &stop, 0);
	*end = stop ? (size_t)(stop - p) : from;
	if (strict)
		*end = s.i; /* the tree's own end is cJSON's, the same */
	if (!root && !strict)
		return VALUE_BAD;
	if (tree)
		*tree = root;
	else
		cJSON_Delete(root);
	return strict ? VALUE_STRICT : VALUE_LENIENT;
}

/* Where cJSON says a document failed at offset `at`: at its last byte past the end. */
static size_t failure_at(size_t at, size_t n)
{
	return at < n || n == 0 ? at : n - 1;
}

/* The elements of the array whose '[' is at p[open]: each read; *end past its ']'. */
static bool read_array(dlg_jsondoc *d, size_t open, size_t *end, size_t *bad)
{
	const char *p = d->p;
	size_t n = d->n, at = dlg_jsonscan__skip_cjson_space(p, n, open + 1);
	bool messages = at < n && p[at] != ']';
	if (at < n && p[at] == ']') {
		d->done = true;
		*end = at + 1;
		return true;
	}
	for (;;) {
		size_t after;
		cJSON *tree = NULL;
		/* an array of messages (every element a message) is one conversation: whether
		 * it is asks for the tree of each element until one is not */
		value_kind kind = read_value(p, n, at, &after, messages ? &tree : NULL);
		if (kind == VALUE_BAD) {
			*bad = failure_at(after, n);
			return false;
		}
		/* no tree (no memory, or nested past cJSON's limit): no message */
		messages = messages && tree && dlg_shape__is_message(tree);
		cJSON_Delete(tree);
		at = dlg_jsonscan__skip_cjson_space(p, n, after);
		if (at < n && p[at] == ']')
			break;
		if (at >= n || p[at] != ',') {
			*bad = failure_at(at, n);
			return false;
		}
		at = dlg_jsonscan__skip_cjson_space(p, n, at + 1);
	}
	d->one_conversation = messages;
	*end = at + 1;
	return true;
}

void dlg_jsondoc__open(dlg_jsondoc *d, dlg_diag_code *bad_code, size_t *bad_off,
		       const char **bad_msg, bool *json_lines, const char *p, size_t n)
{
	*d = (dlg_jsondoc){ p, n, 0, false, false, false };
	*bad_code = 0;
	*json_lines = false;
	/* a NUL would end a string in the tree, silently: binary data, as for any file */
	const char *nul = memchr(p, '\0', n);
	if (nul) {
		*bad_code = DLG_DIAG_BINARY;
		*bad_off = (size_t)(nul - p);
		*bad_msg = "NUL byte: binary data, not JSON";
		return;
	}
	if ((*bad_off = dlg_jsonscan__escaped_nul(p, n)) != SIZE_MAX) {
		*bad_code = DLG_DIAG_BINARY;
		*bad_msg = "NUL character (\\u0000) in a JSON string: remove it, or the text "
			   "after it would be lost";
		return;
	}
	*bad_msg = "not valid JSON here; a .json input holds one array of records";
	size_t lead = dlg_jsonscan__skip_cjson_space(p, n, 0), end;
	d->array = lead < n && p[lead] == '[';
	bool valid = d->array ? read_array(d, lead, &end, bad_off) :
				read_value(p, n, lead, &end, NULL) != VALUE_BAD;
	if (!valid) {
		*bad_code = DLG_DIAG_INVALID_JSON;
		*bad_off = d->array ? *bad_off : failure_at(end, n);
		return;
	}
	size_t rest = dlg_jsonscan__skip_cjson_space(p, n, end);
	if (rest < n) {
		/* an object on its line and another after it: JSON lines, whatever the name says
		 * (cJSON alone would read the first record and drop the rest unsaid) */
		*json_lines = p[lead] == '{' && !memchr(p + lead, '\n', end - lead) &&
			      p[rest] == '{';
		if (!*json_lines) {
			*bad_code = DLG_DIAG_INVALID_JSON;
			*bad_off = rest;
		}
		return;
	}
	d->array = d->array && !d->one_conversation;
	d->at = d->array ? lead + 1 : lead;
}

/* The value at p[from] copied into out: as written without white space when strict, else
 * printed again by cJSON; *end past it. */
static dlg_status copy_value(const char *p, size_t n, size_t from, size_t *end, dlg_buf *out,
			     dlg_error *err)
{
	size_t before = out->len;
	dlg_jsonscan s = { p, n, from, out, DLG_OK, err };
	bool strict = dlg_jsonscan__value(&s, 0, NULL);
	DLG_TRY(s.status);
	if (strict) {
		*end = s.i;
		return DLG_OK;
	}
	out->len = before;
	cJSON *tree = NULL;
	if (read_value(p, n, from, end, &tree) == VALUE_BAD || !tree)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory (JSON)");
	char *line = cJSON_PrintUnformatted(tree);
	cJSON_Delete(tree);
	dlg_status st = line ? dlg_buf__append(out, line, strlen(line), err) :
			       dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory (JSON)");
	cJSON_free(line);
	return st;
}

dlg_status dlg_jsondoc__lines(dlg_jsondoc *d, dlg_buf *out, size_t max_lines, size_t max_bytes,
			      size_t *lines, dlg_error *err)
{
	size_t start = out->len;
	*lines = 0;
	while (!d->done && *lines < max_lines && out->len - start < max_bytes) {
		size_t at = dlg_jsonscan__skip_cjson_space(d->p, d->n, d->at), end;
		/* a file that is one array of messages is one record, its messages */
		if (d->one_conversation)
			DLG_TRY(dlg_buf__append(out, "{\"messages\":", 12, err));
		DLG_TRY(copy_value(d->p, d->n, at, &end, out, err));
		if (d->one_conversation)
			DLG_TRY(dlg_buf__putc(out, '}', err));
		DLG_TRY(dlg_buf__putc(out, '\n', err));
		++*lines;
		/* past the ',' to the next record, or the ']' ends the document */
		at = dlg_jsonscan__skip_cjson_space(d->p, d->n, end);
		d->at = at + 1;
		d->done = !d->array || d->p[at] == ']';
	}
	return DLG_OK;
}
