/*
 * digest editions: the editions made so far, and who got each one.
 */
#include "cmd.h"
#include "opt.h"
#include "date.h"
#include "db.h"
#include "bounces.h"
#include "journal.h"
#include "util.h"

#include <jansson.h>
#include <string.h>

static const struct opt editions_opts[] = {
	{ 'j', "--json", "a JSON array of objects" },
	{ CMD_DB_OPTION_ID, "--db PATH",
	    "the database (default $DIGEST_DB, else ./digest.db)" },
	{ 0, NULL, NULL },
};

const struct opt_usage cmd_editions_usage = {
	.synopsis = "digest editions [--json] [--db PATH]",
	.about =
	    "Lists the editions, newest first, with their article count and how\n"
	    "many subscribers each was sent to, deferred for, failed for, skipped\n"
	    "or still has to reach.\n",
	.opts = editions_opts,
	.notes =
	    "Exit status: 0 listed, 64 bad usage, 66 no database yet, 74 the store\n"
	    "failed.\n",
};

static const struct opt editions_show_opts[] = {
	{ 'j', "--json", "a JSON object: the edition and its deliveries" },
	{ CMD_DB_OPTION_ID, "--db PATH",
	    "the database (default $DIGEST_DB, else ./digest.db)" },
	{ 0, NULL, NULL },
};

const struct opt_usage cmd_editions_show_usage = {
	.synopsis = "digest editions show [--json] [--db PATH] ID",
	.about =
	    "Shows who got edition ID, who is deferred or failed and why: one line\n"
	    "per subscriber with the status, the SMTP reply and the time, and the\n"
	    "Message-IDs an interrupted run left in flight (in doubt: the server\n"
	    "may have accepted them, so that subscriber may have two copies).\n",
	.opts = editions_show_opts,
	.notes =
	    "Exit status: 0 shown, 64 bad usage, 66 no such edition or no database\n"
	    "yet, 74 the store failed.\n",
};

/* Where editions_line writes: JSON into arr, or text when it is NULL;
 * db for the counts of what came back. */
struct editions_out {
	struct sqlite3 *db;
	json_t *arr;
};

/* What the return mailbox said about an edition's readers (nothing,
 * when that cannot be read: the deliveries are the point here). */
static void
editions_returns(struct sqlite3 *db, const char *edition,
    struct bounces_counts *c)
{
	char err[ERR_LEN];

	if (bounces_edition_counts(db, edition, c, err) == -1)
		memset(c, 0, sizeof(*c));
}

static json_t *
editions_json(struct sqlite3 *db, const struct journal_edition *e)
{
	char when[DATE_RFC3339_LEN];
	json_t *o = json_object(), *counts = json_object(),
	    *returns = json_object();
	struct bounces_counts rc;
	int k;

	date_to_rfc3339(e->created, when);
	json_object_set_new(o, "id", json_string(e->id));
	json_object_set_new(o, "created", json_string(when));
	date_to_rfc3339(e->since, when);
	json_object_set_new(o, "since", json_string(when));
	date_to_rfc3339(e->until, when);
	json_object_set_new(o, "until", json_string(when));
	json_object_set_new(o, "status", json_string(e->status));
	if (*e->note != '\0')
		json_object_set_new(o, "note", util_json_string(e->note));
	json_object_set_new(o, "articles", json_integer((json_int_t)e->articles));
	for (k = 0; k < JOURNAL_NSTATUS; k++)
		json_object_set_new(counts, journal_status_name(k),
		    json_integer((json_int_t)e->count[k]));
	json_object_set_new(o, "deliveries", counts);
	json_object_set_new(o, "sending", json_integer((json_int_t)e->sending));
	json_object_set_new(o, "in_doubt",
	    json_integer((json_int_t)e->in_doubt));
	editions_returns(db, e->id, &rc);
	for (k = 0; k < BOUNCES_NKINDS; k++)
		json_object_set_new(returns, bounces_kind_name(k),
		    json_integer((json_int_t)rc.n[k]));
	json_object_set_new(o, "returns", returns);
	return o;
}

static void
editions_line(const struct journal_edition *e, void *arg)
{
	const struct editions_out *out = arg;
	char when[DATE_RFC3339_LEN];
	struct bounces_counts rc;

	if (out->arr != NULL) {
		json_array_append_new(out->arr, editions_json(out->db, e));
		return;
	}
	date_to_rfc3339(e->created, when);
	printf("%-10s %-7s %s  %zu articles  sent %zu  deferred %zu  "
	    "failed %zu  skipped %zu  pending %zu", e->id, e->status, when,
	    e->articles, e->count[JOURNAL_SENT], e->count[JOURNAL_DEFERRED],
	    e->count[JOURNAL_FAILED], e->count[JOURNAL_SKIPPED],
	    e->count[JOURNAL_PENDING]);
	if (e->sending > 0)
		printf("  in flight %zu", e->sending);
	if (e->in_doubt > 0)
		printf("  in doubt %zu", e->in_doubt);
	editions_returns(out->db, e->id, &rc);
	if (rc.n[BOUNCES_HARD] + rc.n[BOUNCES_SOFT] + rc.n[BOUNCES_COMPLAINT] +
	    rc.n[BOUNCES_UNSUBSCRIBE] > 0)
		printf("  bounces hard %zu soft %zu  complaints %zu  "
		    "mailed unsubscribes %zu", rc.n[BOUNCES_HARD],
		    rc.n[BOUNCES_SOFT], rc.n[BOUNCES_COMPLAINT],
		    rc.n[BOUNCES_UNSUBSCRIBE]);
	printf("%s%s\n", *e->note ? "  " : "", e->note);
}

