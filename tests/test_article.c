/* Tests for digest/article.c and digest/db.c: tags, the store, migrations. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "article.h"
#include "db.h"
#include "testutil.h"

static char dbpath[4200];

static int
setup(void **state)
{
	(void)state;
	snprintf(dbpath, sizeof(dbpath), "%s/t.db", tu_tmpdir());
	return 0;
}

static sqlite3 *
open_db(void)
{
	char err[ERR_LEN];
	sqlite3 *db = db_open(dbpath, err);

	if (db == NULL)
		fail_msg("%s", err);
	return db;
}

static void
test_tag_normalize(void **state)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "  Politics ", "politics" },
		{ "Society &amp; Culture", "society &amp; culture" },
		{ "Society   &\tCulture", "society & culture" },
		{ "ÜBER Straße", "über straße" },
		{ "НОВОСТИ", "новости" },
		{ "\xc2\xa0Nbsp\xc2\xa0tag\xc2\xa0", "nbsp tag" },
		{ "a\x01" "b", "ab" },
		{ "bad\xff" "byte", "badbyte" },
		{ "   ", "" },
	};
	char out[ARTICLE_TAG_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		article_tag_normalize(cases[i].in, strlen(cases[i].in), out);
		assert_string_equal(out, cases[i].out);
	}
}

static void
test_tag_too_long_is_cut_on_a_character(void **state)
{
	char in[300], out[ARTICLE_TAG_MAX];
	size_t n, i;

	(void)state;
	for (i = 0; i + 2 < sizeof(in); i += 2)
		memcpy(in + i, "\xc3\xa9", 2);	/* é */
	in[i] = '\0';
	n = article_tag_normalize(in, strlen(in), out);
	assert_true(n < ARTICLE_TAG_MAX);
	assert_int_equal(n % 2, 0);
	assert_int_equal(strlen(out), n);
}

static void
test_tags_dedup(void **state)
{
	struct article a;

	(void)state;
	article_init(&a);
	article_tag_add(&a, "News", 4);
	article_tag_add(&a, " news ", 6);
	article_tag_add(&a, "NEWS", 4);
	article_tag_add(&a, "", 0);
	article_tag_add(&a, "Tech", 4);
	assert_int_equal(a.ntags, 2);
	assert_string_equal(a.tags[0], "news");
	assert_string_equal(a.tags[1], "tech");
	article_release(&a);
}

static void
make_article(struct article *a, const char *guid, const char *title,
    int64_t published, const char *tag1, const char *tag2)
{
	article_init(a);
	a->source = xstrdup("/feeds/a.xml");
	a->guid = guid ? xstrdup(guid) : NULL;
	a->url = xstrdup("https://example.org/x");
	a->title = xstrdup(title);
	a->body = xstrdup("Body text.");
	a->lead = xstrdup("Body text.");
	a->published = published;
	a->fetched = 1800000000;
	if (tag1)
		article_tag_add(a, tag1, strlen(tag1));
	if (tag2)
		article_tag_add(a, tag2, strlen(tag2));
}

/* An item that is only a description, as RSS allows. */
static void
make_body_only(struct article *a, const char *body)
{
	article_init(a);
	a->source = xstrdup("s");
	a->body = xstrdup(body);
}

static void
test_upsert_updates_by_guid(void **state)
{
	sqlite3 *db = open_db();
	struct article a, b, got;
	char err[ERR_LEN];

	(void)state;
	make_article(&a, "g1", "First title", 1700000000, "Politics", "Tech");
	assert_int_equal(article_store_upsert(db, &a, err), 1);
	make_article(&b, "g1", "Second title", 1700000500, "Science", NULL);
	assert_int_equal(article_store_upsert(db, &b, err), 0);
	assert_int_equal(a.id, b.id);
	assert_int_equal(article_store_count(db, err), 1);

	article_init(&got);
	assert_int_equal(article_store_get(db, a.id, &got, err), 1);
	assert_string_equal(got.title, "Second title");
	assert_int_equal(got.published, 1700000500);
	assert_int_equal(got.ntags, 1);
	assert_string_equal(got.tags[0], "science");
	article_release(&got);
	article_release(&a);
	article_release(&b);
	db_close(db);
}

