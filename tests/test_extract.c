/*
 * extract: the seed page read in place, the project's own pages under
 * tests/data/pages (one case per *.expect file, run as its own test), and
 * hostile input that must neither crash nor hang.
 *
 * An .expect file sits next to its page (same name, .html or .txt) and
 * holds "key: value" lines; # starts a comment:
 *   title:     the exact title ("title:" alone: no title)
 *   first:     the body starts with this
 *   last:      the body ends with this
 *   contains:  the body holds this (repeatable)
 *   absent:    the body does not hold this, in any case (repeatable)
 *   tags:      the exact tags, in order, comma-separated (empty: none)
 *   paragraphs: the number of paragraphs of the body
 *   url:, author:  exact values
 *   error:     extraction fails with this message (nothing else is read)
 * A case must give error, or title, first, last and tags.
 * Tag lines have their own cases: tests/data/pages/tag-lines.cases.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <time.h>

#include "testutil.h"

#include "article.h"
#include "extract.h"
#include "summary.h"
#include "utf8.h"
#include "util.h"

#define SEED "seeds/scraped-article.txt"

static int
contains_ci(const char *hay, const char *needle)
{
	return strcasestr(hay, needle) != NULL;
}

static void
assert_prefix(const char *s, const char *prefix)
{
	if (strncmp(s, prefix, strlen(prefix)) != 0)
		fail_msg("body does not start with \"%s\":\n%.200s", prefix, s);
}

static void
assert_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	if (k > n || strcmp(s + n - k, suffix) != 0)
		fail_msg("body does not end with \"%s\":\n...%s", suffix,
		    n > 200 ? s + n - 200 : s);
}

static size_t
count_paragraphs(const char *s)
{
	size_t n = *s != '\0';
	const char *p = s;

	while ((p = strstr(p, "\n\n")) != NULL) {
		n++;
		p += 2;
	}
	return n;
}

/* Compares a's tags with a comma-separated list, in order. */
static void
assert_tags(const struct article *a, const char *want)
{
	char got[4096];
	size_t i, n = 0;

	got[0] = '\0';
	for (i = 0; i < a->ntags; i++)
		n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%s",
		    i ? ", " : "", a->tags[i]);
	if (strcmp(got, want) != 0)
		fail_msg("tags: got \"%s\", want \"%s\"", got, want);
}

/* The basic promises of any successful extraction. */
static void
assert_sane(const struct article *a)
{
	assert_non_null(a->body);
	assert_true(utf8_valid(a->body, strlen(a->body)));
	assert_true(strlen(a->body) <= (1u << 20));
	assert_null(strstr(a->body, "\n\n\n"));
	if (a->title != NULL) {
		assert_true(utf8_valid(a->title, strlen(a->title)));
		assert_null(strchr(a->title, '\n'));
	}
}

/*
 * Page cases.
 */

struct page_case {
	char page[4096];
	char expect[4096];
	int html;
};

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Cuts a "key: value" line at its colon, in place; returns the value
 * without the spaces before it, or NULL when the line has no colon. */
static char *
key_value(char *line)
{
	char *val = strchr(line, ':');

	if (val == NULL)
		return NULL;
	*val++ = '\0';
	while (*val == ' ')
		val++;
	return val;
}

