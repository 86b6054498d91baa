/*
 * buf.c - allocator hooks and growable byte buffers with a hard size cap (curl's "toobig").
 * Uses error.c only.
 */
#include "buf.h"
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *dlg_mem__alloc(const dlg_allocator *a, size_t size)
{
	return a ? a->malloc_fn(size, a->payload) : malloc(size);
}

void *dlg_mem__realloc(const dlg_allocator *a, void *ptr, size_t size)
{
	return a ? a->realloc_fn(ptr, size, a->payload) : realloc(ptr, size);
}

void dlg_mem__free(const dlg_allocator *a, void *ptr)
{
	if (!ptr)
		return;
	if (a)
		a->free_fn(ptr, a->payload);
	else
		free(ptr);
}

char *dlg_mem__strndup(const dlg_allocator *a, const char *s, size_t len)
{
	char *copy = dlg_mem__alloc(a, len + 1);
	if (copy) {
		memcpy(copy, s, len);
		copy[len] = '\0';
	}
	return copy;
}

void dlg_buf__init(dlg_buf *b, const dlg_allocator *a, size_t max)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->max = max;
	b->alloc = a;
}

void dlg_buf__dispose(dlg_buf *b)
{
	dlg_mem__free(b->alloc, b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

dlg_status dlg_buf__reserve(dlg_buf *b, size_t extra, dlg_error *err)
{
	if (extra <= b->cap - b->len)
		return DLG_OK;
	if (extra > b->max - b->len)
		return dlg_error__set(err, DLG_E_LIMIT, 0,
				      "buffer would exceed its limit of %zu bytes", b->max);
	size_t need = b->len + extra;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (cap > b->max)
		cap = b->max;
	char *data = dlg_mem__realloc(b->alloc, b->data, cap);
	if (!data)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory (%zu bytes)", cap);
	b->data = data;
	b->cap = cap;
	return DLG_OK;
}

dlg_status dlg_buf__append(dlg_buf *b, const void *p, size_t n, dlg_error *err)
{
	if (n == 0)
		return DLG_OK;
	DLG_TRY(dlg_buf__reserve(b, n, err));
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return DLG_OK;
}

dlg_status dlg_buf__putc(dlg_buf *b, char c, dlg_error *err)
{
	DLG_TRY(dlg_buf__reserve(b, 1, err));
	b->data[b->len++] = c;
	return DLG_OK;
}

dlg_status dlg_buf__printf(dlg_buf *b, dlg_error *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return dlg_error__set(err, DLG_E_INTERNAL, 0, "bad format string");
	DLG_TRY(dlg_buf__reserve(b, (size_t)n + 1, err));
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return DLG_OK;
}

dlg_status dlg_buf__take_string(char **out, dlg_buf *b, dlg_status st, dlg_error *err)
{
	*out = NULL;
	if (st == DLG_OK)
		st = dlg_buf__putc(b, '\0', err);
	if (st == DLG_OK)
		*out = b->data;
	else
		dlg_mem__free(b->alloc, b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	return st;
}
