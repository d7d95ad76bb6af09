/*
 * journal: the editions and, for each one, who got it.
 *
 * An edition is created once, with its article set frozen (the articles
 * of its window, recorded in edition_article), so that a resumed or
 * repeated send delivers the same content. It has a row per confirmed
 * subscriber in delivery: pending, then sent (after the server's 250 to
 * the final dot), deferred (to try again: attempts, next try), failed
 * (refused for good, with the server's reply) or skipped (nothing for
 * them). A send records results in small transactions between messages
 * and never holds one across network I/O.
 *
 * Only one process sends an edition at a time: the edition row holds a
 * lock (owner, pid, host, heartbeat) taken and renewed in the database,
 * so it cannot outlive its process for long: a lock whose heartbeat is
 * older than JOURNAL_LOCK_STALE seconds, or whose pid on this host is
 * gone, may be taken over.
 */
#ifndef DIGEST_JOURNAL_H
#define DIGEST_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

struct sqlite3;

#define JOURNAL_LOCK_STALE 60
#define JOURNAL_OWNER_MAX 64

enum journal_status {
	JOURNAL_PENDING = 0,
	JOURNAL_SENT,
	JOURNAL_DEFERRED,
	JOURNAL_FAILED,
	JOURNAL_SKIPPED,
	JOURNAL_NSTATUS
};

const char *journal_status_name(enum journal_status st);

struct journal_edition {
	char id[32];
	int64_t created;
	int64_t since;
	int64_t until;
	int64_t slot;		/* 0: not made by the schedule */
	char status[16];	/* open, done, skipped */
	char note[256];
	size_t articles;	/* in its frozen set */
	size_t count[JOURNAL_NSTATUS];	/* deliveries by status */
	size_t sending;		/* handed to the server, not yet recorded */
	size_t in_doubt;	/* a stopped run may have delivered them */
};

/*
 * Creates the edition id with its article set frozen, unless it exists:
 * 1 created, 0 existed (nothing changed), -1 error. Its set is the
 * articles published in its window [since, until) and, so that no story
 * falls between two editions, those stored after the previous edition
 * was made (skipped ones aside) that were published within max_age
 * seconds before until (0: none such). The first edition takes its
 * window only. A scheduled edition (slot not 0) takes no article an
 * earlier scheduled one took: a story its feed dated anew (an update)
 * is not sent twice.
 */
int journal_edition_create(struct sqlite3 *db, const char *id, int64_t since,
    int64_t until, int64_t slot, int64_t now, int64_t max_age, char *err);

/* Article ids, ascending; v owned (journal_ids_release). */
struct journal_ids {
	int64_t *v;
	size_t n;
};

void journal_ids_release(struct journal_ids *ids);

/*
 * The articles journal_edition_create would take now, with the same
 * arguments, into ids (initialized here): the one reading of an
 * edition's eligibility, which creating an edition and previewing one
 * not made yet (due.h, due_next) share. Writes nothing. 0, or -1 with
 * err (ids empty).
 */
int journal_edition_eligible(struct sqlite3 *db, int64_t since,
    int64_t until, int64_t slot, int64_t max_age, struct journal_ids *ids,
    char *err);

/* The highest article id stored when the latest edition that was not
 * skipped was made, into *mark: 1, 0 when there is none, -1 error. An
 * article above it came after that edition. */
int journal_article_mark(struct sqlite3 *db, int64_t *mark, char *err);

/* Records an edition that is not sent (too few new articles): status
 * skipped, with note. 1 created, 0 existed, -1 error. */
int journal_edition_skip(struct sqlite3 *db, const char *id, int64_t since,
    int64_t until, int64_t slot, int64_t now, const char *note, char *err);

/* Fills e: 1 found, 0 absent, -1 error. */
int journal_edition_get(struct sqlite3 *db, const char *id,
    struct journal_edition *e, char *err);

/* The most recent edition (by created), for schedules: 1, 0 none, -1. */
int journal_edition_last(struct sqlite3 *db, struct journal_edition *e,
    char *err);

/* Calls fn for every edition, newest first. 0, or -1 with err. */
int journal_edition_each(struct sqlite3 *db,
    void (*fn)(const struct journal_edition *e, void *arg), void *arg,
    char *err);

void journal_edition_mark(struct sqlite3 *db, const char *id,
    const char *status);

/*
 * The lock. owner is the run's id (random). Returns 1 taken, 0 held by
 * another live run (holder describes it: "pid 123 on host x since ..."),
 * -1 error.
 */
int journal_lock(struct sqlite3 *db, const char *edition, const char *owner,
    int64_t now, char *holder, size_t holder_size, char *err);
void journal_unlock(struct sqlite3 *db, const char *edition,
    const char *owner);

/* Adds a pending delivery for every confirmed subscriber who has none
 * yet (people who confirmed after the edition began are included on the
 * next run), with their topics as they are now: their message is built
 * from those. Returns how many were added, or -1. */
int64_t journal_deliveries_add(struct sqlite3 *db, const char *edition,
    char *err);

/* Turns failed deliveries back into pending ones (--retry-failed).
 * Returns how many, or -1. */
int64_t journal_retry_failed(struct sqlite3 *db, const char *edition,
    char *err);

/* One delivery to make: the subscriber's id and what is needed to build
 * their message. Strings owned by the item. */
