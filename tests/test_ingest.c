/*
 * test_ingest: digest/ingest.c, as ingest.h states it, on a real SQLite
 * file per case: sources read from files the test writes and fetched
 * from a real HTTP server (httpd_child.h), parsed in one thread and
 * stored in another. A source is stored whole or not at all, whichever
 * half fails and however far it got (feeds several times the hand-over
 * ring's size, so that both threads wait on each other); the memo of a
 * fetch makes the next one conditional; stored feeds carry their tags
 * to their items, and a failing one does not stop the others. The clock
 * is DIGEST_NOW. Skipped (77) without /usr/bin/python3.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "testutil.h"
#include "httpd_child.h"
#include "article.h"
#include "buf.h"
#include "db.h"
#include "fetch.h"
#include "ingest.h"

#include <curl/curl.h>
#include <limits.h>

#define NOW 1795867200		/* 2026-11-28T12:00:00Z */
#define NOW_S "1795867200"
/* Several times ingest.c's ring (1,024 articles), so that the parser
 * waits for room and the store for articles, over and over. */
#define MANY 5000

static struct httpd_child srv;
static sqlite3 *db;
static char dir[4096];		/* this case's scratch folder */
static char dbpath[4200];

/* ---- files and feeds ------------------------------------------------ */

/* dir/name, static storage (two at a time). */
static const char *
in_dir(const char *name)
{
	static char p[2][4400];
	static int k;

	k ^= 1;
	snprintf(p[k], sizeof(p[k]), "%s/%s", dir, name);
	return p[k];
}

/* The server's folder's name (served as /files/name), static storage. */
static const char *
served(const char *name)
{
	static char p[4400];

	snprintf(p, sizeof(p), "%s/%s", srv.dir, name);
	return p;
}

/* Writes len bytes of data to path; the test fails when it cannot. */
static void
write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* An RSS feed of n items, item-0 to item-(n-1), each in category
 * "Topic N%3" and with a three-sentence description; tail (may be
 * "") follows the last item instead of the closing tags when not
 * NULL, to make it broken. Caller frees. */
static char *
rss(int n, const char *tail)
{
	struct buf b;
	int i, rc;

	buf_init(&b, 64u << 20);
	rc = buf_puts(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<rss version=\"2.0\"><channel><title>Harbor</title>"
	    "<link>https://h.example.org/</link>\n");
	for (i = 0; rc == 0 && i < n; i++)
		rc = buf_printf(&b, "<item><guid>item-%d</guid>"
		    "<title>Story %d</title>"
		    "<link>https://h.example.org/%d</link>"
		    "<category>Topic %d</category>"
		    "<pubDate>Tue, 24 Nov 2026 10:00:00 GMT</pubDate>"
		    "<description>Story %d opens here. It goes on there. "
		    "It ends at last.</description></item>\n", i, i, i, i % 3,
		    i);
	if (rc == 0)
		rc = buf_puts(&b, tail != NULL ? tail : "</channel></rss>\n");
	assert_int_equal(rc, 0);
	return buf_detach(&b, NULL);
}

/* Writes rss(n, tail) to path. */
static void
write_rss(const char *path, int n, const char *tail)
{
	char *s = rss(n, tail);

	write_file(path, s, strlen(s));
	free(s);
}

/* ---- the store ------------------------------------------------------ */

static int
setup(void **state)
{
	char err[ERR_LEN];

	(void)state;
	snprintf(dir, sizeof(dir), "%s", tu_tmpdir());
	snprintf(dbpath, sizeof(dbpath), "%s/ingest.db", dir);
	db = db_open(dbpath, err);
	if (db == NULL)
		fail_msg("%s", err);
	return 0;
}

/* Removes what the case wrote. */
static int
teardown(void **state)
{
	(void)state;
	db_close(db);
	if (tu_rmtree(dir) == -1)
		print_error("cannot remove %s\n", dir);
	return 0;
}

static int
group_setup(void **state)
{
	(void)state;
	setenv("DIGEST_NOW", NOW_S, 1);
	fetch_global_init();
	return httpd_child_start(&srv);
}

static int
group_teardown(void **state)
{
	(void)state;
	httpd_child_stop(&srv);
	curl_global_cleanup();
	return 0;
}

static const struct ingest_opts defaults;

/* Ingests source with o (NULL: defaults); its status, the report in
 * *rep and the error in err. */
