#include "select.h"
#include "buf.h"
#include "db.h"
#include "util.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#define SELECT_TAGS_MAX 64	/* tags in one query, each way */
#define SELECT_IDS_MAX 1024	/* tag ids they stand for, paths included */
#define SELECT_SQL_MAX 32768

/*
 * Resolved tag ids of a query, a group per name: the tag itself and the
 * paths below it ("business" stands for "business/industries/publishing"
 * too). Names that no article carries have no group.
 */
struct select_ids {
	int64_t v[SELECT_IDS_MAX];
	size_t n;
	size_t group[SELECT_TAGS_MAX + 1];	/* group g: v[group[g]] up to
						 * v[group[g + 1]] */
	size_t ngroups;
	size_t unknown;		/* names not found */
};

/* Adds the ids of the tag norm (len bytes) and of the paths below it as
 * one group: 1 when there was one, 0 when none, -1 with err. */
static int
select_tag_group(sqlite3 *db, const char *norm, size_t len,
    struct select_ids *ids, char *err)
{
	char below[ARTICLE_TAG_MAX + 1], after[ARTICLE_TAG_MAX + 1];
	size_t start = ids->n;
	sqlite3_stmt *st;
	int rc;

	/* The paths below "x" sort from "x/" up to "x0" ('/' + 1). */
	memcpy(below, norm, len);
	memcpy(after, norm, len);
	below[len] = '/';
	after[len] = '0';
	st = db_prepare(db, "SELECT id FROM tag WHERE name = ?1 OR "
	    "(name >= ?2 AND name < ?3)", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, norm, (int)len, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, below, (int)len + 1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, after, (int)len + 1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && ids->n < SELECT_IDS_MAX)
		ids->v[ids->n++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return util_err(err, "tag '%s' stands for more than %d tags",
		    norm, SELECT_IDS_MAX);
	if (rc != SQLITE_DONE)
		return db_err(db, err, "reading tags");
	if (ids->n == start)
		return 0;
	ids->group[++ids->ngroups] = ids->n;
	return 1;
}

static int
select_tag_ids(sqlite3 *db, const char *const *names, size_t n,
    struct select_ids *ids, char *err)
{
	char norm[ARTICLE_TAG_MAX];
	size_t i, len;
	int rc;

