/*
 * token: the secrets in links a subscriber clicks (unsubscribe,
 * preferences, confirm) and other unguessable names: 43 base64url
 * characters, compared in constant time, never logged.
 *
 * The first TOKEN_SELECTOR_LEN characters are the selector, by which the
 * store finds a token (an index on them): the time the token was made,
 * in milliseconds, and a counter, written in base64url's characters in
 * ASCII order so that selectors sort as they were made. A new token's
 * selector then goes to the end of each index, a page every signup of a
 * round shares, rather than to a random page of it: random selectors
 * made three index pages per signup to write (and fsync) whatever the
 * round. The other TOKEN_SECRET_LEN characters are the secret: 210 bits
 * from getrandom(), never a weaker fallback. Tokens made before this
 * had random selectors; they are found as well.
 */
#ifndef DIGEST_TOKEN_H
#define DIGEST_TOKEN_H

#include <stddef.h>

#define TOKEN_LEN 43
#define TOKEN_SELECTOR_LEN 8	/* 48 bits: 42 of milliseconds, 6 counter */
#define TOKEN_SECRET_LEN (TOKEN_LEN - TOKEN_SELECTOR_LEN)

/* Fills buf with len bytes from getrandom(): 0, or -1 with err (never
 * a weaker fallback). */
int token_random(void *buf, size_t len, char *err);

/* Writes a new token and its NUL into out: 0, or -1 with err when the
 * kernel's random source fails. */
int token_new(char out[TOKEN_LEN + 1], char *err);

/* 1 when a and b are the same token, in time that depends only on the
 * length of b (the stored one), else 0. NULL never matches. */
int token_equal(const char *a, const char *b);

#endif
