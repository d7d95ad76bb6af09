/*
 * test_due: digest/due.c, when an edition is due and the making of it,
 * on a real SQLite file with real articles: the slot's weekday and time,
 * the DST change in the schedule's zone, a missed week (caught up once,
 * from where the last edition ended), an edition already made (done,
 * skipped or open), min_articles, a skipped first edition, a slot long
 * past, a story dated anew after it was sent.
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
#include "due.h"
#include "journal.h"
#include "schedule.h"
#include "testutil.h"
#include "teststore.h"

#define HOUR 3600
#define DAY 86400
#define WEEK (7 * DAY)
/* Mondays 08:00Z: 2026-11-23 (2026-W48) and 2026-11-30 (2026-W49). */
#define MON_W48 1795420800
#define MON_W49 1796025600
/* Sundays 02:30 in Europe/Berlin: 2026-03-22 (CET, 01:30Z); 2026-03-29,
 * the spring-forward day, whose 02:30 does not exist (read with the
 * offset before the gap: 01:30Z); 2026-10-25, the fall-back day, whose
 * 02:30 happens twice (the first, CEST: 00:30Z; the repeat 01:30Z). */
#define SUN_0322 1774143000
#define SUN_0329 1774747800
#define SUN_1025 1792888200

static sqlite3 *db;
static struct config cfg;

