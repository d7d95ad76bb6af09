#include "signup.h"
#include "article.h"
#include "db.h"
#include "store.h"
#include "token.h"
#include "util.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

/* A confirm token is kept for another signup while it has at least this
 * long to live: entering an address twice sends the same link. */
#define SIGNUP_TOKEN_KEEP 86400

/* Steps a write statement to its end: 0, or -1 with err. */
static int
signup_step(struct sqlite3 *db, sqlite3_stmt *st, const char *what,
    char *err)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : db_err(db, err, what);
}

/* The normalized tags of a form, joined as the table keeps them; caller
 * frees. */
static char *
signup_tags(const char *const *tags, size_t ntags)
{
	struct store_subscriber s;
	char *joined;
	size_t i;

	store_subscriber_init(&s);
	for (i = 0; i < ntags; i++)
		store_subscriber_tag_add(&s, tags[i], strlen(tags[i]));
	joined = article_tags_join_list(s.tags, s.ntags);
	store_subscriber_release(&s);
	return joined;
}

static void
signup_bind_opt(sqlite3_stmt *st, int i, const char *v)
{
	if (v != NULL && *v != '\0')
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/*
 * Queues a confirmation mail for subscriber id unless the limits say
 * enough: one per SIGNUP_MAIL_GAP, SIGNUP_MAIL_DAY a day. Counting the
 * queue's own rows makes the limits hold across restarts and processes.
 */
static int
signup_queue_confirm(struct sqlite3 *db, int64_t id, int64_t now, char *err)
{
	sqlite3_stmt *st;
	int64_t recent = 0, today = 0;
	int rc;

	st = db_prepare(db, "SELECT count(*) FILTER (WHERE created > ?2), "
	    "count(*) FROM mail_queue WHERE subscriber_id = ?1 AND "
	    "kind = 'confirm' AND created > ?3", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now - SIGNUP_MAIL_GAP);
	sqlite3_bind_int64(st, 3, now - 86400);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		recent = sqlite3_column_int64(st, 0);
		today = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return db_err(db, err, "counting confirmation mails");
	if (recent > 0 || today >= SIGNUP_MAIL_DAY)
		return 0;
	st = db_prepare(db, "INSERT INTO mail_queue (kind, subscriber_id, "
	    "created, next_try) VALUES ('confirm', ?1, ?2, ?2)", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	return signup_step(db, st, "queueing a confirmation mail", err);
}

/* A new subscriber, pending, with the consent record and a confirm
 * token: its id, or -1. */
static int64_t
signup_insert(struct sqlite3 *db, const struct signup_form *f,
    const char *email, const char *tags, int64_t now, char *err)
{
	char tok[TOKEN_LEN + 1];
	sqlite3_stmt *st;
	int64_t id = -1;
	int rc;

	if (token_new(tok, err) == -1)
		return -1;
	st = db_prepare(db, "INSERT INTO subscriber (email, email_input, "
	    "name, tags, status, created, unsubscribe_token, "
	    "preferences_token, consent_time, consent_ip, consent_agent, "
	    "consent_form, confirm_token, confirm_created) VALUES (?1, ?2, "
	    "?3, ?4, 'pending', ?5, digest_token(), digest_token(), ?5, ?6, "
	    "?7, ?8, ?9, ?5) RETURNING id", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->email, (int)f->email_len, SQLITE_STATIC);
	signup_bind_opt(st, 3, f->name);
	sqlite3_bind_text(st, 4, tags, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	signup_bind_opt(st, 6, f->ip);
	signup_bind_opt(st, 7, f->agent);
	signup_bind_opt(st, 8, f->form);
	sqlite3_bind_text(st, 9, tok, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return db_err(db, err, "storing a signup");
	return id;
}

/*
 * A known address that is not confirmed (pending, unsubscribed, bounced)
 * signs up again: pending, with this signup's name, tags and consent.
 * Its confirm token is kept while it has a day to live, else renewed.
 */
static int
signup_update(struct sqlite3 *db, const struct signup_form *f,
    const struct store_subscriber *s, const char *tags, int64_t now,
    char *err)
{
	char tok[TOKEN_LEN + 1];
	sqlite3_stmt *st;
	int keep = s->confirm_token != NULL && s->confirm_created +
	    SIGNUP_CONFIRM_TTL - SIGNUP_TOKEN_KEEP > now;

	if (token_new(tok, err) == -1)
		return -1;
	st = db_prepare(db, "UPDATE subscriber SET email_input = ?2, "
	    "name = ?3, tags = ?4, status = 'pending', consent_time = ?5, "
	    "consent_ip = ?6, consent_agent = ?7, consent_form = ?8, "
	    "confirm_token = CASE WHEN ?10 THEN confirm_token ELSE ?9 END, "
	    "confirm_created = CASE WHEN ?10 THEN confirm_created ELSE ?5 END "
	    "WHERE id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, s->id);
	sqlite3_bind_text(st, 2, f->email, (int)f->email_len, SQLITE_STATIC);
	signup_bind_opt(st, 3, f->name);
	sqlite3_bind_text(st, 4, tags, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	signup_bind_opt(st, 6, f->ip);
	signup_bind_opt(st, 7, f->agent);
	signup_bind_opt(st, 8, f->form);
	sqlite3_bind_text(st, 9, tok, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 10, keep);
	return signup_step(db, st, "storing a signup", err);
}

/* The part of signup_request inside its transaction. */
static int
signup_store(struct sqlite3 *db, const struct signup_form *f,
    const char *email, int64_t now, char *err)
{
	struct store_subscriber s;
	char *tags = signup_tags(f->tags, f->ntags);
	int64_t id;
	int rc;

	store_subscriber_init(&s);
	rc = store_subscriber_find(db, email, &s, err);
	if (rc == 1 && s.status == STORE_CONFIRMED) {
		/* Nothing to confirm, and a stranger who knows the address
		 * must not change what its owner chose. */
		rc = 0;
	} else if (rc == 1) {
		rc = signup_update(db, f, &s, tags, now, err);
		if (rc == 0)
			rc = signup_queue_confirm(db, s.id, now, err);
	} else if (rc == 0) {
		id = signup_insert(db, f, email, tags, now, err);
		rc = id == -1 ? -1 : signup_queue_confirm(db, id, now, err);
	}
	store_subscriber_release(&s);
	free(tags);
	return rc;
}

enum signup_result
signup_check(const struct signup_form *f, char email[ADDR_MAX + 1],
    char *err)
{
	char e[ERR_LEN];

	if (addr_from_text(f->email, f->email_len, email, e) == -1) {
		util_err(err, "%s", e);
		return SIGNUP_BAD;
	}
	if (f->name != NULL && store_name_check(f->name, strlen(f->name),
	    e) == -1) {
		util_err(err, "%s", e);
		return SIGNUP_BAD;
	}
	return SIGNUP_OK;
}

/* Runs one statement without bindings: 0, or -1 with err. */
static int
signup_run(struct sqlite3 *db, const char *sql, char *err)
{
	sqlite3_stmt *st = db_prepare(db, sql, err);

	return st == NULL ? -1 : signup_step(db, st, sql, err);
}

int
signup_store_checked(struct sqlite3 *db, const struct signup_form *f,
    const char *email, int64_t now, char *err)
{
	if (signup_run(db, "SAVEPOINT signup", err) == -1)
		return -1;
	if (signup_store(db, f, email, now, err) == -1) {
		/* This signup's changes go, the transaction's others stay. */
		(void)signup_run(db, "ROLLBACK TO signup", NULL);
		(void)signup_run(db, "RELEASE signup", NULL);
		return -1;
	}
	return signup_run(db, "RELEASE signup", err);
}

enum signup_result
signup_request(struct sqlite3 *db, const struct signup_form *f, int64_t now,
    char email[ADDR_MAX + 1], char *err)
{
	enum signup_result r = signup_check(f, email, err);

	if (r != SIGNUP_OK)
		return r;
	if (db_begin(db, err) == -1)
		return SIGNUP_ERROR;
	if (signup_store(db, f, email, now, err) == -1 ||
	    db_commit(db, err) == -1) {
		db_rollback(db);
		return SIGNUP_ERROR;
	}
	return SIGNUP_OK;
}

/* Runs one UPDATE of subscriber id with ?2 = now. */
static int
signup_set(struct sqlite3 *db, const char *sql, int64_t id, int64_t now,
    char *err)
{
	sqlite3_stmt *st = db_prepare(db, sql, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	return signup_step(db, st, "updating a subscriber", err);
}

/* Looks the token up and, when found, runs act inside one transaction;
 * act returns a signup_link. */
typedef enum signup_link (*signup_act_fn)(struct sqlite3 *db,
    struct store_subscriber *s, int64_t now, char *err);

static enum signup_link
signup_with_token(struct sqlite3 *db, enum store_token kind,
    const char *token, int64_t now, struct store_subscriber *s,
    signup_act_fn act, char *err)
{
	enum signup_link r;
	int rc;

	if (db_begin(db, err) == -1)
		return SIGNUP_LINK_ERROR;
	rc = store_subscriber_by_token(db, kind, token, s, err);
	r = rc == -1 ? SIGNUP_LINK_ERROR : rc == 0 ? SIGNUP_LINK_UNKNOWN :
	    act(db, s, now, err);
	if (r == SIGNUP_LINK_ERROR || db_commit(db, err) == -1) {
		db_rollback(db);
		return SIGNUP_LINK_ERROR;
	}
	return r;
}

static enum signup_link
signup_confirm_act(struct sqlite3 *db, struct store_subscriber *s,
    int64_t now, char *err)
{
	if (s->status == STORE_CONFIRMED)
		return SIGNUP_LINK_AGAIN;
	if (s->confirm_created + SIGNUP_CONFIRM_TTL < now)
		return SIGNUP_LINK_EXPIRED;
	if (signup_set(db, "UPDATE subscriber SET status = 'confirmed', "
	    "confirmed = ?2, bounces = 0 WHERE id = ?1", s->id, now,
	    err) == -1)
		return SIGNUP_LINK_ERROR;
	s->status = STORE_CONFIRMED;
	s->confirmed = now;
	return SIGNUP_LINK_DONE;
}

enum signup_link
signup_confirm(struct sqlite3 *db, const char *token, int64_t now,
    struct store_subscriber *s, char *err)
{
	return signup_with_token(db, STORE_TOKEN_CONFIRM, token, now, s,
	    signup_confirm_act, err);
}

static enum signup_link
signup_resend_act(struct sqlite3 *db, struct store_subscriber *s,
    int64_t now, char *err)
{
	char tok[TOKEN_LEN + 1];
	sqlite3_stmt *st;

	if (s->status != STORE_PENDING)
		return SIGNUP_LINK_UNKNOWN;
	if (token_new(tok, err) == -1)
		return SIGNUP_LINK_ERROR;
	st = db_prepare(db, "UPDATE subscriber SET confirm_token = ?2, "
	    "confirm_created = ?3 WHERE id = ?1", err);
	if (st == NULL)
		return SIGNUP_LINK_ERROR;
	sqlite3_bind_int64(st, 1, s->id);
	sqlite3_bind_text(st, 2, tok, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	if (signup_step(db, st, "renewing a confirm link", err) == -1 ||
	    signup_queue_confirm(db, s->id, now, err) == -1)
		return SIGNUP_LINK_ERROR;
	return SIGNUP_LINK_DONE;
}

enum signup_link
signup_resend(struct sqlite3 *db, const char *token, int64_t now, char *err)
{
	struct store_subscriber s;
	enum signup_link r;

	store_subscriber_init(&s);
	r = signup_with_token(db, STORE_TOKEN_CONFIRM, token, now, &s,
	    signup_resend_act, err);
	store_subscriber_release(&s);
	return r;
}

static enum signup_link
signup_unsubscribe_act(struct sqlite3 *db, struct store_subscriber *s,
    int64_t now, char *err)
{
	if (s->status == STORE_UNSUBSCRIBED)
		return SIGNUP_LINK_AGAIN;
	if (signup_set(db, "UPDATE subscriber SET status = 'unsubscribed', "
	    "unsubscribed = ?2, confirm_token = NULL WHERE id = ?1", s->id,
	    now, err) == -1)
		return SIGNUP_LINK_ERROR;
	s->status = STORE_UNSUBSCRIBED;
	return SIGNUP_LINK_DONE;
}

enum signup_link
signup_unsubscribe(struct sqlite3 *db, const char *token, int64_t now,
    struct store_subscriber *s, char *err)
{
	return signup_with_token(db, STORE_TOKEN_UNSUBSCRIBE, token, now, s,
	    signup_unsubscribe_act, err);
}

int
signup_preferences(struct sqlite3 *db, const char *token, const char *name,
    const char *const *tags, size_t ntags, struct store_subscriber *s,
    char *err)
{
	char e[ERR_LEN], *joined;
	sqlite3_stmt *st;
	int rc;

	if (name != NULL && store_name_check(name, strlen(name), e) == -1) {
		util_err(err, "%s", e);
		return SIGNUP_LINK_BAD;
	}
	if (db_begin(db, err) == -1)
		return SIGNUP_LINK_ERROR;
	rc = store_subscriber_by_token(db, STORE_TOKEN_PREFERENCES, token, s,
	    err);
	if (rc != 1) {
		db_rollback(db);
		return rc == 0 ? SIGNUP_LINK_UNKNOWN : SIGNUP_LINK_ERROR;
	}
	joined = signup_tags(tags, ntags);
	st = db_prepare(db, "UPDATE subscriber SET name = ?2, tags = ?3 "
	    "WHERE id = ?1", err);
	rc = st == NULL ? -1 : 0;
	if (st != NULL) {
		sqlite3_bind_int64(st, 1, s->id);
		signup_bind_opt(st, 2, name);
		sqlite3_bind_text(st, 3, joined, -1, SQLITE_STATIC);
		rc = signup_step(db, st, "storing preferences", err);
	}
	free(joined);
	if (rc == -1 || db_commit(db, err) == -1) {
		db_rollback(db);
		return SIGNUP_LINK_ERROR;
	}
	return SIGNUP_LINK_DONE;
}
