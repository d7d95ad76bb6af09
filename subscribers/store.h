/*
 * store: the subscribers, in the same SQLite file as the articles.
 *
 * A subscriber has an address (stored normalized, its case kept: that is
 * what mail goes to), the key it is matched by (addr_key(): case-folded,
 * unique), a name, the tags they chose (normalized as article tags are;
 * none = everything) and a status: pending (not yet confirmed),
 * confirmed, or one of the suppressed ones: unsubscribed, bounced,
 * complained. Only confirmed subscribers receive digests. Every lookup
 * by address goes through the key, so "Hana.Sato@Example.com" and
 * "hana.sato@example.com" are one person wherever they are typed.
 *
 * Suppression holds: nothing but the person confirming a new double
 * opt-in (signup.h) makes a suppressed subscriber pending or confirmed
 * again; store_subscriber_put keeps a suppressed status whatever it is
 * given.
 *
 * Consent is a log (store_consent_*): each signup, confirmation,
 * preference change, unsubscription, addition, import, bounce and
 * complaint appends one entry (time, address key, action, IP, user
 * agent, form, detail); entries are never changed. The log is kept by
 * key, so it outlives a subscriber row and is there if they come back.
 *
 * Tags are stored joined by ARTICLE_TAG_SEP (U+001F), as the article
 * table does, in the order they were added.
 */
#ifndef DIGEST_STORE_H
#define DIGEST_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct sqlite3;

#define STORE_TAGS_MAX 64	/* tags kept per subscriber; more are dropped */
#define STORE_NAME_MAX 200	/* characters of a name */

enum store_status {
	STORE_PENDING = 0,
	STORE_CONFIRMED,
	STORE_UNSUBSCRIBED,
	STORE_BOUNCED,
	STORE_COMPLAINED,
};

/* What a consent log entry records. */
enum store_action {
	STORE_ACTION_SIGNUP = 0,	/* a form asked for a subscription */
	STORE_ACTION_CONFIRM,		/* the person confirmed (double opt-in) */
	STORE_ACTION_UNSUBSCRIBE,	/* the person left */
	STORE_ACTION_PREFERENCES,	/* the person changed name or topics */
	STORE_ACTION_RESUBSCRIBE,	/* a suppressed person asked to return */
	STORE_ACTION_ADD,		/* the publisher added them */
	STORE_ACTION_IMPORT,		/* a file brought them */
	STORE_ACTION_REMOVE,		/* the publisher unsubscribed them */
	STORE_ACTION_BOUNCE,		/* their mail server refused for good */
	STORE_ACTION_COMPLAINT,		/* they reported a digest as spam */
};

/* One consent log entry; strings borrowed, each may be NULL. */
struct store_consent {
	int64_t time;			/* UTC seconds */
	enum store_action action;
	const char *ip;
	const char *agent;
	const char *form;		/* "web", an origin, a file, a command */
	const char *detail;		/* e.g. "tags=science,climate" */
};

struct store_subscriber {
	int64_t id;		/* 0 until stored */
	char *email;		/* owned; normalized */
	char *name;		/* owned; may be NULL */
	char **tags;		/* owned; normalized, unique */
	size_t ntags;
	size_t tags_cap;
	enum store_status status;
	int64_t created;	/* UTC seconds */
	char *unsubscribe_token;	/* owned; set by the store */
	char *preferences_token;	/* owned; set by the store */
	char *confirm_token;	/* owned; NULL until a signup asks */
	int64_t confirm_created;	/* when confirm_token was made */
	int64_t confirmed;	/* when they confirmed; 0: not yet */
	int64_t unsubscribed;	/* when they left; 0: never */
};

/* The secrets in a subscriber's links, one per purpose. */
enum store_token {
	STORE_TOKEN_CONFIRM = 0,
	STORE_TOKEN_UNSUBSCRIBE,
	STORE_TOKEN_PREFERENCES,
};

struct store_subscriber_list {
	struct store_subscriber *v;	/* owned */
	size_t n;
	size_t cap;
};

void store_subscriber_init(struct store_subscriber *s);
void store_subscriber_release(struct store_subscriber *s);
/* Normalizes and adds one tag (len bytes), as article_tag_add does:
 * empty and duplicate tags are ignored, and so is any past
 * STORE_TAGS_MAX. */
void store_subscriber_tag_add(struct store_subscriber *s, const char *tag,
    size_t len);
/* Adds each tag of joined (as the table keeps them, separated by
 * ARTICLE_TAG_SEP; NULL: none), as store_subscriber_tag_add does. */
void store_subscriber_tags_add_joined(struct store_subscriber *s,
    const char *joined);
void store_subscriber_list_release(struct store_subscriber_list *l);

/* Fills r (edition.h) for a message to s: address, name, topics and
 * link tokens, borrowed from s, which must outlive r; the rest of r
 * zeroed. Every subscriber becomes a reader here. */
struct edition_reader;
void store_subscriber_reader(const struct store_subscriber *s,
    struct edition_reader *r);

