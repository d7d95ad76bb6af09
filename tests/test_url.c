/*
 * url: RFC 3986 reference resolution.
 *
 * Cases as data: tests/data/urls.txt, every example of RFC 3986 section
 * 5.4 (normal and abnormal) and what feeds do, in sections. The file's
 * inventory says how many cases each section holds: a case that goes
 * missing, or one added without being counted, fails the test, and the
 * RFC's two sections must hold as many cases as the RFC has examples.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"
#include "url.h"

#define URL_TABLE "urls.txt"
#define URL_SECTIONS 16
#define URL_CASES 256

/* RFC 3986 5.4.1 lists 23 normal examples, 5.4.2 19 abnormal ones. */
static const struct {
	const char *name;
	int count;
} rfc_sections[] = { { "5.4.1", 23 }, { "5.4.2", 19 } };

struct url_section {
	char name[32];
	int want;		/* the inventory's count */
	int got;		/* the cases read */
};

struct url_table {
	struct url_section s[URL_SECTIONS];
	int n;
	char *seen[URL_CASES];	/* "section base ref" of each case; owned */
	int nseen;
	int failures;
};

static struct url_section *
section_find(struct url_table *t, const char *name)
{
	int i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->s[i].name, name) == 0)
			return &t->s[i];
	return NULL;
}

/* "inventory <TAB> section <TAB> count": one line per section, before
 * its cases. */
static void
inventory_row(struct url_table *t, char **f, int nf, int lineno)
{
	struct url_section *s;
	long long count = 0;

	if (nf != 3 || util_parse_long(f[2], 1, URL_CASES, &count) == -1 ||
	    strlen(f[1]) >= sizeof(s->name) || section_find(t, f[1]) != NULL ||
	    t->n == URL_SECTIONS)
		fail_msg("%s:%d: bad inventory line", URL_TABLE, lineno);
	s = &t->s[t->n++];
	snprintf(s->name, sizeof(s->name), "%s", f[1]);
	s->want = (int)count;
	s->got = 0;
}

/* A case seen before in its section would count twice. */
static void
case_once(struct url_table *t, char **f, int lineno)
{
	char key[4096];
	int i;

	snprintf(key, sizeof(key), "%s\t%s\t%s", f[0], f[1], f[2]);
	for (i = 0; i < t->nseen; i++)
		if (strcmp(t->seen[i], key) == 0)
			fail_msg("%s:%d: the same case twice", URL_TABLE, lineno);
	if (t->nseen == URL_CASES)
		fail_msg("%s: more than %d cases", URL_TABLE, URL_CASES);
	t->seen[t->nseen++] = strdup(key);
}

/* "section <TAB> base <TAB> reference <TAB> expected". */
static void
case_row(struct url_table *t, char **f, int nf, int lineno)
{
	struct url_section *s = section_find(t, f[0]);
	char *got;

	if (nf != 4 || s == NULL)
		fail_msg("%s:%d: bad line, or a section without an inventory "
		    "line", URL_TABLE, lineno);
	case_once(t, f, lineno);
	s->got++;
	got = url_resolve(f[2], f[1]);
	if (strcmp(got, f[3]) != 0) {
		print_error("%s:%d: '%s' against '%s' gave '%s', want '%s'\n",
		    URL_TABLE, lineno, f[2], f[1], got, f[3]);
		t->failures++;
	}
	free(got);
}

/* Each section holds the cases its inventory line counts, and the RFC's
 * sections as many as the RFC has examples. */
static void
inventory_check(const struct url_table *t)
{
	const struct url_section *s;
	size_t k;
	int i;

	for (i = 0; i < t->n; i++) {
		s = &t->s[i];
		print_message("%s: section %s: %d cases\n", URL_TABLE, s->name,
		    s->got);
		if (s->got != s->want)
			fail_msg("%s: section %s holds %d cases, its inventory "
			    "%d", URL_TABLE, s->name, s->got, s->want);
	}
	for (k = 0; k < sizeof(rfc_sections) / sizeof(rfc_sections[0]); k++) {
		s = section_find((struct url_table *)t, rfc_sections[k].name);
		if (s == NULL || s->want != rfc_sections[k].count)
			fail_msg("%s: section %s must hold RFC 3986's %d "
			    "examples", URL_TABLE, rfc_sections[k].name,
			    rfc_sections[k].count);
	}
}

static void
test_url_table(void **state)
{
	struct url_table *t = calloc(1, sizeof(*t));
	char *data = tu_read(tu_data_path(URL_TABLE), NULL), *text = data;
	char *row, *f[4];
	int lineno = 0, nf, i;

	(void)state;
	while ((row = tu_row(&text, &lineno)) != NULL) {
		nf = tu_fields(row, f, 4);
		if (strcmp(f[0], "inventory") == 0)
			inventory_row(t, f, nf, lineno);
		else
			case_row(t, f, nf, lineno);
	}
	inventory_check(t);
	if (t->failures != 0)
		fail_msg("%s: %d failures", URL_TABLE, t->failures);
	for (i = 0; i < t->nseen; i++)
		free(t->seen[i]);
	free(t);
	free(data);
}

/* No base: the reference as it is, whatever it holds. */
static void
test_url_no_base(void **state)
{
	static const char *const refs[] = { "a/b", "../g", "", "?y", "#s",
	    "http://a/b" };
	char *got;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
		got = url_resolve(refs[i], NULL);
		assert_string_equal(got, refs[i]);
		free(got);
	}
}

/* RFC 3986 3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ),
 * then ':'. */
static void
test_url_has_scheme(void **state)
{
	static const struct {
		const char *s;
		int want;
	} cases[] = {
		{ "g:h", 1 }, { "http://a", 1 }, { "HTTPS://a", 1 },
		{ "a+b-c.d9:x", 1 }, { "x:", 1 }, { "1a:b", 0 }, { ":b", 0 },
		{ "./g:h", 0 }, { "a/b:c", 0 }, { "a?b:c", 0 }, { "", 0 },
		{ "abc", 0 }, { "a_b:c", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (url_has_scheme(cases[i].s) != cases[i].want)
			fail_msg("url_has_scheme('%s') is not %d", cases[i].s,
			    cases[i].want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_table),
		cmocka_unit_test(test_url_no_base),
		cmocka_unit_test(test_url_has_scheme),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
