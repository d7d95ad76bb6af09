/*
 * digest send: this edition to every confirmed subscriber, exactly once,
 * through SMTP when a server is configured, else into the outbox.
 */
#include "cmd.h"
#include "opt.h"
#include "config.h"
#include "date.h"
#include "db.h"
#include "edition.h"
#include "journal.h"
#include "send.h"
#include "smtp.h"
#include "addr.h"
#include "store.h"
#include "transport.h"
#include "util.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct opt send_opts[] = {
	{ 'E', "--edition ID", "the edition (default: this ISO week)" },
	{ 'S', "--since WHEN",
	    "a new edition's window: 7d, 2w, a date (default: the "
	    "configuration's since)" },
	{ 'n', "-n, --dry-run",
	    "build every message, deliver none, record nothing" },
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
	const char *edition, *since, *test_to, *subscriber, *smtp, *outbox;
	long concurrency;	/* -1: the configuration's */
	double rate;		/* < 0: the configuration's */
	int dry, retry_failed, json;
	FILE *log;		/* where the key=value lines go */
	int tty;
};

static void
send_progress(const struct send_report *rep, int done)
{
	double rate = rep->elapsed > 0 ? (double)(rep->sent + rep->failed +
	    rep->skipped) / rep->elapsed : 0;

	fprintf(stderr, "\rsent %zu · deferred %zu · failed %zu · left %zu · "
	    "%.0f msgs/s", rep->sent, rep->deferred, rep->failed, rep->left,
	    rate);
	if (rate > 0 && rep->left > 0)
		fprintf(stderr, " · ETA %.0f s", (double)rep->left / rate);
	fputs(done ? "\033[K\n" : "\033[K", stderr);
}

struct send_log_ctx {
	struct send_cli *cli;
	const char *edition;
	size_t deferred_now;
	double last_progress;
};

static void
send_log(const struct send_event *ev, const struct send_report *rep,
    void *arg)
{
	struct send_log_ctx *c = arg;
	FILE *f = c->cli->log;

	if (ev->in_doubt) {
		fprintf(f, "edition=%s to=%s status=in-doubt", c->edition,
		    ev->to);
		cmd_log_kv(f, "message_id", ev->message_id);
		cmd_log_kv(f, "reply", "an earlier run stopped with this message "
		    "in flight: the server may have it, a second copy may "
		    "follow");
		fputc('\n', f);
		return;
	}
	if (ev->status == JOURNAL_DEFERRED)
		c->deferred_now++;
	fprintf(f, "edition=%s to=%s status=%s", c->edition, ev->to,
	    journal_status_name(ev->status));
	if (ev->code != 0)
		fprintf(f, " smtp=%d", ev->code);
	cmd_log_kv(f, "queue_id", ev->queue_id);
	cmd_log_kv(f, "message_id", ev->message_id);
	if (ev->status != JOURNAL_SENT)
		cmd_log_kv(f, "reply", ev->reply);
	if (ev->articles > 0)
		fprintf(f, " articles=%zu", ev->articles);
	fprintf(f, " ms=%.0f\n", ev->ms);
	if (c->cli->tty && rep->elapsed - c->last_progress > 0.2) {
		struct send_report shown = *rep;

		shown.deferred = c->deferred_now;
		send_progress(&shown, 0);
		c->last_progress = rep->elapsed;
	}
}

/* The transport for this run: SMTP when a URL is given or configured,
 * else the outbox for the edition. */
static struct transport *
send_transport(const struct send_cli *cli, const struct config *c,
    const char *edition, int *status, char *err)
{
	char outbox[4200];

	snprintf(outbox, sizeof(outbox), "%s/%s", cli->outbox ? cli->outbox :
	    c->outbox, edition);
	return cmd_transport_open(c, cli->smtp, outbox, cli->concurrency,
	    status, err);
}

