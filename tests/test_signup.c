/*
 * test_signup: subscribers/signup.c, the store side of the signup
 * backend, as signup.h states it, on a real SQLite file per case: double
 * opt-in, a known address that a stranger enters changes nothing, the
 * mail limits, the confirm link's life, unsubscribe, resubscribe,
 * preferences, the consent log, the question a likely typo in the
 * address is met with (and that a forged answer cannot send the mail to a
 * third address), and the group commit's parts (a failing
 * signup undoes only itself; nothing is visible before the caller's
 * COMMIT). The clock is the `now` each call is given.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "db.h"
#include "signup.h"
#include "store.h"
#include "testutil.h"

#define NOW 1795867200		/* 2026-11-28T12:00:00Z */
#define HANA "hana@example.org"

static sqlite3 *db;
static char path[4200];

static int
setup(void **state)
{
	char err[ERR_LEN];

	(void)state;
	snprintf(path, sizeof(path), "%s/signup.db", tu_tmpdir());
	db = db_open(path, err);
	if (db == NULL)
		fail_msg("%s", err);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	db_close(db);
	return 0;
}

static const struct signup_client web = { "192.0.2.7", "Mozilla/5.0",
	"web" };

/* Signs email up with name and tags (NULL-terminated) at now through
 * signup_request; its result. */
static enum signup_result
signup_at(const char *email, const char *name, const char *const *tags,
    int64_t now, char *err)
{
	struct signup_form f;
	char normalized[ADDR_MAX + 1];

	memset(&f, 0, sizeof(f));
	f.email = email;
	f.email_len = strlen(email);
	f.name = name;
	f.tags = tags;
	while (tags != NULL && tags[f.ntags] != NULL)
		f.ntags++;
	f.client = web;
	return signup_request(db, &f, now, normalized, err);
}

/* As signup_at, which must succeed. */
static void
signup_ok(const char *email, const char *name, const char *const *tags,
    int64_t now)
{
	char err[ERR_LEN];

	if (signup_at(email, name, tags, now, err) != SIGNUP_OK)
		fail_msg("signup of %s: %s", email, err);
}

/* A column of the subscriber with that address, as text. */
static const char *
column(const char *email, const char *col)
{
	return tu_sql_text(db, "SELECT %s FROM subscriber WHERE email = %Q",
	    col, email);
}

static int64_t
column_int(const char *email, const char *col)
{
	return tu_sql_int(db, "SELECT coalesce(%s, 0) FROM subscriber WHERE "
	    "email = %Q", col, email);
}

/* The subscriber's token of that kind ("confirm", "unsubscribe",
 * "preferences"), copied into tok. */
static void
token_of(const char *email, const char *kind, char tok[128])
{
	char col[64];

	snprintf(col, sizeof(col), "%s_token", kind);
	snprintf(tok, 128, "%s", column(email, col));
}

/* Mails queued for email, of kind (NULL: either). */
static int64_t
mails(const char *email, const char *kind)
{
	return tu_sql_int(db, "SELECT count(*) FROM mail_queue q JOIN "
	    "subscriber s ON s.id = q.subscriber_id WHERE s.email = %Q AND "
	    "(%Q IS NULL OR q.kind = %Q)", email, kind, kind);
}

/* Consent log entries of email with that action (NULL: any). */
static int64_t
consents(const char *email, const char *action)
{
	return tu_sql_int(db, "SELECT count(*) FROM consent WHERE email_key "
	    "= %Q AND (%Q IS NULL OR action = %Q)", email, action, action);
}

/* ---- checking a form ------------------------------------------------ */

/* A form with a bad address or name is refused with a reason and
 * stores nothing; a good one is normalized (trimmed, the domain in
 * lower case). */
