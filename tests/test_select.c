/* Tests for digest/select.c: tags, windows, limits, near-duplicates. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "article.h"
#include "db.h"
#include "select.h"
#include "testutil.h"

#define DAY 86400
#define T0 1790000000	/* "now" for these tests */

static sqlite3 *db;

static void
add(const char *source, const char *guid, const char *title, int64_t age,
    const char *tags)
{
	struct article a;
	char err[ERR_LEN];
	const char *p = tags, *comma;

	article_init(&a);
	a.source = xstrdup(source);
	a.guid = xstrdup(guid);
	a.title = xstrdup(title);
	a.body = xstrdup("b");
	a.lead = xstrdup("l");
	a.published = T0 - age;
	a.fetched = T0;
	while (p != NULL && *p != '\0') {
		comma = strchr(p, ',');
		article_tag_add(&a, p, comma ? (size_t)(comma - p) : strlen(p));
		p = comma ? comma + 1 : NULL;
	}
	if (article_store_upsert(db, &a, err) == -1)
		fail_msg("%s", err);
	article_release(&a);
}

static int
setup(void **state)
{
	char path[4200], err[ERR_LEN];

	(void)state;
	snprintf(path, sizeof(path), "%s/sel.db", tu_tmpdir());
	db = db_open(path, err);
	assert_non_null(db);
	add("s1", "a", "Council approves transit levy", 1 * DAY, "politics,transport");
	add("s1", "b", "School wins science grant", 2 * DAY, "education,science");
	add("s2", "c", "Surge barrier passes first test", 3 * DAY, "climate,science");
	add("s1", "d", "Market hall reopens", 4 * DAY, "business");
	add("s1", "e", "Old news about the levy", 30 * DAY, "politics");
	add("s2", "f", "Council Approves Transit Levy!", 1 * DAY + 60, "politics");
	add("s1", "g", "Untagged note", 5 * DAY, NULL);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	db_close(db);
	return 0;
}

/* Runs a query and returns the guids picked, space-separated. */
static const char *
pick(const char *const *tags, size_t ntags, int all,
    const char *const *excl, size_t nexcl, int64_t since, size_t limit)
{
	static char out[1024];
	struct select_query q;
	struct article_list l;
	char err[ERR_LEN];
	size_t i, n = 0;

	memset(&q, 0, sizeof(q));
	memset(&l, 0, sizeof(l));
	q.tags = tags;
	q.ntags = ntags;
	q.match_all = all;
	q.exclude = excl;
	q.nexclude = nexcl;
	q.since = since;
	q.limit = limit;
	if (select_articles(db, &q, &l, err) == -1)
		fail_msg("%s", err);
	out[0] = '\0';
	for (i = 0; i < l.n; i++)
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s",
		    i ? " " : "", l.v[i].guid);
	article_list_release(&l);
	return out;
}

static void
test_everything_newest_first(void **state)
{
	(void)state;
	/* f is a near-duplicate of a from another source: a is newer. */
	assert_string_equal(pick(NULL, 0, 0, NULL, 0, 0, 0), "a b c d g e");
}

static void
test_window(void **state)
{
	(void)state;
	assert_string_equal(pick(NULL, 0, 0, NULL, 0, T0 - 7 * DAY, 0),
	    "a b c d g");
}

static void
test_any_and_all(void **state)
{
	const char *t[] = { "Science", "POLITICS" };
	const char *t2[] = { "science", "climate" };

	(void)state;
	assert_string_equal(pick(t, 2, 0, NULL, 0, T0 - 7 * DAY, 0), "a b c");
	assert_string_equal(pick(t2, 2, 1, NULL, 0, 0, 0), "c");
}

static void
test_unknown_tags(void **state)
{
	const char *t[] = { "science", "no-such-tag" };

	(void)state;
	assert_string_equal(pick(t, 2, 0, NULL, 0, 0, 0), "b c");
	assert_string_equal(pick(t, 2, 1, NULL, 0, 0, 0), "");
	assert_string_equal(pick(t + 1, 1, 0, NULL, 0, 0, 0), "");
}

static void
test_exclude(void **state)
{
	const char *x[] = { "science", "politics" };

	(void)state;
	assert_string_equal(pick(NULL, 0, 0, x, 2, 0, 0), "d g");
}

static void
test_limit(void **state)
{
	(void)state;
	assert_string_equal(pick(NULL, 0, 0, NULL, 0, 0, 2), "a b");
}

static void
test_same_source_duplicates_are_kept(void **state)
{
	const char *t[] = { "weekly" };

	(void)state;
	add("s3", "w1", "Weekly roundup", 1 * DAY, "weekly");
	add("s3", "w2", "Weekly roundup", 2 * DAY, "weekly");
	assert_string_equal(pick(t, 1, 0, NULL, 0, 0, 0), "w1 w2");
}

static void
test_titles_similar(void **state)
{
	(void)state;
	assert_true(select_titles_similar("apple unveils new iphone today",
	    "apple unveils new iphone today"));
	assert_true(select_titles_similar(
	    "council approves the transit levy after long hearing",
	    "council approves transit levy after long hearing"));
	assert_false(select_titles_similar("council approves levy",
	    "council rejects levy"));
	assert_false(select_titles_similar(
	    "storm closes harbor bridge for two days",
	    "storm closes airport for two days again"));
}

/* Selections for many different tag sets (a send's readers) prepare a
 * few statements between them, not one per set: the tags are bound, not
 * written into the SQL (db_prepare finds statements by their text, so a
 * statement per set made every later lookup slower and the process
 * bigger, reader after reader). */
static void
test_statements_do_not_grow_with_tag_sets(void **state)
{
	static const char *const pool[] = { "politics", "transport",
	    "education", "science", "climate", "business", "nope" };
	struct article_list l;
	struct select_query q;
	const char *tags[3];
	char err[ERR_LEN];
	sqlite3_stmt *st = NULL;
	int i, n = 0;

	(void)state;
	for (i = 0; i < 7 * 7 * 7; i++) {
		tags[0] = pool[i % 7];
		tags[1] = pool[i / 7 % 7];
		tags[2] = pool[i / 49 % 7];
		memset(&q, 0, sizeof(q));
		q.tags = tags;
		q.ntags = 1 + (size_t)(i % 3);
		q.match_all = i % 2;
		q.exclude = i % 5 == 0 ? &pool[5] : NULL;
		q.nexclude = i % 5 == 0;
		memset(&l, 0, sizeof(l));
		assert_int_equal(select_articles(db, &q, &l, err), 0);
		article_list_release(&l);
	}
	while ((st = sqlite3_next_stmt(db, st)) != NULL)
		n++;
	if (n > 12)
		fail_msg("%d statements prepared for 343 selections", n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_everything_newest_first),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_any_and_all),
		cmocka_unit_test(test_unknown_tags),
		cmocka_unit_test(test_exclude),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_same_source_duplicates_are_kept),
		cmocka_unit_test(test_titles_similar),
		cmocka_unit_test(test_statements_do_not_grow_with_tag_sets),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