/* Checks one "key: value" line of an .expect file against the result. */
static void
check_line(const struct page_case *c, const struct article *a,
    const char *key, const char *val, int *seen)
{
	long long n;

	if (strcmp(key, "title") == 0) {
		if (*val == '\0')
			assert_null(a->title);
		else if (a->title == NULL || strcmp(a->title, val) != 0)
			fail_msg("%s: title \"%s\", want \"%s\"", c->page,
			    a->title ? a->title : "(none)", val);
		*seen |= 1;
	} else if (strcmp(key, "first") == 0) {
		assert_prefix(a->body, val);
		*seen |= 2;
	} else if (strcmp(key, "last") == 0) {
		assert_suffix(a->body, val);
		*seen |= 4;
	} else if (strcmp(key, "tags") == 0) {
		assert_tags(a, val);
		*seen |= 8;
	} else if (strcmp(key, "contains") == 0) {
		if (strstr(a->body, val) == NULL)
			fail_msg("%s: body lacks \"%s\"", c->page, val);
	} else if (strcmp(key, "absent") == 0) {
		if (contains_ci(a->body, val))
			fail_msg("%s: body holds \"%s\"", c->page, val);
	} else if (strcmp(key, "paragraphs") == 0) {
		assert_int_equal(util_parse_long(val, 0, 100000, &n), 0);
		if (count_paragraphs(a->body) != (size_t)n)
			fail_msg("%s: %zu paragraphs, want %lld:\n%s", c->page,
			    count_paragraphs(a->body), n, a->body);
	} else if (strcmp(key, "url") == 0) {
		assert_non_null(a->url);
		assert_string_equal(a->url, val);
	} else if (strcmp(key, "author") == 0) {
		assert_non_null(a->author);
		assert_string_equal(a->author, val);
	} else if (strcmp(key, "lead") == 0) {
		/* The lead ingest stores for the page (issue 15). */
		char *lead = summary_lead_titled(a->title, a->body,
		    strlen(a->body), SUMMARY_LEAD_SENTENCES,
		    SUMMARY_LEAD_MAX_CHARS);

		if (strcmp(lead, val) != 0)
			fail_msg("%s: lead \"%s\", want \"%s\"", c->page, lead,
			    val);
		free(lead);
	} else {
		fail_msg("%s: unknown key \"%s\"", c->expect, key);
	}
}

/* The value of the first "error:" line of an .expect file, or NULL. */
static const char *
expect_error(char *expect)
{
	char *p = expect;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, "error:", 6) == 0) {
			p += 6;
			while (*p == ' ')
				p++;
			p[strcspn(p, "\n")] = '\0';
			return p;
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return NULL;
}

