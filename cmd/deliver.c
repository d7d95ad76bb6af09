/*
 * Sending an edition and saying what happened, as `digest send` and
 * `digest run-due` both do: the key=value line per reader, progress on
 * a terminal, the summary, the exit status.
 */
#include "cmd.h"
#include "config.h"
#include "edition.h"
#include "send.h"
#include "store.h"
#include "transport.h"
#include "util.h"

#include <jansson.h>
#include <string.h>

static void
deliver_progress(const struct send_report *rep, int done)
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

struct deliver_log {
	FILE *f;		/* where the key=value lines go */
	int tty;		/* progress on stderr */
	const char *edition;
	size_t deferred_now;
	double last_progress;
};

static void
deliver_log_doubt(const struct deliver_log *c, const struct send_event *ev)
{
	fprintf(c->f, "edition=%s to=%s status=in-doubt", c->edition, ev->to);
	util_log_kv(c->f, "message_id", ev->message_id);
	util_log_kv(c->f, "reply", "an earlier run stopped with this message "
	    "in flight: the server may have it, a second copy may follow");
	fputc('\n', c->f);
	fflush(c->f);
}

static void
deliver_log(const struct send_event *ev, const struct send_report *rep,
    void *arg)
{
	struct deliver_log *c = arg;

	if (ev->in_doubt) {
		deliver_log_doubt(c, ev);
		return;
	}
	if (ev->status == JOURNAL_DEFERRED)
		c->deferred_now++;
	fprintf(c->f, "edition=%s to=%s status=%s", c->edition, ev->to,
	    journal_status_name(ev->status));
	if (ev->code != 0)
		fprintf(c->f, " smtp=%d", ev->code);
	util_log_kv(c->f, "queue_id", ev->queue_id);
	util_log_kv(c->f, "message_id", ev->message_id);
	if (ev->status != JOURNAL_SENT)
		util_log_kv(c->f, "reply", ev->reply);
	if (ev->articles > 0)
		fprintf(c->f, " articles=%zu", ev->articles);
	fprintf(c->f, " ms=%.0f\n", ev->ms);
	/* Each line out as it happens: a log (cron's >>FILE, journald's
	 * pipe) keeps every reader's outcome even of a run killed later. */
	fflush(c->f);
	if (c->tty && rep->elapsed - c->last_progress > 0.2) {
		struct send_report shown = *rep;

		shown.deferred = c->deferred_now;
		deliver_progress(&shown, 0);
		c->last_progress = rep->elapsed;
	}
}

void
cmd_send_json(const char *edition, const struct send_report *rep)
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

/* A run that ended: 75 some deferred (run again later), 69 some failed
 * for good, else 0. */
static int
deliver_status(const struct send_report *rep)
{
	if (rep->deferred > 0)
		return EX_TEMPFAIL;
	if (rep->failed > 0)
		return EX_UNAVAILABLE;
	return 0;
}

int
cmd_send_exit_status(int rc)
{
	switch ((enum send_status)rc) {
	case SEND_OK:
		return 0;
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

struct transport *
cmd_deliver_transport(const struct config *c, const struct cmd_delivery *d,
    const char *edition, int *status)
{
	struct transport *t;
	char outbox[4200], err[ERR_LEN];

	snprintf(outbox, sizeof(outbox), "%s/%s", d->outbox ? d->outbox :
	    c->outbox, edition);
	t = cmd_transport_open(c, d->smtp, outbox, d->concurrency, status, err);
	if (t == NULL)
		cmd_error("%s", err);
	return t;
}

static void
deliver_summary(const struct edition *e, const struct send_report *rep,
    int json)
{
	fprintf(stderr, "digest: edition %s: %zu sent, %zu deferred, %zu failed, "
	    "%zu skipped in %.1f s\n", e->id, rep->sent, rep->deferred,
	    rep->failed, rep->skipped, rep->elapsed);
	if (json)
		cmd_send_json(e->id, rep);
}

/* What the journal's deliveries said about subscribers goes to the
 * store (store.h): before a send adds its readers, so that nobody a
 * stopped run bounced is added, and after it. 0, or EX_IOERR (said). */
static int
deliver_outcomes(struct sqlite3 *db, const struct config *c,
    const char *edition)
{
	char err[ERR_LEN];
	int64_t n = store_deliveries_apply(db, c->bounce_limit, err);

	if (n == -1) {
		cmd_error("edition %s: cannot record bounces: %s", edition, err);
		return EX_IOERR;
	}
	if (n > 0)
		fprintf(stderr, "digest: edition %s: %lld subscriber%s now "
		    "bounced (hard bounces in a row: bounce_limit %ld)\n",
		    edition, (long long)n, n == 1 ? "" : "s", c->bounce_limit);
	return 0;
}

int
cmd_deliver(struct sqlite3 *db, struct edition *e, const struct config *c,
    const struct cmd_delivery *d)
{
	struct deliver_log lc;
	struct send_report rep;
	struct send_opts so;
	struct transport *t;
	char err[ERR_LEN];
	enum send_status rc;
	int status;

	if ((status = deliver_outcomes(db, c, e->id)) != 0)
		return status;
	if ((t = cmd_deliver_transport(c, d, e->id, &status)) == NULL)
		return status;
	send_opts_from_config(&so, c);
	if (d->rate >= 0)
		so.rate = d->rate;
	so.retry_failed = d->retry_failed;
	memset(&lc, 0, sizeof(lc));
	lc.f = d->json ? stderr : stdout;
	lc.tty = cmd_stderr_is_tty() && !d->json;
	lc.edition = e->id;
	rc = send_edition(db, e, t, &so, deliver_log, &lc, &rep, err);
	transport_close(t);
	status = deliver_outcomes(db, c, e->id);
	if (lc.tty)
		deliver_progress(&rep, 1);
	if (rep.in_doubt > 0)
		fprintf(stderr, "digest: edition %s: %zu may get a second copy: "
		    "an earlier run stopped with their message in flight "
		    "(status=in-doubt; digest editions show %s)\n", e->id,
		    rep.in_doubt, e->id);
	if (rc != SEND_OK) {
		cmd_error("edition %s: %s", e->id, err);
		return cmd_send_exit_status(rc);
	}
	deliver_summary(e, &rep, d->json);
	return status != 0 ? status : deliver_status(&rep);
}