	ids->n = ids->unknown = ids->ngroups = 0;
	ids->group[0] = 0;
	if (n > SELECT_TAGS_MAX)
		return util_err(err, "too many tags in one selection (at most %d)",
		    SELECT_TAGS_MAX);
	for (i = 0; i < n; i++) {
		len = article_tag_normalize(names[i], strlen(names[i]), norm);
		if (len == 0)
			continue;
		if ((rc = select_tag_group(db, norm, len, ids, err)) == -1)
			return -1;
		ids->unknown += rc == 0;
	}
	return 0;
}

/* The ids as the JSON parameter json_each reads: one [id, group] pair
 * each, "[[3,0],[17,0],[42,1]]". */
static int
select_id_json(struct buf *b, const struct select_ids *ids)
{
	size_t i, g;
	int rc = buf_puts(b, "[");

	for (g = 0; g < ids->ngroups; g++)
		for (i = ids->group[g]; i < ids->group[g + 1]; i++)
			rc |= buf_printf(b, "%s[%lld,%zu]", i ? "," : "",
			    (long long)ids->v[i], g);
	return rc | buf_puts(b, "]");
}

/*
 * The article carries a tag of every group (match_all) or of one: "a.id
 * IN" the articles that do in the window, read by tag, or, when one
 * article is looked at (by_article), its own tags looked up.
 */
static int
sql_tag_filter(struct buf *sql, const struct select_query *q,
    int by_article)
{
	const char *since = q->late ? "?9" : "?1";

	if (by_article && q->match_all)
		return buf_puts(sql, " AND (SELECT count(DISTINCT j.value->>1) "
		    "FROM json_each(?4) j CROSS JOIN article_tag t ON t.tag_id "
		    "= j.value->>0 AND t.article_id = a.id) = ?6");
	if (by_article)
		return buf_puts(sql, " AND EXISTS (SELECT 1 FROM article_tag t "
		    "WHERE t.article_id = a.id AND t.tag_id IN (SELECT "
		    "value->>0 FROM json_each(?4)))");
	if (q->match_all)
		return buf_printf(sql, " AND a.id IN (SELECT t.article_id FROM "
		    "json_each(?4) j CROSS JOIN article_tag t ON t.tag_id = "
		    "j.value->>0 WHERE t.published >= %s AND t.published < ?2 "
		    "GROUP BY t.article_id HAVING count(DISTINCT j.value->>1) "
		    "= ?6)", since);
	return buf_printf(sql, " AND a.id IN (SELECT article_id FROM "
	    "article_tag WHERE tag_id IN (SELECT value->>0 FROM json_each(?4)) "
	    "AND published >= %s AND published < ?2)", since);
}

/*
 * Builds the query. Its text depends only on which filters a query uses,
 * never on the tags themselves: the tag ids are bound (as JSON that
 * json_each reads), so a send over thousands of readers with as many
 * distinct topic sets prepares a handful of statements, not one per set.
 * The tag filter runs on article_tag's (tag_id, published) key: only
 * rows inside the window are visited, whatever the size of the store.
 * Parameters: ?1 since, ?2 until, ?3 edition, ?4 wanted ids with their
 * groups, ?5 excluded ids, ?6 how many groups an article needs
 * (match_all), ?7 late_after, ?8 late_since, ?9 the lower of ?1 and ?8;
 * for the first copy of a title, ?10 its key, ?11 the kept copy's id,
 * ?12 its source; ?13 the ids of by_ids, as a JSON array.
 */
static int
select_sql(const struct select_query *q, const struct select_ids *want,
    const struct select_ids *skip, int first_copy, struct buf *sql)
{
	int rc = 0;

	rc |= buf_puts(sql, "SELECT " ARTICLE_COLUMNS ", a.title_key "
	    "FROM article a WHERE a.published < ?2");
	rc |= buf_puts(sql, q->late ? " AND (a.published >= ?1 OR "
	    "(a.id > ?7 AND a.published >= ?8))" : " AND a.published >= ?1");
	/* The first copy of a title is found by the title's index, then
	 * checked against the tags, not the other way round. */
	if (first_copy)
		rc |= buf_puts(sql, " AND a.title_key = ?10 AND a.id < ?11 AND "
		    "a.source <> ?12");
	/* A group is one tag and the paths below it. */
	if (want->ngroups > 0)
		rc |= sql_tag_filter(sql, q, first_copy);
	if (q->edition != NULL)
		rc |= buf_puts(sql, " AND a.id IN (SELECT article_id FROM "
		    "edition_article WHERE edition_id = ?3)");
	if (q->by_ids)
		rc |= buf_puts(sql, " AND a.id IN (SELECT value FROM "
		    "json_each(?13))");
	if (skip->n > 0)
		rc |= buf_puts(sql, " AND NOT EXISTS (SELECT 1 FROM article_tag x "
		    "WHERE x.article_id = a.id AND x.tag_id IN (SELECT "
		    "value->>0 FROM json_each(?5)))");
	/* The first stored copy of a title the query picks, from another
	 * source than ?12: what a fold shows instead of a later copy. */
	if (first_copy)
		rc |= buf_puts(sql, " ORDER BY a.id LIMIT 1");
	else
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
 * Never the other side of a story: titles that differ by a negation
 * ("found guilty" / "found not guilty", "fails to pass") or that swap who
 * did what ("Liverpool beat Chelsea" / "Chelsea beat Liverpool") are two
 * stories, however alike their words. Titles of fewer than four words
 * ("Trailer", "Weekly roundup") say too little: they fold only when their
 * leads are alike too.
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
#define SIG_SHORT 4		/* fewer words: the leads must agree too */

struct select_sig {
	uint32_t h[SIG_WORDS_MAX];	/* sorted, unique */
	size_t n;
	uint32_t seq[SIG_WORDS_MAX];	/* the same words, in title order */
	size_t nseq;
	unsigned negations;	/* not, no, never, n't, fails to... */
};

/* Words that say nothing about which story a title tells. */
static const char *const sig_stopwords[] = {
	"a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has",
	"have", "in", "is", "it", "its", "of", "on", "or", "s", "that", "the",
	"to", "was", "will", "with",
};

/* Words that turn a title into its opposite; and those that do before
 * "to" ("fails to pass"). */
static const char *const sig_negations[] = {
	"not", "no", "never", "cannot", "nor", "none", "nobody", "nothing",
	"neither", "without",
};
static const char *const sig_failures[] = {
	"fail", "fails", "failed", "failing", "refuses", "refused",
};

static int
word_in(const char *w, size_t n, const char *const *list, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (strlen(list[i]) == n && memcmp(list[i], w, n) == 0)
			return 1;
	return 0;
}

static int
sig_is_stopword(const char *w, size_t n)
{
	return n <= 5 && word_in(w, n, sig_stopwords,
	    sizeof(sig_stopwords) / sizeof(sig_stopwords[0]));
}

/* 1 when the word w (n bytes, after prev of pn bytes, before next of nn)
 * negates: "not", "never", the "t" of "didn't" (the key splits it from
 * "didn"), "fails" before "to". */
static int
sig_is_negation(const char *prev, size_t pn, const char *w, size_t n,
    const char *next, size_t nn)
{
	if (word_in(w, n, sig_negations,
	    sizeof(sig_negations) / sizeof(sig_negations[0])))
		return 1;
	if (n == 1 && w[0] == 't' && pn > 1 && prev[pn - 1] == 'n')
		return 1;
	return nn == 2 && memcmp(next, "to", 2) == 0 && word_in(w, n,
	    sig_failures, sizeof(sig_failures) / sizeof(sig_failures[0]));
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
	const char *p = key, *sp, *prev = "", *next;
	size_t i, n = 0, len, pn = 0, nn;

	sig->negations = 0;
	sig->nseq = 0;
	while (*p != '\0' && n < SIG_WORDS_MAX) {
		sp = strchr(p, ' ');
		len = sp ? (size_t)(sp - p) : strlen(p);
		next = sp ? sp + 1 : p + len;
		nn = strcspn(next, " ");
		sig->negations += sig_is_negation(prev, pn, p, len, next, nn);
		if (len > 0 && !sig_is_stopword(p, len)) {
			sig->h[n] = sig_word(p, len);
			sig->seq[sig->nseq++] = sig->h[n++];
		}
		prev = p;
		pn = len;
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
	if (s->n < SIG_SHORT)
		return s->n > 0;
	return s->n - (4 * s->n + 4) / 5 + 1;
}

static int
select_sig_similar(const struct select_sig *a, const struct select_sig *b)
{
	size_t i = 0, j = 0, common = 0;

	if (a->n < SIG_SHORT || b->n < SIG_SHORT) {
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

/* The place of word h in the title order of s, or -1. */
static long
sig_place(const struct select_sig *s, uint32_t h)
{
	size_t i;

	for (i = 0; i < s->nseq; i++)
		if (s->seq[i] == h)
			return (long)i;
	return -1;
}

/*
 * 1 when two words both titles hold stand in opposite order around a
 * third that stands between them in both: "Liverpool beat Chelsea" and
 * "Chelsea beat Liverpool". A phrase moved as a whole ("In Beijing, Obama
 * meets Xi" / "Obama meets Xi in Beijing") has no word between the two it
 * swaps in one of the titles, and is the same story.
 */
static int
select_roles_swapped(const struct select_sig *a, const struct select_sig *b)
{
	long pb[SIG_WORDS_MAX];	/* places in b of the common words, in
				 * a's order */
	size_t n = 0, x, y, z;

	for (x = 0; x < a->nseq; x++) {
		long p = sig_place(b, a->seq[x]);

		if (p >= 0 && sig_place(a, a->seq[x]) == (long)x)
			pb[n++] = p;
	}
	for (x = 0; x < n; x++)
		for (y = x + 1; y < n; y++) {
			if (pb[x] < pb[y])
				continue;
			for (z = x + 1; z < y; z++)
				if (pb[z] < pb[x] && pb[z] > pb[y])
					return 1;
		}
	return 0;
}

/* Two titles tell the same story: alike, and neither the negation nor
 * the roles of one turned around in the other. */
static int
select_same_story(const struct select_sig *a, const struct select_sig *b)
{
	return a->n > 0 && select_sig_similar(a, b) &&
	    a->negations == b->negations && !select_roles_swapped(a, b);
}

int
select_titles_similar(const char *a, const char *b)
{
	struct select_sig sa, sb;

	select_sig_make(a, &sa);
	select_sig_make(b, &sb);
	return select_same_story(&sa, &sb);
}

/* The titles kept so far, indexed by their prefix words. */
struct select_kept {
	struct select_sig sig;
	struct select_sig lead;		/* short titles only */
	char *source;		/* owned */
	char *key;		/* owned: the title key */
	int64_t id;		/* the copy shown: the one stored first */
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

/* The signature of a lead, for short titles: empty when there is none,
 * which matches nothing. */
static void
select_lead_sig(const char *lead, struct select_sig *sig)
{
	char *key;

	memset(sig, 0, sizeof(*sig));
	if (lead == NULL || *lead == '\0')
		return;
	key = article_title_key(lead);
	select_sig_make(key, sig);
	free(key);
}

/* Whether the row (key, source, lead) folds into the kept title k. */
static int
select_folds(const struct select_kept *k, const struct select_sig *sig,
    const char *source, const char *lead)
{
	struct select_sig ls;

	if (strcmp(k->source, source) == 0 || !select_same_story(&k->sig, sig))
		return 0;
	if (sig->n >= SIG_SHORT && k->sig.n >= SIG_SHORT)
		return 1;
	select_lead_sig(lead, &ls);
	return ls.n > 0 && k->lead.n > 0 && select_sig_similar(&k->lead, &ls);
}

/* The index of the kept title that the row folds into; otherwise keeps
 * it (as stored with id) and returns SIZE_MAX. */
static size_t
select_dedup_seen(struct select_dedup *d, const char *key,
    const char *source, const char *lead, int64_t id)
{
	struct select_sig sig;
	struct select_kept *k;
	size_t i, p, nprefix;

	select_sig_make(key, &sig);
	nprefix = select_sig_prefix(&sig);
	d->probe++;
	for (i = 0; sig.n > 0 && i < nprefix && d->nbucket > 0; i++) {
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
			if (select_folds(k, &sig, source, lead))
				return d->post[p].kept;
		}
	}
	xgrow(&d->kept, &d->kept_cap, d->nkept + 1, sizeof(*d->kept));
	k = &d->kept[d->nkept];
	k->sig = sig;
	if (sig.n < SIG_SHORT)
		select_lead_sig(lead, &k->lead);
	else
		k->lead.n = 0;
	k->source = xstrdup(source);
	k->key = xstrdup(key);
	k->id = id;
	k->checked = 0;
	for (i = 0; i < nprefix; i++)
		select_dedup_index(d, sig.h[i], d->nkept);
	d->nkept++;
	return SIZE_MAX;
}

static void
select_dedup_release(struct select_dedup *d)
{
	size_t i;

	for (i = 0; i < d->nkept; i++) {
		free(d->kept[i].source);
		free(d->kept[i].key);
	}
	free(d->kept);
	free(d->post);
	free(d->bucket);
}

/* Binds the window, the edition and the late stories of q to st's ?1
 * ?2 ?3 ?7 ?8 ?9, and the tags, as JSON made in scratch, to ?4 ?5 ?6. */
static void
select_bind(sqlite3_stmt *st, const struct select_query *q,
    const struct select_ids *want, const struct select_ids *skip,
    struct buf *scratch)
{
	sqlite3_bind_int64(st, 1, q->since);
	sqlite3_bind_int64(st, 2, q->until > 0 ? q->until : INT64_MAX);
	if (q->edition != NULL)
		sqlite3_bind_text(st, 3, q->edition, -1, SQLITE_STATIC);
	if (want->ngroups > 0) {
		buf_truncate(scratch, 0);
		(void)select_id_json(scratch, want);
		sqlite3_bind_text(st, 4, buf_cstr(scratch), -1,
		    SQLITE_TRANSIENT);
	}
	if (skip->n > 0) {
		buf_truncate(scratch, 0);
		(void)select_id_json(scratch, skip);
		sqlite3_bind_text(st, 5, buf_cstr(scratch), -1,
		    SQLITE_TRANSIENT);
	}
	if (q->match_all)
		sqlite3_bind_int64(st, 6, (int64_t)want->ngroups);
	if (q->late) {
		sqlite3_bind_int64(st, 7, q->late_after);
		sqlite3_bind_int64(st, 8, q->late_since);
		sqlite3_bind_int64(st, 9, q->late_since < q->since ?
		    q->late_since : q->since);
	}
}

/* Puts the current row of st in a's place: a fold shows the copy stored
 * first. */
static void
select_replace(sqlite3_stmt *st, struct article *a)
{
	article_release(a);
	article_from_row(st, a);
}

/* Binds q's ids to st's ?13: a JSON array, made here. */
static void
select_bind_ids(sqlite3_stmt *st, const struct select_query *q)
{
	struct buf json;
	size_t i;

	/* 20 digits and a comma an id, and the brackets. */
	buf_init(&json, 21 * q->nids + 3);
	(void)buf_putc(&json, '[');
	for (i = 0; i < q->nids; i++)
		(void)buf_printf(&json, "%s%lld", i ? "," : "",
		    (long long)q->ids[i]);
	(void)buf_putc(&json, ']');
	sqlite3_bind_text(st, 13, buf_cstr(&json), -1, SQLITE_TRANSIENT);
	buf_release(&json);
}

/* The selection's statement (select_sql) with q's window and tags
 * bound, or NULL with err. */
static sqlite3_stmt *
select_prepare(sqlite3 *db, const struct select_query *q,
    const struct select_ids *want, const struct select_ids *skip,
    int first_copy, char *err)
{
	struct buf sql;
	sqlite3_stmt *st;

	buf_init(&sql, SELECT_SQL_MAX);
	if (select_sql(q, want, skip, first_copy, &sql) == -1) {
		buf_release(&sql);
		(void)util_err(err, "selection too complex");
		return NULL;
	}
	st = db_prepare(db, buf_cstr(&sql), err);
	if (st != NULL)
		select_bind(st, q, want, skip, &sql);
	if (st != NULL && q->by_ids)
		select_bind_ids(st, q);
	buf_release(&sql);
	return st;
}

/*
 * When the limit cut the window short, the copy of a kept title stored
 * first may lie beyond it (older, or less recent on its feed): each kept
 * title's earlier copies of the very same title, from another source,
 * that the query picks, are looked up by the title key's index.
 */
static int
select_first_copies(sqlite3 *db, const struct select_query *q,
    const struct select_ids *want, const struct select_ids *skip,
    struct select_dedup *seen, struct article *v, char *err)
{
	struct select_kept *k;
	struct select_sig ls;
	sqlite3_stmt *st;
	size_t i;
	int rc = 0;

	if ((st = select_prepare(db, q, want, skip, 1, err)) == NULL)
		return -1;
	for (i = 0; i < seen->nkept && rc == 0; i++) {
		k = &seen->kept[i];
		sqlite3_bind_text(st, 10, k->key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 11, k->id);
		sqlite3_bind_text(st, 12, v[i].source ? v[i].source : "", -1,
		    SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW && k->sig.n < SIG_SHORT) {
			select_lead_sig((const char *)
			    sqlite3_column_text(st, 9), &ls);
			if (ls.n == 0 || k->lead.n == 0 ||
			    !select_sig_similar(&k->lead, &ls))
				rc = SQLITE_DONE;
		}
		if (rc == SQLITE_ROW)
			select_replace(st, &v[i]);
		rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 :
		    db_err(db, err, "selecting articles");
		sqlite3_reset(st);
	}
	return rc;
}

int
select_articles(sqlite3 *db, const struct select_query *q,
    struct article_list *out, char *err)
{
	struct select_ids want, skip;
	struct select_dedup seen;
	sqlite3_stmt *st;
	size_t start = out->n, k;
	int rc = SQLITE_DONE, cut;

	if (select_tag_ids(db, q->tags, q->ntags, &want, err) == -1 ||
	    select_tag_ids(db, q->exclude, q->nexclude, &skip, err) == -1)
		return -1;
	/* A tag no article carries matches nothing: with --all, nothing
	 * at all; with --any, only the known ones count. */
	if (q->ntags > 0 && (want.n == 0 || (q->match_all && want.unknown > 0)))
		return 0;
	if ((st = select_prepare(db, q, &want, &skip, 0, err)) == NULL)
		return -1;
	select_dedup_init(&seen);
	while ((q->limit == 0 || out->n - start < q->limit) &&
	    (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(st,
		    ARTICLE_NCOLUMNS);
		/* a.source and a.lead: columns 5 and 9 of ARTICLE_COLUMNS */
		const char *source = (const char *)sqlite3_column_text(st, 5);
		const char *lead = (const char *)sqlite3_column_text(st, 9);
		int64_t id = sqlite3_column_int64(st, 0);

		k = select_dedup_seen(&seen, key ? key : "", source ? source :
		    "", lead, id);
		if (k == SIZE_MAX) {
			article_from_row(st, article_list_push(out));
		} else if (id < seen.kept[k].id) {
			/* A later source never replaces the first copy. */
			select_replace(st, &out->v[start + k]);
			seen.kept[k].id = id;
		}
	}
	cut = rc == SQLITE_ROW;
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		rc = 0;
	else
		rc = db_err(db, err, "selecting articles");
	sqlite3_reset(st);
	if (rc == 0 && cut)
		rc = select_first_copies(db, q, &want, &skip, &seen,
		    out->v + start, err);
	select_dedup_release(&seen);
	return rc;
}