static void
test_page_case(void **state)
{
	const struct page_case *c = *state;
	char err[ERR_LEN] = "", *page, *expect, *text, *line, *val;
	const char *want_err;
	size_t len;
	struct article a;
	int rc, seen = 0;

	page = tu_read(c->page, &len);
	expect = tu_read(c->expect, NULL);
	article_init(&a);
	rc = c->html ? extract_html(page, len, &a, err) :
	    extract_text(page, len, &a, err);
	if ((want_err = expect_error(expect)) != NULL) {
		if (rc != -1)
			fail_msg("%s: extracted, want error \"%s\"; body:\n%s",
			    c->page, want_err, a.body);
		assert_string_equal(err, want_err);
		assert_null(a.body);
		goto out;
	}
	if (rc != 0)
		fail_msg("%s: %s", c->page, err);
	assert_sane(&a);
	text = expect;
	while ((line = tu_row(&text, NULL)) != NULL) {
		if ((val = key_value(line)) == NULL)
			fail_msg("%s: no key in \"%s\"", c->expect, line);
		check_line(c, &a, line, val, &seen);
	}
	if (seen != 15)
		fail_msg("%s: a case needs title, first, last and tags",
		    c->expect);
out:
	article_release(&a);
	free(page);
	free(expect);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists the .expect files, sorted; returns how many. Caller frees. */
static size_t
list_cases(const char *dir, char ***names)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0, cap = 0;

	*names = NULL;
	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (!ends_with(e->d_name, ".expect"))
			continue;
		xgrow(names, &cap, n + 1, sizeof(**names));
		(*names)[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (n > 0)
		qsort(*names, n, sizeof(**names), name_cmp);
	return n;
}

/* Fills c for the case name.expect: 0, or -1 when it has no page. */
static int
case_init(struct page_case *c, const char *dir, const char *name)
{
	size_t base = strlen(name) - strlen(".expect");
	struct stat st;

	if (snprintf(c->expect, sizeof(c->expect), "%s/%s", dir, name) >=
	    (int)sizeof(c->expect))
		return -1;
	c->html = 1;
	if (snprintf(c->page, sizeof(c->page), "%s/%.*s.html", dir, (int)base,
	    name) < (int)sizeof(c->page) && stat(c->page, &st) == 0)
		return 0;
	c->html = 0;
	if (snprintf(c->page, sizeof(c->page), "%s/%.*s.txt", dir, (int)base,
	    name) < (int)sizeof(c->page) && stat(c->page, &st) == 0)
		return 0;
	return -1;
}

/*
 * The seed page, read in place.
 */

/* The seed page, read whole; skips the test when ../shared lacks it.
 * Caller frees. */
static char *
seed_read(size_t *len)
{
	const char *path;

	TU_SHARED_OR_SKIP(path, SEED);
	return tu_read(path, len);
}

/* What the seed gives however its lines end: its title, the first and
 * last words of its body, its tags. */
static void
assert_seed(const struct article *a)
{
	assert_string_equal(a->title,
	    "Obama looks for common ground with China on cyber issues");
	assert_prefix(a->body, "President Barack Obama has called for");
	assert_suffix(a->body, "including their software's source code.");
	assert_tags(a, "regulation, security, government");
}

static void
test_seed(void **state)
{
	static const char *const furniture[] = {
		"Menu", "Follow Us", "newsletter", "Error:", "Featured",
		"Slideshows", "Kiwi channel", "Show Comments",
		"The two countries have often been at odds",
	};
	char err[ERR_LEN], *data;
	size_t len, i;
	struct article a;

	(void)state;
	data = seed_read(&len);
	article_init(&a);
	if (extract_text(data, len, &a, err) != 0)
		fail_msg("%s", err);
	assert_sane(&a);
	assert_seed(&a);
	for (i = 0; i < sizeof(furniture) / sizeof(furniture[0]); i++)
		if (strstr(a.body, furniture[i]) != NULL)
			fail_msg("body holds \"%s\"", furniture[i]);
	assert_int_equal(count_paragraphs(a.body), 12);
	article_release(&a);
	free(data);
}

/* The seed without its tag line has no tags: none are ever invented. */
static void
test_seed_no_tag_line(void **state)
{
	char err[ERR_LEN], *data, *tags;
	size_t len;
	struct article a;

	(void)state;
	data = seed_read(&len);
	tags = strstr(data, "Tags ");
	assert_non_null(tags);
	memset(tags, ' ', strcspn(tags, "\n"));
	article_init(&a);
	assert_int_equal(extract_text(data, len, &a, err), 0);
	assert_int_equal(a.ntags, 0);
	assert_prefix(a.body, "President Barack Obama has called for");
	article_release(&a);
	free(data);
}

/* The seed with Windows line ends and no blank lines gives the same. */
static void
test_seed_crlf(void **state)
{
	char err[ERR_LEN], *data, *crlf;
	size_t len, i, n = 0;
	struct article a;

	(void)state;
	data = seed_read(&len);
	crlf = xmalloc(len * 2 + 1);
	for (i = 0; i < len; i++) {
		if (data[i] == '\n' && i > 0 && data[i - 1] == '\n')
			continue;
		if (data[i] == '\n')
			crlf[n++] = '\r';
		crlf[n++] = data[i];
	}
	article_init(&a);
	assert_int_equal(extract_text(crlf, n, &a, err), 0);
	assert_seed(&a);
	article_release(&a);
	free(data);
	free(crlf);
}

/*
 * Tag lines: tests/data/pages/tag-lines.cases.
 */

#define TAG_FILLER "This paragraph is here so that the page has prose enough " \
	"to be read as an article, and its words are known to the page: "

struct tag_case {
	char words[512];
	char line[512];
	char tags[512];
	int have;	/* 1 words, 2 line, 4 tags */
	int lineno;
};

static void
run_tag_case(const struct tag_case *c)
{
	char page[2048], err[ERR_LEN];
	struct article a;
	int n;

	if (c->have != 7)
		fail_msg("tag-lines.cases:%d: a case needs words, line and tags",
		    c->lineno);
	n = snprintf(page, sizeof(page), "Glued tag lines under test\n\n"
	    TAG_FILLER "%s.\n\n%s\n", c->words, c->line);
	assert_true(n > 0 && n < (int)sizeof(page));
	article_init(&a);
	if (extract_text(page, (size_t)n, &a, err) != 0)
		fail_msg("tag-lines.cases:%d: %s", c->lineno, err);
	print_message("tag-lines.cases:%d: %s\n", c->lineno, c->line);
	assert_tags(&a, c->tags);
	article_release(&a);
}

static void
test_tag_lines(void **state)
{
	char *data, *text, *line, *val;
	struct tag_case c;
	int lineno = 0, cases = 0;

	(void)state;
	data = tu_read(tu_data_path("pages/tag-lines.cases"), NULL);
	memset(&c, 0, sizeof(c));
	text = data;
	while ((line = tu_line(&text, &lineno)) != NULL) {
		if (*line == '#')
			continue;
		if (*line == '\0') {
			if (c.have != 0) {
				run_tag_case(&c);
				cases++;
			}
			memset(&c, 0, sizeof(c));
			continue;
		}
		if (c.have == 0)
			c.lineno = lineno;
		if ((val = key_value(line)) == NULL)
			fail_msg("tag-lines.cases:%d: no key", lineno);
		if (strcmp(line, "words") == 0) {
			snprintf(c.words, sizeof(c.words), "%s", val);
			c.have |= 1;
		} else if (strcmp(line, "line") == 0) {
			snprintf(c.line, sizeof(c.line), "%s", val);
			c.have |= 2;
		} else if (strcmp(line, "tags") == 0) {
			snprintf(c.tags, sizeof(c.tags), "%s", val);
			c.have |= 4;
		} else {
			fail_msg("tag-lines.cases:%d: unknown key", lineno);
		}
	}
	if (c.have != 0) {
		run_tag_case(&c);
		cases++;
	}
	assert_true(cases >= 10);
	free(data);
}

/*
 * Failures leave the caller's article alone.
 */

static void
test_failure_keeps_article(void **state)
{
	static const char menu[] = "Home\nNews\nSport\nContact us\n";
	static const char html[] = "<html><head><title>Home - Site</title>"
	    "</head><body><nav><a href=/>Home</a></nav></body></html>";
	char err[ERR_LEN];
	struct article a;

	(void)state;
	article_init(&a);
	a.title = xstrdup("kept");
	a.source = xstrdup("source");
	err[0] = '\0';
	assert_int_equal(extract_text(menu, sizeof(menu) - 1, &a, err), -1);
	assert_string_equal(err, "no article text found");
	err[0] = '\0';
	assert_int_equal(extract_html(html, sizeof(html) - 1, &a, err), -1);
	assert_string_equal(err, "no article text found");
	assert_int_equal(extract_text("", 0, &a, err), -1);
	assert_int_equal(extract_html("", 0, &a, err), -1);
	assert_string_equal(a.title, "kept");
	assert_string_equal(a.source, "source");
	assert_null(a.body);
	assert_int_equal(a.ntags, 0);
	article_release(&a);
}

/* A success sets what it found and keeps what the caller set. */
static void
test_success_keeps_source(void **state)
{
	static const char text[] = "A headline about the river\n\n"
	    "The river rose by two metres overnight, flooding the lower town "
	    "and closing both bridges, officials said on Monday morning.\n\n"
	    "Residents were told to move to higher ground, and schools in the "
	    "valley stayed closed while engineers checked the old levee.\n";
	char err[ERR_LEN];
	struct article a;

	(void)state;
	article_init(&a);
	a.source = xstrdup("river.txt");
	assert_int_equal(extract_text(text, sizeof(text) - 1, &a, err), 0);
	assert_string_equal(a.source, "river.txt");
	assert_string_equal(a.title, "A headline about the river");
	assert_int_equal(count_paragraphs(a.body), 2);
	article_release(&a);
}

/*
 * Hostile input: each must return (0 or -1) quickly, without a crash,
 * and anything it returns must be sane.
 */

#define PROSE "<p>The council voted on Tuesday to rebuild the harbour wall, " \
	"which storms broke twice last winter, and to pay for it with a " \
	"loan over twenty years.</p>"

static double
cpu_seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Runs one hostile input through both extractors; returns extract_html's
 * status. */
static int
run_hostile(const char *what, const char *s, size_t len)
{
	struct timespec t0;
	struct article a;
	char err[ERR_LEN];
	int rc, rc_text;
	double secs;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	article_init(&a);
	rc = extract_html(s, len, &a, err);
	if (rc == 0)
		assert_sane(&a);
	else
		assert_null(a.body);
	article_release(&a);
	article_init(&a);
	rc_text = extract_text(s, len, &a, err);
	if (rc_text == 0)
		assert_sane(&a);
	article_release(&a);
	secs = cpu_seconds_since(&t0);
	/* A bound on work, not a speed: CPU time, which a busy machine
	 * does not inflate; generous for sanitizer builds (a normal build
	 * takes under 3 s for the slowest input here). */
	if (secs > 20.0)
		fail_msg("%s: took %.1f s", what, secs);
	return rc;
}

static char *
repeat(const char *unit, size_t times, const char *tail, size_t *len)
{
	size_t u = strlen(unit), t = strlen(tail), i;
	char *s = xmalloc(u * times + t + 1);

	for (i = 0; i < times; i++)
		memcpy(s + i * u, unit, u);
	memcpy(s + u * times, tail, t + 1);
	*len = u * times + t;
	return s;
}

static void
test_hostile_deep_nesting(void **state)
{
	static const char *const units[] = { "<div>", "<b>", "<p>", "<li>",
	    "<table><tr><td>", "<blockquote>", "<span class=a>" };
	char *s, *deep;
	size_t len, i, n;

	(void)state;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		s = repeat(units[i], 10000, PROSE, &len);
		run_hostile(units[i], s, len);
		free(s);
	}
	/* The article first, then the deep part: the article survives. */
	deep = repeat("<div class=x>", 10000, "deep", &n);
	s = xmalloc(n + 1000);
	len = (size_t)snprintf(s, n + 1000, "<html><body><article>%s%s"
	    "</article>%s", PROSE, PROSE, deep);
	assert_int_equal(run_hostile("article then deep", s, len), 0);
	free(s);
	free(deep);
}

