#include "send.h"
#include "config.h"
#include "db.h"
#include "ring.h"
#include "token.h"
#include "util.h"
#include "verp.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SEND_CHUNK 256		/* journal rows read at a time */
#define SEND_CACHE 64		/* article sets kept rendered as data */
#define SEND_POLL_MS 100
#define SEND_AHEAD 64		/* messages built ahead of sending */
#define SEND_BEAT 2.0		/* seconds between heartbeats */
#define SEND_BACKOFF_MAX 3600
#define SEND_MARK_MAX 64	/* messages marked in flight per commit */
/* A commit that marks messages in flight waits for the disk. It may take
 * as long as the messages it marks take to send (it overlaps their
 * sending on the other connections and the slot it fills): past that,
 * more are marked per commit (see send_mark_want). */
#define SEND_MARK_SHARE 1.0

/* A reader's message on its way. */
struct send_flight {
	int used;
	struct journal_item it;		/* owned */
	char message_id[MIME_MESSAGE_ID_MAX];
	size_t articles;
	double t0;
};

/* The edition's data for one tag set: readers who chose the same topics
 * get the same articles. */
struct send_cached {
	char *tags;		/* owned; the joined tags, the key */
	json_t *data;		/* owned reference */
	size_t articles;
};

/* A reader's message built ahead of sending, or why there is none. */
struct send_ready {
	struct journal_item it;		/* owned */
	char *msg;			/* owned; NULL: skip or fail them */
	size_t len;
	const char *skip;		/* static: why they are skipped */
	char *fail;			/* owned: why it cannot be built */
	char message_id[MIME_MESSAGE_ID_MAX];
	size_t articles;
	char from[ADDR_MAX + 1];	/* the envelope sender (verp.h) */
};

/*
 * Building a message (selection, templates, MIME) takes longer than
 * sending it, and while the sender builds, no connection moves: so a
 * second thread builds, with its own connection to the store, a few
 * messages ahead, and the sender only submits, waits and records.
 */
struct send_builder {
	pthread_t thread;
	struct ring ready;		/* of struct send_ready, built */
	/* Written by the builder, read by the sender after the join. */
	int failed;			/* the store failed the builder */
	char err[ERR_LEN];
	/* The builder's own; the sender touches none of these. */
	struct sqlite3 *db;
	struct edition *e;
	const struct send_opts *o;
	struct verp verp;		/* each reader's return path */
	struct send_cached cache[SEND_CACHE];
	size_t ncache;
};

struct send_run {
	struct sqlite3 *db;
	struct edition *e;
	struct transport *t;
	const struct send_opts *o;
	send_log_fn log;
	void *arg;
	struct send_report *rep;
	char owner[TOKEN_LEN + 1];
	struct send_flight *fl;		/* owned; t->capacity() of them */
	size_t nfl;
	size_t inflight;
	struct journal_result *res;	/* owned; results not yet recorded */
	struct send_event *ev;		/* owned; their log events */
	char **replies;			/* owned copies for res/ev */
	size_t nres;
	size_t res_cap;
	size_t ev_cap;
	size_t rep_cap;
	int marks;			/* marks among the queued results */
	/* Marked in flight (on disk), not yet submitted: owned. */
	struct send_ready marked[SEND_MARK_MAX];
	size_t nmarked;
	size_t next_marked;
	double mark_ms;			/* what a marking commit takes */
	double gap_ms;			/* between two submits */
	double last_submit;
	int sync_full;			/* the connection's synchronous */
	struct send_builder b;
	double rate;			/* now; 0 = no limit */
	double tokens;
	double last_refill;
	double start;
	double last_slowdown;
	double last_beat;
	int fatal;			/* the run stops: status says why */
	enum send_status status;
	size_t unanswered;		/* results in a row without a reply */
	char err[ERR_LEN];
};

/* The journal's times are the wall clock's, not DIGEST_NOW's: they say
 * when something really happened and when to really try again. */
static int64_t
send_wall(void)
{
	return (int64_t)time(NULL);
}

/* A moving average that starts at its first sample. */
static void
send_average(double *avg, double x)
{
	*avg = *avg > 0 ? 0.8 * *avg + 0.2 * x : x;
}

/* Stops the run for a cause that is not one reader's: the first cause
 * is the one reported. What the transport has not begun is withdrawn,
 * so that what is still in flight is exactly what the server may have. */
