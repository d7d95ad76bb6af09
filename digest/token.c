#include "token.h"
#include "util.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

/* base64url's 64 characters in ASCII order: a number written with them
 * (most significant first, fixed width) sorts as text as it does as a
 * number. */
static const char token_digits[] =
    "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";

/* Tokens made by this process: the low bits of the selector, so that
 * the tokens of one millisecond seldom share a selector (when they do,
 * the store compares each candidate's secret: slower, not wrong). */
static atomic_uint token_count;

/* The selector: the time in milliseconds (its low 42 bits: they wrap in
 * 2109, when the end of the index stops being where new ones go, which
 * only costs speed) and the counter (6 bits). */
static void
token_selector(char out[TOKEN_SELECTOR_LEN])
{
	struct timespec ts;
	uint64_t v;
	int i;

	clock_gettime(CLOCK_REALTIME, &ts);
	v = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	v = (v & ((UINT64_C(1) << 42) - 1)) << 6 |
	    (atomic_fetch_add(&token_count, 1) & 63);
	for (i = TOKEN_SELECTOR_LEN - 1; i >= 0; i--) {
		out[i] = token_digits[v & 63];
		v >>= 6;
	}
}

int
token_random(void *buf, size_t len, char *err)
{
	size_t got = 0;
	ssize_t r;

	while (got < len) {
		r = getrandom((unsigned char *)buf + got, len - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return util_err(err, "no random bytes from the kernel: %s",
			    strerror(errno));
		got += (size_t)r;
	}
	return 0;
}

int
token_new(char out[TOKEN_LEN + 1], char *err)
{
	unsigned char raw[TOKEN_SECRET_LEN];
	size_t i;

	if (token_random(raw, sizeof(raw), err) == -1)
		return -1;
	token_selector(out);
	/* One character of 6 random bits per byte: 256 is a multiple of
	 * 64, so each character is uniform. */
	for (i = 0; i < TOKEN_SECRET_LEN; i++)
		out[TOKEN_SELECTOR_LEN + i] = token_digits[raw[i] & 63];
	out[TOKEN_LEN] = '\0';
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
