/*
 * jsonparse.c - cJSON's reading of one JSON record, which a run can stop (jsonparse.h).
 * cJSON reads a text in one call, 2-3 ms a megabyte (more with escapes): a 64 MiB message
 * held a run that was asked to stop for a quarter of a second. So a record's string values
 * of more than PIECE bytes are read apart: cJSON reads the record with each of them left
 * empty, then each in pieces cut between two escapes (a surrogate pair kept whole), each
 * piece a JSON string of its own; the pieces' text is joined into the value the tree holds.
 * The tree, and where a text that is not JSON fails, are cJSON's own for the whole: a piece
 * fails where the whole string would, and the first failure in the text is the one given.
 * A record of millions of short values is still one call. Uses buf.c, error.c and cJSON.
 */
#include "jsonparse.h"
#include "buf.h"
#include "error.h"
#include "unit.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

/* A string value longer than this is read in pieces of about this size. */
#define PIECE DLG_CANCEL_STRIDE

/* A long string value: its quotes at p[open] and p[close], and how many string values
 * come before it in the text (cJSON's string nodes, in the order of a walk of the tree). */
typedef struct long_string {
	size_t open, close, ordinal;
	char *text; /* its value, decoded (cJSON's allocator), once read */
} long_string;

static size_t skip_space(const char *p, size_t n, size_t i)
{
	while (i < n && (unsigned char)p[i] <= ' ')
		i++;
	return i;
}

/* The string values of more than PIECE bytes, in `found`; from a string that runs to the end
 * of the text on, none (cJSON alone says where that fails). */
static dlg_status find_long(dlg_buf *found, const char *p, size_t n,
			    const volatile sig_atomic_t *cancel, dlg_error *err)
{
	size_t ordinal = 0, polled = 0;
	for (const char *q = memchr(p, '"', n); q; q = memchr(q, '"', n - (size_t)(q - p))) {
		size_t open = (size_t)(q - p), close = open + 1;
		if (open - polled >= PIECE) {
			polled = open;
			if (dlg_unit__cancel_asked(cancel))
				return dlg_error__set(err, DLG_E_CANCELED, 0, "interrupted");
		}
		/* the closing quote: the next one after an even number of backslashes */
		for (;;) {
			const char *c = memchr(p + close, '"', n - close);
			if (!c)
				return DLG_OK;
			close = (size_t)(c - p);
			size_t backslashes = 0;
			while (p[close - 1 - backslashes] == '\\')
				backslashes++;
			if (backslashes % 2 == 0)
				break;
			close++;
		}
		size_t after = skip_space(p, n, close + 1);
		if (after >= n || p[after] != ':') { /* a value, not a key */
			if (close - open - 1 > PIECE) {
				long_string s = { open, close, ordinal, NULL };
				DLG_TRY(dlg_buf__append(found, &s, sizeof s, err));
			}
			ordinal++;
		}
		q = p + close + 1;
		if (close + 1 >= n)
			break;
	}
	return DLG_OK;
}

/* Where a piece of a string's text starting at `at` may end, at least `want` and at most
 * `close`: before an escape or a character, never inside an escape or between the two
 * halves of a surrogate pair. */
static size_t piece_end(const char *p, size_t at, size_t want, size_t close)
{
	while (at < want) {
		const char *bs = memchr(p + at, '\\', want - at);
		if (!bs)
			return want;
		at = (size_t)(bs - p);
		bool u = at + 1 < close && p[at + 1] == 'u';
		/* a high surrogate's escape takes the low one's with it */
		bool pair = u && at + 12 <= close && (p[at + 2] == 'd' || p[at + 2] == 'D') &&
			    p[at + 3] && strchr("89abAB", p[at + 3]) && p[at + 6] == '\\' &&
			    p[at + 7] == 'u';
		at += u ? (pair ? 12 : 6) : 2;
	}
	return at < close ? at : close;
}

