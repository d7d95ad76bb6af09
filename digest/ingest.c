#include "ingest.h"
#include "charset.h"
#include "date.h"
#include "db.h"
#include "extract.h"
#include "feed.h"
#include "fetch.h"
#include "ring.h"
#include "summary.h"
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* What we remember about a source between runs. */
struct ingest_memo {
	char *etag;		/* owned; NULL when none */
	int64_t last_modified;
};

static int
ingest_memo_load(sqlite3 *db, const char *name, struct ingest_memo *m,
    char *err)
{
	sqlite3_stmt *st;
	int rc;

	memset(m, 0, sizeof(*m));
	st = db_prepare(db, "SELECT etag, last_modified FROM source "
	    "WHERE name = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *etag = sqlite3_column_text(st, 0);

		m->etag = etag ? xstrdup((const char *)etag) : NULL;
		m->last_modified = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_err(db, err, "reading sources");
	return 0;
}

/* Records a fetch of name; etag NULL and last_modified 0 keep the old
 * values (a 304 carries none). */
static int
ingest_memo_store(sqlite3 *db, const char *name, const char *etag,
    int64_t last_modified, int64_t now, const char *status, char *err)
{
	sqlite3_stmt *st;
	int rc;

	st = db_prepare(db, "INSERT INTO source (name, etag, last_modified, "
	    "last_fetch, last_status) VALUES (?1, ?2, ?3, ?4, ?5) "
	    "ON CONFLICT (name) DO UPDATE SET "
	    "etag = coalesce(excluded.etag, etag), "
	    "last_modified = coalesce(excluded.last_modified, last_modified), "
	    "last_fetch = excluded.last_fetch, "
	    "last_status = excluded.last_status", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (etag != NULL)
		sqlite3_bind_text(st, 2, etag, -1, SQLITE_STATIC);
	if (last_modified > 0)
		sqlite3_bind_int64(st, 3, last_modified);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_text(st, 5, status, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : db_err(db, err, "recording the source");
}

static enum ingest_status
ingest_fetch_status(enum fetch_status fs)
{
	switch (fs) {
	case FETCH_OK:
		return INGEST_OK;
	case FETCH_NOT_MODIFIED:
		return INGEST_NOT_MODIFIED;
	case FETCH_NOINPUT:
		return INGEST_NO_INPUT;
	case FETCH_TOOBIG:
		return INGEST_BAD_DATA;
	case FETCH_TEMPFAIL:
		break;
	}
	return INGEST_TEMPFAIL;
}

/* The bytes of a source, read or fetched, and what came with them. */
struct ingest_input {
	struct fetch_result http;	/* data owned here for both kinds */
	char *name;			/* owned: canonical path, or the URL */
};

static enum ingest_status
ingest_read(sqlite3 *db, const char *source, const struct ingest_opts *o,
    int untrusted, struct ingest_input *in, char *err)
{
	struct ingest_memo memo;
	struct fetch_opts fo;
	enum fetch_status fs;
	char path[PATH_MAX], e[ERR_LEN];

	memset(in, 0, sizeof(*in));
	if (!fetch_is_url(source)) {
		/* Files are known by their real path: "./a.xml" and "a.xml"
		 * are one source, so re-ingesting never duplicates. */
		if (realpath(source, path) == NULL)
			return util_err(err, "%s", strerror(errno)),
			    INGEST_NO_INPUT;
		in->name = xstrdup(path);
		if (util_read_file(path, FEED_MAX_BYTES, &in->http.data,
		    &in->http.len, e) == -1) {
			util_err(err, "%s", e);
			return errno == EISDIR || errno == EACCES ?
			    INGEST_NO_INPUT : INGEST_BAD_DATA;
		}
		return INGEST_OK;
	}
	in->name = xstrdup(source);
	if (ingest_memo_load(db, source, &memo, err) == -1)
		return INGEST_DB;
	memset(&fo, 0, sizeof(fo));
	fo.timeout_ms = o->timeout_ms;
	fo.max_redirects = -1;
	fo.allow_private = o->allow_private;
	fo.untrusted_url = untrusted;
	if (!o->force) {
		fo.etag = memo.etag;
		fo.last_modified = memo.last_modified;
	}
	fs = fetch_url(source, &fo, &in->http, err);
	free(memo.etag);
	return ingest_fetch_status(fs);
}

static void
ingest_input_release(struct ingest_input *in)
{
	fetch_result_release(&in->http);
	free(in->name);
}

/* A page becomes one article; its text is converted to UTF-8 first. */
static int
ingest_page(const struct ingest_input *in, enum feed_kind kind,
    struct feed *out, char *err)
{
	char declared[CHARSET_NAME_MAX], *utf8;
	const char *from = in->http.charset;
	struct article *a;
	size_t len;
	int rc;

	if (kind == FEED_HTML_PAGE && charset_html_declared(in->http.data,
	    in->http.len, declared))
		from = declared;
	if (charset_to_utf8(in->http.data, in->http.len, from, &utf8, &len,
	    err) == -1)
		return -1;
	out->kind = kind;
	a = article_list_push(&out->items);
	rc = kind == FEED_HTML_PAGE ? extract_html(utf8, len, a, err) :
	    extract_text(utf8, len, a, err);
	free(utf8);
	if (rc == -1) {
		article_list_release(&out->items);
		return -1;
	}
	if (a->url == NULL && fetch_is_url(in->name))
		a->url = xstrdup(in->http.final_url ? in->http.final_url :
		    in->name);
	free(a->source);
	a->source = xstrdup(in->name);
	return 0;
}

static int
ingest_parse(const struct ingest_input *in, struct feed *out, char *err)
{
	enum feed_kind kind = feed_detect(in->http.data, in->http.len);

	if (memchr(in->http.data, '\0', in->http.len) != NULL &&
	    kind != FEED_RSS && kind != FEED_RDF && kind != FEED_ATOM)
		return util_err(err, "contains NUL bytes: not a text document");
	if (kind == FEED_HTML_PAGE || kind == FEED_TEXT_PAGE)
		return ingest_page(in, kind, out, err);
	return feed_parse(in->http.data, in->http.len, in->http.charset,
	    in->name, out, err);
}

/*
 * Parsing and storing overlap: a second thread parses the source and
 * computes each article's lead while this one stores the articles already
 * parsed, inside the source's one transaction. The store is the slower
 * half, so a large feed takes about the time of its SQLite writes.
 */
#define INGEST_QUEUE 1024
#define INGEST_BATCH 64	/* articles the parser queues at a time */

struct ingest_pipe {
	struct ring ready;		/* parsed articles, to be stored */
	/* Stored articles go back to the parser to be freed: memory is
	 * freed by the thread that allocated it, or malloc's arenas make
	 * the two threads fight over a lock for every string. */
	struct ring spent;
	/* The parser's side; read by the store only after the join. */
	struct article local[INGEST_BATCH];	/* owned: not yet queued */
	size_t nlocal;
	struct article freeing[INGEST_QUEUE];	/* owned: taken from spent */
	const struct ingest_input *in;
	const char *feed_tags;		/* a stored feed's, or NULL */
	int lead_sentences;
	size_t lead_max_chars;
	int64_t now;
	struct feed feed;
	int rc;
	char err[ERR_LEN];
};

static void
ingest_article_drop(void *a)
{
	article_release(a);
}

/* Queues the parser's local batch, waiting for room (the lock is taken
 * once per batch, not once per article), and frees what the store gave
 * back. What a store that gave up refuses is freed here. */
static void
ingest_pipe_flush(struct ingest_pipe *p)
{
	size_t i, nfree, queued;

	nfree = ring_take(&p->spent, p->freeing, INGEST_QUEUE, 0);
	queued = ring_put(&p->ready, p->local, p->nlocal, 1);
	for (i = queued; i < p->nlocal; i++)
		article_release(&p->local[i]);
	p->nlocal = 0;
	for (i = 0; i < nfree; i++)
		article_release(&p->freeing[i]);
}

/* The parser thread's hand-over: takes ownership of *a. */
static void
ingest_pipe_put(struct article *a, void *arg)
{
	struct ingest_pipe *p = arg;

	a->fetched = p->now;
	if (p->feed_tags != NULL)
		article_tags_split(a, p->feed_tags);
	/* An entry with neither a title nor a lead has nothing to show. */
	if (!summary_article(a, p->lead_sentences, p->lead_max_chars)) {
		article_release(a);
		return;
	}
	p->local[p->nlocal++] = *a;
	article_init(a);
	if (p->nlocal == INGEST_BATCH)
		ingest_pipe_flush(p);
}

/* The parser thread. Once done, it takes nothing more back: what the
 * store still has is freed there. */
static void *
ingest_pipe_parse(void *arg)
{
	struct ingest_pipe *p = arg;

	p->feed.on_item = ingest_pipe_put;
	p->feed.on_item_arg = p;
	p->rc = ingest_parse(p->in, &p->feed, p->err);
	/* Pages come back as a list: hand them over the same way. */
	for (size_t i = 0; p->rc == 0 && i < p->feed.items.n; i++)
		ingest_pipe_put(&p->feed.items.v[i], p);
	ingest_pipe_flush(p);
	ring_cancel(&p->spent);
	ring_close(&p->ready);
	return NULL;
}

/* Hands n stored articles back to the parser, which frees them; what
 * does not fit, or comes once the parser is done, is freed here. */
static void
ingest_pipe_give_back(struct ingest_pipe *p, struct article *batch,
    size_t n)
{
	size_t fit = ring_put(&p->spent, batch, n, 0);

	while (fit < n)
		article_release(&batch[fit++]);
}

static void
ingest_pipe_init(struct ingest_pipe *p, const struct ingest_input *in,
    const struct ingest_opts *o, int64_t now)
{
	memset(p, 0, sizeof(*p));
	ring_init(&p->ready, INGEST_QUEUE, sizeof(struct article),
	    ingest_article_drop);
	ring_init(&p->spent, INGEST_QUEUE, sizeof(struct article),
	    ingest_article_drop);
	p->in = in;
	p->now = now;
	p->lead_sentences = o->lead_sentences > 0 ? o->lead_sentences :
	    SUMMARY_LEAD_SENTENCES;
	p->lead_max_chars = o->lead_max_chars > 0 ? o->lead_max_chars :
	    SUMMARY_LEAD_MAX_CHARS;
}

static void
ingest_pipe_release(struct ingest_pipe *p)
{
	feed_release(&p->feed);
	ring_release(&p->spent);
	ring_release(&p->ready);
}

/* Records how many items a stored feed had (nothing for other sources). */
static int
ingest_feed_items(sqlite3 *db, const char *url, int64_t items, char *err)
{
	sqlite3_stmt *st = db_prepare(db, "UPDATE feed SET items = ?2 "
	    "WHERE url = ?1", err);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, items);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : db_err(db, err, "recording the feed");
}

/* Stores what the parser hands over, and the source's memo, in one
 * transaction; a parse error rolls it all back. */
static enum ingest_status
ingest_store(sqlite3 *db, struct ingest_pipe *p, pthread_t parser,
    struct ingest_report *rep, char *err)
{
	struct article *batch = xmalloc(INGEST_QUEUE * sizeof(*batch));
	size_t n, i;
	int rc = db_begin(db, err);

	while (rc == 0 && (n = ring_take(&p->ready, batch, INGEST_QUEUE,
	    1)) > 0) {
		for (i = 0; i < n; i++) {
			int added = rc == 0 ?
			    article_store_upsert(db, &batch[i], err) : 0;

			if (added == -1)
				rc = -1;
			else if (rc == 0)
				*(added ? &rep->added : &rep->updated) += 1;
		}
		ingest_pipe_give_back(p, batch, n);
	}
	free(batch);
	/* After a store error, the parser drops what it still finds. */
	if (rc == -1)
		ring_cancel(&p->ready);
	pthread_join(parser, NULL);
	if (rc == 0 && p->rc == -1) {
		db_rollback(db);
		rep->added = rep->updated = 0;
		util_err(err, "%s", p->err);
		return INGEST_BAD_DATA;
	}
	if (rc == 0 && (ingest_memo_store(db, p->in->name, p->in->http.etag,
	    p->in->http.last_modified, p->now, "ok", err) == -1 ||
	    ingest_feed_items(db, p->in->name, (int64_t)(rep->added +
	    rep->updated), err) == -1 || db_commit(db, err) == -1))
		rc = -1;
	if (rc == -1) {
		db_rollback(db);
		rep->added = rep->updated = 0;
		return INGEST_DB;
	}
	rep->kind = feed_kind_name(p->feed.kind);
	rep->undated = p->feed.undated;
	rep->nnotes = p->feed.nnotes;
	memcpy(rep->notes, p->feed.notes, sizeof(rep->notes));
	return INGEST_OK;
}

/* The message of a fetch names the URL first ("'URL': HTTP 404"); the
 * caller names the source itself, so that part goes. */
static void
ingest_err_unname(const char *source, char *err)
{
	size_t n = strlen(source);

	if (err[0] == '\'' && strncmp(err + 1, source, n) == 0 &&
	    strncmp(err + 1 + n, "': ", 3) == 0)
		memmove(err, err + n + 4, strlen(err + n + 4) + 1);
}

/* One source: feed_tags added to its items (NULL: none); untrusted: its
 * URL came from a file, not the operator. */
static enum ingest_status
ingest_one(sqlite3 *db, const char *source, const struct ingest_opts *o,
    const char *feed_tags, int untrusted, struct ingest_report *rep,
    char *err)
{
	struct ingest_input in;
	struct ingest_pipe *p;
	enum ingest_status st;
	pthread_t parser;
	int64_t now = date_now();
	char e[ERR_LEN];

	memset(rep, 0, sizeof(*rep));
	err[0] = '\0';
	st = ingest_read(db, source, o, untrusted, &in, err);
	if (st == INGEST_NOT_MODIFIED) {
		if (ingest_memo_store(db, in.name, NULL, 0, now, "not modified",
		    err) == -1)
			st = INGEST_DB;
	}
	if (st != INGEST_OK) {
		if (st != INGEST_NOT_MODIFIED)
			ingest_err_unname(source, err);
		/* What went wrong is remembered for `digest feeds list`. */
		if (st != INGEST_NOT_MODIFIED && st != INGEST_DB &&
		    in.name != NULL)
			(void)ingest_memo_store(db, in.name, NULL, 0, now, err, e);
		ingest_input_release(&in);
		return st;
	}
	p = xmalloc(sizeof(*p));
	ingest_pipe_init(p, &in, o, now);
	p->feed_tags = feed_tags;
	if (pthread_create(&parser, NULL, ingest_pipe_parse, p) != 0) {
		util_err(err, "cannot start a thread: %s", strerror(errno));
		st = INGEST_TEMPFAIL;
	} else {
		st = ingest_store(db, p, parser, rep, err);
	}
	if (st == INGEST_BAD_DATA)
		(void)ingest_memo_store(db, in.name, NULL, 0, now, err, e);
	ingest_pipe_release(p);
	free(p);
	ingest_input_release(&in);
	return st;
}

/* The tags of the stored feed url: 1 (an allocated string in *tags;
 * caller frees), 0 not a stored feed, -1 error. */
static int
ingest_feed_tags(sqlite3 *db, const char *url, char **tags, char *err)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT tags FROM feed "
	    "WHERE url = ?1", err);
	int rc;

	*tags = NULL;
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*tags = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_err(db, err, "reading the feeds");
	return rc == SQLITE_ROW;
}

