#include "store.h"
#include "addr.h"
#include "article.h"
#include "date.h"
#include "db.h"
#include "edition.h"
#include "journal.h"
#include "token.h"
#include "utf8.h"
#include "util.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

/* The order of enum store_status; also the words the table's CHECK
 * allows. */
static const char *const store_status_names[] = {
	"pending", "confirmed", "unsubscribed", "bounced", "complained",
};

#define STORE_NSTATUS \
	((int)(sizeof(store_status_names) / sizeof(store_status_names[0])))

/* The suppressed statuses, for SQL. */
#define STORE_SUPPRESSED "('unsubscribed', 'bounced', 'complained')"

/* The order of enum store_action: the words the consent log keeps. */
static const char *const store_action_names[] = {
	"signup", "confirm", "unsubscribe", "preferences", "resubscribe",
	"add", "import", "remove", "bounce", "complaint",
};

#define STORE_NACTIONS \
	((int)(sizeof(store_action_names) / sizeof(store_action_names[0])))

#define STORE_COLUMNS "id, email, name, tags, status, created, " \
	"unsubscribe_token, preferences_token, confirm_token, " \
	"confirm_created, confirmed, unsubscribed"
#define STORE_NCOLUMNS 12

void
store_subscriber_init(struct store_subscriber *s)
{
	memset(s, 0, sizeof(*s));
}

void
store_subscriber_release(struct store_subscriber *s)
{
	size_t i;

	free(s->email);
	free(s->name);
	for (i = 0; i < s->ntags; i++)
		free(s->tags[i]);
	free(s->tags);
	free(s->unsubscribe_token);
	free(s->preferences_token);
	free(s->confirm_token);
	store_subscriber_init(s);
}

void
store_subscriber_tag_add(struct store_subscriber *s, const char *tag,
    size_t len)
{
	char norm[ARTICLE_TAG_MAX];
	size_t n, i;

	n = article_tag_normalize(tag, len, norm);
	if (n == 0 || s->ntags >= STORE_TAGS_MAX)
		return;
	for (i = 0; i < s->ntags; i++)
		if (strcmp(s->tags[i], norm) == 0)
			return;
	xgrow(&s->tags, &s->tags_cap, s->ntags + 1, sizeof(*s->tags));
	s->tags[s->ntags++] = xstrndup(norm, n);
}

void
store_subscriber_list_release(struct store_subscriber_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		store_subscriber_release(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void
store_subscriber_reader(const struct store_subscriber *s,
    struct edition_reader *r)
{
	memset(r, 0, sizeof(*r));
	r->email = s->email;
	r->name = s->name;
	r->tags = (const char *const *)s->tags;
	r->ntags = s->ntags;
	r->unsubscribe_token = s->unsubscribe_token;
	r->preferences_token = s->preferences_token;
}

const char *
store_status_name(enum store_status st)
{
	if ((int)st < 0 || (int)st >= STORE_NSTATUS)
		return "unknown";
	return store_status_names[st];
}

int
store_status_from_name(const char *name, enum store_status *st)
{
	int i;

	for (i = 0; i < STORE_NSTATUS; i++) {
		if (strcmp(name, store_status_names[i]) == 0) {
			*st = (enum store_status)i;
			return 0;
		}
	}
	return -1;
}

int
store_status_suppressed(enum store_status st)
{
	return st == STORE_UNSUBSCRIBED || st == STORE_BOUNCED ||
	    st == STORE_COMPLAINED;
}

const char *
store_action_name(enum store_action a)
{
	if ((int)a < 0 || (int)a >= STORE_NACTIONS)
		return "unknown";
	return store_action_names[a];
}

int
store_action_from_name(const char *name, enum store_action *a)
{
	int i;

	for (i = 0; i < STORE_NACTIONS; i++) {
		if (strcmp(name, store_action_names[i]) == 0) {
			*a = (enum store_action)i;
			return 0;
		}
	}
	return -1;
}

/* The key of email into key: 0, or -1 for an address addr refuses. */
static int
store_key(const char *email, char key[ADDR_KEY_MAX + 1])
{
	char e[ERR_LEN];

	return email == NULL ? -1 : addr_key(email, strlen(email), key, e);
}

int
store_name_check(const char *name, size_t len, char *err)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == '\r' || c == '\n')
			return util_err(err, "the name contains a line break");
		if (c < 0x20 || c == 0x7F)
			return util_err(err, "the name contains a control "
			    "character");
	}
	if (!utf8_valid(name, len))
		return util_err(err, "the name is not valid UTF-8");
	if (utf8_count(name, len) > STORE_NAME_MAX)
		return util_err(err, "the name is longer than %d characters",
		    STORE_NAME_MAX);
	return 0;
}

