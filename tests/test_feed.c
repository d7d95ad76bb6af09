/*
 * feed: detection and parsing of RSS, RDF, Atom, JSON Feed and JSON
 * articles.
 *
 * Cases as data: tests/data/feeds/NAME.expect (an input and what feed_parse
 * gives for it), tests/data/feeds/corpus.txt (every feed of
 * ../shared/testdata/feeds, its kind and item count) and
 * tests/data/html.txt (resolved URLs are test_url's). Also checked: dates
 * and categories against rss-parser's own expected outputs, the HTML
 * quick path against html_to_text on every HTML fragment of the corpus,
 * and hostile input made here (billion laughs, external entities, deep
 * nesting, truncation, NUL bytes, random damage).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"
#include "charset.h"
#include "date.h"
#include "feed.h"
#include "html.h"
#include "utf8.h"
#include "buf.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <time.h>

#define SOURCE "test-source"

/* snprintf into a path buffer; a test fails rather than truncate. */
#define PATH_FMT(buf, ...) do { \
	if (snprintf(buf, sizeof(buf), __VA_ARGS__) >= (int)sizeof(buf)) \
		fail_msg("path too long"); \
} while (0)

/* Every article of a parsed feed keeps the module's promises. */
static void
check_invariants(const struct feed *f, const char *name, const char *source)
{
	size_t i, t, k;

	for (i = 0; i < f->items.n; i++) {
		const struct article *a = &f->items.v[i];
		const char *fields[] = { a->guid, a->url, a->title, a->author,
		    a->body };

		assert_non_null(a->body);
		assert_true(strlen(a->body) <= FEED_BODY_MAX);
		for (k = 0; k < sizeof(fields) / sizeof(fields[0]); k++)
			if (fields[k] != NULL && !utf8_valid(fields[k],
			    strlen(fields[k])))
				fail_msg("%s item %zu: invalid UTF-8", name, i + 1);
		if (a->title != NULL && (strchr(a->title, '\n') != NULL ||
		    a->title[0] == '\0'))
			fail_msg("%s item %zu: title '%s'", name, i + 1,
			    tu_show(a->title, strlen(a->title)));
		if (source != NULL)
			assert_string_equal(a->source, source);
		for (t = 0; t < a->ntags; t++) {
			char norm[ARTICLE_TAG_MAX];

			/* Stored normalized: normalizing again changes nothing. */
			article_tag_normalize(a->tags[t], strlen(a->tags[t]),
			    norm);
			if (a->tags[t][0] == '\0' || strcmp(norm, a->tags[t]) != 0)
				fail_msg("%s item %zu: tag '%s'", name, i + 1,
				    a->tags[t]);
		}
	}
}

/* feed_parse, plus its contract: on error nothing is left in f. */
static int
parse_checked(int rc, const char *source, struct feed *f, char *err,
    const char *name)
{
	if (rc == -1) {
		if (f->items.n != 0 || f->items.v != NULL || f->title != NULL ||
		    err[0] == '\0')
			fail_msg("%s: an error left items or no message", name);
		return -1;
	}
	assert_int_equal(rc, 0);
	check_invariants(f, name, source);
	return 0;
}

static int
parse(const char *data, size_t len, const char *charset, const char *source,
    struct feed *f, char *err, const char *name)
{
	memset(f, 0, sizeof(*f));
	err[0] = '\0';
	return parse_checked(feed_parse(data, len, charset, source, f, err),
	    source, f, err, name);
}

static int parse_quietly_as(const char *data, size_t len,
    const char *charset, const char *source, struct feed *f, char *err,
    const char *name);

/*
 * .expect files.
 */

struct expect {
	const char *file;
	char *input;		/* owned */
	size_t inlen;
	char source[256];
	char charset[64];
	int have_source;
	struct feed feed;
	int rc;
	char err[ERR_LEN];
	int failures;
};

static void
expect_fail(struct expect *e, int line, const char *fmt, ...)
{
	va_list ap;
	char msg[1024];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	print_error("%s:%d: %s\n", e->file, line, msg);
	e->failures++;
}

/* The value of one field of an article, as the .expect files write it;
 * allocated. */
static char *
field_value(const struct article *a, const char *field)
{
	char when[DATE_RFC3339_LEN], *out;
	size_t i, n = 0;

	if (strcmp(field, "published") == 0) {
		if (a->published == 0)
			return xstrdup("0");
		date_to_rfc3339(a->published, when);
		return xstrdup(when);
	}
	if (strcmp(field, "tags") == 0) {
		for (i = 0; i < a->ntags; i++)
			n += strlen(a->tags[i]) + 1;
		out = xcalloc(n + 1, 1);
		for (i = 0, n = 0; i < a->ntags; i++) {
			if (i > 0)
				out[n++] = '|';
			memcpy(out + n, a->tags[i], strlen(a->tags[i]));
			n += strlen(a->tags[i]);
		}
		return out;
	}
#define FIELD(name) if (strcmp(field, #name) == 0) \
		return xstrdup(a->name ? a->name : "-")
	FIELD(title);
	FIELD(url);
	FIELD(guid);
	FIELD(author);
	FIELD(body);
	FIELD(source);
#undef FIELD
	return NULL;
}

