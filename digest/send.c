#include "send.h"
#include "db.h"
#include "token.h"
#include "util.h"

#include <math.h>
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
	char *msg;			/* owned; NULL: skip them */
	size_t len;
	const char *skip;		/* static: why they are skipped */
	char message_id[MIME_MESSAGE_ID_MAX];
	size_t articles;
};

/*
 * Building a message (selection, templates, MIME) takes longer than
 * sending it, and while the sender builds, no connection moves: so a
 * second thread builds, with its own connection to the store, a few
 * messages ahead, and the sender only submits, waits and records.
 */
struct send_builder {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t more;		/* a message is ready, or done */
	pthread_cond_t room;		/* one was taken, or stop */
	struct send_ready q[SEND_AHEAD];	/* owned: a ring */
	size_t head;
	size_t n;
	int done;			/* the pass is built */
	int stop;			/* the sender gave up */
	int failed;			/* the builder could not go on */
	char err[ERR_LEN];
	/* The builder's own; the sender touches none of these. */
	struct sqlite3 *db;
	struct edition *e;
	const struct send_opts *o;
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
	struct send_builder b;
	double rate;			/* now; 0 = no limit */
	double tokens;
	double last_refill;
	double start;
	double last_slowdown;
	double last_beat;
	int fatal;
	int refused;			/* fatal: the server refused us */
	int unreachable;		/* fatal: no reply, again and again */
	size_t unanswered;		/* results in a row without a reply */
	char err[ERR_LEN];
};

static double
send_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The journal's times are the wall clock's, not DIGEST_NOW's: they say
 * when something really happened and when to really try again. */
static int64_t
send_wall(void)
{
	return (int64_t)time(NULL);
}

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

static int
send_build_cached(struct send_builder *run, const struct journal_item *it,
    struct edition_message *m, size_t *articles, char *err)
{
	const char *tagv[ARTICLE_TAGS_MAX];
	char *copy = xstrdup(it->tags ? it->tags : "");
	struct edition_reader r;
	json_t *data;
	int rc;

