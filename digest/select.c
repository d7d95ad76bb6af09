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

/* The ids as a JSON array, "[3,17,42]", the parameter json_each reads. */
static int
select_id_json(struct buf *b, const struct select_ids *ids)
{
	size_t i;
	int rc = buf_puts(b, "[");

	for (i = 0; i < ids->n; i++)
		rc |= buf_printf(b, "%s%lld", i ? "," : "", (long long)ids->v[i]);
	return rc | buf_puts(b, "]");
}

/*
 * Builds the query. Its text depends only on which filters a query uses,
 * never on the tags themselves: the tag ids are bound (as JSON arrays
 * that json_each reads), so a send over thousands of readers with as
 * many distinct topic sets prepares a handful of statements, not one per
 * set. The tag filter runs on article_tag's (tag_id, published) key: only
 * rows inside the window are visited, whatever the size of the store.
 * Parameters: ?1 since, ?2 until, ?3 edition, ?4 wanted ids, ?5 excluded
 * ids, ?6 how many wanted ids an article needs (match_all).
 */
static int
select_sql(const struct select_query *q, const struct select_ids *want,
    const struct select_ids *skip, struct buf *sql)
{
	int rc = 0;

	rc |= buf_puts(sql, "SELECT " ARTICLE_COLUMNS ", a.title_key "
	    "FROM article a WHERE a.published >= ?1 AND a.published < ?2");
	if (want->n > 0) {
		rc |= buf_puts(sql, " AND a.id IN (SELECT article_id FROM "
		    "article_tag WHERE tag_id IN (SELECT value FROM "
		    "json_each(?4)) AND published >= ?1 AND published < ?2");
		if (q->match_all)
			rc |= buf_puts(sql, " GROUP BY article_id HAVING "
			    "count(*) = ?6");
		rc |= buf_puts(sql, ")");
	}
	if (q->edition != NULL)
		rc |= buf_puts(sql, " AND a.id IN (SELECT article_id FROM "
		    "edition_article WHERE edition_id = ?3)");
	if (skip->n > 0)
		rc |= buf_puts(sql, " AND NOT EXISTS (SELECT 1 FROM article_tag x "
		    "WHERE x.article_id = a.id AND x.tag_id IN (SELECT value "
		    "FROM json_each(?5)))");
	rc |= buf_puts(sql, " ORDER BY a.published DESC, a.id DESC");
	return rc;
}

/*
 * Near-duplicate titles. The same story carried by two sources usually
 * differs by a word or two ("Council approves the levy" / "Council
 * approves levy"). Title keys are lower-case words; a title's signature is
 * the sorted set of its words' hashes. Two titles are near-duplicates when
 * their word sets, small words such as "the" left out, are equal or, with
 * four words or more each, overlap by at least 80% (Jaccard).
 *
 * Comparing every new title with every kept one is quadratic in the size
 * of a window; prefix filtering (Bayardo et al., "Scaling up all pairs
 * similarity search") makes it linear: two sets with Jaccard >= t share a
 * word among the first n - ceil(t * n) + 1 words of each, in one global
 * order, so each kept title is indexed under those words only and a new
 * title is checked against the titles found under its own.
 */
#define SIG_WORDS_MAX 64
#define SIG_SCAN_MAX 256	/* postings read per word of a probe */

struct select_sig {
	uint32_t h[SIG_WORDS_MAX];	/* sorted, unique */
	size_t n;
};

/* Words that say nothing about which story a title tells. */
static const char *const sig_stopwords[] = {
	"a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has",
	"have", "in", "is", "it", "its", "of", "on", "or", "s", "that", "the",
	"to", "was", "will", "with",
};

static int
sig_is_stopword(const char *w, size_t n)
{
	size_t i;

	if (n > 5)
		return 0;
	for (i = 0; i < sizeof(sig_stopwords) / sizeof(sig_stopwords[0]); i++)
		if (strlen(sig_stopwords[i]) == n &&
		    memcmp(sig_stopwords[i], w, n) == 0)
			return 1;
	return 0;
}

