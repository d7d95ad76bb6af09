/*
 * store: the subscribers, in the same SQLite file as the articles.
 *
 * A subscriber has an address (stored normalized, unique), a name, the
 * tags they chose (normalized as article tags are; none = everything) and
 * a status: pending (not yet confirmed), confirmed, unsubscribed or
 * bounced. Only confirmed subscribers receive digests.
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

const char *store_status_name(enum store_status st);
/* 0 and *st for "pending", "confirmed"...; -1 for anything else. */
int store_status_from_name(const char *name, enum store_status *st);

/* 0 when name (len bytes, trimmed by the caller) can be stored: valid
 * UTF-8, no line breaks or other control characters (a name goes into a
 * mail header), at most STORE_NAME_MAX characters. -1 with err in words a
 * person understands ("the name contains a line break"). */
int store_name_check(const char *name, size_t len, char *err);

/* Adds s, or, when its address is already there, updates the name, tags
 * and status (an empty name is stored as none). Sets s->id, and
 * s->created to the stored date (for a new one: s->created, else now).
 * s->email is normalized first (replaced by addr_from_text's form); an
 * address addr refuses, a name store_name_check refuses or a status out
 * of range is an error and nothing is written. 1 added, 0 updated, -1
 * error. The caller holds the transaction when several go together
 * (db_begin). */
int store_subscriber_put(struct sqlite3 *db, struct store_subscriber *s,
    char *err);

/* The subscriber with that normalized address: 1 found (s, initialized
 * by the caller, filled), 0 absent, -1 error. */
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

/* The whole record of the subscriber with that normalized address (NULL:
 * everyone, or those with status, an enum store_status or -1), as a JSON
 * array of objects: every column but the link secrets, tags as an array.
 * *out is a new reference. 0, or -1 with err. */

int store_subscriber_records(struct sqlite3 *db, const char *email,
    int status, json_t **out, char *err);

/* Unsubscribes the subscriber with that normalized address, keeping the
 * record; with forget, erases them and everything stored about them.
 * 1 done, 0 no such subscriber, -1 error. */
int store_subscriber_remove(struct sqlite3 *db, const char *email,
    int forget, char *err);

#endif