const char *store_status_name(enum store_status st);
/* 0 and *st for "pending", "confirmed"...; -1 for anything else. */
int store_status_from_name(const char *name, enum store_status *st);
/* 1 for unsubscribed, bounced and complained: never mailed, never
 * re-activated but by a new double opt-in. */
int store_status_suppressed(enum store_status st);

const char *store_action_name(enum store_action a);
/* 0 and *a for "signup", "confirm"...; -1 for anything else. */
int store_action_from_name(const char *name, enum store_action *a);

/* 0 when name (len bytes, trimmed by the caller) can be stored: valid
 * UTF-8, no line breaks or other control characters (a name goes into a
 * mail header), at most STORE_NAME_MAX characters. -1 with err in words a
 * person understands ("the name contains a line break"). */
int store_name_check(const char *name, size_t len, char *err);

/* Adds s, or, when its key is already there, updates the name, tags
 * and status (an empty name is stored as none), except that a
 * suppressed status is never replaced by pending or confirmed: s->status
 * says afterwards what is stored. A new one keeps s->created,
 * s->confirmed and s->unsubscribed when set (an import's dates), else
 * now. Sets s->id and s->created to the stored values. s->email is
 * normalized first (replaced by addr_from_text's form; an update keeps
 * the address already stored); an address addr refuses, a name
 * store_name_check refuses or a status out of range is an error and
 * nothing is written. 1 added, 0 updated, -1 error. The caller holds the
 * transaction when several go together (db_begin); consent entries are
 * the caller's to add. */
int store_subscriber_put(struct sqlite3 *db, struct store_subscriber *s,
    char *err);

/* The subscriber with the key of that address (any form of it): 1
 * found (s, initialized by the caller, filled), 0 absent (also for an
 * address that is not valid), -1 error. */
int store_subscriber_find(struct sqlite3 *db, const char *email,
    struct store_subscriber *s, char *err);

/* Appends the subscribers with that status (an enum store_status, or
 * -1 for all) to out, by id. 0, or -1 with err. */
int store_subscriber_list(struct sqlite3 *db, int status,
    struct store_subscriber_list *out, char *err);

/* The subscriber whose token of that kind is token (compared whole, in
 * constant time): 1 found (s, initialized by the caller, filled), 0 none,
 * -1 error. */
int store_subscriber_by_token(struct sqlite3 *db, enum store_token kind,
    const char *token, struct store_subscriber *s, char *err);

/* The whole record of the subscriber with the key of that address
 * (NULL: everyone, or those with status, an enum store_status or -1), as
 * a JSON array of objects: every column but the link secrets and the
 * key, tags as an array, times in RFC 3339 (UTC), and "consent": their
 * consent log (store_consent_list). *out is a new reference. 0, or -1
 * with err. */
int store_subscriber_records(struct sqlite3 *db, const char *email,
    int status, json_t **out, char *err);

/* Unsubscribes the subscriber with the key of that address, keeping the
 * record and appending a "remove" consent entry (form: who did it);
 * with forget, erases them and everything stored about them, their
 * consent log too (so nothing suppresses the address afterwards). 1
 * done, 0 no such subscriber, -1 error. */
int store_subscriber_remove(struct sqlite3 *db, const char *email,
    int forget, const char *form, char *err);

/* Suppresses subscriber id (store_status_suppressed: status is
 * unsubscribed, bounced or complained) if they are confirmed or
 * pending, as of c->time, and appends c to their consent log: 1
 * changed, 0 nothing to change (suppressed already, or gone), -1 with
 * err. The caller holds the transaction. */
int store_subscriber_suppress(struct sqlite3 *db, int64_t id,
    enum store_status status, const struct store_consent *c, char *err);

/*
 * Applies what the journal's deliveries said about subscribers, each
 * once (journal.h, journal_outcomes_take), in one transaction with
 * their taking: a message delivered sets their bounces in a row back
 * to 0; a hard bounce adds one, and at bounce_limit a confirmed (or
 * pending) subscriber becomes bounced, with a consent entry (form
 * "smtp", the server's reply). A send calls it before it adds its
 * readers and after it ends. Returns how many became bounced, or -1
 * with err.
 */
int64_t store_deliveries_apply(struct sqlite3 *db, long bounce_limit,
    char *err);

/* Appends c to the consent log of that address (any form of it: the
 * key is what is kept). 0, or -1 with err (also for an address that is
 * not valid). */
int store_consent_add(struct sqlite3 *db, const char *email,
    const struct store_consent *c, char *err);
/* As store_consent_add, unless the log holds that very entry already
 * (same time, action, IP, agent, form and detail): for imports, which
 * may bring the same log twice. 1 added, 0 there already, -1 error. */
int store_consent_merge(struct sqlite3 *db, const char *email,
    const struct store_consent *c, char *err);
/* The consent log of that address, oldest first, as a JSON array of
 * {"time" (RFC 3339), "action", "ip", "agent", "form", "detail"} (null
 * where unknown). *out is a new reference. 0, or -1 with err. */
int store_consent_list(struct sqlite3 *db, const char *email, json_t **out,
    char *err);

#endif
