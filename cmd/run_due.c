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
#include "edition.h"
#include "journal.h"
#include "schedule.h"
#include "util.h"

#include <string.h>

#define RUN_DUE_FIRST_WINDOW (7 * 86400)

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
	    "slots are caught up once: only the latest is sent. An edition a\n"
	    "crash left half sent is resumed. With mailbox_url set, the return\n"
	    "mailbox is read first (as `digest mailbox fetch` does), so that\n"
	    "nobody who bounced or unsubscribed by mail is sent the edition.\n",
	.opts = run_due_opts,
	.notes =
	    "Exit status: 0 sent, skipped or nothing due; otherwise as `digest\n"
	    "send`: 75 some deferred, another run is sending or the server does\n"
	    "not answer (run again later), 69 some refused for good, 65 a message\n"
	    "could not be built, 74 the store failed; 66 no database yet; 78 a bad\n"
	    "configuration or schedule. A feed that fails does not change it.\n",
};

/* The window of a new edition at slot: from where the last one ended. */
static int64_t
run_due_since(struct sqlite3 *db, int64_t slot)
{
	struct journal_edition last;
	char err[ERR_LEN];

	if (journal_edition_last(db, &last, err) == 1 && last.until < slot &&
	    last.until > slot - 5 * RUN_DUE_FIRST_WINDOW)
		return last.until;
	return slot - RUN_DUE_FIRST_WINDOW;
}

/* Creates the edition of slot, or records it skipped: 1 created (to
 * send), 0 skipped, -1 error (printed). */
static int
run_due_create(struct sqlite3 *db, const struct config *c, const char *id,
    int64_t slot)
{
	int64_t since = run_due_since(db, slot), n;
	char err[ERR_LEN], note[128];

	n = journal_edition_count(db, since, slot, c->max_age, err);
	if (n == -1) {
		cmd_error("cannot count articles: %s", err);
		return -1;
	}
	if (n < c->min_articles) {
		snprintf(note, sizeof(note), "%lld new article%s, fewer than "
		    "min_articles %ld", (long long)n, n == 1 ? "" : "s",
		    c->min_articles);
		if (journal_edition_skip(db, id, since, slot, slot, date_now(),
		    note, err) == -1) {
			cmd_error("cannot record edition %s: %s", id, err);
			return -1;
		}
		printf("edition=%s status=skipped reason=\"%s\"\n", id, note);
		return 0;
	}
	if (journal_edition_create(db, id, since, slot, slot, date_now(),
	    c->max_age, err) == -1) {
		cmd_error("cannot create edition %s: %s", id, err);
		return -1;
	}
	return 1;
}

static int
run_due(struct sqlite3 *db, const struct config *c, int fetch, int json)
{
	struct schedule sc;
	struct journal_edition je;
	struct edition e;
	char err[ERR_LEN], id[SCHEDULE_ID_MAX];
	int64_t slot;
	int rc, status;

	if (schedule_parse(c->schedule_weekday, c->schedule_time,
	    c->schedule_timezone, &sc, err) == -1) {
		cmd_error("bad schedule in the configuration: %s", err);
		return EX_CONFIG;
	}
	slot = schedule_last_slot(&sc, date_now());
	schedule_edition_id(slot, &sc, id);
	rc = journal_edition_get(db, id, &je, err);
	if (rc == -1) {
		cmd_error("%s", err);
		return EX_IOERR;
	}
	if (rc == 1 && strcmp(je.status, "open") != 0) {
		printf("edition=%s status=%s nothing due\n", id, je.status);
		return 0;
	}
	/* The feeds' latest, before the edition takes its articles; what
	 * fails is each feed's own (said, and kept for `feeds list`). */
	if (rc == 0 && fetch)
		(void)cmd_ingest_feeds(db, c, 1);
	if (rc == 0 && (rc = run_due_create(db, c, id, slot)) != 1)
		return rc == 0 ? 0 : EX_IOERR;
	if (edition_open(&e, c, id, slot, NULL, err) == -1) {
		cmd_error("cannot open edition %s: %s", id, err);
		edition_close(&e);
		return EX_DATAERR;
	}
	e.frozen = 1;
	/* What came back since the last run first, so that nobody who
	 * bounced or unsubscribed by mail is sent this edition. The mailbox
	 * failing is no reason not to send: it is said, and the send goes
	 * on (the next run reads it again). */
	if (*c->mailbox_url != '\0' &&
	    cmd_mailbox_fetch_run(db, c, 0, stderr) != 0)
		cmd_error("run-due: the return mailbox was not read; sending "
		    "all the same");
	status = cmd_send_edition(db, &e, c, json);
	edition_close(&e);
	return status;
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
		return cmd_bad_usage(&cmd_run_due_usage);
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
