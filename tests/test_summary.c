/*
 * Tests for digest/summary.c: summary_collapse and summary_lead, as
 * tables of input and expected output; the rules of issue 15 as cases in
 * tests/data/leads.txt, positive and look-alike; the titles made from
 * leads; and the limits every lead keeps.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "summary.h"
#include "utf8.h"

#include <stdlib.h>

struct collapse_case {
	const char *in;
	size_t len;	/* 0: strlen(in) */
	const char *want;
	size_t want_len;	/* 0: strlen(want) */
};

static const struct collapse_case collapse_cases[] = {
	{ "", 0, "", 0 },
	{ "   \t\n ", 0, "", 0 },
	{ "word", 0, "word", 0 },
	{ "  a \t b\n\nc  ", 0, "a b c", 0 },
	/* no-break, em and ideographic spaces, and U+2029 */
	{ "\xc2\xa0x\xe2\x80\x83y\xe3\x80\x80z\xe2\x80\xa9w\xc2\xa0", 0,
	  "x y z w", 0 },
	/* invalid bytes are text, kept as they are */
	{ "a\xff  \xe2\x80 b", 0, "a\xff \xe2\x80 b", 0 },
	/* a NUL byte is text too */
	{ "a\0   b", 6, "a\0 b", 4 },
};

static void
test_collapse(void **state)
{
	size_t i, len, want_len;
	char *got;

	(void)state;
	for (i = 0; i < sizeof(collapse_cases) / sizeof(collapse_cases[0]);
	    i++) {
		const struct collapse_case *c = &collapse_cases[i];

		len = c->len ? c->len : strlen(c->in);
		want_len = c->want_len ? c->want_len : strlen(c->want);
		got = summary_collapse(c->in, len);
		if (memcmp(got, c->want, want_len + 1) != 0)
			fail_msg("case %zu: got [%s], want [%s]", i, got,
			    c->want);
		free(got);
	}
}

struct lead_case {
	const char *text;
	int n;
	size_t max_chars;
	const char *want;
};

static const struct lead_case lead_cases[] = {
	{ "One. Two. Three.", 2, 0, "One. Two." },
	{ "One. Two. Three.", 1, 0, "One." },
	{ "One. Two. Three.", 5, 0, "One. Two. Three." },
	{ "One. Two. Three.", 0, 0, "" },
	{ "", 2, 0, "" },
	{ " \n\n\t ", 2, 100, "" },
	/* white space inside a sentence collapses; sentences join with one
	 * space */
	{ "First  line\nwraps here.\n\n\nSecond\t\tone.", 2, 0,
	  "First line wraps here. Second one." },
	/* abbreviations do not cut the lead short */
	{ "Mr. Smith went to Washington, D.C. on Monday. He left.", 1, 0,
	  "Mr. Smith went to Washington, D.C. on Monday." },
	/* the lead stops before a sentence that would not fit */
	{ "Short one. This second sentence is rather long.", 2, 15,
	  "Short one." },
	/* exactly max_chars fits */
	{ "Ab. Cd. Ef.", 3, 7, "Ab. Cd." },
	{ "Ab. Cd. Ef.", 3, 11, "Ab. Cd. Ef." },
	/* characters, not bytes: 13 + 1 + 4 = 18 characters, 19 bytes */
	{ "Caf\xc3\xa9 au lait. Tea.", 2, 18, "Caf\xc3\xa9 au lait. Tea." },
	{ "Caf\xc3\xa9 au lait. Tea.", 2, 17, "Caf\xc3\xa9 au lait." },
	/* a first sentence too long is cut at a word boundary, "…" counted */
	{ "The quick brown fox jumps over the lazy dog.", 2, 20,
	  "The quick brown fox\xe2\x80\xa6" },
	{ "The quick brown fox jumps over the lazy dog.", 2, 18,
	  "The quick brown\xe2\x80\xa6" },
	/* no comma before the ellipsis */
	{ "Hello, world and everyone here.", 1, 8, "Hello\xe2\x80\xa6" },
	/* one word longer than the limit is cut inside the word */
	{ "Supercalifragilistic.", 1, 6, "Super\xe2\x80\xa6" },
	/* never inside a character */
	{ "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9.", 1, 4,
	  "\xc3\xa9\xc3\xa9\xc3\xa9\xe2\x80\xa6" },
	{ "Any sentence at all.", 1, 1, "\xe2\x80\xa6" },
	/* the cut applies to the first sentence only */
	{ "A long opening sentence here. Short.", 2, 12,
	  "A long\xe2\x80\xa6" },
};

static void
test_lead(void **state)
{
	size_t i;
	char *got;

	(void)state;
	for (i = 0; i < sizeof(lead_cases) / sizeof(lead_cases[0]); i++) {
		const struct lead_case *c = &lead_cases[i];

		got = summary_lead(c->text, strlen(c->text), c->n,
		    c->max_chars);
		if (strcmp(got, c->want) != 0)
			fail_msg("case %zu (n %d, max %zu): got [%s], want [%s]",
			    i, c->n, c->max_chars, got, c->want);
		free(got);
	}
}

