/*
 * ingest: one source (a file or an http(s) URL) into the store.
 *
 * Reads or fetches the source (conditionally, with the ETag and
 * Last-Modified remembered from the last fetch), detects its kind, parses
 * it, computes each article's lead, and stores everything in one
 * transaction: a source that fails leaves nothing behind.
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

enum ingest_status ingest_source(struct sqlite3 *db, const char *source,
    const struct ingest_opts *o, struct ingest_report *rep, char *err);

#endif
