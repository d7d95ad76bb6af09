#include "ingest.h"
#include "charset.h"
#include "date.h"
#include "db.h"
#include "extract.h"
#include "feed.h"
#include "fetch.h"
#include "summary.h"
#include "util.h"

#include <errno.h>
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
    struct ingest_input *in, char *err)
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

static void
ingest_leads(struct feed *f, int64_t now, const struct ingest_opts *o)
{
	int n = o->lead_sentences > 0 ? o->lead_sentences :
	    SUMMARY_LEAD_SENTENCES;
	size_t max = o->lead_max_chars > 0 ? o->lead_max_chars :
	    SUMMARY_LEAD_MAX_CHARS;
	size_t i;

	for (i = 0; i < f->items.n; i++) {
		struct article *a = &f->items.v[i];

		a->fetched = now;
		free(a->lead);
		a->lead = summary_lead(a->body ? a->body : "",
		    a->body ? strlen(a->body) : 0, n, max);
	}
}

/* Stores every item and the source's memo in one transaction. */
static int
ingest_store(sqlite3 *db, const struct ingest_input *in, struct feed *f,
    int64_t now, struct ingest_report *rep, char *err)
{
	size_t i;

	if (db_begin(db, err) == -1)
		return -1;
	for (i = 0; i < f->items.n; i++) {
		int rc = article_store_upsert(db, &f->items.v[i], err);

		if (rc == -1)
			goto fail;
		if (rc == 1)
			rep->added++;
		else
			rep->updated++;
	}
	if (ingest_memo_store(db, in->name, in->http.etag,
	    in->http.last_modified, now, "ok", err) == -1 ||
	    db_commit(db, err) == -1)
		goto fail;
	return 0;
fail:
	db_rollback(db);
	rep->added = rep->updated = 0;
	return -1;
}

enum ingest_status
ingest_source(sqlite3 *db, const char *source, const struct ingest_opts *o,
    struct ingest_report *rep, char *err)
{
	struct ingest_input in;
	struct feed f;
	enum ingest_status st;
	int64_t now = date_now();

	memset(rep, 0, sizeof(*rep));
	memset(&f, 0, sizeof(f));
	st = ingest_read(db, source, o, &in, err);
	if (st == INGEST_NOT_MODIFIED) {
		if (ingest_memo_store(db, in.name, NULL, 0, now, "not modified",
		    err) == -1)
			st = INGEST_DB;
	}
	if (st != INGEST_OK) {
		ingest_input_release(&in);
		return st;
	}
	if (ingest_parse(&in, &f, err) == -1) {
		st = INGEST_BAD_DATA;
	} else {
		rep->kind = feed_kind_name(f.kind);
		ingest_leads(&f, now, o);
		if (ingest_store(db, &in, &f, now, rep, err) == -1)
			st = INGEST_DB;
	}
	feed_release(&f);
	ingest_input_release(&in);
	return st;
}
