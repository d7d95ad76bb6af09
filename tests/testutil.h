/*
 * testutil: what the cmocka tests share. Include after cmocka.h.
 */
#ifndef DIGEST_TESTUTIL_H
#define DIGEST_TESTUTIL_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "util.h"

/* The path of a file under ../shared, or NULL when that folder is not
 * there; the result is static storage. */
static inline const char *
tu_shared(const char *rel)
{
	static char path[4096];
	const char *root = getenv("SHARED");
	struct stat st;

	if (root == NULL || *root == '\0')
		root = "../shared";
	if (snprintf(path, sizeof(path), "%s/%s", root, rel) >=
	    (int)sizeof(path) || stat(path, &st) == -1)
		return NULL;
	return path;
}

/* Skips the current test, with a reason, when ../shared/rel is missing. */
#define TU_SHARED_OR_SKIP(var, rel) do { \
	(var) = tu_shared(rel); \
	if ((var) == NULL) { \
		print_message("skip: ../shared/%s not found\n", (rel)); \
		skip(); \
	} \
} while (0)

/* Reads a whole file; the test fails when it cannot. Caller frees. */
static inline char *
tu_read(const char *path, size_t *len)
{
	char err[ERR_LEN], *data = NULL;
	size_t n = 0;

	if (util_read_file(path, 1u << 30, &data, &n, err) == -1)
		fail_msg("%s", err);
	if (len != NULL)
		*len = n;
	return data;
}

/* A fresh directory under $TMPDIR, removed by the test's own cleanup
 * (or left for inspection when it fails). Static storage. */
static inline const char *
tu_tmpdir(void)
{
	static char dir[4096];
	const char *t = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/digest-test.XXXXXX", t ? t : "/tmp");
	if (mkdtemp(dir) == NULL)
		fail_msg("mkdtemp failed");
	return dir;
}

static inline int
tu_rmtree_one(const char *path, const struct stat *st, int type,
    struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

/* Removes path and everything under it (symbolic links are removed, not
 * followed): 0, or -1 at the first entry that cannot be removed. */
static inline int
tu_rmtree(const char *path)
{
	return nftw(path, tu_rmtree_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The tests folder: $TESTS under tests/run.sh (which runs each test in a
 * scratch folder), else tests/ seen from the worktree's root. */
static inline const char *
tu_tests_dir(void)
{
	const char *dir = getenv("TESTS");

	return dir != NULL && *dir != '\0' ? dir : "tests";
}

/* The path of a file under tests/data; the test fails rather than open a
 * truncated path. Static storage. */
static inline const char *
tu_data_path(const char *rel)
{
	static char path[4096];

	if (snprintf(path, sizeof(path), "%s/data/%s", tu_tests_dir(), rel) >=
	    (int)sizeof(path))
		fail_msg("path too long: %s/data/%s", tu_tests_dir(), rel);
	return path;
}

/* The value of a hex digit, or -1. */
static inline int
tu_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes the escapes of the data files, \t \r \n \\ \xHH, in place; any
 * other escaped byte stands for itself. \x00 gives a NUL byte, so the
 * result is measured by the returned length, not by strlen. */
static inline size_t
tu_unescape(char *s)
{
	size_t i, n = 0;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] != '\\' || s[i + 1] == '\0') {
			s[n++] = s[i];
			continue;
		}
		i++;
		if (s[i] == 't')
			s[n++] = '\t';
		else if (s[i] == 'r')
			s[n++] = '\r';
		else if (s[i] == 'n')
			s[n++] = '\n';
		else if (s[i] == 'x' && tu_hexval(s[i + 1]) >= 0 &&
		    tu_hexval(s[i + 2]) >= 0) {
			s[n++] = (char)(tu_hexval(s[i + 1]) * 16 +
			    tu_hexval(s[i + 2]));
			i += 2;
		} else
			s[n++] = s[i];
	}
	s[n] = '\0';
	return n;
}

#define TU_SHOW_BUFS 4
#define TU_SHOW_MAX 1024

/* n bytes as the data files write them (the inverse of tu_unescape), for
 * failure messages: a failing case can be pasted back into its file, and
 * bytes that would garble a terminal show as \xHH. NULL shows as "-".
 * Static storage, TU_SHOW_BUFS of them in turn, so that one message can
 * show that many values; a long value is cut. */
static inline const char *
tu_show(const char *s, size_t n)
{
	static char bufs[TU_SHOW_BUFS][TU_SHOW_MAX];
	static unsigned which;
	char *b = bufs[which++ % TU_SHOW_BUFS];
	const char *esc;
	size_t i, k = 0;

	if (s == NULL)
		return "-";
	for (i = 0; i < n && k + 5 < TU_SHOW_MAX; i++) {
		unsigned char c = (unsigned char)s[i];

		esc = c == '\t' ? "\\t" : c == '\r' ? "\\r" : c == '\n' ?
		    "\\n" : c == '\\' ? "\\\\" : NULL;
		if (esc != NULL) {
			memcpy(b + k, esc, 2);
			k += 2;
		} else if (c >= 0x20 && c < 0x7F) {
			b[k++] = (char)c;
		} else {
			k += (size_t)snprintf(b + k, 5, "\\x%02x", c);
		}
	}
	b[k] = '\0';
	return b;
}

/* Cuts the next line off *text, in place, and counts it in *lineno
 * (unless NULL); NULL when nothing is left (a final newline ends the
 * last line, it does not start an empty one). */
static inline char *
tu_line(char **text, int *lineno)
{
	char *line = *text;

	if (line == NULL || *line == '\0')
		return NULL;
	*text = strchr(line, '\n');
	if (*text != NULL)
		*(*text)++ = '\0';
	if (lineno != NULL)
		(*lineno)++;
	return line;
}

