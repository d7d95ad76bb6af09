#include "signup.h"
#include "article.h"
#include "buf.h"
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
#define SIGNUP_DETAIL_MAX 4096

static const char *const signup_outcome_names[] = {
	"new", "pending", "confirmed", "suppressed",
};

const char *
signup_outcome_name(enum signup_outcome o)
{
	return (int)o >= 0 && o <= SIGNUP_SUPPRESSED ?
	    signup_outcome_names[o] : "unknown";
}

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

/* The tags of a form as a subscriber keeps them, in s (initialized by
 * the caller). */
static void
signup_tags_norm(struct store_subscriber *s, const char *const *tags,
    size_t ntags)
{
	size_t i;

	for (i = 0; i < ntags; i++)
		store_subscriber_tag_add(s, tags[i], strlen(tags[i]));
}

/* "tags=a,b" for the consent log: what the person chose; caller frees.
 * NULL for none. */
static char *
signup_detail(const struct store_subscriber *s)
{
	struct buf b;
	size_t i;

	if (s->ntags == 0)
		return NULL;
	buf_init(&b, SIGNUP_DETAIL_MAX);
	buf_puts(&b, "tags=");
	for (i = 0; i < s->ntags; i++)
		buf_printf(&b, "%s%s", i ? "," : "", s->tags[i]);
	return buf_detach(&b, NULL);
}

