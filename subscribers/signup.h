/*
 * signup: what the signup backend does to the store, apart from HTTP.
 *
 * Double opt-in: a signup for a new address stores it as pending, with
 * the name and tags the form gave, and queues a confirmation mail
 * (mailq.h) whose link carries a confirm token; confirming makes the
 * subscriber confirmed. A signup for an address already known changes
 * nothing about it (a stranger who knows the address must not change
 * what its owner chose, nor what an unsubscribed person decided):
 * pending, unsubscribed, bounced or complained, it gets the confirmation
 * mail again (the same link while it has a day to live), and only that
 * person's click on it makes them confirmed; confirmed, it gets an
 * "already subscribed" mail with their preferences link. So every
 * signup does the same work and gets the same answer, and neither the
 * page nor its timing tells whether an address was known.
 *
 * Every signup, confirmation, preference change, unsubscription and
 * request to come back is appended to the consent log (store.h) with the
 * client it came from.
 *
 * Limits: a confirm link works for SIGNUP_CONFIRM_TTL; an address gets
 * at most one mail (of either kind) per SIGNUP_MAIL_GAP and
 * SIGNUP_MAIL_DAY a day, however often it is entered. A request to come
 * back counts toward the gap only the mails since the unsubscription,
 * which ended the links of those before it.
 */
#ifndef DIGEST_SIGNUP_H
#define DIGEST_SIGNUP_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct sqlite3;
struct store_subscriber;

#define SIGNUP_CONFIRM_TTL (7 * 86400)
#define SIGNUP_MAIL_GAP 600
#define SIGNUP_MAIL_DAY 5

/* Who a request came from, for the consent log; borrowed, may be NULL. */
struct signup_client {
	const char *ip;
	const char *agent;
	const char *form;		/* which form: "web", an origin... */
};

/* A signup as a form gave it; strings borrowed, all of them checked.
 * The tags are the caller's to check against the topics on offer. */
struct signup_form {
	const char *email;		/* as typed; len bytes (may hold NUL) */
	size_t email_len;
	/* The answer to an offered correction (signup_typo), NULL for none;
	 * choice_len bytes. */
	const char *choice;
	size_t choice_len;
	const char *name;		/* may be NULL */
	const char *const *tags;
	size_t ntags;
	struct signup_client client;
};

enum signup_result {
	SIGNUP_ERROR = -1,	/* the store failed: err */
	SIGNUP_OK = 0,		/* done, whatever it was */
	SIGNUP_BAD = 1,		/* the input is refused: err says why */
	SIGNUP_SUGGEST = 2,	/* a likely typo: ask first (signup_typo) */
};

/* What a stored signup found, for the log (never for the answer). */
enum signup_outcome {
	SIGNUP_NEW = 0,		/* a new address: pending */
	SIGNUP_PENDING,		/* known, not yet confirmed */
	SIGNUP_CONFIRMED,	/* known and confirmed */
	SIGNUP_SUPPRESSED,	/* known, unsubscribed, bounced or complained */
};

const char *signup_outcome_name(enum signup_outcome o);

/* Stores a signup and queues its mail, as the file comment says, in a
 * transaction of its own. The normalized address goes into email. */
enum signup_result signup_request(struct sqlite3 *db,
    const struct signup_form *f, int64_t now, char email[ADDR_MAX + 1],
    char *err);

/* signup_request in parts, for a server that commits the signups of
 * several requests in one transaction before it answers any of them
 * (group commit). signup_check checks the form and normalizes the
 * address into email: SIGNUP_OK or SIGNUP_BAD, without the store. */
enum signup_result signup_check(const struct signup_form *f,
    char email[ADDR_MAX + 1], char *err);

