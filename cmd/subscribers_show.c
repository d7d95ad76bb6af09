/*
 * digest subscribers show: everything stored about one subscriber.
 */
#include "cmd.h"
#include "opt.h"
#include "addr.h"
#include "db.h"
#include "store.h"
#include "util.h"

#include <jansson.h>
#include <string.h>

static const struct opt subscribers_show_opts[] = {
	{ CMD_DB_OPTION_ID, "--db PATH",
	    "the database (default $DIGEST_DB, else ./digest.db)" },
	{ 0, NULL, NULL },
};

const struct opt_usage cmd_subscribers_show_usage = {
	.synopsis = "digest subscribers show [--db PATH] EMAIL",
	.about =
	    "Prints, as JSON, what is stored about the subscriber EMAIL (in any\n"
	    "case: addresses are matched case-folded): the address as typed and as\n"
	    "stored, name, tags, status, when they signed up, confirmed or left\n"
	    "(RFC 3339, UTC), hard bounces in a row, and the consent log: every\n"
	    "signup, confirmation, preference change, unsubscription, addition and\n"
	    "import, each with its time, IP address, browser and form. The secrets\n"
	    "of their links are not shown.\n",
	.opts = subscribers_show_opts,
	.notes =
	    "Exit status: 0 shown, 65 an invalid address, 66 no such subscriber\n"
	    "or no database yet, 74 the store failed.\n",
};

int
cmd_subscribers_show(int argc, char **argv)
{
	char err[ERR_LEN], email[ADDR_MAX + 1];
	struct sqlite3 *db;
	json_t *records;
	int c, status = 0;

	while ((c = opt_next(argc, argv, &cmd_subscribers_show_usage)) != -1) {
		if (c == 'h')
			return cmd_help(&cmd_subscribers_show_usage);
		if (c != CMD_DB_OPTION_ID)
			return cmd_bad_usage(&cmd_subscribers_show_usage);
		cmd_db_path_set(optarg);
	}
	if (optind + 1 != argc)
		return cmd_bad_operands(&cmd_subscribers_show_usage, argc, argv, 1);
	if (addr_from_text(argv[optind], strlen(argv[optind]), email,
	    err) == -1) {
		cmd_error("invalid address '%s': %s", argv[optind], err);
		return EX_DATAERR;
	}
	if ((db = cmd_db_open_existing(&status)) == NULL)
		return status;
	if (store_subscriber_records(db, email, -1, &records, err) == -1) {
		cmd_error("cannot read '%s': %s", cmd_db_path(), err);
		status = EX_IOERR;
	} else if (json_array_size(records) == 0) {
		cmd_error("no subscriber '%s'", email);
		status = EX_NOINPUT;
	} else {
		json_dumpf(json_array_get(records, 0), stdout, JSON_INDENT(2));
		fputc('\n', stdout);
	}
	json_decref(records);
	db_close(db);
	return status;
}
