/*
 * util: the few helpers every module shares.
 *
 * Conventions used across digest/ and subscribers/:
 *  - a function that can fail returns 0 on success and -1 on error, and
 *    writes one line (lower-case, no final stop) into the caller's
 *    `char err[ERR_LEN]`; only cmd/ prints it.
 *  - allocation failure is not an error path: the x* wrappers abort,
 *    as git's xmalloc does, so callers never carry half-built state.
 */
#ifndef DIGEST_UTIL_H
#define DIGEST_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ERR_LEN 256

/* Formats into err (ERR_LEN bytes); err may be NULL. Always returns -1 so
 * that `return util_err(err, ...)` reads as the failure it is. */
int util_err(char *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#ifdef __clang_analyzer__
/* clang-tidy sees one file at a time: without this it takes util_err()
 * for a call that may return 0, and follows failure paths as successes. */
#define util_err(...) ({ (util_err)(__VA_ARGS__); -1; })
#endif

/* Scanning 8 bytes at a time: a word of w's bytes, each equal to c, is
 * UTIL_ONES * c; a word has a byte equal to c when util_has_zero_byte(
 * w ^ (UTIL_ONES * c)) (exact as a yes or no). */
#define UTIL_ONES 0x0101010101010101ULL
#define UTIL_HIGHS 0x8080808080808080ULL

static inline int
util_has_zero_byte(uint64_t w)
{
	return ((w - UTIL_ONES) & ~w & UTIL_HIGHS) != 0;
}

/* Allocators that abort on exhaustion; results are owned by the caller. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Grows *p (of *cap elements of size `size`) so it holds at least `need`. */
void xgrow(void *pp, size_t *cap, size_t need, size_t size);

/* Parses all of s as a base-10 integer in [min, max]: 0, or -1 when s is
 * empty, has trailing garbage or is out of range. The only strtol caller. */
int util_parse_long(const char *s, long long min, long long max,
    long long *out);

/* Reads a whole file (or stdin for "-") into an allocated, NUL-terminated
 * buffer of at most max bytes; caller frees *data. */
int util_read_file(const char *path, size_t max, char **data, size_t *len,
    char *err);

/* Seconds on the monotonic clock: for intervals, rates and deadlines,
 * which the time of day (set back, or stepped by NTP) would falsify. */
double util_monotonic(void);

/* Trims ASCII and Unicode whitespace from both ends of [s, s+*len):
 * returns the new start and updates *len. */
const char *util_trim(const char *s, size_t *len);

/* A JSON string of s, which should be UTF-8: invalid bytes (which the
 * store never writes, but a file edited by hand may hold) become U+FFFD
 * rather than make jansson return NULL. NULL gives JSON null. Returns a
 * new reference. */
struct json_t;
struct json_t *util_json_string(const char *s);

/* Writes ` key="value"` for a key=value log line: a quote or backslash
 * escaped, a control character as a space, so that a value can neither
 * end the line nor forge another key. Nothing for NULL or "". */
void util_log_kv(FILE *f, const char *key, const char *value);

#endif
