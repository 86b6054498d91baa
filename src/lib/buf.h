/*
 * buf.h - the allocator hooks and growable byte buffers with a hard cap (buf.c).
 */
#ifndef DLG_BUF_H
#define DLG_BUF_H

#include "internal.h"

void *dlg_mem__alloc(const dlg_allocator *a, size_t size);
void *dlg_mem__realloc(const dlg_allocator *a, void *ptr, size_t size);
void dlg_mem__free(const dlg_allocator *a, void *ptr);
/** A copy of s[0..len) with a NUL after it, or NULL when out of memory. */
char *dlg_mem__strndup(const dlg_allocator *a, const char *s, size_t len);

/** Growable bytes; `max` is a hard cap (DLG_E_LIMIT past it). Also used as a typed array. */
typedef struct dlg_buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
	const dlg_allocator *alloc;
} dlg_buf;

#define DLG_BUF_UNCAPPED SIZE_MAX

void dlg_buf__init(dlg_buf *b, const dlg_allocator *a, size_t max);
void dlg_buf__dispose(dlg_buf *b);
dlg_status dlg_buf__reserve(dlg_buf *b, size_t extra, dlg_error *err) DLG_WUR;
dlg_status dlg_buf__append(dlg_buf *b, const void *p, size_t n, dlg_error *err) DLG_WUR;
dlg_status dlg_buf__putc(dlg_buf *b, char c, dlg_error *err) DLG_WUR;
dlg_status dlg_buf__printf(dlg_buf *b, dlg_error *err, const char *fmt, ...) DLG_WUR
	DLG_PRINTF(3, 4);

/**
 * Hand b's bytes over as a NUL-terminated string in *out when `st` (the status of building
 * them) is DLG_OK; otherwise release them. Either way b is left empty. Returns the status.
 */
dlg_status dlg_buf__take_string(char **out, dlg_buf *b, dlg_status st, dlg_error *err) DLG_WUR;

/* Typed-array view of a dlg_buf. */
#define DLG_BUF_AT(b, type, i) (((type *)(void *)(b)->data)[i])
#define DLG_BUF_COUNT(b, type) ((b)->len / sizeof(type))

#endif