static void
test_check(void **state)
{
	static const char nul_inside[] = "hana\0@example.org";
	struct signup_form f;
	char email[ADDR_MAX + 1], err[ERR_LEN];

	(void)state;
	memset(&f, 0, sizeof(f));
	f.email = "  Hana.Sato@EXAMPLE.org ";
	f.email_len = strlen(f.email);
	assert_int_equal(signup_check(&f, email, err), SIGNUP_OK);
	assert_string_equal(email, "Hana.Sato@example.org");

	f.email = "hana.example.org";
	f.email_len = strlen(f.email);
	err[0] = '\0';
	assert_int_equal(signup_check(&f, email, err), SIGNUP_BAD);
	assert_true(err[0] != '\0');

	f.email = nul_inside;
	f.email_len = sizeof(nul_inside) - 1;
	assert_int_equal(signup_check(&f, email, err), SIGNUP_BAD);

	f.email = HANA;
	f.email_len = strlen(f.email);
	f.name = "Hana\r\nBcc: everyone@example.org";
	err[0] = '\0';
	assert_int_equal(signup_check(&f, email, err), SIGNUP_BAD);
	assert_non_null(strstr(err, "line break"));

	/* signup_request refuses the same, and nothing is stored. */
	assert_int_equal(signup_at("hana.example.org", NULL, NULL, NOW, err),
	    SIGNUP_BAD);
	assert_int_equal(signup_at(HANA, "Hana\nX", NULL, NOW, err),
	    SIGNUP_BAD);
	assert_int_equal(tu_sql_int(db, "SELECT count(*) FROM subscriber"), 0);
	assert_int_equal(tu_sql_int(db, "SELECT count(*) FROM mail_queue"), 0);
	assert_int_equal(tu_sql_int(db, "SELECT count(*) FROM consent"), 0);

	assert_string_equal(signup_outcome_name(SIGNUP_NEW), "new");
	assert_string_equal(signup_outcome_name(SIGNUP_SUPPRESSED),
	    "suppressed");
	assert_string_equal(signup_outcome_name((enum signup_outcome)9),
	    "unknown");
}

/* ---- likely typos --------------------------------------------------- */

/* An address typed, the reader's choice (NULL: none yet) and what
 * signup_typo makes of them: ask with fix, or go on with the address
 * in the form then (fix "" when it is the one typed). */
struct typo_case {
	const char *email, *choice;
	enum signup_result want;
	const char *fix;	/* offered (SUGGEST) or chosen (OK) */
};

static const struct typo_case typo_cases[] = {
	/* A likely typo: asked, nothing else. */
	{ "anna@gmial.com", NULL, SIGNUP_SUGGEST, "anna@gmail.com" },
	{ " Anna.K@GMIAL.com ", NULL, SIGNUP_SUGGEST, "Anna.K@gmail.com" },
	{ "anna@hotmial.com", NULL, SIGNUP_SUGGEST, "anna@hotmail.com" },
	/* The correction, chosen: the form's address is now it. */
	{ "anna@gmial.com", "anna@gmail.com", SIGNUP_OK, "anna@gmail.com" },
	{ "anna@gmial.com", " ANNA@Gmail.COM", SIGNUP_OK, "anna@gmail.com" },
	/* The address typed, kept: it is the reader's. */
	{ "anna@gmial.com", "anna@gmial.com", SIGNUP_OK, "" },
	{ "anna@gmial.com", "Anna@GMIAL.com ", SIGNUP_OK, "" },
	/* A third address as the choice is no choice: asked afresh. */
	{ "anna@gmial.com", "mallory@evil.example", SIGNUP_SUGGEST,
	    "anna@gmail.com" },
	{ "anna@gmial.com", "eve@gmail.com", SIGNUP_SUGGEST, "anna@gmail.com" },
	{ "anna@gmial.com", "", SIGNUP_SUGGEST, "anna@gmail.com" },
	{ "anna@gmial.com", "anna@gmail.com, mallory@evil.example",
	    SIGNUP_SUGGEST, "anna@gmail.com" },
	/* ... and for an address with nothing to correct, it changes
	 * nothing: the form's own address goes on to its checks. */
	{ "anna@example.org", "mallory@evil.example", SIGNUP_OK, "" },
	{ "anna@gmail.com", NULL, SIGNUP_OK, "" },
	{ "anna@gmail.com", "anna@gmial.com", SIGNUP_OK, "" },
	/* Refused as typed, a valid correction offered: only it can be
	 * chosen. */
	{ "anna@gmail", NULL, SIGNUP_SUGGEST, "anna@gmail.com" },
	{ "anna@gmail", "anna@gmail", SIGNUP_SUGGEST, "anna@gmail.com" },
	{ "anna@gmail", "anna@gmail.com", SIGNUP_OK, "anna@gmail.com" },
	/* No valid correction: nothing to ask (signup_check refuses). */
	{ "an na@gmial.com", NULL, SIGNUP_OK, "" },
	{ "anna", NULL, SIGNUP_OK, "" },
};