void
store_subscriber_tags_add_joined(struct store_subscriber *s,
    const char *joined)
{
	const char *sep;

	while (joined != NULL && *joined != '\0') {
		sep = strchr(joined, ARTICLE_TAG_SEP);
		store_subscriber_tag_add(s, joined, sep ?
		    (size_t)(sep - joined) : strlen(joined));
		joined = sep ? sep + 1 : NULL;
	}
}

static char *
store_column_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? xstrdup((const char *)s) : NULL;
}

/* Fills s (initialized by the caller) from a row of STORE_COLUMNS. */
static void
store_from_row(sqlite3_stmt *st, struct store_subscriber *s)
{
	const unsigned char *status = sqlite3_column_text(st, 4);

	s->id = sqlite3_column_int64(st, 0);
	s->email = store_column_dup(st, 1);
	s->name = store_column_dup(st, 2);
	store_subscriber_tags_add_joined(s,
	    (const char *)sqlite3_column_text(st, 3));
	/* The table's CHECK admits only the names of the enum. */
	if (status == NULL || store_status_from_name((const char *)status,
	    &s->status) == -1)
		s->status = STORE_PENDING;
	s->created = sqlite3_column_int64(st, 5);
	s->unsubscribe_token = store_column_dup(st, 6);
	s->preferences_token = store_column_dup(st, 7);
	s->confirm_token = store_column_dup(st, 8);
	s->confirm_created = sqlite3_column_int64(st, 9);
	s->confirmed = sqlite3_column_int64(st, 10);
	s->unsubscribed = sqlite3_column_int64(st, 11);
}

/* What put refuses before it touches the table, so that the table only
 * ever holds normalized addresses and printable names. Replaces
 * s->email by its normalized form. */
static int
store_subscriber_check(struct store_subscriber *s, char *err)
{
	char email[ADDR_MAX + 1], e[ERR_LEN];

	if (s->email == NULL)
		return util_err(err, "a subscriber has no address");
	if (addr_from_text(s->email, strlen(s->email), email, e) == -1)
		return util_err(err, "invalid address '%s': %s", s->email, e);
	if (s->name != NULL && store_name_check(s->name, strlen(s->name),
	    e) == -1)
		return util_err(err, "invalid name for '%s': %s", email, e);
	if ((int)s->status < 0 || (int)s->status >= STORE_NSTATUS)
		return util_err(err, "invalid status %d for '%s'",
		    (int)s->status, email);
	if (strcmp(email, s->email) != 0) {
		free(s->email);
		s->email = xstrdup(email);
	}
	return 0;
}

/* Binds the values put writes: ?1 email, ?2 name, ?3 tags, ?4 status,
 * ?6 key. */
static void
store_bind(sqlite3_stmt *st, const struct store_subscriber *s,
    const char *tags, const char *key)
{
	sqlite3_bind_text(st, 1, s->email, -1, SQLITE_STATIC);
	if (s->name != NULL && *s->name != '\0')
		sqlite3_bind_text(st, 2, s->name, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 2);
	sqlite3_bind_text(st, 3, tags, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, store_status_name(s->status), -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 6, key, -1, SQLITE_STATIC);
}

