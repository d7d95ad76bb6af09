#include "article.h"
#include "db.h"
#include "utf8.h"
#include "util.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
article_init(struct article *a)
{
	memset(a, 0, sizeof(*a));
}

void
article_release(struct article *a)
{
	size_t i;

	free(a->guid);
	free(a->url);
	free(a->title);
	free(a->author);
	free(a->source);
	for (i = 0; i < a->ntags; i++)
		free(a->tags[i]);
	free(a->tags);
	free(a->body);
	free(a->lead);
	article_init(a);
}

size_t
article_tag_normalize(const char *tag, size_t len, char out[ARTICLE_TAG_MAX])
{
	size_t i = 0, n = 0, k, keep = 0;
	int space = 0;
	uint32_t c;
	char enc[4];

	while (i < len) {
		i += utf8_decode(tag + i, len - i, &c);
		if (utf8_is_space(c)) {
			space = n > 0;
			continue;
		}
		if (c < 0x20 || c == 0x7F || c == UTF8_REPLACEMENT)
			continue;
		k = utf8_encode(utf8_lower(c), enc);
		if (n + space + k >= ARTICLE_TAG_MAX)
			break;
		if (space)
			out[n++] = ' ';
		space = 0;
		memcpy(out + n, enc, k);
		n += k;
		keep = n;
	}
	/* "business/industries/publishing/" is the path without its end. */
	while (keep > 0 && (out[keep - 1] == '/' || out[keep - 1] == ' '))
		keep--;
	out[keep] = '\0';
	return keep;
}

void
article_tag_add(struct article *a, const char *tag, size_t len)
{
	char norm[ARTICLE_TAG_MAX];
	size_t n, i;

	n = article_tag_normalize(tag, len, norm);
	if (n == 0 || a->ntags >= ARTICLE_TAGS_MAX)
		return;
	for (i = 0; i < a->ntags; i++)
		if (strcmp(a->tags[i], norm) == 0)
			return;
	xgrow(&a->tags, &a->tags_cap, a->ntags + 1, sizeof(*a->tags));
	a->tags[a->ntags++] = xstrndup(norm, n);
}

char *
article_tags_join_list(char *const *tags, size_t n)
{
	size_t i, len = 1, at = 0, k;
	char *out;

	for (i = 0; i < n; i++)
		len += strlen(tags[i]) + 1;
	out = xmalloc(len);
	for (i = 0; i < n; i++) {
		k = strlen(tags[i]);
		if (i > 0)
			out[at++] = ARTICLE_TAG_SEP;
		memcpy(out + at, tags[i], k);
		at += k;
	}
	out[at] = '\0';
	return out;
}

char *
article_tags_join(const struct article *a)
{
	return article_tags_join_list(a->tags, a->ntags);
}

void
article_tags_split(struct article *a, const char *s)
{
	const char *sep;

	while (s != NULL && *s != '\0') {
		sep = strchr(s, ARTICLE_TAG_SEP);
		article_tag_add(a, s, sep ? (size_t)(sep - s) : strlen(s));
		s = sep ? sep + 1 : NULL;
	}
}

char *
article_title_key(const char *title)
{
	size_t len = strlen(title), i = 0, n = 0, k;
	char *out = xmalloc(len * 2 + 1), enc[4];
	int gap = 0;
	uint32_t c;

	while (i < len) {
		i += utf8_decode(title + i, len - i, &c);
		if (!utf8_is_alnum(c)) {
			gap = n > 0;
			continue;
		}
		if (gap)
			out[n++] = ' ';
		gap = 0;
		k = utf8_encode(utf8_lower(c), enc);
		memcpy(out + n, enc, k);
		n += k;
	}
	out[n] = '\0';
	return out;
}

struct article *
article_list_push(struct article_list *l)
{
	xgrow(&l->v, &l->cap, l->n + 1, sizeof(*l->v));
	article_init(&l->v[l->n]);
	return &l->v[l->n++];
}

