/*
 * digest preview: what a subscriber (or a tag set) would receive, made by
 * the code that sends, changing nothing; and --serve, the same as a local
 * web page an editor keeps open while changing templates.
 */
#include "cmd.h"
#include "opt.h"
#include "config.h"
#include "date.h"
#include "db.h"
#include "due.h"
#include "edition.h"
#include "journal.h"
#include "preview.h"
#include "schedule.h"
#include "store.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PREVIEW_TAGS_MAX 64

static const struct opt preview_opts[] = {
	{ 's', "-s, --subscriber EMAIL", "the digest of this subscriber" },
	{ 't', "-t, --tags TAG,...",
	    "the digest of a reader with these tags (default: no tags, so "
	    "every article)" },
	{ 'S', "--since WHEN",
	    "the window: 7d, 2w, a date, or all (default: the "
	    "configuration's since)" },
	{ 'E', "--edition ID",
	    "the edition (default: this ISO week's, YYYY-Www); one already "
	    "made is shown as its readers got it: its articles, its date, "
	    "each reader's topics as sent" },
	{ 'N', "--next",
	    "the edition run-due makes next (the one due now when it is not "
	    "made yet, else the next slot's), with exactly the articles it "
	    "would take at its slot from the store as it is now (the feeds "
	    "are not fetched); the report says when min_articles would make "
	    "run-due skip it" },
	{ 'f', "-f, --format FORMAT",
	    "html, text, eml (the whole message) or json (the data the "
	    "templates get); default html" },
	{ 'o', "-o, --output FILE",
	    "write to FILE instead of standard output" },
	{ 'V', "--serve", "serve the preview page instead" },
	{ 'l', "--listen ADDR:PORT",
	    "where --serve listens, 127.x.x.x only (default 127.0.0.1:8025)" },
	{ CMD_DB_OPTION_ID, "--db PATH",
	    "the database (default $DIGEST_DB, else ./digest.db)" },
	{ 0, NULL, NULL },
};

const struct opt_usage cmd_preview_usage = {
	.synopsis =
	    "digest preview [--subscriber EMAIL | --tags TAG,...] [--since WHEN]\n"
	    "                      [--edition ID | --next] [--format html|text|eml|json]\n"
	    "                      [-o FILE] [--db PATH]\n"
	    "       digest preview --serve [--listen ADDR:PORT] [--db PATH]",
	.about =
	    "Shows the digest a subscriber would receive, built by the code that\n"
	    "sends it, without sending or changing anything. On stderr: which\n"
	    "articles were picked and why. With --next, the edition `digest\n"
	    "run-due` makes next, as it would make it at its slot from the\n"
	    "articles stored now. With --serve, a local web page shows\n"
	    "the digest of each subscriber and tag set, reading the templates\n"
	    "again on every request. It is for the operator only: it listens on\n"
	    "loopback, answers only its own Host, and only at the URL it prints,\n"
	    "which carries a random key.\n",
	.opts = preview_opts,
	.notes =
	    "Exit status: 0 shown; 64 bad usage; 65 a template or message error,\n"
	    "or --next when the next slot's edition is made already;\n"
	    "66 no database yet or no such subscriber; 73 or 74 FILE cannot be\n"
	    "written or the store failed; 78 a bad configuration.\n",
};

/* Splits "a,b , c" into tags (pointers into s, which is modified). */
static int
preview_split_tags(char *s, const char **tags, size_t *n)
{
	char *p = s, *comma;

	*n = 0;
	while (p != NULL && *p != '\0') {
		comma = strchr(p, ',');
		if (comma != NULL)
			*comma = '\0';
		if (*p != '\0') {
			if (*n == PREVIEW_TAGS_MAX)
				return -1;
			tags[(*n)++] = p;
		}
		p = comma ? comma + 1 : NULL;
	}
	return 0;
}

static int
preview_write(const char *path, const char *data, size_t len)
{
	FILE *f = path ? fopen(path, "wb") : stdout;
	int bad;

	if (f == NULL) {
		cmd_error("cannot write '%s': %s", path, strerror(errno));
		return EX_CANTCREAT;
	}
	/* The file is closed on every path, a short write included. */
	bad = fwrite(data, 1, len, f) != len;

	if (path != NULL)
		bad = (fclose(f) == EOF) || bad;
	else
		bad = (fflush(f) == EOF) || bad;
	if (bad) {
		cmd_error("cannot write '%s': %s", path ? path : "stdout",
		    strerror(errno));
		return EX_IOERR;
	}
	return 0;
}

