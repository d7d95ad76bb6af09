/*
 * digest subscribers list: the subscribers, as columns or as JSON.
 */
#include "cmd.h"
#include "opt.h"
#include "date.h"
#include "db.h"
#include "store.h"
#include "utf8.h"
#include "util.h"

#include <jansson.h>
#include <string.h>

#define SUBS_NAME_WIDTH 30	/* the widest name `list` aligns */

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
		return cmd_bad_operands(&cmd_subscribers_list_usage, argc, argv, 0);
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