/* The edition, created with its articles frozen on its first send. */
static int
send_open_edition(struct sqlite3 *db, const struct config *c,
    const struct send_cli *cli, struct edition *e, int create, char *err)
{
	struct journal_edition je;
	int rc;

	if (edition_open(e, c, cli->edition, date_now(), cli->since, err) == -1)
		return EX_DATAERR;
	rc = journal_edition_get(db, e->id, &je, err);
	if (rc == -1)
		return EX_IOERR;
	if (rc == 1) {
		edition_use_stored(e, &je);
		return 0;
	}
	if (create && journal_edition_create(db, e->id, e->since, e->now + 1,
	    0, date_now(), c->max_age, err) == -1)
		return EX_IOERR;
	e->frozen = create;
	return 0;
}

static int
send_status(const struct send_report *rep)
{
	if (rep->deferred > 0)
		return EX_TEMPFAIL;
	if (rep->failed > 0)
		return EX_UNAVAILABLE;
	return 0;
}

/* A run that stopped: 78 for what only a setting mends, 75 for what a
 * later run may find mended, 74 for the store. */
static int
send_exit_status(enum send_status rc)
{
	switch (rc) {
	case SEND_SETTING:
		return EX_CONFIG;
	case SEND_LOCKED:
	case SEND_STOPPED:
	case SEND_UNREACHABLE:
		return EX_TEMPFAIL;
	default:
		return EX_IOERR;
	}
}

static void
send_json(const char *edition, const struct send_report *rep)
{
	json_t *o = json_object();

	json_object_set_new(o, "edition", json_string(edition));
	json_object_set_new(o, "sent", json_integer((json_int_t)rep->sent));
	json_object_set_new(o, "deferred",
	    json_integer((json_int_t)rep->deferred));
	json_object_set_new(o, "failed", json_integer((json_int_t)rep->failed));
	json_object_set_new(o, "skipped",
	    json_integer((json_int_t)rep->skipped));
	json_object_set_new(o, "in_doubt",
	    json_integer((json_int_t)rep->in_doubt));
	json_object_set_new(o, "left", json_integer((json_int_t)rep->left));
	json_object_set_new(o, "seconds", json_real(rep->elapsed));
	json_dumpf(o, stdout, JSON_INDENT(2));
	fputc('\n', stdout);
	json_decref(o);
}

static void
send_reader_of(const struct store_subscriber *s, struct edition_reader *r)
{
	memset(r, 0, sizeof(*r));
	r->email = s->email;
	r->name = s->name;
	r->tags = (const char *const *)s->tags;
	r->ntags = s->ntags;
	r->unsubscribe_token = s->unsubscribe_token;
	r->preferences_token = s->preferences_token;
}

/* --dry-run: every message built, none delivered, nothing recorded. */
static int
send_dry(struct sqlite3 *db, struct edition *e, const struct config *c,
    struct send_cli *cli)
{
	struct store_subscriber_list l;
	struct edition_message m;
	struct edition_reader r;
	struct send_report rep;
	char err[ERR_LEN];
	size_t i, articles;
	int rc, status = 0;

	memset(&l, 0, sizeof(l));
	memset(&rep, 0, sizeof(rep));
	if (store_subscriber_list(db, STORE_CONFIRMED, &l, err) == -1) {
		cmd_error("cannot list subscribers: %s", err);
		return EX_IOERR;
	}
	for (i = 0; i < l.n; i++) {
		send_reader_of(&l.v[i], &r);
		edition_message_init(&m);
		rc = send_build(db, e, &r, (int)c->send_empty, &m, &articles, err);
		if (rc == -2) {
			cmd_error("%s", err);
			edition_message_release(&m);
			status = EX_IOERR;
			break;
		} else if (rc == -1) {
			cmd_error("cannot build the message for '%s': %s",
			    l.v[i].email, err);
			status = EX_DATAERR;
		} else {
			fprintf(cli->log, "edition=%s to=%s status=%s articles=%zu "
			    "bytes=%zu\n", e->id, l.v[i].email, rc ? "built" :
			    "skipped", articles, m.eml.len);
			*(rc ? &rep.sent : &rep.skipped) += 1;
		}
		edition_message_release(&m);
	}
	fprintf(stderr, "digest: edition %s: %zu built, %zu skipped (no "
	    "articles), nothing delivered (--dry-run)\n", e->id, rep.sent,
	    rep.skipped);
	if (cli->json)
		send_json(e->id, &rep);
	store_subscriber_list_release(&l);
	return status;
}

