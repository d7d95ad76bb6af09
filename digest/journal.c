#include "journal.h"
#include "db.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const journal_names[JOURNAL_NSTATUS] = {
	"pending", "sent", "deferred", "failed", "skipped",
};

const char *
journal_status_name(enum journal_status st)
{
	return (unsigned)st < JOURNAL_NSTATUS ? journal_names[st] : "pending";
}

static int
journal_step_done(sqlite3 *db, sqlite3_stmt *st, const char *what, char *err)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : db_err(db, err, what);
}

static int
journal_insert_edition(sqlite3 *db, const char *id, int64_t since,
    int64_t until, int64_t slot, int64_t now, const char *status,
    const char *note, char *err)
{
	sqlite3_stmt *st;

	st = db_prepare(db, "INSERT OR IGNORE INTO edition (id, created, "
	    "since, until, slot, status, note, article_mark) VALUES (?1, ?2, "
	    "?3, ?4, ?5, ?6, ?7, (SELECT coalesce(max(id), 0) FROM article))",
	    err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, since);
	sqlite3_bind_int64(st, 4, until);
	if (slot != 0)
		sqlite3_bind_int64(st, 5, slot);
	sqlite3_bind_text(st, 6, status, -1, SQLITE_STATIC);
	if (note != NULL)
		sqlite3_bind_text(st, 7, note, -1, SQLITE_STATIC);
	if (journal_step_done(db, st, "creating an edition", err) == -1)
		return -1;
	return sqlite3_changes(db) == 1;
}

int
journal_article_mark(sqlite3 *db, int64_t *mark, char *err)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT article_mark FROM edition "
	    "WHERE status != 'skipped' AND article_mark IS NOT NULL "
	    "ORDER BY created DESC, rowid DESC LIMIT 1", err);
	int rc;

	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	*mark = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_err(db, err, "reading the editions");
	return rc == SQLITE_ROW;
}

/* The ids of the articles a new edition takes (journal.h): ?2 since,
 * ?3 until, ?4 the previous edition's mark or NULL, ?5 until - max_age,
 * ?6 not NULL for a scheduled edition: none a scheduled one took. Two
 * selects, so that each walks an index (published; the rowid). */
#define JOURNAL_ELIGIBLE "SELECT id FROM (SELECT id FROM article WHERE " \
	"published >= ?2 AND published < ?3 UNION SELECT id FROM article " \
	"WHERE ?4 IS NOT NULL AND id > ?4 AND published >= ?5 AND " \
	"published < ?3) WHERE ?6 IS NULL OR id NOT IN (SELECT " \
	"ea.article_id FROM edition_article ea JOIN edition e ON e.id = " \
	"ea.edition_id WHERE e.slot IS NOT NULL)"

static int
journal_bind_window(sqlite3 *db, sqlite3_stmt *st, int64_t since,
    int64_t until, int64_t slot, int64_t max_age, char *err)
{
	int64_t mark;
	int rc = journal_article_mark(db, &mark, err);

	if (rc == -1)
		return -1;
	sqlite3_bind_int64(st, 2, since);
	sqlite3_bind_int64(st, 3, until);
	if (rc == 1 && max_age > 0)
		sqlite3_bind_int64(st, 4, mark);
	sqlite3_bind_int64(st, 5, until - max_age);
	if (slot != 0)
		sqlite3_bind_int64(st, 6, slot);
	return 0;
}

void
journal_ids_release(struct journal_ids *ids)
{
	free(ids->v);
	memset(ids, 0, sizeof(*ids));
}

