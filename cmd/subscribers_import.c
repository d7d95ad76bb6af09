/*
 * digest subscribers import: the subscribers of a file (CSV or JSON,
 * digest's, Mailchimp's, listmonk's, read by subscribers/rows.h). Every
 * row is checked on its own; a bad one is reported with where it was and
 * the others are stored, all in one transaction.
 */
#include "cmd.h"
#include "opt.h"
#include "date.h"
#include "db.h"
#include "rows.h"
#include "store.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define SUBS_BAD_SHOWN 100	/* bad rows reported one by one */

static const struct opt subscribers_import_opts[] = {
	{ 'p', "--pending", "new subscribers are not confirmed yet" },
	{ 'n', "-n, --dry-run",
	    "store nothing: print what each row would do (add, update, keep) "
	    "and the summary" },
	{ 'c', "--column FIELD=NAME",
	    "the column named NAME holds FIELD (email, name, tags or status)" },
	{ CMD_DB_OPTION_ID, "--db PATH",
	    "the database (default $DIGEST_DB, else ./digest.db)" },
	{ 0, NULL, NULL },
};

const struct opt_usage cmd_subscribers_import_usage = {
	.synopsis =
	    "digest subscribers import [--pending] [--dry-run]\n"
	    "                                 [--column FIELD=NAME]... [--db PATH]\n"
	    "                                 FILE",
	.about =
	    "Adds or updates the subscribers in FILE (\"-\" reads standard input):\n"
	    "CSV whose first line names the columns, or a JSON array of objects.\n"
	    "Columns are found by name, in any order and case: digest's own export\n"
	    "(email, name, tags, status, created, confirmed, unsubscribed, consent),\n"
	    "a Mailchimp audience export (the subscribed, unsubscribed and cleaned\n"
	    "files: Email Address, First Name, Last Name, TAGS, OPTIN_TIME,\n"
	    "CONFIRM_TIME, UNSUB_TIME, CLEAN_TIME and their IPs), a listmonk export\n"
	    "(email, name, status, attributes), or any CSV with --column. Tags are\n"
	    "separated by \";\" or \",\"; in JSON they may be an array of strings.\n"
	    "\n"
	    "A status is pending, confirmed, unsubscribed, bounced or complained,\n"
	    "or another tool's word for one (subscribed, enabled: confirmed;\n"
	    "cleaned: bounced; disabled, blocklisted: unsubscribed); a Mailchimp\n"
	    "file's kind is its status. Without one, new subscribers are confirmed\n"
	    "unless --pending. Unsubscribed, bounced and complained rows are stored\n"
	    "as such (suppressed: never mailed), never dropped.\n"
	    "\n"
	    "Those already stored (matched by their address case-folded) get the\n"
	    "name and tags the file gives (a column it lacks keeps what is stored).\n"
	    "A status only moves from pending to confirmed, or to suppressed: an\n"
	    "import never resubscribes someone who unsubscribed, bounced or\n"
	    "complained (only they can, through the signup form's double opt-in).\n"
	    "The file's consent log (digest's export, Mailchimp's times and IPs) is\n"
	    "added to the stored one.\n"
	    "\n"
	    "A bad line is reported on stderr with its line number (a JSON item\n"
	    "with its index in the array) and the others are stored, all in one\n"
	    "transaction.\n",
	.opts = subscribers_import_opts,
	.notes =
	    "Exit status: 0 every line was stored; 65 some were bad (the others are\n"
	    "stored), or FILE is neither CSV with an email column nor a JSON array;\n"
	    "66 no such FILE; 73 or 74 the store failed (nothing is stored).\n",
};

/*
 * An import updates what is stored by what the file says, within the
 * rules of consent (rows_row_merge). The file's consent log is merged
 * into the store's; a row without one, new or changing status, is
 * logged as imported.
 *
 * What storing a row did:
 */
