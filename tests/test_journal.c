/* Tests for digest/journal.c: frozen editions, deliveries, the lock,
 * results and bounces, on a real SQLite file. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include "article.h"
#include "db.h"
#include "journal.h"
#include "store.h"
#include "testutil.h"

#define NOW 1795000000

static sqlite3 *db;
static char dbpath[4200];

static void
add_article(const char *guid, int64_t published)
{
	struct article a;
	char err[ERR_LEN];

	article_init(&a);
	a.source = xstrdup("s");
	a.guid = xstrdup(guid);
	a.title = xstrdup(guid);
	a.body = xstrdup("b");
	a.lead = xstrdup("l");
	a.published = published;
	a.fetched = published;
	if (article_store_upsert(db, &a, err) == -1)
		fail_msg("%s", err);
	article_release(&a);
}

static int64_t
add_subscriber(const char *email, enum store_status st)
{
	struct store_subscriber s;
	char err[ERR_LEN];
	int64_t id;

	store_subscriber_init(&s);
	s.email = xstrdup(email);
	s.status = st;
	if (store_subscriber_put(db, &s, err) == -1)
		fail_msg("%s", err);
	id = s.id;
	store_subscriber_release(&s);
	return id;
}

static int
setup(void **state)
{
	char err[ERR_LEN];

	(void)state;
	snprintf(dbpath, sizeof(dbpath), "%s/j.db", tu_tmpdir());
	db = db_open(dbpath, err);
	assert_non_null(db);
	add_article("old", NOW - 30 * 86400);
	add_article("a", NOW - 86400);
	add_article("b", NOW - 3600);
	add_subscriber("one@example.org", STORE_CONFIRMED);
	add_subscriber("two@example.org", STORE_CONFIRMED);
	add_subscriber("pending@example.org", STORE_PENDING);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	db_close(db);
	return 0;
}

static void
test_edition_frozen(void **state)
{
	struct journal_edition e;
	char err[ERR_LEN];

	(void)state;
	assert_int_equal(journal_edition_create(db, "2026-W48", NOW - 7 * 86400,
	    NOW, 0, NOW, 0, err), 1);
	/* An article stored later is not in the frozen set. */
	add_article("late", NOW - 60);
	assert_int_equal(journal_edition_create(db, "2026-W48", NOW - 7 * 86400,
	    NOW + 10, 0, NOW, 0, err), 0);
	assert_int_equal(journal_edition_get(db, "2026-W48", &e, err), 1);
	assert_int_equal(e.articles, 2);
	assert_string_equal(e.status, "open");
	assert_int_equal(journal_edition_get(db, "nope", &e, err), 0);
}

static void
test_deliveries_for_confirmed_only(void **state)
{
	struct journal_edition e;
	char err[ERR_LEN];

	(void)state;
	assert_int_equal(journal_deliveries_add(db, "2026-W48", err), 2);
	assert_int_equal(journal_deliveries_add(db, "2026-W48", err), 0);
	add_subscriber("late@example.org", STORE_CONFIRMED);
	assert_int_equal(journal_deliveries_add(db, "2026-W48", err), 1);
	assert_int_equal(journal_edition_get(db, "2026-W48", &e, err), 1);
	assert_int_equal(e.count[JOURNAL_PENDING], 3);
}

static void
test_lock(void **state)
{
	char err[ERR_LEN], holder[256];
	pid_t child;
	int st;

	(void)state;
	assert_int_equal(journal_lock(db, "2026-W48", "me", NOW, holder,
	    sizeof(holder), err), 1);
	/* Another run in this (live) process is refused... */
	assert_int_equal(journal_lock(db, "2026-W48", "other", NOW, holder,
	    sizeof(holder), err), 0);
	assert_non_null(strstr(holder, "pid"));
	/* ...until the heartbeat is stale. */
	assert_int_equal(journal_lock(db, "2026-W48", "other",
	    NOW + JOURNAL_LOCK_STALE + 1, holder, sizeof(holder), err), 1);
	journal_unlock(db, "2026-W48", "other");
	/* A lock whose process is gone can be taken at once. */
	child = fork();
	if (child == 0) {
		/* Its own connection: a SQLite handle must not cross a fork. */
		char e2[ERR_LEN], h2[256];
		sqlite3 *cdb = db_open(dbpath, e2);
		int rc = cdb != NULL && journal_lock(cdb, "2026-W48", "child",
		    NOW, h2, sizeof(h2), e2) == 1 ? 0 : 1;

		/* Closed, or valgrind counts it lost: _exit runs no
		 * cleanup. */
		db_close(cdb);
		_exit(rc);
	}
	assert_int_equal(waitpid(child, &st, 0), child);
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_int_equal(journal_lock(db, "2026-W48", "me", NOW, holder,
	    sizeof(holder), err), 1);
}

