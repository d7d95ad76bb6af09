/*
 * charset: the cases live in tests/data/charset.txt; this file runs them,
 * and feeds random bytes to every conversion.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"
#include "charset.h"
#include "utf8.h"

static const char *
data_path(const char *rel)
{
	static char path[4096];
	const char *dir = getenv("TESTS");

	snprintf(path, sizeof(path), "%s/data/%s", dir ? dir : "tests", rel);
	return path;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes \t \r \n \\ \xHH in place (NUL bytes included); returns the
 * new length. */
static size_t
unescape(char *s)
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
		else if (s[i] == 'x' && hexval(s[i + 1]) >= 0 &&
		    hexval(s[i + 2]) >= 0) {
			s[n++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else
			s[n++] = s[i];
	}
	s[n] = '\0';
	return n;
}

/* Shows bytes as escapes for failure messages. Static storage. */
static const char *
show(const char *s, size_t n)
{
	static char buf[2][1024];
	static int which;
	char *b = buf[which ^= 1];
	size_t i, k = 0;

	for (i = 0; i < n && k + 5 < sizeof(buf[0]); i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7F && c != '\\')
			b[k++] = (char)c;
		else
			k += (size_t)snprintf(b + k, 5, "\\x%02x", c);
	}
	b[k] = '\0';
	return b;
}

static int
case_convert(char **f, int lineno)
{
	char err[ERR_LEN] = "", *out = NULL;
	const char *from = strcmp(f[1], "-") == 0 ? NULL : f[1];
	size_t inlen = unescape(f[2]), outlen = 0, explen;
	int rc;

	rc = charset_to_utf8(f[2], inlen, from, &out, &outlen, err);
	if (strcmp(f[3], "error") == 0) {
		free(out);
		if (rc == 0 || err[0] == '\0') {
			print_error("charset.txt:%d: %s accepted\n", lineno,
			    f[1]);
			return 1;
		}
		return 0;
	}
	explen = unescape(f[3]);
	if (rc != 0 || outlen != explen || memcmp(out, f[3], explen) != 0 ||
	    out[outlen] != '\0') {
		print_error("charset.txt:%d: from %s: got '%s' (rc %d %s), "
		    "expected '%s'\n", lineno, f[1], rc == 0 ?
		    show(out, outlen) : "", rc, err, show(f[3], explen));
		free(out);
		return 1;
	}
	free(out);
	return 0;
}

static int
case_decide(char **f, int lineno)
{
	char name[CHARSET_NAME_MAX];
	size_t inlen = unescape(f[2]);

	charset_decide(f[2], inlen, strcmp(f[1], "-") == 0 ? NULL : f[1],
	    name);
	if (strcmp(name, f[3]) != 0) {
		print_error("charset.txt:%d: decided %s, expected %s\n", lineno,
		    name, f[3]);
		return 1;
	}
	return 0;
}

/* xml, html, ctype: one input, one expected name or "-". */
static int
case_declared(char **f, int lineno)
{
	char name[CHARSET_NAME_MAX] = "?";
	size_t inlen = unescape(f[1]);
	int found;

	if (strcmp(f[0], "xml") == 0)
		found = charset_xml_declared(f[1], inlen, name);
	else if (strcmp(f[0], "html") == 0)
		found = charset_html_declared(f[1], inlen, name);
	else
		found = charset_from_content_type(f[1], name);
	if (strcmp(f[2], "-") == 0 ? found != 0 :
	    found != 1 || strcmp(name, f[2]) != 0) {
		print_error("charset.txt:%d: %s gave %d '%s', expected %s\n",
		    lineno, f[0], found, name, f[2]);
		return 1;
	}
	return 0;
}

static void
test_charset_table(void **state)
{
	char *data = tu_read(data_path("charset.txt"), NULL), *line, *next;
	char *f[4];
	int failures = 0, cases = 0, lineno = 0, nf;

	(void)state;
	for (line = data; line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		lineno++;
		if (*line == '#' || *line == '\0')
			continue;
		f[0] = line;
		for (nf = 1; nf < 4 && (f[nf] = strchr(f[nf - 1], '\t')) != NULL;
		    nf++)
			*f[nf]++ = '\0';
		cases++;
		if (strcmp(f[0], "convert") == 0 && nf == 4)
			failures += case_convert(f, lineno);
		else if (strcmp(f[0], "decide") == 0 && nf == 4)
			failures += case_decide(f, lineno);
		else if (nf == 3 && (strcmp(f[0], "xml") == 0 ||
		    strcmp(f[0], "html") == 0 || strcmp(f[0], "ctype") == 0))
			failures += case_declared(f, lineno);
		else
			fail_msg("charset.txt:%d: bad line", lineno);
	}
	free(data);
	print_message("%d charset cases\n", cases);
	assert_true(cases >= 60);
	assert_int_equal(failures, 0);
}

/* Any byte string in any encoding converts to valid UTF-8 of a bounded
 * size (run under ASan/UBSan for the "never crash" half). */
static void
test_random_bytes(void **state)
{
	static const char *encodings[] = { NULL, "UTF-8", "ISO-8859-1",
	    "windows-1252", "windows-1251", "UTF-16", "UTF-16LE", "UTF-32",
	    "Shift_JIS", "EUC-JP", "ISO-2022-JP", "GB18030", "BIG5", "KOI8-R",
	    "UTF-7" };
	uint64_t x = 0x2545F4914F6CDD1DULL;
	char buf[300], err[ERR_LEN], *out;
	size_t e, i, n, outlen;
	int k;

	(void)state;
	for (e = 0; e < sizeof(encodings) / sizeof(encodings[0]); e++) {
		for (k = 0; k < 2000; k++) {
			n = (size_t)k % sizeof(buf);
			for (i = 0; i < n; i++) {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				/* Mostly high bytes, some ASCII and escapes. */
				buf[i] = k % 3 ? (char)(x & 0xFF) :
				    "\x1b$B(\x00<?+-"[x % 10];
			}
			out = NULL;
			if (charset_to_utf8(buf, n, encodings[e], &out, &outlen,
			    err) == -1)
				fail_msg("%s: %s", encodings[e], err);
			if (!utf8_valid(out, outlen) || out[outlen] != '\0' ||
			    outlen > n * 4 + 4)
				fail_msg("%s: bad output for %zu bytes",
				    encodings[e] ? encodings[e] : "guess", n);
			free(out);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_charset_table),
		cmocka_unit_test(test_random_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