static enum ingest_status
ingest(const char *source, const struct ingest_opts *o,
    struct ingest_report *rep, char *err)
{
	err[0] = '\0';
	return ingest_source(db, source, o ? o : &defaults, rep, err);
}

/* As ingest, which must end with status want; the report in *rep and
 * the error in err. */
static void
expect(const char *source, const struct ingest_opts *o,
    enum ingest_status want, struct ingest_report *rep, char *err)
{
	enum ingest_status st = ingest(source, o, rep, err);

	if (st != want)
		fail_msg("%s: status %d, not %d: %s", source, (int)st,
		    (int)want, err);
}

/* As ingest, which must succeed with added new and updated old. */
static void
ingest_ok(const char *source, const struct ingest_opts *o, size_t added,
    size_t updated)
{
	struct ingest_report rep;
	char err[ERR_LEN];
	enum ingest_status st = ingest(source, o, &rep, err);

	if (st != INGEST_OK)
		fail_msg("%s: status %d: %s", source, (int)st, err);
	assert_int_equal(rep.added, added);
	assert_int_equal(rep.updated, updated);
}

static int64_t
articles(void)
{
	return tu_sql_int(db, "SELECT count(*) FROM article");
}

/* A column of the article with that guid, as text. */
static const char *
article_column(const char *guid, const char *col)
{
	return tu_sql_text(db, "SELECT %s FROM article WHERE guid = %Q", col,
	    guid);
}

/* A column of the memo of source name, as text. */
static const char *
memo(const char *name, const char *col)
{
	return tu_sql_text(db, "SELECT %s FROM source WHERE name = %Q", col,
	    name);
}

/* ---- files ---------------------------------------------------------- */

/* A feed file: every item stored once with its source (the file's real
 * path), date, tags, fetch time and lead (the first two sentences); the
 * same file by another path updates them, and its memo says "ok". */
static void
test_file_feed(void **state)
{
	struct ingest_report rep;
	char real[PATH_MAX], other[4400], err[ERR_LEN];

	(void)state;
	write_rss(in_dir("news.rss"), 3, NULL);
	expect(in_dir("news.rss"), NULL, INGEST_OK, &rep, err);
	assert_int_equal(rep.added, 3);
	assert_int_equal(rep.updated, 0);
	assert_string_equal(rep.kind, "rss");
	assert_non_null(realpath(in_dir("news.rss"), real));
	assert_int_equal(tu_sql_int(db, "SELECT count(*) FROM article WHERE "
	    "source = %Q AND fetched = %lld", real, (long long)NOW), 3);
	assert_string_equal(article_column("item-1", "title"), "Story 1");
	assert_string_equal(article_column("item-1", "url"),
	    "https://h.example.org/1");
	assert_string_equal(article_column("item-1", "tags"), "topic 1");
	assert_int_equal(tu_sql_int(db, "SELECT published FROM article WHERE "
	    "guid = 'item-1'"), 1795514400);
	assert_string_equal(article_column("item-1", "lead"),
	    "Story 1 opens here. It goes on there.");
	assert_string_equal(article_column("item-1", "body"),
	    "Story 1 opens here. It goes on there. It ends at last.");
	assert_string_equal(memo(real, "last_status"), "ok");
	assert_int_equal(tu_sql_int(db, "SELECT last_fetch FROM source"), NOW);

	/* "dir/./news.rss" is the same source: updated, not duplicated. */
	snprintf(other, sizeof(other), "%s/./news.rss", dir);
	ingest_ok(other, NULL, 0, 3);
	assert_int_equal(articles(), 3);
	assert_int_equal(tu_sql_int(db, "SELECT count(*) FROM source"), 1);
}

/* The lead's options reach the summary: one sentence, or a cap on its
 * characters. */
static void
test_lead_options(void **state)
{
	struct ingest_opts o = { 0 };

	(void)state;
	write_rss(in_dir("a.rss"), 1, NULL);
	o.lead_sentences = 1;
	ingest_ok(in_dir("a.rss"), &o, 1, 0);
	assert_string_equal(article_column("item-0", "lead"),
	    "Story 0 opens here.");
	o.lead_sentences = 3;
	ingest_ok(in_dir("a.rss"), &o, 0, 1);
	assert_string_equal(article_column("item-0", "lead"),
	    "Story 0 opens here. It goes on there. It ends at last.");
	o.lead_max_chars = 25;
	ingest_ok(in_dir("a.rss"), &o, 0, 1);
	assert_true(strlen(article_column("item-0", "lead")) <= 25 + 3);
	assert_non_null(strstr("Story 0 opens here.",
	    article_column("item-0", "lead")));
}