static void
test_typo(void **state)
{
	static const char nul_inside[] = "mallory@evil.example\0@gmial.com";
	struct signup_form f;
	char fix[ADDR_MAX + 1];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(typo_cases) / sizeof(typo_cases[0]); i++) {
		const struct typo_case *c = &typo_cases[i];
		enum signup_result got;

		memset(&f, 0, sizeof(f));
		f.email = c->email;
		f.email_len = strlen(c->email);
		f.choice = c->choice;
		f.choice_len = c->choice ? strlen(c->choice) : 0;
		got = signup_typo(&f, fix);
		if (got != c->want || strcmp(fix, c->fix) != 0)
			fail_msg("'%s', choice '%s': %d '%s', want %d '%s'",
			    c->email, c->choice ? c->choice : "(none)", got,
			    fix, c->want, c->fix);
		/* The form goes on with the correction only when chosen. */
		if (got == SIGNUP_OK && *c->fix != '\0')
			assert_ptr_equal(f.email, fix);
		else
			assert_ptr_equal(f.email, c->email);
		assert_int_equal(f.email_len, strlen(f.email));
	}

	/* A NUL byte would cut a correction into another address. */
	memset(&f, 0, sizeof(f));
	f.email = nul_inside;
	f.email_len = sizeof(nul_inside) - 1;
	f.choice = "mallory@evil.example";
	f.choice_len = strlen(f.choice);
	assert_int_equal(signup_typo(&f, fix), SIGNUP_OK);
	assert_string_equal(fix, "");
	assert_ptr_equal(f.email, nul_inside);
}

/* The correction chosen is what is stored, as given, and mailed; the
 * address typed is nowhere. */
static void
test_typo_chosen_is_stored(void **state)
{
	struct signup_form f;
	char fix[ADDR_MAX + 1], email[ADDR_MAX + 1], err[ERR_LEN];

	(void)state;
	memset(&f, 0, sizeof(f));
	f.email = "anna@gmial.com";
	f.email_len = strlen(f.email);
	f.choice = "anna@gmail.com";
	f.choice_len = strlen(f.choice);
	f.client = web;
	assert_int_equal(signup_typo(&f, fix), SIGNUP_OK);
	if (signup_request(db, &f, NOW, email, err) != SIGNUP_OK)
		fail_msg("%s", err);
	assert_string_equal(email, "anna@gmail.com");
	assert_string_equal(column("anna@gmail.com", "email_input"),
	    "anna@gmail.com");
	assert_int_equal(mails("anna@gmail.com", "confirm"), 1);
	assert_int_equal(tu_sql_int(db, "SELECT count(*) FROM subscriber "
	    "WHERE email LIKE '%%gmial%%'"), 0);
}

/* ---- signing up ----------------------------------------------------- */

/* A new address: pending, with the form's name and tags (normalized),
 * the address as typed, a fresh confirm link, one confirm mail due now,
 * and a signup in the consent log (by the address's key) with the
 * client and the tags. */
static void
test_new_address_is_pending(void **state)
{
#define STORED "Hana@example.org"	/* the local part's case kept */
	static const char *const tags[] = { "Science", "climate", "science",
	    NULL };

	(void)state;
	signup_ok(" Hana@Example.ORG", "Hana Sato", tags, NOW);
	assert_string_equal(column(STORED, "status"), "pending");
	assert_string_equal(column(STORED, "name"), "Hana Sato");
	assert_string_equal(column(STORED, "tags"), "science\x1f" "climate");
	assert_string_equal(column(STORED, "email_input"), " Hana@Example.ORG");
	assert_int_equal(column_int(STORED, "confirmed"), 0);
	assert_int_equal(column_int(STORED, "confirm_created"), NOW);
	assert_true(strlen(column(STORED, "confirm_token")) >= 20);
	assert_int_equal(mails(STORED, "confirm"), 1);
	assert_int_equal(tu_sql_int(db, "SELECT next_try FROM mail_queue"),
	    NOW);
	assert_int_equal(consents(HANA, NULL), 1);
	assert_string_equal(tu_sql_text(db, "SELECT action || ' ' || ip || ' "
	    "' || agent || ' ' || form || ' ' || detail || ' ' || time FROM "
	    "consent"), "signup 192.0.2.7 Mozilla/5.0 web "
	    "tags=science,climate 1795867200");
#undef STORED
}

/* A stranger entering a known address changes nothing about it: not
 * the name, not the tags, not the status, not the link (it has more
 * than a day to live); the owner gets the same link again. */