enum subs_done {
	SUBS_ADDED,
	SUBS_UPDATED,
	SUBS_KEPT,	/* suppressed: the file asked for more than it may */
};

/* The row's consent log into the store, or one "import" entry (form:
 * where it came from) when it brings none and its status is news. */
static int
subs_row_consent(struct sqlite3 *db, const struct rows_row *r,
    const char *form, int news, char *err)
{
	struct store_consent c;
	char detail[64];
	size_t i;

	for (i = 0; i < r->nconsent; i++)
		if (store_consent_merge(db, r->s.email, &r->consent[i].c,
		    err) == -1)
			return -1;
	if (r->nconsent > 0 || !news)
		return 0;
	memset(&c, 0, sizeof(c));
	c.time = date_now();
	c.action = STORE_ACTION_IMPORT;
	c.form = form;
	(void)snprintf(detail, sizeof(detail), "status=%s",
	    store_status_name(r->s.status));
	c.detail = detail;
	return store_consent_add(db, r->s.email, &c, err);
}

/* Stores one imported row: 0 with *done, or -1 with err. */
static int
subs_import_put(struct sqlite3 *db, struct rows_row *r, const char *form,
    enum subs_done *done, enum store_status *was, char *err)
{
	struct store_subscriber old;
	enum store_status want = r->s.status;
	int found, rc;

	store_subscriber_init(&old);
	found = store_subscriber_find(db, r->s.email, &old, err);
	if (found == -1)
		return -1;
	*was = old.status;
	if (found)
		rows_row_merge(r, &old);
	store_subscriber_release(&old);
	if ((rc = store_subscriber_put(db, &r->s, err)) == -1)
		return -1;
	*done = rc == 1 ? SUBS_ADDED : r->s.status != want &&
	    store_status_suppressed(r->s.status) ? SUBS_KEPT : SUBS_UPDATED;
	return subs_row_consent(db, r, form, rc == 1 || r->s.status != *was,
	    err);
}

struct subs_counts {
	size_t added, updated, kept, bad;
};

/* Reports one bad row, or, past SUBS_BAD_SHOWN, only counts it. */
static void
subs_report_bad(const char *label, const char *where, const char *msg,
    struct subs_counts *n)
{
	if (++n->bad <= SUBS_BAD_SHOWN)
		cmd_error("%s: %s: %s", label, where, msg);
}

static void
subs_print_summary(const char *label, int json, int dry,
    const struct subs_counts *n)
{
	const char *unit = json ? "item" : "line";

	if (n->bad > SUBS_BAD_SHOWN)
		cmd_error("%s: %zu more bad %ss not shown", label,
		    n->bad - SUBS_BAD_SHOWN, unit);
	printf("%s %zu (%zu new, %zu updated)", dry ? "would import" :
	    "imported", n->added + n->updated + n->kept, n->added,
	    n->updated);
	if (n->kept > 0)
		printf(", %zu still suppressed", n->kept);
	if (n->bad > 0)
		printf(", %zu bad %s%s", n->bad, unit, n->bad == 1 ? "" : "s");
	fputc('\n', stdout);
}

/* What --dry-run says about one row. */
static void
subs_print_change(const struct rows_row *r, enum subs_done done,
    enum store_status was)
{
	if (done == SUBS_ADDED)
		printf("add %s (%s)\n", r->s.email,
		    store_status_name(r->s.status));
	else if (done == SUBS_KEPT)
		printf("keep %s (%s: only they can subscribe again)\n",
		    r->s.email, store_status_name(r->s.status));
	else if (was != r->s.status)
		printf("update %s (%s -> %s)\n", r->s.email,
		    store_status_name(was), store_status_name(r->s.status));
	else
		printf("update %s (%s)\n", r->s.email,
		    store_status_name(r->s.status));
}

/* Stores every good row of src in one transaction: 0, or -1 with err
 * when the store failed (and nothing was stored). */
