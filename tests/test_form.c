/*
 * Tests for subscribers/form.c: urlencoded and JSON bodies, as a table
 * of body and verdict, plus the fields a good body fills.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "buf.h"
#include "form.h"

struct form_case {
	int json;
	const char *body;
	const char *err;	/* NULL: accepted; else a part of err */
};

static const struct form_case form_cases[] = {
	{ 0, "", NULL },
	{ 0, "&&=&x", NULL },
	{ 0, "email=a%40b.org&name=Zo%C3%AB+M", NULL },
	{ 0, "email=a%00b@example.org", "NUL" },
	{ 0, "email=%ff@example.org", "UTF-8" },
	{ 0, "email=a%zz@example.org", "%-escape" },
	{ 0, "email=a%4", "%-escape" },
	{ 0, "email=a@b.org&email=c@d.org", "given twice" },
	{ 0, "email_choice=a@b.org&email_choice=c@d.org", "given twice" },
	{ 1, "{\"email_choice\":[\"a@b.org\"]}", "must be a string" },
	{ 0, "tags=a&tags=&tags=b", NULL },
	{ 1, "{\"email\":\"a@b.org\",\"tags\":[\"x\",\"y\"]}", NULL },
	{ 1, "{\"email\":\"a@b.org\",\"email\":\"c@d.org\"}", "cannot be read" },
	{ 1, "{\"email\":\"a\\u0000b\"}", "holds a NUL character" },
	{ 1, "[]", "must be an object" },
	{ 1, "{\"name\":3}", "must be a string" },
	{ 1, "{\"tags\":[1]}", "tags must be strings" },
};

static void
test_form_cases(void **state)
{
	struct form f;
	char err[ERR_LEN];
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(form_cases) / sizeof(form_cases[0]); i++) {
		const struct form_case *c = &form_cases[i];

		memset(&f, 0, sizeof(f));
		err[0] = '\0';
		rc = (c->json ? form_from_json : form_from_urlencoded)(c->body,
		    strlen(c->body), &f, err);
		if (c->err == NULL && rc != 0)
			fail_msg("'%s': refused: %s", c->body, err);
		if (c->err != NULL && (rc != -1 || strstr(err, c->err) == NULL))
			fail_msg("'%s': rc %d, err '%s', want '%s'", c->body, rc,
			    err, c->err);
		form_release(&f);
	}
}

static void
test_form_fields(void **state)
{
	static const char body[] = "email=+Zoe%40Example.ORG+&name=Zo%C3%AB"
	    "&tags=science&tags=&tags=climate&website=&other=1"
	    "&email_choice=Zoe%40example.org";
	static const char json[] = "{\"email\":\"zoe@gmial.com\","
	    "\"email_choice\":\"zoe@gmail.com\"}";
	struct form f;
	char err[ERR_LEN];

	(void)state;
	memset(&f, 0, sizeof(f));
	assert_int_equal(form_from_urlencoded(body, strlen(body), &f, err), 0);
	assert_string_equal(f.email, " Zoe@Example.ORG ");
	assert_int_equal(f.email_len, 17);
	assert_string_equal(f.name, "Zo\xc3\xab");
	assert_string_equal(f.website, "");
	assert_null(f.token);
	assert_int_equal(f.ntags, 2);
	assert_string_equal(f.tags[1], "climate");
	assert_true(f.has_tags);
	/* The answer to a likely typo's question (signup_typo). */
	assert_string_equal(f.email_choice, "Zoe@example.org");
	assert_int_equal(f.email_choice_len, 15);
	form_release(&f);
	assert_null(f.email);
	assert_null(f.email_choice);
	assert_int_equal(form_from_json(json, strlen(json), &f, err), 0);
	assert_string_equal(f.email_choice, "zoe@gmail.com");
	assert_int_equal(f.email_choice_len, 13);
	form_release(&f);
}

/* Tags past FORM_TAGS_MAX are dropped, not an error. */
static void
test_form_tags_max(void **state)
{
	struct buf b;
	struct form f;
	char err[ERR_LEN];
	int i;

	(void)state;
	buf_init(&b, 1 << 16);
	for (i = 0; i < FORM_TAGS_MAX + 5; i++)
		assert_int_equal(buf_printf(&b, "tags=t%d&", i), 0);
	memset(&f, 0, sizeof(f));
	assert_int_equal(form_from_urlencoded(b.data, b.len, &f, err), 0);
	assert_int_equal(f.ntags, FORM_TAGS_MAX);
	form_release(&f);
	buf_release(&b);
}

/* The body's Content-Type picks its parser; a type it does not read
 * is -2 (415). */
static void
test_form_body(void **state)
{
	static const struct {
		const char *type, *body;
		int rc;
	} cases[] = {
		{ "application/x-www-form-urlencoded", "email=a%40b.org", 0 },
		{ "Application/X-WWW-Form-Urlencoded; charset=UTF-8",
		    "email=a%40b.org", 0 },
		{ "application/json", "{\"email\":\"a@b.org\"}", 0 },
		{ "multipart/form-data; boundary=b", "--b\r\nContent-"
		    "Disposition: form-data; name=\"email\"\r\n\r\na@b.org"
		    "\r\n--b--\r\n", 0 },
		{ "multipart/form-data; boundary=b", "--b \t\nContent-"
		    "Disposition: form-data; name=\"email\"\n\na@b.org"
		    "\n--b--", 0 },
		{ "multipart/form-data", "--b--", -1 },
		{ "multipart/form-data; boundary=b", "--b\r\n--b\r\nContent-"
		    "Disposition: form-data; name=\"email\"\r\n\r\na@b.org"
		    "\r\n--b--\r\n", -1 },
		{ "text/plain", "email=a%40b.org", -2 },
		{ "application/x-www-form-urlencodedX", "email=a", -2 },
		{ NULL, "email=a%40b.org", -2 },
	};
	struct form f;
	char err[ERR_LEN], *body;
	size_t i, n;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		/* Exactly the body's bytes, no NUL after them. */
		n = strlen(cases[i].body);
		body = xmalloc(n);
		memcpy(body, cases[i].body, n);
		memset(&f, 0, sizeof(f));
		rc = form_from_body(cases[i].type, body, n, &f, err);
		if (rc != cases[i].rc)
			fail_msg("%s: %d, not %d (%s)", cases[i].type ?
			    cases[i].type : "(none)", rc, cases[i].rc, err);
		if (rc == 0)
			assert_string_equal(f.email, "a@b.org");
		form_release(&f);
		free(body);
	}
}

/* A multipart body that ends right after a delimiter, its padding or
 * a line break is cut short, and read within its bytes. */
static void
test_form_multipart_cut(void **state)
{
	static const char *const bodies[] = {
		"--b", "--b ", "--b\t\t", "--b\r", "--b\r\n",
		"--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nv",
		("--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nv"
		    "\r\n--b"),
	};
	struct form f;
	char err[ERR_LEN], *body;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(bodies) / sizeof(*bodies); i++) {
		n = strlen(bodies[i]);
		body = xmalloc(n);
		memcpy(body, bodies[i], n);
		memset(&f, 0, sizeof(f));
		if (form_from_multipart(body, n, "multipart/form-data; "
		    "boundary=b", &f, err) != -1 || strstr(err, "cut short") ==
		    NULL)
			fail_msg("'%s' is not cut short: %s", bodies[i], err);
		form_release(&f);
		free(body);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_form_cases),
		cmocka_unit_test(test_form_fields),
		cmocka_unit_test(test_form_tags_max),
		cmocka_unit_test(test_form_body),
		cmocka_unit_test(test_form_multipart_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
