/* Tests for subscribers/bounces.c: the bounce policy and the status
 * changes it makes, on a real SQLite file. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "bounces.h"
#include "db.h"
#include "store.h"
#include "testutil.h"

#define T0 1795867200		/* 2026-11-28T12:00:00Z */
#define DAY 86400

static const struct bounces_policy policy = { 3, 1, 30 };

static struct sqlite3 *
open_db(void)
{
	char path[4200], err[ERR_LEN];
	struct sqlite3 *db;

	snprintf(path, sizeof(path), "%s/digest.db", tu_tmpdir());
	if ((db = db_open(path, err)) == NULL)
		fail_msg("%s", err);
	return db;
}

/* A subscriber confirmed at T0 - 100 days: their id. */
static int64_t
reader(struct sqlite3 *db, const char *email)
{
	struct store_subscriber s;
	char err[ERR_LEN];
	int64_t id;

	store_subscriber_init(&s);
	s.email = xstrdup(email);
	s.status = STORE_CONFIRMED;
	s.created = T0 - 100 * DAY;
	setenv("DIGEST_NOW", "1787227200", 1);	/* T0 - 100 days */
	if (store_subscriber_put(db, &s, err) == -1)
		fail_msg("%s", err);
	unsetenv("DIGEST_NOW");
	id = s.id;
	store_subscriber_release(&s);
	return id;
}

