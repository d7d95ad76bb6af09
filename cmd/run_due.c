/*
 * digest run-due: what cron or a systemd timer calls every hour. Sends
 * the edition of the latest scheduled slot, once: a later call in the
 * same week finds it sent and does nothing; after missed slots only the
 * latest is sent (catching up once); a call after a crash resumes it.
 */
#include "cmd.h"
#include "opt.h"
#include "config.h"
#include "date.h"
#include "db.h"
#include "due.h"
#include "edition.h"
#include "schedule.h"
#include "util.h"

#include <string.h>

static const struct opt run_due_opts[] = {
	{ 'F', "--no-fetch", "do not fetch the stored feeds first" },
	{ 'j', "--json", "a JSON summary of the send on stdout" },
	{ CMD_DB_OPTION_ID, "--db PATH",
	    "the database (default $DIGEST_DB, else ./digest.db)" },
	{ 0, NULL, NULL },
};

const struct opt_usage cmd_run_due_usage = {
	.synopsis = "digest run-due [--no-fetch] [--json] [--db PATH]",
	.about =
	    "Sends the edition that is due, and does nothing otherwise: call it\n"
	    "every hour (contrib/ has a systemd timer and a crontab line). The\n"
	    "schedule is the configuration's schedule_weekday, schedule_time and\n"
	    "schedule_timezone. When an edition is due, the stored feeds are\n"
	    "fetched first (`digest feeds`; one that fails is reported and the\n"
	    "run goes on), then the edition of the latest slot is created with\n"
	    "the articles published since the previous edition (the first takes\n"
	    "the last 7 days) and those stored after it that were published\n"
	    "within max_age, and sent; with fewer than min_articles of them it is\n"
	    "recorded as skipped instead, and they wait for the next one. Missed\n"
	    "slots are caught up once: only the latest is sent, and only within\n"
	    "half a week of its time (later, nearer the next slot, it too is\n"
	    "recorded as skipped). An edition a crash left half sent is resumed.\n"
	    "With mailbox_url set, the return mailbox is read first (as `digest\n"
	    "mailbox fetch` does), so that nobody who bounced or unsubscribed by\n"
	    "mail is sent the edition.\n",
	.opts = run_due_opts,
	.notes =
	    "Exit status: 0 sent, skipped or nothing due; otherwise as `digest\n"
	    "send`: 75 some deferred, another run is sending or the server does\n"
	    "not answer (run again later), 69 some refused for good, 65 a message\n"
	    "could not be built, 74 the store failed; 66 no database yet; 78 a bad\n"
	    "configuration or schedule. A feed that fails does not change it.\n",
};

/* Makes the edition d says is due: 1 made (to send), 0 skipped (said),
 * or the exit code (said). The feeds' latest first, before it takes its
 * articles; what fails is each feed's own (said, and kept for `feeds
 * list`). */
static int
run_due_make(struct sqlite3 *db, const struct config *c, struct due *d,
    int fetch)
{
	char err[ERR_LEN], note[DUE_NOTE_MAX];
	int rc;

	if (fetch)
		(void)cmd_ingest_feeds(db, c, 1);
	rc = due_make(db, c, d, date_now(), note, err);
	if (rc == -1)
		cmd_error("cannot make edition %s: %s", d->id, err);
	else if (rc == 0)
		printf("edition=%s status=skipped reason=\"%s\"\n", d->id, note);
	return rc == -1 ? EX_IOERR : rc;
}

/* What came back since the last run first, so that nobody who bounced
 * or unsubscribed by mail is sent the edition. The mailbox failing is
 * no reason not to send: it is said, and the send goes on (the next run
 * reads it again). */
static void
run_due_mailbox(struct sqlite3 *db, const struct config *c)
{
	if (*c->mailbox_url != '\0' &&
	    cmd_mailbox_fetch_run(db, c, 0, stderr) != 0)
		cmd_error("run-due: the return mailbox was not read; sending "
		    "all the same");
}

/* Sends the edition d names, made: the exit code. */
static int
run_due_send(struct sqlite3 *db, const struct config *c,
    const struct due *d, int json)
{
	struct cmd_delivery dl;
	struct edition e;
	char err[ERR_LEN];
	int rc, status;

	rc = edition_open_journal(&e, db, c, d->id, d->slot, NULL, 0, err);
	if (rc != 1) {
		cmd_error("cannot open edition %s: %s", d->id, rc == 0 ?
		    "not in the journal" : err);
		edition_close(&e);
		return rc == -1 ? EX_DATAERR : EX_IOERR;
	}
	run_due_mailbox(db, c);
	memset(&dl, 0, sizeof(dl));
	dl.rate = -1;
	dl.json = json;
	status = cmd_deliver(db, &e, c, &dl);
	edition_close(&e);
	return status;
}

static int
run_due(struct sqlite3 *db, const struct config *c, int fetch, int json)
{
	struct schedule sc;
	struct due d;
	char err[ERR_LEN];
	int rc;

	if (schedule_parse(c->schedule_weekday, c->schedule_time,
	    c->schedule_timezone, &sc, err) == -1) {
		cmd_error("bad schedule in the configuration: %s", err);
		return EX_CONFIG;
	}
	if (due_check(db, &sc, date_now(), &d, err) == -1) {
		cmd_error("%s", err);
		return EX_IOERR;
	}
	if (d.action == DUE_NOTHING) {
		printf("edition=%s status=%s nothing due\n", d.id, d.status);
		return 0;
	}
	if (d.action == DUE_MAKE && (rc = run_due_make(db, c, &d, fetch)) != 1)
		return rc;
	return run_due_send(db, c, &d, json);
}

int
cmd_run_due(int argc, char **argv)
{
	struct sqlite3 *db;
	struct config c;
	int ch, json = 0, fetch = 1, status;

	while ((ch = opt_next(argc, argv, &cmd_run_due_usage)) != -1) {
		switch (ch) {
		case 'h':
			return cmd_help(&cmd_run_due_usage);
		case CMD_DB_OPTION_ID:
			cmd_db_path_set(optarg);
			break;
		case 'j':
			json = 1;
			break;
		case 'F':
			fetch = 0;
			break;
		default:
			return cmd_bad_usage(&cmd_run_due_usage);
		}
	}
	if (optind != argc)
		return cmd_bad_operands(&cmd_run_due_usage, argc, argv, 0);
	if ((status = cmd_config_load(&c)) != 0)
		return status;
	if ((db = cmd_db_open_existing(&status)) == NULL) {
		config_release(&c);
		return status;
	}
	db_limit_memory(db, 8192, 0);
	status = run_due(db, &c, fetch, json);
	db_close(db);
	config_release(&c);
	return status;
}
