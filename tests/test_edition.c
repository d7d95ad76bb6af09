/*
 * test_edition: digest/edition.c's making and freezing of an edition
 * (edition_open_journal) and its previews (edition_preview), on a real
 * SQLite file with real articles, subscribers and the shipped
 * templates.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "article.h"
#include "config.h"
#include "db.h"
#include "edition.h"
#include "journal.h"
#include "store.h"
#include "testutil.h"
#include "teststore.h"

#define NOW 1795867200		/* 2026-11-28T12:00:00Z, in 2026-W48 */
#define DAY 86400

static sqlite3 *db;
static struct config cfg;

static void
add_subscriber(const char *email, const char *tag, struct store_subscriber *s)
{
	char err[ERR_LEN];

	store_subscriber_init(s);
	s->email = xstrdup(email);
	s->name = xstrdup("Hana");
	s->status = STORE_CONFIRMED;
	store_subscriber_tag_add(s, tag, strlen(tag));
	if (store_subscriber_put(db, s, err) == -1)
		fail_msg("%s", err);
}

static int
setup(void **state)
{
	char dir[4096], path[4200], err[ERR_LEN];

	(void)state;
	snprintf(dir, sizeof(dir), "%s", tu_tmpdir());
	snprintf(path, sizeof(path), "%s/edition.db", dir);
	db = db_open(path, err);
	assert_non_null(db);
	ts_config(&cfg, dir, "since = 7d\n");
	ts_article(db, "Council story", "politics", NOW - DAY);
	ts_article(db, "Climate story", "climate", NOW - 2 * DAY);
	ts_article(db, "Old story", "politics", NOW - 30 * DAY);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	db_close(db);
	config_release(&cfg);
	return 0;
}

static size_t
titles_in(struct sqlite3 *d, struct edition *e)
{
	struct article_list l;
	char err[ERR_LEN];
	size_t n;

	memset(&l, 0, sizeof(l));
	assert_int_equal(edition_select(d, e, NULL, 0, &l, err), 0);
	n = l.n;
	article_list_release(&l);
	return n;
}

/* Without freeze nothing is made; with it, the edition is made once, its
 * articles frozen: what comes later is not in it, and opening it again
 * gives it as it was made. */
static void
test_freeze(void **state)
{
	struct journal_edition je;
	struct edition e;
	char err[ERR_LEN];

	(void)state;
	if (edition_open_journal(&e, db, &cfg, "2026-W48", NOW, NULL, 0,
	    err) != 0)
		fail_msg("%s", err);
	assert_int_equal(e.frozen, 0);
	assert_int_equal(titles_in(db, &e), 2);
	edition_close(&e);
	assert_int_equal(journal_edition_get(db, "2026-W48", &je, err), 0);

	assert_int_equal(edition_open_journal(&e, db, &cfg, "2026-W48", NOW,
	    NULL, 1, err), 1);
	assert_int_equal(e.frozen, 1);
	assert_int_equal(e.now, NOW);
	edition_close(&e);
	assert_int_equal(journal_edition_get(db, "2026-W48", &je, err), 1);
	assert_int_equal(je.articles, 2);
	assert_string_equal(je.status, "open");

	/* A story of the window stored now, and an hour later: the same
	 * edition, frozen as it was, and dated as it was. */
	ts_article(db, "Late story", "politics", NOW - 3 * DAY);
	assert_int_equal(edition_open_journal(&e, db, &cfg, "2026-W48",
	    NOW + 3600, "30d", 1, err), 1);
	assert_int_equal(e.now, NOW);
	assert_int_equal(titles_in(db, &e), 2);
	edition_close(&e);
	assert_int_equal(journal_edition_get(db, "2026-W48", &je, err), 1);
	assert_int_equal(je.articles, 2);
	/* An edition not made takes it. */
	assert_int_equal(edition_open_journal(&e, db, &cfg, "next", NOW + 3600,
	    NULL, 0, err), 0);
	assert_int_equal(titles_in(db, &e), 3);
	edition_close(&e);

	assert_int_equal(edition_open_journal(&e, db, &cfg, "../x", NOW, NULL,
	    1, err), -1);
	assert_non_null(strstr(err, "invalid edition id"));
	edition_close(&e);
	assert_int_equal(edition_open_journal(&e, db, &cfg, NULL, NOW, "soon",
	    1, err), -1);
	assert_non_null(strstr(err, "invalid window 'soon'"));
	edition_close(&e);
}

