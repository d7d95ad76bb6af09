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

static int
case_convert(char **f, int lineno)
{
	char err[ERR_LEN] = "", *out = NULL;
	const char *from = strcmp(f[1], "-") == 0 ? NULL : f[1];
	size_t inlen = tu_unescape(f[2]), outlen = 0, explen;
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
	explen = tu_unescape(f[3]);
	if (rc != 0 || outlen != explen || memcmp(out, f[3], explen) != 0 ||
	    out[outlen] != '\0') {
		print_error("charset.txt:%d: from %s: got '%s' (rc %d %s), "
		    "expected '%s'\n", lineno, f[1], rc == 0 ?
		    tu_show(out, outlen) : "", rc, err, tu_show(f[3], explen));
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
	size_t inlen = tu_unescape(f[2]);

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
	size_t inlen = tu_unescape(f[1]);
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

/* One row of charset.txt, run by its kind. */
static int
check_row(char **f, int nf, int lineno)
{
	if (strcmp(f[0], "convert") == 0 && nf == 4)
		return case_convert(f, lineno);
	if (strcmp(f[0], "decide") == 0 && nf == 4)
		return case_decide(f, lineno);
	if (nf == 3 && (strcmp(f[0], "xml") == 0 ||
	    strcmp(f[0], "html") == 0 || strcmp(f[0], "ctype") == 0))
		return case_declared(f, lineno);
	fail_msg("charset.txt:%d: bad line", lineno);
	return 1;
}

static void
test_charset_table(void **state)
{
	(void)state;
	tu_table_run("charset.txt", 4, check_row, 60);
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
				tu_rand(&x);
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