static void
test_hostile_unclosed(void **state)
{
	static const char page[] = "<html><head><title>Unclosed - Site"
	    "<body><div class=content><h1>Unclosed tags<p>The council voted "
	    "on Tuesday to rebuild the harbour wall, which storms broke twice "
	    "last winter.<p>It will pay for it with a loan over twenty years, "
	    "the mayor said, and work starts in spring.<div><span><b><i><a "
	    "href='x";
	char err[ERR_LEN];
	struct article a;

	(void)state;
	article_init(&a);
	assert_int_equal(extract_html(page, sizeof(page) - 1, &a, err), 0);
	assert_sane(&a);
	assert_prefix(a.body, "The council voted on Tuesday");
	assert_non_null(strstr(a.body, "work starts in spring."));
	article_release(&a);
	run_hostile("unclosed", page, sizeof(page) - 1);
	run_hostile("lone <", "<", 1);
	run_hostile("lone &", "&", 1);
	run_hostile("comment", "<!--", 4);
	run_hostile("doctype", "<!DOCTYPE", 9);
}

static void
test_hostile_huge_attributes(void **state)
{
	size_t big = 8u << 20, len, i;
	char *s = xmalloc(big + 4096);
	static const char *const attrs[] = { "class", "id", "style", "content",
	    "itemprop", "rel" };

	(void)state;
	for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		len = (size_t)snprintf(s, 4096, "<html><head><meta property="
		    "og:title %s=\"", attrs[i]);
		memset(s + len, i % 2 ? 'a' : ' ', big);
		len += big;
		len += (size_t)snprintf(s + len, 4096, "\"></head><body><div "
		    "%s=\"share-bar\">x</div><article>%s%s</article>",
		    attrs[i], PROSE, PROSE);
		run_hostile(attrs[i], s, len);
	}
	free(s);
}