/* op: "" (equal), "~" (contains), "^" (starts with), "!~" (lacks). */
static int
compare(const char *got, const char *op, const char *want)
{
	if (*op == '\0' || strcmp(op, "=") == 0)
		return strcmp(got, want) == 0;
	if (strcmp(op, "~") == 0)
		return strstr(got, want) != NULL;
	if (strcmp(op, "^") == 0)
		return strncmp(got, want, strlen(want)) == 0;
	if (strcmp(op, "!~") == 0)
		return strstr(got, want) == NULL;
	return 0;
}

static void
expect_item(struct expect *e, int line, char **key, int nkey,
    const char *want)
{
	const char *op = nkey >= 4 ? key[3] : "";
	size_t first, last, i;
	char *got;
	long long n;

	if (e->rc != 0) {
		expect_fail(e, line, "parse failed: %s", e->err);
		return;
	}
	if (strcmp(key[1], "*") == 0) {
		first = 0;
		last = e->feed.items.n;
	} else if (util_parse_long(key[1], 1, 1000000, &n) == 0 &&
	    (size_t)n <= e->feed.items.n) {
		first = (size_t)n - 1;
		last = (size_t)n;
	} else {
		expect_fail(e, line, "no item %s (%zu items)", key[1],
		    e->feed.items.n);
		return;
	}
	for (i = first; i < last; i++) {
		got = field_value(&e->feed.items.v[i], key[2]);
		if (got == NULL)
			fail_msg("%s:%d: unknown field %s", e->file, line, key[2]);
		if (!compare(got, op, want))
			expect_fail(e, line, "item %zu %s: got '%s', want %s'%s'",
			    i + 1, key[2], tu_show(got, strlen(got)), op,
			    tu_show(want, strlen(want)));
		free(got);
	}
}

static void
expect_feed(struct expect *e, int line, char **key, const char *want)
{
	char count[32];

	if (strcmp(key[0], "kind") == 0) {
		const char *got = feed_kind_name(feed_detect(e->input,
		    e->inlen));

		if (strcmp(got, want) != 0)
			expect_fail(e, line, "detected %s, want %s", got, want);
		if (e->rc == 0 && strcmp(feed_kind_name(e->feed.kind), want) != 0)
			expect_fail(e, line, "parsed as %s, want %s",
			    feed_kind_name(e->feed.kind), want);
	} else if (strcmp(key[0], "error") == 0) {
		if (e->rc != -1 || strstr(e->err, want) == NULL)
			expect_fail(e, line, "got rc %d '%s', want error '%s'",
			    e->rc, e->err, want);
	} else if (e->rc != 0) {
		expect_fail(e, line, "parse failed: %s", e->err);
	} else if (strcmp(key[0], "count") == 0) {
		snprintf(count, sizeof(count), "%zu", e->feed.items.n);
		if (strcmp(count, want) != 0)
			expect_fail(e, line, "%s items, want %s", count, want);
	} else if (strcmp(key[0], "title") == 0) {
		if (strcmp(e->feed.title ? e->feed.title : "-", want) != 0)
			expect_fail(e, line, "feed title '%s', want '%s'",
			    tu_show(e->feed.title, e->feed.title ?
			    strlen(e->feed.title) : 0), want);
	} else if (strcmp(key[0], "undated") == 0) {
		snprintf(count, sizeof(count), "%zu", e->feed.undated);
		if (strcmp(count, want) != 0)
			expect_fail(e, line, "%s undated items, want %s", count,
			    want);
	} else if (strcmp(key[0], "note") == 0 && key[1] != NULL) {
		size_t k = strtoul(key[1], NULL, 10);

		if (k == 0 || k > e->feed.nnotes || strcmp(e->feed.notes[k - 1],
		    want) != 0)
			expect_fail(e, line, "note %zu '%s', want '%s'", k,
			    k > 0 && k <= e->feed.nnotes ?
			    e->feed.notes[k - 1] : "-", want);
	} else {
		fail_msg("%s:%d: unknown key %s", e->file, line, key[0]);
	}
}

/* Splits "item 3 body ~" into words; returns their number. The keys
 * past them are NULL. */
static int
split_key(char *s, char **key, int max)
{
	int n = 0, k;
	char *tok;

	while (n < max && (tok = strsep(&s, " ")) != NULL)
		if (*tok != '\0')
			key[n++] = tok;
	for (k = n; k < max; k++)
		key[k] = NULL;
	return n;
}

/* The next "key TAB value" line of an .expect file: returns the key and
 * sets *val, unescaped; NULL at the end. A line without a TAB is a
 * note, passed over. */
static char *
expect_line(char **text, int *lineno, char **val)
{
	char *line, *kv[2];

	while ((line = tu_row(text, lineno)) != NULL) {
		if (tu_fields(line, kv, 2) == 2) {
			tu_unescape(kv[1]);
			*val = kv[1];
			return line;
		}
	}
	return NULL;
}

/* The settings lines come first: where the input is and how to parse
 * it. Returns 0, or 1 when the input is in ../shared and absent. */