static void
test_record_and_bounces(void **state)
{
	struct journal_item items[8];
	struct journal_result r[3];
	struct journal_edition e;
	struct store_subscriber s;
	char err[ERR_LEN];
	int n, i, k;

	(void)state;
	n = journal_next(db, "2026-W48", 0, NOW, 0, items, 8, err);
	assert_int_equal(n, 3);
	memset(r, 0, sizeof(r));
	r[0].subscriber_id = items[0].subscriber_id;
	r[0].status = JOURNAL_SENT;
	r[0].code = 250;
	r[0].queue_id = "4F2A";
	r[1].subscriber_id = items[1].subscriber_id;
	r[1].status = JOURNAL_DEFERRED;
	r[1].code = 451;
	r[1].next_try = NOW + 100;
	r[2].subscriber_id = items[2].subscriber_id;
	r[2].status = JOURNAL_FAILED;
	r[2].code = 550;
	r[2].reply = "5.1.1 no such user";
	for (i = 0; i < n; i++)
		journal_item_release(&items[i]);
	/* Only the lock's owner may record. */
	assert_int_equal(journal_record(db, "2026-W48", "intruder", 1, r, 3,
	    NOW, err), -1);
	assert_non_null(strstr(err, "taken over"));
	assert_int_equal(journal_record(db, "2026-W48", "me", 1, r, 3, NOW,
	    err), 0);
	assert_int_equal(journal_edition_get(db, "2026-W48", &e, err), 1);
	assert_int_equal(e.count[JOURNAL_SENT], 1);
	assert_int_equal(e.count[JOURNAL_DEFERRED], 1);
	assert_int_equal(e.count[JOURNAL_FAILED], 1);
	/* Deferred ones come back when due, not before. */
	assert_int_equal(journal_next(db, "2026-W48", 0, NOW, 0, items, 8, err), 0);
	n = journal_next(db, "2026-W48", 0, NOW + 100, 0, items, 8, err);
	assert_int_equal(n, 1);
	journal_item_release(&items[0]);
	assert_int_equal(journal_next_due(db, "2026-W48"), NOW + 100);
	/* Two editions in a row with a hard bounce: bounced (limit 2). */
	assert_int_equal(journal_edition_create(db, "2026-W49", NOW, NOW + 1, 0,
	    NOW, 0, err), 1);
	assert_int_equal(journal_lock(db, "2026-W49", "me", NOW, NULL, 0, err),
	    1);
	assert_int_equal(journal_deliveries_add(db, "2026-W49", err), 3);
	assert_int_equal(journal_record(db, "2026-W49", "me", 1, &r[2], 1, NOW,
	    err), 0);
	/* The journal changes no subscriber: the store takes the two
	 * bounces (once: a second take finds none) and bounces them. */
	assert_int_equal(store_deliveries_apply(db, 2, err), 1);
	assert_int_equal(store_deliveries_apply(db, 2, err), 0);
	store_subscriber_init(&s);
	for (k = 0; k < 2; k++) {
		const char *who = k == 0 ? "late@example.org" : "one@example.org";

		assert_int_equal(store_subscriber_find(db, who, &s, err), 1);
		if (s.id == r[2].subscriber_id) {
			json_t *log;
			char *dump;

			assert_int_equal(s.status, STORE_BOUNCED);
			/* Said in their consent log, with the reply. */
			assert_int_equal(store_consent_list(db, who, &log, err),
			    0);
			dump = json_dumps(log, JSON_COMPACT);
			assert_non_null(strstr(dump, "\"action\":\"bounce\""));
			assert_non_null(strstr(dump, "5.1.1 no such user"));
			free(dump);
			json_decref(log);
		} else {
			assert_int_equal(s.status, STORE_CONFIRMED);
		}
		store_subscriber_release(&s);
	}
	/* And a failed one can be tried again. */
	assert_int_equal(journal_retry_failed(db, "2026-W48", err), 1);
}

struct doubt_seen {
	int n;
	char who[4][64];
	char id[4][64];
};