int
journal_edition_eligible(sqlite3 *db, int64_t since, int64_t until,
    int64_t slot, int64_t max_age, struct journal_ids *ids, char *err)
{
	sqlite3_stmt *st = db_prepare(db, JOURNAL_ELIGIBLE " ORDER BY id", err);
	size_t cap = 0;
	int rc;

	memset(ids, 0, sizeof(*ids));
	if (st == NULL || journal_bind_window(db, st, since, until, slot,
	    max_age, err) == -1)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		xgrow(&ids->v, &cap, ids->n + 1, sizeof(*ids->v));
		ids->v[ids->n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	journal_ids_release(ids);
	return db_err(db, err, "reading the articles of an edition");
}

/* Records ids as edition id's frozen set. 0, or -1 with err. */
static int
journal_freeze(sqlite3 *db, const char *id, const struct journal_ids *ids,
    char *err)
{
	sqlite3_stmt *st = db_prepare(db, "INSERT INTO edition_article "
	    "(edition_id, article_id) VALUES (?1, ?2)", err);
	size_t i;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	for (i = 0; i < ids->n; i++) {
		sqlite3_bind_int64(st, 2, ids->v[i]);
		if (journal_step_done(db, st, "freezing the articles", err) == -1)
			return -1;
	}
	return 0;
}

int
journal_edition_create(sqlite3 *db, const char *id, int64_t since,
    int64_t until, int64_t slot, int64_t now, int64_t max_age, char *err)
{
	struct journal_ids ids;
	int created;

	if (db_begin(db, err) == -1)
		return -1;
	/* The frozen set: what a resumed send will deliver again, and what
	 * a preview of the edition showed (journal_edition_eligible). The
	 * previous edition's mark is read before this one's row exists. */
	created = journal_edition_eligible(db, since, until, slot, max_age,
	    &ids, err) == -1 ? -1 : journal_insert_edition(db, id, since,
	    until, slot, now, "open", NULL, err);
	if (created == 1 && journal_freeze(db, id, &ids, err) == -1)
		created = -1;
	journal_ids_release(&ids);
	if (created == -1 || db_commit(db, err) == -1) {
		db_rollback(db);
		return -1;
	}
	return created;
}

int
journal_edition_skip(sqlite3 *db, const char *id, int64_t since,
    int64_t until, int64_t slot, int64_t now, const char *note, char *err)
{
	return journal_insert_edition(db, id, since, until, slot, now,
	    "skipped", note, err);
}

static void
journal_copy(char *dst, size_t size, const unsigned char *src)
{
	snprintf(dst, size, "%s", src ? (const char *)src : "");
}

static int
journal_counts(sqlite3 *db, struct journal_edition *e, char *err)
{
	sqlite3_stmt *st;
	size_t k;
	int rc;

	memset(e->count, 0, sizeof(e->count));
	e->sending = e->in_doubt = 0;
	st = db_prepare(db, "SELECT status, count(*), count(sending), "
	    "count(in_doubt) FROM delivery WHERE edition_id = ?1 "
	    "GROUP BY status", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, e->id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);

		for (k = 0; k < JOURNAL_NSTATUS; k++)
			if (strcmp(name, journal_names[k]) == 0)
				e->count[k] = (size_t)sqlite3_column_int64(st, 1);
		e->sending += (size_t)sqlite3_column_int64(st, 2);
		e->in_doubt += (size_t)sqlite3_column_int64(st, 3);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_err(db, err, "counting deliveries");
	st = db_prepare(db, "SELECT count(*) FROM edition_article "
	    "WHERE edition_id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, e->id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	e->articles = rc == SQLITE_ROW ? (size_t)sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : db_err(db, err, "counting articles");
}

#define JOURNAL_EDITION_COLUMNS "id, created, since, until, slot, status, note"

static int
journal_edition_row(sqlite3 *db, sqlite3_stmt *st, struct journal_edition *e,
    char *err)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		memset(e, 0, sizeof(*e));
		journal_copy(e->id, sizeof(e->id), sqlite3_column_text(st, 0));
		e->created = sqlite3_column_int64(st, 1);
		e->since = sqlite3_column_int64(st, 2);
		e->until = sqlite3_column_int64(st, 3);
		e->slot = sqlite3_column_int64(st, 4);
		journal_copy(e->status, sizeof(e->status),
		    sqlite3_column_text(st, 5));
		journal_copy(e->note, sizeof(e->note), sqlite3_column_text(st, 6));
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return db_err(db, err, "reading an edition");
	return journal_counts(db, e, err) == -1 ? -1 : 1;
}

int
journal_edition_get(sqlite3 *db, const char *id, struct journal_edition *e,
    char *err)
{
	sqlite3_stmt *st;

	st = db_prepare(db, "SELECT " JOURNAL_EDITION_COLUMNS " FROM edition "
	    "WHERE id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	return journal_edition_row(db, st, e, err);
}

int
journal_edition_last(sqlite3 *db, struct journal_edition *e, char *err)
{
	sqlite3_stmt *st;

	st = db_prepare(db, "SELECT " JOURNAL_EDITION_COLUMNS " FROM edition "
	    "ORDER BY created DESC, rowid DESC LIMIT 1", err);
	if (st == NULL)
		return -1;
	return journal_edition_row(db, st, e, err);
}

int
journal_edition_each(sqlite3 *db,
    void (*fn)(const struct journal_edition *e, void *arg), void *arg,
    char *err)
{
	sqlite3_stmt *st;
	char **ids = NULL;
	size_t n = 0, cap = 0, i;
	struct journal_edition e;
	int rc;

	/* Ids first: reading each edition uses statements of its own. */
	st = db_prepare(db, "SELECT id FROM edition ORDER BY created DESC, "
	    "rowid DESC", err);
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		xgrow(&ids, &cap, n + 1, sizeof(*ids));
		ids[n++] = xstrdup((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		rc = db_err(db, err, "listing editions");
	else
		rc = 0;
	for (i = 0; i < n; i++) {
		if (rc == 0 && journal_edition_get(db, ids[i], &e, err) == 1)
			fn(&e, arg);
		free(ids[i]);
	}
	free(ids);
	return rc;
}

void
journal_edition_mark(sqlite3 *db, const char *id, const char *status)
{
	sqlite3_stmt *st = db_prepare(db, "UPDATE edition SET status = ?2 "
	    "WHERE id = ?1", NULL);

	if (st == NULL)
		return;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
	(void)sqlite3_step(st);
	sqlite3_reset(st);
}

/* 1 when the lock in the row is held by a live run other than owner. */
static int
journal_lock_held(sqlite3_stmt *st, const char *owner, int64_t now,
    const char *host)
{
	const char *o = (const char *)sqlite3_column_text(st, 0);
	const char *h = (const char *)sqlite3_column_text(st, 2);
	pid_t pid = (pid_t)sqlite3_column_int64(st, 1);
	int64_t beat = sqlite3_column_int64(st, 3);

	if (o == NULL || strcmp(o, owner) == 0)
		return 0;
	if (beat < now - JOURNAL_LOCK_STALE)
		return 0;
	/* On this host a dead process is known at once: no waiting for its
	 * heartbeat to grow old after a kill -9. */
	if (h != NULL && strcmp(h, host) == 0 && pid > 0 &&
	    kill(pid, 0) == -1 && errno == ESRCH)
		return 0;
	return 1;
}

int
journal_lock(sqlite3 *db, const char *edition, const char *owner,
    int64_t now, char *holder, size_t holder_size, char *err)
{
	char host[256] = "";
	sqlite3_stmt *st;
	int rc, held = 0;

	(void)gethostname(host, sizeof(host) - 1);
	if (db_begin(db, err) == -1)
		return -1;
	st = db_prepare(db, "SELECT lock_owner, lock_pid, lock_host, lock_beat "
	    "FROM edition WHERE id = ?1", err);
	if (st == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, edition, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && (held = journal_lock_held(st, owner, now,
	    host)))
		snprintf(holder, holder_size, "pid %lld on %s, alive %lld s ago",
		    (long long)sqlite3_column_int64(st, 1),
		    (const char *)sqlite3_column_text(st, 2),
		    (long long)(now - sqlite3_column_int64(st, 3)));
	sqlite3_reset(st);
	if (rc != SQLITE_ROW) {
		util_err(err, "no edition '%s'", edition);
		goto fail;
	}
	if (held) {
		db_rollback(db);
		return 0;
	}
	st = db_prepare(db, "UPDATE edition SET lock_owner = ?2, lock_pid = ?3, "
	    "lock_host = ?4, lock_beat = ?5 WHERE id = ?1", err);
	if (st == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, edition, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, owner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (int64_t)getpid());
	sqlite3_bind_text(st, 4, host, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	if (journal_step_done(db, st, "taking the edition's lock", err) == -1 ||
	    db_commit(db, err) == -1)
		goto fail;
	return 1;
fail:
	db_rollback(db);
	return -1;
}

void
journal_unlock(sqlite3 *db, const char *edition, const char *owner)
{
	sqlite3_stmt *st = db_prepare(db, "UPDATE edition SET lock_owner = NULL, "
	    "lock_pid = NULL, lock_host = NULL, lock_beat = NULL "
	    "WHERE id = ?1 AND lock_owner = ?2", NULL);

	if (st == NULL)
		return;
	sqlite3_bind_text(st, 1, edition, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, owner, -1, SQLITE_STATIC);
	(void)sqlite3_step(st);
	sqlite3_reset(st);
}

static int64_t
journal_change(sqlite3 *db, const char *sql, const char *edition,
    int64_t now, const char *what, char *err)
{
	sqlite3_stmt *st = db_prepare(db, sql, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, edition, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	if (journal_step_done(db, st, what, err) == -1)
		return -1;
	return sqlite3_changes(db);
}

int64_t
journal_deliveries_add(sqlite3 *db, const char *edition, char *err)
{
	return journal_change(db, "INSERT OR IGNORE INTO delivery (edition_id, "
	    "subscriber_id, updated, tags) SELECT ?1, id, ?2, tags FROM "
	    "subscriber WHERE status = 'confirmed'", edition, 0,
	    "adding deliveries", err);
}

int64_t
journal_retry_failed(sqlite3 *db, const char *edition, char *err)
{
	return journal_change(db, "UPDATE delivery SET status = 'pending', "
	    "next_try = NULL, updated = ?2 WHERE edition_id = ?1 AND "
	    "status = 'failed'", edition, 0, "retrying failed deliveries", err);
}

void
journal_item_release(struct journal_item *it)
{
	free(it->email);
	free(it->name);
	free(it->tags);
	free(it->unsubscribe_token);
	free(it->preferences_token);
	memset(it, 0, sizeof(*it));
}

static char *
journal_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? xstrdup((const char *)s) : NULL;
}

/* Steps sql, a lookup of one delivery by ?1 edition and ?2 subscriber:
 * 1 with the row in *st (the caller reads it, then resets *st), 0 when
 * there is none, -1 with err. */
static int
journal_delivery_row(sqlite3 *db, const char *sql, const char *edition,
    int64_t subscriber_id, sqlite3_stmt **st, char *err)
{
	int rc;

	if ((*st = db_prepare(db, sql, err)) == NULL)
		return -1;
	sqlite3_bind_text(*st, 1, edition, -1, SQLITE_STATIC);
	sqlite3_bind_int64(*st, 2, subscriber_id);
	if ((rc = sqlite3_step(*st)) == SQLITE_ROW)
		return 1;
	sqlite3_reset(*st);
	return rc == SQLITE_DONE ? 0 : db_err(db, err, "reading a delivery");
}

int
journal_delivery_tags(sqlite3 *db, const char *edition, int64_t subscriber_id,
    char **tags, char *err)
{
	sqlite3_stmt *st;
	int rc = journal_delivery_row(db, "SELECT coalesce(d.tags, s.tags) "
	    "FROM delivery d JOIN subscriber s ON s.id = d.subscriber_id "
	    "WHERE d.edition_id = ?1 AND d.subscriber_id = ?2", edition,
	    subscriber_id, &st, err);

	*tags = NULL;
	if (rc == 1) {
		*tags = journal_dup(st, 0);
		sqlite3_reset(st);
	}
	return rc;
}

int
journal_subscriber_confirmed(sqlite3 *db, int64_t subscriber_id, char *err)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT status = 'confirmed' FROM "
	    "subscriber WHERE id = ?1", err);
	int rc, yes = 0;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, subscriber_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		yes = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_err(db, err, "reading a subscriber");
	return yes;
}

int
journal_delivery_status(sqlite3 *db, const char *edition,
    int64_t subscriber_id, char status[16], char *err)
{
	sqlite3_stmt *st;
	int rc = journal_delivery_row(db, "SELECT status FROM delivery "
	    "WHERE edition_id = ?1 AND subscriber_id = ?2", edition,
	    subscriber_id, &st, err);

	status[0] = '\0';
	if (rc == 1) {
		snprintf(status, 16, "%s", (const char *)sqlite3_column_text(st,
		    0));
		sqlite3_reset(st);
	}
	return rc;
}

/* The deliveries to make (?1 the edition, ?2 after, ?3 now, ?4 the
 * limit) and, with ?5, the failed ones; with ?6, the confirmed
 * subscribers the edition has no delivery for yet, as
 * journal_deliveries_add would add them. Each part walks a primary key
 * from `after`; ?6 false, the second is never run. */
#define JOURNAL_NEXT_SQL "SELECT d.subscriber_id, s.email, s.name, " \
	"coalesce(d.tags, s.tags), s.unsubscribe_token, " \
	"s.preferences_token, d.attempts, s.status = 'confirmed' " \
	"FROM delivery d JOIN subscriber s ON s.id = d.subscriber_id " \
	"WHERE d.edition_id = ?1 AND d.subscriber_id > ?2 AND " \
	"(d.status = 'pending' OR (d.status = 'deferred' AND " \
	"coalesce(d.next_try, 0) <= ?3) OR (?5 AND d.status = 'failed')) " \
	"UNION ALL SELECT s.id, s.email, s.name, s.tags, " \
	"s.unsubscribe_token, s.preferences_token, 0, 1 FROM subscriber s " \
	"WHERE ?6 AND s.id > ?2 AND s.status = 'confirmed' AND NOT EXISTS " \
	"(SELECT 1 FROM delivery x WHERE x.edition_id = ?1 AND " \
	"x.subscriber_id = s.id) ORDER BY 1 LIMIT ?4"

static void
journal_item_from_row(sqlite3_stmt *st, struct journal_item *it)
{
	it->subscriber_id = sqlite3_column_int64(st, 0);
	it->email = journal_dup(st, 1);
	it->name = journal_dup(st, 2);
	it->tags = journal_dup(st, 3);
	it->unsubscribe_token = journal_dup(st, 4);
	it->preferences_token = journal_dup(st, 5);
	it->attempts = sqlite3_column_int(st, 6);
	it->confirmed = sqlite3_column_int(st, 7);
}

int
journal_next(sqlite3 *db, const char *edition, int64_t after, int64_t now,
    int flags, struct journal_item *items, size_t max, char *err)
{
	sqlite3_stmt *st = db_prepare(db, JOURNAL_NEXT_SQL, err);
	size_t n = 0;
	int rc = SQLITE_DONE;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, edition, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, after);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, (int64_t)max);
	sqlite3_bind_int(st, 5, (flags & JOURNAL_NEXT_FAILED) ? 1 : 0);
	sqlite3_bind_int(st, 6, (flags & JOURNAL_NEXT_UNLISTED) ? 1 : 0);
	while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW)
		journal_item_from_row(st, &items[n++]);
	sqlite3_reset(st);
	if (n < max && rc != SQLITE_DONE) {
		while (n > 0)
			journal_item_release(&items[--n]);
		return db_err(db, err, "reading the journal");
	}
	return (int)n;
}