	memset(&r, 0, sizeof(r));
	r.email = it->email;
	r.name = it->name;
	r.tags = tagv;
	r.ntags = send_split_tags(copy, tagv, ARTICLE_TAGS_MAX);
	r.unsubscribe_token = it->unsubscribe_token;
	r.preferences_token = it->preferences_token;
	data = send_data(run, it->tags ? it->tags : "", tagv, r.ntags,
	    articles, err);
	if (data == NULL)
		rc = -1;
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
		return -1;
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

/* Queues the mark that f's message is about to reach the server, for
 * the transaction before its submit(): journal.h, struct journal_result. */
static void
send_mark(struct send_run *run, const struct send_flight *f)
{
	size_t i = send_queue_grow(run);	/* before run->res is read */
	struct journal_result *r = &run->res[i];

	r->subscriber_id = f->it.subscriber_id;
	r->sending = 1;
	r->message_id = xstrdup(f->message_id);
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
}

/* Records the queued results in one transaction, then logs them. */
static int
send_flush(struct send_run *run)
{
	size_t i;
	int beat;

	if (run->nres == 0)
		return 0;
	/* The heartbeat goes with the results, every few seconds: far
	 * inside the time after which another run may take the lock. */
	beat = send_clock() - run->last_beat >= SEND_BEAT;
	if (beat)
		run->last_beat = send_clock();
	if (journal_record(run->db, run->e->id, run->owner, beat, run->res,
	    run->nres, run->o->bounce_limit, send_wall(), run->err) == -1) {
		run->fatal = 1;
		send_results_clear(run);
		return -1;
	}
	if (run->t->settle != NULL)
		run->t->settle(run->t);
	for (i = 0; i < run->nres; i++) {
		if (run->res[i].sending)
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
		run->rep->elapsed = send_clock() - run->start;
		if (run->log != NULL)
			run->log(&run->ev[i], run->rep, run->arg);
	}
	send_results_clear(run);
	return 0;
}

/* Results in a row without any reply from the server before a run
 * gives up: two for each message the transport holds at once (two per
 * connection: the one it sends and the next), and a few more. */
#define SEND_UNANSWERED_MAX(flights) (2 * (flights) + 4)

static int
send_auth_refused(int code)
{
	return code == 530 || code == 534 || code == 535 || code == 538;
}

static int
send_slowdown(int code)
{
	return code == 421 || code == 451 || code == 454;
}

/*
 * The server asks for less: it gets half the rate, at most once a second
 * (the replies to messages already in flight say the same thing again),
 * never below one message a second, and nobody fails for it.
 */
static void
send_slow_down(struct send_run *run)
{
	double now = send_clock(), elapsed = now - run->start;
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

/* The transport's verdict on one message. */
static void
send_done(void *tag, const struct transport_result *r, void *arg)
{
	struct send_run *run = arg;
	struct send_flight *f = tag;
	enum journal_status st;

	if (r->code >= 200 && r->code < 300) {
		st = JOURNAL_SENT;
	} else if (send_auth_refused(r->code)) {
		/* Every message would fail the same way: stop, and keep the
		 * reader's delivery to do once the configuration is fixed. */
		st = JOURNAL_DEFERRED;
		if (!run->fatal)
			util_err(run->err, "the server refused to authenticate "
			    "us: %s", r->reply);
		run->fatal = run->refused = 1;
	} else if (r->code >= 500) {
		st = JOURNAL_FAILED;
	} else {
		st = JOURNAL_DEFERRED;
	}
	/* No reply at all (refused, timed out, an untrusted certificate),
	 * on every connection and again: trying each reader in turn would
	 * hold the run for readers times smtp_timeout. Stop; the rest wait
	 * for the next run. */
	if (r->code != 0) {
		run->unanswered = 0;
	} else if (++run->unanswered >= SEND_UNANSWERED_MAX(run->nfl) &&
	    !run->fatal) {
		util_err(run->err, "the server does not answer: %s", r->reply);
		run->fatal = run->unreachable = 1;
	}
	if (send_slowdown(r->code))
		send_slow_down(run);
	else if (st == JOURNAL_SENT)
		send_speed_up(run);
	send_result(run, &f->it, st, r->code, r->reply, r->queue_id,
	    f->message_id, f->articles, (send_clock() - f->t0) * 1e3);
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
		now = send_clock();
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
	}
}

static struct send_flight *
send_free_slot(struct send_run *run)
{
	size_t i;

	/* What ends here is recorded with the next message's mark, in one
	 * transaction (send_one). */
	while (run->inflight == run->nfl && !run->fatal)
		send_poll(run, SEND_POLL_MS);
	for (i = 0; i < run->nfl; i++)
		if (!run->fl[i].used)
			return &run->fl[i];
	return NULL;
}

/*
 * The builder thread.
 */

/* Queues r (moved) for the sender; waits while the queue is full. */
static void
send_ahead_put(struct send_builder *b, struct send_ready *r)
{
	pthread_mutex_lock(&b->mu);
	while (b->n == SEND_AHEAD && !b->stop)
		pthread_cond_wait(&b->room, &b->mu);
	if (b->stop) {
		journal_item_release(&r->it);
		free(r->msg);
	} else {
		b->q[(b->head + b->n) % SEND_AHEAD] = *r;
		if (b->n++ == 0)
			pthread_cond_signal(&b->more);
	}
	pthread_mutex_unlock(&b->mu);
	memset(r, 0, sizeof(*r));
}

static int
send_ahead_stopped(struct send_builder *b)
{
	int stop;

	pthread_mutex_lock(&b->mu);
	stop = b->stop;
	pthread_mutex_unlock(&b->mu);
	return stop;
}

/* Builds one reader's message, or notes why they get none: 0, or -1
 * when building is impossible (a template, the store). */
static int
send_ahead_one(struct send_builder *b, struct journal_item *it)
{
	struct edition_message m;
	struct send_ready r;
	int rc = 1;

	memset(&r, 0, sizeof(r));
	edition_message_init(&m);
	if (!it->confirmed)
		r.skip = "no longer subscribed";
	else if ((rc = send_build_cached(b, it, &m, &r.articles, b->err)) == 0)
		r.skip = "no articles";
	if (rc == -1) {
		edition_message_release(&m);
		journal_item_release(it);
		return -1;
	}
	if (r.skip == NULL) {
		memcpy(r.message_id, m.message_id, sizeof(r.message_id));
		r.len = m.eml.len;
		r.msg = buf_detach(&m.eml, NULL);
	}
	r.it = *it;
	memset(it, 0, sizeof(*it));
	edition_message_release(&m);
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

	while (!failed && !send_ahead_stopped(b)) {
		n = journal_next(b->db, b->e->id, after, send_wall(), items,
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
	pthread_mutex_lock(&b->mu);
	b->done = 1;
	b->failed = failed;
	pthread_cond_signal(&b->more);
	pthread_mutex_unlock(&b->mu);
	return NULL;
}

/* The next built message, moved into r: 1, or 0 when the pass is done
 * (or the builder failed: b->failed). */
static int
send_ahead_take(struct send_builder *b, struct send_ready *r)
{
	int got = 0;

	pthread_mutex_lock(&b->mu);
	while (b->n == 0 && !b->done)
		pthread_cond_wait(&b->more, &b->mu);
	if (b->n > 0) {
		*r = b->q[b->head];
		b->head = (b->head + 1) % SEND_AHEAD;
		got = 1;
		/* The builder waits only on a full queue: woken when half
		 * of it is gone, it builds a run of messages rather than one
		 * message per wake-up. */
		if (--b->n == SEND_AHEAD / 2)
			pthread_cond_signal(&b->room);
	}
	pthread_mutex_unlock(&b->mu);
	return got;
}

static int
send_ahead_start(struct send_builder *b)
{
	b->head = b->n = 0;
	b->done = b->stop = b->failed = 0;
	return pthread_create(&b->thread, NULL, send_ahead_main, b) == 0 ?
	    0 : -1;
}

/* Stops the pass (when the sender gave up) and joins the builder. */
static void
send_ahead_finish(struct send_builder *b)
{
	struct send_ready r;

	pthread_mutex_lock(&b->mu);
	b->stop = 1;
	pthread_cond_signal(&b->room);
	pthread_mutex_unlock(&b->mu);
	pthread_join(b->thread, NULL);
	while (b->n > 0) {
		r = b->q[b->head];
		b->head = (b->head + 1) % SEND_AHEAD;
		b->n--;
		journal_item_release(&r.it);
		free(r.msg);
	}
}

/* Opens the builder's own connection to the store the sender uses. */
static int
send_ahead_open(struct send_run *run)
{
	struct send_builder *b = &run->b;
	const char *path = sqlite3_db_filename(run->db, "main");

	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->more, NULL);
	pthread_cond_init(&b->room, NULL);
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
	pthread_cond_destroy(&b->room);
	pthread_cond_destroy(&b->more);
	pthread_mutex_destroy(&b->mu);
}

/*
 * The sender.
 */

/* Starts one built message (or records its skip); takes ownership. */
static void
send_one(struct send_run *run, struct send_ready *r)
{
	struct send_flight *f;

	if (r->skip != NULL) {
		send_result(run, &r->it, JOURNAL_SKIPPED, 0, r->skip, NULL, NULL,
		    0, 0);
		journal_item_release(&r->it);
		return;
	}
	if ((f = send_free_slot(run)) == NULL || run->fatal) {
		journal_item_release(&r->it);
		free(r->msg);
		return;
	}
	send_pace(run);
	if (run->fatal) {
		/* What ended while pacing stopped the run. */
		journal_item_release(&r->it);
		free(r->msg);
		return;
	}
	f->it = r->it;
	memcpy(f->message_id, r->message_id, sizeof(f->message_id));
	f->articles = r->articles;
	/* The mark goes to the journal before the server can accept the
	 * message: a run stopped now leaves it for the next to report. */
	send_mark(run, f);
	if (send_flush(run) == -1) {
		journal_item_release(&f->it);
		free(r->msg);
		return;
	}
	f->t0 = send_clock();
	if (run->t->submit(run->t, run->e->cfg->from_address, f->it.email,
	    r->msg, r->len, f, run->err) == -1) {
		/* Refused before it could start: an address that can never
		 * be sent to. */
		send_result(run, &f->it, JOURNAL_FAILED, 553, run->err, NULL,
		    NULL, r->articles, 0);
		journal_item_release(&f->it);
	} else {
		f->used = 1;
		run->inflight++;
	}
}

/*
 * A run stopped by the server (a refused login, no answer) still takes
 * the results of the messages in flight for a moment: most end at once
 * the same way, and then the journal knows the server has none of them.
 * What is still in flight after that stays marked, and the next run
 * reports it in doubt.
 */
#define SEND_DRAIN 2.0		/* seconds */

static void
send_drain(struct send_run *run)
{
	double until = send_clock() + SEND_DRAIN;

	if (!run->refused && !run->unreachable)
		return;
	while (run->inflight > 0 && send_clock() < until)
		if (send_wait(run, SEND_POLL_MS) == -1)
			break;
}

/* One pass: what the builder makes, as it makes it. */
static void
send_pass(struct send_run *run)
{
	struct send_ready r;

	if (send_ahead_start(&run->b) == -1) {
		util_err(run->err, "cannot start a thread");
		run->fatal = 1;
		return;
	}
	while (!run->fatal && send_ahead_take(&run->b, &r)) {
		send_one(run, &r);
		/* Skips come in runs: record them in batches too. */
		if (run->nres >= SEND_CHUNK)
			(void)send_flush(run);
	}
	send_ahead_finish(&run->b);
	if (run->b.failed && !run->fatal) {
		util_err(run->err, "%s", run->b.err);
		run->fatal = 1;
	}
	while (run->inflight > 0 && !run->fatal)
		send_wait(run, SEND_POLL_MS);
	send_drain(run);
	(void)send_flush(run);
}

static void
send_run_free(struct send_run *run)
{
	size_t i;

	send_results_clear(run);
	for (i = 0; i < run->nfl; i++)
		if (run->fl[i].used)
			journal_item_release(&run->fl[i].it);
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

static int
send_prepare(struct send_run *run, int *locked)
{
	struct journal_edition je;
	char holder[256];
	int rc;

	*locked = 0;
	if (token_new(run->owner, run->err) == -1)
		return -1;
	rc = journal_lock(run->db, run->e->id, run->owner, send_wall(), holder,
	    sizeof(holder), run->err);
	if (rc == 0) {
		util_err(run->err, "being sent by another run (%s)", holder);
		*locked = 1;
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

enum send_status
send_edition(struct sqlite3 *db, struct edition *e, struct transport *t,
    const struct send_opts *o, send_log_fn log, void *arg,
    struct send_report *rep, char *err)
{
	struct send_run run;
	struct journal_edition je;
	int64_t due, deadline = send_wall() + (o->retry_window == 0 ?
	    SEND_RETRY_WINDOW : o->retry_window < 0 ? 0 : o->retry_window);
	enum send_status rc = SEND_OK;
	int tries = 0, locked = 0;

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
	run.start = run.last_refill = send_clock();
	run.nfl = t->capacity(t);
	run.fl = xcalloc(run.nfl, sizeof(*run.fl));
	e->frozen = 1;
	if (send_ahead_open(&run) == -1 || send_prepare(&run, &locked) == -1) {
		util_err(err, "%s", run.err);
		send_run_free(&run);
		return locked ? SEND_LOCKED : SEND_ERROR;
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
	if (run.fatal) {
		util_err(err, "%s", run.err);
		rc = run.refused ? SEND_REFUSED : run.unreachable ?
		    SEND_UNREACHABLE : SEND_ERROR;
	}
	if (journal_edition_get(db, e->id, &je, run.err) == 1) {
		rep->deferred = je.count[JOURNAL_DEFERRED];
		rep->left = je.count[JOURNAL_PENDING] + je.count[JOURNAL_DEFERRED];
		if (rep->left == 0 && !run.fatal)
			journal_edition_mark(db, e->id, "done");
	}
	rep->elapsed = send_clock() - run.start;
	journal_unlock(db, e->id, run.owner);
	send_run_free(&run);
	return rc;
}