/* A feed of MANY items goes through the ring whole, each item once and
 * in order; again, each is an update. */
static void
test_many_items(void **state)
{
	(void)state;
	write_rss(in_dir("many.rss"), MANY, NULL);
	ingest_ok(in_dir("many.rss"), NULL, MANY, 0);
	assert_int_equal(articles(), MANY);
	assert_int_equal(tu_sql_int(db, "SELECT count(DISTINCT guid) FROM "
	    "article"), MANY);
	/* Stored in the feed's order: ids follow the item numbers. */
	assert_int_equal(tu_sql_int(db, "SELECT count(*) FROM article WHERE "
	    "id - (SELECT min(id) FROM article) != CAST(substr(guid, 6) AS "
	    "INTEGER)"), 0);
	assert_int_equal(tu_sql_int(db, "SELECT count(*) FROM article WHERE "
	    "lead = ''"), 0);
	ingest_ok(in_dir("many.rss"), NULL, 0, MANY);
	assert_int_equal(articles(), MANY);
}

/* A feed that breaks after thousands of good items (some already
 * stored by then) leaves nothing of itself: the articles of its last
 * good ingest stay as they were, and its memo names the error. */
static void
test_parse_error_rolls_back(void **state)
{
	struct ingest_report rep;
	char real[PATH_MAX], err[ERR_LEN];

	(void)state;
	write_rss(in_dir("feed.rss"), 10, NULL);
	ingest_ok(in_dir("feed.rss"), NULL, 10, 0);
	write_rss(in_dir("feed.rss"), MANY, "<item><title>cut off</ti");
	expect(in_dir("feed.rss"), NULL, INGEST_BAD_DATA, &rep, err);
	assert_true(err[0] != '\0');
	assert_int_equal(rep.added, 0);
	assert_int_equal(rep.updated, 0);
	assert_int_equal(articles(), 10);
	assert_int_equal(tu_sql_int(db, "SELECT count(*) FROM article WHERE "
	    "fetched = %lld", (long long)NOW), 10);
	assert_non_null(realpath(in_dir("feed.rss"), real));
	assert_string_equal(memo(real, "last_status"), err);
}

/* When the store fails halfway (here a trigger refuses one item), the
 * parser still filling the ring is told to drop the rest, nobody waits
 * forever, and nothing of the source is kept; once the store works,
 * the same file goes in whole. */
static void
test_store_error_abandons(void **state)
{
	struct ingest_report rep;
	char err[ERR_LEN];

	(void)state;
	write_rss(in_dir("many.rss"), MANY, NULL);
	tu_sql_exec(db, "CREATE TEMP TRIGGER refuse BEFORE INSERT ON "
	    "main.article WHEN NEW.guid = 'item-2500' BEGIN SELECT "
	    "RAISE(ABORT, 'disk says no'); END");
	expect(in_dir("many.rss"), NULL, INGEST_DB, &rep, err);
	assert_non_null(strstr(err, "disk says no"));
	assert_int_equal(rep.added, 0);
	assert_int_equal(articles(), 0);
	assert_int_equal(tu_sql_int(db, "SELECT count(*) FROM source"), 0);
	tu_sql_exec(db, "DROP TRIGGER temp.refuse");
	ingest_ok(in_dir("many.rss"), NULL, MANY, 0);
}

/* Sources that are not there or not a document: the right status, one
 * line saying why, nothing stored. */
