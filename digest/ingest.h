/*
 * ingest: one source (a file or an http(s) URL) into the store.
 *
 * Reads or fetches the source (conditionally, with the ETag and
 * Last-Modified remembered from the last fetch), detects its kind, parses
 * it, computes each article's lead, and stores everything in one
 * transaction: a source that fails leaves nothing behind.
 *
 * It also keeps the newsletter's own feeds (`digest feeds`): URLs with
 * tags that are added to every item, fetched all at once by
 * ingest_feeds(). What each fetch left (when, its status, ETag and
 * Last-Modified) is remembered per URL for stored feeds and for URLs
 * given on the command line alike.
 */
#ifndef DIGEST_INGEST_H
#define DIGEST_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "feed.h"

struct sqlite3;

enum ingest_status {
	INGEST_OK = 0,
	INGEST_NOT_MODIFIED,	/* a 304: nothing new, not an error */
	INGEST_BAD_DATA,	/* not parseable */
	INGEST_NO_INPUT,	/* no such file, 404 */
	INGEST_TEMPFAIL,	/* network trouble, 5xx: try again later */
	INGEST_DB,		/* the store failed */
};

struct ingest_opts {
	int lead_sentences;	/* 0 = SUMMARY_LEAD_SENTENCES */
	size_t lead_max_chars;	/* 0 = SUMMARY_LEAD_MAX_CHARS */
	long timeout_ms;	/* for URLs; 0 = fetch default */
	int force;		/* ignore the remembered ETag / Last-Modified */
	int allow_private;	/* fetch_private = yes (fetch.h) */
};

struct ingest_report {
	size_t added;
	size_t updated;
	const char *kind;	/* static string: "rss", "atom", ... */
	/* Items stored without a date because theirs could not be read,
	 * and the first of them noted (feed.h). */
	size_t undated;
	char notes[FEED_NOTES_MAX][FEED_NOTE_LEN];
	size_t nnotes;
};

/* Ingests one source given by the operator (a file or a URL; a URL may
 * name a private address literally). A stored feed's tags are added to
 * its items. */
enum ingest_status ingest_source(struct sqlite3 *db, const char *source,
    const struct ingest_opts *o, struct ingest_report *rep, char *err);

/* A stored feed and what its last fetch left. Strings owned. */
struct ingest_feed {
	char *url;
	char *title;		/* may be NULL */
	char *tags;		/* normalized, joined by ARTICLE_TAG_SEP */
	int imported;		/* 1: from an OPML file, not the operator */
	int64_t added;
	int64_t last_fetch;	/* 0: never fetched */
	char *status;		/* "ok", "not modified" or the error; may be
				 * NULL */
	int64_t items;		/* items in its last good fetch; -1: none */
	char *etag;		/* may be NULL */
	int64_t last_modified;	/* 0: none */
};

struct ingest_feed_list {
	struct ingest_feed *v;	/* owned */
	size_t n;
	size_t cap;
};

/* The stored feeds in the order they were added. 0, or -1 with err. */
int ingest_feed_list(struct sqlite3 *db, struct ingest_feed_list *out,
    char *err);
void ingest_feed_list_release(struct ingest_feed_list *l);

/* Stores the feed url (checked: http or https) with title (NULL: keep or
 * none) and tags (normalized here; they replace a stored feed's when
 * ntags > 0 or replace_tags). imported marks a new feed as from a file;
 * a stored one added again by the operator (imported 0) becomes theirs. 1 added, 0 updated, -1 with err. Runs in the
 * caller's transaction, if any. */
int ingest_feed_store(struct sqlite3 *db, const char *url, const char *title,
    const char *const *tags, size_t ntags, int replace_tags, int imported,
    int64_t now, char *err);

/* Forgets the stored feed url (its articles stay): 1, 0 none, -1. */
int ingest_feed_remove(struct sqlite3 *db, const char *url, char *err);

/* Ingests every stored feed, one after the other: each is stored whole
 * or not at all, and a failing one does not stop the others. fn hears
 * each outcome. Returns the number of feeds, or -1 when they cannot be
 * read. */
typedef void ingest_feed_fn(const char *url, enum ingest_status st,
    const struct ingest_report *rep, const char *err, void *arg);
int ingest_feeds(struct sqlite3 *db, const struct ingest_opts *o,
    ingest_feed_fn *fn, void *arg, char *err);

#endif
