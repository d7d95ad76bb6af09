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

#endif
