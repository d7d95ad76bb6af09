/*
 * digest subscribers add, import, list, check: the people digests go to.
 *
 * An import reads what subscribers/rows.h reads (CSV or JSON, digest's,
 * Mailchimp's, listmonk's); every row is checked on its own, a bad one is
 * reported with where it was and the others are stored, all in one
 * transaction.
 */
#include "cmd.h"
#include "opt.h"
#include "addr.h"
#include "date.h"
#include "db.h"
#include "rows.h"
#include "store.h"
#include "utf8.h"
#include "util.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SUBS_BAD_SHOWN 100	/* bad rows reported one by one */
#define SUBS_NAME_WIDTH 30	/* the widest name `list` aligns */

static const struct opt subscribers_add_opts[] = {
	{ 'n', "--name NAME", "the subscriber's name" },
	{ 't', "--tags TAGS",
	    "the topics they want, separated by commas or semicolons (none: "
	    "every topic)" },
	{ 'p', "--pending", "not confirmed yet" },
	{ CMD_DB_OPTION_ID, "--db PATH",
	    "the database (default $DIGEST_DB, else ./digest.db)" },
	{ 0, NULL, NULL },
};

const struct opt_usage cmd_subscribers_add_usage = {
	.synopsis =
	    "digest subscribers add [--name NAME] [--tags TAGS] [--pending]\n"
	    "                              [--db PATH] EMAIL",
	.about =
	    "Adds the subscriber EMAIL, confirmed unless --pending. An address that\n"
	    "is already stored (in any case) is updated instead: the options given\n"
	    "replace what is stored, the others keep it, and the status becomes\n"
	    "confirmed (or pending). Prints which it did. Someone who unsubscribed,\n"
	    "bounced or complained is refused: only they can subscribe again,\n"
	    "through the signup form's double opt-in.\n",
	.opts = subscribers_add_opts,
	.notes =
	    "Exit status: 0 added or updated, 65 an invalid address or name, or a\n"
	    "suppressed address, 73 or 74 the store failed.\n",
};

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

static const struct opt subscribers_list_opts[] = {
	{ 's', "-s, --status STATUS",
	    "only those pending, confirmed, unsubscribed, bounced or "
	    "complained" },
	{ 'j', "--json",
	    "a JSON array: id, email, name, tags, status, created (RFC 3339 "
	    "UTC)" },
	{ CMD_DB_OPTION_ID, "--db PATH",
	    "the database (default $DIGEST_DB, else ./digest.db)" },
	{ 0, NULL, NULL },
};

const struct opt_usage cmd_subscribers_list_usage = {
	.synopsis =
	    "digest subscribers list [--status STATUS] [--json] [--db PATH]",
	.about =
	    "Lists the subscribers in the order they were added, one per line:\n"
	    "address, status, name (\"-\" for none) and tags (\"(all)\" for someone\n"
	    "who chose none, and so gets every topic).\n",
	.opts = subscribers_list_opts,
	.notes =
	    "Exit status: 0 listed, 64 bad usage, 66 no database yet, 74 the store\n"
	    "failed.\n",
};

static const struct opt subscribers_check_opts[] = {
	{ 'm', "--mx",
	    "also ask DNS whether the domain takes mail (an MX record, or an "
	    "address record standing in for one), waiting 5 seconds at most" },
	{ CMD_DB_OPTION_ID, "--db PATH", NULL },
	{ 0, NULL, NULL },
};

const struct opt_usage cmd_subscribers_check_usage = {
	.synopsis = "digest subscribers check [--mx] [--] [ADDR...]",
	.about =
	    "Checks each ADDR, or each line of standard input when none is given\n"
	    "(blank lines are skipped), as add and import would, storing nothing.\n"
	    "Surrounding white space is trimmed first. Prints one line for each:\n"
	    "\n"
	    "  valid<TAB>NORMALIZED[<TAB>HINT]\n"
	    "  invalid<TAB>INPUT<TAB>REASON\n"
	    "\n"
	    "NORMALIZED is what would be stored: the part before @ in Unicode NFC,\n"
	    "the domain in lower case and in its ASCII form (xn--...). HINT, when\n"
	    "the domain looks like a typo, is \"did you mean name@gmail.com?\".\n"
	    "INPUT shows control characters and bytes that are not UTF-8 as \\n,\n"
	    "\\t, \\xHH, and is cut after 60 bytes.\n",
	.opts = subscribers_check_opts,
	.notes =
	    "Exit status: 0 every address is valid, 1 some are not, 64 bad usage,\n"
	    "66 standard input cannot be read, 75 a DNS lookup failed (and no\n"
	    "address was invalid).\n",
};