/*
 * A word's place in the global order is its length, longest first, then
 * a 24-bit hash: long words are the rare ones, and prefix filtering only
 * stays fast when the rare words come first.
 */
static uint32_t
sig_word(const char *s, size_t n)
{
	uint32_t h = 2166136261u;	/* FNV-1a */
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return ((uint32_t)(255 - (n > 255 ? 255 : n)) << 24) | (h >> 8);
}

static int
sig_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void
select_sig_make(const char *key, struct select_sig *sig)
{
	const char *p = key, *sp;
	size_t i, n = 0, len;

	while (*p != '\0' && n < SIG_WORDS_MAX) {
		sp = strchr(p, ' ');
		len = sp ? (size_t)(sp - p) : strlen(p);
		if (len > 0 && !sig_is_stopword(p, len))
			sig->h[n++] = sig_word(p, len);
		p += len + (sp != NULL);
	}
	qsort(sig->h, n, sizeof(sig->h[0]), sig_cmp);
	for (i = sig->n = 0; i < n; i++)
		if (sig->n == 0 || sig->h[sig->n - 1] != sig->h[i])
			sig->h[sig->n++] = sig->h[i];
}

/* How many leading words index a title: enough that two similar titles
 * always share one. Short titles must match exactly, so one suffices. */
static size_t
select_sig_prefix(const struct select_sig *s)
{
	if (s->n < 4)
		return s->n > 0;
	return s->n - (4 * s->n + 4) / 5 + 1;
}

static int
select_sig_similar(const struct select_sig *a, const struct select_sig *b)
{
	size_t i = 0, j = 0, common = 0;

	if (a->n < 4 || b->n < 4) {
		if (a->n != b->n)
			return 0;
		return memcmp(a->h, b->h, a->n * sizeof(a->h[0])) == 0;
	}
	while (i < a->n && j < b->n) {
		if (a->h[i] == b->h[j]) {
			common++;
			i++;
			j++;
		} else if (a->h[i] < b->h[j]) {
			i++;
		} else {
			j++;
		}
	}
	/* |A ∩ B| / |A ∪ B| >= 0.8 */
	return common * 5 >= (a->n + b->n - common) * 4;
}

int
select_titles_similar(const char *a, const char *b)
{
	struct select_sig sa, sb;

	select_sig_make(a, &sa);
	select_sig_make(b, &sb);
	return sa.n > 0 && select_sig_similar(&sa, &sb);
}

/* The titles kept so far, indexed by their prefix words. */
struct select_kept {
	struct select_sig sig;
	char *source;		/* owned */
	size_t checked;		/* the probe that last compared it */
};

struct select_posting {
	uint32_t word;
	size_t kept;		/* index into kept */
	size_t next;		/* next posting in the bucket, or SIZE_MAX */
};

struct select_dedup {
	struct select_kept *kept;	/* owned */
	size_t nkept, kept_cap;
	struct select_posting *post;	/* owned */
	size_t npost, post_cap;
	size_t *bucket;			/* owned; heads, SIZE_MAX = empty */
	size_t nbucket;			/* a power of two */
	size_t probe;
};

static void
select_dedup_init(struct select_dedup *d)
{
	memset(d, 0, sizeof(*d));
}

static void
select_dedup_rehash(struct select_dedup *d)
{
	size_t i, b, n = d->nbucket ? d->nbucket * 2 : 256;

	free(d->bucket);
	d->bucket = xmalloc(n * sizeof(*d->bucket));
	d->nbucket = n;
	for (i = 0; i < n; i++)
		d->bucket[i] = SIZE_MAX;
	for (i = 0; i < d->npost; i++) {
		b = d->post[i].word & (n - 1);
		d->post[i].next = d->bucket[b];
		d->bucket[b] = i;
	}
}

static void
select_dedup_index(struct select_dedup *d, uint32_t word, size_t kept)
{
	size_t b;

	if (d->npost + 1 > d->nbucket / 2)
		select_dedup_rehash(d);
	xgrow(&d->post, &d->post_cap, d->npost + 1, sizeof(*d->post));
	b = word & (d->nbucket - 1);
	d->post[d->npost].word = word;
	d->post[d->npost].kept = kept;
	d->post[d->npost].next = d->bucket[b];
	d->bucket[b] = d->npost++;
}