static void
test_bad_sources(void **state)
{
	static const char nul_json[] = "{\"title\": \"a\0b\", \"body\": \"x\"}";
	static const char binary[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
	struct ingest_report rep;
	char err[ERR_LEN];

	(void)state;
	expect(in_dir("absent.rss"), NULL, INGEST_NO_INPUT, &rep, err);
	assert_non_null(strstr(err, "No such file"));
	expect(dir, NULL, INGEST_NO_INPUT, &rep, err);
	assert_true(err[0] != '\0');

	write_file(in_dir("nul.json"), nul_json, sizeof(nul_json) - 1);
	expect(in_dir("nul.json"), NULL, INGEST_BAD_DATA, &rep, err);
	assert_non_null(strstr(err, "NUL"));
	write_file(in_dir("img.png"), binary, sizeof(binary) - 1);
	expect(in_dir("img.png"), NULL, INGEST_BAD_DATA, &rep, err);
	write_file(in_dir("empty.xml"), "", 0);
	expect(in_dir("empty.xml"), NULL, INGEST_BAD_DATA, &rep, err);
	assert_null(strchr(err, '\n'));
	assert_int_equal(articles(), 0);
}

/* A text page is one article: its title, its paragraphs, a lead, and
 * the file as source; no URL is made up for it. */
static void
test_text_page(void **state)
{
	static const char page[] = "Harbor dredging starts in spring\n\n"
	    "The port authority approved the plan on Monday. Work begins in "
	    "March. It will take two years.\n\n"
	    "Fishermen asked for a pause in the spawning season.\n";
	struct ingest_report rep;
	char real[PATH_MAX], err[ERR_LEN];

	(void)state;
	write_file(in_dir("page.txt"), page, sizeof(page) - 1);
	expect(in_dir("page.txt"), NULL, INGEST_OK, &rep, err);
	assert_string_equal(rep.kind, "text");
	assert_int_equal(rep.added, 1);
	assert_non_null(realpath(in_dir("page.txt"), real));
	assert_string_equal(tu_sql_text(db, "SELECT title || '|' || "
	    "coalesce(url, 'no url') || '|' || lead FROM article WHERE "
	    "source = %Q", real), "Harbor dredging starts in spring|no url|"
	    "The port authority approved the plan on Monday. Work begins in "
	    "March.");
	assert_non_null(strstr(tu_sql_text(db, "SELECT body FROM article"),
	    "\n\nFishermen asked"));
}

/* ---- over HTTP ------------------------------------------------------ */

/* A fetched feed is remembered (ETag, Last-Modified): the next ingest
 * asks conditionally and a 304 changes nothing but the memo; force asks
 * anyway; a changed file is fetched again. */
static void
test_http_conditional(void **state)
{
	struct ingest_opts force = { 0 };
	struct ingest_report rep;
	char url[4400], etag[256], err[ERR_LEN];

	(void)state;
	snprintf(url, sizeof(url), "%s", httpd_child_url(&srv,
	    "/files/cond.rss"));
	write_rss(served("cond.rss"), 4, NULL);
	ingest_ok(url, NULL, 4, 0);
	snprintf(etag, sizeof(etag), "%s", memo(url, "etag"));
	assert_true(etag[0] == '"');
	assert_true(tu_sql_int(db, "SELECT last_modified FROM source") > 0);
	assert_string_equal(memo(url, "last_status"), "ok");
	assert_string_equal(article_column("item-3", "source"), url);

	expect(url, NULL, INGEST_NOT_MODIFIED, &rep, err);
	assert_int_equal(rep.added + rep.updated, 0);
	assert_string_equal(memo(url, "last_status"), "not modified");
	assert_string_equal(memo(url, "etag"), etag);
	assert_int_equal(articles(), 4);

	force.force = 1;
	ingest_ok(url, &force, 0, 4);

	write_rss(served("cond.rss"), 5, NULL);	/* a new size: a new ETag */
	ingest_ok(url, NULL, 1, 4);
	assert_string_not_equal(memo(url, "etag"), etag);
}

/* Fetch failures: a 404 is "no input", a 503 "try later"; the message
 * does not name the URL (the caller does), and the memo keeps it for
 * `digest feeds list`; nothing is stored. */
static void
test_http_errors(void **state)
{
	struct ingest_report rep;
	char url[4400], err[ERR_LEN];

	(void)state;
	snprintf(url, sizeof(url), "%s", httpd_child_url(&srv, "/status/404"));
	expect(url, NULL, INGEST_NO_INPUT, &rep, err);
	assert_string_equal(err, "HTTP 404 Not Found");
	assert_string_equal(memo(url, "last_status"), err);
	assert_int_equal(tu_sql_int(db, "SELECT last_fetch FROM source WHERE "
	    "name = %Q", url), NOW);
	snprintf(url, sizeof(url), "%s", httpd_child_url(&srv, "/status/503"));
	expect(url, NULL, INGEST_TEMPFAIL, &rep, err);
	assert_null(strstr(err, "127.0.0.1"));
	assert_int_equal(articles(), 0);
}

/* A fetched HTML page is one article in the charset its <meta> names,
 * with the URL it was fetched from. */
static void
test_http_page(void **state)
{
	static const char page[] = "<html><head><meta charset=\"iso-8859-1\">"
	    "<title>Caf\xe9 closes</title></head><body><article>"
	    "<h1>Caf\xe9 closes</h1><p>The caf\xe9 on the quay closed on "
	    "Friday. Its owner retires. The building is for sale.</p><p>"
	    "Regulars came for a last coffee and stayed until the lights "
	    "went out, long after the kitchen had closed.</p>"
	    "</article></body></html>\n";
	struct ingest_report rep;
	char url[4400], want[4600], err[ERR_LEN];

	(void)state;
	write_file(served("page.html"), page, sizeof(page) - 1);
	snprintf(url, sizeof(url), "%s", httpd_child_url(&srv,
	    "/files/page.html"));
	expect(url, NULL, INGEST_OK, &rep, err);
	assert_string_equal(rep.kind, "html");
	assert_int_equal(rep.added, 1);
	snprintf(want, sizeof(want), "Caf\xc3\xa9 closes|%s|The caf\xc3\xa9 on the "
	    "quay closed on Friday. Its owner retires.", url);
	assert_string_equal(tu_sql_text(db, "SELECT title || '|' || url || "
	    "'|' || lead FROM article"), want);
}

/* ---- stored feeds --------------------------------------------------- */

/* Adding a feed: only http(s) URLs; 1 when new, 0 when known; tags
 * normalized, replaced only when given (or replace_tags); an import's
 * feed is marked so until the operator adds it; the list keeps the
 * order they came in; removing forgets the feed, not its articles. */
static void
test_feed_store(void **state)
{
	static const char *const tags[] = { " Local  News", "harbor", "local "
	    "news", NULL };
	static const char *const other[] = { "Sport", NULL };
	struct ingest_feed_list l;
	char err[ERR_LEN];

	(void)state;
	assert_int_equal(ingest_feed_store(db, "file:///etc/passwd", NULL,
	    NULL, 0, 0, 0, NOW, err), -1);
	assert_true(err[0] != '\0');
	assert_int_equal(ingest_feed_store(db, "ftp://h.example.org/f", NULL,
	    NULL, 0, 0, 0, NOW, err), -1);
	assert_int_equal(ingest_feed_store(db, "https://b.example.org/feed",
	    "B", tags, 3, 0, 1, NOW, err), 1);
	assert_int_equal(ingest_feed_store(db, "https://a.example.org/feed",
	    NULL, other, 1, 0, 0, NOW + 1, err), 1);
	/* Known: no title and no tags keep what is stored. */
	assert_int_equal(ingest_feed_store(db, "https://b.example.org/feed",
	    NULL, NULL, 0, 0, 1, NOW + 2, err), 0);
	assert_int_equal(ingest_feed_list(db, &l, err), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].url, "https://b.example.org/feed");
	assert_string_equal(l.v[0].title, "B");
	assert_string_equal(l.v[0].tags, "local news\x1f" "harbor");
	assert_int_equal(l.v[0].imported, 1);
	assert_int_equal(l.v[0].added, NOW);
	assert_int_equal(l.v[0].last_fetch, 0);
	assert_int_equal(l.v[0].items, -1);
	assert_null(l.v[0].status);
	assert_string_equal(l.v[1].url, "https://a.example.org/feed");
	assert_null(l.v[1].title);
	assert_string_equal(l.v[1].tags, "sport");
	assert_int_equal(l.v[1].imported, 0);
	ingest_feed_list_release(&l);

	/* The operator adding the import's feed makes it theirs; an empty
	 * tag list with replace_tags clears them. */
	assert_int_equal(ingest_feed_store(db, "https://b.example.org/feed",
	    "", NULL, 0, 1, 0, NOW + 3, err), 0);
	assert_int_equal(ingest_feed_list(db, &l, err), 0);
	assert_int_equal(l.v[0].imported, 0);
	assert_string_equal(l.v[0].title, "B");
	assert_string_equal(l.v[0].tags, "");
	ingest_feed_list_release(&l);

	assert_int_equal(ingest_feed_remove(db, "https://a.example.org/feed",
	    err), 1);
	assert_int_equal(ingest_feed_remove(db, "https://a.example.org/feed",
	    err), 0);
	assert_int_equal(ingest_feed_list(db, &l, err), 0);
	assert_int_equal(l.n, 1);
	ingest_feed_list_release(&l);
}