/*
 * Rows: one subscriber as the command line or a file gives it
 * (subscribers/rows.h), and how it meets the one stored under its key.
 */

/* What storing a row did. */
enum subs_done {
	SUBS_ADDED,
	SUBS_UPDATED,
	SUBS_KEPT,	/* suppressed: the file asked for more than it may */
};

/*
 * An import updates what is stored by what the file says, within the
 * rules of consent: a status moves from pending to confirmed, and from
 * anything to suppressed (a suppression list carried over), never from
 * suppressed back (only the person can, by a new double opt-in) nor
 * from confirmed to pending. The file's consent log is merged into
 * the store's; a row without one, new or changing status, is logged as
 * imported.
 */
static enum store_status
subs_row_status(const struct store_subscriber *old, enum store_status want)
{
	if (store_status_suppressed(old->status))
		return old->status;
	if (store_status_suppressed(want) || (old->status == STORE_PENDING &&
	    want == STORE_CONFIRMED))
		return want;
	return old->status;
}

/* Fills in what r does not give from the subscriber stored under its
 * key, and the status as subs_row_status says. */
static void
subs_row_merge(struct rows_row *r, struct store_subscriber *old)
{
	if (!r->has_name) {
		r->s.name = old->name;
		old->name = NULL;
	}
	if (!r->has_tags) {
		r->s.tags = old->tags;
		r->s.ntags = old->ntags;
		r->s.tags_cap = old->tags_cap;
		old->tags = NULL;
		old->ntags = old->tags_cap = 0;
	}
	r->s.status = subs_row_status(old, r->s.status);
}

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
		subs_row_merge(r, &old);
	store_subscriber_release(&old);
	if ((rc = store_subscriber_put(db, &r->s, err)) == -1)
		return -1;
	*done = rc == 1 ? SUBS_ADDED : r->s.status != want &&
	    store_status_suppressed(r->s.status) ? SUBS_KEPT : SUBS_UPDATED;
	return subs_row_consent(db, r, form, rc == 1 || r->s.status != *was,
	    err);
}

/*
 * digest subscribers import
 */

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
		return cmd_bad_usage(&cmd_subscribers_import_usage);
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

/*
 * digest subscribers add
 */

/* The publisher adds someone, or changes what is stored: the status
 * given wins, except over a suppressed one, which only the person can
 * lift (double opt-in); that is refused with the reason. 0, or the exit
 * code. */
static int
subs_add_one(struct sqlite3 *db, struct rows_row *r)
{
	struct store_subscriber old;
	struct store_consent c;
	char err[ERR_LEN], when[DATE_RFC3339_LEN];
	int rc, found;

	store_subscriber_init(&old);
	if (db_begin(db, err) == -1 || (found = store_subscriber_find(db,
	    r->s.email, &old, err)) == -1)
		goto fail;
	if (found && store_status_suppressed(old.status)) {
		db_rollback(db);
		date_to_rfc3339(old.unsubscribed ? old.unsubscribed :
		    old.created, when);
		cmd_error("'%s' is %s (since %s): only they can subscribe "
		    "again, through the signup form's double opt-in",
		    old.email, store_status_name(old.status), when);
		store_subscriber_release(&old);
		return EX_DATAERR;
	}
	if (found) {
		enum store_status want = r->s.status;

		subs_row_merge(r, &old);
		r->s.status = want;	/* the publisher's word, here */
	}
	memset(&c, 0, sizeof(c));
	c.time = date_now();
	c.action = STORE_ACTION_ADD;
	c.form = "digest subscribers add";
	c.detail = r->s.status == STORE_CONFIRMED ? "status=confirmed" :
	    "status=pending";
	if ((rc = store_subscriber_put(db, &r->s, err)) == -1 ||
	    store_consent_add(db, r->s.email, &c, err) == -1 ||
	    db_commit(db, err) == -1)
		goto fail;
	store_subscriber_release(&old);
	printf("%s %s (%s)\n", rc == 1 ? "added" : "updated", r->s.email,
	    store_status_name(r->s.status));
	return 0;
fail:
	db_rollback(db);
	store_subscriber_release(&old);
	cmd_error("cannot store '%s' in '%s': %s", r->s.email, cmd_db_path(),
	    err);
	return EX_IOERR;
}