static void
send_stop(struct send_run *run, enum send_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
send_stop(struct send_run *run, enum send_status status, const char *fmt, ...)
{
	char why[ERR_LEN];
	va_list ap;

	if (run->fatal)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	run->fatal = 1;
	run->status = status;
	memcpy(run->err, why, sizeof(why));
	if (status != SEND_ERROR && run->t->cancel != NULL)
		run->t->cancel(run->t);
}

/*
 * Building.
 */

/* The edition's data for a tag set (a borrowed reference), or NULL with
 * err when the store fails. */
static json_t *
send_data(struct send_builder *run, const char *tags,
    const char *const *tagv, size_t ntags, size_t *articles, char *err)
{
	struct article_list l;
	size_t i;
	json_t *d;

	for (i = 0; i < run->ncache; i++)
		if (strcmp(run->cache[i].tags, tags) == 0) {
			*articles = run->cache[i].articles;
			return run->cache[i].data;
		}
	memset(&l, 0, sizeof(l));
	if (edition_select(run->db, run->e, tagv, ntags, &l, err) == -1)
		return NULL;
	d = render_edition_data(run->e->cfg, run->e->id, run->e->now, &l);
	*articles = l.n;
	article_list_release(&l);
	if (run->ncache == SEND_CACHE) {
		/* A cache, not a store: start again rather than grow. */
		for (i = 0; i < run->ncache; i++) {
			free(run->cache[i].tags);
			json_decref(run->cache[i].data);
		}
		run->ncache = 0;
	}
	run->cache[run->ncache].tags = xstrdup(tags);
	run->cache[run->ncache].data = d;
	run->cache[run->ncache].articles = *articles;
	run->ncache++;
	return d;
}

/* Splits a journal item's joined tags into v (pointers into copy). */
static size_t
send_split_tags(char *copy, const char **v, size_t max)
{
	size_t n = 0;
	char *p = copy, *sep;

	while (p != NULL && *p != '\0' && n < max) {
		sep = strchr(p, ARTICLE_TAG_SEP);
		if (sep != NULL)
			*sep = '\0';
		v[n++] = p;
		p = sep ? sep + 1 : NULL;
	}
	return n;
}

/* send_build for a journal item, through the builder's cache: 1, 0, -1
 * (the reader's message cannot be built), -2 (the store). */
static int
send_build_cached(struct send_builder *run, const struct journal_item *it,
    struct edition_message *m, size_t *articles, char from[ADDR_MAX + 1],
    char *err)
{
	const char *tagv[ARTICLE_TAGS_MAX];
	char *copy, unsubscribe[ADDR_MAX + 1];
	struct edition_reader r;
	json_t *data;
	int rc;

	if (verp_reader(&run->verp, it->subscriber_id, from, unsubscribe,
	    err) == -1)
		return -1;
	copy = xstrdup(it->tags ? it->tags : "");
	memset(&r, 0, sizeof(r));
	r.unsubscribe_mailto = unsubscribe;
	r.email = it->email;
	r.name = it->name;
	r.tags = tagv;
	r.ntags = send_split_tags(copy, tagv, ARTICLE_TAGS_MAX);
	r.unsubscribe_token = it->unsubscribe_token;
	r.preferences_token = it->preferences_token;
	data = send_data(run, it->tags ? it->tags : "", tagv, r.ntags,
	    articles, err);
	if (data == NULL)
		rc = -2;
	else if (*articles == 0 && !run->o->send_empty)
		rc = 0;
	else
		rc = edition_message_build(run->e, data, &r, m, err) == -1 ? -1 :
		    1;
	free(copy);
	return rc;
}

int
send_build(struct sqlite3 *db, struct edition *e,
    const struct edition_reader *r, int send_empty, struct edition_message *m,
    size_t *articles, char *err)
{
	struct article_list l;
	json_t *data;
	int rc;

	memset(&l, 0, sizeof(l));
	if (edition_select(db, e, r->tags, r->ntags, &l, err) == -1)
		return -2;
	*articles = l.n;
	if (l.n == 0 && !send_empty) {
		article_list_release(&l);
		return 0;
	}
	data = render_edition_data(e->cfg, e->id, e->now, &l);
	rc = edition_message_build(e, data, r, m, err) == -1 ? -1 : 1;
	json_decref(data);
	article_list_release(&l);
	return rc;
}

/*
 * Recording.
 */

/* Room for one more queued entry: its result and event zeroed, its
 * three strings NULL. Returns its index. */
static size_t
send_queue_grow(struct send_run *run)
{
	size_t i = run->nres;

	xgrow(&run->res, &run->res_cap, i + 1, sizeof(*run->res));
	xgrow(&run->ev, &run->ev_cap, i + 1, sizeof(*run->ev));
	xgrow(&run->replies, &run->rep_cap, 3 * (i + 1), sizeof(*run->replies));
	memset(&run->res[i], 0, sizeof(run->res[i]));
	memset(&run->ev[i], 0, sizeof(run->ev[i]));
	memset(&run->replies[3 * i], 0, 3 * sizeof(*run->replies));
	run->nres++;
	return i;
}

/* Queues a result for the next journal transaction, with its event. */
static void
send_result(struct send_run *run, const struct journal_item *it,
    enum journal_status st, int code, const char *reply, const char *queue_id,
    const char *message_id, size_t articles, double ms)
{
	size_t i = send_queue_grow(run);
	struct journal_result *r = &run->res[i];
	struct send_event *ev = &run->ev[i];
	char **s = &run->replies[3 * i];
	int64_t backoff;

	s[0] = xstrdup(reply ? reply : "");
	s[1] = xstrdup(it->email);
	s[2] = xstrdup(queue_id ? queue_id : "");
	r->subscriber_id = it->subscriber_id;
	r->status = st;
	r->code = code;
	r->reply = s[0];
	r->queue_id = s[2];
	r->message_id = message_id && *message_id ? xstrdup(message_id) : NULL;
	/* Backoff doubles with each try: 2 s, 4 s, 8 s... at most an hour. */
	backoff = (int64_t)1 << (it->attempts + 1 < 12 ? it->attempts + 1 : 12);
	r->next_try = send_wall() + (backoff > SEND_BACKOFF_MAX ?
	    SEND_BACKOFF_MAX : backoff);
	ev->to = s[1];
	ev->status = st;
	ev->code = code;
	ev->reply = r->reply;
	ev->queue_id = r->queue_id;
	ev->message_id = r->message_id;
	ev->articles = articles;
	ev->ms = ms;
}

/* Queues the mark that a message is about to reach the server (sending),
 * or the clearing of that mark for one that never did (keep): journal.h,
 * struct journal_result. */
static void
send_mark(struct send_run *run, int64_t subscriber_id, const char *message_id,
    int keep)
{
	size_t i = send_queue_grow(run);	/* before run->res is read */
	struct journal_result *r = &run->res[i];

	r->subscriber_id = subscriber_id;
	r->sending = !keep;
	r->keep = keep;
	r->message_id = keep ? NULL : xstrdup(message_id);
	run->marks += !keep;
}

static void
send_results_clear(struct send_run *run)
{
	size_t i;

	for (i = 0; i < run->nres; i++) {
		free(run->replies[3 * i]);
		free(run->replies[3 * i + 1]);
		free(run->replies[3 * i + 2]);
		free((char *)run->res[i].message_id);
	}
	run->nres = 0;
	run->marks = 0;
}

/* Counts and logs the recorded results. */
static void
send_report_results(struct send_run *run)
{
	size_t i;

	for (i = 0; i < run->nres; i++) {
		if (run->res[i].sending || run->res[i].keep)
			continue;
		switch (run->res[i].status) {
		case JOURNAL_SENT:
			run->rep->sent++;
			break;
		case JOURNAL_FAILED:
			run->rep->failed++;
			break;
		case JOURNAL_SKIPPED:
			run->rep->skipped++;
			break;
		default:
			break;
		}
		if (run->rep->left > 0 && run->res[i].status != JOURNAL_DEFERRED)
			run->rep->left--;
		run->rep->rate = run->rate;
		run->rep->elapsed = util_monotonic() - run->start;
		if (run->log != NULL)
			run->log(&run->ev[i], run->rep, run->arg);
	}
}

/*
 * Records the queued results in one transaction, then logs them. A
 * commit that marks messages in flight is fsynced before it returns
 * (they are handed over next); one of results only is written and left
 * for the next marking commit (or the last one) to sync: lost to a power
 * cut, it leaves those messages marked, and the next run names them.
 * The last commit of a run (durable) is synced too.
 */
static int
send_flush_sync(struct send_run *run, int durable)
{
	int beat, full = durable || run->marks > 0;
	double t0;

	if (run->nres == 0 && !durable)
		return 0;
	if (full != run->sync_full) {
		if (db_sync_full(run->db, full, run->err) == -1) {
			send_results_clear(run);
			send_stop(run, SEND_ERROR, "%s", run->err);
			return -1;
		}
		run->sync_full = full;
	}
	/* The heartbeat goes with the results, every few seconds: far
	 * inside the time after which another run may take the lock. A
	 * durable commit always beats: it must write something, or there
	 * is nothing to sync the commits before it with. */
	beat = durable || util_monotonic() - run->last_beat >= SEND_BEAT;
	if (beat)
		run->last_beat = util_monotonic();
	t0 = util_monotonic();
	if (journal_record(run->db, run->e->id, run->owner, beat, run->res,
	    run->nres, send_wall(), run->err) == -1) {
		send_results_clear(run);
		send_stop(run, SEND_ERROR, "%s", run->err);
		return -1;
	}
	if (run->marks > 0)
		send_average(&run->mark_ms, (util_monotonic() - t0) * 1e3);
	if (run->t->settle != NULL)
		run->t->settle(run->t);
	send_report_results(run);
	send_results_clear(run);
	return 0;
}

static int
send_flush(struct send_run *run)
{
	return send_flush_sync(run, 0);
}

/*
 * Verdicts.
 */

/* Results in a row without any reply from the server before a run
 * gives up: two for each message the transport holds at once (two per
 * connection: the one it sends and the next), and a few more. */
#define SEND_UNANSWERED_MAX(flights) (2 * (flights) + 4)

/*
 * The server asks for less: it gets half the rate, at most once a second
 * (the replies to messages already in flight say the same thing again),
 * never below one message a second, and nobody fails for it.
 */
static void
send_slow_down(struct send_run *run)
{
	double now = util_monotonic(), elapsed = now - run->start;
	double current = run->rate > 0 ? run->rate :
	    (double)(run->rep->sent + run->nres + 1) / (elapsed > 1 ? elapsed : 1);

	if (now - run->last_slowdown < 1)
		return;
	run->last_slowdown = now;
	run->rate = current / 2 < 1 ? 1 : current / 2;
}

/* After a slow-down, each delivery earns the rate back one message a
 * second at a time (AIMD, as TCP does), up to the configured rate; with
 * none configured, past SEND_RATE_FREE the limit is lifted again. */
#define SEND_RATE_FREE 1000.0

static void
send_speed_up(struct send_run *run)
{
	if (run->rate <= 0 || (run->o->rate > 0 && run->rate >= run->o->rate))
		return;
	run->rate += 1;
	if (run->o->rate > 0 && run->rate > run->o->rate)
		run->rate = run->o->rate;
	else if (run->o->rate <= 0 && run->rate > SEND_RATE_FREE)
		run->rate = 0;
}

/* No reply at all (refused, timed out, an untrusted certificate), on
 * every connection and again: trying each reader in turn would hold the
 * run for readers times smtp_timeout. Stop; the rest wait for the next
 * run. */
static void
send_count_answer(struct send_run *run, const struct transport_result *r)
{
	if (r->fault != TRANSPORT_DEFER || r->code != 0) {
		run->unanswered = 0;
		return;
	}
	if (++run->unanswered >= SEND_UNANSWERED_MAX(run->nfl))
		send_stop(run, SEND_UNREACHABLE, "the server does not answer: "
		    "%s", r->reply);
}

/* The transport's verdict on one message, as the transport scoped it. */
static void
send_done(void *tag, const struct transport_result *r, void *arg)
{
	static const enum journal_status st_of[] = {
		[TRANSPORT_DELIVERED] = JOURNAL_SENT,
		[TRANSPORT_DEFER] = JOURNAL_DEFERRED,
		[TRANSPORT_REFUSED] = JOURNAL_FAILED,
	};
	struct send_run *run = arg;
	struct send_flight *f = tag;

	switch (r->fault) {
	case TRANSPORT_DELIVERED:
	case TRANSPORT_DEFER:
	case TRANSPORT_REFUSED:
		send_result(run, &f->it, st_of[r->fault], r->code, r->reply,
		    r->queue_id, f->message_id, f->articles,
		    (util_monotonic() - f->t0) * 1e3);
		break;
	case TRANSPORT_STOP:
	case TRANSPORT_STOP_SETTING:
		send_stop(run, r->fault == TRANSPORT_STOP ? SEND_STOPPED :
		    SEND_SETTING, "%s", r->reply);
		/* FALLTHROUGH */
	case TRANSPORT_NOT_SENT:
		/* Nothing happened to this reader: the mark goes, the
		 * delivery stays as it was, for the next run. */
		send_mark(run, f->it.subscriber_id, NULL, 1);
		break;
	}
	send_count_answer(run, r);
	if (r->slow_down)
		send_slow_down(run);
	else if (r->fault == TRANSPORT_DELIVERED)
		send_speed_up(run);
	journal_item_release(&f->it);
	f->used = 0;
	run->inflight--;
}

/* Waits for the transport and queues what ended. poll() takes every
 * result it reported before as recorded (transport.h, settle), so any
 * still queued are recorded first. */
static void
send_poll(struct send_run *run, int timeout_ms)
{
	if (run->nres > 0)
		(void)send_flush(run);
	run->t->poll(run->t, timeout_ms, send_done, run);
}

/* Waits for the transport, then records what ended: before the next
 * message of its connection ends, so a kill leaves at most one per
 * connection unknown. */
static int
send_wait(struct send_run *run, int timeout_ms)
{
	send_poll(run, timeout_ms);
	return send_flush(run);
}

/* Waits until the rate allows one more message. */
static void
send_pace(struct send_run *run)
{
	double now, wait;

	if (run->rate <= 0)
		return;
	for (;;) {
		now = util_monotonic();
		run->tokens += (now - run->last_refill) * run->rate;
		run->last_refill = now;
		if (run->tokens > 1)
			run->tokens = 1;
		if (run->tokens >= 1) {
			run->tokens -= 1;
			return;
		}
		wait = (1 - run->tokens) / run->rate * 1e3;
		/* Waiting is also when finished messages come in. */
		if (run->inflight > 0)
			send_wait(run, (int)ceil(wait));
		else {
			struct timespec ts = { (time_t)(wait / 1e3),
			    (long)fmod(wait, 1e3) * 1000000L };

			nanosleep(&ts, NULL);
		}
		if (run->fatal)
			return;
	}
}

/* A free flight, once the transport has room; NULL when the run stops
 * meanwhile. What ends while waiting is recorded at once, so that the
 * connection it came from may end its next message. */
static struct send_flight *
send_free_slot(struct send_run *run)
{
	size_t i;

	while (run->inflight == run->nfl && !run->fatal)
		send_wait(run, SEND_POLL_MS);
	if (run->fatal)
		return NULL;
	for (i = 0; i < run->nfl; i++)
		if (!run->fl[i].used)
			return &run->fl[i];
	return NULL;
}

/*
 * The builder thread.
 */

static void
send_ready_release(struct send_ready *r)
{
	journal_item_release(&r->it);
	free(r->msg);
	free(r->fail);
	memset(r, 0, sizeof(*r));
}

static void
send_ready_drop(void *r)
{
	send_ready_release(r);
}

/* Queues r (moved) for the sender; waits while the queue is full. What
 * a sender that gave up refuses is dropped. */
static void
send_ahead_put(struct send_builder *b, struct send_ready *r)
{
	if (ring_put(&b->ready, r, 1, 1) == 0)
		send_ready_release(r);
	memset(r, 0, sizeof(*r));
}

/* Builds one reader's message into r, or notes why they get none
 * (skipped, or failed: a message that cannot be built is that reader's
 * failure, and the others still get theirs). Takes ownership of it.
 * 0, or -1 when the store fails. */
static int
send_ready_make(struct send_builder *b, struct journal_item *it,
    struct send_ready *r)
{
	struct edition_message m;
	char err[ERR_LEN];
	int rc = 1;

	memset(r, 0, sizeof(*r));
	edition_message_init(&m);
	if (!it->confirmed)
		r->skip = "no longer subscribed";
	else if ((rc = send_build_cached(b, it, &m, &r->articles, r->from,
	    err)) == 0)
		r->skip = "no articles";
	if (rc == -2) {
		util_err(b->err, "%s", err);
		edition_message_release(&m);
		journal_item_release(it);
		return -1;
	}
	if (rc == -1) {
		size_t n = strlen("cannot build the message: ") + strlen(err) + 1;

		r->fail = xcalloc(1, n);
		snprintf(r->fail, n, "cannot build the message: %s", err);
	} else if (r->skip == NULL) {
		memcpy(r->message_id, m.message_id, sizeof(r->message_id));
		r->len = m.eml.len;
		r->msg = buf_detach(&m.eml, NULL);
	}
	r->it = *it;
	memset(it, 0, sizeof(*it));
	edition_message_release(&m);
	return 0;
}

/* Builds one reader's message for the sender: 0, or -1 when the store
 * fails. */
static int
send_ahead_one(struct send_builder *b, struct journal_item *it)
{
	struct send_ready r;

	if (send_ready_make(b, it, &r) == -1)
		return -1;
	send_ahead_put(b, &r);
	return 0;
}

/* One pass over the journal: everyone pending, and deferred ones due. */
static void *
send_ahead_main(void *arg)
{
	struct send_builder *b = arg;
	struct journal_item items[SEND_CHUNK];
	int64_t after = 0;
	int n, i, failed = 0;

	while (!failed && !ring_cancelled(&b->ready)) {
		n = journal_next(b->db, b->e->id, after, send_wall(), 0, items,
		    SEND_CHUNK, b->err);
		if (n <= 0) {
			failed = n == -1;
			break;
		}
		for (i = 0; i < n; i++) {
			after = items[i].subscriber_id;
			if (failed || send_ahead_one(b, &items[i]) == -1) {
				failed = 1;
				journal_item_release(&items[i]);
			}
		}
	}
	b->failed = failed;
	ring_close(&b->ready);
	return NULL;
}

/* The next built message, moved into r: 1, or 0 when there is none: the
 * pass is done (or the builder failed: b->failed), or, with nowait, none
 * is ready yet. */
static int
send_ahead_take(struct send_builder *b, struct send_ready *r, int nowait)
{
	return ring_take(&b->ready, r, 1, !nowait) == 1;
}

static int
send_ahead_start(struct send_builder *b)
{
	ring_reopen(&b->ready);
	b->failed = 0;
	return pthread_create(&b->thread, NULL, send_ahead_main, b) == 0 ?
	    0 : -1;
}

/* Stops the pass (when the sender gave up) and joins the builder. What
 * it built and nobody took was never marked: it is only dropped. */
static void
send_ahead_finish(struct send_builder *b)
{
	ring_cancel(&b->ready);
	pthread_join(b->thread, NULL);
}

/* Opens the builder's own connection to the store the sender uses. */
static int
send_ahead_open(struct send_run *run)
{
	struct send_builder *b = &run->b;
	const char *path = sqlite3_db_filename(run->db, "main");

	ring_init(&b->ready, SEND_AHEAD, sizeof(struct send_ready),
	    send_ready_drop);
	b->e = run->e;
	b->o = run->o;
	b->db = db_open(path ? path : "", run->err);
	if (b->db == NULL)
		return -1;
	db_limit_memory(b->db, 8192, 0);
	return 0;
}

static void
send_ahead_close(struct send_builder *b)
{
	size_t i;

	for (i = 0; i < b->ncache; i++) {
		free(b->cache[i].tags);
		json_decref(b->cache[i].data);
	}
	db_close(b->db);
	ring_release(&b->ready);
}

/*
 * The sender.
 */

/* How many messages one marking commit covers: one, unless the disk
 * takes more than SEND_MARK_SHARE of the time one message takes to send
 * to sync a commit; then as many as keep it within that share. */
static size_t
send_mark_want(const struct send_run *run)
{
	double k;

	if (run->gap_ms <= 0)
		return 1;
	k = ceil(run->mark_ms / (SEND_MARK_SHARE * run->gap_ms));
	return k < 1 ? 1 : k > SEND_MARK_MAX ? SEND_MARK_MAX : (size_t)k;
}

/* Queues what one built item says, or moves it to the marked list (its
 * mark queued): 1 when it is to be sent. */
static int
send_take_one(struct send_run *run, struct send_ready *r)
{
	if (r->skip != NULL || r->fail != NULL) {
		send_result(run, &r->it, r->skip ? JOURNAL_SKIPPED :
		    JOURNAL_FAILED, 0, r->skip ? r->skip : r->fail, NULL, NULL,
		    r->articles, 0);
		send_ready_release(r);
		return 0;
	}
	send_mark(run, r->it.subscriber_id, r->message_id, 0);
	run->marked[run->nmarked++] = *r;
	memset(r, 0, sizeof(*r));
	return 1;
}

/*
 * The next messages to send, marked in flight in one commit that is on
 * disk before any of them is handed over. Skipped and failed readers met
 * on the way are queued with it. 0 when the pass is done.
 */
static int
send_mark_batch(struct send_run *run)
{
	size_t want = send_mark_want(run), taken = 0;
	struct send_ready r;

	run->nmarked = run->next_marked = 0;
	while (!run->fatal && run->nmarked < want && taken < SEND_CHUNK &&
	    send_ahead_take(&run->b, &r, run->nmarked > 0 || taken > 0)) {
		taken++;
		(void)send_take_one(run, &r);
	}
	if (run->nmarked > 0 || run->nres >= SEND_CHUNK)
		(void)send_flush(run);
	return taken > 0;
}

/* Clears the marks of what was marked and will not be sent now. */
static void
send_unmark_rest(struct send_run *run)
{
	while (run->next_marked < run->nmarked) {
		struct send_ready *r = &run->marked[run->next_marked++];

		send_mark(run, r->it.subscriber_id, NULL, 1);
		send_ready_release(r);
	}
}

/* Whether r's reader is still subscribed, asked just before their
 * message goes: the builder read them long before (SEND_AHEAD messages
 * ahead, seconds at a low rate), and an unsubscription answered since
 * must hold. 1 yes; else r is released: 0 recorded skipped, -1 the
 * store failed (the run stops). */
static int
send_still_subscribed(struct send_run *run, struct send_ready *r)
{
	int rc = journal_subscriber_confirmed(run->db, r->it.subscriber_id,
	    run->err);

	if (rc == 1)
		return 1;
	if (rc == 0)
		send_result(run, &r->it, JOURNAL_SKIPPED, 0,
		    "no longer subscribed", NULL, NULL, r->articles, 0);
	else {
		send_stop(run, SEND_ERROR, "%s", run->err);
		send_mark(run, r->it.subscriber_id, NULL, 1);
	}
	send_ready_release(r);
	return rc;
}

/* Hands one marked message to the transport in the free flight f;
 * takes ownership of r. */
static void
send_one(struct send_run *run, struct send_flight *f, struct send_ready *r)
{
	double now;
	int fault;

	send_pace(run);
	if (run->fatal) {
		send_mark(run, r->it.subscriber_id, NULL, 1);
		send_ready_release(r);
		return;
	}
	if (send_still_subscribed(run, r) != 1)
		return;
	f->it = r->it;
	memcpy(f->message_id, r->message_id, sizeof(f->message_id));
	f->articles = r->articles;
	memset(&r->it, 0, sizeof(r->it));
	now = util_monotonic();
	if (run->last_submit > 0)
		send_average(&run->gap_ms, (now - run->last_submit) * 1e3);
	run->last_submit = f->t0 = now;
	fault = run->t->submit(run->t, r->from, f->it.email, r->msg, r->len, f,
	    run->err);
	r->msg = NULL;
	if (fault == 0) {
		f->used = 1;
		run->inflight++;
	} else if (fault == TRANSPORT_REFUSED) {
		/* An address or a message that can never go. */
		send_result(run, &f->it, JOURNAL_FAILED, 0, run->err, NULL, NULL,
		    r->articles, 0);
		journal_item_release(&f->it);
	} else {
		send_stop(run, fault == TRANSPORT_STOP_SETTING ? SEND_SETTING :
		    SEND_STOPPED, "%s", run->err);
		send_mark(run, f->it.subscriber_id, NULL, 1);
		journal_item_release(&f->it);
	}
	send_ready_release(r);
}

/*
 * A run that stops for the run's sake still collects every message it
 * handed over (what the transport had not begun it withdrew): each ends
 * by itself, at the latest at smtp_timeout, and then the journal knows
 * whether the server has it. Only a failed store, which can record
 * nothing, leaves them marked, for the next run to report in doubt.
 */
static void
send_collect(struct send_run *run)
{
	while (run->inflight > 0 && !(run->fatal &&
	    run->status == SEND_ERROR))
		send_wait(run, SEND_POLL_MS);
}

/*
 * One pass: what the builder makes, as it makes it. A message is marked
 * once a flight is free for it, so that what a kill leaves marked is
 * what was in flight, and little more.
 */
static void
send_pass(struct send_run *run)
{
	struct send_flight *f;

	if (send_ahead_start(&run->b) == -1) {
		send_stop(run, SEND_ERROR, "cannot start a thread");
		return;
	}
	while ((f = send_free_slot(run)) != NULL) {
		if (run->next_marked == run->nmarked &&
		    send_mark_batch(run) == 0)
			break;
		if (run->next_marked < run->nmarked && !run->fatal)
			send_one(run, f, &run->marked[run->next_marked++]);
	}
	send_unmark_rest(run);
	send_ahead_finish(&run->b);
	if (run->b.failed)
		send_stop(run, SEND_ERROR, "%s", run->b.err);
	send_collect(run);
	(void)send_flush_sync(run, 1);
}

static void
send_run_free(struct send_run *run)
{
	size_t i;

	send_results_clear(run);
	for (i = 0; i < run->nfl; i++)
		if (run->fl[i].used)
			journal_item_release(&run->fl[i].it);
	for (i = run->next_marked; i < run->nmarked; i++)
		send_ready_release(&run->marked[i]);
	send_ahead_close(&run->b);
	free(run->fl);
	free(run->res);
	free(run->ev);
	free(run->replies);
}

static void
send_doubt(const char *email, const char *message_id, void *arg)
{
	struct send_run *run = arg;
	struct send_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.to = email;
	ev.in_doubt = 1;
	ev.message_id = message_id;
	run->rep->in_doubt++;
	if (run->log != NULL)
		run->log(&ev, run->rep, run->arg);
}

/*
 * What the configuration puts in every message (the sender, the list's
 * name and id, the links) is checked once, by building the message of a
 * reader made up for it, before anyone is marked: when that cannot be
 * built, no message can, and that is a setting, not a reader. The
 * return path and its key are the edition's: readied here, once (the
 * edition numbered with number), for the builder. 0, or -1 with err.
 */
static int
send_check_config(struct send_builder *b, struct sqlite3 *db, int number,
    char *err)
{
	static const char *const no_tags[1] = { NULL };
	char from[ADDR_MAX + 1], unsubscribe[ADDR_MAX + 1], why[ERR_LEN];
	struct edition_message m;
	struct edition_reader r;
	json_t *data;
	int rc;

	if (verp_open(&b->verp, db, b->e->cfg, b->e->id, number, err) == -1 ||
	    verp_reader(&b->verp, 1, from, unsubscribe, err) == -1)
		return -1;
	memset(&r, 0, sizeof(r));
	r.unsubscribe_mailto = unsubscribe;
	r.email = "reader@example.org";
	r.name = "Reader";
	r.tags = no_tags;
	r.unsubscribe_token = r.preferences_token = "0000000000000000";
	data = render_edition_data(b->e->cfg, b->e->id, b->e->now,
	    &(struct article_list){ 0 });
	edition_message_init(&m);
	rc = edition_message_build(b->e, data, &r, &m, why);
	edition_message_release(&m);
	json_decref(data);
	if (rc == -1)
		util_err(err, "no message can be built: %s", why);
	return rc;
}

static int
send_check_edition(struct send_run *run)
{
	char why[ERR_LEN];

	if (send_check_config(&run->b, run->db, 1, why) == -1) {
		send_stop(run, SEND_SETTING, "%s", why);
		return -1;
	}
	return 0;
}

static int
send_prepare(struct send_run *run)
{
	struct journal_edition je;
	char holder[256];
	int rc;

	if (send_check_edition(run) == -1)
		return -1;
	if (token_new(run->owner, run->err) == -1)
		return -1;
	rc = journal_lock(run->db, run->e->id, run->owner, send_wall(), holder,
	    sizeof(holder), run->err);
	if (rc == 0) {
		util_err(run->err, "being sent by another run (%s)", holder);
		run->status = SEND_LOCKED;
	}
	if (rc != 1)
		return -1;
	if (journal_in_doubt(run->db, run->e->id, send_doubt, run,
	    run->err) == -1)
		return -1;
	if ((run->o->retry_failed && journal_retry_failed(run->db, run->e->id,
	    run->err) == -1) ||
	    journal_deliveries_add(run->db, run->e->id, run->err) == -1 ||
	    journal_edition_get(run->db, run->e->id, &je, run->err) != 1)
		return -1;
	run->rep->left = je.count[JOURNAL_PENDING] + je.count[JOURNAL_DEFERRED];
	return 0;
}

/* Counts what is left, and closes an edition nobody is left of. */
static void
send_finish(struct send_run *run)
{
	struct journal_edition je;
	char err[ERR_LEN];

	if (journal_edition_get(run->db, run->e->id, &je, err) != 1)
		return;
	run->rep->deferred = je.count[JOURNAL_DEFERRED];
	run->rep->left = je.count[JOURNAL_PENDING] + je.count[JOURNAL_DEFERRED];
	if (run->rep->left == 0 && !run->fatal)
		journal_edition_mark(run->db, run->e->id, "done");
}

void
send_opts_from_config(struct send_opts *o, const struct config *c)
{
	memset(o, 0, sizeof(*o));
	o->rate = (double)c->smtp_rate;
	o->send_empty = (int)c->send_empty;
	o->retry_window = c->retry_window > 0 ? (int)c->retry_window : -1;
}

enum send_status
send_edition(struct sqlite3 *db, struct edition *e, struct transport *t,
    const struct send_opts *o, send_log_fn log, void *arg,
    struct send_report *rep, char *err)
{
	struct send_run run;
	int64_t due, deadline = send_wall() + (o->retry_window == 0 ?
	    SEND_RETRY_WINDOW : o->retry_window < 0 ? 0 : o->retry_window);
	int tries = 0;

	memset(&run, 0, sizeof(run));
	memset(rep, 0, sizeof(*rep));
	run.db = db;
	run.e = e;
	run.t = t;
	run.o = o;
	run.log = log;
	run.arg = arg;
	run.rep = rep;
	run.rate = o->rate;
	run.start = run.last_refill = util_monotonic();
	run.nfl = t->capacity(t);
	run.fl = xcalloc(run.nfl, sizeof(*run.fl));
	run.sync_full = 1;
	run.status = SEND_ERROR;
	e->frozen = 1;
	if (send_ahead_open(&run) == -1 || send_prepare(&run) == -1) {
		util_err(err, "%s", run.err);
		send_run_free(&run);
		return run.status;
	}
	for (;;) {
		send_pass(&run);
		tries++;
		if (run.fatal)
			break;
		due = journal_next_due(db, e->id);
		/* Deferred ones due within the window are tried again now;
		 * later ones are the next run's. */
		if (due == 0 || due > deadline || tries >= SEND_MAX_TRIES)
			break;
		while (send_wall() < due) {
			struct timespec ts = { 0, 200000000L };

			nanosleep(&ts, NULL);
		}
	}
	if (run.fatal)
		util_err(err, "%s", run.err);
	send_finish(&run);
	rep->elapsed = util_monotonic() - run.start;
	journal_unlock(db, e->id, run.owner);
	send_run_free(&run);
	return run.fatal ? run.status : SEND_OK;
}

/*
 * The dry run: the journal's pass without its writes.
 */

/* The event of a reader the dry run built (or skipped, or could not
 * build), counted in rep. */
static void
send_dry_event(const struct send_ready *r, struct send_event *ev,
    struct send_report *rep)
{
	memset(ev, 0, sizeof(*ev));
	ev->to = r->it.email;
	ev->articles = r->articles;
	ev->bytes = r->len;
	ev->message_id = r->message_id;
	if (r->skip != NULL) {
		ev->status = JOURNAL_SKIPPED;
		ev->reply = r->skip;
		rep->skipped++;
	} else if (r->fail != NULL) {
		ev->status = JOURNAL_FAILED;
		ev->reply = r->fail;
		rep->failed++;
	} else {
		ev->status = JOURNAL_SENT;
		rep->sent++;
	}
}

/* One chunk of the dry run's pass: 1 more to read, 0 done, -1 the store
 * failed (b->err). */
static int
send_dry_chunk(struct send_builder *b, int flags, int64_t *after,
    send_log_fn log, void *arg, struct send_report *rep)
{
	struct journal_item items[SEND_CHUNK];
	struct send_event ev;
	struct send_ready r;
	int n, i, failed = 0;

	n = journal_next(b->db, b->e->id, *after, send_wall(), flags, items,
	    SEND_CHUNK, b->err);
	for (i = 0; i < n; i++) {
		*after = items[i].subscriber_id;
		if (failed || send_ready_make(b, &items[i], &r) == -1) {
			failed = 1;
			journal_item_release(&items[i]);
			continue;
		}
		send_dry_event(&r, &ev, rep);
		if (log != NULL)
			log(&ev, rep, arg);
		send_ready_release(&r);
	}
	return n == -1 || failed ? -1 : n > 0;
}

enum send_status
send_dry_run(struct sqlite3 *db, struct edition *e, const struct send_opts *o,
    send_log_fn log, void *arg, struct send_report *rep, char *err)
{
	struct send_builder b;	/* synchronous: its store is the caller's */
	int flags = JOURNAL_NEXT_UNLISTED | (o->retry_failed ?
	    JOURNAL_NEXT_FAILED : 0), rc;
	int64_t after = 0;
	double start = util_monotonic();
	size_t i;

	memset(rep, 0, sizeof(*rep));
	memset(&b, 0, sizeof(b));
	b.db = db;
	b.e = e;
	b.o = o;
	if (send_check_config(&b, db, 0, err) == -1)
		return SEND_SETTING;
	while ((rc = send_dry_chunk(&b, flags, &after, log, arg, rep)) == 1)
		;
	for (i = 0; i < b.ncache; i++) {
		free(b.cache[i].tags);
		json_decref(b.cache[i].data);
	}
	rep->elapsed = util_monotonic() - start;
	if (rc == -1) {
		util_err(err, "%s", b.err);
		return SEND_ERROR;
	}
	return SEND_OK;
}

/*
 * A test copy.
 */

static void
send_copy_done(void *tag, const struct transport_result *r, void *arg)
{
	(void)arg;
	*(struct transport_result *)tag = *r;
}

int
send_test_copy(struct sqlite3 *db, struct edition *e, struct transport *t,
    const struct edition_reader *r, const char *to,
    struct transport_result *res, size_t *articles, char *err)
{
	struct edition_message m;
	size_t len;
	int rc;

	memset(res, 0, sizeof(*res));
	edition_message_init(&m);
	rc = send_build(db, e, r, 1, &m, articles, err);
	if (rc < 0) {
		edition_message_release(&m);
		return rc;
	}
	len = m.eml.len;
	rc = t->submit(t, e->cfg->from_address, to, buf_detach(&m.eml, NULL),
	    len, res, err);
	edition_message_release(&m);
	if (rc != 0) {
		res->fault = (enum transport_fault)rc;
		snprintf(res->reply, sizeof(res->reply), "%s", err);
		return 0;
	}
	while (t->poll(t, 1000, send_copy_done, NULL) > 0)
		;
	return 1;
}
