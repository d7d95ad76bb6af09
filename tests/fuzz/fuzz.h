/*
 * fuzz: what the libFuzzer targets share. A property that does not hold
 * is a bug as much as a crash is, so FUZZ_CHECK aborts with the failed
 * condition and libFuzzer saves the input that broke it.
 */
#ifndef DIGEST_FUZZ_H
#define DIGEST_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, \
		    __LINE__, #cond); \
		abort(); \
	} \
} while (0)

/* An allocated, NUL-terminated copy of the input; caller frees. */
static inline char *
fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Text the project hands on: NULL, or valid UTF-8 with no NUL byte. */
static inline int
fuzz_text_ok(const char *s)
{
	return s == NULL || utf8_valid(s, strlen(s));
}

/* The value of an upper-case hex digit, or -1: both encoders write
 * only those (RFC 2045 6.7, RFC 2047 4.2). */
static inline int
fuzz_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Appends the base64 in [s, s+n) decoded, up to its first '=', skipping
 * line breaks; any other byte outside the alphabet fails the property.
 * The targets' own decoder, so that the encoders are not checked
 * against themselves. */
static inline void
fuzz_b64_decode(const char *s, size_t n, struct buf *out)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p;
	uint32_t acc = 0;
	size_t i;
	int bits = 0;

	for (i = 0; i < n && s[i] != '='; i++) {
		if (s[i] == '\r' || s[i] == '\n')
			continue;
		p = s[i] != '\0' ? strchr(tab, s[i]) : NULL;
		FUZZ_CHECK(p != NULL);
		acc = acc << 6 | (uint32_t)(p - tab);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			FUZZ_CHECK(buf_putc(out, (char)(acc >> bits)) == 0);
		}
	}
}

#endif
