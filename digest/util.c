#include "util.h"
#include "utf8.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int
(util_err)(char *err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	(void)vsnprintf(err, ERR_LEN, fmt, ap);
	va_end(ap);
	return -1;
}

static void
oom(size_t n)
{
	fprintf(stderr, "digest: out of memory allocating %zu bytes\n", n);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom(n);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom(n * size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		oom(n);
	return q;
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

void
xgrow(void *pp, size_t *cap, size_t need, size_t size)
{
	void **p = pp;
	size_t ncap;

	if (need <= *cap)
		return;
	ncap = *cap ? *cap : 8;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / size)
			oom(SIZE_MAX);
		ncap *= 2;
	}
	*p = xrealloc(*p, ncap * size);
	*cap = ncap;
}

int
util_parse_long(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
util_read_file(const char *path, size_t max, char **data, size_t *len,
    char *err)
{
	FILE *f;
	char *buf = NULL;
	size_t cap = 0, n = 0, r;
	int is_stdin = strcmp(path, "-") == 0;

	f = is_stdin ? stdin : fopen(path, "rb");
	if (f == NULL)
		return util_err(err, "cannot open '%s': %s", path,
		    strerror(errno));
	for (;;) {
		xgrow(&buf, &cap, n + 65536 + 1, 1);
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (n > max) {
			free(buf);
			if (!is_stdin)
				fclose(f);
			return util_err(err, "'%s' is larger than %zu bytes",
			    path, max);
		}
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		int e = errno;

		free(buf);
		if (!is_stdin)
			fclose(f);
		return util_err(err, "cannot read '%s': %s", path,
		    strerror(e));
	}
	if (!is_stdin)
		fclose(f);
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return 0;
}

double
util_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *
util_trim(const char *s, size_t *len)
{
	size_t n = *len, k, back;
	uint32_t cp;

	while (n > 0 && (k = utf8_decode(s, n, &cp)) > 0 &&
	    utf8_is_space(cp)) {
		s += k;
		n -= k;
	}
	while (n > 0) {
		/* Step back over one UTF-8 character and test it. */
		back = 1;
		while (back < n && back < 4 &&
		    ((unsigned char)s[n - back] & 0xC0) == 0x80)
			back++;
		if (utf8_decode(s + n - back, back, &cp) != back ||
		    !utf8_is_space(cp))
			break;
		n -= back;
	}
	*len = n;
	return s;
}

json_t *
util_json_string(const char *s)
{
	json_t *j;
	char *fixed;

	if (s == NULL)
		return json_null();
	if ((j = json_string(s)) != NULL)
		return j;
	fixed = utf8_repair(s, strlen(s), NULL);
	j = json_string(fixed);
	free(fixed);
	return j;
}

void
util_log_kv(FILE *f, const char *key, const char *v)
{
	const char *p;

	if (v == NULL || *v == '\0')
		return;
	fprintf(f, " %s=\"", key);
	for (p = v; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7F)
			fputc(' ', f);
		else
			fputc(c, f);
	}
	fputc('"', f);
}
