/*
 * A growable byte buffer with a cap. Appends past the cap fail with
 * BUF_ETOOBIG and leave the buffer unchanged. The content is always
 * NUL-terminated (the NUL is not counted in len). Depends on libc only.
 */
#ifndef UTIL_BUF_H
#define UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *ptr;  /* NULL until the first append; then NUL-terminated */
	size_t len; /* bytes used, excluding the NUL */
	size_t cap; /* bytes allocated */
	size_t max; /* largest len allowed */
};

#define BUF_ENOMEM (-1)
#define BUF_ETOOBIG (-2)

#define BUF_INIT(maxlen)             \
	{                            \
		NULL, 0, 0, (maxlen) \
	}

/* Make room for `extra` more bytes. Returns 0, BUF_ENOMEM or BUF_ETOOBIG. */
int buf_grow(struct buf *b, size_t extra);
int buf_put(struct buf *b, const void *data, size_t len);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* The content as a string; "" for an empty buffer. Borrowed. */
const char *buf_cstr(const struct buf *b);
/* Drop the content, keep the memory. */
void buf_clear(struct buf *b);
/* Shorten to `len` bytes (len <= b->len). */
void buf_truncate(struct buf *b, size_t len);
/* Hand the content (malloc'd, NUL-terminated, never NULL on success) to the caller. */
char *buf_detach(struct buf *b, size_t *len);
void buf_release(struct buf *b);

#endif
