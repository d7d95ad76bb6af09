/*
 * digest subscribers add: the publisher adds someone, or changes what is
 * stored about them.
 */
#include "cmd.h"
#include "opt.h"
#include "date.h"
#include "db.h"
#include "rows.h"
#include "store.h"
#include "util.h"

#include <string.h>

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

		rows_row_merge(r, &old);
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
		return cmd_bad_operands(&cmd_subscribers_add_usage, argc, argv, 1);
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
