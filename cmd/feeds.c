/*
 * digest feeds: the feeds the newsletter ingests, stored with it, so that
 * `digest ingest` and `digest run-due` need no URL: add, list, remove,
 * and OPML import and export for moving them from and to feed readers.
 */
#include "cmd.h"
#include "opt.h"
#include "article.h"
#include "buf.h"
#include "config.h"
#include "date.h"
#include "db.h"
#include "fetch.h"
#include "ingest.h"
#include "opml.h"
#include "util.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define FEEDS_TAGS_MAX 64

static const struct opt feeds_add_opts[] = {
	{ 't', "-t, --tag TAG",
	    "a tag for every item of the feed (repeatable)" },
	{ 'T', "--title TITLE", "its name in lists and exports" },
	{ CMD_DB_OPTION_ID, "--db PATH",
	    "the database (default $DIGEST_DB, else ./digest.db)" },
	{ 0, NULL, NULL },
};

const struct opt_usage cmd_feeds_add_usage = {
	.synopsis =
	    "digest feeds add [--tag TAG]... [--title TITLE] [--db PATH] URL",
	.about =
	    "Stores the feed URL (http or https) for `digest ingest` without a\n"
	    "SOURCE and `digest run-due` to fetch, with each TAG added to every\n"
	    "item it brings. A feed already stored gets the tags given, or keeps\n"
	    "its own without --tag. A URL that names its address itself\n"
	    "(http://127.0.0.1:8080/feed) may be on a private one; any other is\n"
	    "refused there unless fetch_private = yes.\n",
	.opts = feeds_add_opts,
	.notes =
	    "Exit status: 0 added or updated, 64 bad usage, 65 an invalid URL, 73\n"
	    "or 74 the store failed.\n",
};

static const struct opt feeds_list_opts[] = {
	{ 'j', "--json",
	    "a JSON array: url, title, tags, origin (add or import), added, "
	    "last_fetch, status, items, etag, last_modified (null when "
	    "unknown; times in RFC 3339 UTC)" },
	{ CMD_DB_OPTION_ID, "--db PATH",
	    "the database (default $DIGEST_DB, else ./digest.db)" },
	{ 0, NULL, NULL },
};

const struct opt_usage cmd_feeds_list_usage = {
	.synopsis = "digest feeds list [--json] [--db PATH]",
	.about =
	    "Lists the stored feeds in the order they were added, one per line:\n"
	    "the URL, then key=value pairs: its tags, when it was last fetched\n"
	    "(UTC), the status of that fetch (ok, not modified, or what went\n"
	    "wrong), the items it had, its ETag and Last-Modified.\n",
	.opts = feeds_list_opts,
	.notes =
	    "Exit status: 0 listed, 66 no database yet, 74 the store failed.\n",
};

static const struct opt feeds_remove_opts[] = {
	{ CMD_DB_OPTION_ID, "--db PATH",
	    "the database (default $DIGEST_DB, else ./digest.db)" },
	{ 0, NULL, NULL },
};

const struct opt_usage cmd_feeds_remove_usage = {
	.synopsis = "digest feeds remove [--db PATH] URL...",
	.about =
	    "Forgets each stored feed URL: it is fetched no more. The articles it\n"
	    "brought stay.\n",
	.opts = feeds_remove_opts,
	.notes =
	    "Exit status: 0 all removed, 66 some URL was not a stored feed (the\n"
	    "others are removed), 74 the store failed.\n",
};

static const struct opt feeds_import_opts[] = {
	{ CMD_DB_OPTION_ID, "--db PATH",
	    "the database (default $DIGEST_DB, else ./digest.db)" },
	{ 0, NULL, NULL },
};

const struct opt_usage cmd_feeds_import_usage = {
	.synopsis = "digest feeds import [--db PATH] FILE",
	.about =
	    "Stores the feeds of the OPML file FILE (\"-\" reads standard input), as\n"
	    "feed readers export them: each outline with an xmlUrl, its category\n"
	    "entries and the folders around it becoming its tags. A feed already\n"
	    "stored gets the file's tags when the file gives some. All are stored\n"
	    "in one transaction; a bad URL is reported with its line and skipped.\n"
	    "A URL from a file must be on a public address, even one it names\n"
	    "itself, unless fetch_private = yes.\n",
	.opts = feeds_import_opts,
	.notes =
	    "Exit status: 0 every feed was stored; 65 some were bad (the others\n"
	    "are stored) or FILE is not OPML; 66 no such FILE; 73 or 74 the store\n"
	    "failed (nothing is stored).\n",
};

