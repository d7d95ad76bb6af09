/*
 * digest send: this edition to every confirmed subscriber, through a
 * transport. Each subscriber gets their own message: their articles
 * (their tags; none = all), their name, their links.
 */
#include "cmd.h"
#include "config.h"
#include "date.h"
#include "db.h"
#include "edition.h"
#include "store.h"
#include "transport.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

const char cmd_send_usage[] =
    "usage: digest send [--edition ID] [--since WHEN] [--dry-run]\n"
    "                   [--outbox DIR] [--db PATH]\n"
    "\n"
    "Builds this edition's message for every confirmed subscriber, from\n"
    "their articles (their tags; none means every article), and delivers\n"
    "it. Without an SMTP server configured, messages go to the outbox:\n"
    "one .eml file per subscriber in OUTBOX/EDITION/. Subscribers with no\n"
    "article in the window are skipped. One key=value line per subscriber\n"
    "on standard output.\n"
    "\n"
    "      --edition ID         the edition id (default: this ISO week,\n"
    "                           such as 2026-W48)\n"
    "      --since WHEN         the window: 7d, 2w, a date, or all\n"
    "                           (default: the configuration's since)\n"
    "  -n, --dry-run            build every message, deliver none\n"
    "      --outbox DIR         the outbox directory (default: the\n"
    "                           configuration's outbox)\n"
    "      --db PATH            the database (default $DIGEST_DB, else\n"
    "                           ./digest.db)\n"
    "  -h, --help               this help\n"
    "\n"
    "Exit status: 0 when every message was delivered (or built, with\n"
    "--dry-run), 65 when a message could not be built, 75 when a\n"
    "delivery failed.\n";

struct send_run {
	struct sqlite3 *db;
	struct edition e;
	struct transport *t;	/* NULL with --dry-run */
	size_t sent, skipped, failed;
	int status;
};

static double
send_ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void
send_done(void *tag, const struct transport_result *r, void *arg)
{
	(void)arg;
	*(struct transport_result *)tag = *r;
}

/* Builds and delivers one subscriber's message; logs one line. */
static void
send_one(struct send_run *r, const struct store_subscriber *s)
{
	struct edition_reader rd;
	struct edition_message m;
	struct transport_result tr;
	struct article_list l;
	struct timespec t0;
	char err[ERR_LEN], *msg;
	json_t *data;
	size_t len;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&rd, 0, sizeof(rd));
	rd.email = s->email;
	rd.name = s->name;
	rd.tags = (const char *const *)s->tags;
	rd.ntags = s->ntags;
	rd.unsubscribe_token = s->unsubscribe_token;
	rd.preferences_token = s->preferences_token;
	memset(&l, 0, sizeof(l));
	if (edition_select(r->db, &r->e, rd.tags, rd.ntags, &l, err) == -1) {
		printf("edition=%s to=%s status=failed error=\"%s\"\n", r->e.id,
		    s->email, err);
		r->failed++;
		r->status = EX_IOERR;
		return;
	}
	if (l.n == 0) {
		printf("edition=%s to=%s status=skipped reason=no-articles\n",
		    r->e.id, s->email);
		r->skipped++;
		article_list_release(&l);
		return;
	}
	data = render_edition_data(r->e.cfg, r->e.id, r->e.now, &l);
	edition_message_init(&m);
	if (edition_message_build(&r->e, data, &rd, &m, err) == -1) {
		printf("edition=%s to=%s status=failed error=\"%s\"\n", r->e.id,
		    s->email, err);
		r->failed++;
		r->status = EX_DATAERR;
	} else if (r->t == NULL) {
		printf("edition=%s to=%s status=built articles=%zu bytes=%zu "
		    "ms=%.1f\n", r->e.id, s->email, l.n, m.eml.len,
		    send_ms_since(&t0));
		r->sent++;
	} else if ((len = m.eml.len, msg = buf_detach(&m.eml, NULL),
	    r->t->submit(r->t, r->e.cfg->from_address, s->email, msg, len,
	    &tr, err)) == -1) {
		printf("edition=%s to=%s status=failed error=\"%s\"\n",
		    r->e.id, s->email, err);
		r->failed++;
		r->status = EX_DATAERR;
	} else {
		r->t->poll(r->t, 0, send_done, &tr);
		if (tr.code != 250) {
			printf("edition=%s to=%s status=deferred code=%d "
			    "error=\"%s\"\n", r->e.id, s->email, tr.code,
			    tr.reply);
			r->failed++;
			r->status = EX_TEMPFAIL;
		} else {
			printf("edition=%s to=%s status=sent articles=%zu code=%d "
			    "message_id=%s ms=%.1f\n", r->e.id, s->email, l.n,
			    tr.code, m.message_id, send_ms_since(&t0));
			r->sent++;
		}
	}
	edition_message_release(&m);
	json_decref(data);
	article_list_release(&l);
}