static int
expect_setup(struct expect *e, char *text)
{
	char *line, *val, path[4096];
	const char *shared;

	while ((line = expect_line(&text, NULL, &val)) != NULL) {
		if (strcmp(line, "input") == 0) {
			PATH_FMT(path, "%s/%s", tu_data_path("feeds"),
			    val);
			e->input = tu_read(path, &e->inlen);
		} else if (strcmp(line, "shared") == 0) {
			if ((shared = tu_shared(val)) == NULL)
				return 1;
			e->input = tu_read(shared, &e->inlen);
		} else if (strcmp(line, "source") == 0) {
			snprintf(e->source, sizeof(e->source), "%s", val);
			e->have_source = 1;
		} else if (strcmp(line, "charset") == 0) {
			snprintf(e->charset, sizeof(e->charset), "%s", val);
		}
	}
	if (e->input == NULL)
		fail_msg("%s: no input line", e->file);
	return 0;
}

static int
run_expect(const char *file)
{
	char rel[512], *text, *rest, *line, *val, *key[5];
	struct expect e;
	int lineno = 0, nkey;

	memset(&e, 0, sizeof(e));
	e.file = file;
	PATH_FMT(rel, "feeds/%s", file);
	text = tu_read(tu_data_path(rel), NULL);
	{
		char *copy = xstrdup(text);

		if (expect_setup(&e, copy) == 1) {
			print_message("skip %s: its input is not in ../shared\n",
			    file);
			free(copy);
			free(text);
			return 0;
		}
		free(copy);
	}
	e.rc = parse_quietly_as(e.input, e.inlen, e.charset[0] ? e.charset :
	    NULL, e.have_source ? e.source : SOURCE, &e.feed, e.err, file);
	rest = text;
	while ((line = expect_line(&rest, &lineno, &val)) != NULL) {
		nkey = split_key(line, key, 5);
		if (nkey == 0 || strcmp(key[0], "input") == 0 ||
		    strcmp(key[0], "shared") == 0 ||
		    strcmp(key[0], "source") == 0 ||
		    strcmp(key[0], "charset") == 0)
			continue;
		if (strcmp(key[0], "item") == 0 && nkey >= 3)
			expect_item(&e, lineno, key, nkey, val);
		else
			expect_feed(&e, lineno, key, val);
	}
	feed_release(&e.feed);
	free(e.input);
	free(text);
	return e.failures;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in a directory ending in suffix, sorted; *n set. Caller
 * frees each and the array. */
static char **
list_dir(const char *dir, const char *suffix, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t cap = 0, len;

	*n = 0;
	if (d == NULL)
		fail_msg("cannot open %s", dir);
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len < strlen(suffix) ||
		    strcmp(de->d_name + len - strlen(suffix), suffix) != 0)
			continue;
		xgrow(&names, &cap, *n + 1, sizeof(*names));
		names[(*n)++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (*n > 0)
		qsort(names, *n, sizeof(*names), name_cmp);
	return names;
}

static void
free_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static void
test_expect_files(void **state)
{
	char **names;
	size_t n, i;
	int failures = 0;

	(void)state;
	names = list_dir(tu_data_path("feeds"), ".expect", &n);
	assert_true(n >= 20);
	for (i = 0; i < n; i++)
		failures += run_expect(names[i]);
	free_names(names, n);
	print_message("%zu .expect files\n", n);
	assert_int_equal(failures, 0);
}

/*
 * The shared corpus.
 */

struct corpus_entry {
	char file[256];
	char kind[16];
	char count[16];
	int seen;
};

static struct corpus_entry *
read_corpus_table(size_t *n)
{
	char *text = tu_read(tu_data_path("feeds/corpus.txt"), NULL), *rest;
	struct corpus_entry *v = NULL;
	size_t cap = 0;
	char *line, *f[3];

	*n = 0;
	rest = text;
	while ((line = tu_row(&rest, NULL)) != NULL) {
		if (tu_fields(line, f, 3) < 3)
			fail_msg("corpus.txt: bad line '%s'", f[0]);
		xgrow(&v, &cap, *n + 1, sizeof(*v));
		memset(&v[*n], 0, sizeof(v[*n]));
		snprintf(v[*n].file, sizeof(v[*n].file), "%s", f[0]);
		snprintf(v[*n].kind, sizeof(v[*n].kind), "%s", f[1]);
		snprintf(v[*n].count, sizeof(v[*n].count), "%s", f[2]);
		(*n)++;
	}
	free(text);
	return v;
}

/* Every file of the two corpus folders has a row, and the other way. */
static int
check_corpus_listing(const char *root, struct corpus_entry *v, size_t n)
{
	static const char *const dirs[] = { "rss-parser/input",
	    "node-feedparser" };
	char dir[4096], rel[512], **names;
	size_t d, i, k, count;
	int failures = 0;

	for (d = 0; d < 2; d++) {
		PATH_FMT(dir, "%s/%s", root, dirs[d]);
		names = list_dir(dir, "", &count);
		for (i = 0; i < count; i++) {
			PATH_FMT(rel, "%s/%s", dirs[d], names[i]);
			for (k = 0; k < n && strcmp(v[k].file, rel) != 0; k++)
				;
			if (k == n) {
				print_error("%s: not in corpus.txt\n", rel);
				failures++;
			} else {
				v[k].seen = 1;
			}
		}
		free_names(names, count);
	}
	for (k = 0; k < n; k++)
		if (!v[k].seen) {
			print_error("%s: in corpus.txt, not in the corpus\n",
			    v[k].file);
			failures++;
		}
	return failures;
}

static int
check_corpus_file(const char *root, const struct corpus_entry *c)
{
	char path[4096], err[ERR_LEN], *data;
	const char *kind;
	struct feed f;
	size_t len;
	long long want;
	int rc, failures = 0;

	PATH_FMT(path, "%s/%s", root, c->file);
	data = tu_read(path, &len);
	kind = feed_kind_name(feed_detect(data, len));
	rc = parse(data, len, NULL, c->file, &f, err, c->file);
	print_message("%-48s %-5s %s %zu items%s%s\n", c->file, kind,
	    rc == 0 ? "ok   " : "error", f.items.n, rc ? ": " : "",
	    rc ? err : "");
	if (strcmp(kind, c->kind) != 0) {
		print_error("%s: detected %s, want %s\n", c->file, kind,
		    c->kind);
		failures++;
	}
	if (strcmp(c->count, "error") == 0 ? rc != -1 : rc != 0 ||
	    util_parse_long(c->count, 0, 1000000, &want) == -1 ||
	    (size_t)want != f.items.n) {
		print_error("%s: rc %d, %zu items, want %s\n", c->file, rc,
		    f.items.n, c->count);
		failures++;
	}
	feed_release(&f);
	free(data);
	return failures;
}

static void
test_corpus(void **state)
{
	const char *shared;
	char root[4096];
	struct corpus_entry *v;
	size_t n, i;
	int failures;

	(void)state;
	TU_SHARED_OR_SKIP(shared, "testdata/feeds");
	PATH_FMT(root, "%s", shared);
	v = read_corpus_table(&n);
	failures = check_corpus_listing(root, v, n);
	for (i = 0; i < n; i++)
		if (v[i].seen)
			failures += check_corpus_file(root, &v[i]);
	free(v);
	assert_int_equal(n, 44);
	assert_int_equal(failures, 0);
}

/*
 * rss-parser's expected outputs: dates and categories, item by item.
 */

/* The input file of rss-parser/output/NAME.json. */
static char *
rss_parser_input(const char *root, const char *json_name)
{
	static const char *const exts[] = { ".rss", ".atom", ".xml" };
	char path[4096], base[256];
	size_t i;
	FILE *fp;

	snprintf(base, sizeof(base), "%s", json_name);
	base[strlen(base) - 5] = '\0';
	for (i = 0; i < 3; i++) {
		PATH_FMT(path, "%s/rss-parser/input/%s%s", root,
		    base, exts[i]);
		if ((fp = fopen(path, "rb")) != NULL) {
			fclose(fp);
			return xstrdup(path);
		}
	}
	return NULL;
}

/* encoding.json is written in Latin-1: read as the charset module
 * guesses. */
static json_t *
load_json(const char *path)
{
	char *raw, *utf8, err[ERR_LEN];
	size_t len, n;
	json_error_t jerr;
	json_t *j;

	raw = tu_read(path, &len);
	if (charset_to_utf8(raw, len, NULL, &utf8, &n, err) == -1)
		fail_msg("%s: %s", path, err);
	j = json_loadb(utf8, n, 0, &jerr);
	if (j == NULL)
		fail_msg("%s: %s", path, jerr.text);
	free(raw);
	free(utf8);
	return j;
}

/* rss-parser's categories of one item as feed.h reads them: each one a
 * tag, but a keyword list joined by bare commas ("a,b,c"), which is
 * split. */
static void
expected_tags(const json_t *cats, struct article *want)
{
	const json_t *c;
	const char *s;
	size_t i, k, start;

	json_array_foreach(cats, i, c) {
		s = json_is_string(c) ? json_string_value(c) :
		    json_string_value(json_object_get(c, "_"));
		if (s == NULL)
			continue;
		if (strstr(s, ", ") != NULL) {
			article_tag_add(want, s, strlen(s));
			continue;
		}
		for (k = start = 0; ; k++) {
			if ((s[k] == ',' && !(k > 0 && isdigit((unsigned char)
			    s[k - 1]) && isdigit((unsigned char)s[k + 1]))) ||
			    s[k] == '\0') {
				article_tag_add(want, s + start, k - start);
				start = k + 1;
			}
			if (s[k] == '\0')
				break;
		}
	}
}

struct compared {
	size_t dates;
	size_t undated;
	size_t tags;
	int failures;
};

static void
compare_item(const char *file, size_t i, const struct article *a,
    const json_t *it, struct compared *c)
{
	const char *iso = json_string_value(json_object_get(it, "isoDate"));
	const json_t *cats = json_object_get(it, "categories");
	struct article want;
	int64_t t;
	size_t k;

	if (iso != NULL) {
		assert_int_equal(date_parse(iso, strlen(iso), &t), 0);
		if (t != a->published) {
			char got[DATE_RFC3339_LEN];

			date_to_rfc3339(a->published, got);
			print_error("%s item %zu: date %s, rss-parser %s\n",
			    file, i + 1, got, iso);
			c->failures++;
		}
		c->dates++;
	} else {
		c->undated++;
	}
	if (!json_is_array(cats))
		return;
	article_init(&want);
	expected_tags(cats, &want);
	for (k = 0; k < want.ntags && k < a->ntags &&
	    strcmp(want.tags[k], a->tags[k]) == 0; k++)
		;
	if (k != want.ntags || k != a->ntags) {
		print_error("%s item %zu: %zu tags, rss-parser %zu (first "
		    "difference at %zu)\n", file, i + 1, a->ntags, want.ntags, k);
		c->failures++;
	}
	c->tags += want.ntags;
	article_release(&want);
}

static void
compare_with_rss_parser(const char *root, const char *name,
    struct compared *c)
{
	char path[4096], err[ERR_LEN], *input, *data;
	const json_t *items;
	struct feed f;
	json_t *j;
	size_t len, i, k;

	input = rss_parser_input(root, name);
	if (input == NULL)
		fail_msg("no input for %s", name);
	PATH_FMT(path, "%s/rss-parser/output/%s", root, name);
	j = load_json(path);
	items = json_object_get(json_object_get(j, "feed"), "items");
	data = tu_read(input, &len);
	if (parse(data, len, NULL, NULL, &f, err, name) == -1)
		fail_msg("%s: %s", input, err);
	/* rss-parser keeps an entry with neither a title nor a text (an
	 * empty object, an id alone); digest has nothing to show of it. */
	for (i = k = 0; i < json_array_size(items); i++) {
		const json_t *it = json_array_get(items, i);

		if (json_object_get(it, "title") == NULL &&
		    json_object_get(it, "content") == NULL)
			continue;
		if (k < f.items.n)
			compare_item(name, k, &f.items.v[k], it, c);
		k++;
	}
	if (k != f.items.n) {
		print_error("%s: %zu items, rss-parser %zu with a title or a "
		    "text\n", name, f.items.n, k);
		c->failures++;
	}
	feed_release(&f);
	json_decref(j);
	free(data);
	free(input);
}

static void
test_rss_parser_outputs(void **state)
{
	const char *shared;
	char root[4096], dir[4096], **names;
	struct compared c = { 0, 0, 0, 0 };
	size_t n, i;

	(void)state;
	TU_SHARED_OR_SKIP(shared, "testdata/feeds/rss-parser/output");
	PATH_FMT(dir, "%s", shared);
	PATH_FMT(root, "%s", tu_shared("testdata/feeds"));
	names = list_dir(dir, ".json", &n);
	assert_int_equal(n, 29);
	for (i = 0; i < n; i++)
		compare_with_rss_parser(root, names[i], &c);
	free_names(names, n);
	print_message("%zu dates and %zu tags compared with rss-parser, %zu "
	    "items without its isoDate\n", c.dates, c.tags, c.undated);
	assert_true(c.dates >= 1200);
	assert_true(c.tags >= 400);
	assert_int_equal(c.failures, 0);
}

/*
 * HTML to text.
 */

/* A row of html.txt: the path html_to_text should take (plain, quick or
 * parsed), the HTML, the text. */
static int
check_html_case(char **f, int nf, int lineno)
{
	char *path, *html, *expected, *quick, *text, *ref;
	size_t len;
	int failures = 0;

	if (nf < 3)
		fail_msg("html.txt:%d: bad line", lineno);
	path = f[0];
	html = f[1];
	expected = f[2];
	len = tu_unescape(html);
	tu_unescape(expected);
	quick = html_quick_to_text(html, len, FEED_BODY_MAX);
	text = html_to_text(html, len, FEED_BODY_MAX);
	/* Text without markup is html_to_text's plain path. */
	ref = strcmp(path, "plain") == 0 ? html_plain_to_text(html, len,
	    FEED_BODY_MAX) : html_parsed_to_text(html, len, FEED_BODY_MAX);
	if (strcmp(path, "plain") != 0 && (strcmp(path, "quick") == 0 ?
	    quick == NULL : quick != NULL)) {
		print_error("html.txt:%d: quick path %s\n", lineno, quick ?
		    "took it" : "refused it");
		failures++;
	}
	if (strcmp(text, expected) != 0 || strcmp(ref, expected) != 0) {
		print_error("html.txt:%d: got '%s' (html_to_text '%s'), want "
		    "'%s'\n", lineno, tu_show(text, strlen(text)),
		    tu_show(ref, strlen(ref)), tu_show(expected,
		    strlen(expected)));
		failures++;
	}
	free(quick);
	free(text);
	free(ref);
	return failures;
}

static void
test_html_table(void **state)
{
	(void)state;
	tu_table_run("html.txt", 3, check_html_case, 40);
}

struct quick_stats {
	size_t fragments;
	size_t quick;
	int failures;
};

/* The quick path agrees with html_to_text on one fragment. */
static void
check_fragment(const char *html, size_t len, const char *where,
    struct quick_stats *st)
{
	char *quick, *ref;

	if (!html_has_markup(html, len))
		return;
	st->fragments++;
	quick = html_quick_to_text(html, len, FEED_BODY_MAX);
	if (quick == NULL)
		return;
	st->quick++;
	ref = html_parsed_to_text(html, len, FEED_BODY_MAX);
	if (strcmp(quick, ref) != 0) {
		size_t k = 0;

		while (quick[k] != '\0' && quick[k] == ref[k])
			k++;
		print_error("%s: quick path differs at %zu: '%.60s' vs "
		    "'%.60s'\n", where, k, tu_show(quick + k,
		    strlen(quick + k)), tu_show(ref + k, strlen(ref + k)));
		st->failures++;
	}
	free(quick);
	free(ref);
}

/* The HTML-bearing elements of a feed, through libxml2's tree. */
static void
walk_fragments(xmlNodePtr node, const char *where, struct quick_stats *st)
{
	static const char *const names[] = { "description", "encoded",
	    "summary", "content", "title" };
	size_t i;
	xmlChar *text;

	for (; node != NULL; node = node->next) {
		if (node->type != XML_ELEMENT_NODE)
			continue;
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			if (strcmp((const char *)node->name, names[i]) != 0)
				continue;
			text = xmlNodeGetContent(node);
			if (text != NULL)
				check_fragment((const char *)text,
				    strlen((const char *)text), where, st);
			xmlFree(text);
		}
		walk_fragments(node->children, where, st);
	}
}