static const struct opt feeds_export_opts[] = {
	{ CMD_DB_OPTION_ID, "--db PATH",
	    "the database (default $DIGEST_DB, else ./digest.db)" },
	{ 0, NULL, NULL },
};

const struct opt_usage cmd_feeds_export_usage = {
	.synopsis = "digest feeds export [--db PATH]",
	.about =
	    "Writes the stored feeds to standard output as an OPML 2.0 document,\n"
	    "each feed's tags as its category, for a feed reader or another\n"
	    "digest (`digest feeds import` reads it back).\n",
	.opts = feeds_export_opts,
	.notes =
	    "Exit status: 0 written, 66 no database yet, 74 the store failed.\n",
};

/* The options of a command that takes only --db and -h: -1 to go on,
 * else the exit code to return (0 after -h). */
static int
feeds_options(int argc, char **argv, const struct opt_usage *usage)
{
	int c;

	while ((c = opt_next(argc, argv, usage)) != -1) {
		if (c == 'h')
			return cmd_help(usage);
		if (c != CMD_DB_OPTION_ID)
			return cmd_bad_usage(usage);
		cmd_db_path_set(optarg);
	}
	return -1;
}

int
cmd_feeds_add(int argc, char **argv)
{
	const char *tags[FEEDS_TAGS_MAX], *title = NULL;
	char err[ERR_LEN];
	struct sqlite3 *db;
	size_t ntags = 0;
	int c, rc, status = 0;

	while ((c = opt_next(argc, argv, &cmd_feeds_add_usage)) != -1) {
		switch (c) {
		case 'h':
			return cmd_help(&cmd_feeds_add_usage);
		case CMD_DB_OPTION_ID:
			cmd_db_path_set(optarg);
			break;
		case 't':
			if (ntags == FEEDS_TAGS_MAX) {
				cmd_error("too many tags (at most %d)",
				    FEEDS_TAGS_MAX);
				return EX_USAGE;
			}
			tags[ntags++] = optarg;
			break;
		case 'T':
			title = optarg;
			break;
		default:
			return cmd_bad_usage(&cmd_feeds_add_usage);
		}
	}
	if (optind != argc - 1)
		return cmd_bad_operands(&cmd_feeds_add_usage, argc, argv, 1);
	if (fetch_url_check(argv[optind], err) == -1) {
		cmd_error("%s", err);
		return EX_DATAERR;
	}
	if ((db = cmd_db_open(&status)) == NULL)
		return status;
	rc = ingest_feed_store(db, argv[optind], title, tags, ntags, 0, 0,
	    date_now(), err);
	if (rc == -1) {
		cmd_error("cannot store the feed '%s': %s", argv[optind], err);
		status = EX_IOERR;
	} else {
		printf("%s %s\n", rc ? "added" : "updated", argv[optind]);
	}
	db_close(db);
	return status;
}

/* The tags as one string joined by sep, into b. */
static void
feeds_tags_text(const char *joined, char sep, struct buf *b)
{
	const char *p;

	for (p = joined; p != NULL && *p != '\0'; p++)
		buf_putc(b, *p == ARTICLE_TAG_SEP ? sep : *p);
}

static void
feeds_print(const struct ingest_feed *f)
{
	char when[DATE_RFC3339_LEN];
	struct buf b;

	buf_init(&b, 1 << 16);
	feeds_tags_text(f->tags, ',', &b);
	printf("%s tags=\"%s\"", f->url, buf_cstr(&b));
	if (f->last_fetch > 0) {
		date_to_rfc3339(f->last_fetch, when);
		printf(" last_fetch=%s", when);
	} else {
		fputs(" last_fetch=never", stdout);
	}
	printf(" status=\"%s\"", f->status ? f->status : "");
	if (f->items >= 0)
		printf(" items=%lld", (long long)f->items);
	if (f->etag != NULL)
		printf(" etag=%s", f->etag);
	if (f->last_modified > 0) {
		date_to_rfc3339(f->last_modified, when);
		printf(" last_modified=%s", when);
	}
	putchar('\n');
	buf_release(&b);
}