/*
 * Likely typos, before signup_check. An address whose domain looks like
 * a typo of a popular mail domain (addr_suggest: "anna@gmial.com") gets
 * no mail yet: the reader is offered the correction and answers with
 * the address they choose (f->choice), the one typed or the one
 * offered, which the next signup_check validates again. The choice only
 * picks between those two, both made from the form's own email, so no
 * choice can send the mail to a third address: one that is neither is
 * ignored, and the signup is asked about afresh. A typed address that
 * is refused (no dot: "anna@gmail") but has a valid correction is
 * offered it too, and can only take it.
 *
 * SIGNUP_SUGGEST: fix holds the correction to offer (normalized), f is
 * unchanged. SIGNUP_OK: nothing to ask; when the reader chose the
 * correction, f->email and f->email_len point to fix (which must live
 * as long as f), else fix is "". Looks at the address only, never at
 * the store.
 */
enum signup_result signup_typo(struct signup_form *f,
    char fix[ADDR_MAX + 1]);

/* Stores a signup that signup_check passed, inside the caller's write
 * transaction (BEGIN IMMEDIATE), as signup_request would: 0 with
 * *outcome and *mail (1 when a mail was queued), or -1 with err, and
 * then this signup's changes are undone (a savepoint) while the
 * transaction goes on. Nothing is durable before the caller's COMMIT,
 * so nobody may be answered before it. */
int signup_store_checked(struct sqlite3 *db, const struct signup_form *f,
    const char *email, int64_t now, enum signup_outcome *outcome,
    int *mail, char *err);

/* What a link's token found. */
enum signup_link {
	SIGNUP_LINK_ERROR = -1,	/* err */
	SIGNUP_LINK_UNKNOWN = 0,	/* no such token */
	SIGNUP_LINK_DONE,	/* done now */
	SIGNUP_LINK_AGAIN,	/* it had been done before: nothing changed */
	SIGNUP_LINK_EXPIRED,	/* a confirm link older than the TTL */
	SIGNUP_LINK_OPEN,	/* a confirm link that can still be used */
};

/* What the confirm token would do, changing nothing (the page behind
 * the link): OPEN, AGAIN (already confirmed), EXPIRED, UNKNOWN or
 * ERROR. s (initialized by the caller) gets the subscriber when the
 * token is known. */
enum signup_link signup_confirm_state(struct sqlite3 *db, const char *token,
    int64_t now, struct store_subscriber *s, char *err);

/* Confirms the subscription of the confirm token: DONE, AGAIN, EXPIRED,
 * UNKNOWN or ERROR. s as for signup_confirm_state. */
enum signup_link signup_confirm(struct sqlite3 *db, const char *token,
    int64_t now, const struct signup_client *who,
    struct store_subscriber *s, char *err);

/* For an expired confirm link: a new token and a new mail (within the
 * limits). DONE, UNKNOWN (also for a subscriber confirmed meanwhile) or
 * ERROR. s as for signup_confirm_state. */
enum signup_link signup_resend(struct sqlite3 *db, const char *token,
    int64_t now, struct store_subscriber *s, char *err);

/* Unsubscribes the owner of the unsubscribe token; their pending
 * confirm link stops working. DONE, AGAIN (suppressed already),
 * UNKNOWN or ERROR. */
enum signup_link signup_unsubscribe(struct sqlite3 *db, const char *token,
    int64_t now, const struct signup_client *who,
    struct store_subscriber *s, char *err);

/* For the owner of the preferences token who is suppressed and wants
 * digests again: a confirmation mail, as a signup would send (double
 * opt-in). DONE, AGAIN (not suppressed: nothing to do), UNKNOWN or
 * ERROR. */
enum signup_link signup_resubscribe(struct sqlite3 *db, const char *token,
    int64_t now, const struct signup_client *who, char *err);

/* Sets the name and tags of the owner of the preferences token. DONE,
 * UNKNOWN, ERROR, or BAD input (SIGNUP_LINK_UNKNOWN is not used for
 * that: -2 with err). The tags are the caller's to check. */
#define SIGNUP_LINK_BAD (-2)
int signup_preferences(struct sqlite3 *db, const char *token,
    const char *name, const char *const *tags, size_t ntags, int64_t now,
    const struct signup_client *who, struct store_subscriber *s, char *err);

#endif