static void
send_test_done(void *tag, const struct transport_result *r, void *arg)
{
	(void)arg;
	*(struct transport_result *)tag = *r;
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

/* --test-to: one copy of a subscriber's message to any address. */
static int
send_test(struct sqlite3 *db, struct edition *e, const struct config *c,
    struct send_cli *cli)
{
	struct store_subscriber_list l;
	struct store_subscriber s;
	struct edition_message m;
	struct edition_reader r;
	struct transport_result tr;
	struct transport *t;
	char err[ERR_LEN], to[ADDR_MAX + 1];
	size_t articles, len;
	int rc, status = 0;

	if (addr_from_text(cli->test_to, strlen(cli->test_to), to, err) == -1) {
		cmd_error("invalid address '%s': %s", cli->test_to, err);
		return EX_USAGE;
	}
	store_subscriber_init(&s);
	memset(&l, 0, sizeof(l));
	if (cli->subscriber != NULL)
		rc = store_subscriber_find(db, cli->subscriber, &s, err);
	else if ((rc = store_subscriber_list(db, STORE_CONFIRMED, &l,
	    err)) == 0 && (rc = l.n > 0) == 1) {
		s = l.v[0];
		store_subscriber_init(&l.v[0]);
	}
	if (rc != 1) {
		cmd_error("%s", rc == 0 ? "no such subscriber to take the message "
		    "of" : err);
		store_subscriber_list_release(&l);
		return rc == 0 ? EX_NOINPUT : EX_IOERR;
	}
	send_reader_of(&s, &r);
	/* A test copy's links must not unsubscribe the real subscriber. */
	r.unsubscribe_token = r.preferences_token = NULL;
	r.subject_prefix = "[TEST] ";
	edition_message_init(&m);
	memset(&tr, 0, sizeof(tr));
	rc = send_build(db, e, &r, 1, &m, &articles, err);
	if (rc < 0) {
		cmd_error("cannot build the message: %s", err);
		status = rc == -2 ? EX_IOERR : EX_DATAERR;
	} else if ((t = send_transport(cli, c, e->id, &status, err)) == NULL) {
		cmd_error("%s", err);
	} else {
		len = m.eml.len;
		if ((rc = t->submit(t, c->from_address, to, buf_detach(&m.eml,
		    NULL), len, &tr, err)) != 0) {
			cmd_error("cannot send to '%s': %s", to, err);
			status = rc == TRANSPORT_STOP_SETTING ? EX_CONFIG :
			    EX_DATAERR;
		} else {
			while (t->poll(t, 1000, send_test_done, NULL) > 0)
				;
			fprintf(cli->log, "edition=%s to=%s status=%s smtp=%d "
			    "test_of=%s articles=%zu\n", e->id, to,
			    tr.fault == TRANSPORT_DELIVERED ? "sent" : "failed",
			    tr.code, s.email, articles);
			if (tr.fault != TRANSPORT_DELIVERED)
				cmd_error("cannot send to '%s': %s", to,
				    tr.reply);
			status = send_test_status(tr.fault);
		}
		transport_close(t);
	}
	edition_message_release(&m);
	store_subscriber_release(&s);
	store_subscriber_list_release(&l);
	return status;
}

static int
send_real(struct sqlite3 *db, struct edition *e, const struct config *c,
    struct send_cli *cli);

int
cmd_send_edition(struct sqlite3 *db, struct edition *e,
    const struct config *c, int json)
{
	struct send_cli cli;

	memset(&cli, 0, sizeof(cli));
	cli.concurrency = -1;
	cli.rate = -1;
	cli.json = json;
	cli.log = json ? stderr : stdout;
	cli.tty = cmd_stderr_is_tty() && !json;
	return send_real(db, e, c, &cli);
}

static int
send_real(struct sqlite3 *db, struct edition *e, const struct config *c,
    struct send_cli *cli)
{
	struct send_log_ctx lc;
	struct send_report rep;
	struct send_opts so;
	struct transport *t;
	char err[ERR_LEN];
	enum send_status rc;
	int rc_open;

	if ((t = send_transport(cli, c, e->id, &rc_open, err)) == NULL) {
		cmd_error("%s", err);
		return rc_open;
	}
	memset(&so, 0, sizeof(so));
	so.rate = cli->rate >= 0 ? cli->rate : (double)c->smtp_rate;
	so.retry_failed = cli->retry_failed;
	so.send_empty = (int)c->send_empty;
	so.retry_window = c->retry_window > 0 ? (int)c->retry_window : -1;
	so.bounce_limit = (int)c->bounce_limit;
	memset(&lc, 0, sizeof(lc));
	lc.cli = cli;
	lc.edition = e->id;
	rc = send_edition(db, e, t, &so, send_log, &lc, &rep, err);
	transport_close(t);
	if (cli->tty)
		send_progress(&rep, 1);
	if (rep.in_doubt > 0)
		fprintf(stderr, "digest: edition %s: %zu may get a second copy: "
		    "an earlier run stopped with their message in flight "
		    "(status=in-doubt; digest editions show %s)\n", e->id,
		    rep.in_doubt, e->id);
	if (rc != SEND_OK) {
		cmd_error("edition %s: %s", e->id, err);
		return send_exit_status(rc);
	}
	fprintf(stderr, "digest: edition %s: %zu sent, %zu deferred, %zu failed, "
	    "%zu skipped in %.1f s\n", e->id, rep.sent, rep.deferred,
	    rep.failed, rep.skipped, rep.elapsed);
	if (cli->json)
		send_json(e->id, &rep);
	return send_status(&rep);
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
		case 'M': cli->smtp = optarg; break;
		case 'F': cli->retry_failed = 1; break;
		case 'O': cli->outbox = optarg; break;
		case 'j': cli->json = 1; break;
		case 'c':
			if (cmd_parse_count("--concurrency", optarg, 1, 32, &v) == -1)
				return -1;
			cli->concurrency = (long)v;
			break;
		case 'r':
			if (cmd_parse_count("--rate", optarg, 0, 100000, &v) == -1)
				return -1;
			cli->rate = (double)v;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc || (cli->subscriber && !cli->test_to) ||
	    (cli->dry && cli->test_to))
		return -1;
	return 0;
}