static void
fragments_of_file(const char *path, const char *where,
    struct quick_stats *st)
{
	char *raw, *utf8, err[ERR_LEN];
	size_t len, n, skip = 0;
	xmlDocPtr doc;

	raw = tu_read(path, &len);
	if (charset_to_utf8(raw, len, NULL, &utf8, &n, err) == -1)
		fail_msg("%s", err);
	while (skip < n && (utf8[skip] == '\n' || utf8[skip] == ' '))
		skip++;
	doc = xmlReadMemory(utf8 + skip, (int)(n - skip), NULL, "UTF-8",
	    XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_RECOVER |
	    XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_IGNORE_ENC);
	if (doc != NULL)
		walk_fragments(xmlDocGetRootElement(doc), where, st);
	xmlFreeDoc(doc);
	free(raw);
	free(utf8);
}

static void
test_quick_path_on_corpus(void **state)
{
	static const char *const dirs[] = { "rss-parser/input",
	    "node-feedparser" };
	const char *shared;
	char root[4096], dir[4096], path[4096], **names;
	struct quick_stats st = { 0, 0, 0 };
	size_t d, i, n;

	(void)state;
	TU_SHARED_OR_SKIP(shared, "testdata/feeds");
	PATH_FMT(root, "%s", shared);
	for (d = 0; d < 2; d++) {
		PATH_FMT(dir, "%s/%s", root, dirs[d]);
		names = list_dir(dir, "", &n);
		for (i = 0; i < n; i++) {
			PATH_FMT(path, "%s/%s", dir, names[i]);
			fragments_of_file(path, names[i], &st);
		}
		free_names(names, n);
	}
	print_message("%zu HTML fragments, %zu taken by the quick path\n",
	    st.fragments, st.quick);
	assert_true(st.fragments >= 400);
	assert_true(st.quick * 2 >= st.fragments);
	assert_int_equal(st.failures, 0);
}


