/*
 * date: the cases live in tests/data/dates.txt and tests/data/since.txt
 * (input, TAB, expected); this file only runs them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"
#include "date.h"

#include <time.h>

/* The input of a row of dates.txt or since.txt (input, TAB, expected),
 * unescaped; NULL, with the failure printed, when the row has no TAB. */
static const char *
row_input(char **f, int nf, const char *file, int lineno, size_t *len)
{
	if (nf < 2) {
		print_error("%s:%d: no TAB\n", file, lineno);
		return NULL;
	}
	*len = tu_unescape(f[0]);
	return f[0];
}

static int
check_date(char **f, int nf, int lineno)
{
	char got[DATE_RFC3339_LEN];
	int64_t t = 0;
	size_t len;
	const char *in = row_input(f, nf, "dates.txt", lineno, &len);
	const char *expected = f[1];
	int rc;

	if (in == NULL)
		return 1;
	rc = date_parse(in, len, &t);
	if (strcmp(expected, "reject") == 0) {
		if (rc == 0) {
			date_to_rfc3339(t, got);
			print_error("dates.txt:%d: '%s' accepted as %s, "
			    "expected a reject\n", lineno, in, got);
			return 1;
		}
		return 0;
	}
	if (rc != 0) {
		print_error("dates.txt:%d: '%s' rejected, expected %s\n",
		    lineno, in, expected);
		return 1;
	}
	date_to_rfc3339(t, got);
	if (strcmp(got, expected) != 0) {
		print_error("dates.txt:%d: '%s' gave %s, expected %s\n", lineno,
		    in, got, expected);
		return 1;
	}
	return 0;
}

static void
test_date_table(void **state)
{
	(void)state;
	tu_table_run("dates.txt", 2, check_date, 100);
}

#define SINCE_NOW 1800000000LL

/* since.txt: expected is "reject", "@epoch" or "now-seconds". */
static int
check_since(char **f, int nf, int lineno)
{
	long long want = 0;
	int64_t t = -1;
	size_t len;
	const char *in = row_input(f, nf, "since.txt", lineno, &len);
	const char *expected = f[1];
	int rc;

	if (in == NULL)
		return 1;
	rc = date_parse_since(in, SINCE_NOW, &t);
	if (strcmp(expected, "reject") == 0) {
		if (rc == 0)
			print_error("since.txt:%d: '%s' accepted as %lld\n",
			    lineno, in, (long long)t);
		return rc == 0;
	}
	if (expected[0] == '@')
		assert_int_equal(util_parse_long(expected + 1, -(1LL << 40),
		    1LL << 40, &want), 0);
	else if (strncmp(expected, "now-", 4) == 0 &&
	    util_parse_long(expected + 4, 0, 1LL << 40, &want) == 0)
		want = SINCE_NOW - want;
	else
		fail_msg("since.txt:%d: bad expectation '%s'", lineno, expected);
	if (rc != 0 || t != want) {
		print_error("since.txt:%d: '%s' gave rc %d, %lld; expected "
		    "%lld\n", lineno, in, rc, (long long)t, want);
		return 1;
	}
	return 0;
}

static void
test_since_table(void **state)
{
	(void)state;
	tu_table_run("since.txt", 2, check_since, 10);
}

static void
test_rfc3339_known(void **state)
{
	static const struct { int64_t t; const char *s; } known[] = {
		{ 0, "1970-01-01T00:00:00Z" },
		{ -1, "1969-12-31T23:59:59Z" },
		{ 951782400, "2000-02-29T00:00:00Z" },
		{ 951868799, "2000-02-29T23:59:59Z" },
		{ 1798761600, "2027-01-01T00:00:00Z" },
		{ 4107542400LL, "2100-03-01T00:00:00Z" },
		{ 253402300799LL, "9999-12-31T23:59:59Z" },
		{ 253402300800LL, "9999-12-31T23:59:59Z" },	/* clamped */
		{ -62135596800LL, "0001-01-01T00:00:00Z" },
		{ INT64_MIN, "0001-01-01T00:00:00Z" },		/* clamped */
	};
	char out[DATE_RFC3339_LEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		date_to_rfc3339(known[i].t, out);
		assert_string_equal(out, known[i].s);
	}
}

/* date_to_rfc3339 and date_parse agree on every second they can both
 * express: a pseudo-random walk over 1..9999 and the epoch's
 * neighbourhood. */
static void
test_rfc3339_roundtrip(void **state)
{
	uint64_t x = 88172645463325252ULL;
	char out[DATE_RFC3339_LEN];
	int64_t t, back;
	int i;

	(void)state;
	for (i = 0; i < 200000; i++) {
		tu_rand(&x);
		if (i % 2)
			t = (int64_t)(x % 315537897600ULL) - 62135596800LL;
		else
			t = (int64_t)(x % 200000000ULL) - 100000000;
		date_to_rfc3339(t, out);
		assert_int_equal(date_parse(out, strlen(out), &back), 0);
		if (back != t)
			fail_msg("%lld -> %s -> %lld", (long long)t, out,
			    (long long)back);
	}
}

static void
test_now(void **state)
{
	int64_t before = (int64_t)time(NULL), t;

	(void)state;
	setenv("DIGEST_NOW", "1700000000", 1);
	assert_int_equal(date_now(), 1700000000);
	setenv("DIGEST_NOW", "2026-11-29T14:12:29Z", 1);
	assert_int_equal(date_now(), 1795961549);
	setenv("DIGEST_NOW", "Sun, 29 Nov 2026 14:12:29 GMT", 1);
	assert_int_equal(date_now(), 1795961549);
	/* Not a date: the clock. */
	setenv("DIGEST_NOW", "yesterday", 1);
	t = date_now();
	assert_true(t >= before && t <= (int64_t)time(NULL));
	unsetenv("DIGEST_NOW");
	t = date_now();
	assert_true(t >= before && t <= (int64_t)time(NULL));
}

/* No byte string makes date_parse misbehave (run under ASan): every
 * prefix of every accepted shape, and random bytes. */
static void
test_no_crash(void **state)
{
	static const char *shapes[] = {
		"Tue, 01 Oct 2019 14:30:00 PST", "03 Apr 02 1500 GMT",
		"2016-06-27T07:36:54.007-07:00", "08/02/2013 12:00:00",
		"Seg, 24 Set 2018 19:42:40 -0300", "Tue Jun 10 04:00:00 2003",
		"Tue, 10 Jun 2003 04:00:00 -0800 (PST)",
	};
	uint64_t x = 0x9E3779B97F4A7C15ULL;
	char buf[64];
	int64_t t;
	size_t i, n;
	int k;

	(void)state;
	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		for (n = 0; n <= strlen(shapes[i]); n++)
			(void)date_parse(shapes[i], n, &t);
		assert_int_equal(date_parse(shapes[i], strlen(shapes[i]), &t),
		    0);
	}
	for (k = 0; k < 100000; k++) {
		n = (size_t)(k % (int)sizeof(buf));
		for (i = 0; i < n; i++) {
			buf[i] = (char)(tu_rand(&x) & 0xFF);
		}
		(void)date_parse(buf, n, &t);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_date_table),
		cmocka_unit_test(test_since_table),
		cmocka_unit_test(test_rfc3339_known),
		cmocka_unit_test(test_rfc3339_roundtrip),
		cmocka_unit_test(test_now),
		cmocka_unit_test(test_no_crash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