static void
test_lead_defaults(void **state)
{
	const char *text = "First. Second. Third.";
	char *got;

	(void)state;
	got = summary_lead(text, strlen(text), SUMMARY_LEAD_SENTENCES,
	    SUMMARY_LEAD_MAX_CHARS);
	assert_string_equal(got, "First. Second.");
	free(got);
}

static uint64_t rng = 0xD1B54A32D192ED03ull;

static const char *const words[] = {
	"the", "Mr.", "U.S.", "caf\xc3\xa9", "\xe2\x80\x9cquoted\xe2\x80\x9d",
	"word,", "end.", "Why?", "\xe6\x97\xa5\xe6\x9c\xac", "a\xc2\xa0z", "\n",
	"\n\n", "verylongwordwithoutanybreakinsideitatall", "\xe2\x80\xa6",
};

/* 1 when one of the text's paragraphs ends with . ? ! or "…": prose,
 * by the rule that a paragraph without final punctuation is a heading or
 * a standfirst. */
static int
has_prose_paragraph(const char *text, size_t len)
{
	size_t i = 0, end, b;

	while (i < len) {
		const char *brk = memmem(text + i, len - i, "\n\n", 2);

		end = brk ? (size_t)(brk - text) : len;
		b = end;
		while (b > i && strchr(" \n\"')]*", text[b - 1]) != NULL)
			b--;
		if (b > i && (text[b - 1] == '.' || text[b - 1] == '?' ||
		    text[b - 1] == '!' || (b - i >= 3 &&
		    memcmp(text + b - 3, "\xe2\x80\xa6", 3) == 0)))
			return 1;
		i = end + 1;
	}
	return 0;
}

/* Whatever the text and limits: valid UTF-8 out of valid UTF-8, at most
 * max_chars characters, no white space at either end or doubled. */
static void
test_lead_limits(void **state)
{
	char text[4096], *got;
	size_t len, k, max, i, chars;
	int round, n;

	(void)state;
	for (round = 0; round < 5000; round++) {
		len = 0;
		k = tu_rand32(&rng) % 60;
		for (i = 0; i < k; i++) {
			const char *w = words[tu_rand32(&rng) % (sizeof(words) /
			    sizeof(words[0]))];

			memcpy(text + len, w, strlen(w));
			len += strlen(w);
			text[len++] = ' ';
		}
		n = (int)(tu_rand32(&rng) % 4);
		max = tu_rand32(&rng) % 3 == 0 ? 0 : tu_rand32(&rng) % 120;
		got = summary_lead(text, len, n, max);
		chars = utf8_count(got, strlen(got));
		if (!utf8_valid(got, strlen(got)))
			fail_msg("invalid UTF-8: [%s]", got);
		if (max > 0 && chars > max)
			fail_msg("%zu characters over %zu: [%s]", chars, max, got);
		if (*got != '\0' && (got[0] == ' ' ||
		    got[strlen(got) - 1] == ' ' || strstr(got, "  ") != NULL))
			fail_msg("white space left: [%s]", got);
		/* A text with prose never has an empty lead. */
		if (n > 0 && max > 0 && has_prose_paragraph(text, len) &&
		    *got == '\0')
			fail_msg("empty lead of a text with a sentence: [%s]",
			    tu_show(text, len));
		free(got);
	}
}

/*
 * tests/data/leads.txt.
 */

struct lead_file_case {
	char name[256];
	char title[512];
	int n;
	size_t max;
	char *text;		/* owned */
	char *want;		/* owned */
};

/* Reads the case that starts at *p (after "=== "); moves *p past it.
 * 0, or -1 at the end of the file. */
static int
lead_case_read(char **p, struct lead_file_case *c)
{
	char *line, *nl, *sep, *next;
	size_t n;

	memset(c, 0, sizeof(*c));
	c->n = SUMMARY_LEAD_SENTENCES;
	c->max = SUMMARY_LEAD_MAX_CHARS;
	while (**p != '\0' && strncmp(*p, "=== ", 4) != 0)
		*p += strcspn(*p, "\n") + (*p)[strcspn(*p, "\n")] == '\n' ?
		    strcspn(*p, "\n") + 1 : strcspn(*p, "\n");
	if (**p == '\0')
		return -1;
	line = *p + 4;
	nl = strchr(line, '\n');
	n = nl ? (size_t)(nl - line) : strlen(line);
	snprintf(c->name, sizeof(c->name), "%.*s", (int)n, line);
	*p = nl ? nl + 1 : line + n;
	while (**p == '@') {
		nl = strchr(*p, '\n');
		n = nl ? (size_t)(nl - *p) : strlen(*p);
		if (strncmp(*p, "@title ", 7) == 0)
			snprintf(c->title, sizeof(c->title), "%.*s",
			    (int)n - 7, *p + 7);
		else if (strncmp(*p, "@n ", 3) == 0)
			c->n = (int)strtol(*p + 3, NULL, 10);
		else if (strncmp(*p, "@max ", 5) == 0)
			c->max = (size_t)strtoul(*p + 5, NULL, 10);
		else
			fail_msg("%s: unknown option %.*s", c->name,
			    (int)n, *p);
		*p = nl ? nl + 1 : *p + n;
	}
	sep = strstr(*p, "\n---\n");
	if (sep == NULL)
		fail_msg("%s: no \"---\" line", c->name);
	c->text = xstrndup(*p, (size_t)(sep - *p));
	next = strstr(sep + 4, "\n=== ");
	n = next ? (size_t)(next + 1 - (sep + 5)) : strlen(sep + 5);
	/* The expected lead: the lines up to the next case, comments and
	 * blank lines aside. */
	c->want = xstrndup(sep + 5, n);
	while ((line = strstr(c->want, "\n#")) != NULL || (c->want[0] == '#' &&
	    (line = c->want - 1) != NULL))
		line[1] = '\0';
	n = strlen(c->want);
	while (n > 0 && (c->want[n - 1] == '\n' || c->want[n - 1] == ' '))
		c->want[--n] = '\0';
	*p = next ? next + 1 : sep + 5 + n;
	return 0;
}