enum ingest_status
ingest_source(sqlite3 *db, const char *source, const struct ingest_opts *o,
    struct ingest_report *rep, char *err)
{
	enum ingest_status st;
	char *tags = NULL;

	memset(rep, 0, sizeof(*rep));
	if (fetch_is_url(source) && ingest_feed_tags(db, source, &tags,
	    err) == -1)
		return INGEST_DB;
	st = ingest_one(db, source, o, tags, 0, rep, err);
	free(tags);
	return st;
}

/* ---- stored feeds ---------------------------------------------------- */

static char *
ingest_column_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s != NULL ? xstrdup((const char *)s) : NULL;
}

static void
ingest_feed_release(struct ingest_feed *f)
{
	free(f->url);
	free(f->title);
	free(f->tags);
	free(f->status);
	free(f->etag);
	memset(f, 0, sizeof(*f));
}

void
ingest_feed_list_release(struct ingest_feed_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		ingest_feed_release(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int
ingest_feed_list(sqlite3 *db, struct ingest_feed_list *out, char *err)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	st = db_prepare(db, "SELECT f.url, f.title, f.tags, "
	    "f.origin = 'import', f.added, s.last_fetch, s.last_status, "
	    "f.items, s.etag, s.last_modified FROM feed f "
	    "LEFT JOIN source s ON s.name = f.url ORDER BY f.id", err);
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct ingest_feed *f;

		xgrow(&out->v, &out->cap, out->n + 1, sizeof(*out->v));
		f = &out->v[out->n++];
		f->url = ingest_column_dup(st, 0);
		f->title = ingest_column_dup(st, 1);
		f->tags = ingest_column_dup(st, 2);
		f->imported = sqlite3_column_int(st, 3);
		f->added = sqlite3_column_int64(st, 4);
		f->last_fetch = sqlite3_column_int64(st, 5);
		f->status = ingest_column_dup(st, 6);
		f->items = sqlite3_column_type(st, 7) == SQLITE_NULL ? -1 :
		    sqlite3_column_int64(st, 7);
		f->etag = ingest_column_dup(st, 8);
		f->last_modified = sqlite3_column_int64(st, 9);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		ingest_feed_list_release(out);
		return db_err(db, err, "reading the feeds");
	}
	return 0;
}

