/*
 * returnmail: `digest mailbox fetch` (issue 17). Reads the return
 * mailbox (mailbox.h), says what each message is (inbound.h), ties it
 * to a reader and applies the bounce policy (bounces.h), then moves
 * what it dealt with to mailbox_done (IMAP) or deletes it (POP3), and
 * mail for a person to mailbox_other (or leaves it where it is).
 *
 * Who a message is about: the reader its signed VERP token names
 * (verp.h), when that token is valid and that reader was sent that
 * edition; for an unsubscribe by subject, the subscriber with the From
 * address. A forged token, a report without one, a reader who is gone
 * or a token for a message never sent is logged, and the message goes
 * to mailbox_other: nobody is touched on its word.
 *
 * Exactly once: messages are read in batches; each batch's results and
 * the keys of its messages (table mailbox_seen: account, UIDVALIDITY,
 * UID or UIDL, and where the message goes) commit in one transaction,
 * before any message is moved or deleted. A run that stops before the
 * commit leaves nothing applied, and the next run reads those messages
 * again; one that stops after it finds their keys and only moves them.
 * A key is forgotten once its message has left the folder. Each event
 * is also kept once per Message-ID (bounces.h), which holds even when
 * a folder's UIDVALIDITY changes.
 */
#ifndef DIGEST_RETURNMAIL_H
#define DIGEST_RETURNMAIL_H

#include <stddef.h>

#include "mailbox.h"

struct sqlite3;
struct config;

#define RETURNMAIL_BATCH 200			/* messages per FETCH */
#define RETURNMAIL_BATCH_BYTES (16u << 20)	/* and bytes */

/* One message dealt with, for the log; strings borrowed for the call. */
struct returnmail_event {
	const char *key;	/* UID or UIDL */
	const char *kind;	/* inbound_kind_name */
	const char *why;
	const char *email;	/* the reader, or NULL */
	const char *edition;	/* or NULL */
	const char *status;	/* "5.1.1", or NULL */
	const char *result;	/* bounced, unsubscribed, counted, ignored,
				 * skipped, or the reason it was not
				 * applied ("forged token") */
	const char *disposition;	/* done, other, keep */
};

struct returnmail_stats {
	size_t messages;	/* in the folder */
	size_t read;		/* read and classified this run */
	size_t again;		/* known from an earlier run: moved only */
	size_t bounces;
	size_t complaints;
	size_t unsubscribes;
	size_t autoreplies;
	size_t other;
	size_t suppressed;	/* readers bounced or unsubscribed now */
};

typedef void (*returnmail_log_fn)(const struct returnmail_event *e,
    void *arg);

/*
 * Runs one pass over the mailbox of c with password. log (may be NULL)
 * is called for each message read. 0, or -1 with err and *failure
 * (mailbox.h's kinds; a database error is MAILBOX_FAIL_TEMP with the
 * database named in err).
 */
int returnmail_fetch(struct sqlite3 *db, const struct config *c,
    const char *password, returnmail_log_fn log, void *arg,
    struct returnmail_stats *stats, enum mailbox_failure *failure,
    char *err);

#endif