static int
subs_import_rows(struct sqlite3 *db, struct rows *src, const char *label,
    enum store_status st, int dry, struct subs_counts *n, char *err)
{
	char where[ROWS_WHERE_LEN], msg[ROWS_MSG_LEN], form[256];
	enum store_status was = STORE_PENDING;
	enum subs_done done = SUBS_UPDATED;
	struct rows_row r;
	int rc, put = 0;

	(void)snprintf(form, sizeof(form), "import %s (%s)", label, src->kind);
	if (db_begin(db, err) == -1)
		return -1;
	for (;;) {
		rows_row_init(&r, st);
		rc = rows_next(src, &r, where, msg);
		if (rc == 1) {
			put = subs_import_put(db, &r, form, &done, &was, err);
			if (put == 0 && dry)
				subs_print_change(&r, done, was);
			if (put == 0)
				*(done == SUBS_ADDED ? &n->added : done ==
				    SUBS_KEPT ? &n->kept : &n->updated) += 1;
		} else if (rc == -1) {
			subs_report_bad(label, where, msg, n);
		}
		rows_row_release(&r);
		if (rc == 0)
			return 0;
		if (put == -1) {
			db_rollback(db);
			return -1;
		}
	}
}

/* Reads the options of import: 0, or the exit code. */
static int
subs_import_args(int argc, char **argv, struct rows_columns *cols,
    enum store_status *st, int *dry)
{
	char msg[ROWS_MSG_LEN];
	int c;

	while ((c = opt_next(argc, argv, &cmd_subscribers_import_usage)) != -1) {
		switch (c) {
		case 'h':
			return cmd_help(&cmd_subscribers_import_usage) - 1;
		case CMD_DB_OPTION_ID:
			cmd_db_path_set(optarg);
			break;
		case 'p':
			*st = STORE_PENDING;
			break;
		case 'n':
			*dry = 1;
			break;
		case 'c':
			if (rows_columns_set(cols, optarg, msg) == -1) {
				cmd_error("%s", msg);
				return EX_USAGE;
			}
			break;
		default:
			return cmd_bad_usage(&cmd_subscribers_import_usage);
		}
	}
	if (argc - optind != 1)
		return cmd_bad_operands(&cmd_subscribers_import_usage, argc, argv, 1);
	return 0;
}

int
cmd_subscribers_import(int argc, char **argv)
{
	struct rows_columns cols;
	struct rows src;
	struct subs_counts n;
	struct sqlite3 *db;
	enum store_status st = STORE_CONFIRMED;
	char msg[ROWS_MSG_LEN], err[ERR_LEN], *data;
	const char *label;
	size_t len;
	int status, dry = 0;

	memset(&cols, 0, sizeof(cols));
	if ((status = subs_import_args(argc, argv, &cols, &st, &dry)) != 0)
		return status == -1 ? 0 : status;
	if (cmd_read_input(argv[optind], &data, &len) == -1)
		return EX_NOINPUT;
	label = strcmp(argv[optind], "-") == 0 ? "stdin" : argv[optind];
	if (rows_open(&src, data, len, &cols, msg) == -1) {
		cmd_error("cannot import '%s': %s", label, msg);
		status = EX_DATAERR;
	} else if ((db = cmd_db_open(&status)) != NULL) {
		memset(&n, 0, sizeof(n));
		if (subs_import_rows(db, &src, label, st, dry, &n, err) == -1 ||
		    (dry ? (db_rollback(db), 0) : db_commit(db, err)) == -1) {
			db_rollback(db);
			cmd_error("cannot import '%s' into '%s': %s", label,
			    cmd_db_path(), err);
			status = EX_IOERR;
		} else {
			subs_print_summary(label, src.json, dry, &n);
			status = n.bad > 0 ? EX_DATAERR : 0;
		}
		db_close(db);
	}
	rows_close(&src);
	free(data);
	if (fflush(stdout) == EOF && status == 0)
		status = EX_IOERR;
	return status;
}
