#include "select.h"
#include "buf.h"
#include "db.h"
#include "util.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#define SELECT_TAGS_MAX 64	/* tags in one query, each way */
#define SELECT_SQL_MAX 4096

/* Resolved tag ids of a query: names that no article carries have no id. */
struct select_ids {
	int64_t v[SELECT_TAGS_MAX];
	size_t n;
	size_t unknown;		/* names not found */
};

static int
select_tag_ids(sqlite3 *db, const char *const *names, size_t n,
    struct select_ids *ids, char *err)
{
	char norm[ARTICLE_TAG_MAX];
	sqlite3_stmt *st;
	size_t i, j, len;
	int rc;

	ids->n = ids->unknown = 0;
	if (n > SELECT_TAGS_MAX)
		return util_err(err, "too many tags in one selection (at most %d)",
		    SELECT_TAGS_MAX);
	for (i = 0; i < n; i++) {
		len = article_tag_normalize(names[i], strlen(names[i]), norm);
		if (len == 0)
			continue;
		st = db_prepare(db, "SELECT id FROM tag WHERE name = ?1", err);
		if (st == NULL)
			return -1;
		sqlite3_bind_text(st, 1, norm, (int)len, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			int64_t id = sqlite3_column_int64(st, 0);

			for (j = 0; j < ids->n && ids->v[j] != id; j++)
				;
			if (j == ids->n)
				ids->v[ids->n++] = id;
		} else if (rc == SQLITE_DONE) {
			ids->unknown++;
		}
		sqlite3_reset(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return db_err(db, err, "reading tags");
	}
	return 0;
}

static int
sql_id_list(struct buf *sql, const struct select_ids *ids)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < ids->n; i++)
		rc |= buf_printf(sql, "%s%lld", i ? ", " : "",
		    (long long)ids->v[i]);
	return rc;
}

/*
 * Builds the query. Tag ids are written into the SQL as integers (they
 * come from the database, never from the user), so the statement text is
 * the cache key and differs only by tag set. The tag filter runs on
 * article_tag's (tag_id, published) key: only rows inside the window are
 * visited, whatever the size of the store.
 */
static int
select_sql(const struct select_query *q, const struct select_ids *want,
    const struct select_ids *skip, struct buf *sql)
{
	int rc = 0;

	rc |= buf_puts(sql, "SELECT a.id, a.guid, a.url, a.title, a.title_key, "
	    "a.author, a.source, a.published, a.fetched, a.body, a.lead "
	    "FROM article a WHERE a.published >= ?1 AND a.published < ?2");
	if (want->n > 0) {
		rc |= buf_puts(sql, " AND a.id IN (SELECT article_id FROM "
		    "article_tag WHERE tag_id IN (");
		rc |= sql_id_list(sql, want);
		rc |= buf_puts(sql, ") AND published >= ?1 AND published < ?2");
		if (q->match_all)
			rc |= buf_printf(sql, " GROUP BY article_id HAVING "
			    "count(*) = %zu", want->n);
		rc |= buf_puts(sql, ")");
	}
	if (skip->n > 0) {
		rc |= buf_puts(sql, " AND NOT EXISTS (SELECT 1 FROM article_tag x "
		    "WHERE x.article_id = a.id AND x.tag_id IN (");
		rc |= sql_id_list(sql, skip);
		rc |= buf_puts(sql, "))");
	}
	rc |= buf_puts(sql, " ORDER BY a.published DESC, a.id DESC");
	return rc;
}

static char *
column_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? xstrdup((const char *)s) : NULL;
}

