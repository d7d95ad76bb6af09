/*
 * testutil: what the cmocka tests share. Include after cmocka.h.
 */
#ifndef DIGEST_TESTUTIL_H
#define DIGEST_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

#endif
