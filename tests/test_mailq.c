/*
 * test_mailq: subscribers/mailq.c, the signup mails' queue, as mailq.h
 * states it, driven through a scripted fake transport (fake_transport.h:
 * verdicts per recipient and attempt, as test_send drives send.c) on a
 * real SQLite file whose mails signup.c queued, with the tree's own
 * templates. The fake keeps every message it is handed, so that what
 * goes out (the current link, nothing the form's filler typed) is read
 * back; a message takes two polls to end, so that mailq waits for it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "config.h"
#include "db.h"
#include "mailq.h"
#include "signup.h"
#include "store.h"
#include "testutil.h"
#include "fake_transport.h"

#define NOW 1795867200		/* 2026-11-28T12:00:00Z */
#define HANA "hana@example.org"
#define FAKE_MAX 16

/* ---- the fake transport --------------------------------------------- */

static struct {
	const char *const *script;	/* fake_transport.h */
	const char *stop_reply;
	/* Verdicts submit() itself gives, before any "server": an
	 * address's "refuse" (TRANSPORT_REFUSED) or "setting"
	 * (TRANSPORT_STOP_SETTING). */
	const char *const *submit_script;
	/* The message in flight. */
	void *tag;
	int polls;			/* left before it ends */
	struct transport_result r;
	/* What it was handed, and how it ended. */
	char *msg[FAKE_MAX];		/* owned, as unfolded text */
	char to[FAKE_MAX][256];
	char from[FAKE_MAX][256];
	size_t n;
	int tries[FAKE_MAX];		/* per reader number */
} fk;

/* The number in "rN@example.org", or 0 for anyone else. */
static int
reader_no(const char *to)
{
	int n = 0;

	if (to[0] != 'r')
		return 0;
	for (to++; *to >= '0' && *to <= '9' && n < FAKE_MAX; to++)
		n = n * 10 + (*to - '0');
	return n < FAKE_MAX ? n : 0;
}

/* msg with its quoted-printable soft breaks and =XX escapes undone (in
 * headers too, which hold none), so that a link reads whole. Caller
 * frees. */
static char *
unfold(const char *msg, size_t len)
{
	char *out = xmalloc(len + 1);
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (msg[i] == '=' && i + 2 < len && msg[i + 1] == '\r' &&
		    msg[i + 2] == '\n') {
			i += 2;
		} else if (msg[i] == '=' && i + 2 < len &&
		    tu_hexval(msg[i + 1]) >= 0 && tu_hexval(msg[i + 2]) >= 0) {
			out[n++] = (char)(tu_hexval(msg[i + 1]) * 16 +
			    tu_hexval(msg[i + 2]));
			i += 2;
		} else {
			out[n++] = msg[i];
		}
	}
	out[n] = '\0';
	return out;
}

static size_t
fake_capacity(struct transport *t)
{
	(void)t;
	return 1;
}

static int
fake_submit(struct transport *t, const char *from, const char *to,
    char *msg, size_t len, void *tag, char *err)
{
	const char *v = fake_script_verdict(fk.submit_script, to, 0);
	int no = reader_no(to);

	(void)t;
	if (fk.polls > 0)
		fail_msg("a second message before the first ended");
	if (fk.n == FAKE_MAX)
		fail_msg("more than %d messages", FAKE_MAX);
	fk.msg[fk.n] = unfold(msg, len);
	free(msg);
	snprintf(fk.to[fk.n], sizeof(fk.to[0]), "%s", to);
	snprintf(fk.from[fk.n], sizeof(fk.from[0]), "%s", from);
	fk.n++;
	if (strcmp(v, "refuse") == 0) {
		snprintf(err, ERR_LEN, "cannot send to '%s'", to);
		return TRANSPORT_REFUSED;
	}
	if (strcmp(v, "setting") == 0) {
		snprintf(err, ERR_LEN, "from_address is refused: set it");
		return TRANSPORT_STOP_SETTING;
	}
	fake_script_result(&fk.r, fake_script_verdict(fk.script, to,
	    fk.tries[no]++), fk.stop_reply);
	fk.r.ms = 12;
	fk.tag = tag;
	fk.polls = 2;
	return 0;
}