static int
send_all(struct send_run *r)
{
	struct store_subscriber_list subs;
	char err[ERR_LEN];
	size_t i;

	memset(&subs, 0, sizeof(subs));
	if (store_subscriber_list(r->db, STORE_CONFIRMED, &subs, err) == -1) {
		cmd_error("cannot list subscribers: %s", err);
		return EX_IOERR;
	}
	for (i = 0; i < subs.n; i++) {
		send_one(r, &subs.v[i]);
		if (cmd_stderr_is_tty())
			fprintf(stderr, "\r%zu/%zu\033[K", i + 1, subs.n);
	}
	if (cmd_stderr_is_tty())
		fputs("\r\033[K", stderr);
	fprintf(stderr, "digest: edition %s: %zu %s, %zu skipped (no articles), "
	    "%zu failed\n", r->e.id, r->sent, r->t ? "sent" : "built",
	    r->skipped, r->failed);
	store_subscriber_list_release(&subs);
	return r->status;
}

int
cmd_send(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_OPTIONS,
		{ "edition", required_argument, NULL, 'E' },
		{ "since", required_argument, NULL, 'S' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "outbox", required_argument, NULL, 'O' },
		{ NULL, 0, NULL, 0 },
	};
	const char *edition = NULL, *since = NULL, *outbox = NULL;
	struct send_run r;
	struct config c;
	char err[ERR_LEN], spec[4200];
	int ch, dry = 0, status;

	while ((ch = getopt_long(argc, argv, "hn", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			return cmd_help(cmd_send_usage);
		case CMD_DB_OPTION_ID:
			cmd_db_path_set(optarg);
			break;
		case 'E':
			edition = optarg;
			break;
		case 'S':
			since = optarg;
			break;
		case 'n':
			dry = 1;
			break;
		case 'O':
			outbox = optarg;
			break;
		default:
			return cmd_bad_usage(cmd_send_usage);
		}
	}
	if (optind != argc)
		return cmd_bad_usage(cmd_send_usage);
	if ((status = cmd_config_load(&c)) != 0)
		return status;
	memset(&r, 0, sizeof(r));
	if ((r.db = cmd_db_open_existing(&status)) == NULL) {
		config_release(&c);
		return status;
	}
	if (edition_open(&r.e, &c, edition, date_now(), since, err) == -1) {
		cmd_error("cannot open the edition: %s", err);
		status = EX_DATAERR;
		goto out;
	}
	if (!dry) {
		snprintf(spec, sizeof(spec), "outbox:%s/%s", outbox ? outbox :
		    c.outbox, r.e.id);
		if ((r.t = transport_open(spec, NULL, err)) == NULL) {
			cmd_error("%s", err);
			status = EX_CANTCREAT;
			goto out;
		}
	}
	status = send_all(&r);
	transport_close(r.t);
out:
	edition_close(&r.e);
	db_close(r.db);
	config_release(&c);
	return status;
}