static void
store_bind_time(sqlite3_stmt *st, int i, int64_t t)
{
	if (t != 0)
		sqlite3_bind_int64(st, i, t);
	else
		sqlite3_bind_null(st, i);
}

/* Steps st, a statement RETURNING id, created, status, email, to its
 * end: 1
 * with the values of its row in s, 0 when it returned none, -1 with
 * err. */
static int
store_step_returning(sqlite3 *db, sqlite3_stmt *st,
    struct store_subscriber *s, char *err)
{
	const char *status;
	int rc, found = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		s->id = sqlite3_column_int64(st, 0);
		s->created = sqlite3_column_int64(st, 1);
		status = (const char *)sqlite3_column_text(st, 2);
		if (status != NULL)
			(void)store_status_from_name(status, &s->status);
		free(s->email);
		s->email = store_column_dup(st, 3);
		found = 1;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_err(db, err, "storing a subscriber");
	return found;
}

/* The status an update stores: a suppressed one stays unless the new
 * one is suppressed too (?4 the status given). */
#define STORE_NEW_STATUS "(CASE WHEN status IN " STORE_SUPPRESSED \
	" AND ?4 NOT IN " STORE_SUPPRESSED " THEN status ELSE ?4 END)"

/* One statement each way, so that two writers adding the same address
 * without a transaction still cannot both insert it: the INSERT returns
 * a row only when it added one, and the UPDATE then finds the other's. */
int
store_subscriber_put(sqlite3 *db, struct store_subscriber *s, char *err)
{
	char key[ADDR_KEY_MAX + 1];
	sqlite3_stmt *st;
	int64_t now = date_now();
	char *tags;
	int rc;

	if (store_subscriber_check(s, err) == -1)
		return -1;
	if (store_key(s->email, key) == -1)
		return util_err(err, "invalid address '%s'", s->email);
	tags = article_tags_join_list(s->tags, s->ntags);
	st = db_prepare(db, "INSERT INTO subscriber (email, email_key, name, "
	    "tags, status, created, unsubscribe_token, preferences_token, "
	    "confirmed, unsubscribed) VALUES (?1, ?6, ?2, ?3, ?4, ?5, "
	    "digest_token(), digest_token(), CASE WHEN ?4 = 'confirmed' THEN "
	    "coalesce(?7, ?5) WHEN ?4 <> 'pending' THEN ?7 END, CASE WHEN ?4 "
	    "IN " STORE_SUPPRESSED " THEN coalesce(?8, ?5) END) ON CONFLICT (email_key) DO NOTHING "
	    "RETURNING id, created, status, email", err);
	if (st == NULL) {
		free(tags);
		return -1;
	}
	store_bind(st, s, tags, key);
	sqlite3_bind_int64(st, 5, s->created != 0 ? s->created : now);
	store_bind_time(st, 7, s->confirmed);
	store_bind_time(st, 8, s->unsubscribed);
	rc = store_step_returning(db, st, s, err);
	if (rc == 0) {
		st = db_prepare(db, "UPDATE subscriber SET name = ?2, tags = ?3, "
		    "confirmed = CASE " STORE_NEW_STATUS " WHEN 'confirmed' "
		    "THEN coalesce(confirmed, ?7, ?5) WHEN 'pending' THEN NULL "
		    "ELSE confirmed END, unsubscribed = CASE WHEN "
		    STORE_NEW_STATUS " IN " STORE_SUPPRESSED " AND status NOT "
		    "IN " STORE_SUPPRESSED " THEN coalesce(?8, ?5) ELSE "
		    "unsubscribed END, confirm_token = CASE WHEN ?4 IN "
		    STORE_SUPPRESSED " THEN NULL ELSE confirm_token END, "
		    "status = " STORE_NEW_STATUS " WHERE email_key = ?6 "
		    "RETURNING id, created, status, email", err);
		if (st == NULL) {
			free(tags);
			return -1;
		}
		store_bind(st, s, tags, key);
		sqlite3_bind_int64(st, 5, now);
		store_bind_time(st, 7, s->confirmed);
		store_bind_time(st, 8, s->unsubscribed);
		rc = store_step_returning(db, st, s, err);
		if (rc == 0)
			rc = util_err(err, "subscriber '%s' was removed while "
			    "being updated", s->email);
		else if (rc == 1)
			rc = 0;
	}
	free(tags);
	return rc;
}