static void
test_known_address_changes_nothing(void **state)
{
	static const char *const mine[] = { "science", NULL };
	static const char *const theirs[] = { "politics", NULL };
	char tok[128];

	(void)state;
	signup_ok(HANA, "Hana", mine, NOW);
	token_of(HANA, "confirm", tok);
	signup_ok("HANA@example.org", "Mallory", theirs, NOW + 3 * 86400);
	assert_string_equal(column(HANA, "name"), "Hana");
	assert_string_equal(column(HANA, "tags"), "science");
	assert_string_equal(column(HANA, "status"), "pending");
	assert_string_equal(column(HANA, "email"), HANA);
	assert_string_equal(column(HANA, "email_input"), HANA);
	assert_string_equal(column(HANA, "confirm_token"), tok);
	assert_int_equal(column_int(HANA, "confirm_created"), NOW);
	assert_int_equal(mails(HANA, "confirm"), 2);
	assert_int_equal(tu_sql_int(db, "SELECT count(*) FROM subscriber"), 1);
	/* Both requests are in the log, each with what it asked for. */
	assert_int_equal(consents(HANA, "signup"), 2);
	assert_int_equal(tu_sql_int(db, "SELECT count(*) FROM consent WHERE "
	    "detail = 'tags=politics'"), 1);
}

/* A confirm link with less than a day to live is replaced by a new
 * one for the next signup; the old one no longer works. */
static void
test_link_renewed_near_its_end(void **state)
{
	struct store_subscriber s;
	char first[128], second[128], err[ERR_LEN];
	int64_t later = NOW + SIGNUP_CONFIRM_TTL - 86400;

	(void)state;
	signup_ok(HANA, NULL, NULL, NOW);
	token_of(HANA, "confirm", first);
	signup_ok(HANA, NULL, NULL, later - 1);
	token_of(HANA, "confirm", second);
	assert_string_equal(first, second);
	signup_ok(HANA, NULL, NULL, later + 1);
	token_of(HANA, "confirm", second);
	assert_string_not_equal(first, second);
	assert_int_equal(column_int(HANA, "confirm_created"), later + 1);
	store_subscriber_init(&s);
	assert_int_equal(signup_confirm(db, first, later + 2, &web, &s, err),
	    SIGNUP_LINK_UNKNOWN);
	assert_int_equal(signup_confirm(db, second, later + 2, &web, &s, err),
	    SIGNUP_LINK_DONE);
	store_subscriber_release(&s);
}

/* A confirmed address that signs up again gets the "already
 * subscribed" mail, and stays as it is. */
static void
test_confirmed_gets_subscribed_mail(void **state)
{
	struct store_subscriber s;
	char tok[128], err[ERR_LEN];

	(void)state;
	signup_ok(HANA, "Hana", NULL, NOW);
	token_of(HANA, "confirm", tok);
	store_subscriber_init(&s);
	assert_int_equal(signup_confirm(db, tok, NOW + 60, &web, &s, err),
	    SIGNUP_LINK_DONE);
	store_subscriber_release(&s);
	signup_ok(HANA, "Someone else", NULL, NOW + 86400);
	assert_string_equal(column(HANA, "status"), "confirmed");
	assert_string_equal(column(HANA, "name"), "Hana");
	assert_int_equal(column_int(HANA, "confirmed"), NOW + 60);
	assert_int_equal(mails(HANA, "subscribed"), 1);
	assert_int_equal(mails(HANA, "confirm"), 1);
}

/* Unsubscribed, bounced or complained: a signup sends the confirmation
 * mail, the status holds until that person clicks, and the click makes
 * them confirmed with the bounces forgotten. */
static void
test_suppressed_needs_the_click(void **state)
{
	static const char *const statuses[] = { "unsubscribed", "bounced",
	    "complained" };
	struct store_subscriber s;
	char email[64], tok[128], err[ERR_LEN], *sql;
	int64_t t = NOW;
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		snprintf(email, sizeof(email), "%s@example.org", statuses[i]);
		signup_ok(email, NULL, NULL, t);
		sql = sqlite3_mprintf("UPDATE subscriber SET status = %Q, "
		    "bounces = 3, unsubscribed = %d WHERE email = %Q",
		    statuses[i], (int)t, email);
		tu_sql_exec(db, sql);
		sqlite3_free(sql);
		signup_ok(email, NULL, NULL, t + 86400 + 1);
		assert_string_equal(column(email, "status"), statuses[i]);
		assert_int_equal(mails(email, "confirm"), 2);
		token_of(email, "confirm", tok);
		store_subscriber_init(&s);
		assert_int_equal(signup_confirm(db, tok, t + 86400 + 2, &web,
		    &s, err), SIGNUP_LINK_DONE);
		assert_int_equal(s.status, STORE_CONFIRMED);
		store_subscriber_release(&s);
		assert_string_equal(column(email, "status"), "confirmed");
		assert_int_equal(column_int(email, "bounces"), 0);
		assert_string_equal(column(email, "unsubscribed"), "(null)");
	}
}

