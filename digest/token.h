/*
 * token: the secrets in links a subscriber clicks (unsubscribe,
 * preferences, and later confirm): 256 bits from getrandom(), written as
 * 43 characters of unpadded base64url, compared in constant time, never
 * logged.
 */
#ifndef DIGEST_TOKEN_H
#define DIGEST_TOKEN_H

#include <stddef.h>

#define TOKEN_BYTES 32
#define TOKEN_LEN 43		/* base64url of 32 bytes, no padding */

/* Writes a new token and its NUL into out: 0, or -1 with err when the
 * kernel's random source fails (never a weaker fallback). */
int token_new(char out[TOKEN_LEN + 1], char *err);

/* 1 when a and b are the same token, in time that depends only on the
 * length of b (the stored one), else 0. NULL never matches. */
int token_equal(const char *a, const char *b);

#endif