static size_t
fake_poll(struct transport *t, int timeout_ms, transport_done_fn done,
    void *arg)
{
	(void)t;
	(void)timeout_ms;
	if (fk.polls > 0 && --fk.polls == 0)
		done(fk.tag, &fk.r, arg);
	return fk.polls > 0;
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
	.close = fake_close,
};

/* ---- the store and the run ------------------------------------------ */

static sqlite3 *db;
static struct config cfg;
static struct mailq_templates tpl;

/* What the log callback heard, in order. */
static struct {
	struct mailq_event ev[FAKE_MAX];
	char email[FAKE_MAX][256];
	char reply[FAKE_MAX][TRANSPORT_REPLY_MAX];
	size_t n;
} heard;

static void
on_log(const struct mailq_event *ev, void *arg)
{
	(void)arg;
	if (heard.n == FAKE_MAX)
		fail_msg("more than %d events", FAKE_MAX);
	heard.ev[heard.n] = *ev;
	snprintf(heard.email[heard.n], sizeof(heard.email[0]), "%s",
	    ev->email);
	snprintf(heard.reply[heard.n], sizeof(heard.reply[0]), "%s",
	    ev->reply ? ev->reply : "");
	heard.ev[heard.n].email = heard.email[heard.n];
	heard.ev[heard.n].reply = heard.reply[heard.n];
	heard.n++;
}

static int
setup(void **state)
{
	char dir[4096], path[4200], conf[4200], tdir[4200], err[ERR_LEN];
	FILE *f;

	(void)state;
	memset(&fk, 0, sizeof(fk));
	memset(&heard, 0, sizeof(heard));
	snprintf(dir, sizeof(dir), "%s", tu_tmpdir());
	snprintf(path, sizeof(path), "%s/mailq.db", dir);
	db = db_open(path, err);
	if (db == NULL)
		fail_msg("%s", err);
	snprintf(conf, sizeof(conf), "%s/digest.conf", dir);
	f = fopen(conf, "w");
	assert_non_null(f);
	fprintf(f, "name = The Harbor Ledger\ntemplates = %s/../templates\n"
	    "from_address = news@ledger.example.org\n"
	    "base_url = https://ledger.example.org/newsletter\n",
	    tu_tests_dir());
	fclose(f);
	if (config_load(&cfg, conf, err) == -1)
		fail_msg("%s", err);
	snprintf(tdir, sizeof(tdir), "%s/../templates", tu_tests_dir());
	if (mailq_templates_load(&tpl, tdir, err) == -1)
		fail_msg("%s", err);
	return 0;
}

static int
teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < fk.n; i++)
		free(fk.msg[i]);
	mailq_templates_release(&tpl);
	config_release(&cfg);
	db_close(db);
	return 0;
}

/* A signup of email with a name at now (its mail queued by signup.c). */
static void
signup(const char *email, const char *name, int64_t now)
{
	struct signup_form f;
	char normalized[ADDR_MAX + 1], err[ERR_LEN];

	memset(&f, 0, sizeof(f));
	f.email = email;
	f.email_len = strlen(email);
	f.name = name;
	if (signup_request(db, &f, now, normalized, err) != SIGNUP_OK)
		fail_msg("signup of %s: %s", email, err);
}

/* One batch of at most max mails at now, as digest serve runs it: sent,
 * recorded in a transaction of the caller's, logged once committed.
 * Returns how many it handled. */
static int
run(int64_t now, int max)
{
	struct mailq_batch *b = mailq_batch_new(max);
	char err[ERR_LEN];
	int n;

	err[0] = '\0';
	n = mailq_batch_send(b, db, &cfg, &tpl, &fake_transport, now, err);
	if (n == -1 || db_begin(db, err) == -1 ||
	    mailq_batch_record(b, db, err) == -1 || db_commit(db, err) == -1) {
		mailq_batch_free(b);
		fail_msg("a batch of mails: %s", err);
	}
	mailq_batch_log(b, on_log, NULL);
	mailq_batch_free(b);
	return n;
}

