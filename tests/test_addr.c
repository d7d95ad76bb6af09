/*
 * addr: the 782 inputs of ../shared/testdata/email/signup_cases.json
 * against email-validator's verdict; the cases of
 * tests/data/subscribers/addr.txt; reasons, hints, huge input; this file
 * also checks that a normalized address normalizes to itself, and feeds
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

/* addr_parse takes the text as given (the reference's verdict); only
 * addr_from_text trims. It says where the '@' is and whether the local
 * part needs SMTPUTF8. */
static void
test_addr_parse_fields(void **state)
{
	struct addr a;
	char out[ADDR_MAX + 1], err[ERR_LEN];
	const char *in;

	(void)state;
	assert_int_equal(addr_parse(" a@b.com", 8, &a, err), -1);
	assert_non_null(strstr(err, "space"));
	assert_int_equal(addr_from_text(" a@b.com", 8, out, err), 0);
	assert_string_equal(out, "a@b.com");
	in = "J\xc3\xb6rg@B\xc3\xbc" "cher.DE";
	assert_int_equal(addr_parse(in, strlen(in), &a, err), 0);
	assert_string_equal(a.text, "J\xc3\xb6rg@xn--bcher-kva.de");
	assert_int_equal(a.local_len, 5);
	assert_int_equal(a.smtputf8, 1);
	in = "jorg@xn--bcher-kva.de";
	assert_int_equal(addr_parse(in, strlen(in), &a, err), 0);
	assert_int_equal(a.smtputf8, 0);
	/* NFD and NFC give one stored form */
	in = "jo\xcc\x88rg@example.de";
	assert_int_equal(addr_parse(in, strlen(in), &a, err), 0);
	assert_string_equal(a.text, "j\xc3\xb6rg@example.de");
	/* 64 two-byte letters: the limit counts characters, as the
	 * reference does; 65 are too many */
	{
		char lp[200];
		size_t i;

		for (i = 0; i < 65; i++)
			memcpy(lp + 2 * i, "\xc3\xbc", 2);
		memcpy(lp + 128, "@b.com", 6);
		assert_int_equal(addr_parse(lp, 134, &a, err), 0);
		memmove(lp + 130, lp + 128, 6);
		memcpy(lp + 128, "\xc3\xbc", 2);
		assert_int_equal(addr_parse(lp, 136, &a, err), -1);
		assert_non_null(strstr(err, "longer than 64"));
	}
}

/* Reasons a person understands, for the commonest mistakes. */
static void
test_addr_reasons(void **state)
{
	static const struct {
		const char *in, *reason;
	} cases[] = {
		{ "john@gmail", "the part after @ needs a dot, like "
		    "example.com" },
		{ "john.gmail.com", "the address needs an @, like "
		    "name@example.com" },
		{ "John Doe <john@x.com>", "give the bare address" },
		{ "mailto:john@x.com", "without 'mailto:'" },
		{ "a@example.local", "special-use name" },
		{ "a@127.0.0.1", "is an IP address" },
		{ "a@[127.0.0.1]", "IP addresses in brackets" },
		{ "\"a b\"@x.com", "quoted addresses are not supported" },
		{ "a@b.com\r\nBcc: c@d.com", "line break" },
		{ "a@b.com\nx", "line break" },
	};
	struct addr a;
	char err[ERR_LEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (addr_parse(cases[i].in, strlen(cases[i].in), &a, err) != -1 ||
		    strstr(err, cases[i].reason) == NULL)
			fail_msg("'%s': got '%s', expected '%s'",
			    tu_show(cases[i].in, strlen(cases[i].in)), err,
			    cases[i].reason);
	}
}

/* "did you mean": typos of popular domains, one edit away or in the
 * table; nothing for a correct or an unrelated domain. */