struct journal_item {
	int64_t subscriber_id;
	char *email;
	char *name;
	char *tags;		/* joined by ARTICLE_TAG_SEP */
	char *unsubscribe_token;
	char *preferences_token;
	int attempts;
	int confirmed;		/* 0: no longer confirmed: skip */
};

void journal_item_release(struct journal_item *it);

/* The topics subscriber had when their delivery of edition was made,
 * joined by ARTICLE_TAG_SEP: 1 (an allocated string in *tags, caller
 * frees), 0 no such delivery, -1 error. */
int journal_delivery_tags(struct sqlite3 *db, const char *edition,
    int64_t subscriber_id, char **tags, char *err);

/* Whether subscriber is still confirmed (a run reads its readers ahead
 * of sending; an unsubscription may come in between): 1, 0, -1 error. */
int journal_subscriber_confirmed(struct sqlite3 *db, int64_t subscriber_id,
    char *err);

/* The status of subscriber's delivery of edition ("sent", "failed"...)
 * in status: 1, 0 no such delivery (status ""), -1 error. */
int journal_delivery_status(struct sqlite3 *db, const char *edition,
    int64_t subscriber_id, char status[16], char *err);

/* What journal_next returns besides the deliveries to make now: what a
 * send would add first, for a dry run, which writes nothing. */
#define JOURNAL_NEXT_UNLISTED 1	/* confirmed subscribers with no
				 * delivery yet (journal_deliveries_add) */
#define JOURNAL_NEXT_FAILED 2	/* failed ones (journal_retry_failed) */

/* Up to max deliveries still to make (pending, or deferred and due at
 * now, and what flags add), with subscriber ids above after, in id
 * order: the send streams through the journal in chunks. Fills items
 * (caller releases each) and returns the count, or -1. */
int journal_next(struct sqlite3 *db, const char *edition, int64_t after,
    int64_t now, int flags, struct journal_item *items, size_t max,
    char *err);

/* The earliest next try of a deferred delivery (wall clock), or 0 when
 * none is deferred. */
int64_t journal_next_due(struct sqlite3 *db, const char *edition);

/*
 * A result to record; or, with sending, the mark that a message is about
 * to be handed to the server (message_id says which; the status stays);
 * or, with keep, only the clearing of that mark: the message never
 * reached the server (the run stopped first) and the delivery stays as
 * it was. A result clears the mark. A mark still there when a run takes
 * the edition was left by a run that stopped with the message in
 * flight: the server may have accepted it (journal_in_doubt).
 */
struct journal_result {
	int64_t subscriber_id;
	int sending;
	int keep;
	enum journal_status status;
	int code;
	const char *reply;	/* may be NULL */
	const char *queue_id;	/* may be NULL */
	const char *message_id;	/* may be NULL */
	int64_t next_try;	/* for deferred */
};

/*
 * Records n results in one transaction; with beat, also renews the lock
 * (the run must still own it: -1 with err otherwise). A run beats every
 * few seconds, not for every result. A result that says something about
 * its subscriber (journal_outcomes_take) is kept for the subscriber
 * store to take. Returns 0 or -1.
 */
int journal_record(struct sqlite3 *db, const char *edition,
    const char *owner, int beat, const struct journal_result *r, size_t n,
    int64_t now, char *err);

/*
 * What deliveries say about their subscribers, which the journal does
 * not change (store.h does): a message delivered; a hard bounce (the
 * server refused the mailbox for good: 550 to 553).
 */
enum journal_outcome_kind {
	JOURNAL_OUTCOME_DELIVERED = 0,
	JOURNAL_OUTCOME_BOUNCED,
};

/* One outcome; strings borrowed for the call. */
struct journal_outcome {
	int64_t subscriber_id;
	const char *edition;
	enum journal_outcome_kind kind;
	int code;
	const char *reply;	/* may be NULL */
	int64_t updated;	/* when it was recorded */
};

/*
 * Calls fn for each outcome not taken yet, oldest first, then marks them
 * all taken: each is taken once. The caller holds the transaction
 * (db_begin), so that what fn changes and the marks commit together; a
 * run that stops before its commit leaves them to the next. fn returns
 * 0, or -1 with err, which stops. Returns how many, or -1 with err.
 */
int64_t journal_outcomes_take(struct sqlite3 *db,
    int (*fn)(const struct journal_outcome *o, void *arg, char *err),
    void *arg, char *err);

/*
 * The messages a stopped run had handed to the server without recording
 * a result: the server may have accepted them, and the reader, who is
 * sent the edition again, may get two copies. Calls fn for each, then
 * moves its Message-ID from sending to in_doubt (kept for editions show)
 * in one transaction. Run by the run holding the lock. Returns how
 * many, or -1.
 */
int64_t journal_in_doubt(struct sqlite3 *db, const char *edition,
    void (*fn)(const char *email, const char *message_id, void *arg),
    void *arg, char *err);

/* Calls fn for each delivery of an edition, by subscriber address. */
struct journal_delivery {
	const char *email;
	const char *status;
	int attempts;
	int code;		/* 0 when none */
	const char *reply;	/* may be NULL */
	const char *queue_id;
	const char *message_id;
	const char *sending;	/* NULL, or the Message-ID in flight */
	const char *in_doubt;	/* NULL, or Message-IDs a stopped run may
				 * have delivered, space separated */
	int64_t updated;
	int64_t next_try;
};
int journal_delivery_each(struct sqlite3 *db, const char *edition,
    void (*fn)(const struct journal_delivery *d, void *arg), void *arg,
    char *err);

#endif