/* A time as RFC 3339, or null for 0. Returns a new reference. */
static json_t *
feeds_json_time(int64_t t)
{
	char when[DATE_RFC3339_LEN];

	if (t <= 0)
		return json_null();
	date_to_rfc3339(t, when);
	return json_string(when);
}

static json_t *
feeds_json_text(const char *s)
{
	json_t *v = s != NULL ? json_string(s) : NULL;

	return v != NULL ? v : json_null();
}

static json_t *
feeds_json(const struct ingest_feed *f)
{
	json_t *o = json_object(), *tags = json_array();
	const char *p = f->tags, *sep;

	while (p != NULL && *p != '\0') {
		sep = strchr(p, ARTICLE_TAG_SEP);
		json_array_append_new(tags, json_stringn(p, sep ?
		    (size_t)(sep - p) : strlen(p)));
		p = sep ? sep + 1 : NULL;
	}
	json_object_set_new(o, "url", feeds_json_text(f->url));
	json_object_set_new(o, "title", feeds_json_text(f->title));
	json_object_set_new(o, "tags", tags);
	json_object_set_new(o, "origin", json_string(f->imported ? "import" :
	    "add"));
	json_object_set_new(o, "added", feeds_json_time(f->added));
	json_object_set_new(o, "last_fetch", feeds_json_time(f->last_fetch));
	json_object_set_new(o, "status", feeds_json_text(f->status));
	json_object_set_new(o, "items", f->items >= 0 ?
	    json_integer((json_int_t)f->items) : json_null());
	json_object_set_new(o, "etag", feeds_json_text(f->etag));
	json_object_set_new(o, "last_modified",
	    feeds_json_time(f->last_modified));
	return o;
}