int
cmd_send(int argc, char **argv)
{
	struct send_cli cli;
	struct edition e;
	struct config c;
	struct sqlite3 *db;
	char err[ERR_LEN];
	int status, rc;

	memset(&cli, 0, sizeof(cli));
	cli.concurrency = -1;
	cli.rate = -1;
	if ((rc = send_parse(argc, argv, &cli)) == -2)
		return 0;
	if (rc == -1)
		return cmd_bad_usage(&cmd_send_usage);
	cli.log = cli.json ? stderr : stdout;
	cli.tty = cmd_stderr_is_tty() && !cli.json;
	if ((status = cmd_config_load(&c)) != 0)
		return status;
	if ((db = cmd_db_open_existing(&status)) == NULL) {
		config_release(&c);
		return status;
	}
	/* A send walks the whole subscriber list once: caching it all
	 * would only make the process as big as the store. */
	db_limit_memory(db, 8192, 0);
	memset(&e, 0, sizeof(e));
	status = send_open_edition(db, &c, &cli, &e, !cli.dry && !cli.test_to,
	    err);
	if (status != 0)
		cmd_error("cannot open the edition: %s", err);
	else if (cli.dry)
		status = send_dry(db, &e, &c, &cli);
	else if (cli.test_to)
		status = send_test(db, &e, &c, &cli);
	else
		status = send_real(db, &e, &c, &cli);
	edition_close(&e);
	db_close(db);
	config_release(&c);
	return status;
}