static void
test_addr_suggest(void **state)
{
	static const char *const cases[][2] = {
		{ "j@gmial.com", "j@gmail.com" },
		{ "j@gmail.con", "j@gmail.com" },
		{ "j@GMAIL.CON", "j@gmail.com" },
		{ "j@gmai.com", "j@gmail.com" },
		{ "j@gmaill.com", "j@gmail.com" },
		{ "j@gmail,com", "j@gmail.com" },
		{ "j@gmailcom", "j@gmail.com" },
		{ "j@gmail", "j@gmail.com" },
		{ "j@gamil.con", "j@gmail.com" },
		{ "j@hotmial.com", "j@hotmail.com" },
		{ "j@yaho.com", "j@yahoo.com" },
		{ "j@outlok.com", "j@outlook.com" },
		{ " j@iclod.com ", "j@icloud.com" },
		{ "j@gmail.com", NULL },
		{ "j@example.com", NULL },
		{ "j@mail.com", NULL },
		{ "j@", NULL },
		{ "gmial.com", NULL },
		{ "@gmial.com", NULL },
	};
	char out[ADDR_MAX + 1];
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = addr_suggest(cases[i][0], strlen(cases[i][0]), out);
		if (rc != (cases[i][1] != NULL) ||
		    (rc && strcmp(out, cases[i][1]) != 0))
			fail_msg("'%s': got %d '%s', expected '%s'", cases[i][0],
			    rc, rc ? out : "", cases[i][1] ? cases[i][1] : "");
	}
}

/* A megabyte, of letters or of NULs or with the @ at its end, is
 * refused at once, with one short reason; the same in the domain. */
static void
test_addr_huge(void **state)
{
	size_t n = 1 << 20;
	char *big = malloc(n), err[ERR_LEN], out[ADDR_MAX + 1];
	struct addr a;

	(void)state;
	assert_non_null(big);
	memset(big, 'a', n);
	big[n - 7] = '@';
	memcpy(big + n - 6, "b.com", 5);
	big[n - 1] = 'm';
	assert_int_equal(addr_parse(big, n, &a, err), -1);
	assert_non_null(strstr(err, "longer than 64"));
	big[0] = 'x';
	big[1] = '@';
	assert_int_equal(addr_parse(big, n, &a, err), -1);
	memset(big, 'a', n);
	big[1] = '@';
	big[n / 2] = '.';
	assert_int_equal(addr_parse(big, n, &a, err), -1);
	assert_non_null(strstr(err, "longer than"));
	/* the IDNA path too */
	memcpy(big + 2, "\xc3\xa4", 2);
	assert_int_equal(addr_parse(big, n, &a, err), -1);
	memset(big, 0, n);
	assert_int_equal(addr_from_text(big, n, out, err), -1);
	assert_non_null(strstr(err, "NUL"));
	assert_true(strlen(err) < 100);
	free(big);
}

/* A domain libidn2 refuses is quoted in the error from the input's
 * len bytes only, never from what follows them (found by fuzz_addr:
 * the input is not NUL-terminated). */
static void
test_addr_idna_error_slice(void **state)
{
	static const char in[] = "!@\xdf\xbbSECRET";
	char err[ERR_LEN];
	struct addr a;

	(void)state;
	assert_int_equal(addr_parse(in, 4, &a, err), -1);
	assert_null(strstr(err, "SECRET"));
}

/* A local part that NFC turns into a refused ASCII character (U+037E
 * GREEK QUESTION MARK becomes ';') is refused: its stored form would
 * not validate again (found by fuzz_addr). */
static void
test_addr_nfc_to_ascii(void **state)
{
	char err[ERR_LEN];
	struct addr a;

	(void)state;
	assert_int_equal(addr_parse("a\xcd\xbe" "b@example.com", 15, &a,
	    err), -1);
	assert_non_null(strstr(err, "';'"));
	assert_int_equal(addr_parse("\xc3\xa9t\xc3\xa9@example.com", 17, &a,
	    err), 0);
}

/* The address as a person reads it: the domain's A-labels in Unicode,
 * the local part as it is; what cannot be converted stays. */
static void
test_addr_display(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "j\xc3\xbcrgen@xn--bcher-kva.example",
		    "j\xc3\xbcrgen@b\xc3\xbc" "cher.example" },
		{ "hana@mail.xn--tda.example", "hana@mail.\xc3\xbc.example" },
		{ "xn--tda@example.org", "xn--tda@example.org" },
		{ "zoe@example.org", "zoe@example.org" },
		{ "bad@xn--a.example", "bad@xn--a.example" },
		{ "no-at-sign", "no-at-sign" },
		{ "", "" },
	};
	size_t i;
	char *got;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = addr_display(cases[i].in);
		assert_string_equal(got, cases[i].want);
		free(got);
	}
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
		cmocka_unit_test(test_addr_parse_fields),
		cmocka_unit_test(test_addr_reasons),
		cmocka_unit_test(test_addr_suggest),
		cmocka_unit_test(test_addr_huge),
		cmocka_unit_test(test_addr_idna_error_slice),
		cmocka_unit_test(test_addr_nfc_to_ascii),
		cmocka_unit_test(test_addr_display),
		cmocka_unit_test(test_addr_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
