/* Tests for digest/render.c: text wrapping (tests/data/wrap.txt),
 * the template data, and hostile values through the real templates. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "config.h"
#include "render.h"
#include "testutil.h"

static void
check_wrap(const char *name, size_t width, struct buf *in, struct buf *want)
{
	char *got = render_text_wrap(buf_cstr(in), in->len, width);

	if (strcmp(got, buf_cstr(want)) != 0)
		fail_msg("wrap case '%s':\n got: [%s]\nwant: [%s]", name, got,
		    buf_cstr(want));
	free(got);
}

/* A line of the cases file, with its "$" end marker taken off. */
static void
put_line(struct buf *b, const char *line)
{
	size_t n = strlen(line);

	if (n > 0 && line[n - 1] == '$')
		n--;
	buf_append(b, line, n);
	buf_putc(b, '\n');
}

static void
test_wrap_cases(void **state)
{
	struct buf in, want;
	char *data, *line, *next, name[200] = "";
	size_t width = 0;
	int part = 0, cases = 0;
	long long w;

	(void)state;
	data = tu_read(tu_data_path("wrap.txt"), NULL);
	buf_init(&in, 1 << 20);
	buf_init(&want, 1 << 20);
	for (line = data; line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (next == NULL || strncmp(line, "=== ", 4) == 0) {
			if (part == 2) {
				check_wrap(name, width, &in, &want);
				cases++;
			}
			if (next == NULL && strncmp(line, "=== ", 4) != 0)
				break;
			const char *sp = strrchr(line, ' ');

			snprintf(name, sizeof(name), "%.*s", (int)(sp - line - 4),
			    line + 4);
			if (util_parse_long(sp + 1, 0, 1000, &w) == -1)
				fail_msg("bad width in '%s'", line);
			width = (size_t)w;
			buf_truncate(&in, 0);
			buf_truncate(&want, 0);
			part = 1;
		} else if (part == 1 && strcmp(line, "---") == 0) {
			part = 2;
		} else if (part > 0 && *line != '#') {
			put_line(part == 1 ? &in : &want, line);
		}
	}
	assert_true(cases >= 10);
	buf_release(&in);
	buf_release(&want);
	free(data);
}

static void
make_articles(struct article_list *l, const char *title, const char *url,
    const char *lead)
{
	struct article *a = article_list_push(l);

	a->title = xstrdup(title);
	a->url = xstrdup(url);
	a->lead = xstrdup(lead);
	a->author = xstrdup("A. Writer");
	a->published = 1795000000;
	article_tag_add(a, "Science", 7);
	a = article_list_push(l);
	a->title = xstrdup("Second story");
	a->url = xstrdup("https://example.org/2");
	a->lead = xstrdup("Second lead.");
	a->published = 1794990000;
}

static void
test_data_contract(void **state)
{
	struct article_list l;
	struct config c;
	struct render_reader r;
	const char *tags[] = { "science" };
	char err[ERR_LEN];
	json_t *ed, *d;

	(void)state;
	memset(&l, 0, sizeof(l));
	assert_int_equal(config_load(&c, "/dev/null", err), 0);
	make_articles(&l, "Title", "javascript:alert(1)", "Lead.");
	ed = render_edition_data(&c, "2026-W48", 1795000000, &l);
	memset(&r, 0, sizeof(r));
	r.email = "zoe@example.org";
	r.name = "Zoë";
	r.tags = tags;
	r.ntags = 1;
	r.unsubscribe_url = "https://x/unsubscribe?token=t";
	r.preferences_url = "https://x/preferences?token=p";
	r.web_view_url = "https://x/view";
	d = render_reader_data(ed, &r);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    d, "edition"), "id")), "2026-W48");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    d, "edition"), "title")), "digest, week 48");
	assert_int_equal(json_integer_value(json_object_get(d, "count")), 2);
	assert_true(json_is_true(json_object_get(d, "has_articles")));
	/* A javascript: link never reaches a template. */
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(d, "articles"), 0), "url")), "");
	assert_true(json_is_false(json_object_get(json_array_get(
	    json_object_get(d, "articles"), 0), "has_url")));
	assert_int_equal(json_array_size(json_object_get(d, "links")), 1);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    d, "subscriber"), "tags_text")), "science");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    d, "urls"), "unsubscribe")), "https://x/unsubscribe?token=t");
	json_decref(d);
	/* An IDN domain reads in Unicode ("You receive ... at"). */
	r.email = "zoe@xn--tda.example";
	d = render_reader_data(ed, &r);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    d, "subscriber"), "email")), "zoe@\xc3\xbc.example");
	json_decref(d);
	json_decref(ed);
	article_list_release(&l);
	config_release(&c);
}

/* Hostile titles and leads through the shipped templates: nothing comes
 * out raw in the HTML part, and the subject stays one line. */
static void
test_hostile_values(void **state)
{
	struct render_templates t;
	struct article_list l;
	struct render_reader r;
	struct config c;
	struct buf subject, html, text;
	char err[ERR_LEN], dir[4200];
	const char *tdir = getenv("TESTS");
	json_t *ed, *d;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/../templates", tdir ? tdir : "tests");
	memset(&l, 0, sizeof(l));
	assert_int_equal(config_load(&c, "/dev/null", err), 0);
	make_articles(&l, "<script>alert(1)</script>\r\nBcc: x@evil.example",
	    "https://example.org/\"onmouseover=\"alert(1)",
	    "</table><img src=x onerror=alert(1)> & more");
	if (render_templates_load(&t, dir, c.subject, err) == -1)
		fail_msg("%s", err);
	ed = render_edition_data(&c, "2026-W48", 1795000000, &l);
	memset(&r, 0, sizeof(r));
	r.email = "a@example.org";
	r.name = "\"><script>x()</script>";
	r.unsubscribe_url = r.preferences_url = r.web_view_url = "#";
	d = render_reader_data(ed, &r);
	buf_init(&subject, 4096);
	buf_init(&html, RENDER_MAX_BYTES);
	buf_init(&text, RENDER_MAX_BYTES);
	if (render_digest(&t, d, 72, &subject, &html, &text, err) == -1)
		fail_msg("%s", err);
	assert_null(strstr(buf_cstr(&html), "<script"));
	assert_null(strstr(buf_cstr(&html), "<img"));
	assert_null(strstr(buf_cstr(&html), "\"onmouseover"));
	assert_non_null(strstr(buf_cstr(&html), "&lt;script&gt;"));
	assert_null(strchr(buf_cstr(&subject), '\n'));
	assert_true(subject.len > 0 && subject.data[subject.len - 1] != ' ');
	assert_null(strchr(buf_cstr(&subject), '\r'));
	/* The text part is text: the title as written, not escaped. */
	assert_non_null(strstr(buf_cstr(&text), "<script>alert(1)</script>"));
	buf_release(&subject);
	buf_release(&html);
	buf_release(&text);
	json_decref(d);
	json_decref(ed);
	render_templates_release(&t);
	article_list_release(&l);
	config_release(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wrap_cases),
		cmocka_unit_test(test_data_contract),
		cmocka_unit_test(test_hostile_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