static void
test_hostile_bytes(void **state)
{
	char page[1024], *s;
	size_t len, i;
	uint32_t x = 2463534242u;
	struct article a;
	char err[ERR_LEN];

	(void)state;
	/* NUL bytes and invalid UTF-8 inside the article. */
	len = (size_t)snprintf(page, sizeof(page), "<html><body><article>%s"
	    "%s</article></body></html>", PROSE, PROSE);
	page[40] = '\0';
	page[60] = (char)0xFF;
	page[61] = (char)0xC3;
	article_init(&a);
	assert_int_equal(extract_html(page, len, &a, err), 0);
	assert_sane(&a);
	assert_null(memchr(a.body, '\0', strlen(a.body)));
	article_release(&a);
	article_init(&a);
	assert_int_equal(extract_text(page, len, &a, err), -1);
	article_release(&a);
	/* Random bytes, a fixed xorshift sequence so a failure repeats. */
	s = xmalloc(1u << 20);
	for (i = 0; i < (1u << 20); i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		s[i] = (char)(x & 0xFF);
	}
	run_hostile("random bytes", s, 1u << 20);
	/* Random bytes made of markup characters. */
	for (i = 0; i < (1u << 20); i++)
		s[i] = "<>/=\"' &;#abp\n"[(unsigned char)s[i] % 14];
	run_hostile("random markup", s, 1u << 20);
	free(s);
}

