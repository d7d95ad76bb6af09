/*
 * topics: the topics the signup form offers, each a tag and what the
 * form shows for it. The configuration's (topics = "climate: Climate and
 * environment, science: Science, arts"), else the TOPICS_COUNT commonest
 * tags of the articles of the last TOPICS_DAYS days, counted again while
 * serving when articles may have come. A signup or a preferences change
 * may choose only among them (and a subscriber keep their own).
 *
 * A topics list is owned by one thread (the server's) and reads the
 * store through that thread's connection.
 */
#ifndef DIGEST_TOPICS_H
#define DIGEST_TOPICS_H

#include <stddef.h>
#include <time.h>

#define TOPICS_COUNT 12		/* offered when the config names none */
#define TOPICS_DAYS 30		/* ... from the articles of these days */
#define TOPICS_AGE 600		/* recounted at least this often (s) */

struct sqlite3;
struct json_t;

struct topic {
	char *name;			/* owned; normalized as tags are */
	char *label;			/* owned */
};

struct topics {
	struct topic *v;		/* owned */
	size_t n, cap;
	int fixed;			/* from the configuration */
	time_t at;			/* when they were counted */
	int data_version;		/* the store's, when counted */
};

/* Fills t (zeroed) from the configuration's topics setting, else by
 * counting in db: 0, or -1 with err. */
int topics_load(struct topics *t, const char *setting, struct sqlite3 *db,
    char *err);
/* Counts again when articles may have come (at most once a second) and
 * at least every TOPICS_AGE: 0, or -1 with err (the old list stays). */
int topics_refresh(struct topics *t, struct sqlite3 *db, char *err);
void topics_release(struct topics *t);

/* The label of tag: the configuration's, else tag itself (the same
 * pointer, which says it is not on offer). */
const char *topics_label(const struct topics *t, const char *tag);
/* Whether every tag is on offer (or one of own, a subscriber's own
 * tags): 0, or -1 with err naming the first that is not and the
 * choice. */
int topics_check(const struct topics *t, char *const *tags, size_t ntags,
    char *const *own, size_t nown, char *err);
/* The topics as the forms show them, [{name, label, checked: false}]:
 * a new reference. */
struct json_t *topics_to_json(const struct topics *t);

#endif