/* One preview in a part, for reader r of e; the articles picked in n. */
static char *
preview(struct edition *e, int64_t sid, struct edition_reader *r,
    enum edition_part part, size_t *n, int want)
{
	struct article_list l;
	struct article holder;
	struct buf out;
	char err[ERR_LEN], *s;
	int rc;

	buf_init(&out, 1u << 24);
	memset(&l, 0, sizeof(l));
	rc = edition_preview(db, e, sid, r, &holder, part, &out, &l, err);
	if (rc != want)
		fail_msg("edition_preview: %d, not %d: %s", rc, want, err);
	*n = l.n;
	s = xstrdup(buf_cstr(&out));
	article_list_release(&l);
	article_release(&holder);
	buf_release(&out);
	return s;
}

/* A preview for a tag set: the articles of those tags, in each part. */
static void
test_preview_tags(void **state)
{
	static const char *const tags[] = { "climate" };
	struct edition_reader r;
	struct edition e;
	char err[ERR_LEN], *s;
	size_t n;

	(void)state;
	assert_int_equal(edition_open(&e, &cfg, NULL, NOW, NULL, err), 0);
	edition_reader_for_tags(&r, &cfg, tags, 1);
	s = preview(&e, 0, &r, EDITION_PART_HTML, &n, 0);
	assert_int_equal(n, 1);
	assert_non_null(strstr(s, "Climate story"));
	assert_null(strstr(s, "Council story"));
	assert_non_null(strstr(s, "<html"));
	free(s);
	s = preview(&e, 0, &r, EDITION_PART_TEXT, &n, 0);
	assert_non_null(strstr(s, "Climate story"));
	assert_null(strstr(s, "<html"));
	free(s);
	s = preview(&e, 0, &r, EDITION_PART_EML, &n, 0);
	assert_non_null(strstr(s, "\r\nSubject: "));
	assert_non_null(strstr(s, "To: Preview <news@example.org>"));
	free(s);
	s = preview(&e, 0, &r, EDITION_PART_JSON, &n, 0);
	assert_non_null(strstr(s, "\"Climate story\""));
	assert_non_null(strstr(s, "\"Preview\""));
	free(s);
	/* No tags: every article of the window. */
	edition_reader_for_tags(&r, &cfg, NULL, 0);
	free(preview(&e, 0, &r, EDITION_PART_HTML, &n, 0));
	assert_int_equal(n, 2);
	/* A reader whose message cannot be built: their fault, said. */
	r.email = "not an address";
	free(preview(&e, 0, &r, EDITION_PART_EML, &n, -1));
	edition_close(&e);
}

/* A subscriber's preview of an edition sent: its articles and their
 * topics as sent, not as they are now. */
static void
test_preview_as_sent(void **state)
{
	struct store_subscriber s;
	struct edition_reader r;
	struct edition e;
	char err[ERR_LEN], *html;
	size_t n;

	(void)state;
	add_subscriber("hana@example.org", "politics", &s);
	assert_int_equal(edition_open_journal(&e, db, &cfg, "2026-W48", NOW,
	    NULL, 1, err), 1);
	assert_int_equal(journal_deliveries_add(db, "2026-W48", err), 1);
	edition_close(&e);
	/* She changes her topics afterwards. */
	store_subscriber_release(&s);
	add_subscriber("hana@example.org", "climate", &s);
	store_subscriber_release(&s);
	store_subscriber_init(&s);
	assert_int_equal(store_subscriber_find(db, "hana@example.org", &s,
	    err), 1);
	assert_non_null(s.unsubscribe_token);
	assert_int_equal(edition_open_journal(&e, db, &cfg, "2026-W48", NOW,
	    NULL, 0, err), 1);
	store_subscriber_reader(&s, &r);
	html = preview(&e, s.id, &r, EDITION_PART_HTML, &n, 0);
	assert_int_equal(n, 1);
	assert_non_null(strstr(html, "Council story"));
	assert_null(strstr(html, "Climate story"));
	free(html);
	/* Her links are hers. */
	store_subscriber_reader(&s, &r);
	html = preview(&e, 0, &r, EDITION_PART_HTML, &n, 0);
	assert_non_null(strstr(html, s.unsubscribe_token));
	assert_non_null(strstr(html, "Climate story"));
	free(html);
	edition_close(&e);
	store_subscriber_release(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_freeze, setup, teardown),
		cmocka_unit_test_setup_teardown(test_preview_tags, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_preview_as_sent, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