int64_t
journal_next_due(sqlite3 *db, const char *edition)
{
	sqlite3_stmt *st;
	int64_t next = 0;

	st = db_prepare(db, "SELECT min(coalesce(next_try, 1)) FROM delivery "
	    "WHERE edition_id = ?1 AND status = 'deferred'", NULL);
	if (st == NULL)
		return 0;
	sqlite3_bind_text(st, 1, edition, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		next = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return next;
}

/* Sets (sending) or clears (keep) a delivery's in-flight mark. */
static int
journal_mark(sqlite3 *db, const char *edition, const struct journal_result *r,
    char *err)
{
	sqlite3_stmt *st;

	st = db_prepare(db, "UPDATE delivery SET sending = ?3 "
	    "WHERE edition_id = ?1 AND subscriber_id = ?2", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, edition, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, r->subscriber_id);
	/* Without a Message-ID the mark still says "in flight"; keep
	 * clears it (NULL). */
	if (!r->keep)
		sqlite3_bind_text(st, 3, r->message_id ? r->message_id : "", -1,
		    SQLITE_STATIC);
	return journal_step_done(db, st, "marking a delivery", err);
}

/* 1 when a result says something about its subscriber (journal.h,
 * enum journal_outcome_kind). */
static int
journal_result_tells(const struct journal_result *r)
{
	return r->status == JOURNAL_SENT || (r->status == JOURNAL_FAILED &&
	    r->code >= 550 && r->code <= 553);
}

static int
journal_record_one(sqlite3 *db, const char *edition,
    const struct journal_result *r, int64_t now, char *err)
{
	sqlite3_stmt *st;

	if (r->sending || r->keep)
		return journal_mark(db, edition, r, err);
	st = db_prepare(db, "UPDATE delivery SET status = ?3, "
	    "attempts = attempts + (?3 <> 'skipped'), code = ?4, reply = ?5, "
	    "queue_id = ?6, message_id = ?7, updated = ?8, next_try = ?9, "
	    "sending = NULL, untaken = ?10 "
	    "WHERE edition_id = ?1 AND subscriber_id = ?2", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, edition, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, r->subscriber_id);
	sqlite3_bind_text(st, 3, journal_status_name(r->status), -1,
	    SQLITE_STATIC);
	if (r->code != 0)
		sqlite3_bind_int(st, 4, r->code);
	if (r->reply != NULL)
		sqlite3_bind_text(st, 5, r->reply, -1, SQLITE_STATIC);
	if (r->queue_id != NULL && *r->queue_id != '\0')
		sqlite3_bind_text(st, 6, r->queue_id, -1, SQLITE_STATIC);
	if (r->message_id != NULL && *r->message_id != '\0')
		sqlite3_bind_text(st, 7, r->message_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, now);
	if (r->status == JOURNAL_DEFERRED)
		sqlite3_bind_int64(st, 9, r->next_try);
	sqlite3_bind_int(st, 10, journal_result_tells(r));
	return journal_step_done(db, st, "recording a delivery", err);
}

/* Counts the outcomes n results leave for the subscriber store. */
static int
journal_count_untaken(sqlite3 *db, const char *edition,
    const struct journal_result *r, size_t n, char *err)
{
	sqlite3_stmt *st;
	int64_t k = 0;
	size_t i;

	for (i = 0; i < n; i++)
		k += !r[i].sending && !r[i].keep && journal_result_tells(&r[i]);
	if (k == 0)
		return 0;
	st = db_prepare(db, "UPDATE edition SET untaken = untaken + ?2 "
	    "WHERE id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, edition, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, k);
	return journal_step_done(db, st, "counting outcomes", err);
}

/* The heartbeat, and the proof that this run still holds the lock: a
 * run whose lock was taken over must stop, not keep sending. */
static int
journal_beat(sqlite3 *db, const char *edition, const char *owner,
    int64_t now, char *err)
{
	sqlite3_stmt *st = db_prepare(db, "UPDATE edition SET lock_beat = ?3 "
	    "WHERE id = ?1 AND lock_owner = ?2", err);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, edition, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, owner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	if (journal_step_done(db, st, "renewing the lock", err) == -1)
		return -1;
	if (sqlite3_changes(db) != 1)
		return util_err(err, "edition '%s' was taken over by another "
		    "run", edition);
	return 0;
}

int
journal_record(sqlite3 *db, const char *edition, const char *owner, int beat,
    const struct journal_result *r, size_t n, int64_t now, char *err)
{
	size_t i;

	if (db_begin(db, err) == -1)
		return -1;
	if (beat && journal_beat(db, edition, owner, now, err) == -1)
		goto fail;
	for (i = 0; i < n; i++)
		if (journal_record_one(db, edition, &r[i], now, err) == -1)
			goto fail;
	if (journal_count_untaken(db, edition, r, n, err) == -1 ||
	    db_commit(db, err) == -1)
		goto fail;
	return 0;
fail:
	db_rollback(db);
	return -1;
}

/* The editions with untaken outcomes, read by journal_outcomes_take. */
#define JOURNAL_UNTAKEN "edition_id IN (SELECT id FROM edition " \
	"WHERE untaken > 0) AND untaken = 1"

int64_t
journal_outcomes_take(sqlite3 *db,
    int (*fn)(const struct journal_outcome *o, void *arg, char *err),
    void *arg, char *err)
{
	struct journal_outcome o;
	sqlite3_stmt *st;
	int64_t n = 0;
	int rc;

	st = db_prepare(db, "SELECT subscriber_id, edition_id, status, code, "
	    "reply, updated FROM delivery WHERE " JOURNAL_UNTAKEN
	    " ORDER BY updated, edition_id, subscriber_id", err);
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		o.subscriber_id = sqlite3_column_int64(st, 0);
		o.edition = (const char *)sqlite3_column_text(st, 1);
		o.kind = strcmp((const char *)sqlite3_column_text(st, 2),
		    "sent") == 0 ? JOURNAL_OUTCOME_DELIVERED :
		    JOURNAL_OUTCOME_BOUNCED;
		o.code = sqlite3_column_int(st, 3);
		o.reply = (const char *)sqlite3_column_text(st, 4);
		o.updated = sqlite3_column_int64(st, 5);
		if (fn(&o, arg, err) == -1) {
			sqlite3_reset(st);
			return -1;
		}
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_err(db, err, "reading outcomes");
	if (journal_change(db, "UPDATE delivery SET untaken = 0 WHERE "
	    JOURNAL_UNTAKEN, NULL, 0, "taking outcomes", err) == -1 ||
	    journal_change(db, "UPDATE edition SET untaken = 0 WHERE "
	    "untaken > 0", NULL, 0, "taking outcomes", err) == -1)
		return -1;
	return n;
}

int64_t
journal_in_doubt(sqlite3 *db, const char *edition,
    void (*fn)(const char *email, const char *message_id, void *arg),
    void *arg, char *err)
{
	sqlite3_stmt *st;
	int64_t n = 0;
	int rc;

	if (db_begin(db, err) == -1)
		return -1;
	/* No index on sending: a mark is written and cleared for every
	 * message, and this scan is once per run. */
	st = db_prepare(db, "SELECT s.email, d.sending FROM delivery d "
	    "JOIN subscriber s ON s.id = d.subscriber_id "
	    "WHERE d.edition_id = ?1 AND d.sending IS NOT NULL "
	    "ORDER BY d.subscriber_id", err);
	if (st == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, edition, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		fn((const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1), arg);
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		db_err(db, err, "reading messages in flight");
		goto fail;
	}
	if (n > 0 && journal_change(db, "UPDATE delivery SET in_doubt = "
	    "ltrim(coalesce(in_doubt, '') || ' ' || sending), sending = NULL "
	    "WHERE edition_id = ?1 AND sending IS NOT NULL", edition, 0,
	    "recording messages in doubt", err) == -1)
		goto fail;
	if (db_commit(db, err) == -1)
		goto fail;
	return n;
fail:
	db_rollback(db);
	return -1;
}

int
journal_delivery_each(sqlite3 *db, const char *edition,
    void (*fn)(const struct journal_delivery *d, void *arg), void *arg,
    char *err)
{
	struct journal_delivery d;
	sqlite3_stmt *st;
	int rc;

	st = db_prepare(db, "SELECT s.email, d.status, d.attempts, d.code, "
	    "d.reply, d.queue_id, d.message_id, d.updated, d.next_try, "
	    "d.sending, d.in_doubt FROM delivery d "
	    "JOIN subscriber s ON s.id = d.subscriber_id "
	    "WHERE d.edition_id = ?1 ORDER BY s.email", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, edition, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		d.email = (const char *)sqlite3_column_text(st, 0);
		d.status = (const char *)sqlite3_column_text(st, 1);
		d.attempts = sqlite3_column_int(st, 2);
		d.code = sqlite3_column_int(st, 3);
		d.reply = (const char *)sqlite3_column_text(st, 4);
		d.queue_id = (const char *)sqlite3_column_text(st, 5);
		d.message_id = (const char *)sqlite3_column_text(st, 6);
		d.updated = sqlite3_column_int64(st, 7);
		d.next_try = sqlite3_column_int64(st, 8);
		d.sending = (const char *)sqlite3_column_text(st, 9);
		d.in_doubt = (const char *)sqlite3_column_text(st, 10);
		fn(&d, arg);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : db_err(db, err, "reading deliveries");
}