void
article_list_release(struct article_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		article_release(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* The key that finds an article again in its source: its guid, else its
 * url, else its title, else (RSS allows an item that is only a
 * description) a hash of its body, written into buf. */
static const char *
article_key(const struct article *a, char buf[32])
{
	const char *body = a->body ? a->body : "";
	uint64_t h = 14695981039346656037ull;	/* FNV-1a */

	if (a->guid != NULL && *a->guid != '\0')
		return a->guid;
	if (a->url != NULL && *a->url != '\0')
		return a->url;
	if (a->title != NULL && *a->title != '\0')
		return a->title;
	for (; *body != '\0'; body++)
		h = (h ^ (unsigned char)*body) * 1099511628211ull;
	(void)snprintf(buf, 32, "body:%016llx", (unsigned long long)h);
	return buf;
}

static int
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	return s ? sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC) :
	    sqlite3_bind_null(st, i);
}

/* The id of tag name, created if new: 0, or -1 with err. Most tags
 * exist already, and a lookup costs less than an upsert's write. */
static int
article_tag_id(sqlite3 *db, const char *name, int64_t *id, char *err)
{
	sqlite3_stmt *st;
	int rc;

	st = db_prepare(db, "SELECT id FROM tag WHERE name = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return db_err(db, err, "reading a tag");
	st = db_prepare(db, "INSERT INTO tag (name) VALUES (?1)", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_err(db, err, "storing a tag");
	*id = sqlite3_last_insert_rowid(db);
	return 0;
}

static int
article_store_tags(sqlite3 *db, const struct article *a, int64_t published,
    int replace, char *err)
{
	sqlite3_stmt *st;
	int64_t tag = 0;
	size_t i;
	int rc;

	if (replace) {
		st = db_prepare(db, "DELETE FROM article_tag WHERE article_id = ?1",
		    err);
		if (st == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, a->id);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return db_err(db, err, "storing tags");
	}
	for (i = 0; i < a->ntags; i++) {
		if (article_tag_id(db, a->tags[i], &tag, err) == -1)
			return -1;
		st = db_prepare(db, "INSERT OR IGNORE INTO article_tag "
		    "(tag_id, published, article_id) VALUES (?1, ?2, ?3)", err);
		if (st == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, tag);
		sqlite3_bind_int64(st, 2, published);
		sqlite3_bind_int64(st, 3, a->id);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return db_err(db, err, "storing tags");
	}
	return 0;
}

static char *
column_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? xstrdup((const char *)s) : NULL;
}

/* What the store holds for an article's (source, key). */
struct article_stored {
	int64_t id;
	int64_t published;
	int dated;
	char *tags;		/* owned; the joined tag names */
};

/* Finds the stored row for a's (source, key): 1 found, 0 new, -1 error. */
static int
article_find(sqlite3 *db, const struct article *a, const char *key,
    struct article_stored *old, char *err)
{
	sqlite3_stmt *st;
	int rc;

	memset(old, 0, sizeof(*old));
	st = db_prepare(db, "SELECT id, published, dated, tags FROM article "
	    "WHERE source = ?1 AND guid = ?2", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, a->source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		old->id = sqlite3_column_int64(st, 0);
		old->published = sqlite3_column_int64(st, 1);
		old->dated = sqlite3_column_int(st, 2);
		old->tags = column_dup(st, 3);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_err(db, err, "reading an article");
	return rc == SQLITE_ROW;
}

int
article_store_upsert(sqlite3 *db, struct article *a, char *err)
{
	char keybuf[32];
	const char *key = article_key(a, keybuf);
	struct article_stored old;
	sqlite3_stmt *st;
	int64_t published;
	int found, dated, rc;
	char *title_key, *tags;

	if (a->source == NULL)
		return util_err(err, "an item has no source");
	found = article_find(db, a, key, &old, err);
	if (found == -1)
		return -1;
	/* An undated item keeps the date it was first seen: re-ingesting
	 * must not make old news look new. */
	if (a->published != 0) {
		published = a->published;
		dated = 1;
	} else if (found) {
		published = old.published;
		dated = old.dated;
	} else {
		published = a->fetched;
		dated = 0;
	}
	if (found)
		st = db_prepare(db, "UPDATE article SET url = ?3, title = ?4, "
		    "title_key = ?5, author = ?6, published = ?7, dated = ?8, "
		    "fetched = ?9, body = ?10, lead = ?11, tags = ?13 "
		    "WHERE id = ?12", err);
	else
		st = db_prepare(db, "INSERT INTO article (source, guid, url, "
		    "title, title_key, author, published, dated, fetched, body, "
		    "lead, tags) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
		    "?11, ?13)", err);
	if (st == NULL) {
		free(old.tags);
		return -1;
	}
	title_key = article_title_key(a->title ? a->title : "");
	tags = article_tags_join(a);
	if (!found) {
		bind_text(st, 1, a->source);
		bind_text(st, 2, key);
	}
	bind_text(st, 3, a->url);
	bind_text(st, 4, a->title ? a->title : "");
	bind_text(st, 5, title_key);
	bind_text(st, 6, a->author);
	sqlite3_bind_int64(st, 7, published);
	sqlite3_bind_int(st, 8, dated);
	sqlite3_bind_int64(st, 9, a->fetched);
	bind_text(st, 10, a->body ? a->body : "");
	bind_text(st, 11, a->lead ? a->lead : "");
	if (found)
		sqlite3_bind_int64(st, 12, old.id);
	bind_text(st, 13, tags);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	free(title_key);
	a->id = found ? old.id : sqlite3_last_insert_rowid(db);
	a->published = published;
	if (rc != SQLITE_DONE)
		rc = db_err(db, err, "storing an article");
	/* Tag rows carry the date: rewrite them only when either changed,
	 * which a feed read again every hour mostly does not. */
	else if (!found || published != old.published || old.tags == NULL ||
	    strcmp(old.tags, tags) != 0)
		rc = article_store_tags(db, a, published, found, err);
	else
		rc = 0;
	free(tags);
	free(old.tags);
	return rc == -1 ? -1 : !found;
}

void
article_from_row(sqlite3_stmt *st, struct article *a)
{
	a->id = sqlite3_column_int64(st, 0);
	a->guid = column_dup(st, 1);
	a->url = column_dup(st, 2);
	a->title = column_dup(st, 3);
	a->author = column_dup(st, 4);
	a->source = column_dup(st, 5);
	a->published = sqlite3_column_int64(st, 6);
	a->fetched = sqlite3_column_int64(st, 7);
	a->body = column_dup(st, 8);
	a->lead = column_dup(st, 9);
	article_tags_split(a, (const char *)sqlite3_column_text(st, 10));
}

int
article_store_get(sqlite3 *db, int64_t id, struct article *a, char *err)
{
	sqlite3_stmt *st;
	int rc;

	st = db_prepare(db, "SELECT " ARTICLE_COLUMNS " FROM article a "
	    "WHERE a.id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		article_from_row(st, a);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return rc == SQLITE_ROW;
	return db_err(db, err, "reading an article");
}

int64_t
article_store_count(sqlite3 *db, char *err)
{
	sqlite3_stmt *st;
	int64_t n = -1;

	st = db_prepare(db, "SELECT count(*) FROM article", err);
	if (st == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	else
		db_err(db, err, "counting articles");
	sqlite3_reset(st);
	return n;
}

int64_t
article_store_count_between(sqlite3 *db, int64_t since, int64_t until,
    char *err)
{
	sqlite3_stmt *st;
	int64_t n = -1;

	st = db_prepare(db, "SELECT count(*) FROM article WHERE published >= ?1 "
	    "AND published < ?2", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, since);
	sqlite3_bind_int64(st, 2, until);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	else
		db_err(db, err, "counting articles");
	sqlite3_reset(st);
	return n;
}
