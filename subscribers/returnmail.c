#include "returnmail.h"
#include "addr.h"
#include "bounces.h"
#include "config.h"
#include "date.h"
#include "db.h"
#include "edition.h"
#include "inbound.h"
#include "store.h"
#include "util.h"
#include "verp.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum rm_disposition { RM_DONE = 0, RM_OTHER, RM_KEEP };

static const char *const rm_dispositions[] = { "done", "other", "keep" };

/* One message of a batch: what it is, whom it is about, what to do. */
struct rm_item {
	struct mailbox_msg msg;
	struct inbound in;
	int64_t subscriber_id;		/* 0: nobody */
	char email[ADDR_MAX + 1];
	char edition[EDITION_ID_MAX];
	const char *result;		/* static */
	int apply;			/* 1: record an event */
	enum bounces_kind kind;
	enum rm_disposition disp;
};

struct rm_run {
	struct sqlite3 *db;
	const struct config *c;
	struct mailbox *m;
	struct verp_key key;
	struct inbound_addrs addrs;
	struct bounces_policy policy;
	int64_t now;
	struct rm_item *items;		/* owned: the batch */
	size_t nitems;
	struct mailbox_msg *done;	/* owned: to move to mailbox_done */
	size_t ndone, done_cap;
	struct mailbox_msg *other;	/* owned: to move to mailbox_other */
	size_t nother, other_cap;
	struct returnmail_stats *stats;
	returnmail_log_fn log;
	void *arg;
	char err[ERR_LEN];
	int failed;			/* a database error in a callback */
};

/* ---- whom a message is about ------------------------------------------- */

