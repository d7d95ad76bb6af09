/*
 * signup: what the signup backend does to the store, apart from HTTP.
 *
 * Double opt-in: a signup stores the address as pending with the consent
 * record (when, from which IP, with which browser, through which form)
 * and queues a confirmation mail (mailq.h) whose link carries a confirm
 * token; confirming makes the subscriber confirmed. Every outcome of a
 * signup gets the same answer, so the form never tells whether an
 * address was already known. Each token serves one purpose (confirm,
 * unsubscribe, preferences) and is found as store.h says.
 *
 * Limits: a confirm link works for SIGNUP_CONFIRM_TTL; an address gets
 * at most one confirmation mail per SIGNUP_MAIL_GAP and SIGNUP_MAIL_DAY
 * a day, however often it is entered.
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

/* A signup as a form gave it; strings borrowed, all of them checked. */
struct signup_form {
	const char *email;		/* as typed; len bytes (may hold NUL) */
	size_t email_len;
	const char *name;		/* may be NULL */
	const char *const *tags;
	size_t ntags;
	const char *ip;			/* the consent record */
	const char *agent;
	const char *form;		/* which form: "web", an origin... */
};

enum signup_result {
	SIGNUP_ERROR = -1,	/* the store failed: err */
	SIGNUP_OK = 0,		/* done, whatever it was */
	SIGNUP_BAD = 1,		/* the input is refused: err says why */
};

/* Stores a signup and queues its confirmation mail (unless the address
 * is confirmed already, or has had its share of mails). The normalized
 * address goes into email. */
enum signup_result signup_request(struct sqlite3 *db,
    const struct signup_form *f, int64_t now, char email[ADDR_MAX + 1],
    char *err);

/* signup_request in parts, for a server that commits the signups of
 * several requests in one transaction before it answers any of them
 * (group commit). signup_check checks the form and normalizes the
 * address into email: SIGNUP_OK or SIGNUP_BAD, without the store. */
enum signup_result signup_check(const struct signup_form *f,
    char email[ADDR_MAX + 1], char *err);

/* Stores a signup that signup_check passed, inside the caller's write
 * transaction (BEGIN IMMEDIATE), as signup_request would: 0, or -1 with
 * err, and then this signup's changes are undone (a savepoint) while
 * the transaction goes on. Nothing is durable before the caller's
 * COMMIT, so nobody may be answered before it. */
int signup_store_checked(struct sqlite3 *db, const struct signup_form *f,
    const char *email, int64_t now, char *err);

/* What a link's token found. */
enum signup_link {
	SIGNUP_LINK_ERROR = -1,	/* err */
	SIGNUP_LINK_UNKNOWN = 0,	/* no such token */
	SIGNUP_LINK_DONE,	/* done now */
	SIGNUP_LINK_AGAIN,	/* it had been done before: nothing changed */
	SIGNUP_LINK_EXPIRED,	/* a confirm link older than the TTL */
};

/* Confirms the subscription of the confirm token. s (initialized by the
 * caller) gets the subscriber when the token is known. */
enum signup_link signup_confirm(struct sqlite3 *db, const char *token,
    int64_t now, struct store_subscriber *s, char *err);

/* For an expired confirm link: a new token and a new mail (within the
 * limits). DONE, UNKNOWN (also for a subscriber no longer pending) or
 * ERROR. */
enum signup_link signup_resend(struct sqlite3 *db, const char *token,
    int64_t now, char *err);

/* Unsubscribes the owner of the unsubscribe token; their pending
 * confirm link stops working. */
enum signup_link signup_unsubscribe(struct sqlite3 *db, const char *token,
    int64_t now, struct store_subscriber *s, char *err);

/* Sets the name and tags of the owner of the preferences token. DONE,
 * UNKNOWN, ERROR, or BAD input (SIGNUP_LINK_UNKNOWN is not used for
 * that: -2 with err). */
#define SIGNUP_LINK_BAD (-2)
int signup_preferences(struct sqlite3 *db, const char *token,
    const char *name, const char *const *tags, size_t ntags,
    struct store_subscriber *s, char *err);

#endif