/*
 * Hostile input, made here.
 */

/* This thread's CPU time: what a hostile input costs, whatever else the
 * machine is doing (the tests run side by side). */
static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs feed_parse with stderr sent to a file; fails if anything was
 * written there (libxml2 must not print). */
static int
parse_quietly(const char *data, size_t len, struct feed *f, char *err,
    const char *name)
{
	return parse_quietly_as(data, len, NULL, SOURCE, f, err, name);
}

static int
parse_quietly_as(const char *data, size_t len, const char *charset,
    const char *source, struct feed *f, char *err, const char *name)
{
	char path[] = "/tmp/digest-stderr.XXXXXX";
	int fd = mkstemp(path), saved, rc;
	struct stat st;

	assert_true(fd >= 0);
	memset(f, 0, sizeof(*f));
	err[0] = '\0';
	/* Nothing may fail (and jump away) while stderr is redirected. */
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	rc = feed_parse(data, len, charset, source, f, err);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	assert_int_equal(fstat(fd, &st), 0);
	close(fd);
	unlink(path);
	if (st.st_size != 0)
		fail_msg("%s: %lld bytes on stderr", name, (long long)st.st_size);
	return parse_checked(rc, source, f, err, name);
}

static void
test_billion_laughs(void **state)
{
	struct buf b;
	struct feed f;
	char err[ERR_LEN];
	double t0;
	int i, k;

	(void)state;
	buf_init(&b, 1u << 20);
	buf_puts(&b, "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [\n"
	    "<!ENTITY lol0 \"lol\">\n");
	for (i = 1; i <= 9; i++) {
		buf_printf(&b, "<!ENTITY lol%d \"", i);
		for (k = 0; k < 10; k++)
			buf_printf(&b, "&lol%d;", i - 1);
		buf_puts(&b, "\">\n");
	}
	buf_puts(&b, "]>\n<rss version=\"2.0\"><channel><title>t</title>\n"
	    "<item><title>&lol9;</title></item></channel></rss>\n");
	t0 = now_s();
	assert_int_equal(parse_quietly(b.data, b.len, &f, err, "laughs"), -1);
	print_message("billion laughs: %s (%.3f s)\n", err, now_s() - t0);
	assert_non_null(strstr(err, "entity"));
	assert_true(now_s() - t0 < 5);
	buf_release(&b);
}