static int
signup_log(struct sqlite3 *db, const char *email, enum store_action a,
    int64_t now, const struct signup_client *who, const char *detail,
    char *err)
{
	struct store_consent c;

	memset(&c, 0, sizeof(c));
	c.time = now;
	c.action = a;
	if (who != NULL) {
		c.ip = who->ip;
		c.agent = who->agent;
		c.form = who->form;
	}
	c.detail = detail;
	return store_consent_add(db, email, &c, err);
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
 * Queues a mail of kind ("confirm" or "subscribed") for subscriber id
 * unless the limits say enough: one of either kind per SIGNUP_MAIL_GAP
 * (counting those queued after since, now - SIGNUP_MAIL_GAP or later),
 * SIGNUP_MAIL_DAY a day. Counting the queue's own rows makes the limits
 * hold across restarts and processes. 1 queued, 0 not, -1 error.
 */
static int
signup_queue(struct sqlite3 *db, const char *kind, int64_t id, int64_t now,
    int64_t since, char *err)
{
	sqlite3_stmt *st;
	int64_t recent = 0, today = 0;
	int rc;

	st = db_prepare(db, "SELECT count(*) FILTER (WHERE created > ?2), "
	    "count(*) FROM mail_queue WHERE subscriber_id = ?1 AND "
	    "created > ?3", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, since);
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
	    "created, next_try) VALUES (?3, ?1, ?2, ?2)", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
	return signup_step(db, st, "queueing a mail", err) == -1 ? -1 : 1;
}

/* A new subscriber, pending, with the form's choices and a confirm
 * token: its id, or -1. */
static int64_t
signup_insert(struct sqlite3 *db, const struct signup_form *f,
    const char *email, const char *tags, int64_t now, char *err)
{
	char tok[TOKEN_LEN + 1], key[ADDR_KEY_MAX + 1];
	sqlite3_stmt *st;
	int64_t id = -1;
	int rc;

	if (token_new(tok, err) == -1 || addr_key(email, strlen(email), key,
	    err) == -1)
		return -1;
	st = db_prepare(db, "INSERT INTO subscriber (email, email_key, "
	    "email_input, name, tags, status, created, unsubscribe_token, "
	    "preferences_token, confirm_token, confirm_created) VALUES (?1, "
	    "?6, ?2, ?3, ?4, 'pending', ?5, digest_token(), digest_token(), "
	    "?7, ?5) RETURNING id", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->email, (int)f->email_len, SQLITE_STATIC);
	signup_bind_opt(st, 3, f->name);
	sqlite3_bind_text(st, 4, tags, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_text(st, 6, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, tok, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return db_err(db, err, "storing a signup");
	return id;
}

/*
 * A confirm link for subscriber s, who is not confirmed: the one it has
 * while that has a day to live, else a new one. Nothing else about them
 * changes, the status least of all.
 */
static int
signup_token_fresh(struct sqlite3 *db, const struct store_subscriber *s,
    int64_t now, char *err)
{
	char tok[TOKEN_LEN + 1];
	sqlite3_stmt *st;

	if (s->confirm_token != NULL && s->confirm_created +
	    SIGNUP_CONFIRM_TTL - SIGNUP_TOKEN_KEEP > now)
		return 0;
	if (token_new(tok, err) == -1)
		return -1;
	st = db_prepare(db, "UPDATE subscriber SET confirm_token = ?2, "
	    "confirm_created = ?3 WHERE id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, s->id);
	sqlite3_bind_text(st, 2, tok, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	return signup_step(db, st, "renewing a confirm link", err);
}

/* A known subscriber signs up again: its mail, nothing else. */
static int
signup_known(struct sqlite3 *db, const struct store_subscriber *s,
    int64_t now, enum signup_outcome *outcome, char *err)
{
	if (s->status == STORE_CONFIRMED) {
		*outcome = SIGNUP_CONFIRMED;
		return signup_queue(db, "subscribed", s->id, now,
		    now - SIGNUP_MAIL_GAP, err);
	}
	*outcome = store_status_suppressed(s->status) ? SIGNUP_SUPPRESSED :
	    SIGNUP_PENDING;
	if (signup_token_fresh(db, s, now, err) == -1)
		return -1;
	return signup_queue(db, "confirm", s->id, now, now - SIGNUP_MAIL_GAP,
	    err);
}

/* The part of signup_request inside its transaction: 1 a mail was
 * queued, 0 not (the limits), -1 error. */
static int
signup_store(struct sqlite3 *db, const struct signup_form *f,
    const char *email, int64_t now, enum signup_outcome *outcome, char *err)
{
	struct store_subscriber s, chosen;
	char *tags, *detail;
	int64_t id;
	int rc;

	store_subscriber_init(&s);
	store_subscriber_init(&chosen);
	signup_tags_norm(&chosen, f->tags, f->ntags);
	tags = article_tags_join_list(chosen.tags, chosen.ntags);
	detail = signup_detail(&chosen);
	rc = store_subscriber_find(db, email, &s, err);
	if (rc == 1) {
		rc = signup_known(db, &s, now, outcome, err);
	} else if (rc == 0) {
		*outcome = SIGNUP_NEW;
		id = signup_insert(db, f, email, tags, now, err);
		rc = id == -1 ? -1 : signup_queue(db, "confirm", id, now,
		    now - SIGNUP_MAIL_GAP, err);
	}
	if (rc != -1 && signup_log(db, email, STORE_ACTION_SIGNUP, now,
	    &f->client, detail, err) == -1)
		rc = -1;
	store_subscriber_release(&s);
	store_subscriber_release(&chosen);
	free(tags);
	free(detail);
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

/* Whether a (alen bytes) is a valid address with the key of b (blen). */
static int
signup_same_address(const char *a, size_t alen, const char *b, size_t blen)
{
	char ka[ADDR_KEY_MAX + 1], kb[ADDR_KEY_MAX + 1], e[ERR_LEN];

	return addr_key(a, alen, ka, e) == 0 && addr_key(b, blen, kb, e) == 0 &&
	    strcmp(ka, kb) == 0;
}

/* The normalized correction of the address typed into fix: 1, or 0 when
 * there is none that is valid. A NUL byte would cut the correction
 * short into another address: such input gets none. */
static int
signup_fix(const struct signup_form *f, char fix[ADDR_MAX + 1])
{
	char raw[ADDR_MAX + 1], e[ERR_LEN];

	return memchr(f->email, '\0', f->email_len) == NULL &&
	    addr_suggest(f->email, f->email_len, raw) &&
	    addr_from_text(raw, strlen(raw), fix, e) == 0;
}

enum signup_result
signup_typo(struct signup_form *f, char fix[ADDR_MAX + 1])
{
	int chose = f->choice != NULL;

	if (chose && signup_same_address(f->choice, f->choice_len, f->email,
	    f->email_len)) {
		fix[0] = '\0';	/* kept as typed */
		return SIGNUP_OK;
	}
	if (!signup_fix(f, fix)) {
		fix[0] = '\0';
		return SIGNUP_OK;
	}
	if (!chose || !signup_same_address(f->choice, f->choice_len, fix,
	    strlen(fix)))
		return SIGNUP_SUGGEST;
	f->email = fix;
	f->email_len = strlen(fix);
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
    const char *email, int64_t now, enum signup_outcome *outcome, int *mail,
    char *err)
{
	int rc;

	if (signup_run(db, "SAVEPOINT signup", err) == -1)
		return -1;
	if ((rc = signup_store(db, f, email, now, outcome, err)) == -1) {
		/* This signup's changes go, the transaction's others stay. */
		(void)signup_run(db, "ROLLBACK TO signup", NULL);
		(void)signup_run(db, "RELEASE signup", NULL);
		return -1;
	}
	*mail = rc;
	return signup_run(db, "RELEASE signup", err);
}

enum signup_result
signup_request(struct sqlite3 *db, const struct signup_form *f, int64_t now,
    char email[ADDR_MAX + 1], char *err)
{
	enum signup_result r = signup_check(f, email, err);
	enum signup_outcome outcome;

	if (r != SIGNUP_OK)
		return r;
	if (db_begin(db, err) == -1)
		return SIGNUP_ERROR;
	if (signup_store(db, f, email, now, &outcome, err) == -1 ||
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

/* What a link does once its token is found, inside one transaction;
 * returns a signup_link. */
struct signup_act {
	enum signup_link (*fn)(struct sqlite3 *db, struct store_subscriber *s,
	    const struct signup_act *a, char *err);
	int64_t now;
	const struct signup_client *who;
};

static enum signup_link
signup_with_token(struct sqlite3 *db, enum store_token kind,
    const char *token, struct store_subscriber *s,
    const struct signup_act *act, char *err)
{
	enum signup_link r;
	int rc;

	if (db_begin(db, err) == -1)
		return SIGNUP_LINK_ERROR;
	rc = store_subscriber_by_token(db, kind, token, s, err);
	r = rc == -1 ? SIGNUP_LINK_ERROR : rc == 0 ? SIGNUP_LINK_UNKNOWN :
	    act->fn(db, s, act, err);
	if (r == SIGNUP_LINK_ERROR || db_commit(db, err) == -1) {
		db_rollback(db);
		return SIGNUP_LINK_ERROR;
	}
	return r;
}

/* What a confirm link would do for s, whose token it is. */
static enum signup_link
signup_confirm_check(const struct store_subscriber *s, int64_t now)
{
	if (s->status == STORE_CONFIRMED)
		return SIGNUP_LINK_AGAIN;
	if (s->confirm_created + SIGNUP_CONFIRM_TTL < now)
		return SIGNUP_LINK_EXPIRED;
	return SIGNUP_LINK_OPEN;
}

enum signup_link
signup_confirm_state(struct sqlite3 *db, const char *token, int64_t now,
    struct store_subscriber *s, char *err)
{
	int rc = store_subscriber_by_token(db, STORE_TOKEN_CONFIRM, token, s,
	    err);

	if (rc != 1)
		return rc == 0 ? SIGNUP_LINK_UNKNOWN : SIGNUP_LINK_ERROR;
	return signup_confirm_check(s, now);
}

/* The one way back from suppressed to confirmed: the person's click. */
static enum signup_link
signup_confirm_act(struct sqlite3 *db, struct store_subscriber *s,
    const struct signup_act *a, char *err)
{
	enum signup_link r = signup_confirm_check(s, a->now);

	if (r != SIGNUP_LINK_OPEN)
		return r;
	if (signup_set(db, "UPDATE subscriber SET status = 'confirmed', "
	    "confirmed = ?2, unsubscribed = NULL, bounces = 0 WHERE id = ?1",
	    s->id, a->now, err) == -1 || signup_log(db, s->email,
	    STORE_ACTION_CONFIRM, a->now, a->who, NULL, err) == -1)
		return SIGNUP_LINK_ERROR;
	s->status = STORE_CONFIRMED;
	s->confirmed = a->now;
	return SIGNUP_LINK_DONE;
}

enum signup_link
signup_confirm(struct sqlite3 *db, const char *token, int64_t now,
    const struct signup_client *who, struct store_subscriber *s, char *err)
{
	struct signup_act a = { signup_confirm_act, now, who };

	return signup_with_token(db, STORE_TOKEN_CONFIRM, token, s, &a, err);
}

static enum signup_link
signup_resend_act(struct sqlite3 *db, struct store_subscriber *s,
    const struct signup_act *a, char *err)
{
	char tok[TOKEN_LEN + 1];
	sqlite3_stmt *st;

	if (s->status == STORE_CONFIRMED)
		return SIGNUP_LINK_UNKNOWN;
	if (token_new(tok, err) == -1)
		return SIGNUP_LINK_ERROR;
	st = db_prepare(db, "UPDATE subscriber SET confirm_token = ?2, "
	    "confirm_created = ?3 WHERE id = ?1", err);
	if (st == NULL)
		return SIGNUP_LINK_ERROR;
	sqlite3_bind_int64(st, 1, s->id);
	sqlite3_bind_text(st, 2, tok, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, a->now);
	if (signup_step(db, st, "renewing a confirm link", err) == -1 ||
	    signup_queue(db, "confirm", s->id, a->now,
	    a->now - SIGNUP_MAIL_GAP, err) == -1)
		return SIGNUP_LINK_ERROR;
	return SIGNUP_LINK_DONE;
}

enum signup_link
signup_resend(struct sqlite3 *db, const char *token, int64_t now,
    struct store_subscriber *s, char *err)
{
	struct signup_act a = { signup_resend_act, now, NULL };

	return signup_with_token(db, STORE_TOKEN_CONFIRM, token, s, &a, err);
}

static enum signup_link
signup_unsubscribe_act(struct sqlite3 *db, struct store_subscriber *s,
    const struct signup_act *a, char *err)
{
	if (store_status_suppressed(s->status))
		return SIGNUP_LINK_AGAIN;
	if (signup_set(db, "UPDATE subscriber SET status = 'unsubscribed', "
	    "unsubscribed = ?2, confirm_token = NULL WHERE id = ?1", s->id,
	    a->now, err) == -1 || signup_log(db, s->email,
	    STORE_ACTION_UNSUBSCRIBE, a->now, a->who, NULL, err) == -1)
		return SIGNUP_LINK_ERROR;
	s->status = STORE_UNSUBSCRIBED;
	s->unsubscribed = a->now;
	return SIGNUP_LINK_DONE;
}

enum signup_link
signup_unsubscribe(struct sqlite3 *db, const char *token, int64_t now,
    const struct signup_client *who, struct store_subscriber *s, char *err)
{
	struct signup_act a = { signup_unsubscribe_act, now, who };

	return signup_with_token(db, STORE_TOKEN_UNSUBSCRIBE, token, s, &a,
	    err);
}

static enum signup_link
signup_resubscribe_act(struct sqlite3 *db, struct store_subscriber *s,
    const struct signup_act *a, char *err)
{
	int64_t since = a->now - SIGNUP_MAIL_GAP;

	if (!store_status_suppressed(s->status))
		return SIGNUP_LINK_AGAIN;
	/* The mails before their unsubscription carry the link it ended:
	 * someone who left by mistake and comes straight back gets one. */
	if (s->unsubscribed > since)
		since = s->unsubscribed;
	if (signup_token_fresh(db, s, a->now, err) == -1 ||
	    signup_queue(db, "confirm", s->id, a->now, since, err) == -1 ||
	    signup_log(db, s->email, STORE_ACTION_RESUBSCRIBE, a->now, a->who,
	    NULL, err) == -1)
		return SIGNUP_LINK_ERROR;
	return SIGNUP_LINK_DONE;
}

enum signup_link
signup_resubscribe(struct sqlite3 *db, const char *token, int64_t now,
    const struct signup_client *who, char *err)
{
	struct signup_act a = { signup_resubscribe_act, now, who };
	struct store_subscriber s;
	enum signup_link r;

	store_subscriber_init(&s);
	r = signup_with_token(db, STORE_TOKEN_PREFERENCES, token, &s, &a,
	    err);
	store_subscriber_release(&s);
	return r;
}

int
signup_preferences(struct sqlite3 *db, const char *token, const char *name,
    const char *const *tags, size_t ntags, int64_t now,
    const struct signup_client *who, struct store_subscriber *s, char *err)
{
	struct store_subscriber chosen;
	char e[ERR_LEN], *joined, *detail;
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
	store_subscriber_init(&chosen);
	signup_tags_norm(&chosen, tags, ntags);
	joined = article_tags_join_list(chosen.tags, chosen.ntags);
	detail = signup_detail(&chosen);
	st = db_prepare(db, "UPDATE subscriber SET name = ?2, tags = ?3 "
	    "WHERE id = ?1", err);
	rc = st == NULL ? -1 : 0;
	if (st != NULL) {
		sqlite3_bind_int64(st, 1, s->id);
		signup_bind_opt(st, 2, name);
		sqlite3_bind_text(st, 3, joined, -1, SQLITE_STATIC);
		rc = signup_step(db, st, "storing preferences", err);
	}
	if (rc == 0)
		rc = signup_log(db, s->email, STORE_ACTION_PREFERENCES, now, who,
		    detail ? detail : "tags=", err);
	store_subscriber_release(&chosen);
	free(joined);
	free(detail);
	if (rc == -1 || db_commit(db, err) == -1) {
		db_rollback(db);
		return SIGNUP_LINK_ERROR;
	}
	return SIGNUP_LINK_DONE;
}