static int
setup(void **state)
{
	char path[4200], err[ERR_LEN];

	(void)state;
	snprintf(path, sizeof(path), "%s/due.db", tu_tmpdir());
	db = db_open(path, err);
	assert_non_null(db);
	assert_int_equal(config_load(&cfg, "/dev/null", err), 0);
	cfg.min_articles = 1;
	cfg.max_age = 0;
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

static void
schedule(const char *weekday, const char *hhmm, const char *tz,
    struct schedule *s)
{
	char err[ERR_LEN];

	if (schedule_parse(weekday, hhmm, tz, s, err) == -1)
		fail_msg("%s", err);
}

static void
check(const struct schedule *s, int64_t now, struct due *d)
{
	char err[ERR_LEN];

	if (due_check(db, s, now, d, err) == -1)
		fail_msg("%s", err);
}

static int64_t
frozen(const char *id)
{
	sqlite3_stmt *st;
	int64_t n;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM "
	    "edition_article WHERE edition_id = ?1", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* The slot is the weekday and time: a minute before it, the edition due
 * is last week's; at it, this week's. */
static void
test_weekday_and_time(void **state)
{
	struct schedule s;
	struct due d;

	(void)state;
	schedule("monday", "08:00", "UTC", &s);
	check(&s, MON_W49 - 60, &d);
	assert_int_equal(d.action, DUE_MAKE);
	assert_int_equal(d.slot, MON_W48);
	assert_string_equal(d.id, "2026-W48");
	check(&s, MON_W49, &d);
	assert_int_equal(d.slot, MON_W49);
	assert_string_equal(d.id, "2026-W49");
	/* Six days later it is still this week's. */
	check(&s, MON_W49 + 6 * DAY, &d);
	assert_string_equal(d.id, "2026-W49");
}

/* The schedule's zone decides: the slot whose 02:30 the clocks skip
 * still happens, at 01:30Z; the fall-back's repeated 02:30 is no second
 * slot. */
static void
test_dst(void **state)
{
	struct schedule s;
	struct due d;
	char err[ERR_LEN], note[DUE_NOTE_MAX];

	(void)state;
	schedule("sun", "02:30", "Europe/Berlin", &s);
	check(&s, SUN_0329 - 60, &d);
	assert_int_equal(d.slot, SUN_0322);
	assert_string_equal(d.id, "2026-W12");
	check(&s, SUN_0329, &d);
	assert_int_equal(d.slot, SUN_0329);
	assert_string_equal(d.id, "2026-W13");
	/* Made at the first 02:30; an hour later (02:30 again on the
	 * clocks) nothing is due. */
	ts_article(db, "autumn", NULL, SUN_1025 - DAY);
	check(&s, SUN_1025, &d);
	assert_int_equal(d.action, DUE_MAKE);
	assert_int_equal(due_make(db, &cfg, &d, SUN_1025, note, err), 1);
	journal_edition_mark(db, d.id, "done");
	check(&s, SUN_1025 + HOUR, &d);
	assert_int_equal(d.slot, SUN_1025);
	assert_int_equal(d.action, DUE_NOTHING);
	assert_string_equal(d.status, "done");
}

/* An edition already made: done or skipped, nothing is due; open (a run
 * stopped), it is resumed, never made again. */
static void
test_already_made(void **state)
{
	struct schedule s;
	struct due d;
	char err[ERR_LEN], note[DUE_NOTE_MAX];

	(void)state;
	schedule("mon", "08:00", "UTC", &s);
	ts_article(db, "w48", NULL, MON_W48 - DAY);
	check(&s, MON_W48 + HOUR, &d);
	assert_int_equal(d.action, DUE_MAKE);
	assert_int_equal(due_make(db, &cfg, &d, MON_W48 + HOUR, note, err), 1);
	assert_string_equal(d.status, "open");
	assert_int_equal(frozen("2026-W48"), 1);
	/* Stored after it was made: not in it, whatever comes next. */
	ts_article(db, "late", NULL, MON_W48 - HOUR);
	check(&s, MON_W48 + 2 * HOUR, &d);
	assert_int_equal(d.action, DUE_RESUME);
	assert_string_equal(d.status, "open");
	assert_int_equal(frozen("2026-W48"), 1);
	journal_edition_mark(db, "2026-W48", "done");
	check(&s, MON_W48 + 3 * HOUR, &d);
	assert_int_equal(d.action, DUE_NOTHING);
	assert_string_equal(d.status, "done");
	journal_edition_mark(db, "2026-W48", "skipped");
	check(&s, MON_W48 + 4 * HOUR, &d);
	assert_int_equal(d.action, DUE_NOTHING);
	assert_string_equal(d.status, "skipped");
}

/* Weeks missed: only the latest slot is made, once, and it takes every
 * article since the last edition ended, so nothing falls between; after
 * too long a gap, a first edition's window. */
static void
test_missed_weeks(void **state)
{
	struct schedule s;
	struct journal_edition je;
	struct due d;
	char err[ERR_LEN], note[DUE_NOTE_MAX];
	int64_t w46 = MON_W48 - 2 * WEEK;

	(void)state;
	schedule("mon", "08:00", "UTC", &s);
	assert_int_equal(journal_edition_create(db, "2026-W46", w46 - WEEK, w46,
	    w46, w46, 0, err), 1);
	journal_edition_mark(db, "2026-W46", "done");
	ts_article(db, "w47a", NULL, w46 + DAY);		/* in the missed week */
	ts_article(db, "w48a", NULL, MON_W48 - DAY);
	ts_article(db, "w49a", NULL, MON_W49 - DAY);
	check(&s, MON_W49 + HOUR, &d);
	assert_int_equal(d.action, DUE_MAKE);
	assert_string_equal(d.id, "2026-W49");
	assert_int_equal(due_since(db, d.slot, cfg.max_age), w46);
	assert_int_equal(due_make(db, &cfg, &d, MON_W49 + HOUR, note, err), 1);
	assert_int_equal(frozen("2026-W49"), 3);
	/* W47 and W48 were never made: caught up in W49, not one by one. */
	assert_int_equal(journal_edition_get(db, "2026-W48", &je, err), 0);
	assert_int_equal(journal_edition_get(db, "2026-W47", &je, err), 0);
	/* The next slot starts where W49 ended. */
	assert_int_equal(due_since(db, MON_W49 + WEEK, cfg.max_age), MON_W49);
	/* Beyond DUE_GAP_MAX windows, a first edition's week. */
	assert_int_equal(due_since(db, MON_W49 + (DUE_GAP_MAX + 1) * WEEK,
	    cfg.max_age),
	    MON_W49 + (DUE_GAP_MAX + 1) * WEEK - DUE_FIRST_WINDOW);
}

/* With fewer than min_articles new articles the edition is recorded
 * skipped, with why; its articles wait for the next one (stored after
 * the last edition made, published within max_age of the next). */
static void
test_min_articles(void **state)
{
	struct schedule s;
	struct journal_edition je;
	struct due d;
	char err[ERR_LEN], note[DUE_NOTE_MAX];
	int64_t w47 = MON_W48 - WEEK;

	(void)state;
	schedule("mon", "08:00", "UTC", &s);
	cfg.min_articles = 2;
	cfg.max_age = 14 * DAY;
	ts_article(db, "w47", NULL, w47 - DAY);
	assert_int_equal(journal_edition_create(db, "2026-W47", w47 - WEEK,
	    w47, w47, w47, cfg.max_age, err), 1);
	journal_edition_mark(db, "2026-W47", "done");
	ts_article(db, "one", NULL, MON_W48 - DAY);
	check(&s, MON_W48, &d);
	assert_int_equal(due_since(db, d.slot, cfg.max_age), w47);
	assert_int_equal(due_make(db, &cfg, &d, MON_W48, note, err), 0);
	assert_string_equal(d.status, "skipped");
	assert_string_equal(note, "1 new article, fewer than min_articles 2");
	assert_int_equal(journal_edition_get(db, "2026-W48", &je, err), 1);
	assert_string_equal(je.status, "skipped");
	assert_int_equal(frozen("2026-W48"), 0);
	check(&s, MON_W48 + HOUR, &d);
	assert_int_equal(d.action, DUE_NOTHING);
	/* The next week has its own and the one that waited. */
	ts_article(db, "two", NULL, MON_W49 - DAY);
	check(&s, MON_W49, &d);
	assert_int_equal(due_make(db, &cfg, &d, MON_W49, note, err), 1);
	assert_int_equal(frozen("2026-W49"), 2);
}

/* The very first edition skipped: no edition was ever made, so no mark
 * carries its articles; they wait for the next one all the same (the
 * skipped window joins its own), and after skips in a row only those
 * within max_age of the edition that is made. */
static void
test_first_skipped(void **state)
{
	struct schedule s;
	struct due d;
	char err[ERR_LEN], note[DUE_NOTE_MAX];
	int64_t w50 = MON_W49 + WEEK, w51 = MON_W49 + 2 * WEEK;

	(void)state;
	schedule("mon", "08:00", "UTC", &s);
	cfg.min_articles = 2;
	cfg.max_age = 14 * DAY;
	ts_article(db, "first", NULL, MON_W48 - 3 * DAY);
	check(&s, MON_W48, &d);
	assert_int_equal(due_make(db, &cfg, &d, MON_W48, note, err), 0);
	assert_string_equal(d.status, "skipped");
	ts_article(db, "second", NULL, MON_W49 - DAY);
	check(&s, MON_W49, &d);
	assert_int_equal(due_since(db, d.slot, cfg.max_age), MON_W48 - WEEK);
	assert_int_equal(due_make(db, &cfg, &d, MON_W49, note, err), 1);
	assert_int_equal(frozen("2026-W49"), 2);
	/* Made: the next window starts where W49's ended, as always. */
	journal_edition_mark(db, "2026-W49", "done");
	assert_int_equal(due_since(db, w50, cfg.max_age), MON_W49);

	/* W50 and W51 skipped; W52 takes what they had within max_age:
	 * W51's story, not W50's (published 19 days before W52). */
	cfg.min_articles = 3;
	ts_article(db, "w50", NULL, w50 - 5 * DAY);
	check(&s, w50, &d);
	assert_int_equal(due_make(db, &cfg, &d, w50, note, err), 0);
	ts_article(db, "w51", NULL, w51 - DAY);
	check(&s, w51, &d);
	assert_int_equal(due_since(db, d.slot, cfg.max_age), MON_W49);
	assert_int_equal(due_make(db, &cfg, &d, w51, note, err), 0);
	ts_article(db, "w52a", NULL, w51 + WEEK - DAY);
	ts_article(db, "w52b", NULL, w51 + WEEK - HOUR);
	check(&s, w51 + WEEK, &d);
	assert_int_equal(due_since(db, d.slot, cfg.max_age), w51 + WEEK -
	    cfg.max_age);
	assert_int_equal(due_make(db, &cfg, &d, w51 + WEEK, note, err), 1);
	assert_int_equal(frozen(d.id), 3);
	/* A max_age shorter than a week never cuts into the edition's own
	 * window: it starts where the skipped one ended. */
	journal_edition_mark(db, d.id, "done");
	check(&s, w51 + 2 * WEEK, &d);
	assert_int_equal(due_make(db, &cfg, &d, w51 + 2 * WEEK, note, err), 0);
	assert_int_equal(due_since(db, w51 + 3 * WEEK, 12 * HOUR),
	    w51 + 2 * WEEK);
}

/* A slot long past (the first run six days after it, or a machine down
 * that long): recorded skipped, not sent days late and again at the
 * next slot; its articles go into the next one. Up to half a week late
 * it is still made. */
static void
test_late(void **state)
{
	struct schedule s;
	struct due d;
	char err[ERR_LEN], note[DUE_NOTE_MAX];

	(void)state;
	schedule("mon", "08:00", "UTC", &s);
	cfg.max_age = 14 * DAY;
	ts_article(db, "w48", NULL, MON_W48 - DAY);
	check(&s, MON_W48 + 6 * DAY, &d);
	assert_int_equal(d.action, DUE_MAKE);
	assert_string_equal(d.id, "2026-W48");
	assert_int_equal(due_make(db, &cfg, &d, MON_W48 + 6 * DAY, note, err),
	    0);
	assert_string_equal(d.status, "skipped");
	assert_string_equal(note, "due 6 days ago, nearer the next slot than "
	    "its own: its articles wait for the next one");
	assert_int_equal(frozen("2026-W48"), 0);
	ts_article(db, "w49", NULL, MON_W49 - DAY);
	check(&s, MON_W49 + 3 * DAY, &d);
	assert_int_equal(d.action, DUE_MAKE);
	assert_int_equal(due_make(db, &cfg, &d, MON_W49 + 3 * DAY, note, err),
	    1);
	assert_int_equal(frozen("2026-W49"), 2);
}

/* A story its feed dates anew after it was sent (an update with a new
 * pubDate) falls in the next window again: a scheduled edition takes
 * none an earlier one took, and counts only the new ones for
 * min_articles. */
static void
test_redated(void **state)
{
	struct schedule s;
	struct due d;
	char err[ERR_LEN], note[DUE_NOTE_MAX];

	(void)state;
	schedule("mon", "08:00", "UTC", &s);
	cfg.min_articles = 2;
	cfg.max_age = 14 * DAY;
	ts_article(db, "story", NULL, MON_W48 - DAY);
	ts_article(db, "other", NULL, MON_W48 - DAY);
	check(&s, MON_W48, &d);
	assert_int_equal(due_make(db, &cfg, &d, MON_W48, note, err), 1);
	journal_edition_mark(db, "2026-W48", "done");
	ts_article(db, "story", NULL, MON_W49 - DAY);	/* dated anew */
	ts_article(db, "new", NULL, MON_W49 - DAY);
	check(&s, MON_W49, &d);
	assert_int_equal(due_make(db, &cfg, &d, MON_W49, note, err), 0);
	assert_string_equal(note, "1 new article, fewer than min_articles 2");
	cfg.min_articles = 1;
	check(&s, MON_W49 + WEEK, &d);
	assert_int_equal(due_make(db, &cfg, &d, MON_W49 + WEEK, note, err), 1);
	assert_int_equal(frozen(d.id), 1);
}

static int64_t
article_id(const char *guid)
{
	sqlite3_stmt *st;
	int64_t id;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT id FROM article "
	    "WHERE guid = ?1", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, guid, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return id;
}

static int64_t
editions(void)
{
	sqlite3_stmt *st;
	int64_t n;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM edition",
	    -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* The frozen set of edition id is the one p planned, id for id. */
static void
assert_frozen_as_planned(const char *id, const struct due_plan *p)
{
	sqlite3_stmt *st;
	size_t i = 0;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT article_id FROM "
	    "edition_article WHERE edition_id = ?1 ORDER BY article_id", -1,
	    &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		assert_true(i < p->articles.n);
		assert_int_equal(sqlite3_column_int64(st, 0), p->articles.v[i]);
		i++;
	}
	sqlite3_finalize(st);
	assert_int_equal(i, p->articles.n);
}

static void
next(const struct schedule *s, int64_t now, struct due *d, struct due_plan *p)
{
	char err[ERR_LEN];
	int64_t before = editions();

	if (due_next(db, &cfg, s, now, d, p, err) == -1)
		fail_msg("%s", err);
	assert_int_equal(editions(), before);
}

/* Before its slot, the edition run-due makes next, as it will make it:
 * the stories since the last one, one stored late, not one the last one
 * sent that its feed dated anew; the slot due now when it is not made
 * yet; after a slot too long past, the next one, reaching back over it;
 * none when a send took the next slot's id. Nothing is written. */
static void
test_next(void **state)
{
	struct schedule s;
	struct due d;
	struct due_plan p;
	char err[ERR_LEN], note[DUE_NOTE_MAX];
	int64_t w50 = MON_W49 + WEEK, w51 = MON_W49 + 2 * WEEK;

	(void)state;
	schedule("mon", "08:00", "UTC", &s);
	cfg.max_age = 10 * DAY;
	ts_article(db, "story", NULL, MON_W48 - 2 * DAY);
	check(&s, MON_W48, &d);
	assert_int_equal(due_make(db, &cfg, &d, MON_W48, note, err), 1);
	journal_edition_mark(db, "2026-W48", "done");
	ts_article(db, "late", NULL, MON_W48 - HOUR);	/* stored late */
	ts_article(db, "story", NULL, MON_W49 - DAY);	/* dated anew */
	ts_article(db, "new", NULL, MON_W49 - DAY);

	next(&s, MON_W48 + 2 * DAY, &d, &p);
	assert_int_equal(d.action, DUE_MAKE);
	assert_string_equal(d.id, "2026-W49");
	assert_int_equal(d.slot, MON_W49);
	assert_int_equal(p.since, MON_W48);
	assert_int_equal(p.articles.n, 2);
	assert_int_equal(p.articles.v[0], article_id("late"));
	assert_int_equal(p.articles.v[1], article_id("new"));
	assert_string_equal(p.note, "");
	/* run-due at the slot freezes that very set. */
	check(&s, MON_W49, &d);
	assert_int_equal(due_make(db, &cfg, &d, MON_W49, note, err), 1);
	assert_frozen_as_planned("2026-W49", &p);
	due_plan_release(&p);
	journal_edition_mark(db, "2026-W49", "done");

	/* The slot passed, not made yet: that one; with too few articles,
	 * why run-due will skip it, as due_make says. */
	cfg.min_articles = 2;
	ts_article(db, "w50", NULL, w50 - DAY);
	next(&s, w50 + HOUR, &d, &p);
	assert_string_equal(d.id, "2026-W50");
	assert_int_equal(p.articles.n, 1);
	assert_string_equal(p.note, "1 new article, fewer than min_articles 2");
	due_plan_release(&p);

	/* Too long past to be made: the next slot's, which takes what
	 * waited within max_age, from where run-due will say. */
	cfg.min_articles = 1;
	next(&s, w50 + 4 * DAY, &d, &p);
	assert_string_equal(d.id, "2026-W51");
	assert_int_equal(d.slot, w51);
	assert_int_equal(p.since, w51 - cfg.max_age);
	assert_int_equal(p.articles.n, 1);
	assert_string_equal(p.note, "");
	check(&s, w50 + 4 * DAY, &d);
	assert_int_equal(due_make(db, &cfg, &d, w50 + 4 * DAY, note, err), 0);
	assert_int_equal(due_since(db, w51, cfg.max_age), p.since);
	check(&s, w51, &d);
	assert_int_equal(due_make(db, &cfg, &d, w51, note, err), 1);
	assert_frozen_as_planned("2026-W51", &p);
	due_plan_release(&p);

	/* A send that took the next slot's id: run-due will not make it. */
	assert_int_equal(journal_edition_create(db, "2026-W52", w51, w51 + DAY,
	    0, w51 + DAY, 0, err), 1);
	journal_edition_mark(db, "2026-W52", "done");
	next(&s, w51 + 2 * DAY, &d, &p);
	assert_string_equal(d.id, "2026-W52");
	assert_int_equal(d.action, DUE_NOTHING);
	assert_int_equal(p.articles.n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_weekday_and_time, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_already_made, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_missed_weeks, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_min_articles, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_first_skipped, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_late, setup, teardown),
		cmocka_unit_test_setup_teardown(test_redated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_next, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