int
cmd_feeds_list(int argc, char **argv)
{
	struct ingest_feed_list l;
	struct sqlite3 *db;
	char err[ERR_LEN];
	int c, json = 0, status = 0;
	size_t i;

	while ((c = opt_next(argc, argv, &cmd_feeds_list_usage)) != -1) {
		if (c == 'h')
			return cmd_help(&cmd_feeds_list_usage);
		if (c == 'j')
			json = 1;
		else if (c == CMD_DB_OPTION_ID)
			cmd_db_path_set(optarg);
		else
			return cmd_bad_usage(&cmd_feeds_list_usage);
	}
	if (optind != argc)
		return cmd_bad_operands(&cmd_feeds_list_usage, argc, argv, 0);
	if ((db = cmd_db_open_existing(&status)) == NULL)
		return status;
	if (ingest_feed_list(db, &l, err) == -1) {
		cmd_error("cannot list the feeds: %s", err);
		db_close(db);
		return EX_IOERR;
	}
	if (json) {
		json_t *a = json_array();

		for (i = 0; i < l.n; i++)
			json_array_append_new(a, feeds_json(&l.v[i]));
		json_dumpf(a, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(a);
	} else {
		for (i = 0; i < l.n; i++)
			feeds_print(&l.v[i]);
	}
	ingest_feed_list_release(&l);
	db_close(db);
	return 0;
}

int
cmd_feeds_remove(int argc, char **argv)
{
	struct sqlite3 *db;
	char err[ERR_LEN];
	int i, rc, status;

	if ((status = feeds_options(argc, argv, &cmd_feeds_remove_usage)) != -1)
		return status;
	status = 0;
	if (optind == argc)
		return cmd_bad_operands(&cmd_feeds_remove_usage, argc, argv, -1);
	if ((db = cmd_db_open_existing(&status)) == NULL)
		return status;
	for (i = optind; i < argc; i++) {
		rc = ingest_feed_remove(db, argv[i], err);
		if (rc == -1) {
			cmd_error("cannot remove '%s': %s", argv[i], err);
			status = EX_IOERR;
			break;
		}
		if (rc == 0) {
			cmd_error("no stored feed '%s'", argv[i]);
			status = EX_NOINPUT;
			continue;
		}
		printf("removed %s\n", argv[i]);
	}
	db_close(db);
	return status;
}

/* Stores the feeds of l in one transaction; bad ones are said with the
 * file's name and their line. Returns the exit code. */
static int
feeds_store_all(struct sqlite3 *db, const char *file,
    const struct opml_list *l)
{
	char err[ERR_LEN];
	size_t i, added = 0, updated = 0, bad = 0;
	int rc;

	if (db_begin(db, err) == -1) {
		cmd_error("cannot import '%s': %s", file, err);
		return EX_IOERR;
	}
	for (i = 0; i < l->n; i++) {
		const struct opml_feed *f = &l->v[i];

		if (fetch_url_check(f->url, err) == -1) {
			cmd_error("%s:%ld: %s", file, f->line, err);
			bad++;
			continue;
		}
		rc = ingest_feed_store(db, f->url, f->title,
		    (const char *const *)f->tags, f->ntags, 0, 1, date_now(),
		    err);
		if (rc == -1) {
			db_rollback(db);
			cmd_error("cannot import '%s': %s", file, err);
			return EX_IOERR;
		}
		*(rc ? &added : &updated) += 1;
	}
	if (db_commit(db, err) == -1) {
		db_rollback(db);
		cmd_error("cannot import '%s': %s", file, err);
		return EX_IOERR;
	}
	printf("%s: %zu feed%s added, %zu updated, %zu bad\n", file, added,
	    added == 1 ? "" : "s", updated, bad);
	return bad > 0 ? EX_DATAERR : 0;
}

int
cmd_feeds_import(int argc, char **argv)
{
	struct opml_list l;
	struct sqlite3 *db;
	char err[ERR_LEN], *data;
	const char *file;
	size_t len;
	int status;

	if ((status = feeds_options(argc, argv, &cmd_feeds_import_usage)) != -1)
		return status;
	status = 0;
	if (optind != argc - 1)
		return cmd_bad_operands(&cmd_feeds_import_usage, argc, argv, 1);
	file = argv[optind];
	if (cmd_read_input(file, &data, &len) == -1)
		return EX_NOINPUT;
	memset(&l, 0, sizeof(l));
	if (opml_from_text(data, len, &l, err) == -1) {
		cmd_error("cannot read '%s': %s", file, err);
		free(data);
		return EX_DATAERR;
	}
	free(data);
	if ((db = cmd_db_open(&status)) != NULL) {
		status = feeds_store_all(db, file, &l);
		db_close(db);
	}
	opml_list_release(&l);
	return status;
}

/* The feeds of l as OPML's: borrowed strings, tags split (in place, in
 * l's joined tags). */
static void
feeds_as_opml(struct ingest_feed *f, struct opml_feed *o)
{
	char *p = f->tags, *sep;

	memset(o, 0, sizeof(*o));
	o->url = f->url;
	o->title = f->title;
	while (p != NULL && *p != '\0' && o->ntags < OPML_TAGS_MAX) {
		sep = strchr(p, ARTICLE_TAG_SEP);
		if (sep != NULL)
			*sep = '\0';
		o->tags[o->ntags++] = p;
		p = sep ? sep + 1 : NULL;
	}
}

int
cmd_feeds_export(int argc, char **argv)
{
	struct ingest_feed_list l;
	struct opml_feed *v;
	struct config c;
	struct sqlite3 *db;
	struct buf out, title;
	char err[ERR_LEN];
	size_t i;
	int status;

	if ((status = feeds_options(argc, argv, &cmd_feeds_export_usage)) != -1)
		return status;
	status = 0;
	if (optind != argc)
		return cmd_bad_operands(&cmd_feeds_export_usage, argc, argv, 0);
	if ((status = cmd_config_load(&c)) != 0)
		return status;
	if ((db = cmd_db_open_existing(&status)) == NULL) {
		config_release(&c);
		return status;
	}
	if (ingest_feed_list(db, &l, err) == -1) {
		cmd_error("cannot list the feeds: %s", err);
		db_close(db);
		config_release(&c);
		return EX_IOERR;
	}
	v = xmalloc((l.n + 1) * sizeof(*v));
	for (i = 0; i < l.n; i++)
		feeds_as_opml(&l.v[i], &v[i]);
	buf_init(&out, 64u << 20);
	buf_init(&title, 1024);
	buf_printf(&title, "%s: feeds", c.name);
	if (opml_to_text(v, l.n, buf_cstr(&title), date_now(), &out,
	    err) == -1) {
		cmd_error("cannot export the feeds: %s", err);
		status = EX_SOFTWARE;
	} else if (fwrite(out.data, 1, out.len, stdout) != out.len ||
	    fflush(stdout) == EOF) {
		cmd_error("cannot write the feeds: standard output");
		status = EX_IOERR;
	}
	buf_release(&title);
	buf_release(&out);
	free(v);
	ingest_feed_list_release(&l);
	db_close(db);
	config_release(&c);
	return status;
}
