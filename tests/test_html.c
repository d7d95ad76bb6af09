/* Tests for digest/html.c: cases in tests/data/html_to_text.txt, limits
 * and hostile input. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "buf.h"
#include "html.h"
#include "testutil.h"
#include "utf8.h"

/* Removes trailing newlines in place. */
static void
chomp(struct buf *b)
{
	while (b->len > 0 && b->data[b->len - 1] == '\n')
		buf_truncate(b, b->len - 1);
}

static void
check_case(const char *name, struct buf *in, struct buf *want)
{
	char *got;

	chomp(in);
	chomp(want);
	got = html_to_text(buf_cstr(in), in->len, 1 << 20);
	if (strcmp(got, buf_cstr(want)) != 0)
		fail_msg("case '%s':\n got: [%s]\nwant: [%s]", name, got,
		    buf_cstr(want));
	free(got);
}

static void
test_cases_file(void **state)
{
	struct buf in, want;
	char *data, *text, *line, name[200] = "";
	size_t len;
	int part = 0, cases = 0;	/* 0 none, 1 input, 2 expected */

	(void)state;
	data = tu_read(tu_data_path("html_to_text.txt"), &len);
	buf_init(&in, 1 << 20);
	buf_init(&want, 1 << 20);
	text = data;
	while ((line = tu_line(&text, NULL)) != NULL) {
		if (strncmp(line, "=== ", 4) == 0) {
			if (part == 2) {
				check_case(name, &in, &want);
				cases++;
			}
			snprintf(name, sizeof(name), "%s", line + 4);
			buf_truncate(&in, 0);
			buf_truncate(&want, 0);
			part = 1;
		} else if (part == 1 && strcmp(line, "---") == 0) {
			part = 2;
		} else if (part == 1 || part == 2) {
			struct buf *b = part == 1 ? &in : &want;

			buf_puts(b, line);
			buf_putc(b, '\n');
		}
	}
	if (part == 2) {
		check_case(name, &in, &want);
		cases++;
	}
	assert_true(cases >= 15);
	buf_release(&in);
	buf_release(&want);
	free(data);
}

static void
test_max_is_respected_on_a_character(void **state)
{
	const char *html = "<p>ééééééééééééééééééééééé</p>";
	char *got;

	(void)state;
	got = html_to_text(html, strlen(html), 7);
	assert_true(strlen(got) <= 7);
	assert_true(utf8_valid(got, strlen(got)));
	free(got);
}

/* A cut at max inside "word word" or a paragraph break leaves no white
 * space at the end (found by fuzz_html). */
static void
test_max_cut_leaves_no_space(void **state)
{
	const char *html = "<p>one two</p><p>three</p>";
	char *got;

	(void)state;
	got = html_to_text(html, strlen(html), 4);
	assert_string_equal(got, "one");
	free(got);
	got = html_to_text(html, strlen(html), 8);
	assert_string_equal(got, "one two");
	free(got);
	got = html_plain_to_text("one two\n\nthree", 15, 9);
	assert_string_equal(got, "one two");
	free(got);
}

/* A control character between spaces is dropped and the spaces stay one
 * run, on the quick path as in libxml2's (found by fuzz_html). */
static void
test_control_between_spaces(void **state)
{
	const char *html = "<p>  lots \x1e of</p>";
	char *got;

	(void)state;
	got = html_quick_to_text(html, strlen(html), 100);
	assert_non_null(got);
	assert_string_equal(got, "lots of");
	free(got);
	got = html_parsed_to_text(html, strlen(html), 100);
	assert_string_equal(got, "lots of");
	free(got);
}

/* An attribute name with punctuation ("as]be") is one tag to HTML and
 * a broken tag to libxml2: the quick path leaves it to the parser, so
 * both paths agree (found by fuzz_html). */
static void
test_odd_attribute_name(void **state)
{
	const char *html = "find\">\n<meta y=\"o>:u\" as]be=\"o>\" as "
	    "between two, three -p>";
	char *got;

	(void)state;
	assert_null(html_quick_to_text(html, strlen(html), 100));
	got = html_quick_to_text("<p a-b:c_d.e=\"1\" f>x</p>", 24, 100);
	assert_non_null(got);
	assert_string_equal(got, "x");
	free(got);
	got = html_to_text(html, strlen(html), 100);
	assert_true(utf8_valid(got, strlen(got)));
	free(got);
}

/* After a head element (meta, link, base) libxml2 may keep an unknown
 * element and its text in the head: the quick path leaves such
 * fragments to the parser (found by fuzz_html). */
static void
test_head_element(void **state)
{
	static const char *const frags[] = { "<meta a><t>aur",
	    "<link a><t>aur", "<base a><t>aur" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(frags) / sizeof(frags[0]); i++)
		assert_null(html_quick_to_text(frags[i], strlen(frags[i]),
		    100));
}

/* Text before any tag is in a <p> libxml2 implies, which what closes a
 * <p> closes ("<col>", "<colgroup>"): two paragraphs on both paths, one
 * when the text comes after a tag (found by fuzz_html). */
static void
test_implied_paragraph(void **state)
{
	static const struct { const char *html, *text; } cases[] = {
		{ "a<col>b", "a\n\nb" }, { "a<br><col>b", "a\n\nb" },
		{ "a<b>c</b><colgroup>d", "ac\n\nd" },
		{ "<i>a</i><col>b", "ab" }, { "<p>a</p>c<col>d", "a\n\ncd" },
		{ "a<div>b</div>c<col>d", "a\n\nb\n\ncd" },
	};
	size_t i;
	char *quick, *parsed;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		quick = html_quick_to_text(cases[i].html,
		    strlen(cases[i].html), 100);
		parsed = html_parsed_to_text(cases[i].html,
		    strlen(cases[i].html), 100);
		assert_non_null(quick);
		assert_string_equal(quick, cases[i].text);
		assert_string_equal(parsed, cases[i].text);
		free(quick);
		free(parsed);
	}
}

static void
test_hostile_input(void **state)
{
	struct buf b;
	size_t i;
	char *got;
	static const char junk[] = "<p>a\0b\xff\xfe<b>c</p>";

	(void)state;
	/* Deep nesting: libxml2 caps depth; we must terminate and not crash. */
	buf_init(&b, 64 << 20);
	for (i = 0; i < 200000; i++)
		buf_puts(&b, "<div>");
	buf_puts(&b, "deep");
	got = html_to_text(buf_cstr(&b), b.len, 1 << 20);
	assert_true(utf8_valid(got, strlen(got)));
	free(got);
	buf_release(&b);

	/* NUL and invalid UTF-8 never reach the text as such. */
	got = html_to_text(junk, sizeof(junk) - 1, 1 << 20);
	assert_true(utf8_valid(got, strlen(got)));
	assert_null(memchr(got, 0xff, strlen(got)));
	free(got);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases_file),
		cmocka_unit_test(test_max_is_respected_on_a_character),
		cmocka_unit_test(test_max_cut_leaves_no_space),
		cmocka_unit_test(test_control_between_spaces),
		cmocka_unit_test(test_odd_attribute_name),
		cmocka_unit_test(test_head_element),
		cmocka_unit_test(test_implied_paragraph),
		cmocka_unit_test(test_hostile_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