/* The subscriber's address: 1 found, 0 gone, -1 error. */
static int
rm_subscriber_email(struct rm_run *r, int64_t id, char *email)
{
	sqlite3_stmt *st;
	int rc;

	st = db_prepare(r->db, "SELECT email FROM subscriber WHERE id = ?1",
	    r->err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(email, ADDR_MAX + 1, "%s",
		    (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_err(r->db, r->err, "reading a subscriber");
	return rc == SQLITE_ROW;
}

/* Whether that reader was sent that edition: 1, 0, -1. */
static int
rm_was_sent(struct rm_run *r, const char *edition, int64_t id)
{
	sqlite3_stmt *st;
	int rc;

	st = db_prepare(r->db, "SELECT 1 FROM delivery WHERE edition_id = ?1 "
	    "AND subscriber_id = ?2", r->err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, edition, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_err(r->db, r->err, "reading the journal");
	return rc == SQLITE_ROW;
}

/*
 * The reader the message's valid tokens name (with recipient_only,
 * only tokens in its recipient fields): 1 with it->subscriber_id and
 * it->edition set, 0 with it->result saying why not, -1 error.
 */
static int
rm_by_token(struct rm_run *r, struct rm_item *it, int recipient_only)
{
	int64_t e, s, edition_n = 0, sub = 0;
	size_t i, valid = 0, seen = 0;
	int rc;

	for (i = 0; i < it->in.ntokens; i++) {
		const struct inbound_token *t = &it->in.tokens[i];

		if (recipient_only && !t->in_recipient)
			continue;
		seen++;
		if (!verp_token_read(&r->key, t->kind, t->text, strlen(t->text),
		    &e, &s))
			continue;
		if (valid > 0 && s != sub) {
			it->result = "tokens of several readers";
			return 0;
		}
		valid++;
		sub = s;
		edition_n = e;
	}
	if (valid == 0) {
		it->result = seen > 0 ? "forged token" : "no token";
		return 0;
	}
	if ((rc = verp_edition_id(r->db, edition_n, it->edition,
	    sizeof(it->edition), r->err)) != 1) {
		it->result = "token for an unknown edition";
		return rc;
	}
	if ((rc = rm_subscriber_email(r, sub, it->email)) != 1) {
		it->result = "not a subscriber";
		return rc;
	}
	if ((rc = rm_was_sent(r, it->edition, sub)) != 1) {
		it->result = "token for a message never sent";
		return rc;
	}
	it->subscriber_id = sub;
	return 1;
}

/* The subscriber who wrote it (From): 1, 0 (it->result), -1. */
static int
rm_by_from(struct rm_run *r, struct rm_item *it)
{
	struct store_subscriber s;
	char norm[ADDR_MAX + 1], e[ERR_LEN];
	int rc;

	if (addr_from_text(it->in.from, strlen(it->in.from), norm, e) == -1) {
		it->result = "no valid From address";
		return 0;
	}
	store_subscriber_init(&s);
	rc = store_subscriber_find(r->db, norm, &s, r->err);
	if (rc == 1) {
		it->subscriber_id = s.id;
		snprintf(it->email, sizeof(it->email), "%s", s.email);
	} else if (rc == 0) {
		it->result = "not a subscriber";
	}
	store_subscriber_release(&s);
	return rc;
}

/* Decides what to do with a classified message. -1 on a database
 * error only. */
static int
rm_decide(struct rm_run *r, struct rm_item *it)
{
	const struct inbound *in = &it->in;
	int rc = 0;

	it->disp = RM_OTHER;
	switch (in->kind) {
	case INBOUND_BOUNCE:
		r->stats->bounces++;
		if (in->severity == INBOUND_NONE) {
			it->result = "ignored";
			it->disp = RM_DONE;
			return 0;
		}
		rc = rm_by_token(r, it, 0);
		it->kind = in->severity == INBOUND_SOFT ? BOUNCES_SOFT :
		    BOUNCES_HARD;
		break;
	case INBOUND_COMPLAINT:
		r->stats->complaints++;
		rc = rm_by_token(r, it, 0);
		it->kind = BOUNCES_COMPLAINT;
		break;
	case INBOUND_UNSUBSCRIBE:
		r->stats->unsubscribes++;
		rc = in->by_from ? rm_by_from(r, it) : rm_by_token(r, it, 1);
		it->kind = BOUNCES_UNSUBSCRIBE;
		break;
	case INBOUND_AUTOREPLY:
		r->stats->autoreplies++;
		it->result = "ignored";
		it->disp = RM_DONE;
		return 0;
	default:
		r->stats->other++;
		it->result = "left for a person";
		return 0;
	}
	if (rc == 1) {
		it->apply = 1;
		it->disp = RM_DONE;
	}
	return rc == -1 ? -1 : 0;
}

/* ---- a batch ----------------------------------------------------------- */

static void
rm_fetched(const struct mailbox_msg *msg, const char *data, size_t len,
    void *arg)
{
	struct rm_run *r = arg;
	struct rm_item *it;

	if (r->failed)
		return;
	it = &r->items[r->nitems++];
	memset(it, 0, sizeof(*it));
	it->msg = *msg;
	inbound_classify(data, len, &r->addrs, &it->in);
	r->stats->read++;
	if (rm_decide(r, it) == -1)
		r->failed = 1;
}

static int
rm_seen_put(struct rm_run *r, const struct rm_item *it)
{
	sqlite3_stmt *st;
	int rc;

	st = db_prepare(r->db, "INSERT OR IGNORE INTO mailbox_seen (account, "
	    "uidvalidity, uid, result, disposition, seen) VALUES (?1, ?2, ?3, "
	    "?4, ?5, ?6)", r->err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, r->m->account, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, r->m->uidvalidity);
	sqlite3_bind_text(st, 3, it->msg.key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, it->result, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, rm_dispositions[it->disp], -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, r->now);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : db_err(r->db, r->err,
	    "recording a message of the mailbox");
}

/* The event a message makes, keyed by its Message-ID (or, without one,
 * by its place in the mailbox). */
static int
rm_apply(struct rm_run *r, struct rm_item *it)
{
	struct bounces_event ev;
	enum bounces_outcome out;
	char msgid[MAILBOX_ACCOUNT_MAX + MAILBOX_KEY_MAX + 32];

	if (*it->in.message_id != '\0')
		snprintf(msgid, sizeof(msgid), "%s", it->in.message_id);
	else
		snprintf(msgid, sizeof(msgid), "%s;%u;%s", r->m->account,
		    (unsigned)r->m->uidvalidity, it->msg.key);
	memset(&ev, 0, sizeof(ev));
	ev.subscriber_id = it->subscriber_id;
	ev.edition = *it->edition ? it->edition : NULL;
	ev.kind = it->kind;
	ev.unknown_user = it->in.severity == INBOUND_UNKNOWN_USER;
	ev.status = it->in.status;
	ev.action = it->in.action;
	ev.diagnostic = it->in.diagnostic;
	ev.message_id = msgid;
	ev.received = r->now;
	if (bounces_record(r->db, &ev, &r->policy, &out, r->err) == -1)
		return -1;
	if (out == BOUNCES_SUPPRESSED) {
		r->stats->suppressed++;
		it->result = it->kind == BOUNCES_HARD ||
		    it->kind == BOUNCES_SOFT ? "bounced" : "unsubscribed";
	} else {
		it->result = out == BOUNCES_COUNTED ? "counted" :
		    out == BOUNCES_SEEN ? "seen before" : "recorded";
	}
	return 0;
}

static int
rm_commit(struct rm_run *r)
{
	size_t i;

	if (r->nitems == 0)
		return 0;
	if (db_begin(r->db, r->err) == -1)
		return -1;
	for (i = 0; i < r->nitems; i++)
		if ((r->items[i].apply && rm_apply(r, &r->items[i]) == -1) ||
		    rm_seen_put(r, &r->items[i]) == -1) {
			db_rollback(r->db);
			return -1;
		}
	if (db_commit(r->db, r->err) == -1) {
		db_rollback(r->db);
		return -1;
	}
	return 0;
}

static void
rm_log(struct rm_run *r, const struct rm_item *it)
{
	struct returnmail_event e;

	if (r->log == NULL)
		return;
	memset(&e, 0, sizeof(e));
	e.key = it->msg.key;
	e.kind = inbound_kind_name(it->in.kind);
	e.why = it->in.why;
	e.email = *it->email ? it->email : NULL;
	e.edition = *it->edition ? it->edition : NULL;
	e.status = *it->in.status ? it->in.status : NULL;
	e.result = it->result;
	e.disposition = rm_dispositions[it->disp];
	r->log(&e, r->arg);
}

/* Where a message goes once recorded. */
static void
rm_route(struct rm_run *r, const struct mailbox_msg *msg,
    enum rm_disposition d)
{
	if (d == RM_DONE) {
		xgrow(&r->done, &r->done_cap, r->ndone + 1, sizeof(*r->done));
		r->done[r->ndone++] = *msg;
	} else if (d == RM_OTHER) {
		xgrow(&r->other, &r->other_cap, r->nother + 1,
		    sizeof(*r->other));
		r->other[r->nother++] = *msg;
	}
}

/* What becomes of mail for a person: moved to mailbox_other when there
 * is one and the protocol can, else left. */
static enum rm_disposition
rm_other_disposition(const struct rm_run *r)
{
	return r->m->can_move && *r->c->mailbox_other != '\0' ? RM_OTHER :
	    RM_KEEP;
}

static int
rm_batch(struct rm_run *r, const struct mailbox_msg *v, size_t n,
    char *err)
{
	size_t i;

	r->nitems = 0;
	if (r->m->fetch(r->m, v, n, rm_fetched, r, err) == -1)
		return -1;
	if (r->failed || rm_commit(r) == -1) {
		r->m->failure = MAILBOX_FAIL_TEMP;
		return util_err(err, "%s", r->err);
	}
	for (i = 0; i < r->nitems; i++) {
		struct rm_item *it = &r->items[i];

		if (it->disp == RM_OTHER)
			it->disp = rm_other_disposition(r);
		rm_log(r, it);
		rm_route(r, &it->msg, it->disp);
	}
	return 0;
}

/* ---- the pass --------------------------------------------------------- */

/* Where an earlier run left the message with this key: its disposition,
 * or -1 when it is new (-2 on a database error). */
static int
rm_seen_get(struct rm_run *r, const char *key)
{
	sqlite3_stmt *st;
	const char *d;
	int rc, out = -1, k;

	st = db_prepare(r->db, "SELECT disposition FROM mailbox_seen WHERE "
	    "account = ?1 AND uidvalidity = ?2 AND uid = ?3", r->err);
	if (st == NULL)
		return -2;
	sqlite3_bind_text(st, 1, r->m->account, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, r->m->uidvalidity);
	sqlite3_bind_text(st, 3, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		d = (const char *)sqlite3_column_text(st, 0);
		for (k = 0; k < 3; k++)
			if (d != NULL && strcmp(d, rm_dispositions[k]) == 0)
				out = k;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		db_err(r->db, r->err, "reading the mailbox's record");
		return -2;
	}
	return out;
}

/* Reads the new messages of v in batches; routes the known ones. */
static int
rm_pass(struct rm_run *r, const struct mailbox_msg *v, size_t n, char *err)
{
	struct mailbox_msg *fresh = xmalloc((n ? n : 1) * sizeof(*fresh));
	size_t i, nfresh = 0, start, bytes;
	int d, rc = 0;

	for (i = 0; i < n; i++) {
		if ((d = rm_seen_get(r, v[i].key)) == -2) {
			free(fresh);
			r->m->failure = MAILBOX_FAIL_TEMP;
			return util_err(err, "%s", r->err);
		}
		if (d == -1) {
			fresh[nfresh++] = v[i];
			continue;
		}
		r->stats->again++;
		rm_route(r, &v[i], d == RM_DONE ? RM_DONE :
		    rm_other_disposition(r));
	}
	r->items = xmalloc(RETURNMAIL_BATCH * sizeof(*r->items));
	for (start = 0; start < nfresh && rc == 0; start = i) {
		for (i = start, bytes = 0; i < nfresh && i - start <
		    RETURNMAIL_BATCH && (i == start || bytes +
		    fresh[i].size < RETURNMAIL_BATCH_BYTES); i++)
			bytes += fresh[i].size < MAILBOX_FETCH_MAX ?
			    fresh[i].size : MAILBOX_FETCH_MAX;
		rc = rm_batch(r, fresh + start, i - start, err);
		/* Move as we go: a batch recorded is a batch that may go. */
		if (rc == 0)
			rc = r->m->dispose(r->m, r->done, r->ndone,
			    r->m->can_move ? r->c->mailbox_done : NULL, err);
		if (rc == 0)
			rc = r->m->dispose(r->m, r->other, r->nother,
			    r->c->mailbox_other, err);
		r->ndone = r->nother = 0;
	}
	/* The ones known before, when there was nothing new to read. */
	if (rc == 0)
		rc = r->m->dispose(r->m, r->done, r->ndone, r->m->can_move ?
		    r->c->mailbox_done : NULL, err);
	if (rc == 0)
		rc = r->m->dispose(r->m, r->other, r->nother,
		    r->c->mailbox_other, err);
	free(r->items);
	r->items = NULL;
	free(fresh);
	return rc;
}

/* Forgets the keys of messages that have left the folder: the record
 * only guards a message until it is moved or deleted. */
static int
rm_forget_gone(struct rm_run *r, const struct mailbox_msg *v, size_t n)
{
	sqlite3_stmt *st;
	size_t i;

	if (db_begin(r->db, r->err) == -1 || db_exec(r->db,
	    "CREATE TEMP TABLE IF NOT EXISTS mailbox_now (uid TEXT PRIMARY KEY)",
	    r->err) == -1 || db_exec(r->db, "DELETE FROM mailbox_now",
	    r->err) == -1)
		goto fail;
	if ((st = db_prepare(r->db, "INSERT OR IGNORE INTO mailbox_now VALUES "
	    "(?1)", r->err)) == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		sqlite3_bind_text(st, 1, v[i].key, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_reset(st);
			db_err(r->db, r->err, "recording the mailbox");
			goto fail;
		}
		sqlite3_reset(st);
	}
	if ((st = db_prepare(r->db, "DELETE FROM mailbox_seen WHERE account = "
	    "?1 AND (uidvalidity != ?2 OR uid NOT IN (SELECT uid FROM "
	    "mailbox_now))", r->err)) == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, r->m->account, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, r->m->uidvalidity);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_reset(st);
		db_err(r->db, r->err, "recording the mailbox");
		goto fail;
	}
	sqlite3_reset(st);
	return db_commit(r->db, r->err);
fail:
	db_rollback(r->db);
	return -1;
}

static void
rm_setup(struct rm_run *r, struct sqlite3 *db, const struct config *c,
    struct returnmail_stats *stats)
{
	memset(r, 0, sizeof(*r));
	memset(stats, 0, sizeof(*stats));
	r->db = db;
	r->c = c;
	r->stats = stats;
	r->now = date_now();
	r->addrs.bounce = c->return_path;
	r->addrs.unsubscribe = c->unsubscribe_mailto;
	r->policy.limit = c->bounce_limit;
	r->policy.limit_unknown = c->bounce_limit_unknown;
	r->policy.window_days = c->bounce_window;
}

int
returnmail_fetch(struct sqlite3 *db, const struct config *c,
    const char *password, returnmail_log_fn log, void *arg,
    struct returnmail_stats *stats, enum mailbox_failure *failure,
    char *err)
{
	struct mailbox_opts o;
	struct mailbox_msg *v = NULL;
	struct rm_run r;
	size_t n = 0;
	int rc;

	rm_setup(&r, db, c, stats);
	r.log = log;
	r.arg = arg;
	*failure = MAILBOX_FAIL_CONFIG;
	if (*c->mailbox_url == '\0')
		return util_err(err, "mailbox_url is not set");
	*failure = MAILBOX_FAIL_TEMP;
	if (verp_key_load(db, &r.key, err) == -1)
		return -1;
	memset(&o, 0, sizeof(o));
	o.url = c->mailbox_url;
	o.tls = c->mailbox_tls;
	o.user = c->mailbox_user;
	o.password = password;
	o.cafile = c->mailbox_cafile;
	o.timeout = c->mailbox_timeout;
	if ((r.m = mailbox_open(&o, failure, err)) == NULL)
		return -1;
	rc = r.m->list(r.m, &v, &n, err);
	stats->messages = n;
	if (rc == 0)
		rc = rm_pass(&r, v, n, err);
	if (rc == -1)
		*failure = r.m->failure;
	/* What was listed before and is gone now is forgotten; the keys
	 * of what this run moved or deleted go with the next run's list. */
	if (rc == 0 && rm_forget_gone(&r, v, n) == -1) {
		*failure = MAILBOX_FAIL_TEMP;
		rc = util_err(err, "%s", r.err);
	}
	if (mailbox_close(r.m, rc == 0 ? err : NULL) == -1 && rc == 0) {
		*failure = MAILBOX_FAIL_TEMP;
		rc = -1;
	}
	free(v);
	free(r.done);
	free(r.other);
	return rc;
}