/* String s's value read piece by piece into s->text; on a failure, *bad is where in p. */
static dlg_status read_long(long_string *s, size_t *bad, const char *p,
			    const volatile sig_atomic_t *cancel, dlg_buf *piece, dlg_error *err)
{
	*bad = SIZE_MAX;
	s->text = cJSON_malloc(s->close - s->open);
	if (!s->text)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory (JSON)");
	size_t len = 0;
	for (size_t at = s->open + 1; at < s->close;) {
		if (dlg_unit__cancel_asked(cancel))
			return dlg_error__set(err, DLG_E_CANCELED, 0, "interrupted");
		size_t to = piece_end(p, at, at + PIECE < s->close ? at + PIECE : s->close,
				      s->close);
		piece->len = 0;
		DLG_TRY(dlg_buf__putc(piece, '"', err));
		DLG_TRY(dlg_buf__append(piece, p + at, to - at, err));
		DLG_TRY(dlg_buf__putc(piece, '"', err));
		const char *stop = NULL;
		cJSON *v = cJSON_ParseWithLengthOpts(piece->data, piece->len, &stop, 0);
		if (!v) {
			/* the piece's opening quote stands for the character before `at` */
			*bad = at - 1 + (size_t)(stop - piece->data);
			return DLG_OK;
		}
		size_t k = strlen(v->valuestring);
		memcpy(s->text + len, v->valuestring, k);
		len += k;
		cJSON_Delete(v);
		at = to;
	}
	s->text[len] = '\0';
	return DLG_OK;
}

/* Where skeleton offset `at` stands in the record: past the text of the long strings whose
 * closing quote is at or before it. */
static size_t in_record(const long_string *ls, size_t n_long, size_t at)
{
	size_t removed = 0;
	for (size_t k = 0; k < n_long && ls[k].open - removed < at; k++)
		removed += ls[k].close - ls[k].open - 1;
	return at + removed;
}

/* Each string node of the tree, in the order of the text, given its long string's value. */
static void put_long(cJSON *node, long_string *ls, size_t n_long, size_t *ordinal, size_t *next)
{
	for (; node && *next < n_long; node = node->next) {
		if (cJSON_IsString(node) && (*ordinal)++ == ls[*next].ordinal) {
			cJSON_free(node->valuestring);
			node->valuestring = ls[*next].text;
			ls[(*next)++].text = NULL;
		}
		put_long(node->child, ls, n_long, ordinal, next);
	}
}

static void free_texts(long_string *ls, size_t n_long)
{
	for (size_t k = 0; k < n_long; k++)
		cJSON_free(ls[k].text);
}

dlg_status dlg_jsonparse__record(cJSON **root, const char **end, const char *p, size_t n,
				 const volatile sig_atomic_t *cancel, dlg_buf *scratch,
				 dlg_error *err)
{
	*root = NULL;
	*end = p;
	scratch->len = 0;
	/* no string of a shorter record is long */
	if (n > PIECE)
		DLG_TRY(find_long(scratch, p, n, cancel, err));
	size_t n_long = DLG_BUF_COUNT(scratch, long_string);
	if (n_long == 0) {
		*root = cJSON_ParseWithLengthOpts(p, n, end, 0);
		return DLG_OK;
	}
	/* the strings, then the rest, in a buffer after them */
	size_t strings = scratch->len;
	dlg_status st = DLG_OK;
	size_t bad = SIZE_MAX, k = 0;
	dlg_buf piece;
	dlg_buf__init(&piece, scratch->alloc, DLG_BUF_UNCAPPED);
	for (; k < n_long && st == DLG_OK && bad == SIZE_MAX; k++)
		st = read_long(&DLG_BUF_AT(scratch, long_string, k), &bad, p, cancel, &piece,
			       err);
	dlg_buf__dispose(&piece);
	size_t read = k;
	size_t from = 0;
	for (k = 0; k < n_long && st == DLG_OK; k++) {
		long_string s = DLG_BUF_AT(scratch, long_string, k); /* the append may move it */
		st = dlg_buf__append(scratch, p + from, s.open + 1 - from, err);
		from = s.close;
	}
	if (st == DLG_OK)
		st = dlg_buf__append(scratch, p + from, n - from, err);
	if (st == DLG_OK && dlg_unit__cancel_asked(cancel))
		st = dlg_error__set(err, DLG_E_CANCELED, 0, "interrupted");
	long_string *ls = (long_string *)(void *)scratch->data;
	if (st != DLG_OK) {
		free_texts(ls, read);
		return st;
	}
	const char *text = scratch->data + strings, *stop = NULL;
	cJSON *tree = cJSON_ParseWithLengthOpts(text, scratch->len - strings, &stop, 0);
	size_t at = in_record(ls, n_long, (size_t)(stop - text));
	if (tree && bad == SIZE_MAX) {
		size_t ordinal = 0, next = 0;
		put_long(tree, ls, n_long, &ordinal, &next);
		*root = tree;
		*end = p + at;
	} else {
		/* the first failure in the text is the one cJSON would have met */
		cJSON_Delete(tree);
		*end = p + (tree || bad < at ? bad : at);
	}
	free_texts(ls, read);
	return DLG_OK;
}