/* A file's content must never show up, whatever way it is referenced. */
static void
test_external_entities(void **state)
{
	static const char secret[] = "XXE-SECRET-8f2d1c";
	static const char *const docs[] = {
		"<?xml version=\"1.0\"?>\n<!DOCTYPE rss [<!ENTITY x SYSTEM "
		"\"file://%s\">]>\n<rss version=\"2.0\"><channel><title>a&x;b"
		"</title><item><title>t&x;</title><description>&x;"
		"</description><link>https://x.example/&x;</link></item>"
		"</channel></rss>\n",
		"<?xml version=\"1.0\"?>\n<!DOCTYPE rss [<!ENTITY %% p SYSTEM "
		"\"file://%s\"> %%p;]>\n<rss version=\"2.0\"><channel><item>"
		"<title>t</title></item></channel></rss>\n",
		"<?xml version=\"1.0\"?>\n<!DOCTYPE rss SYSTEM \"file://%s\">\n"
		"<rss version=\"2.0\"><channel><item><title>t</title></item>"
		"</channel></rss>\n",
		"<?xml version=\"1.0\"?>\n<!DOCTYPE rss [<!ENTITY x SYSTEM "
		"\"%s\">]>\n<rss version=\"2.0\"><channel><item><title>&x;"
		"</title></item></channel></rss>\n",
	};
	char path[512], doc[2048], err[ERR_LEN];
	struct feed f;
	size_t d, i;
	FILE *fp;
	int rc;

	(void)state;
	PATH_FMT(path, "%s/secret.txt", tu_tmpdir());
	fp = fopen(path, "w");
	assert_non_null(fp);
	fprintf(fp, "%s\n", secret);
	fclose(fp);
	for (d = 0; d < sizeof(docs) / sizeof(docs[0]); d++) {
		PATH_FMT(doc, docs[d], path);
		rc = parse_quietly(doc, strlen(doc), &f, err, "xxe");
		print_message("external entity %zu: %s\n", d + 1,
		    rc == 0 ? "parsed, expanded to nothing" : err);
		if (rc == 0 && f.title != NULL)
			assert_null(strstr(f.title, secret));
		for (i = 0; i < f.items.n; i++) {
			const struct article *a = &f.items.v[i];

			assert_null(strstr(a->title ? a->title : "", secret));
			assert_null(strstr(a->body, secret));
			assert_null(strstr(a->url ? a->url : "", secret));
		}
		if (d == 0) {
			/* The reference expands to nothing. */
			assert_int_equal(rc, 0);
			assert_string_equal(f.title, "ab");
		}
		feed_release(&f);
	}
	unlink(path);
	*strrchr(path, '/') = '\0';
	rmdir(path);
}