/* A column of email's mail of kind, as text. */
static const char *
mail_column(const char *email, const char *kind, const char *col)
{
	return tu_sql_text(db, "SELECT q.%s FROM mail_queue q JOIN subscriber "
	    "s ON s.id = q.subscriber_id WHERE s.email = %Q AND q.kind = %Q",
	    col, email, kind);
}

static int64_t
mail_int(const char *email, const char *kind, const char *col)
{
	return tu_sql_int(db, "SELECT coalesce(q.%s, 0) FROM mail_queue q JOIN "
	    "subscriber s ON s.id = q.subscriber_id WHERE s.email = %Q AND "
	    "q.kind = %Q", col, email, kind);
}

/* The subscriber's token of kind ("confirm"...), into tok. */
static void
token_of(const char *email, const char *kind, char tok[128])
{
	snprintf(tok, 128, "%s", tu_sql_text(db, "SELECT %s_token FROM "
	    "subscriber WHERE email = %Q", kind, email));
}

static void
confirm(const char *email, int64_t now)
{
	struct store_subscriber s;
	char tok[128], err[ERR_LEN];

	token_of(email, "confirm", tok);
	store_subscriber_init(&s);
	assert_int_equal(signup_confirm(db, tok, now, NULL, &s, err),
	    SIGNUP_LINK_DONE);
	store_subscriber_release(&s);
}

static void
assert_contains(const char *s, const char *part)
{
	if (strstr(s, part) == NULL)
		fail_msg("the message lacks '%s':\n%s", part, s);
}

static void
assert_lacks(const char *s, const char *part)
{
	if (strstr(s, part) != NULL)
		fail_msg("the message has '%s':\n%s", part, s);
}

/* ---- the cases ------------------------------------------------------ */

/* A signup's confirmation goes out at once, from the newsletter, to the
 * address alone, with the subscriber's confirm link and nothing the
 * form's filler typed; the queue says sent, and the log hears it once,
 * without the link's secret. */
static void
test_confirm_mail(void **state)
{
	char tok[128], link[256];

	(void)state;
	signup(HANA, "Visit evil.example.net now", NOW);
	token_of(HANA, "confirm", tok);
	assert_int_equal(run(NOW, 10), 1);
	assert_int_equal(fk.n, 1);
	assert_string_equal(fk.to[0], HANA);
	assert_string_equal(fk.from[0], "news@ledger.example.org");
	snprintf(link, sizeof(link), "https://ledger.example.org/newsletter/"
	    "confirm?token=%s", tok);
	assert_contains(fk.msg[0], link);
	assert_contains(fk.msg[0], "Subject: Confirm your subscription to The "
	    "Harbor Ledger\r\n");
	assert_contains(fk.msg[0], "\r\nTo: hana@example.org\r\n");
	/* Sent unasked by a person: vacation responders keep quiet. */
	assert_contains(fk.msg[0], "\r\nAuto-Submitted: auto-generated\r\n");
	assert_lacks(fk.msg[0], "evil.example");
	assert_lacks(fk.msg[0], "Visit");
	assert_string_equal(mail_column(HANA, "confirm", "status"), "sent");
	assert_int_equal(mail_int(HANA, "confirm", "sent"), NOW);
	assert_int_equal(mail_int(HANA, "confirm", "attempts"), 1);
	assert_int_equal(mail_int(HANA, "confirm", "code"), 250);
	assert_int_equal(heard.n, 1);
	assert_string_equal(heard.ev[0].email, HANA);
	assert_string_equal(heard.ev[0].status, "sent");
	assert_int_equal(heard.ev[0].code, 250);
	assert_int_equal(heard.ev[0].setting, 0);
	assert_true(heard.ev[0].ms == 12);
	assert_null(strstr(heard.ev[0].reply, tok));
	/* Nothing is left to send. */
	assert_int_equal(run(NOW + 3600, 10), 0);
	assert_int_equal(fk.n, 1);
}

/* A confirmed address that signs up again gets the "already subscribed"
 * mail: its preferences and unsubscribe links, no confirm link. */