int
cmd_preview(int argc, char **argv)
{
	struct preview_opts o;
	const char *tags[PREVIEW_TAGS_MAX], *output = NULL;
	char *tagarg = NULL;
	int c, serve = 0, status;

	memset(&o, 0, sizeof(o));
	o.format = PREVIEW_HTML;
	o.tags = tags;
	while ((c = opt_next(argc, argv, &cmd_preview_usage)) !=
	    -1) {
		switch (c) {
		case 'h':
			return cmd_help(&cmd_preview_usage);
		case CMD_DB_OPTION_ID:
			cmd_db_path_set(optarg);
			break;
		case 's':
			o.subscriber = optarg;
			break;
		case 't':
			tagarg = optarg;
			break;
		case 'S':
			o.since = optarg;
			break;
		case 'E':
			o.edition = optarg;
			break;
		case 'N':
			o.next = 1;
			break;
		case 'f':
			if (preview_format_from_name(optarg, &o.format) == -1) {
				cmd_error("invalid format '%s': expected html, "
				    "text, eml or json", optarg);
				return EX_USAGE;
			}
			break;
		case 'o':
			output = optarg;
			break;
		case 'V':
			serve = 1;
			break;
		case 'l':
			o.listen = optarg;
			break;
		default:
			return cmd_bad_usage(&cmd_preview_usage);
		}
	}
	if (optind != argc)
		return cmd_bad_operands(&cmd_preview_usage, argc, argv, 0);
	if (o.subscriber && tagarg) {
		cmd_error("--subscriber and --tags do not go together (a "
		    "subscriber's topics are their own)");
		return cmd_bad_usage(&cmd_preview_usage);
	}
	if (o.next && (o.edition || o.since || serve)) {
		cmd_error("--next does not go with --edition, --since or "
		    "--serve (its edition and window are the schedule's)");
		return cmd_bad_usage(&cmd_preview_usage);
	}
	if (tagarg != NULL && preview_split_tags(tagarg, tags, &o.ntags) == -1) {
		cmd_error("too many tags (at most %d)", PREVIEW_TAGS_MAX);
		return EX_USAGE;
	}
	if (serve)
		return preview_serve_main(&o);
	status = preview_render_main(&o);
	if (status == 0)
		status = preview_write(output, buf_cstr(&o.out), o.out.len);
	buf_release(&o.out);
	return status;
}

int
preview_format_from_name(const char *s, enum preview_format *f)
{
	enum edition_part part;

	if (edition_part_from_name(s, &part) == -1)
		return -1;
	*f = (enum preview_format)part;
	return 0;
}

/* The tags of r that a (with tags) carries, for the report. */
static void
preview_why(FILE *report, const struct article *a,
    const struct edition_reader *r)
{
	char when[DATE_RFC3339_LEN];
	size_t i, k, matched = 0;

	date_to_rfc3339(a->published, when);
	fprintf(report, "  %s  %s\n      ", when, a->title ? a->title : "");
	for (i = 0; i < r->ntags; i++)
		for (k = 0; k < a->ntags; k++)
			if (strcmp(r->tags[i], a->tags[k]) == 0)
				fprintf(report, "%s%s", matched++ ? ", " : "matched ",
				    a->tags[k]);
	fprintf(report, "%s\n", matched ? "" : r->ntags ? "no tag (?)" :
	    "any tag: this reader chose none");
}

/* The edition run-due makes next (--next): its slot and plan. */
struct preview_next {
	struct due due;
	struct due_plan plan;
};

/* sent: the status of the reader's delivery of a stored edition ("" for
 * none), so that the report never says "as sent" to whoever was not;
 * next: the plan of the edition run-due makes next, or NULL. */
static void
preview_report(FILE *report, const struct edition *e,
    const struct edition_reader *r, const char *sent,
    const struct preview_next *next, const struct article_list *l)
{
	char since[DATE_RFC3339_LEN], slot[DATE_RFC3339_LEN];
	size_t i;

	date_to_rfc3339(e->since, since);
	if (next != NULL) {
		date_to_rfc3339(next->due.slot, slot);
		fprintf(report, "preview: %s, next edition %s (slot %s, window "
		    "from %s, late stories included): %zu of its %zu article%s",
		    r->email, e->id, slot, since, l->n, next->plan.articles.n,
		    next->plan.articles.n == 1 ? "" : "s");
	} else if (e->frozen && (sent == NULL || strcmp(sent, "sent") == 0))
		fprintf(report, "preview: %s, edition %s as sent: %zu article%s",
		    r->email, e->id, l->n, l->n == 1 ? "" : "s");
	else if (e->frozen)
		fprintf(report, "preview: %s, edition %s as made, not sent to "
		    "them (%s): %zu article%s", r->email, e->id,
		    *sent ? sent : "no delivery", l->n, l->n == 1 ? "" : "s");
	else
		fprintf(report, "preview: %s, edition %s: %zu article%s "
		    "published since %s", r->email, e->id, l->n,
		    l->n == 1 ? "" : "s", since);
	if (r->ntags > 0) {
		fputs(" with any of the tags ", report);
		for (i = 0; i < r->ntags; i++)
			fprintf(report, "%s%s", i ? ", " : "", r->tags[i]);
	}
	fprintf(report, " (at most %ld)\n", e->cfg->max_articles);
	for (i = 0; i < l->n; i++)
		preview_why(report, &l->v[i], r);
	if (next != NULL && *next->plan.note != '\0')
		fprintf(report, "preview: edition %s would be skipped: %s\n",
		    e->id, next->plan.note);
}