int
store_subscriber_find(sqlite3 *db, const char *email,
    struct store_subscriber *s, char *err)
{
	char key[ADDR_KEY_MAX + 1];
	sqlite3_stmt *st;
	int rc;

	if (store_key(email, key) == -1)
		return 0;
	st = db_prepare(db, "SELECT " STORE_COLUMNS " FROM subscriber "
	    "WHERE email_key = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		store_from_row(st, s);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return rc == SQLITE_ROW;
	return db_err(db, err, "reading a subscriber");
}

int
store_subscriber_list(sqlite3 *db, int status,
    struct store_subscriber_list *out, char *err)
{
	sqlite3_stmt *st;
	int rc;

	if (status < -1 || status >= STORE_NSTATUS)
		return util_err(err, "invalid status %d", status);
	st = db_prepare(db, "SELECT " STORE_COLUMNS " FROM subscriber "
	    "WHERE ?1 IS NULL OR status = ?1 ORDER BY id", err);
	if (st == NULL)
		return -1;
	if (status != -1)
		sqlite3_bind_text(st, 1, store_status_names[status], -1,
		    SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		xgrow(&out->v, &out->cap, out->n + 1, sizeof(*out->v));
		store_subscriber_init(&out->v[out->n]);
		store_from_row(st, &out->v[out->n++]);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_err(db, err, "listing subscribers");
	return 0;
}

/* The statement finding the rows whose token of that kind starts like
 * the given one: built once per kind, then cached by db_prepare. */
static sqlite3_stmt *
store_token_stmt(sqlite3 *db, enum store_token kind, char *err)
{
	static const char *const sql[] = {
		[STORE_TOKEN_CONFIRM] = "SELECT " STORE_COLUMNS ", "
		    "confirm_token FROM subscriber WHERE "
		    "substr(confirm_token, 1, 8) = substr(?1, 1, 8)",
		[STORE_TOKEN_UNSUBSCRIBE] = "SELECT " STORE_COLUMNS ", "
		    "unsubscribe_token FROM subscriber WHERE "
		    "substr(unsubscribe_token, 1, 8) = substr(?1, 1, 8)",
		[STORE_TOKEN_PREFERENCES] = "SELECT " STORE_COLUMNS ", "
		    "preferences_token FROM subscriber WHERE "
		    "substr(preferences_token, 1, 8) = substr(?1, 1, 8)",
	};

	return db_prepare(db, sql[kind], err);
}

/*
 * The index finds candidates by a prefix only; the whole secret is then
 * compared in constant time, so the time a guess takes says nothing
 * about how much of it was right beyond its first 8 characters.
 */
int
store_subscriber_by_token(sqlite3 *db, enum store_token kind,
    const char *token, struct store_subscriber *s, char *err)
{
	sqlite3_stmt *st;
	int rc, found = 0;

	if (token == NULL || strlen(token) != TOKEN_LEN)
		return 0;
	if ((st = store_token_stmt(db, kind, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, token, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (!found && token_equal(token,
		    (const char *)sqlite3_column_text(st, STORE_NCOLUMNS))) {
			store_from_row(st, s);
			found = 1;
		}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_err(db, err, "finding a subscriber by a link");
	return found;
}

/* Column i as JSON: text, integer, or null; with time, an integer is a
 * time and becomes RFC 3339 text. */
static json_t *
store_json_column(sqlite3_stmt *st, int i, int time)
{
	char when[DATE_RFC3339_LEN];

	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		if (!time)
			return json_integer(sqlite3_column_int64(st, i));
		date_to_rfc3339(sqlite3_column_int64(st, i), when);
		return json_string(when);
	case SQLITE_NULL:
		return json_null();
	default:
		return util_json_string((const char *)sqlite3_column_text(st,
		    i));
	}
}

/* What is known of a subscriber, as a person asking for their data
 * would want it; the secrets of their links are left out. */
#define STORE_RECORD_COLUMNS "id, email, email_input, name, tags, status, " \
	"created, confirmed, unsubscribed, bounces, email_key"
#define STORE_RECORD_TAGS 4
#define STORE_RECORD_KEY 10

static int
store_record_is_time(const char *column)
{
	return strcmp(column, "created") == 0 ||
	    strcmp(column, "confirmed") == 0 ||
	    strcmp(column, "unsubscribed") == 0;
}

static json_t *
store_record_from_row(sqlite3_stmt *st)
{
	json_t *o = json_object(), *tags = json_array();
	const char *joined = (const char *)sqlite3_column_text(st,
	    STORE_RECORD_TAGS), *sep, *name;
	int i;

	for (i = 0; i < STORE_RECORD_KEY; i++) {
		name = sqlite3_column_name(st, i);
		if (i != STORE_RECORD_TAGS)
			json_object_set_new(o, name, store_json_column(st, i,
			    store_record_is_time(name)));
	}
	while (joined != NULL && *joined != '\0') {
		sep = strchr(joined, ARTICLE_TAG_SEP);
		json_array_append_new(tags, json_stringn(joined, sep ?
		    (size_t)(sep - joined) : strlen(joined)));
		joined = sep ? sep + 1 : NULL;
	}
	json_object_set_new(o, "tags", tags);
	return o;
}

/* The consent log of one key, as store_consent_list gives it. */
static int
store_consent_of_key(sqlite3 *db, const char *key, json_t **out, char *err)
{
	static const char *const names[] = {
		"time", "action", "ip", "agent", "form", "detail",
	};
	sqlite3_stmt *st;
	json_t *e;
	int rc, i;

	st = db_prepare(db, "SELECT time, action, ip, agent, form, detail "
	    "FROM consent WHERE email_key = ?1 ORDER BY time, id", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	*out = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		e = json_object();
		for (i = 0; i < 6; i++)
			json_object_set_new(e, names[i], store_json_column(st,
			    i, i == 0));
		json_array_append_new(*out, e);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(*out);
		*out = NULL;
		return db_err(db, err, "reading the consent log");
	}
	return 0;
}

int
store_subscriber_records(sqlite3 *db, const char *email, int status,
    json_t **out, char *err)
{
	char key[ADDR_KEY_MAX + 1];
	sqlite3_stmt *st;
	json_t *r, *log;
	size_t i;
	int rc;

	if (email != NULL && store_key(email, key) == -1) {
		*out = json_array();
		return 0;
	}
	st = db_prepare(db, "SELECT " STORE_RECORD_COLUMNS " FROM subscriber "
	    "WHERE (?1 IS NULL OR email_key = ?1) AND (?2 IS NULL OR "
	    "status = ?2) ORDER BY id", err);
	if (st == NULL)
		return -1;
	if (email != NULL)
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (status >= 0 && status < STORE_NSTATUS)
		sqlite3_bind_text(st, 2, store_status_name(status), -1,
		    SQLITE_STATIC);
	*out = json_array();
	/* Each record's key rides along in the object until its log is
	 * read: the statement is done with before the next one runs. */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r = store_record_from_row(st);
		json_object_set_new(r, "key", store_json_column(st,
		    STORE_RECORD_KEY, 0));
		json_array_append_new(*out, r);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(*out);
		*out = NULL;
		return db_err(db, err, "reading subscribers");
	}
	json_array_foreach(*out, i, r) {
		if (store_consent_of_key(db, json_string_value(json_object_get(
		    r, "key")), &log, err) == -1) {
			json_decref(*out);
			*out = NULL;
			return -1;
		}
		json_object_del(r, "key");
		json_object_set_new(r, "consent", log);
	}
	return 0;
}

/* Runs one statement with ?1 bound to an id or a key: 0, or -1. */
static int
store_run(sqlite3 *db, const char *sql, int64_t id, const char *key,
    char *err)
{
	sqlite3_stmt *st = db_prepare(db, sql, err);
	int rc;

	if (st == NULL)
		return -1;
	if (key != NULL)
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, date_now());
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : db_err(db, err, "changing a subscriber");
}

/*
 * Forgetting erases every row about the person: the subscriber, their
 * place in each edition's journal, their confirmation mails and their
 * consent log. What was sent to them is then no longer known, so a
 * later send of an edition they had would not know them either: they
 * are gone.
 */
static int
store_forget(sqlite3 *db, const struct store_subscriber *s, const char *key,
    char *err)
{
	if (store_run(db, "DELETE FROM delivery WHERE subscriber_id = ?1",
	    s->id, NULL, err) == -1 || store_run(db, "DELETE FROM mail_queue "
	    "WHERE subscriber_id = ?1", s->id, NULL, err) == -1 ||
	    store_run(db, "DELETE FROM subscriber WHERE id = ?1", s->id, NULL,
	    err) == -1)
		return -1;
	return store_run(db, "DELETE FROM consent WHERE email_key = ?1", 0,
	    key, err);
}

/* Unsubscribing keeps a suppressed status as it is (a bounce stays a
 * bounce) and says who did it in the log. */
static int
store_unsubscribe(sqlite3 *db, const struct store_subscriber *s,
    const char *form, char *err)
{
	struct store_consent c;

	if (!store_status_suppressed(s->status) && store_run(db, "UPDATE "
	    "subscriber SET status = 'unsubscribed', unsubscribed = ?2, "
	    "confirm_token = NULL WHERE id = ?1", s->id, NULL, err) == -1)
		return -1;
	memset(&c, 0, sizeof(c));
	c.time = date_now();
	c.action = STORE_ACTION_REMOVE;
	c.form = form;
	return store_consent_add(db, s->email, &c, err);
}

int
store_subscriber_remove(sqlite3 *db, const char *email, int forget,
    const char *form, char *err)
{
	char key[ADDR_KEY_MAX + 1];
	struct store_subscriber s;
	int rc;

	if (store_key(email, key) == -1)
		return 0;
	store_subscriber_init(&s);
	if (db_begin(db, err) == -1)
		return -1;
	rc = store_subscriber_find(db, email, &s, err);
	if (rc == 1 && (forget ? store_forget(db, &s, key, err) :
	    store_unsubscribe(db, &s, form, err)) == -1)
		rc = -1;
	store_subscriber_release(&s);
	if (rc == -1 || db_commit(db, err) == -1) {
		db_rollback(db);
		return -1;
	}
	return rc;
}

/* What store_deliveries_apply carries through the journal's outcomes. */
struct store_apply {
	sqlite3 *db;
	long bounce_limit;
	int64_t bounced;	/* subscribers bounced now */
};

int
store_subscriber_suppress(sqlite3 *db, int64_t id, enum store_status status,
    const struct store_consent *c, char *err)
{
	sqlite3_stmt *st;
	char *email = NULL;	/* owned */
	int rc;

	st = db_prepare(db, "UPDATE subscriber SET status = ?2, "
	    "unsubscribed = ?3, confirm_token = NULL WHERE id = ?1 AND "
	    "status IN ('confirmed', 'pending') RETURNING email", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, store_status_name(status), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, c->time);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		email = xstrdup((const char *)sqlite3_column_text(st, 0));
	while (rc == SQLITE_ROW)
		rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(email);
		return db_err(db, err, "changing a subscriber's status");
	}
	if (email == NULL)
		return 0;
	rc = store_consent_add(db, email, c, err);
	free(email);
	return rc == -1 ? -1 : 1;
}

/* One more hard bounce in a row for the subscriber of o: into *n, how
 * many now. 0, or -1 with err. */
static int
store_bounce_count(sqlite3 *db, int64_t id, int64_t *n, char *err)
{
	sqlite3_stmt *st = db_prepare(db, "UPDATE subscriber SET bounces = "
	    "bounces + 1 WHERE id = ?1 RETURNING bounces", err);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : db_err(db, err, "counting a bounce");
}

static int
store_outcome_apply(const struct journal_outcome *o, void *arg, char *err)
{
	struct store_apply *a = arg;
	struct store_consent c;
	int64_t n;
	int rc;

	if (o->kind == JOURNAL_OUTCOME_DELIVERED)
		return store_run(a->db, "UPDATE subscriber SET bounces = 0 "
		    "WHERE id = ?1 AND bounces > 0", o->subscriber_id, NULL, err);
	if (store_bounce_count(a->db, o->subscriber_id, &n, err) == -1)
		return -1;
	if (n < a->bounce_limit)
		return 0;
	memset(&c, 0, sizeof(c));
	c.time = o->updated;
	c.action = STORE_ACTION_BOUNCE;
	c.form = "smtp";
	c.detail = o->reply;
	if ((rc = store_subscriber_suppress(a->db, o->subscriber_id,
	    STORE_BOUNCED, &c, err)) == -1)
		return -1;
	a->bounced += rc;
	return 0;
}

int64_t
store_deliveries_apply(sqlite3 *db, long bounce_limit, char *err)
{
	struct store_apply a;

	memset(&a, 0, sizeof(a));
	a.db = db;
	a.bounce_limit = bounce_limit;
	if (db_begin(db, err) == -1)
		return -1;
	if (journal_outcomes_take(db, store_outcome_apply, &a, err) == -1 ||
	    db_commit(db, err) == -1) {
		db_rollback(db);
		return -1;
	}
	return a.bounced;
}

static void
store_bind_opt(sqlite3_stmt *st, int i, const char *v)
{
	if (v != NULL && *v != '\0')
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* Binds an entry: ?1 key, ?2 time, ?3 action, ?4..?7 ip, agent, form,
 * detail. */
static int
store_consent_run(sqlite3 *db, const char *sql, const char *email,
    const struct store_consent *c, char *err)
{
	char key[ADDR_KEY_MAX + 1];
	sqlite3_stmt *st;
	int rc;

	if (store_key(email, key) == -1)
		return util_err(err, "invalid address '%s'", email ? email :
		    "");
	if ((int)c->action < 0 || (int)c->action >= STORE_NACTIONS)
		return util_err(err, "invalid consent action %d",
		    (int)c->action);
	if ((st = db_prepare(db, sql, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, c->time);
	sqlite3_bind_text(st, 3, store_action_names[c->action], -1,
	    SQLITE_STATIC);
	store_bind_opt(st, 4, c->ip);
	store_bind_opt(st, 5, c->agent);
	store_bind_opt(st, 6, c->form);
	store_bind_opt(st, 7, c->detail);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_err(db, err, "adding to the consent log");
	return sqlite3_changes(db) > 0;
}

int
store_consent_add(sqlite3 *db, const char *email,
    const struct store_consent *c, char *err)
{
	return store_consent_run(db, "INSERT INTO consent (email_key, time, "
	    "action, ip, agent, form, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
	    "?7)", email, c, err) == -1 ? -1 : 0;
}

int
store_consent_merge(sqlite3 *db, const char *email,
    const struct store_consent *c, char *err)
{
	return store_consent_run(db, "INSERT INTO consent (email_key, time, "
	    "action, ip, agent, form, detail) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 "
	    "WHERE NOT EXISTS (SELECT 1 FROM consent WHERE email_key = ?1 AND "
	    "time = ?2 AND action = ?3 AND ip IS ?4 AND agent IS ?5 AND "
	    "form IS ?6 AND detail IS ?7)", email, c, err);
}

int
store_consent_list(sqlite3 *db, const char *email, json_t **out, char *err)
{
	char key[ADDR_KEY_MAX + 1];

	if (store_key(email, key) == -1) {
		*out = json_array();
		return 0;
	}
	return store_consent_of_key(db, key, out, err);
}