static void
test_lead_file(void **state)
{
	struct lead_file_case c;
	char *data = tu_read(tu_data_path("leads.txt"), NULL), *p = data, *got;
	int cases = 0, failures = 0;

	(void)state;
	while (lead_case_read(&p, &c) == 0) {
		got = summary_lead_titled(c.title[0] ? c.title : NULL, c.text,
		    strlen(c.text), c.n, c.max);
		if (strcmp(got, c.want) != 0) {
			print_error("%s:\n  got  [%s]\n  want [%s]\n", c.name,
			    got, c.want);
			failures++;
		}
		cases++;
		free(got);
		free(c.text);
		free(c.want);
	}
	free(data);
	assert_true(cases >= 75);
	assert_int_equal(failures, 0);
}

struct title_case {
	const char *lead;
	const char *want;
};

static const struct title_case title_cases[] = {
	/* the first sentence, without its final period */
	{ "The VirtualBox version is actually the 4.2 beta. It failed.",
	  "The VirtualBox version is actually the 4.2 beta" },
	{ "Is it over? Nobody knows.", "Is it over?" },
	/* at most 80 characters, cut at a word boundary, with "…" */
	{ "Sky watchers in Europe, Asia, and parts of Alaska and Canada will "
	  "experience a partial eclipse of the Sun on Saturday.",
	  "Sky watchers in Europe, Asia, and parts of Alaska and Canada will "
	  "experience a\xe2\x80\xa6" },
	{ "", "" },
};

static void
test_title(void **state)
{
	size_t i;
	char *got;

	(void)state;
	for (i = 0; i < sizeof(title_cases) / sizeof(title_cases[0]); i++) {
		got = summary_title(title_cases[i].lead);
		if (strcmp(got, title_cases[i].want) != 0)
			fail_msg("case %zu: got [%s], want [%s]", i, got,
			    title_cases[i].want);
		assert_true(utf8_count(got, strlen(got)) <=
		    SUMMARY_TITLE_MAX_CHARS);
		free(got);
	}
}

/* R8: a title is made for an article with text and none; one with
 * neither has nothing to show; the lead never repeats a made title. */
static void
test_article(void **state)
{
	struct article a;

	(void)state;
	article_init(&a);
	a.body = xstrdup("The VirtualBox version is actually the 4.2 beta but "
	    "it couldn't be selected.");
	assert_int_equal(summary_article(&a, 2, 400), 1);
	assert_string_equal(a.title, "The VirtualBox version is actually the "
	    "4.2 beta but it couldn't be selected");
	assert_string_equal(a.lead, "");
	article_release(&a);

	article_init(&a);
	a.title = xstrdup("  ");
	a.body = xstrdup("Sky watchers in Europe, Asia, and parts of Alaska "
	    "and Canada will experience a partial eclipse of the Sun on "
	    "Saturday, May 31st. It starts at dawn.");
	assert_int_equal(summary_article(&a, 2, 400), 1);
	assert_string_equal(a.title, "Sky watchers in Europe, Asia, and parts "
	    "of Alaska and Canada will experience a\xe2\x80\xa6");
	assert_string_equal(a.lead, "Sky watchers in Europe, Asia, and parts "
	    "of Alaska and Canada will experience a partial eclipse of the Sun "
	    "on Saturday, May 31st. It starts at dawn.");
	article_release(&a);

	article_init(&a);
	a.body = xstrdup("Continue reading...");
	assert_int_equal(summary_article(&a, 2, 400), 0);
	article_release(&a);

	article_init(&a);
	a.title = xstrdup("Trailer");
	a.body = xstrdup("");
	assert_int_equal(summary_article(&a, 2, 400), 1);
	assert_string_equal(a.title, "Trailer");
	assert_string_equal(a.lead, "");
	article_release(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_collapse),
		cmocka_unit_test(test_lead),
		cmocka_unit_test(test_lead_defaults),
		cmocka_unit_test(test_lead_limits),
		cmocka_unit_test(test_lead_file),
		cmocka_unit_test(test_title),
		cmocka_unit_test(test_article),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