static const char *
status_of(struct sqlite3 *db, int64_t id)
{
	static char buf[32];
	sqlite3_stmt *st;

	sqlite3_prepare_v2(db, "SELECT status FROM subscriber WHERE id = ?1",
	    -1, &st, NULL);
	sqlite3_bind_int64(st, 1, id);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(buf, sizeof(buf), "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return buf;
}

static enum bounces_outcome
event(struct sqlite3 *db, int64_t id, const char *edition,
    enum bounces_kind kind, int unknown, const char *msgid, int64_t when)
{
	struct bounces_event ev;
	enum bounces_outcome out;
	char err[ERR_LEN];

	memset(&ev, 0, sizeof(ev));
	ev.subscriber_id = id;
	ev.edition = edition;
	ev.kind = kind;
	ev.unknown_user = unknown;
	ev.status = unknown ? "5.1.1" : kind == BOUNCES_SOFT ? "4.2.2" :
	    "5.7.1";
	ev.message_id = msgid;
	ev.received = when;
	assert_int_equal(db_begin(db, err), 0);
	if (bounces_record(db, &ev, &policy, &out, err) == -1)
		fail_msg("%s", err);
	assert_int_equal(db_commit(db, err), 0);
	return out;
}

/* No such user: bounced at the first one (limit_unknown 1). */
static void
test_unknown_user(void **state)
{
	struct sqlite3 *db = open_db();
	int64_t a = reader(db, "a@example.org"), b = reader(db, "b@example.org");

	(void)state;
	assert_int_equal(event(db, a, "E1", BOUNCES_HARD, 1, "<m1>", T0),
	    BOUNCES_SUPPRESSED);
	assert_string_equal(status_of(db, a), "bounced");
	assert_string_equal(status_of(db, b), "confirmed");
	/* The same message again (read twice): nothing more. */
	assert_int_equal(event(db, a, "E1", BOUNCES_HARD, 1, "<m1>", T0),
	    BOUNCES_SEEN);
	/* Another one for a reader who is bounced already: recorded. */
	assert_int_equal(event(db, a, "E2", BOUNCES_HARD, 1, "<m2>", T0),
	    BOUNCES_UNCHANGED);
	db_close(db);
}

/* Other hard bounces: 3 distinct editions; two on one edition are one. */
static void
test_hard_limit(void **state)
{
	struct sqlite3 *db = open_db();
	int64_t a = reader(db, "a@example.org");

	(void)state;
	assert_int_equal(event(db, a, "E1", BOUNCES_HARD, 0, "<m1>", T0),
	    BOUNCES_COUNTED);
	assert_int_equal(event(db, a, "E1", BOUNCES_HARD, 0, "<m2>", T0),
	    BOUNCES_COUNTED);
	assert_int_equal(event(db, a, "E2", BOUNCES_HARD, 0, "<m3>",
	    T0 + 7 * DAY), BOUNCES_COUNTED);
	assert_string_equal(status_of(db, a), "confirmed");
	assert_int_equal(event(db, a, "E3", BOUNCES_HARD, 0, "<m4>",
	    T0 + 14 * DAY), BOUNCES_SUPPRESSED);
	assert_string_equal(status_of(db, a), "bounced");
	db_close(db);
}

/* Soft bounces count within the window and decay after it; a hard one
 * and soft ones add up. */
static void
test_soft_decay(void **state)
{
	struct sqlite3 *db = open_db();
	int64_t a = reader(db, "a@example.org"), b = reader(db, "b@example.org");

	(void)state;
	assert_int_equal(event(db, a, "E1", BOUNCES_SOFT, 0, "<a1>", T0),
	    BOUNCES_COUNTED);
	assert_int_equal(event(db, a, "E2", BOUNCES_SOFT, 0, "<a2>",
	    T0 + 7 * DAY), BOUNCES_COUNTED);
	/* 40 days on, the first two are out of the window. */
	assert_int_equal(event(db, a, "E3", BOUNCES_SOFT, 0, "<a3>",
	    T0 + 40 * DAY), BOUNCES_COUNTED);
	assert_int_equal(event(db, a, "E4", BOUNCES_SOFT, 0, "<a4>",
	    T0 + 47 * DAY), BOUNCES_COUNTED);
	assert_string_equal(status_of(db, a), "confirmed");
	assert_int_equal(event(db, a, "E5", BOUNCES_SOFT, 0, "<a5>",
	    T0 + 54 * DAY), BOUNCES_SUPPRESSED);
	assert_string_equal(status_of(db, a), "bounced");

	assert_int_equal(event(db, b, "E1", BOUNCES_HARD, 0, "<b1>", T0),
	    BOUNCES_COUNTED);
	assert_int_equal(event(db, b, "E2", BOUNCES_SOFT, 0, "<b2>",
	    T0 + 7 * DAY), BOUNCES_COUNTED);
	assert_int_equal(event(db, b, "E3", BOUNCES_SOFT, 0, "<b3>",
	    T0 + 14 * DAY), BOUNCES_SUPPRESSED);
	db_close(db);
}

/* A complaint or a mailed unsubscribe unsubscribes at once; a new
 * confirmation starts the count afresh. */
/* Entries with action in the consent log of an address. */
static int
consent_count(struct sqlite3 *db, const char *email, const char *action)
{
	sqlite3_stmt *st;
	int n;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM consent "
	    "WHERE email_key = digest_addr_key(?1) AND action = ?2 AND form = "
	    "'return mailbox'", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, action, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void
test_complaint_and_reconfirm(void **state)
{
	struct sqlite3 *db = open_db();
	int64_t a = reader(db, "a@example.org"), b = reader(db, "b@example.org");
	struct bounces_counts c;
	char err[ERR_LEN], sql[128];

	(void)state;
	assert_int_equal(event(db, a, "E1", BOUNCES_COMPLAINT, 0, "<c1>", T0),
	    BOUNCES_SUPPRESSED);
	assert_string_equal(status_of(db, a), "complained");
	assert_int_equal(consent_count(db, "a@example.org", "complaint"), 1);
	assert_int_equal(event(db, b, NULL, BOUNCES_UNSUBSCRIBE, 0, "<u1>", T0),
	    BOUNCES_SUPPRESSED);
	assert_string_equal(status_of(db, b), "unsubscribed");
	assert_int_equal(consent_count(db, "b@example.org", "unsubscribe"), 1);
	assert_int_equal(bounces_edition_counts(db, "E1", &c, err), 0);
	assert_int_equal(c.n[BOUNCES_COMPLAINT], 1);
	assert_int_equal(c.n[BOUNCES_UNSUBSCRIBE], 0);

	/* b bounces twice, then confirms again: the old ones are gone. */
	snprintf(sql, sizeof(sql), "UPDATE subscriber SET status = "
	    "'confirmed', confirmed = %d WHERE id = %lld", T0 + DAY,
	    (long long)b);
	assert_int_equal(db_exec(db, sql, err), 0);
	assert_int_equal(event(db, b, "E1", BOUNCES_HARD, 0, "<b1>", T0),
	    BOUNCES_COUNTED);
	assert_int_equal(event(db, b, "E2", BOUNCES_HARD, 0, "<b2>", T0),
	    BOUNCES_COUNTED);
	assert_int_equal(event(db, b, "E3", BOUNCES_HARD, 0, "<b3>",
	    T0 + 2 * DAY), BOUNCES_COUNTED);
	assert_string_equal(status_of(db, b), "confirmed");
	db_close(db);
}

/* Forgetting a subscriber erases their bounces too. */
static void
test_forget(void **state)
{
	struct sqlite3 *db = open_db();
	int64_t a = reader(db, "a@example.org");
	char err[ERR_LEN];
	sqlite3_stmt *st;

	(void)state;
	event(db, a, "E1", BOUNCES_HARD, 1, "<m1>", T0);
	assert_int_equal(store_subscriber_remove(db, "a@example.org", 1, "test",
	    err),
	    1);
	sqlite3_prepare_v2(db, "SELECT count(*) FROM bounce", -1, &st, NULL);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 0);
	sqlite3_finalize(st);
	db_close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_user),
		cmocka_unit_test(test_hard_limit),
		cmocka_unit_test(test_soft_decay),
		cmocka_unit_test(test_complaint_and_reconfirm),
		cmocka_unit_test(test_forget),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
