/*
 * digest subscribers remove: unsubscribe someone, or forget them.
 */
#include "cmd.h"
#include "opt.h"
#include "addr.h"
#include "db.h"
#include "store.h"
#include "util.h"

#include <string.h>

static const struct opt subscribers_remove_opts[] = {
	{ 'f', "--forget", "erase every trace of them" },
	{ CMD_DB_OPTION_ID, "--db PATH",
	    "the database (default $DIGEST_DB, else ./digest.db)" },
	{ 0, NULL, NULL },
};

const struct opt_usage cmd_subscribers_remove_usage = {
	.synopsis = "digest subscribers remove [--forget] [--db PATH] EMAIL...",
	.about =
	    "Unsubscribes each EMAIL: they get no more digests, and their record\n"
	    "(when they signed up and left, the consent record) is kept. With\n"
	    "--forget, erases them instead: the subscriber, their deliveries and\n"
	    "their confirmation mails, everything stored about them.\n",
	.opts = subscribers_remove_opts,
	.notes =
	    "Exit status: 0 every EMAIL removed; 65 an invalid address and 66 one\n"
	    "that is not a subscriber (the others are removed); 66 no database\n"
	    "yet; 74 the store failed.\n",
};

int
cmd_subscribers_remove(int argc, char **argv)
{
	char err[ERR_LEN], email[ADDR_MAX + 1];
	struct store_subscriber s;
	struct sqlite3 *db;
	int c, i, rc, forget = 0, status = 0;

	while ((c = opt_next(argc, argv, &cmd_subscribers_remove_usage)) != -1) {
		if (c == 'h')
			return cmd_help(&cmd_subscribers_remove_usage);
		if (c == 'f')
			forget = 1;
		else if (c == CMD_DB_OPTION_ID)
			cmd_db_path_set(optarg);
		else
			return cmd_bad_usage(&cmd_subscribers_remove_usage);
	}
	if (optind == argc)
		return cmd_bad_operands(&cmd_subscribers_remove_usage, argc, argv, -1);
	if ((db = cmd_db_open_existing(&status)) == NULL)
		return status;
	for (i = optind; i < argc; i++) {
		if (addr_from_text(argv[i], strlen(argv[i]), email, err) == -1) {
			cmd_error("invalid address '%s': %s", argv[i], err);
			status = EX_DATAERR;
			continue;
		}
		store_subscriber_init(&s);
		if (store_subscriber_find(db, email, &s, err) == 1)
			snprintf(email, sizeof(email), "%s", s.email);
		store_subscriber_release(&s);
		rc = store_subscriber_remove(db, email, forget,
		    "digest subscribers remove", err);
		if (rc == -1) {
			cmd_error("cannot remove '%s': %s", email, err);
			status = EX_IOERR;
			break;
		}
		if (rc == 0) {
			cmd_error("no subscriber '%s'", email);
			if (status == 0)
				status = EX_NOINPUT;
			continue;
		}
		printf("%s %s\n", forget ? "forgotten" : "unsubscribed", email);
	}
	db_close(db);
	return status;
}
