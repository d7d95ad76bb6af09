/*
 * send: one edition to every confirmed subscriber, exactly once.
 *
 * The journal (journal.h) says who is still to get it. Messages are
 * built one reader at a time from the edition's frozen articles and
 * handed to the transport, which may keep several in flight. Results are
 * recorded after each wait for the transport and before the next message
 * of a connection ends, so a run killed at any moment leaves at most one
 * message per connection that the server accepted but the journal does
 * not know. Each message is marked in flight before it is handed over,
 * in a commit that is on disk (fsynced) first: a kill or a power loss
 * leaves every message the server may have marked, and the next run
 * names each one (send_event.in_doubt) before it sends that reader the
 * edition again. When the disk is slow to sync, a few messages are
 * marked per commit, so the report may name a few more than were sent.
 *
 * A failure belongs to whoever the transport says it does (transport.h,
 * enum transport_fault), never to a guess made here from a code:
 *  - one reader's: their message could not be built, or the server
 *    refused it (5xx to RCPT or DATA, too big, an address it cannot
 *    carry): failed, with the reason; 4xx and lost connections: deferred,
 *    tried again in this run after a short backoff while the run's retry
 *    window lasts, else by the next run. The run goes on. "Slow down"
 *    replies also halve the sending rate. A 550 to 553 is a hard bounce,
 *    which the journal keeps for the subscriber store to count
 *    (journal_outcomes_take; store.h, store_deliveries_apply).
 *  - the run's: the store, a setting (TLS, the login, the sender), a
 *    server that refuses connections or gives no reply to message after
 *    message. The run stops: it withdraws what the server has not begun,
 *    collects and records every message already handed over, and marks
 *    nobody for it.
 */
#ifndef DIGEST_SEND_H
#define DIGEST_SEND_H

#include <stddef.h>
#include <stdint.h>

#include "edition.h"
#include "journal.h"
#include "transport.h"

struct sqlite3;

#define SEND_RETRY_WINDOW 60	/* seconds a run waits for deferred ones */
#define SEND_MAX_TRIES 4	/* tries of one message within a run */

struct send_opts {
	double rate;		/* messages per second; 0 = no limit */
	int retry_failed;	/* failed ones are tried again */
	int retry_window;	/* seconds; 0 = SEND_RETRY_WINDOW, -1 none */
	int send_empty;		/* readers with no article get mail too */
};

/* One reader's outcome, for the log line and the progress; or, with
 * in_doubt, a message an earlier run left in flight (journal_in_doubt),
 * reported before this run sends the reader the edition again. */
struct send_event {
	const char *to;
	int in_doubt;
	enum journal_status status;
	int code;		/* SMTP reply code; 0 none */
	const char *reply;
	const char *queue_id;
	const char *message_id;
	size_t articles;
	size_t bytes;		/* the message's, in a dry run */
	double ms;
};

struct send_report {
	size_t sent;
	size_t deferred;	/* still deferred when the run ended */
	size_t failed;
	size_t skipped;
	size_t in_doubt;	/* left in flight by a stopped run */
	size_t left;		/* known still to do, for progress */
	double rate;		/* the sending rate now, 0 = no limit */
	double elapsed;		/* seconds */
};

typedef void (*send_log_fn)(const struct send_event *ev,
    const struct send_report *rep, void *arg);

enum send_status {
	SEND_OK = 0,
	SEND_ERROR,		/* the store failed: err says */
	SEND_LOCKED,		/* another run is sending it: err says who */
	SEND_SETTING,		/* no message can go until a setting is
				 * changed: err names it and the fix */
	SEND_STOPPED,		/* no message can go now (the server refuses
				 * connections, the outbox is full): a later
				 * run may succeed */
	SEND_UNREACHABLE,	/* no reply from the server, again and again:
				 * the run stopped, the rest are left */
};

/* The options c sets: smtp_rate, send_empty and retry_window; the
 * rest zero. */
struct config;
void send_opts_from_config(struct send_opts *o, const struct config *c);

/*
 * Sends edition e (which must exist in the journal: journal_edition_
 * create) through t; the run takes the edition's lock. log is called for
 * every reader's outcome. Fills rep and returns SEND_OK, or another
 * status with err; the journal is consistent either way.
 */
enum send_status send_edition(struct sqlite3 *db, struct edition *e,
    struct transport *t, const struct send_opts *o, send_log_fn log,
    void *arg, struct send_report *rep, char *err);

/* Builds one reader's message (their articles from the edition's frozen
 * set) into m: 1 built, 0 nothing to send them (no article and
 * send_empty off), -1 the message cannot be built (the reader's fault:
 * err says why), -2 the store failed (err). */
int send_build(struct sqlite3 *db, struct edition *e,
    const struct edition_reader *r, int send_empty, struct edition_message *m,
    size_t *articles, char *err);

/*
 * What send_edition would do now, doing none of it: the same pass over
 * the journal (journal_next, with the readers send_edition would add
 * first: confirmed ones without a delivery, and with o->retry_failed
 * the failed ones), each reader's message built as it would be, or
 * their skip or failure decided as it would be; nothing delivered,
 * nothing recorded, no lock taken. log gets one event per reader:
 * status sent (built: bytes), skipped or failed (reply says why). e
 * need not be in the journal. Fills rep (sent = built) and returns
 * SEND_OK, SEND_SETTING (no message can be built: err) or SEND_ERROR.
 */
enum send_status send_dry_run(struct sqlite3 *db, struct edition *e,
    const struct send_opts *o, send_log_fn log, void *arg,
    struct send_report *rep, char *err);

/*
 * One copy of r's message (with every article, whatever send_empty says)
 * to the address to through t, from the configured sender, recorded
 * nowhere; waits for its end. The caller marks r as a test (its
 * subject_prefix; no tokens, so that no link in it acts for the
 * reader). 1 handed over (res says what became of it), 0 t refused it
 * at once (res->fault and res->reply say why), -1 the message cannot be
 * built (err), -2 the store failed (err). *articles: how many it has.
 */
int send_test_copy(struct sqlite3 *db, struct edition *e, struct transport *t,
    const struct edition_reader *r, const char *to,
    struct transport_result *res, size_t *articles, char *err);

#endif