static void
test_subscribed_mail(void **state)
{
	char prefs[128], unsub[128], conf[128], link[256];

	(void)state;
	signup(HANA, NULL, NOW);
	token_of(HANA, "confirm", conf);
	confirm(HANA, NOW + 1);
	assert_int_equal(run(NOW + 2, 10), 1);	/* dropped: confirmed */
	assert_int_equal(fk.n, 0);
	signup(HANA, NULL, NOW + 86400);
	assert_int_equal(run(NOW + 86400, 10), 1);
	assert_int_equal(fk.n, 1);
	token_of(HANA, "preferences", prefs);
	token_of(HANA, "unsubscribe", unsub);
	snprintf(link, sizeof(link), "https://ledger.example.org/newsletter/"
	    "preferences?token=%s", prefs);
	assert_contains(fk.msg[0], link);
	snprintf(link, sizeof(link), "https://ledger.example.org/newsletter/"
	    "unsubscribe?token=%s", unsub);
	assert_contains(fk.msg[0], link);
	assert_lacks(fk.msg[0], conf);
	assert_lacks(fk.msg[0], "/confirm?");
	assert_contains(fk.msg[0], "Subject: You are subscribed to The Harbor "
	    "Ledger\r\n");
	assert_contains(fk.msg[0], "\r\nAuto-Submitted: auto-generated\r\n");
	assert_string_equal(mail_column(HANA, "subscribed", "status"), "sent");
}

/* A mail is built when it is sent, from the link the subscriber has
 * then: a renewed link replaces the one it had when it was queued. */
static void
test_current_link(void **state)
{
	char old[128], fresh[128], err[ERR_LEN];
	struct store_subscriber s;

	(void)state;
	signup(HANA, NULL, NOW);
	token_of(HANA, "confirm", old);
	store_subscriber_init(&s);
	assert_int_equal(signup_resend(db, old, NOW + 1, &s, err),
	    SIGNUP_LINK_DONE);	/* within the gap: no second mail */
	store_subscriber_release(&s);
	token_of(HANA, "confirm", fresh);
	assert_string_not_equal(old, fresh);
	assert_int_equal(run(NOW + 2, 10), 1);
	assert_int_equal(fk.n, 1);
	assert_contains(fk.msg[0], fresh);
	assert_lacks(fk.msg[0], old);
}

/* A mail whose subscriber no longer waits for it is dropped, not sent:
 * a confirmation for someone confirmed or unsubscribed meanwhile, an
 * "already subscribed" for someone who left. */
static void
test_dropped(void **state)
{
	struct store_subscriber s;
	char tok[128], err[ERR_LEN];
	size_t i;

	(void)state;
	signup("r1@example.org", NULL, NOW);
	signup("r2@example.org", NULL, NOW);
	signup("r3@example.org", NULL, NOW);
	confirm("r1@example.org", NOW + 1);
	token_of("r2@example.org", "unsubscribe", tok);
	store_subscriber_init(&s);
	assert_int_equal(signup_unsubscribe(db, tok, NOW + 1, NULL, &s, err),
	    SIGNUP_LINK_DONE);
	store_subscriber_release(&s);
	confirm("r3@example.org", NOW + 1);
	signup("r3@example.org", NULL, NOW + 86400);	/* "subscribed" */
	token_of("r3@example.org", "unsubscribe", tok);
	store_subscriber_init(&s);
	assert_int_equal(signup_unsubscribe(db, tok, NOW + 86401, NULL, &s,
	    err), SIGNUP_LINK_DONE);
	store_subscriber_release(&s);

	assert_int_equal(run(NOW + 86402, 10), 4);
	assert_int_equal(fk.n, 0);
	assert_int_equal(tu_sql_int(db, "SELECT count(*) FROM mail_queue "
	    "WHERE status = 'dropped'"), 4);
	assert_int_equal(heard.n, 4);
	for (i = 0; i < heard.n; i++) {
		assert_string_equal(heard.ev[i].status, "dropped");
		assert_string_equal(heard.ev[i].reply, "no longer pending");
	}
}

/* A 5xx fails that mail for good, with the server's reply; it is not
 * tried again. */
