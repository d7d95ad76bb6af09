/*
 * digest bounces: who bounced, complained or unsubscribed by mail, when,
 * and what the server said (issue 17).
 */
#include "bounces.h"
#include "cmd.h"
#include "opt.h"
#include "date.h"
#include "db.h"
#include "util.h"

#include <jansson.h>

static const struct opt bounces_opts[] = {
	{ 'j', "--json", "a JSON array of objects" },
	{ CMD_DB_OPTION_ID, "--db PATH",
	    "the database (default $DIGEST_DB, else ./digest.db)" },
	{ 0, NULL, NULL },
};

const struct opt_usage cmd_bounces_usage = {
	.synopsis = "digest bounces [--json] [--db PATH]",
	.about =
	    "Lists what the return mailbox said about subscribers, newest first:\n"
	    "hard and soft bounces, complaints and mailed unsubscribes, one line\n"
	    "each with the time, the address, the kind, the edition, the status\n"
	    "code, what it did (bounced, unsubscribed) and the server's words.\n",
	.opts = bounces_opts,
	.notes =
	    "Exit status: 0 listed, 64 bad usage, 66 no database yet, 74 the store\n"
	    "failed.\n",
};

static void
bounces_line(const struct bounces_row *r, void *arg)
{
	char when[DATE_RFC3339_LEN];
	json_t *arr = arg, *o;

	date_to_rfc3339(r->received, when);
	if (arr == NULL) {
		printf("%s  %s  %-11s %-10s %-6s %-12s %s\n", when, r->email,
		    r->kind, r->edition ? r->edition : "-",
		    r->status ? r->status : "-", r->applied ? r->applied : "-",
		    r->diagnostic ? r->diagnostic : "");
		return;
	}
	o = json_object();
	json_object_set_new(o, "received", json_string(when));
	json_object_set_new(o, "email", util_json_string(r->email));
	json_object_set_new(o, "subscriber_status",
	    json_string(r->subscriber_status));
	json_object_set_new(o, "kind", json_string(r->kind));
	json_object_set_new(o, "edition", r->edition ?
	    util_json_string(r->edition) : json_null());
	json_object_set_new(o, "status", r->status ?
	    util_json_string(r->status) : json_null());
	json_object_set_new(o, "applied", r->applied ?
	    json_string(r->applied) : json_null());
	json_object_set_new(o, "diagnostic", r->diagnostic ?
	    util_json_string(r->diagnostic) : json_null());
	json_array_append_new(arr, o);
}

int
cmd_bounces(int argc, char **argv)
{
	struct sqlite3 *db;
	json_t *arr = NULL;
	char err[ERR_LEN];
	int json, status = 0;

	switch (cmd_json_options(argc, argv, &cmd_bounces_usage, &json)) {
	case 1:
		return cmd_help(&cmd_bounces_usage);
	case -1:
		return cmd_bad_usage(&cmd_bounces_usage);
	default:
		break;
	}
	if (optind != argc)
		return cmd_bad_operands(&cmd_bounces_usage, argc, argv, 0);
	if ((db = cmd_db_open_existing(&status)) == NULL)
		return status;
	if (json)
		arr = json_array();
	if (bounces_each(db, bounces_line, arr, err) == -1) {
		cmd_error("cannot list bounces: %s", err);
		status = EX_IOERR;
	} else if (json) {
		json_dumpf(arr, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
	}
	json_decref(arr);
	db_close(db);
	return status;
}