/* One mail per SIGNUP_MAIL_GAP and SIGNUP_MAIL_DAY a day, whatever
 * the number of signups; signup_store_checked says which got one. */
static void
test_mail_limits(void **state)
{
	struct signup_form f;
	enum signup_outcome outcome;
	char err[ERR_LEN];
	int64_t t;
	int mail, sent = 0;

	(void)state;
	signup_ok(HANA, NULL, NULL, NOW);
	signup_ok(HANA, NULL, NULL, NOW + SIGNUP_MAIL_GAP - 1);
	assert_int_equal(mails(HANA, NULL), 1);
	memset(&f, 0, sizeof(f));
	f.email = HANA;
	f.email_len = strlen(HANA);
	/* Every gap, for less than a day since the first. */
	for (t = NOW + SIGNUP_MAIL_GAP; t < NOW + 86400; t += SIGNUP_MAIL_GAP) {
		assert_int_equal(db_begin(db, err), 0);
		assert_int_equal(signup_store_checked(db, &f, HANA, t, &outcome,
		    &mail, err), 0);
		assert_int_equal(db_commit(db, err), 0);
		assert_int_equal(outcome, SIGNUP_PENDING);
		sent += mail;
	}
	assert_int_equal(sent, SIGNUP_MAIL_DAY - 1);
	assert_int_equal(mails(HANA, NULL), SIGNUP_MAIL_DAY);
	/* A day after the first, one more is allowed. */
	signup_ok(HANA, NULL, NULL, NOW + 86400 + 1);
	assert_int_equal(mails(HANA, NULL), SIGNUP_MAIL_DAY + 1);
	/* Every attempt is in the consent log, mailed or not. */
	assert_int_equal(consents(HANA, "signup"), 3 + 86400 /
	    SIGNUP_MAIL_GAP - 1);
}

/* ---- links ---------------------------------------------------------- */

/* The state of a confirm link changes nothing; confirming does it
 * once (DONE, then AGAIN), logs it once, and fills s. */
static void
test_confirm(void **state)
{
	static const struct signup_client clicker = { "198.51.100.1", "Phone",
		NULL };
	struct store_subscriber s;
	char tok[128], err[ERR_LEN];

	(void)state;
	signup_ok(HANA, NULL, NULL, NOW);
	token_of(HANA, "confirm", tok);
	store_subscriber_init(&s);
	assert_int_equal(signup_confirm_state(db, tok, NOW + 10, &s, err),
	    SIGNUP_LINK_OPEN);
	assert_string_equal(s.email, HANA);
	store_subscriber_release(&s);
	assert_string_equal(column(HANA, "status"), "pending");
	assert_int_equal(consents(HANA, "confirm"), 0);

	store_subscriber_init(&s);
	assert_int_equal(signup_confirm(db, tok, NOW + 20, &clicker, &s, err),
	    SIGNUP_LINK_DONE);
	assert_int_equal(s.status, STORE_CONFIRMED);
	assert_int_equal(s.confirmed, NOW + 20);
	store_subscriber_release(&s);
	assert_string_equal(column(HANA, "status"), "confirmed");
	assert_int_equal(column_int(HANA, "confirmed"), NOW + 20);
	assert_string_equal(tu_sql_text(db, "SELECT ip || ' ' || agent FROM "
	    "consent WHERE action = 'confirm'"), "198.51.100.1 Phone");

	store_subscriber_init(&s);
	assert_int_equal(signup_confirm(db, tok, NOW + 30, &clicker, &s, err),
	    SIGNUP_LINK_AGAIN);
	store_subscriber_release(&s);
	store_subscriber_init(&s);
	assert_int_equal(signup_confirm_state(db, tok, NOW + 30, &s, err),
	    SIGNUP_LINK_AGAIN);
	store_subscriber_release(&s);
	assert_int_equal(column_int(HANA, "confirmed"), NOW + 20);
	assert_int_equal(consents(HANA, "confirm"), 1);

	store_subscriber_init(&s);
	assert_int_equal(signup_confirm(db, "no-such-token", NOW, &web, &s,
	    err), SIGNUP_LINK_UNKNOWN);
	assert_int_equal(signup_confirm_state(db, "", NOW, &s, err),
	    SIGNUP_LINK_UNKNOWN);
	store_subscriber_release(&s);
}