static void
test_refused(void **state)
{
	static const char *const script[] = { "r1@example.org", "550", NULL };

	(void)state;
	fk.script = script;
	signup("r1@example.org", NULL, NOW);
	signup("r2@example.org", NULL, NOW);
	assert_int_equal(run(NOW, 10), 2);
	assert_string_equal(mail_column("r1@example.org", "confirm", "status"),
	    "failed");
	assert_int_equal(mail_int("r1@example.org", "confirm", "code"), 550);
	assert_string_equal(mail_column("r1@example.org", "confirm", "reply"),
	    "550 fake 550");
	assert_string_equal(mail_column("r2@example.org", "confirm", "status"),
	    "sent");
	assert_string_equal(heard.ev[0].status, "failed");
	assert_int_equal(heard.ev[0].code, 550);
	assert_int_equal(run(NOW + 86400, 10), 0);
	assert_int_equal(fk.tries[1], 1);
}

/* A 4xx (or no answer) defers the mail: tried again after 1, 2, 4...
 * minutes, at most an hour apart, and failed once it has been queued
 * for more than MAILQ_GIVE_UP. */
static void
test_deferred_backoff(void **state)
{
	static const char *const script[] = { "r1@example.org",
	    "451,silent,451", NULL };
	static const int64_t gaps[] = { 60, 120, 240, 480, 960, 1920, 3600,
	    3600 };
	int64_t t = NOW;
	size_t i;

	(void)state;
	fk.script = script;
	signup("r1@example.org", NULL, NOW);
	for (i = 0; i < sizeof(gaps) / sizeof(gaps[0]); i++) {
		assert_int_equal(run(t, 10), 1);
		assert_string_equal(mail_column("r1@example.org", "confirm",
		    "status"), "queued");
		assert_int_equal(mail_int("r1@example.org", "confirm",
		    "attempts"), (int64_t)i + 1);
		assert_int_equal(mail_int("r1@example.org", "confirm",
		    "next_try"), t + gaps[i]);
		assert_string_equal(heard.ev[i].status, "deferred");
		/* Not due before its time. */
		assert_int_equal(run(t + gaps[i] - 1, 10), 0);
		t += gaps[i];
	}
	assert_int_equal(mail_int("r1@example.org", "confirm", "code"), 451);
	assert_string_equal(heard.ev[1].reply, "Connection timed out (curl 28)");
	/* Past the day, the next deferral gives up. */
	t = NOW + MAILQ_GIVE_UP + 1;
	assert_int_equal(run(t, 10), 1);
	assert_string_equal(mail_column("r1@example.org", "confirm", "status"),
	    "failed");
	assert_int_equal(run(t + 86400, 10), 0);
}

/* A fault every mail would meet (a refused login) ends the batch at
 * once: the mails after it are not tried and stay as they were, and
 * the log says it is a setting; once mended, all go. */
static void
test_setting_stops_the_batch(void **state)
{
	static const char *const script[] = { "r1@example.org", "stop,250",
	    NULL };

	(void)state;
	fk.script = script;
	fk.stop_reply = "127.0.0.1:25 refused the login of smtp_user 'x': "
	    "check smtp_user and the password";
	signup("r1@example.org", NULL, NOW);
	signup("r2@example.org", NULL, NOW);
	signup("r3@example.org", NULL, NOW);
	assert_int_equal(run(NOW, 10), 1);
	assert_int_equal(fk.n, 1);
	assert_int_equal(heard.n, 1);
	assert_int_equal(heard.ev[0].setting, 1);
	assert_string_equal(heard.ev[0].status, "deferred");
	assert_string_equal(heard.ev[0].reply, fk.stop_reply);
	assert_int_equal(tu_sql_int(db, "SELECT count(*) FROM mail_queue WHERE "
	    "status = 'queued' AND attempts = 0 AND next_try = %lld",
	    (long long)NOW), 2);
	assert_string_equal(mail_column("r1@example.org", "confirm", "status"),
	    "queued");
	assert_int_equal(run(NOW + 60, 10), 3);
	assert_int_equal(tu_sql_int(db, "SELECT count(*) FROM mail_queue WHERE "
	    "status = 'sent'"), 3);
}

/* What submit() refuses itself: the recipient (that mail fails), or
 * the sender (a setting: the batch ends); a message that cannot be
 * built (an address the MIME builder refuses, as an old store could
 * hold) fails that mail alone. */