static void
doubt_cb(const char *email, const char *message_id, void *arg)
{
	struct doubt_seen *d = arg;

	if (d->n < 4) {
		snprintf(d->who[d->n], sizeof(d->who[0]), "%s", email);
		snprintf(d->id[d->n], sizeof(d->id[0]), "%s", message_id);
	}
	d->n++;
}

static void
doubt_row(const struct journal_delivery *d, void *arg)
{
	char *out = arg;

	if (strcmp(d->email, "one@example.org") == 0)
		snprintf(out, 256, "%s|%s", d->sending ? d->sending : "-",
		    d->in_doubt ? d->in_doubt : "-");
}

/* A message marked as handed to the server and never given a result is
 * reported once, by the next run, and kept as in doubt; one with a
 * result is not. */
static void
test_in_doubt(void **state)
{
	struct journal_item items[8];
	struct journal_result r[3];
	struct journal_edition e;
	struct doubt_seen seen;
	char err[ERR_LEN], row[256] = "";
	int n, i, one = -1;

	(void)state;
	assert_int_equal(journal_edition_create(db, "2026-W50", NOW, NOW + 1, 0,
	    NOW, 0, err), 1);
	assert_int_equal(journal_lock(db, "2026-W50", "me", NOW, NULL, 0, err),
	    1);
	assert_true(journal_deliveries_add(db, "2026-W50", err) >= 2);
	n = journal_next(db, "2026-W50", 0, NOW, 0, items, 8, err);
	assert_true(n >= 2);
	for (i = 0; i < n; i++)
		if (strcmp(items[i].email, "one@example.org") == 0)
			one = i;
	assert_true(one >= 0);
	memset(r, 0, sizeof(r));
	r[0].subscriber_id = items[one].subscriber_id;
	r[0].sending = 1;
	r[0].message_id = "<a1@x>";
	r[1].subscriber_id = items[one == 0 ? 1 : 0].subscriber_id;
	r[1].sending = 1;
	r[1].message_id = "<b1@x>";
	assert_int_equal(journal_record(db, "2026-W50", "me", 0, r, 2, NOW,
	    err), 0);
	assert_int_equal(journal_edition_get(db, "2026-W50", &e, err), 1);
	assert_int_equal(e.sending, 2);
	assert_int_equal(e.count[JOURNAL_PENDING], n);
	/* The second one's result comes in; the first one's never does. */
	r[2].subscriber_id = r[1].subscriber_id;
	r[2].status = JOURNAL_SENT;
	r[2].code = 250;
	r[2].message_id = "<b1@x>";
	assert_int_equal(journal_record(db, "2026-W50", "me", 0, &r[2], 1,
	    NOW, err), 0);
	for (i = 0; i < n; i++)
		journal_item_release(&items[i]);
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(journal_in_doubt(db, "2026-W50", doubt_cb, &seen,
	    err), 1);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.who[0], "one@example.org");
	assert_string_equal(seen.id[0], "<a1@x>");
	/* Reported once; kept for editions show; still to be sent. */
	assert_int_equal(journal_in_doubt(db, "2026-W50", doubt_cb, &seen,
	    err), 0);
	assert_int_equal(journal_edition_get(db, "2026-W50", &e, err), 1);
	assert_int_equal(e.sending, 0);
	assert_int_equal(e.in_doubt, 1);
	assert_int_equal(e.count[JOURNAL_SENT], 1);
	assert_int_equal(journal_delivery_each(db, "2026-W50", doubt_row, row,
	    err), 0);
	assert_string_equal(row, "-|<a1@x>");
	/* A second stop with the next copy in flight: both ids are kept. */
	r[0].message_id = "<a2@x>";
	assert_int_equal(journal_record(db, "2026-W50", "me", 0, r, 1, NOW,
	    err), 0);
	assert_int_equal(journal_in_doubt(db, "2026-W50", doubt_cb, &seen,
	    err), 1);
	assert_int_equal(journal_delivery_each(db, "2026-W50", doubt_row, row,
	    err), 0);
	assert_string_equal(row, "-|<a1@x> <a2@x>");
	n = journal_next(db, "2026-W50", 0, NOW, 0, items, 8, err);
	assert_int_equal(n, e.count[JOURNAL_PENDING]);
	for (i = 0; i < n; i++)
		journal_item_release(&items[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edition_frozen),
		cmocka_unit_test(test_deliveries_for_confirmed_only),
		cmocka_unit_test(test_lock),
		cmocka_unit_test(test_record_and_bounces),
		cmocka_unit_test(test_in_doubt),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
