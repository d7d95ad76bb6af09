/*
 * test_send: digest/send.c driven through a scripted fake transport, on
 * a real SQLite file with real articles, subscribers and templates. The
 * fake plays a server: each recipient has a script of verdicts, one per
 * attempt (fake_transport.h: "550" refuses, "451" defers, "421" asks for
 * less, "stop" refuses us, "silent" never answers); messages take a few
 * polls to end, so that several are in flight; the first two submitted
 * are "on the wire", the rest queued and withdrawn by cancel(). Each
 * submit checks, on a connection of its own, that the reader's delivery
 * is marked in flight with this message's Message-ID before the message
 * is handed over, and the journal is compared with what the fake
 * "delivered".
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
#include "send.h"
#include "store.h"
#include "testutil.h"
#include "fake_transport.h"

#define NOW 1795867200		/* 2026-11-28T12:00:00Z */
#define READERS 40
#define FAKE_CAPACITY 4
#define FAKE_WIRE 2		/* of those, on the wire; the rest queued */
#define FAKE_POLLS 2		/* polls a message takes to end */

/* ---- the fake transport ------------------------------------------- */

struct fake_msg {
	void *tag;
	char to[256];
	int polls;		/* left before it ends */
	int queued;		/* not on the wire yet */
	struct transport_result r;
};

struct fake {
	struct fake_msg m[FAKE_CAPACITY];
	size_t n;
	sqlite3 *check;		/* reads the journal from outside */
	char edition[32];
	/* The script: per recipient, verdicts per attempt (comma-separated
	 * in `script`); "stop" from submit number stop_after on. */
	const char *const *script;	/* pairs: address, verdicts */
	size_t stop_after;		/* 0: never */
	const char *stop_reply;
	int silent;			/* no message ever gets a reply */
	/* What happened. */
	size_t submitted;
	char delivered[READERS * 4][256];
	size_t ndelivered;
	size_t cancels;
	size_t not_sent;
	size_t unmarked;		/* submits without their mark */
	int tries[READERS + 8];		/* attempts per reader number */
};

static struct fake fk;

/* The reader number in "rNN@example.org", or READERS. */
static int
reader_no(const char *to)
{
	int n = 0;

	if (to[0] != 'r')
		return READERS;
	for (to++; *to >= '0' && *to <= '9'; to++)
		n = n * 10 + (*to - '0');
	return n < READERS ? n : READERS;
}

static void
fake_fill(struct fake_msg *m, const char *verdict)
{
	fake_script_result(&m->r, strcmp(verdict, "stop") != 0 && fk.silent ?
	    "silent" : verdict, fk.stop_reply);
}

/* The Message-ID header's value in msg, without brackets. */
static void
message_id_of(const char *msg, char *out, size_t size)
{
	const char *p = strstr(msg, "\r\nMessage-ID: <");

	out[0] = '\0';
	if (p != NULL)
		snprintf(out, size, "%.*s", (int)strcspn(p + 15, ">"), p + 15);
}

/* Whether the journal, read by another connection, has the reader's
 * delivery marked in flight with id. */