int
ingest_feed_store(sqlite3 *db, const char *url, const char *title,
    const char *const *tags, size_t ntags, int replace_tags, int imported,
    int64_t now, char *err)
{
	struct article set;	/* only for its tag normalization */
	sqlite3_stmt *st;
	char *joined;
	size_t i;
	int rc, found;

	if (fetch_url_check(url, err) == -1)
		return -1;
	article_init(&set);
	for (i = 0; i < ntags; i++)
		article_tag_add(&set, tags[i], strlen(tags[i]));
	joined = article_tags_join(&set);
	article_release(&set);
	st = db_prepare(db, "SELECT 1 FROM feed WHERE url = ?1", err);
	if (st == NULL) {
		free(joined);
		return -1;
	}
	sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	/* The operator adding a feed an import brought makes it theirs. */
	st = db_prepare(db, found ? "UPDATE feed SET "
	    "title = coalesce(?2, title), "
	    "tags = CASE WHEN ?5 THEN ?3 ELSE tags END, "
	    "origin = CASE WHEN ?4 THEN origin ELSE 'add' END WHERE url = ?1" :
	    "INSERT INTO feed (url, title, tags, origin, added) "
	    "VALUES (?1, ?2, ?3, CASE WHEN ?4 THEN 'import' ELSE 'add' END, "
	    "?6)", err);
	if (st == NULL) {
		free(joined);
		return -1;
	}
	sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
	if (title != NULL && *title != '\0')
		sqlite3_bind_text(st, 2, title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, joined, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, imported);
	sqlite3_bind_int(st, 5, replace_tags != 0 || ntags > 0 ? 1 : 0);
	sqlite3_bind_int64(st, 6, now);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	free(joined);
	if (rc != SQLITE_DONE)
		return db_err(db, err, "storing the feed");
	return !found;
}

int
ingest_feed_remove(sqlite3 *db, const char *url, char *err)
{
	sqlite3_stmt *st = db_prepare(db, "DELETE FROM feed WHERE url = ?1",
	    err);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_err(db, err, "removing the feed");
	return sqlite3_changes(db) > 0;
}

int
ingest_feeds(sqlite3 *db, const struct ingest_opts *o, ingest_feed_fn *fn,
    void *arg, char *err)
{
	struct ingest_feed_list l;
	struct ingest_report rep;
	enum ingest_status st;
	char e[ERR_LEN];
	size_t i;

	if (ingest_feed_list(db, &l, err) == -1)
		return -1;
	for (i = 0; i < l.n; i++) {
		e[0] = '\0';
		st = ingest_one(db, l.v[i].url, o, l.v[i].tags, l.v[i].imported,
		    &rep, e);
		fn(l.v[i].url, st, &rep, e, arg);
	}
	ingest_feed_list_release(&l);
	return (int)i;
}