/* Extracts a page of megabytes of prose, as HTML or as text: the body
 * stops at its cap (assert_sane) and still holds more than half of it. */
static void
assert_capped_body(const char *page, size_t len, int html)
{
	struct article a;
	char err[ERR_LEN];

	article_init(&a);
	assert_int_equal(html ? extract_html(page, len, &a, err) :
	    extract_text(page, len, &a, err), 0);
	assert_sane(&a);
	assert_true(strlen(a.body) > (1u << 19));
	article_release(&a);
}

/* A body never grows past its cap, whatever the page holds. */
static void
test_hostile_huge_body(void **state)
{
	char *s;
	size_t len;
	static const char para[] = "The council voted on Tuesday to rebuild "
	    "the harbour wall, which storms broke twice, said the mayor.\n\n";

	(void)state;
	s = repeat(para, (3u << 20) / (sizeof(para) - 1), "", &len);
	assert_capped_body(s, len, 0);
	free(s);
	s = repeat("<p>The council voted on Tuesday to rebuild the harbour "
	    "wall, which storms broke twice, said the mayor.</p>",
	    (3u << 20) / 100, "", &len);
	assert_capped_body(s, len, 1);
	free(s);
	/* One endless line, and endless short lines. */
	s = repeat("word ", (8u << 20) / 5, ".", &len);
	run_hostile("one long line", s, len);
	free(s);
	s = repeat("a\n", 4u << 20, "", &len);
	run_hostile("short lines", s, len);
	free(s);
	s = repeat("Tags ", 1u << 16, "regulationsecurity", &len);
	run_hostile("long tag line", s, len);
	free(s);
}

int
main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_seed),
		cmocka_unit_test(test_seed_no_tag_line),
		cmocka_unit_test(test_seed_crlf),
		cmocka_unit_test(test_tag_lines),
		cmocka_unit_test(test_failure_keeps_article),
		cmocka_unit_test(test_success_keeps_source),
		cmocka_unit_test(test_hostile_deep_nesting),
		cmocka_unit_test(test_hostile_unclosed),
		cmocka_unit_test(test_hostile_huge_attributes),
		cmocka_unit_test(test_hostile_bytes),
		cmocka_unit_test(test_hostile_huge_body),
	};
	const char *dir = tu_data_path("pages");
	struct CMUnitTest *tests;
	struct page_case *cases;
	char **names;
	size_t n, i, nfixed = sizeof(fixed) / sizeof(fixed[0]);
	int rc;

	n = list_cases(dir, &names);
	if (n == 0) {
		fprintf(stderr, "no page cases in %s\n", dir);
		return 1;
	}
	tests = xcalloc(nfixed + n, sizeof(*tests));
	cases = xcalloc(n, sizeof(*cases));
	memcpy(tests, fixed, sizeof(fixed));
	for (i = 0; i < n; i++) {
		if (case_init(&cases[i], dir, names[i]) == -1) {
			fprintf(stderr, "%s/%s: no page next to it\n", dir,
			    names[i]);
			return 1;
		}
		tests[nfixed + i].name = names[i];
		tests[nfixed + i].test_func = test_page_case;
		tests[nfixed + i].initial_state = &cases[i];
	}
	rc = _cmocka_run_group_tests("extract", tests, nfixed + n, NULL, NULL);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(cases);
	free(tests);
	return rc;
}