int
cmd_editions(int argc, char **argv)
{
	struct sqlite3 *db;
	struct editions_out out;
	json_t *arr = NULL;
	char err[ERR_LEN];
	int json = 0, help = 0, status = 0;

	if ((help = cmd_json_options(argc, argv, &cmd_editions_usage,
	    &json)) == -1)
		return cmd_bad_usage(&cmd_editions_usage);
	if (help)
		return cmd_help(&cmd_editions_usage);
	if (optind != argc)
		return cmd_bad_operands(&cmd_editions_usage, argc, argv, 0);
	if ((db = cmd_db_open_existing(&status)) == NULL)
		return status;
	if (json)
		arr = json_array();
	out.db = db;
	out.arr = arr;
	if (journal_edition_each(db, editions_line, &out, err) == -1) {
		cmd_error("cannot list editions: %s", err);
		status = EX_IOERR;
	} else if (json) {
		json_dumpf(arr, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
	}
	json_decref(arr);
	db_close(db);
	return status;
}

/* The Message-IDs a stopped run may have delivered, as an array. */
static void
editions_json_doubt(json_t *o, const char *ids)
{
	json_t *arr = json_array();
	const char *p = ids, *sp;

	while (*p != '\0') {
		sp = strchr(p, ' ');
		if (sp == NULL)
			sp = p + strlen(p);
		if (sp > p)
			json_array_append_new(arr, json_stringn(p,
			    (size_t)(sp - p)));
		p = *sp ? sp + 1 : sp;
	}
	json_object_set_new(o, "in_doubt", arr);
}

static void
editions_delivery(const struct journal_delivery *d, void *arg)
{
	json_t *arr = arg, *o;
	char when[DATE_RFC3339_LEN];

	date_to_rfc3339(d->updated, when);
	if (arr == NULL) {
		printf("%-8s %s", d->status, d->email);
		/* The reply starts with its code; without one, the code. */
		if (d->reply != NULL && *d->reply != '\0')
			printf("  %s", d->reply);
		else if (d->code != 0)
			printf("  %d", d->code);
		/* A row no run has reached has no time to show. */
		if (d->updated == 0 && d->attempts == 0)
			fputs("  (not tried yet)", stdout);
		else
			printf("  (%s, %d tr%s)", when, d->attempts,
			    d->attempts == 1 ? "y" : "ies");
		if (d->sending != NULL)
			printf("  in flight: %s", d->sending);
		if (d->in_doubt != NULL)
			printf("  in doubt, may have a second copy: %s",
			    d->in_doubt);
		putchar('\n');
		return;
	}
	o = json_object();
	json_object_set_new(o, "email", util_json_string(d->email));
	json_object_set_new(o, "status", json_string(d->status));
	json_object_set_new(o, "attempts", json_integer(d->attempts));
	if (d->code != 0)
		json_object_set_new(o, "smtp", json_integer(d->code));
	if (d->reply != NULL)
		json_object_set_new(o, "reply", util_json_string(d->reply));
	if (d->queue_id != NULL)
		json_object_set_new(o, "queue_id", util_json_string(d->queue_id));
	if (d->message_id != NULL)
		json_object_set_new(o, "message_id",
		    util_json_string(d->message_id));
	if (d->sending != NULL)
		json_object_set_new(o, "sending", util_json_string(d->sending));
	if (d->in_doubt != NULL)
		editions_json_doubt(o, d->in_doubt);
	if (d->updated != 0)
		json_object_set_new(o, "updated", json_string(when));
	if (d->next_try != 0) {
		date_to_rfc3339(d->next_try, when);
		json_object_set_new(o, "next_try", json_string(when));
	}
	json_array_append_new(arr, o);
}

int
cmd_editions_show(int argc, char **argv)
{
	struct journal_edition e;
	struct editions_out out;
	struct sqlite3 *db;
	json_t *arr = NULL, *o;
	char err[ERR_LEN];
	int json = 0, help = 0, status = 0, rc;

	if ((help = cmd_json_options(argc, argv,
	    &cmd_editions_show_usage, &json)) == -1)
		return cmd_bad_usage(&cmd_editions_show_usage);
	if (help)
		return cmd_help(&cmd_editions_show_usage);
	if (optind != argc - 1)
		return cmd_bad_operands(&cmd_editions_show_usage, argc, argv, 1);
	if ((db = cmd_db_open_existing(&status)) == NULL)
		return status;
	rc = journal_edition_get(db, argv[optind], &e, err);
	if (rc != 1) {
		cmd_error("%s", rc == 0 ? "no such edition" : err);
		db_close(db);
		return rc == 0 ? EX_NOINPUT : EX_IOERR;
	}
	out.db = db;
	out.arr = NULL;
	if (json)
		arr = json_array();
	else
		editions_line(&e, &out);
	if (journal_delivery_each(db, e.id, editions_delivery, arr, err) == -1) {
		cmd_error("cannot read deliveries: %s", err);
		status = EX_IOERR;
	} else if (json) {
		o = editions_json(db, &e);
		json_object_set_new(o, "recipients", arr);
		arr = NULL;
		json_dumpf(o, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(o);
	}
	json_decref(arr);
	db_close(db);
	return status;
}