static int
select_load_tags(sqlite3 *db, struct article *a, char *err)
{
	sqlite3_stmt *st;
	int rc;

	st = db_prepare(db, "SELECT t.name FROM article_tag x JOIN tag t "
	    "ON t.id = x.tag_id WHERE x.article_id = ?1 ORDER BY t.name", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, a->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		article_tag_add(a, (const char *)sqlite3_column_text(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0));
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : db_err(db, err, "reading tags");
}

/* The title keys of the articles kept so far, for near-duplicates. */
struct select_seen {
	char **keys;		/* owned */
	const char **sources;	/* borrowed from the kept articles' rows */
	size_t n;
	size_t cap;
	size_t scap;
};

static int
select_is_duplicate(const struct select_seen *seen, const char *key,
    const char *source)
{
	size_t i;

	if (*key == '\0')
		return 0;
	for (i = 0; i < seen->n; i++)
		if (strcmp(seen->sources[i], source) != 0 &&
		    select_titles_similar(seen->keys[i], key))
			return 1;
	return 0;
}

static void
select_seen_add(struct select_seen *seen, const char *key,
    const char *source)
{
	xgrow(&seen->keys, &seen->cap, seen->n + 1, sizeof(*seen->keys));
	xgrow(&seen->sources, &seen->scap, seen->n + 1, sizeof(*seen->sources));
	seen->keys[seen->n] = xstrdup(key);
	seen->sources[seen->n] = source;
	seen->n++;
}

static void
select_seen_release(struct select_seen *seen)
{
	size_t i;

	for (i = 0; i < seen->n; i++)
		free(seen->keys[i]);
	free(seen->keys);
	free(seen->sources);
}

static void
select_row(sqlite3_stmt *st, struct article *a)
{
	a->id = sqlite3_column_int64(st, 0);
	a->guid = column_dup(st, 1);
	a->url = column_dup(st, 2);
	a->title = column_dup(st, 3);
	a->author = column_dup(st, 5);
	a->source = column_dup(st, 6);
	a->published = sqlite3_column_int64(st, 7);
	a->fetched = sqlite3_column_int64(st, 8);
	a->body = column_dup(st, 9);
	a->lead = column_dup(st, 10);
}

int
select_articles(sqlite3 *db, const struct select_query *q,
    struct article_list *out, char *err)
{
	struct select_ids want, skip;
	struct select_seen seen;
	struct buf sql;
	sqlite3_stmt *st;
	size_t start = out->n, i;
	int rc = SQLITE_DONE;

	if (select_tag_ids(db, q->tags, q->ntags, &want, err) == -1 ||
	    select_tag_ids(db, q->exclude, q->nexclude, &skip, err) == -1)
		return -1;
	/* A tag no article carries matches nothing: with --all, nothing
	 * at all; with --any, only the known ones count. */
	if (q->ntags > 0 && (want.n == 0 || (q->match_all && want.unknown > 0)))
		return 0;
	buf_init(&sql, SELECT_SQL_MAX);
	if (select_sql(q, &want, &skip, &sql) == -1) {
		buf_release(&sql);
		return util_err(err, "selection too complex");
	}
	st = db_prepare(db, buf_cstr(&sql), err);
	buf_release(&sql);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, q->since);
	sqlite3_bind_int64(st, 2, q->until > 0 ? q->until : INT64_MAX);
	memset(&seen, 0, sizeof(seen));
	while ((q->limit == 0 || out->n - start < q->limit) &&
	    (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(st, 4);
		const char *source = (const char *)sqlite3_column_text(st, 6);
		struct article *a;

		if (select_is_duplicate(&seen, key, source))
			continue;
		a = article_list_push(out);
		select_row(st, a);
		select_seen_add(&seen, key, a->source);
	}
	if (q->limit == 0 || out->n - start < q->limit)
		rc = rc == SQLITE_DONE ? 0 : db_err(db, err, "selecting articles");
	else
		rc = 0;
	sqlite3_reset(st);
	select_seen_release(&seen);
	for (i = start; rc == 0 && i < out->n; i++)
		rc = select_load_tags(db, &out->v[i], err);
	return rc;
}

/*
 * Near-duplicate titles: the same story carried by two sources usually
 * differs by a word or two ("Apple unveils new iPhone" / "Apple unveils
 * the new iPhone"). Keys are already lower-case words; titles are similar
 * when equal, or when both have at least four words and their word sets
 * overlap by 80% (Jaccard).
 */
#define SELECT_WORDS_MAX 64

static size_t
select_words(const char *key, const char *w[SELECT_WORDS_MAX],
    size_t wl[SELECT_WORDS_MAX])
{
	size_t n = 0;
	const char *p = key, *sp;

	while (*p != '\0' && n < SELECT_WORDS_MAX) {
		sp = strchr(p, ' ');
		w[n] = p;
		wl[n] = sp ? (size_t)(sp - p) : strlen(p);
		n++;
		p = sp ? sp + 1 : p + strlen(p);
	}
	return n;
}

static int
select_has_word(const char *const *w, const size_t *wl, size_t n,
    const char *word, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (wl[i] == len && memcmp(w[i], word, len) == 0)
			return 1;
	return 0;
}

/* The number of distinct words of set a, with the count of those also in
 * b in *common. */
static size_t
select_distinct(const char *const *a, const size_t *al, size_t an,
    const char *const *b, const size_t *bl, size_t bn, size_t *common)
{
	size_t i, distinct = 0;

	*common = 0;
	for (i = 0; i < an; i++) {
		if (select_has_word(a, al, i, a[i], al[i]))
			continue;
		distinct++;
		*common += select_has_word(b, bl, bn, a[i], al[i]);
	}
	return distinct;
}

int
select_titles_similar(const char *a, const char *b)
{
	const char *wa[SELECT_WORDS_MAX], *wb[SELECT_WORDS_MAX];
	size_t la[SELECT_WORDS_MAX], lb[SELECT_WORDS_MAX];
	size_t na, nb, da, db, common, unused;

	if (strcmp(a, b) == 0)
		return 1;
	na = select_words(a, wa, la);
	nb = select_words(b, wb, lb);
	if (na < 4 || nb < 4)
		return 0;
	da = select_distinct(wa, la, na, wb, lb, nb, &common);
	db = select_distinct(wb, lb, nb, wa, la, na, &unused);
	/* |A ∩ B| / |A ∪ B| >= 0.8 */
	return common * 5 >= (da + db - common) * 4;
}