/* A confirm link works up to SIGNUP_CONFIRM_TTL, not after; a resend
 * gives a new link and a mail, and the old link is gone. */
static void
test_expired_link_and_resend(void **state)
{
	struct store_subscriber s;
	char tok[128], fresh[128], err[ERR_LEN];
	int64_t end = NOW + SIGNUP_CONFIRM_TTL;

	(void)state;
	signup_ok(HANA, NULL, NULL, NOW);
	token_of(HANA, "confirm", tok);
	store_subscriber_init(&s);
	assert_int_equal(signup_confirm_state(db, tok, end, &s, err),
	    SIGNUP_LINK_OPEN);
	store_subscriber_release(&s);
	store_subscriber_init(&s);
	assert_int_equal(signup_confirm_state(db, tok, end + 1, &s, err),
	    SIGNUP_LINK_EXPIRED);
	store_subscriber_release(&s);
	store_subscriber_init(&s);
	assert_int_equal(signup_confirm(db, tok, end + 1, &web, &s, err),
	    SIGNUP_LINK_EXPIRED);
	store_subscriber_release(&s);
	assert_string_equal(column(HANA, "status"), "pending");
	assert_int_equal(consents(HANA, "confirm"), 0);

	store_subscriber_init(&s);
	assert_int_equal(signup_resend(db, tok, end + 2, &s, err),
	    SIGNUP_LINK_DONE);
	assert_string_equal(s.email, HANA);	/* for the page */
	store_subscriber_release(&s);
	token_of(HANA, "confirm", fresh);
	assert_string_not_equal(tok, fresh);
	assert_int_equal(column_int(HANA, "confirm_created"), end + 2);
	assert_int_equal(mails(HANA, "confirm"), 2);
	store_subscriber_init(&s);
	assert_int_equal(signup_resend(db, tok, end + 3, &s, err),
	    SIGNUP_LINK_UNKNOWN);
	store_subscriber_release(&s);
	store_subscriber_init(&s);
	assert_int_equal(signup_confirm(db, fresh, end + 3, &web, &s, err),
	    SIGNUP_LINK_DONE);
	store_subscriber_release(&s);
	/* Confirmed meanwhile: nothing to resend. */
	store_subscriber_init(&s);
	assert_int_equal(signup_resend(db, fresh, end + 4, &s, err),
	    SIGNUP_LINK_UNKNOWN);
	store_subscriber_release(&s);
	assert_int_equal(mails(HANA, "confirm"), 2);
}

/* Unsubscribing: DONE once, AGAIN after, logged once; a pending
 * subscriber's confirm link stops working. */
static void
test_unsubscribe(void **state)
{
	struct store_subscriber s;
	char conf[128], unsub[128], err[ERR_LEN];

	(void)state;
	signup_ok(HANA, NULL, NULL, NOW);
	token_of(HANA, "confirm", conf);
	token_of(HANA, "unsubscribe", unsub);
	store_subscriber_init(&s);
	assert_int_equal(signup_unsubscribe(db, unsub, NOW + 5, &web, &s,
	    err), SIGNUP_LINK_DONE);
	assert_int_equal(s.status, STORE_UNSUBSCRIBED);
	store_subscriber_release(&s);
	assert_string_equal(column(HANA, "status"), "unsubscribed");
	assert_int_equal(column_int(HANA, "unsubscribed"), NOW + 5);
	store_subscriber_init(&s);
	assert_int_equal(signup_confirm(db, conf, NOW + 6, &web, &s, err),
	    SIGNUP_LINK_UNKNOWN);
	store_subscriber_release(&s);
	assert_string_equal(column(HANA, "status"), "unsubscribed");
	store_subscriber_init(&s);
	assert_int_equal(signup_unsubscribe(db, unsub, NOW + 7, &web, &s,
	    err), SIGNUP_LINK_AGAIN);
	store_subscriber_release(&s);
	assert_int_equal(column_int(HANA, "unsubscribed"), NOW + 5);
	assert_int_equal(consents(HANA, "unsubscribe"), 1);
	store_subscriber_init(&s);
	assert_int_equal(signup_unsubscribe(db, "nope", NOW, &web, &s, err),
	    SIGNUP_LINK_UNKNOWN);
	store_subscriber_release(&s);
}

