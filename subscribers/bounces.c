#include "bounces.h"
#include "db.h"
#include "store.h"
#include "util.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

static const char *const bounces_kinds[] = {
	"hard", "soft", "complaint", "unsubscribe",
};

const char *
bounces_kind_name(enum bounces_kind k)
{
	return (unsigned)k < BOUNCES_NKINDS ? bounces_kinds[k] : "hard";
}

const char *
bounces_outcome_name(enum bounces_outcome o)
{
	static const char *const names[] = { "seen", "counted", "suppressed",
	    "unchanged" };

	return (unsigned)o < sizeof(names) / sizeof(names[0]) ? names[o] :
	    "seen";
}

static void
bounces_bind_opt(sqlite3_stmt *st, int i, const char *s)
{
	if (s != NULL && *s != '\0')
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* Steps a statement that returns no rows: 0, or -1 with err. */
static int
bounces_step(sqlite3 *db, sqlite3_stmt *st, const char *what, char *err)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : db_err(db, err, what);
}

/* What an event makes of a subscriber it suppresses, and how the
 * consent log names it. */
static const struct {
	enum store_status status;
	enum store_action action;
} bounces_effect[BOUNCES_NKINDS] = {
	[BOUNCES_HARD] = { STORE_BOUNCED, STORE_ACTION_BOUNCE },
	[BOUNCES_SOFT] = { STORE_BOUNCED, STORE_ACTION_BOUNCE },
	[BOUNCES_COMPLAINT] = { STORE_COMPLAINED, STORE_ACTION_COMPLAINT },
	[BOUNCES_UNSUBSCRIBE] = { STORE_UNSUBSCRIBED, STORE_ACTION_UNSUBSCRIBE },
};

int
bounces_suppress(sqlite3 *db, const struct bounces_event *ev, char *err)
{
	struct store_consent c;

	memset(&c, 0, sizeof(c));
	c.time = ev->received;
	c.action = bounces_effect[ev->kind].action;
	c.form = "return mailbox";
	c.detail = ev->diagnostic != NULL ? ev->diagnostic : ev->message_id;
	return store_subscriber_suppress(db, ev->subscriber_id,
	    bounces_effect[ev->kind].status, &c, err);
}

/* Inserts the event unless its message was recorded before: 1 added,
 * 0 seen, -1 error. */