int
cmd_subscribers_add(int argc, char **argv)
{
	const char *name = NULL, *tags = NULL;
	char msg[ROWS_MSG_LEN];
	struct rows_row r;
	struct sqlite3 *db;
	int c, status = 0, pending = 0;

	while ((c = opt_next(argc, argv, &cmd_subscribers_add_usage)) != -1) {
		switch (c) {
		case 'h':
			return cmd_help(&cmd_subscribers_add_usage);
		case CMD_DB_OPTION_ID:
			cmd_db_path_set(optarg);
			break;
		case 'n':
			name = optarg;
			break;
		case 't':
			tags = optarg;
			break;
		case 'p':
			pending = 1;
			break;
		default:
			return cmd_bad_usage(&cmd_subscribers_add_usage);
		}
	}
	if (argc - optind != 1)
		return cmd_bad_usage(&cmd_subscribers_add_usage);
	/* Checked as an imported row is. */
	rows_row_init(&r, pending ? STORE_PENDING : STORE_CONFIRMED);
	if (rows_row_email(&r, argv[optind], strlen(argv[optind]),
	    msg) == -1 || (name != NULL && rows_row_name(&r, name,
	    strlen(name), msg) == -1))
		status = -1;
	if (tags != NULL) {
		rows_tags_parse(&r.s, tags, strlen(tags));
		r.has_tags = 1;
	}
	if (status != 0) {
		cmd_error("%s", msg);
		rows_row_release(&r);
		return EX_DATAERR;
	}
	if ((db = cmd_db_open(&status)) != NULL) {
		status = subs_add_one(db, &r);
		db_close(db);
	}
	rows_row_release(&r);
	if (fflush(stdout) == EOF && status == 0)
		status = EX_IOERR;
	return status;
}

/*
 * digest subscribers list
 */

static json_t *
subs_json_one(const struct store_subscriber *s)
{
	char when[DATE_RFC3339_LEN];
	json_t *o = json_object(), *tags = json_array();
	size_t i;

	date_to_rfc3339(s->created, when);
	for (i = 0; i < s->ntags; i++)
		json_array_append_new(tags, util_json_string(s->tags[i]));
	json_object_set_new(o, "id", json_integer(s->id));
	json_object_set_new(o, "email", util_json_string(s->email));
	json_object_set_new(o, "name", util_json_string(s->name));
	json_object_set_new(o, "tags", tags);
	json_object_set_new(o, "status",
	    json_string(store_status_name(s->status)));
	json_object_set_new(o, "created", json_string(when));
	return o;
}

static int
subs_print_json(const struct store_subscriber_list *l)
{
	json_t *arr = json_array();
	size_t i;
	int rc;

	for (i = 0; i < l->n; i++)
		json_array_append_new(arr, subs_json_one(&l->v[i]));
	rc = json_dumpf(arr, stdout, JSON_INDENT(2) | JSON_ESCAPE_SLASH);
	json_decref(arr);
	fputc('\n', stdout);
	return rc;
}

/* The width of s on a terminal, counted in characters. */
static size_t
subs_width(const char *s)
{
	return utf8_count(s, strlen(s));
}

/* Columns: the address and the name padded to the widest (names up to
 * SUBS_NAME_WIDTH), the status to the longest status, tags last. */
static void
subs_print_text(const struct store_subscriber_list *l)
{
	size_t i, t, w, email_w = 0, name_w = 1;
	const char *name;

	for (i = 0; i < l->n; i++) {
		if ((w = subs_width(l->v[i].email)) > email_w)
			email_w = w;
		if (l->v[i].name != NULL &&
		    (w = subs_width(l->v[i].name)) > name_w)
			name_w = w > SUBS_NAME_WIDTH ? SUBS_NAME_WIDTH : w;
	}
	for (i = 0; i < l->n; i++) {
		const struct store_subscriber *s = &l->v[i];

		name = s->name != NULL ? s->name : "-";
		w = subs_width(name);
		printf("%s%*s  %-12s  %s%*s  ", s->email,
		    (int)(email_w - subs_width(s->email)), "",
		    store_status_name(s->status), name,
		    (int)(w < name_w ? name_w - w : 0), "");
		if (s->ntags == 0)
			fputs("(all)", stdout);
		for (t = 0; t < s->ntags; t++)
			printf("%s%s", t ? "," : "", s->tags[t]);
		fputc('\n', stdout);
	}
}