/* A suppressed subscriber asking to come back gets a confirmation mail
 * (double opt-in again) and stays suppressed until the click; anyone
 * else has nothing to do. */
static void
test_resubscribe(void **state)
{
	struct store_subscriber s;
	char prefs[128], unsub[128], conf[128], err[ERR_LEN];

	(void)state;
	signup_ok(HANA, NULL, NULL, NOW);
	token_of(HANA, "preferences", prefs);
	token_of(HANA, "unsubscribe", unsub);
	assert_int_equal(signup_resubscribe(db, prefs, NOW + 1, &web, err),
	    SIGNUP_LINK_AGAIN);
	store_subscriber_init(&s);
	assert_int_equal(signup_unsubscribe(db, unsub, NOW + 2, &web, &s,
	    err), SIGNUP_LINK_DONE);
	store_subscriber_release(&s);
	assert_int_equal(signup_resubscribe(db, prefs, NOW + 86400 + 3, &web,
	    err), SIGNUP_LINK_DONE);
	assert_string_equal(column(HANA, "status"), "unsubscribed");
	assert_int_equal(mails(HANA, "confirm"), 2);
	assert_int_equal(consents(HANA, "resubscribe"), 1);
	token_of(HANA, "confirm", conf);
	assert_true(strlen(conf) >= 20);
	store_subscriber_init(&s);
	assert_int_equal(signup_confirm(db, conf, NOW + 86400 + 4, &web, &s,
	    err), SIGNUP_LINK_DONE);
	store_subscriber_release(&s);
	assert_string_equal(column(HANA, "status"), "confirmed");
	assert_int_equal(signup_resubscribe(db, "nope", NOW, &web, err),
	    SIGNUP_LINK_UNKNOWN);
}

/* Someone who unsubscribes by mistake minutes after their confirmation
 * mail and comes straight back gets a new mail: the unsubscription
 * ended the old one's link, so only mails since it count toward the
 * gap. A second click within the gap sends nothing more. */
static void
test_resubscribe_at_once(void **state)
{
	struct store_subscriber s;
	char prefs[128], unsub[128], conf[128], err[ERR_LEN];

	(void)state;
	signup_ok(HANA, NULL, NULL, NOW);
	token_of(HANA, "confirm", conf);
	token_of(HANA, "preferences", prefs);
	token_of(HANA, "unsubscribe", unsub);
	store_subscriber_init(&s);
	assert_int_equal(signup_confirm(db, conf, NOW + 60, &web, &s, err),
	    SIGNUP_LINK_DONE);
	store_subscriber_release(&s);
	store_subscriber_init(&s);
	assert_int_equal(signup_unsubscribe(db, unsub, NOW + 120, &web, &s,
	    err), SIGNUP_LINK_DONE);
	store_subscriber_release(&s);
	assert_int_equal(signup_resubscribe(db, prefs, NOW + 180, &web, err),
	    SIGNUP_LINK_DONE);
	assert_int_equal(mails(HANA, "confirm"), 2);
	assert_int_equal(signup_resubscribe(db, prefs, NOW + 240, &web, err),
	    SIGNUP_LINK_DONE);
	assert_int_equal(mails(HANA, "confirm"), 2);
	token_of(HANA, "confirm", conf);
	store_subscriber_init(&s);
	assert_int_equal(signup_confirm(db, conf, NOW + 300, &web, &s, err),
	    SIGNUP_LINK_DONE);
	store_subscriber_release(&s);
	assert_string_equal(column(HANA, "status"), "confirmed");
}

/* Preferences set the name and tags and log the tags chosen; a name
 * that cannot go into a header is refused and changes nothing. */