/* The next line of a table that is a row: blank lines and # comments are
 * passed over (but counted). */
static inline char *
tu_row(char **text, int *lineno)
{
	char *line;

	while ((line = tu_line(text, lineno)) != NULL)
		if (*line != '#' && *line != '\0')
			return line;
	return NULL;
}

/* Splits a row at its TABs, in place, into at most max fields (the last
 * keeps any further TAB); returns how many. The missing ones up to max
 * are NULL. */
static inline int
tu_fields(char *row, char **f, int max)
{
	int n = 1, i;

	f[0] = row;
	while (n < max && (f[n] = strchr(f[n - 1], '\t')) != NULL) {
		*f[n]++ = '\0';
		n++;
	}
	for (i = n; i < max; i++)
		f[i] = NULL;
	return n;
}

/* Runs check(f, nf, lineno) on every row of tests/data/rel, split into
 * at most max fields, so a table of cases needs no loop of its own.
 * check prints what went wrong and returns its failures (0 when the row
 * passed). The test fails when any row failed, or when the table holds
 * fewer than min_cases rows (a table cut short passes no case). */
static inline void
tu_table_run(const char *rel, int max,
    int (*check)(char **f, int nf, int lineno), int min_cases)
{
	char *data = tu_read(tu_data_path(rel), NULL), *text = data, *row;
	char *f[16];
	int failures = 0, cases = 0, lineno = 0;

	if (max > (int)(sizeof(f) / sizeof(f[0])))
		fail_msg("%s: %d fields, more than tu_table_run holds", rel,
		    max);
	while ((row = tu_row(&text, &lineno)) != NULL) {
		cases++;
		failures += check(f, tu_fields(row, f, max), lineno);
	}
	free(data);
	print_message("%s: %d cases\n", rel, cases);
	if (cases < min_cases)
		fail_msg("%s: %d cases, fewer than %d", rel, cases, min_cases);
	if (failures != 0)
		fail_msg("%s: %d failures in %d cases", rel, failures, cases);
}

#define TU_SQL_TEXT_MAX 4096

/* Fails the test with sql (allocated by sqlite3_mprintf, freed here)
 * and why. */
static inline void
tu_sql_fail(char *sql, const char *why)
{
	char msg[TU_SQL_TEXT_MAX];

	snprintf(msg, sizeof(msg), "%s: %s", sql, why);
	sqlite3_free(sql);
	fail_msg("%s", msg);
}

/* sql prepared on db; the test fails (and sql is freed) when it cannot
 * be. */
static inline sqlite3_stmt *
tu_sql_prepare(sqlite3 *db, char *sql)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		tu_sql_fail(sql, sqlite3_errmsg(db));
	return st;
}

/* The first column of the one row sql gives (sqlite3_mprintf's format:
 * %q and %Q quote strings), as an integer (0 for NULL); the test fails
 * when the statement fails or gives no row. */
static inline int64_t
tu_sql_int(sqlite3 *db, const char *fmt, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	char *sql;
	int64_t v;

	va_start(ap, fmt);
	sql = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	st = tu_sql_prepare(db, sql);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		tu_sql_fail(sql, "no row");
	}
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_free(sql);
	return v;
}

/* As tu_sql_int, the value as text: "" for no row, "(null)" for NULL
 * (so that a missing value never passes for an empty one). Static
 * storage, overwritten by the next call. */
static inline const char *
tu_sql_text(sqlite3 *db, const char *fmt, ...)
{
	static char out[TU_SQL_TEXT_MAX];
	sqlite3_stmt *st;
	va_list ap;
	char *sql;
	int rc;

	va_start(ap, fmt);
	sql = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	st = tu_sql_prepare(db, sql);
	out[0] = '\0';
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		snprintf(out, sizeof(out), "%s", sqlite3_column_type(st, 0) ==
		    SQLITE_NULL ? "(null)" :
		    (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		tu_sql_fail(sql, sqlite3_errmsg(db));
	sqlite3_free(sql);
	return out;
}

/* Runs sql (sqlite3_exec: several statements allowed); the test fails
 * when it does. */
static inline void
tu_sql_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		char why[ERR_LEN];

		snprintf(why, sizeof(why), "%s", msg ? msg : "?");
		sqlite3_free(msg);
		fail_msg("%s: %s", sql, why);
	}
}

/* xorshift64 (Marsaglia's 13, 7, 17): from a fixed seed, the same random
 * cases on every run and machine, so a failure repeats. Advances *state,
 * which must not be 0, and returns it. */
static inline uint64_t
tu_rand(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

/* 32 bits of the next number, bits 11 to 42: what the sentence and
 * summary tests have always drawn, so their random cases stay the same. */
static inline uint32_t
tu_rand32(uint64_t *state)
{
	return (uint32_t)(tu_rand(state) >> 11);
}

/* Reads a test server's "port N" line from fd within 10 s: the port, or
 * -1. */
static inline int
tu_read_port(int fd)
{
	char line[64] = "";
	size_t n = 0;
	long long port;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t k;

	while (n < sizeof(line) - 1 && memchr(line, '\n', n) == NULL) {
		if (poll(&p, 1, 10000) != 1)
			return -1;
		if ((k = read(fd, line + n, sizeof(line) - 1 - n)) <= 0)
			return -1;
		n += (size_t)k;
	}
	line[n] = '\0';
	line[strcspn(line, "\n")] = '\0';
	if (strncmp(line, "port ", 5) != 0 ||
	    util_parse_long(line + 5, 1, 65535, &port) == -1)
		return -1;
	return (int)port;
}

#endif
