/*
 * utf8: decoding, encoding and classifying UTF-8 text, independent of the
 * process's locale (C.UTF-8 tables are used where Unicode classes matter).
 */
#ifndef DIGEST_UTF8_H
#define DIGEST_UTF8_H

#include <stddef.h>
#include <stdint.h>

#define UTF8_REPLACEMENT 0xFFFD

/* Decodes the character at s (n > 0 bytes left): returns its length and
 * stores it in *cp; for an invalid sequence returns 1 and U+FFFD. */
size_t utf8_decode(const char *s, size_t n, uint32_t *cp);
/* Writes cp (at most 4 bytes) to out; returns the length. */
size_t utf8_encode(uint32_t cp, char *out);
/* 1 when all of s is valid UTF-8, else 0. */
int utf8_valid(const char *s, size_t n);
/* The length of the longest prefix of s, at most max bytes, that does not
 * split a character. */
size_t utf8_cut(const char *s, size_t n, size_t max);
/* The number of characters in s. */
size_t utf8_count(const char *s, size_t n);

/* Returns an allocated, NUL-terminated copy of s (len bytes, NULs
 * allowed) in which every invalid byte is U+FFFD, and its length in
 * *outlen (may be NULL); caller frees. */
char *utf8_repair(const char *s, size_t len, size_t *outlen);

int utf8_is_space(uint32_t cp);	/* ASCII and Unicode white space */
int utf8_is_alnum(uint32_t cp);
uint32_t utf8_lower(uint32_t cp);

#endif
