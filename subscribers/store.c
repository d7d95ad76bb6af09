#include "store.h"
#include "addr.h"
#include "article.h"
#include "date.h"
#include "db.h"
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
	"pending", "confirmed", "unsubscribed", "bounced",
};

#define STORE_NSTATUS \
	((int)(sizeof(store_status_names) / sizeof(store_status_names[0])))

#define STORE_COLUMNS "id, email, name, tags, status, created, " \
	"unsubscribe_token, preferences_token, confirm_token, " \
	"confirm_created, confirmed"

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
	/* The table's CHECK admits only the four names. */
	if (status == NULL || store_status_from_name((const char *)status,
	    &s->status) == -1)
		s->status = STORE_PENDING;
	s->created = sqlite3_column_int64(st, 5);
	s->unsubscribe_token = store_column_dup(st, 6);
	s->preferences_token = store_column_dup(st, 7);
	s->confirm_token = store_column_dup(st, 8);
	s->confirm_created = sqlite3_column_int64(st, 9);
	s->confirmed = sqlite3_column_int64(st, 10);
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

/* Binds the values put writes: ?1 email, ?2 name, ?3 tags, ?4 status. */
static void
store_bind(sqlite3_stmt *st, const struct store_subscriber *s,
    const char *tags)
{
	sqlite3_bind_text(st, 1, s->email, -1, SQLITE_STATIC);
	if (s->name != NULL && *s->name != '\0')
		sqlite3_bind_text(st, 2, s->name, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 2);
	sqlite3_bind_text(st, 3, tags, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, store_status_name(s->status), -1,
	    SQLITE_STATIC);
}

/* Steps st, a statement RETURNING id, created, to its end: 1 with the
 * values of its row, 0 when it returned none, -1 with err. */
static int
store_step_returning(sqlite3 *db, sqlite3_stmt *st, int64_t *id,
    int64_t *created, char *err)
{
	int rc, found = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		*created = sqlite3_column_int64(st, 1);
		found = 1;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_err(db, err, "storing a subscriber");
	return found;
}

/* One statement each way, so that two writers adding the same address
 * without a transaction still cannot both insert it: the INSERT returns
 * a row only when it added one, and the UPDATE then finds the other's. */
int
store_subscriber_put(sqlite3 *db, struct store_subscriber *s, char *err)
{
	sqlite3_stmt *st;
	int64_t id = 0, created = 0;
	char *tags;
	int rc;

	if (store_subscriber_check(s, err) == -1)
		return -1;
	tags = article_tags_join_list(s->tags, s->ntags);
	/* Added by the publisher (add, import): the consent record says
	 * so, and a confirmed one is confirmed from the start. */
	st = db_prepare(db, "INSERT INTO subscriber (email, name, tags, "
	    "status, created, unsubscribe_token, preferences_token, "
	    "consent_time, consent_form, confirmed) VALUES (?1, ?2, ?3, ?4, "
	    "?5, digest_token(), digest_token(), ?5, 'digest subscribers', "
	    "CASE WHEN ?4 = 'confirmed' THEN ?5 END) "
	    "ON CONFLICT (email) DO NOTHING RETURNING id, created", err);
	if (st == NULL) {
		free(tags);
		return -1;
	}
	store_bind(st, s, tags);
	sqlite3_bind_int64(st, 5, s->created != 0 ? s->created : date_now());
	rc = store_step_returning(db, st, &id, &created, err);
	if (rc == 0) {
		st = db_prepare(db, "UPDATE subscriber SET name = ?2, "
		    "tags = ?3, status = ?4, confirmed = CASE WHEN ?4 = "
		    "'confirmed' THEN coalesce(confirmed, ?5) END WHERE "
		    "email = ?1 RETURNING id, created", err);
		if (st == NULL) {
			free(tags);
			return -1;
		}
		store_bind(st, s, tags);
		sqlite3_bind_int64(st, 5, date_now());
		rc = store_step_returning(db, st, &id, &created, err);
		if (rc == 0)
			rc = util_err(err, "subscriber '%s' was removed while "
			    "being updated", s->email);
		else if (rc == 1)
			rc = 0;
	}
	free(tags);
	if (rc == -1)
		return -1;
	s->id = id;
	s->created = created;
	return rc;
}

