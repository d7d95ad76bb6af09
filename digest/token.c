#include "token.h"
#include "util.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int
token_new(char out[TOKEN_LEN + 1], char *err)
{
	unsigned char raw[TOKEN_BYTES + 1];
	size_t got = 0, i, n = 0;
	ssize_t r;

	while (got < TOKEN_BYTES) {
		r = getrandom(raw + got, TOKEN_BYTES - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return util_err(err, "no random bytes from the kernel: %s",
			    strerror(errno));
		got += (size_t)r;
	}
	raw[TOKEN_BYTES] = 0;
	/* 32 bytes: ten 3-byte groups, then 2 bytes as 3 characters. */
	for (i = 0; i < TOKEN_BYTES; i += 3) {
		unsigned v = (unsigned)raw[i] << 16 | (unsigned)raw[i + 1] << 8 |
		    (i + 2 < TOKEN_BYTES ? raw[i + 2] : 0);

		out[n++] = b64url[v >> 18 & 63];
		out[n++] = b64url[v >> 12 & 63];
		out[n++] = b64url[v >> 6 & 63];
		if (i + 2 < TOKEN_BYTES)
			out[n++] = b64url[v & 63];
	}
	out[n] = '\0';
	return 0;
}

int
token_equal(const char *a, const char *b)
{
	size_t i, n, alen;
	unsigned char diff;

	if (a == NULL || b == NULL)
		return 0;
	n = strlen(b);
	alen = strnlen(a, n + 1);
	diff = alen != n;
	/* Reads b whole whatever a holds; a is read up to its end only. */
	for (i = 0; i < n; i++)
		diff |= (unsigned char)(i < alen ? a[i] : 0) ^ (unsigned char)b[i];
	return diff == 0;
}