/* 1 when a near-duplicate of key from another source was kept before;
 * otherwise keeps key and returns 0. */
static int
select_dedup_seen(struct select_dedup *d, const char *key,
    const char *source)
{
	struct select_sig sig;
	struct select_kept *k;
	size_t i, p, nprefix;

	select_sig_make(key, &sig);
	if (sig.n == 0)
		return 0;
	nprefix = select_sig_prefix(&sig);
	d->probe++;
	for (i = 0; i < nprefix && d->nbucket > 0; i++) {
		size_t scanned = 0;

		/* A word in hundreds of kept titles is a common one: stop
		 * there rather than turn quadratic on a huge window. */
		for (p = d->bucket[sig.h[i] & (d->nbucket - 1)];
		    p != SIZE_MAX && scanned < SIG_SCAN_MAX;
		    p = d->post[p].next) {
			if (d->post[p].word != sig.h[i])
				continue;
			scanned++;
			k = &d->kept[d->post[p].kept];
			if (k->checked == d->probe)
				continue;
			k->checked = d->probe;
			if (strcmp(k->source, source) != 0 &&
			    select_sig_similar(&k->sig, &sig))
				return 1;
		}
	}
	xgrow(&d->kept, &d->kept_cap, d->nkept + 1, sizeof(*d->kept));
	k = &d->kept[d->nkept];
	k->sig = sig;
	k->source = xstrdup(source);
	k->checked = 0;
	for (i = 0; i < nprefix; i++)
		select_dedup_index(d, sig.h[i], d->nkept);
	d->nkept++;
	return 0;
}

static void
select_dedup_release(struct select_dedup *d)
{
	size_t i;

	for (i = 0; i < d->nkept; i++)
		free(d->kept[i].source);
	free(d->kept);
	free(d->post);
	free(d->bucket);
}

int
select_articles(sqlite3 *db, const struct select_query *q,
    struct article_list *out, char *err)
{
	struct select_ids want, skip;
	struct select_dedup seen;
	struct buf sql;
	sqlite3_stmt *st;
	size_t start = out->n;
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
	if (st == NULL) {
		buf_release(&sql);
		return -1;
	}
	sqlite3_bind_int64(st, 1, q->since);
	sqlite3_bind_int64(st, 2, q->until > 0 ? q->until : INT64_MAX);
	if (q->edition != NULL)
		sqlite3_bind_text(st, 3, q->edition, -1, SQLITE_STATIC);
	/* The statement is prepared: sql holds the id lists now. */
	buf_truncate(&sql, 0);
	if (want.n > 0) {
		(void)select_id_json(&sql, &want);
		sqlite3_bind_text(st, 4, buf_cstr(&sql), -1, SQLITE_TRANSIENT);
		buf_truncate(&sql, 0);
	}
	if (skip.n > 0) {
		(void)select_id_json(&sql, &skip);
		sqlite3_bind_text(st, 5, buf_cstr(&sql), -1, SQLITE_TRANSIENT);
	}
	if (q->match_all)
		sqlite3_bind_int64(st, 6, (int64_t)want.n);
	buf_release(&sql);
	select_dedup_init(&seen);
	while ((q->limit == 0 || out->n - start < q->limit) &&
	    (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(st,
		    ARTICLE_NCOLUMNS);
		/* a.source is column 5 of ARTICLE_COLUMNS */
		const char *source = (const char *)sqlite3_column_text(st, 5);
		struct article *a;

		if (select_dedup_seen(&seen, key, source))
			continue;
		a = article_list_push(out);
		article_from_row(st, a);
	}
	if (q->limit == 0 || out->n - start < q->limit)
		rc = rc == SQLITE_DONE ? 0 : db_err(db, err, "selecting articles");
	else
		rc = 0;
	sqlite3_reset(st);
	select_dedup_release(&seen);
	return rc;
}