/* 50 MB of nested tags: libxml2's depth limit, quickly, no crash. */
static void
test_deep_nesting(void **state)
{
	size_t n = 50u << 20, i;
	char *doc = xmalloc(n), err[ERR_LEN];
	struct feed f;
	double t0;

	(void)state;
	memcpy(doc, "<rss version=\"2.0\"><channel><item><title>", 41);
	for (i = 41; i + 3 <= n; i += 3)
		memcpy(doc + i, "<a>", 3);
	t0 = now_s();
	assert_int_equal(parse_quietly(doc, i, &f, err, "nesting"), -1);
	print_message("50 MB of nesting: %s (%.3f s)\n", err, now_s() - t0);
	assert_non_null(strstr(err, "depth"));
	assert_true(now_s() - t0 < 5);
	free(doc);
}

/* Every cut of a well-formed feed before its root closes is an error. */
static void
test_truncation(void **state)
{
	char *doc, err[ERR_LEN];
	struct feed f;
	size_t len, cut, end;
	int errors = 0;

	(void)state;
	if (util_read_file(tu_data_path("feeds/rss-misc.xml"), 1u << 20, &doc,
	    &len, err) == -1)
		fail_msg("%s", err);
	end = (size_t)(strstr(doc, "</rss>") - doc) + 5;
	for (cut = 0; cut < end; cut++) {
		if (parse(doc, cut, NULL, SOURCE, &f, err, "truncated") == 0)
			fail_msg("cut at %zu of %zu parsed", cut, len);
		errors++;
	}
	assert_int_equal(parse(doc, end + 1, NULL, SOURCE, &f, err, "whole"), 0);
	assert_int_equal(f.items.n, 4);
	feed_release(&f);
	free(doc);
	print_message("%d truncations refused\n", errors);
}

static void
test_nul_bytes(void **state)
{
	char doc[] = "<?xml version=\"1.0\"?>\n<rss version=\"2.0\">\n<channel>"
	    "<item><title>a\0b</title></item></channel></rss>\n";
	char err[ERR_LEN];
	struct feed f;

	(void)state;
	assert_int_equal(parse_quietly(doc, sizeof(doc) - 1, &f, err, "nul"),
	    -1);
	assert_string_equal(err, "line 3: NUL byte in the XML");
	/* Binary junk is no feed either. */
	assert_int_equal(parse(doc + 5, 8, NULL, SOURCE, &f, err, "bin"), -1);
	assert_int_equal(feed_detect("\x1f\x8b\x08\0\0\0", 6), FEED_UNKNOWN);
	assert_int_equal(parse("\x1f\x8b\x08\0\0\0", 6, NULL, SOURCE, &f, err,
	    "gzip"), -1);
	assert_string_equal(err, "not a feed (binary data)");
	assert_int_equal(parse("", 0, NULL, SOURCE, &f, err, "empty"), -1);
	assert_string_equal(err, "not a feed (empty)");
}

/* Random damage to real feeds: any result keeps the contract, and
 * ASan/UBSan see no fault. */
