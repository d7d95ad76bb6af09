/*
 * addr: the cases live in tests/data/subscribers/addr.txt; this file runs
 * them, checks that a normalized address normalizes to itself, and feeds
 * random bytes to the validator.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"
#include "addr.h"

#include <jansson.h>

/* An out buffer with a canary after it, refilled before each call, so
 * that a write past ADDR_MAX + 1 bytes, or any write on failure, shows. */
struct addr_out {
	char buf[ADDR_MAX + 1];
	char canary[8];
};

static void
out_fill(struct addr_out *o)
{
	memset(o, 'Z', sizeof(*o));
}

static int
out_intact_after(const struct addr_out *o, size_t from)
{
	size_t i;

	for (i = from; i < sizeof(o->buf); i++)
		if (o->buf[i] != 'Z')
			return 0;
	for (i = 0; i < sizeof(o->canary); i++)
		if (o->canary[i] != 'Z')
			return 0;
	return 1;
}

/* INPUT, then NORMALIZED or "invalid" and a part of the reason. */
static int
check_case(char **f, int nf, int lineno)
{
	struct addr_out o;
	char err[ERR_LEN] = "";
	size_t inlen, explen;
	int rc;

	if (nf < 2 || (strcmp(f[1], "invalid") == 0 && nf != 3))
		fail_msg("addr.txt:%d: bad line", lineno);
	inlen = tu_unescape(f[0]);
	out_fill(&o);
	rc = addr_from_text(f[0], inlen, o.buf, err);
	if (strcmp(f[1], "invalid") == 0) {
		tu_unescape(f[2]);
		if (rc != -1 || strstr(err, f[2]) == NULL ||
		    !out_intact_after(&o, 0)) {
			print_error("addr.txt:%d: '%s': rc %d, err '%s', "
			    "expected invalid with '%s'\n", lineno,
			    tu_show(f[0], inlen), rc, err, f[2]);
			return 1;
		}
		return 0;
	}
	explen = tu_unescape(f[1]);
	if (rc != 0 || err[0] != '\0' || strcmp(o.buf, f[1]) != 0 ||
	    !out_intact_after(&o, explen + 1)) {
		print_error("addr.txt:%d: '%s': rc %d (%s), got '%s', expected "
		    "'%s'\n", lineno, tu_show(f[0], inlen), rc, err,
		    rc == 0 ? tu_show(o.buf, strlen(o.buf)) : "", f[1]);
		return 1;
	}
	return 0;
}

static void
test_addr_table(void **state)
{
	(void)state;
	tu_table_run("subscribers/addr.txt", 3, check_case, 60);
}

/* A normalized address is its own normal form: storing it again, or
 * comparing it with strcmp, must not depend on how often it was
 * normalized. */
static int
check_idempotent(char **f, int nf, int lineno)
{
	char once[ADDR_MAX + 1], twice[ADDR_MAX + 1], err[ERR_LEN];
	size_t inlen;

	(void)nf;
	if (strcmp(f[1], "invalid") == 0)
		return 0;
	inlen = tu_unescape(f[0]);
	if (addr_from_text(f[0], inlen, once, err) == -1)
		return 0;	/* check_case reports it */
	if (addr_from_text(once, strlen(once), twice, err) == -1 ||
	    strcmp(once, twice) != 0) {
		print_error("addr.txt:%d: '%s' normalizes again to something "
		    "else\n", lineno, once);
		return 1;
	}
	return 0;
}

static void
test_addr_idempotent(void **state)
{
	(void)state;
	tu_table_run("subscribers/addr.txt", 3, check_idempotent, 20);
}

/* The domain is lower-cased and the local part is not. */
static void
test_addr_case(void **state)
{
	char out[ADDR_MAX + 1], err[ERR_LEN];
	const char *in = "MiXeD.Case@MiXeD.Example.ORG";

	(void)state;
	assert_int_equal(addr_from_text(in, strlen(in), out, err), 0);
	assert_string_equal(out, "MiXeD.Case@mixed.example.org");
}

/* len counts, not the NUL: a longer buffer is cut where told, and a NUL
 * inside the counted bytes is refused rather than cut at. */
static void
test_addr_len(void **state)
{
	char out[ADDR_MAX + 1], err[ERR_LEN];

	(void)state;
	assert_int_equal(addr_from_text("a@b.comXYZ", 7, out, err), 0);
	assert_string_equal(out, "a@b.com");
	assert_int_equal(addr_from_text("a@b.com\0x@y.com", 15, out, err), -1);
	assert_non_null(strstr(err, "control character"));
	assert_int_equal(addr_from_text("", 0, out, err), -1);
	assert_non_null(strstr(err, "empty"));
}

/* The reference: every input of ../shared/testdata/email/signup_cases.json
 * must get email-validator 1.3.0's verdict from addr_parse (as given, no
 * trimming). Every disagreement is listed before the test fails. */