static int
bounces_insert(sqlite3 *db, const struct bounces_event *ev, int64_t *id,
    char *err)
{
	sqlite3_stmt *st;

	st = db_prepare(db, "INSERT OR IGNORE INTO bounce (subscriber_id, "
	    "edition_id, kind, unknown_user, status, action, diagnostic, "
	    "message_id, received) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	    err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, ev->subscriber_id);
	bounces_bind_opt(st, 2, ev->edition);
	sqlite3_bind_text(st, 3, bounces_kind_name(ev->kind), -1,
	    SQLITE_STATIC);
	sqlite3_bind_int(st, 4, ev->kind == BOUNCES_HARD && ev->unknown_user ? 1 :
	    0);
	bounces_bind_opt(st, 5, ev->status);
	bounces_bind_opt(st, 6, ev->action);
	bounces_bind_opt(st, 7, ev->diagnostic);
	sqlite3_bind_text(st, 8, ev->message_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, ev->received);
	if (bounces_step(db, st, "recording a bounce", err) == -1)
		return -1;
	if (sqlite3_changes(db) == 0)
		return 0;
	*id = sqlite3_last_insert_rowid(db);
	return 1;
}

/* Whether the subscriber's bounces since they last confirmed reach a
 * limit: 1 yes, 0 no, -1 error. */
static int
bounces_over_limit(sqlite3 *db, int64_t subscriber_id,
    const struct bounces_policy *p, int64_t now, char *err)
{
	sqlite3_stmt *st;
	int64_t unknown = 0, counted = 0;
	int rc;

	/* An event without an edition counts as one of its own. */
	st = db_prepare(db, "SELECT count(DISTINCT CASE WHEN b.kind = 'hard' "
	    "AND b.unknown_user THEN coalesce(b.edition_id, '#' || b.id) END), "
	    "count(DISTINCT CASE WHEN b.kind = 'hard' OR (b.kind = 'soft' AND "
	    "b.received >= ?2) THEN coalesce(b.edition_id, '#' || b.id) END) "
	    "FROM bounce b JOIN subscriber s ON s.id = b.subscriber_id "
	    "WHERE b.subscriber_id = ?1 AND b.received >= "
	    "coalesce(s.confirmed, 0)", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, subscriber_id);
	sqlite3_bind_int64(st, 2, now - (int64_t)p->window_days * 86400);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		unknown = sqlite3_column_int64(st, 0);
		counted = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return db_err(db, err, "counting bounces");
	return unknown >= p->limit_unknown || counted >= p->limit;
}

static int
bounces_mark_applied(sqlite3 *db, int64_t id, enum bounces_kind kind,
    char *err)
{
	sqlite3_stmt *st;

	st = db_prepare(db, "UPDATE bounce SET applied = ?2 WHERE id = ?1",
	    err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, store_status_name(bounces_effect[kind].status),
	    -1, SQLITE_STATIC);
	return bounces_step(db, st, "recording a bounce", err);
}

int
bounces_record(sqlite3 *db, const struct bounces_event *ev,
    const struct bounces_policy *p, enum bounces_outcome *out, char *err)
{
	int64_t id = 0;
	int rc, bounced = ev->kind == BOUNCES_HARD || ev->kind == BOUNCES_SOFT;

	*out = BOUNCES_SEEN;
	if ((rc = bounces_insert(db, ev, &id, err)) != 1)
		return rc;
	*out = BOUNCES_COUNTED;
	if (bounced && (rc = bounces_over_limit(db, ev->subscriber_id, p,
	    ev->received, err)) != 1)
		return rc;
	if ((rc = bounces_suppress(db, ev, err)) == -1)
		return -1;
	*out = rc == 1 ? BOUNCES_SUPPRESSED : BOUNCES_UNCHANGED;
	return rc == 1 ? bounces_mark_applied(db, id, ev->kind, err) : 0;
}

static const char *
bounces_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

int
bounces_each(sqlite3 *db, void (*fn)(const struct bounces_row *r,
    void *arg), void *arg, char *err)
{
	struct bounces_row r;
	sqlite3_stmt *st;
	int rc;

	st = db_prepare(db, "SELECT s.email, s.status, b.kind, b.edition_id, "
	    "b.status, b.diagnostic, b.applied, b.received FROM bounce b "
	    "JOIN subscriber s ON s.id = b.subscriber_id "
	    "ORDER BY b.received DESC, b.id DESC", err);
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r.email = bounces_text(st, 0);
		r.subscriber_status = bounces_text(st, 1);
		r.kind = bounces_text(st, 2);
		r.edition = bounces_text(st, 3);
		r.status = bounces_text(st, 4);
		r.diagnostic = bounces_text(st, 5);
		r.applied = bounces_text(st, 6);
		r.received = sqlite3_column_int64(st, 7);
		fn(&r, arg);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : db_err(db, err, "listing bounces");
}

int
bounces_edition_counts(sqlite3 *db, const char *edition,
    struct bounces_counts *c, char *err)
{
	sqlite3_stmt *st;
	size_t k;
	int rc;

	memset(c, 0, sizeof(*c));
	st = db_prepare(db, "SELECT kind, count(DISTINCT subscriber_id) "
	    "FROM bounce WHERE edition_id = ?1 GROUP BY kind", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, edition, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		for (k = 0; k < BOUNCES_NKINDS; k++)
			if (strcmp(bounces_text(st, 0), bounces_kinds[k]) == 0)
				c->n[k] = (size_t)sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : db_err(db, err, "counting bounces");
}
