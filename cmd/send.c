/*
 * digest send: this edition to every confirmed subscriber, exactly once,
 * through SMTP when a server is configured, else into the outbox.
 */
#include "cmd.h"
#include "opt.h"
#include "addr.h"
#include "config.h"
#include "date.h"
#include "db.h"
#include "edition.h"
#include "send.h"
#include "store.h"
#include "transport.h"
#include "util.h"

#include <string.h>

static const struct opt send_opts[] = {
	{ 'E', "--edition ID", "the edition (default: this ISO week)" },
	{ 'S', "--since WHEN",
	    "a new edition's window: 7d, 2w, a date (default: the "
	    "configuration's since)" },
	{ 'n', "-n, --dry-run",
	    "list who this run would mail (and skip), each message built; "
	    "deliver none, record nothing" },
	{ 'T', "--test-to ADDR",
	    "send one copy of a subscriber's message to ADDR, subject marked "
	    "[TEST], links inert; recorded nowhere" },
	{ 'u', "--subscriber EMAIL",
	    "whose message --test-to sends (default: the first confirmed "
	    "subscriber)" },
	{ 'M', "--smtp URL",
	    "smtp://host:port or smtps://host:port (default: the "
	    "configuration's smtp_url)" },
	{ 'c', "-c, --concurrency N",
	    "SMTP connections at once (default: the configuration's "
	    "smtp_connections)" },
	{ 'r', "--rate N",
	    "at most N messages per second (default: the configuration's "
	    "smtp_rate; 0 = no limit)" },
	{ 'F', "--retry-failed", "try the permanently failed ones again" },
	{ 'O', "--outbox DIR", "the outbox (default: the configuration's)" },
	{ 'j', "--json",
	    "a JSON summary on stdout; the log lines go to stderr" },
	{ CMD_DB_OPTION_ID, "--db PATH",
	    "the database (default $DIGEST_DB, else ./digest.db)" },
	{ 0, NULL, NULL },
};

const struct opt_usage cmd_send_usage = {
	.synopsis =
	    "digest send [--edition ID] [--since WHEN] [--dry-run]\n"
	    "                   [--test-to ADDR [--subscriber EMAIL]] [--smtp URL]\n"
	    "                   [--concurrency N] [--rate N] [--retry-failed]\n"
	    "                   [--outbox DIR] [--json] [--db PATH]",
	.about =
	    "Sends an edition to every confirmed subscriber: their articles (their\n"
	    "tags; none means every article), each message their own, one SMTP\n"
	    "transaction each. The edition (default: this ISO week's, YYYY-Www) is\n"
	    "created on its first send with its articles frozen, so a repeated or\n"
	    "resumed send delivers the same content; it goes only to those who\n"
	    "have not had it. Without an SMTP server (--smtp or smtp_url in the\n"
	    "configuration) messages go to the outbox, OUTBOX/EDITION/*.eml.\n",
	.opts = send_opts,
	.notes =
	    "One key=value line per subscriber: edition= to= status= smtp= ms=;\n"
	    "status=in-doubt names a message an interrupted run left in flight (that\n"
	    "subscriber may get a second copy).\n"
	    "The SMTP password comes from $DIGEST_SMTP_PASSWORD or a file only its\n"
	    "owner can read ($DIGEST_SMTP_PASSWORD_FILE, smtp_password_file).\n"
	    "A reader whose message cannot be built or is refused for good is\n"
	    "failed, with the reason, and the others still get theirs.\n"
	    "Exit status: 0 all sent (or skipped); 69 some failed for good; 75 some\n"
	    "deferred (run again later), another run is sending, or the server does\n"
	    "not answer; 78 a setting that no later run mends (TLS, the login, the\n"
	    "sender, a bad value in the configuration): the message names it; 74\n"
	    "the store failed.\n",
};

struct send_cli {
	const char *edition, *since, *test_to, *subscriber;
	struct cmd_delivery d;
	int dry;
};

struct send_dry_ctx {
	FILE *f;		/* where the lines go */
	const char *edition;
};

/* A dry run's line per reader: built (the message it would send),
 * skipped, or the reason it could not be built. */