static void
test_preferences(void **state)
{
	static const char *const tags[] = { "Climate", "science", NULL };
	struct store_subscriber s;
	char prefs[128], err[ERR_LEN];

	(void)state;
	signup_ok(HANA, "Hana", NULL, NOW);
	token_of(HANA, "preferences", prefs);
	store_subscriber_init(&s);
	assert_int_equal(signup_preferences(db, prefs, "Hana S.", tags, 2,
	    NOW + 1, &web, &s, err), SIGNUP_LINK_DONE);
	store_subscriber_release(&s);
	assert_string_equal(column(HANA, "name"), "Hana S.");
	assert_string_equal(column(HANA, "tags"), "climate\x1fscience");
	assert_string_equal(tu_sql_text(db, "SELECT detail FROM consent WHERE "
	    "action = 'preferences'"), "tags=climate,science");

	store_subscriber_init(&s);
	assert_int_equal(signup_preferences(db, prefs, NULL, NULL, 0, NOW + 2,
	    &web, &s, err), SIGNUP_LINK_DONE);
	store_subscriber_release(&s);
	assert_string_equal(column(HANA, "name"), "(null)");
	assert_string_equal(column(HANA, "tags"), "");
	assert_string_equal(tu_sql_text(db, "SELECT detail FROM consent WHERE "
	    "action = 'preferences' ORDER BY id DESC"), "tags=");

	store_subscriber_init(&s);
	assert_int_equal(signup_preferences(db, prefs, "a\x07" "b", tags, 2,
	    NOW + 3, &web, &s, err), SIGNUP_LINK_BAD);
	assert_int_equal(signup_preferences(db, "nope", "Hana", tags, 2,
	    NOW + 3, &web, &s, err), SIGNUP_LINK_UNKNOWN);
	store_subscriber_release(&s);
	assert_string_equal(column(HANA, "tags"), "");
	assert_int_equal(consents(HANA, "preferences"), 2);
	assert_string_equal(column(HANA, "status"), "pending");
}

/* ---- the group commit ----------------------------------------------- */

/* Several signups in the caller's transaction: nobody is visible to
 * another connection before the COMMIT; one that fails (here a trigger
 * refuses its mail) is undone whole, the others go on and are stored
 * with their mails and log entries. */
static void
test_group_commit(void **state)
{
	static const char *const who[] = { "a@example.org", "fail@example.org",
	    "b@example.org" };
	struct signup_form f;
	enum signup_outcome outcome;
	char err[ERR_LEN];
	sqlite3 *other;
	int i, mail, rc;

	(void)state;
	tu_sql_exec(db, "CREATE TEMP TRIGGER refuse BEFORE INSERT ON "
	    "main.mail_queue WHEN (SELECT email FROM main.subscriber WHERE id "
	    "= NEW.subscriber_id) = 'fail@example.org' BEGIN SELECT "
	    "RAISE(ABORT, 'injected'); END");
	other = db_open(path, err);
	assert_non_null(other);
	assert_int_equal(db_begin(db, err), 0);
	for (i = 0; i < 3; i++) {
		memset(&f, 0, sizeof(f));
		f.email = who[i];
		f.email_len = strlen(who[i]);
		f.client = web;
		err[0] = '\0';
		rc = signup_store_checked(db, &f, who[i], NOW, &outcome, &mail,
		    err);
		if (i == 1) {
			assert_int_equal(rc, -1);
			assert_non_null(strstr(err, "injected"));
		} else {
			assert_int_equal(rc, 0);
			assert_int_equal(outcome, SIGNUP_NEW);
			assert_int_equal(mail, 1);
		}
	}
	assert_int_equal(tu_sql_int(other, "SELECT count(*) FROM subscriber"),
	    0);
	assert_int_equal(db_commit(db, err), 0);
	assert_int_equal(tu_sql_int(other, "SELECT count(*) FROM subscriber"),
	    2);
	assert_int_equal(tu_sql_int(other, "SELECT count(*) FROM subscriber "
	    "WHERE email = 'fail@example.org'"), 0);
	assert_int_equal(tu_sql_int(other, "SELECT count(*) FROM consent WHERE "
	    "email_key = 'fail@example.org'"), 0);
	assert_int_equal(tu_sql_int(other, "SELECT count(*) FROM mail_queue"),
	    2);
	assert_int_equal(tu_sql_int(other, "SELECT count(*) FROM consent"), 2);
	db_close(other);

	/* signup_request undoes the whole of a failing signup too. */
	assert_int_equal(signup_at("fail@example.org", NULL, NULL, NOW, err),
	    SIGNUP_ERROR);
	assert_int_equal(tu_sql_int(db, "SELECT count(*) FROM subscriber"), 2);
	assert_int_equal(tu_sql_int(db, "SELECT count(*) FROM consent"), 2);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_check),
		T(test_typo),
		T(test_typo_chosen_is_stored),
		T(test_new_address_is_pending),
		T(test_known_address_changes_nothing),
		T(test_link_renewed_near_its_end),
		T(test_confirmed_gets_subscribed_mail),
		T(test_suppressed_needs_the_click),
		T(test_mail_limits),
		T(test_confirm),
		T(test_expired_link_and_resend),
		T(test_unsubscribe),
		T(test_resubscribe),
		T(test_resubscribe_at_once),
		T(test_preferences),
		T(test_group_commit),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