static void
test_random_damage(void **state)
{
	static const char *const inputs[] = { "feeds/rss-misc.xml",
	    "feeds/atom-misc.atom", "feeds/articles.json",
	    "feeds/jsonfeed-1.1.json", "feeds/latin1.xml" };
	uint64_t x = 0x853C49E6748FEA9BULL;
	char *orig, *doc, err[ERR_LEN];
	struct feed f;
	size_t len, i, k, nflips;
	int ok = 0, bad = 0, round;

	(void)state;
	for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		orig = tu_read(tu_data_path(inputs[i]), &len);
		doc = xmalloc(len);
		for (round = 0; round < 300; round++) {
			memcpy(doc, orig, len);
			nflips = 1 + (size_t)round % 8;
			for (k = 0; k < nflips; k++) {
				tu_rand(&x);
				doc[x % len] = (char)(x >> 24);
			}
			if (parse(doc, len - (size_t)round % 3, NULL, SOURCE,
			    &f, err, inputs[i]) == 0)
				ok++;
			else
				bad++;
			feed_release(&f);
		}
		free(doc);
		free(orig);
	}
	print_message("damaged feeds: %d parsed, %d refused\n", ok, bad);
	assert_true(ok > 0 && bad > 0);
}

/* A random fragment: mostly well nested, sometimes not. */
static size_t
random_fragment(uint64_t *x, char *frag, size_t max)
{
	static const char *const elements[] = { "p", "b", "div", "li", "ul",
	    "a", "i", "h2", "span", "td", "tr", "table", "em", "blockquote",
	    "pre", "strong", "figure", "section", "font", "small" };
	static const char *const leaves[] = { " ", "  ", "\n", "word",
	    "&amp;", "&lt;", "&#233;", "&nbsp;", "<img src=x>", "<br>",
	    "<br/>", "x", "\xc3\xa9", "<hr>", "text with spaces" };
	const char *open[16];
	size_t n = 0, depth = 0, k, steps = 1 + tu_rand(x) % 30;
	char piece[64];
	uint64_t r;

	for (k = 0; k < steps; k++) {
		r = tu_rand(x) % 10;
		if (r < 3 && depth < 16) {
			open[depth] = elements[tu_rand(x) % 20];
			snprintf(piece, sizeof(piece), "<%s>", open[depth++]);
		} else if (r < 5 && depth > 0) {
			snprintf(piece, sizeof(piece), "</%s>", open[--depth]);
		} else if (r < 6) {
			snprintf(piece, sizeof(piece), "</%s>",
			    elements[tu_rand(x) % 20]);
		} else {
			snprintf(piece, sizeof(piece), "%s",
			    leaves[tu_rand(x) % 15]);
		}
		if (n + strlen(piece) + 1 >= max)
			break;
		memcpy(frag + n, piece, strlen(piece));
		n += strlen(piece);
	}
	frag[n] = '\0';
	return n;
}

/* Random fragments: whenever the quick path takes one, it agrees with
 * html_to_text. */
static void
test_quick_path_random(void **state)
{
	struct quick_stats st = { 0, 0, 0 };
	uint64_t x = 0xDA942042E4DD58B5ULL;
	char frag[1024];
	size_t n;
	int round;

	(void)state;
	for (round = 0; round < 30000; round++) {
		n = random_fragment(&x, frag, sizeof(frag));
		check_fragment(frag, n, "random", &st);
		if (st.failures > 5)
			break;
	}
	print_message("%zu random fragments, %zu taken by the quick path\n",
	    st.fragments, st.quick);
	assert_true(st.quick > 3000);
	assert_int_equal(st.failures, 0);
}

/* A body is cut at FEED_BODY_MAX on a character boundary; a CDATA
 * section over libxml2's 10 MB limit is refused (no XML_PARSE_HUGE). */
static void
test_big_fields(void **state)
{
	static const struct { size_t mb; int cdata; int ok; } cases[] = {
		{ 3, 0, 1 }, { 12, 0, 1 }, { 9, 1, 1 }, { 12, 1, 0 },
	};
	char err[ERR_LEN], *doc;
	struct buf b;
	struct feed f;
	size_t c, len;

	(void)state;
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		buf_init(&b, 16u << 20);
		buf_printf(&b, "<rss><channel><item><title>big</title>"
		    "<description>%s", cases[c].cdata ? "<![CDATA[" : "");
		while (b.len < (cases[c].mb << 20))
			buf_puts(&b, "caf\xc3\xa9 &amp;&amp; ");
		buf_printf(&b, "%s</description></item></channel></rss>",
		    cases[c].cdata ? "]]>" : "");
		doc = buf_detach(&b, &len);
		if (!cases[c].ok) {
			assert_int_equal(parse_quietly(doc, len, &f, err, "big"),
			    -1);
			assert_non_null(strstr(err, "CData section too big"));
		} else {
			assert_int_equal(parse_quietly(doc, len, &f, err, "big"),
			    0);
			len = strlen(f.items.v[0].body);
			assert_true(len <= FEED_BODY_MAX && len > FEED_BODY_MAX -
			    8);
			assert_true(utf8_valid(f.items.v[0].body, len));
			feed_release(&f);
		}
		free(doc);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expect_files),
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_rss_parser_outputs),
		cmocka_unit_test(test_html_table),
		cmocka_unit_test(test_quick_path_on_corpus),
		cmocka_unit_test(test_billion_laughs),
		cmocka_unit_test(test_external_entities),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_random_damage),
		cmocka_unit_test(test_quick_path_random),
		cmocka_unit_test(test_big_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