static void
send_dry_log(const struct send_event *ev, const struct send_report *rep,
    void *arg)
{
	const struct send_dry_ctx *c = arg;

	(void)rep;
	if (ev->status == JOURNAL_FAILED) {
		cmd_error("cannot build the message for '%s': %s", ev->to,
		    ev->reply);
		return;
	}
	fprintf(c->f, "edition=%s to=%s status=%s", c->edition, ev->to,
	    ev->status == JOURNAL_SENT ? "built" : "skipped");
	if (ev->status == JOURNAL_SKIPPED)
		util_log_kv(c->f, "reply", ev->reply);
	fprintf(c->f, " articles=%zu bytes=%zu\n", ev->articles, ev->bytes);
}

/* --dry-run: what a send would do now, through the journal, with every
 * message built; nothing delivered, nothing recorded. */
static int
send_dry(struct sqlite3 *db, struct edition *e, const struct config *c,
    const struct send_cli *cli)
{
	struct send_dry_ctx ctx;
	struct send_report rep;
	struct send_opts so;
	char err[ERR_LEN];
	enum send_status rc;

	send_opts_from_config(&so, c);
	so.retry_failed = cli->d.retry_failed;
	ctx.f = cli->d.json ? stderr : stdout;
	ctx.edition = e->id;
	rc = send_dry_run(db, e, &so, send_dry_log, &ctx, &rep, err);
	if (rc != SEND_OK) {
		cmd_error("edition %s: %s", e->id, err);
		return cmd_send_exit_status(rc);
	}
	fprintf(stderr, "digest: edition %s: %zu built, %zu skipped, %zu "
	    "failed, nothing delivered (--dry-run)\n", e->id,
	    rep.sent, rep.skipped, rep.failed);
	if (cli->d.json)
		cmd_send_json(e->id, &rep);
	return rep.failed > 0 ? EX_DATAERR : 0;
}

/* --subscriber's subscriber, or the first confirmed one, into s. 0, or
 * the exit code (said). */
static int
send_test_subscriber(struct sqlite3 *db, const char *email,
    struct store_subscriber *s)
{
	struct store_subscriber_list l;
	char err[ERR_LEN];
	int rc;

	memset(&l, 0, sizeof(l));
	if (email != NULL)
		rc = store_subscriber_find(db, email, s, err);
	else if ((rc = store_subscriber_list(db, STORE_CONFIRMED, &l,
	    err)) == 0 && (rc = l.n > 0) == 1) {
		*s = l.v[0];
		store_subscriber_init(&l.v[0]);
	}
	store_subscriber_list_release(&l);
	if (rc != 1)
		cmd_error("%s", rc == 0 ? "no such subscriber to take the "
		    "message of" : err);
	return rc == 1 ? 0 : rc == 0 ? EX_NOINPUT : EX_IOERR;
}

static int
send_test_status(enum transport_fault fault)
{
	switch (fault) {
	case TRANSPORT_DELIVERED:
		return 0;
	case TRANSPORT_REFUSED:
		return EX_UNAVAILABLE;
	case TRANSPORT_STOP_SETTING:
		return EX_CONFIG;
	default:
		return EX_TEMPFAIL;
	}
}

/* Sends the test copy of s's message to `to` and says what became of
 * it: the exit code. */
static int
send_test_copy_of(struct sqlite3 *db, struct edition *e,
    const struct config *c, const struct send_cli *cli,
    const struct store_subscriber *s, const char *to)
{
	struct transport_result tr;
	struct edition_reader r;
	struct transport *t;
	char err[ERR_LEN];
	size_t articles;
	int rc, status;

	store_subscriber_reader(s, &r);
	/* A test copy's links must not unsubscribe the real subscriber. */
	r.unsubscribe_token = r.preferences_token = NULL;
	r.subject_prefix = "[TEST] ";
	if ((t = cmd_deliver_transport(c, &cli->d, e->id, &status)) == NULL)
		return status;
	rc = send_test_copy(db, e, t, &r, to, &tr, &articles, err);
	transport_close(t);
	if (rc < 0) {
		cmd_error("cannot build the message: %s", err);
		return rc == -2 ? EX_IOERR : EX_DATAERR;
	}
	if (rc == 0) {
		cmd_error("cannot send to '%s': %s", to, tr.reply);
		return tr.fault == TRANSPORT_STOP_SETTING ? EX_CONFIG :
		    EX_DATAERR;
	}
	fprintf(cli->d.json ? stderr : stdout, "edition=%s to=%s status=%s "
	    "smtp=%d test_of=%s articles=%zu\n", e->id, to,
	    tr.fault == TRANSPORT_DELIVERED ? "sent" : "failed", tr.code,
	    s->email, articles);
	if (tr.fault != TRANSPORT_DELIVERED)
		cmd_error("cannot send to '%s': %s", to, tr.reply);
	return send_test_status(tr.fault);
}