static void
test_addr_reference(void **state)
{
	const char *path;
	json_error_t jerr;
	json_t *cases, *c;
	struct addr a;
	char err[ERR_LEN];
	size_t i, agree = 0, len;
	const char *in, *verdict;
	int rc, want;

	(void)state;
	TU_SHARED_OR_SKIP(path, "testdata/email/signup_cases.json");
	cases = json_load_file(path, JSON_ALLOW_NUL, &jerr);
	if (cases == NULL || !json_is_array(cases))
		fail_msg("%s: line %d: %s", path, jerr.line, jerr.text);
	json_array_foreach(cases, i, c) {
		in = json_string_value(json_object_get(c, "address"));
		len = json_string_length(json_object_get(c, "address"));
		verdict = json_string_value(json_object_get(c, "verdict"));
		if (in == NULL || verdict == NULL)
			fail_msg("%s: case %zu has no address or verdict", path,
			    i);
		want = strcmp(verdict, "valid") == 0 ? 0 : -1;
		err[0] = '\0';
		rc = addr_parse(in, len, &a, err);
		if (rc == want) {
			agree++;
			continue;
		}
		print_error("%s: '%s': expected %s, got %s%s%s\n",
		    json_string_value(json_object_get(c, "id")),
		    tu_show(in, len), verdict, rc == 0 ? "valid " : "invalid: ",
		    rc == 0 ? a.text : err, rc == 0 ? "" : "");
	}
	print_message("agreement: %zu of %zu\n", agree, json_array_size(cases));
	if (agree != json_array_size(cases))
		fail_msg("%zu of %zu disagree with email-validator",
		    json_array_size(cases) - agree, json_array_size(cases));
	json_decref(cases);
}

/* Appends a random pick of tokens to in (at *n, at most max bytes). */
static void
random_tokens(char *in, size_t *n, size_t max, const char *const *tok,
    size_t ntok, int count, uint64_t *x)
{
	const char *t;
	size_t k;

	while (count-- > 0) {
		t = tok[tu_rand(x) % ntok];
		k = strlen(t);
		if (*n + k > max)
			return;
		memcpy(in + *n, t, k);
		*n += k;
	}
}

/* Random addresses shaped like real ones (a local part, an @, labels),
 * some with one byte then replaced by anything: never a crash or a write
 * past out; an accepted result is short enough, has one @, and holds
 * only ASCII atext, dots and LDH; a refusal always says why. */
static void
test_addr_random(void **state)
{
	static const char *const local[] = { "a", "Bc", "09", ".", "+x",
	    "_", "'", "~" };
	static const char *const domain[] = { "ex", "AMPLE", "-", ".", "com",
	    "0", "xn--p", "a.b", ".org" };
	struct addr_out o;
	uint64_t x = 0x9E3779B97F4A7C15ULL;
	char in[320], err[ERR_LEN];
	size_t n, i, len;
	int k, accepted = 0, refused = 0;

	(void)state;
	for (k = 0; k < 200000; k++) {
		n = 0;
		random_tokens(in, &n, sizeof(in), local, 8,
		    1 + (int)(tu_rand(&x) % (k % 100 == 0 ? 40 : 4)), &x);
		in[n++] = '@';
		random_tokens(in, &n, sizeof(in), domain, 9,
		    1 + (int)(tu_rand(&x) % (k % 100 == 1 ? 90 : 5)), &x);
		if (tu_rand(&x) % 4 == 0)
			in[tu_rand(&x) % n] = (char)(tu_rand(&x) >> 16);
		out_fill(&o);
		err[0] = '\0';
		if (addr_from_text(in, n, o.buf, err) == -1) {
			if (err[0] == '\0' || !out_intact_after(&o, 0))
				fail_msg("'%s': refused without a reason, or "
				    "wrote out", tu_show(in, n));
			refused++;
			continue;
		}
		accepted++;
		len = strlen(o.buf);
		if (len > ADDR_MAX || !out_intact_after(&o, len + 1) ||
		    strchr(o.buf, '@') != strrchr(o.buf, '@') ||
		    strchr(o.buf, '@') == NULL ||
		    strpbrk(o.buf, " \t\r\n\"()[]<>,;:\\") != NULL ||
		    strstr(o.buf, "..") != NULL)
			fail_msg("'%s': accepted '%s'", tu_show(in, n),
			    tu_show(o.buf, len));
		for (i = 0; i < len; i++)
			if ((unsigned char)o.buf[i] >= 0x80)
				fail_msg("accepted non-ASCII '%s'",
				    tu_show(o.buf, len));
	}
	/* The generator must reach both answers often, or it proves
	 * nothing. */
	print_message("%d accepted, %d refused\n", accepted, refused);
	if (accepted < 10000 || refused < 10000)
		fail_msg("%d accepted, %d refused: the generator is off",
		    accepted, refused);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_reference),
		cmocka_unit_test(test_addr_table),
		cmocka_unit_test(test_addr_idempotent),
		cmocka_unit_test(test_addr_case),
		cmocka_unit_test(test_addr_len),
		cmocka_unit_test(test_addr_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
