/*
 * bounces: what came back about a subscriber through the return mailbox
 * (bounces, complaints, mailed unsubscribes), the bounce policy, and the
 * status changes they make (issue 17).
 *
 * Each event is a row of table bounce, kept once per message that said
 * it (a message read twice, say after the mailbox's UIDVALIDITY changed,
 * changes nothing the second time).
 *
 * The policy, over the events since the subscriber last confirmed:
 *  - a complaint or a mailed unsubscribe unsubscribes at once;
 *  - hard bounces that say the address does not exist (5.1.1 and the
 *    like), on limit_unknown distinct editions (default 1), mark the
 *    subscriber bounced;
 *  - otherwise the distinct editions with a hard bounce, or with a soft
 *    one (4.x.x, delayed, mailbox full) received within the last
 *    window_days, are counted: limit of them (default 3) mark the
 *    subscriber bounced. Soft bounces older than the window no longer
 *    count: they decay.
 * Bounced, complained and unsubscribed subscribers get no mail (only
 * confirmed ones do) until a new double opt-in confirms them again,
 * which also starts the count afresh.
 *
 * Every status change goes through one function here,
 * bounces_suppress(), which also writes the consent log (store.h): a
 * complaint makes the subscriber 'complained', a mailed unsubscribe
 * 'unsubscribed', bounces past the policy 'bounced'.
 */
#ifndef DIGEST_BOUNCES_H
#define DIGEST_BOUNCES_H

#include <stddef.h>
#include <stdint.h>

struct sqlite3;

enum bounces_kind {
	BOUNCES_HARD = 0,
	BOUNCES_SOFT,
	BOUNCES_COMPLAINT,
	BOUNCES_UNSUBSCRIBE,
	BOUNCES_NKINDS
};

const char *bounces_kind_name(enum bounces_kind k);

struct bounces_event {
	int64_t subscriber_id;
	const char *edition;	/* NULL: none (an unsubscribe by subject) */
	enum bounces_kind kind;
	int unknown_user;	/* a hard bounce: no such address */
	const char *status;	/* "5.1.1", may be NULL */
	const char *action;	/* may be NULL */
	const char *diagnostic;	/* the server's words, may be NULL */
	const char *message_id;	/* of the message that said it */
	int64_t received;
};

struct bounces_policy {
	long limit;		/* bounce_limit */
	long limit_unknown;	/* bounce_limit_unknown */
	long window_days;	/* bounce_window */
};

enum bounces_outcome {
	BOUNCES_SEEN = 0,	/* that message was recorded before */
	BOUNCES_COUNTED,	/* recorded, below the limit */
	BOUNCES_SUPPRESSED,	/* recorded; the subscriber is now bounced
				 * or unsubscribed */
	BOUNCES_UNCHANGED,	/* recorded; the subscriber was not
				 * receiving mail anyway */
};

const char *bounces_outcome_name(enum bounces_outcome o);

/* Records ev and applies the policy; the caller holds the transaction
 * (db_begin), so that the event, the change and the caller's own record
 * of the message commit together. 0 with *out, or -1 with err. */
int bounces_record(struct sqlite3 *db, const struct bounces_event *ev,
    const struct bounces_policy *p, enum bounces_outcome *out, char *err);

/* The one place a subscriber's status changes because of the return
 * mailbox, for ev: to 'bounced' (a hard or soft bounce), 'complained'
 * or 'unsubscribed' (store.h's suppressed statuses, which only a new
 * double opt-in lifts), from confirmed or pending, with an entry in
 * their consent log. 1 changed, 0 nothing to change, -1 error. */
int bounces_suppress(struct sqlite3 *db, const struct bounces_event *ev,
    char *err);

/* One recorded event, for `digest bounces`; strings borrowed for the
 * call. */
struct bounces_row {
	const char *email;
	const char *subscriber_status;	/* now */
	const char *kind;
	const char *edition;		/* may be NULL */
	const char *status;		/* may be NULL */
	const char *diagnostic;		/* may be NULL */
	const char *applied;		/* "bounced", "unsubscribed" or NULL */
	int64_t received;
};

/* Calls fn for every event, newest first. 0, or -1 with err. */
int bounces_each(struct sqlite3 *db,
    void (*fn)(const struct bounces_row *r, void *arg), void *arg,
    char *err);

/* Subscribers with at least one event of each kind for an edition. */
struct bounces_counts {
	size_t n[BOUNCES_NKINDS];
};

int bounces_edition_counts(struct sqlite3 *db, const char *edition,
    struct bounces_counts *c, char *err);

#endif
