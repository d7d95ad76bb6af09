/*
 * article: one article as digest keeps it, and its store in SQLite.
 *
 * Tags are normalized when added (trimmed, lower-cased, inner white space
 * collapsed, a trailing '/' dropped, duplicates dropped), so every later
 * stage can compare them with strcmp. A tag with '/' is a path
 * ("business/industries/publishing"): selecting "business" finds it.
 */
#ifndef DIGEST_ARTICLE_H
#define DIGEST_ARTICLE_H

#include <stddef.h>
#include <stdint.h>

struct sqlite3;

#define ARTICLE_TAG_MAX 64	/* bytes of one normalized tag */
#define ARTICLE_TAGS_MAX 64	/* tags kept per article */

struct article {
	int64_t id;		/* 0 until stored */
	char *guid;		/* all strings owned by the article; may be NULL */
	char *url;
	char *title;
	char *author;
	char *source;		/* the file or URL it was ingested from */
	int64_t published;	/* UTC seconds; 0 = the feed gave no date */
	int64_t fetched;	/* UTC seconds */
	char **tags;		/* normalized, unique */
	size_t ntags;
	size_t tags_cap;
	char *body;		/* plain text, paragraphs split by "\n\n" */
	char *lead;		/* the first sentences of body */
};

struct article_list {
	struct article *v;	/* owned */
	size_t n;
	size_t cap;
};

void article_init(struct article *a);
void article_release(struct article *a);
/* Normalizes and adds one tag (len bytes of UTF-8); empty or duplicate
 * tags are ignored. */
void article_tag_add(struct article *a, const char *tag, size_t len);
/* Writes the normalized form of tag into out (ARTICLE_TAG_MAX bytes):
 * returns its length, 0 when nothing is left. Used by the selector too. */
size_t article_tag_normalize(const char *tag, size_t len,
    char out[ARTICLE_TAG_MAX]);

/* Returns the allocated key two titles share when they differ only in
 * case, punctuation and spacing: lower-case words joined by one space.
 * Caller frees. */
char *article_title_key(const char *title);

/* The tags as the store keeps them beside the article: joined by
 * ARTICLE_TAG_SEP. article_tags_join returns an allocated string, caller
 * frees; article_tags_split adds each tag of s to a. */
#define ARTICLE_TAG_SEP '\x1f'
char *article_tags_join(const struct article *a);
/* The same for any list of normalized tags (a subscriber's). */
char *article_tags_join_list(char *const *tags, size_t n);
void article_tags_split(struct article *a, const char *s);

/* Returns a new zeroed article at the end of the list, owned by it. */
struct article *article_list_push(struct article_list *l);
void article_list_release(struct article_list *l);

/*
 * The store. Writes happen inside a transaction the caller opens with
 * db_begin(): an ingest of one source is all or nothing.
 */

/* Inserts a or updates the stored article with the same (source, guid),
 * where a missing guid falls back to the url, then to the title, then to
 * a hash of the body. Tags are
 * replaced. An update keeps the stored date when a carries none.
 * Sets a->id and a->published (as stored). Returns 1 when the article was
 * new, 0 when it updated a stored one, -1 with err. */
int article_store_upsert(struct sqlite3 *db, struct article *a, char *err);

/* The columns of a stored article, in the order article_from_row reads
 * them, for a query that names the article table "a". */
#define ARTICLE_COLUMNS "a.id, a.guid, a.url, a.title, a.author, " \
	"a.source, a.published, a.fetched, a.body, a.lead, a.tags"
#define ARTICLE_NCOLUMNS 11
struct sqlite3_stmt;
/* Fills a (initialized by the caller) from the current row of st, whose
 * first columns are ARTICLE_COLUMNS. */
void article_from_row(struct sqlite3_stmt *st, struct article *a);

/* Loads the article with that id into a (initialized by the caller):
 * 1 found, 0 absent, -1 error. */
int article_store_get(struct sqlite3 *db, int64_t id, struct article *a,
    char *err);

/* The number of stored articles, or -1. */
int64_t article_store_count(struct sqlite3 *db, char *err);
/* The number published in [since, until), or -1. */
int64_t article_store_count_between(struct sqlite3 *db, int64_t since,
    int64_t until, char *err);

#endif