/* The reader o names: a stored subscriber (s, their reader), or one
 * with o's tags. 0, or an exit code with err. */
static int
preview_reader(struct sqlite3 *db, const struct config *c,
    const struct preview_opts *o, struct store_subscriber *s,
    struct edition_reader *r, char *err)
{
	int rc;

	if (o->subscriber == NULL) {
		edition_reader_for_tags(r, c, o->tags, o->ntags);
		return 0;
	}
	rc = store_subscriber_find(db, o->subscriber, s, err);
	if (rc == 0)
		util_err(err, "no subscriber '%s'", o->subscriber);
	if (rc != 1)
		return rc == 0 ? EX_NOINPUT : EX_IOERR;
	store_subscriber_reader(s, r);
	return 0;
}

/* The edition run-due makes next (due.h), dated by its slot, its
 * articles those n plans: 0, or an exit code with err. */
static int
preview_next(struct sqlite3 *db, const struct config *c, struct edition *e,
    struct preview_next *n, char *err)
{
	struct schedule sc;

	if (schedule_parse(c->schedule_weekday, c->schedule_time,
	    c->schedule_timezone, &sc, err) == -1)
		return EX_CONFIG;
	if (due_next(db, c, &sc, date_now(), &n->due, &n->plan, err) == -1)
		return EX_IOERR;
	if (n->due.action != DUE_MAKE) {
		util_err(err, "the next slot's edition %s is made already (%s): "
		    "run-due will not make it again; see --edition %s",
		    n->due.id, n->due.status, n->due.id);
		return EX_DATAERR;
	}
	if (edition_open(e, c, n->due.id, n->due.slot, NULL, err) == -1)
		return EX_DATAERR;
	e->since = n->plan.since;
	e->planned = &n->plan.articles;
	return 0;
}

/* The edition o names: one already made as its readers got it, or the
 * one run-due makes next (n). 0, or an exit code with err. */
static int
preview_edition(struct sqlite3 *db, const struct config *c,
    const struct preview_opts *o, struct edition *e, struct preview_next *n,
    char *err)
{
	int rc;

	if (o->next)
		return preview_next(db, c, e, n, err);
	rc = o->edition == NULL ? edition_open(e, c, NULL, date_now(),
	    o->since, err) : edition_open_journal(e, db, c, o->edition,
	    date_now(), o->since, 0, err);
	return rc == -1 ? EX_DATAERR : rc == -2 ? EX_IOERR : 0;
}

int
preview_build(struct sqlite3 *db, const struct config *c,
    struct preview_opts *o, FILE *report, char *err)
{
	struct store_subscriber s;
	struct edition_reader r;
	struct article_list l;
	struct article sent;	/* holds the reader's topics as sent */
	struct preview_next next;
	struct edition e;
	char delivery[16];	/* the subscriber's delivery status */
	int rc, status;

	buf_init(&o->out, 4 * RENDER_MAX_BYTES);
	store_subscriber_init(&s);
	article_init(&sent);
	memset(&l, 0, sizeof(l));
	memset(&e, 0, sizeof(e));
	memset(&next, 0, sizeof(next));
	status = preview_edition(db, c, o, &e, &next, err);
	if (status == 0)
		status = preview_reader(db, c, o, &s, &r, err);
	if (status == 0) {
		rc = edition_preview(db, &e, s.id, &r, &sent,
		    (enum edition_part)o->format, &o->out, &l, err);
		status = rc == -1 ? EX_DATAERR : rc == -2 ? EX_IOERR : 0;
	}
	if (status == 0 && e.frozen && s.id != 0 &&
	    journal_delivery_status(db, e.id, s.id, delivery, err) == -1)
		status = EX_IOERR;
	if (status == 0 && report != NULL)
		preview_report(report, &e, &r, e.frozen && s.id != 0 ?
		    delivery : NULL, o->next ? &next : NULL, &l);
	due_plan_release(&next.plan);
	article_list_release(&l);
	article_release(&sent);
	store_subscriber_release(&s);
	edition_close(&e);
	return status;
}

int
preview_render_main(struct preview_opts *o)
{
	struct config c;
	struct sqlite3 *db;
	char err[ERR_LEN];
	int status;

	if ((status = cmd_config_load(&c)) != 0)
		return status;
	db = db_open_readonly(cmd_db_path(), err);
	if (db == NULL) {
		cmd_error("%s", err);
		config_release(&c);
		return EX_NOINPUT;
	}
	status = preview_build(db, &c, o, stderr, err);
	if (status != 0)
		cmd_error("cannot preview: %s", err);
	db_close(db);
	config_release(&c);
	return status;
}