/* --test-to: one copy of a subscriber's message to any address. */
static int
send_test(struct sqlite3 *db, struct edition *e, const struct config *c,
    const struct send_cli *cli)
{
	struct store_subscriber s;
	char err[ERR_LEN], to[ADDR_MAX + 1];
	int status;

	if (addr_from_text(cli->test_to, strlen(cli->test_to), to, err) == -1) {
		cmd_error("invalid address '%s': %s", cli->test_to, err);
		return EX_USAGE;
	}
	store_subscriber_init(&s);
	status = send_test_subscriber(db, cli->subscriber, &s);
	if (status == 0)
		status = send_test_copy_of(db, e, c, cli, &s, to);
	store_subscriber_release(&s);
	return status;
}

static int
send_parse(int argc, char **argv, struct send_cli *cli)
{
	long long v;
	int ch;

	while ((ch = opt_next(argc, argv, &cmd_send_usage)) != -1) {
		switch (ch) {
		case 'h':
			return cmd_help(&cmd_send_usage), -2;
		case CMD_DB_OPTION_ID:
			cmd_db_path_set(optarg);
			break;
		case 'E': cli->edition = optarg; break;
		case 'S': cli->since = optarg; break;
		case 'n': cli->dry = 1; break;
		case 'T': cli->test_to = optarg; break;
		case 'u': cli->subscriber = optarg; break;
		case 'M': cli->d.smtp = optarg; break;
		case 'F': cli->d.retry_failed = 1; break;
		case 'O': cli->d.outbox = optarg; break;
		case 'j': cli->d.json = 1; break;
		case 'c':
			if (cmd_parse_count("--concurrency", optarg, 1, 32, &v) == -1)
				return -1;
			cli->d.concurrency = (long)v;
			break;
		case 'r':
			if (cmd_parse_count("--rate", optarg, 0, 100000, &v) == -1)
				return -1;
			cli->d.rate = (double)v;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc)
		cmd_operands_error(&cmd_send_usage, argc, argv, 0);
	else if (cli->subscriber && !cli->test_to)
		cmd_error("--subscriber goes with --test-to (it picks whose "
		    "copy that is)");
	else if (cli->dry && cli->test_to)
		cmd_error("--dry-run and --test-to do not go together");
	else
		return 0;
	return -1;
}

/* Opens the edition: made (its articles frozen) on its first real
 * send; a dry run or a test copy makes nothing. 0, or the exit code. */
static int
send_edition_open(struct sqlite3 *db, const struct config *c,
    const struct send_cli *cli, struct edition *e)
{
	char err[ERR_LEN];
	int rc = edition_open_journal(e, db, c, cli->edition, date_now(),
	    cli->since, !cli->dry && !cli->test_to, err);

	if (rc < 0)
		cmd_error("cannot open the edition: %s", err);
	return rc == -1 ? EX_DATAERR : rc == -2 ? EX_IOERR : 0;
}

int
cmd_send(int argc, char **argv)
{
	struct send_cli cli;
	struct edition e;
	struct config c;
	struct sqlite3 *db;
	int status, rc;

	memset(&cli, 0, sizeof(cli));
	cli.d.rate = -1;
	if ((rc = send_parse(argc, argv, &cli)) == -2)
		return 0;
	if (rc == -1)
		return cmd_bad_usage(&cmd_send_usage);
	if ((status = cmd_config_load(&c)) != 0)
		return status;
	if ((db = cmd_db_open_existing(&status)) == NULL) {
		config_release(&c);
		return status;
	}
	/* A send walks the whole subscriber list once: caching it all
	 * would only make the process as big as the store. */
	db_limit_memory(db, 8192, 0);
	status = send_edition_open(db, &c, &cli, &e);
	if (status != 0)
		;
	else if (cli.dry)
		status = send_dry(db, &e, &c, &cli);
	else if (cli.test_to)
		status = send_test(db, &e, &c, &cli);
	else
		status = cmd_deliver(db, &e, &c, &cli.d);
	edition_close(&e);
	db_close(db);
	config_release(&c);
	return status;
}
