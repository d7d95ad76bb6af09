/*
 * buf: a growable byte buffer with a hard maximum (curl's dynbuf).
 *
 * The data is always NUL-terminated so it can be used as a C string. Every
 * buffer is given its maximum at init: a feed, a page or a rendered digest
 * never grows without bound. Appends past the maximum fail and leave the
 * buffer unchanged.
 */
#ifndef DIGEST_BUF_H
#define DIGEST_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;	/* owned; NULL until the first append */
	size_t len;
	size_t cap;
	size_t max;	/* the most len may ever be */
};

void buf_init(struct buf *b, size_t max);
/* 0, or -1 when the result would exceed the maximum. */
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Makes room for n more bytes and returns where they go (the caller
 * writes there, then calls buf_commit with how many it wrote), or NULL
 * when n more would exceed the maximum. */
char *buf_reserve(struct buf *b, size_t n);
/* Adds n bytes written after buf_reserve to the contents (0: restores
 * the terminating NUL after an abandoned write). */
void buf_commit(struct buf *b, size_t n);
/* The contents as a C string ("" when empty); owned by the buffer. */
const char *buf_cstr(const struct buf *b);
void buf_truncate(struct buf *b, size_t len);
/* Returns the allocated contents (never NULL); caller frees. The buffer is
 * left empty and reusable. */
char *buf_detach(struct buf *b, size_t *len);
void buf_release(struct buf *b);

#endif
