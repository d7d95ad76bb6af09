/* Tests for digest/select.c: tags (and paths of tags), windows, limits,
 * near-duplicates and what they never fold (issue 15, R9). */
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
add_lead(const char *source, const char *guid, const char *title,
    int64_t age, const char *tags, const char *lead)
{
	struct article a;
	char err[ERR_LEN];
	const char *p = tags, *comma;

	article_init(&a);
	a.source = xstrdup(source);
	a.guid = xstrdup(guid);
	a.title = xstrdup(title);
	a.url = xstrdup(guid);
	a.body = xstrdup("b");
	a.lead = xstrdup(lead);
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

static void
add(const char *source, const char *guid, const char *title, int64_t age,
    const char *tags)
{
	add_lead(source, guid, title, age, tags, "l");
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
	int i, n = 0, before = 0;

	(void)state;
	while ((st = sqlite3_next_stmt(db, st)) != NULL)
		before++;
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
	/* Those the loop added: one per shape (any or all, with or without
	 * excluded tags, with or without tags), the tag lookup. */
	if (n - before > 9)
		fail_msg("%d statements prepared for 343 selections",
		    n - before);
}

/* R9: titles that differ by a negation or by who did what to whom are
 * two stories; a phrase moved as a whole is the same one. */
static void
test_never_the_other_side(void **state)
{
	(void)state;
	assert_false(select_titles_similar(
	    "former minister found guilty of corruption in court",
	    "former minister found not guilty of corruption in court"));
	assert_false(select_titles_similar("senate passes the budget bill "
	    "after long debate", "senate fails to pass the budget bill after "
	    "long debate"));
	assert_false(select_titles_similar("city council will raise parking "
	    "fees this year", "city council won t raise parking fees this "
	    "year"));
	assert_false(select_titles_similar("mayor never approved the harbour "
	    "contract", "mayor approved the harbour contract"));
	assert_false(select_titles_similar("liverpool beat chelsea 2 1",
	    "chelsea beat liverpool 2 1"));
	assert_false(select_titles_similar("germany defeats france in "
	    "world cup final", "france defeats germany in world cup final"));
	/* the same story, its words moved as a block */
	assert_true(select_titles_similar("obama meets xi in beijing today",
	    "in beijing today obama meets xi"));
	assert_true(select_titles_similar("minister not guilty of "
	    "corruption court rules", "court rules minister not guilty of "
	    "corruption"));
}

static void
test_negation_not_folded(void **state)
{
	(void)state;
	add("n1", "guilty", "Former minister found guilty of corruption",
	    2 * DAY, "court");
	add("n2", "not-guilty", "Former minister found not guilty of "
	    "corruption", 1 * DAY, "court");
	add("n3", "swap1", "Liverpool beat Chelsea 2-1", 2 * DAY, "football");
	add("n4", "swap2", "Chelsea beat Liverpool 2-1", 1 * DAY, "football");
	assert_string_equal(pick((const char *[]){ "court" }, 1, 0, NULL, 0,
	    0, 0), "not-guilty guilty");
	assert_string_equal(pick((const char *[]){ "football" }, 1, 0, NULL,
	    0, 0, 0), "swap2 swap1");
}

/* R9: identical short titles from two sources fold only when their
 * leads agree. */
static void
test_short_titles_need_leads(void **state)
{
	(void)state;
	add_lead("p1", "t1", "Trailer", 3 * DAY, "podcast", "Baywatch Berlin "
	    "startet am 22. November.");
	add_lead("p2", "t2", "Trailer", 2 * DAY, "podcast", "A new season of "
	    "our history show begins in March.");
	add_lead("p3", "w1", "Weekly roundup", 3 * DAY, "roundup", "The week "
	    "in science, from comets to cells.");
	add_lead("p4", "w2", "Weekly roundup", 2 * DAY, "roundup", "The week "
	    "in science: from comets to cells!");
	assert_string_equal(pick((const char *[]){ "podcast" }, 1, 0, NULL, 0,
	    0, 0), "t2 t1");
	/* the same lead: one story; the copy stored first is shown */
	assert_string_equal(pick((const char *[]){ "roundup" }, 1, 0, NULL, 0,
	    0, 0), "w1");
}

/* R9: when two copies fold, the one stored first keeps its link, even
 * when a later source dates its copy later, and even when the limit
 * would have stopped before the first copy. */
static void
test_first_copy_keeps_its_link(void **state)
{
	(void)state;
	add("wire", "first", "Harbour town votes to rebuild its sea wall",
	    5 * DAY, "harbour");
	add("late", "filler1", "Ferry timetable changes for winter", 4 * DAY,
	    "harbour");
	add("late", "filler2", "Lifeboat crew honoured at ceremony", 3 * DAY,
	    "harbour");
	add("aggregator", "later", "Harbour town votes to rebuild its sea "
	    "wall", 1 * DAY, "harbour");
	assert_string_equal(pick((const char *[]){ "harbour" }, 1, 0, NULL, 0,
	    0, 0), "first filler2 filler1");
	assert_string_equal(pick((const char *[]){ "harbour" }, 1, 0, NULL, 0,
	    0, 1), "first");
	assert_string_equal(pick((const char *[]){ "harbour" }, 1, 0, NULL, 0,
	    0, 2), "first filler2");
}

/* Tags that are paths: "business" picks "business/industries/...", and
 * a trailing '/' is not part of a tag. */
static void
test_tag_paths(void **state)
{
	(void)state;
	add("h1", "pub", "Publisher buys rival imprint", 1 * DAY,
	    "business/industries/publishing/");
	add("h1", "bank", "Bank raises rates", 2 * DAY, "business/banking");
	add("h1", "biz", "Businesses brace for winter", 3 * DAY, "businesses");
	add("h1", "sport", "Club signs striker", 6 * DAY, "sport");
	/* "d", from setup, is tagged "business" */
	assert_string_equal(pick((const char *[]){ "business" }, 1, 0, NULL,
	    0, 0, 0), "pub bank d");
	assert_string_equal(pick((const char *[]){ "Business/Industries" }, 1,
	    0, NULL, 0, 0, 0), "pub");
	assert_string_equal(pick((const char *[]){
	    "business/industries/publishing/" }, 1, 0, NULL, 0, 0, 0), "pub");
	assert_string_equal(pick((const char *[]){ "business", "sport" }, 2,
	    0, NULL, 0, 0, 0), "pub bank d sport");
	assert_string_equal(pick((const char *[]){ "business", "sport" }, 2,
	    1, NULL, 0, 0, 0), "");
	assert_string_equal(pick((const char *[]){ "business" }, 1, 0,
	    (const char *[]){ "business/banking" }, 1, 0, 0), "pub d");
	/* excluding a tag excludes the paths below it */
	assert_string_equal(pick((const char *[]){ "business", "sport" }, 2,
	    0, (const char *[]){ "business" }, 1, 0, 0), "sport");
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
		cmocka_unit_test(test_never_the_other_side),
		cmocka_unit_test(test_negation_not_folded),
		cmocka_unit_test(test_short_titles_need_leads),
		cmocka_unit_test(test_first_copy_keeps_its_link),
		cmocka_unit_test(test_tag_paths),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