static void
test_upsert_falls_back_to_url_and_keeps_first_date(void **state)
{
	sqlite3 *db = open_db();
	struct article a, b, got;
	char err[ERR_LEN];

	(void)state;
	/* No guid and no date: keyed by url, dated by the first fetch. */
	make_article(&a, NULL, "Undated", 0, NULL, NULL);
	a.fetched = 1600000000;
	assert_int_equal(article_store_upsert(db, &a, err), 1);
	make_article(&b, NULL, "Undated, edited", 0, NULL, NULL);
	b.fetched = 1600009999;
	assert_int_equal(article_store_upsert(db, &b, err), 0);
	article_init(&got);
	assert_int_equal(article_store_get(db, a.id, &got, err), 1);
	assert_int_equal(got.published, 1600000000);
	assert_int_equal(got.fetched, 1600009999);
	assert_string_equal(got.title, "Undated, edited");
	article_release(&got);
	article_release(&a);
	article_release(&b);
	db_close(db);
}

static void
test_same_guid_other_source_is_another_article(void **state)
{
	sqlite3 *db = open_db();
	struct article a, b;
	char err[ERR_LEN];

	(void)state;
	make_article(&a, "1", "One", 1700000000, NULL, NULL);
	make_article(&b, "1", "Other feed's one", 1700000000, NULL, NULL);
	free(b.source);
	b.source = xstrdup("https://other.example/feed");
	assert_int_equal(article_store_upsert(db, &a, err), 1);
	assert_int_equal(article_store_upsert(db, &b, err), 1);
	assert_int_not_equal(a.id, b.id);
	assert_int_equal(article_store_count(db, err), 2);
	article_release(&a);
	article_release(&b);
	db_close(db);
}

static void
test_item_with_only_a_body(void **state)
{
	sqlite3 *db = open_db();
	struct article a, b, c;
	char err[ERR_LEN];

	(void)state;
	/* RSS allows an item that is only a description: keyed by its body. */
	make_body_only(&a, "Only a description.");
	make_body_only(&b, "Only a description.");
	make_body_only(&c, "Another description.");
	assert_int_equal(article_store_upsert(db, &a, err), 1);
	assert_int_equal(article_store_upsert(db, &b, err), 0);
	assert_int_equal(article_store_upsert(db, &c, err), 1);
	assert_int_equal(article_store_count(db, err), 2);
	article_release(&a);
	article_release(&b);
	article_release(&c);
	db_close(db);
}

static void
test_get_absent(void **state)
{
	sqlite3 *db = open_db();
	struct article got;
	char err[ERR_LEN];

	(void)state;
	article_init(&got);
	assert_int_equal(article_store_get(db, 424242, &got, err), 0);
	db_close(db);
}

static void
test_db_wal_and_version(void **state)
{
	sqlite3 *db = open_db();
	sqlite3_stmt *st;

	(void)state;
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), db_schema_version());
	sqlite3_finalize(st);
	db_close(db);
	/* Opening again migrates nothing and keeps the data. */
	db = open_db();
	db_close(db);
}

static void
test_db_refuses_newer_schema(void **state)
{
	sqlite3 *db = open_db();
	char err[ERR_LEN], sql[64];

	(void)state;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
	    db_schema_version() + 1);
	assert_int_equal(db_exec(db, sql, err), 0);
	db_close(db);
	assert_null(db_open(dbpath, err));
	assert_non_null(strstr(err, "newer than this digest knows"));
}

static void
test_db_rollback_leaves_nothing(void **state)
{
	sqlite3 *db = open_db();
	struct article a;
	char err[ERR_LEN];

	(void)state;
	assert_int_equal(db_begin(db, err), 0);
	make_article(&a, "g", "T", 1700000000, "x", NULL);
	assert_int_equal(article_store_upsert(db, &a, err), 1);
	db_rollback(db);
	assert_int_equal(article_store_count(db, err), 0);
	article_release(&a);
	db_close(db);
}

static void
test_title_key(void **state)
{
	char *k;

	(void)state;
	k = article_title_key("  Apple’s NEW iPhone: “Faster”, Cheaper!  ");
	assert_string_equal(k, "apple s new iphone faster cheaper");
	free(k);
	k = article_title_key("Ça va — très bien");
	assert_string_equal(k, "ça va très bien");
	free(k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tag_normalize),
		cmocka_unit_test(test_tag_too_long_is_cut_on_a_character),
		cmocka_unit_test(test_tags_dedup),
		cmocka_unit_test(test_title_key),
		cmocka_unit_test_setup(test_upsert_updates_by_guid, setup),
		cmocka_unit_test_setup(
		    test_upsert_falls_back_to_url_and_keeps_first_date, setup),
		cmocka_unit_test_setup(test_same_guid_other_source_is_another_article,
		    setup),
		cmocka_unit_test_setup(test_get_absent, setup),
		cmocka_unit_test_setup(test_item_with_only_a_body, setup),
		cmocka_unit_test_setup(test_db_wal_and_version, setup),
		cmocka_unit_test_setup(test_db_refuses_newer_schema, setup),
		cmocka_unit_test_setup(test_db_rollback_leaves_nothing, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