/* What ingest_feeds heard, in order. */
static struct {
	char url[8][256];
	enum ingest_status st[8];
	size_t added[8];
	char err[8][ERR_LEN];
	size_t n;
} heard;

static void
on_feed(const char *url, enum ingest_status st,
    const struct ingest_report *rep, const char *err, void *arg)
{
	(void)arg;
	if (heard.n == 8)
		fail_msg("more than 8 feeds");
	snprintf(heard.url[heard.n], sizeof(heard.url[0]), "%s", url);
	heard.st[heard.n] = st;
	heard.added[heard.n] = rep->added;
	snprintf(heard.err[heard.n], sizeof(heard.err[0]), "%s", err);
	heard.n++;
}

/* Every stored feed, one after the other: a failing one is heard and
 * remembered and the next goes on; a feed's tags join its items' own;
 * its item count is kept. A URL an import brought must be public even
 * when it names 127.0.0.1, unless private addresses are allowed. */
static void
test_ingest_feeds(void **state)
{
	static const char *const tags[] = { "Local", NULL };
	struct ingest_opts priv = { 0 };
	struct ingest_feed_list l;
	char ok[4400], missing[4400], imported[4400], err[ERR_LEN];

	(void)state;
	memset(&heard, 0, sizeof(heard));
	write_rss(served("a.rss"), 3, NULL);
	write_rss(served("b.rss"), 2, NULL);
	snprintf(ok, sizeof(ok), "%s", httpd_child_url(&srv, "/files/a.rss"));
	snprintf(missing, sizeof(missing), "%s", httpd_child_url(&srv,
	    "/files/none.rss"));
	snprintf(imported, sizeof(imported), "%s", httpd_child_url(&srv,
	    "/files/b.rss"));
	assert_int_equal(ingest_feed_store(db, missing, NULL, NULL, 0, 0, 0,
	    NOW, err), 1);
	assert_int_equal(ingest_feed_store(db, ok, NULL, tags, 1, 0, 0, NOW,
	    err), 1);
	assert_int_equal(ingest_feed_store(db, imported, NULL, NULL, 0, 0, 1,
	    NOW, err), 1);

	assert_int_equal(ingest_feeds(db, &defaults, on_feed, NULL, err), 3);
	assert_int_equal(heard.n, 3);
	assert_string_equal(heard.url[0], missing);
	assert_int_equal(heard.st[0], INGEST_NO_INPUT);
	assert_string_equal(heard.err[0], "HTTP 404 Not Found");
	assert_string_equal(heard.url[1], ok);
	assert_int_equal(heard.st[1], INGEST_OK);
	assert_int_equal(heard.added[1], 3);
	assert_int_equal(heard.st[2], INGEST_NO_INPUT);
	assert_non_null(strstr(heard.err[2], "fetch_private"));
	assert_int_equal(articles(), 3);
	assert_string_equal(article_column("item-1", "tags"),
	    "topic 1\x1f" "local");

	assert_int_equal(ingest_feed_list(db, &l, err), 0);
	assert_string_equal(l.v[0].status, "HTTP 404 Not Found");
	assert_int_equal(l.v[0].items, -1);
	assert_string_equal(l.v[1].status, "ok");
	assert_int_equal(l.v[1].items, 3);
	assert_int_equal(l.v[1].last_fetch, NOW);
	assert_non_null(l.v[1].etag);
	ingest_feed_list_release(&l);

	/* ingest_source of a stored feed adds its tags too. */
	tu_sql_exec(db, "DELETE FROM article");
	priv.force = 1;
	ingest_ok(ok, &priv, 3, 0);
	priv.force = 0;
	assert_string_equal(article_column("item-0", "tags"),
	    "topic 0\x1f" "local");

	memset(&heard, 0, sizeof(heard));
	priv.allow_private = 1;
	assert_int_equal(ingest_feeds(db, &priv, on_feed, NULL, err), 3);
	assert_int_equal(heard.st[1], INGEST_NOT_MODIFIED);
	assert_int_equal(heard.st[2], INGEST_OK);
	assert_int_equal(heard.added[2], 2);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_file_feed),
		T(test_lead_options),
		T(test_many_items),
		T(test_parse_error_rolls_back),
		T(test_store_error_abandons),
		T(test_bad_sources),
		T(test_text_page),
		T(test_http_conditional),
		T(test_http_errors),
		T(test_http_page),
		T(test_feed_store),
		T(test_ingest_feeds),
	};
#undef T

	if (access(HTTPD_PYTHON, X_OK) != 0) {
		printf("skip: %s not found\n", HTTPD_PYTHON);
		return 77;
	}
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