static void
test_submit_and_build_failures(void **state)
{
	static const char *const submit_script[] = { "r1@example.org",
	    "refuse", "r3@example.org", "setting", NULL };

	(void)state;
	fk.submit_script = submit_script;
	signup("r1@example.org", NULL, NOW);
	signup("r2@example.org", NULL, NOW);
	tu_sql_exec(db, "UPDATE subscriber SET email = 'bad' || char(1) || "
	    "'r2@example.org' WHERE email = 'r2@example.org'");
	signup("r3@example.org", NULL, NOW);
	signup("r4@example.org", NULL, NOW);
	assert_int_equal(run(NOW, 10), 3);
	assert_string_equal(mail_column("r1@example.org", "confirm", "status"),
	    "failed");
	assert_string_equal(mail_column("r1@example.org", "confirm", "reply"),
	    "cannot send to 'r1@example.org'");
	assert_string_equal(tu_sql_text(db, "SELECT q.status || ' ' || "
	    "substr(q.reply, 1, 13) FROM mail_queue q JOIN subscriber s ON "
	    "s.id = q.subscriber_id WHERE s.email LIKE 'bad%%'"),
	    "failed cannot build:");
	assert_string_equal(mail_column("r3@example.org", "confirm", "status"),
	    "queued");
	assert_int_equal(heard.ev[2].setting, 1);
	assert_int_equal(mail_int("r4@example.org", "confirm", "attempts"), 0);
	assert_int_equal(fk.n, 2);	/* r1's and r3's were handed over */
}

/* At most max mails a run, the oldest first. */
static void
test_batch_size_and_order(void **state)
{
	static const char *const who[] = { "r1@example.org", "r2@example.org",
	    "r3@example.org", "r4@example.org", "r5@example.org" };
	size_t i;

	(void)state;
	for (i = 0; i < 5; i++)
		signup(who[4 - i], NULL, NOW + (int64_t)i);
	assert_int_equal(run(NOW + 10, 2), 2);
	assert_int_equal(run(NOW + 10, 2), 2);
	assert_int_equal(run(NOW + 10, 2), 1);
	assert_int_equal(run(NOW + 10, 2), 0);
	assert_int_equal(fk.n, 5);
	for (i = 0; i < 5; i++)
		assert_string_equal(fk.to[i], who[4 - i]);
}

/* When the outcome cannot be recorded, mailq_batch_record fails with
 * the store's error and the batch is given up unlogged; the mail stays
 * queued and goes out again on the next run: twice rather than never. */
static void
test_record_fails(void **state)
{
	struct mailq_batch *b = mailq_batch_new(10);
	char err[ERR_LEN];

	(void)state;
	signup(HANA, NULL, NOW);
	tu_sql_exec(db, "CREATE TEMP TRIGGER refuse BEFORE UPDATE ON "
	    "main.mail_queue BEGIN SELECT RAISE(ABORT, 'disk says no'); END");
	err[0] = '\0';
	assert_int_equal(mailq_batch_send(b, db, &cfg, &tpl, &fake_transport,
	    NOW, err), 1);
	assert_int_equal(db_begin(db, err), 0);
	assert_int_equal(mailq_batch_record(b, db, err), -1);
	assert_non_null(strstr(err, "disk says no"));
	db_rollback(db);
	mailq_batch_clear(b);
	mailq_batch_log(b, on_log, NULL);	/* nothing left to log */
	mailq_batch_free(b);
	assert_int_equal(fk.n, 1);
	assert_int_equal(heard.n, 0);
	assert_string_equal(mail_column(HANA, "confirm", "status"), "queued");
	assert_int_equal(mail_int(HANA, "confirm", "attempts"), 0);
	tu_sql_exec(db, "DROP TRIGGER temp.refuse");
	assert_int_equal(run(NOW + 1, 10), 1);
	assert_int_equal(fk.n, 2);
	assert_string_equal(mail_column(HANA, "confirm", "status"), "sent");
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_confirm_mail),
		T(test_subscribed_mail),
		T(test_current_link),
		T(test_dropped),
		T(test_refused),
		T(test_deferred_backoff),
		T(test_setting_stops_the_batch),
		T(test_submit_and_build_failures),
		T(test_batch_size_and_order),
		T(test_record_fails),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