static int
fake_marked(const char *to, const char *id)
{
	sqlite3_stmt *st;
	int ok = 0;

	assert_int_equal(sqlite3_prepare_v2(fk.check, "SELECT d.sending FROM "
	    "delivery d JOIN subscriber s ON s.id = d.subscriber_id WHERE "
	    "d.edition_id = ?1 AND s.email = ?2", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, fk.edition, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, to, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		ok = strcmp((const char *)sqlite3_column_text(st, 0), id) == 0;
	sqlite3_finalize(st);
	return ok;
}

static size_t
fake_capacity(struct transport *t)
{
	(void)t;
	return FAKE_CAPACITY;
}

static int
fake_submit(struct transport *t, const char *from, const char *to,
    char *msg, size_t len, void *tag, char *err)
{
	struct fake_msg *m;
	char id[MIME_MESSAGE_ID_MAX];
	int no = reader_no(to);
	size_t i, wire = 0;

	(void)t;
	(void)from;
	(void)len;
	if (fk.n == FAKE_CAPACITY)
		fail_msg("submit beyond capacity");
	message_id_of(msg, id, sizeof(id));
	if (!fake_marked(to, id))
		fk.unmarked++;
	free(msg);
	fk.submitted++;
	for (i = 0; i < fk.n; i++)
		wire += !fk.m[i].queued;
	m = &fk.m[fk.n++];
	memset(m, 0, sizeof(*m));
	m->tag = tag;
	snprintf(m->to, sizeof(m->to), "%s", to);
	m->polls = FAKE_POLLS;
	m->queued = wire >= FAKE_WIRE;
	fake_fill(m, fk.stop_after > 0 && fk.submitted >= fk.stop_after ?
	    "stop" : fake_script_verdict(fk.script, to, fk.tries[no]));
	fk.tries[no]++;
	(void)err;
	return 0;
}

static void
fake_end(size_t i, transport_done_fn done, void *arg)
{
	struct fake_msg m = fk.m[i];

	memmove(&fk.m[i], &fk.m[i + 1], (fk.n - i - 1) * sizeof(fk.m[0]));
	fk.n--;
	/* The next queued one goes on the wire. */
	for (i = 0; i < fk.n; i++)
		if (fk.m[i].queued) {
			fk.m[i].queued = 0;
			break;
		}
	if (m.r.fault == TRANSPORT_DELIVERED)
		snprintf(fk.delivered[fk.ndelivered++], 256, "%s", m.to);
	if (m.r.fault == TRANSPORT_NOT_SENT)
		fk.not_sent++;
	done(m.tag, &m.r, arg);
}

static size_t
fake_poll(struct transport *t, int timeout_ms, transport_done_fn done,
    void *arg)
{
	size_t i;

	(void)t;
	(void)timeout_ms;
	for (i = 0; i < fk.n; i++) {
		if (fk.m[i].queued && fk.m[i].r.fault != TRANSPORT_NOT_SENT)
			continue;
		if (fk.m[i].r.fault == TRANSPORT_NOT_SENT ||
		    --fk.m[i].polls <= 0) {
			fake_end(i, done, arg);
			return fk.n;
		}
	}
	return fk.n;
}

static void
fake_cancel(struct transport *t)
{
	size_t i;

	(void)t;
	fk.cancels++;
	for (i = 0; i < fk.n; i++)
		if (fk.m[i].queued) {
			memset(&fk.m[i].r, 0, sizeof(fk.m[i].r));
			fk.m[i].r.fault = TRANSPORT_NOT_SENT;
		}
}

static void
fake_close(struct transport *t)
{
	(void)t;
}

static struct transport fake_transport = {
	.name = "fake",
	.capacity = fake_capacity,
	.submit = fake_submit,
	.poll = fake_poll,
	.cancel = fake_cancel,
	.close = fake_close,
};

/* ---- the store ---------------------------------------------------- */

static sqlite3 *db;
static struct config cfg;
static char dir[4096];

static void
add_article(int i)
{
	struct article a;
	char err[ERR_LEN], guid[32];

	snprintf(guid, sizeof(guid), "a%d", i);
	article_init(&a);
	a.source = xstrdup("test");
	a.guid = xstrdup(guid);
	a.url = xstrdup("https://example.org/story");
	a.title = xstrdup(guid);
	a.body = xstrdup("The council approved the plan. It passed.");
	a.lead = xstrdup("The council approved the plan. It passed.");
	a.published = NOW - 3600 * (i + 1);
	a.fetched = NOW;
	article_tag_add(&a, "news", 4);
	if (article_store_upsert(db, &a, err) == -1)
		fail_msg("%s", err);
	article_release(&a);
}

/* Readers r00..r39 (email straight into the store, as an old import
 * could have left it: the send must cope with what is stored). */
static void
add_reader(const char *email)
{
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO subscriber "
	    "(email, email_key, name, status, created, unsubscribe_token, "
	    "preferences_token) VALUES (?1, digest_addr_key(?1), 'Reader', "
	    "'confirmed', 1, digest_token(), digest_token())", -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

static int
setup(void **state)
{
	char path[4200], conf[4200], err[ERR_LEN], email[64];
	FILE *f;
	int i;

	(void)state;
	memset(&fk, 0, sizeof(fk));
	snprintf(dir, sizeof(dir), "%s", tu_tmpdir());
	snprintf(path, sizeof(path), "%s/send.db", dir);
	db = db_open(path, err);
	assert_non_null(db);
	fk.check = db_open(path, err);
	assert_non_null(fk.check);
	for (i = 0; i < 5; i++)
		add_article(i);
	for (i = 0; i < READERS; i++) {
		snprintf(email, sizeof(email), "r%02d@example.org", i);
		add_reader(email);
	}
	snprintf(conf, sizeof(conf), "%s/digest.conf", dir);
	f = fopen(conf, "w");
	assert_non_null(f);
	fprintf(f, "templates = %s/../templates\nfrom_address = "
	    "news@example.org\nbase_url = https://example.org/news\n",
	    tu_tests_dir());
	fclose(f);
	assert_int_equal(config_load(&cfg, conf, err), 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	db_close(fk.check);
	db_close(db);
	config_release(&cfg);
	return 0;
}

/* ---- running a send ------------------------------------------------ */

struct outcome {
	enum send_status rc;
	struct send_report rep;
	char err[ERR_LEN];
	size_t logged;
};

static void
on_log(const struct send_event *ev, const struct send_report *rep,
    void *arg)
{
	(void)ev;
	(void)rep;
	((struct outcome *)arg)->logged++;
}

static void
run_send(const char *edition, int retry_window, struct outcome *out)
{
	struct send_opts o;
	struct edition e;
	char err[ERR_LEN];

	memset(out, 0, sizeof(*out));
	memset(&o, 0, sizeof(o));
	o.retry_window = retry_window;
	snprintf(fk.edition, sizeof(fk.edition), "%s", edition);
	assert_int_equal(edition_open(&e, &cfg, edition, NOW, "30d", err), 0);
	if (journal_edition_create(db, edition, e.since, NOW + 1, 0, NOW, 0,
	    err) == -1)
		fail_msg("%s", err);
	out->rc = send_edition(db, &e, &fake_transport, &o, on_log, out,
	    &out->rep, out->err);
	edition_close(&e);
}

static int64_t
count(const char *sql)
{
	sqlite3_stmt *st;
	int64_t n;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static int64_t
with_status(const char *status)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM delivery WHERE "
	    "status = '%s'", status);
	return count(sql);
}

static const char *
reply_of(const char *email)
{
	static char reply[512];
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT d.reply FROM delivery "
	    "d JOIN subscriber s ON s.id = d.subscriber_id WHERE s.email = ?1",
	    -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	reply[0] = '\0';
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(reply, sizeof(reply), "%s",
		    (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return reply;
}

/* What the journal says was sent is exactly what the fake delivered,
 * each once; every submit found its mark; no mark is left. */
static void
assert_journal_matches(void)
{
	size_t i, j;

	assert_int_equal(fk.unmarked, 0);
	assert_int_equal(with_status("sent"), (int64_t)fk.ndelivered);
	for (i = 0; i < fk.ndelivered; i++)
		for (j = i + 1; j < fk.ndelivered; j++)
			if (strcmp(fk.delivered[i], fk.delivered[j]) == 0)
				fail_msg("%s delivered twice", fk.delivered[i]);
	assert_int_equal(count("SELECT count(*) FROM delivery WHERE sending "
	    "IS NOT NULL"), 0);
}

/* ---- the cases ---------------------------------------------------- */

/* Everyone once; the run is OK. */
static void
test_all_sent(void **state)
{
	struct outcome out;

	(void)state;
	run_send("e1", -1, &out);
	assert_int_equal(out.rc, SEND_OK);
	assert_int_equal(out.rep.sent, READERS);
	assert_int_equal(fk.ndelivered, READERS);
	assert_journal_matches();
}

/* A reader whose message cannot be built (an address the MIME builder
 * refuses, as an old store could hold) is failed with the reason; the
 * others all get theirs. */
static void
test_build_failure_is_one_readers(void **state)
{
	struct outcome out;

	(void)state;
	add_reader("bad\x01" "address@example.org");
	run_send("e2", -1, &out);
	assert_int_equal(out.rc, SEND_OK);
	assert_int_equal(out.rep.failed, 1);
	assert_int_equal(out.rep.sent, READERS);
	assert_int_equal(with_status("failed"), 1);
	assert_non_null(strstr(reply_of("bad\x01" "address@example.org"),
	    "cannot build the message: to address"));
	assert_int_equal(fk.submitted, READERS);
	assert_journal_matches();
}

/* A 5xx is that reader's (and a 550 a bounce); the run goes on. */
static void
test_5xx_is_one_readers(void **state)
{
	static const char *const script[] = { "r03@example.org", "550",
	    "r17@example.org", "554", NULL };
	struct outcome out;

	(void)state;
	fk.script = script;
	run_send("e3", -1, &out);
	assert_int_equal(out.rc, SEND_OK);
	assert_int_equal(out.rep.failed, 2);
	assert_int_equal(out.rep.sent, READERS - 2);
	assert_string_equal(reply_of("r03@example.org"), "550 fake 550");
	/* The journal keeps the bounce; the store counts it. */
	assert_int_equal(count("SELECT bounces FROM subscriber WHERE email = "
	    "'r03@example.org'"), 0);
	assert_int_equal(store_deliveries_apply(db, 3, out.err), 0);
	assert_int_equal(count("SELECT bounces FROM subscriber WHERE email = "
	    "'r03@example.org'"), 1);
	assert_int_equal(count("SELECT bounces FROM subscriber WHERE email = "
	    "'r17@example.org'"), 0);
	assert_journal_matches();
}

/* A 4xx is tried again within the retry window, and left deferred (for
 * the next run) when there is none. */
static void
test_4xx_retry_window(void **state)
{
	static const char *const script[] = { "r05@example.org", "451,250",
	    "r06@example.org", "451,451,451,451,451", NULL };
	struct outcome out;

	(void)state;
	fk.script = script;
	run_send("e4", -1, &out);	/* no window: both left */
	assert_int_equal(out.rc, SEND_OK);
	assert_int_equal(out.rep.deferred, 2);
	assert_int_equal(with_status("deferred"), 2);
	assert_journal_matches();
	run_send("e4", 10, &out);	/* backoff 4 s, within 10 */
	assert_int_equal(out.rc, SEND_OK);
	assert_int_equal(fk.tries[5], 2);
	assert_int_equal(with_status("sent"), READERS - 1);
	assert_int_equal(out.rep.deferred, 1);
	assert_int_equal(with_status("failed"), 0);
	assert_journal_matches();
}

/* 421 slows the run down and fails nobody; the reader gets it on the
 * retry. */
static void
test_421_slows_down(void **state)
{
	static const char *const script[] = { "r02@example.org", "421,250",
	    NULL };
	struct outcome out;

	(void)state;
	fk.script = script;
	run_send("e5", 5, &out);
	assert_int_equal(out.rc, SEND_OK);
	assert_true(out.rep.rate > 0);	/* a limit where there was none */
	assert_int_equal(with_status("sent"), READERS);
	assert_int_equal(with_status("failed"), 0);
	assert_journal_matches();
}

/* The login refused in the middle of the run (a new connection): the
 * run stops with the setting, what was in flight is collected and
 * recorded, what the server had not begun is withdrawn, and nobody is
 * marked for it: no failed, no deferred, no mark left. */
static void
test_auth_refused_mid_run(void **state)
{
	struct outcome out;

	(void)state;
	fk.stop_after = 15;
	fk.stop_reply = "127.0.0.1:25 refused the login of smtp_user 'x' "
	    "(535 5.7.8 nope): check smtp_user and the password";
	run_send("e6", 10, &out);
	assert_int_equal(out.rc, SEND_SETTING);
	assert_string_equal(out.err, fk.stop_reply);
	assert_true(fk.cancels >= 1);
	assert_int_equal(with_status("failed"), 0);
	assert_int_equal(with_status("deferred"), 0);
	assert_true(fk.ndelivered >= 10 && fk.ndelivered < 15);
	assert_int_equal(with_status("pending"), READERS - (int64_t)fk.ndelivered);
	assert_journal_matches();
	/* Once mended, the next run sends the rest, and nobody twice. */
	fk.stop_after = 0;
	run_send("e6", 10, &out);
	assert_int_equal(out.rc, SEND_OK);
	assert_int_equal(out.rep.in_doubt, 0);
	assert_int_equal(with_status("sent"), READERS);
	assert_journal_matches();
}

/* No reply at all, message after message: the run stops (unreachable)
 * after a few, instead of waiting on every reader; nobody failed. */
static void
test_silent_server(void **state)
{
	struct outcome out;

	(void)state;
	fk.silent = 1;
	run_send("e7", -1, &out);
	assert_int_equal(out.rc, SEND_UNREACHABLE);
	assert_non_null(strstr(out.err, "the server does not answer"));
	assert_true(fk.submitted < READERS / 2);
	assert_int_equal(with_status("failed"), 0);
	assert_int_equal(with_status("sent"), 0);
	assert_journal_matches();
}

/* A stop while messages are in flight: those on the wire are collected
 * (their results recorded), the queued ones withdrawn and left as they
 * were, and the next run neither misses nor repeats anyone. */
static void
test_stop_with_messages_in_flight(void **state)
{
	static const char *const script[] = { "r08@example.org", "stop",
	    NULL };
	struct outcome out;

	(void)state;
	fk.script = script;
	fk.stop_reply = "127.0.0.1:25 does not offer STARTTLS: set smtp_tls "
	    "= off";
	run_send("e8", -1, &out);
	assert_int_equal(out.rc, SEND_SETTING);
	assert_true(fk.not_sent >= 1);
	assert_int_equal(with_status("failed"), 0);
	assert_int_equal(with_status("deferred"), 0);
	/* Everyone before r08 in order was handed over and collected. */
	assert_true(fk.ndelivered >= 8);
	assert_journal_matches();
	fk.script = NULL;
	run_send("e8", -1, &out);
	assert_int_equal(out.rc, SEND_OK);
	assert_int_equal(with_status("sent"), READERS);
	assert_journal_matches();
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_all_sent),
		T(test_build_failure_is_one_readers),
		T(test_5xx_is_one_readers),
		T(test_4xx_retry_window),
		T(test_421_slows_down),
		T(test_auth_refused_mid_run),
		T(test_silent_server),
		T(test_stop_with_messages_in_flight),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