int
cmd_subscribers_list(int argc, char **argv)
{
	struct store_subscriber_list list;
	struct sqlite3 *db;
	char err[ERR_LEN];
	int c, json = 0, status = 0, which = -1;

	while ((c = opt_next(argc, argv, &cmd_subscribers_list_usage)) != -1) {
		switch (c) {
		case 'h':
			return cmd_help(&cmd_subscribers_list_usage);
		case CMD_DB_OPTION_ID:
			cmd_db_path_set(optarg);
			break;
		case 's':
			if ((which = cmd_status_option(optarg)) == -1)
				return EX_USAGE;
			break;
		case 'j':
			json = 1;
			break;
		default:
			return cmd_bad_usage(&cmd_subscribers_list_usage);
		}
	}
	if (optind != argc)
		return cmd_bad_usage(&cmd_subscribers_list_usage);
	if ((db = cmd_db_open_existing(&status)) == NULL)
		return status;
	memset(&list, 0, sizeof(list));
	if (store_subscriber_list(db, which, &list, err) == -1) {
		cmd_error("cannot list subscribers in '%s': %s", cmd_db_path(),
		    err);
		status = EX_IOERR;
	} else if (json) {
		if (subs_print_json(&list) == -1)
			status = EX_IOERR;
	} else {
		subs_print_text(&list);
	}
	store_subscriber_list_release(&list);
	db_close(db);
	if (fflush(stdout) == EOF && status == 0)
		status = EX_IOERR;
	return status;
}

/*
 * digest subscribers check
 */

#define SUBS_MX_TIMEOUT_MS 5000

/* What check found about all the addresses so far. */
struct subs_check {
	int mx;			/* --mx */
	int invalid;		/* some address is invalid */
	int tempfail;		/* some DNS lookup failed */
};

/* Prints the line of an address that failed, with a hint when its domain
 * looks like a typo. */
static void
subs_check_invalid(const char *s, size_t len, const char *reason)
{
	char show[ROWS_SHOW_LEN], hint[ADDR_MAX + 1];

	printf("invalid\t%s\t%s", rows_show(s, len, show), reason);
	if (addr_suggest(s, len, hint))
		printf(" (did you mean %s?)", rows_show(hint, strlen(hint),
		    show));
	fputc('\n', stdout);
}

/* Checks one address and prints its line. */
static void
subs_check_one(struct subs_check *c, const char *s, size_t len)
{
	char out[ADDR_MAX + 1], hint[ADDR_MAX + 1], err[ERR_LEN];
	int rc;

	if (addr_from_text(s, len, out, err) == -1) {
		subs_check_invalid(s, len, err);
		c->invalid = 1;
		return;
	}
	/* A failed lookup says nothing about the address: it is reported
	 * as invalid but only makes the exit status EX_TEMPFAIL. */
	if (c->mx && (rc = addr_mx_check(strchr(out, '@') + 1,
	    SUBS_MX_TIMEOUT_MS, err)) != 1) {
		subs_check_invalid(s, len, err);
		if (rc == -1)
			c->tempfail = 1;
		else
			c->invalid = 1;
		return;
	}
	if (addr_suggest(out, strlen(out), hint))
		printf("valid\t%s\tdid you mean %s?\n", out, hint);
	else
		printf("valid\t%s\n", out);
}

/* One address a line; a CR before the LF is the line's end too. */
static int
subs_check_stdin(struct subs_check *c)
{
	char *data, *p, *end, *nl;
	size_t len, n, blank;

	if (cmd_read_input("-", &data, &len) == -1)
		return -1;
	for (p = data, end = data + len; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		n = (size_t)(nl - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		blank = n;
		(void)util_trim(p, &blank);
		if (blank > 0)
			subs_check_one(c, p, n);
	}
	free(data);
	return 0;
}

int
cmd_subscribers_check(int argc, char **argv)
{
	struct subs_check c;
	int opt, i, status;

	memset(&c, 0, sizeof(c));
	while ((opt = opt_next(argc, argv, &cmd_subscribers_check_usage)) != -1) {
		switch (opt) {
		case 'h':
			return cmd_help(&cmd_subscribers_check_usage);
		case 'm':
			c.mx = 1;
			break;
		default:
			return cmd_bad_usage(&cmd_subscribers_check_usage);
		}
	}
	if (optind == argc) {
		if (subs_check_stdin(&c) == -1)
			return EX_NOINPUT;
	}
	for (i = optind; i < argc; i++)
		subs_check_one(&c, argv[i], strlen(argv[i]));
	status = c.invalid ? 1 : c.tempfail ? EX_TEMPFAIL : 0;
	if (fflush(stdout) == EOF)
		status = EX_IOERR;
	return status;
}
