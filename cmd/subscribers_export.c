/*
 * digest subscribers export: the subscribers as CSV or JSON.
 */
#include "cmd.h"
#include "opt.h"
#include "buf.h"
#include "db.h"
#include "store.h"
#include "util.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const struct opt subscribers_export_opts[] = {
	{ 'f', "-f, --format FORMAT", "csv or json" },
	{ 's', "-s, --status STATUS",
	    "only those pending, confirmed, unsubscribed, bounced or "
	    "complained" },
	{ CMD_DB_OPTION_ID, "--db PATH",
	    "the database (default $DIGEST_DB, else ./digest.db)" },
	{ 0, NULL, NULL },
};

const struct opt_usage cmd_subscribers_export_usage = {
	.synopsis =
	    "digest subscribers export [--format csv|json] [--status STATUS]\n"
	    "                                 [--db PATH]",
	.about =
	    "Writes the subscribers to standard output, in the order they were\n"
	    "added. CSV (RFC 4180, the default): email, name, tags (joined by\n"
	    "\";\"), status, created, confirmed, unsubscribed (RFC 3339, UTC) and\n"
	    "consent (the consent log, as a JSON array), the columns `subscribers\n"
	    "import` reads: an export imported elsewhere gives every subscriber\n"
	    "back with their status (the suppressed ones stay suppressed) and\n"
	    "their consent log. JSON: an array with everything `subscribers show`\n"
	    "gives for each. The secrets of their links are never exported.\n",
	.opts = subscribers_export_opts,
	.notes =
	    "Exit status: 0 written, 64 bad usage, 66 no database yet, 74 the\n"
	    "store failed.\n",
};

/* One CSV field: quoted when it holds a comma, quote or line break. */
static void
export_field(const char *s, int last)
{
	if (s != NULL && s[strcspn(s, ",\"\r\n")] != '\0') {
		fputc('"', stdout);
		for (; *s != '\0'; s++) {
			if (*s == '"')
				fputc('"', stdout);
			fputc(*s, stdout);
		}
		fputc('"', stdout);
	} else if (s != NULL) {
		fputs(s, stdout);
	}
	fputs(last ? "\r\n" : ",", stdout);
}

static const char *
export_text(json_t *r, const char *key)
{
	return json_string_value(json_object_get(r, key));
}

static void
export_csv(json_t *records)
{
	json_t *r, *t;
	size_t i, k;
	char *log;

	fputs("email,name,tags,status,created,confirmed,unsubscribed,"
	    "consent\r\n", stdout);
	json_array_foreach(records, i, r) {
		struct buf tags;

		buf_init(&tags, 1u << 20);
		json_array_foreach(json_object_get(r, "tags"), k, t)
			buf_printf(&tags, "%s%s", k ? ";" : "",
			    json_string_value(t));
		log = json_dumps(json_object_get(r, "consent"), JSON_COMPACT);
		export_field(export_text(r, "email"), 0);
		export_field(export_text(r, "name"), 0);
		export_field(buf_cstr(&tags), 0);
		export_field(export_text(r, "status"), 0);
		export_field(export_text(r, "created"), 0);
		export_field(export_text(r, "confirmed"), 0);
		export_field(export_text(r, "unsubscribed"), 0);
		export_field(log, 1);
		free(log);
		buf_release(&tags);
	}
}

int
cmd_subscribers_export(int argc, char **argv)
{
	char err[ERR_LEN];
	struct sqlite3 *db;
	json_t *records;
	int c, json = 0, which = -1, status = 0;

	while ((c = opt_next(argc, argv, &cmd_subscribers_export_usage)) != -1) {
		switch (c) {
		case 'h':
			return cmd_help(&cmd_subscribers_export_usage);
		case 'f':
			if (strcmp(optarg, "csv") != 0 &&
			    strcmp(optarg, "json") != 0) {
				cmd_error("invalid value '%s' for --format: "
				    "expected csv or json", optarg);
				return EX_USAGE;
			}
			json = strcmp(optarg, "json") == 0;
			break;
		case 's':
			if ((which = cmd_status_option(optarg)) == -1)
				return EX_USAGE;
			break;
		case CMD_DB_OPTION_ID:
			cmd_db_path_set(optarg);
			break;
		default:
			return cmd_bad_usage(&cmd_subscribers_export_usage);
		}
	}
	if (optind != argc)
		return cmd_bad_operands(&cmd_subscribers_export_usage, argc, argv, 0);
	if ((db = cmd_db_open_existing(&status)) == NULL)
		return status;
	if (store_subscriber_records(db, NULL, which, &records, err) == -1) {
		cmd_error("cannot read '%s': %s", cmd_db_path(), err);
		db_close(db);
		return EX_IOERR;
	}
	if (json) {
		json_dumpf(records, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
	} else {
		export_csv(records);
	}
	json_decref(records);
	db_close(db);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		cmd_error("cannot write the export");
		return EX_IOERR;
	}
	return 0;
}