int
store_subscriber_find(sqlite3 *db, const char *email,
    struct store_subscriber *s, char *err)
{
	sqlite3_stmt *st;
	int rc;

	st = db_prepare(db, "SELECT " STORE_COLUMNS " FROM subscriber "
	    "WHERE email = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
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
		    (const char *)sqlite3_column_text(st, 11))) {
			store_from_row(st, s);
			found = 1;
		}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_err(db, err, "finding a subscriber by a link");
	return found;
}

/* Column i as JSON: text, integer, or null. */
static json_t *
store_json_column(sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(st, i));
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
	"created, confirmed, unsubscribed, bounces, consent_time, " \
	"consent_ip, consent_agent, consent_form"

static json_t *
store_record_from_row(sqlite3_stmt *st)
{
	json_t *o = json_object(), *tags = json_array();
	const char *joined = (const char *)sqlite3_column_text(st, 4), *sep;
	int i, n = sqlite3_column_count(st);

	for (i = 0; i < n; i++)
		if (i != 4)
			json_object_set_new(o, sqlite3_column_name(st, i),
			    store_json_column(st, i));
	while (joined != NULL && *joined != '\0') {
		sep = strchr(joined, ARTICLE_TAG_SEP);
		json_array_append_new(tags, json_stringn(joined, sep ?
		    (size_t)(sep - joined) : strlen(joined)));
		joined = sep ? sep + 1 : NULL;
	}
	json_object_set_new(o, "tags", tags);
	return o;
}

int
store_subscriber_records(sqlite3 *db, const char *email, int status,
    json_t **out, char *err)
{
	sqlite3_stmt *st;
	int rc;

	st = db_prepare(db, "SELECT " STORE_RECORD_COLUMNS " FROM subscriber "
	    "WHERE (?1 IS NULL OR email = ?1) AND (?2 IS NULL OR status = ?2) "
	    "ORDER BY id", err);
	if (st == NULL)
		return -1;
	if (email != NULL)
		sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	if (status >= 0 && status < STORE_NSTATUS)
		sqlite3_bind_text(st, 2, store_status_name(status), -1,
		    SQLITE_STATIC);
	*out = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(*out, store_record_from_row(st));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(*out);
		*out = NULL;
		return db_err(db, err, "reading subscribers");
	}
	return 0;
}

/*
 * Forgetting erases every row about the person: the subscriber, their
 * place in each edition's journal and their confirmation mails. What
 * was sent to them is then no longer known, so a later send of an
 * edition they had would not know them either: they are gone.
 */
int
store_subscriber_remove(sqlite3 *db, const char *email, int forget,
    char *err)
{
	static const char *const erase[] = {
		"DELETE FROM delivery WHERE subscriber_id = ?1",
		"DELETE FROM mail_queue WHERE subscriber_id = ?1",
		"DELETE FROM subscriber WHERE id = ?1",
	};
	struct store_subscriber s;
	sqlite3_stmt *st;
	size_t i;
	int rc;

	store_subscriber_init(&s);
	if (db_begin(db, err) == -1)
		return -1;
	rc = store_subscriber_find(db, email, &s, err);
	for (i = 0; rc == 1 && i < (forget ? 3 : 0); i++) {
		if ((st = db_prepare(db, erase[i], err)) == NULL) {
			rc = -1;
			break;
		}
		sqlite3_bind_int64(st, 1, s.id);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = db_err(db, err, "forgetting a subscriber");
		sqlite3_reset(st);
	}
	if (rc == 1 && !forget) {
		st = db_prepare(db, "UPDATE subscriber SET status = "
		    "'unsubscribed', unsubscribed = ?2, confirm_token = NULL "
		    "WHERE id = ?1", err);
		if (st == NULL) {
			rc = -1;
		} else {
			sqlite3_bind_int64(st, 1, s.id);
			sqlite3_bind_int64(st, 2, date_now());
			if (sqlite3_step(st) != SQLITE_DONE)
				rc = db_err(db, err, "removing a subscriber");
			sqlite3_reset(st);
		}
	}
	store_subscriber_release(&s);
	if (rc == -1 || db_commit(db, err) == -1) {
		db_rollback(db);
		return -1;
	}
	return rc;
}
